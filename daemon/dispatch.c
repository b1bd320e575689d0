/*
 * dispatch.c - the one request path (see dispatch.h) and the handler of each
 * command of include/rect_verbs.h.
 */
#include "dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd_backup.h"
#include "cmd_deadline.h"
#include "cmd_ledger.h"
#include "cmd_records.h"
#include "fault.h"
#include "log.h"
#include "rect_proto.h"
#include "rect_text.h"
#include "rect_verbs.h"

/*
 * The handler of each command of the table in rect_verbs.h, which says
 * everything else about it (access, roles, files, arguments).
 */
/* clang-format off */
static const cmd_fn s_handlers[] = {
    [RECT_VERB_PING] = cmd_ping,
    [RECT_VERB_LIST] = cmd_list,
    [RECT_VERB_SHOW] = cmd_show,
    [RECT_VERB_HISTORY] = cmd_history,
    [RECT_VERB_ADD] = cmd_add,
    [RECT_VERB_IMPORT] = cmd_import,
    [RECT_VERB_ASSIGN] = cmd_assign,
    [RECT_VERB_START] = cmd_start,
    [RECT_VERB_EVIDENCE] = cmd_evidence,
    [RECT_VERB_VERIFY] = cmd_verify,
    [RECT_VERB_CLOSE] = cmd_close,
    [RECT_VERB_REOPEN] = cmd_reopen,
    /* Deadlines (cmd_deadline.c). */
    [RECT_VERB_OVERDUE] = cmd_overdue,
    [RECT_VERB_EXTEND] = cmd_extend,
    [RECT_VERB_DECIDE_EXTENSION] = cmd_decide_extension,
    [RECT_VERB_REVIEW] = cmd_review,
    /* The outbox (cmd_notify.c). */
    [RECT_VERB_INBOX] = cmd_inbox,
    [RECT_VERB_ACK] = cmd_ack,
    [RECT_VERB_NOTIFY_RUN] = cmd_notify_run,
    /* Closeout ledgers (cmd_ledger.c, cmd_audit.c). */
    [RECT_VERB_INSPECTION_ADD] = cmd_inspection_add,
    [RECT_VERB_INSPECTION_UPDATE] = cmd_inspection_update,
    [RECT_VERB_INSPECTION_LIST] = cmd_inspection_list,
    [RECT_VERB_INSPECTION_HISTORY] = cmd_inspection_history,
    [RECT_VERB_LEDGER] = cmd_ledger,
    [RECT_VERB_LEDGER_CHECK] = cmd_ledger_check,
    [RECT_VERB_STATS] = cmd_stats,
    [RECT_VERB_AUDIT_VERIFY] = cmd_audit_verify,
    [RECT_VERB_AUDIT_ANCHOR] = cmd_audit_anchor,
    [RECT_VERB_AUDIT_REUSE] = cmd_audit_reuse,
    [RECT_VERB_RECONCILE] = cmd_reconcile,
    /* Records (cmd_records.c). */
    [RECT_VERB_INSPECTION_DECLINE] = cmd_inspection_decline,
    [RECT_VERB_AMEND] = cmd_amend,
    /* The 整改报告 (cmd_report.c). */
    [RECT_VERB_REPORT] = cmd_report,
    /* Evidence files and the case file (cmd_evidence.c). */
    [RECT_VERB_BLOB_GET] = cmd_blob_get,
    [RECT_VERB_DOSSIER] = cmd_dossier,
    /* Acts of people on the record (cmd_acts.c). */
    [RECT_VERB_LEDGER_SIGN] = cmd_ledger_sign,
    [RECT_VERB_URGE] = cmd_urge,
    [RECT_VERB_REPLY] = cmd_reply,
    [RECT_VERB_ACKNOWLEDGE] = cmd_acknowledge,
    /* What a client shows and completes (cmd_directory.c). */
    [RECT_VERB_DIRECTORY] = cmd_directory,
    /* Backups (cmd_backup.c). */
    [RECT_VERB_BACKUP] = cmd_backup,
    /* Passwords (cmd_passwd.c). */
    [RECT_VERB_PASSWD] = cmd_passwd,
    [RECT_VERB_LOGIN] = cmd_login,
};
/* clang-format on */
/* A command added at the end of RECT_VERBS without a handler fails here; one
 * added elsewhere fails tests/unit/test_request.c (every verb is handled). */
_Static_assert(sizeof s_handlers / sizeof s_handlers[0] == RECT_VERB_COUNT,
               "every command in rect_verbs.h needs its handler in s_handlers");

cmd_fn dispatch_handler(int verb)
{
    return verb > RECT_VERB_NONE && verb < RECT_VERB_COUNT ? s_handlers[verb] : NULL;
}

