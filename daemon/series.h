/*
 * series.h - the ledger's "open items over time" (the HTML chart), counted
 * during the ledger's one replay pass instead of one replay per point.
 *
 * The ledger tells series_note() about each item event it applies (the
 * item before and after, and the event's local day); series_json() then
 * samples the end-of-day counts at up to n dates from the first claim to
 * the ledger's reference date. Costs O(1) per event and O(days) memory.
 */
#ifndef RECT_SERIES_H
#define RECT_SERIES_H

#include <jansson.h>

#include "rect_date.h"

typedef struct series series;

/* The largest n series_json accepts (the `series` argument of `ledger`). */
#define SERIES_MAX_POINTS 100

/*
 * A new, empty series of the items of inspection insp (NULL: all items;
 * copied). Caller owns it (series_destroy); NULL when out of memory.
 */
series *series_new(const char *insp);

/* Free a series and set *s_p to NULL. Accepts NULL. */
void series_destroy(series **s_p);

/*
 * One item event, in two calls around replay_apply (a replayed item is only
 * valid until the next apply): series_before() with the item as rebuilt
 * just before it (NULL for a claim), series_after() with the item after it
 * and the event's local day (canonical date; days never go back in the
 * log's order). Both borrow the item. series_after returns 0 or RECT_E_NOMEM.
 */
void series_before(series *s, const json_t *before);
int series_after(series *s, const json_t *after, const char *day);

/*
 * The counts at the end of up to n (2 … SERIES_MAX_POINTS) evenly spaced
 * days from the first day an item was claimed to last (inclusive, the last
 * always among them): a new array [{"date", "open", "total"}] (open = total
 * - closed), empty when no item was claimed by last. Caller owns it; NULL
 * when out of memory.
 */
json_t *series_json(const series *s, const char *last, int n);

#endif
