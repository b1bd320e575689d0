/*
 * cmd_records.c - problems not claimed (不认领) and amendments (issue 9).
 *
 * Who may: workflow.c's s_rules (RECT_ACT_DECLINE, RECT_ACT_WITHDRAW_DECLINE,
 * RECT_ACT_AMEND), asked through item_guard. What the fed-back counts
 * become where problems not claimed are recorded: records.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_records.h"

#include "item.h"
#include "rect_proto.h"

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

static int s_blank(const char *s)
{
    return !s || !s[strspn(s, " \t\n")];
}

/* "a (名), b (名)": the configured sources, for the unknown-source refusal. */
static void s_sources(const rect_cfg *cfg, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->n_sources && used + 1 < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s (%s)", i ? ", " : "", cfg->sources[i].id,
                         cfg->sources[i].name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

typedef struct {
    const char *source, *title;
    json_t *found; /* the claimed item with that source and title (a reference), or NULL */
} s_claimed_find;

static int s_claimed_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    (void)t;
    (void)id;
    s_claimed_find *f = ctx;
    const char *s = json_string_value(json_object_get(item, "source"));
    const char *ti = json_string_value(json_object_get(item, "title"));
    if (!s || !ti || strcmp(s, f->source) != 0 || strcmp(ti, f->title) != 0)
        return 0;
    f->found = json_incref(item);
    return 1;
}

/* The new declined array for a decline: old (may be NULL) plus the entry; or a refusal. */
static int s_decline_new(cmd_ctx *c, const char *name, const json_t *old, const char *src_arg,
                         const char *title, const char *reason, const char *ref, json_t **out)
{
    char list[512];
    if (s_blank(src_arg) || s_blank(title))
        return cmd_fail(c, RECT_E_MISSING_FIELD,
                        "inspection_decline: give source and title of the problem not claimed (and its "
                        "reason), or withdraw N alone to withdraw one");
    if (s_blank(reason))
        return cmd_fail(c, RECT_E_MISSING_FIELD,
                        "inspection_decline: the reason must not be blank: say why the "
                        "town did not claim it");
    const rect_named *src = cfg_source_find(c->cfg, src_arg);
    if (!src) {
        s_sources(c->cfg, list, sizeof list);
        return cmd_fail(c, RECT_E_UNKNOWN_NAME,
                        "inspection_decline: \"%s\" is not a configured source; the sources are %s", src_arg,
                        list);
    }
    size_t i;
    json_t *d;
    json_array_foreach((json_t *)old, i, d) {
        const char *s = json_string_value(json_object_get(d, "source"));
        const char *t = json_string_value(json_object_get(d, "title"));
        if (s && t && strcmp(s, src->id) == 0 && strcmp(t, title) == 0)
            return cmd_fail(c, RECT_E_BAD_VALUE,
                            "inspection %s already records \"%s\" (%s) as not claimed (number %zu): withdraw "
                            "it first to record it again",
                            name, title, src->id, i + 1);
    }
    /* A problem is claimed or not claimed, never both: the record would list it twice (and fed back,
     * claimed + not claimed, would count it twice). */
    s_claimed_find cf = {src->id, title, NULL};
    int wrc = store_walk_index(c->txn, "inspection", name, s_claimed_cb, &cf);
    if (wrc < 0)
        return cmd_fail(c, wrc, "cannot read the items of inspection %s", name);
    if (cf.found) {
        char label[160], its_ref[RECT_MAX_NAME + 1];
        item_label(cf.found, label, sizeof label);
        snprintf(its_ref, sizeof its_ref, "%s", json_string_value(json_object_get(cf.found, "ref")));
        json_decref(cf.found);
        return cmd_fail(
            c, RECT_E_BAD_VALUE,
            "inspection %s: \"%s\" (%s) is claimed as %s: a problem is either claimed or not claimed, "
            "and a claimed one stays in the record (rectctl show %s)",
            name, title, src->id, label, its_ref);
    }
    json_t *arr = old ? json_deep_copy(old) : json_array();
    json_t *e = json_pack("{ssssss}", "source", src->id, "title", title, "reason", reason);
    if (!arr || !e || (ref && *ref && json_object_set_new(e, "ref", json_string(ref))) ||
        json_array_append(arr, e)) {
        json_decref(e);
        json_decref(arr);
        return s_nomem(c);
    }
    json_decref(e);
    *out = arr;
    return 0;
}

