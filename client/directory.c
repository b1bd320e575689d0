/*
 * directory.c - rectd's directory, asked once per invocation (directory.h).
 */
#include "directory.h"

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "i18n.h"
#include "rect_date.h"
#include "rect_proto.h"

/* daemon.max_attachment_mb's upper bound (common/cfg.c) */
#define CLI_MAX_ATTACHMENT_MB 1024

static rect_cfg *s_dir;
static int s_asked;
static int s_status; /* exit code of the ask */

const rect_cfg *cli_dir(const cli_ctx *ctx)
{
    if (s_asked || !ctx->conf) /* no config: an offline command, no rectd to ask */
        return s_dir;
    s_asked = 1;
    /* over the command's own connection: one more round trip, no new handshake */
    struct conn *conn = cli_conn(ctx);
    json_t *result = NULL;
    s_status = conn ? cli_call(ctx, conn, "directory", NULL, &result) : RECT_EXIT_USAGE;
    if (s_status == RECT_EXIT_OK && !(s_dir = cli_dir_from_json(result))) {
        cli_error("%s", _("rectd's directory could not be read: names are shown as ids"));
        s_status = RECT_EXIT_REFUSED;
    }
    /* Every time rectctl shows is in rectd's zone: pinned, each costs no TZ switch and zone file read. */
    if (s_dir && s_dir->timezone)
        date_pin_zone(s_dir->timezone);
    json_decref(result);
    return s_dir;
}

uint64_t cli_attach_limit(const cli_ctx *ctx)
{
    const rect_cfg *d = ctx->conf ? cli_dir(ctx) : NULL;
    uint64_t mb = d && d->max_attachment_mb ? d->max_attachment_mb : CLI_MAX_ATTACHMENT_MB;
    return mb * 1024 * 1024;
}

const char *cli_dir_zone(const cli_ctx *ctx)
{
    const rect_cfg *d = cli_dir(ctx);
    return d ? d->timezone : NULL;
}

int cli_dir_status(void)
{
    return s_status;
}

const rect_cfg *cli_dir_cached(void)
{
    return s_dir;
}

void cli_dir_free(void)
{
    cfg_destroy(&s_dir);
    s_asked = 0;
    s_status = 0;
}
