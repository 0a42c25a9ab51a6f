/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * append.c - a new session appended to an image file or block device in
 * place (IMAPI's IMultisessionRandomWrite), crash-safe.
 *
 * The session is a session image (layout.c numbers its blocks from the
 * next writable address, files of the image keep their blocks) written
 * after everything the image holds.  Its order makes every moment safe:
 *   1. the session's bytes, with its own descriptor set held back
 *      (zeros), then fsync: no reader sees a session yet;
 *   2. its descriptor set at nwa + 16, fsync: now a session (readers of
 *      the head at 16 still open the old one);
 *   3. the head: blocks 16.. get a copy of that set, fsync: readers open
 *      the new session.
 * Block 16 on is never part of a file's data, so nothing of an older
 * session is lost: the first time, the image's own first set is kept in
 * the new session's system area (blocks nwa..nwa+15, as the set of a
 * session starting at nwa - 16), and the mark in each new set
 * (session_mark.h) says where, so earlier sessions stay readable.
 */
#include "config.h"
#include "append.h"
#include "output.h"
#include "reader.h"
#include "sysarea.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void append_state_free(struct append_state *a)
{
    if (a) {
        free(a->first_set);
        free(a->sys);
        free(a);
    }
}

void append_system_area(const struct layout *lay, uint64_t block, uint8_t *buf, uint32_t n)
{
    const struct append_state *a = lay->img->ms_app;
    if (!a || !a->first_set)
        return;
    for (uint32_t i = 0; i < n; i++)
        if (block + i >= lay->base && block + i < lay->base + APPEND_HEAD_BLOCKS)
            memcpy(buf + (size_t)i * FSI_BLOCK,
                   a->first_set + (size_t)(block + i - lay->base) * FSI_BLOCK, FSI_BLOCK);
}

/* FNV-1a: the head as it was, to see whether it changed. */
static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* The head of an image of `size` bytes: what it has of blocks 0-31, and
 * block 256 (a UDF anchor) if it has one; *n extents, their bytes. */
static size_t head_extents(uint64_t size, fsi_extent ext[2], size_t *n)
{
    ext[0] = (fsi_extent){0, size < 32 * FSI_BLOCK ? size : 32 * FSI_BLOCK};
    *n = 1;
    if (size >= 257 * FSI_BLOCK)
        ext[(*n)++] = (fsi_extent){256 * FSI_BLOCK, FSI_BLOCK};
    return (size_t)(ext[0].length + (*n > 1 ? FSI_BLOCK : 0));
}

/* Descriptor blocks at the start of buf (n blocks): the recognition
 * sequence's known descriptors, contiguous, through the last one. */
static uint32_t vd_count(const uint8_t *buf, uint32_t n)
{
    uint32_t k = 0;
    while (k < n && rd_vd_known(buf + (size_t)k * FSI_BLOCK, NULL))
        k++;
    return k;
}

/* The El Torito boot record among k descriptor blocks, or NULL. */
static const uint8_t *boot_record(const uint8_t *buf, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        const uint8_t *b = buf + (size_t)i * FSI_BLOCK;
        if (b[0] == 0 && !memcmp(b + 1, "CD001", 5))
            return b;
    }
    return NULL;
}

static fsi_hresult disc_failure(fsi_image *img, fsi_disc *d, fsi_hresult hr)
{
    return fsi_fail_copy(img, hr, fsi_disc_last_error(d));
}

/* ---- the kept boot record ---- */

