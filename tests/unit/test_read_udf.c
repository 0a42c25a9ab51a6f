/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_read_udf.c - the UDF reader (lib/read_udf.c) on images built here
 * byte by byte: what no writer at hand makes (symbolic links, devices,
 * FIFOs, sockets, 16-bit names with surrogates, holes, Allocation Extent
 * Descriptors, FIDs across blocks and extents, the metadata partition and
 * its mirror, the reserve sequence, the second anchor) and what a hostile
 * image holds (bad tags and CRCs, short extents, loops, unsupported
 * features, random damage).
 *
 * The disc is faked: rd_read and the rd_* recorders below read a buffer
 * and keep the last failure and warning, so the reader is tested alone.
 */
#include "config.h"
#include "reader.h"
#include "read_udf.h"
#include "udf_desc.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the fake disc ---------------------------------------------------- */

#define NB 640u                 /* blocks in the disc */
#define PSTART 300u             /* the partition */
#define PLEN (NB - PSTART - 1)
#define BS 2048u

static uint8_t img[NB * BS];
static fsi_disc disc;
static char last_msg[512];
static fsi_hresult last_code;
static int warnings;
static char last_warn[512];

fsi_hresult rd_read(fsi_disc *d, uint64_t off, void *buf, size_t len)
{
    if (off > d->size || len > d->size - off) {
        d->last_code = IMAPI_E_IMPORT_SEEK_FAILURE;
        return IMAPI_E_IMPORT_SEEK_FAILURE;
    }
    memcpy(buf, img + off, len);
    return FSI_S_OK;
}

fsi_hresult rd_block(fsi_disc *d, uint64_t block, void *buf)
{
    return rd_read(d, block * BS, buf, BS);
}

/* The images here have one session (sessions: tests/integration/session.sh). */
fsi_hresult rd_last_session(fsi_disc *d, uint64_t *start)
{
    (void)d;
    *start = 0;
    return FSI_S_OK;
}

fsi_hresult rd_session_end(fsi_disc *d, uint64_t start, uint64_t *end)
{
    (void)d, (void)start;
    *end = 0;
    return FSI_S_OK;
}

fsi_hresult rd_head_mark(fsi_disc *d, struct session_mark *m, bool *has)
{
    (void)d, (void)m;
    *has = false;
    return FSI_S_OK;
}

fsi_hresult rd_corrupt(fsi_disc *d, const char *fsname, const char *structure, uint64_t block,
                       const char *fmt, ...)
{
    char w[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w, sizeof w, fmt, ap);
    va_end(ap);
    snprintf(last_msg, sizeof last_msg, "%s: %s at block %llu: %s", fsname, structure,
             (unsigned long long)block, w);
    d->last_code = last_code = IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;
    return last_code;
}

fsi_hresult rd_unsupported(fsi_disc *d, const char *fsname, const char *fmt, ...)
{
    char w[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w, sizeof w, fmt, ap);
    va_end(ap);
    snprintf(last_msg, sizeof last_msg, "%s: %s", fsname, w);
    d->last_code = last_code = IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED;
    return last_code;
}

void rd_warn(fsi_disc *d, const char *fsname, uint64_t block, const char *fmt, ...)
{
    char w[300];
    va_list ap;
    (void)d;
    va_start(ap, fmt);
    vsnprintf(w, sizeof w, fmt, ap);
    va_end(ap);
    snprintf(last_warn, sizeof last_warn, "%s at %llu: %s", fsname, (unsigned long long)block, w);
    warnings++;
}

fsi_hresult rd_fail(fsi_disc *d, fsi_hresult hr, const char *i1, const char *i2, const char *fmt,
                    ...)
{
    (void)i1;
    (void)i2;
    (void)fmt;
    d->last_code = last_code = hr;
    snprintf(last_msg, sizeof last_msg, "failure 0x%08X", (unsigned)hr);
    return hr;
}

static void reset(void)
{
    memset(&disc, 0, sizeof disc);
    disc.fd = -1;
    disc.size = sizeof img;
    last_msg[0] = last_warn[0] = '\0';
    last_code = FSI_S_OK;
    warnings = 0;
}

/* ---- building images -------------------------------------------------- */

static uint8_t *blk(uint64_t b) { return img + b * BS; }

static int meta;                /* metadata partition (2.50+) */
static uint16_t mref;           /* partition reference of FEs and FIDs */
#define META_BLOCKS 96u         /* the metadata file */
#define META_MAIN 64u           /* physical lbn of the metadata file's data */
#define META_MIRROR 160u
#define MFE 300u                /* metadata file FE, mirror FE */
#define MIRFE 301u

/* A block of metadata (FEs, FIDs): partition lbn, or metadata lbn. */
static uint8_t *mb(uint32_t l) { return blk(PSTART + (meta ? META_MAIN : 0) + l); }
/* A block of file data (always the physical partition). */
static uint8_t *db(uint32_t l) { return blk(PSTART + l); }

static void ts(uint8_t *p, int tz, int y, int mo, int d, int h, int mi, int s, int cs)
{
    udf_put16(p, (uint16_t)((1 << 12) | (tz & 0xFFF)));
    udf_put16(p + 2, (uint16_t)y);
    p[4] = (uint8_t)mo, p[5] = (uint8_t)d, p[6] = (uint8_t)h, p[7] = (uint8_t)mi;
    p[8] = (uint8_t)s, p[9] = (uint8_t)cs, p[10] = 0, p[11] = 0;
}

struct fe {
    int ftype;
    bool efe;
    int adtype;
    uint64_t size;
    const void *ads;
    uint32_t l_ad;
    const void *ea;
    uint32_t l_ea;
    uint16_t flags;
    uint32_t uid, gid, perm;
    uint16_t nlink;
};

