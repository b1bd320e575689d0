/*
 * test_workflow.c - the item state machine (daemon/workflow.h): every action
 * from every state, and the guards on who may act.
 *
 * The expected table is written here from the spec (issue 2, docs/PROTOCOL.md),
 * not derived from workflow.c, so a change to the rules fails these tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "workflow.h"

#define N_FROM 6 /* RECT_ST_NONE plus the five states */

/* clang-format off */
static const rect_state s_from[N_FROM] = {
    RECT_ST_NONE,       RECT_ST_CLAIMED,  RECT_ST_ASSIGNED,
    RECT_ST_RECTIFYING, RECT_ST_VERIFIED, RECT_ST_CLOSED,
};
/* clang-format on */

/* Sentinel in the table: the action is forbidden from that state. */
#define NO ((rect_state)-2)

/*
 * The transition table of the spec: to[action][from index] is the resulting
 * state, or NO. Columns: none, claimed, assigned, rectifying, verified, closed.
 */
/* clang-format off */
static const rect_state s_table[RECT_ACT_COUNT][N_FROM] = {
    [RECT_ACT_CLAIM] = {RECT_ST_CLAIMED, NO, NO, NO, NO, NO},
    [RECT_ACT_ASSIGN] = {NO, RECT_ST_ASSIGNED, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_START] = {NO, NO, RECT_ST_RECTIFYING, NO, NO, NO},
    [RECT_ACT_EVIDENCE] = {NO, NO, NO, RECT_ST_RECTIFYING, RECT_ST_VERIFIED, RECT_ST_CLOSED},
    [RECT_ACT_VERIFY_PASS] = {NO, NO, NO, RECT_ST_VERIFIED, NO, NO},
    [RECT_ACT_VERIFY_REJECT] = {NO, NO, NO, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_CLOSE] = {NO, NO, NO, NO, RECT_ST_CLOSED, NO},
    [RECT_ACT_REOPEN] = {NO, NO, NO, NO, RECT_ST_RECTIFYING, RECT_ST_RECTIFYING},
    [RECT_ACT_EXTEND] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_EXTEND_APPROVE] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_EXTEND_DENY] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_ESCALATE] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_REVIEW] = {NO, NO, NO, NO, NO, RECT_ST_CLOSED},
    [RECT_ACT_RELAPSE] = {NO, NO, NO, NO, NO, RECT_ST_RECTIFYING},
    /* recording an inspection: an event about no item (item 0), never on an item */
    [RECT_ACT_INSPECTION] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
    /* problems not claimed: about no item too; amend: any item, state kept */
    [RECT_ACT_DECLINE] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
    [RECT_ACT_WITHDRAW_DECLINE] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
    [RECT_ACT_AMEND] = {NO, RECT_ST_CLAIMED, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, RECT_ST_VERIFIED,
                        RECT_ST_CLOSED},
    /* the acts of people: a sign-off names no item; urge, reply and 签收 keep the state */
    [RECT_ACT_SIGN] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
    [RECT_ACT_URGE] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_REPLY] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, RECT_ST_VERIFIED, RECT_ST_CLOSED},
    [RECT_ACT_ACKNOWLEDGE] = {NO, NO, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING, NO, NO},
    [RECT_ACT_BACKUP] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
    /* a password reset names no item */
    [RECT_ACT_PASSWORD_RESET] = {RECT_ST_NONE, NO, NO, NO, NO, NO},
};
/* clang-format on */

static const char *s_state_name(rect_state s)
{
    if (s == RECT_ST_NONE)
        return "none";
    if (s == NO)
        return "(forbidden)";
    if (s >= 0 && s < RECT_ST_COUNT)
        return rect_state_names[s];
    return "(out of range)";
}

static const char *s_action_name(rect_action a)
{
    return a >= 0 && a < RECT_ACT_COUNT ? rect_action_names[a] : "(out of range)";
}

/* Users of the tests. The item's owner is always "liming". */
#define OWNER_NAME "liming"
static const wf_actor s_superuser = {"boss", RECT_ROLE_ANY}; /* every role, never the owner */
static const wf_actor s_admin = {"wangyan", RECT_ROLE_ADMIN};
static const wf_actor s_leader = {"zhanghua", RECT_ROLE_LEADER};
static const wf_actor s_verifier = {"zhaomin", RECT_ROLE_VERIFIER};
static const wf_actor s_viewer = {"kanke", RECT_ROLE_VIEWER};
static const wf_actor s_no_roles = {"nobody", 0};
static const wf_actor s_other_owner = {"chenjing", RECT_ROLE_OWNER};
static const wf_actor s_owner = {OWNER_NAME, RECT_ROLE_OWNER};
static const wf_actor s_owner_leader = {OWNER_NAME, RECT_ROLE_LEADER};
static const wf_actor s_owner_admin = {OWNER_NAME, RECT_ROLE_ADMIN | RECT_ROLE_OWNER};
static const wf_actor s_owner_verifier = {OWNER_NAME, RECT_ROLE_OWNER | RECT_ROLE_VERIFIER};
static const wf_actor s_owner_admin_leader = {OWNER_NAME, RECT_ROLE_ADMIN | RECT_ROLE_LEADER};

/* An item in state s: unowned before assignment, owned by liming after. */
static wf_item s_item(rect_state s, long evidence_count)
{
    wf_item it = {
        .state = s, .evidence_count = evidence_count, .round_evidence = evidence_count, .long_term = 1};
    if (s != RECT_ST_NONE && s != RECT_ST_CLAIMED) {
        it.owner = OWNER_NAME;
        it.leader = "zhanghua"; /* s_leader is the item's own leader */
        it.deadline = "2026-12-31";
    }
    return it;
}

/* The same item with a pending extension request by its owner (for approve / deny). */
static wf_item s_item_for(rect_action a, rect_state s, long evidence_count)
{
    wf_item it = s_item(s, evidence_count);
    if (a == RECT_ACT_EXTEND_APPROVE || a == RECT_ACT_EXTEND_DENY) {
        it.extension_by = it.owner;
        it.extension_deadline = "2027-01-31";
    }
    return it;
}

/*
 * Run wf_check and compare with the expectation. want_rc 0 means allowed with
 * resulting state want_to; otherwise the refusal code, and msg must explain.
 */
