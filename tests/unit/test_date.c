/*
 * test_date.c - common/date.c: parsing deadlines, day numbers, UTC instants,
 * local wall time in an IANA zone, zone names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "rect_date.h"

/* Parse text and return the canonical date, or "ERR". */
static const char *s_parse(const char *text)
{
    static char out[RECT_DATE_LEN];
    return date_parse(text, out) == 0 ? out : "ERR";
}

/* ---- date_parse ------------------------------------------------------------ */

static void test_parse_accepts_the_three_styles(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2026-12-31"), "2026-12-31");
    assert_string_equal(s_parse("2026/12/31"), "2026-12-31");
    assert_string_equal(s_parse("2026年12月31日"), "2026-12-31");
}

static void test_parse_accepts_one_digit_month_and_day(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2027-6-1"), "2027-06-01");
    assert_string_equal(s_parse("2027/6/30"), "2027-06-30");
    assert_string_equal(s_parse("2027年6月3日"), "2027-06-03");
    assert_string_equal(s_parse("2027-06-3"), "2027-06-03");
}

static void test_parse_ignores_surrounding_ascii_blanks(void **state)
{
    (void)state;
    assert_string_equal(s_parse("  2026-12-31\t"), "2026-12-31");
    assert_string_equal(s_parse(" 2026年12月31日 "), "2026-12-31");
}

static void test_parse_rejects_anything_else_around_the_date(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2026-12-31x"), "ERR");
    assert_string_equal(s_parse("到2026-12-31"), "ERR");
    assert_string_equal(s_parse("2026-12-31\n"), "ERR"); /* not a blank */
    assert_string_equal(s_parse("\xe3\x80\x80"
                                "2026-12-31"),
                        "ERR"); /* U+3000 space */
    assert_string_equal(s_parse("2026年12月31日前"), "ERR");
    assert_string_equal(s_parse("2026-12-31 2027-01-01"), "ERR");
}

static void test_parse_rejects_mixed_or_missing_separators(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2026-12/31"), "ERR");
    assert_string_equal(s_parse("2026年12-31"), "ERR");
    assert_string_equal(s_parse("2026年12月31"), "ERR"); /* 日 is part of the style */
    assert_string_equal(s_parse("20261231"), "ERR");
    assert_string_equal(s_parse("2026.12.31"), "ERR");
}

static void test_parse_rejects_bad_digit_counts(void **state)
{
    (void)state;
    assert_string_equal(s_parse("26-12-31"), "ERR");
    assert_string_equal(s_parse("02026-12-31"), "ERR");
    assert_string_equal(s_parse("2026-012-31"), "ERR");
    assert_string_equal(s_parse("2026-12-031"), "ERR");
    assert_string_equal(s_parse("2026--31"), "ERR");
    assert_string_equal(s_parse("２０２６-12-31"), "ERR"); /* full-width digits */
}

static void test_parse_rejects_dates_that_do_not_exist(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2026-02-30"), "ERR");
    assert_string_equal(s_parse("2026-04-31"), "ERR");
    assert_string_equal(s_parse("2026-13-01"), "ERR");
    assert_string_equal(s_parse("2026-00-10"), "ERR");
    assert_string_equal(s_parse("2026-12-00"), "ERR");
}

static void test_parse_knows_leap_years(void **state)
{
    (void)state;
    assert_string_equal(s_parse("2026-02-29"), "ERR");
    assert_string_equal(s_parse("2028-02-29"), "2028-02-29");
    assert_string_equal(s_parse("2000-02-29"), "2000-02-29"); /* divisible by 400 */
    assert_string_equal(s_parse("2100-02-29"), "ERR");        /* by 100, not 400 */
}

static void test_parse_limits_years_to_1900_through_9999(void **state)
{
    (void)state;
    assert_string_equal(s_parse("1899-12-31"), "ERR");
    assert_string_equal(s_parse("1900-01-01"), "1900-01-01");
    assert_string_equal(s_parse("9999-12-31"), "9999-12-31");
}

static void test_parse_rejects_empty_and_null(void **state)
{
    (void)state;
    char out[RECT_DATE_LEN];
    assert_string_equal(s_parse(""), "ERR");
    assert_string_equal(s_parse("   "), "ERR");
    assert_int_equal(date_parse(NULL, out), -1);
}

/* ---- date_days -------------------------------------------------------------- */

static void test_days_counts_from_1970(void **state)
{
    (void)state;
    assert_int_equal(date_days("1970-01-01"), 0);
    assert_int_equal(date_days("1970-01-02"), 1);
    assert_int_equal(date_days("2000-03-01"), 11017);
    assert_int_equal(date_days("2026-12-31"), 20818);
    assert_int_equal(date_days("9999-12-31"), 2932896);
    assert_int_equal(date_days("1900-01-01"), -25567);
}

