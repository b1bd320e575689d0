/*
 * ledger_html.c - the ledger as one self-contained HTML page: no external
 * fonts, scripts or images; prints on A4 landscape with the table header on
 * every page and page numbers (CSS @page margin boxes); three inline SVG
 * charts drawn here (no JavaScript): items by state per source, open items
 * over time, red items by unit. All text is escaped for HTML and SVG. The
 * table is 9pt with fixed column widths from ledger_layout.c and the
 * columns of doc->columns; below it the lines to seal, sign and date, and
 * the chain head printed short with a note of what it is.
 */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rect_date.h"
#include "rect_proto.h"
#include "rect_text.h"
#include "render.h"

/* Colours of the states (claimed … closed) and of the charts. */
static const char *const s_state_colors[RECT_ST_COUNT] = {
    "#9e9e9e", "#64b5f6", "#ffb74d", "#81c784", "#2e7d32",
};
#define S_RED "#d32f2f"
#define S_LINE "#1565c0"

/* Chart geometry (SVG user units; the viewBox scales them to the page). */
#define S_W 360
#define S_H 220

/*
 * The table's width in em of its 9pt text: A4 landscape (297 mm) less the
 * page's margins (2 × 10 mm) and the body's padding, with a little room
 * for rounding; and each column's padding and border.
 */
#define S_PAGE_EM 85.0
#define S_COL_PAD_EM 0.55

void ledger_html_esc(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

void ledger_html_esc_lines(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *piece = strndup(p, n);
        ledger_html_esc(out, piece ? piece : "");
        free(piece);
        if (!nl)
            break;
        fputs("<br>", out);
        p = nl;
    }
}

/* CSS string content (for @page content): quotes and backslashes escaped. */
void ledger_html_css_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', out);
        if (*p == '<')
            fputs("\\3C ", out);
        else if (*p == '\n')
            fputc(' ', out);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

void ledger_html_begin(FILE *out, ledger_lang lang, const char *title, const char *page)
{
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
            lang == LEDGER_ZH ? "zh-CN" : "en");
    fputs("<title>", out);
    ledger_html_esc(out, title);
    fputs("</title>\n", out);
    fprintf(out,
            "<style>\n"
            "@page { size: %s; margin: 12mm 10mm 14mm 10mm;\n"
            "  @top-left { content: ",
            page);
    ledger_html_css_string(out, title);
    fputs("; font-size: 8pt; color: #555; }\n"
          "  @bottom-center { content: ",
          out);
    /* "第 N 页，共 M 页" / "page N of M" around the two counters. */
    const char *fmt = ledger_label(lang, LL_PAGE);
    const char *first = strstr(fmt, "%s");
    const char *second = first ? strstr(first + 2, "%s") : NULL;
    if (first && second) {
        char *a = strndup(fmt, (size_t)(first - fmt));
        char *b = strndup(first + 2, (size_t)(second - first - 2));
        ledger_html_css_string(out, a ? a : "");
        fputs(" counter(page) ", out);
        ledger_html_css_string(out, b ? b : "");
        fputs(" counter(pages) ", out);
        ledger_html_css_string(out, second + 2);
        free(a);
        free(b);
    } else {
        fputs("counter(page) \" / \" counter(pages)", out);
    }
    fputs("; font-size: 8pt; color: #555; } }\n"
          "html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
          "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"WenQuanYi Micro Hei\",\n"
          "  \"Microsoft YaHei\", \"PingFang SC\", \"SimSun\", sans-serif; font-size: 9pt;\n"
          "  color: #111; margin: 0 auto; max-width: 1600px; padding: 8px; }\n"
          "h1 { font-size: 15pt; text-align: center; margin: 4px 0 8px; }\n",
          out);
}

