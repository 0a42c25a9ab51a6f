/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_import.c - the disc and import through the public API: images made
 * in memory by the writer are read back (identify, volume facts, walk,
 * import); imported items behave like any other and their data, read
 * from the old image, lands in a new one byte for byte; every code the
 * disc and import can raise is triggered and checked by name.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsi.h"
#include "testutil.h"

/* Content of test file i: bytes a reader cannot guess. */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

static const struct {
    const char *path;
    size_t size;
} files[] = {
    { "/a.txt", 5 },
    { "/empty", 0 },
    { "/docs/b.bin", 2049 },
    { "/docs/deep/c.bin", 70000 },
    { "/Mixed Case Name.txt", 2048 },
};
#define NFILES (sizeof files / sizeof *files)

/* Write an image with `fs` of the test tree into a new temporary file;
 * returns its path (static buffer). */
static const char *make_image(unsigned fs, int udf_rev)
{
    static char path[64];
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_file_systems(img, fs), FSI_S_OK);
    if (udf_rev)
        assert_code(fsi_image_set_udf_revision(img, udf_rev), FSI_S_OK);
    assert_code(fsi_image_set_volume_name(img, "IMPORTME"), FSI_S_OK);
    assert_code(fsi_add_dir(img, "/docs"), FSI_S_OK);
    assert_code(fsi_add_dir(img, "/docs/deep"), FSI_S_OK);
    assert_code(fsi_add_dir(img, "/emptydir"), FSI_S_OK);
    for (size_t i = 0; i < NFILES; i++) {
        uint8_t *buf = malloc(files[i].size + 1);
        fill(buf, files[i].size, (unsigned)i);
        assert_code(fsi_add_file_mem(img, files[i].path, buf, files[i].size), FSI_S_OK);
        free(buf);
    }
    assert_code(fsi_set_hidden(img, "/a.txt", true), FSI_S_OK);
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    snprintf(path, sizeof path, "/tmp/fsi-import.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_code(fsi_result_write_fd(res, fd, NULL), FSI_S_OK);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(img);
    return path;
}

static fsi_disc *open_disc(const char *path)
{
    fsi_disc *d;
    assert_code(fsi_disc_open(path, &d), FSI_S_OK);
    return d;
}

/* --- walking --- */

struct seen {
    fsi_disc *disc;
    unsigned found;      /* bit i: files[i] seen with the right data */
    unsigned dirs;
    bool hidden_a;
};

static int check_entry(void *ctx, const fsi_disc_entry *e)
{
    struct seen *s = ctx;
    if (e->type == FSI_ENTRY_DIRECTORY) {
        s->dirs++;
        return 0;
    }
    for (size_t i = 0; i < NFILES; i++) {
        if (strcmp(e->path, files[i].path) != 0)
            continue;
        assert_int_equal(e->size, files[i].size);
        uint8_t *want = malloc(files[i].size + 1), *got = malloc(files[i].size + 1);
        fill(want, files[i].size, (unsigned)i);
        size_t n = 99;
        assert_code(fsi_disc_read(s->disc, e->extents, e->nextents, 0, got, files[i].size, &n),
                    FSI_S_OK);
        assert_int_equal(n, files[i].size);
        assert_memory_equal(got, want, files[i].size);
        free(want);
        free(got);
        if (i == 0)
            s->hidden_a = e->hidden;
        s->found |= 1u << i;
    }
    return 0;
}

static void walk_view(const char *img, unsigned fs, unsigned flags)
{
    fsi_disc *d = open_disc(img);
    struct seen s = { .disc = d };
    fsi_hresult hr = fsi_disc_walk(d, fs, "/", FSI_WALK_RECURSIVE | flags, check_entry, &s);
    if (FSI_FAILED(hr))
        fail_msg("walk of fs %u: %s", fs, fsi_disc_last_error(d));
    assert_int_equal(s.found, (1u << NFILES) - 1);
    assert_int_equal(s.dirs, 3);
    assert_true(s.hidden_a);
    fsi_disc_free(d);
}

