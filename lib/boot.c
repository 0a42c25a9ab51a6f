/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot.c - boot options objects (IBootOptions) and an image's boot
 * entries (BootImageOptionsArray, the boot catalog path).  The El Torito
 * writer that turns them into blocks is eltorito.c.
 */
#include "config.h"
#include "eltorito.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int boot_floppy_for_size(uint64_t size)
{
    switch (size) {
    case BOOT_FLOPPY_12: return FSI_EMULATION_FLOPPY_12;
    case BOOT_FLOPPY_144: return FSI_EMULATION_FLOPPY_144;
    case BOOT_FLOPPY_288: return FSI_EMULATION_FLOPPY_288;
    default: return FSI_EMULATION_NONE;
    }
}

/* ---------------------------------------------------------------- */
/* Errors of a boot object                                           */
/* ---------------------------------------------------------------- */

/* Record hr on the object: the code's message with insert i1 (may be
 * NULL), then "; why" if given. */
static fsi_hresult boot_fail(fsi_boot *b, fsi_hresult hr, const char *i1, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static fsi_hresult boot_fail(fsi_boot *b, fsi_hresult hr, const char *i1, const char *fmt, ...)
{
    const char *ins[1] = {i1};
    size_t n = fsi_error_format(hr, NULL, 0, ins, i1 ? 1 : 0);
    char why[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
    }
    size_t wl = strlen(why);
    char *msg = malloc(n + wl + 3);
    if (msg) {
        fsi_error_format(hr, msg, n + 1, ins, i1 ? 1 : 0);
        if (wl) {
            if (n > 0 && msg[n - 1] == '.')
                n--;
            snprintf(msg + n, wl + 3, "; %s", why);
        }
    }
    free(b->last_msg);
    b->last_msg = msg;
    b->last_code = hr;
    return hr;
}

FSI_API const char *fsi_boot_last_error(const fsi_boot *boot)
{
    return boot && boot->last_msg ? boot->last_msg : "";
}

static fsi_hresult check_idle(fsi_boot *b)
{
    if (b->busy)
        return boot_fail(b, IMAPI_E_READONLY, NULL, NULL);
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Life                                                              */
/* ---------------------------------------------------------------- */

FSI_API fsi_hresult fsi_boot_new(fsi_boot **out)
{
    if (!out)
        return IMAPI_E_INVALID_PARAM;
    fsi_boot *b = calloc(1, sizeof *b);
    *out = b;
    if (!b)
        return FSI_E_OUTOFMEMORY;
    b->refs = 1;
    b->platform = FSI_PLATFORM_X86;
    b->emulation = FSI_EMULATION_NONE;
    return FSI_S_OK;
}

/* Forget the boot image (calls free_ctx of a callback). */
static void image_release(fsi_boot *b)
{
    free(b->path);
    free(b->mem);
    if (b->kind == BOOT_SRC_CB && b->free_ctx)
        b->free_ctx(b->ctx);
    b->path = NULL;
    b->mem = NULL;
    b->read = NULL;
    b->ctx = NULL;
    b->free_ctx = NULL;
    b->size = 0;
    b->kind = BOOT_SRC_NONE;
}

void boot_unref(fsi_boot *b)
{
    if (!b || --b->refs > 0)
        return;
    image_release(b);
    free(b->last_msg);
    free(b);
}

FSI_API void fsi_boot_free(fsi_boot *boot)
{
    boot_unref(boot);
}

/* ---------------------------------------------------------------- */
/* The boot image                                                    */
/* ---------------------------------------------------------------- */

/* IMAPI's AssignBootImage: a floppy-sized image gets that emulation. */
static void auto_floppy(fsi_boot *b)
{
    int f = boot_floppy_for_size(b->size);
    if (f != FSI_EMULATION_NONE)
        b->emulation = (uint8_t)f;
}

FSI_API fsi_hresult fsi_boot_set_image_file(fsi_boot *boot, const char *host_path)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if (!host_path || !*host_path)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "host_path", NULL);
    int fd = open(host_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "'%s': %s", host_path,
                         strerror(errno));
    struct stat st;
    int e = fstat(fd, &st) == 0 ? 0 : errno;
    close(fd);
    if (e)
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "'%s': %s", host_path, strerror(e));
    if (!S_ISREG(st.st_mode))
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "'%s' is not a regular file",
                         host_path);
    if (st.st_size == 0)
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "'%s' is empty", host_path);
    char *copy = strdup(host_path);
    if (!copy)
        return boot_fail(boot, FSI_E_OUTOFMEMORY, NULL, NULL);
    image_release(boot);
    boot->kind = BOOT_SRC_HOST;
    boot->path = copy;
    boot->size = (uint64_t)st.st_size;
    auto_floppy(boot);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_boot_set_image_mem(fsi_boot *boot, const void *data, size_t len)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if (!data && len)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "data", NULL);
    if (len == 0)
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "the boot image is empty");
    void *copy = malloc(len);
    if (!copy)
        return boot_fail(boot, FSI_E_OUTOFMEMORY, NULL, NULL);
    memcpy(copy, data, len);
    image_release(boot);
    boot->kind = BOOT_SRC_MEM;
    boot->mem = copy;
    boot->size = len;
    auto_floppy(boot);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_boot_set_image_cb(fsi_boot *boot, uint64_t size, fsi_read_fn read,
                                          void *ctx, void (*free_ctx)(void *ctx))
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if (!read)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "read", NULL);
    if (size == 0)
        return boot_fail(boot, IMAPI_E_BOOT_IMAGE_DATA, NULL, "the boot image is empty");
    image_release(boot);
    boot->kind = BOOT_SRC_CB;
    boot->read = read;
    boot->ctx = ctx;
    boot->free_ctx = free_ctx;
    boot->size = size;
    auto_floppy(boot);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_boot_set_image_path(fsi_boot *boot, const char *image_path)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if (!image_path || !*image_path)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "image_path", NULL);
    char *copy = strdup(image_path);
    if (!copy)
        return boot_fail(boot, FSI_E_OUTOFMEMORY, NULL, NULL);
    image_release(boot);
    boot->kind = BOOT_SRC_TREE;
    boot->path = copy;
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_boot_set_image_partition(fsi_boot *boot, unsigned number)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if (number < 1 || number > FSI_APPENDED_PARTITIONS)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "number",
                         "appended partitions are numbered 1 to %d, not %u",
                         FSI_APPENDED_PARTITIONS, number);
    image_release(boot);
    boot->kind = BOOT_SRC_PART;
    boot->part = (uint8_t)number;
    return FSI_S_OK;
}

