/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_create.c - `mkimage create`: build a tree from SOURCE arguments and
 * write the image to OUTPUT (output_target.c: atomically for a file, in
 * place for a device or FIFO, or to stdout with -o -); and `mkimage
 * append`: the same options and sources, over the tree of an image, as a
 * session appended to it in place (the library's fsi_result_append).
 */
#include "config.h"
#include "cli.h"
#include "progress.h"
#include "boot_spec.h"
#include "output_target.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* One table drives getopt_long and --help. */
enum {
    OPT_FS = 1000, OPT_ISO_LEVEL, OPT_UDF_REV, OPT_MAX_BLOCKS, OPT_MEDIA, OPT_STAGE,
    OPT_WORK_DIR, OPT_SYNC, OPT_NO_SYNC, OPT_STRICT,
    OPT_RESTRICTED, OPT_HIDDEN, OPT_PROGRESS, OPT_QUIET, OPT_HELP
};
/* Descriptor identifiers: OPT_ID + fsi_volume_id. */
enum { OPT_ID = 1200, OPT_JOLIET_LONG = OPT_ID + 100 };

/* Links, owners and modes (Rock Ridge and UDF). */
enum {
    OPT_FOLLOW_LINKS = 1100, OPT_NO_HARDLINKS, OPT_NORMALIZE, OPT_NORMALIZE_OWNERS,
    OPT_NORMALIZE_MODES
};
/* Rock Ridge in the ISO9660 view (on by default). */
enum { OPT_NO_ROCK = 1150, OPT_RELOCATE_DEEP };
/* Session images for write-once media (mkisofs -M / -C); append. */
enum { OPT_PREV_SESSION = 1160, OPT_NWA, OPT_REMOVE };
/* What the tree leaves out; the descriptors' dates. */
enum { OPT_EXCLUDE = 1170, OPT_VOLUME_DATE };
/* The system area. */
enum { OPT_ISOHYBRID_MBR = 1180, OPT_EFI_PARTITION, OPT_GRUB2_MBR, OPT_APPEND_PARTITION,
       OPT_APPENDED_GPT, OPT_APM, OPT_MSDOS_LABEL, OPT_ISO_PART_TYPE, OPT_MBR_BOOTABLE, OPT_SYSTEM_AREA,
       OPT_PART_OFFSET };

/* Which commands take an option: both, create only ('c'), append only. */
struct opt_doc {
    struct option opt;
    int short_name;
    const char *arg, *help;
    char only;
};

static const struct opt_doc options[] = {
    {{"output", required_argument, NULL, 'o'}, 'o', "OUTPUT", "image file, device or FIFO to write ('-' = stdout)", 'c'},
    {{"volume-name", required_argument, NULL, 'V'}, 'V', "NAME", "volume name (at most 32 characters)", 0},
    {{"system-id", required_argument, NULL, OPT_ID + FSI_ID_SYSTEM}, 0, "TEXT", "system identifier (32 characters; default LINUX)", 0},
    {{"volume-set", required_argument, NULL, OPT_ID + FSI_ID_VOLUME_SET}, 0, "TEXT", "volume set identifier (128 characters)", 0},
    {{"publisher", required_argument, NULL, OPT_ID + FSI_ID_PUBLISHER}, 0, "TEXT", "publisher identifier (128 characters)", 0},
    {{"preparer", required_argument, NULL, OPT_ID + FSI_ID_PREPARER}, 0, "TEXT", "data preparer identifier (128 characters)", 0},
    {{"application-id", required_argument, NULL, OPT_ID + FSI_ID_APPLICATION}, 0, "TEXT", "application identifier (128 characters; default LIBFSI " PACKAGE_VERSION ")", 0},
    {{"copyright-file", required_argument, NULL, OPT_ID + FSI_ID_COPYRIGHT_FILE}, 0, "NAME", "copyright file identifier (37 characters)", 0},
    {{"abstract-file", required_argument, NULL, OPT_ID + FSI_ID_ABSTRACT_FILE}, 0, "NAME", "abstract file identifier (37 characters)", 0},
    {{"biblio-file", required_argument, NULL, OPT_ID + FSI_ID_BIBLIO_FILE}, 0, "NAME", "bibliographic file identifier (37 characters)", 0},
    {{"fs", required_argument, NULL, OPT_FS}, 0, "LIST", "file systems: iso9660,joliet,udf (default all)", 0},
    {{"iso-level", required_argument, NULL, OPT_ISO_LEVEL}, 0, "1|2|3", "ISO9660 interchange level (default 3)", 0},
    {{"joliet-long", no_argument, NULL, OPT_JOLIET_LONG}, 0, NULL, "Joliet names up to 103 characters (default 64)", 0},
    {{"udf-revision", required_argument, NULL, OPT_UDF_REV}, 0, "REV", "1.02|1.50|2.00|2.01|2.50|2.60 (default 1.02)", 0},
    {{"media", required_argument, NULL, OPT_MEDIA}, 0, "KIND", "cd|dvd|dvd-dl|bd|bd-dl|bd-xl: size limit and file systems", 0},
    {{"max-blocks", required_argument, NULL, OPT_MAX_BLOCKS}, 0, "N", "size limit in 2048-byte blocks (0 = none)", 0},
    {{"stage", no_argument, NULL, OPT_STAGE}, 0, NULL, "copy file data into a stash file as it is added", 0},
    {{"work-dir", required_argument, NULL, OPT_WORK_DIR}, 0, "DIR", "where the stash file goes (default $TMPDIR or /tmp)", 0},
    {{"strict", no_argument, NULL, OPT_STRICT}, 0, NULL, "strict file-system compliance", 0},
    {{"restricted-charset", no_argument, NULL, OPT_RESTRICTED}, 0, NULL, "allow only ASCII 32-126 in names", 0},
    {{"follow-links", no_argument, NULL, OPT_FOLLOW_LINKS}, 0, NULL, "store what symlinks lead to (default: keep them as links)", 0},
    {{"no-hardlinks", no_argument, NULL, OPT_NO_HARDLINKS}, 0, NULL, "store hard-linked files apart (default: one copy)", 0},
    {{"normalize", no_argument, NULL, OPT_NORMALIZE}, 0, NULL, "owners 0 and modes for distribution (as mkisofs -r)", 0},
    {{"normalize-owners", no_argument, NULL, OPT_NORMALIZE_OWNERS}, 0, NULL, "owner and group 0 in Rock Ridge and UDF", 0},
    {{"normalize-modes", no_argument, NULL, OPT_NORMALIZE_MODES}, 0, NULL, "readable by all, no write or set-id bits", 0},
    {{"no-rock", no_argument, NULL, OPT_NO_ROCK}, 0, NULL, "plain ISO9660 view: no Rock Ridge (symlinks, devices left out)", 0},
    {{"relocate-deep", no_argument, NULL, OPT_RELOCATE_DEEP}, 0, NULL, "move directories too deep for ISO9660 into rr_moved (Rock Ridge shows them in place)", 0},
    {{"previous-session", required_argument, NULL, OPT_PREV_SESSION}, 0, "IMAGE[@START]", "write a session image continuing IMAGE's last session (or the one at block START)", 'c'},
    {{"next-writable-address", required_argument, NULL, OPT_NWA}, 0, "NWA", "block the session image goes to (default: the end of IMAGE)", 'c'},
    {{"remove", required_argument, NULL, OPT_REMOVE}, 0, "IMAGE/PATH", "leave this item of the image (a directory with all below) out of the new session (repeatable)", 'a'},
    {{"hidden", required_argument, NULL, OPT_HIDDEN}, 0, "IMAGE/PATH", "mark an item hidden (repeatable)", 0},
    {{"exclude", required_argument, NULL, OPT_EXCLUDE}, 0, "PATTERN", "leave out host files whose name or path matches (repeatable; as mkisofs -m)", 0},
    {{"volume-date", required_argument, NULL, OPT_VOLUME_DATE}, 0, "KIND=DATE", "ISO9660/Joliet date: KIND creation|modification|expiration|effective, DATE YYYYMMDDhhmmsscc (UTC) or none", 'c'},
    {{"boot", required_argument, NULL, OPT_BOOT}, 0, "SPEC", "El Torito boot entry (repeatable; see mkimage(1))", 0},
    {{"boot-catalog", required_argument, NULL, OPT_BOOT_CATALOG}, 0, "IMAGE/PATH", "make the boot catalog visible there", 0},
    {{"isohybrid-mbr", required_argument, NULL, OPT_ISOHYBRID_MBR}, 0, "FILE", "MBR code (isohdpfx.bin) so that the image boots from a disk too (BIOS)", 'c'},
    {{"efi-partition", no_argument, NULL, OPT_EFI_PARTITION}, 0, NULL, "a GPT whose EFI System Partition is the EFI boot image: boots from a disk under UEFI", 'c'},
    {{"grub2-mbr", required_argument, NULL, OPT_GRUB2_MBR}, 0, "FILE", "GRUB2's hybrid MBR (boot_hybrid.img) instead of isolinux's", 'c'},
    {{"append-partition", required_argument, NULL, OPT_APPEND_PARTITION}, 0, "N TYPE FILE", "append FILE after the image as partition N (1-4) of TYPE (0xef, a GUID...; repeatable)", 'c'},
    {{"appended-gpt", no_argument, NULL, OPT_APPENDED_GPT}, 0, NULL, "list appended partitions and the ISO9660 data in a GPT (protective MBR)", 'c'},
    {{"iso-partition-type", required_argument, NULL, OPT_ISO_PART_TYPE}, 0, "TYPE", "partition type of the ISO9660 data's own entry (default 0x17 / Basic Data)", 'c'},
    {{"apm", no_argument, NULL, OPT_APM}, 0, NULL, "an Apple Partition Map listing the EFI boot image (Intel Macs boot it from a disk)", 'c'},
    {{"msdos-label", no_argument, NULL, OPT_MSDOS_LABEL}, 0, NULL, "a plain DOS label: partition 1 (active, 0xcd) over the ISO9660 data from sector 1", 'c'},
    {{"mbr-bootable", no_argument, NULL, OPT_MBR_BOOTABLE}, 0, NULL, "make sure the MBR has an active partition (some BIOSes need one)", 'c'},
    {{"partition-offset", required_argument, NULL, OPT_PART_OFFSET}, 0, "BLOCKS", "a second superblock and tree for a partition from BLOCKS (16), so that it mounts alone", 'c'},
    {{"system-area", required_argument, NULL, OPT_SYSTEM_AREA}, 0, "FILE", "the image's first 32 KiB from FILE (an MBR or GPT asked for goes over it)", 'c'},
    {{"sync", no_argument, NULL, OPT_SYNC}, 0, NULL, "wait for the image to reach the disk before naming it", 'c'},
    {{"no-sync", no_argument, NULL, OPT_NO_SYNC}, 0, NULL, "do not wait for the disk (the default)", 'c'},
    {{"progress", no_argument, NULL, OPT_PROGRESS}, 0, NULL, "print progress lines", 0},
    {{"quiet", no_argument, NULL, OPT_QUIET}, 'q', NULL, "print nothing but errors", 0},
    {{"help", no_argument, NULL, OPT_HELP}, 'h', NULL, "show this help", 0},
};
#define NOPTIONS (sizeof options / sizeof options[0])

static void create_usage(FILE *f, bool append)
{
    if (append)
        fputs("Usage: mkimage append [OPTIONS] IMAGE [SOURCE...]\n"
              "Add a session to IMAGE (an image file or a block device) in place: its tree\n"
              "with the SOURCEs added over it (a source replaces an item of its path) and\n"
              "the --remove items left out.  Old files keep their blocks, and only the\n"
              "directories on the way to a change are written again.  Crash-safe: until\n"
              "the new session is complete the image reads as before, and earlier sessions\n"
              "stay readable (mkimage ls --session N).  SOURCE as for create.\n\n",
              f);
    else
        fputs("Usage: mkimage create [OPTIONS] -o OUTPUT SOURCE...\n"
              "Make an image from SOURCEs: a host directory (its contents go to the image\n"
              "root), a host file (to the root), or IMAGE/PATH=HOST/PATH (graft point).\n\n",
              f);
    for (size_t i = 0; i < NOPTIONS; i++) {
        char left[64];
        const struct opt_doc *o = &options[i];
        if (o->only && o->only != (append ? 'a' : 'c'))
            continue;
        int n = o->short_name ? snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->opt.name)
                              : snprintf(left, sizeof left, "    --%s", o->opt.name);
        if (o->arg)
            snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
        fprintf(f, "  %-30s %s\n", left, o->help);
    }
}

