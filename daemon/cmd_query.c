/*
 * cmd_query.c - read commands: ping, list, show, history.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ledger.h"
#include "cmd_deadline.h"
#include "facts.h"
#include "item.h"
#include "page.h"
#include "records.h"
#include "rect_proto.h"
#include "resolve.h"

int cmd_ping(cmd_ctx *c)
{
    uint64_t items, events;
    unsigned char head[32];
    char hex[65], today[RECT_DATE_LEN];
    int rc = store_counts(c->txn, &items, &events, head);
    if (rc)
        return cmd_fail(c, rc, "cannot read the database");
    store_hex(head, 32, hex);
    date_today(c->now, c->cfg->timezone, today);
    json_t *roles = json_array();
    for (int i = 0; i < RECT_ROLE_COUNT; i++)
        if (c->actor->roles & (1u << i))
            json_array_append_new(roles, json_string(rect_role_names[i]));
    c->result = json_pack(
        "{sssssisosssssssIsIs{sIss}}", "server", "rectd", "version", RECT_VERSION, "protocol",
        RECT_PROTOCOL_VERSION, "user",
        json_pack("{sssssO}", "name", c->actor->name, "display", c->actor->display, "roles", roles), "time",
        c->now_text, "timezone", c->cfg->timezone, "today", today, "items", (json_int_t)items, "events",
        (json_int_t)events, "head", "seq", (json_int_t)events, "hash", hex);
    json_decref(roles);
    if (c->result &&
        (json_object_set_new(c->result, "pub_endpoint",
                             c->cfg->pub_endpoint ? json_string(c->cfg->pub_endpoint) : json_null()) ||
         json_object_set_new(c->result, "principal", json_string(cmd_principal(c))) ||
         json_object_set_new(c->result, "via", c->via ? json_string(c->via->name) : json_null()) ||
         json_object_set_new(c->result, "demo_keys", json_boolean(c->cfg->demo_keys)))) {
        json_decref(c->result);
        c->result = NULL;
    }
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* list: filters by field; the most selective indexed one drives the scan. */
typedef struct {
    const char *field;
    const char *value; /* canonical value to match, NULL = no filter */
} list_filter;

typedef struct {
    cmd_ctx *c;
    list_filter f[7];
    int n;
    char *grep;         /* folded pattern (records_fold), or NULL */
    deadline_filter df; /* lights as of the day asked; overdue / due_soon */
    uint64_t after;     /* the page goes on after this id (0: the first page) */
    size_t limit;
    page_heap heap; /* a deadline range: the page's smallest ids (else unused) */
    json_t *items;
    int more; /* a match beyond the page: there is a next one */
} list_scan;

/* 1 if item passes every filter, 0 if not, <0 error; it gets its facts as of the day asked. */
static int s_list_match(list_scan *ls, json_t *item)
{
    for (int i = 0; i < ls->n; i++) {
        const char *v = json_string_value(json_object_get(item, ls->f[i].field));
        if (!v || strcmp(v, ls->f[i].value) != 0)
            return 0;
    }
    if (ls->grep) { /* the text search: records.c, the one place it matches */
        int hit = records_grep_match(item, ls->grep);
        if (hit <= 0)
            return hit;
    }
    /* Lights and days overdue are computed as of the day asked, never stored. */
    return deadline_list_keep(ls->c, &ls->df, item);
}

/* A scan in id order: the page is the first `limit` matches. */
static int s_list_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    list_scan *ls = ctx;
    int hit = s_list_match(ls, item);
    if (hit <= 0)
        return hit;
    if (json_array_size(ls->items) == ls->limit) {
        ls->more = 1;
        return 1;
    }
    return json_array_append(ls->items, item) ? RECT_E_NOMEM : 0;
}

/* A deadline range (in deadline order): the page is the `limit` smallest matching ids after `after`. */
static int s_list_range_cb(store_txn *t, uint64_t id, void *ctx)
{
    list_scan *ls = ctx;
    json_t *item;
    if (id <= ls->after || page_heap_full_before(&ls->heap, id))
        return 0; /* not on this page: not even read */
    int rc = store_item_get(t, id, &item);
    if (rc)
        return rc;
    if ((rc = s_list_match(ls, item)) > 0)
        rc = page_heap_offer(&ls->heap, id, item);
    json_decref(item);
    return rc;
}

