/*
 * cmd_records.h - the records of issue 9: problems not claimed (不认领) and
 * amendments of an item's text.
 */
#ifndef RECT_CMD_RECORDS_H
#define RECT_CMD_RECORDS_H

#include "cmd.h"

/*
 * inspection_decline: record a fed-back problem the town did not claim
 * (source, title, reason) on an inspection's record, or with `withdraw` N
 * withdraw the record's N-th one (1-based, as inspection_list orders
 * them; the reason says why). An item-0 event ("decline" or
 * "withdraw_decline") with changes {"name": [N, N], "declined": [old, new]}
 * is written with the record in one transaction.
 */
int cmd_inspection_decline(cmd_ctx *c);

/*
 * amend: an admin's correction of an item's title, description or
 * measures, with a reason: an "amend" event whose changes hold old → new of
 * each field that differs; refused when none would change.
 */
int cmd_amend(cmd_ctx *c);

/*
 * One decline as import records it (a row with 认领 = 否): the event and the
 * record as inspection_decline writes them; ref ("" or NULL: none) is kept
 * in the entry. 0 (c->result replaced) or a refusal with c->msg set.
 */
int records_decline(cmd_ctx *c, const char *inspection, const char *source, const char *title,
                    const char *reason, const char *ref);

/*
 * A problem is claimed or not claimed, never both: 0, or a refusal
 * (bad_value, c->msg set) when inspection records source (an id or name)
 * and title as not claimed. For a claim (add, import) and amend's new
 * title; the decline's own half is in inspection_decline.
 */
int records_not_declined(cmd_ctx *c, const char *inspection, const char *source, const char *title);

#endif
