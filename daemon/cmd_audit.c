/*
 * cmd_audit.c - checks an inspector can run against the record: the hash
 * chain, the indexes and the replay of items and inspections (audit_verify,
 * optionally against a signed anchor that audit_anchor gave out earlier),
 * evidence files filed on several items (audit_reuse, and show's
 * "reused_by"), and reconciliation with another office's list (reconcile).
 * All read-only.
 */
#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ledger.h"
#include "fault.h"
#include "item.h"
#include "rect_plan.h"
#include "rect_proto.h"
#include "rect_text.h"
#include "replay.h"
#include "sign.h"

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

static uint64_t s_get64(const unsigned char *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

/* 64 hex digits into 32 bytes; -1 if not hex. */
static int s_unhex(const char *hex, unsigned char out[32])
{
    if (!hex || strlen(hex) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            v = v * 16 + (unsigned)(ch >= '0' && ch <= '9'   ? ch - '0'
                                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                                             : 99);
        }
        if (v > 255)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* ---- audit_verify ------------------------------------------------------------- */

typedef struct {
    cmd_ctx *c;
    replay *r;
    uint64_t expect;        /* next seq expected */
    unsigned char prev[32]; /* hash of the last good event */
    uint64_t *ev_item;      /* ev_item[seq] = item of event seq */
    unsigned char *seen;    /* seen[seq]: found in item_events */
    size_t cap;
    json_t *uses;      /* "sha:item:seq" -> true, expected blob_uses entries */
    json_t *insp_left; /* inspections replayed but not yet found stored */
    json_t *backups;   /* [seq, events, head] of each backup event, checked after the chain */
    json_t **items;    /* stored items by id */
    uint64_t n_items;  /* items[] has n_items + 1 slots */
    unsigned *count;   /* entries per item in the index being checked */
    const char *field; /* the index being checked */
    int index;         /* its number in store_index_fields */
    uint64_t bad_seq;
    char problem[768];
    int failed;
    uint64_t anchor_seq;           /* audit_verify's anchor: its seq (0: none) */
    unsigned char anchor_hash[32]; /* the hash it names */
    unsigned char at_anchor[32];   /* the recomputed hash of event anchor_seq */
} s_audit;

static int s_problem(s_audit *a, uint64_t seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_problem(s_audit *a, uint64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->problem, sizeof a->problem, fmt, ap);
    va_end(ap);
    a->bad_seq = seq;
    a->failed = 1;
    return 1; /* stop the walk */
}

/* The stored prev as the event's "prev", so the replay checks what a sign event says it signs. */
static int s_with_prev(json_t *e, const unsigned char *prev)
{
    char hex[65];
    if (!prev)
        return 0;
    store_hex(prev, 32, hex);
    return json_object_set_new(e, "prev", json_string(hex)) ? RECT_E_NOMEM : 0;
}

static int s_chain_one(const store_raw_event *ev, void *ctx)
{
    s_audit *a = ctx;
    uint64_t s = a->expect;
    if (ev->seq != s)
        return s_problem(a, s, "seq %llu: missing (the next stored event is seq %llu)", (unsigned long long)s,
                         (unsigned long long)ev->seq);
    if (!ev->canon)
        return s_problem(a, s, "seq %llu: the stored value is too short to hold prev and hash",
                         (unsigned long long)s);
    if (memcmp(ev->prev, a->prev, 32) != 0)
        return s_problem(a, s, "seq %llu: its stored prev is not the hash of seq %llu", (unsigned long long)s,
                         (unsigned long long)(s - 1));
    unsigned char h[32];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, ev->prev, 32);
    crypto_hash_sha256_update(&st, (const unsigned char *)ev->canon, ev->len);
    crypto_hash_sha256_final(&st, h);
    if (memcmp(h, ev->hash, 32) != 0)
        return s_problem(
            a, s,
            "seq %llu: the stored hash does not match the event's bytes: the event was changed after it was recorded",
            (unsigned long long)s);
    int nomem;
    json_t *e = fault_loadb(ev->canon, ev->len, JSON_REJECT_DUPLICATES, NULL, &nomem);
    if (!e && nomem)
        return RECT_E_NOMEM;
    if (!e)
        return s_problem(a, s, "seq %llu: the canonical bytes are not JSON", (unsigned long long)s);
    char *again = fault_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
    int canonical = again && strlen(again) == ev->len && memcmp(again, ev->canon, ev->len) == 0;
    free(again);
    json_t *files = json_object_get(e, "files"), *f;
    uint64_t item = (uint64_t)json_integer_value(json_object_get(e, "item"));
    const char *action = json_string_value(json_object_get(e, "action"));
    if (item == 0 && action && strcmp(action, rect_action_names[RECT_ACT_BACKUP]) == 0) {
        json_t *ch = json_object_get(e, "changes");
        if (json_array_append_new(a->backups, json_pack("[IO?O?]", (json_int_t)s,
                                                        json_array_get(json_object_get(ch, "events"), 1),
                                                        json_array_get(json_object_get(ch, "head"), 1)))) {
            json_decref(e);
            return RECT_E_NOMEM;
        }
    }
    char why[256];
    int rc = 0;
    if (!canonical)
        rc = s_problem(a, s, "seq %llu: the stored bytes are not in canonical form", (unsigned long long)s);
    else if (json_integer_value(json_object_get(e, "seq")) != (json_int_t)s)
        rc = s_problem(a, s, "seq %llu: the event says seq %lld", (unsigned long long)s,
                       (long long)json_integer_value(json_object_get(e, "seq")));
    else if ((rc = s_with_prev(e, ev->prev)) || (rc = replay_apply(a->r, e, why, sizeof why)) != 0)
        rc = rc == RECT_E_NOMEM ? rc
                                : s_problem(a, s, "seq %llu does not replay: %s", (unsigned long long)s, why);
    size_t i;
    json_array_foreach(files, i, f) {
        char key[128];
        snprintf(key, sizeof key, "%s:%llu:%llu", json_string_value(json_object_get(f, "sha256")),
                 (unsigned long long)item, (unsigned long long)s);
        if (!rc && json_object_set_new(a->uses, key, json_true()))
            rc = RECT_E_NOMEM;
    }
    json_decref(e);
    if (rc)
        return rc;
    if (s >= a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 1024;
        while (cap <= s)
            cap *= 2;
        uint64_t *n = realloc(a->ev_item, cap * sizeof *n);
        if (!n)
            return RECT_E_NOMEM;
        a->ev_item = n;
        a->cap = cap;
    }
    a->ev_item[s] = item;
    if (s == a->anchor_seq)
        memcpy(a->at_anchor, h, 32);
    memcpy(a->prev, h, 32);
    a->expect = s + 1;
    return 0;
}

/*
 * Each backup event names the head its copy covers: the hash of an earlier
 * event, which the chain walk has just verified. A head that is not that
 * hash was not written by rectd (replay_apply checked the shape already).
 */
static int s_check_backups(s_audit *a, store_txn *t)
{
    size_t i;
    json_t *b;
    json_array_foreach(a->backups, i, b) {
        json_int_t seq = json_integer_value(json_array_get(b, 0)),
                   n = json_integer_value(json_array_get(b, 1));
        const char *head = json_string_value(json_array_get(b, 2));
        char want[65] = "0000000000000000000000000000000000000000000000000000000000000000";
        json_t *ev = NULL;
        if (n > 0) {
            int rc = store_event_get(t, (uint64_t)n, &ev);
            if (rc)
                return rc;
            snprintf(want, sizeof want, "%s", json_string_value(json_object_get(ev, "hash")));
            json_decref(ev);
        }
        if (!head || strcmp(head, want) != 0) {
            s_problem(a, (uint64_t)seq,
                      "seq %lld: the backup event says the head at seq %lld is %.16s…, but the hash "
                      "of seq %lld is %.16s…: the event was not written by rectd",
                      (long long)seq, (long long)n, head ? head : "?", (long long)n, want);
            return 0;
        }
    }
    return 0;
}

static int s_load_item(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    s_audit *a = ctx;
    if (id > a->n_items) {
        uint64_t n = a->n_items ? 2 * a->n_items : 1024;
        while (n < id)
            n *= 2;
        json_t **items = realloc(a->items, (n + 1) * sizeof *items);
        if (!items)
            return RECT_E_NOMEM;
        memset(items + a->n_items + (a->n_items ? 1 : 0), 0,
               (n + 1 - a->n_items - (a->n_items ? 1 : 0)) * sizeof *items);
        a->items = items;
        a->n_items = n;
    }
    a->items[id] = json_incref(item);
    return 0;
}

static json_t *s_item(s_audit *a, uint64_t id)
{
    return id >= 1 && id <= a->n_items ? a->items[id] : NULL;
}

static const char *s_ref(s_audit *a, uint64_t id)
{
    const char *r = json_string_value(json_object_get(s_item(a, id), "ref"));
    return r ? r : "?";
}

/* An entry value ‖ 0 ‖ id of a secondary index. */
static int s_index_entry(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    s_audit *a = ctx;
    const unsigned char *k = key;
    (void)val;
    (void)vlen;
    if (klen < 9 || k[klen - 9] != 0 || memchr(k, 0, klen - 9))
        return s_problem(a, 0, "index %s holds a malformed key (%zu bytes)", a->field, klen);
    uint64_t id = s_get64(k + klen - 8);
    char buf[STORE_INDEX_BUF];
    const char *have = store_index_value(s_item(a, id), a->index, buf);
    int vl = (int)(klen - 9);
    if (!s_item(a, id))
        return s_problem(a, 0, "index %s has an entry \"%.*s\" for item %llu, which does not exist", a->field,
                         vl, (const char *)k, (unsigned long long)id);
    if (!have || strlen(have) != klen - 9 || memcmp(have, k, klen - 9) != 0)
        return s_problem(a, 0, "index %s has a stale entry \"%.*s\" for item %llu (%s), which holds %s%s%s",
                         a->field, vl, (const char *)k, (unsigned long long)id, s_ref(a, id),
                         have ? "\"" : "", have ? have : "null", have ? "\"" : "");
    a->count[id]++;
    return 0;
}

static int s_ref_entry(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    s_audit *a = ctx;
    const char *k = key, *nul = memchr(key, 0, klen);
    if (!nul || vlen != 8)
        return s_problem(a, 0, "index refs holds a malformed entry");
    uint64_t id = s_get64(val);
    json_t *it = s_item(a, id);
    const char *ref = json_string_value(json_object_get(it, "ref"));
    const char *insp = json_string_value(json_object_get(it, "inspection"));
    size_t rl = (size_t)(nul - k), il = klen - rl - 1;
    if (!it || !ref || strlen(ref) != rl || memcmp(ref, k, rl) != 0 || strlen(insp ? insp : "") != il ||
        memcmp(insp ? insp : "", nul + 1, il) != 0)
        return s_problem(a, 0, "index refs maps %.*s/%.*s to item %llu, which %s", (int)il, nul + 1, (int)rl,
                         k, (unsigned long long)id, it ? "has another ref or inspection" : "does not exist");
    a->count[id]++;
    return 0;
}

static int s_item_event_entry(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    s_audit *a = ctx;
    (void)val;
    (void)vlen;
    if (klen != 16)
        return s_problem(a, 0, "index item_events holds a malformed key");
    uint64_t id = s_get64(key), seq = s_get64((const unsigned char *)key + 8);
    if (id == 0)
        return s_problem(a, 0, "index item_events lists seq %llu under item 0, which is no item",
                         (unsigned long long)seq);
    if (seq == 0 || seq >= a->expect || a->ev_item[seq] != id)
        return s_problem(a, 0,
                         "index item_events lists seq %llu under item %llu, but that event is not the item's",
                         (unsigned long long)seq, (unsigned long long)id);
    a->seen[seq] = 1;
    return 0;
}

static int s_use_entry(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    s_audit *a = ctx;
    (void)val;
    (void)vlen;
    if (klen != 48)
        return s_problem(a, 0, "index blob_uses holds a malformed key");
    char hex[65], k[128];
    store_hex(key, 32, hex);
    uint64_t id = s_get64((const unsigned char *)key + 32), seq = s_get64((const unsigned char *)key + 40);
    snprintf(k, sizeof k, "%s:%llu:%llu", hex, (unsigned long long)id, (unsigned long long)seq);
    if (!json_object_get(a->uses, k))
        return s_problem(
            a, 0, "index blob_uses says item %llu filed file %.12s… at seq %llu, but no such event names it",
            (unsigned long long)id, hex, (unsigned long long)seq);
    json_object_del(a->uses, k);
    return 0;
}

/* Check every index against the stored items; 0 (a->failed set on a problem) or rect_err. */
static int s_check_indexes(s_audit *a, store_txn *t)
{
    int rc;
    if (!(a->count = calloc(a->n_items + 1, sizeof *a->count)))
        return RECT_E_NOMEM;
    for (int i = 0; i < store_index_count && !a->failed; i++) {
        if (!store_index_present(t, i)) /* a backup of an older schema: built when it is restored */
            continue;
        a->field = store_index_fields[i];
        a->index = i;
        memset(a->count, 0, (a->n_items + 1) * sizeof *a->count);
        if ((rc = store_scan_entries(t, a->field, s_index_entry, a)) < 0)
            return rc;
        for (uint64_t id = 1; id <= a->n_items && !a->failed; id++) {
            char buf[STORE_INDEX_BUF];
            const char *v = store_index_value(a->items[id], i, buf);
            if (a->items[id] && v && a->count[id] != 1)
                s_problem(a, 0, "item %llu (%s): its entry \"%s\" in index %s is missing",
                          (unsigned long long)id, s_ref(a, id), v, a->field);
        }
    }
    if (a->failed)
        return 0;
    memset(a->count, 0, (a->n_items + 1) * sizeof *a->count);
    if ((rc = store_scan_entries(t, "refs", s_ref_entry, a)) < 0)
        return rc;
    for (uint64_t id = 1; id <= a->n_items && !a->failed; id++)
        if (a->items[id] && a->count[id] != 1)
            s_problem(a, 0, "item %llu (%s): its entry in index refs is missing", (unsigned long long)id,
                      s_ref(a, id));
    if (a->failed)
        return 0;
    if (!(a->seen = calloc(a->expect + 1, 1)))
        return RECT_E_NOMEM;
    if ((rc = store_scan_entries(t, "item_events", s_item_event_entry, a)) < 0)
        return rc;
    for (uint64_t s = 1; s < a->expect && !a->failed; s++)
        if (!a->seen[s] && a->ev_item[s] != 0) /* item 0: inspection events have no item history */
            s_problem(a, 0, "item %llu (%s): event seq %llu is missing from index item_events",
                      (unsigned long long)a->ev_item[s], s_ref(a, a->ev_item[s]), (unsigned long long)s);
    if (a->failed)
        return 0;
    if ((rc = store_scan_entries(t, "blob_uses", s_use_entry, a)) < 0)
        return rc;
    const char *k;
    json_t *v;
    json_object_foreach(a->uses, k, v) {
        s_problem(a, 0, "index blob_uses lacks a file use named by an event (%s)", k);
        break;
    }
    return 0;
}

/* Every stored item equals the replay of its events. */
static void s_check_replay(s_audit *a)
{
    uint64_t max = replay_max_id(a->r) > a->n_items ? replay_max_id(a->r) : a->n_items;
    for (uint64_t id = 1; id <= max && !a->failed; id++) {
        json_t *have = s_item(a, id), *want = replay_item(a->r, id);
        if (!have && !want)
            continue;
        if (!have || !want) {
            s_problem(a, 0,
                      have ? "item %llu (%s) is stored but has no events"
                           : "events name item %llu (%s), which is not stored",
                      (unsigned long long)id, have ? s_ref(a, id) : "?");
            return;
        }
        if (json_equal(have, want))
            continue;
        const char *f;
        json_t *v;
        const char *diff = "?";
        json_object_foreach(have, f, v)
            if (!json_equal(v, json_object_get(want, f))) {
                diff = f;
                break;
            }
        if (strcmp(diff, "?") == 0)
            json_object_foreach(want, f, v)
                if (!json_object_get(have, f)) {
                    diff = f;
                    break;
                }
        s_problem(a, 0, "item %llu (%s) differs from the replay of its events (field %s)",
                  (unsigned long long)id, s_ref(a, id), diff);
    }
}

/* One stored inspection record against the replay; found names are removed from a->insp_left. */
static int s_insp_entry(const void *key, size_t klen, const void *val, size_t vlen, void *ctx)
{
    s_audit *a = ctx;
    char name[RECT_MAX_NAME + 1];
    if (klen == 0 || klen > RECT_MAX_NAME || memchr(key, 0, klen))
        return s_problem(a, 0, "the inspections hold a malformed name (%zu bytes)", klen);
    memcpy(name, key, klen);
    name[klen] = '\0';
    json_t *want = json_object_get(a->insp_left, name);
    if (!want)
        return s_problem(a, 0, "inspection %s is stored but no event records it", name);
    int nomem;
    json_t *have = fault_loadb(val, vlen, JSON_REJECT_DUPLICATES, NULL, &nomem);
    if (!have && nomem)
        return RECT_E_NOMEM;
    if (!have) {
        s_problem(a, 0, "inspection %s: the stored record is not JSON", name);
    } else if (!json_equal(have, want)) {
        const char *f = NULL, *k;
        json_t *v;
        json_object_foreach(want, k, v)
            if (!json_equal(v, json_object_get(have, k))) {
                f = k;
                break;
            }
        if (!f)
            json_object_foreach(have, k, v)
                if (!json_object_get(want, k)) {
                    f = k;
                    break;
                }
        s_problem(a, 0, "inspection %s: %s differs from the event log", name, f ? f : "the record");
    }
    json_decref(have);
    if (a->failed)
        return 1;
    json_object_del(a->insp_left, name);
    return 0;
}

/* Every stored inspection record equals the replay of the inspection events, and each of those is stored. */
static int s_check_inspections(s_audit *a, store_txn *t)
{
    int rc;
    if (!(a->insp_left = json_deep_copy(replay_inspections(a->r))))
        return RECT_E_NOMEM;
    if ((rc = store_scan_entries(t, "inspections", s_insp_entry, a)) < 0)
        return rc;
    const char *k;
    json_t *v;
    if (!a->failed)
        json_object_foreach(a->insp_left, k, v) {
            s_problem(a, 0, "inspection %s is recorded by events but not stored", k);
            break;
        }
    return 0;
}

/*
 * The anchor argument of audit_verify: its signature must be rectd's
 * (else a problem), then a->anchor_seq and anchor_hash name what the chain
 * must still hold. 0 (a->failed set on a bad signature) or a refusal.
 */
static int s_anchor_arg(s_audit *a, const json_t *anchor)
{
    char why[512];
    int rc = sign_anchor_check(anchor, why, sizeof why);
    if (rc == RECT_E_PERMISSION_DENIED) {
        s_problem(a, 0, "%s", why);
        return 0;
    }
    if (rc)
        return cmd_fail(a->c, rc,
                        rc == RECT_E_BAD_VALUE ? "audit_verify: %s"
                                               : "audit_verify: cannot check the anchor (%s)",
                        rc == RECT_E_BAD_VALUE ? why : rect_err_name(rc));
    a->anchor_seq = (uint64_t)json_integer_value(json_object_get(anchor, "seq"));
    s_unhex(json_string_value(json_object_get(anchor, "hash")), a->anchor_hash); /* checked above */
    return 0;
}

/* After a whole good chain of n events: does it still extend the anchor? */
static void s_check_anchor(s_audit *a, uint64_t n, const char *at)
{
    char want[65], have[65];
    store_hex(a->anchor_hash, 32, want);
    store_hex(a->at_anchor, 32, have);
    if (a->anchor_seq > n)
        s_problem(a, n + 1,
                  "the record ends at seq %llu, before seq %llu of the anchor taken at %s: events were "
                  "removed since (the database was truncated or rolled back, or it is another one)",
                  (unsigned long long)n, (unsigned long long)a->anchor_seq, at);
    else if (memcmp(a->at_anchor, a->anchor_hash, 32) != 0)
        s_problem(a, a->anchor_seq,
                  "seq %llu: its hash is %.16s…, but the anchor taken at %s says %.16s…: the "
                  "record up to seq %llu was rewritten since (or replaced by another history)",
                  (unsigned long long)a->anchor_seq, have, at, want, (unsigned long long)a->anchor_seq);
}

int cmd_audit_verify(cmd_ctx *c)
{
    s_audit a = {.c = c, .expect = 1};
    unsigned char head[32];
    uint64_t next = 0;
    char hex[65];
    json_t *anchor = json_object_get(c->args, "anchor"), *anchor_out = json_null();
    int rc;
    if (!(a.r = replay_new()) || !(a.uses = json_object()) || !(a.backups = json_array())) {
        rc = s_nomem(c);
        goto done;
    }
    if (anchor && (rc = s_anchor_arg(&a, anchor)))
        goto done;
    if (!a.failed && ((rc = store_scan_events(c->txn, 1, s_chain_one, &a)) < 0 ||
                      (rc = store_head(c->txn, &next, head)))) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the event log");
        goto done;
    }
    uint64_t n = a.expect - 1;
    if (!a.failed && (next > 1 ? next - 1 : 0) != n)
        s_problem(&a, n + 1,
                  "the stored counter says the next event is seq %llu, but the log ends at seq %llu",
                  (unsigned long long)next, (unsigned long long)n);
    else if (!a.failed && memcmp(head, a.prev, 32) != 0)
        s_problem(&a, n ? n : 1, "the stored chain head is not the hash of the last event (seq %llu)",
                  (unsigned long long)n);
    if (!a.failed && (rc = s_check_backups(&a, c->txn))) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the event log");
        goto done;
    }
    const char *at = json_string_value(json_object_get(anchor, "at"));
    if (!a.failed && anchor)
        s_check_anchor(&a, n, at);
    int anchor_ok = anchor && !a.failed;
    if (!a.failed &&
        ((rc = store_walk_items(c->txn, s_load_item, &a)) || (rc = s_check_indexes(&a, c->txn)))) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the items and indexes");
        goto done;
    }
    if (!a.failed)
        s_check_replay(&a);
    if (!a.failed && (rc = s_check_inspections(&a, c->txn))) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the inspections");
        goto done;
    }
    store_hex(a.prev, 32, hex);
    if (anchor)
        anchor_out =
            json_pack("{s:O,s:O,s:O,s:b}", "seq", json_object_get(anchor, "seq"), "hash",
                      json_object_get(anchor, "hash"), "at", json_object_get(anchor, "at"), "ok", anchor_ok);
    c->result = json_pack("{s:b,s:I,s:{s:I,s:s},s:o,s:s?,s:o*}", "ok", !a.failed, "events", (json_int_t)n,
                          "head", "seq", (json_int_t)n, "hash", hex, "first_bad_seq",
                          a.failed && a.bad_seq ? json_integer((json_int_t)a.bad_seq) : json_null(),
                          "problem", a.failed ? a.problem : NULL, "anchor", anchor_out);
    rc = c->result ? 0 : s_nomem(c);
