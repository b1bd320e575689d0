/*
 * replay.h - rebuild items from the event log (docs/DESIGN.md §1).
 *
 * Pure: no storage, no clock. Feed events in seq order with replay_apply();
 * each event's changes {field: [old, new]} are applied to the item it names,
 * starting from {"id": item}; created = the claim's "at", updated = the last
 * "at". Besides the items, a replay keeps what a ledger row needs and an item
 * does not hold: the note of the item's last evidence event and the files
 * (by SHA-256) its events filed, so a file filed on two different items is
 * known as reused.
 *
 * Inspection events (item 0, actions "inspection", "decline" and
 * "withdraw_decline") rebuild the inspection records instead: see
 * replay_inspections(). A decline or withdrawal must name a recorded
 * inspection ([N, N]) and change only its "declined" list. Sign events (item
 * 0, action "sign") rebuild the sign-offs: see replay_sign_off().
 * rect_action_no_item() names all four.
 */
#ifndef RECT_REPLAY_H
#define RECT_REPLAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct replay replay;

/* A new, empty replay (caller owns it: replay_destroy), or NULL without memory. */
replay *replay_new(void);

/* Free a replay and set *r_p to NULL. Accepts NULL. */
void replay_destroy(replay **r_p);

/*
 * Apply one event (borrowed; nothing of it is kept after the call except
 * copies). The event needs an integer "seq" greater than the previous one,
 * an integer "item" ≥ 1, string "action" and "at", and an object "changes"
 * of [old, new] pairs whose old values match the item as rebuilt so far.
 * An inspection event (rect_action_no_item) instead has "item" 0 (and only it may), a string
 * "actor", and a change of "name" to the inspection's name; its old values
 * must match that inspection's record as rebuilt so far (none: null).
 * Returns 0, RECT_E_NOMEM, or RECT_E_BAD_VALUE with an English reason in
 * msg (len bytes, always NUL-terminated when len > 0); a refused event
 * changes nothing.
 */
int replay_apply(replay *r, const json_t *ev, char *msg, size_t len);

/*
 * The inspection records rebuilt so far: an object name -> {"name", "title",
 * "fed_back", …, "created", "by"} (each changed field set to its new value;
 * created = at and by = actor of the inspection's first event). Borrowed,
 * valid until the next replay_apply or destroy.
 */
json_t *replay_inspections(const replay *r);
/* One of them, or NULL (name NULL or not recorded): borrowed like replay_inspections. */
json_t *replay_inspection(const replay *r, const char *name);

/*
 * The latest sign-off of inspection name (item-0 "sign" events), or NULL:
 * {"by", "at", "seq" (the sign event's), "head": {"seq", "hash"} (the chain
 * head it signs: the one before it), "note" (string or null), "superseded"
 * (earlier sign-offs of it), "changed" (bool), "changes": {"events", "items"
 * [ids], "record" (bool), "first_seq", "last_seq"}}: the events after it
 * that touched the inspection's items or its record. Borrowed like
 * replay_inspections.
 */
json_t *replay_sign_off(const replay *r, const char *name);

/* The largest item id seen so far (0 if none). */
uint64_t replay_max_id(const replay *r);

/* The seq of the last applied event (0 if none). */
uint64_t replay_last_seq(const replay *r);

/* The rebuilt item with this id, or NULL: borrowed, valid until the next replay_apply or destroy. */
json_t *replay_item(const replay *r, uint64_t id);

/* The comment of the item's last evidence event, or NULL: borrowed like replay_item. */
const char *replay_latest_evidence(const replay *r, uint64_t id);

/* 1 if a file the item's events filed was also filed by another item's events, else 0. */
int replay_reused(const replay *r, uint64_t id);

#endif
