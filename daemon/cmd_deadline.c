/*
 * cmd_deadline.c - deadlines: lights in list, the overdue list, extension
 * requests and their decisions, consolidation reviews (巩固) and relapses
 * (反弹). Lights are computed at read time (facts.c), never stored; who
 * may do what is workflow.c's call.
 */
#include "cmd_deadline.h"

#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "facts.h"
#include "item.h"
#include "page.h"
#include "rect_proto.h"
#include "resolve.h"
#include "workflow.h"

int deadline_as_of(cmd_ctx *c, char out[RECT_DATE_LEN])
{
    const char *v = cmd_str(c, "as_of");
    if (v)
        return resolve_date(c, "as_of", v, out);
    cal_today(c->cfg, c->now, out);
    return 0;
}

static int s_flag(cmd_ctx *c, const char *name)
{
    return json_is_true(json_object_get(c->args, name));
}

/* The day before `day` into out; -1 at the start of the calendar. */
static int s_day_before(const char *day, char out[RECT_DATE_LEN])
{
    return date_from_days(date_days(day) - 1, out);
}

/* The deadline range holding red (overdue) and/or due-soon items as of today. */
static int s_range(cmd_ctx *c, int overdue, int due_soon, const char *today, char from[RECT_DATE_LEN],
                   char to[RECT_DATE_LEN], const char **fromp)
{
    *fromp = NULL; /* red: every deadline before today */
    if (due_soon) {
        if (cal_window_end(c->cfg, today, c->cfg->due_soon_days, to) != 0)
            return cmd_fail(c, RECT_E_BAD_DATE, "as_of: %s is out of range", today);
        if (!overdue) {
            memcpy(from, today, RECT_DATE_LEN);
            *fromp = from;
        }
        return 0;
    }
    if (s_day_before(today, to) != 0)
        return cmd_fail(c, RECT_E_BAD_DATE, "as_of: %s is out of range", today);
    return 0;
}

int deadline_list_begin(cmd_ctx *c, deadline_filter *df)
{
    memset(df, 0, sizeof *df);
    df->overdue = s_flag(c, "overdue");
    df->due_soon = s_flag(c, "due_soon");
    return deadline_as_of(c, df->today);
}

int deadline_list_range(cmd_ctx *c, const deadline_filter *df, char from[RECT_DATE_LEN],
                        char to[RECT_DATE_LEN], const char **fromp)
{
    if (!df->overdue && !df->due_soon)
        return 0;
    int rc = s_range(c, df->overdue, df->due_soon, df->today, from, to, fromp);
    return rc ? rc : 1;
}

int deadline_list_keep(cmd_ctx *c, deadline_filter *df, json_t *item)
{
    cal_light l;
    if (facts_annotate(c->cfg, item, df->today, &df->tz, &l))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    /* due_soon: open items yellow by their deadline (not verified ones awaiting 销号). */
    return (!df->overdue && !df->due_soon) || (df->overdue && l == CAL_LIGHT_RED) ||
           (df->due_soon && l == CAL_LIGHT_YELLOW && json_is_true(json_object_get(item, "open")));
}

/* ---- overdue ------------------------------------------------------------ */

typedef struct {
    cmd_ctx *c;
    const char *owner, *unit, *leader; /* canonical filters, NULL = any */
    const char *today;
    facts_tz tz;
    size_t limit;
    json_t *items;
    int more;
} overdue_scan;

static int s_match(const json_t *item, const char *field, const char *want)
{
    const char *v = json_string_value(json_object_get(item, field));
    return !want || (v && strcmp(v, want) == 0);
}

static int s_overdue_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    overdue_scan *os = ctx;
    cal_light light;
    if (!s_match(item, "owner", os->owner) || !s_match(item, "unit", os->unit) ||
        !s_match(item, "leader", os->leader))
        return 0;
    if (facts_annotate(os->c->cfg, item, os->today, &os->tz, &light))
        return RECT_E_NOMEM;
    if (light != CAL_LIGHT_RED)
        return 0;
    if (json_array_size(os->items) == os->limit) {
        os->more = 1; /* one more than the page: there is a next one */
        return 1;
    }
    return json_array_append(os->items, item) ? RECT_E_NOMEM : 0;
}

