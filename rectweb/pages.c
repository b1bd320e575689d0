/*
 * pages.c - rectweb's pages (web.h): mobile-first Chinese HTML rendered
 * from rectd's answers. Every text from rectd or a user goes through
 * wb_esc; every form carries the session's CSRF token; every change is a
 * request to rectd in the official's name (rectd_call), whose refusal is
 * shown as web_refusal words it. rectweb decides nothing: which buttons a
 * page offers is a hint from the item's state and the official's roles,
 * and rectd's rule book answers every press.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "dir_json.h"
#include "dossier.h"
#include "ledger.h"
#include "rect_date.h"
#include "web.h"

/* ---- words ---- */
static const char *s_state_zh(const char *s)
{
    static const char *const m[][2] = {{"claimed", "已认领"},
                                       {"assigned", "已交办"},
                                       {"rectifying", "整改中"},
                                       {"verified", "已验收"},
                                       {"closed", "已销号"}};
    for (size_t i = 0; s && i < sizeof m / sizeof m[0]; i++)
        if (strcmp(m[i][0], s) == 0)
            return m[i][1];
    return s ? s : "-";
}

static const char *s_light_zh(const char *l)
{
    return !l                         ? ""
           : strcmp(l, "red") == 0    ? "红灯"
           : strcmp(l, "yellow") == 0 ? "黄灯"
           : strcmp(l, "green") == 0  ? "绿灯"
                                      : l;
}

static const char *s_action_zh(const char *a)
{
    static const char *const m[][2] = {
        {"claim", "认领"},
        {"assign", "交办"},
        {"start", "开始整改"},
        {"evidence", "上传佐证"},
        {"verify", "验收通过"},
        {"reject", "退回整改"},
        {"close", "销号"},
        {"reopen", "重新打开"},
        {"extend", "申请延期"},
        {"approve_extension", "批准延期"},
        {"deny_extension", "驳回延期"},
        {"escalate", "督办（系统）"},
        {"review", "巩固复查"},
        {"relapse", "反弹"},
        {"amend", "更正"},
        {"urge", "督办"},
        {"reply", "回复督办"},
        {"acknowledge", "签收"},
    };
    for (size_t i = 0; a && i < sizeof m / sizeof m[0]; i++)
        if (strcmp(m[i][0], a) == 0)
            return m[i][1];
    return a ? a : "-";
}

static const char *s_str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* An instant from rectd (UTC) in rectd's time zone, escaped; as given when it is no instant. */
static void s_when(wbuf *b, const char *utc)
{
    time_t t;
    char local[64];
    if (utc && *utc && instant_parse(utc, &t) == 0) {
        instant_format_local(t, rectd_zone(), local, sizeof local);
        wb_esc(b, local);
    } else {
        wb_esc(b, utc);
    }
}

static int s_has_role(const web_req *q, rect_role r)
{
    return q->sess && (q->sess->roles & r);
}

