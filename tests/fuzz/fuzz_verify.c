/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_verify.c - the deep check (fsi_disc_verify): every view walked,
 * extents sorted and compared, path tables, UDF descriptor sequences. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_finding(void *ctx, int severity, const char *fs, uint64_t block, const char *msg)
{
    uint64_t *n = ctx;
    *n += (uint64_t)severity + block + strlen(fs) + strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    if (!d)
        abort();
    uint64_t sum = 0, errors = 0, warnings = 0;
    (void)fsi_disc_verify(d, on_finding, &sum, &errors, &warnings);
    (void)fsi_disc_last_error(d);
    fsi_disc_free(d);
    return 0;
}
