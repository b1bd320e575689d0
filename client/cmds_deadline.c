/*
 * cmds_deadline.c - rectctl overdue, extend, review (issue 3: deadlines).
 * The table entries are in cmds.c; the light column of `list` and the
 * deadline fields of `show` are drawn by render.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmds_deadline.h"
#include "directory.h"
#include "i18n.h"
#include "render.h"
#include "rect_text.h"

static const char *s_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static const char *s_opt(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int i = cli_opt_index(cmd, name);
    return i >= 0 ? a->val[i] : NULL;
}

/* ---- overdue ------------------------------------------------------------ */

/* clang-format off */
const cli_opt cli_dl_overdue_opts[] = {
    {.name = "as-of", .arg = CLI_ARG(OVERDUE, as_of), .metavar = NC_("placeholder", "DATE"),
     .help = N_("judge as of this date (default: today in the zone)")},
    {.name = "owner", .arg = CLI_ARG(OVERDUE, owner), .metavar = NC_("placeholder", "USER"),
     .help = N_("items of this owner")},
    {.name = "unit", .arg = CLI_ARG(OVERDUE, unit), .metavar = NC_("placeholder", "UNIT"),
     .help = N_("items of this unit")},
    {.name = "leader", .arg = CLI_ARG(OVERDUE, leader), .metavar = NC_("placeholder", "USER"),
     .help = N_("items under this leader")},
    {.name = "limit", .arg = CLI_ARG(OVERDUE, limit), .metavar = NC_("placeholder", "N"),
     .help = N_("one page of at most N items (up to 10000); where the next begins goes to stderr")},
    {.name = "after", .arg = CLI_ARG(OVERDUE, after), .metavar = NC_("placeholder", "CURSOR"),
     .help = N_("the page that follows CURSOR, where the page before said the next begins")},
    {.name = NULL},
};
/* clang-format on */

/* Print s cut to width columns, padded unless last; nothing for a column left out (width < 0). */
static void s_cell(const char *s, int width, int right, int last)
{
    if (width < 0)
        return;
    char buf[512];
    int w = text_fit(s ? s : "-", width, buf, sizeof buf);
    if (right)
        printf("%*s", width - w, "");
    fputs(buf, stdout);
    if (!right && !last)
        printf("%*s", width - w, "");
    if (!last)
        fputs("  ", stdout);
}

enum { K_ID, K_REF, K_DAYS, K_DEADLINE, K_OWNER, K_UNIT, K_TITLE, K_COUNT };

/* The cells of one row; the numbers live in num. */
static void s_overdue_cells(const cli_ctx *ctx, const json_t *it, const char *cells[K_COUNT], char num[2][32])
{
    cells[K_ID] = render_int(it, "id", num[0], sizeof num[0]);
    cells[K_REF] = s_str(it, "ref");
    cells[K_DAYS] = render_int(it, "days_overdue", num[1], sizeof num[1]);
    cells[K_DEADLINE] = s_str(it, "deadline");
    cells[K_OWNER] = render_user(cli_dir(ctx), s_str(it, "owner"));
    cells[K_UNIT] = render_unit(cli_dir(ctx), s_str(it, "unit"));
    cells[K_TITLE] = s_str(it, "title");
}

/* The columns from the rows of the first page, and the header. */
static void s_overdue_head(const cli_ctx *ctx, const json_t *items, int more,
                           const char *const heads[K_COUNT], int *w)
{
    static const int caps[K_COUNT] = {8, 16, 12, 10, 14, 24, 0};
    char num[2][32];
    const char *cells[K_COUNT];
    size_t i;
    const json_t *it;
    for (int k = 0; k < K_COUNT; k++)
        w[k] = text_width(heads[k]);
    json_array_foreach(items, i, it) {
        s_overdue_cells(ctx, it, cells, num);
        for (int k = 0; k < K_TITLE; k++) {
            int cw = text_width(cells[k] ? cells[k] : "-");
            if (cw > w[k])
                w[k] = cw < caps[k] || caps[k] < text_width(heads[k]) ? cw : caps[k];
        }
    }
    if (more && w[K_ID] < caps[K_ID]) /* pages follow: room for any id */
        w[K_ID] = caps[K_ID];
    int used = 0, width = render_term_width();
    for (int k = 0; k < K_TITLE; k++)
        used += w[k] + 2;
    /* On a narrow terminal leave out the least telling columns, so that every line fits. */
    static const int drop[] = {K_UNIT, K_DEADLINE, K_OWNER};
    for (size_t j = 0; j < sizeof drop / sizeof drop[0] && width - used < 16; j++) {
        used -= w[drop[j]] + 2;
        w[drop[j]] = -1;
    }
    w[K_TITLE] = width - used < 8 ? 8 : width - used;
    for (int k = 0; k < K_COUNT; k++)
        s_cell(heads[k], w[k], k == K_ID || k == K_DAYS, k == K_TITLE);
    fputc('\n', stdout);
}

