/* SPDX-License-Identifier: BSD-2-Clause */
/* image.c - the image object: creation, properties, last error. */
#include "config.h"
#include "append.h"
#include "internal.h"
#include "path.h"
#include "eltorito.h"   /* boot_state_free */
#include "hybrid.h"    /* hybrid_free */

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>

/* SOURCE_DATE_EPOCH (reproducible builds): seconds since the epoch. */
static bool read_epoch(int64_t *ns)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0 || v > 253402300799LL)   /* up to year 9999 */
        return false;
    *ns = (int64_t)v * 1000000000;
    return true;
}

FSI_API fsi_hresult fsi_image_new(fsi_image **out)
{
    if (!out)
        return IMAPI_E_INVALID_PARAM;
    *out = NULL;
    fsi_image *img = calloc(1, sizeof *img);
    if (!img)
        return FSI_E_OUTOFMEMORY;
    img->fs = FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF;
    img->iso_level = 3;
    img->udf_revision = 0x102;
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    img->create_time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    img->have_epoch = read_epoch(&img->epoch_ns);
    img->stash_fd = -1;
    if (FSI_FAILED(tree_init(img))) {
        tree_free_all(img);
        free(img);
        return FSI_E_OUTOFMEMORY;
    }
    *out = img;
    return FSI_S_OK;
}

FSI_API void fsi_image_free(fsi_image *img)
{
    if (!img)
        return;
    boot_state_free(img);
    tree_free_all(img);
    import_free_all(img);
    append_state_free(img->ms_app);
    stash_close(img);
    free(img->work_dir);
    free(img->excluded);
    free(img->isohybrid_mbr);
    hybrid_free(img);
    for (uint32_t i = 0; i < img->nexclude_patterns; i++)
        free(img->exclude_patterns[i]);
    free(img->exclude_patterns);
    free(img->volume_name);
    for (size_t i = 0; i <= FSI_ID_BIBLIO_FILE; i++)
        free(img->volume_ids[i]);
    free(img->last_msg);
    free(img);
}

FSI_API fsi_hresult fsi_image_last_code(const fsi_image *img)
{
    return img ? img->last_code : IMAPI_E_INVALID_PARAM;
}

FSI_API const char *fsi_image_last_error(const fsi_image *img)
{
    return img && img->last_msg ? img->last_msg : "";
}

fsi_hresult image_check_writable(fsi_image *img)
{
    if (img->results > 0)
        return fsi_fail(img, IMAPI_E_READONLY, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_file_systems(fsi_image *img, unsigned fs)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (fs & ~(unsigned)(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "fs", NULL,
                         "only ISO9660 (1), Joliet (2) and UDF (4) can be created");
    if ((fs & FSI_FS_JOLIET) && !(fs & FSI_FS_ISO9660))
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "fs", NULL,
                         "Joliet needs ISO9660 (its volume sits beside the ISO9660 one)");
    if ((fs & FSI_FS_ISO9660) && !(img->fs & FSI_FS_ISO9660)) {
        hr = tree_check_iso_limits(img);
        if (FSI_FAILED(hr))
            return hr;
    }
    img->fs = fs;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API unsigned fsi_image_get_file_systems(const fsi_image *img)
{
    return img ? img->fs : 0;
}

FSI_API fsi_hresult fsi_image_set_iso_level(fsi_image *img, int level)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (level < 1 || level > 3)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "level", NULL,
                         "ISO9660 interchange levels are 1, 2 and 3");
    img->iso_level = level;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API int fsi_image_get_iso_level(const fsi_image *img)
{
    return img ? img->iso_level : 0;
}

FSI_API fsi_hresult fsi_image_set_udf_revision(fsi_image *img, int rev)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    static const int revs[] = {0x102, 0x150, 0x200, 0x201, 0x250, 0x260};
    for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++) {
        if (revs[i] == rev) {
            img->udf_revision = rev;
            limits_invalidate(img);
            return FSI_S_OK;
        }
    }
    return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "rev", NULL,
                     "UDF revisions are 0x102, 0x150, 0x200, 0x201, 0x250 and 0x260");
}

FSI_API int fsi_image_get_udf_revision(const fsi_image *img)
{
    return img ? img->udf_revision : 0;
}

FSI_API fsi_hresult fsi_image_set_volume_name(fsi_image *img, const char *name)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!name || !*name) {
        free(img->volume_name);
        img->volume_name = NULL;
        return FSI_S_OK;
    }
    size_t chars = path_text_chars(name, strlen(name));
    if (chars == (size_t)-1)
        return fsi_failf(img, IMAPI_E_INVALID_VOLUME_NAME, 0, name, NULL,
                         "control characters and invalid UTF-8 are not allowed");
    if (chars > 32)
        return fsi_failf(img, IMAPI_E_INVALID_VOLUME_NAME, 0, name, NULL,
                         "%zu characters, at most 32 are allowed", chars);
    char *copy = strdup(name);
    if (!copy)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    free(img->volume_name);
    img->volume_name = copy;
    return FSI_S_OK;
}

