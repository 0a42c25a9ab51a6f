/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_extract.c - `mkimage extract`: copy a view of an image out to a
 * host directory.
 *
 * The image is untrusted, so a name from it never leaves DIR: an entry
 * whose name or any path component is "", ".", "..", or holds '/' or NUL
 * is refused (fsi_name_is_safe), and everything is created with *at()
 * calls relative to directory descriptors opened one component at a time
 * with O_NOFOLLOW, so no symlink under DIR is ever followed, not even one
 * this extraction made (an image holding `a -> /tmp` and then `a/x`
 * gets an error for `a/x`, never /tmp/x).  A refused or failed entry is
 * reported and the rest goes on; the exit status is 1 at the end.
 *
 * Data goes by copy_file_range from the image's descriptor at each
 * extent's byte offset (holes of the image file and unrecorded UDF
 * extents stay holes), or by read/write where that is not possible, and
 * then all-zero blocks become holes too.  Directory modes and times are
 * set last, deepest first, once their contents are written.
 */
#include "config.h"
#include "cli.h"
#include "progress.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void extract_usage(FILE *f)
{
    fputs("Usage: mkimage extract [--fs FS] [--overwrite] [--progress|--quiet] IMAGE DIR [PATH...]\n"
          "Copy the files of IMAGE into DIR (created if missing; its parent must exist):\n"
          "data, times, and where the view has them modes, owners (as root), symlinks\n"
          "and FIFOs (device files as root only).  PATHs limit it to those files and\n"
          "directories (each keeps its image path below DIR).  Names that would leave DIR\n"
          "('..', '.', '/' or NUL inside a name) and anything below a symlink are refused\n"
          "with an error naming the entry; the rest is extracted and the exit status is 1.\n\n"
          "  --fs FS             the view: iso9660 (plain names), rockridge, joliet, udf\n"
          "                      (default: the one import takes)\n"
          "  --overwrite         replace existing files (written beside, then renamed over)\n"
          "  --progress          print progress lines\n"
          "  -q, --quiet         print nothing but errors\n"
          "  -h, --help          show this help\n",
          f);
}

/* One level of the open directory chain below DIR. */
struct level {
    char *name;
    size_t len;
    int fd;
};

/* A directory this run made or merged into: its mode and times are set at
 * the end. */
struct made_dir {
    char *path;               /* image path, "/a/b" */
    uint32_t mode;
    unsigned has;
    struct timespec atime, mtime;
    uint32_t uid, gid;
};

struct ex {
    fsi_disc *d;
    int imgfd;
    uint64_t imgsize;
    bool use_cfr;             /* copy_file_range still worth trying */
    bool overwrite, am_root, quiet;
    mode_t umask;
    int rootfd;
    const char *dir;          /* DIR as given, for messages */

    struct level *lv;         /* the open chain: lv[i] is component i */
    size_t nlv, caplv;

    struct made_dir *dirs;
    size_t ndirs, capdirs;

    uint8_t *buf;             /* read/write copy buffer */
    unsigned tmp_seq;

    uint64_t files, ndirs_made, links, fifos, devices, bytes;
    uint64_t skipped;
    char skipped_names[512];
    uint64_t errors;
    fsi_hresult fatal;        /* stops everything (memory, cancel, disk full) */

    struct progress prog;
    uint64_t done, total;
    bool counting;
};

enum { BUF_SIZE = 1 << 20, ZERO_GRAIN = 4096, STOP = 2 };
/* copy_file_range path: zeros are left as holes in blocks of HOLE_GRAIN
 * (at most BUF_SIZE). */
#define HOLE_GRAIN ((uint64_t)65536)

/* ---- messages ---- */

/* "mkimage: NAME (0x...): 'PATH': what" for one entry; counts an error. */
static void entry_error(struct ex *x, fsi_hresult hr, const char *path, size_t len, const char *fmt,
                        ...) __attribute__((format(printf, 5, 6)));
