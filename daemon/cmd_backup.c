/*
 * cmd_backup.c - backups that restore (see cmd_backup.h).
 *
 * A backup runs on a reader thread (a TASK: no transaction is opened for
 * it), so a long copy never holds up the request loop: the copy is made by
 * LMDB from a read transaction of its own while writers go on, and the one
 * event it records is a short write transaction of this thread, serialised
 * with the loop's by LMDB's writer lock. The copy is verified with
 * audit_verify's own checks (audit_chain), not a second implementation.
 */
#include "cmd_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_ledger.h"
#include "item.h"
#include "log.h"
#include "rect_proto.h"

/* 1 if path is dir or lies inside it (both resolved). */
static int s_inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 1;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* 1 if the folder holds nothing; -1 if it cannot be read. */
static int s_empty_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

/*
 * The rules for PATH (docs/SECURITY.md): absolute; a new folder (its parent
 * exists; it is made 0700) or an existing empty folder, never a file and
 * never a folder with anything in it (so never over a database); not
 * data_dir or inside it. *made says whether this call made the folder.
 */
static int s_check_path(cmd_ctx *c, const char *path, int *made)
{
    char real[PATH_MAX], data[PATH_MAX], parent[PATH_MAX];
    struct stat sb;
    *made = 0;
    if (path[0] != '/')
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "backup: the path \"%s\" is not absolute: give a full path on rectd's machine, e.g. "
                        "/var/backups/rectd/2027-01-05 (a new folder, or an empty one)",
                        path);
    if (strlen(path) >= PATH_MAX - 32)
        return cmd_fail(c, RECT_E_BAD_VALUE, "backup: the path is too long");
    if (!realpath(c->cfg->data_dir, data))
        return cmd_fail(c, RECT_E_INTERNAL, "backup: cannot resolve data_dir %s: %s", c->cfg->data_dir,
                        strerror(errno));
    int exists = lstat(path, &sb) == 0;
    if (!exists && errno != ENOENT)
        return cmd_fail(c, RECT_E_BAD_VALUE, "backup: cannot look at %s: %s", path, strerror(errno));
    if (exists && !S_ISDIR(sb.st_mode))
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "backup: %s exists and is not a folder: a backup never overwrites a file; give a new "
                        "path or an empty folder",
                        path);
    if (exists) {
        if (!realpath(path, real))
            return cmd_fail(c, RECT_E_BAD_VALUE, "backup: cannot resolve %s: %s", path, strerror(errno));
    } else {
        snprintf(parent, sizeof parent, "%s", path);
        char *p = dirname(parent);
        if (!realpath(p, real))
            return cmd_fail(c, RECT_E_BAD_VALUE,
                            "backup: the folder %s does not exist (%s): make it first, or "
                            "give a path in an existing folder",
                            p, strerror(errno));
    }
    if (s_inside(real, data))
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "backup: %s is inside data_dir (%s): a backup must live apart from the database it "
                        "saves; give a path outside it",
                        path, c->cfg->data_dir);
    if (exists) {
        int e = s_empty_dir(path);
        if (e < 0)
            return cmd_fail(c, RECT_E_BAD_VALUE, "backup: cannot read the folder %s: %s", path,
                            strerror(errno));
        if (!e)
            return cmd_fail(
                c, RECT_E_BAD_VALUE,
                "backup: the folder %s is not empty: a backup never goes over an existing database "
                "or other files; give a new path or an empty folder",
                path);
        return 0;
    }
    if (mkdir(path, 0700) != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE, "backup: cannot create the folder %s: %s", path,
                        strerror(errno));
    *made = 1;
    return 0;
}

/* Remove what a failed backup left in the folder dfd (the copy; path too if this backup made it). */
static void s_discard(int dfd, const char *path, int made)
{
    unlinkat(dfd, "data.mdb", 0);
    if (made)
        rmdir(path); /* only ever an empty folder: never what a swapped path names now */
}

/*
 * Pin the folder checked by s_check_path: open it (never through a symbolic
 * link) and check again, on what was opened, that it is not data_dir or in
 * it. From here on the backup writes, verifies and removes only through
 * *dfd (its name in *via, /proc/self/fd/N), so a folder renamed or swapped
 * for a link after the check (someone who may write in its parent) cannot
 * make rectd write the copy elsewhere or remove data_dir's data.mdb.
 */