/* ---- frame ---- */
static void s_begin(web_req *q, web_reply *r, const char *title)
{
    wbuf *b = &r->body;
    r->type = "text/html; charset=utf-8";
    wb_puts(
        b,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script><title>");
    wb_esc(b, title);
    wb_puts(b, " - 整改销号</title></head><body>");
    if (q->sess) {
        wb_puts(
            b,
            "<header><nav><a href=\"/\">我的事项</a><a href=\"/verify\">待我验收</a><a href=\"/close\">待销号</a>"
            "<a href=\"/inbox\">通知</a><a href=\"/board\">看板</a><a href=\"/ledger\">台账</a></nav>"
            "<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
        wb_esc(b, q->sess->csrf);
        wb_puts(b, "\"><span class=\"who\">");
        wb_esc(b, q->sess->display);
        wb_puts(b, "</span><button type=\"submit\">退出</button></form></header>");
    }
    wb_puts(b, "<main><h1>");
    wb_esc(b, title);
    wb_puts(b, "</h1>");
}

static void s_end(web_reply *r)
{
    wb_puts(&r->body, "</main></body></html>\n");
}

static void s_csrf_field(wbuf *b, const web_req *q)
{
    wb_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    wb_esc(b, q->sess ? q->sess->csrf : "");
    wb_puts(b, "\">");
}

/* A whole page that only says something (status, title, text). */
static void s_message(web_req *q, web_reply *r, int status, const char *title, const char *text)
{
    r->status = status;
    s_begin(q, r, title);
    wb_puts(&r->body, "<div class=\"refusal\" role=\"alert\"><strong>");
    wb_esc(&r->body, text);
    wb_puts(&r->body, "</strong></div><p><a href=\"/\">返回</a></p>");
    s_end(r);
}

/* A page that shows rectd's refusal. */
static void s_refused(web_req *q, web_reply *r, const web_answer *a, const char *title, const char *back)
{
    r->status = a->code && strcmp(a->code, "permission_denied") == 0 ? 403
                : a->code && strcmp(a->code, "unreachable") == 0     ? 502
                : a->code && strcmp(a->code, "too_large") == 0       ? 413
                                                                     : 409;
    s_begin(q, r, title);
    web_refusal(&r->body, a);
    wb_puts(&r->body, "<p><a href=\"");
    wb_esc(&r->body, back);
    wb_puts(&r->body, "\">返回</a></p>");
    s_end(r);
}

static void s_redirect_item(web_reply *r, unsigned long long id)
{
    r->status = 303;
    snprintf(r->location, sizeof r->location, "/item/%llu?done=1", id);
}

/* ---- login ---- */

/* One line on stderr per login attempt: who (a checked name), from where, how it ended. Never the password. */
static void s_log_login(const web_req *q, const char *name, const char *how)
{
    char when[32];
    struct tm tm;
    gmtime_r(&q->now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s rectweb: login %s from %s: %s\n", when, name, q->addr, how);
}
static void s_login_form(web_req *q, web_reply *r, int status, const char *problem, const web_answer *a)
{
    /* The browser's token stays while it has one (a second tab, a favicon's redirect). */
    char pre[WEB_TOKEN_LEN + 1];
    if (q->pre && strlen(q->pre) == WEB_TOKEN_LEN &&
        strspn(q->pre, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == WEB_TOKEN_LEN)
        memcpy(pre, q->pre, sizeof pre);
    else
        sess_token(pre);
    snprintf(r->set_cookie[0], sizeof r->set_cookie[0], "rw_pre=%s; Path=/login; HttpOnly; SameSite=Strict%s",
             pre, q->tls ? "; Secure" : "");
    r->status = status;
    web_session *keep = q->sess;
    q->sess = NULL;
    s_begin(q, r, "登录");
    q->sess = keep;
    wbuf *b = &r->body;
    if (a)
        web_refusal(b, a);
    else if (problem) {
        wb_puts(b, "<div class=\"refusal\" role=\"alert\"><strong>");
        wb_esc(b, problem);
        wb_puts(b, "</strong></div>");
    }
    wb_puts(
        b,
        "<form method=\"post\" action=\"/login\" class=\"card\"><input type=\"hidden\" name=\"pre\" value=\"");
    wb_esc(b, pre);
    wb_puts(
        b,
        "\"><label>用户名<input name=\"name\" autocomplete=\"username\" autocapitalize=\"none\" required></label>"
        "<label>密码<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>"
        "<button type=\"submit\">登录</button></form>"
        "<p class=\"hint\">密码由本人用 rectctl passwd 设置，或由管理员重置。</p>");
    s_end(r);
}

static unsigned s_roles_of(const json_t *roles)
{
    unsigned bits = 0;
    size_t i;
    json_t *v;
    json_array_foreach(roles, i, v) {
        int k = rect_lookup(rect_role_names, RECT_ROLE_COUNT, json_string_value(v));
        if (k >= 0)
            bits |= 1u << k;
    }
    return bits;
}

static void s_login_post(web_req *q, web_reply *r)
{
    const char *name = form_get(q->form, "name"), *pw = form_get(q->form, "password"),
               *pre = form_get(q->form, "pre");
    if (!q->pre || !pre || strlen(pre) != WEB_TOKEN_LEN || strlen(q->pre) != WEB_TOKEN_LEN ||
        sodium_memcmp(q->pre, pre, WEB_TOKEN_LEN) != 0) {
        s_login_form(q, r, 403, "登录表单已过期，请重新登录。", NULL);
        return;
    }
    if (!name || !pw || !web_name_ok(name) || !*pw) {
        s_login_form(q, r, 400, "请填写用户名和密码。", NULL);
        return;
    }
    long wait_u = throttle_wait("user", name, q->now), wait_a = throttle_wait("addr", q->addr, q->now);
    if (wait_u || wait_a) {
        s_log_login(q, name, wait_u ? "throttled (name)" : "throttled (address)");
        char msg[160];
        snprintf(msg, sizeof msg, "登录失败次数过多，请 %ld 秒后再试。", wait_u > wait_a ? wait_u : wait_a);
        s_login_form(q, r, 429, msg, NULL);
        return;
    }
    web_answer a;
    json_t *args = json_pack("{ssss}", "name", name, "password", pw);
    if (!rectd_call("login", q->cfg->gateway, args, 0, NULL, 0, &a)) {
        s_log_login(q, name, a.code ? a.code : "refused");
        if (a.code && (strcmp(a.code, "permission_denied") == 0 || strcmp(a.code, "throttled") == 0)) {
            throttle_fail("user", name, q->cfg->login_tries, q->cfg->login_wait_s, q->now);
            throttle_fail("addr", q->addr, q->cfg->login_tries_address, q->cfg->login_wait_s, q->now);
        }
        if (a.code && strcmp(a.code, "permission_denied") == 0)
            s_login_form(q, r, 403, "用户名或密码错误。", NULL);
        else
            s_login_form(q, r,
                         !strcmp(a.code ? a.code : "", "throttled")     ? 429
                         : !strcmp(a.code ? a.code : "", "unreachable") ? 502
                                                                        : 400,
                         NULL, &a);
        web_answer_free(&a);
        return;
    }
    s_log_login(q, name, "ok");
    throttle_clear("user", name);
    web_session *s = sess_new(s_str(a.result, "user"), s_str(a.result, "display"),
                              s_roles_of(json_object_get(a.result, "roles")), q->now);
    web_answer_free(&a);
    snprintf(r->set_cookie[0], sizeof r->set_cookie[0], "rw_s=%s; Path=/; HttpOnly; SameSite=Strict%s", s->id,
             q->tls ? "; Secure" : "");
    snprintf(r->set_cookie[1], sizeof r->set_cookie[1],
             "rw_pre=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict");
    r->status = 303;
    snprintf(r->location, sizeof r->location, "/");
}

/* ---- item lists ---- */
static void s_item_card(wbuf *b, const json_t *it, const json_t *facts)
{
    const char *light = s_str(facts ? facts : it, "light");
    wb_printf(b, "<li class=\"card item\"><a href=\"/item/%lld\"><span class=\"light %s\" title=\"",
              (long long)json_integer_value(json_object_get(it, "id")), *light ? light : "none");
    wb_esc(b, s_light_zh(light));
    wb_puts(b, "\"></span><span class=\"ref\">");
    wb_esc(b, s_str(it, "ref"));
    wb_puts(b, "</span> <span class=\"title\">");
    wb_esc(b, s_str(it, "title"));
    wb_puts(b, "</span></a><div class=\"meta\"><span class=\"state\">");
    wb_esc(b, s_state_zh(s_str(it, "state")));
    wb_puts(b, "</span>");
    if (*s_str(it, "deadline")) {
        wb_puts(b, " · 时限 ");
        wb_esc(b, s_str(it, "deadline"));
    }
    json_t *od = json_object_get(facts ? facts : it, "days_overdue");
    if (json_integer_value(od) > 0)
        wb_printf(b, " · <span class=\"overdue\">逾期 %lld 天</span>", (long long)json_integer_value(od));
    if (*s_str(it, "owner")) {
        wb_puts(b, " · ");
        wb_esc(b, rectd_display(s_str(it, "owner")));
    }
    wb_puts(b, "</div></li>");
}

/* List items (args stolen) and render those passing the filter. */
static void s_list_page(web_req *q, web_reply *r, const char *title, json_t *args, const char *light,
                        int need_evidence, const char *empty)
{
    web_answer a;
    /* One page, the biggest rectd gives (PAGE_MAX in daemon/page.h); beyond it, say so. */
    json_object_set_new(args, "limit", json_integer(10000));
    if (!rectd_call("list", q->sess->user, args, 0, NULL, 0, &a)) {
        s_refused(q, r, &a, title, "/");
        web_answer_free(&a);
        return;
    }
    r->status = 200;
    s_begin(q, r, title);
    wbuf *b = &r->body;
    size_t i, shown = 0;
    json_t *it;
    wb_puts(b, "<ul class=\"items\">");
    json_array_foreach(json_object_get(a.result, "items"), i, it) {
        if (light && strcmp(s_str(it, "light"), light) != 0)
            continue;
        if (need_evidence && json_integer_value(json_object_get(it, "evidence_count")) < 1)
            continue;
        s_item_card(b, it, NULL);
        shown++;
    }
    wb_puts(b, "</ul>");
    if (!shown) {
        wb_puts(b, "<p class=\"empty\">");
        wb_esc(b, empty);
        wb_puts(b, "</p>");
    }
    wb_printf(b, "<p class=\"count\">共 <span id=\"count\">%zu</span> 项</p>", shown);
    if (json_object_get(a.result, "next"))
        wb_puts(b, "<p class=\"more\">只列出了前 10000 项；其余的请用 rectctl list 查看。</p>");
    web_answer_free(&a);
    s_end(r);
}

static void s_mine(web_req *q, web_reply *r)
{
    json_t *args = json_object();
    if (s_has_role(q, RECT_ROLE_OWNER))
        json_object_set_new(args, "owner", json_string(q->sess->user));
    else if (s_has_role(q, RECT_ROLE_LEADER) && !s_has_role(q, RECT_ROLE_ADMIN))
        json_object_set_new(args, "leader", json_string(q->sess->user));
    s_list_page(q, r, "我的事项", args, NULL, 0, "没有事项。");
}

static void s_items_filtered(web_req *q, web_reply *r)
{
    json_t *args = json_object();
    const char *unit = q->arg(q->arg_ctx, "unit"), *leader = q->arg(q->arg_ctx, "leader"),
               *light = q->arg(q->arg_ctx, "light");
    if (unit && web_name_ok(unit))
        json_object_set_new(args, "unit", json_string(unit));
    if (leader && web_name_ok(leader))
        json_object_set_new(args, "leader", json_string(leader));
    if (light && strcmp(light, "red") && strcmp(light, "yellow") && strcmp(light, "green"))
        light = NULL;
    s_list_page(q, r, "事项", args, light, 0, "没有事项。");
}

static void s_to_verify(web_req *q, web_reply *r)
{
    s_list_page(q, r, "待我验收", json_pack("{ss}", "state", "rectifying"), NULL, 1, "没有待验收的事项。");
}

static void s_to_close(web_req *q, web_reply *r)
{
    json_t *args = json_pack("{ss}", "state", "verified");
    if (s_has_role(q, RECT_ROLE_LEADER) && !s_has_role(q, RECT_ROLE_ADMIN))
        json_object_set_new(args, "leader", json_string(q->sess->user));
    s_list_page(q, r, "待销号", args, NULL, 0, "没有待销号的事项。");
}

/* ---- one item ---- */
static void s_field(wbuf *b, const char *label, const char *value)
{
    wb_puts(b, "<dt>");
    wb_esc(b, label);
    wb_puts(b, "</dt><dd>");
    wb_esc(b, value && *value ? value : "-");
    wb_puts(b, "</dd>");
}

static int s_is_image(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png") ||
                   !strcasecmp(dot, ".gif") || !strcasecmp(dot, ".webp"));
}

/* Percent-encode s for a query value. */
static void s_url(wbuf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '_' || *p == '.')
            wb_put(b, (const char *)p, 1);
        else
            wb_printf(b, "%%%02X", *p);
    }
}

static void s_item_page(web_req *q, web_reply *r, uint64_t id, const web_answer *problem)
{
    web_answer a, h;
    json_t *args = json_pack("{sI}", "item", (json_int_t)id);
    if (!rectd_call("show", q->sess->user, args, 0, NULL, 0, &a)) {
        s_refused(q, r, &a, "事项详情", "/");
        web_answer_free(&a);
        return;
    }
    int have_h =
        rectd_call("history", q->sess->user, json_pack("{sI}", "item", (json_int_t)id), 0, NULL, 0, &h);
    const json_t *it = json_object_get(a.result, "item"), *facts = json_object_get(a.result, "facts");
    const char *state = s_str(it, "state");
    r->status =
        problem ? (problem->code && strcmp(problem->code, "permission_denied") == 0 ? 403 : 409) : 200;
    s_begin(q, r, "事项详情");
    wbuf *b = &r->body;
    if (problem)
        web_refusal(b, problem);
    if (q->arg(q->arg_ctx, "done"))
        wb_puts(b, "<div class=\"done\" role=\"status\">已提交。</div>");
    wb_printf(b, "<section class=\"card\"><h2><span class=\"light %s\"></span>",
              *s_str(facts, "light") ? s_str(facts, "light") : "none");
    wb_esc(b, s_str(it, "ref"));
    wb_puts(b, " ");
    wb_esc(b, s_str(it, "title"));
    wb_puts(b, "</h2><dl>");
    s_field(b, "状态", s_state_zh(state));
    s_field(b, "灯", s_light_zh(s_str(facts, "light")));
    s_field(b, "整改时限", s_str(it, "deadline"));
    s_field(b, "责任单位", rectd_unit(s_str(it, "unit")));
    s_field(b, "责任人", rectd_display(s_str(it, "owner")));
    s_field(b, "责任领导", rectd_display(s_str(it, "leader")));
    s_field(b, "问题描述", s_str(it, "description"));
    s_field(b, "整改措施", s_str(it, "measures"));
    wb_puts(b, "</dl></section>");

    /* what the official may try: rectd decides */
    wb_puts(b, "<section class=\"card actions\"><h2>办理</h2>");
    if (!strcmp(state, "assigned") && s_has_role(q, RECT_ROLE_OWNER | RECT_ROLE_ADMIN)) {
        wb_printf(b, "<form method=\"post\" action=\"/item/%llu/start\">", (unsigned long long)id);
        s_csrf_field(b, q);
        wb_puts(b, "<button type=\"submit\" name=\"go\" value=\"1\">开始整改</button></form>");
    }
    if (!strcmp(state, "rectifying") || !strcmp(state, "verified") || !strcmp(state, "closed"))
        wb_printf(b, "<p><a class=\"button\" id=\"upload\" href=\"/item/%llu/upload\">上传佐证</a></p>",
                  (unsigned long long)id);
    if (!strcmp(state, "rectifying") && s_has_role(q, RECT_ROLE_VERIFIER)) {
        wb_printf(b, "<form method=\"post\" action=\"/item/%llu/verify\" class=\"verify\">",
                  (unsigned long long)id);
        s_csrf_field(b, q);
        wb_puts(
            b,
            "<label>验收意见<textarea name=\"opinion\" required></textarea></label>"
            "<button type=\"submit\" name=\"result\" value=\"pass\">验收通过</button> "
            "<button type=\"submit\" name=\"result\" value=\"reject\" class=\"secondary\">退回整改</button></form>");
    }
    if (!strcmp(state, "verified") && s_has_role(q, RECT_ROLE_LEADER | RECT_ROLE_ADMIN)) {
        wb_printf(b, "<form method=\"post\" action=\"/item/%llu/close\" class=\"close\">",
                  (unsigned long long)id);
        s_csrf_field(b, q);
        wb_puts(b, "<label>销号说明<textarea name=\"note\" required></textarea></label>"
                   "<button type=\"submit\">销号</button></form>");
    }
    /* 延期申请 and its decision */
    const json_t *ext = json_object_get(it, "extension");
    int open_work = !strcmp(state, "assigned") || !strcmp(state, "rectifying");
    if (open_work && !json_is_object(ext) && s_has_role(q, RECT_ROLE_OWNER | RECT_ROLE_ADMIN)) {
        wb_printf(
            b,
            "<details><summary>申请延期</summary><form method=\"post\" action=\"/item/%llu/extend\" class=\"extend\">",
            (unsigned long long)id);
        s_csrf_field(b, q);
        wb_puts(b, "<label>延期至<input type=\"date\" name=\"deadline\" required></label>"
                   "<label>延期理由<textarea name=\"reason\" required></textarea></label>"
                   "<button type=\"submit\">提交申请</button></form></details>");
    }
    if (open_work && json_is_object(ext)) {
        wb_puts(b, "<div class=\"pending\"><p>延期申请：延至 ");
        wb_esc(b, s_str(ext, "deadline"));
        wb_puts(b, "，申请人 ");
        wb_esc(b, rectd_display(s_str(ext, "by")));
        wb_puts(b, "。理由：");
        wb_esc(b, s_str(ext, "reason"));
        wb_puts(b, "</p>");
        if (s_has_role(q, RECT_ROLE_LEADER | RECT_ROLE_ADMIN)) {
            wb_printf(b, "<form method=\"post\" action=\"/item/%llu/decide\" class=\"decide\">",
                      (unsigned long long)id);
            s_csrf_field(b, q);
            wb_puts(
                b,
                "<label>意见<textarea name=\"note\"></textarea></label>"
                "<button type=\"submit\" name=\"decision\" value=\"approve\">批准延期</button> "
                "<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">不予延期</button></form>");
        }
        wb_puts(b, "</div>");
    }
    wb_printf(
        b,
        "<p>下载整改档案：<a class=\"dossier-html\" href=\"/item/%llu/dossier.html\">可打印网页（HTML）</a>"
        " · <a class=\"dossier-zip\" href=\"/item/%llu/dossier.zip\">压缩包（网页和全部文件）</a>"
        " · <a href=\"/item/%llu/dossier.json\">JSON</a></p></section>",
        (unsigned long long)id, (unsigned long long)id, (unsigned long long)id);

    /* evidence */
    wb_puts(b, "<section class=\"card\"><h2>佐证材料</h2>");
    size_t i, j;
    json_t *ev, *f;
    json_array_foreach(json_object_get(a.result, "evidence"), i, ev) {
        wb_puts(b, "<div class=\"evidence\"><p class=\"note\">");
        wb_esc(b, s_str(ev, "note"));
        wb_puts(b, "</p><p class=\"meta\">");
        wb_esc(b, rectd_display(s_str(ev, "actor")));
        wb_puts(b, " · ");
        s_when(b, s_str(ev, "at"));
        wb_puts(b, "</p><div class=\"files\">");
        json_array_foreach(json_object_get(ev, "files"), j, f) {
            char safe[128];
            const char *sha = s_str(f, "sha256");
            web_safe_name(s_str(f, "name"), safe, sizeof safe);
            wbuf url = {0};
            wb_printf(&url, "/blob/%llu/%s?n=", (unsigned long long)id, sha);
            s_url(&url, safe);
            if (s_is_image(safe)) {
                wb_puts(b, "<a href=\"");
                wb_esc(b, url.data);
                wb_puts(b, "\"><img class=\"thumb\" loading=\"lazy\" alt=\"");
                wb_esc(b, safe);
                wb_puts(b, "\" src=\"");
                wb_esc(b, url.data);
                wb_puts(b, "\"></a>");
            }
            wb_puts(b, "<a class=\"download\" href=\"");
            wb_esc(b, url.data);
            wb_puts(b, "&amp;dl=1\">");
            wb_esc(b, safe);
            wb_puts(b, "</a>");
            wb_free(&url);
        }
        wb_puts(b, "</div></div>");
    }
    if (!json_array_size(json_object_get(a.result, "evidence")))
        wb_puts(b, "<p class=\"empty\">尚无佐证材料。</p>");
    wb_puts(b, "</section>");

    /* timeline */
    wb_puts(b, "<section class=\"card\"><h2>办理经过</h2><ol class=\"timeline\">");
    json_array_foreach(have_h ? json_object_get(h.result, "events") : NULL, i, ev) {
        wb_puts(b, "<li><span class=\"at\">");
        s_when(b, s_str(ev, "at"));
        wb_puts(b, "</span> <strong>");
        wb_esc(b, s_action_zh(s_str(ev, "action")));
        wb_puts(b, "</strong> ");
        wb_esc(b, rectd_display(s_str(ev, "actor")));
        if (*s_str(ev, "via")) {
            wb_puts(b, " <span class=\"via\">（经 ");
            wb_esc(b, s_str(ev, "via"));
            wb_puts(b, "）</span>");
        }
        if (*s_str(ev, "comment")) {
            wb_puts(b, "<div class=\"comment\">");
            wb_esc(b, s_str(ev, "comment"));
            wb_puts(b, "</div>");
        }
        wb_puts(b, "</li>");
    }
    wb_puts(b, "</ol></section>");
    if (have_h)
        web_answer_free(&h);
    web_answer_free(&a);
    s_end(r);
}

static void s_upload_form(web_req *q, web_reply *r, uint64_t id)
{
    r->status = 200;
    s_begin(q, r, "上传佐证");
    wbuf *b = &r->body;
    wb_printf(
        b,
        "<form method=\"post\" action=\"/item/%llu/evidence\" enctype=\"multipart/form-data\" class=\"card\" "
        "data-progress=\"1\">",
        (unsigned long long)id);
    s_csrf_field(b, q);
    wb_printf(
        b,
        "<label>整改情况说明<textarea name=\"note\" required></textarea></label>"
        "<label>照片（可多张，共不超过 %u MB）<input type=\"file\" name=\"photo\" accept=\"image/*\" multiple></label>"
        "<progress value=\"0\" max=\"100\" hidden></progress>"
        "<button type=\"submit\">提交</button></form><p><a href=\"/item/%llu\">返回</a></p>",
        q->cfg->max_upload_mb, (unsigned long long)id);
    s_end(r);
}

/* A write about item id; on success back to the item page, else the page with the refusal. */
static void s_item_write(web_req *q, web_reply *r, uint64_t id, const char *cmd, json_t *args,
                         const conn_frame *frames, size_t n)
{
    web_answer a;
    json_object_set_new(args, "item", json_integer((json_int_t)id));
    if (rectd_call(cmd, q->sess->user, args, 1, frames, n, &a))
        s_redirect_item(r, (unsigned long long)id);
    else if (a.code && !strcmp(a.code, "unreachable"))
        s_refused(q, r, &a, "事项详情", "/");
    else
        s_item_page(q, r, id, &a);
    web_answer_free(&a);
}

static void s_evidence_post(web_req *q, web_reply *r, uint64_t id)
{
    web_form *f = q->form;
    const char *note = form_get(f, "note");
    if (f->too_many) {
        s_message(q, r, 413, "上传佐证", "照片太多：一次最多 9 张。");
        return;
    }
    json_t *names = json_array();
    conn_frame frames[WEB_MAX_PHOTOS];
    for (size_t i = 0; i < f->n_photos; i++) {
        char name[160];
        /* the same name twice would be refused by rectd: number them */
        snprintf(name, sizeof name, "%zu-%s", i + 1, f->photo[i].name);
        char safe[128];
        web_safe_name(name, safe, sizeof safe);
        json_array_append_new(names, json_string(safe));
        frames[i].data = f->photo[i].data;
        frames[i].size = f->photo[i].len;
    }
    json_t *args = json_pack("{ss}", "note", note ? note : "");
    if (f->n_photos)
        json_object_set_new(args, "files", names);
    else
        json_decref(names);
    s_item_write(q, r, id, "evidence", args, frames, f->n_photos);
}

/*
 * rectd's directory as the official reads it, held as rectctl holds it
 * (dir_json.c), for the renderers' display names; NULL when rectd did not
 * give it (ids are shown then). Caller frees with cfg_destroy.
 */
static rect_cfg *s_dir_of(web_req *q)
{
    web_answer a;
    rect_cfg *d = NULL;
    if (rectd_call("directory", q->sess->user, NULL, 0, NULL, 0, &a))
        d = cli_dir_from_json(a.result);
    web_answer_free(&a);
    return d;
}

/* An attachment named name (UTF-8, made safe): an ASCII fallback and RFC 5987's filename*. */
static void s_attachment(web_reply *r, const char *name)
{
    char safe[128], ascii[128];
    web_safe_name(name, safe, sizeof safe);
    size_t k = 0;
    for (const char *p = safe; *p && k < sizeof ascii - 1; p++)
        ascii[k++] = (unsigned char)*p < 0x80 ? *p : '_';
    ascii[k] = '\0';
    wbuf enc = {0};
    s_url(&enc, safe);
    snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii,
             enc.data ? enc.data : "file");
    wb_free(&enc);
}

/* The whole of a file rectweb wrote (a temporary one) into r->raw, the file removed. 0 or -1. */
static int s_slurp(const char *path, web_reply *r)
{
    FILE *f = fopen(path, "rb");
    int rc = -1;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (r->raw = malloc((size_t)n + 1)) &&
            fread(r->raw, 1, (size_t)n, f) == (size_t)n) {
            r->raw_len = (size_t)n;
            rc = 0;
        }
    }
    if (f)
        fclose(f);
    unlink(path);
    if (rc) {
        free(r->raw);
        r->raw = NULL;
        r->raw_len = 0;
    }
    return rc;
}