static void mk_fe(uint8_t *b, uint32_t lbn, const struct fe *s)
{
    size_t hdr = s->efe ? UDF_EFE_SIZE : UDF_FE_SIZE;
    memset(b, 0, BS);
    udf_put16(b + 20, 4);
    udf_put16(b + 24, 1);
    b[27] = (uint8_t)s->ftype;
    udf_put16(b + 34, (uint16_t)(s->flags | s->adtype));
    udf_put32(b + 36, s->uid);
    udf_put32(b + 40, s->gid);
    udf_put32(b + 44, s->perm);
    udf_put16(b + 48, s->nlink ? s->nlink : 1);
    udf_put64(b + 56, s->size);
    int mt = s->efe ? 92 : 84;
    ts(b + mt, 60, 2020, 1, 2, 3, 4, 5, 50);           /* 2020-01-02T02:04:05.5Z */
    ts(b + (s->efe ? 80 : 72), 0, 2021, 2, 3, 4, 5, 6, 0);
    if (s->efe)
        ts(b + 104, -120, 2019, 12, 31, 22, 0, 0, 0);  /* 2020-01-01T00:00:00Z */
    udf_put32(b + hdr - 8, s->l_ea);
    udf_put32(b + hdr - 4, s->l_ad);
    if (s->l_ea)
        memcpy(b + hdr, s->ea, s->l_ea);
    if (s->l_ad)
        memcpy(b + hdr + s->l_ea, s->ads, s->l_ad);
    udf_tag_finish(b, s->efe ? UDF_TAG_EFE : UDF_TAG_FE, 3, lbn, hdr + s->l_ea + s->l_ad);
}

static void retag(uint8_t *b, uint32_t loc, size_t size)
{
    uint16_t id = udf_get16(b);
    udf_tag_finish(b, id, 3, loc, size);
}

/* Directory extents (metadata lbn, bytes) and FIDs laid out over them. */
struct dext {
    uint32_t lbn, len;
};

struct fidbuf {
    uint8_t b[32768];
    size_t n;
    const struct dext *x;
    size_t nx;
};

static uint32_t pos_lbn(const struct fidbuf *f, size_t p)
{
    for (size_t i = 0; i < f->nx; p -= f->x[i].len, i++)
        if (p < f->x[i].len)
            return f->x[i].lbn + (uint32_t)(p / BS);
    return 0;
}

static void fid(struct fidbuf *f, uint8_t ch, uint32_t icb, const void *name, size_t l_fi,
                size_t l_iu)
{
    uint8_t *p = f->b + f->n;
    size_t len = udf_fid_size(l_iu, l_fi);
    memset(p, 0, len);
    udf_put16(p + 16, 1);
    p[18] = ch;
    p[19] = (uint8_t)l_fi;
    udf_long_ad(p + 20, BS, 0, icb, mref, 0);
    udf_put16(p + 36, (uint16_t)l_iu);
    if (l_fi)
        memcpy(p + UDF_FID_SIZE + l_iu, name, l_fi);
    udf_tag_finish(p, UDF_TAG_FID, 3, pos_lbn(f, f->n), len);
    f->n += len;
}

/* An 8-bit CS0 name. */
static void fid8(struct fidbuf *f, uint8_t ch, uint32_t icb, const char *name)
{
    uint8_t n[256];
    size_t l = strlen(name);
    n[0] = 8;
    memcpy(n + 1, name, l);
    fid(f, ch, icb, n, l + 1, 0);
}

static void fids_store(const struct fidbuf *f)
{
    size_t p = 0;
    for (size_t i = 0; i < f->nx && p < f->n; i++) {
        size_t take = f->n - p < f->x[i].len ? f->n - p : f->x[i].len;
        for (size_t o = 0; o < take; o += BS)
            memcpy(mb(f->x[i].lbn + (uint32_t)(o / BS)), f->b + p + o, take - o < BS ? take - o : BS);
        p += take;
    }
}

/* A directory FE at lbn whose FIDs lie in the given extents. */
static void mk_dir(uint32_t lbn, const struct fidbuf *f, uint16_t flags)
{
    uint8_t ads[8 * 8];
    size_t p = 0, n = 0;
    for (size_t i = 0; i < f->nx && p < f->n; i++) {
        uint32_t take = (uint32_t)(f->n - p < f->x[i].len ? f->n - p : f->x[i].len);
        udf_short_ad(ads + 8 * n++, take, UDF_EXT_RECORDED, f->x[i].lbn);
        p += take;
    }
    struct fe s = {UDF_FT_DIR, meta, UDF_ICB_AD_SHORT, f->n, ads, (uint32_t)(8 * n), NULL, 0,
                   flags, 0, 0, 0x7FBD /* 0755 */, 2};
    mk_fe(mb(lbn), lbn, &s);
    fids_store(f);
}

/* A file FE with recorded data at partition lbn `data` (long_ad in the
 * physical partition with a metadata partition, short_ad otherwise). */
static void mk_file(uint32_t lbn, uint32_t data, uint64_t size, uint32_t perm, uint16_t flags,
                    uint32_t uid, uint32_t gid)
{
    uint8_t ad[16];
    struct fe s = {UDF_FT_FILE, meta, meta ? UDF_ICB_AD_LONG : UDF_ICB_AD_SHORT, size, ad,
                   size ? (meta ? 16u : 8u) : 0u, NULL, 0, flags, uid, gid, perm, 1};
    if (meta)
        udf_long_ad(ad, (uint32_t)size, UDF_EXT_RECORDED, data, 0, 0);
    else
        udf_short_ad(ad, (uint32_t)size, UDF_EXT_RECORDED, data);
    mk_fe(mb(lbn), lbn, &s);
    for (uint64_t i = 0; i < size; i++)
        db(data)[i] = (uint8_t)(i * 7 + lbn);
}

