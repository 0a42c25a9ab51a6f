/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * limits.c - FreeMediaBlocks: the image size, exact, and the checks that
 * keep the tree within a limit; media presets (ChooseImageDefaults).
 *
 * The exact size is what the layout produces, so it is computed by laying
 * the tree out (names translated, directories packed) - O(items).  Doing
 * that on every add would make building a big tree quadratic, so each add
 * only adds a safe upper bound of what it can cost to a slack counter;
 * the exact size is recomputed only when base + slack could pass the
 * limit, i.e. near it, and after changes that can shrink the image.
 */
#include "config.h"
#include "internal.h"
#include "layout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound of the blocks one item can add to the image. */
uint64_t limits_item_bound(const fsi_image *img, fsi_item item)
{
    const struct node *n = &img->nodes[item];
    uint64_t b = 0;
    bool dir = n->type == NODE_DIR;
    if (!dir)
        b += bytes_to_blocks(n->size) + layout_align_bound(img, n->size);
    int views = ((img->fs & FSI_FS_ISO9660) != 0) + ((img->fs & FSI_FS_JOLIET) != 0);
    if (views) {
        /* A record can open a new directory block; a directory adds its
         * own extent and a path-table entry to both tables (L, M). */
        uint64_t per = dir ? 4 : 1;
        if (!dir && img->iso_level == 3)   /* multi-extent: a record per 4 GiB */
            per += (n->size >> 32) * 71 / 2048 + 1;
        b += per * (uint64_t)views;
    }
    if (img->fs & FSI_FS_UDF) {
        /* File Entry, a File Identifier that can open a directory block,
         * allocation descriptors past the entry (one per GiB); a
         * directory adds its identifier area.  Revisions with a metadata
         * partition keep a mirror and allocate in units. */
        uint64_t u = dir ? 3 : 2 + ((n->size >> 30) + 1) / 200;
        if (img->udf_revision >= 0x250)
            u = u * 2 + 32;
        b += u;
    }
    return b;
}

/* Lay the tree out to learn its exact size (recorded as the new base). */
fsi_hresult limits_exact(fsi_image *img, uint64_t *blocks)
{
    if (!(img->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF))) {
        *blocks = 0;
        return FSI_S_OK;
    }
    struct layout *lay;
    img->measuring = true;           /* boot entries: sizes only (eltorito.c) */
    fsi_hresult hr = layout_build(img, &lay);
    img->measuring = false;
    if (FSI_FAILED(hr))
        return hr;
    *blocks = lay->total_blocks;
    layout_free(lay);
    img->est_base = *blocks;
    img->est_slack = 0;
    img->est_valid = true;
    return FSI_S_OK;
}

void limits_invalidate(fsi_image *img)
{
    img->est_valid = false;
}

/* After items were added (their bound is `bound`): fine, or
 * IMAPI_E_IMAGE_SIZE_LIMIT naming `what` (the caller undoes the add). */
fsi_hresult limits_after_add(fsi_image *img, uint64_t bound, const char *what)
{
    if (!img->max_blocks) {
        limits_invalidate(img);      /* nothing to check; UsedBlocks recomputes */
        return FSI_S_OK;
    }
    if (img->est_valid && img->est_base + img->est_slack + bound <= img->max_blocks) {
        img->est_slack += bound;
        return FSI_S_OK;
    }
    uint64_t exact;
    fsi_hresult hr = limits_exact(img, &exact);
    if (FSI_FAILED(hr))
        return hr;
    if (exact > img->max_blocks) {
        img->est_valid = false;      /* the caller takes the add back */
        char have[32], lim[32];
        snprintf(have, sizeof have, "%llu", (unsigned long long)exact);
        snprintf(lim, sizeof lim, "%llu", (unsigned long long)img->max_blocks);
        return fsi_failf(img, IMAPI_E_IMAGE_SIZE_LIMIT, 0, what, NULL,
                         "the image would need %s blocks of 2048 bytes, the limit is %s", have,
                         lim);
    }
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_max_blocks(fsi_image *img, uint64_t blocks)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (blocks) {
        uint64_t exact;
        hr = limits_exact(img, &exact);
        if (FSI_FAILED(hr))
            return hr;
        if (exact > blocks)
            return fsi_failf(img, IMAPI_E_IMAGE_TOO_BIG, 0, NULL, NULL,
                             "the image already needs %llu blocks, more than %llu",
                             (unsigned long long)exact, (unsigned long long)blocks);
    }
    img->max_blocks = blocks;
    return FSI_S_OK;
}

