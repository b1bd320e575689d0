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
#include "rect_proto.h"

/* The minimum a config needs. */
#define DAEMON_OK "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"data\"; };\n"
#define USERS_OK                                                                                   \
    "users = (\n"                                                                                  \
    "  { name = \"wangyan\"; display = \"王燕\"; roles = [\"admin\", \"verifier\"]; },\n"           \
    "  { name = \"liming\"; display = \"李明\"; roles = [\"owner\"]; }\n"                           \
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

/* ---- the repo's config -------------------------------------------------- */

static void test_repo_config_loads_with_its_sources_units_and_users(void **state)
{
    fixture *f = *state;
    assert_int_equal(cfg_load("config/rectd.conf", &f->cfg, f->err, sizeof f->err), 0);
    const rect_cfg *c = f->cfg;
    assert_int_equal(c->n_sources, 4);
    assert_string_equal(c->sources[0].id, "national");
    assert_string_equal(c->sources[0].name, "国家反馈共性问题");
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
    assert_int_equal(s_load(f, DAEMON_OK
                             "sources = ( { id = \"self\"; name = \"自查自纠\"; } );\n"
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
                   "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n reply_cache = 99; };\n",
                   2, "daemon.reply_cache must be an integer between 100 and 10000000 (got 99)");
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
    s_expect_error(*state, "daemon = { endpoint = \"ipc://r.sock\"; data_dir = \"d\";\n"
                           "  mapsize_mb = 10; };\n",
                   2, "unknown setting daemon.mapsize_mb (did you mean daemon.map_size_mb?)");
    s_expect_error(*state, DAEMON_OK "client = {\n  colour = \"red\"; };\n", 3,
                   "unknown setting client.colour");
}

static void test_unknown_key_in_a_list_entry_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; role = [\"owner\"]; }\n);\n",
                   3, "unknown setting users[0].role (did you mean users[0].roles?)");
}

static void test_unknown_top_level_setting_is_an_error(void **state)
{
    s_expect_error(*state, DAEMON_OK "\nlogging = true;\n", 3,
                   "unknown top-level setting \"logging\"");
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

static void test_identifier_outside_ascii_set_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n  { name = \"王燕\"; display = \"王燕\"; roles = [\"admin\"]; }\n);\n",
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
    s_expect_error(*state, DAEMON_OK "units = (\n  { id = \"cun1\"; name = \"\xe6\x89\x98\xff\"; }\n);\n",
                   3, "units[0].name must be UTF-8 text");
}

static void test_unknown_role_is_an_error(void **state)
{
    s_expect_error(*state,
                   DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\";\n"
                             "    roles = [\"owner\", \"admn\"]; }\n);\n",
                   4, "users[0].roles: unknown role \"admn\" (roles: admin, leader, owner, verifier, viewer)");
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
                   DAEMON_OK "users = (\n  { name = \"a\"; display = \"A\"; roles = [\"owner\", \"owner\"]; }\n);\n",
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

#define T(name) cmocka_unit_test_setup_teardown(name, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_repo_config_loads_with_its_sources_units_and_users),
        T(test_repo_config_paths_resolve_beside_the_repo),
        T(test_minimal_config_gets_the_defaults),
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