static void s_expect(rect_action a, const wf_item *it, const wf_actor *who, int want_rc, rect_state want_to)
{
    char msg[256];
    memset(msg, 'X', sizeof msg);
    rect_state to = (rect_state)-7;
    int rc = wf_check(a, it, who, NULL, &to, msg, sizeof msg);
    if (rc != want_rc)
        fail_msg("%s from %s by %s (roles 0x%x, owner %s, evidence %ld): got %d (%s), want %d (%s)",
                 s_action_name(a), s_state_name(it->state), who->name, who->roles,
                 it->owner ? it->owner : "-", it->evidence_count, rc, rect_err_name(rc), want_rc,
                 want_rc ? rect_err_name(want_rc) : "ok");
    if (want_rc == 0) {
        if (to != want_to)
            fail_msg("%s from %s by %s: resulting state %s, want %s", s_action_name(a),
                     s_state_name(it->state), who->name, s_state_name(to), s_state_name(want_to));
    } else {
        if (memchr(msg, '\0', sizeof msg) == NULL)
            fail_msg("%s from %s by %s: msg not NUL-terminated", s_action_name(a), s_state_name(it->state),
                     who->name);
        if (msg[0] == '\0')
            fail_msg("%s from %s by %s: refused (%s) with an empty msg", s_action_name(a),
                     s_state_name(it->state), who->name, rect_err_name(rc));
    }
}

/* Every from-state for one action, by a user whose roles allow everything. */
static void s_check_action_row(rect_action a)
{
    for (int i = 0; i < N_FROM; i++) {
        rect_state want = s_table[a][i];
        wf_item it = s_item_for(a, s_from[i], 1);
        if (want == NO)
            s_expect(a, &it, &s_superuser, RECT_E_INVALID_TRANSITION, NO);
        else
            s_expect(a, &it, &s_superuser, 0, want);
        int allowed = wf_allowed_from(a, s_from[i]);
        if (allowed != (want != NO))
            fail_msg("wf_allowed_from(%s, %s) = %d, want %d", s_action_name(a), s_state_name(s_from[i]),
                     allowed, want != NO);
    }
}

/* ---- transitions: every action x every from-state ---------------------- */

static void test_claim_only_creates_a_claimed_item_from_none(void **state)
{
    s_check_action_row(RECT_ACT_CLAIM);
}

static void test_assign_moves_claimed_and_assigned_to_assigned_and_keeps_rectifying(void **state)
{
    s_check_action_row(RECT_ACT_ASSIGN);
}

static void test_start_only_moves_assigned_to_rectifying(void **state)
{
    s_check_action_row(RECT_ACT_START);
}

static void test_evidence_keeps_rectifying_verified_and_closed_unchanged(void **state)
{
    s_check_action_row(RECT_ACT_EVIDENCE);
}

static void test_verify_pass_only_moves_rectifying_to_verified(void **state)
{
    s_check_action_row(RECT_ACT_VERIFY_PASS);
}

static void test_verify_reject_keeps_rectifying_and_nothing_else(void **state)
{
    s_check_action_row(RECT_ACT_VERIFY_REJECT);
}

static void test_close_only_moves_verified_to_closed(void **state)
{
    s_check_action_row(RECT_ACT_CLOSE);
}

static void test_reopen_moves_verified_and_closed_back_to_rectifying(void **state)
{
    s_check_action_row(RECT_ACT_REOPEN);
}

/* Forbidden transitions are refused as such whoever asks, even a user with no
 * roles: the state is checked before the actor. */
static void test_forbidden_transition_is_reported_before_permission(void **state)
{
    const wf_actor *who[] = {&s_no_roles, &s_viewer, &s_owner, &s_other_owner};
    for (int a = 0; a < RECT_ACT_COUNT; a++)
        for (int i = 0; i < N_FROM; i++) {
            if (s_table[a][i] != NO)
                continue;
            wf_item it = s_item(s_from[i], 0);
            for (size_t w = 0; w < sizeof who / sizeof who[0]; w++)
                s_expect((rect_action)a, &it, who[w], RECT_E_INVALID_TRANSITION, NO);
        }
}

/* ---- guards ----------------------------------------------------------- */