/* The ledger's own style rules, after ledger_html_begin's; closes the style element. */
static void s_style(FILE *out)
{
    fputs(".top { display: flex; gap: 12px; align-items: flex-start; margin-bottom: 8px;\n"
          "  break-inside: avoid; }\n"
          ".summary { border-collapse: collapse; font-size: 9pt; flex: 0 0 auto; }\n"
          ".summary th { text-align: left; font-weight: normal; color: #333; padding: 1px 8px 1px 0; }\n"
          ".summary td { text-align: right; font-weight: bold; padding: 1px 0; }\n"
          ".charts { display: flex; gap: 8px; flex: 1 1 auto; }\n"
          ".charts figure { margin: 0; flex: 1 1 0; min-width: 0; }\n"
          ".charts svg { width: 100%; height: auto; display: block; }\n"
          ".charts figcaption { font-size: 8.5pt; font-weight: bold; text-align: center; }\n"
          /* Fixed layout: the widths are worked out from the rows
           * (ledger_layout.c) and set on the <col> elements; the table's
           * text is 9pt, the smallest an official reads on paper. */
          "table.ledger { border-collapse: collapse; width: 100%; table-layout: fixed;\n"
          "  font-size: 9pt; line-height: 1.25; }\n"
          "table.ledger thead { display: table-header-group; }\n"
          "table.ledger th { background: #e8eef7; font-weight: bold; word-break: keep-all; }\n"
          "table.ledger th, table.ledger td { border: 0.5pt solid #777; padding: 1.5pt 2pt;\n"
          "  vertical-align: top; overflow-wrap: anywhere; }\n"
          "table.ledger tr { break-inside: avoid; page-break-inside: avoid; }\n"
          "td.nw, td.n, span.nw { white-space: nowrap; }\n"
          "td.k, td.u { word-break: normal; }\n"
          /* A title in at most three lines: cut with "…" here already
           * (the full text is kept in the other formats); the clamp is a
           * second guard for a font wider than expected. */
          "td.t div { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 3;\n"
          "  line-clamp: 3; overflow: hidden; }\n"
          "td.n { text-align: right; }\n"
          "td.st-closed { color: #2e7d32; } td.st-rectifying { color: #e65100; }\n"
          "td.late { color: " S_RED "; font-weight: bold; }\n"
          ".footer { margin-top: 10px; font-size: 9pt; break-inside: avoid; }\n"
          ".footer div { margin: 2px 0; } .footer .hash { font-family: monospace; }\n"
          ".footer .note { color: #555; font-size: 8pt; }\n"
          ".sign { margin-top: 16px; font-size: 10pt; display: flex; gap: 3em; flex-wrap: wrap; }\n"
          ".sign span { white-space: nowrap; }\n"
          "</style>\n",
          out);
}

/*
 * How each column's cells are set: nw never wraps (short terms: 长期坚持,
 * 验收通过, names), n a count (right, no wrap), k a source and u a unit
 * (whole when they fit the column, else wrapped), t the problem (at most
 * three lines: s_title_cell), m / l free text, d a deadline (each date
 * whole, a break before "→"), w who and when (date and time each whole).
 * The widths are ledger_layout_compute's: what the short columns need, the
 * rest shared by the free text where it saves the most lines.
 */
static const char *const s_col_class[LEDGER_COLS] = {
    [LL_REF] = "nw",       [LL_SOURCE] = "k",     [LL_TITLE] = "t",       [LL_MEASURES] = "m",
    [LL_KIND] = "nw",      [LL_LEADER] = "nw",    [LL_UNIT] = "u",        [LL_OWNER] = "nw",
    [LL_DEADLINE] = "d",   [LL_STATE] = "nw",     [LL_EVIDENCE] = "n",    [LL_LATEST] = "l",
    [LL_VERIFIED] = "w",   [LL_CLOSED] = "w",     [LL_DAYS_LATE] = "n",   [LL_DAYS_OVERDUE] = "n",
    [LL_REJECTIONS] = "n", [LL_EXTENSIONS] = "n", [LL_ESCALATIONS] = "n",
};

