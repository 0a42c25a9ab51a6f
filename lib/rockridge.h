/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rockridge.h - the System Use entries (SUSP 1.12, RRIP 1.12) of one
 * ISO9660 directory record, as the ISO9660 view writes them.
 *
 * A record's entries are composed back to back (rr_compose), then split
 * (rr_place) between the record, which holds at most 254 bytes, and
 * Continuation Areas in the blocks that follow the directory's extent
 * (isotree.c).  An area never crosses a block (the Linux reader reads
 * one block per CE) and holds at most one block; a longer rest chains
 * to the next area with another CE.  Measuring and producing run the same
 * code, so the bytes counted are the bytes written.
 */
#ifndef FSI_ROCKRIDGE_H
#define FSI_ROCKRIDGE_H

#include "internal.h"

#define RR_RECORD_MAX 254u       /* a directory record's length (even, <= 255) */
#define RR_CE_LEN 28u            /* bytes of a CE entry */
#define RR_AREA_MAX 2048u        /* bytes of one Continuation Area (a block) */

/* What one record's entries say. */
struct rr_item {
    uint32_t mode, nlink, uid, gid, serial;   /* PX */
    int64_t mtime, atime;                     /* TF (attribute change: mtime) */
    bool wide;                                /* TF in the 17-byte form */
    const char *name;                         /* NM; NULL for "." and ".." */
    size_t name_len;
    const char *target;                       /* SL (symlinks); NULL: none */
    bool device;                              /* PN */
    uint64_t rdev;
    bool root_dot;                            /* the root's ".": SP first, and ER */
    /* Directory relocation (RRIP 4.1.5): a child link (CL) in the record
     * left where a relocated directory was, a parent link (PL) in that
     * directory's "..", RE in its record in the relocation directory. */
    bool cl, pl, re;
    uint32_t link;                            /* CL / PL: the directory's block */
};

/* Entries composed for one record (no CE yet).  Reused record after
 * record: the buffer grows as needed, up to what a 4 KiB link target
 * takes. */
struct rr_su {
    uint8_t *buf;
    size_t len, cap;
};

/* Where continuation areas go when a record is produced: the bytes
 * [lo, hi) of the directory's blocks (its extent, then its continuation
 * blocks from byte ce_at on, the first being image block ce_block). */
struct rr_out {
    uint8_t *buf;                /* NULL: only measure */
    uint64_t lo, hi;
    uint64_t ce_at;
    uint32_t ce_block;
};

/* Whether an ECMA-119 7-byte date holds the time (years 1900-2155). */
bool rr_time_fits7(int64_t ns);

/* Whether the TF of an item needs the long form (its modification or
 * access time does not fit 7 bytes). */
bool rr_item_wide(const fsi_image *img, fsi_item item);

/* Compose the entries of `it` into su (replacing what it held): -1 when
 * out of memory, else 0. */
int rr_compose(struct rr_su *su, const struct rr_item *it);

/* The System Use bytes a record whose fixed part takes `fixed` bytes
 * holds of su (what rr_place returns), without placing anything. */
size_t rr_in_record(const struct rr_su *su, size_t fixed);

/* Place su's entries for a record whose fixed part (33 bytes, the
 * identifier and its padding) takes `fixed` bytes: returns the bytes of
 * System Use the record holds (entries that fit, and a CE if the rest goes
 * to continuation areas).  The areas are placed from *cpos on (bytes into
 * the directory's continuation blocks), *cpos advanced past them.  When
 * rec is not NULL the record's part is written at rec; areas falling in
 * [o->lo, o->hi) are written to o->buf. */
size_t rr_place(const struct rr_su *su, size_t fixed, uint8_t *rec, uint64_t *cpos,
                const struct rr_out *o);

void rr_su_free(struct rr_su *su);

#endif
