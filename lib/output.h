/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.h - the bytes of a laid-out image: written to a descriptor
 * (zero-copy for file data where the kernel allows it) or read at any
 * offset.  Generated blocks come from the writers, file data from its
 * source, everything else is zero.
 */
#ifndef FSI_OUTPUT_H
#define FSI_OUTPUT_H

#include "layout.h"

/* The file whose source is open (one at a time), and the host directory
 * of the last tree file opened (its siblings are opened relative to it). */
struct src_cur {
    fsi_item item;
    int fd;             /* host files: open descriptor, else -1 */
    struct host_dir dir;
    bool seen;          /* host files: size and mtime when opened */
    uint64_t open_size;
    struct timespec open_mtime;
};

static inline void src_cur_init(struct src_cur *c)
{
    c->item = 0;
    c->fd = c->dir.fd = -1;
    c->seen = false;
}
/* Close the file (src_cur_close), or the file and the directory (done). */
void src_cur_close(struct src_cur *c);
void src_cur_done(struct src_cur *c);

/* The caller's progress callback (fsi_result_set_progress). */
struct out_progress {
    fsi_progress_fn fn;
    void *ctx;
};

/* Write the whole image to fd from its current position.  method is an
 * fsi_copy_method; prog may be NULL.  *written counts the bytes written,
 * also on failure. */
fsi_hresult output_write_fd(struct layout *lay, int fd, int method,
                            const struct out_progress *prog, uint64_t *written);

/* Copy len bytes of the image at byte offset off into buf (off + len must
 * lie within the image). */
fsi_hresult output_read(struct layout *lay, struct src_cur *cur, uint64_t off, uint8_t *buf,
                        size_t len);

#endif
