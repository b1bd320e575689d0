/*
 * test_workflow_matrix.c - the whole rule book (daemon/workflow.h), checked
 * exhaustively: every subset of the RECT_ROLE_COUNT roles x every action x
 * every state x the actor's relations to the item and its current round
 * (owner, earlier owner of the round, evidence filer, the round's verifier,
 * the item's leader, the extension's requester) x the facts (evidence,
 * rejection, pending extension, kind, deadline move, note, an open urge, an
 * acknowledged assignment) x the policy (workflow.distinct_closer,
 * workflow.close_by, ledger.reviewer).
 *
 * The expected result comes from s_expected below: the rules as stated in
 * docs/SECURITY.md ("Separation of duties"), written out here independently
 * of workflow.c. Then a search over every sequence of actions by one user
 * holding every role shows nobody takes an item from rectifying to closed
 * alone, and the same search with a second person shows it can be closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "workflow.h"

#define ALL_ROLES (1u << RECT_ROLE_COUNT) /* number of role subsets */
#define ROLE(name) (1u << s_role_bit(name))

/* The bit of a role by its name, so the test follows rect_role_names (a role may be added). */
static int s_role_bit(const char *name)
{
    for (int i = 0; i < RECT_ROLE_COUNT; i++)
        if (strcmp(rect_role_names[i], name) == 0)
            return i;
    fail_msg("no role named %s", name);
    return 0;
}

/* ---- the rules, as the documentation states them ------------------------ */

/* The actor's relations to the item (bits). */
enum {
    R_OWNER = 1 << 0,       /* the item's current owner */
    R_ROUND_OWNER = 1 << 1, /* owned it earlier in this round (owner at round start, or assigned since) */
    R_FILER = 1 << 2,       /* filed evidence in this round */
    R_VERIFIER = 1 << 3,    /* passed it in this round */
    R_LEADER = 1 << 4,      /* the item's responsible leader */
    R_REQUESTER = 1 << 5,   /* asked for the pending extension */
    R_COUNT = 1 << 6
};

/* The facts about the item and the request. */
typedef struct {
    int evidence;       /* evidence entries on the item (0 or 1) */
    int rejected;       /* the round began with a rejection */
    int round_evidence; /* entries filed in this round (0 or 1) */
    int pending;        /* an extension request is pending */
    int long_term;
    int moves;        /* assign (or relapse) to a deadline other than the current one */
    int relead;       /* assign to a leader other than the item's */
    int note;         /* the request has a note */
    int distinct;     /* workflow.distinct_closer */
    int any_leader;   /* workflow.close_by = "any_leader" */
    int reviewer;     /* the actor is ledger.reviewer (审核人) */
    int open_urge;    /* the item has an urge not yet answered */
    int acknowledged; /* its current assignment is acknowledged (签收) */
} facts;

#define S(x) (1u << (x))
/* From which states each action is allowed (the README's rule table). */
static unsigned s_from(rect_action a)
{
    switch (a) {
    case RECT_ACT_CLAIM:
    case RECT_ACT_INSPECTION:
    case RECT_ACT_DECLINE:
    case RECT_ACT_WITHDRAW_DECLINE:
    case RECT_ACT_SIGN:
    case RECT_ACT_BACKUP:
    case RECT_ACT_PASSWORD_RESET:
        return 0; /* no item yet */
    case RECT_ACT_AMEND:
        return S(RECT_ST_CLAIMED) | S(RECT_ST_ASSIGNED) | S(RECT_ST_RECTIFYING) | S(RECT_ST_VERIFIED) |
               S(RECT_ST_CLOSED);
    case RECT_ACT_URGE:
    case RECT_ACT_ACKNOWLEDGE:
        return S(RECT_ST_ASSIGNED) | S(RECT_ST_RECTIFYING);
    case RECT_ACT_REPLY:
        return S(RECT_ST_ASSIGNED) | S(RECT_ST_RECTIFYING) | S(RECT_ST_VERIFIED) | S(RECT_ST_CLOSED);
    case RECT_ACT_ASSIGN:
        return S(RECT_ST_CLAIMED) | S(RECT_ST_ASSIGNED) | S(RECT_ST_RECTIFYING);
    case RECT_ACT_START:
        return S(RECT_ST_ASSIGNED);
    case RECT_ACT_EVIDENCE:
        return S(RECT_ST_RECTIFYING) | S(RECT_ST_VERIFIED) | S(RECT_ST_CLOSED);
    case RECT_ACT_VERIFY_PASS:
    case RECT_ACT_VERIFY_REJECT:
        return S(RECT_ST_RECTIFYING);
    case RECT_ACT_CLOSE:
        return S(RECT_ST_VERIFIED);
    case RECT_ACT_REOPEN:
        return S(RECT_ST_VERIFIED) | S(RECT_ST_CLOSED);
    case RECT_ACT_EXTEND:
    case RECT_ACT_EXTEND_APPROVE:
    case RECT_ACT_EXTEND_DENY:
    case RECT_ACT_ESCALATE:
        return S(RECT_ST_ASSIGNED) | S(RECT_ST_RECTIFYING);
    case RECT_ACT_REVIEW:
    case RECT_ACT_RELAPSE:
        return S(RECT_ST_CLOSED);
    default:
        return 0;
    }
}

