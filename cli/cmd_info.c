/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cmd_info.c - `mkimage info [--json] IMAGE`: what an image holds (size,
 * the image manager's verdict, file systems and their volume facts, the
 * default for import, sessions, El Torito entries with their boot files),
 * as text or as one JSON object (schema 1, documented in mkimage(1)).
 */
#include "config.h"
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void info_usage(FILE *f)
{
    fputs("Usage: mkimage info [--json] IMAGE\n"
          "Show what IMAGE holds: its size, the image manager's check, the file systems\n"
          "of the last session with their volume facts, the file system import takes by\n"
          "default, the sessions, and the El Torito boot entries with their boot files.\n"
          "Exit status 1 when the image holds no file system mkimage reads.\n\n"
          "  --json          one JSON object (schema 1, see mkimage(1))\n"
          "  -h, --help      show this help\n",
          f);
}

/* One failure as the report gives it. */
struct failure {
    fsi_hresult hr;
    char msg[1024];
};

static void take(struct failure *f, fsi_disc *d, fsi_hresult hr)
{
    f->hr = hr;
    const char *m = d ? fsi_disc_last_error(d) : NULL;
    if (!m || !*m)
        m = fsi_error_message(hr) ? fsi_error_message(hr) : "";
    snprintf(f->msg, sizeof f->msg, "%s", m);
}

struct vol {
    fsi_volume_info info;
    struct failure err;       /* hr FSI_S_OK when info is set */
    char files[3][3 * 128 + 1];   /* copyright, abstract, bibliographic file ids */
};

struct info {
    const char *path;
    uint64_t size;
    struct failure validate;  /* FSI_S_OK: valid */
    unsigned fs;              /* identified, FSI_FS_UNKNOWN if none known */
    unsigned def;             /* default for import */
    struct vol vols[3];
    size_t nvols;
    uint64_t *sessions;
    size_t nsessions;
    bool have_boot;
    uint32_t catalog;
    fsi_disc_boot_entry *boot;
    size_t nboot;
    char **boot_file;         /* per entry, NULL when no file starts there */
    struct failure fail;      /* what makes the exit status 1 */
};

static const char *platform_name(fsi_platform p, char *buf, size_t size)
{
    switch (p) {
    case FSI_PLATFORM_X86: return "bios";
    case FSI_PLATFORM_EFI: return "efi";
    case FSI_PLATFORM_POWERPC: return "ppc";
    case FSI_PLATFORM_MAC: return "mac";
    }
    snprintf(buf, size, "0x%02x", (unsigned)p);
    return buf;
}

static const char *emulation_name(fsi_emulation e, char *buf, size_t size)
{
    switch (e) {
    case FSI_EMULATION_NONE: return "none";
    case FSI_EMULATION_FLOPPY_12: return "floppy-1.2";
    case FSI_EMULATION_FLOPPY_144: return "floppy-1.44";
    case FSI_EMULATION_FLOPPY_288: return "floppy-2.88";
    case FSI_EMULATION_HARD_DISK: return "hd";
    }
    snprintf(buf, size, "0x%02x", (unsigned)e);
    return buf;
}

/* ---- boot files: the files of the ISO9660 view that start at a boot
 * entry's load block ---- */

struct boot_find {
    struct info *in;
    size_t left;
};

static int boot_match(void *ctx, const fsi_disc_entry *e)
{
    struct boot_find *b = ctx;
    if (e->type != FSI_ENTRY_FILE || e->nextents == 0)
        return 0;
    for (size_t i = 0; i < b->in->nboot; i++) {
        if (b->in->boot_file[i] || b->in->boot[i].load_block != e->first_block)
            continue;
        b->in->boot_file[i] = strndup(e->path, e->path_len);
        if (!b->in->boot_file[i])
            return 2;
        if (--b->left == 0)
            return 1;             /* all found: stop early */
    }
    return 0;
}

