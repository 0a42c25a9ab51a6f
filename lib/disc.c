/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * disc.c - an existing image to read (IMAPI's disc, IIsoImageManager):
 * where its bytes come from, failures and findings of the readers, and
 * the questions asked of the whole disc (validate, identify, volume
 * facts, sessions, boot entries).
 */
#include "config.h"
#include "internal.h"
#include "reader.h"
#include "session_mark.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>   /* BLKGETSIZE64 */
#endif

static void disc_store(fsi_disc *d, fsi_hresult hr, const char *const *ins, size_t nins,
                       const char *extra, int err);

static fsi_disc *disc_alloc(void)
{
    fsi_disc *d = calloc(1, sizeof *d);
    if (d) {
        d->refs = 1;
        d->fd = -1;
    }
    return d;
}

int rd_fd_size(int fd, uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
#ifdef BLKGETSIZE64
    if (S_ISBLK(st.st_mode)) {
        uint64_t n = 0;
        if (ioctl(fd, BLKGETSIZE64, &n) != 0)
            return -1;
        *size = n;
        return 0;
    }
#endif
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;   /* pipes cannot be read at random */
    return -1;
}

FSI_API fsi_hresult fsi_disc_new(fsi_disc **out)
{
    if (!out)
        return FSI_E_POINTER;
    *out = disc_alloc();
    return *out ? FSI_S_OK : FSI_E_OUTOFMEMORY;
}

/* Forget the image the disc had (SetPath and SetStream replace it). */
static void disc_drop_source(fsi_disc *d)
{
    if (d->fd >= 0)
        close(d->fd);
    if (d->free_ctx)
        d->free_ctx(d->ctx);
    free(d->path);
    d->fd = -1;
    d->read = NULL;
    d->ctx = NULL;
    d->free_ctx = NULL;
    d->path = NULL;
    d->size = 0;
}

FSI_API fsi_hresult fsi_disc_set_path(fsi_disc *d, const char *path)
{
    if (!d)
        return FSI_E_POINTER;
    if (!path || !*path)
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_NO_IMAGE, NULL, NULL, "the path is empty");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint64_t size = 0;
    if (fd < 0 || rd_fd_size(fd, &size) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        const char *ins[1] = { "0" };
        size_t n = strlen(path) + 32;
        char *x = malloc(n);
        if (x)
            snprintf(x, n, "cannot open '%s'", path);
        disc_store(d, IMAPI_E_IMPORT_READ_FAILURE, ins, 1, x, e);
        free(x);
        return IMAPI_E_IMPORT_READ_FAILURE;
    }
    char *p = strdup(path);
    if (!p) {
        close(fd);
        return FSI_E_OUTOFMEMORY;
    }
    disc_drop_source(d);
    d->fd = fd;
    d->size = size;
    d->path = p;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_set_fd(fsi_disc *d, int fd)
{
    if (!d)
        return FSI_E_POINTER;
    uint64_t size = 0;
    int nfd = -1;
    if (fd < 0 || rd_fd_size(fd, &size) != 0 || (nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0) {
        int e = fd < 0 ? EBADF : errno;
        const char *ins[1] = { "0" };
        disc_store(d, IMAPI_E_IMPORT_READ_FAILURE, ins, 1, "cannot read the descriptor", e);
        return IMAPI_E_IMPORT_READ_FAILURE;
    }
    disc_drop_source(d);
    d->fd = nfd;
    d->size = size;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_set_stream(fsi_disc *d, uint64_t size, fsi_read_fn read, void *ctx,
                                        void (*free_ctx)(void *ctx))
{
    if (!d)
        return FSI_E_POINTER;
    if (!read)
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_NO_IMAGE, NULL, NULL, "no read function");
    disc_drop_source(d);
    d->read = read;
    d->ctx = ctx;
    d->free_ctx = free_ctx;
    d->size = size;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_open(const char *path, fsi_disc **out)
{
    fsi_hresult hr = fsi_disc_new(out);
    if (FSI_SUCCEEDED(hr) && FSI_FAILED(hr = fsi_disc_set_path(*out, path))) {
        fsi_disc_free(*out);
        *out = NULL;
    }
    return hr;
}

FSI_API fsi_hresult fsi_disc_open_stream(uint64_t size, fsi_read_fn read, void *ctx,
                                         void (*free_ctx)(void *ctx), fsi_disc **out)
{
    fsi_hresult hr = fsi_disc_new(out);
    if (FSI_SUCCEEDED(hr) && FSI_FAILED(hr = fsi_disc_set_stream(*out, size, read, ctx, free_ctx))) {
        fsi_disc_free(*out);
        *out = NULL;
    }
    return hr;
}

static bool disc_has_image(const fsi_disc *d)
{
    return d->fd >= 0 || d->read;
}

int rd_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem)
            return -1;
        c *= 2;
    }
    void *n = realloc(*p, c * elem);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

void disc_ref(fsi_disc *d)
{
    d->refs++;
}

FSI_API void fsi_disc_free(fsi_disc *d)
{
    if (!d || --d->refs > 0)
        return;
    disc_drop_source(d);
    free(d->last_msg);
    free(d);
}

FSI_API fsi_hresult fsi_disc_last_code(const fsi_disc *d)
{
    return d ? d->last_code : FSI_S_OK;
}

FSI_API const char *fsi_disc_last_error(const fsi_disc *d)
{
    return d && d->last_msg ? d->last_msg : "";
}

FSI_API const char *fsi_disc_path(const fsi_disc *d)
{
    return d ? d->path : NULL;
}

FSI_API uint64_t fsi_disc_size(const fsi_disc *d)
{
    return d ? d->size : 0;
}

FSI_API int fsi_disc_fd(const fsi_disc *d)
{
    return d ? d->fd : -1;
}

/* ------------------------------------------------------------------ */
/* Failures and findings                                               */
/* ------------------------------------------------------------------ */

static void disc_store(fsi_disc *d, fsi_hresult hr, const char *const *ins, size_t nins,
                       const char *extra, int err)
{
    char *msg = fsi_error_compose(hr, ins, nins, extra, err);
    d->last_code = hr;
    if (msg) {
        free(d->last_msg);
        d->last_msg = msg;
    }
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

fsi_hresult rd_fail(fsi_disc *d, fsi_hresult hr, const char *i1, const char *i2, const char *fmt,
                    ...)
{
    const char *ins[2] = { i1, i2 };
    size_t nins = i2 ? 2 : i1 ? 1 : 0;
    char *x = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        x = vformat(fmt, ap);
        va_end(ap);
    }
    disc_store(d, hr, ins, nins, x, 0);
    free(x);
    return hr;
}

fsi_hresult rd_corrupt(fsi_disc *d, const char *fsname, const char *structure, uint64_t block,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = vformat(fmt, ap);
    va_end(ap);
    char *x = NULL;
    const char *w = what ? what : "malformed";
    size_t n = strlen(structure) + strlen(w) + 64;
    x = malloc(n);
    if (x)
        snprintf(x, n, "%s at block %" PRIu64 ": %s", structure, block, w);
    const char *ins[1] = { fsname };
    disc_store(d, IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR, ins, 1, x ? x : w, 0);
    if (d->finding)
        d->finding(d->finding_ctx, RD_ERROR, fsname, block, x ? x : w);
    free(x);
    free(what);
    return IMAPI_E_FILE_SYSTEM_READ_CONSISTENCY_ERROR;
}

fsi_hresult rd_unsupported(fsi_disc *d, const char *fsname, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = vformat(fmt, ap);
    va_end(ap);
    const char *ins[2] = { fsname, what ? what : "?" };
    disc_store(d, IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED, ins, 2, NULL, 0);
    if (d->finding)
        /* not wrong, only not checked: verify says so without failing */
        d->finding(d->finding_ctx, RD_WARNING, fsname, 0, d->last_msg ? d->last_msg : "");
    free(what);
    return IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED;
}

void rd_warn(fsi_disc *d, const char *fsname, uint64_t block, const char *fmt, ...)
{
    if (!d->finding)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *what = vformat(fmt, ap);
    va_end(ap);
    d->finding(d->finding_ctx, RD_WARNING, fsname, block, what ? what : "?");
    free(what);
}

/* ------------------------------------------------------------------ */
/* Reading bytes                                                       */
/* ------------------------------------------------------------------ */

static fsi_hresult read_fail(fsi_disc *d, fsi_hresult hr, uint64_t off, int err)
{
    char blk[32];
    snprintf(blk, sizeof blk, "%" PRIu64, off / RD_BLOCK);
    const char *ins[1] = { blk };
    disc_store(d, hr, ins, 1, NULL, err);
    return hr;
}

fsi_hresult rd_read(fsi_disc *d, uint64_t off, void *buf, size_t len)
{
    if (len == 0)
        return FSI_S_OK;
    if (off > d->size || len > d->size - off)
        return read_fail(d, IMAPI_E_IMPORT_SEEK_FAILURE, off > d->size ? off : d->size, 0);
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n;
        if (d->fd >= 0) {
            n = pread(d->fd, p, len, (off_t)off);
            if (n < 0 && errno == EINTR)
                continue;
        } else {
            int64_t r = d->read(d->ctx, off, p, len);
            n = r < 0 ? -1 : (ssize_t)r;
            if (r > (int64_t)len)
                n = -1, errno = EIO;
        }
        if (n < 0)
            return read_fail(d, IMAPI_E_IMPORT_READ_FAILURE, off, errno ? errno : EIO);
        if (n == 0)   /* shorter than it said: truncated while we read */
            return read_fail(d, IMAPI_E_IMPORT_READ_FAILURE, off, 0);
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return FSI_S_OK;
}

fsi_hresult rd_block(fsi_disc *d, uint64_t block, void *buf)
{
    if (block > UINT64_MAX / RD_BLOCK)
        return read_fail(d, IMAPI_E_IMPORT_SEEK_FAILURE, d->size, 0);
    return rd_read(d, block * RD_BLOCK, buf, RD_BLOCK);
}

FSI_API fsi_hresult fsi_disc_read(fsi_disc *d, const fsi_extent *ext, size_t n, uint64_t offset,
                                  void *buf, size_t len, size_t *got)
{
    if (got)
        *got = 0;
    if (!d || (!ext && n) || (!buf && len))
        return IMAPI_E_INVALID_PARAM;
    size_t done = 0;
    uint64_t pos = 0;   /* file offset where extent i starts */
    for (size_t i = 0; i < n && done < len; i++) {
        uint64_t elen = ext[i].length, at = offset + done;
        if (at >= pos + elen) {
            pos += elen;
            continue;
        }
        uint64_t within = at - pos, take = elen - within;
        if (take > len - done)
            take = len - done;
        uint8_t *dst = (uint8_t *)buf + done;
        if (ext[i].offset == FSI_EXTENT_HOLE) {
            memset(dst, 0, (size_t)take);
        } else {
            if (ext[i].offset > UINT64_MAX - within)
                return read_fail(d, IMAPI_E_IMPORT_SEEK_FAILURE, d->size, 0);
            fsi_hresult hr = rd_read(d, ext[i].offset + within, dst, (size_t)take);
            if (FSI_FAILED(hr)) {
                if (got)
                    *got = done;
                return hr;
            }
        }
        done += (size_t)take;
        pos += elen;
    }
    if (got)
        *got = done;
    return FSI_S_OK;
}

/* ------------------------------------------------------------------ */
/* The whole disc                                                      */
/* ------------------------------------------------------------------ */

const struct rd_reader *rd_reader_for(unsigned fs)
{
    switch (fs) {
    case FSI_FS_ISO9660: return &rd_iso9660;
    case FSI_FS_JOLIET: return &rd_joliet;
    case FSI_FS_UDF: return &rd_udf;
    }
    return NULL;
}

bool rd_vd_known(const uint8_t *b, bool *volume)
{
    static const char *const ids[] = { "CD001", "BEA01", "NSR02", "NSR03", "TEA01", "BOOT2",
                                       "CDW02" };
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        if (!memcmp(b + 1, ids[i], 5)) {
            /* a primary ISO9660 descriptor or a UDF NSR descriptor is a volume */
            if (volume && ((i == 0 && b[0] == 1 && b[6] == 1) || i == 2 || i == 3))
                *volume = true;
            return true;
        }
    return false;
}

FSI_API fsi_hresult fsi_disc_validate(fsi_disc *d)
{
    if (!d)
        return IMAPI_E_IMAGEMANAGER_NO_IMAGE;
    if (!disc_has_image(d))
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_NO_IMAGE, NULL, NULL, NULL);
    if (d->size % RD_BLOCK) {
        char sz[32];
        snprintf(sz, sizeof sz, "%" PRIu64 " bytes", d->size);
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_IMAGE_NOT_ALIGNED, NULL, NULL, "it has %s", sz);
    }
    if (d->size / RD_BLOCK > 0x7FFFFFFFu)
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_IMAGE_TOO_BIG, NULL, NULL, "it has %" PRIu64
                       " blocks", d->size / RD_BLOCK);
    uint8_t b[RD_BLOCK];
    bool valid = false;
    /* The recognition sequence: consecutive known descriptors from 16. */
    for (uint64_t blk = 16; blk < 16 + 256 && blk < rd_blocks(d); blk++) {
        fsi_hresult hr = rd_block(d, blk, b);
        if (FSI_FAILED(hr))
            return hr;
        if (!rd_vd_known(b, &valid))
            break;
    }
    if (!valid)
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_NO_VALID_VD_FOUND, NULL, NULL,
                       "none of blocks 16 on holds an ISO9660 primary or a UDF NSR descriptor");
    return FSI_S_OK;
}

