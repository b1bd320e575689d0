/*
 * dir_json.c - rectd's `directory` reply as a rect_cfg (dir_json.h).
 */
#include "dir_json.h"

#include <stdlib.h>
#include <string.h>

#include "rect_proto.h"

static char *s_dup_str(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? strdup(s) : NULL;
}

/* The {"id","name"} entries of array a into *out (sources: with_level, their
 * "level" too, "other" when absent); -1 when out of memory. */
static int s_named(const json_t *a, rect_named **out, size_t *n, int with_level)
{
    size_t len = json_array_size(a);
    *out = NULL;
    *n = 0;
    if (!len)
        return 0;
    if (!(*out = calloc(len, sizeof **out)))
        return -1;
    for (size_t i = 0; i < len; i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_string(json_object_get(e, "id")) || !json_is_string(json_object_get(e, "name")))
            continue;
        rect_named *x = &(*out)[*n];
        x->id = s_dup_str(json_object_get(e, "id"));
        x->name = s_dup_str(json_object_get(e, "name"));
        if (with_level) {
            int lv = rect_lookup(rect_level_names, RECT_LEVEL_COUNT,
                                 json_string_value(json_object_get(e, "level")));
            x->level = lv >= 0 ? lv : RECT_LEVEL_OTHER;
        }
        ++*n; /* counted before the check: cfg_destroy frees what was copied */
        if (!x->id || !x->name)
            return -1;
    }
    return 0;
}

static int s_users(const json_t *a, rect_cfg *d)
{
    size_t len = json_array_size(a);
    if (!len)
        return 0;
    if (!(d->users = calloc(len, sizeof *d->users)))
        return -1;
    for (size_t i = 0; i < len; i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_string(json_object_get(e, "name")) || !json_is_string(json_object_get(e, "display")))
            continue;
        rect_user *u = &d->users[d->n_users++];
        u->name = s_dup_str(json_object_get(e, "name"));
        u->display = s_dup_str(json_object_get(e, "display"));
        if (!u->name || !u->display)
            return -1;
        const json_t *roles = json_object_get(e, "roles");
        for (size_t k = 0; k < json_array_size(roles); k++) {
            int r =
                rect_lookup(rect_role_names, RECT_ROLE_COUNT, json_string_value(json_array_get(roles, k)));
            if (r >= 0)
                u->roles |= 1u << r;
        }
    }
    return 0;
}

rect_cfg *cli_dir_from_json(const json_t *result)
{
    if (!json_is_object(result) || !json_is_array(json_object_get(result, "users")))
        return NULL;
    rect_cfg *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    const json_t *limits = json_object_get(result, "limits");
    d->max_request_kb = (uint32_t)json_integer_value(json_object_get(limits, "max_request_kb"));
    d->max_attachment_mb = (uint32_t)json_integer_value(json_object_get(limits, "max_attachment_mb"));
    const json_t *tz = json_object_get(result, "timezone"), *rev = json_object_get(result, "reviewer"),
                 *insp = json_object_get(result, "default_inspection");
    if (s_users(json_object_get(result, "users"), d) < 0 ||
        s_named(json_object_get(result, "units"), &d->units, &d->n_units, 0) < 0 ||
        s_named(json_object_get(result, "sources"), &d->sources, &d->n_sources, 1) < 0 ||
        (tz && json_is_string(tz) && !(d->timezone = s_dup_str(tz))) ||
        (rev && json_is_string(rev) && !(d->ledger_reviewer = s_dup_str(rev))) ||
        (insp && json_is_string(insp) && !(d->default_inspection = s_dup_str(insp))))
        cfg_destroy(&d);
    return d;
}