static int s_pin(cmd_ctx *c, const char *path, int *dfd, char *via, size_t vialen)
{
    char data[PATH_MAX], real[PATH_MAX];
    struct stat sb;
    *dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*dfd < 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "backup: cannot open the folder %s: %s (was it moved or replaced "
                        "while the backup began?)",
                        path, strerror(errno));
    snprintf(via, vialen, "/proc/self/fd/%d", *dfd);
    if (fstat(*dfd, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(via, real) ||
        !realpath(c->cfg->data_dir, data))
        return cmd_fail(c, RECT_E_BAD_VALUE, "backup: cannot resolve the folder %s: %s", path,
                        strerror(errno));
    if (s_inside(real, data))
        return cmd_fail(
            c, RECT_E_BAD_VALUE,
            "backup: %s is now %s, inside data_dir (%s): it was replaced after it was checked; no "
            "backup was made",
            path, real, c->cfg->data_dir);
    return 0;
}

/*
 * Verify the copy in dir with audit_verify's checks: 0 and *result (new:
 * {"ok", "events", "head", ...}) or a rect_err with c->msg set.
 */
static int s_verify_copy(cmd_ctx *c, const char *dir, json_t **result)
{
    char err[1024];
    store *copy = NULL;
    *result = NULL;
    if (store_open_copy(dir, &copy, err, sizeof err) != 0)
        return cmd_fail(c, RECT_E_INTERNAL, "%s", err);
    store_txn *t = NULL;
    int rc = store_begin(copy, 0, NULL, &t);
    if (rc == 0) {
        store_txn *kept = c->txn;
        c->txn = t;
        rc = audit_chain(c, result);
        c->txn = kept;
        store_abort(&t);
    } else {
        cmd_fail(c, rc, "cannot read the copy in %s", dir);
    }
    store_close(&copy);
    return rc;
}

/* Record the backup event (item 0) in the live database: its own short write transaction. */
static int s_record(cmd_ctx *c, const char *path, const char *head, json_int_t events)
{
    rect_state to;
    store_txn *w = NULL;
    int rc = store_begin(c->st, 1, NULL, &w);
    if (rc)
        return cmd_fail(c, rc, "cannot begin a transaction");
    c->txn = w;
    json_t *changes = json_pack("{s[ns]s[ns]s[nI]}", "path", path, "head", head, "events", events);
    json_t *ev = NULL;
    if ((rc = item_guard(c, NULL, RECT_ACT_BACKUP, &to)) == 0) {
        if (!changes || !(ev = item_event_new(c, 0, RECT_ACT_BACKUP, changes, NULL)))
            rc = cmd_fail(c, RECT_E_NOMEM, "out of memory");
        else if ((rc = store_event_append(w, ev, &c->seq)) == 0)
            rc = store_commit(&w);
        if (rc && !c->msg[0])
            cmd_fail(c, rc, "%s", rc == RECT_E_STORAGE_FULL ? "the database is full" : rect_err_name(rc));
    }
    store_abort(&w);
    c->txn = NULL;
    json_decref(changes);
    json_decref(ev);
    return rc;
}

static int s_backup_in(cmd_ctx *c, const char *path, int dfd, const char *via, int made, char *err,
                       size_t errlen);

int cmd_backup(cmd_ctx *c)
{
    const char *path = cmd_str(c, "path");
    char err[1024], via[64];
    int made = 0, dfd = -1, rc;
    if ((rc = s_check_path(c, path, &made)))
        return rc;
    if ((rc = s_pin(c, path, &dfd, via, sizeof via))) {
        if (dfd >= 0)
            close(dfd);
        if (made)
            rmdir(path);
        return rc;
    }
    rc = s_backup_in(c, path, dfd, via, made, err, sizeof err);
    close(dfd);
    return rc;
}

/* In a message about the pinned folder, its name via (/proc/self/fd/N) replaced by path. */
static void s_unvia(char *msg, size_t len, const char *via, const char *path)
{
    char *at = strstr(msg, via), out[1024];
    if (!at)
        return;
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - msg), msg, path, at + strlen(via));
    snprintf(msg, len, "%s", out);
}

