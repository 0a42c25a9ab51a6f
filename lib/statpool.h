/*
 * statpool.h - stat a batch of names in one host directory on several
 * cores.  add_tree spends most of its time in fstatat (path lookup and
 * getattr in the kernel), which runs in parallel well.
 */
#ifndef FSI_STATPOOL_H
#define FSI_STATPOOL_H

#include <stddef.h>
#include <stdint.h>

/* What add_tree needs of a struct stat (144 bytes), in 56. */
struct statpool_res {
    int64_t atime, mtime;   /* ns since the epoch */
    uint64_t size, dev, ino;
    uint32_t mode, uid, gid;
    int err;                /* errno of fstatat, 0 when it worked */
};

/* Batches smaller than this are stat-ed by the caller alone: waking the
 * workers would cost more than it saves. */
#define STATPOOL_MIN 64

struct statpool;

/* Worker threads to use besides the caller: 0 on one CPU. */
unsigned statpool_threads(void);

/* A pool of nthreads workers, or NULL (no threads, out of memory, or the
 * threads could not be made): statpool_run then works alone. */
struct statpool *statpool_new(unsigned nthreads);

/* fstatat(dfd, name i, 0) into out[i] for i < n; name i starts at
 * names + off[i].  The caller works too; returns when all are done. */
void statpool_run(struct statpool *p, int dfd, const char *names, const uint32_t *off, size_t n,
                  struct statpool_res *out);

void statpool_free(struct statpool *p);

#endif
