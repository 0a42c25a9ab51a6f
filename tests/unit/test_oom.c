/* SPDX-License-Identifier: BSD-2-Clause */
/* test_oom.c - running out of memory is FSI_E_OUTOFMEMORY (E_OUTOFMEMORY)
 * and leaves the tree usable: the failed add is simply absent. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsi.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void test_out_of_memory_on_add(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    /* ASan reserves far more address space than the limit allows; the
     * plain build runs this test. */
    print_message("not run under AddressSanitizer\n");
    return;
#endif
    pid_t pid = fork();
    if (pid == 0) {
        /* 256 MiB of address space in all: the adds below run out. */
        struct rlimit rl = {256u << 20, 256u << 20};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(3);
        static char chunk[1 << 20];
        memset(chunk, 'm', sizeof chunk);
        fsi_image *img;
        if (FSI_FAILED(fsi_image_new(&img)))
            _exit(4);
        char p[32];
        fsi_hresult hr = FSI_S_OK;
        int i;
        for (i = 0; i < 4096 && FSI_SUCCEEDED(hr); i++) {
            snprintf(p, sizeof p, "f%04d", i);
            hr = fsi_add_file_mem(img, p, chunk, sizeof chunk);
        }
        int ok = hr == FSI_E_OUTOFMEMORY &&
                 !strcmp(fsi_error_name(fsi_image_last_code(img)), "E_OUTOFMEMORY") &&
                 fsi_image_file_count(img) == (uint64_t)(i - 1);
        fsi_item_type t;
        snprintf(p, sizeof p, "f%04d", i - 1);
        ok = ok && fsi_exists(img, p, &t) == FSI_S_OK && t == FSI_ITEM_NOT_FOUND;
        /* still usable: a removal frees room for one more */
        ok = ok && fsi_remove(img, "f0000") == FSI_S_OK;
        ok = ok && fsi_add_file_mem(img, p, chunk, 1000) == FSI_S_OK;
        fsi_image_free(img);
        _exit(ok ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_of_memory_on_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
