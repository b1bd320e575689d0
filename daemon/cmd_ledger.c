/*
 * cmd_ledger.c - inspections, the closeout ledger (销号台账) and statistics.
 *
 * The ledger is always rebuilt from the event log (replay.c), up to a cutoff
 * (as_of, seq) or the head, so the chain head it names is exactly the record
 * it shows: its items and its inspections (the fed-back counts), which
 * inspection_add records as events about no item ("item" 0). Statistics
 * count the current items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ledger.h"

#include "calendar.h"
#include "facts.h"
#include "fault.h"
#include "item.h"
#include "records.h"
#include "rect_proto.h"
#include "replay.h"
#include "series.h"
#include "sign.h"

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* ---- inspections ---------------------------------------------------------- */

/* The fed_back argument as {source id: count} in *out (new reference), or a refusal. */
static int s_fed_back(cmd_ctx *c, const char *cmd, json_t **out)
{
    json_t *fb = json_object(), *given = json_object_get(c->args, "fed_back");
    const char *key;
    json_t *v;
    int rc = fb ? 0 : s_nomem(c);
    json_object_foreach(given, key, v) {
        if (rc)
            break;
        const rect_named *src = cfg_source_find(c->cfg, key);
        if (!src)
            rc = cmd_fail(c, RECT_E_UNKNOWN_NAME,
                          "%s: fed_back names \"%s\", which is not a configured source", cmd, key);
        else if (!json_is_integer(v))
            rc = cmd_fail(c, RECT_E_BAD_TYPE, "%s: fed_back.%s must be an integer", cmd, key);
        else if (json_integer_value(v) < 0)
            rc = cmd_fail(c, RECT_E_BAD_VALUE, "%s: fed_back.%s must be 0 or more", cmd, key);
        else if (json_integer_value(v) > RECT_MAX_COUNT)
            rc = cmd_fail(c, RECT_E_BAD_VALUE, "%s: fed_back.%s is %lld; a count is at most %d", cmd, key,
                          (long long)json_integer_value(v), RECT_MAX_COUNT);
        else if (json_object_get(fb, src->id))
            rc = cmd_fail(c, RECT_E_BAD_VALUE, "%s: fed_back names source %s twice", cmd, src->id);
        else if (json_object_set(fb, src->id, v))
            rc = s_nomem(c);
    }
    if (rc)
        json_decref(fb);
    else
        *out = fb;
    return rc;
}

/*
 * Record an inspection event (item 0) with these changes and the record it
 * leaves, in the same transaction: the record is a view of its events.
 */
static int s_inspection_record(cmd_ctx *c, const char *name, json_t *changes, const char *comment,
                               json_t *rec)
{
    rect_state to;
    int rc = item_guard(c, NULL, RECT_ACT_INSPECTION, &to);
    if (rc)
        return rc;
    json_t *ev = item_event_new(c, 0, RECT_ACT_INSPECTION, changes, comment);
    if (!ev)
        return s_nomem(c);
    if ((rc = store_event_append(c->txn, ev, &c->seq)) || (rc = store_inspection_put(c->txn, name, rec)))
        rc = cmd_fail(c, rc, "cannot record inspection %s; nothing was changed", name);
    else if (!(c->result = json_pack("{sO}", "inspection", rec)))
        rc = s_nomem(c);
    json_decref(ev);
    return rc;
}

int cmd_inspection_add(cmd_ctx *c)
{
    const char *name = cmd_str(c, "name");
    json_t *rec = NULL, *fb = NULL, *changes = NULL;
    int rc;
    if ((rc = store_inspection_get(c->txn, name, &rec)) == 0) {
        rc = cmd_fail(
            c, RECT_E_BAD_VALUE,
            "inspection %s is already recorded (\"%s\", by %s at %s): pick another name, or correct it with inspection_update",
            name, json_string_value(json_object_get(rec, "title")),
            json_string_value(json_object_get(rec, "by")),
            json_string_value(json_object_get(rec, "created")));
        goto done;
    }
    if (rc != RECT_E_NOT_FOUND) {
        rc = cmd_fail(c, rc, "cannot read the inspections");
        goto done;
    }
    if ((rc = s_fed_back(c, "inspection_add", &fb)))
        goto done;
    rec = json_pack("{sssssOssss}", "name", name, "title", cmd_str(c, "title"), "fed_back", fb, "created",
                    c->now_text, "by", c->actor->name);
    changes = json_pack("{s[ns]s[ns]s[nO]}", "name", name, "title", cmd_str(c, "title"), "fed_back", fb);
    rc = rec && changes ? s_inspection_record(c, name, changes, "", rec) : s_nomem(c);
done:
    json_decref(rec);
    json_decref(changes);
    json_decref(fb);
    return rc;
}

