/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_verify.c - mkimage verify (STUB, in progress). */
#include "config.h"
#include "cli.h"

int cmd_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_usage_error("'verify' is not implemented yet");
}