/* The backup into the pinned folder dfd (named via), once its path was checked. */
static int s_backup_in(cmd_ctx *c, const char *path, int dfd, const char *via, int made, char *err,
                       size_t errlen)
{
    json_t *v = NULL;
    int rc;
    if ((rc = store_backup(c->st, via, err, errlen))) {
        s_unvia(err, errlen, via, path);
        if (rc != RECT_E_BAD_VALUE) /* else the file there is another backup's */
            s_discard(dfd, path, made);
        log_msg(LOG_LEVEL_ERROR, "%s backup to %s: %s: %s", c->actor->name, path, rect_err_name(rc), err);
        return cmd_fail(c, rc, "backup: %s; no backup was made", err);
    }
    if ((rc = s_verify_copy(c, via, &v))) {
        s_discard(dfd, path, made);
        s_unvia(c->msg, sizeof c->msg, via, path);
        snprintf(err, errlen, "%s", c->msg); /* cmd_fail writes c->msg: never its own argument */
        return cmd_fail(c, rc, "backup: the copy could not be verified (%s); it was removed", err);
    }
    json_int_t events = json_integer_value(json_object_get(v, "events"));
    char hash[65]; /* a copy: v goes before the last use */
    snprintf(hash, sizeof hash, "%s", json_string_value(json_object_get(json_object_get(v, "head"), "hash")));
    if (!json_is_true(json_object_get(v, "ok"))) {
        cmd_fail(
            c, RECT_E_INTERNAL,
            "backup: the copy does not verify: %s; it was removed. The live database is the likely cause: "
            "run audit_verify",
            json_string_value(json_object_get(v, "problem")));
        json_decref(v);
        s_discard(dfd, path, made);
        return RECT_E_INTERNAL;
    }
    char file[PATH_MAX + 16];
    struct stat sb;
    snprintf(file, sizeof file, "%s/data.mdb", path);
    long long bytes = fstatat(dfd, "data.mdb", &sb, AT_SYMLINK_NOFOLLOW) == 0 ? (long long)sb.st_size : -1;
    if ((rc = s_record(c, path, hash, events))) {
        snprintf(err, errlen, "%s", c->msg); /* cmd_fail writes c->msg: never its own argument */
        cmd_fail(c, rc,
                 "backup: the copy in %s is good (%lld events, head %.16s…) but the backup event could not "
                 "be recorded: %s",
                 path, (long long)events, hash, err);
        json_decref(v);
        return rc;
    }
    c->result = json_pack("{sssssIs{sIss}sIsI}", "path", path, "file", file, "bytes", (json_int_t)bytes,
                          "head", "seq", events, "hash", hash, "events", events, "seq", (json_int_t)c->seq);
    json_decref(v);
    log_msg(LOG_LEVEL_INFO, "%s backup to %s: ok: %lld events, head %.16s…, %lld bytes (event seq %llu)",
            c->actor->name, path, (long long)events, hash, bytes, (unsigned long long)c->seq);
    return c->result ? 0 : cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int backup_restore(const char *from, const char *data_dir, int force, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    struct stat sb;
    if (strlen(from) >= sizeof dir - 16) {
        snprintf(err, errlen, "the path %s is too long", from);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", from);
    if (stat(from, &sb) == 0 && S_ISREG(sb.st_mode)) { /* FROM/data.mdb given: its folder */
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", from);
        snprintf(dir, sizeof dir, "%s", dirname(copy));
    }
    store *copy = NULL;
    if (store_open_copy(dir, &copy, err, errlen) != 0)
        return -1;
    cmd_ctx c;
    memset(&c, 0, sizeof c);
    json_t *args = json_object(), *v = NULL;
    c.args = args;
    store_txn *t = NULL;
    int rc = args ? store_begin(copy, 0, NULL, &t) : RECT_E_NOMEM;
    if (rc == 0) {
        c.txn = t;
        rc = audit_chain(&c, &v);
        store_abort(&t);
    }
    json_decref(args);
    if (rc) {
        snprintf(err, errlen, "cannot verify %s: %s; nothing was restored", dir,
                 c.msg[0] ? c.msg : rect_err_name(rc));
        store_close(&copy);
        return -1;
    }
    if (!json_is_true(json_object_get(v, "ok"))) {
        snprintf(err, errlen, "%s does not verify: %s; nothing was restored (take another backup)", dir,
                 json_string_value(json_object_get(v, "problem")));
        json_decref(v);
        store_close(&copy);
        return -1;
    }
    json_int_t events = json_integer_value(json_object_get(v, "events"));
    char hash[65];
    snprintf(hash, sizeof hash, "%s", json_string_value(json_object_get(json_object_get(v, "head"), "hash")));
    json_decref(v);
    rc = store_install_copy(copy, data_dir, force, err, errlen);
    store_close(&copy);
    if (rc == 0)
        printf("rectd: restored %s into %s: %lld events verified, head seq %lld %s\n", dir, data_dir,
               (long long)events, (long long)events, hash);
    return rc;
}
