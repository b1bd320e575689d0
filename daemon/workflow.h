/*
 * workflow.h - the item state machine: which action may move an item from
 * which state to which, and who may do it, judged over the item's history.
 * Pure functions, no I/O: the one place that answers "may this user do this
 * to this item now?". item.c gathers the facts below from the item and its
 * events; workflow.c only reads them.
 */
#ifndef RECT_WORKFLOW_H
#define RECT_WORKFLOW_H

#include <stddef.h>
#include "rect_proto.h"

/*
 * What the guards need to know about an item. Every string and array is
 * borrowed for the duration of the call. A *round* of work begins when the
 * item is started, sent back (reject), reopened or relapsed; the round_*
 * facts are about the current round (all empty before the first start).
 */
typedef struct {
    rect_state state;     /* RECT_ST_NONE for a claim (no item yet) */
    const char *owner;    /* user name, NULL if unassigned */
    const char *leader;   /* the item's responsible leader, NULL if unassigned */
    const char *deadline; /* the current (approved) deadline, NULL if unassigned */
    long evidence_count;
    int long_term; /* kind long-term: consolidation reviews apply */

    /* owners: the owner when the round began, and everyone assigned as owner during it */
    const char *const *round_owners;
    size_t n_round_owners;
    /* who filed evidence in the round */
    const char *const *round_filers;
    size_t n_round_filers;
    const char *round_verifier; /* who passed it in this round, NULL if nobody yet */
    int round_rejected;         /* the round began with a rejection (verify --reject) */
    long round_evidence;        /* evidence entries filed in the round */

    long open_urges;                /* urges (督办) not yet answered by a reply or evidence */
    int acknowledged;               /* the current assignment has been acknowledged (签收) */
    const char *extension_by;       /* who asked for the pending extension, NULL if none pending */
    const char *extension_deadline; /* the deadline it asks for */

    /* about the request itself (assign, and relapse with a new deadline) */
    const char *new_deadline; /* the deadline the request sets, NULL if it sets none */
    const char *new_leader;   /* the leader an assignment sets, NULL for other actions */
    int has_note;             /* the request carries a note (the reason) */
} wf_item;

/* What the guards need to know about the acting user: current roles, from the config. */
typedef struct {
    const char *name;
    unsigned roles; /* mask of rect_role */
} wf_actor;

/* The configurable part of the rules (config group workflow). */
typedef struct {
    int distinct_closer;     /* workflow.distinct_closer (default 1): the closer is none of the round's
                                filers and owners either; never the round's verifier or the owner */
    int close_by_any_leader; /* workflow.close_by = "any_leader" (default 0: "item_leader") */
    const char *reviewer;    /* ledger.reviewer: the user who signs ledgers (审核人), NULL if none */
} wf_policy;

/* The defaults: distinct_closer = true, close_by = "item_leader", no reviewer. */
extern const wf_policy wf_policy_default;

/*
 * May `who` apply action `a` to `it` under policy `pol` (NULL: the
 * defaults)? Checks, in this order:
 *   1. the item's state allows the action, and its standing facts do (a
 *      pending extension, a long-term kind, an urge to reply to, an
 *      assignment not yet acknowledged)            -> RECT_E_INVALID_TRANSITION
 *   2. the actor's roles / relation to the item and its round
 *                                                  -> RECT_E_PERMISSION_DENIED
 *   3. what the request must carry (an assign that moves the deadline needs
 *      a note)                                     -> RECT_E_MISSING_FIELD
 *   4. verify pass needs evidence filed in this round (since the item was
 *      last started, sent back, reopened or relapsed) -> RECT_E_MISSING_EVIDENCE
 * Returns 0 and stores the resulting state in *to, or a negative rect_err
 * and an English explanation in msg (msglen bytes, always NUL-terminated)
 * that says what is wrong and who may, or what to do.
 */
int wf_check(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol, rect_state *to,
             char *msg, size_t msglen);

/*
 * The facts behind a refusal, for the reply's "details" (docs/PROTOCOL.md,
 * "Refusal details"): which rule refused and the values it judged. Strings
 * are borrowed from the wf_item, wf_actor and wf_policy of the call (or
 * static); NULL or 0 when the rule does not concern them.
 */
typedef struct {
    const char *rule;      /* the rule's name, e.g. "owner_may_not_verify"; NULL when allowed */
    rect_action action;    /* the action refused */
    rect_state state;      /* the item's state (RECT_ST_NONE: no item) */
    unsigned needs;        /* mask of the states the action starts from (0: only from no item) */
    unsigned roles;        /* mask of the roles it needs (0: decided by the relation to the item) */
    const char *user;      /* the acting user */
    const char *owner;     /* the item's owner */
    const char *leader;    /* the item's leader */
    const char *requester; /* who asked for the pending extension */
    const char *reviewer;  /* ledger.reviewer */
    const char *deadline, *new_deadline, *new_leader;
} wf_why;

/*
 * wf_check, also filling *why (when not NULL) with the rule that refused
 * and its facts; why->rule is NULL when the action is allowed.
 */
int wf_check_why(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol, rect_state *to,
                 char *msg, size_t msglen, wf_why *why);

/* 1 if action a is ever allowed from state s (ignoring who), else 0. */
int wf_allowed_from(rect_action a, rect_state s);

/* 1 if action a begins a new round of work (start, reject, reopen, relapse), else 0. */
int wf_starts_round(rect_action a);

#endif
