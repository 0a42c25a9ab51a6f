/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bgwrite.c - the background writer (see bgwrite.h).
 */
#include "config.h"
#include "bgwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define WB_STEP ((uint64_t)32 << 20)
#define DROP_LAG ((uint64_t)128 << 20)

struct bgwrite {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* a job was posted, taken or finished */
    int fd;
    const uint8_t *job;          /* in flight while non-NULL */
    size_t len;
    bool quit;
    int err;                     /* first write error, sticky */
    uint64_t done;
    uint64_t wb_next;            /* write-behind when done passes this */
};

/* The write-behind step (see bgwrite.h) for a file `written` bytes long. */
static void write_behind(int fd, uint64_t written)
{
    /* Hints: errors (EIO, ENOSPC) show at the next write or fsync. */
    sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (written > DROP_LAG)
        posix_fadvise(fd, 0, (off_t)(written - DROP_LAG), POSIX_FADV_DONTNEED);
}

static void *bg_main(void *arg)
{
    struct bgwrite *bg = arg;
    pthread_mutex_lock(&bg->mu);
    for (;;) {
        while (!bg->job && !bg->quit)
            pthread_cond_wait(&bg->cv, &bg->mu);
        if (!bg->job)
            break;
        const uint8_t *p = bg->job;
        size_t left = bg->len;
        int err = bg->err;
        pthread_mutex_unlock(&bg->mu);
        uint64_t wrote = 0;
        while (left > 0 && !err) {
            ssize_t r = write(bg->fd, p, left);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                err = r < 0 ? errno : EIO;
                break;
            }
            p += r;
            left -= (size_t)r;
            wrote += (uint64_t)r;
        }
        uint64_t total = bg->done + wrote;
        if (!err && total >= bg->wb_next)
            write_behind(bg->fd, total);
        pthread_mutex_lock(&bg->mu);
        bg->done += wrote;
        if (bg->done >= bg->wb_next)
            bg->wb_next = bg->done + WB_STEP;
        if (err && !bg->err)
            bg->err = err;
        bg->job = NULL;
        pthread_cond_broadcast(&bg->cv);
    }
    pthread_mutex_unlock(&bg->mu);
    return NULL;
}

int bg_spawn(pthread_t *thread, pthread_mutex_t *mu, pthread_cond_t *cv, void *(*fn)(void *),
             void *arg)
{
    if (pthread_mutex_init(mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(cv, NULL) != 0) {
        pthread_mutex_destroy(mu);
        return -1;
    }
    /* The thread inherits a full signal mask; ours is restored at once. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        pthread_cond_destroy(cv);
        pthread_mutex_destroy(mu);
        return -1;
    }
    return 0;
}

struct bgwrite *bgwrite_start(int fd)
{
    struct bgwrite *bg = calloc(1, sizeof *bg);
    if (!bg)
        return NULL;
    bg->fd = fd;
    bg->wb_next = WB_STEP;
    if (bg_spawn(&bg->thread, &bg->mu, &bg->cv, bg_main, bg) != 0) {
        free(bg);
        return NULL;
    }
    return bg;
}

/* With bg->mu held: until nothing is in flight. */
static void idle_locked(struct bgwrite *bg)
{
    while (bg->job)
        pthread_cond_wait(&bg->cv, &bg->mu);
}

int bgwrite_submit(struct bgwrite *bg, const uint8_t *buf, size_t len)
{
    pthread_mutex_lock(&bg->mu);
    idle_locked(bg);
    int err = bg->err;
    if (!err && len) {
        bg->job = buf;
        bg->len = len;
        pthread_cond_broadcast(&bg->cv);
    }
    pthread_mutex_unlock(&bg->mu);
    return err;
}

int bgwrite_wait(struct bgwrite *bg)
{
    pthread_mutex_lock(&bg->mu);
    idle_locked(bg);
    int err = bg->err;
    pthread_mutex_unlock(&bg->mu);
    return err;
}

uint64_t bgwrite_done(struct bgwrite *bg)
{
    pthread_mutex_lock(&bg->mu);
    uint64_t d = bg->done;
    pthread_mutex_unlock(&bg->mu);
    return d;
}

void bgwrite_stop(struct bgwrite *bg)
{
    if (!bg)
        return;
    pthread_mutex_lock(&bg->mu);
    idle_locked(bg);
    bg->quit = true;
    pthread_cond_broadcast(&bg->cv);
    pthread_mutex_unlock(&bg->mu);
    pthread_join(bg->thread, NULL);
    pthread_cond_destroy(&bg->cv);
    pthread_mutex_destroy(&bg->mu);
    free(bg);
}
