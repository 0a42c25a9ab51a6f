/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rawcd_out.c - what a raw CD image object produces: its sectors (main
 * channel and P-W subcode), the BIN and its cue sheet, the cdrdao TOC file
 * with its big-endian data file, IMAPI's raw stream, and the writing of
 * them all or none.
 *
 * Subcode of the raw stream (decisions where the standards leave room):
 *  - P is 1 in every index 0 sector (pregaps, the special pregap), 0 in
 *    the lead-in and in index 1 and up; in the lead-out it alternates at
 *    2 Hz starting with 1 (Red Book).
 *  - Q in the lead-in cycles through the TOC: A0, A1, A2, then the tracks,
 *    each entry in 3 consecutive sectors.  Elsewhere it is the position
 *    (ADR 1), except in sectors (LBA + 150) % 100 == 25, which carry the
 *    MCN (ADR 2) when there is one, and (LBA + 150) % 100 == 75 inside a
 *    track's index 1 and up, which carry its ISRC (ADR 3): once in 100
 *    sectors each, as Red Book asks at least.  SCMS tracks alternate the
 *    copy bit every 4 sectors.
 *  - R-W: the caller's generator, else the CD-Text packs in the lead-in.
 */
#include "config.h"
#include "rawcd.h"
#include "cdtext.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 64   /* sectors read and written at a time */

static fsi_hresult out_fail(fsi_rawcd *cd, int err, const char *what)
{
    return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, err, "output", NULL, "cannot write %s", what);
}

static fsi_hresult write_all(fsi_rawcd *cd, int fd, const void *buf, size_t len, const char *what)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return out_fail(cd, n < 0 ? errno : ENOSPC, what);
        p += n;
        len -= (size_t)n;
    }
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* The result                                                          */
/* ------------------------------------------------------------------ */

/* UTF-8 (checked by set_cdtext: Latin-1 only) to ISO 8859-1. */
static char *to_latin1(const char *s)
{
    if (!s)
        return NULL;
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            *o++ = (char)*p;
        } else {   /* a two-byte sequence of U+00A0..U+00FF */
            *o++ = (char)(((*p & 0x1F) << 6) | (p[1] & 0x3F));
            p++;
        }
    }
    *o = '\0';
    return out;
}

static bool any_text(const fsi_rawcd *cd)
{
    if (cd->title || cd->performer)
        return true;
    for (int i = 0; i < cd->ntracks; i++)
        if (cd->tracks[i]->title || cd->tracks[i]->performer)
            return true;
    return false;
}

static fsi_hresult build_cdtext(fsi_rawcd *cd)
{
    if (!any_text(cd))
        return FSI_S_OK;
    size_t n = (size_t)cd->ntracks + 1;
    char **t = calloc(n, sizeof *t), **p = calloc(n, sizeof *p);
    fsi_hresult hr = FSI_S_OK;
    if (!t || !p) {
        hr = rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *ti = i ? cd->tracks[i - 1]->title : cd->title;
        const char *pi = i ? cd->tracks[i - 1]->performer : cd->performer;
        t[i] = to_latin1(ti ? ti : "");
        p[i] = to_latin1(pi ? pi : "");
        if (!t[i] || !p[i]) {
            hr = rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
            goto out;
        }
    }
    struct cdtext_in in = { (unsigned)cd->first, (unsigned)(cd->first + cd->ntracks - 1),
                            (const char *const *)t, (const char *const *)p };
    cd->cdtext_len = cdtext_build(&in, &cd->cdtext);
    if (!cd->cdtext_len)
        hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "CD-Text", NULL,
                        "the titles and performers do not fit in one CD-Text block "
                        "(%d packs, about 3000 characters)", CDTEXT_MAX_PACKS);