FSI_API unsigned fsi_boot_get_image_partition(const fsi_boot *boot)
{
    return boot && boot->kind == BOOT_SRC_PART ? boot->part : 0;
}

FSI_API uint64_t fsi_boot_get_image_size(const fsi_boot *boot)
{
    return boot ? boot->size : 0;
}

FSI_API const char *fsi_boot_get_image_path(const fsi_boot *boot)
{
    return boot && boot->kind == BOOT_SRC_TREE ? boot->path : NULL;
}

/* ---------------------------------------------------------------- */
/* Properties                                                        */
/* ---------------------------------------------------------------- */

FSI_API fsi_hresult fsi_boot_set_platform(fsi_boot *boot, fsi_platform platform)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    switch (platform) {
    case FSI_PLATFORM_X86:
    case FSI_PLATFORM_POWERPC:
    case FSI_PLATFORM_MAC:
    case FSI_PLATFORM_EFI:
        boot->platform = (uint8_t)platform;
        return FSI_S_OK;
    }
    return boot_fail(boot, IMAPI_E_INVALID_PARAM, "platform",
                     "%d is not 0 (x86), 1 (PowerPC), 2 (Mac) or 0xEF (EFI)", (int)platform);
}

FSI_API fsi_platform fsi_boot_get_platform(const fsi_boot *boot)
{
    return boot ? (fsi_platform)boot->platform : FSI_PLATFORM_X86;
}

static const char *floppy_name(int e)
{
    return e == FSI_EMULATION_FLOPPY_12 ? "1.2 MB" : e == FSI_EMULATION_FLOPPY_144 ? "1.44 MB"
                                                                                    : "2.88 MB";
}

static uint64_t floppy_size(int e)
{
    return e == FSI_EMULATION_FLOPPY_12 ? BOOT_FLOPPY_12 : e == FSI_EMULATION_FLOPPY_144
                                                               ? BOOT_FLOPPY_144
                                                               : BOOT_FLOPPY_288;
}

/* A floppy emulation against a known size. */
static fsi_hresult check_floppy(fsi_boot *b, int e)
{
    if (e < FSI_EMULATION_FLOPPY_12 || e > FSI_EMULATION_FLOPPY_288 || b->size == 0)
        return FSI_S_OK;
    if (b->size == floppy_size(e))
        return FSI_S_OK;
    return boot_fail(b, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, NULL,
                     "the boot image has %llu bytes, a %s floppy image %llu",
                     (unsigned long long)b->size, floppy_name(e),
                     (unsigned long long)floppy_size(e));
}

