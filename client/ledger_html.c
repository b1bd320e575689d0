/*
 * ledger_html.c - the ledger as one self-contained HTML page: no external
 * fonts, scripts or images; prints on A4 landscape with the table header on
 * every page and page numbers (CSS @page margin boxes); three inline SVG
 * charts drawn here (no JavaScript): items by state per source, open items
 * over time, red items by unit. All text is escaped for HTML and SVG.
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

/* Text escaped for HTML element content and attribute values. */
static void s_esc(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(*p, out);
        }
    }
}

/* Escaped text with line breaks as <br>. */
static void s_esc_lines(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *piece = strndup(p, n);
        s_esc(out, piece ? piece : "");
        free(piece);
        if (!nl)
            break;
        fputs("<br>", out);
        p = nl;
    }
}

/* CSS string content (for @page content): quotes and backslashes escaped. */
static void s_css_string(FILE *out, const char *s)
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

static void s_style(FILE *out, const ledger_doc *doc, const char *title)
{
    fputs("<style>\n"
          "@page { size: A4 landscape; margin: 12mm 10mm 14mm 10mm;\n"
          "  @top-left { content: ",
          out);
    s_css_string(out, title);
    fputs("; font-size: 8pt; color: #555; }\n"
          "  @bottom-center { content: ",
          out);
    /* "第 N 页,共 M 页" / "page N of M" around the two counters. */
    const char *fmt = ledger_label(doc->lang, LL_PAGE);
    const char *first = strstr(fmt, "%s");
    const char *second = first ? strstr(first + 2, "%s") : NULL;
    if (first && second) {
        char *a = strndup(fmt, (size_t)(first - fmt));
        char *b = strndup(first + 2, (size_t)(second - first - 2));
        s_css_string(out, a ? a : "");
        fputs(" counter(page) ", out);
        s_css_string(out, b ? b : "");
        fputs(" counter(pages) ", out);
        s_css_string(out, second + 2);
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
          "h1 { font-size: 15pt; text-align: center; margin: 4px 0 8px; }\n"
          ".top { display: flex; gap: 12px; align-items: flex-start; margin-bottom: 8px;\n"
          "  break-inside: avoid; }\n"
          ".summary { border-collapse: collapse; font-size: 8.5pt; flex: 0 0 auto; }\n"
          ".summary th { text-align: left; font-weight: normal; color: #333; padding: 1px 8px 1px 0; }\n"
          ".summary td { text-align: right; font-weight: bold; padding: 1px 0; }\n"
          ".charts { display: flex; gap: 8px; flex: 1 1 auto; }\n"
          ".charts figure { margin: 0; flex: 1 1 0; min-width: 0; }\n"
          ".charts svg { width: 100%; height: auto; display: block; }\n"
          ".charts figcaption { font-size: 8.5pt; font-weight: bold; text-align: center; }\n"
          "table.ledger { border-collapse: collapse; width: 100%; table-layout: fixed;\n"
          "  font-size: 7pt; line-height: 1.3; }\n"
          "table.ledger thead { display: table-header-group; }\n"
          "table.ledger th { background: #e8eef7; font-weight: bold; }\n"
          "table.ledger th, table.ledger td { border: 0.5pt solid #777; padding: 2px 3px;\n"
          "  vertical-align: top; overflow-wrap: anywhere; }\n"
          "table.ledger tr { break-inside: avoid; page-break-inside: avoid; }\n"
          "td.n { text-align: right; }\n"
          "td.st-closed { color: #2e7d32; } td.st-rectifying { color: #e65100; }\n"
          "td.late { color: " S_RED "; font-weight: bold; }\n"
          ".footer { margin-top: 10px; font-size: 8.5pt; break-inside: avoid; }\n"
          ".footer div { margin: 2px 0; } .footer .hash { font-family: monospace; font-size: 7.5pt; }\n"
          ".sign { margin-top: 14px; font-size: 10pt; }\n"
          "</style>\n",
          out);
}

/* Relative widths of the columns (percent of the table). */
static const int s_col_width[LEDGER_COLS] = {
    4, 6, 9, 14, 4, 4, 6, 4, 7, 4, 3, 9, 6, 6, 3, 3, 3, 3,
};

/* ---- charts ----------------------------------------------------------------- */

static void s_svg_open(FILE *out, const char *label)
{
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"",
            S_W, S_H);
    s_esc(out, label);
    fputs("\" font-size=\"11\" font-family=\"inherit\">\n", out);
}

