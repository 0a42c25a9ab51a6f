/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_udf.c - the UDF reader (ECMA-167 3rd edition with OSTA UDF 1.02 to
 * 2.60), behind the rd_reader interface of reader.h.
 *
 * open: the volume recognition sequence from block 16 (BEA01, NSR02 or
 * NSR03, TEA01) says whether the disc holds UDF; the Anchor Volume
 * Descriptor Pointer (block 256, else N - 256, else N - 1) gives the main
 * and reserve Volume Descriptor Sequences; the main one is read (the
 * reserve one when the main is unusable) for the Primary, Partition and
 * Logical Volume Descriptors.  The partition maps translate a (partition
 * reference, logical block) pair to a byte offset of the disc: type 1 maps
 * directly, the metadata partition (UDF 2.50+) through the allocation
 * descriptors of the metadata file (its mirror when the main copy is
 * unusable).  The Logical Volume Integrity Descriptor is kept for verify;
 * the File Set Descriptor gives the root directory's ICB.
 *
 * read_dir: the directory's (Extended) File Entry gives its extents; its
 * File Identifier Descriptors are read as a byte stream through a fixed
 * window (they may cross block and extent boundaries), and each one's
 * File Entry is decoded into the entry given to the walker: type, size,
 * extents as disc byte ranges, permissions, owner, times, link target,
 * device numbers.  Buffers live in the view and are reused, so a listing
 * costs one read of a File Entry per file and no allocation per entry.
 *
 * Strategy 4 ICBs only (4096 is unsupported); no virtual (VAT) or
 * sparable partitions; logical block size 2048 only.  Every count,
 * length and offset is checked; loops are bounded by the disc's size.
 */
#include "config.h"
#include "reader.h"
#include "read_udf.h"
#include "udf_desc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSN "UDF"
#define VRS_LAST 255            /* the VRS lies below the anchor at 256 */
#define SEQ_MAX 4096            /* descriptors read in one sequence */
#define HOPS_MAX 64             /* continuation extents of one sequence */
#define MAPS_MAX 8              /* partition maps */
#define PDS_MAX 8               /* Partition Descriptors */
#define SYMLINK_MAX 65536       /* bytes of path components */
#define WINDOW (128u * 1024)    /* > the longest FID: 38 + 65535 + 255 + 3 */
#define NAME_MAX_U8 1024        /* UTF-8 of a 255-byte CS0 string, with NUL */
#define AED_MAX (1u << 20)      /* Allocation Extent Descriptors of a file:
                                   each holds >= 126 extents of up to 1 GiB */
#define AHEAD (32 * RD_BLOCK)   /* File Entries read ahead when read in order */

enum { MAP_PHYS = 1, MAP_META };
enum { WANT_ENTRY, WANT_META, WANT_MIRROR };

struct pmap {
    int kind;
    uint16_t pnum;              /* partition number */
    uint64_t start, len;        /* the physical partition, disc blocks */
    uint16_t phys;              /* MAP_META: reference of its type 1 map */
};

/* One recorded extent of the metadata file: metadata partition blocks
 * [lstart, lstart + n) are disc blocks [dblk, dblk + n). */
struct mext {
    uint64_t lstart, dblk, n;
};

/* Extents of one file: disc byte ranges and, for recorded ones, the
 * logical block of their first byte (FID tag locations are checked with
 * it). */
struct xl {
    fsi_extent *e;
    uint32_t *lbn;
    size_t n, cap;
    uint64_t total, recorded;
};

/* A failure kept aside while a fallback is tried. */
struct held {
    const char *what;
    uint64_t block;
    char msg[200];
};

struct uv {
    fsi_disc *d;
    uint64_t nblocks;
    uint16_t rev;
    struct pmap map[MAPS_MAX];
    unsigned nmaps;
    struct mext *meta;
    size_t nmeta;

    bool lvid, lvid_counts, closed, has_lvid_time;
    struct timespec lvid_time;
    uint32_t files, dirs;
    uint64_t next_uid;
    uint64_t max_uid;             /* largest Unique ID of the File Entries read */

    struct held *hold;          /* non-NULL: failures go there, unrecorded */

    uint8_t *ahead;             /* File Entries read ahead (AHEAD bytes) */
    uint64_t ahead_off, ahead_len, last_fe;
    uint8_t aed[RD_BLOCK];      /* an Allocation Extent Descriptor */
    struct xl x;                /* the extents of the entry decoded */
    struct xl dx;               /* the extents of the directory read */
    uint8_t *win;               /* the directory window (WINDOW bytes) */
    uint8_t *ldata;             /* symlink path components */
    char *link;                 /* the decoded target */
    size_t linkcap;
    char name[NAME_MAX_U8];
};

/* ---------------------------------------------------------------------- */
/* failures */

static fsi_hresult bad(struct uv *v, const char *what, uint64_t block, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static fsi_hresult bad(struct uv *v, const char *what, uint64_t block, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->hold) {
        v->hold->what = what;
        v->hold->block = block;
        memcpy(v->hold->msg, msg, sizeof msg);
        return IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;
    }
    return rd_corrupt(v->d, FSN, what, block, "%s", msg);
}

static fsi_hresult nomem(struct uv *v)
{
    return rd_fail(v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "out of memory reading UDF");
}

/* What is wrong with the tag of a descriptor of `avail` readable bytes
 * expected to be `id` recorded at logical block `loc`, or NULL. */
