/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output_target.h - where `mkimage create` writes its image.
 *
 * A regular file (or a name that does not exist yet) is replaced
 * atomically: the image is written to an unnamed file in the same
 * directory (O_TMPFILE) and given its name only when complete, so a kill
 * at any moment leaves the old file and nothing else.  A symbolic link
 * is followed and its target replaced; the link stays.  A character
 * device or a FIFO is written in place as a stream; a block device in
 * place too, once it is known to be big enough and not in use.
 */
#ifndef MKIMAGE_OUTPUT_TARGET_H
#define MKIMAGE_OUTPUT_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum out_kind { OUT_STDOUT, OUT_FILE, OUT_STREAM, OUT_BLOCK };

struct out_target {
    const char *given;        /* -o as given */
    char *path;               /* the name written: `given` with symlinks followed */
    enum out_kind kind;
    bool exists;              /* a file or device is there now */
    dev_t dev;                /* ... this one */
    ino_t ino;
    int fd;                   /* -1 until out_open */
    bool unnamed;             /* fd is an O_TMPFILE file */
};

/* Look at -o before anything is added: what it is, where a symlink leads.
 * A directory, a socket or a symlink loop is reported (IMAPI_E_INVALID_PARAM);
 * returns EXIT_OK or the exit status. */
int out_check(struct out_target *t, const char *given);

/* Whether the host path `src` (a SOURCE) is the output itself. */
bool out_is(const struct out_target *t, const char *src);

/* Open the output for an image of `bytes` bytes (reported on failure). */
int out_open(struct out_target *t, uint64_t bytes);

/* The image is complete: give it its name (after fsync with `sync`; a
 * block device is always synced).  Reported on failure. */
int out_commit(struct out_target *t, bool sync);

/* Drop what was written (nothing keeps a name); free t. */
void out_close(struct out_target *t);

/* From a signal handler: remove a named temporary, if there is one. */
void out_signal_cleanup(void);

#endif
