/*
 * cmd_items.c - write commands: claim (add, import), assign, start,
 * evidence, verify, close, reopen. Who may do what is workflow.c's call;
 * these handlers gather the values, ask wf_check, and apply the change.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_records.h"
#include "import.h"
#include "item.h"
#include "rect_proto.h"
#include "resolve.h"
#include "workflow.h"

/* Guard, then apply: set gets the resulting state; result {"item": ...}. */
static int s_act(cmd_ctx *c, json_t *item, rect_action a, json_t *set, const char *comment, json_t *extra)
{
    rect_state to;
    int rc = item_guard(c, item, a, &to);
    if (rc) {
        json_decref(set);
        json_decref(extra);
        return rc;
    }
    return item_act(c, item, a, to, set, comment, extra);
}

/* Load args.item, run s_act, drop the loaded item. */
static int s_act_loaded(cmd_ctx *c, rect_action a, json_t *set, const char *comment, json_t *extra)
{
    json_t *item;
    int rc = item_load(c, &item);
    if (rc) {
        json_decref(set);
        json_decref(extra);
        return rc;
    }
    rc = s_act(c, item, a, set, comment, extra);
    json_decref(item);
    return rc;
}

/* The four assignment values, canonical. */
typedef struct {
    const char *owner, *unit, *leader;
    char deadline[RECT_DATE_LEN];
} assignment;

static int s_assignment(cmd_ctx *c, assignment *as)
{
    int rc;
    if ((rc = resolve(c, "owner", cmd_str(c, "owner"), RESOLVE_USER, &as->owner)) ||
        (rc = resolve(c, "unit", cmd_str(c, "unit"), RESOLVE_UNIT, &as->unit)) ||
        (rc = resolve(c, "leader", cmd_str(c, "leader"), RESOLVE_LEADER, &as->leader)) ||
        (rc = resolve_date(c, "deadline", cmd_str(c, "deadline"), as->deadline)))
        return rc;
    return 0;
}

/* The first assignment of a new item: its deadline is also the plan's (original_deadline). */
static json_t *s_assign_set(const char *owner, const char *unit, const char *leader, const char *deadline)
{
    return json_pack("{ssssssssss}", "owner", owner, "unit", unit, "leader", leader, "deadline", deadline,
                     "original_deadline", deadline);
}

/* Claim one item (and assign it when owner is given); the new item in *out. */
static int s_claim(cmd_ctx *c, const char *const f[IMP_NFIELDS], const char *inspection, const char *note,
                   json_int_t parent, json_t **out)
{
    uint64_t id;
    int rc = store_ref_find(c->txn, f[IMP_REF], inspection, &id);
    if (rc == 0)
        return cmd_refuse(c, RECT_E_DUPLICATE_REF,
                          json_pack("{sssssssI}", "rule", "duplicate_ref", "inspection", inspection, "ref",
                                    f[IMP_REF], "item", (json_int_t)id),
                          "inspection %s already has an item with ref %s (id %llu)", inspection, f[IMP_REF],
                          (unsigned long long)id);
    if (rc != RECT_E_NOT_FOUND)
        return cmd_fail(c, rc, "cannot look up ref %s", f[IMP_REF]);
    if ((rc = records_not_declined(c, inspection, f[IMP_SOURCE], f[IMP_TITLE])))
        return rc;
    json_t *set = json_pack(
        "{ssssssssssssssss}", "ref", f[IMP_REF], "inspection", inspection, "source", f[IMP_SOURCE], "kind",
        f[IMP_KIND], "title", f[IMP_TITLE], "description", f[IMP_DESCRIPTION] ? f[IMP_DESCRIPTION] : "",
        "measures", f[IMP_MEASURES] ? f[IMP_MEASURES] : "", "state", rect_state_names[RECT_ST_CLAIMED]);
    if (set && parent > 0 && json_object_set_new(set, "parent", json_integer(parent))) {
        json_decref(set);
        set = NULL;
    }
    if (!set)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    json_t *item;
    if ((rc = item_apply(c, NULL, RECT_ACT_CLAIM, set, note, NULL, &item)))
        return rc;
    id = (uint64_t)json_integer_value(json_object_get(item, "id"));
    if ((rc = store_ref_put(c->txn, f[IMP_REF], inspection, id))) {
        json_decref(item);
        return cmd_fail(c, rc, "cannot record ref %s", f[IMP_REF]);
    }
    if (f[IMP_OWNER]) {
        rect_state to;
        if ((rc = item_guard_plan(c, item, RECT_ACT_ASSIGN, f[IMP_DEADLINE], f[IMP_LEADER], &to))) {
            json_decref(item);
            return rc;
        }
        json_t *as = s_assign_set(f[IMP_OWNER], f[IMP_UNIT], f[IMP_LEADER], f[IMP_DEADLINE]);
        if (!as || json_object_set_new(as, "state", json_string(rect_state_names[to]))) {
            json_decref(as);
            json_decref(item);
            return cmd_fail(c, RECT_E_NOMEM, "out of memory");
        }
        json_t *assigned;
        rc = item_apply(c, item, RECT_ACT_ASSIGN, as, note, NULL, &assigned);
        json_decref(item);
        if (rc)
            return rc;
        item = assigned;
    }
    *out = item;
    return 0;
}

