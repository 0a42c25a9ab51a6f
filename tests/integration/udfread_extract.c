/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tests/integration/udfread_extract.c - an independent UDF reader for the
 * tests: libudfread (what Blu-ray players use) extracts every file of the
 * volume an image's anchors lead to.
 *
 *   udfread_extract IMAGE DIR     exit 0 if every directory and file read
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <udfread/udfread.h>
static int errors;
static void walk(UDFDIR *dir, const char *out)
{
    struct udfread_dirent ent;
    while (udfread_readdir(dir, &ent)) {
        if (!strcmp(ent.d_name, ".") || !strcmp(ent.d_name, ".."))
            continue;
        char *p;
        if (asprintf(&p, "%s/%s", out, ent.d_name) < 0)
            exit(1);
        if (ent.d_type == UDF_DT_DIR) {
            UDFDIR *sub = udfread_opendir_at(dir, ent.d_name);
            mkdir(p, 0755);
            if (sub) {
                walk(sub, p);
                udfread_closedir(sub);
            } else {
                errors = 1;
            }
        } else {
            UDFFILE *f = udfread_file_openat(dir, ent.d_name);
            FILE *o = fopen(p, "wb");
            char buf[65536];
            ssize_t r;
            if (!f || !o) {
                errors = 1;
            } else {
                while ((r = udfread_file_read(f, buf, sizeof buf)) > 0)
                    fwrite(buf, 1, (size_t)r, o);
                if (r < 0)
                    errors = 1;
            }
            if (f)
                udfread_file_close(f);
            if (o)
                fclose(o);
        }
        free(p);
    }
}
int main(int argc, char **argv)
{
    udfread *u = udfread_init();
    if (argc != 3 || !u || udfread_open(u, argv[1]) < 0)
        return 1;
    UDFDIR *root = udfread_opendir(u, "/");
    if (!root)
        return 1;
    walk(root, argv[2]);
    udfread_closedir(root);
    udfread_close(u);
    return errors;
}
