/*
 * item.c - loading items by reference and changing them through events.
 */
#include "item.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fault.h"
#include "notice.h"
#include "workflow.h"

static int s_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Resolve the "item" argument to an id. */
static int s_resolve(cmd_ctx *c, uint64_t *id)
{
    return item_resolve(c, json_object_get(c->args, "item"), id);
}

int item_resolve(cmd_ctx *c, const json_t *arg, uint64_t *id)
{
    if (json_is_integer(arg)) {
        if (json_integer_value(arg) < 1)
            return cmd_fail(c, RECT_E_BAD_VALUE, "item id must be 1 or more");
        *id = (uint64_t)json_integer_value(arg);
        return 0;
    }
    const char *ref = json_string_value(arg);
    if (s_all_digits(ref)) {
        if (strlen(ref) > 18)
            return cmd_refuse(c, RECT_E_NOT_FOUND, json_pack("{ssss}", "rule", "no_item", "ref", ref),
                              "no item with id %s", ref);
        *id = strtoull(ref, NULL, 10);
        return 0;
    }
    int rc = store_ref_find(c->txn, ref, NULL, id);
    if (rc == RECT_E_NOT_FOUND && strchr(ref, '/')) {
        /* INSPECTION/REF */
        char buf[2 * RECT_MAX_NAME + 2];
        snprintf(buf, sizeof buf, "%s", ref);
        char *slash = strchr(buf, '/');
        *slash = '\0';
        rc = store_ref_find(c->txn, slash + 1, buf, id);
    }
    if (rc == RECT_E_NOT_FOUND)
        return cmd_refuse(c, rc, json_pack("{ssss}", "rule", "no_item", "ref", ref),
                          "no item \"%s\": give an id (rectctl list shows them), a ref, or INSPECTION/REF",
                          ref);
    if (rc == RECT_E_AMBIGUOUS_REF)
        return cmd_refuse(c, rc, json_pack("{ssss}", "rule", "ambiguous_ref", "ref", ref),
                          "ref \"%s\" exists in several inspections: use INSPECTION/%s or the item's id", ref,
                          ref);
    if (rc)
        return cmd_fail(c, rc, "cannot look up item \"%s\"", ref);
    return 0;
}

int item_load(cmd_ctx *c, json_t **item)
{
    uint64_t id;
    int rc = s_resolve(c, &id);
    if (rc)
        return rc;
    rc = store_item_get(c->txn, id, item);
    if (rc == RECT_E_NOT_FOUND)
        return cmd_refuse(c, rc, json_pack("{sssI}", "rule", "no_item", "item", (json_int_t)id),
                          "no item with id %llu", (unsigned long long)id);
    if (rc)
        return cmd_fail(c, rc, "cannot read item %llu", (unsigned long long)id);
    return 0;
}

rect_state item_state(const json_t *item)
{
    int s = rect_lookup(rect_state_names, RECT_ST_COUNT, json_string_value(json_object_get(item, "state")));
    return s < 0 ? RECT_ST_NONE : (rect_state)s;
}

const char *item_label(const json_t *item, char *buf, size_t len)
{
    snprintf(buf, len, "item %lld (%s)", (long long)json_integer_value(json_object_get(item, "id")),
             json_string_value(json_object_get(item, "ref")) ? json_string_value(json_object_get(item, "ref"))
                                                             : "?");
    return buf;
}

/* The wire order of an item's fields; a new item starts with all of them. */
static const char *const s_fields[] = {
    "id",
    "ref",
    "inspection",
    "source",
    "kind",
    "title",
    "description",
    "measures",
    "leader",
    "unit",
    "owner",
    "deadline",
    "original_deadline",
    "state",
    "created",
    "updated",
    "evidence_count",
    "rejections",
    "extensions",
    "extension",
    "escalations",
    "verified_by",
    "verified_at",
    "closed_by",
    "closed_at",
    "next_review",
    "relapses",
    "overdue_days_carried",
};
/* Counters a new item starts at 0 (the other fields start null or ""). */
static const char *const s_counters[] = {"evidence_count", "rejections", "extensions",
                                         "escalations",    "relapses",   "overdue_days_carried"};

