/*
 * rect_verbs.h - the protocol's commands, each named once: wire name,
 * what it does to the database, who may call it, attached files, and its
 * arguments with their types and whether they are required.
 *
 * One table (RECT_VERBS) drives both sides: rectd's dispatcher validates
 * every request against it (daemon/dispatch.c, which also holds the
 * handlers, indexed by rect_verb_id), and rectctl derives from it which
 * of a command's options are required, how their values go on the wire,
 * and whether a request is a write (client/cli.h). Header-only.
 *
 * To add a command: one X(...) line here, its handler in a daemon/cmd_*.c
 * file and in dispatch.c's s_handlers, and (if rectctl offers it) an entry
 * in client/cmds.c whose options name its arguments with CLI_ARG. The
 * protocol document (docs/PROTOCOL.md, "Commands") changes in the same
 * commit.
 */
#ifndef RECT_VERBS_H
#define RECT_VERBS_H

#include <stddef.h>
#include <string.h>

#include "rect_proto.h"

/*
 * X(ID, wire name, access, roles, files, arguments)
 *
 *   ID         rect_verb_id is RECT_VERB_ID
 *   access     READ, WRITE, or READ_LONG: a read whose cost grows with the
 *              whole record (ledgers, statistics, audits); rectd runs it on
 *              a reader thread when it has them (daemon.read_threads);
 *              TASK: a long job run like READ_LONG but in no transaction
 *              opened for it: it makes its own through c->st (backup)
 *   roles      ANY or ADMIN: who may call it at all. Item actions say ANY:
 *              who may do what to which item is workflow.c's rule book
 *   files      NONE, ONE (exactly one attached frame: import, reconcile) or
 *              NAMED (one frame per name in args.files)
 *   arguments  A(name, type, REQ or OPT) each; REQ: present, and non-blank
 *              for strings. Types (rect_arg_type): NAME, LINE, TEXT, ITEM,
 *              BOOL, FILES, INT, OBJECT
 *
 * Checks between arguments (add's owner, unit, leader and deadline go
 * together) are the handler's: the table says what each one is.
 */
