/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * posix.c - what the POSIX-capable views (Rock Ridge, UDF) record of an
 * item's type, owner and mode, and the image options that shape it:
 * following or keeping links, hard links, normalisation for distributable
 * media (mkisofs -r), Rock Ridge and deep-directory relocation.
 */
#include "config.h"
#include "internal.h"

#include <sys/stat.h>

void item_posix(const fsi_image *img, fsi_item item, struct item_posix *out)
{
    const struct node *n = &img->nodes[item];
    uint32_t type = n->type == NODE_DIR       ? S_IFDIR
                    : n->type == NODE_SYMLINK ? S_IFLNK
                    : n->type == NODE_SPECIAL ? (uint32_t)(n->mode & S_IFMT)
                                              : S_IFREG;
    uint32_t perm = n->mode & 07777;
    out->uid = n->uid;
    out->gid = n->gid;
    if (img->normalize & FSI_NORMALIZE_OWNERS)
        out->uid = out->gid = 0;
    if ((img->normalize & FSI_NORMALIZE_MODES) && type != S_IFLNK) {
        /* mkisofs -r: readable by all, executable (searchable) by all if
         * by anyone, never writable; no set-id or sticky bit, which mean
         * nothing on read-only media and are unwanted for uid 0. */
        perm = 0444 | ((perm & 0111) ? 0111 : 0);
    }
    out->mode = type | perm;
}

FSI_API fsi_hresult fsi_image_set_follow_links(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_SUCCEEDED(hr))
        img->follow_links = on;
    return hr;
}

FSI_API bool fsi_image_get_follow_links(const fsi_image *img)
{
    return img && img->follow_links;
}

FSI_API fsi_hresult fsi_image_set_hardlinks(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_SUCCEEDED(hr))
        img->no_hardlinks = !on;
    return hr;
}

FSI_API bool fsi_image_get_hardlinks(const fsi_image *img)
{
    return img && !img->no_hardlinks;
}

FSI_API fsi_hresult fsi_image_set_normalize(fsi_image *img, unsigned flags)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (flags & ~(unsigned)(FSI_NORMALIZE_OWNERS | FSI_NORMALIZE_MODES))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "flags", NULL,
                         "%#x has bits beyond FSI_NORMALIZE_OWNERS | FSI_NORMALIZE_MODES", flags);
    img->normalize = flags;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API unsigned fsi_image_get_normalize(const fsi_image *img)
{
    return img ? img->normalize : 0;
}

FSI_API fsi_hresult fsi_image_set_rock_ridge(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!on && img->relocate_deep)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "rock_ridge", NULL,
                         "relocating deep directories needs Rock Ridge");
    img->no_rock = !on;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_rock_ridge(const fsi_image *img)
{
    return img && !img->no_rock;
}

FSI_API fsi_hresult fsi_image_set_relocate_deep(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (on && img->no_rock)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "relocate_deep", NULL,
                         "relocating deep directories needs Rock Ridge");
    img->relocate_deep = on;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_relocate_deep(const fsi_image *img)
{
    return img && img->relocate_deep;
}
