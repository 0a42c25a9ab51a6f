/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udf_desc.h - encoding of ECMA-167 / OSTA UDF structures: descriptor
 * tags (checksum, CRC, location), timestamps, allocation descriptors,
 * dstrings, charspecs and entity identifiers.
 *
 * All multi-byte fields of ECMA-167 part 3/4 structures are little-endian.
 * Offsets of the fields of each descriptor are given as UDF_* constants so
 * the writer (udf.c) and the tests can share them.
 */
#ifndef FSI_UDF_DESC_H
#define FSI_UDF_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tag identifiers (ECMA-167 3/7.2.1, 4/7.2.1). */
enum udf_tag_id {
    UDF_TAG_PVD = 1,
    UDF_TAG_AVDP = 2,
    UDF_TAG_VDP = 3,
    UDF_TAG_IUVD = 4,
    UDF_TAG_PD = 5,
    UDF_TAG_LVD = 6,
    UDF_TAG_USD = 7,
    UDF_TAG_TD = 8,
    UDF_TAG_LVID = 9,
    UDF_TAG_FSD = 256,
    UDF_TAG_FID = 257,
    UDF_TAG_AED = 258,
    UDF_TAG_IE = 259,
    UDF_TAG_TE = 260,
    UDF_TAG_FE = 261,
    UDF_TAG_EAHD = 262,
    UDF_TAG_USE = 263,
    UDF_TAG_SBD = 264,
    UDF_TAG_PIE = 265,
    UDF_TAG_EFE = 266,
};

#define UDF_TAG_SIZE 16

/* Allocation descriptor extent types (ECMA-167 4/14.14.1.1). */
enum udf_ext_type {
    UDF_EXT_RECORDED = 0,
    UDF_EXT_ALLOCATED = 1,
    UDF_EXT_FREE = 2,
    UDF_EXT_NEXT = 3,          /* the next extent of allocation descriptors */
};

/* ICB tag flags (ECMA-167 4/14.6.8). */
enum {
    UDF_ICB_AD_SHORT = 0,
    UDF_ICB_AD_LONG = 1,
    UDF_ICB_AD_EXTENDED = 2,
    UDF_ICB_AD_IN_ICB = 3,
    UDF_ICB_SETUID = 0x0040,
    UDF_ICB_SETGID = 0x0080,
    UDF_ICB_STICKY = 0x0100,
    UDF_ICB_CONTIGUOUS = 0x0200,
};

/* ICB file types (ECMA-167 4/14.6.6, UDF 2.60 2.3.5.2). */
enum {
    UDF_FT_DIR = 4,
    UDF_FT_FILE = 5,
    UDF_FT_BLOCK = 6,
    UDF_FT_CHAR = 7,
    UDF_FT_FIFO = 9,
    UDF_FT_SOCKET = 10,        /* C_ISSOCK */
    UDF_FT_SYMLINK = 12,
    UDF_FT_METADATA = 250,
    UDF_FT_METADATA_MIRROR = 251,
    UDF_FT_METADATA_BITMAP = 252,
};

/* File characteristics of a FID (ECMA-167 4/14.4.3). */
enum {
    UDF_FID_HIDDEN = 0x01,
    UDF_FID_DIR = 0x02,
    UDF_FID_DELETED = 0x04,
    UDF_FID_PARENT = 0x08,
};

/* Sizes of the fixed parts. */
#define UDF_FE_SIZE 176        /* File Entry up to its extended attributes */
#define UDF_EFE_SIZE 216       /* Extended File Entry */
#define UDF_FID_SIZE 38        /* File Identifier Descriptor, no IU/name */
#define UDF_AED_SIZE 24        /* Allocation Extent Descriptor header */
#define UDF_SHORT_AD 8
#define UDF_LONG_AD 16
#define UDF_TIMESTAMP 12
#define UDF_REGID 32
#define UDF_CHARSPEC 64

/* Largest extent length of an allocation descriptor: lengths are 30 bits
 * (< 2^30) and, except for the last extent of a file, a multiple of the
 * block size: 2^30 - 2048. */
#define UDF_EXTENT_LIMIT 0x3FFFF800u
/* The longest extent of file data (and of the metadata file).  Tests may
 * build with a smaller value (a multiple of 2048) to run the multi-extent
 * and continuation code on small files. */
#ifndef UDF_EXTENT_MAX
#define UDF_EXTENT_MAX UDF_EXTENT_LIMIT
#endif
/* The longest extent of a directory's FIDs.  Separate from the above:
 * libudfread reads no directory in more than one extent, which only a
 * directory of over 1 GiB of FIDs needs. */
#ifndef UDF_DIR_EXTENT_MAX
#define UDF_DIR_EXTENT_MAX UDF_EXTENT_LIMIT
#endif