fsi_hresult session_kept_boot(struct layout *lay)
{
    fsi_image *img = lay->img;
    fsi_disc *d = img->ms_disc;
    uint64_t s = 0;
    uint8_t *set = malloc(16 * FSI_BLOCK);
    if (!set)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    fsi_hresult hr = rd_last_session(d, &s);
    uint64_t n = 16;
    if (FSI_SUCCEEDED(hr) && s + 32 > fsi_disc_size(d) / FSI_BLOCK)
        n = fsi_disc_size(d) / FSI_BLOCK > s + 16 ? fsi_disc_size(d) / FSI_BLOCK - s - 16 : 0;
    if (FSI_SUCCEEDED(hr) && n)
        hr = fsi_disc_read(d, &(fsi_extent){(s + 16) * FSI_BLOCK, n * FSI_BLOCK}, 1, 0, set,
                           (size_t)n * FSI_BLOCK, NULL);
    if (FSI_FAILED(hr)) {
        free(set);
        return disc_failure(img, d, hr);
    }
    const uint8_t *br = boot_record(set, vd_count(set, (uint32_t)n));
    if (br && br != set + FSI_BLOCK)
        hr = fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                       "the El Torito boot record of the previous session is not at its block "
                       "17, where a new session would keep it");
    else if (br && (lay->kept_br = malloc(FSI_BLOCK)) != NULL)
        memcpy(lay->kept_br, br, FSI_BLOCK);
    else if (br)
        hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    free(set);
    return hr;
}

static fsi_hresult keep_place(struct layout *lay, void *self, enum layout_phase ph)
{
    (void)self;
    uint64_t b;
    if (ph != PHASE_VD)
        return FSI_S_OK;
    fsi_hresult hr = layout_alloc(lay, 0, 1, &b);
    if (FSI_SUCCEEDED(hr) && b != lay->base + 17)
        hr = fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL,
                       "the kept boot record landed at block %llu, not %llu",
                       (unsigned long long)b, (unsigned long long)lay->base + 17);
    return hr;
}

static fsi_hresult keep_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                                uint8_t *buf, uint32_t n)
{
    (void)self, (void)tag, (void)block, (void)n;
    memcpy(buf, lay->kept_br, FSI_BLOCK);
    return FSI_S_OK;
}

static void keep_destroy(void *self)
{
    (void)self;
}

const struct writer_ops append_boot_ops = {
    .name = "kept El Torito boot record",
    .place = keep_place,
    .produce = keep_produce,
    .destroy = keep_destroy,
};

/* ---- a hybrid image's GPT, moved to the new end ---- */

bool append_gpt_wanted(const struct layout *lay)
{
    const struct append_state *a = lay->img->ms_app;
    /* UDF's closing anchor must end the image: its GPT then stays as it
     * was (valid, over the sessions before). */
    return a && lay->img->ms_disc && (a->grow & SYSAREA_GROW_GPT) && !(lay->fs & FSI_FS_UDF);
}

static fsi_hresult gpt_place(struct layout *lay, void *self, enum layout_phase ph)
{
    (void)self;
    uint64_t b;
    return ph == PHASE_TAIL ? layout_alloc(lay, 0, lay->img->ms_app->gpt_tail, &b) : FSI_S_OK;
}

/* The head and tail for the image's new end; tail: a->gpt_tail blocks. */
static uint8_t *grown_head(const struct layout *lay, uint8_t *tail, size_t *changed)
{
    const struct append_state *a = lay->img->ms_app;
    uint8_t *head = malloc(16 * FSI_BLOCK);
    if (head) {
        memcpy(head, a->sys, 16 * FSI_BLOCK);
        sysarea_grow(head, 16 * FSI_BLOCK, a->old_sectors, lay->total_blocks * 4,
                     append_gpt_wanted(lay), tail, a->gpt_tail, changed);
    }
    return head;
}

static fsi_hresult gpt_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                               uint8_t *buf, uint32_t n)
{
    (void)self, (void)tag;
    uint8_t *tail = malloc((size_t)lay->img->ms_app->gpt_tail * FSI_BLOCK);
    size_t changed;
    uint8_t *head = tail ? grown_head(lay, tail, &changed) : NULL;
    if (head)
        memcpy(buf, tail + block * FSI_BLOCK, (size_t)n * FSI_BLOCK);
    free(head);
    free(tail);
    return head ? FSI_S_OK : fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
}

const struct writer_ops append_gpt_ops = {
    .name = "backup GPT of the grown image",
    .place = gpt_place,
    .produce = gpt_produce,
    .destroy = keep_destroy,
};