int cmd_fail(cmd_ctx *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    return code;
}

int cmd_refuse(cmd_ctx *c, int code, json_t *details, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof c->msg, fmt, ap);
    va_end(ap);
    json_decref(c->details);
    c->details = details;
    return code;
}

const char *cmd_principal(cmd_ctx *c)
{
    if (!c->principal[0]) {
        if (c->peer)
            auth_principal(c->peer, c->principal, sizeof c->principal);
        else
            snprintf(c->principal, sizeof c->principal, "%s", c->actor->name);
    }
    return c->principal;
}

const char *cmd_str(cmd_ctx *c, const char *name)
{
    return json_string_value(json_object_get(c->args, name));
}

/* The command a validated request names. */
static rect_verb_id s_verb_of(json_t *req)
{
    return rect_verb_find(json_string_value(json_object_get(req, "cmd")));
}

/* Where a refusal of validation goes: the English message and its details; and who a valid request is for. */
typedef struct {
    char *msg;
    size_t len;
    json_t *details;    /* owned; NULL for none */
    const char *behalf; /* valid: the user a gateway's key acts for (a name in cfg); NULL for the key's own */
} s_out;

/*
 * The one place validation refuses: the message and the details (stolen,
 * NULL allowed: rule and argument when a check of one argument refused).
 */
static int s_fail(s_out *o, int code, json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(s_out *o, int code, json_t *details, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, o->len, fmt, ap);
    va_end(ap);
    json_decref(o->details);
    o->details = details;
    return code;
}

/* Details naming the rule and, when not NULL, the argument it judged. */
static json_t *s_why(const char *rule, const char *arg)
{
    json_t *d = json_pack("{ss}", "rule", rule);
    if (d && arg && json_object_set_new(d, "arg", json_string(arg))) {
        json_decref(d);
        return NULL;
    }
    return d;
}

static int s_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

/* Check one string value against its type. */
static int s_check_string(const char *cmd, const char *name, const char *s, rect_arg_type type, int required,
                          s_out *o)
{
    size_t n = strlen(s);
    size_t max = type == RECT_ARG_NAME || type == RECT_ARG_ITEM || type == RECT_ARG_FILES ? RECT_MAX_NAME
                                                                                          : RECT_MAX_TEXT;
    if (required && s_blank(s))
        return s_fail(o, RECT_E_MISSING_FIELD, s_why("empty_argument", name), "%s: %s must not be empty", cmd,
                      name);
    if (n > max)
        return s_fail(o, RECT_E_BAD_VALUE, s_why("too_long", name),
                      "%s: %s is too long (%zu bytes; at most %zu)", cmd, name, n, max);
    if (!text_clean(s, type == RECT_ARG_TEXT))
        return s_fail(o, RECT_E_BAD_VALUE, s_why("control_characters", name),
                      "%s: %s contains control characters%s", cmd, name,
                      type == RECT_ARG_TEXT ? " (only newline and tab are allowed)" : " or a line break");
    return 0;
}

static int s_check_args(const rect_verb *spec, json_t *args, const dispatch_req *r, s_out *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(args, key, v) {
        const rect_arg *a = spec->args;
        while (a->name && strcmp(a->name, key) != 0)
            a++;
        if (!a->name)
            return s_fail(o, RECT_E_UNKNOWN_FIELD, s_why("unknown_argument", key),
                          "%s does not take an argument \"%s\"", spec->name, key);
        int rc = 0;
        switch (a->type) {
        case RECT_ARG_BOOL:
            if (!json_is_boolean(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "bool"),
                              "%s: %s must be true or false", spec->name, key);
            break;
        case RECT_ARG_INT:
            if (!json_is_integer(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "int"),
                              "%s: %s must be an integer", spec->name, key);
            break;
        case RECT_ARG_OBJECT:
            if (!json_is_object(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "object"),
                              "%s: %s must be an object", spec->name, key);
            break;
        case RECT_ARG_ITEM:
            if (json_is_integer(v))
                break;
            if (!json_is_string(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "item"),
                              "%s: %s must be an id (integer) or a ref (string)", spec->name, key);
            rc = s_check_string(spec->name, key, json_string_value(v), a->type, 1, o);
            break;
        case RECT_ARG_FILES: {
            if (!json_is_array(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "files"),
                              "%s: %s must be an array of file names", spec->name, key);
            size_t i;
            json_t *f;
            json_array_foreach(v, i, f) {
                if (!json_is_string(f))
                    return s_fail(o, RECT_E_BAD_TYPE,
                                  json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "files"),
                                  "%s: %s[%zu] must be a string", spec->name, key, i);
                if ((rc = s_check_string(spec->name, "a file name", json_string_value(f), a->type, 1, o)))
                    return rc;
            }
            break;
        }
        default:
            if (!json_is_string(v))
                return s_fail(o, RECT_E_BAD_TYPE,
                              json_pack("{ssssss}", "rule", "bad_type", "arg", key, "type", "string"),
                              "%s: %s must be a string", spec->name, key);
            rc = s_check_string(spec->name, key, json_string_value(v), a->type, a->required, o);
        }
        if (rc)
            return rc;
    }
    for (const rect_arg *a = spec->args; a->name; a++)
        if (a->required && !json_object_get(args, a->name))
            return s_fail(o, RECT_E_MISSING_FIELD, s_why("missing_argument", a->name),
                          "%s needs the argument \"%s\"", spec->name, a->name);

    size_t want = 0;
    if (spec->files == RECT_FILES_ONE)
        want = 1;
    else if (spec->files == RECT_FILES_NAMED)
        want = json_array_size(json_object_get(args, "files"));
    if (r->n_files != want)
        return s_fail(o, RECT_E_BAD_VALUE, s_why("frames", NULL),
                      spec->files == RECT_FILES_ONE
                          ? "%s needs exactly %zu attached frame (the file); got %zu"
                          : "%s: %zu file(s) named but %zu frame(s) attached",
                      spec->name, want, r->n_files);
    return 0;
}

