/*
 * test_ledger_layout.c - the printed ledger's columns (client/ledger.c:
 * --columns, the columns in use) and widths (client/ledger_layout.c): the
 * names are read in English and Chinese and refused when unknown, titles
 * are cut only at character boundaries, and the widths of a table share
 * the page by what its rows hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ledger.h"
#include "rect_text.h"

#define BIT LEDGER_COL_BIT

static void test_column_names_are_read_in_english_and_chinese_with_either_comma(void **state)
{
    (void)state;
    uint32_t m = 0;
    char bad[64];
    assert_int_equal(ledger_columns_parse("ref,problem,measures", 0, 0, &m, bad, sizeof bad), 0);
    assert_int_equal(m, BIT(LL_REF) | BIT(LL_TITLE) | BIT(LL_MEASURES));
    assert_int_equal(ledger_columns_parse(" 编号 ，问题、 Days-Late ,title", 0, 0, &m, bad, sizeof bad), 0);
    assert_int_equal(m, BIT(LL_REF) | BIT(LL_TITLE) | BIT(LL_DAYS_LATE));
    for (int i = 0; i < LEDGER_COLS; i++) {
        assert_int_equal(ledger_columns_parse(ledger_column_name(i), 0, 0, &m, bad, sizeof bad), 0);
        assert_int_equal(m, BIT(i));
        assert_int_equal(
            ledger_columns_parse(ledger_label(LEDGER_ZH, (ledger_label_id)i), 0, 0, &m, bad, sizeof bad), 0);
        assert_int_equal(m, BIT(i));
    }
}

static void test_all_auto_and_minus_names_start_from_the_right_set(void **state)
{
    (void)state;
    uint32_t m = 0, used = BIT(LL_REF) | BIT(LL_TITLE) | BIT(LL_STATE) | BIT(LL_UNIT);
    char bad[64];
    assert_int_equal(ledger_columns_parse("all", used, used, &m, bad, sizeof bad), 0);
    assert_int_equal(m, LEDGER_ALL_COLS);
    assert_int_equal(ledger_columns_parse("AUTO", LEDGER_ALL_COLS, used, &m, bad, sizeof bad), 0);
    assert_int_equal(m, used);
    /* -names: the default (here "used") without them */
    assert_int_equal(ledger_columns_parse("-unit,-状态", used, used, &m, bad, sizeof bad), 0);
    assert_int_equal(m, BIT(LL_REF) | BIT(LL_TITLE));
    assert_int_equal(ledger_columns_parse("auto,latest", LEDGER_ALL_COLS, used, &m, bad, sizeof bad), 0);
    assert_int_equal(m, used | BIT(LL_LATEST));
}

static void test_unknown_empty_and_mixed_lists_are_refused(void **state)
{
    (void)state;
    uint32_t m = 12345;
    char bad[8];
    assert_int_equal(ledger_columns_parse("ref,colour", 0, 0, &m, bad, sizeof bad), -1);
    assert_string_equal(bad, "colour");
    assert_int_equal(m, 12345); /* untouched on failure */
    /* a long name is cut to the buffer, still NUL-terminated */
    assert_int_equal(ledger_columns_parse("abcdefghijklmnop", 0, 0, &m, bad, sizeof bad), -1);
    assert_string_equal(bad, "abcdefg");
    assert_int_equal(ledger_columns_parse("编号问题", 0, 0, &m, bad, sizeof bad), -1);
    assert_int_equal(ledger_columns_parse("", 0, 0, &m, bad, sizeof bad), -2);
    assert_int_equal(ledger_columns_parse(" , ，、", 0, 0, &m, bad, sizeof bad), -2);
    assert_int_equal(ledger_columns_parse(NULL, 0, 0, &m, bad, sizeof bad), -2);
    assert_int_equal(ledger_columns_parse("ref,-title", 0, 0, &m, bad, sizeof bad), -2);
    assert_int_equal(ledger_columns_parse("-all", LEDGER_ALL_COLS, 0, &m, bad, sizeof bad), -2);
    assert_int_equal(ledger_columns_parse("-", 0, 0, &m, bad, sizeof bad), -1);
}

static void test_a_cut_ends_at_a_character_boundary_within_its_width(void **state)
{
    (void)state;
    const char *s = "收入低于1.5万元的户“帮扶”措施 落实不到位…※";
    size_t prev = 0;
    for (double max = 0; max < 30; max += 0.05) {
        size_t n = ledger_cut_em(s, max);
        assert_true(n >= prev); /* wider room, never a shorter cut */
        assert_true(text_valid_utf8(s, n));
        assert_true(n == strlen(s) || ((unsigned char)s[n] & 0xC0) != 0x80);
        assert_true(ledger_text_em_n(s, n) <= max + 1e-9);
        prev = n;
    }
    assert_int_equal(ledger_cut_em(s, 1000), strlen(s));
    assert_true(ledger_text_em("王燕") == 2.0);
    assert_true(ledger_text_em("2027-06-30") > 4.5 && ledger_text_em("2027-06-30") < 6);
    /* a broken byte counts as a character and does not stop the walk */
    assert_true(ledger_text_em("\xff\xfe王") > 1.0);
}

