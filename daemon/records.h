/*
 * records.h - derived facts of the records feature (issue 9): fed-back
 * counts where problems not claimed (不认领) are recorded, and the text
 * search of `list --grep`. Pure: no storage, no clock.
 */
#ifndef RECT_RECORDS_H
#define RECT_RECORDS_H

#include <jansson.h>

/*
 * The problems of `declined` (an inspection record's "declined" array, or
 * NULL) that name source id `source`. 0 for NULL.
 */
long records_declined_of(const json_t *declined, const char *source);

/*
 * The one home of the fed-back rule. For a source with problems not claimed
 * (不认领) recorded (declined > 0), the fed-back count is derived: claimed +
 * declined. The count stated with inspection_add/update ("fed_back",
 * stated: an integer, or NULL/null when none was given) stays as given and
 * is never overwritten; when both exist and differ, the mismatch is
 * flagged, never resolved by picking one. A source without recorded
 * declines keeps its stated count (records_fed_back_count, which the
 * 整改报告 uses too).
 *
 * Adds to obj (a per-source object that already holds "fed_back" as stated
 * and "claimed"), only when declined > 0: "declined", "fed_back_derived"
 * (claimed + declined) and "fed_back_mismatch" (true when stated is an
 * integer other than fed_back_derived). Returns 0 or RECT_E_NOMEM.
 */
int records_fed_back(json_t *obj, const json_t *stated, long claimed, long declined);

/*
 * The fed-back count of one source by that rule: claimed + declined when
 * declined > 0, else the stated count (an integer), else -1 (none known).
 */
long records_fed_back_count(const json_t *stated, long claimed, long declined);

/*
 * The search form of text: NFC-normalised UTF-8 (utf8proc) with ASCII
 * letters lower-cased, so "GJ" finds "gj-03" and a decomposed "é" finds a
 * composed one. A new malloc'd string in *out (caller frees), or NULL for
 * NULL text. Returns 0, RECT_E_BAD_UTF8 (not UTF-8) or RECT_E_NOMEM.
 */
int records_fold(const char *text, char **out);

/*
 * 1 if the folded pattern (records_fold) is a substring of the folded
 * ref, title, description or measures of item; 0 if not; RECT_E_NOMEM.
 * The one place `list --grep` matches.
 */
int records_grep_match(const json_t *item, const char *folded_pattern);

#endif
