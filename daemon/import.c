/*
 * import.c - the plan's rules: rows of cells (from the plan reader,
 * common/plan.c: CSV in UTF-8 or GB18030, or .xlsx) in, validated and
 * normalized rows out (see import.h). Maps the header to fields and checks
 * every row against the config.
 *
 * Problems: every one is recorded (up to IMP_MAX_PROBLEMS, the rest only
 * counted), in file order, so a dry run can list them all at once; the
 * first is also the error message. A problem with the file as a whole (it
 * cannot be read, the header is wrong, memory ran out) ends the reading;
 * a problem in a row ends only that row's checks where later checks
 * would mislead, and the next row is checked. A row with a problem is not
 * kept (a plan with any problem is refused whole).
 */
#include "import.h"

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
    plan_set_allocator(s_realloc_fn, s_free_fn);
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

/* The words of the 认领 column: yes (or empty) claims the row, no declines it. */
static const char *const s_yes[] = {"是", "yes", "y", "true", "1"};
static const char *const s_no[] = {"否", "no", "n", "false", "0"};

/* The serial-number column spreadsheets carry: accepted, ignored. */
#define S_SERIAL_EN "no"
#define S_SERIAL_ZH "序号"
#define S_COL_SERIAL PLAN_COL_SERIAL
#define S_COL_UNNAMED PLAN_COL_UNNAMED
#define S_COL_UNKNOWN PLAN_COL_UNKNOWN

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
    return plan_field_en((int)f);
}