void cli_dl_overdue_page(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg)
{
    const json_t *items = json_object_get(result, "items");
    size_t n = json_array_size(items), i;
    const json_t *it;
    const char *heads[K_COUNT] = {_("ID"),    _("REF"),  _("DAYS OVERDUE"), _("DEADLINE"),
                                  _("OWNER"), _("UNIT"), _("TITLE")};
    int *w = pg->cols.w;
    char num[2][32];
    const char *cells[K_COUNT];
    _Static_assert(K_COUNT <= RENDER_LIST_COLS, "the page's layout has room for every column");
    if (pg->before == 0 && n > 0)
        s_overdue_head(ctx, items, !pg->last, heads, w);
    json_array_foreach(items, i, it) {
        s_overdue_cells(ctx, it, cells, num);
        for (int k = 0; k < K_COUNT; k++)
            s_cell(cells[k], w[k], k == K_ID || k == K_DAYS, k == K_TITLE);
        fputc('\n', stdout);
    }
    if (pg->last)
        printf(ngettext("%zu overdue item as of %s\n", "%zu overdue items as of %s\n", pg->before + n),
               pg->before + n, s_str(result, "as_of") ? s_str(result, "as_of") : "-");
}

/* ---- extend ------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_dl_extend_opts[] = {
    {.name = "deadline", .arg = CLI_ARG(EXTEND, deadline), .metavar = NC_("placeholder", "DATE"),
     .help = N_("ask for this later deadline (延期申请)")},
    {.name = "reason", .arg = CLI_ARG(EXTEND, reason), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why more time is needed (with --deadline)")},
    {.name = "approve", .help = N_("approve the pending request: the deadline moves")},
    {.name = "deny", .help = N_("deny the pending request: the deadline stays")},
    {.name = "note", .arg = CLI_ARG(DECIDE_EXTENSION, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("a comment on the decision (with --approve or --deny)")},
    {.name = NULL},
};
/* clang-format on */

rect_verb_id cli_dl_extend_pick(const cli_cmd *cmd, const cli_args *a)
{
    int approve = s_opt(cmd, a, "approve") != NULL, deny = s_opt(cmd, a, "deny") != NULL;
    int ask = s_opt(cmd, a, "deadline") || s_opt(cmd, a, "reason");
    if (approve + deny + (ask ? 1 : 0) != 1) {
        cli_error(
            _("extend: give either --deadline DATE --reason TEXT (ask), or --approve or --deny (decide)"));
        return RECT_VERB_NONE;
    }
    if (ask && s_opt(cmd, a, "note")) {
        cli_error(_("extend: --note goes with --approve or --deny; a request takes --reason"));
        return RECT_VERB_NONE;
    }
    return ask ? RECT_VERB_EXTEND : RECT_VERB_DECIDE_EXTENSION;
}

int cli_dl_extend_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    if (a->verb == RECT_VERB_DECIDE_EXTENSION)
        json_object_set_new(req->args, "decision",
                            json_string(s_opt(cmd, a, "approve") ? "approve" : "deny"));
    return RECT_EXIT_OK;
}

void cli_dl_extend_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *item = json_object_get(result, "item");
    const json_t *pending = json_object_get(item, "extension");
    char name[160];
    render_item_name(item, name, sizeof name);
    const cli_cmd *cmd = cli_command_find("extend");
    if (json_is_object(pending))
        printf(_("%s: extension to %s requested; it waits for a leader or admin\n"), name,
               s_str(pending, "deadline"));
    else if (cmd && s_opt(cmd, a, "deny"))
        printf(_("%s: extension denied; the deadline stays %s\n"), name,
               s_str(item, "deadline") ? s_str(item, "deadline") : "-");
    else
        printf(_("%s: deadline %s (original %s), %lld extension(s) approved\n"), name,
               s_str(item, "deadline") ? s_str(item, "deadline") : "-",
               s_str(item, "original_deadline") ? s_str(item, "original_deadline") : "-",
               (long long)json_integer_value(json_object_get(item, "extensions")));
}

/* ---- review ------------------------------------------------------------- */

/* clang-format off */
const cli_opt cli_dl_review_opts[] = {
    {.name = "note", .arg = CLI_ARG(REVIEW, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("what the review found")},
    {.name = "file", .arg = CLI_ARG(REVIEW, files), .flags = CLI_MULTI,
     .metavar = NC_("placeholder", "PATH"),
     .help = N_("attach a file (repeatable)")},
    {.name = "relapse", .arg = CLI_ARG(REVIEW, relapse),
     .help = N_("the problem is back (反弹): reopen the item")},
    {.name = "deadline", .arg = CLI_ARG(REVIEW, deadline), .metavar = NC_("placeholder", "DATE"),
     .help = N_("with --relapse: the deadline of the renewed rectification (else the old one stays)")},
    {.name = NULL},
};
/* clang-format on */

void cli_dl_review_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const json_t *item = json_object_get(result, "item");
    char name[160];
    render_item_name(item, name, sizeof name);
    if (s_str(item, "next_review"))
        printf(_("%s: review recorded; the next one is due %s\n"), name, s_str(item, "next_review"));
    else
        printf(_("%s relapsed (反弹) and is rectifying again, deadline %s (%lld relapse(s) so far)\n"), name,
               s_str(item, "deadline") ? s_str(item, "deadline") : "-",
               (long long)json_integer_value(json_object_get(item, "relapses")));
}
