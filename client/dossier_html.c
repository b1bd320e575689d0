/*
 * dossier_html.c - the case file (整改档案) as one self-contained HTML page
 * for A4 (see dossier.h). Every text of the record is escaped with the
 * ledger's escapes (ledger_html.c); images are data: URIs scaled for print.
 */
#include "dossier.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "ledger.h"
#include "rect_proto.h"
#include "render.h"

#define ESC ledger_html_esc
#define ESC_LINES ledger_html_esc_lines

dossier_kind dossier_sniff(const void *data, size_t n)
{
    const unsigned char *p = data;
    static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(p, png, 8) == 0)
        return DOSSIER_PNG;
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return DOSSIER_JPEG;
    return DOSSIER_OTHER;
}

const dossier_blob *dossier_blob_of(const dossier_doc *doc, const char *sha256)
{
    for (size_t i = 0; sha256 && i < doc->n_blobs; i++)
        if (strcmp(doc->blobs[i].sha256, sha256) == 0)
            return &doc->blobs[i];
    return NULL;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A user's display name as rectd gave it, else the name. */
static const char *s_user(const dossier_doc *doc, const char *name)
{
    const char *d = s_str(json_object_get(doc->result, "users"), name ? name : "");
    return d ? d : name ? name : "";
}

static const char *s_time(const dossier_doc *doc, const char *utc, char *buf, size_t len)
{
    if (!utc) {
        buf[0] = '\0';
        return buf;
    }
    return render_instant(utc, s_str(doc->result, "timezone"), buf, len);
}

/*
 * The page's start (ledger_html_begin: doctype, title, A4 @page with the
 * title and page numbers, fonts) and the dossier's own rules; closes the
 * head. The page is in the language of rectctl's catalogue.
 */
static void s_begin(FILE *out, const char *title)
{
    const char *probe = "Case file (整改档案)";
    ledger_lang lang = strcmp(_(probe), probe) != 0 ? LEDGER_ZH : LEDGER_EN;
    ledger_html_begin(out, lang, title, "A4");
    fputs("body { font-size: 9.5pt; max-width: 190mm; padding: 4px; }\n"
          "h1 { font-size: 16pt; text-align: center; margin: 4px 0 10px; }\n"
          "h2 { font-size: 13pt; margin: 0 0 6px; border-bottom: 1pt solid #333; }\n"
          "h3 { font-size: 10.5pt; margin: 10px 0 4px; break-after: avoid; page-break-after: avoid; }\n"
          "section.item + section.item { break-before: page; page-break-before: always; }\n"
          "table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }\n"
          "th, td { border: 0.5pt solid #777; padding: 2px 4px; vertical-align: top; text-align: left;\n"
          "  overflow-wrap: anywhere; }\n"
          "th { background: #e8eef7; font-weight: bold; }\n"
          "table.fields th { width: 22%; }\n"
          "tr, .entry, figure { break-inside: avoid; page-break-inside: avoid; }\n"
          "td.nw { white-space: nowrap; }\n"
          ".entry { border: 0.5pt solid #aaa; padding: 4px 6px; margin: 4px 0; }\n"
          ".entry .who { font-weight: bold; }\n"
          ".hash { font-family: monospace; font-size: 7pt; word-break: break-all; }\n"
          "figure { display: inline-block; margin: 4px 6px 4px 0; vertical-align: top; max-width: 88mm; }\n"
          "figure img { display: block; max-width: 88mm; max-height: 110mm; width: auto; height: auto;\n"
          "  border: 0.5pt solid #999; }\n"
          "figcaption { font-size: 7.5pt; color: #333; }\n"
          ".none { color: #666; }\n"
          ".footer { margin-top: 12px; font-size: 8.5pt; break-inside: avoid; page-break-inside: avoid; }\n"
          "</style>\n</head>\n",
          out);
}

static void s_row(FILE *out, const char *label, const char *value)
{
    fputs("<tr><th>", out);
    ESC(out, label);
    fputs("</th><td>", out);
    ESC_LINES(out, value && *value ? value : "-");
    fputs("</td></tr>\n", out);
}

/* "王燕 2026-11-29 14:28" of an item's who/when fields into buf ("" when nobody). */
static const char *s_who_when(const dossier_doc *doc, const json_t *item, const char *who_key,
                              const char *when_key, char *buf, size_t len)
{
    const char *who = s_str(item, who_key);
    char when[64];
    if (!who) {
        buf[0] = '\0';
        return buf;
    }
    snprintf(buf, len, "%s %s", s_user(doc, who), s_time(doc, s_str(item, when_key), when, sizeof when));
    return buf;
}

static void s_fields(FILE *out, const dossier_doc *doc, const json_t *item, const json_t *facts)
{
    char b[512], st[128];
    fputs("<table class=\"fields\">\n", out);
    s_row(out, _("Ref"), s_str(item, "ref"));
    s_row(out, _("Problem"), s_str(item, "title"));
    s_row(out, _("Source"), render_source(doc->cfg, s_str(item, "source")));
    s_row(out, _("Kind"), render_kind(s_str(item, "kind")));
    s_row(out, _("Description"), s_str(item, "description"));
    s_row(out, _("Measures"), s_str(item, "measures"));
    s_row(out, _("Leader"), s_str(item, "leader") ? s_user(doc, s_str(item, "leader")) : NULL);
    s_row(out, _("Unit"), s_str(item, "unit") ? render_unit(doc->cfg, s_str(item, "unit")) : NULL);
    s_row(out, _("Owner"), s_str(item, "owner") ? s_user(doc, s_str(item, "owner")) : NULL);
    const char *dl = s_str(item, "deadline"), *orig = s_str(item, "original_deadline");
    if (dl && orig && strcmp(dl, orig) != 0)
        snprintf(b, sizeof b, "%s (%s %s)", dl, _("originally"), orig);
    else
        snprintf(b, sizeof b, "%s", dl ? dl : "");
    s_row(out, _("Deadline"), b);
    s_row(out, _("State"), render_state(s_str(item, "state"), st, sizeof st));
    s_row(out, _("Accepted (verified)"), s_who_when(doc, item, "verified_by", "verified_at", b, sizeof b));
    s_row(out, _("Struck off (销号)"), s_who_when(doc, item, "closed_by", "closed_at", b, sizeof b));
    if (s_str(item, "next_review"))
        s_row(out, _("Next consolidation review"), s_str(item, "next_review"));
    const char *light = s_str(facts, "light");
    if (light)
        s_row(out, _("Deadline light"), gettext(light));
    fputs("</table>\n", out);
}

/* Who did it, with the gateway it came through. */
static void s_actor(FILE *out, const dossier_doc *doc, const json_t *ev)
{
    ESC(out, s_user(doc, s_str(ev, "actor")));
    if (s_str(ev, "via")) {
        fputs(" (", out);
        ESC(out, _("via"));
        fputc(' ', out);
        ESC(out, s_user(doc, s_str(ev, "via")));
        fputc(')', out);
    }
}

/* What an event changed, "key: value; ..." (strings and numbers). */
static void s_changes(FILE *out, const json_t *ev)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(json_object_get(ev, "changes"), key, v) {
        char num[32];
        const char *text = json_string_value(v);
        if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            text = num;
        } else if (json_is_boolean(v)) {
            text = json_is_true(v) ? "true" : "false";
        }
        if (!text)
            continue;
        fputs(first ? "" : "; ", out);
        ESC(out, key);
        fputs(": ", out);
        ESC(out, text);
        first = 0;
    }
}

