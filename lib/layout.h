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

#define FSI_BLOCK 2048u
#define FSI_BLOCK_SHIFT 11

/* Largest block number the 32-bit fields of ISO9660 and UDF can address. */
#define LAYOUT_MAX_BLOCKS ((uint64_t)UINT32_MAX + 1)

/* Phases, in image order.  Every writer is called once per phase, in the
 * order the writers were added (ISO9660, El Torito, Joliet, UDF), so e.g.
 * the PVD lands at 16, a boot record at 17, the Joliet SVD after it. */
enum layout_phase {
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
    uint64_t next;              /* first free block */
    uint64_t total_blocks;      /* set after the last phase */

    /* Children of every directory, sorted once (see layout_children). */
    fsi_item *kids;             /* grouped by directory, breadth first */
    uint32_t *kids_at;          /* [nitems]: a directory's first index in kids */
    size_t nkids;

    /* File data: each file with data once, contiguous, in data_order. */
    uint32_t nitems;            /* img->nnodes when laid out */
    uint32_t *file_block;       /* [nitems]: first block, 0 = no data */
    fsi_item *data_order;       /* files with data, by ascending block */
    size_t ndata;
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

/* Produce nblocks generated blocks of a SEG_GEN segment from `block`. */
fsi_hresult layout_produce(struct layout *lay, const struct segment *seg,
                           uint64_t block, uint8_t *buf, uint32_t nblocks);

/* The default volume name, made from the image's time ("YYYYMMDD_HHMMSS",
 * UTC) so SOURCE_DATE_EPOCH fixes it too. */
void layout_default_volume_name(int64_t now_ns, char *buf, size_t size);

/* "/a/b" of an item for messages (malloc'ed; NULL on ENOMEM). */
char *layout_item_path(const struct layout *lay, fsi_item item);

#endif
