/*
 * cmd_directory.c - directory: what a client shows and completes, from the
 * config in force (a SIGHUP reload changes it) and the recorded inspections.
 * It is how rectctl learns display names without reading rectd.conf.
 */
#include "cfg_json.h"
#include "cmd.h"
#include "rect_proto.h"

/* Append each recorded inspection's name to the array ctx. */
static int s_inspection_name(const char *name, json_t *rec, void *ctx)
{
    (void)rec;
    return json_array_append_new(ctx, json_string(name)) ? RECT_E_NOMEM : 0;
}

int cmd_directory(cmd_ctx *c)
{
    json_t *names = json_array();
    json_t *dir = cfg_json_directory(c->cfg);
    int rc = 0;
    if (!names || !dir) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = store_scan_inspection_names(c->txn, s_inspection_name, names))) {
        rc = cmd_fail(c, rc, "cannot read the inspections");
        goto done;
    }
    if (json_object_set(dir, "inspections", names)) {
        rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        goto done;
    }
    c->result = dir;
    dir = NULL;
done:
    json_decref(names);
    json_decref(dir);
    return rc;
}
