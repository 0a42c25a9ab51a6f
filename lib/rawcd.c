/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rawcd.c - the raw CD image object (IRawCDImageCreator and
 * IRawCDImageTrackInfo): tracks and their sources, the rules IMAPI puts on
 * them, and the layout of the disc.  The sectors and the output files are
 * rawcd_out.c's.
 */
#include "config.h"
#include "rawcd.h"
#include "internal.h"
#include "wav.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The object's last failure: hr and its message from the inserts. */
static fsi_hresult store(fsi_rawcd *cd, fsi_hresult hr, const char *const *ins, size_t nins,
                         const char *extra, int err)
{
    char *msg = fsi_error_compose(hr, ins, nins, extra, err);
    cd->last_code = hr;
    if (msg) {
        free(cd->last_msg);
        cd->last_msg = msg;
    }
    return hr;
}

fsi_hresult rawcd_fail(fsi_rawcd *cd, fsi_hresult hr, int err, const char *i1, const char *i2,
                       const char *fmt, ...)
{
    char extra[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(extra, sizeof extra, fmt, ap);
        va_end(ap);
    }
    const char *ins[2] = { i1, i2 };
    return store(cd, hr, ins, i1 ? (i2 ? 2 : 1) : 0, extra, err);
}

FSI_API fsi_hresult fsi_rawcd_new(fsi_rawcd **out)
{
    if (!out)
        return FSI_E_POINTER;
    fsi_rawcd *cd = calloc(1, sizeof *cd);
    *out = cd;
    if (!cd)
        return FSI_E_OUTOFMEMORY;
    cd->first = 1;
    cd->limit = FSI_CD_DEFAULT_LEADOUT_LIMIT;
    cd->image_type = FSI_RAWCD_SUBCODE_IS_COOKED;
    cd->pregap_src.fd = cd->rw_src.fd = -1;
    return FSI_S_OK;
}

