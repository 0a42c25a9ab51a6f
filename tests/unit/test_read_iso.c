/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_read_iso.c - the ISO9660 / Joliet / Rock Ridge reader on images
 * built here in memory, block by block: what each structure decodes to,
 * and that damaged or hostile structures fail with the right code
 * instead of crashing, looping or allocating without bound.
 *
 * Linked with read_iso9660.c, read_rockridge.c and rd_util.c only: the
 * disc functions the reader calls (rd_read, rd_corrupt, ...) are stubs
 * below over the in-memory image, so the reader is tested alone.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reader.h"

#define NBLK 160u
static uint8_t IMG[NBLK * RD_BLOCK];
static char g_msg[512];
static int g_warnings;

/* ---- stubs of disc.c over IMG ---- */

fsi_hresult rd_read(fsi_disc *d, uint64_t off, void *buf, size_t len)
{
    if (off > d->size || len > d->size - off)
        return d->last_code = IMAPI_E_IMPORT_SEEK_FAILURE;
    memcpy(buf, IMG + off, len);
    return FSI_S_OK;
}

fsi_hresult rd_block(fsi_disc *d, uint64_t block, void *buf)
{
    return rd_read(d, block * RD_BLOCK, buf, RD_BLOCK);
}

/* The images here have one session (sessions: tests/integration/session.sh). */
fsi_hresult rd_last_session(fsi_disc *d, uint64_t *start)
{
    (void)d;
    *start = 0;
    return FSI_S_OK;
}

fsi_hresult rd_corrupt(fsi_disc *d, const char *fsname, const char *structure, uint64_t block,
                       const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(g_msg, sizeof g_msg, "%s %s at block %llu: ", fsname, structure,
                     (unsigned long long)block);
    va_start(ap, fmt);
    vsnprintf(g_msg + n, sizeof g_msg - (size_t)n, fmt, ap);
    va_end(ap);
    return d->last_code = IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;
}

fsi_hresult rd_unsupported(fsi_disc *d, const char *fsname, const char *fmt, ...)
{
    va_list ap;
    (void)fsname;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    return d->last_code = IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED;
}

void rd_warn(fsi_disc *d, const char *fsname, uint64_t block, const char *fmt, ...)
{
    (void)d; (void)fsname; (void)block; (void)fmt;
    g_warnings++;
}

fsi_hresult rd_fail(fsi_disc *d, fsi_hresult hr, const char *i1, const char *i2, const char *fmt,
                    ...)
{
    (void)i1; (void)i2; (void)fmt;
    return d->last_code = hr;
}

/* ---- building images ---- */

static void both16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void both32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
        p[7 - i] = (uint8_t)(v >> (8 * i));
    }
}

static uint8_t *blk(uint32_t b) { return IMG + (size_t)b * RD_BLOCK; }

/* 2020-01-02 03:04:05 UTC */
#define T0 1577934245
static const uint8_t DATE7[7] = {120, 1, 2, 3, 4, 5, 0};

static size_t mkrec(uint8_t *p, uint32_t loc, uint32_t size, uint8_t flags, const void *id,
                    size_t idl, const uint8_t *sua, size_t sual)
{
    size_t su = 33 + idl + !(idl & 1), len = su + sual;
    len += len & 1;
    memset(p, 0, len);
    p[0] = (uint8_t)len;
    both32(p + 2, loc);
    both32(p + 10, size);
    memcpy(p + 18, DATE7, 7);
    p[25] = flags;
    both16(p + 28, 1);
    p[32] = (uint8_t)idl;
    memcpy(p + 33, id, idl);
    if (sual)
        memcpy(p + su, sua, sual);
    return len;
}

/* A directory being written from block `first` on. */
struct dw {
    uint32_t first, b;
    size_t pos;
};

static void dw_add(struct dw *w, uint32_t loc, uint32_t size, uint8_t flags, const char *id,
                   size_t idl, const uint8_t *sua, size_t sual)
{
    uint8_t tmp[256];
    size_t n = mkrec(tmp, loc, size, flags, id, idl, sua, sual);
    if (w->pos + n > RD_BLOCK) {
        w->b++;
        w->pos = 0;
    }
    memcpy(blk(w->b) + w->pos, tmp, n);
    w->pos += n;
}

static void dw_begin(struct dw *w, uint32_t first, uint32_t parent, const uint8_t *sua, size_t sual)
{
    w->first = w->b = first;
    w->pos = 0;
    dw_add(w, first, 0, 2, "\0", 1, sua, sual);
    dw_add(w, parent, RD_BLOCK, 2, "\1", 1, NULL, 0);
}

/* Patch "." with the directory's length; returns it. */
static uint32_t dw_end(struct dw *w)
{
    uint32_t len = (w->b - w->first + 1) * RD_BLOCK;
    both32(blk(w->first) + 10, len);
    return len;
}