FSI_API uint64_t fsi_image_get_max_blocks(const fsi_image *img)
{
    return img ? img->max_blocks : 0;
}

FSI_API fsi_hresult fsi_image_used_blocks(fsi_image *img, uint64_t *blocks)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!blocks)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "blocks", NULL, NULL);
    if (img->est_valid && img->est_slack == 0) {
        *blocks = img->est_base;
        return FSI_S_OK;
    }
    return limits_exact(img, blocks);
}

/* Capacities in 2048-byte blocks of the smallest common disc of a kind. */
static const struct media {
    int type;
    const char *name;
    uint64_t blocks;
    unsigned fs;
    int udf;
} media[] = {
    {FSI_MEDIA_CD, "cd", 359846, FSI_FS_ISO9660 | FSI_FS_JOLIET, 0},
    {FSI_MEDIA_DVD, "dvd", 2295104, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0x102},
    {FSI_MEDIA_DVD_DL, "dvd-dl", 4171712, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0x102},
    {FSI_MEDIA_BD, "bd", 12219392, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0x250},
    {FSI_MEDIA_BD_DL, "bd-dl", 24438784, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0x250},
    {FSI_MEDIA_BD_XL, "bd-xl", 48878592, FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, 0x250},
};

/* IMAPI's IMAPI_MEDIA_PHYSICAL_TYPE values map to the kinds above. */
static int media_kind(int type)
{
    switch (type) {
    case 1: case 2: case 3:                     /* CD-ROM, CD-R, CD-RW */
        return FSI_MEDIA_CD;
    case 4: case 5: case 6: case 7: case 9: case 10:   /* DVD single layer */
        return FSI_MEDIA_DVD;
    case 8: case 11: case 13:                   /* DVD dual layer */
        return FSI_MEDIA_DVD_DL;
    case 17: case 18: case 19:                  /* BD-ROM, BD-R, BD-RE */
        return FSI_MEDIA_BD;
    default:
        return type;
    }
}

FSI_API fsi_hresult fsi_image_choose_defaults_for_media(fsi_image *img, fsi_media media_type)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    media_type = (fsi_media)media_kind((int)media_type);
    const struct media *m = NULL;
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++)
        if (media[i].type == (int)media_type)
            m = &media[i];
    if (!m)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "media_type", NULL,
                         "unknown media type %d", (int)media_type);
    /* All or nothing: remember what we change. */
    unsigned fs = img->fs;
    int rev = img->udf_revision;
    uint64_t max = img->max_blocks;
    fsi_hresult hr = fsi_image_set_file_systems(img, m->fs);
    if (FSI_SUCCEEDED(hr) && m->udf)
        hr = fsi_image_set_udf_revision(img, m->udf);
    if (FSI_SUCCEEDED(hr)) {
        img->max_blocks = 0;
        hr = fsi_image_set_max_blocks(img, m->blocks);
    }
    if (FSI_FAILED(hr)) {
        img->fs = fs;
        img->udf_revision = rev;
        img->max_blocks = max;
        limits_invalidate(img);
    }
    return hr;
}

FSI_API int fsi_media_from_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof media / sizeof media[0]; i++)
        if (!strcmp(name, media[i].name))
            return media[i].type;
    return -1;
}
