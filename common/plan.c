/*
 * plan.c - the plan reader (see rect_plan.h): CSV in UTF-8 or GB18030
 * (libcsv, iconv) and .xlsx (libzip, expat) to rows of UTF-8 cells.
 *
 * CSV line numbers: libcsv reports no positions, so the text is fed to it
 * one physical line at a time while counting lines. A row starts on the
 * first line after the previous row that holds anything but blanks (libcsv
 * skips blank lines the same way); its callbacks fire on the line where it
 * ends. Every line is checked for UTF-8 (after decoding) before libcsv sees
 * it, so every cell is valid UTF-8 without NUL.
 *
 * xlsx: the first sheet of xl/workbook.xml (through its relationship in
 * xl/_rels/workbook.xml.rels), its shared strings and its cell styles (to
 * know which numbers are dates). Every entry is streamed into expat in
 * chunks, and every byte inflated counts against PLAN_XLSX_MAX_BYTES, so a
 * zip bomb stops at the limit whatever its headers claim.
 */
#include "rect_plan.h"

#include <csv.h>
#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "rect_date.h"
#include "rect_text.h"

/* ---- allocation -------------------------------------------------------- */

static void *(*s_realloc_fn)(void *, size_t) = realloc;
static void (*s_free_fn)(void *) = free;

void plan_set_allocator(void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *))
{
    s_realloc_fn = realloc_fn ? realloc_fn : realloc;
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

/* Room for need elements of size bytes (capacity *cap); NULL on failure, arr untouched. */
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

/* ---- columns ------------------------------------------------------------ */

static const struct {
    const char *en, *zh;
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

int plan_column(const char *name)
{
    if (!*name)
        return PLAN_COL_UNNAMED;
    for (int f = 0; f < IMP_NFIELDS; f++)
        if (s_ascii_caseeq(name, s_fields[f].en) || strcmp(name, s_fields[f].zh) == 0)
            return f;
    if (s_ascii_caseeq(name, "no") || strcmp(name, "序号") == 0)
        return PLAN_COL_SERIAL;
    return PLAN_COL_UNKNOWN;
}

const char *plan_field_en(int f)
{
    return f >= 0 && f < IMP_NFIELDS ? s_fields[f].en : "?";
}

const char *plan_field_zh(int f)
{
    return f >= 0 && f < IMP_NFIELDS ? s_fields[f].zh : "?";
}

int plan_encoding_parse(const char *name)
{
    if (!name || s_ascii_caseeq(name, "auto"))
        return PLAN_ENC_AUTO;
    if (s_ascii_caseeq(name, "utf-8") || s_ascii_caseeq(name, "utf8"))
        return PLAN_ENC_UTF8;
    if (s_ascii_caseeq(name, "gb18030") || s_ascii_caseeq(name, "gbk") || s_ascii_caseeq(name, "gb2312"))
        return PLAN_ENC_GB18030;
    return -1;
}

void plan_col_letters(size_t col, char *out, size_t outlen)
{
    char tmp[16];
    size_t n = 0;
    col++;
    while (col > 0 && n < sizeof tmp) {
        tmp[n++] = (char)('A' + (col - 1) % 26);
        col = (col - 1) / 26;
    }
    size_t i = 0;
    for (; i < n && i + 1 < outlen; i++)
        out[i] = tmp[n - 1 - i];
    if (outlen)
        out[i] = '\0';
}

/* ---- the sheet being built ---------------------------------------------- */

static char s_empty[] = "";

#define S_MAX_CELLS 2000000u           /* cells materialised (gaps included): a plan has a few thousand */
#define S_MAX_SST 1000000u             /* shared strings */
#define S_MAX_CELL_TEXT (1024u * 1024) /* bytes of one cell's or shared string's text */
#define S_MAX_MERGE_STEPS 4000000u     /* rows looked at while filling merged ranges */

/* The capacity a row's arrays have for n cells: grown geometrically, so a
 * line of a million commas costs no more than its cells. */
static size_t s_row_cap(size_t n)
{
    size_t c = 8;
    while (c < n)
        c *= 2;
    return c;
}

typedef struct {
    plan_sheet *sh;
    size_t rows_cap;
    size_t cells; /* materialised so far, against S_MAX_CELLS */
    int rc;       /* 0, -1 (bad file) or -2 (out of memory) */
    char *err;
    size_t errlen;
} s_build;

__attribute__((format(printf, 3, 4))) static void s_fail(s_build *b, int rc, const char *fmt, ...)
{
    if (b->rc)
        return;
    b->rc = rc;
    if (!b->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->errlen, fmt, ap);
    va_end(ap);
}

static void s_nomem(s_build *b)
{
    s_fail(b, -2, "out of memory");
}

static void s_row_free(plan_row *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->cell[i] != s_empty)
            s_free(r->cell[i]);
    s_free(r->cell);
    s_free(r->number);
}

void plan_sheet_destroy(plan_sheet **sheet_p)
{
    if (!sheet_p || !*sheet_p)
        return;
    plan_sheet *sh = *sheet_p;
    for (size_t i = 0; i < sh->n; i++)
        s_row_free(&sh->rows[i]);
    s_free(sh->rows);
    s_free(sh);
    *sheet_p = NULL;
}

/* A new empty row at pos; NULL (and b->rc) on failure. */
static plan_row *s_row_new(s_build *b, long pos)
{
    plan_row *rows = s_grow(b->sh->rows, &b->rows_cap, b->sh->n + 1, sizeof *rows);
    if (!rows) {
        s_nomem(b);
        return NULL;
    }
    b->sh->rows = rows;
    plan_row *r = &rows[b->sh->n++];
    *r = (plan_row){.pos = pos};
    return r;
}

/* Put a copy of s[0..len) in cell col of r (cells before it become ""). */
static int s_cell_set(s_build *b, plan_row *r, size_t col, const char *s, size_t len, int number)
{
    if (col >= r->n) {
        size_t need = col + 1, add = need - r->n;
        if (add > S_MAX_CELLS - b->cells) {
            s_fail(b, -1, "the sheet has more than %u cells: that is no plan", S_MAX_CELLS);
            return -1;
        }
        size_t cap = s_row_cap(need);
        if (!r->cell || cap != s_row_cap(r->n)) {
            char **cell = s_realloc_fn(r->cell, cap * sizeof *cell);
            if (!cell) {
                s_nomem(b);
                return -1;
            }
            r->cell = cell;
            unsigned char *num = s_realloc_fn(r->number, cap);
            if (!num) {
                s_nomem(b);
                return -1;
            }
            r->number = num;
        }
        for (size_t i = r->n; i < need; i++) {
            r->cell[i] = s_empty;
            r->number[i] = 0;
        }
        r->n = need;
        b->cells += add;
    }
    char *p = s_empty;
    if (len) {
        if (!(p = s_alloc(len + 1))) {
            s_nomem(b);
            return -1;
        }
        memcpy(p, s, len);
        p[len] = '\0';
    }
    if (r->cell[col] != s_empty)
        s_free(r->cell[col]);
    r->cell[col] = p;
    r->number[col] = (unsigned char)(number != 0);
    return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

typedef struct {
    s_build *b;
    long line;     /* physical line being fed, 1-based */
    long row_line; /* line where the current row started */
    int row_open;
    plan_row *row; /* the current row, once it has a cell */
    /* a field with "\r\n" made "\n" */
    char *tmp;
    size_t tmp_cap;
} s_csv;

static int s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void s_on_field(void *s, size_t len, void *data)
{
    s_csv *c = data;
    if (c->b->rc)
        return;
    if (!c->row_open) { /* a row that starts after a bare '\r' on this line */
        c->row_open = 1;
        c->row_line = c->line;
    }
    if (!c->row && !(c->row = s_row_new(c->b, c->row_line)))
        return;
    char *t = s_grow(c->tmp, &c->tmp_cap, len + 1, 1);
    if (!t) {
        s_nomem(c->b);
        return;
    }
    c->tmp = t;
    const char *in = s;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
            t[n++] = in[i];
    s_cell_set(c->b, c->row, c->row->n, t, n, 0);
}

static void s_on_row(int ch, void *data)
{
    (void)ch;
    s_csv *c = data;
    c->row = NULL;
    c->row_open = 0;
}

static int s_has_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s_blank(p[i]))
            return 1;
    return 0;
}

