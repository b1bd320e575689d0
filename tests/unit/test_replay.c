/*
 * test_replay.c - rebuilding items from events (daemon/replay.c) and the
 * local-date cutoff the ledger's as_of uses (facts_local_date).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_ledger.h"
#include "facts.h"
#include "rect_proto.h"
#include "replay.h"

/* An event from compact JSON text (test data, so never NULL). */
static json_t *s_ev(const char *text)
{
    json_error_t err;
    json_t *ev = json_loads(text, 0, &err);
    if (!ev)
        fail_msg("bad test JSON: %s: %s", err.text, text);
    return ev;
}

static int s_apply(replay *r, const char *text, char *msg, size_t len)
{
    json_t *ev = s_ev(text);
    int rc = replay_apply(r, ev, msg, len);
    json_decref(ev);
    return rc;
}

static const char *const s_log[] = {
    "{\"seq\":1,\"item\":1,\"action\":\"claim\",\"actor\":\"a\",\"at\":\"2026-12-01T02:00:00Z\",\"comment\":\"\","
    "\"changes\":{\"ref\":[null,\"GJ-01\"],\"state\":[null,\"claimed\"],\"evidence_count\":[null,0]}}",
    "{\"seq\":2,\"item\":2,\"action\":\"claim\",\"actor\":\"a\",\"at\":\"2026-12-01T02:00:01Z\",\"comment\":\"\","
    "\"changes\":{\"ref\":[null,\"GJ-02\"],\"state\":[null,\"claimed\"],\"evidence_count\":[null,0]}}",
    "{\"seq\":3,\"item\":1,\"action\":\"evidence\",\"actor\":\"o\",\"at\":\"2026-12-02T03:00:00Z\",\"comment\":\"photo\","
    "\"changes\":{\"evidence_count\":[0,1]},\"files\":[{\"name\":\"p.jpg\",\"sha256\":\"aa\",\"size\":1}]}",
    "{\"seq\":4,\"item\":2,\"action\":\"evidence\",\"actor\":\"o\",\"at\":\"2026-12-05T17:00:00Z\",\"comment\":\"same\","
    "\"changes\":{\"evidence_count\":[0,1]},\"files\":[{\"name\":\"q.jpg\",\"sha256\":\"aa\",\"size\":1}]}",
    "{\"seq\":5,\"item\":1,\"action\":\"close\",\"actor\":\"l\",\"at\":\"2026-12-06T01:00:00Z\",\"comment\":\"done\","
    "\"changes\":{\"state\":[\"claimed\",\"closed\"]}}",
};
#define N_LOG (sizeof s_log / sizeof s_log[0])

static void test_replay_rebuilds_items_from_their_changes(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    for (size_t i = 0; i < N_LOG; i++)
        assert_int_equal(s_apply(r, s_log[i], msg, sizeof msg), 0);
    assert_int_equal(replay_max_id(r), 2);
    assert_int_equal(replay_last_seq(r), 5);
    json_t *want = s_ev("{\"id\":1,\"ref\":\"GJ-01\",\"state\":\"closed\",\"evidence_count\":1,"
                        "\"created\":\"2026-12-01T02:00:00Z\",\"updated\":\"2026-12-06T01:00:00Z\"}");
    assert_true(json_equal(replay_item(r, 1), want));
    json_decref(want);
    assert_string_equal(replay_latest_evidence(r, 1), "photo");
    assert_string_equal(replay_latest_evidence(r, 2), "same");
    assert_null(replay_item(r, 3));
    assert_null(replay_latest_evidence(r, 3));
    replay_destroy(&r);
    assert_null(r);
}

static void test_a_prefix_of_the_log_is_the_record_as_it_stood(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s_apply(r, s_log[i], msg, sizeof msg), 0);
    assert_string_equal(json_string_value(json_object_get(replay_item(r, 1), "state")), "claimed");
    assert_null(replay_latest_evidence(r, 2));
    assert_int_equal(replay_reused(r, 1), 0); /* item 2 has not filed the file yet */
    assert_int_equal(s_apply(r, s_log[3], msg, sizeof msg), 0);
    assert_int_equal(replay_reused(r, 1), 1);
    assert_int_equal(replay_reused(r, 2), 1);
    replay_destroy(&r);
}

