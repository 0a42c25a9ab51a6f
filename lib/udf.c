/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udf.c - the UDF writer.
 *
 * On-disk layout (blocks of 2048 bytes; P = first block of the partition):
 *
 *   PHASE_VRS     BEA01, NSR02 (1.02, 1.50) or NSR03 (2.00+), TEA01, right
 *                 after the ECMA-119 set terminator (at 16 without ISO9660)
 *   PHASE_SYSTEM  main volume descriptor sequence (16 blocks, from 32 when
 *                 there is room): PVD, IUVD, PD, LVD, USD, TD; the
 *                 integrity sequence (LVID, TD); the anchor at 256
 *   PHASE_META    at P: the metadata space - FSD, TD, then for each
 *                 directory in breadth-first order (children in byte order
 *                 of their names): its (Extended) File Entry, its FIDs,
 *                 then the File Entries of its files (each followed by its
 *                 Allocation Extent Descriptors, if it has any).  Every
 *                 non-directory has one: files (type 5), symbolic links
 *                 (12: path components embedded when they fit), FIFOs (9),
 *                 sockets (10), devices (6, 7: a Device Specification
 *                 extended attribute).  The other names of a hard-linked
 *                 file have none: their FIDs point at the first name's,
 *                 whose link count counts them.
 *                 2.50/2.60: the metadata space is the data of the metadata
 *                 file (starting on a multiple of 32 blocks of the disc,
 *                 rounded up to 32 blocks) and the metadata file's
 *                 Extended File Entry follows it.
 *   PHASE_DATA    file data, placed once by the core; after it, the path
 *                 components of symbolic links too long for their File
 *                 Entry, each in blocks of its own (the links region)
 *   PHASE_TAIL    2.50/2.60: the mirror of the metadata file (aligned to 32
 *                 blocks from P) and its Extended File Entry, so that the
 *                 two copies lie on either side of the file data; the
 *                 reserve volume descriptor sequence; the closing anchor in
 *                 the last block.
 *
 * The partition (one, read-only, number 0) runs from P to the end of the
 * file data and links region (2.50+: to the mirror's File Entry).  For 1.02-2.01 metadata
 * blocks are partition blocks; for 2.50+ they are blocks of the metadata
 * partition (partition reference 1), which maps them through the metadata
 * file onto the physical partition, and file data is then addressed with
 * long allocation descriptors on partition reference 0.
 *
 * Nothing is materialised: each item's File Entry block number and each
 * directory's FID area size are kept in parallel arrays (a few bytes an
 * item), and any block is computed when asked for.  The FIDs of the last
 * directory produced are cached (names and offsets), so reading a
 * directory block by block costs one name translation; the children come
 * sorted from the layout (layout_children).  A directory of more than
 * FID_GROUP children is cached and named one group of FID_GROUP at a time
 * (fids_survey): only where each group's FIDs start is kept, so its cost
 * grows with it linearly, and its names come from the layout's records
 * (layout_group_names).
 */
#include "config.h"
#include "udf.h"
#include "udf_desc.h"
#include "names_udf.h"
#include "session_keep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

#define IMPL_ID "*libfsi"
#define VDS_BLOCKS 16           /* UDF 2.2.3: each sequence extent >= 16 blocks */
#define LVIS_BLOCKS 2           /* LVID + TD */
#define ANCHOR_BLOCK 256
#define META_UNIT 32            /* metadata allocation and alignment unit */
#define FID_IU_PAD 32           /* implementation use that pads a FID */
#ifndef UDF_THIRD_ANCHOR_MIN    /* volumes of this many blocks (1 GiB) or more */
#define UDF_THIRD_ANCHOR_MIN (1u << 19)
#endif

enum {
    TAG_VRS = 1, TAG_MVDS, TAG_LVIS, TAG_AVDP, TAG_META, TAG_MFE,
    TAG_MIRROR, TAG_MIRFE, TAG_RVDS, TAG_AVDP_END, TAG_LINKS, TAG_AVDP_MID,
};

/* A symbolic link whose path components do not fit in its File Entry:
 * they take blocks of their own in the links region (PHASE_DATA), in
 * the order the File Entries are numbered.  (Linux reads no link of more
 * than one block of components, about 2,000 bytes of target.) */
struct udflink {
    fsi_item item;
    uint32_t fe;                /* its File Entry (ascending) */
    uint32_t block;             /* first block in the links region */
    uint32_t bytes;             /* of path components */
};

struct udfdir {
    fsi_item item;
    uint32_t nsub;              /* subdirectories */
    uint64_t bytes;             /* FID area */
};

/* FIDs of one directory: all of them (entry 0 is the parent FID), or one
 * group of a big directory (group 0 starts with the parent FID). */
struct fidcache {
    fsi_item dir;               /* 0: nothing cached */
    size_t group;               /* SIZE_MAX: the whole directory */
    size_t n;                   /* entries */
    size_t cap;
    fsi_item *item;             /* [n] */
    uint64_t *off;              /* [n + 1]: byte offsets in the directory */
    uint8_t *iu;                /* [n] L_IU */
    size_t *idoff;              /* [n] identifier in ids */
    uint8_t *idlen;             /* [n] L_FI */
    uint8_t *ch;                /* [n] file characteristics */
    uint32_t *fen;              /* [n] fe[] of the item (after build_meta) */
    struct name_in *in;         /* [cap] for naming */
    struct udf_idpool ids;
};

struct bigdir;

struct udfw {
    struct layout *lay;
    uint16_t rev;               /* 0x0102 ... 0x0260 */
    uint16_t dver;              /* descriptor version: 2 or 3 */
    bool efe;                   /* Extended File Entries (2.00+) */
    bool meta;                  /* metadata partition (2.50+) */
    uint16_t mref;              /* partition reference of metadata */

    uint64_t vrs, mvds, lvis, avdp, rvds, avdp_end;
    uint64_t avdp_mid;          /* the anchor at N - 256, 0 if none */
    uint64_t part, part_len;    /* the physical partition */
    uint64_t meta_at;           /* first block of the metadata space */
    /* A session continuing a UDF volume (1.02-2.01) points at the File
     * Entries of unchanged imported items instead of writing new ones:
     * ruid[item] is the Unique ID of such a kept entry (its fe[] is its
     * old block), 0 otherwise.  New Unique IDs follow the old volume's. */
    uint64_t *ruid;
    uint64_t uid_shift;
    uint64_t nkept_dirs;        /* directories kept so (nothing below counted) */
    uint64_t mbase;             /* its first metadata number: 0, or for a
                                   1.02-2.01 session continuing a partition
                                   that starts before it, meta_at - part */
    uint64_t mspace;            /* blocks of metadata used */
    uint64_t msize;             /* 2.50+: blocks of the metadata file */
    uint64_t mfe, mirror, mirfe;

    uint32_t *fe;               /* [nitems]: metadata block of an item's FE */
    fsi_item *order;            /* items by ascending fe[] */
    size_t norder;
    size_t hint;                /* order[] index of the last block produced */
    struct udfdir *dirs;        /* breadth-first, ascending fe[] */
    size_t ndirs;
    uint64_t nfiles;
    char *vsid;                 /* volume set identifier (UTF-8) */

    struct fidcache fc;
    struct bigdir *big;         /* big directories, ascending fe[] */
    size_t nbig, cap_big;

    struct udflink *links;      /* long symbolic links, ascending fe */
    size_t nlinks, cap_links;
    uint64_t links_at, link_blocks;   /* the links region */
    uint8_t *pc;                /* path components of one long link */
    size_t pc_cap;
};

/* An item's data stream: where its allocation descriptors point. */
struct stream {
    uint64_t bytes;
    uint32_t start;             /* first block, in partition `ref` */
    uint32_t ext_max;           /* longest extent, bytes */
    uint16_t ref;
    bool long_ad;
};

static fsi_hresult nomem(struct layout *lay)
{
    return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
}

static fsi_hresult internal(struct layout *lay, const char *why)
{
    return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "UDF", NULL, "%s", why);
}

static fsi_hresult too_big(struct layout *lay, const char *what)
{
    return fsi_failf(lay->img, IMAPI_E_IMAGE_TOO_BIG, 0, NULL, NULL,
                     "the UDF %s would not fit in 32-bit block numbers", what);
}

/* ---------------------------------------------------------------- */
/* Allocation descriptor arithmetic                                  */
/* ---------------------------------------------------------------- */

static uint64_t n_extents(uint64_t bytes, uint32_t ext_max)
{
    return (bytes + ext_max - 1) / ext_max;
}

static uint64_t stream_extents(const struct stream *s)
{
    return n_extents(s->bytes, s->ext_max);
}