int cmd_inspection_update(cmd_ctx *c)
{
    const char *name = cmd_str(c, "name"), *title = cmd_str(c, "title");
    json_t *rec = NULL, *fb = NULL, *changes = NULL;
    int rc = store_inspection_get(c->txn, name, &rec);
    if (rc == RECT_E_NOT_FOUND)
        return cmd_refuse(
            c, RECT_E_UNKNOWN_NAME,
            json_pack("{ssssss}", "rule", "unknown_inspection", "arg", "name", "value", name),
            "inspection %s is not recorded (see inspection_list): record it with inspection_add", name);
    if (rc)
        return cmd_fail(c, rc, "cannot read the inspections");
    if (title && !title[strspn(title, " \t")]) {
        rc = cmd_fail(c, RECT_E_MISSING_FIELD, "inspection_update: the title must not be blank");
        goto done;
    }
    if (!title && !json_object_get(c->args, "fed_back")) {
        rc = cmd_fail(c, RECT_E_MISSING_FIELD, "inspection_update: give title, fed_back or both");
        goto done;
    }
    if (json_object_get(c->args, "fed_back") && (rc = s_fed_back(c, "inspection_update", &fb)))
        goto done;
    /* Only what differs is a change; name [N, N] says which record. */
    if (!(changes = json_pack("{s[ss]}", "name", name, name))) {
        rc = s_nomem(c);
        goto done;
    }
    json_t *old_title = json_object_get(rec, "title"), *old_fb = json_object_get(rec, "fed_back");
    if (!old_title)
        old_title = json_null();
    if (!old_fb)
        old_fb = json_null();
    if (title && !(json_is_string(old_title) && strcmp(json_string_value(old_title), title) == 0) &&
        json_object_set_new(changes, "title", json_pack("[Os]", old_title, title)))
        rc = s_nomem(c);
    if (!rc && fb && !json_equal(old_fb, fb) &&
        json_object_set_new(changes, "fed_back", json_pack("[OO]", old_fb, fb)))
        rc = s_nomem(c);
    if (!rc && json_object_size(changes) == 1)
        rc = cmd_fail(c, RECT_E_BAD_VALUE,
                      "inspection_update: inspection %s already has that title and those "
                      "fed-back counts: nothing to change",
                      name);
    if (rc)
        goto done;
    if ((title && json_object_set_new(rec, "title", json_string(title))) ||
        (fb && json_object_set(rec, "fed_back", fb))) {
        rc = s_nomem(c);
        goto done;
    }
    const char *note = cmd_str(c, "note");
    rc = s_inspection_record(c, name, changes, note ? note : "", rec);
done:
    json_decref(rec);
    json_decref(changes);
    json_decref(fb);
    return rc;
}

/* inspection_history: the inspection events (item 0) in seq order, with prev and hash. */
typedef struct {
    cmd_ctx *c;
    json_t *events;
} s_insp_hist;

static int s_insp_event(const store_raw_event *ev, void *ctx)
{
    s_insp_hist *h = ctx;
    if (!ev->canon)
        return cmd_fail(h->c, RECT_E_INTERNAL, "event %llu is damaged: run audit_verify",
                        (unsigned long long)ev->seq);
    int nomem = 0;
    json_t *e = fault_loadb(ev->canon, ev->len, 0, NULL, &nomem);
    if (!e)
        return nomem ? cmd_fail(h->c, RECT_E_NOMEM, "out of memory")
                     : cmd_fail(h->c, RECT_E_INTERNAL, "event %llu does not parse: run audit_verify",
                                (unsigned long long)ev->seq);
    json_t *item = json_object_get(e, "item");
    int rc = 0;
    if (json_is_integer(item) && json_integer_value(item) == 0) {
        char hex[65];
        store_hex(ev->prev, 32, hex);
        rc = json_object_set_new(e, "prev", json_string(hex));
        store_hex(ev->hash, 32, hex);
        if (rc || json_object_set_new(e, "hash", json_string(hex)) || json_array_append(h->events, e))
            rc = s_nomem(h->c);
    }
    json_decref(e);
    return rc;
}

int cmd_inspection_history(cmd_ctx *c)
{
    s_insp_hist h = {c, json_array()};
    int rc;
    if (!h.events)
        return s_nomem(c);
    if ((rc = store_scan_events(c->txn, 1, s_insp_event, &h))) {
        if (!c->msg[0])
            cmd_fail(c, rc, "cannot read the event log");
        json_decref(h.events);
        return rc;
    }
    if (!(c->result = json_pack("{so}", "events", h.events)))
        return s_nomem(c);
    return 0;
}

typedef struct {
    json_t *all; /* name -> listing entry */
} s_insp_list;

static int s_insp_rec(const char *name, json_t *rec, void *ctx)
{
    s_insp_list *l = ctx;
    json_t *e = json_deep_copy(rec);
    if (!e || json_object_set_new(e, "claimed", json_object()) ||
        json_object_set_new(e, "items", json_integer(0)) || json_object_set_new(l->all, name, e))
        return RECT_E_NOMEM;
    return 0;
}

static int s_insp_item(store_txn *t, uint64_t id, void *ctx)
{
    s_insp_list *l = ctx;
    json_t *item;
    int rc = store_item_get(t, id, &item);
    if (rc)
        return rc;
    const char *name = json_string_value(json_object_get(item, "inspection"));
    const char *src = json_string_value(json_object_get(item, "source"));
    json_t *e = name ? json_object_get(l->all, name) : NULL;
    rc = RECT_E_NOMEM;
    if (name && !e) {
        e = json_pack("{ss sn so so si sn sn}", "name", name, "title", "fed_back", json_object(), "claimed",
                      json_object(), "items", 0, "created", "by");
        if (!e || json_object_set_new(l->all, name, e))
            goto done;
    }
    if (e) {
        json_t *claimed = json_object_get(e, "claimed");
        json_t *n = src ? json_object_get(claimed, src) : NULL;
        json_object_set_new(e, "items", json_integer(json_integer_value(json_object_get(e, "items")) + 1));
        if (src && json_object_set_new(claimed, src, json_integer(n ? json_integer_value(n) + 1 : 1)))
            goto done;
    }
    rc = 0;
done:
    json_decref(item);
    return rc;
}

