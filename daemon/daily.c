/*
 * daily.c - the daily job: what it says and what it writes (see daily.h).
 *
 * Exactly once per day: the job's notices, its escalation events and the
 * day marked done ("job_day" in meta) commit in one transaction, so a
 * restart never sends a day twice and a day missed while rectd was down is
 * run at the next tick after start. A plan is built from a read snapshot
 * (s_build: nothing written; off the loop, by notify.c's builder thread),
 * then written in that one transaction (s_apply), which checks job_day and
 * what changed since the snapshot again. notify_run (notify_job) does both
 * in its own write transaction.
 */
#include "daily.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "facts.h"
#include "fault.h"
#include "item.h"
#include "notify.h"
#include "rect_proto.h"
#include "workflow.h"

/* The user rectd acts as for its own events (escalation). */
static const rect_user s_system = {(char *)RECT_SYSTEM_ACTOR, (char *)RECT_SYSTEM_ACTOR, RECT_ROLE_ADMIN,
                                   NULL};

/* ---- gathering: the open items and the reviews due ----------------------- */

typedef struct {
    const rect_cfg *cfg;
    const char *today;
    json_t *open;    /* items not closed, with their facts (facts_annotate) */
    json_t *reviews; /* closed long-term items whose review is due */
    /*
     * The same items by person, in the same order, so that each user's
     * notice costs what it holds: name -> array, of open items by owner
     * and by leader, of reviews due by owner and by leader.
     */
    json_t *open_by_owner, *open_by_leader, *reviews_by_owner, *reviews_by_leader;
    const atomic_int *cancel; /* may be NULL: when set, stop (rectd is stopping) */
} s_gather;

/* Append it to by[name] (no name: nowhere). 0 or RECT_E_NOMEM. */
static int s_group_add(json_t *by, const char *name, json_t *it)
{
    if (!name)
        return 0;
    json_t *a = json_object_get(by, name);
    if (!a && json_object_set_new(by, name, a = json_array()))
        return RECT_E_NOMEM;
    return json_array_append(a, it) ? RECT_E_NOMEM : 0;
}

/* Add it to list and to its owner's and leader's groups. */
static int s_gather_add(json_t *list, json_t *by_owner, json_t *by_leader, json_t *it)
{
    if (json_array_append(list, it))
        return RECT_E_NOMEM;
    int rc = s_group_add(by_owner, json_string_value(json_object_get(it, "owner")), it);
    return rc ? rc : s_group_add(by_leader, json_string_value(json_object_get(it, "leader")), it);
}

static int s_gather_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    s_gather *g = ctx;
    if (g->cancel && atomic_load(g->cancel))
        return RECT_E_INTERNAL;
    if (item_state(item) == RECT_ST_CLOSED) {
        const char *due = json_string_value(json_object_get(item, "next_review"));
        if (due && strcmp(due, g->today) <= 0)
            return s_gather_add(g->reviews, g->reviews_by_owner, g->reviews_by_leader, item);
        return 0;
    }
    facts_tz tz = {{0}, 0};
    if (facts_annotate(g->cfg, item, g->today, &tz, NULL))
        return RECT_E_NOMEM;
    return s_gather_add(g->open, g->open_by_owner, g->open_by_leader, item);
}

static void s_gather_free(s_gather *g)
{
    json_t **all[] = {&g->open,           &g->reviews,          &g->open_by_owner,
                      &g->open_by_leader, &g->reviews_by_owner, &g->reviews_by_leader};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        json_decref(*all[i]);
        *all[i] = NULL;
    }
}

