/*
 * cmds.c - rectctl's commands: the table that drives parsing and
 * `rectctl --help`, each entry keyed to its wire command in
 * include/rect_verbs.h (which says what is required and what is a write),
 * and the per-command hooks (checks of the command line the generic parser
 * cannot do, attached files, one-line confirmations).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "directory.h"
#include "cmds_deadline.h"
#include "cmds_evidence.h"
#include "cmds_notify.h"
#include "i18n.h"
#include "render.h"
#include "cmds_ledger.h"
#include "cmds_records.h"
#include "report.h"
#include "cmds_acts.h"
#include "init.h"
#include "cmds_passwd.h"

/* ---- helpers ------------------------------------------------------------ */

/* The value of the option called name, or NULL if not given. */
static const char *s_opt(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    int i = cli_opt_index(cmd, name);
    return i >= 0 ? a->val[i] : NULL;
}

/*
 * Read the file at path fully into f, refusing files larger than the
 * config's max_attachment_mb. Returns 0, or RECT_EXIT_USAGE after a message.
 * On success f->data is owned by f (freed by main with the request).
 */
static int s_read_file(const cli_ctx *ctx, const char *path, cli_file *f)
{
    uint64_t limit = cli_attach_limit(ctx);
    int rc = RECT_EXIT_USAGE;
    struct stat st;
    size_t cap = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    f->path = path;
    f->data = NULL;
    f->size = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        cli_error(_("cannot read %s: %s"), path, strerror(errno));
        goto done;
    }
    if (S_ISDIR(st.st_mode)) {
        cli_error(_("cannot read %s: %s"), path, strerror(EISDIR));
        goto done;
    }
    /* Regular files are checked before reading; pipes while reading. */
    for (;;) {
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > limit)
            break;
        if (f->size == cap) {
            size_t want = cap ? cap * 2 : (S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536);
            char *p = realloc(f->data, want);
            if (!p) {
                cli_error(_("cannot read %s: %s"), path, strerror(ENOMEM));
                goto done;
            }
            f->data = p;
            cap = want;
        }
        ssize_t n = read(fd, f->data + f->size, cap - f->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            cli_error(_("cannot read %s: %s"), path, strerror(errno));
            goto done;
        }
        if (n == 0) {
            rc = RECT_EXIT_OK;
            break;
        }
        f->size += (size_t)n;
        if ((uint64_t)f->size > limit)
            break;
    }
    if (rc != RECT_EXIT_OK) {
        cli_error(_("%s is too large: rectd accepts at most %u MiB per file "
                    "(its daemon.max_attachment_mb)"),
                  path, (unsigned)(limit / (1024 * 1024)));
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc != RECT_EXIT_OK) {
        free(f->data);
        f->data = NULL;
        f->size = 0;
    }
    return rc;
}

/* The item of a result and its "item 3 (GJ-03)" name in buf. */
static const json_t *s_item(const json_t *result, char *buf, size_t len)
{
    const json_t *item = json_object_get(result, "item");
    render_item_name(item, buf, len);
    return item;
}

static const char *s_get(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "-";
}

static long long s_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* "item 3 (GJ-03) is now STATE" */
static void s_print_now(const json_t *result)
{
    char name[256], state[96];
    const json_t *item = s_item(result, name, sizeof name);
    printf(_("%s is now %s\n"), name, render_state(s_get(item, "state"), state, sizeof state));
}

/* ---- ping --------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_no_opts[] = {
    {.name = NULL},
};
/* clang-format on */

static void s_ping_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    render_ping(stdout, ctx->conf->endpoint, result);
}

static void s_directory_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)ctx;
    (void)a;
    render_directory(stdout, result);
}

/* ---- import ------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_import_opts[] = {
    {.name = "inspection", .arg = CLI_ARG(IMPORT, inspection),
     .metavar = NC_("placeholder", "NAME"),
     .help = N_("inspection the items belong to (default: daemon.default_inspection)")},
    {.name = "dry-run", .arg = CLI_ARG(IMPORT, dry_run),
     .help = N_("check the file only and list every problem in it; store nothing")},
    {.name = "encoding", .arg = CLI_ARG(IMPORT, encoding),
     .metavar = NC_("placeholder", "ENC"),
     .help = N_("a CSV's encoding, utf-8 or gb18030 (GBK); default: told from the bytes")},
    {.name = NULL},
};
/* clang-format on */

static int s_import_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    int rc = s_read_file(ctx, a->pos[0], &req->files[0]);
    if (rc == RECT_EXIT_OK)
        req->n_files = 1;
    return rc;
}