/* Whether the first MiB (or the whole of a smaller disc) is zeros. */
static fsi_hresult disc_blank(fsi_disc *d, bool *blank)
{
    uint8_t b[RD_BLOCK];
    uint64_t end = d->size < (1u << 20) ? d->size : (1u << 20);
    *blank = true;
    for (uint64_t off = 0; off < end; off += RD_BLOCK) {
        size_t n = end - off < RD_BLOCK ? (size_t)(end - off) : RD_BLOCK;
        fsi_hresult hr = rd_read(d, off, b, n);
        if (FSI_FAILED(hr))
            return hr;
        for (size_t i = 0; i < n; i++)
            if (b[i]) {
                *blank = false;
                return FSI_S_OK;
            }
    }
    return FSI_S_OK;
}

/* Open one reader; FILE_SYSTEM_NOT_FOUND is returned unrecorded. */
fsi_hresult disc_open_view(fsi_disc *d, unsigned fs, unsigned flags, void **view,
                           fsi_volume_info *vol, struct rd_dirref *root)
{
    const struct rd_reader *r = rd_reader_for(fs);
    if (!r)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "fs", NULL,
                       "one of ISO9660 (1), Joliet (2) or UDF (4)");
    memset(vol, 0, sizeof *vol);
    memset(root, 0, sizeof *root);
    *view = NULL;
    fsi_hresult hr = r->open(d, flags, view, vol, root);
    if (FSI_SUCCEEDED(hr))
        vol->fs = fs;
    return hr;
}