/* The deadline range's page, limit + 1 kept to tell whether there is more. */
static int s_list_range(list_scan *ls, const char *from, const char *to)
{
    int rc = page_heap_init(&ls->heap, ls->limit + 1);
    if (!rc)
        rc = store_scan_index_range(ls->c->txn, "deadline", from, to, s_list_range_cb, ls);
    if (!rc)
        rc = page_heap_take(&ls->heap, ls->items);
    page_heap_free(&ls->heap);
    if (!rc && json_array_size(ls->items) > ls->limit) {
        ls->more = 1;
        rc = json_array_remove(ls->items, ls->limit) ? RECT_E_NOMEM : 0;
    }
    return rc;
}

/* The page: from the index that drives the scan, in id order, stopping after it. */
static int s_list_scan(list_scan *ls)
{
    cmd_ctx *c = ls->c;
    char from[RECT_DATE_LEN], to[RECT_DATE_LEN];
    const char *fromp;
    /* overdue / due_soon: a range of the deadline index (cmd_deadline.c). */
    int rc = deadline_list_range(c, &ls->df, from, to, &fromp);
    if (rc)
        return rc < 0 ? rc : s_list_range(ls, fromp, to);
    if (ls->n && strcmp(ls->f[0].field, "kind") != 0)
        return store_walk_index_at(c->txn, ls->f[0].field, ls->f[0].value, ls->after + 1, s_list_cb, ls);
    return store_walk_items_at(c->txn, ls->after + 1, s_list_cb, ls);
}

int cmd_list(cmd_ctx *c)
{
    /* In order of how few items a value usually has: the first present drives the scan. */
    static const struct {
        const char *field;
        resolve_kind kind;
    } filters[] = {
        {"owner", RESOLVE_USER},  {"leader", RESOLVE_LEADER}, {"unit", RESOLVE_UNIT},
        {"state", RESOLVE_STATE}, {"source", RESOLVE_SOURCE}, {"inspection", RESOLVE_NONE},
        {"kind", RESOLVE_KIND},
    };
    list_scan ls = {.c = c, .n = 0};
    int rc;
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        const char *v = cmd_str(c, filters[i].field);
        if (!v)
            continue;
        const char *canon;
        if ((rc = resolve(c, filters[i].field, v, filters[i].kind, &canon)))
            return rc;
        ls.f[ls.n].field = filters[i].field;
        ls.f[ls.n++].value = canon;
    }
    if ((rc = page_limit(c, &ls.limit)) || (rc = page_after_id(c, "an item id", &ls.after)) ||
        (rc = deadline_list_begin(c, &ls.df)))
        return rc;
    const char *grep = cmd_str(c, "grep");
    if (grep) {
        int frc = records_fold(grep, &ls.grep);
        if (frc == RECT_E_NOMEM)
            return cmd_fail(c, frc, "out of memory");
        if (frc || !ls.grep[strspn(ls.grep, " \t")]) {
            free(ls.grep);
            return cmd_fail(c, frc ? frc : RECT_E_BAD_VALUE,
                            "list: grep needs some text to look for in ref, title, description and measures");
        }
    }
    if (!(ls.items = json_array())) {
        free(ls.grep);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    rc = s_list_scan(&ls);
    free(ls.grep);
    if (rc) {
        json_decref(ls.items);
        return c->msg[0] ? rc : cmd_fail(c, rc, "cannot read the items");
    }
    c->result = json_pack("{so}", "items", ls.items);
    if (c->result && ls.more) {
        const json_t *last = json_array_get(ls.items, json_array_size(ls.items) - 1);
        if (json_object_set_new(c->result, "next",
                                page_next_id((uint64_t)json_integer_value(json_object_get(last, "id"))))) {
            json_decref(c->result);
            c->result = NULL;
        }
    }
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* Load the item named by args.item and its events (those of actions: see store_item_events_of). */
static int s_item_events(cmd_ctx *c, const char *const *actions, json_t **item, json_t **events)
{
    int rc = item_load(c, item);
    if (rc)
        return rc;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(*item, "id"));
    if ((rc = store_item_events_of(c->txn, id, actions, events))) {
        json_decref(*item);
        return cmd_fail(c, rc, "cannot read the history of item %llu", (unsigned long long)id);
    }
    return 0;
}

/* {"id", "ref", "title", "state"} of an item, for show's parent and children. */
static json_t *s_brief(const json_t *it)
{
    return json_pack("{sOsOsOsO}", "id", json_object_get(it, "id"), "ref", json_object_get(it, "ref"),
                     "title", json_object_get(it, "title"), "state", json_object_get(it, "state"));
}