static void s_import_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    const char *enc = json_string_value(json_object_get(result, "encoding"));
    if (enc && strcmp(enc, "gb18030") == 0)
        printf(_("read the file as GB18030 (GBK) text\n"));
    long long n = s_int(result, "imported");
    long long assigned = s_int(result, "assigned");
    unsigned long pl = n < 0 ? 0 : (unsigned long)n;
    if (json_is_true(json_object_get(result, "dry_run")))
        printf(ngettext("import check passed: %lld row would be imported\n",
                        "import check passed: %lld rows would be imported\n", pl),
               n);
    else
        printf(ngettext("imported %lld item (%lld assigned)\n", "imported %lld items (%lld assigned)\n", pl),
               n, assigned);
    long long declined = s_int(result, "declined");
    if (declined > 0 && json_is_true(json_object_get(result, "dry_run")))
        printf(ngettext("%lld problem not claimed (不认领) would be recorded\n",
                        "%lld problems not claimed (不认领) would be recorded\n", (unsigned long)declined),
               declined);
    else if (declined > 0)
        printf(ngettext("%lld problem not claimed (不认领) recorded\n",
                        "%lld problems not claimed (不认领) recorded\n", (unsigned long)declined),
               declined);
}

/* ---- add ---------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_add_opts[] = {
    {.name = "ref", .arg = CLI_ARG(ADD, ref), .metavar = NC_("placeholder", "REF"),
     .help = N_("the item's reference in its inspection, e.g. GJ-03")},
    {.name = "source", .arg = CLI_ARG(ADD, source), .metavar = NC_("placeholder", "SOURCE"),
     .help = N_("where the problem was fed back from (source id or name)")},
    {.name = "kind", .arg = CLI_ARG(ADD, kind), .metavar = NC_("placeholder", "KIND"),
     .help = N_("immediate (立查立改) or long-term (长期坚持)")},
    {.name = "title", .arg = CLI_ARG(ADD, title), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the problem, in one line")},
    {.name = "description", .arg = CLI_ARG(ADD, description), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the problem in detail")},
    {.name = "measures", .arg = CLI_ARG(ADD, measures), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the planned rectification measures")},
    {.name = "inspection", .arg = CLI_ARG(ADD, inspection), .metavar = NC_("placeholder", "NAME"),
     .help = N_("inspection (default: daemon.default_inspection)")},
    {.name = "owner", .arg = CLI_ARG(ADD, owner), .metavar = NC_("placeholder", "USER"),
     .help = N_("assign at once: the owner (责任人)")},
    {.name = "unit", .arg = CLI_ARG(ADD, unit), .metavar = NC_("placeholder", "UNIT"),
     .help = N_("assign at once: the responsible unit")},
    {.name = "leader", .arg = CLI_ARG(ADD, leader), .metavar = NC_("placeholder", "USER"),
     .help = N_("assign at once: the responsible leader")},
    {.name = "deadline", .arg = CLI_ARG(ADD, deadline), .metavar = NC_("placeholder", "DATE"),
     .help = N_("assign at once: the deadline, YYYY-MM-DD")},
    {.name = "note", .arg = CLI_ARG(ADD, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("a comment for the record")},
    {.name = "parent", .arg = CLI_ARG(ADD, parent), .metavar = NC_("placeholder", "REF"),
     .help = N_("举一反三: the problem this self-found one came from (id, REF or INSPECTION/REF)")},
    {.name = NULL},
};
/* clang-format on */

static void s_add_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    char name[256];
    const json_t *item = s_item(result, name, sizeof name);
    const char *owner = json_string_value(json_object_get(item, "owner"));
    if (owner)
        printf(_("claimed %s and assigned it: owner %s, deadline %s\n"), name,
               render_user(cli_dir(ctx), owner), s_get(item, "deadline"));
    else
        printf(_("claimed %s\n"), name);
}