json_t *item_event_new(cmd_ctx *c, json_int_t item_id, rect_action action, json_t *changes,
                       const char *comment)
{
    json_t *ev = json_pack("{sIsssssssOssss}", "item", item_id, "action", rect_action_names[action], "actor",
                           c->actor->name, "at", c->now_text, "changes", changes, "comment",
                           comment ? comment : "", "principal", cmd_principal(c));
    if (ev && c->via && json_object_set_new(ev, "via", json_string(c->via->name))) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

int item_apply(cmd_ctx *c, json_t *item, rect_action action, json_t *set, const char *comment, json_t *extra,
               json_t **item_out)
{
    int rc = RECT_E_NOMEM;
    int claim = item == NULL;
    json_t *old = NULL, *now = NULL, *changes = json_object(), *ev = NULL;
    if (item_out)
        *item_out = NULL;
    if (!changes || !set) /* set NULL: the caller's json_pack failed */
        goto done;

    if (claim) {
        uint64_t id;
        if ((rc = store_next_item_id(c->txn, &id)))
            goto done;
        rc = RECT_E_NOMEM;
        if (!(now = json_object()))
            goto done;
        /* Every result counts: a field dropped here would be dropped from the record for good. */
        int bad = 0;
        for (size_t i = 0; i < sizeof s_fields / sizeof s_fields[0]; i++)
            bad |= json_object_set_new(now, s_fields[i], json_null());
        bad |= json_object_set_new(now, "id", json_integer((json_int_t)id));
        bad |= json_object_set_new(now, "created", json_string(c->now_text));
        for (size_t i = 0; i < sizeof s_counters / sizeof s_counters[0]; i++)
            bad |= json_object_set_new(now, s_counters[i], json_integer(0));
        bad |= json_object_set_new(now, "description", json_string(""));
        bad |= json_object_set_new(now, "measures", json_string(""));
        /* A claim records every field it sets, so items rebuild from events. */
        for (size_t i = 1; i < sizeof s_fields / sizeof s_fields[0] && !bad; i++) {
            const char *f = s_fields[i];
            if (strcmp(f, "created") == 0 || strcmp(f, "updated") == 0)
                continue;
            json_t *v = json_object_get(set, f);
            if (v)
                bad |= json_object_set(now, f, v);
            bad |= json_object_set_new(changes, f, json_pack("[nO]", json_object_get(now, f)));
        }
        /* A self-found (举一反三) item names its parent: only then has it the field. */
        json_t *parent = json_object_get(set, "parent");
        if (parent && !bad)
            bad |= json_object_set(now, "parent", parent) ||
                   json_object_set_new(changes, "parent", json_pack("[nO]", parent));
        if (bad)
            goto done;
    } else {
        /* item is not changed here: old only names what the indexes held */
        old = json_incref(item);
        if (!(now = json_deep_copy(item)))
            goto done;
        const char *key;
        json_t *v;
        json_object_foreach(set, key, v) {
            json_t *was = json_object_get(now, key);
            if (was && json_equal(was, v))
                continue;
            if (json_object_set_new(changes, key, json_pack("[OO]", was ? was : json_null(), v)) ||
                json_object_set(now, key, v))
                goto done;
        }
    }
    if (json_object_set_new(now, "updated", json_string(c->now_text)))
        goto done;

    ev = item_event_new(c, json_integer_value(json_object_get(now, "id")), action, changes, comment);
    if (!ev)
        goto done;
    if (extra && json_object_update(ev, extra))
        goto done;
    if ((rc = store_event_append(c->txn, ev, &c->seq)) || (rc = store_item_put(c->txn, old, now)))
        goto done;
    /* The notices it causes, in the same transaction: none lost or doubled by a crash. */
    if ((rc = notice_event(c, action, item, now, ev)))
        goto done;
    if (item_out) {
        *item_out = now;
        now = NULL;
    }
    rc = 0;
done:
    json_decref(set);
    json_decref(extra);
    json_decref(changes);
    json_decref(ev);
    json_decref(old);
    json_decref(now);
    if (rc && !c->msg[0]) /* storage_full: the dispatcher words it */
        cmd_fail(c, rc, "cannot record the change; nothing was changed");
    return rc;
}

/* The current round's facts, gathered from the item's events (names borrowed from them). */
typedef struct {
    const char **owners, **filers;
    size_t n_owners, n_filers;
    const char *verifier;
    int rejected;
    long evidence;
} s_round;

static void s_round_add(const char **list, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i], name) == 0)
            return;
    list[(*n)++] = name;
}

