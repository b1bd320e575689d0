/*
 * notify.c - the notifier: the daily job driven from the loop's tick, and
 * the delivery of the outbox's notices (see notify.h).
 *
 * The job (daily.c) is built from a read snapshot by a thread of its own
 * while the loop answers requests, then written by the loop in one write
 * transaction (s_job_commit), which checks job_day and what changed since
 * the snapshot again. Delivery is at-least-once per hook: a hook that was
 * running when rectd stopped is run again at the next start.
 */
#include "notify.h"
#include "server.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "daily.h"
#include "fault.h"
#include "hooks.h"
#include "log.h"
#include "rect_proto.h"

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- the daily job off the loop ------------------------------------------- */

/*
 * The job being built: one at a time, by a thread of its own in a read
 * transaction, while the loop answers requests; the loop commits its plan
 * (s_job_commit). `running` is the loop's alone; the builder writes plan and
 * rc, then sets finished; pthread_join orders them before the loop reads.
 */
typedef struct {
    pthread_t thread;
    int running;         /* started and not joined (the loop's) */
    atomic_int finished; /* the plan is ready, or rc says why not */
    atomic_int cancel;   /* rectd is stopping: give up (nothing is written) */
    store *st;
    const char *hold; /* RECTD_TEST_JOB_HOLD (a test facility), or NULL */
    daily_plan *plan; /* NULL when none */
    int rc;
    double started, built; /* s_mono(): for the log */
} s_builder;

struct notifier {
    const rect_cfg *cfg;
    store *st;
    void *pub;
    hooks *hooks;
    uint64_t published;           /* notices up to this id have been published */
    char done_day[RECT_DATE_LEN]; /* the job is known to have run through this day */
    time_t retry_at;              /* after a failed job: not before this instant */
    s_builder b;
};

/*
 * The test facility RECTD_TEST_JOB_HOLD=PATH: once the plan is built, say
 * so in PATH.built (the day, written whole by a rename) and wait while PATH
 * exists, so a test can act between the snapshot and the commit.
 */
static void s_hold(s_builder *b)
{
    char path[4096], tmp[4120];
    if (!b->hold || snprintf(path, sizeof path, "%s.built", b->hold) >= (int)sizeof path)
        return;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* a file of its own, never through what another user left at tmp (PATH may be in /tmp) */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !f)
        close(fd);
    if (f) {
        fprintf(f, "%s\n", daily_plan_day(b->plan));
        if (fclose(f) == 0)
            rename(tmp, path);
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    while (!atomic_load(&b->cancel) && access(b->hold, F_OK) == 0)
        nanosleep(&ts, NULL);
}

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *s_builder_run(void *arg)
{
    s_builder *b = arg;
    store_txn *t;
    b->rc = store_begin(b->st, 0, NULL, &t);
    if (b->rc == 0) {
        b->rc = daily_build(b->plan, t, &b->cancel);
        store_abort(&t);
    }
    b->built = s_mono();
    s_hold(b);
    atomic_store(&b->finished, 1);
    return NULL;
}

/* Start building day's job with cfg: 0, or -1 (no thread). */
static int s_builder_start(s_builder *b, const rect_cfg *cfg, const char *day)
{
    char now_text[RECT_INSTANT_LEN];
    instant_format(rect_now(), now_text);
    daily_plan_destroy(&b->plan);
    if (!(b->plan = daily_plan_new(cfg, day, now_text)))
        return -1;
    b->rc = 0;
    b->started = b->built = s_mono();
    atomic_store(&b->finished, 0);
    atomic_store(&b->cancel, 0);
    /* Stop signals stay the loop's, so that they interrupt its zmq_poll at once. */
    sigset_t oldmask;
    server_block_stop_signals(&oldmask);
    int rc = pthread_create(&b->thread, NULL, s_builder_run, b);
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (rc != 0)
        return -1;
    b->running = 1;
    return 0;
}

