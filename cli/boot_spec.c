/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * boot_spec.c - parsing `--boot SPEC` and giving the image its El Torito
 * boot entries (see boot_spec.h and doc/mkimage.1).
 */
#include "config.h"
#include "boot_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- parsing ---- */

/* The next field of a SPEC: up to an unescaped ',' (or the end), with
 * "\," and "\\" unescaped.  *p moves past the comma; *more tells whether
 * there was one.  NULL on ENOMEM. */
static char *next_field(const char **p, bool *more)
{
    const char *s = *p;
    size_t n = 0;
    char *out = malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    while (*s && *s != ',') {
        if (*s == '\\' && (s[1] == ',' || s[1] == '\\'))
            s++;
        out[n++] = *s++;
    }
    out[n] = '\0';
    *more = *s == ',';
    *p = *more ? s + 1 : s;
    return out;
}

static bool parse_num(const char *s, int base, long max, long *out)
{
    if (!*s || *s == '-' || *s == '+')
        return false;
    if (base == 16 && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)))
        s += 2;
    char *end;
    errno = 0;
    long v = strtol(s, &end, base);
    if (errno || *end || end == s || v < 0 || v > max)
        return false;
    *out = v;
    return true;
}

int boot_spec_parse(const char *spec, struct boot_spec *out, char *msg, size_t size)
{
    memset(out, 0, sizeof *out);
    out->platform = out->emulation = -1;
    out->load_segment = out->sectors = -1;
    const char *p = spec;
    bool seen_info = false, seen_grub2 = false, more = false;
    if (!(out->file = next_field(&p, &more)))
        goto nomem;
    if (!*out->file) {
        snprintf(msg, size, "--boot '%s': no FILE before the options", spec);
        goto bad;
    }
    while (more) {
        char *field = next_field(&p, &more);
        if (!field)
            goto nomem;
        char *val = strchr(field, '=');
        if (val)
            *val++ = '\0';
        const char *key = field;
        bool ok = true, dup = false, need_val = true;
        if (!strcmp(key, "platform")) {
            dup = out->platform >= 0;
            if (!val)
                ok = false;
            else if (!strcasecmp(val, "bios") || !strcasecmp(val, "x86"))
                out->platform = FSI_PLATFORM_X86;
            else if (!strcasecmp(val, "efi") || !strcasecmp(val, "uefi"))
                out->platform = FSI_PLATFORM_EFI;
            else if (!strcasecmp(val, "ppc") || !strcasecmp(val, "powerpc"))
                out->platform = FSI_PLATFORM_POWERPC;
            else if (!strcasecmp(val, "mac"))
                out->platform = FSI_PLATFORM_MAC;
            else
                ok = false;
        } else if (!strcmp(key, "emulation")) {
            dup = out->emulation >= 0;
            if (!val)
                ok = false;
            else if (!strcasecmp(val, "none"))
                out->emulation = BOOT_EMUL_NONE;
            else if (!strcasecmp(val, "floppy"))
                out->emulation = BOOT_EMUL_FLOPPY;
            else if (!strcasecmp(val, "hd") || !strcasecmp(val, "hard-disk"))
                out->emulation = BOOT_EMUL_HD;
            else
                ok = false;
        } else if (!strcmp(key, "load-segment")) {
            dup = out->load_segment >= 0;
            ok = val && parse_num(val, 16, 0xFFFF, &out->load_segment);
        } else if (!strcmp(key, "sectors")) {
            dup = out->sectors >= 0;
            ok = val && parse_num(val, 10, 0xFFFF, &out->sectors) && out->sectors > 0;
        } else if (!strcmp(key, "info-table")) {
            dup = seen_info;
            seen_info = out->info_table = true;
            need_val = false;
            ok = !val;
        } else if (!strcmp(key, "grub2-info")) {
            dup = seen_grub2;
            seen_grub2 = out->grub2_info = true;
            need_val = false;
            ok = !val;
        } else if (!strcmp(key, "id")) {
            dup = out->id != NULL;
            ok = val != NULL;
            if (ok && !dup && !(out->id = strdup(val))) {
                free(field);
                goto nomem;
            }
        } else {
            snprintf(msg, size, "--boot '%s': unknown option '%s' (platform, emulation, "
                     "load-segment, sectors, info-table, grub2-info, id)", spec, key);
            free(field);
            goto bad;
        }
        if (dup) {
            snprintf(msg, size, "--boot '%s': '%s' given twice", spec, key);
            free(field);
            goto bad;
        }
        if (!ok) {
            static const struct { const char *key, *what; } expect[] = {
                {"platform", "bios, efi, ppc or mac"},
                {"emulation", "none, floppy or hd"},
                {"load-segment", "a hexadecimal segment, 0 to FFFF"},
                {"sectors", "a sector count, 1 to 65535"},
                {"info-table", "no value"},
                {"grub2-info", "no value"},
                {"id", "a text"},
            };
            const char *what = "";
            for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
                if (!strcmp(expect[i].key, key))
                    what = expect[i].what;
            if (need_val && !val)
                snprintf(msg, size, "--boot '%s': '%s' needs a value (%s)", spec, key, what);
            else
                snprintf(msg, size, "--boot '%s': bad %s '%s' (expected %s)", spec, key,
                         val ? val : "", what);
            free(field);
            goto bad;
        }
        free(field);
    }
    return 0;
nomem:
    snprintf(msg, size, "out of memory");
bad:
    boot_spec_free(out);
    return -1;
}

