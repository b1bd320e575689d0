/*
 * complete.h - `rectctl --complete WORD...`, what bash completion offers
 * (config/bash-completion/rectctl): commands and options from rectctl's own
 * command table, and item refs, users, units, sources and inspections asked
 * from rectd (`directory`, `list`) at completion time.
 */
#ifndef RECTCTL_COMPLETE_H
#define RECTCTL_COMPLETE_H

#include <jansson.h>

#include "cli.h"

/*
 * Ask rectd the read cmd ("directory", "list") with no arguments, as the
 * user and config the completed command line names (g: its -c, --as,
 * --key). 0 and a new reference in *result (caller decrefs), or -1 when
 * rectd cannot be asked (no config, no key, unreachable): completion then
 * offers nothing of rectd's.
 */
typedef int (*cli_complete_ask_fn)(const cli_globals *g, const char *cmd, json_t **result);

/*
 * The candidates for the last of the n words (the words after "rectctl",
 * the last one being completed, maybe ""), one per line on stdout, those
 * that begin with it. A line ":file" or ":dir" alone instead asks the shell
 * to complete file or folder names. Never fails loudly: returns 0.
 */
int cli_complete(int n, char **words, cli_complete_ask_fn ask);

#endif