static void entry_error(struct ex *x, fsi_hresult hr, const char *path, size_t len, const char *fmt,
                        ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char *esc = cli_escape_name(path, len);
    size_t n = strlen(what) + (esc ? strlen(esc) : 0) + 16;
    char *msg = malloc(n);
    if (msg) {
        snprintf(msg, n, "'%s': %s", esc ? esc : "?", what);
        cli_report(hr, msg);
    } else {
        cli_report(hr, what);
    }
    free(msg);
    free(esc);
    x->errors++;
}

static void out_of_memory(struct ex *x)
{
    if (!FSI_FAILED(x->fatal))
        cli_report(FSI_E_OUTOFMEMORY, "extracting the image");
    x->fatal = FSI_E_OUTOFMEMORY;
}

/* A failure writing DIR's side: E_FAIL with the system's reason; a full
 * disk or a read-only file system stops the whole run. */
static void write_error(struct ex *x, const char *path, size_t len, const char *what, int err)
{
    entry_error(x, FSI_E_FAIL, path, len, "%s: %s", what, strerror(err));
    if (err == ENOSPC || err == EDQUOT || err == EROFS)
        x->fatal = FSI_E_FAIL;
}

/* ---- safe paths ---- */

/* Whether every component of an image path is a safe name; *bad gets
 * the first that is not. */
static bool path_safe(const char *p, size_t len, const char **bad, size_t *badlen)
{
    size_t i = 0;
    if (len > 0 && p[0] == '/')
        i = 1;
    while (i < len) {
        size_t j = i;
        while (j < len && p[j] != '/')
            j++;
        if (!fsi_name_is_safe(p + i, j - i)) {
            *bad = p + i;
            *badlen = j - i;
            return false;
        }
        i = j + 1;
    }
    return true;
}

static void close_levels(struct ex *x, size_t keep)
{
    while (x->nlv > keep) {
        struct level *l = &x->lv[--x->nlv];
        close(l->fd);
        free(l->name);
    }
}

/* A descriptor of directory `path` ("/a/b", safe components) below DIR:
 * reuses the open chain, opens the rest one component at a time without
 * following symlinks, making a missing one (the parents of a PATH given
 * on the command line).  Reports the failure for entry `who`. */
static int get_dir(struct ex *x, const char *path, size_t len, const char *who, size_t wholen)
{
    size_t k = 0, i = (len > 0 && path[0] == '/') ? 1 : 0;
    /* Common prefix with the open chain. */
    while (i < len && k < x->nlv) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        if (j - i != x->lv[k].len || memcmp(path + i, x->lv[k].name, j - i) != 0)
            break;
        k++;
        i = j + 1;
    }
    close_levels(x, k);
    while (i < len) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        char *name = strndup(path + i, j - i);
        if (!name || (x->nlv == x->caplv &&
                      !(x->lv = realloc(x->lv, (x->caplv = x->caplv ? 2 * x->caplv : 64) *
                                                   sizeof *x->lv)))) {
            free(name);
            out_of_memory(x);
            return -1;
        }
        int parent = x->nlv ? x->lv[x->nlv - 1].fd : x->rootfd;
        int fd, err = 0;
        for (int tries = 0; tries < 2; tries++) {
            fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0 || errno != ENOENT || tries > 0)
                break;
            if (mkdirat(parent, name, 0777) != 0 && errno != EEXIST)
                break;
        }
        if (fd < 0) {
            err = errno;
            struct stat st;
            if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                entry_error(x, IMAPI_E_INVALID_PATH, who, wholen,
                            "not extracted: '%.*s' in '%s' is a symbolic link, not followed",
                            (int)(j), path, x->dir);
            else if (err == ENOTDIR || err == ELOOP)
                entry_error(x, IMAPI_E_INVALID_PATH, who, wholen,
                            "not extracted: '%.*s' in '%s' is not a directory", (int)(j), path,
                            x->dir);
            else
                write_error(x, who, wholen, "cannot open its directory", err);
            free(name);
            return -1;
        }
        x->lv[x->nlv++] = (struct level){name, j - i, fd};
        i = j + 1;
    }
    return x->nlv ? x->lv[x->nlv - 1].fd : x->rootfd;
}

