/*
 * cmds_ledger.h - rectctl's commands of the closeout ledger (issue 4):
 * inspection add/list, ledger, ledger check, stats, audit verify/reuse,
 * reconcile. The table entries live in cmds.c's one table
 * (CLI_LEDGER_COMMANDS); the options and hooks they name live in
 * cmds_ledger.c.
 *
 * Hooks follow cli.h: build hooks print their own message and return an
 * exit code; print hooks print a successful result; session hooks
 * (CLI_SESSION) make their own requests and return the exit code.
 */
#ifndef RECTCTL_CMDS_LEDGER_H
#define RECTCTL_CMDS_LEDGER_H

#include "cli.h"

/* Options of each command (arrays ending in an entry with name NULL). */
extern const cli_opt cli_inspection_add_opts[];
extern const cli_opt cli_inspection_edit_opts[];
extern const cli_opt cli_ledger_opts[];
extern const cli_opt cli_stats_opts[];
extern const cli_opt cli_reconcile_opts[];
extern const cli_opt cli_no_ledger_opts[];
extern const cli_opt cli_ledger_check_opts[];
extern const cli_opt cli_audit_verify_opts[];
extern const cli_opt cli_audit_anchor_opts[];

/* inspection add: --fed-back into args.fed_back. */
int cli_inspection_add_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_inspection_add_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
/* inspection edit: corrects title or fed-back counts (--fed-back into args.fed_back). */
int cli_inspection_edit_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_inspection_edit_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);
/* inspection list: a table of inspections. */
void cli_inspection_list_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* ledger: the document in one of five formats, to stdout or -o FILE. */
int cli_ledger_run(const cli_ctx *ctx, const cli_args *a);
/* ledger check FILE.json: compare a saved JSON ledger with the record; with
 * --key, check its signature offline instead (ledger_verify.c). */
int cli_ledger_check_run(const cli_ctx *ctx, const cli_args *a);

