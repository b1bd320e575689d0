/*
 * cmds_ledger.c - the closeout ledger's commands: inspections, the ledger in
 * five formats, ledger check, stats, audit verify/reuse and reconcile.
 *
 * `ledger`, `ledger check` and `audit verify` are session commands: they
 * make their own requests (the ledger, with the HTML chart's series, then
 * statistics; ledger_check with the file; audit_verify) and turn the answer
 * into the exit code. What an item is and whether a file matches the record
 * are rectd's (daemon/facts.c, daemon/cmd_ledger_check.c): rendered here.
 */
#include "cmds_ledger.h"
#include "directory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "i18n.h"
#include "lazylib.h"
#include "ledger.h"
#include "ledger_verify.h"
#include "rect_date.h"
#include "rect_text.h"
#include "render.h"
#include "cmds_records.h"

/* clang-format off */
const cli_opt cli_no_ledger_opts[] = {
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_ledger_check_opts[] = {
    {.name = "key", .metavar = NC_("placeholder", "FILE.pub"),
     .help = N_("check offline against rectd's public key: the signature and every row (no config or rectd needed)")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_audit_verify_opts[] = {
    {.name = "anchor", .metavar = NC_("placeholder", "FILE"),
     .help = N_("also prove that the record still extends this anchor (saved with 'rectctl audit anchor')")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_audit_anchor_opts[] = {
    {.name = "output", .flags = CLI_SHORT, .metavar = NC_("placeholder", "FILE"),
     .help = N_("write the anchor to FILE (replaced whole, only when complete) instead of stdout")},
    {.name = NULL},
};
/* clang-format on */

/* ---- small helpers ---------------------------------------------------------- */

static const char *s_opt(const char *cmd_name, const cli_args *a, const char *name)
{
    const cli_cmd *cmd = cli_command_find(cmd_name);
    int i = cmd ? cli_opt_index(cmd, name) : -1;
    return i >= 0 ? a->val[i] : NULL;
}

static const char *s_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static const char *s_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Print s padded with blanks to width display columns. */
static void s_padded(const char *s, int width)
{
    fputs(s, stdout);
    for (int n = width - text_width(s); n > 0; n--)
        fputc(' ', stdout);
}

/* The invocation's connection (cli_conn: the directory is asked over it too); never destroyed here. */
static conn_t *s_connect(const cli_ctx *ctx)
{
    return cli_conn(ctx);
}

/* ---- inspection add / list -------------------------------------------------- */

/* clang-format off */
const cli_opt cli_inspection_add_opts[] = {
    {.name = "title", .arg = CLI_ARG(INSPECTION_ADD, title), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the inspection's title, e.g. 2025年考核评估反馈问题")},
    {.name = "fed-back", .arg = CLI_ARG(INSPECTION_ADD, fed_back),
     .metavar = NC_("placeholder", "SOURCE=N,..."),
     .help = N_("problems fed back per source (id or name), e.g. national=25,region=5")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_inspection_edit_opts[] = {
    {.name = "title", .arg = CLI_ARG(INSPECTION_UPDATE, title),
     .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the corrected title")},
    {.name = "fed-back", .arg = CLI_ARG(INSPECTION_UPDATE, fed_back),
     .metavar = NC_("placeholder", "SOURCE=N,..."),
     .help = N_("the corrected counts fed back per source (replaces all of them)")},
    {.name = "note", .arg = CLI_ARG(INSPECTION_UPDATE, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why (kept in the inspection's history)")},
    {.name = NULL},
};
/* clang-format on */

/* --fed-back SOURCE=N,... of command name into args.fed_back (absent: nothing to do). */
static int s_fed_back_opt(const char *name, const cli_args *a, cli_request *req)
{
    const char *spec = s_opt(name, a, "fed-back");
    if (!spec)
        return RECT_EXIT_OK;
    json_t *fed = json_object();
    char *copy = strdup(spec);
    int rc = RECT_EXIT_USAGE;
    char *save = NULL;
    if (!fed || !copy) {
        cli_error(_("out of memory"));
        goto done;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            cli_error(_("--fed-back: \"%s\" is not SOURCE=N"), tok);
            goto done;
        }
        *eq = '\0';
        long long n;
        if (text_whole(eq + 1, 0, &n) != 0) {
            cli_error(_("--fed-back: \"%s\" is not a count (a whole number, 0 or more)"), eq + 1);
            goto done;
        }
        if (json_object_get(fed, tok)) {
            cli_error(_("--fed-back: %s is given twice"), tok);
            goto done;
        }
        if (json_object_set_new(fed, tok, json_integer(n)) != 0) {
            cli_error(_("--fed-back: \"%s\" is not valid UTF-8 text"), tok);
            goto done;
        }
    }
    if (json_object_size(fed) == 0) {
        cli_error(_("--fed-back: give SOURCE=N pairs, e.g. national=25,region=5"));
        goto done;
    }
    json_object_set(req->args, "fed_back", fed);
    rc = RECT_EXIT_OK;
done:
    free(copy);
    json_decref(fed);
    return rc;
}

int cli_inspection_add_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    return s_fed_back_opt(cmd->name, a, req);
}

/* That there is something to correct is rectd's rule (inspection_update). */
int cli_inspection_edit_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    return s_fed_back_opt(cmd->name, a, req);
}

/* "国家反馈共性问题 25, 自治区“两办”反馈问题 5" from {source: n}. */
static void s_print_counts(const cli_ctx *ctx, const json_t *counts)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach((json_t *)counts, key, v) {
        printf("%s%s %lld", first ? "" : ", ", render_source(cli_dir(ctx), key),
               (long long)json_integer_value(v));
        first = 0;
    }
    if (first)
        fputs("-", stdout);
}

/* The inspection inspection_add recorded or inspection_update corrected. */
static void s_print_inspection(const cli_ctx *ctx, int corrected, const json_t *result)
{
    const json_t *insp = json_object_get(result, "inspection");
    printf(corrected ? _("corrected inspection %s: %s\n") : _("recorded inspection %s: %s\n"),
           s_dash(s_str(insp, "name")), s_dash(s_str(insp, "title")));
    if (json_object_size(json_object_get(insp, "fed_back")) > 0) {
        fputs(_("fed back: "), stdout);
        s_print_counts(ctx, json_object_get(insp, "fed_back"));
        fputc('\n', stdout);
    }
}

void cli_inspection_add_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    s_print_inspection(ctx, 0, result);
}

void cli_inspection_edit_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    s_print_inspection(ctx, 1, result);
}

void cli_inspection_list_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *list = json_object_get(result, "inspections");
    size_t n = json_array_size(list);
    int wn = text_width(_("NAME")), wi = text_width(_("ITEMS"));
    for (size_t i = 0; i < n; i++) {
        int w = text_width(s_dash(s_str(json_array_get(list, i), "name")));
        if (w > wn)
            wn = w;
    }
    if (n > 0) {
        s_padded(_("NAME"), wn + 2);
        s_padded(_("ITEMS"), wi + 2);
        printf("%s\n", _("TITLE"));
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *insp = json_array_get(list, i);
        char items[32];
        s_padded(s_dash(s_str(insp, "name")), wn + 2);
        s_padded(render_int(insp, "items", items, sizeof items), wi + 2);
        printf("%s\n", s_dash(s_str(insp, "title")));
        /* Where problems not claimed are recorded: rectd's counts per source (derived for a
         * source with some), and the list with the reasons. */
        if (json_array_size(json_object_get(insp, "declined")) > 0) {
            const json_t *srcs = json_object_get(insp, "sources");
            for (size_t k = 0; k < json_array_size(srcs); k++) {
                const json_t *sc = json_array_get(srcs, k);
                if (!json_is_integer(json_object_get(sc, "fed_back_derived"))) {
                    json_t *fb = json_object_get(sc, "fed_back");
                    if (json_is_integer(fb))
                        printf("    %s %lld/%lld\n", render_source(cli_dir(ctx), s_dash(s_str(sc, "id"))),
                               (long long)json_integer_value(fb),
                               (long long)json_integer_value(json_object_get(sc, "claimed")));
                    else
                        printf("    %s -/%lld\n", render_source(cli_dir(ctx), s_dash(s_str(sc, "id"))),
                               (long long)json_integer_value(json_object_get(sc, "claimed")));
                    continue;
                }
                printf(_("    %s: %lld fed back, %lld claimed, %lld not claimed\n"),
                       render_source(cli_dir(ctx), s_dash(s_str(sc, "id"))),
                       (long long)json_integer_value(json_object_get(sc, "fed_back_derived")),
                       (long long)json_integer_value(json_object_get(sc, "claimed")),
                       (long long)json_integer_value(json_object_get(sc, "declined")));
                if (json_is_true(json_object_get(sc, "fed_back_mismatch")))
                    printf(_("      (inspection add stated %lld fed back: it does not match claimed + not "
                             "claimed)\n"),
                           (long long)json_integer_value(json_object_get(sc, "fed_back")));
            }
            cli_print_declined(ctx, insp, 4);
            continue;
        }
        /* Fed back vs claimed, per source: "国家反馈共性问题 25/22". */
        const json_t *fed = json_object_get(insp, "fed_back");
        const json_t *claimed = json_object_get(insp, "claimed");
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)fed, key, v) {
            json_t *c = json_object_get(claimed, key);
            printf("    %s %lld/%lld\n", render_source(cli_dir(ctx), key), (long long)json_integer_value(v),
                   json_is_integer(c) ? (long long)json_integer_value(c) : 0LL);
        }
        json_object_foreach((json_t *)claimed, key, v) {
            if (!json_object_get(fed, key))
                printf("    %s -/%lld\n", render_source(cli_dir(ctx), key), (long long)json_integer_value(v));
        }
    }
    printf(ngettext("%zu inspection\n", "%zu inspections\n", n), n);
}

/* ---- ledger -------------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_ledger_opts[] = {
    {.name = "inspection", .metavar = NC_("placeholder", "NAME"),
     .help = N_("only the items of this inspection")},
    {.name = "as-of", .metavar = NC_("placeholder", "DATE"),
     .help = N_("the record as it stood at the end of DATE (rebuilt from the event log)")},
    {.name = "format", .metavar = NC_("placeholder", "FORMAT"),
     .help = N_("xlsx, csv, json, md or html (default: from -o's extension, else md)")},
    {.name = "output", .flags = CLI_SHORT, .metavar = NC_("placeholder", "FILE"),
     .help = N_("write to FILE (replaced whole, only when complete) instead of stdout")},
    {.name = "lang", .metavar = NC_("placeholder", "LANG"),
     .help = N_("zh (default) or en: the labels of the document")},
    {.name = "columns", .metavar = NC_("placeholder", "LIST"),
     .help = N_("the table's columns, by English name or Chinese header, e.g. ref,problem,measures,unit,"
                "deadline,state (or 编号,问题,整改措施); all; auto (those with something in some row); or "
                "-name,... to leave columns out of the default. Default: auto for html, all for the others")},
    {.name = NULL},
};
/* clang-format on */

/* The format of a file name's extension, or -1. */
static int s_format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    return !dot || (slash && dot < slash) ? -1 : ledger_format_find(dot + 1);
}

/*
 * Report a --columns parse failure (rc of ledger_columns_parse, the bad
 * name): what was wrong and every valid name.
 */
static void s_columns_error(int rc, const char *bad)
{
    char names[1024];
    size_t k = 0;
    ledger_lang zh = LEDGER_ZH;
    names[0] = '\0';
    for (int i = 0; i < LEDGER_COLS && k < sizeof names; i++) {
        int n = snprintf(names + k, sizeof names - k, "%s%s (%s)", i ? ", " : "", ledger_column_name(i),
                         ledger_label(zh, (ledger_label_id)i));
        if (n < 0)
            break;
        k += (size_t)n;
    }
    if (rc == -1)
        cli_error(_("ledger: --columns: there is no column \"%s\"; the columns are %s, or all, or auto"), bad,
                  names);
    else
        cli_error(
            _("ledger: --columns: the list leaves no column, or mixes names with -names: give names "
              "to show, or -names to leave out of the default (all, or auto for html); the columns are %s"),
            names);
}

/* `stats` by each of the fields in bys; a new array (caller owns) or NULL. */
static json_t *s_stats(const cli_ctx *ctx, conn_t *conn, const char *inspection, const char *const *bys,
                       size_t n, int *rc)
{
    json_t *all = json_array();
    if (!all) {
        cli_error(_("out of memory"));
        *rc = RECT_EXIT_USAGE;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *args = json_pack("{s:s}", "by", bys[i]);
        json_t *res = NULL;
        if (args && inspection)
            json_object_set_new(args, "inspection", json_string(inspection));
        *rc = cli_call(ctx, conn, "stats", args, &res);
        if (*rc != RECT_EXIT_OK) {
            json_decref(all);
            return NULL;
        }
        json_array_append_new(all, res);
    }
    return all;
}

/*
 * Write the document to path: into a temporary file beside it, renamed over
 * path only when complete, so a failed run never leaves half a ledger.
 */
static int s_write_file(const char *path, ledger_format f, const ledger_doc *doc)
{
    char *tmp = NULL;
    FILE *out = NULL;
    int rc = RECT_EXIT_USAGE;
    int fd = cli_tmp_beside(path, &tmp);

    if (fd < 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        return rc;
    }
    if (f == LEDGER_XLSX) {
        close(fd);
        char err[512];
        if (ledger_write_xlsx(tmp, doc, err, sizeof err) != 0) {
            cli_error(_("cannot write %s: %s"), path, err);
            goto fail;
        }
    } else {
        out = fdopen(fd, "wb");
        if (!out) {
            cli_error(_("cannot write %s: %s"), path, strerror(errno));
            close(fd);
            goto fail;
        }
        int wr = ledger_write(out, f, doc);
        int cl = fclose(out);
        out = NULL;
        if (wr != 0 || cl != 0) {
            cli_error(_("cannot write %s: %s"), path, strerror(errno));
            goto fail;
        }
    }
    if (rename(tmp, path) != 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return RECT_EXIT_OK;
fail:
    unlink(tmp);
    free(tmp);
    return rc;
}

int cli_ledger_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *inspection = s_opt("ledger", a, "inspection");
    const char *as_of_text = s_opt("ledger", a, "as-of");
    const char *format = s_opt("ledger", a, "format");
    const char *output = s_opt("ledger", a, "output");
    const char *lang = s_opt("ledger", a, "lang");
    const char *columns = s_opt("ledger", a, "columns");
    ledger_doc doc = {0};
    char bad[128];
    uint32_t mask = 0;
    json_t *ledger = NULL, *stats = NULL, *args = NULL;
    conn_t *conn = NULL;
    char as_of[RECT_DATE_LEN];
    int f = -1, rc = RECT_EXIT_USAGE;

    if (format) {
        for (int i = 0; i < LEDGER_FORMAT_COUNT; i++)
            if (strcmp(format, ledger_format_name(i)) == 0)
                f = i;
        if (f < 0) {
            cli_error(_("ledger: --format must be xlsx, csv, json, md or html, not \"%s\""), format);
            return RECT_EXIT_USAGE;
        }
    } else if (ctx->g.json) {
        f = LEDGER_JSON;
    } else {
        f = output ? s_format_of_path(output) : LEDGER_MD;
        if (f < 0)
            f = LEDGER_MD;
    }
    if (f == LEDGER_XLSX && (!output || strcmp(output, "-") == 0)) {
        cli_error(_("ledger: an Excel workbook needs -o FILE.xlsx"));
        return RECT_EXIT_USAGE;
    }
    if (f == LEDGER_XLSX && lazy_need(LAZY_XLSXWRITER, "ledger --format xlsx") != RECT_EXIT_OK)
        return RECT_EXIT_USAGE;
    doc.lang = LEDGER_ZH;
    if (lang && strcmp(lang, "en") == 0)
        doc.lang = LEDGER_EN;
    else if (lang && strcmp(lang, "zh") != 0) {
        cli_error(_("ledger: --lang must be zh or en, not \"%s\""), lang);
        return RECT_EXIT_USAGE;
    }
    if (as_of_text && date_parse(as_of_text, as_of) != 0) {
        cli_error(_("ledger: --as-of \"%s\" is not a date (YYYY-MM-DD)"), as_of_text);
        return RECT_EXIT_USAGE;
    }
    if (columns && f == LEDGER_JSON) {
        cli_error(_("ledger: --columns is for the tables (md, csv, html, xlsx): the JSON ledger is rectd's "
                    "result whole"));
        return RECT_EXIT_USAGE;
    }
    /* The names are checked before anything is asked of rectd ("auto" is known later). */
    int prc =
        columns ? ledger_columns_parse(columns, LEDGER_ALL_COLS, LEDGER_ALL_COLS, &mask, bad, sizeof bad) : 0;
    if (prc != 0) {
        s_columns_error(prc, bad);
        return RECT_EXIT_USAGE;
    }

    conn = s_connect(ctx);
    args = json_object();
    if (!conn || !args) {
        json_decref(args);
        goto done;
    }
    if (inspection && json_object_set_new(args, "inspection", json_string(inspection)) != 0) {
        json_decref(args);
        cli_error(_("--inspection: not valid UTF-8 text"));
        goto done;
    }
    if (as_of_text)
        json_object_set_new(args, "as_of", json_string(as_of));
    /* What the format asks besides the rows (the HTML's charts, the workbook's statistics sheet). */
    ledger_needs need = ledger_needs_of(f);
    if (need.series)
        json_object_set_new(args, "series", json_integer(need.series));
    rc = cli_call(ctx, conn, "ledger", args, &ledger);
    if (rc != RECT_EXIT_OK)
        goto done;
    if (need.n_stats && !(stats = s_stats(ctx, conn, inspection, need.stats_by, need.n_stats, &rc)))
        goto done;
    doc.cfg = cli_dir(ctx);
    if ((prc = ledger_doc_from(&doc, f, ledger, stats, columns, bad, sizeof bad)) != 0) {
        s_columns_error(prc, bad);
        rc = RECT_EXIT_USAGE;
        goto done;
    }

    if (output && strcmp(output, "-") != 0) {
        rc = s_write_file(output, f, &doc);
        if (rc == RECT_EXIT_OK) {
            /* Say what was written: the file, its format, the inspection and the rows. */
            size_t rows = json_array_size(json_object_get(ledger, "rows"));
            const char *insp = json_string_value(json_object_get(ledger, "inspection"));
            printf(ngettext("wrote %s (%s): the ledger of %s, %zu item\n",
                            "wrote %s (%s): the ledger of %s, %zu items\n", rows),
                   output, ledger_format_name(f),
                   insp ? insp : (inspection ? inspection : _("all inspections")), rows);
        }
    } else if (ledger_write(stdout, f, &doc) != 0 || fflush(stdout) != 0) {
        cli_error(_("cannot write the ledger: %s"), strerror(errno));
        rc = RECT_EXIT_USAGE;
    } else {
        rc = RECT_EXIT_OK;
    }
done:
    json_decref(stats);
    json_decref(ledger);
    return rc;
}

/*
 * Read the file at path whole into *file (file->data owned by the caller,
 * NULL when empty), refusing one larger than rectd accepts. An exit code.
 */
static int s_read_file(const cli_ctx *ctx, const char *path, cli_file *file)
{
    uint64_t limit = cli_attach_limit(ctx);
    FILE *in = fopen(path, "rb");
    char *data = NULL;
    size_t size = 0, cap = 0;
    int rc = RECT_EXIT_USAGE;

    if (!in) {
        cli_error(_("cannot read %s: %s"), path, strerror(errno));
        return rc;
    }
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 65536;
            char *p = realloc(data, cap);
            if (!p) {
                cli_error(_("cannot read %s: %s"), path, strerror(ENOMEM));
                goto done;
            }
            data = p;
        }
        size_t got = fread(data + size, 1, cap - size, in);
        size += got;
        if (size > limit) {
            cli_error(_("%s is too large: rectd accepts at most %u MiB per file "
                        "(its daemon.max_attachment_mb)"),
                      path, (unsigned)(limit / (1024 * 1024)));
            goto done;
        }
        if (got == 0)
            break;
    }
    if (ferror(in)) {
        cli_error(_("cannot read %s: %s"), path, strerror(errno));
        goto done;
    }
    file->data = data;
    file->size = size;
    file->path = path;
    data = NULL;
    rc = RECT_EXIT_OK;
done:
    free(data);
    fclose(in);
    return rc;
}

