/*
 * test_cfg.c - common/cfg.c: loading config files, defaults, path
 * resolution, lookups, and the "FILE:LINE: what is wrong" of each mistake.
 *
 * Each test writes small config files into a fresh mkdtemp folder. Run from
 * the repo root (the repo's own config/rectd.conf is loaded too).
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
#include "rect_keys.h"
#include "rect_proto.h"

/* The minimum a config needs. */
#define DAEMON_OK "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\"; };\n"
#define USERS_OK                                                                            \
    "users = (\n"                                                                           \
    "  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\", \"verifier\"]; },\n" \
    "  { name = \"liming\"; display = \"李明\"; roles = [\"owner\"]; }\n"                 \
    ");\n"

typedef struct {
    char dir[256];       /* the temporary folder, as realpath gives it */
    char path[PATH_MAX]; /* its test.conf */
    char err[512];
    rect_cfg *cfg;
} fixture;

static int s_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    char tmpl[] = "/tmp/rectd-test-cfg-XXXXXX";
    char real[PATH_MAX];
    if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof f->dir) {
        free(f);
        return -1;
    }
    memcpy(f->dir, real, strlen(real) + 1);
    snprintf(f->path, sizeof f->path, "%s/test.conf", f->dir);
    *state = f;
    return 0;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int s_teardown(void **state)
{
    fixture *f = *state;
    cfg_destroy(&f->cfg);
    int rc = nftw(f->dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return rc;
}

/* Write text to dir/name (folders must exist). */
static void s_write(const fixture *f, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Write text as test.conf and load it; returns cfg_load's result. */
static int s_load(fixture *f, const char *text)
{
    s_write(f, "test.conf", text);
    cfg_destroy(&f->cfg);
    return cfg_load(f->path, &f->cfg, f->err, sizeof f->err);
}

/* Load text, expect failure with "<path>:<line>: " (line 0: "<path>: ")
 * followed by a message containing want. */
static void s_expect_error(fixture *f, const char *text, unsigned line, const char *want)
{
    assert_int_equal(s_load(f, text), -1);
    assert_null(f->cfg);
    char prefix[PATH_MAX + 32];
    if (line)
        snprintf(prefix, sizeof prefix, "%s:%u: ", f->path, line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", f->path);
    if (strncmp(f->err, prefix, strlen(prefix)) != 0 || !strstr(f->err + strlen(prefix), want))
        fail_msg("error \"%s\"\nwanted prefix \"%s\" and \"%s\"", f->err, prefix, want);
}

/* ---- who may connect: keys, socket group and mode ------------------------ */

static void test_user_keys_are_read_from_the_config_or_a_pub_file(void **state)
{
    fixture *f = *state;
    rect_key a, b;
    char text[2048], err[256], base[PATH_MAX];
    assert_int_equal(keys_generate("wangyan", &a), 0);
    assert_int_equal(keys_generate("liming", &b), 0);
    snprintf(base, sizeof base, "%s/keys/liming", f->dir);
    assert_int_equal(keys_write(base, &b, 0, err, sizeof err), 0);
    snprintf(
        text, sizeof text,
        "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\"; key_file = \"keys/rectd.key\";\n"
        "  socket_group = \"daemon\"; };\n"
        "users = (\n"
        "  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\"]; public_key = \"%s\"; },\n"
        "  { name = \"liming\"; display = \"李明\"; roles = [\"owner\"]; public_key = \"keys/liming.pub\"; }\n"
        ");\n",
        a.public_z85);
    assert_int_equal(s_load(f, text), 0);
    assert_string_equal(f->cfg->users[0].public_key, a.public_z85);
    assert_string_equal(f->cfg->users[1].public_key, b.public_z85);
    assert_int_equal(f->cfg->users[0].roles, RECT_ROLE_ADMIN);
    assert_ptr_equal(cfg_user_by_key(f->cfg, b.public_z85), &f->cfg->users[1]);
    assert_null(cfg_user_by_key(f->cfg, "nothing"));
    assert_int_equal(f->cfg->socket_mode, 0660); /* the default with a group */
    assert_non_null(strstr(f->cfg->key_file, "/keys/rectd.key"));
    assert_int_equal(f->cfg->demo_keys, 0);
}

static void test_bad_keys_and_socket_settings_are_errors(void **state)
{
    fixture *f = *state;
    rect_key a;
    char text[2048];
    assert_int_equal(keys_generate("x", &a), 0);
    s_expect_error(
        f,
        DAEMON_OK
        "users = ( { name = \"a\"; display = \"A\"; roles = [\"owner\"]; public_key = \"short\"; } );\n",
        2, "users[0].public_key must be a CURVE public key");
    snprintf(text, sizeof text,
             DAEMON_OK
             "users = ( { name = \"a\"; display = \"A\"; roles = [\"owner\"]; public_key = \"%s\"; },\n"
             "{ name = \"b\"; display = \"B\"; roles = [\"owner\"]; public_key = \"%s\"; } );\n",
             a.public_z85, a.public_z85);
    s_expect_error(f, text, 3, "users[0] (\"a\") has the same key");
    s_expect_error(
        f,
        "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\";\n socket_mode = \"0666\"; };\n" USERS_OK,
        2, "daemon.socket_mode must be an octal mode");
    s_expect_error(
        f,
        "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\";\n socket_mode = \"0400\"; };\n" USERS_OK,
        2, "daemon.socket_mode");
    s_expect_error(
        f, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\";\n demo_keys = true; };\n" USERS_OK,
        2, "daemon.demo_keys needs daemon.key_file");
    s_expect_error(
        f,
        "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\";\n socket_group = \"a b\"; };\n" USERS_OK,
        2, "daemon.socket_group must be a group name");
    s_expect_error(f,
                   DAEMON_OK
                   "users = ( { name = \"web\"; display = \"W\";\n roles = [\"gateway\", \"admin\"]; } );\n",
                   3, "the role gateway goes alone");
}

static void test_only_restart_only_settings_block_a_reload(void **state)
{
    fixture *f = *state;
    rect_cfg *a = NULL, *b = NULL;
    assert_int_equal(s_load(f, DAEMON_OK USERS_OK), 0);
    a = f->cfg;
    f->cfg = NULL;
    /* users and roles may change */
    assert_int_equal(
        s_load(f, DAEMON_OK "users = ( { name = \"x\"; display = \"X\"; roles = [\"admin\"]; } );\n"), 0);
    assert_null(cfg_restart_only_change(a, f->cfg));
    assert_int_equal(
        s_load(f, "daemon = { endpoint = \"ipc://other.sock\"; data_dir = \"data\"; };\n" USERS_OK), 0);
    assert_string_equal(cfg_restart_only_change(a, f->cfg), "daemon.endpoint");
    assert_int_equal(
        s_load(f,
               "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\"; map_size_mb = 7; };\n" USERS_OK),
        0);
    assert_string_equal(cfg_restart_only_change(a, f->cfg), "daemon.map_size_mb");
    assert_int_equal(s_load(f, DAEMON_OK USERS_OK "calendar = { timezone = \"UTC\"; };\n"), 0);
    assert_string_equal(cfg_restart_only_change(a, f->cfg), "calendar.timezone");
    b = f->cfg;
    f->cfg = NULL;
    cfg_destroy(&a);
    cfg_destroy(&b);
}

/* ---- the repo's config -------------------------------------------------- */

static void test_repo_config_loads_with_its_sources_units_and_users(void **state)
{
    fixture *f = *state;
    assert_int_equal(cfg_load("config/rectd.conf", &f->cfg, f->err, sizeof f->err), 0);
    const rect_cfg *c = f->cfg;
    assert_int_equal(c->n_sources, 4);
    assert_string_equal(c->sources[0].id, "national");
    assert_string_equal(c->sources[0].name, "国家反馈共性问题");
    assert_int_equal(c->sources[0].level, RECT_LEVEL_NATIONAL);
    assert_int_equal(cfg_source_find(c, "region")->level, RECT_LEVEL_REGIONAL);
    assert_int_equal(cfg_source_find(c, "self")->level, RECT_LEVEL_TOWN);
    assert_non_null(cfg_source_find(c, "精河县反馈问题"));
    assert_int_equal(c->n_units >= 10, 1);
    assert_string_equal(cfg_unit_find(c, "托托社区")->id, "shequ");
    assert_int_equal(c->n_users >= 10, 1);
    const rect_user *u = cfg_user(c, "wangyan");
    assert_non_null(u);
    assert_string_equal(u->display, "王燕");
    assert_int_equal(u->roles, RECT_ROLE_ADMIN | RECT_ROLE_VERIFIER);
    assert_string_equal(c->client_user, "wangyan");
    assert_string_equal(c->default_inspection, "2025-assessment");
    assert_string_equal(c->timezone, "Asia/Shanghai");
}

static void test_repo_config_paths_resolve_beside_the_repo(void **state)
{
    fixture *f = *state;
    char cwd[PATH_MAX], want[PATH_MAX + 32];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(cfg_load("config/rectd.conf", &f->cfg, f->err, sizeof f->err), 0);
    snprintf(want, sizeof want, "ipc://%s/var/rectd.sock", cwd);
    assert_string_equal(f->cfg->endpoint, want);
    snprintf(want, sizeof want, "%s/var/data", cwd);
    assert_string_equal(f->cfg->data_dir, want);
    snprintf(want, sizeof want, "%s/config/rectd.conf", cwd);
    assert_string_equal(f->cfg->path, want);
}

/* ---- good configs ------------------------------------------------------- */

static void test_minimal_config_gets_the_defaults(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK), 0);
    const rect_cfg *c = f->cfg;
    assert_int_equal(c->map_size_mb, 1024);
    assert_int_equal(c->max_request_kb, 256);
    assert_int_equal(c->max_attachment_mb, 20);
    assert_int_equal(c->reply_cache, 100000);
    assert_int_equal(c->read_threads, 2);
    assert_int_equal(c->max_peers, 512);
    assert_int_equal(c->fd_reserve, 64);
    assert_int_equal(c->peer_queue, 4);
    assert_int_equal(c->max_inflight_per_peer, 16);
    assert_int_equal(c->max_running_per_peer, 1);
    assert_int_equal(c->max_inflight, 256);
    assert_int_equal(c->max_inflight_mb, 256);
    assert_string_equal(c->default_inspection, "default");
    assert_string_equal(c->timezone, "Asia/Shanghai");
    assert_null(c->client_user);
    assert_int_equal(c->client_timeout_ms, 5000);
    assert_int_equal(c->client_retries, 3);
    assert_int_equal(c->n_sources, 0);
    assert_int_equal(c->n_units, 0);
    assert_int_equal(c->n_users, 0);
    assert_string_equal(c->path, f->path);
    assert_string_equal(c->dir, f->dir);
}

static void test_signing_key_defaults_beside_the_config_and_resolves_against_it(void **state)
{
    fixture *f = *state;
    char want[PATH_MAX + 64];
    assert_int_equal(s_load(f, DAEMON_OK USERS_OK), 0);
    snprintf(want, sizeof want, "%s/keys/rectd-sign.key", f->dir);
    assert_string_equal(f->cfg->signing_key, want);
    assert_int_equal(s_load(f, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n"
                               " signing_key = \"../k/./town.key\"; };\n" USERS_OK),
                     0);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", f->dir);
    *strrchr(parent, '/') = '\0';
    snprintf(want, sizeof want, "%s/k/town.key", parent);
    assert_string_equal(f->cfg->signing_key, want);
    s_expect_error(
        f, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n signing_key = \"\"; };\n" USERS_OK, 2,
        "daemon.signing_key must not be empty");
}

static void test_every_setting_is_read(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, "daemon = {\n"
                               "  endpoint = \"tcp://127.0.0.1:5555\";\n"
                               "  data_dir = \"/srv/rectd\";\n"
                               "  map_size_mb = 1048576;\n"
                               "  max_request_kb = 1;\n"
                               "  max_attachment_mb = 1024;\n"
                               "  reply_cache = 10000000;\n"
                               "  read_threads = 0;\n"
                               "  default_inspection = \"2025年考核评估\";\n"
                               "};\n"
                               "calendar = { timezone = \"Asia/Urumqi\"; };\n"
                               "sources = ( { id = \"national\"; name = \"国家反馈共性问题\"; } );\n"
                               "units = ( { id = \"cun1\"; name = \"托托村\"; },\n"
                               "          { id = \"shequ\"; name = \"托托社区\"; } );\n" USERS_OK
                               "client = { user = \"liming\"; timeout_ms = 100; retries = 20; };\n"),
                     0);
    const rect_cfg *c = f->cfg;
    assert_string_equal(c->endpoint, "tcp://127.0.0.1:5555"); /* kept as written */
    assert_string_equal(c->data_dir, "/srv/rectd");
    assert_int_equal(c->map_size_mb, 1048576);
    assert_int_equal(c->max_request_kb, 1);
    assert_int_equal(c->max_attachment_mb, 1024);
    assert_int_equal(c->reply_cache, 10000000);
    assert_int_equal(c->read_threads, 0);
    assert_string_equal(c->default_inspection, "2025年考核评估");
    assert_string_equal(c->timezone, "Asia/Urumqi");
    assert_int_equal(c->n_sources, 1);
    assert_int_equal(c->n_units, 2);
    assert_string_equal(c->units[1].name, "托托社区");
    assert_int_equal(c->n_users, 2);
    assert_string_equal(c->users[1].name, "liming");
    assert_int_equal(c->users[1].roles, RECT_ROLE_OWNER);
    assert_string_equal(c->client_user, "liming");
    assert_int_equal(c->client_timeout_ms, 100);
    assert_int_equal(c->client_retries, 20);
}

