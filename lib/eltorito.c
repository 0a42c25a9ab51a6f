/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eltorito.c - the El Torito writer: boot record volume descriptor, boot
 * catalog, boot images and boot info tables (layout choices: eltorito.h).
 *
 *   PHASE_VD      the boot record at block 17 (after the PVD at 16); with
 *                 no ISO9660 view, first our own minimal PVD at 16
 *   PHASE_VD_END  no ISO9660 view: the set terminator (else ISO9660's)
 *   PHASE_META    no ISO9660 view: the empty root directory and its two
 *                 path tables; the hidden catalog (one block)
 *   PHASE_DATA    after the files: boot images that are not files of the
 *                 tree, each once
 *   finish        the catalog bytes, boot info tables, GRUB2 addresses, data
 *                 patches; entries loading an appended partition (hybrid.c)
 *                 get its address
 *
 * Catalog (El Torito 1.0, section 2): the validation entry (header 01,
 * the first entry's platform and ID string, a checksum making the sum of
 * its sixteen 16-bit words zero, key 55 AA), the initial/default entry
 * (the first boot entry), then for the other entries one section per
 * platform in order of first appearance: a header (90, the last 91; the
 * platform; the number of entries; the first entry's ID string) and its
 * section entries (88 bootable, media type, load segment, system type,
 * sector count, load RBA, no selection criteria).
 */
#include "config.h"
#include "eltorito.h"
#include "hybrid.h"
#include "isotree.h"
#include "iso9660.h"   /* iso_put_ids */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PVD_BLOCK 16
#define BRVD_BLOCK 17
#define TABLE_OFF 8            /* boot info table: bytes 8-63 */
#define TABLE_LEN 56
#define CSUM_FROM 64
#define MBR_SIZE 512
#define GRUB2_OFF 2548         /* --grub2-boot-info: 8 bytes, 4-aligned */
#define GRUB2_LEN 8

enum { TAG_BRVD = 1, TAG_CAT, TAG_PVD, TAG_TERM, TAG_ROOT, TAG_PT_L, TAG_PT_M, TAG_IMG = 64 };

/* One boot entry as this layout writes it (a snapshot of its options). */
struct bentry {
    fsi_boot *boot;
    uint8_t kind;              /* enum boot_src_kind */
    fsi_item item;             /* BOOT_SRC_TREE: the file */
    uint64_t size;
    uint8_t platform, media, systype;
    uint16_t load_seg, sectors;
    char id[FSI_BOOT_ID_MAX + 1];
    bool info;                 /* this entry asked for a boot info table */
    bool grub2;                /* ... for GRUB2's address at 2548 */
    int owner;                 /* the entry whose data this one loads */
    /* owners only: */
    bool patched;              /* their data carries a boot info table */
    bool grub2_patched;        /* ... GRUB2's address */
    uint32_t csum;
    uint8_t table[TABLE_LEN];
    uint8_t grub2_at[GRUB2_LEN];
    uint64_t block;            /* load RBA */
};

struct eltw {
    struct layout *lay;
    fsi_image *img;
    bool measuring;            /* sizes only (img->measuring) */
    size_t n;
    struct bentry e[FSI_BOOT_ENTRY_COUNT_MAX];
    bool busy;                 /* we hold the boot objects' busy counts */
    bool stub;                 /* no ISO9660 view: our own PVD set */
    uint64_t root, pt_l, pt_m; /* stub: root directory, path tables */
    uint64_t cat_block;
    fsi_item cat_item;         /* the visible catalog, else 0 */
    bool cat_ref;              /* we hold a cat_users count */
    uint8_t cat[FSI_BLOCK];
    struct data_patch patches[2 * FSI_BOOT_ENTRY_COUNT_MAX + 1];
    size_t npatches;
    int fd, fd_entry;          /* an open boot image source */
    int esp;                   /* efi_partition: the entry it is */
};

/* ---------------------------------------------------------------- */
/* Reading boot images                                               */
/* ---------------------------------------------------------------- */

/* What to call entry i in messages ("boot entry 2 ('/isolinux/isolinux.bin')"). */
static void entry_name(const struct eltw *w, size_t i, char *buf, size_t size)
{
    const struct bentry *e = &w->e[i];
    switch (e->kind) {
    case BOOT_SRC_HOST:
    case BOOT_SRC_TREE:
        snprintf(buf, size, "boot entry %zu ('%s')", i + 1, e->boot->path);
        break;
    case BOOT_SRC_MEM:
        snprintf(buf, size, "boot entry %zu (boot image in memory)", i + 1);
        break;
    case BOOT_SRC_PART:
        snprintf(buf, size, "boot entry %zu (appended partition %u)", i + 1, e->boot->part);
        break;
    default:
        snprintf(buf, size, "boot entry %zu (boot image from a callback)", i + 1);
        break;
    }
}

static fsi_hresult entry_fail(struct eltw *w, size_t i, fsi_hresult hr, int err,
                              const char *what)
{
    char name[600];
    entry_name(w, i, name, sizeof name);
    return fsi_failf(w->img, hr, err, NULL, NULL, "%s %s", name, what);
}

static void src_close(struct eltw *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    w->fd_entry = -1;
}

/* Up to len bytes at off of entry i's data; -1 with errno on failure. */
static int64_t raw_read(struct eltw *w, size_t i, uint64_t off, void *buf, size_t len)
{
    const struct bentry *e = &w->e[i];
    if (w->fd_entry != (int)i) {
        src_close(w);
        w->fd_entry = (int)i;
    }
    if (off >= e->size)
        return 0;
    if (len > e->size - off)
        len = (size_t)(e->size - off);
    switch (e->kind) {
    case BOOT_SRC_TREE:
        return source_read(w->img, e->item, &w->fd, off, buf, len);
    case BOOT_SRC_HOST:
    case BOOT_SRC_PART: {
        const char *path = e->kind == BOOT_SRC_HOST ? e->boot->path
                                                    : w->img->parts[e->boot->part - 1].path;
        if (w->fd < 0 && (w->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
            return -1;
        ssize_t r;
        do
            r = pread(w->fd, buf, len, (off_t)off);
        while (r < 0 && errno == EINTR);
        return r;
    }
    case BOOT_SRC_MEM:
        memcpy(buf, (const uint8_t *)e->boot->mem + off, len);
        return (int64_t)len;
    case BOOT_SRC_CB:
        return e->boot->read(e->boot->ctx, off, buf, len);
    default:
        errno = EIO;
        return -1;
    }
}

/* Exactly len bytes at off of entry i's data (within its size). */
static fsi_hresult read_exact(struct eltw *w, size_t i, uint64_t off, uint8_t *buf, size_t len)
{
    while (len > 0) {
        errno = 0;
        int64_t r = raw_read(w, i, off, buf, len);
        if (r < 0)
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, errno ? errno : EIO,
                              "cannot be read");
        if (r == 0 || (uint64_t)r > len) {
            char what[96];
            snprintf(what, sizeof what, "no longer has the %llu bytes it had",
                     (unsigned long long)w->e[i].size);
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, what);
        }
        off += (uint64_t)r;
        buf += r;
        len -= (size_t)r;
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Checking the entries                                              */
/* ---------------------------------------------------------------- */

static uint64_t floppy_bytes(int media)
{
    return media == FSI_EMULATION_FLOPPY_12 ? BOOT_FLOPPY_12
         : media == FSI_EMULATION_FLOPPY_144 ? BOOT_FLOPPY_144 : BOOT_FLOPPY_288;
}

/* Where entry i's data is and how big it is. */
static fsi_hresult resolve_source(struct eltw *w, size_t i)
{
    struct bentry *e = &w->e[i];
    fsi_boot *b = e->boot;
    char what[128];
    switch (e->kind) {
    case BOOT_SRC_NONE:
        return w->measuring ? FSI_S_OK : entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0,
                                                    "has no boot image");
    case BOOT_SRC_TREE: {
        fsi_item it = 0;
        /* A measured layout runs inside a successful add: keep the
         * handle's last error as it was. */
        fsi_hresult saved_code = w->img->last_code;
        char *saved_msg = w->measuring && w->img->last_msg ? strdup(w->img->last_msg) : NULL;
        fsi_hresult hr = fsi_lookup(w->img, b->path, &it);
        if (w->measuring && FSI_FAILED(hr)) {
            free(w->img->last_msg);
            w->img->last_msg = saved_msg;
            w->img->last_code = saved_code;
            saved_msg = NULL;
        }
        free(saved_msg);
        const struct node *nd = FSI_SUCCEEDED(hr) ? &w->img->nodes[it] : NULL;
        if (w->measuring) {
            /* Not there yet: it will be counted as a file when it is. */
            if (nd && nd->type == NODE_FILE)
                e->item = it, e->size = nd->size;
            else
                e->kind = BOOT_SRC_NONE;
            return FSI_S_OK;
        }
        if (!nd)
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, "is not in the image tree");
        if (nd->type != NODE_FILE)
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, "is a directory");
        if (nd->size == 0)
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, "is empty");
        e->item = it;
        e->size = nd->size;
        return FSI_S_OK;
    }
    case BOOT_SRC_HOST: {
        e->size = b->size;
        if (w->measuring)
            return FSI_S_OK;
        struct stat st;
        if (stat(b->path, &st) != 0)
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, errno, "cannot be read");
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != b->size) {
            snprintf(what, sizeof what, "changed: it had %llu bytes, now %llu",
                     (unsigned long long)b->size, (unsigned long long)st.st_size);
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, what);
        }
        return FSI_S_OK;
    }
    case BOOT_SRC_PART: {
        const struct appended_part *p = &w->img->parts[b->part - 1];
        if (!p->path) {
            snprintf(what, sizeof what, "loads appended partition %u, which the image does "
                     "not have", b->part);
            return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0, what);
        }
        e->size = p->size;
        return FSI_S_OK;
    }
    default:
        e->size = b->size;
        return FSI_S_OK;
    }
}

