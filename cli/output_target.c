/* SPDX-License-Identifier: BSD-2-Clause */
/* output_target.c - where `mkimage create` writes (see output_target.h). */
#include "config.h"
#include "output_target.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A named temporary exists only where the file system has no O_TMPFILE
 * (or /proc is missing), and briefly while an unnamed image is linked in
 * to be renamed over an existing file.  The signal handler removes it. */
static char tmp_name[PATH_MAX];
static volatile sig_atomic_t have_tmp;

void out_signal_cleanup(void)
{
    if (have_tmp)
        unlink(tmp_name);          /* async-signal-safe */
}

/* Report hr with a message made of fmt and the paths a and b (raw:
 * cli_report escapes what a terminal must not see). */
static int report(fsi_hresult hr, const char *fmt, const char *a, const char *b, int err)
{
    char msg[3 * PATH_MAX];
    int n = snprintf(msg, sizeof msg, fmt, a, b ? b : "");
    if (err && n > 0 && (size_t)n < sizeof msg)
        snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(err));
    return cli_report(hr, msg);
}

/* The name a symbolic link chain at `path` ends in (which need not exist):
 * the file to replace.  NULL with errno (ELOOP after 40 links). */
static char *follow_links(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        char buf[PATH_MAX];
        ssize_t n = readlink(cur, buf, sizeof buf - 1);
        if (n < 0) {
            free(cur);
            return NULL;
        }
        buf[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t dirlen = buf[0] == '/' || !slash ? 0 : (size_t)(slash - cur + 1);
        char *next = malloc(dirlen + (size_t)n + 1);
        if (next) {
            memcpy(next, cur, dirlen);
            memcpy(next + dirlen, buf, (size_t)n + 1);
        }
        free(cur);
        cur = next;
    }
    if (cur) {
        free(cur);
        errno = ELOOP;
    }
    return NULL;
}

int out_check(struct out_target *t, const char *given)
{
    memset(t, 0, sizeof *t);
    t->given = given;
    t->fd = -1;
    if (!strcmp(given, "-")) {
        t->kind = OUT_STDOUT;
        return EXIT_OK;
    }
    struct stat st;
    if (stat(given, &st) == 0) {
        t->exists = true;
        t->dev = st.st_dev;
        t->ino = st.st_ino;
        if (S_ISDIR(st.st_mode))
            return report(IMAPI_E_INVALID_PARAM, "the output '%s' is a directory", given, NULL, 0);
        if (S_ISSOCK(st.st_mode))
            return report(IMAPI_E_INVALID_PARAM, "the output '%s' is a socket", given, NULL, 0);
        if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISBLK(st.st_mode)) {
            /* Opened by the name given: the kernel follows links (also
             * /proc's, as /dev/stdout is). */
            t->kind = S_ISBLK(st.st_mode) ? OUT_BLOCK : OUT_STREAM;
            t->path = strdup(given);
            return t->path ? EXIT_OK : cli_report(FSI_E_OUTOFMEMORY, NULL);
        }
    }
    t->kind = OUT_FILE;
    t->path = follow_links(given);
    if (!t->path)
        return report(IMAPI_E_INVALID_PARAM, "cannot follow the output '%s'", given, NULL, errno);
    return EXIT_OK;
}

bool out_is(const struct out_target *t, const char *src)
{
    struct stat st;
    return t->exists && stat(src, &st) == 0 && st.st_dev == t->dev && st.st_ino == t->ino;
}

/* The directory part of t->path ("." if none) and its base name. */
static void split_path(const char *path, char *dir, size_t dsize, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dsize, ".");
        *base = path;
    } else {
        snprintf(dir, dsize, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        *base = slash + 1;
    }
}

/* A free name ".BASE.tmp.XXXXXX" beside the output (in tmp_name). */
static int make_tmp_name(const char *path)
{
    char dir[PATH_MAX];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    int n = snprintf(tmp_name, sizeof tmp_name, "%s/.%s.tmp.XXXXXX", dir, base);
    return n > 0 && (size_t)n < sizeof tmp_name ? 0 : -1;
}

static int open_file(struct out_target *t)
{
    char dir[PATH_MAX];
    const char *base;
    split_path(t->path, dir, sizeof dir, &base);
    if (!*base)
        return report(IMAPI_E_INVALID_PARAM, "the output '%s' has no file name", t->given, NULL, 0);
    /* Unnamed until complete: a kill leaves nothing.  Linking it in later
     * goes through /proc/self/fd, so that must be there. */
    if (access("/proc/self/fd", X_OK) == 0) {
        t->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
        if (t->fd >= 0) {
            t->unnamed = true;
            return EXIT_OK;
        }
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return report(IMAPI_E_INVALID_PARAM, "cannot create the output '%s'", t->path, NULL,
                          errno);
    }
    /* No O_TMPFILE here: a named temporary, renamed into place. */
    if (make_tmp_name(t->path) != 0)
        return report(IMAPI_E_INVALID_PARAM, "the output path '%s' is too long", t->path, NULL, 0);
    t->fd = mkstemp(tmp_name);
    if (t->fd < 0)
        return report(IMAPI_E_INVALID_PARAM, "cannot create a temporary file beside '%s'", t->path,
                      NULL, errno);
    have_tmp = 1;
    mode_t um = umask(0);
    umask(um);
    fchmod(t->fd, 0666 & ~um);     /* mkstemp makes 0600; give what open() would */
    return EXIT_OK;
}

