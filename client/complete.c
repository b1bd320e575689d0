/*
 * complete.c - rectctl --complete (complete.h). The command line is read as
 * main.c's parser reads it (global options anywhere, two-word commands,
 * "--opt VALUE" and "--opt=VALUE"), but leniently: a half-typed line is
 * the normal case here, not an error.
 */
#include "complete.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"

/* What the word being completed is. */
typedef enum {
    S_NOTHING, /* a free value (TEXT, DATE...): offer nothing */
    S_COMMAND, /* a command's (first) word */
    S_SECOND,  /* the second word of a two-word command */
    S_OPTION,  /* an option */
    S_ITEM,    /* an item ref */
    S_USER,
    S_UNIT,
    S_SOURCE,
    S_INSPECTION,
    S_STATE,
    S_KIND,
    S_FILE,
    S_DIR,
} s_what;

/* Global options, as s_parse_global in main.c knows them. */
static const struct {
    const char *name;
    int value; /* takes a value */
    s_what what;
} s_globals[] = {
    {"--config", 1, S_FILE},  {"--as", 1, S_USER},      {"--key", 1, S_FILE},
    {"--json", 0, S_NOTHING}, {"--help", 0, S_NOTHING}, {"--version", 0, S_NOTHING},
};
#define S_N_GLOBALS (sizeof s_globals / sizeof s_globals[0])

static const char *s_cur; /* the word being completed */

/* Print cand if it begins with the word being completed. */
static void s_offer(const char *cand)
{
    if (cand && *cand && strncmp(cand, s_cur, strlen(s_cur)) == 0)
        printf("%s\n", cand);
}

/* The placeholder of a metavar NC_("placeholder", "X"): "X". */
static const char *s_bare(const char *metavar)
{
    const char *eot = metavar ? strchr(metavar, '\004') : NULL;
    return eot ? eot + 1 : metavar;
}

/* What a value with this placeholder is. */
static s_what s_what_of(const char *metavar)
{
    static const struct {
        const char *metavar;
        s_what what;
    } map[] = {
        {"USER", S_USER},   {"UNIT", S_UNIT}, {"SOURCE", S_SOURCE}, {"NAME", S_INSPECTION},
        {"STATE", S_STATE}, {"KIND", S_KIND}, {"FILE", S_FILE},     {"PATH", S_FILE},
        {"DIR", S_DIR},     {"REF", S_ITEM},  {"ID", S_ITEM},       {"COMMAND", S_COMMAND},
    };
    const char *m = s_bare(metavar);
    for (size_t i = 0; m && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(m, map[i].metavar) == 0)
            return map[i].what;
    return S_NOTHING;
}

/* What cmd's positional argument is: items only where it fills an ITEM argument. */
static s_what s_pos_what(const cli_cmd *cmd)
{
    const rect_arg *arg = rect_arg_of(cmd->pos_arg);
    if (arg)
        return arg->type == RECT_ARG_ITEM ? S_ITEM : S_NOTHING;
    return s_what_of(cmd->pos);
}

/* 1 if some two-word command begins with the word w. */
static int s_is_first_word(const char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strncmp(cli_commands[i].name, w, n) == 0 && cli_commands[i].name[n] == ' ')
            return 1;
    return 0;
}

/* The command's option called by the word tok (--name, --name=V, -X), or NULL; *inline_val set for --name=V. */
static const cli_opt *s_cmd_opt(const cli_cmd *cmd, const char *tok, int *inline_val)
{
    *inline_val = 0;
    for (int k = 0; cmd && cmd->opts[k].name; k++) {
        const cli_opt *o = &cmd->opts[k];
        size_t n = strlen(o->name);
        if ((o->flags & CLI_SHORT) && tok[0] == '-' && tok[1] == o->name[0] && tok[2] == '\0')
            return o;
        if (strncmp(tok, "--", 2) == 0 && strncmp(tok + 2, o->name, n) == 0 &&
            (tok[2 + n] == '\0' || tok[2 + n] == '=')) {
            *inline_val = tok[2 + n] == '=';
            return o;
        }
    }
    return NULL;
}

