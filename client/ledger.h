/*
 * ledger.h - the closeout ledger (销号台账) for people: the cells, heading
 * and footer of a `ledger` result in Chinese or English, and the writers of
 * each file format (CSV and Markdown in ledger.c, HTML with inline SVG charts
 * in ledger_html.c, Excel in ledger_xlsx.c).
 *
 * The labels are an explicit table with a zh and an en column, chosen by
 * `--lang` (not gettext): a ledger's language is a property of the document,
 * not of the terminal. Nothing here talks to rectd; every function copes
 * with missing or mistyped fields of the result by writing an empty cell.
 */
#ifndef RECTCTL_LEDGER_H
#define RECTCTL_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "rect_cfg.h"

typedef enum { LEDGER_ZH = 0, LEDGER_EN = 1, LEDGER_LANG_COUNT } ledger_lang;

/* Labels of the ledger documents. */
typedef enum {
    /* columns, in output order */
    LL_REF,
    LL_SOURCE,
    LL_TITLE,
    LL_MEASURES,
    LL_KIND,
    LL_LEADER,
    LL_UNIT,
    LL_OWNER,
    LL_DEADLINE,
    LL_STATE,
    LL_EVIDENCE,
    LL_LATEST,
    LL_VERIFIED,
    LL_CLOSED,
    LL_DAYS_LATE,
    LL_DAYS_OVERDUE,
    LL_REJECTIONS,
    LL_EXTENSIONS,
    LL_ESCALATIONS,
    /* heading and footer */
    LL_LEDGER_TITLE,
    LL_AS_OF,
    LL_FED_CLAIMED,
    LL_TOTAL,
    LL_KINDS,
    LL_CLOSED_OF,
    LL_OVERDUE,
    LL_ON_TIME,
    LL_GENERATED_AT,
    LL_GENERATED_BY,
    LL_HEAD,
    LL_REVIEWER,
    LL_REUSED_NOTE,
    LL_PAGE,
    LL_SUMMARY,
    /* states and kinds */
    LL_ST_CLAIMED,
    LL_ST_ASSIGNED,
    LL_ST_RECTIFYING,
    LL_ST_VERIFIED,
    LL_ST_CLOSED,
    LL_KIND_IMMEDIATE,
    LL_KIND_LONG_TERM,
    /* charts and the statistics sheet */
    LL_CHART_STATES,
    LL_CHART_OPEN,
    LL_CHART_RED,
    LL_NO_DATA,
    LL_STATS_SHEET,
    LL_LEDGER_SHEET,
    LL_BY_SOURCE,
    LL_BY_UNIT,
    LL_BY_OWNER,
    LL_BY_LEADER,
    LL_BY_KIND,
    LL_GROUP,
    LL_ITEMS,
    LL_RED,
    LL_YELLOW,
    LL_GREEN,
    LL_CLOSED_N,
    LL_ON_TIME_RATE,
    LL_MEDIAN_DAYS,
    LL_MAX_DAYS,
    LL_RELAPSES,
    LL_NONE,
    LL_REUSED_COL,
    /* problems not claimed (不认领) and 举一反三 links (issue 9) */
    LL_FED_COUNTS,
    LL_FED_STATED,
    LL_DECLINED_TITLE,
    LL_DECLINED_NO,
    LL_DECLINED_REASON,
    LL_CHILD_MARK,
    LL_SELF_FOUND,
    /* the sign-off (ledger sign) and 签收 */
    LL_SIGNED_AT,
    LL_SIGNED_HEAD,
    LL_SIGN_NOTE,
    LL_SIGN_STATUS,
    LL_SIGN_CHANGED,
    LL_SIGN_UNCHANGED,
    LL_SIGN_SUPERSEDES,
    LL_ACKNOWLEDGED,
    /* the printed ledger (issue 10): seal and date lines, the short chain head */
    LL_FILING_UNIT,
    LL_SIGN_DATE,
    LL_DATE_BLANK,
    LL_HEAD_NOTE,
    LL_COUNT
} ledger_label_id;

