/*
 * cmd_ledger_check.c - ledger_check: the audit rule "this saved ledger
 * matches the record". The file (a JSON ledger, attached) is compared with
 * the ledger rebuilt at its head.seq; what depends on the day it was made
 * (summary.overdue, rows[].days_overdue) is checked against its own rows at
 * its own date, through the same facts (facts.c) `ledger` uses; then the
 * chain itself (audit_verify). The answer lists the differences; rectctl
 * renders them. Signatures are not this rule: rectctl checks them offline.
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "cmd_ledger.h"
#include "facts.h"
#include "rect_proto.h"

/* At most this many differences are listed (then "truncated"). */
#define CHECK_MAX_DIFFS 100

typedef struct {
    cmd_ctx *c;
    json_t *diffs; /* the differences found so far */
    int truncated;
    int nomem;
} s_check;

/* Record one difference: kind, path, the file's value (found) and the record's (expected); both borrowed or NULL. */
static void s_add(s_check *k, const char *kind, const char *path, long row, const char *ref,
                  const char *field, const json_t *found, const json_t *expected)
{
    if (json_array_size(k->diffs) >= CHECK_MAX_DIFFS) {
        k->truncated = 1;
        return;
    }
    char section[64];
    size_t n = strcspn(path, ".[");
    snprintf(section, sizeof section, "%.*s", (int)(n < sizeof section ? n : sizeof section - 1), path);
    json_t *d = json_pack("{s:s,s:s,s:s,s:o,s:s?,s:s?}", "kind", kind, "path", path, "section", section,
                          "row", row >= 0 ? json_integer(row) : json_null(), "ref", ref, "field", field);
    /* An absent side has no key (a JSON null is a value the file or record holds). */
    if (!d || (found && json_object_set(d, "found", (json_t *)found)) ||
        (expected && json_object_set(d, "expected", (json_t *)expected)) ||
        json_array_append_new(k->diffs, d))
        k->nomem = 1;
}

typedef struct {
    long row;        /* index into rows, or -1 outside them */
    const char *ref; /* that row's ref */
} s_where;

static void s_compare(s_check *k, const json_t *a, const json_t *b, char *path, size_t len, s_where w,
                      const char *field);

/* Objects: every key of either side. */
static void s_compare_objects(s_check *k, const json_t *a, const json_t *b, char *path, size_t len, s_where w)
{
    size_t used = strlen(path);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)a, key, v) {
        snprintf(path + used, len - used, "%s%s", used ? "." : "", key);
        s_compare(k, v, json_object_get(b, key), path, len, w, key);
    }
    json_object_foreach((json_t *)b, key, v) {
        if (json_object_get(a, key))
            continue;
        snprintf(path + used, len - used, "%s%s", used ? "." : "", key);
        s_compare(k, NULL, v, path, len, w, key);
    }
    path[used] = '\0';
}

/* Arrays: element by element; the rows (top-level "rows") name their index and ref. */
static void s_compare_arrays(s_check *k, const json_t *a, const json_t *b, char *path, size_t len, s_where w)
{
    size_t used = strlen(path), na = json_array_size(a), nb = json_array_size(b);
    int rows = strcmp(path, "rows") == 0;
    for (size_t i = 0; i < na || i < nb; i++) {
        const json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        const char *ref = json_string_value(json_object_get(x ? x : y, "ref"));
        snprintf(path + used, len - used, "[%zu]%s%s%s", i, ref ? "(" : "", ref ? ref : "", ref ? ")" : "");
        s_where in = rows ? (s_where){(long)i, ref} : w;
        s_compare(k, x, y, path, len, in, NULL);
    }
    path[used] = '\0';
}

/* a is the file's value, b the record's (either may be NULL: absent). */
static void s_compare(s_check *k, const json_t *a, const json_t *b, char *path, size_t len, s_where w,
                      const char *field)
{
    if (json_is_object(a) && json_is_object(b))
        s_compare_objects(k, a, b, path, len, w);
    else if (json_is_array(a) && json_is_array(b))
        s_compare_arrays(k, a, b, path, len, w);
    else if (!a || !b || !json_equal((json_t *)a, (json_t *)b))
        s_add(k, !a ? "missing_in_file" : !b ? "not_in_record" : "differs", path, w.row, w.ref, field, a, b);
}

