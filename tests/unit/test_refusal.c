/*
 * test_refusal.c - common/refusal.c: a refusal as one sentence from its
 * code and details, with the caller's translation and display names, and
 * rectd's English message whenever a sentence cannot be made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "rect_refusal.h"

/* A tiny catalogue: msgid (with its context) -> translation. */
static const char *const s_zh[][2] = {
    {"refusal\004cannot {action}: {user} is the owner of item {item}, and an owner may not verify their own "
     "item: have another verifier do it.",
     "不能{action}：事项 {item} 的责任人是{user}，责任人不能验收自己的事项，请由其他验收人验收。"},
    {"refusal\004cannot {action}: item {item} is {state}; {action} needs it {needs}.",
     "不能{action}：事项 {item} 的状态是{state}，只有{needs}的事项才能{action}。"},
    {"refusal\004{user} may not use {cmd}: it needs the role {roles}.",
     "{user}不能使用 {cmd} 命令：需要{roles}角色。"},
    {"refusal\004 or ", "或"},
    {"act\004verify", "验收"},
    {"act\004close", "销号"},
    {"claimed", "已认领"},
    {"assigned", "已交办"},
    {"rectifying", "整改中"},
    {"verified", "已验收"},
    {"closed", "已销号"},
    {"role\004admin", "管理员"},
    {"role\004leader", "责任领导"},
};

static const char *s_tr_zh(const char *msgid, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < sizeof s_zh / sizeof s_zh[0]; i++)
        if (strcmp(s_zh[i][0], msgid) == 0)
            return s_zh[i][1];
    return msgid;
}

/* English: no translations at all (gettext returns its argument). */
static const char *s_tr_en(const char *msgid, void *arg)
{
    (void)arg;
    return msgid;
}

static const char *s_names(const char *kind, const char *id, void *arg)
{
    (void)arg;
    if (strcmp(kind, "user") == 0 && strcmp(id, "liuyang") == 0)
        return "刘洋";
    if (strcmp(kind, "cmd") == 0 && strcmp(id, "inspection_add") == 0)
        return "inspection add";
    return NULL;
}

static const rect_lang s_lang_zh = {s_tr_zh, s_names, NULL};
static const rect_lang s_lang_en = {s_tr_en, s_names, NULL};

static const char s_msg[] =
    "item 7 (2025-N07): liuyang is the item's owner in this round of work and may not verify";

static json_t *s_owner_details(void)
{
    return json_pack("{sIsssssssssss[s]ss}", "item", (json_int_t)7, "ref", "2025-N07", "rule",
                     "owner_may_not_verify", "action", "verify", "state", "rectifying", "user", "liuyang",
                     "needs", "rectifying", "cmd", "verify");
}

static void test_a_rule_with_a_sentence_renders_it_with_names_and_labels(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    char out[512];
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 1);
    assert_string_equal(
        out, "不能验收：事项 2025-N07 的责任人是刘洋，责任人不能验收自己的事项，请由其他验收人验收。");
    json_decref(d);
}

static void test_an_item_without_a_ref_is_named_by_its_id(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    json_object_del(d, "ref");
    char out[512];
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 1);
    assert_string_equal(out,
                        "不能验收：事项 7 的责任人是刘洋，责任人不能验收自己的事项，请由其他验收人验收。");
    json_decref(d);
}

static void test_a_user_without_a_display_name_is_shown_by_name(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    json_object_set_new(d, "user", json_string("wangyan"));
    char out[512];
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 1);
    assert_non_null(strstr(out, "的责任人是wangyan，"));
    /* no name function at all: ids */
    rect_lang bare = {s_tr_zh, NULL, NULL};
    json_object_set_new(d, "user", json_string("liuyang"));
    assert_int_equal(refusal_render(&bare, "permission_denied", d, s_msg, out, sizeof out), 1);
    assert_non_null(strstr(out, "的责任人是liuyang，"));
    json_decref(d);
}

static void test_lists_of_states_and_roles_are_joined_in_the_language(void **state)
{
    (void)state;
    json_t *d = json_pack("{sssssssss[ss]}", "rule", "wrong_state", "ref", "GJ-03", "action", "close",
                          "state", "rectifying", "needs", "verified", "closed");
    char out[512];
    assert_int_equal(refusal_render(&s_lang_zh, "invalid_transition", d, "x", out, sizeof out), 1);
    assert_string_equal(out, "不能销号：事项 GJ-03 的状态是整改中，只有已验收或已销号的事项才能销号。");
    json_decref(d);

    d = json_pack("{sssssss[ss]}", "rule", "role_may_not_use", "user", "liuyang", "cmd", "import", "roles",
                  "admin", "leader");
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, "x", out, sizeof out), 1);
    assert_string_equal(out, "刘洋不能使用 import 命令：需要管理员或责任领导角色。");
    /* a wire command the client names its own way */
    json_object_set_new(d, "cmd", json_string("inspection_add"));
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, "x", out, sizeof out), 1);
    assert_string_equal(out, "刘洋不能使用 inspection add 命令：需要管理员或责任领导角色。");
    json_decref(d);
}

