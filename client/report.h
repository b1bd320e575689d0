/*
 * report.h - rectctl report: the 整改报告 (the progress report a town sends
 * up about one inspection) in Chinese, as Markdown or a printable A4 page.
 *
 * Every number is rectd's (the `report` result: daemon/cmd_report.c);
 * this file only words them in the register of the town's own report and
 * lays them out. The document is Chinese whatever the terminal's language
 * (like the ledger's labels, a property of the document); the command's
 * help and errors go through gettext.
 */
#ifndef RECTCTL_REPORT_H
#define RECTCTL_REPORT_H

#include <stdio.h>
#include <jansson.h>

#include "cli.h"
#include "rect_cfg.h"

/* The options of `rectctl report` (ending in an entry with name NULL). */
extern const cli_opt cli_report_opts[];

/* report --inspection NAME [--as-of DATE] [--format md|html] [-o FILE]: a session command. */
int cli_report_run(const cli_ctx *ctx, const cli_args *a);

/*
 * Write the `report` result rep (borrowed) as Markdown or as one
 * self-contained HTML page (A4 portrait). cfg gives display names of users
 * and units (may be NULL: identifiers). 0, or -1 when writing failed.
 */
int report_write_md(FILE *out, const json_t *rep, const rect_cfg *cfg);
int report_write_html(FILE *out, const json_t *rep, const rect_cfg *cfg);

/* The table entry, spliced into cli_commands[] in cmds.c. */
/* clang-format off */
#define CLI_REPORT_COMMANDS                                                                            \
    {.name = "report", .flags = CLI_SESSION, .opts = cli_report_opts, .local = cli_report_run,         \
     .usage = N_("--inspection NAME [--as-of DATE] [--format md|html] [-o FILE]"),                     \
     .summary = N_("the progress report (整改报告) of an inspection, every number from the record"),      \
     .help = N_("The report a town sends up: problems fed back and claimed per level and\n"              \
                "source, not claimed and why, 立查立改 and 长期坚持, rectified and struck off\n"           \
                "(销号), on time and late, overdue now with owners and units, extensions,\n"           \
                "督办, consolidation reviews (巩固) and relapses (反弹), self-found items\n"            \
                "(举一反三) and the 审核人 line. rectd counts everything from the event log as\n"        \
                "the ledger does; --as-of gives the record as it stood at the end of DATE.\n"          \
                "The format is --format, else -o's extension (.md .html), else Markdown on\n"          \
                "stdout; --json prints the numbers (the protocol's result).\n"                         \
                "\n"                                                                                   \
                "Example:\n"                                                                           \
                "  rectctl report --inspection 2025-assessment\n"                                       \
                "  rectctl report --inspection 2025-assessment --as-of 2026-12-31 -o 整改报告.html")}
/* clang-format on */

#endif