static const char *tag_bad(const uint8_t *b, size_t avail, uint16_t id, uint32_t loc, char *buf,
                           size_t size)
{
    if (udf_get16(b) != id) {
        snprintf(buf, size, "tag identifier %u, expected %u", udf_get16(b), id);
        return buf;
    }
    if (udf_tag_checksum(b) != b[4])
        return "bad tag checksum";
    if (udf_get32(b + 12) != loc) {
        snprintf(buf, size, "tag location %u, expected %u", udf_get32(b + 12), loc);
        return buf;
    }
    size_t crclen = udf_get16(b + 10);
    if (crclen > avail - UDF_TAG_SIZE) {
        snprintf(buf, size, "descriptor CRC length %zu exceeds the descriptor", crclen);
        return buf;
    }
    if (udf_crc16(b + UDF_TAG_SIZE, crclen) != udf_get16(b + 8))
        return "bad descriptor CRC";
    return NULL;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* ---------------------------------------------------------------------- */
/* decoding */

/* Latin-1 (compression 8) or UCS-2BE (16) CS0 characters to UTF-8; ids
 * 254 and 255 (UDF 2.60 2.1.1: empty names of deleted FIDs) give "".
 * out holds at least 3 * len + 1 bytes.  false: unknown compression id or
 * a 16-bit string of odd length. */
static bool cs0_utf8(const uint8_t *p, size_t len, char *out, size_t *outlen)
{
    *outlen = 0;
    out[0] = '\0';
    if (len == 0)
        return true;
    switch (p[0]) {
    case 8: {
        size_t o = 0;
        for (size_t i = 1; i < len; i++) {
            uint8_t c = p[i];
            if (c == 0) {                 /* as rd_ucs2be_to_utf8 does */
                out[o++] = (char)0xEF;
                out[o++] = (char)0xBF;
                out[o++] = (char)0xBD;
            } else if (c < 0x80) {
                out[o++] = (char)c;
            } else {
                out[o++] = (char)(0xC0 | (c >> 6));
                out[o++] = (char)(0x80 | (c & 0x3F));
            }
        }
        out[o] = '\0';
        *outlen = o;
        return true;
    }
    case 16:
        if ((len - 1) % 2)
            return false;
        *outlen = rd_ucs2be_to_utf8(p + 1, len - 1, out);
        return true;
    case 254:
    case 255:
        return true;
    default:
        return false;
    }
}

/* A dstring field (ECMA-167 1/7.2.12) to UTF-8, cut at a character
 * boundary to fit `size`, trailing blanks removed. */
static void dstring(const uint8_t *p, size_t field, char *out, size_t size)
{
    char tmp[3 * 256 + 1];
    size_t n = p[field - 1], len;
    out[0] = '\0';
    if (n == 0 || n > field - 1 || !cs0_utf8(p, n, tmp, &len))
        return;
    while (len > 0 && (tmp[len - 1] == ' ' || tmp[len - 1] == '\0'))
        len--;
    if (len >= size) {
        len = size - 1;
        while (len > 0 && ((uint8_t)tmp[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, tmp, len);
    out[len] = '\0';
}

static int64_t days_from_epoch(int y, int m, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t py = y - 1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int64_t days = py * 365 + py / 4 - py / 100 + py / 400;    /* since 0001-01-01 */
    days += before[m - 1] + (m > 2 && leap) + d - 1;
    return days - 719162;                                       /* 1970-01-01 */
}

/* An ECMA-167 1/7.3 timestamp to UTC.  false if unset or invalid. */
static bool timestamp(const uint8_t *p, struct timespec *out)
{
    if (all_zero(p, UDF_TIMESTAMP))
        return false;
    uint16_t tz = udf_get16(p);
    int type = tz >> 12;
    int off = tz & 0x0FFF;
    if (off & 0x800)
        off -= 0x1000;
    if (off < -1440 || off > 1440 || type > 1)
        off = 0;                      /* unspecified (-2047), or not a time zone */
    int y = (int16_t)udf_get16(p + 2), mo = p[4], d = p[5], h = p[6], mi = p[7], s = p[8];
    static const uint8_t mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
        mi > 59 || s > 60 || p[9] > 99 || p[10] > 99 || p[11] > 99)
        return false;
    out->tv_sec = (time_t)(days_from_epoch(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
                           (int64_t)off * 60);
    out->tv_nsec = ((long)p[9] * 10000 + (long)p[10] * 100 + p[11]) * 1000;
    return true;
}

/* ---------------------------------------------------------------------- */
/* partitions */

/* Disc byte offset of logical block lbn of partition reference ref, and
 * the bytes contiguous from there.  false if outside the partition. */
static bool xlate(const struct uv *v, uint16_t ref, uint32_t lbn, uint64_t *off, uint64_t *avail)
{
    if (ref >= v->nmaps)
        return false;
    const struct pmap *m = &v->map[ref];
    if (m->kind == MAP_PHYS) {
        if (lbn >= m->len)
            return false;
        *off = (m->start + lbn) * RD_BLOCK;
        *avail = (m->len - lbn) * RD_BLOCK;
        return true;
    }
    size_t lo = 0, hi = v->nmeta;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->meta[mid].lstart + v->meta[mid].n <= lbn)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == v->nmeta || v->meta[lo].lstart > lbn)
        return false;
    uint64_t k = lbn - v->meta[lo].lstart;
    *off = (v->meta[lo].dblk + k) * RD_BLOCK;
    *avail = (v->meta[lo].n - k) * RD_BLOCK;
    return true;
}

/* ---------------------------------------------------------------------- */
/* extents */

static bool xl_push(struct xl *x, uint64_t off, uint64_t len, uint32_t lbn)
{
    if (x->n > 0) {                   /* join with the previous one */
        fsi_extent *p = &x->e[x->n - 1];
        if (off == FSI_EXTENT_HOLE && p->offset == FSI_EXTENT_HOLE) {
            p->length += len;
            return true;
        }
        if (off != FSI_EXTENT_HOLE && p->offset != FSI_EXTENT_HOLE &&
            p->offset + p->length == off && p->length % RD_BLOCK == 0 &&
            x->lbn[x->n - 1] + p->length / RD_BLOCK == lbn) {
            p->length += len;
            return true;
        }
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        fsi_extent *e = realloc(x->e, cap * sizeof *e);
        if (!e)
            return false;
        x->e = e;
        uint32_t *l = realloc(x->lbn, cap * sizeof *l);
        if (!l)
            return false;
        x->lbn = l;
        x->cap = cap;
    }
    x->e[x->n].offset = off;
    x->e[x->n].length = len;
    x->lbn[x->n] = lbn;
    x->n++;
    return true;
}

/* Context of the allocation descriptors of one File Entry. */
struct adctx {
    uint64_t feblk;             /* disc block of the File Entry (messages) */
    uint16_t ref;               /* its partition reference (short_ad) */
    uint64_t size;              /* information length */
    bool longer;                /* extents past the size seen */
};

/* Add one allocation descriptor's extent (not a continuation). */
static fsi_hresult ad_extent(struct uv *v, struct adctx *c, struct xl *x, int type, uint64_t len,
                             uint16_t ref, uint32_t lbn, uint64_t blk, const char *what)
{
    if (x->total >= c->size) {
        c->longer = true;
        return FSI_S_OK;
    }
    if (len > c->size - x->total)
        len = c->size - x->total;
    else if (len % RD_BLOCK && len < c->size - x->total)
        return bad(v, what, blk, "extent of %llu bytes is not the last and not whole blocks",
                   (unsigned long long)len);
    x->total += len;
    if (type != UDF_EXT_RECORDED)
        return xl_push(x, FSI_EXTENT_HOLE, len, 0) ? FSI_S_OK : nomem(v);
    x->recorded += len;
    if (x->recorded > v->nblocks * RD_BLOCK)
        return bad(v, what, blk, "extents record more bytes than the disc holds");
    while (len > 0) {
        uint64_t off, avail;
        if (!xlate(v, ref, lbn, &off, &avail))
            return bad(v, what, blk, "extent at block %u of partition reference %u lies "
                       "outside the partition", lbn, ref);
        uint64_t take = len < avail ? len : avail;
        if (!xl_push(x, off, take, lbn))
            return nomem(v);
        len -= take;
        lbn += (uint32_t)(take / RD_BLOCK);
    }
    return FSI_S_OK;
}

/* Walk the allocation descriptors of a File Entry (area ad, l_ad bytes,
 * kind adtype) and their Allocation Extent Descriptors into x. */
static fsi_hresult ad_walk(struct uv *v, struct adctx *c, int adtype, const uint8_t *ad,
                           uint32_t l_ad, struct xl *x)
{
    size_t adsize = adtype == UDF_ICB_AD_SHORT ? UDF_SHORT_AD
                    : adtype == UDF_ICB_AD_LONG ? UDF_LONG_AD : 20;
    const char *what = "File Entry";
    uint64_t blk = c->feblk;
    uint64_t hops = 0;
    char tb[80];

    for (;;) {
        bool next = false;
        uint32_t nlen = 0, nlbn = 0;
        uint16_t nref = c->ref;
        for (size_t i = 0; i + adsize <= l_ad; i += adsize) {
            const uint8_t *a = ad + i;
            uint32_t raw = udf_get32(a);
            uint32_t len = raw & 0x3FFFFFFF;
            int type = (int)(raw >> 30);
            if (len == 0)
                break;                /* ECMA-167 4/12: the end of the descriptors */
            uint32_t lbn = udf_get32(a + 4);
            uint16_t ref = c->ref;
            uint64_t datalen = len;
            if (adtype == UDF_ICB_AD_LONG) {
                ref = udf_get16(a + 8);
            } else if (adtype == UDF_ICB_AD_EXTENDED) {
                uint32_t rec = udf_get32(a + 4), info = udf_get32(a + 8);
                lbn = udf_get32(a + 12);
                ref = udf_get16(a + 16);
                if (type == UDF_EXT_NEXT) {
                    datalen = len;
                } else if (type == UDF_EXT_RECORDED && rec < info) {
                    fsi_hresult r = ad_extent(v, c, x, type, rec, ref, lbn, blk, what);
                    if (r == FSI_S_OK)
                        r = ad_extent(v, c, x, UDF_EXT_ALLOCATED, info - rec, ref, 0, blk, what);
                    if (r != FSI_S_OK)
                        return r;
                    continue;
                } else {
                    datalen = info;
                }
            }
            if (type == UDF_EXT_NEXT) {
                next = true;
                nlen = len;
                nlbn = lbn;
                nref = ref;
                break;
            }
            fsi_hresult r = ad_extent(v, c, x, type, datalen, ref, lbn, blk, what);
            if (r != FSI_S_OK)
                return r;
        }
        if (!next)
            return FSI_S_OK;
        if (x->total >= c->size) {    /* the data is complete: ignore the rest */
            c->longer = true;
            return FSI_S_OK;
        }
        /* Allocation Extent Descriptor (ECMA-167 4/14.5). */
        if (++hops > v->nblocks || hops > AED_MAX)
            return bad(v, what, blk, "too many Allocation Extent Descriptors");
        uint64_t off, avail;
        if (!xlate(v, nref, nlbn, &off, &avail) || avail < RD_BLOCK)
            return bad(v, what, blk, "Allocation Extent Descriptor at block %u of partition "
                       "reference %u lies outside the partition", nlbn, nref);
        what = "Allocation Extent Descriptor";
        blk = off / RD_BLOCK;
        fsi_hresult r = rd_read(v->d, off, v->aed, RD_BLOCK);
        if (r != FSI_S_OK)
            return r;
        const char *tm = tag_bad(v->aed, RD_BLOCK, UDF_TAG_AED, nlbn, tb, sizeof tb);
        if (tm)
            return bad(v, what, blk, "%s", tm);
        uint32_t area = nlen < RD_BLOCK ? nlen : RD_BLOCK;
        l_ad = udf_get32(v->aed + 20);
        if (area < UDF_AED_SIZE || l_ad > area - UDF_AED_SIZE)
            return bad(v, what, blk, "length of allocation descriptors %u exceeds its extent",
                       l_ad);
        ad = v->aed + UDF_AED_SIZE;
    }
}

/* ---------------------------------------------------------------------- */
/* File Entries */

/* Device numbers from the Device Specification extended attribute
 * (ECMA-167 4/14.10.7) in the File Entry's extended attribute space. */
static void ea_device(struct uv *v, const uint8_t *ea, uint32_t l_ea, uint32_t lbn, uint64_t blk,
                      fsi_disc_entry *e)
{
    char tb[80];
    if (l_ea < UDF_AED_SIZE)
        return;
    const char *tm = tag_bad(ea, l_ea, UDF_TAG_EAHD, lbn, tb, sizeof tb);
    if (tm) {
        rd_warn(v->d, FSN, blk, "File Entry: extended attribute header: %s", tm);
        return;
    }
    uint32_t end = udf_get32(ea + 16);   /* ECMA attributes end where the others start */
    if (end > l_ea)
        end = l_ea;
    for (uint32_t pos = UDF_AED_SIZE; end >= 12 && pos <= end - 12;) {
        const uint8_t *a = ea + pos;
        uint32_t type = udf_get32(a), alen = udf_get32(a + 8);
        if (alen < 12 || alen > end - pos) {
            rd_warn(v->d, FSN, blk, "File Entry: extended attribute of length %u", alen);
            return;
        }
        if (type == 12 && alen >= 24) {
            e->rdev_major = udf_get32(a + 16);
            e->rdev_minor = udf_get32(a + 20);
            e->has |= FSI_HAS_RDEV;
        }
        pos += alen;
    }
}

/* The path components of a symbolic link (ECMA-167 4/14.16) to a target
 * in v->link. */
static fsi_hresult symlink_target(struct uv *v, const uint8_t *p, size_t n, uint64_t blk,
                                  size_t *outlen)
{
    size_t need = 3 * n + 16;
    if (need > v->linkcap) {
        char *l = realloc(v->link, need);
        if (!l)
            return nomem(v);
        v->link = l;
        v->linkcap = need;
    }
    char *out = v->link;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (n - i < 4 || p[i + 1] > n - i - 4)
            return bad(v, "File Entry", blk, "symbolic link: truncated path component");
        int type = p[i];
        size_t lci = p[i + 1];
        const uint8_t *ci = p + i + 4;
        i += 4 + lci;
        if (type == 1 || type == 2) {
            if (type == 1 && lci > 0)
                return bad(v, "File Entry", blk, "symbolic link: component of type 1 with a name");
            o = 0;
            out[o++] = '/';
            continue;
        }
        if (o > 0 && out[o - 1] != '/')
            out[o++] = '/';
        if (type == 3) {
            memcpy(out + o, "..", 2);
            o += 2;
        } else if (type == 4) {
            out[o++] = '.';
        } else if (type == 5) {
            size_t len;
            if (!cs0_utf8(ci, lci, out + o, &len) || len == 0)
                return bad(v, "File Entry", blk, "symbolic link: bad component name");
            o += len;
        } else {
            return bad(v, "File Entry", blk, "symbolic link: component type %d", type);
        }
    }
    out[o] = '\0';
    *outlen = o;
    return FSI_S_OK;
}

static fsi_hresult symlink_read(struct uv *v, const fsi_disc_entry *e, const uint8_t *inicb,
                                uint64_t blk, size_t *outlen)
{
    if (e->size > SYMLINK_MAX)
        return bad(v, "File Entry", blk, "symbolic link of %llu bytes",
                   (unsigned long long)e->size);
    const uint8_t *p = inicb;
    if (!p) {
        if (!v->ldata && !(v->ldata = malloc(SYMLINK_MAX)))
            return nomem(v);
        size_t o = 0;
        for (size_t i = 0; i < e->nextents; i++) {
            const fsi_extent *x = &e->extents[i];
            if (x->offset == FSI_EXTENT_HOLE) {
                memset(v->ldata + o, 0, x->length);
            } else {
                fsi_hresult r = rd_read(v->d, x->offset, v->ldata + o, x->length);
                if (r != FSI_S_OK)
                    return r;
            }
            o += x->length;
        }
        p = v->ldata;
    }
    return symlink_target(v, p, e->size, blk, outlen);
}

/* The block at disc byte offset off (avail bytes of the partition from
 * there).  Writers put the File Entries of a directory's files one after
 * the other: once two are read in a row, the next ones are read ahead. */
static fsi_hresult fe_fetch(struct uv *v, uint64_t off, uint64_t avail, const uint8_t **out)
{
    bool seq = off == v->last_fe + RD_BLOCK;
    v->last_fe = off;
    if (off >= v->ahead_off && off - v->ahead_off + RD_BLOCK <= v->ahead_len) {
        *out = v->ahead + (off - v->ahead_off);
        return FSI_S_OK;
    }
    uint64_t n = seq ? AHEAD : RD_BLOCK;
    if (n > avail)
        n = avail;
    fsi_hresult r = rd_read(v->d, off, v->ahead, (size_t)n);
    if (r != FSI_S_OK) {
        v->ahead_len = 0;
        return r;
    }
    v->ahead_off = off;
    v->ahead_len = n;
    *out = v->ahead;
    return FSI_S_OK;
}

/* Read and decode the File Entry at logical block lbn of partition
 * reference ref into e (all but name and hidden) with its extents in x.
 * *feoff gets its disc byte offset. */
static fsi_hresult fe_load(struct uv *v, uint16_t ref, uint32_t lbn, int want, fsi_disc_entry *e,
                           struct xl *x, uint64_t *feoff)
{
    uint64_t off, avail;
    char tb[80];
    memset(e, 0, sizeof *e);
    x->n = 0;
    x->total = x->recorded = 0;
    if (!xlate(v, ref, lbn, &off, &avail) || avail < RD_BLOCK)
        return bad(v, "File Entry", lbn, "block %u of partition reference %u lies outside the "
                   "partition", lbn, ref);
    uint64_t blk = off / RD_BLOCK;
    *feoff = off;
    const uint8_t *f;
    fsi_hresult r = fe_fetch(v, off, avail, &f);
    if (r != FSI_S_OK)
        return r;
    bool efe = udf_get16(f) == UDF_TAG_EFE;
    const char *tm = tag_bad(f, RD_BLOCK, efe ? UDF_TAG_EFE : UDF_TAG_FE, lbn, tb, sizeof tb);
    if (tm)
        return bad(v, "File Entry", blk, "%s", tm);
    uint16_t strategy = udf_get16(f + 20);
    if (strategy == 4096)
        return rd_unsupported(v->d, FSN, "ICB strategy 4096 (File Entry at block %llu)",
                              (unsigned long long)blk);
    if (strategy != 4)
        return bad(v, "File Entry", blk, "ICB strategy %u", strategy);
    uint8_t ftype = f[27];
    uint16_t flags = udf_get16(f + 34);
    size_t hdr = efe ? UDF_EFE_SIZE : UDF_FE_SIZE;
    uint32_t l_ea = udf_get32(f + hdr - 8), l_ad = udf_get32(f + hdr - 4);
    if (l_ea > RD_BLOCK - hdr || l_ad > RD_BLOCK - hdr - l_ea)
        return bad(v, "File Entry", blk, "extended attributes (%u bytes) and allocation "
                   "descriptors (%u bytes) exceed the block", l_ea, l_ad);

    switch (ftype) {
    case UDF_FT_DIR: e->type = FSI_ENTRY_DIRECTORY; break;
    case UDF_FT_FILE: e->type = FSI_ENTRY_FILE; break;
    case 6: e->type = FSI_ENTRY_BLOCK_DEVICE; break;
    case 7: e->type = FSI_ENTRY_CHAR_DEVICE; break;
    case 9: e->type = FSI_ENTRY_FIFO; break;
    case 10: e->type = FSI_ENTRY_SOCKET; break;
    case 12: e->type = FSI_ENTRY_SYMLINK; break;
    case UDF_FT_METADATA:
    case UDF_FT_METADATA_MIRROR:
        e->type = FSI_ENTRY_FILE;
        break;
    default:
        return bad(v, "File Entry", blk, "file type %u", ftype);
    }
    if ((want == WANT_META && ftype != UDF_FT_METADATA) ||
        (want == WANT_MIRROR && ftype != UDF_FT_METADATA_MIRROR) ||
        (want == WANT_ENTRY && ftype >= UDF_FT_METADATA))
        return bad(v, "File Entry", blk, "file type %u where %s expected", ftype,
                   want == WANT_META ? "the metadata file (250) is"
                   : want == WANT_MIRROR ? "the metadata mirror file (251) is"
                   : "a file or directory is");

    uint32_t uid = udf_get32(f + 36), gid = udf_get32(f + 40), perm = udf_get32(f + 44);
    if (uid != UINT32_MAX || gid != UINT32_MAX) {
        e->uid = uid == UINT32_MAX ? 0 : uid;
        e->gid = gid == UINT32_MAX ? 0 : gid;
        e->has |= FSI_HAS_OWNER;
    }
    /* Permissions: 5 bits (x, w, r, chattr, delete) for other, group,
     * owner; POSIX keeps r, w, x of each. */
    e->mode = (perm & 07) | ((perm >> 2) & 070) | ((perm >> 4) & 0700);
    if (flags & UDF_ICB_SETUID)
        e->mode |= 04000;
    if (flags & UDF_ICB_SETGID)
        e->mode |= 02000;
    if (flags & UDF_ICB_STICKY)
        e->mode |= 01000;
    e->has |= FSI_HAS_MODE;
    e->nlink = udf_get16(f + 48);
    if (e->nlink)
        e->has |= FSI_HAS_NLINK;
    if (want == WANT_ENTRY) {   /* verify compares it with the LVID's next one */
        const uint8_t *u = f + (efe ? 200 : 160);
        uint64_t uniq = (uint64_t)udf_get32(u) | (uint64_t)udf_get32(u + 4) << 32;
        if (uniq > v->max_uid)
            v->max_uid = uniq;
    }
    e->size = (uint64_t)udf_get32(f + 56) | (uint64_t)udf_get32(f + 60) << 32;
    const uint8_t *ta = f + 72, *tm_ = f + 84, *tc = f + 96;
    if (efe) {
        ta = f + 80;
        tm_ = f + 92;
        tc = f + 116;
        if (timestamp(f + 104, &e->btime))
            e->has |= FSI_HAS_BTIME;
    }
    if (timestamp(ta, &e->atime))
        e->has |= FSI_HAS_ATIME;
    if (timestamp(tm_, &e->mtime))
        e->has |= FSI_HAS_MTIME;
    if (timestamp(tc, &e->ctime))
        e->has |= FSI_HAS_CTIME;
    if (e->type == FSI_ENTRY_BLOCK_DEVICE || e->type == FSI_ENTRY_CHAR_DEVICE)
        ea_device(v, f + hdr, l_ea, lbn, blk, e);

    /* The data. */
    int adtype = flags & 7;
    const uint8_t *inicb = NULL;
    if (adtype == UDF_ICB_AD_IN_ICB) {
        if (l_ad < e->size)
            return bad(v, "File Entry", blk, "size %llu, but %u bytes of data are embedded",
                       (unsigned long long)e->size, l_ad);
        if (l_ad > e->size)
            rd_warn(v->d, FSN, blk, "File Entry: %u bytes embedded for a size of %llu", l_ad,
                    (unsigned long long)e->size);
        if (e->size && !xl_push(x, off + hdr + l_ea, e->size, lbn))
            return nomem(v);
        x->total = x->recorded = e->size;
        inicb = f + hdr + l_ea;
    } else if (adtype <= UDF_ICB_AD_EXTENDED) {
        struct adctx c = {blk, ref, e->size, false};
        r = ad_walk(v, &c, adtype, f + hdr + l_ea, l_ad, x);
        if (r != FSI_S_OK)
            return r;
        if (x->total < e->size)
            return bad(v, "File Entry", blk, "size %llu, but the extents hold %llu bytes",
                       (unsigned long long)e->size, (unsigned long long)x->total);
        if (c.longer)
            rd_warn(v->d, FSN, blk, "File Entry: extents longer than the size %llu",
                    (unsigned long long)e->size);
    } else {
        return bad(v, "File Entry", blk, "allocation descriptor type %d", adtype);
    }
    e->extents = x->e;
    e->nextents = x->n;
    e->first_block = 0;
    if (inicb && e->size)
        e->first_block = blk;
    for (size_t i = 0; !inicb && i < x->n; i++)
        if (x->e[i].offset != FSI_EXTENT_HOLE) {
            e->first_block = x->e[i].offset / RD_BLOCK;
            break;
        }

    if (e->type == FSI_ENTRY_SYMLINK) {
        size_t tl = 0;
        r = symlink_read(v, e, inicb, blk, &tl);
        if (r != FSI_S_OK)
            return r;
        e->link_target = v->link;
        e->link_target_len = tl;
        e->size = tl;
        e->extents = NULL;
        e->nextents = 0;
    } else if (e->type != FSI_ENTRY_FILE && e->type != FSI_ENTRY_DIRECTORY) {
        e->extents = NULL;            /* devices, FIFOs, sockets: no data */
        e->nextents = 0;
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------------- */
/* directories */

/* The FIDs of a directory as a byte stream over its extents. */
struct dstream {
    const struct xl *x;
    uint64_t size;
    size_t ri;                  /* extent of the next byte to read */
    uint64_t rstart, rpos;      /* its start; the next byte to read */
    size_t li;                  /* extent of the last position located */
    uint64_t lstart;
    uint64_t wpos;              /* file position of win[0] */
    size_t wlen;
};

/* Make bytes [p, p + need) of the stream present in the window (p at or
 * after the window's start; need <= WINDOW and p + need <= size). */
static fsi_hresult ds_need(struct uv *v, struct dstream *s, uint64_t p, size_t need,
                           uint64_t dirblk)
{
    if (p + need <= s->wpos + s->wlen)
        return FSI_S_OK;
    size_t keep = (size_t)(s->wpos + s->wlen - p);
    memmove(v->win, v->win + (p - s->wpos), keep);
    s->wpos = p;
    s->wlen = keep;
    while (s->wlen < WINDOW && s->rpos < s->size) {
        while (s->rpos - s->rstart >= s->x->e[s->ri].length)
            s->rstart += s->x->e[s->ri++].length;
        const fsi_extent *e = &s->x->e[s->ri];
        if (e->offset == FSI_EXTENT_HOLE)
            return bad(v, "File Entry", dirblk, "directory with an unrecorded extent");
        uint64_t in = s->rpos - s->rstart, take = e->length - in;
        if (take > WINDOW - s->wlen)
            take = WINDOW - s->wlen;
        fsi_hresult r = rd_read(v->d, e->offset + in, v->win + s->wlen, (size_t)take);
        if (r != FSI_S_OK)
            return r;
        s->wlen += (size_t)take;
        s->rpos += take;
    }
    return FSI_S_OK;
}

/* Logical block and disc block of stream position p (non-decreasing). */
static void ds_locate(struct dstream *s, uint64_t p, uint32_t *lbn, uint64_t *blk)
{
    while (p - s->lstart >= s->x->e[s->li].length)
        s->lstart += s->x->e[s->li++].length;
    const fsi_extent *e = &s->x->e[s->li];
    uint64_t in = p - s->lstart;
    *lbn = s->x->lbn[s->li] + (uint32_t)((e->offset % RD_BLOCK + in) / RD_BLOCK);
    *blk = (e->offset + in) / RD_BLOCK;
}

static fsi_hresult udf_read_dir(void *view, const struct rd_dirref *dir, rd_entry_fn fn,
                                void *ctx)
{
    struct uv *v = view;
    fsi_disc_entry de, e;
    uint64_t feoff;
    char tb[80];
    fsi_hresult r = fe_load(v, (uint16_t)dir->aux, (uint32_t)dir->len, WANT_ENTRY, &de, &v->dx,
                            &feoff);
    if (r != FSI_S_OK)
        return r;
    uint64_t dirblk = feoff / RD_BLOCK;
    if (de.type != FSI_ENTRY_DIRECTORY)
        return bad(v, "File Entry", dirblk, "not a directory");
    struct dstream s = {&v->dx, de.size, 0, 0, 0, 0, 0, 0, 0};

    for (uint64_t p = 0; p < s.size;) {
        uint32_t lbn;
        uint64_t blk;
        ds_locate(&s, p, &lbn, &blk);
        if (s.size - p < UDF_FID_SIZE)
            return bad(v, "File Identifier Descriptor", blk, "truncated at the end of the "
                       "directory");
        r = ds_need(v, &s, p, UDF_FID_SIZE, dirblk);
        if (r != FSI_S_OK)
            return r;
        const uint8_t *f = v->win + (p - s.wpos);
        size_t l_fi = f[19], l_iu = udf_get16(f + 36);
        uint64_t flen = udf_fid_size(l_iu, l_fi);
        if (flen > s.size - p) {
            if (UDF_FID_SIZE + l_iu + l_fi > s.size - p)
                return bad(v, "File Identifier Descriptor", blk, "longer than the directory");
            flen = s.size - p;        /* the last one, unpadded */
        }
        r = ds_need(v, &s, p, (size_t)flen, dirblk);
        if (r != FSI_S_OK)
            return r;
        f = v->win + (p - s.wpos);
        const char *tm = tag_bad(f, (size_t)flen, UDF_TAG_FID, lbn, tb, sizeof tb);
        if (tm)
            return bad(v, "File Identifier Descriptor", blk, "%s", tm);
        p += flen;
        uint8_t ch = f[18];
        if (ch & (UDF_FID_DELETED | UDF_FID_PARENT))
            continue;
        size_t nlen;
        if (!cs0_utf8(f + UDF_FID_SIZE + l_iu, l_fi, v->name, &nlen))
            return bad(v, "File Identifier Descriptor", blk, "bad name (compression id %u)",
                       l_fi ? f[UDF_FID_SIZE + l_iu] : 0);
        if (nlen == 0)
            return bad(v, "File Identifier Descriptor", blk, "empty name");
        uint32_t icblen = udf_get32(f + 20) & 0x3FFFFFFF;
        uint32_t icb = udf_get32(f + 24);
        uint16_t iref = udf_get16(f + 28);
        if (icblen == 0)
            return bad(v, "File Identifier Descriptor", blk, "no ICB");
        r = fe_load(v, iref, icb, WANT_ENTRY, &e, &v->x, &feoff);
        if (r != FSI_S_OK)
            return r;
        if (!(ch & UDF_FID_DIR) != (e.type != FSI_ENTRY_DIRECTORY))
            rd_warn(v->d, FSN, blk, "File Identifier Descriptor: directory bit %s the File "
                    "Entry at block %llu", (ch & UDF_FID_DIR) ? "set for" : "clear for",
                    (unsigned long long)(feoff / RD_BLOCK));
        e.name = v->name;
        e.name_len = nlen;
        e.hidden = (ch & UDF_FID_HIDDEN) != 0;
        struct rd_dirref sub = {feoff, icb, iref};
        r = fn(ctx, &e, e.type == FSI_ENTRY_DIRECTORY ? &sub : NULL);
        if (r != FSI_S_OK)
            return r;
    }
    return FSI_S_OK;
}

static fsi_hresult udf_root_entry(void *view, const struct rd_dirref *root, rd_entry_fn fn,
                                  void *ctx)
{
    struct uv *v = view;
    fsi_disc_entry e;
    uint64_t feoff;
    fsi_hresult r = fe_load(v, (uint16_t)root->aux, (uint32_t)root->len, WANT_ENTRY, &e, &v->x,
                            &feoff);
    if (r != FSI_S_OK)
        return r;
    if (e.type != FSI_ENTRY_DIRECTORY)
        return bad(v, "File Entry", feoff / RD_BLOCK, "the root is not a directory");
    e.name = "";
    e.name_len = 0;
    return fn(ctx, &e, root);
}

/* ---------------------------------------------------------------------- */
/* the volume */

/* Whether a volume recognition sequence with an NSR descriptor starts at
 * block 16 (ECMA-167 2/8.3; ECMA-119 descriptors may come first). */
static bool vrs_has_nsr(fsi_disc *d)
{
    uint8_t b[RD_BLOCK];
    bool in_bea = false;
    for (uint64_t blk = 16; blk <= VRS_LAST && blk < rd_blocks(d); blk++) {
        if (rd_block(d, blk, b) != FSI_S_OK)
            return false;
        const char *id = (const char *)b + 1;
        if (!memcmp(id, "CD001", 5) || !memcmp(id, "BOOT2", 5) || !memcmp(id, "CDW02", 5))
            continue;
        if (!memcmp(id, "BEA01", 5)) {
            in_bea = true;
            continue;
        }
        if (!memcmp(id, "NSR02", 5) || !memcmp(id, "NSR03", 5)) {
            if (in_bea)
                return true;
            continue;
        }
        if (!memcmp(id, "TEA01", 5)) {
            in_bea = false;
            continue;
        }
        return false;                 /* not a volume structure descriptor */
    }
    return false;
}

/* The descriptors of a Volume Descriptor Sequence that we use. */
struct vds {
    uint8_t pvd[RD_BLOCK], lvd[RD_BLOCK];
    uint64_t pvd_blk, lvd_blk;
    bool has_pvd, has_lvd;
    struct {
        uint32_t vdsn;
        uint16_t num;
        uint32_t start, len;
        uint64_t blk;
    } pd[PDS_MAX];
    unsigned npd;
};

static fsi_hresult vds_read(struct uv *v, uint32_t loc, uint32_t len, struct vds *q)
{
    uint8_t b[RD_BLOCK];
    char tb[80];
    uint64_t blk = loc, end = (uint64_t)loc + len / RD_BLOCK;
    unsigned hops = 0, count = 0;
    uint32_t pvd_n = 0, lvd_n = 0;
    const char *what = "Volume Descriptor Sequence";
    memset(q, 0, sizeof *q);
    while (blk < end) {
        if (++count > SEQ_MAX)
            return bad(v, what, blk, "more than %u descriptors", SEQ_MAX);
        if (blk >= v->nblocks)
            return bad(v, what, blk, "extends past the end of the disc");
        fsi_hresult r = rd_block(v->d, blk, b);
        if (r != FSI_S_OK)
            return r;
        uint16_t id = udf_get16(b);
        if (id == 0 && all_zero(b, UDF_TAG_SIZE))
            break;                    /* unrecorded: the end */
        const char *tm = tag_bad(b, RD_BLOCK, id, (uint32_t)blk, tb, sizeof tb);
        if (tm)
            return bad(v, what, blk, "descriptor %u: %s", id, tm);
        uint32_t vdsn = udf_get32(b + 16);
        switch (id) {
        case UDF_TAG_PVD:
            if (!q->has_pvd || vdsn >= pvd_n) {
                memcpy(q->pvd, b, RD_BLOCK);
                q->pvd_blk = blk;
                q->has_pvd = true;
                pvd_n = vdsn;
            }
            break;
        case UDF_TAG_LVD:
            if (!q->has_lvd || vdsn >= lvd_n) {
                memcpy(q->lvd, b, RD_BLOCK);
                q->lvd_blk = blk;
                q->has_lvd = true;
                lvd_n = vdsn;
            }
            break;
        case UDF_TAG_PD: {
            uint16_t num = udf_get16(b + 22);
            unsigned i;
            for (i = 0; i < q->npd && q->pd[i].num != num; i++)
                ;
            if (i == q->npd) {
                if (q->npd == PDS_MAX)
                    return bad(v, "Partition Descriptor", blk, "more than %u partitions",
                               PDS_MAX);
                q->npd++;
            } else if (vdsn < q->pd[i].vdsn) {
                break;
            }
            q->pd[i].vdsn = vdsn;
            q->pd[i].num = num;
            q->pd[i].start = udf_get32(b + 188);
            q->pd[i].len = udf_get32(b + 192);
            q->pd[i].blk = blk;
            break;
        }
        case UDF_TAG_VDP: {
            if (++hops > HOPS_MAX)
                return bad(v, "Volume Descriptor Pointer", blk, "more than %u in a sequence",
                           HOPS_MAX);
            uint32_t nlen = udf_get32(b + 20), nloc = udf_get32(b + 24);
            blk = nloc;
            end = (uint64_t)nloc + nlen / RD_BLOCK;
            continue;
        }
        case UDF_TAG_IUVD:
        case UDF_TAG_USD:
            break;
        case UDF_TAG_TD:
            end = blk;
            continue;
        default:
            return bad(v, what, blk, "unexpected descriptor (tag %u)", id);
        }
        blk++;
    }
    if (!q->has_pvd)
        return bad(v, what, loc, "no Primary Volume Descriptor");
    if (!q->has_lvd)
        return bad(v, what, loc, "no Logical Volume Descriptor");
    if (q->npd == 0)
        return bad(v, what, loc, "no Partition Descriptor");
    return FSI_S_OK;
}

/* The partition maps of the LVD (ECMA-167 3/10.7, UDF 2.2.8-2.2.10). */
static fsi_hresult maps_read(struct uv *v, const struct vds *q, uint32_t *meta_loc,
                             uint32_t *mirror_loc, int *meta_ref)
{
    const uint8_t *l = q->lvd;
    uint64_t blk = q->lvd_blk;
    uint32_t mtl = udf_get32(l + 264), n = udf_get32(l + 268);
    *meta_ref = -1;
    if (mtl > RD_BLOCK - 440)
        return bad(v, "Logical Volume Descriptor", blk, "map table length %u", mtl);
    if (n == 0 || n > MAPS_MAX)
        return n ? rd_unsupported(v->d, FSN, "%u partition maps", n)
                 : bad(v, "Logical Volume Descriptor", blk, "no partition map");
    const uint8_t *p = l + 440;
    for (uint32_t i = 0, pos = 0; i < n; i++) {
        if (mtl - pos < 2 || p[pos + 1] < 2 || p[pos + 1] > mtl - pos)
            return bad(v, "Logical Volume Descriptor", blk, "partition map %u overruns the table",
                       i);
        const uint8_t *m = p + pos;
        struct pmap *pm = &v->map[i];
        uint16_t num;
        if (m[0] == 1 && m[1] == 6) {
            pm->kind = MAP_PHYS;
            num = udf_get16(m + 4);
        } else if (m[0] == 2 && m[1] == 64) {
            const char *id = (const char *)m + 5;
            if (!memcmp(id, "*UDF Metadata Partition", 23)) {
                if (*meta_ref >= 0)
                    return rd_unsupported(v->d, FSN, "two metadata partitions");
                pm->kind = MAP_META;
                num = udf_get16(m + 38);
                *meta_loc = udf_get32(m + 40);
                *mirror_loc = udf_get32(m + 44);
                *meta_ref = (int)i;
            } else if (!memcmp(id, "*UDF Virtual Partition", 22)) {
                return rd_unsupported(v->d, FSN, "virtual partitions (VAT)");
            } else if (!memcmp(id, "*UDF Sparable Partition", 23)) {
                return rd_unsupported(v->d, FSN, "sparable partitions");
            } else {
                return rd_unsupported(v->d, FSN, "partition map \"%.23s\"", id);
            }
        } else {
            return bad(v, "Logical Volume Descriptor", blk, "partition map %u of type %u, "
                       "length %u", i, m[0], m[1]);
        }
        pm->pnum = num;
        pos += m[1];
    }
    /* Then their partitions (what we do not read is named first). */
    for (uint32_t i = 0; i < n; i++) {
        struct pmap *pm = &v->map[i];
        unsigned k;
        for (k = 0; k < q->npd && q->pd[k].num != pm->pnum; k++)
            ;
        if (k == q->npd)
            return bad(v, "Logical Volume Descriptor", blk, "partition map %u: no partition "
                       "number %u", i, pm->pnum);
        pm->start = q->pd[k].start;
        pm->len = q->pd[k].len;
        if (pm->start > v->nblocks || pm->len > v->nblocks - pm->start)
            return bad(v, "Partition Descriptor", q->pd[k].blk, "partition (blocks %llu + %llu) "
                       "lies outside the disc (%llu blocks)", (unsigned long long)pm->start,
                       (unsigned long long)pm->len, (unsigned long long)v->nblocks);
    }
    v->nmaps = n;
    if (*meta_ref >= 0) {
        struct pmap *mm = &v->map[*meta_ref];
        unsigned k;
        for (k = 0; k < n && !(v->map[k].kind == MAP_PHYS && v->map[k].pnum == mm->pnum); k++)
            ;
        if (k == n)
            return bad(v, "Logical Volume Descriptor", blk, "metadata partition on partition %u "
                       "without a type 1 map", mm->pnum);
        mm->phys = (uint16_t)k;
    }
    return FSI_S_OK;
}

/* The metadata file (or its mirror) at block loc of the physical
 * partition: its extents become the metadata partition's blocks. */
static fsi_hresult meta_load(struct uv *v, uint16_t phys, uint32_t loc, bool mirror)
{
    fsi_disc_entry e;
    uint64_t feoff;
    v->nmeta = 0;
    fsi_hresult r = fe_load(v, phys, loc, mirror ? WANT_MIRROR : WANT_META, &e, &v->x, &feoff);
    if (r != FSI_S_OK)
        return r;
    free(v->meta);
    v->meta = malloc((v->x.n ? v->x.n : 1) * sizeof *v->meta);
    if (!v->meta)
        return nomem(v);
    uint64_t lpos = 0;
    for (size_t i = 0; i < v->x.n; i++) {
        const fsi_extent *x = &v->x.e[i];
        uint64_t nb = (x->length + RD_BLOCK - 1) / RD_BLOCK;
        if (x->offset != FSI_EXTENT_HOLE) {
            if (x->offset % RD_BLOCK)
                return bad(v, "File Entry", feoff / RD_BLOCK, "metadata file data embedded "
                           "in its File Entry");
            v->meta[v->nmeta].lstart = lpos;
            v->meta[v->nmeta].dblk = x->offset / RD_BLOCK;
            v->meta[v->nmeta].n = nb;
            v->nmeta++;
        }
        lpos += nb;
    }
    return FSI_S_OK;
}

/* The Logical Volume Integrity Sequence: keep the last LVID's counts;
 * what is wrong with it is a warning. */
static void lvid_read(struct uv *v, const uint8_t *lvd)
{
    uint8_t b[RD_BLOCK];
    char tb[80];
    uint32_t len = udf_get32(lvd + 432), loc = udf_get32(lvd + 436);
    uint64_t blk = loc, end = (uint64_t)loc + len / RD_BLOCK;
    unsigned count = 0, hops = 0;
    while (blk < end && count++ < SEQ_MAX) {
        if (blk >= v->nblocks || rd_block(v->d, blk, b) != FSI_S_OK) {
            rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor unreadable");
            return;
        }
        uint16_t id = udf_get16(b);
        if (id == UDF_TAG_TD || (id == 0 && all_zero(b, UDF_TAG_SIZE)))
            break;
        const char *tm = tag_bad(b, RD_BLOCK, UDF_TAG_LVID, (uint32_t)blk, tb, sizeof tb);
        if (tm) {
            rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor: %s", tm);
            return;
        }
        v->lvid = true;
        v->has_lvid_time = timestamp(b + 16, &v->lvid_time);
        v->closed = udf_get32(b + 28) == 1;
        v->next_uid = (uint64_t)udf_get32(b + 40) | (uint64_t)udf_get32(b + 44) << 32;
        uint32_t np = udf_get32(b + 72), liu = udf_get32(b + 76);
        v->lvid_counts = false;
        v->files = v->dirs = 0;
        if (np > (RD_BLOCK - 80) / 8 || liu > RD_BLOCK - 80 - 8 * np || liu < 46) {
            rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor: %u partitions and "
                    "%u bytes of implementation use do not fit", np, liu);
        } else {
            const uint8_t *iu = b + 80 + 8 * np;
            v->files = udf_get32(iu + 32);
            v->dirs = udf_get32(iu + 36);
            v->lvid_counts = true;
            uint16_t minread = udf_get16(iu + 40);
            if (minread > v->rev)
                rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor: minimum read "
                        "revision %x.%02x above the domain's %x.%02x", minread >> 8,
                        minread & 0xFF, v->rev >> 8, v->rev & 0xFF);
        }
        if (np != v->nmaps)
            rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor: %u partitions, the "
                    "volume has %u maps", np, v->nmaps);
        uint32_t nlen = udf_get32(b + 32), nloc = udf_get32(b + 36);
        if (nlen >= RD_BLOCK) {
            if (++hops > HOPS_MAX)
                break;
            blk = nloc;
            end = (uint64_t)nloc + nlen / RD_BLOCK;
            continue;
        }
        blk++;
    }
    if (!v->lvid)
        rd_warn(v->d, FSN, loc, "no Logical Volume Integrity Descriptor");
    else if (!v->closed)
        rd_warn(v->d, FSN, loc, "the logical volume integrity is open (not closed)");
}