/*
 * The connection's key must be the acting user's, or a gateway's acting
 * for another user (never for rectd, never for another gateway). The key
 * is looked up in the config in force, so a key removed by SIGHUP stops
 * working at once, also on connections made before.
 */
static int s_check_peer(const rect_cfg *cfg, const dispatch_req *r, const rect_user *u, s_out *o)
{
    char fp[9];
    const rect_user *who = cfg_user_by_key(cfg, r->peer.key);
    if (!who)
        return s_fail(o, RECT_E_PERMISSION_DENIED, s_why("key_revoked", NULL),
                      "this connection's key (%s...) is no configured user's key any more (it was "
                      "revoked or replaced): connect again with your current key",
                      r->peer.key[0] ? keys_short(r->peer.key, fp) : "none");
    if (who == u)
        return 0;
    if ((who->roles & RECT_ROLE_GATEWAY) && !(u->roles & RECT_ROLE_GATEWAY)) {
        o->behalf = u->name;
        return 0;
    }
    return s_fail(o, RECT_E_PERMISSION_DENIED,
                  json_pack("{ssss}", "rule", "wrong_key", "connected_as", who->name),
                  "you are connected as %s (%s, key %s...): a request may act only as the user "
                  "whose key made the connection; to act as %s, use %s's own key (rectctl --as %s "
                  "reads it from your keys folder, which works only where that key is)",
                  who->name, who->display, keys_short(r->peer.key, fp), u->name, u->name, u->name);
}

static int s_client_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > RECT_MAX_CLIENT_ID)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* Add the request's "cmd" and "user" (when strings) to details not naming them already. */
static void s_add_who(json_t *details, const json_t *req)
{
    static const char *const keys[] = {"cmd", "user"};
    for (size_t i = 0; details && i < 2; i++) {
        json_t *v = json_object_get(req, keys[i]);
        if (json_is_string(v) && !json_object_get(details, keys[i]))
            json_object_set(details, keys[i], v); /* best effort: details are an aid beside the message */
    }
}

/* The roles a command needs, as details of its refusal (rule "role_may_not_use"). */
static json_t *s_role_why(const rect_verb *spec)
{
    json_t *d = json_pack("{ss}", "rule", "role_may_not_use"), *roles = json_array();
    int rc = !d || !roles;
    for (int i = 0; !rc && i < RECT_ROLE_COUNT; i++)
        if (spec->roles & (1u << i))
            rc = json_array_append_new(roles, json_string(rect_role_names[i]));
    if (rc || json_object_set_new(d, "roles", roles)) {
        json_decref(d);
        json_decref(rc ? roles : NULL);
        return NULL;
    }
    return d;
}

