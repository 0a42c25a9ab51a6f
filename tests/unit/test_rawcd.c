/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_rawcd.c - the raw CD image object (IRawCDImageCreator) through the
 * public API: every E_IMAPI_RAW_IMAGE_* code raised where IMAPI raises it
 * (its name checked), the layout (pregaps, gapless audio, the special
 * pregap, a data track's postgap), track information, indexes, MCN and
 * ISRC checks, the read-only state after the result, the WAV reader, and
 * the outputs: BIN bytes, cue sheet and TOC text, raw stream Q, and
 * files written all or none.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsi.h"

#define SEC 2352u

/* The call's code is `name` (by the table's name) and the object's last
 * code too. */
#define EXPECT(cd, call, name)                                                               \
    do {                                                                                     \
        fsi_hresult hr_ = (call);                                                            \
        const char *n_ = fsi_error_name(hr_);                                                \
        if (!n_ || strcmp(n_, (name)) != 0)                                                  \
            fail_msg("%s returned %s (0x%08X), expected %s; message: %s", #call,             \
                     n_ ? n_ : "?", (unsigned)hr_, (name), fsi_rawcd_last_error(cd));        \
        assert_int_equal(fsi_rawcd_last_code(cd), hr_);                                      \
    } while (0)

#define OK(call) assert_int_equal((call), FSI_S_OK)

static int64_t zeros_cb(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    (void)off;
    memset(buf, 0, len);
    return (int64_t)len;
}

/* Audio whose bytes say where they are: byte i of the track is (i*7+seed). */
static uint8_t *pcm(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 7 + seed);
    return p;
}

static fsi_rawcd *new_cd(void)
{
    fsi_rawcd *cd;
    OK(fsi_rawcd_new(&cd));
    return cd;
}

static int add_zero_track(fsi_rawcd *cd, fsi_cd_sector_type type, uint64_t sectors)
{
    int ti = 0;
    uint64_t bs = type == FSI_CD_SECTOR_MODE1 ? 2048 : SEC;
    OK(fsi_rawcd_add_track_cb(cd, type, sectors * bs, zeros_cb, NULL, NULL, &ti));
    return ti;
}

static void test_defaults_and_no_tracks(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    assert_int_equal(fsi_rawcd_get_first_track_number(cd), 1);
    assert_false(fsi_rawcd_get_gapless(cd));
    assert_int_equal(fsi_rawcd_get_leadout_limit(cd), 359849);
    assert_int_equal(fsi_rawcd_get_image_type(cd), FSI_RAWCD_SUBCODE_IS_COOKED);
    assert_int_equal(fsi_rawcd_track_count(cd), 0);
    assert_null(fsi_rawcd_get_mcn(cd));
    int32_t lba;
    size_t n;
    fsi_cd_track_info info;
    EXPECT(cd, fsi_rawcd_start_of_leadout(cd, &lba), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    EXPECT(cd, fsi_rawcd_last_used_sector(cd, &lba), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    EXPECT(cd, fsi_rawcd_toc(cd, NULL, 0, &n), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    EXPECT(cd, fsi_rawcd_track_info(cd, 1, &info), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    EXPECT(cd, fsi_rawcd_create_result(cd), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "track"));
    fsi_rawcd_free(cd);
}

static void test_audio_layout_and_toc(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    uint8_t *a = pcm(300 * SEC, 1), *b = pcm(301 * SEC - 100, 2);
    int ti;
    OK(fsi_rawcd_add_track_mem(cd, FSI_CD_SECTOR_AUDIO, a, 300 * SEC, &ti));
    assert_int_equal(ti, 1);
    OK(fsi_rawcd_add_track_mem(cd, FSI_CD_SECTOR_AUDIO, b, 301 * SEC - 100, &ti));
    assert_int_equal(ti, 2);
    assert_int_equal(fsi_rawcd_track_count(cd), 2);

    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.start_lba, 0);
    assert_int_equal(info.sectors, 300);
    assert_int_equal(info.number, 1);
    assert_int_equal(info.type, FSI_CD_SECTOR_AUDIO);
    assert_int_equal(info.pregap, 150);
    assert_int_equal(info.nindexes, 1);
    assert_string_equal(info.isrc, "");
    OK(fsi_rawcd_track_info(cd, 2, &info));
    assert_int_equal(info.start_lba, 450);      /* 300 + a 2 s gap */
    assert_int_equal(info.sectors, 301);        /* the partial sector padded */
    int32_t lba;
    OK(fsi_rawcd_start_of_leadout(cd, &lba));
    assert_int_equal(lba, 751);
    OK(fsi_rawcd_last_used_sector(cd, &lba));
    assert_int_equal(lba, 750);
    EXPECT(cd, fsi_rawcd_track_info(cd, 3, &info), "IMAPI_E_INVALID_PARAM");

    OK(fsi_rawcd_track_set_copy(cd, 2, FSI_CD_COPY_PROHIBITED));
    OK(fsi_rawcd_track_set_pre_emphasis(cd, 2, true));
    fsi_cd_toc_entry toc[4];
    size_t n;
    OK(fsi_rawcd_toc(cd, NULL, 0, &n));
    assert_int_equal(n, 3);
    OK(fsi_rawcd_toc(cd, toc, 4, &n));
    assert_int_equal(toc[0].track, 1);
    assert_int_equal(toc[0].control, 2);        /* copy permitted */
    assert_int_equal(toc[0].lba, 0);
    assert_memory_equal(toc[0].msf, ((uint8_t[]){ 0, 2, 0 }), 3);
    assert_int_equal(toc[1].track, 2);
    assert_int_equal(toc[1].control, 1);        /* pre-emphasis, no copy */
    assert_int_equal(toc[1].lba, 450);
    assert_memory_equal(toc[1].msf, ((uint8_t[]){ 0, 8, 0 }), 3);
    assert_int_equal(toc[2].track, 0xAA);
    assert_int_equal(toc[2].lba, 751);
    assert_int_equal(toc[2].adr, 1);
    free(a);
    free(b);
    fsi_rawcd_free(cd);
}

static void test_track_too_short(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    int ti = -1;
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 299 * SEC, zeros_cb, NULL, NULL, &ti),
           "IMAPI_E_INVALID_PARAM");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "300 sectors"));
    assert_int_equal(fsi_rawcd_track_count(cd), 0);
    /* 299 whole sectors and one byte make 300 with the padding. */
    OK(fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 299 * SEC + 4, zeros_cb, NULL, NULL, &ti));
    fsi_rawcd_free(cd);
}

