/*
 * test_cfg_client.c - common/cfg.c's reader of rectctl's own config
 * (cfg_load_client) and its lookup (cfg_client_default_path): the
 * settings, the defaults, a rectd.conf read for compatibility, and the
 * "FILE:LINE: what is wrong" of each mistake.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH / FTW_PHYS */
#include <ftw.h>
#include <limits.h>
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

#include "rect_cfg.h"

typedef struct {
    char dir[256];
    char path[PATH_MAX]; /* dir/rectctl.conf */
    char err[512];
    rect_client_cfg *cc;
} fixture;

static int s_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char tmpl[] = "/tmp/rectd-test-cfgc-XXXXXX";
    char real[PATH_MAX];
    if (!f || !mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof f->dir) {
        free(f);
        return -1;
    }
    memcpy(f->dir, real, strlen(real) + 1);
    snprintf(f->path, sizeof f->path, "%s/rectctl.conf", f->dir);
    *state = f;
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int s_teardown(void **state)
{
    fixture *f = *state;
    cfg_client_destroy(&f->cc);
    int rc = nftw(f->dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    unsetenv("RECTCTL_CONFIG");
    unsetenv("RECTD_CONFIG");
    return rc;
}

static void s_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
}

static int s_load(fixture *f, const char *text)
{
    s_write(f->path, text);
    cfg_client_destroy(&f->cc);
    return cfg_load_client(f->path, &f->cc, f->err, sizeof f->err);
}

static void s_expect_error(fixture *f, const char *text, unsigned line, const char *want)
{
    assert_int_equal(s_load(f, text), -1);
    assert_null(f->cc);
    char prefix[PATH_MAX + 32];
    if (line)
        snprintf(prefix, sizeof prefix, "%s:%u: ", f->path, line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", f->path);
    if (strncmp(f->err, prefix, strlen(prefix)) != 0 || !strstr(f->err + strlen(prefix), want))
        fail_msg("error \"%s\"\nwanted prefix \"%s\" and \"%s\"", f->err, prefix, want);
}

static void test_settings_are_read_and_paths_resolve_beside_the_file(void **state)
{
    fixture *f = *state;
    char want[PATH_MAX + 64];
    assert_int_equal(
        s_load(f, "client = {\n  endpoint = \"ipc://../r.sock\";\n  server_key = \"keys/rectd.pub\";\n"
                  "  user = \"wangyan\";\n  keys_dir = \"keys\";\n  key_file = \"keys/w.key\";\n"
                  "  timeout_ms = 700;\n  retries = 5;\n};\n"),
        0);
    assert_int_equal(f->cc->daemon_config, 0);
    snprintf(want, sizeof want, "ipc://%.*s/r.sock", (int)(strrchr(f->dir, '/') - f->dir), f->dir);
    assert_string_equal(f->cc->endpoint, want);
    assert_string_equal(f->cc->server_key, "keys/rectd.pub"); /* as written: resolved at use */
    assert_string_equal(f->cc->user, "wangyan");
    snprintf(want, sizeof want, "%s/keys", f->dir);
    assert_string_equal(f->cc->keys_dir, want);
    snprintf(want, sizeof want, "%s/keys/w.key", f->dir);
    assert_string_equal(f->cc->key_file, want);
    assert_int_equal(f->cc->timeout_ms, 700);
    assert_int_equal(f->cc->retries, 5);
    assert_string_equal(f->cc->path, f->path);
    assert_string_equal(f->cc->dir, f->dir);
}

static void test_defaults(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, "client = { endpoint = \"tcp://10.0.0.2:5555\"; server_key = \"k.pub\"; };\n"),
                     0);
    assert_string_equal(f->cc->endpoint, "tcp://10.0.0.2:5555");
    assert_null(f->cc->user);
    assert_null(f->cc->keys_dir);
    assert_null(f->cc->key_file);
    assert_int_equal(f->cc->timeout_ms, 5000);
    assert_int_equal(f->cc->retries, 3);
}

static void test_a_daemon_config_gives_its_endpoint_client_group_and_server_key(void **state)
{
    fixture *f = *state;
    char want[PATH_MAX + 64];
    assert_int_equal(
        s_load(f,
               "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\"; key_file = \"k/rectd.key\"; };\n"
               "users = ( { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\"]; } );\n"
               "client = { user = \"wangyan\"; retries = 2; };\n"),
        0);
    assert_int_equal(f->cc->daemon_config, 1);
    snprintf(want, sizeof want, "ipc://%s/r.sock", f->dir);
    assert_string_equal(f->cc->endpoint, want);
    snprintf(want, sizeof want, "%s/k/rectd.pub", f->dir);
    assert_string_equal(f->cc->server_key, want);
    assert_string_equal(f->cc->user, "wangyan");
    assert_int_equal(f->cc->retries, 2);
    /* and it is validated whole, as rectd would */
    s_expect_error(f, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\";\n map_size_mb = 0; };\n",
                   2, "daemon.map_size_mb must be an integer between 1 and 1048576");
}