/* ---- signals ---- */

static volatile sig_atomic_t writing;

/* While the image is written, a signal asks the progress callback to
 * cancel (the write then fails and is cleaned up normally).  Before that
 * there is nothing to clean but a named temporary, if any. */
static void on_signal(int sig)
{
    if (writing) {
        progress_cancel = 1;
        return;
    }
    out_signal_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_signals(void)
{
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
    /* A closed reader of -o - is a write error (EPIPE), not a kill; a
     * file size limit (ulimit -f) is a write error (EFBIG), not a kill. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
}

/* ---- what add_tree leaves out ---- */

struct notices {
    char *output_met;         /* host path where the output was met in a source tree */
};

static void on_notice(void *ctx, fsi_hresult code, const char *host_path, const char *message)
{
    struct notices *n = ctx;
    if (code == FSI_S_OK) {   /* the only exclusion is the output */
        if (!n->output_met)
            n->output_met = strdup(host_path);
        return;
    }
    cli_report(code, message);
}

/* The output was met inside a source tree.  An image there (the last
 * run's) is left out and replaced; anything else is a source file the
 * user would lose: refused. */
static int output_in_tree(const struct out_target *t, const char *host, bool quiet)
{
    fsi_disc *d = NULL;
    unsigned fs = 0;
    if (FSI_SUCCEEDED(fsi_disc_open(t->path, &d)))
        fsi_disc_identify(d, &fs);
    fsi_disc_free(d);
    char msg[2 * PATH_MAX + 200];
    int rc;
    if (fs) {
        snprintf(msg, sizeof msg, "'%s' left out of the image: it is the output '%s', which "
                 "this run replaces", host, t->given);
        if (!quiet) {
            fputs("mkimage: warning: ", stderr);
            cli_put_text(stderr, msg, strlen(msg));
            fputc('\n', stderr);
        }
        rc = EXIT_OK;
    } else {
        snprintf(msg, sizeof msg, "the output '%s' is a source file ('%s') and not an image: "
                 "refusing to overwrite it", t->given, host);
        rc = cli_report(IMAPI_E_INVALID_PARAM, msg);
    }
    return rc;
}

/* ---- sources ---- */

/* Create every directory of an image path that does not exist yet. */
static fsi_hresult make_parents(fsi_image *img, const char *path, bool include_last)
{
    char *p = strdup(path);
    if (!p)
        return FSI_E_OUTOFMEMORY;
    fsi_hresult hr = FSI_S_OK;
    size_t len = strlen(p);
    for (size_t i = 1; i <= len && FSI_SUCCEEDED(hr); i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        if (p[i] == '\0' && !include_last)
            break;
        char save = p[i];
        p[i] = '\0';
        fsi_item_type t;
        hr = fsi_exists(img, p, &t);
        if (FSI_SUCCEEDED(hr) && t == FSI_ITEM_NOT_FOUND)
            hr = fsi_add_dir(img, p);
        p[i] = save;
    }
    free(p);
    return hr;
}

/* Split "IMAGE/PATH=HOST/PATH" at the first '=' not escaped by '\'.
 * Returns false if there is none (a plain SOURCE). */
static bool split_graft(const char *arg, char **image, char **host)
{
    for (const char *p = arg; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '=') {
            size_t n = (size_t)(p - arg);
            char *img = malloc(n + 2), *o = img;
            if (!img)
                return false;
            if (arg[0] != '/')
                *o++ = '/';
            for (const char *q = arg; q < p; q++) {
                if (*q == '\\' && q + 1 < p)
                    q++;
                *o++ = *q;
            }
            *o = '\0';
            *image = img;
            *host = strdup(p + 1);
            return *host != NULL;
        }
    }
    return false;
}

static const char *base_name(const char *path, char *buf, size_t size)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    snprintf(buf, size, "%.*s", (int)(len - start), path + start);
    return buf;
}