done:
    for (uint64_t i = 0; a.items && i <= a.n_items; i++)
        json_decref(a.items[i]);
    free(a.items);
    free(a.count);
    free(a.seen);
    free(a.ev_item);
    json_decref(a.uses);
    json_decref(a.backups);
    json_decref(a.insp_left);
    replay_destroy(&a.r);
    return rc;
}

/* ---- audit_anchor ------------------------------------------------------------ */

int cmd_audit_anchor(cmd_ctx *c)
{
    unsigned char head[32];
    uint64_t next;
    char hex[65];
    int rc = store_head(c->txn, &next, head);
    if (rc)
        return cmd_fail(c, rc, "cannot read the database");
    if (next <= 1)
        return cmd_fail(c, RECT_E_NOT_FOUND, "audit_anchor: the record has no events yet: nothing to anchor");
    store_hex(head, 32, hex);
    if ((rc = sign_anchor(next - 1, hex, c->now_text, &c->result)))
        return cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot sign the anchor (%s)",
                        rect_err_name(rc));
    return 0;
}

/* ---- audit_reuse and show's reused_by ---------------------------------------- */

typedef struct {
    unsigned char sha[32];
    uint64_t item, seq;
} s_use;

typedef struct {
    s_use *v;
    size_t n, cap;
} s_uses;

