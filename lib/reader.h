/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reader.h - what the readers of existing images share (not installed).
 *
 * A disc (struct fsi_disc, disc.c) is the image's bytes: a descriptor or
 * a read callback, with its size.  Each file system has a reader
 * (read_iso9660.c for ISO9660 and Joliet with Rock Ridge, read_udf.c for
 * UDF) with the same small interface: open the volume of the last session,
 * read one directory.  The walker (walk.c) does the rest for every reader:
 * the order of the walk, paths, depth, loop detection, the explicit stack
 * (no recursion: a hostile image can nest directories as deep as it likes).
 *
 * The bytes are untrusted.  A reader checks every length, offset and
 * count before it uses them; what breaks the format is a failure recorded
 * with rd_corrupt (IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR naming the
 * structure, its block and what is wrong), what readers tolerate is a
 * finding recorded with rd_warn (mkimage verify prints them), and what we
 * do not read is rd_unsupported (IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED).
 * Memory a reader allocates is bounded by the size of what it reads (a
 * directory's bytes, an allocation descriptor chain's length).
 */
#ifndef FSI_READER_H
#define FSI_READER_H

#include "fsi.h"
#include <stdarg.h>

#define RD_BLOCK 2048u
#define RD_MAX_PATH_TABLE (64u << 20)   /* bytes of a path table we agree to read */

/* Tolerated deviations go to this sink while verify runs (else dropped). */
struct rd_findings;
typedef void (*rd_finding_fn)(void *ctx, int severity, const char *fsname, uint64_t block,
                              const char *msg);
enum { RD_WARNING = 1, RD_ERROR = 2 };

struct fsi_disc {
    int refs;
    int fd;                       /* -1 for a stream */
    fsi_read_fn read;             /* stream */
    void *ctx;
    void (*free_ctx)(void *);
    char *path;                   /* as given to fsi_disc_open, or NULL */
    uint64_t size;                /* bytes */

    rd_finding_fn finding;        /* verify's sink, NULL otherwise */
    void *finding_ctx;

    fsi_hresult last_code;
    char *last_msg;

    uint64_t last_session;        /* rd_last_session, once known (or the
                                     session fsi_disc_set_session chose) */
    bool last_session_known;
};

/* --- reading bytes (disc.c) --- */

/* Read exactly len bytes at byte offset off.  Past the end of the disc:
 * IMAPI_E_IMPORT_SEEK_FAILURE; an I/O error or a short read:
 * IMAPI_E_IMPORT_READ_FAILURE (both recorded on d, naming the block). */
fsi_hresult rd_read(fsi_disc *d, uint64_t off, void *buf, size_t len);
/* One 2048-byte block. */
fsi_hresult rd_block(fsi_disc *d, uint64_t block, void *buf);
/* Where the session read starts: the last one's descriptor set
 * (fsi_disc_sessions: the same sessions every ISO9660 view sees; 0 for a
 * single session), or the one fsi_disc_set_session chose. */
fsi_hresult rd_last_session(fsi_disc *d, uint64_t *start);
/* The size of what fd holds: a regular file's length, a block device's;
 * -1 with errno for anything else (pipes cannot be read at random). */
int rd_fd_size(int fd, uint64_t *size);
/* Where the session at `start` ends (its volume space, from block 0),
 * 0 if it has no ISO9660 primary descriptor. */
fsi_hresult rd_session_end(fsi_disc *d, uint64_t start, uint64_t *end);
struct session_mark;
/* The mark of an appended image's head (session_mark.h): *has false if
 * block 16's set carries none. */
fsi_hresult rd_head_mark(fsi_disc *d, struct session_mark *m, bool *has);
/* The UDF volume of the session read: its revision (0x102 ... 0x260),
 * the start of its physical partition (a session continuing it keeps
 * that start), the next Unique ID its integrity descriptor gives (0 if
 * it has none).  Failures as the reader's (FEATURE_NOT_SUPPORTED for VAT
 * and sparable partitions). */