static int s_strcmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int s_insp_sources(const rect_cfg *cfg, json_t *all);

int cmd_inspection_list(cmd_ctx *c)
{
    s_insp_list l = {json_object()};
    json_t *out = json_array();
    const char **names = NULL;
    int rc = 0;
    if (!l.all || !out) {
        rc = s_nomem(c);
        goto done;
    }
    if ((rc = store_scan_inspections(c->txn, s_insp_rec, &l)) ||
        (rc = store_scan_items(c->txn, s_insp_item, &l))) {
        rc = cmd_fail(c, rc, "cannot read the inspections");
        goto done;
    }
    if (s_insp_sources(c->cfg, l.all)) {
        rc = s_nomem(c);
        goto done;
    }
    size_t n = json_object_size(l.all), i = 0;
    if (n && !(names = malloc(n * sizeof *names))) {
        rc = s_nomem(c);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(l.all, key, v)
        names[i++] = key;
    if (n > 1)
        qsort(names, n, sizeof *names, s_strcmp_p);
    for (i = 0; i < n; i++)
        if (json_array_append(out, json_object_get(l.all, names[i]))) {
            rc = s_nomem(c);
            goto done;
        }
    if (!(c->result = json_pack("{sO}", "inspections", out)))
        rc = s_nomem(c);
done:
    free(names);
    json_decref(out);
    json_decref(l.all);
    return rc;
}

/*
 * The per-source counts of one scope (an inspection, or the whole record):
 * [{"id", "name", "fed_back" (as stated, or null), "claimed"}, ...] in the
 * config's order, for the sources with a stated count or a claimed item
 * (or a declined problem); for a source with problems not claimed,
 * records_fed_back() adds the derived counts. fed and claimed are {source:
 * n} objects, declined an array of declined entries (each may be NULL). A
 * new array, or NULL without memory.
 */
static json_t *s_source_counts(const rect_cfg *cfg, const json_t *fed, const json_t *claimed,
                               const json_t *declined)
{
    json_t *sources = json_array();
    for (size_t s = 0; sources && s < cfg->n_sources; s++) {
        const char *id = cfg->sources[s].id;
        json_t *fb = json_object_get(fed, id);
        long n = (long)json_integer_value(json_object_get(claimed, id));
        long d = records_declined_of(declined, id);
        if (!fb && !n && !d)
            continue;
        json_t *o = json_pack("{sssssOsI}", "id", id, "name", cfg->sources[s].name, "fed_back",
                              fb ? fb : json_null(), "claimed", (json_int_t)n);
        if (!o || records_fed_back(o, fb, n, d) || json_array_append_new(sources, o)) {
            json_decref(o);
            json_decref(sources);
            return NULL;
        }
    }
    return sources;
}

/* Each listed inspection gets "sources": its counts per source (s_source_counts). */
static int s_insp_sources(const rect_cfg *cfg, json_t *all)
{
    const char *name;
    json_t *e;
    json_object_foreach(all, name, e) {
        json_t *declined = json_object_get(e, "declined");
        json_t *src =
            s_source_counts(cfg, json_object_get(e, "fed_back"), json_object_get(e, "claimed"), declined);
        if (!src || json_object_set_new(e, "sources", src))
            return RECT_E_NOMEM;
    }
    return 0;
}

/* ---- the ledger ------------------------------------------------------------ */

typedef struct {
    cmd_ctx *c;
    replay *r;
    series *series;      /* counts per day, or NULL */
    ledger_observer obs; /* told of each applied event, or NULL */
    void *obs_ctx;
    const char *as_of; /* canonical date, or NULL */
    uint64_t stop;     /* last seq to include, 0 = all */
    facts_tz tz;
    uint64_t seq; /* last included */
    unsigned char hash[32];
    char at[RECT_INSTANT_LEN];
} s_walk;

/* Apply event e (its local day: day) to the replay, and to the series if any. */
static int s_apply(s_walk *w, const json_t *e, const char *day)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(e, "item"));
    char why[256];
    int rc;
    if (w->series && id)
        series_before(w->series, replay_item(w->r, id));
    if ((rc = replay_apply(w->r, e, why, sizeof why)) != 0) {
        if (rc == RECT_E_NOMEM)
            return cmd_fail(w->c, rc, "out of memory");
        return cmd_fail(w->c, RECT_E_INTERNAL, "the event log does not replay: %s (run audit_verify)", why);
    }
    if (w->series && id && series_after(w->series, replay_item(w->r, id), day))
        return cmd_fail(w->c, RECT_E_NOMEM, "out of memory");
    return w->obs ? w->obs(w->obs_ctx, w->r, e) : 0;
}