/* ---- ledger check ---------------------------------------------------------------- */

/* A JSON value for a message, cut to a readable length. Caller frees. */
static char *s_dump(const json_t *v)
{
    if (!v)
        return strdup(_("(absent)"));
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (s && strlen(s) > 120) {
        size_t n = 117;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        memcpy(s + n, "...", 4);
    }
    return s;
}

/* One difference of a ledger_check answer, as a line (rectd decided it; this only words it). */
static void s_difference(const char *path, const json_t *res, const json_t *d)
{
    const char *kind = s_str(d, "kind");
    const json_t *found = json_object_get(d, "found"), *expected = json_object_get(d, "expected");
    long long seq = json_integer_value(json_object_get(res, "seq"));
    char *fa = s_dump(found), *fb = s_dump(expected); /* absent: no key */
    if (strcmp(kind, "events_missing") == 0)
        printf(_("%s does not match the record: the file is at #%lld, but the record ends at "
                 "#%lld; the record is shorter than the ledger (events missing: possibly a "
                 "rollback, or a different database)\n"),
               path, seq, (long long)json_integer_value(expected));
    else if (strcmp(kind, "as_of_before_seq") == 0)
        printf(_("%s does not match the record: it is as of %s at #%lld, but the record at "
                 "the end of %s ends at #%lld\n"),
               path, s_dash(s_str(res, "as_of")), seq, s_dash(s_str(res, "as_of")),
               (long long)json_integer_value(expected));
    else if (strcmp(kind, "summary_overdue") == 0)
        printf(_("%s does not match the record: summary.overdue is %s, but its rows make "
                 "%lld\n"),
               path, fa ? fa : "?", (long long)json_integer_value(expected));
    else if (strcmp(kind, "days_overdue") == 0)
        printf(_("%s does not match the record: %s is %s, but the row's deadline and carried "
                 "overdue days make %s at the ledger's date\n"),
               path, s_dash(s_str(d, "path")), fa ? fa : "?", fb ? fb : "?");
    else
        printf(_("%s does not match the record at #%lld: %s is %s in the file, %s in the "
                 "record\n"),
               path, seq, s_dash(s_str(d, "path")), fa ? fa : "?", fb ? fb : "?");
    free(fa);
    free(fb);
}

