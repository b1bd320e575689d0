/*
 * test_batch.c - group commit: the writes of one batch (dispatch_run with
 * n requests, as server.c hands them over) share one transaction and one
 * commit, and each is still all or nothing: a write that fails part-way
 * (here: its k-th LMDB write, armed through fault.h) leaves no trace, and
 * the others of the batch are committed as if it had never been sent.
 * Retries are answered from the reply cache byte for byte. And a page of a
 * long read (the inbox) ends at its bound in bytes, after at least one entry.
 *
 * Real store (in /dev/shm when there is one), real dispatch; the clock
 * reads a fixed clock file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <unistd.h>

#include "dispatch.h"
#include "fault.h"
#include "rect_cfg.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "store.h"

#define N_MAX 40

static rect_cfg *s_cfg;
static store *s_st;
static char s_dir[256], s_data[300], s_log[PATH_MAX];
static int s_log_fd = -1;

/* One add request's text: ref R-<ref>, client "batch-<client>", seq. */
typedef struct {
    char text[1024];
} s_text;

static void s_add_text(s_text *t, int ref, int client, int seq)
{
    snprintf(
        t->text, sizeof t->text,
        "{\"v\":1,\"cmd\":\"add\",\"user\":\"wangyan\",\"client\":\"batch-%d\",\"seq\":%d,"
        "\"args\":{\"ref\":\"R-%d\",\"source\":\"national\",\"kind\":\"immediate\",\"title\":\"问题%d\","
        "\"owner\":\"liming\",\"unit\":\"xiangcun\",\"leader\":\"zhanghua\",\"deadline\":\"2026-12-20\"}}",
        client, seq, ref, ref);
}

static void s_rm_data(void)
{
    static const char *const files[] = {"data.mdb", "lock.mdb", "rectd.lock"};
    char path[400];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s_data, files[i]);
        unlink(path);
    }
    rmdir(s_data);
}

