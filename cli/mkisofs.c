/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mkisofs.c - `mkimage -as mkisofs ARGS...` (and mkimage run under the
 * name mkisofs, genisoimage or xorrisofs): the option dialect that
 * distribution build scripts drive, translated into a `create` command
 * line, so that every check, message and exit status is create's.
 *
 * mkisofs's defaults are kept: ISO9660 level 1 alone unless -R/-r, -J or
 * -udf ask for more, floppy emulation unless -no-emul-boot, deep
 * directories relocated unless -D, the image on stdout unless -o.  An
 * option it does not know is a usage error naming it; one it knows but
 * cannot honour is a usage error naming it with the reason; one whose
 * effect only ISO9660 names would show (they stay ECMA-119's; Rock Ridge
 * and Joliet carry the real names) is a warning.  Nothing is dropped
 * without a word.
 */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum act {
    A_OUTPUT, A_ID, A_VOLID, A_ROCK, A_RROCK, A_NOROCK, A_JOLIET, A_JOLIET_LONG, A_UDF,
    A_LEVEL, A_FULLNAMES, A_NAMES, A_DEEP, A_FOLLOW, A_CACHE, A_NOCACHE, A_GRAFT,
    A_PATHLIST, A_EXCLUDE, A_EXCLUDE_LIST, A_HIDE, A_HIDDEN, A_LIMITED, A_CHARSET, A_QUIET,
    A_VERBOSE, A_PAD, A_NOPAD, A_BOOT_BIOS, A_BOOT_EFI, A_CATALOG, A_NOEMUL, A_HDBOOT,
    A_LOADSIZE, A_LOADSEG, A_INFOTABLE, A_ALTBOOT, A_PLATFORM, A_BOOTID, A_PREV, A_MSINFO,
    A_MODDATE, A_VOLDATE, A_UUID, A_OWNER, A_MBR, A_GPT, A_EFIPART, A_GRUB2MBR, A_GRUB2INFO,
    A_APPENDPART, A_APPENDGPT, A_APM, A_MSDOS, A_ISOTYPE, A_MBRBOOT, A_SYSAREA, A_PARTOFF, A_CATHIDE, A_HELP, A_VERSION, A_WARN,
    A_REFUSE
};

struct mopt {
    const char *name;         /* without its leading '-' */
    int nargs;
    enum act act;
    int which;                /* A_ID: fsi_volume_id */
    const char *why;          /* A_WARN, A_REFUSE: the reason */
};

#define NAMES_WHY "ISO9660 names keep ECMA-119's form (Rock Ridge and Joliet carry the real names)"
#define HIDE_WHY "items hidden from some file systems only are not supported (the boot " \
                 "catalog is the one item -hide may name)"
#define GEOMETRY_WHY "the MBR's CHS fields use 64 heads and 32 sectors; no other geometry or " \
                     "cylinder alignment is written"

