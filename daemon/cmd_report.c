/*
 * cmd_report.c - the 整改报告: every number of the progress report a town
 * sends up about one inspection, from the record as of a date.
 *
 * The numbers come from the ledger's own replay (ledger_replay: the same
 * one pass, cut and chain head as `ledger --as-of`), an observer that
 * counts the events no item field holds (extension requests and decisions,
 * 督办, reviews, the sign-off), and facts_of() for lateness and "overdue
 * now". rectctl only words them (client/report.c). Counts of what the
 * record does not hold yet (a kind of event or a field added later) are 0.
 *
 * Scope: the progress counts (claimed, kinds, rectified, struck off, on
 * time) are of the claimed fed-back problems; self-found items (举一反三:
 * items with a "parent") are counted apart; overdue, extensions, 督办,
 * reviews and relapses are of every item of the inspection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ledger.h"
#include "facts.h"
#include "rect_proto.h"
#include "records.h"
#include "replay.h"

/* What the observer counts while the record is replayed. */
typedef struct {
    cmd_ctx *c;
    const char *insp;
    long ext_asked, ext_approved, ext_denied, escalations, urges, reviews, relapses;
} s_report;

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int s_is(const char *action, const char *name)
{
    return action && strcmp(action, name) == 0;
}

static int s_observe(void *ctx, const replay *r, const json_t *ev)
{
    s_report *rp = ctx;
    const char *action = s_str(ev, "action");
    uint64_t id = (uint64_t)json_integer_value(json_object_get(ev, "item"));
    if (id == 0)
        return 0; /* inspection records and sign-offs: the replay keeps them */
    const char *in = s_str(replay_item(r, id), "inspection");
    if (!in || strcmp(in, rp->insp) != 0)
        return 0;
    rp->ext_asked += s_is(action, rect_action_names[RECT_ACT_EXTEND]);
    rp->ext_approved += s_is(action, rect_action_names[RECT_ACT_EXTEND_APPROVE]);
    rp->ext_denied += s_is(action, rect_action_names[RECT_ACT_EXTEND_DENY]);
    rp->escalations += s_is(action, rect_action_names[RECT_ACT_ESCALATE]);
    rp->urges += s_is(action, "urge"); /* 督办 by a person (issue 9, acts) */
    rp->reviews +=
        s_is(action, rect_action_names[RECT_ACT_REVIEW]) || s_is(action, rect_action_names[RECT_ACT_RELAPSE]);
    rp->relapses += s_is(action, rect_action_names[RECT_ACT_RELAPSE]);
    return 0;
}

/* The counts of one source or level; fed_back < 0: not recorded. */
typedef struct {
    long fed_back, claimed, declined, immediate, long_term, rectified, closed;
    int derived; /* fed_back = claimed + declined (declined problems recorded) */
} s_tally;

static void s_add(s_tally *to, const s_tally *t)
{
    to->fed_back = to->fed_back < 0 || t->fed_back < 0 ? -1 : to->fed_back + t->fed_back;
    to->claimed += t->claimed;
    to->declined += t->declined;
    to->immediate += t->immediate;
    to->long_term += t->long_term;
    to->rectified += t->rectified;
    to->closed += t->closed;
    to->derived |= t->derived;
}

static json_t *s_count(long n)
{
    return n >= 0 ? json_integer(n) : json_null();
}

/* The tally's keys set on obj (a new object when obj is NULL); NULL without memory. */
static json_t *s_tally_json(const s_tally *t, json_t *obj)
{
    json_t *o = obj ? obj : json_object();
    long not_claimed = t->fed_back >= t->claimed ? t->fed_back - t->claimed : -1;
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "fed_back", s_count(t->fed_back));
    bad |= json_object_set_new(o, "fed_back_derived", json_boolean(t->derived));
    bad |= json_object_set_new(o, "claimed", json_integer(t->claimed));
    bad |= json_object_set_new(o, "declined", json_integer(t->declined));
    bad |= json_object_set_new(o, "not_claimed", s_count(not_claimed));
    bad |= json_object_set_new(o, "immediate", json_integer(t->immediate));
    bad |= json_object_set_new(o, "long_term", json_integer(t->long_term));
    bad |= json_object_set_new(o, "rectified", json_integer(t->rectified));
    bad |= json_object_set_new(o, "closed", json_integer(t->closed));
    if (bad) {
        if (!obj)
            json_decref(o);
        return NULL;
    }
    return o;
}

