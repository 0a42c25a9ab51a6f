/* SPDX-License-Identifier: BSD-2-Clause */
/* source.c - where a file's bytes come from: host files, memory, callbacks. */
#include "config.h"
#include "internal.h"
#include "hostpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int source_room(fsi_image *img, uint64_t more)
{
    if (img->nsources == 0)
        img->nsources = 1;            /* index 0 means "no source" */
    if (img->nsources + more <= img->cap_sources)
        return 0;
    uint64_t cap = img->cap_sources ? img->cap_sources : 64;
    while (cap < img->nsources + more)
        cap *= 2;
    if (cap > SRC_TREE_BIT)
        return -1;
    struct source *s = realloc(img->sources, cap * sizeof *s);
    if (!s)
        return -1;
    img->sources = s;
    img->cap_sources = (uint32_t)cap;
    return 0;
}

uint32_t source_add(fsi_image *img, const struct source *src)
{
    if (source_room(img, 1))
        return 0;
    img->sources[img->nsources] = *src;
    return img->nsources++;
}

void source_release(fsi_image *img, fsi_item item)
{
    struct node *n = &img->nodes[item];
    uint32_t s = n->src;
    n->src = 0;
    if (s == 0 || (s & SRC_TREE_BIT) || s >= img->nsources)
        return;
    struct source *src = &img->sources[s];
    switch (src->kind) {
    case SRC_HOST:
        free(src->u.host.path);
        break;
    case SRC_MEM:
        free(src->u.mem.data);
        break;
    case SRC_CALLBACK:
        if (src->u.cb.free_ctx)
            src->u.cb.free_ctx(src->u.cb.ctx);
        break;
    case SRC_IMPORT:
        free(src->u.imp.ext);
        break;
    case SRC_LINK:
        free(src->u.link.target);
        break;
    }
    src->kind = SRC_NONE;
}

void source_discard(fsi_image *img, struct source *src)
{
    if (src->kind == SRC_HOST)
        free(src->u.host.path);
    else if (src->kind == SRC_MEM)
        free(src->u.mem.data);
    else if (src->kind == SRC_STASH)
        stash_truncate(img, src->u.stash.at);   /* it was the last staged */
    else if (src->kind == SRC_IMPORT)
        free(src->u.imp.ext);
    else if (src->kind == SRC_LINK)
        free(src->u.link.target);
    src->kind = SRC_NONE;
}

/* The host path of a tree item: its base's directory, then the image
 * names from below the base down to the item. */
static char *tree_host_path(const fsi_image *img, const struct tree_base *b, fsi_item item)
{
    size_t len = strlen(b->host_dir), need = len;
    for (fsi_item a = item; a != b->node; a = img->nodes[a].parent)
        need += 1 + img->nodes[a].name_len;
    char *p = malloc(need + 1);
    if (!p)
        return NULL;
    memcpy(p, b->host_dir, len);
    p[need] = '\0';
    size_t pos = need;
    for (fsi_item a = item; a != b->node; a = img->nodes[a].parent) {
        const struct node *x = &img->nodes[a];
        pos -= x->name_len;
        memcpy(p + pos, node_name(img, x), x->name_len);
        p[--pos] = '/';
    }
    return p;
}

char *source_host_path(const fsi_image *img, fsi_item item)
{
    const struct node *n = &img->nodes[item];
    if (n->src & SRC_TREE_BIT)
        return tree_host_path(img, &img->bases[n->src & ~SRC_TREE_BIT], item);
    if (n->src && img->sources[n->src].kind == SRC_HOST)
        return strdup(img->sources[n->src].u.host.path);
    return NULL;
}

/* Open a host file by its whole path (-1 with errno). */
static int open_by_path(const fsi_image *img, fsi_item item)
{
    char *path = source_host_path(img, item);
    if (!path)
        return -1;
    int fd = hostpath_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    int e = errno;
    free(path);
    errno = e;
    return fd;
}

int source_open_host(const fsi_image *img, fsi_item item, struct host_dir *hd)
{
    const struct node *n = &img->nodes[item];
    char name[NAME_MAX + 1];
    if ((n->src & SRC_TREE_BIT) && n->name_len <= NAME_MAX) {
        /* Files of a directory are written one after another: open them
         * relative to the directory, which saves a path walk per file. */
        uint32_t base = n->src & ~SRC_TREE_BIT;   /* merged trees share image dirs */
        if (hd->fd < 0 || hd->dir != n->parent || hd->base != base) {
            if (hd->fd >= 0)
                close(hd->fd);
            char *dp = tree_host_path(img, &img->bases[base], n->parent);
            if (!dp)
                return -1;
            hd->fd = hostpath_openat(AT_FDCWD, dp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            int e = errno;
            free(dp);
            if (hd->fd < 0) {
                errno = e;
                return -1;
            }
            hd->dir = n->parent;
            hd->base = base;
        }
        memcpy(name, node_name(img, n), n->name_len);
        name[n->name_len] = '\0';
        return openat(hd->fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    }
    return open_by_path(img, item);
}

int64_t source_read(const fsi_image *img, fsi_item item, int *fd, uint64_t off, void *buf,
                    size_t len)
{
    const struct node *n = &img->nodes[item];
    if (off >= n->size || len == 0)
        return 0;
    if (len > n->size - off)
        len = (size_t)(n->size - off);
    if (n->src == 0) {
        errno = EIO;                  /* a non-empty file always has a source */
        return -1;
    }
    const struct source *src = (n->src & SRC_TREE_BIT) ? NULL : &img->sources[n->src];
    if (!src || src->kind == SRC_HOST) {
        if (*fd < 0 && (*fd = open_by_path(img, item)) < 0)
            return -1;
        ssize_t r;
        do
            r = pread(*fd, buf, len, (off_t)off);
        while (r < 0 && errno == EINTR);
        return r;
    }
    if (src->kind == SRC_MEM) {
        memcpy(buf, (const char *)src->u.mem.data + off, len);
        return (int64_t)len;
    }
    if (src->kind == SRC_CALLBACK)
        return src->u.cb.read(src->u.cb.ctx, off, buf, len);
    if (src->kind == SRC_STASH)
        return stash_read(img, src->u.stash.at + off, buf, len);
    if (src->kind == SRC_IMPORT)
        return import_read(img, src, n->size, off, buf, len);
    errno = EIO;
    return -1;
}

bool source_is_stash(const fsi_image *img, fsi_item item)
{
    uint32_t s = img->nodes[item].src;
    return s && !(s & SRC_TREE_BIT) && img->sources[s].kind == SRC_STASH;
}

int64_t source_read_past(const fsi_image *img, fsi_item item, uint64_t off, void *buf,
                         size_t len)
{
    const struct node *n = &img->nodes[item];
    if (!n->src || (n->src & SRC_TREE_BIT) || img->sources[n->src].kind != SRC_CALLBACK)
        return 0;
    const struct source *src = &img->sources[n->src];
    return src->u.cb.read(src->u.cb.ctx, off, buf, len);
}