/* ---- progress and cancellation ---- */

static void on_signal(int sig)
{
    (void)sig;
    progress_cancel = 1;
}

/* Returns false when the run is to stop (Ctrl-C, FSI_CANCEL_AT_PERCENT). */
static bool tick(struct ex *x, const char *file)
{
    if (progress_update(&x->prog, file, (x->done + 2047) / 2048, (x->total + 2047) / 2048)) {
        if (!FSI_FAILED(x->fatal))
            cli_report(E_IMAPI_REQUEST_CANCELLED, "extraction cancelled");
        x->fatal = E_IMAPI_REQUEST_CANCELLED;
        return false;
    }
    return true;
}

/* ---- data ---- */

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Whether the HOLE_GRAIN image bytes at `at` are zeros.  A probe of the
 * first bytes settles it for data (one small read per grain, far cheaper
 * than mapping or copying the grain); only a grain that starts with zeros
 * is read whole. */
static bool grain_zero(struct ex *x, uint64_t at)
{
    uint8_t probe[16];
    if (pread(x->imgfd, probe, sizeof probe, (off_t)at) != (ssize_t)sizeof probe ||
        !all_zero(probe, sizeof probe))
        return false;
    ssize_t n = pread(x->imgfd, x->buf, HOLE_GRAIN, (off_t)at);
    return n == (ssize_t)HOLE_GRAIN && all_zero(x->buf, HOLE_GRAIN);
}

/* copy_file_range image bytes [in, end) to the output at `out`, leaving
 * whole HOLE_GRAIN blocks of zeros (aligned in the output) unwritten:
 * holes once the file gets its size.  Returns the bytes handled (less
 * when copy_file_range failed: read/write takes the rest over). */
static uint64_t cfr_data(struct ex *x, uint64_t in, uint64_t end, int outfd, uint64_t out)
{
    uint64_t start = in;
    while (in < end) {
        /* the next run: data up to the next grain of zeros */
        uint64_t run = in;
        while (run < end) {
            uint64_t g = HOLE_GRAIN - (out + (run - in)) % HOLE_GRAIN;
            if (g > end - run)
                g = end - run;
            if (g == HOLE_GRAIN && grain_zero(x, run))
                break;
            run += g;
        }
        while (in < run) {
            loff_t ri = (loff_t)in, ro = (loff_t)out;
            size_t want = run - in > (1u << 30) ? (1u << 30) : (size_t)(run - in);
            ssize_t n = copy_file_range(x->imgfd, &ri, outfd, &ro, want, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                              errno == EOPNOTSUPP || errno == EBADF))
                    x->use_cfr = false;
                return in - start;
            }
            in += (uint64_t)n;
            out += (uint64_t)n;
            x->done += (uint64_t)n;
        }
        /* skip the grains of zeros (the first one is known) */
        while (in < end && end - in >= HOLE_GRAIN && out % HOLE_GRAIN == 0 &&
               grain_zero(x, in)) {
            in += HOLE_GRAIN;
            out += HOLE_GRAIN;
            x->done += HOLE_GRAIN;
        }
    }
    return in - start;
}

/* copy_file_range of image bytes [in, in + len) to the output at `out`,
 * skipping the image file's holes.  Returns the bytes handled; fewer
 * than len when the rest is for read/write (which reports any error). */
static uint64_t copy_range(struct ex *x, uint64_t in, uint64_t len, int outfd, uint64_t out)
{
    uint64_t start = in, end = in + len;
    if (end > x->imgsize)
        return 0;                 /* past the end: read/write reports it */
    while (in < end) {
        off_t data = lseek(x->imgfd, (off_t)in, SEEK_DATA);
        uint64_t seg_end = end;
        if (data < 0) {
            if (errno == ENXIO)
                return len;       /* a hole up to the end of the image */
            data = (off_t)in;     /* no hole information */
        } else {
            off_t hole = lseek(x->imgfd, data, SEEK_HOLE);
            if (hole > data && (uint64_t)hole < seg_end)
                seg_end = (uint64_t)hole;
        }
        if ((uint64_t)data >= end)
            return len;
        out += (uint64_t)data - in;
        in = (uint64_t)data;
        uint64_t n = cfr_data(x, in, seg_end, outfd, out);
        if (n < seg_end - in)
            return in + n - start;
        out += n;
        in = seg_end;
    }
    return len;
}