static void test_big_map_size_may_be_written_as_int64(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";"
                               " map_size_mb = 1048576L; };\n"),
                     0);
    assert_int_equal(f->cfg->map_size_mb, 1048576);
}

static void test_relative_paths_resolve_against_the_config_folder(void **state)
{
    fixture *f = *state;
    char sub[512], conf[PATH_MAX], want[PATH_MAX + 32];
    snprintf(sub, sizeof sub, "%s/etc", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    s_write(f, "etc/r.conf",
            "daemon = { endpoint = \"ipc://../run/./r.sock\"; data_dir = \"../var//data/x/..\"; };\n");
    snprintf(conf, sizeof conf, "%s/r.conf", sub);

    /* From a working folder that has nothing to do with the config. */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    int rc = cfg_load(conf, &f->cfg, f->err, sizeof f->err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    snprintf(want, sizeof want, "ipc://%s/run/r.sock", f->dir);
    assert_string_equal(f->cfg->endpoint, want);
    snprintf(want, sizeof want, "%s/var/data", f->dir);
    assert_string_equal(f->cfg->data_dir, want);
    assert_string_equal(f->cfg->dir, sub);
}

static void test_relative_config_path_is_made_absolute(void **state)
{
    fixture *f = *state;
    s_write(f, "test.conf", DAEMON_OK);
    char cwd[PATH_MAX], want[PATH_MAX + 32];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(f->dir), 0);
    int rc = cfg_load("test.conf", &f->cfg, f->err, sizeof f->err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(f->cfg->path, f->path);
    snprintf(want, sizeof want, "%s/data", f->dir);
    assert_string_equal(f->cfg->data_dir, want);
}

static void test_include_is_found_beside_the_config(void **state)
{
    fixture *f = *state;
    s_write(f, "users.conf", USERS_OK);
    s_write(f, "test.conf", DAEMON_OK "@include \"users.conf\"\n");
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    int rc = cfg_load(f->path, &f->cfg, f->err, sizeof f->err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_int_equal(f->cfg->n_users, 2);
}

static void test_error_in_included_file_names_that_file(void **state)
{
    fixture *f = *state;
    s_write(f, "client.conf", "\nclient = { retries = 0; };\n");
    assert_int_equal(s_load(f, DAEMON_OK "@include \"client.conf\"\n"), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/client.conf:2: client.retries must be an integer", f->dir);
    assert_memory_equal(f->err, want, strlen(want));
}

/* ---- lookups ------------------------------------------------------------ */

static void test_user_find_matches_name_then_display(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK USERS_OK), 0);
    assert_string_equal(cfg_user_find(f->cfg, "wangyan")->name, "wangyan");
    assert_string_equal(cfg_user_find(f->cfg, "李明")->name, "liming");
    assert_null(cfg_user_find(f->cfg, "王五"));
    assert_null(cfg_user_find(f->cfg, NULL));
    /* cfg_user takes the name only */
    assert_non_null(cfg_user(f->cfg, "liming"));
    assert_null(cfg_user(f->cfg, "李明"));
}

static void test_unit_and_source_find_match_id_then_name(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK "sources = ( { id = \"self\"; name = \"自查自纠\"; } );\n"
                                         "units = ( { id = \"cun1\"; name = \"托托村\"; },\n"
                                         "          { id = \"shequ\"; name = \"shequ\"; } );\n"),
                     0);
    assert_string_equal(cfg_unit_find(f->cfg, "cun1")->name, "托托村");
    assert_string_equal(cfg_unit_find(f->cfg, "托托村")->id, "cun1");
    assert_string_equal(cfg_unit_find(f->cfg, "shequ")->id, "shequ"); /* own id == own name */
    assert_null(cfg_unit_find(f->cfg, "托托"));
    assert_string_equal(cfg_source_find(f->cfg, "自查自纠")->id, "self");
    assert_null(cfg_source_find(f->cfg, "cun1"));
}