/* clang-format off */
#define RECT_VERBS(X, A)                                                                          \
    X(PING, "ping", READ, ANY, NONE, )                                                            \
    X(LIST, "list", READ_LONG, ANY, NONE,                                                         \
      A(state, NAME, OPT) A(owner, NAME, OPT) A(unit, NAME, OPT) A(source, NAME, OPT)             \
      A(kind, NAME, OPT) A(inspection, NAME, OPT) A(leader, NAME, OPT) A(overdue, BOOL, OPT)      \
      A(due_soon, BOOL, OPT) A(as_of, NAME, OPT) A(grep, LINE, OPT)                               \
      A(limit, INT, OPT) A(after, NAME, OPT))                                                     \
    X(SHOW, "show", READ, ANY, NONE, A(item, ITEM, REQ))                                          \
    X(HISTORY, "history", READ, ANY, NONE, A(item, ITEM, REQ))                                    \
    /* The lifecycle (cmd_items.c). */                                                            \
    X(ADD, "add", WRITE, ANY, NONE,                                                               \
      A(ref, NAME, REQ) A(source, NAME, REQ) A(kind, NAME, REQ) A(title, LINE, REQ)               \
      A(description, TEXT, OPT) A(measures, TEXT, OPT) A(inspection, NAME, OPT)                   \
      A(owner, NAME, OPT) A(unit, NAME, OPT) A(leader, NAME, OPT) A(deadline, NAME, OPT)          \
      A(note, TEXT, OPT) A(parent, ITEM, OPT))                                                    \
    X(IMPORT, "import", WRITE, ANY, ONE, A(inspection, NAME, OPT) A(dry_run, BOOL, OPT)            \
      A(encoding, NAME, OPT))                                                                     \
    X(ASSIGN, "assign", WRITE, ANY, NONE,                                                         \
      A(item, ITEM, REQ) A(owner, NAME, REQ) A(unit, NAME, REQ) A(leader, NAME, REQ)              \
      A(deadline, NAME, REQ) A(note, TEXT, OPT))                                                  \
    X(START, "start", WRITE, ANY, NONE, A(item, ITEM, REQ) A(note, TEXT, OPT))                    \
    X(EVIDENCE, "evidence", WRITE, ANY, NAMED,                                                    \
      A(item, ITEM, REQ) A(note, TEXT, REQ) A(files, FILES, OPT))                                 \
    X(VERIFY, "verify", WRITE, ANY, NONE,                                                         \
      A(item, ITEM, REQ) A(result, NAME, REQ) A(opinion, TEXT, REQ))                              \
    X(CLOSE, "close", WRITE, ANY, NONE, A(item, ITEM, REQ) A(note, TEXT, REQ))                    \
    X(REOPEN, "reopen", WRITE, ANY, NONE, A(item, ITEM, REQ) A(reason, TEXT, REQ))                \
    /* Deadlines (cmd_deadline.c). */                                                             \
    X(OVERDUE, "overdue", READ_LONG, ANY, NONE,                                                   \
      A(as_of, NAME, OPT) A(owner, NAME, OPT) A(unit, NAME, OPT) A(leader, NAME, OPT)             \
      A(limit, INT, OPT) A(after, NAME, OPT))                                                     \
    X(EXTEND, "extend", WRITE, ANY, NONE,                                                         \
      A(item, ITEM, REQ) A(deadline, NAME, REQ) A(reason, TEXT, REQ))                             \
    X(DECIDE_EXTENSION, "decide_extension", WRITE, ANY, NONE,                                     \
      A(item, ITEM, REQ) A(decision, NAME, REQ) A(note, TEXT, OPT))                               \
    X(REVIEW, "review", WRITE, ANY, NAMED,                                                        \
      A(item, ITEM, REQ) A(note, TEXT, REQ) A(files, FILES, OPT) A(relapse, BOOL, OPT)            \
      A(deadline, NAME, OPT))                                                                     \
    /* The outbox (cmd_notify.c). */                                                              \
    X(INBOX, "inbox", READ_LONG, ANY, NONE,                                                       \
      A(all, BOOL, OPT) A(since, INT, OPT) A(limit, INT, OPT) A(after, NAME, OPT))                \
    X(ACK, "ack", WRITE, ANY, NONE, A(id, INT, REQ))                                              \
    X(NOTIFY_RUN, "notify_run", WRITE, ADMIN, NONE, A(as_of, NAME, OPT) A(force, BOOL, OPT))      \
    /* Closeout ledgers (cmd_ledger.c, cmd_audit.c). */                                           \
    X(INSPECTION_ADD, "inspection_add", WRITE, ADMIN, NONE,                                       \
      A(name, NAME, REQ) A(title, LINE, REQ) A(fed_back, OBJECT, OPT))                            \
    X(INSPECTION_UPDATE, "inspection_update", WRITE, ADMIN, NONE,                                 \
      A(name, NAME, REQ) A(title, LINE, OPT) A(fed_back, OBJECT, OPT) A(note, TEXT, OPT))         \
    X(INSPECTION_LIST, "inspection_list", READ_LONG, ANY, NONE, )                                 \
    X(INSPECTION_HISTORY, "inspection_history", READ_LONG, ANY, NONE, )                           \
    X(LEDGER, "ledger", READ_LONG, ANY, NONE,                                                     \
      A(inspection, NAME, OPT) A(as_of, NAME, OPT) A(seq, INT, OPT) A(series, INT, OPT))          \
    X(LEDGER_CHECK, "ledger_check", READ_LONG, ANY, ONE, )                                        \
    X(STATS, "stats", READ_LONG, ANY, NONE, A(inspection, NAME, OPT) A(by, NAME, OPT))            \
    X(AUDIT_VERIFY, "audit_verify", READ_LONG, ANY, NONE, A(anchor, OBJECT, OPT))                 \
    X(AUDIT_ANCHOR, "audit_anchor", READ, ANY, NONE, )                                            \
    X(AUDIT_REUSE, "audit_reuse", READ_LONG, ANY, NONE, )                                         \
    X(RECONCILE, "reconcile", READ_LONG, ANY, ONE, A(inspection, NAME, OPT))                      \
    /* Records (cmd_records.c): problems not claimed (不认领), amendments. */                     \
    X(INSPECTION_DECLINE, "inspection_decline", WRITE, ADMIN, NONE,                               \
      A(name, NAME, REQ) A(source, NAME, OPT) A(title, LINE, OPT) A(reason, TEXT, REQ)            \
      A(withdraw, INT, OPT))                                                                      \
    X(AMEND, "amend", WRITE, ANY, NONE,                                                           \
      A(item, ITEM, REQ) A(title, LINE, OPT) A(description, TEXT, OPT) A(measures, TEXT, OPT)     \
      A(reason, TEXT, REQ))                                                                      \
    /* The 整改报告 (cmd_report.c). */                                                              \
    X(REPORT, "report", READ_LONG, ANY, NONE, A(inspection, NAME, REQ) A(as_of, NAME, OPT))           \
    /* Evidence files and the case file, 整改档案 (cmd_evidence.c). */                            \
    X(BLOB_GET, "blob_get", READ_LONG, ANY, NONE,                                                 \
      A(item, ITEM, REQ) A(sha256, NAME, REQ) A(offset, INT, OPT) A(length, INT, OPT))            \
    X(DOSSIER, "dossier", READ_LONG, ANY, NONE, A(item, ITEM, OPT) A(inspection, NAME, OPT)) \
    /* Acts of people on the record (cmd_acts.c): sign-off, 督办 and answer, 签收. */                \
    X(LEDGER_SIGN, "ledger_sign", WRITE, ANY, NONE,                                               \
      A(inspection, NAME, REQ) A(note, TEXT, OPT) A(head, NAME, OPT))                             \
    X(URGE, "urge", WRITE, ANY, NONE, A(item, ITEM, REQ) A(note, TEXT, REQ) A(reply_by, NAME, OPT)) \
    X(REPLY, "reply", WRITE, ANY, NONE, A(item, ITEM, REQ) A(note, TEXT, REQ))                    \
    X(ACKNOWLEDGE, "acknowledge", WRITE, ANY, NONE, A(item, ITEM, REQ) A(note, TEXT, OPT))        \
    /* What a client shows and completes (cmd_directory.c). */                                    \
    X(DIRECTORY, "directory", READ, ANY, NONE, )                                                   \
    /* Backups (cmd_backup.c). */                                                                 \
    X(BACKUP, "backup", TASK, ADMIN, NONE, A(path, LINE, REQ))                                    \
    /* Passwords (cmd_passwd.c): set or reset one; a gateway checks one. */                     \
    X(PASSWD, "passwd", WRITE, ANY, NONE, A(password, LINE, OPT) A(name, NAME, OPT))             \
    X(LOGIN, "login", READ, GATEWAY, NONE, A(name, NAME, REQ) A(password, LINE, REQ))
