/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wav.c - find the PCM of a WAV file (RIFF/WAVE) and check that it is CD
 * audio: PCM (or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format), 2
 * channels, 44100 Hz, 16 bits.  Chunks other than "fmt " and "data" are
 * skipped (LIST, fact, cue ...); sizes are padded to even lengths.
 */
#include "config.h"
#include "wav.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WAV_MAX_CHUNKS 4096   /* bounds the walk over a hostile file */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* Read exactly len bytes at off: 1 done, 0 short, -1 error. */
static int read_at(wav_read_fn rd, void *ctx, uint64_t off, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        int64_t n = rd(ctx, off + got, (uint8_t *)buf + got, len - got);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        got += (size_t)n;
    }
    return 1;
}

/* The GUID tail that KSDATAFORMAT_SUBTYPE_PCM shares with every
 * WAVE_FORMAT_* sub-format: {0000xxxx-0000-0010-8000-00aa00389b71}. */
static const uint8_t guid_tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
                                       0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };

/* A read that failed (-1) or found the file shorter than it said (0). */
static enum wav_result truncated(int r, char *why, size_t whysize)
{
    if (r < 0)
        return WAV_IO;
    snprintf(why, whysize, "a truncated WAV file (it ends before its header does)");
    return WAV_BAD;
}

enum wav_result wav_parse(wav_read_fn rd, void *ctx, uint64_t size, struct wav_info *info,
                          char *why, size_t whysize)
{
    uint8_t h[40];
    memset(info, 0, sizeof *info);
    if (whysize)
        why[0] = '\0';
    if (size < 12)
        return WAV_NOT_RIFF;
    int r = read_at(rd, ctx, 0, h, 12);
    if (r < 0)
        return WAV_IO;
    if (r == 0 || memcmp(h, "RIFF", 4) != 0)
        return WAV_NOT_RIFF;
    if (memcmp(h + 8, "WAVE", 4) != 0) {
        snprintf(why, whysize, "a RIFF file of form '%.4s', not WAVE",
                 (const char *)h + 8);
        for (size_t i = 0; why[i]; i++)
            if ((unsigned char)why[i] < 0x20 || (unsigned char)why[i] > 0x7e)
                why[i] = '?';
        return WAV_BAD;
    }

    bool have_fmt = false;
    uint64_t off = 12;
    for (unsigned n = 0; n < WAV_MAX_CHUNKS; n++) {
        if (size - off < 8) {
            snprintf(why, whysize, "a WAV file without a data chunk%s",
                     have_fmt ? "" : " (nor a fmt chunk)");
            return WAV_BAD;
        }
        r = read_at(rd, ctx, off, h, 8);
        if (r <= 0)
            return truncated(r, why, whysize);
        uint64_t len = le32(h + 4);
        uint64_t body = off + 8;
        if (memcmp(h, "fmt ", 4) == 0) {
            if (len < 16 || len > size - body) {
                snprintf(why, whysize, "a WAV file whose fmt chunk is %llu bytes",
                         (unsigned long long)len);
                return WAV_BAD;
            }
            size_t want = len >= 40 ? 40 : 16;
            r = read_at(rd, ctx, body, h, want);
            if (r <= 0)
                return truncated(r, why, whysize);
            info->format = le16(h);
            info->channels = le16(h + 2);
            info->rate = le32(h + 4);
            info->bits = le16(h + 14);
            unsigned align = le16(h + 12);
            if (info->format == 0xFFFE) {
                /* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID says PCM. */
                if (want < 40 || le16(h + 16) < 22 || memcmp(h + 26, guid_tail, 14) != 0) {
                    snprintf(why, whysize, "a WAVE_FORMAT_EXTENSIBLE file whose sub-format "
                             "is not PCM");
                    return WAV_BAD;
                }
                info->format = le16(h + 24);
            }
            if (info->format != 1) {
                snprintf(why, whysize, "a WAV file of format %u%s, not PCM", info->format,
                         info->format == 3 ? " (floating point)" :
                         info->format == 0x55 ? " (MP3)" :
                         info->format == 6 || info->format == 7 ? " (G.711)" : "");
                return WAV_BAD;
            }
            if (info->channels != 2 || info->rate != 44100 || info->bits != 16) {
                snprintf(why, whysize, "%u-bit %s PCM at %u Hz, not 16-bit stereo at 44100 Hz",
                         info->bits,
                         info->channels == 1 ? "mono" : info->channels == 2 ? "stereo"
                                                                           : "multichannel",
                         info->rate);
                return WAV_BAD;
            }
            if (align != 4) {
                snprintf(why, whysize, "a WAV file with a block align of %u, not 4", align);
                return WAV_BAD;
            }
            have_fmt = true;
        } else if (memcmp(h, "data", 4) == 0) {
            if (!have_fmt) {
                snprintf(why, whysize, "a WAV file whose data chunk comes before its fmt chunk");
                return WAV_BAD;
            }
            /* Writers that stream (ffmpeg, sox to a pipe) leave 0 or
             * 0xFFFFFFFF: the data then runs to the end of the file. */
            if (len == 0xFFFFFFFFu || (len == 0 && size > body))
                len = size - body;
            if (len > size - body) {
                snprintf(why, whysize, "a truncated WAV file: its data chunk says %llu bytes, "
                         "%llu follow", (unsigned long long)len,
                         (unsigned long long)(size - body));
                return WAV_BAD;
            }
            info->data_off = body;
            info->data_len = len;
            return WAV_OK;
        }
        uint64_t next = len + (len & 1);
        if (next > size - body) {
            snprintf(why, whysize, "a truncated WAV file (chunk '%.4s' runs past its end)",
                     (const char *)h);
            for (size_t i = 0; why[i]; i++)
                if ((unsigned char)why[i] < 0x20 || (unsigned char)why[i] > 0x7e)
                    why[i] = '?';
            return WAV_BAD;
        }
        off = body + next;
    }
    snprintf(why, whysize, "a WAV file with more than %d chunks before its data", WAV_MAX_CHUNKS);
    return WAV_BAD;
}
