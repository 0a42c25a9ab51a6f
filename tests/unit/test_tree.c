/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_tree.c - unit tests of the image tree (include/fsi.h), written from
 * the header's documented contract and IMAPI2FS semantics
 * (/work/shared/DESIGN.md sections 3, 4, 6; reference/imapi2fs.md 2.1, 2.7,
 * 2.12, 4.1).
 *
 * Every failing call is checked by value, by name (fsi_error_name) and
 * against fsi_image_last_code().  Host trees are built in a mkdtemp()
 * directory under /tmp and removed in the fixture's teardown, so nothing
 * leaks even when an assertion fails.
 *
 * Permission failures (IMAPI_E_DIRECTORY_READ_FAILURE,
 * IMAPI_E_DATA_STREAM_CREATE_FAILURE) need an unprivileged process: when the
 * tests run as root, the check runs in a forked child that switches to
 * uid/gid 65534 and reports back through a pipe.
 *
 * Environment: TEST_TREE_TIME_FACTOR multiplies the time limits of the
 * scale tests (they are multiplied by 5 automatically under
 * AddressSanitizer).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "fsi.h"

/* ------------------------------------------------------------------ */
/* Result-code assertions                                              */
/* ------------------------------------------------------------------ */

static const char *hrname(fsi_hresult hr)
{
    const char *n = fsi_error_name(hr);
    return n ? n : "(unknown code)";
}

/* Printable form of a path with control / non-ASCII bytes escaped. */
static const char *esc(const char *s)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ & 3];
    size_t o = 0;
    if (!s)
        return "(null)";
    for (; *s && o + 8 < sizeof bufs[0]; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(b + o, sizeof bufs[0] - o, "\\x%02x", c);
        else
            b[o++] = (char)c;
    }
    b[o] = 0;
    return b;
}

/* Returns 0 when `got` is `want` (by value and by name) and, for a failure
 * on an image, when the image's last code is the same; prints why not. */
static int hr_check(const char *expr, const char *note, const fsi_image *img,
                    fsi_hresult got, fsi_hresult want, const char *want_name)
{
    if (got != want) {
        print_error("%s%s%s\n    returned %s (0x%08" PRIX32 "), expected %s (0x%08" PRIX32 ")\n",
                    expr, note ? " -- " : "", note ? note : "", hrname(got),
                    (uint32_t)got, want == 0 ? "S_OK" : want_name, (uint32_t)want);
        if (img && FSI_FAILED(got))
            print_error("    last error: %s\n", esc(fsi_image_last_error(img)));
        return 1;
    }
    if (want != 0 && want_name) {
        const char *n = fsi_error_name(got);
        if (!n || strcmp(n, want_name) != 0) {
            print_error("%s%s%s\n    fsi_error_name(0x%08" PRIX32 ") is \"%s\", expected \"%s\"\n",
                        expr, note ? " -- " : "", note ? note : "", (uint32_t)got,
                        n ? n : "(null)", want_name);
            return 1;
        }
    }
    if (img && FSI_FAILED(want)) {
        fsi_hresult lc = fsi_image_last_code(img);
        const char *msg = fsi_image_last_error(img);
        if (lc != want) {
            print_error("%s%s%s\n    fsi_image_last_code is %s (0x%08" PRIX32 "), expected %s\n",
                        expr, note ? " -- " : "", note ? note : "", hrname(lc),
                        (uint32_t)lc, want_name);
            return 1;
        }
        if (!msg || !*msg) {
            print_error("%s%s%s\n    fsi_image_last_error is empty after a failure\n",
                        expr, note ? " -- " : "", note ? note : "");
            return 1;
        }
    }
    return 0;
}

/* assert_hr(expr, CODE): value and name, no image. */
#define assert_hr(expr, code)                                                  \
    do {                                                                       \
        if (hr_check(#expr, NULL, NULL, (expr), (code), #code))                \
            _fail(__FILE__, __LINE__);                                         \
    } while (0)
/* assert_hr_img(img, expr, CODE): also fsi_image_last_code(img) == CODE. */
#define assert_hr_img(img, expr, code)                                         \
    do {                                                                       \
        if (hr_check(#expr, NULL, (img), (expr), (code), #code))               \
            _fail(__FILE__, __LINE__);                                         \
    } while (0)
/* Same with a note printed on mismatch (loops over inputs). */
#define assert_hr_note(img, expr, code, note)                                  \
    do {                                                                       \
        if (hr_check(#expr, (note), (img), (expr), (code), #code))             \
            _fail(__FILE__, __LINE__);                                         \
    } while (0)
#define assert_ok(img, expr)                                                   \
    do {                                                                       \
        if (hr_check(#expr, NULL, (img), (expr), FSI_S_OK, "S_OK"))            \
            _fail(__FILE__, __LINE__);                                         \
    } while (0)
#define assert_ok_note(img, expr, note)                                        \
    do {                                                                       \
        if (hr_check(#expr, (note), (img), (expr), FSI_S_OK, "S_OK"))          \
            _fail(__FILE__, __LINE__);                                         \
    } while (0)

/* ------------------------------------------------------------------ */
/* Fixture: an image, an optional result, a temporary host directory   */
/* ------------------------------------------------------------------ */

#define NSNAP 4
#define NCB 8

struct cbctx {
    int freed;
    int reads;
};

struct fx {
    fsi_image *img;
    fsi_image *img2;
    fsi_result *res;
    char tmp[64];
    char *snap[NSNAP];
    struct cbctx cb[NCB];
};

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(p);
    return 0;
}

static int dnr_seen;
static int chmod_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_DNR) {
        chmod(p, 0700);
        dnr_seen = 1;
    } else if (flag == FTW_D && st && (st->st_mode & 0700) != 0700) {
        chmod(p, 0700);
    } else if (flag == FTW_F && st && (st->st_mode & 0600) != 0600) {
        chmod(p, 0600);
    }
    return 0;
}

static void rm_rf(const char *dir)
{
    /* Make every directory enterable again (non-root runs), then delete. */
    for (int i = 0; i < 16; i++) {
        dnr_seen = 0;
        nftw(dir, chmod_cb, 16, FTW_PHYS);
        if (!dnr_seen)
            break;
    }
    nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    fsi_hresult hr = fsi_image_new(&f->img);
    if (hr != FSI_S_OK || !f->img) {
        print_error("fsi_image_new failed: %s\n", hrname(hr));
        free(f);
        return -1;
    }
    strcpy(f->tmp, "/tmp/test_tree.XXXXXX");
    if (!mkdtemp(f->tmp)) {
        fsi_image_free(f->img);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    fsi_result_free(f->res);
    fsi_image_free(f->img);
    fsi_image_free(f->img2);
    rm_rf(f->tmp);
    for (int i = 0; i < NSNAP; i++)
        free(f->snap[i]);
    free(f);
    *state = NULL;
    return 0;
}

/* Free the fixture's image now (so free_ctx counts can be checked). */
static void fx_free_image(struct fx *f)
{
    fsi_image_free(f->img);
    f->img = NULL;
}

/* ------------------------------------------------------------------ */
/* Host-side helpers                                                   */
/* ------------------------------------------------------------------ */

/* tmp + "/" + rel, in one of 16 rotating buffers. */
static const char *hp(const struct fx *f, const char *rel)
{
    static char bufs[16][4096];
    static int next;
    char *b = bufs[next++ & 15];
    snprintf(b, sizeof bufs[0], "%s/%s", f->tmp, rel);
    return b;
}

static void host_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        print_error("open(%s): %s\n", path, strerror(errno));
        fail();
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n <= 0) {
            close(fd);
            fail_msg("write(%s) failed", path);
        }
        off += (size_t)n;
    }
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void host_dir(const char *path, mode_t mode)
{
    if (mkdir(path, 0700) != 0) {
        print_error("mkdir(%s): %s\n", path, strerror(errno));
        fail();
    }
    assert_int_equal(chmod(path, mode), 0);
}

static void host_symlink(const char *target, const char *path)
{
    assert_int_equal(symlink(target, path), 0);
}

/* ------------------------------------------------------------------ */
/* Tree helpers                                                        */
/* ------------------------------------------------------------------ */

static fsi_item_type type_of(fsi_image *img, const char *path)
{
    fsi_item_type t = (fsi_item_type)-1;
    fsi_hresult hr = fsi_exists(img, path, &t);
    if (hr != FSI_S_OK) {
        print_error("fsi_exists(\"%s\") failed: %s: %s\n", esc(path), hrname(hr),
                    esc(fsi_image_last_error(img)));
        fail();
    }
    return t;
}

#define assert_type(img, path, want)                                           \
    do {                                                                       \
        fsi_item_type t_ = type_of((img), (path));                             \
        if (t_ != (want)) {                                                    \
            print_error("fsi_exists(\"%s\") gave type %d, expected %s (%d)\n", \
                        esc(path), (int)t_, #want, (int)(want));               \
            _fail(__FILE__, __LINE__);                                         \
        }                                                                      \
    } while (0)

static fsi_item_info info_of(fsi_image *img, const char *path)
{
    fsi_item it = 0;
    fsi_item_info info;
    memset(&info, 0, sizeof info);
    fsi_hresult hr = fsi_lookup(img, path, &it);
    if (hr != FSI_S_OK) {
        print_error("fsi_lookup(\"%s\") failed: %s: %s\n", esc(path), hrname(hr),
                    esc(fsi_image_last_error(img)));
        fail();
    }
    hr = fsi_item_get_info(img, it, &info);
    if (hr != FSI_S_OK) {
        print_error("fsi_item_get_info(\"%s\") failed: %s\n", esc(path), hrname(hr));
        fail();
    }
    return info;
}

static void assert_counts(fsi_image *img, uint64_t files, uint64_t dirs)
{
    uint64_t fc = fsi_image_file_count(img), dc = fsi_image_dir_count(img);
    if (fc != files || dc != dirs) {
        print_error("counts: %" PRIu64 " files, %" PRIu64 " dirs; expected %" PRIu64
                    " files, %" PRIu64 " dirs\n", fc, dc, files, dirs);
        fail();
    }
}

static void assert_ts_equal(struct timespec got, struct timespec want, const char *what)
{
    if (got.tv_sec != want.tv_sec || got.tv_nsec != want.tv_nsec) {
        print_error("%s: got %lld.%09ld, expected %lld.%09ld\n", what, (long long)got.tv_sec,
                    got.tv_nsec, (long long)want.tv_sec, want.tv_nsec);
        fail();
    }
}

/* Does msg contain `path` (with or without its leading '/') between quotes? */
static bool is_quote_before(const char *msg, const char *at)
{
    if (at == msg)
        return false;
    char c = at[-1];
    if (c == '\'' || c == '"' || c == '`')
        return true;
    /* U+2018 / U+201C: e2 80 98 / e2 80 9c */
    return at - msg >= 3 && (unsigned char)at[-3] == 0xe2 && (unsigned char)at[-2] == 0x80 &&
           ((unsigned char)at[-1] == 0x98 || (unsigned char)at[-1] == 0x9c);
}

static bool is_quote_after(const char *p)
{
    if (*p == '\'' || *p == '"' || *p == '`')
        return true;
    return (unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
           ((unsigned char)p[2] == 0x99 || (unsigned char)p[2] == 0x9d);
}

static bool msg_quotes(const char *msg, const char *path)
{
    char alt[4096];
    const char *forms[2];
    if (!msg)
        return false;
    if (path[0] == '/') {
        forms[0] = path;
        forms[1] = path + 1;
    } else {
        snprintf(alt, sizeof alt, "/%s", path);
        forms[0] = path;
        forms[1] = alt;
    }
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(forms[i]);
        if (n == 0)
            continue;
        for (const char *p = strstr(msg, forms[i]); p; p = strstr(p + 1, forms[i]))
            if (is_quote_before(msg, p) && is_quote_after(p + n))
                return true;
    }
    return false;
}

/* The last error of img quotes one of the given paths (NULL-terminated). */
static void assert_msg_quotes_any(fsi_image *img, const char *const *paths, const char *what)
{
    const char *msg = fsi_image_last_error(img);
    for (const char *const *p = paths; *p; p++)
        if (msg_quotes(msg, *p))
            return;
    print_error("%s: last error \"%s\" does not quote the image path \"%s\"\n", what, esc(msg),
                esc(paths[0]));
    fail();
}

static void assert_msg_contains(const char *msg, const char *needle, const char *what)
{
    if (!msg || !strstr(msg, needle)) {
        print_error("%s: message \"%s\" does not contain \"%s\"\n", what, esc(msg), esc(needle));
        fail();
    }
}

/* --- enumeration into arrays --- */

struct kids {
    size_t n, cap;
    char **names;
    fsi_item *items;
    fsi_item_type *types;
    int stop_at;   /* 1-based index at which to return stop_value; 0 = never */
    int stop_value;
    int calls;
};

static int kids_cb(void *ctx, fsi_item item, const fsi_item_info *info)
{
    struct kids *k = ctx;
    k->calls++;
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 16;
        char **nn = realloc(k->names, nc * sizeof *nn);
        if (nn)
            k->names = nn;
        fsi_item *ni = realloc(k->items, nc * sizeof *ni);
        if (ni)
            k->items = ni;
        fsi_item_type *nt = realloc(k->types, nc * sizeof *nt);
        if (nt)
            k->types = nt;
        if (!nn || !ni || !nt)
            return -12345;
        k->cap = nc;
    }
    char *copy = malloc(info->name_len + 1);
    if (!copy)
        return -12345;
    memcpy(copy, info->name, info->name_len);
    copy[info->name_len] = 0;
    k->names[k->n] = copy;
    k->items[k->n] = item;
    k->types[k->n] = info->type;
    k->n++;
    if (k->stop_at && k->calls == k->stop_at)
        return k->stop_value;
    return 0;
}

static void kids_free(struct kids *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->names[i]);
    free(k->names);
    free(k->items);
    free(k->types);
    memset(k, 0, sizeof *k);
}

/* --- snapshot of a whole tree as text --- */

struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
}

static int snap_dir(fsi_image *img, const char *path, struct sbuf *b)
{
    struct kids k;
    memset(&k, 0, sizeof k);
    fsi_hresult hr = fsi_enum_children(img, path, kids_cb, &k);
    if (hr != FSI_S_OK) {
        sb_printf(b, "ENUM(%s) FAILED %s\n", path, hrname(hr));
        kids_free(&k);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < k.n && rc == 0; i++) {
        fsi_item_info in;
        char child[8192];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") == 0 ? "" : path, k.names[i]);
        memset(&in, 0, sizeof in);
        hr = fsi_item_get_info(img, k.items[i], &in);
        if (hr != FSI_S_OK) {
            sb_printf(b, "INFO(%s) FAILED %s\n", child, hrname(hr));
            rc = -1;
            break;
        }
        sb_printf(b,
                  "%s|t=%d|size=%" PRIu64 "|hidden=%d|c=%lld.%09ld|a=%lld.%09ld|m=%lld.%09ld"
                  "|mode=%o|uid=%u|gid=%u|kids=%" PRIu64 "|namelen_ok=%d\n",
                  child, (int)in.type, in.size, (int)in.hidden, (long long)in.ctime.tv_sec,
                  in.ctime.tv_nsec, (long long)in.atime.tv_sec, in.atime.tv_nsec,
                  (long long)in.mtime.tv_sec, in.mtime.tv_nsec, (unsigned)in.mode,
                  (unsigned)in.uid, (unsigned)in.gid, in.child_count,
                  (int)(in.name_len == strlen(k.names[i])));
        if (in.type == FSI_ITEM_DIRECTORY)
            rc = snap_dir(img, child, b);
    }
    kids_free(&k);
    return rc;
}

/* Text picture of the whole tree (names, types, sizes, flags, times, counts)
 * stored in f->snap[slot]. */
static const char *snapshot(struct fx *f, fsi_image *img, int slot)
{
    struct sbuf b;
    memset(&b, 0, sizeof b);
    fsi_item_info root;
    memset(&root, 0, sizeof root);
    fsi_item_get_info(img, FSI_ROOT, &root);
    sb_printf(&b, "files=%" PRIu64 " dirs=%" PRIu64 " root: hidden=%d c=%lld.%09ld a=%lld.%09ld"
                  " m=%lld.%09ld kids=%" PRIu64 "\n",
              fsi_image_file_count(img), fsi_image_dir_count(img), (int)root.hidden,
              (long long)root.ctime.tv_sec, root.ctime.tv_nsec, (long long)root.atime.tv_sec,
              root.atime.tv_nsec, (long long)root.mtime.tv_sec, root.mtime.tv_nsec,
              root.child_count);
    snap_dir(img, "/", &b);
    if (b.oom)
        fail_msg("out of memory in snapshot");
    free(f->snap[slot]);
    f->snap[slot] = b.p ? b.p : strdup("");
    return f->snap[slot];
}

/* --- read callbacks --- */

/* After a failed fsi_add_file_cb no item exists, so the ctx still belongs to
 * the caller (fsi.h: "ctx belongs to the caller until the item is gone"). */
#define assert_ctx_not_taken(cb)                                               \
    do {                                                                       \
        if ((cb)->freed != 0) {                                                \
            print_error("free_ctx was called %d time(s) for a ctx whose "      \
                        "fsi_add_file_cb failed (no item was created)\n",      \
                        (cb)->freed);                                          \
            _fail(__FILE__, __LINE__);                                         \
        }                                                                      \
    } while (0)

static int64_t cb_read(void *ctx, uint64_t offset, void *buf, size_t len)
{
    struct cbctx *c = ctx;
    (void)offset;
    c->reads++;
    memset(buf, 'x', len);
    return (int64_t)len;
}

static void cb_free(void *ctx)
{
    struct cbctx *c = ctx;
    c->freed++;
}

/* --- time limits --- */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double time_factor(void)
{
    double f = 1.0;
#if defined(__SANITIZE_ADDRESS__)
    f = 5.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    f = 5.0;
#endif
#endif
    const char *e = getenv("TEST_TREE_TIME_FACTOR");
    if (e && atof(e) > 0)
        f = atof(e);
    return f;
}

/* ------------------------------------------------------------------ */
/* Basics                                                              */
/* ------------------------------------------------------------------ */

static void test_fresh_image_defaults_and_no_error(void **state)
{
    struct fx *f = *state;
    assert_int_equal(fsi_image_last_code(f->img), FSI_S_OK);
    assert_non_null(fsi_image_last_error(f->img));
    assert_string_equal(fsi_image_last_error(f->img), "");
    assert_int_equal(fsi_image_get_file_systems(f->img),
                     FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_int_equal(fsi_image_get_iso_level(f->img), 3);
    assert_int_equal(fsi_image_get_udf_revision(f->img), 0x102);
    assert_false(fsi_image_get_strict(f->img));
    assert_false(fsi_image_get_restricted_charset(f->img));
    assert_null(fsi_image_get_volume_name(f->img));
    assert_counts(f->img, 0, 0);
    fsi_item_info in = info_of(f->img, "/");
    assert_int_equal(in.type, FSI_ITEM_DIRECTORY);
    assert_string_equal(in.name, "");
    assert_int_equal(in.name_len, 0);
    assert_int_equal(in.parent, 0);
    assert_int_equal(in.child_count, 0);
    assert_int_equal(in.size, 0);
    assert_false(in.hidden);
}

static void test_add_dir(void **state)
{
    struct fx *f = *state;
    fsi_item a = 0, a2 = 0, b = 0, root = 0;
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_type(f->img, "a", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/a", FSI_ITEM_DIRECTORY);
    assert_ok(f->img, fsi_lookup(f->img, "a", &a));
    assert_ok(f->img, fsi_lookup(f->img, "/a", &a2));
    assert_int_equal(a, a2);
    assert_int_not_equal(a, FSI_ROOT);
    assert_ok(f->img, fsi_add_dir(f->img, "/a/b"));
    assert_ok(f->img, fsi_lookup(f->img, "a/b", &b));

    fsi_item_info in = info_of(f->img, "/a/b");
    assert_int_equal(in.type, FSI_ITEM_DIRECTORY);
    assert_string_equal(in.name, "b");
    assert_int_equal(in.name_len, 1);
    assert_int_equal(in.size, 0);
    assert_int_equal(in.parent, a);
    assert_int_equal(in.child_count, 0);
    assert_false(in.hidden);
    in = info_of(f->img, "/a");
    assert_int_equal(in.parent, FSI_ROOT);
    assert_int_equal(in.child_count, 1);
    assert_ok(f->img, fsi_lookup(f->img, "", &root));
    assert_int_equal(root, FSI_ROOT);
    assert_ok(f->img, fsi_lookup(f->img, "/", &root));
    assert_int_equal(root, FSI_ROOT);
    in = info_of(f->img, "/");
    assert_int_equal(in.child_count, 1);
    assert_counts(f->img, 0, 2);
}

static void test_item_path(void **state)
{
    struct fx *f = *state;
    fsi_item b = 0;
    char buf[64];
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "a/b", "x", 1));
    assert_ok(f->img, fsi_lookup(f->img, "/a/b", &b));
    assert_int_equal(fsi_item_path(f->img, b, buf, sizeof buf), 4);
    assert_string_equal(buf, "/a/b");
    assert_int_equal(fsi_item_path(f->img, FSI_ROOT, buf, sizeof buf), 1);
    assert_string_equal(buf, "/");
    /* snprintf-like: needed length, truncated and terminated */
    assert_int_equal(fsi_item_path(f->img, b, NULL, 0), 4);
    memset(buf, '#', sizeof buf);
    assert_int_equal(fsi_item_path(f->img, b, buf, 3), 4);
    assert_string_equal(buf, "/a");
    /* not in the tree */
    assert_int_equal(fsi_item_path(f->img, 0, buf, sizeof buf), 0);
    assert_ok(f->img, fsi_remove(f->img, "a/b"));
    assert_int_equal(fsi_item_path(f->img, b, buf, sizeof buf), 0);
    fsi_item_info in;
    assert_true(FSI_FAILED(fsi_item_get_info(f->img, b, &in)));
    assert_true(FSI_FAILED(fsi_item_get_info(f->img, 0, &in)));
    assert_true(FSI_FAILED(fsi_item_get_info(f->img, 0xFFFFFFF0u, &in)));
}

static void test_add_file_from_host_path(void **state)
{
    struct fx *f = *state;
    const char *h = hp(f, "host.txt");
    host_file(h, "hello world", 11, 0640);
    bool root = geteuid() == 0;
    if (root)
        assert_int_equal(chown(h, 1234, 5678), 0);
    struct timespec ts[2] = {{1100000000, 5}, {1000000000, 123456789}};
    assert_int_equal(utimensat(AT_FDCWD, h, ts, 0), 0);

    assert_ok(f->img, fsi_add_file(f->img, "/h.txt", h));
    assert_type(f->img, "/h.txt", FSI_ITEM_FILE);
    fsi_item_info in = info_of(f->img, "h.txt");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_string_equal(in.name, "h.txt");
    assert_int_equal(in.size, 11);
    assert_int_equal(in.mode & 07777, 0640);
    assert_int_equal(in.parent, FSI_ROOT);
    if (root) {
        assert_int_equal(in.uid, 1234);
        assert_int_equal(in.gid, 5678);
    } else {
        assert_int_equal(in.uid, getuid());
    }
    assert_ts_equal(in.mtime, ts[1], "mtime taken from the host file");
    assert_ts_equal(in.atime, ts[0], "atime taken from the host file");

    /* symlinks are followed */
    host_symlink("host.txt", hp(f, "link.txt"));
    assert_ok(f->img, fsi_add_file(f->img, "/link.txt", hp(f, "link.txt")));
    in = info_of(f->img, "/link.txt");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 11);
    assert_counts(f->img, 2, 0);
}

static void test_add_file_from_memory(void **state)
{
    struct fx *f = *state;
    char *data = malloc(1000);
    assert_non_null(data);
    memset(data, 'q', 1000);
    assert_ok(f->img, fsi_add_file_mem(f->img, "m.bin", data, 1000));
    memset(data, 0, 1000); /* the library copied it */
    free(data);
    assert_ok(f->img, fsi_add_file_mem(f->img, "/empty", NULL, 0));
    fsi_item_info in = info_of(f->img, "/m.bin");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 1000);
    in = info_of(f->img, "/empty");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 0);
    assert_counts(f->img, 2, 0);
}

static void test_add_file_from_callback_declared_size(void **state)
{
    struct fx *f = *state;
    const uint64_t big = 5ull << 30; /* 5 GiB: needs 64 bits */
    assert_ok(f->img, fsi_add_file_cb(f->img, "/cb.bin", big, cb_read, &f->cb[0], cb_free));
    assert_ok(f->img, fsi_add_file_cb(f->img, "/cb0", 0, cb_read, &f->cb[1], NULL));
    fsi_item_info in = info_of(f->img, "cb.bin");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_true(in.size == big);
    assert_int_equal(info_of(f->img, "cb0").size, 0);
    assert_int_equal(f->cb[0].reads, 0); /* only read while a result is read */
    assert_int_equal(f->cb[0].freed, 0);
    assert_counts(f->img, 2, 0);
    fx_free_image(f);
    assert_int_equal(f->cb[0].freed, 1);
    assert_int_equal(f->cb[1].freed, 0); /* no free_ctx given */
}

/* base/{a.txt(3), sub/{b.txt(5), deeper/}, empty/} */
static void make_small_host_tree(struct fx *f)
{
    host_dir(hp(f, "base"), 0755);
    host_file(hp(f, "base/a.txt"), "abc", 3, 0644);
    host_dir(hp(f, "base/sub"), 0755);
    host_file(hp(f, "base/sub/b.txt"), "bbbbb", 5, 0600);
    host_dir(hp(f, "base/sub/deeper"), 0755);
    host_dir(hp(f, "base/empty"), 0755);
}

static void test_add_tree_with_base_directory(void **state)
{
    struct fx *f = *state;
    make_small_host_tree(f);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "base"), true));
    assert_type(f->img, "/base", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/base/a.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/base/sub", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/base/sub/b.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/base/sub/deeper", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/base/empty", FSI_ITEM_DIRECTORY);
    assert_int_equal(info_of(f->img, "/base/a.txt").size, 3);
    assert_int_equal(info_of(f->img, "/base/sub/b.txt").size, 5);
    assert_int_equal(info_of(f->img, "/base/sub/b.txt").mode & 07777, 0600);
    assert_int_equal(info_of(f->img, "/base").child_count, 3);
    assert_int_equal(info_of(f->img, "/").child_count, 1);
    assert_counts(f->img, 2, 4);
}

