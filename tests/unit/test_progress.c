/* SPDX-License-Identifier: BSD-2-Clause */
/* test_progress.c - progress callbacks, cancellation and data-stream
 * integrity of fsi_result_write_fd, through the public API. */
#include "config.h"

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


struct calls {
    int n, with_file, final;
    uint64_t last_done, total;
    int cancel_at_percent;      /* -1: never */
    char first_file[256];
    int monotonic;
};

static int on_progress(void *ctx, const char *file, uint64_t done, uint64_t total)
{
    struct calls *c = ctx;
    if (c->n > 0 && done < c->last_done)
        c->monotonic = 0;
    c->n++;
    c->last_done = done;
    c->total = total;
    if (file) {
        if (!c->with_file++)
            snprintf(c->first_file, sizeof c->first_file, "%s", file);
    } else if (done == total) {
        c->final++;
    }
    if (c->cancel_at_percent >= 0 && done * 100 >= (uint64_t)c->cancel_at_percent * total)
        return 1;
    return 0;
}

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    return scratch_make(tmpdir, sizeof tmpdir, "progress");
}

static int teardown(void **state)
{
    (void)state;
    return scratch_remove(tmpdir);
}

static int out_fd(const char *name)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

static void host_file(const char *name, size_t size)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < size; i++)
        fputc((int)(i * 7 % 251), f);
    fclose(f);
}

static fsi_image *image_with_big_files(void)
{
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    static unsigned char buf[3 << 20];
    memset(buf, 0x5A, sizeof buf);
    assert_code(fsi_add_dir(img, "d"), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "d/a.bin", buf, sizeof buf), FSI_S_OK);
    assert_code(fsi_add_file_mem(img, "d/b.bin", buf, sizeof buf), FSI_S_OK);
    return img;
}

static void test_progress_reports_files_and_end(void **state)
{
    (void)state;
    fsi_image *img = image_with_big_files();
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    struct calls c = {.cancel_at_percent = -1, .monotonic = 1};
    assert_code(fsi_result_set_progress(res, on_progress, &c), FSI_S_OK);
    int fd = out_fd("p.iso");
    uint64_t written = 0;
    assert_code(fsi_result_write_fd(res, fd, &written), FSI_S_OK);
    close(fd);
    assert_int_equal(written, fsi_result_total_blocks(res) * 2048);
    assert_true(c.with_file >= 2);             /* each file's start */
    assert_string_equal(c.first_file, "/d/a.bin");
    assert_int_equal(c.final, 1);              /* once at the end */
    assert_int_equal(c.total, fsi_result_total_blocks(res));
    assert_true(c.n >= 2 + 4);                 /* and about every MiB of 6 MiB */
    assert_true(c.monotonic);
    fsi_result_free(res);
    fsi_image_free(img);
}

static void test_cancel_at_half(void **state)
{
    (void)state;
    fsi_image *img = image_with_big_files();
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    struct calls c = {.cancel_at_percent = 50, .monotonic = 1};
    fsi_result_set_progress(res, on_progress, &c);
    int fd = out_fd("c.iso");
    uint64_t written = 0;
    assert_code(fsi_result_write_fd(res, fd, &written), E_IMAPI_REQUEST_CANCELLED);
    close(fd);
    assert_true(written < fsi_result_total_blocks(res) * 2048);
    assert_string_equal(fsi_error_name(fsi_image_last_code(img)), "E_IMAPI_REQUEST_CANCELLED");
    fsi_result_free(res);
    fsi_image_free(img);
}

/* A callback source that lies about its size. */
struct liar {
    uint64_t real;     /* bytes it really has */
    int fail;          /* return -1 */
};

static int64_t liar_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct liar *l = ctx;
    if (l->fail)
        return -1;
    if (off >= l->real)
        return 0;
    if (len > l->real - off)
        len = (size_t)(l->real - off);
    memset(buf, 'x', len);
    return (int64_t)len;
}

/* Write img into the output file `name`; msg gets the last error.  Frees
 * img. */
static fsi_hresult write_out(fsi_image *img, const char *name, char *msg, size_t msz)
{
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    int fd = out_fd(name);
    uint64_t written;
    fsi_hresult hr = fsi_result_write_fd(res, fd, &written);
    close(fd);
    snprintf(msg, msz, "%s", fsi_image_last_error(img));
    fsi_result_free(res);
    fsi_image_free(img);
    return hr;
}

static fsi_hresult write_with_source(struct liar *l, uint64_t declared, char *msg, size_t msz)
{
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_add_file_cb(img, "f.bin", declared, liar_read, l, NULL), FSI_S_OK);
    return write_out(img, "s.iso", msg, msz);
}

static void test_callback_short_is_inconsistency(void **state)
{
    (void)state;
    struct liar l = {.real = 1000};
    char msg[512];
    assert_code(write_with_source(&l, 5000, msg, sizeof msg), IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "/f.bin"));
    assert_non_null(strstr(msg, "5000"));
    assert_non_null(strstr(msg, "1000"));
}

