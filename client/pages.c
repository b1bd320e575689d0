/*
 * pages.c - listings rectd answers in pages (list, overdue, inbox): page after
 * page asked for and printed as it comes, so rectctl holds one page at a
 * time however long the listing; or the one page --limit / --after ask for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"
#include "rect_text.h"

int cli_one_page(const cli_cmd *cmd, const cli_args *a)
{
    int l = cli_opt_index(cmd, "limit"), f = cli_opt_index(cmd, "after");
    return (l >= 0 && a->val[l]) || (f >= 0 && a->val[f]);
}

int cli_page_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    (void)ctx;
    int i = cli_opt_index(cmd, "limit");
    const char *v = i >= 0 ? a->val[i] : NULL;
    if (!v)
        return RECT_EXIT_OK;
    long long n;
    if (text_whole(v, 1, &n) != 0) {
        cli_error(_("--limit: \"%s\" is not a number of items per page (1 or more)"), v);
        return RECT_EXIT_USAGE;
    }
    if (json_object_set_new(req->args, "limit", json_integer(n))) {
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    return RECT_EXIT_OK;
}

#define S_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) /* as --json prints */

/* json_dump_callback's writer: the text to stdout, `*indent` spaces after each newline. */
static int s_write_indented(const char *buf, size_t len, void *data)
{
    static const char spaces[] = "        ";
    const int *indent = data;
    const char *end = buf + len;
    while (buf < end) {
        const char *nl = memchr(buf, '\n', (size_t)(end - buf));
        size_t n = nl ? (size_t)(nl - buf) + 1 : (size_t)(end - buf);
        if (fwrite(buf, 1, n, stdout) != n ||
            (nl && fwrite(spaces, 1, (size_t)*indent, stdout) != (size_t)*indent))
            return -1;
        buf += n;
    }
    return 0;
}

/* v as --json prints it, nested `indent` (at most 8) spaces deep: 0, or -1. */
static int s_dump_at(const json_t *v, int indent)
{
    return json_dump_callback(v, s_write_indented, &indent, S_JSON_FLAGS);
}

/* The array of a page's entries: "items", or what the command names (inbox: "notices"). */
static const char *s_items_key(const cli_cmd *cmd)
{
    return cmd->page_items ? cmd->page_items : "items";
}

/*
 * --json over pages: the one object a single page would be (its keys but
 * next, then the array with every page's entries, under key), written
 * element by element straight from each page. 0, or -1 (out of memory, or
 * stdout failed).
 */
static int s_json_page(const json_t *result, const char *key, const cli_page *pg)
{
    const json_t *items = json_object_get(result, key);
    size_t i;
    const json_t *it;
    if (pg->first) {
        const char *k;
        json_t *v;
        fputs("{\n", stdout);
        json_object_foreach((json_t *)result, k, v) {
            if (strcmp(k, key) == 0 || strcmp(k, "next") == 0)
                continue;
            json_t *name = json_string(k);
            fputs("  ", stdout);
            int bad = !name || s_dump_at(name, 0) != 0 || fputs(": ", stdout) == EOF || s_dump_at(v, 2) != 0;
            json_decref(name);
            if (bad)
                return -1;
            fputs(",\n", stdout);
        }
        json_t *name = json_string(key);
        fputs("  ", stdout);
        int bad = !name || s_dump_at(name, 0) != 0;
        json_decref(name);
        if (bad)
            return -1;
        fputs(": [", stdout);
    }
    json_array_foreach(items, i, it) {
        fputs(pg->before + i ? ",\n    " : "\n    ", stdout);
        if (s_dump_at(it, 4) != 0)
            return -1;
    }
    if (pg->last)
        fputs(pg->before + json_array_size(items) ? "\n  ]\n}\n" : "]\n}\n", stdout);
    return 0;
}

int cli_pages(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, struct conn *conn, json_t *args,
              const json_t *result)
{
    cli_page pg = {.first = 1};
    json_t *page = json_incref((json_t *)result);
    int rc = RECT_EXIT_OK;
    while (page) {
        const json_t *next = json_object_get(page, "next");
        json_t *more = NULL;
        pg.last = !json_is_string(next);
        if (!ctx->g.json)
            cmd->page(ctx, a, page, &pg);
        else if (s_json_page(page, s_items_key(cmd), &pg) != 0) {
            cli_error(_("out of memory, or cannot write the output"));
            rc = RECT_EXIT_USAGE;
        }
        fflush(stdout);
        pg.before += json_array_size(json_object_get(page, s_items_key(cmd)));
        pg.first = 0;
        if (!pg.last && rc == RECT_EXIT_OK) {
            /* Every page as of the first's day (rectd's today when no --as-of), even if the day turns. */
            const json_t *as_of = json_object_get(page, "as_of");
            if (json_object_set(args, "after", (json_t *)next) ||
                (json_is_string(as_of) && !json_object_get(args, "as_of") &&
                 json_object_set(args, "as_of", (json_t *)as_of))) {
                cli_error(_("out of memory"));
                rc = RECT_EXIT_USAGE;
            } else
                rc = cli_call(ctx, conn, rect_verb_of(a->verb)->name, json_incref(args), &more);
        }
        json_decref(page);
        page = more;
    }
    return rc;
}

void cli_page_output(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, const json_t *result)
{
    const char *next = json_string_value(json_object_get(result, "next"));
    if (ctx->g.json) { /* next is in it */
        char *text = json_dumps(result, S_JSON_FLAGS);
        if (text)
            puts(text);
        free(text);
        return;
    }
    cli_page pg = {.first = 1, .last = 1};
    cmd->page(ctx, a, result, &pg);
    if (next)
        fprintf(stderr, _("more: the next page is --after %s\n"), next);
}