FSI_API fsi_hresult fsi_disc_identify(fsi_disc *d, unsigned *fs)
{
    if (!d || !fs)
        return FSI_E_POINTER;
    *fs = FSI_FS_NONE;
    if (!disc_has_image(d))
        return rd_fail(d, IMAPI_E_IMAGEMANAGER_NO_IMAGE, NULL, NULL, NULL);
    if (d->size < RD_BLOCK)
        return rd_fail(d, IMAPI_E_EMPTY_DISC, NULL, NULL, "it holds %" PRIu64 " bytes", d->size);
    static const unsigned order[] = { FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF };
    unsigned found = 0;
    for (size_t i = 0; i < 3; i++) {
        void *view;
        fsi_volume_info vol;
        struct rd_dirref root;
        fsi_hresult hr = disc_open_view(d, order[i], 0, &view, &vol, &root);
        if (hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND)
            continue;
        if (hr == IMAPI_E_IMPORT_READ_FAILURE)
            return hr;
        /* Present, even if broken: import then says what is wrong. */
        found |= order[i];
        if (FSI_SUCCEEDED(hr))
            rd_reader_for(order[i])->close(view);
    }
    if (!found) {
        bool blank;
        fsi_hresult hr = disc_blank(d, &blank);
        if (FSI_FAILED(hr))
            return hr;
        if (blank)
            return rd_fail(d, IMAPI_E_EMPTY_DISC, NULL, NULL, "its first blocks are all zeros");
        found = FSI_FS_UNKNOWN;
    }
    *fs = found;
    d->last_code = FSI_S_OK;
    return FSI_S_OK;
}

