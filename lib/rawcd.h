/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rawcd.h - the raw CD image object (IRawCDImageCreator), shared by
 * rawcd.c (the object, its rules, the layout) and rawcd_out.c (sectors,
 * BIN, cue sheet, TOC file, raw stream).  Not installed.
 */
#ifndef FSI_RAWCD_H
#define FSI_RAWCD_H

#include "fsi.h"
#include "cdframe.h"

#define CD_MAX_TRACKS 99
#define CD_MAX_INDEXES 99
#define CD_MIN_TRACK 300          /* 4 s */
#define CD_MIN_PREGAP 150         /* 2 s */
#define CD_GAP 150
#define CD_INDEX_MIN_GAP 10
#define CD_MAX_LEADOUT_LIMIT 443100
#define CD_TEXT_MAX 160

enum cd_src_kind { CD_SRC_NONE, CD_SRC_FILE, CD_SRC_MEM, CD_SRC_CB };

struct cd_src {
    enum cd_src_kind kind;
    char *path;               /* CD_SRC_FILE */
    uint64_t off;             /* of the data in the file (after a WAV header) */
    uint64_t file_size;       /* the whole file's size when added */
    int fd;                   /* open while outputs are written, else -1 */
    void *mem;                /* CD_SRC_MEM */
    fsi_read_fn read;         /* CD_SRC_CB */
    void *ctx;
    void (*free_ctx)(void *);
    uint64_t len;             /* bytes of data */
};

struct cd_track {
    fsi_cd_sector_type type;
    struct cd_src src;
    int32_t len;              /* sectors of data (the last one padded) */
    fsi_cd_copy copy;
    bool pre_emphasis;
    char isrc[13];            /* 12 characters, "" if none */
    int32_t idx[CD_MAX_INDEXES];   /* offsets from index 1, sorted, idx[0] = 0 */
    uint32_t nidx;
    char *title, *performer;  /* CD-Text, NULL if not set */
    /* layout (rawcd_layout) */
    int32_t pregap;           /* index 0 sectors before start */
    bool pregap_stored;       /* the pregap's sectors are data (gapless, special pregap) */
    int32_t start;            /* LBA of index 1 */
    int32_t sectors;          /* SectorCount */
    int32_t postgap;          /* mode 1 zero sectors after the data */
    uint64_t bin_sector;      /* where its data starts in the BIN */
};

struct fsi_rawcd {
    struct cd_track *tracks[CD_MAX_TRACKS];
    int ntracks;
    struct cd_src pregap_src; /* special pregap, kind CD_SRC_NONE if none */
    int32_t pregap_len;       /* its sectors */
    struct cd_src rw_src;     /* R-W generator, kind CD_SRC_NONE if none */
    bool gapless;
    int first;
    char mcn[14];             /* "" if none */
    int32_t limit;
    fsi_rawcd_subcode image_type;
    char *title, *performer;  /* album CD-Text */
    bool read_only;
    int32_t leadout;          /* rawcd_layout */
    /* CD-Text packs for the lead-in, built by fsi_rawcd_create_result */
    uint8_t *cdtext;
    size_t cdtext_len;
    fsi_hresult last_code;
    char *last_msg;
};

/* Record a failure on cd: the code's message with inserts i1, i2 and,
 * when fmt is given, "; " and the formatted explanation, then
 * ": strerror(err)" when err.  Returns hr. */
fsi_hresult rawcd_fail(fsi_rawcd *cd, fsi_hresult hr, int err, const char *i1, const char *i2,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Place every track; returns the start of the lead-out. */
int32_t rawcd_layout(fsi_rawcd *cd);

/* Read len bytes at off of a source's data (zeros past its end up to the
 * padded sector); a failure is recorded on cd. */
fsi_hresult rawcd_src_read(fsi_rawcd *cd, struct cd_src *s, uint64_t off, void *buf, size_t len);
void rawcd_src_close(struct cd_src *s);

/* Q control nibble of a track (the SCMS alternation not applied). */
uint8_t rawcd_control(const struct cd_track *t);

#endif