static void test_claim_needs_admin(void **state)
{
    wf_item it = s_item(RECT_ST_NONE, 0);
    s_expect(RECT_ACT_CLAIM, &it, &s_admin, 0, RECT_ST_CLAIMED);
    s_expect(RECT_ACT_CLAIM, &it, &s_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLAIM, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLAIM, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLAIM, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLAIM, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
}

static void test_assign_needs_admin_or_leader(void **state)
{
    const rect_state from[] = {RECT_ST_CLAIMED, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        wf_item it = s_item(from[i], 0);
        rect_state to = from[i] == RECT_ST_RECTIFYING ? RECT_ST_RECTIFYING : RECT_ST_ASSIGNED;
        s_expect(RECT_ACT_ASSIGN, &it, &s_admin, 0, to);
        s_expect(RECT_ACT_ASSIGN, &it, &s_leader, 0, to);
        s_expect(RECT_ACT_ASSIGN, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_ASSIGN, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_ASSIGN, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_ASSIGN, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
    }
    /* being the current owner does not give the right to reassign */
    wf_item it = s_item(RECT_ST_ASSIGNED, 0);
    s_expect(RECT_ACT_ASSIGN, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
}

/* start and evidence: the item's owner (whatever their roles) or an admin. */
static void s_check_owner_or_admin(rect_action a, rect_state from, rect_state to)
{
    wf_item it = s_item(from, 0);
    s_expect(a, &it, &s_owner, 0, to);
    s_expect(a, &it, &s_owner_leader, 0, to);
    s_expect(a, &it, &s_admin, 0, to);
    s_expect(a, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
}

static void test_start_only_by_the_items_owner_or_an_admin(void **state)
{
    s_check_owner_or_admin(RECT_ACT_START, RECT_ST_ASSIGNED, RECT_ST_RECTIFYING);
}

static void test_evidence_only_by_the_items_owner_or_an_admin(void **state)
{
    s_check_owner_or_admin(RECT_ACT_EVIDENCE, RECT_ST_RECTIFYING, RECT_ST_RECTIFYING);
    s_check_owner_or_admin(RECT_ACT_EVIDENCE, RECT_ST_VERIFIED, RECT_ST_VERIFIED);
    s_check_owner_or_admin(RECT_ACT_EVIDENCE, RECT_ST_CLOSED, RECT_ST_CLOSED);
}

/* The owner is recognised by name, not by pointer identity. */
static void test_owner_is_matched_by_name_not_pointer(void **state)
{
    char name[] = OWNER_NAME;
    wf_actor owner_copy = {name, RECT_ROLE_OWNER};
    wf_item it = s_item(RECT_ST_ASSIGNED, 0);
    s_expect(RECT_ACT_START, &it, &owner_copy, 0, RECT_ST_RECTIFYING);

    /* a name that only shares a prefix with the owner is someone else */
    wf_actor prefix = {"limingx", RECT_ROLE_OWNER};
    s_expect(RECT_ACT_START, &it, &prefix, RECT_E_PERMISSION_DENIED, NO);
    wf_actor shorter = {"limin", RECT_ROLE_OWNER};
    s_expect(RECT_ACT_START, &it, &shorter, RECT_E_PERMISSION_DENIED, NO);

    /* and an owner-named verifier cannot verify, even through a copy */
    wf_actor verifier_copy = {name, RECT_ROLE_VERIFIER};
    it = s_item(RECT_ST_RECTIFYING, 3);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &verifier_copy, RECT_E_PERMISSION_DENIED, NO);
}

static void s_check_verify_guard(rect_action a, rect_state to)
{
    wf_item it = s_item(RECT_ST_RECTIFYING, 2);
    s_expect(a, &it, &s_verifier, 0, to);
    s_expect(a, &it, &s_superuser, 0, to);
    /* the owner may not verify their own item, even holding role verifier */
    s_expect(a, &it, &s_owner_verifier, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
    /* role verifier is needed: admin or leader alone is not enough */
    s_expect(a, &it, &s_admin, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
    s_expect(a, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
}

static void test_verify_pass_needs_a_verifier_who_is_not_the_owner(void **state)
{
    s_check_verify_guard(RECT_ACT_VERIFY_PASS, RECT_ST_VERIFIED);
}

static void test_verify_reject_needs_a_verifier_who_is_not_the_owner(void **state)
{
    s_check_verify_guard(RECT_ACT_VERIFY_REJECT, RECT_ST_RECTIFYING);
}

static void test_verify_pass_without_evidence_is_missing_evidence(void **state)
{
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, RECT_E_MISSING_EVIDENCE, NO);
    /* evidence of an earlier round (before a reopen or relapse) is not enough */
    it.evidence_count = 1;
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, RECT_E_MISSING_EVIDENCE, NO);
    it.round_evidence = 1;
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, 0, RECT_ST_VERIFIED);
}

static void test_verify_reject_needs_no_evidence(void **state)
{
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    s_expect(RECT_ACT_VERIFY_REJECT, &it, &s_verifier, 0, RECT_ST_RECTIFYING);
}

static void test_only_verify_pass_looks_at_evidence(void **state)
{
    /* every other allowed action works on an item without evidence */
    for (int a = 0; a < RECT_ACT_COUNT; a++) {
        if (a == RECT_ACT_VERIFY_PASS || a == RECT_ACT_ESCALATE) /* escalate: rectd only, below */
            continue;
        if (a == RECT_ACT_REPLY || a == RECT_ACT_ACKNOWLEDGE) /* the owner's own word: below */
            continue;
        for (int i = 0; i < N_FROM; i++) {
            if (s_table[a][i] == NO)
                continue;
            wf_item it = s_item_for((rect_action)a, s_from[i], 0);
            s_expect((rect_action)a, &it, &s_superuser, 0, s_table[a][i]);
        }
    }
}

static void test_close_needs_admin_or_leader_who_is_not_the_owner(void **state)
{
    wf_item it = s_item(RECT_ST_VERIFIED, 1);
    s_expect(RECT_ACT_CLOSE, &it, &s_admin, 0, RECT_ST_CLOSED);
    s_expect(RECT_ACT_CLOSE, &it, &s_leader, 0, RECT_ST_CLOSED);
    /* by default (workflow.close_by = "item_leader") only the item's own leader, or an admin */
    const wf_actor other_leader = {"sunqiang", RECT_ROLE_LEADER};
    s_expect(RECT_ACT_CLOSE, &it, &other_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_owner_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_owner_admin, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_owner_admin_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
}

static void test_reopen_needs_admin_or_leader(void **state)
{
    const rect_state from[] = {RECT_ST_VERIFIED, RECT_ST_CLOSED};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        wf_item it = s_item(from[i], 1);
        s_expect(RECT_ACT_REOPEN, &it, &s_admin, 0, RECT_ST_RECTIFYING);
        s_expect(RECT_ACT_REOPEN, &it, &s_leader, 0, RECT_ST_RECTIFYING);
        s_expect(RECT_ACT_REOPEN, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_REOPEN, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_REOPEN, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_REOPEN, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_REOPEN, &it, &s_no_roles, RECT_E_PERMISSION_DENIED, NO);
    }
}

/* ---- order of the checks: state, then actor, then evidence ------------- */

static void test_checks_state_then_actor_then_evidence(void **state)
{
    /* wrong state, wrong actor, no evidence: the state is reported */
    wf_item it = s_item(RECT_ST_ASSIGNED, 0);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_owner, RECT_E_INVALID_TRANSITION, NO);
    /* right state, wrong actor, no evidence: the actor is reported */
    it = s_item(RECT_ST_RECTIFYING, 0);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_admin, RECT_E_PERMISSION_DENIED, NO);
    /* right state, right actor, no evidence: the evidence is reported */
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, RECT_E_MISSING_EVIDENCE, NO);
    /* and the others */
    it = s_item(RECT_ST_CLAIMED, 0);
    s_expect(RECT_ACT_CLOSE, &it, &s_viewer, RECT_E_INVALID_TRANSITION, NO);
    it = s_item(RECT_ST_CLOSED, 0);
    s_expect(RECT_ACT_START, &it, &s_verifier, RECT_E_INVALID_TRANSITION, NO);
    it = s_item(RECT_ST_RECTIFYING, 0);
    s_expect(RECT_ACT_REOPEN, &it, &s_viewer, RECT_E_INVALID_TRANSITION, NO);
}

/* ---- the message buffer ------------------------------------------------- */

