/*
 * workflow.c - the item state machine and its guards (see workflow.h).
 *
 * The whole rule book is the table below plus wf_check's actor rules: which
 * states an action starts from, where it leads, and who may do it.
 */
#include "workflow.h"

#include <stdio.h>
#include <string.h>

#define ST(s) (1u << (s))

/* Who may perform an action, beyond holding one of `roles`. */
typedef enum {
    WHO_ROLES,          /* any holder of one of the roles */
    WHO_OWNER_OR_ADMIN, /* the item's owner, or an admin */
    WHO_ROLES_NOT_OWNER, /* a holder of one of the roles who is not the item's owner */
    WHO_SYSTEM           /* rectd itself (RECT_SYSTEM_ACTOR), never a user */
} wf_who;

typedef struct {
    unsigned from;  /* mask of states the action starts from; 0 = no item yet (claim) */
    int to;         /* resulting state; -1 = unchanged */
    unsigned roles; /* rect_role mask (for WHO_ROLES and WHO_ROLES_NOT_OWNER) */
    wf_who who;
} wf_rule;

static const wf_rule s_rules[RECT_ACT_COUNT] = {
    [RECT_ACT_CLAIM] = {0, RECT_ST_CLAIMED, RECT_ROLE_ADMIN, WHO_ROLES},
    /* Reassigning an item under rectification keeps it rectifying (see wf_check). */
    [RECT_ACT_ASSIGN] = {ST(RECT_ST_CLAIMED) | ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING), RECT_ST_ASSIGNED,
                         RECT_ROLE_ADMIN | RECT_ROLE_LEADER, WHO_ROLES},
    [RECT_ACT_START] = {ST(RECT_ST_ASSIGNED), RECT_ST_RECTIFYING, 0, WHO_OWNER_OR_ADMIN},
    /* After verification or closure, evidence is a post-closure note. */
    [RECT_ACT_EVIDENCE] = {ST(RECT_ST_RECTIFYING) | ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED), -1, 0,
                           WHO_OWNER_OR_ADMIN},
    [RECT_ACT_VERIFY_PASS] = {ST(RECT_ST_RECTIFYING), RECT_ST_VERIFIED, RECT_ROLE_VERIFIER,
                              WHO_ROLES_NOT_OWNER},
    [RECT_ACT_VERIFY_REJECT] = {ST(RECT_ST_RECTIFYING), -1, RECT_ROLE_VERIFIER, WHO_ROLES_NOT_OWNER},
    [RECT_ACT_CLOSE] = {ST(RECT_ST_VERIFIED), RECT_ST_CLOSED, RECT_ROLE_ADMIN | RECT_ROLE_LEADER,
                        WHO_ROLES_NOT_OWNER},
    [RECT_ACT_REOPEN] = {ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED), RECT_ST_RECTIFYING,
                         RECT_ROLE_ADMIN | RECT_ROLE_LEADER, WHO_ROLES},
    /* Deadlines: the owner asks, someone else with authority decides. */
    [RECT_ACT_EXTEND] = {ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING), -1, 0, WHO_OWNER_OR_ADMIN},
    [RECT_ACT_EXTEND_APPROVE] = {ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING), -1,
                                 RECT_ROLE_ADMIN | RECT_ROLE_LEADER, WHO_ROLES_NOT_OWNER},
    [RECT_ACT_EXTEND_DENY] = {ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING), -1,
                              RECT_ROLE_ADMIN | RECT_ROLE_LEADER, WHO_ROLES_NOT_OWNER},
    [RECT_ACT_ESCALATE] = {ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING), -1, 0, WHO_SYSTEM},
    /* Consolidation of closed items: a review keeps it closed, a relapse reopens it. */
    [RECT_ACT_REVIEW] = {ST(RECT_ST_CLOSED), -1, 0, WHO_OWNER_OR_ADMIN},
    [RECT_ACT_RELAPSE] = {ST(RECT_ST_CLOSED), RECT_ST_RECTIFYING, 0, WHO_OWNER_OR_ADMIN},
    /* Recording an inspection batch (inspection_add): an event about no item ("item" 0),
     * so only from no item and to no item; never allowed on an existing item. */
    [RECT_ACT_INSPECTION] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
};