/* dispatch_validate, with the refusal's details (owned by the caller) in *details. */
static int s_validate(const rect_cfg *cfg, const dispatch_req *r, json_t **req_out, s_out *o)
{
    static const char *const top[] = {"v", "cmd", "user", "args", "client", "seq"};
    json_error_t jerr;
    json_t *req = NULL;
    int rc;
    *req_out = NULL;

    if (r->no_delimiter)
        return s_fail(o, RECT_E_BAD_REQUEST, s_why("no_delimiter", NULL),
                      "the message lacks the empty delimiter frame before the request: use a REQ "
                      "socket, or send an empty frame first from a DEALER");
    if (r->req_len > (size_t)cfg->max_request_kb * 1024)
        return s_fail(o, RECT_E_TOO_LARGE, s_why("request_too_large", NULL),
                      "the request is %zu bytes; the limit is %u KiB (daemon.max_request_kb)", r->req_len,
                      cfg->max_request_kb);
    if (r->too_many_files)
        return s_fail(o, RECT_E_TOO_LARGE, s_why("too_many_frames", NULL), "more than %d attached frames",
                      RECT_MAX_FILES);
    for (size_t i = 0; i < r->n_files; i++)
        if (r->files[i].len > (size_t)cfg->max_attachment_mb << 20)
            return s_fail(o, RECT_E_TOO_LARGE, s_why("frame_too_large", NULL),
                          "attached frame %zu is %zu bytes; the limit is %u MiB (daemon.max_attachment_mb)",
                          i + 1, r->files[i].len, cfg->max_attachment_mb);
    if (r->req_len == 0)
        return s_fail(o, RECT_E_BAD_REQUEST, s_why("empty_request", NULL),
                      "the request frame is empty: send one JSON object");

    int nomem;
    req = fault_loadb(r->req, r->req_len, JSON_REJECT_DUPLICATES, &jerr, &nomem);
    if (!req) {
        if (nomem)
            return s_fail(o, RECT_E_NOMEM, NULL, "out of memory reading the request");
        if (json_error_code(&jerr) == json_error_invalid_utf8)
            return s_fail(o, RECT_E_BAD_UTF8, s_why("bad_utf8", NULL),
                          "the request is not valid UTF-8 (byte %d)", jerr.position);
        return s_fail(o, RECT_E_BAD_REQUEST, s_why("not_json", NULL),
                      "the request is not JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    }
    if (!json_is_object(req)) {
        rc = s_fail(o, RECT_E_BAD_REQUEST, s_why("not_object", NULL), "the request must be a JSON object");
        goto fail;
    }
    const char *key;
    json_t *v;
    json_object_foreach(req, key, v) {
        size_t i = 0;
        while (i < sizeof top / sizeof top[0] && strcmp(top[i], key) != 0)
            i++;
        if (i == sizeof top / sizeof top[0]) {
            rc = s_fail(o, RECT_E_UNKNOWN_FIELD, s_why("unknown_key", key),
                        "unknown request key \"%s\" (allowed: v, cmd, user, args, client, seq)", key);
            goto fail;
        }
    }
    json_t *jv = json_object_get(req, "v"), *jcmd = json_object_get(req, "cmd"),
           *juser = json_object_get(req, "user"), *jargs = json_object_get(req, "args");
    if (!jv) {
        rc = s_fail(o, RECT_E_MISSING_FIELD, s_why("missing_key", "v"), "the request needs \"v\": 1");
        goto fail;
    }
    if (!json_is_integer(jv) || json_integer_value(jv) != RECT_PROTOCOL_VERSION) {
        rc = s_fail(o, RECT_E_UNSUPPORTED_VERSION, s_why("version", NULL),
                    "this rectd speaks protocol version %d only", RECT_PROTOCOL_VERSION);
        goto fail;
    }
    if (!jcmd || !juser) {
        rc = s_fail(o, RECT_E_MISSING_FIELD, s_why("missing_key", jcmd ? "user" : "cmd"),
                    "the request needs \"%s\"", jcmd ? "user" : "cmd");
        goto fail;
    }
    if (!json_is_string(jcmd) || !json_is_string(juser) || (jargs && !json_is_object(jargs))) {
        rc = s_fail(o, RECT_E_BAD_TYPE, s_why("bad_type", NULL),
                    "\"cmd\" and \"user\" must be strings and \"args\" an object");
        goto fail;
    }
    rect_verb_id verb = rect_verb_find(json_string_value(jcmd));
    const rect_verb *spec = rect_verb_of(verb);
    if (!spec || !s_handlers[verb]) {
        char shown[64];
        text_fit(json_string_value(jcmd), 40, shown, sizeof shown);
        rc = s_fail(o, RECT_E_UNKNOWN_COMMAND, json_pack("{ssss}", "rule", "unknown_command", "cmd", shown),
                    "unknown command \"%s\"", shown);
        goto fail;
    }
    const rect_user *u = cfg_user(cfg, json_string_value(juser));
    if (!u) {
        char shown[64];
        text_fit(json_string_value(juser), 40, shown, sizeof shown);
        rc = s_fail(o, RECT_E_UNKNOWN_USER,
                    json_pack("{ssssss}", "rule", "unknown_user", "user", shown, "value", shown),
                    "\"%s\" is not a configured user (see users in the config)", shown);
        goto fail;
    }
    if ((rc = s_check_peer(cfg, r, u, o)))
        goto fail;
    if (!(u->roles & spec->roles)) {
        rc = s_fail(o, RECT_E_PERMISSION_DENIED, s_role_why(spec), "%s may not use %s", u->name, spec->name);
        goto fail;
    }
    if (spec->access == RECT_WRITE) {
        json_t *jc = json_object_get(req, "client"), *js = json_object_get(req, "seq");
        if (!jc || !js) {
            rc = s_fail(o, RECT_E_MISSING_FIELD, s_why("missing_key", "client"),
                        "%s changes data: the request needs \"client\" and \"seq\"", spec->name);
            goto fail;
        }
        if (!json_is_string(jc) || !json_is_integer(js)) {
            rc = s_fail(o, RECT_E_BAD_TYPE, s_why("bad_type", NULL),
                        "\"client\" must be a string and \"seq\" an integer");
            goto fail;
        }
        if (!s_client_ok(json_string_value(jc)) || json_integer_value(js) < 1) {
            rc = s_fail(o, RECT_E_BAD_VALUE, s_why("bad_value", "client"),
                        "\"client\" must be 1-64 characters of A-Z a-z 0-9 _ - . and \"seq\" at least 1");
            goto fail;
        }
    }
    if (!jargs) {
        if (json_object_set_new(req, "args", json_object())) {
            rc = s_fail(o, RECT_E_NOMEM, NULL, "out of memory reading the request");
            goto fail;
        }
        jargs = json_object_get(req, "args");
    }
    if ((rc = s_check_args(spec, jargs, r, o)))
        goto fail;
    *req_out = req;
    return 0;
fail:
    s_add_who(o->details, req);
    json_decref(req);
    return rc;
}

int dispatch_validate(const rect_cfg *cfg, const dispatch_req *r, json_t **req_out, char *msg, size_t len)
{
    s_out o = {.msg = msg, .len = len};
    int rc = s_validate(cfg, r, req_out, &o);
    json_decref(o.details);
    return rc;
}

/*
 * Serialise a reply into r->reply (details borrowed, NULL for none): 0, or RECT_E_NOMEM when it could not be
 * built and r->reply holds the out_of_memory reply instead.
 */
static int s_reply(dispatch_req *r, int code, const char *msg, json_t *result, json_t *details, json_t *extra)
{
    json_t *rep =
        code == 0 ? json_pack("{sbsO}", "ok", 1, "result", result ? result : json_null())
        : details ? json_pack("{sbs{sssssO}}", "ok", 0, "error", "code", rect_err_name(code), "message", msg,
                              "details", details)
                  : json_pack("{sbs{ssss}}", "ok", 0, "error", "code", rect_err_name(code), "message", msg);
    /* A refusal's own fields beside code, message and details (cmd_ctx.err_extra); without them on no memory. */
    if (rep && code != 0 && extra)
        json_object_update_missing(json_object_get(rep, "error"), extra);
    char *text = rep ? fault_dumps(rep, JSON_COMPACT) : NULL;
    json_decref(rep);
    int rc = 0;
    if (!text) {
        static const char oom[] =
            "{\"ok\":false,\"error\":{\"code\":\"out_of_memory\",\"message\":\"rectd is out of memory\"}}";
        text = strdup(oom); /* the last resort: not a counted allocation */
        rc = RECT_E_NOMEM;
    }
    free(r->reply);
    r->reply = text;
    r->reply_len = text ? strlen(text) : 0;
    return rc;
}

void dispatch_refuse(dispatch_req *r, int code, const char *rule, const char *msg)
{
    r->deferred = 0;
    r->has_data = 0;
    json_t *details = rule ? json_pack("{ss}", "rule", rule) : NULL;
    s_reply(r, code, msg, NULL, details, NULL);
    json_decref(details);
}

static void s_ctx_init(cmd_ctx *c, const rect_cfg *cfg, json_t *req, const dispatch_req *r)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->actor = cfg_user(cfg, json_string_value(json_object_get(req, "user")));
    const rect_user *who = cfg_user_by_key(cfg, r->peer.key);
    c->via = who && who != c->actor ? who : NULL;
    c->peer = &r->peer;
    c->args = json_object_get(req, "args");
    c->files = r->files;
    c->n_files = r->n_files;
    c->now = rect_now();
    instant_format(c->now, c->now_text);
}

/* A handler's refusal carries details, at least the command and the user. */
static void s_details_of(cmd_ctx *c, const json_t *req)
{
    if (!c->details)
        c->details = json_object();
    s_add_who(c->details, req);
}

static void s_run_read(const rect_cfg *cfg, store *st, dispatch_req *r, json_t *req, rect_verb_id verb)
{
    cmd_ctx c;
    s_ctx_init(&c, cfg, req, r);
    int rc = 0;
    if (rect_verb_of(verb)->access == RECT_TASK) {
        c.st = st; /* it begins its own transactions */
        rc = s_handlers[verb](&c);
    } else if ((rc = store_begin(st, 0, NULL, &c.txn)) == 0) {
        rc = s_handlers[verb](&c);
        store_abort(&c.txn);
    } else {
        snprintf(c.msg, sizeof c.msg, "cannot read the database");
    }
    /* The frame goes out only with a successful reply. */
    if (rc)
        s_details_of(&c, req);
    if (s_reply(r, rc, c.msg, c.result, c.details, c.err_extra) == 0 && rc == 0 && c.has_out) {
        r->has_data = 1;
        r->reply_data = c.out;
        r->reply_data_len = c.out_len;
    } else {
        free(c.out);
    }
    json_decref(c.result);
    json_decref(c.details);
    json_decref(c.err_extra);
}

/*
 * SHA-256 of what a write asks for: cmd, user and args as canonical JSON
 * (sorted keys, compact) and each attached frame with its length. A retry
 * has the same digest whatever its key order; another request under the
 * same (client, seq) does not.
 */
static int s_request_digest(json_t *req, const dispatch_req *r, unsigned char out[32])
{
    /* A password never goes into the reply cache, not even hashed: passwd's digest leaves it out
     * (of a copy: the handler still needs it). Other arguments are only read. */
    json_t *args = json_object_get(req, "args");
    args = s_verb_of(req) == RECT_VERB_PASSWD ? json_copy(args) : json_incref(args);
    if (args && s_verb_of(req) == RECT_VERB_PASSWD)
        json_object_del(args, "password");
    json_t *what = args ? json_pack("{sOsOso}", "cmd", json_object_get(req, "cmd"), "user",
                                    json_object_get(req, "user"), "args", args)
                        : NULL;
    char *text = what ? fault_dumps(what, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(what);
    if (!text)
        return RECT_E_NOMEM;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)text, strlen(text) + 1);
    free(text);
    for (size_t i = 0; i < r->n_files; i++) {
        unsigned char len[8];
        for (int b = 0; b < 8; b++)
            len[b] = (unsigned char)((uint64_t)r->files[i].len >> (56 - 8 * b));
        crypto_hash_sha256_update(&h, len, sizeof len);
        crypto_hash_sha256_update(&h, r->files[i].data, r->files[i].len);
    }
    crypto_hash_sha256_final(&h, out);
    return 0;
}

