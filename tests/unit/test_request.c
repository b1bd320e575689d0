/*
 * test_request.c - request validation: every malformed request is refused
 * with the right code and a message, before any handler or transaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "rect_cfg.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "rect_verbs.h"

static rect_cfg *s_cfg;
/* The connection's key for the next request: NULL = the key of the user it names. */
static const char *s_peer_key;

static int s_setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg_load("config/rectd.conf", &s_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* every user a key of their own, as rectd's demo keys would give them */
    for (size_t i = 0; i < s_cfg->n_users; i++) {
        rect_key k;
        if (keys_generate(s_cfg->users[i].name, &k) != 0 ||
            !(s_cfg->users[i].public_key = strdup(k.public_z85)))
            return -1;
    }
    return 0;
}

/* The key of the user a request text names (the admin's when it names none we know). */
static const char *s_key_of_request(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    const rect_user *u = cfg_user(s_cfg, json_string_value(json_object_get(j, "user")));
    json_decref(j);
    return (u ? u : cfg_user(s_cfg, "wangyan"))->public_key;
}

static int s_teardown(void **state)
{
    (void)state;
    cfg_destroy(&s_cfg);
    return 0;
}

/* Validate a request text with n_files attachments of size `size`; return the code, msg in out. */
static int s_check_files(const char *text, size_t n_files, size_t size, char *msg, size_t len)
{
    static char blob[4];
    dispatch_req r;
    memset(&r, 0, sizeof r);
    r.req = text;
    r.req_len = strlen(text);
    r.n_files = n_files > RECT_MAX_FILES ? RECT_MAX_FILES : n_files;
    r.too_many_files = n_files > RECT_MAX_FILES;
    snprintf(r.peer.key, sizeof r.peer.key, "%s", s_peer_key ? s_peer_key : s_key_of_request(text));
    for (size_t i = 0; i < r.n_files; i++) {
        r.files[i].data = blob;
        r.files[i].len = size;
    }
    json_t *req = NULL;
    msg[0] = '\0';
    int rc = dispatch_validate(s_cfg, &r, &req, msg, len);
    if (rc == 0)
        assert_non_null(req);
    else
        assert_null(req);
    json_decref(req);
    return rc;
}

static int s_check(const char *text, char *msg, size_t len)
{
    return s_check_files(text, 0, 0, msg, len);
}

/* Assert that text is refused with code (0: accepted) and the message holds needle. */
static void s_expect(const char *text, int code, const char *needle)
{
    char m[1024];
    int rc = s_check(text, m, sizeof m);
    assert_string_equal(rect_err_name(rc), rect_err_name(code));
    if (needle && !strstr(m, needle))
        fail_msg("message \"%s\" lacks \"%s\"", m, needle);
}
#define EXPECT(text, code, needle) s_expect(text, code, needle)

#define W "\"client\":\"t-1\",\"seq\":1"

static void test_valid_read_and_write_requests_pass(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"wangyan\"}", 0, NULL);
    EXPECT("{\"v\":1,\"cmd\":\"show\",\"user\":\"xiaoliu\",\"args\":{\"item\":3}}", 0, NULL);
    EXPECT("{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":\"GJ-01\",\"note\":\"开始\"}," W
           "}",
           0, NULL);
    EXPECT(
        "{\"v\":1,\"cmd\":\"verify\",\"user\":\"maqing\",\"args\":{\"item\":1,\"result\":\"pass\",\"opinion\":\"合格\\n材料齐全\"}," W
        "}",
        0, NULL);
}

static void test_not_json_is_bad_request(void **state)
{
    (void)state;
    EXPECT("hello", RECT_E_BAD_REQUEST, "not JSON");
    EXPECT("{\"v\":1,", RECT_E_BAD_REQUEST, "not JSON");
    EXPECT("[1,2]", RECT_E_BAD_REQUEST, "JSON object");
    EXPECT("", RECT_E_BAD_REQUEST, "empty");
    EXPECT("{\"v\":1,\"v\":1,\"cmd\":\"ping\",\"user\":\"wangyan\"}", RECT_E_BAD_REQUEST, "duplicate");
}

