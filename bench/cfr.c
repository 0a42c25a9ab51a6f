/* SPDX-License-Identifier: BSD-2-Clause */
/* cfr.c - the benchmark's floor: append every file named on stdin (one
 * per line) to OUTPUT with copy_file_range, as a plain copy would. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cfr OUTPUT < list\n");
        return 2;
    }
    int out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        perror(argv[1]);
        return 1;
    }
    char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        int in = open(line, O_RDONLY);
        struct stat st;
        if (in < 0 || fstat(in, &st) != 0) {
            perror(line);
            return 1;
        }
        off_t left = st.st_size;
        while (left > 0) {
            ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
            if (n <= 0) {
                perror("copy_file_range");
                return 1;
            }
            left -= n;
        }
        close(in);
    }
    return close(out) != 0;
}