/* Render a ledger_check answer; the exit code: 0 when the file matches, else 3. */
static int s_check_print(const char *path, const json_t *res)
{
    const json_t *diffs = json_object_get(res, "differences");
    const json_t *chain = json_object_get(res, "chain");
    size_t i;
    json_t *d;
    json_array_foreach(diffs, i, d)
        s_difference(path, res, d);
    if (json_is_true(json_object_get(res, "truncated")))
        printf(_("%s: more differences than these %zu\n"), path, json_array_size(diffs));
    if (!json_is_true(json_object_get(chain, "ok"))) {
        printf(_("%s matches the record, but the record itself is broken: %s\n"), path,
               s_dash(s_str(chain, "problem")));
        return RECT_EXIT_REFUSED;
    }
    if (!json_is_true(json_object_get(res, "matches")))
        return RECT_EXIT_REFUSED;
    char events[32];
    const json_t *head = json_object_get(res, "head");
    printf(_("ok: %s matches the record at #%lld %s (%zu rows); chain ok, %s events\n"), path,
           (long long)json_integer_value(json_object_get(head, "seq")), s_dash(s_str(head, "hash")),
           (size_t)json_integer_value(json_object_get(res, "rows")),
           render_int(chain, "events", events, sizeof events));
    return RECT_EXIT_OK;
}

