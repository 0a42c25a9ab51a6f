/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stash.c - staging (IMAPI's StageFiles): file data copied at add time
 * into one stash file in the working directory, so later changes to the
 * sources do not reach the image.
 *
 * The stash is a single file created unlinked (O_TMPFILE, else mkstemp +
 * unlink), so nothing is left behind even after a crash; staged files are
 * byte ranges of it.  Positioned I/O only (pread/pwrite/copy_file_range
 * with offsets), so no seek can fail.  A failed stage truncates the stash
 * back, leaving it as it was.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define COPY_BUF (1u << 20)

/* Testing aid: FSI_TEST_FAULT=stash-open|stash-write|stash-read|stash-move|
 * stash-space
 * makes that stash operation fail with EIO, so tests can reach codes that
 * no real failure here can be made to produce on demand. */
static bool fault(const char *what)
{
    const char *f = getenv("FSI_TEST_FAULT");
    return f && !strcmp(f, what);
}

const char *stash_default_dir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/tmp";
}

const char *stash_dir(const fsi_image *img)
{
    return img->work_dir ? img->work_dir : stash_default_dir();
}

/* A new unlinked file in dir; -1 with errno on failure. */
static int stash_create(const char *dir)
{
    if (fault("stash-open")) {
        errno = EIO;
        return -1;
    }
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    /* File systems without O_TMPFILE: a named file, unlinked at once. */
    size_t n = strlen(dir) + 32;
    char *p = malloc(n);
    if (!p)
        return -1;
    snprintf(p, n, "%s/.fsi-stash.XXXXXX", dir);
    fd = mkstemp(p);
    if (fd >= 0) {
        unlink(p);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    int e = errno;
    free(p);
    errno = e;
    return fd;
}

static fsi_hresult stash_ensure(fsi_image *img)
{
    if (img->stash_fd >= 0)
        return FSI_S_OK;
    const char *dir = stash_dir(img);
    img->stash_fd = stash_create(dir);
    if (img->stash_fd < 0)
        return fsi_fail(img, IMAPI_E_STASHFILE_OPEN_FAILURE, errno, dir, NULL, NULL);
    img->stash_size = 0;
    return FSI_S_OK;
}

static fsi_hresult write_fail(fsi_image *img, int err, uint64_t keep)
{
    /* Leave the stash as it was before this stage. */
    stash_truncate(img, keep);
    return fsi_fail(img, IMAPI_E_STASHFILE_WRITE_FAILURE, err, stash_dir(img), NULL, NULL);
}

/* Copy `size` bytes read with rd into the stash at its end. */
static fsi_hresult stash_append(fsi_image *img, int src_fd, fsi_read_fn rd, void *ctx,
                                uint64_t size, const char *display, uint64_t *at)
{
    fsi_hresult hr = stash_ensure(img);
    if (FSI_FAILED(hr))
        return hr;
    uint64_t start = img->stash_size, done = 0;
    if (fault("stash-write"))
        return write_fail(img, EIO, start);
    /* Whole host files: let the kernel copy (or share) the blocks. */
    if (src_fd >= 0) {
        while (done < size) {
            loff_t in = (loff_t)done, out = (loff_t)(start + done);
            ssize_t r = copy_file_range(src_fd, &in, img->stash_fd, &out, (size_t)(size - done), 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;            /* refused or end: finish by hand */
            done += (uint64_t)r;
        }
    }
    uint8_t *buf = NULL;
    while (done < size) {
        if (!buf && !(buf = malloc(COPY_BUF)))
            return write_fail(img, ENOMEM, start);
        size_t want = size - done < COPY_BUF ? (size_t)(size - done) : COPY_BUF;
        int64_t r;
        if (src_fd >= 0) {
            do
                r = pread(src_fd, buf, want, (off_t)done);
            while (r < 0 && errno == EINTR);
        } else {
            r = rd(ctx, done, buf, want);
        }
        if (r < 0) {
            int e = errno;
            free(buf);
            stash_truncate(img, start);
            return fsi_fail(img, IMAPI_E_DATA_STREAM_READ_FAILURE, e, display, NULL, NULL);
        }
        if (r == 0 || (uint64_t)r > want) {
            free(buf);
            stash_truncate(img, start);
            char exp[32], got[32];
            snprintf(exp, sizeof exp, "%llu", (unsigned long long)size);
            snprintf(got, sizeof got, "%llu", (unsigned long long)(done + (uint64_t)r));
            return fsi_fail(img, IMAPI_E_DATA_STREAM_INCONSISTENCY, 0, display, exp, got);
        }
        for (size_t w = 0; w < (size_t)r;) {
            ssize_t k = pwrite(img->stash_fd, buf + w, (size_t)r - w, (off_t)(start + done + w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                int e = k < 0 ? errno : ENOSPC;
                free(buf);
                return write_fail(img, e, start);
            }
            w += (size_t)k;
        }
        done += (uint64_t)r;
    }
    free(buf);
    img->stash_size = start + size;
    *at = start;
    return FSI_S_OK;
}

fsi_hresult stash_host_file(fsi_image *img, int fd, uint64_t size, const char *display,
                            uint64_t *at)
{
    return stash_append(img, fd, NULL, NULL, size, display, at);
}

fsi_hresult stash_callback(fsi_image *img, fsi_read_fn rd, void *ctx, uint64_t size,
                           const char *display, uint64_t *at)
{
    return stash_append(img, -1, rd, ctx, size, display, at);
}

void stash_truncate(fsi_image *img, uint64_t size)
{
    /* <= too: a failed append has written past stash_size already. */
    if (img->stash_fd >= 0 && size <= img->stash_size && ftruncate(img->stash_fd, (off_t)size) == 0)
        img->stash_size = size;
}

int64_t stash_read(const fsi_image *img, uint64_t at, void *buf, size_t len)
{
    if (fault("stash-read")) {
        errno = EIO;
        return -1;
    }
    ssize_t r;
    do
        r = pread(img->stash_fd, buf, len, (off_t)at);
    while (r < 0 && errno == EINTR);
    return r;
}

void stash_close(fsi_image *img)
{
    if (img->stash_fd >= 0)
        close(img->stash_fd);
    img->stash_fd = -1;
    img->stash_size = 0;
}

/* ---- the public properties ---- */

FSI_API fsi_hresult fsi_image_set_stage_files(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->stage = on;
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_stage_files(const fsi_image *img)
{
    return img && img->stage;
}

FSI_API const char *fsi_image_get_working_dir(const fsi_image *img)
{
    if (!img)
        return NULL;
    return stash_dir(img);
}

/* Copy the whole stash into a new one in dir (to move it there). */
static fsi_hresult stash_move(fsi_image *img, const char *dir)
{
    int fd = fault("stash-move") ? (errno = EIO, -1) : stash_create(dir);
    if (fd < 0)
        return fsi_fail(img, IMAPI_E_STASHFILE_MOVE, errno, dir, NULL, NULL);
    uint64_t done = 0;
    int err = 0;
    while (done < img->stash_size) {
        loff_t in = (loff_t)done, out = (loff_t)done;
        ssize_t r = copy_file_range(img->stash_fd, &in, fd, &out,
                                    (size_t)(img->stash_size - done), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0) {
            done += (uint64_t)r;
            continue;
        }
        /* Refused across file systems on old kernels: copy by hand. */
        static uint8_t buf[1 << 16];
        ssize_t k = pread(img->stash_fd, buf, sizeof buf, (off_t)done);
        if (k <= 0 || pwrite(fd, buf, (size_t)k, (off_t)done) != k) {
            err = k < 0 || errno ? errno : EIO;
            break;
        }
        done += (uint64_t)k;
    }
    if (err) {
        close(fd);
        return fsi_fail(img, IMAPI_E_STASHFILE_MOVE, err, dir, NULL, NULL);
    }
    close(img->stash_fd);
    img->stash_fd = fd;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_working_dir(fsi_image *img, const char *dir)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!dir || !*dir)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "dir", NULL, NULL);
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    struct stat st;
    if (stat(dir, &st) != 0)
        return fsi_fail(img, IMAPI_E_INVALID_WORKING_DIRECTORY, errno, dir, NULL, NULL);
    if (!S_ISDIR(st.st_mode))
        return fsi_fail(img, IMAPI_E_INVALID_WORKING_DIRECTORY, ENOTDIR, dir, NULL, NULL);
    if (access(dir, W_OK | X_OK) != 0)
        return fsi_fail(img, IMAPI_E_INVALID_WORKING_DIRECTORY, errno, dir, NULL, NULL);
    struct statvfs vfs;
    if (img->stash_size > 0 && statvfs(dir, &vfs) == 0) {
        uint64_t avail = fault("stash-space") ? 0 : (uint64_t)vfs.f_bavail * vfs.f_frsize;
        if (avail < img->stash_size) {
            char a[32], need[32];
            snprintf(a, sizeof a, "%llu", (unsigned long long)avail);
            snprintf(need, sizeof need, "%llu", (unsigned long long)img->stash_size);
            return fsi_fail(img, IMAPI_E_WORKING_DIRECTORY_SPACE, 0, dir, a, need);
        }
    }
    char *copy = strdup(dir);
    if (!copy)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (img->stash_fd >= 0) {
        hr = stash_move(img, dir);
        if (FSI_FAILED(hr)) {
            free(copy);
            return hr;
        }
    }
    free(img->work_dir);
    img->work_dir = copy;
    return FSI_S_OK;
}
