/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bgread.h - reads the next chunk of a descriptor on a second thread
 * while the caller decodes the current one (the UDF reader's File Entries,
 * read in order: importing a million files reads 2 GB of them, and the
 * kernel's copy of each chunk then overlaps the decoding of the last).
 *
 * One read is in flight at a time, into the thread's own buffer; taking
 * it swaps that buffer with the caller's, so nothing is copied twice.  The
 * thread only ever reads with pread: a read that fails or comes short is
 * simply not taken, and the caller reads again itself, reporting the
 * failure as it always does.  The thread blocks every signal.
 */
#ifndef FSI_BGREAD_H
#define FSI_BGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bgread;

/* Start the thread for fd, with a buffer of cap bytes; NULL when it
 * cannot be started (then read synchronously: nothing else is wrong). */
struct bgread *bgread_start(int fd, size_t cap);

/* Ask for [off, off + len) (len <= cap), replacing a request not taken. */
void bgread_post(struct bgread *br, uint64_t off, size_t len);

/* If the request in flight or done is exactly [off, off + len): wait for
 * it and, when it read all of it, swap *buf (cap bytes, the caller's)
 * with the thread's buffer and return true.  Otherwise false. */
bool bgread_take(struct bgread *br, uint64_t off, size_t len, uint8_t **buf);

/* Stop the thread and free its buffer. */
void bgread_stop(struct bgread *br);

#endif