static void test_mistakes_name_the_file_and_line(void **state)
{
    fixture *f = *state;
    s_expect_error(f, "client = {\n  server_key = \"k\";\n};\n", 1, "client.endpoint is required");
    s_expect_error(f, "client = {\n  endpoint = \"ipc://r.sock\";\n};\n", 1, "client.server_key is required");
    s_expect_error(f, "client = {\n  endpoint = \"udp://x\";\n  server_key = \"k\";\n};\n", 2,
                   "client.endpoint must be ipc://PATH or tcp://HOST:PORT");
    s_expect_error(
        f, "client = {\n  endpoint = \"ipc://r\";\n  server_key = \"k\";\n  timeout_ms = \"x\";\n};\n", 4,
        "client.timeout_ms must be an integer between 100 and 600000 (got \"x\")");
    s_expect_error(f, "client = {\n  endpoint = \"ipc://r\";\n  server_key = \"k\";\n  retries = 21;\n};\n",
                   4, "client.retries must be an integer between 1 and 20 (got 21)");
    s_expect_error(f,
                   "client = {\n  endpoint = \"ipc://r\";\n  server_key = \"k\";\n  user = \"王燕\";\n};\n",
                   4, "client.user must be a user name");
    s_expect_error(f, "client = {\n  endpoint = \"ipc://r\";\n  server_key = \"k\";\n  usr = \"w\";\n};\n", 4,
                   "unknown setting client.usr (did you mean client.user?)");
    s_expect_error(f, "client = {\n  endpoint = \"ipc://r\";\n  server_key = 5;\n};\n", 3,
                   "client.server_key must be a string");
    s_expect_error(f, "client = { endpoint = \"ipc://r\"; server_key = \"k\"; };\nunits = ();\n", 2,
                   "\"units\" is not a rectctl setting");
    s_expect_error(f, "client = [1];\n", 1, "client must be a group");
    s_expect_error(f, "client = {\n  endpoint = \"ipc://r\";\n  server_key = ;\n};\n", 3, "syntax error");
    s_expect_error(f, "# nothing\n", 0, "no client group");
}

static void test_a_missing_file_has_no_line(void **state)
{
    fixture *f = *state;
    assert_int_equal(cfg_load_client(f->path, &f->cc, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "cannot read"));
    cfg_client_destroy(NULL);
}

static void test_lookup_order(void **state)
{
    fixture *f = *state;
    char buf[PATH_MAX + 64], home[PATH_MAX / 2], want[PATH_MAX + 64];
    assert_int_equal(setenv("RECTCTL_CONFIG", "/a/rectctl.conf", 1), 0);
    assert_int_equal(setenv("RECTD_CONFIG", "/b/rectd.conf", 1), 0);
    assert_int_equal(cfg_client_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/a/rectctl.conf");
    unsetenv("RECTCTL_CONFIG");
    assert_int_equal(cfg_client_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, "/b/rectd.conf"); /* kept for compatibility */
    unsetenv("RECTD_CONFIG");
    snprintf(home, sizeof home, "%s/home", f->dir);
    assert_int_equal(setenv("HOME", home, 1), 0);
    snprintf(want, sizeof want, "%s/.config/rectd/rectctl.conf", home);
    assert_int_equal(mkdir(home, 0700), 0);
    snprintf(buf, sizeof buf, "%s/.config", home);
    assert_int_equal(mkdir(buf, 0700), 0);
    snprintf(buf, sizeof buf, "%s/.config/rectd", home);
    assert_int_equal(mkdir(buf, 0700), 0);
    s_write(want, "client = {};\n");
    assert_int_equal(cfg_client_default_path(buf, sizeof buf), 0);
    assert_string_equal(buf, want);
    assert_int_equal(unlink(want), 0);
    int rc = cfg_client_default_path(buf, sizeof buf);
    if (access("/etc/rectd/rectctl.conf", F_OK) == 0)
        assert_string_equal(buf, "/etc/rectd/rectctl.conf");
    else if (rc != 0)
        assert_non_null(strstr(buf, "~/.config/rectd/rectctl.conf")); /* where it looked */
}

#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_settings_are_read_and_paths_resolve_beside_the_file),
        T(test_defaults),
        T(test_a_daemon_config_gives_its_endpoint_client_group_and_server_key),
        T(test_mistakes_name_the_file_and_line),
        T(test_a_missing_file_has_no_line),
        T(test_lookup_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
