/*
 * report.c - rectctl report: the 整改报告 in Chinese (see report.h).
 *
 * One writer for both formats: the prose is composed once into strings
 * and laid out by a Markdown or an HTML emitter (escaping and the page's
 * start shared with the ledger: ledger.h). Nothing here counts anything.
 */
#include "report.h"
#include "directory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "i18n.h"
#include "ledger.h"
#include "rect_date.h"
#include "render.h"

/* clang-format off */
const cli_opt cli_report_opts[] = {
    {.name = "inspection", .metavar = NC_("placeholder", "NAME"),
     .help = N_("the inspection the report is about (required)")},
    {.name = "as-of", .metavar = NC_("placeholder", "DATE"),
     .help = N_("the record as it stood at the end of DATE (rebuilt from the event log)")},
    {.name = "format", .metavar = NC_("placeholder", "FORMAT"),
     .help = N_("md or html (default: from -o's extension, else md)")},
    {.name = "output", .flags = CLI_SHORT, .metavar = NC_("placeholder", "FILE"),
     .help = N_("write to FILE (replaced whole, only when complete) instead of stdout")},
    {.name = NULL},
};
/* clang-format on */

/* ---- reading the result ------------------------------------------------------ */

static long s_int(const json_t *o, const char *key)
{
    return (long)json_integer_value(json_object_get(o, key));
}

/* 1 if o's key is a number (fed_back may be null: not recorded). */
static int s_known(const json_t *o, const char *key)
{
    return json_is_integer(json_object_get(o, key));
}

static const char *s_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The count o's key into buf ("—" when not recorded); returns buf. */
static const char *s_num(const json_t *o, const char *key, char *buf, size_t len)
{
    if (s_known(o, key))
        snprintf(buf, len, "%ld", s_int(o, key));
    else
        snprintf(buf, len, "—");
    return buf;
}

/* "2026年12月23日" of a canonical date, or the text as given. */
static const char *s_date_zh(const char *date, char *buf, size_t len)
{
    int y, m, d;
    if (date && sscanf(date, "%4d-%2d-%2d", &y, &m, &d) == 3)
        snprintf(buf, len, "%d年%d月%d日", y, m, d);
    else
        snprintf(buf, len, "%s", date ? date : "");
    return buf;
}

static const char *const s_level_zh[] = {
    "national", "国家级", "regional", "自治区级", "county", "县级", "town", "镇级（自查）", "other", "其他",
};

static const char *s_level(const char *id)
{
    for (size_t i = 0; i + 1 < sizeof s_level_zh / sizeof s_level_zh[0]; i += 2)
        if (strcmp(s_level_zh[i], id) == 0)
            return s_level_zh[i + 1];
    return id;
}

/* ---- the emitters ---------------------------------------------------------------- */

typedef struct {
    FILE *out;
    int html;
    const json_t *rep;
    const rect_cfg *cfg;
} s_doc;

static void s_heading(s_doc *d, int level, const char *text)
{
    if (d->html) {
        fprintf(d->out, "<h%d>", level);
        ledger_html_esc(d->out, text);
        fprintf(d->out, "</h%d>\n", level);
    } else {
        fprintf(d->out, "%s %s\n\n", level == 1 ? "#" : "##", text);
    }
}

