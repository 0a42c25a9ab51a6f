/* SPDX-License-Identifier: BSD-2-Clause */
/* test_stash.c - StageFiles and the working directory through the public
 * API: staged data survives changes to its source, every stash failure
 * has its IMAPI code, and a failure leaves the tree as it was. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsi.h"
#include "testutil.h"


static char tmp[64];

static int setup(void **state)
{
    (void)state;
    return scratch_make(tmp, sizeof tmp, "stash");
}

static int teardown(void **state)
{
    (void)state;
    return scratch_remove(tmp);
}

static const char *tp(const char *name)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.' || (e->d_name[1] && e->d_name[1] != '.' && e->d_name[1]);
    if (d)
        closedir(d);
    return n;
}

/* Find `text` in the whole image (the file's data is there once). */
static fsi_hresult image_has(fsi_image *img, const char *text, bool *found)
{
    fsi_result *res;
    fsi_hresult hr = fsi_create_result(img, &res);
    if (FSI_FAILED(hr))
        return hr;
    size_t total = (size_t)fsi_result_total_blocks(res) * 2048, got;
    char *buf = malloc(total);
    assert_non_null(buf);
    hr = fsi_result_read(res, 0, buf, total, &got);
    *found = false;
    size_t tl = strlen(text);
    for (size_t i = 0; FSI_SUCCEEDED(hr) && i + tl <= got; i++)
        if (!memcmp(buf + i, text, tl)) {
            *found = true;
            break;
        }
    free(buf);
    fsi_result_free(res);
    return hr;
}

static void test_staged_file_keeps_original_content(void **state)
{
    (void)state;
    mkdir(tp("work"), 0755);
    write_file(tp("src.txt"), "ORIGINAL-CONTENT-1234");
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_working_dir(img, tp("work")), FSI_S_OK);
    assert_string_equal(fsi_image_get_working_dir(img), tp("work"));
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_code(fsi_add_file(img, "a.txt", tp("src.txt")), FSI_S_OK);
    assert_int_equal(entries(tp("work")), 0);   /* the stash has no name */
    write_file(tp("src.txt"), "CHANGED-CONTENT-1234567");
    bool found;
    assert_code(image_has(img, "ORIGINAL-CONTENT-1234", &found), FSI_S_OK);
    assert_true(found);
    unlink(tp("src.txt"));
    assert_code(image_has(img, "ORIGINAL-CONTENT-1234", &found), FSI_S_OK);
    assert_true(found);
    fsi_image_free(img);
}

static void test_unstaged_changed_file_is_inconsistent(void **state)
{
    (void)state;
    write_file(tp("u.txt"), "ORIGINAL");
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_add_file(img, "u.txt", tp("u.txt")), FSI_S_OK);
    write_file(tp("u.txt"), "CHANGED, LONGER");
    bool found;
    assert_code(image_has(img, "ORIGINAL", &found), IMAPI_E_DATA_STREAM_INCONSISTENCY);
    fsi_image_free(img);
}

static void test_staged_tree_keeps_original_content(void **state)
{
    (void)state;
    mkdir(tp("tree"), 0755);
    mkdir(tp("tree/sub"), 0755);
    write_file(tp("tree/sub/x"), "TREE-ORIGINAL-XYZ");
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_code(fsi_add_tree(img, "/", tp("tree"), false), FSI_S_OK);
    write_file(tp("tree/sub/x"), "overwritten");
    bool found;
    assert_code(image_has(img, "TREE-ORIGINAL-XYZ", &found), FSI_S_OK);
    assert_true(found);
    fsi_image_free(img);
}

static int ctx_freed;
static int64_t once_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const char *s = ctx;
    size_t n = strlen(s);
    if (ctx_freed)
        abort();                    /* never read after staging */
    if (off >= n)
        return 0;
    if (len > n - off)
        len = n - off;
    memcpy(buf, s + off, len);
    return (int64_t)len;
}
static void mark_freed(void *ctx)
{
    (void)ctx;
    ctx_freed++;
}

static void test_staged_callback_read_once(void **state)
{
    (void)state;
    static char data[] = "CALLBACK-STAGED-DATA";
    ctx_freed = 0;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_true(fsi_image_get_stage_files(img));
    assert_code(fsi_add_file_cb(img, "cb", strlen(data), once_read, data, mark_freed), FSI_S_OK);
    assert_int_equal(ctx_freed, 1);
    bool found;
    assert_code(image_has(img, "CALLBACK-STAGED-DATA", &found), FSI_S_OK);
    assert_true(found);
    fsi_image_free(img);
    assert_int_equal(ctx_freed, 1);
}

static void test_invalid_working_directory(void **state)
{
    (void)state;
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_working_dir(img, tp("missing")), IMAPI_E_INVALID_WORKING_DIRECTORY);
    assert_non_null(strstr(fsi_image_last_error(img), "missing"));
    write_file(tp("plain"), "x");
    assert_code(fsi_image_set_working_dir(img, tp("plain")), IMAPI_E_INVALID_WORKING_DIRECTORY);
    assert_code(fsi_image_set_working_dir(img, ""), IMAPI_E_INVALID_PARAM);
    /* not writable: only a non-root user can see it */
    mkdir(tp("ro"), 0555);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(3);
        fsi_image *i2;
        fsi_image_new(&i2);
        _exit(fsi_image_set_working_dir(i2, tp("ro")) == IMAPI_E_INVALID_WORKING_DIRECTORY ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    if (geteuid() == 0)
        assert_int_equal(WEXITSTATUS(st), 0);
    fsi_image_free(img);
}