static const char *s_inspection(cmd_ctx *c)
{
    const char *i = cmd_str(c, "inspection");
    return i ? i : c->cfg->default_inspection;
}

/*
 * The parent of a 举一反三 item: the item ref names (borrowed; an id, REF
 * or INSPECTION/REF), which must exist; first looked up as a ref of
 * inspection (the new item's). *id its id, or a refusal.
 */
static int s_parent(cmd_ctx *c, const json_t *ref, const char *inspection, uint64_t *id)
{
    const char *s = json_string_value(ref);
    int rc = s ? store_ref_find(c->txn, s, inspection, id) : RECT_E_NOT_FOUND;
    if (rc == RECT_E_NOT_FOUND && (rc = item_resolve(c, ref, id))) {
        char why[sizeof c->msg];
        snprintf(why, sizeof why, "%s", c->msg);
        return cmd_fail(c, rc, "parent: %s", why);
    }
    if (rc)
        return cmd_fail(c, rc, "cannot look up the parent");
    json_t *p;
    if ((rc = store_item_get(c->txn, *id, &p)) == RECT_E_NOT_FOUND)
        return cmd_fail(c, rc, "parent: no item with id %llu: the parent must be a recorded item",
                        (unsigned long long)*id);
    if (rc)
        return cmd_fail(c, rc, "cannot read the parent item");
    json_decref(p);
    return 0;
}

int cmd_add(cmd_ctx *c)
{
    rect_state to;
    int rc = item_guard(c, NULL, RECT_ACT_CLAIM, &to);
    if (rc)
        return rc;
    const char *f[IMP_NFIELDS] = {0};
    f[IMP_REF] = cmd_str(c, "ref");
    f[IMP_TITLE] = cmd_str(c, "title");
    f[IMP_DESCRIPTION] = cmd_str(c, "description");
    f[IMP_MEASURES] = cmd_str(c, "measures");
    if ((rc = resolve(c, "source", cmd_str(c, "source"), RESOLVE_SOURCE, &f[IMP_SOURCE])) ||
        (rc = resolve(c, "kind", cmd_str(c, "kind"), RESOLVE_KIND, &f[IMP_KIND])))
        return rc;

    /* The one place of this rule: rectctl add sends what it is given. */
    static const char *const as_keys[] = {"owner", "unit", "leader", "deadline"};
    int given = 0;
    char missing[64] = "";
    for (int i = 0; i < 4; i++) {
        if (cmd_str(c, as_keys[i]))
            given++;
        else
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     missing[0] ? ", " : "", as_keys[i]);
    }
    assignment as;
    if (given && given < 4)
        return cmd_fail(c, RECT_E_MISSING_FIELD,
                        "add: %s missing: to assign while adding, give all of owner, unit, leader "
                        "and deadline (or none, and assign later)",
                        missing);
    if (given) {
        if ((rc = s_assignment(c, &as)))
            return rc;
        f[IMP_OWNER] = as.owner;
        f[IMP_UNIT] = as.unit;
        f[IMP_LEADER] = as.leader;
        f[IMP_DEADLINE] = as.deadline;
    }
    /* 举一反三: the problem this self-found one came from. Never itself (it does not exist yet,
     * so a parent naming its own ref or INSPECTION/REF is refused as such). */
    json_t *jp = json_object_get(c->args, "parent");
    uint64_t parent = 0;
    if (jp) {
        const char *p = json_string_value(jp), *slash = p ? strchr(p, '/') : NULL;
        if (p && (strcmp(p, f[IMP_REF]) == 0 ||
                  (slash && strcmp(slash + 1, f[IMP_REF]) == 0 &&
                   strncmp(p, s_inspection(c), (size_t)(slash - p)) == 0 && !s_inspection(c)[slash - p])))
            return cmd_fail(c, RECT_E_BAD_VALUE,
                            "add: parent %s is the new item itself: an item cannot be its own "
                            "parent; give the problem it was found from",
                            p);
        if ((rc = s_parent(c, jp, s_inspection(c), &parent)))
            return rc;
    }
    json_t *item;
    if ((rc = s_claim(c, f, s_inspection(c), cmd_str(c, "note"), (json_int_t)parent, &item)))
        return rc;
    c->result = json_pack("{so}", "item", item);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/* A row's refusal is the plan's error (bad_import); running out of memory or disk stays what it is. */
