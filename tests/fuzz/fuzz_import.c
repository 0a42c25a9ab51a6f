/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_import.c - import of the default file system into an image, then
 * a result of that image read through (capped at FUZZ_READ_CAP bytes):
 * the imported items' data comes from the fuzz input. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    fsi_image *img = NULL;
    if (!d || FSI_FAILED(fsi_image_new(&img)))
        abort();
    unsigned taken = 0;
    if (!FSI_FAILED(fsi_import(img, d, FSI_FS_NONE, 0, &taken))) {
        (void)fsi_image_get_imported_volume_name(img);
        fsi_result *res = NULL;
        if (!FSI_FAILED(fsi_create_result(img, &res))) {
            uint64_t off = 0;
            while (off < FUZZ_READ_CAP) {
                size_t got = 0;
                if (FSI_FAILED(fsi_result_read(res, off, buf, sizeof buf, &got)) || got == 0)
                    break;
                off += got;
            }
            fsi_result_free(res);
        }
    }
    /* The image may hold a reference to the disc: drop ours first. */
    fsi_disc_free(d);
    fsi_image_free(img);
    return 0;
}