out:
    for (size_t i = 0; i < n; i++) {
        if (t)
            free(t[i]);
        if (p)
            free(p[i]);
    }
    free(t);
    free(p);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_create_result(fsi_rawcd *cd)
{
    if (!cd)
        return FSI_E_POINTER;
    if (cd->read_only)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_IS_READ_ONLY, 0, NULL, NULL,
                          "its result was already made");
    if (!cd->ntracks)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_NO_TRACKS, 0, NULL, NULL, NULL);
    rawcd_layout(cd);
    /* Gapless audio shortens a track by its successor's pregap: an index
     * may now lie too near its end. */
    for (int i = 0; i < cd->ntracks; i++) {
        const struct cd_track *t = cd->tracks[i];
        if (t->nidx > 1 && t->sectors - t->idx[t->nidx - 1] < CD_INDEX_MIN_GAP)
            return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX, 0,
                              NULL, NULL,
                              "track %d's index at offset %ld is not 10 sectors before the "
                              "track's end at %ld (the next track's gapless pregap took its "
                              "last 150)",
                              cd->first + i, (long)t->idx[t->nidx - 1], (long)t->sectors);
    }
    free(cd->cdtext);
    cd->cdtext = NULL;
    cd->cdtext_len = 0;
    fsi_hresult hr = build_cdtext(cd);
    if (FSI_FAILED(hr))
        return hr;
    /* Raw R-W is interleaved with its own Reed-Solomon parity, which our
     * CD-Text packs do not get: refused rather than written wrong. */
    if (cd->image_type == FSI_RAWCD_SUBCODE_IS_RAW && cd->cdtext_len)
        return rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "image type", NULL,
                          "CD-Text is written in cooked R-W subcode only (IS_COOKED), not "
                          "interleaved as the raw type wants");
    cd->read_only = true;
    return FSI_S_OK;
}

static fsi_hresult need_result(fsi_rawcd *cd)
{
    if (!cd->read_only)
        return rawcd_fail(cd, E_IMAPI_RAW_IMAGE_NO_TRACKS, 0, NULL, NULL,
                          cd->ntracks ? "the result is not made yet (fsi_rawcd_create_result)"
                                      : NULL);
    return FSI_S_OK;
}

FSI_API int64_t fsi_rawcd_raw_sectors(const fsi_rawcd *cd)
{
    if (!cd || !cd->ntracks)
        return 0;
    return (int64_t)cd->leadout + FSI_CD_LEADOUT_SECTORS - FSI_CD_RAW_FIRST_LBA;
}

/* ------------------------------------------------------------------ */
/* Sectors                                                             */
/* ------------------------------------------------------------------ */

/* Where lba lies: in track ti (-1 the lead-in, ntracks the lead-out),
 * with its index (0 in a pregap) and position relative to index 1. */
struct where {
    int ti;
    unsigned index;
    int32_t rel;
};

static struct where locate(const fsi_rawcd *cd, int32_t lba)
{
    struct where w = { -1, 0, 0 };
    if (lba < -150)
        return w;
    if (lba >= cd->leadout) {
        w.ti = cd->ntracks;
        w.index = 1;
        w.rel = lba - cd->leadout;
        return w;
    }
    int i = cd->ntracks - 1;
    while (i > 0 && lba < cd->tracks[i]->start - cd->tracks[i]->pregap)
        i--;
    const struct cd_track *t = cd->tracks[i];
    w.ti = i;
    w.rel = lba - t->start;
    if (w.rel < 0)
        return w;
    w.index = 1;
    while (w.index < t->nidx && t->idx[w.index] <= w.rel)
        w.index++;
    return w;
}

/* The main channel of lba. */
static fsi_hresult main_channel(fsi_rawcd *cd, int32_t lba, const struct where *w, uint8_t *out)
{
    if (cd->pregap_len && lba >= -150 && lba < cd->pregap_len - 150)
        return rawcd_src_read(cd, &cd->pregap_src, (uint64_t)(lba + 150) * FSI_CD_SECTOR_BYTES,
                              out, FSI_CD_SECTOR_BYTES);
    /* The track whose data covers lba: w's, or in a gapless pregap the one before. */
    int ti = w->ti;
    for (int j = ti; j >= 0 && j >= ti - 1 && j < cd->ntracks; j--) {
        struct cd_track *t = cd->tracks[j];
        if (lba >= t->start && lba < t->start + t->len) {
            uint64_t s = (uint64_t)(lba - t->start);
            if (t->type == FSI_CD_SECTOR_AUDIO)
                return rawcd_src_read(cd, &t->src, s * FSI_CD_SECTOR_BYTES, out,
                                      FSI_CD_SECTOR_BYTES);
            fsi_hresult hr = rawcd_src_read(cd, &t->src, s * CD_MODE1_DATA, out + 16,
                                            CD_MODE1_DATA);
            if (FSI_SUCCEEDED(hr))
                cd_mode1_encode(out, out + 16, lba);
            return hr;
        }
    }
    /* Silence, or mode 1 zeros in and around a data track. */
    const struct cd_track *t = cd->tracks[ti < 0 ? 0 : ti >= cd->ntracks ? cd->ntracks - 1 : ti];
    bool data = t->type != FSI_CD_SECTOR_AUDIO && (w->index > 0 || ti <= 0);
    if (data)
        cd_mode1_zero(out, lba);
    else
        memset(out, 0, FSI_CD_SECTOR_BYTES);
    return FSI_S_OK;
}

