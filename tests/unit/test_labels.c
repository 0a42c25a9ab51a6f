/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_labels.c - the descriptor identifiers (fsi_image_set_volume_id),
 * the ISO9660 volume identifier as given or translated, and long Joliet
 * names: setters and their codes, then images built in memory and read
 * back through fsi_disc.
 */
#include "config.h"
#include "fsi.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static const size_t field_size[] = {
    [FSI_ID_SYSTEM] = 32,          [FSI_ID_VOLUME_SET] = 128,
    [FSI_ID_PUBLISHER] = 128,      [FSI_ID_PREPARER] = 128,
    [FSI_ID_APPLICATION] = 128,    [FSI_ID_COPYRIGHT_FILE] = 37,
    [FSI_ID_ABSTRACT_FILE] = 37,   [FSI_ID_BIBLIO_FILE] = 37,
};
static const char *const field_name[] = {
    [FSI_ID_SYSTEM] = "system",          [FSI_ID_VOLUME_SET] = "volume set",
    [FSI_ID_PUBLISHER] = "publisher",    [FSI_ID_PREPARER] = "data preparer",
    [FSI_ID_APPLICATION] = "application", [FSI_ID_COPYRIGHT_FILE] = "copyright file",
    [FSI_ID_ABSTRACT_FILE] = "abstract file", [FSI_ID_BIBLIO_FILE] = "bibliographic file",
};
#define NIDS 8

static fsi_image *new_image(void)
{
    fsi_image *img = NULL;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    return img;
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_defaults(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_SYSTEM), "LINUX");
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_APPLICATION), "LIBFSI " PACKAGE_VERSION);
    for (int i = 0; i < NIDS; i++)
        if (i != FSI_ID_SYSTEM && i != FSI_ID_APPLICATION)
            assert_string_equal(fsi_image_get_volume_id(img, (fsi_volume_id)i), "");
    assert_null(fsi_image_get_volume_id(img, (fsi_volume_id)NIDS));
    assert_null(fsi_image_get_volume_id(img, (fsi_volume_id)-1));
    assert_null(fsi_image_get_volume_id(NULL, FSI_ID_SYSTEM));
    assert_false(fsi_image_get_joliet_long(img));
    assert_false(fsi_image_get_joliet_long(NULL));
    assert_code(fsi_image_set_volume_id(NULL, FSI_ID_SYSTEM, "X"), IMAPI_E_INVALID_PARAM);
    assert_code(fsi_image_set_volume_id(img, (fsi_volume_id)NIDS, "X"), IMAPI_E_INVALID_PARAM);
    assert_code(fsi_image_set_joliet_long(NULL, true), IMAPI_E_INVALID_PARAM);
    fsi_image_free(img);
}

/* NULL restores the default, "" leaves the field blank. */
static void test_set_clear(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PUBLISHER, "Debian Project <x@y.org>"),
                FSI_S_OK);
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_PUBLISHER), "Debian Project <x@y.org>");
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PUBLISHER, NULL), FSI_S_OK);
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_PUBLISHER), "");
    assert_code(fsi_image_set_volume_id(img, FSI_ID_APPLICATION, ""), FSI_S_OK);
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_APPLICATION), "");
    assert_code(fsi_image_set_volume_id(img, FSI_ID_APPLICATION, NULL), FSI_S_OK);
    assert_string_equal(fsi_image_get_volume_id(img, FSI_ID_APPLICATION), "LIBFSI " PACKAGE_VERSION);
    assert_code(fsi_image_set_joliet_long(img, true), FSI_S_OK);
    assert_true(fsi_image_get_joliet_long(img));
    fsi_image_free(img);
}

/* Each field holds its size in bytes, not one more; a failed set keeps
 * the old text and its message names the field and the text. */
static void test_lengths(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    for (int i = 0; i < NIDS; i++) {
        fsi_volume_id w = (fsi_volume_id)i;
        char *fit = repeat('A', field_size[i]), *over = repeat('B', field_size[i] + 1);
        assert_code(fsi_image_set_volume_id(img, w, fit), FSI_S_OK);
        assert_code(fsi_image_set_volume_id(img, w, over), IMAPI_E_INVALID_PARAM);
        assert_code(fsi_image_last_code(img), IMAPI_E_INVALID_PARAM);
        const char *msg = fsi_image_last_error(img);
        if (!strstr(msg, field_name[i]) || !strstr(msg, over))
            fail_msg("field %d: message does not name the field and the text: %s", i, msg);
        assert_string_equal(fsi_image_get_volume_id(img, w), fit);
        free(fit);
        free(over);
    }
    fsi_image_free(img);
}

