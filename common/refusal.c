/*
 * refusal.c - rectd's refusals as whole sentences, and the labels of
 * states, actions and roles (see include/rect_refusal.h).
 *
 * Each sentence is the msgid of one rule of docs/PROTOCOL.md "Refusal
 * details", with placeholders in braces that name details' keys. A new rule
 * gets its line here and its translation in po/zh_CN.po; until then its
 * refusal shows rectd's English message.
 */
#include "rect_refusal.h"

#include <stdio.h>
#include <string.h>

#include "rect_proto.h"

#ifndef N_
#define N_(s) (s)
#endif
#ifndef NC_
#define NC_(ctx, s) ctx "\004" s
#endif

/* The labels: the same msgids as rectctl's tables (po/zh_CN.po). */
static const char *const s_states[RECT_ST_COUNT] = {
    N_("claimed"), N_("assigned"), N_("rectifying"), N_("verified"), N_("closed"),
};
/* Actions as verbs in a sentence ("cannot verify: ..."). */
static const char *const s_actions[RECT_ACT_COUNT] = {
    [RECT_ACT_CLAIM] = NC_("act", "claim"),
    [RECT_ACT_ASSIGN] = NC_("act", "assign"),
    [RECT_ACT_START] = NC_("act", "start"),
    [RECT_ACT_EVIDENCE] = NC_("act", "file evidence"),
    [RECT_ACT_VERIFY_PASS] = NC_("act", "verify"),
    [RECT_ACT_VERIFY_REJECT] = NC_("act", "send back"),
    [RECT_ACT_CLOSE] = NC_("act", "close"),
    [RECT_ACT_REOPEN] = NC_("act", "reopen"),
    [RECT_ACT_EXTEND] = NC_("act", "ask for an extension"),
    [RECT_ACT_EXTEND_APPROVE] = NC_("act", "approve the extension"),
    [RECT_ACT_EXTEND_DENY] = NC_("act", "deny the extension"),
    [RECT_ACT_ESCALATE] = NC_("act", "escalate"),
    [RECT_ACT_REVIEW] = NC_("act", "review"),
    [RECT_ACT_RELAPSE] = NC_("act", "record a relapse"),
    [RECT_ACT_INSPECTION] = NC_("act", "record an inspection"),
    [RECT_ACT_DECLINE] = NC_("act", "decline"),
    [RECT_ACT_WITHDRAW_DECLINE] = NC_("act", "withdraw the decline"),
    [RECT_ACT_AMEND] = NC_("act", "amend"),
    [RECT_ACT_SIGN] = NC_("act", "sign"),
    [RECT_ACT_URGE] = NC_("act", "urge"),
    [RECT_ACT_REPLY] = NC_("act", "reply"),
    [RECT_ACT_ACKNOWLEDGE] = NC_("act", "acknowledge"),
    [RECT_ACT_BACKUP] = NC_("act", "back up"),
    [RECT_ACT_PASSWORD_RESET] = NC_("act", "reset a password"),
};
static const char *const s_roles[RECT_ROLE_COUNT] = {
    NC_("role", "admin"),    NC_("role", "leader"), NC_("role", "owner"),
    NC_("role", "verifier"), NC_("role", "viewer"), NC_("role", "gateway"),
};

/* One sentence a rule is said with. */
typedef struct {
    const char *rule;
    const char *text;
} s_sentence;