/* ---- list --------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_list_opts[] = {
    {.name = "state", .arg = CLI_ARG(LIST, state), .metavar = NC_("placeholder", "STATE"),
     .help = N_("claimed, assigned, rectifying, verified or closed")},
    {.name = "owner", .arg = CLI_ARG(LIST, owner), .metavar = NC_("placeholder", "USER"),
     .help = N_("items of this owner")},
    {.name = "unit", .arg = CLI_ARG(LIST, unit), .metavar = NC_("placeholder", "UNIT"),
     .help = N_("items of this unit")},
    {.name = "source", .arg = CLI_ARG(LIST, source), .metavar = NC_("placeholder", "SOURCE"),
     .help = N_("items from this source")},
    {.name = "kind", .arg = CLI_ARG(LIST, kind), .metavar = NC_("placeholder", "KIND"),
     .help = N_("immediate or long-term")},
    {.name = "inspection", .arg = CLI_ARG(LIST, inspection), .metavar = NC_("placeholder", "NAME"),
     .help = N_("items of this inspection")},
    {.name = "leader", .arg = CLI_ARG(LIST, leader), .metavar = NC_("placeholder", "USER"),
     .help = N_("items under this leader")},
    {.name = "overdue", .arg = CLI_ARG(LIST, overdue),
     .help = N_("only red items: past their deadline")},
    {.name = "due-soon", .arg = CLI_ARG(LIST, due_soon),
     .help = N_("only open items whose deadline is near (yellow)")},
    {.name = "as-of", .arg = CLI_ARG(LIST, as_of), .metavar = NC_("placeholder", "DATE"),
     .help = N_("lights as of this date (default: today in the zone)")},
    {.name = "grep", .arg = CLI_ARG(LIST, grep), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("items whose ref, title, description or measures contain TEXT")},
    {.name = "limit", .arg = CLI_ARG(LIST, limit), .metavar = NC_("placeholder", "N"),
     .help = N_("one page of at most N items (up to 10000); where the next begins goes to stderr")},
    {.name = "after", .arg = CLI_ARG(LIST, after), .metavar = NC_("placeholder", "CURSOR"),
     .help = N_("the page that follows CURSOR, where the page before said the next begins")},
    {.name = NULL},
};
/* clang-format on */

/* One page of the table: its columns are the first page's. */
static void s_list_page(const cli_ctx *ctx, const cli_args *a, const json_t *result, cli_page *pg)
{
    const json_t *items = json_object_get(result, "items");
    size_t n = json_array_size(items);
    if (pg->before == 0 && n > 0)
        render_list_head(stdout, cli_dir(ctx), items, render_term_width(), !pg->last, &pg->cols);
    render_list_rows(stdout, cli_dir(ctx), items, &pg->cols);
    if (pg->last)
        render_list_count(stdout, pg->before + n);
}

/* ---- show, history ------------------------------------------------------ */

/* backup: where the copy is and what it covers. */
static void s_backup_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    (void)ctx;
    (void)a;
    const json_t *head = json_object_get(result, "head");
    printf(_("backup written to %s (%lld bytes) and verified: %lld events, head %s\n"),
           json_string_value(json_object_get(result, "file")),
           (long long)json_integer_value(json_object_get(result, "bytes")),
           (long long)json_integer_value(json_object_get(result, "events")),
           json_string_value(json_object_get(head, "hash")));
    printf(_("recorded as event %lld; restore it with: rectd --restore %s -c CONFIG\n"),
           (long long)json_integer_value(json_object_get(result, "seq")),
           json_string_value(json_object_get(result, "path")));
}

static void s_show_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    render_show(stdout, cli_dir(ctx), result);
}

static void s_history_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    render_history(stdout, cli_dir(ctx), result);
}

/* ---- assign ------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_assign_opts[] = {
    {.name = "owner", .arg = CLI_ARG(ASSIGN, owner), .metavar = NC_("placeholder", "USER"),
     .help = N_("who rectifies it (责任人): name or display name")},
    {.name = "unit", .arg = CLI_ARG(ASSIGN, unit), .metavar = NC_("placeholder", "UNIT"),
     .help = N_("responsible unit (责任单位): id or name")},
    {.name = "leader", .arg = CLI_ARG(ASSIGN, leader), .metavar = NC_("placeholder", "USER"),
     .help = N_("responsible leader (责任领导), a user with role leader")},
    {.name = "deadline", .arg = CLI_ARG(ASSIGN, deadline), .metavar = NC_("placeholder", "DATE"),
     .help = N_("deadline (整改时限): YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日")},
    {.name = "note", .arg = CLI_ARG(ASSIGN, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("a comment for the record")},
    {.name = NULL},
};
/* clang-format on */

static void s_assign_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    char name[256], state[96];
    const json_t *item = s_item(result, name, sizeof name);
    printf(_("%s is now %s: owner %s, deadline %s\n"), name,
           render_state(s_get(item, "state"), state, sizeof state),
           render_user(cli_dir(ctx), json_string_value(json_object_get(item, "owner"))),
           s_get(item, "deadline"));
}

/* ---- start, close, reopen ----------------------------------------------- */

/* clang-format off */
static const cli_opt s_start_opts[] = {
    {.name = "note", .arg = CLI_ARG(START, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("a comment for the record")},
    {.name = NULL},
};
/* clang-format on */

static void s_now_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    s_print_now(result);
}