/* A volume at a partition offset (xorriso -partition_offset): an MBR
 * entry from sector 4k whose block k + 16 holds a primary descriptor.
 * A session would not show in that partition's own view. */
static fsi_hresult check_offset(fsi_image *img, fsi_disc *d, const uint8_t *head,
                                const char *name)
{
    uint64_t first[4], last[4];
    if (!sysarea_mbr_read(head, first, last))
        return FSI_S_OK;
    for (int k = 0; k < 4; k++) {
        uint64_t b = first[k] / 4;
        if (!last[k] || !first[k] || first[k] % 4 || b + 17 > fsi_disc_size(d) / FSI_BLOCK)
            continue;
        uint8_t vd[FSI_BLOCK];
        fsi_hresult hr = fsi_disc_read(d, &(fsi_extent){(b + 16) * FSI_BLOCK, FSI_BLOCK}, 1, 0,
                                       vd, FSI_BLOCK, NULL);
        if (FSI_FAILED(hr))
            return disc_failure(img, d, hr);
        if (vd[0] == 1 && !memcmp(vd + 1, "CD001", 5))
            return fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                             "'%s' has a partition offset (a second ISO9660 volume for its "
                             "partition %d, from block %llu): a new session would not show in "
                             "that partition", name, k + 1, (unsigned long long)b);
    }
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_append(fsi_image *img, fsi_disc *disc)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!disc) {
        append_state_free(img->ms_app);
        img->ms_app = NULL;
        return fsi_image_set_multisession(img, NULL, 0);
    }
    const char *name = fsi_disc_path(disc) ? fsi_disc_path(disc) : "the image";
    struct stat st;
    int fd = fsi_disc_fd(disc);
    if (fd < 0 || fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return fsi_failf(img, IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED, 0, NULL, NULL,
                         "'%s' is not a regular file or a block device: a session can be "
                         "appended in place only there (for write-once media, make a session "
                         "image)", name);
    uint64_t size = fsi_disc_size(disc);
    if (size % FSI_BLOCK || size < 18 * FSI_BLOCK)
        return fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                         "'%s' has %" PRIu64 " bytes, not the whole blocks of an image", name,
                         size);
    uint8_t *head = calloc(33, FSI_BLOCK);
    struct append_state *a = calloc(1, sizeof *a);
    if (!head || !a) {
        free(head);
        free(a);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    uint64_t last = 0, end = 0;
    struct session_mark mark;
    bool marked = false;
    fsi_extent hx[2];
    size_t nhx;
    size_t hlen = head_extents(size, hx, &nhx);
    hr = fsi_disc_read(disc, hx, nhx, 0, head, hlen, NULL);
    if (FSI_SUCCEEDED(hr))
        hr = rd_head_mark(disc, &mark, &marked);
    if (FSI_SUCCEEDED(hr))
        hr = rd_last_session(disc, &last);
    if (FSI_SUCCEEDED(hr))
        hr = rd_session_end(disc, last, &end);
    if (FSI_FAILED(hr)) {
        hr = disc_failure(img, disc, hr);
        goto fail;
    }
    a->head_len = vd_count(head + 16 * FSI_BLOCK, APPEND_HEAD_BLOCKS);
    if (end == 0 || a->head_len == 0) {
        hr = fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                       "'%s' has no ISO9660 volume descriptors at block 16 to continue from",
                       name);
        goto fail;
    }
    if (FSI_FAILED(hr = check_offset(img, disc, head, name)))
        goto fail;
    /* After all the file holds (a session cut short by a crash included:
     * its bytes are no session, but nothing is overwritten); a device is
     * as long as it is, so there after the last session. */
    a->blockdev = S_ISBLK(st.st_mode);
    uint64_t at = a->blockdev ? end : size / FSI_BLOCK;
    if (a->blockdev && end > size / FSI_BLOCK) {
        hr = fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                       "the last session of '%s' ends at block %" PRIu64 ", past the device's "
                       "%" PRIu64 " blocks", name, end, size / FSI_BLOCK);
        goto fail;
    }
    at = (at + 15) & ~(uint64_t)15;
    if (marked) {
        a->mark.copy = mark.copy;        /* the first set is kept already */
    } else {
        /* Kept in the new session's system area: the set of a "session"
         * at - 16, whose own system area nobody reads. */
        a->mark.copy = at - 16;
        a->first_set = malloc(APPEND_HEAD_BLOCKS * FSI_BLOCK);
        if (!a->first_set) {
            hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
            goto fail;
        }
        memcpy(a->first_set, head + 16 * FSI_BLOCK, APPEND_HEAD_BLOCKS * FSI_BLOCK);
    }
    /* A hybrid image's MBR and GPT end where the image ends: a file's
     * size, a device's last session. */
    a->old_sectors = (a->blockdev ? end : size / FSI_BLOCK) * 4;
    a->grow = sysarea_grow_probe(head, 16 * FSI_BLOCK, a->old_sectors, &a->gpt_tail);
    if (a->grow && !(a->sys = malloc(16 * FSI_BLOCK))) {
        hr = fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        goto fail;
    }
    if (a->sys)
        memcpy(a->sys, head, 16 * FSI_BLOCK);
    a->mark.self = at;
    a->mark.prev = last;
    a->size = size;
    a->sum = fnv(head, hlen);
    a->dev = st.st_dev;
    a->ino = st.st_ino;
    if (at > UINT32_MAX - 64) {
        hr = fsi_failf(img, IMAPI_E_IMAGE_SIZE_LIMIT, 0, NULL, NULL,
                       "'%s' ends at block %" PRIu64 ": no room for a session below 2^32 blocks",
                       name, at);
        goto fail;
    }
    hr = fsi_image_set_multisession(img, disc, at);
    if (FSI_FAILED(hr))
        goto fail;
    append_state_free(img->ms_app);
    img->ms_app = a;
    free(head);
    return FSI_S_OK;