static void test_destroy_accepts_null_and_clears_the_pointer(void **state)
{
    fixture *f = *state;
    cfg_destroy(NULL);
    rect_cfg *none = NULL;
    cfg_destroy(&none);
    assert_int_equal(s_load(f, DAEMON_OK), 0);
    cfg_destroy(&f->cfg);
    assert_null(f->cfg);
}

static void test_default_path_prefers_rectd_config(void **state)
{
    (void)state;
    assert_int_equal(setenv("RECTD_CONFIG", "/somewhere/r.conf", 1), 0);
    assert_string_equal(cfg_default_path(), "/somewhere/r.conf");
    assert_int_equal(unsetenv("RECTD_CONFIG"), 0);

    /* Without it: beside the executable if present, else /etc. */
    char exe[PATH_MAX], want[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(want, sizeof want, "%s/config/rectd.conf", exe);
    if (access(want, F_OK) != 0)
        snprintf(want, sizeof want, "/etc/rectd/rectd.conf");
    assert_string_equal(cfg_default_path(), want);
}

/* ---- mistakes ----------------------------------------------------------- */

static void test_string_where_integer_belongs_is_an_error(void **state)
{
    s_expect_error(*state,
                   "daemon = {\n  endpoint = \"ipc://r.sock\";\n  data_dir = \"d\";\n"
                   "  map_size_mb = \"big\";\n};\n",
                   4, "daemon.map_size_mb must be an integer between 1 and 1048576 (got \"big\")");
}

static void test_float_or_bool_where_integer_belongs_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "client = {\n  timeout_ms = 1.5;\n};\n", 3,
                   "client.timeout_ms must be an integer between 100 and 600000 (got 1.5)");
    s_expect_error(*state, DAEMON_OK "client = {\n  retries = true;\n};\n", 3,
                   "client.retries must be an integer between 1 and 20 (got true)");
}

