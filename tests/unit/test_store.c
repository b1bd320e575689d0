/*
 * test_store.c - the LMDB layer: the hash chain, refs, indexes, idempotent
 * replies and their pruning, the data_dir lock, the schema guard, and blob
 * reads that refuse bytes which no longer match their address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>
#include <sodium.h>

#include "rect_proto.h"
#include "store.h"

typedef struct {
    char dir[64];
    store *st;
} fixture;

static int s_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[512];
    snprintf(f->dir, sizeof f->dir, "/tmp/rectd-store-XXXXXX");
    if (!mkdtemp(f->dir) || store_open(f->dir, 16, &f->st, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    store_close(&f->st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static json_t *s_event(int item, const char *action)
{
    return json_pack("{sisssssss{s[ns]}ss}", "item", item, "action", action, "actor", "wangyan", "at",
                     "2026-11-29T06:00:00Z", "changes", "state", "claimed", "comment", "备注");
}

static void test_events_form_a_sha256_chain_over_canonical_bytes(void **state)
{
    fixture *f = *state;
    store_txn *t;
    uint64_t seq;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    json_t *e1 = s_event(1, "claim"), *e2 = s_event(2, "claim"), *e3 = s_event(1, "start");
    assert_int_equal(store_event_append(t, e1, &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(store_event_append(t, e2, &seq), 0);
    assert_int_equal(store_event_append(t, e3, &seq), 0);
    assert_int_equal(seq, 3);
    assert_int_equal(store_commit(&t), 0);

    /* Recompute item 1's chain links independently: hash = SHA-256(prev ‖ canonical). */
    assert_int_equal(store_begin(f->st, 0, NULL, &t), 0);
    json_t *events;
    assert_int_equal(store_item_events(t, 1, &events), 0);
    assert_int_equal(json_array_size(events), 2);
    json_t *ev = json_array_get(events, 1);
    assert_int_equal(json_integer_value(json_object_get(ev, "seq")), 3);

    unsigned char prev[32], h[32];
    const char *prev_hex = json_string_value(json_object_get(ev, "prev"));
    assert_int_equal(sodium_hex2bin(prev, 32, prev_hex, 64, NULL, NULL, NULL), 0);
    json_t *bare = json_deep_copy(ev);
    json_object_del(bare, "prev");
    json_object_del(bare, "hash");
    char *canon = json_dumps(bare, JSON_COMPACT | JSON_SORT_KEYS);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, 32);
    crypto_hash_sha256_update(&st, (unsigned char *)canon, strlen(canon));
    crypto_hash_sha256_final(&st, h);
    char hex[65];
    store_hex(h, 32, hex);
    assert_string_equal(hex, json_string_value(json_object_get(ev, "hash")));
    /* The first event links to 32 zero bytes. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(events, 0), "prev")),
                        "0000000000000000000000000000000000000000000000000000000000000000");

    uint64_t items, nev;
    unsigned char head[32];
    assert_int_equal(store_counts(t, &items, &nev, head), 0);
    assert_int_equal(nev, 3);
    assert_memory_equal(head, h, 32);
    store_abort(&t);
    free(canon);
    json_decref(bare);
    json_decref(events);
    json_decref(e1);
    json_decref(e2);
    json_decref(e3);
}

static void test_item_events_of_some_actions_leave_the_others_out(void **state)
{
    fixture *f = *state;
    store_txn *t;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    json_t *e[4] = {s_event(1, "claim"), s_event(1, "evidence"), s_event(2, "evidence"), s_event(1, "urge")};
    /* a key that sorts before "action": the event is parsed to learn its action */
    json_object_set_new(e[3], "about", json_string("x"));
    for (int i = 0; i < 4; i++)
        assert_int_equal(store_event_append(t, e[i], NULL), 0);
    const char *const want[] = {"evidence", "urge", NULL}, *const none[] = {"reply", NULL};
    json_t *evs;
    assert_int_equal(store_item_events_of(t, 1, want, &evs), 0);
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "action")), "evidence");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 0), "seq")), 2);
    assert_non_null(json_object_get(json_array_get(evs, 0), "hash"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 1), "action")), "urge");
    json_decref(evs);
    assert_int_equal(store_item_events_of(t, 1, none, &evs), 0);
    assert_int_equal(json_array_size(evs), 0);
    json_decref(evs);
    assert_int_equal(store_item_events_of(t, 1, NULL, &evs), 0);
    assert_int_equal(json_array_size(evs), 3);
    json_decref(evs);
    store_abort(&t);
    for (int i = 0; i < 4; i++)
        json_decref(e[i]);
}