static void test_english_shows_rectds_message_as_it_is(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    char out[512];
    assert_int_equal(refusal_render(&s_lang_en, "permission_denied", d, s_msg, out, sizeof out), 0);
    assert_string_equal(out, s_msg);
    json_decref(d);
}

static void test_a_rule_without_a_sentence_or_translation_shows_the_message(void **state)
{
    (void)state;
    char out[512];
    json_t *d = json_pack("{ss}", "rule", "no_such_rule_yet");
    assert_int_equal(refusal_render(&s_lang_zh, "bad_value", d, "the English message", out, sizeof out), 0);
    assert_string_equal(out, "the English message");
    json_decref(d);
    /* a rule with a sentence this catalogue does not translate */
    d = json_pack("{ssss}", "rule", "no_open_urge", "ref", "GJ-01");
    assert_int_equal(refusal_render(&s_lang_zh, "invalid_transition", d, "no urge", out, sizeof out), 0);
    assert_string_equal(out, "no urge");
    json_decref(d);
    /* no details, no rule */
    assert_int_equal(refusal_render(&s_lang_zh, "not_found", NULL, "no item", out, sizeof out), 0);
    assert_string_equal(out, "no item");
    d = json_object();
    assert_int_equal(refusal_render(&s_lang_zh, "not_found", d, NULL, out, sizeof out), 0);
    assert_string_equal(out, "");
    json_decref(d);
}

static void test_a_value_the_sentence_needs_missing_or_mistyped_shows_the_message(void **state)
{
    (void)state;
    char out[512];
    json_t *d = s_owner_details();
    json_object_del(d, "user");
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 0);
    assert_string_equal(out, s_msg);
    json_object_set_new(d, "user", json_integer(5));
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 0);
    json_object_set_new(d, "user", json_string("liuyang"));
    json_object_set_new(d, "action", json_string("frobnicate")); /* an action with no label */
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 0);
    json_decref(d);
    /* an empty list of states is no list */
    d = json_pack("{sssssssss[]}", "rule", "wrong_state", "ref", "GJ-03", "action", "close", "state",
                  "rectifying", "needs");
    assert_int_equal(refusal_render(&s_lang_zh, "invalid_transition", d, "m", out, sizeof out), 0);
    assert_string_equal(out, "m");
    json_decref(d);
}

static void test_a_small_buffer_is_never_overrun(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    char out[40];
    memset(out, 'x', sizeof out);
    /* the sentence does not fit: the message, cut, NUL-terminated */
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, 20), 0);
    assert_int_equal(strlen(out), 19);
    assert_int_equal(out[25], 'x');
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, 0), 0);
    json_decref(d);
}

static void test_placeholder_syntax_in_values_is_not_expanded(void **state)
{
    (void)state;
    json_t *d = s_owner_details();
    json_object_set_new(d, "ref", json_string("{user}{"));
    char out[512];
    assert_int_equal(refusal_render(&s_lang_zh, "permission_denied", d, s_msg, out, sizeof out), 1);
    assert_string_equal(
        out, "不能验收：事项 {user}{ 的责任人是刘洋，责任人不能验收自己的事项，请由其他验收人验收。");
    json_decref(d);
}

static void test_labels_are_the_one_set_and_english_without_a_catalogue(void **state)
{
    (void)state;
    static const char *const zh[] = {"已认领", "已交办", "整改中", "已验收", "已销号"};
    static const char *const wire[] = {"claimed", "assigned", "rectifying", "verified", "closed"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(refusal_state_label(&s_lang_zh, wire[i]), zh[i]);
        assert_string_equal(refusal_state_label(&s_lang_en, wire[i]), wire[i]);
    }
    assert_null(refusal_state_label(&s_lang_zh, "gone"));
    assert_null(refusal_state_label(&s_lang_zh, NULL));
    assert_string_equal(refusal_action_label(&s_lang_zh, "verify"), "验收");
    assert_string_equal(refusal_action_label(&s_lang_en, "reject"), "send back");
    assert_string_equal(refusal_role_label(&s_lang_en, "verifier"), "verifier");
    assert_string_equal(refusal_role_label(&s_lang_zh, "admin"), "管理员");
    assert_null(refusal_role_label(&s_lang_zh, "root"));
    assert_int_equal(refusal_translated(&s_lang_zh), 1);
    assert_int_equal(refusal_translated(&s_lang_en), 0);
    assert_int_equal(refusal_translated(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_rule_with_a_sentence_renders_it_with_names_and_labels),
        cmocka_unit_test(test_an_item_without_a_ref_is_named_by_its_id),
        cmocka_unit_test(test_a_user_without_a_display_name_is_shown_by_name),
        cmocka_unit_test(test_lists_of_states_and_roles_are_joined_in_the_language),
        cmocka_unit_test(test_english_shows_rectds_message_as_it_is),
        cmocka_unit_test(test_a_rule_without_a_sentence_or_translation_shows_the_message),
        cmocka_unit_test(test_a_value_the_sentence_needs_missing_or_mistyped_shows_the_message),
        cmocka_unit_test(test_a_small_buffer_is_never_overrun),
        cmocka_unit_test(test_placeholder_syntax_in_values_is_not_expanded),
        cmocka_unit_test(test_labels_are_the_one_set_and_english_without_a_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