/* "admin or leader" from a role mask, into buf. */
static const char *s_roles_text(unsigned roles, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0, n = 0; i < RECT_ROLE_COUNT; i++) {
        if (!(roles & (1u << i)))
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", n++ ? " or " : "", rect_role_names[i]);
    }
    return buf;
}

/* "claimed, assigned" from a state mask, into buf. */
static const char *s_states_text(unsigned states, char *buf, size_t len)
{
    buf[0] = '\0';
    for (int i = 0, n = 0; i < RECT_ST_COUNT; i++) {
        if (!(states & ST(i)))
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", n++ ? ", " : "", rect_state_names[i]);
    }
    return buf;
}

static int s_is_owner(const wf_item *it, const wf_actor *who)
{
    return it->owner && who->name && strcmp(it->owner, who->name) == 0;
}

int wf_allowed_from(rect_action a, rect_state s)
{
    if (a < 0 || a >= RECT_ACT_COUNT)
        return 0;
    if (s == RECT_ST_NONE)
        return s_rules[a].from == 0;
    if (s < 0 || s >= RECT_ST_COUNT)
        return 0;
    return (s_rules[a].from & ST(s)) != 0;
}

int wf_check(rect_action a, const wf_item *it, const wf_actor *who, rect_state *to,
             char *msg, size_t msglen)
{
    char buf[96];
    if (a < 0 || a >= RECT_ACT_COUNT) {
        snprintf(msg, msglen, "unknown action");
        return RECT_E_INTERNAL;
    }
    const wf_rule *r = &s_rules[a];
    const char *act = rect_action_names[a];

    /* 1. state */
    if (!wf_allowed_from(a, it->state)) {
        if (it->state == RECT_ST_NONE)
            snprintf(msg, msglen, "%s needs an existing item", act);
        else if (r->from == 0)
            snprintf(msg, msglen, "the item already exists (it is %s)", rect_state_names[it->state]);
        else
            snprintf(msg, msglen, "the item is %s; %s needs %s", rect_state_names[it->state], act,
                     s_states_text(r->from, buf, sizeof buf));
        return RECT_E_INVALID_TRANSITION;
    }

    /* 2. actor */
    int system = who->name && strcmp(who->name, RECT_SYSTEM_ACTOR) == 0;
    if (system != (r->who == WHO_SYSTEM)) {
        snprintf(msg, msglen, system ? "rectd itself may not %s an item" : "only rectd itself may %s an item", act);
        return RECT_E_PERMISSION_DENIED;
    }
    switch (r->who) {
    case WHO_SYSTEM:
        break;
    case WHO_OWNER_OR_ADMIN:
        if (!s_is_owner(it, who) && !(who->roles & RECT_ROLE_ADMIN)) {
            snprintf(msg, msglen, "only the item's owner (%s) or an admin may %s it",
                     it->owner ? it->owner : "none yet", act);
            return RECT_E_PERMISSION_DENIED;
        }
        break;
    case WHO_ROLES_NOT_OWNER:
        if (s_is_owner(it, who)) {
            snprintf(msg, msglen, "%s is the item's owner and may not %s it: someone else must",
                     who->name, act);
            return RECT_E_PERMISSION_DENIED;
        }
        /* fall through */
    case WHO_ROLES:
        if (!(who->roles & r->roles)) {
            snprintf(msg, msglen, "%s needs the role %s; %s does not have it", act,
                     s_roles_text(r->roles, buf, sizeof buf), who->name ? who->name : "?");
            return RECT_E_PERMISSION_DENIED;
        }
        break;
    }

    /* 3. evidence */
    if (a == RECT_ACT_VERIFY_PASS && it->evidence_count < 1) {
        snprintf(msg, msglen, "no evidence has been filed: the owner must log evidence before it can pass");
        return RECT_E_MISSING_EVIDENCE;
    }

    *to = r->to < 0 ? it->state : (rect_state)r->to;
    if (a == RECT_ACT_ASSIGN && it->state == RECT_ST_RECTIFYING)
        *to = RECT_ST_RECTIFYING; /* reassigned while the work goes on */
    if (msglen)
        msg[0] = '\0';
    return 0;
}
