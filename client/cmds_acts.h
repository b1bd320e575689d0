/*
 * cmds_acts.h - rectctl's commands for acts of people on the record
 * (cmds_acts.c): `ledger sign` (the 审核人's sign-off), `urge` (督办) and
 * `reply`, `acknowledge` (签收). CLI_ACTS_COMMANDS goes into the table in
 * cmds.c.
 */
#ifndef RECTCTL_CMDS_ACTS_H
#define RECTCTL_CMDS_ACTS_H

#include "cli.h"
#include "i18n.h"

extern const cli_opt cli_acts_sign_opts[];
extern const cli_opt cli_acts_urge_opts[];
extern const cli_opt cli_acts_reply_opts[];
extern const cli_opt cli_acts_ack_opts[];

void cli_acts_sign_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
void cli_acts_urge_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
void cli_acts_reply_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
void cli_acts_ack_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* clang-format off */
#define CLI_ACTS_COMMANDS                                                                                  \
    {.name = "ledger sign", .verb = RECT_VERB_LEDGER_SIGN, .opts = cli_acts_sign_opts,                   \
     .print = cli_acts_sign_print,                                                                        \
     .usage = N_("--inspection NAME [--note TEXT] [--head HASH]"),                                        \
     .summary = N_("sign off an inspection's ledger (审核人签字): the reviewer or an admin"),             \
     .help = N_("Records the sign-off as an event naming the chain head it covers. Ledgers made\n"       \
                "after it show the 审核人, the time and the head, and say when the inspection's\n"      \
                "record has changed since. Signing again supersedes the earlier sign-off. With\n"        \
                "--head (the head.hash of the ledger you checked) rectd refuses if the record\n"         \
                "has moved on since.\n"                                                                  \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl ledger sign --inspection 2025-assessment --note \"已审核\"")},                 \
    {.name = "urge", .verb = RECT_VERB_URGE, .pos = N_("ID"), .pos_arg = CLI_ARG(URGE, item),           \
     .opts = cli_acts_urge_opts, .print = cli_acts_urge_print,                                            \
     .usage = N_("ID --note TEXT [--reply-by DATE]"),                                                     \
     .summary = N_("urge an item on (督办): its leader or an admin"),                                      \
     .help = N_("Tells the owner and the leader at once, and counts in 督办次数 with rectd's own\n"      \
                "escalations. The owner answers with rectctl reply or new evidence.\n"                  \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl urge GJ-03 --note \"请本周内完成入户核查\" --reply-by 2026-12-05")},             \
    {.name = "reply", .verb = RECT_VERB_REPLY, .pos = N_("ID"), .pos_arg = CLI_ARG(REPLY, item),        \
     .opts = cli_acts_reply_opts, .print = cli_acts_reply_print,                                          \
     .usage = N_("ID --note TEXT"),                                                                       \
     .summary = N_("answer an urge (督办回复): the item's owner"),                                          \
     .help = N_("Answers every open urge of the item. Filing evidence answers them too.\n"               \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl reply GJ-03 --note \"已完成12户核查,余下3户本周完成\"")},                       \
    {.name = "acknowledge", .verb = RECT_VERB_ACKNOWLEDGE, .pos = N_("ID"),                              \
     .pos_arg = CLI_ARG(ACKNOWLEDGE, item), .opts = cli_acts_ack_opts, .print = cli_acts_ack_print,       \
     .usage = N_("ID [--note TEXT]"),                                                                     \
     .summary = N_("acknowledge an assignment (签收): the item's owner"),                                  \
     .help = N_("Once per assignment; a new assignment waits for its own. Shown by show and in\n"        \
                "the ledger (签收时间).\n"                                                                \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl acknowledge GJ-03")}
/* clang-format on */

#endif