static fsi_hresult add_source(fsi_image *img, const char *arg, const struct out_target *out)
{
    char *image = NULL, *host = NULL;
    bool graft = split_graft(arg, &image, &host);
    const char *hp = graft ? host : arg;
    struct stat st;
    fsi_hresult hr;
    if (out_is(out, hp)) {
        /* Writing would destroy what is read. */
        char msg[2 * PATH_MAX + 64];
        snprintf(msg, sizeof msg, "the output '%s' is the source '%s': refusing to overwrite it",
                 out->given, hp);
        free(image);
        free(host);
        cli_report(IMAPI_E_INVALID_PARAM, msg);
        return IMAPI_E_INVALID_PARAM;
    }
    if (stat(hp, &st) != 0) {
        int e = errno;
        char why[PATH_MAX + 256];
        const char *ins[1] = {hp};
        size_t n = fsi_error_format(IMAPI_E_DATA_STREAM_CREATE_FAILURE, why, sizeof why, ins, 1);
        struct stat lst;
        if (n > 0 && n < sizeof why && why[n - 1] == '.')
            n--;                      /* the reason follows the sentence */
        if (n < sizeof why)
            snprintf(why + n, sizeof why - n, ": %s",
                     lstat(hp, &lst) == 0 && S_ISLNK(lst.st_mode) ? "dangling symbolic link"
                                                                   : strerror(e));
        free(image);
        free(host);
        return cli_report(IMAPI_E_DATA_STREAM_CREATE_FAILURE, why), IMAPI_E_DATA_STREAM_CREATE_FAILURE;
    }
    if (S_ISDIR(st.st_mode)) {
        const char *dst = graft ? image : "/";
        hr = make_parents(img, dst, true);
        if (FSI_SUCCEEDED(hr))
            hr = fsi_add_tree(img, dst, hp, false);
    } else {
        char name[PATH_MAX], path[PATH_MAX + 2];
        if (graft) {
            snprintf(path, sizeof path, "%s", image);
            hr = make_parents(img, path, false);
        } else {
            snprintf(path, sizeof path, "/%s", base_name(hp, name, sizeof name));
            hr = FSI_S_OK;
        }
        if (FSI_SUCCEEDED(hr))
            hr = fsi_add_file(img, path, hp);
    }
    free(image);
    free(host);
    if (FSI_FAILED(hr))
        cli_report_image(img, hr);
    return hr;
}

/* ---- option values ---- */

static int parse_fs(const char *s, unsigned *out)
{
    unsigned fs = 0;
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return -2;                    /* out of memory, not a bad list */
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcasecmp(t, "iso9660") || !strcasecmp(t, "iso"))
            fs |= FSI_FS_ISO9660;
        else if (!strcasecmp(t, "joliet"))
            fs |= FSI_FS_JOLIET;
        else if (!strcasecmp(t, "udf"))
            fs |= FSI_FS_UDF;
        else {
            free(copy);
            return -1;
        }
    }
    free(copy);
    *out = fs;
    return fs ? 0 : -1;
}