static int s_gather_all(store_txn *t, s_gather *g)
{
    if (!(g->open = json_array()) || !(g->reviews = json_array()) || !(g->open_by_owner = json_object()) ||
        !(g->open_by_leader = json_object()) || !(g->reviews_by_owner = json_object()) ||
        !(g->reviews_by_leader = json_object()))
        return RECT_E_NOMEM;
    /* Every item not closed, then the closed ones whose review is due: not the whole closed past. */
    for (int s = 0; s < RECT_ST_COUNT; s++) {
        int rc = s == RECT_ST_CLOSED
                     ? store_walk_index_range(t, "next_review", NULL, g->today, s_gather_cb, g)
                     : store_walk_index(t, "state", rect_state_names[s], s_gather_cb, g);
        if (rc)
            return rc;
    }
    return 0;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int s_eq(const json_t *o, const char *key, const char *value)
{
    const char *v = s_str(o, key);
    return v && value && strcmp(v, value) == 0;
}

static const char *s_display(const rect_cfg *cfg, const char *name)
{
    const rect_user *u = name ? cfg_user(cfg, name) : NULL;
    return u ? u->display : name ? name : "-";
}

static const char *s_unit_name(const rect_cfg *cfg, const char *id)
{
    const rect_named *u = id ? cfg_unit_find(cfg, id) : NULL;
    return u ? u->name : id ? id : "-";
}

/* The summary of an item that a notice carries. */
static json_t *s_brief(const json_t *item)
{
    static const char *const keys[] = {"id",           "ref",   "title", "deadline", "light",
                                       "days_overdue", "owner", "unit",  "leader",   "state"};
    json_t *b = json_object();
    for (size_t i = 0; b && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(item, keys[i]);
        if (json_object_set(b, keys[i], v ? v : json_null())) {
            json_decref(b);
            return NULL;
        }
    }
    return b;
}

static json_t *s_review_brief(const json_t *item)
{
    return json_pack("{sOsOsOsO}", "id", json_object_get(item, "id"), "ref", json_object_get(item, "ref"),
                     "title", json_object_get(item, "title"), "next_review",
                     json_object_get(item, "next_review"));
}

/* Red or yellow by its deadline: what its owner must act on. */
static int s_due(const json_t *it)
{
    return (s_eq(it, "light", "red") || s_eq(it, "light", "yellow")) &&
           json_is_true(json_object_get(it, "open"));
}

/* Accepted but not struck off in time: what the closers (leaders, admins) must act on. */
static int s_awaiting(const json_t *it)
{
    return json_is_true(json_object_get(it, "awaiting_closure")) && s_eq(it, "light", "yellow");
}

static json_t *s_awaiting_brief(const json_t *it)
{
    json_t *b = s_brief(it);
    if (b && (json_object_set(b, "verified_by", json_object_get(it, "verified_by")) ||
              json_object_set(b, "verified_at", json_object_get(it, "verified_at")))) {
        json_decref(b);
        return NULL;
    }
    return b;
}

/* ---- rendering: the Chinese text people read ----------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} s_text;

static void s_add(s_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_add(s_text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = 1;
            return;
        }
        if (t->buf && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
        char *b = fault_realloc(t->buf, cap);
        if (!b) {
            t->failed = 1;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
}

static void s_item_line(s_text *t, const rect_cfg *cfg, const json_t *it, int with_owner)
{
    json_int_t late = json_integer_value(json_object_get(it, "days_overdue"));
    s_add(t, "  %s %s（时限 %s", s_str(it, "ref"), s_str(it, "title"),
          s_str(it, "deadline") ? s_str(it, "deadline") : "未定");
    if (late > 0)
        s_add(t, "，逾期 %lld 天", (long long)late);
    if (with_owner)
        s_add(t, "，责任人 %s，%s", s_display(cfg, s_str(it, "owner")), s_unit_name(cfg, s_str(it, "unit")));
    s_add(t, "）\n");
}

/* Lines of one list in a notice's text; the notice's items carry them all. */
#define TEXT_MAX_LINES 50

static void s_list_section(s_text *t, const rect_cfg *cfg, const char *title, json_t *items,
                           const char *light, int with_owner)
{
    size_t i, n = 0, shown = 0;
    json_t *it;
    json_array_foreach(items, i, it)
        n += light == NULL || s_eq(it, "light", light);
    if (!n)
        return;
    s_add(t, "%s:\n", title);
    json_array_foreach(items, i, it) {
        if ((light == NULL || s_eq(it, "light", light)) && shown++ < TEXT_MAX_LINES)
            s_item_line(t, cfg, it, with_owner);
    }
    if (n > TEXT_MAX_LINES) /* an SMS or WeCom message must stay readable */
        s_add(t, "  ……另有 %zu 项，见 rectctl overdue\n", n - TEXT_MAX_LINES);
}

static void s_awaiting_section(s_text *t, const rect_cfg *cfg, json_t *items)
{
    size_t i;
    json_t *it;
    if (!json_array_size(items))
        return;
    s_add(t, "待销号（验收后超过 %u 天未销号）：\n", cfg->close_within_days);
    json_array_foreach(items, i, it) {
        if (i == TEXT_MAX_LINES) {
            s_add(t, "  ……另有 %zu 项\n", json_array_size(items) - TEXT_MAX_LINES);
            break;
        }
        time_t at;
        char day[RECT_DATE_LEN] =
            "-"; /* the local date: an acceptance at 01:00 in Xinjiang is not the day before */
        if (instant_parse(s_str(it, "verified_at") ? s_str(it, "verified_at") : "", &at) == 0)
            date_today(at, cfg->timezone, day);
        s_add(t, "  %s %s（验收 %s，验收人 %s）\n", s_str(it, "ref"), s_str(it, "title"), day,
              s_display(cfg, s_str(it, "verified_by")));
    }
}

/* ---- building notices ---------------------------------------------------- */

/*
 * A notice the job will store: everything notify_store needs, built in the
 * snapshot (off the loop) and stored at the commit.
 */
typedef struct {
    const rect_user *u; /* the recipient, of the plan's config */
    char *json;         /* owned: the notice's compact JSON with "id" 0 first (s_notice_json) */
    size_t len;
} s_note;

typedef struct {
    s_note *v;
    size_t n, cap;
} s_notes;

/* An item the snapshot found due for escalation. */
typedef struct {
    uint64_t id;
    json_t *brief; /* its notice summary with the escalations it will have; NULL: dropped at the commit */
} s_cand;

/*
 * What one day's job writes, built from one read snapshot (s_build) and
 * written by s_apply in a write transaction: see notify_job and
 * s_maybe_run_job, and docs/DESIGN.md section 9.
 */
struct daily_plan {
    const rect_cfg *cfg; /* the config it was built with (SIGHUP keeps old ones alive) */
    char day[RECT_DATE_LEN];
    char now_text[RECT_INSTANT_LEN]; /* when it was started: its notices' "created" */
    uint64_t next_seq;               /* the snapshot's chain head: nothing changed while it still is */
    unsigned char head[32];
    s_cand *cand;
    size_t n_cand;
    s_notes digests, escalations;
};
typedef daily_plan s_plan;

typedef struct {
    const rect_cfg *cfg;
    const char *day;
    const char *now_text;
    s_notes *out;
} s_job;

static void s_notes_free(s_notes *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i].json);
    free(ns->v);
    memset(ns, 0, sizeof *ns);
}