/* Without strict compliance: any printable ASCII as given; control
 * characters, DEL and non-ASCII are refused. */
static void test_charset(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    char all[0x7F - 0x20 + 1];
    for (int c = 0x20; c < 0x7F; c++)
        all[c - 0x20] = (char)c;
    all[sizeof all - 1] = '\0';                     /* 95 characters */
    for (int i = 0; i < NIDS; i++) {
        fsi_volume_id w = (fsi_volume_id)i;
        /* every printable character, in pieces the field holds */
        for (size_t at = 0; at < sizeof all - 1; at += field_size[i]) {
            char piece[129];
            snprintf(piece, field_size[i] + 1, "%s", all + at);
            assert_code(fsi_image_set_volume_id(img, w, piece), FSI_S_OK);
            assert_string_equal(fsi_image_get_volume_id(img, w), piece);
        }
        assert_code(fsi_image_set_volume_id(img, w, "a\tb"), IMAPI_E_INVALID_PARAM);
        assert_code(fsi_image_set_volume_id(img, w, "del\x7f"), IMAPI_E_INVALID_PARAM);
        assert_code(fsi_image_set_volume_id(img, w, "caf\xc3\xa9"), IMAPI_E_INVALID_PARAM);
        assert_code(fsi_image_set_volume_id(img, w, "\xff"), IMAPI_E_INVALID_PARAM);
    }
    fsi_image_free(img);
}

/* With strict compliance only the field's ECMA-119 characters. */
static void test_strict(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    assert_code(fsi_image_set_strict(img, true), FSI_S_OK);
    static const struct {
        fsi_volume_id w;
        const char *text;
        fsi_hresult want;
    } cases[] = {
        {FSI_ID_PUBLISHER, "DEBIAN PROJECT", FSI_S_OK},
        {FSI_ID_PUBLISHER, "A-Z 0-9 !\"%&'()*+,-./:;<=>?_", FSI_S_OK},
        {FSI_ID_PUBLISHER, "Debian", IMAPI_E_INVALID_PARAM},       /* lower case */
        {FSI_ID_PUBLISHER, "X@Y", IMAPI_E_INVALID_PARAM},          /* not an a-character */
        {FSI_ID_SYSTEM, "LINUX", FSI_S_OK},
        {FSI_ID_SYSTEM, "linux", IMAPI_E_INVALID_PARAM},
        {FSI_ID_PREPARER, "[X]", IMAPI_E_INVALID_PARAM},
        {FSI_ID_APPLICATION, "MKIMAGE 1.0", FSI_S_OK},
        {FSI_ID_VOLUME_SET, "SET_1", FSI_S_OK},
        {FSI_ID_VOLUME_SET, "SET 1", IMAPI_E_INVALID_PARAM},       /* d-characters only */
        {FSI_ID_VOLUME_SET, "SET.1", IMAPI_E_INVALID_PARAM},
        {FSI_ID_COPYRIGHT_FILE, "COPYING.TXT;1", FSI_S_OK},        /* separators allowed */
        {FSI_ID_ABSTRACT_FILE, "ABSTRACT", FSI_S_OK},
        {FSI_ID_ABSTRACT_FILE, "ABS TRACT", IMAPI_E_INVALID_PARAM},
        {FSI_ID_BIBLIO_FILE, "biblio.txt", IMAPI_E_INVALID_PARAM},
        {FSI_ID_BIBLIO_FILE, "", FSI_S_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsi_hresult hr = fsi_image_set_volume_id(img, cases[i].w, cases[i].text);
        if (hr != cases[i].want)
            fail_msg("'%s' in field %d: got 0x%08X, want 0x%08X", cases[i].text, (int)cases[i].w,
                     (unsigned)hr, (unsigned)cases[i].want);
        if (hr == IMAPI_E_INVALID_PARAM && !strstr(fsi_image_last_error(img), "strict"))
            fail_msg("message does not say why: %s", fsi_image_last_error(img));
    }
    fsi_image_free(img);
}

/* Turning strict on checks what was set before. */
static void test_strict_after(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PREPARER, "me"), FSI_S_OK);
    assert_code(fsi_image_set_strict(img, true), IMAPI_E_INVALID_PARAM);
    assert_non_null(strstr(fsi_image_last_error(img), "data preparer"));
    assert_false(fsi_image_get_strict(img));
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PREPARER, "ME"), FSI_S_OK);
    assert_code(fsi_image_set_strict(img, true), FSI_S_OK);
    assert_true(fsi_image_get_strict(img));
    /* The defaults fit, and strict can be turned off again whatever is set. */
    assert_code(fsi_image_set_strict(img, false), FSI_S_OK);
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PREPARER, "me"), FSI_S_OK);
    assert_code(fsi_image_set_strict(img, false), FSI_S_OK);
    fsi_image_free(img);
}

