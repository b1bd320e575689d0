/*
 * cmds_notify.h - rectctl's notification commands (cmds_notify.c): the
 * options, hooks and printers that the table in cmds.c names for `inbox`,
 * `ack`, `watch` and `notify run`.
 */
#ifndef RECTCTL_CMDS_NOTIFY_H
#define RECTCTL_CMDS_NOTIFY_H

#include "cli.h"

extern const cli_opt cli_nt_inbox_opts[];
extern const cli_opt cli_nt_no_opts[];
extern const cli_opt cli_nt_run_opts[];
extern const cli_opt cli_nt_watch_opts[];

/* inbox: one page's notices with their text (cli_cmd.page). */
void cli_nt_inbox_page(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg);

/* ack: the positional notice number becomes args.id. Exit code as cli_cmd.build. */
int cli_nt_ack_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_nt_ack_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* notify run: prints ran or already done. */
void cli_nt_run_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/*
 * watch (a session command): subscribe to the acting user's notices on
 * rectd's PUB socket, replay from the outbox after --since, print until
 * SIGINT/SIGTERM (exit 0). With --json one notice per line.
 */
int cli_nt_watch_run(const cli_ctx *ctx, const cli_args *a);

#endif