FSI_API unsigned fsi_default_fs_for_import(unsigned fs)
{
    if (fs & FSI_FS_UDF)
        return FSI_FS_UDF;
    if (fs & FSI_FS_ISO9660)
        return FSI_FS_ISO9660;   /* with Rock Ridge when present, else still the plainest */
    if (fs & FSI_FS_JOLIET)
        return FSI_FS_JOLIET;
    return FSI_FS_NONE;
}

/* The default file system of what the disc holds: Rock Ridge counts for
 * ISO9660, which otherwise comes after Joliet (long names, case). */
fsi_hresult disc_default_fs(fsi_disc *d, unsigned *fs)
{
    unsigned have;
    fsi_hresult hr = fsi_disc_identify(d, &have);
    if (FSI_FAILED(hr))
        return hr;
    if (!(have & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF)))
        return rd_fail(d, IMAPI_E_NO_SUPPORTED_FILE_SYSTEM, NULL, NULL,
                       "no ISO9660, Joliet or UDF volume in the last session");
    if (have & FSI_FS_UDF) {
        *fs = FSI_FS_UDF;
        return FSI_S_OK;
    }
    if ((have & FSI_FS_ISO9660) && (have & FSI_FS_JOLIET)) {
        fsi_volume_info vol;
        void *view;
        struct rd_dirref root;
        hr = disc_open_view(d, FSI_FS_ISO9660, 0, &view, &vol, &root);
        if (FSI_SUCCEEDED(hr)) {
            rd_iso9660.close(view);
            *fs = vol.rock_ridge ? FSI_FS_ISO9660 : FSI_FS_JOLIET;
            return FSI_S_OK;
        }
        *fs = FSI_FS_JOLIET;
        return FSI_S_OK;
    }
    *fs = fsi_default_fs_for_import(have);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_default_fs(fsi_disc *d, unsigned *fs)
{
    if (!d || !fs)
        return FSI_E_POINTER;
    *fs = FSI_FS_NONE;
    return disc_default_fs(d, fs);
}

