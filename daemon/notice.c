/*
 * notice.c - notices at once when something happens to you (see notice.h).
 *
 * Who is told comes from the item and from the rule book: the verifiers
 * and closers are whoever workflow.c lets verify or close the item now
 * (item_may), never a second list kept here.
 */
#include "notice.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "item.h"
#include "notify.h"
#include "workflow.h"

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *s_display(const rect_cfg *cfg, const char *name)
{
    const rect_user *u = name ? cfg_user(cfg, name) : NULL;
    return u ? u->display : name ? name : "-";
}

/* Evidence entries filed since the item's current round began (its events, seq order). */
static long s_round_evidence(const json_t *events)
{
    size_t i;
    json_t *ev;
    long n = 0;
    json_array_foreach(events, i, ev) {
        int a = rect_lookup(rect_action_names, RECT_ACT_COUNT, s_str(ev, "action"));
        if (a >= 0 && wf_starts_round((rect_action)a))
            n = 0;
        else if (a == RECT_ACT_EVIDENCE)
            n++;
    }
    return n;
}

/* A new formatted string in *out (caller frees): its length, or -1 without memory. */
static int s_aprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_aprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *out = n < 0 ? NULL : malloc((size_t)n + 1);
    if (!*out)
        return -1;
    va_start(ap, fmt);
    vsnprintf(*out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return n;
}

/* Cut a snprintf-truncated buf back to its last whole UTF-8 character. */
static void s_whole_utf8(char *buf)
{
    size_t n = strlen(buf), p = n;
    while (p > 0 && n - p < 4 && ((unsigned char)buf[p - 1] & 0xC0) == 0x80)
        p--;
    if (p == 0)
        return;
    unsigned char lead = (unsigned char)buf[p - 1];
    size_t want = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (n - (p - 1) < want)
        buf[p - 1] = '\0';
}

typedef struct {
    cmd_ctx *c;
    const json_t *item, *ev;
    const char *kind;
    char day[RECT_DATE_LEN];
    const rect_user **to; /* recipients so far: room for every configured user */
    size_t n;
} s_notices;

/* Add user name as a recipient: once, never the actor, never rectd or an unknown name. */
static void s_add(s_notices *s, const char *name)
{
    const rect_user *u = name ? cfg_user(s->c->cfg, name) : NULL;
    if (!u || strcmp(name, s->c->actor->name) == 0 || strcmp(name, RECT_SYSTEM_ACTOR) == 0)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->to[i] == u)
            return;
    s->to[s->n++] = u; /* each user once: never more than n_users */
}

/* Add everyone the rule book lets do action a to the item now. */
static int s_add_allowed(s_notices *s, rect_action a)
{
    const rect_cfg *cfg = s->c->cfg;
    const rect_user **users = calloc(cfg->n_users ? cfg->n_users : 1, sizeof *users);
    int *may = calloc(cfg->n_users ? cfg->n_users : 1, sizeof *may);
    int rc = users && may ? 0 : RECT_E_NOMEM;
    for (size_t i = 0; rc == 0 && i < cfg->n_users; i++)
        users[i] = &cfg->users[i];
    if (rc == 0)
        rc = item_may(s->c, s->item, a, users, cfg->n_users, may);
    for (size_t i = 0; rc == 0 && i < cfg->n_users; i++)
        if (may[i])
            s_add(s, users[i]->name);
    free(users);
    free(may);
    return rc;
}

