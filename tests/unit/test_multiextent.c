/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_multiextent.c - ISO9660 level 3 multi-extent files, on small files:
 * this test is built with the library's sources and ISO_SECTION_MAX set
 * to 3 blocks (see Makefile.am), so a 20000-byte file needs 4 sections.
 * Checks the directory records of both views (same name, multi-extent
 * flag on all but the last, section sizes, consecutive locations), that
 * the data reads back contiguous, and the limits: one section at levels
 * 1-2 (IMAPI_E_DATA_TOO_BIG), at most 100 sections at level 3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsi.h"

#if !defined(ISO_SECTION_MAX) || ISO_SECTION_MAX != 6144
#error "build with -DISO_SECTION_MAX=6144"
#endif
#define SECTION 6144u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void read_at(fsi_result *res, uint64_t off, void *buf, size_t len)
{
    size_t got = 0;
    assert_int_equal(fsi_result_read(res, off, buf, len, &got), FSI_S_OK);
    assert_int_equal(got, len);
}

struct rec {
    uint32_t block, size;
    uint8_t flags;
    char id[64];
    uint8_t id_len;
};

/* The records of the root directory of the volume described at block vd
 * (16: ISO9660, 17: Joliet), '.' and '..' left out. */
static size_t root_records(fsi_result *res, uint32_t vd, struct rec *out, size_t max)
{
    uint8_t b[2048];
    read_at(res, (uint64_t)vd * 2048, b, sizeof b);
    uint32_t root = le32(b + 156 + 2), size = le32(b + 156 + 10);
    assert_int_equal(be32(b + 156 + 6), root);
    size_t n = 0;
    for (uint32_t blk = 0; blk < size / 2048; blk++) {
        read_at(res, (uint64_t)(root + blk) * 2048, b, sizeof b);
        for (size_t pos = 0; pos < 2048 && b[pos] != 0; pos += b[pos]) {
            const uint8_t *r = b + pos;
            assert_true(pos + r[0] <= 2048);            /* never straddles */
            if (r[32] == 1 && (r[33] == 0 || r[33] == 1))
                continue;
            assert_true(n < max);
            out[n].block = le32(r + 2);
            assert_int_equal(be32(r + 6), out[n].block);
            out[n].size = le32(r + 10);
            assert_int_equal(be32(r + 14), out[n].size);
            out[n].flags = r[25];
            out[n].id_len = r[32];
            memcpy(out[n].id, r + 33, r[32]);
            n++;
        }
    }
    return n;
}

static fsi_image *image_with(int level, uint64_t size)
{
    fsi_image *img;
    assert_int_equal(fsi_image_new(&img), FSI_S_OK);
    assert_int_equal(fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_JOLIET), FSI_S_OK);
    assert_int_equal(fsi_image_set_iso_level(img, level), FSI_S_OK);
    uint8_t *data = malloc(size ? size : 1);
    for (uint64_t i = 0; i < size; i++)
        data[i] = (uint8_t)(i * 131 + i / 251);
    assert_int_equal(fsi_add_file_mem(img, "/big.bin", data, size), FSI_S_OK);
    assert_int_equal(fsi_add_file_mem(img, "/z.txt", "z", 1), FSI_S_OK);
    free(data);
    return img;
}

static void test_level3_splits_a_file_into_sections(void **state)
{
    (void)state;
    const uint64_t size = 20000;        /* 3 full sections and 1568 bytes */
    fsi_image *img = image_with(3, size);
    fsi_result *res;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    for (uint32_t vd = 16; vd <= 17; vd++) {
        struct rec r[16];
        size_t n = root_records(res, vd, r, 16);
        assert_int_equal(n, 5);                 /* 4 sections + z.txt */
        for (size_t i = 0; i < 4; i++) {
            assert_int_equal(r[i].id_len, r[0].id_len);
            assert_memory_equal(r[i].id, r[0].id, r[0].id_len);
            assert_int_equal(r[i].flags, i < 3 ? 0x80 : 0);
            assert_int_equal(r[i].size, i < 3 ? SECTION : size - 3 * SECTION);
            assert_int_equal(r[i].block, r[0].block + i * (SECTION / 2048));
        }
        assert_int_equal(r[4].flags, 0);
        /* The sections read back as the whole file. */
        uint8_t *buf = malloc(size);
        read_at(res, (uint64_t)r[0].block * 2048, buf, size);
        for (uint64_t i = 0; i < size; i++)
            assert_int_equal(buf[i], (uint8_t)(i * 131 + i / 251));
        free(buf);
    }
    fsi_result_free(res);
    fsi_image_free(img);
}

static void test_a_file_of_one_section_has_one_record(void **state)
{
    (void)state;
    fsi_image *img = image_with(3, SECTION);
    fsi_result *res;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    struct rec r[4];
    assert_int_equal(root_records(res, 16, r, 4), 2);
    assert_int_equal(r[0].flags, 0);
    assert_int_equal(r[0].size, SECTION);
    fsi_result_free(res);
    fsi_image_free(img);
}

static void test_levels_1_and_2_refuse_a_second_section(void **state)
{
    (void)state;
    for (int level = 1; level <= 2; level++) {
        fsi_image *img = image_with(level, SECTION + 1);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), IMAPI_E_DATA_TOO_BIG);
        assert_null(res);
        assert_non_null(strstr(fsi_image_last_error(img), "/big.bin"));
        assert_non_null(strstr(fsi_image_last_error(img), "ISO9660"));
        /* The tree stays writable after a failed create. */
        assert_int_equal(fsi_add_dir(img, "/d"), FSI_S_OK);
        fsi_image_free(img);
    }
}

static void test_level3_allows_100_sections_not_101(void **state)
{
    (void)state;
    fsi_image *img = image_with(3, 100 * (uint64_t)SECTION);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    fsi_result_free(res);
    fsi_image_free(img);
    img = image_with(3, 100 * (uint64_t)SECTION + 1);
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_DATA_TOO_BIG);
    fsi_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level3_splits_a_file_into_sections),
        cmocka_unit_test(test_a_file_of_one_section_has_one_record),
        cmocka_unit_test(test_levels_1_and_2_refuse_a_second_section),
        cmocka_unit_test(test_level3_allows_100_sections_not_101),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
