/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * internal.h - structures shared by the library's modules (not installed).
 *
 * The tree is an array of compact nodes indexed by fsi_item (uint32_t);
 * index 0 is unused, 1 is the root.  Names live once in a chunked string
 * pool; a single open-addressing hash table maps (parent, name) to a node
 * for duplicate checks and lookups.  Nodes are never moved, so writers can
 * keep per-node data in parallel arrays indexed by item number.
 */
#ifndef FSI_INTERNAL_H
#define FSI_INTERNAL_H

#include "fsi.h"
#include <stdarg.h>
#include <stdio.h>

#define FSI_NAME_MAX_CHARS 255      /* code points in one path component */
#define FSI_NAME_MAX_BYTES 1020     /* UTF-8 bytes in one component */
#define FSI_PATH_MAX_BYTES 32767    /* a whole image path */
#define FSI_ISO_MAX_DEPTH 7         /* path components below the root */
#define FSI_ISO_MAX_DIRS 65535      /* directories including the root */

/* NODE_SYMLINK and NODE_SPECIAL carry no data (size 0): the target or
 * the device number sits in their source record (SRC_LINK, SRC_DEV); a
 * special's S_IFMT bits sit in its mode.  Views that cannot hold them
 * (Joliet, ISO9660 without Rock Ridge) leave them out. */
enum node_type { NODE_FREE = 0, NODE_DIR = 1, NODE_FILE = 2, NODE_SYMLINK = 3, NODE_SPECIAL = 4 };

enum node_flags {
    NF_HIDDEN = 1,     /* IsHidden */
    NF_LINKED = 2,     /* reachable from the root */
    NF_UNINDEXED = 4,  /* a directory whose children are not in the child
                          hash yet (tree.c: put there on its first lookup) */
};

/* Where a file's bytes come from (see source.c). */
enum source_kind {
    SRC_NONE = 0,      /* empty file or directory */
    SRC_HOST,          /* host path, stored in the source record */
    SRC_TREE,          /* host path = tree base host dir + path below it */
    SRC_MEM,           /* copied buffer */
    SRC_CALLBACK,      /* caller's read function */
    SRC_STASH,         /* staged: a byte range of the stash file */
    SRC_IMPORT,        /* imported: left where it is on a disc (import.c) */
    SRC_LINK,          /* a symlink's target (NUL-terminated, malloc'ed) */
    SRC_DEV,           /* a device node's number */
};

struct source {
    uint8_t kind;
    union {
        struct { char *path; } host;                          /* SRC_HOST */
        struct { void *data; } mem;                           /* SRC_MEM */
        struct { fsi_read_fn read; void *ctx; void (*free_ctx)(void *); } cb;
        struct { uint64_t at; } stash;                        /* SRC_STASH */
        struct {                                              /* SRC_IMPORT */
            uint64_t at;          /* byte offset of the data on the disc */
            fsi_extent *ext;      /* several extents or holes: malloc'ed, else NULL */
            uint32_t next;
            uint32_t disc;        /* index in img->discs */
        } imp;
        struct { char *target; } link;                        /* SRC_LINK */
        struct { uint64_t rdev; } dev;                        /* SRC_DEV */
    } u;
};

/* node.src values with this bit set name a tree base, not a source. */
#define SRC_TREE_BIT 0x80000000u

/* The host directory an add_tree came from: files below `node` read from
 * host_dir + their path relative to node. */
struct tree_base {
    char *host_dir;
    fsi_item node;
};

/* 80 bytes: keep it small, there may be millions (with the hash slot
 * and the name, ~120 bytes an item). */
struct node {
    fsi_item parent;
    fsi_item first_child;     /* children, newest first */
    fsi_item next_sibling, prev_sibling;
    uint32_t src;             /* files: SRC_TREE_BIT|base index, or index in
                                 img->sources; 0 = no data */
    uint64_t name_off;        /* offset in the name pool */
    uint64_t size;            /* file bytes */
    int64_t times[3];         /* ns since the epoch: creation, access, modification */
    uint32_t uid, gid;
    uint32_t nchildren;       /* directories: live children */
    uint16_t name_len;        /* bytes */
    uint16_t mode;            /* permission bits (07777); NODE_SPECIAL: | S_IFMT bits */
    uint8_t type;             /* enum node_type */
    uint8_t flags;            /* enum node_flags */
    uint32_t depth;           /* path components below the root (root 0) */
};

