/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hostpath.h - open host paths of any length.  A tree may be deeper than
 * PATH_MAX allows one path to be (add_tree walks it relative to directory
 * descriptors); what add accepted must open again when the image is
 * written, so long paths are opened a piece at a time.
 */
#ifndef FSI_HOSTPATH_H
#define FSI_HOSTPATH_H

/* openat(dfd, path, flags) for a path of any length: when it is PATH_MAX
 * bytes or longer, its leading directories are opened in pieces shorter
 * than that (each piece resolved by the kernel as usual, symlinks
 * included).  -1 with errno on failure. */
int hostpath_openat(int dfd, const char *path, int flags);

#endif
