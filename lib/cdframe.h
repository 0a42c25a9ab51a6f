/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cdframe.h - pure encoding of single CD sectors for raw CD images:
 * addresses (LBA <-> MSF, BCD), ECMA-130 mode 1 sectors (sync, header,
 * EDC, P and Q parity of the RSPC code), the Q sub-channel (ADR 1/2/3 and
 * the lead-in TOC entries, with their CRC) and the P-W sub-channel forms
 * the raw stream carries (96 bytes interleaved by bit, or MMC's 16-byte
 * P-Q form).  No state, no I/O: rawcd.c decides what goes in each sector.
 *
 * Every function is thread safe; the tables are built once on first use.
 */
#ifndef FSI_CDFRAME_H
#define FSI_CDFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CD_FRAME_BYTES 2352      /* one sector of main channel */
#define CD_SUBCODE_BYTES 96      /* P-W, one byte per symbol */
#define CD_Q_BYTES 12
#define CD_MODE1_DATA 2048       /* user bytes of a mode 1 sector */

/* Q control nibble (Red Book): bit 2 data track, bit 1 digital copy
 * permitted, bit 0 pre-emphasis (audio) / incremental (data). */
#define CD_CTL_PREEMPH 0x1
#define CD_CTL_COPY 0x2
#define CD_CTL_DATA 0x4

#define CD_TRACK_LEADOUT 0xAA    /* TNO of the lead-out in ADR 1 Q */
#define CD_POINT_FIRST 0xA0      /* lead-in POINTs, written raw */
#define CD_POINT_LAST 0xA1
#define CD_POINT_LEADOUT 0xA2

/* LBA <-> MSF.  LBA 0 is MSF 00:02:00.  Lead-in LBAs are negative and
 * their MSF is 90:00:00 and above: lba = m*4500 + s*75 + f - 150 for
 * m < 90, else minus 450150 (95:00:00 = -22650, 99:59:74 = -151).  The
 * LBAs that have an MSF run from -45150 (90:00:00) to 404849 (89:59:74);
 * outside that range cd_lba_to_msf's minute is meaningless (it keeps
 * counting past 99). */
void cd_lba_to_msf(int32_t lba, uint8_t *m, uint8_t *s, uint8_t *f);
int32_t cd_msf_to_lba(unsigned m, unsigned s, unsigned f);
/* v in 0..99 as two BCD digits; larger values keep their last two digits. */
uint8_t cd_bcd(unsigned v);

/* ECMA-130 mode 1 sector of the data at lba: sync, header (BCD MSF of lba,
 * mode 1), 2048 user bytes, EDC, 8 zeros, P and Q parity.  data may point
 * into out + 16 (in-place encoding). */
void cd_mode1_encode(uint8_t out[CD_FRAME_BYTES], const uint8_t data[CD_MODE1_DATA], int32_t lba);
/* A mode 1 sector whose 2048 user bytes are zeros (pregaps/postgaps of data
 * tracks). */
void cd_mode1_zero(uint8_t out[CD_FRAME_BYTES], int32_t lba);
/* EDC over p[0..n): the CRC of ECMA-130 14.3 (x^32+x^31+x^16+x^15+x^4+x^3+x+1,
 * bits taken least significant first, register starting at 0).  A mode 1
 * sector stores cd_edc(sector, 2064) little-endian at byte 2064. */
uint32_t cd_edc(const uint8_t *p, size_t n);
/* NULL when s is a valid mode 1 sector for lba; else a short static text
 * naming the first fault found, in this order: "sync", "header address",
 * "mode", "EDC", "reserved bytes", "P parity", "Q parity". */
const char *cd_mode1_check(const uint8_t s[CD_FRAME_BYTES], int32_t lba);

/* CRC-16 of the Q sub-channel and of CD-Text packs (x^16+x^12+x^5+1,
 * register starting at 0, most significant bit first, not inverted):
 * both store its complement big-endian after the data. */
uint16_t cd_crc16(const uint8_t *p, size_t n);

