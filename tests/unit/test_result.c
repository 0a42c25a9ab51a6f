/*
 * test_result.c - the result image (lib/result.c, layout.c, output.c):
 * every way out gives the same bytes (write_fd with each copy method, to a
 * file and to a pipe; random reads of any range), the tree is locked while
 * a result lives, the volume descriptors sit where ECMA-119 wants them,
 * and source trouble gives its IMAPI code.
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
#include <sys/wait.h>
#include <unistd.h>

#include "fsi.h"

struct fixture {
    char dir[64];        /* host directory with the source files */
    fsi_image *img;
    fsi_result *res;
};

static void write_host(const char *dir, const char *name, size_t size, unsigned seed)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < size; i++) {
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 24), f);
    }
    fclose(f);
}

static int64_t cb_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)((off + i) * 7 + 3);
    return (int64_t)len;
}

/* A tree with every kind of source and size: empty, tiny, not a multiple
 * of the block size, above the zero-copy threshold, in memory, from a
 * callback, in nested directories, one hidden. */
static void build_tree(struct fixture *fx)
{
    char path[256];
    snprintf(fx->dir, sizeof fx->dir, "/tmp/fsi-test-result.XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    write_host(fx->dir, "small.txt", 100, 1);
    write_host(fx->dir, "odd.bin", 5000, 2);
    write_host(fx->dir, "large.bin", 3 * 1024 * 1024 + 17, 3);
    write_host(fx->dir, "empty", 0, 4);
    write_host(fx->dir, "block.bin", 4096, 5);

    assert_int_equal(fsi_image_new(&fx->img), FSI_S_OK);
    fsi_image *img = fx->img;
    assert_int_equal(fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_JOLIET), FSI_S_OK);
    assert_int_equal(fsi_add_dir(img, "/docs"), FSI_S_OK);
    assert_int_equal(fsi_add_dir(img, "/docs/deep"), FSI_S_OK);
    assert_int_equal(fsi_add_dir(img, "/empty dir"), FSI_S_OK);
    const char *names[] = { "small.txt", "odd.bin", "large.bin", "empty", "block.bin" };
    const char *where[] = { "/small.txt", "/docs/odd.bin", "/docs/deep/large.bin",
                            "/docs/empty", "/Block File.bin" };
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", fx->dir, names[i]);
        assert_int_equal(fsi_add_file(img, where[i], path), FSI_S_OK);
    }
    static const char text[] = "memory file contents\n";
    assert_int_equal(fsi_add_file_mem(img, "/docs/mem.txt", text, sizeof text - 1), FSI_S_OK);
    assert_int_equal(fsi_add_file_cb(img, "/cb.bin", 300000, cb_read, NULL, NULL), FSI_S_OK);
    assert_int_equal(fsi_set_hidden(img, "/small.txt", true), FSI_S_OK);
}