static void s_csv_failed(s_csv *c, struct csv_parser *csv)
{
    int e = csv_error(csv);
    if (e == CSV_ENOMEM)
        s_nomem(c->b);
    else if (e == CSV_EPARSE && c->row_line != c->line)
        s_fail(c->b, -1,
               "line %ld: malformed quotes (the row began on line %ld: is a quote there never "
               "closed?); inside a quoted field write a quote as \"\"",
               c->line, c->row_line);
    else if (e == CSV_EPARSE)
        s_fail(c->b, -1,
               "line %ld: malformed quotes: a quote inside an unquoted value, or text after a "
               "closing quote; put the whole value in double quotes and write a quote inside "
               "it as \"\"",
               c->line);
    else
        s_fail(c->b, -1, "line %ld: %s", c->line, csv_strerror(e));
}

/* The line (1-based) of byte offset off in data. */
static long s_line_of(const char *data, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

/* GB18030 text to UTF-8 in a new buffer (*out, *outlen); -1 and b->rc on failure. */
static int s_gb18030(s_build *b, const char *data, size_t len, char **out, size_t *outlen, int explicit)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        s_fail(b, -1, "this system cannot decode GB18030 (iconv): save the plan as \"CSV UTF-8\"");
        return -1;
    }
    /* 2 bytes of GBK are 3 of UTF-8, 4 of GB18030 at most 4: twice is plenty. */
    size_t cap = len > (SIZE_MAX - 16) / 2 ? 0 : len * 2 + 16;
    char *buf = cap ? s_alloc(cap) : NULL;
    if (!buf) {
        iconv_close(cd);
        s_nomem(b);
        return -1;
    }
    char *in = (char *)data, *o = buf;
    size_t inleft = len, oleft = cap;
    size_t r = iconv(cd, &in, &inleft, &o, &oleft);
    int e = errno;
    iconv_close(cd);
    if (r == (size_t)-1) {
        size_t off = (size_t)(in - data);
        s_free(buf);
        if (explicit)
            s_fail(b, -1, "line %ld: not GB18030 text (byte %zu cannot be decoded); is the file UTF-8?",
                   s_line_of(data, off), off + 1);
        else
            s_fail(b, -1,
                   "line %ld: neither UTF-8 nor GB18030/GBK text (byte %zu): save the plan as \"CSV "
                   "UTF-8\" or as .xlsx",
                   s_line_of(data, off), off + 1);
        (void)e;
        return -1;
    }
    *out = buf;
    *outlen = (size_t)(o - buf);
    return 0;
}

