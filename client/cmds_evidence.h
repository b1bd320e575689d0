/*
 * cmds_evidence.h - rectctl's `evidence get` and `dossier` (cmds_evidence.c):
 * the options and session hooks the table in cmds.c names. Both talk to
 * rectd themselves (several requests: history or dossier, then blob_get per
 * chunk of each file) and return an exit code.
 */
#ifndef RECTCTL_CMDS_EVIDENCE_H
#define RECTCTL_CMDS_EVIDENCE_H

#include "cli.h"

extern const cli_opt cli_ev_get_opts[];
extern const cli_opt cli_dossier_opts[];

/* evidence get ID [SEQ] [-o DIR] [--force]: the item's files, checked, into DIR. */
int cli_ev_get_run(const cli_ctx *ctx, const cli_args *a);
/* dossier (ID | --inspection NAME) [-o FILE] [--format html|zip]: the case file. */
int cli_dossier_run(const cli_ctx *ctx, const cli_args *a);

/* The table entries, spliced into cli_commands[] in cmds.c. */
/* clang-format off */
#define CLI_EVIDENCE_COMMANDS                                                                     \
    {.name = "evidence get", .flags = CLI_SESSION, .pos = N_("ID"), .pos_min = 1,                \
     .pos2 = N_("SEQ"), .opts = cli_ev_get_opts, .local = cli_ev_get_run,                         \
     .usage = N_("ID [SEQ] [-o DIR] [--force]"),                                                  \
     .summary = N_("write an item's evidence files into a folder, each checked by its SHA-256"),   \
     .help = N_("Writes the files of every evidence and review event of the item (or of event\n"  \
                "SEQ only) by their recorded names into DIR. Each file is checked against its\n"  \
                "SHA-256 before it gets its name, so a damaged or partial file never does.\n"     \
                "A name that is not safe as a file name ('/', a leading '.', control\n"           \
                "characters) is made safe, and said so; names that occur in several events go\n" \
                "into folders seq-N. Existing files are not replaced without --force.\n"          \
                "\n"                                                                              \
                "Example:\n"                                                                      \
                "  rectctl evidence get GJ-03 -o 佐证材料/\n"                                     \
                "  rectctl evidence get GJ-03 12 --force")},                                      \
    {.name = "dossier", .flags = CLI_SESSION, .pos = N_("ID"), .opts = cli_dossier_opts,          \
     .local = cli_dossier_run,                                                                    \
     .usage = N_("(ID | --inspection NAME) [-o FILE] [--format html|zip]"),                      \
     .summary = N_("the case file (整改档案) of an item or an inspection: printable HTML or zip"), \
     .help = N_("One self-contained A4 HTML page: the item's fields, its timeline with who and\n" \
                "when (rectd's time zone), each evidence entry with its photos shown (JPEG,\n"    \
                "PNG) and other files listed with SHA-256 and size, acceptance and 销号,\n"       \
                "consolidation reviews, and the chain head it was made at. --format zip adds\n"   \
                "every file, in a folder per item and event (REF/seq-N/NAME). With --json and\n"  \
                "no -o, prints rectd's dossier answer instead.\n"                                  \
                "\n"                                                                              \
                "Example:\n"                                                                      \
                "  rectctl dossier GJ-03 -o GJ-03-整改档案.html\n"                                \
                "  rectctl dossier --inspection 2025-assessment --format zip -o 整改档案.zip")}
/* clang-format on */
#endif
