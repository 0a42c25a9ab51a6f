/* SPDX-License-Identifier: BSD-2-Clause */
/* verify.c - STUB: the deep check of an image (in progress). */
#include "config.h"
#include "internal.h"
#include "reader.h"

FSI_API fsi_hresult fsi_disc_verify(fsi_disc *disc, fsi_verify_fn fn, void *ctx,
                                    uint64_t *errors, uint64_t *warnings)
{
    (void)disc; (void)fn; (void)ctx;
    if (errors)
        *errors = 0;
    if (warnings)
        *warnings = 0;
    return FSI_E_NOTIMPL;
}
