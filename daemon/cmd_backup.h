/*
 * cmd_backup.h - backups that restore (issue 11; docs/PROTOCOL.md "backup",
 * docs/SECURITY.md "Backups"): the backup command, and rectd --restore.
 */
#ifndef RECT_CMD_BACKUP_H
#define RECT_CMD_BACKUP_H

#include <stddef.h>

#include "cmd.h"

/*
 * backup (TASK, admin): copy the live database, compacted, into args.path
 * (absolute; a new folder or an empty one, outside data_dir) while rectd
 * serves, open the copy read-only and verify its whole chain (audit_verify's
 * checks), then record a "backup" event naming the head it covers.
 */
int cmd_backup(cmd_ctx *c);

/*
 * rectd --restore FROM: verify the copy in FROM (a backup folder, or its
 * data.mdb) and put it in place as data_dir/data.mdb in one rename; refused
 * while a rectd runs on data_dir, and over an existing database unless
 * force. On success, what was restored is printed on stdout. 0, or -1 with
 * a message in err (nothing changed).
 */
int backup_restore(const char *from, const char *data_dir, int force, char *err, size_t errlen);

#endif
