/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * layout.h - gives every structure and every file of the image its blocks.
 *
 * Each file system is a *writer* with one small interface: in each phase it
 * places its structures (asks for blocks), and later it produces any range
 * of its blocks on demand.  The core places file data itself, once, so all
 * writers reference the same blocks (file_block[item]).  The image is the
 * ordered list of regions the writers placed; blocks between regions are
 * zero.  Nothing here reads file data, and nothing is generated up front.
 */
#ifndef FSI_LAYOUT_H
#define FSI_LAYOUT_H

#include "internal.h"
#include "reader.h"

#define FSI_BLOCK 2048u
#define FSI_BLOCK_SHIFT 11

/* Largest block number the 32-bit fields of ISO9660 and UDF can address. */
#define LAYOUT_MAX_BLOCKS ((uint64_t)UINT32_MAX + 1)

/* Phases, in image order.  Every writer is called once per phase, in the
 * order the writers were added (ISO9660, El Torito, Joliet, UDF), so e.g.
 * the PVD lands at 16, a boot record at 17, the Joliet SVD after it. */
enum layout_phase {
    PHASE_SYSAREA,  /* the system area, blocks 0-15 (an isohybrid MBR) */
    PHASE_VD,       /* ECMA-119 volume descriptors from block 16 */
    PHASE_VD_END,   /* the descriptor set terminator */
    PHASE_VRS,      /* UDF volume recognition sequence */
    PHASE_SYSTEM,   /* other fixed structures (UDF sequences, anchor 256) */
    PHASE_META,     /* path tables, directories, catalogs, file entries */
    PHASE_DATA,     /* file data is placed by the core, then writers */
    PHASE_TAIL,     /* after the data (mirrors, closing anchor) */
    PHASE_COUNT
};

struct layout;

struct writer_ops {
    const char *name;
    /* Place this writer's structures for one phase with layout_alloc*. */
    fsi_hresult (*place)(struct layout *lay, void *self, enum layout_phase phase);
    /* Called once after all phases (total_blocks is known). May be NULL. */
    fsi_hresult (*finish)(struct layout *lay, void *self);
    /* Fill buf with nblocks blocks of the region tagged `tag`, starting
     * `block` blocks into that region.  Failures are recorded on lay->img. */
    fsi_hresult (*produce)(struct layout *lay, void *self, uint32_t tag,
                           uint64_t block, uint8_t *buf, uint32_t nblocks);
    void (*destroy)(void *self);
};

enum region_kind { REG_WRITER = 1, REG_DATA = 2 };

/* A run of placed blocks.  REG_DATA is the file data area (one region for
 * all files; see data_order). */
struct region {
    uint64_t start, nblocks;
    uint32_t tag;       /* writer's own meaning */
    uint16_t writer;    /* index in writers[] */
    uint8_t kind;
    uint8_t mirror;     /* a copy for the partition (see layout_ref) */
};

/* -partition_offset (fsi_image_set_partition_offset): the descriptors
 * and the metadata after them are written twice, the second time as seen
 * from a partition starting at block part_offset, so that it mounts on
 * its own.  Each copied range [from, to) lies `delta` blocks further on. */
struct layout_mirror {
    uint64_t from, to, delta;
};

#define LAYOUT_MAX_WRITERS 8

struct layout {
    fsi_image *img;
    unsigned fs;                /* FSI_FS_* being written */
    int iso_level;
    int64_t now_ns;             /* the image's own time (SOURCE_DATE_EPOCH) */
    char volume_name[64];       /* UTF-8, as set or the dated default */

    struct {
        const struct writer_ops *ops;
        void *self;
    } writers[LAYOUT_MAX_WRITERS];
    int nwriters, cur_writer;

    struct region *regions;     /* sorted by start, never overlapping */
    size_t nregions, cap_regions;
    uint64_t base;              /* first block written: 0, or a session image's
                                   next writable address (img->ms_nwa) */
    fsi_item ms_past;           /* an imported file with data at or past base */
    /* Blocks output_write_fd writes as zeros (fsi_result_append writes
     * them last: a session's descriptors, so that a session cut short is
     * no session).  Empty when hold_to <= hold_from. */
    uint64_t hold_from, hold_to;
    /* A session continuing a UDF volume: its partition's start (the new
     * partition starts there too), and imported data below it is copied
     * rather than kept.  0: none. */
    uint64_t udf_part;
    struct rd_udf_volume udf_prev;  /* that volume (reader.h) */
    /* A session: nonzero for items that differ from the previous
     * session, themselves or below them (session_keep.h); NULL when it
     * keeps nothing or is no session. */
    uint8_t *changed;
    /* The El Torito boot record a session keeps (append.c), or NULL. */
    uint8_t *kept_br;
    uint64_t part_offset;       /* 0, or the partition's first block */
    struct layout_mirror mirror[2];   /* the descriptors, the metadata */
    bool mirroring;             /* producing a mirror region */
    uint64_t next;              /* first free block */
    uint64_t total_blocks;      /* set after the last phase */

    /* Children of every directory, sorted once (see layout_children). */
    fsi_item *kids;             /* grouped by directory, breadth first */
    uint32_t *kids_at;          /* [nitems]: a directory's first index in kids */
    size_t nkids;