static void test_refusal_msg_is_truncated_and_nul_terminated_in_a_small_buffer(void **state)
{
    char msg[8];
    rect_state to;
    memset(msg, 'X', sizeof msg);
    wf_item it = s_item(RECT_ST_CLAIMED, 0);
    int rc = wf_check(RECT_ACT_CLOSE, &it, &s_admin, NULL, &to, msg, sizeof msg);
    assert_int_equal(rc, RECT_E_INVALID_TRANSITION);
    assert_non_null(memchr(msg, '\0', sizeof msg));
    assert_true(msg[0] != '\0');

    char one[1] = {'X'};
    rc = wf_check(RECT_ACT_CLOSE, &it, &s_admin, NULL, &to, one, sizeof one);
    assert_int_equal(rc, RECT_E_INVALID_TRANSITION);
    assert_int_equal(one[0], '\0');
}

static void test_refusal_msg_names_the_state_and_the_action(void **state)
{
    char msg[256];
    rect_state to;
    wf_item it = s_item(RECT_ST_CLAIMED, 0);
    int rc = wf_check(RECT_ACT_START, &it, &s_admin, NULL, &to, msg, sizeof msg);
    assert_int_equal(rc, RECT_E_INVALID_TRANSITION);
    assert_non_null(strstr(msg, "claimed"));
    assert_non_null(strstr(msg, "start"));
}

/* ---- deadlines and consolidation (issue 3) ------------------------------ */

static const wf_actor s_system = {RECT_SYSTEM_ACTOR, 0};
static const wf_actor s_system_admin = {RECT_SYSTEM_ACTOR, RECT_ROLE_ANY}; /* roles do not matter */

static void test_extension_and_decisions_follow_the_table_from_every_state(void **state)
{
    (void)state;
    s_check_action_row(RECT_ACT_EXTEND);
    s_check_action_row(RECT_ACT_EXTEND_APPROVE);
    s_check_action_row(RECT_ACT_EXTEND_DENY);
    s_check_action_row(RECT_ACT_REVIEW);
    s_check_action_row(RECT_ACT_RELAPSE);
}

static void test_extend_only_by_the_items_owner_or_an_admin(void **state)
{
    (void)state;
    for (int s = RECT_ST_ASSIGNED; s <= RECT_ST_RECTIFYING; s++) {
        wf_item it = s_item((rect_state)s, 0);
        s_expect(RECT_ACT_EXTEND, &it, &s_owner, 0, (rect_state)s);
        s_expect(RECT_ACT_EXTEND, &it, &s_admin, 0, (rect_state)s);
        s_expect(RECT_ACT_EXTEND, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_EXTEND, &it, &s_leader, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_EXTEND, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_EXTEND, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_EXTEND, &it, &s_system, RECT_E_PERMISSION_DENIED, NO);
    }
}

static void test_extension_decisions_by_admin_or_leader_who_is_not_the_owner(void **state)
{
    (void)state;
    const rect_action acts[] = {RECT_ACT_EXTEND_APPROVE, RECT_ACT_EXTEND_DENY};
    for (size_t k = 0; k < 2; k++) {
        rect_action a = acts[k];
        wf_item it = s_item_for(a, RECT_ST_RECTIFYING, 0);
        s_expect(a, &it, &s_admin, 0, RECT_ST_RECTIFYING);
        s_expect(a, &it, &s_leader, 0, RECT_ST_RECTIFYING);
        s_expect(a, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_owner_admin, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_owner_admin_leader, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_verifier, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_viewer, RECT_E_PERMISSION_DENIED, NO);
        s_expect(a, &it, &s_system, RECT_E_PERMISSION_DENIED, NO);
    }
}

static void test_escalate_only_by_rectd_itself_never_by_a_user(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    s_expect(RECT_ACT_ESCALATE, &it, &s_system, 0, RECT_ST_RECTIFYING);
    s_expect(RECT_ACT_ESCALATE, &it, &s_system_admin, 0, RECT_ST_RECTIFYING);
    s_expect(RECT_ACT_ESCALATE, &it, &s_superuser, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_ESCALATE, &it, &s_admin, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_ESCALATE, &it, &s_leader, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_ESCALATE, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
    wf_item assigned = s_item(RECT_ST_ASSIGNED, 0);
    s_expect(RECT_ACT_ESCALATE, &assigned, &s_system, 0, RECT_ST_ASSIGNED);
    wf_item closed = s_item(RECT_ST_CLOSED, 0);
    s_expect(RECT_ACT_ESCALATE, &closed, &s_system, RECT_E_INVALID_TRANSITION, NO);
    /* rectd may do nothing else on its own. */
    s_expect(RECT_ACT_EXTEND, &it, &s_system_admin, RECT_E_PERMISSION_DENIED, NO);
    s_expect(RECT_ACT_CLOSE, &(wf_item){.state = RECT_ST_VERIFIED, .owner = OWNER_NAME, .evidence_count = 1},
             &s_system_admin, RECT_E_PERMISSION_DENIED, NO);
}

static void test_review_and_relapse_by_owner_or_admin_from_closed_only(void **state)
{
    (void)state;
    wf_item closed = s_item(RECT_ST_CLOSED, 1);
    s_expect(RECT_ACT_REVIEW, &closed, &s_owner, 0, RECT_ST_CLOSED);
    s_expect(RECT_ACT_REVIEW, &closed, &s_admin, 0, RECT_ST_CLOSED);
    s_expect(RECT_ACT_RELAPSE, &closed, &s_owner, 0, RECT_ST_RECTIFYING);
    s_expect(RECT_ACT_RELAPSE, &closed, &s_admin, 0, RECT_ST_RECTIFYING);
    const wf_actor *others[] = {&s_other_owner, &s_leader, &s_verifier, &s_viewer, &s_no_roles, &s_system};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        s_expect(RECT_ACT_REVIEW, &closed, others[i], RECT_E_PERMISSION_DENIED, NO);
        s_expect(RECT_ACT_RELAPSE, &closed, others[i], RECT_E_PERMISSION_DENIED, NO);
    }
    for (int s = RECT_ST_CLAIMED; s < RECT_ST_CLOSED; s++) {
        wf_item it = s_item((rect_state)s, 1);
        s_expect(RECT_ACT_REVIEW, &it, &s_owner, RECT_E_INVALID_TRANSITION, NO);
        s_expect(RECT_ACT_RELAPSE, &it, &s_admin, RECT_E_INVALID_TRANSITION, NO);
    }
}

