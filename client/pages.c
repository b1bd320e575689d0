/*
 * pages.c - listings rectd answers in pages (list, overdue): page after
 * page asked for and printed as it comes, so rectctl holds one page at a
 * time however long the listing; or the one page --limit / --after ask for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "i18n.h"

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
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || end == v || n < 1) {
        cli_error(_("--limit: \"%s\" is not a number of items per page (1 or more)"), v);
        return RECT_EXIT_USAGE;
    }
    if (json_object_set_new(req->args, "limit", json_integer(n))) {
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    return RECT_EXIT_OK;
}

/* v as --json prints it (jansson's two-space indent); caller frees. */
static char *s_dump(const json_t *v)
{
    return json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

/* text with `first` spaces before its first line and `indent` before each one after. */
static void s_indented(const char *text, int first, int indent)
{
    printf("%*s", first, "");
    for (const char *p = text; *p; p++) {
        fputc(*p, stdout);
        if (*p == '\n')
            printf("%*s", indent, "");
    }
}

/*
 * --json over pages: the one object a single page would be (its keys but
 * next, then "items" with every page's items), written element by element.
 * 0, or -1 out of memory.
 */
static int s_json_page(const json_t *result, const cli_page *pg)
{
    const json_t *items = json_object_get(result, "items");
    size_t i;
    const json_t *it;
    if (pg->first) {
        const char *k;
        json_t *v;
        fputs("{\n", stdout);
        json_object_foreach((json_t *)result, k, v) {
            if (strcmp(k, "items") == 0 || strcmp(k, "next") == 0)
                continue;
            json_t *key = json_string(k);
            char *kt = key ? s_dump(key) : NULL, *vt = s_dump(v);
            json_decref(key);
            if (kt && vt) {
                printf("  %s: ", kt);
                s_indented(vt, 0, 2);
                fputs(",\n", stdout);
            }
            int bad = !kt || !vt;
            free(kt);
            free(vt);
            if (bad)
                return -1;
        }
        fputs("  \"items\": [", stdout);
    }
    json_array_foreach(items, i, it) {
        char *t = s_dump(it);
        if (!t)
            return -1;
        fputs(pg->before + i ? ",\n" : "\n", stdout);
        s_indented(t, 4, 4);
        free(t);
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
        else if (s_json_page(page, &pg) != 0) {
            cli_error(_("out of memory"));
            rc = RECT_EXIT_USAGE;
        }
        fflush(stdout);
        pg.before += json_array_size(json_object_get(page, "items"));
        pg.first = 0;
        if (!pg.last && rc == RECT_EXIT_OK) {
            if (json_object_set(args, "after", (json_t *)next)) {
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
        char *text = s_dump(result);
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
