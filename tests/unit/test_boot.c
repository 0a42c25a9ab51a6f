/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_boot.c - El Torito boot options and the El Torito writer
 * (lib/boot.c, lib/eltorito.c): the boot options objects and their codes,
 * the image's boot entries (at most 32), the boot record at block 17, the
 * catalog byte by byte (validation entry and its checksum, default entry,
 * sections by platform), the checks made when a result is created
 * (IMAPI_E_BOOT_IMAGE_DATA, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH),
 * the boot info table seen the same by every way out of the result, the
 * visible catalog's life in the tree, UDF-only images and measuring;
 * the hybrid-disk settings (lib/hybrid.c): appended partitions and the
 * entries loading them, partition types, the GPT they are listed in,
 * GRUB2's MBR and boot-info address, the system-area bytes.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsi.h"

#define BLK 2048u

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bytes that differ per offset and seed. */
static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len ? len : 1);
    uint32_t x = seed * 2654435761u + 7;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 24);
    }
    return p;
}

/* The whole image through fsi_result_read. */
static uint8_t *read_all(fsi_result *res, size_t *len)
{
    size_t n = (size_t)fsi_result_total_blocks(res) * BLK, got = 0;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(fsi_result_read(res, 0, buf, n, &got), FSI_S_OK);
    assert_int_equal(got, n);
    *len = n;
    return buf;
}

/* The whole image through fsi_result_write_fd with a copy method. */
static uint8_t *write_all(fsi_result *res, fsi_copy_method method, size_t *len)
{
    char path[] = "/tmp/fsi-test-boot.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    uint64_t written = 0;
    assert_int_equal(fsi_result_set_copy_method(res, method), FSI_S_OK);
    assert_int_equal(fsi_result_write_fd(res, fd, &written), FSI_S_OK);
    uint8_t *buf = malloc(written);
    assert_int_equal(pread(fd, buf, written, 0), (ssize_t)written);
    close(fd);
    *len = written;
    return buf;
}

static fsi_boot *boot_mem(size_t len, unsigned seed)
{
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    uint8_t *p = pattern(len, seed);
    assert_int_equal(fsi_boot_set_image_mem(b, p, len), FSI_S_OK);
    free(p);
    return b;
}

static fsi_image *new_image(unsigned fs)
{
    fsi_image *img = NULL;
    assert_int_equal(fsi_image_new(&img), FSI_S_OK);
    assert_int_equal(fsi_image_set_file_systems(img, fs), FSI_S_OK);
    assert_int_equal(fsi_add_dir(img, "/boot"), FSI_S_OK);
    assert_int_equal(fsi_add_file_mem(img, "/readme.txt", "hello\n", 6), FSI_S_OK);
    return img;
}

/* Catalog block of an image (from the boot record at 17). */
static const uint8_t *catalog_of(const uint8_t *img, size_t len)
{
    const uint8_t *br = img + 17 * BLK;
    assert_int_equal(br[0], 0);
    assert_memory_equal(br + 1, "CD001", 5);
    assert_int_equal(br[6], 1);
    assert_memory_equal(br + 7, "EL TORITO SPECIFICATION", 23);
    for (int i = 7 + 23; i < 71; i++)
        assert_int_equal(br[i], 0);
    uint32_t cat = le32(br + 71);
    assert_true((size_t)(cat + 1) * BLK <= len);
    return img + (size_t)cat * BLK;
}

/* ---------------------------------------------------------------- */
/* Boot options objects                                              */
/* ---------------------------------------------------------------- */

static void test_defaults_and_setters(void **state)
{
    (void)state;
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    assert_int_equal(fsi_boot_get_platform(b), FSI_PLATFORM_X86);
    assert_int_equal(fsi_boot_get_emulation(b), FSI_EMULATION_NONE);
    assert_int_equal(fsi_boot_get_load_segment(b), 0);
    assert_int_equal(fsi_boot_get_sector_count(b), 0);
    assert_string_equal(fsi_boot_get_manufacturer(b), "");
    assert_false(fsi_boot_get_info_table(b));
    assert_int_equal(fsi_boot_get_image_size(b), 0);
    assert_null(fsi_boot_get_image_path(b));

    assert_int_equal(fsi_boot_set_platform(b, FSI_PLATFORM_EFI), FSI_S_OK);
    assert_int_equal(fsi_boot_get_platform(b), 0xEF);
    assert_int_equal(fsi_boot_set_platform(b, (fsi_platform)3), IMAPI_E_INVALID_PARAM);
    assert_non_null(strstr(fsi_boot_last_error(b), "platform"));
    assert_int_equal(fsi_boot_set_emulation(b, (fsi_emulation)5), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_HARD_DISK), FSI_S_OK);
    assert_int_equal(fsi_boot_set_load_segment(b, 0x1000), FSI_S_OK);
    assert_int_equal(fsi_boot_get_load_segment(b), 0x1000);
    assert_int_equal(fsi_boot_set_sector_count(b, 9), FSI_S_OK);
    assert_int_equal(fsi_boot_get_sector_count(b), 9);
    assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
    assert_true(fsi_boot_get_info_table(b));

    /* The ID string: at most 24 bytes of printable ASCII. */
    assert_int_equal(fsi_boot_set_manufacturer(b, "123456789012345678901234"), FSI_S_OK);
    assert_string_equal(fsi_boot_get_manufacturer(b), "123456789012345678901234");
    assert_int_equal(fsi_boot_set_manufacturer(b, "1234567890123456789012345"),
                     IMAPI_E_INVALID_PARAM);
    assert_non_null(strstr(fsi_boot_last_error(b), "at most 24"));
    assert_int_equal(fsi_boot_set_manufacturer(b, "tab\there"), IMAPI_E_INVALID_PARAM);
    assert_string_equal(fsi_boot_get_manufacturer(b), "123456789012345678901234");
    assert_int_equal(fsi_boot_set_manufacturer(b, NULL), FSI_S_OK);
    assert_string_equal(fsi_boot_get_manufacturer(b), "");

    assert_int_equal(fsi_boot_set_image_path(b, "/boot/x.bin"), FSI_S_OK);
    assert_string_equal(fsi_boot_get_image_path(b), "/boot/x.bin");
    assert_int_equal(fsi_boot_get_image_size(b), 0);
    fsi_boot_free(b);
    fsi_boot_free(NULL);
}

