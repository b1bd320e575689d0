/*
 * cmds_records.h - rectctl's commands of the records (issue 9):
 * `inspection decline` (problems not claimed, 不认领) and `amend`. The
 * table entries live in cmds.c's one table (CLI_RECORDS_COMMANDS); the
 * options and hooks here. rectd decides everything: these only build the
 * request and print the result.
 */
#ifndef RECTCTL_CMDS_RECORDS_H
#define RECTCTL_CMDS_RECORDS_H

#include "cli.h"

extern const cli_opt cli_decline_opts[];
extern const cli_opt cli_amend_opts[];

/* inspection decline: --withdraw N into args.withdraw (an integer). */
int cli_decline_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_decline_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
void cli_amend_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/*
 * The problems not claimed of an inspection_list entry (its "declined"
 * array), numbered as --withdraw takes them, each with its source and
 * reason, indented by two spaces more than indent. Nothing when none.
 */
void cli_print_declined(const cli_ctx *ctx, const json_t *insp, int indent);

/* clang-format off */
#define CLI_RECORDS_COMMANDS                                                                               \
    {.name = "inspection decline", .verb = RECT_VERB_INSPECTION_DECLINE, .pos = N_("NAME"),                \
     .pos_arg = CLI_ARG(INSPECTION_DECLINE, name), .opts = cli_decline_opts,                               \
     .build = cli_decline_build, .print = cli_decline_print,                                               \
     .usage = N_("NAME --source SOURCE --title TEXT --reason TEXT\n"                                       \
                 "       | NAME --withdraw N --reason TEXT (admin)"),                                      \
     .summary = N_("record a fed-back problem the town did not claim (不认领), with its reason"),           \
     .help = N_("For a source with problems not claimed recorded, rectd derives its fed-back\n"          \
                "count as claimed + not claimed; a count given with inspection add that\n"                 \
                "differs is kept and shown as a mismatch. --withdraw N withdraws the N-th one\n"           \
                "(as inspection list numbers them); it stays in the inspection's history.\n"              \
                "\n"                                                                                       \
                "Example:\n"                                                                               \
                "  rectctl inspection decline 2025-assessment --source national \\\n"                       \
                "      --title \"牧区草场补奖发放不及时\" --reason \"本镇无牧区草场补奖任务\"\n"                    \
                "  rectctl inspection decline 2025-assessment --withdraw 2 --reason \"录入有误\"")},         \
    {.name = "amend", .verb = RECT_VERB_AMEND, .pos = N_("ID"), .pos_arg = CLI_ARG(AMEND, item),          \
     .opts = cli_amend_opts, .print = cli_amend_print,                                                     \
     .usage = N_("ID [--title TEXT] [--description TEXT] [--measures TEXT] --reason TEXT (admin)"),        \
     .summary = N_("correct an item's title, description or measures, with the reason"),                  \
     .help = N_("The correction is an event (old → new, in history); a ledger as of an earlier\n"         \
                "date keeps the old text. Nothing else of an item can be amended.\n"                      \
                "\n"                                                                                       \
                "Example:\n"                                                                               \
                "  rectctl amend GJ-03 --title \"监测户遍访记录不完整\" --reason \"标题错字\"")}
/* clang-format on */

#endif
