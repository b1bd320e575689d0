/*
 * daily.h - the daily job: its digests, escalation notices and escalations,
 * as a plan built from a read snapshot and written in one write
 * transaction. notify.c's notifier builds it off the loop and writes it at
 * a tick; notify_job (notify.h) does both for notify_run.
 */
#ifndef RECT_DAILY_H
#define RECT_DAILY_H

#include <jansson.h>
#include <stdatomic.h>

#include "cmd.h"
#include "rect_cfg.h"
#include "store.h"

typedef struct daily_plan daily_plan;

/*
 * A new, empty plan for day ("YYYY-MM-DD") with cfg (which must outlive
 * it; its users are the ones the notices name), its notices created at
 * now_text. NULL without memory. Free with daily_plan_destroy (NULL ok).
 */
daily_plan *daily_plan_new(const rect_cfg *cfg, const char *day, const char *now_text);
void daily_plan_destroy(daily_plan **p_p);
/* The plan's day and config (borrowed, as long as the plan). */
const char *daily_plan_day(const daily_plan *p);
const rect_cfg *daily_plan_cfg(const daily_plan *p);

/* The user rectd acts as for its own events (escalation). Static. */
const rect_user *daily_actor(void);

/*
 * Build the plan from the snapshot t (any thread; t is only read): the
 * candidates for escalation, every digest and escalation notice, serialised.
 * cancel (may be NULL) stops it early (RECT_E_INTERNAL) when set. 0 or
 * rect_err.
 */
int daily_build(daily_plan *p, store_txn *t, const atomic_int *cancel);

/*
 * Write a built plan in the write transaction c->txn (the loop): the
 * escalations through item_apply (a candidate an event touched since the
 * snapshot is checked again first), the notices with their pending
 * deliveries. *notices and *escalated: what was written. job_day is not
 * touched (daily_day_done before, daily_finish after). 0 or rect_err.
 */
int daily_write(cmd_ctx *c, daily_plan *p, int *notices, json_int_t *escalated);

/* job_day into done (RECT_DATE_LEN + 8 bytes): 1 if day is done, 0 if not, or rect_err. */
int daily_day_done(store_txn *t, const char *day, char *done, size_t len);

/*
 * Mark day done in c->txn (unless done, job_day as read, is later) and make
 * *result {"day","ran":true,"notices","escalated"} (new). 0 or rect_err.
 */
int daily_finish(cmd_ctx *c, const char *day, const char *done, int notices, json_int_t escalated,
                 json_t **result);

#endif