static void test_floppy_sizes_pick_the_emulation(void **state)
{
    (void)state;
    static const struct { size_t size; fsi_emulation e; } sizes[] = {
        {1228800, FSI_EMULATION_FLOPPY_12},
        {1474560, FSI_EMULATION_FLOPPY_144},
        {2949120, FSI_EMULATION_FLOPPY_288},
    };
    for (size_t i = 0; i < 3; i++) {
        fsi_boot *b = boot_mem(sizes[i].size, 1);
        assert_int_equal(fsi_boot_get_emulation(b), sizes[i].e);
        assert_int_equal(fsi_boot_get_image_size(b), sizes[i].size);
        /* Another floppy type does not fit; none and hard disk may be set. */
        fsi_emulation other = sizes[(i + 1) % 3].e;
        assert_int_equal(fsi_boot_set_emulation(b, other),
                         IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH);
        assert_non_null(strstr(fsi_boot_last_error(b), "bytes"));
        assert_int_equal(fsi_boot_get_emulation(b), sizes[i].e);
        assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_NONE), FSI_S_OK);
        fsi_boot_free(b);
    }
    fsi_boot *b = boot_mem(2048, 2);
    assert_int_equal(fsi_boot_get_emulation(b), FSI_EMULATION_NONE);
    assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_FLOPPY_144),
                     IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH);
    fsi_boot_free(b);
}

static int free_calls;
static void count_free(void *ctx)
{
    (void)ctx;
    free_calls++;
}

static int64_t cb_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    (void)ctx;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)((off + i) * 13 + 1);
    return (int64_t)len;
}

static void test_empty_or_unreadable_images_are_boot_image_data(void **state)
{
    (void)state;
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    assert_int_equal(fsi_boot_set_image_mem(b, "x", 0), IMAPI_E_BOOT_IMAGE_DATA);
    assert_int_equal(fsi_boot_set_image_cb(b, 0, cb_read, NULL, count_free),
                     IMAPI_E_BOOT_IMAGE_DATA);
    assert_int_equal(fsi_boot_set_image_file(b, "/nonexistent/boot.bin"),
                     IMAPI_E_BOOT_IMAGE_DATA);
    assert_non_null(strstr(fsi_boot_last_error(b), "/nonexistent/boot.bin"));
    assert_int_equal(fsi_boot_set_image_file(b, "/tmp"), IMAPI_E_BOOT_IMAGE_DATA);
    char path[] = "/tmp/fsi-test-boot-empty.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(fsi_boot_set_image_file(b, path), IMAPI_E_BOOT_IMAGE_DATA);
    assert_non_null(strstr(fsi_boot_last_error(b), "empty"));
    unlink(path);
    /* A callback's ctx is freed once: when replaced, or with the object. */
    free_calls = 0;
    assert_int_equal(fsi_boot_set_image_cb(b, 4096, cb_read, NULL, count_free), FSI_S_OK);
    assert_int_equal(fsi_boot_get_image_size(b), 4096);
    assert_int_equal(fsi_boot_set_image_cb(b, 4096, cb_read, NULL, count_free), FSI_S_OK);
    assert_int_equal(free_calls, 1);
    fsi_boot_free(b);
    assert_int_equal(free_calls, 2);
}

/* ---------------------------------------------------------------- */
/* The image's entries                                               */
/* ---------------------------------------------------------------- */

static void test_at_most_32_entries(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660);
    fsi_boot *b = boot_mem(2048, 3);
    for (int i = 0; i < FSI_BOOT_ENTRY_COUNT_MAX; i++)
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, b), IMAPI_E_INVALID_PARAM);
    assert_non_null(strstr(fsi_image_last_error(img), "32"));
    assert_int_equal(fsi_image_boot_count(img), 32);
    fsi_boot *many[33];
    for (int i = 0; i < 33; i++)
        many[i] = b;
    assert_int_equal(fsi_image_set_boot_array(img, many, 33), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_boot_count(img), 32);
    assert_int_equal(fsi_image_set_boot_array(img, many, 2), FSI_S_OK);
    assert_int_equal(fsi_image_boot_count(img), 2);
    assert_ptr_equal(fsi_image_get_boot(img, 1), b);
    assert_null(fsi_image_get_boot(img, 2));
    /* The image keeps its references when the caller lets go. */
    fsi_boot_free(b);
    assert_int_equal(fsi_boot_get_image_size(fsi_image_get_boot(img, 0)), 2048);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    fsi_result_free(res);
    assert_int_equal(fsi_image_clear_boot(img), FSI_S_OK);
    assert_int_equal(fsi_image_boot_count(img), 0);
    /* An entry without a boot image is refused. */
    fsi_boot *none = NULL;
    assert_int_equal(fsi_boot_new(&none), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, none), IMAPI_E_BOOT_IMAGE_DATA);
    assert_int_equal(fsi_image_add_boot(img, NULL), IMAPI_E_INVALID_PARAM);
    fsi_boot_free(none);
    fsi_image_free(img);
}

/* ---------------------------------------------------------------- */
/* The catalog                                                       */
/* ---------------------------------------------------------------- */

static void check_entry(const uint8_t *p, uint8_t media, uint16_t seg, uint8_t systype,
                        uint16_t sectors, const uint8_t *img, size_t len, const uint8_t *data,
                        size_t data_len)
{
    assert_int_equal(p[0], 0x88);
    assert_int_equal(p[1], media);
    assert_int_equal(le16(p + 2), seg);
    assert_int_equal(p[4], systype);
    assert_int_equal(p[5], 0);
    assert_int_equal(le16(p + 6), sectors);
    uint32_t rba = le32(p + 8);
    assert_true((size_t)rba * BLK + data_len <= len);
    assert_memory_equal(img + (size_t)rba * BLK, data, data_len);
    for (int i = 12; i < 32; i++)
        assert_int_equal(p[i], 0);
}

