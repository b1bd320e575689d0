/*
 * calendar.c - working days, lights and days overdue (see calendar.h).
 */
#include "calendar.h"

#include <string.h>

#include "rect_proto.h"

static const char *const s_light_names[] = {NULL, "green", "yellow", "red"};

const char *cal_light_name(cal_light l)
{
    return l > CAL_LIGHT_NONE && l <= CAL_LIGHT_RED ? s_light_names[l] : NULL;
}

/* Weekday of a day number (days since 1970-01-01, a Thursday): 0 = Sunday. */
static int s_weekday(long d)
{
    long w = (d + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* 1 if ymd is a canonical date "YYYY-MM-DD" that exists. */
static int s_canon(const char *ymd)
{
    char canon[RECT_DATE_LEN];
    return ymd && date_parse(ymd, canon) == 0 && strcmp(canon, ymd) == 0;
}

int cal_weekday(const char *ymd)
{
    return s_canon(ymd) ? s_weekday(date_days(ymd)) : -1;
}

static int s_weekend(long d)
{
    int w = s_weekday(d);
    return w == 0 || w == 6;
}

/* Index of the first entry of a sorted date list that is >= ymd. */
static size_t s_lower_bound(char *const *list, size_t n, const char *ymd)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(list[mid], ymd) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int s_listed(char *const *list, size_t n, const char *ymd)
{
    size_t i = s_lower_bound(list, n, ymd);
    return i < n && strcmp(list[i], ymd) == 0;
}

int cal_is_working_day(const rect_cfg *cfg, const char *ymd)
{
    if (!s_canon(ymd))
        return -1;
    if (s_listed(cfg->workdays, cfg->n_workdays, ymd))
        return 1;
    if (s_listed(cfg->holidays, cfg->n_holidays, ymd))
        return 0;
    return !s_weekend(date_days(ymd));
}

/* Monday-to-Friday days in [0, x) counted from an origin that is a Monday. */
static long s_weekdays_before(long x)
{
    long full = x / 7, rem = x % 7;
    return full * 5 + (rem > 5 ? 5 : rem);
}

/* Weekdays in (a, b], a <= b, as day numbers. */
static long s_weekdays_in(long a, long b)
{
    /* Shift so that day 0 is a Monday and everything is positive: 1970-01-05 was a Monday. */
    const long shift = 7L * 1000000 - 4;
    return s_weekdays_before(b + 1 + shift) - s_weekdays_before(a + 1 + shift);
}

/* Entries of a sorted list in (a, b] (strings) that fall on a weekend (want 1) or a weekday (0). */
static long s_count_in(char *const *list, size_t n, const char *a, const char *b, int weekend)
{
    long count = 0;
    for (size_t i = s_lower_bound(list, n, a); i < n && strcmp(list[i], b) <= 0; i++) {
        if (strcmp(list[i], a) == 0)
            continue;
        if (s_weekend(date_days(list[i])) == weekend)
            count++;
    }
    return count;
}

int cal_days_between(const rect_cfg *cfg, const char *from, const char *to, long *out)
{
    if (!s_canon(from) || !s_canon(to))
        return -1;
    long a = date_days(from), b = date_days(to);
    if (!cfg->working_days) {
        *out = b - a;
        return 0;
    }
    if (b < a) {
        long n;
        if (cal_days_between(cfg, to, from, &n) < 0)
            return -1;
        *out = -n;
        return 0;
    }
    *out = s_weekdays_in(a, b) - s_count_in(cfg->holidays, cfg->n_holidays, from, to, 0) +
           s_count_in(cfg->workdays, cfg->n_workdays, from, to, 1);
    return 0;
}

int cal_window_end(const rect_cfg *cfg, const char *today, long n, char out[RECT_DATE_LEN])
{
    if (!s_canon(today))
        return -1;
    long t = date_days(today);
    if (!cfg->working_days)
        return date_from_days(t + (n < 0 ? 0 : n), out);
    /* Walk forward to the last day before the (n+1)th working day. */
    long day = t, seen = 0;
    for (long guard = 0; guard < 40000; guard++) {
        char next[RECT_DATE_LEN];
        if (date_from_days(day + 1, next) != 0)
            break;
        if (cal_is_working_day(cfg, next) == 1 && ++seen > n)
            break;
        day++;
    }
    return date_from_days(day, out);
}

void cal_today(const rect_cfg *cfg, time_t now, char out[RECT_DATE_LEN])
{
    date_today(now, cfg->timezone, out);
}

cal_light cal_light_of(const rect_cfg *cfg, const cal_item *it, const char *today, long *days_overdue)
{
    long dummy;
    if (!days_overdue)
        days_overdue = &dummy;
    *days_overdue = -1;
    int st = rect_lookup(rect_state_names, RECT_ST_COUNT, it->state);
    long diff;
    if (rect_state_is_open(st)) {
        if (!it->deadline || cal_days_between(cfg, today, it->deadline, &diff) < 0)
            return CAL_LIGHT_GREEN;
        if (strcmp(today, it->deadline) > 0) {
            *days_overdue = date_days(today) - date_days(it->deadline);
            return CAL_LIGHT_RED;
        }
        return diff <= (long)cfg->due_soon_days ? CAL_LIGHT_YELLOW : CAL_LIGHT_GREEN;
    }
    switch (st) {
    case RECT_ST_VERIFIED: {
        time_t at;
        char vday[RECT_DATE_LEN];
        if (!it->verified_at || instant_parse(it->verified_at, &at) != 0)
            return CAL_LIGHT_GREEN;
        date_today(at, cfg->timezone, vday);
        if (cal_days_between(cfg, vday, today, &diff) < 0)
            return CAL_LIGHT_GREEN;
        return diff > (long)cfg->close_within_days ? CAL_LIGHT_YELLOW : CAL_LIGHT_GREEN;
    }
    default:
        return CAL_LIGHT_NONE;
    }
}
