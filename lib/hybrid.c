/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hybrid.c - the hybrid-disk writer (see hybrid.h) and its settings.
 *
 * What the tables list, as xorriso lists it for the same options:
 *   - no GPT: MBR partition 1 is the ISO9660 data (type 0x17 unless set,
 *     active when there is MBR code), unless partition 1 is appended;
 *     appended partition N is MBR partition N.
 *   - a GPT (fsi_image_set_efi_partition, fsi_image_set_appended_gpt):
 *     a protective MBR (0xEE from sector 1); in the GPT the ISO9660 data
 *     from sector 64 ("ISO9660", only with appended_gpt: with an ESP
 *     inside the ISO the two would overlap), appended partition N in
 *     slot N, and the El Torito EFI image as ESP in the first free slot.
 * Appended partitions follow the ISO9660 data block-aligned, without
 * gaps.  The ISO9660 volume covers the whole image (its descriptors give
 * the image's size, which readers and the next session rely on).
 */
#include "config.h"
#include "hybrid.h"
#include "eltorito.h"
#include "sysarea.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_AREA_BYTES (16 * FSI_BLOCK)
#define ISO_GPT_START 64        /* sectors: block 16, the volume descriptors */
#define PART_OFFSET_MAX 1024    /* blocks: xorriso's "hardly of use" beyond 16 */
#define CYLINDER_BLOCKS 512     /* 64 heads x 32 sectors of 512 bytes */

enum { TAG_HEAD = 1, TAG_TAIL, TAG_PART = 8 };

struct hyb {
    fsi_image *img;
    uint64_t part_block[FSI_APPENDED_PARTITIONS];   /* 0: none */
    uint64_t part_blocks[FSI_APPENDED_PARTITIONS];
    uint64_t iso_end;           /* first block past the ISO9660 data */
    bool gpt;
    int fd, fd_part;            /* an open appended partition */
};

/* ---------------------------------------------------------------- */
/* Settings                                                          */
/* ---------------------------------------------------------------- */

static bool has_appended(const fsi_image *img)
{
    for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++)
        if (img->parts[i].path)
            return true;
    return false;
}

bool hybrid_wanted(const fsi_image *img)
{
    return img->isohybrid_mbr || img->efi_partition || img->system_area || img->parts_gpt ||
           img->mbr_bootable || img->part_offset || img->apm || img->msdos_label ||
           has_appended(img);
}

void hybrid_free(fsi_image *img)
{
    free(img->system_area);
    img->system_area = NULL;
    for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++) {
        free(img->parts[i].path);
        img->parts[i].path = NULL;
    }
}

static fsi_hresult bad_type(fsi_image *img, const char *type)
{
    return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "type", NULL,
                     "'%s' is no partition type: give an MBR type byte (0xef; FAT12, FAT16, "
                     "Linux, EFI) or a GPT type GUID (C12A7328-F81F-11D2-BA4B-00A0C93EC93B, "
                     "or its 32 hex digits as stored)", type ? type : "(null)");
}

FSI_API fsi_hresult fsi_image_append_partition(fsi_image *img, unsigned number,
                                               const char *type, const char *host_path)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (number < 1 || number > FSI_APPENDED_PARTITIONS)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "number", NULL,
                         "appended partitions are numbered 1 to %d, not %u",
                         FSI_APPENDED_PARTITIONS, number);
    struct appended_part *p = &img->parts[number - 1];
    limits_invalidate(img);         /* the image's size changes */
    if (!host_path) {
        free(p->path);
        p->path = NULL;
        return FSI_S_OK;
    }
    struct part_type t;
    if (sysarea_parse_type(type, &t))
        return bad_type(img, type);
    struct stat st;
    int fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int e = fd < 0 ? errno : fstat(fd, &st) ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (e)
        return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, e, host_path, NULL, NULL);
    if (!S_ISREG(st.st_mode) || st.st_size == 0)
        return fsi_failf(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, 0, host_path, NULL,
                         "an appended partition is the contents of a non-empty regular file");
    char *copy = strdup(host_path);
    if (!copy)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    free(p->path);
    p->path = copy;
    p->size = (uint64_t)st.st_size;
    p->type = t;
    return FSI_S_OK;
}

FSI_API const char *fsi_image_get_appended_partition(const fsi_image *img, unsigned number)
{
    if (!img || number < 1 || number > FSI_APPENDED_PARTITIONS)
        return NULL;
    return img->parts[number - 1].path;
}