/* The global option called by tok, or -1; *inline_val set for --name=V. */
static int s_global(const cli_cmd *cmd, const char *tok, int *inline_val)
{
    *inline_val = 0;
    if (strcmp(tok, "-c") == 0)
        return 0;
    if (strcmp(tok, "-h") == 0)
        return 4;
    if (strcmp(tok, "-V") == 0)
        return 5;
    for (size_t i = 0; i < S_N_GLOBALS; i++) {
        size_t n = strlen(s_globals[i].name);
        if (strncmp(tok, s_globals[i].name, n) == 0 && (tok[n] == '\0' || tok[n] == '=')) {
            if (i == 2 && cmd && cli_opt_index(cmd, "key") >= 0)
                return -1; /* the command's own --key (ledger check) */
            *inline_val = tok[n] == '=';
            return (int)i;
        }
    }
    return -1;
}

/* Offer the "id" (or, for a word that is not ASCII, the "name" or "display") of each entry of list. */
static void s_offer_named(json_t *dir, const char *list, const char *id, const char *name)
{
    size_t i;
    json_t *e;
    int wide = (unsigned char)s_cur[0] >= 0x80;
    json_array_foreach(json_object_get(dir, list), i, e)
        s_offer(json_string_value(json_object_get(e, wide ? name : id)));
}

/* Offer rectd's names of one kind. */
static void s_offer_rectd(s_what what, const cli_globals *g, cli_complete_ask_fn ask)
{
    json_t *res = NULL;
    size_t i;
    json_t *e;
    if (what == S_ITEM) {
        if (ask(g, "list", &res) != 0)
            return;
        /* refs as given, each once (refs of several inspections may repeat) */
        json_t *seen = json_object();
        json_array_foreach(json_object_get(res, "items"), i, e) {
            const char *ref = json_string_value(json_object_get(e, "ref"));
            if (ref && seen && !json_object_get(seen, ref)) {
                json_object_set_new(seen, ref, json_true());
                s_offer(ref);
            }
        }
        json_decref(seen);
        json_decref(res);
        return;
    }
    if (ask(g, "directory", &res) != 0)
        return;
    switch (what) {
    case S_USER:
        s_offer_named(res, "users", "name", "display");
        break;
    case S_UNIT:
        s_offer_named(res, "units", "id", "name");
        break;
    case S_SOURCE:
        s_offer_named(res, "sources", "id", "name");
        break;
    case S_INSPECTION:
        json_array_foreach(json_object_get(res, "inspections"), i, e)
            s_offer(json_string_value(e));
        break;
    case S_STATE:
        json_array_foreach(json_object_get(res, "states"), i, e)
            s_offer(json_string_value(e));
        break;
    case S_KIND:
        json_array_foreach(json_object_get(res, "kinds"), i, e)
            s_offer(json_string_value(e));
        break;
    default:
        break;
    }
    json_decref(res);
}

/* Offer the command words: first words (each once), or the second words after first. */
static void s_offer_commands(const char *first)
{
    for (size_t i = 0; i < cli_n_commands; i++) {
        const char *name = cli_commands[i].name;
        const char *sp = strchr(name, ' ');
        if (first) {
            size_t n = strlen(first);
            if (strncmp(name, first, n) == 0 && name[n] == ' ')
                s_offer(name + n + 1);
            continue;
        }
        char word[64];
        size_t n = sp ? (size_t)(sp - name) : strlen(name);
        if (n >= sizeof word)
            continue;
        memcpy(word, name, n);
        word[n] = '\0';
        int dup = 0; /* a first word shared by several commands, or also a command itself */
        for (size_t j = 0; j < i && !dup; j++)
            dup = strncmp(cli_commands[j].name, word, n) == 0 &&
                  (cli_commands[j].name[n] == ' ' || cli_commands[j].name[n] == '\0');
        if (!dup)
            s_offer(word);
    }
}