/* The Chinese text and subject of a notice of kind s->kind to u. */
static int s_text(s_notices *s, const json_t *before, const rect_user *u, char **text, char *subject,
                  size_t len)
{
    const rect_cfg *cfg = s->c->cfg;
    const json_t *it = s->item;
    const char *ref = s_str(it, "ref"), *title = s_str(it, "title"),
               *actor = s_display(cfg, s->c->actor->name);
    const char *comment = s_str(s->ev, "comment");
    long long id = (long long)json_integer_value(json_object_get(it, "id"));
    char *t = NULL;
    int n = -1;
    const char *line = comment && *comment ? comment : "（无）";
    if (strcmp(s->kind, "assigned") == 0) {
        int owner = strcmp(u->name, s_str(it, "owner") ? s_str(it, "owner") : "") == 0;
        snprintf(subject, len, "整改交办 %s:%s", ref, title);
        n = owner
                ? s_aprintf(&t,
                            "【整改交办】%s %s：整改事项 %s %s 已由 %s 交办给您，时限 %s，责任领导 %s。"
                            "请签收（rectctl acknowledge %lld）并按时整改。\n",
                            s->day, u->display, ref, title, actor,
                            s_str(it, "deadline") ? s_str(it, "deadline") : "未定",
                            s_display(cfg, s_str(it, "leader")), id)
                : s_aprintf(
                      &t, "【整改交办】%s %s：整改事项 %s %s 已由 %s 交办，由您分管，责任人 %s，时限 %s。\n",
                      s->day, u->display, ref, title, actor, s_display(cfg, s_str(it, "owner")),
                      s_str(it, "deadline") ? s_str(it, "deadline") : "未定");
    } else if (strcmp(s->kind, "sent_back") == 0) {
        snprintf(subject, len, "验收退回 %s:%s", ref, title);
        n = s_aprintf(&t, "【验收退回】%s %s：整改事项 %s %s 经 %s 验收未通过，已退回整改。验收意见：%s\n",
                      s->day, u->display, ref, title, actor, line);
    } else if (strcmp(s->kind, "to_verify") == 0) {
        snprintf(subject, len, "待验收 %s:%s", ref, title);
        n = s_aprintf(
            &t, "【待验收】%s %s：整改事项 %s %s 已由 %s 提交佐证材料，待您验收（rectctl verify %lld）。\n",
            s->day, u->display, ref, title, actor, id);
    } else if (strcmp(s->kind, "to_close") == 0) {
        snprintf(subject, len, "待销号 %s:%s", ref, title);
        n = s_aprintf(&t,
                      "【待销号】%s %s：整改事项 %s %s 已经 %s 验收通过，待您销号（rectctl close %lld）。\n",
                      s->day, u->display, ref, title, actor, id);
    } else if (strcmp(s->kind, "extension_decided") == 0) {
        int approved = strcmp(s_str(s->ev, "action"), rect_action_names[RECT_ACT_EXTEND_APPROVE]) == 0;
        const char *wanted = s_str(json_object_get(before, "extension"), "deadline");
        snprintf(subject, len, "延期申请%s %s:%s", approved ? "已批准" : "未批准", ref, title);
        n = s_aprintf(&t, "【延期审批】%s %s：整改事项 %s %s 延期至 %s 的申请经 %s %s，现时限 %s。意见：%s\n",
                      s->day, u->display, ref, title, wanted ? wanted : "?", actor,
                      approved ? "批准" : "未批准", s_str(it, "deadline") ? s_str(it, "deadline") : "未定",
                      line);
    } else { /* urged */
        const char *by = s_str(s->ev, "reply_by");
        int owner = strcmp(u->name, s_str(it, "owner") ? s_str(it, "owner") : "") == 0;
        char ask[96] = "";
        if (owner && by)
            snprintf(ask, sizeof ask, "请于 %s 前回复（rectctl reply %lld）或提交佐证材料。", by, id);
        else if (owner)
            snprintf(ask, sizeof ask, "请回复（rectctl reply %lld）或提交佐证材料。", id);
        snprintf(subject, len, "督办 %s:%s", ref, title);
        n = s_aprintf(&t, "【督办】%s %s：%s 督办整改事项 %s %s（责任人 %s，时限 %s）：%s%s\n", s->day,
                      u->display, actor, ref, title, s_display(cfg, s_str(it, "owner")),
                      s_str(it, "deadline") ? s_str(it, "deadline") : "未定", line, ask);
    }
    if (n < 0)
        return RECT_E_NOMEM;
    s_whole_utf8(subject);
    *text = t;
    return 0;
}

static int s_notify(s_notices *sp, rect_action a, const json_t *before, const json_t *after);

