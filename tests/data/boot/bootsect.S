/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bootsect.S - tiny x86 real-mode boot programs for the El Torito boot
 * tests (tests/integration/eltorito.sh).  GNU as, no preprocessor; the
 * variant is chosen with --defsym KIND=n:
 *
 *   KIND=1  no-emulation image, 2048 bytes.  Its message lives in the
 *           last 512-byte sector, so it prints only if the firmware
 *           loaded all four (the default sector count, 4).
 *   KIND=2  no-emulation image, 2048 bytes, that checks the boot info
 *           table patched into its bytes 8-63: the PVD block is 16, the
 *           block the table names holds this very program (read back
 *           with INT 13h AH=42h and compared), the length is 2048 and the
 *           checksum is the 32-bit sum of the words from byte 64 on.
 *           Prints FSI-TABLE-OK only then, else FSI-TABLE-BAD and a letter.
 *   KIND=3  512-byte boot sector (55 AA) for a 1.44 MB floppy image.
 *   KIND=4  512-byte master boot record (55 AA; the test adds the
 *           partition entry) for a hard-disk emulation image.
 *
 * Each writes its message and the BIOS drive number (DL) to COM1, then
 * writes to port 0xF4 (QEMU's isa-debug-exit device ends the run) and
 * halts.  Build:
 *   as --32 --defsym KIND=1 -o b.o bootsect.S
 *   ld -m elf_i386 -Ttext=0x7c00 --oformat binary -o b.bin b.o
 */
        .code16
        .text
        .globl  _start

        .set    COM1, 0x3f8
        .set    DRIVE, 0x0600           /* scratch byte below the program */
        .set    DAP, 0x0610             /* INT 13h disk address packet */
        .set    READBUF, 0x9000         /* where KIND=2 reads itself back */

_start:
        jmp     begin
        nop
        /* Bytes 8-63: room for the boot info table (KIND=2 reads it;
         * in the others it is just not used). */
        .org    8
tbl_pvd:    .long 0
tbl_file:   .long 0
tbl_len:    .long 0
tbl_sum:    .long 0
        .org    64

begin:
        cli
        ljmp    $0, $here               /* CS:IP = 0000:7Cxx whatever the BIOS used */
here:
        xorw    %ax, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %ss
        movw    $0x7c00, %sp
        sti
        movb    %dl, DRIVE

        /* COM1: 115200 baud, 8 data bits, no parity, 1 stop bit. */
        movw    $COM1+3, %dx
        movb    $0x80, %al
        outb    %al, %dx                /* divisor latch on */
        movw    $COM1, %dx
        movb    $1, %al
        outb    %al, %dx
        movw    $COM1+1, %dx
        xorb    %al, %al
        outb    %al, %dx
        movw    $COM1+3, %dx
        movb    $3, %al
        outb    %al, %dx                /* 8N1, latch off */

        movw    $crlf, %si
        call    print

.if KIND == 2
        call    check_table             /* SI = the verdict */
        call    print
.else
        movw    $message, %si
        call    print
        movw    $drive_is, %si
        call    print
        movb    DRIVE, %al
        call    print_hex
.endif
        movw    $crlf, %si
        call    print

        movw    $0xf4, %dx              /* isa-debug-exit: QEMU stops here */
        movb    $0x31, %al
        outb    %al, %dx
stop:
        cli
        hlt
        jmp     stop

.if KIND == 2
/* Check the boot info table; SI = the message to print. */
check_table:
        movw    $bad_pvd, %si
        cmpl    $16, tbl_pvd
        jne     9f
        movw    $bad_len, %si
        cmpl    $2048, tbl_len
        jne     9f
        /* Read the block the table names and compare it with us. */
        movw    $bad_read, %si
        movw    $DAP, %bx
        movw    $16, 0(%bx)             /* packet size */
        movw    $1, 2(%bx)              /* one block */
        movw    $READBUF, 4(%bx)        /* offset */
        movw    $0, 6(%bx)              /* segment */
        movl    tbl_file, %eax
        movl    %eax, 8(%bx)            /* LBA */
        movl    $0, 12(%bx)
        pushw   %si
        movw    %bx, %si
        movb    $0x42, %ah
        movb    DRIVE, %dl
        int     $0x13
        popw    %si
        jc      9f
        movw    $bad_file, %si
        pushw   %si
        movw    $0x7c00, %si
        movw    $READBUF, %di
        movw    $2048, %cx
        cld
        repe cmpsb
        popw    %si
        jne     9f
        /* The sum of the 32-bit words from byte 64 to the end. */
        movw    $bad_sum, %si
        xorl    %ebx, %ebx
        movw    $0x7c00+64, %di
1:      addl    (%di), %ebx
        addw    $4, %di
        cmpw    $0x7c00+2048, %di
        jb      1b
        cmpl    tbl_sum, %ebx
        jne     9f
        movw    $table_ok, %si
9:      ret
.endif

/* Print the NUL-terminated string at DS:SI on COM1. */
print:
        lodsb
        testb   %al, %al
        jz      2f
        call    putc
        jmp     print
2:      ret

/* Print AL as two hexadecimal digits. */
print_hex:
        pushw   %ax
        shrb    $4, %al
        call    hex_digit
        popw    %ax
hex_digit:
        andb    $0x0f, %al
        addb    $'0', %al
        cmpb    $'9', %al
        jbe     putc
        addb    $'A'-'9'-1, %al
/* Send AL to COM1 once the transmitter is free. */
putc:
        pushw   %dx
        pushw   %ax
        movw    $COM1+5, %dx
3:      inb     %dx, %al
        testb   $0x20, %al
        jz      3b
        popw    %ax
        movw    $COM1, %dx
        outb    %al, %dx
        popw    %dx
        ret

crlf:       .asciz "\r\n"
drive_is:   .asciz " DL="
.if KIND == 2
table_ok:   .asciz "FSI-TABLE-OK"
bad_pvd:    .asciz "FSI-TABLE-BAD P"
bad_len:    .asciz "FSI-TABLE-BAD L"
bad_read:   .asciz "FSI-TABLE-BAD R"
bad_file:   .asciz "FSI-TABLE-BAD F"
bad_sum:    .asciz "FSI-TABLE-BAD S"
.endif

.if KIND == 1
        .org    1536                    /* the fourth 512-byte sector */
message:    .asciz "FSI-NOEMUL-BOOT-OK"
        .org    2048
.endif
.if KIND == 2
        .org    2048
.endif
.if KIND == 3
message:    .asciz "FSI-FLOPPY-BOOT-OK"
        .org    510
        .byte   0x55, 0xaa
.endif
.if KIND == 4
message:    .asciz "FSI-HDEMU-BOOT-OK"
        .org    446                     /* partition table: added by the test */
        .org    510
        .byte   0x55, 0xaa
.endif
