/*
 * cmds_passwd.h - rectctl passwd (cmds_passwd.c): set one's own password
 * for the web page, or (an admin) reset another user's. CLI_PASSWD_COMMANDS
 * goes into the table in cmds.c.
 */
#ifndef RECTCTL_CMDS_PASSWD_H
#define RECTCTL_CMDS_PASSWD_H

#include "cli.h"
#include "i18n.h"

extern const cli_opt cli_passwd_opts[];

int cli_passwd_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_passwd_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* clang-format off */
#define CLI_PASSWD_COMMANDS                                                                                \
    {.name = "passwd", .verb = RECT_VERB_PASSWD, .opts = cli_passwd_opts, .build = cli_passwd_build,     \
     .print = cli_passwd_print,                                                                           \
     .usage = N_("[--name USER]"),                                                                        \
     .summary = N_("set your password for the web page, or (an admin) clear another user's"),             \
     .help = N_("Asks for the new password twice on the terminal (nothing is shown), or reads\n"         \
                "one line from standard input when it is not a terminal. It is never an\n"            \
                "option: a command line can be read by every account on the machine. rectd\n"        \
                "keeps only its argon2id hash, outside the history. An admin's reset\n"              \
                "(--name USER) clears USER's password and never sets one, so no admin can\n"          \
                "log in on the web page as someone else; USER then sets a new one with\n"            \
                "their own key. The reset is an event in the history (naming the user only).\n"      \
                "\n"                                                                                     \
                "Example:\n"                                                                             \
                "  rectctl passwd\n"                                                                     \
                "  rectctl --as admin passwd --name zhanghua")}
/* clang-format on */

#endif
