/*
 * cmd_ledger.h - the closeout-ledger commands (issue 4; docs/PROTOCOL.md):
 * inspections, the ledger, statistics (cmd_ledger.c); audits of the record,
 * file reuse and reconciliation against another list (cmd_audit.c).
 * Handlers follow cmd.h: they set c->result or fail with cmd_fail().
 */
#ifndef RECT_CMD_LEDGER_H
#define RECT_CMD_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "cmd.h"
#include "replay.h"

int cmd_inspection_add(cmd_ctx *c);    /* write, admin */
int cmd_inspection_update(cmd_ctx *c); /* write, admin: correct title or fed-back counts */
int cmd_inspection_list(cmd_ctx *c);
int cmd_inspection_history(cmd_ctx *c);
int cmd_ledger(cmd_ctx *c);
int cmd_stats(cmd_ctx *c);
int cmd_audit_verify(cmd_ctx *c);
int cmd_audit_anchor(cmd_ctx *c); /* a signed chain head (sign.c) */
int cmd_audit_reuse(cmd_ctx *c);
int cmd_reconcile(cmd_ctx *c);
int cmd_ledger_check(cmd_ctx *c); /* cmd_ledger_check.c: a saved JSON ledger against the record */
int cmd_report(cmd_ctx *c);       /* cmd_report.c: the numbers of the 整改报告 */

/*
 * audit_verify without an anchor, for another command's reply: its result
 * into *out (new; caller owns it), c->result left as it was. 0 or a rect_err
 * with c->msg set.
 */
int audit_chain(cmd_ctx *c, json_t **out);

/* Where a ledger is cut and what it adds (ledger_build). Strings borrowed. */
typedef struct {
    const char *inspection; /* only its items, or NULL */
    const char *as_of;      /* canonical date: the record at the end of that local day; or NULL */
    uint64_t seq;           /* the record right after event seq; 0: as_of, or the head */
    int series;             /* points of the open-items series (series.h), 0 for none */
} ledger_cut;

/*
 * The cutoff of a ledger-like request (command cmd, for the messages) from
 * its args as_of (canonical, into as_of), seq and series, all optional,
 * checked: a date not after today, seq within the log, inspection known.
 * 0 or a refusal with c->msg set.
 */
int ledger_cut_args(cmd_ctx *c, const char *cmd, ledger_cut *cut, char as_of[RECT_DATE_LEN]);

/*
 * Told of each event a ledger replay applies, right after replay_apply
 * (the item as rebuilt after it: replay_item(r, its "item")); ev is
 * borrowed for the call. 0 to go on, or a rect_err with the command's msg set.
 */
typedef int (*ledger_observer)(void *ctx, const replay *r, const json_t *ev);

/* The record at a cut (ledger_replay). */
typedef struct {
    replay *r;                    /* owned by the caller: replay_destroy */
    uint64_t seq;                 /* the last event included (0: none) */
    char hash[65];                /* its hash, hex (the chain head of the cut) */
    char ref_date[RECT_DATE_LEN]; /* "now" of the cut: as_of, the seq's local day, or today */
} ledger_replayed;

/*
 * The same one pass over the event log that ledger_build makes, up to cut
 * (not checked: ledger_cut_args), telling obs (may be NULL) of each event:
 * for other reports of the record at a date. 0 with *out filled, or a
 * rect_err with c->msg set (*out then holds nothing to free).
 */
int ledger_replay(cmd_ctx *c, const ledger_cut *cut, ledger_observer obs, void *obs_ctx,
                  ledger_replayed *out);

/*
 * The ledger at cut, rebuilt from the event log in one replay pass (the
 * `ledger` result, unsigned; with cut->series, also "series"): *out is new
 * (caller owns it). The cut is not checked (cmd_ledger does that). 0, or a
 * rect_err with c->msg set.
 */
int ledger_build(cmd_ctx *c, const ledger_cut *cut, json_t **out);

/*
 * 0 if insp names an inspection (recorded, or the inspection of some item);
 * else RECT_E_UNKNOWN_NAME (or a storage error) with c->msg set.
 */
int ledger_inspection_known(cmd_ctx *c, const char *insp);

/*
 * For `show`: give each file object of files (an array of {"sha256", ...},
 * modified in place) that other items filed too "reused_by": the ids of
 * those OTHER items, ascending (files nobody else filed stay as they are).
 * 0 or a rect_err.
 */
int audit_mark_reuse(store_txn *t, json_t *files, uint64_t item);

#endif