static void test_too_many_tracks(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    for (int i = 1; i <= 99; i++)
        assert_int_equal(add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300), i);
    int32_t lba;
    OK(fsi_rawcd_start_of_leadout(cd, &lba));
    assert_int_equal(lba, 99 * 300 + 98 * 150);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS");
    assert_int_equal(fsi_rawcd_track_count(cd), 99);
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 99, &info));
    assert_int_equal(info.number, 99);
    fsi_rawcd_free(cd);

    /* The starting track number counts: 98 and 99, then no more. */
    cd = new_cd();
    OK(fsi_rawcd_set_first_track_number(cd, 98));
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    OK(fsi_rawcd_track_info(cd, 2, &info));
    assert_int_equal(info.number, 99);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACKS");
    EXPECT(cd, fsi_rawcd_set_first_track_number(cd, 1), "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED");
    fsi_rawcd_free(cd);

    cd = new_cd();
    EXPECT(cd, fsi_rawcd_set_first_track_number(cd, 0), "IMAPI_E_INVALID_PARAM");
    EXPECT(cd, fsi_rawcd_set_first_track_number(cd, 100), "IMAPI_E_INVALID_PARAM");
    fsi_rawcd_free(cd);
}

static void test_sector_types(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    for (int t = 1; t <= 9; t++) {
        if (t == FSI_CD_SECTOR_MODE1)
            continue;
        EXPECT(cd, fsi_rawcd_add_track_cb(cd, (fsi_cd_sector_type)t, 300 * SEC, zeros_cb, NULL,
                                          NULL, NULL),
               "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    }
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, (fsi_cd_sector_type)42, 300 * SEC, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    /* Data after audio: not a mixed-mode disc IMAPI's rules allow. */
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_MODE1, 300 * 2048, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "first track"));
    fsi_rawcd_free(cd);

    /* A starting track number other than 1: audio only. */
    cd = new_cd();
    OK(fsi_rawcd_set_first_track_number(cd, 5));
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_MODE1, 300 * 2048, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    fsi_rawcd_free(cd);

    /* A special pregap makes an audio disc. */
    cd = new_cd();
    OK(fsi_rawcd_add_special_pregap_cb(cd, 150 * SEC, zeros_cb, NULL, NULL));
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_MODE1, 300 * 2048, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    fsi_rawcd_free(cd);
}