static void s_fresh(void)
{
    char err[512];
    store_close(&s_st);
    s_rm_data();
    if (store_open(s_data, 64, &s_st, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
}

/* Run n requests as one batch (as wangyan's connection); the replies in reqs (caller frees). */
static void s_batch(s_text *texts, dispatch_req *reqs, size_t n)
{
    const rect_user *u = cfg_user(s_cfg, "wangyan");
    assert_non_null(u);
    for (size_t i = 0; i < n; i++) {
        memset(&reqs[i], 0, sizeof reqs[i]);
        reqs[i].req = texts[i].text;
        reqs[i].req_len = strlen(texts[i].text);
        snprintf(reqs[i].peer.key, sizeof reqs[i].peer.key, "%s", u->public_key);
    }
    int saved = dup(2);
    dup2(s_log_fd, 2);
    dispatch_run(s_cfg, s_st, reqs, n);
    dup2(saved, 2);
    close(saved);
    for (size_t i = 0; i < n; i++)
        assert_non_null(reqs[i].reply);
}

static void s_free(dispatch_req *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(reqs[i].reply);
        free(reqs[i].reply_data);
    }
}

/* The item id of an ok add reply, or 0 with *code the error code (buf). */
static json_int_t s_id_of(const char *reply, char *code, size_t len)
{
    json_t *j = json_loads(reply, 0, NULL);
    assert_non_null(j);
    json_int_t id = 0;
    code[0] = '\0';
    if (json_is_true(json_object_get(j, "ok")))
        id = json_integer_value(json_object_get(json_object_get(json_object_get(j, "result"), "item"), "id"));
    else
        snprintf(code, len, "%s", json_string_value(json_object_get(json_object_get(j, "error"), "code")));
    json_decref(j);
    return id;
}

static void s_counts(uint64_t *items, uint64_t *events)
{
    store_txn *t;
    unsigned char head[32];
    assert_int_equal(store_begin(s_st, 0, NULL, &t), 0);
    assert_int_equal(store_counts(t, items, events, head), 0);
    store_abort(&t);
}

/* audit_verify through dispatch must find the chain and the items whole. */
static void s_audit_ok(void)
{
    s_text t;
    snprintf(t.text, sizeof t.text, "{\"v\":1,\"cmd\":\"audit_verify\",\"user\":\"wangyan\"}");
    dispatch_req r;
    s_batch(&t, &r, 1);
    json_t *j = json_loads(r.reply, 0, NULL);
    if (!json_is_true(json_object_get(json_object_get(j, "result"), "ok")))
        fail_msg("audit_verify: %s", r.reply);
    json_decref(j);
    s_free(&r, 1);
}

/* How many LMDB writes one add makes on an empty store (its commit not counted). */
static unsigned long s_writes_of_one_add(void)
{
    s_fresh();
    s_text t;
    dispatch_req r;
    s_add_text(&t, 999, 999, 1);
    fault_arm(FAULT_LMDB, ULONG_MAX, 0);
    s_batch(&t, &r, 1);
    unsigned long w = fault_calls(FAULT_LMDB) - 1;
    fault_reset();
    s_free(&r, 1);
    return w;
}

static void test_every_writer_of_a_batch_is_committed_and_answered(void **state)
{
    (void)state;
    s_fresh();
    s_text t[N_MAX];
    dispatch_req r[N_MAX];
    for (int i = 0; i < N_MAX; i++)
        s_add_text(&t[i], i + 1, i, 1);
    s_batch(t, r, N_MAX);
    char code[64];
    for (int i = 0; i < N_MAX; i++) {
        /* in the order they came: the ids the batch gave out are 1..N, none twice */
        json_int_t id = s_id_of(r[i].reply, code, sizeof code);
        if (id != i + 1)
            fail_msg("request %d: %s", i, r[i].reply);
    }
    uint64_t items, events;
    s_counts(&items, &events);
    assert_int_equal(items, N_MAX);
    assert_int_equal(events, 2 * N_MAX); /* claim and assign each */
    s_audit_ok();

    /* The same batch again is a batch of retries: the stored replies, byte for byte, nothing new. */
    dispatch_req again[N_MAX];
    s_batch(t, again, N_MAX);
    for (int i = 0; i < N_MAX; i++)
        assert_string_equal(again[i].reply, r[i].reply);
    s_counts(&items, &events);
    assert_int_equal(items, N_MAX);
    assert_int_equal(events, 2 * N_MAX);
    s_free(again, N_MAX);
    s_free(r, N_MAX);
}

/* Refusals in the middle of a batch (a duplicate ref, a reused seq) change nothing of the others. */
static void test_refusals_in_a_batch_leave_the_other_writes_whole(void **state)
{
    (void)state;
    s_fresh();
    s_text t[5];
    dispatch_req r[5];
    s_add_text(&t[0], 1, 0, 1);
    s_add_text(&t[1], 1, 1, 1); /* the same ref again: duplicate_ref */
    s_add_text(&t[2], 2, 2, 1);
    s_add_text(&t[3], 3, 0, 1); /* client 0's seq 1 again, another request: seq_reused */
    s_add_text(&t[4], 4, 4, 1);
    s_batch(t, r, 5);
    char code[64];
    assert_int_equal(s_id_of(r[0].reply, code, sizeof code), 1);
    assert_int_equal(s_id_of(r[1].reply, code, sizeof code), 0);
    assert_string_equal(code, "duplicate_ref");
    assert_int_equal(s_id_of(r[2].reply, code, sizeof code), 2);
    assert_int_equal(s_id_of(r[3].reply, code, sizeof code), 0);
    assert_string_equal(code, "seq_reused");
    assert_int_equal(s_id_of(r[4].reply, code, sizeof code), 3);
    uint64_t items, events;
    s_counts(&items, &events);
    assert_int_equal(items, 3);
    assert_int_equal(events, 6);
    s_audit_ok();
    s_free(r, 5);
}

/*
 * A write that fails after it has begun to change the store (its k-th LMDB
 * write, for every k it makes) is undone whole; the writes before and
 * after it in the batch are committed, with the ids they would have had
 * without it, and its retry then succeeds.
 */
static void test_a_write_failing_part_way_leaves_no_trace_in_its_batch(void **state)
{
    (void)state;
    unsigned long per_add = s_writes_of_one_add();
    assert_true(per_add > 3);
    for (unsigned long k = 1; k <= per_add; k++) {
        s_fresh();
        s_text t[3];
        dispatch_req r[3];
        for (int i = 0; i < 3; i++)
            s_add_text(&t[i], i + 1, i, 1);
        /* the first add's writes, then the k-th of the second's (the batch commits once, at the end) */
        fault_arm(FAULT_LMDB, per_add + k, MDB_MAP_FULL);
        s_batch(t, r, 3);
        int fired = fault_fired(FAULT_LMDB);
        fault_reset();
        assert_true(fired);
        char code[64];
        if (s_id_of(r[0].reply, code, sizeof code) != 1 || s_id_of(r[2].reply, code, sizeof code) != 2)
            fail_msg("k = %lu: %s / %s", k, r[0].reply, r[2].reply);
        assert_int_equal(s_id_of(r[1].reply, code, sizeof code), 0);
        assert_string_equal(code, "storage_full");
        uint64_t items, events;
        s_counts(&items, &events);
        assert_int_equal(items, 2);
        assert_int_equal(events, 4);
        s_audit_ok();
        /* its retry (refusals are not stored) now goes through; the others' are answered as before */
        dispatch_req again[3];
        s_batch(t, again, 3);
        assert_string_equal(again[0].reply, r[0].reply);
        assert_int_equal(s_id_of(again[1].reply, code, sizeof code), 3);
        assert_string_equal(again[2].reply, r[2].reply);
        s_counts(&items, &events);
        assert_int_equal(items, 3);
        s_audit_ok();
        s_free(again, 3);
        s_free(r, 3);
    }
}

/* ---- pages in bytes (dispatch's other half: a long read answered whole) ---- */

/* A notice of user's, stored as rectd stores one, with a text of mib MiB. */
static uint64_t s_big_notice(store_txn *t, const char *user, size_t mib)
{
    size_t n = mib << 20;
    char *rest = malloc(n + 128);
    assert_non_null(rest);
    int hn = snprintf(rest, 128, ",\"recipient\":\"%s\",\"read\":false,\"text\":\"", user);
    memset(rest + hn, 'x', n);
    memcpy(rest + hn + n, "\"}", 2);
    uint64_t id;
    assert_int_equal(store_notice_add_text(t, user, rest, (size_t)hn + n + 2, &id), 0);
    free(rest);
    return id;
}

/* wangyan's inbox after `after` (0: the first page): the ids in *ids, the count returned; *next or 0. */
static size_t s_inbox_page(uint64_t after, uint64_t *ids, size_t cap, uint64_t *next)
{
    s_text t;
    if (after)
        snprintf(t.text, sizeof t.text,
                 "{\"v\":1,\"cmd\":\"inbox\",\"user\":\"wangyan\",\"args\":{\"after\":\"%llu\"}}",
                 (unsigned long long)after);
    else
        snprintf(t.text, sizeof t.text, "{\"v\":1,\"cmd\":\"inbox\",\"user\":\"wangyan\"}");
    dispatch_req r;
    s_batch(&t, &r, 1);
    json_t *j = json_loads(r.reply, 0, NULL);
    assert_non_null(j);
    json_t *res = json_object_get(j, "result"), *arr = json_object_get(res, "notices");
    if (!json_is_array(arr))
        fail_msg("inbox: %.300s", r.reply);
    size_t n = json_array_size(arr);
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint64_t)json_integer_value(json_object_get(json_array_get(arr, i), "id"));
    const char *nx = json_string_value(json_object_get(res, "next"));
    *next = nx ? strtoull(nx, NULL, 10) : 0;
    json_decref(j);
    s_free(&r, 1);
    return n;
}