static void mk_inline(uint32_t lbn, int ftype, const void *data, uint32_t len, const void *ea,
                      uint32_t l_ea)
{
    struct fe s = {ftype, meta, UDF_ICB_AD_IN_ICB, len, data, len, ea, l_ea, 0,
                   UINT32_MAX, UINT32_MAX, 0x1CE7, 1};
    mk_fe(mb(lbn), lbn, &s);
}

/* The volume: VRS, main and reserve sequences, LVID, anchors, FSD. */
static void mk_volume(uint16_t rev, int with_meta)
{
    memset(img, 0, sizeof img);
    meta = with_meta;
    mref = meta ? 1 : 0;
    static const char *vrs[3] = {"BEA01", "NSR03", "TEA01"};
    for (int i = 0; i < 3; i++) {
        blk(16 + i)[0] = 0;
        memcpy(blk(16 + i) + 1, vrs[i], 5);
        blk(16 + i)[6] = 1;
    }
    for (int copy = 0; copy < 2; copy++) {
        uint32_t at = copy ? 48 : 32;
        uint8_t *p = blk(at);
        udf_put32(p + 16, 1);
        udf_dstring(p + 24, 32, "PVOL");
        udf_dstring(p + 72, 128, "SET");
        ts(p + 376, 0, 2022, 6, 7, 8, 9, 10, 0);
        udf_tag_finish(p, UDF_TAG_PVD, 3, at, 512);
        p = blk(at + 1);
        udf_put32(p + 16, 2);
        udf_put16(p + 22, 0);
        udf_put32(p + 188, PSTART);
        udf_put32(p + 192, PLEN);
        udf_tag_finish(p, UDF_TAG_PD, 3, at + 1, 512);
        p = blk(at + 2);
        udf_put32(p + 16, 3);
        udf_dstring(p + 84, 128, "TESTVOL");
        udf_put32(p + 212, BS);
        udf_regid_domain(p + 216, "*OSTA UDF Compliant", rev);
        udf_long_ad(p + 248, BS, 0, 0, mref, 0);          /* FSD */
        udf_put32(p + 432, 2 * BS);
        udf_put32(p + 436, 64);
        uint8_t *m = p + 440;
        m[0] = 1, m[1] = 6;
        udf_put16(m + 2, 1);
        udf_put16(m + 4, 0);
        size_t mtl = 6;
        if (meta) {
            m += 6;
            m[0] = 2, m[1] = 64;
            udf_regid_udf(m + 4, "*UDF Metadata Partition", rev);
            udf_put16(m + 36, 1);
            udf_put16(m + 38, 0);
            udf_put32(m + 40, MFE);
            udf_put32(m + 44, MIRFE);
            udf_put32(m + 48, UINT32_MAX);
            udf_put32(m + 52, 32);
            udf_put16(m + 56, 1);
            mtl += 64;
        }
        udf_put32(p + 264, (uint32_t)mtl);
        udf_put32(p + 268, meta ? 2 : 1);
        udf_tag_finish(p, UDF_TAG_LVD, 3, at + 2, 440 + mtl);
        udf_tag_finish(blk(at + 3), UDF_TAG_TD, 3, at + 3, 512);
    }
    uint8_t *l = blk(64);
    ts(l + 16, 0, 2023, 1, 1, 0, 0, 0, 0);
    udf_put32(l + 28, 1);
    udf_put64(l + 40, 77);
    uint32_t np = meta ? 2 : 1;
    udf_put32(l + 72, np);
    udf_put32(l + 76, 46);
    uint8_t *iu = l + 80 + 8 * np;
    udf_put32(iu + 32, 12);
    udf_put32(iu + 36, 4);
    udf_put16(iu + 40, rev);
    udf_tag_finish(l, UDF_TAG_LVID, 3, 64, 80 + 8 * np + 46);
    udf_tag_finish(blk(65), UDF_TAG_TD, 3, 65, 512);
    for (uint32_t a = 256; a < NB; a += NB - 1 - 256) {
        uint8_t *p = blk(a);
        udf_put32(p + 16, 16 * BS);
        udf_put32(p + 20, 32);
        udf_put32(p + 24, 16 * BS);
        udf_put32(p + 28, 48);
        udf_tag_finish(p, UDF_TAG_AVDP, 3, a, 512);
    }
    if (meta) {
        uint8_t ad[8];
        udf_short_ad(ad, META_BLOCKS * BS, UDF_EXT_RECORDED, META_MAIN);
        struct fe s = {UDF_FT_METADATA, true, UDF_ICB_AD_SHORT, META_BLOCKS * BS, ad, 8, NULL, 0, 0,
                       0, 0, 0, 1};
        mk_fe(blk(PSTART + MFE), MFE, &s);
        udf_short_ad(ad, META_BLOCKS * BS, UDF_EXT_RECORDED, META_MIRROR);
        s.ftype = UDF_FT_METADATA_MIRROR;
        mk_fe(blk(PSTART + MIRFE), MIRFE, &s);
    }
    uint8_t *f = mb(0);
    ts(f + 16, 0, 2022, 6, 7, 8, 9, 10, 0);
    udf_long_ad(f + 400, BS, 0, 2, mref, 0);                /* the root at lbn 2 */
    udf_tag_finish(f, UDF_TAG_FSD, 3, 0, 512);
    udf_tag_finish(mb(1), UDF_TAG_TD, 3, 1, 512);
}

static void mirror_copy(void)
{
    if (meta)
        memcpy(blk(PSTART + META_MIRROR), blk(PSTART + META_MAIN), META_BLOCKS * BS);
}

