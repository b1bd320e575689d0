/*
 * dir_json.h - rectd's `directory` reply held as a rect_cfg, for the display
 * names of users, units and sources: what rectctl (directory.c) and rectweb
 * (its ledger and case-file downloads) both read it with. Nothing here talks
 * to rectd.
 */
#ifndef RECTCTL_DIR_JSON_H
#define RECTCTL_DIR_JSON_H

#include <jansson.h>

#include "rect_cfg.h"

/*
 * The directory held as cli_dir() holds it, from a `directory` result: only
 * users (name, display, roles; no keys), units, sources, timezone,
 * ledger_reviewer, default_inspection, max_request_kb and max_attachment_mb
 * are set. NULL when out of memory or result is no directory. Caller frees
 * with cfg_destroy.
 */
rect_cfg *cli_dir_from_json(const json_t *result);

#endif
