/*
 * cmd_evidence.c - evidence files you can open, and the case file (整改档案):
 *
 *   blob_get  one stored file of an item by its SHA-256, in chunks of at most
 *             RECT_MAX_CHUNK bytes, as one binary frame after the reply. Only
 *             a file that an evidence or review event of that very item filed
 *             (the blob_uses index) is returned, so a hash alone opens nothing;
 *             its bytes are checked against their address on every read.
 *   dossier   an item, or every item of an inspection, with its events and
 *             derived facts, the inspection record, the display names of the
 *             people in it and the chain head, all from one read transaction
 *             (rectctl renders it and fetches the files with blob_get).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "cmd.h"
#include "facts.h"
#include "item.h"
#include "rect_proto.h"

/* ---- blob_get ------------------------------------------------------------ */

typedef struct {
    uint64_t item;
    uint64_t seq; /* the first event of item that filed the blob; 0: none */
} s_use_find;

static int s_use_cb(const unsigned char sha256[32], uint64_t item, uint64_t seq, void *ctx)
{
    (void)sha256;
    s_use_find *f = ctx;
    if (item != f->item)
        return 0;
    f->seq = seq;
    return 1;
}

/*
 * The name event seq gave the file hex (lowercase), into buf ("?" if the
 * event names no such file). 0, or the rect_err of reading the event.
 */
static int s_file_name(cmd_ctx *c, uint64_t seq, const char *hex, char *buf, size_t len)
{
    json_t *ev = NULL, *f;
    size_t i;
    snprintf(buf, len, "?");
    int rc = store_event_get(c->txn, seq, &ev);
    if (rc)
        return rc;
    json_array_foreach(json_object_get(ev, "files"), i, f) {
        const char *h = json_string_value(json_object_get(f, "sha256"));
        const char *n = json_string_value(json_object_get(f, "name"));
        if (h && n && strcmp(h, hex) == 0) {
            snprintf(buf, len, "%s", n);
            break;
        }
    }
    json_decref(ev);
    return 0;
}

int cmd_blob_get(cmd_ctx *c)
{
    json_t *item;
    char label[256], hex[65], name[RECT_MAX_NAME + 1];
    unsigned char sha[32];
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    item_label(item, label, sizeof label);
    uint64_t id = (uint64_t)json_integer_value(json_object_get(item, "id"));
    json_decref(item);

    const char *arg = cmd_str(c, "sha256");
    if (strlen(arg) != 64 || sodium_hex2bin(sha, 32, arg, 64, NULL, NULL, NULL) != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "blob_get: sha256 must be 64 hexadecimal digits (a file's SHA-256 as show lists it)");
    store_hex(sha, 32, hex);
    json_t *jo = json_object_get(c->args, "offset"), *jl = json_object_get(c->args, "length");
    json_int_t offset = jo ? json_integer_value(jo) : 0;
    json_int_t length = jl ? json_integer_value(jl) : (json_int_t)RECT_MAX_CHUNK;
    if (offset < 0)
        return cmd_fail(c, RECT_E_BAD_VALUE, "blob_get: offset must be 0 or more");
    if (length < 1 || length > (json_int_t)RECT_MAX_CHUNK)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "blob_get: length must be 1 to %u bytes (larger files come in several requests)",
                        RECT_MAX_CHUNK);

    s_use_find f = {id, 0};
    if ((rc = store_scan_blob_uses(c->txn, sha, s_use_cb, &f)) != 0)
        return cmd_fail(c, rc, "cannot read the file uses");
    if (!f.seq)
        return cmd_fail(c, RECT_E_NOT_FOUND,
                        "%s has no file with SHA-256 %s: only files filed by the item's own evidence "
                        "or review events can be fetched through it (see rectctl show)",
                        label, hex);
    if ((rc = s_file_name(c, f.seq, hex, name, sizeof name)))
        return cmd_fail(c, rc, "cannot read event #%llu of %s", (unsigned long long)f.seq, label);

    char *data = NULL;
    size_t n = 0;
    uint64_t total = 0;
    rc = store_blob_read(c->txn, sha, (uint64_t)offset, (size_t)length, &data, &n, &total);
    if (rc == RECT_E_NOT_FOUND)
        return cmd_fail(c, RECT_E_DAMAGED,
                        "%s, event #%llu: file \"%s\" (SHA-256 %s) is missing from the database; "
                        "the record is damaged: restore the database from a backup (rectctl audit verify)",
                        label, (unsigned long long)f.seq, name, hex);
    if (rc == RECT_E_DAMAGED)
        return cmd_fail(c, RECT_E_DAMAGED,
                        "%s, event #%llu: the stored bytes of file \"%s\" (%llu bytes) no longer have "
                        "SHA-256 %s; the record is damaged: restore the database from a backup",
                        label, (unsigned long long)f.seq, name, (unsigned long long)total, hex);
    if (rc == RECT_E_BAD_VALUE)
        return cmd_fail(c, rc, "blob_get: offset %lld is beyond the end of file \"%s\" (%llu bytes)",
                        (long long)offset, name, (unsigned long long)total);
    if (rc)
        return cmd_fail(c, rc, "cannot read file \"%s\" of %s", name, label);
    c->result = json_pack("{sIsIsssssIsIsI}", "item", (json_int_t)id, "seq", (json_int_t)f.seq, "name", name,
                          "sha256", hex, "size", (json_int_t)total, "offset", (json_int_t)offset, "length",
                          (json_int_t)n);
    if (!c->result) {
        free(data);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    c->has_out = 1;
    c->out = data;
    c->out_len = n;
    return 0;
}

