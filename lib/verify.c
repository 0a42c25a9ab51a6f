/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verify.c - the deep check of an image (fsi_disc_verify, mkimage verify).
 *
 * The readers already check every structure they read and report what
 * they tolerate (rd_warn) and what breaks them (rd_corrupt) to the disc's
 * finding sink; verify installs that sink, walks every view, and then
 * checks what no single reader can see: extents inside the image, files
 * of one view sharing blocks, file data over the descriptors, the views
 * listing the same data, the ISO9660 path tables against the directories,
 * the UDF integrity counts and the reserve descriptor sequence.
 *
 * Memory is what the walks collect: one record, the path and the extents
 * per entry (bounded by the image's directories).  Every check sorts; none
 * is quadratic.  Findings of one kind stop being printed after LIMIT (one
 * line then says how many more there were); identical findings (a reader
 * opened twice reports its descriptors twice) are printed once.
 */
#include "config.h"
#include "internal.h"
#include "reader.h"
#include "read_udf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 50u                 /* findings printed per kind of check */

/* ------------------------------------------------------------------ */
/* Findings                                                            */
/* ------------------------------------------------------------------ */

struct vctx {
    fsi_disc *d;
    fsi_verify_fn fn;
    void *ctx;
    uint64_t errors, warnings;
    uint64_t *seen;               /* hashes of findings already reported */
    size_t seen_cap, seen_used;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* false if this finding was reported already (or memory ran out). */
static bool first_time(struct vctx *v, int sev, const char *fs, uint64_t block, const char *msg)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, &sev, sizeof sev);
    h = fnv(h, fs, strlen(fs) + 1);
    h = fnv(h, &block, sizeof block);
    h = fnv(h, msg, strlen(msg));
    h |= 1;                       /* 0 marks an empty slot */
    if (v->seen_used * 2 >= v->seen_cap) {
        size_t cap = v->seen_cap ? v->seen_cap * 2 : 256;
        uint64_t *n = calloc(cap, sizeof *n);
        if (!n)
            return true;
        for (size_t i = 0; i < v->seen_cap; i++) {
            if (!v->seen[i])
                continue;
            size_t j = (size_t)(v->seen[i] >> 7) & (cap - 1);
            while (n[j])
                j = (j + 1) & (cap - 1);
            n[j] = v->seen[i];
        }
        free(v->seen);
        v->seen = n;
        v->seen_cap = cap;
    }
    size_t j = (size_t)(h >> 7) & (v->seen_cap - 1);
    while (v->seen[j]) {
        if (v->seen[j] == h)
            return false;
        j = (j + 1) & (v->seen_cap - 1);
    }
    v->seen[j] = h;
    v->seen_used++;
    return true;
}

static void report_msg(struct vctx *v, int sev, const char *fs, uint64_t block, const char *msg)
{
    if (!first_time(v, sev, fs, block, msg))
        return;
    if (sev == FSI_FINDING_ERROR)
        v->errors++;
    else
        v->warnings++;
    if (v->fn)
        v->fn(v->ctx, sev, fs, block, msg);
}