/* The columns of a ledger row (the first LL_* entries). */
#define LEDGER_COLS (LL_ESCALATIONS + 1)

/* The label id in lang. Static lifetime. */
const char *ledger_label(ledger_lang lang, ledger_label_id id);

/* The label of a state identifier ("closed" → 已销号), or the identifier. */
const char *ledger_state_label(ledger_lang lang, const char *state);

/* The label of a kind identifier, or the identifier. */
const char *ledger_kind_label(ledger_lang lang, const char *kind);

/* What one document is made of. Everything is borrowed from the caller. */
typedef struct {
    const json_t *ledger;  /* the `ledger` result */
    const json_t *stats;   /* array of `stats` results (one per --by) for the xlsx
                              statistics sheet, or NULL */
    const json_t *by_unit; /* the `stats` result by unit (red items chart), or NULL */
    const json_t *series;  /* [{"date": "YYYY-MM-DD", "open": n, "total": n}] for the
                              open-items chart, or NULL */
    const rect_cfg *cfg;   /* display names of users, units and sources */
    ledger_lang lang;
    uint32_t columns; /* the columns shown (bit i: column i, see LEDGER_COL_BIT);
                              0: all of them */
} ledger_doc;

/* The bit of column i in ledger_doc.columns; every column's bits. */
#define LEDGER_COL_BIT(i) ((uint32_t)1 << (i))
#define LEDGER_ALL_COLS ((uint32_t)((1u << LEDGER_COLS) - 1))

/* 1 if column i is shown in doc (doc->columns 0 shows all), else 0. */
int ledger_col_shown(const ledger_doc *doc, int i);

/*
 * The columns of doc's rows that hold something in at least one row (an
 * empty text, or a count of 0, is nothing), plus the ref, the problem and
 * the state, which are always shown: what `--columns auto` (the printed
 * page's default) keeps.
 */
uint32_t ledger_columns_used(const ledger_doc *doc);

/* The English name of column i for --columns ("ref", "days-late"), or "". */
const char *ledger_column_name(int i);

/*
 * Parse the --columns list: names (English, as ledger_column_name, or the
 * Chinese header, e.g. 整改措施) separated by "," "，" or "、", in any order
 * (the ledger keeps its own order); "all"; "auto" (the columns used); or
 * names each prefixed with "-": dflt without them. On success *mask is set
 * and 0 returned; -1 for an unknown name (the name, NUL-terminated, copied
 * into bad, badlen bytes), -2 for an empty selection or a list that mixes
 * "-name" with names. used is what "auto" means.
 */
int ledger_columns_parse(const char *list, uint32_t dflt, uint32_t used, uint32_t *mask, char *bad,
                         size_t badlen);

/*
 * The cells of one row, as text. Every cell[] is non-NULL ("" when empty) and
 * points into the row, the config, or this struct: it lives as long as all
 * three. num[c] holds the value of a numeric cell (-1 when it is empty); the
 * xlsx writer writes those as numbers. The evidence cell's text carries the
 * reuse mark ("2 ※") while num[LL_EVIDENCE] stays the count.
 *
 * LL_DAYS_LATE is days late at closure (closed rows only); LL_DAYS_OVERDUE
 * is days overdue at the ledger's reference date (as_of, else the local date
 * it was generated on) for open rows that are red then (claimed, assigned or
 * rectifying, approved deadline before that date); empty otherwise.
 */
typedef struct {
    const char *cell[LEDGER_COLS];
    long long num[LEDGER_COLS];
    int reused; /* the item's evidence shares a file with another item */
    char b_deadline[64], b_evidence[32], b_verified[160], b_closed[160];
    char b_days[24], b_overdue[24], b_rej[24], b_ext[24], b_esc[24];
    char b_owner[256];  /* the owner, with the 签收 mark when the assignment is acknowledged */
    char b_title[2048]; /* the title with its 举一反三 mark, when the row has a parent */
} ledger_cells;

/* Fill c from one ROW of the ledger result. */
void ledger_row_cells(const ledger_doc *doc, const json_t *row, ledger_cells *c);