static bool one_fs(unsigned fs)
{
    return fs == FSI_FS_ISO9660 || fs == FSI_FS_JOLIET || fs == FSI_FS_UDF;
}

FSI_API fsi_hresult fsi_disc_volume_info(fsi_disc *d, unsigned fs, fsi_volume_info *out)
{
    if (!d || !out)
        return FSI_E_POINTER;
    if (!one_fs(fs))
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "fs", NULL,
                       "one of ISO9660 (1), Joliet (2) or UDF (4)");
    void *view;
    struct rd_dirref root;
    fsi_hresult hr = disc_open_view(d, fs, 0, &view, out, &root);
    if (hr == IMAPI_E_FILE_SYSTEM_NOT_FOUND)
        return rd_fail(d, hr, rd_reader_for(fs)->name, NULL, NULL);
    if (FSI_FAILED(hr))
        return hr;
    rd_reader_for(fs)->close(view);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_volume_id(fsi_disc *d, unsigned fs, fsi_volume_id which,
                                       char *buf, size_t size)
{
    /* Offset and size of each field in the descriptor (ECMA-119 8.4). */
    static const uint16_t at[][2] = {
        [FSI_ID_SYSTEM] = {8, 32},           [FSI_ID_VOLUME_SET] = {190, 128},
        [FSI_ID_PUBLISHER] = {318, 128},     [FSI_ID_PREPARER] = {446, 128},
        [FSI_ID_APPLICATION] = {574, 128},   [FSI_ID_COPYRIGHT_FILE] = {702, 37},
        [FSI_ID_ABSTRACT_FILE] = {739, 37},  [FSI_ID_BIBLIO_FILE] = {776, 37},
    };
    if (!d || !buf)
        return FSI_E_POINTER;
    if (size == 0)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "size", NULL, "no room for the text");
    buf[0] = '\0';
    if (fs != FSI_FS_ISO9660 && fs != FSI_FS_JOLIET)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "fs", NULL, "ISO9660 (1) or Joliet (2)");
    if ((unsigned)which > FSI_ID_BIBLIO_FILE)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "which", NULL, "%d is no fsi_volume_id",
                       (int)which);
    /* The reader finds and checks the descriptor. */
    fsi_volume_info vol;
    fsi_hresult hr = fsi_disc_volume_info(d, fs, &vol);
    if (FSI_FAILED(hr))
        return hr;
    uint8_t vd[RD_BLOCK];
    if (FSI_FAILED(hr = rd_block(d, vol.descriptor_block, vd)))
        return hr;
    const uint8_t *p = vd + at[which][0];
    size_t len = at[which][1];
    if (fs == FSI_FS_ISO9660) {
        rd_field(p, len, buf, size);
        return FSI_S_OK;
    }
    /* UCS-2BE, trailing blanks (U+0020, U+0000, or byte-wise spaces) off. */
    char tmp[3 * 64 + 1];
    len &= ~(size_t)1;
    while (len >= 2 && ((p[len - 2] == 0 && (p[len - 1] == ' ' || p[len - 1] == 0)) ||
                        (p[len - 2] == ' ' && p[len - 1] == ' ')))
        len -= 2;
    size_t n = rd_ucs2be_to_utf8(p, len, tmp);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)tmp[n] & 0xC0) == 0x80)
            n--;                                  /* do not split a character */
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return FSI_S_OK;
}