static int s_state_ok(rect_action a, rect_state st)
{
    unsigned from = s_from(a);
    return st == RECT_ST_NONE ? from == 0 : (from & S(st)) != 0;
}

/* Where an allowed action leads. */
static rect_state s_to(rect_action a, rect_state st)
{
    switch (a) {
    case RECT_ACT_CLAIM:
        return RECT_ST_CLAIMED;
    case RECT_ACT_ASSIGN:
        return st == RECT_ST_RECTIFYING ? RECT_ST_RECTIFYING : RECT_ST_ASSIGNED;
    case RECT_ACT_START:
    case RECT_ACT_REOPEN:
    case RECT_ACT_RELAPSE:
        return RECT_ST_RECTIFYING;
    case RECT_ACT_VERIFY_PASS:
        return RECT_ST_VERIFIED;
    case RECT_ACT_CLOSE:
        return RECT_ST_CLOSED;
    default:
        return st; /* kept */
    }
}

/* Stage 1, whoever asks: the state and the standing facts. */
static int s_expected_state(rect_action a, rect_state st, const facts *f)
{
    if (!s_state_ok(a, st) || (a == RECT_ACT_EXTEND && f->pending) ||
        ((a == RECT_ACT_EXTEND_APPROVE || a == RECT_ACT_EXTEND_DENY) && !f->pending) ||
        ((a == RECT_ACT_REVIEW || a == RECT_ACT_RELAPSE) && !f->long_term) ||
        (a == RECT_ACT_REPLY && !f->open_urge) || (a == RECT_ACT_ACKNOWLEDGE && f->acknowledged))
        return RECT_E_INVALID_TRANSITION;
    return 0;
}

