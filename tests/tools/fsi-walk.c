/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsi-walk - test tool: every entry of one view of an image, one line
 * each, through the library's public reading API:
 *
 *   fsi-walk IMAGE [iso9660|rockridge|joliet|udf|default] [PATH]
 *
 * Line: path TAB type TAB size TAB sha256|- TAB mode|- TAB uid:gid|-
 *       TAB mtime|- TAB nlink|- TAB target|-
 * type: f d l c b p s; mode in octal (permission bits); mtime in seconds.
 * Exit 1 with the library's message on a failure.
 */
#include "fsi.h"
#include "sha256.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
    fsi_disc *disc;
    fsi_hresult err;
};

static int on_entry(void *vctx, const fsi_disc_entry *e)
{
    struct ctx *c = vctx;
    static const char types[] = "?fdlcbps";
    char hex[65] = "-";
    if (e->type == FSI_ENTRY_FILE) {
        struct sha256 s;
        sha256_init(&s);
        static uint8_t buf[1 << 16];
        for (uint64_t off = 0; off < e->size;) {
            size_t want = e->size - off < sizeof buf ? (size_t)(e->size - off) : sizeof buf, got;
            fsi_hresult hr = fsi_disc_read(c->disc, e->extents, e->nextents, off, buf, want, &got);
            if (FSI_FAILED(hr)) {
                c->err = hr;
                return 1;
            }
            if (got == 0) {
                fprintf(stderr, "fsi-walk: %s: data shorter than its size\n", e->path);
                c->err = FSI_E_FAIL;
                return 1;
            }
            sha256_update(&s, buf, got);
            off += got;
        }
        sha256_hex(&s, hex);
    }
    fwrite(e->path, 1, e->path_len, stdout);
    printf("\t%c\t%" PRIu64 "\t%s\t", types[e->type < 8 ? e->type : 0], e->size, hex);
    if (e->has & FSI_HAS_MODE)
        printf("%04o\t", (unsigned)e->mode);
    else
        printf("-\t");
    if (e->has & FSI_HAS_OWNER)
        printf("%u:%u\t", (unsigned)e->uid, (unsigned)e->gid);
    else
        printf("-\t");
    if (e->has & FSI_HAS_MTIME)
        printf("%lld\t", (long long)e->mtime.tv_sec);
    else
        printf("-\t");
    if (e->has & FSI_HAS_NLINK)
        printf("%u\t", (unsigned)e->nlink);
    else
        printf("-\t");
    if (e->link_target)
        fwrite(e->link_target, 1, e->link_target_len, stdout);
    else
        putchar('-');
    putchar('\n');
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: fsi-walk IMAGE [iso9660|rockridge|joliet|udf|default] [PATH]\n");
        return 2;
    }
    const char *view = argc > 2 ? argv[2] : "default";
    unsigned fs = FSI_FS_NONE, flags = FSI_WALK_RECURSIVE;
    if (!strcmp(view, "iso9660"))
        fs = FSI_FS_ISO9660, flags |= FSI_WALK_NO_ROCK_RIDGE;
    else if (!strcmp(view, "rockridge"))
        fs = FSI_FS_ISO9660;
    else if (!strcmp(view, "joliet"))
        fs = FSI_FS_JOLIET;
    else if (!strcmp(view, "udf"))
        fs = FSI_FS_UDF;
    else if (strcmp(view, "default") != 0) {
        fprintf(stderr, "fsi-walk: unknown view '%s'\n", view);
        return 2;
    }
    fsi_disc *disc;
    fsi_hresult hr = fsi_disc_new(&disc);
    if (FSI_SUCCEEDED(hr))
        hr = fsi_disc_set_path(disc, argv[1]);
    struct ctx c = { disc, FSI_S_OK };
    if (FSI_SUCCEEDED(hr))
        hr = fsi_disc_walk(disc, fs, argc > 3 ? argv[3] : "/", flags, on_entry, &c);
    if (FSI_FAILED(hr) || FSI_FAILED(c.err)) {
        fsi_hresult code = FSI_FAILED(c.err) ? c.err : hr;
        const char *name = fsi_error_name(code);
        fprintf(stderr, "fsi-walk: %s (0x%08X): %s\n", name ? name : "?", (unsigned)code,
                disc ? fsi_disc_last_error(disc) : "");
        fsi_disc_free(disc);
        return 1;
    }
    fsi_disc_free(disc);
    return 0;
}