void boot_spec_free(struct boot_spec *s)
{
    free(s->file);
    free(s->id);
    s->file = s->id = NULL;
}

int boot_opts_add(struct boot_opts *o, int opt, const char *arg)
{
    if (opt == OPT_BOOT_CATALOG) {
        if (!*arg)
            return cli_usage_error("--boot-catalog: an image path is needed");
        o->catalog = arg;
        return EXIT_OK;
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 4;
        struct boot_spec *s = realloc(o->specs, cap * sizeof *s);
        if (!s)
            return cli_report(FSI_E_OUTOFMEMORY, NULL);
        o->specs = s;
        o->cap = cap;
    }
    char msg[1024];
    if (boot_spec_parse(arg, &o->specs[o->n], msg, sizeof msg) != 0)
        return cli_usage_error("%s", msg);
    o->n++;
    return EXIT_OK;
}

void boot_opts_free(struct boot_opts *o)
{
    for (size_t i = 0; i < o->n; i++)
        boot_spec_free(&o->specs[i]);
    free(o->specs);
    memset(o, 0, sizeof *o);
}

/* ---- giving the image its entries ---- */

/* Report a failed boot setter: the object's message. */
static int report_boot(fsi_boot *b, fsi_hresult hr)
{
    return cli_report(hr, fsi_boot_last_error(b));
}

/* The boot image of one spec: a file of the tree, else a host file.
 * *size gets its size. */
static int assign_image(fsi_image *img, fsi_boot *b, const struct boot_spec *s, size_t index,
                        uint64_t *size)
{
    fsi_item_type t = FSI_ITEM_NOT_FOUND;
    fsi_item item;
    fsi_item_info info;
    unsigned part = 0;
    int used = 0;
    if (sscanf(s->file, "partition:%u%n", &part, &used) == 1 && s->file[used] == '\0') {
        /* An appended partition (--append-partition), loaded where it is. */
        const char *file = fsi_image_get_appended_partition(img, part);
        struct stat st;
        fsi_hresult hr = fsi_boot_set_image_partition(b, part);
        if (FSI_FAILED(hr))
            return report_boot(b, hr);
        *size = file && stat(file, &st) == 0 ? (uint64_t)st.st_size : 0;
        return EXIT_OK;
    }
    if (FSI_SUCCEEDED(fsi_exists(img, s->file, &t)) && t == FSI_ITEM_FILE &&
        FSI_SUCCEEDED(fsi_lookup(img, s->file, &item)) &&
        FSI_SUCCEEDED(fsi_item_get_info(img, item, &info))) {
        fsi_hresult hr = fsi_boot_set_image_path(b, s->file);
        if (FSI_FAILED(hr))
            return report_boot(b, hr);
        *size = info.size;
        return EXIT_OK;
    }
    struct stat st;
    if (stat(s->file, &st) != 0) {
        char msg[4200];
        const char *fmt = fsi_error_message(IMAPI_E_BOOT_IMAGE_DATA);
        size_t n = strlen(fmt);
        if (n && fmt[n - 1] == '.')
            n--;
        snprintf(msg, sizeof msg, "%.*s; boot entry %zu: '%s' is neither a file of the image "
                 "nor a host file (%s)", (int)n, fmt, index + 1, s->file, strerror(errno));
        return cli_report(IMAPI_E_BOOT_IMAGE_DATA, msg);
    }
    fsi_hresult hr = fsi_boot_set_image_file(b, s->file);
    if (FSI_FAILED(hr))
        return report_boot(b, hr);
    *size = fsi_boot_get_image_size(b);
    return EXIT_OK;
}