static void test_mixed_mode(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    assert_int_equal(add_zero_track(cd, FSI_CD_SECTOR_MODE1, 400), 1);
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.postgap, 0);          /* nothing follows yet */
    /* Audio-only properties on a data track. */
    EXPECT(cd, fsi_rawcd_track_set_isrc(cd, 1, "USK7Y9812345"),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    EXPECT(cd, fsi_rawcd_track_set_copy(cd, 1, FSI_CD_COPY_SCMS),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    EXPECT(cd, fsi_rawcd_track_set_pre_emphasis(cd, 1, true),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    /* One data track only. */
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_MODE1, 300 * 2048, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_SECTOR_TYPE_NOT_SUPPORTED");
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.start_lba, 0);
    assert_int_equal(info.sectors, 400);
    assert_int_equal(info.postgap, 150);
    assert_int_equal(info.type, FSI_CD_SECTOR_MODE1);
    OK(fsi_rawcd_track_info(cd, 2, &info));
    assert_int_equal(info.start_lba, 700);      /* 400 + postgap 150 + pregap 150 */
    OK(fsi_rawcd_track_info(cd, 3, &info));
    assert_int_equal(info.start_lba, 1150);
    fsi_cd_toc_entry toc[4];
    size_t n;
    OK(fsi_rawcd_toc(cd, toc, 4, &n));
    assert_int_equal(toc[0].control, 4);        /* data */
    assert_int_equal(toc[3].lba, 1450);
    fsi_rawcd_free(cd);
}

static void test_gapless_and_special_pregap(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    OK(fsi_rawcd_set_gapless(cd, true));
    assert_true(fsi_rawcd_get_gapless(cd));
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 400);
    /* 10 sectors from the end of the track as it is now... */
    OK(fsi_rawcd_track_add_index(cd, 1, 390));
    EXPECT(cd, fsi_rawcd_set_gapless(cd, false), "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED");
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 400);
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 400);
    static const int32_t start[] = { 0, 400, 800 }, sectors[] = { 250, 250, 400 };
    for (int i = 0; i < 3; i++) {
        fsi_cd_track_info info;
        OK(fsi_rawcd_track_info(cd, i + 1, &info));
        assert_int_equal(info.start_lba, start[i]);
        assert_int_equal(info.sectors, sectors[i]);
        assert_int_equal(info.pregap, 150);
    }
    int32_t lba;
    OK(fsi_rawcd_start_of_leadout(cd, &lba));
    assert_int_equal(lba, 1200);
    /* ...is in the next track's pregap now: found when the result is made. */
    EXPECT(cd, fsi_rawcd_create_result(cd), "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX");
    OK(fsi_rawcd_track_clear_index(cd, 1, 390));
    OK(fsi_rawcd_create_result(cd));
    fsi_rawcd_free(cd);

    cd = new_cd();
    EXPECT(cd, fsi_rawcd_add_special_pregap_cb(cd, 149 * SEC, zeros_cb, NULL, NULL),
           "IMAPI_E_INVALID_PARAM");
    OK(fsi_rawcd_add_special_pregap_cb(cd, 200 * SEC, zeros_cb, NULL, NULL));
    EXPECT(cd, fsi_rawcd_add_special_pregap_cb(cd, 200 * SEC, zeros_cb, NULL, NULL),
           "IMAPI_E_INVALID_PARAM");
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.start_lba, 50);       /* the pregap runs from LBA -150 */
    assert_int_equal(info.pregap, 200);
    EXPECT(cd, fsi_rawcd_add_special_pregap_cb(cd, 200 * SEC, zeros_cb, NULL, NULL),
           "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED");
    uint8_t small[16] = { 0 };
    EXPECT(cd, fsi_rawcd_add_special_pregap_mem(cd, small, sizeof small),
           "E_IMAPI_RAW_IMAGE_TRACKS_ALREADY_ADDED");
    fsi_rawcd_free(cd);
}

static void test_insufficient_space(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    OK(fsi_rawcd_set_leadout_limit(cd, 1000));
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 900);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "LBA 1350"));
    assert_int_equal(fsi_rawcd_track_count(cd), 1);
    EXPECT(cd, fsi_rawcd_set_leadout_limit(cd, 899), "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE");
    OK(fsi_rawcd_set_leadout_limit(cd, 900));
    EXPECT(cd, fsi_rawcd_set_leadout_limit(cd, 443101), "IMAPI_E_INVALID_PARAM");
    OK(fsi_rawcd_set_media_minutes(cd, 74));
    assert_int_equal(fsi_rawcd_get_leadout_limit(cd), 332849);
    OK(fsi_rawcd_set_media_minutes(cd, 90));
    assert_int_equal(fsi_rawcd_get_leadout_limit(cd), 404849);
    OK(fsi_rawcd_set_media_minutes(cd, 99));
    assert_int_equal(fsi_rawcd_get_leadout_limit(cd), 443100);
    OK(fsi_rawcd_set_media_minutes(cd, 80));
    assert_int_equal(fsi_rawcd_get_leadout_limit(cd), 359849);
    EXPECT(cd, fsi_rawcd_set_media_minutes(cd, 63), "IMAPI_E_INVALID_PARAM");
    fsi_rawcd_free(cd);

    /* A full 80-minute disc: the last sector 359848 fits, one more does not. */
    cd = new_cd();
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 359849);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, NULL, NULL,
                                      NULL),
           "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE");
    fsi_rawcd_free(cd);
    cd = new_cd();
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 359850ull * SEC, zeros_cb, NULL,
                                      NULL, NULL),
           "E_IMAPI_RAW_IMAGE_INSUFFICIENT_SPACE");
    fsi_rawcd_free(cd);
}