static int s_collect_use(const unsigned char sha256[32], uint64_t item, uint64_t seq, void *ctx)
{
    s_uses *u = ctx;
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 64;
        s_use *v = realloc(u->v, cap * sizeof *v);
        if (!v)
            return RECT_E_NOMEM;
        u->v = v;
        u->cap = cap;
    }
    memcpy(u->v[u->n].sha, sha256, 32);
    u->v[u->n].item = item;
    u->v[u->n++].seq = seq;
    return 0;
}

int audit_mark_reuse(store_txn *t, json_t *files, uint64_t item)
{
    size_t i;
    json_t *f;
    int rc = 0;
    json_array_foreach(files, i, f) {
        unsigned char sha[32];
        s_uses u = {0};
        json_t *others = json_array();
        if (!others)
            return RECT_E_NOMEM;
        if (s_unhex(json_string_value(json_object_get(f, "sha256")), sha) == 0)
            rc = store_scan_blob_uses(t, sha, s_collect_use, &u);
        for (size_t j = 0; rc == 0 && j < u.n; j++) /* keys sort by item: equal ids are adjacent */
            if (u.v[j].item != item && (j == 0 || u.v[j - 1].item != u.v[j].item) &&
                json_array_append_new(others, json_integer((json_int_t)u.v[j].item)))
                rc = RECT_E_NOMEM;
        free(u.v);
        if (rc || !json_array_size(others)) {
            json_decref(others);
            if (rc)
                return rc;
            continue;
        }
        if (json_object_set_new(f, "reused_by", others))
            return RECT_E_NOMEM;
    }
    return 0;
}

