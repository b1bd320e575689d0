/*
 * import.c - the CSV plan parser: bytes in, validated and normalized rows
 * out (see import.h). libcsv handles the quoting; this file tracks physical
 * lines, maps the header to fields and checks every row against the config.
 *
 * Line numbers: libcsv reports no positions, so the data is fed to it one
 * physical line (up to and including its '\n') at a time while counting
 * lines. A row starts on the first line after the previous row that holds
 * anything but blanks (libcsv skips blank lines the same way, so the two
 * agree); its callbacks fire on the line where it ends, which is later when
 * a quoted field spans lines. Every line is checked for UTF-8 before libcsv
 * sees it, so the error names the exact line and every cell is valid UTF-8.
 *
 * Errors: the first one in file order wins; once st->rc is set the
 * callbacks do nothing and feeding stops at the end of the line.
 */
#include "import.h"

#include <csv.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "rect_date.h"
#include "rect_proto.h"
#include "rect_text.h"

/* ---- allocation (replaceable by tests) -------------------------------- */

static void *(*s_realloc_fn)(void *, size_t) = fault_realloc;
static void (*s_free_fn)(void *) = free;

/* Route this module's and libcsv's allocations through the given functions. */
void imp_set_allocator(void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *))
{
    s_realloc_fn = realloc_fn ? realloc_fn : fault_realloc;
    s_free_fn = free_fn ? free_fn : free;
}

static void *s_alloc(size_t n)
{
    return s_realloc_fn(NULL, n ? n : 1);
}

static void s_free(void *p)
{
    if (p)
        s_free_fn(p);
}

/*
 * Room for `need` elements of `size` bytes in arr (capacity *cap elements),
 * growing geometrically. Returns the (possibly moved) array and updates
 * *cap, or NULL on failure with arr untouched and still the caller's.
 */
static void *s_grow(void *arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap && arr)
        return arr;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return NULL;
    void *p = s_realloc_fn(arr, n * size);
    if (p)
        *cap = n;
    return p;
}

/* ---- field names --------------------------------------------------------- */

static const struct {
    const char *en;
    const char *zh;
} s_fields[IMP_NFIELDS] = {
    [IMP_REF] = {"ref", "编号"},
    [IMP_SOURCE] = {"source", "问题来源"},
    [IMP_KIND] = {"kind", "整改类型"},
    [IMP_TITLE] = {"title", "问题"},
    [IMP_DESCRIPTION] = {"description", "问题描述"},
    [IMP_MEASURES] = {"measures", "整改措施"},
    [IMP_LEADER] = {"leader", "责任领导"},
    [IMP_UNIT] = {"unit", "责任单位"},
    [IMP_OWNER] = {"owner", "责任人"},
    [IMP_DEADLINE] = {"deadline", "整改时限"},
    [IMP_PARENT] = {"parent", "关联问题"},
    [IMP_CLAIMED] = {"claimed", "认领"},
    [IMP_DECLINE_REASON] = {"decline_reason", "不认领原因"},
};

/* The words of the 认领 column: yes (or empty) claims the row, no declines it. */
static const char *const s_yes[] = {"是", "yes", "y", "true", "1"};
static const char *const s_no[] = {"否", "no", "n", "false", "0"};

/* The serial-number column spreadsheets carry: accepted, ignored. */
#define S_SERIAL_EN "no"
#define S_SERIAL_ZH "序号"

/* What a header cell stands for, besides an enum imp_field (>= 0). */
enum { S_COL_SERIAL = -1, S_COL_UNNAMED = -2, S_COL_UNKNOWN = -3 };

/* Assignment fields: a row has all of them or none. */
static const enum imp_field s_assign[] = {IMP_LEADER, IMP_UNIT, IMP_OWNER, IMP_DEADLINE};
#define S_NASSIGN (sizeof s_assign / sizeof s_assign[0])

/* What values are trimmed of; lines holding nothing else are blank. */
static int s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* English name of a field. */
const char *imp_field_name(enum imp_field f)
{
    return (unsigned)f < IMP_NFIELDS ? s_fields[f].en : "?";
}

/* Chinese column name of a field. */
const char *imp_field_name_zh(enum imp_field f)
{
    return (unsigned)f < IMP_NFIELDS ? s_fields[f].zh : "?";
}