static void s_plan_free(s_plan *p)
{
    for (size_t i = 0; i < p->n_cand; i++)
        json_decref(p->cand[i].brief);
    free(p->cand);
    p->cand = NULL;
    p->n_cand = 0;
    s_notes_free(&p->digests);
    s_notes_free(&p->escalations);
}

/* Count items of a light in an array of briefs. */
static json_int_t s_count(json_t *items, const char *light)
{
    size_t i;
    json_t *it;
    json_int_t n = 0;
    json_array_foreach(items, i, it)
        n += s_eq(it, "light", light);
    return n;
}

/*
 * A new notice (id 0, the first key) for user u; items, reviews and extra
 * borrowed; created (and each hook's first attempt) at now_text. New
 * reference, or NULL without memory or text.
 */
static json_t *s_notice_json(const rect_cfg *cfg, const char *day, const char *kind, const rect_user *u,
                             json_t *items, json_t *reviews, const char *text, const char *subject,
                             json_t *extra, const char *now_text)
{
    json_t *states = json_object(), *n = NULL;
    if (!text || !states || !items || !reviews)
        goto fail;
    for (size_t h = 0; h < cfg->n_hooks; h++)
        if (json_object_set_new(states, cfg->hooks[h].name,
                                json_pack("{sssisnss}", "state", "pending", "attempts", 0, "last_error",
                                          "next_attempt", now_text)))
            goto fail;
    n = json_pack("{sIsssssssssssssss{sIsIsI}sOsOsbs{sssO}}", "id", (json_int_t)0, "day", day, "kind", kind,
                  "recipient", u->name, "recipient_display", u->display, "created", now_text, "subject",
                  subject, "text", text, "counts", "red", s_count(items, "red"), "yellow",
                  s_count(items, "yellow"), "reviews", (json_int_t)json_array_size(reviews), "items", items,
                  "reviews", reviews, "read", 0, "delivery", "pub", cfg->pub_endpoint ? "published" : "none",
                  "hooks", states);
    if (!n)
        goto fail;
    if (extra && json_object_update(n, extra))
        goto fail;
    if (!json_object_get(n, "awaiting_close") && json_object_set_new(n, "awaiting_close", json_array()))
        goto fail;
    json_decref(states);
    return n;
fail:
    json_decref(states);
    json_decref(n);
    return NULL;
}

/* Its deliveries pending, one per hook. */
static int s_pending(cmd_ctx *c, uint64_t id)
{
    int rc = 0;
    for (size_t h = 0; h < c->cfg->n_hooks && rc == 0; h++)
        rc = store_pending_set(c->txn, id, (uint32_t)h, 1);
    return rc;
}

int notify_store(cmd_ctx *c, const char *day, const char *kind, const rect_user *u, json_t *items,
                 json_t *reviews, const char *text, const char *subject, json_t *extra)
{
    json_t *n = s_notice_json(c->cfg, day, kind, u, items, reviews, text, subject, extra, c->now_text);
    int rc = n ? store_notice_put(c->txn, n) : RECT_E_NOMEM;
    if (rc == 0)
        rc = s_pending(c, (uint64_t)json_integer_value(json_object_get(n, "id")));
    json_decref(items);
    json_decref(reviews);
    json_decref(n);
    return rc;
}

/*
 * Add a notice to the job's plan, serialised here (off the loop): items,
 * reviews and the text taken, extra borrowed (may be NULL).
 */
static int s_store(s_job *j, const char *kind, const rect_user *u, json_t *items, json_t *reviews,
                   s_text *text, const char *subject, json_t *extra)
{
    s_notes *ns = j->out;
    json_t *n = s_notice_json(j->cfg, j->day, kind, u, items, reviews,
                              text->failed ? NULL
                              : text->buf  ? text->buf
                                           : "",
                              subject, extra, j->now_text);
    char *json = n ? fault_dumps(n, JSON_COMPACT) : NULL;
    json_decref(n);
    json_decref(items);
    json_decref(reviews);
    free(text->buf);
    text->buf = NULL;
    /* "id" is the first key: the commit writes the id it assigns in its place */
    if (json && strncmp(json, "{\"id\":0", 7) != 0) {
        free(json);
        return RECT_E_INTERNAL;
    }
    if (!json)
        return RECT_E_NOMEM;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 16;
        s_note *v = fault_realloc(ns->v, cap * sizeof *v);
        if (!v) {
            free(json);
            return RECT_E_NOMEM;
        }
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = (s_note){u, json, strlen(json)};
    return 0;
}

