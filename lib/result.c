/* result.c - placeholder until the image writer lands: a result only
 * locks the tree. */
#include "config.h"
#include "internal.h"

#include <stdlib.h>

struct fsi_result {
    fsi_image *img;
};

FSI_API fsi_hresult fsi_create_result(fsi_image *img, fsi_result **out)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!out)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "out", NULL, NULL);
    if (!(img->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF)))
        return fsi_fail(img, IMAPI_E_NO_OUTPUT, 0, NULL, NULL, NULL);
    fsi_result *r = calloc(1, sizeof *r);
    if (!r)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, 12, NULL, NULL, NULL);
    r->img = img;
    img->results++;
    *out = r;
    return FSI_S_OK;
}

FSI_API void fsi_result_free(fsi_result *res)
{
    if (!res)
        return;
    res->img->results--;
    free(res);
}

FSI_API uint32_t fsi_result_block_size(const fsi_result *res)
{
    (void)res;
    return 2048;
}

FSI_API uint64_t fsi_result_total_blocks(const fsi_result *res)
{
    (void)res;
    return 0;
}

FSI_API fsi_hresult fsi_result_write_fd(fsi_result *res, int fd, uint64_t *written)
{
    (void)fd;
    if (written)
        *written = 0;
    return fsi_failf(res->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "no image writer yet", NULL, " ");
}

FSI_API fsi_hresult fsi_result_read(fsi_result *res, uint64_t offset, void *buf, size_t len,
                                    size_t *got)
{
    (void)offset, (void)buf, (void)len;
    if (got)
        *got = 0;
    return fsi_failf(res->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "no image writer yet", NULL, " ");
}