/*
 * Header labels with the places a line may break ("|"), since CJK would
 * otherwise break anywhere in a narrow column (th: word-break keep-all).
 * NULL: the label as is.
 */
static const char *const s_head_zh[LEDGER_COLS] = {
    [LL_SOURCE] = "问题|来源",
    [LL_MEASURES] = "整改|措施",
    [LL_KIND] = "整改|类型",
    [LL_LEADER] = "责任|领导",
    [LL_UNIT] = "责任|单位",
    [LL_DEADLINE] = "整改|时限",
    [LL_LATEST] = "最新|佐证",
    [LL_VERIFIED] = "验收人|及时间",
    [LL_CLOSED] = "销号人|及时间",
    [LL_DAYS_LATE] = "销号时|逾期|天数",
    [LL_DAYS_OVERDUE] = "当前|逾期|天数",
    [LL_REJECTIONS] = "退回|次数",
    [LL_EXTENSIONS] = "延期|次数",
    [LL_ESCALATIONS] = "督办|次数",
};

const char *ledger_head_hint(ledger_lang lang, int col)
{
    if (col < 0 || col >= LEDGER_COLS)
        return "";
    const char *hint = lang == LEDGER_ZH ? s_head_zh[col] : NULL;
    return hint ? hint : ledger_label(lang, (ledger_label_id)col);
}

/* A header label, escaped, with <wbr> where ledger_head_hint allows a break. */
static void s_head_label(FILE *out, const ledger_doc *doc, int col)
{
    const char *hint = doc->lang == LEDGER_ZH ? s_head_zh[col] : NULL;
    if (!hint) {
        ledger_html_esc(out, ledger_label(doc->lang, (ledger_label_id)col));
        return;
    }
    for (const char *p = hint; *p;) {
        const char *bar = strchr(p, '|');
        char *piece = strndup(p, bar ? (size_t)(bar - p) : strlen(p));
        ledger_html_esc(out, piece ? piece : "");
        free(piece);
        if (!bar)
            break;
        fputs("<wbr>", out);
        p = bar + 1;
    }
}

/* Text escaped, inside a no-wrap span. */
static void s_esc_nw(FILE *out, const char *s, size_t n)
{
    char *piece = strndup(s, n);
    fputs("<span class=\"nw\">", out);
    ledger_html_esc(out, piece ? piece : "");
    fputs("</span>", out);
    free(piece);
}

/* A deadline cell: "2026-12-31 → 2027-01-31" with each date kept whole. */
static void s_deadline_cell(FILE *out, const char *s)
{
    const char *arrow = strstr(s, " → ");
    if (!arrow) {
        s_esc_nw(out, s, strlen(s));
        return;
    }
    s_esc_nw(out, s, (size_t)(arrow - s));
    fputc(' ', out);
    s_esc_nw(out, arrow + 1, strlen(arrow + 1));
}

/* A who-and-when cell: "马青 2026-12-03 10:00", the date and the time each
 * kept whole (a line may break after the name and between them). */
static void s_who_when_cell(FILE *out, const char *s)
{
    size_t len = strlen(s);
    const size_t tlen = sizeof "YYYY-MM-DD HH:MM" - 1;
    const char *t = len > tlen ? s + len - tlen : NULL;
    if (!t || t[-1] != ' ' || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':') {
        ledger_html_esc_lines(out, s);
        return;
    }
    char *who = strndup(s, (size_t)(t - 1 - s));
    ledger_html_esc(out, who ? who : "");
    free(who);
    fputc(' ', out);
    s_esc_nw(out, t, 10);
    fputc(' ', out);
    s_esc_nw(out, t + 11, tlen - 11);
}

/*
 * The problem's cell: the title in at most three lines of its column; a
 * longer one is cut with "…" at a character boundary (before its 举一反三
 * mark, which stays), the full text kept in the other formats and in the
 * cell's tooltip on screen.
 */