void rawcd_src_close(struct cd_src *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static void src_free(struct cd_src *s)
{
    rawcd_src_close(s);
    free(s->path);
    free(s->mem);
    if (s->free_ctx)
        s->free_ctx(s->ctx);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

FSI_API void fsi_rawcd_free(fsi_rawcd *cd)
{
    if (!cd)
        return;
    for (int i = 0; i < cd->ntracks; i++) {
        src_free(&cd->tracks[i]->src);
        free(cd->tracks[i]->title);
        free(cd->tracks[i]->performer);
        free(cd->tracks[i]);
    }
    src_free(&cd->pregap_src);
    src_free(&cd->rw_src);
    free(cd->title);
    free(cd->performer);
    free(cd->cdtext);
    free(cd->last_msg);
    free(cd);
}

FSI_API fsi_hresult fsi_rawcd_last_code(const fsi_rawcd *cd)
{
    return cd ? cd->last_code : FSI_S_OK;
}

FSI_API const char *fsi_rawcd_last_error(const fsi_rawcd *cd)
{
    return cd && cd->last_msg ? cd->last_msg : "";
}

/* Every mutator starts here. */
static fsi_hresult writable(fsi_rawcd *cd)
{
    if (cd->read_only)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_IS_READ_ONLY, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

#define CHECK_CD(cd)                                                                         \
    do {                                                                                     \
        if (!(cd))                                                                           \
            return FSI_E_POINTER;                                                            \
    } while (0)

#define CHECK_WRITABLE(cd)                                                                   \
    do {                                                                                     \
        CHECK_CD(cd);                                                                        \
        fsi_hresult hr_ = writable(cd);                                                      \
        if (FSI_FAILED(hr_))                                                                 \
            return hr_;                                                                      \
    } while (0)

/* ------------------------------------------------------------------ */
/* Layout                                                              */
/* ------------------------------------------------------------------ */

int32_t rawcd_layout(fsi_rawcd *cd)
{
    int32_t lba = 0;
    uint64_t bin = 0;
    for (int i = 0; i < cd->ntracks; i++) {
        struct cd_track *t = cd->tracks[i];
        struct cd_track *prev = i ? cd->tracks[i - 1] : NULL;
        t->pregap_stored = false;
        if (!prev) {
            if (cd->pregap_len) {
                /* Hidden track one audio: LBA -150 on is the special pregap. */
                t->pregap = cd->pregap_len;
                t->pregap_stored = true;
                bin = (uint64_t)cd->pregap_len;
                lba = cd->pregap_len - 150;
            } else {
                t->pregap = 150;
                lba = 0;
            }
        } else if (cd->gapless && prev->type == FSI_CD_SECTOR_AUDIO &&
                   t->type == FSI_CD_SECTOR_AUDIO) {
            /* IMAPI's gapless audio: the previous track's last 2 s are
             * this track's index 0. */
            t->pregap = CD_GAP;
            t->pregap_stored = true;
            prev->sectors = prev->len - CD_GAP;
        } else {
            t->pregap = CD_GAP;
            lba += CD_GAP;
        }
        t->start = lba;
        t->sectors = t->len;
        t->bin_sector = bin;
        /* A data track followed by audio ends with 2 s of mode 1 zeros
         * (the Yellow Book's postgap before a change of mode). */
        t->postgap = t->type != FSI_CD_SECTOR_AUDIO && i + 1 < cd->ntracks ? CD_GAP : 0;
        lba += t->len + t->postgap;
        bin += (uint64_t)t->len + (uint64_t)t->postgap;   /* the postgap is in the BIN */
    }
    cd->leadout = lba;
    return lba;
}

/* ------------------------------------------------------------------ */
/* Sources                                                             */
/* ------------------------------------------------------------------ */

static int64_t fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

static const char *type_name(fsi_cd_sector_type t)
{
    static const char *const names[] = { "audio", "mode 0", "mode 1", "mode 2 formless",
                                         "mode 2 form 1", "mode 2 form 2", "raw mode 1",
                                         "raw mode 2 formless", "raw mode 2 form 1",
                                         "raw mode 2 form 2" };
    return (unsigned)t < 10 ? names[t] : "unknown";
}

static unsigned sector_bytes(fsi_cd_sector_type t)
{
    return t == FSI_CD_SECTOR_MODE1 ? CD_MODE1_DATA : FSI_CD_SECTOR_BYTES;
}

/* Open a host file as a source of `type`: a WAV header is read and
 * checked for audio. */
static fsi_hresult src_from_file(fsi_rawcd *cd, struct cd_src *s, fsi_cd_sector_type type,
                                 const char *path)
{
    if (!path || !*path)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "host_path", NULL, "no file named");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return rawcd_fail(cd, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, path, NULL, NULL);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
        close(fd);
        return rawcd_fail(cd, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, path, NULL,
                          e ? NULL : "not a regular file");
    }
    uint64_t off = 0, len = (uint64_t)st.st_size;
    if (type == FSI_CD_SECTOR_AUDIO) {
        struct wav_info w;
        char why[160];
        enum wav_result r = wav_parse(fd_read, &fd, len, &w, why, sizeof why);
        if (r == WAV_IO) {
            int e = errno;
            close(fd);
            return rawcd_fail(cd, IMAPI_E_DATA_STREAM_READ_FAILURE, e, path, NULL, NULL);
        }
        if (r == WAV_BAD) {
            close(fd);
            char *p = fsi_text_escape(path);
            fsi_hresult hr = rawcd_fail(cd, E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED, 0, NULL, NULL,
                                        "'%s' is %s", p ? p : "?", why);
            free(p);
            return hr;
        }
        if (r == WAV_OK) {
            off = w.data_off;
            len = w.data_len;
        } else if (len % 4) {
            close(fd);
            char *p = fsi_text_escape(path);
            fsi_hresult hr = rawcd_fail(cd, E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED, 0, NULL, NULL,
                                        "'%s' is no WAV file, and as raw 16-bit stereo PCM its "
                                        "%llu bytes are not whole samples of 4 bytes",
                                        p ? p : "?", (unsigned long long)len);
            free(p);
            return hr;
        }
    }
    close(fd);
    s->kind = CD_SRC_FILE;
    s->path = strdup(path);
    s->off = off;
    s->len = len;
    s->file_size = (uint64_t)st.st_size;
    s->fd = -1;
    if (!s->path)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

fsi_hresult rawcd_src_read(fsi_rawcd *cd, struct cd_src *s, uint64_t off, void *buf, size_t len)
{
    uint8_t *b = buf;
    size_t have = off < s->len ? (size_t)(s->len - off < len ? s->len - off : len) : 0;
    memset(b + have, 0, len - have);   /* the padding of the last sector */
    if (!have)
        return FSI_S_OK;
    switch (s->kind) {
    case CD_SRC_MEM:
        memcpy(b, (uint8_t *)s->mem + off, have);
        return FSI_S_OK;
    case CD_SRC_FILE:
        if (s->fd < 0) {
            struct stat st;
            s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
            if (s->fd < 0)
                return rawcd_fail(cd, IMAPI_E_DATA_STREAM_READ_FAILURE, errno, s->path, NULL,
                                  NULL);
            if (fstat(s->fd, &st) != 0 || (uint64_t)st.st_size != s->file_size) {
                char a[32], c[32];
                snprintf(a, sizeof a, "%llu", (unsigned long long)s->file_size);
                snprintf(c, sizeof c, "%llu", (unsigned long long)st.st_size);
                rawcd_src_close(s);
                const char *ins[3] = { s->path, a, c };
                return store(cd, IMAPI_E_DATA_STREAM_INCONSISTENCY, ins, 3, NULL, 0);
            }
        }
        /* fall through */
    case CD_SRC_CB: {
        size_t got = 0;
        while (got < have) {
            int64_t n = s->kind == CD_SRC_FILE
                            ? fd_read(&s->fd, s->off + off + got, b + got, have - got)
                            : s->read(s->ctx, off + got, b + got, have - got);
            if (n <= 0) {
                int e = n < 0 ? errno : 0;
                return rawcd_fail(cd, IMAPI_E_DATA_STREAM_READ_FAILURE, e,
                                  s->path ? s->path : "(callback)", NULL,
                                  n == 0 ? "it ended early" : NULL);
            }
            got += (size_t)n;
        }
        return FSI_S_OK;
    }
    default:
        return FSI_S_OK;
    }
}

/* ------------------------------------------------------------------ */
/* Tracks                                                              */
/* ------------------------------------------------------------------ */

static fsi_hresult check_type(fsi_rawcd *cd, fsi_cd_sector_type type)
{
    if (type == FSI_CD_SECTOR_AUDIO)
        return FSI_S_OK;
    if (type != FSI_CD_SECTOR_MODE1)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, 0, NULL, NULL,
                          "%s tracks (type %d) are not supported: only audio and mode 1",
                          type_name(type), (int)type);
    if (cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, 0, NULL, NULL,
                          "a mode 1 track can only be the first track (a mixed-mode disc: "
                          "data, then audio)");
    if (cd->first != 1)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, 0, NULL, NULL,
                          "the starting track number is %d: only a pure audio disc can start "
                          "at another number than 1", cd->first);
    if (cd->pregap_len)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, 0, NULL, NULL,
                          "a special pregap (hidden track one audio) makes the disc an audio "
                          "disc: its first track cannot be data");
    return FSI_S_OK;
}

