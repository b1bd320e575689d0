/*
 * notice.h - notices at once when something happens to you: assigned to
 * you, sent back to you, waiting for your acceptance, waiting for your
 * 销号, your extension decided, urged. Written into the outbox
 * (notify_store) in the same transaction as the event that causes them, so
 * a crash can neither lose nor duplicate one; PUB and hooks deliver them
 * like the daily digests.
 */
#ifndef RECT_NOTICE_H
#define RECT_NOTICE_H

#include <jansson.h>

#include "cmd.h"
#include "rect_proto.h"

/*
 * After item_apply recorded action a (event c->seq) on an item: before is
 * the item as it was (NULL for a claim), after as it is now (both
 * borrowed), ev the event as recorded (borrowed). Stores one notice per recipient the action concerns, never to
 * c->actor: the owner and leader of an assignment or an urge, the owner of
 * a rejection, the requester of a decided extension, and those the rule
 * book lets verify (after the round's first evidence) or close (after a
 * pass). Other actions store nothing. 0 or a rect_err (c->msg not set).
 */
int notice_event(cmd_ctx *c, rect_action a, const json_t *before, const json_t *after, const json_t *ev);

#endif
