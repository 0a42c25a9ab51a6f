/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names.c - making translated names unique among siblings (see names.h).
 *
 * Two small hash tables of 16-bit strings do the work: `taken` holds the
 * visible form of every name given out so far, `next` maps the shape of a
 * mangled name (kept base, extension, digit count) to the next number to
 * try for it.  Both keep their strings in one growing arena and refer to
 * them by offset, 4 bytes a slot.
 */
#include "names.h"

#include <stdlib.h>
#include <string.h>

/* ---- a set/map of 16-bit strings -------------------------------------
 * Arena record: [len][len units][value low][value high]. */
struct strtab {
    uint32_t *slot;        /* 0: empty, else arena offset + 1 */
    size_t cap, used;      /* cap is a power of two */
    uint16_t *arena;
    size_t alen, acap;
};

static uint64_t str_hash(const uint16_t *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= (uint64_t)n;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static int strtab_init(struct strtab *t, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2 + 2)
        cap <<= 1;
    memset(t, 0, sizeof *t);
    t->slot = calloc(cap, sizeof *t->slot);
    if (!t->slot)
        return -1;
    t->cap = cap;
    return 0;
}

static void strtab_free(struct strtab *t)
{
    free(t->slot);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

static int strtab_grow(struct strtab *t)
{
    size_t ncap = t->cap * 2;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        uint32_t ref = t->slot[i];
        if (!ref)
            continue;
        const uint16_t *rec = t->arena + (ref - 1);
        size_t j = (size_t)str_hash(rec + 1, rec[0]) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = ref;
    }
    free(t->slot);
    t->slot = ns;
    t->cap = ncap;
    return 0;
}

/* Find key; if absent and `add`, insert it with value `val`.  Returns the
 * record (its value units are rec[1 + len], rec[2 + len]), NULL if absent
 * and not added, or sets *oom.  *added tells whether it was inserted. */
static uint16_t *strtab_get(struct strtab *t, const uint16_t *key, size_t n,
                            bool add, uint32_t val, bool *added, bool *oom)
{
    size_t mask = t->cap - 1;
    size_t j = (size_t)str_hash(key, n) & mask;

    *added = false;
    for (;;) {
        uint32_t ref = t->slot[j];
        if (!ref)
            break;
        uint16_t *rec = t->arena + (ref - 1);
        if (rec[0] == n && memcmp(rec + 1, key, n * sizeof *key) == 0)
            return rec;
        j = (j + 1) & mask;
    }
    if (!add)
        return NULL;

    size_t need = n + 3;
    if (t->alen + need > t->acap) {
        size_t ncap = t->acap ? t->acap * 2 : 1024;
        while (ncap < t->alen + need)
            ncap *= 2;
        if ((uint64_t)ncap > UINT32_MAX) {
            *oom = true;
            return NULL;
        }
        uint16_t *na = realloc(t->arena, ncap * sizeof *na);
        if (!na) {
            *oom = true;
            return NULL;
        }
        t->arena = na;
        t->acap = ncap;
    }
    size_t off = t->alen;
    uint16_t *rec = t->arena + off;
    rec[0] = (uint16_t)n;
    memcpy(rec + 1, key, n * sizeof *key);
    rec[1 + n] = (uint16_t)val;
    rec[2 + n] = (uint16_t)(val >> 16);
    t->alen += need;
    t->slot[j] = (uint32_t)off + 1;
    t->used++;
    *added = true;
    if (t->used * 2 > t->cap && strtab_grow(t) < 0) {
        *oom = true;
        return NULL;
    }
    return rec;                /* the arena does not move when slots grow */
}

static uint32_t rec_value(const uint16_t *rec)
{
    return (uint32_t)rec[1 + rec[0]] | ((uint32_t)rec[2 + rec[0]] << 16);
}

static void rec_set_value(uint16_t *rec, uint32_t v)
{
    rec[1 + rec[0]] = (uint16_t)v;
    rec[2 + rec[0]] = (uint16_t)(v >> 16);
}

/* ---- the pool -------------------------------------------------------- */

