/* SPDX-License-Identifier: BSD-2-Clause */
/* cli.h - shared helpers of the mkimage subcommands. */
#ifndef MKIMAGE_CLI_H
#define MKIMAGE_CLI_H

#include "fsi.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

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

/* A name (or link target) from an image for a terminal or a script:
 * control characters, DEL, C1 controls, backslash and bytes that are
 * not UTF-8 become \ooo octal escapes, one per byte (as ls -b).  The
 * result is malloc'ed (NULL when out of memory). */
char *cli_escape_name(const char *name, size_t len);
void cli_put_name(FILE *f, const char *name, size_t len);
/* Text for a message (a path, a host file name, an error message): C0
 * and C1 controls, DEL and bytes that are not UTF-8 become \xHH, one per
 * byte, so nothing reaches a terminal raw; everything else (backslashes
 * too) is kept, so escaping twice changes nothing.  malloc'ed (NULL when
 * out of memory); cli_put_text prints it ('?' for those bytes when out of
 * memory). */
char *cli_escape_text(const char *text, size_t len);
void cli_put_text(FILE *f, const char *text, size_t len);
/* A JSON string: control characters (C1 too) escaped, a byte that is not
 * part of valid UTF-8 written as \u00XX (its Latin-1 reading). */
void cli_json_string(FILE *f, const char *s, size_t len);
/* "ISO9660", "Joliet", "UDF" for one FSI_FS_* bit. */
const char *cli_fs_name(unsigned fs);
/* UTC time: ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" (iso) or "YYYY-MM-DD HH:MM";
 * false (and a placeholder) when it has no such form. */
bool cli_format_time(char *buf, size_t size, const struct timespec *ts, bool iso);
/* --session N: accepted when N is the last session (what the library
 * reads); else a usage error (returned, EXIT_OK when accepted). */
int cli_parse_session(fsi_disc *d, const char *arg);

/* A volume date as mkisofs writes it, "YYYYMMDDhhmmsscc" (UTC; the
 * hundredths may be left out), or "none" (FSI_DATE_NONE): 0, or -1 if it
 * is neither. */
int cli_parse_date17(const char *s, int64_t *ns);

int cmd_errors(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_append(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_cd(int argc, char **argv);
/* `mkimage -as mkisofs ARGS` (argv[0] the program name it answers to). */
int cmd_mkisofs(int argc, char **argv);

#endif