static void report(struct vctx *v, int sev, const char *fs, uint64_t block, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(struct vctx *v, int sev, const char *fs, uint64_t block, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    report_msg(v, sev, fs, block, msg);
}

/* A kind of finding, counted so a broken image gives LIMIT lines of it. */
struct kind {
    struct vctx *v;
    int sev;
    const char *fs;
    uint64_t n;
};

static bool kind_more(struct kind *k)
{
    return ++k->n <= LIMIT;
}

static void kind_end(struct kind *k, const char *what)
{
    if (k->n > LIMIT)
        report(k->v, k->sev, k->fs, 0, "%" PRIu64 " more %s", k->n - LIMIT, what);
}

/* The readers' sink: "File Entry at block 301: x" becomes "File Entry: x"
 * (the block is printed beside it). */
static void sink(void *ctx, int severity, const char *fsname, uint64_t block, const char *msg)
{
    struct vctx *v = ctx;
    char tail[48], buf[1024];
    snprintf(tail, sizeof tail, " at block %" PRIu64 ": ", block);
    const char *at = strstr(msg, tail);
    if (at && (size_t)(at - msg) < sizeof buf / 2) {
        snprintf(buf, sizeof buf, "%.*s: %s", (int)(at - msg), msg, at + strlen(tail));
        msg = buf;
    }
    report_msg(v, severity == RD_ERROR ? FSI_FINDING_ERROR : FSI_FINDING_WARNING,
               fsname ? fsname : "image", block, msg);
}

/* ------------------------------------------------------------------ */
/* What a walk collects                                                */
/* ------------------------------------------------------------------ */

#define NO_DATA UINT64_MAX

struct vfile {
    uint64_t size;
    uint64_t first;               /* byte offset of the first byte, NO_DATA */
    uint64_t block;               /* first_block of the entry */
    size_t path;                  /* offset in the view's names */
    size_t path_len, name_len;
    size_t ext0, next;            /* its extents in the view's ext */
    uint8_t type;
};

struct vext {
    uint64_t off, len;
    size_t file;
};

struct view {
    const char *name;             /* "ISO9660", "Rock Ridge", "Joliet", "UDF" */
    const struct rd_reader *r;
    unsigned fs;
    unsigned flags;               /* RD_NO_ROCK_RIDGE */
    bool present, walked;         /* opened; walked to the end */
    fsi_volume_info vol;
    struct rd_dirref root;
    struct vfile *f;
    size_t nf, capf;
    struct vext *x;
    size_t nx, capx;
    char *names;
    size_t nnames, capnames;
    uint64_t ndirs, nfiles;       /* entries below the root */
    uint64_t nempty;              /* regular files without data */
    bool udf_counts;
    uint32_t lvid_files, lvid_dirs;
    uint64_t lvid_next_uid;
    uint64_t max_uid;            /* largest Unique ID of the File Entries walked */
};

struct collect {
    struct vctx *v;
    struct view *w;
};

static fsi_hresult add_ext(struct view *w, uint64_t off, uint64_t len)
{
    if (rd_grow((void **)&w->x, &w->capx, w->nx + 1, sizeof *w->x))
        return FSI_E_OUTOFMEMORY;
    w->x[w->nx++] = (struct vext){ off, len, w->nf };
    return FSI_S_OK;
}

static fsi_hresult on_entry(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct collect *c = ctx;
    struct view *w = c->w;
    (void)sub;
    if (rd_grow((void **)&w->f, &w->capf, w->nf + 1, sizeof *w->f) ||
        rd_grow((void **)&w->names, &w->capnames, w->nnames + e->path_len + 1, 1))
        return rd_fail(c->v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "verify");
    struct vfile *f = &w->f[w->nf];
    memset(f, 0, sizeof *f);
    f->size = e->size;
    f->type = (uint8_t)e->type;
    f->block = e->first_block;
    f->first = NO_DATA;
    f->path = w->nnames;
    f->path_len = e->path_len;
    f->name_len = e->name_len <= e->path_len ? e->name_len : 0;
    memcpy(w->names + w->nnames, e->path, e->path_len);
    w->names[w->nnames + e->path_len] = '\0';
    w->nnames += e->path_len + 1;
    f->ext0 = w->nx;
    if (e->type == FSI_ENTRY_DIRECTORY) {
        w->ndirs++;
        /* ISO9660 and Joliet directories are extents of their own. */
        if ((w->fs == FSI_FS_ISO9660 || w->fs == FSI_FS_JOLIET) && e->size > 0 &&
            e->first_block <= UINT64_MAX / RD_BLOCK) {
            if (add_ext(w, e->first_block * RD_BLOCK, e->size) != FSI_S_OK)
                return rd_fail(c->v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "verify");
        }
    } else {
        w->nfiles++;
        if (e->type == FSI_ENTRY_FILE && e->size == 0)
            w->nempty++;
        for (size_t i = 0; i < e->nextents; i++) {
            const fsi_extent *x = &e->extents[i];
            if (x->offset == FSI_EXTENT_HOLE || x->length == 0)
                continue;
            if (f->first == NO_DATA && i == 0)
                f->first = x->offset;
            if (add_ext(w, x->offset, x->length) != FSI_S_OK)
                return rd_fail(c->v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "verify");
        }
    }
    f->next = w->nx - f->ext0;
    w->nf++;
    return FSI_S_OK;
}

static const char *fpath(const struct view *w, const struct vfile *f)
{
    return w->names + f->path;
}

static const char *fname(const struct view *w, const struct vfile *f)
{
    return w->names + f->path + f->path_len - f->name_len;
}

static void view_free(struct view *w)
{
    free(w->f);
    free(w->x);
    free(w->names);
}

/* Failures that stop verify: the rest are findings (already reported by
 * the readers' rd_corrupt / rd_unsupported). */
static bool fatal(fsi_hresult hr)
{
    return hr == FSI_E_OUTOFMEMORY || hr == IMAPI_E_IMPORT_READ_FAILURE ||
           hr == E_IMAPI_REQUEST_CANCELLED;
}

/* Open and walk one view; FSI_S_OK unless a failure stops verify. */
static fsi_hresult walk_one(struct vctx *v, struct view *w)
{
    void *vp = NULL;
    fsi_hresult hr = disc_open_view(v->d, w->fs, w->flags, &vp, &w->vol, &w->root);
    if (hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND)
        return FSI_S_OK;
    w->present = true;
    if (FSI_SUCCEEDED(hr)) {
        if (w->fs == FSI_FS_UDF) {
            bool closed;
            w->udf_counts = rd_udf_integrity(vp, &w->lvid_files, &w->lvid_dirs,
                                             &w->lvid_next_uid, &closed);
        }
        struct collect c = { v, w };
        hr = walk_view(v->d, w->r, vp, &w->root, "/", FSI_WALK_RECURSIVE, on_entry, &c);
        if (w->fs == FSI_FS_UDF)
            w->max_uid = rd_udf_max_unique_id(vp);
        w->r->close(vp);
        if (FSI_SUCCEEDED(hr))
            w->walked = true;
    }
    if (FSI_FAILED(hr)) {
        if (fatal(hr))
            return hr;
        if (hr != IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR &&
            hr != IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED)
            report(v, FSI_FINDING_ERROR, w->name, 0, "%s", fsi_disc_last_error(v->d));
        report(v, FSI_FINDING_WARNING, w->name, 0, "the walk of the %s view stopped: its other "
               "checks are skipped", w->name);
    }
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* Extents                                                             */
/* ------------------------------------------------------------------ */

/* A byte range holding file-system structures. */
struct range {
    uint64_t off, len;
    const char *what;
};

static int cmp_ext(const void *a, const void *b)
{
    const struct vext *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->file < y->file ? -1 : x->file > y->file;
}

/* Two files sharing data on purpose (hard links, identical contents
 * stored once): same start, same size, same number of extents. */
static bool same_data(const struct vfile *a, const struct vfile *b)
{
    return a->next == b->next && a->first == b->first && a->size == b->size;
}

static const char *kind_name(const struct vfile *f)
{
    return f->type == FSI_ENTRY_DIRECTORY ? "directory" : "file";
}

/* Inside the image, not over structures, no partial overlap (O(n log n)).
 * Sorts w->x. */
static void check_extents(struct vctx *v, struct view *w, const struct range *rs, size_t nrs)
{
    struct kind out = { v, FSI_FINDING_ERROR, w->name, 0 };
    struct kind ovl = { v, FSI_FINDING_ERROR, w->name, 0 };
    struct kind st = { v, FSI_FINDING_ERROR, w->name, 0 };
    uint64_t size = v->d->size;
    for (size_t i = 0; i < w->nx; i++) {
        const struct vext *x = &w->x[i];
        const struct vfile *f = &w->f[x->file];
        if (x->off > size || x->len > size - x->off) {
            if (kind_more(&out))
                report(v, FSI_FINDING_ERROR, w->name, x->off / RD_BLOCK,
                       "%s '%s': data at blocks %" PRIu64 "-%" PRIu64 " lies past the end of "
                       "the image (%" PRIu64 " blocks)", kind_name(f), fpath(w, f),
                       x->off / RD_BLOCK, (x->off + x->len - 1) / RD_BLOCK, rd_blocks(v->d));
            continue;
        }
        for (size_t r = 0; r < nrs; r++)
            if (x->off < rs[r].off + rs[r].len && rs[r].off < x->off + x->len &&
                kind_more(&st))
                report(v, FSI_FINDING_ERROR, w->name, x->off / RD_BLOCK,
                       "%s '%s': data at block %" PRIu64 " overlaps %s", kind_name(f),
                       fpath(w, f), (x->off > rs[r].off ? x->off : rs[r].off) / RD_BLOCK,
                       rs[r].what);
    }
    kind_end(&out, "extents past the end of the image");
    kind_end(&st, "extents over file-system structures");

    if (w->nx > 1)
        qsort(w->x, w->nx, sizeof *w->x, cmp_ext);
    size_t far = SIZE_MAX;        /* the extent reaching furthest so far */
    uint64_t far_end = 0;
    for (size_t i = 0; i < w->nx; i++) {
        const struct vext *x = &w->x[i];
        if (far != SIZE_MAX && x->off < far_end) {
            const struct vext *y = &w->x[far];
            const struct vfile *a = &w->f[y->file], *b = &w->f[x->file];
            bool shared = y->off == x->off && y->len == x->len &&
                          a->type != FSI_ENTRY_DIRECTORY && b->type != FSI_ENTRY_DIRECTORY &&
                          same_data(a, b);
            if (!shared && y->file != x->file && kind_more(&ovl))
                report(v, FSI_FINDING_ERROR, w->name, x->off / RD_BLOCK,
                       "%s '%s' and %s '%s' overlap at block %" PRIu64, kind_name(a),
                       fpath(w, a), kind_name(b), fpath(w, b), x->off / RD_BLOCK);
        }
        uint64_t end = x->off + x->len;
        if (far == SIZE_MAX || end > far_end) {
            far = i;
            far_end = end;
        }
    }
    kind_end(&ovl, "overlapping extents");
}

/* ------------------------------------------------------------------ */
/* Views against each other                                            */
/* ------------------------------------------------------------------ */

/* Files with data, sorted by (first byte, size). */
struct dindex {
    const struct vfile **i;
    size_t n;
};

static int cmp_data(const void *a, const void *b)
{
    const struct vfile *x = *(const struct vfile *const *)a;
    const struct vfile *y = *(const struct vfile *const *)b;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return 0;
}

static int dindex_build(const struct view *w, struct dindex *ix, uint32_t catalog)
{
    ix->n = 0;
    ix->i = malloc((w->nf ? w->nf : 1) * sizeof *ix->i);
    if (!ix->i)
        return -1;
    for (size_t k = 0; k < w->nf; k++) {
        const struct vfile *f = &w->f[k];
        /* The boot catalog is a file in ISO9660 and Joliet only. */
        if (f->type == FSI_ENTRY_FILE && f->size > 0 && f->first != NO_DATA &&
            !(catalog && f->first == (uint64_t)catalog * RD_BLOCK))
            ix->i[ix->n++] = f;
    }
    qsort(ix->i, ix->n, sizeof *ix->i, cmp_data);
    return 0;
}

/* First index in ix of a file whose data starts at `first`, or ix->n. */
static size_t dindex_find(const struct dindex *ix, uint64_t first)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->i[mid]->first < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && ix->i[lo]->first == first ? lo : ix->n;
}

/* Whether file fa of view a holds the bytes of some embedded file of b
 * (UDF keeps small files inside their File Entry). */
static bool same_bytes(struct vctx *v, const struct vfile *fa, const struct dindex *ib)
{
    if (fa->size > RD_BLOCK)
        return false;
    uint8_t x[RD_BLOCK], y[RD_BLOCK];
    fsi_extent ea[1] = { { fa->first, fa->size } };
    size_t got;
    if (FSI_FAILED(fsi_disc_read(v->d, ea, 1, 0, x, (size_t)fa->size, &got)) || got != fa->size)
        return false;
    for (size_t k = 0; k < ib->n; k++) {
        const struct vfile *fb = ib->i[k];
        if (fb->size != fa->size || fb->first % RD_BLOCK == 0)
            continue;
        fsi_extent eb[1] = { { fb->first, fb->size } };
        if (FSI_SUCCEEDED(fsi_disc_read(v->d, eb, 1, 0, y, (size_t)fb->size, &got)) &&
            got == fb->size && !memcmp(x, y, got))
            return true;
    }
    return false;
}

/* `data`: every file with data in a is a file of b with the same size
 * (errors); `names`: with the same name (a warning). */
static void compare_views(struct vctx *v, const struct view *a, const struct dindex *ia,
                          const struct view *b, const struct dindex *ib, bool data, bool names)
{
    struct kind miss = { v, FSI_FINDING_ERROR, a->name, 0 };
    struct kind sz = { v, FSI_FINDING_ERROR, a->name, 0 };
    struct kind nm = { v, FSI_FINDING_WARNING, a->name, 0 };
    bool b_embeds = false;
    for (size_t k = 0; k < ib->n && !b_embeds; k++)
        b_embeds = ib->i[k]->first % RD_BLOCK != 0;
    for (size_t k = 0; k < ia->n; k++) {
        const struct vfile *fa = ia->i[k];
        size_t j = dindex_find(ib, fa->first);
        if (j == ib->n) {
            if (!data || (b_embeds && same_bytes(v, fa, ib)))
                continue;
            if (kind_more(&miss))
                report(v, FSI_FINDING_ERROR, a->name, fa->first / RD_BLOCK,
                       "views disagree: the data of %s '%s' (block %" PRIu64 ", %" PRIu64
                       " bytes) is no file of the %s view", a->name, fpath(a, fa),
                       fa->first / RD_BLOCK, fa->size, b->name);
            continue;
        }
        bool size_ok = false, name_ok = false;
        const struct vfile *other = ib->i[j];
        for (size_t m = j; m < ib->n && ib->i[m]->first == fa->first; m++) {
            const struct vfile *fb = ib->i[m];
            if (fb->size != fa->size)
                continue;
            if (!size_ok)
                other = fb;
            size_ok = true;
            if (fb->name_len == fa->name_len &&
                !memcmp(fname(b, fb), fname(a, fa), fa->name_len)) {
                name_ok = true;
                other = fb;
            }
        }
        if (!size_ok) {
            if (data && kind_more(&sz))
                report(v, FSI_FINDING_ERROR, a->name, fa->first / RD_BLOCK,
                       "views disagree on the size of the data at block %" PRIu64 ": %s '%s' "
                       "has %" PRIu64 " bytes, %s '%s' %" PRIu64, fa->first / RD_BLOCK,
                       a->name, fpath(a, fa), fa->size, b->name, fpath(b, other), other->size);
            continue;
        }
        if (names && !name_ok && kind_more(&nm))
            report(v, FSI_FINDING_WARNING, a->name, fa->first / RD_BLOCK,
                   "names differ for the same data: %s '%s', %s '%s'", a->name, fpath(a, fa),
                   b->name, fpath(b, other));
    }
    char what[96];
    snprintf(what, sizeof what, "files of %s missing from %s", a->name, b->name);
    kind_end(&miss, what);
    kind_end(&sz, "size disagreements");
    kind_end(&nm, "name differences");
}

static void check_views(struct vctx *v, struct view *ws, size_t nw, uint32_t catalog)
{
    struct dindex ix[4] = {{0}};
    bool ok[4] = {0};
    for (size_t i = 0; i < nw; i++)
        ok[i] = ws[i].walked && dindex_build(&ws[i], &ix[i], catalog) == 0;
    /* ws: ISO9660 (plain), Rock Ridge, Joliet, UDF.  Data and sizes are
     * compared between ISO9660, Joliet and UDF (Rock Ridge points at the
     * ISO9660 records' data); names between Rock Ridge, Joliet and UDF. */
    static const struct { int a, b; bool data, names; } pairs[] = {
        {0, 2, true, false}, {2, 0, true, false}, {0, 3, true, false}, {3, 0, true, false},
        {2, 3, true, true}, {3, 2, true, false}, {1, 2, false, true}, {1, 3, false, true},
    };
    for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++) {
        int a = pairs[p].a, b = pairs[p].b;
        if ((size_t)a >= nw || (size_t)b >= nw || !ok[a] || !ok[b])
            continue;
        if (pairs[p].data || pairs[p].names)
            compare_views(v, &ws[a], &ix[a], &ws[b], &ix[b], pairs[p].data, pairs[p].names);
    }
    /* Directories and empty files (no data to match them by): a count
     * that differs is a warning (relocation, a writer leaving something
     * out of one view).  ISO9660 counts as Rock Ridge shows it when it
     * is there (symlinks are no empty files then). */
    size_t cmp[3], nc = 0;
    cmp[nc++] = ok[1] ? 1 : 0;
    cmp[nc++] = 2;
    cmp[nc++] = 3;
    for (size_t i = 0; i < nc; i++)
        for (size_t j = i + 1; j < nc; j++) {
            const struct view *a = &ws[cmp[i]], *b = &ws[cmp[j]];
            if (cmp[j] >= nw || !ok[cmp[i]] || !ok[cmp[j]])
                continue;
            if (a->ndirs != b->ndirs)
                report(v, FSI_FINDING_WARNING, b->name, 0, "the %s view has %" PRIu64
                       " directories, the %s view %" PRIu64, a->name, a->ndirs, b->name,
                       b->ndirs);
            if (a->nempty != b->nempty)
                report(v, FSI_FINDING_WARNING, b->name, 0, "the %s view has %" PRIu64
                       " empty files, the %s view %" PRIu64, a->name, a->nempty, b->name,
                       b->nempty);
        }
    for (size_t i = 0; i < nw; i++)
        free(ix[i].i);
}