static void test_integer_out_of_range_is_an_error(void **state)
{
    s_expect_error(*state,
                   "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n reply_cache = 99; };\n", 2,
                   "daemon.reply_cache must be an integer between 100 and 10000000 (got 99)");
    s_expect_error(*state,
                   "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n"
                   " map_size_mb = 99999999999L; };\n",
                   2, "(got 99999999999)");
    s_expect_error(*state,
                   "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n"
                   " max_attachment_mb = -1; };\n",
                   2, "(got -1)");
}

static void test_number_where_string_belongs_is_an_error(void **state)
{
    s_expect_error(*state, "daemon = {\n endpoint = 5555;\n data_dir = \"d\"; };\n", 2,
                   "daemon.endpoint must be a string (got 5555)");
}

static void test_unknown_key_in_a_group_is_an_error(void **state)
{
    s_expect_error(*state,
                   "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n"
                   "  mapsize_mb = 10; };\n",
                   2, "unknown setting daemon.mapsize_mb (did you mean daemon.map_size_mb?)");
    s_expect_error(*state, DAEMON_OK "client = {\n  colour = \"red\"; };\n", 3,
                   "unknown setting client.colour");
}

static void test_unknown_key_in_a_list_entry_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; role = [\"owner\"]; }\n);\n", 3,
                   "unknown setting users[0].role (did you mean users[0].roles?)");
}

static void test_unknown_top_level_setting_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "\nlogging = true;\n", 3, "unknown top-level setting \"logging\"");
    s_expect_error(*state, DAEMON_OK "unit = ();\n", 2,
                   "unknown top-level setting \"unit\" (did you mean units?)");
}

static void test_missing_required_setting_is_an_error(void **state)
{
    s_expect_error(*state, "\n\ndaemon = { data_dir = \"d\"; };\n", 3, "daemon.endpoint is required");
    s_expect_error(*state, "client = { retries = 2; };\n", 0, "daemon.endpoint is required");
}

static void test_group_of_the_wrong_shape_is_an_error(void **state)
{
    s_expect_error(*state, "daemon = \"ipc://r.sock\";\n", 1, "daemon must be a group");
    s_expect_error(*state, DAEMON_OK "units = { id = \"a\"; name = \"b\"; };\n", 2,
                   "units must be a list of groups");
    s_expect_error(*state, DAEMON_OK "units = ( \"cun1\" );\n", 2, "units[0] must be a group");
}

static void test_duplicate_user_name_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n"
                             "  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\"]; },\n"
                             "  { name = \"liming\"; display = \"李明\"; roles = [\"owner\"]; },\n"
                             "  { name = \"wangyan\"; display = \"王燕燕\"; roles = [\"owner\"]; }\n"
                             ");\n",
                   5, "users[2].name: duplicate name \"wangyan\" (users[0] at line 3 has it too)");
}

static void test_duplicate_display_name_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n"
                             "  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\"]; },\n"
                             "  { name = \"wangyan2\";\n    display = \"王燕\"; roles = [\"owner\"]; }\n"
                             ");\n",
                   5, "users[1].display: duplicate display \"王燕\"");
}

static void test_display_name_equal_to_another_users_name_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n"
                             "  { name = \"liming\"; display = \"李明\"; roles = [\"owner\"]; },\n"
                             "  { name = \"lm\"; display = \"liming\"; roles = [\"owner\"]; }\n"
                             ");\n",
                   4, "users[1].display: \"liming\" is already the name of users[0] (line 3)");
}

static void test_duplicate_unit_id_or_name_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"托托村\"; },\n"
                             "  { id = \"cun1\"; name = \"莫合村\"; }\n);\n",
                   4, "units[1].id: duplicate id \"cun1\"");
    s_expect_error(*state,
                   DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"托托村\"; },\n"
                             "  { id = \"cun2\"; name = \"托托村\"; }\n);\n",
                   4, "units[1].name: duplicate name \"托托村\"");
}

static void test_unit_name_equal_to_another_units_id_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"托托村\"; },\n"
                             "  { id = \"cun2\"; name = \"cun1\"; }\n);\n",
                   4, "units[1].name: \"cun1\" is already the id of units[0] (line 3)");
}

static void test_duplicate_source_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "sources = (\n  { id = \"self\"; name = \"自查自纠\"; },\n"
                             "  { id = \"self2\"; name = \"自查自纠\"; }\n);\n",
                   4, "sources[1].name: duplicate name \"自查自纠\"");
}