static void test_indexes(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 0), "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS");
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 5),
           "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX");
    OK(fsi_rawcd_track_add_index(cd, 1, 100));
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 100), "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS");
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 105),
           "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX");
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 91),
           "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX");
    OK(fsi_rawcd_track_add_index(cd, 1, 90));    /* exactly 10 apart */
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 295),
           "E_IMAPI_RAW_IMAGE_TRACK_INDEX_TOO_CLOSE_TO_OTHER_INDEX");   /* 5 from the end */
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 300), "IMAPI_E_INVALID_PARAM");
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, -1), "IMAPI_E_INVALID_PARAM");
    OK(fsi_rawcd_track_add_index(cd, 1, 50));
    int32_t offs[8];
    size_t n;
    OK(fsi_rawcd_track_indexes(cd, 1, offs, 8, &n));
    assert_int_equal(n, 4);
    assert_int_equal(offs[0], 0);
    assert_int_equal(offs[1], 50);
    assert_int_equal(offs[2], 90);
    assert_int_equal(offs[3], 100);
    EXPECT(cd, fsi_rawcd_track_clear_index(cd, 1, 0),
           "E_IMAPI_RAW_IMAGE_TRACK_INDEX_OFFSET_ZERO_CANNOT_BE_CLEARED");
    EXPECT(cd, fsi_rawcd_track_clear_index(cd, 1, 60), "E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND");
    OK(fsi_rawcd_track_clear_index(cd, 1, 90));
    EXPECT(cd, fsi_rawcd_track_clear_index(cd, 1, 90), "E_IMAPI_RAW_IMAGE_TRACK_INDEX_NOT_FOUND");
    OK(fsi_rawcd_track_indexes(cd, 1, NULL, 0, &n));
    assert_int_equal(n, 3);
    fsi_rawcd_free(cd);

    /* 99 indexes and no more. */
    cd = new_cd();
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 1000);
    for (int32_t o = 10; o <= 980; o += 10)
        OK(fsi_rawcd_track_add_index(cd, 1, o));
    OK(fsi_rawcd_track_indexes(cd, 1, NULL, 0, &n));
    assert_int_equal(n, 99);
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 990), "E_IMAPI_RAW_IMAGE_TOO_MANY_TRACK_INDEXES");
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 980), "S_IMAPI_RAW_IMAGE_TRACK_INDEX_ALREADY_EXISTS");
    fsi_rawcd_free(cd);
}

static void test_mcn_and_isrc(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    OK(fsi_rawcd_set_mcn(cd, "0123456789012"));
    assert_string_equal(fsi_rawcd_get_mcn(cd), "0123456789012");
    OK(fsi_rawcd_set_mcn(cd, ""));
    assert_null(fsi_rawcd_get_mcn(cd));
    OK(fsi_rawcd_set_mcn(cd, "123456789012"));   /* the leading zero left out */
    assert_string_equal(fsi_rawcd_get_mcn(cd), "0123456789012");
    OK(fsi_rawcd_set_mcn(cd, "4006381333931"));  /* an EAN-13 from a product */
    EXPECT(cd, fsi_rawcd_set_mcn(cd, "0123456789013"), "E_IMAPI_DF2TAO_INVALID_MCN");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "check digit"));
    EXPECT(cd, fsi_rawcd_set_mcn(cd, "01234567890123"), "E_IMAPI_DF2TAO_INVALID_MCN");
    EXPECT(cd, fsi_rawcd_set_mcn(cd, "01234-6789012"), "E_IMAPI_DF2TAO_INVALID_MCN");
    assert_string_equal(fsi_rawcd_get_mcn(cd), "4006381333931");   /* unchanged */

    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_set_isrc(cd, 1, "US-K7Y-98-12345"));
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_string_equal(info.isrc, "US-K7Y-98-12345");
    OK(fsi_rawcd_track_set_isrc(cd, 1, "gbaye0601498"));
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_string_equal(info.isrc, "GB-AYE-06-01498");
    static const char *const bad[] = { "US-K7Y-9-812345", "1SK7Y9812345", "USK7Y981234",
                                       "USK7Y98123456", "US-K7Y-98-1234X", "USK7Y98 12345",
                                       "US--K7Y9812345" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT(cd, fsi_rawcd_track_set_isrc(cd, 1, bad[i]), "E_IMAPI_DF2TAO_INVALID_ISRC");
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_string_equal(info.isrc, "GB-AYE-06-01498");
    OK(fsi_rawcd_track_set_isrc(cd, 1, NULL));
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_string_equal(info.isrc, "");
    EXPECT(cd, fsi_rawcd_track_set_copy(cd, 1, (fsi_cd_copy)3), "IMAPI_E_INVALID_PARAM");
    fsi_rawcd_free(cd);
}