/* Volume space size of the ISO9660 primary descriptor of the session at
 * `start`, 0 if there is none. */
static fsi_hresult session_size(fsi_disc *d, uint64_t start, uint64_t *blocks)
{
    uint8_t b[RD_BLOCK];
    *blocks = 0;
    for (uint64_t i = 16; i < 16 + 64; i++) {
        if (start + i >= rd_blocks(d))
            return FSI_S_OK;
        fsi_hresult hr = rd_block(d, start + i, b);
        if (FSI_FAILED(hr))
            return hr;
        if (memcmp(b + 1, "CD001", 5) != 0 || b[0] == 255)
            return FSI_S_OK;
        if (b[0] == 1) {
            uint64_t vss = (uint64_t)b[80] | (uint64_t)b[81] << 8 | (uint64_t)b[82] << 16 |
                           (uint64_t)b[83] << 24;
            uint64_t root = (uint64_t)b[158] | (uint64_t)b[159] << 8 | (uint64_t)b[160] << 16 |
                            (uint64_t)b[161] << 24;
            /* Session images made for -C (genisoimage, xorriso) number
             * their blocks from the disc's start but count their volume
             * space from their own: a root past the space tells. */
            if (start > 0 && root >= vss)
                vss += start;
            *blocks = vss;
            return FSI_S_OK;
        }
    }
    return FSI_S_OK;
}

/* The primary descriptor of the descriptor set whose first block is
 * `at` (ECMA-119 descriptors, up to 16 of them) into b; *found false if
 * the set has none. */
static fsi_hresult pvd_at(fsi_disc *d, uint64_t at, uint8_t *b, bool *found)
{
    *found = false;
    for (uint64_t i = at; i < at + 16 && i < rd_blocks(d); i++) {
        fsi_hresult hr = rd_block(d, i, b);
        if (FSI_FAILED(hr))
            return hr;
        if (memcmp(b + 1, "CD001", 5) != 0 || b[0] == 255)
            return FSI_S_OK;
        if (b[0] == 1) {
            *found = true;
            return FSI_S_OK;
        }
    }
    return FSI_S_OK;
}

/* The mark of the primary descriptor of the set at block `at` (16 for
 * the head), false if none. */
static fsi_hresult mark_at(fsi_disc *d, uint64_t at, struct session_mark *m, bool *has)
{
    uint8_t b[RD_BLOCK];
    bool found;
    fsi_hresult hr = pvd_at(d, at, b, &found);
    *has = FSI_SUCCEEDED(hr) && found && session_mark_get(b, m);
    return hr;
}

/* Sessions chained by their volume space sizes, from the descriptor set
 * at first + 16 (0, or where an appended image keeps its first session's
 * set), up to block `limit` (exclusive; 0: no limit). */