/* Remove what the comparison does not cover from a ledger (a copy). */
static void s_strip(json_t *ledger)
{
    /* generated_at/by name the run, not the record; as_of is checked apart (the
     * record is rebuilt by seq); the signature is rectctl's offline check. */
    /* record_head: how far the record had gone when the copy was made, not what it shows */
    static const char *const skip[] = {"generated_at", "generated_by", "as_of", "signature", "record_head"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        json_object_del(ledger, skip[i]);
    /* These depend on the day the file was made: checked against its own rows. */
    json_object_del(json_object_get(ledger, "summary"), "overdue");
    json_t *rows = json_object_get(ledger, "rows");
    for (size_t i = 0; i < json_array_size(rows); i++)
        json_object_del(json_array_get(rows, i), "days_overdue");
}

/*
 * summary.overdue and rows[].days_overdue of the file against its own rows
 * at its reference date: its as_of, else the local date it was generated
 * on (in rectd's zone: a file of another zone differs in "timezone").
 */
static void s_check_dated(s_check *k, const json_t *saved)
{
    const char *as_of = json_string_value(json_object_get(saved, "as_of"));
    char ref[RECT_DATE_LEN], path[160];
    facts_tz tz = {{0}, 0};
    if (as_of && date_parse(as_of, ref) != 0)
        return;
    if (!as_of && facts_local_date(&tz, k->c->cfg->timezone,
                                   json_string_value(json_object_get(saved, "generated_at")), ref) != 0)
        return;
    const json_t *rows = json_object_get(saved, "rows");
    const json_t *got = json_object_get(json_object_get(saved, "summary"), "overdue");
    json_t *want = json_integer(facts_count_overdue(rows, ref));
    if (want && !json_equal((json_t *)got, want))
        s_add(k, "summary_overdue", "summary.overdue", -1, NULL, "overdue", got, want);
    json_decref(want);
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const json_t *row = json_array_get(rows, i);
        const char *ref_s = json_string_value(json_object_get(row, "ref"));
        facts f;
        facts_of(k->c->cfg, row, ref, &tz, &f);
        json_t *w = f.days_overdue > 0 ? json_integer(f.days_overdue) : json_null();
        const json_t *have = json_object_get(row, "days_overdue");
        if (!have || !json_equal((json_t *)have, w)) {
            snprintf(path, sizeof path, "rows[%zu](%s).days_overdue", i, ref_s ? ref_s : "-");
            s_add(k, "days_overdue", path, (long)i, ref_s, "days_overdue", have, w);
        }
        json_decref(w);
    }
}

/* The attachment as a JSON ledger into *out (new), or a refusal. */
static int s_load(cmd_ctx *c, json_t **out)
{
    json_error_t err;
    int nomem = 0;
    /* duplicate keys refused: a reader that keeps the first would see another file */
    json_t *saved = fault_loadb(c->files[0].data, c->files[0].len, JSON_REJECT_DUPLICATES, &err, &nomem);
    if (!saved && nomem)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    if (!saved)
        return cmd_fail(c, RECT_E_BAD_VALUE, "ledger_check: the file is not JSON: %s (line %d)", err.text,
                        err.line);
    const json_t *head = json_object_get(saved, "head");
    if (!json_is_object(saved) || !json_is_array(json_object_get(saved, "rows")) ||
        !json_is_integer(json_object_get(head, "seq")) ||
        json_integer_value(json_object_get(head, "seq")) < 0) {
        json_decref(saved);
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "ledger_check: the file is not a JSON ledger (no rows or head.seq): save "
                        "one with 'rectctl ledger --format json -o FILE'");
    }
    *out = saved;
    return 0;
}

/*
 * The record at the file's position: always its head.seq (rebuilding by its
 * as_of date would take in events filed later that same day). A dated file
 * must also be reached by the record at the end of its as_of day. Sets
 * *record (or leaves it NULL after recording a difference); 0 or a refusal.
 */