static int s_replay_one(const store_raw_event *ev, void *ctx)
{
    s_walk *w = ctx;
    if (!ev->canon)
        return cmd_fail(w->c, RECT_E_INTERNAL, "event %llu is damaged: run audit_verify",
                        (unsigned long long)ev->seq);
    int nomem = 0;
    json_t *e = fault_loadb(ev->canon, ev->len, 0, NULL, &nomem);
    if (!e)
        return nomem ? cmd_fail(w->c, RECT_E_NOMEM, "out of memory")
                     : cmd_fail(w->c, RECT_E_INTERNAL, "event %llu does not parse: run audit_verify",
                                (unsigned long long)ev->seq);
    const char *at = json_string_value(json_object_get(e, "at"));
    char day[RECT_DATE_LEN] = "", prev[65];
    int rc;
    /* the replay checks that a sign event signs the head before it */
    if (ev->prev && (store_hex(ev->prev, 32, prev), json_object_set_new(e, "prev", json_string(prev)))) {
        json_decref(e);
        return s_nomem(w->c);
    }
    if (w->as_of || w->series) {
        if (facts_local_date(&w->tz, w->c->cfg->timezone, at, day) != 0) {
            json_decref(e);
            return cmd_fail(w->c, RECT_E_INTERNAL, "event %llu has no valid time: run audit_verify",
                            (unsigned long long)ev->seq);
        }
        if (w->as_of &&
            strcmp(day, w->as_of) > 0) { /* the log is a sequence: stop at the first later event */
            json_decref(e);
            return 1;
        }
    }
    if ((rc = s_apply(w, e, day)) != 0) {
        json_decref(e);
        return rc;
    }
    w->seq = ev->seq;
    memcpy(w->hash, ev->hash, 32);
    snprintf(w->at, sizeof w->at, "%s", at ? at : "");
    json_decref(e);
    return w->stop && ev->seq >= w->stop ? 1 : 0;
}

static const char *const s_row_fields[] = {
    "id",
    "ref",
    "source",
    "title",
    "measures",
    "kind",
    "leader",
    "unit",
    "owner",
    "deadline",
    "original_deadline",
    "state",
    "evidence_count",
    "latest_evidence",
    "verified_by",
    "verified_at",
    "closed_by",
    "closed_at",
    "days_late",
    "days_overdue",
    "overdue_days_carried",
    "rejections",
    "extensions",
    "escalations",
    "reused_evidence",
    "open",
    "awaiting_closure",
    "acknowledged_by",
    "acknowledged_at",
};

/* A ledger row of item it (as replayed) with its facts f at the ledger's reference date. */
static json_t *s_row(const json_t *it, const replay *r, uint64_t id, const facts *fa)
{
    long late = fa->days_late, overdue = fa->days_overdue;
    json_t *row = json_object();
    for (size_t i = 0; row && i < sizeof s_row_fields / sizeof s_row_fields[0]; i++) {
        const char *f = s_row_fields[i];
        json_t *v;
        if (strcmp(f, "latest_evidence") == 0)
            v = replay_latest_evidence(r, id) ? json_string(replay_latest_evidence(r, id)) : json_null();
        else if (strcmp(f, "days_late") == 0)
            v = late >= 0 ? json_integer(late) : json_null();
        else if (strcmp(f, "days_overdue") == 0)
            v = overdue >= 0 ? json_integer(overdue) : json_null();
        else if (strcmp(f, "overdue_days_carried") == 0) /* 0 for items recorded before it existed */
            v = json_integer(json_integer_value(json_object_get(it, f)));
        else if (strcmp(f, "open") == 0)
            v = json_boolean(fa->open);
        else if (strcmp(f, "awaiting_closure") == 0)
            v = json_boolean(fa->awaiting_closure);
        else if (strcmp(f, "reused_evidence") == 0)
            v = json_boolean(replay_reused(r, id));
        else
            v = json_object_get(it, f) ? json_incref(json_object_get(it, f)) : json_null();
        if (json_object_set_new(row, f, v)) {
            json_decref(row);
            return NULL;
        }
    }
    /* A self-found (举一反三) item names the problem it came from; others have neither key. */
    json_t *parent = json_object_get(it, "parent");
    if (row && json_is_integer(parent)) {
        json_t *pref = json_object_get(replay_item(r, (uint64_t)json_integer_value(parent)), "ref");
        if (json_object_set(row, "parent", parent) ||
            json_object_set_new(row, "parent_ref", pref ? json_incref(pref) : json_null())) {
            json_decref(row);
            return NULL;
        }
    }
    return row;
}

/*
 * "record_head": the whole record's head when the ledger was made. A ledger
 * cut at an older seq then says so inside its signed bytes: the county sees
 * that events came after the cut (e.g. a reopen) instead of a ledger that
 * looks complete.
 */
static int s_record_head(cmd_ctx *c, json_t *result)
{
    uint64_t next;
    unsigned char head[32];
    char hex[65];
    int rc = store_head(c->txn, &next, head);
    if (rc)
        return cmd_fail(c, rc, "cannot read the chain head");
    store_hex(head, 32, hex);
    json_t *rh = json_pack("{sIss}", "seq", (json_int_t)(next ? next - 1 : 0), "hash", hex);
    if (!rh || json_object_set_new(result, "record_head", rh))
        return s_nomem(c);
    return 0;
}

/*
 * fed_back per source: the inspection's record, or the sum over all records.
 * Counts are bounded at input (RECT_MAX_COUNT), but a record written before
 * the bound (or behind rectd's back) may hold any integer: the sum is checked
 * and RECT_E_BAD_VALUE means it does not fit.
 */