/* A ledger result of n rows with these titles and measures. */
static json_t *s_ledger(size_t n, const char *title, const char *measures)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "GJ-%05zu", i + 1);
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i}", "ref", ref,
                                        "title", title, "measures", measures, "state", "assigned", "deadline",
                                        "2027-06-30", "kind", "long-term", "evidence_count", 0, "rejections",
                                        i == 3 ? 1 : 0, "extensions", 0, "escalations", 0));
    }
    return json_pack("{s:o}", "rows", rows);
}

static void test_columns_in_use_leave_out_empty_texts_and_zero_counts(void **state)
{
    (void)state;
    json_t *l = s_ledger(5, "问题", "措施");
    ledger_doc doc = {.ledger = l, .lang = LEDGER_ZH};
    uint32_t used = ledger_columns_used(&doc);
    assert_true(used & BIT(LL_MEASURES));
    assert_true(used & BIT(LL_DEADLINE));
    assert_true(used & BIT(LL_REJECTIONS)); /* one row has 1 */
    assert_false(used & BIT(LL_EXTENSIONS));
    assert_false(used & BIT(LL_EVIDENCE));
    assert_false(used & BIT(LL_LATEST));
    assert_false(used & BIT(LL_UNIT));
    json_decref(l);
    /* no rows: the ref, the problem and the state all the same */
    l = s_ledger(0, "", "");
    doc.ledger = l;
    assert_int_equal(ledger_columns_used(&doc), BIT(LL_REF) | BIT(LL_TITLE) | BIT(LL_STATE));
    json_decref(l);
}

static void test_free_text_shares_the_page_by_what_the_rows_hold(void **state)
{
    (void)state;
    json_t *l = s_ledger(
        20, "防止返贫监测帮扶不够精准",
        "坚持每月一研判、每季度一摸排，村队每月遍访一次，镇级两个月遍访一次，逐户核实收支情况并更新监测台账。");
    ledger_doc doc = {.ledger = l,
                      .lang = LEDGER_ZH,
                      .columns =
                          BIT(LL_REF) | BIT(LL_TITLE) | BIT(LL_MEASURES) | BIT(LL_DEADLINE) | BIT(LL_STATE)};
    ledger_layout lay;
    ledger_layout_compute(&doc, 85, &lay);
    assert_int_equal(lay.n, 5);
    assert_int_equal(lay.shown[0], LL_REF);
    assert_int_equal(lay.shown[4], LL_STATE);
    /* the title (12 characters) in two lines at most, the measures the wider */
    assert_true(lay.width_em[LL_TITLE] >= 6.0);
    assert_true(lay.width_em[LL_MEASURES] > lay.width_em[LL_TITLE]);
    /* no column wider than its longest line needs */
    assert_true(lay.width_em[LL_TITLE] <= 12.0 + 0.3 + 1e-9);
    assert_true(lay.width_em[LL_MEASURES] <=
                ledger_text_em(json_string_value(
                    json_object_get(json_array_get(json_object_get(l, "rows"), 0), "measures"))) +
                    0.3 + 1e-9);
    assert_true(lay.width_em[LL_DEADLINE] >= ledger_text_em("2027-06-30"));
    assert_true(lay.total_em >= 85 - 1e-9);
    assert_true(lay.title_max_em >= 2 * lay.width_em[LL_TITLE]);
    json_decref(l);

    /* every column of a long title: the title's share grows, but a table
     * with all columns still has one and a positive room for titles */
    l = s_ledger(3, "甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸甲乙丙丁戊己庚辛壬癸", "措施");
    doc.ledger = l;
    doc.columns = 0;
    ledger_layout_compute(&doc, 85, &lay);
    assert_int_equal(lay.n, LEDGER_COLS);
    assert_true(lay.width_em[LL_TITLE] >= 4.0);
    assert_true(lay.title_max_em > 0);
    for (int k = 0; k < lay.n; k++)
        assert_true(lay.width_em[lay.shown[k]] > 0 && lay.width_em[lay.shown[k]] < 85);
    json_decref(l);

    /* a long ledger: its widths come from rows spread over it, the same */
    l = s_ledger(10000, "防止返贫监测帮扶不够精准", "坚持每月一研判、每季度一摸排，村队每月遍访一次。");
    doc.ledger = l;
    ledger_layout_compute(&doc, 85, &lay);
    json_t *few =
        s_ledger(40, "防止返贫监测帮扶不够精准", "坚持每月一研判、每季度一摸排，村队每月遍访一次。");
    ledger_layout other;
    doc.ledger = few;
    ledger_layout_compute(&doc, 85, &other);
    assert_true(lay.width_em[LL_TITLE] == other.width_em[LL_TITLE]);
    assert_true(lay.width_em[LL_MEASURES] == other.width_em[LL_MEASURES]);
    json_decref(few);
    json_decref(l);

    /* no rows at all */
    l = s_ledger(0, "", "");
    doc.ledger = l;
    ledger_layout_compute(&doc, 85, &lay);
    assert_int_equal(lay.n, LEDGER_COLS);
    json_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_names_are_read_in_english_and_chinese_with_either_comma),
        cmocka_unit_test(test_all_auto_and_minus_names_start_from_the_right_set),
        cmocka_unit_test(test_unknown_empty_and_mixed_lists_are_refused),
        cmocka_unit_test(test_a_cut_ends_at_a_character_boundary_within_its_width),
        cmocka_unit_test(test_columns_in_use_leave_out_empty_texts_and_zero_counts),
        cmocka_unit_test(test_free_text_shares_the_page_by_what_the_rows_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