/* read/write of file bytes [pos, pos + len) of entry e; all-zero blocks
 * are left as holes.  Returns 0 or reports and returns -1. */
static int copy_rw(struct ex *x, const fsi_disc_entry *e, uint64_t pos, uint64_t len, int outfd)
{
    while (len > 0) {
        size_t want = len > BUF_SIZE ? BUF_SIZE : (size_t)len, got = 0;
        fsi_hresult hr = fsi_disc_read(x->d, e->extents, e->nextents, pos, x->buf, want, &got);
        if (FSI_FAILED(hr) || got != want) {
            if (!FSI_FAILED(hr))
                hr = IMAPI_E_IMPORT_READ_FAILURE;
            const char *m = fsi_disc_last_error(x->d);
            entry_error(x, hr, e->path, e->path_len, "reading its data at byte %" PRIu64
                        " failed: %s", pos + got, m && *m ? m : "the image ends early");
            return -1;
        }
        for (size_t i = 0; i < want;) {
            size_t n = want - i < ZERO_GRAIN ? want - i : ZERO_GRAIN;
            if (all_zero(x->buf + i, n)) {
                i += n;
                continue;
            }
            size_t j = i + n;     /* a run of blocks with data */
            while (j < want) {
                size_t m = want - j < ZERO_GRAIN ? want - j : ZERO_GRAIN;
                if (all_zero(x->buf + j, m))
                    break;
                j += m;
            }
            int err = pwrite_all(outfd, x->buf + i, j - i, pos + i);
            if (err) {
                write_error(x, e->path, e->path_len, "writing its data failed", err);
                return -1;
            }
            i = j;
        }
        pos += want;
        len -= want;
        x->done += want;
        if (!tick(x, NULL))
            return -1;
    }
    return 0;
}

static int copy_data(struct ex *x, const fsi_disc_entry *e, int outfd)
{
    uint64_t pos = 0;
    for (size_t i = 0; i < e->nextents && pos < e->size; i++) {
        const fsi_extent *ext = &e->extents[i];
        uint64_t len = ext->length < e->size - pos ? ext->length : e->size - pos;
        if (ext->offset == FSI_EXTENT_HOLE) {
            pos += len;
            continue;
        }
        uint64_t did = 0;
        if (x->use_cfr && x->imgfd >= 0)
            did = copy_range(x, ext->offset, len, outfd, pos);
        if (did < len && copy_rw(x, e, pos + did, len - did, outfd) != 0)
            return -1;
        pos += len;
        if (!tick(x, e->path))
            return -1;
    }
    if (ftruncate(outfd, (off_t)e->size) != 0) {
        write_error(x, e->path, e->path_len, "setting its size failed", errno);
        return -1;
    }
    return 0;
}

/* ---- creating entries ---- */

static mode_t entry_mode(const struct ex *x, const fsi_disc_entry *e, mode_t dflt)
{
    if (!(e->has & FSI_HAS_MODE))
        return dflt & ~x->umask;
    return (mode_t)(e->mode & (x->am_root ? 07777 : 0777));
}

static void entry_times(const fsi_disc_entry *e, struct timespec ts[2])
{
    ts[0] = (e->has & FSI_HAS_ATIME) ? e->atime
          : (e->has & FSI_HAS_MTIME) ? e->mtime : (struct timespec){0, UTIME_OMIT};
    ts[1] = (e->has & FSI_HAS_MTIME) ? e->mtime : (struct timespec){0, UTIME_OMIT};
}

/* A free temporary name in the directory, for --overwrite. */
static void temp_name(struct ex *x, char *buf, size_t size)
{
    snprintf(buf, size, ".mkimage-%ld-%u.tmp", (long)getpid(), ++x->tmp_seq);
}