static void vd(uint32_t b, uint8_t type, uint8_t version, uint32_t root, uint32_t rootlen,
               const char *esc)
{
    uint8_t *p = blk(b);
    memset(p, 0, RD_BLOCK);
    p[0] = type;
    memcpy(p + 1, "CD001", 5);
    p[6] = version;
    if (type == 255)
        return;
    memset(p + 8, ' ', 64);
    memset(p + 190, ' ', 623);
    if (esc) {
        memcpy(p + 88, esc, 3);
        /* "VOL" in UCS-2BE, padded with U+0020 */
        for (int i = 0; i < 16; i++) {
            p[40 + 2 * i] = 0;
            p[41 + 2 * i] = i < 3 ? (uint8_t)"VOL"[i] : ' ';
        }
    } else {
        memcpy(p + 40, "VOLUME_ID", 9);
        memcpy(p + 318, "PUBLISHER \xE9", 11);
    }
    both32(p + 80, NBLK);
    both16(p + 120, 1);
    both16(p + 124, 1);
    both16(p + 128, RD_BLOCK);
    mkrec(p + 156, root, rootlen, 2, "\0", 1, NULL, 0);
    memcpy(p + 813, "2020010203040500", 16);
    p[881] = 1;
}

/* SUSP entry builder: returns its length. */
static size_t su(uint8_t *p, const char *sig, const void *data, size_t n)
{
    p[0] = (uint8_t)sig[0];
    p[1] = (uint8_t)sig[1];
    p[2] = (uint8_t)(4 + n);
    p[3] = 1;
    if (n)
        memcpy(p + 4, data, n);
    return 4 + n;
}

static size_t su_px(uint8_t *p, uint32_t mode, uint32_t nlink, uint32_t uid, uint32_t gid)
{
    uint8_t d[32];
    both32(d, mode);
    both32(d + 8, nlink);
    both32(d + 16, uid);
    both32(d + 24, gid);
    return su(p, "PX", d, 32);
}

static size_t su_nm(uint8_t *p, uint8_t flags, const char *name)
{
    uint8_t d[256];
    d[0] = flags;
    memcpy(d + 1, name, strlen(name));
    return su(p, "NM", d, 1 + strlen(name));
}

static size_t su_ce(uint8_t *p, uint32_t b, uint32_t off, uint32_t len)
{
    uint8_t d[24];
    both32(d, b);
    both32(d + 8, off);
    both32(d + 16, len);
    return su(p, "CE", d, 24);
}

static size_t su_cl(uint8_t *p, const char *sig, uint32_t b)
{
    uint8_t d[8];
    both32(d, b);
    return su(p, sig, d, 8);
}

/* ---- walking ---- */

struct got {
    char name[300];
    size_t name_len;
    fsi_entry_type type;
    unsigned has;
    uint64_t size, first_block;
    uint32_t mode, uid, gid, nlink, major, minor;
    bool hidden;
    char link[600];
    size_t nextents;
    fsi_extent ext[4];
    struct timespec mtime, atime, btime;
    struct rd_dirref sub;
};

struct list {
    struct got g[1100];
    size_t n;
};

static fsi_hresult collect(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub)
{
    struct list *l = ctx;
    assert_true(l->n < 1100);
    struct got *g = &l->g[l->n++];
    memset(g, 0, sizeof *g);
    assert_true(e->name_len < sizeof g->name);
    memcpy(g->name, e->name, e->name_len);
    g->name_len = e->name_len;
    g->type = e->type;
    g->has = e->has;
    g->size = e->size;
    g->first_block = e->first_block;
    g->mode = e->mode;
    g->uid = e->uid;
    g->gid = e->gid;
    g->nlink = e->nlink;
    g->major = e->rdev_major;
    g->minor = e->rdev_minor;
    g->hidden = e->hidden;
    g->mtime = e->mtime;
    g->atime = e->atime;
    g->btime = e->btime;
    if (e->link_target) {
        assert_true(e->link_target_len < sizeof g->link);
        memcpy(g->link, e->link_target, e->link_target_len);
    }
    g->nextents = e->nextents;
    for (size_t i = 0; i < e->nextents && i < 4; i++)
        g->ext[i] = e->extents[i];
    assert_int_equal(e->type == FSI_ENTRY_DIRECTORY, sub != NULL);
    if (sub)
        g->sub = *sub;
    return FSI_S_OK;
}

static fsi_disc g_disc;

static fsi_disc *disc(void)
{
    memset(&g_disc, 0, sizeof g_disc);
    g_disc.fd = -1;
    g_disc.size = sizeof IMG;
    g_msg[0] = '\0';
    g_warnings = 0;
    return &g_disc;
}

/* Open `r`, list directory `dir` (the root if NULL) into l. */
static fsi_hresult list_dir(const struct rd_reader *r, unsigned flags, const struct rd_dirref *dir,
                            struct list *l, fsi_volume_info *vol)
{
    fsi_volume_info v;
    struct rd_dirref root;
    void *view = NULL;
    if (!vol)
        vol = &v;
    memset(vol, 0, sizeof *vol);
    l->n = 0;
    fsi_hresult hr = r->open(disc(), flags, &view, vol, &root);
    if (hr != FSI_S_OK)
        return hr;
    hr = r->read_dir(view, dir ? dir : &root, collect, l);
    r->close(view);
    return hr;
}

static const struct got *find(const struct list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->g[i].name_len == strlen(name) && memcmp(l->g[i].name, name, l->g[i].name_len) == 0)
            return &l->g[i];
    return NULL;
}

static struct list L;

/* ---- rd_util ---- */