/* The length of the valid UTF-8 multi-byte sequence at p (n bytes left), or 0. */
static size_t s_utf8_seq(const unsigned char *p, size_t n)
{
    size_t need;
    unsigned min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        need = 2, min = 0x80;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        need = 3, min = 0x800;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        need = 4, min = 0x10000;
    else
        return 0;
    if (n < need)
        return 0;
    unsigned cp = p[0] & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/*
 * Which encoding a CSV that is not all valid UTF-8 is in: UTF-8 with a few
 * bad bytes (one line pasted from elsewhere: refused naming that line) when
 * valid multi-byte sequences outnumber the bytes that are not; GB18030
 * otherwise (nearly every Chinese character of a GBK file is invalid UTF-8).
 */
static int s_guess(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t valid = 0, invalid = 0;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = s_utf8_seq(p + i, len - i);
        if (k) {
            valid++;
            i += k;
        } else {
            invalid++;
            i++;
        }
    }
    return valid > invalid ? PLAN_ENC_UTF8 : PLAN_ENC_GB18030;
}

static void s_read_csv(s_build *b, const char *data, size_t len, int enc)
{
    int explicit = enc == PLAN_ENC_GB18030;
    char *dec = NULL;
    size_t declen = 0;
    b->sh->encoding = PLAN_ENC_UTF8;
    const char *p = data;
    size_t n = len;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 BOM says UTF-8 */
        p += 3;
        n -= 3;
        if (enc == PLAN_ENC_AUTO)
            enc = PLAN_ENC_UTF8;
    }
    if (enc == PLAN_ENC_AUTO)
        enc = text_valid_utf8(p, n) || memchr(p, '\0', n) ? PLAN_ENC_UTF8 : s_guess(p, n);
    if (enc == PLAN_ENC_GB18030) {
        if (s_gb18030(b, p, n, &dec, &declen, explicit) != 0)
            return;
        b->sh->encoding = PLAN_ENC_GB18030;
        p = dec;
        n = declen;
        if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) { /* GB18030's BOM decodes to U+FEFF */
            p += 3;
            n -= 3;
        }
    }

    s_csv c = {.b = b};
    struct csv_parser csv;
    if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        s_nomem(b);
        s_free(dec);
        return;
    }
    csv_set_realloc_func(&csv, s_realloc_fn);
    csv_set_free_func(&csv, s_free_fn);
    csv_set_blk_size(&csv, 4096);
    const char *end = p + n;
    while (p < end && !b->rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t k = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        c.line++;
        if (!text_valid_utf8(p, k)) {
            if (b->sh->encoding == PLAN_ENC_GB18030)
                s_fail(b, -1, "line %ld: holds a NUL byte or a character that is not text", c.line);
            else
                s_fail(b, -1,
                       "line %ld: not UTF-8 text; save the plan as \"CSV UTF-8\" or as .xlsx, or give "
                       "--encoding gb18030 for a GBK file",
                       c.line);
            break;
        }
        if (!c.row_open && s_has_text(p, k)) {
            c.row_open = 1;
            c.row_line = c.line;
        }
        if (csv_parse(&csv, p, k, s_on_field, s_on_row, &c) != k && !b->rc) {
            s_csv_failed(&c, &csv);
            break;
        }
        p += k;
    }
    if (!b->rc && csv_fini(&csv, s_on_field, s_on_row, &c) != 0 && !b->rc)
        s_fail(b, -1, "line %ld: a quoted field in the row that begins here is never closed", c.row_line);
    csv_free(&csv);
    s_free(c.tmp);
    s_free(dec);
}

/* ---- xlsx: reading entries ------------------------------------------------ */

/* How every parser's user data starts, so handlers can stop their parser. */
typedef struct {
    s_build *b;
    XML_Parser xp;
} s_xmlhead;

typedef struct {
    s_build *b;
    zip_t *za;
    uint64_t budget; /* uncompressed bytes still allowed */
} s_zip;

/* Handlers get this first; the element's local name (the part after ':'). */
static const char *s_local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *s_attr(const char **atts, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(s_local(atts[i]), local) == 0)
            return atts[i + 1];
    return NULL;
}

/* An attribute whose name has a prefix (r:id), not the plain one (id). */
static const char *s_attr_prefixed(const char **atts, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strchr(atts[i], ':') && strcmp(s_local(atts[i]), local) == 0)
            return atts[i + 1];
    return NULL;
}