/* decline / withdraw_decline (不认领) are about no item, admins only; amend is an admin's on any item. */
static void test_decline_and_amend_are_an_admins(void **state)
{
    (void)state;
    wf_item none = s_item(RECT_ST_NONE, 0);
    const wf_actor *others[] = {&s_leader, &s_verifier, &s_owner, &s_other_owner,
                                &s_viewer, &s_no_roles, &s_system};
    rect_action no_item[] = {RECT_ACT_DECLINE, RECT_ACT_WITHDRAW_DECLINE};
    for (size_t a = 0; a < 2; a++) {
        s_check_action_row(no_item[a]);
        s_expect(no_item[a], &none, &s_admin, 0, RECT_ST_NONE);
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
            s_expect(no_item[a], &none, others[i], RECT_E_PERMISSION_DENIED, NO);
        for (int s = RECT_ST_CLAIMED; s < RECT_ST_COUNT; s++) {
            wf_item it = s_item((rect_state)s, 1);
            s_expect(no_item[a], &it, &s_superuser, RECT_E_INVALID_TRANSITION, NO);
        }
    }
    s_check_action_row(RECT_ACT_AMEND);
    s_expect(RECT_ACT_AMEND, &none, &s_admin, RECT_E_INVALID_TRANSITION, NO);
    for (int s = RECT_ST_CLAIMED; s < RECT_ST_COUNT; s++) {
        wf_item it = s_item((rect_state)s, 1);
        s_expect(RECT_ACT_AMEND, &it, &s_admin, 0, (rect_state)s);
        /* the item's own owner may not rewrite what it says */
        s_expect(RECT_ACT_AMEND, &it, &s_owner, RECT_E_PERMISSION_DENIED, NO);
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
            s_expect(RECT_ACT_AMEND, &it, others[i], RECT_E_PERMISSION_DENIED, NO);
    }
}

/* inspection_add's event: no item before, no item after, admins only; no item path can use it. */
static void test_inspection_only_about_no_item_and_only_by_an_admin(void **state)
{
    (void)state;
    s_check_action_row(RECT_ACT_INSPECTION);
    wf_item none = s_item(RECT_ST_NONE, 0);
    s_expect(RECT_ACT_INSPECTION, &none, &s_admin, 0, RECT_ST_NONE);
    s_expect(RECT_ACT_INSPECTION, &none, &s_owner_admin, 0, RECT_ST_NONE);
    const wf_actor *others[] = {&s_leader, &s_verifier, &s_owner, &s_other_owner,
                                &s_viewer, &s_no_roles, &s_system};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        s_expect(RECT_ACT_INSPECTION, &none, others[i], RECT_E_PERMISSION_DENIED, NO);
    /* rectd itself records no inspection, whatever roles it is given */
    s_expect(RECT_ACT_INSPECTION, &none, &s_system_admin, RECT_E_PERMISSION_DENIED, NO);
    for (int s = RECT_ST_CLAIMED; s < RECT_ST_COUNT; s++) {
        wf_item it = s_item((rect_state)s, 1);
        s_expect(RECT_ACT_INSPECTION, &it, &s_admin, RECT_E_INVALID_TRANSITION, NO);
        s_expect(RECT_ACT_INSPECTION, &it, &s_superuser, RECT_E_INVALID_TRANSITION, NO);
    }
}

/* ---- the item's history: rounds of work (issue 7) ------------------------ */

/* wf_check's message for an expected refusal, which must contain every word. */
static void s_refused_saying(rect_action a, const wf_item *it, const wf_actor *who, const wf_policy *pol,
                             int want_rc, const char *const *words)
{
    char msg[512] = "";
    rect_state to;
    int rc = wf_check(a, it, who, pol, &to, msg, sizeof msg);
    if (rc != want_rc)
        fail_msg("%s by %s: got %s (%s), want %s", s_action_name(a), who->name, rc ? rect_err_name(rc) : "ok",
                 msg, rect_err_name(want_rc));
    for (; *words; words++)
        if (!strstr(msg, *words))
            fail_msg("%s by %s: message \"%s\" lacks \"%s\"", s_action_name(a), who->name, msg, *words);
}

static void test_verify_refused_to_whoever_owned_the_item_in_this_round(void **state)
{
    (void)state;
    /* zhaomin was the owner when the round began, then reassigned off */
    const char *owners[] = {"zhaomin", OWNER_NAME};
    wf_item it = s_item(RECT_ST_RECTIFYING, 1);
    it.round_owners = owners;
    it.n_round_owners = 2;
    const char *const words[] = {"zhaomin", "was the item's owner in this round", "a verifier who neither",
                                 NULL};
    s_refused_saying(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, RECT_E_PERMISSION_DENIED, words);
    s_refused_saying(RECT_ACT_VERIFY_REJECT, &it, &s_verifier, NULL, RECT_E_PERMISSION_DENIED, words);
    /* a round later (not among its owners) she may */
    it.n_round_owners = 1;
    it.round_owners = owners + 1;
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, 0, RECT_ST_VERIFIED);
}

static void test_verify_refused_to_whoever_filed_evidence_in_this_round(void **state)
{
    (void)state;
    const char *filers[] = {"wangyan"};
    const wf_actor admin_verifier = {"wangyan", RECT_ROLE_ADMIN | RECT_ROLE_VERIFIER};
    wf_item it = s_item(RECT_ST_RECTIFYING, 1);
    it.round_filers = filers;
    it.n_round_filers = 1;
    const char *const words[] = {"wangyan", "filed evidence in this round", NULL};
    s_refused_saying(RECT_ACT_VERIFY_PASS, &it, &admin_verifier, NULL, RECT_E_PERMISSION_DENIED, words);
    s_refused_saying(RECT_ACT_VERIFY_REJECT, &it, &admin_verifier, NULL, RECT_E_PERMISSION_DENIED, words);
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, 0, RECT_ST_VERIFIED);
}

static void test_pass_after_a_rejection_needs_evidence_filed_since(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 3); /* evidence from before the rejection */
    it.round_rejected = 1;
    it.round_evidence = 0;
    const char *const words[] = {"sent back", "since the rejection", "log new evidence", NULL};
    s_refused_saying(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, RECT_E_MISSING_EVIDENCE, words);
    s_expect(RECT_ACT_VERIFY_REJECT, &it, &s_verifier, 0, RECT_ST_RECTIFYING);
    it.round_evidence = 1;
    s_expect(RECT_ACT_VERIFY_PASS, &it, &s_verifier, 0, RECT_ST_VERIFIED);
}