int name_parts_store(struct name_pool *pool, struct name_parts *p, const uint16_t *units,
                     size_t blen, size_t elen)
{
    size_t off = name_pool_add(pool, units, blen + elen);
    if (off == (size_t)-1)
        return -1;
    p->off = (uint32_t)off;
    p->base_len = (uint8_t)blen;
    p->ext_len = (uint8_t)elen;
    return 0;
}

size_t name_pool_add(struct name_pool *pool, const uint16_t *units, size_t n)
{
    if (pool->len + n > pool->cap) {
        size_t ncap = pool->cap ? pool->cap * 2 : 4096;
        while (ncap < pool->len + n)
            ncap *= 2;
        if ((uint64_t)ncap > UINT32_MAX)
            return (size_t)-1;
        uint16_t *nu = realloc(pool->u, ncap * sizeof *nu);
        if (!nu)
            return (size_t)-1;
        pool->u = nu;
        pool->cap = ncap;
    }
    size_t off = pool->len;
    if (n)
        memcpy(pool->u + off, units, n * sizeof *units);
    pool->len += n;
    return off;
}

/* ---- uniquifying ----------------------------------------------------- */

/* The visible form of base + ext: "base" or "base.ext", trailing dots
 * dropped.  Returns its length. */
static size_t visible(uint16_t *out, const uint16_t *base, size_t blen,
                      const uint16_t *ext, size_t elen)
{
    size_t k = 0;
    memcpy(out, base, blen * sizeof *base);
    k = blen;
    if (elen) {
        out[k++] = '.';
        memcpy(out + k, ext, elen * sizeof *ext);
        k += elen;
    }
    while (k > 0 && out[k - 1] == '.')
        k--;
    return k;
}

/* 16 bytes a child: the name, and its index with CLASH set in pass 1 when
 * its visible form was taken. */
struct order {
    const char *s;
    uint32_t len;
    uint32_t idx;
};

#define CLASH 0x80000000u

static int order_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->s, y->s, n) : 0;
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static const uint32_t pow10_tab[10] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
};

#define MAX_DIGITS 9

/* Give entry p a mangled name.  Returns 0, 1 when no name is possible,
 * -1 when out of memory. */
static int mangle(struct name_parts *p, struct name_pool *pool,
                  struct strtab *taken, struct strtab *next, uint16_t mark)
{
    uint16_t base[NAMES_MAX_UNITS], ext[NAMES_MAX_UNITS];
    uint16_t cand[NAMES_MAX_UNITS + 1 + NAMES_MAX_UNITS];
    uint16_t key[2 + 2 * NAMES_MAX_UNITS + 2];
    uint16_t vis[2 * NAMES_MAX_UNITS + 2];
    size_t blen = p->base_len, elen = p->ext_len;
    bool added, oom = false;

    memcpy(base, pool->u + p->off, blen * sizeof *base);
    memcpy(ext, pool->u + p->off + blen, elen * sizeof *ext);