/* Store the plan's notices in c->txn, with their pending deliveries; *count += how many. */
static int s_store_notes(cmd_ctx *c, s_notes *ns, int *count)
{
    for (size_t i = 0; i < ns->n; i++) {
        uint64_t id;
        s_note *nt = &ns->v[i];
        int rc = store_notice_add_text(c->txn, nt->u->name, nt->json + 7, nt->len - 7, &id);
        if (rc == 0)
            rc = s_pending(c, id);
        if (rc)
            return rc;
        (*count)++;
    }
    return 0;
}

json_t *notify_brief(const rect_cfg *cfg, const json_t *item, const char *today)
{
    json_t *copy = json_deep_copy(item);
    facts_tz tz = {{0}, 0};
    if (!copy || facts_annotate(cfg, copy, today, &tz, NULL)) {
        json_decref(copy);
        return NULL;
    }
    json_t *b = s_brief(copy);
    json_decref(copy);
    return b;
}

/* Drop the lists of a notice that could not be built (may be NULL): RECT_E_NOMEM. */
static int s_dropped(json_t *a, json_t *b, json_t *c)
{
    json_decref(a);
    json_decref(b);
    json_decref(c);
    return RECT_E_NOMEM;
}

/* 1 if user owns an open item or a review due. */
static int s_owns(s_gather *g, const char *user)
{
    return json_object_get(g->open_by_owner, user) || json_object_get(g->reviews_by_owner, user);
}

/* Owner digest: their red and yellow items and their reviews due. */
static int s_owner_notice(s_job *j, const rect_user *u, s_gather *g)
{
    json_t *items = json_array(), *reviews = json_array(), *it;
    size_t i;
    int bad = 0;
    json_array_foreach(json_object_get(g->open_by_owner, u->name), i, it) {
        if (s_due(it))
            bad |= json_array_append_new(items, s_brief(it));
    }
    json_array_foreach(json_object_get(g->reviews_by_owner, u->name), i, it)
        bad |= json_array_append_new(reviews, s_review_brief(it));
    if (bad)
        return s_dropped(items, reviews, NULL);
    json_int_t red = s_count(items, "red"), yellow = s_count(items, "yellow");
    s_text t = {0};
    s_add(&t, "【整改事项提醒】%s %s:\n", j->day, u->display);
    s_add(&t, "您负责的整改事项：逾期 %lld 项，即将到期 %lld 项，待巩固复查 %zu 项。\n", (long long)red,
          (long long)yellow, json_array_size(reviews));
    s_list_section(&t, j->cfg, "逾期（红灯）", items, "red", 0);
    s_list_section(&t, j->cfg, "即将到期（黄灯）", items, "yellow", 0);
    if (json_array_size(reviews)) {
        s_add(&t, "待巩固复查：\n");
        json_array_foreach(reviews, i, it)
            s_add(&t, "  %s %s（复查日期 %s）\n", s_str(it, "ref"), s_str(it, "title"),
                  s_str(it, "next_review"));
    }
    char subject[160];
    snprintf(subject, sizeof subject, "整改事项提醒 %s：逾期 %lld，即将到期 %lld", j->day, (long long)red,
             (long long)yellow);
    return s_store(j, "owner", u, items, reviews, &t, subject, NULL);
}

/* Leader digest: everything red or yellow under them, and their reviews due. */
static int s_leader_notice(s_job *j, const rect_user *u, s_gather *g)
{
    json_t *items = json_array(), *reviews = json_array(), *it;
    size_t i;
    json_t *awaiting = json_array();
    int bad = !awaiting;
    json_array_foreach(json_object_get(g->open_by_leader, u->name), i, it) {
        if (s_due(it))
            bad |= json_array_append_new(items, s_brief(it));
        else if (s_awaiting(it))
            bad |= json_array_append_new(awaiting, s_awaiting_brief(it));
    }
    json_array_foreach(json_object_get(g->reviews_by_leader, u->name), i, it)
        bad |= json_array_append_new(reviews, s_review_brief(it));
    if (bad)
        return s_dropped(items, reviews, awaiting);
    json_int_t red = s_count(items, "red"), yellow = s_count(items, "yellow");
    s_text t = {0};
    s_add(&t, "【分管整改事项】%s %s:\n", j->day, u->display);
    s_add(&t, "您分管的整改事项：逾期 %lld 项，即将到期 %lld 项，待销号 %zu 项，待巩固复查 %zu 项。\n",
          (long long)red, (long long)yellow, json_array_size(awaiting), json_array_size(reviews));
    s_list_section(&t, j->cfg, "逾期（红灯）", items, "red", 1);
    s_list_section(&t, j->cfg, "即将到期（黄灯）", items, "yellow", 1);
    s_awaiting_section(&t, j->cfg, awaiting);
    char subject[160];
    snprintf(subject, sizeof subject, "分管整改事项 %s：逾期 %lld，即将到期 %lld", j->day, (long long)red,
             (long long)yellow);
    json_t *extra = json_pack("{so}", "awaiting_close", awaiting);
    if (!extra) {
        free(t.buf);
        return s_dropped(items, reviews, NULL);
    }
    int rc = s_store(j, "leader", u, items, reviews, &t, subject, extra);
    json_decref(extra);
    return rc;
}