/* ------------------------------------------------------------------ */
/* ISO9660 and Joliet path tables                                      */
/* ------------------------------------------------------------------ */

struct ptrec {
    uint32_t loc;                 /* extent start (before the XAR) */
    uint8_t xar;
    uint16_t parent;
    const uint8_t *id;
    uint8_t idlen;
};

static uint32_t get32(const uint8_t *p, bool be)
{
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16(const uint8_t *p, bool be)
{
    return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

/* Parse a path table; NULL and a finding if it does not parse. */
static struct ptrec *pt_parse(struct vctx *v, const char *fs, const uint8_t *t, size_t size,
                              bool be, uint32_t block, const char *which, size_t *n)
{
    struct ptrec *r = malloc((size / 10 + 1) * sizeof *r);
    *n = 0;
    if (!r)
        return NULL;
    size_t pos = 0;
    while (pos < size) {
        uint8_t idl = t[pos];
        size_t len = 8 + (size_t)idl + (idl & 1);
        if (idl == 0 || pos + len > size) {
            report(v, FSI_FINDING_ERROR, fs, block + pos / RD_BLOCK,
                   "%s path table: record %zu (byte %zu) %s", which, *n + 1, pos,
                   idl == 0 ? "has an empty identifier" : "runs past the table's size");
            free(r);
            return NULL;
        }
        r[*n] = (struct ptrec){ get32(t + pos + 2, be), t[pos + 1], get16(t + pos + 6, be),
                                t + pos + 8, idl };
        ++*n;
        pos += len;
    }
    return r;
}

/* Read a path table of `size` bytes at `block`; NULL and a finding if it
 * is not inside the image. */
static uint8_t *pt_read(struct vctx *v, const char *fs, uint32_t block, uint32_t size,
                        const char *which, fsi_hresult *hr)
{
    *hr = FSI_S_OK;
    if ((uint64_t)block * RD_BLOCK + size > v->d->size || block < 16) {
        report(v, FSI_FINDING_ERROR, fs, block, "%s path table (%" PRIu32 " bytes at block %"
               PRIu32 ") does not lie between block 16 and the end of the image", which, size,
               block);
        return NULL;
    }
    uint8_t *t = malloc(size ? size : 1);
    if (!t) {
        *hr = FSI_E_OUTOFMEMORY;
        return NULL;
    }
    *hr = rd_read(v->d, (uint64_t)block * RD_BLOCK, t, size);
    if (FSI_FAILED(*hr)) {
        free(t);
        return NULL;
    }
    return t;
}

struct dirent_ref {
    uint64_t block;
    size_t f;                     /* index in the view, SIZE_MAX for the root */
    bool hit;
};

static int cmp_dblock(const void *a, const void *b)
{
    const struct dirent_ref *x = a, *y = b;
    return x->block < y->block ? -1 : x->block > y->block;
}

/* A directory by its path. */
struct bypath {
    const char *path;
    size_t len;
    uint64_t block;
};

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct bypath *)a)->path, ((const struct bypath *)b)->path);
}

