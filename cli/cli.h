/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.h - shared helpers of the mkimage subcommands. */
#ifndef MKIMAGE_CLI_H
#define MKIMAGE_CLI_H

#include "fsi.h"

/* Exit statuses (DESIGN.md section 4). */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Print "mkimage: NAME (0x...): message" on stderr for a failure, or
 * "mkimage: warning: NAME (0x...): message" for a success code with
 * information.  `msg` is the formatted message (may be NULL: the code's
 * template is used).  Returns EXIT_FAIL for failures, EXIT_OK otherwise. */
int cli_report(fsi_hresult hr, const char *msg);

/* Report the last failure of an image handle (see cli_report). */
int cli_report_image(fsi_image *img, fsi_hresult hr);

/* Print "mkimage: message" plus a hint to run --help, return EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Open the image at path for reading (a failure is reported: returns
 * EXIT_FAIL). */
int cli_open_disc(const char *path, fsi_disc **out);
/* Report the last failure of a disc (see cli_report). */
int cli_report_disc(fsi_disc *d, fsi_hresult hr);
/* --fs NAME: iso9660 (plain names: Rock Ridge ignored), rockridge (ISO9660
 * with Rock Ridge), joliet, udf.  Returns -1 for an unknown name. */
int cli_parse_fs(const char *name, unsigned *fs, unsigned *flags);

int cmd_errors(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
