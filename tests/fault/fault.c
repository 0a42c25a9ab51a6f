/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault.c - an LD_PRELOAD shim for tests/integration/fault.sh: it counts the
 * calls a program makes to the I/O and allocation functions of the write
 * path and makes the Nth of them fail, so that a test can check that every
 * failure ends in a clean error (an IMAPI code, nothing left behind) and
 * never in a crash or a wrong image.
 *
 * Environment (read once, before main):
 *   FAULT_PROG    only a process whose name (program_invocation_short_name)
 *                 is this, or "lt-" and this, is watched; others (the shell
 *                 of a libtool wrapper, sed, ...) pass through.  Unset: all.
 *   FAULT_FUNCS   comma-separated function names, or "all" (the default):
 *                 the calls counted towards FAULT_N.
 *   FAULT_N       fail the Nth call (from 1) of those functions; unset or 0:
 *                 fail none, only count.
 *   FAULT_ERRNO   the errno of the failure (a number or EIO, ENOSPC, ENOMEM,
 *                 EMFILE, EAGAIN, EINTR, EACCES); default: one that fits the
 *                 function (see errno_of).
 *   FAULT_MODE    "short": instead of failing, the Nth read/write-like call
 *                 transfers half of what it was asked (a legal short
 *                 transfer); other functions are then never selected.
 *                 "kill": the process kills itself with SIGKILL instead of
 *                 making the Nth call (a crash right there: what was
 *                 written before stays, nothing after it happens).
 *   FAULT_COUNT   at exit, write to this file one line per function called
 *                 at least once, "call NAME GROUP XFER COUNT" (GROUP: open,
 *                 read, write, sync, name, memory, thread or query; XFER 1
 *                 for a read or write of bytes, which short mode can
 *                 shorten), "injected NAME K" when the Nth call was the Kth
 *                 call of NAME, and "exe PATH" and "libpath VALUE" (the
 *                 program and its LD_LIBRARY_PATH, to run a libtool-wrapped
 *                 program directly next time).
 *
 * Calls made before this shim's constructor (the loader, libc's own start)
 * are not counted.  Only calls through the dynamic symbol table are seen:
 * libc's internal calls to read/write (stdio) are not, its calls to malloc
 * are.  Linux and glibc only; a test helper, never installed.
 */
#undef _FILE_OFFSET_BITS        /* define open, not a redirect to open64 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

/* Every wrapped function: X(name, kind).  Kinds: 'o' opens a descriptor,
 * 'r' reads bytes, 'w' writes bytes, 'l' lists (directories, links),
 * 'z' sizes a file, 's' syncs or closes, 'n' changes a name, 'm'
 * allocates, 't' starts a thread, 'q' queries (stat, seek). */
#define FUNCS(X) \
    X(open, 'o') X(open64, 'o') X(openat, 'o') X(openat64, 'o') \
    X(__open_2, 'o') X(__open64_2, 'o') X(__openat_2, 'o') X(__openat64_2, 'o') \
    X(creat, 'o') X(mkstemp, 'o') X(mkstemp64, 'o') X(mkostemp, 'o') X(mkostemp64, 'o') \
    X(fdopendir, 'o') X(opendir, 'o') X(dup, 'o') X(pipe, 'o') X(pipe2, 'o') \
    X(read, 'r') X(pread, 'r') X(pread64, 'r') X(readdir, 'l') X(readdir64, 'l') \
    X(readlink, 'l') X(readlinkat, 'l') \
    X(write, 'w') X(pwrite, 'w') X(pwrite64, 'w') X(copy_file_range, 'w') \
    X(splice, 'w') X(sendfile, 'w') X(sendfile64, 'w') \
    X(ftruncate, 'z') X(ftruncate64, 'z') X(fallocate, 'z') X(fallocate64, 'z') \
    X(posix_fallocate, 'z') X(posix_fallocate64, 'z') \
    X(fsync, 's') X(fdatasync, 's') X(sync_file_range, 's') X(close, 's') \
    X(rename, 'n') X(renameat, 'n') X(renameat2, 'n') X(link, 'n') X(linkat, 'n') \
    X(unlink, 'n') X(unlinkat, 'n') \
    X(malloc, 'm') X(calloc, 'm') X(realloc, 'm') X(posix_memalign, 'm') \
    X(aligned_alloc, 'm') \
    X(pthread_create, 't') \
    X(stat, 'q') X(stat64, 'q') X(lstat, 'q') X(lstat64, 'q') X(fstat, 'q') \
    X(fstat64, 'q') X(fstatat, 'q') X(fstatat64, 'q') X(statx, 'q') \
    X(statvfs, 'q') X(fstatvfs, 'q') X(lseek, 'q') X(lseek64, 'q')