/* The tree of most tests (lbns of the metadata space):
 *   2 root: 3 its FIDs
 *   10 file.txt (5000 bytes at data lbn 40), 11 café (inline, hidden),
 *   12 日本😀 (EFE, empty), 13 link1 -> ../a/b, 14 link2 -> /x, 15 cdev 1:3,
 *   16 fifo, 17 sock, 18 sub/ (FIDs inline) with 19 inner, 20 frag (AED
 *   21, a hole), 22 many/ (120 FIDs over extents at 70 and 80, all linked
 *   to 23). */
static const uint8_t NAME16[] = {16, 0x65, 0xE5, 0x67, 0x2C, 0xD8, 0x3D, 0xDE, 0x00};
#define NAME16_UTF8 "\xE6\x97\xA5\xE6\x9C\xAC\xF0\x9F\x98\x80"

static size_t root_size, sub_size, many_size;

static void mk_tree(void)
{
    static const struct dext rx[1] = {{3, BS}};
    static struct fidbuf f;
    memset(&f, 0, sizeof f);
    f.x = rx, f.nx = 1;
    fid(&f, UDF_FID_PARENT | UDF_FID_DIR, 2, NULL, 0, 0);
    fid8(&f, 0, 10, "file.txt");
    fid8(&f, UDF_FID_HIDDEN, 11, "caf\xE9");
    fid(&f, 0, 12, NAME16, sizeof NAME16, 8);
    fid8(&f, 0, 13, "link1");
    fid8(&f, 0, 14, "link2");
    fid8(&f, 0, 15, "cdev");
    fid8(&f, UDF_FID_DELETED, 10, "gone");
    fid8(&f, 0, 16, "fifo");
    fid8(&f, 0, 17, "sock");
    fid8(&f, UDF_FID_DIR, 18, "sub");
    fid8(&f, 0, 20, "frag");
    fid8(&f, UDF_FID_DIR, 22, "many");
    mk_dir(2, &f, 0);
    root_size = f.n;

    mk_file(10, 40, 5000, 0x1880 /* 0640 */, UDF_ICB_SETUID, 1000, 100);
    mk_inline(11, UDF_FT_FILE, "inline!", 7, NULL, 0);
    struct fe e = {UDF_FT_FILE, true, UDF_ICB_AD_LONG, 0, NULL, 0, NULL, 0, UDF_ICB_STICKY,
                   5, UINT32_MAX, 0x7FFF, 3};
    mk_fe(mb(12), 12, &e);
    static const uint8_t l1[] = {3, 0, 0, 0, 5, 2, 0, 0, 8, 'a', 5, 2, 0, 0, 8, 'b'};
    mk_inline(13, 12, l1, sizeof l1, NULL, 0);
    static const uint8_t l2[] = {2, 0, 0, 0, 5, 3, 0, 0, 16, 0, 'x'};
    mk_inline(14, 12, l2, sizeof l2, NULL, 0);
    uint8_t ea[24 + 24];
    memset(ea, 0, sizeof ea);
    udf_put32(ea + 16, sizeof ea);
    udf_put32(ea + 20, sizeof ea);
    udf_tag_finish(ea, UDF_TAG_EAHD, 3, 15, 24);
    udf_put32(ea + 24, 12);
    ea[28] = 1;
    udf_put32(ea + 32, 24);
    udf_put32(ea + 36, 0);
    udf_put32(ea + 40, 1);
    udf_put32(ea + 44, 3);
    mk_inline(15, 7, NULL, 0, ea, sizeof ea);
    mk_inline(16, 9, NULL, 0, NULL, 0);
    mk_inline(17, 10, NULL, 0, NULL, 0);

    /* sub/: FIDs inside its File Entry. */
    static struct fidbuf s;
    static const struct dext sx[1] = {{18, BS}};
    memset(&s, 0, sizeof s);
    s.x = sx, s.nx = 1;
    fid(&s, UDF_FID_PARENT | UDF_FID_DIR, 2, NULL, 0, 0);
    fid8(&s, 0, 19, "inner");
    mk_inline(18, UDF_FT_DIR, s.b, (uint32_t)s.n, NULL, 0);
    sub_size = s.n;
    mk_file(19, 0, 0, 0x1CE7, 0, 0, 0);

    /* frag: 2048 recorded, 4096 not recorded, then an AED with 1000. */
    uint8_t ad[32];
    int at = meta ? UDF_ICB_AD_LONG : UDF_ICB_AD_SHORT;
    size_t sz = meta ? 16 : 8;
    if (meta) {
        udf_long_ad(ad, BS, UDF_EXT_RECORDED, 50, 0, 0);
        udf_long_ad(ad + 16, 2 * BS, UDF_EXT_ALLOCATED, 0, 0, 0);
    } else {
        udf_short_ad(ad, BS, UDF_EXT_RECORDED, 50);
        udf_short_ad(ad + 8, 2 * BS, UDF_EXT_ALLOCATED, 0);
    }
    uint8_t all[48];
    memcpy(all, ad, 2 * sz);
    if (meta)
        udf_long_ad(all + 32, BS, UDF_EXT_NEXT, 21, mref, 0);
    else
        udf_short_ad(all + 16, BS, UDF_EXT_NEXT, 21);
    struct fe fr = {UDF_FT_FILE, meta, at, 2048 + 4096 + 1000, all, (uint32_t)(3 * sz), NULL,
                    0, 0, 0, 0, 0x1CE7, 1};
    mk_fe(mb(20), 20, &fr);
    uint8_t *a = mb(21);
    memset(a, 0, BS);
    if (meta)
        udf_long_ad(a + 24, 1000, UDF_EXT_RECORDED, 60, 0, 0);
    else
        udf_short_ad(a + 24, 1000, UDF_EXT_RECORDED, 60);
    udf_put32(a + 20, (uint32_t)sz);
    udf_tag_finish(a, UDF_TAG_AED, 3, 21, 24 + sz);
    for (int i = 0; i < 2048; i++)
        db(50)[i] = (uint8_t)i;
    for (int i = 0; i < 1000; i++)
        db(60)[i] = (uint8_t)(i + 1);

    /* many/: 120 FIDs over two extents; all hard links to 23. */
    static struct fidbuf m;
    static const struct dext mx[2] = {{70, 2 * BS}, {80, 8 * BS}};
    memset(&m, 0, sizeof m);
    m.x = mx, m.nx = 2;
    fid(&m, UDF_FID_PARENT | UDF_FID_DIR, 2, NULL, 0, 0);
    for (int i = 0; i < 120; i++) {
        uint8_t n[64];
        n[0] = 8;
        int l = snprintf((char *)n + 1, sizeof n - 1, "entry-%03d-padding-padding-pad", i);
        fid(&m, 0, 23, n, (size_t)l + 1, 32);
    }
    mk_dir(22, &m, 0);
    many_size = m.n;
    mk_file(23, 0, 0, 0x1CE7, 0, 0, 0);
    mirror_copy();
}

