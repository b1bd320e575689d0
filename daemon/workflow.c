/*
 * workflow.c - the item state machine and its guards (see workflow.h).
 *
 * The whole rule book is the table below plus wf_check's checks: which
 * states an action starts from, where it leads, who may do it, and what the
 * item's history (its current round of work) rules out. docs/SECURITY.md
 * states the whole matrix; tests/unit/test_workflow_matrix.c checks it.
 */
#include "workflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ST(s) (1u << (s))

/* Who may perform an action, beyond holding one of `roles`. */
typedef enum {
    WHO_ROLES,          /* any holder of one of the roles */
    WHO_OWNER_OR_ADMIN, /* the item's owner, or an admin */
    WHO_VERIFIER,       /* a holder of the roles who neither owned the item nor filed evidence in the round */
    WHO_CLOSER,      /* a holder of the roles allowed by workflow.close_by, apart from the round's people */
    WHO_DECIDER,     /* a holder of the roles who is neither the owner nor the requester */
    WHO_SYSTEM,      /* rectd itself (RECT_SYSTEM_ACTOR), never a user */
    WHO_OWNER,       /* the item's current owner only (not even an admin: it is their own word) */
    WHO_ITEM_LEADER, /* the item's leader, or an admin; never its current owner */
    WHO_REVIEWER     /* the configured reviewer (ledger.reviewer), or an admin */
} wf_who;

typedef struct {
    unsigned from;  /* mask of states the action starts from; 0 = no item yet (claim) */
    int to;         /* resulting state; -1 = unchanged */
    unsigned roles; /* rect_role mask (for all but WHO_OWNER_OR_ADMIN and WHO_SYSTEM) */
    wf_who who;
} wf_rule;

#define LEADERS (RECT_ROLE_ADMIN | RECT_ROLE_LEADER)
#define OPEN_WORK (ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING))

/* clang-format off */
static const wf_rule s_rules[RECT_ACT_COUNT] = {
    [RECT_ACT_CLAIM] = {0, RECT_ST_CLAIMED, RECT_ROLE_ADMIN, WHO_ROLES},
    /* Reassigning an item under rectification keeps it rectifying (see wf_check);
     * moving its deadline is an admin's re-plan (s_check_assign). */
    [RECT_ACT_ASSIGN] = {ST(RECT_ST_CLAIMED) | OPEN_WORK, RECT_ST_ASSIGNED, LEADERS, WHO_ROLES},
    [RECT_ACT_START] = {ST(RECT_ST_ASSIGNED), RECT_ST_RECTIFYING, 0, WHO_OWNER_OR_ADMIN},
    /* After verification or closure, evidence is a post-closure note. */
    [RECT_ACT_EVIDENCE] = {ST(RECT_ST_RECTIFYING) | ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED), -1, 0,
                           WHO_OWNER_OR_ADMIN},
    [RECT_ACT_VERIFY_PASS] = {ST(RECT_ST_RECTIFYING), RECT_ST_VERIFIED, RECT_ROLE_VERIFIER, WHO_VERIFIER},
    [RECT_ACT_VERIFY_REJECT] = {ST(RECT_ST_RECTIFYING), -1, RECT_ROLE_VERIFIER, WHO_VERIFIER},
    [RECT_ACT_CLOSE] = {ST(RECT_ST_VERIFIED), RECT_ST_CLOSED, LEADERS, WHO_CLOSER},
    [RECT_ACT_REOPEN] = {ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED), RECT_ST_RECTIFYING, LEADERS, WHO_ROLES},
    /* Deadlines: the owner asks, someone else with authority decides. */
    [RECT_ACT_EXTEND] = {OPEN_WORK, -1, 0, WHO_OWNER_OR_ADMIN},
    [RECT_ACT_EXTEND_APPROVE] = {OPEN_WORK, -1, LEADERS, WHO_DECIDER},
    [RECT_ACT_EXTEND_DENY] = {OPEN_WORK, -1, LEADERS, WHO_DECIDER},
    [RECT_ACT_ESCALATE] = {OPEN_WORK, -1, 0, WHO_SYSTEM},
    /* Consolidation of closed items: a review keeps it closed, a relapse reopens it. */
    [RECT_ACT_REVIEW] = {ST(RECT_ST_CLOSED), -1, 0, WHO_OWNER_OR_ADMIN},
    [RECT_ACT_RELAPSE] = {ST(RECT_ST_CLOSED), RECT_ST_RECTIFYING, 0, WHO_OWNER_OR_ADMIN},
    /* Recording an inspection batch (inspection_add): an event about no item ("item" 0),
     * so only from no item and to no item; never allowed on an existing item. */
    [RECT_ACT_INSPECTION] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
    /* Records (issue 9). A problem not claimed (不认领), or its withdrawal, is an admin's
     * decision about an inspection: about no item, like RECT_ACT_INSPECTION. */
    [RECT_ACT_DECLINE] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
    [RECT_ACT_WITHDRAW_DECLINE] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
    /* Correcting an item's text (title, description, measures: cmd_records.c says which)
     * is an admin's, in any state, with a reason; the event keeps old and new. */
    [RECT_ACT_AMEND] = {ST(RECT_ST_CLAIMED) | ST(RECT_ST_ASSIGNED) | ST(RECT_ST_RECTIFYING) |
                            ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED),
                        -1, RECT_ROLE_ADMIN, WHO_ROLES},
    /* The 审核人's sign-off of an inspection's ledger: about no item, like an inspection. */
    [RECT_ACT_SIGN] = {0, -1, 0, WHO_REVIEWER},
    /* 督办 by a person: on open work, by its own leader or an admin; the owner answers. */
    [RECT_ACT_URGE] = {OPEN_WORK, -1, 0, WHO_ITEM_LEADER},
    [RECT_ACT_REPLY] = {OPEN_WORK | ST(RECT_ST_VERIFIED) | ST(RECT_ST_CLOSED), -1, 0, WHO_OWNER},
    /* 签收: the owner of the current assignment, once per assignment. */
    [RECT_ACT_ACKNOWLEDGE] = {OPEN_WORK, -1, 0, WHO_OWNER},
    /* A verified backup (backup): about no item, like an inspection event. */
    [RECT_ACT_BACKUP] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
    /* An admin's reset of another user's password (cmd_passwd.c): about no item. */
    [RECT_ACT_PASSWORD_RESET] = {0, -1, RECT_ROLE_ADMIN, WHO_ROLES},
};
/* clang-format on */