/* Emulation against the image: floppy sizes, the hard disk's MBR. */
static fsi_hresult check_emulation(struct eltw *w, size_t i)
{
    struct bentry *e = &w->e[i];
    char what[192];
    if (e->media >= FSI_EMULATION_FLOPPY_12 && e->media <= FSI_EMULATION_FLOPPY_288) {
        if (e->size == floppy_bytes(e->media))
            return FSI_S_OK;
        snprintf(what, sizeof what,
                 "has %llu bytes; a %s floppy image must have exactly %llu",
                 (unsigned long long)e->size,
                 e->media == FSI_EMULATION_FLOPPY_12 ? "1.2 MB"
                 : e->media == FSI_EMULATION_FLOPPY_144 ? "1.44 MB" : "2.88 MB",
                 (unsigned long long)floppy_bytes(e->media));
        return entry_fail(w, i, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, 0, what);
    }
    if (e->media != FSI_EMULATION_HARD_DISK)
        return FSI_S_OK;
    if (e->size < MBR_SIZE)
        return entry_fail(w, i, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, 0,
                          "is smaller than a master boot record (512 bytes), so it "
                          "cannot be a hard-disk image");
    uint8_t mbr[MBR_SIZE];
    fsi_hresult hr = read_exact(w, i, 0, mbr, sizeof mbr);
    if (FSI_FAILED(hr))
        return hr;
    if (mbr[510] != 0x55 || mbr[511] != 0xAA)
        return entry_fail(w, i, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, 0,
                          "has no master boot record (no 55 AA at bytes 510-511), so it "
                          "cannot be a hard-disk image");
    int used = 0;
    for (int k = 0; k < 4; k++) {
        uint8_t type = mbr[446 + 16 * k + 4];
        if (type) {
            used++;
            e->systype = type;
        }
    }
    if (used != 1) {
        snprintf(what, sizeof what,
                 "has %d partitions in its master boot record; hard-disk emulation "
                 "needs exactly one", used);
        return entry_fail(w, i, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, 0, what);
    }
    return FSI_S_OK;
}

