/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * layout.c - runs the writers through the phases, places file data once,
 * and maps any block of the image back to where it comes from.
 */
#include "config.h"
#include "layout.h"
#include "iso9660.h"
#include "udf.h"
#include "eltorito.h"
#include "hybrid.h"
#include "rockridge.h"
#include "append.h"
#include "session_keep.h"
#include "reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYSTEM_AREA_BLOCKS 16   /* blocks 0-15: zero, the host's to use */

static fsi_hresult nomem(struct layout *lay)
{
    return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
}

static fsi_hresult too_big(struct layout *lay)
{
    return fsi_failf(lay->img, IMAPI_E_IMAGE_TOO_BIG, 0, NULL, NULL,
                     "the image would need more than %llu blocks",
                     (unsigned long long)LAYOUT_MAX_BLOCKS);
}

static fsi_hresult add_region(struct layout *lay, uint64_t start, uint64_t n,
                              uint8_t kind, uint32_t tag)
{
    if (start + n > LAYOUT_MAX_BLOCKS)
        return too_big(lay);
    if (lay->nregions == lay->cap_regions) {
        size_t cap = lay->cap_regions ? lay->cap_regions * 2 : 32;
        struct region *r = realloc(lay->regions, cap * sizeof *r);
        if (!r)
            return nomem(lay);
        lay->regions = r;
        lay->cap_regions = cap;
    }
    lay->regions[lay->nregions++] = (struct region){
        .start = start, .nblocks = n, .tag = tag,
        .writer = (uint16_t)lay->cur_writer, .kind = kind,
    };
    lay->next = start + n;
    return FSI_S_OK;
}

/* Copy the regions placed in [from, to) `delta` blocks on, for the
 * partition's view (mirror slot k); the copies end the layout so far. */
static fsi_hresult mirror_range(struct layout *lay, int k, uint64_t from, uint64_t to,
                                uint64_t delta)
{
    lay->mirror[k] = (struct layout_mirror){from, to, delta};
    size_t n = lay->nregions;
    int saved = lay->cur_writer;
    fsi_hresult hr = FSI_S_OK;
    for (size_t i = 0; i < n && FSI_SUCCEEDED(hr); i++) {
        struct region r = lay->regions[i];
        if (r.start < from || r.start >= to)
            continue;
        lay->cur_writer = r.writer;
        if (FSI_SUCCEEDED(hr = add_region(lay, r.start + delta, r.nblocks, r.kind, r.tag)))
            lay->regions[lay->nregions - 1].mirror = 1;
    }
    lay->cur_writer = saved;
    if (FSI_SUCCEEDED(hr) && lay->next < to + delta)
        lay->next = to + delta;
    return hr;
}

fsi_hresult layout_alloc(struct layout *lay, uint32_t tag, uint64_t nblocks,
                         uint64_t *start)
{
    *start = lay->next;
    if (nblocks == 0)
        return FSI_S_OK;
    return add_region(lay, lay->next, nblocks, REG_WRITER, tag);
}

fsi_hresult layout_alloc_at(struct layout *lay, uint64_t block, uint32_t tag,
                            uint64_t nblocks)
{
    if (block < lay->next)
        return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL,
                         "%s wants block %llu, already in use up to %llu",
                         lay->writers[lay->cur_writer].ops->name,
                         (unsigned long long)block, (unsigned long long)lay->next);
    if (nblocks == 0)
        return FSI_S_OK;
    return add_region(lay, block, nblocks, REG_WRITER, tag);
}

/* Grow a layout array by doubling; -1 when out of memory. */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Child `it` of a big directory as a record (see layout_kid_next); *second
 * is the second of the record before (first: the first of a group). */