/*
 * Walk the item's events in seq order: a start, reject, reopen or relapse
 * begins a round with the owner of that moment; assignments add owners,
 * evidence adds filers, a pass names the verifier. Lists have room for one
 * name per event plus the current owner.
 */
static int s_round_of(const json_t *events, s_round *r)
{
    size_t n = json_array_size(events) + 1, i;
    const char *owner = NULL;
    json_t *ev;
    memset(r, 0, sizeof *r);
    if (!(r->owners = fault_calloc(n, sizeof *r->owners)) ||
        !(r->filers = fault_calloc(n, sizeof *r->filers)))
        return RECT_E_NOMEM;
    json_array_foreach(events, i, ev) {
        int a =
            rect_lookup(rect_action_names, RECT_ACT_COUNT, json_string_value(json_object_get(ev, "action")));
        const char *actor = json_string_value(json_object_get(ev, "actor"));
        const char *new_owner =
            json_string_value(json_array_get(json_object_get(json_object_get(ev, "changes"), "owner"), 1));
        if (new_owner)
            owner = new_owner;
        if (a >= 0 && wf_starts_round((rect_action)a)) {
            r->n_owners = r->n_filers = 0;
            r->verifier = NULL;
            r->rejected = a == RECT_ACT_VERIFY_REJECT;
            r->evidence = 0;
            if (owner)
                s_round_add(r->owners, &r->n_owners, owner);
        } else if (a == RECT_ACT_ASSIGN && new_owner) {
            s_round_add(r->owners, &r->n_owners, new_owner);
        } else if (a == RECT_ACT_EVIDENCE && actor) {
            s_round_add(r->filers, &r->n_filers, actor);
            r->evidence++;
        } else if (a == RECT_ACT_VERIFY_PASS) {
            r->verifier = actor;
        }
    }
    if (owner) /* the current owner is always one of the round's */
        s_round_add(r->owners, &r->n_owners, owner);
    return 0;
}

