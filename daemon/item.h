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

/* The state of an item, or RECT_ST_NONE if it has none (corrupt). */
rect_state item_state(const json_t *item);

/*
 * Apply an action: for every key of `set` (field -> new value; references
 * stolen) whose value differs from the item's, record [old, new] in the
 * event's changes and update the item; then append the event (action,
 * actor, now, comment, and `extra` keys merged in, stolen, may be NULL) and
 * store the item with its indexes. item NULL means a new item (claim): one
 * is created with a fresh id and *item_out receives it. *item_out may be
 * NULL if the caller does not want the result; otherwise the caller owns it.
 */
int item_apply(cmd_ctx *c, json_t *item, rect_action action, json_t *set, const char *comment,
               json_t *extra, json_t **item_out);

/* Short description "item 3 (GJ-03)" into buf. */
const char *item_label(const json_t *item, char *buf, size_t len);

#endif