/* clang-format off */
static const cli_opt s_close_opts[] = {
    {.name = "note", .arg = CLI_ARG(CLOSE, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why the item can be struck off (销号)")},
    {.name = NULL},
};
/* clang-format on */

/* clang-format off */
static const cli_opt s_reopen_opts[] = {
    {.name = "reason", .arg = CLI_ARG(REOPEN, reason), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("why the problem is back (反弹)")},
    {.name = NULL},
};
/* clang-format on */

static void s_reopen_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    char name[256], state[96];
    const json_t *item = s_item(result, name, sizeof name);
    printf(_("%s is reopened and now %s\n"), name, render_state(s_get(item, "state"), state, sizeof state));
}

/* ---- evidence ------------------------------------------------------------ */

/* clang-format off */
static const cli_opt s_evidence_opts[] = {
    {.name = "note", .arg = CLI_ARG(EVIDENCE, note), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("what was done")},
    {.name = "file", .arg = CLI_ARG(EVIDENCE, files), .flags = CLI_MULTI,
     .metavar = NC_("placeholder", "PATH"),
     .help = N_("attach a file (photo, document); repeat for more, at most 16")},
    {.name = NULL},
};
/* clang-format on */

static int s_evidence_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    if (a->n_multi == 0)
        return RECT_EXIT_OK;
    json_t *names = json_array();
    if (!names || json_object_set_new(req->args, "files", names) != 0) {
        cli_error(_("out of memory"));
        return RECT_EXIT_USAGE;
    }
    for (size_t i = 0; i < a->n_multi; i++) {
        int rc = s_read_file(ctx, a->multi[i], &req->files[i]);
        if (rc != RECT_EXIT_OK)
            return rc;
        req->n_files = i + 1;
        const char *slash = strrchr(a->multi[i], '/');
        const char *base = slash ? slash + 1 : a->multi[i];
        json_t *s = json_string(base);
        if (!s || !*base) {
            json_decref(s);
            cli_error(_("--file: \"%s\" has no usable file name"), a->multi[i]);
            return RECT_EXIT_USAGE;
        }
        json_array_append_new(names, s);
    }
    return RECT_EXIT_OK;
}

static void s_evidence_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    char name[256];
    s_item(result, name, sizeof name);
    const json_t *ev = json_object_get(result, "evidence");
    size_t n = json_array_size(json_object_get(ev, "files"));
    char seq[32];
    render_int(ev, "seq", seq, sizeof seq);
    if (n == 0) {
        printf(_("evidence #%s added to %s\n"), seq, name);
        return;
    }
    printf(ngettext("evidence #%s added to %s (%zu file)\n", "evidence #%s added to %s (%zu files)\n", n),
           seq, name, n);
}

/* ---- verify ------------------------------------------------------------- */

/* clang-format off */
static const cli_opt s_verify_opts[] = {
    {.name = "pass", .help = N_("accept the rectification (验收通过)")},
    {.name = "reject", .help = N_("send it back for more work (退回整改)")},
    {.name = "opinion", .arg = CLI_ARG(VERIFY, opinion), .metavar = NC_("placeholder", "TEXT"),
     .help = N_("the verifier's opinion")},
    {.name = NULL},
};
/* clang-format on */

static int s_verify_build(const cli_ctx *ctx, const cli_cmd *cmd, const cli_args *a, cli_request *req)
{
    int pass = s_opt(cmd, a, "pass") != NULL;
    int reject = s_opt(cmd, a, "reject") != NULL;
    if (pass == reject) {
        cli_error(_("verify: give exactly one of --pass and --reject"));
        return RECT_EXIT_USAGE;
    }
    json_object_set_new(req->args, "result", json_string(pass ? "pass" : "reject"));
    return RECT_EXIT_OK;
}

static void s_verify_print(const cli_ctx *ctx, const cli_args *a, const json_t *result)
{
    char name[256];
    const json_t *item = s_item(result, name, sizeof name);
    if (s_opt(cli_command_find("verify"), a, "reject")) {
        long long n = s_int(item, "rejections");
        printf(ngettext("%s is sent back for rectification (%lld rejection so far)\n",
                        "%s is sent back for rectification (%lld rejections so far)\n",
                        n < 0 ? 0 : (unsigned long)n),
               name, n);
    } else {
        s_print_now(result);
    }
}

/* ---- help --------------------------------------------------------------- */

/* rectctl keygen USER: a key pair in the keys folder (or -o DIR). */
/* clang-format off */
static const cli_opt s_keygen_opts[] = {
    {.name = "out", .flags = CLI_SHORT, .metavar = NC_("placeholder", "DIR"),
     .help = N_("write the files into DIR (default: client.keys_dir or ~/.config/rectd)")},
    {.name = "force",
     .help = N_("replace a key that exists (the old one stops working once rectd.conf has the new one)")},
    {.name = NULL},
};
/* clang-format on */