/* ASCII-only case-insensitive equality: UTF-8 bytes compare exactly
 * whatever the locale. */
static int s_ascii_caseeq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return 0;
        if (!x)
            return 1;
    }
}

/* What a (trimmed) header cell names: an imp_field or an S_COL_ value. */
static int s_match_column(const char *name)
{
    if (!*name)
        return S_COL_UNNAMED;
    for (int f = 0; f < IMP_NFIELDS; f++)
        if (s_ascii_caseeq(name, s_fields[f].en) || strcmp(name, s_fields[f].zh) == 0)
            return f;
    if (s_ascii_caseeq(name, S_SERIAL_EN) || strcmp(name, S_SERIAL_ZH) == 0)
        return S_COL_SERIAL;
    return S_COL_UNKNOWN;
}

/* ---- parser state ---------------------------------------------------------- */

typedef struct {
    int field;        /* enum imp_field or S_COL_SERIAL / S_COL_UNNAMED */
    const char *name; /* the header's spelling, trimmed; in head_buf */
} s_col;

typedef struct {
    const rect_cfg *cfg;
    char *err;
    size_t errlen;
    int rc; /* first error, 0 while all is well */

    long line;     /* physical line being fed, 1-based */
    long row_line; /* line where the current row started */
    int row_open;  /* a row has started and not ended */

    /* The current row's cells: NUL-terminated strings in buf at offsets cell[]. */
    char *buf;
    size_t buf_len, buf_cap;
    size_t *cell;
    size_t ncells, cell_cap;

    /* The header, once seen. */
    int have_header;
    long head_line;
    char *head_buf; /* copy of the header row's buf */
    s_col *cols;
    size_t ncols;
    int col_of[IMP_NFIELDS]; /* column index of each field, -1 if absent */

    imp_plan *plan;
    size_t rows_cap;
    /* Refs seen so far: open addressing, row index + 1 per slot, 0 = empty. */
    size_t *refs;
    size_t refs_cap; /* a power of two, kept at least twice plan->n */
} s_state;

/* ---- errors ---------------------------------------------------------------- */

/* Cut a trailing incomplete UTF-8 sequence (left by truncation), so that the
 * message can go into JSON as it is. */
static void s_utf8_trim_end(char *s)
{
    size_t len = strlen(s), i = len;
    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (i - 1 + need > len)
        s[i - 1] = '\0';
}

/* Record an error unless one is already recorded (later errors are often
 * consequences of the first and would mislead). */
__attribute__((format(printf, 3, 4))) static void s_fail(s_state *st, int rc, const char *fmt,
                                                          ...)
{
    if (st->rc)
        return;
    st->rc = rc;
    if (!st->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, st->errlen, fmt, ap);
    va_end(ap);
    s_utf8_trim_end(st->err);
}

static void s_nomem(s_state *st)
{
    s_fail(st, RECT_E_NOMEM, "out of memory");
}

/* A value as it may appear inside an error message: one line, at most 40
 * columns, "…" when cut. */
static const char *s_excerpt(const char *v, char *out, size_t outlen)
{
    text_fit(v, 40, out, outlen);
    return out;
}

/* How errors name field f's column: the header's spelling, followed by the
 * English field name unless that is the spelling already; for a column the
 * header lacks, "leader/责任领导 (no such column)". */
static void s_label(const s_state *st, int f, char *out, size_t outlen)
{
    int c = st->col_of[f];
    if (c < 0) {
        snprintf(out, outlen, "%s/%s (no such column)", s_fields[f].en, s_fields[f].zh);
        return;
    }
    char name[128];
    s_excerpt(st->cols[c].name, name, sizeof name);
    if (s_ascii_caseeq(st->cols[c].name, s_fields[f].en))
        snprintf(out, outlen, "%s", name);
    else
        snprintf(out, outlen, "%s (%s)", name, s_fields[f].en);
}