/* ---- walking ---------------------------------------------------------- */

struct walk {
    char out[65536];
    size_t n;
    struct rd_dirref dirs[256];
    char paths[256][512];
    size_t ndirs;
    const char *cur;
    int count;
};

static fsi_hresult on_entry(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct walk *w = ctx;
    char path[512];
    snprintf(path, sizeof path, "%s/%.*s", w->cur, (int)e->name_len, e->name);
    w->count++;
    if (w->n < sizeof w->out - 1024) {
        w->n += (size_t)snprintf(w->out + w->n, sizeof w->out - w->n,
                                 "%s %d %llu %04o%s", path, (int)e->type,
                                 (unsigned long long)e->size, (unsigned)e->mode,
                                 e->hidden ? " hidden" : "");
        if (e->has & FSI_HAS_OWNER)
            w->n += (size_t)snprintf(w->out + w->n, sizeof w->out - w->n, " %u:%u", e->uid,
                                     e->gid);
        if (e->link_target)
            w->n += (size_t)snprintf(w->out + w->n, sizeof w->out - w->n, " -> %.*s",
                                     (int)e->link_target_len, e->link_target);
        if (e->has & FSI_HAS_RDEV)
            w->n += (size_t)snprintf(w->out + w->n, sizeof w->out - w->n, " dev %u,%u",
                                     e->rdev_major, e->rdev_minor);
        w->out[w->n++] = '\n';
        w->out[w->n] = '\0';
    }
    if (sub && w->ndirs < 256 && strlen(path) < 200 && e->name_len > 0) {
        w->dirs[w->ndirs] = *sub;
        snprintf(w->paths[w->ndirs], sizeof w->paths[0], "%s", path);
        w->ndirs++;
    }
    return FSI_S_OK;
}

/* Open and walk every directory (bounded: a hostile image may loop). */
static fsi_hresult walk_all(struct walk *w, void **viewp)
{
    fsi_volume_info vol;
    struct rd_dirref root;
    void *view = NULL;
    memset(w, 0, sizeof *w);
    fsi_hresult r = rd_udf.open(&disc, 0, &view, &vol, &root);
    if (r != FSI_S_OK)
        return r;
    w->cur = "";
    r = rd_udf.root_entry(view, &root, on_entry, w);
    w->ndirs = 0;
    if (r == FSI_S_OK) {
        w->dirs[0] = root;
        w->paths[0][0] = '\0';
        w->ndirs = 1;
    }
    for (size_t i = 0; r == FSI_S_OK && i < w->ndirs && i < 64; i++) {
        w->cur = w->paths[i];
        r = rd_udf.read_dir(view, &w->dirs[i], on_entry, w);
    }
    if (viewp)
        *viewp = view;
    else
        rd_udf.close(view);
    return r;
}

static const char *expected_tree =
    "/ 2 %zu 0755 0:0\n"
    "/file.txt 1 5000 4640 1000:100\n"
    "/caf\xC3\xA9 1 7 0777 hidden\n"
    "/" NAME16_UTF8 " 1 0 1777 5:0\n"
    "/link1 3 6 0777 -> ../a/b\n"
    "/link2 3 2 0777 -> /x\n"
    "/cdev 4 0 0777 dev 1,3\n"
    "/fifo 6 0 0777\n"
    "/sock 7 0 0777\n"
    "/sub 2 %zu 0777\n"
    "/frag 1 7144 0777 0:0\n"
    "/many 2 %zu 0755 0:0\n";

static void check_tree(void)
{
    struct walk *w = malloc(sizeof *w);
    void *view;
    assert_non_null(w);
    reset();
    assert_int_equal(walk_all(w, &view), FSI_S_OK);
    char want[2048];
    snprintf(want, sizeof want, expected_tree, root_size, sub_size, many_size);
    char *got = w->out;
    assert_int_equal(sub_size, udf_fid_size(0, 0) + udf_fid_size(0, 6));
    assert_int_equal(many_size, udf_fid_size(0, 0) + 120 * udf_fid_size(32, 30));
    char *inner = strstr(got, "/sub/inner");
    assert_non_null(inner);
    char *cut = strndup(got, (size_t)(inner - got));
    assert_string_equal(cut, want);
    free(cut);
    assert_non_null(strstr(got, "/sub/inner 1 0 0777 0:0\n"));
    assert_non_null(strstr(got, "/many/entry-119-padding-padding-pad 1 0 0777 0:0\n"));
    assert_int_equal(w->count, 12 + 1 + 120);
    assert_int_equal(warnings, 0);

    uint32_t files, dirs;
    uint64_t uid;
    bool closed;
    assert_true(rd_udf_integrity(view, &files, &dirs, &uid, &closed));
    assert_int_equal(files, 12);
    assert_int_equal(dirs, 4);
    assert_int_equal(uid, 77);
    assert_true(closed);
    rd_udf.close(view);
    free(w);
}

