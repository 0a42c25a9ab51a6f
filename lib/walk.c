/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * walk.c - walking a file system of a disc, for every reader alike.
 *
 * Directories are read one at a time; their subdirectories wait on an
 * explicit stack (a hostile image nests as deep as it likes: no recursion
 * here), so memory is the pending directories' paths, not the tree.  Each
 * directory's location is remembered to stop loops (a directory that
 * holds itself, or two directories that hold each other).
 */
#include "config.h"
#include "internal.h"
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A directory still to read. */
struct pending {
    struct rd_dirref ref;
    char *path;           /* malloc'ed */
    size_t path_len;
    unsigned depth;
};

/* Locations seen: open addressing over uint64 keys (0 = empty, so keys
 * are stored + 1). */
struct seen {
    uint64_t *slot;
    size_t cap, used;
};

static int seen_add(struct seen *s, uint64_t key, bool *dup)
{
    key++;
    if (key == 0)
        key = 1;   /* UINT64_MAX folds onto 0: harmless, one false loop at worst */
    if (s->used * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *n = calloc(cap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            uint64_t k = s->slot[i];
            if (!k)
                continue;
            size_t h = (size_t)(k * 0x9E3779B97F4A7C15ull) & (cap - 1);
            while (n[h])
                h = (h + 1) & (cap - 1);
            n[h] = k;
        }
        free(s->slot);
        s->slot = n;
        s->cap = cap;
    }
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15ull) & (s->cap - 1);
    while (s->slot[h]) {
        if (s->slot[h] == key) {
            *dup = true;
            return 0;
        }
        h = (h + 1) & (s->cap - 1);
    }
    s->slot[h] = key;
    s->used++;
    *dup = false;
    return 0;
}

struct walk {
    fsi_disc *d;
    const struct rd_reader *r;
    unsigned flags;
    rd_entry_fn fn;
    void *ctx;

    /* the directory being read */
    const char *dir_path;
    size_t dir_path_len;
    unsigned dir_depth;
    char *path;           /* entry path buffer */
    size_t path_cap;

    /* subdirectories of the directory being read, in order */
    struct pending *kids;
    size_t nkids, cap_kids;

    struct pending *stack;
    size_t nstack, cap_stack;
    struct seen seen;
};

static fsi_hresult nomem(fsi_disc *d)
{
    return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "walking the directories");
}

/* Path of a child of the directory being read into w->path. */
static fsi_hresult child_path(struct walk *w, const char *name, size_t len, size_t *out)
{
    bool root = w->dir_path_len == 1;
    size_t n = w->dir_path_len + (root ? 0 : 1) + len;
    if (n > RD_MAX_PATH)
        return rd_unsupported(w->d, w->r->name, "a path longer than %d bytes under '%.200s'",
                              RD_MAX_PATH, w->dir_path);
    if (rd_grow((void **)&w->path, &w->path_cap, n + 1, 1))
        return nomem(w->d);
    memcpy(w->path, w->dir_path, w->dir_path_len);
    size_t at = w->dir_path_len;
    if (!root)
        w->path[at++] = '/';
    memcpy(w->path + at, name, len);
    w->path[n] = '\0';
    *out = n;
    return FSI_S_OK;
}

static fsi_hresult on_entry(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct walk *w = ctx;
    size_t plen = 0;
    fsi_hresult hr = child_path(w, e->name, e->name_len, &plen);
    if (FSI_FAILED(hr))
        return hr;
    e->path = w->path;
    e->path_len = plen;
    e->depth = w->dir_depth + 1;
    /* Remember the subdirectory first: fn may not keep e->path. */
    if (sub && (w->flags & FSI_WALK_RECURSIVE) && e->type == FSI_ENTRY_DIRECTORY &&
        fsi_name_is_safe(e->name, e->name_len)) {
        if (e->depth >= RD_MAX_DEPTH)
            return rd_unsupported(w->d, w->r->name, "directories nested deeper than %d levels "
                                  "('%.200s')", RD_MAX_DEPTH, w->path);
        char *copy = malloc(plen + 1);
        if (!copy || rd_grow((void **)&w->kids, &w->cap_kids, w->nkids + 1, sizeof *w->kids)) {
            free(copy);
            return nomem(w->d);
        }
        memcpy(copy, w->path, plen + 1);
        w->kids[w->nkids++] = (struct pending){ .ref = *sub, .path = copy, .path_len = plen,
                                                .depth = e->depth };
    }
    return w->fn(w->ctx, e, sub);
}