/* Checks that need the length; then the track is added (it owns s). */
static fsi_hresult add_track(fsi_rawcd *cd, fsi_cd_sector_type type, struct cd_src *s,
                             int *track_index)
{
    unsigned bs = sector_bytes(type);
    uint64_t sectors = (s->len + bs - 1) / bs;
    if (cd->first + cd->ntracks > CD_MAX_TRACKS)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS, 0, NULL, NULL,
                          "the disc has %d tracks, numbered %d to %d", cd->ntracks, cd->first,
                          cd->first + cd->ntracks - 1);
    if (sectors < CD_MIN_TRACK) {
        char *p = s->path ? fsi_text_escape(s->path) : NULL;
        fsi_hresult hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "data", NULL,
                                    "a track must be at least 4 seconds (300 sectors); %s%s%s"
                                    "holds %llu sectors of %u bytes",
                                    p ? "'" : "", p ? p : "", p ? "' " : "",
                                    (unsigned long long)sectors, bs);
        free(p);
        return hr;
    }
    struct cd_track *t = calloc(1, sizeof *t);
    if (!t)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    t->type = type;
    t->len = sectors > (uint64_t)INT32_MAX / 2 ? INT32_MAX / 2 : (int32_t)sectors;
    t->nidx = 1;
    t->copy = FSI_CD_COPY_PERMITTED;
    cd->tracks[cd->ntracks++] = t;
    int32_t leadout = rawcd_layout(cd);
    if (leadout > cd->limit) {
        cd->ntracks--;
        free(t);
        rawcd_layout(cd);
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, 0, NULL, NULL,
                          "the lead-out would start at LBA %ld, the limit is LBA %ld "
                          "(%lld sectors too many)",
                          (long)leadout, (long)cd->limit, (long long)leadout - cd->limit);
    }
    t->src = *s;
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (track_index)
        *track_index = cd->ntracks;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_add_track_file(fsi_rawcd *cd, fsi_cd_sector_type type,
                                             const char *host_path, int *track_index)
{
    CHECK_WRITABLE(cd);
    fsi_hresult hr = check_type(cd, type);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .fd = -1 };
    hr = src_from_file(cd, &s, type, host_path);
    if (FSI_SUCCEEDED(hr))
        hr = add_track(cd, type, &s, track_index);
    src_free(&s);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_add_track_mem(fsi_rawcd *cd, fsi_cd_sector_type type,
                                            const void *data, size_t len, int *track_index)
{
    CHECK_WRITABLE(cd);
    if (!data && len)
        return FSI_E_POINTER;
    fsi_hresult hr = check_type(cd, type);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .kind = CD_SRC_MEM, .fd = -1, .len = len };
    s.mem = malloc(len ? len : 1);
    if (!s.mem)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    if (len)
        memcpy(s.mem, data, len);
    hr = add_track(cd, type, &s, track_index);
    src_free(&s);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_add_track_cb(fsi_rawcd *cd, fsi_cd_sector_type type,
                                           uint64_t size, fsi_read_fn read, void *ctx,
                                           void (*free_ctx)(void *ctx), int *track_index)
{
    CHECK_WRITABLE(cd);
    if (!read)
        return FSI_E_POINTER;
    fsi_hresult hr = check_type(cd, type);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .kind = CD_SRC_CB, .fd = -1, .len = size, .read = read, .ctx = ctx };
    hr = add_track(cd, type, &s, track_index);
    if (FSI_SUCCEEDED(hr))
        cd->tracks[cd->ntracks - 1]->src.free_ctx = free_ctx;
    return hr;
}

