/* SPDX-License-Identifier: BSD-2-Clause */
/* disc_open.c - what the reading subcommands share: open an image, name a view. */
#include "config.h"
#include "cli.h"

#include <string.h>

int cli_open_disc(const char *path, fsi_disc **out)
{
    fsi_disc *d = NULL;
    fsi_hresult hr = fsi_disc_new(&d);
    if (FSI_FAILED(hr))
        return cli_report(hr, NULL);
    hr = fsi_disc_set_path(d, path);
    if (FSI_FAILED(hr)) {
        int rc = cli_report(hr, fsi_disc_last_error(d));
        fsi_disc_free(d);
        return rc;
    }
    *out = d;
    return EXIT_OK;
}

int cli_report_disc(fsi_disc *d, fsi_hresult hr)
{
    return cli_report(hr, d ? fsi_disc_last_error(d) : NULL);
}

int cli_parse_fs(const char *name, unsigned *fs, unsigned *flags)
{
    if (!strcmp(name, "iso9660") || !strcmp(name, "rockridge") || !strcmp(name, "rr")) {
        *fs = FSI_FS_ISO9660;
        if (!strcmp(name, "iso9660"))
            *flags |= FSI_WALK_NO_ROCK_RIDGE;
        return 0;
    }
    if (!strcmp(name, "joliet")) {
        *fs = FSI_FS_JOLIET;
        return 0;
    }
    if (!strcmp(name, "udf")) {
        *fs = FSI_FS_UDF;
        return 0;
    }
    return -1;
}