/* After a reopen or relapse the earlier evidence is not this round's: nobody may pass on it. */
static void test_pass_after_a_reopen_needs_evidence_of_the_new_round(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 2);
    it.round_evidence = 0; /* reopened: the two entries are the old round's */
    const char *const words[] = {"since it was last started, reopened or relapsed", "rectctl evidence", NULL};
    s_refused_saying(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, RECT_E_MISSING_EVIDENCE, words);
}

/* Any leader may reassign, but only the item's leader or an admin hands it to another leader. */
static void test_only_the_items_leader_or_an_admin_changes_its_leader(void **state)
{
    (void)state;
    const wf_actor other = {"lijun", RECT_ROLE_LEADER}, own = {"zhanghua", RECT_ROLE_LEADER};
    const wf_actor admin = {"wangyan", RECT_ROLE_ADMIN};
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    it.new_deadline = it.deadline;
    it.new_leader = "lijun";
    const char *const words[] = {"from its leader zhanghua to lijun", "only zhanghua or an admin", NULL};
    s_refused_saying(RECT_ACT_ASSIGN, &it, &other, NULL, RECT_E_PERMISSION_DENIED, words);
    s_expect(RECT_ACT_ASSIGN, &it, &own, 0, RECT_ST_RECTIFYING);
    s_expect(RECT_ACT_ASSIGN, &it, &admin, 0, RECT_ST_RECTIFYING);
    it.new_leader = "zhanghua"; /* same leader: any leader may reassign owner and unit */
    s_expect(RECT_ACT_ASSIGN, &it, &other, 0, RECT_ST_RECTIFYING);
}

/* A relapse with a new deadline is an admin's re-plan; the owner records a relapse and asks. */
static void test_a_relapse_moves_the_deadline_only_by_an_admin(void **state)
{
    (void)state;
    const wf_actor owner = {OWNER_NAME, RECT_ROLE_OWNER}, admin = {"wangyan", RECT_ROLE_ADMIN};
    wf_item it = s_item(RECT_ST_CLOSED, 1);
    it.new_deadline = "2027-12-31";
    const char *const words[] = {"re-plan", "rectctl extend", NULL};
    s_refused_saying(RECT_ACT_RELAPSE, &it, &owner, NULL, RECT_E_PERMISSION_DENIED, words);
    s_expect(RECT_ACT_RELAPSE, &it, &admin, 0, RECT_ST_RECTIFYING);
    it.new_deadline = NULL;
    s_expect(RECT_ACT_RELAPSE, &it, &owner, 0, RECT_ST_RECTIFYING);
}

static void test_close_refused_to_the_rounds_verifier_filers_and_owners_by_policy(void **state)
{
    (void)state;
    const wf_actor admin = {"wangyan", RECT_ROLE_ADMIN | RECT_ROLE_VERIFIER};
    const char *filers[] = {"wangyan"}, *owners[] = {"wangyan", OWNER_NAME};
    const wf_policy strict = {1, 0, NULL}, loose = {0, 0, NULL}, any = {1, 1, NULL};
    wf_item it = s_item(RECT_ST_VERIFIED, 1);
    it.round_verifier = "wangyan";
    const char *const verified[] = {"wangyan", "verified", "may not also close it", NULL};
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &strict, RECT_E_PERMISSION_DENIED, verified);
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &loose, RECT_E_PERMISSION_DENIED, verified);
    it.round_verifier = "zhaomin";
    it.round_filers = filers;
    it.n_round_filers = 1;
    const char *const filed[] = {"wangyan", "filed evidence on", NULL};
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &strict, RECT_E_PERMISSION_DENIED, filed);
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, NULL, RECT_E_PERMISSION_DENIED,
                     filed); /* default: strict */
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &loose, 0, (const char *const[]){NULL});
    it.n_round_filers = 0;
    it.round_owners = owners;
    it.n_round_owners = 2;
    const char *const owned[] = {"wangyan", "owned", NULL};
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &strict, RECT_E_PERMISSION_DENIED, owned);
    /* distinct_closer = false: an earlier owner of the round may close */
    s_refused_saying(RECT_ACT_CLOSE, &it, &admin, &loose, 0, (const char *const[]){NULL});
    /* close_by: the item's leader by default, any leader with "any_leader" */
    wf_item plain = s_item(RECT_ST_VERIFIED, 1);
    const wf_actor other_leader = {"chenmei", RECT_ROLE_LEADER};
    const char *const leader_words[] = {"chenmei", "zhanghua", "or an admin", NULL};
    s_refused_saying(RECT_ACT_CLOSE, &plain, &other_leader, &strict, RECT_E_PERMISSION_DENIED, leader_words);
    s_refused_saying(RECT_ACT_CLOSE, &plain, &other_leader, &any, 0, (const char *const[]){NULL});
}

static void test_assign_that_moves_the_deadline_is_an_admins_replan_with_a_note(void **state)
{
    (void)state;
    for (int s = RECT_ST_ASSIGNED; s <= RECT_ST_RECTIFYING; s++) {
        wf_item it = s_item((rect_state)s, 0);
        it.new_deadline = "2027-03-31";
        const char *const leader_words[] = {"2026-12-31", "2027-03-31", "extension", "admin", NULL};
        s_refused_saying(RECT_ACT_ASSIGN, &it, &s_leader, NULL, RECT_E_PERMISSION_DENIED, leader_words);
        const char *const note_words[] = {"needs a note", "reason", NULL};
        s_refused_saying(RECT_ACT_ASSIGN, &it, &s_admin, NULL, RECT_E_MISSING_FIELD, note_words);
        it.has_note = 1;
        s_expect(RECT_ACT_ASSIGN, &it, &s_admin, 0,
                 s == RECT_ST_RECTIFYING ? RECT_ST_RECTIFYING : RECT_ST_ASSIGNED);
        /* the same deadline: a leader reassigns freely, no note needed */
        it.has_note = 0;
        it.new_deadline = "2026-12-31";
        s_expect(RECT_ACT_ASSIGN, &it, &s_leader, 0,
                 s == RECT_ST_RECTIFYING ? RECT_ST_RECTIFYING : RECT_ST_ASSIGNED);
    }
    /* a claimed item has no deadline yet: its first assignment sets one */
    wf_item claimed = s_item(RECT_ST_CLAIMED, 0);
    claimed.new_deadline = "2027-03-31";
    s_expect(RECT_ACT_ASSIGN, &claimed, &s_leader, 0, RECT_ST_ASSIGNED);
}