static void test_walk_every_view_of_a_bridge(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    unsigned fs = 0;
    assert_code(fsi_disc_validate(d), FSI_S_OK);
    assert_code(fsi_disc_identify(d, &fs), FSI_S_OK);
    assert_int_equal(fs, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_int_equal(fsi_default_fs_for_import(fs), FSI_FS_UDF);
    fsi_volume_info v;
    assert_code(fsi_disc_volume_info(d, FSI_FS_UDF, &v), FSI_S_OK);
    assert_string_equal(v.volume_name, "IMPORTME");
    assert_int_equal(v.level, 0x102);
    assert_code(fsi_disc_volume_info(d, FSI_FS_JOLIET, &v), FSI_S_OK);
    assert_string_equal(v.volume_name, "IMPORTME");
    fsi_disc_free(d);
    /* Plain ISO9660 names are upper case: walk Joliet and UDF by path. */
    walk_view(img, FSI_FS_JOLIET, 0);
    walk_view(img, FSI_FS_UDF, 0);
    unlink(img);
}

static void test_walk_every_udf_revision(void **state)
{
    (void)state;
    static const int revs[] = { 0x102, 0x150, 0x200, 0x201, 0x250, 0x260 };
    for (size_t i = 0; i < sizeof revs / sizeof *revs; i++) {
        const char *img = make_image(FSI_FS_UDF, revs[i]);
        fsi_disc *d = open_disc(img);
        fsi_volume_info v;
        assert_code(fsi_disc_volume_info(d, FSI_FS_UDF, &v), FSI_S_OK);
        assert_int_equal(v.level, revs[i]);
        fsi_disc_free(d);
        walk_view(img, FSI_FS_UDF, 0);
        unlink(img);
    }
}

static int count_entries(void *ctx, const fsi_disc_entry *e)
{
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int stop_at_two(void *ctx, const fsi_disc_entry *e)
{
    (void)e;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_walk_a_path_a_file_and_stop(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    int n = 0;
    assert_code(fsi_disc_walk(d, FSI_FS_UDF, "/docs", 0, count_entries, &n), FSI_S_OK);
    assert_int_equal(n, 2);                      /* b.bin and deep */
    n = 0;
    assert_code(fsi_disc_walk(d, FSI_FS_UDF, "docs/deep/c.bin", 0, count_entries, &n), FSI_S_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_code(fsi_disc_walk(d, FSI_FS_UDF, "/", FSI_WALK_RECURSIVE, stop_at_two, &n), 42);
    assert_code(fsi_disc_walk(d, FSI_FS_UDF, "/nope", 0, count_entries, &n),
                IMAPI_E_ITEM_NOT_FOUND);
    assert_non_null(strstr(fsi_disc_last_error(d), "/nope"));
    assert_code(fsi_disc_walk(d, FSI_FS_UDF, "/a.txt/x", 0, count_entries, &n), IMAPI_E_NOT_DIR);
    fsi_disc_free(d);
    unlink(img);
}

/* --- import --- */

struct progress {
    int calls, dirs_seen, cancel_at;
};

static int on_progress(void *ctx, unsigned fs, const char *item, uint64_t dd, uint64_t dt,
                       uint64_t fd, uint64_t ft)
{
    (void)fs; (void)dd; (void)dt; (void)fd; (void)ft;
    struct progress *p = ctx;
    p->calls++;
    size_t n = strlen(item);
    if (n && item[n - 1] == '/')
        p->dirs_seen++;
    return p->cancel_at && p->calls == p->cancel_at;
}

/* Import, then write a new image of the imported tree plus one new file,
 * and check that image's files read back with their data. */
static void import_round_trip(unsigned fs_written, unsigned fs_import)
{
    const char *img = make_image(fs_written, 0);
    char path[64];
    snprintf(path, sizeof path, "%s", img);
    fsi_disc *d = open_disc(path);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    struct progress p = { 0 };
    assert_code(fsi_image_set_import_progress(im, on_progress, &p), FSI_S_OK);
    unsigned got = 0;
    fsi_hresult hr = fsi_import(im, d, fs_import, 0, &got);
    if (FSI_FAILED(hr))
        fail_msg("import: %s", fsi_image_last_error(im));
    assert_int_equal(got, fs_import ? fs_import : FSI_FS_UDF);
    assert_string_equal(fsi_image_get_imported_volume_name(im), "IMPORTME");
    assert_int_equal(fsi_image_file_count(im), NFILES);
    assert_int_equal(fsi_image_dir_count(im), 3);
    assert_int_equal(p.calls, NFILES + 3);
    assert_int_equal(p.dirs_seen, 3);
    fsi_disc_free(d);   /* the image keeps its own reference */

    /* Imported items are items like others. */
    fsi_item_info info;
    fsi_item it;
    assert_code(fsi_lookup(im, "/a.txt", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &info), FSI_S_OK);
    assert_true(info.hidden);
    assert_code(fsi_remove(im, "/empty"), FSI_S_OK);
    assert_code(fsi_add_file_mem(im, "/docs/new.txt", "new", 3), FSI_S_OK);

    fsi_result *res;
    assert_code(fsi_create_result(im, &res), FSI_S_OK);
    char out[64] = "/tmp/fsi-import-out.XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    assert_code(fsi_result_write_fd(res, fd, NULL), FSI_S_OK);
    close(fd);
    fsi_result_free(res);
    fsi_image_free(im);
    unlink(path);   /* the new image holds the data now */

    fsi_disc *d2 = open_disc(out);
    struct seen s = { .disc = d2 };
    assert_code(fsi_disc_walk(d2, FSI_FS_UDF, "/", FSI_WALK_RECURSIVE, check_entry, &s), FSI_S_OK);
    assert_int_equal(s.found, ((1u << NFILES) - 1) & ~2u);   /* /empty was removed */
    assert_true(s.hidden_a);
    fsi_disc_free(d2);
    unlink(out);
}

static void test_import_default_and_write_again(void **state)
{
    (void)state;
    import_round_trip(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, FSI_FS_NONE);
}

static void test_import_joliet_and_write_again(void **state)
{
    (void)state;
    import_round_trip(FSI_FS_ISO9660 | FSI_FS_JOLIET, FSI_FS_JOLIET);
}

static void test_import_keeps_items_in_memory(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_add_dir(im, "/docs"), FSI_S_OK);
    assert_code(fsi_add_file_mem(im, "/docs/b.bin", "mine", 4), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_UDF, 0, NULL), FSI_S_OK);
    fsi_item it;
    fsi_item_info info;
    assert_code(fsi_lookup(im, "/docs/b.bin", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &info), FSI_S_OK);
    assert_int_equal(info.size, 4);                         /* ours won */
    assert_code(fsi_lookup(im, "/docs/deep/c.bin", &it), FSI_S_OK);   /* merged */
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(img);
}

static void test_import_type_collisions(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    fsi_image *im;
    uint64_t before;

    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_add_dir(im, "/a.txt"), FSI_S_OK);
    assert_code(fsi_add_file_mem(im, "/other", "x", 1), FSI_S_OK);
    assert_code(fsi_change_point(im, &before), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL),
                IMAPI_E_IMPORT_TYPE_COLLISION_FILE_EXISTS_AS_DIRECTORY);
    assert_non_null(strstr(fsi_image_last_error(im), "/a.txt"));
    assert_int_equal(fsi_image_file_count(im), 1);          /* all or nothing */
    assert_int_equal(fsi_image_dir_count(im), 1);
    fsi_image_free(im);

    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_add_file_mem(im, "/docs", "x", 1), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL),
                IMAPI_E_IMPORT_TYPE_COLLISION_DIRECTORY_EXISTS_AS_FILE);
    assert_non_null(strstr(fsi_image_last_error(im), "/docs"));
    assert_int_equal(fsi_image_file_count(im), 1);
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(img);
}

