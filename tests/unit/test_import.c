/*
 * test_import.c - the CSV plan parser (daemon/import.c): what a good plan
 * turns into, and that every kind of bad plan is refused with a message
 * naming its line and column. Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "import.h"
#include "rect_cfg.h"
#include "rect_proto.h"
#include "rect_text.h"

#define DATA "tests/unit/data/import/"

static rect_cfg *s_cfg;

static int s_setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg_load(DATA "test.conf", &s_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "test.conf: %s\n", err);
        return -1;
    }
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    cfg_destroy(&s_cfg);
    return 0;
}

/* The whole of a file under DATA; caller frees. */
static char *s_slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Parse a NUL-terminated CSV text. */
static int s_parse(const char *csv, imp_plan **plan, char err[IMP_ERRLEN])
{
    return imp_parse(csv, strlen(csv), s_cfg, plan, err, IMP_ERRLEN);
}

/* Parse csv, expect bad_import, no plan, and a message containing want. */
static void s_refused(const char *csv, const char *want)
{
    imp_plan *plan = (imp_plan *)0x1;
    char err[IMP_ERRLEN];
    int rc = s_parse(csv, &plan, err);
    if (rc != RECT_E_BAD_IMPORT || !strstr(err, want))
        fail_msg("rc %d, message \"%s\"; expected bad_import with \"%s\"", rc, err, want);
    assert_null(plan);
    assert_true(text_valid_utf8(err, strlen(err)));
}

static void s_assert_row(const imp_row *r, long line, const char *const want[IMP_NFIELDS])
{
    assert_int_equal(r->line, line);
    for (int f = 0; f < IMP_NFIELDS; f++) {
        if (!want[f]) {
            if (r->f[f])
                fail_msg("line %ld, %s: \"%s\", expected NULL", line, imp_field_name((enum imp_field)f),
                         r->f[f]);
            continue;
        }
        if (!r->f[f] || strcmp(r->f[f], want[f]) != 0)
            fail_msg("line %ld, %s: \"%s\", expected \"%s\"", line, imp_field_name((enum imp_field)f),
                     r->f[f] ? r->f[f] : "(NULL)", want[f]);
    }
}

/* The Chinese header every small test starts with. */
#define HEAD_ZH "编号,问题来源,整改类型,问题,责任领导,责任单位,责任人,整改时限\n"

/* ---- good plans ----------------------------------------------------------- */

static void test_chinese_plan_with_bom_crlf_and_quoted_fields_is_normalized(void **state)
{
    (void)state;
    size_t len;
    char *csv = s_slurp("good_zh.csv", &len);
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = imp_parse(csv, len, s_cfg, &plan, err, sizeof err);
    free(csv);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 3);

    /* Row 1 spans lines 2-3: its measures hold a comma, "" quotes and a
     * CRLF newline (kept as LF); 2026年1月5日 is a date; display names and
     * Chinese unit and source names become identifiers. */
    s_assert_row(&plan->rows[0], 2,
                 (const char *const[IMP_NFIELDS]){"GJ-01", "national", "immediate", "监测户月度走访记录不全",
                                                  "部分村队走访记录缺少日期,签字不全",
                                                  "1. 补齐记录\n2. 每月抽查,\"月清月结\"", "zhanghua", "cun1",
                                                  "liming", "2026-01-05"});
    /* So the next row starts on line 4; no assignment: all four NULL;
     * absent texts are "". */
    s_assert_row(&plan->rows[1], 4,
                 (const char *const[IMP_NFIELDS]){"GJ-02", "national", "long-term", "产业奖补资金兑付滞后",
                                                  "", "", NULL, NULL, NULL, NULL});
    /* Blanks around values are trimmed; 2026/1/5 is a date. */
    s_assert_row(&plan->rows[2], 5,
                 (const char *const[IMP_NFIELDS]){"ZZQ-01", "region", "long-term", "公益性岗位补贴发放不及时",
                                                  "", "", "lijun", "shequ", "zhaoli", "2026-01-05"});
    imp_plan_destroy(&plan);
    assert_null(plan);
}