static void test_add_tree_without_base_directory(void **state)
{
    struct fx *f = *state;
    make_small_host_tree(f);
    assert_ok(f->img, fsi_add_dir(f->img, "dest"));
    assert_ok(f->img, fsi_add_tree(f->img, "/dest", hp(f, "base"), false));
    assert_type(f->img, "/dest/base", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/dest/a.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/dest/sub/b.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/dest/sub/deeper", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/dest/empty", FSI_ITEM_DIRECTORY);
    assert_int_equal(info_of(f->img, "/dest/sub/b.txt").size, 5);
    assert_int_equal(info_of(f->img, "/dest").child_count, 3);
    assert_counts(f->img, 2, 4);
    /* and into the root */
    assert_ok(f->img, fsi_add_tree(f->img, "", hp(f, "base/sub"), false));
    assert_type(f->img, "/b.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/deeper", FSI_ITEM_DIRECTORY);
    assert_counts(f->img, 3, 5);
}

static void test_add_tree_base_with_trailing_slash(void **state)
{
    struct fx *f = *state;
    char p[4200];
    make_small_host_tree(f);
    snprintf(p, sizeof p, "%s/", hp(f, "base"));
    assert_ok(f->img, fsi_add_tree(f->img, "/", p, true));
    assert_type(f->img, "/base", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/base/sub/b.txt", FSI_ITEM_FILE);
    assert_counts(f->img, 2, 4);
}

static void alarm_handler(int sig)
{
    (void)sig;
    static const char m[] = "test_tree: timed out (fsi_add_tree blocked on a FIFO?)\n";
    if (write(2, m, sizeof m - 1) < 0) {
        /* nothing to do */
    }
    _exit(99);
}

/* What the notice callback was told. */
struct notes {
    int count, codes, fifo, sock, excluded;
    char last[512];
};

static void on_note(void *ctx, fsi_hresult code, const char *host, const char *msg)
{
    struct notes *n = ctx;
    n->count++;
    n->codes += code == IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED;
    n->excluded += code == FSI_S_OK;
    n->fifo += strstr(msg, "/fifo' is a FIFO: left out") != NULL && strstr(host, "/fifo") != NULL;
    n->sock += strstr(msg, "/sock' is a socket: left out") != NULL;
    snprintf(n->last, sizeof n->last, "%s", msg);
}

/* A host tree with a file, links to it and to a directory, a FIFO and a
 * socket, under f's "t". */
static void make_link_tree(struct fx *f)
{
    host_dir(hp(f, "t"), 0755);
    host_file(hp(f, "t/real.txt"), "1234567", 7, 0644);
    host_symlink("real.txt", hp(f, "t/link.txt"));
    host_dir(hp(f, "t/sub"), 0755);
    host_file(hp(f, "t/sub/x.txt"), "xx", 2, 0644);
    host_symlink("sub", hp(f, "t/linkdir"));
    assert_int_equal(mkfifo(hp(f, "t/fifo"), 0640), 0);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", hp(f, "t/sock"));
    int brc = bind(s, (struct sockaddr *)&sa, sizeof sa);
    close(s);
    assert_int_equal(brc, 0);
}

static void test_add_tree_keeps_links_and_special_files(void **state)
{
    struct fx *f = *state;
    make_link_tree(f);
    struct notes n = {0};
    fsi_image_set_notice_callback(f->img, on_note, &n);
    signal(SIGALRM, alarm_handler);   /* opening the FIFO would block */
    alarm(30);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "t"), false));
    alarm(0);
    assert_int_equal(n.count, 0);
    fsi_item_info in = info_of(f->img, "/link.txt");
    assert_int_equal(in.type, FSI_ITEM_SYMLINK);
    assert_int_equal(in.file_type, S_IFLNK);
    assert_string_equal(in.link_target, "real.txt");
    assert_int_equal(in.size, 0);
    in = info_of(f->img, "/linkdir");
    assert_int_equal(in.type, FSI_ITEM_SYMLINK);
    assert_string_equal(in.link_target, "sub");
    in = info_of(f->img, "/fifo");
    assert_int_equal(in.type, FSI_ITEM_SPECIAL);
    assert_int_equal(in.file_type, S_IFIFO);
    assert_int_equal(in.mode, 0640);
    assert_int_equal(info_of(f->img, "/sock").file_type, S_IFSOCK);
    assert_int_equal(info_of(f->img, "/real.txt").file_type, S_IFREG);
    assert_int_equal(info_of(f->img, "/sub").file_type, S_IFDIR);
    assert_string_equal(info_of(f->img, "/real.txt").link_target, "");
    assert_counts(f->img, 6, 1);
    /* Nothing below a link: it is not a directory of the tree. */
    assert_hr_img(f->img, fsi_add_dir(f->img, "/linkdir/new"), IMAPI_E_NOT_DIR);
}

static void test_add_tree_follows_links_when_asked(void **state)
{
    struct fx *f = *state;
    make_link_tree(f);
    assert_true(!fsi_image_get_follow_links(f->img));
    assert_ok(f->img, fsi_image_set_follow_links(f->img, true));
    assert_true(fsi_image_get_follow_links(f->img));
    signal(SIGALRM, alarm_handler);
    alarm(30);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "t"), false));
    alarm(0);
    assert_type(f->img, "/real.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/link.txt", FSI_ITEM_FILE);
    assert_int_equal(info_of(f->img, "/link.txt").size, 7);
    assert_type(f->img, "/linkdir", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/linkdir/x.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/fifo", FSI_ITEM_SPECIAL);
    assert_type(f->img, "/sock", FSI_ITEM_SPECIAL);
    assert_counts(f->img, 6, 2);
}

/* fsi_image_exclude_pattern: by name or by host path, a directory with
 * its subtree; an empty pattern refused. */
static void test_add_tree_exclude_patterns(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "p"), 0755);
    host_dir(hp(f, "p/CVS"), 0755);
    host_dir(hp(f, "p/keep"), 0755);
    host_file(hp(f, "p/CVS/Entries"), "e", 1, 0644);
    host_file(hp(f, "p/a.o"), "o", 1, 0644);
    host_file(hp(f, "p/a.c"), "c", 1, 0644);
    host_file(hp(f, "p/keep/b.o"), "o", 1, 0644);
    host_file(hp(f, "p/keep/b.c"), "c", 1, 0644);
    assert_hr_img(f->img, fsi_image_exclude_pattern(f->img, ""), IMAPI_E_INVALID_PARAM);
    assert_hr_img(f->img, fsi_image_exclude_pattern(f->img, NULL), IMAPI_E_INVALID_PARAM);
    assert_ok(f->img, fsi_image_exclude_pattern(f->img, "*.o"));
    assert_ok(f->img, fsi_image_exclude_pattern(f->img, "CVS"));
    assert_ok(f->img, fsi_image_exclude_pattern(f->img, "*/keep/b.c"));
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "p"), false));
    assert_type(f->img, "/a.c", FSI_ITEM_FILE);
    assert_type(f->img, "/keep", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/a.o", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/CVS", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/keep/b.o", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/keep/b.c", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 1, 1);
}

/* fsi_image_set_volume_date: the four dates of the primary descriptor. */
static void test_volume_dates(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_ISO9660));
    assert_hr_img(img, fsi_image_set_volume_date(img, (fsi_volume_date)4, 0),
                  IMAPI_E_INVALID_PARAM);
    /* 2023-11-11 10:24:11.00 UTC */
    assert_ok(img, fsi_image_set_volume_date(img, FSI_VOLUME_MODIFIED,
                                             INT64_C(1699698251) * 1000000000));
    assert_ok(img, fsi_image_set_volume_date(img, FSI_VOLUME_EXPIRES,
                                             INT64_C(1893456000) * 1000000000 + 500000000));
    assert_ok(img, fsi_image_set_volume_date(img, FSI_VOLUME_CREATED, FSI_DATE_NONE));
    fsi_result *res = NULL;
    assert_ok(img, fsi_create_result(img, &res));
    FILE *tf = tmpfile();
    assert_non_null(tf);
    assert_ok(img, fsi_result_write_fd(res, fileno(tf), NULL));
    fsi_result_free(res);
    uint8_t pvd[2048];
    assert_int_equal(pread(fileno(tf), pvd, sizeof pvd, 16 * 2048), (ssize_t)sizeof pvd);
    fclose(tf);
    assert_memory_equal(pvd + 813, "0000000000000000\0", 17);     /* creation: none */
    assert_memory_equal(pvd + 830, "2023111110241100\0", 17);     /* modification */
    assert_memory_equal(pvd + 847, "2030010100000050\0", 17);     /* expiration */
    assert_memory_equal(pvd + 864, "0000000000000000\0", 17);     /* effective: none */
}

/* Devices keep their number; set_mode and set_owner are undone by a
 * rollback; what add_symlink and add_special refuse. */