/* The File Set Descriptor sequence (ECMA-167 4/8.3.1): the root ICB of
 * the last one. */
static fsi_hresult fsd_read(struct uv *v, const uint8_t *lvd, uint64_t lvd_blk,
                            struct rd_dirref *root, struct timespec *rec, bool *has_rec)
{
    uint8_t b[RD_BLOCK];
    char tb[80];
    uint32_t len = udf_get32(lvd + 248) & 0x3FFFFFFF, lbn = udf_get32(lvd + 252);
    uint16_t ref = udf_get16(lvd + 256);
    uint32_t n = len / RD_BLOCK ? len / RD_BLOCK : 1;
    unsigned count = 0, hops = 0;
    bool found = false;
    for (uint32_t i = 0; i < n && count++ < SEQ_MAX; i++) {
        uint64_t off, avail;
        if (!xlate(v, ref, lbn + i, &off, &avail) || avail < RD_BLOCK) {
            if (!found)
                return bad(v, "Logical Volume Descriptor", lvd_blk, "File Set Descriptor "
                           "at block %u of partition reference %u lies outside the partition",
                           lbn + i, ref);
            break;
        }
        fsi_hresult r = rd_read(v->d, off, b, RD_BLOCK);
        if (r != FSI_S_OK)
            return r;
        uint16_t id = udf_get16(b);
        if (found && (id == UDF_TAG_TD || (id == 0 && all_zero(b, UDF_TAG_SIZE))))
            break;
        const char *tm = tag_bad(b, RD_BLOCK, UDF_TAG_FSD, lbn + i, tb, sizeof tb);
        if (tm) {
            if (!found)
                return bad(v, "File Set Descriptor", off / RD_BLOCK, "%s", tm);
            rd_warn(v->d, FSN, off / RD_BLOCK, "File Set Descriptor: %s", tm);
            break;
        }
        found = true;
        root->len = udf_get32(b + 404);
        root->aux = udf_get16(b + 408);
        if ((udf_get32(b + 400) & 0x3FFFFFFF) == 0)
            return bad(v, "File Set Descriptor", off / RD_BLOCK, "no root directory");
        *has_rec = timestamp(b + 16, rec);
        uint32_t nlen = udf_get32(b + 448) & 0x3FFFFFFF;
        if (nlen >= RD_BLOCK && ++hops <= HOPS_MAX) {
            lbn = udf_get32(b + 452);
            ref = udf_get16(b + 456);
            n = nlen / RD_BLOCK;
            i = (uint32_t)-1;
        }
    }
    return FSI_S_OK;
}