/* ---- images built in memory, read back ---- */

static int64_t read_result(void *ctx, uint64_t offset, void *buf, size_t len)
{
    size_t got = 0;
    if (FSI_FAILED(fsi_result_read(ctx, offset, buf, len, &got)))
        return -1;
    return (int64_t)got;
}

struct built {
    fsi_result *res;
    fsi_disc *disc;
};

static void build(fsi_image *img, struct built *b)
{
    assert_code(fsi_create_result(img, &b->res), FSI_S_OK);
    assert_code(fsi_disc_open_stream(fsi_result_total_blocks(b->res) * 2048, read_result, b->res,
                                     NULL, &b->disc),
                FSI_S_OK);
}

static void unbuild(struct built *b)
{
    fsi_disc_free(b->disc);
    fsi_result_free(b->res);
}

static void test_read_back(void **state)
{
    (void)state;
    fsi_image *img = new_image();
    assert_code(fsi_image_set_volume_name(img, "Debian 12 amd64 live"), FSI_S_OK);
    assert_code(fsi_image_set_volume_id(img, FSI_ID_SYSTEM, "Linux"), FSI_S_OK);
    assert_code(fsi_image_set_volume_id(img, FSI_ID_PUBLISHER, "Debian Project"), FSI_S_OK);
    char *set = repeat('s', 128);
    assert_code(fsi_image_set_volume_id(img, FSI_ID_VOLUME_SET, set), FSI_S_OK);
    assert_code(fsi_image_set_volume_id(img, FSI_ID_COPYRIGHT_FILE, "COPYING.;1"), FSI_S_OK);
    struct built b;
    build(img, &b);
    /* Read-only while a result exists. */
    assert_code(fsi_image_set_volume_id(img, FSI_ID_SYSTEM, "X"), IMAPI_E_READONLY);
    assert_code(fsi_image_set_joliet_long(img, true), IMAPI_E_READONLY);

    fsi_volume_info vi;
    assert_code(fsi_disc_volume_info(b.disc, FSI_FS_ISO9660, &vi), FSI_S_OK);
    assert_string_equal(vi.volume_name, "Debian 12 amd64 live");   /* as given */
    assert_string_equal(vi.publisher, "Debian Project");
    assert_string_equal(vi.application, "LIBFSI " PACKAGE_VERSION);
    assert_code(fsi_disc_volume_info(b.disc, FSI_FS_JOLIET, &vi), FSI_S_OK);
    assert_string_equal(vi.volume_name, "Debian 12 amd64");        /* 16 characters */
    assert_int_equal(strlen(vi.volume_set), 64);   /* UCS-2: half as many characters */
    char buf[3 * 128 + 1];
    static const struct {
        unsigned fs;
        fsi_volume_id w;
        const char *want;
    } ids[] = {
        {FSI_FS_ISO9660, FSI_ID_SYSTEM, "Linux"},
        {FSI_FS_ISO9660, FSI_ID_COPYRIGHT_FILE, "COPYING.;1"},
        {FSI_FS_ISO9660, FSI_ID_ABSTRACT_FILE, ""},
        {FSI_FS_JOLIET, FSI_ID_SYSTEM, "Linux"},
        {FSI_FS_JOLIET, FSI_ID_COPYRIGHT_FILE, "COPYING.;1"},
        {FSI_FS_JOLIET, FSI_ID_APPLICATION, "LIBFSI " PACKAGE_VERSION},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        assert_code(fsi_disc_volume_id(b.disc, ids[i].fs, ids[i].w, buf, sizeof buf), FSI_S_OK);
        assert_string_equal(buf, ids[i].want);
    }
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_ISO9660, FSI_ID_VOLUME_SET, buf, sizeof buf),
                FSI_S_OK);
    assert_string_equal(buf, set);
    /* Joliet: the field is 128 bytes, 64 UCS-2 characters. */
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_JOLIET, FSI_ID_VOLUME_SET, buf, sizeof buf),
                FSI_S_OK);
    assert_int_equal(strlen(buf), 64);
    /* A short buffer cuts; bad arguments. */
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_ISO9660, FSI_ID_SYSTEM, buf, 3), FSI_S_OK);
    assert_string_equal(buf, "Li");
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_UDF, FSI_ID_SYSTEM, buf, sizeof buf),
                IMAPI_E_INVALID_PARAM);
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_ISO9660, (fsi_volume_id)NIDS, buf, sizeof buf),
                IMAPI_E_INVALID_PARAM);
    assert_code(fsi_disc_volume_id(b.disc, FSI_FS_ISO9660, FSI_ID_SYSTEM, buf, 0),
                IMAPI_E_INVALID_PARAM);
    assert_code(fsi_disc_volume_id(NULL, FSI_FS_ISO9660, FSI_ID_SYSTEM, buf, sizeof buf),
                FSI_E_POINTER);
    unbuild(&b);
    free(set);
    fsi_image_free(img);
}