/* An import leaves its directories out of the name index until a name
 * is looked up in them (tree.c): every way of reaching one by name must
 * find what the disc gave it, refuse a second item of a name it holds,
 * and survive being rolled back and imported again. */
static void test_imported_directories_are_found_by_name(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    fsi_image *im;
    fsi_item it;
    uint64_t start, after;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_change_point(im, &start), FSI_S_OK);
    for (int round = 0; round < 2; round++) {
        assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL), FSI_S_OK);
        for (size_t i = 0; i < NFILES; i++)
            assert_code(fsi_lookup(im, files[i].path, &it), FSI_S_OK);
        assert_code(fsi_lookup(im, "/docs/deep/none", &it), IMAPI_E_ITEM_NOT_FOUND);
        assert_code(fsi_add_file_mem(im, "/docs/deep/c.bin", "x", 1), IMAPI_E_DUP_NAME);
        assert_code(fsi_add_dir(im, "/emptydir/x"), FSI_S_OK);
        assert_code(fsi_add_dir(im, "/emptydir/x"), IMAPI_E_DUP_NAME);
        assert_code(fsi_change_point(im, &after), FSI_S_OK);
        assert_code(fsi_remove(im, "/docs/b.bin"), FSI_S_OK);
        assert_code(fsi_lookup(im, "/docs/b.bin", &it), IMAPI_E_ITEM_NOT_FOUND);
        assert_code(fsi_add_file_mem(im, "/docs/b.bin", "new", 3), FSI_S_OK);
        assert_code(fsi_rollback(im, after), FSI_S_OK);
        fsi_item_info info;
        assert_code(fsi_lookup(im, "/docs/b.bin", &it), FSI_S_OK);
        assert_code(fsi_item_get_info(im, it, &info), FSI_S_OK);
        assert_int_equal(info.size, 2049);
        assert_code(fsi_add_file_mem(im, "/docs/b.bin", "x", 1), IMAPI_E_DUP_NAME);
        assert_int_equal(fsi_image_file_count(im), NFILES);
        /* Undo the whole import: its slots are used again next round. */
        assert_code(fsi_rollback(im, start), FSI_S_OK);
        assert_int_equal(fsi_image_file_count(im) + fsi_image_dir_count(im), 0);
        assert_code(fsi_lookup(im, "/docs", &it), IMAPI_E_ITEM_NOT_FOUND);
    }
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(img);
}

