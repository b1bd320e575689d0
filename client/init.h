/*
 * init.h - `rectctl init --from PLAN`: a starter rectd.conf for a town from
 * its own plan (init.c). Local: reads the plan with the shared plan reader
 * (common/plan.c), needs neither a config nor rectd. CLI_INIT_COMMANDS goes
 * into the table in cmds.c.
 */
#ifndef RECTCTL_INIT_H
#define RECTCTL_INIT_H

#include <stddef.h>

#include "cli.h"
#include "i18n.h"
#include "rect_plan.h"

extern const cli_opt cli_init_opts[];
int cli_init_local(const cli_ctx *ctx, const cli_args *a);

/*
 * The config text for a plan already read (sheet), as a new NUL-terminated
 * string (caller frees), with from (the plan's file name) in its header
 * comment; NULL with a message in err when the sheet has no usable header
 * or memory ran out. Exposed for the unit tests.
 */
char *init_config_text(const plan_sheet *sheet, const char *from, char *err, size_t errlen);

/* clang-format off */
#define CLI_INIT_COMMANDS                                                                                  \
    {.name = "init", .opts = cli_init_opts, .local = cli_init_local,                                       \
     .usage = N_("--from PLAN [-o FILE] [--force] [--encoding ENC]"),                                     \
     .summary = N_("write a starter rectd.conf from the town's plan (CSV or .xlsx)"),                      \
     .help = N_("Reads the plan (as import does: CSV in UTF-8 or GB18030, or .xlsx) and writes a\n"       \
                "commented config (Chinese and English) with every source (问题来源), unit\n"             \
                "(责任单位) and person (责任领导 -> leader, 责任人 -> owner) found, each with an id\n"    \
                "and its display name, plus an admin and a verifier to fill in. Where the plan\n"        \
                "writes one person or unit both as an id and as a name (li / 李镇长), the two are\n"    \
                "paired when the rows agree, and pairings it is unsure of are listed as comments\n"     \
                "to confirm. Every user's public_key is keys/NAME.pub: make the keys, then check\n"     \
                "with rectd --check. An existing FILE is kept unless --force.\n"                          \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl init --from examples/plan.csv -o /etc/rectd/rectd.conf")}
/* clang-format on */

#endif