/* clang-format on */

/* What a command does to the database (see access above). */
typedef enum { RECT_READ, RECT_WRITE, RECT_READ_LONG, RECT_TASK } rect_access;

/* Attached frames a command takes (see files above). */
typedef enum { RECT_FILES_NONE, RECT_FILES_ONE, RECT_FILES_NAMED } rect_files;

typedef enum {
    RECT_ARG_NAME,   /* single-line string, at most RECT_MAX_NAME bytes (ref, inspection, user) */
    RECT_ARG_LINE,   /* single-line string, at most RECT_MAX_TEXT bytes (title) */
    RECT_ARG_TEXT,   /* multi-line string, at most RECT_MAX_TEXT bytes (notes, descriptions) */
    RECT_ARG_ITEM,   /* integer id or a NAME string */
    RECT_ARG_BOOL,   /* true or false */
    RECT_ARG_FILES,  /* array of file names (NAME strings) */
    RECT_ARG_INT,    /* integer (the handler checks its range) */
    RECT_ARG_OBJECT, /* JSON object (the handler checks its members) */
} rect_arg_type;

enum { RECT_ARG_OPT = 0, RECT_ARG_REQ = 1 };

typedef struct {
    const char *name; /* the key in "args" */
    rect_arg_type type;
    int required; /* present, and non-blank for strings */
} rect_arg;