/* An error about field f of the current row: "line N, column X (f): ...". */
__attribute__((format(printf, 3, 4))) static void s_fail_field(s_state *st, int f,
                                                                const char *fmt, ...)
{
    if (st->rc)
        return;
    char label[200], msg[IMP_ERRLEN];
    s_label(st, f, label, sizeof label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_fail(st, RECT_E_BAD_IMPORT, "line %ld, column %s: %s", st->row_line, label, msg);
}

/*
 * Append to the string in out (outlen bytes; *used of them taken, not
 * counting the NUL). When out is full the text is cut at a character
 * boundary and later appends do nothing.
 */
__attribute__((format(printf, 4, 5))) static void s_append(char *out, size_t outlen,
                                                            size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= outlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(out + *used, outlen - *used, fmt, ap);
    va_end(ap);
    if (w < 0) {
        out[*used] = '\0';
    } else if ((size_t)w >= outlen - *used) {
        s_utf8_trim_end(out);
        *used = outlen - 1; /* full */
    } else {
        *used += (size_t)w;
    }
}

/* "a (名), b (名)": the configured ids and names, for unknown-name errors. */
static void s_list_named(const rect_named *v, size_t n, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        s_append(out, outlen, &used, "%s%s (%s)", i ? ", " : "", v[i].id, v[i].name);
}

/* The accepted column names, for the unknown-column error. */
static void s_list_columns(char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int f = 0; f < IMP_NFIELDS; f++)
        s_append(out, outlen, &used, "%s/%s, ", s_fields[f].en, s_fields[f].zh);
    s_append(out, outlen, &used, "and %s/%s (ignored)", S_SERIAL_EN, S_SERIAL_ZH);
}

/* ---- the header ------------------------------------------------------------ */

static void s_header(s_state *st)
{
    st->have_header = 1;
    st->head_line = st->row_line;
    if (st->ncells > INT_MAX) { /* col_of[] holds ints */
        s_fail(st, RECT_E_BAD_IMPORT, "line %ld: the header has too many columns", st->head_line);
        return;
    }
    st->head_buf = s_alloc(st->buf_len);
    st->cols = s_alloc(st->ncells * sizeof *st->cols);
    if (!st->head_buf || !st->cols) {
        s_nomem(st);
        return;
    }
    memcpy(st->head_buf, st->buf, st->buf_len);
    st->ncols = st->ncells;

    char name[128];
    for (size_t i = 0; i < st->ncols; i++) {
        s_col *col = &st->cols[i];
        col->name = st->head_buf + st->cell[i];
        col->field = s_match_column(col->name);
        if (col->field == S_COL_UNKNOWN) {
            char accepted[800];
            s_list_columns(accepted, sizeof accepted);
            s_fail(st, RECT_E_BAD_IMPORT, "line %ld, column %s: unknown column; the columns are %s",
                   st->head_line, s_excerpt(col->name, name, sizeof name), accepted);
            return;
        }
        if (col->field < 0)
            continue;
        int prev = st->col_of[col->field];
        if (prev >= 0) {
            char first[128];
            s_excerpt(st->cols[prev].name, first, sizeof first);
            s_fail(st, RECT_E_BAD_IMPORT,
                   "line %ld, column %s: appears twice: columns %d (%s) and %zu (%s) are both %s",
                   st->head_line, s_excerpt(col->name, name, sizeof name), prev + 1, first, i + 1,
                   name, s_fields[col->field].en);
            return;
        }
        st->col_of[col->field] = (int)i;
    }

    char missing[200] = "";
    size_t used = 0;
    for (int f = IMP_REF; f <= IMP_TITLE; f++)
        if (st->col_of[f] < 0)
            s_append(missing, sizeof missing, &used, "%s%s/%s", used ? ", " : "", s_fields[f].en,
                     s_fields[f].zh);
    if (used)
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: the header lacks required column(s) %s; ref, source, kind and title "
               "are required",
               st->head_line, missing);
}

/* ---- rows --------------------------------------------------------------------- */

/* FNV-1a. */
static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

/* Grow the ref table so it stays at most half full with one more row. */
static int s_refs_reserve(s_state *st)
{
    size_t n = st->plan->n + 1;
    if (st->refs_cap >= 2 * n)
        return 0;
    size_t cap = st->refs_cap ? st->refs_cap : 256;
    while (cap < 2 * n) {
        if (cap > SIZE_MAX / 2 / sizeof *st->refs)
            return -1;
        cap *= 2;
    }
    size_t *t = s_alloc(cap * sizeof *t);
    if (!t)
        return -1;
    memset(t, 0, cap * sizeof *t);
    s_free(st->refs);
    st->refs = t;
    st->refs_cap = cap;
    /* Rehash: slots are found by probing from the ref's hash. */
    for (size_t r = 0; r < st->plan->n; r++) {
        if (!*st->plan->rows[r].f[IMP_REF]) /* a declined row without a ref */
            continue;
        size_t i = (size_t)s_hash(st->plan->rows[r].f[IMP_REF]) & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = r + 1;
    }
    return 0;
}

