/*
 * cmds_evidence.c - rectctl's commands for evidence you can open:
 *
 *   evidence get ID [SEQ] [-o DIR] [--force]
 *       the item's files (of every evidence and review event, or of event
 *       SEQ), fetched with blob_get in chunks into a temporary file in DIR,
 *       checked against their SHA-256, fsync'd and only then renamed to
 *       their (made safe) names.
 *   dossier (ID | --inspection NAME) [-o FILE] [--format html|zip]
 *       the case file (整改档案): rectd's `dossier` read rendered as HTML
 *       (dossier_html.c), or a zip of the HTML and every file (libzip).
 */
#include "cmds_evidence.h"
#include "directory.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "dossier.h"
#include "i18n.h"
#include "rect_text.h"
#include "lazylib.h"
#include "render.h"

/* clang-format off */
const cli_opt cli_ev_get_opts[] = {
    {.name = "out", .flags = CLI_SHORT, .metavar = NC_("placeholder", "DIR"),
     .help = N_("write the files into DIR (default: the current folder)")},
    {.name = "force", .help = N_("replace files of the same name that exist in DIR")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
const cli_opt cli_dossier_opts[] = {
    {.name = "inspection", .metavar = NC_("placeholder", "NAME"),
     .help = N_("the case file of every item of inspection NAME")},
    {.name = "output", .flags = CLI_SHORT, .metavar = NC_("placeholder", "FILE"),
     .help = N_("write to FILE (replaced whole, only when complete); html: default stdout")},
    {.name = "format", .metavar = NC_("placeholder", "FORMAT"),
     .help = N_("html or zip (the HTML and every file, a folder per item); default: zip for -o "
                "FILE.zip, else html")},
    {.name = NULL},
};
/* clang-format on */

static const char *s_opt(const char *cmd_name, const cli_args *a, const char *name)
{
    const cli_cmd *cmd = cli_command_find(cmd_name);
    int i = cmd ? cli_opt_index(cmd, name) : -1;
    return i >= 0 ? a->val[i] : NULL;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The item argument of a positional: an id when it is all digits, else a ref. */
static json_t *s_item_arg(const char *pos)
{
    long long id;
    return text_whole(pos, 1, &id) == 0 ? json_integer(id) : json_string(pos);
}

/*
 * A file name from the record made safe to create in a folder: '/' and '\'
 * and control characters become '_', a leading '.' becomes '_' (no hidden
 * files, no "." or ".."), an empty name "file". Returns 1 if it changed.
 */
static int s_safe_name(const char *name, char *out, size_t len)
{
    return dossier_safe_name(name, out, len);
}

/* ---- fetching a file ------------------------------------------------------ */

/*
 * Fetch the whole file sha256 of item through blob_get, chunk by chunk,
 * into sink (a FILE, or memory when sink is NULL: *mem, *mem_len). The
 * bytes are checked against size and sha256 before it returns 0; otherwise
 * an exit code after a message. max, when not 0, stops after that many
 * bytes (a sniff of the first bytes; no check then).
 */
static int s_fetch(const cli_ctx *ctx, conn_t *conn, const json_t *item_id, const char *name,
                   const char *sha256, uint64_t size, FILE *sink, char **mem, size_t *mem_len, size_t max)
{
    crypto_hash_sha256_state h;
    uint64_t off = 0;
    char *buf = NULL;
    size_t cap = 0;
    crypto_hash_sha256_init(&h);
    if (mem) {
        *mem = NULL;
        *mem_len = 0;
    }
    for (;;) {
        size_t want = RECT_MAX_CHUNK;
        if (max && max - off < want)
            want = (size_t)(max - off);
        json_t *args = json_pack("{sOsssIsI}", "item", item_id, "sha256", sha256, "offset", (json_int_t)off,
                                 "length", (json_int_t)want);
        json_t *res = NULL;
        char *data = NULL;
        size_t n = 0;
        if (!args) {
            cli_error(_("out of memory"));
            free(buf);
            return RECT_EXIT_USAGE;
        }
        int rc = cli_call_data(ctx, conn, "blob_get", args, &res, &data, &n);
        if (rc) {
            free(buf);
            return rc;
        }
        uint64_t total = (uint64_t)json_integer_value(json_object_get(res, "size"));
        json_decref(res);
        if (total != size || n > want || off + n > total || (n == 0 && off < total)) {
            free(data);
            free(buf);
            cli_error(_("rectd sent %llu bytes of \"%s\" at offset %llu, of %llu; the record says %llu: "
                        "nothing of it was kept"),
                      (unsigned long long)n, name, (unsigned long long)off, (unsigned long long)total,
                      (unsigned long long)size);
            return RECT_EXIT_REFUSED;
        }
        crypto_hash_sha256_update(&h, (const unsigned char *)data, n);
        if (sink && n && fwrite(data, 1, n, sink) != n) {
            free(data);
            cli_error(_("cannot write \"%s\": %s"), name, strerror(errno));
            return RECT_EXIT_USAGE;
        }
        if (mem && n) {
            if (off + n > cap) {
                cap = (size_t)(max ? max : size);
                char *p = realloc(buf, cap ? cap : 1);
                if (!p) {
                    free(data);
                    free(buf);
                    cli_error(_("out of memory"));
                    return RECT_EXIT_USAGE;
                }
                buf = p;
            }
            memcpy(buf + off, data, n);
        }
        free(data);
        off += n;
        if (!max && total > 4 * (uint64_t)RECT_MAX_CHUNK)
            render_progress(name, (long)(off >> 10), (long)(total >> 10));
        if (off >= total || (max && off >= max))
            break;
    }
    if (!max) {
        unsigned char got[32];
        char hex[65];
        crypto_hash_sha256_final(&h, got);
        sodium_bin2hex(hex, sizeof hex, got, sizeof got);
        if (strcmp(hex, sha256) != 0) {
            free(buf);
            cli_error(_("the bytes rectd sent for \"%s\" have SHA-256 %s, not %s as recorded: "
                        "nothing of it was kept"),
                      name, hex, sha256);
            return RECT_EXIT_REFUSED;
        }
    }
    if (mem) {
        *mem = buf;
        *mem_len = (size_t)off;
    } else {
        free(buf);
    }
    return RECT_EXIT_OK;
}

/* ---- evidence get ---------------------------------------------------------- */

typedef struct {
    const json_t *ev;   /* the event (borrowed) */
    const json_t *file; /* its entry in the event's files (borrowed) */
    char safe[RECT_MAX_NAME + 16];
    char rel[RECT_MAX_NAME + 64]; /* path under DIR */
    int renamed;
} s_plan;

/* The files to write, with their paths under DIR: in per-event folders when a name repeats. */
static int s_plan_files(const json_t *events, long long only_seq, s_plan **out, size_t *n_out)
{
    size_t i, j, n = 0, cap = 0;
    json_t *ev, *f;
    s_plan *p = NULL;
    json_array_foreach(events, i, ev) {
        long long seq = (long long)json_integer_value(json_object_get(ev, "seq"));
        if (only_seq && seq != only_seq)
            continue;
        json_array_foreach(json_object_get(ev, "files"), j, f) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                s_plan *q = realloc(p, cap * sizeof *p);
                if (!q) {
                    free(p);
                    return -1;
                }
                p = q;
            }
            memset(&p[n], 0, sizeof p[n]);
            p[n].ev = ev;
            p[n].file = f;
            p[n].renamed = s_safe_name(s_str(f, "name"), p[n].safe, RECT_MAX_NAME + 1);
            n++;
        }
    }
    for (i = 0; i < n; i++) {
        int clash = 0, same_event_before = 0;
        for (j = 0; j < n; j++) {
            if (j == i || strcmp(p[i].safe, p[j].safe) != 0)
                continue;
            if (p[j].ev != p[i].ev)
                clash = 1;
            else if (j < i)
                same_event_before++;
        }
        char base[sizeof p[i].safe];
        snprintf(base, sizeof base, "%s", p[i].safe);
        if (same_event_before) {
            /* the same name twice in one event: "photo-2.jpg" */
            const char *dot = strrchr(base, '.');
            size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
            snprintf(p[i].safe, sizeof p[i].safe, "%.*s-%d%s", (int)stem, base, same_event_before + 1,
                     base + stem);
            p[i].renamed = 1;
        }
        if (clash)
            snprintf(p[i].rel, sizeof p[i].rel, "seq-%lld/%s",
                     (long long)json_integer_value(json_object_get(p[i].ev, "seq")), p[i].safe);
        else
            snprintf(p[i].rel, sizeof p[i].rel, "%s", p[i].safe);
    }
    *out = p;
    *n_out = n;
    return 0;
}

/* Write one planned file into dir: temp file, fetch, check, fsync, rename. An exit code. */
static int s_get_one(const cli_ctx *ctx, conn_t *conn, const json_t *item_id, const char *dir,
                     const s_plan *p, int force, char *path, size_t path_len)
{
    const char *sha = s_str(p->file, "sha256");
    uint64_t size = (uint64_t)json_integer_value(json_object_get(p->file, "size"));
    char tdir[4400], tmp[4500];
    snprintf(path, path_len, "%s/%s", dir, p->rel);
    snprintf(tdir, sizeof tdir, "%s", path);
    *strrchr(tdir, '/') = '\0';
    if (strcmp(tdir, dir) != 0 && mkdir(tdir, 0777) != 0 && errno != EEXIST) {
        cli_error(_("cannot make folder %s: %s"), tdir, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    snprintf(tmp, sizeof tmp, "%s/.rectctl-get-XXXXXX", tdir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error(_("cannot write in %s: %s"), tdir, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    FILE *out = fdopen(fd, "wb");
    if (!out) {
        close(fd);
        unlink(tmp);
        cli_error(_("cannot write in %s: %s"), tdir, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    int rc = s_fetch(ctx, conn, item_id, s_str(p->file, "name"), sha, size, out, NULL, NULL, 0);
    if (rc == 0 && (fflush(out) != 0 || fsync(fileno(out)) != 0)) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        rc = RECT_EXIT_USAGE;
    }
    if (fclose(out) != 0 && rc == 0) {
        cli_error(_("cannot write %s: %s"), path, strerror(errno));
        rc = RECT_EXIT_USAGE;
    }
    if (rc == 0) {
        /* Without --force an existing file is never replaced, even one made meanwhile. */
        if (force ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
            cli_error(errno == EEXIST ? _("%s exists: not replaced (use --force to replace it)")
                                      : _("cannot write %s"),
                      path);
            rc = errno == EEXIST ? RECT_EXIT_REFUSED : RECT_EXIT_USAGE;
        }
    }
    unlink(tmp); /* after link(), or on failure; harmless after rename() */
    if (rc == 0) {
        int dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    return rc;
}

int cli_ev_get_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *dir = s_opt("evidence get", a, "out");
    int force = s_opt("evidence get", a, "force") != NULL;
    long long only_seq = 0;
    json_t *hist = NULL, *item_arg = NULL, *listing = NULL;
    s_plan *plan = NULL;
    size_t n = 0;
    conn_t *conn = NULL;
    int rc = RECT_EXIT_USAGE;
    struct stat st;

    if (!dir)
        dir = ".";
    if (a->n_pos > 1) {
        if (text_whole(a->pos[1], 1, &only_seq) != 0) {
            cli_error(_("evidence get: SEQ must be an event number (see rectctl history), not \"%s\""),
                      a->pos[1]);
            return RECT_EXIT_USAGE;
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error(_("evidence get: %s is not a folder"), dir);
        return RECT_EXIT_USAGE;
    }
    if (!(item_arg = s_item_arg(a->pos[0]))) {
        cli_error(_("evidence get: ID: not valid UTF-8 text"));
        return RECT_EXIT_USAGE;
    }
    if (!(conn = cli_connect(ctx, 0)))
        goto done;
    if ((rc = cli_call(ctx, conn, "history", json_pack("{sO}", "item", item_arg), &hist)))
        goto done;
    const json_t *item = json_object_get(hist, "item"), *events = json_object_get(hist, "events");
    const json_t *id = json_object_get(item, "id");
    char name[256];
    render_item_name(item, name, sizeof name);
    if (only_seq) {
        size_t i;
        json_t *ev, *found = NULL;
        json_array_foreach(events, i, ev)
            if (json_integer_value(json_object_get(ev, "seq")) == only_seq)
                found = ev;
        if (!found) {
            cli_error(_("%s has no event #%lld (see rectctl history %s)"), name, only_seq, a->pos[0]);
            rc = RECT_EXIT_REFUSED;
            goto done;
        }
        if (!json_array_size(json_object_get(found, "files"))) {
            cli_error(_("event #%lld of %s is \"%s\", which filed no files: give an evidence or "
                        "review event (see rectctl show %s)"),
                      only_seq, name, render_action(s_str(found, "action")), a->pos[0]);
            rc = RECT_EXIT_REFUSED;
            goto done;
        }
    }
    if (s_plan_files(events, only_seq, &plan, &n) != 0) {
        cli_error(_("out of memory"));
        rc = RECT_EXIT_USAGE;
        goto done;
    }
    if (!n) {
        cli_error(_("%s has no evidence files"), name);
        rc = RECT_EXIT_REFUSED;
        goto done;
    }
    /* Refuse before writing anything when a file would be replaced. */
    if (!force) {
        int exists = 0;
        for (size_t i = 0; i < n; i++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", dir, plan[i].rel);
            if (lstat(path, &st) == 0) {
                cli_error(_("%s exists: not replaced (use --force to replace it)"), path);
                exists = 1;
            }
        }
        if (exists) {
            rc = RECT_EXIT_REFUSED;
            goto done;
        }
    }
    listing = json_array();
    for (size_t i = 0; i < n && listing; i++) {
        char path[4400];
        if ((rc = s_get_one(ctx, conn, id, dir, &plan[i], force, path, sizeof path)))
            goto done;
        long long size = (long long)json_integer_value(json_object_get(plan[i].file, "size"));
        long long seq = (long long)json_integer_value(json_object_get(plan[i].ev, "seq"));
        json_t *row =
            json_pack("{sIsssssssI}", "seq", (json_int_t)seq, "name", s_str(plan[i].file, "name"), "path",
                      path, "sha256", s_str(plan[i].file, "sha256"), "size", (json_int_t)size);
        if (row && plan[i].renamed)
            json_object_set_new(row, "renamed", json_true());
        json_array_append_new(listing, row);
        if (!ctx->g.json) {
            if (plan[i].renamed)
                printf(_("wrote %s (%lld bytes, event #%lld; recorded name \"%s\" made safe)\n"), path, size,
                       seq, s_str(plan[i].file, "name"));
            else
                printf(_("wrote %s (%lld bytes, event #%lld)\n"), path, size, seq);
        }
    }
    if (!listing) {
        cli_error(_("out of memory"));
        rc = RECT_EXIT_USAGE;
        goto done;
    }
    if (ctx->g.json) {
        json_t *o = json_pack("{sOsssO}", "item", item, "dir", dir, "files", listing);
        char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        printf(ngettext("%zu file of %s, each checked against its SHA-256\n",
                        "%zu files of %s, each checked against its SHA-256\n", n),
               n, name);
    }
    rc = RECT_EXIT_OK;
done:
    free(plan);
    json_decref(listing);
    json_decref(hist);
    json_decref(item_arg);
    conn_destroy(&conn);
    return rc;
}

/* ---- dossier --------------------------------------------------------------- */

typedef struct {
    dossier_blob *b;
    size_t n, cap;
} s_blobs;

static void s_blobs_free(s_blobs *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        free(bs->b[i].data);
    free(bs->b);
    bs->b = NULL;
    bs->n = bs->cap = 0;
}

/* Fetch every file of the result once: whole for zip and images, a sniff for the others. */
static int s_fetch_all(const cli_ctx *ctx, conn_t *conn, const json_t *result, int whole, s_blobs *bs)
{
    size_t i, j, k, n_items = json_array_size(json_object_get(result, "items"));
    json_t *entry, *ev, *f;
    json_array_foreach(json_object_get(result, "items"), i, entry) {
        const json_t *id = json_object_get(json_object_get(entry, "item"), "id");
        /* a case file of many items takes a while: show how far it is (on a terminal only) */
        if (n_items >= 10)
            render_progress(_("case file: items"), (long)i, (long)n_items);
        json_array_foreach(json_object_get(entry, "events"), j, ev) {
            json_array_foreach(json_object_get(ev, "files"), k, f) {
                const char *sha = s_str(f, "sha256"), *name = s_str(f, "name");
                uint64_t size = (uint64_t)json_integer_value(json_object_get(f, "size"));
                if (!sha || strlen(sha) != 64)
                    continue;
                size_t have = 0;
                while (have < bs->n && strcmp(bs->b[have].sha256, sha) != 0)
                    have++;
                if (have < bs->n)
                    continue;
                if (bs->n == bs->cap) {
                    size_t cap = bs->cap ? bs->cap * 2 : 16;
                    dossier_blob *p = realloc(bs->b, cap * sizeof *p);
                    if (!p) {
                        cli_error(_("out of memory"));
                        return RECT_EXIT_USAGE;
                    }
                    bs->b = p;
                    bs->cap = cap;
                }
                dossier_blob *b = &bs->b[bs->n];
                memset(b, 0, sizeof *b);
                snprintf(b->sha256, sizeof b->sha256, "%s", sha);
                char *head = NULL;
                size_t hl = 0;
                int rc = size ? s_fetch(ctx, conn, id, name, sha, size, NULL, &head, &hl, 16) : 0;
                if (rc)
                    return rc;
                b->kind = dossier_sniff(head, hl);
                free(head);
                if (whole || b->kind != DOSSIER_OTHER) {
                    if ((rc = s_fetch(ctx, conn, id, name, sha, size, NULL, &b->data, &b->len, 0)))
                        return rc;
                }
                bs->n++;
            }
        }
    }
    render_progress_clear();
    return RECT_EXIT_OK;
}

/* The HTML into a malloc'd buffer (*buf, *len). 0 or -1. */
static int s_html(const dossier_doc *doc, char **buf, size_t *len)
{
    FILE *m = open_memstream(buf, len);
    if (!m)
        return -1;
    int rc = dossier_write_html(m, doc);
    if (fclose(m) != 0)
        rc = -1;
    return rc;
}

int cli_dossier_run(const cli_ctx *ctx, const cli_args *a)
{
    const char *insp = s_opt("dossier", a, "inspection");
    const char *output = s_opt("dossier", a, "output");
    const char *format = s_opt("dossier", a, "format");
    int zip = 0, rc = RECT_EXIT_USAGE;
    json_t *args = NULL, *result = NULL;
    conn_t *conn = NULL;
    s_blobs bs = {0};
    char *html = NULL, *tmp = NULL;
    size_t html_len = 0;

    size_t olen = output ? strlen(output) : 0;
    if (format && strcmp(format, "zip") == 0)
        zip = 1;
    else if (!format && olen > 4 && strcmp(output + olen - 4, ".zip") == 0)
        zip = 1; /* the format from -o's extension, as the ledger's */
    else if (format && strcmp(format, "html") != 0) {
        cli_error(_("dossier: --format must be html or zip, not \"%s\""), format);
        return RECT_EXIT_USAGE;
    }
    if ((a->n_pos > 0) == (insp != NULL)) {
        cli_error(_("dossier: give an item (ID) or --inspection NAME, one of them"));
        return RECT_EXIT_USAGE;
    }
    if (zip && (!output || strcmp(output, "-") == 0)) {
        cli_error(_("dossier: a zip needs -o FILE.zip"));
        return RECT_EXIT_USAGE;
    }
    if (zip && lazy_need(LAZY_ZIP, "dossier --format zip") != RECT_EXIT_OK)
        return RECT_EXIT_USAGE;
    args = a->n_pos ? json_pack("{so}", "item", s_item_arg(a->pos[0]))
                    : json_pack("{so}", "inspection", json_string(insp));
    if (!args) {
        cli_error(_("dossier: not valid UTF-8 text"));
        return RECT_EXIT_USAGE;
    }
    if (!(conn = cli_conn(ctx))) { /* the invocation's: the directory is asked over it too */
        json_decref(args);
        goto done;
    }
    if ((rc = cli_call(ctx, conn, "dossier", args, &result)))
        goto done;
    if (ctx->g.json && !zip && (!output || strcmp(output, "-") == 0)) {
        /* --json without a file: rectd's answer itself, for scripts */
        char *text = json_dumps(result, JSON_INDENT(2));
        rc = text && printf("%s\n", text) >= 0 && fflush(stdout) == 0 ? RECT_EXIT_OK : RECT_EXIT_USAGE;
        if (rc)
            cli_error(_("cannot write the case file: %s"), strerror(errno));
        free(text);
        goto done;
    }
    if ((rc = s_fetch_all(ctx, conn, result, zip, &bs)))
        goto done;
    dossier_doc doc = {result, cli_dir(ctx), bs.b, bs.n};
    rc = RECT_EXIT_USAGE;
    if (s_html(&doc, &html, &html_len) != 0) {
        cli_error(_("cannot write the case file: %s"), strerror(errno));
        goto done;
    }
    if (!output || strcmp(output, "-") == 0) {
        if (fwrite(html, 1, html_len, stdout) != html_len || fflush(stdout) != 0) {
            cli_error(_("cannot write the case file: %s"), strerror(errno));
            goto done;
        }
        rc = RECT_EXIT_OK;
        goto done;
    }
    int fd = cli_tmp_beside(output, &tmp);
    if (fd < 0) {
        cli_error(_("cannot write %s: %s"), output, strerror(errno));
        goto done;
    }
    if (zip) {
        close(fd);
        char html_name[RECT_MAX_NAME + 32], ref[RECT_MAX_NAME + 16];
        s_safe_name(
            a->n_pos
                ? s_str(json_object_get(json_array_get(json_object_get(result, "items"), 0), "item"), "ref")
                : insp,
            ref, sizeof ref);
        snprintf(html_name, sizeof html_name, "%s-dossier.html", ref);
        char zerr[512];
        if (dossier_write_zip(tmp, &doc, html_name, html, html_len, zerr, sizeof zerr) != 0) {
            cli_error(_("cannot write %s: %s"), tmp, zerr);
            unlink(tmp);
            goto done;
        }
    } else {
        FILE *out = fdopen(fd, "wb");
        if (!out)
            close(fd);
        int ok =
            out && fwrite(html, 1, html_len, out) == html_len && fflush(out) == 0 && fsync(fileno(out)) == 0;
        if (out && fclose(out) != 0)
            ok = 0;
        if (!ok) {
            cli_error(_("cannot write %s: %s"), output, strerror(errno));
            unlink(tmp);
            goto done;
        }
    }
    if (rename(tmp, output) != 0) {
        cli_error(_("cannot write %s: %s"), output, strerror(errno));
        unlink(tmp);
        goto done;
    }
    if (ctx->g.json) {
        json_t *o = json_pack("{sssssIsI}", "output", output, "format", zip ? "zip" : "html", "items",
                              (json_int_t)json_array_size(json_object_get(result, "items")), "files",
                              (json_int_t)bs.n);
        char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        size_t n_items = json_array_size(json_object_get(result, "items"));
        printf(ngettext("wrote %s (%zu item, ", "wrote %s (%zu items, ", n_items), output, n_items);
        printf(ngettext("%zu file)\n", "%zu files)\n", bs.n), bs.n);
    }
    rc = RECT_EXIT_OK;
done:
    free(tmp);
    free(html);
    s_blobs_free(&bs);
    json_decref(result);
    return rc;
}
