/* SPDX-License-Identifier: BSD-2-Clause */
/* tree-scale.c - time and memory of the in-memory tree alone.
 *
 *   cc -O2 -o tree-scale bench/tree-scale.c $(pkg-config --cflags --libs fsi)
 *   ./tree-scale N            N empty files in 1000 directories, through the API
 *   ./tree-scale -t HOSTDIR   fsi_add_tree of a host directory
 *
 * Prints the seconds taken, the peak RSS and the bytes per item. */
#include <fsi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    fsi_image *img;
    if (argc < 2 || FSI_FAILED(fsi_image_new(&img))) {
        fprintf(stderr, "usage: tree-scale N | tree-scale -t HOSTDIR\n");
        return 2;
    }
    double t0 = now();
    fsi_hresult hr = FSI_S_OK;
    if (!strcmp(argv[1], "-t") && argc == 3) {
        hr = fsi_add_tree(img, "/", argv[2], false);
    } else {
        long n = atol(argv[1]);
        char p[64];
        for (int d = 0; d < 1000 && FSI_SUCCEEDED(hr); d++) {
            snprintf(p, sizeof p, "d%04d", d);
            hr = fsi_add_dir(img, p);
        }
        for (long i = 0; i < n && FSI_SUCCEEDED(hr); i++) {
            snprintf(p, sizeof p, "d%04ld/file%07ld.txt", i % 1000, i);
            hr = fsi_add_file_mem(img, p, NULL, 0);
        }
    }
    double t = now() - t0;
    if (FSI_FAILED(hr)) {
        fprintf(stderr, "%s: %s\n", fsi_error_name(hr), fsi_image_last_error(img));
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    uint64_t items = fsi_image_file_count(img) + fsi_image_dir_count(img);
    printf("%llu items: %.2f s, peak RSS %ld KiB, %.0f bytes per item\n",
           (unsigned long long)items, t, ru.ru_maxrss,
           items ? ru.ru_maxrss * 1024.0 / (double)items : 0.0);
    fsi_image_free(img);
    return 0;
}