json_t *item_urges(const json_t *events, const char *today)
{
    json_t *out = json_array(), *ev;
    size_t i, answered = 0; /* urges before this index are answered */
    if (!out)
        return NULL;
    json_array_foreach(events, i, ev) {
        const char *a = json_string_value(json_object_get(ev, "action"));
        if (!a)
            continue;
        if (strcmp(a, rect_action_names[RECT_ACT_URGE]) == 0) {
            json_t *by = json_object_get(ev, "reply_by");
            json_t *u = json_pack("{sOsOsOsOsOsbsnsb}", "seq", json_object_get(ev, "seq"), "at",
                                  json_object_get(ev, "at"), "by", json_object_get(ev, "actor"), "note",
                                  json_object_get(ev, "comment"), "reply_by",
                                  json_is_string(by) ? by : json_null(), "answered", 0, "answer", "overdue",
                                  json_is_string(by) && today && strcmp(json_string_value(by), today) < 0);
            if (!u || json_array_append_new(out, u)) {
                json_decref(out);
                return NULL;
            }
        } else if (strcmp(a, rect_action_names[RECT_ACT_REPLY]) == 0 ||
                   strcmp(a, rect_action_names[RECT_ACT_EVIDENCE]) == 0) {
            /* the owner's answer: a reply, or evidence filed after the urge, answers every open one */
            for (; answered < json_array_size(out); answered++) {
                json_t *u = json_array_get(out, answered);
                json_t *ans = json_pack("{sOsOsOsOss}", "seq", json_object_get(ev, "seq"), "at",
                                        json_object_get(ev, "at"), "by", json_object_get(ev, "actor"), "note",
                                        json_object_get(ev, "comment"), "action", a);
                int late = 0;
                const char *rb = json_string_value(json_object_get(u, "reply_by"));
                const char *at = json_string_value(json_object_get(ev, "at"));
                /* answered after the reply-by day (UTC date of the answer; rectd's zone is the client's business) */
                if (rb && at && strncmp(at, rb, 10) > 0)
                    late = 1;
                if (!ans || json_object_set_new(u, "answer", ans) ||
                    json_object_set_new(u, "answered", json_true()) ||
                    json_object_set_new(u, "overdue", json_false()) ||
                    json_object_set_new(u, "answered_late", json_boolean(late))) {
                    json_decref(out);
                    return NULL;
                }
            }
        }
    }
    return out;
}

/* The urges not yet answered; -1 without memory. */
static long s_open_urges(const json_t *events)
{
    json_t *urges = item_urges(events, NULL), *u;
    size_t i;
    long open = 0;
    if (!urges)
        return -1;
    json_array_foreach(urges, i, u)
        open += !json_is_true(json_object_get(u, "answered"));
    json_decref(urges);
    return open;
}

/* The facts the rule book sees of item (NULL: none yet), gathered into *wi; free with s_facts_free. */
typedef struct {
    wf_item wi;
    json_t *events;
    s_round round;
} s_facts;

static void s_facts_free(s_facts *f)
{
    free(f->round.owners);
    free(f->round.filers);
    json_decref(f->events);
    memset(f, 0, sizeof *f);
}

static int s_facts_of(cmd_ctx *c, const json_t *item, s_facts *f)
{
    memset(f, 0, sizeof *f);
    f->wi.state = RECT_ST_NONE;
    if (!item)
        return 0;
    wf_item *wi = &f->wi;
    const char *kind = json_string_value(json_object_get(item, "kind"));
    json_t *ext = json_object_get(item, "extension");
    wi->state = item_state(item);
    wi->owner = json_string_value(json_object_get(item, "owner"));
    wi->leader = json_string_value(json_object_get(item, "leader"));
    wi->deadline = json_string_value(json_object_get(item, "deadline"));
    wi->evidence_count = (long)json_integer_value(json_object_get(item, "evidence_count"));
    wi->long_term = kind && strcmp(kind, rect_kind_names[RECT_KIND_LONG_TERM]) == 0;
    wi->extension_by = json_string_value(json_object_get(ext, "by"));
    wi->extension_deadline = json_string_value(json_object_get(ext, "deadline"));
    wi->acknowledged = json_is_string(json_object_get(item, "acknowledged_at"));
    /* The history: who owned, filed and verified in the current round. */
    int rc = store_item_events(c->txn, (uint64_t)json_integer_value(json_object_get(item, "id")), &f->events);
    if (rc || (rc = s_round_of(f->events, &f->round))) {
        s_facts_free(f);
        return rc;
    }
    wi->round_owners = f->round.owners;
    wi->n_round_owners = f->round.n_owners;
    wi->round_filers = f->round.filers;
    wi->n_round_filers = f->round.n_filers;
    wi->round_verifier = f->round.verifier;
    wi->round_rejected = f->round.rejected;
    wi->round_evidence = f->round.evidence;
    if ((wi->open_urges = s_open_urges(f->events)) < 0) {
        s_facts_free(f);
        return RECT_E_NOMEM;
    }
    return 0;
}