static void test_extension_and_review_guards_live_in_the_rule_book(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    const char *const none[] = {"no pending extension", "rectctl extend", NULL};
    s_refused_saying(RECT_ACT_EXTEND_APPROVE, &it, &s_leader, NULL, RECT_E_INVALID_TRANSITION, none);
    s_refused_saying(RECT_ACT_EXTEND_DENY, &it, &s_leader, NULL, RECT_E_INVALID_TRANSITION, none);
    it.extension_by = "wangyan";
    it.extension_deadline = "2027-02-28";
    const char *const pending[] = {"pending extension", "2027-02-28", "wangyan", NULL};
    s_refused_saying(RECT_ACT_EXTEND, &it, &s_owner, NULL, RECT_E_INVALID_TRANSITION, pending);
    const char *const asked[] = {"wangyan", "asked for this extension", NULL};
    s_refused_saying(RECT_ACT_EXTEND_APPROVE, &it, &s_admin, NULL, RECT_E_PERMISSION_DENIED, asked);
    s_expect(RECT_ACT_EXTEND_APPROVE, &it, &s_leader, 0, RECT_ST_RECTIFYING);
    wf_item closed = s_item(RECT_ST_CLOSED, 1);
    closed.long_term = 0;
    const char *const kind[] = {"immediate", "long-term", NULL};
    s_refused_saying(RECT_ACT_REVIEW, &closed, &s_owner, NULL, RECT_E_INVALID_TRANSITION, kind);
    s_refused_saying(RECT_ACT_RELAPSE, &closed, &s_admin, NULL, RECT_E_INVALID_TRANSITION, kind);
}

/* ---- acts of people: sign, urge, reply, acknowledge ---------------------- */

static void test_sign_is_about_no_item_by_the_configured_reviewer_or_an_admin(void **state)
{
    (void)state;
    wf_item none = s_item(RECT_ST_NONE, 0), item = s_item(RECT_ST_RECTIFYING, 1);
    const wf_policy pol = {1, 0, "zhaomin"};
    rect_state to;
    char msg[256];
    assert_int_equal(wf_check(RECT_ACT_SIGN, &none, &s_verifier, &pol, &to, msg, sizeof msg), 0);
    assert_int_equal(wf_check(RECT_ACT_SIGN, &none, &s_admin, &pol, &to, msg, sizeof msg), 0);
    const char *const who[] = {"zhanghua", "reviewer", "zhaomin", NULL};
    s_refused_saying(RECT_ACT_SIGN, &none, &s_leader, &pol, RECT_E_PERMISSION_DENIED, who);
    const char *const nobody[] = {"none configured", NULL};
    s_refused_saying(RECT_ACT_SIGN, &none, &s_verifier, NULL, RECT_E_PERMISSION_DENIED, nobody);
    /* a sign-off names no item: never on one */
    assert_int_equal(wf_check(RECT_ACT_SIGN, &item, &s_admin, &pol, &to, msg, sizeof msg),
                     RECT_E_INVALID_TRANSITION);
}

static void test_urge_by_the_items_leader_or_an_admin_on_open_work_only(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    it.leader = "zhanghua";
    s_expect(RECT_ACT_URGE, &it, &s_leader, 0, RECT_ST_RECTIFYING);
    s_expect(RECT_ACT_URGE, &it, &s_admin, 0, RECT_ST_RECTIFYING);
    const char *const owner[] = {OWNER_NAME, "leader", "zhanghua", NULL};
    s_refused_saying(RECT_ACT_URGE, &it, &s_owner, NULL, RECT_E_PERMISSION_DENIED, owner);
    const wf_actor other = {"lijun", RECT_ROLE_LEADER};
    s_expect(RECT_ACT_URGE, &it, &other, RECT_E_PERMISSION_DENIED, RECT_ST_RECTIFYING);
    wf_item closed = s_item(RECT_ST_CLOSED, 1);
    s_expect(RECT_ACT_URGE, &closed, &s_admin, RECT_E_INVALID_TRANSITION, RECT_ST_CLOSED);
}

static void test_reply_by_the_owner_only_and_only_to_an_open_urge(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_RECTIFYING, 0);
    const char *const none[] = {"no open urge", NULL};
    s_refused_saying(RECT_ACT_REPLY, &it, &s_owner, NULL, RECT_E_INVALID_TRANSITION, none);
    it.open_urges = 1;
    s_expect(RECT_ACT_REPLY, &it, &s_owner, 0, RECT_ST_RECTIFYING);
    const char *const admin[] = {"wangyan", "only the owner", NULL};
    s_refused_saying(RECT_ACT_REPLY, &it, &s_admin, NULL, RECT_E_PERMISSION_DENIED, admin);
    s_expect(RECT_ACT_REPLY, &it, &s_superuser, RECT_E_PERMISSION_DENIED, RECT_ST_RECTIFYING);
}

static void test_acknowledge_once_per_assignment_by_its_owner(void **state)
{
    (void)state;
    wf_item it = s_item(RECT_ST_ASSIGNED, 0);
    s_expect(RECT_ACT_ACKNOWLEDGE, &it, &s_owner, 0, RECT_ST_ASSIGNED);
    s_expect(RECT_ACT_ACKNOWLEDGE, &it, &s_admin, RECT_E_PERMISSION_DENIED, RECT_ST_ASSIGNED);
    s_expect(RECT_ACT_ACKNOWLEDGE, &it, &s_other_owner, RECT_E_PERMISSION_DENIED, RECT_ST_ASSIGNED);
    it.acknowledged = 1;
    const char *const twice[] = {"already acknowledged", NULL};
    s_refused_saying(RECT_ACT_ACKNOWLEDGE, &it, &s_owner, NULL, RECT_E_INVALID_TRANSITION, twice);
    wf_item claimed = s_item(RECT_ST_CLAIMED, 0);
    s_expect(RECT_ACT_ACKNOWLEDGE, &claimed, &s_owner, RECT_E_INVALID_TRANSITION, RECT_ST_CLAIMED);
}