static void s_title_cell(FILE *out, const ledger_doc *doc, const json_t *row, const ledger_layout *lay,
                         const char *cell)
{
    const char *title = json_string_value(json_object_get(row, "title"));
    if (!title || lay->title_max_em <= 0 || ledger_text_em(cell) <= lay->title_max_em) {
        fputs("<div>", out);
        ledger_html_esc_lines(out, cell);
        fputs("</div>", out);
        return;
    }
    /* The mark's own width comes off the title's room. */
    double mark = ledger_text_em(cell) - ledger_text_em(title);
    double room = lay->title_max_em - (mark > 0 ? mark : 0);
    size_t cut = ledger_cut_em(title, room > 2 ? room : 2);
    char *head = malloc(cut + sizeof "…");
    char buf[sizeof((ledger_cells *)0)->b_title];
    fputs("<div title=\"", out);
    ledger_html_esc(out, title);
    fputs("\">", out);
    if (head) {
        memcpy(head, title, cut);
        memcpy(head + cut, "…", sizeof "…");
        ledger_html_esc_lines(out, ledger_title_cell(doc, row, head, buf, sizeof buf));
    } else {
        ledger_html_esc_lines(out, cell);
    }
    free(head);
    fputs("</div>", out);
}

/* ---- charts ----------------------------------------------------------------- */

static void s_svg_open(FILE *out, const char *label)
{
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"",
            S_W, S_H);
    ledger_html_esc(out, label);
    fputs("\" font-size=\"11\" font-family=\"inherit\">\n", out);
}

static void s_svg_text(FILE *out, double x, double y, const char *anchor, const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    ledger_html_esc(out, text);
    fputs("</text>\n", out);
}

/*
 * A bar's label, right-aligned at x and centred on y: one line when it fits
 * in cols display columns, else two lines split near the middle (each cut to
 * cols with "…" if still too long), so a source such as 自治区“两办”反馈问题
 * is read whole.
 */
static void s_svg_label(FILE *out, double x, double y, const char *text, int cols)
{
    char a[256], b[256];
    int w = text_width(text);
    if (w <= cols) {
        s_svg_text(out, x, y + 4, "end", text);
        return;
    }
    /* The split: the first character boundary at or past half the width. */
    size_t len = strlen(text), cut = 0;
    while (cut < len) {
        size_t next = cut + 1;
        while (next < len && ((unsigned char)text[next] & 0xC0) == 0x80)
            next++;
        char *head = strndup(text, next);
        int hw = head ? text_width(head) : w;
        free(head);
        cut = next;
        if (hw * 2 >= w)
            break;
    }
    /* A closing mark (” 」 ) ) 、 , 。) stays with the line it closes. */
    static const char *const closers[] = {"”", "’", "」", "）", ")", "、", "，", ",", "。"};
    for (size_t k = 0; k < sizeof closers / sizeof closers[0]; k++) {
        size_t cl = strlen(closers[k]);
        if (strncmp(text + cut, closers[k], cl) == 0 && cut + cl < len) {
            cut += cl;
            break;
        }
    }
    char *first = strndup(text, cut);
    text_fit(first ? first : "", cols, a, sizeof a);
    text_fit(text + cut, cols, b, sizeof b);
    free(first);
    s_svg_text(out, x, y - 2, "end", a);
    s_svg_text(out, x, y + 10, "end", b);
}

static void s_no_data(FILE *out, const ledger_doc *doc)
{
    s_svg_text(out, S_W / 2.0, S_H / 2.0, "middle", ledger_label(doc->lang, LL_NO_DATA));
}

/*
 * Open a chart: figure, caption and svg. Without data it says so and closes
 * the chart, returning 0; otherwise returns 1 and the caller draws, then
 * calls s_figure_end.
 */