static void remove_tree(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    build_tree(fx);
    assert_int_equal(fsi_create_result(fx->img, &fx->res), FSI_S_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    fsi_result_free(fx->res);
    fsi_image_free(fx->img);
    remove_tree(fx->dir);
    free(fx);
    return 0;
}

/* The image written to a fresh temporary file with `method`, read back. */
static unsigned char *image_via_file(fsi_result *res, fsi_copy_method method, size_t *len)
{
    char path[] = "/tmp/fsi-test-image.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    uint64_t written = 0;
    assert_int_equal(fsi_result_set_copy_method(res, method), FSI_S_OK);
    assert_int_equal(fsi_result_write_fd(res, fd, &written), FSI_S_OK);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal((uint64_t)st.st_size, written);
    unsigned char *buf = malloc(written ? written : 1);
    assert_int_equal(pread(fd, buf, written, 0), (ssize_t)written);
    close(fd);
    *len = written;
    return buf;
}

/* The image written to a pipe by a child process, read by us. */
static unsigned char *image_via_pipe(fsi_result *res, fsi_copy_method method, size_t *len)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        fsi_result_set_copy_method(res, method);
        _exit(FSI_SUCCEEDED(fsi_result_write_fd(res, p[1], NULL)) ? 0 : 1);
    }
    close(p[1]);
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        ssize_t r = read(p[0], buf + n, cap - n);
        assert_true(r >= 0);
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(p[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    *len = n;
    return buf;
}

static void test_every_copy_method_gives_the_same_bytes(void **state)
{
    struct fixture *fx = *state;
    uint64_t total = fsi_result_total_blocks(fx->res);
    assert_int_equal(fsi_result_block_size(fx->res), 2048);
    assert_true(total > 16);

    size_t ref_len;
    unsigned char *ref = image_via_file(fx->res, FSI_COPY_READ_WRITE, &ref_len);
    assert_int_equal(ref_len, total * 2048);
    const fsi_copy_method methods[] = { FSI_COPY_AUTO, FSI_COPY_RANGE, FSI_COPY_SPLICE };
    for (size_t m = 0; m < 3; m++) {
        size_t len;
        unsigned char *img = image_via_file(fx->res, methods[m], &len);
        assert_int_equal(len, ref_len);
        assert_memory_equal(img, ref, len);
        free(img);
        img = image_via_pipe(fx->res, methods[m], &len);
        assert_int_equal(len, ref_len);
        assert_memory_equal(img, ref, len);
        free(img);
    }
    free(ref);
}

/* An O_APPEND descriptor after existing bytes: the image follows them
 * (no zero-copy or holes there: appending writes ignore the offset). */
static void test_write_to_an_appending_descriptor(void **state)
{
    struct fixture *fx = *state;
    size_t ref_len;
    unsigned char *ref = image_via_file(fx->res, FSI_COPY_READ_WRITE, &ref_len);
    char path[] = "/tmp/fsi-test-image.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "prefix", 6), 6);
    close(fd);
    const fsi_copy_method methods[] = { FSI_COPY_AUTO, FSI_COPY_RANGE };
    for (size_t m = 0; m < 2; m++) {
        fd = open(path, O_WRONLY | O_APPEND | O_TRUNC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "prefix", 6), 6);
        assert_int_equal(fsi_result_set_copy_method(fx->res, methods[m]), FSI_S_OK);
        assert_int_equal(fsi_result_write_fd(fx->res, fd, NULL), FSI_S_OK);
        close(fd);
        unsigned char *got = malloc(ref_len + 6);
        fd = open(path, O_RDONLY);
        assert_int_equal(read(fd, got, ref_len + 6), (ssize_t)(ref_len + 6));
        close(fd);
        assert_memory_equal(got, "prefix", 6);
        assert_memory_equal(got + 6, ref, ref_len);
        free(got);
    }
    unlink(path);
    free(ref);
}

static void test_read_any_range_equals_write(void **state)
{
    struct fixture *fx = *state;
    size_t len;
    unsigned char *ref = image_via_file(fx->res, FSI_COPY_AUTO, &len);
    unsigned char *buf = malloc(len + 4096);
    size_t got;

    /* Whole image at once, then in odd-sized pieces. */
    assert_int_equal(fsi_result_read(fx->res, 0, buf, len + 4096, &got), FSI_S_OK);
    assert_int_equal(got, len);
    assert_memory_equal(buf, ref, len);
    const size_t steps[] = { 1, 777, 2048, 4095, 65537, 1 << 20 };
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        memset(buf, 0xAA, len);
        for (size_t off = 0; off < len; off += steps[s]) {
            assert_int_equal(fsi_result_read(fx->res, off, buf + off, steps[s], &got), FSI_S_OK);
            assert_int_equal(got, len - off < steps[s] ? len - off : steps[s]);
        }
        assert_memory_equal(buf, ref, len);
    }
    /* Random ranges, in any order. */
    srand(42);
    for (int i = 0; i < 2000; i++) {
        size_t off = (size_t)rand() % len;
        size_t n = (size_t)rand() % 70000;
        assert_int_equal(fsi_result_read(fx->res, off, buf, n, &got), FSI_S_OK);
        assert_int_equal(got, len - off < n ? len - off : n);
        assert_memory_equal(buf, ref + off, got);
    }
    /* At and past the end: nothing. */
    assert_int_equal(fsi_result_read(fx->res, len, buf, 10, &got), FSI_S_OK);
    assert_int_equal(got, 0);
    assert_int_equal(fsi_result_read(fx->res, len + 12345, buf, 10, &got), FSI_S_OK);
    assert_int_equal(got, 0);
    free(buf);
    free(ref);
}

