/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * output.c - streams a laid-out image to a descriptor, or reads any byte
 * range of it.
 *
 * Writing walks the image once, segment by segment.  Generated blocks,
 * zeros and small files gather in one large buffer, written with few
 * syscalls; a large host file goes straight from its descriptor to the
 * output with copy_file_range (regular file) or splice (pipe), so its
 * bytes never enter user space.  When the kernel refuses either for this
 * pair of descriptors the rest goes through the buffer.  Into a regular
 * file, full buffers are written by a second thread (bgwrite.c) while the
 * next one is filled.
 */
#include "config.h"
#include "append.h"
#include "output.h"
#include "bgwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF (4u << 20)           /* bytes gathered per write() */
#define ZC_MIN (256u << 10)          /* AUTO: smaller files go through the buffer */
#define SPLICE_CHUNK (1u << 30)
#define ZC_PROGRESS_CHUNK (64u << 20)    /* zero-copy step when reporting progress */
#define BG_MIN (4 * (uint64_t)OUT_BUF)   /* smaller images are written synchronously */
#define PROGRESS_STEP (1u << 20)         /* buffered reads between progress reports */

void src_cur_close(struct src_cur *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->item = 0;
    c->seen = false;
}

void src_cur_done(struct src_cur *c)
{
    src_cur_close(c);
    if (c->dir.fd >= 0)
        close(c->dir.fd);
    c->dir.fd = -1;
}

static void src_cur_set(struct src_cur *c, fsi_item item)
{
    if (c->item != item) {
        src_cur_close(c);
        c->item = item;
    }
}

/* Record a source failure on the image, naming the item: a read error
 * (err != 0) is the stash's when the data is staged, else the source's;
 * err == 0 means the source no longer has `size` bytes (`found`). */
static fsi_hresult src_fail(struct layout *lay, fsi_item item, int err, uint64_t found)
{
    char *path = layout_item_path(lay, item);
    const char *p = path ? path : "?";
    fsi_hresult hr;
    if (err && source_is_stash(lay->img, item))
        hr = fsi_failf(lay->img, IMAPI_E_STASHFILE_READ_FAILURE, err, stash_dir(lay->img), NULL,
                       "reading the staged data of '%s'", p);
    else if (err)
        hr = fsi_fail(lay->img, IMAPI_E_DATA_STREAM_READ_FAILURE, err, p, NULL, NULL);
    else {
        char exp[32], got[32];
        snprintf(exp, sizeof exp, "%llu", (unsigned long long)lay->img->nodes[item].size);
        snprintf(got, sizeof got, "%llu", (unsigned long long)found);
        hr = fsi_fail(lay->img, IMAPI_E_DATA_STREAM_INCONSISTENCY, 0, p, exp, got);
    }
    free(path);
    return hr;
}

/* The size of the open host file now (for messages), else `dflt`. */
static uint64_t now_size(const struct src_cur *cur, uint64_t dflt)
{
    struct stat st;
    if (cur->fd >= 0 && fstat(cur->fd, &st) == 0 && S_ISREG(st.st_mode))
        return (uint64_t)st.st_size;
    return dflt;
}

/* Make sure a host file's descriptor is open in cur: a source that can no
 * longer be opened is IMAPI_E_DATA_STREAM_CREATE_FAILURE. */
static fsi_hresult open_host(struct layout *lay, struct src_cur *cur, fsi_item item)
{
    src_cur_set(cur, item);
    if (cur->fd >= 0)
        return FSI_S_OK;
    cur->fd = source_open_host(lay->img, item, &cur->dir);
    if (cur->fd < 0) {
        int e = errno;
        char *path = e == ENOMEM ? NULL : source_host_path(lay->img, item);
        if (!path)
            return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
        char *ip = layout_item_path(lay, item);
        fsi_hresult hr = fsi_failf(lay->img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e,
                                   ip ? ip : "?", NULL, "host file '%s'", path);
        free(ip);
        free(path);
        return hr;
    }
    /* It must still hold exactly the bytes it had when added; what it is
     * now is checked again once it has been read (check_unchanged). */
    struct stat st;
    cur->seen = false;
    if (fstat(cur->fd, &st) != 0)
        return src_fail(lay, item, errno, 0);
    if (!S_ISREG(st.st_mode)) {
        /* Replaced by something else since it was added (reading a FIFO
         * would wait for a writer forever). */
        char *ip = layout_item_path(lay, item);
        fsi_hresult hr = fsi_failf(lay->img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, 0,
                                   ip ? ip : "?", NULL, "it is no longer a regular file");
        free(ip);
        return hr;
    }
    if ((uint64_t)st.st_size != lay->img->nodes[item].size)
        return src_fail(lay, item, 0, (uint64_t)st.st_size);
    cur->seen = true;
    cur->open_size = (uint64_t)st.st_size;
    cur->open_mtime = st.st_mtim;
    return FSI_S_OK;
}

