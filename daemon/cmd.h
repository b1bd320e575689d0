/*
 * cmd.h - what a command handler gets and gives.
 *
 * The dispatcher (dispatch.c) has already checked the envelope, the acting
 * user and the arguments' names and types against the command table, and
 * opened the transaction; a handler reads c->args, does its work through
 * store_* and item_*, and either sets c->result (return 0) or fails with
 * cmd_fail() (returning a negative rect_err). The dispatcher then commits or
 * aborts. Handlers never touch ZeroMQ or LMDB directly.
 */
#ifndef RECT_CMD_H
#define RECT_CMD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "rect_cfg.h"
#include "rect_date.h"
#include "store.h"

/* An attached file: bytes of one binary frame, valid during the request. */
typedef struct {
    const void *data;
    size_t len;
} cmd_file;

typedef struct {
    const rect_cfg *cfg;
    const rect_user *actor; /* the configured user named in "user" */
    const rect_user *via;   /* the gateway that acts for actor, or NULL when actor connected itself */
    const auth_peer *peer;  /* who connected (borrowed from the request), NULL for rectd's own work */
    char principal[256];    /* cmd_principal()'s text, made on first use */
    json_t *args;           /* borrowed: the request's args object */
    const cmd_file *files;  /* attached frames, n_files of them */
    size_t n_files;
    store_txn *txn; /* read-only for read commands; NULL for a TASK until it begins one */
    store *st;      /* the store, for TASK commands only (backup); NULL otherwise */
    time_t now;
    char now_text[RECT_INSTANT_LEN]; /* now as a UTC instant */
    json_t *result;                  /* set by the handler; owned by the dispatcher */
    /* A read's binary frame after the reply (blob_get): set has_out and out
     * (malloc'd, owned by the dispatcher from then on; NULL for no bytes). */
    int has_out;
    char *out;
    size_t out_len;
    uint64_t seq;      /* sequence number of the last event item_apply appended */
    char msg[1024];    /* error message when the handler fails */
    json_t *details;   /* the refusal's facts (docs/PROTOCOL.md "Refusal details"), or NULL;
                               owned by the dispatcher, which adds "cmd" and "user" */
    json_t *err_extra; /* when the handler fails: more fields of the error object (an import
                               dry run's "problems"); set by the handler, owned by the dispatcher */
} cmd_ctx;

typedef int (*cmd_fn)(cmd_ctx *c);

/* Set c->msg from a format and return code (a negative rect_err). */
int cmd_fail(cmd_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * cmd_fail with the refusal's facts: `details` (stolen; NULL is allowed,
 * and so is a failed json_pack) becomes the reply's error.details, beside
 * the English message; a "rule" key names the rule that refused. Keys and
 * their meaning: docs/PROTOCOL.md "Refusal details".
 */
int cmd_refuse(cmd_ctx *c, int code, json_t *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Who connected, as events record it: auth_principal() of c->peer, made on
 * first use (it may look the Unix account up), or the actor's name for
 * rectd's own work. Lives as long as c.
 */
const char *cmd_principal(cmd_ctx *c);

/* String argument or NULL when absent. Lives as long as c->args. */
const char *cmd_str(cmd_ctx *c, const char *name);

/* Read commands (cmd_query.c). */
int cmd_ping(cmd_ctx *c);
/* What a client shows and completes (cmd_directory.c). */
int cmd_directory(cmd_ctx *c);
int cmd_list(cmd_ctx *c);
int cmd_show(cmd_ctx *c);
int cmd_history(cmd_ctx *c);

/* Write commands (cmd_items.c). */
int cmd_add(cmd_ctx *c);
int cmd_import(cmd_ctx *c);
int cmd_assign(cmd_ctx *c);
int cmd_start(cmd_ctx *c);
int cmd_evidence(cmd_ctx *c);
int cmd_verify(cmd_ctx *c);
int cmd_close(cmd_ctx *c);
int cmd_reopen(cmd_ctx *c);

/* Evidence files and the case file (cmd_evidence.c). */
int cmd_blob_get(cmd_ctx *c);
int cmd_dossier(cmd_ctx *c);

/* The outbox (cmd_notify.c). */
int cmd_inbox(cmd_ctx *c);
int cmd_ack(cmd_ctx *c);
int cmd_notify_run(cmd_ctx *c);

/* Acts of people on the record (cmd_acts.c). */
int cmd_ledger_sign(cmd_ctx *c);
int cmd_urge(cmd_ctx *c);
int cmd_reply(cmd_ctx *c);
int cmd_acknowledge(cmd_ctx *c);

/* Passwords (cmd_passwd.c). */
int cmd_passwd(cmd_ctx *c);
int cmd_login(cmd_ctx *c);

#endif