static void test_an_inbox_page_ends_before_eight_mib_after_at_least_one_notice(void **state)
{
    (void)state;
    s_fresh();
    store_txn *t;
    uint64_t id[5];
    assert_int_equal(store_begin(s_st, 1, NULL, &t), 0);
    for (int i = 0; i < 4; i++)
        id[i] = s_big_notice(t, "wangyan", 3); /* 3 MiB each: two to a page */
    id[4] = s_big_notice(t, "wangyan", 9);     /* more than a page's bytes alone */
    s_big_notice(t, "liming", 3);              /* another user's: never in wangyan's pages */
    assert_int_equal(store_commit(&t), 0);

    uint64_t got[8], next;
    assert_int_equal(s_inbox_page(0, got, 8, &next), 2);
    assert_true(got[0] == id[0] && got[1] == id[1] && next == id[1]);
    assert_int_equal(s_inbox_page(next, got, 8, &next), 2);
    assert_true(got[0] == id[2] && got[1] == id[3] && next == id[3]);
    assert_int_equal(s_inbox_page(next, got, 8, &next), 1); /* alone, although over the bound */
    assert_true(got[0] == id[4] && next == 0);
}

static int s_setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg_load("config/rectd.conf", &s_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (size_t i = 0; i < s_cfg->n_users; i++) {
        rect_key k;
        if (keys_generate(s_cfg->users[i].name, &k) != 0 ||
            !(s_cfg->users[i].public_key = strdup(k.public_z85)))
            return -1;
    }
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(s_dir, sizeof s_dir, "%s/test_batch.XXXXXX", base);
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_data, sizeof s_data, "%s/data", s_dir);
    char clock[300];
    snprintf(clock, sizeof clock, "%s/clock", s_dir);
    FILE *f = fopen(clock, "w");
    if (!f || fputs("2026-12-01T09:00:00+08:00\n", f) < 0 || fclose(f) != 0 || rect_clock_file(clock) != 0)
        return -1;
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    char path[300];
    store_close(&s_st);
    s_rm_data();
    snprintf(path, sizeof path, "%s/clock", s_dir);
    unlink(path);
    rmdir(s_dir);
    rect_clock_file(NULL);
    cfg_destroy(&s_cfg);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    fault_install();
    snprintf(s_log, sizeof s_log, "%s.stderr", argv[0]);
    if ((s_log_fd = open(s_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        perror(s_log);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_writer_of_a_batch_is_committed_and_answered),
        cmocka_unit_test(test_refusals_in_a_batch_leave_the_other_writes_whole),
        cmocka_unit_test(test_a_write_failing_part_way_leaves_no_trace_in_its_batch),
        cmocka_unit_test(test_an_inbox_page_ends_before_eight_mib_after_at_least_one_notice),
    };
    int rc = cmocka_run_group_tests_name("group commit", tests, s_setup, s_teardown);
    close(s_log_fd);
    return rc;
}