static void test_refs_are_unique_per_inspection_and_ambiguous_across(void **state)
{
    fixture *f = *state;
    store_txn *t;
    uint64_t id;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    assert_int_equal(store_ref_put(t, "GJ-01", "2025-assessment", 1), 0);
    assert_int_equal(store_ref_put(t, "GJ-01", "2025-assessment", 2), RECT_E_DUPLICATE_REF);
    assert_int_equal(store_ref_find(t, "GJ-01", NULL, &id), 0);
    assert_int_equal(id, 1);
    /* "GJ-0" is a prefix of "GJ-01" but not the same ref. */
    assert_int_equal(store_ref_find(t, "GJ-0", NULL, &id), RECT_E_NOT_FOUND);
    assert_int_equal(store_ref_put(t, "GJ-01", "2026-review", 7), 0);
    assert_int_equal(store_ref_find(t, "GJ-01", NULL, &id), RECT_E_AMBIGUOUS_REF);
    assert_int_equal(store_ref_find(t, "GJ-01", "2026-review", &id), 0);
    assert_int_equal(id, 7);
    store_abort(&t);
}

static int s_collect(store_txn *t, uint64_t id, void *ctx)
{
    (void)t;
    json_array_append_new(ctx, json_integer((json_int_t)id));
    return 0;
}