/*
 * The one wording of storage_full: handlers return RECT_E_STORAGE_FULL and
 * the dispatcher says what to do about it.
 */
static void s_storage_full(const rect_cfg *cfg, char *msg, size_t len)
{
    if (store_full_is_disk()) {
        snprintf(msg, len,
                 "disk full: the disk holding data_dir (%s) has no room for this change: free space there; "
                 "nothing was changed",
                 cfg->data_dir);
        return;
    }
    snprintf(
        msg, len,
        "the database is full (daemon.map_size_mb = %llu): raise it in the config and restart rectd; nothing was changed",
        (unsigned long long)cfg->map_size_mb);
}

/* How a write ended, for its log line: known, or to be read from its reply (a retry's stored one). */
typedef struct {
    int known;
    const char *code; /* error code name; NULL for ok */
    json_int_t item;  /* the result's item id; 0 for none */
} s_outcome;

/* The outcome of a write the dispatcher answered with rc (0: result). */
static void s_outcome_set(s_outcome *o, int rc, const json_t *result)
{
    o->known = 1;
    o->code = rc ? rect_err_name(rc) : NULL;
    o->item = rc ? 0 : json_integer_value(json_object_get(json_object_get(result, "item"), "id"));
}

/* One log line per write: who did what, and how it ended (a refusal is a
 * notice, rectd's own failure an error). */