/* Details of single entries: times, extents. */
struct one {
    const char *name;
    fsi_disc_entry e;
    fsi_extent x[8];
    bool found;
};

static fsi_hresult on_one(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct one *o = ctx;
    (void)sub;
    if (e->name_len == strlen(o->name) && !memcmp(e->name, o->name, e->name_len)) {
        o->e = *e;
        assert_true(e->nextents <= 8);
        memcpy(o->x, e->extents, e->nextents * sizeof *e->extents);
        o->found = true;
    }
    return FSI_S_OK;
}

static void find_in_root(const char *name, struct one *o)
{
    fsi_volume_info vol;
    struct rd_dirref root;
    void *view;
    memset(o, 0, sizeof *o);
    o->name = name;
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), FSI_S_OK);
    assert_int_equal(rd_udf.read_dir(view, &root, on_one, o), FSI_S_OK);
    rd_udf.close(view);
    assert_true(o->found);
}

static void test_tree(void **state)
{
    (void)state;
    mk_volume(0x201, 0);
    mk_tree();
    check_tree();
}

static void test_details(void **state)
{
    (void)state;
    mk_volume(0x201, 0);
    mk_tree();
    reset();
    fsi_volume_info vol;
    struct rd_dirref root;
    void *view;
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), FSI_S_OK);
    assert_string_equal(vol.volume_name, "TESTVOL");
    assert_string_equal(vol.volume_set, "SET");
    assert_int_equal(vol.level, 0x201);
    assert_int_equal(vol.blocks, NB - 1);
    assert_int_equal(vol.root_block, PSTART + 2);
    assert_int_equal(vol.descriptor_block, 32);
    assert_true(vol.has_created);
    rd_udf.close(view);

    struct one o;
    find_in_root("file.txt", &o);
    assert_int_equal(o.e.mtime.tv_sec, 1577930645);
    assert_int_equal(o.e.mtime.tv_nsec, 500000000);
    assert_true(o.e.has & FSI_HAS_ATIME);
    assert_false(o.e.has & FSI_HAS_BTIME);
    assert_int_equal(o.e.nextents, 1);
    assert_int_equal(o.x[0].offset, (uint64_t)(PSTART + 40) * BS);
    assert_int_equal(o.x[0].length, 5000);
    assert_int_equal(o.e.first_block, PSTART + 40);

    find_in_root(NAME16_UTF8, &o);
    assert_true(o.e.has & FSI_HAS_BTIME);
    assert_int_equal(o.e.btime.tv_sec, 1577836800);
    assert_int_equal(o.e.nlink, 3);
    assert_int_equal(o.e.first_block, 0);

    find_in_root("caf\xC3\xA9", &o);
    assert_int_equal(o.e.nextents, 1);
    assert_int_equal(o.x[0].offset, (uint64_t)(PSTART + 11) * BS + UDF_FE_SIZE);
    assert_int_equal(o.x[0].length, 7);
    assert_int_equal(o.e.first_block, PSTART + 11);
    assert_memory_equal(img + o.x[0].offset, "inline!", 7);

    find_in_root("frag", &o);
    assert_int_equal(o.e.nextents, 3);
    assert_int_equal(o.x[0].offset, (uint64_t)(PSTART + 50) * BS);
    assert_int_equal(o.x[0].length, 2048);
    assert_int_equal(o.x[1].offset, FSI_EXTENT_HOLE);
    assert_int_equal(o.x[1].length, 4096);
    assert_int_equal(o.x[2].offset, (uint64_t)(PSTART + 60) * BS);
    assert_int_equal(o.x[2].length, 1000);
}

static void test_metadata(void **state)
{
    (void)state;
    mk_volume(0x250, 1);
    mk_tree();
    check_tree();
    struct one o;
    find_in_root("file.txt", &o);
    assert_int_equal(o.x[0].offset, (uint64_t)(PSTART + 40) * BS);
    reset();
    fsi_volume_info vol;
    struct rd_dirref root;
    void *view;
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), FSI_S_OK);
    assert_int_equal(vol.root_block, PSTART + META_MAIN + 2);
    rd_udf.close(view);

    /* The main metadata file's FE broken: the mirror is read. */
    blk(PSTART + MFE)[100] ^= 1;
    memset(blk(PSTART + META_MAIN), 0xEE, META_BLOCKS * BS);
    reset();
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), FSI_S_OK);
    assert_int_equal(warnings, 1);
    assert_non_null(strstr(last_warn, "mirror"));
    assert_int_equal(vol.root_block, PSTART + META_MIRROR + 2);
    rd_udf.close(view);
    /* Both broken. */
    blk(PSTART + MIRFE)[100] ^= 1;
    reset();
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(last_msg, "File Entry"));
}

static void test_reserve_and_anchor(void **state)
{
    (void)state;
    mk_volume(0x201, 0);
    mk_tree();
    blk(34)[300] ^= 0x55;           /* main LVD: bad CRC */
    memset(blk(256), 0, BS);        /* no anchor at 256: the one at N - 1 */
    reset();
    struct walk *w = malloc(sizeof *w);
    assert_non_null(w);
    assert_int_equal(walk_all(w, NULL), FSI_S_OK);
    assert_int_equal(w->count, 133);
    assert_int_equal(warnings, 2);
    assert_non_null(strstr(last_warn, "reserve"));
    blk(50)[300] ^= 0x55;           /* and the reserve one */
    reset();
    assert_int_equal(walk_all(w, NULL), IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(last_msg, "Volume Descriptor Sequence at block 34"));
    memset(blk(NB - 1), 0, BS);
    reset();
    assert_int_equal(walk_all(w, NULL), IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(last_msg, "Anchor Volume Descriptor Pointer"));
    free(w);
}