#define ENUM(name, kind) F_##name,
enum fn { FUNCS(ENUM) NFUNCS };
#define NAME(name, kind) #name,
static const char *const fn_name[NFUNCS] = { FUNCS(NAME) };
#define KIND(name, kind) kind,
static const char fn_kind[NFUNCS] = { FUNCS(KIND) };

static const char *group_of(char kind)
{
    switch (kind) {
    case 'o': return "open";
    case 'r': case 'l': return "read";
    case 'w': case 'z': return "write";
    case 's': return "sync";
    case 'n': return "name";
    case 'm': return "memory";
    case 't': return "thread";
    default: return "query";
    }
}

static atomic_ulong calls[NFUNCS];      /* every call while watching */
static atomic_ulong selected_calls;     /* calls of FAULT_FUNCS */
static bool selected[NFUNCS];
static unsigned long fault_n;
static int fault_errno;
static bool short_mode, kill_mode;
static const char *count_file;
static atomic_bool watching;
static atomic_int injected = -1;        /* the function failed, or -1 */
static atomic_ulong injected_k;

/* ---- the real functions ---- */

/* dlsym may allocate (its error state) before the real malloc is known:
 * those few blocks come from here, and free() leaves them alone. */
static _Alignas(max_align_t) unsigned char arena[64 << 10];
static size_t arena_used;
/* initial-exec: a TLS access that could allocate would recurse. */
static _Thread_local bool resolving __attribute__((tls_model("initial-exec")));

static void *arena_alloc(size_t n)
{
    size_t a = _Alignof(max_align_t);
    size_t need = (sizeof(size_t) + a - 1) / a * a;
    if (n > sizeof arena || arena_used + need + n > sizeof arena)
        return NULL;
    unsigned char *p = arena + arena_used + need;
    memcpy(p - sizeof(size_t), &n, sizeof n);
    arena_used += need + (n + a - 1) / a * a;
    return p;
}

static bool in_arena(const void *p)
{
    return (const unsigned char *)p >= arena && (const unsigned char *)p < arena + sizeof arena;
}

static void *resolve(const char *name)
{
    resolving = true;
    void *p = dlsym(RTLD_NEXT, name);
    resolving = false;
    return p;
}

/* real_NAME: a pointer to the next definition, found on first use (the
 * constructor finds all of them before any thread can exist). */
