/*
 * cmd_deadline.h - deadline commands (cmd_deadline.c): overdue, extend,
 * decide_extension, review; and the deadline part of list (lights, the
 * overdue / due_soon filters over the deadline index).
 */
#ifndef RECT_CMD_DEADLINE_H
#define RECT_CMD_DEADLINE_H

#include "cmd.h"
#include "facts.h"

/* The `as_of` argument as a canonical date, else today in calendar.timezone.
 * 0, or RECT_E_BAD_DATE with c->msg set. */
int deadline_as_of(cmd_ctx *c, char out[RECT_DATE_LEN]);

/* For list: the lights as of the day asked and the overdue / due_soon filters. */
typedef struct {
    int overdue, due_soon;     /* args.overdue, args.due_soon */
    char today[RECT_DATE_LEN]; /* args.as_of, default today */
    facts_tz tz;               /* facts_local_date's cache */
} deadline_filter;

/* Read args.overdue, due_soon and as_of into df: 0, or RECT_E_BAD_DATE with c->msg. */
int deadline_list_begin(cmd_ctx *c, deadline_filter *df);

/*
 * The deadline index range [*fromp, to] that holds every item df's
 * overdue / due_soon filter can keep (*fromp NULL: from the first): 1; 0
 * when df filters on neither (nothing set); a rect_err with c->msg.
 */
int deadline_list_range(cmd_ctx *c, const deadline_filter *df, char from[RECT_DATE_LEN],
                        char to[RECT_DATE_LEN], const char **fromp);

/*
 * Give item its facts as of df->today ("light", "days_overdue", ...:
 * facts_annotate) and say whether df's filters keep it: 1 keep, 0 drop,
 * or RECT_E_NOMEM with c->msg.
 */
int deadline_list_keep(cmd_ctx *c, deadline_filter *df, json_t *item);

int cmd_overdue(cmd_ctx *c);          /* read: red items as of a date */
int cmd_extend(cmd_ctx *c);           /* write: ask for a later deadline */
int cmd_decide_extension(cmd_ctx *c); /* write: approve or deny the pending request */
int cmd_review(cmd_ctx *c);           /* write: consolidation review (or relapse) */

#endif
