/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_eltorito.c - the El Torito boot catalog of an existing image.
 *
 * Firmware finds El Torito by walking the ECMA-119 descriptors from block
 * 16 for a boot record (type 0, boot system "EL TORITO SPECIFICATION")
 * whose first word after the identifiers is the catalog's block.  The
 * catalog is a list of 32-byte records: the validation entry (header 01,
 * platform, ID string, a checksum making its sixteen 16-bit words sum to
 * zero, key 55 AA), the initial/default entry, then sections: a header (90,
 * the last one 91; platform; entry count; ID string) followed by that many
 * section entries, each possibly followed by extension records (44).
 * The catalog ends with the entries of the last section (or, without
 * sections, with the default entry); we read no record past that.
 *
 * The bytes are untrusted: the descriptor scan, the catalog's length and
 * every count are bounded, and a record we cannot make sense of is a
 * consistency error naming its block.
 */
#include "config.h"
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ET "El Torito"
#define VD_FIRST 16u          /* the descriptor set starts here */
#define VD_SCAN_MAX 64u       /* descriptors looked at before giving up */
#define CAT_BLOCKS_MAX 64u    /* catalog blocks read at most */
#define REC 32u               /* bytes of one catalog record */
#define REC_PER_BLOCK (RD_BLOCK / REC)
#define REC_MAX (CAT_BLOCKS_MAX * REC_PER_BLOCK)

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An ID string field to UTF-8: up to the first NUL, trailing blanks
 * dropped, bytes above 127 taken as Latin-1, control characters as '?';
 * cut at a character boundary to fit `size` (including the NUL). */
static void id_string(const uint8_t *p, size_t len, char *out, size_t size)
{
    size_t n = 0;
    while (n < len && p[n])
        n++;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x80) {
            if (o + 2 >= size)
                break;
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            if (o + 1 >= size)
                break;
            out[o++] = c < 0x20 || c == 0x7F ? '?' : (char)c;
        }
    }
    out[o] = '\0';
}

/* The boot record's catalog block; *found false if there is none. */
static fsi_hresult find_boot_record(fsi_disc *d, uint8_t *buf, uint32_t *cat, bool *found)
{
    static const char spec[] = "EL TORITO SPECIFICATION";
    uint64_t start, nblocks = rd_blocks(d);
    *found = false;
    fsi_hresult hr = rd_last_session(d, &start);
    if (FSI_FAILED(hr))
        return hr;
    for (uint64_t i = 0; i < VD_SCAN_MAX; i++) {
        uint64_t b = start + VD_FIRST + i;
        if (b >= nblocks)
            break;
        if (FSI_FAILED(hr = rd_block(d, b, buf)))
            return hr;
        if (memcmp(buf + 1, "CD001", 5) != 0 || buf[0] == 255)
            break;                          /* the set ends */
        if (buf[0] != 0 || buf[6] != 1 || memcmp(buf + 7, spec, sizeof spec - 1) != 0)
            continue;                       /* not ours (another boot system) */
        bool zeros = true;
        for (size_t k = 7 + sizeof spec - 1; k < 7 + 32; k++)
            if (buf[k] != 0)
                zeros = false;
        if (!zeros)
            rd_warn(d, ET, b, "boot record: boot system identifier is not padded with zeros");
        uint32_t c = le32(buf + 71);
        if (c == 0)     /* also our "no catalog" */
            return rd_corrupt(d, ET, "boot record", b, "catalog block 0 (the system area)");
        if (c >= nblocks)
            return rd_corrupt(d, ET, "boot record", b,
                              "catalog block %u lies outside the image (%llu blocks)", c,
                              (unsigned long long)nblocks);
        *cat = c;
        *found = true;
        return FSI_S_OK;
    }
    return FSI_S_OK;
}

/* The catalog read a block at a time, as far as the records reach. */
struct catalog {
    fsi_disc *d;
    uint32_t first;
    unsigned loaded;             /* blocks in buf */
    uint8_t *buf;                /* CAT_BLOCKS_MAX blocks */
};

/* Record `i` of the catalog, reading its block when first needed. */
static fsi_hresult record(struct catalog *c, size_t i, const uint8_t **rec)
{
    size_t blk = i / REC_PER_BLOCK;
    if (blk >= CAT_BLOCKS_MAX)
        return rd_corrupt(c->d, ET, "boot catalog", c->first,
                          "the catalog runs past %u blocks", CAT_BLOCKS_MAX);
    while (c->loaded <= blk) {
        uint64_t b = (uint64_t)c->first + c->loaded;
        if (b >= rd_blocks(c->d))
            return rd_corrupt(c->d, ET, "boot catalog", c->first,
                              "the catalog runs past the end of the image (block %llu)",
                              (unsigned long long)b);
        fsi_hresult hr = rd_block(c->d, b, c->buf + (size_t)c->loaded * RD_BLOCK);
        if (FSI_FAILED(hr))
            return hr;
        c->loaded++;
    }
    *rec = c->buf + i * REC;
    return FSI_S_OK;
}

/* The block of record i, for messages. */
static uint64_t rec_block(const struct catalog *c, size_t i)
{
    return (uint64_t)c->first + i / REC_PER_BLOCK;
}

/* The next record that is not an extension (44: more selection
 * criteria of the entry before it, which we skip) from record *i on. */
static fsi_hresult next_record(struct catalog *c, size_t *i, const uint8_t **rec)
{
    for (;;) {
        fsi_hresult hr = record(c, *i, rec);
        if (FSI_FAILED(hr) || (*rec)[0] != 0x44)
            return hr;
        ++*i;
    }
}

