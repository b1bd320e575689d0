/*
 * ledger_xlsx.c - the ledger as an Excel workbook (libxlsxwriter), since a
 * 台账 travels between offices as a spreadsheet. Sheet 1: the header row
 * first (with an autofilter; it and the ref column are frozen), one wrapped
 * row per item, then the title, the summary block, the problems not
 * claimed and the footer below; column widths from the display width of
 * the text (CJK counts 2), capped; A4 landscape, one page wide, the header
 * row repeated on every printed page, the title in the page header and
 * page numbers in the footer. Sheet 2: the statistics (one block per
 * `stats` result). Every cell is set in a CJK font (S_FONT).
 */
#include "ledger.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "rect_proto.h"
#include "rect_text.h"
#include "render.h"

/*
 * The sheet's columns: the ledger's shown columns, with one more right
 * after 佐证 for the reuse mark (※), so that the evidence count stays a
 * number.
 */
#define S_XCOLS (LEDGER_COLS + 1)

typedef struct {
    int xcol[LEDGER_COLS]; /* the sheet column of ledger column i, or -1 when not shown */
    int mark;              /* the reuse mark's column, or -1 */
    int n;                 /* sheet columns */
    int cap[S_XCOLS];      /* the widest each sheet column may grow */
} s_cols;

/* Widest a column may grow (Excel width units: one digit; CJK takes 2), by
 * ledger column; the mark column takes 8. */
/* clang-format off */
static const int s_col_cap[LEDGER_COLS] = {
    [LL_REF] = 10, [LL_SOURCE] = 16, [LL_TITLE] = 32, [LL_MEASURES] = 50, [LL_KIND] = 10,
    [LL_LEADER] = 10, [LL_UNIT] = 16, [LL_OWNER] = 16, [LL_DEADLINE] = 24, [LL_STATE] = 10,
    [LL_EVIDENCE] = 8, [LL_LATEST] = 30, [LL_VERIFIED] = 20, [LL_CLOSED] = 20, [LL_DAYS_LATE] = 10,
    [LL_DAYS_OVERDUE] = 10, [LL_REJECTIONS] = 8, [LL_EXTENSIONS] = 8, [LL_ESCALATIONS] = 8,
};
/* clang-format on */

static void s_cols_of(const ledger_doc *doc, s_cols *m)
{
    m->n = 0;
    m->mark = -1;
    for (int i = 0; i < LEDGER_COLS; i++) {
        m->xcol[i] = -1;
        if (!ledger_col_shown(doc, i))
            continue;
        m->cap[m->n] = s_col_cap[i];
        m->xcol[i] = m->n++;
        if (i == LL_EVIDENCE) {
            m->cap[m->n] = 8;
            m->mark = m->n++;
        }
    }
}

/* Excel refuses longer strings. */
#define S_XLSX_MAX_BYTES 32000
#define S_LINE_HEIGHT 15.0

/*
 * The cells' font: a CJK font, since Excel's default (Calibri) has no
 * Chinese and leaves the choice to the machine; the one the HTML page
 * asks for first. Where it is not installed, Excel, WPS and LibreOffice put
 * a Chinese font of their own in its place. (libxlsxwriter 1.1 does not
 * write a font's character set, which would steer that choice.)
 */
#define S_FONT "Noto Sans CJK SC"
#define S_FONT_SIZE 10

typedef struct {
    lxw_workbook *wb;
    lxw_format *title, *label, *value, *head, *cell, *num, *mark, *bold, *plain;
    lxw_error err;
} s_book;

/* A new format of the workbook in the cells' font (NULL when out of memory). */
static lxw_format *s_format(s_book *b)
{
    lxw_format *f = workbook_add_format(b->wb);
    if (!f) {
        b->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return NULL;
    }
    format_set_font_name(f, S_FONT);
    format_set_font_size(f, S_FONT_SIZE);
    return f;
}

/* Write a string, cut on a UTF-8 boundary when Excel would refuse it. */
static void s_put(s_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s, lxw_format *f)
{
    lxw_error e;
    if (strlen(s) <= S_XLSX_MAX_BYTES) {
        e = worksheet_write_string(ws, r, c, s, f);
    } else {
        size_t n = S_XLSX_MAX_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        char *cut = strndup(s, n);
        e = cut ? worksheet_write_string(ws, r, c, cut, f) : LXW_ERROR_MEMORY_MALLOC_FAILED;
        free(cut);
    }
    if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
        b->err = e;
}