static void *s_xml_malloc(size_t n)
{
    return s_realloc_fn(NULL, n ? n : 1);
}

static void *s_xml_realloc(void *p, size_t n)
{
    return s_realloc_fn(p, n ? n : 1);
}

static void s_xml_free(void *p)
{
    s_free(p);
}

/*
 * Stream entry name into a new expat parser with the given handlers and
 * user data. Returns 1 when parsed, 0 when the entry is absent, -1 on
 * failure (z->b->rc set). *stop in ud lets a handler end early (set
 * b->rc, or call XML_StopParser).
 */
static int s_parse_entry(s_zip *z, const char *name, XML_StartElementHandler start, XML_EndElementHandler end,
                         XML_CharacterDataHandler text, void *ud)
{
    zip_int64_t idx = zip_name_locate(z->za, name, 0);
    if (idx < 0)
        return 0;
    zip_file_t *zf = zip_fopen_index(z->za, (zip_uint64_t)idx, 0);
    if (!zf) {
        s_fail(z->b, -1, "the .xlsx file's %s cannot be read (%s): is the workbook encrypted or damaged?",
               name, zip_strerror(z->za));
        return -1;
    }
    XML_Memory_Handling_Suite mm = {s_xml_malloc, s_xml_realloc, s_xml_free};
    XML_Parser xp = XML_ParserCreate_MM(NULL, &mm, NULL);
    if (!xp) {
        zip_fclose(zf);
        s_nomem(z->b);
        return -1;
    }
    ((s_xmlhead *)ud)->xp = xp; /* every handler's data starts like s_xmlhead */
    XML_SetUserData(xp, ud);
    XML_SetElementHandler(xp, start, end);
    XML_SetCharacterDataHandler(xp, text);
    char buf[16384];
    int rc = 1;
    for (;;) {
        zip_int64_t n = zip_fread(zf, buf, sizeof buf);
        if (n < 0) {
            s_fail(z->b, -1, "the .xlsx file's %s is damaged (%s)", name, zip_file_strerror(zf));
            rc = -1;
            break;
        }
        if ((uint64_t)n > z->budget) {
            s_fail(z->b, -1,
                   "the .xlsx file unpacks to more than %u MiB: that is no plan (a zip bomb?); save "
                   "the plan's sheet on its own",
                   PLAN_XLSX_MAX_BYTES / (1024 * 1024));
            rc = -1;
            break;
        }
        z->budget -= (uint64_t)n;
        if (XML_Parse(xp, buf, (int)n, n == 0) == XML_STATUS_ERROR) {
            if (!z->b->rc && XML_GetErrorCode(xp) == XML_ERROR_NO_MEMORY)
                s_nomem(z->b);
            else if (!z->b->rc)
                s_fail(z->b, -1, "the .xlsx file's %s is not well-formed XML (line %lu: %s)", name,
                       (unsigned long)XML_GetCurrentLineNumber(xp), XML_ErrorString(XML_GetErrorCode(xp)));
            rc = -1;
            break;
        }
        if (z->b->rc) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
    }
    XML_ParserFree(xp);
    zip_fclose(zf);
    return rc;
}

/* Stop the parser of a handler that failed (b->rc is set). */
#define S_STOP(xp) XML_StopParser((xp), XML_FALSE)

/* ---- xlsx: growing text -------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
} s_text;

static int s_text_add(s_text *t, const char *s, size_t len)
{
    if (len > SIZE_MAX - t->len - 1)
        return -1;
    char *p = s_grow(t->s, &t->cap, t->len + len + 1, 1);
    if (!p)
        return -1;
    t->s = p;
    memcpy(p + t->len, s, len);
    t->len += len;
    p[t->len] = '\0';
    return 0;
}

/* ---- xlsx: workbook and relationships ------------------------------------ */

typedef struct {
    s_build *b;
    XML_Parser xp;
    char rid[256];
    int have_sheet;
    int date1904;
    /* rels */
    char target[512];
    int have_target;
} s_book;

static void s_book_start(void *ud, const char *el, const char **atts)
{
    s_book *k = ud;
    const char *name = s_local(el);
    if (strcmp(name, "workbookPr") == 0) {
        const char *v = s_attr(atts, "date1904");
        k->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
    } else if (strcmp(name, "sheet") == 0 && !k->have_sheet) {
        const char *rid = s_attr_prefixed(atts, "id");
        if (rid) {
            snprintf(k->rid, sizeof k->rid, "%s", rid);
            k->have_sheet = 1;
        }
    }
}

static void s_rels_start(void *ud, const char *el, const char **atts)
{
    s_book *k = ud;
    if (k->have_target || strcmp(s_local(el), "Relationship") != 0)
        return;
    const char *id = s_attr(atts, "Id"), *target = s_attr(atts, "Target");
    if (id && target && strcmp(id, k->rid) == 0) {
        if (target[0] == '/')
            snprintf(k->target, sizeof k->target, "%s", target + 1);
        else
            snprintf(k->target, sizeof k->target, "xl/%s", target);
        k->have_target = 1;
    }
}