typedef struct {
    const char *name; /* the wire name: "cmd" of a request */
    rect_access access;
    unsigned roles; /* rect_role bits that may call it */
    rect_files files;
    const rect_arg *args; /* n_args of them, then one with name NULL */
    size_t n_args;
} rect_verb;

/* The command ids. RECT_VERB_NONE (0) is no command: rectctl's local ones. */
typedef enum {
    RECT_VERB_NONE = 0,
#define RECT_X_NO_ARG(name, type, req)
#define RECT_X_ID(id, wire, access, roles, files, args) RECT_VERB_##id,
    RECT_VERBS(RECT_X_ID, RECT_X_NO_ARG)
#undef RECT_X_ID
        RECT_VERB_COUNT
} rect_verb_id;

/*
 * One struct per command with one member per argument: it exists only so
 * that RECT_ARG_OF(ID, name) fails to compile when command ID has no
 * argument called name. Member i + 1 is argument i (all are char, so the
 * offset is the position).
 */
#define RECT_X_MEMBER(name, type, req) char name;
#define RECT_X_STRUCT(id, wire, access, roles, files, args) \
    struct rect_args_##id {                                 \
        char none_;                                         \
        args                                                \
    };
RECT_VERBS(RECT_X_STRUCT, RECT_X_MEMBER)
#undef RECT_X_STRUCT
#undef RECT_X_MEMBER

/* A reference to one argument of one command; {0} is none. */
typedef struct {
    rect_verb_id verb;
    int pos; /* the argument's position in the verb's args, plus one */
} rect_arg_ref;

/* The argument name of command ID as a constant rect_arg_ref, checked at compile time. */
#define RECT_ARG_OF(ID, name)                                      \
    {                                                              \
        RECT_VERB_##ID, (int)offsetof(struct rect_args_##ID, name) \
    }

/* The command with id verb, or NULL for RECT_VERB_NONE and out-of-range ids. Static storage. */
static inline const rect_verb *rect_verb_of(int verb)
{
#define RECT_X_ARG(name, type, req) {#name, RECT_ARG_##type, RECT_ARG_##req},
#define RECT_X_ARGS(id, wire, access, roles, files, args) \
    static const rect_arg id##_args[] = {args{NULL, RECT_ARG_NAME, 0}};
    RECT_VERBS(RECT_X_ARGS, RECT_X_ARG)
#define RECT_X_VERB(id, wire, access, roles, files, args) \
    [RECT_VERB_##id] = {wire,                             \
                        RECT_##access,                    \
                        RECT_ROLE_##roles,                \
                        RECT_FILES_##files,               \
                        id##_args,                        \
                        sizeof id##_args / sizeof id##_args[0] - 1},
    static const rect_verb verbs[RECT_VERB_COUNT] = {RECT_VERBS(RECT_X_VERB, RECT_X_NO_ARG)};
#undef RECT_X_VERB
#undef RECT_X_ARGS
#undef RECT_X_ARG
    return verb > RECT_VERB_NONE && verb < RECT_VERB_COUNT ? &verbs[verb] : NULL;
}

/* The id of the command whose wire name is name, or RECT_VERB_NONE. */
static inline rect_verb_id rect_verb_find(const char *name)
{
    for (int v = RECT_VERB_NONE + 1; name && v < RECT_VERB_COUNT; v++)
        if (strcmp(rect_verb_of(v)->name, name) == 0)
            return (rect_verb_id)v;
    return RECT_VERB_NONE;
}

/* The argument called name of command verb, or NULL if it takes none of that name. */
static inline const rect_arg *rect_verb_arg(int verb, const char *name)
{
    const rect_verb *v = rect_verb_of(verb);
    for (size_t i = 0; v && name && i < v->n_args; i++)
        if (strcmp(v->args[i].name, name) == 0)
            return &v->args[i];
    return NULL;
}

/* The argument ref names, or NULL for {0} or a ref out of range. */
static inline const rect_arg *rect_arg_of(rect_arg_ref ref)
{
    const rect_verb *v = rect_verb_of(ref.verb);
    return v && ref.pos >= 1 && (size_t)ref.pos <= v->n_args ? &v->args[ref.pos - 1] : NULL;
}

#endif