static fsi_hresult walk_forward(fsi_disc *d, uint64_t first, uint64_t limit, uint64_t *starts,
                                size_t max, size_t *count, uint64_t *last)
{
    uint64_t start = first;
    *last = first;
    /* A session's volume space counts from block 0, so it ends where the
     * next one may start (rounded up as writers pad: 16 or 32 blocks). */
    for (size_t n = 0; n < 1000; n++) {
        uint64_t end;
        fsi_hresult hr = session_size(d, start, &end);
        if (FSI_FAILED(hr))
            return hr;
        if (end == 0 && n > 0)
            break;
        if (n < max)
            starts[n] = start;
        (*count)++;
        *last = start;
        /* The first session's copy lies past the session it describes. */
        if ((end <= start && start != first) || end == 0 || end >= rd_blocks(d))
            break;
        /* Where writers put the next session: right at the end, on the
         * next 16 or 32 blocks (DVD and BD recording units; a few more
         * units for drives that pad), or after a CD's lead-out and
         * lead-in (6,900 blocks; 11,400 after the first session). */
        uint64_t next = 0, cand[2 + 16 + 2];
        size_t nc = 0;
        cand[nc++] = end;
        for (uint64_t u = 1; u <= 16; u++)
            cand[nc++] = ((end + 15) & ~(uint64_t)15) + 16 * (u - 1);
        cand[nc++] = end + 6900;
        cand[nc++] = end + 11400;
        for (size_t i = 0; i < nc && !next; i++) {
            uint64_t s;
            if (cand[i] <= start || (limit && cand[i] >= limit))
                continue;
            hr = session_size(d, cand[i], &s);
            if (FSI_FAILED(hr))
                return hr;
            if (s <= cand[i])  /* no descriptor set whose volume ends past its start */
                continue;
            /* A session appended in place counts once the head names it
             * (append.c rewrites the head last): before, readers of the
             * head see the session before it, and so do we. */
            struct session_mark m;
            bool marked;
            if (FSI_FAILED(hr = mark_at(d, cand[i] + 16, &m, &marked)))
                return hr;
            if (!(marked && m.self == cand[i] && !limit))
                next = cand[i];
        }
        if (!next)
            break;
        start = next;
    }
    return FSI_S_OK;
}

fsi_hresult rd_session_end(fsi_disc *d, uint64_t start, uint64_t *end)
{
    return session_size(d, start, end);
}

fsi_hresult rd_head_mark(fsi_disc *d, struct session_mark *m, bool *has)
{
    return mark_at(d, 16, m, has);
}

/* The root directory's block in the primary descriptor of the set at
 * `at` + 16, 0 if none. */
static fsi_hresult root_at(fsi_disc *d, uint64_t at, uint64_t *root)
{
    uint8_t b[RD_BLOCK];
    bool found;
    fsi_hresult hr = pvd_at(d, at + 16, b, &found);
    *root = FSI_SUCCEEDED(hr) && found ? (uint64_t)b[158] | (uint64_t)b[159] << 8 |
                                             (uint64_t)b[160] << 16 | (uint64_t)b[161] << 24
                                       : 0;
    return hr;
}

/* xorriso's emulated table of contents (an image it grew in place, -dev):
 * the sessions start at block 32 (each with its own descriptors at its
 * start), chained by their sizes, and the head at 16 is a copy of the
 * last one's.  Taken only when that chain ends at the session the head
 * copies; *count stays 0 otherwise. */
static fsi_hresult xorriso_toc(fsi_disc *d, uint64_t *starts, size_t max, size_t *count)
{
    uint64_t head, first, last, root;
    size_t n = 0;
    fsi_hresult hr = root_at(d, 0, &head);
    if (FSI_SUCCEEDED(hr) && head)
        hr = root_at(d, 32, &first);
    if (FSI_FAILED(hr) || !head || !first)
        return hr;
    hr = walk_forward(d, 32, 0, starts, max, &n, &last);
    if (FSI_SUCCEEDED(hr))
        hr = root_at(d, last, &root);
    if (FSI_SUCCEEDED(hr) && root == head && last >= 32)
        *count = n;
    return hr;
}