/* The slot holding ref, or the empty slot where it belongs. The table must
 * have room (s_refs_reserve). */
static size_t s_refs_slot(const s_state *st, const char *ref)
{
    size_t mask = st->refs_cap - 1;
    for (size_t i = (size_t)s_hash(ref) & mask;; i = (i + 1) & mask) {
        size_t r = st->refs[i];
        if (!r || strcmp(st->plan->rows[r - 1].f[IMP_REF], ref) == 0)
            return i;
    }
}

/*
 * Append a row holding copies of val[] (NULL stays NULL). All strings share
 * one allocation that starts at f[IMP_REF] (never NULL, first in the
 * block): imp_plan_destroy frees that one pointer per row.
 */
static int s_row_add(s_state *st, const char *const val[IMP_NFIELDS], int declined)
{
    imp_plan *plan = st->plan;
    imp_row *rows = s_grow(plan->rows, &st->rows_cap, plan->n + 1, sizeof *rows);
    if (!rows)
        return -1;
    plan->rows = rows;

    size_t len[IMP_NFIELDS], size = 0;
    for (int f = 0; f < IMP_NFIELDS; f++) {
        len[f] = val[f] ? strlen(val[f]) : 0;
        size += val[f] ? len[f] + 1 : 0;
    }
    char *p = s_alloc(size);
    if (!p)
        return -1;
    imp_row *row = &rows[plan->n++];
    row->line = st->row_line;
    row->declined = declined;
    row->parent_line = 0;
    for (int f = 0; f < IMP_NFIELDS; f++) {
        if (!val[f]) {
            row->f[f] = NULL;
            continue;
        }
        row->f[f] = p;
        memcpy(p, val[f], len[f] + 1);
        p += len[f] + 1;
    }
    return 0;
}

/* The text checks of one field: length, line breaks, control characters. */
static int s_check_text(s_state *st, int f, const char *v)
{
    size_t len = strlen(v);
    int multiline = f == IMP_DESCRIPTION || f == IMP_MEASURES || f == IMP_DECLINE_REASON;
    size_t max = f == IMP_REF || f == IMP_PARENT ? RECT_MAX_NAME : RECT_MAX_TEXT;
    if (len > max)
        s_fail_field(st, f, "is %zu bytes long; at most %zu are allowed", len, max);
    else if (!multiline && strchr(v, '\n'))
        s_fail_field(st, f, "must be a single line");
    else if (!text_clean(v, multiline))
        s_fail_field(st, f, "contains a control character");
    return st->rc;
}

/* Resolve a user name or display name; leader additionally needs the role. */
static const char *s_resolve_user(s_state *st, int f, const char *v)
{
    char ex[128];
    const rect_user *u = cfg_user_find(st->cfg, v);
    if (!u) {
        s_fail_field(st, f, "unknown user \"%s\"; configured users are named in rectd.conf",
                     s_excerpt(v, ex, sizeof ex));
        return NULL;
    }
    if (f == IMP_LEADER && !(u->roles & RECT_ROLE_LEADER)) {
        s_fail_field(st, f, "user \"%s\" (%s) does not have the leader role",
                     s_excerpt(v, ex, sizeof ex), u->name);
        return NULL;
    }
    return u->name;
}

/*
 * A row with 认领 = 否: a fed-back problem the town did not claim. It needs
 * source, title and 不认领原因; ref is optional (unique like every ref);
 * what only a claimed item has must stay empty.
 */
