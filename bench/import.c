/* SPDX-License-Identifier: BSD-2-Clause */
/* import.c - bench helper: import an image's default file system into an
 * image object (fsi_import) and report the items, as a C program using
 * the library would.  bench/read times it and takes its peak RSS. */
#include "fsi.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: import IMAGE\n");
        return 2;
    }
    fsi_disc *disc;
    fsi_image *img;
    if (FSI_FAILED(fsi_disc_open(argv[1], &disc)) || FSI_FAILED(fsi_image_new(&img))) {
        fprintf(stderr, "import: cannot open %s\n", argv[1]);
        return 1;
    }
    unsigned fs = 0;
    fsi_hresult hr = fsi_import(img, disc, FSI_FS_NONE, 0, &fs);
    if (FSI_FAILED(hr)) {
        fprintf(stderr, "import: %s: %s\n", fsi_error_name(hr), fsi_image_last_error(img));
        return 1;
    }
    printf("fs %u: %llu files, %llu directories\n", fs,
           (unsigned long long)fsi_image_file_count(img), (unsigned long long)fsi_image_dir_count(img));
    fsi_image_free(img);
    fsi_disc_free(disc);
    return 0;
}
