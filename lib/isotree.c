/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * isotree.c - directories of one ECMA-119 view: numbering (path table
 * order), extents, and their directory records, generated on demand.
 */
#include "config.h"
#include "isotree.h"
#include "iso9660.h"
#include "names_iso.h"
#include "names_joliet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The children of one directory, named for the view and in ECMA-119
 * order, plus where the last produce() stopped so the next block resumes
 * there instead of starting over. */
struct dirents {
    uint32_t dir;               /* index in dirs[] loaded, UINT32_MAX none */
    size_t n, cap;
    const fsi_item *items;      /* byte order (layout_children) */
    struct name_in *in;
    struct iso_name *iso;
    struct joliet_name *jol;
    uint32_t *order;            /* indices into items, ECMA-119 order */
    /* resume point */
    uint64_t r_block;           /* UINT64_MAX: none */
    size_t r_i;
    uint32_t r_sec, r_kid;
    uint64_t r_pos;
};

/* ---------------------------------------------------------------- */
/* Record encoding                                                   */
/* ---------------------------------------------------------------- */

static struct tm tm_of(int64_t ns)
{
    /* Items made together share their second: remember the last one. */
    static _Thread_local int64_t last_s = INT64_MIN;
    static _Thread_local struct tm last_tm;
    int64_t s = ns / 1000000000;
    if (ns < 0 && ns % 1000000000)
        s--;
    if (s == last_s)
        return last_tm;
    time_t t = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    last_s = s;
    last_tm = tm;
    return tm;
}

void iso_date7(uint8_t out[7], int64_t ns)
{
    struct tm tm = tm_of(ns);
    /* The year is an offset from 1900 in one byte: clamp to 1900-2155. */
    if (tm.tm_year < 0) {
        memset(out, 0, 7);
        out[1] = out[2] = 1;
        return;
    }
    if (tm.tm_year > 255) {
        tm.tm_year = 255; tm.tm_mon = 11; tm.tm_mday = 31;
        tm.tm_hour = 23; tm.tm_min = 59; tm.tm_sec = 59;
    }
    out[0] = (uint8_t)tm.tm_year;
    out[1] = (uint8_t)(tm.tm_mon + 1);
    out[2] = (uint8_t)tm.tm_mday;
    out[3] = (uint8_t)tm.tm_hour;
    out[4] = (uint8_t)tm.tm_min;
    out[5] = (uint8_t)(tm.tm_sec > 59 ? 59 : tm.tm_sec);
    out[6] = 0;                 /* offset from UTC in 15-minute steps */
}

void iso_date17(uint8_t out[17], int64_t ns)
{
    struct tm tm = tm_of(ns);
    int year = tm.tm_year + 1900;
    if (year < 1 || year > 9999) {
        memset(out, '0', 16);
        out[16] = 0;
        return;
    }
    char tmp[80];
    int64_t cs = (ns % 1000000000 + 1000000000) % 1000000000 / 10000000;
    snprintf(tmp, sizeof tmp, "%04d%02d%02d%02d%02d%02d%02d", year, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec > 59 ? 59 : tm.tm_sec, (int)cs);
    memcpy(out, tmp, 16);
    out[16] = 0;
}

size_t iso_put_record(uint8_t *p, uint32_t block, uint32_t size, int64_t time_ns,
                      uint8_t flags, const uint8_t *id, uint8_t id_len)
{
    size_t len = 33u + id_len + !(id_len & 1);
    memset(p, 0, len);
    p[0] = (uint8_t)len;
    put_both32(p + 2, block);
    put_both32(p + 10, size);
    iso_date7(p + 18, time_ns);
    p[25] = flags;
    put_both16(p + 28, 1);      /* volume sequence number */
    p[32] = id_len;
    memcpy(p + 33, id, id_len);
    return len;
}

static size_t record_len(uint8_t id_len)
{
    return 33u + id_len + !(id_len & 1);
}

/* Sections (directory records) a file takes. */
static uint64_t file_sections(uint64_t size)
{
    return size <= ISO_SINGLE_MAX ? 1 : (size + ISO_SECTION_MAX - 1) / ISO_SECTION_MAX;
}

/* ---------------------------------------------------------------- */
/* Loading one directory's entries                                   */
/* ---------------------------------------------------------------- */