static void test_dates(void **state)
{
    (void)state;
    struct timespec ts;
    uint8_t d7[7] = {120, 1, 2, 3, 4, 5, 0};
    assert_true(rd_iso_date7(d7, &ts));
    assert_int_equal(ts.tv_sec, T0);
    d7[6] = 4;                                    /* one hour east of UTC */
    assert_true(rd_iso_date7(d7, &ts));
    assert_int_equal(ts.tv_sec, T0 - 3600);
    d7[6] = (uint8_t)-20;                         /* five hours west */
    assert_true(rd_iso_date7(d7, &ts));
    assert_int_equal(ts.tv_sec, T0 + 5 * 3600);
    uint8_t leap[7] = {100, 2, 29, 0, 0, 0, 0};   /* 2000-02-29 */
    assert_true(rd_iso_date7(leap, &ts));
    assert_int_equal(ts.tv_sec, 951782400);
    uint8_t zero[7] = {0};
    assert_false(rd_iso_date7(zero, &ts));
    uint8_t bad[7] = {120, 13, 1, 0, 0, 0, 0};
    assert_false(rd_iso_date7(bad, &ts));
    uint8_t old[7] = {70, 1, 1, 0, 0, 0, 0};
    assert_true(rd_iso_date7(old, &ts));
    assert_int_equal(ts.tv_sec, 0);

    uint8_t d17[17];
    memcpy(d17, "2020010203040550", 16);
    d17[16] = 0;
    assert_true(rd_iso_date17(d17, &ts));
    assert_int_equal(ts.tv_sec, T0);
    assert_int_equal(ts.tv_nsec, 500000000);
    d17[16] = 8;
    assert_true(rd_iso_date17(d17, &ts));
    assert_int_equal(ts.tv_sec, T0 - 7200);
    memcpy(d17, "0000000000000000", 16);
    d17[16] = 0;
    assert_false(rd_iso_date17(d17, &ts));
    memset(d17, 0, 17);
    assert_false(rd_iso_date17(d17, &ts));
    memcpy(d17, "2020x10203040500", 16);
    assert_false(rd_iso_date17(d17, &ts));
}