static int s_import_rc(int rc)
{
    return rc == RECT_E_NOMEM || rc == RECT_E_STORAGE_FULL || rc == RECT_E_INTERNAL ? rc : RECT_E_BAD_IMPORT;
}

/*
 * A dry run's problem: {line, column?, message} appended to probs (at most
 * IMP_MAX_PROBLEMS kept, every one counted in *total). 0, or nomem.
 */
static int s_problem_add(cmd_ctx *c, json_t *probs, size_t *total, long line, const char *column,
                         const char *msg)
{
    (*total)++;
    if (json_array_size(probs) >= IMP_MAX_PROBLEMS)
        return 0;
    json_t *p = json_pack("{sIss}", "line", (json_int_t)line, "message", msg);
    if (p && column && *column && json_object_set_new(p, "column", json_string(column)) != 0) {
        json_decref(p);
        p = NULL;
    }
    if (!p || json_array_append_new(probs, p) != 0)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    return 0;
}

/*
 * A problem the handler finds in a row (in the store): a dry run lists it
 * and goes on (returns 0), a real import is refused with it (returns rc).
 * c->msg holds the message on entry.
 */
static int s_row_problem(cmd_ctx *c, int dry, int rc, json_t *probs, size_t *total, long line,
                         const char *column)
{
    if (!dry || rc == RECT_E_NOMEM || rc == RECT_E_STORAGE_FULL || rc == RECT_E_INTERNAL)
        return rc;
    char msg[sizeof c->msg];
    snprintf(msg, sizeof msg, "%s", c->msg);
    c->msg[0] = '\0';
    return s_problem_add(c, probs, total, line, column, msg);
}

/*
 * A dry run that found problems: refused (bad_import) with the first as the
 * message, and the list beside it in the error object: "problems" (at most
 * IMP_MAX_PROBLEMS of {line, column?, message}) and "problems_total".
 * Takes probs.
 */
static int s_dry_refused(cmd_ctx *c, json_t *probs, size_t total)
{
    const char *first = json_string_value(json_object_get(json_array_get(probs, 0), "message"));
    char msg[sizeof c->msg];
    snprintf(msg, sizeof msg, "%s", first ? first : "the plan has problems");
    c->err_extra = json_pack("{sosI}", "problems", probs, "problems_total", (json_int_t)total);
    if (!c->err_extra)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    if (total > 1)
        return cmd_fail(c, RECT_E_BAD_IMPORT, "%s (and %zu more problem%s: the reply lists them)", msg,
                        total - 1, total == 2 ? "" : "s");
    return cmd_fail(c, RECT_E_BAD_IMPORT, "%s", msg);
}

