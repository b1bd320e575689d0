/*
 * cmd_acts.c - acts of people on the record: the 审核人's sign-off of an
 * inspection's ledger (ledger_sign), 督办 by a person (urge) and the owner's
 * answer (reply), and 签收 of an assignment (acknowledge). Who may is
 * workflow.c's rule book; the notices they cause are notice.c's, written by
 * item_apply in the same transaction.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "calendar.h"
#include "cmd.h"
#include "cmd_ledger.h"
#include "item.h"
#include "rect_proto.h"
#include "resolve.h"

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* Guard, apply, and reply {"item": ...}; set and extra stolen. */
static int s_act(cmd_ctx *c, json_t *item, rect_action a, json_t *set, const char *comment, json_t *extra)
{
    rect_state to;
    int rc = item_guard(c, item, a, &to);
    if (rc) {
        json_decref(set);
        json_decref(extra);
        return rc;
    }
    return item_act(c, item, a, to, set, comment, extra);
}

int cmd_urge(cmd_ctx *c)
{
    const char *by = cmd_str(c, "reply_by");
    char reply_by[RECT_DATE_LEN], today[RECT_DATE_LEN];
    json_t *item, *extra = NULL;
    int rc;
    if (by) {
        if ((rc = resolve_date(c, "reply_by", by, reply_by)))
            return rc;
        cal_today(c->cfg, c->now, today);
        if (strcmp(reply_by, today) < 0)
            return cmd_fail(c, RECT_E_BAD_VALUE, "urge: the reply-by date %s is before today (%s)", reply_by,
                            today);
        if (!(extra = json_pack("{ss}", "reply_by", reply_by)))
            return s_nomem(c);
    }
    if ((rc = item_load(c, &item))) {
        json_decref(extra);
        return rc;
    }
    /* 督办次数: rectd's escalations and people's urges, one counter (the ledger's and stats' one source). */
    json_t *set =
        json_pack("{sI}", "escalations", json_integer_value(json_object_get(item, "escalations")) + 1);
    rc = s_act(c, item, RECT_ACT_URGE, set, cmd_str(c, "note"), extra);
    json_decref(item);
    return rc;
}

int cmd_reply(cmd_ctx *c)
{
    json_t *item;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    rc = s_act(c, item, RECT_ACT_REPLY, json_object(), cmd_str(c, "note"), NULL);
    json_decref(item);
    return rc;
}

int cmd_acknowledge(cmd_ctx *c)
{
    json_t *item;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    json_t *set = json_pack("{ssss}", "acknowledged_by", c->actor->name, "acknowledged_at", c->now_text);
    rc = s_act(c, item, RECT_ACT_ACKNOWLEDGE, set, cmd_str(c, "note"), NULL);
    json_decref(item);
    return rc;
}

/*
 * ledger_sign: an event about no item (item 0) naming the inspection and the
 * chain head it signs, the one before it. A given head must be the current
 * one: the reviewer signs what they looked at, not a record that has moved
 * on since. Signing again supersedes the earlier sign-off (the ledger says so).
 */
int cmd_ledger_sign(cmd_ctx *c)
{
    const char *name = cmd_str(c, "inspection"), *note = cmd_str(c, "note"), *given = cmd_str(c, "head");
    rect_state to;
    uint64_t next;
    unsigned char head[32];
    char hex[65];
    int rc;
    if ((rc = ledger_inspection_known(c, name)) || (rc = item_guard(c, NULL, RECT_ACT_SIGN, &to)))
        return rc;
    if ((rc = store_head(c->txn, &next, head)))
        return cmd_fail(c, rc, "cannot read the chain head");
    store_hex(head, 32, hex);
    uint64_t head_seq = next ? next - 1 : 0;
    if (given && strcasecmp(given, hex) != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "ledger_sign: the record has changed since the ledger you looked at: its head is now "
                        "seq %llu (%.12s…), not %.64s; make the ledger again, check it, and sign that",
                        (unsigned long long)head_seq, hex, given);
    json_t *changes = json_pack("{ssss}", "inspection", name, "head", hex);
    if (!changes || (note && json_object_set_new(changes, "note", json_string(note)))) {
        json_decref(changes);
        return s_nomem(c);
    }
    json_t *ev = item_event_new(c, 0, RECT_ACT_SIGN, changes, note ? note : "");
    json_decref(changes);
    if (!ev)
        return s_nomem(c);
    rc = store_event_append(c->txn, ev, &c->seq);
    json_decref(ev);
    if (rc)
        return cmd_fail(c, rc, "cannot record the sign-off; nothing was changed");
    c->result = json_pack("{s{sssssssssIs{sIss}s:s?}}", "sign_off", "inspection", name, "by", c->actor->name,
                          "by_display", c->actor->display, "at", c->now_text, "seq", (json_int_t)c->seq,
                          "head", "seq", (json_int_t)head_seq, "hash", hex, "note", note);
    return c->result ? 0 : s_nomem(c);
}