/* ------------------------------------------------------------------ */
/* Special pregap                                                      */
/* ------------------------------------------------------------------ */

static fsi_hresult pregap_precheck(fsi_rawcd *cd)
{
    if (cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED, 0, NULL, NULL,
                          "a special pregap goes before track 1: add it first");
    if (cd->pregap_len)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "special pregap", NULL,
                          "the disc already has one");
    return FSI_S_OK;
}

static fsi_hresult add_pregap(fsi_rawcd *cd, struct cd_src *s)
{
    uint64_t sectors = (s->len + FSI_CD_SECTOR_BYTES - 1) / FSI_CD_SECTOR_BYTES;
    if (sectors < CD_MIN_PREGAP)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "special pregap", NULL,
                          "it must be at least 2 seconds (150 sectors), not %llu",
                          (unsigned long long)sectors);
    /* Its end plus the shortest first track must fit under the limit. */
    if ((int64_t)sectors - 150 + CD_MIN_TRACK > cd->limit)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, 0, NULL, NULL,
                          "a special pregap of %llu sectors leaves no room for a track under "
                          "the limit LBA %ld",
                          (unsigned long long)sectors, (long)cd->limit);
    cd->pregap_src = *s;
    cd->pregap_len = (int32_t)sectors;
    memset(s, 0, sizeof *s);
    s->fd = -1;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_add_special_pregap_file(fsi_rawcd *cd, const char *host_path)
{
    CHECK_WRITABLE(cd);
    fsi_hresult hr = pregap_precheck(cd);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .fd = -1 };
    hr = src_from_file(cd, &s, FSI_CD_SECTOR_AUDIO, host_path);
    if (FSI_SUCCEEDED(hr))
        hr = add_pregap(cd, &s);
    src_free(&s);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_add_special_pregap_mem(fsi_rawcd *cd, const void *data, size_t len)
{
    CHECK_WRITABLE(cd);
    if (!data && len)
        return FSI_E_POINTER;
    fsi_hresult hr = pregap_precheck(cd);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .kind = CD_SRC_MEM, .fd = -1, .len = len };
    s.mem = malloc(len ? len : 1);
    if (!s.mem)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    if (len)
        memcpy(s.mem, data, len);
    hr = add_pregap(cd, &s);
    src_free(&s);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_add_special_pregap_cb(fsi_rawcd *cd, uint64_t size,
                                                    fsi_read_fn read, void *ctx,
                                                    void (*free_ctx)(void *ctx))
{
    CHECK_WRITABLE(cd);
    if (!read)
        return FSI_E_POINTER;
    fsi_hresult hr = pregap_precheck(cd);
    if (FSI_FAILED(hr))
        return hr;
    struct cd_src s = { .kind = CD_SRC_CB, .fd = -1, .len = size, .read = read, .ctx = ctx };
    hr = add_pregap(cd, &s);
    if (FSI_SUCCEEDED(hr))
        cd->pregap_src.free_ctx = free_ctx;
    return hr;
}