/* clang-format off */
static const s_sentence s_sentences[] = {
    /* The limits (daemon/server.c, s_pool_push). */
    {"too_busy_key",
     NC_("refusal", "rectd is still busy with earlier long reads (ledgers, lists, statistics, audits) of yours: "
                    "wait for their answers, then try again.")},
    {"too_busy_all",
     NC_("refusal", "rectd is busy: too many long reads of all users are waiting; try again in a few seconds.")},
    /* The rule book (daemon/workflow.c). */
    {"wrong_state", NC_("refusal", "cannot {action}: item {item} is {state}; {action} needs it {needs}.")},
    {"needs_item", NC_("refusal", "cannot {action}: the item does not exist.")},
    {"owner_may_not_verify",
     NC_("refusal", "cannot {action}: {user} is the owner of item {item}, and an owner may not verify their own "
                    "item: have another verifier do it.")},
    {"round_owner_may_not_verify",
     NC_("refusal", "cannot {action}: {user} owned item {item} in this round of work and may not verify it: "
                    "have another verifier do it.")},
    {"filer_may_not_verify",
     NC_("refusal", "cannot {action}: {user} filed evidence on item {item} in this round of work and may not "
                    "verify it: have another verifier do it.")},
    {"role_needed", NC_("refusal", "cannot {action}: it needs the role {roles}, and {user} does not have it.")},
    {"owner_or_admin",
     NC_("refusal", "cannot {action}: only the owner of item {item} ({owner}) or an admin may do that.")},
    {"owner_only",
     NC_("refusal", "cannot {action}: {user} is not the owner of item {item} ({owner}); only the owner may, in "
                    "their own name.")},
    {"owner_may_not_urge",
     NC_("refusal", "cannot {action}: {user} is the owner of item {item} and may not urge their own item: its "
                    "leader ({leader}) or another admin may.")},
    {"leader_or_admin",
     NC_("refusal", "cannot {action}: {user} is neither the leader of item {item} ({leader}) nor an admin.")},
    {"closer_not_leader",
     NC_("refusal", "cannot {action}: {user} is not the leader of item {item} ({leader}); only its leader or an "
                    "admin may close it.")},
    {"closer_in_round",
     NC_("refusal", "cannot {action}: {user} took part in this round of work on item {item} and may not also "
                    "close it: have another leader close it.")},
    {"owner_may_not_decide",
     NC_("refusal", "cannot {action}: {user} is the owner of item {item} and may not decide its extension: "
                    "have another leader or admin decide.")},
    {"requester_may_not_decide",
     NC_("refusal", "cannot {action}: {user} asked for this extension of item {item} and may not decide it: "
                    "have another leader or admin decide.")},
    {"extension_pending",
     NC_("refusal", "cannot {action}: item {item} already has an extension request by {requester}: it must be "
                    "approved or denied first.")},
    {"no_extension_pending",
     NC_("refusal", "cannot {action}: item {item} has no pending extension request: the owner asks first "
                    "(rectctl extend).")},
    {"immediate_item",
     NC_("refusal", "cannot {action}: item {item} is an immediate item; consolidation reviews are for long-term "
                    "items only.")},
    {"no_open_urge", NC_("refusal", "cannot {action}: item {item} has no open urge to reply to.")},
    {"already_acknowledged",
     NC_("refusal", "cannot {action}: the current assignment of item {item} is already acknowledged.")},
    {"no_evidence",
     NC_("refusal", "cannot {action}: no evidence has been filed on item {item}: the owner files it first "
                    "(rectctl evidence).")},
    {"no_evidence_since_reject",
     NC_("refusal", "cannot {action}: no evidence has been filed on item {item} since it was sent back: the "
                    "owner files new evidence first (rectctl evidence).")},
    {"no_evidence_in_round",
     NC_("refusal", "cannot {action}: no evidence has been filed on item {item} in this round of work: the "
                    "owner files it first (rectctl evidence).")},
    {"replan_needs_note",
     NC_("refusal", "cannot {action}: moving the deadline of item {item} from {deadline} to {new_deadline} "
                    "needs a note giving the reason (--note).")},
    {"deadline_moves",
     NC_("refusal", "cannot {action}: {user} may not move the deadline of item {item} from {deadline} to "
                    "{new_deadline}; a deadline moves only through an extension (rectctl extend), or an admin's "
                    "re-plan.")},
    {"relapse_replan",
     NC_("refusal", "cannot {action}: a new deadline for item {item} ({new_deadline} instead of {deadline}) is an "
                    "admin's re-plan: record the relapse without --deadline and ask for an extension.")},
    {"leader_handover",
     NC_("refusal", "cannot {action}: only the leader of item {item} ({leader}) or an admin may hand it to "
                    "{new_leader}.")},
    {"reviewer_or_admin",
     NC_("refusal", "cannot {action}: {user} is neither the reviewer ({reviewer}) nor an admin.")},
    /* The request path (daemon/dispatch.c) and names (daemon/resolve.c, daemon/item.c). */
    {"role_may_not_use", NC_("refusal", "{user} may not use {cmd}: it needs the role {roles}.")},
    {"missing_argument", NC_("refusal", "{cmd} needs the argument \"{arg}\".")},
    {"unknown_argument", NC_("refusal", "{cmd} does not take an argument \"{arg}\".")},
    {"empty_argument", NC_("refusal", "{cmd}: \"{arg}\" must not be empty.")},
    {"unknown_command", NC_("refusal", "rectd has no command \"{cmd}\".")},
    {"unknown_user", NC_("refusal", "\"{value}\" is not a configured user: check the user name or display name.")},
    {"unknown_unit", NC_("refusal", "\"{value}\" is not a configured unit: check the unit's id or name.")},
    {"unknown_source", NC_("refusal", "\"{value}\" is not a configured source: check the source's id or name.")},
    {"not_a_kind", NC_("refusal", "\"{value}\" is not a kind: immediate (立查立改) or long-term (长期坚持).")},
    {"not_a_state",
     NC_("refusal", "\"{value}\" is not a state: claimed (已认领), assigned (已交办), rectifying (整改中), verified "
                    "(已验收) or closed (已销号).")},
    {"not_a_date", NC_("refusal", "\"{value}\" is not a date: use 2026-12-31, 2026/12/31 or 2026年12月31日.")},
    {"unknown_inspection",
     NC_("refusal", "there is no inspection \"{value}\" (rectctl inspection list shows them; rectctl inspection "
                    "add records one).")},
    {"duplicate_ref",
     NC_("refusal", "inspection {inspection} already has an item with ref {ref} (item {item_id}): give another ref.")},
    {"not_a_leader", NC_("refusal", "{value} does not have the role leader and cannot lead an item.")},
    {"no_item",
     NC_("refusal", "there is no item {item}: give an id (rectctl list shows them), a ref, or INSPECTION/REF.")},
    {"ambiguous_ref",
     NC_("refusal", "ref {item} exists in several inspections: give INSPECTION/REF or the item's id.")},
};
/* clang-format on */