/*
 * The file a ledger check sends, read whole: a JSON ledger (a usage error
 * otherwise, before any connection; rectd refuses the same). 0 or an exit code.
 */
static int s_check_file(const cli_ctx *ctx, const char *path, cli_file *file)
{
    int rc = s_read_file(ctx, path, file);
    if (rc != RECT_EXIT_OK)
        return rc;
    json_error_t jerr;
    json_t *saved = json_loadb(file->data ? file->data : "", file->size, 0, &jerr);
    const json_t *head = json_object_get(saved, "head");
    if (!saved) {
        cli_error(_("%s: not a JSON ledger: %s (line %d)"), path, jerr.text, jerr.line);
        rc = RECT_EXIT_USAGE;
    } else if (!json_is_object(saved) || !json_is_array(json_object_get(saved, "rows")) ||
               !json_is_integer(json_object_get(head, "seq"))) {
        cli_error(_("%s: not a JSON ledger (no rows or head.seq): save one with "
                    "'rectctl ledger --format json -o FILE'"),
                  path);
        rc = RECT_EXIT_USAGE;
    }
    json_decref(saved);
    if (rc != RECT_EXIT_OK) {
        free(file->data);
        file->data = NULL;
    }
    return rc;
}

int cli_ledger_check_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *path = a->pos[0];
    const char *key = s_opt("ledger check", a, "key");
    if (key)
        return cli_ledger_verify_offline(path, key);
    cli_file file = {0};
    json_t *res = NULL;
    int rc = s_check_file(ctx, path, &file);
    if (rc != RECT_EXIT_OK)
        return rc;
    conn_t *conn = s_connect(ctx);
    if (!conn) {
        free(file.data);
        return RECT_EXIT_USAGE;
    }
    /* rectd rebuilds the record at the file's head.seq and applies the audit rule. */
    rc = cli_call_file(ctx, conn, "ledger_check", NULL, &file, &res);
    free(file.data);
    if (rc != RECT_EXIT_OK)
        return rc;
    if (ctx->g.json) {
        ledger_print_json(stdout, res);
        rc = json_is_true(json_object_get(res, "matches")) ? RECT_EXIT_OK : RECT_EXIT_REFUSED;
    } else {
        rc = s_check_print(path, res);
    }
    json_decref(res);
    return rc;
}