/* The new declined array for a withdrawal of number n; or a refusal. */
static int s_withdraw_new(cmd_ctx *c, const char *name, const json_t *old, json_int_t n, json_t **out)
{
    size_t have = json_array_size(old);
    if (!have)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "inspection %s records no problem not claimed: nothing to withdraw", name);
    if (n < 1 || (size_t)n > have)
        return cmd_fail(
            c, RECT_E_BAD_VALUE,
            "inspection %s records %zu problem(s) not claimed: withdraw must be 1 to %zu, not %lld "
            "(rectctl inspection list numbers them)",
            name, have, have, (long long)n);
    json_t *arr = json_deep_copy(old);
    if (!arr || json_array_remove(arr, (size_t)n - 1)) {
        json_decref(arr);
        return s_nomem(c);
    }
    *out = arr;
    return 0;
}

/*
 * Record a decline (withdraw NULL: source, title, reason, ref from the
 * arguments given) or a withdrawal of number *withdraw on inspection name;
 * c->result describes it. The one writer of "declined".
 */
static int s_decline(cmd_ctx *c, const char *name, const json_int_t *withdraw, const char *src,
                     const char *title, const char *reason, const char *ref)
{
    rect_action a = withdraw ? RECT_ACT_WITHDRAW_DECLINE : RECT_ACT_DECLINE;
    json_t *rec = NULL, *now = NULL, *changes = NULL, *ev = NULL;
    rect_state to;
    int rc = item_guard(c, NULL, a, &to);
    if (rc)
        return rc;
    if ((rc = store_inspection_get(c->txn, name, &rec)) == RECT_E_NOT_FOUND)
        return cmd_refuse(
            c, RECT_E_UNKNOWN_NAME,
            json_pack("{ssssss}", "rule", "unknown_inspection", "arg", "inspection", "value", name),
            "inspection %s is not recorded (rectctl inspection list shows them): record it first "
            "with rectctl inspection add",
            name);
    if (rc)
        return cmd_fail(c, rc, "cannot read the inspections");
    json_t *old = json_object_get(rec, "declined");
    if (old && !json_is_array(old)) {
        rc = cmd_fail(c, RECT_E_INTERNAL, "inspection %s: its declined record is damaged: run audit_verify",
                      name);
        goto done;
    }
    if ((rc = withdraw ? s_withdraw_new(c, name, old, *withdraw, &now)
                       : s_decline_new(c, name, old, src, title, reason, ref, &now)))
        goto done;
    changes = json_pack("{s[ss]s[OO]}", "name", name, name, "declined", old ? old : json_null(), now);
    if (!changes || json_object_set(rec, "declined", now)) {
        rc = s_nomem(c);
        goto done;
    }
    /* A decline's reason is in its entry; a withdrawal's is the event's comment. */
    if (!(ev = item_event_new(c, 0, a, changes, withdraw ? reason : ""))) {
        rc = s_nomem(c);
        goto done;
    }
    if ((rc = store_event_append(c->txn, ev, &c->seq)) || (rc = store_inspection_put(c->txn, name, rec))) {
        rc = cmd_fail(c, rc, "cannot record the problem not claimed on inspection %s; nothing was changed",
                      name);
        goto done;
    }
    size_t n = json_array_size(now);
    json_decref(c->result);
    c->result = withdraw ? json_pack("{sOsOsI}", "inspection", rec, "withdrawn",
                                     json_array_get(old, (size_t)*withdraw - 1), "seq", (json_int_t)c->seq)
                         : json_pack("{sOsOsIsI}", "inspection", rec, "declined", json_array_get(now, n - 1),
                                     "number", (json_int_t)n, "seq", (json_int_t)c->seq);
    if (!c->result)
        rc = s_nomem(c);
done:
    json_decref(ev);
    json_decref(changes);
    json_decref(now);
    json_decref(rec);
    return rc;
}