static void s_no_end(void *ud, const char *el)
{
    (void)ud;
    (void)el;
}

static void s_no_text(void *ud, const char *s, int len)
{
    (void)ud;
    (void)s;
    (void)len;
}

/* ---- xlsx: shared strings ------------------------------------------------- */

typedef struct {
    s_build *b;
    XML_Parser xp;
    char **v;
    size_t n, cap;
    s_text cur;
    int in_si, in_t, rph;
} s_sst;

static void s_sst_start(void *ud, const char *el, const char **atts)
{
    (void)atts;
    s_sst *t = ud;
    const char *name = s_local(el);
    if (strcmp(name, "si") == 0) {
        t->in_si = 1;
        t->cur.len = 0;
        if (t->cur.s)
            t->cur.s[0] = '\0';
    } else if (strcmp(name, "rPh") == 0) {
        t->rph++;
    } else if (strcmp(name, "t") == 0 && t->in_si) {
        t->in_t = 1;
    }
}

static void s_sst_end(void *ud, const char *el)
{
    s_sst *t = ud;
    const char *name = s_local(el);
    if (strcmp(name, "t") == 0) {
        t->in_t = 0;
    } else if (strcmp(name, "rPh") == 0) {
        t->rph--;
    } else if (strcmp(name, "si") == 0 && t->in_si) {
        t->in_si = 0;
        if (t->n >= S_MAX_SST) {
            s_fail(t->b, -1, "the .xlsx file has more than %u shared strings: that is no plan", S_MAX_SST);
            S_STOP(t->xp);
            return;
        }
        char **v = s_grow(t->v, &t->cap, t->n + 1, sizeof *v);
        char *s = s_alloc(t->cur.len + 1);
        if (!v || !s) {
            if (v)
                t->v = v;
            s_free(s);
            s_nomem(t->b);
            S_STOP(t->xp);
            return;
        }
        t->v = v;
        if (t->cur.len)
            memcpy(s, t->cur.s, t->cur.len);
        s[t->cur.len] = '\0';
        t->v[t->n++] = s;
    }
}

static void s_sst_text(void *ud, const char *s, int len)
{
    s_sst *t = ud;
    if (!(t->in_si && t->in_t && !t->rph))
        return;
    if (t->cur.len + (size_t)len > S_MAX_CELL_TEXT) {
        s_fail(t->b, -1, "the .xlsx file's shared string %zu is longer than %u KiB: that is no plan",
               t->n + 1, S_MAX_CELL_TEXT / 1024);
        S_STOP(t->xp);
        return;
    }
    if (s_text_add(&t->cur, s, (size_t)len) != 0) {
        s_nomem(t->b);
        S_STOP(t->xp);
    }
}

/* ---- xlsx: styles (which cells hold dates) --------------------------------- */

typedef struct {
    s_build *b;
    XML_Parser xp;
    int custom_date[512]; /* numFmtIds of custom date formats */
    size_t n_custom;
    unsigned char *xf_date; /* per cellXfs entry */
    size_t n_xf, cap_xf;
    int in_xfs;
} s_styles;

/* A built-in date format (ECMA-376 18.8.30 and the CJK ones). */
static int s_builtin_date(long id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

/* A format code that shows a date: y or d outside quotes and [...], or 年/月/日. */
static int s_code_is_date(const char *code)
{
    if (strstr(code, "年") || strstr(code, "月") || strstr(code, "日"))
        return 1;
    int quote = 0, bracket = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            continue;
        }
        if (*p == '"')
            quote = !quote;
        else if (!quote && *p == '[')
            bracket = 1;
        else if (!quote && *p == ']')
            bracket = 0;
        else if (!quote && !bracket && (*p == 'y' || *p == 'Y' || *p == 'd' || *p == 'D'))
            return 1;
    }
    return 0;
}

static void s_styles_start(void *ud, const char *el, const char **atts)
{
    s_styles *st = ud;
    const char *name = s_local(el);
    if (strcmp(name, "numFmt") == 0) {
        const char *id = s_attr(atts, "numFmtId"), *code = s_attr(atts, "formatCode");
        if (id && code && s_code_is_date(code) &&
            st->n_custom < sizeof st->custom_date / sizeof st->custom_date[0])
            st->custom_date[st->n_custom++] = atoi(id);
    } else if (strcmp(name, "cellXfs") == 0) {
        st->in_xfs = 1;
    } else if (strcmp(name, "xf") == 0 && st->in_xfs) {
        const char *id = s_attr(atts, "numFmtId");
        long n = id ? strtol(id, NULL, 10) : 0;
        int date = s_builtin_date(n);
        for (size_t i = 0; i < st->n_custom && !date; i++)
            date = st->custom_date[i] == n;
        unsigned char *v = s_grow(st->xf_date, &st->cap_xf, st->n_xf + 1, 1);
        if (!v) {
            s_nomem(st->b);
            S_STOP(st->xp);
            return;
        }
        st->xf_date = v;
        v[st->n_xf++] = (unsigned char)date;
    }
}

