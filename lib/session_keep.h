/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session_keep.h - what a session can keep of the session it continues
 * instead of writing it again (not installed).
 *
 * A session (appended in place, or a session image) holds a complete file
 * system, but a directory whose whole subtree is as the import found it is
 * on the disc already: the new session's parent records point at the old
 * extent, and nothing below it is written again.  That is what makes a
 * session that adds one file to a million small: only the directories on
 * the way to a change are new.
 *
 * session_keep_mark decides once per layout which items are unchanged
 * with everything below them.  For the ECMA-119 views (ISO9660 with Rock
 * Ridge, Joliet), old_tree reads the previous session's directories: the
 * subdirectories of a directory being written again (where an unchanged
 * one lies, matched by name), and its path table (the directories below a
 * kept one, which the new path table must list, without reading them).
 * A kept directory's ".." still names its old parent, which holds the
 * same directory as it was; readers find parents through the path table
 * or the path they came by (Linux, libisofs, libarchive, 7-Zip do).
 *
 * The previous session's bytes are untrusted like any image's: whatever
 * does not parse or does not agree means "write it again", never a
 * failure of the session.
 */
#ifndef FSI_SESSION_KEEP_H
#define FSI_SESSION_KEEP_H

#include "layout.h"

/* Set lay->changed for a session continuing img->ms_disc: for every item
 * of the tree, nonzero where the item or anything below it differs from
 * what the previous session holds (the root always does).  Leaves it NULL
 * when nothing can be kept (not a session, nothing imported, the tree
 * normalised on writing).  Fails only when out of memory. */
fsi_hresult session_keep_mark(struct layout *lay);

/* Whether the directory or file `it` is unchanged, subtree included. */
static inline bool session_kept(const struct layout *lay, fsi_item it)
{
    return lay->changed && !lay->changed[it];
}

/* The previous session's ISO9660 (Rock Ridge names) or Joliet view. */
struct old_tree;

/* Open it; NULL when it cannot serve (absent, no Rock Ridge names or
 * another Rock Ridge version than ours, a path table that does not parse
 * or has extended attribute records, out of memory). */
struct old_tree *old_tree_open(fsi_disc *d, bool joliet);
void old_tree_close(struct old_tree *o);

/* Its root directory's extent and size, the root's Rock Ridge serial
 * number (ISO9660; mkimage gives the root the highest of its session);
 * the number of path table records. */
void old_tree_root(const struct old_tree *o, uint32_t *loc, uint32_t *len);
uint32_t old_tree_root_serial(const struct old_tree *o);
uint32_t old_tree_count(const struct old_tree *o);

/* Where the old directory at `loc` (its extent, `len` bytes) holds the
 * subdirectory named `name` (UTF-8, as the tree names it): its extent and
 * size.  false if it has none, or reading it fails.  The subdirectories
 * of the last directory asked about are remembered. */
bool old_tree_subdir(struct old_tree *o, uint32_t loc, uint32_t len, const char *name,
                     size_t name_len, uint32_t *sub_loc, uint32_t *sub_len);

/* The old path table's record (numbered from 1) of the directory whose
 * extent starts at loc; 0 if none. */
uint32_t old_tree_record(const struct old_tree *o, uint32_t loc);

/* Record r's children: records [*first, *end). */
void old_tree_children(const struct old_tree *o, uint32_t r, uint32_t *first, uint32_t *end);

/* Record r's extent and identifier (its bytes as recorded). */
uint32_t old_tree_extent(const struct old_tree *o, uint32_t r);
const uint8_t *old_tree_id(const struct old_tree *o, uint32_t r, uint8_t *len);

#endif
