/*
 * test_facts.c - daemon/facts.c: what an item is at a date. Open, light,
 * days overdue (carried days included), days late at closure, next review
 * due, waiting for 销号, at the boundary dates, in calendar and working days.
 *
 * Holidays are the 2026 国庆 dates (as in config/rectd.conf); 2026-10-10 is
 * a working Saturday (调休).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "facts.h"
#include "rect_proto.h"

static char *s_holidays[] = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                             "2026-10-05", "2026-10-06", "2026-10-07"};
static char *s_workdays[] = {"2026-09-28", "2026-10-10"};

static rect_cfg s_cfg(int working_days)
{
    rect_cfg c;
    memset(&c, 0, sizeof c);
    c.timezone = "Asia/Shanghai";
    c.working_days = working_days;
    c.due_soon_days = 3;
    c.close_within_days = 2;
    c.holidays = s_holidays;
    c.n_holidays = sizeof s_holidays / sizeof s_holidays[0];
    c.workdays = s_workdays;
    c.n_workdays = sizeof s_workdays / sizeof s_workdays[0];
    return c;
}

/* The facts of an item of state with deadline (may be NULL) and carried days on day. */
static facts s_of(const rect_cfg *c, const char *state, const char *deadline, long carried, const char *day)
{
    json_t *it = json_pack("{sssI}", "state", state, "overdue_days_carried", (json_int_t)carried);
    if (deadline)
        json_object_set_new(it, "deadline", json_string(deadline));
    facts_tz tz = {{0}, 0};
    facts f;
    assert_non_null(it);
    assert_int_equal(facts_of(c, it, day, &tz, &f), 0);
    json_decref(it);
    return f;
}

static void test_open_states_are_claimed_assigned_rectifying(void **state)
{
    (void)state;
    assert_true(rect_state_is_open(RECT_ST_CLAIMED));
    assert_true(rect_state_is_open(RECT_ST_ASSIGNED));
    assert_true(rect_state_is_open(RECT_ST_RECTIFYING));
    assert_false(rect_state_is_open(RECT_ST_VERIFIED));
    assert_false(rect_state_is_open(RECT_ST_CLOSED));
    assert_false(rect_state_is_open(RECT_ST_NONE));
    assert_true(rect_state_name_is_open("rectifying"));
    assert_false(rect_state_name_is_open("verified"));
    assert_false(rect_state_name_is_open("open"));
    assert_false(rect_state_name_is_open(NULL));
    rect_cfg c = s_cfg(0);
    assert_true(s_of(&c, "claimed", NULL, 0, "2026-12-01").open);
    assert_false(s_of(&c, "verified", "2026-12-01", 0, "2026-12-01").open);
    assert_false(s_of(&c, "closed", "2026-12-01", 0, "2026-12-01").open);
}

static void test_days_overdue_starts_the_day_after_the_deadline(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts f = s_of(&c, "rectifying", "2026-12-01", 0, "2026-12-01");
    assert_int_equal(f.light, CAL_LIGHT_YELLOW); /* the deadline day itself is due */
    assert_int_equal(f.days_overdue, -1);
    assert_int_equal(f.past_deadline, -1);
    f = s_of(&c, "rectifying", "2026-12-01", 0, "2026-12-02");
    assert_int_equal(f.light, CAL_LIGHT_RED);
    assert_int_equal(f.days_overdue, 1);
    assert_int_equal(f.past_deadline, 1);
    assert_int_equal(f.days_late, -1);
    f = s_of(&c, "assigned", "2026-12-01", 0, "2027-01-01");
    assert_int_equal(f.days_overdue, 31);
}

static void test_carried_days_count_in_days_overdue_not_in_the_light(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    /* Moved to a later deadline after 4 days overdue: still 4 before it. */
    facts f = s_of(&c, "rectifying", "2026-12-20", 4, "2026-12-01");
    assert_int_equal(f.light, CAL_LIGHT_GREEN);
    assert_int_equal(f.past_deadline, -1);
    assert_int_equal(f.days_overdue, 4);
    f = s_of(&c, "rectifying", "2026-12-20", 4, "2026-12-22");
    assert_int_equal(f.past_deadline, 2);
    assert_int_equal(f.days_overdue, 6);
    /* Without a deadline nothing is overdue, carried or not. */
    assert_int_equal(s_of(&c, "claimed", NULL, 3, "2026-12-22").days_overdue, -1);
}