/* Everything counted over the replayed items of the inspection. */
typedef struct {
    s_tally *src;  /* per configured source, config order */
    s_tally other; /* items of a source no longer configured */
    long verified, open, on_time, late, overdue, pending, reviews_due;
    long self_found, self_rectified, self_closed;
    json_t *overdue_list, *late_list, *self_list;
} s_items;

static int s_rectified(int st)
{
    return st == RECT_ST_VERIFIED || st == RECT_ST_CLOSED;
}

/* One line of the overdue or late list. NULL without memory. */
static json_t *s_line(const json_t *it, const char *days_key, long days)
{
    return json_pack("{s:O,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:I}", "id", json_object_get(it, "id"), "ref",
                     json_object_get(it, "ref"), "title", json_object_get(it, "title"), "owner",
                     json_object_get(it, "owner"), "unit", json_object_get(it, "unit"), "leader",
                     json_object_get(it, "leader"), "deadline", json_object_get(it, "deadline"), days_key,
                     (json_int_t)days);
}

static int s_item(cmd_ctx *c, const replay *r, const json_t *it, const char *day, facts_tz *tz, s_items *x)
{
    int st = rect_lookup(rect_state_names, RECT_ST_COUNT, s_str(it, "state"));
    facts f;
    facts_of(c->cfg, it, day, tz, &f);
    const char *deadline = s_str(it, "deadline");
    if (f.open && deadline && strcmp(deadline, day) < 0) { /* facts_count_overdue's rule, as the ledger */
        x->overdue++;
        if (json_array_append_new(x->overdue_list,
                                  s_line(it, "days_overdue", f.days_overdue > 0 ? f.days_overdue : 0)))
            return s_nomem(c);
    }
    x->pending += json_is_object(json_object_get(it, "extension"));
    x->reviews_due += f.review_due;
    json_t *parent = json_object_get(it, "parent");
    if (json_is_integer(parent) && json_integer_value(parent) > 0) {
        const json_t *p = replay_item(r, (uint64_t)json_integer_value(parent));
        x->self_found++;
        x->self_rectified += s_rectified(st);
        x->self_closed += st == RECT_ST_CLOSED;
        json_t *line =
            json_pack("{s:O,s:O?,s:O?,s:O?,s:O,s:O?,s:O?,s:O?,s:O?}", "id", json_object_get(it, "id"), "ref",
                      json_object_get(it, "ref"), "title", json_object_get(it, "title"), "source",
                      json_object_get(it, "source"), "parent", parent, "parent_ref",
                      json_object_get(p, "ref"), "state", json_object_get(it, "state"), "owner",
                      json_object_get(it, "owner"), "unit", json_object_get(it, "unit"));
        return json_array_append_new(x->self_list, line) ? s_nomem(c) : 0;
    }
    const char *src = s_str(it, "source");
    s_tally *t = &x->other;
    for (size_t s = 0; src && s < c->cfg->n_sources; s++)
        if (strcmp(c->cfg->sources[s].id, src) == 0)
            t = &x->src[s];
    int kind = rect_lookup(rect_kind_names, RECT_KIND_COUNT, s_str(it, "kind"));
    t->claimed++;
    t->immediate += kind == RECT_KIND_IMMEDIATE;
    t->long_term += kind == RECT_KIND_LONG_TERM;
    t->rectified += s_rectified(st);
    t->closed += st == RECT_ST_CLOSED;
    x->verified += st == RECT_ST_VERIFIED;
    x->open += f.open;
    if (st == RECT_ST_CLOSED && f.days_late == 0)
        x->on_time++;
    else if (st == RECT_ST_CLOSED && f.days_late > 0) {
        x->late++;
        if (json_array_append_new(x->late_list, s_line(it, "days_late", f.days_late)))
            return s_nomem(c);
    }
    return 0;
}