static void s_put_num(s_book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v, lxw_format *f)
{
    lxw_error e = worksheet_write_number(ws, r, c, v, f);
    if (e != LXW_NO_ERROR && b->err == LXW_NO_ERROR)
        b->err = e;
}

/* The widest line of s in display columns, and its number of lines. */
static int s_measure(const char *s, int *lines)
{
    int widest = 0;
    *lines = 1;
    const char *p = s;
    for (;;) {
        const char *nl = strchr(p, '\n');
        char *line = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
        int w = line ? text_width(line) : 0;
        free(line);
        if (w > widest)
            widest = w;
        if (!nl)
            break;
        (*lines)++;
        p = nl + 1;
    }
    return widest;
}

/* Lines a cell takes when wrapped in a column `width` units wide. */
static int s_wrapped_lines(const char *s, int width)
{
    int lines = 0;
    const char *p = s;
    if (width < 1)
        width = 1;
    for (;;) {
        const char *nl = strchr(p, '\n');
        char *line = strndup(p, nl ? (size_t)(nl - p) : strlen(p));
        int w = line ? text_width(line) : 0;
        free(line);
        lines += w == 0 ? 1 : (w + width - 1) / width;
        if (!nl)
            break;
        p = nl + 1;
    }
    return lines;
}

/* The workbook's formats; 0, or -1 when out of memory. */
static int s_formats(s_book *b)
{
    lxw_format **all[] = {&b->plain, &b->title, &b->label, &b->value, &b->bold,
                          &b->head,  &b->cell,  &b->num,   &b->mark};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!(*all[i] = s_format(b)))
            return -1;

    format_set_bold(b->title);
    format_set_font_size(b->title, 14);
    format_set_align(b->title, LXW_ALIGN_LEFT);
    format_set_align(b->title, LXW_ALIGN_VERTICAL_CENTER);

    format_set_align(b->label, LXW_ALIGN_LEFT);
    format_set_align(b->label, LXW_ALIGN_VERTICAL_TOP);

    format_set_bold(b->value);
    format_set_align(b->value, LXW_ALIGN_LEFT);
    format_set_align(b->value, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(b->value);

    format_set_bold(b->bold);

    format_set_bold(b->head);
    format_set_text_wrap(b->head);
    format_set_border(b->head, LXW_BORDER_THIN);
    format_set_bg_color(b->head, 0xE8EEF7);
    format_set_align(b->head, LXW_ALIGN_CENTER);
    format_set_align(b->head, LXW_ALIGN_VERTICAL_CENTER);

    format_set_text_wrap(b->cell);
    format_set_border(b->cell, LXW_BORDER_THIN);
    format_set_align(b->cell, LXW_ALIGN_VERTICAL_TOP);

    format_set_border(b->num, LXW_BORDER_THIN);
    format_set_align(b->num, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(b->num, LXW_ALIGN_RIGHT);

    format_set_border(b->mark, LXW_BORDER_THIN);
    format_set_align(b->mark, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(b->mark, LXW_ALIGN_CENTER);
    format_set_font_color(b->mark, 0xD32F2F);
    return 0;
}

/* Page setup shared by both sheets: A4 landscape, one page wide, page numbers. */
static void s_page_setup(const ledger_doc *doc, lxw_worksheet *ws)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_footer(ws, doc->lang == LEDGER_ZH ? "&C第 &P 页，共 &N 页" : "&CPage &P of &N");
}

/*
 * The printed page's header: the title, centred, bold ("&" doubled, as the
 * header codes use it; cut at a character boundary to what Excel takes).
 */
static void s_print_title(lxw_worksheet *ws, const char *title)
{
    char head[256];
    /* the size before the font: a title starting with digits would run into it */
    size_t k = (size_t)snprintf(head, sizeof head, "&C&12&\"%s,Bold\"", S_FONT);
    for (const char *p = title; *p && k + 8 < sizeof head; p++) {
        size_t n = 1;
        while (((unsigned char)p[n] & 0xC0) == 0x80)
            n++;
        if (k + n + (*p == '&') + 1 >= sizeof head - 8)
            break;
        if (*p == '&')
            head[k++] = '&';
        memcpy(head + k, p, n);
        k += n;
        p += n - 1;
    }
    head[k] = '\0';
    worksheet_set_header(ws, head);
}

/* Sheet 1: the ledger. */
static void s_ledger_sheet(s_book *b, const ledger_doc *doc)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, ledger_label(doc->lang, LL_LEDGER_SHEET));
    ledger_pair pairs[LEDGER_MAX_PAIRS];
    const json_t *rows = json_object_get(doc->ledger, "rows");
    size_t nrows = json_array_size(rows);
    ledger_cells c;
    char title[512];
    int width[S_XCOLS];
    s_cols m;
    lxw_row_t r = 0;

    if (!ws) {
        b->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    s_cols_of(doc, &m);
    /* Column widths: the widest line of the header and the cells, capped;
     * by sheet column. */
    const char *mark_head = ledger_label(doc->lang, LL_REUSED_COL);
    for (int i = 0; i < LEDGER_COLS; i++) {
        int lines;
        if (m.xcol[i] >= 0)
            width[m.xcol[i]] = s_measure(ledger_label(doc->lang, (ledger_label_id)i), &lines);
    }
    if (m.mark >= 0)
        width[m.mark] = text_width(mark_head);
    for (size_t k = 0; k < nrows; k++) {
        ledger_row_cells(doc, json_array_get(rows, k), &c);
        for (int i = 0; i < LEDGER_COLS; i++) {
            int lines, w = m.xcol[i] >= 0 ? s_measure(c.cell[i], &lines) : 0;
            if (m.xcol[i] >= 0 && w > width[m.xcol[i]])
                width[m.xcol[i]] = w;
        }
    }
    for (int i = 0; i < m.n; i++) {
        width[i] += 2;
        if (width[i] > m.cap[i])
            width[i] = m.cap[i];
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, width[i], b->plain);
    }

    /* The table first: its header is row 1, so that freezing it and the
     * autofilter cover the table and nothing else. */
    lxw_row_t head = r;
    for (int i = 0; i < LEDGER_COLS; i++)
        if (m.xcol[i] >= 0)
            s_put(b, ws, r, (lxw_col_t)m.xcol[i], ledger_label(doc->lang, (ledger_label_id)i), b->head);
    if (m.mark >= 0)
        s_put(b, ws, r, (lxw_col_t)m.mark, mark_head, b->head);
    int head_lines = 1;
    for (int i = 0; i < LEDGER_COLS; i++) {
        if (m.xcol[i] < 0)
            continue;
        int l = s_wrapped_lines(ledger_label(doc->lang, (ledger_label_id)i), width[m.xcol[i]] - 1);
        if (l > head_lines)
            head_lines = l;
    }
    worksheet_set_row(ws, r, S_LINE_HEIGHT * head_lines, NULL);
    r++;
    for (size_t k = 0; k < nrows; k++, r++) {
        ledger_row_cells(doc, json_array_get(rows, k), &c);
        int lines = 1;
        for (int i = 0; i < LEDGER_COLS; i++) {
            if (m.xcol[i] < 0)
                continue;
            lxw_col_t x = (lxw_col_t)m.xcol[i];
            if (c.num[i] >= 0) {
                s_put_num(b, ws, r, x, (double)c.num[i], b->num);
                continue;
            }
            s_put(b, ws, r, x, c.cell[i], b->cell);
            int l = s_wrapped_lines(c.cell[i], width[x] - 1);
            if (l > lines)
                lines = l;
        }
        if (m.mark >= 0)
            s_put(b, ws, r, (lxw_col_t)m.mark, c.reused ? "※" : "", b->mark);
        /* Excel and WPS do not grow rows for wrapped text on their own. */
        worksheet_set_row(ws, r, S_LINE_HEIGHT * lines, NULL);
    }
    lxw_row_t last = r - 1;
    r++;

    /* Below the table: the title and the summary. */
    ledger_title(doc, title, sizeof title);
    s_put(b, ws, r, 0, title, b->title);
    worksheet_set_row(ws, r, 24, NULL);
    r++;
    size_t n = ledger_heading(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++, r++) {
        worksheet_merge_range(ws, r, 0, r, 2, pairs[i].label, b->label);
        s_put(b, ws, r, 3, pairs[i].value, b->value);
    }
    r++;
    /* Problems not claimed (不认领): number, source, title, reason under the ledger's first columns. */
    size_t nd = ledger_declined_count(doc);
    if (nd) {
        const char *cell[LEDGER_DECLINED_COLS];
        char no[32];
        worksheet_merge_range(ws, r, 0, r, 3, ledger_label(doc->lang, LL_DECLINED_TITLE), b->label);
        r++;
        for (int i = 0; i < LEDGER_DECLINED_COLS; i++)
            s_put(b, ws, r, (lxw_col_t)i, ledger_declined_label(doc->lang, i), b->head);
        r++;
        for (size_t k = 0; k < nd; k++, r++) {
            ledger_declined_cells(doc, k, cell, no, sizeof no);
            s_put_num(b, ws, r, 0, (double)(k + 1), b->num);
            int lines = 1;
            for (int i = 1; i < LEDGER_DECLINED_COLS; i++) {
                s_put(b, ws, r, (lxw_col_t)i, cell[i], b->cell);
                int l = s_wrapped_lines(cell[i], (i < m.n ? width[i] : 10) - 1);
                if (l > lines)
                    lines = l;
            }
            worksheet_set_row(ws, r, S_LINE_HEIGHT * lines, NULL);
        }
        r++;
    }
    /* The footer, and the lines a paper copy is sealed and dated on beside the reviewer's. */
    lxw_col_t right = m.n - 1 > 4 ? (lxw_col_t)(m.n - 1) : 4;
    n = ledger_footer(doc, pairs, LEDGER_MAX_PAIRS);
    for (size_t i = 0; i < n; i++, r++) {
        worksheet_merge_range(ws, r, 0, r, 2, pairs[i].label, b->label);
        if (pairs[i].value[0])
            worksheet_merge_range(ws, r, 3, r, right, pairs[i].value, b->value);
        if (strcmp(pairs[i].label, ledger_label(doc->lang, LL_REVIEWER)) == 0) {
            r++;
            worksheet_merge_range(ws, r, 0, r, 2, ledger_label(doc->lang, LL_FILING_UNIT), b->label);
            worksheet_merge_range(ws, r, 3, r, right, "", b->value);
            r++;
            worksheet_merge_range(ws, r, 0, r, 2, ledger_label(doc->lang, LL_SIGN_DATE), b->label);
            worksheet_merge_range(ws, r, 3, r, right, ledger_label(doc->lang, LL_DATE_BLANK), b->value);
        }
    }

    worksheet_autofilter(ws, head, 0, last, (lxw_col_t)(m.n - 1));
    worksheet_freeze_panes(ws, head + 1, 1);
    worksheet_repeat_rows(ws, head, head);
    s_page_setup(doc, ws);
    s_print_title(ws, title);
    worksheet_print_area(ws, 0, 0, r, (lxw_col_t)(m.n - 1 > 4 ? m.n - 1 : 4));
}

