/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_rockridge.c - the System Use Sharing Protocol (SUSP 1.12: SP, CE,
 * ST, ER) and the Rock Ridge entries (RRIP 1.09/1.12: RR, PX, PN, SL, NM,
 * CL, PL, RE, TF) of one ISO9660 directory record.
 *
 * Entries are read in place from the record; Continuation Areas are read
 * through a one-block cache (writers pack many entries' areas into one
 * block) or, when an area spans blocks, into a buffer.  A CE only chains
 * further: the number of hops and bytes per entry is bounded, so no
 * pointer loop can make this run long.  Entries we do not know (AA, AL,
 * ZF, SF, xattr extensions...) are skipped, as SUSP asks.
 */
#include "config.h"
#include "read_rockridge.h"

#include <stdlib.h>
#include <string.h>

static const char RR_FS[] = "Rock Ridge";

int rr_init(struct rr_ctx *c, fsi_disc *d)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->name = malloc(RR_NAME_MAX + 1);
    c->link = malloc(RR_LINK_MAX + 1);
    c->blk = malloc(RD_BLOCK);
    if (!c->name || !c->link || !c->blk) {
        rr_free(c);
        return -1;
    }
    return 0;
}

void rr_free(struct rr_ctx *c)
{
    free(c->name);
    free(c->link);
    free(c->blk);
    free(c->ce);
    memset(c, 0, sizeof *c);
}

/* State of one rr_parse across its areas. */
struct ps {
    struct rr_ctx *c;
    struct rr_info *info;
    fsi_disc_entry *e;
    uint64_t block;               /* of the record, for messages */
    bool sl_sep;                  /* the next SL component needs a '/' */
    bool ce;                      /* a CE seen in the current area */
    uint64_t ce_off;
    uint32_t ce_len;
};

static fsi_hresult too_long(struct ps *s, const char *what, unsigned max)
{
    return rd_corrupt(s->c->d, RR_FS, what, s->block, "longer than %u bytes", max);
}

static fsi_hresult name_add(struct ps *s, const void *p, size_t n)
{
    struct rr_ctx *c = s->c;
    if (n > RR_NAME_MAX - c->name_len)
        return too_long(s, "NM entry", RR_NAME_MAX);
    memcpy(c->name + c->name_len, p, n);
    c->name_len += n;
    return FSI_S_OK;
}

static fsi_hresult link_add(struct ps *s, const void *p, size_t n)
{
    struct rr_ctx *c = s->c;
    if (n > RR_LINK_MAX - c->link_len)
        return too_long(s, "SL entry", RR_LINK_MAX);
    memcpy(c->link + c->link_len, p, n);
    c->link_len += n;
    return FSI_S_OK;
}

static fsi_hresult mismatch(struct ps *s, const char *entry, const char *field)
{
    return rd_corrupt(s->c->d, RR_FS, entry, s->block, "%s differs between byte orders", field);
}

/* SL component records (RRIP 4.1.3.1) of one entry. */
static fsi_hresult parse_sl(struct ps *s, const uint8_t *p, size_t n)
{
    size_t i = 0;
    fsi_hresult hr;
    while (i < n) {
        if (n - i < 2 || (size_t)p[i + 1] > n - i - 2) {
            /* genisoimage 1.1.11 writes these for long components. */
            rd_warn(s->c->d, RR_FS, s->block, "SL component record overruns its entry");
            return FSI_S_OK;
        }
        unsigned f = p[i];
        const uint8_t *data = p + i + 2;
        size_t len = p[i + 1];
        i += 2 + len;
        if (f & 0x08) {                              /* ROOT */
            if (s->c->link_len == 0 || s->c->link[s->c->link_len - 1] != '/')
                if ((hr = link_add(s, "/", 1)) != FSI_S_OK)
                    return hr;
            s->sl_sep = false;
            continue;
        }
        if (f & 0x30)                                /* VOLROOT, HOST: obsolete */
            continue;
        if (f & 0x02) {
            data = (const uint8_t *)".";
            len = 1;
        } else if (f & 0x04) {
            data = (const uint8_t *)"..";
            len = 2;
        }
        if (s->sl_sep && (hr = link_add(s, "/", 1)) != FSI_S_OK)
            return hr;
        if ((hr = link_add(s, data, len)) != FSI_S_OK)
            return hr;
        s->sl_sep = !(f & 0x01);                     /* CONTINUE: same component */
    }
    return FSI_S_OK;
}

