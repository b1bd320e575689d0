/*
 * cfg_json.h - the config in force as JSON: the whole of it for
 * `rectd --check --json`, and the part a client shows for `directory`.
 *
 * Neither ever carries a secret: keys appear as public keys or as the
 * paths of their files.
 */
#ifndef RECT_CFG_JSON_H
#define RECT_CFG_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "rect_cfg.h"

/*
 * The effective settings, grouped as in rectd.conf (daemon, calendar,
 * notify, consolidation, workflow, ledger, sources, units, users, client)
 * with every default filled in and every path absolute; server_public_key
 * is rectd's CURVE public key (NULL: not made yet). A new reference
 * (caller decrefs), NULL when out of memory.
 */
json_t *cfg_json_effective(const rect_cfg *cfg, const char *server_public_key);

/*
 * What a client needs for display and completion: users (name, display,
 * roles; no keys), units, sources, kinds, states, the time zone, the
 * reviewer, the default inspection and the request limits. A new
 * reference (caller decrefs), NULL when out of memory.
 */
json_t *cfg_json_directory(const rect_cfg *cfg);

/*
 * The effective settings (cfg_json_effective's JSON) as plain text on out,
 * for `rectd --check`: one "group.setting = value" line each, strings in
 * double quotes as in rectd.conf, "(not set)" for an unset one, an array of
 * strings on one line, the entries of a list as "users[0].name = ...".
 * Returns 0, or -1 when out of memory.
 */
int cfg_json_print_text(FILE *out, const json_t *effective);

#endif
