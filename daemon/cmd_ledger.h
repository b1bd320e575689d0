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