/* Two entries of one name in a directory the import makes: one item. */
static void test_import_merges_names_a_directory_repeats(void **state)
{
    (void)state;
    fsi_image *w;
    assert_code(fsi_image_new(&w), FSI_S_OK);
    assert_code(fsi_image_set_file_systems(w, FSI_FS_ISO9660), FSI_S_OK);
    assert_code(fsi_add_dir(w, "/SUB"), FSI_S_OK);
    assert_code(fsi_add_file_mem(w, "/SUB/AAAA.TXT", "first", 5), FSI_S_OK);
    assert_code(fsi_add_file_mem(w, "/SUB/AAAB.TXT", "second", 6), FSI_S_OK);
    assert_code(fsi_add_file_mem(w, "/SUB/AAAC.TXT", "third", 5), FSI_S_OK);
    fsi_result *res;
    assert_code(fsi_create_result(w, &res), FSI_S_OK);
    char path[64];
    snprintf(path, sizeof path, "/tmp/fsi-import-dup.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_code(fsi_result_write_fd(res, fd, NULL), FSI_S_OK);
    fsi_result_free(res);
    fsi_image_free(w);
    /* Rename AAAB.TXT to AAAA.TXT in its directory record: the ISO9660
     * name and the Rock Ridge one. */
    off_t size = lseek(fd, 0, SEEK_END);
    uint8_t *b = malloc((size_t)size);
    assert_int_equal(pread(fd, b, (size_t)size, 0), size);
    int renamed = 0;
    for (off_t i = 0; i + 8 <= size; i++)
        if (!memcmp(b + i, "AAAB.TXT", 8)) {
            assert_int_equal(pwrite(fd, "AAAA.TXT", 8, i), 8);
            renamed++;
        }
    assert_int_equal(renamed, 2);
    free(b);
    close(fd);

    fsi_disc *d = open_disc(path);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL), FSI_S_OK);
    assert_int_equal(fsi_image_file_count(im), 2);
    fsi_item it;
    assert_code(fsi_lookup(im, "/SUB/AAAA.TXT", &it), FSI_S_OK);
    assert_code(fsi_lookup(im, "/SUB/AAAC.TXT", &it), FSI_S_OK);
    assert_code(fsi_add_file_mem(im, "/SUB/AAAA.TXT", "x", 1), IMAPI_E_DUP_NAME);
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(path);
}