static void lead_in_q(const fsi_rawcd *cd, int32_t lba, uint8_t q[CD_Q_BYTES])
{
    int n = cd->ntracks + 3;
    int e = (int)(((int64_t)lba - FSI_CD_RAW_FIRST_LBA) / 3 % n);
    const struct cd_track *first = cd->tracks[0], *last = cd->tracks[cd->ntracks - 1];
    uint8_t m, s, f;
    switch (e) {
    case 0:
        cd_q_toc(q, rawcd_control(first), CD_POINT_FIRST, lba, (unsigned)cd->first, 0x00, 0);
        break;
    case 1:
        cd_q_toc(q, rawcd_control(last), CD_POINT_LAST, lba,
                 (unsigned)(cd->first + cd->ntracks - 1), 0, 0);
        break;
    case 2:
        cd_lba_to_msf(cd->leadout, &m, &s, &f);
        cd_q_toc(q, rawcd_control(last), CD_POINT_LEADOUT, lba, m, s, f);
        break;
    default: {
        const struct cd_track *t = cd->tracks[e - 3];
        cd_lba_to_msf(t->start, &m, &s, &f);
        cd_q_toc(q, rawcd_control(t), (uint8_t)(cd->first + e - 3), lba, m, s, f);
    }
    }
}

/* One sector of the raw stream: 2352 bytes of main channel, 96 of P-W. */
static fsi_hresult raw_sector(fsi_rawcd *cd, int32_t lba, uint8_t out[FSI_CD_RAW_SECTOR_BYTES])
{
    struct where w = locate(cd, lba);
    fsi_hresult hr = main_channel(cd, lba, &w, out);
    if (FSI_FAILED(hr))
        return hr;

    uint8_t q[CD_Q_BYTES];
    bool p;
    if (w.ti < 0) {
        lead_in_q(cd, lba, q);
        p = false;
    } else if (w.ti >= cd->ntracks) {
        const struct cd_track *last = cd->tracks[cd->ntracks - 1];
        cd_q_position(q, rawcd_control(last), CD_TRACK_LEADOUT, 1, w.rel, lba);
        p = (w.rel * 4 / 75) % 2 == 0;
    } else {
        const struct cd_track *t = cd->tracks[w.ti];
        uint8_t ctl = rawcd_control(t);
        if (t->copy == FSI_CD_COPY_SCMS && ((lba + 150) / 4) % 2)
            ctl |= CD_CTL_COPY;
        int phase = (lba + 150) % 100;
        if (phase == 25 && cd->mcn[0])
            cd_q_mcn(q, ctl, cd->mcn, lba);
        else if (phase == 75 && t->isrc[0] && w.index > 0)
            cd_q_isrc(q, ctl, t->isrc, lba);
        else
            cd_q_position(q, ctl, (unsigned)(cd->first + w.ti), w.index, w.rel, lba);
        p = w.index == 0;
    }

    uint8_t rwbuf[CD_SUBCODE_BYTES];
    const uint8_t *rw = NULL;
    if (cd->image_type != FSI_RAWCD_SUBCODE_PQ_ONLY) {
        uint64_t n = (uint64_t)((int64_t)lba - FSI_CD_RAW_FIRST_LBA);
        if (cd->rw_src.kind != CD_SRC_NONE) {
            struct cd_src *s = &cd->rw_src;
            s->len = UINT64_MAX;   /* a generator has no size: it must keep up */
            hr = rawcd_src_read(cd, s, n * CD_SUBCODE_BYTES, rwbuf, sizeof rwbuf);
            if (FSI_FAILED(hr))
                return hr;
            for (size_t i = 0; i < sizeof rwbuf; i++)
                if (rwbuf[i] & 0xC0)
                    return rawcd_fail(cd, IMAPI_E_DATA_STREAM_INCONSISTENCY, 0, "(R-W subcode)",
                                      "0", "byte %zu of sector LBA %ld has its P or Q bit set "
                                      "(the two high bits of R-W bytes must be zero)",
                                      i, (long)lba);
            rw = rwbuf;
        } else if (cd->cdtext_len && w.ti < 0) {
            cdtext_rw(rwbuf, cd->cdtext, cd->cdtext_len, n);
            rw = rwbuf;
        }
    }
    cd_pw_build(out + FSI_CD_SECTOR_BYTES, p, q, rw);
    return FSI_S_OK;
}