static void test_read_only(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    OK(fsi_rawcd_track_add_index(cd, 1, 100));
    OK(fsi_rawcd_create_result(cd));
    const char *ro = "E_IMAPI_RAW_IMAGE_IS_READ_ONLY";
    uint8_t buf[300 * 4];
    memset(buf, 0, sizeof buf);
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, NULL, NULL, NULL), ro);
    EXPECT(cd, fsi_rawcd_add_track_mem(cd, FSI_CD_SECTOR_AUDIO, buf, sizeof buf, NULL), ro);
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, "/nonexistent.wav", NULL), ro);
    EXPECT(cd, fsi_rawcd_add_special_pregap_mem(cd, buf, sizeof buf), ro);
    EXPECT(cd, fsi_rawcd_add_special_pregap_file(cd, "/nonexistent.wav"), ro);
    EXPECT(cd, fsi_rawcd_add_special_pregap_cb(cd, 150 * SEC, zeros_cb, NULL, NULL), ro);
    EXPECT(cd, fsi_rawcd_set_subcode_rw_cb(cd, zeros_cb, NULL, NULL), ro);
    EXPECT(cd, fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_RAW), ro);
    EXPECT(cd, fsi_rawcd_set_leadout_limit(cd, 1000), ro);
    EXPECT(cd, fsi_rawcd_set_media_minutes(cd, 74), ro);
    EXPECT(cd, fsi_rawcd_set_gapless(cd, true), ro);
    EXPECT(cd, fsi_rawcd_set_mcn(cd, "0123456789012"), ro);
    EXPECT(cd, fsi_rawcd_set_first_track_number(cd, 2), ro);
    EXPECT(cd, fsi_rawcd_track_set_isrc(cd, 1, "USK7Y9812345"), ro);
    EXPECT(cd, fsi_rawcd_track_set_copy(cd, 1, FSI_CD_COPY_SCMS), ro);
    EXPECT(cd, fsi_rawcd_track_set_pre_emphasis(cd, 1, true), ro);
    EXPECT(cd, fsi_rawcd_track_add_index(cd, 1, 200), ro);
    EXPECT(cd, fsi_rawcd_track_clear_index(cd, 1, 100), ro);
    EXPECT(cd, fsi_rawcd_set_cdtext(cd, 0, "T", "P"), ro);
    EXPECT(cd, fsi_rawcd_create_result(cd), ro);
    /* Reading still works and nothing changed. */
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.nindexes, 2);
    assert_int_equal(fsi_rawcd_track_count(cd), 1);
    assert_false(fsi_rawcd_get_gapless(cd));
    int32_t lba;
    OK(fsi_rawcd_start_of_leadout(cd, &lba));
    assert_int_equal(lba, 300);
    fsi_rawcd_free(cd);
}

/* Outputs ------------------------------------------------------------ */

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/test_rawcd.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path(const char *name)
{
    static char p[4][128];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static uint8_t *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = 0;
    *len = (size_t)n;
    return b;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

/* A WAV file with the given format and `len` bytes of data after a LIST chunk. */
static void write_wav(const char *p, unsigned channels, unsigned rate, unsigned bits,
                      const uint8_t *data, uint32_t len)
{
    uint8_t h[56];
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, 48 + len);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le32(h + 16, 16);
    h[20] = 1, h[21] = 0;
    h[22] = (uint8_t)channels, h[23] = 0;
    put_le32(h + 24, rate);
    put_le32(h + 28, rate * channels * bits / 8);
    h[32] = (uint8_t)(channels * bits / 8), h[33] = 0;
    h[34] = (uint8_t)bits, h[35] = 0;
    memcpy(h + 36, "LIST", 4);
    put_le32(h + 40, 3);                       /* odd: padded to 4 */
    memcpy(h + 44, "abc\0", 4);
    memcpy(h + 48, "data", 4);
    put_le32(h + 52, len);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(h, 1, sizeof h, f), sizeof h);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_wav_files(void **state)
{
    (void)state;
    uint8_t *a = pcm(300 * SEC + 8, 3);
    write_wav(path("good.wav"), 2, 44100, 16, a, 300 * SEC + 8);
    write_wav(path("mono.wav"), 1, 44100, 16, a, 300 * SEC);
    write_wav(path("48k.wav"), 2, 48000, 16, a, 300 * SEC);
    FILE *f = fopen(path("odd.pcm"), "wb");
    fwrite(a, 1, 300 * SEC + 3, f);
    fclose(f);
    fsi_rawcd *cd = new_cd();
    int ti;
    OK(fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("good.wav"), &ti));
    fsi_cd_track_info info;
    OK(fsi_rawcd_track_info(cd, 1, &info));
    assert_int_equal(info.sectors, 301);
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("mono.wav"), NULL),
           "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "mono.wav"));
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "mono"));
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("48k.wav"), NULL),
           "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "48000 Hz"));
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("odd.pcm"), NULL),
           "E_IMAPI_DF2TAO_STREAM_NOT_SUPPORTED");
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("missing.wav"), NULL),
           "IMAPI_E_DATA_STREAM_CREATE_FAILURE");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "missing.wav"));
    EXPECT(cd, fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, tmpdir, NULL),
           "IMAPI_E_DATA_STREAM_CREATE_FAILURE");
    /* WAVE_FORMAT_EXTENSIBLE with the PCM sub-format, and a streaming
     * writer's data size 0xFFFFFFFF (to the end of the file). */
    {
        static const uint8_t ext_hdr[68 - 8] = {
            'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 40, 0, 0, 0, 0xFE, 0xFF, 2, 0,
            0x44, 0xAC, 0, 0, 0x10, 0xB1, 2, 0, 4, 0, 16, 0, 22, 0, 16, 0, 3, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
            'd', 'a', 't', 'a', 0xFF, 0xFF, 0xFF, 0xFF };
        FILE *e = fopen(path("ext.wav"), "wb");
        assert_non_null(e);
        fwrite("RIFF\xff\xff\xff\xff", 1, 8, e);
        fwrite(ext_hdr, 1, sizeof ext_hdr, e);
        fwrite(a, 1, 300 * SEC, e);
        fclose(e);
        fsi_rawcd *c2 = new_cd();
        OK(fsi_rawcd_add_track_file(c2, FSI_CD_SECTOR_AUDIO, path("ext.wav"), NULL));
        OK(fsi_rawcd_track_info(c2, 1, &info));
        assert_int_equal(info.sectors, 300);
        OK(fsi_rawcd_create_result(c2));
        uint8_t sec[2448];
        assert_int_equal(fsi_rawcd_read_raw(c2, (uint64_t)(22650 + 299) * 2448, sec, sizeof sec), 2448);
        assert_memory_equal(sec, a + 299 * SEC, SEC);   /* the last sector: no header bytes */
        fsi_rawcd_free(c2);
        unlink(path("ext.wav"));
    }
    /* The same file as raw data for a mode 1 track: bytes as they are. */
    OK(fsi_rawcd_create_result(cd));
    OK(fsi_rawcd_write_files(cd, path("w.cue"), NULL, NULL));
    size_t len;
    uint8_t *bin = slurp(path("w.bin"), &len);
    assert_int_equal(len, 301 * SEC);
    assert_memory_equal(bin, a, 300 * SEC + 8);
    for (size_t i = 300 * SEC + 8; i < len; i++)
        assert_int_equal(bin[i], 0);
    free(bin);
    fsi_rawcd_free(cd);

    /* A file that changes size before it is written. */
    cd = new_cd();
    OK(fsi_rawcd_add_track_file(cd, FSI_CD_SECTOR_AUDIO, path("good.wav"), NULL));
    OK(fsi_rawcd_create_result(cd));
    truncate(path("good.wav"), 1000);
    int before = count_entries(tmpdir);
    EXPECT(cd, fsi_rawcd_write_files(cd, path("x.cue"), path("x.toc"), NULL),
           "IMAPI_E_DATA_STREAM_INCONSISTENCY");
    assert_int_equal(count_entries(tmpdir), before);   /* nothing left behind */
    fsi_rawcd_free(cd);
    free(a);
}