static void test_import_cancelled_adds_nothing(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0);
    fsi_disc *d = open_disc(img);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    struct progress p = { .cancel_at = 4 };
    assert_code(fsi_image_set_import_progress(im, on_progress, &p), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL), E_IMAPI_REQUEST_CANCELLED);
    assert_int_equal(fsi_image_file_count(im) + fsi_image_dir_count(im), 0);
    assert_null(fsi_image_get_imported_volume_name(im));
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(img);
}

/* --- the codes --- */

static const char *write_bytes(const void *data, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/fsi-import-bytes.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_empty_and_unknown_images(void **state)
{
    (void)state;
    fsi_disc *d;
    fsi_image *im;
    unsigned fs;
    assert_code(fsi_image_new(&im), FSI_S_OK);

    const char *p = write_bytes("", 0);                     /* empty */
    d = open_disc(p);
    assert_code(fsi_disc_identify(d, &fs), IMAPI_E_EMPTY_DISC);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL), IMAPI_E_EMPTY_DISC);
    fsi_disc_free(d);
    unlink(p);

    uint8_t *z = calloc(1, 600 * 2048);                     /* all zeros */
    p = write_bytes(z, 600 * 2048);
    d = open_disc(p);
    assert_code(fsi_disc_identify(d, &fs), IMAPI_E_EMPTY_DISC);
    assert_code(fsi_disc_validate(d), IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND);
    fsi_disc_free(d);
    unlink(p);

    fill(z, 600 * 2048, 99);                                /* noise */
    p = write_bytes(z, 600 * 2048);
    d = open_disc(p);
    assert_code(fsi_disc_identify(d, &fs), FSI_S_OK);
    assert_int_equal(fs, FSI_FS_UNKNOWN);
    assert_code(fsi_import(im, d, FSI_FS_NONE, 0, NULL), IMAPI_E_NO_SUPPORTED_FILE_SYSTEM);
    assert_code(fsi_import(im, d, FSI_FS_UDF, 0, NULL), IMAPI_E_FILE_SYSTEM_NOT_FOUND);
    fsi_disc_free(d);
    unlink(p);

    p = write_bytes(z, 2049);                               /* not whole blocks */
    d = open_disc(p);
    assert_code(fsi_disc_validate(d), IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED);
    fsi_disc_free(d);
    unlink(p);
    free(z);
    fsi_image_free(im);
}

static void test_image_manager_codes(void **state)
{
    (void)state;
    fsi_disc *d;
    assert_code(fsi_disc_new(&d), FSI_S_OK);
    assert_code(fsi_disc_validate(d), IMAPI_E_IMAGEMANAGER_NO_IMAGE);
    assert_code(fsi_disc_set_path(d, ""), IMAPI_E_IMAGEMANAGER_NO_IMAGE);
    assert_code(fsi_disc_set_path(d, "/nonexistent/x.iso"), IMAPI_E_IMPORT_READ_FAILURE);
    assert_non_null(strstr(fsi_disc_last_error(d), "/nonexistent/x.iso"));
    fsi_disc_free(d);
    assert_code(fsi_disc_validate(NULL), IMAPI_E_IMAGEMANAGER_NO_IMAGE);
}

static int64_t zero_stream(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx; (void)off;
    memset(buf, 0, len);
    return (int64_t)len;
}

static int64_t failing_stream(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx; (void)off; (void)buf; (void)len;
    errno = EIO;
    return -1;
}

static void test_stream_codes(void **state)
{
    (void)state;
    fsi_disc *d;
    unsigned fs;
    assert_code(fsi_disc_open_stream((uint64_t)0x80000000u * 2048, zero_stream, NULL, NULL, &d),
                FSI_S_OK);
    assert_code(fsi_disc_validate(d), IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG);
    fsi_disc_free(d);
    assert_code(fsi_disc_open_stream(1000 * 2048, failing_stream, NULL, NULL, &d), FSI_S_OK);
    assert_code(fsi_disc_identify(d, &fs), IMAPI_E_IMPORT_READ_FAILURE);
    fsi_disc_free(d);
}

struct first_file {
    fsi_extent ext[4];
    size_t n;
    uint64_t size;
};