static void close_sources(fsi_rawcd *cd)
{
    for (int i = 0; i < cd->ntracks; i++)
        rawcd_src_close(&cd->tracks[i]->src);
    rawcd_src_close(&cd->pregap_src);
}

FSI_API int64_t fsi_rawcd_read_raw(fsi_rawcd *cd, uint64_t offset, void *buf, size_t len)
{
    if (!cd || (!buf && len))
        return -1;
    if (FSI_FAILED(need_result(cd)))
        return -1;
    uint64_t total = (uint64_t)fsi_rawcd_raw_sectors(cd) * FSI_CD_RAW_SECTOR_BYTES;
    if (offset >= total)
        return 0;
    if (len > total - offset)
        len = (size_t)(total - offset);
    uint8_t sec[FSI_CD_RAW_SECTOR_BYTES];
    size_t done = 0;
    while (done < len) {
        uint64_t at = offset + done;
        int32_t lba = (int32_t)(at / FSI_CD_RAW_SECTOR_BYTES) + FSI_CD_RAW_FIRST_LBA;
        size_t in = (size_t)(at % FSI_CD_RAW_SECTOR_BYTES);
        size_t n = FSI_CD_RAW_SECTOR_BYTES - in < len - done ? FSI_CD_RAW_SECTOR_BYTES - in
                                                              : len - done;
        if (FSI_FAILED(raw_sector(cd, lba, sec)))
            return -1;
        memcpy((uint8_t *)buf + done, sec + in, n);
        done += n;
    }
    return (int64_t)done;
}

FSI_API fsi_hresult fsi_rawcd_write_raw(fsi_rawcd *cd, int fd)
{
    if (!cd)
        return FSI_E_POINTER;
    fsi_hresult hr = need_result(cd);
    if (FSI_FAILED(hr))
        return hr;
    uint8_t *buf = malloc((size_t)CHUNK * FSI_CD_RAW_SECTOR_BYTES);
    if (!buf)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    int32_t end = cd->leadout + FSI_CD_LEADOUT_SECTORS;
    for (int32_t lba = FSI_CD_RAW_FIRST_LBA; lba < end && FSI_SUCCEEDED(hr);) {
        int32_t n = end - lba < CHUNK ? end - lba : CHUNK;
        for (int32_t i = 0; i < n && FSI_SUCCEEDED(hr); i++)
            hr = raw_sector(cd, lba + i, buf + (size_t)i * FSI_CD_RAW_SECTOR_BYTES);
        if (FSI_SUCCEEDED(hr))
            hr = write_all(cd, fd, buf, (size_t)n * FSI_CD_RAW_SECTOR_BYTES, "the raw stream");
        lba += n;
    }
    free(buf);
    close_sources(cd);
    return hr;
}

/* ------------------------------------------------------------------ */
/* BIN                                                                 */
/* ------------------------------------------------------------------ */

