/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * isotree.c - directories of one ECMA-119 view: numbering (path table
 * order), extents, and their directory records, generated on demand.
 *
 * What a directory costs must not grow faster than its children: a
 * directory of more than GROUP children is named GROUP children at a time
 * (survey), and usually nothing of it is kept between passes but its
 * size; its children's names and kinds come from the layout's records
 * (layout_group_names), read front to back.
 *
 * Relocation (relocate_deep, ISO9660 with Rock Ridge): a directory that
 * would lie 7 levels below the root and has children (which ISO9660 could
 * not hold) moves, in this view only, to "rr_moved" in the root, as
 * genisoimage -R does; its old place keeps a zero-length file record with a
 * CL entry, its ".." a PL entry, its record in rr_moved an RE entry.
 * rr_moved itself stays visible, empty, to Linux and xorriso (libarchive
 * hides it), as with genisoimage: hiding it would take an RE in the root,
 * which libarchive refuses.  The root and rr_moved
 * are named whole from their own item lists (the root's with rr_moved
 * added); a directory holding a relocated child is named as usual.
 */
#include "config.h"
#include "isotree.h"
#include "iso9660.h"
#include "names_iso.h"
#include "names_joliet.h"
#include "session_keep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Children named together at most: a bigger directory is named GROUP
 * children at a time (see survey), so what it costs stays the same
 * whatever the directory's size. */
#define GROUP LAYOUT_GROUP

/* How a directory's names are held while it is loaded:
 *  MODE_ALL     (at most GROUP children) all named at once, in the arrays;
 *  MODE_GROUPS  named again group by group as they are read, nothing kept
 *               (the usual big directory: names that do not clash and
 *               come out in ECMA-119 order);
 *  MODE_KEPT    the identifiers of every child kept compactly, named
 *               group by group, sorted;
 *  MODE_WHOLE   the same, named all at once (some names clash). */
enum { MODE_ALL, MODE_GROUPS, MODE_KEPT, MODE_WHOLE };

/* A big directory and how it was named when first loaded. */
struct bigdir {
    uint32_t dir;
    uint8_t mode;
};

/* What the records need of a child, noted as it is named (from the
 * layout's records in a big directory, whose nodes lie far apart). */
struct gent {
    uint64_t size;
    int64_t mtime;              /* item_time_ns(FSI_TIME_MODIFICATION) */
    const char *name;           /* the tree name (Rock Ridge NM) */
    uint16_t name_len;
    uint16_t depth;
    uint8_t type, flags;
    bool wide;                  /* Rock Ridge TF in the long form */
};

/* The children of one directory, named for the view and in ECMA-119
 * order, plus where the last produce() stopped so the next block resumes
 * there instead of starting over. */