/* Admin summary: counts by unit and light, and the red list. */
static int s_admin_notice(s_job *j, const rect_user *u, s_gather *g)
{
    const rect_cfg *cfg = j->cfg;
    json_t *items = json_array(), *by_unit = json_object(), *awaiting = json_array(), *it;
    size_t i;
    json_int_t lights[3] = {0, 0, 0}; /* green, yellow, red */
    int bad = !by_unit || !awaiting;
    json_array_foreach(g->open, i, it) {
        const char *light = s_str(it, "light");
        int l = !light ? -1 : strcmp(light, "green") == 0 ? 0 : strcmp(light, "yellow") == 0 ? 1 : 2;
        if (l < 0)
            continue;
        lights[l]++;
        const char *unit = s_str(it, "unit") ? s_str(it, "unit") : "-";
        json_t *row = json_object_get(by_unit, unit);
        if (!row) {
            row = json_pack("{sisisi}", "green", 0, "yellow", 0, "red", 0);
            if (json_object_set_new(by_unit, unit, row)) {
                bad = 1;
                break;
            }
        }
        const char *key = l == 0 ? "green" : l == 1 ? "yellow" : "red";
        bad |= json_object_set_new(row, key, json_integer(json_integer_value(json_object_get(row, key)) + 1));
        if (l == 2)
            bad |= json_array_append_new(items, s_brief(it));
        else if (s_awaiting(it))
            bad |= json_array_append_new(awaiting, s_awaiting_brief(it));
    }
    if (bad) {
        json_decref(by_unit);
        return s_dropped(items, awaiting, NULL);
    }
    s_text t = {0};
    s_add(&t, "【整改销号日报】%s:\n", j->day);
    s_add(&t, "在办 %lld 项：红灯 %lld，黄灯 %lld，绿灯 %lld；待销号 %zu 项；待巩固复查 %zu 项。\n",
          (long long)(lights[0] + lights[1] + lights[2]), (long long)lights[2], (long long)lights[1],
          (long long)lights[0], json_array_size(awaiting), json_array_size(g->reviews));
    if (json_object_size(by_unit))
        s_add(&t, "按责任单位：\n");
    /* In the config's order, then items without a unit. */
    for (size_t k = 0; k <= cfg->n_units; k++) {
        const char *key = k < cfg->n_units ? cfg->units[k].id : "-";
        json_t *row = json_object_get(by_unit, key);
        if (row)
            s_add(&t, "  %s：红 %lld，黄 %lld，绿 %lld\n", k < cfg->n_units ? cfg->units[k].name : "未交办",
                  (long long)json_integer_value(json_object_get(row, "red")),
                  (long long)json_integer_value(json_object_get(row, "yellow")),
                  (long long)json_integer_value(json_object_get(row, "green")));
    }
    s_list_section(&t, cfg, "逾期清单", items, "red", 1);
    s_awaiting_section(&t, cfg, awaiting);
    char subject[160];
    snprintf(subject, sizeof subject, "整改销号日报 %s：逾期 %lld", j->day, (long long)lights[2]);
    /* The summary counts every open item, not only the red ones it lists. */
    json_t *extra =
        json_pack("{s{sIsIsI}sos{sIsIsI}so}", "lights", "green", lights[0], "yellow", lights[1], "red",
                  lights[2], "by_unit", by_unit, "counts", "red", lights[2], "yellow", lights[1], "reviews",
                  (json_int_t)json_array_size(g->reviews), "awaiting_close", awaiting);
    json_t *reviews = json_array();
    json_array_foreach(g->reviews, i, it)
        bad |= json_array_append_new(reviews, s_review_brief(it));
    if (bad || !extra) {
        free(t.buf);
        json_decref(extra);
        return s_dropped(items, reviews, NULL);
    }
    int rc = s_store(j, "admin", u, items, reviews, &t, subject, extra);
    json_decref(extra);
    return rc;
}

/*
 * Has this item been escalated since its deadline last changed (or since it
 * was reopened)? Walks the item's history backwards.
 */
