/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_append.c - a session appended in place (mkimage append) to the
 * fuzz input, held in a memory file: what the append reads of the image
 * (its head, the last session, a hybrid image's MBR and GPT, which it
 * extends to the new end) is hostile.  The file systems the input has,
 * its last session imported, one file added, the session written. */
#define _GNU_SOURCE
#include "fuzz.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-append", 0);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    fsi_disc *d = NULL;
    fsi_image *img = NULL;
    if (FSI_FAILED(fsi_image_new(&img)))
        abort();
    unsigned have = 0;
    fsi_volume_info vol;
    fsi_result *res = NULL;
    uint64_t written = 0;
    if (FSI_SUCCEEDED(fsi_disc_open(path, &d)) &&
        FSI_SUCCEEDED(fsi_disc_identify(d, &have)) && have &&
        FSI_SUCCEEDED(fsi_image_set_file_systems(img, have)) &&
        (!(have & FSI_FS_UDF) || FSI_FAILED(fsi_disc_volume_info(d, FSI_FS_UDF, &vol)) ||
         FSI_SUCCEEDED(fsi_image_set_udf_revision(img, vol.level))) &&
        FSI_SUCCEEDED(fsi_image_set_append(img, d)) &&
        FSI_SUCCEEDED(fsi_import(img, d, FSI_FS_NONE, 0, NULL)) &&
        FSI_SUCCEEDED(fsi_add_file_mem(img, "/fuzz-new.txt", "new\n", 4)) &&
        FSI_SUCCEEDED(fsi_create_result(img, &res))) {
        /* Bounded: a hostile size must not make the run write gigabytes. */
        if (fsi_result_total_blocks(res) < (64u << 20) / 2048)
            (void)fsi_result_append(res, fd, &written);
    }
    fsi_result_free(res);
    fsi_disc_free(d);
    fsi_image_free(img);
    close(fd);
    return 0;
}