static void test_source_level_defaults_to_other_and_must_be_known(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK "sources = ( { id = \"a\"; name = \"甲\"; },\n"
                                         "  { id = \"b\"; name = \"乙\"; level = \"county\"; } );\n"),
                     0);
    assert_int_equal(f->cfg->sources[0].level, RECT_LEVEL_OTHER);
    assert_int_equal(f->cfg->sources[1].level, RECT_LEVEL_COUNTY);
    s_expect_error(
        f, DAEMON_OK "sources = (\n  { id = \"a\"; name = \"甲\"; level = \"province\"; }\n);\n", 3,
        "sources[0].level must be one of national, regional, county, town, other (got \"province\")");
    s_expect_error(f, DAEMON_OK "sources = (\n  { id = \"a\"; name = \"甲\"; level = 2; }\n);\n", 3,
                   "sources[0].level");
}

static void test_identifier_outside_ascii_set_is_an_error(void **state)
{
    s_expect_error(
        *state, DAEMON_OK "users = (\n  { name = \"王燕\"; display = \"王燕\"; roles = [\"admin\"]; }\n);\n",
        3, "users[0].name must be 1-128 characters from A-Z a-z 0-9 _ . -");
    s_expect_error(*state, DAEMON_OK "units = (\n  { id = \"cun 1\"; name = \"托托村\"; }\n);\n", 3,
                   "units[0].id must be");
}

static void test_empty_or_padded_names_are_errors(void **state)
{
    s_expect_error(*state, DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"\"; }\n);\n", 3,
                   "units[0].name must not be empty");
    s_expect_error(*state, DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"托托村 \"; }\n);\n", 3,
                   "units[0].name must be at most 128 bytes of text without blanks at either end");
}

static void test_invalid_utf8_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"\xe6\x89\x98\xff\"; }\n);\n", 3,
                   "units[0].name must be UTF-8 text");
}

static void test_unknown_role_is_an_error(void **state)
{
    s_expect_error(
        *state,
        DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\";\n"
                  "    roles = [\"owner\", \"admn\"]; }\n);\n",
        4, "users[0].roles: unknown role \"admn\" (roles: admin, leader, owner, verifier, viewer, gateway)");
}

static void test_user_without_roles_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; roles = []; }\n);\n", 3,
                   "users[0] (\"a\") has no roles");
    s_expect_error(*state, DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; }\n);\n", 3,
                   "users[0] (\"a\") has no roles");
    s_expect_error(*state,
                   DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; roles = \"admin\"; }\n);\n", 3,
                   "users[0].roles must be a list of role names");
}

static void test_role_listed_twice_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK
                   "users = (\n  { name = \"a\"; display = \"A\"; roles = [\"owner\", \"owner\"]; }\n);\n",
                   3, "role \"owner\" is listed twice");
}

static void test_unknown_client_user_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK USERS_OK "client = {\n  user = \"zhangsan\";\n};\n", 7,
                   "client.user: no user named \"zhangsan\"");
}

static void test_client_user_given_as_display_name_suggests_the_name(void **state)
{
    s_expect_error(*state, DAEMON_OK USERS_OK "client = {\n  user = \"王燕\";\n};\n", 7,
                   "no user named \"王燕\" (did you mean \"wangyan\"?");
}

static void test_unknown_timezone_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "calendar = {\n  timezone = \"Asia/Shangai\";\n};\n", 3,
                   "calendar.timezone: unknown time zone \"Asia/Shangai\"");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  timezone = \"../../../etc/passwd\";\n};\n", 3,
                   "calendar.timezone: unknown time zone");
}

static void test_syntax_error_names_the_line(void **state)
{
    s_expect_error(*state, DAEMON_OK "\nclient = { retries = ; };\n", 3, "syntax error");
    s_expect_error(*state, DAEMON_OK "client = { retries = 1; };\nclient = { retries = 2; };\n", 3,
                   "duplicate setting name");
}

static void test_missing_include_is_an_error_on_its_line(void **state)
{
    s_expect_error(*state, DAEMON_OK "@include \"nope.conf\"\n", 2, "cannot open include file");
}

static void test_missing_file_is_an_error_without_a_line(void **state)
{
    fixture *f = *state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/none.conf", f->dir);
    assert_int_equal(cfg_load(path, &f->cfg, f->err, sizeof f->err), -1);
    assert_null(f->cfg);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
    assert_string_equal(f->err, want);
    assert_int_equal(cfg_load(f->dir, &f->cfg, f->err, sizeof f->err), -1);
    assert_non_null(strstr(f->err, "is a folder"));
}

static void test_bad_endpoint_is_an_error(void **state)
{
    s_expect_error(*state, "daemon = {\n endpoint = \"inproc://x\"; data_dir = \"d\"; };\n", 2,
                   "daemon.endpoint must be ipc://PATH or tcp://HOST:PORT (got \"inproc://x\")");
    s_expect_error(*state, "daemon = {\n endpoint = \"tcp://localhost\"; data_dir = \"d\"; };\n", 2,
                   "a tcp endpoint needs a host and a port");
}

static void test_ipc_path_longer_than_sun_path_is_an_error(void **state)
{
    char text[512];
    char name[101];
    memset(name, 's', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    /* dir (>= 20 bytes: /tmp/rectd-test-cfg-XXXXXX) + "/" + 100 bytes > 107 */
    snprintf(text, sizeof text, "daemon = {\n endpoint = \"ipc://%s\"; data_dir = \"d\"; };\n", name);
    s_expect_error(*state, text, 2, "a Unix socket path holds at most 107");
}

static void test_error_text_is_cut_to_the_buffer(void **state)
{
    fixture *f = *state;
    s_write(f, "test.conf", "logging = true;\n");
    char small[12];
    memset(small, 'X', sizeof small);
    rect_cfg *cfg = NULL;
    assert_int_equal(cfg_load(f->path, &cfg, small, sizeof small), -1);
    assert_null(cfg);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_int_equal(cfg_load(f->path, &cfg, NULL, 0), -1); /* no buffer at all */
}

/* ---- deadlines, notify, consolidation, ledger (issue 3) ------------------ */

static void test_new_settings_have_their_defaults(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK), 0);
    const rect_cfg *c = f->cfg;
    assert_int_equal(c->due_soon_days, 3);
    assert_int_equal(c->close_within_days, 7);
    assert_int_equal(c->working_days, 0);
    assert_int_equal(c->n_holidays, 0);
    assert_null(c->holidays);
    assert_int_equal(c->n_workdays, 0);
    assert_int_equal(c->notify_hour, 9);
    assert_int_equal(c->notify_minute, 0);
    assert_null(c->pub_endpoint);
    assert_int_equal(c->escalate_after_days, 7);
    assert_int_equal(c->n_hooks, 0);
    assert_null(c->hooks);
    assert_int_equal(c->review_interval_days, 90);
    assert_null(c->ledger_reviewer);
}