static void s_styles_end(void *ud, const char *el)
{
    s_styles *st = ud;
    if (strcmp(s_local(el), "cellXfs") == 0)
        st->in_xfs = 0;
}

/* ---- xlsx: the sheet ------------------------------------------------------- */

typedef struct {
    long r1, r2;
    size_t c1;
} s_merge;

#define S_MAX_MERGES 10000

typedef struct {
    s_build *b;
    XML_Parser xp;
    const s_sst *sst;
    const s_styles *styles;
    int date1904;
    long row_pos;  /* the current <row>'s number */
    plan_row *row; /* the current row, once it has a value */
    long last_pos; /* the last row pushed, to keep rows ascending */
    size_t col;    /* the current <c>'s column */
    long next_col; /* the column a <c> without r gets */
    char type[16];
    long style;
    int in_c, in_v, in_is, in_t, rph, has_value;
    s_text val;
    s_merge *merges;
    size_t n_merges, cap_merges;
} s_ws;

/* "C5" or "AB12": column index and row number; -1 on anything else. */
static int s_cell_ref(const char *ref, size_t *col, long *row)
{
    size_t c = 0;
    const char *p = ref;
    int letters = 0;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        int v = (*p >= 'a' ? *p - 'a' : *p - 'A') + 1;
        c = c * 26 + (size_t)v;
        if (++letters > 3)
            return -1;
        p++;
    }
    if (!letters)
        return -1;
    char *end;
    errno = 0;
    long r = strtol(p, &end, 10);
    if (p == end || *end || errno || r < 1 || r > 1048576)
        return -1;
    *col = c - 1;
    *row = r;
    return 0;
}

__attribute__((format(printf, 3, 4))) static void s_ws_fail(s_ws *w, size_t col, const char *fmt, ...)
{
    char msg[400], letters[8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    plan_col_letters(col, letters, sizeof letters);
    s_fail(w->b, -1, "row %ld, column %s: %s", w->row_pos, letters, msg);
    S_STOP(w->xp);
}

static void s_ws_start(void *ud, const char *el, const char **atts)
{
    s_ws *w = ud;
    if (w->b->rc)
        return;
    const char *name = s_local(el);
    if (strcmp(name, "row") == 0) {
        const char *r = s_attr(atts, "r");
        long pos = w->row_pos + 1;
        if (r) {
            char *end;
            pos = strtol(r, &end, 10);
            if (end == r || *end || pos < 1 || pos > 1048576) {
                s_fail(w->b, -1, "the .xlsx sheet has a row numbered \"%.20s\": the file is damaged", r);
                S_STOP(w->xp);
                return;
            }
        }
        w->row_pos = pos;
        w->row = NULL;
        w->next_col = 0;
    } else if (strcmp(name, "c") == 0) {
        const char *r = s_attr(atts, "r"), *t = s_attr(atts, "t"), *s = s_attr(atts, "s");
        size_t col = (size_t)w->next_col;
        long rpos;
        if (r && s_cell_ref(r, &col, &rpos) != 0) {
            s_fail(w->b, -1, "row %ld: a cell named \"%.20s\": the file is damaged", w->row_pos, r);
            S_STOP(w->xp);
            return;
        }
        w->col = col;
        w->next_col = (long)col + 1;
        snprintf(w->type, sizeof w->type, "%s", t ? t : "n");
        w->style = s ? strtol(s, NULL, 10) : 0;
        w->in_c = 1;
        w->has_value = 0;
        w->val.len = 0;
        if (w->val.s)
            w->val.s[0] = '\0';
    } else if (w->in_c && strcmp(name, "v") == 0) {
        w->in_v = 1;
        w->has_value = 1;
    } else if (w->in_c && strcmp(name, "is") == 0) {
        w->in_is = 1;
        w->has_value = 1;
    } else if (w->in_is && strcmp(name, "rPh") == 0) {
        w->rph++;
    } else if (w->in_is && strcmp(name, "t") == 0) {
        w->in_t = 1;
    } else if (strcmp(name, "mergeCell") == 0) {
        const char *ref = s_attr(atts, "ref");
        const char *colon = ref ? strchr(ref, ':') : NULL;
        char a[32];
        size_t c1, c2;
        long r1, r2;
        if (!colon || (size_t)(colon - ref) >= sizeof a)
            return;
        memcpy(a, ref, (size_t)(colon - ref));
        a[colon - ref] = '\0';
        if (s_cell_ref(a, &c1, &r1) != 0 || s_cell_ref(colon + 1, &c2, &r2) != 0 || r2 <= r1)
            return; /* a merge within one row leaves the value in its first cell */
        if (w->n_merges >= S_MAX_MERGES) {
            s_fail(w->b, -1, "the .xlsx sheet has more than %d merged ranges: that is no plan", S_MAX_MERGES);
            S_STOP(w->xp);
            return;
        }
        s_merge *m = s_grow(w->merges, &w->cap_merges, w->n_merges + 1, sizeof *m);
        if (!m) {
            s_nomem(w->b);
            S_STOP(w->xp);
            return;
        }
        w->merges = m;
        m[w->n_merges++] = (s_merge){.r1 = r1, .r2 = r2, .c1 = c1};
    }
}

/* A number as people write it: 3 for 3.0, up to 15 digits otherwise. */
static void s_number_text(const char *v, char *out, size_t outlen)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end) {
        snprintf(out, outlen, "%s", v);
        return;
    }
    if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
        snprintf(out, outlen, "%lld", (long long)d);
    else
        snprintf(out, outlen, "%.15g", d);
}