/* Wait for the builder (told to give up if cancel) and take its thread back. */
static void s_builder_join(s_builder *b, int cancel)
{
    if (!b->running)
        return;
    if (cancel)
        atomic_store(&b->cancel, 1);
    pthread_join(b->thread, NULL);
    b->running = 0;
}

/* ---- delivery ------------------------------------------------------------ */

static int s_max_id_cb(store_txn *t, uint64_t id, void *ctx)
{
    (void)t;
    *(uint64_t *)ctx = id;
    return 0;
}

notifier *notifier_new(const rect_cfg *cfg, store *st, void *pub)
{
    notifier *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->cfg = cfg;
    n->st = st;
    n->pub = pub;
    n->b.st = st;
    n->b.hold = getenv("RECTD_TEST_JOB_HOLD");
    if (n->b.hold && !n->b.hold[0])
        n->b.hold = NULL;
    if (n->b.hold)
        log_msg(LOG_LEVEL_WARNING,
                "RECTD_TEST_JOB_HOLD is set (a test facility): the daily job waits while %s exists",
                n->b.hold);
    if (!(n->hooks = hooks_new(cfg, cfg->data_dir))) {
        free(n);
        return NULL;
    }
    /* Ring no doorbell for what was already in the outbox: subscribers replay it from inbox. */
    store_txn *t;
    if (store_begin(st, 0, NULL, &t) == 0) {
        store_notices_after(t, NULL, 0, s_max_id_cb, &n->published);
        store_abort(&t);
    }
    return n;
}

void notifier_set_cfg(notifier *n, const rect_cfg *cfg)
{
    n->cfg = cfg; /* the hooks keep theirs: hooks are restart-only settings */
}

void notifier_destroy(notifier **n_p)
{
    if (!n_p || !*n_p)
        return;
    /* A job being built is given up: nothing of it was written, the next start runs the day. */
    s_builder_join(&(*n_p)->b, 1);
    daily_plan_destroy(&(*n_p)->b.plan);
    hooks_destroy(&(*n_p)->hooks);
    free(*n_p);
    *n_p = NULL;
}

/* A context like a request's, acting as rectd itself. */
static void s_system_ctx(const rect_cfg *cfg, cmd_ctx *c, store_txn *t)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->actor = daily_actor();
    c->txn = t;
    c->now = rect_now();
    instant_format(c->now, c->now_text);
}

/*
 * The builder has finished: write its plan in one short write transaction
 * that first reads job_day again (notify_run may have done the day since
 * the snapshot: then nothing is written), then daily_write (which checks the
 * candidates again if the record moved) and job_day, committed together.
 */
static void s_job_commit(notifier *n)
{
    s_builder *b = &n->b;
    daily_plan *p = b->plan;
    const char *day = daily_plan_day(p);
    char done[RECT_DATE_LEN + 8] = "";
    cmd_ctx c;
    json_int_t escalated = 0;
    int notices = 0, rc = b->rc;
    s_builder_join(b, 0);
    double t0 = s_mono();
    memset(&c, 0, sizeof c);
    store_txn *t = NULL;
    if (rc == 0 && (rc = store_begin(n->st, 1, NULL, &t)) == 0) {
        /* the plan's config throughout: its users are the ones its notices name */
        s_system_ctx(daily_plan_cfg(p), &c, t);
        rc = daily_day_done(t, day, done, sizeof done);
        if (rc == 1) {
            store_abort(&t);
            snprintf(n->done_day, sizeof n->done_day, "%.10s", done);
            log_msg(LOG_LEVEL_INFO,
                    "daily job %s: already done (through %s) when it was built; nothing written", day, done);
            daily_plan_destroy(&b->plan);
            return;
        }
        json_t *res = NULL;
        if (rc == 0 && (rc = daily_write(&c, p, &notices, &escalated)) == 0 &&
            (rc = daily_finish(&c, day, done, notices, escalated, &res)) == 0)
            rc = store_commit(&t);
        else
            store_abort(&t);
        json_decref(res);
    }
    time_t now = rect_now();
    if (rc) {
        n->retry_at = now + 60; /* say it once a minute, not at every tick */
        log_msg(LOG_LEVEL_ERROR,
                "daily job for %s failed: %s%s%s; nothing was recorded, retrying in a minute", day,
                rect_err_name(rc), c.msg[0] ? ": " : "", c.msg);
    } else {
        long missed = done[0] ? date_days(day) - date_days(done) - 1 : 0;
        if (missed > 0)
            log_msg(LOG_LEVEL_NOTICE,
                    "the daily jobs of %ld day(s) after %s were missed while rectd was down; ran %s's",
                    missed, done, day);
        snprintf(n->done_day, sizeof n->done_day, "%s", day);
        log_msg(LOG_LEVEL_INFO,
                "daily job %s (at %s): %d notices, %lld escalated; built in %.3f s off the loop, written in "
                "%.3f s",
                day, c.now_text, notices, (long long)escalated, b->built - b->started, s_mono() - t0);
    }
    daily_plan_destroy(&b->plan);
    server_give_back(); /* the plan was built in the builder's arena */
}