static int s_already_escalated(store_txn *t, json_int_t id, int *yes)
{
    json_t *events;
    int rc = store_item_events(t, (uint64_t)id, &events);
    if (rc)
        return rc;
    *yes = 0;
    for (size_t i = json_array_size(events); i-- > 0;) {
        json_t *ev = json_array_get(events, i);
        const char *action = s_str(ev, "action");
        if (strcmp(action, rect_action_names[RECT_ACT_ESCALATE]) == 0) {
            *yes = 1;
            break;
        }
        json_t *ch = json_object_get(ev, "changes");
        if (json_object_get(ch, "deadline") || json_object_get(ch, "state"))
            break; /* a new deadline or a new round of work: escalation starts afresh */
    }
    json_decref(events);
    return 0;
}

/*
 * Is this item (with its facts at day: facts_annotate) due for an escalation
 * today? Red, open, more than notify.escalate_after_days overdue, not
 * escalated since its deadline last changed, and the rule book lets rectd
 * escalate it. *due 1 or 0, *late its days overdue. 0 or rect_err. The one
 * rule: the snapshot asks it of every red item, the commit again of each
 * candidate when the record moved in between.
 */
static int s_escalation_due(const rect_cfg *cfg, store_txn *t, const json_t *it, int *due, json_int_t *late)
{
    *due = 0;
    *late = json_integer_value(json_object_get(it, "days_overdue"));
    if (!s_eq(it, "light", "red") || !json_is_true(json_object_get(it, "open")) ||
        *late <= (json_int_t)cfg->escalate_after_days)
        return 0;
    int done;
    int rc = s_already_escalated(t, json_integer_value(json_object_get(it, "id")), &done);
    if (rc || done)
        return rc;
    wf_item wi = {.state = item_state(it), .owner = s_str(it, "owner")};
    wf_actor who = {RECT_SYSTEM_ACTOR, RECT_ROLE_ADMIN};
    rect_state to;
    char why[256];
    *due = wf_check(RECT_ACT_ESCALATE, &wi, &who, NULL, &to, why, sizeof why) == 0;
    return 0;
}

/* The brief of an escalated item (it annotated): its summary with the escalations it now has. */
static json_t *s_escalated_brief(const json_t *it)
{
    json_t *b = s_brief(it);
    if (b && json_object_set_new(b, "escalations",
                                 json_integer(json_integer_value(json_object_get(it, "escalations")) + 1))) {
        json_decref(b);
        return NULL;
    }
    return b;
}

/* In the snapshot: the open items due for escalation become the plan's candidates. */
static int s_candidates(s_plan *p, store_txn *t, s_gather *g)
{
    size_t i;
    json_t *it;
    json_array_foreach(g->open, i, it) {
        int due;
        json_int_t late;
        int rc = s_escalation_due(p->cfg, t, it, &due, &late);
        if (rc)
            return rc;
        if (!due)
            continue;
        if (p->n_cand % 64 == 0) {
            s_cand *v = fault_realloc(p->cand, (p->n_cand + 64) * sizeof *v);
            if (!v)
                return RECT_E_NOMEM;
            p->cand = v;
        }
        s_cand *cd = &p->cand[p->n_cand];
        cd->id = (uint64_t)json_integer_value(json_object_get(it, "id"));
        if (!(cd->brief = s_escalated_brief(it)))
            return RECT_E_NOMEM;
        p->n_cand++;
    }
    return 0;
}

/* One escalation notice per leader concerned and per admin, of the candidates not dropped. */
static int s_escalation_notices(s_job *j, const s_plan *p)
{
    const rect_cfg *cfg = j->cfg;
    json_t *all = json_array(), *by_leader = json_object();
    int rc = all && by_leader ? 0 : RECT_E_NOMEM;
    for (size_t k = 0; k < p->n_cand && rc == 0; k++) {
        json_t *b = p->cand[k].brief;
        if (b && json_array_append(all, b))
            rc = RECT_E_NOMEM;
        else if (b)
            rc = s_group_add(by_leader, s_str(b, "leader"), b);
    }
    for (size_t u = 0; u < cfg->n_users && rc == 0; u++) {
        const rect_user *user = &cfg->users[u];
        /* every admin hears of all; a leader of theirs */
        json_t *mine = user->roles & RECT_ROLE_ADMIN ? all : json_object_get(by_leader, user->name);
        if (!json_array_size(mine))
            continue;
        json_t *items = json_copy(mine), *it;
        size_t i;
        if (!items) {
            rc = RECT_E_NOMEM;
            break;
        }
        s_text t = {0};
        s_add(&t, "【督办】%s %s：以下 %zu 项整改事项逾期超过 %u 天，请督促整改：\n", j->day, user->display,
              json_array_size(items), cfg->escalate_after_days);
        json_array_foreach(items, i, it)
            s_item_line(&t, cfg, it, 1);
        char subject[160];
        snprintf(subject, sizeof subject, "督办 %s:%zu 项逾期超过 %u 天", j->day, json_array_size(items),
                 cfg->escalate_after_days);
        rc = s_store(j, "escalation", user, items, json_array(), &t, subject, NULL);
    }
    json_decref(all);
    json_decref(by_leader);
    return rc;
}