static int64_t failing_cb(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    if (off >= 200 * SEC) {
        errno = EIO;
        return -1;
    }
    memset(buf, 1, len);
    return (int64_t)len;
}

static void test_outputs(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    uint8_t *a = pcm(300 * SEC, 5);
    uint8_t *d = pcm(300 * 2048, 9);
    OK(fsi_rawcd_add_track_mem(cd, FSI_CD_SECTOR_MODE1, d, 300 * 2048, NULL));
    OK(fsi_rawcd_add_track_mem(cd, FSI_CD_SECTOR_AUDIO, a, 300 * SEC, NULL));
    OK(fsi_rawcd_track_set_isrc(cd, 2, "USK7Y9812345"));
    OK(fsi_rawcd_track_add_index(cd, 2, 150));
    OK(fsi_rawcd_set_mcn(cd, "0123456789012"));
    OK(fsi_rawcd_set_cdtext(cd, 0, "Album", "Band"));
    OK(fsi_rawcd_set_cdtext(cd, 2, "Song \"One\"", NULL));
    EXPECT(cd, fsi_rawcd_set_cdtext(cd, 2, "\xe6\x97\xa5", NULL), "IMAPI_E_INVALID_PARAM");
    assert_string_equal(fsi_rawcd_get_cdtext(cd, 2, false), "Song \"One\"");
    assert_null(fsi_rawcd_get_cdtext(cd, 2, true));
    char *text;
    EXPECT(cd, fsi_rawcd_cue_sheet(cd, "x.bin", &text), "E_IMAPI_RAW_IMAGE_NO_TRACKS");
    OK(fsi_rawcd_create_result(cd));

    OK(fsi_rawcd_cue_sheet(cd, "disc.bin", &text));
    assert_non_null(strstr(text, "CATALOG 0123456789012\n"));
    assert_non_null(strstr(text, "FILE \"disc.bin\" BINARY\n"));
    assert_non_null(strstr(text, "  TRACK 01 MODE1/2352\n    INDEX 01 00:00:00\n"));
    /* Data 300 + postgap 150 in the BIN; the audio pregap is PREGAP. */
    assert_non_null(strstr(text, "    ISRC USK7Y9812345\n"));
    assert_non_null(strstr(text, "    PREGAP 00:02:00\n    INDEX 01 00:06:00\n    INDEX 02 00:08:00\n"));
    assert_non_null(strstr(text, "TITLE \"Song 'One'\""));
    free(text);
    OK(fsi_rawcd_toc_file(cd, "disc.cdr", &text));
    assert_non_null(strstr(text, "CD_ROM\n"));
    assert_non_null(strstr(text, "TRACK MODE1_RAW\n"));
    assert_non_null(strstr(text, "DATAFILE \"disc.cdr\" #0 0:6:0\n"));
    assert_non_null(strstr(text, "PREGAP 0:2:0\nFILE \"disc.cdr\" #1058400 0 0:4:0\nINDEX 0:2:0\n"));
    assert_non_null(strstr(text, "TITLE \"Song \\\"One\\\"\""));
    free(text);

    OK(fsi_rawcd_write_files(cd, path("o.cue"), path("o.toc"), path("o.raw")));
    size_t len, clen;
    uint8_t *bin = slurp(path("o.bin"), &len), *cdr = slurp(path("o.cdr"), &clen);
    assert_int_equal(len, (300 + 150 + 300) * SEC);
    assert_int_equal(clen, len);
    /* Mode 1: sync, header MSF 00:02:00 BCD, mode 1, the data at 16. */
    static const uint8_t sync[12] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
    assert_memory_equal(bin, sync, 12);
    assert_memory_equal(bin + 12, ((uint8_t[]){ 0x00, 0x02, 0x00, 0x01 }), 4);
    assert_memory_equal(bin + 16, d, 2048);
    assert_memory_equal(bin + 299 * SEC + 12, ((uint8_t[]){ 0x00, 0x05, 0x74, 0x01 }), 4);
    /* The postgap: mode 1 sectors of zeros at LBA 300... */
    assert_memory_equal(bin + 300 * SEC + 12, ((uint8_t[]){ 0x00, 0x06, 0x00, 0x01 }), 4);
    for (size_t i = 16; i < 2064; i++)
        assert_int_equal(bin[300 * SEC + i], 0);
    /* ...then the audio as given; the .cdr has it byte-swapped. */
    assert_memory_equal(bin + 450 * SEC, a, 300 * SEC);
    for (size_t i = 0; i < 300 * SEC; i += 2) {
        assert_int_equal(cdr[450 * SEC + i], a[i + 1]);
        assert_int_equal(cdr[450 * SEC + i + 1], a[i]);
    }
    assert_memory_equal(cdr, bin, 450 * SEC);
    /* fsi_rawcd_write_bin gives the same two files. */
    for (int be = 0; be < 2; be++) {
        int fd = open(path("direct.bin"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        OK(fsi_rawcd_write_bin(cd, fd, be));
        close(fd);
        size_t dlen;
        uint8_t *direct = slurp(path("direct.bin"), &dlen);
        assert_int_equal(dlen, len);
        assert_memory_equal(direct, be ? cdr : bin, len);
        free(direct);
    }
    unlink(path("direct.bin"));
    free(bin);
    free(cdr);

    /* The raw stream: from LBA -22650 through a 6750-sector lead-out. */
    uint8_t *raw = slurp(path("o.raw"), &len);
    int64_t sectors = fsi_rawcd_raw_sectors(cd);
    assert_int_equal(sectors, 22650 + 900 + 6750);   /* lead-out at LBA 900 */
    assert_int_equal(len, (size_t)sectors * 2448);
    uint8_t *rs = raw + (size_t)(22650 + 700) * 2448;   /* LBA 700: track 2, index 1 */
    assert_memory_equal(rs, a + 100 * SEC, SEC);
    uint8_t q[12] = { 0 };
    for (int i = 0; i < 96; i++)
        q[i / 8] |= (uint8_t)(((rs[SEC + i] >> 6) & 1) << (7 - i % 8));
    assert_int_equal(q[0], 0x21);               /* copy permitted, ADR 1 */
    assert_int_equal(q[1], 0x02);               /* track 2 */
    assert_int_equal(q[2], 0x01);               /* index 1 */
    assert_memory_equal(q + 3, ((uint8_t[]){ 0x00, 0x01, 0x25, 0x00 }), 4);   /* 00:01:25 */
    assert_memory_equal(q + 7, ((uint8_t[]){ 0x00, 0x11, 0x25 }), 3);   /* 00:11:25 */
    /* read_raw gives the same bytes at any offset. */
    uint8_t part[5000];
    uint64_t off = (uint64_t)(22650 + 749) * 2448 + 1000;
    assert_int_equal(fsi_rawcd_read_raw(cd, off, part, sizeof part), (int64_t)sizeof part);
    assert_memory_equal(part, raw + off, sizeof part);
    assert_int_equal(fsi_rawcd_read_raw(cd, len, part, 10), 0);
    assert_int_equal(fsi_rawcd_read_raw(cd, len - 3, part, 10), 3);
    free(raw);

    /* Outputs that would collide, a directory that does not exist. */
    int before = count_entries(tmpdir);
    EXPECT(cd, fsi_rawcd_write_files(cd, path("c.cue"), path("c.bin"), NULL), "IMAPI_E_INVALID_PARAM");
    EXPECT(cd, fsi_rawcd_write_files(cd, path("nodir/c.cue"), NULL, NULL), "IMAPI_E_INVALID_PARAM");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "nodir/c.cue"));
    assert_int_equal(count_entries(tmpdir), before);
    /* A directory where the BIN would go: refused before anything is written. */
    assert_int_equal(mkdir(path("d.bin"), 0755), 0);
    EXPECT(cd, fsi_rawcd_write_files(cd, path("d.cue"), NULL, NULL), "IMAPI_E_INVALID_PARAM");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "directory"));
    assert_int_equal(count_entries(tmpdir), before + 1);
    rmdir(path("d.bin"));
    /* A symbolic link: its target is replaced, the link stays. */
    assert_int_equal(symlink("o.cue", path("link.cue")), 0);
    OK(fsi_rawcd_write_files(cd, path("link.cue"), NULL, NULL));
    struct stat lst;
    assert_int_equal(lstat(path("link.cue"), &lst), 0);
    assert_true(S_ISLNK(lst.st_mode));
    assert_int_equal(access(path("link.bin"), F_OK), -1);   /* the BIN is named after the target */
    unlink(path("link.cue"));
    fsi_rawcd_free(cd);

    /* A source failing half-way: nothing is left, the old files stay. */
    cd = new_cd();
    OK(fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, failing_cb, NULL, NULL, NULL));
    OK(fsi_rawcd_create_result(cd));
    EXPECT(cd, fsi_rawcd_write_files(cd, path("o.cue"), NULL, NULL), "IMAPI_E_DATA_STREAM_READ_FAILURE");
    assert_int_equal(count_entries(tmpdir), before);
    bin = slurp(path("o.bin"), &len);
    assert_int_equal(len, (300 + 150 + 300) * SEC);   /* the earlier BIN */
    free(bin);
    fsi_rawcd_free(cd);
    free(a);
    free(d);
}

