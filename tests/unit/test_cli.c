/*
 * test_cli.c - rectctl's command table (client/cmds.c) agrees with the
 * protocol's (include/rect_verbs.h): every option that fills a wire
 * argument names one the command takes (CLI_ARG checks that much at
 * compile time), in the way its type needs; what the schema requires is
 * given by an option, the positional argument or a build hook.
 *
 * Links rectctl's objects without main.c; the few functions of main.c
 * the commands call are stubs here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "conn.h"
#include "directory.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_help(const cli_ctx *ctx, const cli_args *a)
{
    return RECT_EXIT_USAGE;
}

void cli_keys_dir(const rect_client_cfg *conf, char *buf, size_t len)
{
    snprintf(buf, len, ".");
}

struct conn *cli_connect(const cli_ctx *ctx, unsigned timeout_ms)
{
    return NULL;
}

struct conn *cli_conn(const cli_ctx *ctx)
{
    return NULL;
}

int cli_call(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result)
{
    *result = NULL;
    return RECT_EXIT_UNREACHABLE;
}

int cli_call_file(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, const cli_file *file,
                  json_t **result)
{
    *result = NULL;
    return RECT_EXIT_UNREACHABLE;
}

int cli_call_data(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result,
                  char **data, size_t *len)
{
    json_decref(args);
    *result = NULL;
    *data = NULL;
    *len = 0;
    return RECT_EXIT_UNREACHABLE;
}

static int s_is_string(rect_arg_type t)
{
    return t == RECT_ARG_NAME || t == RECT_ARG_LINE || t == RECT_ARG_TEXT || t == RECT_ARG_ITEM;
}

static void test_commands_that_send_one_request_name_their_wire_command(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_cmd *c = &cli_commands[i];
        int own = c->local || (c->flags & CLI_SESSION);
        if (own && (c->verb != RECT_VERB_NONE || c->pick))
            fail_msg("%s runs on its own (local or session) but names a wire command", c->name);
        if (!own && !rect_verb_of(c->verb))
            fail_msg("%s sends a request but names no wire command (.verb)", c->name);
        if (c->pick && !c->build)
            fail_msg("%s picks its wire command but has no build hook", c->name);
    }
}

static void test_options_fill_arguments_the_way_their_type_needs(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_cmd *c = &cli_commands[i];
        for (int k = 0; c->opts[k].name; k++) {
            const cli_opt *o = &c->opts[k];
            for (int j = 0; j < k; j++)
                if (strcmp(c->opts[j].name, o->name) == 0)
                    fail_msg("%s: option --%s twice", c->name, o->name);
            if (o->arg.verb == RECT_VERB_NONE && o->arg.pos == 0)
                continue;
            const rect_arg *arg = rect_arg_of(o->arg);
            if (!arg)
                fail_msg("%s --%s: names no argument of the table", c->name, o->name);
            if (o->arg.verb != c->verb && !c->pick)
                fail_msg("%s --%s: names an argument of %s, but %s sends %s", c->name, o->name,
                         rect_verb_of(o->arg.verb)->name, c->name,
                         c->verb ? rect_verb_of(c->verb)->name : "nothing");
            if ((arg->type == RECT_ARG_BOOL) != (o->metavar == NULL))
                fail_msg("%s --%s: a BOOL argument is a flag (no placeholder), any other takes a value",
                         c->name, o->name);
            if (arg->type == RECT_ARG_FILES && !(o->flags & CLI_MULTI))
                fail_msg("%s --%s: a FILES argument is a repeatable option", c->name, o->name);
            if (!s_is_string(arg->type) && arg->type != RECT_ARG_BOOL && !c->build)
                fail_msg("%s --%s: the %s argument is not a string, so a build hook must fill it", c->name,
                         o->name, arg->name);
        }
    }
}

static void test_positional_arguments_are_required_by_the_schema_or_by_the_command(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_cmd *c = &cli_commands[i];
        const rect_arg *arg = rect_arg_of(c->pos_arg);
        if (!c->pos && (arg || c->pos_min))
            fail_msg("%s: a positional argument without a placeholder", c->name);
        if (arg && c->pos_min)
            fail_msg("%s: its positional fills %s, so the schema says whether it is required (no .pos_min)",
                     c->name, arg->name);
        if (arg && c->pos_arg.verb != c->verb && !c->pick)
            fail_msg("%s: the positional names an argument of another command", c->name);
        if (arg && !s_is_string(arg->type) && !c->build)
            fail_msg("%s: the positional fills %s, not a string: a build hook must", c->name, arg->name);
    }
}

/* An argument the schema requires with nothing on the command line to fill it: the build hook's. */
static void test_every_required_argument_has_an_option_a_positional_or_a_build_hook(void **state)
{
    (void)state;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const cli_cmd *c = &cli_commands[i];
        const rect_verb *v = rect_verb_of(c->verb);
        if (!v || c->pick)
            continue;
        for (size_t n = 0; n < v->n_args; n++) {
            const rect_arg *want = &v->args[n];
            if (!want->required)
                continue;
            int filled = rect_arg_of(c->pos_arg) == want;
            for (int k = 0; c->opts[k].name; k++)
                filled |= rect_arg_of(c->opts[k].arg) == want;
            if (!filled && !c->build)
                fail_msg("%s: %s requires %s, which no option, positional or build hook gives", c->name,
                         v->name, want->name);
        }
        if (v->files != RECT_FILES_NONE && !c->build)
            fail_msg("%s: %s takes files, which only a build hook attaches", c->name, v->name);
    }
}

