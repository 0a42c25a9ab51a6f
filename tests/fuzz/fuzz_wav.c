/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz_wav.c - the WAV header reader of raw CD audio tracks (lib/wav.c):
 * the input is the file.  Reads come back short at random (the first
 * byte picks how), as a pipe or a slow callback would give them.  On
 * success the data must lie inside the file. */
#include "wav.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
    const uint8_t *p;
    size_t n;
    unsigned chunk;   /* 0: whole reads, else at most this many bytes a read */
};

static int64_t rd(void *ctx, uint64_t off, void *buf, size_t len)
{
    const struct src *s = ctx;
    if (off >= s->n)
        return 0;
    size_t k = s->n - (size_t)off < len ? s->n - (size_t)off : len;
    if (s->chunk && k > s->chunk)
        k = s->chunk;
    memcpy(buf, s->p + off, k);
    return (int64_t)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct src s = { data, size, size ? data[0] % 5 : 0 };
    struct wav_info w;
    char why[160];
    /* Also claim a bigger file than there is: reads then end early. */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t claimed = pass ? (uint64_t)size + 4096 : size;
        enum wav_result r = wav_parse(rd, &s, claimed, &w, why, sizeof why);
        if (r == WAV_OK && (w.data_off < 12 || w.data_off > claimed ||
                            w.data_len > claimed - w.data_off || w.channels != 2 ||
                            w.rate != 44100 || w.bits != 16))
            abort();
        if (r == WAV_BAD && (!why[0] || strlen(why) >= sizeof why))
            abort();
    }
    return 0;
}