/*
 * Build the job of p->day from the snapshot t (read-only use: a read
 * transaction off the loop, or the write transaction of notify_run): the
 * candidates for escalation, every digest and the escalation notices.
 * cancel (may be NULL) stops it early (RECT_E_INTERNAL) when set.
 * Writes nothing. 0 or rect_err; p is freed by s_plan_free either way.
 */
static int s_build(s_plan *p, store_txn *t, const atomic_int *cancel)
{
    s_gather g = {.cfg = p->cfg, .today = p->day, .cancel = cancel};
    s_job dj = {p->cfg, p->day, p->now_text, &p->digests},
          ej = {p->cfg, p->day, p->now_text, &p->escalations};
    int rc = store_head(t, &p->next_seq, p->head);
    if (rc == 0)
        rc = s_gather_all(t, &g);
    if (rc == 0)
        rc = s_candidates(p, t, &g);
    /*
     * The digests come from the same snapshot: an escalation changes only
     * the item's escalations, which no digest shows.
     */
    for (size_t u = 0; u < p->cfg->n_users && rc == 0; u++) {
        const rect_user *user = &p->cfg->users[u];
        /* Anyone who owns an item hears about it, whatever their roles. */
        if ((user->roles & RECT_ROLE_OWNER) || s_owns(&g, user->name))
            rc = s_owner_notice(&dj, user, &g);
        if (rc == 0 && (user->roles & RECT_ROLE_LEADER))
            rc = s_leader_notice(&dj, user, &g);
        if (rc == 0 && (user->roles & RECT_ROLE_ADMIN))
            rc = s_admin_notice(&dj, user, &g);
    }
    if (rc == 0)
        rc = s_escalation_notices(&ej, p);
    s_gather_free(&g);
    return rc;
}

/*
 * At the commit, when the record moved since the snapshot: is candidate cd
 * (item, read now in c->txn) still due? If not, it is dropped; if its
 * brief changed, it gets the new one. *changed 1 if either.
 */
static int s_recheck(cmd_ctx *c, s_plan *p, s_cand *cd, const json_t *item, int *changed)
{
    json_t *copy = json_deep_copy(item);
    facts_tz tz = {{0}, 0};
    int due = 0, rc = RECT_E_NOMEM;
    json_int_t late;
    if (!copy || facts_annotate(c->cfg, copy, p->day, &tz, NULL))
        goto done;
    if ((rc = s_escalation_due(c->cfg, c->txn, copy, &due, &late)))
        goto done;
    json_t *b = due ? s_escalated_brief(copy) : NULL;
    if (due && !b) {
        rc = RECT_E_NOMEM;
        goto done;
    }
    if (!b || !json_equal(b, cd->brief))
        *changed = 1;
    json_decref(cd->brief);
    cd->brief = b;
done:
    json_decref(copy);
    return rc;
}

/* The items events since the snapshot touched: {"id": true}. */
static int s_touched_cb(const store_raw_event *ev, void *ctx)
{
    int nomem = 0;
    json_t *ev_json = ev->canon ? fault_loadb(ev->canon, ev->len, 0, NULL, &nomem) : NULL;
    if (!ev_json)
        return nomem ? RECT_E_NOMEM : RECT_E_INTERNAL;
    char key[24];
    json_int_t id = json_integer_value(json_object_get(ev_json, "item"));
    json_decref(ev_json);
    snprintf(key, sizeof key, "%lld", (long long)id);
    return id > 0 && json_object_set_new(ctx, key, json_true()) ? RECT_E_NOMEM : 0;
}

static int s_touched(const json_t *touched, uint64_t id)
{
    char key[24];
    snprintf(key, sizeof key, "%llu", (unsigned long long)id);
    return json_object_get(touched, key) != NULL;
}

/*
 * Write the plan in c->txn: the escalation events (through item_apply, the
 * one writer of items), then the digests and the escalation notices with
 * their pending deliveries. If the chain head is no longer the snapshot's,
 * each candidate an event since the snapshot touched is checked again by
 * id (s_recheck): one closed, re-planned or escalated by hand meanwhile is
 * dropped, and the escalation notices are
 * built again from what was escalated. The digests stay the snapshot's: a
 * picture of the record at one instant, like any notice. *notices and
 * *escalated: what was written. 0 or rect_err.
 */
