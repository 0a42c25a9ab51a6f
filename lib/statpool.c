/*
 * statpool.c - worker threads that stat a directory's entries with the
 * caller.  Entries are claimed in chunks from an atomic counter, so a
 * slow entry holds up only its own chunk.  The workers touch nothing but
 * the job: the image stays the caller's alone.
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

struct job {
    int dfd;
    const char *names;
    const uint32_t *off;
    size_t n;
    struct statpool_res *out;
};

struct statpool {
    pthread_mutex_t mu;
    pthread_cond_t go;        /* a job is open, or quit */
    pthread_cond_t done;      /* the last worker left a closed job */
    struct job job;
    atomic_size_t next;       /* first unclaimed entry of the job */
    uint64_t gen;             /* job number: a worker joins each job once */
    bool open;                /* workers may still join the job */
    bool quit;
    unsigned active;          /* workers inside the job */
    unsigned nthreads;
    pthread_t threads[];
};

static void stat_one(const struct job *j, size_t i)
{
    struct stat st;
    struct statpool_res *r = &j->out[i];
    if (fstatat(j->dfd, j->names + j->off[i], &st, 0) != 0) {
        *r = (struct statpool_res){.err = errno};
        return;
    }
    r->atime = (int64_t)st.st_atim.tv_sec * 1000000000 + st.st_atim.tv_nsec;
    r->mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    r->size = (uint64_t)st.st_size;
    r->dev = (uint64_t)st.st_dev;
    r->ino = (uint64_t)st.st_ino;
    r->mode = st.st_mode;
    r->uid = st.st_uid;
    r->gid = st.st_gid;
    r->err = 0;
}

static void work(struct statpool *p, const struct job *j)
{
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&p->next, CHUNK, memory_order_relaxed);
        if (i >= j->n)
            return;
        size_t end = j->n - i > CHUNK ? i + CHUNK : j->n;
        for (; i < end; i++)
            stat_one(j, i);
    }
}

static void *worker(void *arg)
{
    struct statpool *p = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && (!p->open || p->gen == seen))
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit)
            break;
        seen = p->gen;
        p->active++;
        struct job j = p->job;
        pthread_mutex_unlock(&p->mu);
        work(p, &j);
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0 && !p->open)
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
    atomic_init(&p->next, 0);

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

void statpool_run(struct statpool *p, int dfd, const char *names, const uint32_t *off, size_t n,
                  struct statpool_res *out)
{
    struct job j = {dfd, names, off, n, out};
    if (!p || n < STATPOOL_MIN) {
        for (size_t i = 0; i < n; i++)
            stat_one(&j, i);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->job = j;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);   /* no worker is in a job */
    p->gen++;
    p->open = true;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    work(p, &j);
    /* Close the job: workers not yet awake skip it, so we wait only for
     * those still on a chunk.  The mutex publishes their results. */
    pthread_mutex_lock(&p->mu);
    p->open = false;
    while (p->active)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
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
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->go);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