/* Sum of the 32-bit little-endian words of p[0, n), n rounded up to a
 * word (the caller's bytes past n are zero). */
static uint32_t word_sum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t j = 0; j < n; j += 4)
        sum += (uint32_t)p[j] | (uint32_t)p[j + 1] << 8 | (uint32_t)p[j + 2] << 16 |
               (uint32_t)p[j + 3] << 24;
    return sum;
}

/* Sum of the 32-bit little-endian words of entry i from byte 64 on (a
 * short last word padded with zeros). */
static fsi_hresult checksum(struct eltw *w, size_t i, uint32_t *out)
{
    uint64_t size = w->e[i].size;
    size_t chunk = 1u << 16;
    uint8_t *buf = malloc(chunk + 4);
    if (!buf)
        return fsi_fail(w->img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    uint32_t sum = 0;
    fsi_hresult hr = FSI_S_OK;
    for (uint64_t off = CSUM_FROM; off < size && FSI_SUCCEEDED(hr);) {
        size_t k = size - off < chunk ? (size_t)(size - off) : chunk;
        if (FSI_FAILED(hr = read_exact(w, i, off, buf, k)))
            break;
        memset(buf + k, 0, 4);
        sum += word_sum(buf, k);
        off += k;
    }
    free(buf);
    *out = sum;
    return hr;
}

/* Entries that load the same data share it: the same file of the tree,
 * the same boot object, or the same host file. */
static int find_owner(const struct eltw *w, size_t i)
{
    const struct bentry *e = &w->e[i];
    for (size_t j = 0; j < i; j++) {
        const struct bentry *o = &w->e[j];
        if (o->kind != e->kind || e->kind == BOOT_SRC_NONE)
            continue;
        if (e->kind == BOOT_SRC_TREE   ? o->item == e->item
            : e->kind == BOOT_SRC_PART ? o->boot->part == e->boot->part
                                       : o->boot == e->boot ||
                                             (e->kind == BOOT_SRC_HOST &&
                                              !strcmp(o->boot->path, e->boot->path)))
            return o->owner;
    }
    return (int)i;
}

/* The isohybrid MBR jumps into the first entry's image at byte 64 (its
 * hybrid entry point, which isolinux.bin marks with a signature there);
 * isolinux then finds itself through its boot info table. */
static fsi_hresult check_isohybrid(struct eltw *w)
{
    const struct bentry *e = &w->e[0];
    if (w->img->grub2_mbr) {
        /* GRUB2's MBR loads the image's sectors from its fifth on. */
        if (e->platform != FSI_PLATFORM_X86 || e->media != FSI_EMULATION_NONE ||
            e->kind == BOOT_SRC_PART)
            return entry_fail(w, 0, IMAPI_E_BOOT_IMAGE_DATA, 0,
                              "cannot start a GRUB2 MBR: the first boot entry must be a BIOS "
                              "no-emulation image in the ISO9660 data (GRUB's eltorito.img)");
        return FSI_S_OK;
    }
    if (e->platform != FSI_PLATFORM_X86 || e->media != FSI_EMULATION_NONE || !e->info)
        return entry_fail(w, 0, IMAPI_E_BOOT_IMAGE_DATA, 0,
                          "cannot start an isohybrid MBR: the first boot entry must be a BIOS "
                          "no-emulation image with a boot info table (isolinux.bin)");
    static const uint8_t sig[4] = {0xFB, 0xC0, 0x78, 0x70};
    uint8_t got[4];
    fsi_hresult hr;
    if (e->size < 68 || FSI_FAILED(hr = read_exact(w, 0, 64, got, sizeof got)) ||
        memcmp(got, sig, sizeof sig))
        return entry_fail(w, 0, IMAPI_E_BOOT_IMAGE_DATA, 0,
                          "has no isohybrid signature at byte 64 (isolinux.bin of syslinux "
                          "3.72 or later has one): an isohybrid MBR could not start it");
    return FSI_S_OK;
}

static fsi_hresult check_entries(struct eltw *w)
{
    fsi_hresult hr;
    for (size_t i = 0; i < w->n; i++) {
        struct bentry *e = &w->e[i];
        fsi_boot *b = e->boot;
        e->kind = b->kind;
        e->platform = b->platform;
        e->media = b->emulation;
        e->load_seg = b->load_segment;
        e->info = b->info_table;
        e->grub2 = b->grub2_info;
        memcpy(e->id, b->id, sizeof e->id);
        if (FSI_FAILED(hr = resolve_source(w, i)))
            return hr;
        e->owner = find_owner(w, i);
        if (w->measuring)
            continue;
        if (e->info && e->media != FSI_EMULATION_NONE) {
            char name[600];
            entry_name(w, i, name, sizeof name);
            return fsi_failf(w->img, IMAPI_E_INVALID_PARAM, 0, "info_table", NULL,
                             "%s: a boot info table is only for no-emulation images "
                             "(it would overwrite bytes 8-63 of the emulated disk)", name);
        }
        if (FSI_FAILED(hr = check_emulation(w, i)))
            return hr;
        if ((e->info || e->grub2) && e->kind == BOOT_SRC_PART) {
            char name[600];
            entry_name(w, i, name, sizeof name);
            return fsi_failf(w->img, IMAPI_E_INVALID_PARAM, 0, "info_table", NULL,
                             "%s: a boot info table or GRUB2 address cannot be patched into an "
                             "appended partition", name);
        }
        if (e->grub2) {
            if (e->media != FSI_EMULATION_NONE || e->size < GRUB2_OFF + GRUB2_LEN)
                return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0,
                                  "cannot take GRUB2's address at byte 2548: it must be a "
                                  "no-emulation image of at least 2556 bytes");
            w->e[e->owner].grub2_patched = true;
        }
        if (e->info) {
            if (e->size < CSUM_FROM)
                return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0,
                                  "is too small for a boot info table (64 bytes)");
            if (e->size > UINT32_MAX)
                return entry_fail(w, i, IMAPI_E_BOOT_IMAGE_DATA, 0,
                                  "is too large for a boot info table (4 GiB)");
            w->e[e->owner].patched = true;
        }
        /* Sector count: as set, else 4 (BIOS, as mkisofs), the image in
         * 512-byte sectors up to 65535 (EFI), 1 (emulation). */
        if (b->sectors)
            e->sectors = b->sectors;
        else if (e->media != FSI_EMULATION_NONE)
            e->sectors = 1;
        else if (e->platform == FSI_PLATFORM_EFI || e->kind == BOOT_SRC_PART)
            e->sectors = (uint16_t)((e->size + 511) / 512 > 65535 ? 65535 : (e->size + 511) / 512);
        else
            e->sectors = 4;
    }
    for (size_t i = 0; i < w->n && !w->measuring; i++) {
        struct bentry *e = &w->e[i];
        if (e->owner == (int)i && e->patched && FSI_FAILED(hr = checksum(w, i, &e->csum)))
            return hr;
        /* The bytes GRUB2's address replaces, for the checksum. */
        if (e->owner == (int)i && e->grub2_patched &&
            FSI_FAILED(hr = read_exact(w, i, GRUB2_OFF, e->grub2_at, GRUB2_LEN)))
            return hr;
    }
    if (w->img->efi_partition && !w->measuring) {
        /* The EFI System Partition is the first EFI entry's image. */
        w->esp = -1;
        for (size_t i = 0; i < w->n && w->esp < 0; i++)
            if (w->e[i].platform == FSI_PLATFORM_EFI)
                w->esp = (int)i;
        if (w->esp < 0)
            return fsi_failf(w->img, IMAPI_E_BOOT_IMAGE_DATA, 0, NULL, NULL, "%s",
                             "a GPT's EFI System Partition is the image of an EFI boot entry: "
                             "the image has none");
        if (w->e[w->esp].size == 0)
            return entry_fail(w, (size_t)w->esp, IMAPI_E_BOOT_IMAGE_DATA, 0,
                              "is empty: it cannot be an EFI System Partition");
        if (w->e[w->esp].kind == BOOT_SRC_PART)
            return fsi_failf(w->img, IMAPI_E_INVALID_PARAM, 0, NULL, NULL,
                             "the EFI boot image is appended partition %u, which the GPT lists "
                             "already: an EFI partition inside the ISO9660 data is not needed",
                             w->e[w->esp].boot->part);
    }
    return w->img->isohybrid_mbr && !w->measuring ? check_isohybrid(w) : FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Creating the writer                                               */