static void test_ucs2(void **state)
{
    (void)state;
    char out[64];
    const uint8_t a[] = {0, 'A', 0, 0xE9, 0x4E, 0x2D, 0xD8, 0x3D, 0xDE, 0x00};
    size_t n = rd_ucs2be_to_utf8(a, sizeof a, out);
    assert_string_equal(out, "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
    assert_int_equal(n, 10);
    const uint8_t lone[] = {0xD8, 0x3D, 0, 'x', 0xDC, 0x00, 0, 0, 0};   /* odd: last byte dropped */
    rd_ucs2be_to_utf8(lone, sizeof lone, out);
    assert_string_equal(out, "\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD");
    /* The worst case fits 3 bytes a unit. */
    const uint8_t hi[] = {0xD8, 0x00};
    assert_int_equal(rd_ucs2be_to_utf8(hi, 2, out), 3);
}

static void test_field(void **state)
{
    (void)state;
    char out[8];
    rd_field((const uint8_t *)"AB C   \0\0", 9, out, sizeof out);
    assert_string_equal(out, "AB C");
    rd_field((const uint8_t *)"\xE9t\xE9", 3, out, sizeof out);
    assert_string_equal(out, "\xC3\xA9t\xC3\xA9");
    rd_field((const uint8_t *)"abcdef\xE9", 7, out, sizeof out);
    assert_string_equal(out, "abcdef");             /* é would not fit whole */
    rd_field((const uint8_t *)"       ", 7, out, sizeof out);
    assert_string_equal(out, "");
}

/* ---- a plain image: PVD at 16, Joliet SVD at 17, terminator at 18 ----
 * ISO9660 root at 20, SUB at 22; Joliet root at 24; big dir at 40.. */

static void build_plain(void)
{
    struct dw w;
    memset(IMG, 0, sizeof IMG);
    dw_begin(&w, 20, 20, NULL, 0);
    dw_add(&w, 30, 6, 0, "README.TXT;1", 12, NULL, 0);
    dw_add(&w, 31, 5, 0, "NOEXT.;1", 8, NULL, 0);
    dw_add(&w, 0, 0, 0, "EMPTY.;1", 8, NULL, 0);
    dw_add(&w, 32, 3, 1, "HIDDEN.;1", 9, NULL, 0);
    dw_add(&w, 33, 3, 4, "README.TXT;1", 12, NULL, 0);       /* associated */
    dw_add(&w, 34, 4096, 0x80, "MULTI.BIN;1", 11, NULL, 0);
    dw_add(&w, 36, 0, 0x80, "MULTI.BIN;1", 11, NULL, 0);     /* empty section */
    dw_add(&w, 37, 100, 0, "MULTI.BIN;1", 11, NULL, 0);
    dw_add(&w, 22, RD_BLOCK, 2, "SUB", 3, NULL, 0);
    dw_add(&w, 33, 3, 0x84, "ASSOC.BIN;1", 11, NULL, 0);     /* associated, 2 sections */
    dw_add(&w, 33, 3, 0x04, "ASSOC.BIN;1", 11, NULL, 0);
    dw_add(&w, 40, 0, 2, "BIG", 3, NULL, 0);
    uint32_t rootlen = dw_end(&w);
    dw_begin(&w, 22, 20, NULL, 0);
    dw_add(&w, 30, 6, 0, "A;1", 3, NULL, 0);
    dw_end(&w);

    /* Joliet root */
    static const uint8_t jname[] = {0, 'r', 0, 'e', 0, 'a', 0, 'd', 0, 0xE9, 0, ';', 0, '1'};
    static const uint8_t jdir[] = {0, 'S', 0, 'u', 0, 'b', 0, '.'};
    dw_begin(&w, 24, 24, NULL, 0);
    dw_add(&w, 30, 6, 0, (const char *)jname, sizeof jname, NULL, 0);
    dw_add(&w, 22, RD_BLOCK, 2, (const char *)jdir, sizeof jdir, NULL, 0);
    uint32_t jlen = dw_end(&w);

    /* BIG: 1000 records over several 64 KiB chunks' worth of blocks */
    dw_begin(&w, 40, 20, NULL, 0);
    for (int i = 0; i < 1000; i++) {
        char id[64];
        int n = snprintf(id, sizeof id, "FILE_WITH_A_LONG_IDENTIFIER_%04d.DAT;1", i);
        dw_add(&w, 30, 6, 0, id, (size_t)n, NULL, 0);
    }
    uint32_t biglen = dw_end(&w);
    assert_true(biglen > 64 * 1024);
    assert_true(w.b < NBLK);
    /* patch BIG's length into the root's record for it */
    uint8_t *p = blk(20);
    for (size_t pos = 0; p[pos]; pos += p[pos])
        if (p[pos + 32] == 3 && memcmp(p + pos + 33, "BIG", 3) == 0)
            both32(p + pos + 10, biglen);

    vd(16, 1, 1, 20, rootlen, NULL);
    vd(17, 2, 1, 24, jlen, "%/E");
    vd(18, 255, 1, 0, 0, NULL);
}

static void test_plain(void **state)
{
    (void)state;
    fsi_volume_info vol;
    build_plain();
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_string_equal(vol.volume_name, "VOLUME_ID");
    assert_string_equal(vol.publisher, "PUBLISHER \xC3\xA9");
    assert_false(vol.rock_ridge);
    assert_int_equal(vol.blocks, NBLK);
    assert_int_equal(vol.descriptor_block, 16);
    assert_int_equal(vol.root_block, 20);
    assert_true(vol.has_created);
    assert_int_equal(vol.created.tv_sec, T0);
    assert_false(vol.has_modified);

    assert_int_equal(L.n, 7);       /* "." ".." and the associated files not shown */
    const struct got *g = find(&L, "README.TXT");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_FILE);
    assert_int_equal(g->size, 6);
    assert_int_equal(g->nextents, 1);
    assert_int_equal(g->ext[0].offset, 30 * RD_BLOCK);
    assert_int_equal(g->first_block, 30);
    assert_true(g->has & FSI_HAS_MTIME);
    assert_int_equal(g->mtime.tv_sec, T0);
    assert_false(g->hidden);
    assert_non_null(find(&L, "NOEXT"));
    g = find(&L, "EMPTY");
    assert_non_null(g);
    assert_int_equal(g->size, 0);
    assert_int_equal(g->nextents, 0);
    assert_int_equal(g->first_block, 0);
    g = find(&L, "HIDDEN");
    assert_non_null(g);
    assert_true(g->hidden);
    g = find(&L, "MULTI.BIN");
    assert_non_null(g);
    assert_int_equal(g->size, 4196);
    assert_int_equal(g->nextents, 2);
    assert_int_equal(g->ext[0].offset, 34 * RD_BLOCK);
    assert_int_equal(g->ext[0].length, 4096);
    assert_int_equal(g->ext[1].offset, 37 * RD_BLOCK);
    assert_int_equal(g->ext[1].length, 100);
    g = find(&L, "SUB");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_DIRECTORY);
    assert_int_equal(g->sub.loc, 22);
    assert_int_equal(g->sub.len, RD_BLOCK);
    const struct got *big = find(&L, "BIG");
    assert_non_null(big);
    struct rd_dirref bigref = big->sub;

    /* a directory of several chunks */
    static struct list L2;
    assert_int_equal(list_dir(&rd_iso9660, 0, &bigref, &L2, NULL), FSI_S_OK);
    assert_int_equal(L2.n, 1000);
    assert_int_equal(L2.g[999].name_len, strlen("FILE_WITH_A_LONG_IDENTIFIER_0999.DAT"));

    /* Joliet */
    assert_int_equal(list_dir(&rd_joliet, 0, NULL, &L, &vol), FSI_S_OK);
    assert_int_equal(vol.level, 3);
    assert_string_equal(vol.volume_name, "VOL");
    assert_int_equal(vol.descriptor_block, 17);
    assert_int_equal(L.n, 2);
    assert_non_null(find(&L, "read\xC3\xA9"));
    assert_non_null(find(&L, "Sub."));             /* directories keep their dot */

    /* root_entry */
    void *view;
    struct rd_dirref root;
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), FSI_S_OK);
    L.n = 0;
    assert_int_equal(rd_iso9660.root_entry(view, &root, collect, &L), FSI_S_OK);
    assert_int_equal(L.n, 1);
    assert_int_equal(L.g[0].type, FSI_ENTRY_DIRECTORY);
    assert_int_equal(L.g[0].name_len, 0);
    assert_int_equal(L.g[0].mtime.tv_sec, T0);
    rd_iso9660.close(view);
}

