/*
 * render.c - tables and details for people. Columns are measured in display
 * columns (text_width), not bytes, so Chinese text lines up; long cells are
 * cut with text_fit.
 */
#include "render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "i18n.h"
#include "rect_date.h"
#include "cli.h"
#include "rect_proto.h"
#include "rect_refusal.h"
#include "rect_text.h"

/* Columns between two table columns. */
#define S_GAP 2
/* Bytes for one fitted cell: up to 4 bytes a column, plus "…". */
#define S_CELL_MAX_COLS 1000
#define S_CELL_BYTES (S_CELL_MAX_COLS * 4 + 8)
/* Fewest columns for the list's title on a narrow terminal. */
#define S_TITLE_MIN 16

/* Labels of kinds and actions: msgids are the wire identifiers (states' are
 * common/refusal.c's, the one set every client shows). */
static const char *const s_kind_labels[RECT_KIND_COUNT] = {N_("immediate"), N_("long-term")};
static const char *const s_action_labels[] = {
    N_("claim"),
    N_("assign"),
    N_("start"),
    N_("evidence"),
    N_("verify"),
    N_("reject"),
    N_("close"),
    N_("reopen"),
    N_("extend"),
    N_("approve_extension"),
    N_("deny_extension"),
    N_("escalate"),
    N_("review"),
    N_("relapse"),
    N_("inspection"),
    N_("decline"),
    N_("withdraw_decline"),
    N_("amend"),
    N_("sign"),
    N_("urge"),
    N_("reply"),
    N_("acknowledge"),
    N_("backup"),
    N_("password_reset"),
};
/* Field labels history uses beyond show's (msgids are the field names). */
static const char *const s_more_fields[] __attribute__((unused)) = {N_("parent"), N_("declined")};
/* Roles as ping shows them (msgctxt "role": "owner" the role, not the show label). */
static const char *const s_role_labels[RECT_ROLE_COUNT] = {
    NC_("role", "admin"),    NC_("role", "leader"), NC_("role", "owner"),
    NC_("role", "verifier"), NC_("role", "viewer"), NC_("role", "gateway"),
};
/* A new action without a label would print NULL: keep the table whole. */
_Static_assert(sizeof s_action_labels / sizeof s_action_labels[0] == RECT_ACT_COUNT,
               "a label for every action");

/* ---- small accessors: a missing or mistyped field reads as NULL / -1 ---- */

static const char *s_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static long long s_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *render_int(const json_t *obj, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, len, "-");
    return buf;
}

static const char *s_or_dash(const char *s)
{
    return s && *s ? s : "-";
}

/* Print n spaces. */
static void s_pad(FILE *out, int n)
{
    for (; n > 0; n--)
        fputc(' ', out);
}

/* Print s cut to width columns; pad to exactly width unless last. */
static void s_cell(FILE *out, const char *s, int width, int right, int last)
{
    char buf[S_CELL_BYTES];
    int w = text_fit(s, width > S_CELL_MAX_COLS ? S_CELL_MAX_COLS : width, buf, sizeof buf);
    if (right)
        s_pad(out, width - w);
    fputs(buf, out);
    if (!right && !last)
        s_pad(out, width - w);
}

/*
 * Print a possibly multi-line text; lines after the first are indented by
 * `indent` columns. Ends with a newline.
 */
static void s_multiline(FILE *out, const char *text, int indent)
{
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fwrite(p, 1, n, out);
        fputc('\n', out);
        if (!nl)
            break;
        p = nl + 1;
        s_pad(out, indent);
    }
}

/* A byte count for people: "980 B", "12.1 KiB", "3.4 MiB". */
static const char *s_size(long long n, char *buf, size_t len)
{
    if (n < 0)
        snprintf(buf, len, "-");
    else if (n < 1024)
        snprintf(buf, len, _("%lld B"), n);
    else if (n < 1024 * 1024)
        snprintf(buf, len, _("%.1f KiB"), (double)n / 1024.0);
    else
        snprintf(buf, len, _("%.1f MiB"), (double)n / (1024.0 * 1024.0));
    return buf;
}

/* ---- shared pieces ------------------------------------------------------ */

int render_term_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    /* Not a terminal (or it does not say): $COLUMNS as the shell exports it. */
    const char *cols = getenv("COLUMNS");
    char *end;
    long n = cols && *cols ? strtol(cols, &end, 10) : 0;
    if (n >= 20 && n <= 1000 && *end == '\0')
        return (int)n;
    return RENDER_DEFAULT_WIDTH;
}

int render_colour_mode = RENDER_COLOUR_AUTO;

