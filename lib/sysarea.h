/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sysarea.h - the structures a hybrid image keeps in its system area
 * (blocks 0-15) and at its end, so that it also boots from a disk: the
 * MBR (boot code and its address, four partition entries) and the GPT
 * (UEFI 2.10 section 5.3).  Byte formats only: hybrid.c decides what the
 * tables list and places them.
 */
#ifndef FSI_SYSAREA_H
#define FSI_SYSAREA_H

#include "internal.h"

#include <stdbool.h>
#include <stdint.h>

/* Blocks a GPT takes: the MBR block with the header and the first
 * entries, then the rest of the 128 entries (LBA 2-33); at the end the
 * backup entries and header (the last 33 sectors, in 9 blocks). */
#define SYSAREA_GPT_BLOCKS 9
/* GPT entries this writer fills at most (of the 128). */
#define SYSAREA_GPT_MAX 6
/* Apple Partition Map entries at most: the map itself and the ESP. */
#define SYSAREA_APM_MAX 2

/* One partition, in 512-byte sectors; sectors == 0: the slot is unused. */
struct sysarea_part {
    uint64_t first, sectors;
    uint8_t status, mbr_type;          /* MBR: 0x80 active */
    uint8_t type[16];                  /* GPT: type GUID as stored */
    uint64_t flags;                    /* GPT: attribute bits */
    char name[36];                     /* GPT, APM: ASCII */
    const char *apm_type;              /* APM: "Apple_HFS" ... */
};

struct sysarea {
    const uint8_t *area;               /* fsi_image_set_system_area bytes, under the rest */
    size_t area_len;
    const uint8_t *mbr_code;           /* 432 bytes of MBR code, or NULL */
    uint64_t boot_sector;              /* mbr_code: the address it loads */
    bool mbr;                          /* a disk signature and mbr_parts */
    struct sysarea_part mbr_parts[4];
    bool gpt;                          /* a GPT with gpt_parts (by slot) */
    struct sysarea_part gpt_parts[SYSAREA_GPT_MAX];
    unsigned apm;                      /* APM entries (2048-byte blocks 1..apm), 0: none */
    struct sysarea_part apm_parts[SYSAREA_APM_MAX];  /* in 2048-byte blocks; name and type */
    uint64_t sectors;                  /* the image's 512-byte sectors */
    int64_t now_ns;                    /* the image's time: signature and GUIDs */
};

/* The blocks the head takes: the MBR, the GPT (after the APM when there
 * is one) or the APM. */
uint32_t sysarea_head_blocks(bool gpt, unsigned apm);

/* Blocks [0, nblocks) of the image into buf (zeroed first). */
void sysarea_head(const struct sysarea *s, uint8_t *buf, uint32_t nblocks);

/* The last SYSAREA_GPT_BLOCKS blocks of an image with a GPT: the backup
 * entries and header. */
void sysarea_tail(const struct sysarea *s, uint8_t *buf);

/* The MBR's four entries in block 0 (head), in sectors: first[k] and
 * last[k], last[k] 0 for an empty or protective (0xEE) one; false
 * without an MBR signature. */
bool sysarea_mbr_read(const uint8_t *head, uint64_t first[4], uint64_t last[4]);

/* Growing an image by a session (append.c): what its blocks 0-15 hold
 * that must follow the image's new end.  old_sectors: the image's
 * 512-byte sectors before.  SYSAREA_GROW_MBR: an MBR whose ISO9660
 * entry (the one over sector 64, the volume's head, when it is the last)
 * or protective entry reaches that end; SYSAREA_GROW_GPT: a valid GPT
 * whose backup header is that end's last sector. */
enum { SYSAREA_GROW_MBR = 1, SYSAREA_GROW_GPT = 2 };
unsigned sysarea_grow_probe(const uint8_t *head, size_t head_len, uint64_t old_sectors,
                            uint32_t *tail_blocks);

/* head (blocks 0-15, as probed) for an image of new_sectors: those
 * entries extended by the growth, the primary GPT's header moved to the
 * new end (when gpt), whose backup entries and header go to tail (the
 * image's last *tail_blocks blocks, as the probe gave them: the space
 * after the GPT's last usable sector).  The bytes in head that change lie
 * in its first *changed bytes. */
void sysarea_grow(uint8_t *head, size_t head_len, uint64_t old_sectors, uint64_t new_sectors,
                  bool gpt, uint8_t *tail, uint32_t tail_blocks, size_t *changed);

/* Parse a partition type: "0xNN", FAT12, FAT16, Linux, EFI, a GUID as
 * text (8-4-4-4-12) or as the 32 hex digits of its stored bytes.  0 or -1. */
int sysarea_parse_type(const char *text, struct part_type *out);

/* The type of a partition in a GPT (xorriso's mapping: 0xEF is the ESP's
 * GUID, other bytes Basic Data; sysarea_parse_type already gave a GUID
 * its MBR byte, 0xEF for the ESP's and 0x83 for others). */
void sysarea_gpt_type(const struct part_type *t, uint8_t out[16]);

#endif