/* The page's next: "DEADLINE/ID" of its last item, where the index range goes on. */
static json_t *s_overdue_next(const json_t *items)
{
    const json_t *last = json_array_get(items, json_array_size(items) - 1);
    char buf[RECT_DATE_LEN + 24];
    snprintf(buf, sizeof buf, "%s/%lld", json_string_value(json_object_get(last, "deadline")),
             (long long)json_integer_value(json_object_get(last, "id")));
    return json_string(buf);
}

int cmd_overdue(cmd_ctx *c)
{
    char today[RECT_DATE_LEN], before[RECT_DATE_LEN], at[RECT_DATE_LEN];
    overdue_scan os = {.c = c, .today = today};
    uint64_t after;
    int rc;
    if ((rc = deadline_as_of(c, today)) ||
        (cmd_str(c, "owner") && (rc = resolve(c, "owner", cmd_str(c, "owner"), RESOLVE_USER, &os.owner))) ||
        (cmd_str(c, "unit") && (rc = resolve(c, "unit", cmd_str(c, "unit"), RESOLVE_UNIT, &os.unit))) ||
        (cmd_str(c, "leader") &&
         (rc = resolve(c, "leader", cmd_str(c, "leader"), RESOLVE_LEADER, &os.leader))) ||
        (rc = page_limit(c, &os.limit)) ||
        (rc = page_after_pos(c, "DEADLINE/ID, e.g. \"2026-03-01/345\"", at, sizeof at, &after)))
        return rc;
    if (after && date_days(at) < 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "after: \"%s\" is not where a page ends: give the next of the page before "
                        "(DEADLINE/ID, e.g. \"2026-03-01/345\"), or leave after out for the first page",
                        cmd_str(c, "after"));
    if (s_day_before(today, before) != 0)
        return cmd_fail(c, RECT_E_BAD_DATE, "as_of: %s is out of range", today);
    if (!(os.items = json_array()))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    /*
     * Red means a deadline before today: one range of the deadline index,
     * from where the page before ended. Its order (deadline, then id) is
     * the listing's: days overdue are today - deadline, so the earliest
     * deadline is the most overdue, and ties go by id.
     */
    rc = store_walk_index_range_at(c->txn, "deadline", after ? at : NULL, after + 1, before, s_overdue_cb,
                                   &os);
    if (rc) {
        json_decref(os.items);
        return cmd_fail(c, rc, "cannot read the items");
    }
    c->result = json_pack("{ssso}", "as_of", today, "items", os.items);
    if (c->result && os.more && json_object_set_new(c->result, "next", s_overdue_next(os.items))) {
        json_decref(c->result);
        c->result = NULL;
    }
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* ---- changes -------------------------------------------------------------- */

int cmd_extend(cmd_ctx *c)
{
    char wanted[RECT_DATE_LEN], label[160];
    json_t *item;
    rect_state to;
    int rc = resolve_date(c, "deadline", cmd_str(c, "deadline"), wanted);
    if (rc || (rc = item_load(c, &item)))
        return rc;
    if ((rc = item_guard(c, item, RECT_ACT_EXTEND, &to)))
        goto done;
    item_label(item, label, sizeof label);
    const char *current = json_string_value(json_object_get(item, "deadline"));
    if (current && strcmp(wanted, current) <= 0) {
        rc = cmd_fail(c, RECT_E_BAD_VALUE,
                      "%s: the requested deadline %s must be later than the current deadline %s", label,
                      wanted, current);
        goto done;
    }
    json_t *set = json_pack("{s{ssssssss}}", "extension", "deadline", wanted, "reason", cmd_str(c, "reason"),
                            "by", c->actor->name, "at", c->now_text);
    rc = set ? item_act(c, item, RECT_ACT_EXTEND, to, set, cmd_str(c, "reason"), NULL)
             : cmd_fail(c, RECT_E_NOMEM, "out of memory");
done:
    json_decref(item);
    return rc;
}

int cmd_decide_extension(cmd_ctx *c)
{
    const char *decision = cmd_str(c, "decision");
    int approve = strcmp(decision, "approve") == 0;
    if (!approve && strcmp(decision, "deny") != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "decide_extension: decision must be \"approve\" or \"deny\", not \"%s\"", decision);
    json_t *item;
    rect_state to;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    rect_action a = approve ? RECT_ACT_EXTEND_APPROVE : RECT_ACT_EXTEND_DENY;
    if ((rc = item_guard(c, item, a, &to)))
        goto done;
    /* The rule book has seen that a request is pending. */
    json_t *pending = json_object_get(item, "extension");
    json_t *set = json_pack("{sn}", "extension");
    if (!set) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if (approve) {
        /* The approved deadline moves (overdue days carried); original_deadline keeps the plan's. */
        const char *wanted = json_string_value(json_object_get(pending, "deadline"));
        if (json_object_set_new(set, "extensions",
                                json_integer(json_integer_value(json_object_get(item, "extensions")) + 1)))
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        else if (!wanted)
            rc = cmd_fail(c, RECT_E_INTERNAL,
                          "the pending extension request has no deadline; nothing was changed");
        else
            rc = item_move_deadline(c, item, wanted, set);
        if (rc) {
            json_decref(set);
            goto done;
        }
    }
    rc = item_act(c, item, a, to, set, cmd_str(c, "note"), NULL);
done:
    json_decref(item);
    return rc;
}

int cmd_review(cmd_ctx *c)
{
    int relapse = s_flag(c, "relapse");
    rect_action a = relapse ? RECT_ACT_RELAPSE : RECT_ACT_REVIEW;
    json_t *item, *files = NULL, *set = NULL;
    rect_state to;
    char today[RECT_DATE_LEN], deadline[RECT_DATE_LEN];
    const char *new_deadline = cmd_str(c, "deadline");
    cal_today(c->cfg, c->now, today);
    if (new_deadline) {
        if (!relapse)
            return cmd_fail(c, RECT_E_BAD_VALUE,
                            "review: a deadline goes with relapse only (the new deadline of an item "
                            "whose problem is back)");
        int rc = resolve_date(c, "deadline", new_deadline, deadline);
        if (rc)
            return rc;
        if (strcmp(deadline, today) < 0)
            return cmd_fail(c, RECT_E_BAD_VALUE, "review: the new deadline %s is before today (%s)", deadline,
                            today);
    }
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    if ((rc = item_guard_plan(c, item, a, new_deadline ? deadline : NULL, NULL, &to)))
        goto done;
    if ((rc = item_store_files(c, &files)))
        goto done;
    if (relapse) {
        /* The problem is back (反弹): open again, acceptance and closure no longer stand. */
        set =
            json_pack("{sIsnsnsnsnsn}", "relapses", json_integer_value(json_object_get(item, "relapses")) + 1,
                      "verified_by", "verified_at", "closed_by", "closed_at", "next_review");
        /* a new period of work; the plan's original_deadline stays, days late at closure carried */
        if (set && new_deadline && (rc = item_move_deadline(c, item, deadline, set))) {
            json_decref(set);
            goto done;
        }
        /* an admin's re-plan of the renewed work: it counts as an extension */
        const char *old = json_string_value(json_object_get(item, "deadline"));
        if (set && new_deadline && old && strcmp(old, deadline) != 0 &&
            json_object_set_new(set, "extensions",
                                json_integer(json_integer_value(json_object_get(item, "extensions")) + 1))) {
            json_decref(set);
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
            goto done;
        }
    } else {
        char due[RECT_DATE_LEN];
        if (date_from_days(date_days(today) + (long)c->cfg->review_interval_days, due) != 0) {
            rc = cmd_fail(c, RECT_E_INTERNAL, "cannot compute the next review date");
            goto done;
        }
        set = json_pack("{ss}", "next_review", due);
    }
    if (!set) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    /* an event that lost its files would be recorded for good without them */
    json_t *extra = json_pack("{sO}", "files", files);
    if (!extra) {
        json_decref(set);
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    rc = item_act(c, item, a, to, set, cmd_str(c, "note"), extra);
    if (rc == 0) /* who filed which bytes, as for evidence */
        rc = item_record_file_uses(c, files, (uint64_t)json_integer_value(json_object_get(item, "id")));
    if (rc == 0 && json_object_set_new(c->result, "review",
                                       json_pack("{sIsO}", "seq", (json_int_t)c->seq, "files", files)))
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
done:
    json_decref(files);
    json_decref(item);
    return rc;
}