static void s_declined_row(s_state *st, const char *const v[IMP_NFIELDS])
{
    static const enum imp_field none[] = {IMP_KIND, IMP_DESCRIPTION, IMP_MEASURES, IMP_LEADER,
                                          IMP_UNIT, IMP_OWNER, IMP_DEADLINE, IMP_PARENT};
    char ex[128], list[300];
    const enum imp_field need[] = {IMP_SOURCE, IMP_TITLE, IMP_DECLINE_REASON};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!*v[need[i]]) {
            s_fail_field(st, need[i], "is empty; a problem not claimed (认领 = 否) needs its source, title and "
                                      "reason (不认领原因)");
            return;
        }
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (*v[none[i]]) {
            s_fail_field(st, none[i], "holds \"%s\", but the row is a problem not claimed (认领 = 否): it has no "
                                      "kind, measures, assignment or parent; leave the cell empty",
                         s_excerpt(v[none[i]], ex, sizeof ex));
            return;
        }
    const int text_fields[] = {IMP_REF, IMP_TITLE, IMP_DECLINE_REASON};
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++)
        if (s_check_text(st, text_fields[i], v[text_fields[i]]))
            return;
    const rect_named *src = cfg_source_find(st->cfg, v[IMP_SOURCE]);
    if (!src) {
        s_list_named(st->cfg->sources, st->cfg->n_sources, list, sizeof list);
        s_fail_field(st, IMP_SOURCE, "unknown source \"%s\"; configured sources: %s",
                     s_excerpt(v[IMP_SOURCE], ex, sizeof ex), list);
        return;
    }
    const char *val[IMP_NFIELDS] = {
        [IMP_REF] = v[IMP_REF],
        [IMP_SOURCE] = src->id,
        [IMP_TITLE] = v[IMP_TITLE],
        [IMP_DECLINE_REASON] = v[IMP_DECLINE_REASON],
    };
    if (s_refs_reserve(st) != 0) {
        s_nomem(st);
        return;
    }
    size_t slot = 0;
    if (*v[IMP_REF]) {
        slot = s_refs_slot(st, v[IMP_REF]);
        if (st->refs[slot]) {
            s_fail_field(st, IMP_REF, "\"%s\" is also on line %ld; each ref may appear once",
                         s_excerpt(v[IMP_REF], ex, sizeof ex), st->plan->rows[st->refs[slot] - 1].line);
            return;
        }
    }
    if (s_row_add(st, val, 1) != 0) {
        s_nomem(st);
        return;
    }
    if (*v[IMP_REF])
        st->refs[slot] = st->plan->n;
}

