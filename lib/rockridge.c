/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rockridge.c - composes the SUSP/RRIP entries of one directory record
 * (SP, ER, PX, TF, NM, SL, PN) and splits them between the record and
 * Continuation Areas (CE).
 *
 * Entries written (RRIP 1.12, with the RRIP_1991A identifier that xorriso
 * and genisoimage write and every reader knows):
 *  - SP in the root's "." record, first; the ER through a CE from there
 *    (it is too long for the record);
 *  - PX with the file serial number (44 bytes): hard links share it;
 *  - TF: modification, access and attribute change (which the tree does
 *    not keep: the modification time stands in), 7-byte dates unless one
 *    of them needs the 17-byte form;
 *  - NM: the tree name as given, in pieces of 250 bytes;
 *  - SL: the target as components, "." ".." and a leading "/" as flags;
 *  - PN: the device number as the 64-bit dev_t split in two halves, as
 *    libisofs writes it, libarchive reads it and Linux reads the usual
 *    numbers (a zero high half: the low half's old major/minor packing);
 *  - CL, PL, RE for relocated directories (isotree.c).
 */
#include "config.h"
#include "rockridge.h"
#include "isotree.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NM_PIECE 250u            /* name bytes in one NM (entry <= 255) */
#define SL_BODY 250u             /* component records in one SL entry */

static const char ER_ID[] = "RRIP_1991A";
static const char ER_DES[] =
    "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
static const char ER_SRC[] =
    "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN "
    "PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

bool rr_time_fits7(int64_t ns)
{
    /* 1900-01-01 to 2155-12-31 23:59:59 UTC. */
    int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);
    return s >= -2208988800LL && s <= 5992271999LL;
}

bool rr_item_wide(const fsi_image *img, fsi_item item)
{
    return !rr_time_fits7(item_time_ns(img, item, FSI_TIME_MODIFICATION)) ||
           !rr_time_fits7(item_time_ns(img, item, FSI_TIME_ACCESS));
}

/* n more bytes at the end of su (NULL when out of memory). */
static uint8_t *grow(struct rr_su *su, size_t n)
{
    if (su->len + n > su->cap) {
        size_t cap = su->cap ? su->cap : 512;
        while (cap < su->len + n)
            cap *= 2;
        uint8_t *p = realloc(su->buf, cap);
        if (!p)
            return NULL;
        su->buf = p;
        su->cap = cap;
    }
    uint8_t *p = su->buf + su->len;
    su->len += n;
    return p;
}

static uint8_t *entry(struct rr_su *su, char a, char b, size_t len)
{
    uint8_t *p = grow(su, len);
    if (p) {
        p[0] = (uint8_t)a;
        p[1] = (uint8_t)b;
        p[2] = (uint8_t)len;
        p[3] = 1;               /* version */
    }
    return p;
}

/* One component of a link target: text, or flags alone (ROOT, CURRENT,
 * PARENT; an empty text is a component too: "a//b", "a/"). */
struct comp {
    uint8_t flags;
    const char *text;
    size_t len;
};

/* Start an SL entry at su->len; its header is completed by sl_end. */
static size_t sl_begin(struct rr_su *su)
{
    size_t at = su->len;
    return entry(su, 'S', 'L', 5) ? at : SIZE_MAX;
}

static void sl_end(struct rr_su *su, size_t at, bool more)
{
    su->buf[at + 2] = (uint8_t)(su->len - at);
    su->buf[at + 4] = more ? 0x01 : 0;      /* CONTINUE: the link goes on */
}

/* SL entries of the target.  An entry holds at most SL_BODY bytes of
 * component records; where one must end and more follow, it ends inside
 * a text component (CONTINUE), so that the next entry goes on with that
 * component: libarchive joins entries without a '/' whatever the flags
 * say, Linux and the specification read both ways alike. */