static void extract_file(struct ex *x, int dirfd, const fsi_disc_entry *e)
{
    char tmp[64] = "";
    const char *target = e->name;
    int fd = openat(dirfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST && x->overwrite) {
        for (int t = 0; t < 100 && fd < 0; t++) {
            temp_name(x, tmp, sizeof tmp);
            fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0 && errno != EEXIST)
                break;
        }
        target = tmp;
    }
    if (fd < 0) {
        if (errno == EEXIST)
            entry_error(x, FSI_E_FAIL, e->path, e->path_len,
                        "it exists already (--overwrite replaces it)");
        else
            write_error(x, e->path, e->path_len, "cannot create it", errno);
        return;
    }
    int rc = copy_data(x, e, fd);
    struct timespec ts[2];
    entry_times(e, ts);
    if (rc == 0 && x->am_root && (e->has & FSI_HAS_OWNER) && fchown(fd, e->uid, e->gid) != 0) {
        write_error(x, e->path, e->path_len, "setting its owner failed", errno);
        rc = -1;
    }
    if (rc == 0 && fchmod(fd, entry_mode(x, e, 0666)) != 0) {
        write_error(x, e->path, e->path_len, "setting its mode failed", errno);
        rc = -1;
    }
    if (rc == 0 && futimens(fd, ts) != 0) {
        write_error(x, e->path, e->path_len, "setting its times failed", errno);
        rc = -1;
    }
    if (close(fd) != 0 && rc == 0) {
        write_error(x, e->path, e->path_len, "writing its data failed", errno);
        rc = -1;
    }
    if (rc == 0 && *tmp && renameat(dirfd, tmp, dirfd, e->name) != 0) {
        write_error(x, e->path, e->path_len, "cannot replace it", errno);
        rc = -1;
    }
    if (rc != 0) {
        unlinkat(dirfd, target, 0);   /* no partial file left behind */
        return;
    }
    x->files++;
    x->bytes += e->size;
}

/* Symlinks, FIFOs and devices: made under a temporary name first when
 * --overwrite replaces something. */
static void extract_special(struct ex *x, int dirfd, const fsi_disc_entry *e)
{
    char tmp[64] = "";
    const char *name = e->name;
    mode_t mode = entry_mode(x, e, e->type == FSI_ENTRY_FIFO ? 0666 : 0600);
    char *target = NULL;
    if (e->type == FSI_ENTRY_SYMLINK) {
        if (!e->link_target || e->link_target_len == 0 ||
            memchr(e->link_target, '\0', e->link_target_len)) {
            entry_error(x, IMAPI_E_INVALID_PATH, e->path, e->path_len,
                        "not extracted: its link target is empty or holds a NUL byte");
            return;
        }
        if (!(target = strndup(e->link_target, e->link_target_len))) {
            out_of_memory(x);
            return;
        }
    }
    int r = -1, err = 0;
    for (int t = 0; t < 100; t++) {
        if (e->type == FSI_ENTRY_SYMLINK)
            r = symlinkat(target, dirfd, name);
        else if (e->type == FSI_ENTRY_FIFO)
            r = mkfifoat(dirfd, name, mode);
        else
            r = mknodat(dirfd, name, mode | (e->type == FSI_ENTRY_CHAR_DEVICE ? S_IFCHR : S_IFBLK),
                        makedev(e->rdev_major, e->rdev_minor));
        if (r == 0)
            break;
        err = errno;
        if (err != EEXIST || !x->overwrite)
            break;
        temp_name(x, tmp, sizeof tmp);
        name = tmp;
    }
    free(target);
    if (r != 0) {
        if (err == EEXIST && !x->overwrite)
            entry_error(x, FSI_E_FAIL, e->path, e->path_len,
                        "it exists already (--overwrite replaces it)");
        else
            write_error(x, e->path, e->path_len, "cannot create it", err);
        return;
    }
    struct timespec ts[2];
    entry_times(e, ts);
    int rc = 0;
    /* The exact mode (mkfifoat and mknodat apply the umask). */
    if (e->type != FSI_ENTRY_SYMLINK && (e->has & FSI_HAS_MODE) &&
        fchmodat(dirfd, name, mode, 0) != 0) {
        write_error(x, e->path, e->path_len, "setting its mode failed", errno);
        rc = -1;
    }
    if (rc == 0 && x->am_root && (e->has & FSI_HAS_OWNER) &&
        fchownat(dirfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) != 0) {
        write_error(x, e->path, e->path_len, "setting its owner failed", errno);
        rc = -1;
    }
    if (rc == 0 && utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0) {
        write_error(x, e->path, e->path_len, "setting its times failed", errno);
        rc = -1;
    }
    if (rc == 0 && *tmp && renameat(dirfd, tmp, dirfd, e->name) != 0) {
        write_error(x, e->path, e->path_len, "cannot replace it", errno);
        rc = -1;
    }
    if (rc != 0) {
        if (*tmp)
            unlinkat(dirfd, tmp, 0);
        return;
    }
    if (e->type == FSI_ENTRY_SYMLINK)
        x->links++;
    else if (e->type == FSI_ENTRY_FIFO)
        x->fifos++;
    else
        x->devices++;
}

