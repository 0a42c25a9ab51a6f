/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_append.c - appending a session in place through the public API
 * (fsi_image_set_append, fsi_import_exclude, fsi_result_append): the
 * session lands, the sessions are listed and each reads as it was, and
 * the codes only the library can be made to raise are checked by name:
 * IMAPI_E_DISC_MISMATCH (the image grew, its head changed, another file),
 * IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED (a read-only descriptor, a stream),
 * IMAPI_E_MULTISESSION_NOT_SET (a result not set up to append) and
 * fsi_import_exclude's IMAPI_E_INVALID_PATH.  Each failure leaves the
 * image byte-identical.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsi.h"
#include "testutil.h"

static char dir[64], path[128];

/* An ISO9660+Joliet image of /a.txt and /docs/b.bin at `path`. */
static void make_base(void)
{
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_JOLIET), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "/a.txt", "one\n", 4), FSI_S_OK);
    assert_code(fsi_add_dir(img, "/docs"), FSI_S_OK);
    static uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    assert_code(fsi_add_file_mem(img, "/docs/b.bin", big, sizeof big), FSI_S_OK);
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_code(fsi_result_write_fd(res, fd, NULL), FSI_S_OK);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(img);
}

static int setup(void **state)
{
    (void)state;
    if (scratch_make(dir, sizeof dir, "append") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/disc.iso", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return scratch_remove(dir);
}

static uint8_t *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(*n + 1);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

/* An image set up to append to `path`, with /c.txt added and /a.txt
 * left out; its result in *res. */
static fsi_image *prepare(fsi_disc **disc, fsi_result **res)
{
    fsi_image *img;
    assert_code(fsi_disc_open(path, disc), FSI_S_OK);
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_JOLIET), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "/c.txt", "three\n", 6), FSI_S_OK);
    assert_code(fsi_image_set_append(img, *disc), FSI_S_OK);
    assert_code(fsi_import_exclude(img, "a.txt/"), FSI_S_OK);
    assert_code(fsi_import(img, *disc, FSI_FS_NONE, 0, NULL), FSI_S_OK);
    assert_code(fsi_create_result(img, res), FSI_S_OK);
    return img;
}

static void test_append_and_sessions(void **state)
{
    (void)state;
    make_base();
    fsi_disc *disc;
    fsi_result *res;
    fsi_image *img = prepare(&disc, &res);
    uint64_t first = fsi_result_first_block(res);
    assert_true(first % 16 == 0 && first > 0);
    int fd = open(path, O_RDWR);
    uint64_t written = 0;
    assert_code(fsi_result_append(res, fd, &written), FSI_S_OK);
    assert_true(written > 0);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(img);
    fsi_disc_free(disc);

    /* Two sessions; the last has /c.txt and no /a.txt, the first as it was. */
    assert_code(fsi_disc_open(path, &disc), FSI_S_OK);
    uint64_t starts[4];
    size_t n = 0;
    assert_code(fsi_disc_sessions(disc, starts, 4, &n), FSI_S_OK);
    assert_int_equal(n, 2);
    assert_int_equal(starts[1], first);
    fsi_item_type t;
    fsi_image *chk;
    assert_code(fsi_image_new(&chk), FSI_S_OK);
    assert_code(fsi_import(chk, disc, FSI_FS_JOLIET, 0, NULL), FSI_S_OK);
    assert_code(fsi_exists(chk, "/c.txt", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_FILE);
    assert_code(fsi_exists(chk, "/a.txt", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_NOT_FOUND);
    fsi_image_free(chk);
    assert_code(fsi_disc_set_session(disc, 1), FSI_S_OK);
    assert_code(fsi_image_new(&chk), FSI_S_OK);
    assert_code(fsi_import(chk, disc, FSI_FS_ISO9660, 0, NULL), FSI_S_OK);
    assert_code(fsi_exists(chk, "/a.txt", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_FILE);
    assert_code(fsi_exists(chk, "/c.txt", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_NOT_FOUND);
    fsi_image_free(chk);
    fsi_disc_free(disc);
}

/* mutate: what changes the image (or the descriptor) between set-up and
 * write; the append then fails with `want` and the image stays as the
 * mutation left it. */
static void failing(int (*mutate)(int fd), int flags, fsi_hresult want)
{
    make_base();
    fsi_disc *disc;
    fsi_result *res;
    fsi_image *img = prepare(&disc, &res);
    int fd = open(path, flags);
    assert_true(fd >= 0);
    if (mutate)
        assert_int_equal(mutate(fd), 0);
    size_t n0, n1;
    uint8_t *before = slurp(path, &n0);
    assert_code(fsi_result_append(res, fd, NULL), want);
    assert_true(strlen(fsi_image_last_error(img)) > 0);
    uint8_t *after = slurp(path, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(img);
    fsi_disc_free(disc);
}

static int grow(int fd)
{
    struct stat st;
    fstat(fd, &st);
    return pwrite(fd, "\0\0\0\0", 4, st.st_size) == 4 ? 0 : -1;
}

static int touch_head(int fd)
{
    return pwrite(fd, "X", 1, 16 * 2048 + 900) == 1 ? 0 : -1;
}

static void test_mismatch_size(void **state)
{
    (void)state;
    failing(grow, O_RDWR, IMAPI_E_DISC_MISMATCH);
}

static void test_mismatch_head(void **state)
{
    (void)state;
    failing(touch_head, O_RDWR, IMAPI_E_DISC_MISMATCH);
}

static void test_read_only_fd(void **state)
{
    (void)state;
    failing(NULL, O_RDONLY, IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED);
}

static void test_another_file(void **state)
{
    (void)state;
    make_base();
    fsi_disc *disc;
    fsi_result *res;
    fsi_image *img = prepare(&disc, &res);
    char other[160];
    snprintf(other, sizeof other, "%s/other.iso", dir);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, other);
    assert_int_equal(system(cmd), 0);
    int fd = open(other, O_RDWR);
    assert_code(fsi_result_append(res, fd, NULL), IMAPI_E_DISC_MISMATCH);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(img);
    fsi_disc_free(disc);
}

static int64_t mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const uint8_t *b = ctx;
    memcpy(buf, b + off, len);
    return (int64_t)len;
}

static void test_stream_and_not_set(void **state)
{
    (void)state;
    make_base();
    size_t n;
    uint8_t *bytes = slurp(path, &n);
    fsi_disc *disc;
    assert_code(fsi_disc_open_stream(n, mem_read, bytes, NULL, &disc), FSI_S_OK);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_append(img, disc), IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED);
    assert_non_null(strstr(fsi_image_last_error(img), "regular file or a block device"));
    /* A result that is no append. */
    assert_code(fsi_add_file_mem(img, "/x", "x", 1), FSI_S_OK);
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    int fd = open(path, O_RDWR);
    assert_code(fsi_result_append(res, fd, NULL), IMAPI_E_MULTISESSION_NOT_SET);
    close(fd);
    fsi_result_free(res);
    assert_code(fsi_import_exclude(img, "//"), IMAPI_E_INVALID_PATH);
    fsi_image_free(img);
    fsi_disc_free(disc);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_sessions),
        cmocka_unit_test(test_mismatch_size),
        cmocka_unit_test(test_mismatch_head),
        cmocka_unit_test(test_read_only_fd),
        cmocka_unit_test(test_another_file),
        cmocka_unit_test(test_stream_and_not_set),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
