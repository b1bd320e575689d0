/*
 * import.h - the plan parser behind the `import` command.
 *
 * Turns the bytes of a plan (a township's rectification plan: CSV in UTF-8
 * or GB18030/GBK, or the first sheet of an .xlsx; read by common/plan.c)
 * into normalized rows: names resolved against
 * the config, kinds and dates in their canonical form. No I/O and no
 * storage: the caller decides what to do with the rows. The format is
 * described in README "Import format"; in short:
 *
 *   - CSV: UTF-8 (optional BOM) or GB18030, LF or CRLF, RFC 4180 quoting
 *     ("" is a quote; quoted fields may hold commas and newlines); or
 *     .xlsx, where positions are sheet rows and column letters;
 *   - a header row naming the columns, in any order, in English
 *     (case-insensitive) or Chinese:
 *       ref/编号  source/问题来源  kind/整改类型  title/问题
 *       description/问题描述  measures/整改措施  leader/责任领导
 *       unit/责任单位  owner/责任人  deadline/整改时限
 *       parent/关联问题  claimed/认领  decline_reason/不认领原因
 *     ref, source, kind and title are required (a row with 认领 = 否
 *     needs only source, title and 不认领原因); a serial-number column
 *     no/序号 is accepted and ignored; a column with an empty header cell
 *     is accepted as long as no row puts a value in it;
 *   - one row per item; rows whose cells are all empty are skipped.
 */
#ifndef RECT_IMPORT_H
#define RECT_IMPORT_H

#include <stddef.h>

#include "rect_cfg.h"
#include "rect_plan.h" /* enum imp_field, the reader */

/*
 * One validated row. Every string is NUL-terminated UTF-8, trimmed, and owned
 * by the plan (valid until imp_plan_destroy):
 *   f[IMP_REF], f[IMP_TITLE]         single line, never NULL;
 *   f[IMP_SOURCE]                    the configured source id;
 *   f[IMP_KIND]                      "immediate" or "long-term";
 *   f[IMP_DESCRIPTION], f[IMP_MEASURES]  may hold newlines (LF only);
 *                                    "" when the column is absent or empty;
 *   f[IMP_LEADER], f[IMP_OWNER]      configured user names (not display
 *                                    names); the leader has role leader;
 *   f[IMP_UNIT]                      the configured unit id;
 *   f[IMP_DEADLINE]                  "YYYY-MM-DD".
 * The four assignment fields (leader, unit, owner, deadline) are either all
 * NULL (the row only claims the item) or all non-NULL (claim and assign).
 *   f[IMP_PARENT]                    a ref, or NULL; never the row's own ref,
 *                                    never a later or a declined row's ref;
 *   f[IMP_CLAIMED]                   always NULL (see declined);
 *   f[IMP_DECLINE_REASON]            the reason when declined, else NULL.
 * A declined row (认领 = 否: a fed-back problem the town did not claim) has
 * declined = 1, f[IMP_SOURCE], f[IMP_TITLE] and f[IMP_DECLINE_REASON]; its
 * f[IMP_REF] may be "" (no ref) and every other field is NULL or "".
 */
typedef struct {
    long line; /* CSV: physical line where the row starts (1-based); xlsx: the sheet's row */
    char *f[IMP_NFIELDS];
    int declined;     /* 认领 = 否 */
    long parent_line; /* the line of the row f[IMP_PARENT] names, 0 when no row of the file */
} imp_row;

/* The rows of a plan, in file order. */
typedef struct {
    imp_row *rows;
    size_t n;     /* >= 1: a plan without rows is refused */
    int xlsx;     /* 1: lines are sheet rows ("row 5"), 0: CSV lines ("line 5") */
    int encoding; /* how a CSV was decoded: PLAN_ENC_UTF8 or PLAN_ENC_GB18030 */
} imp_plan;

/* The problems a dry run lists: at most IMP_MAX_PROBLEMS kept, all counted. */
#define IMP_MAX_PROBLEMS 200

typedef struct {
    long line;        /* the row's line (CSV) or sheet row (xlsx); 0 for the file as a whole */
    char column[200]; /* how the message names the column, "" for none */
    char msg[512];    /* the whole message, position first */
} imp_problem;

typedef struct {
    imp_problem *v; /* n of them, in file order */
    size_t n, cap;
    size_t total; /* every problem found: total - n were left off */
} imp_problems;

/* A size for the err buffer of imp_parse that no message outgrows. */
#define IMP_ERRLEN 512

/*
 * Parse and validate a plan (CSV in UTF-8 or GB18030, or .xlsx): data[0..len) (need not be NUL-terminated)
 * against cfg, which must outlive the call only (the plan copies what it
 * keeps).
 *
 * Returns 0 and stores a new plan in *out (caller owns it; free with
 * imp_plan_destroy). Otherwise stores NULL in *out and returns
 *   RECT_E_BAD_IMPORT  the file is not a valid plan: err says why, naming
 *                      the line (and the column where there is one) of the
 *                      first problem in file order, e.g.
 *                      `line 7, column 责任人 (owner): unknown user "王五"; ...`.
 *                      Line numbers count physical lines from 1, so a row
 *                      after a multi-line quoted field starts further down.
 *   RECT_E_NOMEM       an allocation failed; err says "out of memory".
 * err (errlen bytes, IMP_ERRLEN is plenty) is always NUL-terminated when
 * errlen > 0; it may be NULL when errlen is 0. Nothing is left allocated on
 * failure.
 */
int imp_parse(const char *data, size_t len, const rect_cfg *cfg, imp_plan **out, char *err, size_t errlen);

/*
 * imp_parse for any format and encoding (enum plan_encoding; CSV only),
 * recording every problem in *probs (when not NULL; emptied first, free
 * with imp_problems_free whatever the result) in file order. err gets the
 * first problem, as from imp_parse. A plan with any problem is refused.
 */
int imp_parse_ex(const char *data, size_t len, int encoding, const rect_cfg *cfg, imp_plan **out,
                 imp_problems *probs, char *err, size_t errlen);

/* Free the entries of a problem list and empty it. Accepts NULL. */
void imp_problems_free(imp_problems *p);

/* Free a plan and set *plan_p to NULL. Accepts NULL and *plan_p == NULL. */
void imp_plan_destroy(imp_plan **plan_p);

/* English name of a field ("ref", "owner", ...); "?" if f is out of range.
 * A static string. */
const char *imp_field_name(enum imp_field f);

/* The plan's Chinese column name of a field ("编号", "责任人", ...); "?" if f
 * is out of range. A static string. */
const char *imp_field_name_zh(enum imp_field f);

/*
 * Route every allocation of this module (and of libcsv on its behalf)
 * through realloc_fn / free_fn, so tests can make allocations fail.
 * realloc_fn is called as realloc (with NULL to allocate). NULL restores
 * the C library's. Not thread-safe: set it before parsing, not during.
 */
void imp_set_allocator(void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *));

#endif
