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

int cmd_inspection_add(cmd_ctx *c);  /* write, admin */
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