/* Validate the current row (cells trimmed, not all empty) and append it. */
static void s_data_row(s_state *st)
{
    char ex[128], list[300];
    if (st->ncells > st->ncols) {
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: %zu cells, but the header (line %ld) has %zu columns; "
               "put a value that holds a comma in double quotes",
               st->row_line, st->ncells, st->head_line, st->ncols);
        return;
    }
    const char *v[IMP_NFIELDS];
    for (int f = 0; f < IMP_NFIELDS; f++) {
        int c = st->col_of[f];
        v[f] = c >= 0 && (size_t)c < st->ncells ? st->buf + st->cell[c] : "";
    }
    for (size_t i = 0; i < st->ncells; i++)
        if (st->cols[i].field == S_COL_UNNAMED && st->buf[st->cell[i]]) {
            s_fail(st, RECT_E_BAD_IMPORT,
                   "line %ld, column %zu: holds \"%s\", but the header gives this column no "
                   "name",
                   st->row_line, i + 1, s_excerpt(st->buf + st->cell[i], ex, sizeof ex));
            return;
        }

    int declined = 0;
    if (*v[IMP_CLAIMED]) {
        int yes = 0, no = 0;
        for (size_t i = 0; i < sizeof s_yes / sizeof s_yes[0]; i++) {
            yes |= s_ascii_caseeq(v[IMP_CLAIMED], s_yes[i]);
            no |= s_ascii_caseeq(v[IMP_CLAIMED], s_no[i]);
        }
        if (!yes && !no) {
            s_fail_field(st, IMP_CLAIMED, "\"%s\" is neither 是 (claimed) nor 否 (not claimed); an empty cell "
                                          "is claimed",
                         s_excerpt(v[IMP_CLAIMED], ex, sizeof ex));
            return;
        }
        declined = no;
    }
    if (declined) {
        s_declined_row(st, v);
        return;
    }
    if (*v[IMP_DECLINE_REASON]) {
        s_fail_field(st, IMP_DECLINE_REASON,
                     "gives a reason, but the row is claimed: 不认领原因 is for rows with 认领 = 否 only");
        return;
    }
    for (int f = IMP_REF; f <= IMP_TITLE; f++)
        if (!*v[f]) {
            s_fail_field(st, f, "is empty; every row needs ref, source, kind and title");
            return;
        }
    if (*v[IMP_PARENT] && strcmp(v[IMP_PARENT], v[IMP_REF]) == 0) {
        s_fail_field(st, IMP_PARENT, "names the row's own ref %s: an item cannot be its own parent (关联问题 "
                                     "names the problem a 举一反三 item came from)",
                     s_excerpt(v[IMP_REF], ex, sizeof ex));
        return;
    }
    const int text_fields[] = {IMP_REF, IMP_TITLE, IMP_DESCRIPTION, IMP_MEASURES, IMP_PARENT};
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++)
        if (s_check_text(st, text_fields[i], v[text_fields[i]]))
            return;

    size_t given = 0;
    for (size_t i = 0; i < S_NASSIGN; i++)
        given += *v[s_assign[i]] != '\0';
    if (given && given < S_NASSIGN) {
        char missing[400] = "";
        size_t used = 0;
        for (size_t i = 0; i < S_NASSIGN; i++) {
            if (*v[s_assign[i]])
                continue;
            char label[200];
            s_label(st, s_assign[i], label, sizeof label);
            s_append(missing, sizeof missing, &used, "%s%s", used ? ", " : "", label);
        }
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: leader, unit, owner and deadline go together (all four or none); "
               "missing %s",
               st->row_line, missing);
        return;
    }

    /* Resolve names to what the store keeps. */
    const char *val[IMP_NFIELDS] = {
        [IMP_REF] = v[IMP_REF],
        [IMP_TITLE] = v[IMP_TITLE],
        [IMP_DESCRIPTION] = v[IMP_DESCRIPTION],
        [IMP_MEASURES] = v[IMP_MEASURES],
        [IMP_PARENT] = *v[IMP_PARENT] ? v[IMP_PARENT] : NULL,
    };
    const rect_named *src = cfg_source_find(st->cfg, v[IMP_SOURCE]);
    if (!src) {
        s_list_named(st->cfg->sources, st->cfg->n_sources, list, sizeof list);
        s_fail_field(st, IMP_SOURCE, "unknown source \"%s\"; configured sources: %s",
                     s_excerpt(v[IMP_SOURCE], ex, sizeof ex), list);
        return;
    }
    val[IMP_SOURCE] = src->id;
    int kind = rect_kind_parse(v[IMP_KIND]);
    if (kind < 0) {
        s_fail_field(st, IMP_KIND, "\"%s\" is not a kind (use %s or %s, or %s or %s)",
                     s_excerpt(v[IMP_KIND], ex, sizeof ex), rect_kind_names[0],
                     rect_kind_names[1], rect_kind_names_zh[0], rect_kind_names_zh[1]);
        return;
    }
    val[IMP_KIND] = rect_kind_names[kind];

    char date[RECT_DATE_LEN];
    if (given) {
        if (!(val[IMP_LEADER] = s_resolve_user(st, IMP_LEADER, v[IMP_LEADER])))
            return;
        const rect_named *unit = cfg_unit_find(st->cfg, v[IMP_UNIT]);
        if (!unit) {
            s_list_named(st->cfg->units, st->cfg->n_units, list, sizeof list);
            s_fail_field(st, IMP_UNIT, "unknown unit \"%s\"; configured units: %s",
                         s_excerpt(v[IMP_UNIT], ex, sizeof ex), list);
            return;
        }
        val[IMP_UNIT] = unit->id;
        if (!(val[IMP_OWNER] = s_resolve_user(st, IMP_OWNER, v[IMP_OWNER])))
            return;
        if (date_parse(v[IMP_DEADLINE], date) != 0) {
            s_fail_field(st, IMP_DEADLINE,
                         "\"%s\" is not a date (use 2026-12-31, 2026/12/31 or 2026年12月31日)",
                         s_excerpt(v[IMP_DEADLINE], ex, sizeof ex));
            return;
        }
        val[IMP_DEADLINE] = date;
    }

    if (s_refs_reserve(st) != 0) {
        s_nomem(st);
        return;
    }
    size_t slot = s_refs_slot(st, v[IMP_REF]);
    if (st->refs[slot]) {
        s_fail_field(st, IMP_REF, "\"%s\" is also on line %ld; each ref may appear once",
                     s_excerpt(v[IMP_REF], ex, sizeof ex),
                     st->plan->rows[st->refs[slot] - 1].line);
        return;
    }
    if (s_row_add(st, val, 0) != 0) {
        s_nomem(st);
        return;
    }
    st->refs[slot] = st->plan->n;
}

