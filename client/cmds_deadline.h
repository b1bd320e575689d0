/*
 * cmds_deadline.h - rectctl's deadline commands (cmds_deadline.c): the
 * options, hooks and printers that the table in cmds.c names for
 * `overdue`, `extend` and `review`, and the list options of issue 3.
 */
#ifndef RECTCTL_CMDS_DEADLINE_H
#define RECTCTL_CMDS_DEADLINE_H

#include "cli.h"

extern const cli_opt cli_dl_overdue_opts[];
extern const cli_opt cli_dl_extend_opts[];
extern const cli_opt cli_dl_review_opts[];

/* overdue: a table of red items, most overdue first, one page of it (as cli_cmd.page). */
void cli_dl_overdue_page(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg);

/* extend: --deadline/--reason asks (wire "extend"); --approve/--deny decides
 * (wire "decide_extension"): the pick hook chooses, from the command line
 * alone, and the build hook adds the decision. As cli_cmd.pick and .build. */
rect_verb_id cli_dl_extend_pick(const cli_cmd *cmd, const cli_args *a);
int cli_dl_extend_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req);
void cli_dl_extend_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

/* review: note, files (built like evidence's), --relapse. */
void cli_dl_review_print(const cli_ctx *ctx, const cli_args *a, const json_t *result);

#endif