static int add_record(struct layout *lay, fsi_item it, int64_t *second, bool first)
{
    const fsi_image *img = lay->img;
    const struct node *nd = &img->nodes[it];
    if (grow((void **)&lay->names, &lay->names_cap, lay->names_len + 19 + nd->name_len, 1) < 0)
        return -1;
    int64_t ns = item_time_ns(img, it, FSI_TIME_MODIFICATION);
    int64_t s = ns / 1000000000 - (ns % 1000000000 < 0);
    uint8_t *p = lay->names + lay->names_len;
    uint8_t bits = (uint8_t)((nd->type == NODE_DIR ? LK_DIR : 0) |
                             (nd->flags & NF_HIDDEN ? LK_HIDDEN : 0) |
                             (nd->type != NODE_DIR && nd->size ? LK_DATA : 0) |
                             (first || s != *second ? LK_SECOND : 0) |
                             (nd->type == NODE_SYMLINK || nd->type == NODE_SPECIAL ? LK_OTHER : 0) |
                             (!img->no_rock && rr_item_wide(img, it) ? LK_WIDE : 0));
    *p++ = (uint8_t)nd->name_len;
    *p++ = (uint8_t)(nd->name_len >> 8);
    *p++ = bits;
    if (bits & LK_DATA)
        for (int i = 0; i < 8; i++)
            *p++ = (uint8_t)(nd->size >> (8 * i));
    if (bits & LK_SECOND)
        for (int i = 0; i < 8; i++)
            *p++ = (uint8_t)((uint64_t)s >> (8 * i));
    *second = s;
    memcpy(p, node_name(img, nd), nd->name_len);
    lay->names_len = (size_t)(p + nd->name_len - lay->names);
    return 0;
}

/* "ISO9660, Joliet" */
static void fs_names(unsigned fs, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%s", fs & FSI_FS_ISO9660 ? "ISO9660" : "",
             (fs & FSI_FS_ISO9660) && (fs & (FSI_FS_JOLIET | FSI_FS_UDF)) ? ", " : "",
             fs & FSI_FS_JOLIET ? "Joliet" : "", (fs & FSI_FS_JOLIET) && (fs & FSI_FS_UDF) ? ", " : "",
             fs & FSI_FS_UDF ? "UDF" : "");
    if (!fs)
        snprintf(buf, size, "none");
}

/* A session continues the previous one's file systems, all of them, and
 * its UDF volume's revision and partition. */
static fsi_hresult check_session_fs(struct layout *lay)
{
    fsi_image *img = lay->img;
    unsigned have = 0;
    fsi_hresult hr = fsi_disc_identify(img->ms_disc, &have);
    if (FSI_FAILED(hr))
        return fsi_fail_copy(img, hr, fsi_disc_last_error(img->ms_disc));
    if (img->fs != have) {
        char a[64], b[64];
        fs_names(have, a, sizeof a);
        fs_names(img->fs, b, sizeof b);
        return fsi_failf(img, IMAPI_E_FILE_SYSTEM_CHANGE_NOT_ALLOWED, 0, NULL, NULL,
                         "the previous session has %s, this one would have %s", a, b);
    }
    if (!(have & FSI_FS_UDF))
        return FSI_S_OK;
    struct rd_udf_volume *u = &lay->udf_prev;
    hr = rd_udf_partition(img->ms_disc, u);
    unsigned rev = u->rev;
    uint64_t part = u->start;
    if (hr == IMAPI_E_FILE_SYSTEM_FEATURE_NOT_SUPPORTED)
        return fsi_failf(img, IMAPI_E_UDF_NOT_WRITE_COMPATIBLE, 0, NULL, NULL,
                         "%s", fsi_disc_last_error(img->ms_disc));
    if (FSI_FAILED(hr))
        return fsi_fail_copy(img, hr, fsi_disc_last_error(img->ms_disc));
    if (rev != (unsigned)img->udf_revision)
        return fsi_failf(img, IMAPI_E_UDF_REVISION_CHANGE_NOT_ALLOWED, 0, NULL, NULL,
                         "the previous session has UDF %x.%02x, this one would have %x.%02x",
                         rev >> 8, rev & 0xFF, (unsigned)img->udf_revision >> 8,
                         (unsigned)img->udf_revision & 0xFF);
    if (part < SYSTEM_AREA_BLOCKS || part >= lay->base)
        return fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL,
                         "the previous session's UDF partition starts at block %llu, which a "
                         "session at block %llu cannot continue", (unsigned long long)part,
                         (unsigned long long)lay->base);
    lay->udf_part = part;
    if (!(have & FSI_FS_ISO9660))
        return fsi_failf(img, IMAPI_E_INCOMPATIBLE_PREVIOUS_SESSION, 0, NULL, NULL, "%s",
                         "the previous session has UDF alone: sessions are found through "
                         "their ISO9660 descriptors, so a UDF-only disc takes no more");
    return FSI_S_OK;
}