int cmd_import(cmd_ctx *c)
{
    rect_state to;
    int rc = item_guard(c, NULL, RECT_ACT_CLAIM, &to);
    if (rc)
        return rc;
    int dry = json_is_true(json_object_get(c->args, "dry_run"));
    const char *encname = cmd_str(c, "encoding");
    int enc = plan_encoding_parse(encname);
    if (enc < 0)
        return cmd_fail(
            c, RECT_E_BAD_VALUE,
            "import: encoding \"%s\" is not one rectd reads: give utf-8 or gb18030 (GBK), or leave "
            "it out and rectd tells them apart",
            encname);
    imp_plan *plan;
    imp_problems found;
    char err[IMP_ERRLEN];
    json_t *probs = json_array();
    size_t total = 0;
    if (!probs)
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    rc = imp_parse_ex(c->files[0].data, c->files[0].len, enc, c->cfg, &plan, &found, err, sizeof err);
    if (rc == RECT_E_BAD_IMPORT && dry) {
        /* A dry run answers with the list; nothing more can be checked without a plan. */
        for (size_t i = 0; i < found.n && rc != RECT_E_NOMEM; i++)
            if (s_problem_add(c, probs, &total, found.v[i].line, found.v[i].column, found.v[i].msg))
                rc = RECT_E_NOMEM;
        total = found.total;
        imp_problems_free(&found);
        if (rc == RECT_E_NOMEM) {
            json_decref(probs);
            return rc;
        }
        return s_dry_refused(c, probs, total);
    }
    if (rc) {
        json_decref(probs);
        size_t more = found.total > 0 ? found.total - 1 : 0;
        imp_problems_free(&found);
        if (more && rc == RECT_E_BAD_IMPORT)
            return cmd_fail(c, rc, "%s (and %zu more problem%s: rectctl import --dry-run lists them all)",
                            err, more, more == 1 ? "" : "s");
        return cmd_fail(c, rc, "%s", err);
    }
    imp_problems_free(&found);

    const char *inspection = s_inspection(c);
    const char *unit = plan->xlsx ? "row" : "line";
    json_t *ids = json_array();
    size_t assigned = 0, declined = 0;
    if (!ids)
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
    /* Rows with 认领 = 否 are decisions about a recorded inspection. */
    for (size_t i = 0; i < plan->n && rc == 0; i++) {
        if (!plan->rows[i].declined)
            continue;
        json_t *rec;
        int grc = store_inspection_get(c->txn, inspection, &rec);
        if (grc == 0)
            json_decref(rec);
        else if (grc == RECT_E_NOT_FOUND)
            rc = s_row_problem(
                c, dry,
                cmd_fail(c, RECT_E_BAD_IMPORT,
                         "%s %ld, column %s (claimed): a problem not claimed is recorded on its "
                         "inspection, and inspection %s is not recorded: record it first with "
                         "rectctl inspection add",
                         unit, plan->rows[i].line, imp_field_name_zh(IMP_CLAIMED), inspection),
                probs, &total, plan->rows[i].line, imp_field_name_zh(IMP_CLAIMED));
        else
            rc = cmd_fail(c, grc, "cannot read the inspections");
        break;
    }
    for (size_t i = 0; i < plan->n && rc == 0; i++) {
        const imp_row *row = &plan->rows[i];
        uint64_t id, parent = 0;
        if (row->declined) {
            declined++;
            if (dry)
                continue;
            if ((rc = records_decline(c, inspection, row->f[IMP_SOURCE], row->f[IMP_TITLE],
                                      row->f[IMP_DECLINE_REASON], row->f[IMP_REF]))) {
                char why[sizeof c->msg];
                snprintf(why, sizeof why, "%s", c->msg);
                rc = cmd_fail(c, s_import_rc(rc), "%s %ld: %s", unit, row->line, why);
                break;
            }
            continue;
        }
        if (row->f[IMP_PARENT] && !(dry && row->parent_line)) {
            json_t *pref = json_string(row->f[IMP_PARENT]);
            rc = pref ? s_parent(c, pref, inspection, &parent) : cmd_fail(c, RECT_E_NOMEM, "out of memory");
            json_decref(pref);
            if (rc) {
                char why[sizeof c->msg];
                snprintf(why, sizeof why, "%s", c->msg);
                rc = s_row_problem(c, dry,
                                   cmd_fail(c, s_import_rc(rc), "%s %ld, column %s (parent): %s", unit,
                                            row->line, imp_field_name_zh(IMP_PARENT), why),
                                   probs, &total, row->line, imp_field_name_zh(IMP_PARENT));
                if (rc)
                    break;
                continue;
            }
        }
        rc = store_ref_find(c->txn, row->f[IMP_REF], inspection, &id);
        if (rc == 0) {
            rc = s_row_problem(
                c, dry,
                cmd_fail(c, RECT_E_BAD_IMPORT,
                         "%s %ld, column %s (ref): inspection %s already has an item with ref %s "
                         "(id %llu)",
                         unit, row->line, imp_field_name_zh(IMP_REF), inspection, row->f[IMP_REF],
                         (unsigned long long)id),
                probs, &total, row->line, imp_field_name_zh(IMP_REF));
            if (rc)
                break;
            continue;
        }
        if (rc != RECT_E_NOT_FOUND) {
            rc = cmd_fail(c, rc, "%s %ld: cannot look up ref %s", unit, row->line, row->f[IMP_REF]);
            break;
        }
        rc = 0;
        assigned += row->f[IMP_OWNER] != NULL;
        if (dry)
            continue;
        json_t *item;
        if ((rc = s_claim(c, (const char *const *)row->f, inspection, NULL, (json_int_t)parent, &item))) {
            char why[sizeof c->msg];
            snprintf(why, sizeof why, "%s", c->msg);
            cmd_fail(c, rc, "%s %ld: %s", unit, row->line, why);
            break;
        }
        int bad = json_array_append(ids, json_object_get(item, "id"));
        json_decref(item);
        if (bad) {
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
            break;
        }
    }
    size_t n = plan->n;
    /* "format" and "encoding" only for what is not the plain UTF-8 CSV: other imports answer as before. */
    const char *format = plan->xlsx ? "xlsx" : NULL;
    const char *encoding = !plan->xlsx && plan->encoding == PLAN_ENC_GB18030 ? "gb18030" : NULL;
    imp_plan_destroy(&plan);
    if (rc || total) {
        json_decref(ids);
        return rc ? (json_decref(probs), rc) : s_dry_refused(c, probs, total);
    }
    json_decref(c->result); /* a decline's */
    c->result = json_pack("{sIsIsosb}", "imported", (json_int_t)(total ? 0 : n - declined), "assigned",
                          (json_int_t)(total ? 0 : assigned), "ids", ids, "dry_run", dry);
    if (c->result && format && json_object_set_new(c->result, "format", json_string(format))) {
        json_decref(c->result);
        c->result = NULL;
    }
    /* "declined" only for a plan with 认领 = 否 rows: other imports answer as before. */
    if (c->result && declined && !total &&
        json_object_set_new(c->result, "declined", json_integer((json_int_t)declined))) {
        json_decref(c->result);
        c->result = NULL;
    }
    if (c->result && encoding && json_object_set_new(c->result, "encoding", json_string(encoding))) {
        json_decref(c->result);
        c->result = NULL;
    }
    json_decref(probs);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

/*
 * (Re)assignment of an existing item. original_deadline is the plan's date:
 * set by the first assignment, never overwritten. Moving the deadline of an
 * assigned or rectifying item is an admin's re-plan (the rule book checks
 * who and the note): recorded as an extension, overdue days carried.
 */
int cmd_assign(cmd_ctx *c)
{
    assignment as;
    json_t *item, *set = NULL;
    rect_state to;
    int rc = s_assignment(c, &as);
    if (rc || (rc = item_load(c, &item)))
        return rc;
    if ((rc = item_guard_plan(c, item, RECT_ACT_ASSIGN, as.deadline, as.leader, &to)))
        goto done;
    const char *current = json_string_value(json_object_get(item, "deadline"));
    int replan = current && strcmp(current, as.deadline) != 0;
    if (!(set = json_pack("{ssssss}", "owner", as.owner, "unit", as.unit, "leader", as.leader))) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if ((json_is_null(json_object_get(item, "original_deadline")) ||
         !json_object_get(item, "original_deadline")) &&
        json_object_set_new(set, "original_deadline", json_string(as.deadline))) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if (replan &&
        json_object_set_new(set, "extensions",
                            json_integer(json_integer_value(json_object_get(item, "extensions")) + 1))) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = item_move_deadline(c, item, as.deadline, set)))
        goto done;
    /* A new assignment waits for its own 签收. */
    if (json_is_string(json_object_get(item, "acknowledged_at")) &&
        (json_object_set_new(set, "acknowledged_by", json_null()) ||
         json_object_set_new(set, "acknowledged_at", json_null()))) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    rc = item_act(c, item, RECT_ACT_ASSIGN, to, set, cmd_str(c, "note"), NULL);
    set = NULL;