static int take_c(void *ctx, const fsi_disc_entry *e)
{
    struct first_file *f = ctx;
    if (e->type == FSI_ENTRY_FILE && strstr(e->path, "c.bin")) {
        f->n = e->nextents < 4 ? e->nextents : 4;
        memcpy(f->ext, e->extents, f->n * sizeof *f->ext);
        f->size = e->size;
    }
    return 0;
}

/* A file whose data lies past the end of a cut image. */
static void test_truncated_image_codes(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660 | FSI_FS_JOLIET, 0);
    char path[64];
    snprintf(path, sizeof path, "%s", img);
    fsi_disc *d = open_disc(path);
    struct first_file f = { .n = 0 };
    assert_code(fsi_disc_walk(d, FSI_FS_JOLIET, "/", FSI_WALK_RECURSIVE, take_c, &f), FSI_S_OK);
    assert_true(f.n > 0);
    fsi_disc_free(d);
    assert_int_equal(truncate(path, (off_t)f.ext[0].offset + 2048), 0);
    d = open_disc(path);
    uint8_t buf[4096];
    size_t got;
    assert_code(fsi_disc_read(d, f.ext, f.n, 0, buf, sizeof buf, &got),
                IMAPI_E_IMPORT_SEEK_FAILURE);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_JOLIET, 0, NULL),
                IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(fsi_image_last_error(im), "c.bin"));
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(path);
}

/* Logical block size 512 in the primary descriptor: not something we read. */
static void test_feature_not_supported(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660, 0);
    char path[64];
    snprintf(path, sizeof path, "%s", img);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t bs[4] = { 0x00, 0x02, 0x02, 0x00 };           /* 512, both byte orders */
    assert_int_equal(pwrite(fd, bs, 4, 16 * 2048 + 128), 4);
    close(fd);
    fsi_disc *d = open_disc(path);
    fsi_image *im;
    assert_code(fsi_image_new(&im), FSI_S_OK);
    assert_code(fsi_import(im, d, FSI_FS_ISO9660, 0, NULL),
                IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED);
    fsi_image_free(im);
    fsi_disc_free(d);
    unlink(path);
}

/* Links, special files, modes and owners survive import from Rock Ridge
 * and from UDF, and a second write and import. */
static const char *write_image(fsi_image *img)
{
    static char path[64];
    fsi_result *res;
    fsi_hresult hr = fsi_create_result(img, &res);
    assert_true(FSI_SUCCEEDED(hr));
    snprintf(path, sizeof path, "/tmp/fsi-import-posix.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_code(fsi_result_write_fd(res, fd, NULL), FSI_S_OK);
    close(fd);
    fsi_result_free(res);
    return path;
}

static void check_posix_items(fsi_image *im)
{
    fsi_item it;
    fsi_item_info in;
    assert_code(fsi_lookup(im, "/d/link", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &in), FSI_S_OK);
    assert_int_equal(in.type, FSI_ITEM_SYMLINK);
    assert_string_equal(in.link_target, "../f/./x/../../etc");
    assert_code(fsi_lookup(im, "/d/null", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &in), FSI_S_OK);
    assert_int_equal(in.file_type, S_IFCHR);
    assert_true(in.rdev == makedev(1, 3));
    assert_int_equal(in.mode, 0666);
    assert_code(fsi_lookup(im, "/d/fifo", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &in), FSI_S_OK);
    assert_int_equal(in.file_type, S_IFIFO);
    assert_code(fsi_lookup(im, "/f", &it), FSI_S_OK);
    assert_code(fsi_item_get_info(im, it, &in), FSI_S_OK);
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.mode, 04755);
    assert_int_equal(in.uid, 1000);
    assert_int_equal(in.gid, 100);
    assert_int_equal(in.size, 5);
}