static void test_not_udf(void **state)
{
    (void)state;
    memset(img, 0, sizeof img);
    reset();
    void *view = NULL;
    fsi_volume_info vol;
    struct rd_dirref root;
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), IMAPI_E_FILE_SYSTEM_NOT_FOUND);
    assert_null(view);
    assert_int_equal(last_code, FSI_S_OK);      /* not recorded */
    /* an ISO9660 volume alone */
    memcpy(blk(16) + 1, "CD001", 5);
    blk(16)[0] = 1;
    memcpy(blk(17) + 1, "CD001", 5);
    blk(17)[0] = 255;
    assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), IMAPI_E_FILE_SYSTEM_NOT_FOUND);
}

/* Corruptions that must give a consistency error naming the structure. */
static void expect_corrupt(const char *what)
{
    struct walk *w = malloc(sizeof *w);
    assert_non_null(w);
    reset();
    fsi_hresult r = walk_all(w, NULL);
    if (r != IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR || !strstr(last_msg, what))
        fail_msg("want a consistency error naming \"%s\", got 0x%08X \"%s\"", what,
                 (unsigned)r, last_msg);
    free(w);
}

static void test_corrupt(void **state)
{
    (void)state;
    mk_volume(0x201, 0);
    mk_tree();
    static uint8_t good[sizeof img];
    memcpy(good, img, sizeof img);

    mb(10)[60] ^= 1;                /* file.txt FE: CRC */
    expect_corrupt("File Entry at block 310: bad descriptor CRC");
    memcpy(img, good, sizeof img);
    udf_put32(mb(10) + 12, 99);     /* tag location */
    mb(10)[4] = udf_tag_checksum(mb(10));
    expect_corrupt("tag location 99, expected 10");
    memcpy(img, good, sizeof img);
    mb(3)[48 + 40] ^= 1;            /* the second FID of the root */
    expect_corrupt("File Identifier Descriptor at block 303");
    memcpy(img, good, sizeof img);

    /* the extents hold less than the size */
    uint8_t ad[8];
    udf_short_ad(ad, 4096, UDF_EXT_RECORDED, 40);
    struct fe s = {UDF_FT_FILE, false, UDF_ICB_AD_SHORT, 5000, ad, 8, NULL, 0, 0, 0, 0, 0, 1};
    mk_fe(mb(10), 10, &s);
    expect_corrupt("size 5000, but the extents hold 4096 bytes");
    /* an extent outside the partition */
    udf_short_ad(ad, 8192, UDF_EXT_RECORDED, PLEN - 1);
    s.size = 8192;
    mk_fe(mb(10), 10, &s);
    expect_corrupt("outside the partition");
    /* a non-final extent of a partial block */
    uint8_t ad2[16];
    udf_short_ad(ad2, 1000, UDF_EXT_RECORDED, 40);
    udf_short_ad(ad2 + 8, 1000, UDF_EXT_RECORDED, 41);
    struct fe s2 = {UDF_FT_FILE, false, UDF_ICB_AD_SHORT, 2000, ad2, 16, NULL, 0, 0, 0, 0, 0, 1};
    mk_fe(mb(10), 10, &s2);
    expect_corrupt("not the last");
    memcpy(img, good, sizeof img);

    /* an AED that continues into itself, with and without extents */
    uint8_t *a = mb(21);
    udf_short_ad(a + 24, BS, UDF_EXT_NEXT, 21);
    udf_put32(a + 20, 8);
    retag(a, 21, 32);
    expect_corrupt("too many Allocation Extent Descriptors");
    udf_short_ad(a + 24, BS, UDF_EXT_RECORDED, 60);
    udf_short_ad(a + 32, BS, UDF_EXT_NEXT, 21);
    udf_put32(a + 20, 16);
    retag(a, 21, 40);
    udf_put64(mb(20) + 56, UINT64_MAX / 2);          /* a size the loop never reaches */
    retag(mb(20), 20, UDF_FE_SIZE + 24);
    expect_corrupt("more bytes than the disc holds");
    memcpy(img, good, sizeof img);


    /* a directory whose extents go on past its FIDs: zeros are no FID */
    udf_put32(mb(2) + UDF_FE_SIZE, (uint32_t)root_size + 40);
    udf_put64(mb(2) + 56, root_size + 40);
    retag(mb(2), 2, UDF_FE_SIZE + 8);
    expect_corrupt("File Identifier Descriptor at block 303: tag identifier 0, expected 257");
    memcpy(img, good, sizeof img);

    /* a symbolic link with a bad component */
    static const uint8_t bl[] = {5, 9, 0, 0, 8, 'a'};
    mk_inline(13, 12, bl, sizeof bl, NULL, 0);
    expect_corrupt("symbolic link: truncated path component");
    static const uint8_t bt[] = {7, 0, 0, 0};
    mk_inline(13, 12, bt, sizeof bt, NULL, 0);
    expect_corrupt("symbolic link: component type 7");
    memcpy(img, good, sizeof img);

    /* an FID naming no ICB, an FID with a bad compression id */
    static struct fidbuf f;
    static const struct dext rx[1] = {{3, BS}};
    memset(&f, 0, sizeof f);
    f.x = rx, f.nx = 1;
    fid(&f, UDF_FID_PARENT | UDF_FID_DIR, 2, NULL, 0, 0);
    static const uint8_t n7[] = {7, 'a'};
    fid(&f, 0, 10, n7, 2, 0);
    mk_dir(2, &f, 0);
    expect_corrupt("bad name (compression id 7)");
    memcpy(img, good, sizeof img);

    /* the root is a file */
    mk_file(2, 40, 10, 0, 0, 0, 0);
    expect_corrupt("the root is not a directory");
    memcpy(img, good, sizeof img);

    /* a partition past the end of the disc */
    udf_put32(blk(33) + 192, NB);
    retag(blk(33), 33, 512);
    udf_put32(blk(49) + 192, NB);
    retag(blk(49), 49, 512);
    expect_corrupt("lies outside the disc");
    memcpy(img, good, sizeof img);
}