static void test_days_spans_leap_days(void **state)
{
    (void)state;
    assert_int_equal(date_days("2028-03-01") - date_days("2028-02-28"), 2);
    assert_int_equal(date_days("2027-03-01") - date_days("2027-02-28"), 1);
}

static void test_days_needs_the_canonical_form(void **state)
{
    (void)state;
    assert_int_equal(date_days("2026-1-01"), -1);
    assert_int_equal(date_days("2026/12/31"), -1);
    assert_int_equal(date_days(" 2026-12-31"), -1);
    assert_int_equal(date_days("2026-02-30"), -1);
    assert_int_equal(date_days(""), -1);
    assert_int_equal(date_days(NULL), -1);
}

/* ---- instants --------------------------------------------------------------- */

static void test_instant_format_writes_utc_with_z(void **state)
{
    (void)state;
    char out[RECT_INSTANT_LEN];
    instant_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    instant_format(1798734600, out);
    assert_string_equal(out, "2026-12-31T16:30:00Z");
}

static void test_instant_parse_reads_what_format_writes(void **state)
{
    (void)state;
    time_t t = 0;
    assert_int_equal(instant_parse("2028-02-29T23:59:59Z", &t), 0);
    assert_int_equal(t, 1835481599);
    char out[RECT_INSTANT_LEN];
    for (time_t v = 0; v < (time_t)4000000000; v += 86399 * 37) {
        instant_format(v, out);
        assert_int_equal(instant_parse(out, &t), 0);
        assert_int_equal(t, v);
    }
}

static void test_instant_parse_rejects_malformed_text(void **state)
{
    (void)state;
    time_t t = 42;
    assert_int_equal(instant_parse("2026-12-31T16:30:00", &t), -1); /* no Z */
    assert_int_equal(instant_parse("2026-12-31T16:30:00z", &t), -1);
    assert_int_equal(instant_parse("2026-12-31 16:30:00Z", &t), -1);
    assert_int_equal(instant_parse("2026-12-31T24:00:00Z", &t), -1);
    assert_int_equal(instant_parse("2026-12-31T23:60:00Z", &t), -1);
    assert_int_equal(instant_parse("2026-12-31T23:59:60Z", &t), -1);
    assert_int_equal(instant_parse("2026-02-30T00:00:00Z", &t), -1);
    assert_int_equal(instant_parse("2026-12-31T16:30:00+08:00", &t), -1);
    assert_int_equal(instant_parse(NULL, &t), -1);
    assert_int_equal(t, 42); /* untouched on failure */
}

/* ---- local time ------------------------------------------------------------- */

static void test_local_format_uses_the_zone_offset(void **state)
{
    (void)state;
    char out[17];
    /* 16:30 UTC on New Year's Eve is already 00:30 next year in Beijing. */
    instant_format_local(1798734600, "Asia/Shanghai", out, sizeof out);
    assert_string_equal(out, "2027-01-01 00:30");
}

static void test_local_format_follows_the_zone_history(void **state)
{
    (void)state;
    char out[17];
    /* China kept daylight saving time from 1986 to 1991: UTC+9 in June 1988. */
    instant_format_local(581126400, "Asia/Shanghai", out, sizeof out);
    assert_string_equal(out, "1988-06-01 09:00");
}

static void test_local_format_falls_back_to_utc(void **state)
{
    (void)state;
    char out[17];
    instant_format_local(1798734600, NULL, out, sizeof out);
    assert_string_equal(out, "2026-12-31 16:30");
    instant_format_local(1798734600, "Asia/Nowhere", out, sizeof out);
    assert_string_equal(out, "2026-12-31 16:30");
}

static void test_local_format_gives_empty_text_when_buffer_is_short(void **state)
{
    (void)state;
    char out[16] = "x";
    instant_format_local(1798734600, "Asia/Shanghai", out, sizeof out);
    assert_string_equal(out, "");
}

/* Last in the run: pinning is for the rest of the process. */
static void test_a_pinned_zone_converts_without_switching_tz(void **state)
{
    (void)state;
    char out[17];
    assert_int_equal(setenv("TZ", "UTC", 1), 0);
    tzset();
    assert_int_equal(date_pin_zone("Asia/Nowhere"), -1);
    assert_int_equal(date_pin_zone(NULL), -1);
    assert_string_equal(getenv("TZ"), "UTC");
    assert_int_equal(date_pin_zone("Asia/Shanghai"), 0);
    assert_string_equal(getenv("TZ"), ":Asia/Shanghai");
    instant_format_local(1798734600, "Asia/Shanghai", out, sizeof out);
    assert_string_equal(out, "2027-01-01 00:30");
    instant_format_local(581126400, "Asia/Shanghai", out, sizeof out); /* 1988: UTC+9 */
    assert_string_equal(out, "1988-06-01 09:00");
    /* another zone still works, and leaves the pinned one in place */
    instant_format_local(1798734600, "America/New_York", out, sizeof out);
    assert_string_equal(out, "2026-12-31 11:30");
    assert_string_equal(getenv("TZ"), ":Asia/Shanghai");
    char today[RECT_DATE_LEN];
    date_today(1798734600, "Asia/Shanghai", today);
    assert_string_equal(today, "2027-01-01");
}