static void test_one_item_filing_a_file_twice_is_not_reuse(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    assert_int_equal(s_apply(r, s_log[0], msg, sizeof msg), 0);
    assert_int_equal(s_apply(r, s_log[2], msg, sizeof msg), 0);
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":4,\"item\":1,\"action\":\"evidence\",\"at\":\"2026-12-03T00:00:00Z\",\"comment\":\"again\","
            "\"changes\":{\"evidence_count\":[1,2]},\"files\":[{\"sha256\":\"aa\"}]}",
            msg, sizeof msg),
        0);
    assert_int_equal(replay_reused(r, 1), 0);
    assert_string_equal(replay_latest_evidence(r, 1), "again");
    replay_destroy(&r);
}

static void test_events_that_do_not_replay_are_refused_and_change_nothing(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    assert_int_equal(s_apply(r, s_log[0], msg, sizeof msg), 0);
    /* old value does not match the item */
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":2,\"item\":1,\"action\":\"close\",\"at\":\"x\",\"changes\":{\"state\":[\"verified\",\"closed\"]}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_non_null(strstr(msg, "old value"));
    assert_string_equal(json_string_value(json_object_get(replay_item(r, 1), "state")), "claimed");
    /* out of order */
    assert_int_equal(s_apply(r, s_log[0], msg, sizeof msg), RECT_E_BAD_VALUE);
    assert_non_null(strstr(msg, "seq order"));
    /* not [old, new] */
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":1,\"action\":\"start\",\"at\":\"x\",\"changes\":{\"state\":\"rectifying\"}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    /* missing fields */
    assert_int_equal(
        s_apply(r, "{\"seq\":4,\"action\":\"start\",\"at\":\"x\",\"changes\":{}}", msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_int_equal(replay_last_seq(r), 1);
    replay_destroy(&r);
    replay_destroy(NULL);
}

/* Inspection events (item 0) rebuild the inspection records, not items. */
#define INSP_EV(seq, at, name, fed)                                                                   \
    "{\"seq\":" #seq ",\"item\":0,\"action\":\"inspection\",\"actor\":\"wangyan\",\"at\":\"" at "\"," \
    "\"comment\":\"\",\"changes\":{\"name\":[null,\"" name "\"],\"title\":[null,\"T\"],"              \
    "\"fed_back\":[null," fed "]}}"

static void test_inspection_events_rebuild_the_inspections_as_they_stood(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    assert_int_equal(s_apply(r, s_log[0], msg, sizeof msg), 0);
    assert_null(replay_inspection(r, "2025-assessment"));
    assert_int_equal(json_object_size(replay_inspections(r)), 0);
    assert_int_equal(s_apply(r,
                             INSP_EV(2, "2026-12-02T03:00:00Z", "2025-assessment",
                                     "{\"national\":25,\"region\":5,\"county\":5}"),
                             msg, sizeof msg),
                     0);
    json_t *want = s_ev("{\"name\":\"2025-assessment\",\"title\":\"T\","
                        "\"fed_back\":{\"national\":25,\"region\":5,\"county\":5},"
                        "\"created\":\"2026-12-02T03:00:00Z\",\"by\":\"wangyan\"}");
    assert_true(json_equal(replay_inspection(r, "2025-assessment"), want));
    json_decref(want);
    /* no item 0, and the items are untouched */
    assert_null(replay_item(r, 0));
    assert_int_equal(replay_max_id(r), 1);
    assert_string_equal(json_string_value(json_object_get(replay_item(r, 1), "updated")),
                        "2026-12-01T02:00:00Z");
    assert_int_equal(replay_last_seq(r), 2);
    /* the same name again does not replay (its record already holds a name) */
    assert_int_equal(s_apply(r, INSP_EV(3, "2026-12-03T00:00:00Z", "2025-assessment", "{}"), msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    assert_non_null(strstr(msg, "old value"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(replay_inspection(r, "2025-assessment"), "fed_back"), "national")),
                     25);
    /* item 0 only for inspection events, inspection events only for item 0 */
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":0,\"action\":\"claim\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"ref\":[null,\"X\"]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":1,\"action\":\"inspection\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"name\":[null,\"X\"]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    /* an inspection event must name its inspection */
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":0,\"action\":\"inspection\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"title\":[null,\"X\"]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    assert_int_equal(replay_last_seq(r), 2);
    assert_int_equal(json_object_size(replay_inspections(r)), 1);
    /* a second inspection */
    assert_int_equal(s_apply(r, INSP_EV(4, "2026-12-04T00:00:00Z", "2026-selfcheck", "{}"), msg, sizeof msg),
                     0);
    assert_int_equal(json_object_size(replay_inspections(r)), 2);
    assert_string_equal(json_string_value(json_object_get(replay_inspection(r, "2026-selfcheck"), "created")),
                        "2026-12-04T00:00:00Z");
    assert_null(replay_inspection(r, NULL));
    replay_destroy(&r);
}

/* Sign events: the head before them, a known inspection; later events about its items are changes since. */
static void test_sign_events_name_the_head_before_them_and_later_changes_show(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    assert_int_equal(
        s_apply(r,
                "{\"seq\":1,\"item\":1,\"action\":\"claim\",\"actor\":\"a\",\"at\":\"2026-12-01T02:00:00Z\","
                "\"comment\":\"\",\"changes\":{\"inspection\":[null,\"I\"],\"state\":[null,\"claimed\"]}}",
                msg, sizeof msg),
        0);
    assert_int_equal(
        s_apply(r,
                "{\"seq\":2,\"item\":2,\"action\":\"claim\",\"actor\":\"a\",\"at\":\"2026-12-01T02:00:00Z\","
                "\"comment\":\"\",\"changes\":{\"inspection\":[null,\"J\"],\"state\":[null,\"claimed\"]}}",
                msg, sizeof msg),
        0);
    /* a head that is not the one before it, an unknown inspection, a stray change: refused, nothing kept */
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":0,\"action\":\"sign\",\"actor\":\"m\",\"at\":\"2026-12-02T00:00:00Z\","
            "\"comment\":\"\",\"prev\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"changes\":{\"inspection\":\"I\",\"head\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_non_null(strstr(msg, "head before it"));
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":0,\"action\":\"sign\",\"actor\":\"m\",\"at\":\"2026-12-02T00:00:00Z\","
            "\"comment\":\"\",\"prev\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"changes\":{\"inspection\":\"K\",\"head\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":0,\"action\":\"sign\",\"actor\":\"m\",\"at\":\"2026-12-02T00:00:00Z\","
            "\"comment\":\"\",\"changes\":{\"inspection\":\"I\",\"head\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"state\":[1,2]}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":5,\"action\":\"sign\",\"actor\":\"m\",\"at\":\"2026-12-02T00:00:00Z\","
            "\"comment\":\"\",\"changes\":{\"inspection\":\"I\",\"head\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}",
            msg, sizeof msg),
        RECT_E_BAD_VALUE);
    assert_null(replay_sign_off(r, "I"));
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":3,\"item\":0,\"action\":\"sign\",\"actor\":\"m\",\"at\":\"2026-12-02T00:00:00Z\","
            "\"comment\":\"ok\",\"prev\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"changes\":{\"inspection\":\"I\",\"head\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"note\":\"ok\"}}",
            msg, sizeof msg),
        0);
    json_t *so = replay_sign_off(r, "I");
    assert_non_null(so);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(so, "head"), "seq")), 2);
    assert_false(json_is_true(json_object_get(so, "changed")));
    /* another inspection's item: no change of I; one of I's items: a change */
    assert_int_equal(
        s_apply(r,
                "{\"seq\":4,\"item\":2,\"action\":\"start\",\"actor\":\"o\",\"at\":\"2026-12-03T00:00:00Z\","
                "\"comment\":\"\",\"changes\":{\"state\":[\"claimed\",\"rectifying\"]}}",
                msg, sizeof msg),
        0);
    assert_false(json_is_true(json_object_get(replay_sign_off(r, "I"), "changed")));
    assert_int_equal(
        s_apply(r,
                "{\"seq\":5,\"item\":1,\"action\":\"start\",\"actor\":\"o\",\"at\":\"2026-12-03T00:00:00Z\","
                "\"comment\":\"\",\"changes\":{\"state\":[\"claimed\",\"rectifying\"]}}",
                msg, sizeof msg),
        0);
    so = replay_sign_off(r, "I");
    assert_true(json_is_true(json_object_get(so, "changed")));
    json_t *ch = json_object_get(so, "changes");
    assert_int_equal(json_integer_value(json_object_get(ch, "events")), 1);
    assert_int_equal(json_integer_value(json_object_get(ch, "first_seq")), 5);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(ch, "items"), 0)), 1);
    /* signed again: supersedes, unchanged */
    assert_int_equal(
        s_apply(
            r,
            "{\"seq\":6,\"item\":0,\"action\":\"sign\",\"actor\":\"w\",\"at\":\"2026-12-04T00:00:00Z\","
            "\"comment\":\"\",\"changes\":{\"inspection\":\"I\",\"head\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}}",
            msg, sizeof msg),
        0);
    so = replay_sign_off(r, "I");
    assert_int_equal(json_integer_value(json_object_get(so, "superseded")), 1);
    assert_false(json_is_true(json_object_get(so, "changed")));
    assert_true(json_is_null(json_object_get(so, "note")));
    replay_destroy(&r);
}

