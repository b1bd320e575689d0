/*
 * rect_proto.h - what rectd and rectctl share on the wire: protocol version,
 * states, kinds, roles, actions, error codes and rectctl's exit codes.
 *
 * Header-only. Every name here is an English identifier that appears
 * verbatim in the JSON protocol (docs/PROTOCOL.md); user-facing text is the
 * client's business and goes through gettext there.
 */
#ifndef RECT_PROTO_H
#define RECT_PROTO_H

#include <stddef.h>
#include <string.h>

#define RECT_PROTOCOL_VERSION 1
#define RECT_VERSION "0.1.0"

/* Limits that are part of the protocol, not of the config. */
#define RECT_MAX_FILES 16      /* attachment frames per request */
#define RECT_MAX_CLIENT_ID 64  /* bytes in "client" */
#define RECT_MAX_TEXT 65536    /* bytes in one text field (title, note, ...) */
#define RECT_MAX_NAME 128      /* bytes in ref, inspection, file names */
#define RECT_MAX_COUNT 1000000 /* a count given from outside (fed_back): sums of them never overflow */
/* Bytes of a stored file in one blob_get reply: larger files come in several
 * requests (offset, length). Well under any daemon.max_attachment_mb. */
#define RECT_MAX_CHUNK (1u << 20)

/* ---- item states ----------------------------------------------------- */
typedef enum {
    RECT_ST_CLAIMED = 0,
    RECT_ST_ASSIGNED,
    RECT_ST_RECTIFYING,
    RECT_ST_VERIFIED,
    RECT_ST_CLOSED,
    RECT_ST_COUNT,
    RECT_ST_NONE = -1 /* before the claim */
} rect_state;

static const char *const rect_state_names[RECT_ST_COUNT] = {
    "claimed", "assigned", "rectifying", "verified", "closed",
};

/*
 * 1 if a state is open: the item still waits for its rectification
 * (claimed, assigned, rectifying) and has a deadline light. The one place
 * that says so; rectd's derived facts (daemon/facts.c) and its indexes use it.
 */
static inline int rect_state_is_open(int s)
{
    return s == RECT_ST_CLAIMED || s == RECT_ST_ASSIGNED || s == RECT_ST_RECTIFYING;
}

/* rect_state_is_open() of a state identifier; 0 for NULL or unknown names. */
static inline int rect_state_name_is_open(const char *name)
{
    for (int s = 0; name && s < RECT_ST_COUNT; s++)
        if (strcmp(rect_state_names[s], name) == 0)
            return rect_state_is_open(s);
    return 0;
}

/* ---- item kinds ------------------------------------------------------ */
typedef enum { RECT_KIND_IMMEDIATE = 0, RECT_KIND_LONG_TERM, RECT_KIND_COUNT } rect_kind;

static const char *const rect_kind_names[RECT_KIND_COUNT] = {"immediate", "long-term"};
/* The plan's Chinese words for the kinds, accepted wherever a kind is. */
static const char *const rect_kind_names_zh[RECT_KIND_COUNT] = {"立查立改", "长期坚持"};

/* ---- levels of a problem source (sources[].level in the config) ------ */
/* Which level fed a source's problems back; the 整改报告 groups by it. A
 * source without a level is "other" (cfg.c). Order: the report's order. */
typedef enum {
    RECT_LEVEL_NATIONAL = 0, /* 国家 */
    RECT_LEVEL_REGIONAL,     /* 自治区 (省级) */
    RECT_LEVEL_COUNTY,       /* 县 */
    RECT_LEVEL_TOWN,         /* the town's own (自查自纠) */
    RECT_LEVEL_OTHER,        /* the default */
    RECT_LEVEL_COUNT
} rect_level;

static const char *const rect_level_names[RECT_LEVEL_COUNT] = {
    "national", "regional", "county", "town", "other",
};

/* ---- roles (a user holds a set of them: a bit mask) ------------------- */
typedef enum {
    RECT_ROLE_ADMIN = 1 << 0,
    RECT_ROLE_LEADER = 1 << 1,
    RECT_ROLE_OWNER = 1 << 2,
    RECT_ROLE_VERIFIER = 1 << 3,
    RECT_ROLE_VIEWER = 1 << 4,
    /* May send requests in another configured user's name (a web gateway
     * that has logged its officials in); every event records both. Grants
     * nothing else. Off unless a user is given it. */
    RECT_ROLE_GATEWAY = 1 << 5,
} rect_role;
#define RECT_ROLE_COUNT 6
#define RECT_ROLE_ANY 0x3f

static const char *const rect_role_names[RECT_ROLE_COUNT] = {
    "admin", "leader", "owner", "verifier", "viewer", "gateway",
};