/* A session image keeps the data of a file imported from the previous
 * session where it is (one block-aligned extent): file_block gets its
 * block, and the new session does not hold it.  Data of that disc at or
 * past the new session's start would be overwritten by it: noted in
 * ms_past, and layout_build fails. */
static bool keep_in_place(struct layout *lay, fsi_item it)
{
    const fsi_image *img = lay->img;
    uint32_t s = img->nodes[it].src;
    if (!img->ms_disc || !s || (s & SRC_TREE_BIT))
        return false;
    const struct source *src = &img->sources[s];
    if (src->kind != SRC_IMPORT || src->u.imp.disc >= img->ndiscs ||
        img->discs[src->u.imp.disc] != img->ms_disc)
        return false;
    uint64_t size = img->nodes[it].size, end = src->u.imp.at + size;
    for (uint32_t i = 0; src->u.imp.ext && i < src->u.imp.next; i++) {
        const fsi_extent *x = &src->u.imp.ext[i];
        if (x->offset != FSI_EXTENT_HOLE && x->offset + x->length > end)
            end = x->offset + x->length;
    }
    if (bytes_to_blocks(end) > lay->base) {
        if (!lay->ms_past)
            lay->ms_past = it;
        return false;
    }
    if (src->u.imp.ext || src->u.imp.at % FSI_BLOCK || src->u.imp.at < SYSTEM_AREA_BLOCKS * FSI_BLOCK ||
        src->u.imp.at / FSI_BLOCK < lay->udf_part)
        return false;       /* copied into the new session (UDF cannot address it there) */
    lay->file_block[it] = (uint32_t)(src->u.imp.at / FSI_BLOCK);
    return true;
}

/* Sort every directory's children once (byte order of their names) for
 * all writers and passes: kids holds them grouped by directory, the
 * directories breadth first.  Each child's node is looked at once, as
 * its directory is sorted: a big directory's records are made, the
 * directories queued, the files with data listed for place_files (in a
 * big directory the nodes lie far apart: every look costs). */