static int64_t rw_cb(void *ctx, uint64_t off, void *buf, size_t len)
{
    int *bad = ctx;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = (uint8_t)((off + i) % 64);
    if (*bad && off == 96 * 5)
        ((uint8_t *)buf)[0] = 0x80;
    return (int64_t)len;
}

static void test_subcode_rw(void **state)
{
    (void)state;
    fsi_rawcd *cd = new_cd();
    int bad = 0;
    OK(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_PQ_ONLY));
    EXPECT(cd, fsi_rawcd_set_subcode_rw_cb(cd, rw_cb, &bad, NULL), "IMAPI_E_INVALID_PARAM");
    OK(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_RAW));
    OK(fsi_rawcd_set_subcode_rw_cb(cd, rw_cb, &bad, NULL));
    EXPECT(cd, fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_PQ_ONLY), "IMAPI_E_INVALID_PARAM");
    EXPECT(cd, fsi_rawcd_set_image_type(cd, (fsi_rawcd_subcode)4), "IMAPI_E_INVALID_PARAM");
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    OK(fsi_rawcd_create_result(cd));
    uint8_t sec[2448];
    assert_int_equal(fsi_rawcd_read_raw(cd, 7 * 2448, sec, sizeof sec), 2448);
    for (int i = 0; i < 96; i++)
        assert_int_equal(sec[SEC + i] & 0x3f, (7 * 96 + i) % 64);
    bad = 1;
    assert_int_equal(fsi_rawcd_read_raw(cd, 5 * 2448, sec, sizeof sec), -1);
    assert_int_equal(fsi_rawcd_last_code(cd), IMAPI_E_DATA_STREAM_INCONSISTENCY);
    fsi_rawcd_free(cd);
    /* CD-Text would need the raw type's interleaving: refused, named. */
    cd = new_cd();
    OK(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_RAW));
    add_zero_track(cd, FSI_CD_SECTOR_AUDIO, 300);
    OK(fsi_rawcd_set_cdtext(cd, 0, "Album", "Band"));
    EXPECT(cd, fsi_rawcd_create_result(cd), "IMAPI_E_INVALID_PARAM");
    assert_non_null(strstr(fsi_rawcd_last_error(cd), "CD-Text"));
    OK(fsi_rawcd_set_image_type(cd, FSI_RAWCD_SUBCODE_IS_COOKED));
    OK(fsi_rawcd_create_result(cd));
    fsi_rawcd_free(cd);
}

