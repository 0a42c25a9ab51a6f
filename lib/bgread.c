/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bgread.c - the background reader (see bgread.h).
 */
#include "config.h"
#include "bgread.h"
#include "bgwrite.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct bgread {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* a request was posted or finished */
    int fd;
    uint8_t *buf;                /* the thread's (cap bytes) */
    size_t cap;
    uint64_t off;                /* the request */
    size_t len;
    bool posted;                 /* a request is there (pending or done) */
    bool busy;                   /* the thread is reading it */
    bool done, ok;               /* read, and all of it */
    bool quit;
};

static void *br_main(void *arg)
{
    struct bgread *br = arg;
    pthread_mutex_lock(&br->mu);
    for (;;) {
        while (!br->quit && (!br->posted || br->done))
            pthread_cond_wait(&br->cv, &br->mu);
        if (br->quit)
            break;
        uint64_t off = br->off;
        size_t len = br->len, got = 0;
        uint8_t *p = br->buf;
        br->busy = true;
        pthread_mutex_unlock(&br->mu);
        while (got < len) {
            ssize_t r = pread(br->fd, p + got, len - got, (off_t)(off + got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        pthread_mutex_lock(&br->mu);
        br->busy = false;
        br->done = true;
        br->ok = got == len && br->off == off && br->len == len;
        pthread_cond_broadcast(&br->cv);
    }
    pthread_mutex_unlock(&br->mu);
    return NULL;
}

struct bgread *bgread_start(int fd, size_t cap)
{
    struct bgread *br = calloc(1, sizeof *br);
    if (!br)
        return NULL;
    br->fd = fd;
    br->cap = cap;
    if (!(br->buf = malloc(cap))) {
        free(br);
        return NULL;
    }
    if (bg_spawn(&br->thread, &br->mu, &br->cv, br_main, br) != 0) {
        free(br->buf);
        free(br);
        return NULL;
    }
    return br;
}

void bgread_post(struct bgread *br, uint64_t off, size_t len)
{
    if (len == 0 || len > br->cap)
        return;
    pthread_mutex_lock(&br->mu);
    /* A read in flight finishes into the buffer first. */
    while (br->busy)
        pthread_cond_wait(&br->cv, &br->mu);
    br->off = off;
    br->len = len;
    br->posted = true;
    br->done = br->ok = false;
    pthread_cond_broadcast(&br->cv);
    pthread_mutex_unlock(&br->mu);
}

bool bgread_take(struct bgread *br, uint64_t off, size_t len, uint8_t **buf)
{
    pthread_mutex_lock(&br->mu);
    bool mine = br->posted && br->off == off && br->len == len;
    while (mine && !br->done)
        pthread_cond_wait(&br->cv, &br->mu);
    bool ok = mine && br->ok;
    if (ok) {
        uint8_t *t = br->buf;
        br->buf = *buf;
        *buf = t;
    }
    if (mine)
        br->posted = false;
    pthread_mutex_unlock(&br->mu);
    return ok;
}

void bgread_stop(struct bgread *br)
{
    if (!br)
        return;
    pthread_mutex_lock(&br->mu);
    br->quit = true;
    pthread_cond_broadcast(&br->cv);
    pthread_mutex_unlock(&br->mu);
    pthread_join(br->thread, NULL);
    pthread_cond_destroy(&br->cv);
    pthread_mutex_destroy(&br->mu);
    free(br->buf);
    free(br);
}