/* Block of the parent directory of f (root's for the root's children). */
static uint64_t parent_block(const struct view *w, const struct bypath *bypath, size_t n,
                             const struct vfile *f)
{
    const char *p = fpath(w, f);
    size_t plen = f->path_len - f->name_len;
    if (plen > 0)
        plen--;                   /* the '/' before the name */
    if (plen == 0)
        return w->root.loc;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct bypath *m = &bypath[mid];
        int c = strncmp(m->path, p, plen);
        if (c == 0 && m->len > plen)
            c = 1;
        if (c < 0)
            lo = mid + 1;
        else if (c > 0)
            hi = mid;
        else
            return m->block;
    }
    return UINT64_MAX;
}

/* The path tables of the descriptor at vd_block against view w's
 * directories: L and M agree, every directory once, parents, names. */
static fsi_hresult check_path_tables(struct vctx *v, const struct view *w, bool joliet)
{
    const char *fs = w->name;
    uint8_t vd[RD_BLOCK];
    fsi_hresult hr = rd_block(v->d, w->vol.descriptor_block, vd);
    if (FSI_FAILED(hr))
        return fatal(hr) ? hr : FSI_S_OK;
    uint32_t size = get32(vd + 132, false);
    uint32_t locl = get32(vd + 140, false), optl = get32(vd + 144, false);
    uint32_t locm = get32(vd + 148, true), optm = get32(vd + 152, true);
    uint64_t vdb = w->vol.descriptor_block;
    if (size == 0 || size > RD_MAX_PATH_TABLE) {
        report(v, FSI_FINDING_ERROR, fs, vdb, "path table size %" PRIu32 " is not usable", size);
        return FSI_S_OK;
    }
    uint8_t *tl = pt_read(v, fs, locl, size, "type L", &hr), *tm = NULL;
    if (FSI_SUCCEEDED(hr))
        tm = pt_read(v, fs, locm, size, "type M", &hr);
    struct ptrec *rl = NULL, *rm = NULL;
    size_t nl = 0, nm = 0;
    struct dirent_ref *dirs = NULL;
    struct bypath *bypath = NULL;
    if (FSI_FAILED(hr) || !tl || !tm)
        goto out;
    /* Optional copies must be the same bytes. */
    for (int k = 0; k < 2; k++) {
        uint32_t loc = k ? optm : optl;
        if (!loc)
            continue;
        uint8_t *o = pt_read(v, fs, loc, size, k ? "optional type M" : "optional type L", &hr);
        if (FSI_FAILED(hr))
            goto out;
        if (o && memcmp(o, k ? tm : tl, size))
            report(v, FSI_FINDING_ERROR, fs, loc, "the optional type %c path table differs "
                   "from the mandatory one", k ? 'M' : 'L');
        free(o);
    }
    rl = pt_parse(v, fs, tl, size, false, locl, "type L", &nl);
    rm = pt_parse(v, fs, tm, size, true, locm, "type M", &nm);
    if (!rl || !rm)
        goto out;
    struct kind bad = { v, FSI_FINDING_ERROR, fs, 0 };
    if (nl != nm)
        report(v, FSI_FINDING_ERROR, fs, locl, "the type L path table has %zu records, the "
               "type M one %zu", nl, nm);
    for (size_t i = 0; i < nl && i < nm; i++)
        if ((rl[i].loc != rm[i].loc || rl[i].xar != rm[i].xar ||
             rl[i].parent != rm[i].parent || rl[i].idlen != rm[i].idlen ||
             memcmp(rl[i].id, rm[i].id, rl[i].idlen)) && kind_more(&bad))
            report(v, FSI_FINDING_ERROR, fs, locl, "path table record %zu differs between "
                   "type L and type M", i + 1);
    kind_end(&bad, "path table records differing between type L and M");

    /* The directories walked (and the root), by block and by path. */
    size_t nd = 0, np = 0;
    dirs = malloc((w->ndirs + 1) * sizeof *dirs);
    bypath = malloc((w->ndirs + 1) * sizeof *bypath);
    if (!dirs || !bypath) {
        hr = FSI_E_OUTOFMEMORY;
        goto out;
    }
    dirs[nd++] = (struct dirent_ref){ w->root.loc, SIZE_MAX, false };
    for (size_t k = 0; k < w->nf; k++)
        if (w->f[k].type == FSI_ENTRY_DIRECTORY) {
            dirs[nd++] = (struct dirent_ref){ w->f[k].block, k, false };
            const struct vfile *f = &w->f[k];
            bypath[np++] = (struct bypath){ fpath(w, f), f->path_len, f->block };
        }
    qsort(dirs, nd, sizeof *dirs, cmp_dblock);
    qsort(bypath, np, sizeof *bypath, cmp_path);

    struct kind mis = { v, FSI_FINDING_ERROR, fs, 0 };
    if (rl[0].parent != 1 || rl[0].idlen != 1 || rl[0].id[0] != 0)
        report(v, FSI_FINDING_ERROR, fs, locl, "path table: the first record is not the root");
    for (size_t i = 0; i < nl; i++) {
        const struct ptrec *p = &rl[i];
        uint64_t blk = (uint64_t)p->loc + p->xar;
        char nm8[3 * 128 + 1];
        if (joliet)
            rd_ucs2be_to_utf8(p->id, p->idlen & ~1u, nm8);
        else {
            memcpy(nm8, p->id, p->idlen);
            nm8[p->idlen] = '\0';
        }
        if (p->parent == 0 || p->parent > i + 1) {
            if (kind_more(&mis))
                report(v, FSI_FINDING_ERROR, fs, locl, "path table record %zu ('%s'): parent "
                       "number %u is not a directory before it", i + 1, nm8, p->parent);
            continue;
        }
        struct dirent_ref key = { blk, 0, false };
        struct dirent_ref *dr = bsearch(&key, dirs, nd, sizeof *dirs, cmp_dblock);
        if (!dr) {
            if (kind_more(&mis))
                report(v, FSI_FINDING_ERROR, fs, blk, "path table record %zu ('%s'): block %"
                       PRIu64 " is no directory of the tree", i + 1, nm8, blk);
            continue;
        }
        if (dr->hit) {
            if (kind_more(&mis))
                report(v, FSI_FINDING_ERROR, fs, blk, "path table record %zu ('%s'): directory "
                       "at block %" PRIu64 " is listed twice", i + 1, nm8, blk);
            continue;
        }
        dr->hit = true;
        if (dr->f == SIZE_MAX) {
            if (i != 0 && kind_more(&mis))
                report(v, FSI_FINDING_ERROR, fs, blk, "path table record %zu ('%s') is the root "
                       "directory", i + 1, nm8);
            continue;
        }
        const struct vfile *f = &w->f[dr->f];
        const struct ptrec *par = &rl[p->parent - 1];
        uint64_t want = parent_block(w, bypath, np, f);
        if ((uint64_t)par->loc + par->xar != want && kind_more(&mis))
            report(v, FSI_FINDING_ERROR, fs, blk, "path table record %zu: the parent of '%s' is "
                   "at block %" PRIu64 ", the table says %" PRIu64 " (record %u)", i + 1,
                   fpath(w, f), want, (uint64_t)par->loc + par->xar, p->parent);
        if ((strlen(nm8) != f->name_len || memcmp(nm8, fname(w, f), f->name_len)) &&
            kind_more(&mis))
            report(v, FSI_FINDING_ERROR, fs, blk, "path table record %zu: name '%s', the "
                   "directory record says '%s'", i + 1, nm8, fpath(w, f));
    }
    for (size_t k = 0; k < nd; k++)
        if (!dirs[k].hit && kind_more(&mis))
            report(v, FSI_FINDING_ERROR, fs, dirs[k].block, "directory '%s' (block %" PRIu64
                   ") is missing from the path table",
                   dirs[k].f == SIZE_MAX ? "/" : fpath(w, &w->f[dirs[k].f]), dirs[k].block);
    kind_end(&mis, "path table disagreements");
out:
    free(tl);
    free(tm);
    free(rl);
    free(rm);
    free(dirs);
    free(bypath);
    return fatal(hr) ? hr : FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* UDF                                                                 */
/* ------------------------------------------------------------------ */

static uint16_t crc_itu(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i++) {
        c ^= (uint16_t)(p[i] << 8);
        for (int k = 0; k < 8; k++)
            c = (uint16_t)(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
    }
    return c;
}

/* What is wrong with the descriptor tag of block b (at `loc`), or NULL. */
static const char *tag_problem(const uint8_t *b, uint32_t loc)
{
    unsigned sum = 0;
    for (int i = 0; i < 16; i++)
        if (i != 4)
            sum += b[i];
    if ((uint8_t)sum != b[4])
        return "bad tag checksum";
    uint16_t crclen = get16(b + 10, false);
    if (crclen > RD_BLOCK - 16)
        return "CRC length past the block";
    if (crc_itu(b + 16, crclen) != get16(b + 8, false))
        return "bad descriptor CRC";
    if (get32(b + 12, false) != loc)
        return "tag location is not its block";
    return NULL;
}

static const char *udf_tag_name(unsigned id)
{
    static const char *const n[] = { "descriptor", "Primary Volume Descriptor", "Anchor",
        "Volume Descriptor Pointer", "Implementation Use Volume Descriptor",
        "Partition Descriptor", "Logical Volume Descriptor", "Unallocated Space Descriptor",
        "Terminating Descriptor", "Logical Volume Integrity Descriptor" };
    return id < sizeof n / sizeof *n ? n[id] : "descriptor";
}

/* The anchor at 256 (else N-256, N-1): its block, or 0. */
static fsi_hresult udf_anchor(fsi_disc *d, uint8_t *b, uint64_t *where)
{
    uint64_t n = rd_blocks(d), cand[3] = { 256, n >= 512 ? n - 256 : 0, n ? n - 1 : 0 };
    *where = 0;
    for (int i = 0; i < 3; i++) {
        if (cand[i] < 256 || cand[i] >= n || (i && cand[i] == 256))
            continue;
        fsi_hresult hr = rd_block(d, cand[i], b);
        if (FSI_FAILED(hr))
            return hr;
        if (get16(b, false) == 2 && !tag_problem(b, (uint32_t)cand[i])) {
            *where = cand[i];
            return FSI_S_OK;
        }
    }
    return FSI_S_OK;
}

/* The reserve Volume Descriptor Sequence: its tags, and the same
 * descriptors as the main one (a warning: genisoimage's differ). */
static fsi_hresult check_udf_vds(struct vctx *v, struct range *rs, size_t *nrs, size_t maxrs)
{
    uint8_t a[RD_BLOCK], m[RD_BLOCK], r[RD_BLOCK];
    uint64_t ablk;
    fsi_hresult hr = udf_anchor(v->d, a, &ablk);
    if (FSI_FAILED(hr) || !ablk)
        return hr;
    uint32_t mlen = get32(a + 16, false), mloc = get32(a + 20, false);
    uint32_t rlen = get32(a + 24, false), rloc = get32(a + 28, false);
    uint64_t nb = rd_blocks(v->d);
    static const uint64_t anchors_at[3] = { 256, 256, 1 };
    for (int i = 0; i < 3 && *nrs < maxrs; i++) {
        uint64_t at = i == 0 ? 256 : nb - anchors_at[i];
        if (i > 0 && (nb < 257 + anchors_at[i] || at <= 256))
            continue;
        uint8_t t[RD_BLOCK];
        if (i > 0) {
            hr = rd_block(v->d, at, t);
            if (FSI_FAILED(hr))
                return hr;
            if (get16(t, false) != 2 || tag_problem(t, (uint32_t)at))
                continue;
        }
        rs[(*nrs)++] = (struct range){ at * RD_BLOCK, RD_BLOCK, "a UDF anchor" };
    }
    if (*nrs < maxrs && mloc < nb)
        rs[(*nrs)++] = (struct range){ (uint64_t)mloc * RD_BLOCK, mlen,
                                       "the main UDF volume descriptor sequence" };
    if (*nrs < maxrs && rloc < nb)
        rs[(*nrs)++] = (struct range){ (uint64_t)rloc * RD_BLOCK, rlen,
                                       "the reserve UDF volume descriptor sequence" };
    uint32_t n = mlen / RD_BLOCK, nr = rlen / RD_BLOCK;
    if (rlen == 0 || rloc >= nb || nr > nb - rloc) {
        report(v, FSI_FINDING_WARNING, "UDF", ablk, "the reserve Volume Descriptor Sequence "
               "(%" PRIu32 " bytes at block %" PRIu32 ") is not inside the image", rlen, rloc);
        return FSI_S_OK;
    }
    if (n > 64)
        n = 64;
    bool differs = false;
    for (uint32_t i = 0; i < n && mloc + i < nb; i++) {
        if (FSI_FAILED(hr = rd_block(v->d, mloc + i, m)))
            return hr;
        unsigned id = get16(m, false);
        bool end = id == 8 || id == 0;
        if (i >= nr) {
            if (!end)
                differs = true;
            break;
        }
        if (FSI_FAILED(hr = rd_block(v->d, rloc + i, r)))
            return hr;
        unsigned rid = get16(r, false);
        const char *tp = rid ? tag_problem(r, rloc + i) : NULL;
        if (tp)
            report(v, FSI_FINDING_ERROR, "UDF", rloc + i, "reserve %s: %s", udf_tag_name(rid), tp);
        uint16_t ml = get16(m + 10, false), rl = get16(r + 10, false);
        if (!differs && (rid != id || ml != rl || ml > RD_BLOCK - 16 ||
                         memcmp(m + 16, r + 16, ml))) {
            differs = true;
            report(v, FSI_FINDING_WARNING, "UDF", rloc + i, "the reserve Volume Descriptor "
                   "Sequence differs from the main one: %s (block %" PRIu32 ") vs %s "
                   "(block %" PRIu32 ")", udf_tag_name(id), mloc + i, udf_tag_name(rid),
                   rloc + i);
        }
        if (end)
            break;
    }
    return FSI_S_OK;
}

static void check_udf_counts(struct vctx *v, const struct view *w)
{
    if (!w->walked || !w->udf_counts)
        return;
    /* UDF 2.60 2.2.6.4: the root counts as a directory. */
    if (w->lvid_dirs != w->ndirs + 1)
        report(v, FSI_FINDING_WARNING, "UDF", 0, "the Logical Volume Integrity Descriptor "
               "counts %" PRIu32 " directories, the tree has %" PRIu64 " (with the root)",
               w->lvid_dirs, w->ndirs + 1);
    if (w->lvid_files != w->nfiles)
        report(v, FSI_FINDING_WARNING, "UDF", 0, "the Logical Volume Integrity Descriptor "
               "counts %" PRIu32 " files, the tree has %" PRIu64, w->lvid_files, w->nfiles);
    /* A writer that appends takes the next Unique ID from the LVID: one
     * already in use would be given twice (UDF 2.60 3.2.1.1). */
    if (w->lvid_next_uid && w->max_uid >= w->lvid_next_uid)
        report(v, FSI_FINDING_WARNING, "UDF", 0, "a File Entry has Unique ID %" PRIu64
               ", not below the integrity descriptor's next Unique ID %" PRIu64, w->max_uid,
               w->lvid_next_uid);
}

/* ------------------------------------------------------------------ */
/* The whole check                                                     */
/* ------------------------------------------------------------------ */

/* Structures of ISO9660 / UDF at the start: the volume recognition
 * sequence and descriptor set from block 16 to the first block that is
 * none of them. */
static fsi_hresult vd_range(fsi_disc *d, struct range *r)
{
    uint8_t b[RD_BLOCK];
    uint64_t blk = 16;
    for (; blk < 16 + 512 && blk < rd_blocks(d); blk++) {
        fsi_hresult hr = rd_block(d, blk, b);
        if (FSI_FAILED(hr))
            return hr;
        if (!rd_vd_known(b, NULL))
            break;
    }
    *r = (struct range){ 16 * RD_BLOCK, (blk - 16) * RD_BLOCK, "the volume descriptors" };
    return FSI_S_OK;
}

/* The path tables of a view as structures. */
static fsi_hresult pt_ranges(fsi_disc *d, const struct view *w, struct range *rs, size_t *n)
{
    uint8_t vd[RD_BLOCK];
    fsi_hresult hr = rd_block(d, w->vol.descriptor_block, vd);
    if (FSI_FAILED(hr))
        return hr;
    uint32_t size = get32(vd + 132, false);
    uint32_t loc[4] = { get32(vd + 140, false), get32(vd + 144, false), get32(vd + 148, true),
                        get32(vd + 152, true) };
    for (int i = 0; i < 4; i++)
        if (loc[i])
            rs[(*n)++] = (struct range){ (uint64_t)loc[i] * RD_BLOCK, size, "a path table" };
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_verify(fsi_disc *d, fsi_verify_fn fn, void *ctx, uint64_t *errors,
                                    uint64_t *warnings)
{
    if (errors)
        *errors = 0;
    if (warnings)
        *warnings = 0;
    if (!d)
        return FSI_E_POINTER;
    struct vctx v = { .d = d, .fn = fn, .ctx = ctx };
    struct view ws[4] = {
        { .name = "ISO9660", .r = &rd_iso9660, .fs = FSI_FS_ISO9660, .flags = RD_NO_ROCK_RIDGE },
        { .name = "Rock Ridge", .r = &rd_iso9660, .fs = FSI_FS_ISO9660 },
        { .name = "Joliet", .r = &rd_joliet, .fs = FSI_FS_JOLIET },
        { .name = "UDF", .r = &rd_udf, .fs = FSI_FS_UDF },
    };
    rd_finding_fn old_fn = d->finding;
    void *old_ctx = d->finding_ctx;
    d->finding = NULL;

    /* 1. The image manager's checks. */
    fsi_hresult hr = fsi_disc_validate(d);
    if (hr == IMAPI_E_IMAGEMANAGER_NO_IMAGE || fatal(hr))
        goto out;
    if (FSI_FAILED(hr))
        report(&v, FSI_FINDING_ERROR, "image", 0, "%s", fsi_disc_last_error(d));
    unsigned have = 0;
    hr = fsi_disc_identify(d, &have);
    if (fatal(hr) || hr == IMAPI_E_IMAGEMANAGER_NO_IMAGE)
        goto out;
    if (FSI_FAILED(hr) || !(have & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF))) {
        report(&v, FSI_FINDING_ERROR, "image", 0, "%s", FSI_FAILED(hr) ? fsi_disc_last_error(d)
               : "no ISO9660, Joliet or UDF file system");
        hr = FSI_S_OK;
        goto out;
    }

    /* 2. Walk every view, the readers' findings going to us. */
    d->finding = sink;
    d->finding_ctx = &v;
    size_t nw = 4;
    for (size_t i = 0; i < nw; i++) {
        struct view *w = &ws[i];
        if (!(have & w->fs))
            continue;
        if (i == 1 && !(ws[0].present && ws[0].vol.rock_ridge))
            continue;
        hr = walk_one(&v, w);
        if (FSI_FAILED(hr))
            goto out;
    }

    /* 3. Extents: inside, not over structures, not shared by accident. */
    struct range rs[16];
    size_t nrs = 0;
    if (FSI_FAILED(hr = vd_range(d, &rs[nrs++])))
        goto out;
    if (ws[3].present && FSI_FAILED(hr = check_udf_vds(&v, rs, &nrs, 8)))
        goto out;
    for (size_t i = 0; i < 3; i += 2)
        if (ws[i].present && FSI_FAILED(hr = pt_ranges(d, &ws[i], rs, &nrs)))
            goto out;
    uint32_t catalog = 0;
    fsi_disc_boot_entry boot[1];
    size_t nboot = 0;
    d->finding = NULL;            /* El Torito has a check of its own (info) */
    if (FSI_FAILED(rd_eltorito(d, &catalog, boot, 1, &nboot)))
        catalog = 0;
    d->finding = sink;
    for (size_t i = 0; i < nw; i++)
        if (ws[i].present && i != 1)   /* Rock Ridge: the ISO9660 records' data */
            check_extents(&v, &ws[i], rs, nrs);

    /* 4. The views against each other, path tables, UDF integrity. */
    check_views(&v, ws, nw, catalog);
    if (ws[0].walked && FSI_FAILED(hr = check_path_tables(&v, &ws[0], false)))
        goto out;
    if (ws[2].walked && FSI_FAILED(hr = check_path_tables(&v, &ws[2], true)))
        goto out;
    check_udf_counts(&v, &ws[3]);
    hr = FSI_S_OK;
out:
    d->finding = old_fn;
    d->finding_ctx = old_ctx;
    for (size_t i = 0; i < 4; i++)
        view_free(&ws[i]);
    free(v.seen);
    if (errors)
        *errors = v.errors;
    if (warnings)
        *warnings = v.warnings;
    if (FSI_SUCCEEDED(hr))
        d->last_code = FSI_S_OK;
    else if (hr == FSI_E_OUTOFMEMORY && d->last_code != hr)
        rd_fail(d, hr, NULL, NULL, "verifying the image");
    return hr;
}