/* The anchor at 256, N - 256 or N - 1. */
static fsi_hresult anchor_find(struct uv *v, uint8_t *b, uint64_t *where)
{
    uint64_t cand[3] = {256, v->nblocks - 256, v->nblocks - 1};
    char tb[80];
    char keep[80];
    const char *first = NULL;
    for (int i = 0; i < 3; i++) {
        uint64_t blk = cand[i];
        if (blk >= v->nblocks || (i > 0 && blk <= 256))
            continue;
        fsi_hresult r = rd_block(v->d, blk, b);
        if (r != FSI_S_OK)
            return r;
        const char *tm = tag_bad(b, RD_BLOCK, UDF_TAG_AVDP, (uint32_t)blk, tb, sizeof tb);
        if (!tm) {
            if (i > 0)
                rd_warn(v->d, FSN, 256, "Anchor Volume Descriptor Pointer at block 256: %s; "
                        "the one at block %llu is used", first ? first : "beyond the disc",
                        (unsigned long long)blk);
            *where = blk;
            return FSI_S_OK;
        }
        if (i == 0) {
            snprintf(keep, sizeof keep, "%s", tm);
            first = keep;
        }
    }
    return bad(v, "Anchor Volume Descriptor Pointer", 256, "%s",
               first ? first : "the disc ends before block 256");
}

