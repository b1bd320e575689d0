/*
 * resolve.h - turn what a person typed into the canonical value rectd stores:
 * users by name, units and sources by id, kinds and states by identifier,
 * dates as YYYY-MM-DD.
 */
#ifndef RECT_RESOLVE_H
#define RECT_RESOLVE_H

#include "cmd.h"

typedef enum {
    RESOLVE_NONE,   /* taken as is */
    RESOLVE_USER,   /* a configured user's name or display name */
    RESOLVE_LEADER, /* a user with role leader */
    RESOLVE_UNIT,   /* a configured unit's id or name */
    RESOLVE_SOURCE, /* a configured source's id or name */
    RESOLVE_KIND,   /* immediate | long-term | 立查立改 | 长期坚持 */
    RESOLVE_STATE,  /* a state identifier */
} resolve_kind;

/*
 * Canonical form of `value` for argument `what`. Returns 0 and *out (a
 * string that lives as long as the config or the program), or a negative
 * rect_err (RECT_E_UNKNOWN_NAME, RECT_E_BAD_VALUE) with c->msg set.
 */
int resolve(cmd_ctx *c, const char *what, const char *value, resolve_kind kind, const char **out);

/* Parse a date argument into out ("YYYY-MM-DD"); RECT_E_BAD_DATE with c->msg. */
int resolve_date(cmd_ctx *c, const char *what, const char *value, char out[RECT_DATE_LEN]);

#endif
