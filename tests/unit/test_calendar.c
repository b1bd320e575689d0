/*
 * test_calendar.c - daemon/calendar.c: working days with holidays and
 * adjusted working weekends (调休), days between dates, the traffic light of
 * an item on a given day, and "today" on both sides of midnight in the zone.
 *
 * The holiday data are the 2026 official dates around 国庆 (as in
 * config/rectd.conf); expectations are counted by hand from a 2026 calendar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "calendar.h"

static char *s_holidays[] = {
    "2026-01-01", "2026-01-02", "2026-01-03", "2026-10-01", "2026-10-02",
    "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07",
};
static char *s_workdays[] = {"2026-01-04", "2026-09-20", "2026-10-10"};

/* A config with what calendar.c reads: zone, thresholds, the two lists. */
static rect_cfg s_cfg(int working_days, unsigned due_soon, unsigned close_within)
{
    rect_cfg c;
    memset(&c, 0, sizeof c);
    c.timezone = "Asia/Shanghai";
    c.working_days = working_days;
    c.due_soon_days = due_soon;
    c.close_within_days = close_within;
    c.holidays = s_holidays;
    c.n_holidays = sizeof s_holidays / sizeof s_holidays[0];
    c.workdays = s_workdays;
    c.n_workdays = sizeof s_workdays / sizeof s_workdays[0];
    return c;
}

static long s_between(const rect_cfg *c, const char *a, const char *b)
{
    long n = 12345;
    assert_int_equal(cal_days_between(c, a, b, &n), 0);
    return n;
}

static cal_light s_light(const rect_cfg *c, const char *state, const char *deadline, const char *verified_at,
                         const char *today, long *late)
{
    cal_item it = {state, deadline, verified_at};
    return cal_light_of(c, &it, today, late);
}

/* ---- days --------------------------------------------------------------- */

static void test_weekday_of_known_dates(void **state)
{
    (void)state;
    assert_int_equal(cal_weekday("1970-01-01"), 4); /* Thursday */
    assert_int_equal(cal_weekday("1969-12-31"), 3); /* before the epoch too */
    assert_int_equal(cal_weekday("2026-12-01"), 2); /* Tuesday */
    assert_int_equal(cal_weekday("2026-10-10"), 6); /* Saturday */
    assert_int_equal(cal_weekday("2024-02-29"), 4); /* leap day, Thursday */
    assert_int_equal(cal_weekday("2026-02-29"), -1);
    assert_int_equal(cal_weekday("2026/10/10"), -1); /* canonical only */
    assert_int_equal(cal_weekday(NULL), -1);
}

static void test_working_day_follows_weekends_holidays_and_workdays(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(1, 3, 7);
    assert_int_equal(cal_is_working_day(&c, "2026-09-30"), 1); /* Wednesday */
    assert_int_equal(cal_is_working_day(&c, "2026-10-01"), 0); /* 国庆, Thursday */
    assert_int_equal(cal_is_working_day(&c, "2026-10-07"), 0); /* 国庆, Wednesday */
    assert_int_equal(cal_is_working_day(&c, "2026-10-08"), 1);
    assert_int_equal(cal_is_working_day(&c, "2026-10-10"), 1); /* 调休 Saturday */
    assert_int_equal(cal_is_working_day(&c, "2026-10-11"), 0); /* Sunday */
    assert_int_equal(cal_is_working_day(&c, "2026-09-20"), 1); /* 调休 Sunday */
    assert_int_equal(cal_is_working_day(&c, "2026-12-05"), 0); /* plain Saturday */
    assert_int_equal(cal_is_working_day(&c, "2026-13-01"), -1);
}