/* ---- actions: the verbs that change an item (event "action") ----------- */
/* RECT_ACT_INSPECTION, RECT_ACT_DECLINE, RECT_ACT_WITHDRAW_DECLINE,
 * RECT_ACT_SIGN, RECT_ACT_BACKUP and RECT_ACT_PASSWORD_RESET are about no
 * item: events with "item" 0 that change an inspection record, sign its
 * ledger, record a verified backup or an admin's password reset
 * (rect_action_no_item); no item path uses them. */
typedef enum {
    RECT_ACT_CLAIM = 0,
    RECT_ACT_ASSIGN,
    RECT_ACT_START,
    RECT_ACT_EVIDENCE,
    RECT_ACT_VERIFY_PASS,
    RECT_ACT_VERIFY_REJECT,
    RECT_ACT_CLOSE,
    RECT_ACT_REOPEN,
    RECT_ACT_EXTEND,         /* ask for a later deadline (延期申请) */
    RECT_ACT_EXTEND_APPROVE, /* approve it: the deadline moves */
    RECT_ACT_EXTEND_DENY,    /* deny it */
    RECT_ACT_ESCALATE,       /* rectd: red for too long (督办) */
    RECT_ACT_REVIEW,         /* consolidation review of a closed long-term item (巩固) */
    RECT_ACT_RELAPSE,        /* a review found the problem back (反弹): reopened */
    RECT_ACT_INSPECTION,     /* an inspection batch recorded (考核评估): item 0, no item */
    /* Records (issue 9: problems not claimed, amendments). */
    RECT_ACT_DECLINE,          /* a fed-back problem the town did not claim (不认领): item 0 */
    RECT_ACT_WITHDRAW_DECLINE, /* a mistaken 不认领 withdrawn (it stays in the history): item 0 */
    RECT_ACT_AMEND,            /* an admin corrects title, description or measures: old → new */
    /* Acts of people on the record (ledger sign, urge, reply, acknowledge). */
    RECT_ACT_SIGN,        /* the 审核人 signs an inspection's ledger: item 0, names the head it signs */
    RECT_ACT_URGE,        /* a 督办 by a person (the item's leader or an admin) */
    RECT_ACT_REPLY,       /* the owner's answer to an urge */
    RECT_ACT_ACKNOWLEDGE, /* the owner's 签收 of the current assignment */
    /* Backups (issue 11). */
    RECT_ACT_BACKUP, /* a verified backup was made (backup): item 0, no item */
    /* Passwords (issue 13): an admin's reset of another user's password: item 0, names the
     * user only (the hash is never in the chain). */
    RECT_ACT_PASSWORD_RESET,
    RECT_ACT_COUNT
} rect_action;

static const char *const rect_action_names[RECT_ACT_COUNT] = {
    "claim",  "assign",  "start",      "evidence",          "verify",           "reject",
    "close",  "reopen",  "extend",     "approve_extension", "deny_extension",   "escalate",
    "review", "relapse", "inspection", "decline",           "withdraw_decline", "amend",
    "sign",   "urge",    "reply",      "acknowledge",       "backup",           "password_reset",
};

/*
 * 1 if action a is about no item: its events have "item" 0 and change an
 * inspection record (inspection, decline, withdraw_decline) or sign its
 * ledger (sign). The one list;
 * replay.c and the item path ask it.
 */
static inline int rect_action_no_item(int a)
{
    return a == RECT_ACT_INSPECTION || a == RECT_ACT_DECLINE || a == RECT_ACT_WITHDRAW_DECLINE ||
           a == RECT_ACT_SIGN || a == RECT_ACT_BACKUP || a == RECT_ACT_PASSWORD_RESET;
}

/* The actor of events rectd records on its own (escalation). Not a user name: users are [A-Za-z0-9_.-] too, so it is reserved. */
#define RECT_SYSTEM_ACTOR "rectd"

/* ---- error codes: 0 is success, errors are negative ------------------- */
#ifndef N_
#define N_(s) (s) /* marks text for translators (xgettext -kN_); rectctl translates it */
#endif
/* X(enum, wire name, summary) - the wire name is the "code" of an error
 * reply; the summary is what rectctl says before rectd's message. */
