/*
 * test_plan.c - plans as people have them: the plan reader (common/plan.c)
 * on .xlsx workbooks (shared and inline strings, dates as serial numbers,
 * merged cells, zip bombs, damaged files) and on CSV in GB18030 or with a
 * BOM, and import's list of every problem (daemon/import.c imp_parse_ex).
 * Fixtures: tests/unit/data/plan/ (make-fixtures.py writes them). Run from
 * the repository root.
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
#include "rect_plan.h"
#include "rect_proto.h"
#include "rect_text.h"

#define DATA "tests/unit/data/plan/"

static rect_cfg *s_cfg;

static int s_setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg_load("tests/unit/data/import/test.conf", &s_cfg, err, sizeof err) != 0) {
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

static char *s_slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, DATA "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s: cannot open (run tests/unit/data/plan/make-fixtures.py)", path);
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

/* Import a fixture; expect success; caller destroys the plan. */
static imp_plan *s_import_ok(const char *name, int enc)
{
    size_t len;
    char *data = s_slurp(name, &len);
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = imp_parse_ex(data, len, enc, s_cfg, &plan, NULL, err, sizeof err);
    free(data);
    if (rc != 0)
        fail_msg("%s: rc %d: %s", name, rc, err);
    return plan;
}

/* Import a fixture; expect bad_import with err holding want. */
static void s_import_refused(const char *name, int enc, const char *want)
{
    size_t len;
    char *data = s_slurp(name, &len);
    imp_plan *plan = (imp_plan *)0x1;
    char err[IMP_ERRLEN];
    int rc = imp_parse_ex(data, len, enc, s_cfg, &plan, NULL, err, sizeof err);
    free(data);
    if (rc != RECT_E_BAD_IMPORT || !strstr(err, want))
        fail_msg("%s: rc %d, \"%s\"; expected bad_import with \"%s\"", name, rc, err, want);
    assert_null(plan);
    assert_true(text_valid_utf8(err, strlen(err)));
}

static void s_field(const imp_plan *p, size_t row, int f, const char *want)
{
    const char *got = p->rows[row].f[f];
    if (!got || strcmp(got, want) != 0)
        fail_msg("row %zu (line %ld) %s: \"%s\", expected \"%s\"", row, p->rows[row].line, plan_field_en(f),
                 got ? got : "(NULL)", want);
}

/* ---- xlsx ---------------------------------------------------------------- */

static void test_xlsx_title_row_is_skipped_and_merged_cells_fill_their_rows(void **state)
{
    (void)state;
    imp_plan *p = s_import_ok("merged.xlsx", PLAN_ENC_AUTO);
    assert_true(p->xlsx);
    assert_int_equal(p->n, 3);
    /* The sheet's own row numbers: the title is row 1, the header row 2. */
    assert_int_equal(p->rows[0].line, 3);
    assert_int_equal(p->rows[2].line, 5);
    for (size_t i = 0; i < 3; i++)
        s_field(p, i, IMP_SOURCE, "national"); /* B3:B5 merged: B4, B5 empty on the sheet */
    s_field(p, 0, IMP_LEADER, "zhanghua");
    s_field(p, 1, IMP_LEADER, "zhanghua"); /* E3:E4 */
    s_field(p, 2, IMP_LEADER, "lijun");    /* outside the merge: its own */
    s_field(p, 1, IMP_UNIT, "cun1");
    s_field(p, 1, IMP_KIND, "immediate");
    imp_plan_destroy(&p);
}

static void test_xlsx_dates_serial_numbers_and_custom_formats_become_dates(void **state)
{
    (void)state;
    imp_plan *p = s_import_ok("merged.xlsx", PLAN_ENC_AUTO);
    s_field(p, 0, IMP_DEADLINE, "2027-06-30"); /* 年月日 custom format */
    s_field(p, 1, IMP_DEADLINE, "2026-12-15");
    s_field(p, 2, IMP_DEADLINE, "2026-12-31"); /* a bare 46387 in 整改时限 */
    imp_plan_destroy(&p);
    p = s_import_ok("phonetic.xlsx", PLAN_ENC_AUTO); /* the 1904 date system */
    s_field(p, 0, IMP_DEADLINE, "2027-06-30");
    imp_plan_destroy(&p);
}

static void test_xlsx_inline_strings_booleans_and_numbers_read_as_text(void **state)
{
    (void)state;
    imp_plan *p = s_import_ok("inline.xlsx", PLAN_ENC_AUTO);
    assert_int_equal(p->n, 2);
    s_field(p, 0, IMP_REF, "GJ-01");
    s_field(p, 0, IMP_TITLE, "问题一");
    s_field(p, 0, IMP_DESCRIPTION, "1.5");
    s_field(p, 1, IMP_DESCRIPTION, "3"); /* 3.0 as people write it */
    assert_false(p->rows[0].declined);   /* 认领 TRUE */
    imp_plan_destroy(&p);
}

