/*
 * test_init.c - rectctl init --from (client/init.c): what the starter config
 * holds for a plan: ids and display names, roles from the columns, the
 * id/name pairings the rows support and the notes for those they do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "init.h"
#include "rect_plan.h"

/* init.o's one call into the rest of rectctl. */
void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

#define HEAD "编号,问题来源,整改类型,问题,责任领导,责任单位,责任人,整改时限\n"

/* The config init writes for csv; caller frees. */
static char *s_conf(const char *csv)
{
    plan_sheet *sh = NULL;
    char err[PLAN_ERRLEN];
    if (plan_read(csv, strlen(csv), PLAN_ENC_AUTO, &sh, err, sizeof err) != 0)
        fail_msg("plan_read: %s", err);
    char *text = init_config_text(sh, "plan.csv", err, sizeof err);
    plan_sheet_destroy(&sh);
    if (!text)
        fail_msg("init_config_text: %s", err);
    return text;
}

static void s_has(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("expected \"%s\" in:\n%s", want, text);
}

static void s_lacks(const char *text, const char * not )
{
    if (strstr(text, not ))
        fail_msg("did not expect \"%s\" in:\n%s", not, text);
}

static void test_names_get_ids_by_kind_and_roles_by_column(void **state)
{
    (void)state;
    char *t = s_conf(HEAD "GJ-01,国家反馈共性问题,长期坚持,a,张华,托托村,李明,2027-06-30\n"
                          "ZZQ-01,自治区“两办”反馈问题,长期坚持,b,张华,托托社区,张华,2027-06-30\n"
                          "XJ-01,精河县反馈问题,长期坚持,c,陈梅,乡村振兴办公室,李明,2027-06-30\n");
    s_has(t, "{ id = \"national\"; name = \"国家反馈共性问题\"; level = \"national\"; }");
    s_has(t, "{ id = \"region\"; name = \"自治区“两办”反馈问题\"; level = \"regional\"; }");
    s_has(t, "{ id = \"county\"; name = \"精河县反馈问题\"; level = \"county\"; }");
    s_has(t, "{ id = \"self\"; name = \"自查自纠\"; level = \"town\"; }"); /* 举一反三's source */
    s_has(t, "{ id = \"cun1\"; name = \"托托村\"; }");
    s_has(t, "{ id = \"shequ1\"; name = \"托托社区\"; }");
    s_has(t, "{ id = \"unit1\"; name = \"乡村振兴办公室\"; }");
    /* 张华 leads and owns: both roles, one entry */
    s_has(t, "{ name = \"leader1\"; display = \"张华\"; roles = [\"leader\", \"owner\"];");
    s_has(
        t,
        "{ name = \"owner1\"; display = \"李明\"; roles = [\"owner\"]; public_key = \"keys/owner1.pub\"; }");
    s_has(t, "{ name = \"admin\"; display = \"管理员（待填）\"; roles = [\"admin\"];");
    s_has(t, "{ name = \"verifier\"; display = \"验收人（待填）\"; roles = [\"verifier\"];");
    s_has(t, "demo_keys = false;");
    s_lacks(t, "# 待确认 / to confirm:");
    free(t);
}

static void test_an_id_and_a_name_the_rows_agree_on_are_paired(void **state)
{
    (void)state;
    char *t = s_conf(HEAD "A-1,national,长期坚持,a,张华,托托村,li,2027-06-30\n"
                          "A-2,national,长期坚持,b,张华,托托村,李明,2027-06-30\n"
                          "A-3,national,长期坚持,c,陈梅,莫合村,li,2027-06-30\n"
                          "A-4,national,长期坚持,d,陈梅,莫合村,李明,2027-06-30\n");
    s_has(t, "{ name = \"li\"; display = \"李明\"; roles = [\"owner\"]; public_key = \"keys/li.pub\"; }");
    s_has(t, "已合并");
    s_lacks(t, "owner1"); /* 李明 has no entry of its own */
    /* national is an id already: kept, and its display name is to be filled in */
    s_has(t, "{ id = \"national\"; name = \"national（待填）\";");
    free(t);
}

static void test_weak_or_contrary_evidence_leaves_two_entries_and_a_note(void **state)
{
    (void)state;
    /* one row each: agrees, but too little to be sure */
    char *t = s_conf(HEAD "A-1,national,长期坚持,a,张华,托托村,li,2027-06-30\n"
                          "A-2,national,长期坚持,b,张华,托托村,李明,2027-06-30\n");
    s_has(t, "{ name = \"li\"; display = \"li（待填）\";");
    s_has(t, "display = \"李明\"");
    s_has(t, "# 待确认 / to confirm:");
    s_has(t, "\"li\" 与 \"李明\" 可能是同一个");
    free(t);
    /* side by side in one row: two people, not one */
    t = s_conf(HEAD "A-1,national,长期坚持,a,li,托托村,李明,2027-06-30\n"
                    "A-2,national,长期坚持,b,li,托托村,李明,2027-06-30\n");
    s_has(t, "{ name = \"li\"; display = \"li（待填）\"; roles = [\"leader\"];");
    s_has(t, "display = \"李明\"; roles = [\"owner\"]");
    s_lacks(t, "已合并");
    free(t);
    /* nothing in common: no note either */
    t = s_conf(HEAD "A-1,national,长期坚持,a,张华,托托村,li,2027-06-30\n"
                    "A-2,national,长期坚持,b,陈梅,莫合村,李明,2027-06-30\n");
    s_lacks(t, "# 待确认 / to confirm:");
    free(t);
}

static void test_values_that_cannot_be_names_are_left_out_with_a_comment(void **state)
{
    (void)state;
    char *t = s_conf(HEAD "A-1,national,长期坚持,a,张华,\"托托\"\"村\",李明,2027-06-30\n");
    s_lacks(t, "name = \"托托");
    s_has(t, "# 未收入 / left out:");
    s_has(t, "责任单位 \"托托\"村\": 不能作名称");
    free(t);
}

static void test_a_plan_without_the_columns_is_refused(void **state)
{
    (void)state;
    plan_sheet *sh = NULL;
    char err[PLAN_ERRLEN];
    const char csv[] = "a,b,c\n1,2,3\n";
    assert_int_equal(plan_read(csv, sizeof csv - 1, PLAN_ENC_AUTO, &sh, err, sizeof err), 0);
    assert_null(init_config_text(sh, "x.csv", err, sizeof err));
    assert_non_null(strstr(err, "责任单位"));
    plan_sheet_destroy(&sh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_get_ids_by_kind_and_roles_by_column),
        cmocka_unit_test(test_an_id_and_a_name_the_rows_agree_on_are_paired),
        cmocka_unit_test(test_weak_or_contrary_evidence_leaves_two_entries_and_a_note),
        cmocka_unit_test(test_values_that_cannot_be_names_are_left_out_with_a_comment),
        cmocka_unit_test(test_a_plan_without_the_columns_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