static void test_volume_descriptors_in_place(void **state)
{
    struct fixture *fx = *state;
    unsigned char b[2048];
    size_t got;
    /* System area zero, PVD at 16, Joliet SVD at 17 (no boot record),
     * terminator at 18. */
    for (int blk = 0; blk < 16; blk++) {
        assert_int_equal(fsi_result_read(fx->res, (uint64_t)blk * 2048, b, 2048, &got), FSI_S_OK);
        for (int i = 0; i < 2048; i++)
            assert_int_equal(b[i], 0);
    }
    assert_int_equal(fsi_result_read(fx->res, 16 * 2048, b, 2048, &got), FSI_S_OK);
    assert_int_equal(b[0], 1);
    assert_memory_equal(b + 1, "CD001", 5);
    uint32_t vsize = (uint32_t)b[80] | (uint32_t)b[81] << 8 | (uint32_t)b[82] << 16 |
                     (uint32_t)b[83] << 24;
    assert_int_equal(vsize, fsi_result_total_blocks(fx->res));
    assert_int_equal(fsi_result_read(fx->res, 17 * 2048, b, 2048, &got), FSI_S_OK);
    assert_int_equal(b[0], 2);
    assert_memory_equal(b + 88, "%/E", 3);
    assert_int_equal(fsi_result_read(fx->res, 18 * 2048, b, 2048, &got), FSI_S_OK);
    assert_int_equal(b[0], 255);
    assert_memory_equal(b + 1, "CD001", 5);
}

static void test_tree_is_read_only_while_a_result_lives(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(fsi_add_dir(fx->img, "/new"), IMAPI_E_READONLY);
    fsi_result_free(fx->res);
    fx->res = NULL;
    assert_int_equal(fsi_add_dir(fx->img, "/new"), FSI_S_OK);
    assert_int_equal(fsi_create_result(fx->img, &fx->res), FSI_S_OK);
}

static void test_no_file_system_is_no_output(void **state)
{
    (void)state;
    fsi_image *img;
    fsi_result *res = (fsi_result *)1;
    assert_int_equal(fsi_image_new(&img), FSI_S_OK);
    assert_int_equal(fsi_image_set_file_systems(img, FSI_FS_NONE), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_NO_OUTPUT);
    assert_null(res);
    fsi_image_free(img);
}

static void test_unknown_copy_method_is_invalid(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(fsi_result_set_copy_method(fx->res, (fsi_copy_method)9), IMAPI_E_INVALID_PARAM);
}

/* A source that shrank after it was added: every path reports it. */
static void test_shrunk_source_is_inconsistent(void **state)
{
    (void)state;
    struct fixture fx = { 0 };
    build_tree(&fx);
    assert_int_equal(fsi_create_result(fx.img, &fx.res), FSI_S_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/large.bin", fx.dir);
    assert_int_equal(truncate(path, 1000), 0);
    const fsi_copy_method methods[] = { FSI_COPY_AUTO, FSI_COPY_READ_WRITE, FSI_COPY_RANGE };
    for (size_t m = 0; m < 3; m++) {
        int fd = open("/dev/null", O_WRONLY);
        char tmp[] = "/tmp/fsi-test-image.XXXXXX";
        if (m != 1) {
            close(fd);
            fd = mkstemp(tmp);
            unlink(tmp);
        }
        assert_int_equal(fsi_result_set_copy_method(fx.res, methods[m]), FSI_S_OK);
        assert_int_equal(fsi_result_write_fd(fx.res, fd, NULL), IMAPI_E_DATA_STREAM_INCONSISTENCY);
        assert_non_null(strstr(fsi_image_last_error(fx.img), "large.bin"));
        close(fd);
    }
    unlink(path);
    int fd = open("/dev/null", O_WRONLY);
    assert_int_equal(fsi_result_write_fd(fx.res, fd, NULL), IMAPI_E_DATA_STREAM_READ_FAILURE);
    close(fd);
    fsi_result_free(fx.res);
    fsi_image_free(fx.img);
    remove_tree(fx.dir);
}

/* SOURCE_DATE_EPOCH fixes every time: two images of one tree are equal. */
static void test_source_date_epoch_is_reproducible(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    unsigned char *img[2];
    size_t len[2];
    for (int i = 0; i < 2; i++) {
        struct fixture fx = { 0 };
        build_tree(&fx);
        assert_int_equal(fsi_create_result(fx.img, &fx.res), FSI_S_OK);
        img[i] = image_via_file(fx.res, FSI_COPY_AUTO, &len[i]);
        fsi_result_free(fx.res);
        fsi_image_free(fx.img);
        remove_tree(fx.dir);
        if (i == 0)
            sleep(1);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(img[0], img[1], len[0]);
    free(img[0]);
    free(img[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_copy_method_gives_the_same_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_to_an_appending_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_any_range_equals_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volume_descriptors_in_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_is_read_only_while_a_result_lives, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_copy_method_is_invalid, setup, teardown),
        cmocka_unit_test(test_no_file_system_is_no_output),
        cmocka_unit_test(test_shrunk_source_is_inconsistent),
        cmocka_unit_test(test_source_date_epoch_is_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