/* The primary descriptor's volume identifier: as given when printable
 * ASCII, d-characters with strict compliance or when it is not ASCII. */
static void test_volume_name_forms(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool strict;
        const char *iso;
    } cases[] = {
        {"Debian 12 amd64 live", false, "Debian 12 amd64 live"},
        {"Debian 12 amd64 live", true, "DEBIAN_12_AMD64_LIVE"},
        {"a.b-c~d", false, "a.b-c~d"},
        {"caf\xc3\xa9 disc", false, "CAFE_DISC"},
        {"0123456789012345678901234567890X", false, "0123456789012345678901234567890X"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsi_image *img = new_image();
        assert_code(fsi_image_set_strict(img, cases[i].strict), FSI_S_OK);
        assert_code(fsi_image_set_volume_name(img, cases[i].name), FSI_S_OK);
        assert_code(fsi_image_set_file_systems(img, FSI_FS_ISO9660), FSI_S_OK);
        struct built b;
        build(img, &b);
        fsi_volume_info vi;
        assert_code(fsi_disc_volume_info(b.disc, FSI_FS_ISO9660, &vi), FSI_S_OK);
        assert_string_equal(vi.volume_name, cases[i].iso);
        unbuild(&b);
        fsi_image_free(img);
    }
}

struct names {
    size_t n, len[8];
};

static int take_name(void *ctx, const fsi_disc_entry *e)
{
    struct names *s = ctx;
    if (e->depth == 1 && s->n < 8)
        s->len[s->n++] = e->name_len;
    return 0;
}

/* A 100-character name: 64 in Joliet by default, whole with long names;
 * the size estimate follows the switch. */
static void test_joliet_long(void **state)
{
    (void)state;
    for (int on = 0; on <= 1; on++) {
        fsi_image *img = new_image();
        assert_code(fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_JOLIET), FSI_S_OK);
        char *name = repeat('n', 101);
        name[0] = '/';
        for (int i = 0; i < 40; i++) {
            name[1] = (char)('a' + i % 20);
            name[2] = (char)('a' + i / 20);
            assert_code(fsi_add_file_mem(img, name, "x", 1), FSI_S_OK);
        }
        uint64_t before, after;
        assert_code(fsi_image_used_blocks(img, &before), FSI_S_OK);
        assert_code(fsi_image_set_joliet_long(img, on), FSI_S_OK);
        assert_code(fsi_image_used_blocks(img, &after), FSI_S_OK);
        struct built b;
        build(img, &b);
        assert_int_equal(after, fsi_result_total_blocks(b.res));
        if (on)
            assert_true(after > before);   /* longer Joliet records */
        struct names s = {0};
        assert_code(fsi_disc_walk(b.disc, FSI_FS_JOLIET, "/", 0, take_name, &s), FSI_S_OK);
        assert_int_equal(s.n, 8);
        for (size_t i = 0; i < s.n; i++)
            assert_int_equal(s.len[i], on ? 100 : 64);
        unbuild(&b);
        free(name);
        fsi_image_free(img);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_set_clear),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_charset),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_strict_after),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_volume_name_forms),
        cmocka_unit_test(test_joliet_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