static void test_xlsx_phonetic_guides_are_not_part_of_the_text(void **state)
{
    (void)state;
    imp_plan *p = s_import_ok("phonetic.xlsx", PLAN_ENC_AUTO);
    s_field(p, 0, IMP_TITLE, "问题一");
    s_field(p, 0, IMP_SOURCE, "national");
    imp_plan_destroy(&p);
}

static void test_xlsx_reader_gives_rows_and_cells_by_sheet_position(void **state)
{
    (void)state;
    size_t len;
    char *data = s_slurp("merged.xlsx", &len);
    plan_sheet *sh = NULL;
    char err[PLAN_ERRLEN];
    assert_int_equal(plan_read(data, len, PLAN_ENC_AUTO, &sh, err, sizeof err), 0);
    free(data);
    assert_int_equal(sh->format, PLAN_XLSX);
    assert_int_equal(sh->n, 5);
    assert_int_equal(sh->rows[0].pos, 1);
    assert_int_equal(sh->rows[0].n, 1);
    assert_string_equal(sh->rows[0].cell[0], "某镇巩固拓展脱贫攻坚成果整改方案");
    assert_string_equal(sh->rows[1].cell[6], "责任人");
    assert_string_equal(sh->rows[4].cell[7], "46387");
    assert_int_equal(sh->rows[4].number[7], 1); /* a number, not date-formatted */
    assert_int_equal(sh->rows[2].number[7], 0);
    plan_sheet_destroy(&sh);
    assert_null(sh);
    char letters[8];
    plan_col_letters(0, letters, sizeof letters);
    assert_string_equal(letters, "A");
    plan_col_letters(25, letters, sizeof letters);
    assert_string_equal(letters, "Z");
    plan_col_letters(26, letters, sizeof letters);
    assert_string_equal(letters, "AA");
    plan_col_letters(255, letters, sizeof letters);
    assert_string_equal(letters, "IV");
}

static void test_xlsx_zip_bombs_and_damaged_files_are_refused(void **state)
{
    (void)state;
    s_import_refused("bomb.xlsx", PLAN_ENC_AUTO, "unpacks to more than 128 MiB");
    s_import_refused("many.xlsx", PLAN_ENC_AUTO, "holds 1001 entries, more than 1000");
    s_import_refused("notbook.xlsx", PLAN_ENC_AUTO, "not an .xlsx workbook");
    s_import_refused("notzip.xlsx", PLAN_ENC_AUTO, "cannot be opened as one");
    s_import_refused("badsst.xlsx", PLAN_ENC_AUTO, "row 2, column A: refers to shared string \"99");
    const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old workbook";
    imp_plan *p = NULL;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse(xls, sizeof xls - 1, s_cfg, &p, err, sizeof err), RECT_E_BAD_IMPORT);
    assert_non_null(strstr(err, ".xls file (Excel 97-2003)"));
}

/* ---- CSV encodings --------------------------------------------------------- */

static void test_gb18030_csv_is_detected_and_reads_like_utf8(void **state)
{
    (void)state;
    imp_plan *p = s_import_ok("gbk.csv", PLAN_ENC_AUTO);
    assert_false(p->xlsx);
    assert_int_equal(p->encoding, PLAN_ENC_GB18030);
    assert_int_equal(p->n, 2);
    s_field(p, 0, IMP_TITLE, "防止返贫监测帮扶不够精准");
    s_field(p, 0, IMP_DEADLINE, "2027-06-30");
    s_field(p, 1, IMP_TITLE, "一次性交通补助兑付不及时𠀀"); /* four bytes in GB18030 */
    s_field(p, 1, IMP_SOURCE, "region");
    s_field(p, 1, IMP_UNIT, "shequ");
    assert_int_equal(p->rows[1].line, 3);
    imp_plan_destroy(&p);
    /* named outright, the same */
    p = s_import_ok("gbk.csv", PLAN_ENC_GB18030);
    s_field(p, 0, IMP_OWNER, "liming");
    imp_plan_destroy(&p);
}

static void test_encoding_given_as_utf8_refuses_gbk_naming_the_line(void **state)
{
    (void)state;
    s_import_refused("gbk.csv", PLAN_ENC_UTF8, "line 1: not UTF-8 text");
}

static void test_bytes_neither_utf8_nor_gb18030_are_refused_with_their_line(void **state)
{
    (void)state;
    /* 0xFF is never GB18030; the UTF-8 lines before it are few */
    const char bad[] = "ref,source,kind,title\r\nA-1,national,immediate,\xff\xfe\xff\r\n";
    imp_plan *p = NULL;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse(bad, sizeof bad - 1, s_cfg, &p, err, sizeof err), RECT_E_BAD_IMPORT);
    assert_non_null(strstr(err, "line 2: neither UTF-8 nor GB18030"));
    assert_null(p);
}