static void test_days_late_at_closure_in_the_local_date(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts_tz tz = {{0}, 0};
    facts f;
    /* 2026-12-01T16:30Z is already 2026-12-02 in Asia/Shanghai: one day late. */
    json_t *it = json_pack("{sssssssI}", "state", "closed", "deadline", "2026-12-01", "closed_at",
                           "2026-12-01T16:30:00Z", "overdue_days_carried", (json_int_t)0);
    assert_int_equal(facts_of(&c, it, "2026-12-10", &tz, &f), 0);
    assert_int_equal(f.days_late, 1);
    assert_int_equal(f.days_overdue, -1);
    assert_int_equal(f.light, CAL_LIGHT_NONE);
    assert_false(f.open);
    json_object_set_new(it, "closed_at", json_string("2026-12-01T15:59:59Z")); /* 23:59:59 local */
    assert_int_equal(facts_of(&c, it, "2026-12-10", &tz, &f), 0);
    assert_int_equal(f.days_late, 0);
    json_object_set_new(it, "overdue_days_carried", json_integer(5)); /* never on time after being red */
    assert_int_equal(facts_of(&c, it, "2026-12-10", &tz, &f), 0);
    assert_int_equal(f.days_late, 5);
    json_object_del(it, "deadline");
    assert_int_equal(facts_of(&c, it, "2026-12-10", &tz, &f), 0);
    assert_int_equal(f.days_late, -1);
    json_decref(it);
}

static void test_review_due_on_and_after_next_review(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts_tz tz = {{0}, 0};
    facts f;
    json_t *it = json_pack("{ssss}", "state", "closed", "next_review", "2027-01-09");
    assert_int_equal(facts_of(&c, it, "2027-01-08", &tz, &f), 0);
    assert_false(f.review_due);
    assert_int_equal(facts_of(&c, it, "2027-01-09", &tz, &f), 0);
    assert_true(f.review_due);
    assert_int_equal(facts_of(&c, it, "2027-02-01", &tz, &f), 0);
    assert_true(f.review_due);
    json_object_set_new(it, "state", json_string("rectifying")); /* relapsed: no review due */
    assert_int_equal(facts_of(&c, it, "2027-02-01", &tz, &f), 0);
    assert_false(f.review_due);
    json_decref(it);
}

static void test_awaiting_closure_is_verified_yellow_after_close_within(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts_tz tz = {{0}, 0};
    facts f;
    /* Verified on 2026-12-01 (local); close_within_days = 2. */
    json_t *it = json_pack("{ssssss}", "state", "verified", "deadline", "2026-11-20", "verified_at",
                           "2026-12-01T02:00:00Z");
    assert_int_equal(facts_of(&c, it, "2026-12-03", &tz, &f), 0);
    assert_true(f.awaiting_closure);
    assert_false(f.open);
    assert_int_equal(f.light, CAL_LIGHT_GREEN);
    assert_int_equal(f.days_overdue, -1); /* not open: no days overdue, past deadline or not */
    assert_int_equal(facts_of(&c, it, "2026-12-04", &tz, &f), 0);
    assert_int_equal(f.light, CAL_LIGHT_YELLOW);
    json_decref(it);
}

static void test_working_days_judge_the_light_not_the_days_overdue(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(1);
    /* Deadline Fri 2026-10-09: from Wed 2026-09-30 the holidays 10-01..10-07 do
     * not count: two working days away, yellow; nine calendar days, green. */
    assert_int_equal(s_of(&c, "rectifying", "2026-10-09", 0, "2026-09-30").light, CAL_LIGHT_YELLOW);
    rect_cfg cal = s_cfg(0);
    assert_int_equal(s_of(&cal, "rectifying", "2026-10-09", 0, "2026-09-30").light, CAL_LIGHT_GREEN);
    /* Mon 2026-10-12 counts the working Saturday 10-10 (调休): 4 days, green. */
    assert_int_equal(s_of(&c, "rectifying", "2026-10-12", 0, "2026-09-30").light, CAL_LIGHT_GREEN);
    c.due_soon_days = 4;
    assert_int_equal(s_of(&c, "rectifying", "2026-10-12", 0, "2026-09-30").light, CAL_LIGHT_YELLOW);
    /* Days overdue are calendar days either way: 10-13 is 5 days after 10-08. */
    facts f = s_of(&c, "rectifying", "2026-10-08", 0, "2026-10-13");
    assert_int_equal(f.light, CAL_LIGHT_RED);
    assert_int_equal(f.days_overdue, 5);
}

