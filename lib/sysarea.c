/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysarea.c - MBR and GPT bytes of hybrid images (see sysarea.h).
 *
 * With a GPT the MBR is protective (one 0xEE partition from sector 1, as
 * UEFI requires: firmware then reads the GPT), keeping the isohybrid code
 * and boot address when there are any, so BIOSes still start isolinux.
 * The GPT holds one partition, the EFI System Partition over the El
 * Torito EFI image inside the ISO9660 data: a partition over the whole
 * ISO would hold the ESP too, and GPT partitions must not overlap.  The
 * backup header ends the image; a stick larger than the image has it
 * before its own end, as every hybrid image does (firmware reads the
 * primary).  GUIDs and the disk signature come from the image's time, so
 * SOURCE_DATE_EPOCH makes the same bytes.
 */
#include "config.h"
#include "sysarea.h"

#include <string.h>

#define SECTOR 512
#define ENTRIES 128
#define ENTRY_SIZE 128
#define ENTRY_SECTORS (ENTRIES * ENTRY_SIZE / SECTOR)    /* 32 */

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* CRC-32 of the GPT (ISO 3309, reflected 0xEDB88320), bit by bit: a few
 * KiB per image. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* splitmix64: well-spread bits from the image's time. */
static uint64_t mix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A random-looking (version 4) GUID: number `which` of the image. */
static void guid(const struct sysarea *s, unsigned which, uint8_t out[16])
{
    uint64_t st = (uint64_t)s->now_ns ^ ((uint64_t)which << 56);
    le64(out, mix(&st));
    le64(out + 8, mix(&st));
    out[7] = (uint8_t)((out[7] & 0x0F) | 0x40);   /* time_hi_and_version */
    out[8] = (uint8_t)((out[8] & 0x3F) | 0x80);   /* variant 10 */
}

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B, as GUIDs are stored. */
static const uint8_t esp_type[16] = {0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
                                     0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B};

/* CHS of a sector in the geometry of isohybrid images (64 heads, 32
 * sectors a track); past cylinder 1023 the largest value. */
static void chs(uint8_t *p, uint64_t lba)
{
    uint64_t cyl = lba / (64 * 32);
    unsigned head = (unsigned)(lba / 32 % 64), sec = (unsigned)(lba % 32 + 1);
    if (cyl > 1023) {
        cyl = 1023;
        head = 63;
        sec = 32;
    }
    p[0] = (uint8_t)head;
    p[1] = (uint8_t)(sec | (cyl >> 8) << 6);
    p[2] = (uint8_t)cyl;
}

static void mbr_entry(uint8_t *pe, uint8_t status, uint8_t type, uint64_t first, uint64_t n)
{
    pe[0] = status;
    chs(pe + 1, first);
    pe[4] = type;
    chs(pe + 5, first + n - 1);
    le32(pe + 8, (uint32_t)first);
    le32(pe + 12, (uint32_t)(n > 0xFFFFFFFFu ? 0xFFFFFFFFu : n));
}

/* The 128 entries: the ESP first, the rest unused. */
static void entries(const struct sysarea *s, uint8_t *e)
{
    memset(e, 0, ENTRIES * ENTRY_SIZE);
    memcpy(e, esp_type, 16);
    guid(s, 2, e + 16);
    le64(e + 32, s->esp_first);
    le64(e + 40, s->esp_first + s->esp_sectors - 1);
    static const char name[] = "EFI boot partition";
    for (size_t i = 0; i < sizeof name - 1; i++)
        le16(e + 56 + 2 * i, (uint16_t)name[i]);
}

static void header(const struct sysarea *s, uint8_t *h, const uint8_t *ents, bool backup)
{
    uint64_t last = s->sectors - 1;
    memcpy(h, "EFI PART", 8);
    le32(h + 8, 0x00010000);
    le32(h + 12, 92);
    le64(h + 24, backup ? last : 1);
    le64(h + 32, backup ? 1 : last);
    le64(h + 40, 2 + ENTRY_SECTORS);                   /* first usable */
    le64(h + 48, last - 1 - ENTRY_SECTORS);            /* last usable */
    guid(s, 1, h + 56);
    le64(h + 72, backup ? last - ENTRY_SECTORS : 2);
    le32(h + 80, ENTRIES);
    le32(h + 84, ENTRY_SIZE);
    le32(h + 88, crc32(ents, ENTRIES * ENTRY_SIZE));
    le32(h + 16, crc32(h, 92));
}

void sysarea_head(const struct sysarea *s, uint8_t *buf, uint32_t nblocks)
{
    memset(buf, 0, (size_t)nblocks * 2048);
    if (s->mbr_code) {
        memcpy(buf, s->mbr_code, 432);
        le64(buf + 432, s->boot_sector);
    }
    /* Disk signature: the same image, the same bytes. */
    uint64_t st = (uint64_t)s->now_ns;
    uint32_t sig = (uint32_t)mix(&st);
    le32(buf + 440, sig ? sig : 1);
    if (s->gpt)
        mbr_entry(buf + 446, 0x00, 0xEE, 1, s->sectors - 1);
    else
        mbr_entry(buf + 446, 0x80, 0x17, 0, s->sectors);
    buf[510] = 0x55;
    buf[511] = 0xAA;
    if (!s->gpt)
        return;
    uint8_t ents[ENTRIES * ENTRY_SIZE];
    entries(s, ents);
    memcpy(buf + 2 * SECTOR, ents, sizeof ents);
    header(s, buf + SECTOR, ents, false);
}

void sysarea_tail(const struct sysarea *s, uint8_t *buf)
{
    memset(buf, 0, SYSAREA_GPT_BLOCKS * 2048);
    uint8_t ents[ENTRIES * ENTRY_SIZE];
    entries(s, ents);
    /* The region's last 33 sectors: the entries, then the header. */
    uint8_t *end = buf + SYSAREA_GPT_BLOCKS * 2048;
    memcpy(end - (ENTRY_SECTORS + 1) * SECTOR, ents, sizeof ents);
    header(s, end - SECTOR, ents, true);
}
