/*
 * cmd_query.c - read commands: ping, list, show, history.
 */
#include <string.h>

#include "cmd.h"
#include "cmd_ledger.h"
#include "cmd_deadline.h"
#include "facts.h"
#include "item.h"
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
    c->result = json_pack("{sssssisosssssssIsIs{sIss}}", "server", "rectd", "version", RECT_VERSION,
                          "protocol", RECT_PROTOCOL_VERSION, "user",
                          json_pack("{sssssO}", "name", c->actor->name, "display", c->actor->display,
                                    "roles", roles),
                          "time", c->now_text, "timezone", c->cfg->timezone, "today", today, "items",
                          (json_int_t)items, "events", (json_int_t)events, "head", "seq",
                          (json_int_t)events, "hash", hex);
    json_decref(roles);
    if (c->result && (json_object_set_new(c->result, "pub_endpoint",
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
    list_filter f[7];
    int n;
    json_t *items;
} list_scan;

static int s_list_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    list_scan *ls = ctx;
    for (int i = 0; i < ls->n; i++) {
        const char *v = json_string_value(json_object_get(item, ls->f[i].field));
        if (!v || strcmp(v, ls->f[i].value) != 0)
            return 0;
    }
    return json_array_append(ls->items, item) ? RECT_E_NOMEM : 0;
}

int cmd_list(cmd_ctx *c)
{
    /* In order of how few items a value usually has: the first present drives the scan. */
    static const struct { const char *field; resolve_kind kind; } filters[] = {
        {"owner", RESOLVE_USER},   {"leader", RESOLVE_LEADER},    {"unit", RESOLVE_UNIT},
        {"state", RESOLVE_STATE},  {"source", RESOLVE_SOURCE},    {"inspection", RESOLVE_NONE},
        {"kind", RESOLVE_KIND},
    };
    list_scan ls = {.n = 0};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        const char *v = cmd_str(c, filters[i].field);
        if (!v)
            continue;
        const char *canon;
        int rc = resolve(c, filters[i].field, v, filters[i].kind, &canon);
        if (rc)
            return rc;
        ls.f[ls.n].field = filters[i].field;
        ls.f[ls.n++].value = canon;
    }
    if (!(ls.items = json_array()))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    int rc, by_deadline;
    /* overdue / due_soon: a range of the deadline index (cmd_deadline.c). */
    if ((rc = deadline_list_scan(c, s_list_cb, &ls, &by_deadline)) || by_deadline)
        ;
    else if (ls.n && strcmp(ls.f[0].field, "kind") != 0)
        rc = store_walk_index(c->txn, ls.f[0].field, ls.f[0].value, s_list_cb, &ls);
    else
        rc = store_walk_items(c->txn, s_list_cb, &ls);
    if (rc) {
        json_decref(ls.items);
        return c->msg[0] ? rc : cmd_fail(c, rc, "cannot read the items");
    }
    /* Lights and days overdue are computed as of the day asked, never stored. */
    if ((rc = deadline_list_finish(c, ls.items))) {
        json_decref(ls.items);
        return rc;
    }
    c->result = json_pack("{so}", "items", ls.items);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* Load the item named by args.item and its events. */
static int s_item_events(cmd_ctx *c, json_t **item, json_t **events)
{
    int rc = item_load(c, item);
    if (rc)
        return rc;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(*item, "id"));
    if ((rc = store_item_events(c->txn, id, events))) {
        json_decref(*item);
        return cmd_fail(c, rc, "cannot read the history of item %llu", (unsigned long long)id);
    }
    return 0;
}

int cmd_show(cmd_ctx *c)
{
    json_t *item, *events, *evidence = json_array(), *ev;
    int rc = s_item_events(c, &item, &events);
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
        if (files && (rc = audit_mark_reuse(c->txn, files, (uint64_t)json_integer_value(json_object_get(item, "id"))))) {
            json_decref(events);
            json_decref(item);
            json_decref(evidence);
            return cmd_fail(c, rc, "cannot read the file uses");
        }
        json_array_append_new(evidence,
                              json_pack("{sOsOsOsOsO}", "seq", json_object_get(ev, "seq"), "at",
                                        json_object_get(ev, "at"), "actor", json_object_get(ev, "actor"),
                                        "note", json_object_get(ev, "comment"), "files",
                                        files ? files : json_array()));
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
    c->result = urges ? json_pack("{sososo*so}", "item", item, "evidence", evidence, "facts", fj, "urges", urges)
                      : NULL;
    if (!urges) {
        json_decref(item);
        json_decref(evidence);
        json_decref(fj);
    }
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_history(cmd_ctx *c)
{
    json_t *item, *events;
    int rc = s_item_events(c, &item, &events);
    if (rc)
        return rc;
    c->result = json_pack("{soso}", "item", item, "events", events);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}