static int s_figure_begin(FILE *out, const ledger_doc *doc, const char *label, int has_data)
{
    fputs("<figure><figcaption>", out);
    ledger_html_esc(out, label);
    fputs("</figcaption>\n", out);
    s_svg_open(out, label);
    if (has_data)
        return 1;
    s_no_data(out, doc);
    fputs("</svg></figure>\n", out);
    return 0;
}

static void s_figure_end(FILE *out)
{
    fputs("</svg></figure>\n", out);
}

/* Items by state per source: one stacked horizontal bar per source. */
static void s_chart_states(FILE *out, const ledger_doc *doc)
{
    const json_t *rows = json_object_get(doc->ledger, "rows");
    const json_t *sources = json_object_get(json_object_get(doc->ledger, "summary"), "sources");
    size_t ns = json_array_size(sources);
    const char *label = ledger_label(doc->lang, LL_CHART_STATES);

    if (!s_figure_begin(out, doc, label, ns > 0 && json_array_size(rows) > 0))
        return;
    long long max = 1;
    long long(*counts)[RECT_ST_COUNT] = calloc(ns, sizeof *counts);
    if (!counts) {
        s_figure_end(out);
        return;
    }
    for (size_t r = 0; r < json_array_size(rows); r++) {
        const json_t *row = json_array_get(rows, r);
        const char *src = json_string_value(json_object_get(row, "source"));
        int st =
            rect_lookup(rect_state_names, RECT_ST_COUNT, json_string_value(json_object_get(row, "state")));
        for (size_t s = 0; s < ns && src && st >= 0; s++) {
            const char *id = json_string_value(json_object_get(json_array_get(sources, s), "id"));
            if (id && strcmp(id, src) == 0)
                counts[s][st]++;
        }
    }
    for (size_t s = 0; s < ns; s++) {
        long long t = 0;
        for (int st = 0; st < RECT_ST_COUNT; st++)
            t += counts[s][st];
        if (t > max)
            max = t;
    }
    const double left = 120, right = S_W - 30, top = 8, legend_h = 34;
    double band = (S_H - top - legend_h) / (double)ns;
    double bar = band * 0.6 > 26 ? 26 : band * 0.6;
    for (size_t s = 0; s < ns; s++) {
        const json_t *src = json_array_get(sources, s);
        const char *name = json_string_value(json_object_get(src, "name"));
        double y = top + band * (double)s + (band - bar) / 2;
        s_svg_label(out, left - 4, y + bar / 2, name ? name : "", 16);
        double x = left;
        long long total = 0;
        for (int st = 0; st < RECT_ST_COUNT; st++) {
            if (!counts[s][st])
                continue;
            double w = (right - left) * (double)counts[s][st] / (double)max;
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\"><title>",
                    x, y, w, bar, s_state_colors[st]);
            ledger_html_esc(out, name);
            fprintf(out, " %s: %lld</title></rect>\n",
                    ledger_label(doc->lang, (ledger_label_id)(LL_ST_CLAIMED + st)), counts[s][st]);
            x += w;
            total += counts[s][st];
        }
        char num[32];
        snprintf(num, sizeof num, "%lld", total);
        s_svg_text(out, x + 3, y + bar / 2 + 4, "start", num);
    }
    /* Legend: two rows of coloured squares. */
    for (int st = 0; st < RECT_ST_COUNT; st++) {
        double lx = 10 + (double)(st % 3) * 115, ly = S_H - legend_h + 6 + (double)(st / 3) * 15;
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx, ly,
                s_state_colors[st]);
        s_svg_text(out, lx + 14, ly + 9, "start",
                   ledger_label(doc->lang, (ledger_label_id)(LL_ST_CLAIMED + st)));
    }
    free(counts);
    s_figure_end(out);
}

