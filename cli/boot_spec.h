/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot_spec.h - the El Torito options of `mkimage create`:
 *
 *   --boot FILE[,platform=bios|efi|ppc|mac][,emulation=none|floppy|hd]
 *          [,load-segment=HEX][,sectors=N][,info-table][,grub2-info][,id=TEXT]
 *   --boot-catalog IMAGE/PATH
 *
 * FILE is a file of the image tree if one has that path (after all
 * SOURCEs are added; stored once, shared with every file system), else a
 * host file (stored as hidden data); partition:N is appended partition N
 * (--append-partition), loaded where it lies.  A ',' or '\' inside FILE or TEXT is
 * written '\,' or '\\'.
 */
#ifndef MKIMAGE_BOOT_SPEC_H
#define MKIMAGE_BOOT_SPEC_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>

/* getopt values of the two options (beside cmd_create.c's own). */
enum { OPT_BOOT = 1500, OPT_BOOT_CATALOG };

/* One parsed --boot SPEC; -1 (or NULL) = not given. */
struct boot_spec {
    char *file;
    int platform;              /* fsi_platform */
    int emulation;             /* BOOT_EMUL_* */
    long load_segment;
    long sectors;
    bool info_table;
    bool grub2_info;           /* grub2-info */
    char *id;
};

enum { BOOT_EMUL_NONE = 0, BOOT_EMUL_FLOPPY = 1, BOOT_EMUL_HD = 2 };

struct boot_opts {
    struct boot_spec *specs;
    size_t n, cap;
    const char *catalog;       /* --boot-catalog, NULL if not given */
};

/* Parse SPEC into *out (0), or print why and return -1 (a usage error);
 * msg gets the reason.  Exposed for tests. */
int boot_spec_parse(const char *spec, struct boot_spec *out, char *msg, size_t size);
void boot_spec_free(struct boot_spec *s);

/* Take one --boot or --boot-catalog (opt = OPT_BOOT / OPT_BOOT_CATALOG).
 * Returns EXIT_OK, or EXIT_USAGE after printing the usage error. */
int boot_opts_add(struct boot_opts *o, int opt, const char *arg);

/* Give the image its boot entries and catalog path, once the tree is
 * built.  Returns EXIT_OK, EXIT_USAGE (--boot-catalog without --boot) or
 * EXIT_FAIL after reporting the IMAPI code. */
int boot_opts_apply(const struct boot_opts *o, fsi_image *img);

void boot_opts_free(struct boot_opts *o);

#endif
