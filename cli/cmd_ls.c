/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_ls.c - mkimage ls (STUB, in progress). */
#include "config.h"
#include "cli.h"

int cmd_ls(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'ls' is not implemented yet");
}