FSI_API const char *fsi_image_get_volume_name(const fsi_image *img)
{
    return img ? img->volume_name : NULL;
}

/* ---- descriptor identifiers ---- */

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

enum { ACHARS, DCHARS, FILE_ID };

static const struct {
    const char *name;       /* for messages: the field */
    size_t size;            /* bytes in the primary descriptor */
    int set;                /* characters allowed with strict compliance */
    const char *def;
} vol_fields[FSI_ID_BIBLIO_FILE + 1] = {
    [FSI_ID_SYSTEM] = {"system identifier", 32, ACHARS, "LINUX"},
    [FSI_ID_VOLUME_SET] = {"volume set identifier", 128, DCHARS, ""},
    [FSI_ID_PUBLISHER] = {"publisher identifier", 128, ACHARS, ""},
    [FSI_ID_PREPARER] = {"data preparer identifier", 128, ACHARS, ""},
    [FSI_ID_APPLICATION] = {"application identifier", 128, ACHARS, "LIBFSI " PACKAGE_VERSION},
    [FSI_ID_COPYRIGHT_FILE] = {"copyright file identifier", 37, FILE_ID, ""},
    [FSI_ID_ABSTRACT_FILE] = {"abstract file identifier", 37, FILE_ID, ""},
    [FSI_ID_BIBLIO_FILE] = {"bibliographic file identifier", 37, FILE_ID, ""},
};

/* ECMA-119 7.4: d-characters A-Z 0-9 _; a-characters add space and
 * !"%&'()*+,-./:;<=>?; a file identifier (8.4.19-21) adds SEPARATOR 1
 * and 2 to the d-characters. */
static bool strict_char(int set, char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        return true;
    if (set == ACHARS)
        return c && strchr(" !\"%&'()*+,-./:;<=>?", c) != NULL;
    return set == FILE_ID && (c == '.' || c == ';');
}

/* Does text fit field `which`?  IMAPI_E_INVALID_PARAM naming the field
 * and the text if not.  Without strict: printable ASCII, written as given
 * (the volume name's rule; genisoimage and xorriso write any text). */
static fsi_hresult check_volume_id(fsi_image *img, fsi_volume_id which, const char *text,
                                   bool strict)
{
    const char *field = vol_fields[which].name;
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c > 0x7E)
            return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, field, NULL,
                             "'%s': byte %zu (0x%02X) is not printable ASCII (0x20-0x7E)",
                             text, i + 1, c);
        if (strict && !strict_char(vol_fields[which].set, (char)c))
            return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, field, NULL,
                             "'%s': '%c' (character %zu) is not one of the field's %s with "
                             "strict compliance", text, (char)c, i + 1,
                             vol_fields[which].set == ACHARS ? "a-characters (A-Z 0-9 space "
                                                               "!\"%&'()*+,-./:;<=>?_)"
                             : vol_fields[which].set == DCHARS ? "d-characters (A-Z 0-9 _)"
                                                               : "characters (A-Z 0-9 _ . ;)");
    }
    if (len > vol_fields[which].size)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, field, NULL,
                         "'%s': %zu bytes, the field holds %zu", text, len,
                         vol_fields[which].size);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_volume_id(fsi_image *img, fsi_volume_id which,
                                            const char *text)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if ((unsigned)which > FSI_ID_BIBLIO_FILE)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "which", NULL,
                         "%d is no fsi_volume_id (0-%d)", (int)which, (int)FSI_ID_BIBLIO_FILE);
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    char *copy = NULL;
    if (text) {
        if (FSI_FAILED(hr = check_volume_id(img, which, text, img->strict)))
            return hr;
        if (!(copy = strdup(text)))
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    free(img->volume_ids[which]);
    img->volume_ids[which] = copy;
    return FSI_S_OK;
}

FSI_API const char *fsi_image_get_volume_id(const fsi_image *img, fsi_volume_id which)
{
    if (!img || (unsigned)which > FSI_ID_BIBLIO_FILE)
        return NULL;
    return img->volume_ids[which] ? img->volume_ids[which] : vol_fields[which].def;
}

