/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * statpool.c - worker threads that stat a directory's entries ahead of the
 * caller, who takes them in order.  Entries are claimed in chunks from an
 * atomic counter, by the workers and by the caller when it catches up, so
 * both cores stay busy.  The workers touch nothing but the job: the image
 * stays the caller's alone.
 */
#include "config.h"
#include "statpool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 32                   /* entries claimed at a time */
#define MAX_CPUS 8                 /* path lookup stops scaling well beyond */
#define STACK_SIZE (128u << 10)    /* fstatat needs little; save address space */
#define PENDING (-1)               /* err of an entry not stat-ed yet */

struct statpool {
    pthread_mutex_t mu;
    pthread_cond_t go;        /* a job is open, or quit */
    pthread_cond_t done;      /* the last worker left a closed job */
    pthread_cond_t chunk;     /* a chunk is done, and the caller waits */
    atomic_bool waiting;      /* the caller waits for an entry */
    struct statjob *job;      /* the open job */
    uint64_t gen;             /* job number: a worker joins each job once */
    bool quit;
    unsigned active;          /* workers inside the job */
    unsigned nthreads;
    pthread_t threads[];
};

static void stat_one(struct statjob *j, size_t i)
{
    struct stat st;
    struct statpool_res *r = &j->out[i];
    int e = 0;
    if (fstatat(j->dfd, j->names + j->off[i], &st, j->flags) == 0) {
        r->atime = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
        r->mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        r->size = (uint64_t)st.st_size;
        r->dev = (uint64_t)st.st_dev;
        r->ino = (uint64_t)st.st_ino;
        r->rdev = (uint64_t)st.st_rdev;
        r->nlink = st.st_nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st.st_nlink;
        r->mode = st.st_mode;
        r->uid = st.st_uid;
        r->gid = st.st_gid;
    } else {
        e = errno;
    }
    /* Publishes the fields above to statjob_get. */
    atomic_store_explicit(&r->err, e, memory_order_release);
}

/* Stat the next chunk nobody has claimed; false when none is left. */
static bool claim(struct statjob *j)
{
    /* Look first: next then stops growing once all is claimed. */
    if (atomic_load_explicit(&j->next, memory_order_relaxed) >= j->n)
        return false;
    size_t i = atomic_fetch_add_explicit(&j->next, CHUNK, memory_order_relaxed);
    if (i >= j->n)
        return false;
    size_t end = j->n - i > CHUNK ? i + CHUNK : j->n;
    for (; i < end; i++)
        stat_one(j, i);
    return true;
}

static void *worker(void *arg)
{
    struct statpool *p = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && (!p->job || p->gen == seen))
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        p->active++;
        struct statjob *j = p->job;
        pthread_mutex_unlock(&p->mu);
        while (claim(j)) {
            /* Pairs with the fence in statjob_get: either we see it wait,
             * or it sees the entry done. */
            atomic_thread_fence(memory_order_seq_cst);
            if (atomic_load_explicit(&p->waiting, memory_order_relaxed)) {
                pthread_mutex_lock(&p->mu);
                pthread_cond_broadcast(&p->chunk);
                pthread_mutex_unlock(&p->mu);
            }
        }
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0 && !p->job)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

unsigned statpool_threads(void)
{
    long n = -1;
#ifdef CPU_COUNT
    /* The CPUs we may run on (taskset, cpusets), not all of the machine's. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
#endif
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1 || (online >= 1 && online < n))
        n = online;
    if (n < 1)
        n = 1;
    if (n > MAX_CPUS)
        n = MAX_CPUS;
    return (unsigned)n - 1;   /* the caller is one of them */
}

struct statpool *statpool_new(unsigned nthreads)
{
    if (nthreads == 0)
        return NULL;
    struct statpool *p = calloc(1, sizeof *p + nthreads * sizeof p->threads[0]);
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->go, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL) != 0) {
        pthread_cond_destroy(&p->go);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->chunk, NULL) != 0) {
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->go);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    atomic_init(&p->waiting, false);

    pthread_attr_t attr;
    bool have_attr = pthread_attr_init(&attr) == 0;
    if (have_attr)
        pthread_attr_setstacksize(&attr, STACK_SIZE);   /* on failure: the default */
    /* Workers inherit this mask: with every signal blocked in them, the
     * application's signals keep going to its own threads. */
    sigset_t all, old;
    sigfillset(&all);
    int masked = pthread_sigmask(SIG_SETMASK, &all, &old) == 0;
    for (unsigned i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], have_attr ? &attr : NULL, worker, p) != 0)
            break;            /* fewer workers; none is fine too */
        p->nthreads++;
    }
    if (masked)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (have_attr)
        pthread_attr_destroy(&attr);
    if (!masked || p->nthreads == 0) {
        statpool_free(p);     /* unmasked workers could take signals */
        return NULL;
    }
    return p;
}

void statjob_start(struct statjob *j, struct statpool *p, int dfd, int flags, const char *names,
                   const uint32_t *off, size_t n, struct statpool_res *out)
{
    *j = (struct statjob){.pool = n >= STATPOOL_MIN ? p : NULL, .dfd = dfd, .flags = flags,
                          .names = names, .off = off, .out = out, .n = n};
    atomic_init(&j->next, 0);
    for (size_t i = 0; i < n; i++)
        atomic_init(&out[i].err, PENDING);
    if (j->pool) {
        /* The mutex publishes the job to the workers. */
        pthread_mutex_lock(&p->mu);
        p->job = j;
        p->gen++;
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
}

const struct statpool_res *statjob_get(struct statjob *j, size_t i)
{
    struct statpool_res *r = &j->out[i];
    /* Not done: stat a chunk ourselves, this one's or, while a worker
     * finishes this one, one ahead. */
    while (atomic_load_explicit(&r->err, memory_order_acquire) == PENDING && claim(j))
        ;
    if (atomic_load_explicit(&r->err, memory_order_acquire) == PENDING) {
        /* None left: a worker has it in hand (with no pool we would have
         * claimed it); sleep until it is done. */
        struct statpool *p = j->pool;
        pthread_mutex_lock(&p->mu);
        atomic_store_explicit(&p->waiting, true, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
        while (atomic_load_explicit(&r->err, memory_order_acquire) == PENDING)
            pthread_cond_wait(&p->chunk, &p->mu);
        atomic_store_explicit(&p->waiting, false, memory_order_relaxed);
        pthread_mutex_unlock(&p->mu);
    }
    return r;
}

void statjob_end(struct statjob *j)
{
    while (claim(j))
        ;
    struct statpool *p = j->pool;
    if (!p)
        return;
    /* Close the job: workers not yet awake skip it, so we wait only for
     * those still on a chunk. */
    pthread_mutex_lock(&p->mu);
    p->job = NULL;
    while (p->active)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    j->pool = NULL;
}

void statpool_free(struct statpool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->chunk);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->go);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