int render_colour(FILE *out)
{
    if (render_colour_mode != RENDER_COLOUR_AUTO)
        return render_colour_mode == RENDER_COLOUR_ALWAYS;
    /* Colour only on a terminal, and never when $NO_COLOR is set (no-color.org). */
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(out)) && !(nc && *nc);
}

int render_progress_ok(void)
{
    const char *term = getenv("TERM");
    return isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

static int s_progress_drawn;

void render_progress_clear(void)
{
    if (!s_progress_drawn)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    s_progress_drawn = 0;
}

void render_progress(const char *what, long done, long total)
{
    enum { BAR = 24 };
    if (total < 1 || !render_progress_ok())
        return;
    if (done >= total) {
        render_progress_clear();
        return;
    }
    s_progress_drawn = 1;
    char bar[BAR + 1];
    long fill = done * BAR / total;
    for (int i = 0; i < BAR; i++)
        bar[i] = i < fill ? '=' : ' ';
    bar[BAR] = '\0';
    fprintf(stderr, "\r%s %ld/%ld [%s]", what, done, total, bar);
    fflush(stderr);
}

const char *render_user(const rect_cfg *cfg, const char *name)
{
    if (!name)
        return "-";
    const rect_user *u = cfg ? cfg_user(cfg, name) : NULL;
    return u && u->display && *u->display ? u->display : name;
}

const char *render_unit(const rect_cfg *cfg, const char *id)
{
    if (!id)
        return "-";
    const rect_named *n = cfg ? cfg_unit_find(cfg, id) : NULL;
    return n && n->name && *n->name ? n->name : id;
}

const char *render_source(const rect_cfg *cfg, const char *id)
{
    if (!id)
        return "-";
    const rect_named *n = cfg ? cfg_source_find(cfg, id) : NULL;
    return n && n->name && *n->name ? n->name : id;
}

const char *cli_tr(const char *msgid, void *arg)
{
    (void)arg;
    return gettext(msgid);
}

const char *render_state(const char *state, char *buf, size_t len)
{
    rect_lang lang = {cli_tr, NULL, NULL};
    const char *label = refusal_state_label(&lang, state);
    snprintf(buf, len, "%s", label ? label : s_or_dash(state));
    return buf;
}

const char *render_kind(const char *kind)
{
    int i = rect_lookup(rect_kind_names, RECT_KIND_COUNT, kind);
    return i >= 0 ? gettext(s_kind_labels[i]) : s_or_dash(kind);
}

/* The translated label of an event action, or the identifier itself. */
static const char *s_action(const char *action)
{
    int i = rect_lookup(rect_action_names, RECT_ACT_COUNT, action);
    return i >= 0 ? gettext(s_action_labels[i]) : s_or_dash(action);
}

const char *render_item_name(const json_t *item, char *buf, size_t len)
{
    const char *ref = s_str(item, "ref");
    char id[32];
    render_int(item, "id", id, sizeof id);
    if (ref && *ref)
        snprintf(buf, len, _("item %s (%s)"), id, ref);
    else
        snprintf(buf, len, _("item %s"), id);
    return buf;
}

const char *render_instant(const char *utc, const char *zone, char *buf, size_t len)
{
    time_t t;
    if (!utc)
        snprintf(buf, len, "-");
    else if (instant_parse(utc, &t) == 0 && len >= 17)
        instant_format_local(t, zone, buf, len);
    else
        snprintf(buf, len, "%s", utc);
    return buf;
}

/* ---- list ------------------------------------------------------------- */

enum { C_ID, C_REF, C_STATE, C_KIND, C_SOURCE, C_OWNER, C_DEADLINE, C_LIGHT, C_TITLE, C_COUNT };

/* Column headers, and the most columns a column may take (title: the rest). */
static const char *const s_list_heads[C_COUNT] = {
    N_("ID"),    N_("REF"),      N_("STATE"), N_("KIND"),  N_("SOURCE"),
    N_("OWNER"), N_("DEADLINE"), N_("LIGHT"), N_("TITLE"),
};
static const int s_list_max[C_COUNT] = {8, 16, 28, 16, 20, 14, 10, 12, 0};

/* Deadline lights (list "light"): msgids are the wire words. */
static const char *const s_light_words[] = {"green", "yellow", "red"};
static const char *const s_light_labels[] = {N_("green"), N_("yellow"), N_("red")};
static const char *const s_light_ansi[] = {"\033[32m", "\033[33m", "\033[31m"};

/* Index of a light word, or -1 (null, missing, unknown). */
static int s_light(const json_t *item)
{
    const char *l = s_str(item, "light");
    for (int i = 0; l && i < 3; i++)
        if (strcmp(l, s_light_words[i]) == 0)
            return i;
    return -1;
}

/* The cells of one row; the pointers live as long as the row, item and cfg. */
typedef struct {
    char id[24];
    char state[96];
    const char *cell[C_COUNT];
} s_row;

static void s_row_fill(s_row *r, const rect_cfg *cfg, const json_t *item)
{
    r->cell[C_ID] = render_int(item, "id", r->id, sizeof r->id);
    r->cell[C_REF] = s_or_dash(s_str(item, "ref"));
    r->cell[C_STATE] = render_state(s_str(item, "state"), r->state, sizeof r->state);
    r->cell[C_KIND] = render_kind(s_str(item, "kind"));
    r->cell[C_SOURCE] = render_source(cfg, s_str(item, "source"));
    r->cell[C_OWNER] = render_user(cfg, s_str(item, "owner"));
    r->cell[C_DEADLINE] = s_or_dash(s_str(item, "deadline"));
    int l = s_light(item);
    r->cell[C_LIGHT] = l >= 0 ? gettext(s_light_labels[l]) : "-";
    r->cell[C_TITLE] = s_or_dash(s_str(item, "title"));
}

_Static_assert(C_COUNT <= RENDER_LIST_COLS, "render_list_layout has room for every column");

void render_list_head(FILE *out, const rect_cfg *cfg, const json_t *items, int width, int more,
                      render_list_layout *lay)
{
    size_t n = json_array_size(items);
    int *w = lay->w, *hide = lay->hide;
    s_row row;

    memset(lay, 0, sizeof *lay);
    for (int c = 0; c < C_COUNT; c++)
        w[c] = text_width(gettext(s_list_heads[c]));
    for (size_t i = 0; i < n; i++) {
        s_row_fill(&row, cfg, json_array_get(items, i));
        for (int c = 0; c < C_TITLE; c++) {
            int cw = text_width(row.cell[c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    /* Pages follow, with larger ids than this one may show: room for any. */
    if (more)
        w[C_ID] = s_list_max[C_ID];
    /* Cap every column but the title; the title gets what is left. */
    int used = 0;
    for (int c = 0; c < C_TITLE; c++) {
        int head = text_width(gettext(s_list_heads[c]));
        int cap = s_list_max[c] > head ? s_list_max[c] : head;
        if (w[c] > cap)
            w[c] = cap;
        used += w[c] + S_GAP;
    }
    /* On a narrow terminal, cut other columns (with "…") before the
     * title drops below its minimum: the least telling ones first. */
    static const struct {
        int col, min;
    } shrink[] = {{C_SOURCE, 8}, {C_KIND, 6}, {C_OWNER, 6}, {C_REF, 8}, {C_STATE, 6}, {C_REF, 6}};
    /* Still too wide: leave whole columns out, the least telling first,
     * so that every line fits the terminal (after the first two cuts). */
    static const int drop[] = {C_SOURCE, C_KIND, C_DEADLINE, C_OWNER, C_LIGHT};
    size_t dropped = 0;
    for (size_t j = 0; j < sizeof shrink / sizeof shrink[0]; j++) {
        int c = shrink[j].col;
        while (!hide[c] && width - used < S_TITLE_MIN && w[c] > shrink[j].min) {
            w[c]--;
            used--;
        }
        for (; j >= 1 && dropped < sizeof drop / sizeof drop[0] && width - used < S_TITLE_MIN; dropped++) {
            used -= w[drop[dropped]] + S_GAP;
            hide[drop[dropped]] = 1;
        }
    }
    w[C_TITLE] = width - used;
    if (w[C_TITLE] < 4)
        w[C_TITLE] = 4;

    for (int c = 0; c < C_COUNT; c++) {
        if (hide[c])
            continue;
        s_cell(out, gettext(s_list_heads[c]), w[c], c == C_ID, c == C_TITLE);
        if (c != C_TITLE)
            s_pad(out, S_GAP);
    }
    fputc('\n', out);
}

void render_list_rows(FILE *out, const rect_cfg *cfg, const json_t *items, const render_list_layout *lay)
{
    size_t n = json_array_size(items);
    const int *w = lay->w, *hide = lay->hide;
    int colour = render_colour(out);
    s_row row;
    for (size_t i = 0; i < n; i++) {
        s_row_fill(&row, cfg, json_array_get(items, i));
        int l = s_light(json_array_get(items, i));
        for (int c = 0; c < C_COUNT; c++) {
            if (hide[c])
                continue;
            if (c == C_LIGHT && colour && l >= 0) {
                fputs(s_light_ansi[l], out);
                s_cell(out, row.cell[c], w[c], 0, 1);
                fputs("\033[0m", out);
                s_pad(out, w[c] - text_width(row.cell[c]) + S_GAP);
                continue;
            }
            s_cell(out, row.cell[c], w[c], c == C_ID, c == C_TITLE);
            if (c != C_TITLE)
                s_pad(out, S_GAP);
        }
        fputc('\n', out);
    }
}

void render_list_count(FILE *out, size_t n)
{
    fprintf(out, ngettext("%zu item\n", "%zu items\n", n), n);
}

void render_list(FILE *out, const rect_cfg *cfg, const json_t *result, int width)
{
    const json_t *items = json_object_get(result, "items");
    render_list_layout lay;
    if (json_array_size(items) > 0) {
        render_list_head(out, cfg, items, width, 0, &lay);
        render_list_rows(out, cfg, items, &lay);
    }
    render_list_count(out, json_array_size(items));
}

/* ---- show ------------------------------------------------------------- */

/* Print "label:" padded to `indent` columns (labels are translated). */
static void s_label(FILE *out, const char *label, int indent)
{
    /* TRANSLATORS: a field label followed by its value, e.g. "owner:". */
    char buf[256];
    snprintf(buf, sizeof buf, _("%s:"), label);
    fputs(buf, out);
    s_pad(out, indent - text_width(buf));
}

/* "display (name)" when the two differ, else just one of them. */
static const char *s_both(const char *shown, const char *raw, char *buf, size_t len)
{
    if (!raw)
        return "-";
    if (strcmp(shown, raw) == 0)
        return raw;
    snprintf(buf, len, "%s (%s)", shown, raw);
    return buf;
}

/* The deadline, with how overdue rectd says it is (facts.days_overdue: open items, red). */
static const char *s_deadline(const json_t *item, const json_t *facts, char *buf, size_t len)
{
    const char *deadline = s_str(item, "deadline");
    const json_t *late = json_object_get(facts, "days_overdue");
    if (!deadline)
        return "-";
    snprintf(buf, len, "%s", deadline);
    if (json_is_integer(late) && json_integer_value(late) > 0)
        snprintf(buf, len,
                 ngettext("%s (overdue by %ld day)", "%s (overdue by %ld days)",
                          (unsigned long)json_integer_value(late)),
                 deadline, (long)json_integer_value(late));
    return buf;
}

/* One evidence file line: "name  12.1 KiB  sha256 9b1e3c4d5e6f". */
static void s_file(FILE *out, const json_t *file, int indent)
{
    char size[32];
    const char *sha = s_str(file, "sha256");
    s_pad(out, indent);
    fprintf(out, _("%s  %s  sha256 %.12s\n"), s_or_dash(s_str(file, "name")),
            s_size(s_int(file, "size"), size, sizeof size), s_or_dash(sha));
}

/*
 * Under a file that other items filed as evidence too (show's `reused_by`,
 * the fake-closeout pattern): "※ also evidence of item 28" or "※ also
 * evidence of items 4, 28". Nothing when the file is not reused.
 */
static void s_reused(FILE *out, const json_t *file, int indent)
{
    const json_t *by = json_object_get(file, "reused_by");
    size_t n = json_array_size(by);
    char ids[256];
    size_t used = 0;
    if (n == 0)
        return;
    ids[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(by, i);
        if (used > sizeof ids - 32) {
            snprintf(ids + used, sizeof ids - used, ", …");
            break;
        }
        if (json_is_integer(v))
            used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%lld", i ? ", " : "",
                                     (long long)json_integer_value(v));
        else
            used += (size_t)snprintf(ids + used, sizeof ids - used, "%s?", i ? ", " : "");
    }
    s_pad(out, indent);
    /* TRANSLATORS: under an evidence file that other items filed too (the same
     * SHA-256); %s is a list of item ids, e.g. "4, 28". */
    fprintf(out, ngettext("※ also evidence of item %s\n", "※ also evidence of items %s\n", (unsigned long)n),
            ids);
}

/* show's urges (督办): who, when, what, the reply-by date and whether answered (rectd says). */
static void s_urges(FILE *out, const rect_cfg *cfg, const json_t *urges)
{
    const char *zone = cfg ? cfg->timezone : NULL;
    size_t n = json_array_size(urges), open = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        open += !json_is_true(json_object_get(json_array_get(urges, i), "answered"));
    fputc('\n', out);
    /* TRANSLATORS: show's list of urges (督办): how many, how many not yet answered. */
    fprintf(out, _("Urges (%zu, %zu open):\n"), n, open);
    for (size_t i = 0; i < n; i++) {
        const json_t *u = json_array_get(urges, i), *ans = json_object_get(u, "answer");
        char when[64], seq[32], by[96] = "";
        if (s_str(u, "reply_by"))
            snprintf(by, sizeof by, _("  reply by %s"), s_str(u, "reply_by"));
        fprintf(out, "  #%s  %s  %s%s%s\n", render_int(u, "seq", seq, sizeof seq),
                render_instant(s_str(u, "at"), zone, when, sizeof when), render_user(cfg, s_str(u, "by")), by,
                json_is_true(json_object_get(u, "overdue")) ? _("  (reply-by date passed)") : "");
        s_pad(out, 6);
        s_multiline(out, s_or_dash(s_str(u, "note")), 6);
        s_pad(out, 6);
        if (json_is_object(ans))
            fprintf(out, _("answered by %s at %s (%s #%lld)%s\n"), render_user(cfg, s_str(ans, "by")),
                    render_instant(s_str(ans, "at"), zone, when, sizeof when), s_action(s_str(ans, "action")),
                    (long long)s_int(ans, "seq"),
                    json_is_true(json_object_get(u, "answered_late")) ? _(", after the reply-by date") : "");
        else
            fprintf(out, "%s\n", _("not answered yet"));
    }
}

void render_show(FILE *out, const rect_cfg *cfg, const json_t *result)
{
    const json_t *item = json_object_get(result, "item");
    const char *zone = cfg ? cfg->timezone : NULL;
    static const char *const labels[] = {
        N_("ID"),          N_("ref"),      N_("inspection"), N_("source"),   N_("kind"),       N_("title"),
        N_("description"), N_("measures"), N_("leader"),     N_("unit"),     N_("owner"),      N_("deadline"),
        N_("state"),       N_("created"),  N_("updated"),    N_("evidence"), N_("rejections"),
    };
    enum { L_COUNT = sizeof labels / sizeof labels[0] };
    char bufs[L_COUNT][128];
    const char *values[L_COUNT];
    const char *raw;
    int k = 0;

    values[k] = render_int(item, "id", bufs[k], sizeof bufs[k]), k++;
    values[k++] = s_or_dash(s_str(item, "ref"));
    values[k++] = s_or_dash(s_str(item, "inspection"));
    raw = s_str(item, "source");
    values[k] = s_both(render_source(cfg, raw), raw, bufs[k], sizeof bufs[k]), k++;
    values[k++] = render_kind(s_str(item, "kind"));
    values[k++] = s_or_dash(s_str(item, "title"));
    values[k++] = s_or_dash(s_str(item, "description"));
    values[k++] = s_or_dash(s_str(item, "measures"));
    raw = s_str(item, "leader");
    values[k] = s_both(render_user(cfg, raw), raw, bufs[k], sizeof bufs[k]), k++;
    raw = s_str(item, "unit");
    values[k] = s_both(render_unit(cfg, raw), raw, bufs[k], sizeof bufs[k]), k++;
    raw = s_str(item, "owner");
    values[k] = s_both(render_user(cfg, raw), raw, bufs[k], sizeof bufs[k]), k++;
    values[k] = s_deadline(item, json_object_get(result, "facts"), bufs[k], sizeof bufs[k]), k++;
    values[k] = render_state(s_str(item, "state"), bufs[k], sizeof bufs[k]), k++;
    values[k] = render_instant(s_str(item, "created"), zone, bufs[k], sizeof bufs[k]), k++;
    values[k] = render_instant(s_str(item, "updated"), zone, bufs[k], sizeof bufs[k]), k++;
    values[k] = render_int(item, "evidence_count", bufs[k], sizeof bufs[k]), k++;
    values[k] = render_int(item, "rejections", bufs[k], sizeof bufs[k]), k++;

    /* Deadline, acceptance and consolidation fields: shown when set. */
    static const char *const more_labels[] = {
        N_("original deadline"), N_("extensions"), N_("extension requested"),
        N_("escalations"),       N_("verified"),   N_("closed"),
        N_("next review"),       N_("relapses"),   N_("acknowledged"),
    };
    enum { M_COUNT = sizeof more_labels / sizeof more_labels[0] };
    char mbufs[M_COUNT][512], w1[64], w2[64];
    const char *more[M_COUNT] = {0};
    const char *orig = s_str(item, "original_deadline");
    if (orig && s_str(item, "deadline") && strcmp(orig, s_str(item, "deadline")) != 0)
        more[0] = orig;
    if (s_int(item, "extensions") > 0)
        more[1] = render_int(item, "extensions", mbufs[1], sizeof mbufs[1]);
    const json_t *ext = json_object_get(item, "extension");
    if (json_is_object(ext)) {
        /* TRANSLATORS: a pending extension: new deadline, who asked, when, why. */
        snprintf(mbufs[2], sizeof mbufs[2], _("to %s, by %s at %s: %s"), s_or_dash(s_str(ext, "deadline")),
                 render_user(cfg, s_str(ext, "by")), render_instant(s_str(ext, "at"), zone, w1, sizeof w1),
                 s_or_dash(s_str(ext, "reason")));
        more[2] = mbufs[2];
    }
    if (s_int(item, "escalations") > 0)
        more[3] = render_int(item, "escalations", mbufs[3], sizeof mbufs[3]);
    if (s_str(item, "verified_by")) {
        snprintf(mbufs[4], sizeof mbufs[4], "%s  %s", render_user(cfg, s_str(item, "verified_by")),
                 render_instant(s_str(item, "verified_at"), zone, w1, sizeof w1));
        more[4] = mbufs[4];
    }
    if (s_str(item, "closed_by")) {
        snprintf(mbufs[5], sizeof mbufs[5], "%s  %s", render_user(cfg, s_str(item, "closed_by")),
                 render_instant(s_str(item, "closed_at"), zone, w2, sizeof w2));
        more[5] = mbufs[5];
    }
    more[6] = s_str(item, "next_review");
    if (s_int(item, "relapses") > 0)
        more[7] = render_int(item, "relapses", mbufs[7], sizeof mbufs[7]);
    if (s_str(item, "acknowledged_by")) { /* 签收 of the current assignment */
        snprintf(mbufs[8], sizeof mbufs[8], "%s  %s", render_user(cfg, s_str(item, "acknowledged_by")),
                 render_instant(s_str(item, "acknowledged_at"), zone, w1, sizeof w1));
        more[8] = mbufs[8];
    }

    char tmp[256];
    int indent = 0;
    for (int i = 0; i < L_COUNT + M_COUNT; i++) {
        if (i >= L_COUNT && !more[i - L_COUNT])
            continue;
        snprintf(tmp, sizeof tmp, _("%s:"), gettext(i < L_COUNT ? labels[i] : more_labels[i - L_COUNT]));
        int lw = text_width(tmp) + 1;
        if (lw > indent)
            indent = lw;
    }
    for (int i = 0; i < L_COUNT; i++) {
        s_label(out, gettext(labels[i]), indent);
        s_multiline(out, values[i], indent);
    }
    for (int i = 0; i < M_COUNT; i++) {
        if (!more[i])
            continue;
        s_label(out, gettext(more_labels[i]), indent);
        s_multiline(out, more[i], indent);
    }

    /* 举一反三: the problem it came from, and the items found from it (rectd computes both). */
    const json_t *parent = json_object_get(result, "parent");
    if (json_is_object(parent)) {
        char pname[256];
        s_label(out, _("found from"), indent);
        fprintf(out, "%s  %s\n", render_item_name(parent, pname, sizeof pname),
                s_or_dash(s_str(parent, "title")));
    }
    const json_t *children = json_object_get(result, "children");
    if (json_array_size(children) > 0) {
        fputc('\n', out);
        fprintf(out, _("Found from it (举一反三, %zu):\n"), json_array_size(children));
        for (size_t i = 0; i < json_array_size(children); i++) {
            const json_t *ch = json_array_get(children, i);
            char cname[256], st[96];
            fprintf(out, "  %s  %s  %s\n", render_item_name(ch, cname, sizeof cname),
                    render_state(s_str(ch, "state"), st, sizeof st), s_or_dash(s_str(ch, "title")));
        }
    }

    s_urges(out, cfg, json_object_get(result, "urges"));
    json_t *evidence = json_object_get(result, "evidence");
    size_t n = json_array_size(evidence);
    if (n == 0)
        return;
    fputc('\n', out);
    fprintf(out, _("Evidence (%zu):\n"), n);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(evidence, i);
        char when[64], seq[32];
        fprintf(out, "  #%s  %s  %s\n", render_int(e, "seq", seq, sizeof seq),
                render_instant(s_str(e, "at"), zone, when, sizeof when), render_user(cfg, s_str(e, "actor")));
        s_pad(out, 6);
        s_multiline(out, s_or_dash(s_str(e, "note")), 6);
        json_t *files = json_object_get(e, "files");
        for (size_t f = 0; f < json_array_size(files); f++) {
            s_file(out, json_array_get(files, f), 6);
            s_reused(out, json_array_get(files, f), 8);
        }
    }
}

/* ---- history ---------------------------------------------------------- */

/* A changed value for people, by field: names shown by display name. */
static const char *s_value(const rect_cfg *cfg, const char *field, const json_t *v, char *buf, size_t len)
{
    if (!v || json_is_null(v))
        return "-";
    if (json_is_string(v) && !*json_string_value(v))
        return "\"\"";
    if (json_is_integer(v)) {
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (!json_is_string(v)) {
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, len, "%s", dump ? dump : "?");
        free(dump);
        return buf;
    }
    const char *s = json_string_value(v);
    if (strcmp(field, "owner") == 0 || strcmp(field, "leader") == 0 || strcmp(field, "verified_by") == 0 ||
        strcmp(field, "closed_by") == 0)
        return render_user(cfg, s);
    if (strcmp(field, "unit") == 0)
        return render_unit(cfg, s);
    if (strcmp(field, "source") == 0)
        return render_source(cfg, s);
    if (strcmp(field, "kind") == 0)
        return render_kind(s);
    if (strcmp(field, "state") == 0)
        return render_state(s, buf, len);
    if (strcmp(field, "verified_at") == 0 || strcmp(field, "closed_at") == 0)
        return render_instant(s, cfg ? cfg->timezone : NULL, buf, len);
    return s;
}

/* "  field: old → new" for every change of one event, in the reply's order. */
static void s_changes(FILE *out, const rect_cfg *cfg, const json_t *changes)
{
    const char *field;
    json_t *pair;
    json_object_foreach((json_t *)changes, field, pair) {
        json_t *before = json_array_get(pair, 0), *after = json_array_get(pair, 1);
        /* A claim lists every field, also those it left empty: skip those. */
        if (json_equal(before, after) || (json_is_null(before) && !after))
            continue;
        char a[256], b[256];
        const char *old = s_value(cfg, field, before, a, sizeof a);
        const char *new = s_value(cfg, field, after, b, sizeof b);
        /* The field's label: the same msgids as render_show's labels. */
        fputs("  ", out);
        s_label(out, strcmp(field, "evidence_count") == 0 ? _("evidence") : gettext(field), 0);
        fputc(' ', out);
        /* Long texts (description, measures) keep their line breaks. */
        if (strchr(old, '\n') || strchr(new, '\n')) {
            fputc('\n', out);
            s_pad(out, 4);
            s_multiline(out, old, 4);
            fputs("  → ", out);
            s_multiline(out, new, 4);
        } else {
            fprintf(out, "%s → %s\n", old, new);
        }
    }
}

/* "connected: curve:KEY unix:ACCOUNT(UID) pid:PID [(via GATEWAY)]", after indent: who proved to be behind it. */
static void s_principal(FILE *out, const json_t *obj, const char *indent)
{
    const char *principal = s_str(obj, "principal"), *via = s_str(obj, "via");
    if (!principal)
        return;
    fputs(indent, out);
    s_label(out, _("connected"), 0);
    fprintf(out, " %s", principal);
    if (via)
        fprintf(out, _(" (via %s)"), via);
    fputc('\n', out);
}

void render_history(FILE *out, const rect_cfg *cfg, const json_t *result)
{
    const json_t *item = json_object_get(result, "item");
    json_t *events = json_object_get(result, "events");
    const char *zone = cfg ? cfg->timezone : NULL;
    char name[256];

    fprintf(out, "%s: %s\n", render_item_name(item, name, sizeof name), s_or_dash(s_str(item, "title")));
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *ev = json_array_get(events, i);
        char when[64], seq[32];
        const char *hash = s_str(ev, "hash");
        fprintf(out, "\n#%s  %s  %s  %s  [%.12s]\n", render_int(ev, "seq", seq, sizeof seq),
                render_instant(s_str(ev, "at"), zone, when, sizeof when),
                render_user(cfg, s_str(ev, "actor")), s_action(s_str(ev, "action")), hash ? hash : "-");
        s_principal(out, ev, "  ");
        s_changes(out, cfg, json_object_get(ev, "changes"));
        json_t *files = json_object_get(ev, "files");
        for (size_t f = 0; f < json_array_size(files); f++) {
            fputs("  ", out);
            s_label(out, _("file"), 0);
            s_file(out, json_array_get(files, f), 1);
        }
        const char *comment = s_str(ev, "comment");
        if (comment && *comment) {
            fputs("  ", out);
            s_label(out, _("comment"), 0);
            fputc(' ', out);
            s_multiline(out, comment, 4);
        }
    }
}

/* ---- ping ------------------------------------------------------------- */

void render_ping(FILE *out, const char *endpoint, const json_t *result)
{
    const json_t *user = json_object_get(result, "user");
    const json_t *roles = json_object_get(user, "roles");
    char rolebuf[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(roles); i++) {
        const char *r = json_string_value(json_array_get(roles, i));
        int k = rect_lookup(rect_role_names, RECT_ROLE_COUNT, r);
        int n = snprintf(rolebuf + used, sizeof rolebuf - used, "%s%s", i ? _(", ") : "",
                         k >= 0 ? C_gettext(s_role_labels[k]) : s_or_dash(r));
        if (n < 0 || (size_t)n >= sizeof rolebuf - used)
            break;
        used += (size_t)n;
    }

    char n1[32], n2[32], n3[32];
    fprintf(out, _("%s %s (protocol %s) at %s\n"), s_or_dash(s_str(result, "server")),
            s_or_dash(s_str(result, "version")), render_int(result, "protocol", n1, sizeof n1),
            s_or_dash(endpoint));
    fprintf(out, _("user: %s (%s), roles: %s\n"), s_or_dash(s_str(user, "name")),
            s_or_dash(s_str(user, "display")), used ? rolebuf : "-");
    fprintf(out, _("today: %s (%s)\n"), s_or_dash(s_str(result, "today")),
            s_or_dash(s_str(result, "timezone")));
    fprintf(out, _("items: %s, events: %s\n"), render_int(result, "items", n2, sizeof n2),
            render_int(result, "events", n3, sizeof n3));
    const json_t *head = json_object_get(result, "head");
    fprintf(out, _("chain head: #%s %s\n"), render_int(head, "seq", n1, sizeof n1),
            s_or_dash(s_str(head, "hash")));
    s_principal(out, result, "");
    if (json_is_true(json_object_get(result, "demo_keys")))
        fprintf(out, "%s\n",
                _("warning: rectd runs on demo keys (daemon.demo_keys): anyone who can read "
                  "its keys folder can act as anyone; not for production"));
}

/* ---- directory -------------------------------------------------------- */

/* "  LEFT  RIGHT" with LEFT padded to width display columns. */
static void s_two(FILE *out, const char *left, int width, const char *right)
{
    int pad = width - text_width(left);
    fprintf(out, "  %s%*s  %s\n", left, pad > 0 ? pad : 0, "", right);
}

/* The widest display width of member key of the objects in array a. */
static int s_widest(const json_t *a, const char *key)
{
    int w = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *v = s_str(json_array_get(a, i), key);
        int cw = v ? text_width(v) : 0;
        if (cw > w)
            w = cw;
    }
    return w;
}

void render_directory(FILE *out, const json_t *result)
{
    const json_t *users = json_object_get(result, "users");
    fprintf(out, "%s\n", _("Users:"));
    int w = s_widest(users, "name"), wd = s_widest(users, "display");
    for (size_t i = 0; i < json_array_size(users); i++) {
        const json_t *u = json_array_get(users, i);
        const json_t *roles = json_object_get(u, "roles");
        char rolebuf[256] = "", left[512];
        size_t used = 0;
        for (size_t k = 0; k < json_array_size(roles); k++) {
            int r =
                rect_lookup(rect_role_names, RECT_ROLE_COUNT, json_string_value(json_array_get(roles, k)));
            int n = snprintf(rolebuf + used, sizeof rolebuf - used, "%s%s", k ? _(", ") : "",
                             r >= 0 ? C_gettext(s_role_labels[r]) : "?");
            if (n < 0 || (size_t)n >= sizeof rolebuf - used)
                break;
            used += (size_t)n;
        }
        const char *disp = s_or_dash(s_str(u, "display"));
        int pad = wd - text_width(disp);
        snprintf(left, sizeof left, "%s%*s", disp, pad > 0 ? pad : 0, "");
        char name[256];
        snprintf(name, sizeof name, "%s", s_or_dash(s_str(u, "name")));
        int npad = w - text_width(name);
        fprintf(out, "  %s%*s  %s  %s\n", name, npad > 0 ? npad : 0, "", left, used ? rolebuf : "-");
    }
    static const char *const tables[] = {"units", "sources"};
    const char *heads[] = {_("Units:"), _("Sources:")};
    for (int t = 0; t < 2; t++) {
        const json_t *a = json_object_get(result, tables[t]);
        fprintf(out, "%s\n", heads[t]);
        w = s_widest(a, "id");
        for (size_t i = 0; i < json_array_size(a); i++)
            s_two(out, s_or_dash(s_str(json_array_get(a, i), "id")), w,
                  s_or_dash(s_str(json_array_get(a, i), "name")));
    }
    const json_t *insp = json_object_get(result, "inspections");
    fprintf(out, "%s", _("Inspections:"));
    for (size_t i = 0; i < json_array_size(insp); i++)
        fprintf(out, " %s", s_or_dash(json_string_value(json_array_get(insp, i))));
    fputc('\n', out);
    fprintf(out, _("time zone: %s, reviewer: %s\n"), s_or_dash(s_str(result, "timezone")),
            s_or_dash(s_str(result, "reviewer")));
}

const char *render_action(const char *action)
{
    return s_action(action);
}
