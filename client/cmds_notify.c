/*
 * cmds_notify.c - rectctl inbox, ack, watch and notify run: the notices of
 * the daily job as a user sees them. The table entries are in cmds.c.
 */
#include "cmds_notify.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "conn.h"
#include "i18n.h"
#include "rect_text.h"
#include "render.h"

static const char *s_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "-";
}

static const char *s_kind_label(const char *kind)
{
    if (strcmp(kind, "owner") == 0)
        return _("digest");
    if (strcmp(kind, "leader") == 0)
        return _("leader digest");
    if (strcmp(kind, "admin") == 0)
        return _("daily summary");
    if (strcmp(kind, "escalation") == 0)
        return _("escalation");
    return kind;
}

/* One notice: a header line, then its text indented. */
static void s_print_notice(const json_t *n)
{
    printf("#%lld  %s  %s%s  %s\n", (long long)json_integer_value(json_object_get(n, "id")), s_str(n, "day"),
           s_kind_label(s_str(n, "kind")), json_is_true(json_object_get(n, "read")) ? _(" (read)") : "",
           s_str(n, "subject"));
    const char *text = s_str(n, "text");
    while (*text) {
        size_t len = strcspn(text, "\n");
        printf("    %.*s\n", (int)len, text);
        text += len + (text[len] == '\n');
    }
}

/* ---- inbox ------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_nt_inbox_opts[] = {
    {.name = "all", .arg = CLI_ARG(INBOX, all), .help = N_("also the notices already read")},
    {.name = "limit", .arg = CLI_ARG(INBOX, limit), .metavar = NC_("placeholder", "N"),
     .help = N_("one page of at most N notices (up to 10000); where the next begins goes to stderr")},
    {.name = "after", .arg = CLI_ARG(INBOX, after), .metavar = NC_("placeholder", "CURSOR"),
     .help = N_("the page that follows CURSOR, where the page before said the next begins")},
    {.name = NULL},
};
/* clang-format on */

void cli_nt_inbox_page(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg)
{
    json_t *notices = json_object_get(result, "notices");
    size_t n = json_array_size(notices);
    for (size_t i = 0; i < n; i++) {
        if (pg->before + i)
            fputc('\n', stdout);
        s_print_notice(json_array_get(notices, i));
    }
    if (pg->last && pg->before + n == 0)
        printf(_("no notices\n"));
}

/* ---- ack ---------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_nt_no_opts[] = {
    {.name = NULL},
};
/* clang-format on */

int cli_nt_ack_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    long long id;
    if (text_whole(a->pos[0], 1, &id) != 0) {
        cli_error(_("ack: \"%s\" is not a notice number (rectctl inbox shows them)"), a->pos[0]);
        return RECT_EXIT_USAGE;
    }
    json_object_set_new(req->args, "id", json_integer(id));
    return RECT_EXIT_OK;
}

void cli_nt_ack_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *n = json_object_get(result, "notice");
    printf(_("notice #%lld marked read\n"), (long long)json_integer_value(json_object_get(n, "id")));
}

/* ---- notify run ----------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_nt_run_opts[] = {
    {.name = "as-of", .arg = CLI_ARG(NOTIFY_RUN, as_of), .metavar = NC_("placeholder", "DATE"),
     .help = N_("run the job of this day (default: today in the zone)")},
    {.name = "force", .arg = CLI_ARG(NOTIFY_RUN, force),
     .help = N_("run it again even if that day is done")},
    {.name = NULL},
};
/* clang-format on */

void cli_nt_run_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    if (json_is_true(json_object_get(result, "ran")))
        printf(_("daily job for %s: %lld notices, %lld items escalated\n"), s_str(result, "day"),
               (long long)json_integer_value(json_object_get(result, "notices")),
               (long long)json_integer_value(json_object_get(result, "escalated")));
    else
        printf(_("daily job for %s already done (through %s); nothing sent. Use --force to run it again.\n"),
               s_str(result, "day"), s_str(result, "done_through"));
}