static void find_boot_files(fsi_disc *d, struct info *in)
{
    in->boot_file = calloc(in->nboot ? in->nboot : 1, sizeof *in->boot_file);
    if (!in->boot_file || in->nboot == 0)
        return;
    /* ISO9660 (with Rock Ridge names when present) is the view boot
     * loaders see; else whatever import would take. */
    unsigned fs = (in->fs & FSI_FS_ISO9660) ? FSI_FS_ISO9660 : FSI_FS_NONE;
    struct boot_find b = {in, in->nboot};
    /* A failure here only leaves files unnamed: info is about the image,
     * the walk's complaints are ls's and verify's. */
    (void)fsi_disc_walk(d, fs, "/", FSI_WALK_RECURSIVE, boot_match, &b);
}

/* ---- gathering ---- */

static void gather(fsi_disc *d, struct info *in)
{
    in->size = fsi_disc_size(d);
    fsi_hresult hr = fsi_disc_validate(d);
    if (FSI_FAILED(hr))
        take(&in->validate, d, hr);
    hr = fsi_disc_identify(d, &in->fs);
    if (FSI_FAILED(hr)) {
        take(&in->fail, d, hr);
        in->fs = FSI_FS_NONE;
        return;
    }
    if (!(in->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF))) {
        in->fail.hr = IMAPI_E_NO_SUPPORTED_FILE_SYSTEM;
        snprintf(in->fail.msg, sizeof in->fail.msg, "%s",
                 "no ISO9660, Joliet or UDF volume in the last session");
        return;
    }
    static const unsigned order[] = {FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF};
    for (size_t i = 0; i < 3; i++) {
        if (!(in->fs & order[i]))
            continue;
        struct vol *v = &in->vols[in->nvols++];
        hr = fsi_disc_volume_info(d, order[i], &v->info);
        v->info.fs = order[i];
        /* ECMA-119 only: UDF keeps no such fields in its volume info. */
        for (int k = 0; FSI_SUCCEEDED(hr) && order[i] != FSI_FS_UDF && k < 3; k++)
            hr = fsi_disc_volume_id(d, order[i], (fsi_volume_id)(FSI_ID_COPYRIGHT_FILE + k),
                                    v->files[k], sizeof v->files[k]);
        if (FSI_FAILED(hr)) {
            take(&v->err, d, hr);
            if (!FSI_FAILED(in->fail.hr))
                in->fail = v->err;
        }
    }
    /* The import default as import takes it (Rock Ridge counted). */
    unsigned def = FSI_FS_NONE;
    if (in->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF))
        (void)fsi_disc_default_fs(d, &def);   /* none on failure */
    in->def = def;

    size_t n = 0;
    hr = fsi_disc_sessions(d, NULL, 0, &n);
    if (!FSI_FAILED(hr) && n > 0 && (in->sessions = calloc(n, sizeof *in->sessions)) != NULL)
        hr = fsi_disc_sessions(d, in->sessions, n, &in->nsessions);
    if (FSI_FAILED(hr)) {
        take(&in->fail, d, hr);
        in->nsessions = 0;
    }
    if (in->nsessions > n)
        in->nsessions = n;

    n = 0;
    hr = fsi_disc_boot_entries(d, &in->catalog, NULL, 0, &n);
    if (!FSI_FAILED(hr) && in->catalog) {
        in->have_boot = true;
        if (n > 0 && (in->boot = calloc(n, sizeof *in->boot)) != NULL)
            hr = fsi_disc_boot_entries(d, &in->catalog, in->boot, n, &in->nboot);
        if (in->nboot > n)
            in->nboot = n;
    }
    if (FSI_FAILED(hr)) {
        take(&in->fail, d, hr);
        in->nboot = 0;
    }
    find_boot_files(d, in);
}

static void info_free(struct info *in)
{
    for (size_t i = 0; in->boot_file && i < in->nboot; i++)
        free(in->boot_file[i]);
    free(in->boot_file);
    free(in->boot);
    free(in->sessions);
}