static void s_svg_text(FILE *out, double x, double y, const char *anchor, const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor);
    s_esc(out, text);
    fputs("</text>\n", out);
}

static void s_no_data(FILE *out, const ledger_doc *doc)
{
    s_svg_text(out, S_W / 2.0, S_H / 2.0, "middle", ledger_label(doc->lang, LL_NO_DATA));
}

/* Items by state per source: one stacked horizontal bar per source. */
static void s_chart_states(FILE *out, const ledger_doc *doc)
{
    const json_t *rows = json_object_get(doc->ledger, "rows");
    const json_t *sources = json_object_get(json_object_get(doc->ledger, "summary"), "sources");
    size_t ns = json_array_size(sources);
    const char *label = ledger_label(doc->lang, LL_CHART_STATES);

    fputs("<figure><figcaption>", out);
    s_esc(out, label);
    fputs("</figcaption>\n", out);
    s_svg_open(out, label);
    if (ns == 0 || json_array_size(rows) == 0) {
        s_no_data(out, doc);
        fputs("</svg></figure>\n", out);
        return;
    }
    long long max = 1;
    long long (*counts)[RECT_ST_COUNT] = calloc(ns, sizeof *counts);
    if (!counts) {
        fputs("</svg></figure>\n", out);
        return;
    }
    for (size_t r = 0; r < json_array_size(rows); r++) {
        const json_t *row = json_array_get(rows, r);
        const char *src = json_string_value(json_object_get(row, "source"));
        int st = rect_lookup(rect_state_names, RECT_ST_COUNT,
                             json_string_value(json_object_get(row, "state")));
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
        char cut[128];
        text_fit(name ? name : "", 18, cut, sizeof cut);
        double y = top + band * (double)s + (band - bar) / 2;
        s_svg_text(out, left - 4, y + bar / 2 + 4, "end", cut);
        double x = left;
        long long total = 0;
        for (int st = 0; st < RECT_ST_COUNT; st++) {
            if (!counts[s][st])
                continue;
            double w = (right - left) * (double)counts[s][st] / (double)max;
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"%s\"><title>",
                    x, y, w, bar, s_state_colors[st]);
            s_esc(out, name);
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
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>\n", lx,
                ly, s_state_colors[st]);
        s_svg_text(out, lx + 14, ly + 9, "start",
                   ledger_label(doc->lang, (ledger_label_id)(LL_ST_CLAIMED + st)));
    }
    free(counts);
    fputs("</svg></figure>\n", out);
}

/* Open items over time: a line over doc->series. */
static void s_chart_open(FILE *out, const ledger_doc *doc)
{
    const json_t *series = doc->series;
    size_t n = json_array_size(series);
    const char *label = ledger_label(doc->lang, LL_CHART_OPEN);

    fputs("<figure><figcaption>", out);
    s_esc(out, label);
    fputs("</figcaption>\n", out);
    s_svg_open(out, label);
    if (n == 0) {
        s_no_data(out, doc);
        fputs("</svg></figure>\n", out);
        return;
    }
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
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n",
                left, y, right, y);
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
        fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"" S_LINE "\"><title>", x,
                y);
        s_esc(out, json_string_value(json_object_get(pt, "date")));
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
        s_svg_text(out, x, bottom + 16, k == 0 && n > 1 ? "start" : k == 2 ? "end" : "middle",
                   date ? date : "");
    }
    fputs("</svg></figure>\n", out);
}