static void test_english_headers_in_any_order_and_case_are_matched(void **state)
{
    (void)state;
    size_t len;
    char *csv = s_slurp("good_en.csv", &len);
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = imp_parse(csv, len, s_cfg, &plan, err, sizeof err);
    free(csv);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 2);
    s_assert_row(&plan->rows[0], 2,
                 (const char *const[IMP_NFIELDS]){"X-1", "county", "immediate",
                                                  "Toilet renovation unfinished", "", "", "zhanghua",
                                                  "xiangcun", "liming", "2026-12-31"});
    s_assert_row(&plan->rows[1], 3,
                 (const char *const[IMP_NFIELDS]){"X-2", "county", "long-term", "Micro-credit follow-up", "",
                                                  "", NULL, NULL, NULL, NULL});
    imp_plan_destroy(&plan);
}

static void test_blank_lines_and_empty_rows_are_skipped_and_still_counted(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    const char *csv = "\n"                            /* 1 */
                      "   \r\n"                       /* 2 */
                      "no,ref,source,kind,title\n"    /* 3: header */
                      "1,A-1,national,immediate,一\n" /* 4 */
                      "\n"                            /* 5 */
                      ",,,,\n"                        /* 6: all cells empty */
                      "7, , , ,\n"                    /* 7: only a serial number */
                      "8,A-2,county,长期坚持,二";     /* 8: no final newline */
    int rc = s_parse(csv, &plan, err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 2);
    assert_int_equal(plan->rows[0].line, 4);
    assert_string_equal(plan->rows[0].f[IMP_REF], "A-1");
    assert_int_equal(plan->rows[1].line, 8);
    assert_string_equal(plan->rows[1].f[IMP_REF], "A-2");
    assert_string_equal(plan->rows[1].f[IMP_KIND], "long-term");
    imp_plan_destroy(&plan);
}

static void test_missing_trailing_cells_are_empty(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = s_parse("ref,source,kind,title,description,measures\n"
                     "A-1,national,immediate,标题\n",
                     &plan, err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 1);
    assert_string_equal(plan->rows[0].f[IMP_DESCRIPTION], "");
    assert_string_equal(plan->rows[0].f[IMP_MEASURES], "");
    assert_null(plan->rows[0].f[IMP_OWNER]);
    imp_plan_destroy(&plan);
}

static void test_unnamed_column_is_accepted_while_it_stays_empty(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = s_parse("ref,source,kind,title,\n"
                     "A-1,national,immediate,标题,\n",
                     &plan, err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 1);
    imp_plan_destroy(&plan);
    s_refused("ref,source,kind,title,\n"
              "A-1,national,immediate,标题,\n"
              "A-2,national,immediate,标题,备注\n",
              "line 3, column 5: holds \"备注\", but the header gives this column no name");
}

static void test_hundred_thousand_rows_parse_in_linear_time(void **state)
{
    (void)state;
    enum { N = 100000 };
    size_t cap = 128 + (size_t)N * 128, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "ref,source,kind,title,owner,unit,leader,deadline\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(csv + len, cap - len,
                                "R-%d,national,immediate,title %d,李明,cun1,张华,2026-12-31\n", i, i);
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = imp_parse(csv, len, s_cfg, &plan, err, sizeof err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, N);
    assert_int_equal(plan->rows[N - 1].line, N + 1);
    assert_string_equal(plan->rows[N - 1].f[IMP_REF], "R-99999");
    imp_plan_destroy(&plan);

    /* The same with the first ref repeated at the very end. */
    len += (size_t)snprintf(csv + len, cap - len, "R-0,national,immediate,again\n");
    rc = imp_parse(csv, len, s_cfg, &plan, err, sizeof err);
    assert_int_equal(rc, RECT_E_BAD_IMPORT);
    assert_non_null(strstr(err, "line 100002, column ref: \"R-0\" is also on line 2"));
    free(csv);
}

/* ---- bad headers ----------------------------------------------------------- */

static void test_unknown_column_is_named_with_the_accepted_names(void **state)
{
    (void)state;
    s_refused("编号,问题来源,整改类型,问题,负责人\nA-1,national,immediate,标题,李明\n",
              "line 1, column 负责人: unknown column; the columns are ref/编号, source/问题来源");
    s_refused("编号,问题来源,整改类型,问题,负责人\n", "owner/责任人");
}