static void s_log(json_t *req, const dispatch_req *r, const s_outcome *o)
{
    json_t *rep = o->known ? NULL : fault_loadb(r->reply, r->reply_len, 0, NULL, NULL);
    json_t *err = json_object_get(rep, "error");
    json_int_t item = o->known ? o->item
                               : json_integer_value(json_object_get(
                                     json_object_get(json_object_get(rep, "result"), "item"), "id"));
    json_t *arg = json_object_get(json_object_get(req, "args"), "item");
    char target[64] = "";
    if (item)
        snprintf(target, sizeof target, " item %lld", (long long)item);
    else if (json_is_integer(arg))
        snprintf(target, sizeof target, " item %lld", (long long)json_integer_value(arg));
    else if (json_is_string(arg))
        snprintf(target, sizeof target, " item %.40s", json_string_value(arg));
    const char *code = o->known ? o->code : err ? json_string_value(json_object_get(err, "code")) : NULL;
    int level = !code ? LOG_LEVEL_INFO : LOG_LEVEL_NOTICE;
    if (code && (strcmp(code, "internal") == 0 || strcmp(code, "out_of_memory") == 0 ||
                 strcmp(code, "storage_full") == 0 || strcmp(code, "damaged") == 0))
        level = LOG_LEVEL_ERROR;
    log_msg(level, "%s %s%s: %s", json_string_value(json_object_get(req, "user")),
            json_string_value(json_object_get(req, "cmd")), target, code ? code : "ok");
    json_decref(rep);
}