/* The label of a stats group key, by the field it groups. */
static const char *s_group_name(const ledger_doc *doc, const char *by, const char *key)
{
    if (!key)
        return ledger_label(doc->lang, LL_NONE);
    if (!by)
        return key;
    if (strcmp(by, "unit") == 0)
        return render_unit(doc->cfg, key);
    if (strcmp(by, "source") == 0)
        return render_source(doc->cfg, key);
    if (strcmp(by, "owner") == 0 || strcmp(by, "leader") == 0)
        return render_user(doc->cfg, key);
    if (strcmp(by, "kind") == 0)
        return ledger_kind_label(doc->lang, key);
    return key;
}

static ledger_label_id s_by_label(const char *by)
{
    static const struct {
        const char *by;
        ledger_label_id id;
    } t[] = {{"source", LL_BY_SOURCE},
             {"unit", LL_BY_UNIT},
             {"owner", LL_BY_OWNER},
             {"leader", LL_BY_LEADER},
             {"kind", LL_BY_KIND}};
    for (size_t i = 0; by && i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].by, by) == 0)
            return t[i].id;
    return LL_TOTAL;
}

/* Columns of the statistics sheet after the group: counts and figures. */
enum {
    SC_GROUP,
    SC_TOTAL,
    SC_STATES,
    SC_RED = SC_STATES + RECT_ST_COUNT,
    SC_YELLOW,
    SC_GREEN,
    SC_ON_TIME,
    SC_RATE,
    SC_MEDIAN,
    SC_MAX,
    SC_REJ,
    SC_RELAPSES,
    SC_COUNT
};

