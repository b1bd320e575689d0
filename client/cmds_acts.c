/*
 * cmds_acts.c - rectctl's ledger sign, urge, reply and acknowledge (see
 * cmds_acts.h). rectd decides who may and what it means; this prints.
 */
#include "cmds_acts.h"
#include "directory.h"

#include <stdio.h>

#include "render.h"

static const char *s_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* clang-format off */
const cli_opt cli_acts_sign_opts[] = {
    {.name = "inspection", .arg = CLI_ARG(LEDGER_SIGN, inspection), .metavar = NC_("placeholder", "NAME"),
     .help = N_("the inspection whose ledger you sign")},
    {.name = "note", .arg = CLI_ARG(LEDGER_SIGN, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the reviewer's remark, kept with the sign-off")},
    {.name = "head", .arg = CLI_ARG(LEDGER_SIGN, head), .metavar = NC_("placeholder", "HASH"),
     .help = N_("the chain head of the ledger you checked: refused if the record moved on")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_acts_urge_opts[] = {
    {.name = "note", .arg = CLI_ARG(URGE, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("what is asked of the owner (督办内容)")},
    {.name = "reply-by", .arg = CLI_ARG(URGE, reply_by), .metavar = NC_("placeholder", "DATE"),
     .help = N_("the owner answers by this date (not before today)")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_acts_reply_opts[] = {
    {.name = "note", .arg = CLI_ARG(REPLY, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the answer")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_acts_ack_opts[] = {
    {.name = "note", .arg = CLI_ARG(ACKNOWLEDGE, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("a comment for the record")},
    {.name = NULL},
};
/* clang-format on */

void cli_acts_sign_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)a;
    const json_t *so = json_object_get(result, "sign_off"), *head = json_object_get(so, "head");
    char when[64];
    printf(_("inspection %s signed off by %s at %s: it covers the record up to seq %lld (%.12s)\n"),
           s_str(so, "inspection"), s_str(so, "by_display"),
           render_instant(s_str(so, "at"), cli_dir_zone(ctx), when, sizeof when),
           (long long)json_integer_value(json_object_get(head, "seq")), s_str(head, "hash"));
}

void cli_acts_urge_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)a;
    const json_t *item = json_object_get(result, "item");
    char name[256];
    render_item_name(item, name, sizeof name);
    printf(_("%s urged (督办 %lld); %s is told at once\n"), name,
           (long long)json_integer_value(json_object_get(item, "escalations")),
           render_user(cli_dir(ctx), json_string_value(json_object_get(item, "owner"))));
}

void cli_acts_reply_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)ctx;
    (void)a;
    char name[256];
    render_item_name(json_object_get(result, "item"), name, sizeof name);
    printf(_("%s: reply recorded; its open urges are answered\n"), name);
}

void cli_acts_ack_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)a;
    const json_t *item = json_object_get(result, "item");
    char name[256], when[64];
    render_item_name(item, name, sizeof name);
    printf(_("%s: assignment acknowledged (签收) at %s\n"), name,
           render_instant(s_str(item, "acknowledged_at"), cli_dir_zone(ctx), when, sizeof when));
}