/* decline / withdraw_decline (item 0) change a recorded inspection's declined list, nothing else. */
static void test_declines_change_only_a_recorded_inspections_declined_list(void **state)
{
    (void)state;
    replay *r = replay_new();
    char msg[256];
    assert_int_equal(
        s_apply(r, INSP_EV(1, "2026-12-01T00:00:00Z", "A", "{\"national\":25}"), msg, sizeof msg), 0);
#define DECL(seq, action, old, new)                             \
    "{\"seq\":" #seq ",\"item\":0,\"action\":\"" action         \
    "\",\"actor\":\"wangyan\",\"at\":\"2026-12-02T00:00:00Z\"," \
    "\"comment\":\"\",\"changes\":{\"name\":[\"A\",\"A\"],\"declined\":[" old "," new "]}}"
    const char *one = "[{\"source\":\"national\",\"title\":\"t\",\"reason\":\"r\"}]";
    char ev[512];
    snprintf(ev, sizeof ev, DECL(2, "decline", "null", "%s"), one);
    assert_int_equal(s_apply(r, ev, msg, sizeof msg), 0);
    json_t *want = s_ev(one);
    assert_true(json_equal(json_object_get(replay_inspection(r, "A"), "declined"), want));
    json_decref(want);
    /* its old list must be the one rebuilt so far */
    assert_int_equal(s_apply(r, DECL(3, "withdraw_decline", "[]", "[]"), msg, sizeof msg), RECT_E_BAD_VALUE);
    /* only name and declined, and a recorded inspection named [N, N] */
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":0,\"action\":\"decline\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"name\":[\"A\",\"A\"],\"declined\":[null,[]],"
                             "\"fed_back\":[{\"national\":25},{}]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    assert_non_null(strstr(msg, "only name and declined"));
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":0,\"action\":\"decline\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"name\":[null,\"B\"],\"declined\":[null,[]]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    assert_null(replay_inspection(r, "B"));
    /* on an item: no */
    assert_int_equal(s_apply(r,
                             "{\"seq\":3,\"item\":1,\"action\":\"decline\",\"actor\":\"a\",\"at\":\"x\","
                             "\"changes\":{\"name\":[\"A\",\"A\"],\"declined\":[null,[]]}}",
                             msg, sizeof msg),
                     RECT_E_BAD_VALUE);
    snprintf(ev, sizeof ev, DECL(3, "withdraw_decline", "%s", "[]"), one);
    assert_int_equal(s_apply(r, ev, msg, sizeof msg), 0);
    assert_int_equal(json_array_size(json_object_get(replay_inspection(r, "A"), "declined")), 0);
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(replay_inspection(r, "A"), "fed_back"), "national")),
                     25);