/* Open items over time: a line over doc->series. */
static void s_chart_open(FILE *out, const ledger_doc *doc)
{
    const json_t *series = doc->series;
    size_t n = json_array_size(series);
    const char *label = ledger_label(doc->lang, LL_CHART_OPEN);

    if (!s_figure_begin(out, doc, label, n > 0))
        return;
    long long max = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(series, i), "total");
        if (json_is_integer(v) && json_integer_value(v) > max)
            max = json_integer_value(v);
    }
    const double left = 34, right = S_W - 12, top = 10, bottom = S_H - 30;
    /* Axes, and gridlines at 0, max/2, max. */
    for (int g = 0; g <= 2; g++) {
        double y = bottom - (bottom - top) * g / 2.0;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", left, y,
                right, y);
        char num[32];
        snprintf(num, sizeof num, "%lld", max * g / 2);
        s_svg_text(out, left - 4, y + 4, "end", num);
    }
    fputs("<polyline fill=\"none\" stroke=\"" S_LINE "\" stroke-width=\"2\" points=\"", out);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_array_get(series, i), "open");
        double val = json_is_integer(v) ? (double)json_integer_value(v) : 0;
        double x = n == 1 ? (left + right) / 2 : left + (right - left) * (double)i / (double)(n - 1);
        double y = bottom - (bottom - top) * val / (double)max;
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
    }
    fputs("\"/>\n", out);
    for (size_t i = 0; i < n; i++) {
        const json_t *pt = json_array_get(series, i);
        json_t *v = json_object_get(pt, "open");
        double val = json_is_integer(v) ? (double)json_integer_value(v) : 0;
        double x = n == 1 ? (left + right) / 2 : left + (right - left) * (double)i / (double)(n - 1);
        double y = bottom - (bottom - top) * val / (double)max;
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"" S_LINE "\"><title>", x, y);
        ledger_html_esc(out, json_string_value(json_object_get(pt, "date")));
        fprintf(out, ": %.0f</title></circle>\n", val);
    }
    /* Dates under the first, middle and last points. */
    size_t marks[3] = {0, n / 2, n - 1};
    for (int k = 0; k < 3; k++) {
        if ((k == 1 && (marks[1] == 0 || marks[1] == n - 1)) || (k == 2 && n == 1))
            continue;
        size_t i = marks[k];
        double x = n == 1 ? (left + right) / 2 : left + (right - left) * (double)i / (double)(n - 1);
        const char *date = json_string_value(json_object_get(json_array_get(series, i), "date"));
        s_svg_text(out, x, bottom + 16,
                   k == 0 && n > 1 ? "start"
                   : k == 2        ? "end"
                                   : "middle",
                   date ? date : "");
    }
    s_figure_end(out);
}

/* Red items by unit: horizontal bars from the `stats` result by unit. */
static void s_chart_red(FILE *out, const ledger_doc *doc)
{
    const json_t *groups = json_object_get(doc->by_unit, "groups");
    size_t n = json_array_size(groups);
    const char *label = ledger_label(doc->lang, LL_CHART_RED);

    if (!s_figure_begin(out, doc, label, n > 0))
        return;
    long long max = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_object_get(json_array_get(groups, i), "lights"), "red");
        if (json_is_integer(v) && json_integer_value(v) > max)
            max = json_integer_value(v);
    }
    const double left = 150, right = S_W - 24, top = 6, bottom = S_H - 6;
    double band = (bottom - top) / (double)n;
    double bar = band * 0.65 > 20 ? 20 : band * 0.65;
    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(groups, i);
        const char *key = json_string_value(json_object_get(g, "key"));
        json_t *v = json_object_get(json_object_get(g, "lights"), "red");
        long long red = json_is_integer(v) ? json_integer_value(v) : 0;
        char num[32];
        double y = top + band * (double)i + (band - bar) / 2;
        s_svg_label(out, left - 4, y + bar / 2,
                    key ? render_unit(doc->cfg, key) : ledger_label(doc->lang, LL_NONE), 26);
        double w = (right - left) * (double)red / (double)max;
        if (red > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" S_RED "\"/>\n",
                    left, y, w, bar);
        else
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n", left, y,
                    left, y + bar);
        snprintf(num, sizeof num, "%lld", red);
        s_svg_text(out, left + w + 3, y + bar / 2 + 4, "start", num);
    }
    s_figure_end(out);
}

