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
    json_t *item; /* NULL until the item's first event */
    json_t *note; /* string: comment of the last evidence event, or NULL */
    json_t *shas; /* array of hex sha256 the item's events filed, or NULL */
} s_slot;

struct replay {
    s_slot *slots; /* index = item id */
    uint64_t cap;  /* slots allocated */
    uint64_t max_id;
    uint64_t last_seq;
    json_t *users; /* sha256 hex -> integer: the one item that filed it, 0 if several */
    json_t *insp;  /* inspection name -> record rebuilt from the inspection events */
    json_t *signs; /* inspection name -> its latest sign-off (see replay_sign_off) */
};

replay *replay_new(void)
{
    replay *r = calloc(1, sizeof *r);
    if (r && (!(r->users = json_object()) || !(r->insp = json_object()) || !(r->signs = json_object()))) {
        json_decref(r->users);
        json_decref(r->insp);
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
    json_decref(r->signs);
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
            return s_bad(msg, len, "seq %llu: the change of %s is not [old, new]", (unsigned long long)seq,
                         field);
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
        return s_bad(msg, len,
                     "seq %llu: an inspection event needs an actor and a change of name to a string",
                     (unsigned long long)seq);
    json_t *rec = json_object_get(r->insp, name);
    char what[RECT_MAX_NAME + 32];
    snprintf(what, sizeof what, "inspection %s", name);
    int rc = s_check_changes(rec, changes, seq, what, msg, len);
    if (rc)
        return rc;
    if (!rec) {
        if (!(rec = json_pack("{ssss}", "created", at, "by", actor)) ||
            json_object_set_new(r->insp, name, rec))
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
        return s_bad(msg, len,
                     "seq %llu: a backup event needs an actor and exactly the changes path, head "
                     "(64 hex digits) and events (an earlier seq), and files no files",
                     (unsigned long long)seq);
    r->last_seq = seq;
    return 0;
}

/* 1 if inspection name is recorded or names a replayed item. */
static int s_inspection_known(const replay *r, const char *name)
{
    if (json_object_get(r->insp, name))
        return 1;
    for (uint64_t id = 1; id <= r->max_id && id < r->cap; id++) {
        const char *in = json_string_value(json_object_get(r->slots[id].item, "inspection"));
        if (in && strcmp(in, name) == 0)
            return 1;
    }
    return 0;
}

static int s_is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

/*
 * A sign-off (item 0, action "sign"): changes {"inspection": NAME, "head":
 * HEX, "note"?: TEXT} name a known inspection and the chain head just before
 * the event (its "prev", when the event carries it). It supersedes the
 * inspection's earlier sign-off.
 */
static int s_apply_sign(replay *r, const json_t *ev, uint64_t seq, char *msg, size_t len)
{
    const json_t *changes = json_object_get(ev, "changes");
    const char *actor = json_string_value(json_object_get(ev, "actor"));
    const char *at = json_string_value(json_object_get(ev, "at"));
    const char *name = json_string_value(json_object_get(changes, "inspection"));
    const char *head = json_string_value(json_object_get(changes, "head"));
    const char *prev = json_string_value(json_object_get(ev, "prev"));
    json_t *note = json_object_get(changes, "note");
    const char *key;
    json_t *v;
    if (!actor || !name || !*name || !s_is_hex64(head) || (note && !json_is_string(note)))
        return s_bad(msg, len,
                     "seq %llu: a sign event needs an actor, an inspection name and a head of 64 hex digits",
                     (unsigned long long)seq);
    json_object_foreach((json_t *)changes, key, v)
        if (strcmp(key, "inspection") != 0 && strcmp(key, "head") != 0 && strcmp(key, "note") != 0)
            return s_bad(msg, len, "seq %llu: a sign event changes only inspection, head and note, not %s",
                         (unsigned long long)seq, key);
    if (prev && strcmp(prev, head) != 0)
        return s_bad(msg, len,
                     "seq %llu: the sign event says it signs head %.12s…, but the head before it was %.12s…",
                     (unsigned long long)seq, head, prev);
    if (!s_inspection_known(r, name))
        return s_bad(msg, len, "seq %llu: the sign event signs inspection %s, which no earlier event records",
                     (unsigned long long)seq, name);
    json_t *was = json_object_get(r->signs, name);
    json_int_t superseded = was ? json_integer_value(json_object_get(was, "superseded")) + 1 : 0;
    json_t *s = json_pack("{sssssIs{sIss}sOsIsbs{sIsos[]snsn}}", "by", actor, "at", at ? at : "", "seq",
                          (json_int_t)seq, "head", "seq", (json_int_t)seq - 1, "hash", head, "note",
                          note ? note : json_null(), "superseded", superseded, "changed", 0, "changes",
                          "events", (json_int_t)0, "record", json_false(), "items", "first_seq", "last_seq");
    if (!s || json_object_set_new(r->signs, name, s))
        return RECT_E_NOMEM;
    r->last_seq = seq;
    return 0;
}

/* Event seq touched inspection name's items or record: a sign-off of it before seq no longer covers all. */
static int s_touch(replay *r, const char *name, uint64_t seq, uint64_t item)
{
    json_t *s = name ? json_object_get(r->signs, name) : NULL;
    if (!s || (uint64_t)json_integer_value(json_object_get(s, "seq")) >= seq)
        return 0;
    json_t *ch = json_object_get(s, "changes"), *items = json_object_get(ch, "items");
    int bad = json_object_set_new(s, "changed", json_true());
    bad |= json_object_set_new(ch, "events",
                               json_integer(json_integer_value(json_object_get(ch, "events")) + 1));
    if (json_is_null(json_object_get(ch, "first_seq")))
        bad |= json_object_set_new(ch, "first_seq", json_integer((json_int_t)seq));
    bad |= json_object_set_new(ch, "last_seq", json_integer((json_int_t)seq));
    if (!item)
        bad |= json_object_set_new(ch, "record", json_true());
    else {
        size_t i, n = json_array_size(items);
        for (i = 0; i < n && (uint64_t)json_integer_value(json_array_get(items, i)) != item; i++)
            ;
        if (i == n)
            bad |= json_array_append_new(items, json_integer((json_int_t)item));
    }
    return bad ? RECT_E_NOMEM : 0;
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
    /* About no item (rect_action_no_item): inspection, decline, withdraw_decline, sign, backup, password_reset. */
    int a = rect_lookup(rect_action_names, RECT_ACT_COUNT, action);
    int no_item = a >= 0 && rect_action_no_item(a);
    if (no_item && id != 0)
        return s_bad(msg, len, "seq %llu: a %s event must name item 0", (unsigned long long)seq, action);
    if (!no_item && id == 0)
        return s_bad(
            msg, len,
            "seq %llu: item 0 is no item: only inspection, decline, withdraw_decline, sign, backup and password_reset events name it",
            (unsigned long long)seq);
    if (files && id == 0)
        return s_bad(msg, len, "seq %llu: an event about no item files no files", (unsigned long long)seq);
    if (a == RECT_ACT_SIGN)
        return s_apply_sign(r, ev, seq, msg, len);
    if (a == RECT_ACT_BACKUP)
        return s_apply_backup(r, ev, seq, msg, len);
    if (a == RECT_ACT_PASSWORD_RESET) {
        /* It names the user and nothing else: a password hash never enters the chain. */
        const char *field;
        json_t *ch;
        json_object_foreach(changes, field, ch)
            if (strcmp(field, "user") != 0 || !json_is_string(ch))
                return s_bad(
                    msg, len,
                    "seq %llu: a password_reset event names the user (a string) and nothing else, not %s",
                    (unsigned long long)seq, field);
        if (!json_is_string(json_object_get(changes, "user")))
            return s_bad(msg, len, "seq %llu: a password_reset event must name the user",
                         (unsigned long long)seq);
        return 0;
    }
    if (no_item && a != RECT_ACT_INSPECTION) {
        /* A decision about a recorded inspection: it changes that record's declined list only. */
        const char *field;
        json_t *ch;
        json_object_foreach(changes, field, ch)
            if (strcmp(field, "name") != 0 && strcmp(field, "declined") != 0)
                return s_bad(msg, len, "seq %llu: a %s event changes only name and declined, not %s",
                             (unsigned long long)seq, action, field);
        json_t *nm = json_object_get(changes, "name");
        if (!json_is_array(nm) || !json_is_string(json_array_get(nm, 0)) ||
            !json_equal(json_array_get(nm, 0), json_array_get(nm, 1)) ||
            !json_is_array(json_array_get(json_object_get(changes, "declined"), 1)))
            return s_bad(msg, len,
                         "seq %llu: a %s event names a recorded inspection [N, N] and its new declined list",
                         (unsigned long long)seq, action);
    }
    if (no_item) {
        int rc = s_apply_inspection(r, ev, seq, msg, len);
        return rc ? rc
                  : s_touch(r, json_string_value(json_array_get(json_object_get(changes, "name"), 1)), seq,
                            0);
    }
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
    /* a signed inspection's record changed: its item's inspection now, and the one it left */
    const char *in = json_string_value(json_object_get(sl->item, "inspection"));
    const char *left = json_string_value(json_array_get(json_object_get(changes, "inspection"), 0));
    int rc = s_touch(r, in, seq, id);
    if (rc == 0 && left && (!in || strcmp(left, in) != 0))
        rc = s_touch(r, left, seq, id);
    return rc;
}

json_t *replay_sign_off(const replay *r, const char *name)
{
    return name ? json_object_get(r->signs, name) : NULL;
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