done:
    json_decref(set);
    json_decref(item);
    return rc;
}

int cmd_start(cmd_ctx *c)
{
    return s_act_loaded(c, RECT_ACT_START, json_object(), cmd_str(c, "note"), NULL);
}

int cmd_evidence(cmd_ctx *c)
{
    json_t *item;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    rect_state to;
    if ((rc = item_guard(c, item, RECT_ACT_EVIDENCE, &to))) {
        json_decref(item);
        return rc;
    }
    /* Files are stored once, by content; the event names them. */
    json_t *files;
    if ((rc = item_store_files(c, &files))) {
        json_decref(item);
        return rc;
    }
    json_int_t count = json_integer_value(json_object_get(item, "evidence_count"));
    uint64_t id = (uint64_t)json_integer_value(json_object_get(item, "id"));
    json_t *set = json_pack("{sI}", "evidence_count", count + 1);
    /* an event that lost its files would be recorded for good without them */
    json_t *extra = json_pack("{sO}", "files", files);
    if (!extra) {
        json_decref(set);
        json_decref(files);
        json_decref(item);
        return cmd_fail(c, RECT_E_NOMEM, "out of memory");
    }
    rc = item_act(c, item, RECT_ACT_EVIDENCE, to, set, cmd_str(c, "note"), extra);
    json_decref(item);
    /* Who filed which bytes: audit_reuse and show's reused_by read this. */
    if (rc == 0)
        rc = item_record_file_uses(c, files, id);
    if (rc == 0 && json_object_set_new(c->result, "evidence",
                                       json_pack("{sIsO}", "seq", (json_int_t)c->seq, "files", files)))
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
    json_decref(files);
    return rc;
}

