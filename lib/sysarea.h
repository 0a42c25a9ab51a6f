/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysarea.h - the structures a hybrid image keeps in its system area
 * (blocks 0-15) and at its end, so that it also boots from a disk: the
 * MBR (isohybrid code, a bootable partition or a GPT's protective one)
 * and the GPT (UEFI 2.10 section 5.3) with one EFI System Partition over
 * the El Torito EFI image.  Byte formats only: eltorito.c places them.
 */
#ifndef FSI_SYSAREA_H
#define FSI_SYSAREA_H

#include <stdbool.h>
#include <stdint.h>

/* Blocks a GPT takes: the MBR block with the header and the first
 * entries, then the rest of the 128 entries (LBA 2-33); at the end the
 * backup entries and header (the last 33 sectors, in 9 blocks). */
#define SYSAREA_GPT_BLOCKS 9

struct sysarea {
    const uint8_t *mbr_code;    /* 432 bytes of isohybrid code, or NULL */
    uint64_t boot_sector;       /* mbr_code: the boot image's first sector */
    uint64_t sectors;           /* the image's 512-byte sectors */
    int64_t now_ns;             /* the image's time: signature and GUIDs */
    bool gpt;                   /* a GPT with an EFI System Partition */
    uint64_t esp_first, esp_sectors;   /* gpt: the partition */
};

/* Blocks [0, SYSAREA_GPT_BLOCKS) with a GPT, else block 0, into buf
 * (zeroed first). */
void sysarea_head(const struct sysarea *s, uint8_t *buf, uint32_t nblocks);

/* The last SYSAREA_GPT_BLOCKS blocks of an image with a GPT: the backup
 * entries and header. */
void sysarea_tail(const struct sysarea *s, uint8_t *buf);

#endif
