/* SPDX-License-Identifier: BSD-2-Clause */
/* cmd_errors.c - `mkimage errors [NAME|0xVALUE]`: the IMAPI code table. */
#include "config.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void errors_usage(FILE *f)
{
    fputs("Usage: mkimage errors [NAME|0xVALUE|DECIMAL]\n"
          "List every IMAPI result code libfsi knows (name, value, message),\n"
          "or show one code in detail.\n"
          "\n"
          "  NAME      a symbolic name, e.g. IMAPI_E_DUP_NAME (any case)\n"
          "  0xVALUE   the HRESULT in hexadecimal, e.g. 0xC0AAB112\n"
          "  DECIMAL   the HRESULT in decimal, e.g. -1062555374\n"
          "\n"
          "In messages, %1 %2 %3 stand for the inserts (a path, a file-system\n"
          "name, a byte count) filled in when the error happens.\n"
          "\n"
          "Exit status: 0 on success, 1 for an unknown code, 2 for a usage error.\n",
          f);
}

static const char *kind_of(fsi_hresult hr)
{
    if (FSI_FAILED(hr))
        return "failure";
    return hr == FSI_S_OK ? "success" : "success with information";
}

static void show_one(fsi_hresult hr)
{
    const char *ins = fsi_error_inserts(hr);
    printf("Name:     %s\n", fsi_error_name(hr));
    printf("Value:    0x%08X (%ld)\n", (unsigned)(uint32_t)hr, (long)hr);
    printf("Kind:     %s\n", kind_of(hr));
    printf("Message:  %s\n", fsi_error_message(hr));
    fputs("Inserts:  ", stdout);
    if (!ins || !*ins) {
        fputs("none", stdout);
    } else {
        /* "path,file system" -> "%1 = path, %2 = file system" */
        int n = 1;
        for (const char *p = ins; *p;) {
            const char *q = strchr(p, ',');
            size_t len = q ? (size_t)(q - p) : strlen(p);
            printf("%s%%%d = %.*s", n > 1 ? ", " : "", n, (int)len, p);
            n++;
            p += len;
            if (*p == ',')
                p++;
        }
    }
    fputc('\n', stdout);
}

static void list_all(void)
{
    size_t n = fsi_error_count();
    int width = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fsi_error_name(fsi_error_at(i)));
        if ((int)len > width)
            width = (int)len;
    }
    for (size_t i = 0; i < n; i++) {
        fsi_hresult hr = fsi_error_at(i);
        printf("%-*s  0x%08X  %s\n", width, fsi_error_name(hr),
               (unsigned)(uint32_t)hr, fsi_error_message(hr));
    }
}

int cmd_errors(int argc, char **argv)
{
    const char *arg = NULL;
    int nargs = 0;
    bool opts = true;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
            errors_usage(stdout);
            return EXIT_OK;
        }
        if (opts && !strcmp(a, "--")) {
            opts = false;
            continue;
        }
        /* A lone '-' followed by digits is a negative decimal code. */
        if (opts && a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9'))
            return cli_usage_error("errors: unknown option '%s'", a);
        if (nargs++ == 0)
            arg = a;
    }
    if (nargs > 1)
        return cli_usage_error("errors: expected at most one NAME or VALUE, got %d", nargs);

    if (!arg) {
        list_all();
    } else {
        fsi_hresult hr;
        if (fsi_error_lookup(arg, &hr) != 0) {
            fprintf(stderr, "mkimage: unknown IMAPI code '%s'\n", arg);
            return EXIT_FAIL;
        }
        show_one(hr);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("mkimage: errors: writing to standard output");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