/* ---- watch -------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_nt_watch_opts[] = {
    {.name = "since", .metavar = NC_("placeholder", "N"),
     .help = N_("first replay your notices after number N (default 0: all)")},
    {.name = NULL},
};
/* clang-format on */

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* Print a notice once: ids at or below *last were shown already. */
static void s_show(const cli_ctx *ctx, const json_t *n, long long *last)
{
    long long id = json_integer_value(json_object_get(n, "id"));
    if (id <= *last)
        return;
    *last = id;
    if (ctx->g.json) {
        char *text = json_dumps(n, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (text)
            printf("%s\n", text);
        free(text);
    } else {
        s_print_notice(n);
        fputc('\n', stdout);
    }
    fflush(stdout);
}

/*
 * Ask the outbox for what came after *last and print it: page after page
 * (each asked since the last id shown), until a page says none follows.
 */
static int s_catch_up(const cli_ctx *ctx, conn_t *conn, long long *last)
{
    for (;;) {
        json_t *res;
        long long before = *last;
        int rc = cli_call(ctx, conn, "inbox", json_pack("{sI}", "since", (json_int_t)*last), &res);
        if (rc)
            return rc;
        json_t *notices = json_object_get(res, "notices");
        for (size_t i = 0; i < json_array_size(notices); i++)
            s_show(ctx, json_array_get(notices, i), last);
        /* A page that moved nothing on cannot be followed by another (rectd's next is its last id). */
        int more = json_is_string(json_object_get(res, "next")) && *last > before;
        json_decref(res);
        if (!more)
            return RECT_EXIT_OK;
    }
}

/*
 * Subscribe first, then replay from the outbox, then print what the doorbell
 * brings. PUB drops messages for late or slow subscribers, so every few
 * seconds (and once right after subscribing, which takes a moment to reach
 * rectd) the outbox is asked again: nothing is missed, nothing shown twice.
 */
int cli_nt_watch_run(const cli_ctx *ctx, const cli_args *a)
{
    int idx = cli_opt_index(cli_command_find("watch"), "since");
    const char *since = idx >= 0 ? a->val[idx] : NULL;
    long long last = 0;
    if (since) {
        if (text_whole(since, 0, &last) != 0) {
            cli_error(_("watch: --since takes a notice number (0 or more), not \"%s\""), since);
            return RECT_EXIT_USAGE;
        }
    }
    conn_t *conn = cli_connect(ctx, 0);
    if (!conn)
        return RECT_EXIT_USAGE;
    void *zctx = NULL, *sub = NULL;
    json_t *ping = NULL;
    int rc = cli_call(ctx, conn, "ping", NULL, &ping);
    if (rc)
        goto done;
    const char *pub = json_string_value(json_object_get(ping, "pub_endpoint"));
    if (!pub) {
        cli_error(_("rectd at %s publishes no notices (notify.pub_endpoint is not set); "
                    "use rectctl inbox instead"),
                  ctx->conf->endpoint);
        rc = RECT_EXIT_REFUSED;
        goto done;
    }
    zctx = zmq_ctx_new();
    sub = zctx ? zmq_socket(zctx, ZMQ_SUB) : NULL;
    int linger = 0;
    if (!sub || zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, ctx->user_name, strlen(ctx->user_name)) != 0 ||
        zmq_setsockopt(sub, ZMQ_CURVE_SERVERKEY, ctx->server_key, RECT_Z85_LEN) != 0 ||
        zmq_setsockopt(sub, ZMQ_CURVE_PUBLICKEY, ctx->key.public_z85, RECT_Z85_LEN) != 0 ||
        zmq_setsockopt(sub, ZMQ_CURVE_SECRETKEY, ctx->key.secret_z85, RECT_Z85_LEN) != 0 ||
        zmq_connect(sub, pub) != 0) {
        cli_error(_("cannot subscribe to %s: %s"), pub, zmq_strerror(errno));
        rc = RECT_EXIT_UNREACHABLE;
        goto done;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if ((rc = s_catch_up(ctx, conn, &last)))
        goto done;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double next_catch_up = t0.tv_sec + t0.tv_nsec / 1e9 + 0.3;
    while (!s_stop) {
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 250);
        if (n < 0 && errno != EINTR) {
            cli_error(_("watch: %s"), zmq_strerror(errno));
            rc = RECT_EXIT_UNREACHABLE;
            goto done;
        }
        while (n > 0) {
            char topic[256];
            int tl = zmq_recv(sub, topic, sizeof topic - 1, ZMQ_DONTWAIT);
            if (tl < 0)
                break;
            zmq_msg_t body;
            zmq_msg_init(&body);
            int more = 0;
            size_t ml = sizeof more;
            zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml);
            if (more && zmq_msg_recv(&body, sub, 0) >= 0 && (size_t)tl < sizeof topic &&
                (size_t)tl == strlen(ctx->user_name) && memcmp(topic, ctx->user_name, (size_t)tl) == 0) {
                /* a topic is a prefix filter: "li" would also get "liming" — hence the exact check */
                json_t *notice = json_loadb(zmq_msg_data(&body), zmq_msg_size(&body), 0, NULL);
                if (notice)
                    s_show(ctx, notice, &last);
                json_decref(notice);
            }
            zmq_msg_close(&body);
        }
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double now = t.tv_sec + t.tv_nsec / 1e9;
        if (!s_stop && now >= next_catch_up) {
            if ((rc = s_catch_up(ctx, conn, &last)))
                goto done;
            next_catch_up = now + 5;
        }
    }
    rc = RECT_EXIT_OK;
done:
    json_decref(ping);
    if (sub)
        zmq_close(sub);
    if (zctx)
        zmq_ctx_term(zctx);
    conn_destroy(&conn);
    return rc;
}