static void test_new_settings_are_read(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        s_load(
            f, DAEMON_OK
            "calendar = {\n"
            "  due_soon_days = 0; close_within_days = 365; working_days = true;\n"
            "  holidays = [\"2026-10-02\", \"2026/10/1\", \"2026年10月3日\"];\n"
            "  workdays = [\"2026-10-10\", \"2026-09-20\"];\n"
            "};\n"
            "notify = {\n"
            "  at = \"7:05\"; pub_endpoint = \"ipc://run/pub.sock\"; escalate_after_days = 365;\n"
            "  hooks = (\n"
            "    { name = \"sms\"; command = [\"/usr/local/bin/send-sms\", \"--town\", \"tuotuo\"]; timeout_s = 3600; retries = 0; },\n"
            "    { name = \"we.com-2\"; command = [\"bin/wecom\"]; }\n"
            "  );\n"
            "};\n"
            "consolidation = { interval_days = 3650; };\n"
            "ledger = { reviewer = \"wangyan\"; };\n" USERS_OK),
        0);
    const rect_cfg *c = f->cfg;
    char want[PATH_MAX + 32];
    assert_int_equal(c->due_soon_days, 0);
    assert_int_equal(c->close_within_days, 365);
    assert_int_equal(c->working_days, 1);
    assert_int_equal(c->n_holidays, 3); /* canonical and sorted */
    assert_string_equal(c->holidays[0], "2026-10-01");
    assert_string_equal(c->holidays[1], "2026-10-02");
    assert_string_equal(c->holidays[2], "2026-10-03");
    assert_int_equal(c->n_workdays, 2);
    assert_string_equal(c->workdays[0], "2026-09-20");
    assert_string_equal(c->workdays[1], "2026-10-10");
    assert_int_equal(c->notify_hour, 7);
    assert_int_equal(c->notify_minute, 5);
    snprintf(want, sizeof want, "ipc://%s/run/pub.sock", f->dir);
    assert_string_equal(c->pub_endpoint, want);
    assert_int_equal(c->escalate_after_days, 365);
    assert_int_equal(c->n_hooks, 2);
    assert_string_equal(c->hooks[0].name, "sms");
    assert_int_equal(c->hooks[0].argc, 3);
    assert_string_equal(c->hooks[0].argv[0], "/usr/local/bin/send-sms");
    assert_string_equal(c->hooks[0].argv[2], "tuotuo");
    assert_null(c->hooks[0].argv[3]);
    assert_int_equal(c->hooks[0].timeout_s, 3600);
    assert_int_equal(c->hooks[0].retries, 0);
    assert_string_equal(c->hooks[1].name, "we.com-2");
    snprintf(want, sizeof want, "%s/bin/wecom", f->dir); /* beside the config; need not exist */
    assert_string_equal(c->hooks[1].argv[0], want);
    assert_int_equal(c->hooks[1].argc, 1);
    assert_null(c->hooks[1].argv[1]);
    assert_int_equal(c->hooks[1].timeout_s, 10);
    assert_int_equal(c->hooks[1].retries, 5);
    assert_int_equal(c->review_interval_days, 3650);
    assert_string_equal(c->ledger_reviewer, "wangyan");
    assert_int_equal(c->notify_immediate, 1); /* the default */
}

static void test_repo_config_has_the_holiday_calendar_and_reviewer(void **state)
{
    fixture *f = *state;
    assert_int_equal(cfg_load("config/rectd.conf", &f->cfg, f->err, sizeof f->err), 0);
    const rect_cfg *c = f->cfg;
    assert_int_equal(c->n_holidays > 30, 1);
    assert_string_equal(c->holidays[0], "2026-01-01");
    for (size_t i = 1; i < c->n_holidays; i++)
        assert_true(strcmp(c->holidays[i - 1], c->holidays[i]) < 0);
    assert_int_equal(c->n_workdays > 5, 1);
    assert_string_equal(c->ledger_reviewer, "wangyan"); /* a configured user: 王燕 signs */
    assert_non_null(cfg_user(c, c->ledger_reviewer));
    assert_non_null(c->pub_endpoint);
    assert_int_equal(c->n_hooks, 0); /* the example is commented out */
}

static void test_new_integer_settings_are_bounded(void **state)
{
    s_expect_error(*state, DAEMON_OK "calendar = {\n  due_soon_days = 366;\n};\n", 3,
                   "calendar.due_soon_days must be an integer between 0 and 365 (got 366)");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  close_within_days = -1;\n};\n", 3,
                   "calendar.close_within_days must be an integer between 0 and 365 (got -1)");
    s_expect_error(*state, DAEMON_OK "notify = {\n  escalate_after_days = 0;\n};\n", 3,
                   "notify.escalate_after_days must be an integer between 1 and 365 (got 0)");
    s_expect_error(*state, DAEMON_OK "consolidation = {\n  interval_days = 3651;\n};\n", 3,
                   "consolidation.interval_days must be an integer between 1 and 3650 (got 3651)");
    s_expect_error(*state, DAEMON_OK "consolidation = {\n  interval_days = \"90\";\n};\n", 3,
                   "consolidation.interval_days must be an integer between 1 and 3650 (got \"90\")");
}