/* Extents of the metadata file end on allocation units. */
static uint32_t meta_ext_max(void)
{
    uint32_t unit = META_UNIT * FSI_BLOCK;
    return UDF_EXTENT_MAX >= unit ? UDF_EXTENT_MAX / unit * unit : UDF_EXTENT_MAX;
}

static unsigned ad_size(bool long_ad)
{
    return long_ad ? UDF_LONG_AD : UDF_SHORT_AD;
}

static unsigned fe_hdr(const struct udfw *w)
{
    return w->efe ? UDF_EFE_SIZE : UDF_FE_SIZE;
}

/* Allocation descriptors a File Entry / an AED can hold. */
static uint64_t fe_cap(const struct udfw *w, bool long_ad)
{
    return (FSI_BLOCK - fe_hdr(w)) / ad_size(long_ad);
}

static uint64_t aed_cap(bool long_ad)
{
    return (FSI_BLOCK - UDF_AED_SIZE) / ad_size(long_ad);
}

/* Allocation Extent Descriptor blocks for n data descriptors. */
static uint64_t aed_blocks(const struct udfw *w, uint64_t n, bool long_ad)
{
    uint64_t fc = fe_cap(w, long_ad), ac = aed_cap(long_ad);
    if (n <= fc)
        return 0;
    uint64_t r = n - (fc - 1);
    if (r <= ac)
        return 1;
    return 1 + (r - ac + ac - 2) / (ac - 1);
}

/* Data descriptors in the File Entry (j = -1) or in AED j, and whether
 * a continuation descriptor follows them. */
static void ads_in(const struct udfw *w, uint64_t n, bool long_ad, int64_t j,
                   uint64_t *first, uint64_t *count, bool *cont)
{
    uint64_t fc = fe_cap(w, long_ad), ac = aed_cap(long_ad);
    if (n <= fc) {
        *first = 0;
        *count = j < 0 ? n : 0;
        *cont = false;
        return;
    }
    if (j < 0) {
        *first = 0;
        *count = fc - 1;
        *cont = true;
        return;
    }
    *first = (fc - 1) + (uint64_t)j * (ac - 1);
    uint64_t left = n > *first ? n - *first : 0;
    if (left <= ac) {
        *count = left;
        *cont = false;
    } else {
        *count = ac - 1;
        *cont = true;
    }
}

/* Write descriptor a of stream s at p. */
static void put_data_ad(const struct stream *s, uint64_t a, uint8_t *p)
{
    uint64_t off = a * (uint64_t)s->ext_max;
    uint64_t len = s->bytes - off < s->ext_max ? s->bytes - off : s->ext_max;
    uint32_t block = s->start + (uint32_t)(off / FSI_BLOCK);
    if (s->long_ad)
        udf_long_ad(p, (uint32_t)len, UDF_EXT_RECORDED, block, s->ref, 0);
    else
        udf_short_ad(p, (uint32_t)len, UDF_EXT_RECORDED, block);
}

/* The continuation descriptor: the next extent of descriptors is the one
 * block at metadata block `at`. */
static void put_next_ad(const struct udfw *w, const struct stream *s, uint32_t at, uint8_t *p)
{
    if (s->long_ad)
        udf_long_ad(p, FSI_BLOCK, UDF_EXT_NEXT, at, w->mref, 0);
    else
        udf_short_ad(p, FSI_BLOCK, UDF_EXT_NEXT, at);
}

/* ---------------------------------------------------------------- */
/* Items                                                             */
/* ---------------------------------------------------------------- */

/* The Unique ID of item's File Entry at fe (its fe[]). */
static uint64_t uid_of(const struct udfw *w, fsi_item item, uint32_t fe)
{
    /* 0 is the root's; 1-15 are reserved (UDF 3.2.1.1). */
    if (item == FSI_ROOT)
        return 0;
    if (w->ruid && w->ruid[item])
        return w->ruid[item];
    return 16 + w->uid_shift + (uint64_t)fe;
}

static uint64_t unique_id(const struct udfw *w, fsi_item item)
{
    return uid_of(w, item, w->fe[item]);
}

