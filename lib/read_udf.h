/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * read_udf.h - what the UDF reader (read_udf.c) tells besides the
 * rd_reader interface: the Logical Volume Integrity Descriptor's counts,
 * for verify to compare with the tree it walks.
 */
#ifndef FSI_READ_UDF_H
#define FSI_READ_UDF_H

#include <stdbool.h>
#include <stdint.h>

/* The prevailing Logical Volume Integrity Descriptor of an open UDF view
 * (a `view` from rd_udf.open): number of files and of directories (from
 * its implementation use; UDF 2.3.3.5), the next Unique ID (its logical
 * volume contents use), and whether it is closed.  false if the volume
 * has no readable LVID or it holds no counts (the out values are then
 * 0). */
bool rd_udf_integrity(void *view, uint32_t *files, uint32_t *dirs, uint64_t *next_uid,
                      bool *closed);

/* The largest Unique ID of the File Entries a view has read so far. */
uint64_t rd_udf_max_unique_id(void *view);

#endif