/* ---- stats ---------------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_stats_opts[] = {
    {.name = "inspection", .arg = CLI_ARG(STATS, inspection), .metavar = NC_("placeholder", "NAME"),
     .help = N_("only the items of this inspection")},
    {.name = "by", .arg = CLI_ARG(STATS, by), .metavar = NC_("placeholder", "FIELD"),
     .help = N_("one line per unit, owner, leader, source or kind")},
    {.name = NULL},
};
/* clang-format on */

enum {
    T_GROUP,
    T_TOTAL,
    T_ST,
    T_RED = T_ST + RECT_ST_COUNT,
    T_YELLOW,
    T_GREEN,
    T_ONTIME,
    T_MEDIAN,
    T_MAX,
    T_REJ,
    T_RELAPSE,
    T_COUNT
};

/* The cells of one stats line. */
static void s_stats_cells(const cli_ctx *ctx, const char *by, const json_t *g, const char *name,
                          char cells[T_COUNT][96])
{
    static const char *const lights[3] = {"red", "yellow", "green"};
    const json_t *states = json_object_get(g, "states");
    const json_t *lt = json_object_get(g, "lights");
    snprintf(cells[T_GROUP], 96, "%s", name);
    render_int(g, "total", cells[T_TOTAL], 96);
    for (int s = 0; s < RECT_ST_COUNT; s++)
        render_int(states, rect_state_names[s], cells[T_ST + s], 96);
    for (int k = 0; k < 3; k++)
        render_int(lt, lights[k], cells[T_RED + k], 96);
    json_t *rate = json_object_get(g, "on_time_rate");
    char closed[32], on[32];
    render_int(g, "closed", closed, sizeof closed);
    render_int(g, "closed_on_time", on, sizeof on);
    if (json_is_number(rate))
        snprintf(cells[T_ONTIME], 96, "%s/%s %.0f%%", on, closed, json_number_value(rate) * 100);
    else
        snprintf(cells[T_ONTIME], 96, "%s/%s", on, closed);
    json_t *med = json_object_get(g, "median_days_to_close");
    if (json_is_number(med))
        snprintf(cells[T_MEDIAN], 96, "%g", json_number_value(med));
    else
        snprintf(cells[T_MEDIAN], 96, "-");
    render_int(g, "max_days_to_close", cells[T_MAX], 96);
    render_int(g, "rejections", cells[T_REJ], 96);
    render_int(g, "relapses", cells[T_RELAPSE], 96);
    (void)ctx;
    (void)by;
}