/* ------------------------------------------------------------------ */
/* Disc properties                                                     */
/* ------------------------------------------------------------------ */

FSI_API fsi_hresult fsi_rawcd_set_subcode_rw_cb(fsi_rawcd *cd, fsi_read_fn read, void *ctx,
                                                void (*free_ctx)(void *ctx))
{
    CHECK_WRITABLE(cd);
    if (!read)
        return FSI_E_POINTER;
    if (cd->image_type == FSI_RAWCD_SUBCODE_PQ_ONLY)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "subcode", NULL,
                          "the image type is P-Q only: it has no R-W subcode");
    src_free(&cd->rw_src);
    cd->rw_src.kind = CD_SRC_CB;
    cd->rw_src.read = read;
    cd->rw_src.ctx = ctx;
    cd->rw_src.free_ctx = free_ctx;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_set_image_type(fsi_rawcd *cd, fsi_rawcd_subcode type)
{
    CHECK_WRITABLE(cd);
    if (type < FSI_RAWCD_SUBCODE_PQ_ONLY || type > FSI_RAWCD_SUBCODE_IS_RAW)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "image type", NULL,
                          "%d is not 1 (P-Q only), 2 (cooked) or 3 (raw)", (int)type);
    if (type == FSI_RAWCD_SUBCODE_PQ_ONLY && cd->rw_src.kind != CD_SRC_NONE)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "image type", NULL,
                          "an R-W subcode generator was added: P-Q only would drop it");
    cd->image_type = type;
    return FSI_S_OK;
}

FSI_API fsi_rawcd_subcode fsi_rawcd_get_image_type(const fsi_rawcd *cd)
{
    return cd ? cd->image_type : FSI_RAWCD_SUBCODE_IS_COOKED;
}

static fsi_hresult need_tracks(fsi_rawcd *cd)
{
    if (!cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_NO_TRACKS, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_start_of_leadout(fsi_rawcd *cd, int32_t *lba)
{
    CHECK_CD(cd);
    fsi_hresult hr = need_tracks(cd);
    if (FSI_FAILED(hr))
        return hr;
    if (lba)
        *lba = rawcd_layout(cd);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_set_leadout_limit(fsi_rawcd *cd, int32_t lba)
{
    CHECK_WRITABLE(cd);
    if (lba < CD_MIN_TRACK || lba > CD_MAX_LEADOUT_LIMIT)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "start of lead-out limit", NULL,
                          "LBA %ld is outside 300..%d", (long)lba, CD_MAX_LEADOUT_LIMIT);
    int32_t need = cd->ntracks ? rawcd_layout(cd) : cd->pregap_len ? cd->pregap_len - 150 : 0;
    if (need > lba)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE, 0, NULL, NULL,
                          "the tracks already added reach LBA %ld, past the new limit LBA %ld",
                          (long)need, (long)lba);
    cd->limit = lba;
    return FSI_S_OK;
}

FSI_API int32_t fsi_rawcd_get_leadout_limit(const fsi_rawcd *cd)
{
    return cd ? cd->limit : 0;
}

FSI_API fsi_hresult fsi_rawcd_set_media_minutes(fsi_rawcd *cd, int minutes)
{
    CHECK_WRITABLE(cd);
    switch (minutes) {
    case 74:
    case 80:
    case 90:
        return fsi_rawcd_set_leadout_limit(cd, minutes * 4500 - 151);
    case 99:
        return fsi_rawcd_set_leadout_limit(cd, CD_MAX_LEADOUT_LIMIT);
    default:
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "media", NULL,
                          "%d minutes: CD-R media of 74, 80, 90 or 99 minutes are known", minutes);
    }
}

FSI_API fsi_hresult fsi_rawcd_set_gapless(fsi_rawcd *cd, bool gapless)
{
    CHECK_WRITABLE(cd);
    if (cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED, 0, NULL, NULL,
                          "gapless audio changes where every track starts: set it first");
    cd->gapless = gapless;
    return FSI_S_OK;
}

FSI_API bool fsi_rawcd_get_gapless(const fsi_rawcd *cd)
{
    return cd && cd->gapless;
}