static void test_links_specials_modes_owners(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    assert_ok(img, fsi_add_symlink(img, "/l", "../a/b"));
    assert_ok(img, fsi_add_special(img, "/null", S_IFCHR | 0666, makedev(1, 3)));
    assert_ok(img, fsi_add_special(img, "/loop0", S_IFBLK | 0660, makedev(7, 0)));
    assert_ok(img, fsi_add_special(img, "/p", S_IFIFO | 0600, 0));
    assert_hr_img(img, fsi_add_symlink(img, "/e", ""), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_symlink(img, "/e", NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_special(img, "/e", S_IFREG | 0644, 0), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_special(img, "/e", S_IFDIR | 0755, 0), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_symlink(img, "/l", "x"), IMAPI_E_DUP_NAME);
    fsi_item_info in = info_of(img, "/null");
    assert_int_equal(in.file_type, S_IFCHR);
    assert_int_equal(in.mode, 0666);
    assert_true(in.rdev == makedev(1, 3));
    assert_true(info_of(img, "/loop0").rdev == makedev(7, 0));
    assert_int_equal(info_of(img, "/p").rdev, 0);
    assert_string_equal(info_of(img, "/l").link_target, "../a/b");
    assert_counts(img, 4, 0);

    assert_ok(img, fsi_add_file_mem(img, "/f", "x", 1));
    uint64_t cp;
    assert_ok(img, fsi_change_point(img, &cp));
    assert_ok(img, fsi_set_mode(img, "/f", 04755));
    assert_ok(img, fsi_set_owner(img, "/f", 1000, 100));
    assert_ok(img, fsi_set_mode(img, "/null", 0600));
    assert_hr_img(img, fsi_set_mode(img, "/f", 010644), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_set_owner(img, "/nope", 1, 1), IMAPI_E_ITEM_NOT_FOUND);
    in = info_of(img, "/f");
    assert_int_equal(in.mode, 04755);
    assert_int_equal(in.uid, 1000);
    assert_int_equal(in.gid, 100);
    assert_int_equal(info_of(img, "/null").file_type, S_IFCHR);   /* the type stays */
    assert_int_equal(info_of(img, "/null").mode, 0600);
    assert_ok(img, fsi_rollback(img, cp));
    in = info_of(img, "/f");
    assert_int_equal(in.mode, 0644);
    assert_int_equal(in.uid, 0);
    assert_int_equal(info_of(img, "/null").mode, 0666);

    assert_hr_img(img, fsi_image_set_normalize(img, 4), IMAPI_E_INVALID_PARAM);
    assert_ok(img, fsi_image_set_normalize(img, FSI_NORMALIZE_OWNERS));
    assert_int_equal(fsi_image_get_normalize(img), FSI_NORMALIZE_OWNERS);
    assert_true(fsi_image_get_rock_ridge(img));
    assert_hr_img(img, fsi_image_set_relocate_deep(img, true), FSI_S_OK);
    assert_hr_img(img, fsi_image_set_rock_ridge(img, false), IMAPI_E_INVALID_PARAM);
    assert_ok(img, fsi_image_set_relocate_deep(img, false));
    assert_ok(img, fsi_image_set_rock_ridge(img, false));
    assert_hr_img(img, fsi_image_set_relocate_deep(img, true), IMAPI_E_INVALID_PARAM);
    /* Removing them frees their records (ASan and valgrind watch). */
    assert_ok(img, fsi_remove(img, "/l"));
    assert_ok(img, fsi_remove(img, "/null"));
}

static uint64_t image_blocks(fsi_image *img)
{
    fsi_result *res = NULL;
    assert_ok(img, fsi_create_result(img, &res));
    uint64_t n = fsi_result_total_blocks(res);
    fsi_result_free(res);
    return n;
}

/* Hard links share one copy of the data; --no-hardlinks stores each. */
static void test_add_tree_hard_links_share_data(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "h"), 0755);
    host_dir(hp(f, "h/d"), 0755);
    static char big[1 << 20];
    memset(big, 'x', sizeof big);
    host_file(hp(f, "h/a"), big, sizeof big, 0644);
    assert_int_equal(link(hp(f, "h/a"), hp(f, "h/d/b")), 0);
    assert_int_equal(link(hp(f, "h/a"), hp(f, "h/c")), 0);
    assert_true(fsi_image_get_hardlinks(f->img));
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "h"), false));
    uint64_t linked = image_blocks(f->img);

    fsi_image *apart = NULL;
    assert_int_equal(fsi_image_new(&apart), FSI_S_OK);
    assert_ok(apart, fsi_image_set_hardlinks(apart, false));
    assert_ok(apart, fsi_add_tree(apart, "/", hp(f, "h"), false));
    uint64_t separate = image_blocks(apart);
    fsi_image_free(apart);
    /* Two copies of 512 blocks more, give or take the metadata. */
    if (!(separate >= linked + 2 * 512 && separate <= linked + 2 * 512 + 16))
        fail_msg("linked %llu blocks, apart %llu", (unsigned long long)linked,
                 (unsigned long long)separate);
    /* A name removed: the others keep the data. */
    assert_ok(f->img, fsi_remove(f->img, "/a"));
    assert_true(image_blocks(f->img) >= 512);
}

/* ---- depth, descriptors, long paths (issue 12) ---- */

/* A chain of `levels` directories named `name` under dir, a file `f`
 * holding `data` at the bottom.  Made relative to descriptors: the
 * paths are longer than PATH_MAX. */
static void make_chain(const char *dir, const char *name, int levels, const char *data)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    for (int i = 0; i < levels; i++) {
        assert_int_equal(mkdirat(fd, name, 0755), 0);
        int n = openat(fd, name, O_RDONLY | O_DIRECTORY);
        assert_true(n >= 0);
        close(fd);
        fd = n;
    }
    int ffd = openat(fd, "f", O_WRONLY | O_CREAT, 0644);
    assert_true(ffd >= 0);
    assert_int_equal(write(ffd, data, strlen(data)), (ssize_t)strlen(data));
    close(ffd);
    close(fd);
}

/* Remove such a chain (nftw cannot): move the second level up, remove
 * the first, one level per step. */
static void remove_chain(const char *dir, const char *name)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/%s", name, name);
    for (;;) {
        if (renameat(fd, inner, fd, "chain.tmp") != 0)
            break;
        char f[600];
        snprintf(f, sizeof f, "%s/f", name);
        unlinkat(fd, f, 0);
        assert_int_equal(unlinkat(fd, name, AT_REMOVEDIR), 0);
        assert_int_equal(renameat(fd, "chain.tmp", fd, name), 0);
    }
    char f[600];
    snprintf(f, sizeof f, "%s/f", name);
    unlinkat(fd, f, 0);
    unlinkat(fd, name, AT_REMOVEDIR);
    close(fd);
}

/* Write img's image to a temporary file and say whether `data` is in it. */
static bool image_holds(fsi_image *img, const char *data)
{
    fsi_result *res = NULL;
    if (FSI_FAILED(fsi_create_result(img, &res))) {
        print_error("create_result: %s\n", fsi_image_last_error(img));
        return false;
    }
    FILE *tf = tmpfile();
    assert_non_null(tf);
    fsi_hresult hr = fsi_result_write_fd(res, fileno(tf), NULL);
    fsi_result_free(res);
    if (FSI_FAILED(hr)) {
        print_error("write: %s\n", fsi_image_last_error(img));
        fclose(tf);
        return false;
    }
    rewind(tf);
    size_t dl = strlen(data), have = 0;
    char buf[65536 + 256];
    bool found = false;
    for (;;) {
        size_t r = fread(buf + have, 1, sizeof buf - have, tf);
        if (r == 0)
            break;
        have += r;
        if (memmem(buf, have, data, dl)) {
            found = true;
            break;
        }
        if (have >= dl) {
            memmove(buf, buf + have - (dl - 1), dl - 1);
            have = dl - 1;
        }
    }
    fclose(tf);
    return found;
}

struct deep_job {
    fsi_image *img;
    const char *host;
    fsi_hresult hr;
    bool holds;
};

static void *deep_add(void *arg)
{
    struct deep_job *j = arg;
    j->hr = fsi_add_tree(j->img, "/", j->host, false);
    if (FSI_SUCCEEDED(j->hr))
        j->holds = image_holds(j->img, "bottom of the deep tree");
    return NULL;
}

/* 10,000 levels on a 256 KiB stack, with at most 128 descriptors: the walk
 * and the writers hold neither a frame nor a descriptor per level. */
static void test_add_tree_10000_levels_small_stack_few_fds(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "deep"), 0755);
    make_chain(hp(f, "deep"), "d", 10000, "bottom of the deep tree");
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_UDF));

    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    lim = old;
    lim.rlim_cur = 128;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 << 10);
    struct deep_job job = {f->img, hp(f, "deep"), FSI_S_OK, false};
    pthread_t th;
    assert_int_equal(pthread_create(&th, &attr, deep_add, &job), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    setrlimit(RLIMIT_NOFILE, &old);

    assert_ok(f->img, job.hr);
    assert_counts(f->img, 1, 10000);
    assert_true(job.holds);
    remove_chain(hp(f, "deep"), "d");
}

/* A file whose host path is far beyond PATH_MAX: what add accepted, the
 * write reads (with and without staging). */
static void test_add_tree_host_path_beyond_path_max(void **state)
{
    struct fx *f = *state;
    char name[201];
    memset(name, 'n', 200);
    name[200] = '\0';
    host_dir(hp(f, "long"), 0755);
    make_chain(hp(f, "long"), name, 40, "at the end of an 8 KiB path");   /* 8,040 bytes */
    for (int stage = 0; stage < 2; stage++) {
        fsi_image *img = NULL;
        assert_int_equal(fsi_image_new(&img), FSI_S_OK);
        assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_UDF));
        assert_ok(img, fsi_image_set_stage_files(img, stage != 0));
        assert_ok(img, fsi_add_tree(img, "/", hp(f, "long"), false));
        /* The same file by its whole path, through fsi_add_file. */
        size_t cap = strlen(hp(f, "long")) + 41 * 201 + 8;
        char *whole = malloc(cap);
        assert_non_null(whole);
        size_t o = (size_t)snprintf(whole, cap, "%s", hp(f, "long"));
        for (int i = 0; i < 40; i++)
            o += (size_t)snprintf(whole + o, cap - o, "/%s", name);
        snprintf(whole + o, cap - o, "/f");
        assert_ok(img, fsi_add_file(img, "/whole", whole));
        free(whole);
        assert_int_equal(info_of(img, "/whole").size, strlen("at the end of an 8 KiB path"));
        assert_true(image_holds(img, "at the end of an 8 KiB path"));
        fsi_image_free(img);
    }
    remove_chain(hp(f, "long"), name);
}

/* fsi_image_exclude_host: the file is left out under any name it has;
 * the notice callback is told (FSI_S_OK); a path that is not there
 * excludes nothing. */
static void test_exclude_host(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "ex"), 0755);
    host_dir(hp(f, "ex/sub"), 0755);
    host_file(hp(f, "ex/out.iso"), "image", 5, 0644);
    host_file(hp(f, "ex/keep.txt"), "keep", 4, 0644);
    assert_int_equal(link(hp(f, "ex/out.iso"), hp(f, "ex/sub/other-name")), 0);
    assert_int_equal(symlink("../out.iso", hp(f, "ex/sub/via-link")), 0);
    assert_ok(f->img, fsi_image_set_follow_links(f->img, true));   /* reach it by the link */
    assert_hr_img(f->img, fsi_image_exclude_host(f->img, ""), IMAPI_E_INVALID_PARAM);
    assert_ok(f->img, fsi_image_exclude_host(f->img, hp(f, "no/such/file")));
    assert_ok(f->img, fsi_image_exclude_host(f->img, hp(f, "ex/out.iso")));
    struct notes n = {0};
    fsi_image_set_notice_callback(f->img, on_note, &n);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "ex"), false));
    assert_type(f->img, "/keep.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/out.iso", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/sub/other-name", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/sub/via-link", FSI_ITEM_NOT_FOUND);
    assert_int_equal(n.excluded, 3);
    assert_non_null(strstr(n.last, "is excluded: left out of the image"));
    /* Without the callback nothing is told, and the result is the same. */
    fsi_image_set_notice_callback(f->img, NULL, NULL);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "ex"), true));
    assert_type(f->img, "/ex/keep.txt", FSI_ITEM_FILE);
    assert_type(f->img, "/ex/out.iso", FSI_ITEM_NOT_FOUND);
    assert_int_equal(n.excluded, 3);
}

/* A descriptor of the bottom directory of a chain made by make_chain. */
static int chain_bottom(const char *dir, const char *name, int levels)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < levels && fd >= 0; i++) {
        int n = openat(fd, name, O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = n;
    }
    assert_true(fd >= 0);
    return fd;
}

/* A symlink leading back up is an error naming it, even thousands of
 * levels down (the check is a hash, not a scan of the path). */
static void test_add_tree_symlink_loop_deep(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "lp"), 0755);
    make_chain(hp(f, "lp"), "d", 3000, "x");
    /* At the bottom: a link to the top. */
    int fd = chain_bottom(hp(f, "lp"), "d", 3000);
    assert_int_equal(symlinkat(hp(f, "lp"), fd, "up"), 0);
    close(fd);
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_UDF));
    assert_ok(f->img, fsi_add_dir(f->img, "keep"));
    assert_ok(f->img, fsi_image_set_follow_links(f->img, true));
    fsi_hresult hr = fsi_add_tree(f->img, "/", hp(f, "lp"), false);
    assert_int_equal(hr, IMAPI_E_DIRECTORY_READ_FAILURE);
    assert_non_null(strstr(fsi_image_last_error(f->img), "/d/d/up"));
    assert_non_null(strstr(fsi_image_last_error(f->img), "loops back"));
    assert_counts(f->img, 0, 1);      /* all or nothing */
    /* Kept as a link (the default), the loop is harmless. */
    assert_ok(f->img, fsi_image_set_follow_links(f->img, false));
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "lp"), false));
    assert_counts(f->img, 2, 3001);
    fd = chain_bottom(hp(f, "lp"), "d", 3000);
    unlinkat(fd, "up", 0);
    close(fd);
    remove_chain(hp(f, "lp"), "d");
}

static void test_remove_file_and_empty_dir(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_dir(f->img, "d/e"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    assert_counts(f->img, 1, 2);
    assert_ok(f->img, fsi_remove(f->img, "/d/f"));
    assert_type(f->img, "/d/f", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 0, 2);
    assert_ok(f->img, fsi_remove(f->img, "d/e"));
    assert_type(f->img, "/d/e", FSI_ITEM_NOT_FOUND);
    assert_int_equal(info_of(f->img, "d").child_count, 0);
    assert_counts(f->img, 0, 1);
    /* the names are free again */
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/e", "z", 1));
    assert_ok(f->img, fsi_add_dir(f->img, "d/f"));
    assert_type(f->img, "/d/e", FSI_ITEM_FILE);
    assert_type(f->img, "/d/f", FSI_ITEM_DIRECTORY);
}

static void test_remove_non_empty_dir_is_dir_not_empty(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    assert_hr_img(f->img, fsi_remove(f->img, "/d"), IMAPI_E_DIR_NOT_EMPTY);
    assert_type(f->img, "/d", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/d/f", FSI_ITEM_FILE);
    assert_counts(f->img, 1, 1);
    const char *q[] = {"/d", NULL};
    assert_msg_quotes_any(f->img, q, "DIR_NOT_EMPTY");
}

static void test_remove_tree(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "keep"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "keep/k", "k", 1));
    assert_ok(f->img, fsi_add_dir(f->img, "t"));
    assert_ok(f->img, fsi_add_dir(f->img, "t/a"));
    assert_ok(f->img, fsi_add_dir(f->img, "t/a/b"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "t/a/b/f1", "1", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "t/f2", "22", 2));
    assert_ok(f->img, fsi_add_dir(f->img, "t/empty"));
    assert_counts(f->img, 3, 5);
    fsi_item b = 0;
    assert_ok(f->img, fsi_lookup(f->img, "t/a/b", &b));
    assert_ok(f->img, fsi_remove_tree(f->img, "/t"));
    assert_type(f->img, "/t", FSI_ITEM_NOT_FOUND);
    assert_hr_img(f->img, fsi_lookup(f->img, "/t/a/b", &b), IMAPI_E_ITEM_NOT_FOUND);
    assert_type(f->img, "/keep/k", FSI_ITEM_FILE);
    assert_counts(f->img, 1, 1);
    assert_int_equal(info_of(f->img, "/").child_count, 1);
    /* an empty directory too */
    assert_ok(f->img, fsi_add_dir(f->img, "e"));
    assert_ok(f->img, fsi_remove_tree(f->img, "e"));
    assert_type(f->img, "/e", FSI_ITEM_NOT_FOUND);
    /* the same names can be added again */
    assert_ok(f->img, fsi_add_dir(f->img, "t"));
    assert_ok(f->img, fsi_add_dir(f->img, "t/a"));
    assert_counts(f->img, 1, 3);
}

static void test_remove_root_fails_and_keeps_tree(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    fsi_hresult hr = fsi_remove_tree(f->img, "/");
    if (!FSI_FAILED(hr))
        fail_msg("fsi_remove_tree(\"/\") succeeded; the header says the root cannot be removed");
    print_message("# (fsi_remove_tree(\"/\") -> %s)\n", hrname(hr));
    hr = fsi_remove(f->img, "/");
    if (!FSI_FAILED(hr))
        fail_msg("fsi_remove(\"/\") succeeded");
    print_message("# (fsi_remove(\"/\") -> %s)\n", hrname(hr));
    assert_type(f->img, "/d/f", FSI_ITEM_FILE);
    assert_type(f->img, "/", FSI_ITEM_DIRECTORY);
    assert_counts(f->img, 1, 1);
}