static void s_stats_row(s_book *b, lxw_worksheet *ws, lxw_row_t r, const char *name, const json_t *g,
                        lxw_format *rate_fmt)
{
    static const char *const lights[3] = {"red", "yellow", "green"};
    s_put(b, ws, r, SC_GROUP, name, b->cell);
    json_t *v;
/* clang-format off */
#define S_NUM(col, obj, key)                                                                  \
    do {                                                                                      \
        v = json_object_get((obj), (key));                                                    \
        if (json_is_number(v))                                                                \
            s_put_num(b, ws, r, (col), json_number_value(v), b->num);                         \
        else                                                                                  \
            s_put(b, ws, r, (col), "", b->num);                                               \
    } while (0)
    /* clang-format on */
    S_NUM(SC_TOTAL, g, "total");
    for (int st = 0; st < RECT_ST_COUNT; st++)
        S_NUM(SC_STATES + st, json_object_get(g, "states"), rect_state_names[st]);
    for (int k = 0; k < 3; k++)
        S_NUM(SC_RED + k, json_object_get(g, "lights"), lights[k]);
    S_NUM(SC_ON_TIME, g, "closed_on_time");
    v = json_object_get(g, "on_time_rate");
    if (json_is_number(v))
        s_put_num(b, ws, r, SC_RATE, json_number_value(v), rate_fmt);
    else
        s_put(b, ws, r, SC_RATE, "", b->num);
    S_NUM(SC_MEDIAN, g, "median_days_to_close");
    S_NUM(SC_MAX, g, "max_days_to_close");
    S_NUM(SC_REJ, g, "rejections");
    S_NUM(SC_RELAPSES, g, "relapses");
#undef S_NUM
}