/* Q sub-channel, 12 bytes: CONTROL<<4|ADR, 9 bytes, CRC-16 over bytes 0-9
 * stored inverted and big-endian in bytes 10-11.  Every cd_q_* builder
 * below fills all 12 bytes, CRC included. */
void cd_q_crc_set(uint8_t q[CD_Q_BYTES]);
bool cd_q_crc_ok(const uint8_t q[CD_Q_BYTES]);

/* ADR 1 in the program area (pregaps and the lead-out included): TNO (BCD;
 * CD_TRACK_LEADOUT raw), INDEX (BCD, 0 in a pregap), relative time, ZERO,
 * absolute time of lba.  rel is the sector's offset from index 1 of the
 * track (from the lead-out's start in the lead-out): rel >= 0 is written
 * as it is; in a pregap pass rel = lba - (LBA of index 1), a negative
 * number, and the time written counts down to 00:00:00 in the pregap's
 * last sector (rel = -1), as Red Book says and pressed discs and cdrecord
 * do: |rel| - 1 sectors.  control: CD_CTL_* bits. */
void cd_q_position(uint8_t q[CD_Q_BYTES], uint8_t control, unsigned track, unsigned index,
                   int32_t rel, int32_t lba);
/* ADR 2: media catalog number, 13 ASCII digits as BCD in bytes 1-7 (the
 * last nibble 0), byte 8 zero, AFRAME of lba in byte 9. */
void cd_q_mcn(uint8_t q[CD_Q_BYTES], uint8_t control, const char mcn[13], int32_t lba);
/* ADR 3: ISRC, 12 characters without dashes: 2 country + 3 owner characters
 * (digits or letters, 6 bits each: '0'-'9' = 0-9, 'A'-'Z' = 17-42, lower
 * case taken as upper) in the first 30 bits of bytes 1-4, 2 zero bits,
 * then 2 year + 5 serial digits as BCD (bytes 5-8, the last nibble 0),
 * AFRAME of lba in byte 9.  Other characters encode as 0: check first. */
void cd_q_isrc(uint8_t q[CD_Q_BYTES], uint8_t control, const char isrc[12], int32_t lba);
/* ADR 1 in the lead-in: TNO 0, POINT, running MIN/SEC/FRAME of the
 * lead-in sector at lba (negative, MSF 90:00:00 and above), ZERO,
 * PMIN/PSEC/PFRAME.  point: a track number 1..99 given in binary (written
 * as BCD) or a CD_POINT_* value >= 0xA0 (written raw).  pmin/psec/pframe
 * are binary and written as BCD, except the PSEC of POINT A0, which is the
 * disc type byte (0x00 CD-DA/CD-ROM, 0x10 CD-i, 0x20 CD-ROM XA) written
 * raw.  For A0 pmin is the first track, for A1 the last one, for A2 and
 * tracks pmin:psec:pframe is the start MSF. */
void cd_q_toc(uint8_t q[CD_Q_BYTES], uint8_t control, uint8_t point, int32_t lba, unsigned pmin,
              unsigned psec, unsigned pframe);

/* The 96 P-W bytes of one sector: byte i = P<<7 | (bit i of Q, most
 * significant bit of q[0] first)<<6 | (rw[i] & 0x3f); rw may be NULL
 * (no R-W data: zeros). */
void cd_pw_build(uint8_t out[CD_SUBCODE_BYTES], bool p, const uint8_t q[CD_Q_BYTES],
                 const uint8_t *rw);
/* Q's 12 bytes back from 96 P-W bytes (bit 6 of each byte). */
void cd_pw_q(uint8_t q[CD_Q_BYTES], const uint8_t pw[CD_SUBCODE_BYTES]);
/* MMC's 16-byte P-Q form (the 16-byte sub-channel of raw writing and of
 * READ CD "formatted Q"): bytes 0-11 are Q as on the disc, its inverted
 * CRC included; bytes 12-14 zero; byte 15 is 0x80 when P is on, else 0. */
void cd_pq16_build(uint8_t out[16], bool p, const uint8_t q[CD_Q_BYTES]);

#endif