static int s_keygen_local(const cli_ctx *ctx, const cli_args *a)
{
    char dir[4096], base[4400], err[1024];
    const char *user = a->pos[0];
    rect_client_cfg *conf = NULL;
    if (!cfg_valid_id(user)) {
        cli_error(_("keygen: \"%s\" is not a user name (A-Z a-z 0-9 _ . - only)"), user);
        return RECT_EXIT_USAGE;
    }
    if (a->val[0]) {
        snprintf(dir, sizeof dir, "%s", a->val[0]);
    } else {
        if (!ctx->cfg_path || cfg_load_client(ctx->cfg_path, &conf, err, sizeof err) != 0)
            conf = NULL; /* no config here: the default folder */
        cli_keys_dir(conf, dir, sizeof dir);
        cfg_client_destroy(&conf);
    }
    snprintf(base, sizeof base, "%s/%s", dir, user);
    rect_key k;
    if (keys_generate(user, &k) != 0 || keys_write(base, &k, a->val[1] != NULL, err, sizeof err) != 0) {
        cli_error("keygen: %s", err);
        return RECT_EXIT_USAGE;
    }
    printf(_("wrote %s.key (secret, mode 0600) and %s.pub\n"
             "public key of %s: %s\n"
             "The admin adds it to %s's entry in rectd.conf and reloads rectd (kill -HUP):\n"
             "    public_key = \"%s\";\n"),
           base, base, user, k.public_z85, user, k.public_z85);
    memset(&k, 0, sizeof k);
    return RECT_EXIT_OK;
}

static int s_help_local(const cli_ctx *ctx, const cli_args *a)
{
    return cli_help(ctx, a);
}

/* ---- the table ---------------------------------------------------------- */

