/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_udf_int.h - what the two halves of the UDF reader share (not
 * installed): read_udf.c reads File Entries and directories,
 * read_udf_vol.c finds and checks the volume (recognition sequence,
 * anchors, descriptor sequences, partition maps, metadata file, integrity,
 * file set).  See read_udf.c for the whole picture.
 */
#ifndef FSI_READ_UDF_INT_H
#define FSI_READ_UDF_INT_H

#include "reader.h"
#include "bgread.h"

#include <stdbool.h>
#include <stdint.h>

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
/* File Entries read ahead when read in order: 1 MiB, so that handing each
 * chunk over from the reading thread (bgread.h) costs little beside it */
#define AHEAD (512 * RD_BLOCK)

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
    struct bgread *bg;          /* reading the next AHEAD bytes (bgread.h) */
    bool bg_tried;
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

/* --- read_udf.c --- */

/* Record a consistency failure of `what` at disc block `block` (or keep
 * it aside while v->hold is set, for a fallback). */
fsi_hresult ur_bad(struct uv *v, const char *what, uint64_t block, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
fsi_hresult ur_nomem(struct uv *v);
/* What is wrong with the tag of a descriptor of `avail` readable bytes
 * expected to be `id` at logical block `loc` (buf holds the words), or
 * NULL. */
const char *ur_tag_bad(const uint8_t *b, size_t avail, uint16_t id, uint32_t loc, char *buf,
                       size_t size);
bool ur_all_zero(const uint8_t *p, size_t n);
/* A dstring field (CS0, its length in the last byte) to UTF-8. */
void ur_dstring(const uint8_t *p, size_t field, char *out, size_t size);
/* An ECMA-167 timestamp to UTC; false if unset or invalid. */
bool ur_timestamp(const uint8_t *p, struct timespec *out);
/* Decode the (Extended) File Entry at (ref, lbn) into e and its extents
 * into x; want says what it must be (WANT_*); *feoff gets its byte
 * offset. */
fsi_hresult ur_fe_load(struct uv *v, uint16_t ref, uint32_t lbn, int want, fsi_disc_entry *e,
                       struct xl *x, uint64_t *feoff);
/* Disc byte offset of logical block lbn of partition ref and the bytes
 * contiguous from there; false if outside the partition. */
bool ur_xlate(const struct uv *v, uint16_t ref, uint32_t lbn, uint64_t *off, uint64_t *avail);
/* rd_reader's read_dir and root_entry. */
fsi_hresult ur_read_dir(void *view, const struct rd_dirref *dir, rd_entry_fn fn, void *ctx);
fsi_hresult ur_root_entry(void *view, const struct rd_dirref *root, rd_entry_fn fn, void *ctx);

/* --- read_udf_vol.c: rd_reader's open and close --- */
fsi_hresult ur_open(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
                    struct rd_dirref *root);
void ur_close(void *view);

#endif