/* Find `path` below the root: *ref and *type of what it names. */
struct find {
    const char *name;
    size_t len;
    bool found;
    fsi_entry_type type;
    struct rd_dirref ref;
    rd_entry_fn fn;       /* for a file: report it from inside the read */
    void *ctx;
    const char *path;
    size_t path_len;
    unsigned depth;
    bool report;          /* the last component: a file is reported */
    bool self;            /* ... and so is a directory (FSI_WALK_SELF) */
};

static fsi_hresult find_one(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct find *f = ctx;
    if (f->found || e->name_len != f->len || memcmp(e->name, f->name, f->len) != 0)
        return FSI_S_OK;
    f->found = true;
    f->type = e->type;
    if (sub)
        f->ref = *sub;
    if (f->report && (e->type != FSI_ENTRY_DIRECTORY || f->self)) {
        e->path = f->path;
        e->path_len = f->path_len;
        e->depth = f->depth;
        return f->fn(f->ctx, e, sub);
    }
    return FSI_S_OK;
}

/* The user callback of fsi_disc_walk behind the reader's kind. */
struct user {
    fsi_disc_walk_fn fn;
    void *ctx;
    int stopped;
};

static fsi_hresult user_fn(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    (void)sub;
    struct user *u = ctx;
    int rc = u->fn(u->ctx, e);
    if (rc) {
        u->stopped = rc;
        return E_IMAPI_REQUEST_CANCELLED;
    }
    return FSI_S_OK;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < w->nkids; i++)
        free(w->kids[i].path);
    for (size_t i = 0; i < w->nstack; i++)
        free(w->stack[i].path);
    free(w->path);
    free(w->kids);
    free(w->stack);
    free(w->seen.slot);
}

/* The root's own entry, with its path. */
struct self {
    rd_entry_fn fn;
    void *ctx;
};

static fsi_hresult self_fn(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct self *s = ctx;
    e->path = "/";
    e->path_len = 1;
    e->name = "";
    e->name_len = 0;
    e->depth = 0;
    return s->fn(s->ctx, e, sub);
}