static bool is_host(const fsi_image *img, fsi_item item);

/* Read exactly len bytes of a file's data at off (within its size). */
static fsi_hresult read_file(struct layout *lay, struct src_cur *cur, fsi_item item,
                             uint64_t off, uint8_t *buf, size_t len)
{
    uint64_t off0 = off;          /* for the data patches (El Torito) */
    uint8_t *buf0 = buf;
    size_t len0 = len;
    src_cur_set(cur, item);
    if (is_host(lay->img, item)) {
        fsi_hresult hr = open_host(lay, cur, item);
        if (FSI_FAILED(hr))
            return hr;
    }
    while (len > 0) {
        errno = 0;
        int64_t r = source_read(lay->img, item, &cur->fd, off, buf, len);
        if (r < 0)
            return src_fail(lay, item, errno ? errno : EIO, 0);
        if (r == 0)                                /* the file shrank */
            return src_fail(lay, item, 0, now_size(cur, off));
        if ((uint64_t)r > len)                     /* a callback gave too much */
            return src_fail(lay, item, 0, off + (uint64_t)r);
        off += (uint64_t)r;
        buf += r;
        len -= (size_t)r;
    }
    /* What the image holds instead of the source's bytes: the visible boot
     * catalog, boot info tables (every read of file data passes here). */
    layout_patch(lay, item, off0, buf0, len0);
    return FSI_S_OK;
}

/* Whether a file's data comes from a host file (so its fd can be used). */
static bool is_host(const fsi_image *img, fsi_item item)
{
    uint32_t src = img->nodes[item].src;
    return (src & SRC_TREE_BIT) || (src && img->sources[src].kind == SRC_HOST);
}