static fsi_hresult nomem(struct isotree *t)
{
    return fsi_fail(t->lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
}

static fsi_hresult fail_path(struct isotree *t, fsi_hresult hr, fsi_item item,
                             const char *i2)
{
    char *path = layout_item_path(t->lay, item);
    fsi_fail(t->lay->img, hr, 0, path ? path : "?", i2, NULL);
    free(path);
    return hr;
}

static int cmp_iso(const void *a, const void *b, void *ctx)
{
    const struct dirents *c = ctx;
    return iso_name_cmp(&c->iso[*(const uint32_t *)a], &c->iso[*(const uint32_t *)b]);
}

static int cmp_joliet(const void *a, const void *b, void *ctx)
{
    const struct dirents *c = ctx;
    return joliet_name_cmp(&c->jol[*(const uint32_t *)a], &c->jol[*(const uint32_t *)b]);
}

static int reserve(struct dirents *c, size_t n, bool joliet)
{
    if (n <= c->cap)
        return 0;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < n)
        cap *= 2;
    struct name_in *in = realloc(c->in, cap * sizeof *in);
    if (in)
        c->in = in;
    uint32_t *order = realloc(c->order, cap * sizeof *order);
    if (order)
        c->order = order;
    void *names = joliet ? realloc(c->jol, cap * sizeof *c->jol)
                         : realloc(c->iso, cap * sizeof *c->iso);
    if (names) {
        if (joliet)
            c->jol = names;
        else
            c->iso = names;
    }
    if (!in || !order || !names)
        return -1;
    c->cap = cap;
    return 0;
}

/* Make dirs[d]'s children the cached entries: view names, ECMA-119 order. */
static fsi_hresult load_dir(struct isotree *t, uint32_t d)
{
    struct dirents *c = t->cache;
    if (c->dir == d)
        return FSI_S_OK;
    const fsi_image *img = t->lay->img;
    c->dir = UINT32_MAX;
    c->r_block = UINT64_MAX;
    c->items = layout_children(t->lay, t->dirs[d].item, &c->n);
    if (reserve(c, c->n, t->joliet) < 0)
        return nomem(t);
    for (size_t i = 0; i < c->n; i++) {
        const struct node *nd = &img->nodes[c->items[i]];
        c->in[i] = (struct name_in){ node_name(img, nd), nd->name_len, nd->type == NODE_DIR };
        c->order[i] = (uint32_t)i;
    }
    size_t fail = 0;
    fsi_hresult hr = t->joliet ? joliet_names_dir(c->in, c->n, c->jol, &fail)
                               : iso_names_dir(c->in, c->n, t->lay->iso_level, c->iso, &fail);
    if (hr == IMAPI_E_NO_UNIQUE_NAME && fail < c->n)
        return fail_path(t, IMAPI_E_NO_UNIQUE_NAME, c->items[fail], t->fsname);
    if (hr == FSI_E_OUTOFMEMORY)
        return nomem(t);
    if (FSI_FAILED(hr))
        return fsi_failf(t->lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "naming failed", NULL,
                         "code 0x%08X", (unsigned)hr);
    /* Names usually come out in the view's order already (the tree's
     * byte order): check that in n steps before sorting. */
    int (*cmp)(const void *, const void *, void *) = t->joliet ? cmp_joliet : cmp_iso;
    size_t k = 1;
    while (k < c->n && cmp(&c->order[k - 1], &c->order[k], c) <= 0)
        k++;
    if (k < c->n)
        qsort_r(c->order, c->n, sizeof *c->order, cmp, c);
    c->dir = d;
    return FSI_S_OK;
}

/* The identifier of entry i (order index) as recorded: ISO bytes, or
 * Joliet UCS-2 big-endian.  tmp holds at least 256 bytes. */
static const uint8_t *entry_id(const struct isotree *t, size_t i, uint8_t *tmp, uint8_t *len)
{
    const struct dirents *c = t->cache;
    uint32_t e = c->order[i];
    if (!t->joliet) {
        *len = c->iso[e].len;
        return (const uint8_t *)c->iso[e].id;
    }
    joliet_name_be(&c->jol[e], tmp);
    *len = (uint8_t)(2 * c->jol[e].len);
    return tmp;
}

/* ---------------------------------------------------------------- */
/* Records of one directory                                          */
/* ---------------------------------------------------------------- */

/* Lay out the records of dirs[d] (loaded): with buf NULL only measure
 * (*size gets the extent bytes); else write the blocks [from, from + n)
 * of its extent into buf.  Records never straddle a block. */