static void test_exists(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    assert_type(f->img, "", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "d", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "/d/f", FSI_ITEM_FILE);
    assert_type(f->img, "d/f", FSI_ITEM_FILE);
    assert_type(f->img, "/d/missing", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/missing", FSI_ITEM_NOT_FOUND);
    fsi_item_type t;
    assert_hr_img(f->img, fsi_exists(f->img, "d//f", &t), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_exists(f->img, "d/..", &t), IMAPI_E_INVALID_PATH);
}

static void test_lookup_and_item_not_found(void **state)
{
    struct fx *f = *state;
    fsi_item it = 0, d = 0;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    assert_ok(f->img, fsi_lookup(f->img, "/d", &d));
    assert_ok(f->img, fsi_lookup(f->img, "/d/f", &it));
    fsi_item_info in;
    assert_ok(f->img, fsi_item_get_info(f->img, it, &in));
    assert_int_equal(in.parent, d);
    assert_string_equal(in.name, "f");
    assert_hr_img(f->img, fsi_lookup(f->img, "/d/missing", &it), IMAPI_E_ITEM_NOT_FOUND);
    const char *q[] = {"/d/missing", NULL};
    assert_msg_quotes_any(f->img, q, "ITEM_NOT_FOUND");
    assert_hr_img(f->img, fsi_lookup(f->img, "/missing", &it), IMAPI_E_ITEM_NOT_FOUND);
    assert_hr_img(f->img, fsi_lookup(f->img, "/nodir/x", &it), IMAPI_E_ITEM_NOT_FOUND);
    assert_hr_img(f->img, fsi_lookup(f->img, "/d//f", &it), IMAPI_E_INVALID_PATH);
}

/* ------------------------------------------------------------------ */
/* Enumeration                                                         */
/* ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_enum_children_byte_order(void **state)
{
    struct fx *f = *state;
    const char *names[] = {"b",  "a",  "B",     "\xc3\xa9", "Z",  "_",  "a0",
                           "aa", "A",  "~",     "0",        "a.b", "\xe2\x82\xac",
                           "ab", "a-", "\x7e\x7e", "zz"};
    const size_t n = sizeof names / sizeof names[0];
    const char *sorted[sizeof names / sizeof names[0]];
    char p[64];
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    for (size_t i = 0; i < n; i++) {
        snprintf(p, sizeof p, "d/%s", names[i]);
        if (i % 2)
            assert_ok_note(f->img, fsi_add_dir(f->img, p), esc(p));
        else
            assert_ok_note(f->img, fsi_add_file_mem(f->img, p, "x", 1), esc(p));
        sorted[i] = names[i];
    }
    qsort(sorted, n, sizeof sorted[0], cmp_str); /* strcmp: unsigned bytes */

    for (int pass = 0; pass < 2; pass++) { /* stable: same twice */
        struct kids k;
        memset(&k, 0, sizeof k);
        assert_ok(f->img, fsi_enum_children(f->img, "/d", kids_cb, &k));
        int bad = k.n != n;
        for (size_t i = 0; !bad && i < n; i++)
            bad = strcmp(k.names[i], sorted[i]) != 0;
        if (bad) {
            for (size_t i = 0; i < k.n; i++)
                print_error("  got[%zu] = %s   expected %s\n", i, esc(k.names[i]),
                            i < n ? esc(sorted[i]) : "-");
            kids_free(&k);
            fail_msg("children not in byte order of their names");
        }
        for (size_t i = 0; i < n; i++) {
            size_t orig = 0;
            while (strcmp(names[orig], k.names[i]) != 0)
                orig++;
            assert_int_equal(k.types[i], orig % 2 ? FSI_ITEM_DIRECTORY : FSI_ITEM_FILE);
        }
        kids_free(&k);
    }

    /* the root by "" and "/" ; an empty directory */
    struct kids k;
    memset(&k, 0, sizeof k);
    assert_ok(f->img, fsi_enum_children(f->img, "", kids_cb, &k));
    assert_int_equal(k.n, 1);
    assert_string_equal(k.names[0], "d");
    kids_free(&k);
    assert_ok(f->img, fsi_enum_children(f->img, "/", kids_cb, &k));
    assert_int_equal(k.n, 1);
    kids_free(&k);
    assert_ok(f->img, fsi_enum_children(f->img, "/d/a", kids_cb, &k)); /* "a" is index 1: dir */
    assert_int_equal(k.calls, 0);
    kids_free(&k);
}

static void test_enum_children_stops_and_returns_callback_value(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_file_mem(f->img, "c", "x", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "a", "x", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "b", "x", 1));
    struct kids k;
    memset(&k, 0, sizeof k);
    k.stop_at = 2;
    k.stop_value = 42;
    fsi_hresult hr = fsi_enum_children(f->img, "/", kids_cb, &k);
    assert_int_equal(hr, 42);
    assert_int_equal(k.calls, 2);
    assert_string_equal(k.names[0], "a");
    assert_string_equal(k.names[1], "b");
    kids_free(&k);
}

static void test_enum_children_on_file_is_not_dir(void **state)
{
    struct fx *f = *state;
    struct kids k;
    memset(&k, 0, sizeof k);
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "x", 1));
    assert_hr_img(f->img, fsi_enum_children(f->img, "/f", kids_cb, &k), IMAPI_E_NOT_DIR);
    assert_int_equal(k.calls, 0);
    const char *q[] = {"/f", NULL};
    assert_msg_quotes_any(f->img, q, "NOT_DIR");
    kids_free(&k);
}

/* ------------------------------------------------------------------ */
/* Item properties and counts                                          */
/* ------------------------------------------------------------------ */

static void test_item_times_set_and_read_back(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    const char *paths[] = {"/d", "d/f"};
    for (int i = 0; i < 2; i++) {
        struct timespec c = {1000000000 + i, 111111111};
        struct timespec a = {1200000000 + i, 222222222};
        struct timespec m = {1300000000 + i, 333333333};
        assert_ok(f->img, fsi_set_time(f->img, paths[i], FSI_TIME_CREATION, c));
        assert_ok(f->img, fsi_set_time(f->img, paths[i], FSI_TIME_ACCESS, a));
        assert_ok(f->img, fsi_set_time(f->img, paths[i], FSI_TIME_MODIFICATION, m));
        fsi_item_info in = info_of(f->img, paths[i]);
        assert_ts_equal(in.ctime, c, "CreationTime");
        assert_ts_equal(in.atime, a, "LastAccessedTime");
        assert_ts_equal(in.mtime, m, "LastModifiedTime");
    }
    /* setting one time leaves the others alone */
    struct timespec m2 = {1400000000, 0};
    assert_ok(f->img, fsi_set_time(f->img, "d/f", FSI_TIME_MODIFICATION, m2));
    fsi_item_info in = info_of(f->img, "d/f");
    assert_ts_equal(in.mtime, m2, "LastModifiedTime");
    assert_ts_equal(in.ctime, (struct timespec){1000000001, 111111111}, "CreationTime kept");
    assert_ts_equal(in.atime, (struct timespec){1200000001, 222222222}, "LastAccessedTime kept");
    /* a missing item */
    assert_true(FSI_FAILED(fsi_set_time(f->img, "/nope", FSI_TIME_CREATION, m2)));
}

static void test_item_time_before_epoch_round_trips(void **state)
{
    struct fx *f = *state;
    struct timespec t = {-631152000, 500}; /* 1950-01-01 */
    assert_ok(f->img, fsi_add_file_mem(f->img, "old", "x", 1));
    assert_ok(f->img, fsi_set_time(f->img, "old", FSI_TIME_MODIFICATION, t));
    assert_ts_equal(info_of(f->img, "old").mtime, t, "LastModifiedTime 1950");
}

static void test_item_default_times_are_now(void **state)
{
    struct fx *f = *state;
    time_t t0 = time(NULL);
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "x", 1));
    time_t t1 = time(NULL);
    const char *paths[] = {"d", "f"};
    for (int i = 0; i < 2; i++) {
        fsi_item_info in = info_of(f->img, paths[i]);
        struct timespec ts[3] = {in.ctime, in.atime, in.mtime};
        for (int j = 0; j < 3; j++)
            if (ts[j].tv_sec < t0 - 2 || ts[j].tv_sec > t1 + 2)
                fail_msg("%s: time %d is %lld, not the time of adding (%lld..%lld)", paths[i], j,
                         (long long)ts[j].tv_sec, (long long)t0, (long long)t1);
    }
}

static void test_item_hidden_flag(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "abc", 3));
    assert_false(info_of(f->img, "d").hidden);
    assert_false(info_of(f->img, "d/f").hidden);
    assert_ok(f->img, fsi_set_hidden(f->img, "d/f", true));
    assert_true(info_of(f->img, "d/f").hidden);
    assert_false(info_of(f->img, "d").hidden);
    assert_ok(f->img, fsi_set_hidden(f->img, "/d", true));
    assert_true(info_of(f->img, "d").hidden);
    assert_ok(f->img, fsi_set_hidden(f->img, "d/f", false));
    assert_false(info_of(f->img, "d/f").hidden);
    assert_true(FSI_FAILED(fsi_set_hidden(f->img, "/nope", true)));
}

static void test_item_size_and_type(void **state)
{
    struct fx *f = *state;
    host_file(hp(f, "h"), "0123456789abcdef", 16, 0644);
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file(f->img, "d/host", hp(f, "h")));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/mem", "abc", 3));
    assert_ok(f->img, fsi_add_file_cb(f->img, "d/cb", 77, cb_read, &f->cb[0], NULL));
    fsi_item_info in = info_of(f->img, "d");
    assert_int_equal(in.type, FSI_ITEM_DIRECTORY);
    assert_int_equal(in.size, 0);
    assert_int_equal(in.child_count, 3);
    in = info_of(f->img, "d/host");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 16);
    in = info_of(f->img, "d/mem");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 3);
    in = info_of(f->img, "d/cb");
    assert_int_equal(in.type, FSI_ITEM_FILE);
    assert_int_equal(in.size, 77);
}

static void test_file_and_dir_counts(void **state)
{
    struct fx *f = *state;
    assert_counts(f->img, 0, 0); /* the root is not counted */
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_ok(f->img, fsi_add_dir(f->img, "a/b"));
    assert_ok(f->img, fsi_add_dir(f->img, "c"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "a/f1", "1", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "a/b/f2", "2", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "f3", "3", 1));
    assert_counts(f->img, 3, 3);
    /* failures don't count */
    assert_hr_img(f->img, fsi_add_dir(f->img, "a"), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "f3", "3", 1), IMAPI_E_DUP_NAME);
    assert_counts(f->img, 3, 3);
    assert_ok(f->img, fsi_remove(f->img, "f3"));
    assert_counts(f->img, 2, 3);
    assert_ok(f->img, fsi_remove_tree(f->img, "a"));
    assert_counts(f->img, 0, 1);
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_INVALID_PATH                                                */
/* ------------------------------------------------------------------ */

/* Adding `name` under existing dir "p" as a directory and as a file must
 * fail with IMAPI_E_INVALID_PATH; so must looking it up. */
static void expect_refused_name(struct fx *f, const char *name, fsi_hresult lookup_code,
                                const char *lookup_name)
{
    char path[8192];
    fsi_item it;
    snprintf(path, sizeof path, "p/%s", name);
    assert_hr_note(f->img, fsi_add_dir(f->img, path), IMAPI_E_INVALID_PATH, esc(path));
    assert_hr_note(f->img, fsi_add_file_mem(f->img, path, "x", 1), IMAPI_E_INVALID_PATH,
                   esc(path));
    if (hr_check("fsi_lookup(f->img, path, &it)", esc(path), f->img,
                 fsi_lookup(f->img, path, &it), lookup_code, lookup_name))
        _fail(__FILE__, __LINE__);
}

static void expect_invalid_name(struct fx *f, const char *name)
{
    expect_refused_name(f, name, IMAPI_E_INVALID_PATH, "IMAPI_E_INVALID_PATH");
}

static void expect_valid_name(struct fx *f, const char *name)
{
    char path[8192];
    snprintf(path, sizeof path, "p/%s", name);
    assert_ok_note(f->img, fsi_add_file_mem(f->img, path, "x", 1), esc(path));
    assert_type(f->img, path, FSI_ITEM_FILE);
    fsi_item_info in = info_of(f->img, path);
    assert_int_equal(in.name_len, strlen(name));
    assert_memory_equal(in.name, name, strlen(name));
    assert_ok_note(f->img, fsi_remove(f->img, path), esc(path));
}

static void test_invalid_path_empty_component(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "p"));
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_hr_img(f->img, fsi_add_dir(f->img, "a//b"), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_add_dir(f->img, "/a//b"), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "a//b", "x", 1), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_add_dir(f->img, "p//a/b"), IMAPI_E_INVALID_PATH);
    const char *q[] = {"a//b", NULL};
    assert_hr_img(f->img, fsi_add_dir(f->img, "a//b"), IMAPI_E_INVALID_PATH);
    assert_msg_quotes_any(f->img, q, "INVALID_PATH");
    assert_counts(f->img, 0, 2);
}

static void test_invalid_path_dot_and_dotdot(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "p"));
    assert_ok(f->img, fsi_add_dir(f->img, "p/q"));
    expect_invalid_name(f, ".");
    expect_invalid_name(f, "..");
    expect_invalid_name(f, "./x");
    expect_invalid_name(f, "../x");
    expect_invalid_name(f, "q/./x");
    expect_invalid_name(f, "q/../x");
    assert_hr_img(f->img, fsi_add_dir(f->img, "."), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_add_dir(f->img, ".."), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_add_dir(f->img, "/../x"), IMAPI_E_INVALID_PATH);
    /* names that merely contain dots are fine */
    expect_valid_name(f, "...");
    expect_valid_name(f, ".hidden");
    expect_valid_name(f, "a..b");
    assert_counts(f->img, 0, 2);
}

/* Names Linux allows but IMAPI does not (control characters, bytes that
 * are not UTF-8): kept byte for byte by default; with strict file-system
 * compliance adding one is IMAPI_E_INVALID_PATH and looking one up finds
 * nothing (no such item can exist). */
static void expect_strict_invalid_name(struct fx *f, const char *name)
{
    expect_refused_name(f, name, IMAPI_E_ITEM_NOT_FOUND, "IMAPI_E_ITEM_NOT_FOUND");
}

static void expect_kept_unless_strict(struct fx *f, const char *const *names, size_t n)
{
    assert_ok(f->img, fsi_add_dir(f->img, "p"));
    for (size_t i = 0; i < n; i++)
        expect_valid_name(f, names[i]);
    assert_ok(f->img, fsi_remove(f->img, "p"));
    assert_ok(f->img, fsi_image_set_strict(f->img, true));
    assert_ok(f->img, fsi_add_dir(f->img, "p"));
    for (size_t i = 0; i < n; i++)
        expect_strict_invalid_name(f, names[i]);
}

static void test_invalid_path_control_characters(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {
        "a\x01" "b", "\x1f", "a\tb", "a\nb", "a\rb",
        "a\x7f" "b",            /* DEL */
        "a\xc2\x85" "b",        /* U+0085 NEL (C1) */
        "\xc2\x80",             /* U+0080 */
        "x\xc2\x9f",            /* U+009F */
    };
    expect_kept_unless_strict(f, bad, sizeof bad / sizeof bad[0]);
    expect_valid_name(f, "a\xc2\xa0" "b"); /* U+00A0 is not a control character */
    expect_valid_name(f, "sp ace ~!");
    assert_counts(f->img, 0, 1);
}

static void test_invalid_path_bad_utf8(void **state)
{
    struct fx *f = *state;
    const char *bad[] = {
        "\xff",                 /* lone 0xff */
        "a\xff" "b",
        "\xfe",
        "\xc0\xaf",             /* overlong '/' */
        "\xc1\xbf",             /* overlong */
        "\xe0\x80\xaf",         /* overlong 3-byte */
        "\xf0\x80\x80\xaf",     /* overlong 4-byte */
        "\xed\xa0\x80",         /* surrogate U+D800 */
        "\xed\xbf\xbf",         /* surrogate U+DFFF */
        "\xe2\x82",             /* truncated */
        "a\xc3",                /* truncated at the end */
        "\xc3" "a",             /* missing continuation */
        "\x80",                 /* lone continuation byte */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80", /* 5-byte form */
    };
    expect_kept_unless_strict(f, bad, sizeof bad / sizeof bad[0]);
    expect_valid_name(f, "\xe2\x82\xac");     /* EURO SIGN */
    expect_valid_name(f, "\xef\xbf\xbd");     /* U+FFFD */
    expect_valid_name(f, "\xf0\x9f\x98\x80"); /* U+1F600, 4 bytes */
    expect_valid_name(f, "\xed\x9f\xbf");     /* U+D7FF, just below the surrogates */
    assert_counts(f->img, 0, 1);
}

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = 0;
    return s;
}

static void test_invalid_path_component_too_long(void **state)
{
    struct fx *f = *state;
    char path[8192];
    assert_ok(f->img, fsi_add_dir(f->img, "p"));
    const char *units[] = {"a", "\xc3\xa9", "\xf0\x9f\x98\x80"}; /* 1, 2 and 4 bytes */
    for (int u = 0; u < 3; u++) {
        char *ok = repeat(units[u], 255), *bad = repeat(units[u], 256);
        char note[64];
        snprintf(note, sizeof note, "255 x %zu-byte characters", strlen(units[u]));
        snprintf(path, sizeof path, "p/%s", ok);
        fsi_hresult hr1 = fsi_add_dir(f->img, path);
        snprintf(path, sizeof path, "p/%s", bad);
        fsi_hresult hr2 = fsi_add_dir(f->img, path);
        fsi_hresult lc2 = fsi_image_last_code(f->img);
        snprintf(path, sizeof path, "p/%s/x", bad); /* inside a path */
        fsi_hresult hr3 = fsi_add_dir(f->img, path);
        snprintf(path, sizeof path, "p/%s/%s", ok, ok); /* two long components are fine */
        fsi_hresult hr4 = hr1 == FSI_S_OK ? fsi_add_file_mem(f->img, path, "x", 1) : FSI_S_OK;
        free(ok);
        free(bad);
        assert_ok_note(f->img, hr1, note);
        snprintf(note, sizeof note, "256 x %zu-byte characters", strlen(units[u]));
        assert_hr_note(NULL, hr2, IMAPI_E_INVALID_PATH, note);
        assert_int_equal(lc2, IMAPI_E_INVALID_PATH);
        assert_hr_note(NULL, hr3, IMAPI_E_INVALID_PATH, note);
        assert_ok_note(f->img, hr4, "a file below a 255-character directory");
    }
    /* A stray byte counts as one character: any 255-byte host name fits. */
    {
        char *ok = repeat("\xff", 255), *over = repeat("\xff", 256);
        expect_valid_name(f, ok);
        expect_invalid_name(f, over);
        free(ok);
        free(over);
    }
    /* a 255-byte ASCII file name directly in the root */
    char *ok = repeat("z", 255);
    fsi_hresult hr = fsi_add_file_mem(f->img, ok, "x", 1);
    fsi_item_info in;
    memset(&in, 0, sizeof in);
    if (hr == FSI_S_OK)
        in = info_of(f->img, ok);
    free(ok);
    assert_ok(f->img, hr);
    assert_int_equal(in.name_len, 255);
    assert_counts(f->img, 4, 4);
}