const wf_policy wf_policy_default = {1, 0, NULL};

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

/* An assignment of an assigned or rectifying item to another deadline (claimed items have none yet). */
static int s_moves_deadline(const wf_item *it)
{
    return it->new_deadline && it->deadline && strcmp(it->new_deadline, it->deadline) != 0 &&
           (it->state == RECT_ST_ASSIGNED || it->state == RECT_ST_RECTIFYING || it->state == RECT_ST_CLOSED);
}

/* An assignment that hands an item with a leader to another leader. */
static int s_changes_leader(const wf_item *it)
{
    return it->leader && it->new_leader && strcmp(it->leader, it->new_leader) != 0;
}

static int s_same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int s_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_same(name, list[i]))
            return 1;
    return 0;
}

/* Where a refusal goes: the English message and the rule with its facts. */
typedef struct {
    char *msg;
    size_t len;
    wf_why *why;
} wf_out;

/* The one place a guard refuses: the message, and the rule's name for the details. */
static int s_fail(wf_out *o, int rc, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(wf_out *o, int rc, const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (o->len)
        vsnprintf(o->msg, o->len, fmt, ap);
    va_end(ap);
    o->why->rule = rule;
    return rc;
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

int wf_starts_round(rect_action a)
{
    return a == RECT_ACT_START || a == RECT_ACT_VERIFY_REJECT || a == RECT_ACT_REOPEN ||
           a == RECT_ACT_RELAPSE;
}

/* 1. The state, and the standing facts that act like state (a pending request, the kind). */
static int s_check_state(rect_action a, const wf_item *it, wf_out *o)
{
    char buf[96];
    const wf_rule *r = &s_rules[a];
    const char *act = rect_action_names[a];
    if (!wf_allowed_from(a, it->state)) {
        if (it->state == RECT_ST_NONE)
            return s_fail(o, RECT_E_INVALID_TRANSITION, "needs_item", "%s needs an existing item", act);
        if (r->from == 0)
            return s_fail(o, RECT_E_INVALID_TRANSITION, "item_exists", "the item already exists (it is %s)",
                          rect_state_names[it->state]);
        return s_fail(o, RECT_E_INVALID_TRANSITION, "wrong_state", "the item is %s; %s needs %s",
                      rect_state_names[it->state], act, s_states_text(r->from, buf, sizeof buf));
    }
    if (a == RECT_ACT_EXTEND && it->extension_by)
        return s_fail(o, RECT_E_INVALID_TRANSITION, "extension_pending",
                      "it already has a pending extension request (to %s, by %s): it must be approved or "
                      "denied first",
                      it->extension_deadline ? it->extension_deadline : "?", it->extension_by);
    if ((a == RECT_ACT_EXTEND_APPROVE || a == RECT_ACT_EXTEND_DENY) && !it->extension_by)
        return s_fail(o, RECT_E_INVALID_TRANSITION, "no_extension_pending",
                      "it has no pending extension request to %s: the owner asks first (rectctl extend)",
                      a == RECT_ACT_EXTEND_APPROVE ? "approve" : "deny");
    if ((a == RECT_ACT_REVIEW || a == RECT_ACT_RELAPSE) && !it->long_term)
        return s_fail(o, RECT_E_INVALID_TRANSITION, "immediate_item",
                      "it is an immediate (立查立改) item: consolidation reviews are for long-term "
                      "(长期坚持) items only");
    if (a == RECT_ACT_REPLY && it->open_urges < 1)
        return s_fail(
            o, RECT_E_INVALID_TRANSITION, "no_open_urge",
            "it has no open urge (督办) to reply to: a reply answers an urge by its leader or an admin");
    if (a == RECT_ACT_ACKNOWLEDGE && it->acknowledged)
        return s_fail(o, RECT_E_INVALID_TRANSITION, "already_acknowledged",
                      "its current assignment is already acknowledged (签收): once per assignment");
    return 0;
}

/* The verifier: nobody who owned the item or filed its evidence in this round. */
static int s_check_verifier(rect_action a, const wf_item *it, const wf_actor *who, wf_out *o)
{
    const char *act = a == RECT_ACT_VERIFY_PASS ? "verify (pass)" : "verify (reject)";
    const char *may = "a verifier who neither owned it nor filed its evidence since it was last started, "
                      "sent back, reopened or relapsed must verify it";
    if (s_same(who->name, it->owner) || s_in(who->name, it->round_owners, it->n_round_owners))
        return s_fail(o, RECT_E_PERMISSION_DENIED,
                      s_same(who->name, it->owner) ? "owner_may_not_verify" : "round_owner_may_not_verify",
                      "%s %s the item's owner in this round of work and may not %s it: %s", who->name,
                      s_same(who->name, it->owner) ? "is" : "was", act, may);
    if (s_in(who->name, it->round_filers, it->n_round_filers))
        return s_fail(o, RECT_E_PERMISSION_DENIED, "filer_may_not_verify",
                      "%s filed evidence in this round of work and may not %s it: %s", who->name, act, may);
    return 0;
}

/* The closer (销号): the right leader, and none of the round's people (workflow.*). */
static int s_check_closer(const wf_item *it, const wf_actor *who, const wf_policy *pol, wf_out *o)
{
    char may[256];
    int admin = (who->roles & RECT_ROLE_ADMIN) != 0;
    if (pol->close_by_any_leader)
        snprintf(may, sizeof may, "a leader or an admin");
    else
        snprintf(may, sizeof may, "the item's leader (%s) or an admin", it->leader ? it->leader : "none yet");
    if (!pol->close_by_any_leader && !admin && !s_same(who->name, it->leader))
        return s_fail(o, RECT_E_PERMISSION_DENIED, "closer_not_leader",
                      "%s is not the item's leader (%s): only %s may close it (workflow.close_by = "
                      "\"item_leader\")",
                      who->name, it->leader ? it->leader : "none yet", may);
    /* Whatever the policy, the one who passed it and its current owner never close it:
     * so nobody takes an item from rectifying to closed alone. */
    int owner = s_same(who->name, it->owner);
    const char *what = s_same(who->name, it->round_verifier) ? "verified" : owner ? "owned" : NULL;
    if (!what && pol->distinct_closer)
        what = s_in(who->name, it->round_filers, it->n_round_filers)   ? "filed evidence on"
               : s_in(who->name, it->round_owners, it->n_round_owners) ? "owned"
                                                                       : NULL;
    if (what)
        return s_fail(o, RECT_E_PERMISSION_DENIED, "closer_in_round",
                      "%s %s the item in this round of work and may not also close it: %s who neither "
                      "%sverified it in this round must",
                      who->name, what, may,
                      pol->distinct_closer ? "owned, filed evidence on nor " : "owns nor ");
    return 0;
}

/* 2. The actor: roles, and relation to the item and its round. */
static int s_check_actor(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol,
                         wf_out *o)
{
    char buf[96];
    const wf_rule *r = &s_rules[a];
    const char *act = rect_action_names[a];
    int system = s_same(who->name, RECT_SYSTEM_ACTOR);
    if (system != (r->who == WHO_SYSTEM))
        return s_fail(o, RECT_E_PERMISSION_DENIED, system ? "system_may_not" : "system_only",
                      system ? "rectd itself may not %s an item" : "only rectd itself may %s an item", act);
    if (r->who == WHO_SYSTEM)
        return 0;
    if (r->who == WHO_OWNER) {
        if (!s_same(who->name, it->owner))
            return s_fail(o, RECT_E_PERMISSION_DENIED, "owner_only",
                          "%s is not the item's owner (%s): only the owner may %s, in their own name",
                          who->name ? who->name : "?", it->owner ? it->owner : "none yet", act);
        return 0;
    }
    if (r->who == WHO_ITEM_LEADER) {
        /* An urge is pressure on the owner: the owner urging their own item (an admin, or a leader
         * who took it on) would only inflate 督办次数 and answer it themselves. */
        if (s_same(who->name, it->owner))
            return s_fail(
                o, RECT_E_PERMISSION_DENIED, "owner_may_not_urge",
                "%s owns the item: its owner cannot %s it, whatever their roles; its leader (%s) or "
                "another admin may",
                who->name ? who->name : "?", act, it->leader ? it->leader : "none yet");
        if (!s_same(who->name, it->leader) && !(who->roles & RECT_ROLE_ADMIN))
            return s_fail(o, RECT_E_PERMISSION_DENIED, "leader_or_admin",
                          "%s is neither the item's leader (%s) nor an admin: only they may %s it",
                          who->name ? who->name : "?", it->leader ? it->leader : "none yet", act);
        return 0;
    }
    if (r->who == WHO_REVIEWER) {
        if (!s_same(who->name, pol->reviewer) && !(who->roles & RECT_ROLE_ADMIN))
            return s_fail(
                o, RECT_E_PERMISSION_DENIED, "reviewer_or_admin",
                "%s is neither the reviewer (审核人, ledger.reviewer = %s) nor an admin: only they may "
                "sign a ledger",
                who->name ? who->name : "?", pol->reviewer ? pol->reviewer : "none configured");
        return 0;
    }
    if (r->who == WHO_OWNER_OR_ADMIN) {
        if (!s_same(who->name, it->owner) && !(who->roles & RECT_ROLE_ADMIN))
            return s_fail(o, RECT_E_PERMISSION_DENIED, "owner_or_admin",
                          "only the item's owner (%s) or an admin may %s it",
                          it->owner ? it->owner : "none yet", act);
        /* A relapse reopens the work; a new deadline for it is a re-plan, an admin's, counted as an extension. */
        if (a == RECT_ACT_RELAPSE && s_moves_deadline(it) && !(who->roles & RECT_ROLE_ADMIN))
            return s_fail(
                o, RECT_E_PERMISSION_DENIED, "relapse_replan",
                "a relapse with a new deadline (%s instead of %s) is a re-plan, and a deadline moves "
                "only through an extension: record the relapse without --deadline and ask for more "
                "time (rectctl extend), or have an admin give the new deadline",
                it->new_deadline, it->deadline);
        return 0;
    }
    /* The round's owners and filers are told that first: no role would let them verify. */
    int rc = r->who == WHO_VERIFIER ? s_check_verifier(a, it, who, o) : 0;
    if (rc)
        return rc;
    if (!(who->roles & r->roles))
        return s_fail(o, RECT_E_PERMISSION_DENIED, "role_needed", "%s needs the role %s; %s does not have it",
                      act, s_roles_text(r->roles, buf, sizeof buf), who->name ? who->name : "?");
    switch (r->who) {
    case WHO_CLOSER:
        return s_check_closer(it, who, pol, o);
    case WHO_DECIDER:
        if (s_same(who->name, it->owner))
            return s_fail(o, RECT_E_PERMISSION_DENIED, "owner_may_not_decide",
                          "%s is the item's owner and may not decide its extension: a leader or admin who is "
                          "neither the owner nor the requester must",
                          who->name);
        if (s_same(who->name, it->extension_by))
            return s_fail(o, RECT_E_PERMISSION_DENIED, "requester_may_not_decide",
                          "%s asked for this extension and may not decide it: a leader or admin who is "
                          "neither the owner nor the requester must",
                          who->name);
        return 0;
    default:
        break;
    }
    /* Who leads an item is the item's leader's or an admin's to hand on: else any leader could
     * make an item theirs and then close it. */
    if (a == RECT_ACT_ASSIGN && s_changes_leader(it) && !(who->roles & RECT_ROLE_ADMIN) &&
        !s_same(who->name, it->leader))
        return s_fail(o, RECT_E_PERMISSION_DENIED, "leader_handover",
                      "assign would hand the item from its leader %s to %s: only %s or an admin may do that; "
                      "%s may reassign it with the same leader",
                      it->leader, it->new_leader, it->leader, who->name);
    /* A deadline moves only through an extension: an assign that moves it is an admin's re-plan. */
    if (a == RECT_ACT_ASSIGN && s_moves_deadline(it) && !(who->roles & RECT_ROLE_ADMIN))
        return s_fail(
            o, RECT_E_PERMISSION_DENIED, "deadline_moves",
            "assign would move the deadline from %s to %s, and a deadline moves only through an "
            "extension: the owner asks (rectctl extend) and a leader or admin approves, or an admin "
            "re-plans it with assign and a note giving the reason; %s may reassign with the same "
            "deadline (%s)",
            it->deadline, it->new_deadline, who->name, it->deadline);
    return 0;
}

/*
 * 4. A pass rests on evidence of this round: filed since the item was last
 * started, sent back, reopened or relapsed (so its filers are the round's,
 * and none of them may pass it).
 */
static int s_check_evidence(const wf_item *it, wf_out *o)
{
    if (it->evidence_count < 1)
        return s_fail(o, RECT_E_MISSING_EVIDENCE, "no_evidence",
                      "no evidence has been filed: the owner must log evidence before it can pass");
    if (it->round_rejected && it->round_evidence < 1)
        return s_fail(o, RECT_E_MISSING_EVIDENCE, "no_evidence_since_reject",
                      "it was sent back and no evidence has been filed since the rejection: the owner must "
                      "log new evidence (rectctl evidence) before it can pass");
    if (it->round_evidence < 1)
        return s_fail(o, RECT_E_MISSING_EVIDENCE, "no_evidence_in_round",
                      "no evidence has been filed since it was last started, reopened or relapsed: the owner "
                      "must log evidence of this round of work (rectctl evidence) before it can pass");
    return 0;
}

int wf_check_why(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol, rect_state *to,
                 char *msg, size_t msglen, wf_why *why)
{
    wf_why spare;
    wf_out o = {msg, msglen, why ? why : &spare};
    memset(o.why, 0, sizeof *o.why);
    o.why->action = a;
    o.why->state = it->state;
    o.why->user = who->name;
    o.why->owner = it->owner;
    o.why->leader = it->leader;
    if (a < 0 || a >= RECT_ACT_COUNT)
        return s_fail(&o, RECT_E_INTERNAL, "unknown_action", "unknown action");
    if (!pol)
        pol = &wf_policy_default;
    const wf_rule *r = &s_rules[a];
    int rc;
    if ((rc = s_check_state(a, it, &o)) || (rc = s_check_actor(a, it, who, pol, &o)) ||
        /* 3. what the request carries: a re-plan is recorded as an extension, with its reason */
        (a == RECT_ACT_ASSIGN && s_moves_deadline(it) && !it->has_note &&
         (rc = s_fail(&o, RECT_E_MISSING_FIELD, "replan_needs_note",
                      "re-planning the deadline from %s to %s needs a note giving the reason (it is recorded "
                      "as an extension): add --note",
                      it->deadline, it->new_deadline))) ||
        (a == RECT_ACT_VERIFY_PASS && (rc = s_check_evidence(it, &o)))) {
        /* The facts the refusing rule judged, beside the common ones. */
        const char *rule = o.why->rule;
        o.why->needs = r->from;
        o.why->roles = r->roles;
        if (strstr(rule, "extension") || strstr(rule, "decide")) {
            o.why->requester = it->extension_by;
            o.why->new_deadline = it->extension_deadline;
        }
        if (strcmp(rule, "reviewer_or_admin") == 0)
            o.why->reviewer = pol->reviewer;
        if (strcmp(rule, "deadline_moves") == 0 || strcmp(rule, "relapse_replan") == 0 ||
            strcmp(rule, "replan_needs_note") == 0) {
            o.why->deadline = it->deadline;
            o.why->new_deadline = it->new_deadline;
        }
        if (strcmp(rule, "leader_handover") == 0)
            o.why->new_leader = it->new_leader;
        return rc;
    }
    *to = r->to < 0 ? it->state : (rect_state)r->to;
    if (a == RECT_ACT_ASSIGN && it->state == RECT_ST_RECTIFYING)
        *to = RECT_ST_RECTIFYING; /* reassigned while the work goes on */
    if (msglen)
        msg[0] = '\0';
    o.why->rule = NULL;
    return 0;
}

int wf_check(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol, rect_state *to,
             char *msg, size_t msglen)
{
    return wf_check_why(a, it, who, pol, to, msg, msglen, NULL);
}
