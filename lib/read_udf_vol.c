/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_udf_vol.c - the UDF reader's volume: the recognition sequence, the
 * anchors (256, N - 256, N; N the last block), the main and reserve Volume Descriptor
 * Sequences, the partition maps (type 1 and the metadata partition, with
 * the mirror as fallback), the integrity descriptor and the file set; and
 * the rd_udf reader made of both halves (read_udf.c has the rest).
 */
#include "config.h"
#include "read_udf_int.h"
#include "session_mark.h"
#include "read_udf.h"
#include "udf_desc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* the volume */

/* Whether a volume recognition sequence with an NSR descriptor starts at
 * block 16 of the last session (ECMA-167 2/8.3; ECMA-119 descriptors may
 * come first). */
static bool vrs_has_nsr(fsi_disc *d)
{
    uint8_t b[RD_BLOCK];
    bool in_bea = false;
    uint64_t s;
    if (rd_last_session(d, &s) != FSI_S_OK)
        return false;
    for (uint64_t blk = s + 16; blk <= s + VRS_LAST && blk < rd_blocks(d); blk++) {
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
            return ur_bad(v, what, blk, "more than %u descriptors", SEQ_MAX);
        if (blk >= v->nblocks)
            return ur_bad(v, what, blk, "extends past the end of the disc");
        fsi_hresult r = rd_block(v->d, blk, b);
        if (r != FSI_S_OK)
            return r;
        uint16_t id = udf_get16(b);
        if (id == 0 && ur_all_zero(b, UDF_TAG_SIZE))
            break;                    /* unrecorded: the end */
        const char *tm = ur_tag_bad(b, RD_BLOCK, id, (uint32_t)blk, tb, sizeof tb);
        if (tm)
            return ur_bad(v, what, blk, "descriptor %u: %s", id, tm);
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
                    return ur_bad(v, "Partition Descriptor", blk, "more than %u partitions",
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
                return ur_bad(v, "Volume Descriptor Pointer", blk, "more than %u in a sequence",
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
            return ur_bad(v, what, blk, "unexpected descriptor (tag %u)", id);
        }
        blk++;
    }
    if (!q->has_pvd)
        return ur_bad(v, what, loc, "no Primary Volume Descriptor");
    if (!q->has_lvd)
        return ur_bad(v, what, loc, "no Logical Volume Descriptor");
    if (q->npd == 0)
        return ur_bad(v, what, loc, "no Partition Descriptor");
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
        return ur_bad(v, "Logical Volume Descriptor", blk, "map table length %u", mtl);
    if (n == 0 || n > MAPS_MAX)
        return n ? rd_unsupported(v->d, FSN, "%u partition maps", n)
                 : ur_bad(v, "Logical Volume Descriptor", blk, "no partition map");
    const uint8_t *p = l + 440;
    for (uint32_t i = 0, pos = 0; i < n; i++) {
        if (mtl - pos < 2 || p[pos + 1] < 2 || p[pos + 1] > mtl - pos)
            return ur_bad(v, "Logical Volume Descriptor", blk, "partition map %u overruns the table",
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
            return ur_bad(v, "Logical Volume Descriptor", blk, "partition map %u of type %u, "
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
            return ur_bad(v, "Logical Volume Descriptor", blk, "partition map %u: no partition "
                       "number %u", i, pm->pnum);
        pm->start = q->pd[k].start;
        pm->len = q->pd[k].len;
        if (pm->start > v->nblocks || pm->len > v->nblocks - pm->start)
            return ur_bad(v, "Partition Descriptor", q->pd[k].blk, "partition (blocks %llu + %llu) "
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
            return ur_bad(v, "Logical Volume Descriptor", blk, "metadata partition on partition %u "
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
    fsi_hresult r = ur_fe_load(v, phys, loc, mirror ? WANT_MIRROR : WANT_META, &e, &v->x, &feoff);
    if (r != FSI_S_OK)
        return r;
    free(v->meta);
    v->meta = malloc((v->x.n ? v->x.n : 1) * sizeof *v->meta);
    if (!v->meta)
        return ur_nomem(v);
    uint64_t lpos = 0;
    for (size_t i = 0; i < v->x.n; i++) {
        const fsi_extent *x = &v->x.e[i];
        uint64_t nb = (x->length + RD_BLOCK - 1) / RD_BLOCK;
        if (x->offset != FSI_EXTENT_HOLE) {
            if (x->offset % RD_BLOCK)
                return ur_bad(v, "File Entry", feoff / RD_BLOCK, "metadata file data embedded "
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
        if (id == UDF_TAG_TD || (id == 0 && ur_all_zero(b, UDF_TAG_SIZE)))
            break;
        const char *tm = ur_tag_bad(b, RD_BLOCK, UDF_TAG_LVID, (uint32_t)blk, tb, sizeof tb);
        if (tm) {
            rd_warn(v->d, FSN, blk, "Logical Volume Integrity Descriptor: %s", tm);
            return;
        }
        v->lvid = true;
        v->has_lvid_time = ur_timestamp(b + 16, &v->lvid_time);
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
        if (!ur_xlate(v, ref, lbn + i, &off, &avail) || avail < RD_BLOCK) {
            if (!found)
                return ur_bad(v, "Logical Volume Descriptor", lvd_blk, "File Set Descriptor "
                           "at block %u of partition reference %u lies outside the partition",
                           lbn + i, ref);
            break;
        }
        fsi_hresult r = rd_read(v->d, off, b, RD_BLOCK);
        if (r != FSI_S_OK)
            return r;
        uint16_t id = udf_get16(b);
        if (found && (id == UDF_TAG_TD || (id == 0 && ur_all_zero(b, UDF_TAG_SIZE))))
            break;
        const char *tm = ur_tag_bad(b, RD_BLOCK, UDF_TAG_FSD, lbn + i, tb, sizeof tb);
        if (tm) {
            if (!found)
                return ur_bad(v, "File Set Descriptor", off / RD_BLOCK, "%s", tm);
            rd_warn(v->d, FSN, off / RD_BLOCK, "File Set Descriptor: %s", tm);
            break;
        }
        found = true;
        root->len = udf_get32(b + 404);
        root->aux = udf_get16(b + 408);
        if ((udf_get32(b + 400) & 0x3FFFFFFF) == 0)
            return ur_bad(v, "File Set Descriptor", off / RD_BLOCK, "no root directory");
        *has_rec = ur_timestamp(b + 16, rec);
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

/* The anchor at 256, N - 256 or N (N the last block); 256 blocks into the last session
 * on a disc of several (a session without UDF: none there). */
static fsi_hresult anchor_find(struct uv *v, uint8_t *b, uint64_t *where)
{
    uint64_t s, e = 0;
    fsi_hresult hr = rd_last_session(v->d, &s);
    if (hr == FSI_S_OK && s > 0)
        hr = rd_session_end(v->d, s, &e);
    if (hr != FSI_S_OK)
        return hr;
    /* The session's own end: the disc's for the last one; an earlier
     * session's volume space (an appended image's first session, read
     * from its copy past its end, ends before that copy). */
    uint64_t n = e && e < v->nblocks ? e : v->nblocks;
    uint64_t at = s + 256;
    /* ECMA-167 3/8.4.2.1: 256, N - 256 and N, N the last block (n - 1) */
    uint64_t cand[3] = {at, n >= 257 ? n - 257 : UINT64_MAX, n ? n - 1 : UINT64_MAX};
    /* The first session of an appended image is read from a copy of its
     * descriptors (session_mark.h): its own blocks start at 0. */
    struct session_mark m;
    bool marked = false;
    if (s > 0 && rd_head_mark(v->d, &m, &marked) == FSI_S_OK && marked && m.copy == s)
        s = 0;
    char tb[80];
    char keep[80];
    const char *first = NULL;
    for (int i = 0; i < 3; i++) {
        uint64_t blk = cand[i];
        if (blk >= v->nblocks || (i > 0 && (blk == at || blk < s + 256)))
            continue;
        fsi_hresult r = rd_block(v->d, blk, b);
        if (r != FSI_S_OK)
            return r;
        const char *tm = ur_tag_bad(b, RD_BLOCK, UDF_TAG_AVDP, (uint32_t)blk, tb, sizeof tb);
        if (!tm) {
            if (i > 0)
                rd_warn(v->d, FSN, at, "Anchor Volume Descriptor Pointer at block %llu: %s; "
                        "the one at block %llu is used", (unsigned long long)at,
                        first ? first : "beyond the disc", (unsigned long long)blk);
            *where = blk;
            return FSI_S_OK;
        }
        if (i == 0) {
            snprintf(keep, sizeof keep, "%s", tm);
            first = keep;
        }
    }
    return ur_bad(v, "Anchor Volume Descriptor Pointer", at, "%s",
               first ? first : "the disc ends before its block 256");
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
    bgread_stop(v->bg);
    free(v->ahead);
    free(v->ldata);
    free(v->link);
    free(v);
}

void ur_close(void *view)
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

fsi_hresult ur_open(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
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
    r = ur_fe_load(v, (uint16_t)root->aux, (uint32_t)root->len, WANT_ENTRY, &e, &v->x, &feoff);
    if (r != FSI_S_OK)
        goto fail;
    if (e.type != FSI_ENTRY_DIRECTORY) {
        r = ur_bad(v, "File Entry", feoff / RD_BLOCK, "the root is not a directory");
        goto fail;
    }
    root->loc = feoff;

    ur_dstring(l + 84, 128, vol->volume_name, sizeof vol->volume_name);
    ur_dstring(q->pvd + 72, 128, vol->volume_set, sizeof vol->volume_set);
    vol->level = v->rev;
    for (unsigned i = 0; i < v->nmaps; i++)
        if (v->map[i].start + v->map[i].len > vol->blocks)
            vol->blocks = v->map[i].start + v->map[i].len;
    vol->descriptor_block = q->pvd_blk;
    vol->root_block = feoff / RD_BLOCK;
    vol->has_created = ur_timestamp(q->pvd + 376, &vol->created);
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
    FSI_FS_UDF, "UDF", ur_open, ur_root_entry, ur_read_dir, ur_close,
};

fsi_hresult rd_udf_partition(fsi_disc *d, struct rd_udf_volume *out)
{
    void *view;
    fsi_volume_info vol;
    struct rd_dirref root;
    memset(out, 0, sizeof *out);
    fsi_hresult hr = ur_open(d, 0, &view, &vol, &root);
    if (FSI_FAILED(hr))
        return hr;
    struct uv *v = view;
    out->rev = v->rev;
    out->next_uid = v->lvid ? v->next_uid : 0;
    for (unsigned i = 0; i < v->nmaps; i++)
        if (v->map[i].kind == MAP_PHYS) {
            out->start = v->map[i].start;
            break;
        }
    ur_close(view);
    return FSI_S_OK;
}

