/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hybrid.h - the writer of what makes an image a disk too: the system
 * area (MBR code, MBR partitions, a GPT, fsi_image_set_system_area's
 * bytes), the partitions appended after the ISO9660 data, and the GPT's
 * backup at the end.  The byte formats are sysarea.c's.
 *
 *   PHASE_SYSAREA  block 0 (MBR), or blocks 0-8 (protective MBR and GPT),
 *                  or as many of blocks 0-15 as the system-area bytes fill
 *   PHASE_TAIL     the appended partitions in number order, then the
 *                  GPT's backup (this writer is the last one)
 */
#ifndef FSI_HYBRID_H
#define FSI_HYBRID_H

#include "layout.h"

/* Whether img asks for any of it. */
bool hybrid_wanted(const fsi_image *img);

fsi_hresult hybrid_writer_new(struct layout *lay, void **self);
extern const struct writer_ops hybrid_ops;

/* Appended partition `number`'s first block and its blocks, once the
 * layout is placed; false if the image has none. */
bool hybrid_partition(const struct layout *lay, unsigned number, uint64_t *block,
                      uint64_t *blocks);

void hybrid_free(fsi_image *img);

#endif
