/* SPDX-License-Identifier: BSD-2-Clause */
/* progress.c - a progress bar on a terminal (percentage, MiB/s, ETA,
 * current file), plain lines with --progress, nothing with --quiet or
 * when stderr is not a terminal; and the cancel flag Ctrl-C sets. */
#include "config.h"
#include "progress.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t progress_cancel;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, enum progress_mode mode)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    p->bar = mode == PROGRESS_AUTO && isatty(STDERR_FILENO);
    p->start = p->last = now();
    const char *at = getenv("FSI_CANCEL_AT_PERCENT");
    p->cancel_at = at && *at ? atof(at) : -1;
    struct winsize ws;
    p->width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 ? ws.ws_col : 80;
}

/* "m:ss" or "h:mm:ss". */
static void fmt_time(char *buf, size_t size, double s)
{
    if (s < 0 || s > 359999)
        s = 0;
    unsigned t = (unsigned)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%u:%02u", t / 60, t % 60);
}

int progress_update(void *ctx, const char *file, uint64_t done, uint64_t total)
{
    struct progress *p = ctx;
    if (progress_cancel)
        return 1;
    /* Testing aid: FSI_CANCEL_AT_PERCENT=N cancels as if Ctrl-C had been
     * pressed once N% of the image is written (see mkimage(1)). */
    if (p->cancel_at >= 0 && total && (double)done * 100.0 >= p->cancel_at * (double)total &&
        done < total)
        return 1;
    if (p->mode == PROGRESS_NONE || (p->mode == PROGRESS_AUTO && !p->bar))
        return 0;
    double t = now();
    bool final = file == NULL && done >= total;
    /* A bar redraws ten times a second, lines come every second. */
    if (!final && t - p->last < (p->bar ? 0.1 : 1.0))
        return 0;
    p->last = t;
    double el = t - p->start;
    double pct = total ? 100.0 * (double)done / (double)total : 100.0;
    double mibs = el > 0 ? (double)done * 2048.0 / 1048576.0 / el : 0;
    char eta[16] = "-";
    if (done > 0 && done < total && el > 0)
        fmt_time(eta, sizeof eta, el * (double)(total - done) / (double)done);
    else if (final)
        fmt_time(eta, sizeof eta, el);
    char head[96];
    int n = snprintf(head, sizeof head, "%5.1f%% %8.1f MiB/s %s %s", pct, mibs,
                     final ? "took" : "ETA", eta);
    /* A path from the tree may hold any byte: escaped, none drives the
     * terminal (out of memory: no path shown). */
    char *esc = file ? cli_escape_text(file, strlen(file)) : NULL;
    const char *name = esc ? esc : "";
    if (p->bar) {
        int room = p->width - n - 2;
        size_t len = strlen(name);
        if (room < 4) {
            fprintf(stderr, "\r%s\033[K", head);
        } else if ((int)len <= room) {
            fprintf(stderr, "\r%s  %s\033[K", head, name);
        } else {    /* keep the end of a long path: that is what differs */
            const char *tail = name + len - (size_t)(room - 3);
            while ((*tail & 0xC0) == 0x80)      /* not inside a character */
                tail++;
            fprintf(stderr, "\r%s  ...%s\033[K", head, tail);
        }
        p->drawn = true;
    } else {
        fprintf(stderr, "mkimage: %s%s%s\n", head, *name ? "  " : "", name);
    }
    free(esc);
    fflush(stderr);
    return 0;
}

void progress_end(struct progress *p)
{
    if (p->drawn) {
        fputc('\n', stderr);
        p->drawn = false;
    }
}