static void fs_list(FILE *f, unsigned fs, bool json)
{
    static const unsigned order[] = {FSI_FS_ISO9660, FSI_FS_JOLIET, FSI_FS_UDF};
    bool first = true;
    for (size_t i = 0; i < 3; i++) {
        if (!(fs & order[i]))
            continue;
        if (json)
            fprintf(f, "%s\"%s\"", first ? "" : ", ", cli_fs_name(order[i]));
        else
            fprintf(f, "%s%s", first ? "" : " ", cli_fs_name(order[i]));
        first = false;
    }
    if (first && !json)
        fputs("none", f);
}

static void revision(char *buf, size_t size, int rev)
{
    snprintf(buf, size, "%x.%02x", (unsigned)rev >> 8 & 0xFF, (unsigned)rev & 0xFF);
}

/* ---- text ---- */

static void text_field(const char *key, const char *val)
{
    if (!*val)
        return;
    printf("  %-17s ", key);
    cli_put_name(stdout, val, strlen(val));
    putchar('\n');
}

static void print_text(const struct info *in)
{
    printf("image:              ");
    cli_put_name(stdout, in->path, strlen(in->path));
    printf("\nsize:               %" PRIu64 " bytes (%" PRIu64 " blocks%s)\n", in->size,
           in->size / 2048, in->size % 2048 ? " and a part" : "");
    if (FSI_FAILED(in->validate.hr)) {
        printf("image check:        %s (0x%08X): ", fsi_error_name(in->validate.hr),
               (unsigned)(uint32_t)in->validate.hr);
        cli_put_text(stdout, in->validate.msg, strlen(in->validate.msg));
        putchar('\n');
    } else {
        printf("image check:        ok\n");
    }
    printf("file systems:       ");
    fs_list(stdout, in->fs, false);
    putchar('\n');
    if (!(in->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF)))
        return;
    printf("default for import: %s%s\n", cli_fs_name(in->def),
           in->def == FSI_FS_ISO9660 && in->nvols && in->vols[0].info.rock_ridge ? " (Rock Ridge)" : "");
    printf("sessions:           %zu (start block%s", in->nsessions, in->nsessions == 1 ? "" : "s");
    for (size_t i = 0; i < in->nsessions; i++)
        printf(" %" PRIu64, in->sessions[i]);
    printf(")\n");
    for (size_t i = 0; i < in->nvols; i++) {
        const struct vol *v = &in->vols[i];
        const fsi_volume_info *vi = &v->info;
        printf("%s:\n", cli_fs_name(vi->fs));
        if (FSI_FAILED(v->err.hr)) {
            printf("  error:            %s (0x%08X): ", fsi_error_name(v->err.hr),
                   (unsigned)(uint32_t)v->err.hr);
            cli_put_text(stdout, v->err.msg, strlen(v->err.msg));
            putchar('\n');
            continue;
        }
        printf("  volume name:      ");
        cli_put_name(stdout, vi->volume_name, strlen(vi->volume_name));
        putchar('\n');
        text_field("system id:", vi->system_id);
        text_field("volume set:", vi->volume_set);
        text_field("publisher:", vi->publisher);
        text_field("data preparer:", vi->preparer);
        text_field("application:", vi->application);
        text_field("copyright file:", v->files[0]);
        text_field("abstract file:", v->files[1]);
        text_field("biblio file:", v->files[2]);
        if (vi->fs == FSI_FS_UDF) {
            char rev[16];
            revision(rev, sizeof rev, vi->level);
            printf("  revision:         %s\n", rev);
        } else if (vi->level > 0) {
            printf("  level:            %d\n", vi->level);
        }
        if (vi->fs == FSI_FS_ISO9660) {
            printf("  rock ridge:       %s\n", vi->rock_ridge ? "yes" : "no");
            if (vi->iso9660_1999)
                printf("  ISO9660:1999:     yes\n");
        }
        printf("  blocks:           %" PRIu64 "\n", vi->blocks);
        char t[64];
        if (vi->has_created && cli_format_time(t, sizeof t, &vi->created, true))
            printf("  created:          %s\n", t);
        if (vi->has_modified && cli_format_time(t, sizeof t, &vi->modified, true))
            printf("  modified:         %s\n", t);
        printf("  descriptor block: %" PRIu64 "\n", vi->descriptor_block);
        printf("  root block:       %" PRIu64 "\n", vi->root_block);
    }
    if (!in->have_boot)
        return;
    printf("El Torito:\n  catalog block:    %" PRIu32 "\n", in->catalog);
    for (size_t i = 0; i < in->nboot; i++) {
        const fsi_disc_boot_entry *b = &in->boot[i];
        char p[16], e[16];
        printf("  entry %zu:%s platform %s, emulation %s, %s, load segment 0x%04X, "
               "%u sectors, load block %" PRIu32, i + 1, i + 1 < 10 ? " " : "",
               platform_name(b->platform, p, sizeof p), emulation_name(b->emulation, e, sizeof e),
               b->bootable ? "bootable" : "not bootable",
               b->load_segment ? b->load_segment : 0x07C0, b->sector_count, b->load_block);
        if (in->boot_file && in->boot_file[i]) {
            printf(", file ");
            cli_put_name(stdout, in->boot_file[i], strlen(in->boot_file[i]));
        }
        putchar('\n');
    }
}