static void parse_tf(struct ps *s, const uint8_t *p, size_t n)
{
    unsigned flags = p[4];
    size_t size = flags & 0x80 ? 17 : 7, off = 5;
    fsi_disc_entry *e = s->e;
    for (unsigned bit = 0; bit < 7; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        if (size > n - off) {
            rd_warn(s->c->d, RR_FS, s->block, "TF entry shorter than its flags say");
            return;
        }
        struct timespec ts;
        const uint8_t *q = p + off;
        off += size;
        if (!(size == 17 ? rd_iso_date17(q, &ts) : rd_iso_date7(q, &ts)))
            continue;
        switch (bit) {
        case 0: e->btime = ts; e->has |= FSI_HAS_BTIME; break;
        case 1: e->mtime = ts; e->has |= FSI_HAS_MTIME; break;
        case 2: e->atime = ts; e->has |= FSI_HAS_ATIME; break;
        case 3: e->ctime = ts; e->has |= FSI_HAS_CTIME; break;
        default: break;                              /* backup, expiration, effective */
        }
    }
}

static bool is_rrip_id(const uint8_t *id, size_t n)
{
    static const char *const ids[] = {"RRIP_1991A", "IEEE_P1282", "IEEE_1282"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (n == strlen(ids[i]) && memcmp(id, ids[i], n) == 0)
            return true;
    return false;
}

#define SIG(a, b) ((unsigned)(a) << 8 | (unsigned)(b))

/* One area: a System Use field or a Continuation Area. */
static fsi_hresult parse_area(struct ps *s, const uint8_t *a, size_t len, bool want_sp)
{
    struct rr_info *info = s->info;
    fsi_disc_entry *e = s->e;
    size_t i = 0;
    fsi_hresult hr;
    uint32_t v[4];

    while (len - i >= 4) {
        const uint8_t *p = a + i;
        size_t n = p[2];
        if (n < 4)
            break;                                   /* padding */
        if (n > len - i) {
            rd_warn(s->c->d, RR_FS, s->block, "SUSP entry %c%c overruns its area",
                    p[0] >= 0x20 && p[0] < 0x7F ? p[0] : '?',
                    p[1] >= 0x20 && p[1] < 0x7F ? p[1] : '?');
            break;
        }
        i += n;
        switch (SIG(p[0], p[1])) {
        case SIG('S', 'P'):
            if (want_sp && p == a && n >= 7 && p[4] == 0xBE && p[5] == 0xEF) {
                info->seen |= RR_SP;
                info->sp_skip = p[6];
            }
            break;
        case SIG('C', 'E'):
            if (n < 28)
                break;
            if (!rd_both32(p + 4, &v[0]) || !rd_both32(p + 12, &v[1]) ||
                !rd_both32(p + 20, &v[2]))
                return mismatch(s, "CE entry", "a location or length");
            if (v[1] >= RD_BLOCK)
                return rd_corrupt(s->c->d, RR_FS, "CE entry", s->block,
                                  "offset %u is not inside a block", (unsigned)v[1]);
            s->ce = v[2] > 0;
            s->ce_off = (uint64_t)v[0] * RD_BLOCK + v[1];
            s->ce_len = v[2];
            break;
        case SIG('S', 'T'):
            return FSI_S_OK;
        case SIG('E', 'R'):
            if (n >= 8 && (size_t)p[4] <= n - 8 && is_rrip_id(p + 8, p[4]))
                info->seen |= RR_ER;
            break;
        case SIG('R', 'R'):
        case SIG('P', 'L'):
            info->seen |= RR_ANY;
            break;
        case SIG('P', 'X'):
            if (n < 36)
                break;
            for (int k = 0; k < 4; k++)
                if (!rd_both32(p + 4 + 8 * k, &v[k]))
                    return mismatch(s, "PX entry", k == 0 ? "the mode" : k == 1 ? "the link count"
                                                       : k == 2 ? "the user ID" : "the group ID");
            info->seen |= RR_ANY | RR_PX;
            info->mode = v[0];
            e->mode = v[0] & 07777;
            e->nlink = v[1];
            e->uid = v[2];
            e->gid = v[3];
            e->has |= FSI_HAS_MODE | FSI_HAS_OWNER | FSI_HAS_NLINK;
            break;
        case SIG('P', 'N'):
            if (n < 20)
                break;
            if (!rd_both32(p + 4, &v[0]) || !rd_both32(p + 12, &v[1]))
                return mismatch(s, "PN entry", "the device number");
            info->seen |= RR_ANY | RR_PN;
            /* A zero high half with more than 8 bits in the low half: a
             * dev_t's low 32 bits (what libisofs and we write; up to 16
             * bits that is also the old major/minor packing Linux reads). */
            if (v[0] == 0 && (v[1] & ~0xFFu)) {
                e->rdev_major = (v[1] >> 8) & 0xFFF;
                e->rdev_minor = (v[1] & 0xFF) | ((v[1] >> 12) & 0xFFF00);
            } else {
                e->rdev_major = v[0];
                e->rdev_minor = v[1];
            }
            e->has |= FSI_HAS_RDEV;
            break;
        case SIG('S', 'L'):
            if (n < 5)
                break;
            info->seen |= RR_ANY | RR_SL;
            if ((hr = parse_sl(s, p + 5, n - 5)) != FSI_S_OK)
                return hr;
            break;
        case SIG('N', 'M'):
            if (n < 5)
                break;
            info->seen |= RR_ANY | RR_NM;
            if (p[4] & 0x02)
                hr = name_add(s, ".", 1);            /* CURRENT */
            else if (p[4] & 0x04)
                hr = name_add(s, "..", 2);           /* PARENT */
            else
                hr = name_add(s, p + 5, n - 5);
            if (hr != FSI_S_OK)
                return hr;
            break;
        case SIG('C', 'L'):
            if (n < 12)
                break;
            if (!rd_both32(p + 4, &v[0]))
                return mismatch(s, "CL entry", "the location");
            info->seen |= RR_ANY | RR_CL;
            info->cl_block = v[0];
            break;
        case SIG('R', 'E'):
            info->seen |= RR_ANY | RR_RE;
            break;
        case SIG('T', 'F'):
            if (n < 5)
                break;
            info->seen |= RR_ANY;
            parse_tf(s, p, n);
            break;
        default:
            break;
        }
    }
    return FSI_S_OK;
}

/* The Continuation Area of s->ce_off/ce_len: in place in the block cache
 * when it lies in one block, else read into c->ce. */
static fsi_hresult read_ce(struct ps *s, const uint8_t **area)
{
    struct rr_ctx *c = s->c;
    uint64_t off = s->ce_off, len = s->ce_len;
    if (off > c->d->size || len > c->d->size - off)
        return rd_corrupt(c->d, RR_FS, "CE entry", s->block,
                          "continuation area at byte %llu (%llu bytes) is past the end of the image",
                          (unsigned long long)off, (unsigned long long)len);
    uint64_t b = off / RD_BLOCK;
    if ((off % RD_BLOCK) + len <= RD_BLOCK) {
        if (!c->blk_ok || c->blk_no != b) {
            c->blk_ok = false;
            fsi_hresult hr = rd_block(c->d, b, c->blk);
            if (hr != FSI_S_OK)
                return hr;
            c->blk_ok = true;
            c->blk_no = b;
        }
        *area = c->blk + off % RD_BLOCK;
        return FSI_S_OK;
    }
    if (c->ce_cap < len) {
        uint8_t *n = realloc(c->ce, len);
        if (!n)
            return rd_fail(c->d, FSI_E_OUTOFMEMORY, NULL, NULL, "Rock Ridge continuation area");
        c->ce = n;
        c->ce_cap = len;
    }
    fsi_hresult hr = rd_read(c->d, off, c->ce, len);
    if (hr == FSI_S_OK)
        *area = c->ce;
    return hr;
}

fsi_hresult rr_parse(struct rr_ctx *c, const uint8_t *sua, size_t len, uint64_t block,
                     bool want_sp, struct rr_info *info, fsi_disc_entry *e)
{
    struct ps s = {.c = c, .info = info, .e = e, .block = block};
    unsigned hops = 0;
    uint64_t bytes = 0;
    memset(info, 0, sizeof *info);
    c->name_len = 0;
    c->link_len = 0;
    for (;;) {
        s.ce = false;
        fsi_hresult hr = parse_area(&s, sua, len, want_sp);
        if (hr != FSI_S_OK || !s.ce) {
            c->name[c->name_len] = '\0';
            c->link[c->link_len] = '\0';
            return hr;
        }
        want_sp = false;
        bytes += s.ce_len;
        if (++hops > RR_CE_MAX_HOPS || bytes > RR_CE_MAX_BYTES)
            return rd_corrupt(c->d, RR_FS, "CE entry", block,
                              "continuation areas exceed %u areas or %u bytes",
                              RR_CE_MAX_HOPS, RR_CE_MAX_BYTES);
        if ((hr = read_ce(&s, &sua)) != FSI_S_OK)
            return hr;
        len = s.ce_len;
    }
}
