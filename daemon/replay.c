/*
 * replay.c - rebuild items from the event log (see replay.h).
 */
#include "replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rect_proto.h"

typedef struct {
    json_t *item;   /* NULL until the item's first event */
    json_t *note;   /* string: comment of the last evidence event, or NULL */
    json_t *shas;   /* array of hex sha256 the item's events filed, or NULL */
} s_slot;

struct replay {
    s_slot *slots; /* index = item id */
    uint64_t cap;  /* slots allocated */
    uint64_t max_id;
    uint64_t last_seq;
    json_t *users; /* sha256 hex -> integer: the one item that filed it, 0 if several */
};

replay *replay_new(void)
{
    replay *r = calloc(1, sizeof *r);
    if (r && !(r->users = json_object())) {
        free(r);
        return NULL;
    }
    return r;
}

void replay_destroy(replay **r_p)
{
    if (!r_p || !*r_p)
        return;
    replay *r = *r_p;
    for (uint64_t i = 0; i < r->cap; i++) {
        json_decref(r->slots[i].item);
        json_decref(r->slots[i].note);
        json_decref(r->slots[i].shas);
    }
    free(r->slots);
    json_decref(r->users);
    free(r);
    *r_p = NULL;
}

static int s_bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_bad(char *msg, size_t len, const char *fmt, ...)
{
    if (len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return RECT_E_BAD_VALUE;
}

/* The slot of id, growing the table; NULL without memory. */
static s_slot *s_slot_of(replay *r, uint64_t id)
{
    if (id >= r->cap) {
        uint64_t cap = r->cap ? r->cap : 64;
        while (cap <= id)
            cap *= 2;
        s_slot *n = realloc(r->slots, cap * sizeof *n);
        if (!n)
            return NULL;
        memset(n + r->cap, 0, (cap - r->cap) * sizeof *n);
        r->slots = n;
        r->cap = cap;
    }
    return &r->slots[id];
}

/* Note that item id filed sha (hex). */
static int s_file_use(replay *r, s_slot *sl, uint64_t id, const char *sha)
{
    json_t *who = json_object_get(r->users, sha);
    if (!who) {
        if (json_object_set_new(r->users, sha, json_integer((json_int_t)id)))
            return RECT_E_NOMEM;
    } else if (json_integer_value(who) != (json_int_t)id && json_integer_value(who) != 0) {
        json_integer_set(who, 0);
    }
    if (!sl->shas && !(sl->shas = json_array()))
        return RECT_E_NOMEM;
    size_t i;
    json_t *s;
    json_array_foreach(sl->shas, i, s)
        if (strcmp(json_string_value(s), sha) == 0)
            return 0;
    return json_array_append_new(sl->shas, json_string(sha)) ? RECT_E_NOMEM : 0;
}

int replay_apply(replay *r, const json_t *ev, char *msg, size_t len)
{
    json_t *jseq = json_object_get(ev, "seq"), *jitem = json_object_get(ev, "item");
    json_t *changes = json_object_get(ev, "changes"), *files = json_object_get(ev, "files");
    const char *action = json_string_value(json_object_get(ev, "action"));
    const char *at = json_string_value(json_object_get(ev, "at"));
    if (!json_is_integer(jseq) || json_integer_value(jseq) < 1)
        return s_bad(msg, len, "an event without a valid seq");
    uint64_t seq = (uint64_t)json_integer_value(jseq);
    if (seq <= r->last_seq)
        return s_bad(msg, len, "seq %llu after seq %llu: events must come in seq order",
                     (unsigned long long)seq, (unsigned long long)r->last_seq);
    if (!json_is_integer(jitem) || json_integer_value(jitem) < 1 || !action || !at ||
        !json_is_object(changes) || (files && !json_is_array(files)))
        return s_bad(msg, len, "seq %llu: item, action, at or changes missing or of the wrong type",
                     (unsigned long long)seq);
    uint64_t id = (uint64_t)json_integer_value(jitem);
    const char *field;
    json_t *ch;
    s_slot *sl = s_slot_of(r, id);
    if (!sl)
        return RECT_E_NOMEM;
    /* Check every change before touching the item, so a refused event changes nothing. */
    json_object_foreach(changes, field, ch) {
        if (!json_is_array(ch) || json_array_size(ch) != 2)
            return s_bad(msg, len, "seq %llu: the change of %s is not [old, new]", (unsigned long long)seq, field);
        if (strcmp(field, "id") == 0)
            return s_bad(msg, len, "seq %llu: an event may not change the id", (unsigned long long)seq);
        json_t *was = sl->item ? json_object_get(sl->item, field) : NULL;
        json_t *old = json_array_get(ch, 0);
        if (!(was ? json_equal(was, old) : json_is_null(old)))
            return s_bad(msg, len, "seq %llu: item %llu field %s does not hold the event's old value",
                         (unsigned long long)seq, (unsigned long long)id, field);
    }
    if (!sl->item && !(sl->item = json_pack("{sI}", "id", (json_int_t)id)))
        return RECT_E_NOMEM;
    json_object_foreach(changes, field, ch)
        if (json_object_set(sl->item, field, json_array_get(ch, 1)))
            return RECT_E_NOMEM;
    if (strcmp(action, rect_action_names[RECT_ACT_CLAIM]) == 0 &&
        json_object_set_new(sl->item, "created", json_string(at)))
        return RECT_E_NOMEM;
    if (json_object_set_new(sl->item, "updated", json_string(at)))
        return RECT_E_NOMEM;
    if (strcmp(action, rect_action_names[RECT_ACT_EVIDENCE]) == 0) {
        json_t *c = json_object_get(ev, "comment");
        if (json_is_string(c)) {
            json_decref(sl->note);
            sl->note = json_incref(c);
        }
    }
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        int rc;
        if (sha && (rc = s_file_use(r, sl, id, sha)))
            return rc;
    }
    if (id > r->max_id)
        r->max_id = id;
    r->last_seq = seq;
    return 0;
}

uint64_t replay_max_id(const replay *r)
{
    return r->max_id;
}

uint64_t replay_last_seq(const replay *r)
{
    return r->last_seq;
}

json_t *replay_item(const replay *r, uint64_t id)
{
    return id < r->cap ? r->slots[id].item : NULL;
}

const char *replay_latest_evidence(const replay *r, uint64_t id)
{
    return id < r->cap ? json_string_value(r->slots[id].note) : NULL;
}

int replay_reused(const replay *r, uint64_t id)
{
    if (id >= r->cap || !r->slots[id].shas)
        return 0;
    size_t i;
    json_t *s;
    json_array_foreach(r->slots[id].shas, i, s)
        if (json_integer_value(json_object_get(r->users, json_string_value(s))) == 0)
            return 1;
    return 0;
}