FSI_API fsi_hresult fsi_image_set_appended_gpt(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->parts_gpt = on;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_iso_partition_type(fsi_image *img, const char *type)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!type) {
        img->iso_type_set = false;
        return FSI_S_OK;
    }
    struct part_type t;
    if (sysarea_parse_type(type, &t))
        return bad_type(img, type);
    img->iso_type = t;
    img->iso_type_set = true;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_partition_offset(fsi_image *img, uint32_t blocks)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (blocks && (blocks < 16 || blocks > PART_OFFSET_MAX))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "blocks", NULL,
                         "a partition offset is 0 or 16 to %d blocks, not %u", PART_OFFSET_MAX,
                         blocks);
    img->part_offset = blocks;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API uint32_t fsi_image_get_partition_offset(const fsi_image *img)
{
    return img ? img->part_offset : 0;
}

FSI_API fsi_hresult fsi_image_set_mbr_bootable(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->mbr_bootable = on;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_msdos_label(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->msdos_label = on;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_apm(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->apm = on;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_grub2_mbr(fsi_image *img, const void *code, size_t len)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (code && len && (len < ISOHYBRID_CODE || len > 512))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "code", NULL,
                         "a GRUB2 MBR has 432 to 512 bytes (boot_hybrid.img has 512), not %zu",
                         len);
    fsi_hresult hr = fsi_image_set_isohybrid_mbr(img, code, len);
    if (FSI_SUCCEEDED(hr))
        img->grub2_mbr = code && len;
    return hr;
}

FSI_API fsi_hresult fsi_image_set_system_area(fsi_image *img, const void *data, size_t len)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!data || !len) {
        free(img->system_area);
        img->system_area = NULL;
        img->system_area_len = 0;
        return FSI_S_OK;
    }
    if (len > SYSTEM_AREA_BYTES)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "len", NULL,
                         "the system area has 32768 bytes (blocks 0-15), not %zu", len);
    uint8_t *c = malloc(len);
    if (!c)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    memcpy(c, data, len);
    free(img->system_area);
    img->system_area = c;
    limits_invalidate(img);
    img->system_area_len = len;
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* The writer                                                        */
/* ---------------------------------------------------------------- */

static void hyb_destroy(void *self)
{
    struct hyb *h = self;
    if (!h)
        return;
    if (h->fd >= 0)
        close(h->fd);
    free(h);
}

fsi_hresult hybrid_writer_new(struct layout *lay, void **self)
{
    *self = NULL;
    fsi_image *img = lay->img;
    struct hyb *h = calloc(1, sizeof *h);
    if (!h)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    h->img = img;
    h->fd = -1;
    h->fd_part = -1;
    h->gpt = img->efi_partition || img->parts_gpt;
    *self = h;
    if (img->measuring)
        return FSI_S_OK;
    /* A partition file read at the end must still be what it was. */
    for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++) {
        const struct appended_part *p = &img->parts[i];
        struct stat st;
        if (!p->path)
            continue;
        if (stat(p->path, &st) != 0)
            return fsi_fail(img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, p->path, NULL, NULL);
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != p->size) {
            char exp[32], got[32];
            snprintf(exp, sizeof exp, "%llu", (unsigned long long)p->size);
            snprintf(got, sizeof got, "%llu", (unsigned long long)st.st_size);
            return fsi_fail(img, IMAPI_E_DATA_STREAM_INCONSISTENCY, 0, p->path, exp, got);
        }
    }
    return FSI_S_OK;
}

static fsi_hresult hyb_place(struct layout *lay, void *self, enum layout_phase ph)
{
    struct hyb *h = self;
    fsi_image *img = h->img;
    uint64_t b;
    fsi_hresult hr;
    if (ph == PHASE_SYSAREA) {
        uint64_t n = sysarea_head_blocks(h->gpt, img->apm ? SYSAREA_APM_MAX : 0);
        uint64_t area = bytes_to_blocks(img->system_area_len);
        return layout_alloc_at(lay, lay->base, TAG_HEAD, area > n ? area : n);
    }
    if (ph != PHASE_TAIL)
        return FSI_S_OK;
    /* Whole cylinders (64 heads x 32 sectors: 512 blocks), as isohybrid
     * and xorriso pad under isolinux's MBR, for BIOSes that want
     * partitions to end on one: the image, or with appended partitions
     * the ISO9660 data.  Not with UDF, whose closing anchor must end the
     * image. */
    if (img->isohybrid_mbr && !img->grub2_mbr && !(lay->fs & FSI_FS_UDF)) {
        uint64_t end = lay->next + (!has_appended(img) && h->gpt ? SYSAREA_GPT_BLOCKS : 0);
        lay->next += (CYLINDER_BLOCKS - end % CYLINDER_BLOCKS) % CYLINDER_BLOCKS;
    }
    h->iso_end = lay->next;
    for (unsigned i = 0; i < FSI_APPENDED_PARTITIONS; i++) {
        if (!img->parts[i].path)
            continue;
        h->part_blocks[i] = bytes_to_blocks(img->parts[i].size);
        if (FSI_FAILED(hr = layout_alloc(lay, TAG_PART + i, h->part_blocks[i],
                                         &h->part_block[i])))
            return hr;
    }
    return h->gpt ? layout_alloc(lay, TAG_TAIL, SYSAREA_GPT_BLOCKS, &b) : FSI_S_OK;
}