static const char *s_group_name(const cli_ctx *ctx, const char *by, const char *key)
{
    if (!key)
        return _("(not assigned)");
    if (!by)
        return key;
    if (strcmp(by, "unit") == 0)
        return render_unit(cli_dir(ctx), key);
    if (strcmp(by, "source") == 0)
        return render_source(cli_dir(ctx), key);
    if (strcmp(by, "owner") == 0 || strcmp(by, "leader") == 0)
        return render_user(cli_dir(ctx), key);
    if (strcmp(by, "kind") == 0)
        return render_kind(key);
    return key;
}

void cli_stats_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    static const char *const heads[T_COUNT] = {
        N_("GROUP"),    N_("ITEMS"),       N_("CLAIMED"),  N_("ASSIGNED"),   N_("RECTIFYING"),
        N_("VERIFIED"), N_("CLOSED"),      N_("RED"),      N_("YELLOW"),     N_("GREEN"),
        N_("ON TIME"),  N_("MEDIAN DAYS"), N_("MAX DAYS"), N_("REJECTIONS"), N_("RELAPSES"),
    };
    const char *by = s_str(result, "by");
    const json_t *groups = json_object_get(result, "groups");
    size_t n = json_array_size(groups);
    char(*cells)[T_COUNT][96] = calloc(n + 1, sizeof *cells);
    int w[T_COUNT];
    if (!cells) {
        cli_error(_("out of memory"));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *g = json_array_get(groups, i);
        s_stats_cells(ctx, by, g, s_group_name(ctx, by, s_str(g, "key")), cells[i]);
    }
    s_stats_cells(ctx, by, json_object_get(result, "total"), _("total"), cells[n]);
    for (int c = 0; c < T_COUNT; c++) {
        w[c] = text_width(gettext(heads[c]));
        for (size_t i = 0; i <= n; i++)
            if (text_width(cells[i][c]) > w[c])
                w[c] = text_width(cells[i][c]);
    }
    for (int c = 0; c < T_COUNT; c++) {
        if (c == T_GROUP)
            s_padded(gettext(heads[c]), w[c] + 2);
        else
            printf("%*s%s", w[c] - text_width(gettext(heads[c])) + (c > T_TOTAL ? 2 : 0), "",
                   gettext(heads[c]));
    }
    fputc('\n', stdout);
    for (size_t i = 0; i <= n; i++) {
        for (int c = 0; c < T_COUNT; c++) {
            if (c == T_GROUP)
                s_padded(cells[i][c], w[c] + 2);
            else
                printf("%*s%s", w[c] - text_width(cells[i][c]) + (c > T_TOTAL ? 2 : 0), "", cells[i][c]);
        }
        fputc('\n', stdout);
    }
    free(cells);
    /* 举一反三: items found from another problem (rectd counts them). */
    long long self_found =
        (long long)json_integer_value(json_object_get(json_object_get(result, "total"), "self_found"));
    if (self_found > 0)
        printf(_("self-found (举一反三) items: %lld\n"), self_found);
}