/* Little-endian fields. */
static inline void udf_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void udf_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void udf_put64(uint8_t *p, uint64_t v)
{
    udf_put32(p, (uint32_t)v);
    udf_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t udf_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t udf_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

/* CRC of ECMA-167 3/7.2.6: CRC-ITU-T, polynomial x^16 + x^12 + x^5 + 1,
 * initial value 0, bits taken most significant first, no final XOR. */
uint16_t udf_crc16(const uint8_t *p, size_t n);

/* Tag checksum: the sum modulo 256 of bytes 0-3 and 5-15 of the tag. */
uint8_t udf_tag_checksum(const uint8_t *tag);

/* Complete the descriptor at desc, `size` bytes long with the tag: write
 * its tag (identifier, version, serial number 1, location) with the CRC
 * over bytes 16..size-1 and the checksum.  The body must be filled in
 * first. */
void udf_tag_finish(uint8_t *desc, uint16_t ident, uint16_t version, uint32_t location,
                    size_t size);

/* ECMA-167 1/7.3 timestamp of ns since the epoch, as UTC (type 1, offset
 * 0), to the microsecond; years outside 1..9999 are clamped. */
void udf_timestamp(uint8_t out[12], int64_t ns);

/* The OSTA CS0 charspec (UDF 2.1.2). */
void udf_charspec(uint8_t out[64]);

/* A dstring field of `size` bytes (ECMA-167 1/7.2.12): the CS0 string of
 * utf8 (cut to fit size - 1 bytes), zero padding, and its length in the
 * last byte; all zero for "". */
void udf_dstring(uint8_t *out, size_t size, const char *utf8);

/* Entity identifiers (ECMA-167 1/7.4, UDF 2.1.5): flags 0, the
 * identifier, and the suffix of its kind. */
void udf_regid(uint8_t out[32], const char *id, const uint8_t suffix[8]);
/* Domain suffix ("*OSTA UDF Compliant"): UDF revision, no flags. */
void udf_regid_domain(uint8_t out[32], const char *id, uint16_t rev);
/* UDF suffix ("*UDF LV Info", "*UDF Metadata Partition"): UDF revision,
 * OS class and identifier. */
void udf_regid_udf(uint8_t out[32], const char *id, uint16_t rev);
/* Implementation suffix: OS class and identifier. */
void udf_regid_impl(uint8_t out[32], const char *id);

#define UDF_OS_CLASS_UNIX 4
#define UDF_OS_ID_LINUX 5

/* Allocation descriptors. */
void udf_extent_ad(uint8_t p[8], uint32_t length, uint32_t location);
void udf_short_ad(uint8_t p[8], uint32_t length, int type, uint32_t position);
/* long_ad with the UDF 2.00+ implementation use of FIDs: flags 0 and the
 * low 32 bits of the Unique ID (pass 0 where it does not apply). */
void udf_long_ad(uint8_t p[16], uint32_t length, int type, uint32_t block,
                 uint16_t partition, uint32_t unique_id);

/* The size of a FID with l_iu bytes of implementation use and an l_fi
 * byte identifier: padded to a multiple of 4 (ECMA-167 4/14.4.9). */
static inline size_t udf_fid_size(size_t l_iu, size_t l_fi)
{
    return (UDF_FID_SIZE + l_iu + l_fi + 3) & ~(size_t)3;
}

/* Permissions field (ECMA-167 4/14.9.5) of POSIX mode bits: for each of
 * other, group, owner: execute, write, read as POSIX has them; delete
 * where write is; change-attribute for the owner. */
uint32_t udf_permissions(uint32_t mode);

/* The Path Components (ECMA-167 4/14.16.1) of a symbolic link's target
 * utf8[0..len): a leading '/' is a component of type 1 (the root, no
 * identifier), ".." type 3, "." type 4, any other name type 5 with its
 * OSTA CS0 identifier (cut to 255 bytes if longer); empty components
 * ("a//b", a trailing '/') are not recorded.  Writes at most cap bytes
 * into out (NULL to measure) and returns the bytes all components take. */
size_t udf_path_components(const char *utf8, size_t len, uint8_t *out, size_t cap);

/* Extended attribute space of a File Entry for a device (ECMA-167
 * 4/14.10.1, 4/14.10.7; UDF 2.60 3.3.4.4): the Extended Attribute Header
 * Descriptor (tag 262 at the File Entry's location `loc`) and one Device
 * Specification (type 12, subtype 1) whose implementation use is our
 * implementation identifier, as Linux writes it. */
#define UDF_EAHD_SIZE 24
#define UDF_EA_DEVICE_SPACE (UDF_EAHD_SIZE + 24 + UDF_REGID)
void udf_ea_device(uint8_t out[UDF_EA_DEVICE_SPACE], uint16_t version, uint32_t loc,
                   uint32_t major, uint32_t minor, const char *impl_id);

#endif