static const struct hyb *find_self(const struct layout *lay)
{
    for (int w = 0; w < lay->nwriters; w++)
        if (lay->writers[w].ops == &hybrid_ops)
            return lay->writers[w].self;
    return NULL;
}

bool hybrid_partition(const struct layout *lay, unsigned number, uint64_t *block,
                      uint64_t *blocks)
{
    const struct hyb *h = find_self(lay);
    if (!h || number < 1 || number > FSI_APPENDED_PARTITIONS || !h->part_block[number - 1])
        return false;
    *block = h->part_block[number - 1];
    *blocks = h->part_blocks[number - 1];
    return true;
}

static void part_entry(struct sysarea_part *p, uint64_t first, uint64_t sectors)
{
    memset(p, 0, sizeof *p);
    p->first = first;
    p->sectors = sectors;
}

/* What this image's MBR and GPT hold (see the top of this file). */
static void describe(const struct layout *lay, const struct hyb *h, struct sysarea *sa)
{
    const fsi_image *img = h->img;
    memset(sa, 0, sizeof *sa);
    sa->area = img->system_area;
    sa->area_len = img->system_area_len;
    sa->sectors = lay->total_blocks * 4;
    sa->now_ns = lay->now_ns;
    uint64_t first;
    if (img->isohybrid_mbr && eltorito_first_image(lay, &first)) {
        sa->mbr_code = img->isohybrid_mbr;
        sa->boot_sector = first * 4 + (img->grub2_mbr ? 4 : 0);
    }
    bool any_part = false;
    for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++)
        any_part |= h->part_block[i] != 0;
    uint64_t esp, esp_size;
    bool have_esp = eltorito_efi_image(lay, &esp, &esp_size);
    if (img->apm) {
        /* As xorriso -isohybrid-apm-hfsplus lists it without HFS+: the
         * map, and the EFI boot image as "EFI", which Macs boot. */
        sa->apm = have_esp ? 2 : 1;
        struct sysarea_part *p = &sa->apm_parts[0];
        part_entry(p, 1, sa->apm);
        strcpy(p->name, "Apple");
        p->apm_type = "Apple_partition_map";
        p->flags = 0x03;                 /* valid, allocated */
        if (have_esp) {
            p = &sa->apm_parts[1];
            part_entry(p, esp, (esp_size + FSI_BLOCK - 1) / FSI_BLOCK);
            strcpy(p->name, "EFI");
            p->apm_type = "Apple_HFS";
            p->flags = 0x40000013;       /* valid, allocated, readable, bootable (Mac) */
        }
    }
    sa->gpt = h->gpt;
    sa->mbr = h->gpt || any_part || img->isohybrid_mbr || img->mbr_bootable || lay->part_offset ||
              img->msdos_label;
    if (!sa->mbr)
        return;
    /* The ISO data's type as xorriso writes it: 0x17 under MBR code, 0xcd
     * from a partition offset, else 0x83 (beside appended partitions). */
    struct part_type iso_type = {.mbr = img->isohybrid_mbr ? 0x17 : lay->part_offset ||
                                                                    img->msdos_label ? 0xcd : 0x83};
    if (img->iso_type_set)
        iso_type = img->iso_type;
    /* The ISO9660 data's partition: from the partition offset (where its
     * second superblock makes it mountable), else from sector 0 in an
     * MBR and from its descriptors in a GPT (the GPT's own blocks come
     * first). */
    uint64_t iso_first = lay->part_offset * 4;
    /* A DOS label leaves sector 0 out (xorriso --protective-msdos-label). */
    bool label = img->msdos_label && !img->isohybrid_mbr && !h->gpt;
    if (label && !iso_first)
        iso_first = 1;

    if (!h->gpt) {
        bool active = false;
        if (!h->part_block[0]) {
            part_entry(&sa->mbr_parts[0], iso_first, h->iso_end * 4 - iso_first);
            sa->mbr_parts[0].mbr_type = iso_type.mbr;
            active = img->isohybrid_mbr || img->mbr_bootable || label;
            sa->mbr_parts[0].status = active ? 0x80 : 0;
        }
        for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++) {
            if (!h->part_block[i])
                continue;
            struct sysarea_part *p = &sa->mbr_parts[i];
            part_entry(p, h->part_block[i] * 4, h->part_blocks[i] * 4);
            p->mbr_type = img->parts[i].type.mbr;
            if (img->mbr_bootable && !active) {
                p->status = 0x80;
                active = true;
            }
        }
        return;
    }

    part_entry(&sa->mbr_parts[0], 1, sa->sectors - 1);
    sa->mbr_parts[0].mbr_type = 0xEE;
    if (img->mbr_bootable) {
        part_entry(&sa->mbr_parts[1], 0, 1);
        sa->mbr_parts[1].status = 0x80;
    }
    if (img->parts_gpt && !img->efi_partition && !h->part_block[0]) {
        struct sysarea_part *p = &sa->gpt_parts[0];
        uint64_t from = iso_first ? iso_first : ISO_GPT_START;
        part_entry(p, from, h->iso_end * 4 - from);
        sysarea_gpt_type(&iso_type, p->type);
        p->flags = (1ull << 60) | 1;   /* read-only, needed by the platform */
        strcpy(p->name, "ISO9660");
    }
    for (int i = 0; i < FSI_APPENDED_PARTITIONS; i++) {
        if (!h->part_block[i])
            continue;
        struct sysarea_part *p = &sa->gpt_parts[i];
        part_entry(p, h->part_block[i] * 4, h->part_blocks[i] * 4);
        sysarea_gpt_type(&img->parts[i].type, p->type);
        snprintf(p->name, sizeof p->name, "Appended%d", i + 1);
    }
    if (img->efi_partition && have_esp) {
        int k = 0;
        while (k < SYSAREA_GPT_MAX - 1 && sa->gpt_parts[k].sectors)
            k++;
        struct sysarea_part *p = &sa->gpt_parts[k];
        part_entry(p, esp * 4, (esp_size + 511) / 512);
        sysarea_gpt_type(&(struct part_type){.mbr = 0xEF}, p->type);
        strcpy(p->name, "EFI boot partition");
    }
}