static void extract_dir(struct ex *x, int dirfd, const fsi_disc_entry *e)
{
    if (mkdirat(dirfd, e->name, 0700) != 0) {
        int err = errno;
        struct stat st;
        if (err == EEXIST && fstatat(dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISDIR(st.st_mode))
                goto merged;      /* merged: it gets the image's mode and times too */
            if (S_ISLNK(st.st_mode)) {
                entry_error(x, IMAPI_E_INVALID_PATH, e->path, e->path_len,
                            "not extracted: a symbolic link of that name is in the way "
                            "(not followed)");
                return;
            }
            if (x->overwrite && unlinkat(dirfd, e->name, 0) == 0 &&
                mkdirat(dirfd, e->name, 0700) == 0)
                goto made;
            entry_error(x, FSI_E_FAIL, e->path, e->path_len,
                        "not extracted: a file of that name is in the way%s",
                        x->overwrite ? "" : " (--overwrite replaces it)");
            return;
        }
        write_error(x, e->path, e->path_len, "cannot create the directory", err);
        return;
    }
made:
    x->ndirs_made++;
merged:
    if (x->ndirs == x->capdirs) {
        size_t cap = x->capdirs ? 2 * x->capdirs : 256;
        struct made_dir *n = realloc(x->dirs, cap * sizeof *n);
        if (!n) {
            out_of_memory(x);
            return;
        }
        x->dirs = n;
        x->capdirs = cap;
    }
    char *p = strndup(e->path, e->path_len);
    if (!p) {
        out_of_memory(x);
        return;
    }
    x->dirs[x->ndirs++] = (struct made_dir){p, (uint32_t)entry_mode(x, e, 0777), e->has,
                                            e->atime, e->mtime, e->uid, e->gid};
}

/* The second pass: directory modes and times, deepest first (a
 * directory's mode may forbid writing into it; a write into it would
 * change its times). */
static void finish_dirs(struct ex *x)
{
    for (size_t i = x->ndirs; i-- > 0;) {
        struct made_dir *m = &x->dirs[i];
        size_t len = strlen(m->path);
        if (!FSI_FAILED(x->fatal) || x->fatal == E_IMAPI_REQUEST_CANCELLED) {
            int fd = get_dir(x, m->path, len, m->path, len);
            if (fd >= 0) {
                fsi_disc_entry e = {.has = m->has, .atime = m->atime, .mtime = m->mtime};
                struct timespec ts[2];
                entry_times(&e, ts);
                if (x->am_root && (m->has & FSI_HAS_OWNER) && fchown(fd, m->uid, m->gid) != 0)
                    write_error(x, m->path, len, "setting its owner failed", errno);
                if (fchmod(fd, m->mode) != 0)
                    write_error(x, m->path, len, "setting its mode failed", errno);
                if (futimens(fd, ts) != 0)
                    write_error(x, m->path, len, "setting its times failed", errno);
            }
        }
        free(m->path);
    }
    close_levels(x, 0);
    x->ndirs = 0;
}

