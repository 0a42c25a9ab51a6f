/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * udf.h - the UDF writer (OSTA UDF 1.02, 1.50, 2.00, 2.01, 2.50, 2.60 on
 * ECMA-167): volume recognition sequence, volume descriptor sequences,
 * integrity descriptor, anchors, file set, (Extended) File Entries and
 * directories, and for 2.50+ the metadata partition with its metadata
 * file and mirror.  File data is the layout's: the allocation descriptors
 * point at the blocks the core placed, shared with ISO9660 and Joliet.
 */
#ifndef FSI_UDF_H
#define FSI_UDF_H

#include "layout.h"

/* Make the UDF writer of lay (revision lay->img->udf_revision). */
fsi_hresult udf_writer_new(struct layout *lay, const struct writer_ops **ops, void **self);

#endif
