/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * isotree.h - the directory hierarchy of one ECMA-119 view (ISO9660 or
 * Joliet): directories numbered as the path table orders them, their
 * extents, and their directory records produced on demand.
 *
 * Only directories are kept (about 30 bytes each, at most 65535 of them).
 * The records of a directory are computed from the tree when its extent is
 * sized and again when it is produced (names, then ECMA-119 order); the
 * last directory produced stays cached so reading it block by block costs
 * one computation.
 */
#ifndef FSI_ISOTREE_H
#define FSI_ISOTREE_H

#include "layout.h"
#include "rockridge.h"

struct isodir {
    fsi_item item;
    uint32_t parent;      /* index of the parent in dirs[] (root: 0) */
    uint32_t first_kid;   /* index of its first subdirectory in dirs[] */
    uint32_t block;       /* first block of its extent */
    uint32_t size;        /* extent bytes, a multiple of the block size */
    uint32_t ce_size;     /* Rock Ridge continuation blocks after the extent (bytes) */
    uint32_t pt_off;      /* its path table record, bytes into the table */
    uint32_t name_off;    /* identifier in the pool (Joliet: UCS-2BE) */
    uint32_t level;       /* directories above it in the view (root 0) */
    uint32_t nmoved;      /* subdirectories relocated from here (Rock Ridge) */
    /* A session: where the previous one has this directory (old_len 0:
     * nowhere), and whether the new one keeps it there (its block and
     * size are the old ones, its item 0 below a kept one), with old_rec
     * its old path table record. */
    uint32_t old_loc, old_len, old_rec;
    uint8_t name_len;
    uint8_t kept;
};

/* A directory the ISO9660 view relocates to rr_moved (--relocate-deep). */
struct reloc {
    fsi_item item;
    fsi_item pitem;       /* its parent in the tree */
    uint32_t dir;         /* its index in dirs[] (under rr_moved) */
    uint32_t pdir;        /* the parent's index in dirs[] */
};

struct dirents;

struct isotree {
    struct layout *lay;
    bool joliet;
    const char *fsname;         /* "ISO9660" or "Joliet", for messages */
    bool rock;                  /* Rock Ridge entries in the records */
    struct rr_su su;            /* one record's entries */
    struct isodir *dirs;        /* path table order: level, parent, name */
    uint32_t ndirs, cap_dirs;
    uint8_t *pool;              /* directory identifiers */
    size_t pool_len, pool_cap;
    uint32_t pt_size;           /* bytes of one path table */
    uint64_t dir_blocks;        /* all directory extents (and their
                                   continuation blocks) together */
    struct dirents *cache;
    /* Relocation (ISO9660 with Rock Ridge, relocate_deep): the directories
     * moved, by item; rr_moved's index in dirs[] (0: none; its item is the
     * root's, which stands for it among the root's children). */
    struct reloc *reloc;
    uint32_t nreloc;
    uint32_t moved;
    const char *moved_name;     /* its Rock Ridge name */
    uint32_t *byblock;          /* with rr_moved or kept directories: the
                                   dirs[] indices written, in extent order */
    uint32_t nplaced;           /* their number (ndirs without byblock) */
    /* A session (session_keep.h): the previous session's view, its path
     * table records already listed, the directories kept. */
    struct old_tree *old;
    uint8_t *taken;
    uint32_t nkept;
    uint32_t serial_base;       /* added to the Rock Ridge serial numbers */
    bool deep_ok;               /* no depth check (Joliet beside a relocating ISO9660) */
};

/* Number and size every directory of the view, check the ISO9660 limits
 * (depth, directory count, file sizes at the level, unique names).  With
 * relocate_deep, the ISO9660 view moves directories that would be too deep
 * to rr_moved (RRIP CL/PL/RE), and Joliet keeps the tree as deep as it is
 * (as genisoimage does). */
fsi_hresult isotree_build(struct isotree *t, struct layout *lay, bool joliet);

/* Give the directories consecutive extents from block `first`, each
 * followed by its continuation blocks. */
void isotree_place(struct isotree *t, uint64_t first);

/* Produce `n` blocks of the directory extents, `block` blocks after the
 * first one. */
fsi_hresult isotree_produce(struct isotree *t, uint64_t block, uint8_t *buf, uint32_t n);

void isotree_free(struct isotree *t);

/* Write one directory record at p (33 + id_len bytes, padded to even);
 * returns its length. */
size_t iso_put_record(uint8_t *p, uint32_t block, uint32_t size, int64_t time_ns,
                      uint8_t flags, const uint8_t *id, uint8_t id_len);

/* ECMA-119 9.1.5 recording date (7 bytes) and 8.4.26.1 volume date
 * (17 bytes), both UTC. */
void iso_date7(uint8_t out[7], int64_t ns);
void iso_date17(uint8_t out[17], int64_t ns);

/* File flags (ECMA-119 9.1.6). */
enum { ISO_FLAG_HIDDEN = 0x01, ISO_FLAG_DIR = 0x02, ISO_FLAG_MULTI = 0x80 };

/* Both-endian and single-endian fields. */
static inline void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void put_both16(uint8_t *p, uint16_t v) { put_le16(p, v); put_be16(p + 2, v); }
static inline void put_both32(uint8_t *p, uint32_t v) { put_le32(p, v); put_be32(p + 4, v); }

#endif