static void test_catalog_bytes(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    /* Entries: BIOS (default), EFI, BIOS, Mac, EFI: sections EFI (2),
     * BIOS (1), Mac (1) in order of first appearance. */
    size_t sizes[] = {2048, 300000, 700, 5000, 65536 * 512 + 1};
    fsi_platform plat[] = {FSI_PLATFORM_X86, FSI_PLATFORM_EFI, FSI_PLATFORM_X86,
                           FSI_PLATFORM_MAC, FSI_PLATFORM_EFI};
    const char *ids[] = {"LIBFSI TEST", "EFI ONE", "", "MAC", "EFI TWO"};
    uint8_t *data[5];
    for (int i = 0; i < 5; i++) {
        data[i] = pattern(sizes[i], 10 + (unsigned)i);
        fsi_boot *b = NULL;
        assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_mem(b, data[i], sizes[i]), FSI_S_OK);
        assert_int_equal(fsi_boot_set_platform(b, plat[i]), FSI_S_OK);
        assert_int_equal(fsi_boot_set_manufacturer(b, ids[i]), FSI_S_OK);
        if (i == 2) {
            assert_int_equal(fsi_boot_set_load_segment(b, 0x2000), FSI_S_OK);
            assert_int_equal(fsi_boot_set_sector_count(b, 2), FSI_S_OK);
        }
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
        fsi_boot_free(b);
    }
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    size_t len;
    uint8_t *bytes = read_all(res, &len);
    const uint8_t *c = catalog_of(bytes, len);

    /* Validation entry: header 1, platform of the first entry, its ID,
     * a zero sum of the 16-bit words, 55 AA. */
    assert_int_equal(c[0], 1);
    assert_int_equal(c[1], 0);
    assert_memory_equal(c + 4, "LIBFSI TEST", 11);
    for (int i = 4 + 11; i < 28; i++)
        assert_int_equal(c[i], 0);
    assert_int_equal(c[30], 0x55);
    assert_int_equal(c[31], 0xAA);
    uint16_t sum = 0;
    for (int i = 0; i < 32; i += 2)
        sum = (uint16_t)(sum + le16(c + i));
    assert_int_equal(sum, 0);
    /* Default entry: BIOS no-emulation, 4 sectors. */
    check_entry(c + 32, 0, 0, 0, 4, bytes, len, data[0], sizes[0]);
    /* Section 1: EFI, 2 entries, the sector count the image's size in
     * 512-byte sectors (the second capped at 65535). */
    const uint8_t *h = c + 64;
    assert_int_equal(h[0], 0x90);
    assert_int_equal(h[1], 0xEF);
    assert_int_equal(le16(h + 2), 2);
    assert_memory_equal(h + 4, "EFI ONE", 8);
    check_entry(h + 32, 0, 0, 0, (uint16_t)((300000 + 511) / 512), bytes, len, data[1], sizes[1]);
    check_entry(h + 64, 0, 0, 0, 65535, bytes, len, data[4], sizes[4]);
    /* Section 2: BIOS, with its own load segment and count. */
    h = c + 64 + 96;
    assert_int_equal(h[0], 0x90);
    assert_int_equal(h[1], 0);
    assert_int_equal(le16(h + 2), 1);
    check_entry(h + 32, 0, 0x2000, 0, 2, bytes, len, data[2], sizes[2]);
    /* Section 3 (the last: 91): Mac. */
    h = c + 64 + 96 + 64;
    assert_int_equal(h[0], 0x91);
    assert_int_equal(h[1], 2);
    assert_int_equal(le16(h + 2), 1);
    assert_memory_equal(h + 4, "MAC", 4);
    check_entry(h + 32, 0, 0, 0, 4, bytes, len, data[3], sizes[3]);
    /* Nothing after the last entry. */
    for (size_t i = 64 + 96 + 64 + 64; i < BLK; i++)
        assert_int_equal(c[i], 0);
    /* The catalog is hidden: ISO9660's PVD at 16, Joliet's SVD at 18. */
    assert_int_equal(bytes[16 * BLK], 1);
    assert_int_equal(bytes[18 * BLK], 2);
    fsi_item_type t;
    assert_int_equal(fsi_exists(img, "/boot/boot.cat", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_NOT_FOUND);

    free(bytes);
    for (int i = 0; i < 5; i++)
        free(data[i]);
    fsi_result_free(res);
    fsi_image_free(img);
}

/* An MBR of `nparts` partitions (type 0x0C, 0x83, ...) in a 64 KiB image. */
static uint8_t *disk_image(int nparts, bool signature, size_t *len)
{
    *len = 65536;
    uint8_t *d = calloc(1, *len);
    static const uint8_t types[] = {0x0C, 0x83, 0x07, 0x0B};
    for (int k = 0; k < nparts; k++) {
        uint8_t *e = d + 446 + 16 * k;
        e[0] = k == 0 ? 0x80 : 0;
        e[4] = types[k];
        e[8] = (uint8_t)(1 + 16 * k);          /* start LBA */
        e[12] = 16;                            /* sectors */
    }
    if (signature) {
        d[510] = 0x55;
        d[511] = 0xAA;
    }
    return d;
}

static void test_emulation_checks_when_the_result_is_made(void **state)
{
    (void)state;
    struct {
        int nparts;
        bool sig;
        fsi_hresult want;
    } cases[] = {
        {1, true, FSI_S_OK},
        {0, true, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH},
        {2, true, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH},
        {1, false, IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_UDF);
        size_t len;
        uint8_t *disk = disk_image(cases[i].nparts, cases[i].sig, &len);
        assert_int_equal(fsi_add_file_mem(img, "/boot/disk.img", disk, len), FSI_S_OK);
        fsi_boot *b = NULL;
        assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_path(b, "/boot/disk.img"), FSI_S_OK);
        assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_HARD_DISK), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
        fsi_boot_free(b);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), cases[i].want);
        if (res) {
            size_t n;
            uint8_t *bytes = read_all(res, &n);
            const uint8_t *c = catalog_of(bytes, n);
            /* One sector, the system type of the partition. */
            check_entry(c + 32, 4, 0, 0x0C, 1, bytes, n, disk, len);
            free(bytes);
            fsi_result_free(res);
        } else {
            assert_non_null(strstr(fsi_image_last_error(img), "/boot/disk.img"));
        }
        free(disk);
        fsi_image_free(img);
    }

    /* A floppy type for a file of the tree of another size. */
    fsi_image *img = new_image(FSI_FS_ISO9660);
    uint8_t *small = pattern(4096, 5);
    assert_int_equal(fsi_add_file_mem(img, "/boot/fd.img", small, 4096), FSI_S_OK);
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    assert_int_equal(fsi_boot_set_image_path(b, "/boot/fd.img"), FSI_S_OK);
    assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_FLOPPY_288), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH);
    assert_non_null(strstr(fsi_image_last_error(img), "2949120"));
    /* A boot info table is only for no-emulation images. */
    assert_int_equal(fsi_boot_set_emulation(b, FSI_EMULATION_HARD_DISK), FSI_S_OK);
    assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_INVALID_PARAM);
    fsi_boot_free(b);
    free(small);
    fsi_image_free(img);
}