static void test_invalid_utf8_is_bad_utf8(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"\xff\xfe\"}", RECT_E_BAD_UTF8, "UTF-8");
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"\xe7\x8e\"}", RECT_E_BAD_UTF8, "UTF-8");
}

static void test_envelope_keys_are_checked(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"wangyan\",\"extra\":1}", RECT_E_UNKNOWN_FIELD, "extra");
    EXPECT("{\"cmd\":\"ping\",\"user\":\"wangyan\"}", RECT_E_MISSING_FIELD, "\"v\"");
    EXPECT("{\"v\":2,\"cmd\":\"ping\",\"user\":\"wangyan\"}", RECT_E_UNSUPPORTED_VERSION, "version 1");
    EXPECT("{\"v\":\"1\",\"cmd\":\"ping\",\"user\":\"wangyan\"}", RECT_E_UNSUPPORTED_VERSION, NULL);
    EXPECT("{\"v\":1,\"user\":\"wangyan\"}", RECT_E_MISSING_FIELD, "cmd");
    EXPECT("{\"v\":1,\"cmd\":\"ping\"}", RECT_E_MISSING_FIELD, "user");
    EXPECT("{\"v\":1,\"cmd\":7,\"user\":\"wangyan\"}", RECT_E_BAD_TYPE, NULL);
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"wangyan\",\"args\":[]}", RECT_E_BAD_TYPE, "object");
}

static void test_unknown_command_and_user_are_named(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"drop\",\"user\":\"wangyan\"}", RECT_E_UNKNOWN_COMMAND, "drop");
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"nobody\"}", RECT_E_UNKNOWN_USER, "nobody");
    /* The acting user is named by login name, not display name. */
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"王燕\"}", RECT_E_UNKNOWN_USER, NULL);
}

static void test_writes_need_client_and_seq(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":1}}", RECT_E_MISSING_FIELD,
           "client");
    EXPECT(
        "{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":1},\"client\":\"a\",\"seq\":\"1\"}",
        RECT_E_BAD_TYPE, "seq");
    EXPECT(
        "{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":1},\"client\":\"a b\",\"seq\":1}",
        RECT_E_BAD_VALUE, "client");
    EXPECT("{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":1},\"client\":\"a\",\"seq\":0}",
           RECT_E_BAD_VALUE, "seq");
}

static void test_arguments_are_checked_against_the_table(void **state)
{
    (void)state;
    EXPECT("{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"args\":{\"item\":1,\"colour\":\"red\"}," W "}",
           RECT_E_UNKNOWN_FIELD, "colour");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1}," W "}",
           RECT_E_MISSING_FIELD, "note");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1,\"note\":\"  \"}," W "}",
           RECT_E_MISSING_FIELD, "empty");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1.5,\"note\":\"x\"}," W "}",
           RECT_E_BAD_TYPE, "item");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1,\"note\":7}," W "}",
           RECT_E_BAD_TYPE, "note");
    EXPECT("{\"v\":1,\"cmd\":\"import\",\"user\":\"wangyan\",\"args\":{\"dry_run\":\"yes\"}," W "}",
           RECT_E_BAD_TYPE, "dry_run");
    EXPECT(
        "{\"v\":1,\"cmd\":\"evidence\",\"user\":\"liming\",\"args\":{\"item\":1,\"note\":\"x\",\"files\":\"a.jpg\"}," W
        "}",
        RECT_E_BAD_TYPE, "files");
}