/* ---- JSON (schema 1: keys and types in mkimage(1); add keys, never
 * change one) ---- */

static void jstr(const char *s)
{
    cli_json_string(stdout, s, strlen(s));
}

static void jfailure(const struct failure *f)
{
    if (!FSI_FAILED(f->hr)) {
        fputs("null", stdout);
        return;
    }
    printf("{\"name\": ");
    jstr(fsi_error_name(f->hr) ? fsi_error_name(f->hr) : "HRESULT");
    printf(", \"code\": \"0x%08X\", \"message\": ", (unsigned)(uint32_t)f->hr);
    jstr(f->msg);
    putchar('}');
}

static void jtime(bool has, const struct timespec *ts)
{
    char t[64];
    if (has && cli_format_time(t, sizeof t, ts, true))
        printf("\"%s\"", t);
    else
        fputs("null", stdout);
}

static void print_json(const struct info *in)
{
    printf("{\n  \"schema\": 1,\n  \"image\": ");
    jstr(in->path);
    printf(",\n  \"size\": %" PRIu64 ",\n  \"blocks\": %" PRIu64 ",\n", in->size, in->size / 2048);
    printf("  \"valid\": %s,\n  \"validate_error\": ", FSI_FAILED(in->validate.hr) ? "false" : "true");
    jfailure(&in->validate);
    printf(",\n  \"file_systems\": [");
    fs_list(stdout, in->fs & (FSI_FS_ISO9660 | FSI_FS_JOLIET | FSI_FS_UDF), true);
    printf("],\n  \"default_import\": ");
    if (in->def)
        printf("\"%s\"", cli_fs_name(in->def));
    else
        fputs("null", stdout);
    printf(",\n  \"volumes\": [");
    for (size_t i = 0; i < in->nvols; i++) {
        const struct vol *v = &in->vols[i];
        const fsi_volume_info *vi = &v->info;
        bool ok = !FSI_FAILED(v->err.hr);
        printf("%s\n    {\"fs\": \"%s\", \"error\": ", i ? "," : "", cli_fs_name(vi->fs));
        jfailure(&v->err);
        printf(",\n     \"volume_name\": ");
        jstr(ok ? vi->volume_name : "");
        printf(", \"system_id\": ");
        jstr(ok ? vi->system_id : "");
        printf(", \"volume_set\": ");
        jstr(ok ? vi->volume_set : "");
        printf(",\n     \"publisher\": ");
        jstr(ok ? vi->publisher : "");
        printf(", \"preparer\": ");
        jstr(ok ? vi->preparer : "");
        printf(", \"application\": ");
        jstr(ok ? vi->application : "");
        printf(",\n     \"copyright_file\": ");
        jstr(ok ? v->files[0] : "");
        printf(", \"abstract_file\": ");
        jstr(ok ? v->files[1] : "");
        printf(", \"biblio_file\": ");
        jstr(ok ? v->files[2] : "");
        printf(",\n     \"level\": ");
        if (ok && vi->fs != FSI_FS_UDF && vi->level > 0)
            printf("%d", vi->level);
        else
            fputs("null", stdout);
        printf(", \"udf_revision\": ");
        if (ok && vi->fs == FSI_FS_UDF) {
            char rev[16];
            revision(rev, sizeof rev, vi->level);
            printf("\"%s\"", rev);
        } else {
            fputs("null", stdout);
        }
        printf(", \"rock_ridge\": %s, \"iso9660_1999\": %s,\n",
               ok && vi->rock_ridge ? "true" : "false", ok && vi->iso9660_1999 ? "true" : "false");
        printf("     \"blocks\": %" PRIu64 ", \"descriptor_block\": %" PRIu64
               ", \"root_block\": %" PRIu64 ", \"created\": ",
               ok ? vi->blocks : 0, ok ? vi->descriptor_block : 0, ok ? vi->root_block : 0);
        jtime(ok && vi->has_created, &vi->created);
        printf(", \"modified\": ");
        jtime(ok && vi->has_modified, &vi->modified);
        putchar('}');
    }
    printf("%s],\n  \"sessions\": [", in->nvols ? "\n  " : "");
    for (size_t i = 0; i < in->nsessions; i++)
        printf("%s%" PRIu64, i ? ", " : "", in->sessions[i]);
    printf("],\n  \"el_torito\": ");
    if (!in->have_boot) {
        fputs("null", stdout);
    } else {
        printf("{\"catalog_block\": %" PRIu32 ", \"entries\": [", in->catalog);
        for (size_t i = 0; i < in->nboot; i++) {
            const fsi_disc_boot_entry *b = &in->boot[i];
            char p[16], e[16];
            printf("%s\n    {\"platform\": \"%s\", \"emulation\": \"%s\", \"bootable\": %s, "
                   "\"default\": %s,\n     \"load_segment\": %u, \"sector_count\": %u, "
                   "\"load_block\": %" PRIu32 ", \"system_type\": %u, \"id\": ",
                   i ? "," : "", platform_name(b->platform, p, sizeof p),
                   emulation_name(b->emulation, e, sizeof e), b->bootable ? "true" : "false",
                   b->is_default ? "true" : "false", b->load_segment ? b->load_segment : 0x07C0,
                   b->sector_count, b->load_block, b->system_type);
            jstr(b->id);
            printf(", \"file\": ");
            if (in->boot_file && in->boot_file[i])
                jstr(in->boot_file[i]);
            else
                fputs("null", stdout);
            putchar('}');
        }
        printf("%s]}", in->nboot ? "\n  " : "");
    }
    printf(",\n  \"error\": ");
    jfailure(&in->fail);
    printf("\n}\n");
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': info_usage(stdout); return EXIT_OK;
        default: return cli_usage_error("info: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("info: no IMAGE given");
    if (optind + 1 < argc)
        return cli_usage_error("info: one IMAGE only ('%s' is one too many)", argv[optind + 1]);

    fsi_disc *d = NULL;
    int rc = cli_open_disc(argv[optind], &d);
    if (rc != EXIT_OK)
        return rc;
    struct info in = {.path = argv[optind]};
    gather(d, &in);
    if (json)
        print_json(&in);
    else
        print_text(&in);
    fflush(stdout);
    rc = FSI_FAILED(in.fail.hr) ? cli_report(in.fail.hr, in.fail.msg) : EXIT_OK;
    info_free(&in);
    fsi_disc_free(d);
    return rc;
}
