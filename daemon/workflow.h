/*
 * workflow.h - the item state machine: which action may move an item from
 * which state to which, and who may do it. Pure functions, no I/O: the one
 * place that answers "may this user do this to this item now?".
 */
#ifndef RECT_WORKFLOW_H
#define RECT_WORKFLOW_H

#include <stddef.h>
#include "rect_proto.h"

/* What the guards need to know about an item. */
typedef struct {
    rect_state state;    /* RECT_ST_NONE for a claim (no item yet) */
    const char *owner;   /* user name, NULL if unassigned */
    long evidence_count;
} wf_item;

/* What the guards need to know about the acting user. */
typedef struct {
    const char *name;
    unsigned roles; /* mask of rect_role */
} wf_actor;

/*
 * May `who` apply action `a` to `it`? Checks, in this order:
 *   1. the item's state allows the action      -> RECT_E_INVALID_TRANSITION
 *   2. the actor's roles / relation to the item -> RECT_E_PERMISSION_DENIED
 *   3. verify pass needs evidence_count >= 1   -> RECT_E_MISSING_EVIDENCE
 * Returns 0 and stores the resulting state in *to, or a negative rect_err
 * and an English explanation in msg (msglen bytes, always NUL-terminated).
 */
int wf_check(rect_action a, const wf_item *it, const wf_actor *who, rect_state *to,
             char *msg, size_t msglen);

/* 1 if action a is ever allowed from state s (ignoring who), else 0. */
int wf_allowed_from(rect_action a, rect_state s);

#endif
