/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * example.c - a minimal libfsi program (the example of README.md).
 *
 * It makes an image object, adds a directory and a file whose bytes come
 * from memory, then makes a mistake on purpose (adding the same name
 * twice) to show how a failure is reported, and frees everything.
 *
 * Build it against the installed library:
 *
 *     cc example.c $(pkg-config --cflags --libs fsi)
 *     ./a.out
 */
#include <fsi.h>

#include <stdio.h>
#include <string.h>

/* Print a result code the way mkimage does: "what: NAME (0xVALUE): message". */
static void report(FILE *f, const fsi_image *img, const char *what, fsi_hresult hr)
{
    const char *name = fsi_error_name(hr);
    fprintf(f, "%s: %s (0x%08X): %s\n", what, name ? name : "unknown code",
            (unsigned)(uint32_t)hr, img ? fsi_image_last_error(img) : "");
}

int main(void)
{
    static const char hello[] = "Hello from libfsi!\n";
    fsi_image *img = NULL;
    fsi_hresult hr;

    hr = fsi_image_new(&img); /* ISO9660 + Joliet + UDF by default */
    if (FSI_FAILED(hr)) {
        report(stderr, NULL, "fsi_image_new", hr);
        return 1;
    }

    hr = fsi_image_set_volume_name(img, "EXAMPLE");
    if (FSI_SUCCEEDED(hr))
        hr = fsi_add_dir(img, "docs");
    if (FSI_SUCCEEDED(hr))
        hr = fsi_add_file_mem(img, "docs/hello.txt", hello, strlen(hello));
    if (FSI_FAILED(hr)) {
        report(stderr, img, "building the tree", hr);
        fsi_image_free(img);
        return 1;
    }
    printf("tree: %llu files, %llu directories\n",
           (unsigned long long)fsi_image_file_count(img),
           (unsigned long long)fsi_image_dir_count(img));

    /* A mistake on purpose: "/docs/hello.txt" names the same file as
     * "docs/hello.txt", so this fails with IMAPI_E_DUP_NAME and the
     * handle keeps a message naming the path. */
    hr = fsi_add_file_mem(img, "/docs/hello.txt", hello, strlen(hello));
    if (FSI_SUCCEEDED(hr)) {
        fprintf(stderr, "adding a name twice should have failed\n");
        fsi_image_free(img);
        return 1;
    }
    report(stdout, img, "expected failure", hr);

    fsi_image_free(img);
    return hr == IMAPI_E_DUP_NAME ? 0 : 1;
}