#define REAL(name, ret, ...) \
    static ret (*real_##name)(__VA_ARGS__); \
    static ret (*get_##name(void))(__VA_ARGS__) \
    { \
        if (!real_##name) \
            *(void **)&real_##name = resolve(#name); \
        return real_##name; \
    }

REAL(open, int, const char *, int, ...)
REAL(open64, int, const char *, int, ...)
REAL(openat, int, int, const char *, int, ...)
REAL(openat64, int, int, const char *, int, ...)
REAL(__open_2, int, const char *, int)
REAL(__open64_2, int, const char *, int)
REAL(__openat_2, int, int, const char *, int)
REAL(__openat64_2, int, int, const char *, int)
REAL(creat, int, const char *, mode_t)
REAL(mkstemp, int, char *)
REAL(mkstemp64, int, char *)
REAL(mkostemp, int, char *, int)
REAL(mkostemp64, int, char *, int)
REAL(fdopendir, DIR *, int)
REAL(opendir, DIR *, const char *)
REAL(dup, int, int)
REAL(pipe, int, int *)
REAL(pipe2, int, int *, int)
REAL(read, ssize_t, int, void *, size_t)
REAL(pread, ssize_t, int, void *, size_t, off_t)
REAL(pread64, ssize_t, int, void *, size_t, off64_t)
REAL(readdir, struct dirent *, DIR *)
REAL(readdir64, struct dirent64 *, DIR *)
REAL(readlink, ssize_t, const char *, char *, size_t)
REAL(readlinkat, ssize_t, int, const char *, char *, size_t)
REAL(write, ssize_t, int, const void *, size_t)
REAL(pwrite, ssize_t, int, const void *, size_t, off_t)
REAL(pwrite64, ssize_t, int, const void *, size_t, off64_t)
REAL(copy_file_range, ssize_t, int, loff_t *, int, loff_t *, size_t, unsigned)
REAL(splice, ssize_t, int, loff_t *, int, loff_t *, size_t, unsigned)
REAL(sendfile, ssize_t, int, int, off_t *, size_t)
REAL(sendfile64, ssize_t, int, int, off64_t *, size_t)
REAL(ftruncate, int, int, off_t)
REAL(ftruncate64, int, int, off64_t)
REAL(fallocate, int, int, int, off_t, off_t)
REAL(fallocate64, int, int, int, off64_t, off64_t)
REAL(posix_fallocate, int, int, off_t, off_t)
REAL(posix_fallocate64, int, int, off64_t, off64_t)
REAL(fsync, int, int)
REAL(fdatasync, int, int)
REAL(sync_file_range, int, int, off64_t, off64_t, unsigned)
REAL(close, int, int)
REAL(rename, int, const char *, const char *)
REAL(renameat, int, int, const char *, int, const char *)
REAL(renameat2, int, int, const char *, int, const char *, unsigned)
REAL(link, int, const char *, const char *)
REAL(linkat, int, int, const char *, int, const char *, int)
REAL(unlink, int, const char *)
REAL(unlinkat, int, int, const char *, int)
REAL(malloc, void *, size_t)
REAL(calloc, void *, size_t, size_t)
REAL(realloc, void *, void *, size_t)
REAL(free, void, void *)
REAL(posix_memalign, int, void **, size_t, size_t)
REAL(aligned_alloc, void *, size_t, size_t)
REAL(pthread_create, int, pthread_t *, const pthread_attr_t *, void *(*)(void *), void *)
REAL(stat, int, const char *, struct stat *)
REAL(stat64, int, const char *, struct stat64 *)
REAL(lstat, int, const char *, struct stat *)
REAL(lstat64, int, const char *, struct stat64 *)
REAL(fstat, int, int, struct stat *)
REAL(fstat64, int, int, struct stat64 *)
REAL(fstatat, int, int, const char *, struct stat *, int)
REAL(fstatat64, int, int, const char *, struct stat64 *, int)
REAL(statx, int, int, const char *, int, unsigned, struct statx *)
REAL(statvfs, int, const char *, struct statvfs *)
REAL(fstatvfs, int, int, struct statvfs *)
REAL(lseek, off_t, int, off_t, int)
REAL(lseek64, off64_t, int, off64_t, int)

/* ---- deciding ---- */

static int errno_of(enum fn f)
{
    if (fault_errno)
        return fault_errno;
    switch (fn_kind[f]) {
    case 'o': return EMFILE;
    case 'w':
    case 'z': return ENOSPC;
    case 'm': return ENOMEM;
    case 't': return EAGAIN;
    case 'n': return f == F_rename || f == F_renameat || f == F_renameat2 ||
                     f == F_link || f == F_linkat ? ENOSPC : EIO;
    default: return EIO;       /* reads, syncs, close, queries */
    }
}

/* Count the call; true if it is the one to fail (or shorten). */
static bool hit(enum fn f)
{
    if (!atomic_load_explicit(&watching, memory_order_relaxed))
        return false;
    unsigned long k = atomic_fetch_add(&calls[f], 1) + 1;
    if (!selected[f] || fault_n == 0)
        return false;
    if (atomic_fetch_add(&selected_calls, 1) + 1 != fault_n)
        return false;
    atomic_store(&injected_k, k);
    atomic_store(&injected, (int)f);
    if (kill_mode)
        raise(SIGKILL);
    return true;
}

#define FAIL(f, val) do { errno = errno_of(f); return (val); } while (0)
/* A read or write: fail it, or in short mode halve its length. */
#define SHORTEN(f, len) \
    do { \
        if (hit(f)) { \
            if (!short_mode) \
                FAIL(f, -1); \
            if ((len) > 1) \
                (len) /= 2; \
        } \
    } while (0)

static bool has_mode(int flags)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* ---- opening ---- */

#define OPEN_LIKE(name, ...) \
    int name(const char *path, int flags, ...) \
    { \
        mode_t mode = 0; \
        if (has_mode(flags)) { \
            va_list ap; \
            va_start(ap, flags); \
            mode = va_arg(ap, mode_t); \
            va_end(ap); \
        } \
        if (hit(F_##name)) \
            FAIL(F_##name, -1); \
        return get_##name()(path, flags, mode); \
    }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name) \
    int name(int dfd, const char *path, int flags, ...) \
    { \
        mode_t mode = 0; \
        if (has_mode(flags)) { \
            va_list ap; \
            va_start(ap, flags); \
            mode = va_arg(ap, mode_t); \
            va_end(ap); \
        } \
        if (hit(F_##name)) \
            FAIL(F_##name, -1); \
        return get_##name()(dfd, path, flags, mode); \
    }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dfd, const char *path, int flags);
int __openat64_2(int dfd, const char *path, int flags);
int __open_2(const char *path, int flags)
{
    if (hit(F___open_2))
        FAIL(F___open_2, -1);
    return get___open_2()(path, flags);
}
int __open64_2(const char *path, int flags)
{
    if (hit(F___open64_2))
        FAIL(F___open64_2, -1);
    return get___open64_2()(path, flags);
}
int __openat_2(int dfd, const char *path, int flags)
{
    if (hit(F___openat_2))
        FAIL(F___openat_2, -1);
    return get___openat_2()(dfd, path, flags);
}
int __openat64_2(int dfd, const char *path, int flags)
{
    if (hit(F___openat64_2))
        FAIL(F___openat64_2, -1);
    return get___openat64_2()(dfd, path, flags);
}

/* WRAP(ret, name, failval, (params), (args)): count, maybe fail, call. */
#define WRAP(ret, name, failval, params, args) \
    ret name params \
    { \
        if (hit(F_##name)) \
            FAIL(F_##name, failval); \
        return get_##name() args; \
    }

WRAP(int, creat, -1, (const char *p, mode_t m), (p, m))
WRAP(int, mkstemp, -1, (char *t), (t))
WRAP(int, mkstemp64, -1, (char *t), (t))
WRAP(int, mkostemp, -1, (char *t, int fl), (t, fl))
WRAP(int, mkostemp64, -1, (char *t, int fl), (t, fl))
WRAP(DIR *, fdopendir, NULL, (int fd), (fd))
WRAP(DIR *, opendir, NULL, (const char *p), (p))
WRAP(int, dup, -1, (int fd), (fd))
WRAP(int, pipe, -1, (int fds[2]), (fds))
WRAP(int, pipe2, -1, (int fds[2], int fl), (fds, fl))

/* ---- reading and writing ---- */

WRAP(struct dirent *, readdir, NULL, (DIR *d), (d))
WRAP(struct dirent64 *, readdir64, NULL, (DIR *d), (d))
WRAP(ssize_t, readlink, -1, (const char *p, char *b, size_t n), (p, b, n))
WRAP(ssize_t, readlinkat, -1, (int dfd, const char *p, char *b, size_t n), (dfd, p, b, n))

/* XFER(name, (params), (args), len): a transfer that short mode may halve. */
#define XFER(name, params, args, len) \
    ssize_t name params \
    { \
        SHORTEN(F_##name, len); \
        return get_##name() args; \
    }

XFER(read, (int fd, void *b, size_t n), (fd, b, n), n)
XFER(pread, (int fd, void *b, size_t n, off_t o), (fd, b, n, o), n)
XFER(pread64, (int fd, void *b, size_t n, off64_t o), (fd, b, n, o), n)
XFER(write, (int fd, const void *b, size_t n), (fd, b, n), n)
XFER(pwrite, (int fd, const void *b, size_t n, off_t o), (fd, b, n, o), n)
XFER(pwrite64, (int fd, const void *b, size_t n, off64_t o), (fd, b, n, o), n)
XFER(copy_file_range, (int i, loff_t *io, int o, loff_t *oo, size_t n, unsigned fl),
     (i, io, o, oo, n, fl), n)
XFER(splice, (int i, loff_t *io, int o, loff_t *oo, size_t n, unsigned fl),
     (i, io, o, oo, n, fl), n)
XFER(sendfile, (int o, int i, off_t *io, size_t n), (o, i, io, n), n)
XFER(sendfile64, (int o, int i, off64_t *io, size_t n), (o, i, io, n), n)

WRAP(int, ftruncate, -1, (int fd, off_t n), (fd, n))
WRAP(int, ftruncate64, -1, (int fd, off64_t n), (fd, n))
WRAP(int, fallocate, -1, (int fd, int m, off_t o, off_t n), (fd, m, o, n))
WRAP(int, fallocate64, -1, (int fd, int m, off64_t o, off64_t n), (fd, m, o, n))
/* These return the error number instead of setting errno. */
int posix_fallocate(int fd, off_t o, off_t n)
{
    if (hit(F_posix_fallocate))
        return errno_of(F_posix_fallocate);
    return get_posix_fallocate()(fd, o, n);
}
int posix_fallocate64(int fd, off64_t o, off64_t n)
{
    if (hit(F_posix_fallocate64))
        return errno_of(F_posix_fallocate64);
    return get_posix_fallocate64()(fd, o, n);
}

WRAP(int, fsync, -1, (int fd), (fd))
WRAP(int, fdatasync, -1, (int fd), (fd))
WRAP(int, sync_file_range, -1, (int fd, off64_t o, off64_t n, unsigned fl), (fd, o, n, fl))

/* Linux releases the descriptor even when close reports an error (a
 * write-back failure surfacing there): so does a failed close here. */
int close(int fd)
{
    if (hit(F_close)) {
        get_close()(fd);
        FAIL(F_close, -1);
    }
    return get_close()(fd);
}

/* ---- names ---- */

WRAP(int, rename, -1, (const char *a, const char *b), (a, b))
WRAP(int, renameat, -1, (int da, const char *a, int db, const char *b), (da, a, db, b))
WRAP(int, renameat2, -1, (int da, const char *a, int db, const char *b, unsigned fl),
     (da, a, db, b, fl))
WRAP(int, link, -1, (const char *a, const char *b), (a, b))
WRAP(int, linkat, -1, (int da, const char *a, int db, const char *b, int fl),
     (da, a, db, b, fl))
WRAP(int, unlink, -1, (const char *p), (p))
WRAP(int, unlinkat, -1, (int dfd, const char *p, int fl), (dfd, p, fl))

/* ---- memory ---- */

void *malloc(size_t n)
{
    if (resolving)
        return arena_alloc(n);
    if (hit(F_malloc))
        FAIL(F_malloc, NULL);
    return get_malloc()(n);
}

void *calloc(size_t k, size_t n)
{
    if (resolving) {
        if (n && k > (size_t)-1 / n)
            return NULL;
        return arena_alloc(k * n);     /* the arena is zero and never reused */
    }
    if (hit(F_calloc))
        FAIL(F_calloc, NULL);
    return get_calloc()(k, n);
}

void *realloc(void *p, size_t n)
{
    if (in_arena(p)) {
        size_t old;
        memcpy(&old, (unsigned char *)p - sizeof old, sizeof old);
        void *q = malloc(n);
        if (q)
            memcpy(q, p, old < n ? old : n);
        return q;
    }
    if (resolving)
        return arena_alloc(n);
    if (hit(F_realloc))
        FAIL(F_realloc, NULL);
    return get_realloc()(p, n);
}

void free(void *p)
{
    if (!in_arena(p))
        get_free()(p);
}

int posix_memalign(void **p, size_t a, size_t n)
{
    if (hit(F_posix_memalign))
        return ENOMEM;
    return get_posix_memalign()(p, a, n);
}

WRAP(void *, aligned_alloc, NULL, (size_t a, size_t n), (a, n))

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg)
{
    if (hit(F_pthread_create))
        return errno_of(F_pthread_create);
    return get_pthread_create()(t, attr, start, arg);
}

/* ---- queries ---- */

WRAP(int, stat, -1, (const char *p, struct stat *st), (p, st))
WRAP(int, stat64, -1, (const char *p, struct stat64 *st), (p, st))
WRAP(int, lstat, -1, (const char *p, struct stat *st), (p, st))
WRAP(int, lstat64, -1, (const char *p, struct stat64 *st), (p, st))
WRAP(int, fstat, -1, (int fd, struct stat *st), (fd, st))
WRAP(int, fstat64, -1, (int fd, struct stat64 *st), (fd, st))
WRAP(int, fstatat, -1, (int dfd, const char *p, struct stat *st, int fl), (dfd, p, st, fl))
WRAP(int, fstatat64, -1, (int dfd, const char *p, struct stat64 *st, int fl), (dfd, p, st, fl))
WRAP(int, statx, -1, (int dfd, const char *p, int fl, unsigned mask, struct statx *st),
     (dfd, p, fl, mask, st))
WRAP(int, statvfs, -1, (const char *p, struct statvfs *st), (p, st))
WRAP(int, fstatvfs, -1, (int fd, struct statvfs *st), (fd, st))
WRAP(off_t, lseek, -1, (int fd, off_t o, int wh), (fd, o, wh))
WRAP(off64_t, lseek64, -1, (int fd, off64_t o, int wh), (fd, o, wh))

/* ---- start and end ---- */

static int parse_errno(const char *s)
{
    static const struct { const char *name; int e; } names[] = {
        {"EIO", EIO}, {"ENOSPC", ENOSPC}, {"ENOMEM", ENOMEM}, {"EMFILE", EMFILE},
        {"EAGAIN", EAGAIN}, {"EINTR", EINTR}, {"EACCES", EACCES}, {"EDQUOT", EDQUOT},
        {"EFBIG", EFBIG},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name))
            return names[i].e;
    return atoi(s);
}

static void select_funcs(const char *list)
{
    bool all = !list || !*list || !strcmp(list, "all");
    for (int f = 0; f < NFUNCS; f++) {
        bool on = all;
        if (!all) {
            size_t len = strlen(fn_name[f]);
            for (const char *p = list; *p;) {
                size_t n = strcspn(p, ",");
                if (n == len && !strncmp(p, fn_name[f], len))
                    on = true;
                p += n + (p[n] == ',');
            }
        }
        /* Short mode only makes sense for the transfers. */
        if (short_mode && fn_kind[f] != 'r' && fn_kind[f] != 'w')
            on = false;
        selected[f] = on;
    }
}

__attribute__((constructor)) static void fault_init(void)
{
    /* Every real function before main, while there is one thread. */
#define GET(name, kind) (void)get_##name();
    FUNCS(GET)
    (void)get_free();

    const char *prog = getenv("FAULT_PROG");
    if (prog && *prog) {
        const char *me = program_invocation_short_name;
        if (strcmp(me, prog) && !(!strncmp(me, "lt-", 3) && !strcmp(me + 3, prog)))
            return;
    }
    const char *s = getenv("FAULT_N");
    fault_n = s ? strtoul(s, NULL, 10) : 0;
    s = getenv("FAULT_ERRNO");
    fault_errno = s && *s ? parse_errno(s) : 0;
    s = getenv("FAULT_MODE");
    short_mode = s && !strcmp(s, "short");
    kill_mode = s && !strcmp(s, "kill");
    select_funcs(getenv("FAULT_FUNCS"));
    count_file = getenv("FAULT_COUNT");
    if (count_file && !*count_file)
        count_file = NULL;
    atomic_store(&watching, true);
}

__attribute__((destructor)) static void fault_fini(void)
{
    if (!atomic_exchange(&watching, false) || !count_file)
        return;
    int fd = get_open()(count_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return;
    char line[4096 + 64];
    int len;
    for (int f = 0; f < NFUNCS; f++) {
        unsigned long n = atomic_load(&calls[f]);
        if (n) {
            char k = fn_kind[f];
            len = snprintf(line, sizeof line, "call %s %s %d %lu\n", fn_name[f], group_of(k),
                           k == 'r' || k == 'w', n);
            get_write()(fd, line, (size_t)len);
        }
    }
    int inj = atomic_load(&injected);
    if (inj >= 0) {
        len = snprintf(line, sizeof line, "injected %s %lu\n", fn_name[inj],
                       atomic_load(&injected_k));
        get_write()(fd, line, (size_t)len);
    }
    char exe[4096];
    ssize_t n = get_readlink()("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        len = snprintf(line, sizeof line, "exe %.*s\n", (int)n, exe);
        get_write()(fd, line, (size_t)len);
    }
    const char *lp = getenv("LD_LIBRARY_PATH");
    if (lp && strlen(lp) < 4096) {
        len = snprintf(line, sizeof line, "libpath %s\n", lp);
        get_write()(fd, line, (size_t)len);
    }
    get_close()(fd);
}