/* Sectors [0, sectors) of a source at LBA `lba` on, as 2352-byte sectors. */
static fsi_hresult bin_source(fsi_rawcd *cd, int fd, struct cd_src *s, fsi_cd_sector_type type,
                              int32_t sectors, int32_t lba, bool swap, uint8_t *buf)
{
    for (int32_t at = 0; at < sectors;) {
        int32_t n = sectors - at < CHUNK ? sectors - at : CHUNK;
        fsi_hresult hr;
        if (type == FSI_CD_SECTOR_AUDIO) {
            size_t bytes = (size_t)n * FSI_CD_SECTOR_BYTES;
            hr = rawcd_src_read(cd, s, (uint64_t)at * FSI_CD_SECTOR_BYTES, buf, bytes);
            if (FSI_SUCCEEDED(hr) && swap)
                for (size_t i = 0; i < bytes; i += 2) {
                    uint8_t c = buf[i];
                    buf[i] = buf[i + 1];
                    buf[i + 1] = c;
                }
        } else {
            /* Read the 2048-byte sectors into the tail, encode forward. */
            uint8_t *data = buf + (size_t)n * (FSI_CD_SECTOR_BYTES - CD_MODE1_DATA);
            hr = rawcd_src_read(cd, s, (uint64_t)at * CD_MODE1_DATA, data,
                                (size_t)n * CD_MODE1_DATA);
            for (int32_t i = 0; FSI_SUCCEEDED(hr) && i < n; i++) {
                uint8_t sec[FSI_CD_SECTOR_BYTES];
                cd_mode1_encode(sec, data + (size_t)i * CD_MODE1_DATA, lba + at + i);
                memcpy(buf + (size_t)i * FSI_CD_SECTOR_BYTES, sec, sizeof sec);
            }
        }
        if (FSI_SUCCEEDED(hr))
            hr = write_all(cd, fd, buf, (size_t)n * FSI_CD_SECTOR_BYTES, "the BIN");
        if (FSI_FAILED(hr))
            return hr;
        at += n;
    }
    return FSI_S_OK;
}

static fsi_hresult write_bin(fsi_rawcd *cd, int fd, bool swap)
{
    fsi_hresult hr = need_result(cd);
    if (FSI_FAILED(hr))
        return hr;
    uint8_t *buf = malloc((size_t)CHUNK * FSI_CD_SECTOR_BYTES);
    if (!buf)
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    if (cd->pregap_len)
        hr = bin_source(cd, fd, &cd->pregap_src, FSI_CD_SECTOR_AUDIO, cd->pregap_len, -150, swap,
                        buf);
    for (int i = 0; i < cd->ntracks && FSI_SUCCEEDED(hr); i++) {
        struct cd_track *t = cd->tracks[i];
        hr = bin_source(cd, fd, &t->src, t->type, t->len, t->start, swap, buf);
        /* The postgap goes in too: libcdio refuses POSTGAP in a cue sheet,
         * and every reader then sees the data track as the disc has it. */
        for (int32_t k = 0; k < t->postgap && FSI_SUCCEEDED(hr); k++) {
            cd_mode1_zero(buf, t->start + t->len + k);
            hr = write_all(cd, fd, buf, FSI_CD_SECTOR_BYTES, "the BIN");
        }
    }
    free(buf);
    close_sources(cd);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_write_bin(fsi_rawcd *cd, int fd, bool big_endian)
{
    if (!cd)
        return FSI_E_POINTER;
    return write_bin(cd, fd, big_endian);
}

/* ------------------------------------------------------------------ */
/* Cue sheet and TOC file                                              */
/* ------------------------------------------------------------------ */

static void put_msf(FILE *f, uint64_t sectors, bool toc)
{
    unsigned fr = (unsigned)(sectors % 75), s = (unsigned)(sectors / 75 % 60);
    unsigned long m = (unsigned long)(sectors / 4500);
    fprintf(f, toc ? "%lu:%u:%u" : "%02lu:%02u:%02u", m, s, fr);
}

/* A cue string: the format has no escapes, so '"' becomes '\''. */
static void cue_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(*s == '"' ? '\'' : *s, f);
    fputc('"', f);
}

/* A TOC string: '"' and '\' escaped; other bytes as they are. */
static void toc_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The stream's buffer is only final after fclose. */
static void cue_text(FILE *f, const char *indent, const char *key, const char *text)
{
    if (text && *text) {
        fprintf(f, "%s%s ", indent, key);
        cue_string(f, text);
        fputc('\n', f);
    }
}

/* A text output of the made result, written to memory: f into *buf. */
static fsi_hresult text_open(fsi_rawcd *cd, const char *bin_name, char **text, FILE **f,
                             char **buf, size_t *size)
{
    if (!cd || !bin_name || !text)
        return FSI_E_POINTER;
    *text = NULL;
    fsi_hresult hr = need_result(cd);
    if (FSI_FAILED(hr))
        return hr;
    *f = open_memstream(buf, size);
    return *f ? FSI_S_OK : rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
}