static int compose_sl(struct rr_su *su, const char *target)
{
    size_t n = strlen(target), nc = 0;
    struct comp *cs = malloc((n + 2) * sizeof *cs);
    if (!cs)
        return -1;
    const char *p = target, *end = target + n;
    if (p < end && *p == '/') {
        cs[nc++] = (struct comp){0x08, NULL, 0};     /* ROOT */
        p++;
    }
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        if (len == 1 && p[0] == '.')
            cs[nc++] = (struct comp){0x02, NULL, 0};     /* CURRENT */
        else if (len == 2 && p[0] == '.' && p[1] == '.')
            cs[nc++] = (struct comp){0x04, NULL, 0};     /* PARENT */
        else
            cs[nc++] = (struct comp){0, p, len};
        if (!slash)
            break;
        p = slash + 1;
        if (p == end)           /* a trailing '/': an empty last component */
            cs[nc++] = (struct comp){0, p, 0};
    }
    size_t at = sl_begin(su), off = 0;
    for (size_t ci = 0; ci < nc && at != SIZE_MAX;) {
        const struct comp *c = &cs[ci];
        size_t used = su->len - at - 5, room = SL_BODY - used, left = c->len - off;
        bool last = ci + 1 == nc;
        size_t take = left;
        if (2 + left > room || (2 + left == room && !last)) {
            if (left < 2 || room < 3) {     /* cannot split it here */
                sl_end(su, at, true);
                at = sl_begin(su);
                continue;
            }
            take = left - 1 < room - 2 ? left - 1 : room - 2;
        }
        uint8_t *r = grow(su, 2 + take);
        if (!r) {
            at = SIZE_MAX;
            break;
        }
        r[0] = take < left ? 0x01 : c->flags;      /* CONTINUE: same component */
        r[1] = (uint8_t)take;
        if (take)
            memcpy(r + 2, c->text + off, take);
        if (take < left) {
            off += take;
            sl_end(su, at, true);
            at = sl_begin(su);
        } else {
            ci++;
            off = 0;
        }
    }
    free(cs);
    if (at == SIZE_MAX)
        return -1;
    sl_end(su, at, false);
    return 0;
}

int rr_compose(struct rr_su *su, const struct rr_item *it)
{
    su->len = 0;
    uint8_t *p;
    if (it->root_dot) {
        if (!(p = entry(su, 'S', 'P', 7)))
            return -1;
        p[4] = 0xBE;
        p[5] = 0xEF;
        p[6] = 0;               /* LEN_SKP */
    }
    if (!(p = entry(su, 'P', 'X', 44)))
        return -1;
    put_both32(p + 4, it->mode);
    put_both32(p + 12, it->nlink);
    put_both32(p + 20, it->uid);
    put_both32(p + 28, it->gid);
    put_both32(p + 36, it->serial);

    size_t ds = it->wide ? 17 : 7;
    if (!(p = entry(su, 'T', 'F', 5 + 3 * ds)))
        return -1;
    p[4] = (uint8_t)(0x02 | 0x04 | 0x08 | (it->wide ? 0x80 : 0));
    const int64_t t[3] = {it->mtime, it->atime, it->mtime};
    for (int k = 0; k < 3; k++) {
        if (it->wide)
            iso_date17(p + 5 + 17 * k, t[k]);
        else
            iso_date7(p + 5 + 7 * k, t[k]);
    }

    for (size_t off = 0; it->name && off < it->name_len; off += NM_PIECE) {
        size_t k = it->name_len - off < NM_PIECE ? it->name_len - off : NM_PIECE;
        if (!(p = entry(su, 'N', 'M', 5 + k)))
            return -1;
        p[4] = off + k < it->name_len ? 0x01 : 0;   /* CONTINUE */
        memcpy(p + 5, it->name + off, k);
    }
    if (it->target && compose_sl(su, it->target) < 0)
        return -1;
    if (it->device) {
        if (!(p = entry(su, 'P', 'N', 20)))
            return -1;
        put_both32(p + 4, (uint32_t)(it->rdev >> 32));
        put_both32(p + 12, (uint32_t)it->rdev);
    }
    if (it->cl || it->pl) {
        if (!(p = entry(su, it->cl ? 'C' : 'P', 'L', 12)))
            return -1;
        put_both32(p + 4, it->link);
    }
    if (it->re && !entry(su, 'R', 'E', 4))
        return -1;
    if (it->root_dot) {
        size_t li = sizeof ER_ID - 1, ld = sizeof ER_DES - 1, ls = sizeof ER_SRC - 1;
        if (!(p = entry(su, 'E', 'R', 8 + li + ld + ls)))
            return -1;
        p[4] = (uint8_t)li;
        p[5] = (uint8_t)ld;
        p[6] = (uint8_t)ls;
        p[7] = 1;               /* extension version */
        memcpy(p + 8, ER_ID, li);
        memcpy(p + 8 + li, ER_DES, ld);
        memcpy(p + 8 + li + ld, ER_SRC, ls);
    }
    return 0;
}