/* The refusal's facts for the reply's details: the rule that refused and what it judged. */
static void test_a_refusal_names_its_rule_and_the_facts_it_judged(void **state)
{
    (void)state;
    rect_state to;
    char msg[512];
    wf_why why;
    const wf_actor owner_verifier = {OWNER_NAME, RECT_ROLE_VERIFIER | RECT_ROLE_OWNER};
    wf_item it = s_item(RECT_ST_RECTIFYING, 1);
    assert_int_equal(
        wf_check_why(RECT_ACT_VERIFY_PASS, &it, &owner_verifier, NULL, &to, msg, sizeof msg, &why),
        RECT_E_PERMISSION_DENIED);
    assert_string_equal(why.rule, "owner_may_not_verify");
    assert_int_equal(why.action, RECT_ACT_VERIFY_PASS);
    assert_int_equal(why.state, RECT_ST_RECTIFYING);
    assert_int_equal(why.needs, 1u << RECT_ST_RECTIFYING);
    assert_int_equal(why.roles, RECT_ROLE_VERIFIER);
    assert_string_equal(why.user, OWNER_NAME);
    assert_string_equal(why.owner, OWNER_NAME);

    it = s_item(RECT_ST_ASSIGNED, 0);
    assert_int_equal(wf_check_why(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, &to, msg, sizeof msg, &why),
                     RECT_E_INVALID_TRANSITION);
    assert_string_equal(why.rule, "wrong_state");
    assert_int_equal(why.state, RECT_ST_ASSIGNED);

    it = s_item(RECT_ST_RECTIFYING, 1);
    assert_int_equal(wf_check_why(RECT_ACT_VERIFY_PASS, &it, &s_viewer, NULL, &to, msg, sizeof msg, &why),
                     RECT_E_PERMISSION_DENIED);
    assert_string_equal(why.rule, "role_needed");

    it = s_item(RECT_ST_RECTIFYING, 0);
    assert_int_equal(wf_check_why(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, &to, msg, sizeof msg, &why),
                     RECT_E_MISSING_EVIDENCE);
    assert_string_equal(why.rule, "no_evidence");

    /* allowed: no rule, and the message empty */
    it = s_item(RECT_ST_RECTIFYING, 1);
    assert_int_equal(wf_check_why(RECT_ACT_VERIFY_PASS, &it, &s_verifier, NULL, &to, msg, sizeof msg, &why),
                     0);
    assert_null(why.rule);
    assert_string_equal(msg, "");
    /* and wf_check says the same as wf_check_why */
    assert_int_equal(wf_check(RECT_ACT_VERIFY_PASS, &it, &owner_verifier, NULL, &to, msg, sizeof msg),
                     RECT_E_PERMISSION_DENIED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claim_only_creates_a_claimed_item_from_none),
        cmocka_unit_test(test_assign_moves_claimed_and_assigned_to_assigned_and_keeps_rectifying),
        cmocka_unit_test(test_start_only_moves_assigned_to_rectifying),
        cmocka_unit_test(test_evidence_keeps_rectifying_verified_and_closed_unchanged),
        cmocka_unit_test(test_verify_pass_only_moves_rectifying_to_verified),
        cmocka_unit_test(test_verify_reject_keeps_rectifying_and_nothing_else),
        cmocka_unit_test(test_close_only_moves_verified_to_closed),
        cmocka_unit_test(test_reopen_moves_verified_and_closed_back_to_rectifying),
        cmocka_unit_test(test_forbidden_transition_is_reported_before_permission),
        cmocka_unit_test(test_claim_needs_admin),
        cmocka_unit_test(test_assign_needs_admin_or_leader),
        cmocka_unit_test(test_start_only_by_the_items_owner_or_an_admin),
        cmocka_unit_test(test_evidence_only_by_the_items_owner_or_an_admin),
        cmocka_unit_test(test_owner_is_matched_by_name_not_pointer),
        cmocka_unit_test(test_verify_pass_needs_a_verifier_who_is_not_the_owner),
        cmocka_unit_test(test_verify_reject_needs_a_verifier_who_is_not_the_owner),
        cmocka_unit_test(test_verify_pass_without_evidence_is_missing_evidence),
        cmocka_unit_test(test_verify_reject_needs_no_evidence),
        cmocka_unit_test(test_only_verify_pass_looks_at_evidence),
        cmocka_unit_test(test_close_needs_admin_or_leader_who_is_not_the_owner),
        cmocka_unit_test(test_reopen_needs_admin_or_leader),
        cmocka_unit_test(test_checks_state_then_actor_then_evidence),
        cmocka_unit_test(test_refusal_msg_is_truncated_and_nul_terminated_in_a_small_buffer),
        cmocka_unit_test(test_refusal_msg_names_the_state_and_the_action),
        cmocka_unit_test(test_extension_and_decisions_follow_the_table_from_every_state),
        cmocka_unit_test(test_extend_only_by_the_items_owner_or_an_admin),
        cmocka_unit_test(test_extension_decisions_by_admin_or_leader_who_is_not_the_owner),
        cmocka_unit_test(test_escalate_only_by_rectd_itself_never_by_a_user),
        cmocka_unit_test(test_review_and_relapse_by_owner_or_admin_from_closed_only),
        cmocka_unit_test(test_inspection_only_about_no_item_and_only_by_an_admin),
        cmocka_unit_test(test_decline_and_amend_are_an_admins),
        cmocka_unit_test(test_verify_refused_to_whoever_owned_the_item_in_this_round),
        cmocka_unit_test(test_verify_refused_to_whoever_filed_evidence_in_this_round),
        cmocka_unit_test(test_pass_after_a_rejection_needs_evidence_filed_since),
        cmocka_unit_test(test_pass_after_a_reopen_needs_evidence_of_the_new_round),
        cmocka_unit_test(test_only_the_items_leader_or_an_admin_changes_its_leader),
        cmocka_unit_test(test_a_relapse_moves_the_deadline_only_by_an_admin),
        cmocka_unit_test(test_close_refused_to_the_rounds_verifier_filers_and_owners_by_policy),
        cmocka_unit_test(test_assign_that_moves_the_deadline_is_an_admins_replan_with_a_note),
        cmocka_unit_test(test_extension_and_review_guards_live_in_the_rule_book),
        cmocka_unit_test(test_sign_is_about_no_item_by_the_configured_reviewer_or_an_admin),
        cmocka_unit_test(test_urge_by_the_items_leader_or_an_admin_on_open_work_only),
        cmocka_unit_test(test_reply_by_the_owner_only_and_only_to_an_open_urge),
        cmocka_unit_test(test_acknowledge_once_per_assignment_by_its_owner),
        cmocka_unit_test(test_a_refusal_names_its_rule_and_the_facts_it_judged),
    };
    return cmocka_run_group_tests_name("workflow", tests, NULL, NULL);
}