static void test_column_given_twice_is_refused(void **state)
{
    (void)state;
    s_refused("编号,问题来源,整改类型,问题,责任人,owner\n",
              "line 1, column owner: appears twice: columns 5 (责任人) and 6 (owner) are both "
              "owner");
}

static void test_missing_required_column_is_named(void **state)
{
    (void)state;
    s_refused("编号,问题来源,问题\nA-1,national,标题\n",
              "line 1: the header lacks required column(s) kind/整改类型;");
}

static void test_file_without_header_or_rows_is_refused(void **state)
{
    (void)state;
    s_refused("", "the file is empty");
    s_refused("\xef\xbb\xbf\r\n\r\n", "the file is empty");
    s_refused("\n" HEAD_ZH "\n", "line 2: the header has no rows below it");
}

/* ---- bad rows ---------------------------------------------------------------- */

static void test_bad_kind_is_refused_naming_the_accepted_kinds(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,立即整改,标题\n",
              "line 2, column 整改类型 (kind): \"立即整改\" is not a kind (use immediate or "
              "long-term, or 立查立改 or 长期坚持)");
}

static void test_unknown_user_by_display_name_is_refused(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,标题,张华,cun1,王五,2026-12-31\n",
              "line 2, column 责任人 (owner): unknown user \"王五\"; configured users are "
              "named in rectd.conf");
}

static void test_leader_without_leader_role_is_refused(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,标题,李明,cun1,赵丽,2026-12-31\n",
              "line 2, column 责任领导 (leader): user \"李明\" (liming) does not have the "
              "leader role");
}

static void test_unknown_unit_and_source_are_refused_listing_the_configured(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,标题,张华,五村,李明,2026-12-31\n",
              "line 2, column 责任单位 (unit): unknown unit \"五村\"; configured units: "
              "xiangcun (乡村振兴办公室), cun1 (托托村)");
    s_refused(HEAD_ZH "A-1,省级,immediate,标题\n",
              "line 2, column 问题来源 (source): unknown source \"省级\"; configured sources: "
              "national (国家反馈共性问题)");
}

static void test_partial_assignment_names_the_missing_columns(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,标题,,cun1,李明,\n",
              "line 2: leader, unit, owner and deadline go together (all four or none); "
              "missing 责任领导 (leader), 整改时限 (deadline)");
    /* A column the header lacks is named as such. */
    s_refused("ref,source,kind,title,owner\nA-1,national,immediate,t,李明\n",
              "missing leader/责任领导 (no such column), unit/责任单位 (no such column), "
              "deadline/整改时限 (no such column)");
}

static void test_impossible_date_is_refused_with_the_accepted_styles(void **state)
{
    (void)state;
    s_refused("编号,问题来源,整改类型,问题,责任领导,责任单位,责任人,整改时限\n"
              "A-1,national,immediate,标题,张华,cun1,李明,2026-12-31\n"
              "A-2,national,immediate,标题,张华,cun1,李明,2026-02-30\n",
              "line 3, column 整改时限 (deadline): \"2026-02-30\" is not a date (use "
              "2026-12-31, 2026/12/31 or 2026年12月31日)");
}

static void test_required_value_empty_is_refused(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,\n",
              "line 2, column 问题 (title): is empty; every row needs ref, source, kind and "
              "title");
}

static void test_text_rules_apply_to_ref_and_title(void **state)
{
    (void)state;
    char csv[512];
    snprintf(csv, sizeof csv, HEAD_ZH "%0129d,national,immediate,标题\n", 7);
    s_refused(csv, "line 2, column 编号 (ref): is 129 bytes long; at most 128 are allowed");
    s_refused(HEAD_ZH "A-1,national,immediate,\"two\nlines\"\n",
              "line 2, column 问题 (title): must be a single line");
    s_refused(HEAD_ZH "A-1,national,immediate,bell\a\n",
              "line 2, column 问题 (title): contains a control character");
}