FSI_API fsi_hresult fsi_boot_set_emulation(fsi_boot *boot, fsi_emulation emulation)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    if ((int)emulation < FSI_EMULATION_NONE || emulation > FSI_EMULATION_HARD_DISK)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "emulation",
                         "%d is not 0 (none), 1-3 (floppy) or 4 (hard disk)", (int)emulation);
    if (FSI_FAILED(hr = check_floppy(boot, emulation)))
        return hr;
    boot->emulation = (uint8_t)emulation;
    return FSI_S_OK;
}

FSI_API fsi_emulation fsi_boot_get_emulation(const fsi_boot *boot)
{
    return boot ? (fsi_emulation)boot->emulation : FSI_EMULATION_NONE;
}

FSI_API fsi_hresult fsi_boot_set_load_segment(fsi_boot *boot, uint16_t segment)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    boot->load_segment = segment;
    return FSI_S_OK;
}

FSI_API uint16_t fsi_boot_get_load_segment(const fsi_boot *boot)
{
    return boot ? boot->load_segment : 0;
}

FSI_API fsi_hresult fsi_boot_set_sector_count(fsi_boot *boot, uint16_t sectors)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    boot->sectors = sectors;
    return FSI_S_OK;
}

FSI_API uint16_t fsi_boot_get_sector_count(const fsi_boot *boot)
{
    return boot ? boot->sectors : 0;
}

FSI_API fsi_hresult fsi_boot_set_manufacturer(fsi_boot *boot, const char *id)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    size_t n = id ? strlen(id) : 0;
    if (n > FSI_BOOT_ID_MAX)
        return boot_fail(boot, IMAPI_E_INVALID_PARAM, "manufacturer",
                         "%zu bytes; the El Torito ID string holds at most %d", n,
                         FSI_BOOT_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7E)
            return boot_fail(boot, IMAPI_E_INVALID_PARAM, "manufacturer",
                             "byte %zu (0x%02X) is not printable ASCII", i,
                             (unsigned char)id[i]);
    memset(boot->id, 0, sizeof boot->id);
    if (n)
        memcpy(boot->id, id, n);
    return FSI_S_OK;
}

FSI_API const char *fsi_boot_get_manufacturer(const fsi_boot *boot)
{
    return boot ? boot->id : "";
}

FSI_API fsi_hresult fsi_boot_set_info_table(fsi_boot *boot, bool on)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    boot->info_table = on;
    return FSI_S_OK;
}

FSI_API bool fsi_boot_get_info_table(const fsi_boot *boot)
{
    return boot && boot->info_table;
}

FSI_API fsi_hresult fsi_boot_set_grub2_info(fsi_boot *boot, bool on)
{
    if (!boot)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = check_idle(boot);
    if (FSI_FAILED(hr))
        return hr;
    boot->grub2_info = on;
    return FSI_S_OK;
}

FSI_API bool fsi_boot_get_grub2_info(const fsi_boot *boot)
{
    return boot && boot->grub2_info;
}

/* ---------------------------------------------------------------- */
/* The image's boot entries                                          */
/* ---------------------------------------------------------------- */

static fsi_hresult image_idle(fsi_image *img)
{
    if (img->results > 0)
        return fsi_fail(img, IMAPI_E_READONLY, 0, NULL, NULL, NULL);
    return FSI_S_OK;
}

static struct boot_state *state(fsi_image *img)
{
    if (!img->boot)
        img->boot = calloc(1, sizeof *img->boot);
    return img->boot;
}

/* What can be checked of an entry before a result: it has an image and
 * a floppy type fits its known size. */
static fsi_hresult check_entry(fsi_image *img, fsi_boot *b, size_t index)
{
    if (b->kind == BOOT_SRC_NONE)
        return fsi_failf(img, IMAPI_E_BOOT_IMAGE_DATA, 0, NULL, NULL,
                         "boot entry %zu has no boot image", index + 1);
    int e = b->emulation;
    if (e >= FSI_EMULATION_FLOPPY_12 && e <= FSI_EMULATION_FLOPPY_288 && b->size &&
        b->size != floppy_size(e))
        return fsi_failf(img, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, 0, NULL, NULL,
                         "boot entry %zu: the boot image has %llu bytes, a %s floppy image %llu",
                         index + 1, (unsigned long long)b->size, floppy_name(e),
                         (unsigned long long)floppy_size(e));
    return FSI_S_OK;
}

/* Upper bound of the blocks a boot entry adds: its hidden data (a file
 * of the tree is counted with the tree), the catalog, the boot record and
 * a UDF-only image's own descriptors. */
static uint64_t entry_bound(const fsi_boot *b)
{
    return (b->kind == BOOT_SRC_TREE ? 0 : (b->size + 2047) / 2048) + 6;
}

/* What to call a boot entry in a size-limit message. */
static const char *entry_what(const fsi_boot *b)
{
    return b->path ? b->path : "boot image";
}

