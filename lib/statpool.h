/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * statpool.h - stat a batch of names in one host directory on several
 * cores.  add_tree spends most of its time in fstatat (path lookup and
 * getattr in the kernel), which runs in parallel well.
 */
#ifndef FSI_STATPOOL_H
#define FSI_STATPOOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What add_tree needs of a struct stat (144 bytes), in 56. */
struct statpool_res {
    int64_t atime, mtime;   /* ns since the epoch */
    uint64_t size, dev, ino, rdev;
    uint32_t mode, uid, gid, nlink;
    atomic_int err;         /* errno of fstatat, 0 when it worked; set last */
};

/* Batches smaller than this are stat-ed by the caller alone: waking the
 * workers would cost more than it saves. */
#define STATPOOL_MIN 64

struct statpool;

/* The names of one batch; the caller's, alive from statjob_start to
 * statjob_end. */
struct statjob {
    struct statpool *pool;    /* NULL: the caller stats alone */
    int dfd;
    int flags;                /* of fstatat: AT_SYMLINK_NOFOLLOW or 0 */
    const char *names;
    const uint32_t *off;      /* name i starts at names + off[i] */
    struct statpool_res *out;
    size_t n;
    atomic_size_t next;       /* first entry nobody has claimed */
};

/* Worker threads to use besides the caller: 0 on one CPU. */
unsigned statpool_threads(void);

/* A pool of nthreads workers, or NULL (no threads, out of memory, or the
 * threads could not be made): jobs then run in the caller alone. */
struct statpool *statpool_new(unsigned nthreads);
void statpool_free(struct statpool *p);

/* fstatat(dfd, name i, flags) into out[i] for i < n, by p's workers from
 * now on (p may be NULL).  The pool serves one job at a time. */
void statjob_start(struct statjob *j, struct statpool *p, int dfd, int flags, const char *names,
                   const uint32_t *off, size_t n, struct statpool_res *out);

/* Entry i, stat-ed.  The caller stats what the workers have not reached,
 * so it takes the entries in order while the workers stat ahead. */
const struct statpool_res *statjob_get(struct statjob *j, size_t i);

/* Stat what is left and wait for the workers: then every entry is done and
 * the pool is free for another job. */
void statjob_end(struct statjob *j);

#endif