/* ---- audit ---------------------------------------------------------------------- */

int cli_audit_verify_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *anchor_path = s_opt("audit verify", a, "anchor");
    json_t *res = NULL, *args = NULL;
    int rc = RECT_EXIT_USAGE;
    if (anchor_path) {
        json_error_t jerr;
        json_t *anchor = json_load_file(anchor_path, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(anchor)) {
            cli_error(_("%s: not an anchor (save one with 'rectctl audit anchor -o FILE'): %s"), anchor_path,
                      anchor ? _("not a JSON object") : jerr.text);
            json_decref(anchor);
            return rc;
        }
        if (!(args = json_pack("{so}", "anchor", anchor))) { /* "o" took anchor, even on failure */
            cli_error(_("out of memory"));
            return rc;
        }
    }
    conn_t *conn = s_connect(ctx);
    if (!conn) {
        json_decref(args);
        return rc;
    }
    rc = cli_call(ctx, conn, "audit_verify", args, &res);
    if (rc != RECT_EXIT_OK)
        return rc;
    int ok = json_is_true(json_object_get(res, "ok"));
    if (ctx->g.json) {
        ledger_print_json(stdout, res);
    } else if (ok) {
        char events[32], seq[32];
        const json_t *head = json_object_get(res, "head");
        printf(_("ok, %s events, head #%s %s\n"), render_int(res, "events", events, sizeof events),
               render_int(head, "seq", seq, sizeof seq), s_dash(s_str(head, "hash")));
        const json_t *an = json_object_get(res, "anchor");
        if (json_is_object(an))
            printf(_("the record still extends the anchor #%s %s taken at %s\n"),
                   render_int(an, "seq", seq, sizeof seq), s_dash(s_str(an, "hash")),
                   s_dash(s_str(an, "at")));
    } else if (json_is_integer(json_object_get(res, "first_bad_seq"))) {
        char seq[32];
        printf(_("BROKEN at seq %s: %s\n"), render_int(res, "first_bad_seq", seq, sizeof seq),
               s_dash(s_str(res, "problem")));
    } else {
        printf(_("BROKEN: %s\n"), s_dash(s_str(res, "problem")));
    }
    json_decref(res);
    return ok ? RECT_EXIT_OK : RECT_EXIT_REFUSED;
}