FSI_API fsi_hresult fsi_image_add_boot(fsi_image *img, fsi_boot *boot)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_idle(img);
    if (FSI_FAILED(hr))
        return hr;
    if (!boot)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "boot", NULL, NULL);
    struct boot_state *s = state(img);
    if (!s)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    if (s->n >= FSI_BOOT_ENTRY_COUNT_MAX)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "boot", NULL,
                         "an image holds at most %d boot entries (IMAPI2FS_BOOT_ENTRY_COUNT_MAX)",
                         FSI_BOOT_ENTRY_COUNT_MAX);
    if (FSI_FAILED(hr = check_entry(img, boot, s->n)))
        return hr;
    boot->refs++;
    s->entry[s->n++] = boot;
    /* The size limit covers boot images too. */
    if (FSI_FAILED(hr = limits_after_add(img, entry_bound(boot), entry_what(boot)))) {
        s->n--;
        boot->refs--;
        limits_invalidate(img);
    }
    return hr;
}

FSI_API fsi_hresult fsi_image_set_boot_array(fsi_image *img, fsi_boot *const *boots, size_t n)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_idle(img);
    if (FSI_FAILED(hr))
        return hr;
    if (n > FSI_BOOT_ENTRY_COUNT_MAX)
        return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "boots", NULL,
                         "%zu entries; an image holds at most %d boot entries "
                         "(IMAPI2FS_BOOT_ENTRY_COUNT_MAX)", n, FSI_BOOT_ENTRY_COUNT_MAX);
    if (n && !boots)
        return fsi_fail(img, IMAPI_E_INVALID_PARAM, 0, "boots", NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        if (!boots[i])
            return fsi_failf(img, IMAPI_E_INVALID_PARAM, 0, "boots", NULL, "entry %zu is NULL",
                             i + 1);
        if (FSI_FAILED(hr = check_entry(img, boots[i], i)))
            return hr;
    }
    struct boot_state *s = state(img);
    if (!s)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    /* Take the new references before dropping the old ones: the same
     * object may be in both. */
    fsi_boot *old[FSI_BOOT_ENTRY_COUNT_MAX];
    size_t nold = s->n;
    memcpy(old, s->entry, nold * sizeof *old);
    uint64_t bound = 0;
    for (size_t i = 0; i < n; i++) {
        boots[i]->refs++;
        s->entry[i] = boots[i];
        bound += entry_bound(boots[i]);
    }
    s->n = n;
    limits_invalidate(img);
    if (n && FSI_FAILED(hr = limits_after_add(img, bound, entry_what(boots[0])))) {
        /* Too large for the limit: the old entries stay. */
        for (size_t i = 0; i < n; i++)
            boots[i]->refs--;
        memcpy(s->entry, old, nold * sizeof *old);
        s->n = nold;
        limits_invalidate(img);
        return hr;
    }
    for (size_t i = 0; i < nold; i++)
        boot_unref(old[i]);
    return FSI_S_OK;
}

FSI_API fsi_hresult fsi_image_clear_boot(fsi_image *img)
{
    return fsi_image_set_boot_array(img, NULL, 0);
}

FSI_API size_t fsi_image_boot_count(const fsi_image *img)
{
    return img && img->boot ? img->boot->n : 0;
}

FSI_API fsi_boot *fsi_image_get_boot(const fsi_image *img, size_t i)
{
    return img && img->boot && i < img->boot->n ? img->boot->entry[i] : NULL;
}

FSI_API fsi_hresult fsi_image_set_boot_catalog(fsi_image *img, const char *path)
{
    if (!img)
        return IMAPI_E_INVALID_PARAM;
    fsi_hresult hr = image_idle(img);
    if (FSI_FAILED(hr))
        return hr;
    char *copy = NULL;
    if (path && *path) {
        /* The path must name something below the root. */
        const char *p = path;
        while (*p == '/')
            p++;
        if (!*p)
            return fsi_failf(img, IMAPI_E_INVALID_PATH, 0, path, NULL,
                             "the boot catalog needs a file name");
        if (!(copy = strdup(path)))
            return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    struct boot_state *s = state(img);
    if (!s) {
        free(copy);
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    }
    free(s->catalog_path);
    s->catalog_path = copy;
    limits_invalidate(img);
    return FSI_S_OK;
}

FSI_API const char *fsi_image_get_boot_catalog(const fsi_image *img)
{
    return img && img->boot ? img->boot->catalog_path : NULL;
}

void boot_state_free(fsi_image *img)
{
    struct boot_state *s = img->boot;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        boot_unref(s->entry[i]);
    free(s->catalog_path);
    free(s);
    img->boot = NULL;
}
