/*
 * rect_refusal.h - a refusal of rectd as one whole sentence in the reader's
 * language, from its error code and details (docs/PROTOCOL.md "Refusal
 * details"), and the one set of labels of states, actions and roles that
 * every client shows (common/refusal.c). Shared by rectctl and rectweb.
 *
 * The sentences and labels are English msgids (marked for xgettext with
 * N_ / NC_); the caller translates them with its own catalogue through
 * rect_lang.tr. A sentence whose msgid has no translation is not used: the
 * caller shows rectd's English message instead, as it is.
 */
#ifndef RECT_REFUSAL_H
#define RECT_REFUSAL_H

#include <jansson.h>
#include <stddef.h>

/*
 * Translate msgid (it may carry a gettext context: "ctx\004text"): return
 * the translation, or msgid itself (the same pointer) when there is none.
 * For rectctl this is gettext(). The result must stay valid until the
 * rendering call returns.
 */
typedef const char *(*rect_tr_fn)(const char *msgid, void *arg);

/*
 * How the reader knows a thing: the display name of a configured user
 * (kind "user", id a user name), or the client's own name of a wire command
 * (kind "cmd": rectctl says "inspection add" for inspection_add); NULL to
 * show the id as it is. May be NULL in rect_lang: ids are shown.
 */
typedef const char *(*rect_name_fn)(const char *kind, const char *id, void *arg);

/* How to say things: the translation, the display names, their argument. */
typedef struct {
    rect_tr_fn tr;
    rect_name_fn name;
    void *arg;
} rect_lang;

/*
 * Render rectd's refusal {code, message, details} into out (len bytes,
 * always NUL-terminated when len > 0): the sentence of details.rule, with
 * its {placeholders} filled from details (users by display name, states,
 * actions and roles by their labels). Returns 1 when out holds that
 * translated sentence, 0 when there is none for the rule, it has no
 * translation, details lack a value it needs, or it does not fit: then
 * out holds `message` (or "" when message is NULL), and the caller shows
 * it as before. code and details may be NULL.
 */
int refusal_render(const rect_lang *lang, const char *code, const json_t *details, const char *message,
                   char *out, size_t len);

/*
 * The label of a state, action or role wire name (已认领, 验收通过, 验收人...),
 * translated by lang; NULL for a name it does not know. Valid as long as
 * lang->tr's results are.
 */
const char *refusal_state_label(const rect_lang *lang, const char *state);
const char *refusal_action_label(const rect_lang *lang, const char *action);
const char *refusal_role_label(const rect_lang *lang, const char *role);

/* 1 if lang translates the state labels (a language other than English), else 0. */
int refusal_translated(const rect_lang *lang);

#endif
