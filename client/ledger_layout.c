/*
 * ledger_layout.c - the printed ledger's column widths, worked out from
 * what the rows hold (the HTML page sets them with table-layout: fixed, so
 * the browser does not guess): the short columns (ref, kind, people, dates,
 * counts) get what their longest unbreakable piece needs, the free-text
 * columns (问题, 整改措施, 最新佐证) share the rest in proportion to how
 * much text a row of each holds on average, so a row's problem and its
 * measures take about as many lines as each other. Widths are in em of the
 * table's font; the text's width is estimated per character (CJK 1 em,
 * Latin about 0.6), on the wide side so that no-wrap cells fit.
 */
#include "ledger.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* The narrowest a free-text column gets, and a column's padding and border. */
#define S_FREE_MIN 4.0
#define S_PAD 0.55

/* The width of one code point, in em of a CJK font's text. */
static double s_cp_em(utf8proc_int32_t cp)
{
    if (cp == ' ')
        return 0.3;
    if (cp >= '0' && cp <= '9')
        return 0.56;
    if (cp == '-' || cp == ':' || cp == '.' || cp == ',')
        return 0.38;
    if (cp >= 'A' && cp <= 'Z')
        return 0.68;
    if (cp >= 'a' && cp <= 'z')
        return 0.56;
    if (cp < 0x80)
        return 0.45;
    /* General punctuation, arrows, symbols (“ ” … → ※): full width in a CJK font. */
    if (cp >= 0x2010 && cp <= 0x2BFF)
        return 1.0;
    int w = utf8proc_charwidth(cp);
    return w >= 2 ? 1.0 : w == 1 ? 0.62 : 0.0;
}

/* The next code point of s[*i..n) (a bad byte counts as U+FFFD), moving *i. */
static utf8proc_int32_t s_next(const char *s, size_t n, size_t *i)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + *i, (utf8proc_ssize_t)(n - *i), &cp);
    if (k <= 0) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)k;
    return cp;
}

double ledger_text_em_n(const char *s, size_t n)
{
    double em = 0;
    for (size_t i = 0; s && i < n;)
        em += s_cp_em(s_next(s, n, &i));
    return em;
}

double ledger_text_em(const char *s)
{
    return s ? ledger_text_em_n(s, strlen(s)) : 0;
}

size_t ledger_cut_em(const char *s, double max_em)
{
    size_t n = strlen(s), i = 0, fit = 0;
    double em = 0;
    while (i < n) {
        em += s_cp_em(s_next(s, n, &i));
        if (em > max_em)
            break;
        fit = i;
    }
    return fit;
}

/* The widest line of s (lines split at "\n"), in em. */
static double s_widest_line(const char *s)
{
    double widest = 0;
    for (const char *p = s;;) {
        const char *nl = strchr(p, '\n');
        double w = ledger_text_em_n(p, nl ? (size_t)(nl - p) : strlen(p));
        if (w > widest)
            widest = w;
        if (!nl)
            return widest;
        p = nl + 1;
    }
}

/*
 * The widest piece of s that a line may not break inside, where breaks are
 * allowed only at blanks and before an opening bracket (a name and its
 * "(… 签收)" mark, a date and a time, the two deadlines).
 */
static double s_widest_piece(const char *s)
{
    double widest = 0;
    size_t n = strlen(s), start = 0;
    for (size_t i = 0; i <= n; i++) {
        int brk = i == n || s[i] == ' ' || s[i] == '\n' || s[i] == '(' || strncmp(s + i, "（", 3) == 0;
        if (!brk)
            continue;
        double w = ledger_text_em_n(s + start, i - start);
        if (w > widest)
            widest = w;
        start = i < n && (s[i] == ' ' || s[i] == '\n') ? i + 1 : i;
    }
    return widest;
}

/* How each column's cells may wrap. */
enum { S_NOWRAP, S_PIECES, S_FREE };

static int s_kind(int col)
{
    switch (col) {
    case LL_TITLE:
    case LL_MEASURES:
    case LL_LATEST:
    case LL_SOURCE:
    case LL_UNIT:
        return S_FREE;
    case LL_OWNER:
    case LL_DEADLINE:
    case LL_VERIFIED:
    case LL_CLOSED:
        return S_PIECES;
    default:
        return S_NOWRAP;
    }
}

/*
 * The narrowest a header may be: its widest piece between the places it may
 * break (ledger_head_hint's "|" in Chinese, blanks in English).
 */