FSI_API fsi_hresult fsi_image_set_joliet_long(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (img->joliet_long != on) {
        img->joliet_long = on;
        limits_invalidate(img);       /* Joliet records change size */
    }
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_joliet_long(const fsi_image *img)
{
    return img && img->joliet_long;
}

FSI_API fsi_hresult fsi_image_set_strict(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    if (on && !img->strict && img->nfiles + img->ndirs > 0)
        return fsi_fail(img, IMAPI_E_FILE_SYSTEM_NOT_EMPTY, 0, NULL, NULL, NULL);
    /* Identifiers set before must fit the stricter rule too (the
     * defaults do). */
    for (int i = 0; on && i <= FSI_ID_BIBLIO_FILE; i++)
        if (img->volume_ids[i] &&
            FSI_FAILED(hr = check_volume_id(img, (fsi_volume_id)i, img->volume_ids[i], true)))
            return hr;
    img->strict = on;
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_strict(const fsi_image *img)
{
    return img && img->strict;
}

FSI_API fsi_hresult fsi_image_set_restricted_charset(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_check_writable(img);
    if (FSI_FAILED(hr))
        return hr;
    img->restricted = on;
    return FSI_S_OK;
}

FSI_API bool fsi_image_get_restricted_charset(const fsi_image *img)
{
    return img && img->restricted;
}

FSI_API uint64_t fsi_image_file_count(const fsi_image *img)
{
    return img ? img->nfiles : 0;
}

FSI_API uint64_t fsi_image_dir_count(const fsi_image *img)
{
    return img ? img->ndirs : 0;
}

int64_t image_now_ns(const fsi_image *img)
{
    return img->have_epoch ? img->epoch_ns : img->create_time_ns;
}

int64_t item_time_ns(const fsi_image *img, fsi_item item, int which)
{
    int64_t t = img->nodes[item].times[which];
    if (img->have_epoch && t > img->epoch_ns)
        t = img->epoch_ns;
    return t;
}

FSI_API fsi_hresult fsi_image_set_import_progress(fsi_image *img, fsi_import_progress_fn fn,
                                                  void *ctx)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->import_progress = fn;
    img->import_progress_ctx = ctx;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_notice_callback(fsi_image *img, fsi_notice_fn fn, void *ctx)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->notice = fn;
    img->notice_ctx = fn ? ctx : NULL;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_exclude_host(fsi_image *img, const char *host_path)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!host_path || !*host_path)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "host_path", NULL, NULL);
    struct stat st;
    if (stat(host_path, &st) != 0) {
        if (errno == ENOENT)
            return FSI_S_OK;          /* nothing there to leave out */
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, errno, "host_path", NULL, "'%s'", host_path);
    }
    for (uint32_t i = 0; i < img->nexcluded; i++)
        if (img->excluded[i].dev == (uint64_t)st.st_dev && img->excluded[i].ino == (uint64_t)st.st_ino)
            return FSI_S_OK;
    struct host_id *x = realloc(img->excluded, (img->nexcluded + 1) * sizeof *x);
    if (!x)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    img->excluded = x;
    x[img->nexcluded].dev = (uint64_t)st.st_dev;
    x[img->nexcluded].ino = (uint64_t)st.st_ino;
    img->nexcluded++;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_exclude_pattern(fsi_image *img, const char *pattern)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if (!pattern || !*pattern)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "pattern", NULL, NULL);
    char *copy = strdup(pattern);
    char **p = copy ? realloc(img->exclude_patterns,
                              (img->nexclude_patterns + 1) * sizeof *p) : NULL;
    if (!p) {
        free(copy);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    img->exclude_patterns = p;
    p[img->nexclude_patterns++] = copy;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_volume_date(fsi_image *img, fsi_volume_date which, int64_t ns)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    if ((unsigned)which > FSI_VOLUME_EFFECTIVE)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "which", NULL, NULL);
    img->volume_dates[which] = ns;
    img->volume_date_set[which] = true;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_isohybrid_mbr(fsi_image *img, const void *code, size_t len)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->grub2_mbr = false;
    if (!code || !len) {
        free(img->isohybrid_mbr);
        img->isohybrid_mbr = NULL;
        return FSI_S_OK;
    }
    if (len < ISOHYBRID_CODE || len > 512)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "code", NULL,
                         "an isohybrid MBR template has 432 to 512 bytes (isohdpfx.bin has "
                         "432), not %zu", len);
    uint8_t *c = malloc(ISOHYBRID_CODE);
    if (!c)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    memcpy(c, code, ISOHYBRID_CODE);
    free(img->isohybrid_mbr);
    img->isohybrid_mbr = c;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_set_efi_partition(fsi_image *img, bool on)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    img->efi_partition = on;
    limits_invalidate(img);         /* the GPT's blocks */
    return FSI_S_OK;
}