/* What s_run_write did with the shared transaction. */
enum { S_WRITE_NONE, S_WRITE_CHANGED, S_WRITE_FAILED };

/*
 * Run one write inside the shared transaction. Nested (own): in a child
 * transaction of its own, so that its failure undoes only its own changes;
 * S_WRITE_CHANGED or S_WRITE_NONE. Not nested: straight in the shared
 * transaction (a child costs LMDB a 3 MiB dirty list and a copy of every
 * page the batch already touched); a failure may have left part of the
 * request in it, so S_WRITE_FAILED says the caller must abort it (the
 * reply, the refusal, is in r either way).
 */
static int s_run_write(const rect_cfg *cfg, store_txn *parent, dispatch_req *r, json_t *req,
                       rect_verb_id verb, int own, s_outcome *out)
{
    out->known = 0; /* the reply says (the "cannot begin" refusal, a retry's stored answer) */
    cmd_ctx c;
    s_ctx_init(&c, cfg, req, r);
    const char *client = json_string_value(json_object_get(req, "client"));
    uint64_t seq = (uint64_t)json_integer_value(json_object_get(req, "seq"));
    int rc = own ? store_begin(NULL, 1, parent, &c.txn) : 0;
    if (rc) {
        s_reply(r, rc, "cannot begin a transaction", NULL, NULL, NULL);
        return S_WRITE_NONE;
    }
    if (!own)
        c.txn = parent;
    char *stored = NULL;
    size_t stored_len;
    unsigned char digest[32], stored_digest[32];
    int wrote = 0; /* the handler ran: the transaction may hold part of this request */
    if ((rc = s_request_digest(req, r, digest)) == 0)
        rc = store_reply_get(c.txn, client, seq, stored_digest, &stored, &stored_len);
    if (rc == 0 && sodium_memcmp(digest, stored_digest, 32) == 0) {
        /* a retry: answer as before, change nothing */
        if (own)
            store_abort(&c.txn);
        json_decref(c.details);
        free(r->reply);
        r->reply = stored;
        r->reply_len = stored_len;
        return S_WRITE_NONE;
    }
    if (rc == 0) {
        free(stored);
        rc = RECT_E_SEQ_REUSED;
        snprintf(
            c.msg, sizeof c.msg,
            "client \"%s\" already used seq %llu for a different request: send a new seq (a retry must resend the same request unchanged); nothing was changed",
            client, (unsigned long long)seq);
    } else if (rc == RECT_E_NOT_FOUND) {
        wrote = 1;
        rc = s_handlers[verb](&c);
        /* an answer that could not be written is no answer: undo the change */
        if (rc == 0 && (rc = s_reply(r, 0, NULL, c.result, NULL, NULL)) == 0)
            rc = store_reply_put(c.txn, client, seq, digest, r->reply, r->reply_len, cfg->reply_cache);
    }
    if (rc == 0 && (!own || (rc = store_commit(&c.txn)) == 0)) {
        s_outcome_set(out, 0, c.result);
        json_decref(c.result);
        json_decref(c.details); /* a handler may have recovered from a refusal of its own */
        json_decref(c.err_extra);
        return S_WRITE_CHANGED;
    }
    if (own)
        store_abort(&c.txn);
    if (rc == RECT_E_STORAGE_FULL)
        s_storage_full(cfg, c.msg, sizeof c.msg);
    else if (!c.msg[0])
        snprintf(c.msg, sizeof c.msg, "%s failed: %s; nothing was changed", rect_verb_of(verb)->name,
                 rect_err_name(rc));
    s_details_of(&c, req);
    s_reply(r, rc, c.msg, NULL, c.details, c.err_extra);
    s_outcome_set(out, rc, NULL);
    json_decref(c.result);
    json_decref(c.details);
    json_decref(c.err_extra);
    return wrote && !own ? S_WRITE_FAILED : S_WRITE_NONE;
}