static void test_descriptors(void **state)
{
    (void)state;
    void *view = NULL;
    fsi_volume_info vol;
    struct rd_dirref root;

    build_plain();
    blk(16)[1] = 'X';                               /* no CD001 at 16 */
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), IMAPI_E_FILE_SYSTEM_NOT_FOUND);

    build_plain();
    vd(17, 2, 1, 24, RD_BLOCK, NULL);               /* an SVD without Joliet escapes */
    assert_int_equal(rd_joliet.open(disc(), 0, &view, &vol, &root), IMAPI_E_FILE_SYSTEM_NOT_FOUND);

    build_plain();
    both16(blk(16) + 128, 512);
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);

    build_plain();
    blk(16)[131] = 1;                               /* block size: BE half differs */
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    build_plain();
    blk(16)[84] ^= 1;                               /* volume space size */
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "volume space size"));

    build_plain();
    blk(16)[122] ^= 1;                              /* volume set size: only a finding */
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), FSI_S_OK);
    assert_int_equal(g_warnings, 1);
    rd_iso9660.close(view);

    build_plain();                                  /* root past the end */
    both32(blk(16) + 156 + 2, 100000);
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    /* Enhanced descriptor: noted beside a PVD, unsupported alone. */
    build_plain();
    vd(17, 2, 2, 20, RD_BLOCK, NULL);
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), FSI_S_OK);
    assert_true(vol.iso9660_1999);
    rd_iso9660.close(view);
    vd(16, 2, 2, 20, RD_BLOCK, NULL);
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root),
                     IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);

    /* No terminator: a finding only. */
    build_plain();
    memset(blk(18), 0, RD_BLOCK);
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), FSI_S_OK);
    assert_int_equal(g_warnings, 1);
    rd_iso9660.close(view);

    /* too small an image */
    fsi_disc *d = disc();
    d->size = 10 * RD_BLOCK;
    assert_int_equal(rd_iso9660.open(d, 0, &view, &vol, &root), IMAPI_E_FILE_SYSTEM_NOT_FOUND);
}

static void test_hostile_records(void **state)
{
    (void)state;
    struct rd_dirref ref;

    build_plain();
    blk(20)[68 + 32] = 200;                        /* 3rd record: identifier too long */
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "identifier length"));

    build_plain();
    blk(20)[68] = 20;                              /* shorter than any record */
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    build_plain();                                 /* a record past its block */
    uint8_t *p = blk(22);
    size_t pos = 0;
    char fill[167];
    memset(fill, 'F', sizeof fill);
    while (p[pos])
        pos += p[pos];
    while (RD_BLOCK - pos > 200) {                 /* 200-byte records up to the end */
        mkrec(p + pos, 30, 1, 0, fill, sizeof fill, NULL, 0);
        pos += 200;
    }
    mkrec(p + pos, 30, 1, 0, fill, sizeof fill, NULL, 0);   /* 200 > what is left */
    ref.loc = 22;
    ref.len = RD_BLOCK;
    ref.aux = 0;
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "does not fit"));

    build_plain();                                 /* extent differs between byte orders */
    blk(20)[68 + 6] ^= 0x10;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "extent location"));

    build_plain();                                 /* data length too */
    blk(20)[68 + 17] ^= 0x10;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    build_plain();                                 /* interleaved */
    blk(20)[68 + 26] = 1;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);

    /* A directory claiming 4 GiB - 1: refused before reading, no allocation. */
    build_plain();
    ref.loc = 22;
    ref.len = UINT32_MAX;
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    ref.len = 0;
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    ref.loc = NBLK;
    ref.len = 1;
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    /* Multi-extent: a final section missing, or another name between. */
    struct dw w;
    build_plain();
    memset(blk(22), 0, RD_BLOCK);
    dw_begin(&w, 22, 20, NULL, 0);
    dw_add(&w, 30, 2048, 0x80, "M;1", 3, NULL, 0);
    dw_end(&w);
    ref.loc = 22;
    ref.len = RD_BLOCK;
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "final section"));
    dw_add(&w, 31, 2048, 0, "N;1", 3, NULL, 0);
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    /* a directory flagged multi-extent */
    memset(blk(22), 0, RD_BLOCK);
    dw_begin(&w, 22, 20, NULL, 0);
    dw_add(&w, 30, 2048, 0x82, "D", 1, NULL, 0);
    dw_add(&w, 31, 2048, 0x02, "D", 1, NULL, 0);
    dw_end(&w);
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    /* sections spread over two blocks join */
    memset(blk(22), 0, 2 * RD_BLOCK);
    dw_begin(&w, 22, 20, NULL, 0);
    for (int i = 0; i < 60; i++)
        dw_add(&w, 30 + (uint32_t)i, 2048, i < 59 ? 0x80 : 0, "SPLIT.BIN;1", 11, NULL, 0);
    ref.len = dw_end(&w);
    assert_int_equal(ref.len, 2 * RD_BLOCK);
    assert_int_equal(list_dir(&rd_iso9660, 0, &ref, &L, NULL), FSI_S_OK);
    assert_int_equal(L.n, 1);
    assert_int_equal(L.g[0].size, 60 * 2048);
    assert_int_equal(L.g[0].nextents, 60);
}