static fsi_hresult index_children(struct layout *lay)
{
    const fsi_image *img = lay->img;
    size_t total = (size_t)(img->nfiles + img->ndirs), used = 0;
    size_t ndq = (size_t)img->ndirs + 1, head = 0, tail = 0;
    fsi_item *dq = malloc(ndq * sizeof *dq);
    lay->kids = malloc((total ? total : 1) * sizeof *lay->kids);
    lay->kids_at = malloc((size_t)lay->nitems * sizeof *lay->kids_at);
    lay->data_order = malloc((size_t)(img->nfiles ? img->nfiles : 1) * sizeof *lay->data_order);
    if (img->link_group && img->ninodes) {
        lay->group_leader = calloc((size_t)img->ninodes + 1, sizeof *lay->group_leader);
        lay->group_count = calloc((size_t)img->ninodes + 1, sizeof *lay->group_count);
        if (!lay->group_leader || !lay->group_count) {
            free(dq);
            return nomem(lay);
        }
    }
    if (!dq || !lay->kids || !lay->kids_at || !lay->data_order) {
        free(dq);
        return nomem(lay);
    }
    fsi_hresult hr = FSI_S_OK;
    dq[tail++] = FSI_ROOT;
    while (head < tail && FSI_SUCCEEDED(hr)) {
        fsi_item dir = dq[head++];
        size_t n;
        errno = 0;
        fsi_item *k = tree_sorted_children(img, dir, &n);
        if (!k && errno == ENOMEM) {
            hr = nomem(lay);
            break;
        }
        if (n != img->nodes[dir].nchildren || n > total - used) {
            free(k);
            hr = fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "tree counts disagree",
                           NULL, "directory %u", (unsigned)dir);
            break;
        }
        lay->kids_at[dir] = (uint32_t)used;
        if (n)
            memcpy(lay->kids + used, k, n * sizeof *k);
        used += n;
        bool big = n > LAYOUT_GROUP;
        if (big && (grow((void **)&lay->bigdirs, &lay->cap_bigdirs, lay->nbigdirs + 1,
                         sizeof *lay->bigdirs) < 0 ||
                    grow((void **)&lay->group_at, &lay->cap_group_at,
                         lay->ngroup_at + (n + LAYOUT_GROUP - 1) / LAYOUT_GROUP,
                         sizeof *lay->group_at) < 0)) {
            free(k);
            hr = nomem(lay);
            break;
        }
        if (big)
            lay->bigdirs[lay->nbigdirs++] = (struct layout_bigdir){
                .dir = dir, .group0 = lay->ngroup_at,
            };
        int64_t second = 0;
        for (size_t i = 0; i < n; i++) {
            if (i + LAYOUT_AHEAD < n)
                layout_prefetch_node(img, k[i + LAYOUT_AHEAD]);
            const struct node *nd = &img->nodes[k[i]];
            if (nd->type == NODE_DIR) {
                if (tail == ndq) {
                    hr = fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0,
                                   "tree counts disagree", NULL, "directories");
                    break;
                }
                dq[tail++] = k[i];
            } else {
                lay->nsymlinks += nd->type == NODE_SYMLINK;
                lay->nspecials += nd->type == NODE_SPECIAL;
                uint32_t g = lay->group_leader ? img->link_group[k[i]] : 0;
                bool follower = false;
                if (g) {
                    follower = lay->group_leader[g] != 0;
                    if (!follower)
                        lay->group_leader[g] = k[i];
                    lay->group_count[g]++;
                }
                if (!follower && nd->size > 0 && lay->ndata < img->nfiles &&
                    !keep_in_place(lay, k[i]))
                    lay->data_order[lay->ndata++] = k[i];
            }
            if (!big)
                continue;
            if (i % LAYOUT_GROUP == 0)
                lay->group_at[lay->ngroup_at++] = lay->names_len;
            if (add_record(lay, k[i], &second, i % LAYOUT_GROUP == 0) < 0) {
                hr = nomem(lay);
                break;
            }
        }
        free(k);
    }
    free(dq);
    lay->nkids = used;
    return hr;
}

const uint8_t *layout_group_names(const struct layout *lay, fsi_item dir, size_t first)
{
    uint32_t at = lay->kids_at[dir];
    size_t a = 0, b = lay->nbigdirs;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        uint32_t m = lay->kids_at[lay->bigdirs[mid].dir];
        if (m == at)    /* an empty directory may share kids_at with a big one */
            return lay->bigdirs[mid].dir != dir
                       ? NULL
                       : lay->names + lay->group_at[lay->bigdirs[mid].group0 + first / LAYOUT_GROUP];
        if (m < at)
            a = mid + 1;
        else
            b = mid;
    }
    return NULL;
}

const fsi_item *layout_children(const struct layout *lay, fsi_item dir, size_t *n)
{
    *n = lay->img->nodes[dir].nchildren;
    return lay->kids + lay->kids_at[dir];
}

/* Place every file's data once, in the order of kids (data_order):
 * directories breadth first, children in byte order, so data follows the
 * tree; big files aligned (see LAYOUT_ALIGN_MIN), the padding left zero. */
static fsi_hresult place_files(struct layout *lay)
{
    const fsi_image *img = lay->img;
    lay->data_start = lay->next;
    uint64_t b = lay->next;
    for (size_t i = 0; i < lay->ndata; i++) {
        fsi_item it = lay->data_order[i];
        uint64_t size = img->nodes[it].size;
        if (layout_align_bound(img, size))
            b = (b + LAYOUT_ALIGN_BLOCKS - 1) / LAYOUT_ALIGN_BLOCKS * LAYOUT_ALIGN_BLOCKS;
        if (b >= LAYOUT_MAX_BLOCKS)
            return too_big(lay);
        lay->file_block[it] = (uint32_t)b;
        b += bytes_to_blocks(size);
    }
    lay->data_blocks = b - lay->data_start;
    if (lay->group_leader)      /* the other names of hard-linked files */
        for (fsi_item it = 1; it < lay->nitems; it++)
            if (img->link_group[it] && img->nodes[it].type == NODE_FILE)
                lay->file_block[it] = lay->file_block[layout_leader(lay, it)];
    if (lay->data_blocks == 0)
        return FSI_S_OK;
    return add_region(lay, lay->data_start, lay->data_blocks, REG_DATA, 0);
}