static void test_not_a_date_says_nothing(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts_tz tz = {{0}, 0};
    facts f;
    json_t *it = json_pack("{ssss}", "state", "rectifying", "deadline", "2026-12-01");
    assert_int_equal(facts_of(&c, it, "soon", &tz, &f), RECT_E_BAD_DATE);
    assert_false(f.open);
    assert_int_equal(f.days_overdue, -1);
    assert_int_equal(facts_of(&c, it, NULL, &tz, &f), RECT_E_BAD_DATE);
    json_decref(it);
}

static void test_annotate_adds_the_facts_to_a_reply_item(void **state)
{
    (void)state;
    rect_cfg c = s_cfg(0);
    facts_tz tz = {{0}, 0};
    json_t *it = json_pack("{sssssI}", "state", "rectifying", "deadline", "2026-12-01",
                           "overdue_days_carried", (json_int_t)2);
    cal_light light;
    assert_int_equal(facts_annotate(&c, it, "2026-12-04", &tz, &light), 0);
    assert_int_equal(light, CAL_LIGHT_RED);
    assert_string_equal(json_string_value(json_object_get(it, "light")), "red");
    assert_int_equal(json_integer_value(json_object_get(it, "days_overdue")), 3); /* past the deadline */
    assert_true(json_is_true(json_object_get(it, "open")));
    assert_true(json_is_false(json_object_get(it, "awaiting_closure")));
    assert_true(json_is_null(json_object_get(it, "days_late")));
    assert_true(json_is_false(json_object_get(it, "review_due")));
    json_object_set_new(it, "state", json_string("closed"));
    assert_int_equal(facts_annotate(&c, it, "2026-12-04", &tz, &light), 0);
    assert_int_equal(light, CAL_LIGHT_NONE);
    assert_true(json_is_null(json_object_get(it, "light")));
    assert_true(json_is_null(json_object_get(it, "days_overdue")));
    assert_true(json_is_false(json_object_get(it, "open")));
    json_decref(it);
}

static void test_count_overdue_takes_open_rows_before_the_day(void **state)
{
    (void)state;
    json_t *rows =
        json_pack("[{ssss}{ssss}{ssss}{ssss}{ss}]", "state", "rectifying", "deadline", "2026-12-01", "state",
                  "assigned", "deadline", "2026-12-02", "state", "verified", "deadline", "2026-11-01",
                  "state", "closed", "deadline", "2026-11-01", "state", "claimed");
    assert_int_equal(facts_count_overdue(rows, "2026-12-02"), 1);
    assert_int_equal(facts_count_overdue(rows, "2026-12-03"), 2);
    assert_int_equal(facts_count_overdue(rows, "2026-12-01"), 0);
    json_decref(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_states_are_claimed_assigned_rectifying),
        cmocka_unit_test(test_days_overdue_starts_the_day_after_the_deadline),
        cmocka_unit_test(test_carried_days_count_in_days_overdue_not_in_the_light),
        cmocka_unit_test(test_days_late_at_closure_in_the_local_date),
        cmocka_unit_test(test_review_due_on_and_after_next_review),
        cmocka_unit_test(test_awaiting_closure_is_verified_yellow_after_close_within),
        cmocka_unit_test(test_working_days_judge_the_light_not_the_days_overdue),
        cmocka_unit_test(test_not_a_date_says_nothing),
        cmocka_unit_test(test_annotate_adds_the_facts_to_a_reply_item),
        cmocka_unit_test(test_count_overdue_takes_open_rows_before_the_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