/* ---- dossier ------------------------------------------------------------- */

typedef struct {
    json_t *items; /* the items, in id order */
} s_collect;

static int s_collect_cb(store_txn *t, uint64_t id, json_t *item, void *ctx)
{
    (void)t;
    (void)id;
    return json_array_append(((s_collect *)ctx)->items, item) ? RECT_E_NOMEM : 0;
}

/* Put name's display name into users (name -> display) if it is a configured user. */
static int s_user(cmd_ctx *c, json_t *users, const char *name)
{
    const rect_user *u = name ? cfg_user(c->cfg, name) : NULL;
    if (!u || json_object_get(users, name))
        return 0;
    return json_object_set_new(users, name, json_string(u->display)) ? RECT_E_NOMEM : 0;
}

/* One item's entry: the item, its facts as of today, its events. */
static int s_entry(cmd_ctx *c, json_t *item, const char *today, facts_tz *tz, json_t *users, json_t **out)
{
    json_t *events = NULL, *ev;
    uint64_t id = (uint64_t)json_integer_value(json_object_get(item, "id"));
    int rc = store_item_events(c->txn, id, &events);
    if (rc)
        return cmd_fail(c, rc, "cannot read the history of item %llu", (unsigned long long)id);
    size_t i;
    rc = s_user(c, users, json_string_value(json_object_get(item, "owner")));
    if (!rc)
        rc = s_user(c, users, json_string_value(json_object_get(item, "leader")));
    json_array_foreach(events, i, ev) {
        if (rc)
            break;
        rc = s_user(c, users, json_string_value(json_object_get(ev, "actor")));
        if (!rc)
            rc = s_user(c, users, json_string_value(json_object_get(ev, "via")));
    }
    json_t *fj = rc ? NULL : facts_json(c->cfg, item, today, tz);
    *out = fj ? json_pack("{sOsosO}", "item", item, "facts", fj, "events", events) : NULL;
    json_decref(events);
    return *out ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_dossier(cmd_ctx *c)
{
    const char *insp = cmd_str(c, "inspection");
    int has_item = json_object_get(c->args, "item") != NULL;
    if (has_item == (insp != NULL))
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "dossier: give either item (one item's case file) or inspection (every item "
                        "of it), not %s",
                        has_item ? "both" : "neither");
    s_collect col = {json_array()};
    json_t *rec = NULL, *users = json_object(), *entries = json_array();
    int rc = 0;
    if (!col.items || !users || !entries) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if (has_item) {
        json_t *item;
        if ((rc = item_load(c, &item)))
            goto done;
        rc = json_array_append_new(col.items, item) ? cmd_fail(c, RECT_E_NOMEM, "out of memory") : 0;
        if (rc)
            goto done;
        insp = json_string_value(json_object_get(item, "inspection"));
    } else if ((rc = store_walk_index(c->txn, "inspection", insp, s_collect_cb, &col))) {
        rc = cmd_fail(c, rc, "cannot read the items of inspection \"%s\"", insp);
        goto done;
    }
    if (insp && (rc = store_inspection_get(c->txn, insp, &rec)) && rc != RECT_E_NOT_FOUND) {
        rc = cmd_fail(c, rc, "cannot read inspection \"%s\"", insp);
        goto done;
    }
    rc = 0;
    if (!has_item && !rec && json_array_size(col.items) == 0) {
        rc = cmd_fail(c, RECT_E_NOT_FOUND,
                      "no inspection \"%s\" and no items in it (see rectctl inspection list)", insp);
        goto done;
    }

    char today[RECT_DATE_LEN];
    facts_tz tz = {{0}, 0};
    cal_today(c->cfg, c->now, today);
    size_t i;
    json_t *item;
    json_array_foreach(col.items, i, item) {
        json_t *e;
        if ((rc = s_entry(c, item, today, &tz, users, &e)))
            goto done;
        if (json_array_append_new(entries, e)) {
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
            goto done;
        }
    }
    if ((rc = s_user(c, users, c->actor->name)))
        goto done;

    uint64_t n_items, n_events;
    unsigned char head[32];
    char hex[65];
    if ((rc = store_counts(c->txn, &n_items, &n_events, head))) {
        rc = cmd_fail(c, rc, "cannot read the chain head");
        goto done;
    }
    store_hex(head, 32, hex);
    c->result = json_pack("{s{sIss}sssssssssOsOsOss?}", "head", "seq", (json_int_t)n_events, "hash", hex,
                          "timezone", c->cfg->timezone, "generated_at", c->now_text, "generated_by",
                          c->actor->name, "as_of", today, "items", entries, "users", users, "inspection",
                          rec ? rec : json_null(), "name", insp);
    if (!c->result)
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
done:
    json_decref(col.items);
    json_decref(rec);
    json_decref(users);
    json_decref(entries);
    return rc;
}