static int extract_entry(void *ctx, const fsi_disc_entry *e)
{
    struct ex *x = ctx;
    if (x->counting) {
        if (e->type == FSI_ENTRY_FILE)
            x->total += e->size;
        return 0;
    }
    if (FSI_FAILED(x->fatal))
        return STOP;
    if (e->depth == 0)
        return 0;                 /* the root: DIR itself, left as it is */
    const char *bad;
    size_t badlen;
    bool name_ok = fsi_name_is_safe(e->name, e->name_len);
    if (!name_ok || !path_safe(e->path, e->path_len, &bad, &badlen)) {
        if (!name_ok) {
            bad = e->name;
            badlen = e->name_len;
        }
        char *b = cli_escape_name(bad, badlen);
        entry_error(x, IMAPI_E_INVALID_PATH, e->path, e->path_len,
                    "not extracted: the name '%s' would leave '%s'", b ? b : "?", x->dir);
        free(b);
        return FSI_FAILED(x->fatal) ? STOP : 0;
    }
    size_t plen = e->path_len - e->name_len;   /* "/a/b/" of "/a/b/c" */
    if (plen > 1)
        plen--;
    int dirfd = get_dir(x, e->path, plen > 1 ? plen : 0, e->path, e->path_len);
    if (dirfd < 0)
        return FSI_FAILED(x->fatal) ? STOP : 0;
    switch (e->type) {
    case FSI_ENTRY_DIRECTORY:
        extract_dir(x, dirfd, e);
        break;
    case FSI_ENTRY_FILE:
        extract_file(x, dirfd, e);
        break;
    case FSI_ENTRY_SYMLINK:
    case FSI_ENTRY_FIFO:
        extract_special(x, dirfd, e);
        break;
    case FSI_ENTRY_CHAR_DEVICE:
    case FSI_ENTRY_BLOCK_DEVICE:
        if (x->am_root && (e->has & FSI_HAS_RDEV)) {
            extract_special(x, dirfd, e);
            break;
        }
        /* fall through */
    default: {
        size_t used = strlen(x->skipped_names);
        if (x->skipped < 5 && used + e->path_len + 8 < sizeof x->skipped_names) {
            char *n = cli_escape_name(e->path, e->path_len);
            snprintf(x->skipped_names + used, sizeof x->skipped_names - used, "%s'%s'",
                     used ? ", " : "", n ? n : "?");
            free(n);
        }
        x->skipped++;
        break;
    }
    }
    if (!tick(x, NULL))
        return STOP;
    return FSI_FAILED(x->fatal) ? STOP : 0;
}

/* ---- the command ---- */

enum { OPT_FS = 1000, OPT_OVERWRITE, OPT_PROGRESS };

/* DIR: made if missing (not its parents), opened following a symlink the
 * user named (the user's choice, unlike anything below it). */