FSI_API fsi_hresult fsi_rawcd_set_mcn(fsi_rawcd *cd, const char *mcn)
{
    CHECK_WRITABLE(cd);
    if (!mcn || !*mcn) {
        cd->mcn[0] = '\0';
        return FSI_S_OK;
    }
    size_t n = strlen(mcn);
    bool digits = n <= 13;
    for (size_t i = 0; digits && i < n; i++)
        digits = mcn[i] >= '0' && mcn[i] <= '9';
    char *p = fsi_text_escape(mcn);
    fsi_hresult hr = FSI_S_OK;
    if (!digits) {
        hr = rawcd_fail(cd, E_IMAPI_DF2TAO_INVALID_MCN, 0, NULL, NULL,
                        "'%s' is not 13 digits (leading zeros may be left out)", p ? p : "?");
    } else {
        char d[14];
        memset(d, '0', 13 - n);
        memcpy(d + 13 - n, mcn, n + 1);
        /* EAN-13: weights 1,3,1,3... on the first 12 digits. */
        unsigned sum = 0;
        for (int i = 0; i < 12; i++)
            sum += (unsigned)(d[i] - '0') * (i % 2 ? 3 : 1);
        unsigned check = (10 - sum % 10) % 10;
        if ((unsigned)(d[12] - '0') != check)
            hr = rawcd_fail(cd, E_IMAPI_DF2TAO_INVALID_MCN, 0, NULL, NULL,
                            "'%s': its check digit is %c, the first 12 digits %.12s make it %u",
                            p ? p : "?", d[12], d, check);
        else
            memcpy(cd->mcn, d, 14);
    }
    free(p);
    return hr;
}

FSI_API const char *fsi_rawcd_get_mcn(const fsi_rawcd *cd)
{
    return cd && cd->mcn[0] ? cd->mcn : NULL;
}

FSI_API fsi_hresult fsi_rawcd_set_first_track_number(fsi_rawcd *cd, int number)
{
    CHECK_WRITABLE(cd);
    if (number < 1 || number > CD_MAX_TRACKS)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "starting track number", NULL,
                          "%d is outside 1..99", number);
    if (cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED, 0, NULL, NULL,
                          "the starting track number is set before any track is added");
    cd->first = number;
    return FSI_S_OK;
}

FSI_API int fsi_rawcd_get_first_track_number(const fsi_rawcd *cd)
{
    return cd ? cd->first : 1;
}

FSI_API int fsi_rawcd_track_count(const fsi_rawcd *cd)
{
    return cd ? cd->ntracks : 0;
}

FSI_API fsi_hresult fsi_rawcd_last_used_sector(fsi_rawcd *cd, int32_t *lba)
{
    CHECK_CD(cd);
    fsi_hresult hr = need_tracks(cd);
    if (FSI_FAILED(hr))
        return hr;
    rawcd_layout(cd);
    const struct cd_track *t = cd->tracks[cd->ntracks - 1];
    if (lba)
        *lba = t->start + t->len - 1;
    return FSI_S_OK;
}

uint8_t rawcd_control(const struct cd_track *t)
{
    if (t->type != FSI_CD_SECTOR_AUDIO)
        return CD_CTL_DATA;
    return (uint8_t)((t->copy == FSI_CD_COPY_PERMITTED ? CD_CTL_COPY : 0) |
                     (t->pre_emphasis ? CD_CTL_PREEMPH : 0));
}

FSI_API fsi_hresult fsi_rawcd_toc(fsi_rawcd *cd, fsi_cd_toc_entry *entries, size_t max,
                                  size_t *count)
{
    CHECK_CD(cd);
    fsi_hresult hr = need_tracks(cd);
    if (FSI_FAILED(hr))
        return hr;
    int32_t leadout = rawcd_layout(cd);
    size_t n = (size_t)cd->ntracks + 1;
    if (count)
        *count = n;
    for (size_t i = 0; i < n && i < max && entries; i++) {
        fsi_cd_toc_entry *e = &entries[i];
        const struct cd_track *t = cd->tracks[i < (size_t)cd->ntracks ? i : n - 2];
        memset(e, 0, sizeof *e);
        e->adr = 1;
        e->control = rawcd_control(t);
        e->track = i + 1 < n ? (uint8_t)(cd->first + (int)i) : CD_TRACK_LEADOUT;
        e->lba = i + 1 < n ? t->start : leadout;
        cd_lba_to_msf(e->lba, &e->msf[0], &e->msf[1], &e->msf[2]);
    }
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* Track information                                                   */
/* ------------------------------------------------------------------ */

static struct cd_track *track_at(fsi_rawcd *cd, int index, fsi_hresult *hr)
{
    if (index < 1 || index > cd->ntracks) {
        *hr = cd->ntracks ? rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "track index", NULL,
                                       "%d is not a track index of this disc (1..%d)", index,
                                       cd->ntracks)
                          : rawcd_fail(cd, E_IMAPI_RAW_IMAGE_NO_TRACKS, 0, NULL, NULL, NULL);
        return NULL;
    }
    *hr = FSI_S_OK;
    return cd->tracks[index - 1];
}