/* Fill `n` whole blocks of one segment, from image block `block`. */
static fsi_hresult fill_blocks(struct layout *lay, struct src_cur *cur, const struct segment *seg,
                               uint64_t block, uint8_t *buf, uint32_t n)
{
    switch (seg->kind) {
    case SEG_ZERO:
        memset(buf, 0, (size_t)n * FSI_BLOCK);
        append_system_area(lay, block, buf, n);
        return FSI_S_OK;
    case SEG_GEN:
        return layout_produce(lay, seg, block, buf, n);
    case SEG_FILE: {
        uint64_t size = lay->img->nodes[seg->item].size;
        uint64_t off = (block - seg->start) * FSI_BLOCK;
        size_t len = (size_t)n * FSI_BLOCK, data = 0;
        if (off < size)
            data = size - off < len ? (size_t)(size - off) : len;
        memset(buf + data, 0, len - data);
        return data ? read_file(lay, cur, seg->item, off, buf, data) : FSI_S_OK;
    }
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Random access                                                     */
/* ---------------------------------------------------------------- */

fsi_hresult output_read(struct layout *lay, struct src_cur *cur, uint64_t off, uint8_t *buf,
                        size_t len)
{
    uint8_t tmp[FSI_BLOCK];
    struct segment seg;
    while (len > 0) {
        uint64_t block = off / FSI_BLOCK;
        size_t in = (size_t)(off % FSI_BLOCK);
        layout_segment_at(lay, block, &seg);
        fsi_hresult hr;
        if (seg.kind == SEG_FILE && seg.item) {
            /* File bytes straight into buf, zeros past the end. */
            uint64_t size = lay->img->nodes[seg.item].size;
            uint64_t foff = off - seg.start * FSI_BLOCK;
            uint64_t seg_left = (seg.start + seg.nblocks) * FSI_BLOCK - off;
            size_t k = seg_left < len ? (size_t)seg_left : len;
            size_t data = foff < size ? (size - foff < k ? (size_t)(size - foff) : k) : 0;
            if (data && FSI_FAILED(hr = read_file(lay, cur, seg.item, foff, buf, data)))
                return hr;
            memset(buf + data, 0, k - data);
            buf += k, off += k, len -= k;
        } else if (in == 0 && len >= FSI_BLOCK) {
            /* Whole blocks of this segment directly into buf. */
            uint64_t left = seg.start + seg.nblocks - block;
            uint64_t want = len / FSI_BLOCK;
            uint32_t n = (uint32_t)(want < left ? (want < 65536 ? want : 65536) : left);
            if (FSI_FAILED(hr = fill_blocks(lay, cur, &seg, block, buf, n)))
                return hr;
            size_t k = (size_t)n * FSI_BLOCK;
            buf += k, off += k, len -= k;
        } else {
            /* A partial block through tmp. */
            if (FSI_FAILED(hr = fill_blocks(lay, cur, &seg, block, tmp, 1)))
                return hr;
            size_t k = FSI_BLOCK - in < len ? FSI_BLOCK - in : len;
            memcpy(buf, tmp + in, k);
            buf += k, off += k, len -= k;
        }
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Streaming to a descriptor                                         */
/* ---------------------------------------------------------------- */

struct wr {
    struct layout *lay;
    int fd;
    int method;
    bool can_range, can_splice;  /* still worth trying for this fd */
    bool sparse;                 /* regular file written past its end:
                                    holes of sources may stay holes */
    bool extend;                 /* a hole was skipped: fix the size */
    uint8_t *buf;                /* being filled: one of bufs[] */
    uint8_t *bufs[2];
    struct bgwrite *bg;          /* writes full buffers; NULL: write() here */
    size_t used;
    uint64_t written;            /* handed to write() or bg, or zero-copied */
    uint64_t bg_handed;          /* of which handed to bg */
    struct src_cur cur;
    const struct out_progress *prog;  /* may be NULL */
    uint64_t prog_next;               /* report when written passes this */
};

/* Tell the caller how far we got: at each file's start (force), about
 * every MiB, and at the end.  A non-zero answer cancels the write. */
static fsi_hresult progress(struct wr *w, fsi_item item, bool force)
{
    if (!w->prog || !w->prog->fn)
        return FSI_S_OK;
    uint64_t done = w->written + w->used;
    uint64_t total = w->lay->total_blocks - w->lay->base;   /* blocks this output gets */
    if (!force && (done < w->prog_next || done >= total * FSI_BLOCK))
        return FSI_S_OK;              /* the end is reported once, by the caller */
    w->prog_next = done + (1u << 20);
    char *path = item ? layout_item_path(w->lay, item) : NULL;
    int r = w->prog->fn(w->prog->ctx, path, done / FSI_BLOCK, total);
    free(path);
    if (r)
        return fsi_failf(w->lay->img, E_IMAPI_REQUEST_CANCELLED, 0, NULL, NULL,
                         "stopped by the progress callback after %llu of %llu blocks",
                         (unsigned long long)(done / FSI_BLOCK),
                         (unsigned long long)total);
    return FSI_S_OK;
}

/* Bytes that really reached the output. */
static uint64_t landed(struct wr *w)
{
    return w->bg ? w->written - (w->bg_handed - bgwrite_done(w->bg)) : w->written;
}

static fsi_hresult write_fail(struct wr *w, int err)
{
    return fsi_failf(w->lay->img, FSI_E_FAIL, err, NULL, NULL,
                     "writing the image failed after %llu bytes", (unsigned long long)landed(w));
}

/* Until the background writer has written all it was given (before the
 * output's offset is used directly). */
static fsi_hresult drain(struct wr *w)
{
    int err = w->bg ? bgwrite_wait(w->bg) : 0;
    return err ? write_fail(w, err) : FSI_S_OK;
}

static fsi_hresult flush(struct wr *w)
{
    if (w->bg) {
        int err = bgwrite_submit(w->bg, w->buf, w->used);
        if (err)
            return write_fail(w, err);
        w->written += w->used;
        w->bg_handed += w->used;
        w->used = 0;
        w->buf = w->buf == w->bufs[0] ? w->bufs[1] : w->bufs[0];
        return progress(w, w->cur.item, false);
    }
    size_t done = 0;
    while (done < w->used) {
        ssize_t r = write(w->fd, w->buf + done, w->used - done);
        if (r < 0 && errno == EINTR) {
            /* A signal (Ctrl-C) broke a blocked write: let the caller
             * cancel before we block again. */
            fsi_hresult hr = progress(w, w->cur.item, true);
            if (FSI_FAILED(hr))
                return hr;
            continue;
        }
        if (r <= 0)
            return write_fail(w, r < 0 ? errno : EIO);
        done += (size_t)r;
        w->written += (uint64_t)r;
    }
    w->used = 0;
    return progress(w, w->cur.item, false);
}

/* Room for at least one block in the buffer; returns blocks free. */
static fsi_hresult room(struct wr *w, uint32_t *blocks)
{
    if (OUT_BUF - w->used < FSI_BLOCK) {
        fsi_hresult hr = flush(w);
        if (FSI_FAILED(hr))
            return hr;
    }
    *blocks = (uint32_t)((OUT_BUF - w->used) / FSI_BLOCK);
    return FSI_S_OK;
}

static bool zc_refused(int err)
{
    return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
           err == EBADF || err == ESPIPE;
}

/* Where the next data of the source starts at or after off (size if
 * none), and where that data ends; a source that cannot tell is all data. */
static void next_data(int fd, uint64_t off, uint64_t size, uint64_t *data, uint64_t *end)
{
    off_t d = lseek(fd, (off_t)off, SEEK_DATA);
    if (d < 0) {
        *data = errno == ENXIO ? size : off;
        *end = size;
        return;
    }
    *data = (uint64_t)d < size ? (uint64_t)d : size;
    off_t h = lseek(fd, d, SEEK_HOLE);
    *end = h < 0 || (uint64_t)h > size ? size : (uint64_t)h;
}

/* Move [*off, size) of the open source straight to the output.  Stops
 * early (leaving *off where it got) when the kernel refuses.  Holes of a
 * sparse source stay holes in a fresh output file. */
static fsi_hresult zero_copy(struct wr *w, fsi_item item, uint64_t *off, uint64_t size)
{
    bool range = w->method == FSI_COPY_RANGE || (w->method == FSI_COPY_AUTO && w->can_range);
    uint64_t data_end = 0;       /* the source is data up to here */
    struct stat st;
    while (*off < size) {
        if (range && w->sparse && *off >= data_end) {
            uint64_t data;
            next_data(w->cur.fd, *off, size, &data, &data_end);
            if (data > *off) {
                if (lseek(w->fd, (off_t)(data - *off), SEEK_CUR) < 0)
                    return write_fail(w, errno);
                w->written += data - *off;
                w->extend = true;
                *off = data;
                continue;
            }
        }
        loff_t in = (loff_t)*off;
        uint64_t want = (range && w->sparse && data_end > *off ? data_end : size) - *off;
        if (w->prog && want > ZC_PROGRESS_CHUNK)
            want = ZC_PROGRESS_CHUNK;      /* room to report and to cancel */
        ssize_t r;
        if (range)
            r = copy_file_range(w->cur.fd, &in, w->fd, NULL, (size_t)want, 0);
        else
            r = splice(w->cur.fd, &in, w->fd, NULL,
                       (size_t)(want < SPLICE_CHUNK ? want : SPLICE_CHUNK), SPLICE_F_MORE);
        if (r < 0 && errno == EINTR) {
            fsi_hresult hr = progress(w, item, true);
            if (FSI_FAILED(hr))
                return hr;
            continue;
        }
        if (r < 0 && zc_refused(errno)) {
            if (range)
                w->can_range = false;
            else
                w->can_splice = false;
            return FSI_S_OK;
        }
        if (r < 0)
            return write_fail(w, errno);
        if (r == 0) {
            /* End of the source before its size: it shrank, unless the
             * kernel just declines (some file systems report 0). */
            if (fstat(w->cur.fd, &st) == 0 && (uint64_t)st.st_size > *off) {
                if (range)
                    w->can_range = false;
                else
                    w->can_splice = false;
                return FSI_S_OK;
            }
            return src_fail(w->lay, item, 0, now_size(&w->cur, *off));
        }
        *off += (uint64_t)r;
        w->written += (uint64_t)r;
        fsi_hresult hr = progress(w, item, false);
        if (FSI_FAILED(hr))
            return hr;
    }
    return FSI_S_OK;
}

/* After all `size` bytes: a callback that still has more, or a host file
 * that changed since it was opened (open_host), is inconsistent. */
static fsi_hresult check_no_more(struct wr *w, fsi_item item, uint64_t size)
{
    if (is_host(w->lay->img, item)) {
        /* A host file written to while it was read (grown, or changed in
         * place): what the image got is not the file (GNU tar's "file
         * changed as we read it"). */
        struct stat st;
        const struct src_cur *c = &w->cur;
        if (c->item != item || c->fd < 0 || !c->seen)
            return FSI_S_OK;
        if (fstat(c->fd, &st) != 0)
            return src_fail(w->lay, item, errno, 0);
        if ((uint64_t)st.st_size == c->open_size && st.st_mtim.tv_sec == c->open_mtime.tv_sec &&
            st.st_mtim.tv_nsec == c->open_mtime.tv_nsec)
            return FSI_S_OK;
        char *path = layout_item_path(w->lay, item);
        char exp[32], got[32];
        snprintf(exp, sizeof exp, "%llu", (unsigned long long)size);
        snprintf(got, sizeof got, "%llu", (unsigned long long)st.st_size);
        fsi_hresult hr = fsi_fail_extra(w->lay->img, IMAPI_E_DATA_STREAM_INCONSISTENCY,
                                        path ? path : "?", exp, got,
                                        "the file changed while it was read");
        free(path);
        return hr;
    }
    if (size == 0)
        return FSI_S_OK;
    uint8_t extra[512];
    int64_t r = source_read_past(w->lay->img, item, size, extra, sizeof extra);
    if (r > 0)
        return src_fail(w->lay, item, 0, size + (uint64_t)r);
    return FSI_S_OK;
}

static bool want_zero_copy(const struct wr *w, fsi_item item, uint64_t size)
{
    if (layout_patched(w->lay, item))
        return false;             /* its bytes must pass through read_file */
    switch (w->method) {
    case FSI_COPY_RANGE:
        return w->can_range && is_host(w->lay->img, item);
    case FSI_COPY_SPLICE:
        return w->can_splice && is_host(w->lay->img, item);
    case FSI_COPY_AUTO:
        return (w->can_range || w->can_splice) && size >= ZC_MIN &&
               is_host(w->lay->img, item);
    default:
        return false;
    }
}

static fsi_hresult write_file(struct wr *w, const struct segment *seg)
{
    fsi_item item = seg->item;
    uint64_t size = w->lay->img->nodes[item].size, off = 0;
    fsi_hresult hr = progress(w, item, true);
    if (FSI_FAILED(hr))
        return hr;
    /* A host file is opened (and its size checked) once, for whichever
     * path its bytes take. */
    if (size && is_host(w->lay->img, item) && FSI_FAILED(hr = open_host(w->lay, &w->cur, item)))
        return hr;
    if (want_zero_copy(w, item, size)) {
        if (FSI_FAILED(hr = flush(w)) || FSI_FAILED(hr = drain(w)) ||
            FSI_FAILED(hr = zero_copy(w, item, &off, size)))
            return hr;
    }
    /* The rest through the buffer, then the zero tail of the last block. */
    uint64_t end = seg->nblocks * FSI_BLOCK;
    while (off < end) {
        if (w->used == OUT_BUF && FSI_FAILED(hr = flush(w)))
            return hr;
        size_t k = OUT_BUF - w->used;
        if (k > PROGRESS_STEP)
            k = PROGRESS_STEP;            /* read in steps we can report */
        if (k > end - off)
            k = (size_t)(end - off);
        size_t data = off < size ? (size - off < k ? (size_t)(size - off) : k) : 0;
        if (data && FSI_FAILED(hr = read_file(w->lay, &w->cur, item, off, w->buf + w->used, data)))
            return hr;
        memset(w->buf + w->used + data, 0, k - data);
        w->used += k;
        off += k;
        if (FSI_FAILED(hr = progress(w, item, false)))
            return hr;
    }
    hr = check_no_more(w, item, size);
    src_cur_close(&w->cur);
    return hr;
}

fsi_hresult output_write_fd(struct layout *lay, int fd, int method,
                            const struct out_progress *prog, uint64_t *written)
{
    struct wr w = { .lay = lay, .fd = fd, .method = method, .prog = prog };
    struct stat st;
    fsi_hresult hr = FSI_S_OK;
    *written = 0;
    if (fstat(fd, &st) < 0)
        return fsi_failf(lay->img, errno == EBADF ? FSI_E_INVALIDARG : FSI_E_FAIL, errno, NULL,
                         NULL, errno == EBADF ? "the output descriptor %d is not open"
                                              : "cannot stat the output descriptor %d", fd);
    /* Appending writes ignore the file offset: no zero-copy, no holes. */
    int fl = fcntl(fd, F_GETFL);
    bool append = fl >= 0 && (fl & O_APPEND);
    w.can_range = S_ISREG(st.st_mode) && !append;
    w.can_splice = S_ISFIFO(st.st_mode);
    if (w.can_splice)
        fcntl(fd, F_SETPIPE_SZ, 1 << 20);   /* fewer, larger splices; best effort */
    off_t start = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
    w.sparse = !append && start >= 0 && start >= st.st_size;
    src_cur_init(&w.cur);
    w.buf = w.bufs[0] = malloc(OUT_BUF);
    if (!w.buf)
        return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    /* A second thread only pays off for a big image into a file (a write
     * to a pipe may block, and then Ctrl-C could not stop it). */
    if (S_ISREG(st.st_mode) && lay->total_blocks * FSI_BLOCK >= BG_MIN &&
        (w.bufs[1] = malloc(OUT_BUF)) && !(w.bg = bgwrite_start(fd))) {
        free(w.bufs[1]);
        w.bufs[1] = NULL;
    }

    struct segment seg;
    for (uint64_t b = lay->base; b < lay->total_blocks && FSI_SUCCEEDED(hr);) {
        layout_segment_at(lay, b, &seg);
        uint64_t end = seg.start + seg.nblocks;
        if (seg.kind == SEG_FILE) {
            hr = write_file(&w, &seg);
            b = end;
            continue;
        }
        while (b < end && FSI_SUCCEEDED(hr)) {
            uint32_t n;
            if (FSI_FAILED(hr = room(&w, &n)))
                break;
            if (n > end - b)
                n = (uint32_t)(end - b);
            hr = fill_blocks(lay, &w.cur, &seg, b, w.buf + w.used, n);
            if (lay->hold_to > b && lay->hold_from < b + n) {
                uint64_t lo = lay->hold_from > b ? lay->hold_from : b;
                uint64_t hi = lay->hold_to < b + n ? lay->hold_to : b + n;
                memset(w.buf + w.used + (lo - b) * FSI_BLOCK, 0, (size_t)(hi - lo) * FSI_BLOCK);
            }
            w.used += (size_t)n * FSI_BLOCK;
            b += n;
            if (FSI_SUCCEEDED(hr))
                hr = progress(&w, 0, false);
        }
    }
    if (FSI_SUCCEEDED(hr))
        hr = flush(&w);
    if (FSI_SUCCEEDED(hr))
        hr = drain(&w);
    if (FSI_SUCCEEDED(hr))
        hr = progress(&w, 0, true);
    if (FSI_SUCCEEDED(hr) && w.extend) {
        /* The image ended in a skipped hole: give the file its size. */
        off_t end = lseek(fd, 0, SEEK_CUR);
        if (end < 0 || fstat(fd, &st) < 0 || (st.st_size < end && ftruncate(fd, end) < 0))
            hr = write_fail(&w, errno);
    }
    if (w.bg)
        bgwrite_wait(w.bg);      /* after a failure too: it may still be writing */
    *written = landed(&w);
    bgwrite_stop(w.bg);
    src_cur_done(&w.cur);
    free(w.bufs[0]);
    free(w.bufs[1]);
    return hr;
}