static void test_working_days_must_be_a_boolean(void **state)
{
    s_expect_error(*state, DAEMON_OK "calendar = {\n  working_days = 1;\n};\n", 3,
                   "calendar.working_days must be true or false (got 1)");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  working_days = \"yes\";\n};\n", 3,
                   "calendar.working_days must be true or false (got \"yes\")");
}

static void test_bad_holiday_lists_are_errors(void **state)
{
    s_expect_error(*state, DAEMON_OK "calendar = {\n  holidays = \"2026-10-01\";\n};\n", 3,
                   "calendar.holidays must be an array of dates");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  holidays = [\"2026-10-01\",\n \"2026-02-30\"];\n};\n",
                   4, "calendar.holidays[1] must be a date \"YYYY-MM-DD\" that exists (got \"2026-02-30\")");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  workdays = [\"soon\"];\n};\n", 3,
                   "calendar.workdays[0] must be a date");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  workdays = [1];\n};\n", 3,
                   "calendar.workdays[0] must be a date \"YYYY-MM-DD\" that exists (got 1)");
    s_expect_error(*state, DAEMON_OK "calendar = {\n  holidays = [\"2026-10-01\",\n \"2026/10/01\"];\n};\n",
                   4, "calendar.holidays: 2026-10-01 is listed twice");
    s_expect_error(*state,
                   DAEMON_OK "calendar = {\n  holidays = [\"2026-10-01\", \"2026-10-10\"];\n"
                             "  workdays = [\"2026-09-20\",\n \"2026-10-10\"];\n};\n",
                   5, "calendar.workdays: 2026-10-10 is also in calendar.holidays");
}

static void test_bad_notify_settings_are_errors(void **state)
{
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = \"24:00\";\n};\n", 3,
                   "notify.at must be a time of day \"HH:MM\" like \"09:00\" (got \"24:00\")");
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = \"09:60\";\n};\n", 3,
                   "notify.at must be a time of day");
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = \"9\";\n};\n", 3, "notify.at must be a time of day");
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = \"09:00:00\";\n};\n", 3,
                   "notify.at must be a time of day");
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = 9;\n};\n", 3, "notify.at must be a string (got 9)");
    s_expect_error(*state, DAEMON_OK "notify = {\n  pub_endpoint = \"ipc://r.sock\";\n};\n", 3,
                   "notify.pub_endpoint must differ from daemon.endpoint");
    s_expect_error(*state, DAEMON_OK "notify = {\n  pub_endpoint = \"udp://x\";\n};\n", 3,
                   "notify.pub_endpoint must be ipc://PATH or tcp://HOST:PORT (got \"udp://x\")");
    s_expect_error(*state, DAEMON_OK "notify = {\n  at = \"09:00\";\n  hour = 9;\n};\n", 4,
                   "unknown setting notify.hour");
}

static void test_bad_hooks_are_errors(void **state)
{
    s_expect_error(*state, DAEMON_OK "notify = {\n  hooks = \"sms\";\n};\n", 3,
                   "notify.hooks must be a list of groups");
    s_expect_error(*state, DAEMON_OK "notify = { hooks = (\n { command = [\"/bin/true\"]; }\n); };\n", 3,
                   "notify.hooks[0].name is required");
    s_expect_error(
        *state, DAEMON_OK "notify = { hooks = (\n { name = \"s m s\"; command = [\"/bin/true\"]; }\n); };\n",
        3, "notify.hooks[0].name must be 1-128 characters from A-Z a-z 0-9 _ . -");
    s_expect_error(
        *state,
        DAEMON_OK "notify = { hooks = (\n { name = \"sms\"; command = [\"/bin/true\"]; },\n"
                  " { name = \"sms\"; command = [\"/bin/false\"]; }\n); };\n",
        4, "notify.hooks[1].name: duplicate hook name \"sms\" (notify.hooks[0] at line 3 has it too)");
    s_expect_error(*state, DAEMON_OK "notify = { hooks = (\n { name = \"sms\"; }\n); };\n", 3,
                   "notify.hooks[0].command is required");
    s_expect_error(*state, DAEMON_OK "notify = { hooks = (\n { name = \"sms\";\n command = []; }\n); };\n", 4,
                   "notify.hooks[0].command must name at least the program to run");
    s_expect_error(*state,
                   DAEMON_OK "notify = { hooks = (\n { name = \"sms\";\n command = \"/bin/true\"; }\n); };\n",
                   4, "notify.hooks[0].command must be an array of strings");
    s_expect_error(*state,
                   DAEMON_OK "notify = { hooks = (\n { name = \"sms\";\n command = [\"\"]; }\n); };\n", 4,
                   "notify.hooks[0].command[0] must name the program to run");
    s_expect_error(
        *state,
        DAEMON_OK
        "notify = { hooks = (\n { name = \"sms\"; command = [\"/bin/true\"];\n timeout_s = 0; }\n); };\n",
        4, "notify.hooks[0].timeout_s must be an integer between 1 and 3600 (got 0)");
    s_expect_error(
        *state,
        DAEMON_OK
        "notify = { hooks = (\n { name = \"sms\"; command = [\"/bin/true\"];\n retries = 101; }\n); };\n",
        4, "notify.hooks[0].retries must be an integer between 0 and 100 (got 101)");
    s_expect_error(
        *state,
        DAEMON_OK
        "notify = { hooks = (\n { name = \"sms\"; command = [\"/bin/true\"];\n shell = true; }\n); };\n",
        4, "unknown setting notify.hooks[0].shell");
}