static void test_missing_or_empty_tree_files_are_boot_image_data(void **state)
{
    (void)state;
    const char *paths[] = {"/boot/missing.bin", "/boot", "/boot/empty.bin", "/boot/tiny.bin"};
    for (int i = 0; i < 4; i++) {
        fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET);
        assert_int_equal(fsi_add_file_mem(img, "/boot/empty.bin", "", 0), FSI_S_OK);
        assert_int_equal(fsi_add_file_mem(img, "/boot/tiny.bin", "0123456789", 10), FSI_S_OK);
        fsi_boot *b = NULL;
        assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_path(b, paths[i]), FSI_S_OK);
        if (i == 3)   /* 10 bytes are no room for a boot info table */
            assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
        fsi_boot_free(b);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), IMAPI_E_BOOT_IMAGE_DATA);
        assert_null(res);
        assert_non_null(strstr(fsi_image_last_error(img), paths[i]));
        /* Nothing is left locked: the tree and the entries can change. */
        assert_int_equal(fsi_add_file_mem(img, "/later.txt", "x", 1), FSI_S_OK);
        assert_int_equal(fsi_image_clear_boot(img), FSI_S_OK);
        fsi_image_free(img);
    }
}

/* ---------------------------------------------------------------- */
/* Boot info table                                                   */
/* ---------------------------------------------------------------- */

static uint32_t sum32(const uint8_t *p, size_t len)
{
    uint32_t s = 0;
    for (size_t i = 64; i < len; i += 4) {
        uint8_t w[4] = {0, 0, 0, 0};
        memcpy(w, p + i, len - i < 4 ? len - i : 4);
        s += le32(w);
    }
    return s;
}

static void check_table(const uint8_t *img, size_t len, const uint8_t *src, size_t size,
                        uint32_t rba)
{
    const uint8_t *f = img + (size_t)rba * BLK;
    assert_true((size_t)rba * BLK + size <= len);
    assert_int_equal(le32(f + 8), 16);
    assert_int_equal(le32(f + 12), rba);
    assert_int_equal(le32(f + 16), size);
    assert_int_equal(le32(f + 20), sum32(src, size));
    for (int i = 24; i < 64; i++)
        assert_int_equal(f[i], 0);
    assert_memory_equal(f, src, 8);
    assert_memory_equal(f + 64, src + 64, size - 64);
}

static void test_info_table_same_on_every_path(void **state)
{
    (void)state;
    /* A host file in the tree, large enough for zero-copy (which must not
     * bypass the table), and a hidden host-file image. */
    char dir[] = "/tmp/fsi-test-bit.XXXXXX";
    assert_non_null(mkdtemp(dir));
    size_t size = 600001;
    uint8_t *src = pattern(size, 42);
    char path[128], path2[128];
    snprintf(path, sizeof path, "%s/isolinux.bin", dir);
    snprintf(path2, sizeof path2, "%s/hidden.bin", dir);
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? path2 : path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(src, 1, size, f), size);
        fclose(f);
    }
    unsigned fss[] = {FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF, FSI_FS_UDF};
    for (int v = 0; v < 2; v++) {
        fsi_image *img = new_image(fss[v]);
        assert_int_equal(fsi_add_file(img, "/boot/isolinux.bin", path), FSI_S_OK);
        fsi_boot *b = NULL;
        assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_path(b, "boot/isolinux.bin"), FSI_S_OK);
        assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
        /* The same file again, without a table: shares the (patched) data. */
        assert_int_equal(fsi_boot_set_info_table(b, false), FSI_S_OK);
        fsi_boot *b2 = NULL;
        assert_int_equal(fsi_boot_new(&b2), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_path(b2, "/boot/isolinux.bin"), FSI_S_OK);
        assert_int_equal(fsi_boot_set_info_table(b2, true), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, b2), FSI_S_OK);
        fsi_boot *b3 = NULL;
        assert_int_equal(fsi_boot_new(&b3), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_file(b3, path2), FSI_S_OK);
        assert_int_equal(fsi_boot_set_info_table(b3, true), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, b3), FSI_S_OK);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
        /* Read-only while the result lives. */
        assert_int_equal(fsi_boot_set_info_table(b, true), IMAPI_E_READONLY);
        assert_int_equal(fsi_image_add_boot(img, b), IMAPI_E_READONLY);

        size_t len;
        uint8_t *ref = read_all(res, &len);
        const uint8_t *c = catalog_of(ref, len);
        uint32_t rba = le32(c + 32 + 8);
        assert_int_equal(le32(c + 64 + 32 + 8), rba);   /* shared, stored once */
        check_table(ref, len, src, size, rba);
        uint32_t rba3 = le32(c + 64 + 64 + 8);
        assert_true(rba3 != rba);
        check_table(ref, len, src, size, rba3);
        fsi_copy_method methods[] = {FSI_COPY_READ_WRITE, FSI_COPY_RANGE, FSI_COPY_AUTO};
        for (int m = 0; m < 3; m++) {
            size_t n;
            uint8_t *out = write_all(res, methods[m], &n);
            assert_int_equal(n, len);
            assert_memory_equal(out, ref, len);
            free(out);
        }
        /* Small reads across the table give the same bytes. */
        uint8_t piece[100];
        size_t got;
        assert_int_equal(fsi_result_read(res, (uint64_t)rba * BLK + 3, piece, sizeof piece, &got),
                         FSI_S_OK);
        assert_memory_equal(piece, ref + (size_t)rba * BLK + 3, sizeof piece);
        free(ref);
        fsi_result_free(res);
        assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
        fsi_boot_free(b);
        fsi_boot_free(b2);
        fsi_boot_free(b3);
        fsi_image_free(img);
    }
    /* The sources are untouched. */
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(k ? path2 : path, "rb");
        uint8_t *back = malloc(size);
        assert_int_equal(fread(back, 1, size, f), size);
        fclose(f);
        assert_memory_equal(back, src, size);
        free(back);
    }
    unlink(path);
    unlink(path2);
    rmdir(dir);
    free(src);
}

/* ---------------------------------------------------------------- */
/* The visible catalog                                               */
/* ---------------------------------------------------------------- */

