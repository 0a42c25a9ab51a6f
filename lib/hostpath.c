/* SPDX-License-Identifier: BSD-2-Clause */
/* hostpath.c - open host paths longer than PATH_MAX (see hostpath.h). */
#include "config.h"
#include "hostpath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hostpath_openat(int dfd, const char *path, int flags)
{
    size_t len = strlen(path);
    if (len < PATH_MAX)
        return openat(dfd, path, flags);
    char *buf = strdup(path);
    if (!buf)
        return -1;
    char *p = buf;
    int cur = dfd, fd = -1;
    for (;;) {
        len = strlen(p);
        if (len < PATH_MAX) {
            fd = openat(cur, p, flags);
            break;
        }
        /* Cut at the last '/' that leaves a piece the kernel accepts. */
        char *cut = p + PATH_MAX - 1;
        while (cut > p && *cut != '/')
            cut--;
        if (cut == p) {
            errno = ENAMETOOLONG;    /* one name longer than PATH_MAX */
            break;
        }
        *cut = '\0';
        int next = openat(cur, p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (next < 0)
            break;
        if (cur != dfd)
            close(cur);
        cur = next;
        p = cut + 1;
        while (*p == '/')
            p++;
    }
    int e = errno;
    if (cur != dfd)
        close(cur);
    free(buf);
    errno = e;
    return fd;
}
