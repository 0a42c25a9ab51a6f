/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wav.h - the header of a WAV file, as a CD audio track takes it.
 *
 * The bytes are untrusted: every chunk size is checked against the file
 * and the walk is bounded, so a hostile header is an error, never a loop
 * or a read outside the file.
 */
#ifndef FSI_WAV_H
#define FSI_WAV_H

#include <stddef.h>
#include <stdint.h>

/* Read up to len bytes at offset; the count read (short at the end) or
 * -1 on error (errno set). */
typedef int64_t (*wav_read_fn)(void *ctx, uint64_t offset, void *buf, size_t len);

enum wav_result {
    WAV_OK = 0,        /* CD audio: data_off/data_len give the PCM */
    WAV_NOT_RIFF = 1,  /* no "RIFF....WAVE" at the start: raw PCM */
    WAV_BAD = -1,      /* a WAV file we cannot take: why says what it is */
    WAV_IO = -2        /* the read failed (errno) */
};

struct wav_info {
    uint64_t data_off, data_len;
    unsigned format, channels, rate, bits;   /* what the fmt chunk says */
};

/* Parse the header of a file of `size` bytes.  On WAV_BAD, `why` (of
 * whysize bytes) says what the file is or what is wrong with it. */
enum wav_result wav_parse(wav_read_fn rd, void *ctx, uint64_t size, struct wav_info *info,
                          char *why, size_t whysize);

#endif