static void view_free(struct uv *v)
{
    if (!v)
        return;
    free(v->meta);
    free(v->x.e);
    free(v->x.lbn);
    free(v->dx.e);
    free(v->dx.lbn);
    free(v->win);
    free(v->ahead);
    free(v->ldata);
    free(v->link);
    free(v);
}

static void udf_close(void *view)
{
    view_free(view);
}

/* Main sequence, else the reserve one (a warning). */
static fsi_hresult vds_pick(struct uv *v, const uint8_t *avdp, uint64_t ablk, struct vds *q)
{
    struct held h = {0};
    v->hold = &h;
    fsi_hresult r = vds_read(v, udf_get32(avdp + 20), udf_get32(avdp + 16), q);
    v->hold = NULL;
    if (r == FSI_S_OK)
        return r;                     /* (verify compares the reserve itself) */
    fsi_hresult r2 = vds_read(v, udf_get32(avdp + 28), udf_get32(avdp + 24), q);
    if (r2 == FSI_S_OK) {
        rd_warn(v->d, FSN, ablk, "main Volume Descriptor Sequence unusable (%s at block "
                "%llu: %s): the reserve one is used", h.what ? h.what : "read failure",
                (unsigned long long)h.block, h.what ? h.msg : "");
        return FSI_S_OK;
    }
    if (r == IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR)
        return rd_corrupt(v->d, FSN, h.what, h.block, "%s", h.msg);
    return r;
}

