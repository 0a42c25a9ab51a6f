/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * iso9660.c - the ECMA-119 writers: the ISO9660 primary volume (PVD) and
 * the Joliet supplementary volume (SVD, UCS-2 level 3), their L and M path
 * tables and their directories (isotree.c).  Both views' file records
 * point at the data blocks the layout placed once.
 */
#include "config.h"
#include "append.h"
#include "iso9660.h"
#include "isotree.h"
#include "names_iso.h"
#include "names_joliet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_VD = 1, TAG_TERM, TAG_PT_L, TAG_PT_M, TAG_DIRS };

struct isow {
    bool joliet;
    struct isotree tree;
    uint64_t vd, pt_l, pt_m, dirs;   /* first blocks */
};

/* ---------------------------------------------------------------- */
/* Placing                                                           */
/* ---------------------------------------------------------------- */

static fsi_hresult iso_place(struct layout *lay, void *self, enum layout_phase ph)
{
    struct isow *w = self;
    uint64_t b;
    fsi_hresult hr = FSI_S_OK;
    switch (ph) {
    case PHASE_VD:
        return layout_alloc(lay, TAG_VD, 1, &w->vd);
    case PHASE_VD_END:
        /* One terminator ends the set: the ISO9660 writer owns it. */
        return w->joliet ? FSI_S_OK : layout_alloc(lay, TAG_TERM, 1, &b);
    case PHASE_META:
        if (FSI_FAILED(hr = isotree_build(&w->tree, lay, w->joliet)))
            return hr;
        uint64_t ptb = bytes_to_blocks(w->tree.pt_size);
        if (FSI_FAILED(hr = layout_alloc(lay, TAG_PT_L, ptb, &w->pt_l)) ||
            FSI_FAILED(hr = layout_alloc(lay, TAG_PT_M, ptb, &w->pt_m)) ||
            FSI_FAILED(hr = layout_alloc(lay, TAG_DIRS, w->tree.dir_blocks, &w->dirs)))
            return hr;
        isotree_place(&w->tree, w->dirs);
        return FSI_S_OK;
    default:
        return FSI_S_OK;
    }
}

/* ---------------------------------------------------------------- */
/* Volume descriptors                                                */
/* ---------------------------------------------------------------- */

/* A text field: ISO9660 a-/d-characters padded with spaces, or Joliet
 * UCS-2BE padded with U+0020 (an odd last byte stays 0). */
static void put_text(uint8_t *p, size_t size, const char *ascii, bool joliet)
{
    size_t n = strlen(ascii);
    if (!joliet) {
        memset(p, ' ', size);
        memcpy(p, ascii, n < size ? n : size);
        return;
    }
    for (size_t i = 0; i + 1 < size; i += 2)
        put_be16(p + i, i / 2 < n ? (uint8_t)ascii[i / 2] : 0x20);
    if (size & 1)
        p[size - 1] = 0;
}

/* Printable ASCII (0x20-0x7E) of at most 32 bytes. */
static bool label_as_given(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if ((unsigned char)name[n] < 0x20 || (unsigned char)name[n] > 0x7E)
            return false;
    return n <= 32;
}

/* The volume identifier.  ECMA-119 asks for d-characters, but blkid, udev
 * (/dev/disk/by-label) and dracut's root=live:CDLABEL= read the primary
 * descriptor's bytes - merged with Joliet's 16 characters, whose tail they
 * take from here - so a printable ASCII name goes as given, as xorriso
 * and genisoimage write it.  Strict compliance, and a name ASCII cannot
 * hold, get the d-character translation. */
static void put_volume_id(uint8_t *p, const char *name, bool joliet, bool strict)
{
    if (!joliet) {
        char id[32];
        size_t len = 0;
        memset(p, ' ', 32);
        if (!strict && label_as_given(name)) {
            memcpy(p, name, strlen(name));
            return;
        }
        iso_volume_id(name, id, &len);
        memcpy(p, id, len > 32 ? 32 : len);
        return;
    }
    uint16_t id[16];
    size_t len = 0;
    joliet_volume_id(name, id, &len);
    for (size_t i = 0; i < 16; i++)
        put_be16(p + 2 * i, i < len ? id[i] : 0x20);
}

void iso_put_ids(uint8_t *p, const struct layout *lay, bool joliet)
{
    const fsi_image *img = lay->img;
    put_text(p + 8, 32, fsi_image_get_volume_id(img, FSI_ID_SYSTEM), joliet);
    put_volume_id(p + 40, lay->volume_name, joliet, img->strict);
    put_text(p + 190, 128, fsi_image_get_volume_id(img, FSI_ID_VOLUME_SET), joliet);
    put_text(p + 318, 128, fsi_image_get_volume_id(img, FSI_ID_PUBLISHER), joliet);
    put_text(p + 446, 128, fsi_image_get_volume_id(img, FSI_ID_PREPARER), joliet);
    put_text(p + 574, 128, fsi_image_get_volume_id(img, FSI_ID_APPLICATION), joliet);
    put_text(p + 702, 37, fsi_image_get_volume_id(img, FSI_ID_COPYRIGHT_FILE), joliet);
    put_text(p + 739, 37, fsi_image_get_volume_id(img, FSI_ID_ABSTRACT_FILE), joliet);
    put_text(p + 776, 37, fsi_image_get_volume_id(img, FSI_ID_BIBLIO_FILE), joliet);
}