static void free_counter(void *ctx)
{
    ++*(int *)ctx;
}

static void test_callback_ownership(void **state)
{
    (void)state;
    int freed = 0;
    fsi_rawcd *cd = new_cd();
    /* Refused: the context stays the caller's. */
    EXPECT(cd, fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 10, zeros_cb, &freed, free_counter, NULL),
           "IMAPI_E_INVALID_PARAM");
    OK(fsi_rawcd_add_track_cb(cd, FSI_CD_SECTOR_AUDIO, 300 * SEC, zeros_cb, &freed, free_counter, NULL));
    assert_int_equal(freed, 0);
    fsi_rawcd_free(cd);
    assert_int_equal(freed, 1);
    fsi_rawcd_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_no_tracks),
        cmocka_unit_test(test_audio_layout_and_toc),
        cmocka_unit_test(test_track_too_short),
        cmocka_unit_test(test_too_many_tracks),
        cmocka_unit_test(test_sector_types),
        cmocka_unit_test(test_mixed_mode),
        cmocka_unit_test(test_gapless_and_special_pregap),
        cmocka_unit_test(test_insufficient_space),
        cmocka_unit_test(test_indexes),
        cmocka_unit_test(test_mcn_and_isrc),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_wav_files),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_subcode_rw),
        cmocka_unit_test(test_callback_ownership),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