fail:
    free(head);
    append_state_free(a);
    return hr;
}

/* Write all of len bytes at off. */
static int pwrite_all(int fd, const uint8_t *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return 0;
}

static int pread_all(int fd, uint8_t *p, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return 0;
}

static fsi_hresult io_fail(fsi_image *img, int err, const char *what)
{
    return fsi_failf(img, FSI_E_FAIL, err, NULL, NULL, "appending: cannot %s", what);
}

/* The target is the image set up, unchanged since: else DISC_MISMATCH
 * (another program wrote it; writing now could destroy its data). */
static fsi_hresult check_target(fsi_image *img, const struct append_state *a, int fd,
                                uint64_t *size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return io_fail(img, errno, "stat the image");
    int fl = fcntl(fd, F_GETFL);
    if (!(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) || fl < 0 ||
        (fl & O_ACCMODE) != O_RDWR || (fl & O_APPEND))
        return fsi_failf(img, IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED, 0, NULL, NULL,
                        "%s", "the descriptor must be the image, opened for reading and writing "
                        "(without O_APPEND)");
    if (st.st_dev != a->dev || st.st_ino != a->ino)
        return fsi_failf(img, IMAPI_E_DISC_MISMATCH, 0, NULL, NULL,
                        "%s", "the descriptor is not the image the session continues");
    if (rd_fd_size(fd, size) != 0)
        return io_fail(img, errno, "read the size of the image");
    if (*size != a->size)
        return fsi_failf(img, IMAPI_E_DISC_MISMATCH, 0, NULL, NULL,
                         "the image had %" PRIu64 " bytes when its session was read and has %"
                         PRIu64 " now", a->size, *size);
    uint8_t *head = malloc(33 * FSI_BLOCK);
    if (!head)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    fsi_extent hx[2];
    size_t nhx;
    size_t hlen = head_extents(*size, hx, &nhx);
    int err = 0;
    for (size_t i = 0, at = 0; i < nhx && !err; at += hx[i].length, i++)
        err = pread_all(fd, head + at, (size_t)hx[i].length, hx[i].offset) ? errno : 0;
    uint64_t sum = err ? 0 : fnv(head, hlen);
    free(head);
    if (err)
        return io_fail(img, err, "read the image");
    if (sum != a->sum)
        return fsi_failf(img, IMAPI_E_DISC_MISMATCH, 0, NULL, NULL,
                        "%s", "the image's first 32 blocks or its block 256 changed since its "
                         "session was read");
    return FSI_S_OK;
}