int cli_audit_anchor_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *output = s_opt("audit anchor", a, "output");
    conn_t *conn = s_connect(ctx);
    json_t *anchor = NULL;
    int rc = RECT_EXIT_USAGE;
    if (!conn)
        return rc;
    rc = cli_call(ctx, conn, "audit_anchor", NULL, &anchor);
    if (rc != RECT_EXIT_OK)
        return rc;
    ledger_doc doc = {.ledger = anchor};
    if (!output || strcmp(output, "-") == 0) {
        rc = ledger_print_json(stdout, anchor) == 0 && fflush(stdout) == 0 ? RECT_EXIT_OK : RECT_EXIT_USAGE;
    } else if ((rc = s_write_file(output, LEDGER_JSON, &doc)) == RECT_EXIT_OK) {
        char seq[32];
        printf(_("anchor #%s %s of %s written to %s: keep it off this machine (e.g. at the county)\n"),
               render_int(anchor, "seq", seq, sizeof seq), s_dash(s_str(anchor, "hash")),
               s_dash(s_str(anchor, "at")), output);
    }
    json_decref(anchor);
    return rc;
}

void cli_audit_reuse_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *reused = json_object_get(result, "reused");
    size_t n = json_array_size(reused);
    if (n == 0) {
        printf("%s\n", _("no evidence file is filed on more than one item"));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(reused, i);
        const json_t *uses = json_object_get(r, "uses");
        char size[32];
        printf(_("sha256 %s  %s bytes, filed %zu times:\n"), s_dash(s_str(r, "sha256")),
               render_int(r, "size", size, sizeof size), json_array_size(uses));
        for (size_t k = 0; k < json_array_size(uses); k++) {
            const json_t *u = json_array_get(uses, k);
            char item[32], seq[32];
            printf(_("  %s (item %s)  evidence #%s  %s\n"), s_dash(s_str(u, "ref")),
                   render_int(u, "item", item, sizeof item), render_int(u, "seq", seq, sizeof seq),
                   s_dash(s_str(u, "name")));
        }
    }
    printf(ngettext("%zu file filed on more than one item\n", "%zu files filed on more than one item\n", n),
           n);
}

/* ---- reconcile ------------------------------------------------------------------ */

/* clang-format off */
const cli_opt cli_reconcile_opts[] = {
    {.name = "inspection", .arg = CLI_ARG(RECONCILE, inspection),
     .metavar = NC_("placeholder", "NAME"),
     .help = N_("the inspection to compare with (default: daemon.default_inspection)")},
    {.name = NULL},
};
/* clang-format on */

int cli_reconcile_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    int rc = s_read_file(ctx, a->pos[0], &req->files[0]);
    if (rc == RECT_EXIT_OK)
        req->n_files = 1;
    return rc;
}

static void s_ref_list(const char *label, const json_t *refs)
{
    size_t n = json_array_size(refs);
    printf("%s (%zu):", label, n);
    for (size_t i = 0; i < n; i++)
        printf(" %s", s_dash(json_string_value(json_array_get(refs, i))));
    fputc('\n', stdout);
}

void cli_reconcile_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *differs = json_object_get(result, "state_differs");
    char matched[32];
    printf(_("inspection %s: %s matched\n"), s_dash(s_str(result, "inspection")),
           render_int(result, "matched", matched, sizeof matched));
    s_ref_list(_("in the file, not in rectd"), json_object_get(result, "missing_here"));
    s_ref_list(_("in rectd, not in the file"), json_object_get(result, "missing_there"));
    printf(_("state differs (%zu):\n"), json_array_size(differs));
    for (size_t i = 0; i < json_array_size(differs); i++) {
        const json_t *d = json_array_get(differs, i);
        char here[96], there[96];
        printf(_("  %s: here %s, there %s\n"), s_dash(s_str(d, "ref")),
               render_state(s_str(d, "here"), here, sizeof here),
               render_state(s_str(d, "there"), there, sizeof there));
    }
}