static int open_target(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdir(dir, 0777) == 0)
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        char msg[4200];
        snprintf(msg, sizeof msg, "cannot open or create the directory '%s': %s", dir,
                 strerror(errno));
        cli_report(FSI_E_FAIL, msg);
    }
    return fd;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fs", required_argument, NULL, OPT_FS},
        {"overwrite", no_argument, NULL, OPT_OVERWRITE},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned fs = FSI_FS_NONE, flags = 0;
    bool overwrite = false, quiet = false, lines = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_FS:
            flags &= ~(unsigned)FSI_WALK_NO_ROCK_RIDGE;
            if (cli_parse_fs(optarg, &fs, &flags) != 0)
                return cli_usage_error("--fs: '%s' is not iso9660, rockridge, joliet or udf", optarg);
            break;
        case OPT_OVERWRITE: overwrite = true; break;
        case OPT_PROGRESS: lines = true; break;
        case 'q': quiet = true; break;
        case 'h': extract_usage(stdout); return EXIT_OK;
        default: return cli_usage_error("extract: unknown option or missing value '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind < 2)
        return cli_usage_error("extract: IMAGE and DIR are needed");

    fsi_disc *d = NULL;
    int rc = cli_open_disc(argv[optind], &d);
    if (rc != EXIT_OK)
        return rc;
    struct ex x = {
        .d = d, .imgfd = fsi_disc_fd(d), .imgsize = fsi_disc_size(d), .overwrite = overwrite,
        .am_root = geteuid() == 0, .quiet = quiet, .dir = argv[optind + 1],
    };
    const char *no_cfr = getenv("FSI_NO_COPY_FILE_RANGE");
    x.use_cfr = !(no_cfr && *no_cfr && strcmp(no_cfr, "0") != 0);
    x.umask = umask(0);
    umask(x.umask);
    /* One descriptor per directory level: allow the deepest chain. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    x.buf = malloc(BUF_SIZE);
    if (!x.buf) {
        fsi_disc_free(d);
        return cli_report(FSI_E_OUTOFMEMORY, NULL);
    }
    x.rootfd = open_target(x.dir);
    if (x.rootfd < 0) {
        free(x.buf);
        fsi_disc_free(d);
        return EXIT_FAIL;
    }
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }

    char *root_only[] = {"/"};
    char **paths = argc - optind > 2 ? argv + optind + 2 : root_only;
    size_t npaths = argc - optind > 2 ? (size_t)(argc - optind - 2) : 1;
    unsigned wflags = flags | FSI_WALK_RECURSIVE | FSI_WALK_SELF;
    progress_start(&x.prog, quiet ? PROGRESS_NONE : lines ? PROGRESS_LINES : PROGRESS_AUTO);
    const char *cancel_at = getenv("FSI_CANCEL_AT_PERCENT");
    if (x.prog.bar || lines || (cancel_at && *cancel_at)) {
        /* The total for the bar: a listing pass costs little beside the data. */
        x.counting = true;
        for (size_t i = 0; i < npaths; i++)
            (void)fsi_disc_walk(d, fs, paths[i], wflags, extract_entry, &x);
        x.counting = false;
    }
    bool failed = false;
    for (size_t i = 0; i < npaths && !FSI_FAILED(x.fatal); i++) {
        fsi_hresult hr = fsi_disc_walk(d, fs, paths[i], wflags, extract_entry, &x);
        if (hr == STOP || FSI_FAILED(x.fatal))
            break;
        if (FSI_FAILED(hr)) {
            progress_end(&x.prog);
            cli_report_disc(d, hr);
            failed = true;
        }
    }
    finish_dirs(&x);
    x.done = x.total;
    if (!FSI_FAILED(x.fatal))
        progress_update(&x.prog, NULL, (x.total + 2047) / 2048, (x.total + 2047) / 2048);
    progress_end(&x.prog);
    if (x.skipped)
        fprintf(stderr, "mkimage: warning: %" PRIu64 " device file%s or socket%s not extracted "
                "(device files need root, sockets are never made): %s%s\n", x.skipped,
                x.skipped == 1 ? "" : "s", x.skipped == 1 ? "" : "s", x.skipped_names,
                x.skipped > 5 ? ", ..." : "");
    if (!quiet)
        fprintf(stderr, "mkimage: extracted %" PRIu64 " file%s (%" PRIu64 " bytes), %" PRIu64
                " director%s, %" PRIu64 " symlink%s%s to '%s'%s\n", x.files,
                x.files == 1 ? "" : "s", x.bytes, x.ndirs_made, x.ndirs_made == 1 ? "y" : "ies",
                x.links, x.links == 1 ? "" : "s", x.fifos ? " and FIFOs" : "", x.dir,
                x.errors ? "; some entries failed (see above)" : "");
    rc = (failed || x.errors || FSI_FAILED(x.fatal)) ? EXIT_FAIL : EXIT_OK;
    free(x.dirs);
    free(x.lv);
    free(x.buf);
    close(x.rootfd);
    fsi_disc_free(d);
    return rc;
}