static int s_fed_sum(const char *name, const json_t *rec, void *ctx)
{
    json_t *sum = ctx;
    const char *src;
    json_t *v;
    (void)name;
    json_object_foreach(json_object_get(rec, "fed_back"), src, v) {
        json_t *was = json_object_get(sum, src);
        json_int_t total;
        if (__builtin_add_overflow(json_integer_value(v), was ? json_integer_value(was) : 0, &total) ||
            json_integer_value(v) < 0)
            return RECT_E_BAD_VALUE;
        if (json_object_set_new(sum, src, json_integer(total)))
            return RECT_E_NOMEM;
    }
    return 0;
}

/* declined: the scope's problems not claimed, NULL where none are recorded; *self_found: rows with a parent. */
static json_t *s_summary_base(const rect_cfg *cfg, json_t *rows, json_t *fed, const json_t *declined,
                              const char *ref_date, long *self_found_out)
{
    long total = 0, closed = 0, overdue = 0, on_time = 0, kinds[RECT_KIND_COUNT] = {0}, self_found = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        total++;
        int k =
            rect_lookup(rect_kind_names, RECT_KIND_COUNT, json_string_value(json_object_get(row, "kind")));
        if (k >= 0)
            kinds[k]++;
        if (item_state(row) == RECT_ST_CLOSED) {
            closed++;
            on_time += json_integer_value(json_object_get(row, "days_late")) == 0 &&
                       json_is_integer(json_object_get(row, "days_late"));
        }
    }
    overdue = facts_count_overdue(rows, ref_date);
    json_t *claimed = json_object(), *sources = NULL;
    json_array_foreach(rows, i, row) {
        const char *src = json_string_value(json_object_get(row, "source"));
        if (claimed && src &&
            json_object_set_new(claimed, src,
                                json_integer(json_integer_value(json_object_get(claimed, src)) + 1))) {
            json_decref(claimed);
            claimed = NULL;
        }
        self_found += json_is_integer(json_object_get(row, "parent"));
    }
    *self_found_out = self_found;
    if (claimed)
        sources = s_source_counts(cfg, fed, claimed, declined);
    json_decref(claimed);
    if (!sources)
        return NULL;
    return json_pack("{sos{sIsI}sIsIsIsIsI}", "sources", sources, "kinds", rect_kind_names[0],
                     (json_int_t)kinds[0], rect_kind_names[1], (json_int_t)kinds[1], "total",
                     (json_int_t)total, "closed", (json_int_t)closed, "open", (json_int_t)(total - closed),
                     "overdue", (json_int_t)overdue, "closed_on_time", (json_int_t)on_time);
}

/* s_summary_base, then "self_found" (举一反三 items) when there are any: a ledger saved before
 * they existed still checks. */
static json_t *s_summary(const rect_cfg *cfg, json_t *rows, json_t *fed, const json_t *declined,
                         const char *ref_date)
{
    long self_found = 0;
    json_t *sum = s_summary_base(cfg, rows, fed, declined, ref_date, &self_found);
    if (sum && self_found && json_object_set_new(sum, "self_found", json_integer(self_found))) {
        json_decref(sum);
        return NULL;
    }
    return sum;
}

static int s_any_item(store_txn *t, uint64_t id, void *ctx)
{
    (void)t;
    (void)id;
    *(int *)ctx = 1;
    return 1;
}

int ledger_inspection_known(cmd_ctx *c, const char *insp)
{
    json_t *rec;
    int found = 0, rc = store_inspection_get(c->txn, insp, &rec);
    if (rc == 0) {
        json_decref(rec);
        return 0;
    }
    if (rc == RECT_E_NOT_FOUND)
        rc = store_scan_index(c->txn, "inspection", insp, s_any_item, &found);
    if (rc)
        return cmd_fail(c, rc, "cannot look up inspection %s", insp);
    if (!found)
        return cmd_refuse(
            c, RECT_E_UNKNOWN_NAME,
            json_pack("{ssssss}", "rule", "unknown_inspection", "arg", "inspection", "value", insp),
            "no inspection \"%s\": no item belongs to it and none was recorded "
            "(rectctl inspection list shows them)",
            insp);
    return 0;
}

/* The rows of the items as replayed (of inspection insp, or all), in id order, with their facts at ref_date. */
static int s_rows(s_walk *w, const char *insp, const char *ref_date, json_t *rows)
{
    for (uint64_t id = 1; id <= replay_max_id(w->r); id++) {
        json_t *it = replay_item(w->r, id);
        const char *in = json_string_value(json_object_get(it, "inspection"));
        if (!it || (insp && (!in || strcmp(in, insp) != 0)))
            continue;
        facts f;
        facts_of(w->c->cfg, it, ref_date, &w->tz, &f);
        json_t *row = s_row(it, w->r, id, &f);
        if (!row || json_array_append_new(rows, row))
            return s_nomem(w->c);
    }
    return 0;
}

/*
 * fed_back of the inspection as it stood at the cutoff (rebuilt from the same
 * events), or summed; *rec its record; *declined its problems not claimed
 * (for the whole record: every inspection's, each entry naming its
 * "inspection"), NULL where no inspection in scope records any.
 */