#undef DECL
    replay_destroy(&r);
}

static void test_local_dates_for_the_as_of_cutoff(void **state)
{
    (void)state;
    facts_tz z;
    memset(&z, 0, sizeof z);
    char d[11];
    /* 17:00 UTC is 01:00 the next day in Asia/Shanghai */
    assert_int_equal(facts_local_date(&z, "Asia/Shanghai", "2026-12-05T17:00:00Z", d), 0);
    assert_string_equal(d, "2026-12-06");
    assert_int_equal(facts_local_date(&z, "Asia/Shanghai", "2026-12-05T15:59:59Z", d), 0);
    assert_string_equal(d, "2026-12-05");
    assert_int_equal(facts_local_date(&z, "Asia/Shanghai", "2026-12-31T16:00:00Z", d), 0);
    assert_string_equal(d, "2027-01-01");
    memset(&z, 0, sizeof z);
    assert_int_equal(facts_local_date(&z, "America/New_York", "2026-12-01T03:00:00Z", d), 0);
    assert_string_equal(d, "2026-11-30");
    assert_int_equal(facts_local_date(&z, "UTC", "not an instant", d), -1);
    assert_int_equal(facts_local_date(&z, "UTC", NULL, d), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_rebuilds_items_from_their_changes),
        cmocka_unit_test(test_a_prefix_of_the_log_is_the_record_as_it_stood),
        cmocka_unit_test(test_one_item_filing_a_file_twice_is_not_reuse),
        cmocka_unit_test(test_events_that_do_not_replay_are_refused_and_change_nothing),
        cmocka_unit_test(test_inspection_events_rebuild_the_inspections_as_they_stood),
        cmocka_unit_test(test_sign_events_name_the_head_before_them_and_later_changes_show),
        cmocka_unit_test(test_declines_change_only_a_recorded_inspections_declined_list),
        cmocka_unit_test(test_local_dates_for_the_as_of_cutoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
