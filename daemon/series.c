/*
 * series.c - end-of-day counts gathered during one replay (see series.h).
 */
#include "series.h"

#include <stdlib.h>
#include <string.h>

#include "rect_proto.h"

typedef struct {
    long day;           /* date_days of the day */
    long total, closed; /* at the end of that day (so far) */
} s_day;

struct series {
    char *insp;         /* NULL: every item */
    long total, closed; /* now */
    s_day *days;        /* one per day with an event, ascending */
    size_t n, cap;
};

series *series_new(const char *insp)
{
    series *s = calloc(1, sizeof *s);
    if (s && insp && !(s->insp = strdup(insp))) {
        free(s);
        return NULL;
    }
    return s;
}

void series_destroy(series **s_p)
{
    if (!s_p || !*s_p)
        return;
    free((*s_p)->insp);
    free((*s_p)->days);
    free(*s_p);
    *s_p = NULL;
}

/* 1 if item counts in this series (it exists and is of its inspection). */
static int s_counts(const series *s, const json_t *item)
{
    const char *in = json_string_value(json_object_get(item, "inspection"));
    return item && (!s->insp || (in && strcmp(in, s->insp) == 0));
}

static int s_closed(const json_t *item)
{
    const char *st = json_string_value(json_object_get(item, "state"));
    return rect_lookup(rect_state_names, RECT_ST_COUNT, st) == RECT_ST_CLOSED;
}

void series_before(series *s, const json_t *before)
{
    if (s_counts(s, before)) {
        s->total--;
        s->closed -= s_closed(before);
    }
}

int series_after(series *s, const json_t *after, const char *day)
{
    long d = date_days(day);
    if (s_counts(s, after)) {
        s->total++;
        s->closed += s_closed(after);
    }
    if (!s->n || s->days[s->n - 1].day != d) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 64;
            s_day *p = realloc(s->days, cap * sizeof *p);
            if (!p)
                return RECT_E_NOMEM;
            s->days = p;
            s->cap = cap;
        }
        s->n++;
    }
    s->days[s->n - 1] = (s_day){d, s->total, s->closed};
    return 0;
}

/* Append the counts at the end of day d (k: the caller's cursor into days). */
static int s_point(const series *s, long d, size_t *k, json_t *out)
{
    char date[RECT_DATE_LEN];
    while (*k + 1 < s->n && s->days[*k + 1].day <= d)
        (*k)++;
    long total = 0, closed = 0;
    if (*k < s->n && s->days[*k].day <= d) {
        total = s->days[*k].total;
        closed = s->days[*k].closed;
    }
    if (date_from_days(d, date) != 0)
        return -1;
    return json_array_append_new(out, json_pack("{sssIsI}", "date", date, "open",
                                                (json_int_t)(total - closed), "total", (json_int_t)total));
}

json_t *series_json(const series *s, const char *last, int n)
{
    json_t *out = json_array();
    size_t first = 0, k = 0;
    while (first < s->n && s->days[first].total == 0)
        first++;
    long d1 = date_days(last);
    if (!out || first == s->n || d1 < s->days[first].day || n < 2)
        return out;
    long d0 = s->days[first].day, span = d1 - d0;
    long step = span / (n - 1) + (span % (n - 1) ? 1 : 0);
    if (step < 1)
        step = 1;
    for (long d = d0;; d += step) {
        if (d > d1)
            d = d1;
        if (s_point(s, d, &k, out) != 0) {
            json_decref(out);
            return NULL;
        }
        if (d == d1)
            break;
    }
    return out;
}