static int s_fed(s_walk *w, const char *insp, json_t **rec, json_t **fed, json_t **declined)
{
    int rc = 0;
    *declined = NULL;
    if (insp) {
        *rec = json_incref(replay_inspection(w->r, insp));
        *fed = *rec ? json_incref(json_object_get(*rec, "fed_back")) : json_object();
        json_t *d = json_object_get(*rec, "declined");
        if (json_is_array(d) && !(*declined = json_deep_copy(d)))
            rc = RECT_E_NOMEM;
    } else if ((*fed = json_object())) {
        const char *name;
        json_t *one;
        json_object_foreach(replay_inspections(w->r), name, one) {
            if ((rc = s_fed_sum(name, one, *fed)))
                break;
            json_t *d = json_object_get(one, "declined"), *e;
            size_t i;
            if (!json_is_array(d))
                continue;
            if (!*declined && !(*declined = json_array())) {
                rc = RECT_E_NOMEM;
                break;
            }
            json_array_foreach(d, i, e) {
                json_t *x = json_deep_copy(e);
                if (!x || json_object_set_new(x, "inspection", json_string(name)) ||
                    json_array_append_new(*declined, x)) {
                    json_decref(x);
                    rc = RECT_E_NOMEM;
                    break;
                }
            }
            if (rc)
                break;
        }
    }
    if (rc == RECT_E_BAD_VALUE)
        return cmd_fail(w->c, RECT_E_INTERNAL,
                        "the recorded fed_back counts do not add up to a number rectd can "
                        "count (a count below 0 or sums beyond 2^63): run audit_verify");
    return !*fed || rc ? s_nomem(w->c) : 0;
}

/* The reference date of "overdue now": as_of, the day of the seq, or today. */
static void s_ref_date(s_walk *w, char ref_date[RECT_DATE_LEN])
{
    if (w->as_of)
        snprintf(ref_date, RECT_DATE_LEN, "%s", w->as_of);
    else if (w->stop && facts_local_date(&w->tz, w->c->cfg->timezone, w->at, ref_date) == 0)
        ;
    else
        date_today(w->c->now, w->c->cfg->timezone, ref_date);
}

/* Replay the event log into w->r up to w's cut. 0, or a rect_err with c->msg set. */
static int s_walk_run(s_walk *w)
{
    int rc = store_scan_events(w->c->txn, 1, s_replay_one, w);
    if (rc && !w->c->msg[0])
        cmd_fail(w->c, rc, "cannot read the event log");
    return rc;
}

int ledger_replay(cmd_ctx *c, const ledger_cut *cut, ledger_observer obs, void *obs_ctx, ledger_replayed *out)
{
    s_walk w = {.c = c, .as_of = cut->as_of, .stop = cut->seq, .obs = obs, .obs_ctx = obs_ctx};
    int rc;
    memset(out, 0, sizeof *out);
    if (!(w.r = replay_new()))
        return s_nomem(c);
    if ((rc = s_walk_run(&w))) {
        replay_destroy(&w.r);
        return rc;
    }
    s_ref_date(&w, out->ref_date);
    out->r = w.r;
    out->seq = w.seq;
    store_hex(w.hash, 32, out->hash);
    return 0;
}

/* The reviewer (审核人) by display name: ledger.reviewer names a configured user. */
static const char *s_reviewer(const rect_cfg *cfg)
{
    const rect_user *u = cfg->ledger_reviewer ? cfg_user(cfg, cfg->ledger_reviewer) : NULL;
    return u ? u->display : cfg->ledger_reviewer;
}

/*
 * The inspection's latest sign-off as the replay knows it at the cutoff, with
 * the signer's display name; json null when unsigned (a ledger as of before
 * the signature is unsigned). New reference, NULL without memory.
 */
static json_t *s_sign_off(const rect_cfg *cfg, const replay *r, const char *insp)
{
    json_t *so = replay_sign_off(r, insp);
    if (!so)
        return json_null();
    json_t *out = json_deep_copy(so);
    const char *by = json_string_value(json_object_get(so, "by"));
    const rect_user *u = by ? cfg_user(cfg, by) : NULL;
    if (out && json_object_set_new(out, "by_display", json_string(u ? u->display : by ? by : "?"))) {
        json_decref(out);
        return NULL;
    }
    return out;
}

int ledger_build(cmd_ctx *c, const ledger_cut *cut, json_t **out)
{
    char ref_date[RECT_DATE_LEN], hex[65];
    s_walk w = {.c = c, .as_of = cut->as_of, .stop = cut->seq};
    json_t *rows = NULL, *rec = NULL, *fed = NULL, *summary = NULL, *points = NULL, *declined = NULL;
    int rc;
    *out = NULL;
    if (!(w.r = replay_new()) || !(rows = json_array()) ||
        (cut->series && !(w.series = series_new(cut->inspection)))) {
        rc = s_nomem(c);
        goto done;
    }
    if ((rc = s_walk_run(&w)))
        goto done;
    s_ref_date(&w, ref_date);
    if ((rc = s_rows(&w, cut->inspection, ref_date, rows)) ||
        (rc = s_fed(&w, cut->inspection, &rec, &fed, &declined)))
        goto done;
    if (!(summary = s_summary(c->cfg, rows, fed, declined, ref_date)) ||
        (w.series && !(points = series_json(w.series, ref_date, cut->series)))) {
        rc = s_nomem(c);
        goto done;
    }
    store_hex(w.hash, 32, hex);
    *out = json_pack("{s:s?,s:O?,s:s?,s:I,s:{s:I,s:s},s:s,s:s,s:s?,s:s,s:O,s:O}", "inspection",
                     cut->inspection, "title", json_object_get(rec, "title"), "as_of", w.as_of, "seq",
                     (json_int_t)w.seq, "head", "seq", (json_int_t)w.seq, "hash", hex, "generated_at",
                     c->now_text, "generated_by", c->actor->name, "reviewer", s_reviewer(c->cfg), "timezone",
                     c->cfg->timezone, "summary", summary, "rows", rows);
    /* "declined" only where problems not claimed are recorded: older saved ledgers still check. */
    if (!*out || (points && json_object_set(*out, "series", points)) ||
        (cut->inspection &&
         json_object_set_new(*out, "sign_off", s_sign_off(c->cfg, w.r, cut->inspection))) ||
        (declined && json_object_set(*out, "declined", declined)))
        rc = s_nomem(c);
    else
        rc = s_record_head(c, *out);
done:
    if (rc && *out) {
        json_decref(*out);
        *out = NULL;
    }
    replay_destroy(&w.r);
    series_destroy(&w.series);
    json_decref(rows);
    json_decref(rec);
    json_decref(fed);
    json_decref(summary);
    json_decref(points);
    json_decref(declined);
    return rc;
}