void layout_default_volume_name(int64_t now_ns, char *buf, size_t size)
{
    time_t t = (time_t)(now_ns / 1000000000);
    if (now_ns < 0 && now_ns % 1000000000)
        t--;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
        snprintf(buf, size, "CDROM");
        return;
    }
    snprintf(buf, size, "%04d%02d%02d_%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *layout_item_path(const struct layout *lay, fsi_item item)
{
    size_t need = fsi_item_path(lay->img, item, NULL, 0);
    char *p = malloc(need + 1);
    if (p)
        fsi_item_path(lay->img, item, p, need + 1);
    return p;
}

/* Whether h[0..n) are distinct, sorting them: an MSD radix sort in
 * place, 8 bits a level, down to insertion sort.  256 buckets keep the
 * moves within a few hundred cache lines (one bucket per hash would miss
 * the cache on every move, a comparison sort would be n log n). */
static int distinct_from(uint64_t *h, size_t n, int shift)
{
    if (n <= 32 || shift < 0) {
        for (size_t i = 1; i < n; i++) {
            uint64_t v = h[i];
            size_t j = i;
            for (; j > 0 && h[j - 1] > v; j--)
                h[j] = h[j - 1];
            h[j] = v;
            if (j > 0 && h[j - 1] == v)
                return 0;
        }
        return 1;
    }
    size_t next[256] = {0}, end[256], at = 0;
    for (size_t i = 0; i < n; i++)
        next[(h[i] >> shift) & 255]++;
    for (size_t k = 0; k < 256; k++) {
        size_t c = next[k];
        next[k] = at;
        at += c;
        end[k] = at;
    }
    /* Each hash moves once, along a cycle, to its bucket's next slot. */
    for (size_t k = 0; k < 256; k++) {
        while (next[k] < end[k]) {
            uint64_t v = h[next[k]];
            for (size_t j = (v >> shift) & 255; j != k; j = (v >> shift) & 255) {
                uint64_t t = h[next[j]];
                h[next[j]++] = v;
                v = t;
            }
            h[next[k]++] = v;
        }
    }
    for (size_t k = 0, s = 0; k < 256; s = end[k], k++)
        if (!distinct_from(h + s, end[k] - s, shift - 8))
            return 0;
    return 1;
}

int layout_hashes_distinct(uint64_t *h, size_t n)
{
    return distinct_from(h, n, 56);
}

static fsi_hresult add_writer(struct layout *lay, const struct writer_ops *ops, void *self)
{
    if (lay->nwriters == LAYOUT_MAX_WRITERS) {
        ops->destroy(self);
        return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL,
                         "too many writers");
    }
    lay->writers[lay->nwriters].ops = ops;
    lay->writers[lay->nwriters].self = self;
    lay->nwriters++;
    return FSI_S_OK;
}

/* The writers of the selected file systems, in the order their volume
 * descriptors must appear. */