static void test_visible_catalog(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    fsi_boot *b = boot_mem(2048, 7);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_boot_free(b);
    assert_int_equal(fsi_image_set_boot_catalog(img, "/boot/boot.cat"), FSI_S_OK);
    assert_string_equal(fsi_image_get_boot_catalog(img), "/boot/boot.cat");
    uint64_t files = fsi_image_file_count(img), point = 0, point2 = 0;
    assert_int_equal(fsi_change_point(img, &point), FSI_S_OK);

    fsi_result *r1 = NULL, *r2 = NULL;
    assert_int_equal(fsi_create_result(img, &r1), FSI_S_OK);
    fsi_item_type t;
    assert_int_equal(fsi_exists(img, "/boot/boot.cat", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_FILE);
    assert_int_equal(fsi_image_file_count(img), files + 1);
    assert_int_equal(fsi_create_result(img, &r2), FSI_S_OK);
    size_t n1, n2;
    uint8_t *a = read_all(r1, &n1), *bb = read_all(r2, &n2);
    assert_int_equal(n1, n2);
    /* The catalog file's data is the catalog block (found via the boot
     * record): compare with the item's recorded size. */
    const uint8_t *c = catalog_of(a, n1);
    assert_int_equal(c[0], 1);
    assert_memory_equal(c, catalog_of(bb, n2), BLK);
    fsi_item item;
    fsi_item_info info;
    assert_int_equal(fsi_lookup(img, "/boot/boot.cat", &item), FSI_S_OK);
    assert_int_equal(fsi_item_get_info(img, item, &info), FSI_S_OK);
    assert_int_equal(info.size, BLK);
    fsi_result_free(r1);
    assert_int_equal(fsi_exists(img, "/boot/boot.cat", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_FILE);            /* r2 still uses it */
    uint8_t *again = read_all(r2, &n2);
    assert_memory_equal(again, bb, n2);
    fsi_result_free(r2);
    assert_int_equal(fsi_exists(img, "/boot/boot.cat", &t), FSI_S_OK);
    assert_int_equal(t, FSI_ITEM_NOT_FOUND);
    assert_int_equal(fsi_image_file_count(img), files);
    /* Neither a change nor something a rollback undoes. */
    assert_int_equal(fsi_change_point(img, &point2), FSI_S_OK);
    assert_int_equal(point2, point);
    assert_int_equal(fsi_rollback(img, point), FSI_S_OK);
    free(a);
    free(bb);
    free(again);

    /* A name that exists, a missing directory. */
    assert_int_equal(fsi_image_set_boot_catalog(img, "/readme.txt"), FSI_S_OK);
    fsi_result *r = NULL;
    assert_int_equal(fsi_create_result(img, &r), IMAPI_E_DUP_NAME);
    assert_int_equal(fsi_image_set_boot_catalog(img, "/nodir/boot.cat"), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &r), IMAPI_E_DIR_NOT_FOUND);
    assert_int_equal(fsi_image_set_boot_catalog(img, "/"), IMAPI_E_INVALID_PATH);
    assert_int_equal(fsi_image_set_boot_catalog(img, NULL), FSI_S_OK);
    assert_null(fsi_image_get_boot_catalog(img));
    assert_int_equal(fsi_create_result(img, &r), FSI_S_OK);
    fsi_result_free(r);
    fsi_image_free(img);
}

/* ---------------------------------------------------------------- */
/* UDF only; measuring                                               */
/* ---------------------------------------------------------------- */

static void test_udf_only_gets_a_descriptor_set(void **state)
{
    (void)state;
    int revs[] = {0x102, 0x250};
    for (int i = 0; i < 2; i++) {
        fsi_image *img = new_image(FSI_FS_UDF);
        assert_int_equal(fsi_image_set_udf_revision(img, revs[i]), FSI_S_OK);
        fsi_boot *b = boot_mem(2048, 9);
        assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
        fsi_boot_free(b);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
        size_t len;
        uint8_t *bytes = read_all(res, &len);
        const uint8_t *pvd = bytes + 16 * BLK;
        assert_int_equal(pvd[0], 1);
        assert_memory_equal(pvd + 1, "CD001", 5);
        assert_int_equal(le32(pvd + 80), fsi_result_total_blocks(res));
        (void)catalog_of(bytes, len);
        assert_int_equal(bytes[18 * BLK], 255);
        assert_memory_equal(bytes + 18 * BLK + 1, "CD001", 5);
        assert_memory_equal(bytes + 19 * BLK + 1, "BEA01", 5);
        free(bytes);
        fsi_result_free(res);
        fsi_image_free(img);
    }
}

static void test_measuring_reads_nothing_and_fails_on_nothing(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF);
    assert_int_equal(fsi_image_set_max_blocks(img, 1000000), FSI_S_OK);
    /* The boot file is not in the tree yet, the catalog's directory
     * neither: adding files must not fail for that. */
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    assert_int_equal(fsi_boot_set_image_path(b, "/isolinux/isolinux.bin"), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_boot_free(b);
    fsi_boot *h = boot_mem(10000, 3);
    assert_int_equal(fsi_image_add_boot(img, h), FSI_S_OK);
    fsi_boot_free(h);
    assert_int_equal(fsi_image_set_boot_catalog(img, "/isolinux/boot.cat"), FSI_S_OK);
    uint64_t used = 0;
    assert_int_equal(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_int_equal(fsi_add_dir(img, "/isolinux"), FSI_S_OK);
    uint8_t *p = pattern(5000, 1);
    assert_int_equal(fsi_add_file_mem(img, "/isolinux/isolinux.bin", p, 5000), FSI_S_OK);
    free(p);
    assert_string_equal(fsi_image_last_error(img), "");
    assert_int_equal(fsi_image_used_blocks(img, &used), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    assert_int_equal(used, fsi_result_total_blocks(res));
    fsi_result_free(res);
    /* Without the visible catalog the measure is exact too. */
    assert_int_equal(fsi_image_set_boot_catalog(img, NULL), FSI_S_OK);
    assert_int_equal(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    assert_int_equal(used, fsi_result_total_blocks(res));
    fsi_result_free(res);
    fsi_image_free(img);
}

static void test_size_limit_counts_boot_images(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET);
    uint64_t used = 0;
    assert_int_equal(fsi_image_used_blocks(img, &used), FSI_S_OK);
    assert_int_equal(fsi_image_set_max_blocks(img, used + 20), FSI_S_OK);
    fsi_boot *big = boot_mem(100 * 1024, 4), *small = boot_mem(2048, 5);
    assert_int_equal(fsi_image_add_boot(img, big), IMAPI_E_IMAGE_SIZE_LIMIT);
    assert_int_equal(fsi_image_boot_count(img), 0);
    assert_int_equal(fsi_image_add_boot(img, small), FSI_S_OK);
    fsi_boot *both[2] = {small, big};
    assert_int_equal(fsi_image_set_boot_array(img, both, 2), IMAPI_E_IMAGE_SIZE_LIMIT);
    assert_int_equal(fsi_image_boot_count(img), 1);
    assert_ptr_equal(fsi_image_get_boot(img, 0), small);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    assert_true(fsi_result_total_blocks(res) <= used + 20);
    fsi_result_free(res);
    fsi_boot_free(big);
    fsi_boot_free(small);
    fsi_image_free(img);
}

/* ---------------------------------------------------------------- */
/* Hybrid disks: appended partitions, GRUB2, the system area        */
/* ---------------------------------------------------------------- */

static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* A host file of len pattern bytes; its path in buf. */
static void host_file(char *buf, size_t len, unsigned seed)
{
    strcpy(buf, "/tmp/fsi-test-part.XXXXXX");
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    uint8_t *p = pattern(len, seed);
    assert_int_equal(write(fd, p, len), (ssize_t)len);
    free(p);
    close(fd);
}

static void test_appended_partition_settings(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660);
    char part[64], empty[64];
    host_file(part, 5000, 7);
    host_file(empty, 0, 8);
    assert_int_equal(fsi_image_append_partition(img, 0, "0xef", part), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_append_partition(img, 5, "0xef", part), IMAPI_E_INVALID_PARAM);
    const char *bad[] = {"0x", "0x123", "zz", "FAT32", "C12A7328-F81F-11D2-BA4B-00A0C93EC93",
                         "c12a7328f81f11d2ba4b00a0c93ec93", "C12A7328+F81F-11D2-BA4B-00A0C93EC93B",
                         "X12A7328-F81F-11D2-BA4B-00A0C93EC93B", NULL};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(fsi_image_append_partition(img, 2, bad[i], part), IMAPI_E_INVALID_PARAM);
        assert_non_null(strstr(fsi_image_last_error(img), "partition type"));
    }
    assert_int_equal(fsi_image_append_partition(img, 2, "0xef", "/nonexistent/esp.img"),
                     IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_int_equal(fsi_image_append_partition(img, 2, "0xef", empty),
                     IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_int_equal(fsi_image_append_partition(img, 2, "0xef", "/tmp"),
                     IMAPI_E_DATA_STREAM_CREATE_FAILURE);
    assert_null(fsi_image_get_appended_partition(img, 2));
    assert_int_equal(fsi_image_append_partition(img, 2, "EFI", part), FSI_S_OK);
    assert_string_equal(fsi_image_get_appended_partition(img, 2), part);
    assert_int_equal(fsi_image_append_partition(img, 2, NULL, NULL), FSI_S_OK);
    assert_null(fsi_image_get_appended_partition(img, 2));
    assert_int_equal(fsi_image_set_iso_partition_type(img, "nope"), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_set_system_area(img, part, 32769), IMAPI_E_INVALID_PARAM);
    uint8_t mbr[512] = {0};
    assert_int_equal(fsi_image_set_grub2_mbr(img, mbr, 100), IMAPI_E_INVALID_PARAM);
    fsi_boot *b = NULL;
    assert_int_equal(fsi_boot_new(&b), FSI_S_OK);
    assert_int_equal(fsi_boot_set_image_partition(b, 0), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_boot_set_image_partition(b, 5), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_boot_set_image_partition(b, 3), FSI_S_OK);
    assert_int_equal(fsi_boot_get_image_partition(b), 3);
    assert_int_equal(fsi_boot_set_grub2_info(b, true), FSI_S_OK);
    assert_true(fsi_boot_get_grub2_info(b));
    assert_int_equal(fsi_boot_set_grub2_info(b, false), FSI_S_OK);
    /* An entry loading a partition the image does not have. */
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_BOOT_IMAGE_DATA);
    assert_non_null(strstr(fsi_image_last_error(img), "appended partition 3"));
    fsi_boot_free(b);
    fsi_image_free(img);
    unlink(part);
    unlink(empty);
}

/* The partition's data, the GPT listing it and the ISO, and the El
 * Torito entry loading it; then the same as an MBR. */
static void test_appended_partition_layout(void **state)
{
    (void)state;
    static const uint8_t esp_guid[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                         0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};
    static const uint8_t linux_guid[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
                                           0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};
    char part[64], data[64];
    host_file(part, 5000, 9);
    host_file(data, 3000, 10);
    uint8_t *want = pattern(5000, 9);
    for (int gpt = 1; gpt >= 0; gpt--) {
        fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET);
        uint64_t before = 0, after = 0;
        assert_int_equal(fsi_image_used_blocks(img, &before), FSI_S_OK);
        assert_int_equal(fsi_image_append_partition(img, 2, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
                                                    part), FSI_S_OK);
        /* The size the image reports counts the partition at once. */
        assert_int_equal(fsi_image_used_blocks(img, &after), FSI_S_OK);
        assert_int_equal(after, before + 3);
        assert_int_equal(fsi_image_append_partition(img, 3, "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
                                                    data), FSI_S_OK);
        assert_int_equal(fsi_image_set_appended_gpt(img, gpt), FSI_S_OK);
        fsi_boot *bios = boot_mem(2048, 3), *efi = NULL;
        assert_int_equal(fsi_boot_new(&efi), FSI_S_OK);
        assert_int_equal(fsi_boot_set_image_partition(efi, 2), FSI_S_OK);
        assert_int_equal(fsi_boot_set_platform(efi, FSI_PLATFORM_EFI), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, bios), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, efi), FSI_S_OK);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
        size_t len;
        uint8_t *im = read_all(res, &len);
        uint64_t total = len / BLK;
        /* The partitions: 3 blocks of ESP, 2 of data, then (GPT) 9 of backup. */
        uint64_t p2 = total - (gpt ? 9 : 0) - 2 - 3, p3 = p2 + 3;
        assert_memory_equal(im + p2 * BLK, want, 5000);
        for (size_t i = 5000; i < 3 * BLK; i++)
            assert_int_equal(im[p2 * BLK + i], 0);
        const uint8_t *cat = catalog_of(im, len);
        assert_int_equal(cat[64 + 32 + 0], 0x88);
        assert_int_equal(le16(cat + 64 + 32 + 6), 10);      /* 5000 bytes: 10 sectors */
        assert_int_equal(le32(cat + 64 + 32 + 8), p2);
        assert_int_equal(im[510], 0x55);
        const uint8_t *pe = im + 446;
        if (gpt) {
            assert_int_equal(pe[4], 0xEE);
            assert_int_equal(le32(pe + 8), 1);
            assert_int_equal(le32(pe + 12), total * 4 - 1);
            assert_memory_equal(im + 512, "EFI PART", 8);
            const uint8_t *e = im + 1024;
            assert_int_equal(le64(e + 32), 64);                  /* ISO9660 */
            assert_int_equal(le64(e + 40), p2 * 4 - 1);
            assert_int_equal(le64(e + 48), (1ull << 60) | 1);
            assert_int_equal(e[56], 'I');
            assert_memory_equal(e + 128, esp_guid, 16);
            assert_int_equal(le64(e + 128 + 32), p2 * 4);
            assert_int_equal(le64(e + 128 + 40), p3 * 4 - 1);
            assert_memory_equal(e + 256, linux_guid, 16);
            assert_int_equal(le64(e + 256 + 32), p3 * 4);
            /* The backup header in the last sector. */
            assert_memory_equal(im + len - 512, "EFI PART", 8);
        } else {
            assert_int_equal(pe[4], 0x83);                       /* xorriso's type here */
            assert_int_equal(pe[0], 0);                          /* no MBR code: not active */
            assert_int_equal(le32(pe + 12), p2 * 4);
            assert_int_equal(pe[16 + 4], 0xEF);
            assert_int_equal(le32(pe + 16 + 8), p2 * 4);
            assert_int_equal(le32(pe + 16 + 12), 12);
            assert_int_equal(pe[32 + 4], 0x83);                  /* another GUID: 0x83 */
            assert_int_equal(le32(pe + 32 + 8), p3 * 4);
        }
        free(im);
        fsi_result_free(res);
        fsi_boot_free(bios);
        fsi_boot_free(efi);
        /* A partition file that changed size: the result is refused. */
        assert_int_equal(truncate(part, 4000), 0);
        assert_int_equal(fsi_create_result(img, &res), IMAPI_E_DATA_STREAM_INCONSISTENCY);
        assert_non_null(strstr(fsi_image_last_error(img), part));
        fsi_image_free(img);
        host_file(part, 5000, 9);
    }
    /* UDF cannot have them. */
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_UDF);
    assert_int_equal(fsi_image_append_partition(img, 2, "0xef", part), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_INVALID_PARAM);
    fsi_image_free(img);
    free(want);
    unlink(part);
    unlink(data);
}