    for (int d = 1; d <= MAX_DIGITS; d++) {
        long euse = (long)elen;
        long keep = (long)blen;
        if (keep > (long)p->base_max - 1 - d)
            keep = (long)p->base_max - 1 - d;
        if (p->total_max) {
            long room = (long)p->total_max - euse - 1 - d;
            if (room < 1 && euse > p->ext_min) {
                euse = (long)p->total_max - 2 - d;
                if (euse < p->ext_min)
                    euse = p->ext_min;
                if (euse > (long)elen)
                    euse = (long)elen;
                room = (long)p->total_max - euse - 1 - d;
            }
            if (keep > room)
                keep = room;
        }
        if (keep < 1)
            return 1;

        /* The counter of this shape: digits, kept base, extension. */
        size_t kn = 0;
        key[kn++] = (uint16_t)d;
        key[kn++] = (uint16_t)keep;
        memcpy(key + kn, base, (size_t)keep * sizeof *base);
        kn += (size_t)keep;
        memcpy(key + kn, ext, (size_t)euse * sizeof *ext);
        kn += (size_t)euse;

        uint32_t lo = d == 1 ? 1 : pow10_tab[d - 1];
        uint32_t hi = pow10_tab[d] - 1;
        uint16_t *ctr = strtab_get(next, key, kn, true, lo, &added, &oom);
        if (oom)
            return -1;
        uint32_t num = rec_value(ctr);

        for (; num <= hi; num++) {
            size_t cn = (size_t)keep;
            memcpy(cand, base, cn * sizeof *base);
            cand[cn++] = mark;
            for (int k = d - 1; k >= 0; k--)
                cand[cn + (size_t)k] = (uint16_t)('0' + (num / pow10_tab[d - 1 - k]) % 10);
            cn += (size_t)d;
            size_t vn = visible(vis, cand, cn, ext, (size_t)euse);
            strtab_get(taken, vis, vn, true, 0, &added, &oom);
            if (oom)
                return -1;
            if (!added)
                continue;
            /* Only `taken` changed since ctr was found: it is still valid. */
            rec_set_value(ctr, num + 1);
            memcpy(cand + cn, ext, (size_t)euse * sizeof *ext);
            return name_parts_store(pool, p, cand, cn, (size_t)euse);
        }
        rec_set_value(ctr, hi + 1);
    }
    return 1;
}

fsi_hresult names_make_unique(const struct name_in *in, size_t n,
                              struct name_parts *parts, struct name_pool *pool,
                              uint16_t mark, size_t *fail)
{
    struct strtab taken, next;
    struct order *ord;
    uint16_t vis[2 * NAMES_MAX_UNITS + 2];
    fsi_hresult hr = FSI_S_OK;
    bool added, oom = false;
    size_t clashes = 0;

    if (n == 0)
        return FSI_S_OK;
    if (n >= CLASH)
        return FSI_E_INVALIDARG;
    ord = malloc(n * sizeof *ord);
    if (!ord)
        return FSI_E_OUTOFMEMORY;
    if (strtab_init(&taken, n) < 0) {
        free(ord);
        return FSI_E_OUTOFMEMORY;
    }
    memset(&next, 0, sizeof next);

    for (size_t i = 0; i < n; i++) {
        if ((uint64_t)in[i].len > UINT32_MAX) {
            hr = FSI_E_INVALIDARG;
            goto out;
        }
        ord[i].s = in[i].name;
        ord[i].len = (uint32_t)in[i].len;
        ord[i].idx = (uint32_t)i;
    }
    /* The writers hand children over in byte order already: check that
     * in n steps before sorting n log n. */
    size_t run = 1;
    while (run < n && order_cmp(&ord[run - 1], &ord[run]) <= 0)
        run++;
    if (run < n)
        qsort(ord, n, sizeof *ord, order_cmp);

    /* Pass 1: the first of each visible form keeps it. */
    for (size_t k = 0; k < n; k++) {
        const struct name_parts *p = &parts[ord[k].idx];
        const uint16_t *u = pool->u + p->off;
        size_t vn = visible(vis, u, p->base_len, u + p->base_len, p->ext_len);
        strtab_get(&taken, vis, vn, true, 0, &added, &oom);
        if (oom) {
            hr = FSI_E_OUTOFMEMORY;
            goto out;
        }
        if (!added) {
            ord[k].idx |= CLASH;
            clashes++;
        }
    }
    if (!clashes)
        goto out;

    /* Pass 2: the others get numbered names nobody has. */
    if (strtab_init(&next, clashes) < 0) {
        hr = FSI_E_OUTOFMEMORY;
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        if (!(ord[k].idx & CLASH))
            continue;
        uint32_t i = ord[k].idx & ~CLASH;
        int r = mangle(&parts[i], pool, &taken, &next, mark);
        if (r < 0) {
            hr = FSI_E_OUTOFMEMORY;
            goto out;
        }
        if (r > 0) {
            if (fail)
                *fail = i;
            hr = IMAPI_E_NO_UNIQUE_NAME;
            goto out;
        }
    }
out:
    strtab_free(&taken);
    strtab_free(&next);
    free(ord);
    return hr;
}