static int s_apply(cmd_ctx *c, s_plan *p, int *notices, json_int_t *escalated)
{
    uint64_t next_seq;
    unsigned char head[32];
    const rect_user *actor = c->actor;
    int rc = store_head(c->txn, &next_seq, head), changed = 0;
    int moved = rc == 0 && (next_seq != p->next_seq || memcmp(head, p->head, sizeof head) != 0);
    json_t *touched = NULL;
    *notices = 0;
    *escalated = 0;
    /* an item no event touched since the snapshot is as it was: its verdict holds */
    if (moved && (touched = json_object()) == NULL)
        rc = RECT_E_NOMEM;
    if (moved && rc == 0)
        rc = store_scan_events(c->txn, p->next_seq ? p->next_seq : 1, s_touched_cb, touched);
    c->actor = &s_system;
    for (size_t k = 0; k < p->n_cand && rc == 0; k++) {
        s_cand *cd = &p->cand[k];
        json_t *item;
        if ((rc = store_item_get(c->txn, cd->id, &item)))
            break;
        if (moved && s_touched(touched, cd->id) && (rc = s_recheck(c, p, cd, item, &changed)) == 0 &&
            !cd->brief) {
            json_decref(item);
            continue;
        }
        if (rc == 0) {
            char comment[160];
            json_int_t late = json_integer_value(json_object_get(cd->brief, "days_overdue"));
            snprintf(comment, sizeof comment, "逾期 %lld 天，超过 %u 天，督办", (long long)late,
                     c->cfg->escalate_after_days);
            json_t *set = json_pack("{sI}", "escalations",
                                    json_integer_value(json_object_get(item, "escalations")) + 1);
            rc = item_apply(c, item, RECT_ACT_ESCALATE, set, comment, NULL, NULL);
            (*escalated)++;
        }
        json_decref(item);
    }
    c->actor = actor;
    json_decref(touched);
    if (rc == 0 && changed) {
        s_job ej = {p->cfg, p->day, p->now_text, &p->escalations};
        s_notes_free(&p->escalations);
        rc = s_escalation_notices(&ej, p);
    }
    if (rc == 0)
        rc = s_store_notes(c, &p->digests, notices);
    if (rc == 0)
        rc = s_store_notes(c, &p->escalations, notices);
    return rc;
}

/* Is the day done by job_day (buf of RECT_DATE_LEN + 8)? 1, 0, or rect_err. */
static int s_day_done(store_txn *t, const char *day, char *done, size_t len)
{
    int rc = store_meta_text(t, "job_day", done, len);
    if (rc)
        return rc;
    return done[0] && strcmp(done, day) >= 0;
}

/* Mark day done (unless a later day already is) and answer {"day","ran","notices","escalated"}. */
static int s_finish(cmd_ctx *c, const char *day, const char *done, int notices, json_int_t escalated,
                    json_t **result)
{
    int rc = 0;
    if (!done[0] || strcmp(done, day) < 0)
        rc = store_meta_text_set(c->txn, "job_day", day);
    if (rc)
        return rc;
    *result = json_pack("{sssbsisI}", "day", day, "ran", 1, "notices", notices, "escalated", escalated);
    return *result ? 0 : RECT_E_NOMEM;
}

int notify_job(cmd_ctx *c, const char *day, int force, json_t **result)
{
    char done[RECT_DATE_LEN + 8];
    s_plan p = {.cfg = c->cfg};
    memcpy(p.now_text, c->now_text, sizeof p.now_text);
    int notices = 0;
    json_int_t escalated = 0;
    *result = NULL;
    snprintf(p.day, sizeof p.day, "%s", day);
    int rc = s_day_done(c->txn, day, done, sizeof done);
    if (rc < 0)
        goto fail;
    if (rc == 1 && !force) {
        *result = json_pack("{sssbsisiss}", "day", day, "ran", 0, "notices", 0, "escalated", 0,
                            "done_through", done);
        return *result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    /* By hand, the snapshot is the write transaction itself: nothing moves in between. */
    if ((rc = s_build(&p, c->txn, NULL)) || (rc = s_apply(c, &p, &notices, &escalated)) ||
        (rc = s_finish(c, day, done, notices, escalated, result)))
        goto fail;
    s_plan_free(&p);
    return 0;
fail:
    s_plan_free(&p);
    if (!c->msg[0])
        cmd_fail(c, rc, "the daily job for %s failed: %s; nothing was recorded", day, rect_err_name(rc));
    return rc;
}

/* ---- the plan as the notifier drives it (daily.h) ------------------------- */

const rect_user *daily_actor(void)
{
    return &s_system;
}

daily_plan *daily_plan_new(const rect_cfg *cfg, const char *day, const char *now_text)
{
    daily_plan *p = fault_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cfg = cfg;
    snprintf(p->day, sizeof p->day, "%s", day);
    snprintf(p->now_text, sizeof p->now_text, "%s", now_text);
    return p;
}

void daily_plan_destroy(daily_plan **p_p)
{
    if (!p_p || !*p_p)
        return;
    s_plan_free(*p_p);
    free(*p_p);
    *p_p = NULL;
}

const char *daily_plan_day(const daily_plan *p)
{
    return p->day;
}

const rect_cfg *daily_plan_cfg(const daily_plan *p)
{
    return p->cfg;
}

int daily_build(daily_plan *p, store_txn *t, const atomic_int *cancel)
{
    return s_build(p, t, cancel);
}

int daily_write(cmd_ctx *c, daily_plan *p, int *notices, json_int_t *escalated)
{
    return s_apply(c, p, notices, escalated);
}

int daily_day_done(store_txn *t, const char *day, char *done, size_t len)
{
    return s_day_done(t, day, done, len);
}

int daily_finish(cmd_ctx *c, const char *day, const char *done, int notices, json_int_t escalated,
                 json_t **result)
{
    return s_finish(c, day, done, notices, escalated, result);
}