static void test_callback_long_is_inconsistency(void **state)
{
    (void)state;
    struct liar l = {.real = 9000};
    char msg[512];
    assert_code(write_with_source(&l, 5000, msg, sizeof msg), IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "5000"));
}

static void test_callback_error_is_read_failure(void **state)
{
    (void)state;
    struct liar l = {.real = 5000, .fail = 1};
    char msg[512];
    assert_code(write_with_source(&l, 5000, msg, sizeof msg), IMAPI_E_DATA_STREAM_READ_FAILURE);
}

static fsi_hresult write_host(const char *name, void (*change)(const char *path), char *msg,
                              size_t msz)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    host_file(name, 10000);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_add_file(img, "h.bin", p), FSI_S_OK);
    change(p);
    return write_out(img, "h.iso", msg, msz);
}

static void grow(const char *p)
{
    FILE *f = fopen(p, "ab");
    fputs("more", f);
    fclose(f);
}
static void shrink(const char *p) { assert_int_equal(truncate(p, 10), 0); }
static void vanish(const char *p) { assert_int_equal(unlink(p), 0); }

static void test_host_grown_is_inconsistency(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_host("g.bin", grow, msg, sizeof msg), IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "10000"));
    assert_non_null(strstr(msg, "10004"));
}

static void test_host_shrunk_is_inconsistency(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_host("s.bin", shrink, msg, sizeof msg), IMAPI_E_DATA_STREAM_INCONSISTENCY);
}

static void test_host_removed_is_create_failure(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_host("v.bin", vanish, msg, sizeof msg), IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_non_null(strstr(msg, "No such file"));
}


/* A host file changed while its data is being read: the progress
 * callback, called every MiB of a read/write copy, changes it once the
 * copy of that file has begun (its second report). */
struct during {
    const char *path;
    int seen;                 /* reports naming the file, or after it began */
    void (*change)(const char *path);
    bool started;
};

static int change_during(void *ctx, const char *file, uint64_t done, uint64_t total)
{
    (void)done;
    (void)total;
    struct during *d = ctx;
    if (file && strcmp(file, "/big.bin") == 0)
        d->started = true;
    if (d->started && ++d->seen == 2)
        d->change(d->path);
    return 0;
}

static void truncate0(const char *p) { assert_int_equal(truncate(p, 0), 0); }
static void retouch(const char *p)
{
    struct timespec ts[2] = { { 0, UTIME_OMIT }, { 1000000000, 0 } };
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static fsi_hresult write_changing(const char *name, void (*change)(const char *), int method,
                                  char *msg, size_t msz)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    host_file(name, 3u << 20);
    fsi_image *img;
    assert_code(fsi_image_new(&img), FSI_S_OK);
    assert_code(fsi_add_file(img, "big.bin", p), FSI_S_OK);
    fsi_result *res;
    assert_code(fsi_create_result(img, &res), FSI_S_OK);
    assert_code(fsi_result_set_copy_method(res, method), FSI_S_OK);
    struct during d = { .path = p, .change = change };
    assert_code(fsi_result_set_progress(res, change_during, &d), FSI_S_OK);
    int fd = out_fd("during.iso");
    fsi_hresult hr = fsi_result_write_fd(res, fd, NULL);
    close(fd);
    snprintf(msg, msz, "%s", fsi_image_last_error(img));
    assert_true(d.seen >= 2);
    fsi_result_free(res);
    fsi_image_free(img);
    return hr;
}

static void test_host_grown_while_read_is_inconsistency(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_changing("gw.bin", grow, FSI_COPY_READ_WRITE, msg, sizeof msg),
                IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "/big.bin"));
    assert_non_null(strstr(msg, "3145728"));
    assert_non_null(strstr(msg, "3145732"));
    assert_non_null(strstr(msg, "changed while it was read"));
}

static void test_host_touched_while_read_is_inconsistency(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_changing("tw.bin", retouch, FSI_COPY_READ_WRITE, msg, sizeof msg),
                IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "changed while it was read"));
}

static void test_host_emptied_while_read_names_its_size(void **state)
{
    (void)state;
    char msg[512];
    assert_code(write_changing("ew.bin", truncate0, FSI_COPY_READ_WRITE, msg, sizeof msg),
                IMAPI_E_DATA_STREAM_INCONSISTENCY);
    assert_non_null(strstr(msg, "3145728 bytes were expected, 0 were found"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_progress_reports_files_and_end),
        cmocka_unit_test(test_cancel_at_half),
        cmocka_unit_test(test_callback_short_is_inconsistency),
        cmocka_unit_test(test_callback_long_is_inconsistency),
        cmocka_unit_test(test_callback_error_is_read_failure),
        cmocka_unit_test(test_host_grown_is_inconsistency),
        cmocka_unit_test(test_host_shrunk_is_inconsistency),
        cmocka_unit_test(test_host_removed_is_create_failure),
        cmocka_unit_test(test_host_grown_while_read_is_inconsistency),
        cmocka_unit_test(test_host_touched_while_read_is_inconsistency),
        cmocka_unit_test(test_host_emptied_while_read_names_its_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