/* Undo journal record (change points, all-or-nothing add_tree). */
enum undo_op { UNDO_LINK, UNDO_UNLINK, UNDO_TIME, UNDO_HIDDEN, UNDO_MODE, UNDO_OWNER };
struct undo {
    uint8_t op;
    uint8_t which;            /* UNDO_TIME: which time */
    fsi_item item;
    int64_t old;              /* previous property value */
    uint64_t seq;             /* change count once this change was made */
};

struct tree_name_pool {
    char **chunks;
    size_t nchunks, cap;
    size_t used;              /* bytes used in the last chunk */
};

/* A partition type as given: an MBR byte, or a GPT type GUID (stored
 * byte order); each maps to the other table's (sysarea.c). */
struct part_type {
    uint8_t mbr;
    bool has_guid;
    uint8_t guid[16];
};

struct fsi_image {
    /* tree */
    struct node *nodes;
    uint32_t nnodes, cap_nodes;    /* nnodes includes the unused slot 0 */
    uint32_t free_head;            /* freed node slots (via parent field) */
    uint64_t *hash;                /* open addressing: tag<<32 | node, 0 = empty */
    uint32_t hash_cap, hash_used;  /* hash_cap is a power of two; hash_used
                                      counts the children of NF_UNINDEXED
                                      directories too (room kept for them) */
    struct child_set *fresh;       /* the one directory filled now (tree.c) */
    struct tree_name_pool names;
    struct source *sources;
    uint32_t nsources, cap_sources, free_source;
    struct tree_base *bases;
    uint32_t nbases, cap_bases;
    uint64_t nfiles, ndirs;        /* live items, root not counted */
    uint64_t ndeep;                /* live items deeper than ISO9660 allows */

    /* change points */
    struct undo *journal;
    size_t njournal, cap_journal;
    int journaling;                /* >0 while changes must be recorded
                                      (a change point, or an add_tree) */
    uint64_t changes;              /* ChangePoint counter */
    uint64_t journal_from;         /* oldest change point rollback can reach */
    bool have_point;               /* a change point is outstanding */

    /* properties */
    unsigned fs;
    int iso_level;
    int udf_revision;
    char *volume_name;
    /* ECMA-119 descriptor identifiers (fsi_image_set_volume_id), by
     * fsi_volume_id; NULL: the default ("LINUX", "LIBFSI <version>", or
     * blank).  joliet_long: Joliet names up to 103 units. */
    char *volume_ids[FSI_ID_BIBLIO_FILE + 1];
    int64_t volume_dates[FSI_VOLUME_EFFECTIVE + 1];   /* FSI_DATE_NONE */
    bool volume_date_set[FSI_VOLUME_EFFECTIVE + 1];   /* else the default */
    /* hybrid disk structures (hybrid.c) */
    uint8_t *isohybrid_mbr;        /* 432 bytes of MBR code, or NULL */
    bool grub2_mbr;                /* that code is GRUB2's (address + 4) */
    bool efi_partition;            /* a GPT with the EFI image as its ESP */
    uint8_t *system_area;          /* fsi_image_set_system_area, or NULL */
    size_t system_area_len;
    struct appended_part {
        char *path;                /* NULL: no such partition */
        uint64_t size;             /* bytes when it was given */
        struct part_type type;
    } parts[FSI_APPENDED_PARTITIONS];
    bool parts_gpt;                /* fsi_image_set_appended_gpt */
    bool mbr_bootable;             /* fsi_image_set_mbr_bootable */
    bool apm;                      /* fsi_image_set_apm */
    bool msdos_label;              /* fsi_image_set_msdos_label */
    uint32_t part_offset;          /* fsi_image_set_partition_offset */
    bool iso_type_set;
    struct part_type iso_type;     /* fsi_image_set_iso_partition_type */
    char **exclude_patterns;       /* fsi_image_exclude_pattern */
    uint32_t nexclude_patterns;
    bool joliet_long;
    bool strict, restricted;
    int64_t create_time_ns;        /* when the image was created (or SOURCE_DATE_EPOCH) */
    bool have_epoch;
    int64_t epoch_ns;              /* SOURCE_DATE_EPOCH */

    /* size limit (limits.c) */
    uint64_t max_blocks;           /* FreeMediaBlocks, 0 = none */
    uint64_t est_base;             /* exact size at the last layout */
    uint64_t est_slack;            /* upper bound of what was added since */
    bool est_valid;                /* est_base describes a recent tree */

    /* El Torito boot entries and catalog path (boot.c); NULL if never set */
    struct boot_state *boot;
    bool measuring;                /* limits.c lays the tree out only for its
                                      size: El Torito reads nothing, checks
                                      nothing, adds no catalog item */

