/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eltorito.h - El Torito boot entries: the boot options objects
 * (IBootOptions, boot.c) and the El Torito writer (eltorito.c): the boot
 * record volume descriptor at block 17, the boot catalog, the boot
 * images and their boot info tables.
 *
 * Layout choices (see eltorito.c for the details):
 *  - The boot record is the second ECMA-119 volume descriptor (block 17,
 *    right after the PVD at 16); the writer runs between the ISO9660 and
 *    Joliet writers so the Joliet SVD follows it.
 *  - Without ISO9660 (a UDF-only image) the writer writes a minimal
 *    ECMA-119 volume descriptor set of its own: a PVD at 16 whose root
 *    directory is empty, the boot record at 17 and the set terminator,
 *    before the UDF volume recognition sequence.  Firmware finds El Torito
 *    only by walking CD001 descriptors from block 16.
 *  - The catalog is one block (32 entries always fit: 2 + 31 entries and at
 *    most 4 section headers of 64 slots).  Hidden, it is a metadata block
 *    of the writer; made visible (fsi_image_set_boot_catalog), it is a file
 *    of the tree for the life of the result, so every view lists it and
 *    the core places its data like any file.
 *  - A boot image that is a file of the tree is that file's data (stored
 *    once, shared by the catalog entry and every view).  Any other boot
 *    image (host file, memory, callback) is hidden data placed after the
 *    files.
 *  - A boot info table is patched into the image's copy only: for a file
 *    of the tree through the layout's data patches (output.c applies them
 *    on every path, zero-copy is skipped for that file); for hidden data
 *    by the writer itself.
 */
#ifndef FSI_ELTORITO_H
#define FSI_ELTORITO_H

#include "layout.h"

/* Where a boot image comes from. */
enum boot_src_kind {
    BOOT_SRC_NONE = 0,
    BOOT_SRC_HOST,     /* host file: path */
    BOOT_SRC_MEM,      /* copied buffer: mem */
    BOOT_SRC_CB,       /* caller's read function */
    BOOT_SRC_TREE,     /* a file of the image tree: path (image path) */
    BOOT_SRC_PART,     /* an appended partition of the image: part */
};

struct fsi_boot {
    unsigned refs;             /* the caller's + one per image slot */
    unsigned busy;             /* layouts built from it: read-only while > 0 */
    uint8_t platform;          /* fsi_platform */
    uint8_t emulation;         /* fsi_emulation */
    uint16_t load_segment;     /* 0: the BIOS default (0x07C0) */
    uint16_t sectors;          /* 0: automatic */
    bool info_table;
    bool grub2_info;           /* GRUB2's own address at byte 2548 */
    uint8_t part;              /* BOOT_SRC_PART: its number, 1-4 */
    char id[FSI_BOOT_ID_MAX + 1];
    uint8_t kind;              /* enum boot_src_kind */
    char *path;                /* BOOT_SRC_HOST: host path; BOOT_SRC_TREE: image path */
    void *mem;                 /* BOOT_SRC_MEM */
    fsi_read_fn read;          /* BOOT_SRC_CB */
    void *ctx;
    void (*free_ctx)(void *ctx);
    uint64_t size;             /* bytes; BOOT_SRC_TREE: 0 (known per result) */
    fsi_hresult last_code;
    char *last_msg;
};

/* The image's boot entries (img->boot). */
struct boot_state {
    fsi_boot *entry[FSI_BOOT_ENTRY_COUNT_MAX];
    size_t n;
    char *catalog_path;        /* NULL: the catalog stays hidden */
    fsi_item cat_item;         /* the visible catalog while results use it */
    unsigned cat_users;        /* layouts using cat_item */
};

/* Bytes of MBR code an isohybrid MBR takes from its template. */
#define ISOHYBRID_CODE 432

/* Sizes of the three floppy images (El Torito media types 1-3). */
#define BOOT_FLOPPY_12 1228800u
#define BOOT_FLOPPY_144 1474560u
#define BOOT_FLOPPY_288 2949120u

/* The floppy emulation an image of `size` bytes fits, or
 * FSI_EMULATION_NONE if it is no floppy size. */
int boot_floppy_for_size(uint64_t size);

/* Release img->boot (image.c calls it from fsi_image_free). */
void boot_state_free(fsi_image *img);

/* Drop one reference of a boot object (frees it with the last). */
void boot_unref(fsi_boot *boot);

/* Make the El Torito writer of lay if the image has boot entries (*self
 * NULL if not).  Checks every entry (IMAPI_E_BOOT_IMAGE_DATA,
 * IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH), reads what the checks and
 * the boot info tables need, and links the visible catalog into the tree.
 * Must run before the layout counts the tree's items. */
fsi_hresult eltorito_writer_new(struct layout *lay, void **self);

extern const struct writer_ops eltorito_ops;

/* For the hybrid writer (hybrid.c), after the El Torito writer's finish:
 * the first boot entry's image (its first block), the first EFI entry's
 * (first block and bytes).  false if there is none. */
bool eltorito_first_image(const struct layout *lay, uint64_t *block);
bool eltorito_efi_image(const struct layout *lay, uint64_t *block, uint64_t *size);

#endif