static void test_local_time_leaves_tz_as_it_was(void **state)
{
    (void)state;
    char out[17];
    assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
    tzset();
    instant_format_local(1798734600, "Asia/Shanghai", out, sizeof out);
    assert_string_equal(getenv("TZ"), "America/New_York");
    /* and libc's idea of local time is New York's again: UTC-5 in December */
    struct tm tm;
    time_t t = 1798734600;
    assert_non_null(localtime_r(&t, &tm));
    assert_int_equal(tm.tm_gmtoff, -5 * 3600);

    assert_int_equal(unsetenv("TZ"), 0);
    tzset();
    date_today(t, "Asia/Shanghai", out);
    assert_null(getenv("TZ"));
}

static void test_today_is_the_date_in_the_zone(void **state)
{
    (void)state;
    char out[RECT_DATE_LEN];
    date_today(1798734600, "Asia/Shanghai", out);
    assert_string_equal(out, "2027-01-01");
    date_today(1798734600, NULL, out);
    assert_string_equal(out, "2026-12-31");
}

static void test_now_is_the_system_clock(void **state)
{
    (void)state;
    time_t before = time(NULL);
    time_t now = rect_now();
    time_t after = time(NULL);
    assert_true(now >= before && now <= after);
}

/* ---- zone_exists ------------------------------------------------------------ */

static void test_zone_exists_for_installed_zones(void **state)
{
    (void)state;
    assert_int_equal(zone_exists("Asia/Shanghai"), 1);
    assert_int_equal(zone_exists("Asia/Urumqi"), 1);
    assert_int_equal(zone_exists("UTC"), 1);
}

static void test_zone_exists_rejects_unknown_and_non_zone_files(void **state)
{
    (void)state;
    assert_int_equal(zone_exists("Asia/Shangai"), 0);
    assert_int_equal(zone_exists("Asia"), 0);     /* a folder */
    assert_int_equal(zone_exists("zone.tab"), 0); /* a file, but not a zone */
    assert_int_equal(zone_exists(""), 0);
    assert_int_equal(zone_exists(NULL), 0);
}

static void test_zone_exists_refuses_paths_outside_zoneinfo(void **state)
{
    (void)state;
    assert_int_equal(zone_exists("../zoneinfo/Asia/Shanghai"), 0);
    assert_int_equal(zone_exists("Asia/../Asia/Shanghai"), 0);
    assert_int_equal(zone_exists("/usr/share/zoneinfo/Asia/Shanghai"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts_the_three_styles),
        cmocka_unit_test(test_parse_accepts_one_digit_month_and_day),
        cmocka_unit_test(test_parse_ignores_surrounding_ascii_blanks),
        cmocka_unit_test(test_parse_rejects_anything_else_around_the_date),
        cmocka_unit_test(test_parse_rejects_mixed_or_missing_separators),
        cmocka_unit_test(test_parse_rejects_bad_digit_counts),
        cmocka_unit_test(test_parse_rejects_dates_that_do_not_exist),
        cmocka_unit_test(test_parse_knows_leap_years),
        cmocka_unit_test(test_parse_limits_years_to_1900_through_9999),
        cmocka_unit_test(test_parse_rejects_empty_and_null),
        cmocka_unit_test(test_days_counts_from_1970),
        cmocka_unit_test(test_days_spans_leap_days),
        cmocka_unit_test(test_days_needs_the_canonical_form),
        cmocka_unit_test(test_instant_format_writes_utc_with_z),
        cmocka_unit_test(test_instant_parse_reads_what_format_writes),
        cmocka_unit_test(test_instant_parse_rejects_malformed_text),
        cmocka_unit_test(test_local_format_uses_the_zone_offset),
        cmocka_unit_test(test_local_format_follows_the_zone_history),
        cmocka_unit_test(test_local_format_falls_back_to_utc),
        cmocka_unit_test(test_local_format_gives_empty_text_when_buffer_is_short),
        cmocka_unit_test(test_local_time_leaves_tz_as_it_was),
        cmocka_unit_test(test_today_is_the_date_in_the_zone),
        cmocka_unit_test(test_now_is_the_system_clock),
        cmocka_unit_test(test_zone_exists_for_installed_zones),
        cmocka_unit_test(test_zone_exists_rejects_unknown_and_non_zone_files),
        cmocka_unit_test(test_zone_exists_refuses_paths_outside_zoneinfo),
        cmocka_unit_test(test_a_pinned_zone_converts_without_switching_tz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
