/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_ls.c - `mkimage ls`: the entries of one view of an image, as that
 * view holds them (names, order), streamed from fsi_disc_walk: nothing
 * is kept, so a million files list in constant memory.
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ls_usage(FILE *f)
{
    fputs("Usage: mkimage ls [-l] [-R] [-d] [--fs FS] [--session N] IMAGE [PATH]\n"
          "List the entries of directory PATH (default /) of IMAGE, in the order the\n"
          "directory holds them; a file PATH lists that file.  Names are shown as the\n"
          "view holds them; control characters, backslash and bytes that are not UTF-8\n"
          "are printed as \\ooo octal escapes.\n\n"
          "  -l                  long form: type and mode, links, uid, gid, size (devices:\n"
          "                      major, minor), modification time (YYYY-MM-DD HH:MM UTC),\n"
          "                      first data block, name, and '-> TARGET' for symlinks\n"
          "  -R                  everything below PATH, one full image path per line\n"
          "                      (each directory before its contents)\n"
          "  -d                  list PATH itself, not its contents\n"
          "  --fs FS             the view: iso9660 (plain names), rockridge, joliet, udf\n"
          "                      (default: the one import takes)\n"
          "  --session N         the session to read (1 = the first; default: the last)\n"
          "  -h, --help          show this help\n",
          f);
}

struct ls {
    bool lng, rec, dir_only;
    unsigned start_depth;
    bool saw_self;
};

/* "drwxr-xr-x" from the entry's type and, when the view has them, its
 * permission bits; without them what Linux shows for plain ISO9660. */
static void mode_string(const fsi_disc_entry *e, char out[11])
{
    static const char types[] = {'?', '-', 'd', 'l', 'c', 'b', 'p', 's'};
    unsigned m;
    out[0] = (unsigned)e->type < sizeof types ? types[e->type] : '?';
    if (e->has & FSI_HAS_MODE)
        m = e->mode & 07777;
    else if (e->type == FSI_ENTRY_DIRECTORY)
        m = 0555;
    else if (e->type == FSI_ENTRY_SYMLINK)
        m = 0777;
    else
        m = 0444;
    static const char rwx[] = "rwx";
    for (int i = 0; i < 9; i++)
        out[1 + i] = (m >> (8 - i)) & 1 ? rwx[i % 3] : '-';
    if (m & 04000)
        out[3] = out[3] == 'x' ? 's' : 'S';
    if (m & 02000)
        out[6] = out[6] == 'x' ? 's' : 'S';
    if (m & 01000)
        out[9] = out[9] == 'x' ? 't' : 'T';
    out[10] = '\0';
}

static void print_entry(const struct ls *o, const fsi_disc_entry *e, const char *name, size_t len)
{
    if (o->lng) {
        char mode[11], when[32], size[48];
        mode_string(e, mode);
        if (e->has & FSI_HAS_MTIME)
            cli_format_time(when, sizeof when, &e->mtime, false);
        else
            snprintf(when, sizeof when, "%s", "-          -    ");
        if ((e->type == FSI_ENTRY_CHAR_DEVICE || e->type == FSI_ENTRY_BLOCK_DEVICE) &&
            (e->has & FSI_HAS_RDEV))
            snprintf(size, sizeof size, "%u, %u", e->rdev_major, e->rdev_minor);
        else
            snprintf(size, sizeof size, "%" PRIu64, e->size);
        printf("%s %3" PRIu32 " %5" PRIu32 " %5" PRIu32 " %10s %s %8" PRIu64 " ", mode,
               (e->has & FSI_HAS_NLINK) ? e->nlink : 1, (e->has & FSI_HAS_OWNER) ? e->uid : 0,
               (e->has & FSI_HAS_OWNER) ? e->gid : 0, size, when, e->first_block);
    }
    cli_put_name(stdout, name, len);
    if (o->lng && e->type == FSI_ENTRY_SYMLINK && e->link_target) {
        fputs(" -> ", stdout);
        cli_put_name(stdout, e->link_target, e->link_target_len);
    }
    putchar('\n');
}

static int ls_entry(void *ctx, const fsi_disc_entry *e)
{
    struct ls *o = ctx;
    if (e->depth == o->start_depth) {
        /* PATH itself: a file is listed alone, a directory only with -d. */
        o->saw_self = true;
        if (e->type != FSI_ENTRY_DIRECTORY || o->dir_only) {
            print_entry(o, e, e->path, e->path_len);
            return o->dir_only ? 1 : 0;
        }
        return 0;
    }
    if (o->rec)
        print_entry(o, e, e->path, e->path_len);
    else
        print_entry(o, e, e->name, e->name_len);
    return 0;
}

static unsigned path_depth(const char *p)
{
    unsigned n = 0;
    for (; *p; p++)
        if (*p != '/' && (p[1] == '/' || p[1] == '\0'))
            n++;
    return n;
}

enum { OPT_FS = 1000, OPT_SESSION };

int cmd_ls(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"fs", required_argument, NULL, OPT_FS},
        {"session", required_argument, NULL, OPT_SESSION},
        {"long", no_argument, NULL, 'l'},
        {"recursive", no_argument, NULL, 'R'},
        {"directory", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ls o = {0};
    unsigned fs = FSI_FS_NONE, flags = 0;
    const char *session = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+lRdh", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': o.lng = true; break;
        case 'R': o.rec = true; break;
        case 'd': o.dir_only = true; break;
        case OPT_FS:
            flags &= ~(unsigned)FSI_WALK_NO_ROCK_RIDGE;
            if (cli_parse_fs(optarg, &fs, &flags) != 0)
                return cli_usage_error("--fs: '%s' is not iso9660, rockridge, joliet or udf", optarg);
            break;
        case OPT_SESSION: session = optarg; break;
        case 'h': ls_usage(stdout); return EXIT_OK;
        default:
            return cli_usage_error("ls: unknown option or missing value '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("ls: no IMAGE given");
    if (argc - optind > 2)
        return cli_usage_error("ls: one PATH at most ('%s' is one too many)", argv[optind + 2]);
    if (o.rec && o.dir_only)
        return cli_usage_error("ls: -R and -d do not go together");
    const char *path = optind + 1 < argc ? argv[optind + 1] : "/";

    fsi_disc *d = NULL;
    int rc = cli_open_disc(argv[optind], &d);
    if (rc != EXIT_OK)
        return rc;
    if (session && (rc = cli_parse_session(d, session)) != EXIT_OK) {
        fsi_disc_free(d);
        return rc;
    }
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    o.start_depth = path_depth(path);
    flags |= FSI_WALK_SELF | (o.rec ? FSI_WALK_RECURSIVE : 0);
    fsi_hresult hr = fsi_disc_walk(d, fs, path, flags, ls_entry, &o);
    if (hr == 1)
        hr = FSI_S_OK;            /* -d: stopped once PATH was listed */
    if (FSI_SUCCEEDED(hr) && o.dir_only && !o.saw_self) {
        /* A reader that cannot describe its root: a bare directory. */
        fsi_disc_entry root = {.path = "/", .path_len = 1, .name = "", .type = FSI_ENTRY_DIRECTORY};
        print_entry(&o, &root, "/", 1);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        char msg[256];
        snprintf(msg, sizeof msg, "writing the listing failed: %s", strerror(errno));
        rc = cli_report(FSI_E_FAIL, msg);
    }
    if (FSI_FAILED(hr))
        rc = cli_report_disc(d, hr);
    fsi_disc_free(d);
    return rc;
}