    /* staging (stash.c) */
    bool stage;                    /* StageFiles: copy data at add time */
    char *work_dir;                /* WorkingDirectory; NULL = $TMPDIR or /tmp */
    int stash_fd;                  /* the unlinked stash file, -1 if none */
    uint64_t stash_size;           /* bytes in it */

    /* discs imported from (import.c): held while the image lives */
    fsi_disc **discs;
    uint32_t ndiscs;
    char *imported_volume_name;

    /* add_tree: host files to leave out (by device and inode) and whom
     * to tell what was left out */
    struct host_id { uint64_t dev, ino; } *excluded;
    uint32_t nexcluded;
    fsi_notice_fn notice;
    void *notice_ctx;

    /* POSIX fidelity (tree.c): add_tree follows symlinks instead of
     * keeping them; files with one device and inode are not linked */
    bool follow_links, no_hardlinks;
    unsigned normalize;            /* FSI_NORMALIZE_* applied when writing */
    bool no_rock;                  /* leave Rock Ridge out of ISO9660 */
    bool relocate_deep;            /* RR_MOVED instead of IMAPI_E_ISO9660_LEVELS */
    /* A session image (fsi_image_set_multisession): its blocks are
     * numbered from ms_nwa, and files imported from ms_disc keep their
     * blocks there.  ms_disc NULL: an image of its own, from block 0. */
    fsi_disc *ms_disc;
    uint64_t ms_nwa;
    /* An append in place (fsi_image_set_append, append.c): what the
     * session writes besides a session image's blocks, and what the
     * image was when the append was set up.  NULL otherwise. */
    struct append_state *ms_app;
    /* Paths the next fsi_import leaves out (fsi_import_exclude), each
     * "/a/b"; hit: seen in the disc's tree. */
    char **imp_excl;
    bool *imp_excl_hit;
    size_t nimp_excl;
    /* Imported items as import found them (import.c), for a session
     * continuing their disc to point at what it need not write again
     * (directories, UDF File Entries): imp_item[cap_imp] by item, and
     * with a UDF import imp_fe[cap_imp] too (else NULL); an entry holds
     * while its item is as imported. */
    struct imp_item *imp_item;
    struct imp_fe *imp_fe;
    uint32_t cap_imp;
    /* Hard links: link_group[item] (cap_nodes entries, allocated with
     * the first link) is a group id shared by the items that are one host
     * file, 0 for none; inodes maps (dev, ino) to the group id. */
    uint32_t *link_group;
    struct inode_ent { uint64_t dev, ino; uint32_t group; } *inodes;
    uint32_t ninodes, cap_inodes;  /* open addressing, cap a power of two */

    /* import progress (for the importer) */
    fsi_import_progress_fn import_progress;
    void *import_progress_ctx;

    /* state */
    int results;                   /* live results: tree is read-only */

    /* last error */
    fsi_hresult last_code;
    char *last_msg;
};

/* --- error.c / image.c --- */

/* Record a failure on img: formats the code's message with up to three
 * inserts (NULL ends the list early) and, if err != 0, appends
 * ": strerror(err)".  Returns hr so callers can `return fsi_fail(...)`. */
fsi_hresult fsi_fail(fsi_image *img, fsi_hresult hr, int err, const char *i1,
                     const char *i2, const char *i3);
/* fsi_fail with three inserts and an explanation appended ("; extra"). */
/* Record hr with msg, a whole message already composed (a disc's). */
fsi_hresult fsi_fail_copy(fsi_image *img, fsi_hresult hr, const char *msg);
fsi_hresult fsi_fail_extra(fsi_image *img, fsi_hresult hr, const char *i1, const char *i2,
                           const char *i3, const char *extra);