static void test_add_root_fails_invalid_path(void **state)
{
    struct fx *f = *state;
    const char *roots[] = {"/", ""};
    for (int i = 0; i < 2; i++) {
        fsi_hresult hr = fsi_add_dir(f->img, roots[i]);
        if (hr == IMAPI_E_DUP_NAME) {
            /* Allowed by the brief, but we expect INVALID_PATH: the root has no name. */
            print_message("# NOTE: fsi_add_dir(\"%s\") gave IMAPI_E_DUP_NAME; "
                          "IMAPI_E_INVALID_PATH expected\n", roots[i]);
            assert_int_equal(fsi_image_last_code(f->img), IMAPI_E_DUP_NAME);
        } else {
            assert_hr_note(f->img, hr, IMAPI_E_INVALID_PATH, roots[i]);
        }
        hr = fsi_add_file_mem(f->img, roots[i], "x", 1);
        if (hr == IMAPI_E_DUP_NAME)
            print_message("# NOTE: fsi_add_file_mem(\"%s\") gave IMAPI_E_DUP_NAME; "
                          "IMAPI_E_INVALID_PATH expected\n", roots[i]);
        else
            assert_hr_note(f->img, hr, IMAPI_E_INVALID_PATH, roots[i]);
    }
    assert_counts(f->img, 0, 0);
}

static void test_invalid_path_in_queries_and_removes(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_hr_img(f->img, fsi_remove(f->img, "a/.."), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_remove_tree(f->img, "a//b"), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_set_hidden(f->img, "a/./b", true), IMAPI_E_INVALID_PATH);
    assert_hr_img(f->img, fsi_set_time(f->img, "a//b", FSI_TIME_ACCESS, (struct timespec){0, 0}),
                  IMAPI_E_INVALID_PATH);
    /* Control characters and stray bytes are valid names: just not there. */
    assert_hr_img(f->img, fsi_set_hidden(f->img, "a/\x01", true), IMAPI_E_ITEM_NOT_FOUND);
    assert_hr_img(f->img, fsi_set_time(f->img, "a/\xff", FSI_TIME_ACCESS, (struct timespec){0, 0}),
                  IMAPI_E_ITEM_NOT_FOUND);
    struct kids k;
    memset(&k, 0, sizeof k);
    assert_hr_img(f->img, fsi_enum_children(f->img, "a/.", kids_cb, &k), IMAPI_E_INVALID_PATH);
    kids_free(&k);
    assert_type(f->img, "a", FSI_ITEM_DIRECTORY);
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_DUP_NAME and case                                           */
/* ------------------------------------------------------------------ */

static void test_dup_name(void **state)
{
    struct fx *f = *state;
    host_file(hp(f, "h"), "abc", 3, 0644);
    assert_ok(f->img, fsi_add_dir(f->img, "x"));
    assert_ok(f->img, fsi_add_dir(f->img, "x/dup"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "x/file", "1", 1));
    /* dir vs dir, file vs file, and across types */
    assert_hr_img(f->img, fsi_add_dir(f->img, "x/dup"), IMAPI_E_DUP_NAME);
    const char *q[] = {"/x/dup", NULL};
    assert_msg_quotes_any(f->img, q, "DUP_NAME");
    assert_hr_img(f->img, fsi_add_dir(f->img, "/x/dup"), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "x/dup", "1", 1), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "x/file", "2", 1), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_dir(f->img, "x/file"), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_file(f->img, "x/file", hp(f, "h")), IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_file_cb(f->img, "/x/dup", 5, cb_read, &f->cb[0], cb_free),
                  IMAPI_E_DUP_NAME);
    assert_hr_img(f->img, fsi_add_dir(f->img, "x"), IMAPI_E_DUP_NAME);
    /* nothing changed */
    assert_type(f->img, "x/dup", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "x/file", FSI_ITEM_FILE);
    assert_int_equal(info_of(f->img, "x/file").size, 1);
    assert_counts(f->img, 1, 2);
    /* a failed add does not take the caller's ctx */
    fx_free_image(f);
    assert_ctx_not_taken(&f->cb[0]);
}

static void test_names_differing_by_case_are_not_duplicates(void **state)
{
    struct fx *f = *state;
    fsi_item a = 0, b = 0;
    assert_ok(f->img, fsi_add_file_mem(f->img, "README", "1", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "readme", "22", 2));
    assert_ok(f->img, fsi_add_dir(f->img, "ReadMe"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "\xc3\x89", "1", 1)); /* É */
    assert_ok(f->img, fsi_add_file_mem(f->img, "\xc3\xa9", "1", 1)); /* é NFC */
    assert_ok(f->img, fsi_add_file_mem(f->img, "e\xcc\x81", "1", 1)); /* e + U+0301 NFD */
    assert_ok(f->img, fsi_lookup(f->img, "README", &a));
    assert_ok(f->img, fsi_lookup(f->img, "readme", &b));
    assert_int_not_equal(a, b);
    assert_int_equal(info_of(f->img, "readme").size, 2);
    assert_type(f->img, "ReadMe", FSI_ITEM_DIRECTORY);
    assert_type(f->img, "REAdme", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 5, 1);
}

/* ------------------------------------------------------------------ */
/* Not found                                                           */
/* ------------------------------------------------------------------ */

static void test_remove_missing_file_is_file_not_found(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_hr_img(f->img, fsi_remove(f->img, "/d/gone"), IMAPI_E_FILE_NOT_FOUND);
    const char *q[] = {"/d/gone", NULL};
    assert_msg_quotes_any(f->img, q, "FILE_NOT_FOUND");
    assert_hr_img(f->img, fsi_remove(f->img, "gone"), IMAPI_E_FILE_NOT_FOUND);
    assert_counts(f->img, 0, 1);
}

static void test_remove_under_missing_dir_is_dir_not_found(void **state)
{
    struct fx *f = *state;
    assert_hr_img(f->img, fsi_remove(f->img, "/nodir/x"), IMAPI_E_DIR_NOT_FOUND);
    const char *q[] = {"/nodir", "/nodir/x", NULL};
    assert_msg_quotes_any(f->img, q, "DIR_NOT_FOUND");
}

static void test_add_under_missing_parent_is_dir_not_found(void **state)
{
    struct fx *f = *state;
    host_file(hp(f, "h"), "abc", 3, 0644);
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_hr_img(f->img, fsi_add_dir(f->img, "nodir/x"), IMAPI_E_DIR_NOT_FOUND);
    const char *q[] = {"/nodir", "/nodir/x", NULL};
    assert_msg_quotes_any(f->img, q, "DIR_NOT_FOUND");
    assert_hr_img(f->img, fsi_add_dir(f->img, "/a/nodir/x"), IMAPI_E_DIR_NOT_FOUND);
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "nodir/x", "1", 1), IMAPI_E_DIR_NOT_FOUND);
    assert_hr_img(f->img, fsi_add_file(f->img, "a/nodir/x", hp(f, "h")), IMAPI_E_DIR_NOT_FOUND);
    assert_hr_img(f->img, fsi_add_file_cb(f->img, "nodir/x", 1, cb_read, &f->cb[0], cb_free),
                  IMAPI_E_DIR_NOT_FOUND);
    assert_type(f->img, "nodir", FSI_ITEM_NOT_FOUND); /* no implicit mkdir -p */
    assert_counts(f->img, 0, 1);
    fx_free_image(f);
    assert_ctx_not_taken(&f->cb[0]);
}

static void test_remove_tree_missing_dir_is_dir_not_found(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "a"));
    assert_hr_img(f->img, fsi_remove_tree(f->img, "/a/nodir"), IMAPI_E_DIR_NOT_FOUND);
    const char *q[] = {"/a/nodir", NULL};
    assert_msg_quotes_any(f->img, q, "DIR_NOT_FOUND");
    assert_hr_img(f->img, fsi_remove_tree(f->img, "nodir"), IMAPI_E_DIR_NOT_FOUND);
    assert_counts(f->img, 0, 1);
}

static void test_add_tree_into_missing_dir_is_dir_not_found(void **state)
{
    struct fx *f = *state;
    make_small_host_tree(f);
    assert_hr_img(f->img, fsi_add_tree(f->img, "/nodir", hp(f, "base"), true),
                  IMAPI_E_DIR_NOT_FOUND);
    const char *q[] = {"/nodir", NULL};
    assert_msg_quotes_any(f->img, q, "DIR_NOT_FOUND");
    assert_hr_img(f->img, fsi_add_tree(f->img, "/nodir", hp(f, "base"), false),
                  IMAPI_E_DIR_NOT_FOUND);
    assert_counts(f->img, 0, 0);
}

/* ------------------------------------------------------------------ */
/* NOT_DIR / NOT_FILE                                                  */
/* ------------------------------------------------------------------ */

static void test_file_as_intermediate_component_is_not_dir(void **state)
{
    struct fx *f = *state;
    host_file(hp(f, "h"), "abc", 3, 0644);
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "1", 1));
    assert_hr_img(f->img, fsi_add_dir(f->img, "f/x"), IMAPI_E_NOT_DIR);
    const char *q[] = {"/f", "/f/x", NULL};
    assert_msg_quotes_any(f->img, q, "NOT_DIR");
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "/f/x", "1", 1), IMAPI_E_NOT_DIR);
    assert_hr_img(f->img, fsi_add_file(f->img, "/f/x", hp(f, "h")), IMAPI_E_NOT_DIR);
    assert_hr_img(f->img, fsi_add_dir(f->img, "f/x/y"), IMAPI_E_NOT_DIR);
    assert_type(f->img, "f", FSI_ITEM_FILE);
    assert_counts(f->img, 1, 0);
}

static void test_remove_tree_on_file_is_not_dir(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "d/f", "1", 1));
    assert_hr_img(f->img, fsi_remove_tree(f->img, "/d/f"), IMAPI_E_NOT_DIR);
    const char *q[] = {"/d/f", NULL};
    assert_msg_quotes_any(f->img, q, "NOT_DIR");
    assert_type(f->img, "d/f", FSI_ITEM_FILE);
    assert_counts(f->img, 1, 1);
}

static void test_add_tree_into_file_is_not_dir(void **state)
{
    struct fx *f = *state;
    make_small_host_tree(f);
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "1", 1));
    assert_hr_img(f->img, fsi_add_tree(f->img, "/f", hp(f, "base"), true), IMAPI_E_NOT_DIR);
    assert_counts(f->img, 1, 0);
}

static void test_add_file_host_directory_is_not_file(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "somedir"), 0755);
    assert_hr_img(f->img, fsi_add_file(f->img, "/x", hp(f, "somedir")), IMAPI_E_NOT_FILE);
    assert_msg_contains(fsi_image_last_error(f->img), hp(f, "somedir"), "NOT_FILE message");
    assert_type(f->img, "/x", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 0, 0);
}

static void test_add_file_missing_host_is_data_stream_create_failure(void **state)
{
    struct fx *f = *state;
    assert_hr_img(f->img, fsi_add_file(f->img, "/x", hp(f, "no-such-file")),
                  IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_msg_contains(fsi_image_last_error(f->img), hp(f, "no-such-file"), "host path");
    assert_msg_contains(fsi_image_last_error(f->img), strerror(ENOENT), "strerror");
    host_symlink("no-such-target", hp(f, "dangling"));
    assert_hr_img(f->img, fsi_add_file(f->img, "/y", hp(f, "dangling")),
                  IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_counts(f->img, 0, 0);
}

/* ------------------------------------------------------------------ */
/* UseRestrictedCharacterSet                                           */
/* ------------------------------------------------------------------ */

static void test_restricted_charset(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_file_mem(f->img, "\xc3\xa9t\xc3\xa9.txt", "1", 1)); /* before */
    assert_ok(f->img, fsi_add_dir(f->img, "\xc3\xa9"));
    assert_ok(f->img, fsi_image_set_restricted_charset(f->img, true));
    assert_true(fsi_image_get_restricted_charset(f->img));
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "\xc3\xa9.txt", "1", 1),
                  IMAPI_E_RESTRICTED_NAME_VIOLATION);
    const char *q[] = {"/\xc3\xa9.txt", NULL};
    assert_msg_quotes_any(f->img, q, "RESTRICTED_NAME_VIOLATION");
    assert_hr_img(f->img, fsi_add_dir(f->img, "caf\xc3\xa9"), IMAPI_E_RESTRICTED_NAME_VIOLATION);
    assert_hr_img(f->img, fsi_add_file_cb(f->img, "\xe2\x82\xac", 1, cb_read, &f->cb[0], cb_free),
                  IMAPI_E_RESTRICTED_NAME_VIOLATION);
    /* ASCII 32..126 is fine, also below an existing non-ASCII directory */
    assert_ok(f->img, fsi_add_file_mem(f->img, "plain name ~!.txt", "1", 1));
    assert_ok(f->img, fsi_add_file_mem(f->img, "\xc3\xa9/ascii.txt", "1", 1));
    /* items added before stay */
    assert_type(f->img, "\xc3\xa9t\xc3\xa9.txt", FSI_ITEM_FILE);
    assert_type(f->img, "\xc3\xa9.txt", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 3, 1);
    /* and off again */
    assert_ok(f->img, fsi_image_set_restricted_charset(f->img, false));
    assert_ok(f->img, fsi_add_file_mem(f->img, "\xc3\xa9.txt", "1", 1));
    fx_free_image(f);
    assert_ctx_not_taken(&f->cb[0]);
}

static void test_restricted_charset_add_tree_all_or_nothing(void **state)
{
    struct fx *f = *state;
    host_dir(hp(f, "r"), 0755);
    host_file(hp(f, "r/a.txt"), "a", 1, 0644);
    host_file(hp(f, "r/\xc3\xa9.txt"), "e", 1, 0644);
    host_file(hp(f, "r/z.txt"), "z", 1, 0644);
    assert_ok(f->img, fsi_image_set_restricted_charset(f->img, true));
    assert_hr_img(f->img, fsi_add_tree(f->img, "/", hp(f, "r"), true),
                  IMAPI_E_RESTRICTED_NAME_VIOLATION);
    assert_type(f->img, "/r", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 0, 0);
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_ISO9660_LEVELS                                              */
/* ------------------------------------------------------------------ */

static void add_chain(fsi_image *img, const char *const *comps, int n)
{
    char p[512] = "";
    for (int i = 0; i < n; i++) {
        strcat(p, "/");
        strcat(p, comps[i]);
        assert_ok_note(img, fsi_add_dir(img, p), p);
    }
}

static const char *const digits[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};

static void test_iso9660_depth_limit(void **state)
{
    struct fx *f = *state;
    add_chain(f->img, digits, 7); /* /1/2/3/4/5/6/7: 7 components, level 8 */
    assert_ok(f->img, fsi_add_file_mem(f->img, "/1/2/3/4/5/6/f", "x", 1)); /* 7 components */
    assert_hr_img(f->img, fsi_add_file_mem(f->img, "/1/2/3/4/5/6/7/f", "x", 1),
                  IMAPI_E_ISO9660_LEVELS);
    assert_hr_img(f->img, fsi_add_dir(f->img, "/1/2/3/4/5/6/7/8"), IMAPI_E_ISO9660_LEVELS);
    assert_hr_img(f->img, fsi_add_file_cb(f->img, "/1/2/3/4/5/6/7/g", 1, cb_read, &f->cb[0],
                                          cb_free),
                  IMAPI_E_ISO9660_LEVELS);
    assert_type(f->img, "/1/2/3/4/5/6/7/8", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/1/2/3/4/5/6/7/f", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 1, 7);
    /* ISO9660 with Joliet (the default) and ISO9660 alone behave the same */
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_ISO9660));
    assert_hr_img(f->img, fsi_add_dir(f->img, "/1/2/3/4/5/6/7/8"), IMAPI_E_ISO9660_LEVELS);
    fx_free_image(f);
    assert_ctx_not_taken(&f->cb[0]);
}

static void test_iso9660_depth_udf_only_then_enabling_iso_fails(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_UDF));
    add_chain(f->img, digits, 9);
    assert_ok(f->img, fsi_add_file_mem(f->img, "/1/2/3/4/5/6/7/8/9/f", "x", 1));
    assert_counts(f->img, 1, 9);
    assert_hr_img(f->img, fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_UDF),
                  IMAPI_E_ISO9660_LEVELS);
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_UDF);
    assert_hr_img(f->img,
                  fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF),
                  IMAPI_E_ISO9660_LEVELS);
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_UDF);
    /* a file at component 8 alone is enough to fail */
    assert_ok(f->img, fsi_remove_tree(f->img, "/1/2/3/4/5/6/7/8"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "/1/2/3/4/5/6/7/f", "x", 1));
    assert_hr_img(f->img, fsi_image_set_file_systems(f->img, FSI_FS_ISO9660),
                  IMAPI_E_ISO9660_LEVELS);
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_UDF);
    /* shallow enough again: allowed */
    assert_ok(f->img, fsi_remove(f->img, "/1/2/3/4/5/6/7/f"));
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_UDF));
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_ISO9660 | FSI_FS_UDF);
    assert_counts(f->img, 0, 7);
}

/* host: deep/1/2/3/4/5/6/f and deep/1/2/3/4/5/6/7/g  (relative to `top`) */
static void make_deep_host_tree(struct fx *f, const char *top, int ndirs, const char *leaf)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s", top);
    host_dir(hp(f, rel), 0755);
    for (int i = 0; i < ndirs; i++) {
        strcat(rel, "/");
        strcat(rel, digits[i]);
        host_dir(hp(f, rel), 0755);
    }
    strcat(rel, "/");
    strcat(rel, leaf);
    host_file(hp(f, rel), "x", 1, 0644);
}

