/*
 * item.h - items as JSON objects, and the one way they change: an event.
 */
#ifndef RECT_ITEM_H
#define RECT_ITEM_H

#include <jansson.h>
#include <stdint.h>

#include "cmd.h"
#include "rect_proto.h"

/*
 * Resolve the "item" argument (integer id, digit string, REF or
 * INSPECTION/REF) and load the item: 0 and a new reference in *item (caller
 * decrefs), or a rect_err with c->msg set.
 */
int item_load(cmd_ctx *c, json_t **item);

/*
 * Resolve an item reference (integer id, digit string, REF or
 * INSPECTION/REF; borrowed) to an id, without loading it: 0, or a rect_err
 * with c->msg set (not found, ambiguous). The id need not exist.
 */
int item_resolve(cmd_ctx *c, const json_t *arg, uint64_t *id);

/* The state of an item, or RECT_ST_NONE if it has none (corrupt). */
rect_state item_state(const json_t *item);

/*
 * A new event envelope (caller owns it): item, action, actor, at, changes
 * (borrowed: a new reference is taken), comment, and who connected:
 * "principal" (the key, and over ipc the Unix account) and, when a gateway
 * acts for the actor, "via" (the gateway's user name). NULL when out of
 * memory. The one place events are packed.
 */
json_t *item_event_new(cmd_ctx *c, json_int_t item_id, rect_action action, json_t *changes,
                       const char *comment);

/*
 * Apply an action: for every key of `set` (field -> new value; references
 * stolen) whose value differs from the item's, record [old, new] in the
 * event's changes and update the item; then append the event (action,
 * actor, now, comment, and `extra` keys merged in, stolen, may be NULL) and
 * store the item with its indexes. item NULL means a new item (claim): one
 * is created with a fresh id and *item_out receives it; a claim records every
 * item field, and "parent" only when set holds it (举一反三). *item_out may be
 * NULL if the caller does not want the result; otherwise the caller owns it.
 */
int item_apply(cmd_ctx *c, json_t *item, rect_action action, json_t *set, const char *comment, json_t *extra,
               json_t **item_out);

/*
 * Ask the rule book (workflow.c) whether the acting user may apply action a
 * to item (NULL for a claim), with the facts of the item's current round of
 * work read from its events (store_item_events). 0 and the resulting state in *to, or the
 * refusal's rect_err with c->msg naming the item and the reason.
 */
int item_guard(cmd_ctx *c, const json_t *item, rect_action a, rect_state *to);

/*
 * item_guard for a request that sets a deadline (canonical date; NULL: it
 * sets none) and, for an assignment, a leader: moving the deadline of an
 * assigned or rectifying item is an admin's re-plan and needs args.note (the
 * reason); a relapse's new deadline is an admin's too; handing an item to
 * another leader is its leader's or an admin's.
 */
int item_guard_plan(cmd_ctx *c, const json_t *item, rect_action a, const char *deadline, const char *leader,
                    rect_state *to);

/*
 * Ask the rule book, for each of users[0..n-1] (as configured now), whether
 * they may apply action a to item as it stands in c->txn: may[i] 1 or 0.
 * The one source of "who may verify / close this item now" (the notices of
 * notice.c). 0 or a rect_err (c->msg not set).
 */
int item_may(cmd_ctx *c, const json_t *item, rect_action a, const rect_user **users, size_t n, int *may);
/*
 * The urges (督办) among an item's events (seq order), oldest first: a new
 * array of {"seq", "at", "by", "note", "reply_by" (date or null),
 * "answered", "answer" ({"seq", "at", "by", "note", "action"} of the reply
 * or evidence that answered it, or null), "overdue" (unanswered and
 * reply_by before today; today NULL: never), "answered_late" (when
 * answered)}. A reply, or evidence filed after an urge, answers every urge
 * still open. NULL without memory. The one place that says what an open
 * urge is (reply's rule, show).
 */
json_t *item_urges(const json_t *events, const char *today);
/*
 * Add to set the move of item's deadline to `deadline` (canonical date): the
 * new "deadline" and, when the old deadline had passed (an open item red
 * today; a closed item, by a relapse: late on the day it was closed),
 * "overdue_days_carried" raised by those days, so they stay counted after
 * the move. 0 or RECT_E_NOMEM (c->msg set).
 */
int item_move_deadline(cmd_ctx *c, const json_t *item, const char *deadline, json_t *set);

/*
 * item_apply with "state" set to `to`, and c->result = {"item": the new
 * item}. set and extra are stolen as by item_apply.
 */
int item_act(cmd_ctx *c, json_t *item, rect_action a, rect_state to, json_t *set, const char *comment,
             json_t *extra);

/*
 * Store the request's attached files once by content (names from
 * args.files) and describe them: a new array [{"name","sha256","size"}] in
 * *files (caller owns). 0 or rect_err with c->msg set.
 */
int item_store_files(cmd_ctx *c, json_t **files);

/*
 * Record that item_id's event c->seq (the last item_apply) filed these
 * files, for audit_reuse and show's reused_by. 0 or rect_err with c->msg.
 */
int item_record_file_uses(cmd_ctx *c, const json_t *files, uint64_t item_id);

/* Short description "item 3 (GJ-03)" into buf. */
const char *item_label(const json_t *item, char *buf, size_t len);

#endif
