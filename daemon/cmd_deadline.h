/*
 * cmd_deadline.h - deadline commands (cmd_deadline.c): overdue, extend,
 * decide_extension, review; and the deadline part of list (lights, the
 * overdue / due_soon filters over the deadline index).
 */
#ifndef RECT_CMD_DEADLINE_H
#define RECT_CMD_DEADLINE_H

#include "cmd.h"

/* The `as_of` argument as a canonical date, else today in calendar.timezone.
 * 0, or RECT_E_BAD_DATE with c->msg set. */
int deadline_as_of(cmd_ctx *c, char out[RECT_DATE_LEN]);

/*
 * For list: when args.overdue or args.due_soon is true, scan only the
 * deadline index range that can hold such items, calling cb for each item,
 * set *used = 1 and return 0 or the scan's rect_err. Otherwise *used = 0
 * and nothing is scanned.
 */
int deadline_list_scan(cmd_ctx *c, store_item_cb cb, void *ctx, int *used);

/*
 * For list: give every item of `items` (an array the caller owns) its
 * "light" and "days_overdue" as of args.as_of (default today), drop those
 * the overdue / due_soon filters exclude, and put the rest in id order.
 * 0 or a rect_err with c->msg set.
 */
int deadline_list_finish(cmd_ctx *c, json_t *items);

int cmd_overdue(cmd_ctx *c);          /* read: red items as of a date */
int cmd_extend(cmd_ctx *c);           /* write: ask for a later deadline */
int cmd_decide_extension(cmd_ctx *c); /* write: approve or deny the pending request */
int cmd_review(cmd_ctx *c);           /* write: consolidation review (or relapse) */

#endif