/* Like fsi_fail with an extra free-form explanation appended ("; why"). */
fsi_hresult fsi_failf(fsi_image *img, fsi_hresult hr, int err, const char *i1,
                      const char *i2, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* s (malloc'ed copy) with control bytes, C1 controls and bytes that are
 * not UTF-8 written as \xHH, as every composed message is; NULL when out
 * of memory. */
char *fsi_text_escape(const char *s);

/* The message of hr with its inserts, "; extra" and ": strerror(err)"
 * (err != 0) in a new buffer (NULL on ENOMEM); control characters
 * become '?'. */
char *fsi_error_compose(fsi_hresult hr, const char *const *ins, size_t nins,
                        const char *extra, int err);

/* IMAPI_E_READONLY (recorded) while a result exists, else FSI_S_OK. */
fsi_hresult image_check_writable(fsi_image *img);

/* --- names pool (tree.c) --- */
static inline const char *node_name(const fsi_image *img, const struct node *n)
{
    return img->names.chunks[n->name_off >> 32] + (uint32_t)n->name_off;
}

/* A symlink's target (NUL-terminated), "" for other items. */
static inline const char *node_link_target(const fsi_image *img, const struct node *n)
{
    return n->type == NODE_SYMLINK && n->src ? img->sources[n->src].u.link.target : "";
}
/* A device node's number (0 for other items). */
static inline uint64_t node_rdev(const fsi_image *img, const struct node *n)
{
    return n->type == NODE_SPECIAL && n->src && img->sources[n->src].kind == SRC_DEV
               ? img->sources[n->src].u.dev.rdev : 0;
}
/* The hard-link group of an item (0: none). */
static inline uint32_t node_link_group(const fsi_image *img, fsi_item item)
{
    return img->link_group ? img->link_group[item] : 0;
}

/* What the views record of an item's owner and mode (S_IFMT bits and
 * 07777), with the image's FSI_NORMALIZE_* rules applied. */
struct item_posix {
    uint32_t mode, uid, gid;
};
void item_posix(const fsi_image *img, fsi_item item, struct item_posix *out);

/* --- tree.c: internal walking helpers for writers --- */

/* Children of dir sorted by byte order of names (malloc'ed array, *count
 * set); NULL with *count 0 for an empty directory or on ENOMEM (check
 * errno). */
fsi_item *tree_sorted_children(const fsi_image *img, fsi_item dir, size_t *count);

/* Time to record for the image itself (creation), ns since the epoch:
 * SOURCE_DATE_EPOCH if set, else the time the result was created. */
int64_t image_now_ns(const fsi_image *img);

/* Item time clamped to SOURCE_DATE_EPOCH when that is set. */
int64_t item_time_ns(const fsi_image *img, fsi_item item, int which);

/* --- tree.c: used by image.c and source.c --- */
fsi_hresult tree_init(fsi_image *img);
void tree_free_all(fsi_image *img);
/* Check the ISO9660 limits of the live tree: FSI_S_OK or the failing code
 * (recorded on img). */
fsi_hresult tree_check_iso_limits(fsi_image *img);

/* --- source.c --- */
/* Host path of a file's data (malloc'ed), or NULL if it is not a host
 * file (memory, callback) or on ENOMEM. */
char *source_host_path(const fsi_image *img, fsi_item item);
/* The host directory a tree file was last opened from (fd -1: none). */
struct host_dir {
    int fd;
    uint32_t base;      /* index in img->bases */
    fsi_item dir;       /* the image directory it is for, from that base */
};
/* Open a host file's source for reading (-1 with errno on failure).  Tree
 * files are opened relative to their host directory, kept open in *hd for
 * the next file of the same directory. */
int source_open_host(const fsi_image *img, fsi_item item, struct host_dir *hd);
/* Undo a source record of an item that never came to be: free our
 * copies, give staged bytes back to the stash; a callback's ctx stays the
 * caller's.  The record becomes SRC_NONE. */
void source_discard(fsi_image *img, struct source *src);
/* Release the source of a file item (called when it is freed for good). */
void source_release(fsi_image *img, fsi_item item);
/* Read up to len bytes of a file's data at off into buf.  For host files
 * *fd caches an open descriptor (start with -1; close it when done).
 * Returns bytes read, 0 at end, -1 with errno on failure. */
int64_t source_read(const fsi_image *img, fsi_item item, int *fd, uint64_t off,
                    void *buf, size_t len);
/* Read what a source returns at or past its declared size (callbacks
 * only; 0 for others): > 0 means the source is longer than declared. */
int64_t source_read_past(const fsi_image *img, fsi_item item, uint64_t off, void *buf,
                         size_t len);
/* Whether a file's data is staged in the stash. */
bool source_is_stash(const fsi_image *img, fsi_item item);
/* Room for `more` source records: 0, or -1 on ENOMEM. */
int source_room(fsi_image *img, uint64_t more);
/* Add a source record; returns its index (> 0) or 0 on ENOMEM. */
uint32_t source_add(fsi_image *img, const struct source *src);

/* --- tree.c: items the library adds for the life of a result --- */
/* Link a file of `len` bytes (copied from data) at `path`, e.g. the
 * visible El Torito boot catalog: allowed while the tree is read-only,
 * never journaled nor counted as a change, times = `time_ns`.  The usual
 * add checks and codes apply (parent, duplicate, name, depth). */
fsi_hresult tree_add_system_file(fsi_image *img, const char *path, const void *data,
                                 size_t len, int64_t time_ns, fsi_item *out);
/* Unlink and free an item added with tree_add_system_file. */
void tree_remove_system_file(fsi_image *img, fsi_item item);

/* --- import.c: File Entries of imported items --- */
struct imp_item {
    uint64_t stamp;          /* of the item as imported (0: no entry) */
    uint32_t disc;           /* index in img->discs + 1 */
    uint32_t kids;           /* directories: entries the disc gives it */
};
struct imp_fe {
    uint64_t uid;            /* its Unique ID */
    uint32_t lb;             /* its logical block in partition `ref` */
    uint16_t ref;
    uint8_t udf;             /* uid, lb and ref name its UDF File Entry */
};/* Whether item `it` still is as imported from disc `d`'s UDF volume with
 * one name, its File Entry in partition `ref`: then *lb gets the entry's
 * logical block and *uid its Unique ID. */
bool import_udf_fe(const fsi_image *img, fsi_item it, const fsi_disc *d, uint16_t ref,
                   uint32_t *lb, uint64_t *uid);
/* Whether item `it` still is as imported from disc `d` (for a directory:
 * with the same number of entries, none added, removed or left out). */
bool import_unchanged(const fsi_image *img, fsi_item it, const fsi_disc *d);

/* --- tree.c: batches of adds for import.c (all or nothing) --- */
struct tree_batch {
    size_t mark;
    uint64_t stash_before, changes_before;
};
struct tree_new {
    bool dir, hidden;
    bool unindexed;          /* a directory: its children stay out of the
                                child hash until a lookup (import: a million
                                random inserts a name lookup rarely needs) */
    uint8_t type;            /* 0: by dir; else NODE_SYMLINK or NODE_SPECIAL */
    const char *link_target; /* NODE_SYMLINK: the target, link_len bytes */
    size_t link_len;
    uint64_t rdev;           /* NODE_SPECIAL devices */
    uint64_t size;
    int64_t times[3];        /* creation, access, modification (ns) */
    uint32_t mode, uid, gid;
};
/* The child `name` of dir, 0 if none. */
fsi_item tree_child(fsi_image *img, fsi_item dir, const char *name, size_t len);
void tree_batch_begin(fsi_image *img, struct tree_batch *b);
/* Add one item with the usual checks; src (may be NULL) is taken (and
 * discarded on failure). */
fsi_hresult tree_batch_add(fsi_image *img, fsi_item dir, const char *name, size_t len,
                           const struct tree_new *tn, struct source *src, fsi_item *out);
/* Room for `items` more items (nodes, their hash slots, sources and, in a
 * batch, undo records) at once, when their number is known: growing
 * step by step would rehash and copy a million-item tree several times.
 * A hint: 0, or -1 on ENOMEM (nothing lost; the adds report it). */
int tree_reserve(fsi_image *img, uint64_t items);
/* End a batch: on failure (hr, or the size limit, naming `what`) every
 * add since tree_batch_begin is undone. */
fsi_hresult tree_batch_end(fsi_image *img, struct tree_batch *b, fsi_hresult hr, const char *what);

/* --- limits.c --- */
uint64_t limits_item_bound(const fsi_image *img, fsi_item item);
fsi_hresult limits_exact(fsi_image *img, uint64_t *blocks);
void limits_invalidate(fsi_image *img);
/* After items were added whose limits_item_bound() sum to `bound` (only
 * looked at while a limit is set): FSI_S_OK, or IMAPI_E_IMAGE_SIZE_LIMIT
 * naming `what` (the caller takes the items back). */
fsi_hresult limits_after_add(fsi_image *img, uint64_t bound, const char *what);

/* --- import.c --- */
/* Read imported data (as source_read); free what an image holds of it. */
int64_t import_read(const fsi_image *img, const struct source *src, uint64_t size, uint64_t off,
                    void *buf, size_t len);
void import_free_all(fsi_image *img);

/* --- stash.c --- */
const char *stash_default_dir(void);
/* The working directory in use: the one set, else stash_default_dir(). */
const char *stash_dir(const fsi_image *img);
/* Stage size bytes of an open host file / of a callback; *at gets the
 * offset in the stash.  On failure the stash is as before. */
fsi_hresult stash_host_file(fsi_image *img, int fd, uint64_t size, const char *display,
                            uint64_t *at);
fsi_hresult stash_callback(fsi_image *img, fsi_read_fn rd, void *ctx, uint64_t size,
                           const char *display, uint64_t *at);
void stash_truncate(fsi_image *img, uint64_t size);
int64_t stash_read(const fsi_image *img, uint64_t at, void *buf, size_t len);
void stash_close(fsi_image *img);

#endif