static int parse_udf_rev(const char *s)
{
    static const struct { const char *name; int rev; } revs[] = {
        {"1.02", 0x102}, {"1.50", 0x150}, {"2.00", 0x200},
        {"2.01", 0x201}, {"2.50", 0x250}, {"2.60", 0x260},
    };
    for (size_t i = 0; i < sizeof revs / sizeof revs[0]; i++)
        if (!strcmp(s, revs[i].name))
            return revs[i].rev;
    return -1;
}

int cli_parse_date17(const char *s, int64_t *ns)
{
    if (!strcmp(s, "none")) {
        *ns = FSI_DATE_NONE;
        return 0;
    }
    size_t n = strlen(s);
    if ((n != 14 && n != 16) || strspn(s, "0123456789") != n)
        return -1;
    int f[7] = {0};
    static const int width[7] = {4, 2, 2, 2, 2, 2, 2};
    for (int i = 0, at = 0; i < 7 && (size_t)at < n; at += width[i], i++)
        for (int k = 0; k < width[i]; k++)
            f[i] = f[i] * 10 + (s[at + k] - '0');
    if (f[0] < 1 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
        f[4] > 59 || f[5] > 59)
        return -1;
    struct tm tm = {.tm_year = f[0] - 1900, .tm_mon = f[1] - 1, .tm_mday = f[2],
                    .tm_hour = f[3], .tm_min = f[4], .tm_sec = f[5]};
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse such dates. */
    if (tm.tm_mday != f[2] || t < (time_t)(INT64_MIN / 1000000000 + 1) ||
        t > (time_t)(INT64_MAX / 1000000000 - 1))
        return -1;
    *ns = (int64_t)t * 1000000000 + (int64_t)f[6] * 10000000;
    return 0;
}

/* --isohybrid-mbr FILE and the like: up to max bytes of it into buf
 * (the library says when the size is wrong); -1 after reporting a read
 * failure. */
static int read_mbr(const char *opt, const char *file, uint8_t *buf, size_t max, size_t *len)
{
    FILE *f = fopen(file, "rb");
    size_t n = f ? fread(buf, 1, max, f) : 0;
    if (!f || ferror(f)) {
        char msg[PATH_MAX + 128];
        snprintf(msg, sizeof msg, "%s: cannot read '%s': %s", opt, file, strerror(errno));
        if (f)
            fclose(f);
        cli_report(IMAPI_E_INVALID_PARAM, msg);
        return -1;
    }
    fclose(f);
    *len = n;
    return 0;
}

/* --volume-date KIND=DATE: 0, or -1 (a usage error to print). */
static int parse_volume_date(const char *arg, int *kind, int64_t *ns)
{
    static const char *const kinds[] = {"creation", "modification", "expiration", "effective"};
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    *kind = -1;
    for (int i = 0; i < 4; i++)
        if (strlen(kinds[i]) == (size_t)(eq - arg) && !strncmp(arg, kinds[i], (size_t)(eq - arg)))
            *kind = i;
    if (*kind < 0)
        return -1;
    return cli_parse_date17(eq + 1, ns);
}

/* ---- the command ---- */

struct create_opts {
    const char *output;
    const char *volume;
    unsigned fs;
    bool fs_set;
    int iso_level;
    int udf_rev;
    int media;                  /* fsi_media, -1 if none */
    uint64_t max_blocks;
    bool max_set;
    bool strict, restricted, quiet, progress, stage, sync;
    const char *work_dir;
    const char **hidden;
    size_t nhidden;
    bool follow_links, no_hardlinks;
    unsigned normalize;         /* FSI_NORMALIZE_* */
    bool no_rock;               /* --no-rock */
    bool relocate_deep;         /* --relocate-deep */
    const char *prev_session;   /* --previous-session */
    uint64_t nwa;               /* --next-writable-address */
    bool nwa_set;
    const char **remove;        /* append --remove */
    size_t nremove;
    struct boot_opts boot;      /* --boot, --boot-catalog (boot_spec.c) */
    const char **exclude;       /* --exclude */
    size_t nexclude;
    uint8_t mbr[513];           /* --isohybrid-mbr, --grub2-mbr */
    size_t mbr_len;             /* 0: none */
    bool grub2_mbr;
    bool efi_partition;         /* --efi-partition */
    struct { unsigned n; const char *type, *file; } parts[8];   /* --append-partition */
    size_t nparts;
    bool appended_gpt, mbr_bootable, apm, msdos_label;
    const char *iso_part_type;
    long part_offset;           /* --partition-offset, -1: not given */
    uint8_t *sysarea;           /* --system-area */
    size_t sysarea_len;
    int64_t dates[FSI_VOLUME_EFFECTIVE + 1];   /* --volume-date */
    bool date_set[FSI_VOLUME_EFFECTIVE + 1];
    const char *ids[FSI_ID_BIBLIO_FILE + 1];   /* --system-id ... --biblio-file */
    bool joliet_long;
};

/* The session of d starting at block `start` becomes the one read. */
static int pick_session(fsi_disc *d, uint64_t start)
{
    uint64_t starts[256];
    size_t n = 0;
    fsi_hresult hr = fsi_disc_sessions(d, starts, 256, &n);
    if (FSI_FAILED(hr))
        return cli_report_disc(d, hr);
    char list[256 * 12] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && i < 256; i++) {
        if (starts[i] == start) {
            hr = fsi_disc_set_session(d, i + 1);
            return FSI_FAILED(hr) ? cli_report_disc(d, hr) : EXIT_OK;
        }
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%llu", i ? " " : "",
                                (unsigned long long)starts[i]);
        if (len >= sizeof list)
            len = sizeof list - 1;
    }
    char msg[sizeof list + 128];
    snprintf(msg, sizeof msg, "--previous-session: no session of the image starts at block %llu "
             "(its sessions start at %s)", (unsigned long long)start, list);
    return cli_report(IMAPI_E_BAD_MULTISESSION_PARAMETER, msg);
}

/* Without --udf-revision a session has the UDF revision of the disc. */
static fsi_hresult same_udf_revision(fsi_image *img, const struct create_opts *o, fsi_disc *d)
{
    fsi_volume_info vol;
    if (o->udf_rev || FSI_FAILED(fsi_disc_volume_info(d, FSI_FS_UDF, &vol)))
        return FSI_S_OK;        /* none there: the session's checks say so */
    return fsi_image_set_udf_revision(img, vol.level);
}

/* --previous-session, --next-writable-address: import the previous
 * session's tree (after the sources, which win over it) and make the
 * result a session image.  *prev gets the disc, to free after the image. */
