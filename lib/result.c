/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * result.c - the result image (IFileSystemImageResult): lays the tree out
 * once, then writes it to a descriptor or reads any byte range of it
 * (ImageStream).  While a result exists the tree is read-only.
 */
#include "config.h"
#include "internal.h"
#include "layout.h"
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct fsi_result {
    fsi_image *img;
    struct layout *lay;
    int copy_method;
    struct src_cur cur;         /* source kept open between reads */
    struct out_progress prog;
};

/* Symlinks and special files are left out of Joliet, and of ISO9660
 * without Rock Ridge: FSI_S_OK when no view left anything out, else
 * IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED (a success) saying how many. */
static fsi_hresult left_out(fsi_image *img, const struct layout *lay)
{
    bool joliet = (img->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET)) == (FSI_FS_ISO9660 | FSI_FS_JOLIET);
    bool plain = (img->fs & FSI_FS_ISO9660) && img->no_rock;
    uint64_t nl = lay->nsymlinks, ns = lay->nspecials;
    if ((!joliet && !plain) || (nl == 0 && ns == 0))
        return FSI_S_OK;
    char links[64] = "", specials[64] = "";
    if (nl)
        snprintf(links, sizeof links, "%llu symbolic link%s", (unsigned long long)nl,
                 nl == 1 ? "" : "s");
    if (ns)
        snprintf(specials, sizeof specials, "%llu special file%s", (unsigned long long)ns,
                 ns == 1 ? "" : "s");
    return fsi_failf(img, IMAPI_S_IMAGE_FEATURE_NOT_SUPPORTED, 0, NULL, NULL,
                     "%s%s%s %s left out of %s (%s cannot hold them)", links,
                     nl && ns ? " and " : "", specials, nl + ns == 1 ? "is" : "are",
                     joliet && plain ? "Joliet and of ISO9660 without Rock Ridge"
                     : joliet        ? "Joliet"
                                     : "ISO9660 without Rock Ridge",
                     joliet && plain ? "they" : "it");
}

FSI_API fsi_hresult fsi_create_result(fsi_image *img, fsi_result **out)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!out)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "out", NULL, NULL);
    *out = NULL;
    if (!(img->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF)))
        return fsi_fail(img, IMAPI_E_NO_OUTPUT, 0, NULL, NULL, NULL);
    if (img->fs & FSI_FS_ISO9660) {
        fsi_hresult hr = tree_check_iso_limits(img);
        if (FSI_FAILED(hr))
            return hr;
    }
    fsi_result *r = calloc(1, sizeof *r);
    if (!r)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    fsi_hresult hr = layout_build(img, &r->lay);
    if (FSI_FAILED(hr)) {
        free(r);
        return hr;
    }
    r->img = img;
    src_cur_init(&r->cur);
    img->results++;
    *out = r;
    return left_out(img, r->lay);
}

FSI_API void fsi_result_free(fsi_result *res)
{
    if (!res)
        return;
    src_cur_done(&res->cur);
    layout_free(res->lay);
    res->img->results--;
    free(res);
}

FSI_API uint32_t fsi_result_block_size(const fsi_result *res)
{
    (void)res;
    return FSI_BLOCK;
}

struct layout *result_layout(fsi_result *res)
{
    return res->lay;
}

FSI_API uint64_t fsi_result_first_block(const fsi_result *res)
{
    return res ? res->lay->base : 0;
}

FSI_API uint64_t fsi_result_total_blocks(const fsi_result *res)
{
    return res ? res->lay->total_blocks : 0;
}

FSI_API fsi_hresult fsi_result_set_copy_method(fsi_result *res, fsi_copy_method method)
{
    if (!res)
        return IMAPI_E_INVALID_PARAM;
    if ((int)method < FSI_COPY_AUTO || method > FSI_COPY_SPLICE)
        return fsi_fail(res->img, IMAPI_E_INVALID_PARAM, 0, "method", NULL, NULL);
    res->copy_method = method;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_result_write_fd(fsi_result *res, int fd, uint64_t *written)
{
    uint64_t dummy;
    if (!written)
        written = &dummy;
    *written = 0;
    if (!res)
        return IMAPI_E_INVALID_PARAM;
    if (fd < 0)
        return fsi_fail(res->img, IMAPI_E_INVALID_PARAM, 0, "fd", NULL, NULL);
    return output_write_fd(res->lay, fd, res->copy_method, &res->prog, written);
}

FSI_API fsi_hresult fsi_result_read(fsi_result *res, uint64_t offset, void *buf, size_t len,
                                    size_t *got)
{
    size_t dummy;
    if (!got)
        got = &dummy;
    *got = 0;
    if (!res)
        return IMAPI_E_INVALID_PARAM;
    if (!buf && len)
        return fsi_fail(res->img, IMAPI_E_INVALID_PARAM, 0, "buf", NULL, NULL);
    /* A session image's stream starts at its first block. */
    uint64_t total = (res->lay->total_blocks - res->lay->base) * FSI_BLOCK;
    if (offset >= total || len == 0)
        return FSI_S_OK;
    if (len > total - offset)
        len = (size_t)(total - offset);
    fsi_hresult hr = output_read(res->lay, &res->cur, offset + res->lay->base * FSI_BLOCK, buf,
                                 len);
    if (FSI_SUCCEEDED(hr))
        *got = len;
    return hr;
}

FSI_API fsi_hresult fsi_result_set_progress(fsi_result *res, fsi_progress_fn fn, void *ctx)
{
    if (!res)
        return IMAPI_E_INVALID_PARAM;
    res->prog.fn = fn;
    res->prog.ctx = ctx;
    return FSI_S_OK;
}