/* The expected result of action a in state st by a (non-system) user with roles and rel. */
static int s_expected(rect_action a, rect_state st, unsigned roles, unsigned rel, const facts *f)
{
    int admin = (roles & ROLE("admin")) != 0, leader = (roles & ROLE("leader")) != 0;
    int verifier = (roles & ROLE("verifier")) != 0;
    int owner = (rel & R_OWNER) != 0, in_round = owner || (rel & R_ROUND_OWNER) || (rel & R_FILER);
    int moves = f->moves && (st == RECT_ST_ASSIGNED || st == RECT_ST_RECTIFYING);
    int has_leader = st != RECT_ST_NONE && st != RECT_ST_CLAIMED;
    /* 1. state and standing facts */
    if (s_expected_state(a, st, f))
        return RECT_E_INVALID_TRANSITION;
    /* 2. who */
    int ok;
    switch (a) {
    case RECT_ACT_CLAIM:
    case RECT_ACT_INSPECTION:
    case RECT_ACT_DECLINE:
    case RECT_ACT_WITHDRAW_DECLINE:
    case RECT_ACT_AMEND:
    case RECT_ACT_BACKUP:
    case RECT_ACT_PASSWORD_RESET:
        ok = admin;
        break;
    case RECT_ACT_ASSIGN:
        ok = (admin || leader) && (!moves || admin) &&
             (!(f->relead && has_leader) || admin || (rel & R_LEADER));
        break;
    case RECT_ACT_START:
    case RECT_ACT_EVIDENCE:
    case RECT_ACT_EXTEND:
    case RECT_ACT_REVIEW:
        ok = owner || admin;
        break;
    case RECT_ACT_RELAPSE: /* a new deadline for the renewed work is an admin's re-plan */
        ok = (owner || admin) && (!f->moves || admin);
        break;
    case RECT_ACT_VERIFY_PASS:
    case RECT_ACT_VERIFY_REJECT:
        ok = verifier && !in_round;
        break;
    case RECT_ACT_CLOSE:
        ok = (admin || leader) && (f->any_leader || admin || (rel & R_LEADER)) && !(rel & R_VERIFIER) &&
             !owner && (!f->distinct || !in_round);
        break;
    case RECT_ACT_REOPEN:
        ok = admin || leader;
        break;
    case RECT_ACT_EXTEND_APPROVE:
    case RECT_ACT_EXTEND_DENY:
        ok = (admin || leader) && !owner && !(rel & R_REQUESTER);
        break;
    case RECT_ACT_SIGN: /* the configured reviewer (whatever their roles) or an admin */
        ok = admin || f->reviewer;
        break;
    case RECT_ACT_URGE: /* the item's own leader (whatever their roles) or an admin, never its owner */
        ok = (admin || (rel & R_LEADER)) && !owner;
        break;
    case RECT_ACT_REPLY: /* the owner's own word: not even an admin */
    case RECT_ACT_ACKNOWLEDGE:
        ok = owner;
        break;
    default: /* escalate: rectd only */
        ok = 0;
        break;
    }
    if (!ok)
        return RECT_E_PERMISSION_DENIED;
    /* 3. what the request carries */
    if (a == RECT_ACT_ASSIGN && moves && !f->note)
        return RECT_E_MISSING_FIELD;
    /* 4. evidence for a pass */
    if (a == RECT_ACT_VERIFY_PASS && (!f->evidence || !f->round_evidence))
        return RECT_E_MISSING_EVIDENCE;
    return 0;
}

/* ---- building the item the rule book sees --------------------------------- */

#define ACTOR "actor"
#define MAX_PEOPLE 4 /* in the search below */

typedef struct {
    wf_item it;
    const char *owners[MAX_PEOPLE], *filers[MAX_PEOPLE];
} scenario;

/*
 * The item in state st with the actor related to it by rel. Before
 * assignment (none, claimed) the item has no owner, leader, deadline or round,
 * so rel is cleared (*rel updated) and the facts that need one are off.
 */
static void s_build(scenario *sc, rect_state st, unsigned *rel, const facts *f)
{
    memset(sc, 0, sizeof *sc);
    wf_item *it = &sc->it;
    it->state = st;
    it->long_term = f->long_term;
    it->evidence_count = f->evidence;
    it->has_note = f->note;
    it->open_urges = f->open_urge;
    it->acknowledged = f->acknowledged;
    if (st == RECT_ST_NONE || st == RECT_ST_CLAIMED) {
        *rel = 0;
        it->new_deadline = "2027-03-31";
        return;
    }
    it->owner = *rel & R_OWNER ? ACTOR : "bob";
    it->leader = *rel & R_LEADER ? ACTOR : "chief";
    it->deadline = "2026-12-31";
    it->new_deadline = f->moves ? "2027-03-31" : "2026-12-31";
    it->new_leader = f->relead ? "otherleader" : it->leader;
    sc->owners[it->n_round_owners++] = it->owner;
    if (*rel & R_ROUND_OWNER)
        sc->owners[it->n_round_owners++] = ACTOR;
    sc->filers[it->n_round_filers++] = "bob";
    if (*rel & R_FILER)
        sc->filers[it->n_round_filers++] = ACTOR;
    it->round_owners = sc->owners;
    it->round_filers = sc->filers;
    it->round_verifier = *rel & R_VERIFIER ? ACTOR : "vera";
    it->round_rejected = f->rejected;
    it->round_evidence = f->round_evidence;
    if (f->pending) {
        it->extension_by = *rel & R_REQUESTER ? ACTOR : "bob";
        it->extension_deadline = "2027-01-31";
    }
}

static long s_checked;

