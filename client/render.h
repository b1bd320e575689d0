/*
 * render.h - rectctl's human output: item tables, item details, event
 * histories and the small pieces they share (display names, state labels,
 * local times). Output only: nothing here talks to rectd.
 *
 * Every function takes a reply's `result` (or a part of it) as received and
 * copes with missing or mistyped fields by printing "-": a reply that passed
 * conn_call's envelope check never crashes the renderer.
 */
#ifndef RECTCTL_RENDER_H
#define RECTCTL_RENDER_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "rect_cfg.h"

/* Columns used when stdout is not a terminal. */
#define RENDER_DEFAULT_WIDTH 120

/*
 * Width for tables: the terminal's column count when stdout is a tty (and
 * the kernel knows it), else $COLUMNS (20-1000), else RENDER_DEFAULT_WIDTH.
 */
int render_term_width(void);

/* --color: auto (a terminal without $NO_COLOR), always, never. */
enum { RENDER_COLOUR_AUTO, RENDER_COLOUR_ALWAYS, RENDER_COLOUR_NEVER };
extern int render_colour_mode;

/* 1 if output to out is coloured under render_colour_mode, else 0. */
int render_colour(FILE *out);

/* 1 if stderr is a terminal and a progress bar may be drawn there, else 0. */
int render_progress_ok(void);

/*
 * A progress bar on stderr for long work ("ledger 40/120 [=====     ]"),
 * drawn only when render_progress_ok(): done of total, what is a short
 * label. done == total clears the line. Nothing when total < 1.
 */
void render_progress(const char *what, long done, long total);

/* Clear a progress bar drawn on stderr, if any (before a message there). */
void render_progress_clear(void);

/*
 * A user's display name from the config, or name itself if it is not
 * configured; "-" for NULL. The result lives as long as cfg or name.
 */
const char *render_user(const rect_cfg *cfg, const char *name);

/* A unit's configured name, or id itself; "-" for NULL. Lifetime as above. */
const char *render_unit(const rect_cfg *cfg, const char *id);

/* A source's configured name, or id itself; "-" for NULL. Lifetime as above. */
const char *render_source(const rect_cfg *cfg, const char *id);

/*
 * A state for people: its label in the user's language (整改中; the one
 * set of common/refusal.c), or the identifier itself in English. Writes
 * into buf (always NUL-terminated) and returns buf.
 */
const char *render_state(const char *state, char *buf, size_t len);

/* The translated label of a kind identifier ("immediate" / "long-term"),
 * or the identifier itself when unknown; "-" for NULL. Static lifetime. */
const char *render_kind(const char *kind);

/*
 * The integer at key in obj as decimal text, or "-" when it is missing or
 * not an integer. Writes into buf and returns buf.
 */
const char *render_int(const json_t *obj, const char *key, char *buf, size_t len);

/* The translated label of an event action ("evidence" → 提交佐证材料), or the
 * identifier itself when unknown; "-" for NULL. Static lifetime. */
const char *render_action(const char *action);

/*
 * "item 3 (GJ-03)" for an item object, translated. Writes into buf and
 * returns buf.
 */
const char *render_item_name(const json_t *item, char *buf, size_t len);

/*
 * A UTC instant "YYYY-MM-DDTHH:MM:SSZ" as "YYYY-MM-DD HH:MM" in zone (NULL
 * means UTC); the raw text if it does not parse, "-" for NULL.
 * Writes into buf and returns buf.
 */
const char *render_instant(const char *utc, const char *zone, char *buf, size_t len);

/*
 * The result of `list` ({"items": [...]}) as a table of `width` columns
 * (ID, REF, STATE, KIND, SOURCE, OWNER, DEADLINE, TITLE, the title taking
 * what is left), then "N items".
 */
void render_list(FILE *out, const rect_cfg *cfg, const json_t *result, int width);

/*
 * The same table a page at a time (rectctl list without --limit): the
 * layout, from the rows of the first page, fixes the columns of every page
 * after it (a longer cell is cut with "…").
 */
#define RENDER_LIST_COLS 16
typedef struct {
    int w[RENDER_LIST_COLS];    /* each column's width */
    int hide[RENDER_LIST_COLS]; /* 1: left out on a narrow terminal */
} render_list_layout;
/*
 * Choose the layout from items (the first page, not empty) for `width`
 * columns and print the header; more: pages follow (the ID column takes
 * its widest, as their ids may be longer).
 */
void render_list_head(FILE *out, const rect_cfg *cfg, const json_t *items, int width, int more,
                      render_list_layout *lay);
/* Print items as rows of lay's table. */
void render_list_rows(FILE *out, const rect_cfg *cfg, const json_t *items, const render_list_layout *lay);
/* The last line: "N items". */
void render_list_count(FILE *out, size_t n);

/* The result of `show`: labelled item fields, then the evidence entries. */
void render_show(FILE *out, const rect_cfg *cfg, const json_t *result);

/* The result of `history`: one block per event, with changes and comment. */
void render_history(FILE *out, const rect_cfg *cfg, const json_t *result);

/* The result of `directory`: users (name, display name, roles), units, sources, inspections. */
void render_directory(FILE *out, const json_t *result);

/* The result of `ping`: server, version, acting user, today and counts. */
void render_ping(FILE *out, const char *endpoint, const json_t *result);

#endif
