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
    json_t *insp;  /* inspection name -> record rebuilt from the inspection events */
};

replay *replay_new(void)
{
    replay *r = calloc(1, sizeof *r);
    if (r && (!(r->users = json_object()) || !(r->insp = json_object()))) {
        json_decref(r->users);
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
    json_decref(r->insp);
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

/* Check that every change is [old, new] with old matching rec (NULL: all old null). */
static int s_check_changes(const json_t *rec, const json_t *changes, uint64_t seq, const char *what,
                           char *msg, size_t len)
{
    const char *field;
    json_t *ch;
    json_object_foreach((json_t *)changes, field, ch) {
        if (!json_is_array(ch) || json_array_size(ch) != 2)
            return s_bad(msg, len, "seq %llu: the change of %s is not [old, new]", (unsigned long long)seq, field);
        json_t *was = rec ? json_object_get(rec, field) : NULL;
        json_t *old = json_array_get(ch, 0);
        if (!(was ? json_equal(was, old) : json_is_null(old)))
            return s_bad(msg, len, "seq %llu: %s field %s does not hold the event's old value",
                         (unsigned long long)seq, what, field);
    }
    return 0;
}

/*
 * An inspection event (item 0, action "inspection"): its changes build the
 * record of the inspection named by the new value of "name"; the first
 * event of a name also sets created = at and by = actor.
 */
static int s_apply_inspection(replay *r, const json_t *ev, uint64_t seq, char *msg, size_t len)
{
    const json_t *changes = json_object_get(ev, "changes");
    const char *at = json_string_value(json_object_get(ev, "at"));
    const char *actor = json_string_value(json_object_get(ev, "actor"));
    json_t *jname = json_object_get(changes, "name");
    const char *name = json_string_value(json_array_get(jname, 1));
    if (!actor || !name || !*name)
        return s_bad(msg, len, "seq %llu: an inspection event needs an actor and a change of name to a string",
                     (unsigned long long)seq);
    json_t *rec = json_object_get(r->insp, name);
    char what[RECT_MAX_NAME + 32];
    snprintf(what, sizeof what, "inspection %s", name);
    int rc = s_check_changes(rec, changes, seq, what, msg, len);
    if (rc)
        return rc;
    if (!rec) {
        if (!(rec = json_pack("{ssss}", "created", at, "by", actor)) || json_object_set_new(r->insp, name, rec))
            return RECT_E_NOMEM;
    }
    const char *field;
    json_t *ch;
    json_object_foreach((json_t *)changes, field, ch)
        if (json_object_set(rec, field, json_array_get(ch, 1)))
            return RECT_E_NOMEM;
    r->last_seq = seq;
    return 0;
}

/*
 * A backup event (item 0, action "backup"): it changes no record; its
 * changes name the copy's path and the head it covers, which must lie
 * before the event itself.
 */
static int s_apply_backup(replay *r, const json_t *ev, uint64_t seq, char *msg, size_t len)
{
    const json_t *changes = json_object_get(ev, "changes");
    const char *head = json_string_value(json_array_get(json_object_get(changes, "head"), 1));
    const json_t *n = json_array_get(json_object_get(changes, "events"), 1);
    const char *path = json_string_value(json_array_get(json_object_get(changes, "path"), 1));
    if (json_object_get(ev, "files") || !json_string_value(json_object_get(ev, "actor")) || !path || !head ||
        strlen(head) != 64 || strspn(head, "0123456789abcdef") != 64 || !json_is_integer(n) ||
        json_integer_value(n) < 0 || (uint64_t)json_integer_value(n) >= seq || json_object_size(changes) != 3)
        return s_bad(msg, len, "seq %llu: a backup event needs an actor and exactly the changes path, head "
                               "(64 hex digits) and events (an earlier seq), and files no files",
                     (unsigned long long)seq);
    r->last_seq = seq;
    return 0;
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
    if (!json_is_integer(jitem) || json_integer_value(jitem) < 0 || !action || !at ||
        !json_is_object(changes) || (files && !json_is_array(files)))
        return s_bad(msg, len, "seq %llu: item, action, at or changes missing or of the wrong type",
                     (unsigned long long)seq);
    uint64_t id = (uint64_t)json_integer_value(jitem);
    int inspection = strcmp(action, rect_action_names[RECT_ACT_INSPECTION]) == 0;
    int backup = strcmp(action, rect_action_names[RECT_ACT_BACKUP]) == 0;
    if ((inspection || backup) != (id == 0))
        return s_bad(msg, len, inspection || backup ? "seq %llu: an inspection or backup event must name item 0"
                                                    : "seq %llu: item 0 is no item: only an inspection or backup event names it",
                     (unsigned long long)seq);
    if (backup)
        return s_apply_backup(r, ev, seq, msg, len);
    if (inspection)
        return files ? s_bad(msg, len, "seq %llu: an inspection event files no files", (unsigned long long)seq)
                     : s_apply_inspection(r, ev, seq, msg, len);
    const char *field;
    json_t *ch;
    s_slot *sl = s_slot_of(r, id);
    if (!sl)
        return RECT_E_NOMEM;
    /* Check every change before touching the item, so a refused event changes nothing. */
    if (json_object_get(changes, "id"))
        return s_bad(msg, len, "seq %llu: an event may not change the id", (unsigned long long)seq);
    char what[48];
    snprintf(what, sizeof what, "item %llu", (unsigned long long)id);
    int rc0 = s_check_changes(sl->item, changes, seq, what, msg, len);
    if (rc0)
        return rc0;
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

json_t *replay_inspections(const replay *r)
{
    return r->insp;
}

json_t *replay_inspection(const replay *r, const char *name)
{
    return name ? json_object_get(r->insp, name) : NULL;
}