/* GRUB2: the MBR's address (+4) and eltorito.img's own (+5, at 2548),
 * the boot info table's checksum over it; the system-area bytes. */
static void test_grub2_and_system_area(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660);
    uint8_t *code = pattern(512, 11);
    uint8_t *area = pattern(20000, 12);
    assert_int_equal(fsi_image_set_system_area(img, area, 20000), FSI_S_OK);
    assert_int_equal(fsi_image_set_grub2_mbr(img, code, 512), FSI_S_OK);
    fsi_boot *b = boot_mem(6000, 13);
    assert_int_equal(fsi_boot_set_grub2_info(b, true), FSI_S_OK);
    assert_int_equal(fsi_boot_set_info_table(b, true), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    size_t len;
    uint8_t *im = read_all(res, &len);
    const uint8_t *cat = catalog_of(im, len);
    uint32_t blk = le32(cat + 32 + 8);
    assert_memory_equal(im, code, 432);
    assert_int_equal(le64(im + 432), (uint64_t)blk * 4 + 4);
    assert_int_equal(im[446 + 4], 0x17);
    assert_int_equal(im[446], 0x80);
    assert_memory_equal(im + 512, area + 512, 20000 - 512);     /* the rest of the area */
    const uint8_t *bi = im + (size_t)blk * BLK;
    assert_int_equal(le64(bi + 2548), (uint64_t)blk * 4 + 5);
    uint32_t sum = 0;
    for (size_t i = 64; i < 6000; i += 4)
        sum += le32(bi + i);
    assert_int_equal(le32(bi + 20), sum);
    free(im);
    fsi_result_free(res);
    fsi_boot_free(b);
    /* An image too small for the address; an EFI first entry. */
    assert_int_equal(fsi_image_clear_boot(img), FSI_S_OK);
    b = boot_mem(2000, 14);
    assert_int_equal(fsi_boot_set_grub2_info(b, true), FSI_S_OK);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_BOOT_IMAGE_DATA);
    assert_non_null(strstr(fsi_image_last_error(img), "2548"));
    assert_int_equal(fsi_boot_set_grub2_info(b, false), FSI_S_OK);
    assert_int_equal(fsi_boot_set_platform(b, FSI_PLATFORM_EFI), FSI_S_OK);
    assert_int_equal(fsi_create_result(img, &res), IMAPI_E_BOOT_IMAGE_DATA);
    assert_non_null(strstr(fsi_image_last_error(img), "GRUB2 MBR"));
    fsi_boot_free(b);
    free(code);
    free(area);
    fsi_image_free(img);
}