/* ---- Rock Ridge ----
 * root at 20 ("." has SP, PX, TF and a CE to block 50 holding ER); dir
 * "RR_MOVED" at 22 holding the relocated "DEEP" (block 26, RE);
 * placeholder "DEEP" in the root with CL 26. */

static void build_rr(unsigned sp_skip)
{
    uint8_t sua[256], *q;
    size_t n;
    struct dw w;
    memset(IMG, 0, sizeof IMG);

    /* root "." */
    n = 0;
    uint8_t spd[3] = {0xBE, 0xEF, (uint8_t)sp_skip};
    n += su(sua + n, "SP", spd, 3);
    n += su_px(sua + n, 040755, 3, 0, 0);
    n += su_ce(sua + n, 50, 100, 50);
    q = blk(50) + 100;
    uint8_t er[8 + 10] = {10, 0, 0, 1};
    memcpy(er + 4, "RRIP_1991A", 10);
    su(q, "ER", er, 14);
    dw_begin(&w, 20, 20, sua, n);

    uint8_t skip[8] = {0};
    /* 1: NM split over two entries, PX regular, TF long form modify + access */
    n = sp_skip;
    memcpy(sua, skip, sp_skip);
    n += su_nm(sua + n, 1, "Long name, ");
    n += su_nm(sua + n, 0, "part two.txt");
    n += su_px(sua + n, 0100640, 1, 1000, 100);
    uint8_t tf[1 + 34];
    tf[0] = 0x80 | 0x02 | 0x04;
    memcpy(tf + 1, "2020010203040500", 16);
    tf[17] = 0;
    memcpy(tf + 18, "2021010203040500", 16);
    tf[34] = 0;
    n += su(sua + n, "TF", tf, sizeof tf);
    dw_add(&w, 30, 6, 0, "LONGNAME.TXT;1", 14, sua, n);

    /* 2: a symlink "/usr/../bin/sh" over two SL entries, a component
     * continued across them */
    n = sp_skip;
    n += su_nm(sua + n, 0, "link");
    n += su_px(sua + n, 0120777, 1, 0, 0);
    uint8_t sl1[] = {1, 0x08, 0, 0, 3, 'u', 's', 'r', 0x04, 0, 0x01, 2, 'b', 'i'};
    uint8_t sl2[] = {0, 0, 1, 'n', 0, 2, 's', 'h'};
    n += su(sua + n, "SL", sl1, sizeof sl1);
    n += su(sua + n, "SL", sl2, sizeof sl2);
    dw_add(&w, 0, 0, 0, "LINK.;1", 7, sua, n);

    /* 3: a character device, TF short form creation */
    n = sp_skip;
    n += su_nm(sua + n, 0, "tty");
    n += su_px(sua + n, 020620, 1, 0, 5);
    uint8_t pn[16];
    both32(pn, 4);
    both32(pn + 8, 64);
    n += su(sua + n, "PN", pn, 16);
    uint8_t tfs[8] = {0x01, 120, 1, 2, 3, 4, 5, 0};
    n += su(sua + n, "TF", tfs, 8);
    dw_add(&w, 0, 0, 0, "TTY.;1", 6, sua, n);

    /* 4: a name in a continuation area (CE into block 51) */
    n = sp_skip;
    n += su_px(sua + n, 0100644, 1, 0, 0);
    n += su_ce(sua + n, 51, 2000, 100);            /* spans blocks 51-52 */
    size_t m = su_nm(blk(51) + 2000, 1, "continued-");
    m += su_nm(blk(51) + 2000 + m, 0, "name");
    su(blk(51) + 2000 + m, "ST", NULL, 0);
    dw_add(&w, 31, 1, 0, "CONT.;1", 7, sua, n);

    /* 5: placeholder of the relocated directory */
    n = sp_skip;
    n += su_nm(sua + n, 0, "deep");
    n += su_px(sua + n, 040700, 2, 0, 0);
    n += su_cl(sua + n, "CL", 26);
    dw_add(&w, 0, 0, 0, "DEEP.;1", 7, sua, n);

    /* 6: rr_moved */
    n = sp_skip;
    n += su_nm(sua + n, 0, "rr_moved");
    n += su_px(sua + n, 040555, 2, 0, 0);
    dw_add(&w, 22, RD_BLOCK, 2, "RR_MOVED", 8, sua, n);

    /* 7: a FIFO, with RRIP 1.09 "RR" and an unknown entry */
    n = sp_skip;
    uint8_t rrf = 0x89;
    n += su(sua + n, "RR", &rrf, 1);
    n += su(sua + n, "ZZ", "??", 2);
    n += su_nm(sua + n, 0, "fifo");
    n += su_px(sua + n, 010600, 1, 0, 0);
    dw_add(&w, 0, 0, 1, "FIFO.;1", 7, sua, n);
    uint32_t rootlen = dw_end(&w);

    /* rr_moved: DEEP relocated (RE) */
    dw_begin(&w, 22, 20, NULL, 0);
    n = sp_skip;
    n += su_nm(sua + n, 0, "deep");
    n += su(sua + n, "RE", NULL, 0);
    dw_add(&w, 26, RD_BLOCK, 2, "DEEP", 4, sua, n);
    dw_end(&w);
    /* DEEP itself: ".." has PL */
    n = sp_skip;
    n += su_cl(sua + n, "PL", 20);
    w.first = w.b = 26;
    w.pos = 0;
    dw_add(&w, 26, 0, 2, "\0", 1, NULL, 0);
    dw_add(&w, 22, RD_BLOCK, 2, "\1", 1, sua, n);
    dw_add(&w, 30, 6, 0, "INSIDE.;1", 9, NULL, 0);
    dw_end(&w);

    vd(16, 1, 1, 20, rootlen, NULL);
    vd(17, 255, 1, 0, 0, NULL);
}