static int apply_one(fsi_image *img, const struct boot_spec *s, size_t index)
{
    fsi_boot *b = NULL;
    fsi_hresult hr = fsi_boot_new(&b);
    if (FSI_FAILED(hr))
        return cli_report(hr, NULL);
    uint64_t size = 0;
    int rc = assign_image(img, b, s, index, &size);
    if (rc != EXIT_OK) {
        fsi_boot_free(b);
        return rc;
    }
    int emul = FSI_EMULATION_NONE;
    if (s->emulation == BOOT_EMUL_HD) {
        emul = FSI_EMULATION_HARD_DISK;
    } else if (s->emulation == BOOT_EMUL_FLOPPY) {
        emul = size == 1228800 ? FSI_EMULATION_FLOPPY_12
             : size == 1474560 ? FSI_EMULATION_FLOPPY_144
             : size == 2949120 ? FSI_EMULATION_FLOPPY_288 : -1;
        if (emul < 0) {
            char msg[4200];
            const char *fmt = fsi_error_message(IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH);
            size_t n = strlen(fmt);
            if (n && fmt[n - 1] == '.')
                n--;
            snprintf(msg, sizeof msg, "%.*s; boot entry %zu: '%s' has %llu bytes; a floppy "
                     "image must have exactly 1228800, 1474560 or 2949120 bytes", (int)n, fmt,
                     index + 1, s->file, (unsigned long long)size);
            fsi_boot_free(b);
            return cli_report(IMAPI_E_BOOT_EMULATION_IMAGE_SIZE_MISMATCH, msg);
        }
    }
    /* Emulation is set explicitly (none by default): IMAPI's automatic
     * floppy type for floppy-sized images does not apply to mkimage. */
    if (FSI_FAILED(hr = fsi_boot_set_emulation(b, (fsi_emulation)emul)) ||
        (s->platform >= 0 && FSI_FAILED(hr = fsi_boot_set_platform(b, (fsi_platform)s->platform))) ||
        (s->load_segment >= 0 &&
         FSI_FAILED(hr = fsi_boot_set_load_segment(b, (uint16_t)s->load_segment))) ||
        (s->sectors >= 0 && FSI_FAILED(hr = fsi_boot_set_sector_count(b, (uint16_t)s->sectors))) ||
        FSI_FAILED(hr = fsi_boot_set_info_table(b, s->info_table)) ||
        FSI_FAILED(hr = fsi_boot_set_grub2_info(b, s->grub2_info)) ||
        (s->id && FSI_FAILED(hr = fsi_boot_set_manufacturer(b, s->id)))) {
        rc = report_boot(b, hr);
        fsi_boot_free(b);
        return rc;
    }
    hr = fsi_image_add_boot(img, b);
    fsi_boot_free(b);                 /* the image keeps its own reference */
    return FSI_FAILED(hr) ? cli_report_image(img, hr) : EXIT_OK;
}

int boot_opts_apply(const struct boot_opts *o, fsi_image *img)
{
    if (o->catalog && o->n == 0)
        return cli_usage_error("--boot-catalog needs at least one --boot");
    for (size_t i = 0; i < o->n; i++) {
        int rc = apply_one(img, &o->specs[i], i);
        if (rc != EXIT_OK)
            return rc;
    }
    if (o->catalog) {
        fsi_hresult hr = fsi_image_set_boot_catalog(img, o->catalog);
        if (FSI_FAILED(hr))
            return cli_report_image(img, hr);
    }
    return EXIT_OK;
}