/* A paragraph; cls (HTML only) a class or NULL. */
static void s_para(s_doc *d, const char *text, const char *cls)
{
    if (d->html) {
        fprintf(d->out, "<p%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
        ledger_html_esc(d->out, text);
        fputs("</p>\n", d->out);
    } else {
        fprintf(d->out, "%s\n\n", text);
    }
}

/* A table row; head: the header row (then the Markdown rule follows). */
static void s_row(s_doc *d, const char *const *cells, int n, int head)
{
    if (d->html) {
        fputs(head ? "<thead><tr>" : "<tr>", d->out);
        for (int i = 0; i < n; i++) {
            /* counts (and "—", not recorded) right-aligned */
            int num = !head && cells[i][0] &&
                      (strspn(cells[i], "0123456789") == strlen(cells[i]) || strcmp(cells[i], "—") == 0);
            fputs(head ? "<th>" : num ? "<td class=\"n\">" : "<td>", d->out);
            ledger_html_esc_lines(d->out, cells[i]);
            fputs(head ? "</th>" : "</td>", d->out);
        }
        fputs(head ? "</tr></thead>\n<tbody>\n" : "</tr>\n", d->out);
        return;
    }
    fputs("|", d->out);
    for (int i = 0; i < n; i++) {
        fputs(" ", d->out);
        ledger_md_cell(d->out, cells[i]);
        fputs(" |", d->out);
    }
    fputs("\n", d->out);
    if (head) {
        fputs("|", d->out);
        for (int i = 0; i < n; i++)
            fputs("---|", d->out);
        fputs("\n", d->out);
    }
}

static void s_table_begin(s_doc *d, const char *const *head, int n)
{
    if (d->html)
        fputs("<table>\n", d->out);
    s_row(d, head, n, 1);
}

static void s_table_end(s_doc *d)
{
    fputs(d->html ? "</tbody>\n</table>\n" : "\n", d->out);
}

/* ---- composing text ------------------------------------------------------------------ */

/* A growing string (open_memstream); s_text_take ends it and hands it over (caller frees). */
typedef struct {
    FILE *f;
    char *buf;
    size_t len;
} s_text;

static int s_text_open(s_text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->f = open_memstream(&t->buf, &t->len);
    return t->f ? 0 : -1;
}

static char *s_text_take(s_text *t)
{
    if (!t->f)
        return NULL;
    int bad = ferror(t->f);
    fclose(t->f);
    t->f = NULL;
    if (bad) {
        free(t->buf);
        return NULL;
    }
    return t->buf;
}

/* Emit t as a paragraph and free it. -1 when it could not be made. */
static int s_para_take(s_doc *d, s_text *t, const char *cls)
{
    char *p = s_text_take(t);
    if (!p)
        return -1;
    s_para(d, p, cls);
    free(p);
    return 0;
}

/* The joiner before entry i of n: "", "、" … and "及" before the last. */
static const char *s_join(size_t i, size_t n)
{
    return i == 0 ? "" : i + 1 == n ? "及" : "、";
}

/* ---- the sections ---------------------------------------------------------------------- */

/* The count columns of the claims table. */
static const char *const s_keys[7] = {"fed_back",  "claimed",   "not_claimed", "immediate",
                                      "long_term", "rectified", "closed"};

/* 一、反馈问题认领情况 */
static int s_claims(s_doc *d)
{
    const json_t *sources = json_object_get(d->rep, "sources"), *tot = json_object_get(d->rep, "totals"), *s;
    size_t n = json_array_size(sources), i;
    s_text t;
    s_heading(d, 2, "一、反馈问题认领情况");
    if (s_text_open(&t))
        return -1;
    if (!n) {
        fputs("本次考核评估尚未记录反馈问题，也没有认领的问题。", t.f);
        return s_para_take(d, &t, NULL);
    }
    fputs("针对", t.f);
    json_array_foreach(sources, i, s) {
        const char *name = json_is_string(json_object_get(s, "name")) ? s_str(s, "name") : "其他来源";
        fprintf(t.f, "%s%s", s_join(i, n), name);
        if (s_known(s, "fed_back"))
            fprintf(t.f, "%ld条", s_int(s, "fed_back"));
        else
            fputs("（反馈数未记录）", t.f);
    }
    if (s_known(tot, "fed_back"))
        fprintf(t.f, "，共%ld个问题", s_int(tot, "fed_back"));
    fputs("，开展全面自查，根据实际情况", t.f);
    if (n > 1) {
        fputs("分别认领", t.f);
        json_array_foreach(sources, i, s)
            fprintf(t.f, "%s%ld条", i ? "、" : "", s_int(s, "claimed"));
        fprintf(t.f, "，共认领%ld条", s_int(tot, "claimed"));
    } else {
        fprintf(t.f, "认领%ld条", s_int(tot, "claimed"));
    }
    fprintf(t.f, "，其中立查立改%ld条，长期坚持%ld条。", s_int(tot, "immediate"), s_int(tot, "long_term"));
    long declined = s_int(tot, "declined");
    if (s_known(tot, "not_claimed") && s_int(tot, "not_claimed") > 0) {
        long nc = s_int(tot, "not_claimed");
        fprintf(t.f, "不认领%ld条", nc);
        if (declined > 0)
            fputs("，问题及原因见附表一", t.f);
        if (declined == 0)
            fputs("，尚未记录不认领原因", t.f);
        else if (declined < nc)
            fprintf(t.f, "，其中%ld条尚未记录不认领原因", nc - declined);
        fputs("。", t.f);
    } else if (s_known(tot, "not_claimed")) {
        fputs("反馈问题已全部认领。", t.f);
    }
    if (s_para_take(d, &t, NULL))
        return -1;

    static const char *const head[] = {"层级",     "问题来源", "反馈",   "认领",  "不认领",
                                       "立查立改", "长期坚持", "已整改", "已销号"};
    s_table_begin(d, head, 9);
    const json_t *levels = json_object_get(d->rep, "levels"), *lv;
    size_t k;
    json_array_foreach(levels, k, lv) {
        const char *level = s_str(lv, "level");
        size_t in_level = 0;
        json_array_foreach(sources, i, s) {
            if (strcmp(s_str(s, "level"), level) != 0)
                continue;
            in_level++;
            char c[7][24];
            const char *cells[9] = {s_level(level), json_is_string(json_object_get(s, "name"))
                                                        ? s_str(s, "name")
                                                        : "（未配置的来源）"};
            for (int j = 0; j < 7; j++)
                cells[2 + j] = s_num(s, s_keys[j], c[j], sizeof c[j]);
            s_row(d, cells, 9, 0);
        }
        if (in_level > 1) {
            char c[7][24];
            char label[64];
            snprintf(label, sizeof label, "%s小计", s_level(level));
            const char *cells[9] = {label, ""};
            for (int j = 0; j < 7; j++)
                cells[2 + j] = s_num(lv, s_keys[j], c[j], sizeof c[j]);
            s_row(d, cells, 9, 0);
        }
    }
    {
        char c[7][24];
        const char *cells[9] = {"合计", ""};
        for (int j = 0; j < 7; j++)
            cells[2 + j] = s_num(tot, s_keys[j], c[j], sizeof c[j]);
        s_row(d, cells, 9, 0);
    }
    s_table_end(d);
    return 0;
}

/* 二、整改落实情况 */
static int s_progress(s_doc *d)
{
    const json_t *tot = json_object_get(d->rep, "totals");
    char day[64];
    s_text t;
    s_heading(d, 2, "二、整改落实情况");
    if (s_text_open(&t))
        return -1;
    long claimed = s_int(tot, "claimed"), rectified = s_int(tot, "rectified");
    fprintf(t.f,
            "截至%s，认领的%ld个问题中，目前已整改完成%ld个，已销号%ld个（按期销号%ld个，逾期销号%ld个）",
            s_date_zh(s_str(d->rep, "date"), day, sizeof day), claimed, rectified, s_int(tot, "closed"),
            s_int(tot, "closed_on_time"), s_int(tot, "closed_late"));
    if (s_int(tot, "verified"))
        fprintf(t.f, "，已验收待销号%ld个", s_int(tot, "verified"));
    if (s_int(tot, "open"))
        fprintf(t.f, "，正在整改%ld个", s_int(tot, "open"));
    fputs("。", t.f);
    if (claimed > 0 && rectified == claimed)
        fputs("认领问题已全部整改完毕。", t.f);
    if (s_int(tot, "closed_late"))
        fputs("逾期销号的问题见附表三。", t.f);
    if (s_para_take(d, &t, NULL) || s_text_open(&t))
        return -1;
    if (s_int(tot, "overdue"))
        fprintf(t.f, "当前超过整改时限仍未完成的问题%ld个，责任单位和责任人见附表二。",
                s_int(tot, "overdue"));
    else
        fputs("当前没有超过整改时限仍未完成的问题。", t.f);
    fprintf(t.f, "整改期间申请延期%ld次，批准%ld次，未批准%ld次", s_int(tot, "extensions_asked"),
            s_int(tot, "extensions_approved"), s_int(tot, "extensions_denied"));
    if (s_int(tot, "extensions_pending"))
        fprintf(t.f, "，待审批%ld个", s_int(tot, "extensions_pending"));
    fprintf(t.f, "；督办%ld次（领导督办%ld次，超期预警督办%ld次）。", s_int(tot, "supervisions"),
            s_int(tot, "urges"), s_int(tot, "escalations"));
    if (s_para_take(d, &t, NULL) || s_text_open(&t))
        return -1;
    fprintf(t.f, "坚持整改一个、验收一个、销号一个、巩固一个，对已销号的问题开展巩固回访%ld次，发现反弹%ld次",
            s_int(tot, "reviews"), s_int(tot, "relapses"));
    if (s_int(tot, "reviews_due"))
        fprintf(t.f, "；%ld个问题已到巩固回访时间", s_int(tot, "reviews_due"));
    fputs("。", t.f);
    return s_para_take(d, &t, NULL);
}

/* 三、举一反三自查情况 */
static int s_self_found(s_doc *d)
{
    const json_t *tot = json_object_get(d->rep, "totals"), *list = json_object_get(d->rep, "self_found"), *it;
    size_t i;
    s_text t;
    s_heading(d, 2, "三、举一反三自查情况");
    if (s_text_open(&t))
        return -1;
    fprintf(t.f, "举一反三、自查自纠发现同类问题%ld个，已整改完成%ld个，已销号%ld个。",
            s_int(tot, "self_found"), s_int(tot, "self_found_rectified"), s_int(tot, "self_found_closed"));
    if (s_para_take(d, &t, NULL))
        return -1;
    if (!json_array_size(list))
        return 0;
    static const char *const head[] = {"编号", "问题", "关联问题", "状态", "责任单位", "责任人"};
    s_table_begin(d, head, 6);
    json_array_foreach(list, i, it) {
        const char *cells[6] = {s_str(it, "ref"),
                                s_str(it, "title"),
                                s_str(it, "parent_ref"),
                                ledger_state_label(LEDGER_ZH, s_str(it, "state")),
                                *s_str(it, "unit") ? render_unit(d->cfg, s_str(it, "unit")) : "",
                                *s_str(it, "owner") ? render_user(d->cfg, s_str(it, "owner")) : ""};
        s_row(d, cells, 6, 0);
    }
    s_table_end(d);
    return 0;
}

/* The appendices: not claimed, overdue now, closed late. */
static void s_appendices(s_doc *d)
{
    const json_t *list, *it;
    size_t i;
    char num[32], days[32];
    if (json_array_size(list = json_object_get(d->rep, "declined"))) {
        static const char *const head[] = {"序号", "问题来源", "问题", "不认领原因"};
        s_heading(d, 2, "附表一：不认领问题及原因");
        s_table_begin(d, head, 4);
        json_array_foreach(list, i, it) {
            snprintf(num, sizeof num, "%zu", i + 1);
            const char *cells[4] = {num,
                                    *s_str(it, "source") ? render_source(d->cfg, s_str(it, "source")) : "",
                                    s_str(it, "title"), s_str(it, "reason")};
            s_row(d, cells, 4, 0);
        }
        s_table_end(d);
    }
    if (json_array_size(list = json_object_get(d->rep, "overdue"))) {
        static const char *const head[] = {"编号",     "问题",     "责任单位", "责任人",
                                           "责任领导", "整改时限", "逾期天数"};
        s_heading(d, 2, "附表二：超过整改时限未完成的问题");
        s_table_begin(d, head, 7);
        json_array_foreach(list, i, it) {
            snprintf(days, sizeof days, "%ld", s_int(it, "days_overdue"));
            const char *cells[7] = {s_str(it, "ref"),
                                    s_str(it, "title"),
                                    *s_str(it, "unit") ? render_unit(d->cfg, s_str(it, "unit")) : "",
                                    *s_str(it, "owner") ? render_user(d->cfg, s_str(it, "owner")) : "",
                                    *s_str(it, "leader") ? render_user(d->cfg, s_str(it, "leader")) : "",
                                    s_str(it, "deadline"),
                                    days};
            s_row(d, cells, 7, 0);
        }
        s_table_end(d);
    }
    if (json_array_size(list = json_object_get(d->rep, "closed_late"))) {
        static const char *const head[] = {"编号", "问题", "责任单位", "责任人", "整改时限", "逾期天数"};
        s_heading(d, 2, "附表三：逾期销号的问题");
        s_table_begin(d, head, 6);
        json_array_foreach(list, i, it) {
            snprintf(days, sizeof days, "%ld", s_int(it, "days_late"));
            const char *cells[6] = {s_str(it, "ref"),
                                    s_str(it, "title"),
                                    *s_str(it, "unit") ? render_unit(d->cfg, s_str(it, "unit")) : "",
                                    *s_str(it, "owner") ? render_user(d->cfg, s_str(it, "owner")) : "",
                                    s_str(it, "deadline"),
                                    days};
            s_row(d, cells, 6, 0);
        }
        s_table_end(d);
    }
}

/* The 审核人 line and where the numbers come from. */
static int s_footer(s_doc *d)
{
    const json_t *rv = json_object_get(d->rep, "reviewer"), *head = json_object_get(d->rep, "head");
    char day[64], when[64];
    s_text t;
    if (s_text_open(&t))
        return -1;
    const char *name = json_string_value(json_object_get(rv, "name"));
    fprintf(t.f, "审核人：%s", name && *name ? name : "__________");
    if (json_is_true(json_object_get(rv, "signed")))
        fprintf(t.f, "　　%s", s_date_zh(s_str(rv, "date"), day, sizeof day));
    if (s_para_take(d, &t, "sign"))
        return -1;
    if (json_is_true(json_object_get(rv, "signed")) && json_is_true(json_object_get(rv, "changed")))
        s_para(d, "注：审核签署之后，记录又有新的变更。", "note");
    if (s_text_open(&t))
        return -1;
    ledger_doc ld = {.ledger = d->rep, .cfg = d->cfg, .lang = LEDGER_ZH};
    ledger_local_time(&ld, s_str(d->rep, "generated_at"), when, sizeof when);
    fprintf(t.f, "本报告数字由 rectd 根据事件记录生成：截至第%ld条事件，链头 %s；%s 由%s生成。",
            s_int(head, "seq"), s_str(head, "hash"), when,
            render_user(d->cfg, s_str(d->rep, "generated_by")));
    return s_para_take(d, &t, "source");
}

static int s_write(s_doc *d)
{
    char title[512], day[64];
    const char *name = json_string_value(json_object_get(d->rep, "title"));
    snprintf(title, sizeof title, "%s整改落实情况报告", name ? name : s_str(d->rep, "inspection"));
    if (d->html) {
        ledger_html_begin(d->out, LEDGER_ZH, title, "A4 portrait");
        fputs("body { font-size: 11pt; max-width: 190mm; line-height: 1.7; }\n"
              "h1 { font-size: 17pt; margin-bottom: 2px; }\n"
              "h2 { font-size: 12.5pt; margin: 14px 0 4px; break-after: avoid; }\n"
              "p { text-indent: 2em; margin: 4px 0; }\n"
              "p.date { text-align: center; text-indent: 0; margin-bottom: 12px; }\n"
              "p.sign { text-align: right; margin-top: 24px; font-size: 12pt; }\n"
              "p.note, p.source { text-indent: 0; font-size: 8.5pt; color: #444; overflow-wrap: anywhere; }\n"
              "table { border-collapse: collapse; width: 100%; font-size: 9pt; line-height: 1.35;\n"
              "  margin: 6px 0 10px; }\n"
              "thead { display: table-header-group; }\n"
              "th { background: #e8eef7; word-break: keep-all; }\n"
              "th, td { border: 0.5pt solid #777; padding: 2px 4px; vertical-align: top; }\n"
              "td.n { text-align: right; white-space: nowrap; }\n"
              "tr { break-inside: avoid; page-break-inside: avoid; }\n"
              "</style>\n</head>\n<body>\n",
              d->out);
    }
    s_heading(d, 1, title);
    char sub[128];
    snprintf(sub, sizeof sub, "（截至%s）", s_date_zh(s_str(d->rep, "date"), day, sizeof day));
    s_para(d, sub, "date");
    if (s_claims(d) || s_progress(d) || s_self_found(d))
        return -1;
    s_appendices(d);
    if (s_footer(d))
        return -1;
    if (d->html)
        fputs("</body>\n</html>\n", d->out);
    return ferror(d->out) ? -1 : 0;
}

int report_write_md(FILE *out, const json_t *rep, const rect_cfg *cfg)
{
    s_doc d = {out, 0, rep, cfg};
    return s_write(&d);
}

int report_write_html(FILE *out, const json_t *rep, const rect_cfg *cfg)
{
    s_doc d = {out, 1, rep, cfg};
    return s_write(&d);
}

/* ---- the command ------------------------------------------------------------------------- */

enum { F_MD, F_HTML, F_JSON };

static int s_emit(FILE *out, int f, const json_t *rep, const rect_cfg *cfg)
{
    if (f == F_JSON)
        return ledger_print_json(out, rep);
    return f == F_HTML ? report_write_html(out, rep, cfg) : report_write_md(out, rep, cfg);
}

/* Write to path through a temporary file beside it, renamed only when complete. An exit code. */
static int s_write_file(const char *path, int f, const json_t *rep, const rect_cfg *cfg)
{
    char *tmp = NULL;
    int fd = cli_tmp_beside(path, &tmp);
    if (fd < 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    FILE *out = fdopen(fd, "wb");
    if (!out)
        close(fd);
    int ok = out && s_emit(out, f, rep, cfg) == 0;
    int err = errno;
    if (out && fclose(out) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        err = errno;
    }
    if (!ok) {
        cli_error(_("cannot write %s: %s"), path, strerror(err));
        unlink(tmp);
    }
    free(tmp);
    return ok ? RECT_EXIT_OK : RECT_EXIT_USAGE;
}

static const char *s_opt(const cli_args *a, const char *name)
{
    const cli_cmd *cmd = cli_command_find("report");
    int i = cmd ? cli_opt_index(cmd, name) : -1;
    return i >= 0 ? a->val[i] : NULL;
}

int cli_report_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *inspection = s_opt(a, "inspection"), *as_of_text = s_opt(a, "as-of");
    const char *format = s_opt(a, "format"), *output = s_opt(a, "output");
    char as_of[RECT_DATE_LEN];
    int f = F_MD;
    if (!inspection || !*inspection) {
        cli_error(_("report: --inspection NAME is required (rectctl inspection list shows the inspections)"));
        return RECT_EXIT_USAGE;
    }
    if (format && strcmp(format, "md") != 0 && strcmp(format, "html") != 0) {
        cli_error(_("report: --format must be md or html, not \"%s\""), format);
        return RECT_EXIT_USAGE;
    }
    if (ctx->g.json) {
        f = F_JSON;
    } else if (format) {
        f = strcmp(format, "html") == 0 ? F_HTML : F_MD;
    } else if (output) {
        const char *dot = strrchr(output, '.'), *slash = strrchr(output, '/');
        if (dot && (!slash || dot > slash) && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0))
            f = F_HTML;
    }
    if (as_of_text && date_parse(as_of_text, as_of) != 0) {
        cli_error(_("report: --as-of \"%s\" is not a date (YYYY-MM-DD)"), as_of_text);
        return RECT_EXIT_USAGE;
    }
    json_t *args = json_object(), *rep = NULL;
    if (!args || json_object_set_new(args, "inspection", json_string(inspection)) != 0) {
        json_decref(args);
        cli_error(_("--inspection: not valid UTF-8 text"));
        return RECT_EXIT_USAGE;
    }
    if (as_of_text && json_object_set_new(args, "as_of", json_string(as_of)) != 0) {
        json_decref(args);
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    conn_t *conn = cli_conn(ctx); /* the invocation's: the directory is asked over it too */
    if (!conn) {
        json_decref(args);
        return RECT_EXIT_USAGE;
    }
    int rc = cli_call(ctx, conn, "report", args, &rep);
    if (rc != RECT_EXIT_OK)
        return rc;
    if (output && strcmp(output, "-") != 0) {
        rc = s_write_file(output, f, rep, cli_dir(ctx));
        if (rc == RECT_EXIT_OK) {
            const char *insp = json_string_value(json_object_get(rep, "inspection"));
            printf(_("wrote %s (%s): the rectification report of %s\n"), output,
                   f == F_HTML   ? "html"
                   : f == F_JSON ? "json"
                                 : "md",
                   insp ? insp : "-");
        }
    } else if (s_emit(stdout, f, rep, cli_dir(ctx)) != 0 || fflush(stdout) != 0) {
        cli_error(_("cannot write the report: %s"), strerror(errno));
        rc = RECT_EXIT_USAGE;
    }
    json_decref(rep);
    return rc;
}