static fsi_hresult grow_tables(const struct layout *lay, int fd)
{
    uint8_t *tail = malloc((size_t)(lay->img->ms_app->gpt_tail + 1) * FSI_BLOCK);
    size_t changed = 0;
    uint8_t *head = tail ? grown_head(lay, tail, &changed) : NULL;
    fsi_hresult hr = FSI_S_OK;
    if (!head)
        hr = fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    else if (changed && (pwrite_all(fd, head, changed, 0) || fsync(fd) != 0))
        hr = io_fail(lay->img, errno, "update the partition tables (the new session is "
                                      "complete; they still describe the image before it)");
    free(head);
    free(tail);
    return hr;
}

FSI_API fsi_hresult fsi_result_append(fsi_result *res, int fd, uint64_t *written)
{
    uint64_t dummy;
    if (!written)
        written = &dummy;
    *written = 0;
    if (!res)
        return IMAPI_E_INVALID_PARAM;
    struct layout *lay = result_layout(res);
    fsi_image *img = lay->img;
    const struct append_state *a = img->ms_app;
    if (!a)
        return fsi_failf(img, IMAPI_E_MULTISESSION_NOT_SET, 0, NULL, NULL,
                        "%s", "the image was not set up to append (fsi_image_set_append)");
    uint64_t size;
    fsi_hresult hr = check_target(img, a, fd, &size);
    if (FSI_FAILED(hr))
        return hr;
    if (a->blockdev && lay->total_blocks > size / FSI_BLOCK)
        return fsi_failf(img, IMAPI_E_IMAGE_SIZE_LIMIT, 0, NULL, NULL,
                         "the session would end at block %" PRIu64 ", past the device's %"
                         PRIu64 " blocks", lay->total_blocks, size / FSI_BLOCK);

    /* The session's own descriptor set, and what of it the head takes. */
    uint8_t *set = calloc(APPEND_HEAD_BLOCKS, FSI_BLOCK);
    if (!set)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    size_t got = 0;
    hr = fsi_result_read(res, 16 * FSI_BLOCK, set, APPEND_HEAD_BLOCKS * FSI_BLOCK, &got);
    uint32_t k = FSI_SUCCEEDED(hr) ? vd_count(set, (uint32_t)(got / FSI_BLOCK)) : 0;
    if (FSI_SUCCEEDED(hr) && (k == 0 || k > a->head_len))
        hr = fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                       "the image's volume descriptors at block 16 take %u blocks, the new "
                       "session's %u: its head cannot be rewritten in place", a->head_len, k);
    if (FSI_FAILED(hr)) {
        free(set);
        return hr;
    }
    /* The head: that set, then zeros over what is left of the old one. */
    memset(set + (size_t)k * FSI_BLOCK, 0, (size_t)(APPEND_HEAD_BLOCKS - k) * FSI_BLOCK);
    /* With UDF, and the session's anchor as the one at 256 (tag location
     * 256: readers check it). */
    uint8_t anchor[FSI_BLOCK];
    bool udf = (lay->fs & FSI_FS_UDF) != 0;
    if (udf) {
        hr = fsi_result_read(res, 256 * FSI_BLOCK, anchor, FSI_BLOCK, &got);
        if (FSI_SUCCEEDED(hr) && (got != FSI_BLOCK || anchor[0] != 2 || anchor[1] != 0))
            hr = fsi_failf(img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL,
                           "the new session has no UDF anchor at its block 256");
        if (FSI_FAILED(hr)) {
            free(set);
            return hr;
        }
        session_mark_le32(anchor + 12, 256);
        uint8_t sum = 0;
        for (int i = 0; i < 16; i++)
            if (i != 4)
                sum = (uint8_t)(sum + anchor[i]);
        anchor[4] = sum;
    }

    /* 0. A file gets its new size first, its space reserved where the
     * file system can: a full disk fails here, before anything is
     * written, and a crash later leaves whole blocks. */
    if (!a->blockdev) {
        off_t from = (off_t)a->size, len = (off_t)(lay->total_blocks * FSI_BLOCK - a->size);
        int e = fallocate(fd, 0, from, len) == 0 ? 0 : errno;
        if (e == EOPNOTSUPP || e == ENOSYS || e == EINVAL)
            e = ftruncate(fd, from + len) == 0 ? 0 : errno;
        if (e) {
            if (ftruncate(fd, (off_t)a->size) != 0) {
                /* the old size back failed too: the extra zeros are no session */
            }
            free(set);
            return fsi_failf(img, FSI_E_FAIL, e, NULL, NULL,
                             "appending: no room for the session's %" PRIu64 " bytes",
                             (uint64_t)len);
        }
    }
    /* 1. The session, its set held back. */
    lay->hold_from = lay->base + 16;
    lay->hold_to = lay->base + 16 + k;
    if (lseek(fd, (off_t)(lay->base * FSI_BLOCK), SEEK_SET) < 0)
        hr = io_fail(img, errno, "seek in the image");
    else
        hr = fsi_result_write_fd(res, fd, written);
    lay->hold_from = lay->hold_to = 0;
    if (FSI_SUCCEEDED(hr) && fsync(fd) != 0)
        hr = io_fail(img, errno, "sync the image");
    /* 2. Its set: from now on a session. */
    if (FSI_SUCCEEDED(hr) &&
        (pwrite_all(fd, set, (size_t)k * FSI_BLOCK, (lay->base + 16) * FSI_BLOCK) ||
         fsync(fd) != 0))
        hr = io_fail(img, errno, "write the session's volume descriptors");
    if (FSI_FAILED(hr)) {
        /* Nothing points at what was written: give a file its old size. */
        if (!a->blockdev && ftruncate(fd, (off_t)a->size) == 0)
            fsync(fd);
        free(set);
        return hr;
    }
    /* 3. The head, in one write (readers see the old set or the new one,
     * block by block), then the UDF anchor; the old session stays whole
     * either way.  A failure puts the old head back where it can, so
     * that every reader still agrees on the old session. */
    uint8_t *old = malloc((size_t)(a->head_len + 1) * FSI_BLOCK);
    if (!old || pread_all(fd, old, (size_t)a->head_len * FSI_BLOCK, 16 * FSI_BLOCK) ||
        (udf && pread_all(fd, old + (size_t)a->head_len * FSI_BLOCK, FSI_BLOCK, 256 * FSI_BLOCK))) {
        hr = io_fail(img, old ? errno : ENOMEM, "read the image's head");
    } else if (pwrite_all(fd, set, (size_t)a->head_len * FSI_BLOCK, 16 * FSI_BLOCK) ||
               (udf && pwrite_all(fd, anchor, FSI_BLOCK, 256 * FSI_BLOCK)) || fsync(fd) != 0) {
        int e = errno;
        bool back = !pwrite_all(fd, old, (size_t)a->head_len * FSI_BLOCK, 16 * FSI_BLOCK) &&
                    (!udf || !pwrite_all(fd, old + (size_t)a->head_len * FSI_BLOCK, FSI_BLOCK,
                                         256 * FSI_BLOCK)) &&
                    fsync(fd) == 0;
        hr = io_fail(img, e, back ? "write the image's head (block 16): it reads as before"
                                  : "write the image's head (block 16); the new session is "
                                    "complete, and earlier sessions are intact");
    }
    free(old);
    free(set);
    /* 4. A hybrid image's MBR and primary GPT, now over the new end (its
     * backup is in the session).  Before this the tables describe the
     * image as it was, which is still whole. */
    if (FSI_SUCCEEDED(hr) && a->grow)
        hr = grow_tables(lay, fd);
    return hr;
}