/* Chinese column name of a field. */
const char *imp_field_name_zh(enum imp_field f)
{
    return plan_field_zh((int)f);
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

/* ---- parser state ---------------------------------------------------------- */

typedef struct {
    int field;        /* enum imp_field or S_COL_SERIAL / S_COL_UNNAMED */
    const char *name; /* the header's spelling, trimmed; in head_buf */
} s_col;

typedef struct {
    const rect_cfg *cfg;
    char *err;
    size_t errlen;
    int rc;              /* first error, 0 while all is well */
    int fatal;           /* a problem with the whole file: stop reading */
    imp_problems *probs; /* where every problem goes, or NULL */
    int xlsx;            /* positions are sheet rows and column letters */
    int row_bad;         /* the current row has a problem: not kept */
    int cur_number;      /* the current row's deadline cell is an xlsx number */

    long row_line; /* where the current row starts: CSV line or sheet row */

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
/* Record a problem at line (0: none) and column label col (NULL: none). */
static void s_problem(s_state *st, int rc, long line, const char *col, const char *msg)
{
    st->row_bad = 1;
    if (!st->rc) {
        st->rc = rc;
        if (st->errlen) {
            snprintf(st->err, st->errlen, "%s", msg);
            s_utf8_trim_end(st->err);
        }
    }
    if (rc == RECT_E_NOMEM)
        st->fatal = 1;
    imp_problems *p = st->probs;
    if (!p || rc == RECT_E_NOMEM)
        return;
    p->total++;
    if (p->n >= IMP_MAX_PROBLEMS)
        return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        imp_problem *v = s_realloc_fn(p->v, cap * sizeof *v);
        if (!v) {
            st->fatal = 1;
            if (st->rc != RECT_E_NOMEM) {
                st->rc = RECT_E_NOMEM;
                if (st->errlen)
                    snprintf(st->err, st->errlen, "out of memory");
            }
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    imp_problem *q = &p->v[p->n++];
    q->line = line;
    snprintf(q->column, sizeof q->column, "%s", col ? col : "");
    s_utf8_trim_end(q->column);
    snprintf(q->msg, sizeof q->msg, "%s", msg);
    s_utf8_trim_end(q->msg);
}

/* A problem with no column of its own (the message names its line). */
__attribute__((format(printf, 3, 4))) static void s_fail(s_state *st, int rc, const char *fmt, ...)
{
    if (st->fatal)
        return;
    char msg[IMP_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s_problem(st, rc, st->row_line, NULL, msg);
}

/* A problem that ends the reading: the file as a whole is wrong. */
#define s_fail_fatal(st, ...)                         \
    do {                                              \
        s_fail((st), RECT_E_BAD_IMPORT, __VA_ARGS__); \
        (st)->fatal = 1;                              \
    } while (0)

static void s_nomem(s_state *st)
{
    s_fail(st, RECT_E_NOMEM, "out of memory");
    st->fatal = 1;
}

/* "line" or "row": what a position counts in this file. */
static const char *s_unit(const s_state *st)
{
    return st->xlsx ? "row" : "line";
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
        snprintf(out, outlen, "%s/%s (no such column)", plan_field_en(f), plan_field_zh(f));
        return;
    }
    char name[128], letters[8];
    s_excerpt(st->cols[c].name, name, sizeof name);
    int same = s_ascii_caseeq(st->cols[c].name, plan_field_en(f));
    if (st->xlsx) {
        /* "C (owner)" or "C (责任人, owner)": the letter people see on the sheet. */
        plan_col_letters((size_t)c, letters, sizeof letters);
        if (same)
            snprintf(out, outlen, "%s (%s)", letters, name);
        else
            snprintf(out, outlen, "%s (%s, %s)", letters, name, plan_field_en(f));
    } else if (same) {
        snprintf(out, outlen, "%s", name);
    } else {
        snprintf(out, outlen, "%s (%s)", name, plan_field_en(f));
    }
}

/* An error about field f of the current row: "line N, column X (f): ...". */
__attribute__((format(printf, 3, 4))) static void s_fail_field(s_state *st, int f, const char *fmt, ...)
{
    if (st->fatal)
        return;
    char label[200], msg[IMP_ERRLEN], all[IMP_ERRLEN + 240];
    s_label(st, f, label, sizeof label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(all, sizeof all, "%s %ld, column %s: %s", s_unit(st), st->row_line, label, msg);
    s_problem(st, RECT_E_BAD_IMPORT, st->row_line, label, all);
}

/*
 * Append to the string in out (outlen bytes; *used of them taken, not
 * counting the NUL). When out is full the text is cut at a character
 * boundary and later appends do nothing.
 */
__attribute__((format(printf, 4, 5))) static void s_append(char *out, size_t outlen, size_t *used,
                                                           const char *fmt, ...)
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
/* "id (name), …" of v into out: whole entries only; "…" when the rest does not fit. */
static void s_list_named(const rect_named *v, size_t n, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char one[256];
        int len = snprintf(one, sizeof one, "%s%s (%s)", i ? ", " : "", v[i].id, v[i].name);
        if (len < 0 || (size_t)len >= sizeof one || used + (size_t)len + sizeof ", \xe2\x80\xa6" > outlen) {
            s_append(out, outlen, &used, "%s\xe2\x80\xa6", i ? ", " : "");
            return;
        }
        s_append(out, outlen, &used, "%s", one);
    }
}

/* The accepted column names, for the unknown-column error. */
static void s_list_columns(char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int f = 0; f < IMP_NFIELDS; f++)
        s_append(out, outlen, &used, "%s/%s, ", plan_field_en(f), plan_field_zh(f));
    s_append(out, outlen, &used, "and %s/%s (ignored)", S_SERIAL_EN, S_SERIAL_ZH);
}

/* ---- the header ------------------------------------------------------------ */

static void s_header(s_state *st)
{
    st->have_header = 1;
    st->head_line = st->row_line;
    if (st->ncells > INT_MAX) { /* col_of[] holds ints */
        s_fail_fatal(st, "%s %ld: the header has too many columns", s_unit(st), st->head_line);
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

    /* Every unknown or doubled column is a problem; any of them ends the reading. */
    char name[128], where[160];
    for (size_t i = 0; i < st->ncols; i++) {
        s_col *col = &st->cols[i];
        col->name = st->head_buf + st->cell[i];
        col->field = plan_column(col->name);
        s_excerpt(col->name, name, sizeof name);
        if (st->xlsx) {
            char letters[8];
            plan_col_letters(i, letters, sizeof letters);
            snprintf(where, sizeof where, "%s (%s)", letters, name);
        } else {
            snprintf(where, sizeof where, "%s", name);
        }
        if (col->field == S_COL_UNKNOWN) {
            char accepted[800], msg[IMP_ERRLEN + 200];
            s_list_columns(accepted, sizeof accepted);
            snprintf(msg, sizeof msg, "%s %ld, column %s: unknown column; the columns are %s", s_unit(st),
                     st->head_line, where, accepted);
            s_problem(st, RECT_E_BAD_IMPORT, st->head_line, where, msg);
            continue;
        }
        if (col->field < 0)
            continue;
        int prev = st->col_of[col->field];
        if (prev >= 0) {
            char first[128], msg[IMP_ERRLEN];
            s_excerpt(st->cols[prev].name, first, sizeof first);
            snprintf(msg, sizeof msg,
                     "%s %ld, column %s: appears twice: columns %d (%s) and %zu (%s) are both %s", s_unit(st),
                     st->head_line, where, prev + 1, first, i + 1, name, plan_field_en(col->field));
            s_problem(st, RECT_E_BAD_IMPORT, st->head_line, where, msg);
            continue;
        }
        st->col_of[col->field] = (int)i;
    }

    char missing[200] = "";
    size_t used = 0;
    for (int f = IMP_REF; f <= IMP_TITLE; f++)
        if (st->col_of[f] < 0)
            s_append(missing, sizeof missing, &used, "%s%s/%s", used ? ", " : "", plan_field_en(f),
                     plan_field_zh(f));
    if (used)
        s_fail(st, RECT_E_BAD_IMPORT,
               "%s %ld: the header lacks required column(s) %s; ref, source, kind and title "
               "are required",
               s_unit(st), st->head_line, missing);
    if (st->rc)
        st->fatal = 1; /* rows read through a wrong header would only mislead */
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
    else
        return 0;
    return 1;
}

/*
 * A deadline as "YYYY-MM-DD": the forms date_parse reads, and in an .xlsx a
 * bare number in the deadline column, a date stored as a serial number
 * whose cell had no date format (days since 1899-12-30, Excel's count).
 */
static int s_deadline(const s_state *st, const char *v, char out[RECT_DATE_LEN])
{
    if (date_parse(v, out) == 0)
        return 0;
    if (!st->xlsx || !st->cur_number)
        return -1;
    char *end;
    long serial = strtol(v, &end, 10);
    if (end == v || *end || serial < 61 || serial > 2958465)
        return -1;
    return date_from_days(serial - 25569, out);
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
        s_fail_field(st, f, "user \"%s\" (%s) does not have the leader role", s_excerpt(v, ex, sizeof ex),
                     u->name);
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
                                          IMP_UNIT, IMP_OWNER,       IMP_DEADLINE, IMP_PARENT};
    char ex[128], list[300];
    const enum imp_field need[] = {IMP_SOURCE, IMP_TITLE, IMP_DECLINE_REASON};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!*v[need[i]]) {
            s_fail_field(st, need[i],
                         "is empty; a problem not claimed (认领 = 否) needs its source, title and "
                         "reason (不认领原因)");
            return;
        }
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (*v[none[i]]) {
            s_fail_field(st, none[i],
                         "holds \"%s\", but the row is a problem not claimed (认领 = 否): it has no "
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
            s_fail_field(st, IMP_REF, "\"%s\" is also on %s %ld; each ref may appear once",
                         s_excerpt(v[IMP_REF], ex, sizeof ex), s_unit(st),
                         st->plan->rows[st->refs[slot] - 1].line);
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
    if (st->ncells > st->ncols && st->xlsx) {
        size_t last = st->ncells - 1;
        char letters[8];
        while (last >= st->ncols && !st->buf[st->cell[last]])
            last--;
        plan_col_letters(last, letters, sizeof letters);
        if (last >= st->ncols) {
            s_fail(st, RECT_E_BAD_IMPORT,
                   "row %ld, column %s: holds \"%s\", but the header (row %ld) has no column there",
                   st->row_line, letters, s_excerpt(st->buf + st->cell[last], ex, sizeof ex), st->head_line);
            return;
        }
        st->ncells = st->ncols;
    }
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
            char col[24];
            if (st->xlsx)
                plan_col_letters(i, col, sizeof col);
            else
                snprintf(col, sizeof col, "%zu", i + 1);
            s_fail(st, RECT_E_BAD_IMPORT,
                   "%s %ld, column %s: holds \"%s\", but the header gives this column no "
                   "name",
                   s_unit(st), st->row_line, col, s_excerpt(st->buf + st->cell[i], ex, sizeof ex));
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
            s_fail_field(st, IMP_CLAIMED,
                         "\"%s\" is neither 是 (claimed) nor 否 (not claimed); an empty cell "
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
        if (!*v[f])
            s_fail_field(st, f, "is empty; every row needs ref, source, kind and title");
    if (st->row_bad)
        return;
    if (*v[IMP_PARENT] && strcmp(v[IMP_PARENT], v[IMP_REF]) == 0) {
        s_fail_field(st, IMP_PARENT,
                     "names the row's own ref %s: an item cannot be its own parent (关联问题 "
                     "names the problem a 举一反三 item came from)",
                     s_excerpt(v[IMP_REF], ex, sizeof ex));
        return;
    }
    const int text_fields[] = {IMP_REF, IMP_TITLE, IMP_DESCRIPTION, IMP_MEASURES, IMP_PARENT};
    for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++)
        s_check_text(st, text_fields[i], v[text_fields[i]]);
    if (st->row_bad)
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
               "%s %ld: leader, unit, owner and deadline go together (all four or none); "
               "missing %s",
               s_unit(st), st->row_line, missing);
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
    /* Each name and value on its own: a row may have several wrong. */
    const rect_named *src = cfg_source_find(st->cfg, v[IMP_SOURCE]);
    if (!src) {
        s_list_named(st->cfg->sources, st->cfg->n_sources, list, sizeof list);
        s_fail_field(st, IMP_SOURCE, "unknown source \"%s\"; configured sources: %s",
                     s_excerpt(v[IMP_SOURCE], ex, sizeof ex), list);
    } else {
        val[IMP_SOURCE] = src->id;
    }
    int kind = rect_kind_parse(v[IMP_KIND]);
    if (kind < 0)
        s_fail_field(st, IMP_KIND, "\"%s\" is not a kind (use %s or %s, or %s or %s)",
                     s_excerpt(v[IMP_KIND], ex, sizeof ex), rect_kind_names[0], rect_kind_names[1],
                     rect_kind_names_zh[0], rect_kind_names_zh[1]);
    else
        val[IMP_KIND] = rect_kind_names[kind];

    char date[RECT_DATE_LEN];
    if (given) {
        val[IMP_LEADER] = s_resolve_user(st, IMP_LEADER, v[IMP_LEADER]);
        const rect_named *unit = cfg_unit_find(st->cfg, v[IMP_UNIT]);
        if (!unit) {
            s_list_named(st->cfg->units, st->cfg->n_units, list, sizeof list);
            s_fail_field(st, IMP_UNIT, "unknown unit \"%s\"; configured units: %s",
                         s_excerpt(v[IMP_UNIT], ex, sizeof ex), list);
        } else {
            val[IMP_UNIT] = unit->id;
        }
        val[IMP_OWNER] = s_resolve_user(st, IMP_OWNER, v[IMP_OWNER]);
        if (s_deadline(st, v[IMP_DEADLINE], date) != 0)
            s_fail_field(st, IMP_DEADLINE,
                         "\"%s\" is not a date (use 2026-12-31, 2026/12/31 or 2026年12月31日)",
                         s_excerpt(v[IMP_DEADLINE], ex, sizeof ex));
        else
            val[IMP_DEADLINE] = date;
    }
    if (st->row_bad)
        return;

    if (s_refs_reserve(st) != 0) {
        s_nomem(st);
        return;
    }
    size_t slot = s_refs_slot(st, v[IMP_REF]);
    if (st->refs[slot]) {
        s_fail_field(st, IMP_REF, "\"%s\" is also on %s %ld; each ref may appear once",
                     s_excerpt(v[IMP_REF], ex, sizeof ex), s_unit(st),
                     st->plan->rows[st->refs[slot] - 1].line);
        return;
    }
    if (s_row_add(st, val, 0) != 0) {
        s_nomem(st);
        return;
    }
    st->refs[slot] = st->plan->n;
}

/* ---- rows from the reader ------------------------------------------------------ */

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

/* Copy a reader's row into buf / cell[] (the parser's working row). */
static int s_load_row(s_state *st, const plan_row *r)
{
    st->buf_len = 0;
    st->ncells = 0;
    size_t *cell = s_grow(st->cell, &st->cell_cap, r->n ? r->n : 1, sizeof *cell);
    if (!cell)
        return -1;
    st->cell = cell;
    for (size_t i = 0; i < r->n; i++) {
        size_t len = strlen(r->cell[i]);
        if (len > SIZE_MAX - st->buf_len - 1)
            return -1;
        char *buf = s_grow(st->buf, &st->buf_cap, st->buf_len + len + 1, 1);
        if (!buf)
            return -1;
        st->buf = buf;
        st->cell[st->ncells++] = st->buf_len;
        memcpy(buf + st->buf_len, r->cell[i], len + 1);
        st->buf_len += len + 1;
    }
    return 0;
}

/*
 * Before the header, a row that holds one value only, and not a column
 * name, is a title (某某镇整改方案, often merged across the sheet): skipped.
 * A plan's header names at least four columns.
 */
static int s_is_title(const s_state *st)
{
    size_t filled = 0, at = 0;
    for (size_t i = 0; i < st->ncells; i++)
        if (st->buf[st->cell[i]]) {
            filled++;
            at = i;
        }
    return filled == 1 && plan_column(st->buf + st->cell[at]) == S_COL_UNKNOWN;
}

static void s_rows(s_state *st, const plan_sheet *sh)
{
    for (size_t i = 0; i < sh->n && !st->fatal; i++) {
        const plan_row *r = &sh->rows[i];
        st->row_line = r->pos;
        st->row_bad = 0;
        if (s_load_row(st, r) != 0) {
            s_nomem(st);
            return;
        }
        if (!s_trim_cells(st))
            continue;
        if (!st->have_header) {
            if (!s_is_title(st))
                s_header(st);
            continue;
        }
        int dc = st->col_of[IMP_DEADLINE];
        st->cur_number = dc >= 0 && (size_t)dc < r->n && r->number[dc];
        s_data_row(st);
    }
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
            s_fail_field(st, IMP_PARENT,
                         "names %s (%s %ld), a problem not claimed (认领 = 否): a 举一反三 "
                         "item comes from a claimed problem",
                         s_excerpt(p, ex, sizeof ex), s_unit(st), target->line);
        else if (target->line > row->line)
            s_fail_field(st, IMP_PARENT,
                         "names %s, whose row (%s %ld) comes later: put the parent's row "
                         "first",
                         s_excerpt(p, ex, sizeof ex), s_unit(st), target->line);
        else
            row->parent_line = target->line;
    }
}

/* ---- public --------------------------------------------------------------------- */

/* Parse and validate a plan, listing its problems (see import.h). */
int imp_parse_ex(const char *data, size_t len, int encoding, const rect_cfg *cfg, imp_plan **out,
                 imp_problems *probs, char *err, size_t errlen)
{
    s_state st = {.cfg = cfg, .err = err, .errlen = err ? errlen : 0, .probs = probs};
    for (int f = 0; f < IMP_NFIELDS; f++)
        st.col_of[f] = -1;
    if (st.errlen)
        err[0] = '\0';
    *out = NULL;
    if (probs)
        *probs = (imp_problems){0};

    st.plan = s_alloc(sizeof *st.plan);
    if (!st.plan) {
        s_nomem(&st);
        return st.rc;
    }
    st.plan->rows = NULL;
    st.plan->n = 0;
    st.plan->xlsx = 0;

    plan_sheet *sh = NULL;
    char rerr[PLAN_ERRLEN];
    plan_set_allocator(s_realloc_fn, s_free_fn);
    int rrc = plan_read(data, data ? len : 0, encoding, &sh, rerr, sizeof rerr);
    if (rrc == -2) {
        s_nomem(&st);
    } else if (rrc != 0) {
        s_fail_fatal(&st, "%s", rerr);
    } else {
        st.xlsx = sh->format == PLAN_XLSX;
        st.plan->xlsx = st.xlsx;
        st.plan->encoding = (int)sh->encoding;
        s_rows(&st, sh);
        plan_sheet_destroy(&sh);
    }

    if (!st.fatal && st.have_header)
        s_parents(&st);
    if (st.rc == 0 || !st.fatal) {
        st.row_line = 0;
        if (!st.have_header && rrc == 0)
            s_fail(&st, RECT_E_BAD_IMPORT,
                   "the file is empty; a plan starts with a header row naming its columns "
                   "(ref/编号, source/问题来源, kind/整改类型, title/问题, ...)");
        else if (st.have_header && st.plan->n == 0 && !st.rc)
            s_fail(&st, RECT_E_BAD_IMPORT, "%s %ld: the header has no rows below it", s_unit(&st),
                   st.head_line);
    }

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

/* Parse and validate a plan: the first problem only (see import.h). */
int imp_parse(const char *data, size_t len, const rect_cfg *cfg, imp_plan **out, char *err, size_t errlen)
{
    return imp_parse_ex(data, len, PLAN_ENC_AUTO, cfg, out, NULL, err, errlen);
}

/* Free a problem list's entries (not the struct). */
void imp_problems_free(imp_problems *p)
{
    if (!p)
        return;
    s_free(p->v);
    *p = (imp_problems){0};
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