/*
 * The writes of a batch (parsed[i] non-NULL) in one transaction and one
 * commit: 0, or the error of beginning or committing it (no write of the
 * batch is then durable). Each runs straight in the shared transaction;
 * when one fails after its handler began, the transaction may hold part
 * of it, so it is aborted and the batch runs again, each write in a child
 * transaction of its own, without the failed one (its refusal stands).
 * Nothing was answered before the commit, so the first run leaves no trace.
 */
static int s_run_writes(const rect_cfg *cfg, store *st, dispatch_req *reqs, json_t **parsed, s_outcome *outs,
                        size_t n)
{
    for (int own = 0; own <= 1; own++) {
        store_txn *txn = NULL;
        int changed = 0, rc = 0, failed = 0;
        for (size_t i = 0; i < n && !failed; i++) {
            if (!parsed[i])
                continue;
            if (!txn && (rc = store_begin(st, 1, NULL, &txn)) != 0)
                return rc;
            int w = s_run_write(cfg, txn, &reqs[i], parsed[i], s_verb_of(parsed[i]), own, &outs[i]);
            changed += w == S_WRITE_CHANGED;
            if (w == S_WRITE_FAILED) {
                s_log(parsed[i], &reqs[i], &outs[i]);
                json_decref(parsed[i]);
                parsed[i] = NULL; /* answered: its refusal */
                failed = 1;
            }
        }
        if (failed) {
            store_abort(&txn);
            continue;
        }
        return txn ? (changed ? store_commit(&txn) : (store_abort(&txn), 0)) : 0;
    }
    return 0; /* not reached: the second run has no S_WRITE_FAILED */
}

void dispatch_run_read(const rect_cfg *cfg, store *st, dispatch_req *r)
{
    r->may_defer = 0;
    dispatch_run(cfg, st, r, 1);
}

void dispatch_run_reads(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n)
{
    char msg[1024];
    for (size_t i = 0; i < n; i++) {
        reqs[i].reply = NULL;
        reqs[i].deferred = 0;
        reqs[i].behalf = NULL;
        reqs[i].has_data = 0;
        reqs[i].reply_data = NULL;
        reqs[i].reply_data_len = 0;
        reqs[i].write = NULL;
        msg[0] = '\0';
        s_out o = {.msg = msg, .len = sizeof msg};
        json_t *req;
        int rc = s_validate(cfg, &reqs[i], &req, &o);
        if (rc) {
            s_reply(&reqs[i], rc, msg, NULL, o.details, NULL);
            json_decref(o.details);
            continue;
        }
        rect_verb_id verb = s_verb_of(req);
        rect_access access = rect_verb_of(verb)->access;
        if (access == RECT_WRITE) {
            reqs[i].write = req;
            continue;
        }
        if ((access == RECT_READ_LONG || access == RECT_TASK) && reqs[i].may_defer) {
            reqs[i].deferred = 1; /* for a reader thread: dispatch_run_read */
            reqs[i].behalf = o.behalf;
        } else
            s_run_read(cfg, st, &reqs[i], req, verb);
        json_decref(req);
    }
}

void dispatch_run_writes(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n)
{
    json_t *parsed[n ? n : 1];
    s_outcome outs[n ? n : 1];
    char msg[1024];
    for (size_t i = 0; i < n; i++) {
        parsed[i] = reqs[i].write;
        reqs[i].write = NULL;
    }

    /* One shared transaction, one commit. */
    int rc = s_run_writes(cfg, st, reqs, parsed, outs, n);
    if (rc) {
        /* Nothing of this batch is durable: every write answer becomes the error. */
        if (rc == RECT_E_STORAGE_FULL)
            s_storage_full(cfg, msg, sizeof msg);
        else
            snprintf(msg, sizeof msg, "the transaction could not be committed; nothing was changed");
        for (size_t i = 0; i < n; i++)
            if (parsed[i]) {
                s_reply(&reqs[i], rc, msg, NULL, NULL, NULL);
                s_outcome_set(&outs[i], rc, NULL);
            }
    }
    for (size_t i = 0; i < n; i++) {
        if (parsed[i])
            s_log(parsed[i], &reqs[i], &outs[i]);
        json_decref(parsed[i]);
    }
}

void dispatch_run(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n)
{
    dispatch_run_reads(cfg, st, reqs, n);
    dispatch_run_writes(cfg, st, reqs, n);
}