    /* What the writers read of the children of big directories, in kids
     * order (see layout_group_names). */
    uint8_t *names;             /* records, back to back */
    size_t names_len, names_cap;
    struct layout_bigdir *bigdirs;  /* ascending kids_at[] */
    size_t nbigdirs, cap_bigdirs;
    size_t *group_at;           /* records' offsets, a big directory's groups in turn */
    size_t ngroup_at, cap_group_at;

    /* File data: each file with data once, contiguous, in data_order. */
    uint32_t nitems;            /* img->nnodes when laid out */
    uint32_t *file_block;       /* [nitems]: first block, 0 = no data */
    fsi_item *data_order;       /* files with data, by ascending block */
    size_t ndata;
    /* Hard links (tree.c's link groups): the group's first name in kids
     * order holds the data, the others share its blocks (file_block) and,
     * in UDF, its File Entry.  NULL when the tree has no links. */
    fsi_item *group_leader;     /* [img->ninodes + 1] */
    uint32_t *group_count;      /* names of each group in the tree */
    uint64_t nsymlinks, nspecials;  /* in the tree (views without them leave them out) */
    uint64_t data_start, data_blocks;

    /* El Torito (eltorito.c): its writer until add_writers adopts it, and
     * the bytes of files the image holds differently from their sources
     * (the visible boot catalog, boot info tables), owned by that writer. */
    void *boot;
    const struct data_patch *patches;
    size_t npatches;
};

/* `len` bytes at `off` of a file's data that the image holds as `bytes`
 * instead of what its source has.  output.c applies them wherever file
 * data is read and never copies a patched file by zero-copy. */
struct data_patch {
    fsi_item item;
    uint32_t off, len;
    const uint8_t *bytes;
};

/* Overlay the patches of `item` on buf, which holds its bytes
 * [off, off + len). */
void layout_patch(const struct layout *lay, fsi_item item, uint64_t off, uint8_t *buf,
                  size_t len);
/* Whether any patch applies to item. */
bool layout_patched(const struct layout *lay, fsi_item item);

/* A block address as the structure being produced records it: itself,
 * or in a mirror region the partition's view of it (metadata blocks
 * moved to their copies, every address relative to the partition).  0
 * (no extent) stays 0. */
static inline uint32_t layout_ref(const struct layout *lay, uint64_t b)
{
    if (!lay->mirroring || b == 0)
        return (uint32_t)b;
    for (int i = 0; i < 2; i++)
        if (b >= lay->mirror[i].from && b < lay->mirror[i].to) {
            b += lay->mirror[i].delta;
            break;
        }
    return (uint32_t)(b - lay->part_offset);
}

/* The volume space size the descriptor being produced records. */
static inline uint32_t layout_volume_blocks(const struct layout *lay)
{
    return (uint32_t)(lay->total_blocks - (lay->mirroring ? lay->part_offset : 0));
}

/* Blocks a file of `size` bytes needs. */
static inline uint64_t bytes_to_blocks(uint64_t size)
{
    return (size + FSI_BLOCK - 1) >> FSI_BLOCK_SHIFT;
}

/* Big files start on a 64 KiB boundary of the image when no size limit is
 * set: the kernel copies a file into the page cache about a third faster
 * when the destination is aligned like its source (measured with
 * copy_file_range on ext4, Linux 6.18), at a cost of under 0.8% of such a
 * file.  With a limit, every block counts and files are packed. */
#define LAYOUT_ALIGN_MIN ((uint64_t)8 << 20)
#define LAYOUT_ALIGN_BLOCKS 32u

/* Blocks of padding a file of `size` bytes can need before it, at most. */
static inline uint64_t layout_align_bound(const fsi_image *img, uint64_t size)
{
    return !img->max_blocks && size >= LAYOUT_ALIGN_MIN ? LAYOUT_ALIGN_BLOCKS - 1 : 0;
}

/* Build the layout of img for the file systems selected (img->fs): adds the
 * writers, runs every phase.  Failures are recorded on img. */
fsi_hresult layout_build(fsi_image *img, struct layout **out);
void layout_free(struct layout *lay);

/* For writers, during place(): reserve nblocks blocks at the first free
 * block (or at `block`, which must not be below it; the gap stays zero)
 * and tag them for the current writer.  *start gets the first block. */
fsi_hresult layout_alloc(struct layout *lay, uint32_t tag, uint64_t nblocks,
                         uint64_t *start);
fsi_hresult layout_alloc_at(struct layout *lay, uint64_t block, uint32_t tag,
                            uint64_t nblocks);

/* The children of directory `dir` in byte order of their names (what
 * tree_sorted_children gives), valid as long as the layout; *n gets their
 * number.  Sorted once for all writers. */
const fsi_item *layout_children(const struct layout *lay, fsi_item dir, size_t *n);

/* A big directory (more than LAYOUT_GROUP children) is named by the
 * writers LAYOUT_GROUP children at a time, again for each view and each
 * pass.  Its children's nodes and names lie scattered through memory (in
 * the order the host listed them, not in name order), so the layout
 * copies what the writers name them by (name, kind, size, and the second
 * of the modification time that ECMA-119 records) into records in
 * layout_children order: naming a group reads them front to back instead
 * of missing the cache on every child. */