static const struct mopt opts[] = {
    {"o", 1, A_OUTPUT, 0, NULL}, {"output", 1, A_OUTPUT, 0, NULL},
    {"V", 1, A_VOLID, 0, NULL}, {"volid", 1, A_VOLID, 0, NULL},
    {"A", 1, A_ID, FSI_ID_APPLICATION, NULL}, {"appid", 1, A_ID, FSI_ID_APPLICATION, NULL},
    {"p", 1, A_ID, FSI_ID_PREPARER, NULL}, {"preparer", 1, A_ID, FSI_ID_PREPARER, NULL},
    {"P", 1, A_ID, FSI_ID_PUBLISHER, NULL}, {"publisher", 1, A_ID, FSI_ID_PUBLISHER, NULL},
    {"sysid", 1, A_ID, FSI_ID_SYSTEM, NULL}, {"volset", 1, A_ID, FSI_ID_VOLUME_SET, NULL},
    {"copyright", 1, A_ID, FSI_ID_COPYRIGHT_FILE, NULL},
    {"abstract", 1, A_ID, FSI_ID_ABSTRACT_FILE, NULL},
    {"biblio", 1, A_ID, FSI_ID_BIBLIO_FILE, NULL},
    {"R", 0, A_ROCK, 0, NULL}, {"rock", 0, A_ROCK, 0, NULL},
    {"r", 0, A_RROCK, 0, NULL}, {"rational-rock", 0, A_RROCK, 0, NULL},
    {"norock", 0, A_NOROCK, 0, NULL},
    {"J", 0, A_JOLIET, 0, NULL}, {"joliet", 0, A_JOLIET, 0, NULL},
    {"joliet-long", 0, A_JOLIET_LONG, 0, NULL}, {"udf", 0, A_UDF, 0, NULL},
    {"iso-level", 1, A_LEVEL, 0, NULL},
    {"l", 0, A_FULLNAMES, 0, NULL}, {"full-iso9660-filenames", 0, A_FULLNAMES, 0, NULL},
    {"N", 0, A_NAMES, 0, NULL}, {"omit-version-number", 0, A_NAMES, 0, NULL},
    {"d", 0, A_NAMES, 0, NULL}, {"omit-period", 0, A_NAMES, 0, NULL},
    {"L", 0, A_NAMES, 0, NULL}, {"allow-leading-dots", 0, A_NAMES, 0, NULL},
    {"ldots", 0, A_NAMES, 0, NULL},
    {"U", 0, A_NAMES, 0, NULL}, {"untranslated-filenames", 0, A_NAMES, 0, NULL},
    {"allow-lowercase", 0, A_NAMES, 0, NULL}, {"allow-multidot", 0, A_NAMES, 0, NULL},
    {"relaxed-filenames", 0, A_NAMES, 0, NULL}, {"no-iso-translate", 0, A_NAMES, 0, NULL},
    {"max-iso9660-filenames", 0, A_NAMES, 0, NULL},
    {"D", 0, A_DEEP, 0, NULL}, {"disable-deep-relocation", 0, A_DEEP, 0, NULL},
    {"hide-rr-moved", 0, A_WARN, 0, "the relocation directory keeps the name rr_moved"},
    {"f", 0, A_FOLLOW, 0, NULL}, {"follow-links", 0, A_FOLLOW, 0, NULL},
    {"cache-inodes", 0, A_CACHE, 0, NULL}, {"no-cache-inodes", 0, A_NOCACHE, 0, NULL},
    {"graft-points", 0, A_GRAFT, 0, NULL}, {"path-list", 1, A_PATHLIST, 0, NULL},
    {"m", 1, A_EXCLUDE, 0, NULL}, {"exclude", 1, A_EXCLUDE, 0, NULL},
    {"x", 1, A_EXCLUDE, 0, NULL}, {"exclude-list", 1, A_EXCLUDE_LIST, 0, NULL},
    {"hide", 1, A_HIDE, 0, NULL}, {"hide-joliet", 1, A_HIDE, 0, NULL},
    {"hide-udf", 1, A_HIDE, 0, NULL},
    {"hide-list", 1, A_REFUSE, 0, HIDE_WHY}, {"hide-joliet-list", 1, A_REFUSE, 0, HIDE_WHY},
    {"hidden", 1, A_HIDDEN, 0, NULL},
    {"allow-limited-size", 0, A_LIMITED, 0, NULL},
    {"input-charset", 1, A_CHARSET, 0, NULL}, {"output-charset", 1, A_CHARSET, 0, NULL},
    {"quiet", 0, A_QUIET, 0, NULL}, {"v", 0, A_VERBOSE, 0, NULL}, {"verbose", 0, A_VERBOSE, 0, NULL},
    {"pad", 0, A_PAD, 0, NULL}, {"no-pad", 0, A_NOPAD, 0, NULL},
    {"b", 1, A_BOOT_BIOS, 0, NULL}, {"eltorito-boot", 1, A_BOOT_BIOS, 0, NULL},
    {"e", 1, A_BOOT_EFI, 0, NULL}, {"efi-boot", 1, A_BOOT_EFI, 0, NULL},
    {"c", 1, A_CATALOG, 0, NULL}, {"eltorito-catalog", 1, A_CATALOG, 0, NULL},
    {"boot-catalog-hide", 0, A_CATHIDE, 0, NULL},
    {"no-emul-boot", 0, A_NOEMUL, 0, NULL}, {"hard-disk-boot", 0, A_HDBOOT, 0, NULL},
    {"boot-load-size", 1, A_LOADSIZE, 0, NULL}, {"boot-load-seg", 1, A_LOADSEG, 0, NULL},
    {"boot-info-table", 0, A_INFOTABLE, 0, NULL},
    {"eltorito-alt-boot", 0, A_ALTBOOT, 0, NULL},
    {"eltorito-platform", 1, A_PLATFORM, 0, NULL}, {"eltorito-id", 1, A_BOOTID, 0, NULL},
    {"no-boot", 0, A_REFUSE, 0, "every boot entry is bootable (IMAPI has no other kind)"},
    {"eltorito-selcrit", 1, A_REFUSE, 0, "El Torito selection criteria are not written"},
    {"M", 1, A_PREV, 0, NULL}, {"prev-session", 1, A_PREV, 0, NULL},
    {"C", 1, A_MSINFO, 0, NULL}, {"cdrecord-params", 1, A_MSINFO, 0, NULL},
    {"modification-date", 1, A_MODDATE, 0, NULL}, {"volume_date", 2, A_VOLDATE, 0, NULL},
    {"uuid", 1, A_UUID, 0, NULL},
    {"uid", 1, A_OWNER, 0, NULL}, {"gid", 1, A_OWNER, 0, NULL},
    {"help", 0, A_HELP, 0, NULL}, {"version", 0, A_VERSION, 0, NULL},
    /* The system area: blocks 0-15 and partitions past the end. */
    {"G", 1, A_SYSAREA, 0, NULL}, {"generic-boot", 1, A_SYSAREA, 0, NULL},
    {"embedded-boot", 1, A_SYSAREA, 0, NULL},
    {"isohybrid-mbr", 1, A_MBR, 0, NULL}, {"grub2-mbr", 1, A_GRUB2MBR, 0, NULL},
    {"isohybrid-gpt-basdat", 0, A_GPT, 0, NULL},
    {"isohybrid-gpt-hfsplus", 0, A_REFUSE, 0, "HFS+ partitions are not written"},
    {"isohybrid-apm-hfsplus", 0, A_APM, 0, NULL},
    {"partition_offset", 1, A_PARTOFF, 0, NULL},
    {"append_partition", 3, A_APPENDPART, 0, NULL},
    {"appended_part_as_gpt", 0, A_APPENDGPT, 0, NULL},
    {"appended_part_as_apm", 0, A_REFUSE, 0, "the Apple Partition Map lists the EFI boot image, "
                                             "not appended partitions"},
    {"efi-boot-part", 1, A_EFIPART, 0, NULL},
    {"iso_mbr_part_type", 1, A_ISOTYPE, 0, NULL},
    {"grub2-boot-info", 0, A_GRUB2INFO, 0, NULL},
    {"protective-msdos-label", 0, A_MSDOS, 0, NULL},
    {"mbr-force-bootable", 0, A_MBRBOOT, 0, NULL},
    {"partition_hd_cyl", 1, A_REFUSE, 0, GEOMETRY_WHY},
    {"partition_sec_hd", 1, A_REFUSE, 0, GEOMETRY_WHY},
    {"partition_cyl_align", 1, A_REFUSE, 0, GEOMETRY_WHY},
    {"gpt_disk_guid", 1, A_REFUSE, 0, "the GPT's GUIDs come from the image's time "
                                      "(SOURCE_DATE_EPOCH)"},
    /* Known, not done. */
    {"T", 0, A_REFUSE, 0, "TRANS.TBL translation tables are not written"},
    {"translation-table", 0, A_REFUSE, 0, "TRANS.TBL translation tables are not written"},
    {"table-name", 1, A_REFUSE, 0, "TRANS.TBL translation tables are not written"},
    {"sort", 1, A_REFUSE, 0, "file data is laid out in tree order; sort weights are not supported"},
    {"z", 0, A_REFUSE, 0, "zisofs compression is not supported"},
    {"transparent-compression", 0, A_REFUSE, 0, "zisofs compression is not supported"},
    {"hfs", 0, A_REFUSE, 0, "HFS hybrids are not supported"},
    {"apple", 0, A_REFUSE, 0, "HFS hybrids are not supported"},
    {"print-size", 0, A_REFUSE, 0, "not supported; build the image and read its size"},
    {"volset-size", 1, A_REFUSE, 0, "volume sets of more than one disc are not supported"},
    {"volset-seqno", 1, A_REFUSE, 0, "volume sets of more than one disc are not supported"},
    {"chrp-boot", 0, A_REFUSE, 0, "CHRP boot is not supported"},
    {"prep-boot", 1, A_REFUSE, 0, "PReP boot is not supported"},
    {"mips-boot", 1, A_REFUSE, 0, "MIPS boot is not supported"},
    {"sparc-boot", 1, A_REFUSE, 0, "SPARC boot is not supported"},
    {"md5", 0, A_REFUSE, 0, "checksum tags are not written"},
    {"checksum_algorithm_iso", 1, A_REFUSE, 0, "checksum tags are not written"},
    {"dir-mode", 1, A_REFUSE, 0, "modes other than -r's are not supported"},
    {"file-mode", 1, A_REFUSE, 0, "modes other than -r's are not supported"},
    {"new-dir-mode", 1, A_REFUSE, 0, "modes other than -r's are not supported"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static int refuse(const char *opt, const char *why);

/* One El Torito entry as the options build it. */
struct entry {
    const char *file;
    const char *platform;     /* bios, efi, ppc, mac */
    const char *emulation;    /* none, hd; NULL: floppy (mkisofs's default) */
    const char *sectors, *id;
    long segment;             /* -1: the default */
    bool info_table, grub2_info;
    char part[24];            /* "partition:N" for --interval:appended_partition_N */
};

struct st {
    char **av;                /* the create command line */
    size_t n, cap;
    char **sources;           /* pathspecs, as given */
    size_t nsrc, capsrc;
    bool rock, rrock, norock, joliet, joliet_long, udf, fullnames, names_warned, deep, graft;
    bool quiet, verbose, gpt;
    int level;
    const char *output, *prev, *msinfo, *catalog;
    struct entry *ent;
    size_t nent, capent;
    const char *next_platform;
    bool alt;                 /* -eltorito-alt-boot: the next -b/-e starts an entry */
    char *hidden_catalog;     /* -hide of the catalog's path */
    bool catalog_hidden;      /* --boot-catalog-hide */
    const char *efi_part;     /* -efi-boot-part FILE: an appended ESP */
    unsigned parts_used;      /* bit N: -append_partition N */
    char **warnings;          /* printed at the end, unless -quiet */
    size_t nwarn, capwarn;
};

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* Append a copy of s (or of the two strings a and b joined) to the
 * create command line: 0, or -1 on ENOMEM. */
static int push2(struct st *s, const char *a, const char *b)
{
    if (!grow((void **)&s->av, &s->cap, s->n + 2, sizeof *s->av))
        return -1;
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    char *c = malloc(la + lb + 1);
    if (!c)
        return -1;
    memcpy(c, a, la);
    if (b)
        memcpy(c + la, b, lb);
    c[la + lb] = '\0';
    s->av[s->n++] = c;
    s->av[s->n] = NULL;
    return 0;
}

static int push(struct st *s, const char *a)
{
    return push2(s, a, NULL);
}

static int add_source(struct st *s, char *spec)
{
    if (!grow((void **)&s->sources, &s->capsrc, s->nsrc + 1, sizeof *s->sources))
        return -1;
    s->sources[s->nsrc++] = spec;
    return 0;
}

static struct entry *cur_entry(struct st *s)
{
    if (!s->nent) {
        if (!grow((void **)&s->ent, &s->capent, 1, sizeof *s->ent))
            return NULL;
        memset(&s->ent[0], 0, sizeof s->ent[0]);
        s->ent[0].segment = -1;
        s->nent = 1;
    }
    return &s->ent[s->nent - 1];
}

/* -b or -e: the entry's file; a second file (or one after
 * -eltorito-alt-boot) starts the next entry. */
static int boot_file(struct st *s, const char *file, const char *platform)
{
    /* xorriso's --interval:appended_partition_N:all:: (or N:::) loads an
     * appended partition; no other interval reader is supported. */
    unsigned part = 0;
    if (!strncmp(file, "--interval:", 11)) {
        int used = 0;
        if (sscanf(file, "--interval:appended_partition_%u:%n", &part, &used) != 1 || !used ||
            (strcmp(file + used, "all::") && strcmp(file + used, "::")))
            return refuse(platform ? "-e" : "-b", "of the --interval: forms only "
                          "--interval:appended_partition_N:all:: is supported");
    }
    struct entry *e = cur_entry(s);
    if (!e)
        return -1;
    if (e->file || s->alt) {
        if (e->file) {
            if (!grow((void **)&s->ent, &s->capent, s->nent + 1, sizeof *s->ent))
                return -1;
            e = &s->ent[s->nent++];
            memset(e, 0, sizeof *e);
            e->segment = -1;
        }
        s->alt = false;
    }
    e->file = file;
    if (part) {
        snprintf(e->part, sizeof e->part, "partition:%u", part);
        e->file = e->part;
    }
    e->platform = platform ? platform : s->next_platform ? s->next_platform : "bios";
    return 0;
}

/* The entry the per-entry options change: the one being built. */
static struct entry *entry_opts(struct st *s)
{
    if (s->alt) {            /* options after -eltorito-alt-boot: a new entry */
        struct entry *e = cur_entry(s);
        if (e && e->file) {
            if (!grow((void **)&s->ent, &s->capent, s->nent + 1, sizeof *s->ent))
                return NULL;
            e = &s->ent[s->nent++];
            memset(e, 0, sizeof *e);
            e->segment = -1;
        }
        s->alt = false;
        return e;
    }
    return cur_entry(s);
}

/* "FILE,key=value,...": the --boot SPEC of an entry (',' and '\' in
 * FILE and the id escaped). */
static char *entry_spec(const struct entry *e)
{
    size_t n = 2 * strlen(e->file) + (e->id ? 2 * strlen(e->id) : 0) + 160;
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const char *p = e->file; *p; p++) {
        if (*p == ',' || *p == '\\')
            *o++ = '\\';
        *o++ = *p;
    }
    o += sprintf(o, ",platform=%s,emulation=%s", e->platform,
                 e->emulation ? e->emulation : "floppy");
    if (e->sectors)
        o += sprintf(o, ",sectors=%.10s", e->sectors);
    if (e->segment >= 0)
        o += sprintf(o, ",load-segment=%lx", e->segment);
    if (e->info_table)
        o += sprintf(o, ",info-table");
    if (e->grub2_info)
        o += sprintf(o, ",grub2-info");
    if (e->id) {
        o += sprintf(o, ",id=");
        for (const char *p = e->id; *p; p++) {
            if (*p == ',' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* A pathspec in create's form, IMAGE=HOST ('\' and '=' of IMAGE escaped):
 * with -graft-points "A=B" puts B at A (a file into A when A ends in
 * '/'), else the whole spec is a host path. */
static char *translate_spec(const struct st *s, const char *spec)
{
    size_t n = strlen(spec);
    char *img = malloc(2 * n + 4), *host = malloc(n + 1);
    char *out = NULL;
    if (!img || !host)
        goto done;
    size_t ni = 0, nh = 0;
    const char *eq = NULL;
    if (s->graft)
        for (const char *p = spec; *p; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                continue;
            }
            if (*p == '=') {
                eq = p;
                break;
            }
        }
    char *ipath = malloc(n + 2);
    if (!ipath)
        goto done;
    size_t np = 0;
    if (eq) {
        for (const char *p = spec; p < eq; p++) {
            if (*p == '\\' && p + 1 < eq)
                p++;
            ipath[np++] = *p;
        }
        for (const char *p = eq + 1; *p; p++) {
            if (*p == '\\' && (p[1] == '=' || p[1] == '\\'))
                p++;
            host[nh++] = *p;
        }
    } else {
        memcpy(host, spec, n);
        nh = n;
    }
    ipath[np] = '\0';
    host[nh] = '\0';
    struct stat st;
    bool dir = stat(host, &st) == 0 && S_ISDIR(st.st_mode);
    /* The image path: "/" for a directory's contents; a file goes to the
     * root, or into IMAGE when it ends in '/', under its own name. */
    if (!eq || (np && ipath[np - 1] == '/' && !dir)) {
        if (!dir) {
            const char *base = strrchr(host, '/');
            base = base ? base + 1 : host;
            size_t bl = strlen(base);
            char *t = realloc(ipath, np + bl + 2);
            if (!t) {
                free(ipath);
                goto done;
            }
            ipath = t;
            memcpy(ipath + np, base, bl + 1);
            np += bl;
        }
    }
    img[ni++] = '/';
    for (size_t i = 0; i < np; i++) {
        if (ipath[i] == '\\' || ipath[i] == '=')
            img[ni++] = '\\';
        img[ni++] = ipath[i];
    }
    free(ipath);
    img[ni] = '\0';
    out = malloc(ni + nh + 2);
    if (out)
        sprintf(out, "%s=%s", img, host);
done:
    free(img);
    free(host);
    return out;
}

/* A warning, printed once all options are read (-quiet may come last). */
static int warn(struct st *s, const char *opt, const char *why)
{
    if (!grow((void **)&s->warnings, &s->capwarn, s->nwarn + 1, sizeof *s->warnings))
        return -1;
    size_t n = strlen(opt) + strlen(why) + 3;
    char *w = malloc(n);
    if (!w)
        return -1;
    snprintf(w, n, "%s: %s", opt, why);
    s->warnings[s->nwarn++] = w;
    return EXIT_OK;
}

static int refuse(const char *opt, const char *why)
{
    return cli_usage_error("-as mkisofs: '%s' cannot be honoured: %s", opt, why);
}

/* -path-list FILE: one pathspec a line. */
static int read_list(struct st *s, const char *file, bool patterns)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    if (!f) {
        char msg[4200];
        snprintf(msg, sizeof msg, "cannot read the list '%s'", file);
        return cli_report(IMAPI_E_INVALID_PARAM, msg), EXIT_FAIL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!len)
            continue;
        if (patterns) {
            if (push(s, "--exclude") || push(s, line))
                rc = cli_report(FSI_E_OUTOFMEMORY, NULL);
        } else {
            char *c = strdup(line);
            if (!c || add_source(s, c)) {
                free(c);
                rc = cli_report(FSI_E_OUTOFMEMORY, NULL);
            }
        }
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Two image paths alike but for leading slashes (mkisofs takes both). */
static bool same_path(const char *a, const char *b)
{
    while (*a == '/')
        a++;
    while (*b == '/')
        b++;
    return !strcmp(a, b);
}

static void help(void)
{
    fputs("Usage: mkimage -as mkisofs [OPTIONS] PATHSPEC...\n"
          "       (also as mkisofs, genisoimage or xorrisofs)\n"
          "The mkisofs option dialect of build scripts, run as `mkimage create`.\n"
          "Defaults as mkisofs: ISO9660 level 1 only, image on stdout.\n\n"
          "  -o FILE                      output (default: stdout)\n"
          "  -V -A -p -publisher -sysid -volset -copyright -abstract -biblio TEXT\n"
          "  -R | -r                      Rock Ridge (-r: owners 0, modes for distribution)\n"
          "  -J [-joliet-long]            Joliet\n"
          "  -udf                         UDF 1.02 as well\n"
          "  -iso-level 1|2|3, -l         ISO9660 level; -l: 31-character names (level 2)\n"
          "  -D                           no relocation of deep directories\n"
          "  -f  -cache-inodes  -no-cache-inodes\n"
          "  -graft-points  -path-list FILE  -m|-x|-exclude GLOB  -exclude-list FILE\n"
          "  -hidden PATH  -quiet  -v  -input-charset utf-8\n"
          "  -b FILE -c FILE --boot-catalog-hide -no-emul-boot -hard-disk-boot -boot-load-size N\n"
          "  -boot-load-seg N -boot-info-table -eltorito-alt-boot -e FILE\n"
          "  -eltorito-platform x86|efi|ppc|mac  -eltorito-id TEXT\n"
          "  -M IMAGE -C LAST,NEXT        a session image for write-once media\n"
          "  -isohybrid-mbr FILE          boot from a disk too (isohdpfx.bin; BIOS)\n"
          "  -isohybrid-gpt-basdat, -efi-boot-part --efi-boot-image\n"
          "                               a GPT whose ESP is the EFI boot image (UEFI)\n"
          "  -efi-boot-part FILE          FILE appended as the GPT's ESP\n"
          "  --grub2-mbr FILE  --grub2-boot-info   GRUB2's hybrid MBR and its address\n"
          "  -append_partition N TYPE FILE  -appended_part_as_gpt  -iso_mbr_part_type T\n"
          "  -e --interval:appended_partition_N:all::   boot the appended partition\n"
          "  --mbr-force-bootable  -G FILE             active MBR entry; system area bytes\n"
          "  -partition_offset 16         a second superblock: the ISO partition mounts alone\n"
          "  -isohybrid-apm-hfsplus       an Apple Partition Map over the EFI boot image\n"
          "  --protective-msdos-label     a DOS label: partition 1 over the ISO9660 data\n"
          "  --modification-date=YYYYMMDDhhmmsscc  -volume_date c|m|x|f|uuid DATE  -uuid DATE\n"
          "Names that only change ISO9660 identifiers (-N -d -L -U -allow-lowercase ...)\n"
          "are warned about; options mkimage cannot honour are named (exit 2).\n"
          "See mkimage(1), section MKISOFS DIALECT.\n",
          stdout);
}

static const struct mopt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opts[i].name) == len && !memcmp(opts[i].name, name, len))
            return &opts[i];
    return NULL;
}

/* Volume dates of -volume_date KIND and -uuid. */
static int vol_date(struct st *s, const char *kind, const char *date, const char *opt)
{
    int64_t ns;
    if (cli_parse_date17(date, &ns))
        return cli_usage_error("-as mkisofs: %s: '%s' is not YYYYMMDDhhmmsscc", opt, date);
    static const char *const map[][2] = {{"c", "creation"}, {"m", "modification"},
                                         {"x", "expiration"}, {"f", "effective"}};
    bool uuid = !strcmp(kind, "uuid");        /* creation and modification */
    for (size_t i = 0; i < 4; i++) {
        if (uuid ? i >= 2 : strcmp(kind, map[i][0]) != 0)
            continue;
        char v[64];
        snprintf(v, sizeof v, "%s=%s", map[i][1], date);
        if (push(s, "--volume-date") || push(s, v))
            return -1;
    }
    return EXIT_OK;
}

static bool is_utf8_name(const char *cs)
{
    return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8");
}

/* Take one option (args[0] its name as given, the rest its values). */
static int take(struct st *s, const struct mopt *o, const char *given, char **a)
{
    struct entry *e;
    switch (o->act) {
    case A_OUTPUT: s->output = a[0]; return EXIT_OK;
    case A_VOLID: return push(s, "-V") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_ID: {
        static const char *const flag[] = {
            [FSI_ID_SYSTEM] = "--system-id", [FSI_ID_VOLUME_SET] = "--volume-set",
            [FSI_ID_PUBLISHER] = "--publisher", [FSI_ID_PREPARER] = "--preparer",
            [FSI_ID_APPLICATION] = "--application-id",
            [FSI_ID_COPYRIGHT_FILE] = "--copyright-file",
            [FSI_ID_ABSTRACT_FILE] = "--abstract-file", [FSI_ID_BIBLIO_FILE] = "--biblio-file"};
        return push(s, flag[o->which]) || push(s, a[0]) ? -1 : EXIT_OK;
    }
    case A_ROCK: s->rock = true; return EXIT_OK;
    case A_RROCK: s->rock = s->rrock = true; return EXIT_OK;
    case A_NOROCK: s->norock = true; return EXIT_OK;
    case A_JOLIET: s->joliet = true; return EXIT_OK;
    case A_JOLIET_LONG: s->joliet_long = true; return EXIT_OK;
    case A_UDF: s->udf = true; return EXIT_OK;
    case A_LEVEL:
        if (strcmp(a[0], "1") && strcmp(a[0], "2") && strcmp(a[0], "3")) {
            if (!strcmp(a[0], "4"))
                return refuse(given, "level 4 (an ISO9660:1999 tree) is not written");
            return cli_usage_error("-as mkisofs: -iso-level: '%s' is not 1, 2 or 3", a[0]);
        }
        s->level = a[0][0] - '0';
        return EXIT_OK;
    case A_FULLNAMES: s->fullnames = true; return EXIT_OK;
    case A_NAMES: return warn(s, given, NAMES_WHY);
    case A_DEEP: s->deep = true; return EXIT_OK;
    case A_FOLLOW: return push(s, "--follow-links") ? -1 : EXIT_OK;
    case A_CACHE: return EXIT_OK;                  /* the default: one copy */
    case A_NOCACHE: return push(s, "--no-hardlinks") ? -1 : EXIT_OK;
    case A_GRAFT: s->graft = true; return EXIT_OK;
    case A_PATHLIST: return read_list(s, a[0], false);
    case A_EXCLUDE: return push(s, "--exclude") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_EXCLUDE_LIST: return read_list(s, a[0], true);
    case A_HIDE:
        /* The boot catalog stays out of every tree unless -c makes it
         * visible: hiding it is what mkimage does anyway. */
        if (s->hidden_catalog)
            return same_path(s->hidden_catalog, a[0]) ? EXIT_OK : refuse(given, HIDE_WHY);
        if (!(s->hidden_catalog = strdup(a[0])))
            return -1;
        return EXIT_OK;
    case A_HIDDEN:
        if (strpbrk(a[0], "*?["))
            return refuse(given, "takes an image path here, not a pattern");
        return push(s, "--hidden") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_LIMITED: return EXIT_OK;                /* level 3 writes big files whole */
    case A_CHARSET:
        if (!is_utf8_name(a[0]))
            return refuse(given, "names are taken byte for byte as UTF-8; only utf-8 is "
                                 "supported");
        return EXIT_OK;
    case A_QUIET: s->quiet = true; return EXIT_OK;
    case A_VERBOSE: s->verbose = true; return EXIT_OK;
    case A_PAD: return warn(s, given, "the image is not padded with 150 blocks");
    case A_NOPAD: return EXIT_OK;                  /* never padded */
    case A_BOOT_BIOS: return boot_file(s, a[0], NULL);
    case A_BOOT_EFI: return boot_file(s, a[0], "efi");
    case A_CATALOG: s->catalog = a[0]; return EXIT_OK;
    case A_NOEMUL: case A_HDBOOT: case A_LOADSIZE: case A_LOADSEG: case A_INFOTABLE:
    case A_BOOTID: case A_GRUB2INFO:
        if (!(e = entry_opts(s)))
            return -1;
        if (o->act == A_NOEMUL)
            e->emulation = "none";
        else if (o->act == A_HDBOOT)
            e->emulation = "hd";
        else if (o->act == A_LOADSIZE)
            e->sectors = a[0];
        else if (o->act == A_INFOTABLE)
            e->info_table = true;
        else if (o->act == A_GRUB2INFO)
            e->grub2_info = true;
        else if (o->act == A_BOOTID)
            e->id = a[0];
        else {
            /* mkisofs reads the segment as a number (0x for hex). */
            char *end;
            long v = strtol(a[0], &end, 0);
            if (!*a[0] || *end || v < 0 || v > 0xFFFF)
                return cli_usage_error("-as mkisofs: -boot-load-seg: '%s' is not a segment "
                                       "(0 to 0xFFFF)", a[0]);
            e->segment = v;
        }
        return EXIT_OK;
    case A_ALTBOOT: s->alt = true; return EXIT_OK;
    case A_PLATFORM:
        if (!strcasecmp(a[0], "x86") || !strcmp(a[0], "0") || !strcasecmp(a[0], "0x00"))
            s->next_platform = "bios";
        else if (!strcasecmp(a[0], "efi") || !strcasecmp(a[0], "0xef"))
            s->next_platform = "efi";
        else if (!strcasecmp(a[0], "ppc") || !strcasecmp(a[0], "0x01"))
            s->next_platform = "ppc";
        else if (!strcasecmp(a[0], "mac") || !strcasecmp(a[0], "0x02"))
            s->next_platform = "mac";
        else
            return refuse(given, "platforms are x86, efi, ppc and mac");
        return EXIT_OK;
    case A_PREV: s->prev = a[0]; return EXIT_OK;
    case A_MSINFO: s->msinfo = a[0]; return EXIT_OK;
    case A_MODDATE: return vol_date(s, "m", a[0], given);
    case A_VOLDATE:
        if (strcmp(a[0], "c") && strcmp(a[0], "m") && strcmp(a[0], "x") && strcmp(a[0], "f") &&
            strcmp(a[0], "uuid"))
            return refuse(given, "the kinds are c, m, x, f and uuid");
        return vol_date(s, a[0], a[1], given);
    case A_UUID: return vol_date(s, "uuid", a[0], given);
    case A_OWNER:
        if (strcmp(a[0], "0"))
            return refuse(given, "owners other than 0 (-r) are not supported");
        return push(s, "--normalize-owners") ? -1 : EXIT_OK;
    case A_MBR: return push(s, "--isohybrid-mbr") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_GRUB2MBR: return push(s, "--grub2-mbr") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_SYSAREA: return push(s, "--system-area") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_APPENDPART:
        if (a[0][0] >= '1' && a[0][0] <= '4' && !a[0][1])
            s->parts_used |= 1u << (a[0][0] - '0');
        return push(s, "--append-partition") || push(s, a[0]) || push(s, a[1]) ||
               push(s, a[2]) ? -1 : EXIT_OK;
    case A_APPENDGPT: return push(s, "--appended-gpt") ? -1 : EXIT_OK;
    case A_CATHIDE: s->catalog_hidden = true; return EXIT_OK;
    case A_PARTOFF: return push(s, "--partition-offset") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_MBRBOOT: return push(s, "--mbr-bootable") ? -1 : EXIT_OK;
    case A_ISOTYPE:
        if (!strcmp(a[0], "default"))
            return EXIT_OK;
        return push(s, "--iso-partition-type") || push(s, a[0]) ? -1 : EXIT_OK;
    case A_GPT:
        if (s->gpt)
            return EXIT_OK;
        s->gpt = true;
        if (warn(s, given, "the GPT holds one EFI System Partition over the EFI boot image "
                           "(a partition over the whole ISO would overlap it)"))
            return -1;
        return push(s, "--efi-partition") ? -1 : EXIT_OK;
    case A_APM:
        return push(s, "--apm") ? -1 : EXIT_OK;
    case A_MSDOS:
        return push(s, "--msdos-label") ? -1 : EXIT_OK;
    case A_EFIPART:
        if (strcmp(a[0], "--efi-boot-image")) {
            s->efi_part = a[0];
            return warn(s, given, "the EFI System Partition is appended after the ISO9660 "
                                  "data and listed in a GPT (xorriso puts it before the tree)")
                       ? -1 : EXIT_OK;
        }
        if (s->gpt)
            return EXIT_OK;
        s->gpt = true;
        return push(s, "--efi-partition") ? -1 : EXIT_OK;
    case A_HELP: help(); return -2;
    case A_VERSION:
        printf("mkimage -as mkisofs (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return -2;
    case A_WARN: return warn(s, given, o->why);
    case A_REFUSE: return refuse(given, o->why);
    }
    return EXIT_OK;
}

/* The create command line from everything taken. */
static int finish(struct st *s)
{
    char fs[32] = "iso9660";
    if (s->joliet)
        strcat(fs, ",joliet");
    if (s->udf)
        strcat(fs, ",udf");
    int level = s->level ? s->level : 1;
    if (s->fullnames && level < 2)
        level = 2;                    /* -l: 31-character names, level 2's */
    char lv[2] = {(char)('0' + level), 0};
    bool rock = s->rock && !s->norock;
    if (push(s, "--fs") || push(s, fs) || push(s, "--iso-level") || push(s, lv))
        return -1;
    if (s->joliet_long && s->joliet && push(s, "--joliet-long"))
        return -1;
    if (!rock && push(s, "--no-rock"))
        return -1;
    if (rock && s->rrock && push(s, "--normalize"))
        return -1;
    if (rock && !s->deep && push(s, "--relocate-deep"))
        return -1;
    if (s->quiet && push(s, "-q"))
        return -1;
    if (!s->quiet && s->verbose && push(s, "--progress"))
        return -1;
    if (s->msinfo && !s->prev)
        return cli_usage_error("-as mkisofs: -C needs -M (the image it continues)");
    if (s->prev) {
        const char *comma = s->msinfo ? strchr(s->msinfo, ',') : NULL;
        if (s->msinfo && !comma)
            return cli_usage_error("-as mkisofs: -C: '%s' is not LAST_START,NEXT_WRITABLE",
                                   s->msinfo);
        if (push(s, "--previous-session"))
            return -1;
        if (comma) {
            char at[64];
            snprintf(at, sizeof at, "@%.*s", (int)(comma - s->msinfo), s->msinfo);
            if (push2(s, s->prev, at) || push(s, "--next-writable-address") ||
                push(s, comma + 1))
                return -1;
        } else if (push(s, s->prev)) {
            return -1;
        }
    }
    if (s->efi_part) {
        /* The first free slot from 2, where xorriso's GPT has it. */
        unsigned k = 2;
        while (k <= 4 && (s->parts_used & (1u << k)))
            k++;
        if (k > 4 && !(s->parts_used & 2u))
            k = 1;
        if (k > 4)
            return cli_usage_error("-as mkisofs: -efi-boot-part: the four partition slots are "
                                   "taken by -append_partition");
        char num[2] = {(char)('0' + k), 0};
        if (push(s, "--append-partition") || push(s, num) || push(s, "0xef") ||
            push(s, s->efi_part) || push(s, "--appended-gpt"))
            return -1;
    }
    for (size_t i = 0; i < s->nent; i++) {
        if (!s->ent[i].file)
            return cli_usage_error("-as mkisofs: boot options without a boot file (-b or -e)");
        char *spec = entry_spec(&s->ent[i]);
        if (!spec || push(s, "--boot") || push(s, spec)) {
            free(spec);
            return -1;
        }
        free(spec);
    }
    if (s->catalog && !s->nent)
        return cli_usage_error("-as mkisofs: -c without a boot file (-b or -e)");
    if (s->hidden_catalog && !(s->catalog && same_path(s->hidden_catalog, s->catalog)))
        return refuse("-hide", HIDE_WHY);
    if (s->catalog && !s->hidden_catalog && !s->catalog_hidden) {
        const char *c = s->catalog;
        while (*c == '/')
            c++;
        if (push2(s, "--boot-catalog=/", c))
            return -1;
    }
    if (push(s, "-o") || push(s, s->output ? s->output : "-") || push(s, "--"))
        return -1;
    for (size_t i = 0; i < s->nsrc; i++) {
        char *spec = translate_spec(s, s->sources[i]);
        if (!spec || push(s, spec)) {
            free(spec);
            return -1;
        }
        free(spec);
    }
    return EXIT_OK;
}

int cmd_mkisofs(int argc, char **argv)
{
    struct st s;
    memset(&s, 0, sizeof s);
    int rc = EXIT_OK;
    if (push(&s, "create")) {
        rc = -1;
        goto done;
    }
    bool end = false;
    for (int i = 1; i < argc && rc == EXIT_OK; i++) {
        const char *arg = argv[i];
        if (end || arg[0] != '-' || !arg[1]) {
            char *c = strdup(arg);
            if (!c || add_source(&s, c)) {
                free(c);
                rc = -1;
            }
            continue;
        }
        if (!strcmp(arg, "--")) {
            end = true;
            continue;
        }
        /* -name, --name, and -name=value / --name=value for one value */
        const char *name = arg + 1 + (arg[1] == '-');
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct mopt *o = find_opt(name, len);
        if (!o) {
            rc = cli_usage_error("-as mkisofs: unknown option '%s'", arg);
            break;
        }
        char *vals[3] = {NULL, NULL, NULL};
        if (eq && o->nargs != 1) {
            rc = cli_usage_error("-as mkisofs: option '%.*s' takes %d values, not '='",
                                 (int)(eq - arg), arg, o->nargs);
            break;
        }
        if (eq) {
            vals[0] = (char *)eq + 1;
        } else {
            if (i + o->nargs >= argc) {
                rc = cli_usage_error("-as mkisofs: option '%s' needs %d value%s", arg, o->nargs,
                                     o->nargs > 1 ? "s" : "");
                break;
            }
            for (int k = 0; k < o->nargs; k++)
                vals[k] = argv[++i];
        }
        char given[128];
        snprintf(given, sizeof given, "%.*s", (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
        rc = take(&s, o, given, vals);
    }
    if (rc == EXIT_OK)
        rc = finish(&s);
    for (size_t i = 0; rc == EXIT_OK && !s.quiet && i < s.nwarn; i++) {
        fputs("mkimage: warning: ", stderr);
        cli_put_text(stderr, s.warnings[i], strlen(s.warnings[i]));
        fputc('\n', stderr);
    }
    if (rc == EXIT_OK)
        rc = cmd_create((int)s.n, s.av);
done:
    if (rc == -1)
        rc = cli_report(FSI_E_OUTOFMEMORY, NULL);
    else if (rc == -2)
        rc = EXIT_OK;                 /* -help, -version */
    for (size_t i = 0; i < s.n; i++)
        free(s.av[i]);
    free(s.av);
    for (size_t i = 0; i < s.nsrc; i++)
        free(s.sources[i]);
    free(s.sources);
    free(s.ent);
    free(s.hidden_catalog);
    for (size_t i = 0; i < s.nwarn; i++)
        free(s.warnings[i]);
    free(s.warnings);
    return rc;
}
