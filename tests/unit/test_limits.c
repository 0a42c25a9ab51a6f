/* SPDX-License-Identifier: BSD-2-Clause */
/* test_limits.c - FreeMediaBlocks, UsedBlocks and media presets through
 * the public API: the estimate is the exact size of the result, adds past
 * the limit fail with IMAPI_E_IMAGE_SIZE_LIMIT and change nothing. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsi.h"
#include "testutil.h"


static uint64_t result_blocks(fsi_image *img)
{
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    uint64_t n = fsi_result_total_blocks(res);
    fsi_result_free(res);
    return n;
}

static void fill(fsi_image *img, int files, size_t size)
{
    static char buf[1 << 16];
    char p[64];
    for (int i = 0; i < files; i++) {
        if (i % 50 == 0) {
            snprintf(p, sizeof p, "dir%03d", i / 50);
            assert_code(fsi_add_dir(img, p), FSI_S_OK);
        }
        snprintf(p, sizeof p, "dir%03d/a rather long file name number %05d.txt", i / 50, i);
        assert_code(fsi_add_file_mem(img, p, buf, size % sizeof buf), FSI_S_OK);
    }
}

static void test_used_blocks_is_exact(void **state)
{
    (void)state;
    static const unsigned fss[] = {FSI_FS_ISO9660, FSI_FS_ISO9660 | FSI_FS_JOLIET, FSI_FS_UDF,
                                   FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF};
    for (size_t k = 0; k < sizeof fss / sizeof fss[0]; k++) {
        fsi_image *img;
        assert_code(fsi_image_new(&img), FSI_S_OK);
        assert_code(fsi_image_set_file_systems(img, fss[k]), FSI_S_OK);
        fill(img, 300, 3000 + k);
        uint64_t used;
        assert_code(fsi_image_used_blocks(img, &used), FSI_S_OK);
        assert_int_equal(used, result_blocks(img));
        fsi_image_free(img);
    }
}

static void test_size_limit_on_add(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    fill(img, 10, 100);
    uint64_t used;
    assert_code(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, used + 20), FSI_S_OK);
    /* 10 blocks of data fit; 100 do not */
    static char big[100 * 2048];
    assert_code(fsi_add_file_mem(img, "fits.bin", big, 10 * 2048), FSI_S_OK);
    uint64_t files = fsi_image_file_count(img);
    assert_code(fsi_add_file_mem(img, "toobig.bin", big, sizeof big), IMAPI_E_IMAGE_SIZE_LIMIT);
    assert_non_null(strstr(fsi_image_last_error(img), "toobig.bin"));
    fsi_item_type t;
    assert_code(fsi_exists(img, "toobig.bin", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_NOT_FOUND);
    assert_int_equal(fsi_image_file_count(img), files);
    /* the image stays within the limit, exactly as estimated */
    uint64_t now;
    assert_code(fsi_image_used_blocks(img, &now), FSI_S_OK);
    assert_true(now <= used + 20);
    assert_int_equal(now, result_blocks(img));
    fsi_image_free(img);
}

static void test_size_limit_exact_boundary(void **state)
{
    (void)state;
    /* a limit of exactly the size with the file is fine, one less is not */
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    static char data[40 * 2048];
    assert_code(fsi_add_file_mem(img, "f", data, sizeof data), FSI_S_OK);
    uint64_t with;
    assert_code(fsi_image_used_blocks(img, &with), FSI_S_OK);
    assert_code(fsi_remove(img, "f"), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, with), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "f", data, sizeof data), FSI_S_OK);
    assert_code(fsi_remove(img, "f"), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, with - 1), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "f", data, sizeof data), IMAPI_E_IMAGE_SIZE_LIMIT);
    fsi_image_free(img);
}