/* ---------------------------------------------------------------- */

static void elt_destroy(void *self)
{
    struct eltw *w = self;
    if (!w)
        return;
    src_close(w);
    if (w->busy)
        for (size_t i = 0; i < w->n; i++)
            w->e[i].boot->busy--;
    struct boot_state *s = w->img->boot;
    if (w->cat_ref && s && --s->cat_users == 0) {
        tree_remove_system_file(w->img, s->cat_item);
        s->cat_item = 0;
    }
    free(w);
}

fsi_hresult eltorito_writer_new(struct layout *lay, void **self)
{
    *self = NULL;
    fsi_image *img = lay->img;
    struct boot_state *s = img->boot;
    if (!s || s->n == 0)
        return FSI_S_OK;
    struct eltw *w = calloc(1, sizeof *w);
    if (!w)
        return fsi_fail(img, FSI_E_OUTOFMEMORY, ENOMEM, NULL, NULL, NULL);
    w->lay = lay;
    w->img = img;
    w->measuring = img->measuring;
    w->fd = -1;
    w->fd_entry = -1;
    w->n = s->n;
    w->stub = !(lay->fs & FSI_FS_ISO9660);
    for (size_t i = 0; i < w->n; i++)
        w->e[i].boot = s->entry[i];
    *self = w;

    fsi_hresult hr = check_entries(w);
    src_close(w);
    if (FSI_FAILED(hr))
        return hr;
    if (!w->measuring) {
        for (size_t i = 0; i < w->n; i++)
            w->e[i].boot->busy++;
        w->busy = true;
    }
    if (s->catalog_path) {
        if (s->cat_users == 0) {
            /* A measured layout runs inside a successful add: a catalog
             * path that does not work yet is counted as a hidden block,
             * and the handle's last error stays as it was. */
            fsi_hresult saved_code = img->last_code;
            char *saved_msg = w->measuring && img->last_msg ? strdup(img->last_msg) : NULL;
            uint8_t zero[FSI_BLOCK] = {0};
            hr = tree_add_system_file(img, s->catalog_path, zero, sizeof zero, lay->now_ns,
                                      &s->cat_item);
            if (FSI_FAILED(hr) && w->measuring) {
                free(img->last_msg);
                img->last_msg = saved_msg;
                img->last_code = saved_code;
                return FSI_S_OK;
            }
            free(saved_msg);
            if (FSI_FAILED(hr))
                return hr;
        }
        s->cat_users++;
        w->cat_ref = true;
        w->cat_item = s->cat_item;
    }
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Placing                                                           */
/* ---------------------------------------------------------------- */

static fsi_hresult elt_place(struct layout *lay, void *self, enum layout_phase ph)
{
    struct eltw *w = self;
    fsi_hresult hr;
    switch (ph) {
    case PHASE_VD:
        if (w->stub && FSI_FAILED(hr = layout_alloc_at(lay, PVD_BLOCK, TAG_PVD, 1)))
            return hr;
        return layout_alloc_at(lay, BRVD_BLOCK, TAG_BRVD, 1);
    case PHASE_VD_END: {
        uint64_t b;
        return w->stub ? layout_alloc(lay, TAG_TERM, 1, &b) : FSI_S_OK;
    }
    case PHASE_META:
        if (w->stub && (FSI_FAILED(hr = layout_alloc(lay, TAG_ROOT, 1, &w->root)) ||
                        FSI_FAILED(hr = layout_alloc(lay, TAG_PT_L, 1, &w->pt_l)) ||
                        FSI_FAILED(hr = layout_alloc(lay, TAG_PT_M, 1, &w->pt_m))))
            return hr;
        if (!w->cat_item)
            return layout_alloc(lay, TAG_CAT, 1, &w->cat_block);
        return FSI_S_OK;
    case PHASE_DATA:
        for (size_t i = 0; i < w->n; i++) {
            struct bentry *e = &w->e[i];
            if (e->owner != (int)i || e->kind == BOOT_SRC_TREE || e->kind == BOOT_SRC_NONE ||
                e->kind == BOOT_SRC_PART)
                continue;
            if (FSI_FAILED(hr = layout_alloc(lay, TAG_IMG + (uint32_t)i, bytes_to_blocks(e->size),
                                             &e->block)))
                return hr;
        }
        for (size_t i = 0; i < w->n; i++) {
            struct bentry *e = &w->e[i];
            if (e->kind == BOOT_SRC_TREE)
                e->block = lay->file_block[e->item];
            else
                e->block = w->e[e->owner].block;
        }
        if (w->cat_item)
            w->cat_block = lay->file_block[w->cat_item];
        return FSI_S_OK;
    default:
        return FSI_S_OK;
    }
}

/* ---------------------------------------------------------------- */
/* The catalog and the boot info tables                              */
/* ---------------------------------------------------------------- */

static void put_entry(uint8_t *p, const struct bentry *e)
{
    p[0] = 0x88;                               /* bootable */
    p[1] = e->media;
    put_le16(p + 2, e->load_seg);
    p[4] = e->systype;
    put_le16(p + 6, e->sectors);
    put_le32(p + 8, (uint32_t)e->block);
}

static void build_catalog(struct eltw *w)
{
    uint8_t *c = w->cat;
    memset(c, 0, FSI_BLOCK);
    /* Validation entry. */
    c[0] = 1;
    c[1] = w->e[0].platform;
    memcpy(c + 4, w->e[0].id, strlen(w->e[0].id));
    c[30] = 0x55;
    c[31] = 0xAA;
    uint16_t sum = 0;
    for (int k = 0; k < 32; k += 2)
        sum = (uint16_t)(sum + (c[k] | c[k + 1] << 8));
    put_le16(c + 28, (uint16_t)(0x10000u - sum));
    /* Initial/default entry. */
    put_entry(c + 32, &w->e[0]);
    /* Sections: the other entries grouped by platform. */
    uint8_t plat[FSI_BOOT_ENTRY_COUNT_MAX];
    size_t np = 0;
    for (size_t i = 1; i < w->n; i++) {
        size_t k = 0;
        while (k < np && plat[k] != w->e[i].platform)
            k++;
        if (k == np)
            plat[np++] = w->e[i].platform;
    }
    size_t pos = 64;
    for (size_t k = 0; k < np; k++) {
        uint8_t *h = c + pos;
        uint16_t count = 0;
        const char *id = NULL;
        pos += 32;
        for (size_t i = 1; i < w->n; i++) {
            if (w->e[i].platform != plat[k])
                continue;
            if (!id)
                id = w->e[i].id;
            put_entry(c + pos, &w->e[i]);
            pos += 32;
            count++;
        }
        h[0] = k + 1 == np ? 0x91 : 0x90;
        h[1] = plat[k];
        put_le16(h + 2, count);
        memcpy(h + 4, id, strlen(id));
    }
}

static fsi_hresult elt_finish(struct layout *lay, void *self)
{
    struct eltw *w = self;
    /* Entries loading an appended partition: placed by now (the hybrid
     * writer's tail phase), so the catalog can point at them. */
    for (size_t i = 0; i < w->n; i++) {
        struct bentry *e = &w->e[i];
        uint64_t blocks;
        if (e->kind == BOOT_SRC_PART && !hybrid_partition(lay, e->boot->part, &e->block, &blocks))
            e->block = 0;
    }
    build_catalog(w);
    if (w->measuring)
        return FSI_S_OK;
    for (size_t i = 0; i < w->n; i++) {
        struct bentry *e = &w->e[i];
        if (e->owner != (int)i)
            continue;
        if (e->grub2_patched) {
            /* GRUB2's eltorito.img: its own address in sectors, + 5. */
            uint8_t old[GRUB2_LEN];
            memcpy(old, e->grub2_at, GRUB2_LEN);
            uint64_t v = e->block * 4 + 5;
            for (int k = 0; k < 8; k++)
                e->grub2_at[k] = (uint8_t)(v >> (8 * k));
            e->csum += word_sum(e->grub2_at, GRUB2_LEN) - word_sum(old, GRUB2_LEN);
            if (e->kind == BOOT_SRC_TREE)
                w->patches[w->npatches++] = (struct data_patch){
                    .item = e->item, .off = GRUB2_OFF, .len = GRUB2_LEN, .bytes = e->grub2_at};
        }
        if (!e->patched)
            continue;
        memset(e->table, 0, sizeof e->table);
        put_le32(e->table + 0, PVD_BLOCK);
        put_le32(e->table + 4, (uint32_t)e->block);
        put_le32(e->table + 8, (uint32_t)e->size);
        put_le32(e->table + 12, e->csum);
        if (e->kind == BOOT_SRC_TREE)
            w->patches[w->npatches++] = (struct data_patch){
                .item = e->item, .off = TABLE_OFF, .len = TABLE_LEN, .bytes = e->table};
    }
    if (w->cat_item)
        w->patches[w->npatches++] = (struct data_patch){
            .item = w->cat_item, .off = 0, .len = FSI_BLOCK, .bytes = w->cat};
    lay->patches = w->patches;
    lay->npatches = w->npatches;
    return FSI_S_OK;
}

/* ---------------------------------------------------------------- */
/* Producing                                                         */
/* ---------------------------------------------------------------- */

static void produce_brvd(const struct layout *lay, const struct eltw *w, uint8_t *p)
{
    static const char spec[] = "EL TORITO SPECIFICATION";
    memset(p, 0, FSI_BLOCK);
    p[0] = 0;                                  /* boot record */
    memcpy(p + 1, "CD001", 5);
    p[6] = 1;
    memcpy(p + 7, spec, sizeof spec - 1);      /* boot system identifier, zero padded */
    put_le32(p + 71, layout_ref(lay, w->cat_block));   /* first block of the catalog */
}

/* The stub PVD of an image without an ISO9660 view: the volume and an
 * empty root directory, nothing else. */
static void produce_stub_pvd(const struct layout *lay, const struct eltw *w, uint8_t *p)
{
    memset(p, 0, FSI_BLOCK);
    p[0] = 1;
    memcpy(p + 1, "CD001", 5);
    p[6] = 1;
    iso_put_ids(p, lay, false);                /* as the ISO9660 writer has them */
    put_both32(p + 80, (uint32_t)lay->total_blocks);
    put_both16(p + 120, 1);
    put_both16(p + 124, 1);
    put_both16(p + 128, FSI_BLOCK);
    put_both32(p + 132, 10);                   /* one path table record */
    put_le32(p + 140, (uint32_t)w->pt_l);
    put_be32(p + 148, (uint32_t)w->pt_m);
    const uint8_t root_id = 0;
    iso_put_record(p + 156, (uint32_t)w->root, FSI_BLOCK, lay->now_ns, ISO_FLAG_DIR, &root_id, 1);
    iso_date17(p + 813, lay->now_ns);
    iso_date17(p + 830, lay->now_ns);
    memset(p + 847, '0', 16);
    memset(p + 864, '0', 16);
    p[881] = 1;
}

/* Put the patch bytes [s, s + n) over buf, which holds [off, off + len). */
static void overlay(uint8_t *buf, uint64_t off, uint64_t len, uint64_t s, uint64_t n,
                    const uint8_t *bytes)
{
    uint64_t t = s + n;
    if (t > off && s < off + len) {
        uint64_t cs = s > off ? s : off, ce = t < off + len ? t : off + len;
        memcpy(buf + (cs - off), bytes + (cs - s), (size_t)(ce - cs));
    }
}

/* Blocks [block, block + n) of the hidden copy of entry i. */
static fsi_hresult produce_image(struct eltw *w, size_t i, uint64_t block, uint8_t *buf,
                                 uint32_t n)
{
    const struct bentry *e = &w->e[i];
    uint64_t off = block * FSI_BLOCK, len = (uint64_t)n * FSI_BLOCK, data = 0;
    if (off < e->size)
        data = e->size - off < len ? e->size - off : len;
    memset(buf + data, 0, (size_t)(len - data));
    fsi_hresult hr = data ? read_exact(w, i, off, buf, (size_t)data) : FSI_S_OK;
    if (FSI_FAILED(hr))
        return hr;
    if (e->patched)
        overlay(buf, off, len, TABLE_OFF, TABLE_LEN, e->table);
    if (e->grub2_patched)
        overlay(buf, off, len, GRUB2_OFF, GRUB2_LEN, e->grub2_at);
    return FSI_S_OK;
}

static const struct eltw *find_self(const struct layout *lay)
{
    for (int k = 0; k < lay->nwriters; k++)
        if (lay->writers[k].ops == &eltorito_ops)
            return lay->writers[k].self;
    return NULL;
}

bool eltorito_first_image(const struct layout *lay, uint64_t *block)
{
    const struct eltw *w = find_self(lay);
    if (!w || w->n == 0)
        return false;
    *block = w->e[0].block;
    return true;
}

bool eltorito_efi_image(const struct layout *lay, uint64_t *block, uint64_t *size)
{
    const struct eltw *w = find_self(lay);
    if (!w)
        return false;
    for (size_t i = 0; i < w->n; i++)
        if (w->e[i].platform == FSI_PLATFORM_EFI) {
            *block = w->e[i].block;
            *size = w->e[i].size;
            return true;
        }
    return false;
}

static fsi_hresult elt_produce(struct layout *lay, void *self, uint32_t tag, uint64_t block,
                               uint8_t *buf, uint32_t n)
{
    struct eltw *w = self;
    if (tag >= TAG_IMG && tag - TAG_IMG < w->n)
        return produce_image(w, tag - TAG_IMG, block, buf, n);
    memset(buf, 0, (size_t)n * FSI_BLOCK);
    switch (tag) {
    case TAG_BRVD:
        produce_brvd(lay, w, buf);
        return FSI_S_OK;
    case TAG_CAT:
        memcpy(buf, w->cat, FSI_BLOCK);
        return FSI_S_OK;
    case TAG_PVD:
        produce_stub_pvd(lay, w, buf);
        return FSI_S_OK;
    case TAG_TERM:
        buf[0] = 255;
        memcpy(buf + 1, "CD001", 5);
        buf[6] = 1;
        return FSI_S_OK;
    case TAG_ROOT: {
        const uint8_t dot = 0, dotdot = 1;
        iso_put_record(buf, (uint32_t)w->root, FSI_BLOCK, lay->now_ns, ISO_FLAG_DIR, &dot, 1);
        iso_put_record(buf + 34, (uint32_t)w->root, FSI_BLOCK, lay->now_ns, ISO_FLAG_DIR,
                       &dotdot, 1);
        return FSI_S_OK;
    }
    case TAG_PT_L:
    case TAG_PT_M:
        buf[0] = 1;                            /* identifier length */
        if (tag == TAG_PT_L) {
            put_le32(buf + 2, (uint32_t)w->root);
            put_le16(buf + 6, 1);
        } else {
            put_be32(buf + 2, (uint32_t)w->root);
            put_be16(buf + 6, 1);
        }
        return FSI_S_OK;
    default:
        return fsi_failf(lay->img, IMAPI_E_FSI_INTERNAL_ERROR, 0, "unknown El Torito region",
                         NULL, "tag %u", (unsigned)tag);
    }
}

const struct writer_ops eltorito_ops = {
    .name = "El Torito",
    .place = elt_place,
    .finish = elt_finish,
    .produce = elt_produce,
    .destroy = elt_destroy,
};
