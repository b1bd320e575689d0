/*
 * notify.h - the daily job (digests, escalation) and the delivery of its
 * notices: the outbox in LMDB is the record; the PUB socket is only the
 * doorbell; hooks are retried until delivered or out of retries.
 */
#ifndef RECT_NOTIFY_H
#define RECT_NOTIFY_H

#include <jansson.h>

#include "cmd.h"
#include "rect_cfg.h"
#include "store.h"

/*
 * notify_job, notify_store and notify_brief are daily.c's (the job's
 * texts); the notifier below is notify.c's.
 *
 * Run the job for `day` ("YYYY-MM-DD") inside c->txn: escalate items red
 * for more than notify.escalate_after_days (an `escalate` event each, actor
 * rectd), build one notice per owner, leader and admin (and escalation
 * notices), store them with their pending deliveries, and record the day as
 * done — all in the caller's transaction. A day already done is left alone
 * unless force. *result (new, caller owns): {"day","ran","notices","escalated"}.
 * Returns 0 or rect_err with c->msg set.
 */
int notify_job(cmd_ctx *c, const char *day, int force, json_t **result);

/*
 * Store one notice for user u in c->txn, with its hook deliveries pending:
 * the one writer of the outbox (the daily job and the notices of notice.c).
 * items and reviews (arrays of briefs) are stolen; text is copied; extra
 * (borrowed, may be NULL) adds keys. The notice gets the next id; PUB and
 * hooks deliver it after the commit. 0 or a rect_err (c->msg not set).
 */
int notify_store(cmd_ctx *c, const char *day, const char *kind, const rect_user *u, json_t *items,
                 json_t *reviews, const char *text, const char *subject, json_t *extra);

/*
 * The summary of an item a notice carries (id, ref, title, deadline, light,
 * days_overdue, owner, unit, leader, state), its facts at today (a
 * "YYYY-MM-DD"). New reference, or NULL without memory.
 */
json_t *notify_brief(const rect_cfg *cfg, const json_t *item, const char *today);

typedef struct notifier notifier;

/*
 * The delivery side, driven from the server loop. pub is a bound ZeroMQ PUB
 * socket or NULL. Returns NULL on allocation failure. cfg and st must
 * outlive it.
 */
notifier *notifier_new(const rect_cfg *cfg, store *st, void *pub);

/*
 * One tick: start building today's job in a thread of its own if notify.at
 * has passed and it has not run (this is also the catch-up after a start),
 * or write the job that thread has built (one write transaction); publish
 * notices not yet published, reap finished hooks and record their outcome,
 * start due hook deliveries. Never blocks on a subscriber, a hook or the
 * job's building.
 */
void notifier_tick(notifier *n);

/*
 * Use cfg from now on (SIGHUP: users, roles and calendar may have changed;
 * hooks may not). The old config must stay alive: running hooks use it.
 */
void notifier_set_cfg(notifier *n, const rect_cfg *cfg);

/* Milliseconds the loop may sleep before the next tick is needed. */
int notifier_wait_ms(const notifier *n);

/*
 * Give up a job being built (nothing of it is written; the next start runs
 * the day), stop running hooks (they are retried at the next start) and
 * free. Accepts NULL.
 */
void notifier_destroy(notifier **n_p);

#endif