/* clang-format off */
#define RECT_ERRORS(X)                                                         \
    X(RECT_E_BAD_REQUEST, "bad_request", N_("the request is malformed")) \
    X(RECT_E_BAD_UTF8, "bad_utf8", N_("text that is not valid UTF-8")) \
    X(RECT_E_TOO_LARGE, "too_large", N_("too large")) \
    X(RECT_E_UNSUPPORTED_VERSION, "unsupported_version", N_("a protocol version rectd does not speak")) \
    X(RECT_E_UNKNOWN_COMMAND, "unknown_command", N_("a command rectd does not know")) \
    X(RECT_E_UNKNOWN_FIELD, "unknown_field", N_("an argument the command does not take")) \
    X(RECT_E_MISSING_FIELD, "missing_field", N_("something required is missing")) \
    X(RECT_E_BAD_TYPE, "bad_type", N_("a value of the wrong type")) \
    X(RECT_E_BAD_VALUE, "bad_value", N_("a value that is not allowed")) \
    X(RECT_E_BAD_DATE, "bad_date", N_("not a valid date")) \
    X(RECT_E_UNKNOWN_USER, "unknown_user", N_("not a configured user")) \
    X(RECT_E_UNKNOWN_NAME, "unknown_name", N_("a name the configuration does not have")) \
    X(RECT_E_NOT_FOUND, "not_found", N_("not found")) \
    X(RECT_E_AMBIGUOUS_REF, "ambiguous_ref", N_("the number names items of several inspections")) \
    X(RECT_E_DUPLICATE_REF, "duplicate_ref", N_("the number is already taken")) \
    X(RECT_E_PERMISSION_DENIED, "permission_denied", N_("not allowed for this user")) \
    X(RECT_E_INVALID_TRANSITION, "invalid_transition", N_("not possible in the item's present state")) \
    X(RECT_E_MISSING_EVIDENCE, "missing_evidence", N_("no evidence filed yet")) \
    X(RECT_E_BAD_IMPORT, "bad_import", N_("the plan file has errors")) \
    X(RECT_E_DAMAGED, "damaged", N_("stored data no longer matches its hash")) \
    X(RECT_E_SEQ_REUSED, "seq_reused", N_("a request number used twice")) \
    X(RECT_E_STORAGE_FULL, "storage_full", N_("the database is full")) \
    X(RECT_E_TOO_BUSY, "too_busy", N_("rectd is busy: retry in a few seconds")) \
    X(RECT_E_THROTTLED, "throttled", N_("too many failed attempts: wait a while")) \
    X(RECT_E_NOMEM, "out_of_memory", N_("rectd ran out of memory")) \
    X(RECT_E_INTERNAL, "internal", N_("an internal error in rectd"))
/* clang-format on */

typedef enum {
    RECT_OK = 0,
    RECT_E_FIRST_ = -1000,
#define RECT_X_ENUM(e, s, d) e,
    RECT_ERRORS(RECT_X_ENUM)
#undef RECT_X_ENUM
        RECT_E_LAST_
} rect_err;

/* Wire name and English summary (N_-marked) of a (negative) error code, or NULL. */
typedef struct {
    const char *name, *summary;
} rect_err_info;

static inline const rect_err_info *rect_err_info_of(int code)
{
    static const rect_err_info infos[] = {
#define RECT_X_INFO(e, s, d) {s, d},
        RECT_ERRORS(RECT_X_INFO)
#undef RECT_X_INFO
    };
    int i = code - RECT_E_FIRST_ - 1;
    return i < 0 || (size_t)i >= sizeof infos / sizeof infos[0] ? NULL : &infos[i];
}

/* Wire name of a (negative) error code; "internal" for anything unknown. */
static inline const char *rect_err_name(int code)
{
    const rect_err_info *e = rect_err_info_of(code);
    return e ? e->name : "internal";
}

/* Error code for a wire name, or RECT_E_INTERNAL if unknown. */
static inline int rect_err_from_name(const char *name)
{
    for (int c = RECT_E_FIRST_ + 1; c < RECT_E_LAST_; c++)
        if (strcmp(rect_err_name(c), name) == 0)
            return c;
    return RECT_E_INTERNAL;
}

/* ---- rectctl exit codes (documented in README and --help) ------------- */
enum {
    RECT_EXIT_OK = 0,
    RECT_EXIT_USAGE = 1,
    RECT_EXIT_UNREACHABLE = 2,
    RECT_EXIT_REFUSED = 3,
};

/* Index of name in a table of n names, or -1. */
static inline int rect_lookup(const char *const *table, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (name && strcmp(table[i], name) == 0)
            return i;
    return -1;
}

/* Kind from its English identifier or its Chinese plan word; -1 if neither. */
static inline int rect_kind_parse(const char *s)
{
    int k = rect_lookup(rect_kind_names, RECT_KIND_COUNT, s);
    return k >= 0 ? k : rect_lookup(rect_kind_names_zh, RECT_KIND_COUNT, s);
}

/* The states' Chinese labels: the one set every client shows (common/refusal.c, po/zh_CN.po,
 * client/ledger.c), read back where people type a state. */
static const char *const rect_state_names_zh[RECT_ST_COUNT] = {"已认领", "已交办", "整改中", "已验收",
                                                               "已销号"};

/* State from its English identifier or its Chinese label; -1 if neither. */
static inline int rect_state_parse(const char *s)
{
    int k = rect_lookup(rect_state_names, RECT_ST_COUNT, s);
    return k >= 0 ? k : rect_lookup(rect_state_names_zh, RECT_ST_COUNT, s);
}

#endif