/* Decode a default or section entry (the boot indicator is checked). */
static fsi_hresult boot_entry(struct catalog *c, size_t i, const uint8_t *p, uint8_t platform,
                              const char *id, bool is_default, fsi_disc_boot_entry *e)
{
    const char *what = is_default ? "initial/default entry" : "section entry";
    if (p[0] != 0x88 && p[0] != 0x00)
        return rd_corrupt(c->d, ET, what, rec_block(c, i),
                          "record %zu: boot indicator 0x%02x (expected 88 or 00)", i, p[0]);
    /* Bits 4-7 of a section entry's media byte are flags (continuation,
     * drivers); the emulation is the low nibble. */
    unsigned media = p[1] & 0x0F;
    if (media > FSI_EMULATION_HARD_DISK)
        return rd_corrupt(c->d, ET, what, rec_block(c, i), "record %zu: media type %u", i,
                          media);
    memset(e, 0, sizeof *e);
    e->platform = (fsi_platform)platform;
    e->emulation = (fsi_emulation)media;
    e->bootable = p[0] == 0x88;
    e->is_default = is_default;
    e->load_segment = le16(p + 2);
    e->system_type = p[4];
    e->sector_count = le16(p + 6);
    e->load_block = le32(p + 8);
    snprintf(e->id, sizeof e->id, "%s", id);
    if (e->load_block >= rd_blocks(c->d))
        rd_warn(c->d, ET, rec_block(c, i), "record %zu: boot image at block %u is outside the image",
                i, e->load_block);
    return FSI_S_OK;
}

/* Walk the records: validation, default entry, sections. */
static fsi_hresult read_catalog(struct catalog *c, fsi_disc_boot_entry *out, size_t max,
                                size_t *count)
{
    const uint8_t *p;
    fsi_disc_boot_entry e;
    char id[sizeof e.id];
    fsi_hresult hr = record(c, 0, &p);
    if (FSI_FAILED(hr))
        return hr;
    if (p[0] != 1)
        return rd_corrupt(c->d, ET, "validation entry", c->first,
                          "header ID 0x%02x (expected 01)", p[0]);
    if (p[30] != 0x55 || p[31] != 0xAA)
        return rd_corrupt(c->d, ET, "validation entry", c->first,
                          "key bytes %02x %02x (expected 55 AA)", p[30], p[31]);
    uint16_t sum = 0;
    for (unsigned k = 0; k < REC; k += 2)
        sum = (uint16_t)(sum + le16(p + k));
    if (sum != 0)
        return rd_corrupt(c->d, ET, "validation entry", c->first,
                          "checksum: the words sum to 0x%04x (expected 0)", sum);
    uint8_t platform = p[1];
    id_string(p + 4, 24, id, sizeof id);

    if (FSI_FAILED(hr = record(c, 1, &p)) ||
        FSI_FAILED(hr = boot_entry(c, 1, p, platform, id, true, &e)))
        return hr;
    size_t n = 0;
    if (n < max)
        out[n] = e;
    n++;

    /* Sections until the one whose header says it is the last.  Every
     * step advances i, and record() fails past REC_MAX: bounded. */
    size_t i = 2;
    for (bool more = true; more;) {
        if (FSI_FAILED(hr = next_record(c, &i, &p)))
            return hr;
        if (p[0] != 0x90 && p[0] != 0x91) {
            /* No (more) sections: a catalog with only the default entry
             * ends here (zeros); anything else contradicts the last 90. */
            if (i > 2 || p[0] != 0)
                rd_warn(c->d, ET, rec_block(c, i),
                        "record %zu: 0x%02x where a section header was expected", i, p[0]);
            break;
        }
        more = p[0] == 0x90;
        platform = p[1];
        unsigned entries = le16(p + 2);
        id_string(p + 4, 28, id, sizeof id);
        size_t hdr = i++;
        if (entries > REC_MAX - i)
            return rd_corrupt(c->d, ET, "section header", rec_block(c, hdr),
                              "record %zu: %u entries do not fit in the catalog", hdr, entries);
        for (unsigned k = 0; k < entries; k++, i++) {
            if (FSI_FAILED(hr = next_record(c, &i, &p)) ||
                FSI_FAILED(hr = boot_entry(c, i, p, platform, id, false, &e)))
                return hr;
            if (n < max)
                out[n] = e;
            n++;
        }
    }
    *count = n;
    return FSI_S_OK;
}

fsi_hresult rd_eltorito(fsi_disc *d, uint32_t *catalog, fsi_disc_boot_entry *out, size_t max,
                        size_t *count)
{
    *catalog = 0;
    *count = 0;
    uint8_t *buf = malloc((size_t)CAT_BLOCKS_MAX * RD_BLOCK);
    if (!buf)
        return rd_fail(d, FSI_E_OUTOFMEMORY, NULL, NULL, "out of memory reading the boot catalog");
    bool found;
    uint32_t cat = 0;
    fsi_hresult hr = find_boot_record(d, buf, &cat, &found);
    if (!FSI_FAILED(hr) && found) {
        struct catalog c = {.d = d, .first = cat, .buf = buf};
        size_t n = 0;
        hr = read_catalog(&c, out, max, &n);
        if (!FSI_FAILED(hr)) {
            *catalog = cat;
            *count = n;
        }
    }
    free(buf);
    return hr;
}