/*
 * The position of a group key in the config's order of its field (sources,
 * units, users), or SIZE_MAX when the field has no such order or the key is
 * not configured; NULL keys (not assigned) come last.
 */
static size_t s_cfg_rank(const rect_cfg *cfg, const char *by, const char *key)
{
    if (!key)
        return SIZE_MAX;
    if (!cfg || !by)
        return SIZE_MAX - 1;
    if (strcmp(by, "source") == 0 || strcmp(by, "unit") == 0) {
        const rect_named *list = by[0] == 's' ? cfg->sources : cfg->units;
        size_t n = by[0] == 's' ? cfg->n_sources : cfg->n_units;
        for (size_t i = 0; i < n; i++)
            if (list[i].id && strcmp(list[i].id, key) == 0)
                return i;
    } else if (strcmp(by, "owner") == 0 || strcmp(by, "leader") == 0) {
        for (size_t i = 0; i < cfg->n_users; i++)
            if (cfg->users[i].name && strcmp(cfg->users[i].name, key) == 0)
                return i;
    } else if (strcmp(by, "kind") == 0) {
        int i = rect_lookup(rect_kind_names, RECT_KIND_COUNT, key);
        if (i >= 0)
            return (size_t)i;
    }
    return SIZE_MAX - 1;
}

typedef struct {
    size_t rank, given;
    const json_t *g;
} s_ranked;

static int s_ranked_cmp(const void *pa, const void *pb)
{
    const s_ranked *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->given < b->given ? -1 : a->given > b->given;
}

