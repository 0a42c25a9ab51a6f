/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_iso9660.c - the ISO9660 reader, with and without Rock Ridge: a
 * recursive walk from the root reading every file's data (capped at
 * FUZZ_READ_CAP bytes a run). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_walk w;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    if (!d)
        abort();
    w.budget = FUZZ_READ_CAP;
    fuzz_walk(d, FSI_FS_ISO9660, 0, &w);
    fuzz_walk(d, FSI_FS_ISO9660, FSI_WALK_NO_ROCK_RIDGE, &w);
    fsi_disc_free(d);
    return 0;
}