static fsi_hresult add_writers(struct layout *lay)
{
    const struct writer_ops *ops;
    void *self;
    fsi_hresult hr;
    if (lay->fs & FSI_FS_ISO9660) {
        if (FSI_FAILED(hr = iso9660_writer_new(lay, false, &ops, &self)) ||
            FSI_FAILED(hr = add_writer(lay, ops, self)))
            return hr;
    }
    /* El Torito's boot record (block 17) goes here, or the one an
     * appended session keeps. */
    if (lay->kept_br && (lay->fs & FSI_FS_ISO9660) &&
        FSI_FAILED(hr = add_writer(lay, &append_boot_ops, NULL)))
        return hr;
    if (lay->boot) {
        self = lay->boot;
        lay->boot = NULL;
        if (FSI_FAILED(hr = add_writer(lay, &eltorito_ops, self)))
            return hr;
    }
    if ((lay->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET)) == (FSI_FS_ISO9660 | FSI_FS_JOLIET)) {
        if (FSI_FAILED(hr = iso9660_writer_new(lay, true, &ops, &self)) ||
            FSI_FAILED(hr = add_writer(lay, ops, self)))
            return hr;
    }
    if (lay->fs & FSI_FS_UDF) {
        if (FSI_FAILED(hr = udf_writer_new(lay, &ops, &self)) ||
            FSI_FAILED(hr = add_writer(lay, ops, self)))
            return hr;
    }
    /* Last: appended partitions and the GPT's backup end the image. */
    if (append_gpt_wanted(lay) && FSI_FAILED(hr = add_writer(lay, &append_gpt_ops, NULL)))
        return hr;
    if (hybrid_wanted(lay->img) && !lay->img->ms_disc) {
        if (FSI_FAILED(hr = hybrid_writer_new(lay, &self))) {
            hybrid_ops.destroy(self);
            return hr;
        }
        if (FSI_FAILED(hr = add_writer(lay, &hybrid_ops, self)))
            return hr;
    }
    return FSI_S_OK;
}