/* An Excel serial date (days since 1899-12-30, with 1900's phantom 29
 * February; or since 1904-01-01) as YYYY-MM-DD; -1 if not one. */
static int s_serial_date(const char *v, int date1904, char out[RECT_DATE_LEN])
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || d < 1 || d > 2958465) /* 9999-12-31 */
        return -1;
    long serial = (long)d;
    long days; /* since 1970-01-01 */
    if (date1904)
        days = serial - 24107;
    else if (serial >= 61)
        days = serial - 25569;
    else if (serial == 60)
        return -1; /* 1900-02-29 never was */
    else
        days = serial - 25568;
    return date_from_days(days, out);
}

static void s_ws_end(void *ud, const char *el)
{
    s_ws *w = ud;
    if (w->b->rc)
        return;
    const char *name = s_local(el);
    if (strcmp(name, "v") == 0) {
        w->in_v = 0;
    } else if (strcmp(name, "t") == 0) {
        w->in_t = 0;
    } else if (strcmp(name, "rPh") == 0 && w->rph) {
        w->rph--;
    } else if (strcmp(name, "is") == 0) {
        w->in_is = 0;
    } else if (strcmp(name, "c") == 0 && w->in_c) {
        w->in_c = 0;
        if (!w->has_value)
            return;
        const char *v = w->val.s ? w->val.s : "";
        char num[64];
        size_t len;
        int number = 0;
        if (strcmp(w->type, "s") == 0) {
            char *end;
            errno = 0;
            unsigned long i = strtoul(v, &end, 10);
            if (end == v || *end || errno || i >= w->sst->n) {
                s_ws_fail(w, w->col, "refers to shared string \"%.20s\", but the file has %zu: it is damaged",
                          v, w->sst->n);
                return;
            }
            v = w->sst->v[i];
        } else if (strcmp(w->type, "b") == 0) {
            v = strcmp(v, "1") == 0 ? "TRUE" : "FALSE";
        } else if (strcmp(w->type, "d") == 0) {
            snprintf(num, sizeof num, "%.10s", v); /* ISO 8601: the date part */
            v = num;
        } else if (strcmp(w->type, "n") == 0) {
            int date = w->style >= 0 && (size_t)w->style < w->styles->n_xf && w->styles->xf_date[w->style];
            if (date && s_serial_date(v, w->date1904, num) == 0) {
                v = num;
            } else if (*v) {
                s_number_text(v, num, sizeof num);
                v = num;
                number = 1;
            }
        } /* str, inlineStr, e: the text as it is */
        len = strlen(v);
        if (!len)
            return;
        if (!text_valid_utf8(v, len)) {
            s_ws_fail(w, w->col, "holds a NUL character");
            return;
        }
        if (w->col >= PLAN_MAX_COLUMNS) {
            s_ws_fail(w, w->col, "a value beyond column IV: a plan has at most %d columns", PLAN_MAX_COLUMNS);
            return;
        }
        if (!w->row) {
            if (w->row_pos <= w->last_pos) {
                s_fail(w->b, -1, "the .xlsx sheet's row %ld comes after row %ld: the file is damaged",
                       w->row_pos, w->last_pos);
                S_STOP(w->xp);
                return;
            }
            if (!(w->row = s_row_new(w->b, w->row_pos))) {
                S_STOP(w->xp);
                return;
            }
            w->last_pos = w->row_pos;
        }
        if (s_cell_set(w->b, w->row, w->col, v, len, number) != 0)
            S_STOP(w->xp);
    }
}

static void s_ws_text(void *ud, const char *s, int len)
{
    s_ws *w = ud;
    if (w->b->rc || !w->in_c)
        return;
    if (!(w->in_v || (w->in_t && !w->rph)))
        return;
    if (w->val.len + (size_t)len > S_MAX_CELL_TEXT) {
        s_ws_fail(w, w->col, "holds more than %u KiB of text: that is no plan's cell",
                  S_MAX_CELL_TEXT / 1024);
        return;
    }
    if (s_text_add(&w->val, s, (size_t)len) != 0) {
        s_nomem(w->b);
        S_STOP(w->xp);
    }
}

