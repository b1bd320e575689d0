/*
 * rectctl - the command-line client of rectd.
 *
 *   rectctl [-c CONFIG] [--as USER] [--key FILE] [--json] COMMAND [ARGS...]
 *
 * Parses the command line against the command table (cmds.c), loads the
 * config, resolves the acting user, builds one request, sends it with
 * Lazy Pirate retries (conn.c) and prints the reply (render.c).
 * Exit codes: 0 done, 1 usage error, 2 rectd unreachable, 3 refused by rectd.
 */
#include <assert.h>
#include <fcntl.h>
#include <glob.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "complete.h"
#include "conn.h"
#include "directory.h"
#include "i18n.h"
#include "render.h"
#include "rect_cfg.h"
#include "rect_proto.h"
#include "rect_refusal.h"
#include "rect_text.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    render_progress_clear();
    fputs("rectctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const char *s_or_dash(const char *s)
{
    return s ? s : "-";
}

/* A user's display name from rectd's directory (asked if need be); a wire command's rectctl name. */
static const char *s_display(const char *kind, const char *id, void *arg)
{
    if (strcmp(kind, "cmd") == 0) {
        rect_verb_id v = rect_verb_find(id);
        for (size_t i = 0; v != RECT_VERB_NONE && i < cli_n_commands; i++)
            if (cli_commands[i].verb == v)
                return cli_commands[i].name;
        return NULL;
    }
    const rect_cfg *dir = strcmp(kind, "user") == 0 ? cli_dir((const cli_ctx *)arg) : NULL;
    const rect_user *u = dir ? cfg_user_find(dir, id) : NULL;
    return u && u->display && *u->display ? u->display : NULL;
}

/*
 * rectd refused: one sentence in the user's language from the code and
 * details (common/refusal.c); when it has none, the kind of refusal, the
 * error code, then rectd's own English message (it names ids, dates and values).
 */
static void s_refused(const cli_ctx *ctx, const json_t *reply)
{
    const json_t *err = json_object_get(reply, "error");
    const char *code = s_or_dash(json_string_value(json_object_get(err, "code")));
    rect_lang lang = {cli_tr, s_display, (void *)ctx};
    char sentence[2048];
    if (refusal_render(&lang, code, json_object_get(err, "details"),
                       json_string_value(json_object_get(err, "message")), sentence, sizeof sentence)) {
        cli_error("%s", sentence);
        return;
    }
    const rect_err_info *e = rect_err_info_of(rect_err_from_name(code));
    const char *summary = e && strcmp(e->name, code) == 0 ? e->summary : NULL;
    const json_t *probs = json_object_get(err, "problems");
    if (json_array_size(probs) > 0) {
        /* An import dry run's list: every problem on its own line. */
        json_int_t total = json_integer_value(json_object_get(err, "problems_total"));
        size_t n = json_array_size(probs), i;
        const json_t *p;
        if (total < (json_int_t)n)
            total = (json_int_t)n;
        /* TRANSLATORS: what kind of refusal, rectd's error code, how many problems. */
        cli_error(ngettext("%s (%s): %lld problem; nothing was stored:",
                           "%s (%s): %lld problems; nothing was stored:", (unsigned long)total),
                  summary ? _(summary) : _("refused"), code, (long long)total);
        json_array_foreach(probs, i, p)
            fprintf(stderr, "  %s\n", s_or_dash(json_string_value(json_object_get(p, "message"))));
        if (total > (json_int_t)n)
            fprintf(stderr,
                    ngettext("  ... and %lld more problem\n", "  ... and %lld more problems\n",
                             (unsigned long)(total - (json_int_t)n)),
                    (long long)(total - (json_int_t)n));
        return;
    }
    /* TRANSLATORS: what kind of refusal, rectd's error code, rectd's own message. */
    cli_error(_("%s (%s): %s"), summary ? _(summary) : _("refused"), code,
              s_or_dash(json_string_value(json_object_get(err, "message"))));
}

/* Say that word is no command; for the first word of two-word commands, list them. */
static void s_unknown_command(const char *word)
{
    size_t n = strlen(word), found = 0;
    for (size_t i = 0; i < cli_n_commands; i++) {
        const char *name = cli_commands[i].name;
        if (strncmp(name, word, n) == 0 && name[n] == ' ') {
            if (!found++)
                cli_error(_("\"%s\" needs a second word:"), word);
            fprintf(stderr, "  rectctl %-16s %s\n", name, _(cli_commands[i].summary));
        }
    }
    if (!found)
        cli_error(_("unknown command \"%s\" (see 'rectctl --help')"), word);
}

/* Exit code for a conn_call result, after saying why on stderr; 0 for CONN_OK. */
static int s_conn_failed(const cli_ctx *ctx, int crc)
{
    switch (crc) {
    case CONN_OK:
        return RECT_EXIT_OK;
    case CONN_E_NOSOCKET:
        cli_error(_("cannot reach rectd at %s (no socket file: is rectd running?)"), ctx->conf->endpoint);
        return RECT_EXIT_UNREACHABLE;
    case CONN_E_MALFORMED:
        cli_error(_("malformed reply from rectd at %s"), ctx->conf->endpoint);
        return RECT_EXIT_REFUSED;
    case CONN_E_NOMEM:
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    default:
        /* No answer may also mean a rectd still busy with this very request. */
        cli_error(_("cannot reach rectd at %s: no answer after %u tries (if rectd is running but busy, "
                    "the change may still be made: check with list or show before trying again)"),
                  ctx->conf->endpoint, ctx->conf->retries);
        return RECT_EXIT_UNREACHABLE;
    }
}

int cli_call(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result)
{
    return cli_call_file(ctx, conn, cmd, args, NULL, result);
}

int cli_call_file(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, const cli_file *file,
                  json_t **result)
{
    json_t *request = conn_request_new(cmd, ctx->user_name, args, 0, NULL);
    conn_frame frame = {file ? file->data : NULL, file ? file->size : 0};
    json_t *reply = NULL;
    int rc;

    *result = NULL;
    if (!request) {
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    if ((rc = s_conn_failed(ctx, conn_call(conn, request, file ? &frame : NULL, file ? 1 : 0, &reply))))
        goto done;
    if (json_is_true(json_object_get(reply, "ok"))) {
        *result = json_incref(json_object_get(reply, "result"));
        rc = RECT_EXIT_OK;
    } else {
        s_refused(ctx, reply);
        rc = RECT_EXIT_REFUSED;
    }
done:
    json_decref(reply);
    json_decref(request);
    return rc;
}

int cli_call_data(const cli_ctx *ctx, struct conn *conn, const char *cmd, json_t *args, json_t **result,
                  char **data, size_t *len)
{
    json_t *request = conn_request_new(cmd, ctx->user_name, args, 0, NULL);
    json_t *reply = NULL;
    int rc, has = 0;

    *result = NULL;
    *data = NULL;
    *len = 0;
    if (!request) {
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    if ((rc = s_conn_failed(ctx, conn_call_data(conn, request, NULL, 0, &reply, data, len, &has))))
        goto done;
    if (json_is_true(json_object_get(reply, "ok")) && has) {
        *result = json_incref(json_object_get(reply, "result"));
        rc = RECT_EXIT_OK;
    } else if (json_is_true(json_object_get(reply, "ok"))) {
        rc = s_conn_failed(ctx, CONN_E_MALFORMED);
    } else {
        s_refused(ctx, reply);
        rc = RECT_EXIT_REFUSED;
    }
done:
    if (rc) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
    json_decref(reply);
    json_decref(request);
    return rc;
}

/* ---- help ------------------------------------------------------------- */

/* The global options, for `rectctl --help`. */
static const struct {
    const char *spelling;
    const char *help;
} s_globals_help[] = {
    {"-c, --config FILE", N_("rectctl's config file, rectctl.conf (default: $RECTCTL_CONFIG,\n"
                             "~/.config/rectd/rectctl.conf, /etc/rectd/rectctl.conf, and for\n"
                             "a build in the source tree config/rectctl.conf beside the\n"
                             "program); a rectd.conf is still read for its daemon.endpoint\n"
                             "and client group")},
    {"--as USER", N_("act as USER (name or display name), with USER's own key from\n"
                     "the keys folder; default: $RECTCTL_USER, the user of --key,\n"
                     "then client.user from the config (names and display names\n"
                     "come from rectd's directory)")},
    {"--key FILE", N_("your secret key file (default: $RECTCTL_KEY, else client.key_file\n"
                      "when it is the acting user's, else USER.key in client.keys_dir\n"
                      "or ~/.config/rectd); after 'ledger check' it is that command's\n"
                      "--key")},
    {"--json", N_("print the reply's result as JSON, unchanged")},
    {"--color[=WHEN]", N_("colour: auto (the default: only on a terminal, and not when\n"
                          "$NO_COLOR is set), always, or never")},
    {"-h, --help", N_("show this help, or a command's help after its name")},
    {"-V, --version", N_("show the version")},
};

/* Print s with every line after the first indented by `indent` columns. */
static void s_indented(const char *s, int indent)
{
    for (const char *p = s; *p; p++) {
        fputc(*p, stdout);
        if (*p == '\n')
            printf("%*s", indent, "");
    }
}

/* Print a two-column list entry: `left` padded to `width` columns, then help. */
static void s_entry(const char *left, int width, const char *help)
{
    printf("  %s", left);
    int pad = width - text_width(left);
    printf("%*s", pad > 0 ? pad : 0, "");
    s_indented(help, width + 2);
    fputc('\n', stdout);
}

/* `rectctl --help`: commands, global options, config path, exit codes. */
static void s_help_overview(const cli_ctx *ctx)
{
    printf(_(
        "usage: rectctl [-c CONFIG] [--as USER] [--key FILE] [--json] [--color[=WHEN]] COMMAND [ARGS...]\n"));
    printf("\n%s\n", _("rectctl talks to rectd, which keeps the ledger (台账) of inspection findings\n"
                       "and their rectification: claim, assign, rectify, verify, close."));
    printf("\n%s\n", _("Commands:"));
    int w = 0;
    for (size_t i = 0; i < cli_n_commands; i++) {
        int cw = text_width(cli_commands[i].name);
        if (cw > w)
            w = cw;
    }
    for (size_t i = 0; i < cli_n_commands; i++)
        s_entry(cli_commands[i].name, w + 2, gettext(cli_commands[i].summary));

    printf("\n%s\n", _("Global options (before or after the command):"));
    w = 0;
    for (size_t i = 0; i < sizeof s_globals_help / sizeof s_globals_help[0]; i++) {
        int cw = text_width(s_globals_help[i].spelling);
        if (cw > w)
            w = cw;
    }
    for (size_t i = 0; i < sizeof s_globals_help / sizeof s_globals_help[0]; i++)
        s_entry(s_globals_help[i].spelling, w + 2, gettext(s_globals_help[i].help));

    rect_client_cfg *conf = NULL;
    char err[1024];
    if (ctx->cfg_path && cfg_load_client(ctx->cfg_path, &conf, err, sizeof err) == 0 && conf->daemon_config)
        printf("\n%s %s\n%s\n", _("Config file:"), ctx->cfg_path,
               _("  (rectd's own config: rectctl reads only its daemon.endpoint, its client group\n"
                 "  and rectd's public key; give rectctl a rectctl.conf of its own, see\n"
                 "  config/rectctl.conf)"));
    else if (ctx->cfg_path)
        printf("\n%s %s\n", _("Config file:"), ctx->cfg_path);
    else
        printf("\n%s %s\n", _("Config file:"),
               _("none found (see -c above; config/rectctl.conf is a sample)"));
    cfg_client_destroy(&conf);
    printf("\n%s\n", _("Exit codes:"));
    printf("  0  %s\n", _("done"));
    printf("  1  %s\n", _("usage error (bad options, unreadable file, bad config)"));
    printf("  2  %s\n", _("rectd unreachable"));
    printf("  3  %s\n", _("refused by rectd (the message says why)"));
    printf("\n%s\n", _("Run 'rectctl help COMMAND' or 'rectctl COMMAND --help' for a command's\n"
                       "options and an example."));
}

/*
 * The argument an option or positional argument (ref) fills in the wire
 * command verb: the one of ref's name, or NULL when verb takes none of that
 * name (or ref is none).
 */
static const rect_arg *s_arg_in(rect_verb_id verb, rect_arg_ref ref)
{
    const rect_arg *named = rect_arg_of(ref);
    return named ? rect_verb_arg(verb, named->name) : NULL;
}

/* 1 if option o must be given with cmd: its argument is required (and cmd
 * always sends the same wire command). */
static int s_opt_required(const cli_cmd *cmd, const cli_opt *o)
{
    const rect_arg *arg = cmd->pick ? NULL : s_arg_in(cmd->verb, o->arg);
    return arg && arg->required;
}

/* `rectctl COMMAND --help`: usage, summary, options, example. */
static void s_help_command(const cli_cmd *cmd)
{
    printf(_("usage: rectctl %s %s\n"), cmd->name, gettext(cmd->usage));
    printf("\n%s\n", gettext(cmd->summary));
    if (cmd->opts[0].name) {
        printf("\n%s\n", _("Options:"));
        char left[128];
        int w = 0;
        for (int i = 0; cmd->opts[i].name; i++) {
            const cli_opt *o = &cmd->opts[i];
            snprintf(left, sizeof left, "%s%.1s%s--%s%s%s", (o->flags & CLI_SHORT) ? "-" : "",
                     (o->flags & CLI_SHORT) ? o->name : "", (o->flags & CLI_SHORT) ? ", " : "", o->name,
                     o->metavar ? " " : "", o->metavar ? C_gettext(o->metavar) : "");
            int lw = text_width(left);
            if (lw > w)
                w = lw;
        }
        for (int i = 0; cmd->opts[i].name; i++) {
            const cli_opt *o = &cmd->opts[i];
            snprintf(left, sizeof left, "%s%.1s%s--%s%s%s", (o->flags & CLI_SHORT) ? "-" : "",
                     (o->flags & CLI_SHORT) ? o->name : "", (o->flags & CLI_SHORT) ? ", " : "", o->name,
                     o->metavar ? " " : "", o->metavar ? C_gettext(o->metavar) : "");
            if (s_opt_required(cmd, o)) {
                char help[1024];
                /* TRANSLATORS: after an option's help in 'rectctl COMMAND --help'. */
                snprintf(help, sizeof help, _("%s (required)"), gettext(o->help));
                s_entry(left, w + 2, help);
            } else {
                s_entry(left, w + 2, gettext(o->help));
            }
        }
    }
    const rect_arg *pos = rect_arg_of(cmd->pos_arg);
    if (pos && pos->type == RECT_ARG_ITEM)
        printf("\n%s\n", _("ID is the item's number, its ref (e.g. GJ-03), or INSPECTION/REF."));
    printf("\n%s\n", gettext(cmd->help));
    /* A one-word command that begins two-word ones (ledger: ledger sign, ledger check): name them. */
    size_t n = strlen(cmd->name), found = 0;
    for (size_t i = 0; !strchr(cmd->name, ' ') && i < cli_n_commands; i++) {
        const char *c = cli_commands[i].name;
        if (strncmp(c, cmd->name, n) == 0 && c[n] == ' ') {
            if (!found++)
                printf("\n%s\n", _("See also:"));
            printf("  rectctl %-20s %s\n", c, _(cli_commands[i].summary));
        }
    }
    printf("\n%s\n", _("Global options (-c FILE, --as USER, --json) may come before or after "
                       "the command;\nsee 'rectctl --help'."));
}

int cli_help(const cli_ctx *ctx, const cli_args *a)
{
    if (a->n_pos == 0) {
        s_help_overview(ctx);
        return RECT_EXIT_OK;
    }
    /* A two-word command is asked as two words (help inspection add) or one ("inspection add"). */
    char name[128];
    if (a->n_pos > 1)
        snprintf(name, sizeof name, "%s %s", a->pos[0], a->pos[1]);
    else
        snprintf(name, sizeof name, "%s", a->pos[0]);
    const cli_cmd *cmd = cli_command_find(name);
    if (cmd) {
        s_help_command(cmd);
        return RECT_EXIT_OK;
    }
    /* The first word alone: the commands it begins, each with its summary. */
    size_t n = strlen(name), found = 0;
    for (size_t i = 0; a->n_pos == 1 && i < cli_n_commands; i++) {
        const char *c = cli_commands[i].name;
        if (strncmp(c, name, n) == 0 && c[n] == ' ') {
            if (!found++)
                printf(_("Commands beginning with \"%s\" (see 'rectctl help %s WORD'):\n"), name, name);
            printf("  rectctl %-20s %s\n", c, _(cli_commands[i].summary));
        }
    }
    if (found)
        return RECT_EXIT_OK;
    cli_error(_("unknown command \"%s\" (see 'rectctl --help')"), name);
    return RECT_EXIT_USAGE;
}

/* ---- parsing ------------------------------------------------------------ */

/*
 * 1 if tok is "--name" or "--name=VALUE"; then *inline_val is VALUE or NULL.
 */
static int s_long(const char *tok, const char *name, const char **inline_val)
{
    size_t n = strlen(name);
    if (strncmp(tok, "--", 2) != 0 || strncmp(tok + 2, name, n) != 0)
        return 0;
    if (tok[2 + n] == '\0') {
        *inline_val = NULL;
        return 1;
    }
    if (tok[2 + n] == '=') {
        *inline_val = tok + 3 + n;
        return 1;
    }
    return 0;
}

/*
 * The value of an option that takes one: inline ("--opt=V", "-cV") or the
 * next argument. Returns it and advances *i, or NULL after a message.
 */
static const char *s_value(int argc, char **argv, int *i, const char *inline_val, const char *spelling)
{
    if (inline_val)
        return inline_val;
    if (*i + 1 >= argc) {
        cli_error(_("option %s needs a value"), spelling);
        return NULL;
    }
    return argv[++*i];
}

/*
 * Try argv[*i] as a global option. Returns 1 if it was one (consuming its
 * value), 0 if not, -1 after a message.
 */
static int s_parse_global(int argc, char **argv, int *i, const cli_cmd *cmd, cli_globals *g)
{
    const char *tok = argv[*i];
    const char *iv = NULL;
    const char **target = NULL;
    const char *spelling = NULL;
    int *flag = NULL;

    if (strcmp(tok, "-c") == 0 || s_long(tok, "config", &iv)) {
        target = &g->config, spelling = "--config";
    } else if (strncmp(tok, "-c", 2) == 0 && tok[2] != '-') {
        target = &g->config, spelling = "-c", iv = tok + 2;
    } else if (s_long(tok, "as", &iv)) {
        target = &g->as, spelling = "--as";
    } else if (s_long(tok, "key", &iv) && !(cmd && cli_opt_index(cmd, "key") >= 0)) {
        target = &g->key, spelling = "--key";
    } else if (s_long(tok, "json", &iv)) {
        flag = &g->json, spelling = "--json";
    } else if (strcmp(tok, "-h") == 0 || s_long(tok, "help", &iv)) {
        flag = &g->help, spelling = "--help";
    } else if (strcmp(tok, "-V") == 0 || s_long(tok, "version", &iv)) {
        flag = &g->version, spelling = "--version";
    } else if (s_long(tok, "color", &iv) || s_long(tok, "colour", &iv)) {
        /* --color alone is --color=always, as in ls and grep */
        int mode = !iv || strcmp(iv, "always") == 0 ? RENDER_COLOUR_ALWAYS
                   : strcmp(iv, "never") == 0       ? RENDER_COLOUR_NEVER
                   : strcmp(iv, "auto") == 0        ? RENDER_COLOUR_AUTO
                                                    : -1;
        if (mode < 0) {
            cli_error(_("--color: \"%s\" is none of auto, always, never"), iv);
            return -1;
        }
        render_colour_mode = mode;
        return 1;
    } else {
        return 0;
    }
    if (flag) {
        if (iv) {
            cli_error(_("option %s takes no value"), spelling);
            return -1;
        }
        *flag = 1;
        return 1;
    }
    *target = s_value(argc, argv, i, iv, spelling);
    if (!*target)
        return -1;
    if (!**target) {
        cli_error(_("option %s needs a value"), spelling);
        return -1;
    }
    return 1;
}

/*
 * Try argv[*i] as an option of cmd. Returns 1 if it was one, -1 after a
 * message (unknown, repeated, missing value).
 */
static int s_parse_cmd_opt(int argc, char **argv, int *i, const cli_cmd *cmd, cli_args *a)
{
    const char *tok = argv[*i];
    const char *iv = NULL;
    for (int k = 0; cmd->opts[k].name; k++) {
        const cli_opt *o = &cmd->opts[k];
        int short_form = (o->flags & CLI_SHORT) && tok[0] == '-' && tok[1] == o->name[0] && tok[1] != '-' &&
                         tok[2] == '\0';
        if (!short_form && !s_long(tok, o->name, &iv))
            continue;
        char spelling[64];
        snprintf(spelling, sizeof spelling, "--%s", o->name);
        if (!o->metavar) {
            if (iv) {
                cli_error(_("option %s takes no value"), spelling);
                return -1;
            }
            a->val[k] = "";
            return 1;
        }
        const char *v = s_value(argc, argv, i, iv, spelling);
        if (!v)
            return -1;
        if (o->flags & CLI_MULTI) {
            if (a->n_multi == CLI_MAX_MULTI) {
                cli_error(_("%s: at most %d %s options"), cmd->name, CLI_MAX_MULTI, spelling);
                return -1;
            }
            a->multi[a->n_multi++] = v;
            a->val[k] = v;
            return 1;
        }
        if (a->val[k]) {
            cli_error(_("%s: option %s given twice"), cmd->name, spelling);
            return -1;
        }
        a->val[k] = v;
        return 1;
    }
    cli_error(_("%s: unknown option %s (see 'rectctl %s --help')"), cmd->name, tok, cmd->name);
    return -1;
}

/*
 * Parse the whole command line: global options anywhere, the first word
 * that is not an option is the command, then its options and arguments.
 * "--" ends the options. Returns 0, or RECT_EXIT_USAGE after a message.
 */
static int s_parse(int argc, char **argv, cli_globals *g, const cli_cmd **cmd_p, cli_args *a)
{
    const cli_cmd *cmd = NULL;
    int only_words = 0;
    for (int i = 1; i < argc; i++) {
        const char *tok = argv[i];
        if (!only_words && strcmp(tok, "--") == 0) {
            only_words = 1;
            continue;
        }
        if (only_words || tok[0] != '-' || tok[1] == '\0') {
            if (!cmd) {
                /* Two-word commands first ("ledger check", "audit verify"). */
                char two[64];
                if (i + 1 < argc && snprintf(two, sizeof two, "%s %s", tok, argv[i + 1]) < (int)sizeof two &&
                    (cmd = cli_command_find(two)))
                    i++;
                else
                    cmd = cli_command_find(tok);
                if (!cmd) {
                    s_unknown_command(tok);
                    return RECT_EXIT_USAGE;
                }
            } else if (!cmd->pos || a->n_pos == (cmd->pos2 ? 2 : 1)) {
                cli_error(_("%s: unexpected argument \"%s\" (see 'rectctl %s --help')"), cmd->name, tok,
                          cmd->name);
                return RECT_EXIT_USAGE;
            } else {
                a->pos[a->n_pos++] = tok;
            }
            continue;
        }
        int rc = s_parse_global(argc, argv, &i, cmd, g);
        if (rc < 0)
            return RECT_EXIT_USAGE;
        if (rc > 0)
            continue;
        if (!cmd) {
            cli_error(_("unknown option %s (see 'rectctl --help')"), tok);
            return RECT_EXIT_USAGE;
        }
        if (s_parse_cmd_opt(argc, argv, &i, cmd, a) < 0)
            return RECT_EXIT_USAGE;
    }
    *cmd_p = cmd;
    return RECT_EXIT_OK;
}

/*
 * Check a parsed command line against the wire command it sends (a->verb,
 * set here): its required arguments (rect_verbs.h) must be given, and no
 * option may fill an argument that command does not take. 0 or a usage
 * error after a message.
 */
static int s_check(const cli_cmd *cmd, cli_args *a)
{
    a->verb = cmd->pick ? cmd->pick(cmd, a) : cmd->verb;
    if (cmd->pick && a->verb == RECT_VERB_NONE)
        return RECT_EXIT_USAGE;
    const rect_arg *pos = s_arg_in(a->verb, cmd->pos_arg);
    int pos_required = rect_arg_of(cmd->pos_arg) ? pos && pos->required : cmd->pos_min;
    if (a->n_pos < pos_required) {
        cli_error(_("%s: missing %s (usage: rectctl %s %s)"), cmd->name, gettext(cmd->pos), cmd->name,
                  gettext(cmd->usage));
        return RECT_EXIT_USAGE;
    }
    for (int k = 0; cmd->opts[k].name; k++) {
        const cli_opt *o = &cmd->opts[k];
        if (!rect_arg_of(o->arg))
            continue;
        const rect_arg *arg = s_arg_in(a->verb, o->arg);
        if (a->val[k] && !arg) {
            cli_error(_("%s: --%s does not go with the other options given (see 'rectctl %s --help')"),
                      cmd->name, o->name, cmd->name);
            return RECT_EXIT_USAGE;
        }
        if (arg && arg->required && !a->val[k]) {
            cli_error(_("%s: --%s is required (see 'rectctl %s --help')"), cmd->name, o->name, cmd->name);
            return RECT_EXIT_USAGE;
        }
    }
    return RECT_EXIT_OK;
}

/* ---- running a command -------------------------------------------------- */

void cli_keys_dir(const rect_client_cfg *conf, char *buf, size_t len)
{
    const char *home = getenv("HOME");
    if (conf && conf->keys_dir)
        snprintf(buf, len, "%s", conf->keys_dir);
    else
        snprintf(buf, len, "%s/.config/rectd", home && *home ? home : ".");
}

/*
 * The key given by --key or $RECTCTL_KEY, read before the user is known
 * (its "user:" line may name the user). 0, or a usage error after a message.
 */
static int s_given_key(cli_ctx *ctx)
{
    const char *path = ctx->g.key;
    if (!path || !*path)
        path = getenv("RECTCTL_KEY");
    if (!path || !*path)
        return RECT_EXIT_OK;
    char err[1024];
    snprintf(ctx->key_path, sizeof ctx->key_path, "%s", path);
    if (keys_read(path, 1, &ctx->key, err, sizeof err) != 0) {
        cli_error("%s", err);
        return RECT_EXIT_USAGE;
    }
    return RECT_EXIT_OK;
}

/*
 * client.key_file (the official's own key) into *k when it is set: 1 if
 * read, 0 if unset, -1 after a message naming the setting.
 */
static int s_conf_key(const cli_ctx *ctx, rect_key *k)
{
    char err[1024];
    if (!ctx->conf->key_file)
        return 0;
    if (keys_read(ctx->conf->key_file, 1, k, err, sizeof err) != 0) {
        cli_error(_("%s: client.key_file: %s"), ctx->conf->path, err);
        return -1;
    }
    return 1;
}

/*
 * The acting user's key (unless --key or $RECTCTL_KEY gave one:
 * client.key_file when it is that user's, else USER.key in the keys
 * folder) and rectd's public key. 0, or a usage error that says where
 * rectctl looked.
 */
static int s_resolve_keys(cli_ctx *ctx)
{
    char err[1024];
    if (!ctx->key_path[0]) {
        rect_key k;
        int got = s_conf_key(ctx, &k);
        if (got < 0)
            return RECT_EXIT_USAGE;
        if (got > 0 && (!k.user[0] || strcmp(k.user, ctx->user_name) == 0)) {
            ctx->key = k;
            snprintf(ctx->key_path, sizeof ctx->key_path, "%s", ctx->conf->key_file);
        }
        sodium_memzero(&k, sizeof k);
    }
    if (!ctx->key_path[0]) {
        char dir[3800];
        cli_keys_dir(ctx->conf, dir, sizeof dir);
        snprintf(ctx->key_path, sizeof ctx->key_path, "%s/%s.key", dir, ctx->user_name);
        if (keys_read(ctx->key_path, 1, &ctx->key, err, sizeof err) != 0) {
            cli_error(_("no key of %s to connect with: %s\n"
                        "rectd admits only users who hold their own key. Give --key FILE or set "
                        "RECTCTL_KEY, or put %s.key in %s (rectctl keygen %s makes one; the admin "
                        "puts its public half in rectd.conf)"),
                      ctx->user_name, err, ctx->user_name, dir, ctx->user_name);
            return RECT_EXIT_USAGE;
        }
    }
    const char *server = ctx->conf->server_key;
    if (!server) {
        cli_error(_("%s: client.server_key is not set: rectctl needs rectd's public key (the "
                    "rectd.pub file or its 40-character key) to know it talks to the real rectd"),
                  ctx->conf->path);
        return RECT_EXIT_USAGE;
    }
    if (keys_public_of(server, ctx->conf->dir, ctx->server_key, err, sizeof err) != 0) {
        cli_error(_("rectd's public key (client.server_key): %s"), err);
        return RECT_EXIT_USAGE;
    }
    return RECT_EXIT_OK;
}

/*
 * The name of the user whose display name is who, from rectd's directory.
 * Asking it needs someone to ask as: the user of the key given, else
 * client.user, else the user of client.key_file. 0 and *name, or an exit
 * code after a message (refused: rectd knows no such name).
 */
static int s_by_display(cli_ctx *ctx, const char *who, const char **name)
{
    const rect_cfg *dir = cli_dir_cached();
    if (!dir) {
        cli_ctx boot = *ctx;
        rect_key k;
        const char *asker = ctx->key_path[0] && ctx->key.user[0] ? ctx->key.user : ctx->conf->user;
        int got = asker ? 0 : s_conf_key(ctx, &k);
        if (got < 0)
            return RECT_EXIT_USAGE;
        if (got > 0 && k.user[0])
            asker = k.user;
        if (!asker) {
            cli_error(_("--as %s: rectctl learns display names from rectd, and needs a user to ask "
                        "as: give the user's name instead (--as NAME), or set client.user in %s"),
                      who, ctx->conf->path);
            return RECT_EXIT_USAGE;
        }
        boot.user_name = asker;
        int rc = s_resolve_keys(&boot);
        if (rc == RECT_EXIT_OK && !(dir = cli_dir(&boot)))
            rc = cli_dir_status();
        sodium_memzero(&boot.key, sizeof boot.key);
        if (got > 0)
            sodium_memzero(&k, sizeof k);
        if (rc != RECT_EXIT_OK)
            return rc;
    }
    const rect_user *u = cfg_user_find(dir, who);
    if (!u) {
        cli_error(_("rectd knows no user named \"%s\", as a name or a display name (see 'rectctl "
                    "directory')"),
                  who);
        return RECT_EXIT_REFUSED;
    }
    *name = u->name;
    return RECT_EXIT_OK;
}

/*
 * The acting user: --as, else $RECTCTL_USER, else the user of the key
 * given, else client.user, else the user of client.key_file; by name, or
 * by display name (looked up in rectd's directory). Returns 0 and sets
 * ctx->user_name, or an exit code after a message.
 */
static int s_resolve_user(cli_ctx *ctx)
{
    static char key_user[RECT_MAX_NAME + 1];
    const char *who = ctx->g.as;
    if (!who || !*who)
        who = getenv("RECTCTL_USER");
    if ((!who || !*who) && ctx->key.user[0])
        who = ctx->key.user;
    if (!who || !*who)
        who = ctx->conf->user;
    if (!who || !*who) {
        rect_key k;
        int got = s_conf_key(ctx, &k);
        if (got < 0)
            return RECT_EXIT_USAGE;
        if (got > 0) {
            snprintf(key_user, sizeof key_user, "%s", k.user);
            sodium_memzero(&k, sizeof k);
            who = key_user;
        }
    }
    if (!who || !*who) {
        cli_error(_("who are you? Give --as USER, set RECTCTL_USER, or set client.user in %s"),
                  ctx->cfg_path);
        return RECT_EXIT_USAGE;
    }
    /* A user name goes as given: rectd, whose config is the one that
     * counts, refuses one it does not know with unknown_user. */
    if (cfg_valid_id(who)) {
        ctx->user_name = who;
        return RECT_EXIT_OK;
    }
    return s_by_display(ctx, who, &ctx->user_name);
}

struct conn *cli_connect(const cli_ctx *ctx, unsigned timeout_ms)
{
    conn_keys keys = {ctx->server_key, ctx->key.public_z85, ctx->key.secret_z85};
    conn_t *conn = conn_new(ctx->conf->endpoint, timeout_ms ? timeout_ms : ctx->conf->timeout_ms,
                            ctx->conf->retries, &keys);
    if (!conn)
        cli_error(_("out of memory"));
    return conn;
}

/*
 * The invocation's connections (cli_conn): one per key it talks with, the
 * acting user's and, when a display name had to be looked up first, the
 * asker's; kept until exit.
 */
#define S_MAX_CONNS 4
static struct {
    conn_t *conn;
    char pub[RECT_Z85_LEN + 1];
} s_conns[S_MAX_CONNS];

struct conn *cli_conn(const cli_ctx *ctx)
{
    size_t i = 0;
    for (; i < S_MAX_CONNS && s_conns[i].conn; i++)
        if (strcmp(s_conns[i].pub, ctx->key.public_z85) == 0) {
            conn_set_timeout(s_conns[i].conn, ctx->conf->timeout_ms);
            return s_conns[i].conn;
        }
    assert(i < S_MAX_CONNS); /* main asks as at most two users */
    if (i == S_MAX_CONNS || !(s_conns[i].conn = cli_connect(ctx, 0)))
        return NULL;
    snprintf(s_conns[i].pub, sizeof s_conns[i].pub, "%s", ctx->key.public_z85);
    return s_conns[i].conn;
}

/* Close the invocation's connections (at exit). */
static void s_conns_close(void)
{
    for (size_t i = 0; i < S_MAX_CONNS; i++)
        conn_destroy(&s_conns[i].conn);
}

/* 1 if arguments of type t go on the wire as the string given. */
static int s_string_arg(rect_arg_type t)
{
    return t == RECT_ARG_NAME || t == RECT_ARG_LINE || t == RECT_ARG_TEXT || t == RECT_ARG_ITEM;
}

/*
 * args from the positional argument and the options that fill a string or
 * BOOL argument of the command line's wire command (other types are the
 * build hook's).
 */
static int s_generic_args(const cli_cmd *cmd, const cli_args *a, json_t *args)
{
    const rect_arg *pos = s_arg_in(a->verb, cmd->pos_arg);
    if (pos && s_string_arg(pos->type) && a->n_pos > 0) {
        json_t *v = json_string(a->pos[0]);
        if (!v) {
            cli_error(_("%s: not valid UTF-8 text"), gettext(cmd->pos));
            return RECT_EXIT_USAGE;
        }
        json_object_set_new(args, pos->name, v);
    }
    for (int k = 0; cmd->opts[k].name; k++) {
        const cli_opt *o = &cmd->opts[k];
        const rect_arg *arg = s_arg_in(a->verb, o->arg);
        if (!arg || !a->val[k])
            continue;
        json_t *v = NULL;
        if (arg->type == RECT_ARG_BOOL && !o->metavar)
            v = json_true();
        else if (s_string_arg(arg->type) && o->metavar)
            v = json_string(a->val[k]);
        else
            continue; /* the build hook's */
        if (!v) {
            cli_error(_("--%s: not valid UTF-8 text"), o->name);
            return RECT_EXIT_USAGE;
        }
        json_object_set_new(args, arg->name, v);
    }
    return RECT_EXIT_OK;
}

/* Print a successful result: as JSON, or through the command's printer. */
static void s_output(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, const json_t *result)
{
    if (cmd->page) {
        cli_page_output(ctx, cmd, a, result);
        return;
    }
    if (ctx->g.json || !cmd->print) {
        char *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) {
            puts(text);
            free(text);
        }
        return;
    }
    cmd->print(ctx, a, result);
}

/*
 * Build the request of cmd, send it and print the reply.
 * Returns the exit code.
 */
static int s_run(cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a)
{
    cli_request req = {0};
    json_t *request = NULL;
    json_t *reply = NULL;
    conn_t *conn = NULL; /* the invocation's (cli_conn): the printer asks the directory over it */
    char client[CONN_CLIENT_ID_LEN + 1] = "";
    const rect_verb *verb = rect_verb_of(a->verb);
    int rc;

    assert(verb); /* a command that is neither local nor a session names its wire command */
    req.args = json_object();
    if (!req.args) {
        cli_error(_("out of memory"));
        rc = RECT_EXIT_USAGE;
        goto done;
    }
    rc = s_generic_args(cmd, a, req.args);
    if (rc == RECT_EXIT_OK && cmd->build)
        rc = cmd->build(ctx, cmd, a, &req);
    if (rc != RECT_EXIT_OK)
        goto done;

    int write = verb->access == RECT_WRITE;
    if (write && conn_client_id(client) != 0) {
        cli_error(_("cannot initialise libsodium"));
        rc = RECT_EXIT_USAGE;
        goto done;
    }
    request = conn_request_new(verb->name, ctx->user_name, json_incref(req.args), write, client);
    /*
     * rectd handles a large attachment (an import of thousands of rows) in one
     * transaction: give each try one more second per 100 KiB attached, so a
     * big import is not reported unreachable while rectd is still at it.
     */
    size_t attached = 0;
    for (size_t i = 0; i < req.n_files; i++)
        attached += req.files[i].size;
    unsigned timeout = ctx->conf->timeout_ms + (unsigned)(attached / (100 * 1024)) * 1000;
    conn = cli_conn(ctx);
    if (conn)
        conn_set_timeout(conn, timeout);
    if (!request || !conn) {
        cli_error(_("out of memory"));
        rc = RECT_EXIT_USAGE;
        goto done;
    }

    conn_frame frames[CLI_MAX_MULTI];
    for (size_t i = 0; i < req.n_files; i++)
        frames[i] = (conn_frame){req.files[i].data, req.files[i].size};
    if ((rc = s_conn_failed(ctx, conn_call(conn, request, frames, req.n_files, &reply))))
        goto done;

    const json_t *result = json_object_get(reply, "result");
    if (json_is_true(json_object_get(reply, "ok")) && cmd->page && json_object_get(result, "next") &&
        !cli_one_page(cmd, a)) {
        rc = cli_pages(ctx, cmd, a, conn, req.args, result); /* page after page, as they come */
    } else if (json_is_true(json_object_get(reply, "ok"))) {
        s_output(ctx, cmd, a, result);
        rc = RECT_EXIT_OK;
    } else {
        s_refused(ctx, reply);
        rc = RECT_EXIT_REFUSED;
    }

done:
    json_decref(reply);
    json_decref(request);
    for (size_t i = 0; i < req.n_files; i++)
        free(req.files[i].data);
    json_decref(req.args);
    return rc;
}

/* ---- completion --------------------------------------------------------- */

/* What completion asks rectd as: set up on the first ask, -1 if it could not be. */
static cli_ctx s_cctx;
static int s_cstate; /* 0 not tried, 1 ready, -1 failed */
static char s_cpath[PATH_MAX];

/* cli_complete_ask_fn: as the completed line's user, briefly (1.5 s, one try). */
static int s_complete_ask(const cli_globals *g, const char *cmd, json_t **result)
{
    char err[1024];
    *result = NULL;
    if (s_cstate == 0) {
        s_cstate = -1;
        s_cctx.g = *g;
        if (g->config)
            s_cctx.cfg_path = g->config;
        else if (cfg_client_default_path(s_cpath, sizeof s_cpath) == 0)
            s_cctx.cfg_path = s_cpath;
        if (!s_cctx.cfg_path || cfg_load_client(s_cctx.cfg_path, &s_cctx.conf, err, sizeof err) != 0)
            return -1;
        s_cctx.conf->timeout_ms = 1500;
        s_cctx.conf->retries = 1;
        if (s_given_key(&s_cctx) != RECT_EXIT_OK || s_resolve_user(&s_cctx) != RECT_EXIT_OK ||
            s_resolve_keys(&s_cctx) != RECT_EXIT_OK)
            return -1;
        s_cstate = 1;
    }
    if (s_cstate < 0)
        return -1;
    conn_t *conn = cli_conn(&s_cctx);
    if (!conn)
        return -1;
    int rc = cli_call(&s_cctx, conn, cmd, NULL, result);
    return rc == RECT_EXIT_OK ? 0 : -1;
}

/*
 * rectctl --complete WORD...: for config/bash-completion/rectctl (not in
 * --help: it is for the shell). Silent on stderr: nothing to offer is
 * offered as nothing.
 */
static int s_complete(int argc, char **argv)
{
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDERR_FILENO);
        close(null);
    }
    int rc = cli_complete(argc, argv, s_complete_ask);
    cli_dir_free();
    s_conns_close();
    cfg_client_destroy(&s_cctx.conf);
    sodium_memzero(&s_cctx.key, sizeof s_cctx.key);
    return rc;
}