static void test_size_limit_on_dir_and_tree(void **state)
{
    (void)state;
    char dir[] = "/tmp/fsi-limits.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p[128];
    for (int i = 0; i < 20; i++) {
        snprintf(p, sizeof p, "%s/f%02d", dir, i);
        FILE *f = fopen(p, "wb");
        for (int k = 0; k < 4096; k++)
            fputc(k, f);
        fclose(f);
    }
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    uint64_t used;
    assert_code(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, used + 10), FSI_S_OK);
    assert_code(fsi_add_tree(img, "/", dir, true), IMAPI_E_IMAGE_SIZE_LIMIT);
    assert_int_equal(fsi_image_file_count(img) + fsi_image_dir_count(img), 0);
    assert_code(fsi_add_dir(img, "a"), FSI_S_OK);
    /* raise the limit: the same tree now fits */
    assert_code(fsi_image_set_max_blocks(img, 0), FSI_S_OK);
    assert_code(fsi_add_tree(img, "/", dir, true), FSI_S_OK);
    assert_int_equal(fsi_image_file_count(img), 20);
    fsi_image_free(img);
    snprintf(p, sizeof p, "rm -rf '%s'", dir);
    assert_int_equal(system(p), 0);
}

static void test_limit_below_size_is_too_big(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    fill(img, 50, 5000);
    uint64_t used;
    assert_code(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, used - 1), IMAPI_E_IMAGE_TOO_BIG);
    assert_int_equal(fsi_image_get_max_blocks(img), 0);
    assert_code(fsi_image_set_max_blocks(img, used), FSI_S_OK);
    assert_int_equal(fsi_image_get_max_blocks(img), used);
    fsi_image_free(img);
}

static void test_media_presets(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_choose_defaults_for_media(img, FSI_MEDIA_CD), FSI_S_OK);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_JOLIET);
    assert_int_equal(fsi_image_get_max_blocks(img), 359846);
    assert_code(fsi_image_choose_defaults_for_media(img, FSI_MEDIA_DVD), FSI_S_OK);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_int_equal(fsi_image_get_udf_revision(img), 0x102);
    assert_code(fsi_image_choose_defaults_for_media(img, FSI_MEDIA_BD), FSI_S_OK);
    assert_int_equal(fsi_image_get_udf_revision(img), 0x250);
    assert_int_equal(fsi_image_get_max_blocks(img), 12219392);
    /* IMAPI's own values map to their kinds: 19 = BD-RE, 3 = CD-RW */
    assert_code(fsi_image_choose_defaults_for_media(img, (fsi_media)3), FSI_S_OK);
    assert_int_equal(fsi_image_get_max_blocks(img), 359846);
    assert_code(fsi_image_choose_defaults_for_media(img, (fsi_media)77), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_media_from_name("bd-xl"), FSI_MEDIA_BD_XL);
    assert_int_equal(fsi_media_from_name("floppy"), -1);
    fsi_image_free(img);
}

static void test_media_too_small_changes_nothing(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    /* 800 MB declared through a callback: too big for a CD */
    assert_code(fsi_add_file_cb(img, "huge.bin", 800ull << 20,
                                (fsi_read_fn)(void (*)(void))abort, NULL, NULL), FSI_S_OK);
    assert_code(fsi_image_choose_defaults_for_media(img, FSI_MEDIA_CD), IMAPI_E_IMAGE_TOO_BIG);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_int_equal(fsi_image_get_max_blocks(img), 0);
    assert_code(fsi_image_choose_defaults_for_media(img, FSI_MEDIA_DVD), FSI_S_OK);
    fsi_image_free(img);
}

static void test_many_adds_under_a_limit_stay_fast(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_max_blocks(img, 10000000), FSI_S_OK);
    char p[64];
    for (int d = 0; d < 100; d++) {
        snprintf(p, sizeof p, "d%d", d);
        assert_code(fsi_add_dir(img, p), FSI_S_OK);
        for (int i = 0; i < 500; i++) {
            snprintf(p, sizeof p, "d%d/f%d", d, i);
            assert_code(fsi_add_file_mem(img, p, NULL, 0), FSI_S_OK);
        }
    }
    assert_int_equal(fsi_image_file_count(img), 50000);
    fsi_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_used_blocks_is_exact),
        cmocka_unit_test(test_size_limit_on_add),
        cmocka_unit_test(test_size_limit_exact_boundary),
        cmocka_unit_test(test_size_limit_on_dir_and_tree),
        cmocka_unit_test(test_limit_below_size_is_too_big),
        cmocka_unit_test(test_media_presets),
        cmocka_unit_test(test_media_too_small_changes_nothing),
        cmocka_unit_test(test_many_adds_under_a_limit_stay_fast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
