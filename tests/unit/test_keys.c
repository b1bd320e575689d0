/*
 * test_keys.c - CURVE key files (common/keys.c): written with safe modes,
 * read back exactly, and refused when readable by others or damaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rect_keys.h"

static char s_dir[64];

static int s_setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof s_dir, "/tmp/rectd-test-keys-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void s_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", s_dir, name);
}

static void test_a_written_key_reads_back_with_safe_modes(void **state)
{
    (void)state;
    rect_key k, back;
    char base[128], path[160], err[512];
    assert_int_equal(keys_generate("liming", &k), 0);
    assert_true(keys_valid_z85(k.public_z85) && keys_valid_z85(k.secret_z85));
    s_path(base, sizeof base, "sub/liming");
    assert_int_equal(keys_write(base, &k, 0, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s.key", base);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(keys_read(path, 1, &back, err, sizeof err), 0);
    assert_string_equal(back.user, "liming");
    assert_string_equal(back.public_z85, k.public_z85);
    assert_string_equal(back.secret_z85, k.secret_z85);
    snprintf(path, sizeof path, "%s.pub", base);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(keys_read(path, 0, &back, err, sizeof err), 0);
    assert_string_equal(back.public_z85, k.public_z85);
    assert_string_equal(back.secret_z85, "");
    /* a public file is no secret key */
    assert_int_equal(keys_read(path, 1, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "public key file"));
    /* keys_public_of takes the 40 characters or the file */
    char z85[RECT_Z85_LEN + 1];
    assert_int_equal(keys_public_of(k.public_z85, NULL, z85, err, sizeof err), 0);
    assert_string_equal(z85, k.public_z85);
    assert_int_equal(keys_public_of("sub/liming.pub", s_dir, z85, err, sizeof err), 0);
    assert_string_equal(z85, k.public_z85);
    /* an existing key is kept unless force */
    rect_key k2;
    assert_int_equal(keys_generate("liming", &k2), 0);
    assert_int_equal(keys_write(base, &k2, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "already exists"));
    assert_int_equal(keys_write(base, &k2, 1, err, sizeof err), 0);
}

static void test_a_secret_key_others_may_read_is_refused(void **state)
{
    (void)state;
    rect_key k;
    char base[128], path[160], err[512];
    assert_int_equal(keys_generate("a", &k), 0);
    s_path(base, sizeof base, "loose");
    assert_int_equal(keys_write(base, &k, 0, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s.key", base);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(keys_read(path, 1, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod 600"));
    assert_int_equal(keys_read(path, 0, &k, err, sizeof err), 0); /* its public half is no secret */
    /* but nobody else may change a key file, public or secret */
    snprintf(path, sizeof path, "%s.pub", base);
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(keys_read(path, 0, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod go-w"));
}

static void test_damaged_key_files_are_refused_naming_the_line(void **state)
{
    (void)state;
    rect_key k, other;
    char path[160], err[512], text[512];
    assert_int_equal(keys_generate("a", &k), 0);
    assert_int_equal(keys_generate("b", &other), 0);
    s_path(path, sizeof path, "bad.key");
    const char *cases[][2] = {
        {"public: tooshort\n", ":1: public is not a key"},      {"hello\n", ":1: expected \"name: value\""},
        {"# c\ncolour: blue\n", ":2: unknown line \"colour\""}, {"user: a\n", "no \"public:\" line"},
        {"user: a\nuser: b\n", ":2: a second \"user:\" line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[i][0], f);
        fclose(f);
        chmod(path, 0600);
        assert_int_equal(keys_read(path, 1, &k, err, sizeof err), -1);
        if (!strstr(err, cases[i][1]))
            fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, cases[i][1]);
    }
    /* a secret that is not the public key's */
    assert_int_equal(keys_generate("a", &k), 0);
    snprintf(text, sizeof text, "user: a\npublic: %s\nsecret: %s\n", k.public_z85, other.secret_z85);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    assert_int_equal(keys_read(path, 1, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "does not belong"));
    /* two public lines: refused, whichever a reader would have kept */
    assert_int_equal(keys_generate("a", &k), 0);
    snprintf(text, sizeof text, "user: a\npublic: %s\npublic: %s\nsecret: %s\n", other.public_z85,
             k.public_z85, k.secret_z85);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    assert_int_equal(keys_read(path, 1, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, ":3: a second \"public:\" line"));
    s_path(path, sizeof path, "missing.key");
    assert_int_equal(keys_read(path, 1, &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_written_key_reads_back_with_safe_modes),
        cmocka_unit_test(test_a_secret_key_others_may_read_is_refused),
        cmocka_unit_test(test_damaged_key_files_are_refused_naming_the_line),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