/* ---- libcsv callbacks --------------------------------------------------------- */

/* libcsv: one field has ended. Store it (with "\r\n" made "\n") as a cell. */
static void s_on_field(void *s, size_t len, void *data)
{
    s_state *st = data;
    if (st->rc)
        return;
    if (!st->row_open) { /* a row that starts after a bare '\r' on this line */
        st->row_open = 1;
        st->row_line = st->line;
    }
    size_t *cell = s_grow(st->cell, &st->cell_cap, st->ncells + 1, sizeof *cell);
    if (!cell) {
        s_nomem(st);
        return;
    }
    st->cell = cell;
    if (len > SIZE_MAX - st->buf_len - 1) {
        s_nomem(st);
        return;
    }
    char *buf = s_grow(st->buf, &st->buf_cap, st->buf_len + len + 1, 1);
    if (!buf) {
        s_nomem(st);
        return;
    }
    st->buf = buf;
    st->cell[st->ncells++] = st->buf_len;
    const char *in = s;
    char *o = buf + st->buf_len;
    for (size_t i = 0; i < len; i++)
        if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
            *o++ = in[i];
    *o++ = '\0';
    st->buf_len = (size_t)(o - buf);
}

/* Trim every cell of the current row in place; 1 if any cell holds
 * something other than a serial number, else 0 (a blank row). */
static int s_trim_cells(s_state *st)
{
    int any = 0;
    for (size_t i = 0; i < st->ncells; i++) {
        char *s = st->buf + st->cell[i];
        size_t lead = 0;
        while (s_blank(s[lead]))
            lead++;
        size_t len = strlen(s + lead);
        while (len > 0 && s_blank(s[lead + len - 1]))
            len--;
        s[lead + len] = '\0';
        st->cell[i] += lead;
        int serial = st->have_header && i < st->ncols && st->cols[i].field == S_COL_SERIAL;
        if (len && !serial)
            any = 1;
    }
    return any;
}

/* libcsv: the row has ended. The first non-blank row is the header. */
static void s_on_row(int c, void *data)
{
    (void)c;
    s_state *st = data;
    if (!st->rc && s_trim_cells(st)) {
        if (!st->have_header)
            s_header(st);
        else
            s_data_row(st);
    }
    st->buf_len = 0;
    st->ncells = 0;
    st->row_open = 0;
}

/* ---- feeding ------------------------------------------------------------------ */

/* 1 if the line holds anything but blanks, i.e. libcsv will start a row. */
static int s_has_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_blank(p[i]))
            return 1;
    return 0;
}

/* libcsv refused the current line. */
static void s_csv_failed(s_state *st, struct csv_parser *csv)
{
    int e = csv_error(csv);
    if (e == CSV_ENOMEM) {
        s_nomem(st);
    } else if (e == CSV_EPARSE && st->row_line != st->line) {
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: malformed quotes (the row began on line %ld: is a quote there never "
               "closed?); inside a quoted field write a quote as \"\"",
               st->line, st->row_line);
    } else if (e == CSV_EPARSE) {
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: malformed quotes: a quote inside an unquoted value, or text after a "
               "closing quote; put the whole value in double quotes and write a quote inside "
               "it as \"\"",
               st->line);
    } else {
        s_fail(st, RECT_E_BAD_IMPORT, "line %ld: %s", st->line, csv_strerror(e));
    }
}