fsi_hresult layout_build(fsi_image *img, struct layout **out)
{
    *out = NULL;
    struct layout *lay = calloc(1, sizeof *lay);
    if (!lay)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    lay->img = img;
    lay->fs = img->fs;
    lay->iso_level = img->iso_level;
    lay->now_ns = image_now_ns(img);
    if (img->volume_name && img->volume_name[0])
        snprintf(lay->volume_name, sizeof lay->volume_name, "%s", img->volume_name);
    else
        layout_default_volume_name(lay->now_ns, lay->volume_name, sizeof lay->volume_name);
    /* El Torito first: its checks, and a visible boot catalog becomes an
     * item of the tree before the items are counted. */
    fsi_hresult hr = eltorito_writer_new(lay, &lay->boot);
    lay->nitems = img->nnodes;
    lay->file_block = calloc(lay->nitems ? lay->nitems : 1, sizeof *lay->file_block);
    lay->base = img->ms_disc ? img->ms_nwa : 0;
    lay->part_offset = img->ms_disc ? 0 : img->part_offset;
    lay->next = lay->base + SYSTEM_AREA_BLOCKS;
    if (FSI_SUCCEEDED(hr) && img->ms_disc)
        hr = check_session_fs(lay);
    if (FSI_SUCCEEDED(hr) && img->ms_disc && lay->boot)
        hr = fsi_failf(img, IMAPI_E_BOOT_OBJECT_CONFLICT, 0, NULL, NULL, "%s",
                       "a session continues the boot entries of the disc (if it has any): "
                       "none can be given to it");
    if (FSI_SUCCEEDED(hr) && img->ms_disc && hybrid_wanted(img))
        hr = fsi_failf(img, IMAPI_E_BOOT_OBJECT_CONFLICT, 0, NULL, NULL, "%s",
                       "a session cannot write an MBR, a GPT, a system area or appended "
                       "partitions: block 0 is the disc's, and a session ends the disc");
    if (FSI_SUCCEEDED(hr) && lay->part_offset && (lay->fs & FSI_FS_UDF))
        hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, NULL, NULL, "%s",
                       "a partition offset writes the ISO9660 and Joliet trees a second time "
                       "for the partition; UDF has no such copy: it needs an image without UDF");
    if (FSI_SUCCEEDED(hr) && lay->part_offset && !(lay->fs & FSI_FS_ISO9660))
        hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, NULL, NULL, "%s",
                       "a partition offset gives the ISO9660 volume a second superblock: "
                       "the image needs the ISO9660 file system");
    if (FSI_SUCCEEDED(hr) && !img->measuring && (lay->fs & FSI_FS_UDF) &&
        (img->efi_partition || img->parts_gpt))
        hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, NULL, NULL, "%s",
                       "a GPT's backup header ends the image, where UDF keeps its closing "
                       "anchor: a GPT needs an image without UDF");
    for (int i = 0; FSI_SUCCEEDED(hr) && !img->measuring && (lay->fs & FSI_FS_UDF) &&
                    i < FSI_APPENDED_PARTITIONS; i++)
        if (img->parts[i].path)
            hr = fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, img->parts[i].path, NULL,
                           "appended partition %d would follow UDF's closing anchor, which "
                           "must end the image: appended partitions need an image without UDF",
                           i + 1);
    if (FSI_SUCCEEDED(hr) && !img->ms_disc && !img->measuring && img->efi_partition &&
        !lay->boot)
        hr = fsi_failf(img, IMAPI_E_BOOT_IMAGE_DATA, 0, NULL, NULL, "%s",
                       "a GPT's EFI System Partition is the image of an EFI boot entry: the "
                       "image has no boot entry");
    if (FSI_SUCCEEDED(hr) && !img->ms_disc && !img->measuring && img->isohybrid_mbr &&
        !lay->boot)
        hr = fsi_failf(img, IMAPI_E_BOOT_IMAGE_DATA, 0, NULL, NULL, "%s",
                       img->grub2_mbr ? "a GRUB2 MBR starts the first El Torito entry's "
                                        "image: the image has no boot entry"
                                      : "an isohybrid MBR starts the first El Torito entry's "
                                        "image: the image has no boot entry");
    if (FSI_SUCCEEDED(hr) && img->ms_disc)
        hr = session_kept_boot(lay);

    if (FSI_SUCCEEDED(hr))
        hr = lay->file_block ? index_children(lay) : nomem(lay);
    if (FSI_SUCCEEDED(hr) && img->ms_disc)
        hr = session_keep_mark(lay);
    if (FSI_SUCCEEDED(hr) && lay->ms_past) {
        char *path = layout_item_path(lay, lay->ms_past);
        hr = fsi_failf(img, IMAPI_E_BAD_MULTISESSION_PARAMETER, 0, path, NULL,
                       "next writable address %llu: the previous session's data of '%s' lies "
                       "there or after it", (unsigned long long)lay->base, path ? path : "?");
        free(path);
    }
    if (FSI_SUCCEEDED(hr))
        hr = add_writers(lay);
    uint64_t meta_from = 0;
    for (int ph = 0; ph < PHASE_COUNT && FSI_SUCCEEDED(hr); ph++) {
        if (ph == PHASE_META)
            meta_from = lay->next;
        if (ph == PHASE_DATA && lay->part_offset)
            hr = mirror_range(lay, 1, meta_from, lay->next, lay->next - meta_from);
        if (ph == PHASE_DATA && FSI_SUCCEEDED(hr)) {
            lay->cur_writer = 0;
            hr = place_files(lay);
        }
        if (ph == PHASE_SYSAREA)
            lay->next = lay->base;    /* the system area is the host's: placed at */
        for (int w = 0; w < lay->nwriters && FSI_SUCCEEDED(hr); w++) {
            lay->cur_writer = w;
            hr = lay->writers[w].ops->place(lay, lay->writers[w].self, (enum layout_phase)ph);
        }
        /* The partition's descriptors: its block 16, part_offset on. */
        if (ph == PHASE_VD_END && FSI_SUCCEEDED(hr) && lay->part_offset) {
            uint64_t vd = lay->base + SYSTEM_AREA_BLOCKS;
            if (lay->next - vd > lay->part_offset)
                hr = fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL,
                               "%llu volume descriptors do not fit before the partition's",
                               (unsigned long long)(lay->next - vd));
            else
                hr = mirror_range(lay, 0, vd, lay->next, lay->part_offset);
        }
        if (ph == PHASE_SYSAREA && FSI_SUCCEEDED(hr)) {
            if (lay->next > lay->base + SYSTEM_AREA_BLOCKS)
                hr = fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, NULL, NULL, "%s",
                               "the system area overflows block 15");
            lay->next = lay->base + SYSTEM_AREA_BLOCKS;
        }
    }
    lay->total_blocks = lay->next;
    for (int w = 0; w < lay->nwriters && FSI_SUCCEEDED(hr); w++)
        if (lay->writers[w].ops->finish)
            hr = lay->writers[w].ops->finish(lay, lay->writers[w].self);
    if (FSI_FAILED(hr)) {
        layout_free(lay);
        return hr;
    }
    *out = lay;
    return FSI_S_OK;
}