static void test_control_characters_and_long_names_are_refused(void **state)
{
    (void)state;
    /* A title is one line; a note may have newlines but no other controls. */
    EXPECT(
        "{\"v\":1,\"cmd\":\"add\",\"user\":\"wangyan\",\"args\":{\"ref\":\"X\",\"source\":\"national\",\"kind\":\"immediate\",\"title\":\"a\\nb\"}," W
        "}",
        RECT_E_BAD_VALUE, "title");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1,\"note\":\"a\\u0007b\"}," W
           "}",
           RECT_E_BAD_VALUE, "control");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1,\"note\":\"a\\u0000b\"}," W
           "}",
           RECT_E_BAD_REQUEST, NULL);
    char big[600];
    snprintf(big, sizeof big,
             "{\"v\":1,\"cmd\":\"show\",\"user\":\"wangyan\",\"args\":{\"item\":\"%0200d\"}}", 0);
    memset(strstr(big, "000"), 'A', 200);
    EXPECT(big, RECT_E_BAD_VALUE, "too long");
}

static void test_frame_and_attachment_limits(void **state)
{
    (void)state;
    char m[1024];
    size_t n = (size_t)s_cfg->max_request_kb * 1024 + 1;
    char *huge = malloc(n + 1);
    assert_non_null(huge);
    memset(huge, ' ', n);
    huge[n] = '\0';
    assert_int_equal(s_check(huge, m, sizeof m), RECT_E_TOO_LARGE);
    assert_non_null(strstr(m, "max_request_kb"));
    free(huge);

    const char *ev =
        "{\"v\":1,\"cmd\":\"evidence\",\"user\":\"liming\",\"args\":{\"item\":1,\"note\":\"x\",\"files\":[\"a\",\"b\"]}," W
        "}";
    assert_int_equal(s_check_files(ev, 2, 10, m, sizeof m), 0);
    assert_int_equal(s_check_files(ev, 1, 10, m, sizeof m), RECT_E_BAD_VALUE);
    assert_non_null(strstr(m, "2 file(s) named but 1 frame(s)"));
    assert_int_equal(s_check_files(ev, 17, 10, m, sizeof m), RECT_E_TOO_LARGE);
    assert_int_equal(s_check_files(ev, 2, ((size_t)s_cfg->max_attachment_mb << 20) + 1, m, sizeof m),
                     RECT_E_TOO_LARGE);
    assert_non_null(strstr(m, "max_attachment_mb"));

    const char *imp = "{\"v\":1,\"cmd\":\"import\",\"user\":\"wangyan\"," W "}";
    assert_int_equal(s_check_files(imp, 1, 10, m, sizeof m), 0);
    assert_int_equal(s_check_files(imp, 0, 0, m, sizeof m), RECT_E_BAD_VALUE);
    assert_non_null(strstr(m, "exactly 1"));
    /* A command that takes no files refuses stray frames. */
    assert_int_equal(s_check_files("{\"v\":1,\"cmd\":\"ping\",\"user\":\"wangyan\"}", 1, 3, m, sizeof m),
                     RECT_E_BAD_VALUE);
}

static void test_a_request_acts_only_as_the_user_whose_key_connected(void **state)
{
    (void)state;
    const char *ping_as_zhanghua = "{\"v\":1,\"cmd\":\"ping\",\"user\":\"zhanghua\"}";
    s_peer_key = cfg_user(s_cfg, "liming")->public_key;
    EXPECT(ping_as_zhanghua, RECT_E_PERMISSION_DENIED, "connected as liming");
    EXPECT("{\"v\":1,\"cmd\":\"close\",\"user\":\"zhanghua\",\"args\":{\"item\":1,\"note\":\"x\"}," W "}",
           RECT_E_PERMISSION_DENIED, "use zhanghua's own key");
    /* a name no one has stays unknown_user, whoever connected */
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"nobody\"}", RECT_E_UNKNOWN_USER, "nobody");
    EXPECT("{\"v\":1,\"cmd\":\"ping\",\"user\":\"rectd\"}", RECT_E_UNKNOWN_USER, "rectd");
    s_peer_key = cfg_user(s_cfg, "zhanghua")->public_key;
    EXPECT(ping_as_zhanghua, 0, NULL);
    /* a key no user has (revoked by SIGHUP, or never given) */
    rect_key other;
    assert_int_equal(keys_generate("x", &other), 0);
    s_peer_key = other.public_z85;
    EXPECT(ping_as_zhanghua, RECT_E_PERMISSION_DENIED, "revoked");
    s_peer_key = "";
    EXPECT(ping_as_zhanghua, RECT_E_PERMISSION_DENIED, "none");
    s_peer_key = NULL;
}