/* Blocks [block, block + n) of appended partition i: its file, then zeros. */
static fsi_hresult produce_part(struct hyb *h, unsigned i, uint64_t block, uint8_t *buf,
                                uint32_t n)
{
    const struct appended_part *p = &h->img->parts[i];
    if (h->fd_part != (int)i) {
        if (h->fd >= 0)
            close(h->fd);
        h->fd_part = (int)i;
        h->fd = open(p->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (h->fd < 0)
            return fsi_fail(h->img, IMAPI_E_DATA_STREAM_CREATE_FAILURE, errno, p->path, NULL,
                            NULL);
    }
    uint64_t off = block * FSI_BLOCK, len = (uint64_t)n * FSI_BLOCK;
    uint64_t data = off < p->size ? (p->size - off < len ? p->size - off : len) : 0;
    memset(buf + data, 0, (size_t)(len - data));
    for (uint64_t done = 0; done < data;) {
        ssize_t r = pread(h->fd, buf + done, (size_t)(data - done), (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return fsi_fail(h->img, IMAPI_E_DATA_STREAM_READ_FAILURE, errno, p->path, NULL,
                            NULL);
        if (r == 0) {
            char exp[32], got[32];
            snprintf(exp, sizeof exp, "%llu", (unsigned long long)p->size);
            snprintf(got, sizeof got, "%llu", (unsigned long long)(off + done));
            return fsi_fail(h->img, IMAPI_E_DATA_STREAM_INCONSISTENCY, 0, p->path, exp, got);
        }
        done += (uint64_t)r;
    }
    return FSI_S_OK;
}

static fsi_hresult hyb_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                               uint8_t *buf, uint32_t n)
{
    struct hyb *h = self;
    if (tag >= TAG_PART && tag < TAG_PART + FSI_APPENDED_PARTITIONS)
        return produce_part(h, tag - TAG_PART, block, buf, n);
    struct sysarea sa;
    describe(lay, h, &sa);
    if (tag == TAG_HEAD && block == 0) {
        sysarea_head(&sa, buf, n);
        return FSI_S_OK;
    }
    if (tag == TAG_TAIL && block == 0 && n == SYSAREA_GPT_BLOCKS) {
        sysarea_tail(&sa, buf);
        return FSI_S_OK;
    }
    /* The head or tail in pieces: make it whole, copy the piece. */
    uint32_t whole = tag == TAG_TAIL ? SYSAREA_GPT_BLOCKS : 16;
    uint8_t *all = malloc((size_t)whole * FSI_BLOCK);
    if (!all)
        return fsi_fail(lay->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (tag == TAG_TAIL)
        sysarea_tail(&sa, all);
    else
        sysarea_head(&sa, all, whole);
    memcpy(buf, all + block * FSI_BLOCK, (size_t)n * FSI_BLOCK);
    free(all);
    return FSI_S_OK;
}

const struct writer_ops hybrid_ops = {
    .name = "hybrid disk",
    .place = hyb_place,
    .produce = hyb_produce,
    .destroy = hyb_destroy,
};
