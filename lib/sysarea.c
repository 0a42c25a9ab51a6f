/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysarea.c - MBR and GPT bytes of hybrid images (see sysarea.h).
 *
 * The backup GPT header ends the image; a stick larger than the image
 * has it before its own end, as every hybrid image does (firmware reads
 * the primary).  GUIDs and the disk signature come from the image's time,
 * so SOURCE_DATE_EPOCH makes the same bytes.
 */
#include "config.h"
#include "sysarea.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

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

/* EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 (Basic Data), as stored. */
static const uint8_t basic_type[16] = {0xA2, 0xA0, 0xD0, 0xEB, 0xE5, 0xB9, 0x33, 0x44,
                                       0x87, 0xC0, 0x68, 0xB6, 0xB7, 0x26, 0x99, 0xC7};

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

/* The 128 entries: the used slots, the rest zero. */
static void entries(const struct sysarea *s, uint8_t *e)
{
    memset(e, 0, ENTRIES * ENTRY_SIZE);
    for (unsigned k = 0; k < SYSAREA_GPT_MAX; k++) {
        const struct sysarea_part *p = &s->gpt_parts[k];
        uint8_t *pe = e + k * ENTRY_SIZE;
        if (!p->sectors)
            continue;
        memcpy(pe, p->type, 16);
        guid(s, 2 + k, pe + 16);
        le64(pe + 32, p->first);
        le64(pe + 40, p->first + p->sectors - 1);
        le64(pe + 48, p->flags);
        for (size_t i = 0; i < sizeof p->name && p->name[i]; i++)
            le16(pe + 56 + 2 * i, (uint16_t)(uint8_t)p->name[i]);
    }
}

/* The primary GPT's entries: LBA 2, or after an APM's blocks. */
static uint64_t entries_lba(const struct sysarea *s)
{
    return s->apm ? 4 * (1 + (uint64_t)s->apm) : 2;
}

uint32_t sysarea_head_blocks(bool gpt, unsigned apm)
{
    if (gpt)
        return (uint32_t)(((apm ? 4 * (1 + apm) : 2) + ENTRY_SECTORS + 3) / 4);
    return 1 + apm;
}

static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* The Apple Partition Map (Inside Macintosh: Devices, "SCSI Manager",
 * with 2048-byte blocks as xorriso writes it for Intel Macs): the Driver
 * Descriptor Map's signature and block size over the first bytes of the
 * MBR code (isohdpfx.bin leaves bytes 0-31 to it: they run as harmless
 * instructions), its entries in blocks 1..n. */
static void apm(const struct sysarea *s, uint8_t *buf)
{
    memcpy(buf, "ER", 2);
    be16(buf + 2, 2048);
    buf[4] = buf[5] = 0;            /* bytes 6-7 stay: the code's, as xorriso leaves them */
    memset(buf + 8, 0, 24);
    for (unsigned k = 0; k < s->apm; k++) {
        const struct sysarea_part *p = &s->apm_parts[k];
        uint8_t *e = buf + 2048 * (size_t)(k + 1);
        memset(e, 0, 2048);
        memcpy(e, "PM", 2);
        be32(e + 4, s->apm);                        /* entries in the map */
        be32(e + 8, (uint32_t)p->first);
        be32(e + 12, (uint32_t)p->sectors);
        memcpy(e + 16, p->name, strnlen(p->name, 31));
        memcpy(e + 48, p->apm_type, strnlen(p->apm_type, 31));
        be32(e + 84, (uint32_t)p->sectors);         /* data blocks */
        be32(e + 88, (uint32_t)p->flags);           /* status */
    }
}

static void header(const struct sysarea *s, uint8_t *h, const uint8_t *ents, bool backup)
{
    uint64_t last = s->sectors - 1;
    memcpy(h, "EFI PART", 8);
    le32(h + 8, 0x00010000);
    le32(h + 12, 92);
    le64(h + 24, backup ? last : 1);
    le64(h + 32, backup ? 1 : last);
    le64(h + 40, entries_lba(s) + ENTRY_SECTORS);      /* first usable */
    le64(h + 48, last - 1 - ENTRY_SECTORS);            /* last usable */
    guid(s, 1, h + 56);
    le64(h + 72, backup ? last - ENTRY_SECTORS : entries_lba(s));
    le32(h + 80, ENTRIES);
    le32(h + 84, ENTRY_SIZE);
    le32(h + 88, crc32(ents, ENTRIES * ENTRY_SIZE));
    le32(h + 16, crc32(h, 92));
}