/*
 * A catalogue folder rel in the executable's folder exe_dir (a build's:
 * ./build/locale, build/asan/locale) into buf: 0 if it is a folder. Only a
 * folder counts: beside /usr/bin/rectctl, /usr/bin/locale is the locale
 * program.
 */
static int s_locale_dir(const char *exe_dir, const char *rel, char *buf, size_t len)
{
    struct stat st;
    int n = snprintf(buf, len, "%s/%s", exe_dir, rel);
    return n > 0 && (size_t)n < len && stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/*
 * The folder rel beside the executable into buf: 0 if it holds a catalogue
 * of rectctl's (LANG/LC_MESSAGES/rectctl.mo) for some language, or is
 * LOCALEDIR itself (an installed rectctl: no need to look). The system's
 * share/locale holds many other programs' catalogues: only one of
 * rectctl's makes it rectctl's.
 */
static int s_catalogues_beside_exe(const char *exe_dir, const char *rel, char *buf, size_t len)
{
    glob_t g;
    char pattern[PATH_MAX + 64];
    struct stat here, installed;
    if (s_locale_dir(exe_dir, rel, buf, len) != 0)
        return -1;
    if (stat(buf, &here) == 0 && stat(LOCALEDIR, &installed) == 0 && here.st_dev == installed.st_dev &&
        here.st_ino == installed.st_ino)
        return 0;
    snprintf(pattern, sizeof pattern, "%s/*/LC_MESSAGES/" CLI_TEXTDOMAIN ".mo", buf);
    int found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    return found ? 0 : -1;
}

/*
 * The locale rectctl speaks in: only the categories it uses, LC_CTYPE (the
 * terminal's encoding) and LC_MESSAGES (the language). LC_ALL would load
 * every category at each start, and LC_NUMERIC's decimal comma in some
 * languages would get into numbers rectctl writes (the printed ledger's
 * CSS). The catalogues are those of a build in the source tree (make puts
 * them in build/locale), else those installed with this rectctl
 * (PREFIX/bin/rectctl finds PREFIX/share/locale, also when the tree was
 * installed under a DESTDIR or moved), else LOCALEDIR as compiled in;
 * output is UTF-8 like the data.
 */
static void s_setup_locale(void)
{
    setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
    char exe_dir[PATH_MAX], locale_dir[PATH_MAX];
    if (cfg_beside_exe(".", exe_dir, sizeof exe_dir) != 0 ||
        (s_locale_dir(exe_dir, "build/locale", locale_dir, sizeof locale_dir) != 0 &&
         s_locale_dir(exe_dir, "locale", locale_dir, sizeof locale_dir) != 0 &&
         s_catalogues_beside_exe(exe_dir, "../share/locale", locale_dir, sizeof locale_dir) != 0))
        snprintf(locale_dir, sizeof locale_dir, "%s", LOCALEDIR);
    bindtextdomain(CLI_TEXTDOMAIN, locale_dir);
    bind_textdomain_codeset(CLI_TEXTDOMAIN, "UTF-8");
    textdomain(CLI_TEXTDOMAIN);
}

int main(int argc, char **argv)
{
    cli_ctx ctx = {0};
    cli_args a = {0};
    const cli_cmd *cmd = NULL;
    char err[1024];
    int rc;

    s_setup_locale();

    if (argc >= 2 && strcmp(argv[1], "--complete") == 0)
        return s_complete(argc - 2, argv + 2);
    rc = s_parse(argc, argv, &ctx.g, &cmd, &a);
    if (rc != RECT_EXIT_OK)
        return rc;
    char conf_path[PATH_MAX];
    if (ctx.g.config)
        ctx.cfg_path = ctx.g.config;
    else if (cfg_client_default_path(conf_path, sizeof conf_path) == 0)
        ctx.cfg_path = conf_path;

    if (ctx.g.version) {
        printf(_("rectctl %s (protocol %d)\n"), RECT_VERSION, RECT_PROTOCOL_VERSION);
        return RECT_EXIT_OK;
    }
    if (ctx.g.help) {
        if (cmd && strcmp(cmd->name, "help") != 0)
            s_help_command(cmd);
        else
            s_help_overview(&ctx);
        return RECT_EXIT_OK;
    }
    if (!cmd) {
        fprintf(
            stderr,
            _("usage: rectctl [-c CONFIG] [--as USER] [--key FILE] [--json] [--color[=WHEN]] COMMAND [ARGS...]\n"
              "Try 'rectctl --help'.\n"));
        return RECT_EXIT_USAGE;
    }
    rc = s_check(cmd, &a);
    if (rc != RECT_EXIT_OK)
        return rc;
    int offline = (cmd->flags & CLI_OFFLINE_KEY) && a.val[cli_opt_index(cmd, "key")];
    if (cmd->local && (!(cmd->flags & CLI_SESSION) || offline))
        return cmd->local(&ctx, &a);

    if (!ctx.cfg_path) {
        cli_error(_("no config found (looked at %s): give -c FILE or set RECTCTL_CONFIG, or copy "
                    "config/rectctl.conf to ~/.config/rectd/rectctl.conf and set its endpoint and "
                    "server_key"),
                  conf_path);
        return RECT_EXIT_USAGE;
    }
    if (cfg_load_client(ctx.cfg_path, &ctx.conf, err, sizeof err) != 0) {
        cli_error("%s", err);
        return RECT_EXIT_USAGE;
    }
    rc = s_given_key(&ctx);
    if (rc == RECT_EXIT_OK)
        rc = s_resolve_user(&ctx);
    if (rc == RECT_EXIT_OK)
        rc = s_resolve_keys(&ctx);
    if (rc == RECT_EXIT_OK)
        rc = (cmd->flags & CLI_SESSION) ? cmd->local(&ctx, &a) : s_run(&ctx, cmd, &a);
    cli_dir_free();
    s_conns_close();
    cfg_client_destroy(&ctx.conf);
    sodium_memzero(&ctx.key, sizeof ctx.key);
    return rc;
}
