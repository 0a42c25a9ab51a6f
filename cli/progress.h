/* SPDX-License-Identifier: BSD-2-Clause */
/* progress.h - mkimage's progress display and Ctrl-C cancellation. */
#ifndef MKIMAGE_PROGRESS_H
#define MKIMAGE_PROGRESS_H

#include "fsi.h"
#include <signal.h>
#include <stdbool.h>

enum progress_mode {
    PROGRESS_AUTO,    /* a bar when stderr is a terminal, else nothing */
    PROGRESS_LINES,   /* --progress: plain lines, whatever stderr is */
    PROGRESS_NONE     /* --quiet */
};

struct progress {
    enum progress_mode mode;
    bool bar;                 /* decided at start */
    double start, last;       /* monotonic seconds */
    int width;                /* terminal columns */
    bool drawn;               /* a bar is on screen (needs a newline) */
    double cancel_at;         /* FSI_CANCEL_AT_PERCENT, or -1 */
};

/* Set by SIGINT/SIGTERM/SIGHUP while a write is under way: the progress
 * callback then cancels the write (E_IMAPI_REQUEST_CANCELLED). */
extern volatile sig_atomic_t progress_cancel;

void progress_start(struct progress *p, enum progress_mode mode);
/* The fsi_progress_fn to hand to fsi_result_set_progress (ctx = p). */
int progress_update(void *ctx, const char *file, uint64_t done, uint64_t total);
/* Clear the bar line before other output. */
void progress_end(struct progress *p);

#endif
