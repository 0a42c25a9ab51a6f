/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz.h - what the libFuzzer targets share: the fuzz input as a disc
 * read through a memory callback (the stream path every caller of
 * fsi_disc_open_stream takes), and bounded reading of file data so a
 * hostile size cannot make one run slow.
 */
#ifndef FSI_FUZZ_H
#define FSI_FUZZ_H

#include "fsi.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of file data one run reads at most. */
#define FUZZ_READ_CAP (16u << 20)

struct fuzz_mem {
    const uint8_t *data;
    size_t size;
};

static int64_t fuzz_mem_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    const struct fuzz_mem *m = ctx;
    if (offset >= m->size)
        return 0;
    size_t n = m->size - (size_t)offset;
    if (n > len)
        n = len;
    memcpy(buf, m->data + offset, n);
    return (int64_t)n;
}

/* The input as a disc; NULL if the library refuses it (it must not). */
static fsi_disc *fuzz_disc(struct fuzz_mem *m, const uint8_t *data, size_t size)
{
    fsi_disc *d = NULL;
    m->data = data;
    m->size = size;
    if (FSI_FAILED(fsi_disc_open_stream(size, fuzz_mem_read, m, NULL, &d)))
        return NULL;
    return d;
}

/* A result of img read through (up to FUZZ_READ_CAP bytes), then freed;
 * nothing when the image makes none. */
static inline void fuzz_read_result(fsi_image *img)
{
    static uint8_t rbuf[65536];
    fsi_result *res = NULL;
    if (FSI_FAILED(fsi_create_result(img, &res)))
        return;
    uint64_t off = 0;
    while (off < FUZZ_READ_CAP) {
        size_t got = 0;
        if (FSI_FAILED(fsi_result_read(res, off, rbuf, sizeof rbuf, &got)) || got == 0)
            break;
        off += got;
    }
    fsi_result_free(res);
}

/* A walk that reads every file's data, up to `budget` bytes in all. */
struct fuzz_walk {
    fsi_disc *disc;
    uint64_t budget;
    uint64_t entries;
    uint64_t sum;                 /* of the bytes touched */
    uint8_t buf[65536];
};

static int fuzz_walk_cb(void *ctx, const fsi_disc_entry *e)
{
    struct fuzz_walk *w = ctx;
    w->entries++;
    /* Touch every byte the entry points at, so ASan checks them. */
    (void)fsi_name_is_safe(e->name, e->name_len);
    for (size_t i = 0; i < e->path_len; i++)
        w->sum += (uint8_t)e->path[i];
    for (size_t i = 0; i < e->name_len; i++)
        w->sum += (uint8_t)e->name[i];
    for (size_t i = 0; e->link_target && i < e->link_target_len; i++)
        w->sum += (uint8_t)e->link_target[i];
    for (size_t i = 0; i < e->nextents; i++)
        w->sum += e->extents[i].offset ^ e->extents[i].length;
    if (e->type != FSI_ENTRY_FILE)
        return 0;
    for (uint64_t off = 0; off < e->size && w->budget > 0;) {
        size_t want = sizeof w->buf;
        if (want > w->budget)
            want = (size_t)w->budget;
        size_t got = 0;
        if (FSI_FAILED(fsi_disc_read(w->disc, e->extents, e->nextents, off, w->buf, want, &got)) ||
            got == 0)
            break;
        if (got > want)
            abort();
        off += got;
        w->budget -= got;
    }
    return 0;
}

/* Walk file system `fs` from the root with `flags` (recursive added). */
static void fuzz_walk(fsi_disc *d, unsigned fs, unsigned flags, struct fuzz_walk *w)
{
    w->disc = d;
    (void)fsi_disc_walk(d, fs, "/", FSI_WALK_RECURSIVE | flags, fuzz_walk_cb, w);
    (void)fsi_disc_last_error(d);
}

#endif
