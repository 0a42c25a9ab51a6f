/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_eltorito.c - the El Torito boot record scan and catalog reader.
 * Few output slots, so catalogs with more entries than fit are common. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_mem m;
    fsi_disc *d = fuzz_disc(&m, data, size);
    if (!d)
        abort();
    fsi_disc_boot_entry e[4];
    uint32_t cat = 0;
    size_t n = 0;
    if (!FSI_FAILED(fsi_disc_boot_entries(d, &cat, e, 4, &n))) {
        for (size_t i = 0; i < n && i < 4; i++)
            if (e[i].id[sizeof e[i].id - 1] != '\0' || (e[i].is_default && i != 0))
                abort();
        if (n && !cat)
            abort();
    }
    fsi_disc_free(d);
    return 0;
}