static void test_utf8_bom_means_utf8_even_when_gb18030_is_asked_for_auto(void **state)
{
    (void)state;
    const char csv[] = "\xEF\xBB\xBF编号,问题来源,整改类型,问题\nA-1,国家反馈共性问题,立查立改,标题\n";
    imp_plan *p = NULL;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse_ex(csv, sizeof csv - 1, PLAN_ENC_AUTO, s_cfg, &p, NULL, err, sizeof err), 0);
    assert_int_equal(p->encoding, PLAN_ENC_UTF8);
    s_field(p, 0, IMP_TITLE, "标题");
    imp_plan_destroy(&p);
}

static void test_mostly_utf8_file_with_one_gbk_line_is_refused_naming_it_not_garbled(void **state)
{
    (void)state;
    /* Decoding this as GB18030 would make 标题 into other characters: it stays UTF-8. */
    const char csv[] = "编号,问题来源,整改类型,问题\nA-1,national,immediate,标题标题标题\n"
                       "A-2,national,immediate,\xb1\xea\xcc\xe2\n";
    imp_plan *p = NULL;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse(csv, sizeof csv - 1, s_cfg, &p, err, sizeof err), RECT_E_BAD_IMPORT);
    assert_non_null(strstr(err, "line 3: not UTF-8 text"));
    assert_non_null(strstr(err, "--encoding gb18030"));
}

static void test_encoding_names(void **state)
{
    (void)state;
    assert_int_equal(plan_encoding_parse(NULL), PLAN_ENC_AUTO);
    assert_int_equal(plan_encoding_parse("UTF-8"), PLAN_ENC_UTF8);
    assert_int_equal(plan_encoding_parse("gbk"), PLAN_ENC_GB18030);
    assert_int_equal(plan_encoding_parse("GB18030"), PLAN_ENC_GB18030);
    assert_int_equal(plan_encoding_parse("latin1"), -1);
}

/* ---- every problem at once --------------------------------------------------- */

static void test_every_problem_is_listed_with_sheet_row_and_column_letter(void **state)
{
    (void)state;
    size_t len;
    char *data = s_slurp("problems.xlsx", &len);
    imp_plan *p = NULL;
    imp_problems probs;
    char err[IMP_ERRLEN];
    int rc = imp_parse_ex(data, len, PLAN_ENC_AUTO, s_cfg, &p, &probs, err, sizeof err);
    free(data);
    assert_int_equal(rc, RECT_E_BAD_IMPORT);
    assert_null(p);
    static const struct {
        long line;
        const char *col, *msg;
    } want[] = {
        {2, "G (责任人, owner)", "row 2, column G (责任人, owner): unknown user \"王五\""},
        {3, "H (整改时限, deadline)", "row 3, column H (整改时限, deadline): \"2027-02-30\" is not a date"},
        {4, "E (责任领导, leader)", "row 4, column E (责任领导, leader): unknown user \"李四\""},
        {4, "F (责任单位, unit)", "row 4, column F (责任单位, unit): unknown unit \"水利站\""},
        {5, "D (问题, title)", "row 5, column D (问题, title): is empty"},
    };
    assert_int_equal(probs.n, sizeof want / sizeof want[0]);
    assert_int_equal(probs.total, probs.n);
    for (size_t i = 0; i < probs.n; i++) {
        assert_int_equal(probs.v[i].line, want[i].line);
        assert_string_equal(probs.v[i].column, want[i].col);
        if (strncmp(probs.v[i].msg, want[i].msg, strlen(want[i].msg)) != 0)
            fail_msg("problem %zu: \"%s\", expected \"%s...\"", i, probs.v[i].msg, want[i].msg);
    }
    /* the error is the first of them */
    assert_string_equal(err, probs.v[0].msg);
    imp_problems_free(&probs);
    assert_null(probs.v);
}

static void test_problems_past_the_limit_are_counted_not_kept(void **state)
{
    (void)state;
    /* 250 rows with an unknown owner each: 200 kept, 250 counted. */
    size_t cap = 64 * 1024, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)snprintf(csv, cap, "编号,问题来源,整改类型,问题,责任领导,责任单位,责任人,整改时限\n");
    for (int i = 0; i < 250; i++)
        len += (size_t)snprintf(csv + len, cap - len,
                                "R-%d,national,immediate,t,张华,托托村,nobody,2027-01-01\n", i);
    imp_plan *p = NULL;
    imp_problems probs;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse_ex(csv, len, PLAN_ENC_AUTO, s_cfg, &p, &probs, err, sizeof err),
                     RECT_E_BAD_IMPORT);
    free(csv);
    assert_int_equal(probs.n, IMP_MAX_PROBLEMS);
    assert_int_equal(probs.total, 250);
    assert_int_equal(probs.v[0].line, 2);
    assert_int_equal(probs.v[199].line, 201);
    assert_non_null(strstr(probs.v[199].msg, "line 201, column 责任人 (owner)"));
    imp_problems_free(&probs);
}

