/*
 * cmds_records.c - rectctl inspection decline and amend (issue 9), and the
 * list of an inspection's problems not claimed. The table entries are in
 * cmds_records.h (CLI_RECORDS_COMMANDS, spliced into cmds.c's table).
 */
#include "cmds_records.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "i18n.h"
#include "rect_text.h"
#include "render.h"

static const char *s_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "-";
}

/* clang-format off */
const cli_opt cli_decline_opts[] = {
    {.name = "source", .arg = CLI_ARG(INSPECTION_DECLINE, source), .metavar = NC_("placeholder", "SOURCE"),
     .help = N_("the level that fed the problem back (source id or name)")},
    {.name = "title", .arg = CLI_ARG(INSPECTION_DECLINE, title), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the problem as fed back, in one line")},
    {.name = "reason", .arg = CLI_ARG(INSPECTION_DECLINE, reason), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why the town did not claim it (or, with --withdraw, why it is withdrawn)")},
    {.name = "withdraw", .arg = CLI_ARG(INSPECTION_DECLINE, withdraw), .metavar = NC_("placeholder", "N"),
     .help = N_("withdraw the N-th problem not claimed (rectctl inspection list numbers them)")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_amend_opts[] = {
    {.name = "title", .arg = CLI_ARG(AMEND, title), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the corrected title")},
    {.name = "description", .arg = CLI_ARG(AMEND, description), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the corrected description")},
    {.name = "measures", .arg = CLI_ARG(AMEND, measures), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the corrected measures")},
    {.name = "reason", .arg = CLI_ARG(AMEND, reason), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why it is corrected (kept with the change)")},
    {.name = NULL},
};
/* clang-format on */

int cli_decline_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    (void)ctx;
    int i = cli_opt_index(cmd, "withdraw");
    const char *v = i >= 0 ? a->val[i] : NULL;
    if (!v)
        return RECT_EXIT_OK;
    long long n;
    if (text_whole(v, 1, &n) != 0) {
        cli_error(_("--withdraw: \"%s\" is not a number of a problem not claimed (rectctl inspection list "
                    "numbers them from 1)"),
                  v);
        return RECT_EXIT_USAGE;
    }
    json_object_set_new(req->args, "withdraw", json_integer(n));
    return RECT_EXIT_OK;
}

void cli_decline_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)a;
    const json_t *insp = json_object_get(result, "inspection");
    const json_t *d = json_object_get(result, "declined");
    const json_t *w = json_object_get(result, "withdrawn");
    if (w)
        printf(_("withdrew a problem not claimed from inspection %s: %s (%s)\n"), s_str(insp, "name"),
               s_str(w, "title"), render_source(cli_dir(ctx), s_str(w, "source")));
    else
        printf(_("recorded as not claimed (不认领) on inspection %s, number %lld: %s (%s)\n"),
               s_str(insp, "name"), (long long)json_integer_value(json_object_get(result, "number")),
               s_str(d, "title"), render_source(cli_dir(ctx), s_str(d, "source")));
}

void cli_amend_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)ctx;
    (void)a;
    char name[256];
    render_item_name(json_object_get(result, "item"), name, sizeof name);
    printf(_("amended %s (rectctl history shows old and new)\n"), name);
}

void cli_print_declined(const cli_ctx *ctx, const json_t *insp, int indent)
{
    const json_t *declined = json_object_get(insp, "declined");
    size_t n = json_array_size(declined);
    if (!n)
        return;
    printf("%*s%s\n", indent, "", _("not claimed (不认领):"));
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(declined, i);
        printf("%*s%zu. %s (%s)\n", indent + 2, "", i + 1, s_str(d, "title"),
               render_source(cli_dir(ctx), s_str(d, "source")));
        printf("%*s%s %s\n", indent + 5, "", _("reason:"), s_str(d, "reason"));
    }
}
