/*
 * resolve.c - canonical values from what people type (see resolve.h).
 */
#include "resolve.h"

#include <string.h>

#include "rect_proto.h"

/* Details of a name that names nothing configured: the rule, the argument, the value. */
static json_t *s_why(const char *rule, const char *what, const char *value)
{
    return json_pack("{ssssss}", "rule", rule, "arg", what, "value", value);
}

int resolve(cmd_ctx *c, const char *what, const char *value, resolve_kind kind, const char **out)
{
    const rect_user *u;
    const rect_named *n;
    int i;
    switch (kind) {
    case RESOLVE_NONE:
        *out = value;
        return 0;
    case RESOLVE_USER:
    case RESOLVE_LEADER:
        if (!(u = cfg_user_find(c->cfg, value)))
            return cmd_refuse(c, RECT_E_UNKNOWN_NAME, s_why("unknown_user", what, value),
                              "%s: \"%s\" is not a configured user", what, value);
        if (kind == RESOLVE_LEADER && !(u->roles & RECT_ROLE_LEADER))
            return cmd_refuse(c, RECT_E_UNKNOWN_NAME, s_why("not_a_leader", what, u->name),
                              "%s: %s (%s) does not have the role leader", what, u->display, u->name);
        *out = u->name;
        return 0;
    case RESOLVE_UNIT:
        if (!(n = cfg_unit_find(c->cfg, value)))
            return cmd_refuse(c, RECT_E_UNKNOWN_NAME, s_why("unknown_unit", what, value),
                              "%s: \"%s\" is not a configured unit", what, value);
        *out = n->id;
        return 0;
    case RESOLVE_SOURCE:
        if (!(n = cfg_source_find(c->cfg, value)))
            return cmd_refuse(c, RECT_E_UNKNOWN_NAME, s_why("unknown_source", what, value),
                              "%s: \"%s\" is not a configured source", what, value);
        *out = n->id;
        return 0;
    case RESOLVE_KIND:
        if ((i = rect_kind_parse(value)) < 0)
            return cmd_refuse(c, RECT_E_BAD_VALUE, s_why("not_a_kind", what, value),
                              "%s: \"%s\" is not a kind (immediate/立查立改 or long-term/长期坚持)", what,
                              value);
        *out = rect_kind_names[i];
        return 0;
    case RESOLVE_STATE:
        if ((i = rect_state_parse(value)) < 0)
            return cmd_refuse(
                c, RECT_E_BAD_VALUE, s_why("not_a_state", what, value),
                "%s: \"%s\" is not a state (claimed/已认领, assigned/已交办, rectifying/整改中, "
                "verified/已验收 or closed/已销号)",
                what, value);
        *out = rect_state_names[i];
        return 0;
    }
    return cmd_fail(c, RECT_E_INTERNAL, "%s: cannot resolve", what);
}

int resolve_date(cmd_ctx *c, const char *what, const char *value, char out[RECT_DATE_LEN])
{
    if (date_parse(value, out) != 0)
        return cmd_refuse(c, RECT_E_BAD_DATE, s_why("not_a_date", what, value),
                          "%s: \"%s\" is not a date (use 2026-12-31, 2026/12/31 or 2026年12月31日)", what,
                          value);
    return 0;
}
