/*
 * facts.c - derived facts of an item at a date (see facts.h).
 */
#include "facts.h"

#include <stdlib.h>
#include <string.h>

#include "rect_proto.h"

int facts_local_date(facts_tz *z, const char *zone, const char *instant, char out[RECT_DATE_LEN])
{
    time_t t;
    if (!instant || instant_parse(instant, &t) != 0)
        return -1;
    if (strncmp(z->hour, instant, 13) != 0) {
        char local[17];
        instant_format_local(t, zone, local, sizeof local);
        char day[RECT_DATE_LEN];
        memcpy(day, local, 10);
        day[10] = '\0';
        long d = date_days(day);
        if (!local[0] || d < 0)
            return -1;
        long secs = d * 86400L + atol(local + 11) * 3600L + atol(local + 14) * 60L;
        z->offset = secs - (long)(t - t % 60);
        memcpy(z->hour, instant, 13);
        z->hour[13] = '\0';
    }
    long local = (long)t + z->offset;
    long days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    return date_from_days(days, out);
}

static const char *s_str(const json_t *item, const char *key)
{
    return json_string_value(json_object_get(item, key));
}

/* Calendar days from `from` to `to`, 0 when to is not after from. */
static long s_days_after(const char *from, const char *to)
{
    long d = date_days(to) - date_days(from);
    return d > 0 ? d : 0;
}

/*
 * Lateness, counted with the days an item was overdue before its deadline
 * moved (overdue_days_carried, 0 for items recorded before it existed).
 */
static void s_lateness(const rect_cfg *cfg, const json_t *item, const char *day, facts_tz *tz, facts *f)
{
    const char *deadline = s_str(item, "deadline");
    long carried = (long)json_integer_value(json_object_get(item, "overdue_days_carried"));
    char closed[RECT_DATE_LEN];
    if (!deadline || date_days(deadline) < 0)
        return;
    if (f->open) {
        long total = carried + s_days_after(deadline, day);
        f->days_overdue = total > 0 ? total : -1;
    } else if (rect_lookup(rect_state_names, RECT_ST_COUNT, s_str(item, "state")) == RECT_ST_CLOSED &&
               facts_local_date(tz, cfg->timezone, s_str(item, "closed_at"), closed) == 0) {
        f->days_late = carried + s_days_after(deadline, closed);
    }
}

int facts_of(const rect_cfg *cfg, const json_t *item, const char *day, facts_tz *tz, facts *out)
{
    memset(out, 0, sizeof *out);
    out->past_deadline = out->days_overdue = out->days_late = -1;
    if (!day || date_days(day) < 0)
        return RECT_E_BAD_DATE;
    int st = rect_lookup(rect_state_names, RECT_ST_COUNT, s_str(item, "state"));
    out->open = rect_state_is_open(st);
    out->awaiting_closure = st == RECT_ST_VERIFIED;
    cal_item ci = {s_str(item, "state"), s_str(item, "deadline"), s_str(item, "verified_at")};
    out->light = cal_light_of(cfg, &ci, day, &out->past_deadline);
    s_lateness(cfg, item, day, tz, out);
    const char *review = s_str(item, "next_review");
    out->review_due = st == RECT_ST_CLOSED && review && strcmp(review, day) <= 0;
    return 0;
}

static json_t *s_count(long n)
{
    return n >= 0 ? json_integer(n) : json_null();
}

/* The facts as JSON keys, set on obj. */
/* The facts as keys of obj: 0, or RECT_E_NOMEM when one could not be set. */
static int s_set(json_t *obj, const facts *f)
{
    const char *light = cal_light_name(f->light);
    int bad = json_object_set_new(obj, "light", light ? json_string(light) : json_null());
    bad |= json_object_set_new(obj, "days_overdue", s_count(f->past_deadline));
    bad |= json_object_set_new(obj, "open", json_boolean(f->open));
    bad |= json_object_set_new(obj, "awaiting_closure", json_boolean(f->awaiting_closure));
    bad |= json_object_set_new(obj, "days_late", s_count(f->days_late));
    bad |= json_object_set_new(obj, "review_due", json_boolean(f->review_due));
    return bad ? RECT_E_NOMEM : 0;
}

int facts_annotate(const rect_cfg *cfg, json_t *item, const char *day, facts_tz *tz, cal_light *light)
{
    facts f;
    facts_of(cfg, item, day, tz, &f);
    if (light)
        *light = f.light;
    return s_set(item, &f);
}

json_t *facts_json(const rect_cfg *cfg, const json_t *item, const char *day, facts_tz *tz)
{
    facts f;
    json_t *obj = json_object();
    facts_of(cfg, item, day, tz, &f);
    if (obj && s_set(obj, &f)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

long facts_count_overdue(const json_t *rows, const char *day)
{
    long n = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *deadline = s_str(row, "deadline");
        n += rect_state_name_is_open(s_str(row, "state")) && deadline && strcmp(deadline, day) < 0;
    }
    return n;
}
