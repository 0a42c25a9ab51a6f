/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_udf.c - the UDF reader: a recursive walk from the
 * root reading every file's data (capped at FUZZ_READ_CAP bytes a run). */
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
    fuzz_walk(d, FSI_FS_UDF, 0, &w);
    fsi_disc_free(d);
    return 0;
}