#define TRACK_OR_FAIL(t, cd, index)                                                          \
    fsi_hresult hr_t;                                                                        \
    struct cd_track *t = track_at(cd, index, &hr_t);                                         \
    if (!t)                                                                                  \
        return hr_t

FSI_API fsi_hresult fsi_rawcd_track_info(fsi_rawcd *cd, int track_index, fsi_cd_track_info *info)
{
    CHECK_CD(cd);
    if (!info)
        return FSI_E_POINTER;
    TRACK_OR_FAIL(t, cd, track_index);
    rawcd_layout(cd);
    memset(info, 0, sizeof *info);
    info->start_lba = t->start;
    info->sectors = t->sectors;
    info->number = cd->first + track_index - 1;
    info->type = t->type;
    info->copy = t->copy;
    info->pre_emphasis = t->pre_emphasis;
    if (t->isrc[0])
        snprintf(info->isrc, sizeof info->isrc, "%.2s-%.3s-%.2s-%.5s", t->isrc, t->isrc + 2,
                 t->isrc + 5, t->isrc + 7);
    info->pregap = t->pregap;
    info->postgap = t->postgap;
    info->nindexes = t->nidx;
    return FSI_S_OK;
}

static fsi_hresult audio_only(fsi_rawcd *cd, const struct cd_track *t, const char *what)
{
    if (t->type != FSI_CD_SECTOR_AUDIO)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED, 0, NULL, NULL,
                          "%s is for audio tracks; this one is %s", what, type_name(t->type));
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_track_set_isrc(fsi_rawcd *cd, int track_index, const char *isrc)
{
    CHECK_WRITABLE(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    fsi_hresult hr = audio_only(cd, t, "an ISRC");
    if (FSI_FAILED(hr))
        return hr;
    if (!isrc || !*isrc) {
        t->isrc[0] = '\0';
        return FSI_S_OK;
    }
    /* CC-XXX-YY-NNNNN: dashes optional, only where they belong. */
    char c[13];
    size_t n = 0;
    bool ok = true;
    for (const char *p = isrc; *p && ok; p++) {
        if (*p == '-') {
            ok = (n == 2 || n == 5 || n == 7) && p > isrc && p[-1] != '-';
            continue;
        }
        if (n >= 12) {
            ok = false;
            break;
        }
        char ch = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        bool digit = ch >= '0' && ch <= '9', letter = ch >= 'A' && ch <= 'Z';
        ok = n < 2 ? letter : n < 5 ? digit || letter : digit;
        c[n++] = ch;
    }
    if (!ok || n != 12) {
        char *p = fsi_text_escape(isrc);
        hr = rawcd_fail(cd, E_IMAPI_DF2TAO_INVALID_ISRC, 0, NULL, NULL,
                        "'%s' is not CC-XXX-YY-NNNNN (country: 2 letters, owner: 3 letters or "
                        "digits, year: 2 digits, serial: 5 digits; the dashes may be left out)",
                        p ? p : "?");
        free(p);
        return hr;
    }
    c[12] = '\0';
    memcpy(t->isrc, c, 13);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_track_set_copy(fsi_rawcd *cd, int track_index, fsi_cd_copy copy)
{
    CHECK_WRITABLE(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    fsi_hresult hr = audio_only(cd, t, "the digital copy setting");
    if (FSI_FAILED(hr))
        return hr;
    if (copy < FSI_CD_COPY_PERMITTED || copy > FSI_CD_COPY_SCMS)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "digital copy setting", NULL,
                          "%d is not 0 (permitted), 1 (prohibited) or 2 (SCMS)", (int)copy);
    t->copy = copy;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_track_set_pre_emphasis(fsi_rawcd *cd, int track_index, bool on)
{
    CHECK_WRITABLE(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    fsi_hresult hr = audio_only(cd, t, "pre-emphasis");
    if (FSI_FAILED(hr))
        return hr;
    t->pre_emphasis = on;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_track_add_index(fsi_rawcd *cd, int track_index, int32_t offset)
{
    CHECK_WRITABLE(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    rawcd_layout(cd);
    if (offset < 0 || offset >= t->sectors)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "index offset", NULL,
                          "offset %ld is outside the track's %ld sectors", (long)offset,
                          (long)t->sectors);
    uint32_t at = 0;
    while (at < t->nidx && t->idx[at] < offset)
        at++;
    if (at < t->nidx && t->idx[at] == offset) {
        cd->last_code = S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS;
        return S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS;
    }
    if (t->nidx >= CD_MAX_INDEXES)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES, 0, NULL, NULL,
                          "track %d has 99 already", cd->first + track_index - 1);
    int32_t before = t->idx[at - 1];   /* at >= 1: idx[0] = 0 < offset */
    int32_t after = at < t->nidx ? t->idx[at] : t->sectors;
    if (offset - before < CD_INDEX_MIN_GAP || after - offset < CD_INDEX_MIN_GAP)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX, 0, NULL,
                          NULL, "offset %ld is %ld sectors from %s", (long)offset,
                          (long)(offset - before < CD_INDEX_MIN_GAP ? offset - before
                                                                   : after - offset),
                          offset - before < CD_INDEX_MIN_GAP ? "the index before it"
                          : at < t->nidx ? "the index after it" : "the end of the track");
    memmove(&t->idx[at + 1], &t->idx[at], (t->nidx - at) * sizeof t->idx[0]);
    t->idx[at] = offset;
    t->nidx++;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_track_clear_index(fsi_rawcd *cd, int track_index, int32_t offset)
{
    CHECK_WRITABLE(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    if (offset == 0)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED, 0,
                          NULL, NULL, NULL);
    for (uint32_t i = 1; i < t->nidx; i++)
        if (t->idx[i] == offset) {
            memmove(&t->idx[i], &t->idx[i + 1], (t->nidx - i - 1) * sizeof t->idx[0]);
            t->nidx--;
            return FSI_S_OK;
        }
    return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND, 0, NULL, NULL,
                      "track %d has no index at offset %ld", cd->first + track_index - 1,
                      (long)offset);
}

FSI_API fsi_hresult fsi_rawcd_track_indexes(fsi_rawcd *cd, int track_index, int32_t *offsets,
                                            size_t max, size_t *count)
{
    CHECK_CD(cd);
    TRACK_OR_FAIL(t, cd, track_index);
    if (count)
        *count = t->nidx;
    for (uint32_t i = 0; offsets && i < t->nidx && i < max; i++)
        offsets[i] = t->idx[i];
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* CD-Text                                                             */
/* ------------------------------------------------------------------ */

/* The text must be representable in ISO 8859-1 (CD-Text's character
 * code 0x00), without control characters. */
static bool latin1_ok(const char *s, size_t *bytes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            p++;
        } else if ((c & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            c = (c & 0x1F) << 6 | (p[1] & 0x3F);
            if (c < 0xA0)
                return false;
            p += 2;
        } else {
            return false;
        }
        n++;
    }
    *bytes = n;
    return true;
}

static fsi_hresult set_text(fsi_rawcd *cd, char **field, const char *text, const char *what)
{
    if (!text)
        return FSI_S_OK;
    size_t n;
    if (!latin1_ok(text, &n) || n > CD_TEXT_MAX) {
        char *p = fsi_text_escape(text);
        fsi_hresult hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, what, NULL,
                                    "'%s': CD-Text holds at most %d characters of ISO 8859-1, "
                                    "no control characters", p ? p : "?", CD_TEXT_MAX);
        free(p);
        return hr;
    }
    char *copy = *text ? strdup(text) : NULL;
    if (*text && !copy)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    free(*field);
    *field = copy;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_set_cdtext(fsi_rawcd *cd, int track_index, const char *title,
                                         const char *performer)
{
    CHECK_WRITABLE(cd);
    char **ft = &cd->title, **fp = &cd->performer;
    if (track_index) {
        TRACK_OR_FAIL(t, cd, track_index);
        ft = &t->title;
        fp = &t->performer;
    }
    /* Check both before changing either. */
    size_t n;
    if (title && (!latin1_ok(title, &n) || n > CD_TEXT_MAX))
        return set_text(cd, ft, title, "title");
    fsi_hresult hr = set_text(cd, fp, performer, "performer");
    if (FSI_FAILED(hr))
        return hr;
    return set_text(cd, ft, title, "title");
}

FSI_API const char *fsi_rawcd_get_cdtext(const fsi_rawcd *cd, int track_index, bool performer)
{
    if (!cd || track_index < 0 || track_index > cd->ntracks)
        return NULL;
    if (!track_index)
        return performer ? cd->performer : cd->title;
    const struct cd_track *t = cd->tracks[track_index - 1];
    return performer ? t->performer : t->title;
}