static void test_import_keeps_links_specials_owners(void **state)
{
    (void)state;
    unsigned views[] = {FSI_FS_ISO9660, FSI_FS_UDF};
    for (size_t v = 0; v < 2; v++) {
        fsi_image *img;
        assert_code(fsi_image_new(&img), FSI_S_OK);
        assert_code(fsi_add_dir(img, "/d"), FSI_S_OK);
        assert_code(fsi_add_file_mem(img, "/f", "hello", 5), FSI_S_OK);
        assert_code(fsi_set_mode(img, "/f", 04755), FSI_S_OK);
        assert_code(fsi_set_owner(img, "/f", 1000, 100), FSI_S_OK);
        assert_code(fsi_add_symlink(img, "/d/link", "../f/./x/../../etc"), FSI_S_OK);
        assert_code(fsi_add_special(img, "/d/null", S_IFCHR | 0666, makedev(1, 3)), FSI_S_OK);
        assert_code(fsi_add_special(img, "/d/fifo", S_IFIFO | 0600, 0), FSI_S_OK);
        char first[64];
        snprintf(first, sizeof first, "%s", write_image(img));
        fsi_image_free(img);

        fsi_disc *d = open_disc(first);
        fsi_image *im;
        assert_code(fsi_image_new(&im), FSI_S_OK);
        fsi_hresult hr = fsi_import(im, d, views[v], 0, NULL);
        if (hr != FSI_S_OK)
            fail_msg("import of view %u: %s", views[v], fsi_image_last_error(im));
        fsi_disc_free(d);
        check_posix_items(im);

        /* Written again (data from the first image) and read again. */
        char second[64];
        snprintf(second, sizeof second, "%s", write_image(im));
        fsi_image_free(im);
        d = open_disc(second);
        assert_code(fsi_image_new(&im), FSI_S_OK);
        assert_code(fsi_import(im, d, views[v], 0, NULL), FSI_S_OK);
        fsi_disc_free(d);
        check_posix_items(im);
        fsi_image_free(im);
        unlink(first);
        unlink(second);
    }
}

/* A subdirectory record pointing back at the root: a loop, named. */
static void test_consistency_error_names_the_structure(void **state)
{
    (void)state;
    const char *img = make_image(FSI_FS_ISO9660, 0);
    char path[64];
    snprintf(path, sizeof path, "%s", img);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t pvd[2048];
    assert_int_equal(pread(fd, pvd, 2048, 16 * 2048), 2048);
    uint32_t root = pvd[156 + 2] | pvd[156 + 3] << 8 | pvd[156 + 4] << 16 | (uint32_t)pvd[156 + 5] << 24;
    /* the third record (after . and ..): make its extent the root itself */
    uint8_t dir[2048];
    assert_int_equal(pread(fd, dir, 2048, (off_t)root * 2048), 2048);
    size_t off = dir[0];
    off += dir[off];
    /* a directory pointing at the root: a loop */
    dir[off + 25] |= 2;
    memcpy(dir + off + 2, pvd + 156 + 2, 8);
    memcpy(dir + off + 10, pvd + 156 + 10, 8);
    assert_int_equal(pwrite(fd, dir, 2048, (off_t)root * 2048), 2048);
    close(fd);
    fsi_disc *d = open_disc(path);
    int n = 0;
    assert_code(fsi_disc_walk(d, FSI_FS_ISO9660, "/", FSI_WALK_RECURSIVE, count_entries, &n),
                IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR);
    assert_non_null(strstr(fsi_disc_last_error(d), "loop"));
    fsi_disc_free(d);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_every_view_of_a_bridge),
        cmocka_unit_test(test_walk_every_udf_revision),
        cmocka_unit_test(test_walk_a_path_a_file_and_stop),
        cmocka_unit_test(test_import_default_and_write_again),
        cmocka_unit_test(test_import_joliet_and_write_again),
        cmocka_unit_test(test_import_keeps_items_in_memory),
        cmocka_unit_test(test_import_type_collisions),
        cmocka_unit_test(test_import_cancelled_adds_nothing),
        cmocka_unit_test(test_imported_directories_are_found_by_name),
        cmocka_unit_test(test_import_merges_names_a_directory_repeats),
        cmocka_unit_test(test_empty_and_unknown_images),
        cmocka_unit_test(test_image_manager_codes),
        cmocka_unit_test(test_stream_codes),
        cmocka_unit_test(test_truncated_image_codes),
        cmocka_unit_test(test_feature_not_supported),
        cmocka_unit_test(test_import_keeps_links_specials_owners),
        cmocka_unit_test(test_consistency_error_names_the_structure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