static void test_a_gateway_may_act_for_users_but_not_for_another_gateway(void **state)
{
    (void)state;
    /* the sample config's last user is its gateway (rectweb): take two people before it */
    rect_user *web = &s_cfg->users[s_cfg->n_users - 2], *viewer = &s_cfg->users[s_cfg->n_users - 3];
    assert_true(s_cfg->users[s_cfg->n_users - 1].roles == RECT_ROLE_GATEWAY);
    assert_false(web->roles & RECT_ROLE_GATEWAY);
    unsigned was = web->roles, was2 = viewer->roles;
    web->roles = RECT_ROLE_GATEWAY;
    s_peer_key = web->public_key;
    char req[256];
    snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"ping\",\"user\":\"zhanghua\"}");
    EXPECT(req, 0, NULL);
    viewer->roles = RECT_ROLE_GATEWAY | RECT_ROLE_VIEWER;
    snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"ping\",\"user\":\"%s\"}", viewer->name);
    EXPECT(req, RECT_E_PERMISSION_DENIED, "connected as");
    /* without the role the same key may act only as itself */
    web->roles = was;
    snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"ping\",\"user\":\"zhanghua\"}");
    EXPECT(req, RECT_E_PERMISSION_DENIED, "connected as");
    viewer->roles = was2;
    s_peer_key = NULL;
}

static void test_every_command_in_the_table_has_a_handler_and_one_name(void **state)
{
    (void)state;
    assert_null(dispatch_handler(RECT_VERB_NONE));
    assert_null(dispatch_handler(RECT_VERB_COUNT));
    for (int v = RECT_VERB_NONE + 1; v < RECT_VERB_COUNT; v++) {
        const rect_verb *spec = rect_verb_of(v);
        if (!dispatch_handler(v))
            fail_msg("%s has no handler in dispatch.c's s_handlers", spec->name);
        assert_int_equal(rect_verb_find(spec->name), v);
        /* a command that takes named files takes their names */
        if (spec->files == RECT_FILES_NAMED)
            assert_non_null(rect_verb_arg(v, "files"));
        for (size_t i = 0; i < spec->n_args; i++)
            assert_ptr_equal(rect_verb_arg(v, spec->args[i].name), &spec->args[i]);
        assert_null(spec->args[spec->n_args].name);
    }
    assert_int_equal(rect_verb_find("drop"), RECT_VERB_NONE);
    /* RECT_ARG_OF names an argument by its position in the table */
    rect_arg_ref owner = RECT_ARG_OF(ASSIGN, owner);
    assert_string_equal(rect_arg_of(owner)->name, "owner");
    assert_true(rect_arg_of(owner)->required);
    assert_null(rect_arg_of((rect_arg_ref){0}));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_read_and_write_requests_pass),
        cmocka_unit_test(test_not_json_is_bad_request),
        cmocka_unit_test(test_invalid_utf8_is_bad_utf8),
        cmocka_unit_test(test_envelope_keys_are_checked),
        cmocka_unit_test(test_unknown_command_and_user_are_named),
        cmocka_unit_test(test_writes_need_client_and_seq),
        cmocka_unit_test(test_arguments_are_checked_against_the_table),
        cmocka_unit_test(test_control_characters_and_long_names_are_refused),
        cmocka_unit_test(test_frame_and_attachment_limits),
        cmocka_unit_test(test_a_request_acts_only_as_the_user_whose_key_connected),
        cmocka_unit_test(test_a_gateway_may_act_for_users_but_not_for_another_gateway),
        cmocka_unit_test(test_every_command_in_the_table_has_a_handler_and_one_name),
    };
    return cmocka_run_group_tests_name("request validation", tests, s_setup, s_teardown);
}