static const struct udfdir *find_dir(const struct udfw *w, fsi_item item)
{
    uint32_t m = w->fe[item];
    size_t a = 0, b = w->ndirs;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        uint32_t mm = w->fe[w->dirs[mid].item];
        if (mm == m)
            return &w->dirs[mid];
        if (mm < m)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

/* The long symbolic link whose File Entry is item's, or NULL (its path
 * components are in the File Entry). */
static const struct udflink *find_link(const struct udfw *w, fsi_item item)
{
    uint32_t m = w->fe[item];
    size_t a = 0, b = w->nlinks;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (w->links[mid].fe == m)
            return &w->links[mid];
        if (w->links[mid].fe < m)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

/* Bytes of the path components of a symbolic link. */
static size_t link_pc_bytes(const struct udfw *w, fsi_item item)
{
    const fsi_image *img = w->lay->img;
    const char *t = node_link_target(img, &img->nodes[item]);
    return udf_path_components(t, strlen(t), NULL, 0);
}

static void item_stream(const struct udfw *w, fsi_item item, struct stream *s)
{
    const struct node *nd = &w->lay->img->nodes[item];
    memset(s, 0, sizeof *s);
    if (nd->type == NODE_DIR) {
        const struct udfdir *d = find_dir(w, item);
        s->bytes = d ? d->bytes : 0;
        s->ext_max = UDF_DIR_EXTENT_MAX;
        s->long_ad = false;
        s->ref = w->mref;
        s->start = w->fe[item] + 1 +
                   (uint32_t)aed_blocks(w, n_extents(s->bytes, s->ext_max), false);
    } else {
        s->bytes = nd->size;
        s->ext_max = UDF_EXTENT_MAX;
        s->long_ad = w->meta;
        s->ref = 0;
        s->start = nd->size ? (uint32_t)(w->lay->file_block[item] - w->part) : 0;
        const struct udflink *l = nd->type == NODE_SYMLINK ? find_link(w, item) : NULL;
        if (l) {
            s->bytes = l->bytes;
            s->start = (uint32_t)(w->links_at + l->block - w->part);
        }
    }
}

/* ---------------------------------------------------------------- */
/* FIDs of one directory                                             */
/* ---------------------------------------------------------------- */

/* Children named together at most: a bigger directory is named FID_GROUP
 * children at a time (see fids_survey), so that what it costs stays the
 * same whatever the directory's size. */
#define FID_GROUP LAYOUT_GROUP

static bool fc_reserve(struct fidcache *c, size_t n)
{
    if (n <= c->cap)
        return true;
    size_t cap = c->cap ? c->cap : 64;
    while (cap < n)
        cap *= 2;
    fsi_item *it = realloc(c->item, cap * sizeof *it);
    if (it)
        c->item = it;
    uint64_t *off = realloc(c->off, (cap + 1) * sizeof *off);
    if (off)
        c->off = off;
    uint8_t *iu = realloc(c->iu, cap);
    if (iu)
        c->iu = iu;
    size_t *io = realloc(c->idoff, cap * sizeof *io);
    if (io)
        c->idoff = io;
    uint8_t *il = realloc(c->idlen, cap);
    if (il)
        c->idlen = il;
    struct name_in *in = realloc(c->in, cap * sizeof *in);
    if (in)
        c->in = in;
    uint8_t *ch = realloc(c->ch, cap);
    if (ch)
        c->ch = ch;
    uint32_t *fen = realloc(c->fen, cap * sizeof *fen);
    if (fen)
        c->fen = fen;
    if (!it || !off || !iu || !io || !il || !in || !ch || !fen)
        return false;
    c->cap = cap;
    return true;
}

/* Give the arrays back (after a whole big directory was loaded). */
static void fc_release(struct fidcache *c)
{
    free(c->item);
    free(c->off);
    free(c->iu);
    free(c->idoff);
    free(c->idlen);
    free(c->in);
    free(c->ch);
    free(c->fen);
    c->ch = NULL;
    c->fen = NULL;
    c->item = NULL;
    c->off = NULL;
    c->iu = NULL;
    c->idoff = NULL;
    c->idlen = NULL;
    c->in = NULL;
    c->cap = 0;
    c->dir = 0;
}

static void fc_free(struct fidcache *c)
{
    fc_release(c);
    udf_idpool_free(&c->ids);
    memset(c, 0, sizeof *c);
}

/* Load into the cache FIDs of dir: its parent FID if `parent`, then its
 * children [cfirst, cfirst + m) (byte order), named together; the first
 * of them starts `at` bytes into the directory.  Returns the translator's
 * code (IMAPI_E_NO_UNIQUE_NAME with *fail the child's index in the
 * directory), FSI_E_OUTOFMEMORY. */
static fsi_hresult fids_range(struct udfw *w, fsi_item dir, size_t cfirst, size_t m, bool parent,
                              uint64_t at, size_t *fail)
{
    struct fidcache *c = &w->fc;
    const fsi_image *img = w->lay->img;
    size_t total = 0, p = parent ? 1 : 0;
    const fsi_item *kids = layout_children(w->lay, dir, &total);
    c->dir = 0;
    /* A big directory named whole leaves big arrays: not for the next. */
    if (c->cap > 2 * FID_GROUP && m + p <= FID_GROUP + 1) {
        fc_release(c);
        udf_idpool_free(&c->ids);
    }
    if (!fc_reserve(c, m + p))
        return FSI_E_OUTOFMEMORY;
    /* Names and what fid_build needs: from the layout's records in a big
     * directory (its nodes lie far apart), else from the nodes. */
    const uint8_t *rec = total > FID_GROUP ? layout_group_names(w->lay, dir, cfirst) : NULL;
    struct layout_kid k = { 0 };
    for (size_t i = 0; i < m; i++) {
        fsi_item it = kids[cfirst + i];
        uint8_t ch;
        if (rec) {
            rec = layout_kid_next(rec, &k);
            c->in[i].name = k.name;
            c->in[i].len = k.len;
            c->in[i].is_dir = (k.bits & LK_DIR) != 0;
            ch = (uint8_t)((k.bits & LK_DIR ? UDF_FID_DIR : 0) |
                           (k.bits & LK_HIDDEN ? UDF_FID_HIDDEN : 0));
        } else {
            const struct node *nd = &img->nodes[it];
            c->in[i].name = node_name(img, nd);
            c->in[i].len = nd->name_len;
            c->in[i].is_dir = nd->type == NODE_DIR;
            ch = (uint8_t)((nd->type == NODE_DIR ? UDF_FID_DIR : 0) |
                           (nd->flags & NF_HIDDEN ? UDF_FID_HIDDEN : 0));
        }
        c->item[p + i] = it;
        c->ch[p + i] = ch;
        if (i + LAYOUT_AHEAD < m)
            layout_prefetch(&w->fe[kids[cfirst + i + LAYOUT_AHEAD]]);
        c->fen[p + i] = w->fe[it];
    }
    *fail = 0;
    fsi_hresult hr = udf_names_dir(c->in, m, &c->ids, c->idoff + p, c->idlen + p, fail);
    *fail += cfirst;
    if (FSI_FAILED(hr))
        return hr;
    if (parent) {
        c->item[0] = dir == FSI_ROOT ? FSI_ROOT : img->nodes[dir].parent;
        c->idlen[0] = 0;
        c->idoff[0] = 0;
        c->ch[0] = UDF_FID_DIR | UDF_FID_PARENT;
        c->fen[0] = w->fe[c->item[0]];
    }
    c->n = m + p;
    /* FID indices in the directory: 0 is the parent FID. */
    size_t gfirst = parent ? 0 : 1 + cfirst;
    uint64_t o = at;
    for (size_t i = 0; i < c->n; i++) {
        c->off[i] = o;
        c->iu[i] = 0;
        uint64_t end = o + udf_fid_size(0, c->idlen[i]);
        uint64_t rest = FSI_BLOCK - end % FSI_BLOCK;
        /* UDF 2.3.4.4: the next FID's tag must not span a block boundary;
         * pad this one with implementation use if fewer than 16 bytes
         * would remain. */
        if (gfirst + i < total && rest < UDF_TAG_SIZE) {
            c->iu[i] = FID_IU_PAD;
            end = o + udf_fid_size(FID_IU_PAD, c->idlen[i]);
        }
        o = end;
    }
    c->off[c->n] = o;
    return FSI_S_OK;
}

/* The translator's failure as the writer's. */
static fsi_hresult fids_failed(struct udfw *w, fsi_item dir, fsi_hresult hr, size_t fail)
{
    if (hr == IMAPI_E_NO_UNIQUE_NAME) {
        size_t n = 0;
        const fsi_item *kids = layout_children(w->lay, dir, &n);
        char *path = layout_item_path(w->lay, fail < n ? kids[fail] : dir);
        hr = fsi_fail(w->lay->img, hr, 0, path ? path : "?", NULL, NULL);
        free(path);
        return hr;
    }
    return nomem(w->lay);
}

/* Load all the FIDs of dir into the cache (a directory named whole). */
static fsi_hresult fids_load(struct udfw *w, fsi_item dir)
{
    struct fidcache *c = &w->fc;
    if (c->dir == dir && c->group == SIZE_MAX)
        return FSI_S_OK;
    size_t n = 0, fail;
    layout_children(w->lay, dir, &n);
    fsi_hresult hr = fids_range(w, dir, 0, n, true, 0, &fail);
    if (FSI_FAILED(hr))
        return fids_failed(w, dir, hr, fail);
    c->dir = dir;
    c->group = SIZE_MAX;
    return FSI_S_OK;
}

/* A big directory named in groups: where each group's FIDs start. */
struct bigdir {
    fsi_item dir;
    size_t ngroups;
    uint64_t *goff;             /* [ngroups + 1]; NULL: named whole */
};

static const struct bigdir *find_big(const struct udfw *w, fsi_item dir)
{
    uint32_t m = w->fe[dir];
    size_t a = 0, b = w->nbig;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        uint32_t mm = w->fe[w->big[mid].dir];
        if (mm == m)
            return &w->big[mid];
        if (mm < m)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

/* Group g of a big directory into the cache: the parent FID comes with
 * group 0. */
static fsi_hresult fids_group(struct udfw *w, const struct bigdir *bd, size_t g)
{
    struct fidcache *c = &w->fc;
    if (c->dir == bd->dir && c->group == g)
        return FSI_S_OK;
    size_t n = 0, fail;
    layout_children(w->lay, bd->dir, &n);
    size_t first = g * FID_GROUP, m = n - first < FID_GROUP ? n - first : FID_GROUP;
    fsi_hresult hr = fids_range(w, bd->dir, first, m, g == 0, bd->goff[g], &fail);
    if (FSI_FAILED(hr))
        return fids_failed(w, bd->dir, hr, fail);
    c->dir = bd->dir;
    c->group = g;
    return FSI_S_OK;
}

/* A big directory (more than FID_GROUP children) met while numbering:
 * name it group by group, which gives exactly what naming it whole gives
 * when no two of the identifiers are equal (checked on hashes): every
 * name that needs no change keeps it, and a changed name a group resolves
 * gets the same identifier as from the whole directory, or else one that
 * equals an identifier outside the group.  Then only where each group's
 * FIDs start is kept; else it is named whole whenever it is loaded.
 * *bytes gets the FID area's size. */
static fsi_hresult fids_survey(struct udfw *w, fsi_item dir, uint64_t *bytes)
{
    struct fidcache *c = &w->fc;
    size_t n = 0, fail;
    layout_children(w->lay, dir, &n);
    size_t ng = (n + FID_GROUP - 1) / FID_GROUP;
    if (w->nbig == w->cap_big) {
        size_t cap = w->cap_big ? w->cap_big * 2 : 16;
        struct bigdir *p = realloc(w->big, cap * sizeof *p);
        if (!p)
            return nomem(w->lay);
        w->big = p;
        w->cap_big = cap;
    }
    uint64_t *goff = malloc((ng + 1) * sizeof *goff);
    uint64_t *h = malloc(n * sizeof *h);
    if (!goff || !h) {
        free(goff);
        free(h);
        return nomem(w->lay);
    }
    bool whole = false;
    uint64_t o = 0;
    for (size_t g = 0; g < ng && !whole; g++) {
        size_t first = g * FID_GROUP, m = n - first < FID_GROUP ? n - first : FID_GROUP;
        goff[g] = o;
        fsi_hresult hr = fids_range(w, dir, first, m, g == 0, o, &fail);
        if (hr == IMAPI_E_NO_UNIQUE_NAME) {
            whole = true;           /* naming it whole decides */
            break;
        }
        if (FSI_FAILED(hr)) {
            free(goff);
            free(h);
            return fids_failed(w, dir, hr, fail);
        }
        for (size_t i = g == 0; i < c->n; i++) {
            uint64_t x = 0xcbf29ce484222325ULL;
            const uint8_t *id = c->ids.b + c->idoff[i];
            for (size_t k = 0; k < c->idlen[i]; k++)
                x = (x ^ id[k]) * 0x100000001b3ULL;
            h[first + i - (g == 0)] = layout_mix64(x ^ c->idlen[i]);
        }
        o = c->off[c->n];
        c->dir = dir;
        c->group = g;
    }
    goff[ng] = o;
    if (!whole)
        whole = !layout_hashes_distinct(h, n);
    free(h);
    if (whole) {
        free(goff);
        goff = NULL;
        fsi_hresult hr = fids_load(w, dir);
        if (FSI_FAILED(hr))
            return hr;
        o = c->off[c->n];
        fc_release(c);              /* big arrays: not kept */
    }
    /* Directories are numbered in ascending fe[] order. */
    w->big[w->nbig++] = (struct bigdir){ .dir = dir, .ngroups = ng, .goff = goff };
    *bytes = o;
    return FSI_S_OK;
}

/* Build FID i of the cache into out; returns its size. */
static size_t fid_build(const struct udfw *w, size_t i, uint64_t dir_first, uint8_t *out)
{
    const struct fidcache *c = &w->fc;
    size_t size = udf_fid_size(c->iu[i], c->idlen[i]);
    memset(out, 0, size);
    udf_put16(out + 16, 1);                          /* file version number */
    out[18] = c->ch[i];
    out[19] = c->idlen[i];
    /* unique_id() of the item, from the fe[] read when it was loaded. */
    uint64_t uid = uid_of(w, c->item[i], c->fen[i]);
    udf_long_ad(out + 20, FSI_BLOCK, UDF_EXT_RECORDED, c->fen[i], w->mref,
                w->rev >= 0x200 ? (uint32_t)uid : 0);
    udf_put16(out + 36, c->iu[i]);
    if (c->iu[i])
        udf_regid_impl(out + 38, IMPL_ID);
    if (c->idlen[i])
        memcpy(out + 38 + c->iu[i], c->ids.b + c->idoff[i], c->idlen[i]);
    udf_tag_finish(out, UDF_TAG_FID, w->dver,
                   (uint32_t)(dir_first + c->off[i] / FSI_BLOCK), size);
    return size;
}

/* The cached FIDs' bytes in [lo, lo + FSI_BLOCK) of the directory, into
 * buf (the block). */
static void fids_put(const struct udfw *w, uint64_t dir_first, uint64_t lo, uint8_t *buf)
{
    const struct fidcache *c = &w->fc;
    uint64_t hi = lo + FSI_BLOCK;
    uint8_t fid[UDF_FID_SIZE + FID_IU_PAD + UDF_ID_MAX + 4];
    /* First FID ending after lo. */
    size_t a = 0, b = c->n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (c->off[mid + 1] <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    for (size_t i = a; i < c->n && c->off[i] < hi; i++) {
        size_t size = fid_build(w, i, dir_first, fid);
        uint64_t s = c->off[i], e = s + size;
        uint64_t cs = s > lo ? s : lo, ce = e < hi ? e : hi;
        if (cs < ce)
            memcpy(buf + (cs - lo), fid + (cs - s), ce - cs);
    }
}

/* Block k of the FID area of dir, whose data starts at metadata block
 * dir_first. */
static fsi_hresult fids_produce(struct udfw *w, fsi_item dir, uint64_t dir_first, uint64_t k,
                                uint8_t *buf)
{
    uint64_t lo = k * FSI_BLOCK;
    memset(buf, 0, FSI_BLOCK);
    const struct bigdir *bd = find_big(w, dir);
    if (!bd || !bd->goff) {
        fsi_hresult hr = fids_load(w, dir);
        if (FSI_SUCCEEDED(hr))
            fids_put(w, dir_first, lo, buf);
        return hr;
    }
    /* The groups whose FIDs meet the block. */
    size_t a = 0, b = bd->ngroups;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (bd->goff[mid + 1] <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    for (size_t g = a; g < bd->ngroups && bd->goff[g] < lo + FSI_BLOCK; g++) {
        fsi_hresult hr = fids_group(w, bd, g);
        if (FSI_FAILED(hr))
            return hr;
        fids_put(w, dir_first, lo, buf);
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Placing the metadata                                              */
/* ---------------------------------------------------------------- */

/* A symbolic link of pc bytes of path components that take blocks of
 * their own (numbered now: its fe[] is set). */
static fsi_hresult add_link(struct udfw *w, fsi_item it, size_t pc)
{
    if (w->nlinks == w->cap_links) {
        size_t cap = w->cap_links ? w->cap_links * 2 : 16;
        struct udflink *p = realloc(w->links, cap * sizeof *p);
        if (!p)
            return nomem(w->lay);
        w->links = p;
        w->cap_links = cap;
    }
    if (pc > UDF_EXTENT_LIMIT || w->link_blocks + bytes_to_blocks(pc) > UINT32_MAX)
        return too_big(w->lay, "symbolic links");
    w->links[w->nlinks++] = (struct udflink){
        .item = it, .fe = w->fe[it], .block = (uint32_t)w->link_blocks, .bytes = (uint32_t)pc,
    };
    w->link_blocks += bytes_to_blocks(pc);
    return FSI_S_OK;
}

/* Number every item's File Entry, breadth first; size every directory. */
/* Whether a session may point at the old File Entry of imported item
 * `it` (as imported, one name): its block and Unique ID.  The ID must
 * lie below the new ones, the block below the new metadata. */
static bool keep_fe(const struct udfw *w, fsi_item it, uint32_t *olb, uint64_t *ouid)
{
    return w->ruid && import_udf_fe(w->lay->img, it, w->lay->img->ms_disc, w->mref, olb, ouid) &&
           *ouid >= 16 && *ouid < w->uid_shift && *olb >= 2 && (uint64_t)*olb < w->mbase;
}

static fsi_hresult build_meta(struct udfw *w)
{
    struct layout *lay = w->lay;
    const fsi_image *img = lay->img;
    w->fe = calloc(lay->nitems ? lay->nitems : 1, sizeof *w->fe);
    w->order = malloc((size_t)(img->nfiles + img->ndirs + 1) * sizeof *w->order);
    w->dirs = malloc((size_t)(img->ndirs + 1) * sizeof *w->dirs);
    if (!w->fe || !w->order || !w->dirs)
        return nomem(lay);

    uint64_t m = w->mbase + 2;                       /* after the FSD and its TD */
    size_t nd = 0;
    w->dirs[nd++] = (struct udfdir){.item = FSI_ROOT};
    for (size_t d = 0; d < nd; d++) {
        fsi_item dir = w->dirs[d].item;
        size_t nk = 0;
        const fsi_item *kids = layout_children(lay, dir, &nk);
        uint64_t bytes = 0;
        w->fe[dir] = (uint32_t)m;
        fsi_hresult hr;
        if (nk > FID_GROUP) {
            hr = fids_survey(w, dir, &bytes);
        } else if (FSI_SUCCEEDED(hr = fids_load(w, dir))) {
            bytes = w->fc.off[w->fc.n];
        }
        if (FSI_FAILED(hr))
            return hr;
        w->dirs[d].bytes = bytes;
        w->order[w->norder++] = dir;
        m += 1 + aed_blocks(w, n_extents(bytes, UDF_DIR_EXTENT_MAX), false) +
             bytes_to_blocks(bytes);
        uint32_t nsub = 0;
        /* Types and sizes: from the layout's records in a big directory. */
        const uint8_t *rec = nk > FID_GROUP ? layout_group_names(lay, dir, 0) : NULL;
        struct layout_kid k = { 0 };
        for (size_t i = 0; i < nk; i++) {
            fsi_item it = kids[i];
            int type;
            uint64_t size;
            if (rec) {
                rec = layout_kid_next(rec, &k);
                /* Only a record with no data may be a link or a special:
                 * the node is looked at for those alone. */
                type = k.bits & LK_DIR    ? NODE_DIR
                       : k.bits & LK_DATA ? NODE_FILE
                                          : img->nodes[it].type;
                size = k.size;
            } else {
                type = img->nodes[it].type;
                size = img->nodes[it].size;
            }
            if (i + LAYOUT_AHEAD < nk)
                layout_prefetch(&w->fe[kids[i + LAYOUT_AHEAD]]);
            uint32_t olb;
            uint64_t ouid;
            if (type == NODE_DIR) {
                nsub++;
                /* Unchanged with all below it: its old File Entry, and
                 * its FIDs pointing at the old ones below. */
                if (keep_fe(w, it, &olb, &ouid) && session_kept(lay, it)) {
                    w->fe[it] = olb;
                    w->ruid[it] = ouid;
                    w->nkept_dirs++;
                    continue;
                }
                if (nd <= img->ndirs)
                    w->dirs[nd++] = (struct udfdir){.item = it};
                continue;
            }
            w->nfiles++;                /* UDF 2.2.6.4: names of files */
            /* Another name of a file: its FID points at the File Entry of
             * the first name, numbered before (layout order is this
             * order). */
            fsi_item leader = layout_leader(lay, it);
            if (leader != it) {
                if (!w->fe[leader])
                    return internal(lay, "a hard link comes before its first name");
                w->fe[it] = w->fe[leader];
                continue;
            }
            if (keep_fe(w, it, &olb, &ouid)) {
                w->fe[it] = olb;            /* kept where it is, as it is */
                w->ruid[it] = ouid;
                continue;
            }
            if (m >= UINT32_MAX)
                return too_big(lay, "metadata");
            w->fe[it] = (uint32_t)m;
            w->order[w->norder++] = it;
            m += 1;
            if (type == NODE_FILE) {
                m += aed_blocks(w, n_extents(size, UDF_EXTENT_MAX), w->meta);
            } else if (type == NODE_SYMLINK) {
                size_t pc = link_pc_bytes(w, it);
                if (pc > FSI_BLOCK - fe_hdr(w) && FSI_FAILED(hr = add_link(w, it, pc)))
                    return hr;
            }
        }
        w->dirs[d].nsub = nsub;
        if (m >= UINT32_MAX)
            return too_big(lay, "metadata");
    }
    w->ndirs = nd;
    w->mspace = m;
    /* The cache holds fe[] as it was while numbering: load again. */
    w->fc.dir = 0;
    return FSI_S_OK;
}

static fsi_hresult udf_place(struct layout *lay, void *self, enum layout_phase ph)
{
    struct udfw *w = self;
    fsi_hresult hr = FSI_S_OK;
    uint64_t b;
    switch (ph) {
    case PHASE_VRS:
        return layout_alloc(lay, TAG_VRS, 3, &w->vrs);
    case PHASE_SYSTEM: {
        /* The anchor at 256 of the session (of the disc, unless a session
         * image or an appended session starts later). */
        uint64_t anchor = lay->base + ANCHOR_BLOCK;
        if (lay->next + VDS_BLOCKS + LVIS_BLOCKS <= anchor) {
            uint64_t at = lay->next < lay->base + 32 ? lay->base + 32 : lay->next;
            if (at + VDS_BLOCKS + LVIS_BLOCKS > anchor)
                at = lay->next;
            w->mvds = at;
            if (FSI_FAILED(hr = layout_alloc_at(lay, at, TAG_MVDS, VDS_BLOCKS)) ||
                FSI_FAILED(hr = layout_alloc(lay, TAG_LVIS, LVIS_BLOCKS, &w->lvis)))
                return hr;
            w->avdp = anchor;
            return layout_alloc_at(lay, anchor, TAG_AVDP, 1);
        }
        if (lay->next > anchor)
            return internal(lay, "block 256 (the UDF anchor) is already in use");
        w->avdp = anchor;
        if (FSI_FAILED(hr = layout_alloc_at(lay, anchor, TAG_AVDP, 1)) ||
            FSI_FAILED(hr = layout_alloc(lay, TAG_MVDS, VDS_BLOCKS, &w->mvds)))
            return hr;
        return layout_alloc(lay, TAG_LVIS, LVIS_BLOCKS, &w->lvis);
    }
    case PHASE_META: {
        const struct rd_udf_volume *u = &lay->udf_prev;
        /* A session continuing a UDF volume keeps its partition's start,
         * so that the files it keeps in place stay addressable. */
        w->meta_at = lay->next;
        /* 2.50+: the metadata file (and so the partition of a new volume)
         * starts on an alignment unit of the disc's blocks, as its mirror
         * does (an ECC block of a DVD is 16 blocks, of a BD 32). */
        if (w->meta)
            w->meta_at = (lay->udf_part ? lay->udf_part : 0) +
                         (lay->next - lay->udf_part + META_UNIT - 1) / META_UNIT * META_UNIT;
        w->part = lay->udf_part ? lay->udf_part : w->meta_at;
        if (w->part > w->meta_at)
            return internal(lay, "the UDF partition would start after its metadata");
        /* 1.02-2.01: metadata blocks are partition blocks, numbered from
         * the partition's start.  2.50+: a new metadata file holds them.
         * (Continuing the previous one's extents would keep its File
         * Entries' numbers, but libudfread maps only a metadata file's
         * first extent.) */
        w->mbase = w->meta ? 0 : w->meta_at - w->part;
        if (w->mbase > UINT32_MAX / 2)
            return too_big(lay, "partition");
        /* Unique IDs above the old volume's; its File Entries kept where
         * nothing changed and their blocks keep their numbers. */
        if (lay->udf_part && u->next_uid) {
            w->uid_shift = u->next_uid;
            if (!w->meta && !lay->img->normalize && lay->img->imp_fe &&
                !(w->ruid = calloc(lay->nitems ? lay->nitems : 1, sizeof *w->ruid)))
                return nomem(lay);
        }
        if (FSI_FAILED(hr = build_meta(w)))
            return hr;
        if (!w->meta)
            return layout_alloc(lay, TAG_META, w->mspace - w->mbase, &b);
        w->msize = (w->mspace + META_UNIT - 1) / META_UNIT * META_UNIT;
        if (FSI_FAILED(hr = layout_alloc_at(lay, w->meta_at, TAG_META, w->msize)) ||
            FSI_FAILED(hr = layout_alloc(lay, TAG_MFE, 1, &w->mfe)))
            return hr;
        return FSI_S_OK;
    }
    case PHASE_DATA:
        /* Path components too long for their File Entry: file data of the
         * physical partition, after the files'. */
        if (!w->link_blocks)
            return FSI_S_OK;
        return layout_alloc(lay, TAG_LINKS, w->link_blocks, &w->links_at);
    case PHASE_TAIL: {
        uint64_t end = w->part + w->mspace;
        if (w->meta) {
            uint64_t at = w->part + (lay->next - w->part + META_UNIT - 1) / META_UNIT * META_UNIT;
            w->mirror = at;
            if (FSI_FAILED(hr = layout_alloc_at(lay, at, TAG_MIRROR, w->msize)) ||
                FSI_FAILED(hr = layout_alloc(lay, TAG_MIRFE, 1, &w->mirfe)))
                return hr;
            end = w->mirfe + 1;
        } else {
            if (lay->data_blocks && lay->data_start + lay->data_blocks > end)
                end = lay->data_start + lay->data_blocks;
            if (w->link_blocks && w->links_at + w->link_blocks > end)
                end = w->links_at + w->link_blocks;
        }
        w->part_len = end - w->part;
        /* A big volume gets the third anchor, at N - 256 (N the last
         * block): one bad block near the start or the end then leaves two
         * of three, as strict readers want.  It costs 256 blocks (the
         * reserve sequence and zeros up to the last), so small volumes
         * keep two. */
        if (lay->next + 257 + VDS_BLOCKS >= UDF_THIRD_ANCHOR_MIN) {
            if (FSI_FAILED(hr = layout_alloc(lay, TAG_AVDP_MID, 1, &w->avdp_mid)) ||
                FSI_FAILED(hr = layout_alloc(lay, TAG_RVDS, VDS_BLOCKS, &w->rvds)))
                return hr;
            w->avdp_end = w->avdp_mid + 256;
            return layout_alloc_at(lay, w->avdp_end, TAG_AVDP_END, 1);
        }
        if (FSI_FAILED(hr = layout_alloc(lay, TAG_RVDS, VDS_BLOCKS, &w->rvds)))
            return hr;
        return layout_alloc(lay, TAG_AVDP_END, 1, &w->avdp_end);
    }
    default:
        return FSI_S_OK;
    }
}

/* ---------------------------------------------------------------- */
/* File entries and allocation extents                               */
/* ---------------------------------------------------------------- */

struct fe_args {
    uint32_t loc;               /* tag location */
    uint8_t ftype;
    uint16_t flags;             /* ICB flags besides the AD type */
    uint32_t uid, gid, perm;
    uint16_t links;
    uint64_t unique;
    int64_t atime, mtime, ctime, attrtime;
    struct stream s;
    uint32_t aed_first;         /* metadata block of the first AED */
    const char *inicb;          /* a symbolic link's target whose path
                                   components the File Entry holds */
    bool device;                /* a Device Specification attribute */
    uint32_t major, minor;
};

static void produce_fe(const struct udfw *w, const struct fe_args *a, uint8_t *p)
{
    const struct stream *s = &a->s;
    uint64_t n = stream_extents(s);
    uint64_t first, count;
    bool cont;
    unsigned hdr = fe_hdr(w), asz = ad_size(s->long_ad);
    uint64_t bytes = s->bytes, recorded = bytes_to_blocks(s->bytes);
    uint16_t adtype = s->long_ad ? UDF_ICB_AD_LONG : UDF_ICB_AD_SHORT;
    uint32_t l_ea = 0;

    memset(p, 0, FSI_BLOCK);
    /* After the fixed part: the extended attribute space, then the
     * allocation descriptors or the embedded data. */
    if (a->device) {
        l_ea = UDF_EA_DEVICE_SPACE;
        udf_ea_device(p + hdr, w->dver, a->loc, a->major, a->minor, IMPL_ID);
        udf_put32(p + hdr - 8, l_ea);
    }
    if (a->inicb) {
        adtype = UDF_ICB_AD_IN_ICB;
        bytes = udf_path_components(a->inicb, strlen(a->inicb), p + hdr + l_ea,
                                    FSI_BLOCK - hdr - l_ea);
        recorded = 0;
    }
    /* ICB tag (ECMA-167 4/14.6), strategy 4 */
    udf_put16(p + 20, 4);                            /* strategy type */
    udf_put16(p + 24, 1);                            /* maximum entries */
    p[27] = a->ftype;
    udf_put16(p + 34, (uint16_t)(a->flags | adtype));
    udf_put32(p + 36, a->uid);
    udf_put32(p + 40, a->gid);
    udf_put32(p + 44, a->perm);
    udf_put16(p + 48, a->links);
    udf_put64(p + 56, bytes);                        /* information length */
    if (w->efe) {
        udf_put64(p + 64, bytes);                    /* object size */
        udf_put64(p + 72, recorded);
        udf_timestamp(p + 80, a->atime);
        udf_timestamp(p + 92, a->mtime);
        udf_timestamp(p + 104, a->ctime);            /* creation */
        udf_timestamp(p + 116, a->attrtime);
        udf_put32(p + 128, 1);                       /* checkpoint */
        udf_regid_impl(p + 168, IMPL_ID);
        udf_put64(p + 200, a->unique);
    } else {
        udf_put64(p + 64, recorded);
        udf_timestamp(p + 72, a->atime);
        udf_timestamp(p + 84, a->mtime);
        udf_timestamp(p + 96, a->attrtime);
        udf_put32(p + 108, 1);                       /* checkpoint */
        udf_regid_impl(p + 128, IMPL_ID);
        udf_put64(p + 160, a->unique);
    }
    uint32_t l_ad = (uint32_t)bytes;
    if (!a->inicb) {
        ads_in(w, n, s->long_ad, -1, &first, &count, &cont);
        uint8_t *ad = p + hdr + l_ea;
        for (uint64_t i = 0; i < count; i++, ad += asz)
            put_data_ad(s, first + i, ad);
        if (cont) {
            put_next_ad(w, s, a->aed_first, ad);
            ad += asz;
        }
        l_ad = (uint32_t)(ad - (p + hdr + l_ea));
    }
    udf_put32(p + hdr - 4, l_ad);
    udf_tag_finish(p, w->efe ? UDF_TAG_EFE : UDF_TAG_FE, w->dver, a->loc, hdr + l_ea + l_ad);
}

/* AED j of a stream whose first AED is at metadata block a->aed_first. */
static void produce_aed(const struct udfw *w, const struct fe_args *a, uint64_t j, uint8_t *p)
{
    const struct stream *s = &a->s;
    uint64_t first, count;
    bool cont;
    unsigned asz = ad_size(s->long_ad);
    memset(p, 0, FSI_BLOCK);
    ads_in(w, stream_extents(s), s->long_ad, (int64_t)j, &first, &count, &cont);
    uint8_t *ad = p + UDF_AED_SIZE;
    for (uint64_t i = 0; i < count; i++, ad += asz)
        put_data_ad(s, first + i, ad);
    if (cont) {
        put_next_ad(w, s, a->aed_first + (uint32_t)j + 1, ad);
        ad += asz;
    }
    uint32_t l_ad = (uint32_t)(ad - (p + UDF_AED_SIZE));
    udf_put32(p + 16, j ? a->aed_first + (uint32_t)j - 1 : 0);   /* previous extent */
    udf_put32(p + 20, l_ad);
    udf_tag_finish(p, UDF_TAG_AED, w->dver, a->aed_first + (uint32_t)j, UDF_AED_SIZE + l_ad);
}

static void item_fe_args(const struct udfw *w, fsi_item item, struct fe_args *a)
{
    const fsi_image *img = w->lay->img;
    const struct node *nd = &img->nodes[item];
    struct item_posix px;
    memset(a, 0, sizeof *a);
    item_posix(img, item, &px);
    a->loc = w->fe[item];
    a->aed_first = w->fe[item] + 1;
    a->uid = px.uid;
    a->gid = px.gid;
    /* rwx as POSIX has them (what Linux reads); delete tracks write and
     * the owner may change attributes, as Linux records them (UDF 2.60
     * 3.3.3.3). */
    a->perm = udf_permissions(px.mode);
    if (px.mode & S_ISUID)
        a->flags |= UDF_ICB_SETUID;
    if (px.mode & S_ISGID)
        a->flags |= UDF_ICB_SETGID;
    if (px.mode & S_ISVTX)
        a->flags |= UDF_ICB_STICKY;
    a->unique = unique_id(w, item);
    a->atime = item_time_ns(img, item, FSI_TIME_ACCESS);
    a->mtime = item_time_ns(img, item, FSI_TIME_MODIFICATION);
    a->ctime = item_time_ns(img, item, FSI_TIME_CREATION);
    a->attrtime = a->mtime;
    item_stream(w, item, &a->s);
    if (nd->type == NODE_DIR) {
        const struct udfdir *d = find_dir(w, item);
        a->ftype = UDF_FT_DIR;
        /* Its FID in the parent and the parent FIDs of its subdirectories
         * (the root's own parent FID stands for the first). */
        a->links = (uint16_t)(1 + (d && d->nsub < 0xFFFE ? d->nsub : 0xFFFE));
        return;
    }
    /* Every name of the file (layout_nlink) has a FID pointing here. */
    uint32_t nl = layout_nlink(w->lay, item);
    a->links = (uint16_t)(nl < 0xFFFF ? nl : 0xFFFF);
    switch (px.mode & S_IFMT) {
    case S_IFLNK:
        a->ftype = UDF_FT_SYMLINK;
        if (!find_link(w, item))
            a->inicb = node_link_target(img, nd);
        break;
    case S_IFIFO:
        a->ftype = UDF_FT_FIFO;
        break;
    case S_IFSOCK:
        a->ftype = UDF_FT_SOCKET;
        break;
    case S_IFCHR:
    case S_IFBLK: {
        uint64_t rdev = node_rdev(img, nd);
        a->ftype = S_ISCHR(px.mode) ? UDF_FT_CHAR : UDF_FT_BLOCK;
        a->device = true;
        a->major = (uint32_t)major((dev_t)rdev);
        a->minor = (uint32_t)minor((dev_t)rdev);
        break;
    }
    default:
        a->ftype = UDF_FT_FILE;
    }
}

/* The metadata file's or its mirror's Extended File Entry, at physical
 * partition block loc, describing msize blocks at physical block data. */
static void meta_fe_args(const struct udfw *w, bool mirror, struct fe_args *a)
{
    memset(a, 0, sizeof *a);
    a->loc = (uint32_t)((mirror ? w->mirfe : w->mfe) - w->part);
    a->ftype = mirror ? UDF_FT_METADATA_MIRROR : UDF_FT_METADATA;
    a->links = 1;
    a->unique = 0;                                   /* UDF 2.2.13.1 */
    a->atime = a->mtime = a->ctime = a->attrtime = w->lay->now_ns;
    a->s.bytes = w->msize * FSI_BLOCK;
    a->s.start = (uint32_t)((mirror ? w->mirror : w->meta_at) - w->part);
    a->s.ref = 0;
    a->s.long_ad = false;
    a->s.ext_max = meta_ext_max();
    a->aed_first = a->loc + 1;                       /* not used (checked in finish) */
}

static fsi_hresult udf_finish(struct layout *lay, void *self)
{
    struct udfw *w = self;
    if (w->avdp_end + 1 != lay->total_blocks)
        return internal(lay, "the closing anchor is not in the last block");
    if (lay->data_blocks &&
        lay->data_start < w->meta_at + (w->meta ? w->msize + 1 : w->mspace - w->mbase))
        return internal(lay, "file data lies before the UDF partition's metadata");
    if (w->part + w->part_len > UINT32_MAX || lay->total_blocks > UINT32_MAX)
        return too_big(lay, "partition");
    if (w->meta) {
        struct fe_args fa;
        meta_fe_args(w, false, &fa);
        if (stream_extents(&fa.s) > fe_cap(w, false))
            return too_big(lay, "metadata file");
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* The metadata space                                                */
/* ---------------------------------------------------------------- */

static void produce_fsd(const struct udfw *w, uint8_t *p)
{
    const struct layout *lay = w->lay;
    memset(p, 0, FSI_BLOCK);
    udf_timestamp(p + 16, lay->now_ns);
    udf_put16(p + 28, 3);                            /* interchange level */
    udf_put16(p + 30, 3);
    udf_put32(p + 32, 1);                            /* character set list: CS0 */
    udf_put32(p + 36, 1);
    udf_put32(p + 40, 0);                            /* file set number */
    udf_put32(p + 44, 0);                            /* file set descriptor number */
    udf_charspec(p + 48);
    udf_dstring(p + 112, 128, lay->volume_name);     /* logical volume id */
    udf_charspec(p + 240);
    udf_dstring(p + 304, 32, lay->volume_name);      /* file set id */
    udf_long_ad(p + 400, FSI_BLOCK, UDF_EXT_RECORDED, w->fe[FSI_ROOT], w->mref, 0);
    udf_regid_domain(p + 416, "*OSTA UDF Compliant", w->rev);
    udf_tag_finish(p, UDF_TAG_FSD, w->dver, (uint32_t)w->mbase, 512);
}

static void produce_td(const struct udfw *w, uint32_t loc, uint8_t *p)
{
    memset(p, 0, FSI_BLOCK);
    udf_tag_finish(p, UDF_TAG_TD, w->dver, loc, 512);
}

/* Metadata block m (in the partition, or the metadata partition). */
static fsi_hresult produce_meta_block(struct udfw *w, uint64_t m, uint8_t *p)
{
    if (m == w->mbase) {
        produce_fsd(w, p);
        return FSI_S_OK;
    }
    if (m == w->mbase + 1) {
        produce_td(w, (uint32_t)m, p);
        return FSI_S_OK;
    }
    if (m >= w->mspace || w->norder == 0) {
        memset(p, 0, FSI_BLOCK);
        return FSI_S_OK;
    }
    /* The item whose blocks hold m: usually the one of the block before
     * or the next (blocks are mostly asked for in order), else found by
     * bisection. */
    size_t a = w->hint;
    if (!(a < w->norder && w->fe[w->order[a]] <= m &&
          (a + 1 == w->norder || w->fe[w->order[a + 1]] > m))) {
        a++;
        if (!(a < w->norder && w->fe[w->order[a]] <= m &&
              (a + 1 == w->norder || w->fe[w->order[a + 1]] > m))) {
            size_t lo = 0, hi = w->norder;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (w->fe[w->order[mid]] <= m)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            a = lo - 1;
        }
    }
    w->hint = a;
    if (a + LAYOUT_AHEAD < w->norder) {
        fsi_item ahead = w->order[a + LAYOUT_AHEAD];
        layout_prefetch_node(w->lay->img, ahead);
        layout_prefetch(&w->fe[ahead]);
        layout_prefetch(&w->lay->file_block[ahead]);
    }
    fsi_item it = w->order[a];
    uint64_t k = m - w->fe[it];
    struct fe_args fa;
    item_fe_args(w, it, &fa);
    if (k == 0) {
        produce_fe(w, &fa, p);
        return FSI_S_OK;
    }
    uint64_t naed = aed_blocks(w, stream_extents(&fa.s), fa.s.long_ad);
    if (k <= naed) {
        produce_aed(w, &fa, k - 1, p);
        return FSI_S_OK;
    }
    /* A block of a directory's FIDs. */
    return fids_produce(w, it, fa.s.start, k - 1 - naed, p);
}

/* Block k of the links region: the path components of the long symbolic
 * link that holds it, zero after their end. */
static fsi_hresult produce_link_block(struct udfw *w, uint64_t k, uint8_t *p)
{
    memset(p, 0, FSI_BLOCK);
    size_t a = 0, b = w->nlinks;
    while (a < b) {                 /* the last link starting at or before k */
        size_t mid = a + (b - a) / 2;
        if (w->links[mid].block <= k)
            a = mid + 1;
        else
            b = mid;
    }
    if (a == 0)
        return internal(w->lay, "a block of the symbolic links region holds no link");
    const struct udflink *l = &w->links[a - 1];
    uint64_t off = (k - l->block) * FSI_BLOCK;
    if (off >= l->bytes)
        return FSI_S_OK;
    if (w->pc_cap < l->bytes) {
        uint8_t *q = realloc(w->pc, l->bytes);
        if (!q)
            return nomem(w->lay);
        w->pc = q;
        w->pc_cap = l->bytes;
    }
    const fsi_image *img = w->lay->img;
    const char *t = node_link_target(img, &img->nodes[l->item]);
    if (udf_path_components(t, strlen(t), w->pc, l->bytes) != l->bytes)
        return internal(w->lay, "a symbolic link's target changed");
    uint64_t n = l->bytes - off < FSI_BLOCK ? l->bytes - off : FSI_BLOCK;
    memcpy(p, w->pc + off, n);
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Volume structures                                                 */
/* ---------------------------------------------------------------- */

static void produce_vrs(const struct udfw *w, uint64_t k, uint8_t *p)
{
    static const char *const ids[3] = {"BEA01", NULL, "TEA01"};
    memset(p, 0, FSI_BLOCK);
    p[0] = 0;
    memcpy(p + 1, k == 1 ? (w->dver == 2 ? "NSR02" : "NSR03") : ids[k], 5);
    p[6] = 1;
}

static void produce_avdp(const struct udfw *w, uint32_t loc, uint8_t *p)
{
    memset(p, 0, FSI_BLOCK);
    udf_extent_ad(p + 16, VDS_BLOCKS * FSI_BLOCK, (uint32_t)w->mvds);
    udf_extent_ad(p + 24, VDS_BLOCKS * FSI_BLOCK, (uint32_t)w->rvds);
    udf_tag_finish(p, UDF_TAG_AVDP, w->dver, loc, 512);
}

/* Descriptor k (0-5) of a volume descriptor sequence at block loc. */
static void produce_vds(const struct udfw *w, uint64_t k, uint32_t loc, uint8_t *p)
{
    const struct layout *lay = w->lay;
    memset(p, 0, FSI_BLOCK);
    uint32_t seq = (uint32_t)k + 1;                  /* VDS number */
    switch (k) {
    case 0:                                          /* PVD (ECMA-167 3/10.1) */
        udf_put32(p + 16, seq);
        udf_put32(p + 20, 0);
        udf_dstring(p + 24, 32, lay->volume_name);
        udf_put16(p + 56, 1);                        /* volume sequence number */
        udf_put16(p + 58, 1);
        udf_put16(p + 60, 2);                        /* interchange level */
        udf_put16(p + 62, 3);
        udf_put32(p + 64, 1);                        /* CS0 */
        udf_put32(p + 68, 1);
        udf_dstring(p + 72, 128, w->vsid);
        udf_charspec(p + 200);
        udf_charspec(p + 264);
        udf_regid_impl(p + 344, IMPL_ID);            /* application */
        udf_timestamp(p + 376, lay->now_ns);
        udf_regid_impl(p + 388, IMPL_ID);
        udf_put16(p + 488, 1);                       /* volume set id is common */
        udf_tag_finish(p, UDF_TAG_PVD, w->dver, loc, 512);
        return;
    case 1:                                          /* IUVD (UDF 2.2.7) */
        udf_put32(p + 16, seq);
        udf_regid_udf(p + 20, "*UDF LV Info", w->rev);
        udf_charspec(p + 52);
        udf_dstring(p + 116, 128, lay->volume_name);
        udf_regid_impl(p + 352, IMPL_ID);
        udf_tag_finish(p, UDF_TAG_IUVD, w->dver, loc, 512);
        return;
    case 2:                                          /* PD (ECMA-167 3/10.5) */
        udf_put32(p + 16, seq);
        udf_put16(p + 20, 1);                        /* allocated */
        udf_put16(p + 22, 0);                        /* partition number */
        udf_regid(p + 24, w->dver == 2 ? "+NSR02" : "+NSR03", NULL);
        udf_put32(p + 184, 1);                       /* access type: read-only */
        udf_put32(p + 188, (uint32_t)w->part);
        udf_put32(p + 192, (uint32_t)w->part_len);
        udf_regid_impl(p + 196, IMPL_ID);
        udf_tag_finish(p, UDF_TAG_PD, w->dver, loc, 512);
        return;
    case 3: {                                        /* LVD (ECMA-167 3/10.6) */
        udf_put32(p + 16, seq);
        udf_charspec(p + 20);
        udf_dstring(p + 84, 128, lay->volume_name);
        udf_put32(p + 212, FSI_BLOCK);
        udf_regid_domain(p + 216, "*OSTA UDF Compliant", w->rev);
        udf_long_ad(p + 248, FSI_BLOCK, UDF_EXT_RECORDED, (uint32_t)w->mbase, w->mref, 0); /* FSD */
        udf_regid_impl(p + 272, IMPL_ID);
        udf_extent_ad(p + 432, LVIS_BLOCKS * FSI_BLOCK, (uint32_t)w->lvis);
        uint8_t *m = p + 440;
        m[0] = 1;                                    /* type 1 map */
        m[1] = 6;
        udf_put16(m + 2, 1);                         /* volume sequence number */
        udf_put16(m + 4, 0);                         /* partition number */
        uint32_t mtl = 6, npm = 1;
        if (w->meta) {
            m += 6;
            m[0] = 2;                                /* type 2: metadata (UDF 2.2.10) */
            m[1] = 64;
            udf_regid_udf(m + 4, "*UDF Metadata Partition", w->rev);
            udf_put16(m + 36, 1);
            udf_put16(m + 38, 0);
            udf_put32(m + 40, (uint32_t)(w->mfe - w->part));
            udf_put32(m + 44, (uint32_t)(w->mirfe - w->part));
            udf_put32(m + 48, 0xFFFFFFFFu);          /* no bitmap: read-only */
            udf_put32(m + 52, META_UNIT);            /* allocation unit */
            udf_put16(m + 56, META_UNIT);            /* alignment unit */
            m[58] = 1;                               /* the mirror is a copy */
            mtl += 64;
            npm++;
        }
        udf_put32(p + 264, mtl);
        udf_put32(p + 268, npm);
        udf_tag_finish(p, UDF_TAG_LVD, w->dver, loc, 440 + mtl);
        return;
    }
    case 4:                                          /* USD: nothing unallocated */
        udf_put32(p + 16, seq);
        udf_put32(p + 20, 0);
        udf_tag_finish(p, UDF_TAG_USD, w->dver, loc, 24);
        return;
    case 5:
        produce_td(w, loc, p);
        return;
    default:
        return;                                      /* unused blocks stay zero */
    }
}

static void produce_lvid(const struct udfw *w, uint32_t loc, uint8_t *p)
{
    const struct layout *lay = w->lay;
    uint32_t npart = w->meta ? 2 : 1;
    memset(p, 0, FSI_BLOCK);
    udf_timestamp(p + 16, lay->now_ns);
    udf_put32(p + 28, 1);                            /* close */
    udf_put64(p + 40, 16 + w->uid_shift + (uint64_t)w->mspace);   /* next unique ID */
    udf_put32(p + 72, npart);
    udf_put32(p + 76, 46);                           /* implementation use length */
    uint8_t *t = p + 80;
    for (uint32_t i = 0; i < npart; i++)
        udf_put32(t + 4 * i, 0);                     /* free space: none */
    udf_put32(t + 4 * npart, (uint32_t)w->part_len);
    if (w->meta)
        udf_put32(t + 4 * npart + 4, (uint32_t)w->msize);
    uint8_t *iu = t + 8 * npart;
    udf_regid_impl(iu, IMPL_ID);
    /* Kept directories were not counted into: the tree's counts hold all. */
    uint64_t nfiles = w->nkept_dirs ? lay->img->nfiles : w->nfiles;
    uint64_t ndirs = w->nkept_dirs ? lay->img->ndirs + 1 : w->ndirs;
    udf_put32(iu + 32, (uint32_t)(nfiles > UINT32_MAX ? UINT32_MAX : nfiles));
    udf_put32(iu + 36, (uint32_t)(ndirs > UINT32_MAX ? UINT32_MAX : ndirs));
    /* A 2.60 volume without pseudo-overwrite reads as 2.50. */
    udf_put16(iu + 40, w->rev == 0x260 ? 0x250 : w->rev);   /* minimum read */
    udf_put16(iu + 42, w->rev);                              /* minimum write */
    udf_put16(iu + 44, w->rev);                              /* maximum write */
    udf_tag_finish(p, UDF_TAG_LVID, w->dver, loc, 80 + 8 * npart + 46);
}

/* ---------------------------------------------------------------- */
/* Writer interface                                                  */
/* ---------------------------------------------------------------- */

static fsi_hresult udf_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                               uint8_t *buf, uint32_t n)
{
    struct udfw *w = self;
    fsi_hresult hr = FSI_S_OK;
    for (uint32_t i = 0; i < n && FSI_SUCCEEDED(hr); i++, block++, buf += FSI_BLOCK) {
        struct fe_args fa;
        switch (tag) {
        case TAG_VRS:
            produce_vrs(w, block, buf);
            break;
        case TAG_MVDS:
            produce_vds(w, block, (uint32_t)(w->mvds + block), buf);
            break;
        case TAG_RVDS:
            produce_vds(w, block, (uint32_t)(w->rvds + block), buf);
            break;
        case TAG_LVIS:
            if (block == 0)
                produce_lvid(w, (uint32_t)w->lvis, buf);
            else
                produce_td(w, (uint32_t)(w->lvis + block), buf);
            break;
        case TAG_AVDP:
            produce_avdp(w, (uint32_t)w->avdp, buf);
            break;
        case TAG_AVDP_END:
            produce_avdp(w, (uint32_t)w->avdp_end, buf);
            break;
        case TAG_AVDP_MID:
            produce_avdp(w, (uint32_t)w->avdp_mid, buf);
            break;
        case TAG_META:
        case TAG_MIRROR:
            /* Both copies number their blocks alike (mbase is 0 for 2.50+). */
            hr = produce_meta_block(w, w->mbase + block, buf);
            break;
        case TAG_LINKS:
            hr = produce_link_block(w, block, buf);
            break;
        case TAG_MFE:
        case TAG_MIRFE:
            meta_fe_args(w, tag == TAG_MIRFE, &fa);
            produce_fe(w, &fa, buf);
            break;
        default:
            hr = internal(lay, "unknown UDF region");
        }
    }
    return hr;
}

static void udf_destroy(void *self)
{
    struct udfw *w = self;
    if (!w)
        return;
    fc_free(&w->fc);
    for (size_t i = 0; i < w->nbig; i++)
        free(w->big[i].goff);
    free(w->big);
    free(w->links);
    free(w->pc);
    free(w->fe);
    free(w->ruid);
    free(w->order);
    free(w->dirs);
    free(w->vsid);
    free(w);
}

static const struct writer_ops udf_ops = {
    .name = "UDF", .place = udf_place, .finish = udf_finish,
    .produce = udf_produce, .destroy = udf_destroy,
};

/* UDF 2.2.2.5: the first 16 characters of the volume set identifier are
 * unique: 8 hex digits of a time, 8 of an implementation value.  Both come
 * from the image's time (SOURCE_DATE_EPOCH when set), so the same input
 * gives the same identifier. */
static char *make_vsid(const struct layout *lay)
{
    int64_t ns = lay->now_ns;
    int64_t sec = ns / 1000000000 - (ns % 1000000000 < 0);
    uint32_t h = 2166136261u;                        /* FNV-1a of ns and the name */
    for (int i = 0; i < 8; i++) {
        h ^= (uint8_t)((uint64_t)ns >> (8 * i));
        h *= 16777619u;
    }
    for (const char *s = lay->volume_name; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 16777619u;
    }
    size_t len = 17 + strlen(lay->volume_name);
    char *v = malloc(len);
    if (v)
        snprintf(v, len, "%08x%08x%s", (unsigned)(uint32_t)sec, (unsigned)h, lay->volume_name);
    return v;
}

fsi_hresult udf_writer_new(struct layout *lay, const struct writer_ops **ops, void **self)
{
    int rev = lay->img->udf_revision;
    if (rev != 0x102 && rev != 0x150 && rev != 0x200 && rev != 0x201 && rev != 0x250 &&
        rev != 0x260)
        return fsi_failf(lay->img, IMAPI_E_INVALID_PARAM, 0, "UDFRevision", NULL,
                         "UDF revision 0x%x is not supported", (unsigned)rev);
    struct udfw *w = calloc(1, sizeof *w);
    if (!w)
        return nomem(lay);
    w->lay = lay;
    w->rev = (uint16_t)rev;
    w->dver = rev >= 0x200 ? 3 : 2;
    w->efe = rev >= 0x200;
    w->meta = rev >= 0x250;
    w->mref = w->meta ? 1 : 0;
    w->vsid = make_vsid(lay);
    if (!w->vsid) {
        free(w);
        return nomem(lay);
    }
    *ops = &udf_ops;
    *self = w;
    return FSI_S_OK;
}