/* rectd's directory reply becomes the lookups rectctl renders names with. */
static void test_the_directory_reply_serves_the_name_lookups(void **state)
{
    (void)state;
    json_error_t e;
    json_t *r = json_loads(
        "{\"users\": [{\"name\": \"wangyan\", \"display\": \"王燕\", \"roles\": [\"admin\", \"verifier\"]},"
        " {\"name\": 5}, {\"name\": \"liming\", \"display\": \"李明\", \"roles\": [\"owner\", \"x\"]}],"
        " \"units\": [{\"id\": \"cun1\", \"name\": \"托托村\"}], \"sources\": [],"
        " \"timezone\": \"Asia/Shanghai\", \"reviewer\": null,"
        " \"limits\": {\"max_request_kb\": 256, \"max_attachment_mb\": 20}}",
        0, &e);
    assert_non_null(r);
    rect_cfg *d = cli_dir_from_json(r);
    assert_non_null(d);
    assert_int_equal(d->n_users, 2); /* the malformed entry is left out */
    assert_string_equal(cfg_user_find(d, "李明")->name, "liming");
    assert_int_equal(cfg_user(d, "wangyan")->roles, RECT_ROLE_ADMIN | RECT_ROLE_VERIFIER);
    assert_int_equal(cfg_user(d, "liming")->roles, RECT_ROLE_OWNER);
    assert_null(cfg_user(d, "王燕")); /* by name only */
    assert_string_equal(cfg_unit_find(d, "托托村")->id, "cun1");
    assert_null(cfg_source_find(d, "national"));
    assert_string_equal(d->timezone, "Asia/Shanghai");
    assert_null(d->ledger_reviewer);
    assert_int_equal(d->max_attachment_mb, 20);
    cfg_destroy(&d);
    json_decref(r);
    r = json_loads("{\"users\": 3}", 0, &e);
    assert_null(cli_dir_from_json(r)); /* no directory */
    assert_null(cli_dir_from_json(NULL));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_that_send_one_request_name_their_wire_command),
        cmocka_unit_test(test_options_fill_arguments_the_way_their_type_needs),
        cmocka_unit_test(test_positional_arguments_are_required_by_the_schema_or_by_the_command),
        cmocka_unit_test(test_every_required_argument_has_an_option_a_positional_or_a_build_hook),
        cmocka_unit_test(test_the_directory_reply_serves_the_name_lookups),
    };
    return cmocka_run_group_tests_name("rectctl's table against the protocol's", tests, NULL, NULL);
}