/* One cell of the matrix: wf_check must give exactly the expected code (and state). */
static void s_cell(rect_action a, rect_state st, unsigned roles, unsigned rel, const facts *f)
{
    scenario sc;
    unsigned r = rel;
    s_build(&sc, st, &r, f);
    int want = s_expected(a, st, roles, r, f);
    wf_actor who = {ACTOR, roles};
    wf_policy pol = {f->distinct, f->any_leader, f->reviewer ? ACTOR : "rev"};
    char msg[512] = "";
    rect_state to = (rect_state)-7;
    int got = wf_check(a, &sc.it, &who, &pol, &to, msg, sizeof msg);
    s_checked++;
    if (got != want)
        fail_msg(
            "%s from %s, roles 0x%x, relations 0x%x, evidence %d rejected %d round_evidence %d pending %d "
            "long_term %d moves %d note %d distinct %d any_leader %d: got %s (%s), want %s",
            rect_action_names[a], st == RECT_ST_NONE ? "none" : rect_state_names[st], roles, r, f->evidence,
            f->rejected, f->round_evidence, f->pending, f->long_term, f->moves, f->note, f->distinct,
            f->any_leader, got ? rect_err_name(got) : "ok", msg, want ? rect_err_name(want) : "ok");
    if (want == 0 && to != s_to(a, st))
        fail_msg("%s from %s: resulting state %d, want %d", rect_action_names[a],
                 st == RECT_ST_NONE ? "none" : rect_state_names[st], to, s_to(a, st));
    /* a refusal explains; one of verify, close or a decision names the person refused */
    int names = a == RECT_ACT_VERIFY_PASS || a == RECT_ACT_VERIFY_REJECT || a == RECT_ACT_CLOSE ||
                a == RECT_ACT_EXTEND_APPROVE || a == RECT_ACT_EXTEND_DENY;
    if (want != 0 && (!msg[0] || (names && want == RECT_E_PERMISSION_DENIED && !strstr(msg, ACTOR))))
        fail_msg(
            "%s from %s, roles 0x%x, relations 0x%x: refusal without a message naming the person: \"%s\"",
            rect_action_names[a], st == RECT_ST_NONE ? "none" : rect_state_names[st], roles, r, msg);
}

/* Every role subset x action x state x relation for the given facts. */
static void s_sweep(const facts *f)
{
    for (unsigned roles = 0; roles < ALL_ROLES; roles++)
        for (int a = 0; a < RECT_ACT_COUNT; a++)
            for (int st = RECT_ST_NONE; st < RECT_ST_COUNT; st++)
                for (unsigned rel = 0; rel < R_COUNT; rel++)
                    s_cell((rect_action)a, (rect_state)st, roles, rel, f);
}

/* Evidence, rejection and the close policy, with the other facts such that every action can happen. */
static void test_matrix_over_evidence_rejection_and_close_policy(void **state)
{
    (void)state;
    s_checked = 0;
    for (int ev = 0; ev < 4; ev++)
        for (int pol = 0; pol < 4; pol++) {
            facts f = {.evidence = ev > 0,
                       .rejected = ev >= 2,
                       .round_evidence = ev == 3,
                       .pending = 1,
                       .long_term = 1,
                       .note = 1,
                       .distinct = !(pol & 1),
                       .any_leader = (pol & 2) != 0};
            s_sweep(&f);
        }
    assert_true(s_checked >= (long)ALL_ROLES * RECT_ACT_COUNT * (RECT_ST_COUNT + 1) * R_COUNT * 16);
}

/* Pending extension, kind, deadline move and note. */
static void test_matrix_over_extension_kind_deadline_move_and_note(void **state)
{
    (void)state;
    for (int pending = 0; pending < 2; pending++)
        for (int lt = 0; lt < 2; lt++)
            for (int mv = 0; mv < 8; mv++) {
                facts f = {.evidence = 1,
                           .round_evidence = 1,
                           .pending = pending,
                           .long_term = lt,
                           .moves = mv & 1,
                           .note = (mv & 2) != 0,
                           .relead = (mv & 4) != 0,
                           .distinct = 1};
                s_sweep(&f);
            }
}

/* The acts of people: sign (reviewer), urge, reply (an urge open), acknowledge (once per assignment). */
static void test_matrix_over_reviewer_open_urge_and_acknowledgement(void **state)
{
    (void)state;
    for (int k = 0; k < 8; k++) {
        facts f = {.evidence = 1,
                   .round_evidence = 1,
                   .pending = 1,
                   .long_term = 1,
                   .note = 1,
                   .distinct = 1,
                   .reviewer = k & 1,
                   .open_urge = (k & 2) != 0,
                   .acknowledged = (k & 4) != 0};
        s_sweep(&f);
    }
}

