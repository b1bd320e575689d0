/*
 * facts.h - what an item IS at a date: the derived facts every reply that
 * shows items carries (list, show, overdue, ledger rows, notices, stats).
 * The one place they are computed; rectctl renders them and decides nothing.
 *
 * Derived facts are computed at read time from the item (a view of the
 * events) and a reference date; they are never stored in items or events
 * and never enter the hash chain. Pure functions: no I/O, no clock (the
 * date is an argument), so unit tests and `as_of` requests ask about any day.
 *
 * Dates are canonical "YYYY-MM-DD" in cfg->timezone; instants are UTC text.
 */
#ifndef RECT_FACTS_H
#define RECT_FACTS_H

#include <jansson.h>

#include "calendar.h"
#include "rect_cfg.h"
#include "rect_date.h"

/*
 * A one-entry cache of the zone's offset per UTC hour, for turning many
 * instants into local dates (through libc each costs a zone-file read).
 * One per zone and thread; zero-initialise it before use.
 */
typedef struct {
    char hour[14]; /* "YYYY-MM-DDTHH" the offset was computed for */
    long offset;   /* seconds east of UTC */
} facts_tz;

/*
 * Local calendar date ("YYYY-MM-DD") of a UTC instant text in zone, into out.
 * Returns 0, or -1 if instant is NULL or does not parse.
 */
int facts_local_date(facts_tz *z, const char *zone, const char *instant, char out[RECT_DATE_LEN]);

/* What an item is on a given day. -1 in a count means "none" (JSON null). */
typedef struct {
    int open;             /* claimed, assigned or rectifying (rect_state_is_open) */
    int awaiting_closure; /* verified: accepted, waiting for 销号 */
    cal_light light;      /* calendar.c's rule; CAL_LIGHT_NONE when closed */
    long past_deadline;   /* calendar days past the approved deadline (>= 1) when red, else -1 */
    long days_overdue;    /* open: overdue_days_carried + days past the deadline at the day; -1 when 0 */
    long days_late;       /* closed with a deadline: carried + days late at closure (0 on time); else -1 */
    int review_due;       /* closed with a next_review on or before the day (巩固 due) */
} facts;

/*
 * The facts of item (an item object, or a ledger row: the same fields) on
 * day. tz is the caller's cache (facts_local_date); cfg gives the zone and
 * the calendar. Fills *out and returns 0; RECT_E_BAD_DATE if day is not a
 * date (then *out says "nothing": not open, no light, no counts).
 */
int facts_of(const rect_cfg *cfg, const json_t *item, const char *day, facts_tz *tz, facts *out);

/*
 * Add the facts of item on day to the item object (modified in place: a
 * reply's copy, never one that is stored): "light", "days_overdue" (the
 * list's meaning: past_deadline), "open", "awaiting_closure", "days_late",
 * "review_due"; the light also into *light (may be NULL). 0, or
 * RECT_E_NOMEM when a key could not be set (the reply must not go out).
 */
int facts_annotate(const rect_cfg *cfg, json_t *item, const char *day, facts_tz *tz, cal_light *light);

/*
 * The same keys as facts_annotate in a new object (caller owns it; NULL
 * when out of memory), for replies that keep the item as stored (show).
 */
json_t *facts_json(const rect_cfg *cfg, const json_t *item, const char *day, facts_tz *tz);

/*
 * The ledger's summary.overdue of rows (ledger rows) at day: open rows whose
 * approved deadline is before day. The rule `ledger` and `ledger_check` share.
 */
long facts_count_overdue(const json_t *rows, const char *day);

#endif
