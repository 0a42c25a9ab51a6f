/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsi-boot - test tool: the El Torito entries of an image through the
 * library's public API (fsi_disc_boot_entries), in the columns of
 * `xorriso -report_el_torito plain` so the tests can compare the two:
 *
 *   fsi-boot [--stream] IMAGE
 *
 *   catalog BLOCK
 *   N PLATFORM BOOTABLE EMULATION LOAD_SEGMENT SYSTEM_TYPE SECTORS LBA [default] id=ID
 *
 * PLATFORM BIOS/PPC/Mac/UEFI (else hex), BOOTABLE y/n, EMULATION
 * none/fd1.2/fd1.4/fd2.8/hd.  --stream reads the image through
 * fsi_disc_open_stream instead of a path.  Exit 1 with the library's
 * code and message on a failure.
 */
#define _POSIX_C_SOURCE 200809L     /* fseeko, fileno */
#define _FILE_OFFSET_BITS 64
#include "fsi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int64_t file_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    FILE *f = ctx;
    if (fseeko(f, (off_t)offset, SEEK_SET) != 0)
        return -1;
    size_t n = fread(buf, 1, len, f);
    return n == 0 && ferror(f) ? -1 : (int64_t)n;
}

static void file_close(void *ctx) { fclose(ctx); }

int main(int argc, char **argv)
{
    int stream = argc > 1 && strcmp(argv[1], "--stream") == 0;
    if (argc != 2 + stream) {
        fprintf(stderr, "usage: fsi-boot [--stream] IMAGE\n");
        return 2;
    }
    const char *path = argv[1 + stream];
    fsi_disc *d = NULL;
    fsi_hresult hr;
    if (stream) {
        FILE *f = fopen(path, "rb");
        struct stat st;
        if (!f || fstat(fileno(f), &st) != 0) {
            fprintf(stderr, "fsi-boot: %s: %s\n", path, strerror(errno));
            return 1;
        }
        hr = fsi_disc_open_stream((uint64_t)st.st_size, file_read, f, file_close, &d);
        if (FSI_FAILED(hr))
            fclose(f);
    } else {
        hr = fsi_disc_open(path, &d);
    }
    fsi_disc_boot_entry e[64];
    uint32_t cat = 0;
    size_t n = 0;
    if (!FSI_FAILED(hr))
        hr = fsi_disc_boot_entries(d, &cat, e, 64, &n);
    if (FSI_FAILED(hr)) {
        fprintf(stderr, "fsi-boot: 0x%08X: %s\n", (unsigned)hr, d ? fsi_disc_last_error(d) : "");
        fsi_disc_free(d);
        return 1;
    }
    static const char *const emul[] = {"none", "fd1.2", "fd1.4", "fd2.8", "hd"};
    printf("catalog %u\n", (unsigned)cat);
    for (size_t i = 0; i < n && i < 64; i++) {
        char plat[8];
        switch ((unsigned)e[i].platform) {
        case FSI_PLATFORM_X86: strcpy(plat, "BIOS"); break;
        case FSI_PLATFORM_POWERPC: strcpy(plat, "PPC"); break;
        case FSI_PLATFORM_MAC: strcpy(plat, "Mac"); break;
        case FSI_PLATFORM_EFI: strcpy(plat, "UEFI"); break;
        default: snprintf(plat, sizeof plat, "0x%02x", (unsigned)e[i].platform & 0xFF);
        }
        printf("%zu %s %c %s 0x%04x 0x%02x %u %u%s id=%s\n", i + 1, plat, e[i].bootable ? 'y' : 'n',
               (unsigned)e[i].emulation < 5 ? emul[e[i].emulation] : "?", (unsigned)e[i].load_segment,
               (unsigned)e[i].system_type, (unsigned)e[i].sector_count, (unsigned)e[i].load_block,
               e[i].is_default ? " default" : "", e[i].id);
    }
    if (n > 64)
        printf("... %zu entries\n", n);
    fsi_disc_free(d);
    return 0;
}
