/* SPDX-License-Identifier: BSD-2-Clause */
/* path.h - parsing and checking image paths and names. */
#ifndef FSI_PATH_H
#define FSI_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One component of a split path (points into the caller's string). */
struct path_comp {
    const char *s;
    size_t len;
};

/* Number of code points in s[0..len) if it is valid UTF-8 (no
 * surrogates or overlongs) without control characters (C0, DEL, C1);
 * (size_t)-1 otherwise.  (Volume names; tree names under --strict.) */
size_t path_text_chars(const char *s, size_t len);

/* Check one tree name: non-empty, not "." or "..", no '/' or NUL, at most
 * FSI_NAME_MAX_BYTES bytes and FSI_NAME_MAX_CHARS characters (as
 * name_next in names.h counts them: a byte that is not UTF-8 is one).
 * Control characters and bytes that are not UTF-8 are valid: Linux allows
 * them in names.  Returns true if valid. */
bool path_name_valid(const char *s, size_t len);

/* StrictFileSystemCompliance on top of path_name_valid: valid UTF-8 and no
 * control characters (IMAPI's rules). */
bool path_name_strict_ok(const char *s, size_t len);

/* True if every character is in 32..126 (UseRestrictedCharacterSet). */
bool path_name_restricted_ok(const char *s, size_t len);

/* Split `path` ('/' separated, leading and trailing '/' allowed, no empty
 * components inside, e.g. "a//b" is invalid) into components.  *out is a
 * malloc'ed array (NULL for the root) of *n components.  Returns 0, -1 for
 * an invalid path (bad name or too long), -2 on ENOMEM. */
int path_split(const char *path, struct path_comp **out, size_t *n);

#endif