int cmd_verify(cmd_ctx *c)
{
    const char *result = cmd_str(c, "result");
    int pass = strcmp(result, "pass") == 0;
    if (!pass && strcmp(result, "reject") != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE, "verify: result must be \"pass\" or \"reject\", not \"%s\"",
                        result);
    json_t *item;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    /* Accepted: a pending extension request no longer has anything to extend. */
    json_t *set =
        pass ? json_pack("{sssssn}", "verified_by", c->actor->name, "verified_at", c->now_text, "extension")
             : json_pack("{sI}", "rejections", json_integer_value(json_object_get(item, "rejections")) + 1);
    rc = s_act(c, item, pass ? RECT_ACT_VERIFY_PASS : RECT_ACT_VERIFY_REJECT, set, cmd_str(c, "opinion"),
               NULL);
    json_decref(item);
    return rc;
}

int cmd_close(cmd_ctx *c)
{
    json_t *item;
    int rc = item_load(c, &item);
    if (rc)
        return rc;
    json_t *set = json_pack("{ssss}", "closed_by", c->actor->name, "closed_at", c->now_text);
    /* A long-term item keeps being checked after 销号 (巩固): its first review falls due. */
    const char *kind = json_string_value(json_object_get(item, "kind"));
    char today[RECT_DATE_LEN], due[RECT_DATE_LEN];
    date_today(c->now, c->cfg->timezone, today);
    if (set && kind && strcmp(kind, rect_kind_names[RECT_KIND_LONG_TERM]) == 0 &&
        date_from_days(date_days(today) + c->cfg->review_interval_days, due) == 0 &&
        json_object_set_new(set, "next_review", json_string(due))) {
        json_decref(set);
        set = NULL; /* s_act refuses it: out of memory */
    }
    rc = s_act(c, item, RECT_ACT_CLOSE, set, cmd_str(c, "note"), NULL);
    json_decref(item);
    return rc;
}

int cmd_reopen(cmd_ctx *c)
{
    /* Open again: the acceptance and the closure no longer stand. */
    json_t *set =
        json_pack("{snsnsnsnsn}", "verified_by", "verified_at", "closed_by", "closed_at", "next_review");
    return s_act_loaded(c, RECT_ACT_REOPEN, set, cmd_str(c, "reason"), NULL);
}