static void test_bad_ledger_and_consolidation_settings_are_errors(void **state)
{
    s_expect_error(*state, DAEMON_OK "ledger = {\n  reviewer = \" 王燕\";\n};\n", 3,
                   "ledger.reviewer must be a name");
    s_expect_error(*state, DAEMON_OK "ledger = {\n  reviewer = \"\";\n};\n", 3,
                   "ledger.reviewer must not be empty");
    s_expect_error(*state, DAEMON_OK "ledger = {\n  signer = \"王燕\";\n};\n", 3,
                   "unknown setting ledger.signer");
    /* the reviewer signs ledgers (ledger sign): a configured user, by name, at its line */
    s_expect_error(*state, DAEMON_OK "ledger = {\n  reviewer = \"王燕\";\n};\n" USERS_OK, 3,
                   "ledger.reviewer: no user named \"王燕\" (did you mean \"wangyan\"?");
    s_expect_error(*state, DAEMON_OK "ledger = {\n  reviewer = \"zhaoyun\";\n};\n" USERS_OK, 3,
                   "ledger.reviewer: no user named \"zhaoyun\" in users");
    s_expect_error(*state, DAEMON_OK "consolidation = {\n  interval_dys = 90;\n};\n", 3,
                   "unknown setting consolidation.interval_dys (did you mean consolidation.interval_days?)");
}

static void test_user_named_rectd_is_reserved(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK
                   "users = (\n  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\"]; },\n"
                   "  { name = \"rectd\"; display = \"系统\"; roles = [\"admin\"]; }\n);\n",
                   4, "users[1].name: \"rectd\" is reserved");
}

/* ---- workflow: who may close ----------------------------------------------- */

static void test_workflow_defaults_to_distinct_closer_and_the_items_own_leader(void **state)
{
    fixture *f = *state;
    assert_int_equal(s_load(f, DAEMON_OK), 0);
    assert_int_equal(f->cfg->distinct_closer, 1);
    assert_int_equal(f->cfg->close_by_any_leader, 0);
    assert_int_equal(
        s_load(f, DAEMON_OK "workflow = { distinct_closer = false; close_by = \"any_leader\"; };\n"), 0);
    assert_int_equal(f->cfg->distinct_closer, 0);
    assert_int_equal(f->cfg->close_by_any_leader, 1);
    assert_int_equal(s_load(f, DAEMON_OK "workflow = { close_by = \"item_leader\"; };\n"), 0);
    assert_int_equal(f->cfg->close_by_any_leader, 0);
}

static void test_workflow_refuses_unknown_values_with_file_and_line(void **state)
{
    s_expect_error(*state, DAEMON_OK "workflow = {\n  close_by = \"anyone\";\n};\n", 3,
                   "workflow.close_by must be \"item_leader\"");
    s_expect_error(*state, DAEMON_OK "workflow = {\n  distinct_closer = 1;\n};\n", 3,
                   "workflow.distinct_closer must be true or false");
    s_expect_error(*state, DAEMON_OK "workflow = {\n  close_by = 2;\n};\n", 3,
                   "workflow.close_by must be a string");
    s_expect_error(*state, DAEMON_OK "workflow = {\n  self_close = true;\n};\n", 3,
                   "unknown setting workflow.self_close");
}

#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_repo_config_loads_with_its_sources_units_and_users),
        T(test_workflow_defaults_to_distinct_closer_and_the_items_own_leader),
        T(test_workflow_refuses_unknown_values_with_file_and_line),
        T(test_repo_config_paths_resolve_beside_the_repo),
        T(test_minimal_config_gets_the_defaults),
        T(test_signing_key_defaults_beside_the_config_and_resolves_against_it),
        T(test_every_setting_is_read),
        T(test_big_map_size_may_be_written_as_int64),
        T(test_relative_paths_resolve_against_the_config_folder),
        T(test_relative_config_path_is_made_absolute),
        T(test_include_is_found_beside_the_config),
        T(test_error_in_included_file_names_that_file),
        T(test_user_find_matches_name_then_display),
        T(test_unit_and_source_find_match_id_then_name),
        T(test_destroy_accepts_null_and_clears_the_pointer),
        T(test_default_path_prefers_rectd_config),
        T(test_string_where_integer_belongs_is_an_error),
        T(test_float_or_bool_where_integer_belongs_is_an_error),
        T(test_integer_out_of_range_is_an_error),
        T(test_number_where_string_belongs_is_an_error),
        T(test_unknown_key_in_a_group_is_an_error),
        T(test_unknown_key_in_a_list_entry_is_an_error),
        T(test_unknown_top_level_setting_is_an_error),
        T(test_missing_required_setting_is_an_error),
        T(test_group_of_the_wrong_shape_is_an_error),
        T(test_duplicate_user_name_is_an_error),
        T(test_duplicate_display_name_is_an_error),
        T(test_display_name_equal_to_another_users_name_is_an_error),
        T(test_duplicate_unit_id_or_name_is_an_error),
        T(test_unit_name_equal_to_another_units_id_is_an_error),
        T(test_duplicate_source_is_an_error),
        T(test_source_level_defaults_to_other_and_must_be_known),
        T(test_identifier_outside_ascii_set_is_an_error),
        T(test_empty_or_padded_names_are_errors),
        T(test_invalid_utf8_is_an_error),
        T(test_unknown_role_is_an_error),
        T(test_user_without_roles_is_an_error),
        T(test_role_listed_twice_is_an_error),
        T(test_unknown_client_user_is_an_error),
        T(test_client_user_given_as_display_name_suggests_the_name),
        T(test_unknown_timezone_is_an_error),
        T(test_syntax_error_names_the_line),
        T(test_missing_include_is_an_error_on_its_line),
        T(test_missing_file_is_an_error_without_a_line),
        T(test_bad_endpoint_is_an_error),
        T(test_ipc_path_longer_than_sun_path_is_an_error),
        T(test_error_text_is_cut_to_the_buffer),
        T(test_new_settings_have_their_defaults),
        T(test_new_settings_are_read),
        T(test_repo_config_has_the_holiday_calendar_and_reviewer),
        T(test_user_keys_are_read_from_the_config_or_a_pub_file),
        T(test_bad_keys_and_socket_settings_are_errors),
        T(test_only_restart_only_settings_block_a_reload),
        T(test_new_integer_settings_are_bounded),
        T(test_working_days_must_be_a_boolean),
        T(test_bad_holiday_lists_are_errors),
        T(test_bad_notify_settings_are_errors),
        T(test_bad_hooks_are_errors),
        T(test_bad_ledger_and_consolidation_settings_are_errors),
        T(test_user_named_rectd_is_reserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