/* clang-format off */
const cli_cmd cli_commands[] = {
    {.name = "ping", .verb = RECT_VERB_PING, .opts = s_no_opts, .print = s_ping_print,
     .usage = "",
     .summary = N_("check that rectd answers; show the server, your user, today and counts"),
     .help = N_("Example:\n  rectctl ping")},
    {.name = "directory", .verb = RECT_VERB_DIRECTORY, .opts = s_no_opts, .print = s_directory_print,
     .usage = "",
     .summary = N_("list the users, units, sources and inspections rectd knows (any user)"),
     .help = N_("What rectctl shows names by, from rectd's config in force (a reload\n"
                "changes it); never any key. --json gives it whole, for scripts and\n"
                "completion.\n"
                "Example:\n  rectctl directory")},
    {.name = "import", .verb = RECT_VERB_IMPORT, .pos = N_("FILE"), .pos_min = 1,
     .opts = s_import_opts, .build = s_import_build, .print = s_import_print,
     .usage = N_("FILE [--inspection NAME] [--dry-run] [--encoding ENC]"),
     .summary = N_("claim the items of a plan, CSV or .xlsx (all rows or none)"),
     .help = N_("FILE is the plan: CSV (UTF-8, or GB18030/GBK as Chinese Excel and WPS save it)\n"
                "or .xlsx (its first sheet); the format is told from the bytes, and the columns\n"
                "are in the README, \"Import format\". Rows with owner, unit, leader and deadline\n"
                "are assigned as well. A plan with any problem is refused whole; --dry-run\n"
                "lists every problem at once (up to 200), each with its line (CSV) or row and\n"
                "column letter (.xlsx), and exits 3 if there is any.\n"
                "\n"
                "Example:\n"
                "  rectctl import examples/plan.csv --dry-run\n"
                "  rectctl import plan.xlsx --dry-run\n"
                "  rectctl import plan-gbk.csv --encoding gb18030\n"
                "  rectctl import examples/plan.csv --inspection 2025-assessment")},
    {.name = "add", .verb = RECT_VERB_ADD, .opts = s_add_opts, .print = s_add_print,
     .usage = N_("--ref REF --source SOURCE --kind KIND --title TEXT [--description TEXT]\n"
                 "       [--measures TEXT] [--inspection NAME]\n"
                 "       [--owner USER --unit UNIT --leader USER --deadline DATE] [--note TEXT]\n"
                 "       [--parent REF]"),
     .summary = N_("claim one item (认领), and optionally assign it"),
     .help = N_("Claims one problem for the town, e.g. one found by self-inspection (举一反三):\n"
                "--parent names the problem it was found from (show lists an item's children).\n"
                "\n"
                "Example:\n"
                "  rectctl add --ref ZC-01 --source county --kind long-term \\\n"
                "      --title \"监测户收入核查不及时\" --owner 李明 --unit 托托村 \\\n"
                "      --leader zhanghua --deadline 2026-12-31 --parent GJ-03")},
    {.name = "list", .verb = RECT_VERB_LIST, .opts = s_list_opts, .build = cli_page_build,
     .page = s_list_page,
     .usage = N_("[--state STATE] [--owner USER] [--unit UNIT] [--source SOURCE] [--kind KIND]\n"
                 "       [--inspection NAME] [--leader USER] [--overdue] [--due-soon] [--as-of DATE]\n"
                 "       [--grep TEXT] [--limit N] [--after CURSOR]"),
     .summary = N_("list items (the ledger, 台账), filtered"),
     .help = N_("Filters combine: an item is listed when it matches all of them (--overdue and\n"
                "--due-soon together list both). --grep finds TEXT (Chinese or not; ASCII letters\n"
                "in any case) in the ref, title, description or measures. LIGHT is red past the\n"
                "deadline, yellow when it is near (calendar.due_soon_days) or a verified item\n"
                "waits for 销号, green otherwise; closed items have none. rectd answers in pages\n"
                "of 1000, printed as they come; --limit and --after ask for one page, and stderr\n"
                "says where the next begins.\n"
                "\n"
                "Example:\n"
                "  rectctl list --state rectifying --owner 李明\n"
                "  rectctl list --due-soon --as-of 2026-09-30\n"
                "  rectctl list --grep 遍访 --state assigned")},
    {.name = "show", .verb = RECT_VERB_SHOW, .pos = N_("ID"), .pos_arg = CLI_ARG(SHOW, item),
     .opts = s_no_opts, .print = s_show_print,
     .usage = N_("ID"),
     .summary = N_("show one item and its evidence"),
     .help = N_("Shows every field, the state, and each evidence entry with its files.\n"
                "\n"
                "Example:\n"
                "  rectctl show GJ-03")},
    {.name = "history", .verb = RECT_VERB_HISTORY, .pos = N_("ID"),
     .pos_arg = CLI_ARG(HISTORY, item), .opts = s_no_opts, .print = s_history_print,
     .usage = N_("ID"),
     .summary = N_("show every recorded change of one item"),
     .help = N_("Who did what and when: the item's events, oldest first.\n"
                "\n"
                "Example:\n"
                "  rectctl history 3")},
    {.name = "assign", .verb = RECT_VERB_ASSIGN, .pos = N_("ID"), .pos_arg = CLI_ARG(ASSIGN, item),
     .opts = s_assign_opts, .print = s_assign_print,
     .usage = N_("ID --owner USER --unit UNIT --leader USER --deadline YYYY-MM-DD [--note TEXT]"),
     .summary = N_("assign an item (交办): owner, unit, leader, deadline"),
     .help = N_("Works on claimed and assigned items; a rectifying item is reassigned and stays\n"
                "rectifying. A leader keeps the deadline; another deadline is an admin's\n"
                "re-plan: it needs --note (the reason) and counts as an extension.\n"
                "\n"
                "Example:\n"
                "  rectctl assign GJ-03 --owner 李明 --unit 托托村 --leader zhanghua \\\n"
                "      --deadline 2026-12-31")},
    {.name = "start", .verb = RECT_VERB_START, .pos = N_("ID"), .pos_arg = CLI_ARG(START, item),
     .opts = s_start_opts, .print = s_now_print,
     .usage = N_("ID [--note TEXT]"),
     .summary = N_("start rectifying an assigned item (整改中)"),
     .help = N_("Done by the item's owner (or an admin).\n"
                "\n"
                "Example:\n"
                "  rectctl start GJ-03 --note \"已制定整改方案\"")},
    {.name = "evidence", .verb = RECT_VERB_EVIDENCE, .pos = N_("ID"),
     .pos_arg = CLI_ARG(EVIDENCE, item), .opts = s_evidence_opts, .build = s_evidence_build,
     .print = s_evidence_print,
     .usage = N_("ID --note TEXT [--file PATH]..."),
     .summary = N_("log evidence (佐证材料): a note and files"),
     .help = N_("Files are sent whole and stored by content; each must fit daemon.max_attachment_mb.\n"
                "\n"
                "Example:\n"
                "  rectctl evidence GJ-03 --note \"入户核查记录\" --file 照片1.jpg --file 台账.pdf")},
    CLI_EVIDENCE_COMMANDS,
    {.name = "verify", .verb = RECT_VERB_VERIFY, .pos = N_("ID"), .pos_arg = CLI_ARG(VERIFY, item),
     .opts = s_verify_opts, .build = s_verify_build, .print = s_verify_print,
     .usage = N_("ID (--pass|--reject) --opinion TEXT"),
     .summary = N_("accept (验收) or send back (退回整改) a rectifying item"),
     .help = N_("Done by a verifier who neither owned the item nor filed its evidence since it\n"
                "was last started or sent back; --pass needs evidence (after a rejection, new).\n"
                "\n"
                "Example:\n"
                "  rectctl verify GJ-03 --pass --opinion \"整改到位\"")},
    {.name = "close", .verb = RECT_VERB_CLOSE, .pos = N_("ID"), .pos_arg = CLI_ARG(CLOSE, item),
     .opts = s_close_opts, .print = s_now_print,
     .usage = N_("ID --note TEXT"),
     .summary = N_("strike off a verified item (销号)"),
     .help = N_("Done by the item's leader or an admin (workflow.close_by), who neither\n"
                "verified, owned nor filed evidence on it in this round of work.\n"
                "\n"
                "Example:\n"
                "  rectctl close GJ-03 --note \"对账销号\"")},
    {.name = "reopen", .verb = RECT_VERB_REOPEN, .pos = N_("ID"), .pos_arg = CLI_ARG(REOPEN, item),
     .opts = s_reopen_opts, .print = s_reopen_print,
     .usage = N_("ID --reason TEXT"),
     .summary = N_("reopen a verified or closed item whose problem came back"),
     .help = N_("The item goes back to rectifying.\n"
                "\n"
                "Example:\n"
                "  rectctl reopen GJ-03 --reason \"回访发现问题反弹\"")},
    {.name = "overdue", .verb = RECT_VERB_OVERDUE, .opts = cli_dl_overdue_opts,
     .build = cli_page_build, .page = cli_dl_overdue_page,
     .usage = N_("[--as-of DATE] [--owner USER] [--unit UNIT] [--leader USER] [--limit N]\n"
                 "       [--after CURSOR]"),
     .summary = N_("list red items (past their approved deadline), most overdue first"),
     .help = N_("Days overdue are calendar days past the approved deadline.\n"
                "\n"
                "Example:\n"
                "  rectctl overdue --unit 托托村\n"
                "  rectctl overdue --as-of 2027-01-15 --leader zhanghua")},
    {.name = "extend", .verb = RECT_VERB_EXTEND, .pick = cli_dl_extend_pick, .pos = N_("ID"),
     .pos_arg = CLI_ARG(EXTEND, item), .opts = cli_dl_extend_opts, .build = cli_dl_extend_build,
     .print = cli_dl_extend_print,
     .usage = N_("ID --deadline DATE --reason TEXT\n"
                 "       | ID (--approve|--deny) [--note TEXT]"),
     .summary = N_("ask for a later deadline (延期), or approve or deny the request"),
     .help = N_("The owner (or an admin) asks; a leader or admin who is neither the owner nor\n"
                "the one who asked decides.\n"
                "An approved extension moves the deadline; the original one is kept.\n"
                "\n"
                "Example:\n"
                "  rectctl extend GJ-03 --deadline 2027-03-31 --reason \"等待县级资金下达\"\n"
                "  rectctl extend GJ-03 --approve --note \"同意延期\"")},
    {.name = "review", .verb = RECT_VERB_REVIEW, .pos = N_("ID"), .pos_arg = CLI_ARG(REVIEW, item),
     .opts = cli_dl_review_opts, .build = s_evidence_build, .print = cli_dl_review_print,
     .usage = N_("ID --note TEXT [--file PATH]... [--relapse [--deadline DATE]]"),
     .summary = N_("record a consolidation review (巩固) of a closed long-term item"),
     .help = N_("Sets the next review consolidation.interval_days ahead. With --relapse the\n"
                "problem is back (反弹): the item is reopened for rectification, with the\n"
                "new deadline given by --deadline (not before today); without it the old\n"
                "deadline stays, and if it has passed the item is overdue at once until an\n"
                "extension or an admin's re-plan moves it.\n"
                "\n"
                "Example:\n"
                "  rectctl review GJ-01 --note \"回访3户,未发现返贫风险\" --file 回访记录.jpg\n"
                "  rectctl review GJ-01 --note \"2户收入再次低于监测线\" --relapse --deadline 2027-03-31")},
    {.name = "inbox", .verb = RECT_VERB_INBOX, .opts = cli_nt_inbox_opts,
     .build = cli_page_build, .page = cli_nt_inbox_page, .page_items = "notices",
     .usage = N_("[--all] [--limit N] [--after CURSOR]"),
     .summary = N_("your notices from the daily job (unread ones; --all for every one)"),
     .help = N_("Every morning at notify.at rectd makes a digest for each owner and leader and a\n"
                "summary for admins, and escalation notices (督办). They wait here until acked.\n"
                "rectd answers in pages of 1000 notices, printed as they come; --limit and\n"
                "--after ask for one page, and stderr says where the next begins.\n"
                "\n"
                "Example:\n"
                "  rectctl inbox --as liming")},
    {.name = "ack", .verb = RECT_VERB_ACK, .pos = N_("ID"), .pos_arg = CLI_ARG(ACK, id),
     .opts = cli_nt_no_opts, .build = cli_nt_ack_build, .print = cli_nt_ack_print,
     .usage = N_("ID"),
     .summary = N_("mark one of your notices read"),
     .help = N_("Example:\n  rectctl ack 12")},
    {.name = "watch", .flags = CLI_SESSION, .opts = cli_nt_watch_opts, .local = cli_nt_watch_run,
     .usage = N_("[--since N]"),
     .summary = N_("print your notices as they come (replaying those after N first)"),
     .help = N_("Subscribes to rectd's notification socket (notify.pub_endpoint), replays your\n"
                "notices numbered above N from the outbox, then prints each new one until\n"
                "interrupted (Ctrl-C exits 0). With --json, one notice per line.\n"
                "\n"
                "Example:\n"
                "  rectctl watch --as liming --since 40")},
    {.name = "notify run", .verb = RECT_VERB_NOTIFY_RUN, .opts = cli_nt_run_opts,
     .print = cli_nt_run_print,
     .usage = N_("[--as-of DATE] [--force]"),
     .summary = N_("run the daily job by hand (admin)"),
     .help = N_("Runs the day's job (digests, escalation) now. A day already done is left alone\n"
                "unless --force.\n"
                "\n"
                "Example:\n"
                "  rectctl notify run --as-of 2026-12-01")},
    CLI_LEDGER_COMMANDS,
    CLI_RECORDS_COMMANDS,
    CLI_REPORT_COMMANDS,
    CLI_ACTS_COMMANDS,
    {.name = "backup", .verb = RECT_VERB_BACKUP, .pos = N_("PATH"), .pos_arg = CLI_ARG(BACKUP, path),
     .opts = s_no_opts, .print = s_backup_print,
     .usage = N_("PATH"),
     .summary = N_("copy the live database to PATH on rectd's machine and verify it (admin)"),
     .help = N_("rectd copies its database, compacted, into PATH/data.mdb while it keeps serving,\n"
                "checks the copy's whole chain as audit verify does, and records a backup event\n"
                "naming the head the copy covers. PATH is on rectd's machine: absolute, a new\n"
                "folder (in an existing one) or an empty folder, outside data_dir; a backup never\n"
                "goes over an existing file or database. Never copy a live data.mdb with cp: the\n"
                "copy can be torn and still look valid. Restore with rectd --restore PATH.\n"
                "\n"
                "Example:\n"
                "  rectctl backup /var/backups/rectd/2027-01-05")},
    CLI_INIT_COMMANDS,
    CLI_PASSWD_COMMANDS,
    {.name = "keygen", .pos = N_("USER"), .pos_min = 1, .opts = s_keygen_opts,
     .local = s_keygen_local,
     .usage = N_("USER [-o DIR] [--force]"),
     .summary = N_("make your CURVE key pair (USER.key, secret, and USER.pub)"),
     .help = N_("rectd admits only users who hold their own key. keygen writes USER.key (mode\n"
                "0600: whoever reads it can act as USER) and USER.pub into your keys folder, and\n"
                "prints the public_key line the admin puts in rectd.conf. rectctl then finds the\n"
                "key by your user name (--as USER), or give it with --key FILE or $RECTCTL_KEY.\n"
                "\n"
                "Example:\n"
                "  rectctl keygen liming")},
    {.name = "help", .pos = N_("COMMAND"), .pos2 = N_("WORD"), .opts = s_no_opts, .local = s_help_local,
     .usage = N_("[COMMAND [WORD]]"),
     .summary = N_("show this overview, or a command's options and an example"),
     .help = N_("A two-word command is asked with both words; its first word alone lists them.\n\n"
                "Examples:\n  rectctl help assign\n  rectctl help inspection add\n  rectctl help ledger")},
};
/* clang-format on */

const size_t cli_n_commands = sizeof cli_commands / sizeof cli_commands[0];

const cli_cmd *cli_command_find(const char *name)
{
    for (size_t i = 0; i < cli_n_commands; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

int cli_tmp_beside(const char *path, char **tmp)
{
    size_t len = strlen(path) + 16;
    if (!(*tmp = malloc(len))) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(*tmp, len, "%s.tmpXXXXXX", path);
    int fd = mkstemp(*tmp);
    if (fd < 0) {
        int e = errno;
        free(*tmp);
        *tmp = NULL;
        errno = e;
        return -1;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0) {
        int e = errno;
        close(fd);
        unlink(*tmp);
        free(*tmp);
        *tmp = NULL;
        errno = e;
        return -1;
    }
    return fd;
}

int cli_opt_index(const cli_cmd *cmd, const char *name)
{
    for (int i = 0; cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    return -1;
}