/* ---- the page --------------------------------------------------------------- */

/*
 * A chain head "#87 <64 hex digits>" printed short: "#87 " and its first 12
 * hex digits, then "…" (the full head is in the JSON and the signed ledger).
 */
static void s_short_head(FILE *out, const char *value)
{
    const char *sp = strchr(value, ' ');
    size_t keep = sp ? (size_t)(sp + 1 - value) + 12 : strlen(value);
    if (keep >= strlen(value)) {
        fputs("<span class=\"hash\">", out);
        ledger_html_esc(out, value);
        fputs("</span>", out);
        return;
    }
    char *head = strndup(value, keep);
    fputs("<span class=\"hash\">", out);
    ledger_html_esc(out, head ? head : "");
    fputs("…</span>", out);
    free(head);
}

/*
 * The line a paper copy is signed on: 填报单位（盖章）, the reviewer (the
 * footer's value: "王燕 ______", or who signed in rectd) and the date, side
 * by side.
 */
static void s_sign_line(FILE *out, const ledger_doc *doc, const char *reviewer)
{
    fputs("<div class=\"sign\"><span>", out);
    ledger_html_esc(out, ledger_label(doc->lang, LL_FILING_UNIT));
    fputs(": ________________</span><span>", out);
    ledger_html_esc(out, ledger_label(doc->lang, LL_REVIEWER));
    fputs(": ", out);
    ledger_html_esc(out, reviewer);
    fputs("</span><span>", out);
    ledger_html_esc(out, ledger_label(doc->lang, LL_SIGN_DATE));
    fputs(": ", out);
    ledger_html_esc(out, ledger_label(doc->lang, LL_DATE_BLANK));
    fputs("</span></div>\n", out);
}