void layout_free(struct layout *lay)
{
    if (!lay)
        return;
    for (int w = 0; w < lay->nwriters; w++)
        lay->writers[w].ops->destroy(lay->writers[w].self);
    free(lay->kept_br);
    if (lay->boot)
        eltorito_ops.destroy(lay->boot);
    free(lay->regions);
    free(lay->file_block);
    free(lay->changed);
    free(lay->data_order);
    free(lay->group_leader);
    free(lay->group_count);
    free(lay->kids);
    free(lay->kids_at);
    free(lay->names);
    free(lay->bigdirs);
    free(lay->group_at);
    free(lay);
}

void layout_segment_at(const struct layout *lay, uint64_t block, struct segment *seg)
{
    /* Last region starting at or before block. */
    size_t lo = 0, hi = lay->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lay->regions[mid].start <= block)
            lo = mid + 1;
        else
            hi = mid;
    }
    memset(seg, 0, sizeof *seg);
    if (lo > 0) {
        const struct region *r = &lay->regions[lo - 1];
        if (block < r->start + r->nblocks) {
            if (r->kind == REG_WRITER) {
                seg->kind = SEG_GEN;
                seg->start = r->start;
                seg->nblocks = r->nblocks;
                seg->region = lo - 1;
                return;
            }
            /* Data area: the file whose blocks hold `block`, or the zero
             * padding before an aligned file. */
            size_t a = 0, b = lay->ndata;
            while (a < b) {
                size_t mid = a + (b - a) / 2;
                if (lay->file_block[lay->data_order[mid]] <= block)
                    a = mid + 1;
                else
                    b = mid;
            }
            if (a > 0) {
                fsi_item it = lay->data_order[a - 1];
                uint64_t fs = lay->file_block[it];
                uint64_t fn = bytes_to_blocks(lay->img->nodes[it].size);
                if (block < fs + fn) {
                    seg->kind = SEG_FILE;
                    seg->item = it;
                    seg->start = fs;
                    seg->nblocks = fn;
                    return;
                }
                seg->start = fs + fn;
            } else {
                seg->start = r->start;
            }
            seg->kind = SEG_ZERO;
            seg->nblocks = (a < lay->ndata ? lay->file_block[lay->data_order[a]]
                                           : r->start + r->nblocks) - seg->start;
            return;
        }
    }
    seg->kind = SEG_ZERO;
    seg->start = lo > 0 ? lay->regions[lo - 1].start + lay->regions[lo - 1].nblocks : 0;
    seg->nblocks = (lo < lay->nregions ? lay->regions[lo].start : lay->total_blocks) - seg->start;
}

fsi_hresult layout_produce(struct layout *lay, const struct segment *seg,
                           uint64_t block, uint8_t *buf, uint32_t nblocks)
{
    const struct region *r = &lay->regions[seg->region];
    lay->mirroring = r->mirror;
    fsi_hresult hr = lay->writers[r->writer].ops->produce(lay, lay->writers[r->writer].self,
                                                          r->tag, block - r->start, buf, nblocks);
    lay->mirroring = false;
    return hr;
}

void layout_patch(const struct layout *lay, fsi_item item, uint64_t off, uint8_t *buf,
                  size_t len)
{
    for (size_t i = 0; i < lay->npatches; i++) {
        const struct data_patch *p = &lay->patches[i];
        uint64_t s = p->off, e = s + p->len;
        if (p->item != item || e <= off || s >= off + len)
            continue;
        uint64_t cs = s > off ? s : off, ce = e < off + len ? e : off + len;
        memcpy(buf + (cs - off), p->bytes + (cs - s), (size_t)(ce - cs));
    }
}

bool layout_patched(const struct layout *lay, fsi_item item)
{
    for (size_t i = 0; i < lay->npatches; i++)
        if (lay->patches[i].item == item)
            return true;
    return false;
}