static int s_cmp_use_seq(const void *x, const void *y)
{
    const s_use *a = x, *b = y;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The entry of one reused file: {"sha256","size","uses":[...]}. */
static int s_reuse_entry(cmd_ctx *c, s_use *g, size_t n, json_t *out)
{
    char hex[65];
    uint64_t size = 0;
    store_hex(g[0].sha, 32, hex);
    int rc = store_blob_size(c->txn, g[0].sha, &size);
    if (rc && rc != RECT_E_NOT_FOUND)
        return rc;
    qsort(g, n, sizeof *g, s_cmp_use_seq);
    json_t *uses = json_array();
    for (size_t i = 0; uses && i < n; i++) {
        json_t *it = NULL, *ev = NULL, *f, *name = json_null();
        size_t j;
        store_item_get(c->txn, g[i].item, &it);
        store_event_get(c->txn, g[i].seq, &ev);
        json_array_foreach(json_object_get(ev, "files"), j, f)
            if (strcmp(json_string_value(json_object_get(f, "sha256"))
                           ? json_string_value(json_object_get(f, "sha256"))
                           : "",
                       hex) == 0) {
                name = json_object_get(f, "name");
                break;
            }
        json_t *u = json_pack("{sIsOsIsO}", "item", (json_int_t)g[i].item, "ref",
                              json_object_get(it, "ref") ? json_object_get(it, "ref") : json_null(), "seq",
                              (json_int_t)g[i].seq, "name", name ? name : json_null());
        json_decref(it);
        json_decref(ev);
        if (!u || json_array_append_new(uses, u)) {
            json_decref(uses);
            return RECT_E_NOMEM;
        }
    }
    if (!uses || json_array_append_new(
                     out, json_pack("{sssIso}", "sha256", hex, "size", (json_int_t)size, "uses", uses)))
        return RECT_E_NOMEM;
    return 0;
}

int cmd_audit_reuse(cmd_ctx *c)
{
    s_uses u = {0};
    json_t *out = json_array();
    int rc = out ? store_scan_blob_uses(c->txn, NULL, s_collect_use, &u) : RECT_E_NOMEM;
    for (size_t i = 0; rc == 0 && i < u.n;) {
        size_t j = i + 1, items = 1;
        for (; j < u.n && memcmp(u.v[j].sha, u.v[i].sha, 32) == 0; j++)
            items += u.v[j].item != u.v[j - 1].item;
        if (items >= 2)
            rc = s_reuse_entry(c, u.v + i, j - i, out);
        i = j;
    }
    free(u.v);
    if (rc) {
        json_decref(out);
        return cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the file uses");
    }
    c->result = json_pack("{so}", "reused", out);
    return c->result ? 0 : s_nomem(c);
}

/* ---- reconcile --------------------------------------------------------------- */

typedef struct {
    cmd_ctx *c;
    int rc;
    long row; /* row number, the header is 1 (an .xlsx: the sheet's row) */
    long pos; /* a workbook's row number for the row being read, 0 for CSV */
    int col, col_ref, col_state, header_done, any;
    char *ref, *state; /* this row's cells */
    json_t *rows;      /* [[ref, state|null], ...] */
    json_t *seen;      /* ref -> row */
} s_rec;

/* The states as the ledger labels them (common/refusal.c, client/ledger.c), and as
 * ledgers printed before labelled them (认领, 交办, 验收通过): both are read. */
static const char *const *const s_state_zh = rect_state_names_zh;
static const char *const s_state_zh_old[RECT_ST_COUNT] = {"认领", "交办", "整改中", "验收通过", "已销号"};

/* Trimmed copy of a cell. */
static char *s_cell(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static void s_on_field(void *data, size_t len, void *ctx)
{
    s_rec *r = ctx;
    int col = r->col++;
    if (r->rc)
        return;
    char *cell = s_cell(data ? data : "", data ? len : 0);
    if (!cell) {
        r->rc = s_nomem(r->c);
        return;
    }
    if (!r->header_done) {
        for (char *p = cell; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if ((strcmp(cell, "ref") == 0 || strcmp(cell, "编号") == 0) && r->col_ref < 0)
            r->col_ref = col;
        else if ((strcmp(cell, "state") == 0 || strcmp(cell, "状态") == 0) && r->col_state < 0)
            r->col_state = col;
        free(cell);
        return;
    }
    r->any |= cell[0] != '\0';
    if (col == r->col_ref && !r->ref)
        r->ref = cell;
    else if (col == r->col_state && !r->state)
        r->state = cell;
    else
        free(cell);
}

static void s_on_row(int ch, void *ctx)
{
    s_rec *r = ctx;
    (void)ch;
    long row = ++r->row;
    if (r->pos)
        row = r->row = r->pos;
    r->col = 0;
    if (r->rc)
        goto done;
    if (!r->header_done) {
        r->header_done = 1;
        if (r->col_ref < 0)
            r->rc = cmd_fail(r->c, RECT_E_BAD_IMPORT, "row 1: the header has no ref/编号 column");
        goto done;
    }
    if (!r->any)
        goto done;
    if (!r->ref || !r->ref[0]) {
        r->rc = cmd_fail(r->c, RECT_E_BAD_IMPORT, "row %ld, column 编号 (ref): empty", row);
        goto done;
    }
    if (json_object_get(r->seen, r->ref)) {
        r->rc = cmd_fail(r->c, RECT_E_BAD_IMPORT, "row %ld, column 编号 (ref): %s is already on row %lld",
                         row, r->ref, (long long)json_integer_value(json_object_get(r->seen, r->ref)));
        goto done;
    }
    json_t *state = json_null();
    if (r->state && r->state[0]) {
        int s = rect_lookup(rect_state_names, RECT_ST_COUNT, r->state);
        if (s < 0)
            s = rect_lookup(s_state_zh, RECT_ST_COUNT, r->state);
        if (s < 0)
            s = rect_lookup(s_state_zh_old, RECT_ST_COUNT, r->state);
        if (s < 0) {
            r->rc = cmd_fail(
                r->c, RECT_E_BAD_IMPORT,
                "row %ld, column 状态 (state): \"%.60s\" is not a state (已认领/已交办/整改中/已验收/已销号 or claimed/assigned/rectifying/verified/closed)",
                row, r->state);
            goto done;
        }
        state = json_string(rect_state_names[s]);
    }
    if (json_object_set_new(r->seen, r->ref, json_integer(row)) ||
        json_array_append_new(r->rows, json_pack("[so]", r->ref, state)))
        r->rc = s_nomem(r->c);
done:
    free(r->ref);
    free(r->state);
    r->ref = r->state = NULL;
    r->any = 0;
}

typedef struct {
    json_t *here;  /* ref -> state */
    json_t *order; /* refs in id order */
} s_ours;

static int s_our_item(store_txn *t, uint64_t id, json_t *it, void *ctx)
{
    s_ours *o = ctx;
    json_t *ref = json_object_get(it, "ref");
    if (json_is_string(ref) &&
        (json_object_set(o->here, json_string_value(ref), json_object_get(it, "state")) ||
         json_array_append(o->order, ref)))
        return RECT_E_NOMEM;
    return 0;
}

int cmd_reconcile(cmd_ctx *c)
{
    const char *insp = cmd_str(c, "inspection") ? cmd_str(c, "inspection") : c->cfg->default_inspection;
    int known = cmd_str(c, "inspection") ? ledger_inspection_known(c, insp) : 0;
    if (known)
        return known;
    const char *data = c->files[0].data;
    size_t len = c->files[0].len;
    s_rec r = {.c = c, .col_ref = -1, .col_state = -1, .rows = json_array(), .seen = json_object()};
    s_ours o = {json_object(), json_array()};
    json_t *missing_here = json_array(), *missing_there = json_array(), *differs = json_array();
    plan_sheet *sh = NULL;
    int rc = 0;
    if (!r.rows || !r.seen || !o.here || !o.order || !missing_here || !missing_there || !differs) {
        rc = s_nomem(c);
        goto done;
    }
    /* The plan reader's rows (CSV in UTF-8 or GB18030, or .xlsx), fed cell by cell as libcsv did. */
    char err[PLAN_ERRLEN];
    int prc = plan_read(data, len, PLAN_ENC_AUTO, &sh, err, sizeof err);
    if (prc == -2) {
        rc = s_nomem(c);
        goto done;
    }
    if (prc != 0) {
        rc = cmd_fail(c, RECT_E_BAD_IMPORT, "%s", err);
        goto done;
    }
    for (size_t k = 0; k < sh->n && !r.rc; k++) {
        r.pos = sh->format == PLAN_XLSX ? sh->rows[k].pos : 0;
        for (size_t f = 0; f < sh->rows[k].n; f++)
            s_on_field(sh->rows[k].cell[f], strlen(sh->rows[k].cell[f]), &r);
        s_on_row(0, &r);
    }
    if ((rc = r.rc))
        goto done;
    if (!r.header_done) {
        rc =
            cmd_fail(c, RECT_E_BAD_IMPORT, "the file is empty: it needs a header row with a ref/编号 column");
        goto done;
    }
    if ((rc = store_walk_index(c->txn, "inspection", insp, s_our_item, &o))) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the items");
        goto done;
    }
    long matched = 0;
    size_t i;
    json_t *row, *ref;
    json_array_foreach(r.rows, i, row) {
        const char *rf = json_string_value(json_array_get(row, 0));
        json_t *there = json_array_get(row, 1), *here = json_object_get(o.here, rf);
        if (!here)
            rc = json_array_append(missing_here, json_array_get(row, 0));
        else if (json_is_string(there) && !json_equal(here, there))
            rc = json_array_append_new(differs,
                                       json_pack("{sssOsO}", "ref", rf, "here", here, "there", there));
        else
            matched++;
        if (rc) {
            rc = s_nomem(c);
            goto done;
        }
    }
    json_array_foreach(o.order, i, ref)
        if (!json_object_get(r.seen, json_string_value(ref)) && json_array_append(missing_there, ref)) {
            rc = s_nomem(c);
            goto done;
        }
    c->result = json_pack("{sssOsOsOsI}", "inspection", insp, "missing_here", missing_here, "missing_there",
                          missing_there, "state_differs", differs, "matched", (json_int_t)matched);
    rc = c->result ? 0 : s_nomem(c);
done:
    plan_sheet_destroy(&sh);
    free(r.ref);
    free(r.state);
    json_decref(r.rows);
    json_decref(r.seen);
    json_decref(o.here);
    json_decref(o.order);
    json_decref(missing_here);
    json_decref(missing_there);
    json_decref(differs);
    return rc;
}

int audit_chain(cmd_ctx *c, json_t **out)
{
    json_t *kept = c->result;
    c->result = NULL;
    int rc = cmd_audit_verify(c); /* no anchor: the request carries none */
    *out = c->result;
    c->result = kept;
    return rc;
}