static void test_duplicate_ref_names_both_lines(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "GJ-01,national,immediate,一\n"
                      "GJ-02,national,immediate,二\n"
                      "GJ-01,national,immediate,三\n",
              "line 4, column 编号 (ref): \"GJ-01\" is also on line 2; each ref may appear once");
}

static void test_malformed_quote_is_refused_naming_the_line(void **state)
{
    (void)state;
    s_refused(HEAD_ZH "A-1,national,immediate,标题\n"
                      "A-2,national,immediate,say \"hi\" now\n",
              "line 3: malformed quotes");
    s_refused(HEAD_ZH "A-1,national,immediate,\"标题\"x\n", "line 2: malformed quotes");
}

static void test_quote_left_open_names_the_row_where_it_began(void **state)
{
    (void)state;
    /* The open quote on line 2 swallows line 3 until its quote misfits. */
    s_refused(HEAD_ZH "A-1,national,immediate,\"标题\n"
                      "A-2,national,immediate,\"x\"\n",
              "line 3: malformed quotes (the row began on line 2");
    /* Left open to the end of the file. */
    s_refused(HEAD_ZH "A-1,national,immediate,一\n"
                      "A-2,national,immediate,\"二\n"
                      "more\n",
              "line 3: a quoted field in the row that begins here is never closed");
}

static void test_invalid_utf8_is_refused_naming_the_line(void **state)
{
    (void)state;
    /* "标题" in GBK, as Excel saves a CSV on a Chinese Windows. */
    s_refused(HEAD_ZH "A-1,national,immediate,标题\n"
                      "A-2,national,immediate,\xb1\xea\xcc\xe2\n",
              "line 3: not UTF-8 text");
    const char nul[] = "ref,source,kind,title\nA-1,national,immediate,a\0b\n";
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse(nul, sizeof nul - 1, s_cfg, &plan, err, sizeof err), RECT_E_BAD_IMPORT);
    assert_non_null(strstr(err, "line 2: not UTF-8 text"));
    assert_null(plan);
}

static void test_row_with_more_cells_than_the_header_is_refused(void **state)
{
    (void)state;
    s_refused("ref,source,kind,title\n"
              "A-1,national,immediate,标题\n"
              "A-2,national,immediate,标题,二,三\n",
              "line 3: 6 cells, but the header (line 1) has 4 columns");
}

static void test_line_numbers_count_newlines_inside_quoted_fields(void **state)
{
    (void)state;
    s_refused("ref,source,kind,title,description\r\n"
              "A-1,national,immediate,一,\"第一行\r\n第二行\r\n第三行\"\r\n"
              "A-2,national,immediate,二,\r\n"
              "A-3,national,bad,三,\r\n",
              "line 6, column kind: \"bad\" is not a kind");
    /* A row whose first field spans lines is numbered from its first line. */
    s_refused("description,ref,source,kind,title\n"
              "\"甲\n乙\",A-1,national,immediate,一\n"
              "\"丙\n丁\",A-2,national,bad,二\n",
              "line 4, column kind: \"bad\" is not a kind");
}

static void test_truncated_message_stays_valid_utf8(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    const char *csv = HEAD_ZH "A-1,national,immediate,标题,张华,cun1,王五,2026-12-31\n";
    for (size_t n = 1; n < 80; n++) {
        char err[80];
        memset(err, 'x', sizeof err);
        assert_int_equal(imp_parse(csv, strlen(csv), s_cfg, &plan, err, n), RECT_E_BAD_IMPORT);
        assert_true(strlen(err) < n);
        assert_true(text_valid_utf8(err, strlen(err)));
    }
    assert_int_equal(imp_parse(csv, strlen(csv), s_cfg, &plan, NULL, 0), RECT_E_BAD_IMPORT);
}

/* ---- out of memory ------------------------------------------------------------ */

static long s_allocs_left; /* allocations that succeed before one fails; <0: all */

static void *s_failing_realloc(void *p, size_t n)
{
    if (s_allocs_left == 0)
        return NULL;
    if (s_allocs_left > 0)
        s_allocs_left--;
    return realloc(p, n);
}

/* ---- records (issue 9): 认领, 不认领原因, 关联问题 ------------------------ */