/*
 * Run the job of the last day whose notify.at has passed, if that day is not
 * done: today after notify.at; before it, yesterday — so a rectd that was
 * down over notify.at (even across midnight) still sends that day's
 * notices when it comes back. Days further back are not run (their digests
 * would be stale); the log says they were missed. A database whose job never
 * ran waits for today's notify.at. The job is built off the loop
 * (s_builder) and committed at the first tick after it is ready.
 */
static void s_maybe_run_job(notifier *n)
{
    if (n->b.running) {
        if (atomic_load(&n->b.finished))
            s_job_commit(n);
        return;
    }
    time_t now = rect_now();
    struct tm tm;
    char today[RECT_DATE_LEN], day[RECT_DATE_LEN], done[RECT_DATE_LEN + 8];
    if (now < n->retry_at || instant_local_tm(now, n->cfg->timezone, &tm) != 0)
        return;
    int passed = tm.tm_hour * 60 + tm.tm_min >= n->cfg->notify_hour * 60 + n->cfg->notify_minute;
    date_today(now, n->cfg->timezone, today);
    if (passed)
        memcpy(day, today, sizeof day);
    else if (date_from_days(date_days(today) - 1, day) != 0)
        return;
    if (strcmp(day, n->done_day) <= 0)
        return; /* known done: no transaction at every tick */
    store_txn *t;
    if (store_begin(n->st, 0, NULL, &t) != 0)
        return;
    int rc = daily_day_done(t, day, done, sizeof done);
    store_abort(&t);
    if (rc < 0)
        return;
    if (rc == 1 || (!done[0] && !passed)) {
        snprintf(n->done_day, sizeof n->done_day, "%.10s", done[0] ? done : "");
        return;
    }
    if (s_builder_start(&n->b, n->cfg, day) != 0) {
        n->retry_at = now + 60;
        log_msg(LOG_LEVEL_ERROR, "daily job for %s: cannot start a thread to build it; retrying in a minute",
                day);
    }
}

typedef struct {
    notifier *n;
} s_pub_ctx;

/*
 * The recipient of a stored notice, from its bytes: in compact JSON an
 * unescaped ,"recipient":" is a key, and rectd writes the notice's own
 * before its items. 0, or -1 (not found, escaped, too long: parse it).
 */
static int s_raw_recipient(const char *data, size_t len, char *out, size_t outlen)
{
    static const char key[] = ",\"recipient\":\"";
    const char *end = data + len, *p = data;
    while ((p = memchr(p, ',', (size_t)(end - p))) && (size_t)(end - p) >= sizeof key - 1 &&
           memcmp(p, key, sizeof key - 1) != 0)
        p++;
    if (!p || (size_t)(end - p) < sizeof key - 1)
        return -1;
    p += sizeof key - 1;
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q || (size_t)(q - p) >= outlen || memchr(p, '\\', (size_t)(q - p)))
        return -1;
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = 0;
    return 0;
}

