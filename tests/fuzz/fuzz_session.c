/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_session.c - a session continuing the fuzz input (as mkimage create
 * --previous-session does): the file systems and UDF revision the input
 * has, its last session imported, one file added, then the session image
 * read through (capped at FUZZ_READ_CAP bytes).  What the session keeps
 * of the previous one (its directories, path table, File Entries, boot
 * record) is read from the input. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    fsi_image *img = NULL;
    if (!d || FSI_FAILED(fsi_image_new(&img)))
        abort();
    unsigned have = 0;
    fsi_volume_info vol;
    uint64_t nwa = (size / 2048 + 15) / 16 * 16 + 16;
    if (FSI_SUCCEEDED(fsi_disc_identify(d, &have)) && have &&
        FSI_SUCCEEDED(fsi_image_set_file_systems(img, have)) &&
        (!(have & FSI_FS_UDF) || FSI_FAILED(fsi_disc_volume_info(d, FSI_FS_UDF, &vol)) ||
         FSI_SUCCEEDED(fsi_image_set_udf_revision(img, vol.level))) &&
        FSI_SUCCEEDED(fsi_image_set_multisession(img, d, nwa)) &&
        FSI_SUCCEEDED(fsi_import(img, d, FSI_FS_NONE, 0, NULL)) &&
        FSI_SUCCEEDED(fsi_add_file_mem(img, "/fuzz-new.txt", "new\n", 4))) {
        fuzz_read_result(img);
    }
    /* The image may hold a reference to the disc: drop ours first. */
    fsi_disc_free(d);
    fsi_image_free(img);
    return 0;
}