static void expect_unsupported(const char *what)
{
    struct walk *w = malloc(sizeof *w);
    assert_non_null(w);
    reset();
    fsi_hresult r = walk_all(w, NULL);
    if (r != IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED || !strstr(last_msg, what))
        fail_msg("want unsupported \"%s\", got 0x%08X \"%s\"", what, (unsigned)r, last_msg);
    free(w);
}

static void both_lvds(void (*edit)(uint8_t *lvd))
{
    edit(blk(34));
    retag(blk(34), 34, 440 + udf_get32(blk(34) + 264));
    edit(blk(50));
    retag(blk(50), 50, 440 + udf_get32(blk(50) + 264));
}

static void lvd_bs512(uint8_t *l) { udf_put32(l + 212, 512); }
static void lvd_rev300(uint8_t *l) { udf_regid_domain(l + 216, "*OSTA UDF Compliant", 0x300); }
static void lvd_vat(uint8_t *l)
{
    uint8_t *m = l + 440 + 6;
    memset(m, 0, 64);
    m[0] = 2, m[1] = 64;
    udf_regid_udf(m + 4, "*UDF Virtual Partition", 0x150);
    udf_put32(l + 264, 70);
    udf_put32(l + 268, 2);
}
static void lvd_sparable(uint8_t *l)
{
    lvd_vat(l);
    udf_regid_udf(l + 446 + 4, "*UDF Sparable Partition", 0x150);
}

static void test_unsupported(void **state)
{
    (void)state;
    mk_volume(0x201, 0);
    mk_tree();
    static uint8_t good[sizeof img];
    memcpy(good, img, sizeof img);
    both_lvds(lvd_bs512);
    expect_unsupported("logical block size 512");
    memcpy(img, good, sizeof img);
    both_lvds(lvd_rev300);
    expect_unsupported("revision 3.00");
    memcpy(img, good, sizeof img);
    both_lvds(lvd_vat);
    expect_unsupported("virtual partitions");
    memcpy(img, good, sizeof img);
    both_lvds(lvd_sparable);
    expect_unsupported("sparable");
    memcpy(img, good, sizeof img);
    udf_put16(mb(10) + 20, 4096);
    retag(mb(10), 10, UDF_FE_SIZE + 8);
    expect_unsupported("strategy 4096");
}

/* Every revision the reader takes, with 1.02 File Entries. */
static void test_revisions(void **state)
{
    (void)state;
    static const uint16_t revs[] = {0x102, 0x150, 0x200, 0x201, 0x250, 0x260};
    for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++) {
        mk_volume(revs[i], revs[i] >= 0x250);
        mk_tree();
        reset();
        fsi_volume_info vol;
        struct rd_dirref root;
        void *view;
        assert_int_equal(rd_udf.open(&disc, 0, &view, &vol, &root), FSI_S_OK);
        assert_int_equal(vol.level, revs[i]);
        rd_udf.close(view);
    }
}

/* Random damage: no crash, no hang, no leak (run it under ASan). */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

static void test_damage(void **state)
{
    (void)state;
    static uint8_t good[2][sizeof img];
    for (int m = 0; m < 2; m++) {
        mk_volume(m ? 0x260 : 0x201, m);
        mk_tree();
        memcpy(good[m], img, sizeof img);
    }
    struct walk *w = malloc(sizeof *w);
    assert_non_null(w);
    int ok = 0;
    for (int iter = 0; iter < 4000; iter++) {
        int m = iter & 1;
        memcpy(img, good[m], sizeof img);
        meta = m;
        uint32_t base = m ? PSTART + META_MAIN : PSTART;
        static const uint32_t fixed[] = {16, 17, 32, 33, 34, 64, 256};
        uint32_t b;
        switch (rnd() % 4) {
        case 0: b = fixed[rnd() % 7]; break;
        case 1: b = m ? PSTART + MFE : base + rnd() % 4; break;
        case 2: b = base + 70 + rnd() % 18; break;
        default: b = base + rnd() % 24; break;
        }
        int flips = 1 + (int)(rnd() % 6);
        for (int k = 0; k < flips; k++) {
            uint32_t off = rnd() % 512;
            if (rnd() % 2)
                off = rnd() % BS;
            blk(b)[off] = (uint8_t)rnd();
        }
        /* Fix the tag of a damaged descriptor half of the time, so that
         * the damage reaches the code behind the tag checks. */
        uint16_t crclen = udf_get16(blk(b) + 10);
        if (rnd() % 2 && crclen <= BS - 16) {
            udf_put16(blk(b) + 8, udf_crc16(blk(b) + 16, crclen));
            udf_put32(blk(b) + 12, b >= PSTART ? b - (m && b >= base ? base : PSTART) : b);
            blk(b)[4] = udf_tag_checksum(blk(b));
        }
        reset();
        if (walk_all(w, NULL) == FSI_S_OK)
            ok++;
    }
    free(w);
    print_message("# %d of 4000 damaged images still read\n", ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_reserve_and_anchor),
        cmocka_unit_test(test_not_udf),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_revisions),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
