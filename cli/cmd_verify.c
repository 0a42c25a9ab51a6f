/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_verify.c - `mkimage verify [--strict] [--quiet] IMAGE`: the deep
 * check of fsi_disc_verify, one line per finding on stdout, then a
 * summary.  Exit 0 when clean, 1 on an error (and with --strict on a
 * warning too), 1 with the usual message when the check cannot run.
 */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void verify_usage(FILE *f)
{
    fputs("Usage: mkimage verify [--strict] [--quiet] IMAGE\n"
          "Check IMAGE deeply: the image manager's checks, every descriptor, directory\n"
          "and path table, extents inside the image and not shared by accident, the\n"
          "ISO9660, Joliet and UDF views listing the same files, UDF integrity counts.\n"
          "Each finding is printed as 'error: FS: block N: ...' or 'warning: ...', then\n"
          "a summary.  Exit status 0 when no error was found, 1 otherwise.\n\n"
          "      --strict    a warning fails the check too (exit status 1)\n"
          "  -q, --quiet     print errors only (no warnings, no summary)\n"
          "  -h, --help      show this help\n",
          f);
}

struct out {
    bool quiet;
};

static void on_finding(void *ctx, int severity, const char *fsname, uint64_t block,
                       const char *msg)
{
    const struct out *o = ctx;
    bool err = severity == FSI_FINDING_ERROR;
    if (o->quiet && !err)
        return;
    printf("%s: %s: ", err ? "error" : "warning", fsname);
    if (block)
        printf("block %" PRIu64 ": ", block);
    /* Findings quote names from the image: print them escaped. */
    cli_put_text(stdout, msg, strlen(msg));
    putchar('\n');
}

struct count {
    uint64_t files, dirs;
};

static int count_entry(void *ctx, const fsi_disc_entry *e)
{
    struct count *c = ctx;
    if (e->type == FSI_ENTRY_DIRECTORY)
        c->dirs++;
    else
        c->files++;
    return 0;
}

/* "ISO9660 (Rock Ridge), Joliet, UDF 2.60; 12 files, 3 directories" */
static void summary_tail(fsi_disc *d, char *buf, size_t size)
{
    unsigned fs = 0;
    size_t n = 0;
    buf[0] = '\0';
    if (FSI_FAILED(fsi_disc_identify(d, &fs)))
        return;
    static const unsigned bits[] = { FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF };
    static const char *const names[] = { "ISO9660", "Joliet", "UDF" };
    for (size_t i = 0; i < 3 && n < size; i++) {
        if (!(fs & bits[i]))
            continue;
        fsi_volume_info vol;
        bool have = FSI_SUCCEEDED(fsi_disc_volume_info(d, bits[i], &vol));
        n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "; checked ", names[i]);
        if (have && bits[i] == FSI_FS_ISO9660 && vol.rock_ridge && n < size)
            n += (size_t)snprintf(buf + n, size - n, " (Rock Ridge)");
        if (have && bits[i] == FSI_FS_UDF && n < size)
            n += (size_t)snprintf(buf + n, size - n, " %x.%02x", (unsigned)vol.level >> 8,
                                  (unsigned)vol.level & 0xFF);
    }
    struct count c = { 0, 0 };
    if (n && n < size &&
        FSI_SUCCEEDED(fsi_disc_walk(d, FSI_FS_NONE, "/", FSI_WALK_RECURSIVE, count_entry, &c)))
        snprintf(buf + n, size - n, "; %" PRIu64 " files, %" PRIu64 " directories", c.files,
                 c.dirs);
}

int cmd_verify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"strict", no_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool strict = false;
    struct out o = { false };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': strict = true; break;
        case 'q': o.quiet = true; break;
        case 'h': verify_usage(stdout); return EXIT_OK;
        default: return cli_usage_error("verify: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("verify: no IMAGE given");
    if (optind + 1 < argc)
        return cli_usage_error("verify: one IMAGE only ('%s' is one too many)", argv[optind + 1]);

    const char *path = argv[optind];
    fsi_disc *d = NULL;
    int rc = cli_open_disc(path, &d);
    if (rc != EXIT_OK)
        return rc;
    uint64_t errors = 0, warnings = 0;
    fflush(stdout);
    fsi_hresult hr = fsi_disc_verify(d, on_finding, &o, &errors, &warnings);
    if (FSI_FAILED(hr)) {
        fflush(stdout);
        rc = cli_report_disc(d, hr);
        fsi_disc_free(d);
        return rc;
    }
    if (!o.quiet) {
        char tail[256];
        summary_tail(d, tail, sizeof tail);
        cli_put_text(stdout, path, strlen(path));
        printf(": %" PRIu64 " error%s, %" PRIu64 " warning%s%s\n", errors,
               errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s", tail);
    }
    fflush(stdout);
    fsi_disc_free(d);
    return errors || (strict && warnings) ? EXIT_FAIL : EXIT_OK;
}