typedef struct {
    json_int_t id;
    json_t *children;
} s_kids;

static int s_kid(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    s_kids *k = ctx;
    (void)t;
    (void)id;
    json_t *p = json_object_get(item, "parent");
    if (json_is_integer(p) && json_integer_value(p) == k->id &&
        json_array_append_new(k->children, s_brief(item)))
        return RECT_E_NOMEM;
    return 0;
}

/*
 * The item's parent (the problem a 举一反三 item came from: brief, or null)
 * and its children (the items that name it as parent, in id order):
 * computed here, never stored on the parent; the children are one range of
 * the parent index (store.c), as long as the answer.
 */
static int s_family(cmd_ctx *c, const json_t *item, json_t **parent, json_t **children)
{
    s_kids k = {json_integer_value(json_object_get(item, "id")), json_array()};
    json_t *pid = json_object_get(item, "parent");
    int rc;
    *parent = json_null();
    if (!k.children)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    if (json_is_integer(pid)) {
        json_t *p;
        if ((rc = store_item_get(c->txn, (uint64_t)json_integer_value(pid), &p)) == 0) {
            *parent = s_brief(p);
            json_decref(p);
        } else if (rc != RECT_E_NOT_FOUND) {
            json_decref(k.children);
            return cmd_fail(c, rc, "cannot read the parent item");
        }
    }
    if ((rc = store_walk_children(c->txn, (uint64_t)k.id, s_kid, &k))) {
        json_decref(*parent);
        json_decref(k.children);
        return cmd_fail(c, rc, rc == RECT_E_NOMEM ? "out of memory" : "cannot read the items");
    }
    if (!*parent) {
        json_decref(k.children);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    *children = k.children;
    return 0;
}

int cmd_show(cmd_ctx *c)
{
    /* What show reads of the events: the evidence, and the urges with their answers (item_urges). */
    const char *const actions[] = {rect_action_names[RECT_ACT_EVIDENCE], rect_action_names[RECT_ACT_URGE],
                                   rect_action_names[RECT_ACT_REPLY], NULL};
    json_t *item, *events, *evidence = json_array(), *ev;
    int rc = s_item_events(c, actions, &item, &events);
    if (rc) {
        json_decref(evidence);
        return rc;
    }
    size_t i;
    json_array_foreach(events, i, ev) {
        const char *action = json_string_value(json_object_get(ev, "action"));
        if (strcmp(action, rect_action_names[RECT_ACT_EVIDENCE]) != 0)
            continue;
        json_t *files = json_object_get(ev, "files");
        if (files && (rc = audit_mark_reuse(c->txn, files,
                                            (uint64_t)json_integer_value(json_object_get(item, "id"))))) {
            json_decref(events);
            json_decref(item);
            json_decref(evidence);
            return cmd_fail(c, rc, "cannot read the file uses");
        }
        json_array_append_new(
            evidence, json_pack("{sOsOsOsOsO}", "seq", json_object_get(ev, "seq"), "at",
                                json_object_get(ev, "at"), "actor", json_object_get(ev, "actor"), "note",
                                json_object_get(ev, "comment"), "files", files ? files : json_array()));
    }
    char today[RECT_DATE_LEN];
    facts_tz tz = {{0}, 0};
    cal_today(c->cfg, c->now, today);
    json_t *urges = item_urges(events, today);
    json_decref(events);
    /* Beside the item, which stays the view of its events. */
    json_t *fj = facts_json(c->cfg, item, today, &tz);
    if (fj && json_object_set_new(fj, "as_of", json_string(today)))
        json_object_clear(fj);
    json_t *parent = NULL, *children = NULL;
    if (!urges || (rc = s_family(c, item, &parent, &children))) {
        json_decref(item);
        json_decref(evidence);
        json_decref(fj);
        json_decref(urges);
        return urges ? rc : cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    /* parent and children only when there are any: a reply of show without them is as before. */
    c->result = json_pack("{sososo*so}", "item", item, "evidence", evidence, "facts", fj, "urges", urges);
    if (c->result && ((!json_is_null(parent) && json_object_set(c->result, "parent", parent)) ||
                      (json_array_size(children) && json_object_set(c->result, "children", children)))) {
        json_decref(c->result);
        c->result = NULL;
    }
    json_decref(parent);
    json_decref(children);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_history(cmd_ctx *c)
{
    json_t *item, *events;
    int rc = s_item_events(c, NULL, &item, &events);
    if (rc)
        return rc;
    c->result = json_pack("{soso}", "item", item, "events", events);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}