static void test_calendar_days_between_dates_and_leap_years(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0, 3, 7);
    assert_int_equal(s_between(&c, "2026-09-30", "2026-10-08"), 8);
    assert_int_equal(s_between(&c, "2026-10-08", "2026-09-30"), -8);
    assert_int_equal(s_between(&c, "2026-12-01", "2026-12-01"), 0);
    assert_int_equal(s_between(&c, "2024-02-28", "2024-03-01"), 2); /* leap year */
    assert_int_equal(s_between(&c, "2026-02-28", "2026-03-01"), 1);
    assert_int_equal(s_between(&c, "2000-02-28", "2000-03-01"), 2); /* divisible by 400 */
    assert_int_equal(s_between(&c, "2100-02-28", "2100-03-01"), 1); /* by 100, not 400 */
    assert_int_equal(s_between(&c, "2026-01-01", "2027-01-01"), 365);
    assert_int_equal(s_between(&c, "2028-01-01", "2029-01-01"), 366);
    long n;
    assert_int_equal(cal_days_between(&c, "2026-02-30", "2026-03-01", &n), -1);
    assert_int_equal(cal_days_between(&c, "2026-03-01", "tomorrow", &n), -1);
}

static void test_working_days_between_skip_holidays_and_count_workdays(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(1, 3, 7);
    /* 10-01..07 off; 10-08 Thu, 10-09 Fri, 10-10 Sat (调休) on. */
    assert_int_equal(s_between(&c, "2026-09-30", "2026-10-08"), 1);
    assert_int_equal(s_between(&c, "2026-09-30", "2026-10-10"), 3);
    assert_int_equal(s_between(&c, "2026-10-10", "2026-09-30"), -3);
    assert_int_equal(s_between(&c, "2026-09-30", "2026-10-07"), 0);
    /* A plain weekend: Friday to Monday is one working day. */
    assert_int_equal(s_between(&c, "2026-12-04", "2026-12-07"), 1);
    assert_int_equal(s_between(&c, "2026-12-05", "2026-12-06"), 0);
    /* The 调休 Sunday 09-20 counts: Sat 09-19 -> Mon 09-21 is two. */
    assert_int_equal(s_between(&c, "2026-09-19", "2026-09-21"), 2);
    /* Leap February: Fri 2024-02-23 -> Fri 2024-03-01 has 5 working days. */
    assert_int_equal(s_between(&c, "2024-02-23", "2024-03-01"), 5);
}

static void test_working_days_between_agree_with_counting_day_by_day(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(1, 3, 7);
    long base = date_days("2025-12-20");
    for (long i = 0; i < 60; i += 3) {
        for (long j = i; j < 330; j += 7) {
            char a[RECT_DATE_LEN], b[RECT_DATE_LEN], d[RECT_DATE_LEN];
            assert_int_equal(date_from_days(base + i, a), 0);
            assert_int_equal(date_from_days(base + j, b), 0);
            long want = 0;
            for (long k = i + 1; k <= j; k++) {
                assert_int_equal(date_from_days(base + k, d), 0);
                want += cal_is_working_day(&c, d);
            }
            if (s_between(&c, a, b) != want)
                fail_msg("working days (%s, %s]: got %ld, counted %ld", a, b, s_between(&c, a, b), want);
        }
    }
}

static void test_window_end_covers_the_due_soon_days(void **state)
{
    (void)state;
    char end[RECT_DATE_LEN];
    rect_cfg cal = s_cfg(0, 3, 7), work = s_cfg(1, 3, 7);
    assert_int_equal(cal_window_end(&cal, "2026-09-30", 3, end), 0);
    assert_string_equal(end, "2026-10-03");
    /* Working days after 09-30: 10-08, 10-09, 10-10; the 4th is 10-12. */
    assert_int_equal(cal_window_end(&work, "2026-09-30", 3, end), 0);
    assert_string_equal(end, "2026-10-11");
    assert_int_equal(cal_window_end(&work, "2026-12-04", 0, end), 0); /* Fri: up to Sun */
    assert_string_equal(end, "2026-12-06");
    assert_int_equal(cal_window_end(&work, "2026-12-32", 0, end), -1);
}

/* ---- lights ------------------------------------------------------------- */