FSI_API fsi_hresult fsi_disc_sessions(fsi_disc *d, uint64_t *starts, size_t max, size_t *count)
{
    if (!d || !count || (!starts && max))
        return FSI_E_POINTER;
    *count = 0;
    struct session_mark head;
    bool marked;
    fsi_hresult hr = mark_at(d, 16, &head, &marked);
    if (FSI_FAILED(hr))
        return hr;
    uint64_t last;
    if (!marked) {
        hr = xorriso_toc(d, starts, max, count);
        if (FSI_FAILED(hr) || *count)
            return hr;
        return walk_forward(d, 0, 0, starts, max, count, &last);
    }
    /* Appended in place (append.c): the head is a copy of the last
     * session's set, the first session's set lies at head.copy + 16, and
     * every appended session's set names the one before it.  The chain
     * from the first session finds the sessions other writers added;
     * the marks find ours even where a gap hides them from the chain. */
    hr = walk_forward(d, head.copy, head.self, starts, max, count, &last);
    if (FSI_FAILED(hr))
        return hr;
    size_t n = *count;
    uint64_t back[64];
    size_t nb = 0;
    struct session_mark m = head;
    for (;;) {
        if (nb == sizeof back / sizeof *back)
            break;                  /* older ones: the chain above has them */
        back[nb++] = m.self;
        if (m.prev <= last || m.prev == 0)
            break;
        uint64_t at = m.prev;
        bool has;
        if (FSI_FAILED(hr = mark_at(d, at + 16, &m, &has)))
            return hr;
        if (!has || m.self != at)
            break;                  /* another writer's session: the chain found it */
    }
    for (size_t i = nb; i-- > 0;) {
        if (n < max)
            starts[n] = back[i];
        n++;
    }
    *count = n;
    return FSI_S_OK;
}

/* The start of session n (1 = the first; 0 = the last) into *start;
 * *count gets the number of sessions. */
static fsi_hresult session_start(fsi_disc *d, size_t n, uint64_t *start, size_t *count)
{
    uint64_t few[16];
    *start = 0;
    fsi_hresult hr = fsi_disc_sessions(d, few, 16, count);
    if (FSI_FAILED(hr) || *count == 0 || n > *count)
        return hr;
    size_t k = n ? n : *count;
    if (k <= 16) {
        *start = few[k - 1];
        return FSI_S_OK;
    }
    /* Many sessions: each is at least a descriptor set, so their number is
     * bounded by the disc's size. */
    uint64_t *all = k <= rd_blocks(d) ? malloc(k * sizeof *all) : NULL;
    if (!all)
        return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "out of memory listing sessions");
    size_t m = 0;
    hr = fsi_disc_sessions(d, all, k, &m);
    if (!FSI_FAILED(hr) && m > 0)
        *start = all[(m < k ? m : k) - 1];
    free(all);
    return hr;
}

FSI_API fsi_hresult fsi_disc_set_session(fsi_disc *d, size_t n)
{
    if (!d)
        return FSI_E_POINTER;
    d->last_session_known = false;
    if (n == 0)
        return FSI_S_OK;
    uint64_t start;
    size_t count = 0;
    fsi_hresult hr = session_start(d, n, &start, &count);
    if (FSI_FAILED(hr))
        return hr;
    if (n > count)
        return rd_fail(d, IMAPI_E_INVALID_PARAM, "session", NULL,
                       "session %zu: the disc holds %zu", n, count);
    d->last_session = start;
    d->last_session_known = true;
    return FSI_S_OK;
}

fsi_hresult rd_last_session(fsi_disc *d, uint64_t *last)
{
    if (!d->last_session_known) {
        size_t count;
        fsi_hresult hr = session_start(d, 0, &d->last_session, &count);
        if (FSI_FAILED(hr))
            return hr;
        d->last_session_known = true;
    }
    *last = d->last_session;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_disc_boot_entries(fsi_disc *d, uint32_t *catalog_block,
                                          fsi_disc_boot_entry *out, size_t max, size_t *count)
{
    if (!d || !catalog_block || !count || (!out && max))
        return FSI_E_POINTER;
    return rd_eltorito(d, catalog_block, out, max, count);
}

FSI_API bool fsi_name_is_safe(const char *name, size_t len)
{
    if (!name || len == 0)
        return false;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return false;
    return memchr(name, '/', len) == NULL && memchr(name, '\0', len) == NULL;
}