fsi_hresult walk_view(fsi_disc *d, const struct rd_reader *r, void *view,
                      const struct rd_dirref *root, const char *path, unsigned flags,
                      rd_entry_fn fn, void *ctx)
{
    struct walk w = { .d = d, .r = r, .flags = flags, .fn = fn, .ctx = ctx };
    fsi_hresult hr = FSI_S_OK;
    struct rd_dirref start = *root;
    char *start_path = NULL;
    size_t start_len = 1;
    unsigned start_depth = 0;
    bool dup;

    if (!path)
        path = "/";
    start_path = malloc(strlen(path) + 2);
    if (!start_path)
        return nomem(d);
    start_path[0] = '/';
    start_path[1] = '\0';

    /* Go down to the starting directory, component by component. */
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *rest = p + len;
        while (*rest == '/')
            rest++;
        bool last = *rest == '\0';
        if (start_len > 1)
            start_path[start_len++] = '/';
        memcpy(start_path + start_len, p, len);
        start_len += len;
        start_path[start_len] = '\0';
        struct find f = { .name = p, .len = len, .fn = fn, .ctx = ctx, .path = start_path,
                          .path_len = start_len, .depth = start_depth + 1 };
        /* A file at the end is reported alone, from inside the read (its
         * extents live only there); so is the directory with WALK_SELF. */
        f.report = last;
        f.self = (flags & FSI_WALK_SELF) != 0;
        hr = r->read_dir(view, &start, find_one, &f);
        if (FSI_FAILED(hr))
            goto out;
        if (!f.found) {
            hr = rd_fail(d, IMAPI_E_ITEM_NOT_FOUND, start_path, NULL, "in the %s file system",
                         r->name);
            goto out;
        }
        if (f.type != FSI_ENTRY_DIRECTORY) {
            if (!last)
                hr = rd_fail(d, IMAPI_E_NOT_DIR, start_path, NULL, NULL);
            goto out;
        }
        start = f.ref;
        start_depth++;
        p = rest;
        if (last)
            flags &= ~(unsigned)FSI_WALK_SELF;   /* reported by find_one already */
    }
    if ((flags & FSI_WALK_SELF) && start_depth == 0 && r->root_entry) {
        struct self sf = { fn, ctx };
        hr = r->root_entry(view, &start, self_fn, &sf);
        if (FSI_FAILED(hr))
            goto out;
    }

    /* The walk proper. */
    if (rd_grow((void **)&w.stack, &w.cap_stack, 1, sizeof *w.stack)) {
        hr = nomem(d);
        goto out;
    }
    w.stack[0] = (struct pending){ .ref = start, .path = start_path, .path_len = start_len,
                                   .depth = start_depth };
    start_path = NULL;
    w.nstack = 1;
    while (w.nstack > 0) {
        struct pending cur = w.stack[--w.nstack];
        if (seen_add(&w.seen, cur.ref.loc, &dup)) {
            free(cur.path);
            hr = nomem(d);
            goto out;
        }
        if (dup) {
            hr = rd_corrupt(d, r->name, "directory", rd_dirref_block(r, &cur.ref),
                            "a directory loop: '%.400s' is a directory already seen", cur.path);
            free(cur.path);
            goto out;
        }
        w.dir_path = cur.path;
        w.dir_path_len = cur.path_len;
        w.dir_depth = cur.depth;
        w.nkids = 0;
        hr = r->read_dir(view, &cur.ref, on_entry, &w);
        free(cur.path);
        w.dir_path = NULL;
        if (FSI_FAILED(hr))
            goto out;
        if (rd_grow((void **)&w.stack, &w.cap_stack, w.nstack + w.nkids, sizeof *w.stack)) {
            hr = nomem(d);
            goto out;
        }
        /* First subdirectory on top: they are read in directory order. */
        for (size_t i = w.nkids; i-- > 0;)
            w.stack[w.nstack++] = w.kids[i];
        w.nkids = 0;
        if (!(flags & FSI_WALK_RECURSIVE))
            break;
    }
out:
    free(start_path);
    walk_free(&w);
    return hr;
}

FSI_API fsi_hresult fsi_disc_walk(fsi_disc *d, unsigned fs, const char *path, unsigned flags,
                                  fsi_disc_walk_fn fn, void *ctx)
{
    if (!d || !fn)
        return FSI_E_POINTER;
    if (flags & ~(unsigned)(FSI_WALK_RECURSIVE | FSI_WALK_NO_ROCK_RIDGE | FSI_WALK_SELF))
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "flags", NULL, NULL);
    fsi_hresult hr;
    if (fs == FSI_FS_NONE) {
        hr = disc_default_fs(d, &fs);
        if (FSI_FAILED(hr))
            return hr;
    }
    const struct rd_reader *r = rd_reader_for(fs);
    if (!r)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "fs", NULL,
                       "one of ISO9660 (1), Joliet (2) or UDF (4)");
    void *view;
    fsi_volume_info vol;
    struct rd_dirref root;
    hr = disc_open_view(d, fs, flags & FSI_WALK_NO_ROCK_RIDGE, &view, &vol, &root);
    if (hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND)
        return rd_fail(d, hr, r->name, NULL, NULL);
    if (FSI_FAILED(hr))
        return hr;
    struct user u = { fn, ctx, 0 };
    hr = walk_view(d, r, view, &root, path, flags, user_fn, &u);
    r->close(view);
    if (u.stopped)
        return (fsi_hresult)u.stopped;
    return hr;
}