/*
 * The ledger's reference date ("YYYY-MM-DD"): its as_of, else the local date
 * of generated_at in its timezone; "" when neither is known. Returns buf.
 */
const char *ledger_ref_date(const ledger_doc *doc, char *buf, size_t len);

/* A heading or footer line: a label and its value. */
typedef struct {
    char label[256];
    char value[512];
} ledger_pair;

#define LEDGER_MAX_PAIRS 28

/*
 * The heading block (as of, fed back vs claimed per source, kinds, closed,
 * overdue, on time) into out (at most max). Returns the number written.
 */
size_t ledger_heading(const ledger_doc *doc, ledger_pair *out, size_t max);

/*
 * The footer (made when and by whom, the chain head, the reviewer's
 * sign-off line — or, once signed (sign_off), who signed, when, the head it
 * covers, the note, and whether the record changed since — and the reuse
 * legend when a row is marked). Returns the number written.
 */
size_t ledger_footer(const ledger_doc *doc, ledger_pair *out, size_t max);

/* Columns of the section of problems not claimed (不认领). */
enum {
    LEDGER_DECLINED_NO,
    LEDGER_DECLINED_SOURCE,
    LEDGER_DECLINED_TITLE,
    LEDGER_DECLINED_REASON,
    LEDGER_DECLINED_COLS
};

/*
 * The problems not claimed of the ledger (its "declined" array): how many,
 * 0 when none are recorded. ledger_declined_cells fills the cells of the
 * i-th (its number, source name, title, reason); they point into the
 * result, the config or no (NUL-terminated, len bytes) and live as long as
 * those.
 */
size_t ledger_declined_count(const ledger_doc *doc);
void ledger_declined_cells(const ledger_doc *doc, size_t i, const char *cell[LEDGER_DECLINED_COLS], char *no,
                           size_t len);
/* The labels of the section's columns. */
const char *ledger_declined_label(ledger_lang lang, int col);

/* The document's title ("<inspection title> 整改销号台账") into buf; returns buf. */
const char *ledger_title(const ledger_doc *doc, char *buf, size_t len);

/*
 * An instant of the result (UTC "…Z") as local "YYYY-MM-DD HH:MM" in the
 * ledger's timezone; "" for NULL. Writes into buf and returns buf.
 */
const char *ledger_local_time(const ledger_doc *doc, const char *utc, char *buf, size_t len);

/*
 * Writers. Each returns 0, or -1 when writing failed (errno set by stdio).
 * CSV: UTF-8 with BOM, CRLF, RFC 4180 quoting; heading and footer as
 * leading and trailing rows. Markdown: a heading list, one table, a footer.
 * HTML: one self-contained page (ledger_html.c).
 */
int ledger_write_csv(FILE *out, const ledger_doc *doc);

/*
 * What other documents (the 整改报告, client/report.c) share with the
 * ledger's writers. ledger_md_cell: text for a Markdown table cell (| and \
 * escaped, line breaks as <br>, < > & as entities). ledger_html_esc: text
 * for HTML element content and attribute values; _lines also turns line
 * breaks into <br>; ledger_html_css_string: a quoted CSS string.
 * ledger_html_begin: the page's start up to an open <style> element (the
 * doctype, lang, title, @page of size page, e.g. "A4 landscape", with the
 * title at the top left and "第 N 页,共 M 页" at the bottom, the fonts,
 * body and h1 rules); the caller adds its rules and closes it.
 */
void ledger_md_cell(FILE *out, const char *s);
void ledger_html_esc(FILE *out, const char *s);
void ledger_html_esc_lines(FILE *out, const char *s);
void ledger_html_css_string(FILE *out, const char *s);
void ledger_html_begin(FILE *out, ledger_lang lang, const char *title, const char *page);
int ledger_write_md(FILE *out, const ledger_doc *doc);
int ledger_write_html(FILE *out, const ledger_doc *doc);
/* v as --json prints a result (indented by 2, keys in rectd's order, a final newline): 0 or -1. */
int ledger_print_json(FILE *out, const json_t *v);
/* JSON: the `ledger` result unchanged (ledger_print_json). */
int ledger_write_json(FILE *out, const ledger_doc *doc);