/* Fed back per source from the inspection record, by records.c's rule (records_fed_back_count). */
static void s_fed(const rect_cfg *cfg, const json_t *rec, s_items *x)
{
    const json_t *fed = json_object_get(rec, "fed_back"), *declined = json_object_get(rec, "declined");
    for (size_t s = 0; s < cfg->n_sources; s++) {
        s_tally *t = &x->src[s];
        t->declined = records_declined_of(declined, cfg->sources[s].id);
        t->derived = t->declined > 0;
        t->fed_back =
            records_fed_back_count(json_object_get(fed, cfg->sources[s].id), t->claimed, t->declined);
    }
    x->other.fed_back = x->other.claimed ? -1 : 0;
}

/* Append o (a new object, stolen) with the tally's keys to arr. 0 or RECT_E_NOMEM. */
static int s_append_tally(json_t *arr, json_t *o, const s_tally *t)
{
    if (!o || !s_tally_json(t, o)) {
        json_decref(o);
        return RECT_E_NOMEM;
    }
    return json_array_append_new(arr, o) ? RECT_E_NOMEM : 0;
}

/* The sources (config order within level order) and the levels, into result. */
static int s_sources(cmd_ctx *c, s_items *x, json_t *result, s_tally *total)
{
    json_t *sources = json_array(), *levels = json_array();
    int rc = sources && levels ? 0 : RECT_E_NOMEM;
    *total = (s_tally){0};
    for (int lv = 0; !rc && lv < RECT_LEVEL_COUNT; lv++) {
        s_tally sum = {0};
        int any = 0;
        for (size_t s = 0; !rc && s < c->cfg->n_sources; s++) {
            const rect_named *n = &c->cfg->sources[s];
            s_tally *t = &x->src[s];
            if (n->level != lv || (t->fed_back < 0 && !t->claimed && !t->declined))
                continue;
            any = 1;
            s_add(&sum, t);
            rc = s_append_tally(
                sources, json_pack("{ssssss}", "id", n->id, "name", n->name, "level", rect_level_names[lv]),
                t);
        }
        if (lv == RECT_LEVEL_OTHER && x->other.claimed) {
            any = 1;
            s_add(&sum, &x->other);
            rc = s_append_tally(sources, json_pack("{snsnss}", "id", "name", "level", rect_level_names[lv]),
                                &x->other);
        }
        if (!any || rc)
            continue;
        s_add(total, &sum);
        rc = s_append_tally(levels, json_pack("{ss}", "level", rect_level_names[lv]), &sum);
    }
    if (!rc &&
        (json_object_set_new(result, "sources", sources) || json_object_set_new(result, "levels", levels)))
        return s_nomem(c);
    if (rc) {
        json_decref(sources);
        json_decref(levels);
        return s_nomem(c);
    }
    return 0;
}

/*
 * The 审核人 line: the inspection's latest sign-off as the replay knows it at
 * the cut (replay_sign_off), else the configured reviewer unsigned. "changed":
 * events about the inspection came after the head it signed.
 */
static json_t *s_reviewer(cmd_ctx *c, const replay *r, const char *insp, facts_tz *tz)
{
    const json_t *so = replay_sign_off(r, insp);
    const char *who = so ? s_str(so, "by") : c->cfg->ledger_reviewer;
    const rect_user *u = who ? cfg_user(c->cfg, who) : NULL;
    const char *name = u ? u->display : who;
    if (!so)
        return json_pack("{s:b,s:s?,s:s?}", "signed", 0, "user", who, "name", name);
    const char *at = s_str(so, "at");
    char day[RECT_DATE_LEN] = "";
    if (facts_local_date(tz, c->cfg->timezone, at, day) != 0)
        day[0] = '\0';
    return json_pack("{s:b,s:s?,s:s?,s:s?,s:s?,s:O?,s:O?,s:O?}", "signed", 1, "user", who, "name", name, "at",
                     at, "date", day[0] ? day : NULL, "head",
                     json_object_get(json_object_get(so, "head"), "hash"), "note",
                     json_object_get(so, "note"), "changed", json_object_get(so, "changed"));
}