#define LAYOUT_GROUP 1024

struct layout_bigdir {
    fsi_item dir;
    size_t group0;              /* its first group in group_at[] */
};

/* LK_OTHER: a symlink or special file (its node says which); LK_WIDE:
 * Rock Ridge needs the long TF form for its times (rr_item_wide). */
enum { LK_DIR = 1, LK_HIDDEN = 2, LK_DATA = 4, LK_SECOND = 8, LK_OTHER = 16, LK_WIDE = 32 };

/* One child as a record holds it.  Read a group's records with the same
 * layout_kid: a record gives the second only when it differs from the
 * record's before (the first of a group always does). */
struct layout_kid {
    const char *name;
    uint16_t len;               /* bytes of the name */
    uint8_t bits;               /* LK_* */
    uint64_t size;              /* file bytes */
    int64_t second;             /* of item_time_ns(FSI_TIME_MODIFICATION), floored */
};

/* The record of child `first` (a multiple of LAYOUT_GROUP) of dir, or
 * NULL if dir is not big; read the children from there on with
 * layout_kid_next. */
const uint8_t *layout_group_names(const struct layout *lay, fsi_item dir, size_t first);

/* Record: the name's length (2 bytes, little-endian), LK_* bits, the size
 * (8 bytes, only with LK_DATA), the second (8 bytes, only with
 * LK_SECOND), the name. */
static inline const uint8_t *layout_kid_next(const uint8_t *p, struct layout_kid *k)
{
    k->len = (uint16_t)(p[0] | p[1] << 8);
    k->bits = p[2];
    p += 3;
    k->size = 0;
    if (k->bits & LK_DATA) {
        for (int i = 7; i >= 0; i--)
            k->size = k->size << 8 | p[i];
        p += 8;
    }
    if (k->bits & LK_SECOND) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--)
            v = v << 8 | p[i];
        k->second = (int64_t)v;
        p += 8;
    }
    k->name = (const char *)p;
    return p + k->len;
}

/* The item whose data (and UDF File Entry) a file shares: the first name
 * of its hard-link group, or the item itself. */
static inline fsi_item layout_leader(const struct layout *lay, fsi_item item)
{
    uint32_t g = lay->group_leader ? node_link_group(lay->img, item) : 0;
    return g ? lay->group_leader[g] : item;
}

/* Names a file has in the tree (its link count, 1 without hard links). */
static inline uint32_t layout_nlink(const struct layout *lay, fsi_item item)
{
    uint32_t g = lay->group_leader ? node_link_group(lay->img, item) : 0;
    return g ? lay->group_count[g] : 1;
}

/* A maximal run of blocks that come from one place. */
enum seg_kind { SEG_ZERO, SEG_GEN, SEG_FILE };
struct segment {
    enum seg_kind kind;
    uint64_t start, nblocks;    /* image blocks */
    size_t region;              /* SEG_GEN: index in regions[] */
    fsi_item item;              /* SEG_FILE: the file (data + zero tail) */
};

/* The segment holding `block` (< total_blocks). */
void layout_segment_at(const struct layout *lay, uint64_t block, struct segment *seg);

/* The layout of a result (result.c), for append.c. */
struct layout *result_layout(fsi_result *res);

/* Produce nblocks generated blocks of a SEG_GEN segment from `block`. */
fsi_hresult layout_produce(struct layout *lay, const struct segment *seg,
                           uint64_t block, uint8_t *buf, uint32_t nblocks);

/* The default volume name, made from the image's time ("YYYYMMDD_HHMMSS",
 * UTC) so SOURCE_DATE_EPOCH fixes it too. */
void layout_default_volume_name(int64_t now_ns, char *buf, size_t size);

/* "/a/b" of an item for messages (malloc'ed; NULL on ENOMEM). */
char *layout_item_path(const struct layout *lay, fsi_item item);

/* For writers that name a big directory in groups and check the names
 * unique across it: a 64-bit finalizer for hashes built byte by byte, and
 * whether the n hashes h[] are all distinct (1) or not (0); h[] is
 * reordered (in linear time, no memory taken). */
static inline uint64_t layout_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}
int layout_hashes_distinct(uint64_t *h, size_t n);

/* A hint that *p will be read soon.  Writers go through a directory's
 * children in name order, and in a big directory the nodes and names of
 * successive children lie far apart: asking a few children ahead lets
 * the cache misses overlap. */
#if defined(__GNUC__)
#define layout_prefetch(p) __builtin_prefetch(p)
#else
#define layout_prefetch(p) ((void)(p))
#endif
#define LAYOUT_AHEAD 16

/* Every cache line of a node (it spans two or three). */
static inline void layout_prefetch_node(const fsi_image *img, fsi_item item)
{
    const char *p = (const char *)&img->nodes[item];
    layout_prefetch(p);
    layout_prefetch(p + 64);
    layout_prefetch(p + sizeof(struct node) - 1);
}

#endif