/* Bytes of whole entries from `off` on that fit in `room`. */
static size_t fit(const struct rr_su *su, size_t off, size_t room)
{
    size_t i = off;
    while (i < su->len && i - off + su->buf[i + 2] <= room)
        i += su->buf[i + 2];
    return i - off;
}

/* The area holding the entries from `off` on: its entries' bytes, and
 * whether a CE follows them (more areas). */
static size_t area(const struct rr_su *su, size_t off, bool *more)
{
    *more = su->len - off > RR_AREA_MAX;
    return *more ? fit(su, off, RR_AREA_MAX - RR_CE_LEN) : su->len - off;
}

/* Where an area of len bytes goes from *cpos on: not across a block. */
static uint64_t area_at(uint64_t cpos, size_t len)
{
    if (cpos % RR_AREA_MAX + len > RR_AREA_MAX)
        cpos = (cpos + RR_AREA_MAX - 1) / RR_AREA_MAX * RR_AREA_MAX;
    return cpos;
}

static void put_ce(uint8_t *p, const struct rr_out *o, uint64_t at, size_t len)
{
    p[0] = 'C';
    p[1] = 'E';
    p[2] = RR_CE_LEN;
    p[3] = 1;
    put_both32(p + 4, o->ce_block + (uint32_t)(at / RR_AREA_MAX));
    put_both32(p + 12, (uint32_t)(at % RR_AREA_MAX));
    put_both32(p + 20, (uint32_t)len);
}

size_t rr_in_record(const struct rr_su *su, size_t fixed)
{
    size_t room = RR_RECORD_MAX - fixed;
    return su->len <= room ? su->len : fit(su, 0, room - RR_CE_LEN) + RR_CE_LEN;
}

size_t rr_place(const struct rr_su *su, size_t fixed, uint8_t *rec, uint64_t *cpos,
                const struct rr_out *o)
{
    size_t room = RR_RECORD_MAX - fixed;
    if (su->len <= room) {
        if (rec)
            memcpy(rec, su->buf, su->len);
        return su->len;
    }
    size_t in = fit(su, 0, room - RR_CE_LEN);
    bool more;
    size_t off = in, a = area(su, off, &more);
    size_t alen = a + (more ? RR_CE_LEN : 0);
    uint64_t at = area_at(*cpos, alen);
    if (rec) {
        memcpy(rec, su->buf, in);
        put_ce(rec + in, o, at, alen);
    }
    for (;;) {
        *cpos = at + alen;
        size_t na = 0, nlen = 0;
        uint64_t nat = 0;
        bool nmore = false;
        if (more) {
            na = area(su, off + a, &nmore);
            nlen = na + (nmore ? RR_CE_LEN : 0);
            nat = area_at(*cpos, nlen);
        }
        uint64_t b = o->ce_at + at;
        if (o->buf && b >= o->lo && b + alen <= o->hi) {
            uint8_t *p = o->buf + (b - o->lo);
            memcpy(p, su->buf + off, a);
            if (more)
                put_ce(p + a, o, nat, nlen);
        }
        if (!more)
            break;
        off += a;
        a = na;
        alen = nlen;
        at = nat;
        more = nmore;
    }
    return in + RR_CE_LEN;
}

void rr_su_free(struct rr_su *su)
{
    free(su->buf);
    memset(su, 0, sizeof *su);
}
