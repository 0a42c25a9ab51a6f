/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_names.c - ISO9660, Joliet and UDF identifiers (lib/names*.c):
 * mapping, lengths, unique names, record order, volume identifiers; tree
 * names with control characters and bytes that are not UTF-8.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "names_iso.h"
#include "names_joliet.h"
#include "names_udf.h"

/* ---- helpers --------------------------------------------------------- */

static struct name_in mk(const char *s, bool dir)
{
    struct name_in r = { s, strlen(s), dir };
    return r;
}

/* The identifier as a C string (ISO). */
static const char *iso_str(const struct iso_name *a)
{
    static char buf[8][ISO_NAME_MAX + 1];
    static int k;
    char *b = buf[k++ & 7];
    memcpy(b, a->id, a->len);
    b[a->len] = 0;
    return b;
}

/* The identifier of one child alone in its directory. */
static const char *iso1(int level, const char *name, bool dir)
{
    struct name_in in = mk(name, dir);
    struct iso_name out;
    assert_int_equal(iso_names_dir(&in, 1, level, &out, NULL), FSI_S_OK);
    return iso_str(&out);
}

/* UTF-8 of a Joliet identifier. */
static const char *jol_str(const struct joliet_name *a)
{
    static char buf[8][4 * JOLIET_ID_MAX + 1];
    static int k;
    char *b = buf[k++ & 7], *p = b;
    for (size_t i = 0; i < a->len; i++) {
        uint16_t c = a->ch[i];
        if (c < 0x80) {
            *p++ = (char)c;
        } else if (c < 0x800) {
            *p++ = (char)(0xC0 | (c >> 6));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else {
            *p++ = (char)(0xE0 | (c >> 12));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *p = 0;
    return b;
}

static const char *jol1(const char *name, bool dir)
{
    struct name_in in = mk(name, dir);
    struct joliet_name out;
    assert_int_equal(joliet_names_dir(&in, 1, &out, NULL), FSI_S_OK);
    return jol_str(&out);
}

/* What readers show: the identifier without ";1" and trailing dots. */
static void iso_visible(const struct iso_name *a, char *out)
{
    size_t k = a->len;
    memcpy(out, a->id, k);
    if (k >= 2 && out[k - 2] == ';')
        k -= 2;
    while (k > 0 && out[k - 1] == '.')
        k--;
    out[k] = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every visible form differs from every other. */
static void assert_iso_unique(const struct iso_name *out, size_t n)
{
    char *vis = malloc(n * 40);
    char **p = malloc(n * sizeof *p);
    assert_non_null(vis);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = vis + 40 * i;
        iso_visible(&out[i], p[i]);
    }
    qsort(p, n, sizeof *p, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(p[i - 1], p[i]) == 0)
            fail_msg("two ISO names show as \"%s\"", p[i]);
    free(p);
    free(vis);
}

static void assert_joliet_unique(const struct joliet_name *out, size_t n)
{
    char *vis = malloc(n * (4 * JOLIET_ID_MAX + 1));
    char **p = malloc(n * sizeof *p);
    assert_non_null(vis);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = vis + (4 * JOLIET_ID_MAX + 1) * i;
        strcpy(p[i], jol_str(&out[i]));
        size_t k = strlen(p[i]);
        if (k >= 2 && p[i][k - 2] == ';')
            k -= 2;
        while (k > 0 && p[i][k - 1] == '.')
            k--;
        p[i][k] = 0;
    }
    qsort(p, n, sizeof *p, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(p[i - 1], p[i]) == 0)
            fail_msg("two Joliet names show as \"%s\"", p[i]);
    free(p);
    free(vis);
}

/* An ISO identifier obeys ECMA-119 at `level`. */
static void assert_iso_valid(const struct iso_name *a, int level, bool dir)
{
    const char *s = iso_str(a);
    size_t nlen = 0, elen = 0, i = 0;

    for (; i < a->len && a->id[i] != '.' && a->id[i] != ';'; i++, nlen++) {
        char c = a->id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            fail_msg("\"%s\": not a d-character at %zu", s, i);
    }
    if (dir) {
        if (i != a->len)
            fail_msg("\"%s\": directory with a separator", s);
        if (nlen < 1 || nlen > (level == 1 ? 8u : 31u))
            fail_msg("\"%s\": directory identifier length %zu", s, nlen);
        return;
    }
    if (i >= a->len || a->id[i] != '.')
        fail_msg("\"%s\": no SEPARATOR 1", s);
    for (i++; i < a->len && a->id[i] != ';'; i++, elen++) {
        char c = a->id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            fail_msg("\"%s\": not a d-character at %zu", s, i);
    }
    if (i + 2 != a->len || a->id[i] != ';' || a->id[i + 1] != '1')
        fail_msg("\"%s\": no \";1\"", s);
    if (nlen + elen < 1)
        fail_msg("\"%s\": empty", s);
    if (level == 1 ? (nlen > 8 || elen > 3) : nlen + elen > 30)
        fail_msg("\"%s\": too long for level %d", s, level);
}

static void assert_joliet_valid(const struct joliet_name *a, bool dir)
{
    size_t n = a->len;
    if (!dir) {
        if (n < 3 || a->ch[n - 2] != ';' || a->ch[n - 1] != '1')
            fail_msg("\"%s\": no \";1\"", jol_str(a));
        n -= 2;
    }
    size_t dots = 0, last = n;
    for (size_t i = 0; i < n; i++) {
        uint16_t c = a->ch[i];
        if (c < 0x20 || c == '*' || c == '/' || c == ':' || c == ';' || c == '?' ||
            c == '\\' || (c >= 0xD800 && c <= 0xDFFF))
            fail_msg("\"%s\": forbidden unit %04x", jol_str(a), c);
        if (c == '.') {
            dots++;
            last = i;
        }
    }
    /* name + extension <= 64, the separating dot not counted */
    size_t chars = n - (dir || last == n ? 0 : 1);
    if (chars > JOLIET_NAME_CHARS)
        fail_msg("\"%s\": %zu characters", jol_str(a), chars);
    (void)dots;
}

/* ---- ISO9660: lengths ------------------------------------------------ */

static void test_iso_level1_cuts_names_to_8_3(void **state)
{
    (void)state;
    assert_string_equal(iso1(1, "verylongfilename.text", false), "VERYLONG.TEX;1");
    assert_string_equal(iso1(1, "a.b", false), "A.B;1");
    assert_string_equal(iso1(1, "12345678.123", false), "12345678.123;1");
    assert_string_equal(iso1(1, "longdirectoryname", true), "LONGDIRE");
    assert_string_equal(iso1(1, "short", true), "SHORT");
}

static void test_iso_level2_limits_name_and_extension_to_30(void **state)
{
    char name[128];
    (void)state;
    memset(name, 'a', 40);
    strcpy(name + 40, ".txt");
    /* name part kept first; 27 + "." + 3 + ";1" */
    assert_string_equal(iso1(2, name, false), "AAAAAAAAAAAAAAAAAAAAAAAAAAA.TXT;1");
    name[40] = 0;
    assert_string_equal(iso1(2, name, false), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.;1");
    assert_string_equal(iso1(2, name, true), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");   /* 31 */
    /* a short extension stays whole, the name is cut */
    memset(name, 'n', 100);
    strcpy(name + 100, ".jpeg");
    assert_string_equal(iso1(2, name, false), "NNNNNNNNNNNNNNNNNNNNNNNNNN.JPEG;1");
    /* a long one keeps 8 */
    memset(name, 'n', 40);
    strcpy(name + 40, ".extension_of_twenty");
    assert_string_equal(iso1(2, name, false), "NNNNNNNNNNNNNNNNNNNNNN.EXTENSIO;1");
    /* exactly 30 fits */
    assert_string_equal(iso1(2, "abcdefghijklmnopqrstuvwxyz.abcd", false),
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ.ABCD;1");
}

static void test_iso_level3_names_like_level2(void **state)
{
    (void)state;
    const char *names[] = { "a very long file name that goes on.html", "x.y", "dir.with.dots" };
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(iso1(3, names[i], false), iso1(2, names[i], false));
        assert_string_equal(iso1(3, names[i], true), iso1(2, names[i], true));
    }
}

static void test_iso_level2_long_extension_shares_the_30(void **state)
{
    (void)state;
    /* The extension takes what the name leaves. */
    assert_string_equal(iso1(2, "a.abcdefghijklmnopqrstuvwxyz0123456789", false),
                        "A.ABCDEFGHIJKLMNOPQRSTUVWXYZ012;1");
    /* Two that clash: the second shortens its extension to make room. */
    struct name_in in[2] = {
        mk("a.abcdefghijklmnopqrstuvwxyz012XXXX", false),
        mk("a.abcdefghijklmnopqrstuvwxyz012YYYY", false),
    };
    struct iso_name out[2];
    assert_int_equal(iso_names_dir(in, 2, 2, out, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&out[0]), "A.ABCDEFGHIJKLMNOPQRSTUVWXYZ012;1");
    assert_string_equal(iso_str(&out[1]), "A_1.ABCDEFGHIJKLMNOPQRSTUVWXYZ0;1");
    assert_iso_valid(&out[1], 2, false);
}

/* ---- ISO9660: characters --------------------------------------------- */

static void test_iso_dots_only_last_one_separates(void **state)
{
    (void)state;
    assert_string_equal(iso1(2, "archive.tar.gz", false), "ARCHIVE_TAR.GZ;1");
    assert_string_equal(iso1(1, "archive.tar.gz", false), "ARCHIVE_.GZ;1");
    assert_string_equal(iso1(2, "README", false), "README.;1");        /* 7.5.1 */
    assert_string_equal(iso1(2, "trailing.", false), "TRAILING.;1");
    assert_string_equal(iso1(2, ".bashrc", false), "_BASHRC.;1");      /* leading dot */
    assert_string_equal(iso1(2, ".config.old", false), "_CONFIG.OLD;1");
    assert_string_equal(iso1(2, "...", false), "__.;1");
    assert_string_equal(iso1(2, "my.dir", true), "MY_DIR");
    assert_string_equal(iso1(1, ".hidden", true), "_HIDDEN");
}

static void test_iso_spaces_and_punctuation_become_underscore(void **state)
{
    (void)state;
    assert_string_equal(iso1(2, "my file (1).txt", false), "MY_FILE__1_.TXT;1");
    assert_string_equal(iso1(2, "a-b+c=d,e", false), "A_B_C_D_E.;1");
    assert_string_equal(iso1(2, "tab\tand~tilde", true), "TAB_AND_TILDE");
}

static void test_iso_lowercase_becomes_uppercase(void **state)
{
    (void)state;
    assert_string_equal(iso1(2, "hello.txt", false), "HELLO.TXT;1");
    assert_string_equal(iso1(2, "MiXeD_CaSe09.Ab", false), "MIXED_CASE09.AB;1");
}

static void test_iso_latin_accents_are_stripped(void **state)
{
    (void)state;
    assert_string_equal(iso1(2, "caf\xc3\xa9.txt", false), "CAFE.TXT;1");             /* café */
    assert_string_equal(iso1(2, "Stra\xc3\x9f" "e", false), "STRASSE.;1");           /* Straße */
    assert_string_equal(iso1(2, "\xc5\x92uvre \xc3\x86r\xc3\xb8", true), "OEUVRE_AERO"); /* Œuvre Ærø */
    assert_string_equal(iso1(2, "\xc5\x81\xc3\xb3" "d\xc5\xba", true), "LODZ");      /* Łódź */
    assert_string_equal(iso1(2, "\xc4\xb3ssel", true), "IJSSEL");                    /* ĳssel */
    assert_string_equal(iso1(2, "\xc3\xbe\xc3\xb0", true), "THD");                   /* þð */
    assert_string_equal(iso1(2, "na\xc3\xafve \xc3\xa0 la fa\xc3\xa7on", true), "NAIVE_A_LA_FACON");
    assert_string_equal(iso1(2, "2\xc3\x97" "3", true), "2_3");                      /* × */
    assert_string_equal(iso1(2, "\xef\xbc\xa1\xef\xbd\x82\xef\xbc\x91", true), "AB1"); /* Ａｂ１ */
    /* the expansion counts against the limits */
    assert_string_equal(iso1(1, "\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f\xc3\x9f.txt", false), "SSSSSSSS.TXT;1");
}

static void test_iso_other_scripts_become_underscore(void **state)
{
    (void)state;
    assert_string_equal(iso1(2, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.txt", false),
                        "______.TXT;1");                                         /* Привет */
    assert_string_equal(iso1(2, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.doc", false), "___.DOC;1"); /* 日本語 */
    assert_string_equal(iso1(2, "\xf0\x9f\x98\x80.png", false), "_.PNG;1");      /* 😀 */
    assert_string_equal(iso1(2, "\xce\xb1\xce\xb2\xce\xb3", true), "___");       /* αβγ */
}

/* ---- Joliet: characters and lengths ----------------------------------- */

static void test_joliet_keeps_bmp_and_replaces_the_rest(void **state)
{
    (void)state;
    assert_string_equal(jol1("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.txt", false),
                        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82.txt;1");
    assert_string_equal(jol1("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", true),
                        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    assert_string_equal(jol1("caf\xc3\xa9 cr\xc3\xa8me.txt", false), "caf\xc3\xa9 cr\xc3\xa8me.txt;1");
    assert_string_equal(jol1("\xf0\x9f\x98\x80 smile.png", false), "_ smile.png;1");  /* non-BMP */
    assert_string_equal(jol1("a*b:c?d\\e;f", false), "a_b_c_d_e_f;1");
    assert_string_equal(jol1("keep <these> \"too\" |", true), "keep <these> \"too\" |");
}

static void test_joliet_keeps_case_and_adds_no_dot(void **state)
{
    (void)state;
    assert_string_equal(jol1("README", false), "README;1");
    assert_string_equal(jol1("Mixed.Case.Name.TxT", false), "Mixed.Case.Name.TxT;1");
    assert_string_equal(jol1("some.dir", true), "some.dir");
    assert_string_equal(jol1(".bashrc", false), ".bashrc;1");
}

static void test_joliet_all_dots_name_becomes_underscores(void **state)
{
    (void)state;
    assert_string_equal(jol1("...", false), "___;1");
    assert_string_equal(jol1("....", true), "____");
}

static void test_joliet_long_name_keeps_extension(void **state)
{
    char name[128], want[128];
    (void)state;
    memset(name, 'n', 100);
    strcpy(name + 100, ".jpeg");
    memset(want, 'n', 60);
    strcpy(want + 60, ".jpeg;1");                 /* 60 + 4 = 64 characters */
    assert_string_equal(jol1(name, false), want);

    /* an "extension" longer than 16 is no extension: plain cut at 64 */
    memset(name, 'n', 50);
    strcpy(name + 50, ".abcdefghijklmnopqrstuvwxyz");
    memcpy(want, name, 64);
    strcpy(want + 64, ";1");
    assert_string_equal(jol1(name, false), want);

    /* directories: 64, dots are plain characters */
    memset(name, 'd', 70);
    name[70] = 0;
    memset(want, 'd', 64);
    want[64] = 0;
    assert_string_equal(jol1(name, true), want);
}

static void test_joliet_clash_after_cutting_gets_tilde_number(void **state)
{
    char a[128], b[128];
    (void)state;
    memset(a, 'x', 90);
    strcpy(a + 90, "A.txt");
    memset(b, 'x', 90);
    strcpy(b + 90, "B.txt");
    struct name_in in[2] = { mk(b, false), mk(a, false) };
    struct joliet_name out[2];
    assert_int_equal(joliet_names_dir(in, 2, out, NULL), FSI_S_OK);
    char want[128];
    memset(want, 'x', 61);
    strcpy(want + 61, ".txt;1");                 /* 61 + 3 = 64, the dot not counted */
    assert_string_equal(jol_str(&out[1]), want);  /* "...A.txt" is first in byte order */
    memset(want, 'x', 59);
    strcpy(want + 59, "~1.txt;1");               /* 59 + 2 + 3 = 64 */
    assert_string_equal(jol_str(&out[0]), want);
    assert_joliet_valid(&out[0], false);
    assert_joliet_valid(&out[1], false);
}

/* ---- both: limits of the tree ------------------------------------------ */

static void test_255_character_names(void **state)
{
    char ascii[256], latin[2 * 255 + 1], emoji[4 * 255 + 1];
    (void)state;
    memset(ascii, 'x', 251);
    strcpy(ascii + 251, ".txt");                  /* 255 bytes */
    for (int i = 0; i < 255; i++)
        memcpy(latin + 2 * i, "\xc3\xa9", 2);     /* 255 x é, 510 bytes */
    latin[510] = 0;
    for (int i = 0; i < 255; i++)
        memcpy(emoji + 4 * i, "\xf0\x9f\x98\x80", 4);   /* 1020 bytes */
    emoji[1020] = 0;

    assert_string_equal(iso1(1, ascii, false), "XXXXXXXX.TXT;1");
    assert_string_equal(iso1(2, ascii, false), "XXXXXXXXXXXXXXXXXXXXXXXXXXX.TXT;1");
    assert_string_equal(iso1(2, latin, true), "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE");
    assert_string_equal(iso1(1, emoji, false), "________.;1");

    char want[200];
    memset(want, 'x', 61);
    strcpy(want + 61, ".txt;1");
    assert_string_equal(jol1(ascii, false), want);
    struct name_in in = mk(latin, false);
    struct joliet_name j;
    assert_int_equal(joliet_names_dir(&in, 1, &j, NULL), FSI_S_OK);
    assert_int_equal(j.len, 66);
    assert_int_equal(j.ch[0], 0xE9);
    assert_int_equal(j.ch[63], 0xE9);
    in = mk(emoji, true);
    assert_int_equal(joliet_names_dir(&in, 1, &j, NULL), FSI_S_OK);
    assert_int_equal(j.len, 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(j.ch[i], '_');
}

/* ---- unique names ------------------------------------------------------ */

static void test_names_differing_only_by_case(void **state)
{
    (void)state;
    struct name_in in[3] = {
        mk("readme.txt", false), mk("README.TXT", false), mk("ReadMe.txt", false),
    };
    struct iso_name iso[3];
    assert_int_equal(iso_names_dir(in, 3, 2, iso, NULL), FSI_S_OK);
    /* byte order: "README.TXT" < "ReadMe.txt" < "readme.txt" */
    assert_string_equal(iso_str(&iso[1]), "README.TXT;1");
    assert_string_equal(iso_str(&iso[2]), "README_1.TXT;1");
    assert_string_equal(iso_str(&iso[0]), "README_2.TXT;1");
    assert_int_equal(iso_names_dir(in, 3, 1, iso, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&iso[1]), "README.TXT;1");
    assert_string_equal(iso_str(&iso[2]), "README_1.TXT;1");
    assert_string_equal(iso_str(&iso[0]), "README_2.TXT;1");

    struct joliet_name jol[3];
    assert_int_equal(joliet_names_dir(in, 3, jol, NULL), FSI_S_OK);
    assert_string_equal(jol_str(&jol[0]), "readme.txt;1");
    assert_string_equal(jol_str(&jol[1]), "README.TXT;1");
    assert_string_equal(jol_str(&jol[2]), "ReadMe.txt;1");
}

static void test_level1_suffix_replaces_end_of_name(void **state)
{
    (void)state;
    struct name_in in[3] = {
        mk("abcdefgh1.txt", false), mk("abcdefgh2.txt", false), mk("Abcdefgh3.txt", false),
    };
    struct iso_name out[3];
    assert_int_equal(iso_names_dir(in, 3, 1, out, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&out[2]), "ABCDEFGH.TXT;1");   /* 'A' < 'a' */
    assert_string_equal(iso_str(&out[0]), "ABCDEF_1.TXT;1");
    assert_string_equal(iso_str(&out[1]), "ABCDEF_2.TXT;1");
}

static void test_numbered_name_skips_names_already_there(void **state)
{
    (void)state;
    /* "a b.txt" and "a_b.txt" clash; "A_B_1.TXT" belongs to "a_b_1.txt". */
    struct name_in in[3] = {
        mk("a_b_1.txt", false), mk("a_b.txt", false), mk("a b.txt", false),
    };
    struct iso_name out[3];
    assert_int_equal(iso_names_dir(in, 3, 2, out, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&out[2]), "A_B.TXT;1");
    assert_string_equal(iso_str(&out[0]), "A_B_1.TXT;1");
    assert_string_equal(iso_str(&out[1]), "A_B_2.TXT;1");
}

static void test_directory_and_file_with_the_same_visible_name(void **state)
{
    (void)state;
    /* ECMA-119 calls "DOCS" and "DOCS.;1" different identifiers, but
     * readers show both as "docs": one of them is renamed. */
    struct name_in in[2] = { mk("docs", false), mk("Docs", true) };
    struct iso_name iso[2];
    assert_int_equal(iso_names_dir(in, 2, 2, iso, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&iso[1]), "DOCS");
    assert_string_equal(iso_str(&iso[0]), "DOCS_1.;1");

    /* Joliet is case-sensitive: "docs" and "Docs" both stay... */
    struct joliet_name jol[2];
    assert_int_equal(joliet_names_dir(in, 2, jol, NULL), FSI_S_OK);
    assert_string_equal(jol_str(&jol[0]), "docs;1");
    assert_string_equal(jol_str(&jol[1]), "Docs");
    /* ...but a directory "notes" and a file "notes." look alike. */
    struct name_in in2[2] = { mk("notes.", false), mk("notes", true) };
    assert_int_equal(joliet_names_dir(in2, 2, jol, NULL), FSI_S_OK);
    assert_string_equal(jol_str(&jol[1]), "notes");
    assert_string_equal(jol_str(&jol[0]), "notes.~1;1");
}

#define MANY 1000

static void test_thousand_colliding_long_names_are_unique(void **state)
{
    char (*names)[128] = malloc(MANY * sizeof *names);
    struct name_in *in = malloc(MANY * sizeof *in);
    struct iso_name *iso = malloc(MANY * sizeof *iso);
    struct joliet_name *jol = malloc(MANY * sizeof *jol);
    (void)state;
    assert_non_null(names);
    assert_non_null(in);
    assert_non_null(iso);
    assert_non_null(jol);
    for (int i = 0; i < MANY; i++) {
        snprintf(names[i], sizeof names[i],
                 "a very long common prefix that is longer than any limit we have, %04d.txt", i);
        in[i] = mk(names[i], i % 7 == 3);
    }
    for (int level = 1; level <= 3; level++) {
        assert_int_equal(iso_names_dir(in, MANY, level, iso, NULL), FSI_S_OK);
        for (int i = 0; i < MANY; i++)
            assert_iso_valid(&iso[i], level, in[i].is_dir);
        assert_iso_unique(iso, MANY);
    }
    assert_int_equal(joliet_names_dir(in, MANY, jol, NULL), FSI_S_OK);
    for (int i = 0; i < MANY; i++) {
        assert_joliet_valid(&jol[i], in[i].is_dir);
        if (!in[i].is_dir) {
            const char *s = jol_str(&jol[i]);
            assert_string_equal(s + strlen(s) - 6, ".txt;1");
        }
    }
    assert_joliet_unique(jol, MANY);
    free(jol);
    free(iso);
    free(in);
    free(names);
}

static void test_result_does_not_depend_on_input_order(void **state)
{
    enum { N = 300 };
    static char names[N][48];
    struct name_in in[N], shuffled[N];
    struct iso_name a[N], b[N];
    struct joliet_name ja[N], jb[N];
    size_t perm[N];
    (void)state;
    for (int i = 0; i < N; i++) {
        /* many clashes: case variants and cut-off tails */
        snprintf(names[i], sizeof names[i], "%s%c%03d.dat",
                 i % 3 == 0 ? "longish_name_" : i % 3 == 1 ? "LONGISH_NAME_" : "Longish.Name ",
                 'a' + i % 5, i / 5);
        in[i] = mk(names[i], i % 11 == 0);
        perm[i] = (size_t)i;
    }
    srand(12345);
    for (int round = 0; round < 4; round++) {
        for (int i = N - 1; i > 0; i--) {
            int j = rand() % (i + 1);
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int i = 0; i < N; i++)
            shuffled[i] = in[perm[i]];
        for (int level = 1; level <= 2; level++) {
            assert_int_equal(iso_names_dir(in, N, level, a, NULL), FSI_S_OK);
            assert_int_equal(iso_names_dir(shuffled, N, level, b, NULL), FSI_S_OK);
            for (int i = 0; i < N; i++)
                assert_string_equal(iso_str(&b[i]), iso_str(&a[perm[i]]));
        }
        assert_int_equal(joliet_names_dir(in, N, ja, NULL), FSI_S_OK);
        assert_int_equal(joliet_names_dir(shuffled, N, jb, NULL), FSI_S_OK);
        for (int i = 0; i < N; i++)
            assert_string_equal(jol_str(&jb[i]), jol_str(&ja[perm[i]]));
    }
}

static void test_hundred_thousand_names_in_one_directory(void **state)
{
    enum { N = 100000 };
    char (*names)[24] = malloc(N * sizeof *names);
    struct name_in *in = malloc(N * sizeof *in);
    struct iso_name *iso = malloc(N * sizeof *iso);
    struct joliet_name *jol = malloc(N * sizeof *jol);
    (void)state;
    assert_non_null(names);
    assert_non_null(in);
    assert_non_null(iso);
    assert_non_null(jol);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "file%06d.dat", i);
        in[i] = mk(names[i], false);
    }
    /* level 1: all of them are "FILE0000.DAT" before numbering */
    assert_int_equal(iso_names_dir(in, N, 1, iso, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&iso[0]), "FILE0000.DAT;1");
    assert_string_equal(iso_str(&iso[1]), "FILE00_1.DAT;1");
    assert_string_equal(iso_str(&iso[10]), "FILE0_10.DAT;1");
    assert_iso_unique(iso, N);
    assert_int_equal(iso_names_dir(in, N, 2, iso, NULL), FSI_S_OK);
    assert_string_equal(iso_str(&iso[N - 1]), "FILE099999.DAT;1");
    assert_int_equal(joliet_names_dir(in, N, jol, NULL), FSI_S_OK);
    assert_string_equal(jol_str(&jol[N - 1]), "file099999.dat;1");
    free(jol);
    free(iso);
    free(in);
    free(names);
}

static void test_no_unique_name_when_numbers_run_out(void **state)
{
    /* Level 1 keeps at least one character of the name: "A_999999" is
     * the last number, so 1 + 999999 names of one shape fit, and one
     * more does not. */
    enum { N = 1000001 };
    char (*names)[16] = malloc((size_t)N * sizeof *names);
    struct name_in *in = malloc((size_t)N * sizeof *in);
    struct iso_name *out = malloc((size_t)N * sizeof *out);
    size_t fail = 0;
    (void)state;
    assert_non_null(names);
    assert_non_null(in);
    assert_non_null(out);
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "abcdefgh%07d", N - 1 - i);
        in[i] = mk(names[i], true);
    }
    assert_int_equal(iso_names_dir(in, N, 1, out, &fail), IMAPI_E_NO_UNIQUE_NAME);
    assert_int_equal(fail, 0);          /* "abcdefgh1000000", last in byte order */
    assert_int_equal(iso_names_dir(in + 1, N - 1, 1, out, &fail), FSI_S_OK);
    assert_string_equal(iso_str(&out[N - 2]), "ABCDEFGH");
    assert_string_equal(iso_str(&out[N - 3]), "ABCDEF_1");
    assert_string_equal(iso_str(&out[0]), "A_999999");
    /* Joliet has room: 64 characters */
    free(out);
    free(in);
    free(names);
}

static void test_bad_level_and_empty_directory(void **state)
{
    struct name_in in = mk("x", false);
    struct iso_name out;
    (void)state;
    assert_int_equal(iso_names_dir(&in, 1, 0, &out, NULL), FSI_E_INVALIDARG);
    assert_int_equal(iso_names_dir(&in, 1, 4, &out, NULL), FSI_E_INVALIDARG);
    assert_int_equal(iso_names_dir(NULL, 0, 1, NULL, NULL), FSI_S_OK);
    assert_int_equal(joliet_names_dir(NULL, 0, NULL, NULL), FSI_S_OK);
}

/* ---- order -------------------------------------------------------------- */

static struct iso_name iso_id(const char *s)
{
    struct iso_name r;
    memset(&r, 0, sizeof r);
    r.len = (uint8_t)strlen(s);
    memcpy(r.id, s, r.len);
    return r;
}

static int icmp(const char *a, const char *b)
{
    struct iso_name x = iso_id(a), y = iso_id(b);
    int c = iso_name_cmp(&x, &y);
    return c < 0 ? -1 : c > 0;
}

static void test_iso_order_follows_ecma119_9_3(void **state)
{
    (void)state;
    /* names padded with spaces: "A" < "A0" even though ';' > '0' */
    assert_int_equal(icmp("A.;1", "A0.;1"), -1);
    /* extensions padded with spaces: "A.;1" < "A.0;1" (strcmp says the opposite) */
    assert_int_equal(icmp("A.;1", "A.0;1"), -1);
    assert_true(strcmp("A.;1", "A.0;1") > 0);
    /* the name decides before the extension */
    assert_int_equal(icmp("AB.A;1", "A.Z;1"), 1);
    assert_int_equal(icmp("A_B.TXT;1", "A.TXT;1"), 1);
    /* versions descending, the shorter padded with '0' on the left */
    assert_int_equal(icmp("A.B;2", "A.B;1"), -1);
    assert_int_equal(icmp("A.B;10", "A.B;9"), -1);
    /* directories: identifiers without extension or version */
    assert_int_equal(icmp("DIR", "DIR_A"), -1);
    assert_int_equal(icmp("B", "A.TXT;1"), 1);
    assert_int_equal(icmp("X", "X"), 0);
    /* digits < letters < '_' (ISO 646 positions) */
    assert_int_equal(icmp("9", "A"), -1);
    assert_int_equal(icmp("Z", "_"), -1);

    const char *list[] = { "Z.;1", "A0.;1", "A.0;1", "A.;1", "_", "DIR", "A.B;1", "AB" };
    const char *want[] = { "A.;1", "A.0;1", "A.B;1", "A0.;1", "AB", "DIR", "Z.;1", "_" };
    struct iso_name ids[8];
    for (int i = 0; i < 8; i++)
        ids[i] = iso_id(list[i]);
    qsort(ids, 8, sizeof ids[0], iso_name_qsort_cmp);
    for (int i = 0; i < 8; i++)
        assert_string_equal(iso_str(&ids[i]), want[i]);
}

static struct joliet_name jol_id(const char *ascii)
{
    struct joliet_name r;
    memset(&r, 0, sizeof r);
    r.len = (uint8_t)strlen(ascii);
    for (size_t i = 0; i < r.len; i++)
        r.ch[i] = (uint8_t)ascii[i];
    return r;
}

static void test_joliet_order_by_code_units(void **state)
{
    (void)state;
    struct joliet_name a = jol_id("B;1"), b = jol_id("a;1");
    assert_true(joliet_name_cmp(&a, &b) < 0);                /* upper < lower */
    a = jol_id("a");
    b = jol_id("ab;1");
    assert_true(joliet_name_cmp(&a, &b) < 0);                /* prefix first */
    a = jol_id("A;1");
    b = jol_id("A B");
    assert_true(joliet_name_cmp(&a, &b) < 0);                /* ";1" not compared */
    a = jol_id("z.txt;1");
    b = jol_id("z");
    b.ch[0] = 0xE9;                                          /* é after ASCII */
    assert_true(joliet_name_cmp(&a, &b) < 0);
    a = jol_id("x");
    b = jol_id("x");
    assert_int_equal(joliet_name_cmp(&a, &b), 0);

    struct joliet_name ids[4] = { jol_id("b;1"), jol_id("_x"), jol_id("B"), jol_id("a.txt;1") };
    qsort(ids, 4, sizeof ids[0], joliet_name_qsort_cmp);
    assert_string_equal(jol_str(&ids[0]), "B");
    assert_string_equal(jol_str(&ids[1]), "_x");
    assert_string_equal(jol_str(&ids[2]), "a.txt;1");
    assert_string_equal(jol_str(&ids[3]), "b;1");

    uint8_t be[8];
    a = jol_id("A;1");
    a.ch[0] = 0x65E5;
    joliet_name_be(&a, be);
    assert_memory_equal(be, "\x65\xe5\x00;\x00" "1", 6);
}

/* ---- volume identifiers and UTF-8 --------------------------------------- */

static void test_volume_identifiers(void **state)
{
    char iso[32];
    uint16_t jol[16];
    size_t n;
    (void)state;
    iso_volume_id("My Disc v1.0 \xc3\xa9t\xc3\xa9", iso, &n);
    assert_int_equal(n, 16);
    assert_memory_equal(iso, "MY_DISC_V1_0_ETE", 16);
    iso_volume_id("a very long volume name that goes past thirty-two", iso, &n);
    assert_int_equal(n, 32);
    assert_memory_equal(iso, "A_VERY_LONG_VOLUME_NAME_THAT_GOE", 32);
    iso_volume_id("", iso, &n);
    assert_int_equal(n, 0);
    iso_volume_id(NULL, iso, &n);
    assert_int_equal(n, 0);

    joliet_volume_id("Caf\xc3\xa9: n\xc2\xb0" "1 \xf0\x9f\x98\x80 and more text", jol, &n);
    assert_int_equal(n, 16);
    assert_int_equal(jol[3], 0xE9);
    assert_int_equal(jol[4], '_');          /* ':' */
    assert_int_equal(jol[7], 0xB0);
    assert_int_equal(jol[10], '_');         /* non-BMP */
    joliet_volume_id("Short", jol, &n);
    assert_int_equal(n, 5);
    assert_int_equal(jol[0], 'S');
    joliet_volume_id(NULL, jol, &n);
    assert_int_equal(n, 0);
}

static void test_utf8_next_decodes_and_reads_bad_bytes_as_latin1(void **state)
{
    const char *s = "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80";
    size_t pos = 0, len = strlen(s);
    bool raw = false;
    (void)state;
    assert_int_equal(name_next(s, len, &pos, &raw), 'a');
    assert_int_equal(name_next(s, len, &pos, &raw), 0xE9);
    assert_int_equal(name_next(s, len, &pos, &raw), 0x65E5);
    assert_int_equal(name_next(s, len, &pos, &raw), 0x1F600);
    assert_int_equal(pos, len);
    assert_false(raw);

    /* Stray continuation, truncated 2- and 3-byte sequences, an overlong
     * '/', a surrogate, a truncated 4-byte sequence at the very end. */
    const char bad[] = "\x80\xc3\xe6\x97\xc0\xaf\xed\xa0\x80\xf0\x9f";
    len = sizeof bad - 1;
    pos = 0;
    size_t steps = 0;
    while (pos < len) {
        size_t at = pos;
        raw = false;
        assert_int_equal(name_next(bad, len, &pos, &raw), (unsigned char)bad[at]);
        assert_true(raw);
        steps++;
    }
    assert_int_equal(pos, len);
    assert_int_equal(steps, len);   /* one byte at a time, never past the end */

    /* A valid sequence right after a bad byte is still decoded. */
    const char mix[] = "\xe9\xc3\xa9";
    pos = 0;
    assert_int_equal(utf8_next(mix, 3, &pos), 0xE9);
    assert_int_equal(pos, 1);
    assert_int_equal(utf8_next(mix, 3, &pos), 0xE9);
    assert_int_equal(pos, 3);
    /* A lead byte whose sequence would run past len is one Latin-1 byte
     * even when the bytes after len would complete it. */
    pos = 0;
    assert_int_equal(utf8_next("\xc3\xa9", 1, &pos), 0xC3);
    assert_int_equal(pos, 1);

    assert_int_equal(name_chars("caf\xe9", 4, 255), 4);
    assert_int_equal(name_chars("caf\xc3\xa9", 5, 255), 4);
    assert_int_equal(name_chars("\xff\xfe\x80", 3, 255), 3);
    assert_int_equal(name_chars("abcdef", 6, 2), 3);   /* stops after stop + 1 */
}

/* ---- names Linux allows but IMAPI does not ------------------------- */

static void test_iso_control_and_latin1_bytes(void **state)
{
    (void)state;
    assert_string_equal(iso1(3, "a\tb", false), "A_B.;1");
    assert_string_equal(iso1(3, "a\nb\x1b[31m", false), "A_B__31M.;1");
    assert_string_equal(iso1(3, "x\x7fy\x9bz", true), "X_Y_Z");          /* DEL, raw CSI */
    assert_string_equal(iso1(3, "x\xc2\x9by", true), "X_Y");             /* U+009B */
    assert_string_equal(iso1(3, "caf\xe9.txt", false), "CAFE.TXT;1");    /* Latin-1 e-acute */
    assert_string_equal(iso1(3, "\xff\xfe", false), "YTH.;1");           /* y-diaeresis, thorn */
    assert_string_equal(iso1(1, "\x80\x81\x82\x83\x84\x85\x86\x87\x88.\x89", false),
                        "________._;1");
}

static void test_joliet_control_and_latin1_bytes(void **state)
{
    (void)state;
    assert_string_equal(jol1("a\tb", false), "a_b;1");
    assert_string_equal(jol1("a\nb\x1b[31m", true), "a_b_[31m");
    assert_string_equal(jol1("x\x7fy\xc2\x85z\xc2\x9f", true), "x_y_z_");  /* DEL, NEL, U+009F */
    assert_string_equal(jol1("x\x9by", true), "x_y");                      /* raw CSI byte */
    assert_string_equal(jol1("caf\xe9.txt", false), "caf\xc3\xa9.txt;1");   /* read as Latin-1 */
    assert_string_equal(jol1("\xff\xfe", false), "\xc3\xbf\xc3\xbe;1");
    assert_string_equal(jol1("\xed\xa0\x80", true), "\xc3\xad\xc2\xa0_");   /* surrogate bytes */
    assert_string_equal(jol1("keep\xc2\xa0nbsp", true), "keep\xc2\xa0nbsp");

    /* The extension is counted in characters as decoded: two stray
     * continuation bytes are a 2-character extension, kept on cutting. */
    char name[80];
    memset(name, 'a', 70);
    memcpy(name + 70, ".\x80\x81", 4);
    char want[80];
    memset(want, 'a', 62);
    memcpy(want + 62, ".__;1", 6);
    assert_string_equal(jol1(name, false), want);
}

/* Names that differ on the host but not after translation get distinct
 * identifiers, in byte order of the tree names (the first keeps it). */
static void test_translated_names_stay_unique(void **state)
{
    (void)state;
    struct name_in in[] = {
        mk("a\tb", false), mk("a_b", false), mk("a\x1b" "b", false), mk("a\x7f" "b", false),
        mk("caf\xe9", false), mk("caf\xc3\xa9", false), mk("CAFE", false),
        mk("\x9b", true), mk("\xc2\x9b", true), mk("_", true),
    };
    size_t n = sizeof in / sizeof in[0];
    struct iso_name iso[sizeof in / sizeof in[0]];
    struct joliet_name jol[sizeof in / sizeof in[0]];
    for (int level = 1; level <= 3; level++) {
        assert_int_equal(iso_names_dir(in, n, level, iso, NULL), FSI_S_OK);
        assert_iso_unique(iso, n);
        for (size_t i = 0; i < n; i++)
            assert_iso_valid(&iso[i], level, in[i].is_dir);
    }
    assert_int_equal(joliet_names_dir(in, n, jol, NULL), FSI_S_OK);
    assert_joliet_unique(jol, n);
    /* "a\tb" < "a\x1b" "b" < "a_b" < "a\x7f" "b" in byte order. */
    assert_string_equal(jol_str(&jol[0]), "a_b;1");
    assert_string_equal(jol_str(&jol[2]), "a_b~1;1");
    assert_string_equal(jol_str(&jol[1]), "a_b~2;1");
    assert_string_equal(jol_str(&jol[3]), "a_b~3;1");
    /* "caf\xc3\xa9" < "caf\xe9": the UTF-8 name keeps "café". */
    assert_string_equal(jol_str(&jol[5]), "caf\xc3\xa9;1");
    assert_string_equal(jol_str(&jol[4]), "caf\xc3\xa9~1;1");
}

static void test_udf_control_kept_latin1_read_and_unique(void **state)
{
    (void)state;
    /* In byte order of the tree names, as udf_names_dir expects. */
    struct name_in in[] = {
        mk("a\tb", false), mk("a\x1b[0m", false), mk("a_b", false),
        mk("caf\xc3\xa9", false), mk("caf\xe9", false),
        mk("x\xc2\x9b", true), mk("x\x9b", true), mk("\xff\xfe", false),
    };
    size_t n = sizeof in / sizeof in[0];
    size_t off[8];
    uint8_t idlen[8];
    struct udf_idpool pool = { 0 };
    assert_int_equal(udf_names_dir(in, n, &pool, off, idlen, NULL), FSI_S_OK);
    static const struct { const char *id; size_t len; } want[] = {
        { "\x08" "a\tb", 4 },                 /* control characters kept (CS0 allows them) */
        { "\x08" "a\x1b[0m", 6 },
        { "\x08" "a_b", 4 },
        { "\x08" "caf\xe9", 5 },              /* exact UTF-8 name: its identifier */
        { "\x08" "caf\xe9~1", 7 },            /* Latin-1 reading clashes: numbered */
        { "\x08" "x\x9b", 3 },
        { "\x08" "x\x9b~1", 5 },
        { "\x08" "\xff\xfe", 3 },             /* Latin-1 reading, free: taken as is */
    };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(idlen[i], want[i].len);
        assert_memory_equal(pool.b + off[i], want[i].id, want[i].len);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_false(idlen[i] == idlen[j] && !memcmp(pool.b + off[i], pool.b + off[j], idlen[i]));
    udf_idpool_free(&pool);

    /* 255 stray bytes: 255 characters, 8-bit; cut to 254 like any name. */
    char big[256];
    memset(big, 0xE9, 255);
    struct name_in one = { big, 255, false };
    assert_int_equal(udf_names_dir(&one, 1, &pool, off, idlen, NULL), FSI_S_OK);
    assert_int_equal(idlen[0], 255);
    assert_int_equal(pool.b[off[0]], 8);
    udf_idpool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_level1_cuts_names_to_8_3),
        cmocka_unit_test(test_iso_level2_limits_name_and_extension_to_30),
        cmocka_unit_test(test_iso_level3_names_like_level2),
        cmocka_unit_test(test_iso_level2_long_extension_shares_the_30),
        cmocka_unit_test(test_iso_dots_only_last_one_separates),
        cmocka_unit_test(test_iso_spaces_and_punctuation_become_underscore),
        cmocka_unit_test(test_iso_lowercase_becomes_uppercase),
        cmocka_unit_test(test_iso_latin_accents_are_stripped),
        cmocka_unit_test(test_iso_other_scripts_become_underscore),
        cmocka_unit_test(test_joliet_keeps_bmp_and_replaces_the_rest),
        cmocka_unit_test(test_joliet_keeps_case_and_adds_no_dot),
        cmocka_unit_test(test_joliet_all_dots_name_becomes_underscores),
        cmocka_unit_test(test_joliet_long_name_keeps_extension),
        cmocka_unit_test(test_joliet_clash_after_cutting_gets_tilde_number),
        cmocka_unit_test(test_255_character_names),
        cmocka_unit_test(test_names_differing_only_by_case),
        cmocka_unit_test(test_level1_suffix_replaces_end_of_name),
        cmocka_unit_test(test_numbered_name_skips_names_already_there),
        cmocka_unit_test(test_directory_and_file_with_the_same_visible_name),
        cmocka_unit_test(test_thousand_colliding_long_names_are_unique),
        cmocka_unit_test(test_result_does_not_depend_on_input_order),
        cmocka_unit_test(test_hundred_thousand_names_in_one_directory),
        cmocka_unit_test(test_no_unique_name_when_numbers_run_out),
        cmocka_unit_test(test_bad_level_and_empty_directory),
        cmocka_unit_test(test_iso_order_follows_ecma119_9_3),
        cmocka_unit_test(test_joliet_order_by_code_units),
        cmocka_unit_test(test_volume_identifiers),
        cmocka_unit_test(test_utf8_next_decodes_and_reads_bad_bytes_as_latin1),
        cmocka_unit_test(test_iso_control_and_latin1_bytes),
        cmocka_unit_test(test_joliet_control_and_latin1_bytes),
        cmocka_unit_test(test_translated_names_stay_unique),
        cmocka_unit_test(test_udf_control_kept_latin1_read_and_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