static void test_working_directory_space(void **state)
{
    (void)state;
    write_file(tp("s.txt"), "some staged bytes");
    mkdir(tp("full"), 0755);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_code(fsi_add_file(img, "s.txt", tp("s.txt")), FSI_S_OK);
    setenv("FSI_TEST_FAULT", "stash-space", 1);
    assert_code(fsi_image_set_working_dir(img, tp("full")), IMAPI_E_WORKING_DIRECTORY_SPACE);
    unsetenv("FSI_TEST_FAULT");
    const char *m = fsi_image_last_error(img);
    assert_non_null(strstr(m, " 0 "));    /* available */
    assert_non_null(strstr(m, "17"));     /* required: the staged bytes */
    fsi_image_free(img);
}

static void test_working_directory_move(void **state)
{
    (void)state;
    write_file(tp("m.txt"), "MOVED-STASH-CONTENT");
    mkdir(tp("w1"), 0755);
    mkdir(tp("w2"), 0755);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_working_dir(img, tp("w1")), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_code(fsi_add_file(img, "m.txt", tp("m.txt")), FSI_S_OK);
    setenv("FSI_TEST_FAULT", "stash-move", 1);
    assert_code(fsi_image_set_working_dir(img, tp("w2")), IMAPI_E_STASHFILE_MOVE);
    unsetenv("FSI_TEST_FAULT");
    assert_string_equal(fsi_image_get_working_dir(img), tp("w1"));
    assert_code(fsi_image_set_working_dir(img, tp("w2")), FSI_S_OK);
    unlink(tp("m.txt"));
    bool found;
    assert_code(image_has(img, "MOVED-STASH-CONTENT", &found), FSI_S_OK);
    assert_true(found);
    /* not while a result exists */
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    assert_code(fsi_image_set_working_dir(img, tp("w1")), IMAPI_E_READONLY);
    fsi_result_free(res);
    fsi_image_free(img);
}

static void test_stash_open_failure(void **state)
{
    (void)state;
    write_file(tp("o.txt"), "x");
    mkdir(tp("gone"), 0755);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_working_dir(img, tp("gone")), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    rmdir(tp("gone"));
    assert_code(fsi_add_file(img, "o.txt", tp("o.txt")), IMAPI_E_STASHFILE_OPEN_FAILURE);
    assert_non_null(strstr(fsi_image_last_error(img), "gone"));
    assert_int_equal(fsi_image_file_count(img), 0);
    fsi_image_free(img);
}

static void test_stash_write_failure_disk_full(void **state)
{
    (void)state;
    /* 1 MiB source, stash limited to 64 KiB by RLIMIT_FSIZE (the disk
     * "fills up"); run in a child so the limit does not stay. */
    FILE *f = fopen(tp("big.bin"), "wb");
    for (int i = 0; i < (1 << 20); i++)
        fputc(i & 0xFF, f);
    fclose(f);
    write_file(tp("small.txt"), "small");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {65536, 65536};
        setrlimit(RLIMIT_FSIZE, &rl);
        fsi_image *img;
        fsi_image_new(&img);
        fsi_image_set_stage_files(img, true);
        fsi_add_file(img, "small.txt", tp("small.txt"));
        int ok = fsi_add_file(img, "big.bin", tp("big.bin")) == IMAPI_E_STASHFILE_WRITE_FAILURE;
        ok = ok && strstr(fsi_image_last_error(img), "File too large") != NULL;
        fsi_item_type t;
        fsi_exists(img, "big.bin", &t);
        ok = ok && t == FSI_ITEM_NOT_FOUND && fsi_image_file_count(img) == 1;
        /* the stash is as before: the next small file still fits */
        ok = ok && fsi_add_file(img, "again.txt", tp("small.txt")) == FSI_S_OK;
        /* and add_tree is all or nothing */
        mkdir(tp("bt"), 0755);
        link(tp("big.bin"), tp("bt/big"));
        ok = ok && fsi_add_tree(img, "/", tp("bt"), true) == IMAPI_E_STASHFILE_WRITE_FAILURE;
        fsi_exists(img, "bt", &t);
        ok = ok && t == FSI_ITEM_NOT_FOUND;
        fsi_image_free(img);
        _exit(ok ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_stash_read_failure(void **state)
{
    (void)state;
    write_file(tp("r.txt"), "READ-ME");
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_image_set_stage_files(img, true), FSI_S_OK);
    assert_code(fsi_add_file(img, "r.txt", tp("r.txt")), FSI_S_OK);
    setenv("FSI_TEST_FAULT", "stash-read", 1);
    bool found;
    assert_code(image_has(img, "READ-ME", &found), IMAPI_E_STASHFILE_READ_FAILURE);
    unsetenv("FSI_TEST_FAULT");
    assert_non_null(strstr(fsi_image_last_error(img), "/r.txt"));
    fsi_image_free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staged_file_keeps_original_content),
        cmocka_unit_test(test_unstaged_changed_file_is_inconsistent),
        cmocka_unit_test(test_staged_tree_keeps_original_content),
        cmocka_unit_test(test_staged_callback_read_once),
        cmocka_unit_test(test_invalid_working_directory),
        cmocka_unit_test(test_working_directory_space),
        cmocka_unit_test(test_working_directory_move),
        cmocka_unit_test(test_stash_open_failure),
        cmocka_unit_test(test_stash_write_failure_disk_full),
        cmocka_unit_test(test_stash_read_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