static int s_publish_cb(store_txn *t, uint64_t id, void *ctx)
{
    notifier *n = ((s_pub_ctx *)ctx)->n;
    const char *data;
    size_t len;
    char to[512];
    /* The doorbell carries the notice as stored: no parse, no dump (a day's can be megabytes). */
    if (store_notice_raw(t, id, &data, &len) == 0) {
        json_t *notice = NULL;
        if (s_raw_recipient(data, len, to, sizeof to) != 0) {
            to[0] = 0;
            if (store_notice_get(t, id, &notice) == 0 && s_str(notice, "recipient"))
                snprintf(to, sizeof to, "%s", s_str(notice, "recipient"));
            json_decref(notice);
        }
        /* A doorbell: a slow or absent subscriber never blocks us (DONTWAIT, drops at HWM). */
        if (to[0] && zmq_send(n->pub, to, strlen(to), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            zmq_send(n->pub, data, len, ZMQ_DONTWAIT);
    }
    n->published = id;
    return 0;
}

static void s_publish_new(notifier *n)
{
    store_txn *t;
    if (!n->pub)
        return; /* nothing to ring: subscribers need a pub_endpoint */
    if (store_begin(n->st, 0, NULL, &t) != 0)
        return;
    s_pub_ctx pc = {n};
    store_notices_after(t, NULL, n->published, s_publish_cb, &pc);
    store_abort(&t);
}

/* The notice as a hook sees it: without rectd's delivery bookkeeping. */
static char *s_hook_json(const json_t *notice)
{
    json_t *copy = json_deep_copy(notice);
    if (!copy)
        return NULL;
    json_object_del(copy, "delivery");
    json_object_del(copy, "read");
    char *text = fault_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    return text;
}

/* Set key of a hook's delivery state; none (a notice without one) is no failure. */
static void s_set(json_t *st, const char *key, json_t *v, int *bad)
{
    if (!st)
        json_decref(v);
    else if (json_object_set_new(st, key, v))
        *bad = 1;
}

/* Record one attempt's outcome in the notice; retry later with back-off, or give up. */
static void s_record(notifier *n, uint64_t id, uint32_t hook, int ok, const char *error)
{
    store_txn *t;
    json_t *notice;
    if (hook >= n->cfg->n_hooks || store_begin(n->st, 1, NULL, &t) != 0)
        return;
    int rc = store_notice_get(t, id, &notice);
    if (rc == RECT_E_NOMEM) { /* the delivery stays pending and is recorded next time */
        store_abort(&t);
        return;
    }
    if (rc) { /* gone or unreadable: nothing left to deliver */
        if (store_pending_set(t, id, hook, 0) == 0)
            store_commit(&t);
        else
            store_abort(&t);
        return;
    }
    const rect_hook *hk = &n->cfg->hooks[hook];
    json_t *states = json_object_get(json_object_get(notice, "delivery"), "hooks");
    json_t *st = json_object_get(states, hk->name);
    int bad = 0;
    if (!st && states) {
        st = json_object();
        bad |= json_object_set_new(states, hk->name, st);
    }
    json_int_t attempts = json_integer_value(json_object_get(st, "attempts")) + 1;
    time_t now = rect_now();
    char when[RECT_INSTANT_LEN];
    s_set(st, "attempts", json_integer(attempts), &bad);
    s_set(st, "last_error", error ? json_string(error) : json_null(), &bad);
    int finished = 1;
    if (ok) {
        s_set(st, "state", json_string("delivered"), &bad);
        s_set(st, "next_attempt", json_null(), &bad);
        instant_format(now, when);
        s_set(st, "delivered_at", json_string(when), &bad);
    } else if ((uint64_t)attempts > hk->retries) {
        s_set(st, "state", json_string("failed"), &bad);
        s_set(st, "next_attempt", json_null(), &bad);
    } else {
        /* Back-off on rectd's clock: 1, 2, 4 … minutes, at most an hour. */
        long delay = 60L << (attempts - 1 < 6 ? attempts - 1 : 6);
        if (delay > 3600)
            delay = 3600;
        instant_format(now + delay, when);
        s_set(st, "state", json_string("pending"), &bad);
        s_set(st, "next_attempt", json_string(when), &bad);
        finished = 0;
    }
    /* a state recorded in part is not recorded: the delivery stays pending */
    rc = bad ? RECT_E_NOMEM : store_notice_put(t, notice);
    if (rc == 0 && finished)
        rc = store_pending_set(t, id, hook, 0);
    if (rc == 0)
        rc = store_commit(&t);
    else
        store_abort(&t);
    if (rc)
        log_msg(LOG_LEVEL_ERROR, "cannot record delivery of notice %llu to hook %s: %s",
                (unsigned long long)id, hk->name, rect_err_name(rc));
    if (!ok)
        log_msg(LOG_LEVEL_WARNING, "hook %s for notice %llu: %s (attempt %lld)", hk->name,
                (unsigned long long)id, error ? error : "failed", (long long)attempts);
    json_decref(notice);
}

static void s_done_cb(uint64_t notice, uint32_t hook, int ok, const char *error, void *ctx)
{
    s_record(ctx, notice, hook, ok, error);
}

typedef struct {
    notifier *n;
    time_t now;
    struct {
        uint64_t notice;
        uint32_t hook;
    } due[HOOKS_MAX_RUNNING];
    int n_due;
} s_due_ctx;

static int s_due_cb(store_txn *t, uint64_t id, uint32_t hook, void *ctx)
{
    s_due_ctx *d = ctx;
    if (d->n_due + hooks_busy(d->n->hooks) >= HOOKS_MAX_RUNNING)
        return 1;
    if (hook >= d->n->cfg->n_hooks || hooks_running(d->n->hooks, id, hook))
        return 0;
    json_t *notice;
    if (store_notice_get(t, id, &notice) != 0)
        return 0;
    json_t *st = json_object_get(json_object_get(json_object_get(notice, "delivery"), "hooks"),
                                 d->n->cfg->hooks[hook].name);
    time_t next = 0;
    const char *at = s_str(st, "next_attempt");
    if (!at || instant_parse(at, &next) != 0 || next <= d->now) {
        d->due[d->n_due].notice = id;
        d->due[d->n_due++].hook = hook;
    }
    json_decref(notice);
    return 0;
}

/* Start the deliveries whose time has come (as many as there are free slots). */
static void s_start_due(notifier *n)
{
    s_due_ctx d = {n, rect_now(), {{0, 0}}, 0};
    store_txn *t;
    if (store_begin(n->st, 0, NULL, &t) != 0)
        return;
    store_pending_scan(t, s_due_cb, &d);
    char *texts[HOOKS_MAX_RUNNING] = {0};
    for (int i = 0; i < d.n_due; i++) {
        json_t *notice;
        if (store_notice_get(t, d.due[i].notice, &notice) == 0) {
            texts[i] = s_hook_json(notice);
            json_decref(notice);
        }
    }
    store_abort(&t);
    for (int i = 0; i < d.n_due; i++) {
        char err[256];
        if (!texts[i] ||
            hooks_start(n->hooks, d.due[i].notice, d.due[i].hook, texts[i], err, sizeof err) != 0)
            s_record(n, d.due[i].notice, d.due[i].hook, 0, texts[i] ? err : "out of memory");
        free(texts[i]);
    }
}

void notifier_tick(notifier *n)
{
    s_maybe_run_job(n);
    s_publish_new(n);
    hooks_poll(n->hooks, s_done_cb, n);
    if (n->cfg->n_hooks)
        s_start_due(n);
}

int notifier_wait_ms(const notifier *n)
{
    /* a job being built is committed soon after it is ready */
    return n->b.running ? 20 : hooks_busy(n->hooks) ? 100 : 1000;
}