static fsi_hresult dir_records(struct isotree *t, uint32_t d, uint64_t from, uint8_t *buf,
                               uint32_t n, uint64_t *size)
{
    struct dirents *c = t->cache;
    const struct layout *lay = t->lay;
    const fsi_image *img = lay->img;
    const struct isodir *dir = &t->dirs[d];
    uint64_t lo = from * FSI_BLOCK, hi = (from + n) * FSI_BLOCK;
    size_t i = 0;
    uint32_t sec = 0, kid = dir->first_kid;
    uint64_t pos = 68;          /* after '.' and '..' */
    uint8_t tmp[256];

    if (buf) {
        memset(buf, 0, (size_t)n * FSI_BLOCK);
        if (c->r_block == from && from > 0) {
            i = c->r_i;
            sec = c->r_sec;
            kid = c->r_kid;
            pos = c->r_pos;
        } else if (from == 0) {
            const struct isodir *up = &t->dirs[dir->parent];
            const uint8_t dot = 0, dotdot = 1;
            iso_put_record(buf, dir->block, dir->size,
                           item_time_ns(img, dir->item, FSI_TIME_MODIFICATION),
                           ISO_FLAG_DIR, &dot, 1);
            iso_put_record(buf + 34, up->block, up->size,
                           item_time_ns(img, up->item, FSI_TIME_MODIFICATION),
                           ISO_FLAG_DIR, &dotdot, 1);
        }
    }
    for (; i < c->n; i++, sec = 0) {
        fsi_item it = c->items[c->order[i]];
        const struct node *nd = &img->nodes[it];
        bool is_dir = nd->type == NODE_DIR;
        uint64_t nsec = is_dir ? 1 : file_sections(nd->size);
        uint8_t idlen;
        const uint8_t *id = entry_id(t, i, tmp, &idlen);
        size_t rl = record_len(idlen);
        uint8_t hidden = (nd->flags & NF_HIDDEN) ? ISO_FLAG_HIDDEN : 0;
        for (; sec < nsec; sec++) {
            if (pos % FSI_BLOCK + rl > FSI_BLOCK)
                pos = (pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
            if (!buf)
                goto next;
            if (pos >= hi) {
                c->r_block = from + n;
                c->r_i = i;
                c->r_sec = sec;
                c->r_kid = kid;
                c->r_pos = pos;
                return FSI_S_OK;
            }
            if (pos >= lo) {
                uint8_t *p = buf + (pos - lo);
                if (is_dir) {
                    const struct isodir *sub = &t->dirs[kid];
                    iso_put_record(p, sub->block, sub->size,
                                   item_time_ns(img, it, FSI_TIME_MODIFICATION),
                                   ISO_FLAG_DIR | hidden, id, idlen);
                } else {
                    uint64_t off = (uint64_t)sec * ISO_SECTION_MAX;
                    uint64_t len = nd->size - off;
                    uint32_t blk = 0;
                    if (nd->size > 0)
                        blk = lay->file_block[it] + (uint32_t)(off / FSI_BLOCK);
                    if (sec + 1 < nsec)
                        len = ISO_SECTION_MAX;
                    iso_put_record(p, blk, (uint32_t)len,
                                   item_time_ns(img, it, FSI_TIME_MODIFICATION),
                                   (uint8_t)(hidden | (sec + 1 < nsec ? ISO_FLAG_MULTI : 0)),
                                   id, idlen);
                }
            }
        next:
            pos += rl;
        }
        if (is_dir)
            kid++;
    }
    if (size)
        *size = (pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Building the view                                                 */
/* ---------------------------------------------------------------- */

static fsi_hresult add_dir(struct isotree *t, fsi_item item, uint32_t parent,
                           const uint8_t *id, uint8_t len)
{
    if (t->ndirs >= FSI_ISO_MAX_DIRS)
        return fsi_fail(t->lay->img, IMAPI_E_TOO_MANY_DIRS, 0, t->fsname, NULL, NULL);
    if (t->ndirs == t->cap_dirs) {
        uint32_t cap = t->cap_dirs ? t->cap_dirs * 2 : 64;
        struct isodir *p = realloc(t->dirs, cap * sizeof *p);
        if (!p)
            return nomem(t);
        t->dirs = p;
        t->cap_dirs = cap;
    }
    if (t->pool_len + len > t->pool_cap) {
        size_t cap = t->pool_cap ? t->pool_cap * 2 : 4096;
        while (cap < t->pool_len + len)
            cap *= 2;
        uint8_t *p = realloc(t->pool, cap);
        if (!p)
            return nomem(t);
        t->pool = p;
        t->pool_cap = cap;
    }
    memcpy(t->pool + t->pool_len, id, len);
    t->dirs[t->ndirs++] = (struct isodir){
        .item = item, .parent = parent, .name_off = (uint32_t)t->pool_len, .name_len = len,
    };
    t->pool_len += len;
    return FSI_S_OK;
}

/* What the level allows for one file (checked in the ISO9660 view only:
 * Joliet shares the records' limits and would repeat the message). */
static fsi_hresult check_file(struct isotree *t, fsi_item it, const struct node *nd)
{
    uint64_t nsec = file_sections(nd->size);
    if (t->joliet || nsec == 1)
        return FSI_S_OK;
    if (t->lay->iso_level < 3 || nsec > ISO_MAX_SECTIONS) {
        const char *fs = (t->lay->fs & FSI_FS_JOLIET) ? "ISO9660/Joliet" : "ISO9660";
        char *path = layout_item_path(t->lay, it);
        fsi_failf(t->lay->img, IMAPI_E_DATA_TOO_BIG, 0, path ? path : "?", fs,
                  t->lay->iso_level < 3
                      ? "%llu bytes; ISO9660 level %d holds at most 4294967295 bytes in a file "
                        "(level 3 splits larger files, UDF has no such limit)"
                      : "%llu bytes; ISO9660 level %d splits a file into at most 100 sections",
                  (unsigned long long)nd->size, t->lay->iso_level);
        free(path);
        return IMAPI_E_DATA_TOO_BIG;
    }
    return FSI_S_OK;
}

fsi_hresult isotree_build(struct isotree *t, struct layout *lay, bool joliet)
{
    memset(t, 0, sizeof *t);
    t->lay = lay;
    t->joliet = joliet;
    t->fsname = joliet ? "Joliet" : "ISO9660";
    t->cache = calloc(1, sizeof *t->cache);
    if (!t->cache)
        return nomem(t);
    t->cache->dir = UINT32_MAX;
    const fsi_image *img = lay->img;
    const uint8_t root_id = 0;
    fsi_hresult hr = add_dir(t, FSI_ROOT, 0, &root_id, 1);
    uint8_t tmp[256];

    /* Breadth first, subdirectories in view order: that is the path table
     * order (level, parent number, identifier) and the extents' order. */
    for (uint32_t d = 0; d < t->ndirs && FSI_SUCCEEDED(hr); d++) {
        if (FSI_FAILED(hr = load_dir(t, d)))
            break;
        const struct dirents *c = t->cache;
        t->dirs[d].first_kid = t->ndirs;
        for (size_t i = 0; i < c->n && FSI_SUCCEEDED(hr); i++) {
            fsi_item it = c->items[c->order[i]];
            const struct node *nd = &img->nodes[it];
            if (nd->depth > FSI_ISO_MAX_DEPTH)
                hr = fail_path(t, IMAPI_E_ISO9660_LEVELS, it, NULL);
            else if (nd->type == NODE_DIR) {
                uint8_t len;
                const uint8_t *id = entry_id(t, i, tmp, &len);
                hr = add_dir(t, it, d, id, len);
            } else
                hr = check_file(t, it, nd);
        }
        uint64_t size = 0;
        if (FSI_SUCCEEDED(hr))
            hr = dir_records(t, d, 0, NULL, 0, &size);
        if (FSI_SUCCEEDED(hr) && size > 0xFFFFF800u)   /* one extent, 32-bit size */
            hr = fail_path(t, IMAPI_E_DATA_TOO_BIG, t->dirs[d].item, t->fsname);
        if (FSI_SUCCEEDED(hr)) {
            t->dirs[d].size = (uint32_t)size;
            t->dir_blocks += size / FSI_BLOCK;
        }
    }
    /* Path table records: 8 bytes + identifier, padded to even. */
    uint64_t pt = 0;
    for (uint32_t d = 0; d < t->ndirs && FSI_SUCCEEDED(hr); d++) {
        t->dirs[d].pt_off = (uint32_t)pt;
        pt += 8u + t->dirs[d].name_len + (t->dirs[d].name_len & 1);
    }
    t->pt_size = (uint32_t)pt;
    return hr;
}

void isotree_place(struct isotree *t, uint64_t first)
{
    uint64_t b = first;
    for (uint32_t d = 0; d < t->ndirs; d++) {
        t->dirs[d].block = (uint32_t)b;
        b += t->dirs[d].size / FSI_BLOCK;
    }
}

fsi_hresult isotree_produce(struct isotree *t, uint64_t block, uint8_t *buf, uint32_t n)
{
    uint64_t abs = t->dirs[0].block + block;
    while (n > 0) {
        /* The directory whose extent holds block `abs`. */
        uint32_t lo = 0, hi = t->ndirs;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (t->dirs[mid].block <= abs)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t d = lo - 1;
        uint64_t off = abs - t->dirs[d].block;
        uint64_t left = t->dirs[d].size / FSI_BLOCK - off;
        uint32_t k = left < n ? (uint32_t)left : n;
        fsi_hresult hr = load_dir(t, d);
        if (FSI_FAILED(hr))
            return hr;
        if (FSI_FAILED(hr = dir_records(t, d, off, buf, k, NULL)))
            return hr;
        buf += (size_t)k * FSI_BLOCK;
        abs += k;
        n -= k;
    }
    return FSI_S_OK;
}

void isotree_free(struct isotree *t)
{
    if (t->cache) {
        free(t->cache->in);
        free(t->cache->iso);
        free(t->cache->jol);
        free(t->cache->order);
        free(t->cache);
    }
    free(t->dirs);
    free(t->pool);
    memset(t, 0, sizeof *t);
}
