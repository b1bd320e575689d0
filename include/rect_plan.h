/*
 * rect_plan.h - the plan reader (common/plan.c): the bytes of a town's
 * rectification plan, as people have it, in; rows of UTF-8 cells with their
 * positions out. Shared by rectd's import (daemon/import.c, which checks
 * the rows against the config) and rectctl init --from (which writes a
 * starter config from them).
 *
 * Formats, told apart by the bytes, never by a file name:
 *   - .xlsx (a zip: "PK\3\4"): the workbook's first sheet, read with libzip
 *     and expat. Shared strings, inline strings, numbers (a number in a
 *     date-formatted cell becomes "YYYY-MM-DD"), booleans; a merged range
 *     gives its value to every row of its first column (a 责任领导 merged
 *     down five rows is that leader on each of them). Bounded against zip
 *     bombs: at most PLAN_XLSX_MAX_ENTRIES entries and PLAN_XLSX_MAX_BYTES
 *     uncompressed bytes read, counted as they are read.
 *   - .xls (Excel 97-2003, an OLE file): refused with what to do.
 *   - anything else is CSV (RFC 4180 quoting, LF or CRLF), in UTF-8 (with
 *     or without BOM) or GB18030/GBK (what Chinese Excel and WPS save as
 *     "CSV"): PLAN_ENC_AUTO takes valid UTF-8 as UTF-8, else tries GB18030
 *     (iconv).
 *
 * Positions: a CSV row's pos is the physical line where it starts (a quoted
 * field may span lines); an xlsx row's pos is the sheet's row number, and its
 * cells are indexed by column (0 = A), empty where the sheet has none.
 */
#ifndef RECT_PLAN_H
#define RECT_PLAN_H

#include <stddef.h>

/* The fields of a plan row (the columns a plan may have). */
enum imp_field {
    IMP_REF,
    IMP_SOURCE,
    IMP_KIND,
    IMP_TITLE,
    IMP_DESCRIPTION,
    IMP_MEASURES,
    IMP_LEADER,
    IMP_UNIT,
    IMP_OWNER,
    IMP_DEADLINE,
    /* Records (issue 9). */
    IMP_PARENT,         /* 关联问题: the ref of the problem a 举一反三 item came from */
    IMP_CLAIMED,        /* 认领: 是 / empty (claimed) or 否 (not claimed) */
    IMP_DECLINE_REASON, /* 不认领原因: why not, required when 认领 = 否 */
    IMP_NFIELDS
};

/* What a header cell names besides a field (>= 0): see plan_column. */
enum { PLAN_COL_SERIAL = -1, PLAN_COL_UNNAMED = -2, PLAN_COL_UNKNOWN = -3 };

/*
 * What a trimmed header cell names: an enum imp_field (English names
 * case-insensitive, or the Chinese ones: 编号 问题来源 ... 不认领原因),
 * PLAN_COL_SERIAL for no/序号, PLAN_COL_UNNAMED for "", else
 * PLAN_COL_UNKNOWN.
 */
int plan_column(const char *name);
/* A field's English and Chinese column names; "?" out of range. Static strings. */
const char *plan_field_en(int f);
const char *plan_field_zh(int f);

enum plan_format { PLAN_CSV, PLAN_XLSX };
enum plan_encoding { PLAN_ENC_AUTO, PLAN_ENC_UTF8, PLAN_ENC_GB18030 };

/* "utf-8"/"utf8", "gb18030"/"gbk"/"gb2312" (case-insensitive), "auto" or
 * NULL; -1 for anything else. */
int plan_encoding_parse(const char *name);

#define PLAN_XLSX_MAX_ENTRIES 1000
#define PLAN_XLSX_MAX_BYTES (128u * 1024 * 1024)
#define PLAN_MAX_COLUMNS 256 /* column IV: a plan has a dozen */

/* One row: n cells, each NUL-terminated UTF-8, untrimmed ("\r\n" made "\n"). */
typedef struct {
    long pos;
    size_t n;
    char **cell;
    unsigned char *number; /* per cell: 1 when an xlsx number that is not date-formatted */
} plan_row;

typedef struct {
    enum plan_format format;
    enum plan_encoding encoding; /* how a CSV was decoded (PLAN_ENC_UTF8 for xlsx) */
    plan_row *rows;
    size_t n;
} plan_sheet;

/* A size for plan_read's err buffer that no message outgrows. */
#define PLAN_ERRLEN 512

/*
 * Read a plan from data[0..len) (need not be NUL-terminated). enc applies
 * to CSV only. Returns 0 and a new sheet in *out (caller owns it: free with
 * plan_sheet_destroy), else NULL in *out and
 *   -1  not a readable plan: err says why and where ("line 3: ...",
 *       "row 5, column C: ...", "the .xlsx ...");
 *   -2  out of memory (err "out of memory").
 * err (errlen bytes) is always NUL-terminated when errlen > 0.
 */
int plan_read(const char *data, size_t len, int enc, plan_sheet **out, char *err, size_t errlen);

/* Free a sheet and clear the caller's pointer; accepts NULL. */
void plan_sheet_destroy(plan_sheet **sheet_p);

/* The spreadsheet letters of column index col (0 = "A", 26 = "AA") into out
 * (at least 8 bytes). */
void plan_col_letters(size_t col, char *out, size_t outlen);

/*
 * Route the reader's own allocations (not libzip's) through realloc_fn /
 * free_fn (NULL: the C library's), so tests can make them fail. Not
 * thread-safe: set it before reading.
 */
void plan_set_allocator(void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *));

#endif