static int previous_session(fsi_image *img, const struct create_opts *o, fsi_disc **prev)
{
    fsi_hresult hr;
    if (!o->prev_session) {
        return cli_report(IMAPI_E_MULTISESSION_NOT_SET,
                          "--next-writable-address needs --previous-session IMAGE");
    }
    /* IMAGE@START: the session starting at block START (mkisofs -C's
     * first number), when no file has the whole name. */
    char *path = strdup(o->prev_session);
    if (!path)
        return cli_report(FSI_E_OUTOFMEMORY, NULL);
    char *at = strrchr(path, '@'), *end = NULL;
    uint64_t start = 0;
    struct stat st;
    bool by_start = false;
    if (at && at[1] && stat(path, &st) != 0) {
        errno = 0;
        start = strtoull(at + 1, &end, 0);
        if (!errno && !*end && at[1] != '-') {
            *at = '\0';
            by_start = true;
        }
    }
    int rc = cli_open_disc(path, prev);
    free(path);
    if (rc != EXIT_OK)
        return rc;
    if (by_start && (rc = pick_session(*prev, start)) != EXIT_OK)
        return rc;
    uint64_t nwa = o->nwa_set ? o->nwa : (fsi_disc_size(*prev) + 2047) / 2048;
    unsigned have = 0;
    hr = FSI_S_OK;
    /* Without --fs the session has the file systems the disc has (set
     * first: a size limit counts them as the tree grows). */
    if (!o->fs_set && FSI_SUCCEEDED(fsi_disc_identify(*prev, &have)) && have)
        hr = fsi_image_set_file_systems(img, have);
    if (FSI_SUCCEEDED(hr))
        hr = same_udf_revision(img, o, *prev);
    if (FSI_SUCCEEDED(hr))
        hr = fsi_image_set_multisession(img, *prev, nwa);
    if (FSI_SUCCEEDED(hr))
        hr = fsi_import(img, *prev, FSI_FS_NONE, 0, NULL);
    /* The disc keeps its label (blkid, by-label links) unless -V says. */
    const char *label = fsi_image_get_imported_volume_name(img);
    if (FSI_SUCCEEDED(hr) && !o->volume && label && *label)
        hr = fsi_image_set_volume_name(img, label);
    return FSI_FAILED(hr) ? cli_report_image(img, hr) : EXIT_OK;
}

static int write_image(fsi_image *img, const struct create_opts *o, struct out_target *out)
{
    fsi_result *res = NULL;
    fsi_hresult hr = fsi_create_result(img, &res);
    if (FSI_FAILED(hr))
        return cli_report_image(img, hr);
    if (hr != FSI_S_OK && !o->quiet)    /* what a view left out */
        cli_report_image(img, hr);
    uint64_t blocks = fsi_result_total_blocks(res) - fsi_result_first_block(res);
    int rc = out_open(out, blocks * 2048u);
    if (rc != EXIT_OK) {
        fsi_result_free(res);
        return rc;
    }
    struct progress prog;
    progress_start(&prog, o->quiet ? PROGRESS_NONE : o->progress ? PROGRESS_LINES : PROGRESS_AUTO);
    fsi_result_set_progress(res, progress_update, &prog);
    uint64_t written = 0;
    writing = 1;
    hr = fsi_result_write_fd(res, out->fd, &written);
    writing = 0;
    progress_end(&prog);
    if (FSI_FAILED(hr))
        rc = cli_report_image(img, hr);
    else
        rc = out_commit(out, o->sync);   /* --sync: on disk before it gets its name */
    if (rc == EXIT_OK && !o->quiet && out->kind != OUT_STDOUT) {
        fputs("mkimage: wrote '", stderr);
        cli_put_text(stderr, out->given, strlen(out->given));
        fprintf(stderr, "': %llu blocks (%llu bytes)\n",
                (unsigned long long)blocks, (unsigned long long)written);
        if (fsi_result_first_block(res))
            fprintf(stderr, "mkimage: a session image: write it at block %llu (byte %llu); "
                    "the disc then has %llu blocks\n",
                    (unsigned long long)fsi_result_first_block(res),
                    (unsigned long long)fsi_result_first_block(res) * 2048u,
                    (unsigned long long)fsi_result_total_blocks(res));
    }
    fsi_result_free(res);
    return rc;
}

/* ---- append ---- */

/* The image to append to, opened for writing and locked (a second
 * append waits, then continues what the first made).  EXIT_OK and *fd,
 * or the failure reported. */
static int append_open(struct out_target *t, int *fd)
{
    char msg[PATH_MAX + 200];
    *fd = -1;
    if (!t->exists) {
        snprintf(msg, sizeof msg, "cannot open '%s': %s", t->given, strerror(ENOENT));
        return cli_report(IMAPI_E_IMPORT_READ_FAILURE, msg);
    }
    if (t->kind != OUT_FILE && t->kind != OUT_BLOCK) {
        snprintf(msg, sizeof msg, "'%s' is not an image file or a block device: a session is "
                 "appended in place only there (for write-once media: create "
                 "--previous-session)", t->given);
        return cli_report(IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED, msg);
    }
    int f = open(t->path, O_RDWR | O_CLOEXEC);
    if (f < 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "'%s' cannot be opened for writing: %s", t->given, strerror(e));
        return cli_report(e == EACCES || e == EROFS || e == EPERM || e == ETXTBSY
                              ? IMAPI_E_IMPORT_MEDIA_NOT_ALLOWED : IMAPI_E_IMPORT_READ_FAILURE,
                          msg);
    }
    while (flock(f, LOCK_EX) != 0 && errno == EINTR)
        ;
    *fd = f;
    return EXIT_OK;
}

/* Import the image's tree (sources added before win; --remove items left
 * out) and set the image up to append to it. */
static int append_setup(fsi_image *img, const struct create_opts *o, const char *path,
                        fsi_disc **disc)
{
    int rc = cli_open_disc(path, disc);
    if (rc != EXIT_OK)
        return rc;
    unsigned have = 0;
    fsi_hresult hr = FSI_S_OK;
    /* Without --fs the session has the file systems the image has (set
     * first: a size limit counts them as the tree grows). */
    if (!o->fs_set && FSI_SUCCEEDED(fsi_disc_identify(*disc, &have)) && have)
        hr = fsi_image_set_file_systems(img, have);
    if (FSI_SUCCEEDED(hr))
        hr = same_udf_revision(img, o, *disc);
    if (FSI_SUCCEEDED(hr))
        hr = fsi_image_set_append(img, *disc);
    for (size_t i = 0; FSI_SUCCEEDED(hr) && i < o->nremove; i++)
        hr = fsi_import_exclude(img, o->remove[i]);
    if (FSI_SUCCEEDED(hr))
        hr = fsi_import(img, *disc, FSI_FS_NONE, 0, NULL);
    const char *label = fsi_image_get_imported_volume_name(img);
    if (FSI_SUCCEEDED(hr) && !o->volume && label && *label)
        hr = fsi_image_set_volume_name(img, label);
    return FSI_FAILED(hr) ? cli_report_image(img, hr) : EXIT_OK;
}