int cli_complete(int n, char **words, cli_complete_ask_fn ask)
{
    cli_globals g = {0};
    const cli_cmd *cmd = NULL;
    const char *first = NULL; /* a first word typed, waiting for its second */
    s_what value = S_OPTION;  /* S_OPTION: the word is not an option's value */
    int only_words = 0, n_pos = 0;

    if (n < 1)
        return 0;
    s_cur = words[n - 1];
    for (int i = 0; i < n - 1; i++) {
        const char *tok = words[i];
        int inl = 0;
        value = S_OPTION;
        if (!only_words && strcmp(tok, "--") == 0) {
            only_words = 1;
            continue;
        }
        if (only_words || tok[0] != '-' || tok[1] == '\0') {
            if (cmd) {
                n_pos++;
            } else if (first) {
                char two[128];
                snprintf(two, sizeof two, "%s %s", first, tok);
                cmd = cli_command_find(two);
                if (!cmd)
                    cmd = cli_command_find(first), n_pos += cmd != NULL;
                first = NULL;
                if (!cmd)
                    return 0; /* an unknown command: nothing to offer */
            } else if (s_is_first_word(tok)) {
                first = tok;
            } else if (!(cmd = cli_command_find(tok))) {
                return 0;
            }
            continue;
        }
        if (first) { /* "ledger" then an option: the one-word command, if there is one */
            cmd = cli_command_find(first);
            first = NULL;
        }
        int gi = s_global(cmd, tok, &inl);
        if (gi >= 0) {
            if (s_globals[gi].value && !inl && i + 1 < n) {
                const char **slot = gi == 0 ? &g.config : gi == 1 ? &g.as : &g.key;
                if (i + 1 == n - 1) {
                    value = s_globals[gi].what;
                    break;
                }
                *slot = words[++i];
            } else if (inl && s_globals[gi].value) {
                const char **slot = gi == 0 ? &g.config : gi == 1 ? &g.as : &g.key;
                *slot = strchr(tok, '=') + 1;
            }
            continue;
        }
        const cli_opt *o = s_cmd_opt(cmd, tok, &inl);
        if (o && o->metavar && !inl) {
            if (i + 1 == n - 1) {
                value = s_what_of(o->metavar);
                break;
            }
            i++;
        }
    }
    if (value != S_OPTION) { /* the value of the option before */
        if (value == S_FILE || value == S_DIR)
            printf("%s\n", value == S_FILE ? ":file" : ":dir");
        else if (value == S_COMMAND)
            s_offer_commands(NULL);
        else if (value != S_NOTHING)
            s_offer_rectd(value, &g, ask);
        return 0;
    }
    if (!only_words && s_cur[0] == '-') {
        if (first)
            cmd = cli_command_find(first);
        for (int k = 0; cmd && cmd->opts[k].name; k++) {
            char spelled[80];
            snprintf(spelled, sizeof spelled, "--%s", cmd->opts[k].name);
            s_offer(spelled);
        }
        for (size_t i = 0; i < S_N_GLOBALS; i++)
            if (!(i == 2 && cmd && cli_opt_index(cmd, "key") >= 0))
                s_offer(s_globals[i].name);
        return 0;
    }
    if (first) {
        s_offer_commands(first);
        return 0;
    }
    if (!cmd) {
        s_offer_commands(NULL);
        return 0;
    }
    if (!cmd->pos || n_pos >= (cmd->pos2 ? 2 : 1))
        return 0;
    s_what what = n_pos == 0 ? s_pos_what(cmd) : S_NOTHING;
    if (what == S_FILE || what == S_DIR)
        printf("%s\n", what == S_FILE ? ":file" : ":dir");
    else if (what == S_COMMAND)
        s_offer_commands(NULL);
    else if (what != S_NOTHING)
        s_offer_rectd(what, &g, ask);
    return 0;
}
