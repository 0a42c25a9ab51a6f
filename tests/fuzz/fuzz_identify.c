/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_identify.c - the image manager's checks and identification:
 * validate, identify, the volume facts of each file system, sessions. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    if (!d)
        abort();
    (void)fsi_disc_validate(d);
    unsigned fs = 0;
    if (!FSI_FAILED(fsi_disc_identify(d, &fs)))
        (void)fsi_default_fs_for_import(fs);
    static const unsigned each[] = {FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        fsi_volume_info vi;
        (void)fsi_disc_volume_info(d, each[i], &vi);
    }
    uint64_t starts[4];
    size_t n = 0;
    (void)fsi_disc_sessions(d, starts, 4, &n);
    (void)fsi_disc_last_code(d);
    (void)fsi_disc_last_error(d);
    fsi_disc_free(d);
    return 0;
}