static fsi_hresult text_result(fsi_rawcd *cd, FILE *f, char **buf, char **text)
{
    if (fclose(f) != 0) {
        free(*buf);
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    }
    *text = *buf;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_rawcd_cue_sheet(fsi_rawcd *cd, const char *bin_name, char **text)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = NULL;
    fsi_hresult hr = text_open(cd, bin_name, text, &f, &buf, &size);
    if (FSI_FAILED(hr))
        return hr;
    if (cd->mcn[0])
        fprintf(f, "CATALOG %s\n", cd->mcn);
    /* Only the fields set: cdrdao refuses an empty cue string. */
    cue_text(f, "", "TITLE", cd->title);
    cue_text(f, "", "PERFORMER", cd->performer);
    fputs("FILE ", f);
    cue_string(f, bin_name);
    fputs(" BINARY\n", f);
    for (int i = 0; i < cd->ntracks; i++) {
        const struct cd_track *t = cd->tracks[i];
        fprintf(f, "  TRACK %02d %s\n", cd->first + i,
                t->type == FSI_CD_SECTOR_AUDIO ? "AUDIO" : "MODE1/2352");
        if (t->type == FSI_CD_SECTOR_AUDIO &&
            (t->copy == FSI_CD_COPY_PERMITTED || t->pre_emphasis))
            fprintf(f, "    FLAGS%s%s\n", t->copy == FSI_CD_COPY_PERMITTED ? " DCP" : "",
                    t->pre_emphasis ? " PRE" : "");
        if (t->isrc[0])
            fprintf(f, "    ISRC %s\n", t->isrc);
        cue_text(f, "    ", "TITLE", t->title);
        cue_text(f, "    ", "PERFORMER", t->performer);
        if (i && !t->pregap_stored)
            fputs("    PREGAP 00:02:00\n", f);
        if (t->pregap_stored) {
            fputs("    INDEX 00 ", f);
            put_msf(f, t->bin_sector - (uint64_t)t->pregap, false);
            fputc('\n', f);
        }
        for (uint32_t k = 0; k < t->nidx; k++) {
            fprintf(f, "    INDEX %02u ", k + 1);
            put_msf(f, t->bin_sector + (uint64_t)t->idx[k], false);
            fputc('\n', f);
        }
    }
    return text_result(cd, f, &buf, text);
}

FSI_API fsi_hresult fsi_rawcd_toc_file(fsi_rawcd *cd, const char *bin_name, char **text)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = NULL;
    fsi_hresult hr = text_open(cd, bin_name, text, &f, &buf, &size);
    if (FSI_FAILED(hr))
        return hr;
    fputs("// cdrdao TOC file written by libfsi; audio in the data file is big-endian\n", f);
    fputs(cd->tracks[0]->type == FSI_CD_SECTOR_AUDIO ? "CD_DA\n" : "CD_ROM\n", f);
    if (cd->mcn[0])
        fprintf(f, "CATALOG \"%s\"\n", cd->mcn);
    bool text_on = any_text(cd);
    if (text_on) {
        fputs("CD_TEXT {\n  LANGUAGE_MAP {\n    0 : EN\n  }\n  LANGUAGE 0 {\n    TITLE ", f);
        toc_string(f, cd->title ? cd->title : "");
        fputs("\n    PERFORMER ", f);
        toc_string(f, cd->performer ? cd->performer : "");
        fputs("\n  }\n}\n", f);
    }
    for (int i = 0; i < cd->ntracks; i++) {
        const struct cd_track *t = cd->tracks[i];
        const struct cd_track *next = i + 1 < cd->ntracks ? cd->tracks[i + 1] : NULL;
        bool audio = t->type == FSI_CD_SECTOR_AUDIO;
        fprintf(f, "\n// Track %d\nTRACK %s\n", cd->first + i, audio ? "AUDIO" : "MODE1_RAW");
        if (audio) {
            fputs(t->copy == FSI_CD_COPY_PERMITTED ? "COPY\n" : "NO COPY\n", f);
            if (t->pre_emphasis)
                fputs("PRE_EMPHASIS\n", f);
        }
        if (t->isrc[0])
            fprintf(f, "ISRC \"%s\"\n", t->isrc);
        if (text_on) {
            fputs("CD_TEXT {\n  LANGUAGE 0 {\n    TITLE ", f);
            toc_string(f, t->title ? t->title : "");
            fputs("\n    PERFORMER ", f);
            toc_string(f, t->performer ? t->performer : "");
            fputs("\n  }\n}\n", f);
        }
        if (i && !t->pregap_stored)
            fputs(audio ? "PREGAP 0:2:0\n" : "ZERO 0:2:0\nSTART\n", f);
        /* This track's sectors in the data file: its stored pregap, then
         * its data less what the next track's gapless pregap takes. */
        uint64_t from = t->bin_sector - (t->pregap_stored ? (uint64_t)t->pregap : 0);
        uint64_t count = (t->pregap_stored ? (uint64_t)t->pregap : 0) + (uint64_t)t->len +
                         (uint64_t)t->postgap -
                         (next && next->pregap_stored ? (uint64_t)next->pregap : 0);
        if (!i && t->pregap_stored) {
            /* cdrdao counts track 1's 2 s before 00:02:00 as part of its
             * pregap: START is the whole special pregap. */
        }
        fprintf(f, "%s ", audio ? "FILE" : "DATAFILE");
        toc_string(f, bin_name);
        fprintf(f, " #%llu ", (unsigned long long)from * FSI_CD_SECTOR_BYTES);
        if (audio)
            fputs("0 ", f);
        put_msf(f, count, true);
        fputc('\n', f);
        if (t->pregap_stored) {
            fputs("START ", f);
            put_msf(f, (uint64_t)t->pregap, true);
            fputc('\n', f);
        }
        for (uint32_t k = 1; k < t->nidx; k++) {
            fputs("INDEX ", f);
            put_msf(f, (uint64_t)t->idx[k], true);
            fputc('\n', f);
        }
    }
    return text_result(cd, f, &buf, text);
}

