/*
 * test_text.c - common/text.c: UTF-8 validation, control characters,
 * display width and fitting text into columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rect_text.h"

/* ---- text_valid_utf8 ----------------------------------------------------- */

static void test_valid_utf8_accepts_ascii_and_chinese(void **state)
{
    (void)state;
    const char *s = "GJ-01 监测户每月遍访";
    assert_int_equal(text_valid_utf8(s, strlen(s)), 1);
    assert_int_equal(text_valid_utf8("", 0), 1);
    /* U+10FFFF, the last code point, and a 4-byte emoji */
    assert_int_equal(text_valid_utf8("\xf4\x8f\xbf\xbf", 4), 1);
    assert_int_equal(text_valid_utf8("\xf0\x9f\x98\x80", 4), 1);
}

static void test_valid_utf8_rejects_malformed_sequences(void **state)
{
    (void)state;
    assert_int_equal(text_valid_utf8("\xc0\xaf", 2), 0);         /* overlong "/" */
    assert_int_equal(text_valid_utf8("\xe0\x80\xaf", 3), 0);     /* overlong, 3 bytes */
    assert_int_equal(text_valid_utf8("\xed\xa0\x80", 3), 0);     /* surrogate U+D800 */
    assert_int_equal(text_valid_utf8("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
    assert_int_equal(text_valid_utf8("\xe7\x8e", 2), 0);         /* cut short */
    assert_int_equal(text_valid_utf8("\x80", 1), 0);             /* lone continuation */
    assert_int_equal(text_valid_utf8("ab\xff", 3), 0);
}

static void test_valid_utf8_checks_exactly_len_bytes(void **state)
{
    (void)state;
    /* 王 is e7 8e 8b: the first two bytes alone are invalid. */
    assert_int_equal(text_valid_utf8("\xe7\x8e\x8b", 2), 0);
    assert_int_equal(text_valid_utf8("\xe7\x8e\x8b", 3), 1);
    /* Bytes after len are not looked at. */
    assert_int_equal(text_valid_utf8("ab\xff", 2), 1);
}

static void test_valid_utf8_rejects_nul_inside(void **state)
{
    (void)state;
    assert_int_equal(text_valid_utf8("a\0b", 3), 0);
}

/* ---- text_clean ------------------------------------------------------------ */

static void test_clean_accepts_plain_text(void **state)
{
    (void)state;
    assert_int_equal(text_clean("对收入达不到1.5万元的脱贫户采取帮扶措施", 0), 1);
    assert_int_equal(text_clean("", 0), 1);
}

static void test_clean_allows_newline_and_tab_only_when_asked(void **state)
{
    (void)state;
    assert_int_equal(text_clean("一是\n二是", 0), 0);
    assert_int_equal(text_clean("一是\n二是", 1), 1);
    assert_int_equal(text_clean("a\tb", 0), 0);
    assert_int_equal(text_clean("a\tb", 1), 1);
}

static void test_clean_rejects_carriage_return_even_with_newlines(void **state)
{
    (void)state;
    assert_int_equal(text_clean("a\r\nb", 1), 0);
    assert_int_equal(text_clean("a\rb", 1), 0);
}

static void test_clean_rejects_other_control_characters(void **state)
{
    (void)state;
    assert_int_equal(text_clean("\x1b[31mred", 1), 0); /* ESC: terminal escapes */
    assert_int_equal(text_clean("a\x7f", 1), 0);       /* DEL */
    assert_int_equal(text_clean("a\xc2\x85", 1), 0);   /* U+0085 NEL (C1) */
    assert_int_equal(text_clean("a\x01", 1), 0);
}

static void test_clean_rejects_unicode_line_separators(void **state)
{
    (void)state;
    assert_int_equal(text_clean("a\xe2\x80\xa8"
                                "b",
                                1),
                     0); /* U+2028 */
    assert_int_equal(text_clean("a\xe2\x80\xa9"
                                "b",
                                1),
                     0); /* U+2029 */
}

static void test_clean_rejects_invalid_utf8_and_null(void **state)
{
    (void)state;
    assert_int_equal(text_clean("a\xff", 1), 0);
    assert_int_equal(text_clean(NULL, 1), 0);
}

/* ---- text_width ------------------------------------------------------------ */

static void test_width_counts_cjk_as_two_columns(void **state)
{
    (void)state;
    assert_int_equal(text_width("王燕"), 4);
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("GJ-01 问题"), 10);
    assert_int_equal(text_width("（全角）"), 8); /* full-width brackets */
}

static void test_width_counts_combining_marks_as_zero(void **state)
{
    (void)state;
    assert_int_equal(text_width("e\xcc\x81"), 1); /* e + U+0301 */
}

static void test_width_counts_newline_as_one_like_fit_prints_it(void **state)
{
    (void)state;
    assert_int_equal(text_width("a\nb"), 3);
}

static void test_width_of_empty_null_and_invalid(void **state)
{
    (void)state;
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width(NULL), 0);
    assert_int_equal(text_width("a\xff"
                                "b"),
                     3);
}

/* ---- text_fit -------------------------------------------------------------- */

static void test_fit_copies_text_that_fits_unchanged(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("王燕", 4, out, sizeof out), 4);
    assert_string_equal(out, "王燕");
    assert_int_equal(text_fit("abc", 10, out, sizeof out), 3);
    assert_string_equal(out, "abc");
}