/*
 * The whole file through blob_get, chunk by chunk (rectd answers at most
 * RECT_MAX_CHUNK bytes a call), its SHA-256 checked against the one asked
 * for. 1 and *out (malloc'd) and *len, or 0 with a filled web_answer a
 * (rectd's refusal, or rectweb's own for a bad or too large file).
 */
#define WEB_MAX_DOWNLOAD ((size_t)256 << 20)
static int s_blob_read(web_req *q, uint64_t id, const char *sha, char **out, size_t *len, web_answer *a)
{
    char *buf = NULL;
    size_t have = 0, size = 0;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    do {
        json_t *args =
            json_pack("{sIsssI}", "item", (json_int_t)id, "sha256", sha, "offset", (json_int_t)have);
        if (!rectd_call("blob_get", q->sess->user, args, 0, NULL, 0, a)) {
            free(buf);
            return 0;
        }
        json_int_t total = json_integer_value(json_object_get(a->result, "size"));
        const char *problem = NULL;
        if (total < 0 || (size_t)total > WEB_MAX_DOWNLOAD)
            problem = "文件太大，网页不能下载：请用 rectctl evidence get";
        else if (have == 0)
            size = (size_t)total;
        else if ((size_t)total != size || (a->data_len == 0 && have < size) || have + a->data_len > size)
            problem = "rectd 返回的文件不完整";
        if (!problem && have == 0 && size && !(buf = malloc(size)))
            problem = "rectweb 内存不足";
        if (problem) {
            free(buf);
            web_answer_free(a);
            a->code = "too_large";
            a->message = problem;
            return 0;
        }
        if (a->data_len) {
            memcpy(buf + have, a->data, a->data_len);
            crypto_hash_sha256_update(&h, (const unsigned char *)a->data, a->data_len);
            have += a->data_len;
        }
        web_answer_free(a);
    } while (have < size);
    unsigned char digest[32];
    char hex[65];
    crypto_hash_sha256_final(&h, digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    if (strcmp(hex, sha) != 0) {
        free(buf);
        a->code = "damaged";
        a->message = "the file rectd sent does not have the SHA-256 it is filed under";
        return 0;
    }
    *out = buf;
    *len = have;
    return 1;
}

static void s_blob(web_req *q, web_reply *r, uint64_t id, const char *sha)
{
    web_answer a;
    char *data = NULL;
    size_t data_len = 0;
    if (!s_blob_read(q, id, sha, &data, &data_len, &a)) {
        s_refused(q, r, &a, "文件", "/");
        web_answer_free(&a);
        return;
    }
    char safe[128];
    const char *n = q->arg(q->arg_ctx, "n");
    web_safe_name(n ? n : "file", safe, sizeof safe);
    int image = s_is_image(safe);
    const char *dot = strrchr(safe, '.');
    r->status = 200;
    r->type = !image                      ? "application/octet-stream"
              : !strcasecmp(dot, ".png")  ? "image/png"
              : !strcasecmp(dot, ".gif")  ? "image/gif"
              : !strcasecmp(dot, ".webp") ? "image/webp"
                                          : "image/jpeg";
    wbuf enc = {0};
    s_url(&enc, safe);
    char ascii[128];
    size_t k = 0;
    for (const char *p = safe; *p && k < sizeof ascii - 1; p++)
        ascii[k++] = (unsigned char)*p < 0x80 ? *p : '_';
    ascii[k] = '\0';
    snprintf(r->disposition, sizeof r->disposition, "%s; filename=\"%s\"; filename*=UTF-8''%s",
             image && !q->arg(q->arg_ctx, "dl") ? "inline" : "attachment", ascii,
             enc.data ? enc.data : "file");
    wb_free(&enc);
    r->raw = data ? data : strdup("");
    r->raw_len = data_len;
}

/*
 * The case file (整改档案) of args (an item or an inspection): rectd's
 * `dossier` as JSON, or (html) the printable page rectctl writes
 * (client/dossier_html.c), every filed file fetched through blob_get and
 * checked, JPEG and PNG inline; or (zip) that page and every file, as
 * `rectctl dossier --format zip` writes them. ext: "json", "html" or "zip";
 * fname: the download's name without extension (NULL: by the item's ref).
 */
static void s_dossier(web_req *q, web_reply *r, json_t *args, const char *fname, const char *ext)
{
    int html = strcmp(ext, "json") != 0, zip = !strcmp(ext, "zip");
    web_answer a;
    if (!rectd_call("dossier", q->sess->user, args, 0, NULL, 0, &a)) {
        s_refused(q, r, &a, "整改档案", "/ledger");
        web_answer_free(&a);
        return;
    }
    char name[RECT_MAX_NAME + 64], of_item[RECT_MAX_NAME + 32];
    if (!fname) {
        /* an item's: named by its ref */
        const char *ref =
            s_str(json_object_get(json_array_get(json_object_get(a.result, "items"), 0), "item"), "ref");
        snprintf(of_item, sizeof of_item, "整改档案-%s", *ref ? ref : "item");
        fname = of_item;
    }
    snprintf(name, sizeof name, "%s.%s", fname, ext);
    if (!html) {
        char *text = json_dumps(a.result, JSON_INDENT(1) | JSON_ENSURE_ASCII);
        r->status = 200;
        r->type = "application/json; charset=utf-8";
        s_attachment(r, name);
        r->raw = text;
        r->raw_len = text ? strlen(text) : 0;
        web_answer_free(&a);
        return;
    }
    dossier_blob *blobs = NULL;
    size_t n = 0, cap = 0, i, j, k;
    json_t *entry, *ev, *f;
    web_answer ba = {0};
    int ok = 1;
    json_array_foreach(json_object_get(a.result, "items"), i, entry) {
        json_int_t id = json_integer_value(json_object_get(json_object_get(entry, "item"), "id"));
        json_array_foreach(json_object_get(entry, "events"), j, ev) {
            json_array_foreach(json_object_get(ev, "files"), k, f) {
                const char *sha = s_str(f, "sha256");
                size_t have = 0;
                if (!ok || strlen(sha) != 64)
                    continue;
                while (have < n && strcmp(blobs[have].sha256, sha) != 0)
                    have++;
                if (have < n)
                    continue;
                if (n == cap) {
                    dossier_blob *p = realloc(blobs, (cap = cap ? cap * 2 : 16) * sizeof *p);
                    if (!p) {
                        ok = 0;
                        ba.code = "internal";
                        ba.message = "rectweb 内存不足";
                        continue;
                    }
                    blobs = p;
                }
                dossier_blob *b = &blobs[n];
                memset(b, 0, sizeof *b);
                snprintf(b->sha256, sizeof b->sha256, "%s", sha);
                if (json_integer_value(json_object_get(f, "size")) > 0 &&
                    !s_blob_read(q, (uint64_t)id, sha, &b->data, &b->len, &ba)) {
                    ok = 0;
                    continue;
                }
                b->kind = dossier_sniff(b->data, b->len);
                if (b->kind == DOSSIER_OTHER && !zip) {
                    /* listed with its SHA-256 and size only, as rectctl's page */
                    free(b->data);
                    b->data = NULL;
                    b->len = 0;
                }
                n++;
            }
        }
    }
    rect_cfg *dir = ok ? s_dir_of(q) : NULL;
    if (ok) {
        dossier_doc doc = {a.result, dir, blobs, n};
        FILE *m = open_memstream(&r->raw, &r->raw_len);
        int rc = m ? dossier_write_html(m, &doc) : -1;
        if (m && fclose(m) != 0)
            rc = -1;
        if (rc == 0 && zip) {
            /* the page and every file, as rectctl dossier --format zip writes them (libzip writes a
             * file by name: a private temporary one, read back whole) */
            char *page = r->raw;
            size_t page_len = r->raw_len;
            char tmp[] = "/tmp/rectweb-dossier-XXXXXX", zerr[512], html_name[RECT_MAX_NAME + 48];
            char base[RECT_MAX_NAME + 32];
            r->raw = NULL;
            r->raw_len = 0;
            dossier_safe_name(fname, base, sizeof base);
            snprintf(html_name, sizeof html_name, "%s.html", base);
            int fd = mkstemp(tmp);
            rc = -1;
            if (fd >= 0) {
                close(fd);
                rc = dossier_write_zip(tmp, &doc, html_name, page, page_len, zerr, sizeof zerr) == 0
                         ? s_slurp(tmp, r)
                         : (unlink(tmp), -1);
            }
            free(page);
        }
        if (rc == 0) {
            r->status = 200;
            r->type = zip ? "application/zip" : "text/html; charset=utf-8";
            s_attachment(r, name);
        } else {
            free(r->raw);
            r->raw = NULL;
            r->raw_len = 0;
            s_message(q, r, 500, "整改档案", "rectweb 未能生成整改档案，请稍后再试。");
        }
    } else {
        s_refused(q, r, &ba, "整改档案", "/ledger");
        web_answer_free(&ba);
    }
    for (i = 0; i < n; i++)
        free(blobs[i].data);
    free(blobs);
    cfg_destroy(&dir);
    web_answer_free(&a);
}

/* ---- inbox, board, ledger ---- */

/* Notices on the inbox page: the unread ones, oldest first, at most this many (a phone's screenful or two). */
#define S_INBOX_MAX 50

/*
 * The official's unread notices, one page of rectd's (at most S_INBOX_MAX):
 * the page costs what it shows however many notices a year brings, and
 * each one acked makes room for the next. Read ones are not shown.
 */
static void s_inbox(web_req *q, web_reply *r)
{
    web_answer a;
    if (!rectd_call("inbox", q->sess->user, json_pack("{sI}", "limit", (json_int_t)S_INBOX_MAX), 0, NULL, 0,
                    &a)) {
        s_refused(q, r, &a, "通知", "/");
        web_answer_free(&a);
        return;
    }
    r->status = 200;
    s_begin(q, r, "通知");
    wbuf *b = &r->body;
    size_t i;
    json_t *n;
    wb_puts(b, "<ul class=\"notices\">");
    json_array_foreach(json_object_get(a.result, "notices"), i, n) {
        wb_printf(b, "<li class=\"card%s\"><strong>",
                  json_is_true(json_object_get(n, "read")) ? " read" : "");
        wb_esc(b, s_str(n, "subject"));
        wb_puts(b, "</strong><p class=\"meta\">");
        s_when(b, s_str(n, "created"));
        wb_puts(b, "</p><p class=\"text\">");
        wb_esc(b, s_str(n, "text"));
        wb_puts(b, "</p>");
        if (!json_is_true(json_object_get(n, "read"))) {
            wb_puts(b, "<form method=\"post\" action=\"/ack\" class=\"ack\">");
            s_csrf_field(b, q);
            wb_printf(
                b,
                "<input type=\"hidden\" name=\"id\" value=\"%lld\"><button type=\"submit\" class=\"secondary\">标为已读</button></form>",
                (long long)json_integer_value(json_object_get(n, "id")));
        }
        wb_puts(b, "</li>");
    }
    wb_puts(b, "</ul>");
    if (!json_array_size(json_object_get(a.result, "notices")))
        wb_puts(b, "<p class=\"empty\">没有未读通知。</p>");
    if (json_object_get(a.result, "next"))
        wb_printf(b, "<p class=\"more\">只列出了最早的 %zu 条未读通知；标为已读后，其余的会依次显示。</p>",
                  json_array_size(json_object_get(a.result, "notices")));
    web_answer_free(&a);
    s_end(r);
}

static void s_board_table(web_req *q, wbuf *b, const char *by, const char *title)
{
    web_answer a;
    wb_puts(b, "<section class=\"card\"><h2>");
    wb_esc(b, title);
    wb_puts(b, "</h2>");
    if (!rectd_call("stats", q->sess->user, json_pack("{ss}", "by", by), 0, NULL, 0, &a)) {
        web_refusal(b, &a);
        web_answer_free(&a);
        wb_puts(b, "</section>");
        return;
    }
    wb_printf(
        b,
        "<table class=\"board\" id=\"by-%s\"><thead><tr><th>%s</th><th>红灯</th><th>黄灯</th><th>绿灯</th><th>合计</th></tr></thead><tbody>",
        by, !strcmp(by, "unit") ? "责任单位" : "责任领导");
    size_t i;
    json_t *g;
    static const char *const lights[] = {"red", "yellow", "green"};
    json_array_foreach(json_object_get(a.result, "groups"), i, g) {
        const char *key = s_str(g, "key");
        wb_printf(b, "<tr data-key=\"");
        wb_esc(b, key);
        wb_puts(b, "\"><th>");
        wb_esc(b, !strcmp(by, "unit") ? rectd_unit(key) : rectd_display(key));
        wb_puts(b, "</th>");
        for (int l = 0; l < 3; l++) {
            long long n = json_integer_value(json_object_get(json_object_get(g, "lights"), lights[l]));
            wb_printf(b, "<td class=\"%s\"><a href=\"/items?%s=", lights[l], by);
            s_url(b, key);
            wb_printf(b, "&amp;light=%s\">%lld</a></td>", lights[l], n);
        }
        wb_printf(b, "<td><a href=\"/items?%s=", by);
        s_url(b, key);
        wb_printf(b, "\">%lld</a></td></tr>", (long long)json_integer_value(json_object_get(g, "total")));
    }
    wb_puts(b, "</tbody></table></section>");
    web_answer_free(&a);
}

static void s_board(web_req *q, web_reply *r)
{
    r->status = 200;
    s_begin(q, r, "红黄绿灯看板");
    s_board_table(q, &r->body, "unit", "按责任单位");
    s_board_table(q, &r->body, "leader", "按责任领导");
    s_end(r);
}

/* The ledger's formats in the page's order (each named as `rectctl ledger --format` names it): media type, link. */
/* clang-format off */
static const struct {
    ledger_format f;
    const char *type, *label;
} s_ledger_formats[] = {
    {LEDGER_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel（xlsx）"},
    {LEDGER_CSV,  "text/csv; charset=utf-8",                                           "CSV"},
    {LEDGER_MD,   "text/markdown; charset=utf-8",                                      "Markdown"},
    {LEDGER_HTML, "text/html; charset=utf-8",                                          "可打印网页（HTML）"},
    {LEDGER_JSON, "application/json; charset=utf-8",                                   "JSON"},
};
/* clang-format on */
#define S_N_LEDGER_FORMATS (sizeof s_ledger_formats / sizeof s_ledger_formats[0])

/*
 * The ledger in format fmt (an index of s_ledger_formats), written by
 * rectctl's own writers (client/ledger*.c) from what rectd answers this
 * official: `ledger` and the `stats` the format asks, as rectctl asks them
 * (ledger_needs_of), and the format's default columns (ledger_doc_from).
 */
static void s_ledger_file(web_req *q, web_reply *r, size_t fmt)
{
    ledger_format f = s_ledger_formats[fmt].f;
    const char *ext = ledger_format_name(f);
    int xlsx = f == LEDGER_XLSX;
    const char *insp = q->arg(q->arg_ctx, "inspection");
    if (insp && !*insp)
        insp = NULL;
    ledger_needs need = ledger_needs_of(f);
    json_t *args = json_object();
    if (insp)
        json_object_set_new(args, "inspection", json_string(insp));
    if (need.series)
        json_object_set_new(args, "series", json_integer(need.series));
    web_answer a, sa;
    if (!rectd_call("ledger", q->sess->user, args, 0, NULL, 0, &a)) {
        s_refused(q, r, &a, "台账", "/ledger");
        web_answer_free(&a);
        return;
    }
    json_t *stats = json_array();
    for (size_t i = 0; i < need.n_stats; i++) {
        json_t *sargs = json_pack("{ss}", "by", need.stats_by[i]);
        if (insp)
            json_object_set_new(sargs, "inspection", json_string(insp));
        if (!rectd_call("stats", q->sess->user, sargs, 0, NULL, 0, &sa)) {
            s_refused(q, r, &sa, "台账", "/ledger");
            web_answer_free(&sa);
            web_answer_free(&a);
            json_decref(stats);
            return;
        }
        json_array_append(stats, sa.result);
        web_answer_free(&sa);
    }
    rect_cfg *dir = s_dir_of(q);
    ledger_doc doc = {.cfg = dir, .lang = LEDGER_ZH};
    ledger_doc_from(&doc, f, a.result, stats, NULL, NULL, 0); /* the default columns: no refusal */
    int rc = -1;
    if (xlsx) {
        /* libxlsxwriter writes a file by name: a private temporary one, read back whole */
        char tmp[] = "/tmp/rectweb-ledger-XXXXXX";
        int fd = mkstemp(tmp);
        char err[512];
        if (fd >= 0) {
            close(fd);
            rc = ledger_write_xlsx(tmp, &doc, err, sizeof err) == 0 ? s_slurp(tmp, r) : (unlink(tmp), -1);
        }
    } else {
        FILE *m = open_memstream(&r->raw, &r->raw_len);
        if (m) {
            rc = ledger_write(m, f, &doc);
            if (fclose(m) != 0)
                rc = -1;
        }
    }
    if (rc != 0) {
        free(r->raw);
        r->raw = NULL;
        r->raw_len = 0;
        s_message(q, r, 500, "台账", "rectweb 未能生成台账文件，请稍后再试。");
    } else {
        char fname[RECT_MAX_NAME + 64];
        const char *name = json_string_value(json_object_get(a.result, "inspection"));
        snprintf(fname, sizeof fname, "销号台账-%s.%s", name ? name : insp ? insp : "全部", ext);
        r->status = 200;
        r->type = s_ledger_formats[fmt].type;
        s_attachment(r, fname);
    }
    cfg_destroy(&dir);
    json_decref(stats);
    web_answer_free(&a);
}

/* The ledger format of a path "/ledger.EXT", or -1. */
static int s_ledger_format_of(const char *path)
{
    if (strncmp(path, "/ledger.", 8) != 0)
        return -1;
    for (size_t f = 0; f < S_N_LEDGER_FORMATS; f++)
        if (!strcmp(path + 8, ledger_format_name(s_ledger_formats[f].f)))
            return (int)f;
    return -1;
}

static void s_ledger_page(web_req *q, web_reply *r)
{
    web_answer a;
    if (!rectd_call("inspection_list", q->sess->user, NULL, 0, NULL, 0, &a)) {
        s_refused(q, r, &a, "台账", "/");
        web_answer_free(&a);
        return;
    }
    r->status = 200;
    s_begin(q, r, "台账");
    wbuf *b = &r->body;
    size_t i;
    json_t *in;
    wb_puts(b, "<ul class=\"ledgers\">");
    json_array_foreach(json_object_get(a.result, "inspections"), i, in) {
        const char *name = s_str(in, "name");
        wb_puts(b, "<li class=\"card\"><strong>");
        wb_esc(b, *s_str(in, "title") ? s_str(in, "title") : name);
        wb_puts(b, "</strong><p>销号台账：");
        for (size_t f = 0; f < S_N_LEDGER_FORMATS; f++) {
            const char *ext = ledger_format_name(s_ledger_formats[f].f);
            wb_printf(b, "%s<a class=\"ledger-%s\" href=\"/ledger.%s?inspection=", f ? " · " : "", ext, ext);
            s_url(b, name);
            wb_printf(b, "\">%s</a>", s_ledger_formats[f].label);
        }
        wb_puts(b, "</p><p>整改档案：<a class=\"dossier-html\" href=\"/dossier.html?inspection=");
        s_url(b, name);
        wb_puts(
            b,
            "\">可打印网页（HTML，含照片）</a> · <a class=\"dossier-zip\" href=\"/dossier.zip?inspection=");
        s_url(b, name);
        wb_puts(
            b,
            "\">压缩包（网页和全部文件）</a> · <a class=\"dossier-json\" href=\"/dossier.json?inspection=");
        s_url(b, name);
        wb_puts(b, "\">JSON</a></p></li>");
    }
    wb_puts(b, "</ul>");
    web_answer_free(&a);
    s_end(r);
}

/* ---- routing ---- */
void pages_handle(web_req *q, web_reply *r)
{
    int post = strcmp(q->method, "POST") == 0;
    uint64_t id;
    char action[32], sha[65];
    if (!strcmp(q->path, "/login")) {
        if (post)
            s_login_post(q, r);
        else
            s_login_form(q, r, 200, NULL, NULL);
        return;
    }
    if (!q->sess) {
        if (post) {
            s_message(q, r, 403, "请先登录", "请先登录（会话不存在或已过期）。");
        } else {
            r->status = 303;
            snprintf(r->location, sizeof r->location, "/login");
        }
        return;
    }
    if (post && q->form->too_large) {
        char msg[160];
        snprintf(msg, sizeof msg, "上传内容超过 %u MB 的上限，未做任何更改。", q->cfg->max_upload_mb);
        s_message(q, r, 413, "内容太大", msg);
        return;
    }
    if (post && !sess_csrf_ok(q->sess, form_get(q->form, "csrf"))) {
        s_message(q, r, 403, "请求无效",
                  "表单已过期或来源不明（缺少或不符的 CSRF 令牌），未做任何更改。请返回刷新后再试。");
        return;
    }
    if (post && !strcmp(q->path, "/logout")) {
        sess_end(q->sess);
        q->sess = NULL;
        snprintf(r->set_cookie[0], sizeof r->set_cookie[0],
                 "rw_s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s", q->tls ? "; Secure" : "");
        r->status = 303;
        snprintf(r->location, sizeof r->location, "/login");
        return;
    }
    if (!post) {
        if (!strcmp(q->path, "/"))
            s_mine(q, r);
        else if (!strcmp(q->path, "/items"))
            s_items_filtered(q, r);
        else if (!strcmp(q->path, "/verify"))
            s_to_verify(q, r);
        else if (!strcmp(q->path, "/close"))
            s_to_close(q, r);
        else if (!strcmp(q->path, "/inbox"))
            s_inbox(q, r);
        else if (!strcmp(q->path, "/board"))
            s_board(q, r);
        else if (!strcmp(q->path, "/ledger"))
            s_ledger_page(q, r);
        else if (s_ledger_format_of(q->path) >= 0)
            s_ledger_file(q, r, (size_t)s_ledger_format_of(q->path));
        else if ((!strcmp(q->path, "/dossier.json") || !strcmp(q->path, "/dossier.html") ||
                  !strcmp(q->path, "/dossier.zip")) &&
                 q->arg(q->arg_ctx, "inspection")) {
            char fname[RECT_MAX_NAME + 32];
            snprintf(fname, sizeof fname, "整改档案-%s", q->arg(q->arg_ctx, "inspection"));
            s_dossier(q, r, json_pack("{ss}", "inspection", q->arg(q->arg_ctx, "inspection")), fname,
                      q->path + strlen("/dossier."));
        } else if (web_blob_path(q->path, &id, sha))
            s_blob(q, r, id, sha);
        else if (web_item_path(q->path, &id, action, sizeof action) && !action[0])
            s_item_page(q, r, id, NULL);
        else if (web_item_path(q->path, &id, action, sizeof action) && !strcmp(action, "upload"))
            s_upload_form(q, r, id);
        else if (web_item_path(q->path, &id, action, sizeof action) &&
                 (!strcmp(action, "dossier.json") || !strcmp(action, "dossier.html") ||
                  !strcmp(action, "dossier.zip"))) {
            s_dossier(q, r, json_pack("{sI}", "item", (json_int_t)id), NULL, action + strlen("dossier."));
        } else
            s_message(q, r, 404, "找不到页面", "没有这个页面。");
        return;
    }
    if (!strcmp(q->path, "/ack")) {
        const char *v = form_get(q->form, "id");
        char *end = NULL;
        long long n = v ? strtoll(v, &end, 10) : 0;
        web_answer a = {0};
        if (!v || !*v || *end || n < 1) {
            s_message(q, r, 400, "通知", "没有这条通知。");
        } else if (rectd_call("ack", q->sess->user, json_pack("{sI}", "id", (json_int_t)n), 1, NULL, 0, &a)) {
            r->status = 303;
            snprintf(r->location, sizeof r->location, "/inbox");
        } else {
            s_refused(q, r, &a, "通知", "/inbox");
        }
        web_answer_free(&a);
        return;
    }
    if (!web_item_path(q->path, &id, action, sizeof action) || !action[0]) {
        s_message(q, r, 404, "找不到页面", "没有这个页面。");
        return;
    }
    const char *v;
    if (!strcmp(action, "evidence"))
        s_evidence_post(q, r, id);
    else if (!strcmp(action, "start"))
        s_item_write(q, r, id, "start", json_object(), NULL, 0);
    else if (!strcmp(action, "verify"))
        s_item_write(q, r, id, "verify",
                     json_pack("{ssss}", "result", (v = form_get(q->form, "result")) ? v : "", "opinion",
                               form_get(q->form, "opinion") ? form_get(q->form, "opinion") : ""),
                     NULL, 0);
    else if (!strcmp(action, "extend"))
        s_item_write(q, r, id, "extend",
                     json_pack("{ssss}", "deadline", (v = form_get(q->form, "deadline")) ? v : "", "reason",
                               form_get(q->form, "reason") ? form_get(q->form, "reason") : ""),
                     NULL, 0);
    else if (!strcmp(action, "decide")) {
        json_t *args = json_pack("{ss}", "decision", (v = form_get(q->form, "decision")) ? v : "");
        if ((v = form_get(q->form, "note")) && *v)
            json_object_set_new(args, "note", json_string(v));
        s_item_write(q, r, id, "decide_extension", args, NULL, 0);
    } else if (!strcmp(action, "close"))
        s_item_write(q, r, id, "close", json_pack("{ss}", "note", (v = form_get(q->form, "note")) ? v : ""),
                     NULL, 0);
    else
        s_message(q, r, 404, "找不到页面", "没有这个操作。");
}