static double s_head_em(const ledger_doc *doc, int col)
{
    const char *h = ledger_head_hint(doc->lang, col);
    double widest = 0;
    for (const char *p = h;;) {
        size_t len = strcspn(p, doc->lang == LEDGER_ZH ? "|" : "| ");
        double w = ledger_text_em_n(p, len);
        if (w > widest)
            widest = w;
        if (!p[len])
            return widest * 1.1; /* headers are bold: a little wider */
        p += len + 1;
    }
}

/*
 * The free-text cells' lines, measured once: the width of each line of
 * every cell, by row and free column (S_FREE columns, at most S_NFREE). Of
 * a long ledger, S_SAMPLE rows spread over it stand for all (the widths
 * are a matter of proportion, and the search stays quick on 10,000 rows).
 */
#define S_NFREE 5
#define S_SAMPLE 400
typedef struct {
    double *em;    /* all the lines' widths */
    size_t *first; /* cell (row * S_NFREE + f)'s lines: em[first[k] .. first[k + 1]) */
    size_t rows;   /* the rows measured */
} s_lines;

/* Lines a cell of `lines` (n widths) takes in a column w em wide. */
static double s_cell_lines(const double *em, size_t n, double w)
{
    double lines = 0, room = w * 0.96 - 0.1; /* a break wastes part of a line */
    if (room < 0.5)
        room = 0.5;
    for (size_t i = 0; i < n; i++) {
        double l = em[i] / room;
        long whole = (long)l;
        lines += em[i] <= 0 ? 1 : (double)(whole + (l > (double)whole));
    }
    return lines < 1 ? 1 : lines;
}

/*
 * What the free columns' widths w[] cost: the rows' heights (the most lines
 * of their free cells) plus a third of all their lines, so that a short
 * column does not wrap for nothing beside a long one, plus each line of a
 * title past its second.
 */
static double s_cost(const s_lines *L, const int *free_col, int nf, const double *w)
{
    double cost = 0;
    for (size_t r = 0; r < L->rows; r++) {
        double most = 1, all = 0;
        for (int f = 0; f < nf; f++) {
            size_t k = r * S_NFREE + (size_t)f;
            double l = s_cell_lines(L->em + L->first[k], L->first[k + 1] - L->first[k], w[free_col[f]]);
            if (l > most)
                most = l;
            all += l;
            /* The problem is what a reader looks for: past two lines, each costs a row's line. */
            if (free_col[f] == LL_TITLE && l > 2)
                cost += l - 2;
        }
        cost += most + all / 3;
    }
    return L->rows ? cost / (double)L->rows : 0; /* per row: the same for a sample */
}

/* Measure the free cells' lines into L (nf columns free_col); 0, or -1 (no memory). */
static int s_measure_lines(const ledger_doc *doc, const json_t *rows, const int *free_col, int nf, s_lines *L)
{
    size_t total = json_array_size(rows), cap = 64, used = 0;
    size_t nrows = total > S_SAMPLE ? S_SAMPLE : total;
    ledger_cells *c = malloc(sizeof *c);
    L->rows = nrows;
    L->em = malloc(cap * sizeof *L->em);
    L->first = malloc((nrows * S_NFREE + 1) * sizeof *L->first);
    if (!c || !L->em || !L->first) {
        free(c);
        return -1;
    }
    for (size_t r = 0; r < nrows; r++) {
        ledger_row_cells(doc, json_array_get(rows, total > S_SAMPLE ? r * total / S_SAMPLE : r), c);
        for (int f = 0; f < S_NFREE; f++) {
            L->first[r * S_NFREE + (size_t)f] = used;
            for (const char *p = f < nf ? c->cell[free_col[f]] : NULL; p;) {
                const char *nl = strchr(p, '\n');
                if (used == cap) {
                    double *more = realloc(L->em, cap * 2 * sizeof *L->em);
                    if (!more) {
                        free(c);
                        return -1;
                    }
                    L->em = more;
                    cap *= 2;
                }
                L->em[used++] = ledger_text_em_n(p, nl ? (size_t)(nl - p) : strlen(p));
                p = nl ? nl + 1 : NULL;
            }
        }
    }
    L->first[nrows * S_NFREE] = used;
    free(c);
    return 0;
}