/* ------------------------------------------------------------------ */
/* All the files or none                                               */
/* ------------------------------------------------------------------ */

struct pending {
    const char *path;   /* the name it gets */
    int fd;
    char *tmp;          /* a named temporary (no O_TMPFILE), or NULL */
};

static fsi_hresult pending_open(fsi_rawcd *cd, struct pending *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    char *d = strdup(path), *b = strdup(path);
    if (!d || !b) {
        free(d);
        free(b);
        return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
    }
    const char *dir = dirname(d);
    o->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (o->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        size_t n = strlen(dir) + strlen(basename(b)) + 16;
        o->tmp = malloc(n);
        if (o->tmp) {
            snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, basename(b));
            o->fd = mkstemp(o->tmp);
            if (o->fd >= 0)
                fchmod(o->fd, 0644);
        }
    }
    int e = errno;
    free(d);
    free(b);
    if (o->fd < 0) {
        free(o->tmp);
        o->tmp = NULL;
        char *p = fsi_text_escape(path);
        fsi_hresult hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, e, "output", NULL,
                                    "cannot create '%s'", p ? p : "?");
        free(p);
        return hr;
    }
    return FSI_S_OK;
}

static void pending_drop(struct pending *o)
{
    if (o->fd >= 0)
        close(o->fd);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    o->fd = -1;
    o->tmp = NULL;
}

/* Give the written file its name (replacing what is there). */
static fsi_hresult pending_commit(fsi_rawcd *cd, struct pending *o)
{
    int e = 0;
    if (!o->tmp) {
        /* O_TMPFILE: link it in under a hidden name, then rename over. */
        char proc[64];
        size_t n = strlen(o->path) + 32;
        char *tmp = malloc(n);
        if (!tmp)
            return rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
        for (int k = 0; k < 100; k++) {
            snprintf(tmp, n, "%s.%d-%d~", o->path, (int)getpid(), k);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
                o->tmp = tmp;
                break;
            }
            if (errno != EEXIST) {
                e = errno;
                break;
            }
        }
        if (!o->tmp) {
            free(tmp);
            char *p = fsi_text_escape(o->path);
            fsi_hresult hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, e ? e : EEXIST, "output",
                                        NULL, "cannot name '%s'", p ? p : "?");
            free(p);
            return hr;
        }
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        char *p = fsi_text_escape(o->path);
        fsi_hresult hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, e, "output", NULL,
                                    "cannot rename to '%s'", p ? p : "?");
        free(p);
        return hr;
    }
    free(o->tmp);
    o->tmp = NULL;
    close(o->fd);
    o->fd = -1;
    return FSI_S_OK;
}

static char *with_ext(const char *path, const char *ext)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    size_t keep = dot && (!slash || dot > slash + 1) ? (size_t)(dot - path) : strlen(path);
    char *out = malloc(keep + strlen(ext) + 1);
    if (out) {
        memcpy(out, path, keep);
        strcpy(out + keep, ext);
    }
    return out;
}

