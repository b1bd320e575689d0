/*
 * rectd.c - rectweb's calls to rectd (web.h) over common/conn.c with the
 * gateway's CURVE key: every request names the official it acts for, so
 * rectd applies that official's rules and records the gateway as "via".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintl.h>

#include "rect_refusal.h"
#include "web.h"

static conn_t *s_conn;
static const web_cfg *s_cfg;
static char s_client[CONN_CLIENT_ID_LEN + 1];
static json_int_t s_seq;
static json_t *s_dir;
static time_t s_dir_at;

int rectd_open(const web_cfg *cfg)
{
    conn_keys k = {.server_public = cfg->server_key, .public_key = cfg->pub, .secret_key = cfg->sec};
    s_cfg = cfg;
    if (conn_client_id(s_client) != 0)
        return -1;
    s_conn = conn_new(cfg->endpoint, cfg->timeout_ms, 1, &k);
    return s_conn ? 0 : -1;
}

void rectd_close(void)
{
    conn_destroy(&s_conn);
    json_decref(s_dir);
    s_dir = NULL;
}

int rectd_call(const char *cmd, const char *user, json_t *args, int write, const conn_frame *frames,
               size_t nframes, web_answer *a)
{
    memset(a, 0, sizeof *a);
    json_t *req = conn_request_new(cmd, user, args, write, s_client);
    if (req && write)
        json_object_set_new(req, "seq", json_integer(++s_seq));
    int has = 0;
    int rc = req ? conn_call_data(s_conn, req, frames, nframes, &a->reply, &a->data, &a->data_len, &has)
                 : CONN_E_NOMEM;
    json_decref(req);
    if (rc != CONN_OK) {
        a->code = rc == CONN_E_NOMEM ? "out_of_memory" : "unreachable";
        a->message = rc == CONN_E_NOSOCKET    ? "rectd is not running (no socket)"
                     : rc == CONN_E_MALFORMED ? "rectd's answer could not be read"
                                              : "rectd did not answer in time";
        return 0;
    }
    if (json_is_true(json_object_get(a->reply, "ok"))) {
        a->result = json_object_get(a->reply, "result");
        return 1;
    }
    json_t *err = json_object_get(a->reply, "error");
    a->code = json_string_value(json_object_get(err, "code"));
    a->message = json_string_value(json_object_get(err, "message"));
    return 0;
}

void web_answer_free(web_answer *a)
{
    json_decref(a->reply);
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* rectd's directory (display names, units), read again after a minute. */
static json_t *s_directory(void)
{
    time_t now = time(NULL);
    if (s_dir && now - s_dir_at < 60)
        return s_dir;
    web_answer a;
    if (rectd_call("directory", s_cfg->gateway, NULL, 0, NULL, 0, &a)) {
        json_decref(s_dir);
        s_dir = json_incref(a.result);
        s_dir_at = now;
    }
    web_answer_free(&a);
    return s_dir;
}

static const char *s_lookup(const char *table, const char *key, const char *id, const char *field,
                            const char *fallback)
{
    json_t *dir = s_directory(), *v;
    size_t i;
    if (!fallback)
        return "-";
    json_array_foreach(json_object_get(dir, table), i, v) {
        const char *k = json_string_value(json_object_get(v, key));
        if (k && strcmp(k, id) == 0) {
            const char *s = json_string_value(json_object_get(v, field));
            return s ? s : fallback;
        }
    }
    return fallback;
}

const char *rectd_display(const char *user)
{
    return user ? s_lookup("users", "name", user, "display", user) : "-";
}

const char *rectd_zone(void)
{
    const char *z = json_string_value(json_object_get(s_directory(), "timezone"));
    return z ? z : "UTC";
}

const char *rectd_unit(const char *unit)
{
    return unit ? s_lookup("units", "id", unit, "name", unit) : "-";
}

/* The Chinese summary of each error code (as po/zh_CN.po words rect_proto.h's). */
static const struct {
    const char *code, *zh;
} s_summaries[] = {
    {"bad_request", "请求格式有误"},
    {"bad_utf8", "文字不是有效的 UTF-8"},
    {"too_large", "内容太大"},
    {"unknown_command", "rectd 不认识这个命令"},
    {"unknown_field", "命令不接受这个参数"},
    {"missing_field", "缺少必填内容"},
    {"bad_type", "值的类型不对"},
    {"bad_value", "值不被允许"},
    {"bad_date", "日期无效"},
    {"unknown_user", "不是已配置的用户"},
    {"unknown_name", "配置中没有这个名称"},
    {"not_found", "未找到"},
    {"ambiguous_ref", "这个编号对应多个考核的事项"},
    {"duplicate_ref", "编号已被占用"},
    {"permission_denied", "该用户无权这样做"},
    {"invalid_transition", "事项当前状态下不能这样做"},
    {"missing_evidence", "尚未上传佐证材料"},
    {"damaged", "存储的数据与其哈希不符"},
    {"seq_reused", "请求编号重复使用"},
    {"storage_full", "数据库已满"},
    {"throttled", "失败次数过多，请稍后再试"},
    {"out_of_memory", "内存不足"},
    {"unreachable", "无法连接 rectd"},
    {"internal", "rectd 内部错误"},
};

/* rect_tr_fn: rectctl's catalogue (bound in main.c). */
static const char *s_tr(const char *msgid, void *arg)
{
    (void)arg;
    return dgettext("rectctl", msgid);
}

/* rect_name_fn: users by their display names; commands as they are. */
static const char *s_name(const char *kind, const char *id, void *arg)
{
    (void)arg;
    return !strcmp(kind, "user") ? rectd_display(id) : NULL;
}

void web_refusal(wbuf *b, const web_answer *a)
{
    const char *zh = "操作未成功";
    for (size_t i = 0; a->code && i < sizeof s_summaries / sizeof s_summaries[0]; i++)
        if (strcmp(s_summaries[i].code, a->code) == 0)
            zh = s_summaries[i].zh;
    /* The sentence rectctl would print (common/refusal.c), else rectd's own message. */
    rect_lang lang = {s_tr, s_name, NULL};
    char sentence[2048];
    const json_t *details = json_object_get(json_object_get(a->reply, "error"), "details");
    refusal_render(&lang, a->code, details, a->message, sentence, sizeof sentence);
    wb_puts(b, "<div class=\"refusal\" role=\"alert\"><strong>");
    wb_esc(b, zh);
    wb_puts(b, "</strong>");
    if (sentence[0]) {
        wb_puts(b, "<p class=\"detail\">");
        wb_esc(b, sentence);
        wb_puts(b, "</p>");
    }
    wb_puts(b, "</div>");
}
