/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_udf.c - the UDF reader (ECMA-167 3rd edition with OSTA UDF 1.02 to
 * 2.60), behind the rd_reader interface of reader.h.
 *
 * open: the volume recognition sequence from block 16 (BEA01, NSR02 or
 * NSR03, TEA01) says whether the disc holds UDF; the Anchor Volume
 * Descriptor Pointer (block 256, else N - 256, else N, the last block) gives the main
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
#include "read_udf_int.h"
#include "read_udf.h"
#include "udf_desc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* failures */

fsi_hresult ur_bad(struct uv *v, const char *what, uint64_t block, const char *fmt, ...)
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

fsi_hresult ur_nomem(struct uv *v)
{
    return rd_fail(v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "out of memory reading UDF");
}

/* What is wrong with the tag of a descriptor of `avail` readable bytes
 * expected to be `id` recorded at logical block `loc`, or NULL. */
const char *ur_tag_bad(const uint8_t *b, size_t avail, uint16_t id, uint32_t loc, char *buf,
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

bool ur_all_zero(const uint8_t *p, size_t n)
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
void ur_dstring(const uint8_t *p, size_t field, char *out, size_t size)
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

/* An ECMA-167 1/7.3 timestamp to UTC.  false if unset or invalid. */
bool ur_timestamp(const uint8_t *p, struct timespec *out)
{
    if (ur_all_zero(p, UDF_TIMESTAMP))
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
    out->tv_sec = (time_t)(rd_days_since_epoch(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s -
                           (int64_t)off * 60);
    out->tv_nsec = ((long)p[9] * 10000 + (long)p[10] * 100 + p[11]) * 1000;
    return true;
}

/* ---------------------------------------------------------------------- */
/* partitions */

/* Disc byte offset of logical block lbn of partition reference ref, and
 * the bytes contiguous from there.  false if outside the partition. */
bool ur_xlate(const struct uv *v, uint16_t ref, uint32_t lbn, uint64_t *off, uint64_t *avail)
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
        return ur_bad(v, what, blk, "extent of %llu bytes is not the last and not whole blocks",
                   (unsigned long long)len);
    x->total += len;
    if (type != UDF_EXT_RECORDED)
        return xl_push(x, FSI_EXTENT_HOLE, len, 0) ? FSI_S_OK : ur_nomem(v);
    x->recorded += len;
    if (x->recorded > v->nblocks * RD_BLOCK)
        return ur_bad(v, what, blk, "extents record more bytes than the disc holds");
    while (len > 0) {
        uint64_t off, avail;
        if (!ur_xlate(v, ref, lbn, &off, &avail))
            return ur_bad(v, what, blk, "extent at block %u of partition reference %u lies "
                       "outside the partition", lbn, ref);
        uint64_t take = len < avail ? len : avail;
        if (!xl_push(x, off, take, lbn))
            return ur_nomem(v);
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
            return ur_bad(v, what, blk, "too many Allocation Extent Descriptors");
        uint64_t off, avail;
        if (!ur_xlate(v, nref, nlbn, &off, &avail) || avail < RD_BLOCK)
            return ur_bad(v, what, blk, "Allocation Extent Descriptor at block %u of partition "
                       "reference %u lies outside the partition", nlbn, nref);
        what = "Allocation Extent Descriptor";
        blk = off / RD_BLOCK;
        fsi_hresult r = rd_read(v->d, off, v->aed, RD_BLOCK);
        if (r != FSI_S_OK)
            return r;
        const char *tm = ur_tag_bad(v->aed, RD_BLOCK, UDF_TAG_AED, nlbn, tb, sizeof tb);
        if (tm)
            return ur_bad(v, what, blk, "%s", tm);
        uint32_t area = nlen < RD_BLOCK ? nlen : RD_BLOCK;
        l_ad = udf_get32(v->aed + 20);
        if (area < UDF_AED_SIZE || l_ad > area - UDF_AED_SIZE)
            return ur_bad(v, what, blk, "length of allocation descriptors %u exceeds its extent",
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
    const char *tm = ur_tag_bad(ea, l_ea, UDF_TAG_EAHD, lbn, tb, sizeof tb);
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
            return ur_nomem(v);
        v->link = l;
        v->linkcap = need;
    }
    char *out = v->link;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (n - i < 4 || p[i + 1] > n - i - 4)
            return ur_bad(v, "File Entry", blk, "symbolic link: truncated path component");
        int type = p[i];
        size_t lci = p[i + 1];
        const uint8_t *ci = p + i + 4;
        i += 4 + lci;
        if (type == 1 || type == 2) {
            if (type == 1 && lci > 0)
                return ur_bad(v, "File Entry", blk, "symbolic link: component of type 1 with a name");
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
                return ur_bad(v, "File Entry", blk, "symbolic link: bad component name");
            o += len;
        } else {
            return ur_bad(v, "File Entry", blk, "symbolic link: component type %d", type);
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
        return ur_bad(v, "File Entry", blk, "symbolic link of %llu bytes",
                   (unsigned long long)e->size);
    const uint8_t *p = inicb;
    if (!p) {
        if (!v->ldata && !(v->ldata = malloc(SYMLINK_MAX)))
            return ur_nomem(v);
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
    /* In order: the next chunk is read on a second thread while this one
     * is decoded (started at the first such read, for a descriptor). */
    if (seq && !v->bg && !v->bg_tried && v->d->fd >= 0) {
        v->bg_tried = true;
        v->bg = bgread_start(v->d->fd, AHEAD);
    }
    if (!seq || !v->bg || !bgread_take(v->bg, off, (size_t)n, &v->ahead)) {
        fsi_hresult r = rd_read(v->d, off, v->ahead, (size_t)n);
        if (r != FSI_S_OK) {
            v->ahead_len = 0;
            return r;
        }
    }
    v->ahead_off = off;
    v->ahead_len = n;
    if (seq && v->bg && avail > n)
        bgread_post(v->bg, off + n, (size_t)(avail - n < AHEAD ? avail - n : AHEAD));
    *out = v->ahead;
    return FSI_S_OK;
}

/* Read and decode the File Entry at logical block lbn of partition
 * reference ref into e (all but name and hidden) with its extents in x.
 * *feoff gets its disc byte offset. */
fsi_hresult ur_fe_load(struct uv *v, uint16_t ref, uint32_t lbn, int want, fsi_disc_entry *e,
                       struct xl *x, uint64_t *feoff)
{
    uint64_t off, avail;
    char tb[80];
    memset(e, 0, sizeof *e);
    x->n = 0;
    x->total = x->recorded = 0;
    if (!ur_xlate(v, ref, lbn, &off, &avail) || avail < RD_BLOCK)
        return ur_bad(v, "File Entry", lbn, "block %u of partition reference %u lies outside the "
                   "partition", lbn, ref);
    uint64_t blk = off / RD_BLOCK;
    *feoff = off;
    const uint8_t *f;
    fsi_hresult r = fe_fetch(v, off, avail, &f);
    if (r != FSI_S_OK)
        return r;
    bool efe = udf_get16(f) == UDF_TAG_EFE;
    const char *tm = ur_tag_bad(f, RD_BLOCK, efe ? UDF_TAG_EFE : UDF_TAG_FE, lbn, tb, sizeof tb);
    if (tm)
        return ur_bad(v, "File Entry", blk, "%s", tm);
    uint16_t strategy = udf_get16(f + 20);
    if (strategy == 4096)
        return rd_unsupported(v->d, FSN, "ICB strategy 4096 (File Entry at block %llu)",
                              (unsigned long long)blk);
    if (strategy != 4)
        return ur_bad(v, "File Entry", blk, "ICB strategy %u", strategy);
    uint8_t ftype = f[27];
    uint16_t flags = udf_get16(f + 34);
    size_t hdr = efe ? UDF_EFE_SIZE : UDF_FE_SIZE;
    uint32_t l_ea = udf_get32(f + hdr - 8), l_ad = udf_get32(f + hdr - 4);
    if (l_ea > RD_BLOCK - hdr || l_ad > RD_BLOCK - hdr - l_ea)
        return ur_bad(v, "File Entry", blk, "extended attributes (%u bytes) and allocation "
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
        return ur_bad(v, "File Entry", blk, "file type %u", ftype);
    }
    if ((want == WANT_META && ftype != UDF_FT_METADATA) ||
        (want == WANT_MIRROR && ftype != UDF_FT_METADATA_MIRROR) ||
        (want == WANT_ENTRY && ftype >= UDF_FT_METADATA))
        return ur_bad(v, "File Entry", blk, "file type %u where %s expected", ftype,
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
    /* A directory's count is of the FIDs naming it (its own and its
     * subdirectories' parent FIDs); POSIX counts its "." too, as Linux
     * and Rock Ridge do. */
    if (e->nlink && e->type == FSI_ENTRY_DIRECTORY)
        e->nlink++;
    if (e->nlink)
        e->has |= FSI_HAS_NLINK;
    if (want == WANT_ENTRY) {   /* verify compares it with the LVID's next one */
        const uint8_t *u = f + (efe ? 200 : 160);
        uint64_t uniq = (uint64_t)udf_get32(u) | (uint64_t)udf_get32(u + 4) << 32;
        if (uniq > v->max_uid)
            v->max_uid = uniq;
        e->udf_unique_id = uniq;
    }
    e->size = (uint64_t)udf_get32(f + 56) | (uint64_t)udf_get32(f + 60) << 32;
    const uint8_t *ta = f + 72, *tm_ = f + 84, *tc = f + 96;
    if (efe) {
        ta = f + 80;
        tm_ = f + 92;
        tc = f + 116;
        if (ur_timestamp(f + 104, &e->btime))
            e->has |= FSI_HAS_BTIME;
    }
    if (ur_timestamp(ta, &e->atime))
        e->has |= FSI_HAS_ATIME;
    if (ur_timestamp(tm_, &e->mtime))
        e->has |= FSI_HAS_MTIME;
    if (ur_timestamp(tc, &e->ctime))
        e->has |= FSI_HAS_CTIME;
    if (e->type == FSI_ENTRY_BLOCK_DEVICE || e->type == FSI_ENTRY_CHAR_DEVICE)
        ea_device(v, f + hdr, l_ea, lbn, blk, e);

    /* The data. */
    int adtype = flags & 7;
    const uint8_t *inicb = NULL;
    if (adtype == UDF_ICB_AD_IN_ICB) {
        if (l_ad < e->size)
            return ur_bad(v, "File Entry", blk, "size %llu, but %u bytes of data are embedded",
                       (unsigned long long)e->size, l_ad);
        if (l_ad > e->size)
            rd_warn(v->d, FSN, blk, "File Entry: %u bytes embedded for a size of %llu", l_ad,
                    (unsigned long long)e->size);
        if (e->size && !xl_push(x, off + hdr + l_ea, e->size, lbn))
            return ur_nomem(v);
        x->total = x->recorded = e->size;
        inicb = f + hdr + l_ea;
    } else if (adtype <= UDF_ICB_AD_EXTENDED) {
        struct adctx c = {blk, ref, e->size, false};
        r = ad_walk(v, &c, adtype, f + hdr + l_ea, l_ad, x);
        if (r != FSI_S_OK)
            return r;
        if (x->total < e->size)
            return ur_bad(v, "File Entry", blk, "size %llu, but the extents hold %llu bytes",
                       (unsigned long long)e->size, (unsigned long long)x->total);
        if (c.longer)
            rd_warn(v->d, FSN, blk, "File Entry: extents longer than the size %llu",
                    (unsigned long long)e->size);
    } else {
        return ur_bad(v, "File Entry", blk, "allocation descriptor type %d", adtype);
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
            return ur_bad(v, "File Entry", dirblk, "directory with an unrecorded extent");
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

fsi_hresult ur_read_dir(void *view, const struct rd_dirref *dir, rd_entry_fn fn,
                        void *ctx)
{
    struct uv *v = view;
    fsi_disc_entry de, e;
    uint64_t feoff;
    char tb[80];
    fsi_hresult r = ur_fe_load(v, (uint16_t)dir->aux, (uint32_t)dir->len, WANT_ENTRY, &de, &v->dx,
                            &feoff);
    if (r != FSI_S_OK)
        return r;
    uint64_t dirblk = feoff / RD_BLOCK;
    if (de.type != FSI_ENTRY_DIRECTORY)
        return ur_bad(v, "File Entry", dirblk, "not a directory");
    struct dstream s = {&v->dx, de.size, 0, 0, 0, 0, 0, 0, 0};

    for (uint64_t p = 0; p < s.size;) {
        uint32_t lbn;
        uint64_t blk;
        ds_locate(&s, p, &lbn, &blk);
        if (s.size - p < UDF_FID_SIZE)
            return ur_bad(v, "File Identifier Descriptor", blk, "truncated at the end of the "
                       "directory");
        r = ds_need(v, &s, p, UDF_FID_SIZE, dirblk);
        if (r != FSI_S_OK)
            return r;
        const uint8_t *f = v->win + (p - s.wpos);
        size_t l_fi = f[19], l_iu = udf_get16(f + 36);
        uint64_t flen = udf_fid_size(l_iu, l_fi);
        if (flen > s.size - p) {
            if (UDF_FID_SIZE + l_iu + l_fi > s.size - p)
                return ur_bad(v, "File Identifier Descriptor", blk, "longer than the directory");
            flen = s.size - p;        /* the last one, unpadded */
        }
        r = ds_need(v, &s, p, (size_t)flen, dirblk);
        if (r != FSI_S_OK)
            return r;
        f = v->win + (p - s.wpos);
        const char *tm = ur_tag_bad(f, (size_t)flen, UDF_TAG_FID, lbn, tb, sizeof tb);
        if (tm)
            return ur_bad(v, "File Identifier Descriptor", blk, "%s", tm);
        p += flen;
        uint8_t ch = f[18];
        if (ch & (UDF_FID_DELETED | UDF_FID_PARENT))
            continue;
        size_t nlen;
        if (!cs0_utf8(f + UDF_FID_SIZE + l_iu, l_fi, v->name, &nlen))
            return ur_bad(v, "File Identifier Descriptor", blk, "bad name (compression id %u)",
                       l_fi ? f[UDF_FID_SIZE + l_iu] : 0);
        if (nlen == 0)
            return ur_bad(v, "File Identifier Descriptor", blk, "empty name");
        uint32_t icblen = udf_get32(f + 20) & 0x3FFFFFFF;
        uint32_t icb = udf_get32(f + 24);
        uint16_t iref = udf_get16(f + 28);
        if (icblen == 0)
            return ur_bad(v, "File Identifier Descriptor", blk, "no ICB");
        r = ur_fe_load(v, iref, icb, WANT_ENTRY, &e, &v->x, &feoff);
        if (r != FSI_S_OK)
            return r;
        if (!(ch & UDF_FID_DIR) != (e.type != FSI_ENTRY_DIRECTORY))
            rd_warn(v->d, FSN, blk, "File Identifier Descriptor: directory bit %s the File "
                    "Entry at block %llu", (ch & UDF_FID_DIR) ? "set for" : "clear for",
                    (unsigned long long)(feoff / RD_BLOCK));
        e.name = v->name;
        e.name_len = nlen;
        e.hidden = (ch & UDF_FID_HIDDEN) != 0;
        e.udf_icb_block = icb;
        e.udf_icb_partition = iref;
        struct rd_dirref sub = {feoff, icb, iref};
        r = fn(ctx, &e, e.type == FSI_ENTRY_DIRECTORY ? &sub : NULL);
        if (r != FSI_S_OK)
            return r;
    }
    return FSI_S_OK;
}

fsi_hresult ur_root_entry(void *view, const struct rd_dirref *root, rd_entry_fn fn,
                          void *ctx)
{
    struct uv *v = view;
    fsi_disc_entry e;
    uint64_t feoff;
    fsi_hresult r = ur_fe_load(v, (uint16_t)root->aux, (uint32_t)root->len, WANT_ENTRY, &e, &v->x,
                            &feoff);
    if (r != FSI_S_OK)
        return r;
    if (e.type != FSI_ENTRY_DIRECTORY)
        return ur_bad(v, "File Entry", feoff / RD_BLOCK, "the root is not a directory");
    e.name = "";
    e.name_len = 0;
    return fn(ctx, &e, root);
}