int ledger_write_html(FILE *out, const ledger_doc *doc)
{
    ledger_pair pairs[LEDGER_MAX_PAIRS];
    ledger_cells c;
    char title[512];
    size_t n;

    ledger_title(doc, title, sizeof title);
    ledger_html_begin(out, doc->lang, title, "A4 landscape");
    s_style(out);
    fputs("</head>\n<body>\n<h1>", out);
    ledger_html_esc(out, title);
    fputs("</h1>\n<div class=\"top\">\n<table class=\"summary\">\n", out);
    n = ledger_heading(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th>", out);
        ledger_html_esc(out, pairs[i].label);
        fputs("</th><td>", out);
        ledger_html_esc(out, pairs[i].value);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n<div class=\"charts\">\n", out);
    s_chart_states(out, doc);
    s_chart_open(out, doc);
    s_chart_red(out, doc);
    fputs("</div>\n</div>\n", out);

    ledger_layout lay;
    ledger_layout_compute(doc, S_PAGE_EM, &lay);
    fputs("<table class=\"ledger\">\n<colgroup>", out);
    for (int k = 0; k < lay.n; k++) {
        int i = lay.shown[k];
        fprintf(out, "<col style=\"width: %.2f%%\">",
                100.0 * (lay.width_em[i] + S_COL_PAD_EM) / (lay.total_em > 0 ? lay.total_em : 1));
    }
    fputs("</colgroup>\n<thead><tr>", out);
    for (int k = 0; k < lay.n; k++) {
        fputs("<th>", out);
        s_head_label(out, doc, lay.shown[k]);
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    const json_t *rows = json_object_get(doc->ledger, "rows");
    for (size_t r = 0; r < json_array_size(rows); r++) {
        const json_t *row = json_array_get(rows, r);
        ledger_row_cells(doc, row, &c);
        const char *state = json_string_value(json_object_get(row, "state"));
        fputs("<tr>", out);
        for (int k = 0; k < lay.n; k++) {
            int i = lay.shown[k];
            const char *cls = s_col_class[i];
            const char *extra = "";
            /* A unit or source that fits its column stays whole. */
            if ((i == LL_UNIT || i == LL_SOURCE) && ledger_text_em(c.cell[i]) <= lay.width_em[i])
                extra = " nw";
            if (i == LL_STATE && state && strcmp(state, "closed") == 0)
                extra = " st-closed";
            else if (i == LL_STATE && state && strcmp(state, "rectifying") == 0)
                extra = " st-rectifying";
            else if ((i == LL_DAYS_LATE || i == LL_DAYS_OVERDUE) && c.num[i] > 0)
                extra = " late";
            fprintf(out, "<td class=\"%s%s\">", cls, extra);
            if (!*c.cell[i])
                ;
            else if (i == LL_TITLE)
                s_title_cell(out, doc, row, &lay, c.cell[i]);
            else if (i == LL_DEADLINE)
                s_deadline_cell(out, c.cell[i]);
            else if (i == LL_VERIFIED || i == LL_CLOSED)
                s_who_when_cell(out, c.cell[i]);
            else
                ledger_html_esc_lines(out, c.cell[i]);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    size_t nd = ledger_declined_count(doc);
    if (nd) {
        const char *cell[LEDGER_DECLINED_COLS];
        char no[32];
        fputs("<h2>", out);
        ledger_html_esc(out, ledger_label(doc->lang, LL_DECLINED_TITLE));
        /* (fixed layout, like the ledger's: the number narrow, the texts wide) */
        fputs("</h2>\n<table class=\"ledger declined\">\n<colgroup><col style=\"width: 5%\">"
              "<col style=\"width: 17%\"><col style=\"width: 39%\"><col style=\"width: 39%\"></colgroup>\n"
              "<thead><tr>",
              out);
        for (int i = 0; i < LEDGER_DECLINED_COLS; i++) {
            fputs("<th>", out);
            ledger_html_esc(out, ledger_declined_label(doc->lang, i));
            fputs("</th>", out);
        }
        fputs("</tr></thead>\n<tbody>\n", out);
        for (size_t k = 0; k < nd; k++) {
            ledger_declined_cells(doc, k, cell, no, sizeof no);
            fputs("<tr>", out);
            for (int i = 0; i < LEDGER_DECLINED_COLS; i++) {
                fputs(i == LEDGER_DECLINED_NO ? "<td class=\"n\">" : "<td>", out);
                ledger_html_esc_lines(out, cell[i]);
                fputs("</td>", out);
            }
            fputs("</tr>\n", out);
        }
        fputs("</tbody>\n</table>\n", out);
    }
    fputs("<div class=\"footer\">\n", out);
    n = ledger_footer(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++) {
        const char *label = pairs[i].label;
        if (strcmp(label, ledger_label(doc->lang, LL_REVIEWER)) == 0) {
            s_sign_line(out, doc, pairs[i].value);
            continue;
        }
        int head = strcmp(label, ledger_label(doc->lang, LL_HEAD)) == 0;
        int hash = head || strcmp(label, ledger_label(doc->lang, LL_SIGNED_HEAD)) == 0;
        fputs("<div>", out);
        ledger_html_esc(out, label);
        if (pairs[i].value[0]) {
            fputs(": ", out);
            if (hash)
                s_short_head(out, pairs[i].value);
            else
                ledger_html_esc(out, pairs[i].value);
        }
        if (head) {
            fputs("<div class=\"note\">", out);
            ledger_html_esc(out, ledger_label(doc->lang, LL_HEAD_NOTE));
            fputs("</div>", out);
        }
        fputs("</div>\n", out);
    }
    fputs("</div>\n</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