static fsi_hresult meta_pick(struct uv *v, int meta_ref, uint32_t meta_loc, uint32_t mirror_loc,
                             uint64_t lvd_blk)
{
    uint16_t phys = v->map[meta_ref].phys;
    struct held h = {0};
    v->hold = &h;
    fsi_hresult r = meta_load(v, phys, meta_loc, false);
    v->hold = NULL;
    if (r == FSI_S_OK)
        return r;
    fsi_hresult r2 = meta_load(v, phys, mirror_loc, true);
    if (r2 == FSI_S_OK) {
        rd_warn(v->d, FSN, lvd_blk, "metadata file unusable (%s at block %llu: %s): its mirror "
                "is used", h.what ? h.what : "read failure", (unsigned long long)h.block,
                h.what ? h.msg : "");
        return FSI_S_OK;
    }
    if (r == IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR)
        return rd_corrupt(v->d, FSN, h.what, h.block, "metadata file: %s", h.msg);
    return r;
}

static fsi_hresult udf_open(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
                            struct rd_dirref *root)
{
    (void)flags;
    *view = NULL;
    if (!vrs_has_nsr(d))
        return IMAPI_E_FILE_SYSTEM_NOT_FOUND;
    struct uv *v = calloc(1, sizeof *v);
    struct vds *q = malloc(sizeof *q);
    if (v)
        v->win = malloc(WINDOW), v->ahead = malloc(AHEAD);
    if (!v || !q || !v->win || !v->ahead) {
        free(q);
        view_free(v);
        return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "out of memory reading UDF");
    }
    v->d = d;
    v->nblocks = rd_blocks(d);

    uint8_t avdp[RD_BLOCK];
    uint64_t ablk = 0;
    uint32_t meta_loc = 0, mirror_loc = 0;
    int meta_ref = -1;
    fsi_hresult r = anchor_find(v, avdp, &ablk);
    if (r == FSI_S_OK)
        r = vds_pick(v, avdp, ablk, q);
    if (r != FSI_S_OK)
        goto fail;

    const uint8_t *l = q->lvd;
    uint32_t bs = udf_get32(l + 212);
    if (bs != RD_BLOCK) {
        r = rd_unsupported(d, FSN, "logical block size %u", bs);
        goto fail;
    }
    if (!memcmp(l + 217, "*OSTA UDF Compliant", 19)) {
        v->rev = udf_get16(l + 216 + 24);
    } else {
        rd_warn(d, FSN, q->lvd_blk, "Logical Volume Descriptor: domain is not "
                "\"*OSTA UDF Compliant\"");
        v->rev = 0x102;
    }
    if (v->rev > 0x260) {
        r = rd_unsupported(d, FSN, "UDF revision %x.%02x", v->rev >> 8, v->rev & 0xFF);
        goto fail;
    }
    if (v->rev < 0x102) {
        rd_warn(d, FSN, q->lvd_blk, "Logical Volume Descriptor: domain revision %x.%02x",
                v->rev >> 8, v->rev & 0xFF);
        v->rev = 0x102;
    }
    r = maps_read(v, q, &meta_loc, &mirror_loc, &meta_ref);
    if (r == FSI_S_OK && meta_ref >= 0)
        r = meta_pick(v, meta_ref, meta_loc, mirror_loc, q->lvd_blk);
    if (r != FSI_S_OK)
        goto fail;
    lvid_read(v, l);

    memset(vol, 0, sizeof *vol);
    vol->fs = FSI_FS_UDF;
    r = fsd_read(v, l, q->lvd_blk, root, &vol->modified, &vol->has_modified);
    if (r != FSI_S_OK)
        goto fail;
    fsi_disc_entry e;
    uint64_t feoff;
    r = fe_load(v, (uint16_t)root->aux, (uint32_t)root->len, WANT_ENTRY, &e, &v->x, &feoff);
    if (r != FSI_S_OK)
        goto fail;
    if (e.type != FSI_ENTRY_DIRECTORY) {
        r = bad(v, "File Entry", feoff / RD_BLOCK, "the root is not a directory");
        goto fail;
    }
    root->loc = feoff;

    dstring(l + 84, 128, vol->volume_name, sizeof vol->volume_name);
    dstring(q->pvd + 72, 128, vol->volume_set, sizeof vol->volume_set);
    vol->level = v->rev;
    for (unsigned i = 0; i < v->nmaps; i++)
        if (v->map[i].start + v->map[i].len > vol->blocks)
            vol->blocks = v->map[i].start + v->map[i].len;
    vol->descriptor_block = q->pvd_blk;
    vol->root_block = feoff / RD_BLOCK;
    vol->has_created = timestamp(q->pvd + 376, &vol->created);
    if (v->has_lvid_time) {           /* the last change of the volume */
        vol->modified = v->lvid_time;
        vol->has_modified = true;
    }
    free(q);
    *view = v;
    return FSI_S_OK;
fail:
    free(q);
    view_free(v);
    return r;
}

uint64_t rd_udf_max_unique_id(void *view)
{
    const struct uv *v = view;
    return v ? v->max_uid : 0;
}

bool rd_udf_integrity(void *view, uint32_t *files, uint32_t *dirs, uint64_t *next_uid,
                      bool *closed)
{
    const struct uv *v = view;
    *files = v->lvid_counts ? v->files : 0;
    *dirs = v->lvid_counts ? v->dirs : 0;
    *next_uid = v->lvid ? v->next_uid : 0;
    *closed = v->lvid && v->closed;
    return v->lvid && v->lvid_counts;
}

const struct rd_reader rd_udf = {
    FSI_FS_UDF, "UDF", udf_open, udf_root_entry, udf_read_dir, udf_close,
};
