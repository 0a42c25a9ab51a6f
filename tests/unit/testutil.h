/* SPDX-License-Identifier: BSD-2-Clause */
/* testutil.h - helpers shared by the cmocka unit tests (include after
 * cmocka.h and fsi.h). */
#ifndef FSI_TESTUTIL_H
#define FSI_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

/* Check an fsi_hresult by value; on mismatch name both codes. */
#define assert_code(expr, want)                                                            \
    do {                                                                                   \
        fsi_hresult got_ = (expr);                                                         \
        if (got_ != (want))                                                                \
            fail_msg("%s: got %s (0x%08X), want %s", #expr,                                \
                     fsi_error_name(got_) ? fsi_error_name(got_) : "?", (unsigned)got_,    \
                     fsi_error_name(want));                                                \
    } while (0)

/* A fresh scratch directory /tmp/fsi-TAG.XXXXXX in buf; 0 or -1. */
static inline int scratch_make(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/fsi-%s.XXXXXX", tag);
    return mkdtemp(buf) ? 0 : -1;
}

/* Remove a scratch directory, also parts a test made unreadable. */
static inline int scratch_remove(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
    return system(cmd);
}

#endif
