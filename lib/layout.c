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

/* Sort every directory's children once (byte order of their names) for
 * all writers and passes: kids holds them grouped by directory, the
 * directories breadth first, so the array is its own BFS queue. */
static fsi_hresult index_children(struct layout *lay)
{
    const fsi_image *img = lay->img;
    size_t total = (size_t)(img->nfiles + img->ndirs), used = 0;
    lay->kids = malloc((total ? total : 1) * sizeof *lay->kids);
    lay->kids_at = malloc((size_t)lay->nitems * sizeof *lay->kids_at);
    if (!lay->kids || !lay->kids_at)
        return nomem(lay);
    fsi_item dir = FSI_ROOT;
    for (size_t q = 0;; q++) {
        size_t n;
        errno = 0;
        fsi_item *k = tree_sorted_children(img, dir, &n);
        if (!k && errno == ENOMEM)
            return nomem(lay);
        if (n != img->nodes[dir].nchildren || n > total - used) {
            free(k);
            return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "tree counts disagree",
                             NULL, "directory %u", (unsigned)dir);
        }
        lay->kids_at[dir] = (uint32_t)used;
        if (n)
            memcpy(lay->kids + used, k, n * sizeof *k);
        used += n;
        free(k);
        while (q < used && img->nodes[lay->kids[q]].type != NODE_DIR)
            q++;
        if (q >= used)
            break;
        dir = lay->kids[q];
    }
    lay->nkids = used;
    return FSI_S_OK;
}

const fsi_item *layout_children(const struct layout *lay, fsi_item dir, size_t *n)
{
    *n = lay->img->nodes[dir].nchildren;
    return lay->kids + lay->kids_at[dir];
}

/* Place every file's data once, in the order of kids: directories
 * breadth first, children in byte order, so data follows the tree; big
 * files aligned (see LAYOUT_ALIGN_MIN), the padding left zero. */
static fsi_hresult place_files(struct layout *lay)
{
    const fsi_image *img = lay->img;
    lay->data_order = malloc((size_t)(img->nfiles ? img->nfiles : 1) * sizeof *lay->data_order);
    if (!lay->data_order)
        return nomem(lay);
    lay->data_start = lay->next;
    uint64_t b = lay->next;
    for (size_t i = 0; i < lay->nkids; i++) {
        fsi_item it = lay->kids[i];
        const struct node *nd = &img->nodes[it];
        if (nd->type == NODE_DIR || nd->size == 0 || lay->ndata >= img->nfiles)
            continue;
        if (layout_align_bound(img, nd->size))
            b = (b + LAYOUT_ALIGN_BLOCKS - 1) / LAYOUT_ALIGN_BLOCKS * LAYOUT_ALIGN_BLOCKS;
        if (b >= LAYOUT_MAX_BLOCKS)
            return too_big(lay);
        lay->file_block[it] = (uint32_t)b;
        lay->data_order[lay->ndata++] = it;
        b += bytes_to_blocks(nd->size);
    }
    lay->data_blocks = b - lay->data_start;
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
    /* El Torito's boot record (block 17) goes here. */
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
    lay->next = SYSTEM_AREA_BLOCKS;

    if (FSI_SUCCEEDED(hr))
        hr = lay->file_block ? index_children(lay) : nomem(lay);
    if (FSI_SUCCEEDED(hr))
        hr = add_writers(lay);
    for (int ph = 0; ph < PHASE_COUNT && FSI_SUCCEEDED(hr); ph++) {
        if (ph == PHASE_DATA) {
            lay->cur_writer = 0;
            hr = place_files(lay);
        }
        for (int w = 0; w < lay->nwriters && FSI_SUCCEEDED(hr); w++) {
            lay->cur_writer = w;
            hr = lay->writers[w].ops->place(lay, lay->writers[w].self, (enum layout_phase)ph);
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
    if (lay->boot)
        eltorito_ops.destroy(lay->boot);
    free(lay->regions);
    free(lay->file_block);
    free(lay->data_order);
    free(lay->kids);
    free(lay->kids_at);
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
    return lay->writers[r->writer].ops->produce(lay, lay->writers[r->writer].self, r->tag,
                                                 block - r->start, buf, nblocks);
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