static void test_iso9660_depth_add_tree_all_or_nothing(void **state)
{
    struct fx *f = *state;
    make_deep_host_tree(f, "ok", 6, "f");   /* ok/1/../6/f */
    make_deep_host_tree(f, "deep", 7, "g"); /* deep/1/../7/g */
    assert_ok(f->img, fsi_add_dir(f->img, "keep"));
    assert_ok(f->img, fsi_add_file_mem(f->img, "keep/k", "k", 1));
    const char *before = snapshot(f, f->img, 0);
    /* deep tree without base: 1/2/.../7/g = 8 components */
    assert_hr_img(f->img, fsi_add_tree(f->img, "/", hp(f, "deep"), false),
                  IMAPI_E_ISO9660_LEVELS);
    /* ok tree with base: ok/1/2/3/4/5/6/f = 8 components */
    assert_hr_img(f->img, fsi_add_tree(f->img, "/", hp(f, "ok"), true), IMAPI_E_ISO9660_LEVELS);
    /* ok tree without base below /keep: keep/1/2/3/4/5/6/f = 8 components */
    assert_hr_img(f->img, fsi_add_tree(f->img, "/keep", hp(f, "ok"), false),
                  IMAPI_E_ISO9660_LEVELS);
    assert_string_equal(snapshot(f, f->img, 1), before);
    assert_type(f->img, "/1", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/keep/1", FSI_ITEM_NOT_FOUND);
    assert_type(f->img, "/ok", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 1, 1);
    /* without base into the root: 1/2/3/4/5/6/f = 7 components: fine */
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "ok"), false));
    assert_type(f->img, "/1/2/3/4/5/6/f", FSI_ITEM_FILE);
    assert_counts(f->img, 2, 7);
    /* with UDF only the deep trees go in */
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_UDF));
    assert_ok(f->img, fsi_add_tree(f->img, "/keep", hp(f, "deep"), true));
    assert_type(f->img, "/keep/deep/1/2/3/4/5/6/7/g", FSI_ITEM_FILE);
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_TOO_MANY_DIRS                                               */
/* ------------------------------------------------------------------ */

static void add_flat_dirs(fsi_image *img, unsigned from, unsigned to)
{
    char p[16];
    for (unsigned i = from; i <= to; i++) {
        snprintf(p, sizeof p, "d%05u", i);
        fsi_hresult hr = fsi_add_dir(img, p);
        if (hr != FSI_S_OK) {
            print_error("fsi_add_dir(\"%s\") (directory #%u) -> %s: %s\n", p, i, hrname(hr),
                        esc(fsi_image_last_error(img)));
            fail();
        }
    }
}

static void test_too_many_dirs_iso9660(void **state)
{
    struct fx *f = *state;
    double t0 = now_s();
    add_flat_dirs(f->img, 1, 65534); /* + the root = 65535 */
    double dt = now_s() - t0;
    print_message("# 65534 fsi_add_dir: %.3f s\n", dt);
    assert_counts(f->img, 0, 65534);
    assert_hr_img(f->img, fsi_add_dir(f->img, "d65535"), IMAPI_E_TOO_MANY_DIRS);
    assert_hr_img(f->img, fsi_add_dir(f->img, "d00001/sub"), IMAPI_E_TOO_MANY_DIRS);
    assert_type(f->img, "d65535", FSI_ITEM_NOT_FOUND);
    assert_counts(f->img, 0, 65534);
    /* files are not limited */
    assert_ok(f->img, fsi_add_file_mem(f->img, "d00001/f", "x", 1));
    /* one less and it fits again */
    assert_ok(f->img, fsi_remove(f->img, "d00002"));
    assert_ok(f->img, fsi_add_dir(f->img, "d65535"));
    assert_hr_img(f->img, fsi_add_dir(f->img, "d65536"), IMAPI_E_TOO_MANY_DIRS);
    assert_counts(f->img, 1, 65534);
}

static void test_too_many_dirs_udf_only_then_enabling_iso_fails(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_UDF));
    add_flat_dirs(f->img, 1, 65535); /* + the root = 65536 */
    assert_ok(f->img, fsi_add_dir(f->img, "d00001/more"));
    assert_counts(f->img, 0, 65536);
    assert_hr_img(f->img, fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_UDF),
                  IMAPI_E_TOO_MANY_DIRS);
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_UDF);
    assert_ok(f->img, fsi_remove(f->img, "d00001/more"));
    assert_hr_img(f->img,
                  fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF),
                  IMAPI_E_TOO_MANY_DIRS);
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_UDF);
    assert_ok(f->img, fsi_remove(f->img, "d00007"));
    assert_ok(f->img,
              fsi_image_set_file_systems(f->img, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF));
    assert_hr_img(f->img, fsi_add_dir(f->img, "d00007"), IMAPI_E_TOO_MANY_DIRS);
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_READONLY / IMAPI_E_NO_OUTPUT                                */
/* ------------------------------------------------------------------ */

static void test_readonly_while_result_exists(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    make_small_host_tree(f);
    host_file(hp(f, "h"), "abc", 3, 0644);
    assert_ok(img, fsi_add_dir(img, "d"));
    assert_ok(img, fsi_add_dir(img, "d/sub"));
    assert_ok(img, fsi_add_file_mem(img, "d/f", "abc", 3));
    uint64_t point = 0;
    assert_ok(img, fsi_change_point(img, &point));
    assert_ok(img, fsi_add_dir(img, "after-point"));
    const char *before = snapshot(f, img, 0);

    assert_ok(img, fsi_create_result(img, &f->res));
    assert_non_null(f->res);
    struct timespec t = {1234, 0};
    assert_hr_img(img, fsi_add_dir(img, "x"), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_add_file(img, "x", hp(f, "h")), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_add_file_mem(img, "x", "1", 1), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_add_file_cb(img, "x", 1, cb_read, &f->cb[0], cb_free),
                  IMAPI_E_READONLY);
    assert_hr_img(img, fsi_add_tree(img, "/", hp(f, "base"), true), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_remove(img, "d/f"), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_remove_tree(img, "d"), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_set_time(img, "d/f", FSI_TIME_CREATION, t), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_set_time(img, "d", FSI_TIME_MODIFICATION, t), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_set_hidden(img, "d/f", true), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_image_set_file_systems(img, FSI_FS_UDF), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_image_set_restricted_charset(img, true), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_rollback(img, point), IMAPI_E_READONLY);
    /* reading still works and nothing changed */
    assert_string_equal(snapshot(f, img, 1), before);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_false(fsi_image_get_restricted_charset(img));
    assert_ctx_not_taken(&f->cb[0]);

    fsi_result_free(f->res);
    f->res = NULL;
    assert_ok(img, fsi_add_dir(img, "x"));
    assert_ok(img, fsi_add_file_mem(img, "x/m", "1", 1));
    assert_ok(img, fsi_set_hidden(img, "d/f", true));
    assert_ok(img, fsi_remove(img, "d/f"));
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_UDF));
    assert_type(img, "x/m", FSI_ITEM_FILE);
}

/* Interpretation: the other property setters also refuse while a result
 * exists (the result was laid out with them).  IMAPI documents this only for
 * FileSystemsToCreate and UseRestrictedCharacterSet. */
static void test_readonly_blocks_other_property_setters(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    assert_ok(img, fsi_create_result(img, &f->res));
    assert_hr_img(img, fsi_image_set_iso_level(img, 2), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_image_set_udf_revision(img, 0x250), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_image_set_volume_name(img, "NEWNAME"), IMAPI_E_READONLY);
    assert_hr_img(img, fsi_image_set_strict(img, true), IMAPI_E_READONLY);
    assert_int_equal(fsi_image_get_iso_level(img), 3);
    assert_int_equal(fsi_image_get_udf_revision(img), 0x102);
    fsi_result_free(f->res);
    f->res = NULL;
    assert_ok(img, fsi_image_set_iso_level(img, 2));
}

static void test_no_output_without_file_systems(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "1", 1));
    assert_ok(f->img, fsi_image_set_file_systems(f->img, FSI_FS_NONE));
    assert_int_equal(fsi_image_get_file_systems(f->img), FSI_FS_NONE);
    fsi_result *res = NULL;
    assert_hr_img(f->img, fsi_create_result(f->img, &res), IMAPI_E_NO_OUTPUT);
    f->res = res; /* freed by teardown if the library set it anyway */
    assert_null(res);
    /* not read-only afterwards */
    assert_ok(f->img, fsi_add_file_mem(f->img, "g", "1", 1));
}

/* ------------------------------------------------------------------ */
/* IMAPI_E_INVALID_PARAM                                               */
/* ------------------------------------------------------------------ */

static int enum_nop(void *ctx, fsi_item item, const fsi_item_info *info)
{
    (void)ctx;
    (void)item;
    (void)info;
    return 0;
}