struct dirents {
    uint32_t dir;               /* index in dirs[] loaded, UINT32_MAX none */
    fsi_item dir_item;          /* its item */
    int mode;
    size_t n;
    const fsi_item *items;      /* byte order (layout_children) */
    fsi_item *own;              /* items when the view makes the list (root
                                   with rr_moved, rr_moved), else NULL */
    uint32_t kid_depth;         /* the children's level in the view */
    uint64_t size;              /* extent bytes if known (MODE_GROUPS), else UINT64_MAX */
    /* names of the children (MODE_ALL) or of one group (MODE_GROUPS) */
    size_t cap;
    struct name_in *in;
    struct iso_name *iso;
    struct joliet_name *jol;
    uint32_t *order;            /* MODE_ALL: indices into items, ECMA-119 order */
    struct gent *ge;            /* [GROUP] of the names in the arrays */
    size_t chunk;               /* MODE_GROUPS: the group in the arrays, SIZE_MAX none */
    /* MODE_GROUPS, as surveyed: the children the build must look at
     * (directories, and those the checks may refuse), ascending */
    uint32_t *special;
    size_t nspecial, cap_special;
    bool have_special;
    /* MODE_KEPT, MODE_WHOLE */
    uint8_t *kept;              /* identifiers as recorded: length byte, bytes */
    size_t kept_len, kept_cap;
    uint32_t *at;               /* [n] child's identifier in kept */
    uint32_t *kept_order;       /* [n] indices into items, ECMA-119 order */
    /* big directories met so far, ascending */
    struct bigdir *big;
    size_t nbig, cap_big;
    /* MODE_GROUPS: continuation bytes, as surveyed */
    uint64_t ce_size;
    /* resume point */
    uint64_t r_block;           /* UINT64_MAX: none */
    size_t r_i;
    uint32_t r_sec, r_kid;
    uint64_t r_pos, r_cpos;
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

/* Whether the view holds an item of this type: symlinks and special
 * files only ISO9660 with Rock Ridge does (the others leave them out,
 * fsi_create_result says how many). */
static bool holds(const struct isotree *t, uint8_t type)
{
    return type == NODE_DIR || type == NODE_FILE || t->rock;
}

/* Subdirectories of dirs[d] (once the view is built). */
static uint32_t nsub(const struct isotree *t, uint32_t d)
{
    uint32_t end = d + 1 < t->ndirs ? t->dirs[d + 1].first_kid : t->ndirs;
    return end - t->dirs[d].first_kid;
}

static fsi_hresult nomem(struct isotree *t);

/* The values of r that only producing needs: owner, mode, links, serial
 * number, times. */
static void rr_fill(const struct isotree *t, struct rr_item *r, fsi_item it, uint32_t nlink,
                    fsi_item serial)
{
    const fsi_image *img = t->lay->img;
    struct item_posix px;
    item_posix(img, it, &px);
    r->mode = px.mode;
    r->uid = px.uid;
    r->gid = px.gid;
    r->nlink = nlink;
    r->serial = serial;
    r->mtime = item_time_ns(img, it, FSI_TIME_MODIFICATION);
    r->atime = item_time_ns(img, it, FSI_TIME_ACCESS);
}

/* The relocation of directory `it`, or NULL. */
static struct reloc *reloc_find(const struct isotree *t, fsi_item it)
{
    size_t a = 0, b = t->nreloc;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (t->reloc[mid].item == it)
            return &t->reloc[mid];
        if (t->reloc[mid].item < it)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

/* Rock Ridge link count of dirs[x]: its subdirectories as Rock Ridge
 * readers see them (those relocated from it included; rr_moved shows
 * none: readers hide the RE records). */
static uint32_t dir_nlink(const struct isotree *t, uint32_t x)
{
    if (t->moved && x == t->moved)
        return 2;
    return 2 + nsub(t, x) + t->dirs[x].nmoved;
}

/* Serial numbers (PX): an item's, offset by the view's base; rr_moved
 * has one no item has, and the root the one above all others, so that a
 * later session can number its own records above every record it keeps
 * (its base is that root's). */
static uint32_t item_serial(const struct isotree *t, fsi_item it)
{
    return t->serial_base + it;
}

static uint32_t dir_serial(const struct isotree *t, uint32_t x)
{
    if (x == 0)
        return item_serial(t, t->lay->img->nnodes + 1);
    return item_serial(t, t->moved && x == t->moved ? t->lay->img->nnodes : t->dirs[x].item);
}

enum { ROLE_PLAIN, ROLE_CL, ROLE_RE };

/* Compose the Rock Ridge entries of child `it` (g: what the records
 * note of it; kid: its dirs[] index if a directory, also for ROLE_CL)
 * into t->su: with all values when `full` (producing), else only what
 * decides their sizes. */
static fsi_hresult su_child(struct isotree *t, fsi_item it, const struct gent *g, uint32_t kid,
                            bool full, int role)
{
    const fsi_image *img = t->lay->img;
    const struct node *nd = &img->nodes[it];
    struct rr_item r = {.name = g->name, .name_len = g->name_len, .wide = g->wide,
                        .cl = role == ROLE_CL, .re = role == ROLE_RE};
    if (g->type == NODE_SYMLINK) {
        r.target = node_link_target(img, nd);
    } else if (g->type == NODE_SPECIAL) {
        uint32_t fmt = nd->mode & S_IFMT;
        r.device = fmt == S_IFCHR || fmt == S_IFBLK;
        r.rdev = node_rdev(img, nd);
    }
    if (full) { /* hard links share the leader's serial number (an inode) */
        rr_fill(t, &r, it, g->type == NODE_DIR ? dir_nlink(t, kid) : layout_nlink(t->lay, it),
                g->type == NODE_DIR ? dir_serial(t, kid)
                                    : item_serial(t, layout_leader(t->lay, it)));
        if (role == ROLE_CL)
            r.link = layout_ref(t->lay, t->dirs[kid].block);
    }
    return rr_compose(&t->su, &r) < 0 ? nomem(t) : FSI_S_OK;
}

/* The entries of dirs[d]'s "." (dotdot false) or "..". */
static fsi_hresult su_dot(struct isotree *t, uint32_t d, bool dotdot, bool full)
{
    const fsi_image *img = t->lay->img;
    uint32_t x = dotdot ? t->dirs[d].parent : d;
    fsi_item it = t->dirs[x].item;
    /* A relocated directory's ".." says, for Rock Ridge, its parent in
     * the tree (PL); the record itself points at rr_moved. */
    const struct reloc *rl = NULL;
    if (dotdot && t->moved && x == t->moved && d != x) {
        rl = reloc_find(t, t->dirs[d].item);
        it = rl->pitem;
        x = rl->pdir;           /* known once the build is done (producing) */
    }
    struct rr_item r = {.wide = rr_item_wide(img, it), .root_dot = d == 0 && !dotdot,
                        .pl = rl != NULL};
    if (full) {
        rr_fill(t, &r, it, dir_nlink(t, x), dir_serial(t, x));
        if (rl)
            r.link = layout_ref(t->lay, t->dirs[x].block);
    }
    return rr_compose(&t->su, &r) < 0 ? nomem(t) : FSI_S_OK;
}

/* A record's length with `su` bytes of System Use (even). */
static size_t rec_len(size_t fixed, size_t su)
{
    return fixed + su + (su & 1);
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

/* Give the name arrays back (after a whole big directory was named). */
static void release(struct dirents *c)
{
    free(c->in);
    free(c->iso);
    free(c->jol);
    free(c->order);
    c->in = NULL;
    c->iso = NULL;
    c->jol = NULL;
    c->order = NULL;
    c->cap = 0;
    c->chunk = SIZE_MAX;
}

/* The name child `it` of the loaded directory has in the tree (the root
 * item as a child is rr_moved). */
static const char *kid_name(const struct isotree *t, fsi_item it, uint16_t *len)
{
    const fsi_image *img = t->lay->img;
    if (it == FSI_ROOT) {
        *len = (uint16_t)strlen(t->moved_name);
        return t->moved_name;
    }
    *len = img->nodes[it].name_len;
    return node_name(img, &img->nodes[it]);
}

/* What the records need of child `it` of the loaded directory, from its
 * node (rr_moved: the root's attributes). */
static struct gent gent_of(const struct isotree *t, fsi_item it)
{
    const fsi_image *img = t->lay->img;
    const struct node *nd = &img->nodes[it];
    uint16_t len;
    const char *name = kid_name(t, it, &len);
    return (struct gent){
        .size = it == FSI_ROOT ? 0 : nd->size,
        .mtime = item_time_ns(img, it, FSI_TIME_MODIFICATION),
        .name = name, .name_len = len,
        .depth = (uint16_t)t->cache->kid_depth, .type = nd->type,
        .flags = it == FSI_ROOT ? 0 : nd->flags,
        .wide = t->rock && rr_item_wide(img, it),
    };
}

/* Name the m children from index `first` (byte order) together into the
 * arrays' first m entries; for a group (m <= GROUP, not a big directory
 * named whole) note in ge[] what the records need of them, from the
 * layout's records where it keeps them (a big directory), else from the
 * nodes.  Returns the translator's code: FSI_S_OK, IMAPI_E_NO_UNIQUE_NAME
 * (*fail: index in the group), FSI_E_OUTOFMEMORY. */
static fsi_hresult name_group(struct isotree *t, size_t first, size_t m, size_t *fail)
{
    struct dirents *c = t->cache;
    const fsi_image *img = t->lay->img;
    c->chunk = SIZE_MAX;
    if (reserve(c, m, t->joliet) < 0)
        return FSI_E_OUTOFMEMORY;
    bool snap = m <= GROUP;
    if (snap && !c->ge && !(c->ge = malloc(GROUP * sizeof *c->ge)))
        return FSI_E_OUTOFMEMORY;
    const uint8_t *rec = c->n > GROUP && !c->own ? layout_group_names(t->lay, c->dir_item, first)
                                                 : NULL;
    uint16_t depth = (uint16_t)c->kid_depth;
    struct layout_kid k = { 0 };
    for (size_t i = 0; i < m; i++) {
        if (rec) {
            rec = layout_kid_next(rec, &k);
            c->in[i] = (struct name_in){ k.name, k.len, (k.bits & LK_DIR) != 0 };
            /* The records keep the second: all that ECMA-119 dates hold
             * (the earliest second there is stays the earliest). */
            int64_t mtime = k.second < INT64_MIN / 1000000000 ? INT64_MIN : k.second * 1000000000;
            if (snap)
                c->ge[i] = (struct gent){
                    .size = k.size, .mtime = mtime, .depth = depth,
                    .name = k.name, .name_len = k.len,
                    .type = (k.bits & LK_DIR)     ? NODE_DIR
                            : (k.bits & LK_OTHER) ? img->nodes[c->items[first + i]].type
                                                  : NODE_FILE,
                    .flags = (k.bits & LK_HIDDEN) ? NF_HIDDEN : 0,
                    .wide = (k.bits & LK_WIDE) != 0,
                };
            continue;
        }
        fsi_item it = c->items[first + i];
        uint16_t len;
        const char *name = kid_name(t, it, &len);
        c->in[i] = (struct name_in){ name, len, img->nodes[it].type == NODE_DIR };
        if (snap)
            c->ge[i] = gent_of(t, it);
    }
    *fail = 0;
    return t->joliet ? joliet_names_dir_ex(c->in, m, img->joliet_long, c->jol, fail)
                     : iso_names_dir(c->in, m, t->lay->iso_level, c->iso, fail);
}

/* A translator's failure as the view's failure. */
static fsi_hresult naming_failed(struct isotree *t, fsi_hresult hr, size_t first, size_t fail,
                                 size_t m)
{
    if (hr == IMAPI_E_NO_UNIQUE_NAME && fail < m)
        return fail_path(t, IMAPI_E_NO_UNIQUE_NAME, t->cache->items[first + fail], t->fsname);
    if (hr == FSI_E_OUTOFMEMORY)
        return nomem(t);
    return fsi_failf(t->lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "naming failed", NULL,
                     "code 0x%08X", (unsigned)hr);
}

/* Name all the children together and sort them (MODE_ALL). */
static fsi_hresult name_all(struct isotree *t)
{
    struct dirents *c = t->cache;
    size_t fail;
    fsi_hresult hr = name_group(t, 0, c->n, &fail);
    if (FSI_FAILED(hr))
        return naming_failed(t, hr, 0, fail, c->n);
    for (size_t i = 0; i < c->n; i++)
        c->order[i] = (uint32_t)i;
    /* Names usually come out in the view's order already (the tree's
     * byte order): check that in n steps before sorting. */
    int (*cmp)(const void *, const void *, void *) = t->joliet ? cmp_joliet : cmp_iso;
    size_t k = 1;
    while (k < c->n && cmp(&c->order[k - 1], &c->order[k], c) <= 0)
        k++;
    if (k < c->n)
        qsort_r(c->order, c->n, sizeof *c->order, cmp, c);
    return FSI_S_OK;
}

/* The arrays' entry e as its record identifier into out (Joliet: UCS-2
 * big-endian); returns its length in bytes. */
static uint8_t group_id(const struct isotree *t, size_t e, uint8_t *out)
{
    const struct dirents *c = t->cache;
    if (!t->joliet) {
        memcpy(out, c->iso[e].id, c->iso[e].len);
        return c->iso[e].len;
    }
    joliet_name_be(&c->jol[e], out);
    return (uint8_t)(2 * c->jol[e].len);
}

/* A big directory's names, kept: the identifiers as recorded, one after
 * another (a length byte, then the bytes), and the ECMA-119 order. */
static fsi_hresult keep_add(struct isotree *t, size_t e)
{
    struct dirents *c = t->cache;
    if (c->kept_len + 1 + 2 * JOLIET_ID_MAX > c->kept_cap) {
        /* (The last directory's buffer was cut to its size: it may be
         * smaller than one identifier.) */
        size_t cap = c->kept_cap * 2 > 65536 ? c->kept_cap * 2 : 65536;
        if (cap > UINT32_MAX)
            return nomem(t);
        uint8_t *p = realloc(c->kept, cap);
        if (!p)
            return nomem(t);
        c->kept = p;
        c->kept_cap = cap;
    }
    uint8_t *rec = c->kept + c->kept_len;
    rec[0] = group_id(t, e, rec + 1);
    c->kept_len += 1 + (size_t)rec[0];
    return FSI_S_OK;
}

/* ECMA-119 order of kept identifiers: the view's own comparison, on names
 * rebuilt from the recorded bytes. */
static int cmp_kept(const void *a, const void *b, void *ctx)
{
    const struct isotree *t = ctx;
    const struct dirents *c = t->cache;
    const uint8_t *x = c->kept + c->at[*(const uint32_t *)a];
    const uint8_t *y = c->kept + c->at[*(const uint32_t *)b];
    if (!t->joliet) {
        struct iso_name p, q;
        p.len = x[0];
        q.len = y[0];
        memcpy(p.id, x + 1, p.len);
        memcpy(q.id, y + 1, q.len);
        return iso_name_cmp(&p, &q);
    }
    struct joliet_name p, q;
    p.len = x[0] / 2;
    q.len = y[0] / 2;
    for (size_t i = 0; i < p.len; i++)
        p.ch[i] = (uint16_t)(x[1 + 2 * i] << 8 | x[2 + 2 * i]);
    for (size_t i = 0; i < q.len; i++)
        q.ch[i] = (uint16_t)(y[1 + 2 * i] << 8 | y[2 + 2 * i]);
    return joliet_name_cmp(&p, &q);
}

/* Keep the names of the whole directory (MODE_KEPT): from its groups when
 * they are known to agree with naming it whole, else from naming it whole
 * (names clash: numbering depends on all of them), then sorted. */
static fsi_hresult keep_names(struct isotree *t, bool whole)
{
    struct dirents *c = t->cache;
    fsi_hresult hr = FSI_S_OK;
    c->kept_len = 0;
    free(c->at);
    c->at = malloc(c->n * sizeof *c->at);
    uint32_t *ord = malloc(c->n * sizeof *ord);
    if (!c->at || !ord) {
        free(ord);
        return nomem(t);
    }
    if (whole) {
        hr = name_all(t);
        for (size_t i = 0; i < c->n && FSI_SUCCEEDED(hr); i++) {
            c->at[i] = (uint32_t)c->kept_len;
            hr = keep_add(t, i);
        }
        if (FSI_SUCCEEDED(hr))
            memcpy(ord, c->order, c->n * sizeof *ord);
        release(c);
    } else {
        for (size_t first = 0; first < c->n && FSI_SUCCEEDED(hr); first += GROUP) {
            size_t m = c->n - first < GROUP ? c->n - first : GROUP, fail;
            hr = name_group(t, first, m, &fail);
            if (FSI_FAILED(hr)) {
                hr = naming_failed(t, hr, first, fail, m);
                break;
            }
            for (size_t j = 0; j < m && FSI_SUCCEEDED(hr); j++) {
                c->at[first + j] = (uint32_t)c->kept_len;
                hr = keep_add(t, j);
            }
        }
        for (size_t i = 0; i < c->n; i++)
            ord[i] = (uint32_t)i;
        if (FSI_SUCCEEDED(hr))
            qsort_r(ord, c->n, sizeof *ord, cmp_kept, t);
    }
    if (FSI_FAILED(hr)) {
        free(ord);
        return hr;
    }
    free(c->kept_order);
    c->kept_order = ord;
    /* Trim the slack of the doubling. */
    uint8_t *p = realloc(c->kept, c->kept_len ? c->kept_len : 1);
    if (p) {
        c->kept = p;
        c->kept_cap = c->kept_len ? c->kept_len : 1;
    }
    return FSI_S_OK;
}

static int special_add(struct dirents *c, size_t i)
{
    if (c->nspecial == c->cap_special) {
        size_t cap = c->cap_special ? c->cap_special * 2 : 64;
        uint32_t *p = realloc(c->special, cap * sizeof *p);
        if (!p)
            return -1;
        c->special = p;
        c->cap_special = cap;
    }
    c->special[c->nspecial++] = (uint32_t)i;
    return 0;
}

/* What a reader shows of an identifier (";1" and trailing dots dropped),
 * hashed: two names clash (names.h) exactly when these forms are equal. */
static uint64_t visible_hash(const struct isotree *t, size_t e)
{
    const struct dirents *c = t->cache;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t n;
    /* Only a file's ";1" holds a ';' (the translators map every other
     * one to '_'). */
    if (!t->joliet) {
        const struct iso_name *a = &c->iso[e];
        n = a->len;
        if (n >= 2 && a->id[n - 2] == ';')
            n -= 2;
        while (n > 0 && a->id[n - 1] == '.')
            n--;
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)a->id[i]) * 0x100000001b3ULL;
    } else {
        const struct joliet_name *a = &c->jol[e];
        n = a->len;
        if (n >= 2 && a->ch[n - 2] == ';')
            n -= 2;
        while (n > 0 && a->ch[n - 1] == '.')
            n--;
        for (size_t i = 0; i < n; i++)
            h = (h ^ a->ch[i]) * 0x100000001b3ULL;
    }
    return layout_mix64(h ^ n);
}

/* Bytes of records an entry takes from *pos on (its sections), and of
 * continuation areas from *cpos on. */
static fsi_hresult advance(struct isotree *t, uint64_t *pos, uint64_t *cpos, fsi_item it,
                           const struct gent *g, uint8_t idlen)
{
    if (!holds(t, g->type))
        return FSI_S_OK;
    uint64_t nsec = g->type == NODE_DIR ? 1 : file_sections(g->size);
    size_t fixed = record_len(idlen), rl = fixed;
    static const struct rr_out measure = {0};
    fsi_hresult hr;
    if (t->rock) {
        /* (never rr_moved's children: rr_moved is named whole) */
        int role = g->type == NODE_DIR && t->nreloc && reloc_find(t, it) ? ROLE_CL : ROLE_PLAIN;
        if (FSI_FAILED(hr = su_child(t, it, g, 0, false, role)))
            return hr;
        rl = rec_len(fixed, rr_in_record(&t->su, fixed));
    }
    for (uint64_t s = 0; s < nsec; s++) {
        if (*pos % FSI_BLOCK + rl > FSI_BLOCK)
            *pos = (*pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
        *pos += rl;
        if (t->rock)
            rr_place(&t->su, fixed, NULL, cpos, &measure);
    }
    return FSI_S_OK;
}

/* Bytes the "." and ".." records of dirs[d] take, and their areas. */
static fsi_hresult dots_len(struct isotree *t, uint32_t d, uint64_t *pos, uint64_t *cpos)
{
    static const struct rr_out measure = {0};
    *pos = 68;
    *cpos = 0;
    if (!t->rock)
        return FSI_S_OK;
    *pos = 0;
    for (int k = 0; k < 2; k++) {
        fsi_hresult hr = su_dot(t, d, k, false);
        if (FSI_FAILED(hr))
            return hr;
        *pos += rec_len(34, rr_place(&t->su, 34, NULL, cpos, &measure));
    }
    return FSI_S_OK;
}

/* A big directory seen for the first time: name it group by group, as
 * MODE_GROUPS would.  That is exactly what naming it whole gives when no
 * two of the names clash (checked on hashes of the visible forms): every
 * name keeps its translation, and the numbered names a group gives (its
 * own clashes) are numbered the same as the whole directory would, or
 * else clash with a name outside the group.  If, besides, the names come
 * out in ECMA-119 order, nothing needs keeping.  Sets c->mode, and
 * c->size (the extent bytes) for MODE_GROUPS. */
static fsi_hresult survey(struct isotree *t, uint32_t d)
{
    struct dirents *c = t->cache;
    uint64_t pos, cpos;
    fsi_hresult hr = dots_len(t, d, &pos, &cpos);
    if (FSI_FAILED(hr))
        return hr;
    uint64_t *h = malloc(c->n * sizeof *h);
    if (!h)
        return nomem(t);
    bool clash = false, ordered = true;
    struct iso_name last_iso;
    struct joliet_name last_jol;
    bool refused = false;       /* a child the checks refuse was met */
    c->nspecial = 0;
    for (size_t first = 0; first < c->n && !clash; first += GROUP) {
        size_t m = c->n - first < GROUP ? c->n - first : GROUP, fail;
        hr = name_group(t, first, m, &fail);
        if (hr == IMAPI_E_NO_UNIQUE_NAME) {
            clash = true;           /* naming it whole decides */
            hr = FSI_S_OK;
            break;
        }
        if (FSI_FAILED(hr)) {
            free(h);
            return naming_failed(t, hr, first, fail, m);
        }
        for (size_t j = 0; j < m; j++) {
            h[first + j] = visible_hash(t, j);
            if (ordered && first + j > 0)
                ordered = t->joliet
                              ? joliet_name_cmp(j ? &c->jol[j - 1] : &last_jol, &c->jol[j]) <= 0
                              : iso_name_cmp(j ? &c->iso[j - 1] : &last_iso, &c->iso[j]) <= 0;
            if (!ordered)
                continue;
            const struct gent *g = &c->ge[j];
            hr = advance(t, &pos, &cpos, c->items[first + j], g,
                         t->joliet ? (uint8_t)(2 * c->jol[j].len) : c->iso[j].len);
            if (FSI_FAILED(hr)) {
                free(h);
                return hr;
            }
            /* What isotree_build must look at: directories, and children
             * the checks may refuse (up to the first that is surely
             * refused: the build stops there). */
            uint64_t nsec = g->type == NODE_DIR ? 1 : file_sections(g->size);
            bool deep = !t->deep_ok && g->depth > FSI_ISO_MAX_DEPTH;
            bool big = !t->joliet && nsec > 1;
            if (!refused && (g->type == NODE_DIR || deep || big)) {
                if (special_add(c, first + j) < 0) {
                    free(h);
                    return nomem(t);
                }
                refused = deep || (big && (t->lay->iso_level < 3 || nsec > ISO_MAX_SECTIONS));
            }
        }
        if (t->joliet)
            last_jol = c->jol[m - 1];
        else
            last_iso = c->iso[m - 1];
    }
    if (!clash)
        clash = !layout_hashes_distinct(h, c->n);
    free(h);
    if (!clash && ordered) {
        c->mode = MODE_GROUPS;
        c->size = (pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
        c->ce_size = (cpos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
        c->have_special = true;
        return FSI_S_OK;
    }
    c->mode = clash ? MODE_WHOLE : MODE_KEPT;
    return keep_names(t, clash);
}

/* How a big directory was named when it was first loaded. */
static int big_mode(const struct dirents *c, uint32_t d)
{
    size_t a = 0, b = c->nbig;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (c->big[mid].dir == d)
            return c->big[mid].mode;
        if (c->big[mid].dir < d)
            a = mid + 1;
        else
            b = mid;
    }
    return -1;
}

static int big_note(struct dirents *c, uint32_t d, int mode)
{
    if (c->nbig == c->cap_big) {
        size_t cap = c->cap_big ? c->cap_big * 2 : 16;
        struct bigdir *p = realloc(c->big, cap * sizeof *p);
        if (!p)
            return -1;
        c->big = p;
        c->cap_big = cap;
    }
    /* Directories are first loaded in ascending order (breadth first). */
    c->big[c->nbig++] = (struct bigdir){ .dir = d, .mode = (uint8_t)mode };
    return 0;
}

/* Make dirs[d]'s children the cached entries. */
static fsi_hresult load_dir(struct isotree *t, uint32_t d)
{
    struct dirents *c = t->cache;
    if (c->dir == d)
        return FSI_S_OK;
    c->dir = UINT32_MAX;
    c->r_block = UINT64_MAX;
    c->size = UINT64_MAX;
    c->chunk = SIZE_MAX;
    c->have_special = false;
    c->dir_item = t->dirs[d].item;
    c->items = layout_children(t->lay, c->dir_item, &c->n);
    c->kid_depth = t->dirs[d].level + 1;
    free(c->own);
    c->own = NULL;
    fsi_hresult hr;
    if (t->nreloc && (d == 0 || d == t->moved)) {
        /* The root with rr_moved (the root item stands for it), or
         * rr_moved with the relocated directories: named whole. */
        size_t n = d ? t->nreloc : c->n + 1;
        if (!(c->own = malloc(n * sizeof *c->own)))
            return nomem(t);
        if (d) {
            for (size_t i = 0; i < n; i++)
                c->own[i] = t->reloc[i].item;
        } else {
            memcpy(c->own, c->items, c->n * sizeof *c->own);
            c->own[c->n] = FSI_ROOT;
        }
        c->items = c->own;
        c->n = n;
        c->mode = MODE_WHOLE;
        hr = keep_names(t, true);
        if (c->cap > GROUP)
            release(c);
    } else if (c->n <= GROUP) {
        c->mode = MODE_ALL;
        hr = name_all(t);
    } else {
        int mode = big_mode(c, d);
        if (mode < 0) {
            if (FSI_SUCCEEDED(hr = survey(t, d)) && big_note(c, d, c->mode) < 0)
                hr = nomem(t);
        } else {
            c->mode = mode;
            hr = mode == MODE_GROUPS ? FSI_S_OK : keep_names(t, mode == MODE_WHOLE);
        }
        /* A whole big directory named at once leaves big arrays behind. */
        if (c->cap > GROUP)
            release(c);
    }
    if (FSI_FAILED(hr))
        return hr;
    c->dir = d;
    return FSI_S_OK;
}

/* A child as its records need it. */
struct ent {
    fsi_item it;
    struct gent g;
    const uint8_t *id;          /* as recorded (NULL unless asked for) */
    uint8_t len;                /* its bytes */
};

static void ent_from(struct ent *e, fsi_item it, const struct gent *g)
{
    e->it = it;
    e->g = *g;
}

/* Entry i of the loaded directory in ECMA-119 order; its identifier too
 * if want_id (tmp holds 256 bytes). */
static fsi_hresult entry(struct isotree *t, size_t i, bool want_id, uint8_t *tmp, struct ent *e)
{
    struct dirents *c = t->cache;
    size_t x;
    e->id = NULL;
    switch (c->mode) {
    case MODE_ALL:
        x = c->order[i];
        ent_from(e, c->items[x], &c->ge[x]);
        break;
    case MODE_GROUPS: {
        size_t g = i / GROUP, fail;
        x = i % GROUP;
        if (g != c->chunk) {
            size_t first = g * GROUP, m = c->n - first < GROUP ? c->n - first : GROUP;
            fsi_hresult hr = name_group(t, first, m, &fail);
            if (FSI_FAILED(hr))
                return naming_failed(t, hr, first, fail, m);
            c->chunk = g;
        }
        ent_from(e, c->items[i], &c->ge[x]);
        break;
    }
    default: {
        x = c->kept_order[i];
        fsi_item it = c->items[x];
        struct gent g = gent_of(t, it);
        ent_from(e, it, &g);
        const uint8_t *rec = c->kept + c->at[x];
        e->len = rec[0];
        if (want_id)
            e->id = rec + 1;
        return FSI_S_OK;
    }
    }
    if (!t->joliet) {
        e->len = c->iso[x].len;
        if (want_id)
            e->id = (const uint8_t *)c->iso[x].id;
    } else {
        e->len = (uint8_t)(2 * c->jol[x].len);
        if (want_id) {
            joliet_name_be(&c->jol[x], tmp);
            e->id = tmp;
        }
    }
    return FSI_S_OK;
}

/* Entry i's item alone (no names needed). */
static fsi_item entry_item(const struct isotree *t, size_t i)
{
    const struct dirents *c = t->cache;
    switch (c->mode) {
    case MODE_ALL:
        return c->items[c->order[i]];
    case MODE_GROUPS:
        return c->items[i];
    default:
        return c->items[c->kept_order[i]];
    }
}

/* ---------------------------------------------------------------- */
/* Records of one directory                                          */
/* ---------------------------------------------------------------- */

/* Lay out the records of dirs[d] (loaded): with buf NULL only measure
 * (*size gets the extent bytes, *ce_size those of the continuation
 * blocks); else write the blocks [from, from + n) of its extent and
 * continuation blocks into buf.  Records never straddle a block, nor
 * does a continuation area. */
static fsi_hresult dir_records(struct isotree *t, uint32_t d, uint64_t from, uint8_t *buf,
                               uint32_t n, uint64_t *size, uint64_t *ce_size)
{
    struct dirents *c = t->cache;
    const struct layout *lay = t->lay;
    const fsi_image *img = lay->img;
    const struct isodir *dir = &t->dirs[d];
    uint64_t lo = from * FSI_BLOCK, hi = (from + n) * FSI_BLOCK;
    uint64_t ext = dir->size;   /* producing: where the continuation blocks start */
    size_t i = 0;
    uint32_t sec = 0, kid = dir->first_kid;
    uint64_t pos = 0, cpos = 0;
    uint8_t tmp[256];
    struct rr_out o = {
        .buf = buf, .lo = lo, .hi = hi, .ce_at = ext,
        .ce_block = layout_ref(lay, dir->block + dir->size / FSI_BLOCK),
    };
    fsi_hresult hr;

    if (buf)
        memset(buf, 0, (size_t)n * FSI_BLOCK);
    if (buf && c->r_block == from && from > 0) {
        i = c->r_i;
        sec = c->r_sec;
        kid = c->r_kid;
        pos = c->r_pos;
        cpos = c->r_cpos;
    } else {
        /* "." and ".." (at the start of the first block) */
        for (int k = 0; k < 2; k++) {
            const struct isodir *x = k ? &t->dirs[dir->parent] : dir;
            const uint8_t id = (uint8_t)k;
            uint8_t *p = buf && lo == 0 ? buf + pos : NULL;
            size_t su = 0;
            if (t->rock) {
                if (FSI_FAILED(hr = su_dot(t, d, k, buf != NULL)))
                    return hr;
                su = rr_place(&t->su, 34, p ? p + 34 : NULL, &cpos, &o);
            }
            if (p) {
                iso_put_record(p, layout_ref(lay, x->block), x->size,
                               item_time_ns(img, x->item, FSI_TIME_MODIFICATION),
                               ISO_FLAG_DIR, &id, 1);
                p[0] = (uint8_t)rec_len(34, su);
            }
            pos += rec_len(34, su);
        }
    }
    for (; i < c->n; i++, sec = 0) {
        struct ent e;
        if (FSI_FAILED(hr = entry(t, i, buf != NULL, tmp, &e)))
            return hr;
        if (i + LAYOUT_AHEAD < c->n && buf && t->rock)
            layout_prefetch_node(img, entry_item(t, i + LAYOUT_AHEAD));
        if (!holds(t, e.g.type))
            continue;
        fsi_item it = e.it;
        const uint8_t *id = e.id;
        uint8_t idlen = e.len;
        bool is_dir = e.g.type == NODE_DIR;
        /* A relocated directory: here a zero-length file with CL; in
         * rr_moved its record with RE. */
        int role = ROLE_PLAIN;
        uint32_t kdir = kid;
        const struct reloc *rel;
        if (is_dir && t->nreloc) {
            if (t->moved && d == t->moved)
                role = ROLE_RE;
            else if (dir->nmoved && (rel = reloc_find(t, it))) {
                role = ROLE_CL;
                kdir = rel->dir;
                is_dir = false;
            }
        }
        uint64_t nsec = is_dir || role == ROLE_CL ? 1 : file_sections(e.g.size);
        size_t fixed = record_len(idlen), rl = fixed;
        uint8_t hidden = (e.g.flags & NF_HIDDEN) ? ISO_FLAG_HIDDEN : 0;
        if (t->rock) {
            if (FSI_FAILED(hr = su_child(t, it, &e.g, kdir, buf != NULL, role)))
                return hr;
            rl = rec_len(fixed, rr_in_record(&t->su, fixed));
        }
        for (; sec < nsec; sec++) {
            if (pos % FSI_BLOCK + rl > FSI_BLOCK)
                pos = (pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
            /* Nothing left for [lo, hi): no record (they lie below ext)
             * and no continuation area (they lie past ext + cpos). */
            if (buf && (pos >= hi || lo >= ext) && ext + cpos >= hi) {
                c->r_block = from + n;
                c->r_i = i;
                c->r_sec = sec;
                c->r_kid = kid;
                c->r_pos = pos;
                c->r_cpos = cpos;
                return FSI_S_OK;
            }
            uint8_t *p = buf && pos >= lo && pos < hi ? buf + (pos - lo) : NULL;
            if (t->rock)
                rr_place(&t->su, fixed, p ? p + fixed : NULL, &cpos, &o);
            if (p) {
                if (is_dir) {
                    const struct isodir *sub = &t->dirs[kid];
                    iso_put_record(p, layout_ref(lay, sub->block), sub->size, e.g.mtime,
                                   ISO_FLAG_DIR | hidden, id, idlen);
                } else if (role == ROLE_CL) {
                    iso_put_record(p, 0, 0, e.g.mtime, hidden, id, idlen);
                } else {
                    uint64_t off = (uint64_t)sec * ISO_SECTION_MAX;
                    uint64_t len = e.g.size - off;
                    uint32_t blk = 0;
                    if (e.g.size > 0)
                        blk = layout_ref(lay, lay->file_block[it] + off / FSI_BLOCK);
                    if (sec + 1 < nsec)
                        len = ISO_SECTION_MAX;
                    iso_put_record(p, blk, (uint32_t)len, e.g.mtime,
                                   (uint8_t)(hidden | (sec + 1 < nsec ? ISO_FLAG_MULTI : 0)),
                                   id, idlen);
                }
                p[0] = (uint8_t)rl;
            }
            pos += rl;
        }
        if (is_dir)
            kid++;
    }
    if (size)
        *size = (pos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
    if (ce_size)
        *ce_size = (cpos + FSI_BLOCK - 1) & ~(uint64_t)(FSI_BLOCK - 1);
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
    t->dirs[t->ndirs] = (struct isodir){
        .item = item, .parent = parent, .name_off = (uint32_t)t->pool_len, .name_len = len,
        .level = t->ndirs ? t->dirs[parent].level + 1 : 0,
    };
    t->ndirs++;
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

static int cmp_reloc(const void *a, const void *b)
{
    fsi_item x = ((const struct reloc *)a)->item, y = ((const struct reloc *)b)->item;
    return (x > y) - (x < y);
}

/* Whether the root has a child named `name`. */
static bool root_has(const struct isotree *t, const char *name)
{
    const fsi_image *img = t->lay->img;
    size_t n, len = strlen(name);
    const fsi_item *k = layout_children(t->lay, FSI_ROOT, &n);
    for (size_t i = 0; i < n; i++) {
        const struct node *nd = &img->nodes[k[i]];
        if (nd->name_len == len && memcmp(node_name(img, nd), name, len) == 0)
            return true;
    }
    return false;
}

/* Which directories the ISO9660 view relocates: walking the tree's
 * directories with their level in the view, one that would lie at level
 * FSI_ISO_MAX_DEPTH or deeper and has children (they could not) moves to
 * rr_moved (level 1), so it lies at level 2 and its subtree goes on from
 * there. */
static fsi_hresult find_relocations(struct isotree *t)
{
    const fsi_image *img = t->lay->img;
    struct frame {
        fsi_item it;
        uint32_t level;
    } *st = malloc(64 * sizeof *st);
    size_t n = 0, cap = 64, cap_r = 0;
    if (!st)
        return nomem(t);
    st[n++] = (struct frame){FSI_ROOT, 0};
    while (n > 0) {
        struct frame f = st[--n];
        size_t nk;
        const fsi_item *k = layout_children(t->lay, f.it, &nk);
        for (size_t i = 0; i < nk; i++) {
            fsi_item y = k[i];
            size_t ny;
            if (img->nodes[y].type != NODE_DIR)
                continue;
            layout_children(t->lay, y, &ny);
            if (ny == 0)
                continue;       /* nothing below it to place */
            uint32_t level = f.level + 1;
            if (level >= FSI_ISO_MAX_DEPTH) {
                if (t->nreloc == cap_r) {
                    cap_r = cap_r ? cap_r * 2 : 16;
                    struct reloc *p = realloc(t->reloc, cap_r * sizeof *p);
                    if (!p) {
                        free(st);
                        return nomem(t);
                    }
                    t->reloc = p;
                }
                t->reloc[t->nreloc++] = (struct reloc){.item = y, .pitem = f.it};
                level = 2;
            }
            if (n == cap) {
                struct frame *p = realloc(st, 2 * cap * sizeof *p);
                if (!p) {
                    free(st);
                    return nomem(t);
                }
                st = p;
                cap *= 2;
            }
            st[n++] = (struct frame){y, level};
        }
    }
    free(st);
    if (t->nreloc == 0)
        return FSI_S_OK;
    qsort(t->reloc, t->nreloc, sizeof *t->reloc, cmp_reloc);
    /* Readers know the relocation directory by its name: libarchive takes
     * the first "rr_moved" (or ".rr_moved") of the root for it, and
     * refuses RE records anywhere else. */
    t->moved_name = "rr_moved";
    if (root_has(t, t->moved_name))
        return fsi_failf(t->lay->img, IMAPI_E_DUP_NAME, 0, "/rr_moved", NULL,
                         "relocating deep directories (--relocate-deep) needs that name "
                         "in the root for the relocation directory");
    return FSI_S_OK;
}

/* Where the previous session has dirs[k] (a child of dirs[d]), and
 * whether it keeps it there: unchanged with everything below it, its old
 * path table record not listed yet. */
static void find_old(struct isotree *t, uint32_t d, uint32_t k)
{
    const fsi_image *img = t->lay->img;
    uint32_t ploc = t->dirs[d].old_loc, plen = t->dirs[d].old_len, loc, len;
    const struct node *nd = &img->nodes[t->dirs[k].item];
    if (!plen || !old_tree_subdir(t->old, ploc, plen, node_name(img, nd), nd->name_len, &loc,
                                  &len))
        return;
    struct isodir *x = &t->dirs[k];
    x->old_loc = loc;
    x->old_len = len;
    if (!session_kept(t->lay, x->item) || len == 0 || len % FSI_BLOCK)
        return;
    uint32_t r = old_tree_record(t->old, loc);
    if (!r || t->taken[r])
        return;
    t->taken[r] = 1;
    x->kept = 1;
    x->old_rec = r;
    x->block = loc;
    x->size = len;
    t->nkept++;
}

/* The subdirectories of kept dirs[d], for the path table: as the old
 * path table lists them (a record listed already is left out: an image
 * whose directories share extents). */
static fsi_hresult add_old_kids(struct isotree *t, uint32_t d)
{
    uint32_t first, end;
    old_tree_children(t->old, t->dirs[d].old_rec, &first, &end);
    t->dirs[d].first_kid = t->ndirs;
    for (uint32_t r = first; r < end; r++) {
        if (t->taken[r])
            continue;
        uint8_t len;
        const uint8_t *id = old_tree_id(t->old, r, &len);
        fsi_hresult hr = add_dir(t, 0, d, id, len);
        if (FSI_FAILED(hr))
            return hr;
        t->taken[r] = 1;
        struct isodir *x = &t->dirs[t->ndirs - 1];
        x->kept = 1;
        x->old_rec = r;
        x->block = old_tree_extent(t->old, r);
        t->nkept++;
    }
    return FSI_S_OK;
}

/* A session keeps what it can of the previous one's view: with Rock
 * Ridge names (ISO9660) or Joliet's, and no relocated directories. */
static void open_old(struct isotree *t)
{
    const fsi_image *img = t->lay->img;
    if (!t->lay->changed || (!t->joliet && !t->rock) || img->ndeep)
        return;
    t->old = old_tree_open(img->ms_disc, t->joliet);
    if (t->old && !(t->taken = calloc((size_t)old_tree_count(t->old) + 1, 1))) {
        old_tree_close(t->old);
        t->old = NULL;
    }
    if (!t->old)
        return;
    old_tree_root(t->old, &t->dirs[0].old_loc, &t->dirs[0].old_len);
    /* New serial numbers above the old root's, which is above every
     * serial of the old session (ours; another writer's root may not be,
     * and its records may then share a serial with new ones).  Past
     * 2^32: nothing is kept, every record is new. */
    uint64_t base = t->joliet ? 0 : old_tree_root_serial(t->old);
    if (base + img->nnodes + 2 > UINT32_MAX) {
        old_tree_close(t->old);
        t->old = NULL;
        return;
    }
    t->serial_base = (uint32_t)base;
}

/* With kept directories, those written in extent order (path table
 * order). */
static fsi_hresult list_placed(struct isotree *t)
{
    t->nplaced = t->ndirs;
    if (!t->nkept)
        return FSI_S_OK;
    if (!(t->byblock = malloc((size_t)t->ndirs * sizeof *t->byblock)))
        return nomem(t);
    t->nplaced = 0;
    for (uint32_t d = 0; d < t->ndirs; d++)
        if (!t->dirs[d].kept)
            t->byblock[t->nplaced++] = d;
    return FSI_S_OK;
}

fsi_hresult isotree_build(struct isotree *t, struct layout *lay, bool joliet)
{
    memset(t, 0, sizeof *t);
    t->lay = lay;
    t->joliet = joliet;
    t->fsname = joliet ? "Joliet" : "ISO9660";
    t->rock = !joliet && !lay->img->no_rock;
    t->cache = calloc(1, sizeof *t->cache);
    if (!t->cache)
        return nomem(t);
    t->cache->dir = UINT32_MAX;
    t->cache->chunk = SIZE_MAX;
    const fsi_image *img = lay->img;
    const uint8_t root_id = 0;
    fsi_hresult hr = add_dir(t, FSI_ROOT, 0, &root_id, 1);
    uint8_t tmp[256];
    bool relocating = img->relocate_deep && !img->no_rock && img->ndeep > 0;
    t->deep_ok = joliet && relocating;
    if (FSI_SUCCEEDED(hr) && relocating && !joliet)
        hr = find_relocations(t);
    if (FSI_SUCCEEDED(hr))
        open_old(t);

    /* Breadth first, subdirectories in view order: that is the path table
     * order (level, parent number, identifier) and the extents' order. */
    for (uint32_t d = 0; d < t->ndirs && FSI_SUCCEEDED(hr); d++) {
        if (t->dirs[d].kept) {
            hr = add_old_kids(t, d);
            continue;
        }
        if (FSI_FAILED(hr = load_dir(t, d)))
            break;
        const struct dirents *c = t->cache;
        t->dirs[d].first_kid = t->ndirs;
        /* A big directory's survey listed the children to look at. */
        size_t nvisit = c->have_special ? c->nspecial : c->n;
        for (size_t v = 0; v < nvisit && FSI_SUCCEEDED(hr); v++) {
            size_t i = c->have_special ? c->special[v] : v;
            fsi_item it = entry_item(t, i);
            const struct node *nd = &img->nodes[it];
            struct reloc *rel = NULL;
            if (!t->deep_ok && t->dirs[d].level + 1 > FSI_ISO_MAX_DEPTH)
                hr = fail_path(t, IMAPI_E_ISO9660_LEVELS, it, NULL);
            else if (nd->type == NODE_DIR && t->nreloc && !(t->moved && d == t->moved) &&
                     (rel = reloc_find(t, it))) {
                rel->pdir = d;          /* listed under rr_moved instead */
                t->dirs[d].nmoved++;
            } else if (nd->type == NODE_DIR) {
                struct ent e;
                if (FSI_SUCCEEDED(hr = entry(t, i, true, tmp, &e)))
                    hr = add_dir(t, it, d, e.id, e.len);
                if (FSI_SUCCEEDED(hr) && t->old)
                    find_old(t, d, t->ndirs - 1);
                if (FSI_SUCCEEDED(hr) && it == FSI_ROOT)
                    t->moved = t->ndirs - 1;
                else if (FSI_SUCCEEDED(hr) && t->moved && d == t->moved)
                    reloc_find(t, it)->dir = t->ndirs - 1;
            } else
                hr = check_file(t, it, nd);
        }
        uint64_t size = c->size, ce = c->ce_size;
        if (FSI_SUCCEEDED(hr) && size == UINT64_MAX)
            hr = dir_records(t, d, 0, NULL, 0, &size, &ce);
        if (FSI_SUCCEEDED(hr) && (size > 0xFFFFF800u || ce > 0xFFFFF800u - size))
            hr = fail_path(t, IMAPI_E_DATA_TOO_BIG, t->dirs[d].item, t->fsname);
        if (FSI_SUCCEEDED(hr)) {
            t->dirs[d].size = (uint32_t)size;
            t->dirs[d].ce_size = (uint32_t)ce;
            t->dir_blocks += (size + ce) / FSI_BLOCK;
        }
    }
    /* Path table records: 8 bytes + identifier, padded to even. */
    uint64_t pt = 0;
    for (uint32_t d = 0; d < t->ndirs && FSI_SUCCEEDED(hr); d++) {
        t->dirs[d].pt_off = (uint32_t)pt;
        pt += 8u + t->dirs[d].name_len + (t->dirs[d].name_len & 1);
    }
    t->pt_size = (uint32_t)pt;
    if (FSI_SUCCEEDED(hr))
        hr = list_placed(t);
    return hr;
}

/* With rr_moved the extents go root first, then rr_moved's subtree,
 * then the rest (each part in path table order), as genisoimage places
 * them: libarchive reads directories in block order and links a relocated
 * directory nested in a relocated one only while the outer one is not yet
 * linked to its CL, which lies outside rr_moved.  Returns -1 when out of
 * memory. */
static int order_extents(struct isotree *t)
{
    uint32_t *o = malloc(t->ndirs * sizeof *o);
    uint8_t *in = calloc(t->ndirs, 1);
    if (!o || !in) {
        free(o);
        free(in);
        return -1;
    }
    size_t k = 0;
    o[k++] = 0;
    for (uint32_t d = 1; d < t->ndirs; d++) {
        /* parents come before their children in dirs[] */
        in[d] = d == t->moved || in[t->dirs[d].parent];
        if (in[d])
            o[k++] = d;
    }
    for (uint32_t d = 1; d < t->ndirs; d++)
        if (!in[d])
            o[k++] = d;
    free(in);
    t->byblock = o;
    t->nplaced = t->ndirs;
    return 0;
}

void isotree_place(struct isotree *t, uint64_t first)
{
    uint64_t b = first;
    /* (out of memory: path table order, as valid an image) */
    if (t->moved && !t->byblock)
        (void)order_extents(t);
    uint32_t n = t->byblock ? t->nplaced : t->ndirs;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t d = t->byblock ? t->byblock[i] : i;
        t->dirs[d].block = (uint32_t)b;
        b += ((uint64_t)t->dirs[d].size + t->dirs[d].ce_size) / FSI_BLOCK;
    }
}

fsi_hresult isotree_produce(struct isotree *t, uint64_t block, uint8_t *buf, uint32_t n)
{
    uint64_t abs = t->dirs[0].block + block;
    while (n > 0) {
        /* The directory whose extent holds block `abs`. */
        uint32_t lo = 0, hi = t->byblock ? t->nplaced : t->ndirs;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (t->dirs[t->byblock ? t->byblock[mid] : mid].block <= abs)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint32_t d = t->byblock ? t->byblock[lo - 1] : lo - 1;
        uint64_t off = abs - t->dirs[d].block;
        uint64_t left = ((uint64_t)t->dirs[d].size + t->dirs[d].ce_size) / FSI_BLOCK - off;
        uint32_t k = left < n ? (uint32_t)left : n;
        fsi_hresult hr = load_dir(t, d);
        if (FSI_FAILED(hr))
            return hr;
        if (FSI_FAILED(hr = dir_records(t, d, off, buf, k, NULL, NULL)))
            return hr;
        buf += (size_t)k * FSI_BLOCK;
        abs += k;
        n -= k;
    }
    return FSI_S_OK;
}

void isotree_free(struct isotree *t)
{
    old_tree_close(t->old);
    free(t->taken);
    free(t->reloc);
    free(t->byblock);
    if (t->cache) {
        release(t->cache);
        free(t->cache->own);
        free(t->cache->ge);
        free(t->cache->special);
        free(t->cache->kept);
        free(t->cache->at);
        free(t->cache->kept_order);
        free(t->cache->big);
        free(t->cache);
    }
    free(t->dirs);
    free(t->pool);
    rr_su_free(&t->su);
    memset(t, 0, sizeof *t);
}