static void test_fit_cuts_with_ellipsis_within_width(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("abcdef", 3, out, sizeof out), 3);
    assert_string_equal(out, "ab…");
    assert_int_equal(text_fit("王燕李明", 5, out, sizeof out), 5);
    assert_string_equal(out, "王燕…");
}

static void test_fit_never_splits_a_wide_character(void **state)
{
    (void)state;
    char out[64];
    /* 王 (2) + 燕 (2) + … (1) = 5 > 4, so only 王 fits before the ellipsis. */
    assert_int_equal(text_fit("王燕李明", 4, out, sizeof out), 3);
    assert_string_equal(out, "王…");
    assert_int_equal(text_fit("王燕", 1, out, sizeof out), 1);
    assert_string_equal(out, "…");
}

static void test_fit_turns_newlines_into_spaces(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("一是\n二是\t三", 20, out, sizeof out), 12);
    assert_string_equal(out, "一是 二是 三");
}

static void test_fit_drops_other_control_characters(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(text_fit("a\x1b[1mb", 20, out, sizeof out), 5);
    assert_string_equal(out, "a[1mb");
}

static void test_fit_cuts_when_the_buffer_is_too_small(void **state)
{
    (void)state;
    char out[8]; /* 7 bytes of text: 王燕 would fit, but then "…" would not */
    assert_int_equal(text_fit("王燕李明", 100, out, sizeof out), 3);
    assert_string_equal(out, "王…");
}

static void test_fit_handles_degenerate_sizes(void **state)
{
    (void)state;
    char out[4] = "xyz";
    assert_int_equal(text_fit("abc", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(text_fit("abc", 5, out, 0), 0); /* must not write */
    assert_string_equal(out, "");
    char tiny[3] = "xy"; /* no room even for "…" */
    assert_int_equal(text_fit("abcdef", 5, tiny, sizeof tiny), 0);
    assert_string_equal(tiny, "");
    assert_int_equal(text_fit(NULL, 5, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_fit_output_is_always_valid_utf8_within_limits(void **state)
{
    (void)state;
    const char *s = "关于e\xcc\x81托托镇 GJ-01“两办”反馈问题\n整改";
    for (int width = 0; width < 40; width++) {
        for (size_t outlen = 1; outlen < 64; outlen++) {
            char out[64];
            memset(out, 'X', sizeof out);
            int w = text_fit(s, width, out, outlen);
            size_t len = strlen(out);
            assert_true(len < outlen);
            assert_int_equal(text_valid_utf8(out, len), 1);
            assert_int_equal(w, text_width(out));
            assert_true(w <= width);
        }
    }
}

static void test_whole_takes_decimal_digits_alone_at_least_min(void **state)
{
    (void)state;
    long long v = 42;
    assert_int_equal(text_whole("0", 0, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(text_whole("10000", 1, &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(text_whole("9223372036854775807", 1, &v), 0);
    assert_true(v == 9223372036854775807LL);
    v = 7;
    static const char *const bad[] = {"", " 5", "5 ", "+5", "-5", "5x", "0x10", "1e3", "9223372036854775808",
                                      "٣"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (text_whole(bad[i], 0, &v) != -1)
            fail_msg("text_whole(\"%s\") was taken", bad[i]);
        assert_int_equal(v, 7); /* untouched */
    }
    assert_int_equal(text_whole(NULL, 0, &v), -1);
    assert_int_equal(text_whole("0", 1, &v), -1);
    assert_int_equal(text_whole("4", 5, &v), -1);
    assert_int_equal(v, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_utf8_accepts_ascii_and_chinese),
        cmocka_unit_test(test_valid_utf8_rejects_malformed_sequences),
        cmocka_unit_test(test_valid_utf8_checks_exactly_len_bytes),
        cmocka_unit_test(test_valid_utf8_rejects_nul_inside),
        cmocka_unit_test(test_clean_accepts_plain_text),
        cmocka_unit_test(test_clean_allows_newline_and_tab_only_when_asked),
        cmocka_unit_test(test_clean_rejects_carriage_return_even_with_newlines),
        cmocka_unit_test(test_clean_rejects_other_control_characters),
        cmocka_unit_test(test_clean_rejects_unicode_line_separators),
        cmocka_unit_test(test_clean_rejects_invalid_utf8_and_null),
        cmocka_unit_test(test_width_counts_cjk_as_two_columns),
        cmocka_unit_test(test_width_counts_combining_marks_as_zero),
        cmocka_unit_test(test_width_counts_newline_as_one_like_fit_prints_it),
        cmocka_unit_test(test_width_of_empty_null_and_invalid),
        cmocka_unit_test(test_fit_copies_text_that_fits_unchanged),
        cmocka_unit_test(test_fit_cuts_with_ellipsis_within_width),
        cmocka_unit_test(test_fit_never_splits_a_wide_character),
        cmocka_unit_test(test_fit_turns_newlines_into_spaces),
        cmocka_unit_test(test_fit_drops_other_control_characters),
        cmocka_unit_test(test_fit_cuts_when_the_buffer_is_too_small),
        cmocka_unit_test(test_fit_handles_degenerate_sizes),
        cmocka_unit_test(test_fit_output_is_always_valid_utf8_within_limits),
        cmocka_unit_test(test_whole_takes_decimal_digits_alone_at_least_min),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