int notice_event(cmd_ctx *c, rect_action a, const json_t *before, const json_t *after, const json_t *ev)
{
    s_notices s = {.c = c, .item = after, .ev = ev};
    int rc = 0;
    if (!c->cfg->notify_immediate)
        return 0;
    switch (a) {
    case RECT_ACT_ASSIGN:
    case RECT_ACT_VERIFY_REJECT:
    case RECT_ACT_EVIDENCE:
    case RECT_ACT_VERIFY_PASS:
    case RECT_ACT_EXTEND_APPROVE:
    case RECT_ACT_EXTEND_DENY:
    case RECT_ACT_URGE:
        break;
    default:
        return 0; /* nobody's task changes */
    }
    if (!(s.to = calloc(c->cfg->n_users ? c->cfg->n_users : 1, sizeof *s.to)))
        return RECT_E_NOMEM;
    rc = s_notify(&s, a, before, after);
    free(s.to);
    return rc;
}

/* notice_event once the action concerns someone: s->to has room for every user. */
static int s_notify(s_notices *sp, rect_action a, const json_t *before, const json_t *after)
{
    s_notices s = *sp; /* a copy whose recipients land in sp's array */
    cmd_ctx *c = s.c;
    const json_t *ev = s.ev;
    int rc = 0;
    switch (a) {
    case RECT_ACT_ASSIGN:
        s.kind = "assigned";
        s_add(&s, s_str(after, "owner"));
        s_add(&s, s_str(after, "leader"));
        break;
    case RECT_ACT_VERIFY_REJECT:
        s.kind = "sent_back";
        s_add(&s, s_str(after, "owner"));
        break;
    case RECT_ACT_EVIDENCE: {
        /* verifiable once the round has its first evidence: later entries change nobody's task */
        json_t *events;
        if (item_state(after) != RECT_ST_RECTIFYING)
            return 0;
        if ((rc = store_item_events(c->txn, (uint64_t)json_integer_value(json_object_get(after, "id")),
                                    &events)))
            return rc;
        long n = s_round_evidence(events);
        json_decref(events);
        if (n != 1)
            return 0;
        s.kind = "to_verify";
        rc = s_add_allowed(&s, RECT_ACT_VERIFY_PASS);
        break;
    }
    case RECT_ACT_VERIFY_PASS:
        s.kind = "to_close";
        rc = s_add_allowed(&s, RECT_ACT_CLOSE);
        break;
    case RECT_ACT_EXTEND_APPROVE:
    case RECT_ACT_EXTEND_DENY:
        s.kind = "extension_decided";
        s_add(&s, s_str(json_object_get(before, "extension"), "by"));
        break;
    case RECT_ACT_URGE:
        s.kind = "urged";
        s_add(&s, s_str(after, "owner"));
        s_add(&s, s_str(after, "leader"));
        break;
    default:
        return 0;
    }
    if (rc || !s.n)
        return rc;
    cal_today(c->cfg, c->now, s.day);
    json_t *event = json_pack("{sIsssssssIss}", "seq", (json_int_t)c->seq, "action", s_str(ev, "action"),
                              "actor", c->actor->name, "actor_display", c->actor->display, "item",
                              json_integer_value(json_object_get(after, "id")), "comment",
                              s_str(ev, "comment") ? s_str(ev, "comment") : "");
    if (!event ||
        (s_str(ev, "reply_by") && json_object_set(event, "reply_by", json_object_get(ev, "reply_by")))) {
        json_decref(event);
        return RECT_E_NOMEM;
    }
    json_t *extra = json_pack("{so}", "event", event);
    if (!extra)
        return RECT_E_NOMEM;
    for (size_t i = 0; i < s.n && rc == 0; i++) {
        char *text = NULL, subject[RECT_MAX_NAME * 3];
        json_t *items = json_array(), *b = notify_brief(c->cfg, after, s.day);
        if (!items || !b || json_array_append_new(items, b)) {
            if (!items)
                json_decref(b);
            json_decref(items);
            rc = RECT_E_NOMEM;
            break;
        }
        if ((rc = s_text(&s, before, s.to[i], &text, subject, sizeof subject))) {
            json_decref(items);
            break;
        }
        rc = notify_store(c, s.day, s.kind, s.to[i], items, json_array(), text, subject, extra);
        free(text);
    }
    json_decref(extra);
    return rc;
}
