/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_rockridge.h - SUSP and RRIP entries of ISO9660 directory records
 * (read_rockridge.c), used by the ISO9660 reader (read_iso9660.c).
 *
 * rr_parse reads one record's System Use area and the Continuation Areas
 * it chains to, into the entry being built and an rr_info.  Names and
 * link targets land in buffers of the rr_ctx (allocated once per view,
 * reused for every entry); the CE chain is bounded in hops and bytes, so
 * a hostile chain (a loop included) ends with a consistency error.
 */
#ifndef FSI_READ_ROCKRIDGE_H
#define FSI_READ_ROCKRIDGE_H

#include "reader.h"

#define RR_NAME_MAX 4096u         /* NM bytes of one entry */
#define RR_LINK_MAX 65536u        /* SL target bytes of one entry */
#define RR_CE_MAX_HOPS 64u        /* Continuation Areas per entry */
#define RR_CE_MAX_BYTES 262144u   /* their total bytes per entry */

struct rr_ctx {
    fsi_disc *d;
    unsigned skip;                /* LEN_SKP of the SP entry */
    char *name;                   /* NM, RR_NAME_MAX + 1 */
    size_t name_len;
    char *link;                   /* SL target, RR_LINK_MAX + 1 */
    size_t link_len;
    uint8_t *ce;                  /* a Continuation Area spanning blocks */
    size_t ce_cap;
    uint8_t *blk;                 /* the last block a CE pointed into */
    uint64_t blk_no;
    bool blk_ok;
};

enum {
    RR_SP = 1u << 0,              /* SP (only looked for when asked) */
    RR_ER = 1u << 1,              /* ER naming RRIP */
    RR_ANY = 1u << 2,             /* any RRIP entry (RR PX PN SL NM CL PL RE TF) */
    RR_PX = 1u << 3,
    RR_NM = 1u << 4,
    RR_SL = 1u << 5,
    RR_CL = 1u << 6,
    RR_RE = 1u << 7,
    RR_PN = 1u << 8
};

struct rr_info {
    unsigned seen;                /* RR_* */
    uint32_t mode;                /* PX file mode with its type bits */
    uint32_t cl_block;            /* CL: the relocated directory */
    unsigned sp_skip;             /* SP: LEN_SKP */
};

/* Buffers for one view: 0, or -1 when out of memory. */
int rr_init(struct rr_ctx *c, fsi_disc *d);
void rr_free(struct rr_ctx *c);

/* Parse the System Use area sua[0..len) of the directory record at
 * `block` (after LEN_SKP: the caller skips it), following CE.  `want_sp`:
 * look for SP at its start (the root's "." record).  Sets e's mode,
 * owner, link count, device and times (with their FSI_HAS_* bits);
 * c->name / c->link get NM and SL (lengths 0 when absent). */
/* Both-byte-order fields (ECMA-119 7.2.3, 7.3.3). */
static inline uint32_t rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint32_t rd_be32(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}
static inline uint16_t rd_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint16_t rd_be16(const uint8_t *p) { return (uint16_t)(p[1] | p[0] << 8); }
/* The little-endian half in *v; false if the big-endian half differs. */
static inline bool rd_both32(const uint8_t *p, uint32_t *v)
{
    *v = rd_le32(p);
    return *v == rd_be32(p + 4);
}

fsi_hresult rr_parse(struct rr_ctx *c, const uint8_t *sua, size_t len, uint64_t block,
                     bool want_sp, struct rr_info *info, fsi_disc_entry *e);

#endif
