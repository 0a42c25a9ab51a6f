/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * import.c - ImportFileSystem: a file system of a disc becomes items of
 * the tree whose data stays where it is on the disc (SRC_IMPORT), read
 * only when a result is written.  Items already in the tree win; a type
 * change is a collision.  All or nothing, like add_tree.
 */
#include "config.h"
#include "append.h"
#include "internal.h"
#include "read_udf.h"
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int64_t import_read(const fsi_image *img, const struct source *src, uint64_t size, uint64_t off,
                    void *buf, size_t len)
{
    if (src->u.imp.disc >= img->ndiscs) {
        errno = EIO;
        return -1;
    }
    fsi_disc *d = img->discs[src->u.imp.disc];
    fsi_extent one = { src->u.imp.at, size };
    const fsi_extent *ext = src->u.imp.ext ? src->u.imp.ext : &one;
    size_t n = src->u.imp.ext ? src->u.imp.next : 1;
    size_t got = 0;
    fsi_hresult hr = fsi_disc_read(d, ext, n, off, buf, len, &got);
    if (FSI_FAILED(hr)) {
        errno = EIO;
        return -1;
    }
    return (int64_t)got;
}

static void exclusions_clear(fsi_image *img)
{
    for (size_t i = 0; i < img->nimp_excl; i++)
        free(img->imp_excl[i]);
    free(img->imp_excl);
    free(img->imp_excl_hit);
    img->imp_excl = NULL;
    img->imp_excl_hit = NULL;
    img->nimp_excl = 0;
}

FSI_API fsi_hresult fsi_import_exclude(fsi_image *img, const char *path)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!path)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "path", NULL, NULL);
    /* "/a/b": one leading slash, none doubled or trailing. */
    size_t n = strlen(path);
    char *p = malloc(n + 2);
    if (!p)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (path[i] != '/' || (k > 0 && p[k - 1] != '/'))
            p[k++] = path[i];
        else if (k == 0)
            p[k++] = '/';
    if (k == 0 || p[0] != '/') {
        memmove(p + 1, p, k);
        p[0] = '/';
        k++;
    }
    while (k > 1 && p[k - 1] == '/')
        k--;
    p[k] = '\0';
    if (k == 1) {
        free(p);
        return fsi_failf(img, IMAPI_E_INVALID_PATH, 0, path, NULL,
                         "the root cannot be left out of an import");
    }
    char **a = realloc(img->imp_excl, (img->nimp_excl + 1) * sizeof *a);
    if (a)
        img->imp_excl = a;
    bool *h = a ? realloc(img->imp_excl_hit, (img->nimp_excl + 1) * sizeof *h) : NULL;
    if (!h) {
        free(p);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    img->imp_excl_hit = h;
    img->imp_excl[img->nimp_excl] = p;
    img->imp_excl_hit[img->nimp_excl++] = false;
    return FSI_S_OK;
}

/* Whether the entry at path is left out: an excluded path or below one. */
static bool excluded(fsi_image *img, const char *path, size_t len)
{
    for (size_t i = 0; i < img->nimp_excl; i++) {
        const char *x = img->imp_excl[i];
        size_t n = strlen(x);
        if (len == n && !memcmp(path, x, n)) {
            img->imp_excl_hit[i] = true;
            return true;
        }
        if (len > n && path[n] == '/' && !memcmp(path, x, n))
            return true;
    }
    return false;
}

void import_free_all(fsi_image *img)
{
    exclusions_clear(img);
    free(img->imp_item);
    free(img->imp_fe);
    img->imp_item = NULL;
    img->imp_fe = NULL;
    img->cap_imp = 0;
    for (uint32_t i = 0; i < img->ndiscs; i++)
        fsi_disc_free(img->discs[i]);
    free(img->discs);
    img->discs = NULL;
    img->ndiscs = 0;
    free(img->imported_volume_name);
    img->imported_volume_name = NULL;
}