static void s_timeline(FILE *out, const dossier_doc *doc, const json_t *events)
{
    size_t i;
    json_t *ev;
    char when[64];
    fprintf(out, "<h3>");
    ESC(out, _("Timeline"));
    fputs("</h3>\n<table class=\"timeline\"><thead><tr><th>#</th><th>", out);
    ESC(out, _("Time"));
    fputs("</th><th>", out);
    ESC(out, _("Action"));
    fputs("</th><th>", out);
    ESC(out, _("By"));
    fputs("</th><th>", out);
    ESC(out, _("Note"));
    fputs("</th></tr></thead><tbody>\n", out);
    json_array_foreach(events, i, ev) {
        fprintf(out, "<tr><td class=\"nw\">%lld</td><td class=\"nw\">",
                (long long)json_integer_value(json_object_get(ev, "seq")));
        ESC(out, s_time(doc, s_str(ev, "at"), when, sizeof when));
        fputs("</td><td class=\"nw\">", out);
        ESC(out, render_action(s_str(ev, "action")));
        fputs("</td><td class=\"nw\">", out);
        s_actor(out, doc, ev);
        fputs("</td><td>", out);
        ESC_LINES(out, s_str(ev, "comment"));
        if (json_object_size(json_object_get(ev, "changes"))) {
            fputs("<div class=\"none\">", out);
            s_changes(out, ev);
            fputs("</div>", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void s_base64(FILE *out, const char *data, size_t len)
{
    /* In pieces, so no buffer grows with the file. */
    enum { PIECE = 3 * 4096 };
    char enc[sodium_base64_ENCODED_LEN(PIECE, sodium_base64_VARIANT_ORIGINAL)];
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)data + off, n,
                          sodium_base64_VARIANT_ORIGINAL);
        fputs(enc, out);
    }
}

/* The files of one event: images inline, the others in a table. */
static void s_files(FILE *out, const dossier_doc *doc, const json_t *files)
{
    size_t i, others = 0;
    json_t *f;
    json_array_foreach(files, i, f) {
        const dossier_blob *b = dossier_blob_of(doc, s_str(f, "sha256"));
        if (!b || b->kind == DOSSIER_OTHER || !b->data) {
            others++;
            continue;
        }
        fprintf(out, "<figure><img alt=\"");
        ESC(out, s_str(f, "name"));
        fprintf(out, "\" src=\"data:image/%s;base64,", b->kind == DOSSIER_PNG ? "png" : "jpeg");
        s_base64(out, b->data, b->len);
        fputs("\"><figcaption>", out);
        ESC(out, s_str(f, "name"));
        fprintf(out, " · %lld B<br><span class=\"hash\">SHA-256 ",
                (long long)json_integer_value(json_object_get(f, "size")));
        ESC(out, s_str(f, "sha256"));
        fputs("</span></figcaption></figure>\n", out);
    }
    if (!others)
        return;
    fputs("<table class=\"files\"><thead><tr><th>", out);
    ESC(out, _("File"));
    fputs("</th><th>", out);
    ESC(out, _("Size (bytes)"));
    fputs("</th><th>SHA-256</th></tr></thead><tbody>\n", out);
    json_array_foreach(files, i, f) {
        const dossier_blob *b = dossier_blob_of(doc, s_str(f, "sha256"));
        if (b && b->kind != DOSSIER_OTHER && b->data)
            continue;
        fputs("<tr><td>", out);
        ESC(out, s_str(f, "name"));
        fprintf(out, "</td><td class=\"nw\">%lld</td><td class=\"hash\">",
                (long long)json_integer_value(json_object_get(f, "size")));
        ESC(out, s_str(f, "sha256"));
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* One entry of an event with its note and files (evidence, reviews, verdicts). */
static void s_entry(FILE *out, const dossier_doc *doc, const json_t *ev)
{
    char when[64];
    fprintf(out, "<div class=\"entry\"><div><span class=\"who\">#%lld ",
            (long long)json_integer_value(json_object_get(ev, "seq")));
    ESC(out, render_action(s_str(ev, "action")));
    fputs("</span> · ", out);
    s_actor(out, doc, ev);
    fputs(" · ", out);
    ESC(out, s_time(doc, s_str(ev, "at"), when, sizeof when));
    fputs("</div>\n", out);
    if (s_str(ev, "comment")) {
        fputs("<div>", out);
        ESC_LINES(out, s_str(ev, "comment"));
        fputs("</div>\n", out);
    }
    json_t *files = json_object_get(ev, "files");
    if (json_array_size(files))
        s_files(out, doc, files);
    fputs("</div>\n", out);
}

static int s_is(const json_t *ev, rect_action a)
{
    const char *action = s_str(ev, "action");
    return action && strcmp(action, rect_action_names[a]) == 0;
}

/* A section of the events that match, or a line saying there are none. */
static void s_section(FILE *out, const dossier_doc *doc, const json_t *events, const char *title,
                      const rect_action *acts, size_t n_acts)
{
    size_t i, shown = 0;
    json_t *ev;
    fputs("<h3>", out);
    ESC(out, title);
    fputs("</h3>\n", out);
    json_array_foreach(events, i, ev) {
        for (size_t k = 0; k < n_acts; k++)
            if (s_is(ev, acts[k])) {
                s_entry(out, doc, ev);
                shown++;
                break;
            }
    }
    if (!shown) {
        fputs("<p class=\"none\">", out);
        ESC(out, _("none recorded"));
        fputs("</p>\n", out);
    }
}

static void s_item(FILE *out, const dossier_doc *doc, const json_t *entry)
{
    const json_t *item = json_object_get(entry, "item");
    const json_t *events = json_object_get(entry, "events");
    static const rect_action evidence[] = {RECT_ACT_EVIDENCE};
    static const rect_action verdicts[] = {RECT_ACT_VERIFY_PASS, RECT_ACT_VERIFY_REJECT, RECT_ACT_CLOSE,
                                           RECT_ACT_REOPEN};
    static const rect_action reviews[] = {RECT_ACT_REVIEW, RECT_ACT_RELAPSE};
    fputs("<section class=\"item\">\n<h2>", out);
    ESC(out, s_str(item, "ref"));
    fputs(" ", out);
    ESC(out, s_str(item, "title"));
    fputs("</h2>\n", out);
    s_fields(out, doc, item, json_object_get(entry, "facts"));
    s_timeline(out, doc, events);
    s_section(out, doc, events, _("Evidence (佐证材料)"), evidence, 1);
    s_section(out, doc, events, _("Acceptance and strike-off (验收与销号)"), verdicts,
              sizeof verdicts / sizeof verdicts[0]);
    if (json_array_size(events) &&
        (strcmp(s_str(item, "kind") ? s_str(item, "kind") : "", rect_kind_names[RECT_KIND_LONG_TERM]) == 0 ||
         s_str(item, "next_review")))
        s_section(out, doc, events, _("Consolidation reviews (巩固)"), reviews, 2);
    fputs("</section>\n", out);
}

int dossier_write_html(FILE *out, const dossier_doc *doc)
{
    const json_t *r = doc->result, *insp = json_object_get(r, "inspection");
    const json_t *items = json_object_get(r, "items"), *entry;
    char title[1024], when[64];
    const char *name = s_str(r, "name");
    size_t i;
    if (json_array_size(items) == 1 && !json_is_string(json_object_get(insp, "title")))
        snprintf(title, sizeof title, "%s %s",
                 s_str(json_object_get(json_array_get(items, 0), "item"), "ref"), _("Case file (整改档案)"));
    else
        snprintf(title, sizeof title, "%s %s",
                 s_str(insp, "title") ? s_str(insp, "title")
                 : name               ? name
                                      : "",
                 _("Case file (整改档案)"));
    s_begin(out, title);
    fputs("<body>\n<h1>", out);
    ESC(out, title);
    fputs("</h1>\n", out);
    json_array_foreach(items, i, entry)
        s_item(out, doc, entry);
    if (!json_array_size(items)) {
        fputs("<p class=\"none\">", out);
        ESC(out, _("no items"));
        fputs("</p>\n", out);
    }
    const json_t *head = json_object_get(r, "head");
    fputs("<div class=\"footer\"><div>", out);
    ESC(out, _("Made at"));
    fputs(" ", out);
    ESC(out, s_time(doc, s_str(r, "generated_at"), when, sizeof when));
    fputs(" (", out);
    ESC(out, s_str(r, "timezone"));
    fputs(") ", out);
    ESC(out, _("by"));
    fputs(" ", out);
    ESC(out, s_user(doc, s_str(r, "generated_by")));
    fputs("</div><div>", out);
    ESC(out, _("Chain head"));
    fprintf(out, " #%lld <span class=\"hash\">", (long long)json_integer_value(json_object_get(head, "seq")));
    ESC(out, s_str(head, "hash"));
    fputs("</span></div></div>\n</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