static void s_feed(s_state *st, struct csv_parser *csv, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && !st->rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        st->line++;
        if (!text_valid_utf8(p, n)) {
            s_fail(st, RECT_E_BAD_IMPORT,
                   "line %ld: not UTF-8 text; save the plan as \"CSV UTF-8\" (a GBK-encoded "
                   "CSV or an .xlsx file will not do)",
                   st->line);
            return;
        }
        if (!st->row_open && s_has_text(p, n)) {
            st->row_open = 1;
            st->row_line = st->line;
        }
        if (csv_parse(csv, p, n, s_on_field, s_on_row, st) != n && !st->rc) {
            s_csv_failed(st, csv);
            return;
        }
        p += n;
    }
    if (!st->rc && csv_fini(csv, s_on_field, s_on_row, st) != 0 && !st->rc)
        s_fail(st, RECT_E_BAD_IMPORT,
               "line %ld: a quoted field in the row that begins here is never closed",
               st->row_line);
}

/*
 * Each 关联问题 that names a ref of the file must name an earlier row that
 * is claimed (the parent is claimed first: the import claims in file
 * order); refs the file does not hold are the handler's to find among the
 * recorded items.
 */
static void s_parents(s_state *st)
{
    char ex[128];
    for (size_t r = 0; r < st->plan->n && !st->rc; r++) {
        imp_row *row = &st->plan->rows[r];
        const char *p = row->f[IMP_PARENT];
        if (!p || !st->refs_cap)
            continue;
        size_t t = st->refs[s_refs_slot(st, p)];
        if (!t)
            continue;
        const imp_row *target = &st->plan->rows[t - 1];
        st->row_line = row->line;
        if (target->declined)
            s_fail_field(st, IMP_PARENT, "names %s (line %ld), a problem not claimed (认领 = 否): a 举一反三 "
                                         "item comes from a claimed problem",
                         s_excerpt(p, ex, sizeof ex), target->line);
        else if (target->line > row->line)
            s_fail_field(st, IMP_PARENT, "names %s, whose row (line %ld) comes later: put the parent's row "
                                         "first",
                         s_excerpt(p, ex, sizeof ex), target->line);
        else
            row->parent_line = target->line;
    }
}

/* ---- public --------------------------------------------------------------------- */

/* Parse and validate a CSV plan (see import.h). */
int imp_parse(const char *data, size_t len, const rect_cfg *cfg, imp_plan **out, char *err,
              size_t errlen)
{
    s_state st = {.cfg = cfg, .err = err, .errlen = err ? errlen : 0};
    for (int f = 0; f < IMP_NFIELDS; f++)
        st.col_of[f] = -1;
    if (st.errlen)
        err[0] = '\0';
    *out = NULL;

    st.plan = s_alloc(sizeof *st.plan);
    if (!st.plan) {
        s_nomem(&st);
        return st.rc;
    }
    st.plan->rows = NULL;
    st.plan->n = 0;

    struct csv_parser csv;
    if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        s_nomem(&st);
    } else {
        csv_set_realloc_func(&csv, s_realloc_fn);
        csv_set_free_func(&csv, s_free_fn);
        csv_set_blk_size(&csv, 4096); /* the default 128 grows long fields slowly */
        s_feed(&st, &csv, data ? data : "", data ? len : 0);
        csv_free(&csv);
    }

    if (!st.rc && st.have_header)
        s_parents(&st);
    if (!st.have_header)
        s_fail(&st, RECT_E_BAD_IMPORT,
               "the file is empty; a plan starts with a header row naming its columns "
               "(ref/编号, source/问题来源, kind/整改类型, title/问题, ...)");
    else if (st.plan->n == 0)
        s_fail(&st, RECT_E_BAD_IMPORT, "line %ld: the header has no rows below it",
               st.head_line);

    s_free(st.refs);
    s_free(st.cols);
    s_free(st.head_buf);
    s_free(st.cell);
    s_free(st.buf);
    if (st.rc) {
        imp_plan_destroy(&st.plan);
        return st.rc;
    }
    *out = st.plan;
    return 0;
}

/* Free a plan and clear the caller's pointer. */
void imp_plan_destroy(imp_plan **plan_p)
{
    if (!plan_p || !*plan_p)
        return;
    imp_plan *plan = *plan_p;
    for (size_t i = 0; i < plan->n; i++)
        s_free(plan->rows[i].f[IMP_REF]); /* the row's one block, see s_row_add */
    s_free(plan->rows);
    s_free(plan);
    *plan_p = NULL;
}
