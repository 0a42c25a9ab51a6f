/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_import.c - import of the default file system into an image, then
 * a result of that image read through (capped at FUZZ_READ_CAP bytes):
 * the imported items' data comes from the fuzz input. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
        fuzz_read_result(img);
    }
    /* The image may hold a reference to the disc: drop ours first. */
    fsi_disc_free(d);
    fsi_image_free(img);
    return 0;
}
