/*
 * calendar.h - deadline arithmetic in the configured calendar: working days,
 * the traffic light of an item on a given day, days overdue. What an item
 * is at a date, with all its derived facts, is facts.c's (which calls this). Pure functions,
 * no I/O and no clock: "today" is always an argument, so tests (and
 * `as_of` requests) can ask about any day.
 *
 * Dates are canonical "YYYY-MM-DD" strings (date_parse output). Working days
 * are Monday to Friday, minus cfg->holidays, plus cfg->workdays (调休); both
 * lists are sorted by cfg_load.
 */
#ifndef RECT_CALENDAR_H
#define RECT_CALENDAR_H

#include <jansson.h>
#include <time.h>

#include "rect_cfg.h"
#include "rect_date.h"

typedef enum {
    CAL_LIGHT_NONE = 0, /* closed items: no light (JSON null) */
    CAL_LIGHT_GREEN,
    CAL_LIGHT_YELLOW,
    CAL_LIGHT_RED,
} cal_light;

/* Wire names "green", "yellow", "red"; NULL for CAL_LIGHT_NONE. */
const char *cal_light_name(cal_light l);

/* Day of the week of a canonical date: 0 = Sunday .. 6 = Saturday; -1 if not a date. */
int cal_weekday(const char *ymd);

/* 1 if ymd is a working day under cfg (holidays, workdays), 0 if not, -1 if not a date. */
int cal_is_working_day(const rect_cfg *cfg, const char *ymd);

/*
 * Days from `from` to `to`: calendar days (to - from), or, when
 * cfg->working_days, the number of working days in (from, to] (negative,
 * mirrored, when to < from). Costs O(log holidays + holidays in range).
 * *out gets the count; returns 0, or -1 if either is not a date.
 */
int cal_days_between(const rect_cfg *cfg, const char *from, const char *to, long *out);

/*
 * The last date d (into out) with cal_days_between(today, d) <= n: the end of
 * the "due soon" window that starts today. Returns 0, or -1 for a bad date.
 */
int cal_window_end(const rect_cfg *cfg, const char *today, long n, char out[RECT_DATE_LEN]);

/* What calendar rules need to know about an item. Strings may be NULL. */
typedef struct {
    const char *state;       /* state identifier */
    const char *deadline;    /* the approved deadline, "YYYY-MM-DD" */
    const char *verified_at; /* UTC instant of acceptance */
} cal_item;

/*
 * The light of an item on `today` (a date in cfg->timezone):
 *   claimed/assigned/rectifying with a deadline: red if today > deadline;
 *     yellow if cal_days_between(today, deadline) <= cfg->due_soon_days (the
 *     deadline day itself is due); else green. Without a deadline: green.
 *   verified: yellow if not closed within cfg->close_within_days (counted
 *     like the above) of the local date of verified_at; else green.
 *   closed (or unknown): none.
 * *days_overdue gets calendar days past the deadline (>= 1) when red, else -1.
 */
cal_light cal_light_of(const rect_cfg *cfg, const cal_item *it, const char *today, long *days_overdue);

/* Today's date in cfg->timezone at instant now. */
void cal_today(const rect_cfg *cfg, time_t now, char out[RECT_DATE_LEN]);

#endif