int ledger_cut_args(cmd_ctx *c, const char *cmd, ledger_cut *cut, char as_of[RECT_DATE_LEN])
{
    const char *as_of_arg = cmd_str(c, "as_of");
    json_t *jseq = json_object_get(c->args, "seq"), *jn = json_object_get(c->args, "series");
    unsigned char head[32];
    uint64_t next;
    int rc;
    if (as_of_arg && jseq)
        return cmd_fail(c, RECT_E_BAD_VALUE, "%s: give as_of or seq, not both", cmd);
    if (as_of_arg && date_parse(as_of_arg, as_of) != 0)
        return cmd_fail(c, RECT_E_BAD_DATE, "%s: as_of \"%s\" is not a date (YYYY-MM-DD)", cmd, as_of_arg);
    if (as_of_arg) {
        /* The record has no future: a later date would count items overdue that are not yet. */
        char today[RECT_DATE_LEN];
        date_today(c->now, c->cfg->timezone, today);
        if (strcmp(as_of, today) > 0)
            return cmd_fail(c, RECT_E_BAD_VALUE, "%s: as_of %s is after today (%s in %s)", cmd, as_of, today,
                            c->cfg->timezone);
        cut->as_of = as_of;
    }
    if (jn && (json_integer_value(jn) < 2 || json_integer_value(jn) > SERIES_MAX_POINTS))
        return cmd_fail(c, RECT_E_BAD_VALUE, "%s: series must be between 2 and %d points, not %lld", cmd,
                        SERIES_MAX_POINTS, (long long)json_integer_value(jn));
    cut->series = jn ? (int)json_integer_value(jn) : 0;
    if (cut->inspection && (rc = ledger_inspection_known(c, cut->inspection)))
        return rc;
    if ((rc = store_head(c->txn, &next, head)))
        return cmd_fail(c, rc, "cannot read the database");
    uint64_t last = next > 1 ? next - 1 : 0;
    if (jseq) {
        json_int_t s = json_integer_value(jseq);
        if (s < 1 || (uint64_t)s > last)
            return cmd_fail(c, RECT_E_BAD_VALUE, "%s: seq must be between 1 and %llu (the head), not %lld",
                            cmd, (unsigned long long)last, (long long)s);
        cut->seq = (uint64_t)s;
    }
    return 0;
}

int cmd_ledger(cmd_ctx *c)
{
    char as_of[RECT_DATE_LEN];
    ledger_cut cut = {.inspection = cmd_str(c, "inspection")};
    int rc;
    if ((rc = ledger_cut_args(c, "ledger", &cut, as_of)) || (rc = ledger_build(c, &cut, &c->result)))
        return rc;
    if ((rc = sign_ledger(c->result)))
        cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot sign the ledger (%s)",
                 rect_err_name(rc));
    return rc;
}

/* ---- statistics -------------------------------------------------------------- */

typedef struct {
    json_t *key; /* string or null (owned) */
    long total, states[RECT_ST_COUNT], lights[3], closed, on_time, rejections, relapses;
    long self_found; /* items with a parent (举一反三) */
    long *days;      /* days to close of each closed item */
    size_t n_days, cap_days;
} s_counts;

typedef struct {
    cmd_ctx *c;
    const char *by, *insp;
    char today[RECT_DATE_LEN];
    facts_tz tz;
    s_counts total;
    s_counts *groups;
    size_t n, cap;
} s_stats;

static int s_count(s_stats *st, s_counts *g, const json_t *it)
{
    rect_state s = item_state(it);
    g->total++;
    if (s != RECT_ST_NONE)
        g->states[s]++;
    g->rejections += (long)json_integer_value(json_object_get(it, "rejections"));
    g->relapses += (long)json_integer_value(json_object_get(it, "relapses"));
    g->self_found += json_is_integer(json_object_get(it, "parent"));
    /* The same facts as list, the ledger and the digests (facts.c). */
    facts f;
    facts_of(st->c->cfg, it, st->today, &st->tz, &f);
    if (f.light != CAL_LIGHT_NONE)
        g->lights[f.light == CAL_LIGHT_RED ? 2 : f.light == CAL_LIGHT_YELLOW ? 1 : 0]++;
    if (s != RECT_ST_CLOSED)
        return 0;
    g->closed++;
    g->on_time += f.days_late == 0; /* never when it was red before its deadline moved */
    char from[RECT_DATE_LEN], to[RECT_DATE_LEN];
    const char *zone = st->c->cfg->timezone;
    if (facts_local_date(&st->tz, zone, json_string_value(json_object_get(it, "created")), from) != 0 ||
        facts_local_date(&st->tz, zone, json_string_value(json_object_get(it, "closed_at")), to) != 0)
        return 0;
    if (g->n_days == g->cap_days) {
        size_t cap = g->cap_days ? 2 * g->cap_days : 16;
        long *d = realloc(g->days, cap * sizeof *d);
        if (!d)
            return RECT_E_NOMEM;
        g->days = d;
        g->cap_days = cap;
    }
    g->days[g->n_days++] = date_days(to) - date_days(from);
    return 0;
}

