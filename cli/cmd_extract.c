/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_extract.c - mkimage extract (STUB, in progress). */
#include "config.h"
#include "cli.h"

int cmd_extract(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'extract' is not implemented yet");
}