/*
 * A ledger's formats and what each asks rectd for: one place for rectctl
 * (`rectctl ledger`) and rectweb (the 台账 page's downloads), so that both
 * make the same document from the same answers.
 */
typedef enum {
    LEDGER_MD,
    LEDGER_CSV,
    LEDGER_JSON,
    LEDGER_HTML,
    LEDGER_XLSX,
    LEDGER_FORMAT_COUNT
} ledger_format;

/* "md", "csv", "json", "html", "xlsx": the name and the file extension. */
const char *ledger_format_name(ledger_format f);

/* The format named name (any case; also "htm" and "markdown"), or -1. */
int ledger_format_find(const char *name);

/*
 * What format f needs besides the `ledger` rows: args.series of `ledger`
 * (the open-items chart's days; 0: none) and one `stats` request by each of
 * stats_by[0..n_stats) (the HTML's chart by unit; the workbook's sheet).
 */
typedef struct {
    int series;
    const char *const *stats_by;
    size_t n_stats;
} ledger_needs;
ledger_needs ledger_needs_of(ledger_format f);

/*
 * Fill doc's parts in format f from the answers: ledger (the `ledger`
 * result) and stats (an array of the `stats` results in ledger_needs_of's
 * order, or NULL when it asks none); and doc->columns: columns (a
 * --columns list, ledger_columns_parse), or NULL for the format's default,
 * which is for the printed page the columns some row fills (auto) and for
 * the data formats every column. Set doc->cfg and lang first: auto reads
 * the rows as they are shown. 0, or ledger_columns_parse's refusal (bad
 * names the column).
 */
int ledger_doc_from(ledger_doc *doc, ledger_format f, const json_t *ledger, const json_t *stats,
                    const char *columns, char *bad, size_t badlen);

/* doc in format f to out (not LEDGER_XLSX: ledger_write_xlsx writes a file by name). 0, or -1 (errno). */
int ledger_write(FILE *out, ledger_format f, const ledger_doc *doc);

/*
 * The header label of column col with "|" where a line may break (a narrow
 * column of Chinese breaks only there); the label itself in English or
 * when it has no such places. Static lifetime (ledger_html.c).
 */
const char *ledger_head_hint(ledger_lang lang, int col);

/*
 * The printed table's layout (ledger_layout.c): the shown columns in order
 * (shown[0..n)), each one's width in em of the table's font (width_em, by
 * column; padding not included), their sum with padding (total_em), and the
 * longest a title may be (title_max_em, in em) to stay within three lines
 * of its column: a longer one is cut with "…" (the full text is in the
 * CSV, Markdown, JSON and xlsx ledgers and in the dossier).
 */
typedef struct {
    int shown[LEDGER_COLS];
    int n;
    double width_em[LEDGER_COLS];
    double total_em, title_max_em;
} ledger_layout;

/* The layout of doc's table on avail_em of width. */
void ledger_layout_compute(const ledger_doc *doc, double avail_em, ledger_layout *lay);

/* The estimated printed width of s (n bytes) in em: CJK 1, Latin about 0.6. */
double ledger_text_em(const char *s);
double ledger_text_em_n(const char *s, size_t n);

/* The bytes of the longest start of s no wider than max_em, at a character boundary. */
size_t ledger_cut_em(const char *s, double max_em);

/*
 * The title cell of row with title (e.g. a cut copy of the row's) in place
 * of its title: with the 举一反三 mark when the row has a parent. Into buf
 * (len bytes); returns buf, or title when the mark does not fit.
 */
const char *ledger_title_cell(const ledger_doc *doc, const json_t *row, const char *title, char *buf,
                              size_t len);

/*
 * Write the ledger as an Excel workbook at path (ledger_xlsx.c): sheet 1 the
 * ledger, sheet 2 the statistics of doc->stats. Returns 0, or -1 with a
 * message in err.
 */
int ledger_write_xlsx(const char *path, const ledger_doc *doc, char *err, size_t errlen);

#endif
