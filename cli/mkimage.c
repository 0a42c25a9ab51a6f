/* SPDX-License-Identifier: BSD-2-Clause */
/* mkimage.c - entry point: dispatch to one subcommand per file. */
#include "config.h"
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_report(fsi_hresult hr, const char *msg)
{
    const char *name = fsi_error_name(hr);
    char buf[64];
    if (!name) {
        snprintf(buf, sizeof buf, "HRESULT");
        name = buf;
    }
    if (!msg || !*msg)
        msg = fsi_error_message(hr) ? fsi_error_message(hr) : "unknown error";
    if (hr == FSI_S_OK)
        return EXIT_OK;
    /* The library escapes its messages; messages made here may quote a
     * path as the user gave it, so escape once more (a no-op on the
     * library's). */
    fprintf(stderr, "mkimage: %s%s (0x%08X): ", FSI_FAILED(hr) ? "" : "warning: ", name,
            (unsigned)(uint32_t)hr);
    cli_put_text(stderr, msg, strlen(msg));
    fputc('\n', stderr);
    return FSI_FAILED(hr) ? EXIT_FAIL : EXIT_OK;
}

int cli_report_image(fsi_image *img, fsi_hresult hr)
{
    return cli_report(hr, img ? fsi_image_last_error(img) : NULL);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    char small[512], *text = small;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!text)
        text = small;      /* out of memory: the message cut short */
    /* Arguments the user typed may hold control bytes: print them escaped. */
    fputs("mkimage: ", stderr);
    cli_put_text(stderr, text, n < 0 ? 0 : strlen(text));
    if (text != small)
        free(text);
    fputs("\nTry 'mkimage --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

static void usage(FILE *f)
{
    fputs("Usage: mkimage COMMAND [OPTIONS] ...\n"
          "Build ISO9660, Joliet and UDF optical-disc images.\n"
          "\n"
          "Commands:\n"
          "  create [OPTIONS] -o OUTPUT SOURCE...   make an image (also: mkimage -o OUTPUT ...)\n"
          "  append [OPTIONS] IMAGE [SOURCE...]     add a session to an image in place\n"
          "  info [--json] IMAGE                    file systems, labels, sizes, sessions, boot entries\n"
          "  ls [-l] [-R] [--fs FS] IMAGE [PATH]    list what an image holds\n"
          "  extract [--fs FS] IMAGE DIR [PATH...]  copy the tree out (safe paths only)\n"
          "  verify [--strict] IMAGE                deep check of an image\n"
          "  cd -o DISC.cue [OPTIONS] TRACK...      a raw CD image: audio, mixed mode (cue/bin)\n"
          "  errors [NAME|0xVALUE]                  list the IMAPI codes, or show one\n"
          "  -as mkisofs ARGS...                    the mkisofs/genisoimage/xorrisofs dialect\n"
          "\n"
          "Run 'mkimage COMMAND --help' for the options of a command.\n"
          "See mkimage(1) for details.\n",
          f);
}

int main(int argc, char **argv)
{
    /* Run as mkisofs, genisoimage or xorrisofs (a link): their dialect. */
    const char *prog = strrchr(argv[0], '/');
    prog = prog ? prog + 1 : argv[0];
    if (!strcmp(prog, "mkisofs") || !strcmp(prog, "genisoimage") || !strcmp(prog, "xorrisofs"))
        return cmd_mkisofs(argc, argv);
    if (argc < 2)
        return usage(stderr), EXIT_USAGE;
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help"))
        return usage(stdout), EXIT_OK;
    if (!strcmp(cmd, "--version")) {
        printf("mkimage (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "-as")) {
        if (argc < 3 || (strcmp(argv[2], "mkisofs") && strcmp(argv[2], "genisoimage") &&
                         strcmp(argv[2], "xorrisofs")))
            return cli_usage_error("-as: the dialect must be mkisofs (or genisoimage, "
                                   "xorrisofs)");
        return cmd_mkisofs(argc - 2, argv + 2);
    }
    if (!strcmp(cmd, "errors"))
        return cmd_errors(argc - 1, argv + 1);
    if (!strcmp(cmd, "create"))
        return cmd_create(argc - 1, argv + 1);
    if (!strcmp(cmd, "append"))
        return cmd_append(argc - 1, argv + 1);
    if (!strcmp(cmd, "info"))
        return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "ls"))
        return cmd_ls(argc - 1, argv + 1);
    if (!strcmp(cmd, "extract"))
        return cmd_extract(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify"))
        return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "cd"))
        return cmd_cd(argc - 1, argv + 1);
    if (cmd[0] == '-')  /* "mkimage -o OUT ..." is create */
        return cmd_create(argc, argv);
    return cli_usage_error("unknown command '%s'", cmd);
}
