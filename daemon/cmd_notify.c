/*
 * cmd_notify.c - the outbox as users see it: inbox, ack, and notify_run
 * (the daily job by hand).
 */
#include <string.h>

#include "calendar.h"
#include "cmd.h"
#include "notify.h"
#include "page.h"
#include "rect_proto.h"

typedef struct {
    int all;
    size_t limit; /* notices per page (page_limit) */
    size_t bytes; /* of the page's notices as stored */
    json_t *out;
    int more; /* a match beyond the page: there is a next one */
} s_inbox;

/*
 * One notice of the user's, in id order: kept, passed over (read), or the
 * page is full (1: stop): limit notices, or PAGE_MAX_BYTES of them.
 */
static int s_inbox_cb(store_txn *t, uint64_t id, void *ctx)
{
    s_inbox *in = ctx;
    size_t len;
    json_t *n;
    int rc = store_notice_get_sized(t, id, &n, &len);
    if (rc)
        return rc;
    if (!in->all && json_is_true(json_object_get(n, "read"))) {
        json_decref(n);
        return 0;
    }
    size_t have = json_array_size(in->out);
    if (have == in->limit || (have && in->bytes + len > PAGE_MAX_BYTES)) {
        json_decref(n);
        in->more = 1;
        return 1;
    }
    in->bytes += len;
    return json_array_append_new(in->out, n) ? RECT_E_NOMEM : 0;
}

int cmd_inbox(cmd_ctx *c)
{
    json_t *since = json_object_get(c->args, "since");
    if (since && json_integer_value(since) < 0)
        return cmd_fail(c, RECT_E_BAD_VALUE, "inbox: since must be 0 or more");
    uint64_t after;
    /* since asks for everything after a point (watch replays from it), read or not */
    s_inbox in = {.all = json_is_true(json_object_get(c->args, "all")) || since};
    int rc;
    if ((rc = page_limit(c, &in.limit)) || (rc = page_after_id(c, "a notice id", &after)))
        return rc;
    /* since and after both mean "ids greater than": the page goes on after the larger */
    if (since && (uint64_t)json_integer_value(since) > after)
        after = (uint64_t)json_integer_value(since);
    if (!(in.out = json_array()))
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    rc = store_notices_after(c->txn, c->actor->name, after, s_inbox_cb, &in);
    if (rc) {
        json_decref(in.out);
        return cmd_fail(c, rc, "cannot read the inbox");
    }
    c->result = json_pack("{so}", "notices", in.out);
    if (c->result && in.more) {
        const json_t *last = json_array_get(in.out, json_array_size(in.out) - 1);
        if (json_object_set_new(c->result, "next",
                                page_next_id((uint64_t)json_integer_value(json_object_get(last, "id"))))) {
            json_decref(c->result);
            c->result = NULL;
        }
    }
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_ack(cmd_ctx *c)
{
    json_int_t id = json_integer_value(json_object_get(c->args, "id"));
    json_t *n;
    int rc = id > 0 ? store_notice_get(c->txn, (uint64_t)id, &n) : RECT_E_NOT_FOUND;
    if (rc == 0 && strcmp(json_string_value(json_object_get(n, "recipient")), c->actor->name) != 0) {
        json_decref(n);
        rc = RECT_E_NOT_FOUND; /* another user's notice is not in your inbox */
    }
    if (rc == RECT_E_NOT_FOUND)
        return cmd_fail(c, rc, "no notice %lld in %s's inbox (rectctl inbox --all lists them)", (long long)id,
                        c->actor->name);
    if (rc)
        return cmd_fail(c, rc, "cannot read notice %lld", (long long)id);
    if (json_object_set_new(n, "read", json_true())) {
        json_decref(n);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    if ((rc = store_notice_put(c->txn, n))) {
        json_decref(n);
        return cmd_fail(c, rc, "cannot mark notice %lld read", (long long)id);
    }
    c->result = json_pack("{so}", "notice", n);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_notify_run(cmd_ctx *c)
{
    /* admin only: the command table says so */
    char day[RECT_DATE_LEN];
    const char *as_of = cmd_str(c, "as_of");
    char today[RECT_DATE_LEN];
    cal_today(c->cfg, c->now, today);
    if (as_of) {
        if (date_parse(as_of, day) != 0)
            return cmd_fail(c, RECT_E_BAD_DATE, "as_of: \"%s\" is not a date (use 2026-12-31)", as_of);
        /* A day to come would escalate what is not late yet and mark real days done. */
        if (strcmp(day, today) > 0)
            return cmd_fail(c, RECT_E_BAD_VALUE,
                            "as_of: %s is after today (%s in %s): the job runs for today or a past day", day,
                            today, c->cfg->timezone);
    } else {
        memcpy(day, today, sizeof day);
    }
    return notify_job(c, day, json_is_true(json_object_get(c->args, "force")), &c->result);
}
