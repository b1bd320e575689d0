/*
 * rect_date.h - calendar dates and instants (common/date.c).
 *
 * Deadlines are calendar dates, stored and sent as "YYYY-MM-DD". Instants are
 * UTC, sent as "YYYY-MM-DDTHH:MM:SSZ". "Today" is a date in the configured
 * zone and is computed from rect_now(), the one clock of the program.
 */
#ifndef RECT_DATE_H
#define RECT_DATE_H

#include <stddef.h>
#include <time.h>

#define RECT_DATE_LEN 11    /* "YYYY-MM-DD" + NUL */
#define RECT_INSTANT_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/*
 * Parse a calendar date written as 2026-12-31, 2026/12/31 or 2026年12月31日
 * (months and days may have one digit; surrounding blanks are ignored).
 * The date must exist (no 2026-02-30) and lie in years 1900..9999.
 * On success writes the canonical "YYYY-MM-DD" into out and returns 0;
 * otherwise returns -1 and leaves out unspecified.
 */
int date_parse(const char *text, char out[RECT_DATE_LEN]);

/* Days from 1970-01-01 to a canonical date; -1 if not canonical. */
long date_days(const char *ymd);

/* The date `days` days after 1970-01-01 into out; 0, or -1 outside years 1900..9999. */
int date_from_days(long days, char out[RECT_DATE_LEN]);

/*
 * The current instant. Every "now" in the program comes from here: the
 * system clock, or the clock file set with rect_clock_file.
 */
time_t rect_now(void);

/*
 * Test facility (rectd --clock-file): from now on rect_now() reads the
 * instant from the file at path on every call (ISO 8601 with Z or an offset,
 * e.g. 2026-12-01T09:00:00+08:00), falling back to the system clock while
 * the file is missing or unreadable. NULL switches back to the system clock.
 * Returns 0, or -1 if the file cannot be read now (the setting stays).
 */
int rect_clock_file(const char *path);

/* Read the clock file into *t: 0, or -1. Only valid after rect_clock_file(path). */
int rect_clock_read(time_t *t);

/* Parse "YYYY-MM-DDTHH:MM:SS" + "Z" or "±HH:MM" (or "±HHMM"); 0 and *t, or -1. */
int instant_parse_iso(const char *text, time_t *t);

/* Broken-down local time of t in an IANA zone (UTC if zone is NULL): 0, or -1. */
int instant_local_tm(time_t t, const char *zone, struct tm *tm);

/* Format a UTC instant as "YYYY-MM-DDTHH:MM:SSZ". */
void instant_format(time_t t, char out[RECT_INSTANT_LEN]);

/* Parse "YYYY-MM-DDTHH:MM:SSZ"; returns 0 and stores *t, or -1. */
int instant_parse(const char *text, time_t *t);

/*
 * Format an instant in an IANA zone as "YYYY-MM-DD HH:MM" (local wall time).
 * zone NULL means UTC. out must hold 17 bytes.
 */
void instant_format_local(time_t t, const char *zone, char *out, size_t outlen);

/* Today's date in an IANA zone, as "YYYY-MM-DD". */
void date_today(time_t now, const char *zone, char out[RECT_DATE_LEN]);

/*
 * Set the process's TZ to zone for good (call before starting threads):
 * conversions in that zone then need no TZ switching, so threads may make
 * them together, and they cost no file lookup. 0, or -1 if zone is unknown.
 */
int date_pin_zone(const char *zone);

/* 1 if zone names an installed IANA time zone, else 0. */
int zone_exists(const char *zone);

#endif