static void produce_vd(struct layout *lay, struct isow *w, uint8_t *p)
{
    const struct isotree *t = &w->tree;
    bool j = w->joliet;
    memset(p, 0, FSI_BLOCK);
    p[0] = j ? 2 : 1;
    memcpy(p + 1, "CD001", 5);
    p[6] = 1;
    iso_put_ids(p, lay, j);                         /* the text fields */
    put_both32(p + 80, layout_volume_blocks(lay));
    if (j)
        memcpy(p + 88, "%/E", 3);                   /* UCS-2 level 3 */
    put_both16(p + 120, 1);                         /* volume set size */
    put_both16(p + 124, 1);                         /* volume sequence number */
    put_both16(p + 128, FSI_BLOCK);
    put_both32(p + 132, t->pt_size);
    put_le32(p + 140, layout_ref(lay, w->pt_l));
    put_be32(p + 148, layout_ref(lay, w->pt_m));
    const uint8_t root_id = 0;
    iso_put_record(p + 156, layout_ref(lay, t->dirs[0].block), t->dirs[0].size,
                   item_time_ns(lay->img, FSI_ROOT, FSI_TIME_MODIFICATION),
                   ISO_FLAG_DIR, &root_id, 1);
    for (int i = FSI_VOLUME_CREATED; i <= FSI_VOLUME_EFFECTIVE; i++) {
        /* creation, modification, expiration, effective (8.4.26-29) */
        const fsi_image *img = lay->img;
        int64_t ns = img->volume_date_set[i] ? img->volume_dates[i]
                     : i <= FSI_VOLUME_MODIFIED ? lay->now_ns : FSI_DATE_NONE;
        if (ns == FSI_DATE_NONE) {
            memset(p + 813 + 17 * i, '0', 16);
            p[813 + 17 * i + 16] = 0;
        } else {
            iso_date17(p + 813 + 17 * i, ns);
        }
    }
    p[881] = 1;                                     /* file structure version */
    if (!j && lay->img->ms_app)                     /* an appended session */
        session_mark_put(p, &lay->img->ms_app->mark);
}

/* ---------------------------------------------------------------- */
/* Path tables                                                       */
/* ---------------------------------------------------------------- */

/* Write the bytes [lo, lo + len) of the L (msb false) or M path table. */
static void produce_pt(const struct layout *lay, const struct isotree *t, bool msb, uint64_t lo,
                       uint8_t *buf, size_t len)
{
    memset(buf, 0, len);
    uint64_t hi = lo + len;
    /* First directory whose record reaches past lo. */
    uint32_t a = 0, b = t->ndirs;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (t->dirs[mid].pt_off <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    uint8_t rec[8 + 256];
    for (uint32_t d = a ? a - 1 : 0; d < t->ndirs && t->dirs[d].pt_off < hi; d++) {
        const struct isodir *x = &t->dirs[d];
        size_t rl = 8u + x->name_len + (x->name_len & 1);
        memset(rec, 0, rl);
        rec[0] = x->name_len;
        if (msb) {
            put_be32(rec + 2, layout_ref(lay, x->block));
            put_be16(rec + 6, (uint16_t)(x->parent + 1));
        } else {
            put_le32(rec + 2, layout_ref(lay, x->block));
            put_le16(rec + 6, (uint16_t)(x->parent + 1));
        }
        memcpy(rec + 8, t->pool + x->name_off, x->name_len);
        /* Records may straddle blocks: copy the overlapping part. */
        uint64_t s = x->pt_off, e = s + rl;
        uint64_t cs = s > lo ? s : lo, ce = e < hi ? e : hi;
        if (cs < ce)
            memcpy(buf + (cs - lo), rec + (cs - s), ce - cs);
    }
}

/* ---------------------------------------------------------------- */
/* Writer interface                                                  */
/* ---------------------------------------------------------------- */

static fsi_hresult iso_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                               uint8_t *buf, uint32_t n)
{
    struct isow *w = self;
    switch (tag) {
    case TAG_VD:
        produce_vd(lay, w, buf);
        return FSI_S_OK;
    case TAG_TERM:
        memset(buf, 0, FSI_BLOCK);
        buf[0] = 255;
        memcpy(buf + 1, "CD001", 5);
        buf[6] = 1;
        return FSI_S_OK;
    case TAG_PT_L:
    case TAG_PT_M:
        produce_pt(lay, &w->tree, tag == TAG_PT_M, block * FSI_BLOCK, buf, (size_t)n * FSI_BLOCK);
        return FSI_S_OK;
    case TAG_DIRS:
        return isotree_produce(&w->tree, block, buf, n);
    default:
        return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "unknown ECMA-119 region",
                         NULL, "tag %u", (unsigned)tag);
    }
}

static void iso_destroy(void *self)
{
    struct isow *w = self;
    if (!w)
        return;
    isotree_free(&w->tree);
    free(w);
}

static const struct writer_ops iso9660_ops = {
    .name = "ISO9660", .place = iso_place, .produce = iso_produce, .destroy = iso_destroy,
};
static const struct writer_ops joliet_ops = {
    .name = "Joliet", .place = iso_place, .produce = iso_produce, .destroy = iso_destroy,
};

fsi_hresult iso9660_writer_new(struct layout *lay, bool joliet,
                               const struct writer_ops **ops, void **self)
{
    struct isow *w = calloc(1, sizeof *w);
    if (!w)
        return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    w->joliet = joliet;
    *ops = joliet ? &joliet_ops : &iso9660_ops;
    *self = w;
    return FSI_S_OK;
}