static void test_indexes_follow_item_changes(void **state)
{
    fixture *f = *state;
    store_txn *t;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    json_t *a = json_pack("{sisssssn}", "id", 1, "state", "claimed", "source", "national", "owner");
    json_t *b = json_pack("{sisssssn}", "id", 2, "state", "claimed", "source", "county", "owner");
    assert_int_equal(store_item_put(t, NULL, a), 0);
    assert_int_equal(store_item_put(t, NULL, b), 0);
    json_t *a2 =
        json_pack("{sissssss}", "id", 1, "state", "assigned", "source", "national", "owner", "liming");
    assert_int_equal(store_item_put(t, a, a2), 0);

    json_t *ids = json_array();
    assert_int_equal(store_scan_index(t, "state", "claimed", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 2);
    json_array_clear(ids);
    assert_int_equal(store_scan_index(t, "owner", "liming", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 1);
    json_array_clear(ids);
    /* "liming" must not match an index value that merely starts with it. */
    assert_int_equal(store_scan_index(t, "owner", "limin", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 0);
    store_abort(&t);
    json_decref(ids);
    json_decref(a);
    json_decref(a2);
    json_decref(b);
}

/* ids as "a b c" for one assert. */
static const char *s_ids(json_t *ids, char *buf, size_t len)
{
    size_t i, n = 0;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(ids, i, v) {
        n += (size_t)snprintf(buf + n, len - n, "%s%lld", i ? " " : "", (long long)json_integer_value(v));
        if (n >= len)
            break;
    }
    json_array_clear(ids);
    return buf;
}

static void test_scans_start_at_a_cursor_and_go_on_in_key_order(void **state)
{
    fixture *f = *state;
    store_txn *t;
    char buf[128];
    json_t *ids = json_array();
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    /* deadlines: 1 and 4 on 03-01, 2 on 02-01, 3 and 5 on 04-01; owners: 1, 3, 5 liming */
    static const char *const day[] = {"2027-03-01", "2027-02-01", "2027-04-01", "2027-03-01", "2027-04-01"};
    for (int i = 0; i < 5; i++) {
        json_t *it = json_pack("{sisssssssn}", "id", i + 1, "state", "assigned", "deadline", day[i], "owner",
                               i % 2 ? "zhaoli" : "liming", "next_review");
        assert_int_equal(store_item_put(t, NULL, it), 0);
        json_decref(it);
    }
    assert_int_equal(store_scan_items_at(t, 3, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "3 4 5");
    assert_int_equal(store_scan_items_at(t, 6, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "");
    /* an index value from an id on: only that value's ids, however many come after */
    assert_int_equal(store_scan_index_at(t, "owner", "liming", 2, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "3 5");
    assert_int_equal(store_scan_index_at(t, "owner", "liming", 0, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "1 3 5");
    /* a range from (value, id) on, in value then id order, up to its end */
    assert_int_equal(store_scan_index_range_at(t, "deadline", NULL, 0, "2027-03-31", s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "2 1 4");
    assert_int_equal(store_scan_index_range_at(t, "deadline", "2027-03-01", 2, NULL, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "4 3 5");
    assert_int_equal(store_scan_index_range_at(t, "deadline", "2027-03-01", 5, "2027-04-01", s_collect, ids),
                     0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "3 5");
    /* a cursor between values (none of its own left) goes on with the next value */
    assert_int_equal(store_scan_index_range_at(t, "deadline", "2027-02-15", 1, NULL, s_collect, ids), 0);
    assert_string_equal(s_ids(ids, buf, sizeof buf), "1 4 3 5");
    store_abort(&t);
    json_decref(ids);
}

static void test_date_indexes_hold_only_the_items_a_date_still_concerns(void **state)
{
    fixture *f = *state;
    store_txn *t;
    json_t *ids = json_array();
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    json_t *open =
        json_pack("{sisssssn}", "id", 1, "state", "rectifying", "deadline", "2026-12-31", "next_review");
    json_t *closed = json_pack("{sissssss}", "id", 1, "state", "closed", "deadline", "2026-12-31",
                               "next_review", "2027-03-01");
    assert_int_equal(store_item_put(t, NULL, open), 0);
    assert_int_equal(store_scan_index(t, "deadline", "2026-12-31", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    /* closing takes it out of the deadline index and into the review index */
    assert_int_equal(store_item_put(t, open, closed), 0);
    json_array_clear(ids);
    assert_int_equal(store_scan_index(t, "deadline", "2026-12-31", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 0);
    assert_int_equal(store_scan_index(t, "next_review", "2027-03-01", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    /* reopening puts it back */
    assert_int_equal(store_item_put(t, closed, open), 0);
    json_array_clear(ids);
    assert_int_equal(store_scan_index(t, "deadline", "2026-12-31", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    json_array_clear(ids);
    assert_int_equal(store_scan_index(t, "next_review", "2027-03-01", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 0);
    store_abort(&t);
    json_decref(ids);
    json_decref(open);
    json_decref(closed);
}

static void test_the_parent_index_holds_children_under_the_parent_id(void **state)
{
    fixture *f = *state;
    store_txn *t;
    json_t *ids = json_array();
    char buf[STORE_INDEX_BUF];
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    json_t *p = json_pack("{siss}", "id", 1, "state", "claimed");
    json_t *k2 = json_pack("{sisssi}", "id", 2, "state", "claimed", "parent", 1);
    json_t *k12 = json_pack("{sisssi}", "id", 12, "state", "claimed", "parent", 1);
    json_t *k3 = json_pack("{sisssi}", "id", 3, "state", "claimed", "parent", 12);
    json_t *k3b = json_pack("{sisssi}", "id", 3, "state", "claimed", "parent", 2);
    assert_null(store_index_value(p, 8, buf));
    assert_string_equal(store_index_value(k12, 8, buf), "1");
    assert_string_equal(store_index_fields[8], "parent");
    assert_int_equal(store_item_put(t, NULL, p), 0);
    assert_int_equal(store_item_put(t, NULL, k12), 0);
    assert_int_equal(store_item_put(t, NULL, k2), 0);
    assert_int_equal(store_item_put(t, NULL, k3), 0);
    /* "1" and not "12": the separator ends the value; children in id order */
    assert_int_equal(store_scan_index(t, "parent", "1", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 2);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 2);
    assert_int_equal(json_integer_value(json_array_get(ids, 1)), 12);
    /* a changed parent moves the entry */
    assert_int_equal(store_item_put(t, k3, k3b), 0);
    json_array_clear(ids);
    assert_int_equal(store_scan_index(t, "parent", "12", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 0);
    assert_int_equal(store_scan_index(t, "parent", "2", s_collect, ids), 0);
    assert_int_equal(json_array_size(ids), 1);
    assert_int_equal(json_integer_value(json_array_get(ids, 0)), 3);
    store_abort(&t);
    json_decref(ids);
    json_decref(p);
    json_decref(k2);
    json_decref(k12);
    json_decref(k3);
    json_decref(k3b);
}

static int s_count(store_txn *t, uint64_t id, void *ctx)
{
    (void)t;
    (void)id;
    ++*(int *)ctx;
    return 0;
}

/* A database written by the rectd of schema version 1 (tests/data/schema1.mdb.gz). */
static void s_unpack_schema1(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "gzip -dc tests/data/schema1.mdb.gz > '%s/data.mdb'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_a_version_1_database_gets_its_parent_index_at_open(void **state)
{
    fixture *f = *state;
    store_close(&f->st);
    char cmd[128], err[512];
    snprintf(cmd, sizeof cmd, "rm -f '%s'/*.mdb", f->dir);
    assert_int_equal(system(cmd), 0);
    s_unpack_schema1(f->dir);
    /* read-only (a backup being checked): it opens, without the index */
    store *ro;
    store_txn *t;
    assert_int_equal(store_open_copy(f->dir, &ro, err, sizeof err), 0);
    assert_int_equal(store_begin(ro, 0, NULL, &t), 0);
    assert_int_equal(store_index_present(t, 8), 0);
    assert_int_equal(store_index_present(t, 0), 1);
    int n = 0;
    assert_int_equal(store_scan_index(t, "parent", "3", s_count, &n), RECT_E_INTERNAL);
    store_abort(&t);
    store_close(&ro);
    /* opened by rectd: migrated, the index built from the items (GJ-03 is item 3: ZC-01, ZC-02) */
    assert_int_equal(store_open(f->dir, 16, &f->st, err, sizeof err), 0);
    assert_int_equal(store_begin(f->st, 0, NULL, &t), 0);
    assert_int_equal(store_index_present(t, 8), 1);
    assert_int_equal(store_scan_index(t, "parent", "3", s_count, &n), 0);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(store_scan_index(t, "parent", "30", s_count, &n), 0); /* ZC-01 */
    assert_int_equal(n, 1);
    store_abort(&t);
    store_close(&f->st);
    /* and it says version 2 now */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {6, "schema"}, val;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    assert_int_equal(mdb_get(txn, dbi, &k, &val), 0);
    assert_int_equal(val.mv_size, 4);
    assert_memory_equal(val.mv_data, "\0\0\0\2", 4);
    mdb_txn_abort(txn);
    mdb_env_close(env);
}

static void test_replies_are_kept_and_pruned_oldest_first(void **state)
{
    fixture *f = *state;
    store_txn *t;
    char *buf;
    size_t len;
    unsigned char digest[32], got[32];
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    for (uint64_t seq = 1; seq <= 5; seq++) {
        char text[32];
        snprintf(text, sizeof text, "{\"ok\":true,\"n\":%llu}", (unsigned long long)seq);
        memset(digest, (int)seq, sizeof digest);
        assert_int_equal(store_reply_put(t, "c1", seq, digest, text, strlen(text), 3), 0);
    }
    assert_int_equal(store_reply_get(t, "c1", 1, got, &buf, &len), RECT_E_NOT_FOUND);
    assert_int_equal(store_reply_get(t, "c1", 2, got, &buf, &len), RECT_E_NOT_FOUND);
    assert_int_equal(store_reply_get(t, "c1", 3, got, &buf, &len), 0);
    assert_string_equal(buf, "{\"ok\":true,\"n\":3}");
    assert_int_equal(len, strlen(buf));
    memset(digest, 3, sizeof digest);
    assert_memory_equal(got, digest, sizeof digest);
    free(buf);
    assert_int_equal(store_reply_get(t, "c1", 5, got, &buf, &len), 0);
    memset(digest, 5, sizeof digest);
    assert_memory_equal(got, digest, sizeof digest);
    free(buf);
    assert_int_equal(store_reply_get(t, "c2", 5, got, &buf, &len), RECT_E_NOT_FOUND);
    store_abort(&t);
}

/* Count the stored replies of client c1 among seqs 1..n. */
static int s_replies_kept(store_txn *t, uint64_t n, uint64_t *oldest)
{
    int kept = 0;
    *oldest = 0;
    for (uint64_t seq = 1; seq <= n; seq++) {
        unsigned char got[32];
        char *buf;
        size_t len;
        if (store_reply_get(t, "c1", seq, got, &buf, &len) == 0) {
            kept++;
            free(buf);
            if (!*oldest)
                *oldest = seq;
        }
    }
    return kept;
}

/* With keep = 1600: pruned in steps of 100 (keep/16), never below keep, always the oldest. */
static void test_replies_are_pruned_in_steps_never_below_keep(void **state)
{
    fixture *f = *state;
    store_txn *t;
    unsigned char digest[32] = {0};
    uint64_t oldest;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    for (uint64_t seq = 1; seq <= 1800; seq++) {
        assert_int_equal(store_reply_put(t, "c1", seq, digest, "{}", 2, 1600), 0);
        if (seq == 1700) { /* keep + 100: not yet */
            assert_int_equal(s_replies_kept(t, seq, &oldest), 1700);
            assert_int_equal(oldest, 1);
        }
        if (seq == 1701) { /* one more: down to keep, the oldest gone */
            assert_int_equal(s_replies_kept(t, seq, &oldest), 1600);
            assert_int_equal(oldest, 102);
        }
    }
    assert_int_equal(s_replies_kept(t, 1800, &oldest), 1699);
    assert_int_equal(oldest, 102);
    store_abort(&t);
}

static void test_second_open_of_a_data_dir_is_refused(void **state)
{
    fixture *f = *state;
    store *other = NULL;
    char err[512];
    assert_int_not_equal(store_open(f->dir, 16, &other, err, sizeof err), 0);
    assert_null(other);
    assert_non_null(strstr(err, "already using data_dir"));
    assert_non_null(strstr(err, f->dir));
}

static void test_blob_read_returns_slices_and_refuses_damaged_bytes(void **state)
{
    fixture *f = *state;
    store_txn *t;
    unsigned char sha[32];
    static const char data[] = "0123456789abcdef";
    char *out;
    size_t n;
    uint64_t total;
    assert_int_equal(store_begin(f->st, 1, NULL, &t), 0);
    assert_int_equal(store_blob_put(t, data, 16, sha), 0);
    assert_int_equal(store_commit(&t), 0);

    assert_int_equal(store_begin(f->st, 0, NULL, &t), 0);
    assert_int_equal(store_blob_read(t, sha, 4, 5, &out, &n, &total), 0);
    assert_int_equal(n, 5);
    assert_int_equal(total, 16);
    assert_memory_equal(out, "45678", 5);
    free(out);
    assert_int_equal(store_blob_read(t, sha, 12, 100, &out, &n, &total), 0); /* clipped at the end */
    assert_int_equal(n, 4);
    assert_memory_equal(out, "cdef", 4);
    free(out);
    assert_int_equal(store_blob_read(t, sha, 16, 10, &out, &n, &total), 0); /* at the end: nothing */
    assert_int_equal(n, 0);
    assert_null(out);
    assert_int_equal(store_blob_read(t, sha, 17, 10, &out, &n, &total), RECT_E_BAD_VALUE);
    unsigned char other[32] = {1};
    assert_int_equal(store_blob_read(t, other, 0, 10, &out, &n, &total), RECT_E_NOT_FOUND);
    store_abort(&t);

    /* One bit flipped behind the store's back: no byte of it is returned. */
    store_close(&f->st);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "blobs", 0, &dbi), 0);
    char bad[16];
    memcpy(bad, data, 16);
    bad[7] ^= 1;
    MDB_val k = {32, sha}, val = {16, bad};
    assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    char err[512];
    assert_int_equal(store_open(f->dir, 16, &f->st, err, sizeof err), 0);
    assert_int_equal(store_begin(f->st, 0, NULL, &t), 0);
    assert_int_equal(store_blob_read(t, sha, 0, 1, &out, &n, &total), RECT_E_DAMAGED);
    assert_null(out);
    assert_int_equal(n, 0);
    assert_int_equal(total, 16);
    store_abort(&t);
}

static void test_newer_schema_is_refused_with_a_clear_message(void **state)
{
    fixture *f = *state;
    store_close(&f->st);
    /* Write schema version 99 behind the store's back, as a newer rectd would. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 32);
    assert_int_equal(mdb_env_open(env, f->dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
    unsigned char v[4] = {0, 0, 0, 99};
    MDB_val k = {6, "schema"}, val = {4, v};
    assert_int_equal(mdb_put(txn, dbi, &k, &val, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    char err[512];
    assert_int_not_equal(store_open(f->dir, 16, &f->st, err, sizeof err), 0);
    assert_non_null(strstr(err, "newer rectd"));
    assert_non_null(strstr(err, "99"));
}

/* Two events committed, for the backup tests. */
static void s_two_events(store *st)
{
    store_txn *t;
    assert_int_equal(store_begin(st, 1, NULL, &t), 0);
    json_t *e1 = s_event(1, "claim"), *e2 = s_event(2, "claim");
    assert_int_equal(store_event_append(t, e1, NULL), 0);
    assert_int_equal(store_event_append(t, e2, NULL), 0);
    assert_int_equal(store_commit(&t), 0);
    json_decref(e1);
    json_decref(e2);
}

static void test_a_backup_is_a_0600_copy_that_opens_read_only_with_the_same_head(void **state)
{
    fixture *f = *state;
    char bk[128], file[160], err[512];
    s_two_events(f->st);
    snprintf(bk, sizeof bk, "%s.bk", f->dir);
    assert_int_equal(mkdir(bk, 0700), 0);
    assert_int_equal(store_backup(f->st, bk, err, sizeof err), 0);
    snprintf(file, sizeof file, "%s/data.mdb", bk);
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* a second copy into the same folder never overwrites the first */
    assert_int_not_equal(store_backup(f->st, bk, err, sizeof err), 0);

    store *copy = NULL;
    assert_int_equal(store_open_copy(bk, &copy, err, sizeof err), 0);
    store_txn *a, *b;
    uint64_t na, nb;
    unsigned char ha[32], hb[32];
    assert_int_equal(store_begin(f->st, 0, NULL, &a), 0);
    assert_int_equal(store_begin(copy, 0, NULL, &b), 0);
    assert_int_equal(store_head(a, &na, ha), 0);
    assert_int_equal(store_head(b, &nb, hb), 0);
    assert_int_equal(na, 3);
    assert_int_equal(nb, 3);
    assert_memory_equal(ha, hb, 32);
    store_abort(&a);
    store_abort(&b);
    /* read-only: no write transaction, and no lock file was made beside it */
    store_txn *w = NULL;
    assert_int_not_equal(store_begin(copy, 1, NULL, &w), 0);
    store_close(&copy);
    snprintf(file, sizeof file, "%s/lock.mdb", bk);
    assert_int_not_equal(access(file, F_OK), 0);

    /* installing it: refused over the live database (locked), and over a database without force */
    assert_int_equal(store_open_copy(bk, &copy, err, sizeof err), 0);
    assert_int_not_equal(store_install_copy(copy, f->dir, 1, err, sizeof err), 0);
    assert_non_null(strstr(err, "a rectd is running"));
    store_close(&f->st);
    assert_int_not_equal(store_install_copy(copy, f->dir, 0, err, sizeof err), 0);
    assert_non_null(strstr(err, "already holds a database"));
    assert_int_equal(store_install_copy(copy, f->dir, 1, err, sizeof err), 0);
    store_close(&copy);
    assert_int_equal(store_open(f->dir, 16, &f->st, err, sizeof err), 0);

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bk);
    assert_int_equal(system(cmd), 0);
}

static void test_a_torn_or_foreign_copy_is_refused(void **state)
{
    fixture *f = *state;
    char bk[128], file[160], err[512];
    s_two_events(f->st);
    snprintf(bk, sizeof bk, "%s.torn", f->dir);
    assert_int_equal(mkdir(bk, 0700), 0);
    assert_int_equal(store_backup(f->st, bk, err, sizeof err), 0);
    snprintf(file, sizeof file, "%s/data.mdb", bk);
    struct stat sb;
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(truncate(file, sb.st_size / 2), 0);
    store *copy = NULL;
    assert_int_not_equal(store_open_copy(bk, &copy, err, sizeof err), 0);
    assert_null(copy);
    assert_non_null(strstr(err, "torn"));
    /* an LMDB database that is not rectd's */
    assert_int_equal(unlink(file), 0);
    MDB_env *env;
    MDB_txn *txn;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, bk, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    assert_int_not_equal(store_open_copy(bk, &copy, err, sizeof err), 0);
    assert_non_null(strstr(err, "not a rectd database"));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", bk);
    assert_int_equal(system(cmd), 0);
}

/*
 * store_shed: not due until the file grew by 32 MiB; refused while a
 * transaction runs; then the environment is opened again with everything
 * in it, and reads and writes go on.
 */
static void test_shed_reopens_the_environment_only_when_due_and_idle(void **state)
{
    (void)state;
    char dir[64] = "/tmp/rectd-shed-XXXXXX", err[512], cmd[128];
    store *st;
    store_txn *t, *r;
    static char blob[256 << 10];
    unsigned char sha[32], last[32];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(store_open(dir, 256, &st, err, sizeof err), 0);
    assert_int_equal(store_shed(st, err, sizeof err), 1); /* nothing grew */
    for (int i = 0; i < 160; i++) {                       /* 40 MiB of distinct blobs, one transaction */
        memset(blob, 'a' + i % 26, sizeof blob);
        memcpy(blob, &i, sizeof i);
        if (i == 0)
            assert_int_equal(store_begin(st, 1, NULL, &t), 0);
        assert_int_equal(store_blob_put(t, blob, sizeof blob, last), 0);
        if (i == 0)
            memcpy(sha, last, sizeof sha);
    }
    assert_int_equal(store_commit(&t), 0);
    assert_int_equal(store_begin(st, 0, NULL, &r), 0);
    assert_int_equal(store_shed(st, err, sizeof err), 1); /* a reader runs: not now */
    store_abort(&r);
    assert_int_equal(store_shed(st, err, sizeof err), 0);
    assert_int_equal(store_shed(st, err, sizeof err), 1); /* done: not due again */
    uint64_t size;
    assert_int_equal(store_begin(st, 0, NULL, &r), 0);
    assert_int_equal(store_blob_size(r, sha, &size), 0);
    assert_int_equal(size, sizeof blob);
    assert_int_equal(store_blob_size(r, last, &size), 0);
    store_abort(&r);
    assert_int_equal(store_begin(st, 1, NULL, &t), 0); /* writes go on */
    assert_int_equal(store_blob_put(t, "after", 5, last), 0);
    assert_int_equal(store_commit(&t), 0);
    store_close(&st);
    assert_int_equal(store_open(dir, 256, &st, err, sizeof err), 0); /* and it is all on disk */
    assert_int_equal(store_begin(st, 0, NULL, &r), 0);
    assert_int_equal(store_blob_size(r, last, &size), 0);
    assert_int_equal(size, 5);
    store_abort(&r);
    store_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events_form_a_sha256_chain_over_canonical_bytes, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_item_events_of_some_actions_leave_the_others_out, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_refs_are_unique_per_inspection_and_ambiguous_across, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_indexes_follow_item_changes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_scans_start_at_a_cursor_and_go_on_in_key_order, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_date_indexes_hold_only_the_items_a_date_still_concerns, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_replies_are_pruned_in_steps_never_below_keep, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_the_parent_index_holds_children_under_the_parent_id, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_a_version_1_database_gets_its_parent_index_at_open, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_replies_are_kept_and_pruned_oldest_first, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_second_open_of_a_data_dir_is_refused, s_setup, s_teardown),
        cmocka_unit_test(test_shed_reopens_the_environment_only_when_due_and_idle),
        cmocka_unit_test_setup_teardown(test_newer_schema_is_refused_with_a_clear_message, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_blob_read_returns_slices_and_refuses_damaged_bytes, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_a_backup_is_a_0600_copy_that_opens_read_only_with_the_same_head,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_torn_or_foreign_copy_is_refused, s_setup, s_teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