struct rd_udf_volume {
    unsigned rev;
    uint64_t start;             /* first block of the physical partition */
    uint64_t next_uid;
};
fsi_hresult rd_udf_partition(fsi_disc *d, struct rd_udf_volume *out);
/* Blocks in the disc (whole ones). */
static inline uint64_t rd_blocks(const fsi_disc *d) { return d->size / RD_BLOCK; }

/* --- failures and findings (disc.c) --- */

/* Record IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR on d: "The UDF file
 * system being imported is inconsistent: File Entry at block 301: <what>".
 * fsname "ISO9660", "Joliet", "Rock Ridge", "UDF", "El Torito".  Also
 * reported to the verify sink as an error.  Returns the code. */
fsi_hresult rd_corrupt(fsi_disc *d, const char *fsname, const char *structure, uint64_t block,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Record IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED naming the feature. */
fsi_hresult rd_unsupported(fsi_disc *d, const char *fsname, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A deviation readers tolerate: only reported to the verify sink. */
void rd_warn(fsi_disc *d, const char *fsname, uint64_t block, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Record any code with a formatted message (inserts as in error.c). */
fsi_hresult rd_fail(fsi_disc *d, fsi_hresult hr, const char *i1, const char *i2, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* --- the readers --- */

/* How a reader finds a directory again.  `loc` must differ between
 * directories that differ (the walker detects loops with it): for
 * ISO9660 and Joliet the directory's first block, for UDF the byte offset
 * of its File Entry (rd_dirref_block gives the block of either); the rest
 * is the reader's. */
struct rd_dirref {
    uint64_t loc;
    uint64_t len;
    uint32_t aux;
};

/* Called by read_dir for each entry of a directory (not "." or ".."):
 * `e` has everything but path/path_len/depth (the walker sets them);
 * `sub` is how to read it for directories, NULL otherwise.  Both are
 * valid only during the call.  Return FSI_S_OK to go on, a failure to
 * stop (read_dir returns it unchanged). */
typedef fsi_hresult (*rd_entry_fn)(void *ctx, fsi_disc_entry *e, const struct rd_dirref *sub);

/* Reader flags (open). */
enum {
    RD_NO_ROCK_RIDGE = FSI_WALK_NO_ROCK_RIDGE,   /* ISO9660: ignore Rock Ridge */
};

struct rd_reader {
    unsigned fs;                  /* FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF */
    const char *name;             /* "ISO9660", "Joliet", "UDF" */
    /* Find and check the volume of this file system in the disc's last
     * session.  Absent: IMAPI_E_FILE_SYSTEM_NOT_FOUND (NOT recorded on d:
     * the caller decides whether that is a failure).  Present: *view (the
     * reader's state), *vol and *root (the root directory) set, or a
     * recorded failure (corrupt, unsupported, read errors). */
    fsi_hresult (*open)(fsi_disc *d, unsigned flags, void **view, fsi_volume_info *vol,
                        struct rd_dirref *root);
    /* The root directory's own entry (name "", type directory, its times
     * and, from Rock Ridge or UDF, mode and owner). */
    fsi_hresult (*root_entry)(void *view, const struct rd_dirref *root, rd_entry_fn fn,
                              void *ctx);
    /* Read directory `dir`, calling fn for each entry in the order the
     * directory holds them.  Multi-extent files come as one entry; entries
     * a reader must not show (Rock Ridge RE, ISO9660 associated files,
     * UDF deleted FIDs) are left out. */
    fsi_hresult (*read_dir)(void *view, const struct rd_dirref *dir, rd_entry_fn fn, void *ctx);
    void (*close)(void *view);
};

/* The block a directory reference names, for messages. */
#define rd_dirref_block(r, ref) ((r)->fs == FSI_FS_UDF ? (ref)->loc / RD_BLOCK : (ref)->loc)

extern const struct rd_reader rd_iso9660;   /* read_iso9660.c */
extern const struct rd_reader rd_joliet;    /* read_iso9660.c */
extern const struct rd_reader rd_udf;       /* read_udf.c */

/* The reader of one FSI_FS_* bit, or NULL. */
const struct rd_reader *rd_reader_for(unsigned fs);

/* --- disc.c, for walk.c, import.c and verify.c --- */

/* Whether a block holds a standard volume recognition descriptor
 * (ECMA-119 "CD001", ECMA-167 "BEA01" "NSR02" "NSR03" "TEA01" "BOOT2"
 * "CDW02"); *volume (may be NULL) is set when it is an ISO9660 primary
 * or a UDF NSR descriptor, i.e. a volume to read. */
bool rd_vd_known(const uint8_t *b, bool *volume);

/* Make room for `need` elements of `elem` bytes in *p (capacity *cap,
 * doubled as it grows): 0, or -1 on ENOMEM with *p unchanged. */
int rd_grow(void **p, size_t *cap, size_t need, size_t elem);

/* Another reference (fsi_disc_free drops it). */
void disc_ref(fsi_disc *d);
/* Open the reader of one FSI_FS_* bit: as rd_reader.open, with vol->fs
 * set; IMAPI_E_FILE_SYSTEM_NOT_FOUND unrecorded. */
fsi_hresult disc_open_view(fsi_disc *d, unsigned fs, unsigned flags, void **view,
                           fsi_volume_info *vol, struct rd_dirref *root);
/* The file system import takes by default (Rock Ridge before Joliet),
 * or a recorded failure (EMPTY_DISC, NO_SUPPORTED_FILE_SYSTEM, ...). */
fsi_hresult disc_default_fs(fsi_disc *d, unsigned *fs);

/* --- walk.c --- */

/* The walk of fsi_disc_walk over a view already open.  The callback is
 * the reader's kind: it gets the entry (path and depth set) and, for a
 * directory, how to read it; it returns FSI_S_OK to go on or a failure
 * that stops the walk and is returned. */
fsi_hresult walk_view(fsi_disc *d, const struct rd_reader *r, void *view,
                      const struct rd_dirref *root, const char *path, unsigned flags,
                      rd_entry_fn fn, void *ctx);
/* Deepest directory level and longest path a walk follows: bounds for
 * hostile images that still admit every tree the writer makes from a
 * host (10,000 levels of one-letter names fit). */
#define RD_MAX_PATH 32768
#define RD_MAX_DEPTH (RD_MAX_PATH / 2)

/* --- El Torito (read_eltorito.c) --- */

/* Find the boot record (a volume descriptor of type 0 with
 * "EL TORITO SPECIFICATION" in blocks 16.. of the last session) and read
 * its catalog.  No boot record: *catalog 0, *count 0, FSI_S_OK. */
fsi_hresult rd_eltorito(fsi_disc *d, uint32_t *catalog, fsi_disc_boot_entry *out, size_t max,
                        size_t *count);

/* --- decoding helpers shared by the readers (rd_util.c) --- */

/* ISO9660 7-byte directory record date / 17-byte volume date to a
 * timespec (UTC, with the GMT offset applied).  false if unset (all zero)
 * or out of range. */
bool rd_iso_date7(const uint8_t *p, struct timespec *out);
bool rd_iso_date17(const uint8_t *p, struct timespec *out);
/* Days from 1970-01-01 to y-m-d (y >= 1, m 1-12, d 1-31), for the
 * readers' date fields. */
int64_t rd_days_since_epoch(int64_t y, unsigned m, unsigned d);
/* UCS-2 big-endian (Joliet) to UTF-8; surrogate pairs joined, lone
 * surrogates and U+0000 become U+FFFD.  Returns the bytes written (out
 * holds at least 3 * (len / 2) + 1 bytes; NUL-terminated). */
size_t rd_ucs2be_to_utf8(const uint8_t *in, size_t len, char *out);
/* Trim trailing blanks (and NULs) of a fixed field into a NUL-terminated
 * string (Latin-1 bytes above 127 become UTF-8). */
void rd_field(const uint8_t *p, size_t len, char *out, size_t outsize);

#endif