/* rectd itself may only escalate, whatever roles it is given, and a user never may. */
static void test_rectd_itself_only_escalates(void **state)
{
    (void)state;
    facts f = {.evidence = 1, .pending = 1, .long_term = 1, .note = 1, .distinct = 1};
    for (unsigned roles = 0; roles < ALL_ROLES; roles++)
        for (int a = 0; a < RECT_ACT_COUNT; a++)
            for (int st = RECT_ST_NONE; st < RECT_ST_COUNT; st++) {
                scenario sc;
                unsigned rel = 0;
                s_build(&sc, (rect_state)st, &rel, &f);
                wf_actor sys = {RECT_SYSTEM_ACTOR, roles};
                rect_state to;
                char msg[256];
                int want = s_expected_state((rect_action)a, (rect_state)st, &f) ? RECT_E_INVALID_TRANSITION
                           : a == RECT_ACT_ESCALATE                             ? 0
                                                                                : RECT_E_PERMISSION_DENIED;
                int got = wf_check((rect_action)a, &sc.it, &sys, NULL, &to, msg, sizeof msg);
                if (got != want)
                    fail_msg("rectd, roles 0x%x, %s from %d: got %d, want %d (%s)", roles,
                             rect_action_names[a], st, got, want, msg);
            }
}

/* ---- nobody takes an item from rectifying to closed alone ----------------- */

/* What the search tracks about the item: enough to rebuild wf_item. People are indexes into s_people. */
typedef struct {
    int state, owner;                       /* owner: person index */
    unsigned round_owners;                  /* bit per person */
    unsigned filers;                        /* bit per person */
    int verifier;                           /* person index, -1 none */
    int evidence, rejected, round_evidence; /* capped at 1 */
    int requester;                          /* -1: no pending extension */
} sim;

/* solo holds every role; bob owns items; chief is the item's leader; vera verifies. */
static const char *const s_people[MAX_PEOPLE] = {"solo", "bob", "chief", "vera"};
#define KEY_BITS 22

static unsigned s_key(const sim *s)
{
    return (unsigned)s->state | (unsigned)s->owner << 3 | s->round_owners << 5 | s->filers << 9 |
           (unsigned)(s->verifier + 1) << 13 | (unsigned)s->evidence << 16 | (unsigned)s->rejected << 17 |
           (unsigned)s->round_evidence << 18 | (unsigned)(s->requester + 1) << 19;
}

static void s_begin_round(sim *s, int rejected)
{
    s->round_owners = 1u << s->owner;
    s->filers = 0;
    s->verifier = -1;
    s->rejected = rejected;
    s->round_evidence = 0;
}

/* The wf_item of a sim (names point into s_people; lists into sc). */
static void s_item_of(const sim *s, scenario *sc)
{
    memset(sc, 0, sizeof *sc);
    wf_item *it = &sc->it;
    size_t no = 0, nf = 0;
    for (int p = 0; p < MAX_PEOPLE; p++) {
        if (s->round_owners & (1u << p))
            sc->owners[no++] = s_people[p];
        if (s->filers & (1u << p))
            sc->filers[nf++] = s_people[p];
    }
    it->state = (rect_state)s->state;
    it->owner = s_people[s->owner];
    it->leader = "chief";
    it->deadline = "2026-12-31";
    it->new_deadline = "2026-12-31"; /* reassignment only: deadlines are not the point here */
    it->evidence_count = s->evidence;
    it->long_term = 1;
    it->round_owners = sc->owners;
    it->n_round_owners = no;
    it->round_filers = sc->filers;
    it->n_round_filers = nf;
    it->round_verifier = s->verifier >= 0 ? s_people[s->verifier] : NULL;
    it->round_rejected = s->rejected;
    it->round_evidence = s->round_evidence;
    it->extension_by = s->requester >= 0 ? s_people[s->requester] : NULL;
    it->extension_deadline = "2027-01-31";
    it->has_note = 1;
}