static int append_write(fsi_image *img, const struct create_opts *o, const struct out_target *t,
                        int fd)
{
    fsi_result *res = NULL;
    fsi_hresult hr = fsi_create_result(img, &res);
    if (FSI_FAILED(hr))
        return cli_report_image(img, hr);
    if (hr != FSI_S_OK && !o->quiet)
        cli_report_image(img, hr);
    struct progress prog;
    progress_start(&prog, o->quiet ? PROGRESS_NONE : o->progress ? PROGRESS_LINES : PROGRESS_AUTO);
    fsi_result_set_progress(res, progress_update, &prog);
    uint64_t written = 0;
    writing = 1;
    hr = fsi_result_append(res, fd, &written);
    writing = 0;
    progress_end(&prog);
    int rc = FSI_FAILED(hr) ? cli_report_image(img, hr) : EXIT_OK;
    if (rc == EXIT_OK && !o->quiet) {
        size_t n = 0;
        fsi_disc *d = NULL;
        if (FSI_SUCCEEDED(fsi_disc_open(t->path, &d)))
            fsi_disc_sessions(d, NULL, 0, &n);
        fsi_disc_free(d);
        fputs("mkimage: appended session ", stderr);
        if (n)
            fprintf(stderr, "%zu ", n);
        fputs("to '", stderr);
        cli_put_text(stderr, t->given, strlen(t->given));
        fprintf(stderr, "' at block %llu: %llu blocks (%llu bytes); the image has %llu blocks\n",
                (unsigned long long)fsi_result_first_block(res),
                (unsigned long long)(fsi_result_total_blocks(res) - fsi_result_first_block(res)),
                (unsigned long long)written, (unsigned long long)fsi_result_total_blocks(res));
    }
    fsi_result_free(res);
    return rc;
}