static void test_today_changes_at_midnight_in_the_zone_not_utc(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0, 3, 7);
    time_t before, after;
    char today[RECT_DATE_LEN];
    long late;
    assert_int_equal(instant_parse("2026-12-01T15:59:59Z", &before), 0);
    assert_int_equal(instant_parse("2026-12-01T16:00:00Z", &after), 0);

    cal_today(&c, before, today);
    assert_string_equal(today, "2026-12-01"); /* 23:59:59 in Beijing */
    assert_int_equal(s_light(&c, "rectifying", "2026-12-01", NULL, today, &late), CAL_LIGHT_YELLOW);
    assert_int_equal(late, -1);

    cal_today(&c, after, today);
    assert_string_equal(today, "2026-12-02"); /* 00:00:00 in Beijing */
    assert_int_equal(s_light(&c, "rectifying", "2026-12-01", NULL, today, &late), CAL_LIGHT_RED);
    assert_int_equal(late, 1);
}

static void test_open_items_are_red_yellow_or_green_by_deadline(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0, 3, 7);
    long late;
    assert_int_equal(s_light(&c, "assigned", "2026-12-31", NULL, "2026-12-27", &late), CAL_LIGHT_GREEN);
    assert_int_equal(late, -1);
    assert_int_equal(s_light(&c, "assigned", "2026-12-31", NULL, "2026-12-28", &late), CAL_LIGHT_YELLOW);
    assert_int_equal(s_light(&c, "rectifying", "2026-12-31", NULL, "2026-12-31", &late), CAL_LIGHT_YELLOW);
    assert_int_equal(s_light(&c, "claimed", "2026-12-31", NULL, "2027-01-01", &late), CAL_LIGHT_RED);
    assert_int_equal(late, 1);
    assert_int_equal(s_light(&c, "rectifying", "2026-02-28", NULL, "2026-03-01", &late), CAL_LIGHT_RED);
    assert_int_equal(late, 1);
    assert_int_equal(s_light(&c, "rectifying", "2024-02-28", NULL, "2024-03-01", &late), CAL_LIGHT_RED);
    assert_int_equal(late, 2); /* 2024-02-29 lies between */
    assert_int_equal(s_light(&c, "rectifying", "2026-12-01", NULL, "2027-12-01", &late), CAL_LIGHT_RED);
    assert_int_equal(late, 365);
    /* Claimed and not yet assigned: no deadline, nothing to be late for. */
    assert_int_equal(s_light(&c, "claimed", NULL, NULL, "2027-01-01", &late), CAL_LIGHT_GREEN);
    assert_int_equal(late, -1);
    /* due_soon_days = 0: only the deadline day itself is yellow. */
    rect_cfg zero = s_cfg(0, 0, 7);
    assert_int_equal(s_light(&zero, "assigned", "2026-12-31", NULL, "2026-12-30", NULL), CAL_LIGHT_GREEN);
    assert_int_equal(s_light(&zero, "assigned", "2026-12-31", NULL, "2026-12-31", NULL), CAL_LIGHT_YELLOW);
}

static void test_due_soon_across_a_holiday_counts_working_days(void **state)
{
    (void)state;
    rect_cfg cal = s_cfg(0, 3, 7), work = s_cfg(1, 3, 7);
    /* The deadline is the first working day after 国庆: 8 calendar days, 1 working day. */
    assert_int_equal(s_light(&cal, "rectifying", "2026-10-08", NULL, "2026-09-30", NULL), CAL_LIGHT_GREEN);
    assert_int_equal(s_light(&work, "rectifying", "2026-10-08", NULL, "2026-09-30", NULL), CAL_LIGHT_YELLOW);
    /* Mon 09-28: 09-29, 09-30, 10-08 = 3 working days: yellow; Sun 09-27: 4: green. */
    assert_int_equal(s_light(&work, "rectifying", "2026-10-08", NULL, "2026-09-28", NULL), CAL_LIGHT_YELLOW);
    assert_int_equal(s_light(&work, "rectifying", "2026-10-08", NULL, "2026-09-27", NULL), CAL_LIGHT_GREEN);
    /* Days overdue are calendar days even when counting working days. */
    long late;
    assert_int_equal(s_light(&work, "rectifying", "2026-09-30", NULL, "2026-10-08", &late), CAL_LIGHT_RED);
    assert_int_equal(late, 8);
}

