/*
 * directory.h - what rectctl shows users, units and sources by: rectd's
 * `directory` reply, asked at most once per invocation and only when a
 * command needs it (lazily). rectctl never reads rectd.conf for them.
 */
#ifndef RECTCTL_DIRECTORY_H
#define RECTCTL_DIRECTORY_H

#include <jansson.h>
#include <stdint.h>

#include "cli.h"
#include "dir_json.h"
#include "rect_cfg.h"

/*
 * rectd's directory for ctx's user, asked on the first call and kept for
 * the rest of the invocation. It is held in a rect_cfg in which only users
 * (name, display, roles; no keys), units, sources, timezone,
 * ledger_reviewer, default_inspection, max_request_kb and
 * max_attachment_mb are set, so that cfg.c's lookups (cfg_user_find,
 * cfg_unit_find...) serve it. NULL after a message on stderr when rectd
 * could not be asked, or without a config (an offline command), when the
 * caller shows ids as they are. Lives until
 * cli_dir_free().
 */
const rect_cfg *cli_dir(const cli_ctx *ctx);

/* rectd's calendar.timezone from the directory (asked if need be), NULL without it. */
const char *cli_dir_zone(const cli_ctx *ctx);

/* The exit code of asking the directory (RECT_EXIT_OK before it was asked). */
int cli_dir_status(void);

/* The directory if it has been asked already, else NULL (never asks). */
const rect_cfg *cli_dir_cached(void);

/* cli_dir_from_json: dir_json.h (rectweb reads the directory with it too). */

/*
 * The largest file rectd takes as one attachment, in bytes (its
 * daemon.max_attachment_mb, from the directory); with no config loaded
 * (an offline command) or no directory, the setting's upper bound.
 */
uint64_t cli_attach_limit(const cli_ctx *ctx);

/* Forget the directory (at exit). */
void cli_dir_free(void);

#endif