static int run(int argc, char **argv, bool append)
{
    struct create_opts o = {.iso_level = 0, .udf_rev = 0, .media = -1, .part_offset = -1};
    struct option longopts[NOPTIONS + 1];
    char shortopts[32] = "+";
    size_t ns = 1;
    for (size_t i = 0; i < NOPTIONS; i++) {
        longopts[i] = options[i].opt;
        if (options[i].short_name) {
            shortopts[ns++] = (char)options[i].short_name;
            if (options[i].opt.has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = '\0';
    memset(&longopts[NOPTIONS], 0, sizeof longopts[NOPTIONS]);
    o.hidden = calloc((size_t)argc + 1, sizeof *o.hidden);
    o.remove = calloc((size_t)argc + 1, sizeof *o.remove);
    o.exclude = calloc((size_t)argc + 1, sizeof *o.exclude);
    if (!o.hidden || !o.remove || !o.exclude) {
        free(o.hidden);
        free(o.remove);
        free(o.exclude);
        return cli_report(FSI_E_OUTOFMEMORY, NULL);
    }

    int c, rc = EXIT_OK;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        char *end;
        for (size_t i = 0; i < NOPTIONS; i++)
            if (options[i].opt.val == c && options[i].only &&
                options[i].only != (append ? 'a' : 'c')) {
                rc = cli_usage_error("%s: option '--%s' is for %s only",
                                     append ? "append" : "create", options[i].opt.name,
                                     append ? "create" : "append");
                goto out;
            }
        switch (c) {
        case 'o': o.output = optarg; break;
        case 'V': o.volume = optarg; break;
        case OPT_FS:
            if ((rc = parse_fs(optarg, &o.fs)) != 0) {
                rc = rc == -2 ? cli_report(FSI_E_OUTOFMEMORY, NULL)
                              : cli_usage_error("--fs: '%s' is not a list of iso9660, joliet, udf",
                                                optarg);
                goto out;
            }
            o.fs_set = true;
            break;
        case OPT_ISO_LEVEL:
            if (strcmp(optarg, "1") && strcmp(optarg, "2") && strcmp(optarg, "3")) {
                rc = cli_usage_error("--iso-level: '%s' is not 1, 2 or 3", optarg);
                goto out;
            }
            o.iso_level = optarg[0] - '0';
            break;
        case OPT_UDF_REV:
            if ((o.udf_rev = parse_udf_rev(optarg)) < 0) {
                rc = cli_usage_error("--udf-revision: '%s' is not one of 1.02 1.50 2.00 2.01 2.50 2.60",
                                     optarg);
                goto out;
            }
            break;
        case OPT_MAX_BLOCKS:
            errno = 0;
            o.max_blocks = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-') {
                rc = cli_usage_error("--max-blocks: '%s' is not a block count", optarg);
                goto out;
            }
            o.max_set = true;
            break;
        case OPT_MEDIA:
            if ((o.media = fsi_media_from_name(optarg)) < 0) {
                rc = cli_usage_error("--media: '%s' is not one of cd dvd dvd-dl bd bd-dl bd-xl",
                                     optarg);
                goto out;
            }
            break;
        case OPT_STAGE: o.stage = true; break;
        case OPT_SYNC: o.sync = true; break;
        case OPT_NO_SYNC: o.sync = false; break;
        case OPT_WORK_DIR: o.work_dir = optarg; break;
        case OPT_STRICT: o.strict = true; break;
        case OPT_JOLIET_LONG: o.joliet_long = true; break;
        case OPT_ID + FSI_ID_SYSTEM: case OPT_ID + FSI_ID_VOLUME_SET:
        case OPT_ID + FSI_ID_PUBLISHER: case OPT_ID + FSI_ID_PREPARER:
        case OPT_ID + FSI_ID_APPLICATION: case OPT_ID + FSI_ID_COPYRIGHT_FILE:
        case OPT_ID + FSI_ID_ABSTRACT_FILE: case OPT_ID + FSI_ID_BIBLIO_FILE:
            o.ids[c - OPT_ID] = optarg;
            break;
        case OPT_RESTRICTED: o.restricted = true; break;
        case OPT_HIDDEN: o.hidden[o.nhidden++] = optarg; break;
        case OPT_EXCLUDE: o.exclude[o.nexclude++] = optarg; break;
        case OPT_EFI_PARTITION: o.efi_partition = true; break;
        case OPT_ISOHYBRID_MBR:
        case OPT_GRUB2_MBR: {
            const char *opt = c == OPT_GRUB2_MBR ? "--grub2-mbr" : "--isohybrid-mbr";
            if (read_mbr(opt, optarg, o.mbr, sizeof o.mbr, &o.mbr_len)) {
                rc = EXIT_FAIL;
                goto out;
            }
            if (!o.mbr_len) {
                rc = cli_usage_error("%s: '%s' is empty", opt, optarg);
                goto out;
            }
            o.grub2_mbr = c == OPT_GRUB2_MBR;
            break;
        }
        case OPT_SYSTEM_AREA:
            free(o.sysarea);
            o.sysarea = malloc(32769);
            if (!o.sysarea || read_mbr("--system-area", optarg, o.sysarea, 32769, &o.sysarea_len)) {
                rc = EXIT_FAIL;
                goto out;
            }
            if (!o.sysarea_len) {
                rc = cli_usage_error("--system-area: '%s' is empty", optarg);
                goto out;
            }
            break;
        case OPT_APPEND_PARTITION: {
            char *tail;
            unsigned long n = strtoul(optarg, &tail, 10);
            if (optind + 1 >= argc) {
                rc = cli_usage_error("--append-partition takes three arguments: N TYPE FILE");
                goto out;
            }
            if (*tail || tail == optarg || n < 1 || n > FSI_APPENDED_PARTITIONS) {
                rc = cli_usage_error("--append-partition: '%s' is no partition number (1-%d)",
                                     optarg, FSI_APPENDED_PARTITIONS);
                goto out;
            }
            if (o.nparts == sizeof o.parts / sizeof o.parts[0]) {
                rc = cli_usage_error("--append-partition: too many");
                goto out;
            }
            o.parts[o.nparts].n = (unsigned)n;
            o.parts[o.nparts].type = argv[optind];
            o.parts[o.nparts].file = argv[optind + 1];
            o.nparts++;
            optind += 2;
            break;
        }
        case OPT_APPENDED_GPT: o.appended_gpt = true; break;
        case OPT_APM: o.apm = true; break;
        case OPT_MSDOS_LABEL: o.msdos_label = true; break;
        case OPT_MBR_BOOTABLE: o.mbr_bootable = true; break;
        case OPT_ISO_PART_TYPE: o.iso_part_type = optarg; break;
        case OPT_PART_OFFSET: {
            char *tail;
            o.part_offset = strtol(optarg, &tail, 10);
            if (*tail || tail == optarg || o.part_offset < 0 || o.part_offset > UINT32_MAX) {
                rc = cli_usage_error("--partition-offset: '%s' is not a block count", optarg);
                goto out;
            }
            break;
        }
        case OPT_VOLUME_DATE: {
            int kind;
            int64_t when;
            if (parse_volume_date(optarg, &kind, &when)) {
                rc = cli_usage_error("--volume-date: '%s' is not KIND=DATE (KIND creation, "
                                     "modification, expiration or effective; DATE "
                                     "YYYYMMDDhhmmsscc or none)", optarg);
                goto out;
            }
            o.dates[kind] = when;
            o.date_set[kind] = true;
            break;
        }
        case OPT_REMOVE: o.remove[o.nremove++] = optarg; break;
        case OPT_FOLLOW_LINKS: o.follow_links = true; break;
        case OPT_NO_HARDLINKS: o.no_hardlinks = true; break;
        case OPT_NORMALIZE: o.normalize |= FSI_NORMALIZE_OWNERS | FSI_NORMALIZE_MODES; break;
        case OPT_NORMALIZE_OWNERS: o.normalize |= FSI_NORMALIZE_OWNERS; break;
        case OPT_NORMALIZE_MODES: o.normalize |= FSI_NORMALIZE_MODES; break;
        case OPT_NO_ROCK: o.no_rock = true; break;
        case OPT_RELOCATE_DEEP: o.relocate_deep = true; break;
        case OPT_PREV_SESSION: o.prev_session = optarg; break;
        case OPT_NWA:
            errno = 0;
            o.nwa = strtoull(optarg, &end, 0);
            if (errno || *end || !*optarg || optarg[0] == '-') {
                rc = cli_usage_error("--next-writable-address: '%s' is not a block number", optarg);
                goto out;
            }
            o.nwa_set = true;
            break;
        case OPT_BOOT: case OPT_BOOT_CATALOG:
            if ((rc = boot_opts_add(&o.boot, c, optarg)) != EXIT_OK)
                goto out;
            break;
        case OPT_PROGRESS: o.progress = true; break;
        case 'q': case OPT_QUIET: o.quiet = true; break;
        case 'h': case OPT_HELP: create_usage(stdout, append); goto out;
        case ':':
            rc = cli_usage_error("option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            rc = cli_usage_error("unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (append && optind >= argc) {
        rc = cli_usage_error("append: no IMAGE given");
        goto out;
    }
    if (append && optind + 1 >= argc && !o.nremove && !o.nhidden && !o.volume) {
        rc = cli_usage_error("append: nothing to add (SOURCE), leave out (--remove) or change "
                             "(-V, --hidden)");
        goto out;
    }
    if (append)
        o.output = argv[optind++];     /* the image: written in place */
    if (!o.output) {
        rc = cli_usage_error("create: no output given (-o OUTPUT)");
        goto out;
    }
    if (!append && optind >= argc) {
        rc = cli_usage_error("create: no SOURCE given");
        goto out;
    }

    install_signals();
    struct out_target target;
    int image_fd = -1;          /* append: the image, open for writing */
    if ((rc = out_check(&target, o.output)) != EXIT_OK ||
        (append && (rc = append_open(&target, &image_fd)) != EXIT_OK)) {
        if (image_fd >= 0)
            close(image_fd);
        out_close(&target);
        goto out;
    }
    struct notices notices = {NULL};
    fsi_image *img = NULL;
    fsi_disc *prev = NULL;      /* --previous-session */
    fsi_hresult hr = fsi_image_new(&img);
    if (FSI_FAILED(hr)) {
        rc = cli_report(hr, NULL);
        if (image_fd >= 0)
            close(image_fd);
        out_close(&target);
        goto out;
    }
    /* The output is never part of its own image. */
    fsi_image_set_notice_callback(img, on_notice, &notices);
    if ((target.kind == OUT_FILE || target.kind == OUT_BLOCK) && target.exists)
        hr = fsi_image_exclude_host(img, target.path);
    /* Settings first: limits and name rules apply while adding.  A media
     * preset goes first so explicit options override it. */
    if (FSI_SUCCEEDED(hr) && o.media >= 0)
        hr = fsi_image_choose_defaults_for_media(img, (fsi_media)o.media);
    if (FSI_SUCCEEDED(hr) && o.fs_set)
        hr = fsi_image_set_file_systems(img, o.fs);
    if (FSI_SUCCEEDED(hr) && o.iso_level)
        hr = fsi_image_set_iso_level(img, o.iso_level);
    if (FSI_SUCCEEDED(hr) && o.udf_rev)
        hr = fsi_image_set_udf_revision(img, o.udf_rev);
    if (FSI_SUCCEEDED(hr) && o.volume)
        hr = fsi_image_set_volume_name(img, o.volume);
    if (FSI_SUCCEEDED(hr) && o.work_dir)
        hr = fsi_image_set_working_dir(img, o.work_dir);
    if (FSI_SUCCEEDED(hr) && o.stage)
        hr = fsi_image_set_stage_files(img, true);
    if (FSI_SUCCEEDED(hr) && o.max_set)
        hr = fsi_image_set_max_blocks(img, o.max_blocks);
    if (FSI_SUCCEEDED(hr) && o.strict)
        hr = fsi_image_set_strict(img, true);
    if (FSI_SUCCEEDED(hr) && o.restricted)
        hr = fsi_image_set_restricted_charset(img, true);
    /* After --strict: it decides which characters the identifiers take. */
    for (int i = 0; FSI_SUCCEEDED(hr) && i <= FSI_ID_BIBLIO_FILE; i++)
        if (o.ids[i])
            hr = fsi_image_set_volume_id(img, (fsi_volume_id)i, o.ids[i]);
    if (FSI_SUCCEEDED(hr) && o.joliet_long)
        hr = fsi_image_set_joliet_long(img, true);
    if (FSI_SUCCEEDED(hr) && o.follow_links)
        hr = fsi_image_set_follow_links(img, true);
    if (FSI_SUCCEEDED(hr) && o.no_hardlinks)
        hr = fsi_image_set_hardlinks(img, false);
    if (FSI_SUCCEEDED(hr) && o.normalize)
        hr = fsi_image_set_normalize(img, o.normalize);
    if (FSI_SUCCEEDED(hr) && o.no_rock)
        hr = fsi_image_set_rock_ridge(img, false);
    if (FSI_SUCCEEDED(hr) && o.relocate_deep)
        hr = fsi_image_set_relocate_deep(img, true);
    for (size_t i = 0; FSI_SUCCEEDED(hr) && i < o.nexclude; i++)
        hr = fsi_image_exclude_pattern(img, o.exclude[i]);
    for (int i = 0; FSI_SUCCEEDED(hr) && i <= FSI_VOLUME_EFFECTIVE; i++)
        if (o.date_set[i])
            hr = fsi_image_set_volume_date(img, (fsi_volume_date)i, o.dates[i]);
    if (FSI_SUCCEEDED(hr) && o.mbr_len)
        hr = o.grub2_mbr ? fsi_image_set_grub2_mbr(img, o.mbr, o.mbr_len)
                         : fsi_image_set_isohybrid_mbr(img, o.mbr, o.mbr_len);
    if (FSI_SUCCEEDED(hr) && o.efi_partition)
        hr = fsi_image_set_efi_partition(img, true);
    for (size_t i = 0; FSI_SUCCEEDED(hr) && i < o.nparts; i++)
        hr = fsi_image_append_partition(img, o.parts[i].n, o.parts[i].type, o.parts[i].file);
    if (FSI_SUCCEEDED(hr) && o.appended_gpt)
        hr = fsi_image_set_appended_gpt(img, true);
    if (FSI_SUCCEEDED(hr) && o.apm)
        hr = fsi_image_set_apm(img, true);
    if (FSI_SUCCEEDED(hr) && o.msdos_label)
        hr = fsi_image_set_msdos_label(img, true);
    if (FSI_SUCCEEDED(hr) && o.mbr_bootable)
        hr = fsi_image_set_mbr_bootable(img, true);
    if (FSI_SUCCEEDED(hr) && o.iso_part_type)
        hr = fsi_image_set_iso_partition_type(img, o.iso_part_type);
    if (FSI_SUCCEEDED(hr) && o.part_offset >= 0)
        hr = fsi_image_set_partition_offset(img, (uint32_t)o.part_offset);
    if (FSI_SUCCEEDED(hr) && o.sysarea)
        hr = fsi_image_set_system_area(img, o.sysarea, o.sysarea_len);
    if (FSI_FAILED(hr)) {
        rc = cli_report_image(img, hr);
        fsi_image_free(img);
        if (image_fd >= 0)
            close(image_fd);
        out_close(&target);
        goto out;
    }
    for (int i = optind; i < argc; i++) {
        if (FSI_FAILED(add_source(img, argv[i], &target))) {
            rc = EXIT_FAIL;
            break;
        }
    }
    if (rc == EXIT_OK && append)
        rc = append_setup(img, &o, target.path, &prev);
    else if (rc == EXIT_OK && (o.prev_session || o.nwa_set))
        rc = previous_session(img, &o, &prev);
    if (rc == EXIT_OK && notices.output_met && append && !o.quiet) {
        fputs("mkimage: warning: '", stderr);
        cli_put_text(stderr, notices.output_met, strlen(notices.output_met));
        fputs("' left out: it is the image appended to\n", stderr);
    } else if (rc == EXIT_OK && notices.output_met) {
        rc = output_in_tree(&target, notices.output_met, o.quiet);
    }
    free(notices.output_met);
    for (size_t i = 0; rc == EXIT_OK && i < o.nhidden; i++) {
        hr = fsi_set_hidden(img, o.hidden[i], true);
        if (FSI_FAILED(hr))
            rc = cli_report_image(img, hr);
    }
    if (rc == EXIT_OK)
        rc = boot_opts_apply(&o.boot, img);
    if (rc == EXIT_OK)
        rc = append ? append_write(img, &o, &target, image_fd) : write_image(img, &o, &target);
    fsi_image_free(img);
    fsi_disc_free(prev);        /* after the image: it reads imported data */
    if (image_fd >= 0)
        close(image_fd);        /* and the lock with it */
    out_close(&target);
out:
    free(o.sysarea);
    free(o.hidden);
    free(o.remove);
    free(o.exclude);
    boot_opts_free(&o.boot);
    return rc;
}

int cmd_create(int argc, char **argv)
{
    return run(argc, argv, false);
}

int cmd_append(int argc, char **argv)
{
    return run(argc, argv, true);
}