static const char *s_tr(const rect_lang *lang, const char *msgid)
{
    return lang && lang->tr ? lang->tr(msgid, lang->arg) : msgid;
}

/* A label: its translation, or the English text after any context. */
static const char *s_label(const rect_lang *lang, const char *msgid)
{
    const char *t = s_tr(lang, msgid);
    if (t != msgid)
        return t;
    const char *eot = strchr(msgid, '\004');
    return eot ? eot + 1 : msgid;
}

static int s_find(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *refusal_state_label(const rect_lang *lang, const char *state)
{
    int i = s_find(rect_state_names, RECT_ST_COUNT, state);
    return i >= 0 ? s_label(lang, s_states[i]) : NULL;
}

const char *refusal_action_label(const rect_lang *lang, const char *action)
{
    int i = s_find(rect_action_names, RECT_ACT_COUNT, action);
    /* an action added to rect_proto.h before its verb here has none: the sentence falls back */
    return i >= 0 && s_actions[i] ? s_label(lang, s_actions[i]) : NULL;
}

const char *refusal_role_label(const rect_lang *lang, const char *role)
{
    int i = s_find(rect_role_names, RECT_ROLE_COUNT, role);
    return i >= 0 ? s_label(lang, s_roles[i]) : NULL;
}

int refusal_translated(const rect_lang *lang)
{
    return s_tr(lang, s_states[0]) != s_states[0];
}

/* Keys whose values are user names, shown by display name. */
static int s_is_person(const char *key)
{
    static const char *const people[] = {"user", "owner", "leader", "requester", "reviewer", "new_leader"};
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++)
        if (strcmp(key, people[i]) == 0)
            return 1;
    return 0;
}

/* Append s to out at *at; 0, or -1 when it does not fit. */
static int s_put(char *out, size_t len, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + n >= len)
        return -1;
    memcpy(out + *at, s, n + 1);
    *at += n;
    return 0;
}