/* Apply an allowed action (with target person for assign) to the sim, as item.c records it. */
static void s_apply(sim *s, rect_action a, int actor, int target, rect_state to)
{
    switch (a) {
    case RECT_ACT_ASSIGN:
        s->owner = target;
        s->round_owners |= 1u << target;
        break;
    case RECT_ACT_EVIDENCE:
        s->filers |= 1u << actor;
        s->evidence = s->round_evidence = 1;
        break;
    case RECT_ACT_VERIFY_PASS:
        s->verifier = actor;
        s->requester = -1;
        break;
    case RECT_ACT_EXTEND:
        s->requester = actor;
        break;
    case RECT_ACT_EXTEND_APPROVE:
    case RECT_ACT_EXTEND_DENY:
        s->requester = -1;
        break;
    default:
        break;
    }
    int round =
        a == RECT_ACT_START || a == RECT_ACT_VERIFY_REJECT || a == RECT_ACT_REOPEN || a == RECT_ACT_RELAPSE;
    s->state = to;
    if (round)
        s_begin_round(s, a == RECT_ACT_VERIFY_REJECT);
}

/*
 * Every state reachable from start by actions of the first n_actors people
 * (roles[i] each), under policy pol: 1 if a closed item is among them.
 */
static int s_can_close(const sim *start, int n_actors, const unsigned *roles, const wf_policy *pol)
{
    static unsigned char seen[1u << KEY_BITS];
    static sim queue[1u << 16];
    memset(seen, 0, sizeof seen);
    size_t head = 0, tail = 0;
    queue[tail++] = *start;
    seen[s_key(start)] = 1;
    while (head < tail) {
        sim cur = queue[head++];
        if (cur.state == RECT_ST_CLOSED)
            return 1;
        for (int p = 0; p < n_actors; p++)
            for (int a = 0; a < RECT_ACT_COUNT; a++)
                for (int target = 0; target < MAX_PEOPLE; target++) {
                    if (a != RECT_ACT_ASSIGN && target > 0)
                        continue;
                    scenario sc;
                    s_item_of(&cur, &sc);
                    wf_actor who = {s_people[p], roles[p]};
                    rect_state to;
                    char msg[256];
                    if (wf_check((rect_action)a, &sc.it, &who, pol, &to, msg, sizeof msg) != 0)
                        continue;
                    sim next = cur;
                    s_apply(&next, (rect_action)a, p, target, to);
                    unsigned k = s_key(&next);
                    if (!seen[k]) {
                        seen[k] = 1;
                        if (tail == sizeof queue / sizeof queue[0])
                            fail_msg("the search outgrew its queue");
                        queue[tail++] = next;
                    }
                }
    }
    return 0;
}

static void test_one_person_with_every_role_never_closes_an_item_alone(void **state)
{
    (void)state;
    unsigned every[MAX_PEOPLE] = {ALL_ROLES - 1, ROLE("owner"), ROLE("leader"), ROLE("verifier")};
    const wf_policy pols[] = {{1, 0, "solo"}, {0, 0, "solo"}, {1, 1, NULL}, {0, 1, NULL}};
    /* rectifying, owned by solo or by bob, with or without earlier or current evidence of bob's */
    for (size_t k = 0; k < sizeof pols / sizeof pols[0]; k++)
        for (int owner = 0; owner < 2; owner++)
            for (int ev = 0; ev < 4; ev++) {
                sim s = {.state = RECT_ST_RECTIFYING, .owner = owner, .requester = -1};
                s_begin_round(&s, ev == 3);
                s.evidence = ev > 0;
                if (ev == 2) { /* bob filed in this round */
                    s.filers = 1u << 1;
                    s.round_evidence = 1;
                }
                if (s_can_close(&s, 1, every, &pols[k]))
                    fail_msg(
                        "solo with every role closed an item alone (policy %zu, owner %s, evidence case %d)",
                        k, s_people[owner], ev);
                /* the search does find closures: with an owner, a verifier and the item's leader */
                if (!s_can_close(&s, MAX_PEOPLE, every, &pols[k]))
                    fail_msg("no closure even with four people (policy %zu, owner %s, evidence case %d)", k,
                             s_people[owner], ev);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_over_evidence_rejection_and_close_policy),
        cmocka_unit_test(test_matrix_over_extension_kind_deadline_move_and_note),
        cmocka_unit_test(test_matrix_over_reviewer_open_urge_and_acknowledgement),
        cmocka_unit_test(test_rectd_itself_only_escalates),
        cmocka_unit_test(test_one_person_with_every_role_never_closes_an_item_alone),
    };
    return cmocka_run_group_tests_name("workflow_matrix", tests, NULL, NULL);
}