/* The path, or the file a symbolic link there leads to (malloc'ed). */
static char *follow(const char *path)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL);
        if (real)
            return real;
    }
    return strdup(path);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static fsi_hresult write_text(fsi_rawcd *cd, int fd, char *text, const char *what)
{
    fsi_hresult hr = write_all(cd, fd, text, strlen(text), what);
    free(text);
    return hr;
}

FSI_API fsi_hresult fsi_rawcd_write_files(fsi_rawcd *cd, const char *cue_path,
                                          const char *toc_path, const char *raw_path)
{
    if (!cd)
        return FSI_E_POINTER;
    fsi_hresult hr = need_result(cd);
    if (FSI_FAILED(hr))
        return hr;
    enum { CUE, BIN, TOC, CDR, RAW, N };
    struct pending o[N];
    char *names[N] = { NULL };
    for (int i = 0; i < N; i++)
        o[i].fd = -1, o[i].tmp = NULL;
    /* A symbolic link is followed (its target is replaced, the link
     * stays, as mkimage create does); the BIN goes beside the target. */
    if (cue_path && *cue_path) {
        names[CUE] = follow(cue_path);
        names[BIN] = names[CUE] ? with_ext(names[CUE], ".bin") : NULL;
    }
    if (toc_path && *toc_path) {
        names[TOC] = follow(toc_path);
        names[CDR] = names[TOC] ? with_ext(names[TOC], ".cdr") : NULL;
    }
    if (raw_path && *raw_path)
        names[RAW] = follow(raw_path);
    for (int i = 0; i < N; i++)
        if (!names[i] && ((i == CUE || i == BIN) ? cue_path && *cue_path
                          : (i == TOC || i == CDR) ? toc_path && *toc_path
                                                   : raw_path && *raw_path)) {
            hr = rawcd_fail(cd, FSI_E_OUTOFMEMORY, 0, NULL, NULL, NULL);
            goto out;
        }
    /* Anything but a regular file or a new name is refused before a
     * byte is written. */
    for (int i = 0; i < N; i++) {
        struct stat st;
        if (names[i] && stat(names[i], &st) == 0 && !S_ISREG(st.st_mode)) {
            char *p = fsi_text_escape(names[i]);
            hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "output", NULL,
                            "'%s' is %s, not a file", p ? p : "?",
                            S_ISDIR(st.st_mode) ? "a directory" : "a device, FIFO or socket");
            free(p);
            goto out;
        }
    }
    /* Distinct names: one output must not replace another. */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (names[i] && names[j] && strcmp(names[i], names[j]) == 0) {
                char *p = fsi_text_escape(names[i]);
                hr = rawcd_fail(cd, IMAPI_E_INVALID_PARAM, 0, "output", NULL,
                                "two outputs would both be '%s'", p ? p : "?");
                free(p);
                goto out;
            }
    for (int i = 0; i < N && FSI_SUCCEEDED(hr); i++)
        if (names[i])
            hr = pending_open(cd, &o[i], names[i]);
    if (FSI_FAILED(hr))
        goto out;
    if (names[CUE]) {
        char *text;
        hr = fsi_rawcd_cue_sheet(cd, base_name(names[BIN]), &text);
        if (FSI_SUCCEEDED(hr))
            hr = write_text(cd, o[CUE].fd, text, "the cue sheet");
        if (FSI_SUCCEEDED(hr))
            hr = write_bin(cd, o[BIN].fd, false);
    }
    if (FSI_SUCCEEDED(hr) && names[TOC]) {
        char *text;
        hr = fsi_rawcd_toc_file(cd, base_name(names[CDR]), &text);
        if (FSI_SUCCEEDED(hr))
            hr = write_text(cd, o[TOC].fd, text, "the TOC file");
        if (FSI_SUCCEEDED(hr))
            hr = write_bin(cd, o[CDR].fd, true);
    }
    if (FSI_SUCCEEDED(hr) && names[RAW])
        hr = fsi_rawcd_write_raw(cd, o[RAW].fd);
    /* Data first, names last: a failure before here leaves nothing. */
    for (int i = 0; i < N && FSI_SUCCEEDED(hr); i++)
        if (names[i])
            hr = pending_commit(cd, &o[i]);
out:
    for (int i = 0; i < N; i++) {
        pending_drop(&o[i]);
        free(names[i]);
    }
    close_sources(cd);
    return hr;
}