#define HEAD_REC "编号,问题来源,整改类型,问题,关联问题,认领,不认领原因\n"

static void test_claimed_column_declines_rows_with_their_reason(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = s_parse(HEAD_REC "A-1,national,immediate,认领的,,是,\n"
                              "A-2,national,long-term,空即认领,,,\n"
                              ",国家反馈共性问题,,不适用的问题,,否,本镇无此任务\n"
                              "B-9,county,,带编号的不认领,,No,\"已由县级, 统一整改\"\n",
                     &plan, err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_int_equal(plan->n, 4);
    assert_false(plan->rows[0].declined);
    assert_false(plan->rows[1].declined);
    s_assert_row(&plan->rows[1], 3,
                 (const char *const[IMP_NFIELDS]){"A-2", "national", "long-term", "空即认领", "", ""});
    assert_true(plan->rows[2].declined);
    s_assert_row(&plan->rows[2], 4,
                 (const char *const[IMP_NFIELDS]){[IMP_REF] = "",
                                                  [IMP_SOURCE] = "national",
                                                  [IMP_TITLE] = "不适用的问题",
                                                  [IMP_DECLINE_REASON] = "本镇无此任务"});
    assert_true(plan->rows[3].declined);
    s_assert_row(&plan->rows[3], 5,
                 (const char *const[IMP_NFIELDS]){[IMP_REF] = "B-9",
                                                  [IMP_SOURCE] = "county",
                                                  [IMP_TITLE] = "带编号的不认领",
                                                  [IMP_DECLINE_REASON] = "已由县级, 统一整改"});
    imp_plan_destroy(&plan);
    assert_null(plan);
}

static void test_declined_row_needs_its_reason_and_nothing_a_claim_has(void **state)
{
    (void)state;
    s_refused(
        HEAD_REC ",national,,没有原因,,否,\n",
        "line 2, column 不认领原因 (decline_reason): is empty; a problem not claimed (认领 = 否) needs");
    s_refused("编号,问题来源,整改类型,问题,认领\n,national,,没有原因列,否\n",
              "column decline_reason/不认领原因 (no such column): is empty");
    s_refused(HEAD_REC ",national,,没有来源,,否,理由\n,,,x,,否,理由\n",
              "line 3, column 问题来源 (source): is empty");
    s_refused(HEAD_REC ",national,immediate,有类型,,否,理由\n",
              "column 整改类型 (kind): holds \"immediate\"");
    s_refused(HEAD_REC ",national,,有关联,A-1,否,理由\n", "column 关联问题 (parent): holds");
    s_refused(HEAD_REC ",nowhere,,来源不对,,否,理由\n", "unknown source \"nowhere\"");
    s_refused(HEAD_REC "A-1,national,immediate,一,,,\nA-1,national,,同号不认领,,否,理由\n",
              "\"A-1\" is also on line 2");
}

static void test_claimed_value_is_yes_or_no_and_a_claimed_row_has_no_reason(void **state)
{
    (void)state;
    s_refused(HEAD_REC "A-1,national,immediate,一,,也许,\n",
              "column 认领 (claimed): \"也许\" is neither 是 (claimed) nor 否 (not claimed)");
    s_refused(HEAD_REC "A-1,national,immediate,一,,是,理由\n",
              "column 不认领原因 (decline_reason): gives a reason, but the row is claimed");
}

static void test_parent_in_the_file_must_be_an_earlier_claimed_row(void **state)
{
    (void)state;
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = s_parse(HEAD_REC "A-1,national,immediate,父,,,\n"
                              "A-2,national,immediate,子,A-1,,\n"
                              "A-3,national,immediate,外部父,GJ-03,,\n",
                     &plan, err);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, err);
    assert_null(plan->rows[0].f[IMP_PARENT]);
    assert_string_equal(plan->rows[1].f[IMP_PARENT], "A-1");
    assert_int_equal(plan->rows[1].parent_line, 2);
    assert_string_equal(plan->rows[2].f[IMP_PARENT], "GJ-03"); /* not in the file: rectd looks it up */
    assert_int_equal(plan->rows[2].parent_line, 0);
    imp_plan_destroy(&plan);
    s_refused(HEAD_REC "A-1,national,immediate,自己,A-1,,\n", "names the row's own ref A-1");
    s_refused(HEAD_REC "A-1,national,immediate,先子,A-2,,\nA-2,national,immediate,后父,,,\n",
              "line 2, column 关联问题 (parent): names A-2, whose row (line 3) comes later");
    s_refused(HEAD_REC "B-1,national,,不认领,,否,理由\nA-1,national,immediate,子,B-1,,\n",
              "line 3, column 关联问题 (parent): names B-1 (line 2), a problem not claimed");
}