static wf_policy s_policy(const cmd_ctx *c)
{
    wf_policy pol = {c->cfg->distinct_closer, c->cfg->close_by_any_leader, c->cfg->ledger_reviewer};
    return pol;
}

/* Add key: value (a string) to d unless value is NULL; -1 when out of memory. */
static int s_put(json_t *d, const char *key, const char *value)
{
    return value ? json_object_set_new(d, key, json_string(value)) : 0;
}

/* The names of the bits of mask (of names[0..n-1]) as a new array, or NULL. */
static json_t *s_names(unsigned mask, const char *const *names, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        if ((mask & (1u << i)) && json_array_append_new(a, json_string(names[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/*
 * A guard's refusal as the reply's details (docs/PROTOCOL.md "Refusal
 * details"): the item, its ref and state, what the action needs, the rule
 * and the people it judged. NULL when out of memory (the message still goes).
 */
static json_t *s_why_details(const wf_why *w, const json_t *item)
{
    json_t *d = json_object();
    if (!d)
        return NULL;
    json_t *id = json_object_get(item, "id");
    const char *ref = json_string_value(json_object_get(item, "ref"));
    int rc =
        (id && json_object_set(d, "item", id)) || s_put(d, "ref", ref && *ref ? ref : NULL) ||
        s_put(d, "rule", w->rule) ||
        s_put(d, "action",
              w->action >= 0 && w->action < RECT_ACT_COUNT ? rect_action_names[w->action] : NULL) ||
        s_put(d, "state", w->state >= 0 && w->state < RECT_ST_COUNT ? rect_state_names[w->state] : NULL) ||
        json_object_set_new(d, "needs", s_names(w->needs, rect_state_names, RECT_ST_COUNT)) ||
        s_put(d, "user", w->user) || s_put(d, "owner", w->owner) || s_put(d, "leader", w->leader) ||
        s_put(d, "requester", w->requester) || s_put(d, "reviewer", w->reviewer) ||
        s_put(d, "deadline", w->deadline) || s_put(d, "new_deadline", w->new_deadline) ||
        s_put(d, "new_leader", w->new_leader);
    /* "role": the one role the action needs; "roles": all it accepts */
    if (!rc && w->roles) {
        rc = json_object_set_new(d, "roles", s_names(w->roles, rect_role_names, RECT_ROLE_COUNT));
        for (int i = 0; !rc && i < RECT_ROLE_COUNT; i++)
            if (w->roles == (1u << i))
                rc = s_put(d, "role", rect_role_names[i]);
    }
    if (rc) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static int s_guard(cmd_ctx *c, const json_t *item, rect_action a, const char *new_deadline,
                   const char *new_leader, rect_state *to)
{
    s_facts f;
    int rc = s_facts_of(c, item, &f);
    if (rc)
        return cmd_fail(c, rc, "cannot read the item's history");
    const char *note = cmd_str(c, "note");
    f.wi.new_deadline = new_deadline;
    f.wi.new_leader = new_leader;
    f.wi.has_note = note && *note;
    /* Roles as configured now: a role change applies to new actions, never to past events. */
    wf_actor who = {c->actor->name, c->actor->roles};
    wf_policy pol = s_policy(c);
    char why[768], label[160];
    wf_why w;
    rc = wf_check_why(a, &f.wi, &who, &pol, to, why, sizeof why, &w);
    if (rc == 0)
        goto done;
    if (item)
        cmd_refuse(c, rc, s_why_details(&w, item), "%s: %s", item_label(item, label, sizeof label), why);
    else
        cmd_refuse(c, rc, s_why_details(&w, item), "%s", why);
done:
    s_facts_free(&f);
    return rc;
}

int item_may(cmd_ctx *c, const json_t *item, rect_action a, const rect_user **users, size_t n, int *may)
{
    s_facts f;
    int rc = s_facts_of(c, item, &f);
    if (rc)
        return rc;
    wf_policy pol = s_policy(c);
    for (size_t i = 0; i < n; i++) {
        wf_actor who = {users[i]->name, users[i]->roles};
        rect_state to;
        char why[8];
        may[i] = wf_check(a, &f.wi, &who, &pol, &to, why, sizeof why) == 0;
    }
    s_facts_free(&f);
    return 0;
}

int item_guard(cmd_ctx *c, const json_t *item, rect_action a, rect_state *to)
{
    return s_guard(c, item, a, NULL, NULL, to);
}

int item_guard_plan(cmd_ctx *c, const json_t *item, rect_action a, const char *deadline, const char *leader,
                    rect_state *to)
{
    return s_guard(c, item, a, deadline, leader, to);
}

int item_move_deadline(cmd_ctx *c, const json_t *item, const char *deadline, json_t *set)
{
    const char *old = json_string_value(json_object_get(item, "deadline"));
    char upto[RECT_DATE_LEN];
    const char *closed_at = json_string_value(json_object_get(item, "closed_at"));
    time_t closed;
    if (json_object_set_new(set, "deadline", json_string(deadline)))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    if (!old || strcmp(old, deadline) == 0)
        return 0;
    /* Open: overdue until today. Closed (a relapse): it stopped being overdue when it was closed. */
    if (item_state(item) == RECT_ST_CLOSED && closed_at && instant_parse(closed_at, &closed) == 0)
        date_today(closed, c->cfg->timezone, upto);
    else
        date_today(c->now, c->cfg->timezone, upto);
    long late = date_days(upto) - date_days(old);
    if (late <= 0)
        return 0;
    /* Red when it moved: those days stay on the item's record (ledger, stats). */
    json_int_t carried = json_integer_value(json_object_get(item, "overdue_days_carried"));
    if (json_object_set_new(set, "overdue_days_carried", json_integer(carried + late)))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    return 0;
}

int item_act(cmd_ctx *c, json_t *item, rect_action a, rect_state to, json_t *set, const char *comment,
             json_t *extra)
{
    json_t *out;
    if (!set || json_object_set_new(set, "state", json_string(rect_state_names[to]))) {
        json_decref(set);
        json_decref(extra);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    int rc = item_apply(c, item, a, set, comment, extra, &out);
    if (rc)
        return rc;
    c->result = json_pack("{so}", "item", out);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int item_store_files(cmd_ctx *c, json_t **files)
{
    json_t *names = json_object_get(c->args, "files");
    *files = json_array();
    if (!*files)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n_files; i++) {
        unsigned char sha[32];
        char hex[65];
        int rc = store_blob_put(c->txn, c->files[i].data, c->files[i].len, sha);
        if (rc) {
            json_decref(*files);
            *files = NULL;
            return cmd_fail(c, rc, "cannot store file %zu; nothing was changed", i + 1);
        }
        store_hex(sha, 32, hex);
        if (json_array_append_new(*files, json_pack("{sOsssI}", "name", json_array_get(names, i), "sha256",
                                                    hex, "size", (json_int_t)c->files[i].len))) {
            json_decref(*files);
            *files = NULL;
            return cmd_fail(c, RECT_E_NOMEM, "out of memory");
        }
    }
    return 0;
}

int item_record_file_uses(cmd_ctx *c, const json_t *files, uint64_t item_id)
{
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        unsigned char sha[32];
        const char *hex = json_string_value(json_object_get(f, "sha256"));
        int rc = !hex || sodium_hex2bin(sha, 32, hex, 64, NULL, NULL, NULL) != 0
                     ? RECT_E_INTERNAL
                     : store_blob_use(c->txn, sha, item_id, c->seq);
        if (rc)
            return cmd_fail(c, rc, "cannot record the use of file %zu; nothing was changed", i + 1);
    }
    return 0;
}
