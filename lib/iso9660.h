/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * iso9660.h - the ISO9660 and Joliet writers (ECMA-119 volume descriptors,
 * path tables, directory records).  One writer per view; both point their
 * file records at the data blocks the layout placed.
 */
#ifndef FSI_ISO9660_H
#define FSI_ISO9660_H

#include "layout.h"

/* Bytes of one file section (directory record) of a multi-extent file:
 * the largest multiple of the block size below 4 GiB.  A file up to
 * ISO_SINGLE_MAX bytes takes one record.  Tests may build with smaller
 * values (-DISO_SECTION_MAX=...) to run the multi-extent code on small
 * files; ISO_SINGLE_MAX then follows it. */
#ifndef ISO_SECTION_MAX
#define ISO_SECTION_MAX 0xFFFFF800u
#define ISO_SINGLE_MAX 0xFFFFFFFFu
#else
#define ISO_SINGLE_MAX ISO_SECTION_MAX
#endif
#define ISO_MAX_SECTIONS 100   /* per file at level 3: the Linux reader's limit */

/* The text fields of a primary (joliet false) or Joliet descriptor at p:
 * system, volume (ECMA-119 8.4.5-6), volume set to bibliographic file
 * identifier (8.4.18-24), as the image's settings say. */
void iso_put_ids(uint8_t *p, const struct layout *lay, bool joliet);

/* Make the writer of the ISO9660 view (joliet false) or the Joliet view. */
fsi_hresult iso9660_writer_new(struct layout *lay, bool joliet,
                               const struct writer_ops **ops, void **self);

#endif