static void test_every_allocation_failure_gives_nomem_and_leaks_nothing(void **state)
{
    (void)state;
    size_t len;
    char *csv = s_slurp("good_zh.csv", &len);
    imp_set_allocator(s_failing_realloc, free);
    int nomem = 0;
    for (long k = 0;; k++) {
        imp_plan *plan = NULL;
        char err[IMP_ERRLEN];
        s_allocs_left = k;
        int rc = imp_parse(csv, len, s_cfg, &plan, err, sizeof err);
        if (rc == 0) {
            assert_int_equal(plan->n, 3);
            imp_plan_destroy(&plan);
            break;
        }
        assert_int_equal(rc, RECT_E_NOMEM);
        assert_string_equal(err, "out of memory");
        assert_null(plan);
        nomem++;
        assert_true(k < 10000);
    }
    imp_set_allocator(NULL, NULL);
    free(csv);
    assert_true(nomem >= 5); /* plan, cells, header, rows, refs, row blocks, libcsv */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chinese_plan_with_bom_crlf_and_quoted_fields_is_normalized),
        cmocka_unit_test(test_english_headers_in_any_order_and_case_are_matched),
        cmocka_unit_test(test_blank_lines_and_empty_rows_are_skipped_and_still_counted),
        cmocka_unit_test(test_missing_trailing_cells_are_empty),
        cmocka_unit_test(test_unnamed_column_is_accepted_while_it_stays_empty),
        cmocka_unit_test(test_hundred_thousand_rows_parse_in_linear_time),
        cmocka_unit_test(test_unknown_column_is_named_with_the_accepted_names),
        cmocka_unit_test(test_column_given_twice_is_refused),
        cmocka_unit_test(test_missing_required_column_is_named),
        cmocka_unit_test(test_file_without_header_or_rows_is_refused),
        cmocka_unit_test(test_bad_kind_is_refused_naming_the_accepted_kinds),
        cmocka_unit_test(test_unknown_user_by_display_name_is_refused),
        cmocka_unit_test(test_leader_without_leader_role_is_refused),
        cmocka_unit_test(test_unknown_unit_and_source_are_refused_listing_the_configured),
        cmocka_unit_test(test_partial_assignment_names_the_missing_columns),
        cmocka_unit_test(test_impossible_date_is_refused_with_the_accepted_styles),
        cmocka_unit_test(test_required_value_empty_is_refused),
        cmocka_unit_test(test_text_rules_apply_to_ref_and_title),
        cmocka_unit_test(test_duplicate_ref_names_both_lines),
        cmocka_unit_test(test_malformed_quote_is_refused_naming_the_line),
        cmocka_unit_test(test_quote_left_open_names_the_row_where_it_began),
        cmocka_unit_test(test_invalid_utf8_is_refused_naming_the_line),
        cmocka_unit_test(test_row_with_more_cells_than_the_header_is_refused),
        cmocka_unit_test(test_line_numbers_count_newlines_inside_quoted_fields),
        cmocka_unit_test(test_truncated_message_stays_valid_utf8),
        cmocka_unit_test(test_claimed_column_declines_rows_with_their_reason),
        cmocka_unit_test(test_declined_row_needs_its_reason_and_nothing_a_claim_has),
        cmocka_unit_test(test_claimed_value_is_yes_or_no_and_a_claimed_row_has_no_reason),
        cmocka_unit_test(test_parent_in_the_file_must_be_an_earlier_claimed_row),
        cmocka_unit_test(test_every_allocation_failure_gives_nomem_and_leaks_nothing),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