static void test_invalid_param_null_pointers(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    fsi_item it;
    fsi_item_type t;
    fsi_item_info in;
    uint64_t p;
    struct timespec ts = {0, 0};
    host_file(hp(f, "h"), "abc", 3, 0644);
    host_dir(hp(f, "d"), 0755);
    assert_ok(img, fsi_add_file_mem(img, "f", "1", 1));

    /* NULL image */
    assert_hr(fsi_image_new(NULL), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_add_dir(NULL, "a"), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_add_file(NULL, "a", hp(f, "h")), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_add_file_mem(NULL, "a", "1", 1), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_add_file_cb(NULL, "a", 1, cb_read, &f->cb[0], cb_free), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_add_tree(NULL, "/", hp(f, "d"), false), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_remove(NULL, "f"), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_remove_tree(NULL, "f"), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_exists(NULL, "f", &t), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_lookup(NULL, "f", &it), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_item_get_info(NULL, FSI_ROOT, &in), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_enum_children(NULL, "/", enum_nop, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_set_time(NULL, "f", FSI_TIME_ACCESS, ts), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_set_hidden(NULL, "f", true), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_change_point(NULL, &p), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_rollback(NULL, 0), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_lock_in(NULL), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_create_result(NULL, &f->res), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_file_systems(NULL, FSI_FS_UDF), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_iso_level(NULL, 2), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_udf_revision(NULL, 0x102), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_volume_name(NULL, "X"), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_strict(NULL, false), IMAPI_E_INVALID_PARAM);
    assert_hr(fsi_image_set_restricted_charset(NULL, false), IMAPI_E_INVALID_PARAM);
    fsi_image_free(NULL);
    fsi_result_free(NULL);

    /* NULL path */
    assert_hr_img(img, fsi_add_dir(img, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file(img, NULL, hp(f, "h")), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file(img, "a", NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file_mem(img, NULL, "1", 1), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file_cb(img, NULL, 1, cb_read, &f->cb[0], cb_free),
                  IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_tree(img, NULL, hp(f, "d"), false), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_tree(img, "/", NULL, false), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_remove(img, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_remove_tree(img, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_exists(img, NULL, &t), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_lookup(img, NULL, &it), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_enum_children(img, NULL, enum_nop, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_set_time(img, NULL, FSI_TIME_ACCESS, ts), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_set_hidden(img, NULL, true), IMAPI_E_INVALID_PARAM);

    /* NULL out pointers / callbacks / data */
    assert_hr_img(img, fsi_exists(img, "f", NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_lookup(img, "f", NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_item_get_info(img, FSI_ROOT, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_enum_children(img, "/", NULL, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_change_point(img, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_create_result(img, NULL), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file_mem(img, "a", NULL, 5), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_add_file_cb(img, "a", 5, NULL, &f->cb[0], cb_free),
                  IMAPI_E_INVALID_PARAM);

    /* nothing was added and no ctx was taken */
    assert_type(img, "a", FSI_ITEM_NOT_FOUND);
    assert_counts(img, 1, 0);
    fx_free_image(f);
    assert_ctx_not_taken(&f->cb[0]);
}

static void test_invalid_param_property_values(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    const unsigned all = FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF;
    assert_hr_img(img, fsi_image_set_iso_level(img, 0), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_iso_level(img, 4), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_iso_level(img, -1), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_get_iso_level(img), 3);
    for (int l = 1; l <= 3; l++) {
        assert_ok(img, fsi_image_set_iso_level(img, l));
        assert_int_equal(fsi_image_get_iso_level(img), l);
    }
    assert_hr_img(img, fsi_image_set_udf_revision(img, 0x103), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_udf_revision(img, 0), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_udf_revision(img, 0x300), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_get_udf_revision(img), 0x102);
    const int revs[] = {0x102, 0x150, 0x200, 0x201, 0x250, 0x260};
    for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++) {
        assert_ok(img, fsi_image_set_udf_revision(img, revs[i]));
        assert_int_equal(fsi_image_get_udf_revision(img), revs[i]);
    }
    assert_hr_img(img, fsi_image_set_file_systems(img, 8), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_file_systems(img, FSI_FS_UDF | 8), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_file_systems(img, FSI_FS_UNKNOWN), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_file_systems(img, FSI_FS_JOLIET), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_image_set_file_systems(img, FSI_FS_JOLIET | FSI_FS_UDF),
                  IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_get_file_systems(img), all);
    const unsigned okfs[] = {FSI_FS_ISO9660, FSI_FS_UDF, FSI_FS_ISO9660 | FSI_FS_JOLIET,
                             FSI_FS_ISO9660 | FSI_FS_UDF, all, FSI_FS_NONE};
    for (size_t i = 0; i < sizeof okfs / sizeof okfs[0]; i++) {
        assert_ok(img, fsi_image_set_file_systems(img, okfs[i]));
        assert_int_equal(fsi_image_get_file_systems(img), okfs[i]);
    }
}

static void test_invalid_param_set_time_which(void **state)
{
    struct fx *f = *state;
    struct timespec t = {1000, 0};
    assert_ok(f->img, fsi_add_file_mem(f->img, "f", "1", 1));
    assert_ok(f->img, fsi_set_time(f->img, "f", FSI_TIME_MODIFICATION, t));
    assert_hr_img(f->img, fsi_set_time(f->img, "f", 3, (struct timespec){2000, 0}),
                  IMAPI_E_INVALID_PARAM);
    assert_hr_img(f->img, fsi_set_time(f->img, "f", -1, (struct timespec){2000, 0}),
                  IMAPI_E_INVALID_PARAM);
    fsi_item_info in = info_of(f->img, "f");
    assert_ts_equal(in.mtime, t, "unchanged LastModifiedTime");
}

/* ------------------------------------------------------------------ */
/* Volume name, strict compliance                                      */
/* ------------------------------------------------------------------ */

static void test_volume_name_length_and_control_characters(void **state)
{
    struct fx *f = *state;
    char *n32 = repeat("V", 32), *n33 = repeat("W", 33);
    fsi_hresult hr32 = fsi_image_set_volume_name(f->img, n32);
    fsi_hresult hr33 = fsi_image_set_volume_name(f->img, n33);
    fsi_hresult lc33 = fsi_image_last_code(f->img);
    const char *got = fsi_image_get_volume_name(f->img);
    bool same = got && strcmp(got, n32) == 0;
    free(n32);
    free(n33);
    assert_ok(f->img, hr32);
    assert_hr(hr33, IMAPI_E_INVALID_VOLUME_NAME);
    assert_int_equal(lc33, IMAPI_E_INVALID_VOLUME_NAME);
    assert_true(same); /* the failed set kept the old name */
    assert_hr_img(f->img, fsi_image_set_volume_name(f->img, "AB\x01" "C"),
                  IMAPI_E_INVALID_VOLUME_NAME);
    assert_hr_img(f->img, fsi_image_set_volume_name(f->img, "AB\nC"), IMAPI_E_INVALID_VOLUME_NAME);
    assert_hr_img(f->img, fsi_image_set_volume_name(f->img, "AB\x7f"), IMAPI_E_INVALID_VOLUME_NAME);
    assert_hr_img(f->img, fsi_image_set_volume_name(f->img, "AB\xc2\x85"),
                  IMAPI_E_INVALID_VOLUME_NAME);
    assert_hr_img(f->img, fsi_image_set_volume_name(f->img, "AB\xff"),
                  IMAPI_E_INVALID_VOLUME_NAME);
    assert_ok(f->img, fsi_image_set_volume_name(f->img, "My Disc 2024"));
    assert_string_equal(fsi_image_get_volume_name(f->img), "My Disc 2024");
    assert_ok(f->img, fsi_image_set_volume_name(f->img, NULL));
    assert_null(fsi_image_get_volume_name(f->img));
    assert_ok(f->img, fsi_image_set_volume_name(f->img, "X"));
    assert_ok(f->img, fsi_image_set_volume_name(f->img, ""));
    assert_null(fsi_image_get_volume_name(f->img));
}

static void test_volume_name_counts_characters_not_bytes(void **state)
{
    struct fx *f = *state;
    char *e32 = repeat("\xc3\xa9", 32), *e33 = repeat("\xc3\xa9", 33);
    fsi_hresult hr32 = fsi_image_set_volume_name(f->img, e32);
    fsi_hresult hr33 = fsi_image_set_volume_name(f->img, e33);
    free(e32);
    free(e33);
    assert_ok(f->img, hr32);
    assert_hr(hr33, IMAPI_E_INVALID_VOLUME_NAME);
}

static void test_strict_requires_empty_tree(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_image_set_strict(f->img, true));
    assert_true(fsi_image_get_strict(f->img));
    assert_ok(f->img, fsi_image_set_strict(f->img, false));
    assert_ok(f->img, fsi_add_dir(f->img, "d"));
    assert_hr_img(f->img, fsi_image_set_strict(f->img, true), IMAPI_E_FILE_SYSTEM_NOT_EMPTY);
    assert_false(fsi_image_get_strict(f->img));
    assert_ok(f->img, fsi_remove(f->img, "d"));
    assert_ok(f->img, fsi_image_set_strict(f->img, true));
    assert_true(fsi_image_get_strict(f->img));
}

/* ------------------------------------------------------------------ */
/* Host failures during add_tree (permissions, dangling symlinks)      */
/* ------------------------------------------------------------------ */

struct host_report {
    int ran;          /* the body ran */
    int dropped;      /* privileges were dropped (or were not needed) */
    fsi_hresult hr1, lc1, hr2, lc2, hr3, lc3;
    uint64_t files, dirs, keep_kids;
    int base_type;
    char msg1[1024], msg2[1024], msg3[1024];
};

struct host_job {
    const char *base;       /* host dir to add */
    const char *bad_file;   /* host file for fsi_add_file, or NULL */
    bool follow;            /* follow symlinks (else they are kept) */
};

static void copy_msg(char *dst, size_t n, const fsi_image *img)
{
    const char *m = fsi_image_last_error(img);
    snprintf(dst, n, "%s", m ? m : "(null)");
}

/* Runs without cmocka asserts: it may run in a forked child. */
static void host_job_body(const struct host_job *job, struct host_report *r)
{
    fsi_image *img = NULL;
    fsi_item_type t = FSI_ITEM_NOT_FOUND;
    fsi_item it = 0;
    fsi_item_info in;
    if (fsi_image_new(&img) != FSI_S_OK)
        return;
    r->ran = 1;
    if (job->follow)
        fsi_image_set_follow_links(img, true);
    fsi_add_dir(img, "/keep");
    fsi_add_file_mem(img, "/keep/k", "k", 1);
    r->hr1 = fsi_add_tree(img, "/", job->base, true);
    r->lc1 = fsi_image_last_code(img);
    copy_msg(r->msg1, sizeof r->msg1, img);
    r->hr2 = fsi_add_tree(img, "/keep", job->base, false);
    r->lc2 = fsi_image_last_code(img);
    copy_msg(r->msg2, sizeof r->msg2, img);
    if (job->bad_file) {
        r->hr3 = fsi_add_file(img, "/single", job->bad_file);
        r->lc3 = fsi_image_last_code(img);
        copy_msg(r->msg3, sizeof r->msg3, img);
    }
    r->files = fsi_image_file_count(img);
    r->dirs = fsi_image_dir_count(img);
    const char *slash = strrchr(job->base, '/');
    char p[512];
    snprintf(p, sizeof p, "/%s", slash ? slash + 1 : job->base);
    r->base_type = fsi_exists(img, p, &t) == FSI_S_OK ? (int)t : -1;
    if (fsi_lookup(img, "/keep", &it) == FSI_S_OK && fsi_item_get_info(img, it, &in) == FSI_S_OK)
        r->keep_kids = in.child_count;
    fsi_image_free(img);
}

/* Run the job as an unprivileged user: directly if we are not root, else in
 * a child that switches to uid/gid 65534.  Returns false if that is not
 * possible (the caller skips). */
static bool run_unprivileged(const struct host_job *job, struct host_report *r)
{
    memset(r, 0, sizeof *r);
    if (geteuid() != 0) {
        r->dropped = 1;
        host_job_body(job, r);
        return true;
    }
    int p[2];
    if (pipe(p) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (pid == 0) {
        struct host_report cr;
        memset(&cr, 0, sizeof cr);
        close(p[0]);
        if (setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0 &&
            geteuid() == 65534) {
            cr.dropped = 1;
            host_job_body(job, &cr);
        }
        const char *b = (const char *)&cr;
        size_t off = 0;
        while (off < sizeof cr) {
            ssize_t n = write(p[1], b + off, sizeof cr - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        close(p[1]);
        _exit(0);
    }
    close(p[1]);
    size_t off = 0;
    char *b = (char *)r;
    while (off < sizeof *r) {
        ssize_t n = read(p[0], b + off, sizeof *r - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    if (off != sizeof *r || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        print_error("unprivileged child failed (read %zu of %zu bytes, status 0x%x)\n", off,
                    sizeof *r, st);
        fail();
    }
    return r->dropped != 0;
}

static void check_host_report(const struct host_report *r, fsi_hresult want, const char *want_name,
                              const char *bad_host_path, const char *errtext)
{
    assert_true(r->ran);
    if (hr_check("fsi_add_tree(img, \"/\", base, true)", NULL, NULL, r->hr1, want, want_name) ||
        hr_check("fsi_image_last_code after add_tree with base", NULL, NULL, r->lc1, want,
                 want_name)) {
        print_error("    message: %s\n", esc(r->msg1));
        fail();
    }
    if (hr_check("fsi_add_tree(img, \"/keep\", base, false)", NULL, NULL, r->hr2, want, want_name) ||
        hr_check("fsi_image_last_code after add_tree without base", NULL, NULL, r->lc2, want,
                 want_name)) {
        print_error("    message: %s\n", esc(r->msg2));
        fail();
    }
    assert_msg_contains(r->msg1, bad_host_path, "message names the host path");
    if (errtext)
        assert_msg_contains(r->msg1, errtext, "message has strerror");
    /* all or nothing: only /keep and /keep/k */
    if (r->files != 1 || r->dirs != 1 || r->base_type != FSI_ITEM_NOT_FOUND || r->keep_kids != 1) {
        print_error("tree changed by a failed add_tree: %" PRIu64 " files, %" PRIu64
                    " dirs (expected 1, 1), base type %d, /keep has %" PRIu64 " children\n",
                    r->files, r->dirs, r->base_type, r->keep_kids);
        fail();
    }
}

/* base/{a.txt, sub/b.txt, zz/...} with everything readable by anybody */
static void make_readable_tree(struct fx *f)
{
    assert_int_equal(chmod(f->tmp, 0755), 0);
    host_dir(hp(f, "base"), 0755);
    host_file(hp(f, "base/a.txt"), "a", 1, 0644);
    host_dir(hp(f, "base/sub"), 0755);
    host_file(hp(f, "base/sub/b.txt"), "b", 1, 0644);
}

static void test_add_tree_unreadable_dir_is_directory_read_failure(void **state)
{
    struct fx *f = *state;
    struct host_report r;
    make_readable_tree(f);
    host_dir(hp(f, "base/sub/zz_locked"), 0755);
    host_file(hp(f, "base/sub/zz_locked/inner.txt"), "i", 1, 0644);
    assert_int_equal(chmod(hp(f, "base/sub/zz_locked"), 0000), 0);
    struct host_job job = {hp(f, "base"), NULL, false};
    if (!run_unprivileged(&job, &r)) {
        print_message("# cannot drop privileges; skipped\n");
        skip();
    }
    check_host_report(&r, IMAPI_E_DIRECTORY_READ_FAILURE, "IMAPI_E_DIRECTORY_READ_FAILURE",
                      hp(f, "base/sub/zz_locked"), strerror(EACCES));
}

static void test_add_tree_unreadable_file_is_data_stream_create_failure(void **state)
{
    struct fx *f = *state;
    struct host_report r;
    make_readable_tree(f);
    host_file(hp(f, "base/sub/zz_secret.txt"), "secret", 6, 0000);
    struct host_job job = {hp(f, "base"), hp(f, "base/sub/zz_secret.txt"), false};
    if (!run_unprivileged(&job, &r)) {
        print_message("# cannot drop privileges; skipped\n");
        skip();
    }
    /* fsi_add_file of the same unreadable host file (before the count check) */
    if (hr_check("fsi_add_file(img, \"/single\", unreadable)", NULL, NULL, r.hr3,
                 IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE") ||
        hr_check("last code after fsi_add_file", NULL, NULL, r.lc3,
                 IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE")) {
        print_error("    message: %s\n", esc(r.msg3));
        fail();
    }
    assert_msg_contains(r.msg3, hp(f, "base/sub/zz_secret.txt"), "add_file message host path");
    assert_msg_contains(r.msg3, strerror(EACCES), "add_file message strerror");
    check_host_report(&r, IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
                      hp(f, "base/sub/zz_secret.txt"), strerror(EACCES));
}

static void test_add_tree_dangling_symlink_is_data_stream_create_failure(void **state)
{
    struct fx *f = *state;
    struct host_report r;
    make_readable_tree(f);
    host_symlink("/nonexistent/target/of/test_tree", hp(f, "base/sub/dangling"));
    struct host_job job = {hp(f, "base"), NULL, true};
    memset(&r, 0, sizeof r);
    r.dropped = 1;
    host_job_body(&job, &r); /* no privileges needed */
    /* the message names the link; its wording (strerror(ENOENT) or "dangling")
     * is the library's choice */
    check_host_report(&r, IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
                      hp(f, "base/sub/dangling"), NULL);
    if (!strstr(r.msg1, strerror(ENOENT)) && !strstr(r.msg1, "dangling"))
        fail_msg("message \"%s\" says neither \"%s\" nor \"dangling\"", r.msg1,
                 strerror(ENOENT));
    /* Kept as a link (the default), it is no error at all. */
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "base"), false));
    fsi_item_info in = info_of(f->img, "/sub/dangling");
    assert_int_equal(in.type, FSI_ITEM_SYMLINK);
    assert_string_equal(in.link_target, "/nonexistent/target/of/test_tree");
}

static void test_add_tree_missing_host_dir_fails_cleanly(void **state)
{
    struct fx *f = *state;
    assert_ok(f->img, fsi_add_dir(f->img, "keep"));
    fsi_hresult hr = fsi_add_tree(f->img, "/", hp(f, "no-such-dir"), true);
    assert_true(FSI_FAILED(hr));
    print_message("# (missing host dir -> %s)\n", hrname(hr));
    assert_int_equal(fsi_image_last_code(f->img), hr);
    assert_msg_contains(fsi_image_last_error(f->img), hp(f, "no-such-dir"), "host path");
    assert_counts(f->img, 0, 1);
}

static void test_add_tree_name_collision_is_all_or_nothing(void **state)
{
    struct fx *f = *state;
    make_small_host_tree(f);
    assert_ok(f->img, fsi_add_dir(f->img, "dest"));
    assert_ok(f->img, fsi_add_dir(f->img, "dest/sub"));     /* collides with base/sub */
    assert_ok(f->img, fsi_add_file_mem(f->img, "dest/zzz", "1", 1));
    const char *before = snapshot(f, f->img, 0);
    fsi_hresult hr = fsi_add_tree(f->img, "/dest", hp(f, "base"), false);
    print_message("# (add_tree over an existing name -> %s)\n", hrname(hr));
    if (FSI_FAILED(hr)) {
        assert_int_equal(fsi_image_last_code(f->img), hr);
        assert_string_equal(snapshot(f, f->img, 1), before);
    } else {
        /* IMAPI: "the content of the specified source directory prevails" */
        assert_type(f->img, "/dest/sub/b.txt", FSI_ITEM_FILE);
        assert_type(f->img, "/dest/a.txt", FSI_ITEM_FILE);
    }
}

/* A directory of more entries than one stat batch of the walk (4096), so
 * that it is stat-ed in parts and on every core, with subdirectories that
 * are big enough for the threads too. */
#define BIG_FILES 4500
#define BIG_SUBS 3
#define SUB_FILES 100

static void make_big_host_tree(struct fx *f)
{
    static const char data[16] = "0123456789abcdef";
    char rel[64];
    assert_int_equal(chmod(f->tmp, 0755), 0);
    host_dir(hp(f, "big"), 0755);
    for (unsigned i = 0; i < BIG_FILES; i++) {
        snprintf(rel, sizeof rel, "big/f%04u", i);
        host_file(hp(f, rel), data, i % 13, i % 2 ? 0644 : 0604);
        struct timespec ts[2] = {{1000000 + i, 0}, {2000000 + i, (long)i}};
        assert_int_equal(utimensat(AT_FDCWD, hp(f, rel), ts, 0), 0);
    }
    for (unsigned s = 0; s < BIG_SUBS; s++) {
        snprintf(rel, sizeof rel, "big/s%u", s);
        host_dir(hp(f, rel), 0755);
        for (unsigned i = 0; i < SUB_FILES; i++) {
            snprintf(rel, sizeof rel, "big/s%u/g%03u", s, i);
            host_file(hp(f, rel), data, (s + i) % 11, 0644);
        }
    }
}

/* Every item has its own host entry's size, mode and times. */
static void check_big_tree(fsi_image *img, const char *top)
{
    char p[128];
    assert_counts(img, BIG_FILES + BIG_SUBS * SUB_FILES, 1 + BIG_SUBS);
    assert_int_equal(info_of(img, top).child_count, BIG_FILES + BIG_SUBS);
    for (unsigned i = 0; i < BIG_FILES; i++) {
        snprintf(p, sizeof p, "%s/f%04u", top, i);
        fsi_item_info in = info_of(img, p);
        assert_int_equal(in.type, FSI_ITEM_FILE);
        assert_int_equal(in.size, i % 13);
        assert_int_equal(in.mode, i % 2 ? 0644 : 0604);
        struct timespec at = {1000000 + i, 0}, mt = {2000000 + i, (long)i};
        assert_ts_equal(in.atime, at, p);
        assert_ts_equal(in.mtime, mt, p);
        assert_ts_equal(in.ctime, mt, p);
    }
    for (unsigned s = 0; s < BIG_SUBS; s++) {
        snprintf(p, sizeof p, "%s/s%u", top, s);
        assert_int_equal(info_of(img, p).type, FSI_ITEM_DIRECTORY);
        assert_int_equal(info_of(img, p).child_count, SUB_FILES);
        for (unsigned i = 0; i < SUB_FILES; i++) {
            snprintf(p, sizeof p, "%s/s%u/g%03u", top, s, i);
            assert_int_equal(info_of(img, p).size, (s + i) % 11);
        }
    }
}

static void test_add_tree_big_dir(void **state)
{
    struct fx *f = *state;
    make_big_host_tree(f);
    assert_ok(f->img, fsi_add_tree(f->img, "/", hp(f, "big"), true));
    check_big_tree(f->img, "/big");
    /* staged: each file is opened (and copied) after the batch is stat-ed */
    assert_ok(NULL, fsi_image_new(&f->img2));
    assert_ok(f->img2, fsi_image_set_stage_files(f->img2, true));
    assert_ok(f->img2, fsi_add_tree(f->img2, "/", hp(f, "big"), false));
    assert_int_equal(info_of(f->img2, "/").child_count, BIG_FILES + BIG_SUBS);
    assert_int_equal(info_of(f->img2, "/f4499").size, 4499 % 13);
    assert_int_equal(info_of(f->img2, "/s2/g099").size, (2 + 99) % 11);
}

static void test_add_tree_big_dir_failures_name_the_entry(void **state)
{
    struct fx *f = *state;
    struct host_report r;
    char base[4096], bad[4096];
    make_big_host_tree(f);
    snprintf(base, sizeof base, "%s", hp(f, "big"));
    struct host_job job = {base, NULL, false};

    /* a dangling symbolic link in a subdirectory, followed */
    snprintf(bad, sizeof bad, "%s", hp(f, "big/s1/zz_dangling"));
    host_symlink("/nonexistent/target/of/test_tree", bad);
    memset(&r, 0, sizeof r);
    r.dropped = 1;
    job.follow = true;
    host_job_body(&job, &r);
    job.follow = false;
    check_host_report(&r, IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
                      bad, NULL);
    assert_msg_contains(r.msg1, "dangling", "message says the link dangles");
    assert_int_equal(unlink(bad), 0);

    /* a file nobody may read among the big directory's own entries */
    snprintf(bad, sizeof bad, "%s", hp(f, "big/zz_secret"));
    host_file(bad, "secret", 6, 0000);
    if (!run_unprivileged(&job, &r)) {
        print_message("# cannot drop privileges; skipped\n");
        skip();
    }
    check_host_report(&r, IMAPI_E_DATA_STREAM_CREATE_FAILURE, "IMAPI_E_DATA_STREAM_CREATE_FAILURE",
                      bad, strerror(EACCES));
}

/* ------------------------------------------------------------------ */
/* Error messages                                                      */
/* ------------------------------------------------------------------ */

static void test_error_message_quotes_image_path(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    assert_ok(img, fsi_add_dir(img, "x"));
    assert_ok(img, fsi_add_dir(img, "x/dup"));
    assert_hr_img(img, fsi_add_dir(img, "/x/dup"), IMAPI_E_DUP_NAME);
    {
        const char *q[] = {"/x/dup", NULL};
        assert_msg_quotes_any(img, q, "DUP_NAME");
    }
    assert_hr_img(img, fsi_add_dir(img, "/x/.."), IMAPI_E_INVALID_PATH);
    {
        const char *q[] = {"/x/..", "..", NULL};
        assert_msg_quotes_any(img, q, "INVALID_PATH");
    }
    /* the message stays until the next failure, also across successes */
    assert_ok(img, fsi_add_dir(img, "y"));
    assert_int_equal(fsi_image_last_code(img), IMAPI_E_INVALID_PATH);
    {
        const char *q[] = {"/x/..", "..", NULL};
        assert_msg_quotes_any(img, q, "INVALID_PATH kept after a success");
    }
    /* the formatted message has the code's text around the insert */
    const char *ins[] = {"/x/dup"};
    char want[512];
    fsi_error_format(IMAPI_E_DUP_NAME, want, sizeof want, ins, 1);
    assert_hr_img(img, fsi_add_dir(img, "/x/dup"), IMAPI_E_DUP_NAME);
    if (!strstr(fsi_image_last_error(img), want)) {
        const char *ins2[] = {"x/dup"};
        char want2[512];
        fsi_error_format(IMAPI_E_DUP_NAME, want2, sizeof want2, ins2, 1);
        if (!strstr(fsi_image_last_error(img), want2))
            fail_msg("last error \"%s\" does not contain the formatted message \"%s\"",
                     fsi_image_last_error(img), want);
    }
}

/* ------------------------------------------------------------------ */
/* Change points                                                       */
/* ------------------------------------------------------------------ */

static void build_base_state(fsi_image *img, struct cbctx *cb)
{
    struct timespec t = {1500000000, 42};
    assert_ok(img, fsi_add_dir(img, "keep"));
    assert_ok(img, fsi_add_file_mem(img, "keep/file1", "0123456789", 10));
    assert_ok(img, fsi_add_dir(img, "keep/sub"));
    assert_ok(img, fsi_add_file_mem(img, "keep/sub/deep", "d", 1));
    assert_ok(img, fsi_add_file_mem(img, "victim.txt", "abc", 3));
    assert_ok(img, fsi_add_file_mem(img, "hid", "h", 1));
    assert_ok(img, fsi_add_file_cb(img, "cbfile", 12345, cb_read, cb, cb_free));
    assert_ok(img, fsi_set_time(img, "keep/file1", FSI_TIME_MODIFICATION, t));
    assert_ok(img, fsi_set_hidden(img, "keep/sub", true));
}

static void test_rollback_restores_exact_state(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    build_base_state(img, &f->cb[0]);
    const char *s0 = snapshot(f, img, 0);
    uint64_t p = 0, p_after = 0;
    assert_ok(img, fsi_change_point(img, &p));

    struct timespec t = {1600000000, 7};
    assert_ok(img, fsi_add_dir(img, "new"));
    assert_ok(img, fsi_add_file_mem(img, "new/x", "xx", 2));
    assert_ok(img, fsi_add_file_mem(img, "keep/y", "y", 1));
    assert_ok(img, fsi_remove(img, "victim.txt"));
    assert_ok(img, fsi_remove_tree(img, "keep/sub"));
    assert_ok(img, fsi_remove(img, "cbfile"));
    assert_ok(img, fsi_set_hidden(img, "hid", true));
    assert_ok(img, fsi_set_hidden(img, "keep", true));
    assert_ok(img, fsi_set_time(img, "keep/file1", FSI_TIME_MODIFICATION, t));
    assert_ok(img, fsi_set_time(img, "keep/file1", FSI_TIME_CREATION, t));
    assert_ok(img, fsi_set_time(img, "keep", FSI_TIME_ACCESS, t));
    assert_ok(img, fsi_add_file_cb(img, "cbnew", 9, cb_read, &f->cb[1], cb_free));
    /* a name removed and re-added with another type */
    assert_ok(img, fsi_add_dir(img, "victim.txt"));
    assert_ok(img, fsi_change_point(img, &p_after));
    assert_true(p_after > p);
    assert_string_not_equal(snapshot(f, img, 1), s0);

    assert_ok(img, fsi_rollback(img, p));
    const char *s1 = snapshot(f, img, 1);
    if (strcmp(s0, s1) != 0) {
        print_error("before:\n%s\nafter rollback:\n%s\n", s0, s1);
        fail_msg("rollback did not restore the earlier state");
    }
    fsi_item it;
    assert_hr_img(img, fsi_lookup(img, "new", &it), IMAPI_E_ITEM_NOT_FOUND);
    assert_int_equal(info_of(img, "victim.txt").type, FSI_ITEM_FILE);
    assert_int_equal(info_of(img, "cbfile").size, 12345);
    assert_int_equal(f->cb[0].freed, 0); /* restored: must not have been freed */
    /* the tree works normally afterwards */
    assert_ok(img, fsi_add_dir(img, "new"));
    assert_hr_img(img, fsi_add_file_mem(img, "victim.txt", "1", 1), IMAPI_E_DUP_NAME);
    assert_ok(img, fsi_remove_tree(img, "keep"));
    assert_counts(img, 3, 1);
    fx_free_image(f);
    assert_int_equal(f->cb[0].freed, 1);
    assert_int_equal(f->cb[1].freed, 1);
}

static void test_rollback_from_later_point_to_earlier_point(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p1, p2, p3;
    assert_ok(img, fsi_add_dir(img, "a"));
    assert_ok(img, fsi_add_file_mem(img, "a/f", "1", 1));
    const char *s0 = snapshot(f, img, 0);
    assert_ok(img, fsi_change_point(img, &p1));
    assert_ok(img, fsi_add_dir(img, "b"));
    assert_ok(img, fsi_set_hidden(img, "a/f", true));
    const char *s1 = snapshot(f, img, 1);
    assert_ok(img, fsi_change_point(img, &p2));
    assert_true(p2 > p1);
    assert_ok(img, fsi_remove_tree(img, "a"));
    assert_ok(img, fsi_add_dir(img, "c"));
    assert_ok(img, fsi_add_file_mem(img, "c/g", "g", 1));
    assert_ok(img, fsi_rollback(img, p2));
    assert_string_equal(snapshot(f, img, 2), s1);
    assert_ok(img, fsi_add_dir(img, "d"));
    assert_ok(img, fsi_rollback(img, p1));
    assert_string_equal(snapshot(f, img, 2), s0);
    assert_counts(img, 1, 1);

    /* skipping the middle point */
    assert_ok(img, fsi_change_point(img, &p1));
    assert_ok(img, fsi_add_dir(img, "e"));
    assert_ok(img, fsi_change_point(img, &p2));
    assert_ok(img, fsi_add_dir(img, "e/f"));
    assert_ok(img, fsi_remove(img, "a/f"));
    assert_ok(img, fsi_change_point(img, &p3));
    assert_ok(img, fsi_set_time(img, "a", FSI_TIME_CREATION, (struct timespec){5, 5}));
    assert_ok(img, fsi_rollback(img, p1));
    assert_string_equal(snapshot(f, img, 2), s0);
}

static void test_lock_in_forbids_rollback_before_it(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p1, c1, c2, q;
    assert_ok(img, fsi_change_point(img, &p1));
    assert_ok(img, fsi_add_dir(img, "x"));
    assert_ok(img, fsi_change_point(img, &c1));
    assert_ok(img, fsi_lock_in(img));
    assert_ok(img, fsi_change_point(img, &c2));
    assert_int_equal(c1, c2); /* LockInChangePoint does not change ChangePoint */
    assert_hr_img(img, fsi_rollback(img, p1), IMAPI_E_INVALID_PARAM);
    assert_type(img, "x", FSI_ITEM_DIRECTORY);
    assert_ok(img, fsi_change_point(img, &q));
    assert_ok(img, fsi_add_dir(img, "y"));
    assert_ok(img, fsi_rollback(img, q));
    assert_type(img, "y", FSI_ITEM_NOT_FOUND);
    assert_type(img, "x", FSI_ITEM_DIRECTORY);
    assert_counts(img, 0, 1);
}

static void test_rollback_to_unknown_point_is_invalid_param(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p;
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_add_dir(img, "x"));
    assert_hr_img(img, fsi_rollback(img, p + 1000000), IMAPI_E_INVALID_PARAM);
    assert_hr_img(img, fsi_rollback(img, UINT64_MAX), IMAPI_E_INVALID_PARAM);
    assert_type(img, "x", FSI_ITEM_DIRECTORY);
}

static void test_rollback_undoes_add_tree_and_restores_removed_tree_items(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p, q;
    make_small_host_tree(f);
    assert_ok(img, fsi_add_tree(img, "/", hp(f, "base"), true));
    const char *s0 = snapshot(f, img, 0);
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_add_dir(img, "again"));
    assert_ok(img, fsi_add_tree(img, "/again", hp(f, "base"), false));
    assert_ok(img, fsi_remove_tree(img, "/base/sub"));
    assert_ok(img, fsi_remove(img, "/base/a.txt"));
    assert_counts(img, 2, 6);
    assert_ok(img, fsi_rollback(img, p));
    assert_string_equal(snapshot(f, img, 1), s0);
    /* a failed (all-or-nothing) add_tree between point and rollback */
    assert_ok(img, fsi_change_point(img, &q));
    host_symlink("/nonexistent/x", hp(f, "base/sub/zz_dangling"));
    assert_ok(img, fsi_image_set_follow_links(img, true));
    assert_hr_img(img, fsi_add_tree(img, "/base/empty", hp(f, "base"), false),
                  IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_ok(img, fsi_image_set_follow_links(img, false));
    assert_string_equal(snapshot(f, img, 1), s0);
    assert_ok(img, fsi_rollback(img, q));
    assert_string_equal(snapshot(f, img, 1), s0);
    assert_ok(img, fsi_rollback(img, p));
    assert_string_equal(snapshot(f, img, 1), s0);
}

static void test_rollback_rechecks_iso9660_levels(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p;
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_UDF));
    add_chain(img, (const char *const[]){"D", "2", "3", "4", "5", "6", "7", "8", "9"}, 9);
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_remove_tree(img, "D"));
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_UDF));
    const char *before = snapshot(f, img, 0);
    assert_hr_img(img, fsi_rollback(img, p), IMAPI_E_ISO9660_LEVELS);
    assert_type(img, "D", FSI_ITEM_NOT_FOUND);
    assert_string_equal(snapshot(f, img, 1), before);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_UDF);
    assert_counts(img, 0, 0);
    /* the point is still usable once the limits allow it */
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_UDF));
    assert_ok(img, fsi_rollback(img, p));
    assert_type(img, "D/2/3/4/5/6/7/8/9", FSI_ITEM_DIRECTORY);
    assert_counts(img, 0, 9);
}

static void test_rollback_rechecks_too_many_dirs(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    uint64_t p;
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_UDF));
    add_flat_dirs(img, 1, 65535); /* + root = 65536 */
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_remove(img, "d00001"));
    assert_ok(img, fsi_image_set_file_systems(img, FSI_FS_ISO9660 | FSI_FS_UDF));
    assert_hr_img(img, fsi_rollback(img, p), IMAPI_E_TOO_MANY_DIRS);
    assert_type(img, "d00001", FSI_ITEM_NOT_FOUND);
    assert_counts(img, 0, 65534);
    assert_int_equal(fsi_image_get_file_systems(img), FSI_FS_ISO9660 | FSI_FS_UDF);
}

static void test_free_ctx_called_once_when_item_gone_for_good(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    struct cbctx *A = &f->cb[0], *B = &f->cb[1], *C = &f->cb[2], *D = &f->cb[3],
                 *E = &f->cb[4], *F = &f->cb[5];
    uint64_t p;
    assert_ok(img, fsi_add_file_cb(img, "A", 1, cb_read, A, cb_free)); /* stays */
    assert_ok(img, fsi_add_file_cb(img, "B", 1, cb_read, B, cb_free));
    assert_ok(img, fsi_add_dir(img, "dir"));
    assert_ok(img, fsi_add_file_cb(img, "dir/E", 1, cb_read, E, cb_free));
    /* no change point: removal is for good */
    assert_ok(img, fsi_remove(img, "B"));
    assert_int_equal(B->freed, 1);
    /* removed after a change point, then rolled back: must survive */
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_remove_tree(img, "dir"));
    assert_int_equal(E->freed, 0);
    assert_ok(img, fsi_add_file_cb(img, "C", 1, cb_read, C, cb_free)); /* rolled back */
    assert_ok(img, fsi_rollback(img, p));
    assert_int_equal(E->freed, 0);
    assert_type(img, "dir/E", FSI_ITEM_FILE);
    assert_type(img, "C", FSI_ITEM_NOT_FOUND);
    /* added and removed under a change point, then locked in */
    assert_ok(img, fsi_change_point(img, &p));
    assert_ok(img, fsi_add_file_cb(img, "D", 1, cb_read, D, cb_free));
    assert_ok(img, fsi_remove(img, "D"));
    assert_ok(img, fsi_lock_in(img));
    /* a failed add keeps the caller's ctx */
    assert_hr_img(img, fsi_add_file_cb(img, "A", 1, cb_read, F, cb_free), IMAPI_E_DUP_NAME);
    assert_int_equal(A->freed, 0);
    fx_free_image(f);
    assert_int_equal(A->freed, 1);
    assert_int_equal(B->freed, 1);
    assert_int_equal(C->freed, 1);
    assert_int_equal(D->freed, 1);
    assert_int_equal(E->freed, 1);
    assert_ctx_not_taken(F);
    for (int i = 0; i < 6; i++)
        assert_int_equal(f->cb[i].reads, 0);
}

