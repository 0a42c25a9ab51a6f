/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bgwrite.h - writes buffers to a descriptor on a second thread, so the
 * kernel's copy of one buffer into the page cache overlaps the making of
 * the next (generated metadata, small files read into user space).
 *
 * One buffer is in flight at a time: bgwrite_submit waits for the previous
 * one, so with two buffers the caller always has a free one to fill.  The
 * thread blocks every signal, so signals (Ctrl-C) reach the caller's
 * threads, which see them at their next progress report.
 *
 * Write-behind: every 32 MiB the thread also asks the kernel to
 * start writing the file's dirty pages to disk (sync_file_range, without
 * waiting), so gigabytes of dirty pages never pile up to be flushed in one
 * go later, and a final fsync (mkimage --sync) has little left to wait
 * for.  Pages written more than DROP_LAG bytes ago that are clean by then
 * are dropped from the cache (POSIX_FADV_DONTNEED never waits for I/O):
 * an image is written once, and the pages it frees are reused, still
 * warm, for the rest of it, instead of fresh ones (which a VM with free
 * page reporting must fault in from its host).  On a slow disk the pages
 * are still dirty and simply stay.  (Not done for zero-copied data: it
 * made copy_file_range of big files slower, measured.)
 */
#ifndef FSI_BGWRITE_H
#define FSI_BGWRITE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct bgwrite;

/* Initialise mu and cv and start fn(arg) on a thread that blocks every
 * signal (bgwrite's and bgread's); 0, or -1 with nothing left made. */
int bg_spawn(pthread_t *thread, pthread_mutex_t *mu, pthread_cond_t *cv, void *(*fn)(void *),
             void *arg);

/* Start the thread for fd; NULL when it cannot be started (then write
 * synchronously: nothing else is wrong). */
struct bgwrite *bgwrite_start(int fd);

/* Hand buf[0..len) to the thread (buf must stay untouched until the next
 * submit or wait returns).  Returns 0, or the errno of an earlier write
 * that failed (then buf was not taken). */
int bgwrite_submit(struct bgwrite *bg, const uint8_t *buf, size_t len);

/* Wait until everything submitted is written; 0 or the first error. */
int bgwrite_wait(struct bgwrite *bg);

/* Bytes the thread has written so far (for messages). */
uint64_t bgwrite_done(struct bgwrite *bg);

/* Wait, stop the thread, free it. */
void bgwrite_stop(struct bgwrite *bg);

#endif