/* stats: a table; rectd checks --by. */
void cli_stats_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* audit verify [--anchor FILE]: exit 3 when the record is not intact (also with --json). */
int cli_audit_verify_run(const cli_ctx *ctx, const cli_args *a);
/* audit anchor [-o FILE]: the signed chain head, as JSON. */
int cli_audit_anchor_run(const cli_ctx *ctx, const cli_args *a);
/* audit reuse: files filed on several items. */
void cli_audit_reuse_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* reconcile FILE.csv: the file as frame 2; what differs. */
int cli_reconcile_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_reconcile_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* The table entries, spliced into cli_commands[] in cmds.c. */
/* clang-format off */
#define CLI_LEDGER_COMMANDS                                                                               \
    {.name = "inspection add", .verb = RECT_VERB_INSPECTION_ADD, .pos = N_("NAME"),                       \
     .pos_arg = CLI_ARG(INSPECTION_ADD, name), .opts = cli_inspection_add_opts,                           \
     .build = cli_inspection_add_build, .print = cli_inspection_add_print,                                \
     .usage = N_("NAME --title TEXT [--fed-back SOURCE=N,...]"),                                          \
     .summary = N_("record an inspection (考核评估) and how many problems each level fed back"),              \
     .help = N_("The claimed counts come from the items imported with --inspection NAME.\n"               \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl inspection add 2025-assessment --title \"2025年考核评估反馈问题\" \\\n"                 \
                "      --fed-back national=25,region=5,county=5")},                                       \
    {.name = "inspection edit", .verb = RECT_VERB_INSPECTION_UPDATE, .pos = N_("NAME"),                   \
     .pos_arg = CLI_ARG(INSPECTION_UPDATE, name), .opts = cli_inspection_edit_opts,                       \
     .build = cli_inspection_edit_build, .print = cli_inspection_edit_print,                              \
     .usage = N_("NAME [--title TEXT] [--fed-back SOURCE=N,...] [--note TEXT] (admin)"),                  \
     .summary = N_("correct an inspection's title or fed-back counts"),                                   \
     .help = N_("The correction is an event in the record: ledgers as of an earlier date\n"               \
                "still show what was recorded then.\n"                                                    \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl inspection edit 2025-assessment --fed-back national=25,region=5,county=4 \\\n" \
                "      --note \"县级反馈数核对更正\"")},                                                           \
    {.name = "inspection list", .verb = RECT_VERB_INSPECTION_LIST, .opts = cli_no_ledger_opts,            \
     .print = cli_inspection_list_print,                                                                  \
     .usage = "",                                                                                         \
     .summary = N_("list the inspections: fed back and claimed"),                                         \
     .help = N_("Example:\n  rectctl inspection list")},                                                  \
    {.name = "ledger", .flags = CLI_SESSION, .opts = cli_ledger_opts, .local = cli_ledger_run,            \
     .usage = N_("[--inspection NAME] [--as-of DATE] [--format xlsx|csv|json|md|html] [-o FILE]\n"        \
                 "       [--lang zh|en] [--columns LIST]"),                                               \
     .summary = N_("the closeout ledger (销号台账): Excel, CSV, JSON, Markdown or a printable page"),         \
     .help = N_("One row per item, a heading (fed back vs claimed, kinds, closed, overdue), and a\n"      \
                "footer (made when and by whom, the chain head, the reviewer's sign-off line).\n"         \
                "The format is --format, else -o's extension (.xlsx .csv .json .md .html), else\n"        \
                "Markdown on stdout; xlsx needs -o. --as-of rebuilds the ledger as the\n"                 \
                "record stood at the end of that date. Labels are Chinese unless --lang en;\n"            \
                "JSON is the protocol's result unchanged.\n"                                              \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl ledger -o 台账.xlsx\n"                                                           \
                "  rectctl ledger --inspection 2025-assessment --format html -o ledger.html\n"            \
                "  rectctl ledger --as-of 2026-12-31 --format csv --lang en > ledger.csv")},              \
    {.name = "ledger check", .flags = CLI_SESSION | CLI_OFFLINE_KEY, .pos = N_("FILE"),                   \
     .pos_min = 1, .opts = cli_ledger_check_opts, .local = cli_ledger_check_run,                          \
     .usage = N_("FILE.json [--key rectd-sign.pub]"),                                                     \
     .summary = N_("check a saved JSON ledger: against the record, or offline against rectd's key"),      \
     .help = N_("Without --key: sends the file to rectd, which rebuilds the record at the file's\n"      \
                "chain position (its seq; its as_of date must reach it), compares every field\n"         \
                "except generated_at, generated_by and the signature, and runs audit verify.\n"          \
                "Prints ok, or each difference (field, the file's value, the record's) and exits 3.\n"   \
                "\n"                                                                                      \
                "With --key FILE.pub (rectd's public key, kept by the county): needs no config\n"         \
                "and no rectd. Checks rectd's signature on the file and recomputes every row and\n"       \
                "field it signs; prints ok, or every row and field changed since, and exits 3.\n"         \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl ledger --format json -o ledger.json\n"                                         \
                "  rectctl ledger check ledger.json\n"                                                    \
                "  rectctl ledger check ledger.json --key rectd-sign.pub")},                              \
    {.name = "stats", .verb = RECT_VERB_STATS, .opts = cli_stats_opts, .print = cli_stats_print,          \
     .usage = N_("[--inspection NAME] [--by unit|owner|leader|source|kind]"),                             \
     .summary = N_("statistics: states, lights, on-time closure, days to close"),                         \
     .help = N_("Counts per state and light, closed on time, median and longest days to close,\n"         \
                "rejections and relapses; with --by, one line per group.\n"                               \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl stats --by unit")},                                                            \
    {.name = "audit verify", .flags = CLI_SESSION, .opts = cli_audit_verify_opts,                         \
     .local = cli_audit_verify_run,                                                                       \
     .usage = N_("[--anchor FILE]"),                                                                      \
     .summary = N_("re-walk the hash chain and the indexes; exit 3 if broken"),                           \
     .help = N_("Prints \"ok, N events, head H\", or the first sequence number where the chain\n"         \
                "breaks (or the index that disagrees with the items) and exits 3.\n"                      \
                "With --anchor FILE (from 'rectctl audit anchor', kept off this machine) it also\n"       \
                "proves that the record still extends that anchor: a history rewritten with\n"            \
                "correct hashes, a rolled-back or a truncated database fails, naming the seq.\n"          \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl audit verify\n"                                                                \
                "  rectctl audit verify --anchor anchor-2026-12.json")},                                  \
    {.name = "audit anchor", .flags = CLI_SESSION, .opts = cli_audit_anchor_opts,                         \
     .local = cli_audit_anchor_run,                                                                       \
     .usage = N_("[-o FILE]"),                                                                            \
     .summary = N_("the chain head signed by rectd, for the county to keep"),                             \
     .help = N_("Writes the anchor (seq, hash, time, rectd's public key and signature) as JSON.\n"        \
                "Keep it off this machine; later 'rectctl audit verify --anchor FILE' shows\n"            \
                "whether the record still extends it.\n"                                                  \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl audit anchor -o anchor-2026-12.json")},                                        \
    {.name = "audit reuse", .verb = RECT_VERB_AUDIT_REUSE, .opts = cli_no_ledger_opts,                    \
     .print = cli_audit_reuse_print,                                                                      \
     .usage = "",                                                                                         \
     .summary = N_("evidence files (same SHA-256) filed on more than one item"),                          \
     .help = N_("The fake-closeout pattern (纸面销号): one photo filed for different problems.\n"             \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl audit reuse")},                                                                \
    {.name = "reconcile", .verb = RECT_VERB_RECONCILE, .pos = N_("FILE"), .pos_min = 1,                   \
     .opts = cli_reconcile_opts, .build = cli_reconcile_build, .print = cli_reconcile_print,              \
     .usage = N_("FILE.csv [--inspection NAME]"),                                                         \
     .summary = N_("reconcile (对账) against the county's list; changes nothing"),                          \
     .help = N_("FILE is a CSV in the import format with refs (编号) and optionally states (状态).\n"         \
                "Reports refs missing on either side and items whose state differs.\n"                    \
                "\n"                                                                                      \
                "Example:\n"                                                                              \
                "  rectctl reconcile county-list.csv --inspection 2025-assessment")}
/* clang-format on */

#endif