static void test_a_wrong_header_ends_the_reading_with_all_its_columns_named(void **state)
{
    (void)state;
    const char csv[] = "编号,来源,整改类型,问题,负责人\nA-1,x,y,z,w\nA-2,x,y,z,w\n";
    imp_plan *p = NULL;
    imp_problems probs;
    char err[IMP_ERRLEN];
    assert_int_equal(imp_parse_ex(csv, sizeof csv - 1, PLAN_ENC_AUTO, s_cfg, &p, &probs, err, sizeof err),
                     RECT_E_BAD_IMPORT);
    assert_int_equal(probs.total, 3); /* 来源, 负责人 unknown; source missing; no row checked */
    assert_non_null(strstr(probs.v[0].msg, "column 来源: unknown column"));
    assert_non_null(strstr(probs.v[1].msg, "column 负责人: unknown column"));
    assert_non_null(strstr(probs.v[2].msg, "lacks required column(s) source/问题来源"));
    imp_problems_free(&probs);
}

/* ---- running out of memory ------------------------------------------------------ */

static long s_allocs_left; /* allocations that succeed before one fails; <0: all */

static void *s_failing_realloc(void *p, size_t n)
{
    if (s_allocs_left == 0)
        return NULL;
    if (s_allocs_left > 0)
        s_allocs_left--;
    return realloc(p, n);
}

/* Fail each allocation in turn (the reader's, expat's, import's): nomem, nothing leaked. */
static void s_nomem_each(const char *name, int want_rc, size_t want_rows)
{
    size_t len;
    char *data = s_slurp(name, &len);
    imp_set_allocator(s_failing_realloc, free);
    int nomem = 0;
    for (long k = 0;; k++) {
        imp_plan *plan = NULL;
        imp_problems probs;
        char err[IMP_ERRLEN];
        s_allocs_left = k;
        int rc = imp_parse_ex(data, len, PLAN_ENC_AUTO, s_cfg, &plan, &probs, err, sizeof err);
        imp_problems_free(&probs);
        if (rc == want_rc) {
            if (rc == 0) {
                assert_int_equal(plan->n, want_rows);
                imp_plan_destroy(&plan);
            }
            break;
        }
        if (rc != RECT_E_NOMEM)
            fail_msg("%s, allocation %ld failing: rc %d \"%s\"", name, k, rc, err);
        assert_string_equal(err, "out of memory");
        assert_null(plan);
        nomem++;
        assert_true(k < 100000);
    }
    imp_set_allocator(NULL, NULL);
    free(data);
    assert_true(nomem >= 10);
}

static void test_every_allocation_failure_gives_nomem_and_leaks_nothing(void **state)
{
    (void)state;
    s_nomem_each("merged.xlsx", 0, 3);
    s_nomem_each("gbk.csv", 0, 2);
    s_nomem_each("problems.xlsx", RECT_E_BAD_IMPORT, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xlsx_title_row_is_skipped_and_merged_cells_fill_their_rows),
        cmocka_unit_test(test_xlsx_dates_serial_numbers_and_custom_formats_become_dates),
        cmocka_unit_test(test_xlsx_inline_strings_booleans_and_numbers_read_as_text),
        cmocka_unit_test(test_xlsx_phonetic_guides_are_not_part_of_the_text),
        cmocka_unit_test(test_xlsx_reader_gives_rows_and_cells_by_sheet_position),
        cmocka_unit_test(test_xlsx_zip_bombs_and_damaged_files_are_refused),
        cmocka_unit_test(test_gb18030_csv_is_detected_and_reads_like_utf8),
        cmocka_unit_test(test_encoding_given_as_utf8_refuses_gbk_naming_the_line),
        cmocka_unit_test(test_bytes_neither_utf8_nor_gb18030_are_refused_with_their_line),
        cmocka_unit_test(test_utf8_bom_means_utf8_even_when_gb18030_is_asked_for_auto),
        cmocka_unit_test(test_mostly_utf8_file_with_one_gbk_line_is_refused_naming_it_not_garbled),
        cmocka_unit_test(test_encoding_names),
        cmocka_unit_test(test_every_problem_is_listed_with_sheet_row_and_column_letter),
        cmocka_unit_test(test_problems_past_the_limit_are_counted_not_kept),
        cmocka_unit_test(test_a_wrong_header_ends_the_reading_with_all_its_columns_named),
        cmocka_unit_test(test_every_allocation_failure_gives_nomem_and_leaks_nothing),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