/* Sheet 2: the statistics, one block per `stats` result. */
static void s_stats_sheet(s_book *b, const ledger_doc *doc)
{
    ledger_lang lang = doc->lang;
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, ledger_label(lang, LL_STATS_SHEET));
    lxw_format *rate = s_format(b);
    lxw_row_t r = 0;
    char title[512];

    if (!ws || !rate) {
        b->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
        return;
    }
    format_set_num_format(rate, "0.0%");
    format_set_border(rate, LXW_BORDER_THIN);
    format_set_align(rate, LXW_ALIGN_VERTICAL_TOP);

    const char *heads[SC_COUNT];
    heads[SC_GROUP] = ledger_label(lang, LL_GROUP);
    heads[SC_TOTAL] = ledger_label(lang, LL_ITEMS);
    for (int st = 0; st < RECT_ST_COUNT; st++)
        heads[SC_STATES + st] = ledger_label(lang, (ledger_label_id)(LL_ST_CLAIMED + st));
    heads[SC_RED] = ledger_label(lang, LL_RED);
    heads[SC_YELLOW] = ledger_label(lang, LL_YELLOW);
    heads[SC_GREEN] = ledger_label(lang, LL_GREEN);
    heads[SC_ON_TIME] = ledger_label(lang, LL_ON_TIME);
    heads[SC_RATE] = ledger_label(lang, LL_ON_TIME_RATE);
    heads[SC_MEDIAN] = ledger_label(lang, LL_MEDIAN_DAYS);
    heads[SC_MAX] = ledger_label(lang, LL_MAX_DAYS);
    heads[SC_REJ] = ledger_label(lang, LL_REJECTIONS);
    heads[SC_RELAPSES] = ledger_label(lang, LL_RELAPSES);

    /* Widths: the group column from its names, the others from their
     * header's display width (never narrower than the numbers). */
    int gw = text_width(heads[SC_GROUP]);
    for (size_t k = 0; k < json_array_size(doc->stats); k++) {
        const json_t *st = json_array_get(doc->stats, k);
        const char *by = json_string_value(json_object_get(st, "by"));
        const json_t *groups = json_object_get(st, "groups");
        int w = text_width(ledger_label(lang, s_by_label(by)));
        if (w > gw)
            gw = w;
        for (size_t i = 0; i < json_array_size(groups); i++) {
            const char *key = json_string_value(json_object_get(json_array_get(groups, i), "key"));
            w = text_width(s_group_name(doc, by, key));
            if (w > gw)
                gw = w;
        }
    }
    worksheet_set_column(ws, SC_GROUP, SC_GROUP, gw + 2 > 40 ? 40 : gw + 2, NULL);
    for (int c = SC_TOTAL; c < SC_COUNT; c++) {
        int w = text_width(heads[c]) + 2;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w < 8 ? 8 : w, NULL);
    }
    worksheet_merge_range(ws, r, 0, r, SC_COUNT - 1, ledger_title(doc, title, sizeof title), b->title);
    worksheet_set_row(ws, r, 24, NULL);
    r += 2;
    for (size_t k = 0; k < json_array_size(doc->stats); k++) {
        const json_t *st = json_array_get(doc->stats, k);
        const char *by = json_string_value(json_object_get(st, "by"));
        const json_t *groups = json_object_get(st, "groups");
        s_put(b, ws, r++, 0, ledger_label(lang, s_by_label(by)), b->bold);
        for (int c = 0; c < SC_COUNT; c++)
            s_put(b, ws, r, (lxw_col_t)c, heads[c], b->head);
        r++;
        /* In the config's order (sources, units, users as configured),
         * else as rectd gave them; not assigned last. */
        size_t ng = json_array_size(groups);
        s_ranked *order = ng ? calloc(ng, sizeof *order) : NULL;
        if (ng && !order) {
            b->err = LXW_ERROR_MEMORY_MALLOC_FAILED;
            return;
        }
        for (size_t i = 0; i < ng; i++) {
            order[i].g = json_array_get(groups, i);
            order[i].given = i;
            order[i].rank = s_cfg_rank(doc->cfg, by, json_string_value(json_object_get(order[i].g, "key")));
        }
        if (ng)
            qsort(order, ng, sizeof *order, s_ranked_cmp);
        for (size_t i = 0; i < ng; i++, r++) {
            const json_t *g = order[i].g;
            s_stats_row(b, ws, r, s_group_name(doc, by, json_string_value(json_object_get(g, "key"))), g,
                        rate);
        }
        free(order);
        s_stats_row(b, ws, r++, ledger_label(lang, LL_TOTAL), json_object_get(st, "total"), rate);
        r++;
    }
    s_page_setup(doc, ws);
}

int ledger_write_xlsx(const char *path, const ledger_doc *doc, char *err, size_t errlen)
{
    s_book b = {0};
    lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    b.wb = workbook_new_opt(path, &opt);
    if (!b.wb) {
        snprintf(err, errlen, "cannot create %s", path);
        return -1;
    }
    if (s_formats(&b) == 0) {
        s_ledger_sheet(&b, doc);
        if (doc->stats && json_array_size(doc->stats) > 0)
            s_stats_sheet(&b, doc);
    }
    lxw_error e = workbook_close(b.wb);
    if (b.err != LXW_NO_ERROR || e != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s: %s", path, lxw_strerror(b.err != LXW_NO_ERROR ? b.err : e));
        return -1;
    }
    return 0;
}