/* Red items by unit: horizontal bars from the `stats` result by unit. */
static void s_chart_red(FILE *out, const ledger_doc *doc)
{
    const json_t *groups = json_object_get(doc->by_unit, "groups");
    size_t n = json_array_size(groups);
    const char *label = ledger_label(doc->lang, LL_CHART_RED);

    fputs("<figure><figcaption>", out);
    s_esc(out, label);
    fputs("</figcaption>\n", out);
    s_svg_open(out, label);
    if (n == 0) {
        s_no_data(out, doc);
        fputs("</svg></figure>\n", out);
        return;
    }
    long long max = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(json_object_get(json_array_get(groups, i), "lights"), "red");
        if (json_is_integer(v) && json_integer_value(v) > max)
            max = json_integer_value(v);
    }
    const double left = 130, right = S_W - 30, top = 6, bottom = S_H - 6;
    double band = (bottom - top) / (double)n;
    double bar = band * 0.65 > 20 ? 20 : band * 0.65;
    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(groups, i);
        const char *key = json_string_value(json_object_get(g, "key"));
        json_t *v = json_object_get(json_object_get(g, "lights"), "red");
        long long red = json_is_integer(v) ? json_integer_value(v) : 0;
        char cut[128], num[32];
        text_fit(key ? render_unit(doc->cfg, key) : ledger_label(doc->lang, LL_NONE), 20, cut,
                 sizeof cut);
        double y = top + band * (double)i + (band - bar) / 2;
        s_svg_text(out, left - 4, y + bar / 2 + 4, "end", cut);
        double w = (right - left) * (double)red / (double)max;
        if (red > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" S_RED
                         "\"/>\n",
                    left, y, w, bar);
        else
            fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n",
                    left, y, left, y + bar);
        snprintf(num, sizeof num, "%lld", red);
        s_svg_text(out, left + w + 3, y + bar / 2 + 4, "start", num);
    }
    fputs("</svg></figure>\n", out);
}

/* ---- the page --------------------------------------------------------------- */

int ledger_write_html(FILE *out, const ledger_doc *doc)
{
    ledger_pair pairs[LEDGER_MAX_PAIRS];
    ledger_cells c;
    char title[512];
    size_t n;

    ledger_title(doc, title, sizeof title);
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
            doc->lang == LEDGER_ZH ? "zh-CN" : "en");
    fputs("<title>", out);
    s_esc(out, title);
    fputs("</title>\n", out);
    s_style(out, doc, title);
    fputs("</head>\n<body>\n<h1>", out);
    s_esc(out, title);
    fputs("</h1>\n<div class=\"top\">\n<table class=\"summary\">\n", out);
    n = ledger_heading(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th>", out);
        s_esc(out, pairs[i].label);
        fputs("</th><td>", out);
        s_esc(out, pairs[i].value);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n<div class=\"charts\">\n", out);
    s_chart_states(out, doc);
    s_chart_open(out, doc);
    s_chart_red(out, doc);
    fputs("</div>\n</div>\n", out);

    fputs("<table class=\"ledger\">\n<colgroup>", out);
    for (int i = 0; i < LEDGER_COLS; i++)
        fprintf(out, "<col style=\"width:%d%%\">", s_col_width[i]);
    fputs("</colgroup>\n<thead><tr>", out);
    for (int i = 0; i < LEDGER_COLS; i++) {
        fputs("<th>", out);
        s_esc(out, ledger_label(doc->lang, (ledger_label_id)i));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    const json_t *rows = json_object_get(doc->ledger, "rows");
    for (size_t r = 0; r < json_array_size(rows); r++) {
        const json_t *row = json_array_get(rows, r);
        ledger_row_cells(doc, row, &c);
        const char *state = json_string_value(json_object_get(row, "state"));
        fputs("<tr>", out);
        for (int i = 0; i < LEDGER_COLS; i++) {
            const char *cls = "";
            if (i == LL_STATE && state && rect_lookup(rect_state_names, RECT_ST_COUNT, state) >= 0)
                cls = strcmp(state, "closed") == 0 ? " class=\"st-closed\""
                      : strcmp(state, "rectifying") == 0 ? " class=\"st-rectifying\""
                                                          : "";
            else if (i == LL_DAYS_LATE && c.num[i] > 0)
                cls = " class=\"n late\"";
            else if (i >= LL_DAYS_LATE || i == LL_EVIDENCE)
                cls = " class=\"n\"";
            fprintf(out, "<td%s>", cls);
            s_esc_lines(out, c.cell[i]);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n<div class=\"footer\">\n", out);
    n = ledger_footer(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++) {
        int sign = strcmp(pairs[i].label, ledger_label(doc->lang, LL_REVIEWER)) == 0;
        int hash = strcmp(pairs[i].label, ledger_label(doc->lang, LL_HEAD)) == 0;
        fprintf(out, "<div%s>", sign ? " class=\"sign\"" : "");
        s_esc(out, pairs[i].label);
        if (pairs[i].value[0]) {
            fputs(hash ? ": <span class=\"hash\">" : ": ", out);
            s_esc(out, pairs[i].value);
            if (hash)
                fputs("</span>", out);
        }
        fputs("</div>\n", out);
    }
    fputs("</div>\n</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
