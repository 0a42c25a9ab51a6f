/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_iso9660.c - the ISO9660 reader (with Rock Ridge, read_rockridge.c)
 * and the Joliet reader: the two share everything but the descriptor
 * they start from and how names are decoded.
 *
 * open scans the volume descriptor set of the last session (16 blocks
 * into it; sessions are found as fsi_disc_sessions finds them, so a disc
 * with session images written after its first session reads as the
 * last, as Linux reads a multisession CD) up to
 * its terminator, at most VD_MAX descriptors, and takes the Primary
 * descriptor (ISO9660) or the first Supplementary one with a Joliet
 * escape sequence (Joliet).  An Enhanced descriptor (ISO9660:1999) is
 * only noted; reading it is unsupported.  ISO9660's `level` is reported
 * as 0 (unknown): the interchange level is a property of every name and
 * file in the tree, which open does not read.
 *
 * read_dir reads a directory CHUNK bytes at a time and decodes records in
 * place; the entry being built, its name and its extents live in the
 * view and are reused, so listing costs no allocation per entry.  Every
 * length in a record is checked against the record, the record against
 * its block (records never cross blocks; a zero length byte ends the
 * block's records), the directory against the image.  A multi-extent
 * file (sections: consecutive records of one identifier, all but the
 * last flagged) becomes one entry with an extent per section.
 *
 * A view is used by one walk at a time, and read_dir / root_entry are not
 * reentrant on one view (their callback must not call them).
 */
#include "config.h"
#include "read_rockridge.h"

#include <stdlib.h>
#include <string.h>

#define VD_FIRST 16u
#define VD_MAX 512u               /* descriptors before the terminator */
#define CHUNK (64u * 1024u)       /* directory bytes read at once */
#define MAX_SECTIONS 65536u       /* sections of one multi-extent file */

enum { F_HIDDEN = 0x01, F_DIR = 0x02, F_ASSOC = 0x04, F_MULTI = 0x80 };

struct view {
    fsi_disc *d;
    const char *fs;               /* "ISO9660" or "Joliet", for messages */
    bool joliet;
    bool rr;                      /* read Rock Ridge */
    bool rr_init;
    uint64_t root_loc;            /* the root's extent */
    bool at_root;                 /* read_dir is listing the root */
    uint8_t *buf;                 /* CHUNK bytes of directory */
    uint8_t *blk;                 /* one block: a directory's "." record */
    struct rr_ctx rrc;
    /* The entry being built, over several records for a multi-extent
     * file (`pending`); `skipping` drops the sections of one not shown. */
    fsi_disc_entry e;
    struct rd_dirref sub;
    bool pending, skipping;
    uint8_t id[256];              /* their identifier */
    size_t id_len;
    char name[512];               /* decoded ISO9660 / Joliet name */
    fsi_extent *ext;
    size_t next, ext_cap;
};

/* A directory record, checked. */
struct rec {
    const uint8_t *p;
    size_t len;
    uint64_t loc;                 /* first block of the data (after the XAR) */
    uint32_t size;
    uint8_t flags;
    const uint8_t *id;
    size_t id_len;
    const uint8_t *sua;           /* System Use area */
    size_t sua_len;
};

static fsi_hresult rec_parse(fsi_disc *d, const char *fs, const uint8_t *p, size_t avail,
                             uint64_t block, struct rec *r)
{
    static const char what[] = "directory record";
    size_t len = p[0], idl;
    uint32_t loc;
    if (len < 34 || len > avail)
        return rd_corrupt(d, fs, what, block, "length %zu does not fit the %zu bytes left in its block",
                          len, avail);
    idl = p[32];
    if (idl == 0 || 33 + idl > len)
        return rd_corrupt(d, fs, what, block, "identifier length %zu does not fit its %zu-byte record",
                          idl, len);
    if (!rd_both32(p + 2, &loc))
        return rd_corrupt(d, fs, what, block, "extent location differs between byte orders");
    if (!rd_both32(p + 10, &r->size))
        return rd_corrupt(d, fs, what, block, "data length differs between byte orders");
    if (p[26] || p[27])
        return rd_unsupported(d, fs, "interleaved files (directory record at block %llu)",
                              (unsigned long long)block);
    r->p = p;
    r->len = len;
    r->loc = (uint64_t)loc + p[1];
    r->flags = p[25];
    r->id = p + 33;
    r->id_len = idl;
    size_t su = 33 + idl + !(idl & 1);            /* padding after an even identifier */
    r->sua = p + (su < len ? su : len);
    r->sua_len = su < len ? len - su : 0;
    return FSI_S_OK;
}

static bool is_dot(const struct rec *r)
{
    return r->id_len == 1 && r->id[0] <= 1;
}

/* The first record of the directory at `block`, which must be its ".". */
static fsi_hresult dot_record(struct view *v, uint64_t block, struct rec *r)
{
    if (block >= rd_blocks(v->d))
        return rd_corrupt(v->d, v->fs, "directory", block, "lies past the end of the image");
    fsi_hresult hr = rd_block(v->d, block, v->blk);
    if (hr != FSI_S_OK)
        return hr;
    if ((hr = rec_parse(v->d, v->fs, v->blk, RD_BLOCK, block, r)) != FSI_S_OK)
        return hr;
    if (!is_dot(r) || r->id[0] != 0)
        return rd_corrupt(v->d, v->fs, "directory", block, "the first record is not \".\"");
    return FSI_S_OK;
}

/* --- building entries --- */

static fsi_hresult add_extent(struct view *v, const struct rec *r, uint64_t block)
{
    if (r->size == 0 || v->e.type != FSI_ENTRY_FILE)
        return FSI_S_OK;                          /* links, devices: no data */
    if (v->next == v->ext_cap) {
        if (v->next >= MAX_SECTIONS)
            return rd_corrupt(v->d, v->fs, "directory record", block,
                              "a multi-extent file has more than %u sections", MAX_SECTIONS);
        size_t cap = v->ext_cap ? v->ext_cap * 2 : 16;
        fsi_extent *n = realloc(v->ext, cap * sizeof *n);
        if (!n)
            return rd_fail(v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "file extents");
        v->ext = n;
        v->ext_cap = cap;
    }
    if (v->next == 0)
        v->e.first_block = r->loc;
    v->ext[v->next].offset = r->loc * RD_BLOCK;
    v->ext[v->next].length = r->size;
    v->next++;
    v->e.size += r->size;
    return FSI_S_OK;
}

/* ISO9660 / Joliet identifier to v->name: Joliet from UCS-2BE; a file's
 * ";N" version goes, and for ISO9660 the '.' of an empty extension. */
static void decode_name(struct view *v, const struct rec *r, bool dir)
{
    size_t n;
    if (v->joliet) {
        n = rd_ucs2be_to_utf8(r->id, r->id_len & ~(size_t)1, v->name);
    } else {
        memcpy(v->name, r->id, r->id_len);
        n = r->id_len;
    }
    if (!dir) {
        size_t k = n;
        while (k > 0 && v->name[k - 1] >= '0' && v->name[k - 1] <= '9')
            k--;
        if (k > 0 && v->name[k - 1] == ';') {
            n = k - 1;
            if (!v->joliet && n > 1 && v->name[n - 1] == '.')
                n--;
        }
    }
    v->name[n] = '\0';
    v->e.name = v->name;
    v->e.name_len = n;
}

static fsi_entry_type type_of_mode(uint32_t mode)
{
    switch (mode & 0170000) {
    case 0140000: return FSI_ENTRY_SOCKET;
    case 0120000: return FSI_ENTRY_SYMLINK;
    case 0060000: return FSI_ENTRY_BLOCK_DEVICE;
    case 0040000: return FSI_ENTRY_DIRECTORY;
    case 0020000: return FSI_ENTRY_CHAR_DEVICE;
    case 0010000: return FSI_ENTRY_FIFO;
    default: return FSI_ENTRY_FILE;
    }
}

/* Whether the System Use area holds an RE entry (a relocated directory's
 * record in rr_moved; RE is looked for in the record itself only, where
 * every writer puts it). */
static bool sua_has_re(const struct view *v, const struct rec *r)
{
    size_t pos = v->rrc.skip, n = r->sua_len;
    while (pos + 4 <= n) {
        const uint8_t *e = r->sua + pos;
        if (e[2] < 4 || e[2] > n - pos)
            return false;
        if (e[0] == 'R' && e[1] == 'E')
            return true;
        if (e[0] == 'S' && e[1] == 'T')
            return false;
        pos += e[2];
    }
    return false;
}

/* Whether root child r is the relocation directory (RR_MOVED, as
 * mkisofs -R and xorriso name it): a directory of that ISO9660 name
 * whose records are all RE records, at least one.  Readers that follow
 * CL/PL/RE (libarchive) do not show it: the directories in it are shown
 * where they belong, and an import that kept it would write it back as
 * an empty directory of the user's. */
static fsi_hresult is_reloc_dir(struct view *v, const struct rec *r, bool *yes)
{
    static const char name[] = "RR_MOVED";
    *yes = false;
    if (r->id_len != sizeof name - 1)
        return FSI_S_OK;
    for (size_t i = 0; i < r->id_len; i++)
        if ((r->id[i] & ~0x20) != (name[i] & ~0x20) && r->id[i] != name[i])
            return FSI_S_OK;
    uint64_t total = rd_blocks(v->d), nblocks = ((uint64_t)r->size + RD_BLOCK - 1) / RD_BLOCK;
    if (r->size == 0 || r->loc >= total || nblocks > total - r->loc || nblocks > 1024)
        return FSI_S_OK;                          /* read_dir reports it */
    size_t nre = 0;
    for (uint64_t b = 0; b < nblocks; b++) {
        fsi_hresult hr = rd_block(v->d, r->loc + b, v->blk);
        if (hr != FSI_S_OK)
            return hr;
        uint64_t rest = r->size - b * RD_BLOCK;
        size_t blen = rest < RD_BLOCK ? (size_t)rest : RD_BLOCK, pos = 0;
        while (pos < blen && v->blk[pos] != 0) {
            /* Checked quietly: read_dir reports a bad record if shown. */
            const uint8_t *p = v->blk + pos;
            size_t len = p[0], idl = p[32 < blen - pos ? 32 : 0];
            if (len < 34 || len > blen - pos || idl == 0 || 33 + idl > len)
                return FSI_S_OK;
            size_t su = 33 + idl + !(idl & 1);
            struct rec k = {.p = p, .len = len, .id = p + 33, .id_len = idl,
                            .sua = p + (su < len ? su : len), .sua_len = su < len ? len - su : 0};
            pos += len;
            if (is_dot(&k))
                continue;
            if (!sua_has_re(v, &k))
                return FSI_S_OK;
            nre++;
        }
    }
    *yes = nre > 0;
    return FSI_S_OK;
}

/* Start the entry of record r (its first section).  *skip: not shown. */
static fsi_hresult start_entry(struct view *v, const struct rec *r, uint64_t block, bool *skip)
{
    fsi_disc_entry *e = &v->e;
    bool dir = r->flags & F_DIR;
    fsi_hresult hr;

    memset(e, 0, sizeof *e);
    v->next = 0;
    *skip = false;
    e->type = dir ? FSI_ENTRY_DIRECTORY : FSI_ENTRY_FILE;
    e->hidden = r->flags & F_HIDDEN;
    if (rd_iso_date7(r->p + 18, &e->mtime))
        e->has |= FSI_HAS_MTIME;
    decode_name(v, r, dir);
    if (dir && (r->flags & F_MULTI))
        return rd_corrupt(v->d, v->fs, "directory record", block,
                          "directory \"%s\" is flagged multi-extent", v->name);

    struct rr_info info = {0};
    if (v->rr) {
        if (dir && v->at_root) {
            bool moved;
            if ((hr = is_reloc_dir(v, r, &moved)) != FSI_S_OK)
                return hr;
            if (moved) {
                *skip = true;
                return FSI_S_OK;
            }
        }
        size_t skip_n = v->rrc.skip < r->sua_len ? v->rrc.skip : r->sua_len;
        hr = rr_parse(&v->rrc, r->sua + skip_n, r->sua_len - skip_n, block, false, &info, e);
        if (hr != FSI_S_OK)
            return hr;
        if (info.seen & RR_RE) {                  /* shown where its CL is */
            *skip = true;
            return FSI_S_OK;
        }
        if ((info.seen & RR_NM) && v->rrc.name_len > 0) {
            e->name = v->rrc.name;
            e->name_len = v->rrc.name_len;
        }
        if (!dir && (info.seen & RR_PX))
            e->type = type_of_mode(info.mode);
        if (!dir && !(info.seen & RR_PX) && (info.seen & RR_SL))
            e->type = FSI_ENTRY_SYMLINK;
        if (e->type == FSI_ENTRY_DIRECTORY && !dir && !(info.seen & RR_CL))
            e->type = FSI_ENTRY_FILE;             /* nothing to descend into */
        if (info.seen & RR_CL)
            e->type = FSI_ENTRY_DIRECTORY;
    }

    switch (e->type) {
    case FSI_ENTRY_DIRECTORY:
        if (info.seen & RR_CL) {
            struct rec dot;
            if ((hr = dot_record(v, info.cl_block, &dot)) != FSI_S_OK)
                return hr;
            v->sub.loc = info.cl_block;
            v->sub.len = dot.size;
        } else {
            v->sub.loc = r->loc;
            v->sub.len = r->size;
        }
        v->sub.aux = 0;
        e->size = v->sub.len;
        e->first_block = v->sub.loc;
        return FSI_S_OK;
    case FSI_ENTRY_FILE:
        return add_extent(v, r, block);
    case FSI_ENTRY_SYMLINK:
        e->link_target = v->rrc.link;
        e->link_target_len = v->rrc.link_len;
        e->size = v->rrc.link_len;
        return FSI_S_OK;
    default:                                      /* devices, FIFOs, sockets */
        return FSI_S_OK;
    }
}

static fsi_hresult emit(struct view *v, rd_entry_fn fn, void *ctx)
{
    fsi_disc_entry *e = &v->e;
    if (e->type == FSI_ENTRY_FILE) {
        e->extents = v->ext;
        e->nextents = v->next;
    }
    return fn(ctx, e, e->type == FSI_ENTRY_DIRECTORY ? &v->sub : NULL);
}

static fsi_hresult do_record(struct view *v, const struct rec *r, uint64_t block, rd_entry_fn fn,
                             void *ctx)
{
    fsi_hresult hr;
    bool last = !(r->flags & F_MULTI);

    if (v->pending || v->skipping) {
        if (!is_dot(r) && r->id_len == v->id_len && memcmp(r->id, v->id, r->id_len) == 0) {
            if (v->skipping) {
                v->skipping = !last;
                return FSI_S_OK;
            }
            if ((hr = add_extent(v, r, block)) != FSI_S_OK)
                return hr;
            if (!last)
                return FSI_S_OK;
            v->pending = false;
            return emit(v, fn, ctx);
        }
        if (v->pending)
            return rd_corrupt(v->d, v->fs, "directory record", block,
                              "multi-extent file \"%s\" lacks its final section", v->e.name);
        v->skipping = false;
    }
    if (is_dot(r))
        return FSI_S_OK;

    bool skip = r->flags & F_ASSOC;
    if (!skip && (hr = start_entry(v, r, block, &skip)) != FSI_S_OK)
        return hr;
    if (!last) {
        memcpy(v->id, r->id, r->id_len);
        v->id_len = r->id_len;
        v->skipping = skip;
        v->pending = !skip;
        return FSI_S_OK;
    }
    return skip ? FSI_S_OK : emit(v, fn, ctx);
}

/* --- the reader interface --- */

static fsi_hresult iso_read_dir(void *vp, const struct rd_dirref *dir, rd_entry_fn fn, void *ctx)
{
    struct view *v = vp;
    uint64_t total = rd_blocks(v->d), nblocks = (dir->len + RD_BLOCK - 1) / RD_BLOCK;
    fsi_hresult hr;

    if (dir->len == 0)
        return rd_corrupt(v->d, v->fs, "directory", dir->loc, "its extent is empty");
    if (dir->loc >= total || nblocks > total - dir->loc)
        return rd_corrupt(v->d, v->fs, "directory", dir->loc,
                          "its %llu bytes run past the end of the image",
                          (unsigned long long)dir->len);
    v->pending = v->skipping = false;
    v->at_root = dir->loc == v->root_loc;
    for (uint64_t b = 0; b < nblocks;) {
        uint64_t n = nblocks - b < CHUNK / RD_BLOCK ? nblocks - b : CHUNK / RD_BLOCK;
        if ((hr = rd_read(v->d, (dir->loc + b) * RD_BLOCK, v->buf, n * RD_BLOCK)) != FSI_S_OK)
            return hr;
        for (uint64_t i = 0; i < n; i++, b++) {
            const uint8_t *p = v->buf + i * RD_BLOCK;
            uint64_t rest = dir->len - b * RD_BLOCK;
            size_t blen = rest < RD_BLOCK ? (size_t)rest : RD_BLOCK, pos = 0;
            while (pos < blen && p[pos] != 0) {
                struct rec r;
                if ((hr = rec_parse(v->d, v->fs, p + pos, blen - pos, dir->loc + b, &r)) != FSI_S_OK)
                    return hr;
                pos += r.len;
                if ((hr = do_record(v, &r, dir->loc + b, fn, ctx)) != FSI_S_OK)
                    return hr;
            }
        }
    }
    if (v->pending)
        return rd_corrupt(v->d, v->fs, "directory", dir->loc,
                          "multi-extent file \"%s\" lacks its final section", v->e.name);
    return FSI_S_OK;
}

static fsi_hresult iso_root_entry(void *vp, const struct rd_dirref *root, rd_entry_fn fn, void *ctx)
{
    struct view *v = vp;
    fsi_disc_entry *e = &v->e;
    struct rec r;
    fsi_hresult hr = dot_record(v, root->loc, &r);
    if (hr != FSI_S_OK)
        return hr;
    memset(e, 0, sizeof *e);
    e->name = "";
    e->type = FSI_ENTRY_DIRECTORY;
    e->size = root->len;
    e->first_block = root->loc;
    e->hidden = r.flags & F_HIDDEN;
    if (rd_iso_date7(r.p + 18, &e->mtime))
        e->has |= FSI_HAS_MTIME;
    if (v->rr) {
        /* Its SP sits at the start of the area: LEN_SKP does not apply. */
        struct rr_info info;
        if ((hr = rr_parse(&v->rrc, r.sua, r.sua_len, root->loc, false, &info, e)) != FSI_S_OK)
            return hr;
    }
    struct rd_dirref self = *root;
    return fn(ctx, e, &self);
}

static void iso_close(void *vp)
{
    struct view *v = vp;
    if (!v)
        return;
    if (v->rr_init)
        rr_free(&v->rrc);
    free(v->buf);
    free(v->blk);
    free(v->ext);
    free(v);
}

/* A Joliet text field: UCS-2BE without its trailing blanks (written as
 * U+0020, U+0000 or, by some writers, byte-wise blanks). */
static void joliet_field(const uint8_t *p, size_t len, char *out, size_t outsize)
{
    char tmp[3 * 64 + 1];
    len &= ~(size_t)1;
    if (len > 128)
        len = 128;
    while (len >= 2 && ((p[len - 2] == 0 && (p[len - 1] == ' ' || p[len - 1] == 0)) ||
                        (p[len - 2] == ' ' && p[len - 1] == ' ')))
        len -= 2;
    size_t n = rd_ucs2be_to_utf8(p, len, tmp);
    if (n >= outsize) {
        n = outsize - 1;
        while (n > 0 && ((unsigned char)tmp[n] & 0xC0) == 0x80)
            n--;                                  /* do not split a character */
    }
    memcpy(out, tmp, n);
    out[n] = '\0';
}

static void text(const struct view *v, const uint8_t *p, size_t len, char *out, size_t outsize)
{
    if (v->joliet)
        joliet_field(p, len, out, outsize);
    else
        rd_field(p, len, out, outsize);
}

/* Joliet level of a Supplementary descriptor's escape sequences, or 0. */
static int joliet_level(const uint8_t *vd)
{
    for (size_t i = 88; i + 3 <= 120; i++)
        if (vd[i] == '%' && vd[i + 1] == '/') {
            if (vd[i + 2] == '@')
                return 1;
            if (vd[i + 2] == 'C')
                return 2;
            if (vd[i + 2] == 'E')
                return 3;
        }
    return 0;
}

/* Both-byte-order fields we do not use: a mismatch is only a finding. */
static void check_unused(struct view *v, const uint8_t *vd, uint64_t block)
{
    uint32_t x;
    if (rd_le16(vd + 120) != rd_be16(vd + 122))
        rd_warn(v->d, v->fs, block, "volume set size differs between byte orders");
    if (rd_le16(vd + 124) != rd_be16(vd + 126))
        rd_warn(v->d, v->fs, block, "volume sequence number differs between byte orders");
    if (!rd_both32(vd + 132, &x))
        rd_warn(v->d, v->fs, block, "path table size differs between byte orders");
}

/* Check descriptor vd (at `block`), fill vol and root. */
static fsi_hresult use_descriptor(struct view *v, const uint8_t *vd, uint64_t block,
                                  fsi_volume_info *vol, struct rd_dirref *root)
{
    static const char what[] = "volume descriptor";
    uint32_t space;
    struct rec r;
    fsi_hresult hr;

    if (rd_le16(vd + 128) != rd_be16(vd + 130))
        return rd_corrupt(v->d, v->fs, what, block, "logical block size differs between byte orders");
    if (rd_le16(vd + 128) != RD_BLOCK)
        return rd_unsupported(v->d, v->fs, "logical block size %u", (unsigned)rd_le16(vd + 128));
    if (!rd_both32(vd + 80, &space))
        return rd_corrupt(v->d, v->fs, what, block, "volume space size differs between byte orders");
    check_unused(v, vd, block);
    if (vd[156] != 34)
        return rd_corrupt(v->d, v->fs, what, block, "root directory record length is %u, not 34",
                          (unsigned)vd[156]);
    if ((hr = rec_parse(v->d, v->fs, vd + 156, 34, block, &r)) != FSI_S_OK)
        return hr;
    if (!(r.flags & F_DIR))
        rd_warn(v->d, v->fs, block, "the root directory record lacks the directory flag");
    if (r.size == 0 || r.loc >= rd_blocks(v->d))
        return rd_corrupt(v->d, v->fs, what, block,
                          "root directory (block %llu, %u bytes) is not inside the image",
                          (unsigned long long)r.loc, (unsigned)r.size);
    if (space > rd_blocks(v->d))
        rd_warn(v->d, v->fs, block, "volume space of %u blocks is larger than the image (%llu)",
                (unsigned)space, (unsigned long long)rd_blocks(v->d));

    text(v, vd + 40, 32, vol->volume_name, sizeof vol->volume_name);
    text(v, vd + 8, 32, vol->system_id, sizeof vol->system_id);
    text(v, vd + 190, 128, vol->volume_set, sizeof vol->volume_set);
    text(v, vd + 318, 128, vol->publisher, sizeof vol->publisher);
    text(v, vd + 446, 128, vol->preparer, sizeof vol->preparer);
    text(v, vd + 574, 128, vol->application, sizeof vol->application);
    vol->blocks = space;
    vol->descriptor_block = block;
    vol->root_block = r.loc;
    vol->has_created = rd_iso_date17(vd + 813, &vol->created);
    vol->has_modified = rd_iso_date17(vd + 830, &vol->modified);
    root->loc = r.loc;
    root->len = r.size;
    root->aux = 0;
    return FSI_S_OK;
}

/* Rock Ridge is there when the root's "." record starts with SUSP's SP
 * and RRIP is declared (ER) or used. */
static fsi_hresult detect_rr(struct view *v, const struct rd_dirref *root, unsigned flags,
                             fsi_volume_info *vol)
{
    struct rec r;
    struct rr_info info;
    fsi_disc_entry scratch;
    fsi_hresult hr = dot_record(v, root->loc, &r);
    if (hr != FSI_S_OK)
        return hr;
    if (rr_init(&v->rrc, v->d) != 0)
        return rd_fail(v->d, FSI_E_OUTOFMEMORY, NULL, NULL, "Rock Ridge buffers");
    v->rr_init = true;
    memset(&scratch, 0, sizeof scratch);
    if ((hr = rr_parse(&v->rrc, r.sua, r.sua_len, root->loc, true, &info, &scratch)) != FSI_S_OK)
        return hr;
    vol->rock_ridge = (info.seen & RR_SP) && (info.seen & (RR_ER | RR_ANY));
    v->rrc.skip = info.sp_skip;
    v->root_loc = root->loc;
    v->rr = vol->rock_ridge && !(flags & RD_NO_ROCK_RIDGE);
    return FSI_S_OK;
}

static fsi_hresult open_fs(fsi_disc *d, unsigned flags, bool joliet, void **view,
                           fsi_volume_info *vol, struct rd_dirref *root)
{
    const char *fs = joliet ? "Joliet" : "ISO9660";
    uint8_t cur[RD_BLOCK], vd[RD_BLOCK];
    uint64_t found = 0, total = rd_blocks(d);
    bool have_pvd = false, have_joliet = false, have_evd = false, ended = false;
    int jlevel = 0, level = 0;
    uint64_t first;               /* the last session's descriptor set */
    fsi_hresult hr = rd_last_session(d, &first);
    if (hr != FSI_S_OK)
        return hr;
    first += VD_FIRST;

    for (uint64_t i = 0; i < VD_MAX && first + i < total; i++) {
        uint64_t b = first + i;
        if ((hr = rd_block(d, b, cur)) != FSI_S_OK)
            return hr;
        if (memcmp(cur + 1, "CD001", 5) != 0) {
            if (i == 0)
                return IMAPI_E_FILE_SYSTEM_NOT_FOUND;
            break;
        }
        if (cur[0] == 255) {
            ended = true;
            break;
        }
        if (cur[0] == 1 && !have_pvd) {
            have_pvd = true;
            if (!joliet) {
                memcpy(vd, cur, RD_BLOCK);
                found = b;
            }
        } else if (cur[0] == 2 && cur[6] == 2) {
            have_evd = true;
        } else if (cur[0] == 2 && !have_joliet && (jlevel = joliet_level(cur)) > 0) {
            have_joliet = true;
            if (joliet) {
                memcpy(vd, cur, RD_BLOCK);
                found = b;
                level = jlevel;
            }
        }
    }
    if (total <= first)
        return IMAPI_E_FILE_SYSTEM_NOT_FOUND;
    if (joliet ? !have_joliet : !have_pvd) {
        if (!joliet && have_evd && !have_joliet)
            return rd_unsupported(d, fs, "ISO9660:1999 (an Enhanced Volume Descriptor without a Primary one)");
        return IMAPI_E_FILE_SYSTEM_NOT_FOUND;
    }
    if (!ended)
        rd_warn(d, fs, first, "the volume descriptor set has no terminator");

    struct view *v = calloc(1, sizeof *v);
    if (!v)
        return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "reader");
    v->d = d;
    v->fs = fs;
    v->joliet = joliet;
    v->buf = malloc(CHUNK);
    v->blk = malloc(RD_BLOCK);
    if (!v->buf || !v->blk) {
        iso_close(v);
        return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "reader");
    }
    memset(vol, 0, sizeof *vol);
    vol->fs = joliet ? FSI_FS_JOLIET : FSI_FS_ISO9660;
    vol->level = joliet ? level : 0;
    vol->iso9660_1999 = !joliet && have_evd;
    hr = use_descriptor(v, vd, found, vol, root);
    if (hr == FSI_S_OK && !joliet)
        hr = detect_rr(v, root, flags, vol);
    if (hr != FSI_S_OK) {
        iso_close(v);
        return hr;
    }
    *view = v;
    return FSI_S_OK;
}

static fsi_hresult iso_open(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
                            struct rd_dirref *root)
{
    return open_fs(d, flags, false, view, vol, root);
}

static fsi_hresult joliet_open(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
                               struct rd_dirref *root)
{
    return open_fs(d, flags, true, view, vol, root);
}

const struct rd_reader rd_iso9660 = {FSI_FS_ISO9660, "ISO9660", iso_open, iso_root_entry,
                                     iso_read_dir, iso_close};
const struct rd_reader rd_joliet = {FSI_FS_JOLIET, "Joliet", joliet_open, iso_root_entry,
                                    iso_read_dir, iso_close};