static int s_set_counts(json_t *o, const s_items *x, const s_report *rp)
{
    struct {
        const char *k;
        long v;
    } kv[] = {
        {"verified", x->verified},
        {"open", x->open},
        {"closed_on_time", x->on_time},
        {"closed_late", x->late},
        {"overdue", x->overdue},
        {"extensions_asked", rp->ext_asked},
        {"extensions_approved", rp->ext_approved},
        {"extensions_denied", rp->ext_denied},
        {"extensions_pending", x->pending},
        {"escalations", rp->escalations},
        {"urges", rp->urges},
        {"supervisions", rp->escalations + rp->urges},
        {"reviews", rp->reviews},
        {"relapses", rp->relapses},
        {"reviews_due", x->reviews_due},
        {"self_found", x->self_found},
        {"self_found_rectified", x->self_rectified},
        {"self_found_closed", x->self_closed},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (json_object_set_new(o, kv[i].k, json_integer(kv[i].v)))
            return RECT_E_NOMEM;
    return 0;
}

/* The declined problems of the record, as recorded: [{source, title, reason}]. */
static json_t *s_declined(const json_t *rec)
{
    json_t *out = json_array(), *d;
    size_t i;
    json_array_foreach(json_object_get(rec, "declined"), i, d)
        if (out && json_is_object(d) &&
            json_array_append_new(out, json_pack("{s:O?,s:O?,s:O?}", "source", json_object_get(d, "source"),
                                                 "title", json_object_get(d, "title"), "reason",
                                                 json_object_get(d, "reason")))) {
            json_decref(out);
            return NULL;
        }
    return out;
}

int cmd_report(cmd_ctx *c)
{
    char as_of[RECT_DATE_LEN];
    ledger_cut cut = {.inspection = cmd_str(c, "inspection")};
    s_report rp = {.c = c, .insp = cut.inspection};
    s_items x = {0};
    ledger_replayed at = {0};
    facts_tz tz;
    memset(&tz, 0, sizeof tz);
    json_t *res = NULL;
    s_tally total;
    int rc;
    if ((rc = ledger_cut_args(c, "report", &cut, as_of)) ||
        (rc = ledger_replay(c, &cut, s_observe, &rp, &at)))
        goto done;
    if (!(x.src = calloc(c->cfg->n_sources ? c->cfg->n_sources : 1, sizeof *x.src)) ||
        !(x.overdue_list = json_array()) || !(x.late_list = json_array()) || !(x.self_list = json_array())) {
        rc = s_nomem(c);
        goto done;
    }
    for (uint64_t id = 1; id <= replay_max_id(at.r); id++) {
        const json_t *it = replay_item(at.r, id);
        const char *in = s_str(it, "inspection");
        if (it && in && strcmp(in, cut.inspection) == 0 && (rc = s_item(c, at.r, it, at.ref_date, &tz, &x)))
            goto done;
    }
    const json_t *rec = replay_inspection(at.r, cut.inspection);
    s_fed(c->cfg, rec, &x);
    json_t *declined = s_declined(rec);
    res = json_pack("{s:s,s:O?,s:s?,s:s,s:{s:I,s:s},s:s,s:s,s:s,s:o?}", "inspection", cut.inspection, "title",
                    json_object_get(rec, "title"), "as_of", cut.as_of, "date", at.ref_date, "head", "seq",
                    (json_int_t)at.seq, "hash", at.hash, "generated_at", c->now_text, "generated_by",
                    c->actor->name, "timezone", c->cfg->timezone, "declined", declined);
    if (!res || !declined) {
        rc = s_nomem(c);
        goto done;
    }
    if ((rc = s_sources(c, &x, res, &total)))
        goto done;
    json_t *totals = s_tally_json(&total, NULL);
    if (!totals || json_object_set_new(res, "totals", totals) || s_set_counts(totals, &x, &rp) ||
        json_object_set(res, "overdue", x.overdue_list) || json_object_set(res, "closed_late", x.late_list) ||
        json_object_set(res, "self_found", x.self_list) ||
        json_object_set_new(res, "reviewer", s_reviewer(c, at.r, cut.inspection, &tz)) ||
        !json_is_object(json_object_get(res, "reviewer"))) {
        rc = s_nomem(c);
        goto done;
    }
    c->result = res;
    res = NULL;
done:
    json_decref(res);
    json_decref(x.overdue_list);
    json_decref(x.late_list);
    json_decref(x.self_list);
    free(x.src);
    replay_destroy(&at.r);
    return rc;
}