/* ------------------------------------------------------------------ */
/* Scale                                                               */
/* ------------------------------------------------------------------ */

static void test_scale_200k_empty_files_in_200_dirs(void **state)
{
    struct fx *f = *state;
    fsi_image *img = f->img;
    char p[32];
    static const char zero[1];
    fsi_item dirs[200];
    double limit = 2.0 * time_factor();
    double t0 = now_s();
    for (unsigned d = 0; d < 200; d++) {
        snprintf(p, sizeof p, "dir%03u", d);
        assert_ok(img, fsi_add_dir(img, p));
    }
    for (unsigned d = 0; d < 200; d++) {
        for (unsigned i = 0; i < 1000; i++) {
            snprintf(p, sizeof p, "dir%03u/f%06u", d, d * 1000 + i);
            fsi_hresult hr = fsi_add_file_mem(img, p, zero, 0);
            if (hr != FSI_S_OK) {
                print_error("fsi_add_file_mem(%s) -> %s\n", p, hrname(hr));
                fail();
            }
        }
    }
    double t_add = now_s() - t0;
    assert_counts(img, 200000, 200);
    for (unsigned d = 0; d < 200; d++) {
        snprintf(p, sizeof p, "/dir%03u", d);
        assert_ok(img, fsi_lookup(img, p, &dirs[d]));
    }
    t0 = now_s();
    for (unsigned n = 0; n < 200000; n++) {
        fsi_item it = 0;
        fsi_item_info in;
        snprintf(p, sizeof p, "/dir%03u/f%06u", n / 1000, n);
        fsi_hresult hr = fsi_lookup(img, p, &it);
        if (hr != FSI_S_OK) {
            print_error("fsi_lookup(%s) -> %s\n", p, hrname(hr));
            fail();
        }
        if ((n % 997) == 0) {
            assert_ok(img, fsi_item_get_info(img, it, &in));
            assert_int_equal(in.parent, dirs[n / 1000]);
            assert_int_equal(in.type, FSI_ITEM_FILE);
            assert_int_equal(in.size, 0);
        }
    }
    double t_look = now_s() - t0;
    fsi_item it;
    assert_hr_img(img, fsi_lookup(img, "/dir000/f999999", &it), IMAPI_E_ITEM_NOT_FOUND);
    assert_int_equal(info_of(img, "/dir123").child_count, 1000);
    print_message("# 200k adds: %.3f s, 200k lookups: %.3f s (limit %.1f s each)\n", t_add,
                  t_look, limit);
    if (t_add > limit)
        fail_msg("adding 200,000 files took %.3f s (limit %.1f s)", t_add, limit);
    if (t_look > limit)
        fail_msg("looking up 200,000 files took %.3f s (limit %.1f s)", t_look, limit);
}

/* ------------------------------------------------------------------ */

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    unsetenv("SOURCE_DATE_EPOCH"); /* it would clamp item times */
    const struct CMUnitTest tests[] = {
        T(test_fresh_image_defaults_and_no_error),
        T(test_add_dir),
        T(test_item_path),
        T(test_add_file_from_host_path),
        T(test_add_file_from_memory),
        T(test_add_file_from_callback_declared_size),
        T(test_add_tree_with_base_directory),
        T(test_add_tree_without_base_directory),
        T(test_add_tree_base_with_trailing_slash),
        T(test_add_tree_keeps_links_and_special_files),
        T(test_add_tree_follows_links_when_asked),
        T(test_add_tree_exclude_patterns),
        T(test_volume_dates),
        T(test_links_specials_modes_owners),
        T(test_add_tree_hard_links_share_data),
        T(test_add_tree_10000_levels_small_stack_few_fds),
        T(test_add_tree_host_path_beyond_path_max),
        T(test_exclude_host),
        T(test_add_tree_symlink_loop_deep),
        T(test_remove_file_and_empty_dir),
        T(test_remove_non_empty_dir_is_dir_not_empty),
        T(test_remove_tree),
        T(test_remove_root_fails_and_keeps_tree),
        T(test_exists),
        T(test_lookup_and_item_not_found),
        T(test_enum_children_byte_order),
        T(test_enum_children_stops_and_returns_callback_value),
        T(test_enum_children_on_file_is_not_dir),
        T(test_item_times_set_and_read_back),
        T(test_item_time_before_epoch_round_trips),
        T(test_item_default_times_are_now),
        T(test_item_hidden_flag),
        T(test_item_size_and_type),
        T(test_file_and_dir_counts),
        T(test_invalid_path_empty_component),
        T(test_invalid_path_dot_and_dotdot),
        T(test_invalid_path_control_characters),
        T(test_invalid_path_bad_utf8),
        T(test_invalid_path_component_too_long),
        T(test_add_root_fails_invalid_path),
        T(test_invalid_path_in_queries_and_removes),
        T(test_dup_name),
        T(test_names_differing_by_case_are_not_duplicates),
        T(test_remove_missing_file_is_file_not_found),
        T(test_remove_under_missing_dir_is_dir_not_found),
        T(test_add_under_missing_parent_is_dir_not_found),
        T(test_remove_tree_missing_dir_is_dir_not_found),
        T(test_add_tree_into_missing_dir_is_dir_not_found),
        T(test_file_as_intermediate_component_is_not_dir),
        T(test_remove_tree_on_file_is_not_dir),
        T(test_add_tree_into_file_is_not_dir),
        T(test_add_file_host_directory_is_not_file),
        T(test_add_file_missing_host_is_data_stream_create_failure),
        T(test_restricted_charset),
        T(test_restricted_charset_add_tree_all_or_nothing),
        T(test_iso9660_depth_limit),
        T(test_iso9660_depth_udf_only_then_enabling_iso_fails),
        T(test_iso9660_depth_add_tree_all_or_nothing),
        T(test_too_many_dirs_iso9660),
        T(test_too_many_dirs_udf_only_then_enabling_iso_fails),
        T(test_readonly_while_result_exists),
        T(test_readonly_blocks_other_property_setters),
        T(test_no_output_without_file_systems),
        T(test_invalid_param_null_pointers),
        T(test_invalid_param_property_values),
        T(test_invalid_param_set_time_which),
        T(test_volume_name_length_and_control_characters),
        T(test_volume_name_counts_characters_not_bytes),
        T(test_strict_requires_empty_tree),
        T(test_add_tree_unreadable_dir_is_directory_read_failure),
        T(test_add_tree_unreadable_file_is_data_stream_create_failure),
        T(test_add_tree_dangling_symlink_is_data_stream_create_failure),
        T(test_add_tree_missing_host_dir_fails_cleanly),
        T(test_add_tree_name_collision_is_all_or_nothing),
        T(test_add_tree_big_dir),
        T(test_add_tree_big_dir_failures_name_the_entry),
        T(test_error_message_quotes_image_path),
        T(test_rollback_restores_exact_state),
        T(test_rollback_from_later_point_to_earlier_point),
        T(test_lock_in_forbids_rollback_before_it),
        T(test_rollback_to_unknown_point_is_invalid_param),
        T(test_rollback_undoes_add_tree_and_restores_removed_tree_items),
        T(test_rollback_rechecks_iso9660_levels),
        T(test_rollback_rechecks_too_many_dirs),
        T(test_free_ctx_called_once_when_item_gone_for_good),
        T(test_scale_200k_empty_files_in_200_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