int cmd_inspection_decline(cmd_ctx *c)
{
    json_t *jw = json_object_get(c->args, "withdraw");
    json_int_t n = json_integer_value(jw);
    if (jw && (cmd_str(c, "source") || cmd_str(c, "title")))
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "inspection_decline: withdraw N takes no source or title: N (from rectctl inspection "
                        "list) names the problem");
    return s_decline(c, cmd_str(c, "name"), jw ? &n : NULL, cmd_str(c, "source"), cmd_str(c, "title"),
                     cmd_str(c, "reason"), NULL);
}

int records_decline(cmd_ctx *c, const char *inspection, const char *source, const char *title,
                    const char *reason, const char *ref)
{
    return s_decline(c, inspection, NULL, source, title, reason, ref);
}

int records_not_declined(cmd_ctx *c, const char *inspection, const char *source, const char *title)
{
    json_t *rec = NULL, *d;
    const rect_named *src = source ? cfg_source_find(c->cfg, source) : NULL;
    int rc = store_inspection_get(c->txn, inspection, &rec);
    if (rc == RECT_E_NOT_FOUND || !src || !title)
        return 0; /* no record (nothing declined), or a source the claim itself refuses */
    if (rc)
        return cmd_fail(c, rc, "cannot read inspection %s", inspection);
    size_t i;
    json_array_foreach(json_object_get(rec, "declined"), i, d) {
        const char *s = json_string_value(json_object_get(d, "source"));
        const char *t = json_string_value(json_object_get(d, "title"));
        if (s && t && strcmp(s, src->id) == 0 && strcmp(t, title) == 0) {
            json_decref(rec);
            return cmd_fail(
                c, RECT_E_BAD_VALUE,
                "inspection %s records \"%s\" (%s) as not claimed (number %zu): a problem is either "
                "claimed or not claimed; withdraw that first (rectctl inspection decline %s --withdraw "
                "%zu --reason …) to claim it",
                inspection, title, src->id, i + 1, inspection, i + 1);
        }
    }
    json_decref(rec);
    return 0;
}

int cmd_amend(cmd_ctx *c)
{
    static const char *const fields[] = {"title", "description", "measures"};
    json_t *item, *set = NULL;
    rect_state to;
    int rc = item_load(c, &item), given = 0;
    if (rc)
        return rc;
    if ((rc = item_guard(c, item, RECT_ACT_AMEND, &to)))
        goto done;
    if (!(set = json_object())) {
        rc = s_nomem(c);
        goto done;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = cmd_str(c, fields[i]);
        if (!v)
            continue;
        given++;
        if (i == 0 && s_blank(v)) {
            rc = cmd_fail(c, RECT_E_MISSING_FIELD, "amend: the title must not be blank");
            goto done;
        }
        const char *was = json_string_value(json_object_get(item, fields[i]));
        if (was && strcmp(was, v) == 0)
            continue;
        if (json_object_set_new(set, fields[i], json_string(v))) {
            rc = s_nomem(c);
            goto done;
        }
    }
    char label[160];
    if (!given) {
        rc = cmd_fail(c, RECT_E_MISSING_FIELD,
                      "amend: give title, description or measures (the new text), with the reason");
        goto done;
    }
    if (!json_object_size(set)) {
        rc = cmd_fail(c, RECT_E_BAD_VALUE, "%s already says that: nothing to amend",
                      item_label(item, label, sizeof label));
        goto done;
    }
    const char *new_title = json_string_value(json_object_get(set, "title"));
    if (new_title &&
        (rc = records_not_declined(c, json_string_value(json_object_get(item, "inspection")),
                                   json_string_value(json_object_get(item, "source")), new_title)))
        goto done;
    rc = item_act(c, item, RECT_ACT_AMEND, to, set, cmd_str(c, "reason"), NULL);
    set = NULL;
    if (rc == 0 && json_object_set_new(c->result, "seq", json_integer((json_int_t)c->seq)))
        rc = s_nomem(c);
done:
    json_decref(set);
    json_decref(item);
    return rc;
}