FSI_API const char *fsi_image_get_imported_volume_name(const fsi_image *img)
{
    return img ? img->imported_volume_name : NULL;
}

struct imp {
    fsi_image *img;
    fsi_disc *disc;
    uint32_t disc_index;
    const char *fsname;
    unsigned fs;
    /* the tree directory of the directory being read */
    char *dir_path;
    size_t dir_path_len, dir_path_cap;
    fsi_item dir;
    uint64_t dirs, files, skipped;
    fsi_hresult hr;          /* a failure recorded on img */
};

static int64_t ts_ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The tree item of the directory that holds path (whose last component
 * is name_len bytes), 0 if the tree has none: looked up once per
 * directory read. */
static fsi_hresult lookup_parent(struct imp *im, const fsi_disc_entry *e, fsi_item *out)
{
    size_t plen = e->path_len - e->name_len;
    if (plen > 1)
        plen--;   /* without the '/' before the name */
    *out = 0;
    if (im->dir && plen == im->dir_path_len && !memcmp(e->path, im->dir_path, plen)) {
        *out = im->dir;
        return FSI_S_OK;
    }
    fsi_item at = FSI_ROOT;
    for (size_t i = 1; i < plen;) {
        const char *c = e->path + i;
        const char *slash = memchr(c, '/', plen - i);
        size_t len = slash ? (size_t)(slash - c) : plen - i;
        at = tree_child(im->img, at, c, len);
        if (!at)
            return FSI_S_OK;
        i += len + 1;
    }
    if (plen + 1 > im->dir_path_cap) {
        char *p = realloc(im->dir_path, plen + 64);
        if (!p)
            return fsi_fail(im->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        im->dir_path = p;
        im->dir_path_cap = plen + 64;
    }
    memcpy(im->dir_path, e->path, plen);
    im->dir_path_len = plen;
    im->dir = at;
    *out = at;
    return FSI_S_OK;
}

static fsi_hresult parent_of(struct imp *im, const fsi_disc_entry *e, fsi_item *out)
{
    fsi_hresult hr = lookup_parent(im, e, out);
    if (FSI_SUCCEEDED(hr) && !*out)
        hr = fsi_fail(im->img, IMAPI_E_FSI_INTERNAL_ERROR, 0,
                      "import: a directory read before it was added", NULL, NULL);
    return hr;
}

static fsi_hresult progress(struct imp *im, const fsi_disc_entry *e)
{
    fsi_image *img = im->img;
    if (!img->import_progress)
        return FSI_S_OK;
    /* IMAPI names a directory with a separator at its end. */
    char *item = malloc(e->path_len + 2);
    if (!item)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    memcpy(item, e->path, e->path_len);
    size_t n = e->path_len;
    if (e->type == FSI_ENTRY_DIRECTORY && (n == 0 || item[n - 1] != '/'))
        item[n++] = '/';
    item[n] = '\0';
    int rc = img->import_progress(img->import_progress_ctx, im->fs, item, im->dirs,
                                  UINT64_MAX, im->files, UINT64_MAX);
    free(item);
    if (rc)
        return fsi_fail(img, E_IMAPI_REQUEST_CANCELLED, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

/* What an item is as imported: a change made since (times, mode, owner,
 * size, hidden, a new item in its place) changes it. */
static uint64_t node_stamp(const struct node *n)
{
    uint64_t v[] = {n->name_off, n->size, (uint64_t)n->times[0], (uint64_t)n->times[1],
                    (uint64_t)n->times[2], (uint64_t)n->uid << 32 | n->gid,
                    (uint64_t)n->mode << 16 | (uint64_t)(n->flags & NF_HIDDEN) << 8 | n->type,
                    n->src, n->parent};
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        h = (h ^ v[i]) * 0x100000001b3u + (h >> 29);
    return h ? h : 1;
}

/* Make room for the items a UDF volume says it holds (its integrity
 * descriptor's counts), so that a million-item import does not grow the
 * tree step by step.  The counts are hostile: every item takes a File
 * Entry block, so no more than the disc's blocks are believed. */
static void reserve_items(fsi_image *img, fsi_disc *disc, unsigned fs, void *view)
{
    uint32_t files, dirs;
    uint64_t next_uid;
    bool closed;
    if (fs != FSI_FS_UDF || !rd_udf_integrity(view, &files, &dirs, &next_uid, &closed))
        return;
    uint64_t n = (uint64_t)files + dirs, most = rd_blocks(disc);
    tree_reserve(img, n < most ? n : most);
}

/* Record item `id` as imported from entry e: its stamp, and where a UDF
 * volume holds its File Entry when a later session may keep that (one
 * name, `fe`).  A directory's `kids` counts the entries the disc gives
 * it (count_entry). */
static fsi_hresult note_item(struct imp *im, fsi_item id, const fsi_disc_entry *e, bool fe)
{
    fsi_image *img = im->img;
    if (id >= img->cap_imp || (fe && !img->imp_fe)) {
        uint32_t old = img->cap_imp, cap = old ? old : 1024;
        while (cap <= id && cap < UINT32_MAX / 2)
            cap *= 2;
        if (cap > img->cap_nodes && img->cap_nodes > id)
            cap = img->cap_nodes;     /* as many as tree_reserve made room for */
        if (cap <= id)
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        struct imp_item *t = realloc(img->imp_item, (size_t)cap * sizeof *t);
        if (!t)
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        memset(t + old, 0, (size_t)(cap - old) * sizeof *t);
        img->imp_item = t;
        /* File Entries: from the first one on, as many as items */
        if (fe || img->imp_fe) {
            size_t had = img->imp_fe ? old : 0;
            struct imp_fe *f = realloc(img->imp_fe, (size_t)cap * sizeof *f);
            if (!f)
                return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            memset(f + had, 0, (size_t)(cap - had) * sizeof *f);
            img->imp_fe = f;
        }
        img->cap_imp = cap;
    }
    img->imp_item[id] = (struct imp_item){node_stamp(&img->nodes[id]), im->disc_index + 1, 0};
    if (img->imp_fe)
        img->imp_fe[id] = fe ? (struct imp_fe){e->udf_unique_id, e->udf_icb_block,
                                               e->udf_icb_partition, 1}
                             : (struct imp_fe){0, 0, 0, 0};
    return FSI_S_OK;
}

/* One more entry the disc gives directory `dir` (whether imported or
 * not: one left out or skipped makes it differ from the tree). */
static void count_entry(struct imp *im, fsi_item dir)
{
    fsi_image *img = im->img;
    if (dir && dir < img->cap_imp && img->imp_item[dir].stamp)
        img->imp_item[dir].kids++;
}

bool import_udf_fe(const fsi_image *img, fsi_item it, const fsi_disc *d, uint16_t ref,
                   uint32_t *lb, uint64_t *uid)
{
    if (!img->imp_fe || it >= img->cap_imp || !img->imp_fe[it].udf ||
        !import_unchanged(img, it, d) || img->imp_fe[it].ref != ref)
        return false;
    *lb = img->imp_fe[it].lb;
    *uid = img->imp_fe[it].uid;
    return true;
}

bool import_unchanged(const fsi_image *img, fsi_item it, const fsi_disc *d)
{
    if (it >= img->cap_imp || !img->imp_item[it].stamp)
        return false;
    const struct imp_item *f = &img->imp_item[it];
    const struct node *n = &img->nodes[it];
    return f->disc > 0 && f->disc <= img->ndiscs && img->discs[f->disc - 1] == d &&
           f->stamp == node_stamp(n) && (n->type != NODE_DIR || n->nchildren == f->kids);
}

static fsi_hresult on_entry(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    (void)sub;
    struct imp *im = ctx;
    fsi_image *img = im->img;
    if (img->nimp_excl && excluded(img, e->path, e->path_len)) {
        fsi_item p;    /* (none when the directory itself was left out) */
        fsi_hresult hr = lookup_parent(im, e, &p);
        count_entry(im, p);
        return hr;
    }
    static const uint32_t special_fmt[] = {[FSI_ENTRY_CHAR_DEVICE] = S_IFCHR,
                                           [FSI_ENTRY_BLOCK_DEVICE] = S_IFBLK,
                                           [FSI_ENTRY_FIFO] = S_IFIFO,
                                           [FSI_ENTRY_SOCKET] = S_IFSOCK};
    uint8_t kind = 0;        /* tree_new.type: links and special files */
    uint32_t fmt = 0;
    if (e->type == FSI_ENTRY_SYMLINK) {
        kind = NODE_SYMLINK;
        if (!e->link_target || e->link_target_len == 0)
            return fsi_failf(img, IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, 0, im->fsname, NULL,
                             "the symbolic link '%s' has no target", e->path);
    } else if (e->type >= FSI_ENTRY_CHAR_DEVICE && e->type <= FSI_ENTRY_SOCKET) {
        kind = NODE_SPECIAL;
        fmt = special_fmt[e->type];
    } else if (e->type != FSI_ENTRY_FILE && e->type != FSI_ENTRY_DIRECTORY) {
        im->skipped++;
        fsi_item p;
        fsi_hresult hr = lookup_parent(im, e, &p);
        count_entry(im, p);
        return hr;
    }
    bool dir = e->type == FSI_ENTRY_DIRECTORY;
    if (dir) {
        fsi_hresult hr = progress(im, e);   /* before the directory */
        if (FSI_FAILED(hr))
            return hr;
    }
    fsi_item parent = 0;
    fsi_hresult hr = parent_of(im, e, &parent);
    if (FSI_FAILED(hr))
        return hr;
    count_entry(im, parent);
    fsi_item have = tree_child(img, parent, e->name, e->name_len);
    if (have) {
        /* Two entries of one name: what the tree holds of it is no
         * longer what either entry was. */
        if (have < img->cap_imp)
            img->imp_item[have].stamp = 0;
        bool have_dir = img->nodes[have].type == NODE_DIR;
        if (have_dir && !dir)
            return fsi_fail(img, IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY, 0,
                            e->path, im->fsname, NULL);
        if (!have_dir && dir)
            return fsi_fail(img, IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE, 0,
                            e->path, im->fsname, NULL);
        /* The item in memory wins; a directory's contents still merge. */
        if (dir)
            im->dirs++;
        else
            im->files++;
        return dir ? FSI_S_OK : progress(im, e);
    }

    struct tree_new tn = { .dir = dir, .hidden = e->hidden, .size = dir || kind ? 0 : e->size,
                           .type = kind, .link_target = e->link_target,
                           .link_len = e->link_target_len, .unindexed = true };
    if ((e->has & FSI_HAS_RDEV) && fmt != S_IFIFO && fmt != S_IFSOCK)
        tn.rdev = makedev(e->rdev_major, e->rdev_minor);
    int64_t m = (e->has & FSI_HAS_MTIME) ? ts_ns(e->mtime) : 0;
    tn.times[2] = m;
    tn.times[1] = (e->has & FSI_HAS_ATIME) ? ts_ns(e->atime) : m;
    tn.times[0] = (e->has & FSI_HAS_BTIME) ? ts_ns(e->btime) : m;
    tn.mode = ((e->has & FSI_HAS_MODE) ? (e->mode & 07777)
               : dir ? 0755 : kind == NODE_SYMLINK ? 0777 : 0644) | fmt;
    if (e->has & FSI_HAS_OWNER) {
        tn.uid = e->uid;
        tn.gid = e->gid;
    }
    struct source src = { .kind = SRC_NONE };
    if (!dir && !kind && e->size > 0) {
        /* Every byte of data lies inside the disc: checked now, so that
         * writing a result never meets a file cut short. */
        uint64_t total = 0;
        bool contiguous = e->nextents >= 1;
        for (size_t i = 0; i < e->nextents; i++) {
            const fsi_extent *x = &e->extents[i];
            if (x->offset != FSI_EXTENT_HOLE &&
                (x->offset > im->disc->size || x->length > im->disc->size - x->offset))
                return fsi_failf(img, IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, 0, im->fsname,
                                 NULL, "the data of '%s' lies past the end of the image",
                                 e->path);
            if (x->offset == FSI_EXTENT_HOLE ||
                (i > 0 && x->offset != e->extents[0].offset + total))
                contiguous = false;
            total += x->length;
        }
        if (total < e->size)
            return fsi_failf(img, IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, 0, im->fsname,
                             NULL, "'%s' has %llu bytes of data for a size of %llu", e->path,
                             (unsigned long long)total, (unsigned long long)e->size);
        src.kind = SRC_IMPORT;
        src.u.imp.disc = im->disc_index;
        if (contiguous) {
            src.u.imp.at = e->extents[0].offset;
        } else {
            if (e->nextents > UINT32_MAX)
                return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            src.u.imp.ext = malloc(e->nextents * sizeof *src.u.imp.ext);
            if (!src.u.imp.ext)
                return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            memcpy(src.u.imp.ext, e->extents, e->nextents * sizeof *src.u.imp.ext);
            src.u.imp.next = (uint32_t)e->nextents;
        }
    }
    fsi_item id = 0;
    hr = tree_batch_add(img, parent, e->name, e->name_len, &tn,
                        src.kind == SRC_IMPORT ? &src : NULL, &id);
    if (FSI_FAILED(hr))
        return hr;
    /* Every item, for a later session to know what it may keep; a File
     * Entry too when it has one name. */
    bool fe = im->fs == FSI_FS_UDF && e->udf_icb_block &&
              (dir || !(e->has & FSI_HAS_NLINK) || e->nlink <= 1);
    if (FSI_FAILED(hr = note_item(im, id, e, fe)))
        return hr;
    if (dir)
        im->dirs++;
    else
        im->files++;
    return dir ? FSI_S_OK : progress(im, e);
}

FSI_API fsi_hresult fsi_image_set_multisession(fsi_image *img, fsi_disc *previous, uint64_t nwa)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (previous && (nwa < 16 + 2 || nwa > UINT32_MAX))
        return fsi_failf(img, IMAPI_E_BAD_MULTISESSION_PARAMETER, 0, "next writable address",
                         NULL, "next writable address %llu: a block after the previous session, "
                         "below 2^32", (unsigned long long)nwa);
    /* A UDF volume the session could not continue: said now, before an
     * import that would fail on it with a less telling code. */
    unsigned have = 0;
    if (previous && FSI_SUCCEEDED(fsi_disc_identify(previous, &have)) && (have & FSI_FS_UDF)) {
        struct rd_udf_volume u;
        fsi_hresult uhr = rd_udf_partition(previous, &u);
        if (uhr == IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED)
            return fsi_failf(img, IMAPI_E_UDF_NOT_WRITE_COMPATIBLE, 0, NULL, NULL, "%s",
                             fsi_disc_last_error(previous));
    }
    append_state_free(img->ms_app);      /* fsi_image_set_append sets it again */
    img->ms_app = NULL;
    img->ms_disc = previous;
    img->ms_nwa = previous ? nwa : 0;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API uint64_t fsi_image_get_multisession(const fsi_image *img, fsi_disc **previous)
{
    if (previous)
        *previous = img ? img->ms_disc : NULL;
    return img ? img->ms_nwa : 0;
}

FSI_API fsi_hresult fsi_import(fsi_image *img, fsi_disc *disc, unsigned fs, unsigned flags,
                               unsigned *imported)
{
    if (imported)
        *imported = FSI_FS_NONE;
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!disc)
        return fsi_fail(img, IMAPI_E_MULTISESSION_NOT_SET, 0, NULL, NULL, NULL);
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (flags & ~(unsigned)FSI_WALK_NO_ROCK_RIDGE)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "flags", NULL, NULL);
    if (fs != FSI_FS_NONE && fs != FSI_FS_ISO9660 && fs != FSI_FS_JOLIET && fs != FSI_FS_UDF)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "fs", NULL,
                         "one of ISO9660 (1), Joliet (2) or UDF (4), or none for the default");

    /* Failures of the disc are copied to the image with their message. */
#define DISC_FAIL(h) fsi_fail_copy(img, (h), fsi_disc_last_error(disc))
    if (fs == FSI_FS_NONE) {
        hr = disc_default_fs(disc, &fs);
        if (FSI_FAILED(hr))
            return DISC_FAIL(hr);
    } else {
        unsigned have;
        hr = fsi_disc_identify(disc, &have);
        if (FSI_FAILED(hr))
            return DISC_FAIL(hr);
    }
    const struct rd_reader *r = rd_reader_for(fs);
    void *view;
    fsi_volume_info vol;
    struct rd_dirref root;
    hr = disc_open_view(disc, fs, flags, &view, &vol, &root);
    if (hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND)
        return fsi_fail(img, hr, 0, r->name, NULL, NULL);
    if (FSI_FAILED(hr))
        return DISC_FAIL(hr);

    /* The image holds the disc while it lives (imported data is read from
     * it); the same disc imported twice is held once. */
    uint32_t index = 0;
    while (index < img->ndiscs && img->discs[index] != disc)
        index++;
    bool new_disc = index == img->ndiscs;
    if (new_disc) {
        fsi_disc **n = realloc(img->discs, (img->ndiscs + 1) * sizeof *n);
        if (!n) {
            r->close(view);
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        }
        img->discs = n;
    }
    char *volname = strdup(vol.volume_name);
    if (!volname) {
        r->close(view);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }

    struct imp im = { .img = img, .disc = disc, .disc_index = index, .fsname = r->name, .fs = fs };
    struct tree_batch batch;
    tree_batch_begin(img, &batch);
    reserve_items(img, disc, fs, view);
    img->last_code = FSI_S_OK;
    hr = walk_view(disc, r, view, &root, "/", FSI_WALK_RECURSIVE, on_entry, &im);
    if (FSI_FAILED(hr) && img->last_code != hr)
        DISC_FAIL(hr);   /* a failure of the disc (read, consistency), not of the tree */
    r->close(view);
    free(im.dir_path);
    for (size_t i = 0; FSI_SUCCEEDED(hr) && i < img->nimp_excl; i++)
        if (!img->imp_excl_hit[i])
            hr = fsi_failf(img, IMAPI_E_ITEM_NOT_FOUND, 0, img->imp_excl[i], NULL,
                           "the %s file system of the disc has no such item to leave out",
                           r->name);
    exclusions_clear(img);
    hr = tree_batch_end(img, &batch, hr, fsi_disc_path(disc) ? fsi_disc_path(disc) : "import");
    if (FSI_FAILED(hr) && img->imp_item)   /* items taken back: their entries go too */
        memset(img->imp_item, 0, (size_t)img->cap_imp * sizeof *img->imp_item);
    if (FSI_FAILED(hr)) {
        free(volname);
        return hr;
    }
    if (new_disc) {
        disc_ref(disc);
        img->discs[img->ndiscs++] = disc;
    }
    free(img->imported_volume_name);
    img->imported_volume_name = volname;
    if (imported)
        *imported = fs;
    if (im.skipped) {
        char n[32];
        snprintf(n, sizeof n, "%llu", (unsigned long long)im.skipped);
        fsi_failf(img, IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED, 0, NULL, NULL,
                  "%s entries of types the tree cannot hold in the %s file system were left out",
                  n, r->name);
        return IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED;
    }
    return FSI_S_OK;
}