static int open_block(struct out_target *t, uint64_t bytes)
{
    /* O_EXCL on a block device: EBUSY while it (or a partition of it) is
     * mounted or held by another exclusive user. */
    t->fd = open(t->path, O_WRONLY | O_EXCL | O_CLOEXEC);
    if (t->fd < 0) {
        if (errno == EBUSY)
            return report(IMAPI_E_INVALID_PARAM,
                          "the device '%s' is in use (mounted, or held by another program)",
                          t->given, NULL, 0);
        return report(IMAPI_E_INVALID_PARAM, "cannot open the device '%s'", t->given, NULL, errno);
    }
    uint64_t size = 0;
    if (ioctl(t->fd, BLKGETSIZE64, &size) != 0)
        return report(IMAPI_E_INVALID_PARAM, "cannot get the size of the device '%s'", t->given,
                      NULL, errno);
    if (size < bytes) {
        char need[96];
        snprintf(need, sizeof need, "%llu bytes; the image needs %llu",
                 (unsigned long long)size, (unsigned long long)bytes);
        return report(IMAPI_E_IMAGE_TOO_BIG, "the device '%s' holds %s", t->given, need, 0);
    }
    return EXIT_OK;
}

int out_open(struct out_target *t, uint64_t bytes)
{
    switch (t->kind) {
    case OUT_STDOUT:
        t->fd = STDOUT_FILENO;
        return EXIT_OK;
    case OUT_FILE:
        return open_file(t);
    case OUT_BLOCK:
        return open_block(t, bytes);
    case OUT_STREAM:
        /* A FIFO: this waits for a reader, as any writer would. */
        t->fd = open(t->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (t->fd < 0)
            return report(IMAPI_E_INVALID_PARAM, "cannot open the output '%s'", t->given, NULL,
                          errno);
        return EXIT_OK;
    }
    return EXIT_FAIL;
}

/* Link the complete unnamed file in at t->path, replacing what is there. */
static int link_unnamed(struct out_target *t)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", t->fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, t->path, AT_SYMLINK_FOLLOW) == 0)
        return EXIT_OK;
    if (errno != EEXIST)
        return report(IMAPI_E_INVALID_PARAM, "cannot write the output '%s'", t->path, NULL, errno);
    /* Something is there: link in beside it, then rename over it (one
     * atomic step for every reader). */
    if (make_tmp_name(t->path) != 0)
        return report(IMAPI_E_INVALID_PARAM, "the output path '%s' is too long", t->path, NULL, 0);
    size_t len = strlen(tmp_name);
    for (unsigned tries = 0;; tries++) {
        snprintf(tmp_name + len - 6, 7, "%06lx",
                 ((unsigned long)getpid() * 2654435761u + (unsigned long)time(NULL) + tries) &
                     0xFFFFFF);
        have_tmp = 1;
        if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp_name, AT_SYMLINK_FOLLOW) == 0)
            break;
        have_tmp = 0;
        if (errno != EEXIST || tries > 100)
            return report(IMAPI_E_INVALID_PARAM, "cannot write the output '%s'", t->path, NULL,
                          errno);
    }
    if (rename(tmp_name, t->path) != 0) {
        int e = errno;
        unlink(tmp_name);
        have_tmp = 0;
        return report(IMAPI_E_INVALID_PARAM, "cannot replace '%s'", t->path, NULL, e);
    }
    have_tmp = 0;
    return EXIT_OK;
}

/* With --sync, the new name must last a power failure too. */
static void sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int out_commit(struct out_target *t, bool sync)
{
    if (t->kind == OUT_STDOUT)
        return EXIT_OK;
    if ((sync || t->kind == OUT_BLOCK) && fsync(t->fd) != 0 && errno != EINVAL && errno != EROFS)
        return report(FSI_E_FAIL, "writing '%s' failed", t->path, NULL, errno);
    if (t->kind != OUT_FILE) {
        int fd = t->fd;
        t->fd = -1;
        if (close(fd) != 0 && errno != EINTR)
            return report(FSI_E_FAIL, "writing '%s' failed", t->path, NULL, errno);
        return EXIT_OK;
    }
    /* Every error must be known before the image takes the name: once it
     * has, the old file is gone.  A file system that reports write errors
     * late (NFS) does so at a close, which a duplicate gets too. */
    int fd = t->unnamed ? dup(t->fd) : t->fd;
    if (!t->unnamed)
        t->fd = -1;
    if (fd < 0 || (close(fd) != 0 && errno != EINTR))
        return report(FSI_E_FAIL, "writing '%s' failed", t->path, NULL, errno);
    int rc;
    if (t->unnamed) {
        rc = link_unnamed(t);
    } else if (rename(tmp_name, t->path) != 0) {
        rc = report(IMAPI_E_INVALID_PARAM, "cannot rename the temporary file to '%s'", t->path,
                    NULL, errno);
    } else {
        have_tmp = 0;
        rc = EXIT_OK;
    }
    if (rc == EXIT_OK && sync)
        sync_dir(t->path);
    if (t->fd >= 0)
        close(t->fd);             /* the image is in place: nothing left to report */
    t->fd = -1;
    return rc;
}

void out_close(struct out_target *t)
{
    if (t->fd >= 0 && t->kind != OUT_STDOUT)
        close(t->fd);
    t->fd = -1;
    if (have_tmp) {
        unlink(tmp_name);
        have_tmp = 0;
    }
    free(t->path);
    t->path = NULL;
}