static void check_rr_root(const struct list *l)
{
    assert_int_equal(l->n, 6);                /* not the RE one, nor rr_moved */
    const struct got *g = find(l, "Long name, part two.txt");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_FILE);
    assert_int_equal(g->mode, 0640);
    assert_int_equal(g->uid, 1000);
    assert_int_equal(g->gid, 100);
    assert_int_equal(g->has & (FSI_HAS_MODE | FSI_HAS_OWNER | FSI_HAS_NLINK | FSI_HAS_MTIME | FSI_HAS_ATIME),
                     FSI_HAS_MODE | FSI_HAS_OWNER | FSI_HAS_NLINK | FSI_HAS_MTIME | FSI_HAS_ATIME);
    assert_int_equal(g->mtime.tv_sec, T0);
    assert_int_equal(g->atime.tv_sec, T0 + 366 * 86400);
    assert_int_equal(g->size, 6);

    g = find(l, "link");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_SYMLINK);
    assert_string_equal(g->link, "/usr/../bin/sh");
    assert_int_equal(g->size, strlen("/usr/../bin/sh"));
    assert_int_equal(g->nextents, 0);

    g = find(l, "tty");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_CHAR_DEVICE);
    assert_true(g->has & FSI_HAS_RDEV);
    assert_int_equal(g->major, 4);
    assert_int_equal(g->minor, 64);
    assert_true(g->has & FSI_HAS_BTIME);
    assert_int_equal(g->btime.tv_sec, T0);

    g = find(l, "continued-name");
    assert_non_null(g);
    assert_int_equal(g->size, 1);

    g = find(l, "deep");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_DIRECTORY);
    assert_int_equal(g->mode, 0700);
    assert_int_equal(g->sub.loc, 26);
    assert_int_equal(g->sub.len, RD_BLOCK);

    g = find(l, "fifo");
    assert_non_null(g);
    assert_int_equal(g->type, FSI_ENTRY_FIFO);
    assert_true(g->hidden);
    /* rr_moved holds only RE records: not shown (as libarchive) */
    assert_null(find(l, "rr_moved"));
}

static void test_rockridge(void **state)
{
    (void)state;
    fsi_volume_info vol;
    build_rr(0);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_true(vol.rock_ridge);
    check_rr_root(&L);

    /* the relocated directory reads at its CL block, rr_moved is empty */
    static struct list L2;
    struct rd_dirref deep = find(&L, "deep")->sub, moved = {22, RD_BLOCK, 0};
    assert_int_equal(list_dir(&rd_iso9660, 0, &deep, &L2, NULL), FSI_S_OK);
    assert_int_equal(L2.n, 1);
    assert_non_null(find(&L2, "INSIDE"));
    assert_int_equal(list_dir(&rd_iso9660, 0, &moved, &L2, NULL), FSI_S_OK);
    assert_int_equal(L2.n, 0);

    /* root_entry: PX of the root's "." */
    void *view;
    struct rd_dirref root;
    assert_int_equal(rd_iso9660.open(disc(), 0, &view, &vol, &root), FSI_S_OK);
    L2.n = 0;
    assert_int_equal(rd_iso9660.root_entry(view, &root, collect, &L2), FSI_S_OK);
    assert_int_equal(L2.g[0].mode, 0755);
    assert_int_equal(L2.g[0].nlink, 3);
    rd_iso9660.close(view);

    /* without Rock Ridge: plain names, RE entries shown */
    assert_int_equal(list_dir(&rd_iso9660, RD_NO_ROCK_RIDGE, NULL, &L, &vol), FSI_S_OK);
    assert_true(vol.rock_ridge);
    assert_int_equal(L.n, 7);
    assert_non_null(find(&L, "LONGNAME.TXT"));
    assert_int_equal(find(&L, "LINK")->type, FSI_ENTRY_FILE);
    assert_int_equal(find(&L, "DEEP")->type, FSI_ENTRY_FILE);
    assert_false(find(&L, "LINK")->has & FSI_HAS_MODE);

    /* An RR_MOVED with a record that is not relocated is shown. */
    build_rr(0);
    uint8_t *re = memmem(blk(22), RD_BLOCK, "RE\x04\x01", 4);
    assert_non_null(re);
    memcpy(re, "ZZ", 2);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_int_equal(L.n, 7);
    assert_non_null(find(&L, "rr_moved"));
    /* ... and one of another name is not the relocation directory */
    build_rr(0);
    uint8_t *id = memmem(blk(20), RD_BLOCK, "RR_MOVED", 8);
    assert_non_null(id);
    id[0] = 'X';
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_int_equal(L.n, 7);

    /* LEN_SKP: every System Use field but the root "."'s starts later */
    build_rr(4);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    check_rr_root(&L);

    /* SP without ER or any RRIP entry: not Rock Ridge */
    build_rr(0);
    memset(blk(20) + 34 + 7, 0, 36 + 28);               /* wipe PX and CE after SP */
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_false(vol.rock_ridge);
    assert_non_null(find(&L, "LONGNAME.TXT"));
}