/* The index of the first row at or after pos (rows ascend). */
static size_t s_row_at(const plan_sheet *sh, long pos)
{
    size_t lo = 0, hi = sh->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sh->rows[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Each merged range's value to every row of its first column (rows that exist). */
static void s_apply_merges(s_build *b, const s_ws *w)
{
    plan_sheet *sh = b->sh;
    size_t steps = 0;
    for (size_t m = 0; m < w->n_merges && !b->rc; m++) {
        const s_merge *g = &w->merges[m];
        size_t i = s_row_at(sh, g->r1);
        if (i >= sh->n || sh->rows[i].pos != g->r1 || g->c1 >= sh->rows[i].n || !*sh->rows[i].cell[g->c1])
            continue;
        const plan_row *top = &sh->rows[i];
        for (size_t j = i + 1; j < sh->n && sh->rows[j].pos <= g->r2 && !b->rc; j++) {
            if (++steps > S_MAX_MERGE_STEPS) {
                s_fail(b, -1, "the .xlsx sheet's merged ranges overlap over and over: the file is damaged");
                return;
            }
            plan_row *r = &sh->rows[j];
            if (g->c1 < r->n && *r->cell[g->c1])
                continue;
            /* top may move if rows grew: it does not, rows are not added here */
            s_cell_set(b, r, g->c1, top->cell[g->c1], strlen(top->cell[g->c1]), top->number[g->c1]);
        }
    }
}

static void s_read_xlsx(s_build *b, const char *data, size_t len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!za) {
        s_fail(b, -1,
               "the file starts like a zip (.xlsx) but cannot be opened as one (%s): save the plan again "
               "as .xlsx or as CSV",
               zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        return;
    }
    zip_error_fini(&ze);
    s_zip z = {.b = b, .za = za, .budget = PLAN_XLSX_MAX_BYTES};
    s_book book = {.b = b};
    s_sst sst = {.b = b};
    s_styles styles = {.b = b};
    s_ws ws = {.b = b, .sst = &sst, .styles = &styles};

    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n < 0 || n > PLAN_XLSX_MAX_ENTRIES) {
        s_fail(b, -1, "the .xlsx file holds %lld entries, more than %d: that is no plan (a zip bomb?)",
               (long long)n, PLAN_XLSX_MAX_ENTRIES);
        goto done;
    }
    uint64_t declared = 0;
    for (zip_int64_t i = 0; i < n; i++) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
            declared += st.size;
            if (declared > PLAN_XLSX_MAX_BYTES || st.size > PLAN_XLSX_MAX_BYTES) {
                s_fail(b, -1,
                       "the .xlsx file unpacks to more than %u MiB: that is no plan (a zip bomb?); save "
                       "the plan's sheet on its own",
                       PLAN_XLSX_MAX_BYTES / (1024 * 1024));
                goto done;
            }
        }
    }

    int got = s_parse_entry(&z, "xl/workbook.xml", s_book_start, s_no_end, s_no_text, &book);
    if (got < 0)
        goto done;
    if (got == 0) {
        s_fail(b, -1,
               "the file is a zip but not an .xlsx workbook (it has no xl/workbook.xml): save the plan "
               "from Excel or WPS as .xlsx, or as CSV");
        goto done;
    }
    if (book.have_sheet &&
        s_parse_entry(&z, "xl/_rels/workbook.xml.rels", s_rels_start, s_no_end, s_no_text, &book) < 0)
        goto done;
    const char *sheet = book.have_target ? book.target : "xl/worksheets/sheet1.xml";
    if (zip_name_locate(za, sheet, 0) < 0) {
        s_fail(b, -1, "the .xlsx workbook has no first sheet (%s is missing): the file is damaged", sheet);
        goto done;
    }
    if (s_parse_entry(&z, "xl/sharedStrings.xml", s_sst_start, s_sst_end, s_sst_text, &sst) < 0)
        goto done;
    if (s_parse_entry(&z, "xl/styles.xml", s_styles_start, s_styles_end, s_no_text, &styles) < 0)
        goto done;
    ws.date1904 = book.date1904;
    if (s_parse_entry(&z, sheet, s_ws_start, s_ws_end, s_ws_text, &ws) < 0)
        goto done;
    s_apply_merges(b, &ws);

done:
    for (size_t i = 0; i < sst.n; i++)
        s_free(sst.v[i]);
    s_free(sst.v);
    s_free(sst.cur.s);
    s_free(styles.xf_date);
    s_free(ws.val.s);
    s_free(ws.merges);
    zip_discard(za); /* frees src too */
}

/* ---- public ----------------------------------------------------------------- */

int plan_read(const char *data, size_t len, int enc, plan_sheet **out, char *err, size_t errlen)
{
    s_build b = {.err = err, .errlen = err ? errlen : 0};
    if (b.errlen)
        err[0] = '\0';
    *out = NULL;
    if (!data)
        data = "", len = 0;
    if (!(b.sh = s_alloc(sizeof *b.sh))) {
        s_nomem(&b);
        return b.rc;
    }
    *b.sh = (plan_sheet){.format = PLAN_CSV, .encoding = PLAN_ENC_UTF8};
    if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
        b.sh->format = PLAN_XLSX;
        s_read_xlsx(&b, data, len);
    } else if (len >= 8 && memcmp(data, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0) {
        s_fail(&b, -1,
               "this is an .xls file (Excel 97-2003), which rectd does not read: save the plan as .xlsx "
               "or as CSV");
    } else {
        s_read_csv(&b, data, len, enc);
    }
    if (b.rc) {
        plan_sheet_destroy(&b.sh);
        return b.rc;
    }
    *out = b.sh;
    return 0;
}