/* The record named `name` in the directory at block `dir`; NULL if none. */
static const uint8_t *find_record(const uint8_t *im, uint32_t dir, const char *name)
{
    const uint8_t *d = im + (size_t)dir * BLK;
    size_t n = strlen(name);
    for (size_t off = 0; off < BLK && d[off];) {
        if (d[off + 32] == n && !memcmp(d + off + 33, name, n))
            return d + off;
        off += d[off];
    }
    return NULL;
}

/* -partition_offset: a second descriptor set at the partition's block 16
 * whose tree is the partition's view of the same files. */
static void test_partition_offset(void **state)
{
    (void)state;
    fsi_image *img = new_image(FSI_FS_ISO9660 | FSI_FS_JOLIET);
    assert_int_equal(fsi_image_set_partition_offset(img, 8), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_set_partition_offset(img, 1025), IMAPI_E_INVALID_PARAM);
    assert_int_equal(fsi_image_set_partition_offset(img, 16), FSI_S_OK);
    assert_int_equal(fsi_image_get_partition_offset(img), 16);
    assert_int_equal(fsi_add_dir(img, "/boot/sub"), FSI_S_OK);
    assert_int_equal(fsi_add_file_mem(img, "/boot/sub/x.bin", "xyz", 3), FSI_S_OK);
    fsi_boot *b = boot_mem(2048, 21);
    assert_int_equal(fsi_image_add_boot(img, b), FSI_S_OK);
    fsi_result *res = NULL;
    assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
    size_t len;
    uint8_t *im = read_all(res, &len);
    uint32_t total = (uint32_t)(len / BLK);
    const uint8_t *v1 = im + 16 * BLK, *v2 = im + 32 * BLK;
    assert_int_equal(v1[0], 1);
    assert_int_equal(v2[0], 1);
    assert_memory_equal(v2 + 1, "CD001", 5);
    assert_int_equal(le32(v1 + 80), total);
    assert_int_equal(le32(v2 + 80), total - 16);
    /* The boot record and the Joliet descriptor are copied as well. */
    assert_int_equal(v2[BLK], 0);
    assert_int_equal(v2[2 * BLK], 2);
    /* Its catalog pointer: the copy of the hidden catalog, which is
     * the same block as the original (a copy of the same bytes). */
    assert_memory_equal(im + (size_t)(le32(v2 + BLK + 71) + 16) * BLK,
                        im + (size_t)le32(v1 + BLK + 71) * BLK, BLK);
    uint32_t r1 = le32(v1 + 156 + 2), r2 = le32(v2 + 156 + 2) + 16;
    assert_true(r2 > r1);
    /* The partition's root: a copy whose records are 16 blocks lower. */
    const uint8_t *f1 = find_record(im, r1, "README.TXT;1"), *f2 = find_record(im, r2, "README.TXT;1");
    assert_non_null(f1);
    assert_non_null(f2);
    assert_int_equal(le32(f2 + 2) + 16, le32(f1 + 2));
    assert_memory_equal(im + (size_t)le32(f1 + 2) * BLK, "hello\n", 6);
    const uint8_t *d1 = find_record(im, r1, "BOOT"), *d2 = find_record(im, r2, "BOOT");
    assert_non_null(d2);
    uint32_t s1 = le32(d1 + 2), s2 = le32(d2 + 2) + 16;
    assert_int_equal(s2 - s1, r2 - r1);                       /* the same copy */
    const uint8_t *dot = im + (size_t)s2 * BLK;
    assert_int_equal(le32(dot + dot[0] + 2) + 16, r2);                 /* ".." */
    const uint8_t *x2 = find_record(im, le32(find_record(im, s2, "SUB") + 2) + 16, "X.BIN;1");
    assert_non_null(x2);
    assert_memory_equal(im + (size_t)(le32(x2 + 2) + 16) * BLK, "xyz", 3);
    /* The L path table of the partition names its root. */
    assert_int_equal(le32(im + (size_t)(le32(v2 + 140) + 16) * BLK + 2) + 16, r2);
    /* MBR partition 1 from sector 64 over the rest: 0xcd without MBR
     * code, as xorriso writes it. */
    assert_int_equal(im[446 + 4], 0xcd);
    assert_int_equal(le32(im + 446 + 8), 64);
    assert_int_equal(le32(im + 446 + 12), total * 4 - 64);
    free(im);
    fsi_result_free(res);
    fsi_boot_free(b);
    fsi_image_free(img);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The Apple Partition Map: the Driver Descriptor Map over MBR code bytes
 * 0-5 and 8-31 (6-7 kept), the map and "EFI" over the EFI image in
 * blocks 1-2, and the GPT's entries after them (sector 12). */
static void test_apple_partition_map(void **state)
{
    (void)state;
    for (int gpt = 0; gpt <= 1; gpt++) {
        fsi_image *img = new_image(FSI_FS_ISO9660);
        uint8_t *code = pattern(432, 31);
        assert_int_equal(fsi_image_set_grub2_mbr(img, code, 432), FSI_S_OK);
        assert_int_equal(fsi_image_set_apm(img, true), FSI_S_OK);
        assert_int_equal(fsi_image_set_efi_partition(img, gpt), FSI_S_OK);
        fsi_boot *bios = boot_mem(2048, 32), *efi = boot_mem(5000, 33);
        assert_int_equal(fsi_boot_set_platform(efi, FSI_PLATFORM_EFI), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, bios), FSI_S_OK);
        assert_int_equal(fsi_image_add_boot(img, efi), FSI_S_OK);
        fsi_result *res = NULL;
        assert_int_equal(fsi_create_result(img, &res), FSI_S_OK);
        size_t len;
        uint8_t *im = read_all(res, &len);
        const uint8_t *cat = catalog_of(im, len);
        uint32_t esp = le32(cat + 64 + 32 + 8);
        assert_memory_equal(im, "ER\x08\x00\x00\x00", 6);
        assert_memory_equal(im + 6, code + 6, 2);
        for (int i = 8; i < 32; i++)
            assert_int_equal(im[i], 0);
        assert_memory_equal(im + 32, code + 32, 400);
        const uint8_t *m = im + BLK, *e = im + 2 * BLK;
        assert_memory_equal(m, "PM", 2);
        assert_int_equal(be32(m + 4), 2);
        assert_int_equal(be32(m + 8), 1);
        assert_string_equal((const char *)m + 48, "Apple_partition_map");
        assert_memory_equal(e, "PM", 2);
        assert_int_equal(be32(e + 8), esp);
        assert_int_equal(be32(e + 12), 3);                     /* 5000 bytes */
        assert_string_equal((const char *)e + 16, "EFI");
        assert_string_equal((const char *)e + 48, "Apple_HFS");
        assert_int_equal(be32(e + 88), 0x40000013);
        if (gpt) {
            assert_memory_equal(im + 512, "EFI PART", 8);
            assert_int_equal(le64(im + 512 + 72), 12);            /* entries after the map */
            assert_int_equal(le64(im + 512 + 40), 44);            /* first usable */
            assert_int_equal(le64(im + 12 * 512 + 32), (uint64_t)esp * 4);
        } else {
            assert_int_equal(im[446 + 4], 0x17);
        }
        free(im);
        free(code);
        fsi_result_free(res);
        fsi_boot_free(bios);
        fsi_boot_free(efi);
        fsi_image_free(img);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_setters),
        cmocka_unit_test(test_floppy_sizes_pick_the_emulation),
        cmocka_unit_test(test_empty_or_unreadable_images_are_boot_image_data),
        cmocka_unit_test(test_at_most_32_entries),
        cmocka_unit_test(test_catalog_bytes),
        cmocka_unit_test(test_emulation_checks_when_the_result_is_made),
        cmocka_unit_test(test_missing_or_empty_tree_files_are_boot_image_data),
        cmocka_unit_test(test_info_table_same_on_every_path),
        cmocka_unit_test(test_visible_catalog),
        cmocka_unit_test(test_udf_only_gets_a_descriptor_set),
        cmocka_unit_test(test_measuring_reads_nothing_and_fails_on_nothing),
        cmocka_unit_test(test_size_limit_counts_boot_images),
        cmocka_unit_test(test_appended_partition_settings),
        cmocka_unit_test(test_appended_partition_layout),
        cmocka_unit_test(test_grub2_and_system_area),
        cmocka_unit_test(test_partition_offset),
        cmocka_unit_test(test_apple_partition_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
