/*
 * dispatch.h - the one request path: decode -> validate -> look up the
 * command -> open the transaction -> handler -> commit -> reply.
 *
 * The commands, their arguments and who may call them are the table in
 * include/rect_verbs.h; dispatch.c adds each one's handler.
 *
 * Requests that arrive together are handed over as a batch: read commands
 * each get a read transaction; write commands share one write transaction
 * (group commit), each in its own nested transaction so that one refusal
 * does not undo its neighbours. Replies are final only after the shared
 * transaction committed.
 */
#ifndef RECT_DISPATCH_H
#define RECT_DISPATCH_H

#include <stddef.h>

#include "auth.h"
#include "cmd.h"
#include "rect_cfg.h"
#include "rect_proto.h"
#include "store.h"

typedef struct {
    /* in: frame 1 and the attached frames (borrowed, valid during dispatch_run) */
    const char *req;
    size_t req_len;
    cmd_file files[RECT_MAX_FILES];
    size_t n_files;
    int too_many_files; /* more than RECT_MAX_FILES frames followed */
    int no_delimiter;   /* the empty delimiter frame was missing */
    int may_defer;      /* a long read may be left for dispatch_run_read */
    auth_peer peer;     /* the authenticated connection it came on */
    /* out: the reply (malloc'd, caller frees), or deferred */
    char *reply;
    size_t reply_len;
    /* out: one binary frame sent after the reply (blob_get), when has_data;
     * reply_data malloc'd (NULL for an empty frame), caller frees */
    int has_data;
    char *reply_data;
    size_t reply_data_len;
    int deferred; /* a long read left unanswered: run it with dispatch_run_read */
    /* out, with deferred: the user a gateway's key asks in the name of (a
     * name in cfg, which outlives the request); NULL for a key's own user */
    const char *behalf;
    /* a write left for dispatch_run_writes (its parsed request, owned); NULL once answered */
    json_t *write;
} dispatch_req;

/*
 * Process a batch of n requests. On return every reqs[i].reply is set,
 * except for long reads (ledgers, statistics, audits) of requests with
 * may_defer set: those have deferred set instead.
 */
void dispatch_run(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n);

/*
 * dispatch_run in two halves, so that the answers of the first can be sent
 * before the writes' commit: dispatch_run_reads validates every request and
 * answers refusals and reads (or defers them), leaving each write with
 * reqs[i].write set; dispatch_run_writes then runs those in one
 * transaction and one commit and answers them. Reads see the store as it
 * was before the batch's writes either way.
 */
void dispatch_run_reads(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n);
void dispatch_run_writes(const rect_cfg *cfg, store *st, dispatch_req *reqs, size_t n);

/*
 * Answer one request that dispatch_run deferred, in a read transaction of
 * its own. Safe to call from several threads at once (each its own
 * request) while dispatch_run runs in another.
 */
void dispatch_run_read(const rect_cfg *cfg, store *st, dispatch_req *r);

/*
 * Answer r with the error code, details {"rule": rule} (none when rule is
 * NULL) and message instead (a deferred request rectd has no room for:
 * too_busy); r->reply replaced, caller frees.
 */
void dispatch_refuse(dispatch_req *r, int code, const char *rule, const char *msg);

/*
 * Decode and validate one request without running it (exposed for tests):
 * 0 and the parsed request in *req_out (caller decrefs), or a rect_err with
 * a message in msg.
 */
int dispatch_validate(const rect_cfg *cfg, const dispatch_req *r, json_t **req_out, char *msg, size_t msglen);

/*
 * The handler of a command of include/rect_verbs.h (a rect_verb_id), or
 * NULL for none (exposed for tests: every command has one).
 */
cmd_fn dispatch_handler(int verb);

#endif