static int s_record(s_check *k, const json_t *saved, uint64_t have, json_t **record)
{
    cmd_ctx *c = k->c;
    const char *insp = json_string_value(json_object_get(saved, "inspection"));
    const char *as_of = json_string_value(json_object_get(saved, "as_of"));
    json_t *fseq = json_object_get(json_object_get(saved, "head"), "seq");
    uint64_t seq = (uint64_t)json_integer_value(fseq);
    char day[RECT_DATE_LEN];
    int rc;
    if (insp && (rc = ledger_inspection_known(c, insp)))
        return rc;
    if (as_of && date_parse(as_of, day) != 0)
        return cmd_fail(c, RECT_E_BAD_DATE, "ledger_check: the file's as_of \"%s\" is not a date", as_of);
    if (seq > have) {
        json_t *h = json_integer((json_int_t)have);
        s_add(k, "events_missing", "head.seq", -1, NULL, "seq", fseq, h);
        json_decref(h);
        return 0;
    }
    if (as_of && seq > 0) {
        json_t *dated = NULL, *upto;
        ledger_cut at_day = {.inspection = insp, .as_of = day};
        if ((rc = ledger_build(c, &at_day, &dated)))
            return rc;
        upto = json_object_get(dated, "seq");
        if ((uint64_t)json_integer_value(upto) < seq)
            s_add(k, "as_of_before_seq", "as_of", -1, NULL, "as_of", fseq, upto);
        json_decref(dated);
        if (json_array_size(k->diffs))
            return 0;
    }
    ledger_cut cut = {.inspection = insp, .seq = seq, .as_of = seq ? NULL : as_of ? day : NULL};
    return ledger_build(c, &cut, record);
}

/* Chain facts from audit_verify: {ok, events, first_bad_seq, problem}. */
static json_t *s_chain(const json_t *v)
{
    return json_pack("{s:O,s:O,s:O,s:O}", "ok", json_object_get(v, "ok"), "events",
                     json_object_get(v, "events"), "first_bad_seq", json_object_get(v, "first_bad_seq"),
                     "problem", json_object_get(v, "problem"));
}

int cmd_ledger_check(cmd_ctx *c)
{
    s_check k = {.c = c, .diffs = json_array()};
    json_t *saved = NULL, *record = NULL, *x = NULL, *y = NULL, *verify = NULL, *chain = NULL;
    unsigned char head[32];
    uint64_t next;
    char path[1024] = "";
    int rc;
    if (!k.diffs)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    if ((rc = s_load(c, &saved)))
        goto done;
    if ((rc = store_head(c->txn, &next, head))) {
        rc = cmd_fail(c, rc, "cannot read the database");
        goto done;
    }
    if ((rc = s_record(&k, saved, next > 1 ? next - 1 : 0, &record)))
        goto done;
    if (record) {
        if (!(x = json_deep_copy(saved)) || !(y = json_deep_copy(record))) {
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
            goto done;
        }
        s_strip(x);
        s_strip(y);
        s_compare(&k, x, y, path, sizeof path, (s_where){-1, NULL}, NULL);
        s_check_dated(&k, saved);
    }
    if ((rc = audit_chain(c, &verify)))
        goto done;
    if (k.nomem || !(chain = s_chain(verify))) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    int ok = json_array_size(k.diffs) == 0 && json_is_true(json_object_get(verify, "ok"));
    c->result = json_pack("{s:b,s:O,s:O,s:O?,s:I,s:I,s:O,s:b,s:O}", "matches", ok, "seq",
                          json_object_get(json_object_get(saved, "head"), "seq"), "head",
                          json_object_get(saved, "head"), "as_of", json_object_get(saved, "as_of"),
                          "record_seq", (json_int_t)(next > 1 ? next - 1 : 0), "rows",
                          (json_int_t)json_array_size(json_object_get(saved, "rows")), "differences", k.diffs,
                          "truncated", k.truncated, "chain", chain);
    if (!c->result)
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
done:
    json_decref(k.diffs);
    json_decref(saved);
    json_decref(record);
    json_decref(x);
    json_decref(y);
    json_decref(verify);
    json_decref(chain);
    return rc;
}