void ledger_layout_compute(const ledger_doc *doc, double avail_em, ledger_layout *lay)
{
    const json_t *rows = json_object_get(doc->ledger, "rows");
    size_t nrows = json_array_size(rows);
    double need[LEDGER_COLS] = {0}, longest[LEDGER_COLS] = {0}, total[LEDGER_COLS] = {0};
    ledger_cells *c = malloc(sizeof *c);
    int free_col[S_NFREE], nf = 0;

    memset(lay, 0, sizeof *lay);
    for (int i = 0; i < LEDGER_COLS; i++)
        if (ledger_col_shown(doc, i)) {
            lay->shown[lay->n++] = i;
            if (s_kind(i) == S_FREE && nf < S_NFREE)
                free_col[nf++] = i;
        }
    for (size_t r = 0; c && r < nrows; r++) {
        ledger_row_cells(doc, json_array_get(rows, r), c);
        for (int i = 0; i < LEDGER_COLS; i++) {
            const char *s = c->cell[i];
            double w = s_widest_line(s);
            double p = s_kind(i) == S_PIECES ? s_widest_piece(s) : w;
            if (w > longest[i])
                longest[i] = w;
            if (p > need[i])
                need[i] = p;
            total[i] += ledger_text_em(s);
        }
    }
    free(c);

    /* Short columns: what their widest unbreakable piece (or header) needs. */
    double fixed = 0;
    double lo[LEDGER_COLS] = {0}, hi[LEDGER_COLS] = {0};
    for (int k = 0; k < lay->n; k++) {
        int i = lay->shown[k];
        double head = s_head_em(doc, i);
        if (s_kind(i) == S_FREE) {
            lo[i] = head > S_FREE_MIN ? head : S_FREE_MIN;
            hi[i] = longest[i] + 0.3 > lo[i] ? longest[i] + 0.3 : lo[i];
            lay->width_em[i] = lo[i];
        } else {
            lay->width_em[i] = (need[i] > head ? need[i] : head) + 0.2;
        }
        fixed += lay->width_em[i];
    }
    avail_em -= S_PAD * lay->n;

    /*
     * Free text (问题, 整改措施, 最新佐证, and a long 问题来源 or 责任单位):
     * the rest of the width, a quarter em at a time, to the column where it
     * saves the most lines (s_cost); where no step saves any, to the one
     * with the most text for its width. Never wider than its longest line.
     */
    s_lines L = {0};
    double rest = avail_em - fixed, step = 0.25;
    if (nf > 0 && rest >= step && s_measure_lines(doc, rows, free_col, nf, &L) == 0) {
        double now = s_cost(&L, free_col, nf, lay->width_em);
        while (rest >= step) {
            /* The best saving per em over steps of up to 4 em: a column
             * saves a line only once it is a whole character wider. */
            int best = -1;
            double best_gain = 0, best_by = step, best_density = -1;
            for (int f = 0; f < nf; f++) {
                int i = free_col[f];
                double w0 = lay->width_em[i];
                for (double by = step; by <= 4.0 + 1e-9 && by <= rest + 1e-9; by += step) {
                    if (w0 + by > hi[i])
                        break;
                    lay->width_em[i] = w0 + by;
                    double gain = (now - s_cost(&L, free_col, nf, lay->width_em)) / by;
                    if (gain > best_gain + 1e-9) {
                        best_gain = gain;
                        best = i;
                        best_by = by;
                    }
                }
                lay->width_em[i] = w0;
            }
            if (best < 0) {
                best_by = step;
                for (int f = 0; f < nf; f++) {
                    int i = free_col[f];
                    double density = total[i] / lay->width_em[i];
                    if (lay->width_em[i] + step <= hi[i] && density > best_density) {
                        best_density = density;
                        best = i;
                    }
                }
            }
            if (best < 0)
                break; /* every column as wide as its text: the table is narrower */
            lay->width_em[best] += best_by;
            rest -= best_by;
            now = s_cost(&L, free_col, nf, lay->width_em);
        }
    }
    free(L.em);
    free(L.first);
    lay->total_em = 0;
    for (int k = 0; k < lay->n; k++)
        lay->total_em += lay->width_em[lay->shown[k]] + S_PAD;
    /* The table fills the page when its text is narrower. */
    if (lay->total_em < avail_em + S_PAD * lay->n)
        lay->total_em = avail_em + S_PAD * lay->n;
    /* A title in at most three lines: what exceeds them (with room for the
     * line ends a break leaves unused) is cut with "…". */
    lay->title_max_em =
        ledger_col_shown(doc, LL_TITLE) ? 3 * (lay->width_em[LL_TITLE] * 0.96 - 0.1) - 0.4 : 0;
}