static void test_weekends_and_adjusted_workdays_move_due_soon(void **state)
{
    (void)state;
    rect_cfg cal = s_cfg(0, 1, 7), work = s_cfg(1, 1, 7);
    /* Fri -> Mon: 3 calendar days, 1 working day. */
    assert_int_equal(s_light(&cal, "assigned", "2026-12-07", NULL, "2026-12-04", NULL), CAL_LIGHT_GREEN);
    assert_int_equal(s_light(&work, "assigned", "2026-12-07", NULL, "2026-12-04", NULL), CAL_LIGHT_YELLOW);
    /* Fri 10-09 -> Mon 10-12: the 调休 Saturday 10-10 is a working day, so 2: green. */
    assert_int_equal(s_light(&work, "assigned", "2026-10-12", NULL, "2026-10-09", NULL), CAL_LIGHT_GREEN);
    work.n_workdays = 0; /* without 调休 data it would be 1: yellow */
    assert_int_equal(s_light(&work, "assigned", "2026-10-12", NULL, "2026-10-09", NULL), CAL_LIGHT_YELLOW);
}

static void test_verified_items_turn_yellow_when_not_closed_in_time(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0, 3, 7);
    long late;
    /* 16:30Z on 11-30 is 00:30 on 12-01 in Beijing: the local date counts. */
    assert_int_equal(s_light(&c, "verified", "2026-11-01", "2026-11-30T16:30:00Z", "2026-12-08", &late),
                     CAL_LIGHT_GREEN);
    assert_int_equal(late, -1); /* a verified item is not overdue, whatever its deadline */
    assert_int_equal(s_light(&c, "verified", "2026-11-01", "2026-11-30T16:30:00Z", "2026-12-09", NULL),
                     CAL_LIGHT_YELLOW);
    assert_int_equal(s_light(&c, "verified", NULL, "2026-11-30T15:30:00Z", "2026-12-08", NULL),
                     CAL_LIGHT_YELLOW);
    /* Counted in working days when enabled: 10-01 verified, 10-09 is 2 working days later. */
    rect_cfg w = s_cfg(1, 3, 7);
    assert_int_equal(s_light(&w, "verified", NULL, "2026-10-01T02:00:00Z", "2026-10-09", NULL),
                     CAL_LIGHT_GREEN);
}

static void test_closed_items_have_no_light(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0, 3, 7);
    long late;
    assert_int_equal(s_light(&c, "closed", "2026-01-01", "2026-01-02T00:00:00Z", "2026-12-01", &late),
                     CAL_LIGHT_NONE);
    assert_int_equal(late, -1);
    assert_null(cal_light_name(CAL_LIGHT_NONE));
    assert_string_equal(cal_light_name(CAL_LIGHT_RED), "red");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekday_of_known_dates),
        cmocka_unit_test(test_working_day_follows_weekends_holidays_and_workdays),
        cmocka_unit_test(test_calendar_days_between_dates_and_leap_years),
        cmocka_unit_test(test_working_days_between_skip_holidays_and_count_workdays),
        cmocka_unit_test(test_working_days_between_agree_with_counting_day_by_day),
        cmocka_unit_test(test_window_end_covers_the_due_soon_days),
        cmocka_unit_test(test_today_changes_at_midnight_in_the_zone_not_utc),
        cmocka_unit_test(test_open_items_are_red_yellow_or_green_by_deadline),
        cmocka_unit_test(test_due_soon_across_a_holiday_counts_working_days),
        cmocka_unit_test(test_weekends_and_adjusted_workdays_move_due_soon),
        cmocka_unit_test(test_verified_items_turn_yellow_when_not_closed_in_time),
        cmocka_unit_test(test_closed_items_have_no_light),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