static int s_stats_item(store_txn *t, uint64_t id, void *ctx)
{
    s_stats *st = ctx;
    json_t *it;
    int rc = store_item_get(t, id, &it);
    if (rc)
        return rc;
    const char *in = json_string_value(json_object_get(it, "inspection"));
    if (st->insp && (!in || strcmp(in, st->insp) != 0))
        goto done;
    if ((rc = s_count(st, &st->total, it)) || !st->by)
        goto done;
    json_t *key = json_object_get(it, st->by);
    key = json_is_string(key) ? key : json_null();
    size_t i = 0;
    while (i < st->n && !json_equal(st->groups[i].key, key))
        i++;
    if (i == st->n) {
        if (st->n == st->cap) {
            size_t cap = st->cap ? 2 * st->cap : 16;
            s_counts *g = realloc(st->groups, cap * sizeof *g);
            if (!g) {
                rc = RECT_E_NOMEM;
                goto done;
            }
            st->groups = g;
            st->cap = cap;
        }
        memset(&st->groups[i], 0, sizeof st->groups[i]);
        st->groups[i].key = json_incref(key);
        st->n++;
    }
    rc = s_count(st, &st->groups[i], it);
done:
    json_decref(it);
    return rc;
}

static int s_cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Groups by key, null last. */
static int s_cmp_group(const void *a, const void *b)
{
    const char *x = json_string_value(((const s_counts *)a)->key),
               *y = json_string_value(((const s_counts *)b)->key);
    if (!x || !y)
        return (!x) - (!y);
    return strcmp(x, y);
}

static json_t *s_counts_json(s_counts *g)
{
    json_t *states = json_object(), *median = json_null(), *max = json_null();
    for (int s = 0; states && s < RECT_ST_COUNT; s++)
        json_object_set_new(states, rect_state_names[s], json_integer(g->states[s]));
    if (g->n_days) {
        qsort(g->days, g->n_days, sizeof *g->days, s_cmp_long);
        size_t m = g->n_days / 2;
        long twice = g->n_days % 2 ? 2 * g->days[m] : g->days[m - 1] + g->days[m];
        median = twice % 2 ? json_real(twice / 2.0) : json_integer(twice / 2);
        max = json_integer(g->days[g->n_days - 1]);
    }
    return json_pack(
        "{sIsos{sIsIsI}sIsIsosososIsIsI}", "total", (json_int_t)g->total, "states", states, "lights", "green",
        (json_int_t)g->lights[0], "yellow", (json_int_t)g->lights[1], "red", (json_int_t)g->lights[2],
        "closed", (json_int_t)g->closed, "closed_on_time", (json_int_t)g->on_time, "on_time_rate",
        g->closed ? json_real((double)g->on_time / (double)g->closed) : json_null(), "median_days_to_close",
        median, "max_days_to_close", max, "rejections", (json_int_t)g->rejections, "relapses",
        (json_int_t)g->relapses, "self_found", (json_int_t)g->self_found);
}

int cmd_stats(cmd_ctx *c)
{
    static const char *const bys[] = {"unit", "owner", "leader", "source", "kind"};
    s_stats st = {.c = c, .by = cmd_str(c, "by"), .insp = cmd_str(c, "inspection")};
    json_t *groups = NULL, *total = NULL;
    int rc;
    if (st.insp && (rc = ledger_inspection_known(c, st.insp)))
        return rc;
    if (st.by && rect_lookup(bys, 5, st.by) < 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "stats: by must be unit, owner, leader, source or kind, not \"%s\"", st.by);
    date_today(c->now, c->cfg->timezone, st.today);
    rc = st.insp ? store_scan_index(c->txn, "inspection", st.insp, s_stats_item, &st)
                 : store_scan_items(c->txn, s_stats_item, &st);
    if (rc) {
        rc = cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the items");
        goto done;
    }
    if (st.n)
        qsort(st.groups, st.n, sizeof *st.groups, s_cmp_group);
    if (!(groups = json_array())) {
        rc = s_nomem(c);
        goto done;
    }
    for (size_t i = 0; i < st.n; i++) {
        json_t *g = s_counts_json(&st.groups[i]);
        if (!g || json_object_set(g, "key", st.groups[i].key) || json_array_append_new(groups, g)) {
            json_decref(g);
            rc = s_nomem(c);
            goto done;
        }
    }
    if (!(total = s_counts_json(&st.total)) ||
        !(c->result = json_pack("{s:s?,s:O,s:O}", "by", st.by, "groups", groups, "total", total)))
        rc = s_nomem(c);
done:
    for (size_t i = 0; i < st.n; i++) {
        json_decref(st.groups[i].key);
        free(st.groups[i].days);
    }
    free(st.groups);
    free(st.total.days);
    json_decref(groups);
    json_decref(total);
    return rc;
}