/* Labels of an array of wire names joined by the translated " or "; -1 when one is unknown. */
static int s_put_list(const rect_lang *lang, const json_t *a,
                      const char *(*label)(const rect_lang *, const char *), char *out, size_t len,
                      size_t *at)
{
    size_t i, n = json_array_size(a);
    json_t *v;
    if (n == 0)
        return -1;
    json_array_foreach(a, i, v) {
        const char *l = label(lang, json_string_value(v));
        /* TRANSLATORS: between the states or roles of a list of choices in a refusal. */
        if (!l || (i && s_put(out, len, at, s_label(lang, NC_("refusal", " or ")))) || s_put(out, len, at, l))
            return -1;
    }
    return 0;
}

/* The value of placeholder key from details, appended; -1 when details lack it. */
static int s_put_value(const rect_lang *lang, const json_t *details, const char *key, char *out, size_t len,
                       size_t *at)
{
    char num[32];
    const json_t *v;
    /* {item}: the item as people name it (its ref, else its id); {item_id}: its id */
    if (strcmp(key, "item") == 0 || strcmp(key, "item_id") == 0) {
        const char *ref = json_string_value(json_object_get(details, "ref"));
        if (ref && *ref && strcmp(key, "item") == 0)
            return s_put(out, len, at, ref);
        v = json_object_get(details, "item");
        if (!json_is_integer(v))
            return -1;
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return s_put(out, len, at, num);
    }
    if (strcmp(key, "needs") == 0)
        return s_put_list(lang, json_object_get(details, "needs"), refusal_state_label, out, len, at);
    if (strcmp(key, "roles") == 0)
        return s_put_list(lang, json_object_get(details, "roles"), refusal_role_label, out, len, at);
    const char *s = json_string_value(json_object_get(details, key));
    if (!s || !*s)
        return -1;
    const char *shown = s;
    if (strcmp(key, "state") == 0)
        shown = refusal_state_label(lang, s);
    else if (strcmp(key, "action") == 0)
        shown = refusal_action_label(lang, s);
    else if (strcmp(key, "role") == 0)
        shown = refusal_role_label(lang, s);
    else if ((s_is_person(key) || strcmp(key, "cmd") == 0) && lang && lang->name) {
        const char *d = lang->name(s_is_person(key) ? "user" : "cmd", s, lang->arg);
        shown = d && *d ? d : s;
    }
    return shown ? s_put(out, len, at, shown) : -1;
}

/* Fill the sentence's placeholders into out; 0, or -1 (a value missing, or too long). */
static int s_fill(const rect_lang *lang, const char *text, const json_t *details, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (const char *p = text; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p - 1 > 0 && close - p - 1 < 32) {
            char key[32];
            memcpy(key, p + 1, (size_t)(close - p - 1));
            key[close - p - 1] = '\0';
            if (s_put_value(lang, details, key, out, len, &at))
                return -1;
            p = close + 1;
            continue;
        }
        const char *next = strchr(p + 1, '{');
        size_t n = next ? (size_t)(next - p) : strlen(p);
        if (at + n >= len)
            return -1;
        memcpy(out + at, p, n);
        at += n;
        out[at] = '\0';
        p += n;
    }
    return 0;
}

int refusal_render(const rect_lang *lang, const char *code, const json_t *details, const char *message,
                   char *out, size_t len)
{
    (void)code; /* every sentence is a rule's; the code stays the caller's summary */
    if (len == 0)
        return 0;
    const char *rule = json_string_value(json_object_get(details, "rule"));
    for (size_t i = 0; rule && i < sizeof s_sentences / sizeof s_sentences[0]; i++) {
        if (strcmp(s_sentences[i].rule, rule) != 0)
            continue;
        const char *t = s_tr(lang, s_sentences[i].text);
        if (t != s_sentences[i].text && s_fill(lang, t, details, out, len) == 0)
            return 1;
        break;
    }
    snprintf(out, len, "%s", message ? message : "");
    return 0;
}