void sysarea_head(const struct sysarea *s, uint8_t *buf, uint32_t nblocks)
{
    size_t size = (size_t)nblocks * 2048;
    memset(buf, 0, size);
    if (s->area)
        memcpy(buf, s->area, s->area_len < size ? s->area_len : size);
    if (s->mbr_code) {
        memcpy(buf, s->mbr_code, 432);
        le64(buf + 432, s->boot_sector);
    }
    if (s->apm)
        apm(s, buf);
    if (!s->mbr && !s->gpt)
        return;
    /* Disk signature: the same image, the same bytes. */
    uint64_t st = (uint64_t)s->now_ns;
    uint32_t sig = (uint32_t)mix(&st);
    le32(buf + 440, sig ? sig : 1);
    buf[444] = buf[445] = 0;
    memset(buf + 446, 0, 64);
    for (int k = 0; k < 4; k++) {
        const struct sysarea_part *p = &s->mbr_parts[k];
        if (p->sectors)
            mbr_entry(buf + 446 + 16 * k, p->status, p->mbr_type, p->first, p->sectors);
    }
    buf[510] = 0x55;
    buf[511] = 0xAA;
    if (!s->gpt)
        return;
    uint8_t ents[ENTRIES * ENTRY_SIZE];
    entries(s, ents);
    memset(buf + SECTOR, 0, SECTOR);
    memcpy(buf + entries_lba(s) * SECTOR, ents, sizeof ents);
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

/* ---- growing by a session ---- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* The GPT header at sector 1 if it is valid and ends at old_sectors;
 * its entries (*ents, *n of *size bytes) within the head. */
static uint8_t *gpt_header(uint8_t *head, size_t head_len, uint64_t old_sectors,
                           uint8_t **ents, uint32_t *n, uint32_t *size)
{
    if (head_len < 2 * SECTOR)
        return NULL;
    uint8_t *h = head + SECTOR;
    uint32_t hsize = rd32(h + 12);
    if (memcmp(h, "EFI PART", 8) || hsize < 92 || hsize > SECTOR || rd64(h + 24) != 1 ||
        rd64(h + 32) != old_sectors - 1)
        return NULL;
    uint8_t copy[SECTOR];
    memcpy(copy, h, hsize);
    le32(copy + 16, 0);
    if (crc32(copy, hsize) != rd32(h + 16))
        return NULL;
    uint64_t lba = rd64(h + 72);
    *n = rd32(h + 80);
    *size = rd32(h + 84);
    if (*size < 128 || *size > 1024 || *n > 1024 || lba < 2 ||
        lba * SECTOR + (uint64_t)*n * *size > head_len)
        return NULL;
    *ents = head + lba * SECTOR;
    return crc32(*ents, (size_t)*n * *size) == rd32(h + 88) ? h : NULL;
}

/* Entry k (first, last sector) over sector 64 that no other entry
 * follows: the ISO9660 data at the image's end, which grows with it. */
static bool last_over_head(uint64_t first[], uint64_t last[], unsigned n, unsigned k)
{
    if (!last[k] || first[k] > 64 || last[k] < 64)
        return false;
    for (unsigned j = 0; j < n; j++)
        if (j != k && last[j] && first[j] > last[k])
            return false;
    return true;
}

bool sysarea_mbr_read(const uint8_t *head, uint64_t first[4], uint64_t last[4])
{
    if (head[510] != 0x55 || head[511] != 0xAA)
        return false;
    for (unsigned k = 0; k < 4; k++) {
        const uint8_t *pe = head + 446 + 16 * k;
        uint64_t n = rd32(pe + 12);
        first[k] = rd32(pe + 8);
        last[k] = pe[4] && n && pe[4] != 0xEE ? first[k] + n - 1 : 0;
    }
    return true;
}

static unsigned mbr_grow(uint8_t *head, uint64_t old_sectors, uint64_t new_sectors)
{
    uint64_t first[4], last[4];
    if (!sysarea_mbr_read(head, first, last))
        return 0;
    unsigned found = 0;
    for (unsigned k = 0; k < 4; k++) {
        uint8_t *pe = head + 446 + 16 * k;
        uint64_t n = rd32(pe + 12), end;
        if (pe[4] == 0xEE && n && first[k] + n >= old_sectors && first[k] + n < 0xFFFFFFFFu)
            end = new_sectors;                      /* protective: the whole disk */
        else if (last_over_head(first, last, 4, k) && last[k] < old_sectors)
            end = last[k] + 1 + (new_sectors - old_sectors);
        else
            continue;
        found = SYSAREA_GROW_MBR;
        if (new_sectors)
            mbr_entry(pe, pe[0], pe[4], first[k], end - first[k]);
    }
    return found;
}

/* The blocks after the GPT's last usable sector (its backup's place),
 * 0 if they do not hold the backup entries and header or take more
 * than the head's 16 blocks. */
static uint32_t tail_of(const uint8_t *h, uint64_t old_sectors, size_t esectors)
{
    uint64_t after = old_sectors - 1 - rd64(h + 48);
    if (rd64(h + 48) >= old_sectors || after < esectors + 1 || after > 16 * 4)
        return 0;
    return (uint32_t)((after + 3) / 4);
}

/* new_sectors 0: only look (nothing is written). */
static unsigned gpt_grow(uint8_t *head, size_t head_len, uint64_t old_sectors,
                         uint64_t new_sectors, uint8_t *tail, uint32_t *tail_blocks,
                         size_t *changed)
{
    uint8_t *ents;
    uint32_t n, size;
    uint8_t *h = gpt_header(head, head_len, old_sectors, &ents, &n, &size);
    size_t esize = h ? (size_t)n * size : 0, esectors = (esize + SECTOR - 1) / SECTOR;
    if (!h || !tail_of(h, old_sectors, esectors))
        return 0;
    if (!new_sectors) {
        *tail_blocks = tail_of(h, old_sectors, esectors);
        return SYSAREA_GROW_GPT;
    }
    uint64_t delta = new_sectors - old_sectors, first[SYSAREA_GPT_MAX], last[SYSAREA_GPT_MAX];
    unsigned m = n < SYSAREA_GPT_MAX ? n : SYSAREA_GPT_MAX;
    for (unsigned k = 0; k < m; k++) {
        const uint8_t *e = ents + (size_t)k * size;
        static const uint8_t zero[16];
        bool used = memcmp(e, zero, 16) != 0;
        first[k] = rd64(e + 32);
        last[k] = used ? rd64(e + 40) : 0;
    }
    for (unsigned k = 0; k < m; k++)
        if (last_over_head(first, last, m, k))
            le64(ents + (size_t)k * size + 40, last[k] + delta);
    le64(h + 32, new_sectors - 1);
    le64(h + 48, rd64(h + 48) + delta);             /* last usable */
    le32(h + 88, crc32(ents, esize));
    uint32_t hsize = rd32(h + 12);
    le32(h + 16, 0);
    le32(h + 16, crc32(h, hsize));
    /* The backup: the same entries, then the header, in the last sectors. */
    memset(tail, 0, (size_t)*tail_blocks * 2048);
    uint8_t *end = tail + (size_t)*tail_blocks * 2048, *bh = end - SECTOR;
    memcpy(end - (esectors + 1) * SECTOR, ents, esize);
    memcpy(bh, h, hsize);
    le64(bh + 24, new_sectors - 1);
    le64(bh + 32, 1);
    le64(bh + 72, new_sectors - 1 - esectors);
    le32(bh + 16, 0);
    le32(bh + 16, crc32(bh, hsize));
    size_t upto = (size_t)(ents - head) + esize;
    if (upto > *changed)
        *changed = upto;
    return SYSAREA_GROW_GPT;
}

unsigned sysarea_grow_probe(const uint8_t *head, size_t head_len, uint64_t old_sectors,
                            uint32_t *tail_blocks)
{
    /* new_sectors 0 only looks: the cast writes nothing. */
    uint8_t *h = (uint8_t *)head;
    unsigned r = 0;
    *tail_blocks = 0;
    if (head_len >= SECTOR && old_sectors)
        r |= mbr_grow(h, old_sectors, 0) | gpt_grow(h, head_len, old_sectors, 0, NULL,
                                                    tail_blocks, NULL);
    return r;
}

void sysarea_grow(uint8_t *head, size_t head_len, uint64_t old_sectors, uint64_t new_sectors,
                  bool gpt, uint8_t *tail, uint32_t tail_blocks, size_t *changed)
{
    *changed = 0;
    if (mbr_grow(head, old_sectors, new_sectors))
        *changed = SECTOR;
    if (gpt)
        gpt_grow(head, head_len, old_sectors, new_sectors, tail, &tail_blocks, changed);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* n bytes of hex digits at p into out (in order); 0 or -1. */
static int hexbytes(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int h = hexval(p[2 * i]), l = h < 0 ? -1 : hexval(p[2 * i + 1]);
        if (l < 0)
            return -1;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return 0;
}

int sysarea_parse_type(const char *text, struct part_type *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return -1;
    static const struct { const char *name; uint8_t type; } names[] = {
        {"FAT12", 0x01}, {"FAT16", 0x06}, {"Linux", 0x83}, {"EFI", 0xEF}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(text, names[i].name)) {
            out->mbr = names[i].type;
            return 0;
        }
    size_t n = strlen(text);
    if (n >= 3 && n <= 4 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        uint8_t b[1];
        char two[3] = {n == 3 ? '0' : text[2], text[n - 1], 0};
        if (hexbytes(two, 1, b))
            return -1;
        out->mbr = b[0];
        return 0;
    }
    if (n == 32) {
        if (hexbytes(text, 16, out->guid))
            return -1;
    } else if (n == 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' &&
               text[23] == '-') {
        /* The text form: the first three fields are stored little-endian. */
        uint8_t b[16];
        char hex[33];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (text[i] != '-')
                hex[k++] = text[i];
        hex[k] = 0;
        if (k != 32 || hexbytes(hex, 16, b))
            return -1;
        static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
        for (int i = 0; i < 16; i++)
            out->guid[i] = b[order[i]];
    } else {
        return -1;
    }
    out->has_guid = true;
    out->mbr = memcmp(out->guid, esp_type, 16) ? 0x83 : 0xEF;
    return 0;
}

void sysarea_gpt_type(const struct part_type *t, uint8_t out[16])
{
    if (t->has_guid)
        memcpy(out, t->guid, 16);
    else
        memcpy(out, t->mbr == 0xEF ? esp_type : basic_type, 16);
}
