/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session_keep.c - what a session keeps of the one it continues (see
 * session_keep.h).
 */
#include "config.h"
#include "session_keep.h"
#include "read_rockridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

fsi_hresult session_keep_mark(struct layout *lay)
{
    const fsi_image *img = lay->img;
    lay->changed = NULL;
    if (!img->ms_disc || !img->imp_item || img->normalize)
        return FSI_S_OK;
    uint8_t *ch = calloc(lay->nitems ? lay->nitems : 1, 1);
    if (!ch)
        return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    ch[FSI_ROOT] = 1;
    /* An item that differs makes every directory above it differ: each
     * one is marked once, the walk up stops at one already marked. */
    for (size_t k = 0; k < lay->nkids; k++) {
        fsi_item it = lay->kids[k];
        const struct node *n = &img->nodes[it];
        bool same = import_unchanged(img, it, img->ms_disc);
        if (same && n->type != NODE_DIR)
            /* one name (a link count the old records may not have), and
             * its data where the old records point */
            same = layout_nlink(lay, it) <= 1 && !layout_patched(lay, it) &&
                   (n->type != NODE_FILE || n->size == 0 || lay->file_block[it]);
        for (fsi_item x = it; !same && x && !ch[x]; x = img->nodes[x].parent)
            ch[x] = 1;
    }
    lay->changed = ch;
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* The previous session's ECMA-119 directories                         */
/* ------------------------------------------------------------------ */


struct old_sub {
    size_t name_off;
    uint16_t name_len;
    uint32_t loc, len;
};

struct old_tree {
    fsi_disc *d;
    const struct rd_reader *r;
    void *view;
    uint32_t root_loc, root_len;
    uint32_t root_serial;         /* ISO9660: the root's Rock Ridge serial */
    /* The type L path table: records numbered from 1. */
    uint8_t *pt;
    uint32_t nrec;
    uint32_t *rec_at;             /* [nrec + 1]: byte offset of record r */
    uint32_t *kids_from, *kids_to;/* [nrec + 1]: record r's children */
    struct { uint32_t loc, rec; } *byloc;   /* sorted by loc */
    /* The subdirectories of the directory asked about last. */
    uint32_t sub_of;
    struct old_sub *subs;
    size_t nsubs, cap_subs;
    char *names;
    size_t names_len, names_cap;
    bool sub_failed;
};

void old_tree_close(struct old_tree *o)
{
    if (!o)
        return;
    if (o->view)
        o->r->close(o->view);
    free(o->pt);
    free(o->rec_at);
    free(o->kids_from);
    free(o->kids_to);
    free(o->byloc);
    free(o->subs);
    free(o->names);
    free(o);
}

static int cmp_loc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Read and check the type L path table of the descriptor at vd_block:
 * records parse, none has an extended attribute record, parents come
 * before their children in ascending order (ECMA-119 9.4), so that a
 * directory's children are one run. */
static bool load_path_table(struct old_tree *o, uint64_t vd_block)
{
    uint8_t vd[RD_BLOCK];
    if (rd_block(o->d, vd_block, vd) != FSI_S_OK)
        return false;
    uint32_t size = rd_le32(vd + 132), at = rd_le32(vd + 140);
    if (size < 10 || size > RD_MAX_PATH_TABLE || at < 16 ||
        (uint64_t)at * RD_BLOCK + size > o->d->size)
        return false;
    if (!(o->pt = malloc(size)) || rd_read(o->d, (uint64_t)at * RD_BLOCK, o->pt, size) != FSI_S_OK)
        return false;
    size_t max = size / 10 + 2;
    o->rec_at = malloc(max * sizeof *o->rec_at);
    if (!o->rec_at)
        return false;
    uint32_t n = 0, last_parent = 1;
    for (size_t pos = 0; pos < size;) {
        uint8_t idl = o->pt[pos];
        size_t len = 8 + (size_t)idl + (idl & 1);
        if (idl == 0 || pos + len > size || o->pt[pos + 1] != 0)
            return false;
        uint16_t parent = rd_le16(o->pt + pos + 6);
        n++;
        if (n == 1 ? parent != 1 : parent < last_parent || parent >= n)
            return false;
        last_parent = parent;
        o->rec_at[n] = (uint32_t)pos;
        pos += len;
    }
    o->nrec = n;
    o->kids_from = calloc((size_t)n + 1, sizeof *o->kids_from);
    o->kids_to = calloc((size_t)n + 1, sizeof *o->kids_to);
    o->byloc = malloc((size_t)n * sizeof *o->byloc);
    if (!o->kids_from || !o->kids_to || !o->byloc)
        return false;
    for (uint32_t r = 1; r <= n; r++) {
        const uint8_t *p = o->pt + o->rec_at[r];
        uint16_t parent = rd_le16(p + 6);
        if (r > 1) {
            if (!o->kids_from[parent])
                o->kids_from[parent] = r;
            o->kids_to[parent] = r + 1;
        }
        o->byloc[r - 1].loc = rd_le32(p + 2);
        o->byloc[r - 1].rec = r;
    }
    qsort(o->byloc, n, sizeof *o->byloc, cmp_loc);
    return true;
}

/* Whether the old root's "." record carries Rock Ridge as we write it:
 * RRIP 1.12, whose PX holds a serial number (44 bytes).  Directories of
 * RRIP 1.09 (genisoimage) beside ours would mix versions in one volume,
 * which readers such as pycdlib refuse. */
static bool rr_112(fsi_disc *d, uint32_t root_loc, uint32_t *serial)
{
    uint8_t b[RD_BLOCK];
    if (rd_block(d, root_loc, b) != FSI_S_OK)
        return false;
    size_t len = b[0], su = 33 + (size_t)b[32] + !(b[32] & 1);
    if (len < 34 || b[32] != 1 || su > len)
        return false;
    while (su + 4 <= len && b[su + 2] >= 4 && su + b[su + 2] <= len) {
        if (b[su] == 'P' && b[su + 1] == 'X') {
            if (b[su + 2] != 44)
                return false;
            *serial = rd_le32(b + su + 36);
            return true;
        }
        su += b[su + 2];
    }
    return false;
}

struct old_tree *old_tree_open(fsi_disc *d, bool joliet)
{
    struct old_tree *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->d = d;
    o->r = joliet ? &rd_joliet : &rd_iso9660;
    o->sub_of = UINT32_MAX;
    fsi_volume_info vol;
    struct rd_dirref root;
    if (disc_open_view(d, o->r->fs, 0, &o->view, &vol, &root) != FSI_S_OK) {
        o->view = NULL;
        old_tree_close(o);
        return NULL;
    }
    /* Without Rock Ridge the ISO9660 names are not the tree's: nothing
     * would match. */
    if ((!joliet && !vol.rock_ridge) || !load_path_table(o, vol.descriptor_block)) {
        old_tree_close(o);
        return NULL;
    }
    if (root.loc > UINT32_MAX || root.len > UINT32_MAX) {
        old_tree_close(o);
        return NULL;
    }
    o->root_loc = (uint32_t)root.loc;
    o->root_len = (uint32_t)root.len;
    if (!joliet && !rr_112(d, o->root_loc, &o->root_serial)) {
        old_tree_close(o);
        return NULL;
    }
    return o;
}

void old_tree_root(const struct old_tree *o, uint32_t *loc, uint32_t *len)
{
    *loc = o->root_loc;
    *len = o->root_len;
}

uint32_t old_tree_root_serial(const struct old_tree *o)
{
    return o->root_serial;
}

uint32_t old_tree_count(const struct old_tree *o)
{
    return o->nrec;
}

static fsi_hresult on_sub(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct old_tree *o = ctx;
    if (e->type != FSI_ENTRY_DIRECTORY || !sub || sub->loc > UINT32_MAX ||
        sub->len > UINT32_MAX || e->name_len > UINT16_MAX)
        return FSI_S_OK;
    if (o->nsubs == o->cap_subs) {
        size_t cap = o->cap_subs ? o->cap_subs * 2 : 64;
        struct old_sub *s = realloc(o->subs, cap * sizeof *s);
        if (!s)
            return FSI_E_OUTOFMEMORY;
        o->subs = s;
        o->cap_subs = cap;
    }
    if (o->names_len + e->name_len > o->names_cap) {
        size_t cap = o->names_cap ? o->names_cap * 2 : 4096;
        while (cap < o->names_len + e->name_len)
            cap *= 2;
        char *s = realloc(o->names, cap);
        if (!s)
            return FSI_E_OUTOFMEMORY;
        o->names = s;
        o->names_cap = cap;
    }
    if (e->name_len)
        memcpy(o->names + o->names_len, e->name, e->name_len);
    o->subs[o->nsubs++] = (struct old_sub){o->names_len, (uint16_t)e->name_len,
                                           (uint32_t)sub->loc, (uint32_t)sub->len};
    o->names_len += e->name_len;
    return FSI_S_OK;
}

static int cmp_sub(const void *a, const void *b, void *ctx)
{
    const struct old_tree *o = ctx;
    const struct old_sub *x = a, *y = b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(o->names + x->name_off, o->names + y->name_off, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

bool old_tree_subdir(struct old_tree *o, uint32_t loc, uint32_t len, const char *name,
                     size_t name_len, uint32_t *sub_loc, uint32_t *sub_len)
{
    if (o->sub_of != loc) {
        o->sub_of = loc;
        o->nsubs = o->names_len = 0;
        struct rd_dirref ref = {loc, len, 0};
        o->sub_failed = o->r->read_dir(o->view, &ref, on_sub, o) != FSI_S_OK;
        if (o->nsubs > 1)
            qsort_r(o->subs, o->nsubs, sizeof *o->subs, cmp_sub, o);
        /* Two subdirectories of one name: which one is the tree's is
         * not known, so neither is kept. */
        for (size_t i = 1; i < o->nsubs; i++)
            if (!cmp_sub(&o->subs[i - 1], &o->subs[i], o))
                o->subs[i - 1].len = o->subs[i].len = 0;
    }
    if (o->sub_failed)
        return false;
    size_t lo = 0, hi = o->nsubs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct old_sub *s = &o->subs[mid];
        size_t n = s->name_len < name_len ? s->name_len : name_len;
        int c = memcmp(o->names + s->name_off, name, n);
        if (!c)
            c = (s->name_len > name_len) - (s->name_len < name_len);
        if (c < 0) {
            lo = mid + 1;
        } else if (c > 0) {
            hi = mid;
        } else {
            if (s->len == 0)
                return false;
            *sub_loc = s->loc;
            *sub_len = s->len;
            return true;
        }
    }
    return false;
}

uint32_t old_tree_record(const struct old_tree *o, uint32_t loc)
{
    size_t lo = 0, hi = o->nrec;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->byloc[mid].loc < loc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Two records of one extent: not a tree the path table describes. */
    if (lo < o->nrec && o->byloc[lo].loc == loc &&
        (lo + 1 == o->nrec || o->byloc[lo + 1].loc != loc))
        return o->byloc[lo].rec;
    return 0;
}

void old_tree_children(const struct old_tree *o, uint32_t r, uint32_t *first, uint32_t *end)
{
    *first = r <= o->nrec ? o->kids_from[r] : 0;
    *end = *first ? o->kids_to[r] : 0;
}

uint32_t old_tree_extent(const struct old_tree *o, uint32_t r)
{
    return rd_le32(o->pt + o->rec_at[r] + 2);
}

const uint8_t *old_tree_id(const struct old_tree *o, uint32_t r, uint8_t *len)
{
    const uint8_t *p = o->pt + o->rec_at[r];
    *len = p[0];
    return p + 8;
}