static void test_rockridge_hostile(void **state)
{
    (void)state;
    fsi_volume_info vol;

    /* A CE pointing at itself: bounded, then a consistency error. */
    build_rr(0);
    su_ce(blk(51) + 2000, 51, 2000, 28);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "continuation"));

    /* A CE past the end of the image */
    build_rr(0);
    uint8_t *p = blk(20);
    size_t pos = 0;
    while (p[pos] && !(p[pos + 32] == 7 && memcmp(p + pos + 33, "CONT.;1", 7) == 0))
        pos += p[pos];
    assert_true(p[pos] != 0);
    uint8_t *ce = p + pos + 33 + 7 + 36;
    assert_memory_equal(ce, "CE", 2);
    both32(ce + 4, 0x7FFFFFFF);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    /* offset outside its block */
    build_rr(0);
    both32(ce + 12, 4096);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    /* byte orders differ */
    build_rr(0);
    ce[4 + 7] ^= 1;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);

    /* PX mode differs between byte orders */
    build_rr(0);
    uint8_t *px = ce - 36;
    assert_memory_equal(px, "PX", 2);
    px[4 + 7] ^= 1;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "PX"));

    /* An entry overrunning its area: tolerated, a finding */
    build_rr(0);
    px[2] = 200;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);
    assert_true(g_warnings > 0);
    /* zero-length entry: padding, the rest ignored */
    build_rr(0);
    px[2] = 0;
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol), FSI_S_OK);

    /* A name longer than RR_NAME_MAX over a chain of areas. */
    build_rr(0);
    for (uint32_t b = 60; b < 100; b++) {
        uint8_t *q = blk(b);
        size_t k = 0;
        while (k + 255 + 28 < RD_BLOCK)
            k += su_nm(q + k, 1, "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
        su_ce(q + k, b + 1, 0, RD_BLOCK);
    }
    both32(ce + 4, 60);
    both32(ce + 12, 0);
    both32(ce + 20, RD_BLOCK);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(g_msg, "NM"));

    /* CL to a block whose first record is not "." */
    build_rr(0);
    memset(blk(26), 0, RD_BLOCK);
    mkrec(blk(26), 30, 6, 0, "X;1", 3, NULL, 0);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    /* CL past the end */
    build_rr(0);
    pos = 0;
    while (p[pos] && !(p[pos + 32] == 7 && memcmp(p + pos + 33, "DEEP.;1", 7) == 0))
        pos += p[pos];
    uint8_t *cl = p + pos + 33 + 7 + 9 + 36;
    assert_memory_equal(cl, "CL", 2);
    both32(cl + 4, 1u << 30);
    assert_int_equal(list_dir(&rd_iso9660, 0, NULL, &L, &vol),
                     IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
}

/* Random damage to every byte of the images: never a crash (run under
 * ASan/UBSan), only codes the reader documents. */
static fsi_hresult walk_all(const struct rd_reader *r)
{
    void *view;
    fsi_volume_info vol;
    struct rd_dirref root, stack[64];
    size_t n = 0;
    fsi_hresult hr = r->open(disc(), 0, &view, &vol, &root);
    if (hr != FSI_S_OK)
        return hr;
    stack[n++] = root;
    L.n = 0;
    hr = r->root_entry(view, &root, collect, &L);
    for (int steps = 0; hr == FSI_S_OK && n > 0 && steps < 64; steps++) {
        struct rd_dirref d = stack[--n];
        L.n = 0;
        hr = r->read_dir(view, &d, collect, &L);
        for (size_t i = 0; hr == FSI_S_OK && i < L.n && n < 64; i++)
            if (L.g[i].type == FSI_ENTRY_DIRECTORY)
                stack[n++] = L.g[i].sub;
    }
    r->close(view);
    return hr;
}

static void test_fuzz(void **state)
{
    (void)state;
    static uint8_t good[NBLK * RD_BLOCK];
    uint32_t seed = 12345;
    for (int img = 0; img < 2; img++) {
        if (img == 0)
            build_plain();
        else
            build_rr(0);
        memcpy(good, IMG, sizeof IMG);
        for (int round = 0; round < 3000; round++) {
            memcpy(IMG, good, sizeof IMG);
            for (int k = 0; k < 4; k++) {
                seed = seed * 1103515245u + 12345u;
                /* aim at the descriptors and directories (blocks 16-60) */
                size_t off = 16 * RD_BLOCK + (seed >> 8) % (45 * RD_BLOCK);
                seed = seed * 1103515245u + 12345u;
                IMG[off] = (uint8_t)(seed >> 16);
            }
            const struct rd_reader *rs[2] = {&rd_iso9660, &rd_joliet};
            for (int j = 0; j < 2; j++) {
                fsi_hresult hr = walk_all(rs[j]);
                assert_true(hr == FSI_S_OK || hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND ||
                            hr == IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR ||
                            hr == IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED ||
                            hr == IMAPI_E_IMPORT_SEEK_FAILURE);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_ucs2),
        cmocka_unit_test(test_field),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_hostile_records),
        cmocka_unit_test(test_rockridge),
        cmocka_unit_test(test_rockridge_hostile),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
