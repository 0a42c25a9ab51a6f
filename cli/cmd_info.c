/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_info.c - mkimage info (STUB, in progress). */
#include "config.h"
#include "cli.h"

int cmd_info(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'info' is not implemented yet");
}
