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

int cmd_errors(int argc, char **argv);
int cmd_create(int argc, char **argv);

#endif
