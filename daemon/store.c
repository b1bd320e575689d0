/*
 * store.c - LMDB storage for rectd (see store.h for the layout).
 */
#include "store.h"

#include "rect_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "rect_proto.h"

const char *const store_index_fields[] = {
    "state", "owner", "unit", "source", "deadline", "leader", "inspection", "next_review", "parent",
};
const int store_index_count = sizeof store_index_fields / sizeof store_index_fields[0];
#define N_INDEX ((int)(sizeof store_index_fields / sizeof store_index_fields[0]))

/*
 * Key sizes in bytes. Integers are 8-byte big-endian; text keys have room
 * for the longest value validation lets through.
 */
#define S_KEY_U64 8                         /* items, events, notices, reply_log */
#define S_KEY_ID_SEQ (2 * S_KEY_U64)        /* item_events: id ‖ seq */
#define S_KEY_PENDING (S_KEY_U64 + 4)       /* pending: notice ‖ hook number */
#define S_KEY_BLOB_USE (32 + 2 * S_KEY_U64) /* blob_uses: sha256 ‖ item ‖ seq */
#define S_KEY_TEXT 512                      /* index: value ‖ 0 ‖ id; refs: ref ‖ 0 ‖ inspection */
#define S_KEY_REPLY 128                     /* replies: client ‖ 0 ‖ seq */
#define S_KEY_USER 160                      /* notice_users: user ‖ 0 ‖ id */
/* How many blobs stay checked, and for how long (store_blob_read). */
#define S_VERIFIED_MAX 16
#define S_VERIFIED_SECONDS 60.0
_Static_assert(2 * RECT_MAX_NAME + 1 <= S_KEY_TEXT, "a ref key fits");
_Static_assert(RECT_MAX_NAME + 1 + S_KEY_U64 <= S_KEY_TEXT, "an index key fits");
_Static_assert(RECT_MAX_CLIENT_ID + 1 + S_KEY_U64 <= S_KEY_REPLY, "a reply key fits");

struct store {
    MDB_env *env;
    int lock_fd;
    char dir[4096]; /* data_dir, for the free space of its disk */
    MDB_dbi meta, items, events, item_events, refs, blobs, replies, reply_log;
    MDB_dbi notices, notice_users, pending; /* the outbox (notify.c) */
    MDB_dbi idx[N_INDEX];
    unsigned idx_absent; /* bit i: a read-only copy of an older schema lacks index i (store_index_present) */
    MDB_dbi inspections, blob_uses; /* closeout ledgers (issue 4) */
    MDB_dbi passwords;              /* user -> crypto_pwhash_str (never in the chain) */
    /*
     * Blobs whose whole stored value hashed to their address lately
     * (store_blob_read): a download of many chunks costs one hash pass.
     * Shared by the loop and the reader threads, under verified_lock.
     */
    pthread_mutex_t verified_lock;
    struct {
        unsigned char sha256[32];
        double at; /* CLOCK_MONOTONIC seconds */
    } verified[S_VERIFIED_MAX];
    /*
     * store_shed: every transaction with no parent (and a backup's copy)
     * holds gate for reading, so the environment is closed and opened
     * again only while none runs. map_size_mb: to open it as before;
     * shed_pgno: the file's last page at the last open.
     */
    pthread_rwlock_t gate;
    int gate_ok; /* gate was initialised */
    uint64_t map_size_mb;
    size_t shed_pgno;
};

struct store_txn {
    store *s;
    MDB_txn *txn;
    int write;
    int top;   /* a write transaction with no parent: its commit goes to disk */
    int gated; /* no parent: holds s->gate for reading until it ends */
};

/* This thread's last failed write ran out of disk, not of map (store_full_is_disk). */
static _Thread_local int s_disk_full;

int store_full_is_disk(void)
{
    return s_disk_full;
}

/* Less than 1 MiB free for rectd on the disk of dir: a short write there was the disk filling up. */
static int s_disk_nearly_full(const char *dir)
{
    struct statvfs vs;
    return dir[0] && statvfs(dir, &vs) == 0 && (unsigned long long)vs.f_bavail * vs.f_frsize < (1ull << 20);
}

/*
 * A commit that reached the disk and failed. A full disk (ENOSPC, or the
 * short write LMDB reports as EIO when the disk is nearly full) is
 * storage_full: LMDB had not written the meta page, so the database is as
 * before and rectd goes on. Anything else (EIO from fdatasync or the meta
 * page's write, MDB_PANIC) leaves unknown what is on disk: the kernel may
 * have dropped the pages, and retrying is not safe (PostgreSQL stops on a
 * failed fsync for this reason). rectd logs it and exits with status 3
 * without answering: the requests of the batch are not acknowledged, a
 * client's retry after the restart is applied once.
 */
static int s_commit_failed(const store *s, int rc)
{
    if (rc == ENOSPC || rc == EDQUOT || (rc == EIO && s_disk_nearly_full(s->dir))) {
        s_disk_full = 1;
        log_msg(LOG_LEVEL_ERROR,
                "disk full: a commit could not be written to %s (%s); nothing was changed: free "
                "space on that disk",
                s->dir, mdb_strerror(rc));
        return ENOSPC;
    }
    log_msg(LOG_LEVEL_ERROR,
            "FATAL: a commit to %s failed (%s): what is on disk is unknown, so rectd stops "
            "without answering the requests of that batch; check the disk (dmesg), then restart "
            "rectd (clients retry, and nothing is applied twice)",
            s->dir, mdb_strerror(rc));
    fflush(stderr);
    _exit(3);
}

/*
 * Every write goes through these, so a test can make the k-th one fail
 * (fault.h). A failed commit frees the transaction, as LMDB's does.
 */
static int s_put(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
    int rc = fault_lmdb();
    return rc ? rc : mdb_put(txn, dbi, k, v, flags);
}

/*
 * s_put of a key that is usually the last of its database (a counter's
 * next value: events, reply_log, a new item): MDB_APPEND fills the last
 * page and starts a new one when it is full, where a put in the middle
 * splits it in half (half-empty pages: a bigger file, more pages to
 * write). A key that is not the last after all (LMDB checks, and returns
 * MDB_KEYEXIST before it changes anything) is put the ordinary way.
 */
static int s_put_last(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
    MDB_val want = *v;
    int rc = s_put(txn, dbi, k, v, flags | MDB_APPEND);
    if (rc != MDB_KEYEXIST)
        return rc;
    *v = want;
    return s_put(txn, dbi, k, v, flags);
}

static int s_del(MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
    int rc = fault_lmdb();
    return rc ? rc : mdb_del(txn, dbi, k, NULL);
}

static int s_cursor_del(MDB_cursor *cur)
{
    int rc = fault_lmdb();
    return rc ? rc : mdb_cursor_del(cur, 0);
}

static int s_txn_commit(store_txn *t)
{
    int rc = fault_lmdb();
    if (rc) {
        mdb_txn_abort(t->txn);
        return rc;
    }
    rc = mdb_txn_commit(t->txn);
    if (rc && t->top && rc != MDB_MAP_FULL && rc != MDB_TXN_FULL && rc != ENOMEM)
        rc = s_commit_failed(t->s, rc);
    return rc;
}

/* Translate an LMDB return code at the edge. */
static int s_err(int rc, const char *what)
{
    if (rc == 0)
        return 0;
    if (rc == MDB_NOTFOUND)
        return RECT_E_NOT_FOUND;
    if (rc == MDB_MAP_FULL || rc == MDB_TXN_FULL || rc == ENOSPC || rc == EDQUOT)
        return RECT_E_STORAGE_FULL;
    if (rc == ENOMEM)
        return RECT_E_NOMEM;
    log_msg(LOG_LEVEL_ERROR, "lmdb %s: %s", what, mdb_strerror(rc));
    return RECT_E_INTERNAL;
}

static void s_be64(uint64_t v, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)(v & 0xff);
}

static uint64_t s_get64(const void *p)
{
    const unsigned char *b = p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | b[i];
    return v;
}

void store_hex(const unsigned char *in, size_t n, char *out)
{
    sig_hex(in, n, out);
}

/*
 * Parse a stored JSON value: a new reference, or NULL with *rc set to
 * RECT_E_NOMEM (out of memory) or RECT_E_INTERNAL (not JSON: corrupt).
 */
static json_t *s_load(const void *p, size_t n, int *rc, json_error_t *jerr)
{
    int nomem;
    json_t *j = fault_loadb(p, n, 0, jerr, &nomem);
    *rc = j ? 0 : nomem ? RECT_E_NOMEM : RECT_E_INTERNAL;
    return j;
}

/* ---- meta ----------------------------------------------------------------- */

static int s_meta_get(store_txn *t, const char *key, void *buf, size_t len, int *found)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->meta, &k, &v);
    *found = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return s_err(rc, "meta get");
    if (v.mv_size != len)
        return s_err(MDB_CORRUPTED, "meta size");
    memcpy(buf, v.mv_data, len);
    *found = 1;
    return 0;
}

static int s_meta_put(store_txn *t, const char *key, const void *buf, size_t len)
{
    MDB_val k = {strlen(key), (void *)key}, v = {len, (void *)buf};
    return s_err(s_put(t->txn, t->s->meta, &k, &v, 0), "meta put");
}

/* Read a counter (0 if absent). */
static int s_counter(store_txn *t, const char *key, uint64_t *val)
{
    unsigned char b[8];
    int found, rc = s_meta_get(t, key, b, 8, &found);
    *val = found ? s_get64(b) : 0;
    return rc;
}

static int s_counter_set(store_txn *t, const char *key, uint64_t val)
{
    unsigned char b[8];
    s_be64(val, b);
    return s_meta_put(t, key, b, 8);
}

/* ---- open / close ------------------------------------------------------- */

static int s_index_of(const char *field);
static int s_walk(store_txn *t, MDB_dbi dbi, int (*cb)(const MDB_val *k, const MDB_val *v, void *ctx),
                  void *ctx);
static int s_index_put(store_txn *t, int i, const char *value, uint64_t id);

/* The index each schema version added, so a read-only copy of an older one opens without it. */
static uint32_t s_index_since(int i)
{
    return strcmp(store_index_fields[i], "parent") == 0 ? 2 : 1;
}

typedef struct {
    store_txn *t;
    int index;
    uint64_t n;
    int rc;
} s_reindex;

static int s_reindex_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    s_reindex *r = ctx;
    json_error_t jerr;
    int rc;
    char buf[STORE_INDEX_BUF];
    json_t *item = s_load(v->mv_data, v->mv_size, &rc, &jerr);
    if (rc)
        return r->rc = rc;
    const char *val = store_index_value(item, r->index, buf);
    if (val && k->mv_size == S_KEY_U64 && (rc = s_index_put(r->t, r->index, val, s_get64(k->mv_data))))
        r->rc = rc;
    r->n += val != NULL;
    json_decref(item);
    return r->rc;
}

/* Fill index number i from every stored item (a migration step). 0 or rect_err. */
static int s_build_index(store_txn *t, int i, uint64_t *n)
{
    s_reindex r = {t, i, 0, 0};
    int rc = s_walk(t, t->s->items, s_reindex_one, &r);
    *n = r.n;
    return r.rc ? r.rc : rc;
}

/*
 * Bring an older schema up to STORE_SCHEMA_VERSION, in the one write
 * transaction that opens the databases (all or nothing). One step per
 * version:
 *   1 -> 2: the "parent" index (show's 举一反三 children), built from the items.
 */
static int s_migrate(store_txn *t, uint32_t from)
{
    int rc;
    if (from < 2) {
        uint64_t n;
        if ((rc = s_build_index(t, s_index_of("parent"), &n)))
            return rc;
        log_msg(LOG_LEVEL_INFO, "schema 1 -> 2: index parent built (%llu items with a parent)",
                (unsigned long long)n);
    }
    return 0;
}

static int s_open_dbs(store *s, int readonly, char *err, size_t errlen)
{
    static const char *idx_names[N_INDEX] = {
        "idx_state",  "idx_owner",      "idx_unit",        "idx_source", "idx_deadline",
        "idx_leader", "idx_inspection", "idx_next_review", "idx_parent",
    };
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = {
        {"meta", &s->meta},           {"items", &s->items},
        {"events", &s->events},       {"item_events", &s->item_events},
        {"refs", &s->refs},           {"blobs", &s->blobs},
        {"replies", &s->replies},     {"reply_log", &s->reply_log},
        {"notices", &s->notices},     {"notice_users", &s->notice_users},
        {"pending", &s->pending},     {"inspections", &s->inspections},
        {"blob_uses", &s->blob_uses}, {"passwords", &s->passwords},
    };
    MDB_txn *txn;
    unsigned create = readonly ? 0 : MDB_CREATE;
    int rc = mdb_txn_begin(s->env, NULL, readonly ? MDB_RDONLY : 0, &txn);
    if (rc)
        goto fail;
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, create, dbs[i].dbi);
        /* A copy made before passwords existed has none: read-only, that is no password at all. */
        if (rc == MDB_NOTFOUND && readonly && dbs[i].dbi == &s->passwords) {
            s->passwords = 0;
            continue;
        }
        if (rc)
            goto fail_txn;
    }

    store_txn t = {s, txn, 1, 1, 0}; /* LMDB's own txn: no gate */
    unsigned char b[4];
    int found;
    if ((rc = s_meta_get(&t, "schema", b, 4, &found)))
        goto fail_rect;
    uint32_t version = found ? (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : 0;
    for (int i = 0; i < N_INDEX; i++) {
        rc = mdb_dbi_open(txn, idx_names[i], create, &s->idx[i]);
        /* A read-only copy of an older schema (a backup to restore): opened without it. */
        if (rc == MDB_NOTFOUND && readonly && found && version < s_index_since(i)) {
            s->idx_absent |= 1u << i;
            s->idx[i] = 0;
            continue;
        }
        if (rc)
            goto fail_txn;
    }
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the data was written by a newer rectd (schema version %u; this rectd understands "
                 "up to %u): run the newer rectd, or restore a backup made for this version",
                 version, STORE_SCHEMA_VERSION);
        mdb_txn_abort(txn);
        return -1;
    }
    /* A backup of version 1 on restores: the next start migrates it (s_migrate). */
    if (readonly && version != STORE_SCHEMA_VERSION && version != 1) {
        snprintf(err, errlen, "it holds schema version %u; this rectd reads versions 1 to %u", version,
                 STORE_SCHEMA_VERSION);
        mdb_txn_abort(txn);
        return -1;
    }
    if (version < STORE_SCHEMA_VERSION && !readonly) {
        if (found && (rc = s_migrate(&t, version)))
            goto fail_rect;
        unsigned char v[4] = {0, 0, 0, STORE_SCHEMA_VERSION};
        if ((rc = s_meta_put(&t, "schema", v, 4)))
            goto fail_rect;
    }
    if ((rc = mdb_txn_commit(txn)))
        goto fail;
    return 0;

fail_rect:
    mdb_txn_abort(txn);
    snprintf(err, errlen, "cannot initialise the database: %s", rect_err_name(rc));
    return -1;
fail_txn:
    mdb_txn_abort(txn);
    if (readonly && rc == MDB_NOTFOUND) {
        snprintf(err, errlen, "it is not a rectd database (it lacks rectd's named databases)");
        return -1;
    }
fail:
    snprintf(err, errlen, "cannot open the databases: %s", mdb_strerror(rc));
    return -1;
}

/*
 * data_dir must be rectd's alone: one that others may write to lets them
 * swap data.mdb or the lock under rectd. A folder open to group or others
 * for writing is tightened (and logged); a shared folder (sticky, like
 * /tmp) or one rectd does not own is refused instead: chmod would change
 * it for everyone else too.
 */
static int s_private_dir(const char *dir, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        snprintf(err, errlen, "cannot look at data_dir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "data_dir %s is not a folder", dir);
        return -1;
    }
    mode_t mode = sb.st_mode & 07777;
    if (!(mode & 022))
        return 0;
    if ((mode & S_ISVTX) || sb.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "data_dir %s is writable by others (mode %04o, owner uid %ld): give rectd a folder of "
                 "its own (mkdir -m 700), owned by rectd's user",
                 dir, (unsigned)mode, (long)sb.st_uid);
        return -1;
    }
    if (chmod(dir, mode & ~(mode_t)022) != 0) {
        snprintf(err, errlen,
                 "data_dir %s is writable by group or others (mode %04o) and cannot be tightened: %s", dir,
                 (unsigned)mode, strerror(errno));
        return -1;
    }
    log_msg(LOG_LEVEL_WARNING, "data_dir %s was writable by group or others (mode %04o): tightened to %04o",
            dir, (unsigned)mode, (unsigned)(mode & ~(mode_t)022));
    return 0;
}

/* A store with nothing open yet (caller owns: store_close), or NULL without memory. */
static store *s_store_new(void)
{
    store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->lock_fd = -1;
    pthread_mutex_init(&s->verified_lock, NULL);
    if (pthread_rwlock_init(&s->gate, NULL) != 0) {
        pthread_mutex_destroy(&s->verified_lock);
        free(s);
        return NULL;
    }
    s->gate_ok = 1;
    return s;
}

/* The environment of s->dir, opened read-write with full durability: 0, or -1 with a message. */
static int s_open_env(store *s, char *err, size_t errlen)
{
    int rc;
    if ((rc = mdb_env_create(&s->env)) || (rc = mdb_env_set_maxdbs(s->env, 32)) ||
        (rc = mdb_env_set_mapsize(s->env, (size_t)s->map_size_mb << 20))) {
        snprintf(err, errlen, "cannot set up LMDB: %s", mdb_strerror(rc));
        return -1;
    }
    /* Full durability: no NOSYNC, NOMETASYNC, WRITEMAP, MAPASYNC or NOLOCK. */
    if ((rc = mdb_env_open(s->env, s->dir, 0, 0600))) {
        snprintf(err, errlen, "cannot open LMDB environment in %s: %s", s->dir, mdb_strerror(rc));
        return -1;
    }
    return 0;
}

/* The last page number of the data file in use (0 if LMDB cannot say). */
static size_t s_last_pgno(store *s)
{
    MDB_envinfo info;
    return mdb_env_info(s->env, &info) == 0 ? info.me_last_pgno : 0;
}

int store_open(const char *dir, uint64_t map_size_mb, store **out, char *err, size_t errlen)
{
    char path[4096];
    store *s = s_store_new();
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->map_size_mb = map_size_mb;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data_dir %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (s_private_dir(dir, err, errlen) != 0)
        goto fail;
    if ((size_t)snprintf(path, sizeof path, "%s/rectd.lock", dir) >= sizeof path) {
        snprintf(err, errlen, "data_dir is too long (%zu bytes)", strlen(dir));
        goto fail;
    }
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lock_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen, "another rectd (pid %s) is already using data_dir %s: stop it first",
                 pid[0] ? pid : "?", dir);
        goto fail;
    }
    char pidline[32];
    int n = snprintf(pidline, sizeof pidline, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pidline, (size_t)n, 0) != n) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto fail;
    }

    if (s_open_env(s, err, errlen) != 0)
        goto fail;
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    if (dead)
        log_msg(LOG_LEVEL_NOTICE, "cleared %d stale LMDB reader slot(s)", dead);
    if (s_open_dbs(s, 0, err, errlen) != 0)
        goto fail;
    s->shed_pgno = s_last_pgno(s);
    *out = s;
    return 0;

fail:
    store_close(&s);
    return -1;
}

void store_close(store **s_p)
{
    if (!s_p || !*s_p)
        return;
    store *s = *s_p;
    if (s->env)
        mdb_env_close(s->env);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    pthread_mutex_destroy(&s->verified_lock);
    if (s->gate_ok)
        pthread_rwlock_destroy(&s->gate);
    free(s);
    *s_p = NULL;
}

/* ---- transactions ------------------------------------------------------- */

int store_begin(store *s, int write, store_txn *parent, store_txn **out)
{
    store_txn *t = fault_malloc(sizeof *t);
    if (!t)
        return RECT_E_NOMEM;
    if (parent)
        s = parent->s;
    t->s = s;
    t->write = write;
    t->top = write && !parent;
    t->gated = !parent && s->gate_ok;
    if (t->top)
        s_disk_full = 0;
    if (t->gated)
        pthread_rwlock_rdlock(&s->gate);
    int rc = mdb_txn_begin(s->env, parent ? parent->txn : NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc == MDB_PANIC)
        s_commit_failed(s, rc); /* an earlier write of the meta page failed: LMDB refuses to go on */
    if (rc) {
        if (t->gated)
            pthread_rwlock_unlock(&s->gate);
        free(t);
        return s_err(rc, "txn begin");
    }
    *out = t;
    return 0;
}

/* The end of t: its gate let go (a transaction with no parent), t freed. */
static void s_txn_free(store_txn *t)
{
    if (t->gated)
        pthread_rwlock_unlock(&t->s->gate);
    free(t);
}

int store_commit(store_txn **t_p)
{
    store_txn *t = *t_p;
    int rc = t->write ? s_txn_commit(t) : mdb_txn_commit(t->txn);
    s_txn_free(t);
    *t_p = NULL;
    return s_err(rc, "commit");
}

void store_abort(store_txn **t_p)
{
    if (!t_p || !*t_p)
        return;
    mdb_txn_abort((*t_p)->txn);
    s_txn_free(*t_p);
    *t_p = NULL;
}

/*
 * LMDB keeps every page a write transaction dirtied, once freed, on a list
 * of its environment for reuse, until the environment is closed: after
 * one import of 100,000 rows (~120,000 pages) rectd would hold ~500 MiB
 * for good. When the data file has grown by STORE_SHED_PAGES since the
 * environment was opened, and no transaction runs, it is closed and
 * opened again (committed data is on disk: nothing is lost; the kernel's
 * page cache keeps the file's pages) — while the file is at most 1 GiB.
 */
#define STORE_SHED_PAGES 8192 /* 32 MiB of 4 KiB pages */
/*
 * Closing unmaps the file, which costs the kernel in proportion to its
 * resident pages: ~6 s of a stalled loop for a 5.4 GB file (1M items,
 * make bench). Beyond this size (~180,000 items) LMDB keeps its pages.
 */
#define STORE_SHED_MAX_PAGES 262144 /* 1 GiB */

int store_shed(store *s, char *err, size_t errlen)
{
    size_t last = s->gate_ok ? s_last_pgno(s) : 0;
    if (last < s->shed_pgno + STORE_SHED_PAGES || last > STORE_SHED_MAX_PAGES)
        return 1;
    if (pthread_rwlock_trywrlock(&s->gate) != 0)
        return 1; /* a transaction runs: another time */
    mdb_env_close(s->env);
    s->env = NULL;
    int rc = s_open_env(s, err, errlen) != 0 || s_open_dbs(s, 0, err, errlen) != 0 ? -1 : 0;
    if (rc == 0)
        s->shed_pgno = s_last_pgno(s);
    pthread_rwlock_unlock(&s->gate);
    return rc;
}

/* ---- items and indexes -------------------------------------------------- */

int store_item_get(store_txn *t, uint64_t id, json_t **item)
{
    unsigned char kb[S_KEY_U64];
    s_be64(id, kb);
    MDB_val k = {S_KEY_U64, kb}, v;
    int rc = mdb_get(t->txn, t->s->items, &k, &v);
    if (rc)
        return s_err(rc, "item get");
    json_error_t jerr;
    *item = s_load(v.mv_data, v.mv_size, &rc, &jerr);
    if (rc == RECT_E_INTERNAL)
        log_msg(LOG_LEVEL_ERROR, "stored item %llu is not JSON: %s", (unsigned long long)id, jerr.text);
    return rc;
}

/* Build text ‖ 0 ‖ n(8) into buf (index and reply keys); returns length or -1 if too long. */
static int s_text_id_key(const char *value, uint64_t id, unsigned char *buf, size_t buflen)
{
    size_t n = strlen(value);
    if (n + 9 > buflen)
        return -1;
    memcpy(buf, value, n);
    buf[n] = 0;
    s_be64(id, buf + n + 1);
    return (int)(n + 9);
}

static const char *s_field(const json_t *item, const char *field)
{
    return item ? json_string_value(json_object_get(item, field)) : NULL;
}

/* The parent index's value for parent id: its decimal digits, in buf. */
static const char *s_parent_key(json_int_t id, char buf[STORE_INDEX_BUF])
{
    snprintf(buf, STORE_INDEX_BUF, "%lld", (long long)id);
    return buf;
}

const char *store_index_value(const json_t *item, int i, char buf[STORE_INDEX_BUF])
{
    if (i < 0 || i >= N_INDEX || !item)
        return NULL;
    if (strcmp(store_index_fields[i], "parent") == 0) { /* an item id: its decimal digits */
        json_t *p = json_object_get(item, "parent");
        if (!json_is_integer(p))
            return NULL;
        return s_parent_key(json_integer_value(p), buf);
    }
    const char *v = s_field(item, store_index_fields[i]);
    const char *state = s_field(item, "state");
    if (!v)
        return NULL;
    /*
     * Only the items a date still concerns: deadlines of open work (so
     * "overdue" and "due soon" are ranges as long as their answer, not as
     * long as the years of closed items), reviews of closed items.
     */
    if (strcmp(store_index_fields[i], "deadline") == 0)
        return rect_state_name_is_open(state) ? v : NULL;
    if (strcmp(store_index_fields[i], "next_review") == 0)
        return rect_lookup(rect_state_names, RECT_ST_COUNT, state) == RECT_ST_CLOSED ? v : NULL;
    return v;
}

/* Add the entry value ‖ 0 ‖ id to index number i. 0 or rect_err. */
static int s_index_put(store_txn *t, int i, const char *value, uint64_t id)
{
    unsigned char ib[S_KEY_TEXT];
    int n = s_text_id_key(value, id, ib, sizeof ib);
    MDB_val ik = {(size_t)n, ib}, empty = {0, ""};
    if (n < 0)
        return RECT_E_INTERNAL;
    return s_err(s_put(t->txn, t->s->idx[i], &ik, &empty, 0), "index put");
}

int store_index_present(store_txn *t, int i)
{
    return i >= 0 && i < N_INDEX && !(t->s->idx_absent & 1u << i);
}

int store_item_put(store_txn *t, const json_t *old, const json_t *item)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(item, "id"));
    unsigned char kb[S_KEY_U64], ib[S_KEY_TEXT];
    s_be64(id, kb);
    char *text = fault_dumps(item, JSON_COMPACT);
    if (!text)
        return RECT_E_NOMEM;
    MDB_val k = {S_KEY_U64, kb}, v = {strlen(text), text};
    /* a new item has the highest id yet */
    int rc = s_err((old ? s_put : s_put_last)(t->txn, t->s->items, &k, &v, 0), "item put");
    free(text);
    if (rc)
        return rc;

    for (int i = 0; i < N_INDEX; i++) {
        char wb[STORE_INDEX_BUF], nb[STORE_INDEX_BUF];
        const char *was = store_index_value(old, i, wb);
        const char *now = store_index_value(item, i, nb);
        if (was && now && strcmp(was, now) == 0)
            continue;
        if (was) {
            int n = s_text_id_key(was, id, ib, sizeof ib);
            MDB_val ik = {(size_t)n, ib};
            if (n < 0)
                return RECT_E_INTERNAL;
            rc = s_del(t->txn, t->s->idx[i], &ik);
            if (rc && rc != MDB_NOTFOUND)
                return s_err(rc, "index del");
        }
        if (now && (rc = s_index_put(t, i, now, id)))
            return rc;
    }
    return 0;
}

int store_next_item_id(store_txn *t, uint64_t *id)
{
    uint64_t next;
    int rc = s_counter(t, "next_item", &next);
    if (rc)
        return rc;
    if (next == 0)
        next = 1;
    *id = next;
    return s_counter_set(t, "next_item", next + 1);
}

/* ---- refs --------------------------------------------------------------- */

static int s_ref_key(const char *ref, const char *inspection, unsigned char *buf, size_t buflen)
{
    size_t a = strlen(ref), b = inspection ? strlen(inspection) : 0;
    if (a + 1 + b > buflen)
        return -1;
    memcpy(buf, ref, a);
    buf[a] = 0;
    if (b)
        memcpy(buf + a + 1, inspection, b);
    return (int)(a + 1 + b);
}

int store_ref_find(store_txn *t, const char *ref, const char *inspection, uint64_t *id)
{
    unsigned char kb[S_KEY_TEXT];
    int n = s_ref_key(ref, inspection, kb, sizeof kb);
    if (n < 0)
        return RECT_E_NOT_FOUND;
    MDB_val k = {(size_t)n, kb}, v;
    if (inspection) {
        int rc = mdb_get(t->txn, t->s->refs, &k, &v);
        if (rc)
            return s_err(rc, "ref get");
        *id = s_get64(v.mv_data);
        return 0;
    }
    /* Any inspection: a cursor range over ref ‖ 0 ‖ *. */
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->refs, &cur);
    if (rc)
        return s_err(rc, "cursor");
    size_t prefix = strlen(ref) + 1;
    int found = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size >= prefix && memcmp(k.mv_data, kb, prefix) == 0) {
        if (found++)
            break;
        *id = s_get64(v.mv_data);
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        return s_err(rc, "ref scan");
    if (found == 0)
        return RECT_E_NOT_FOUND;
    return found > 1 ? RECT_E_AMBIGUOUS_REF : 0;
}

int store_ref_put(store_txn *t, const char *ref, const char *inspection, uint64_t id)
{
    unsigned char kb[S_KEY_TEXT], vb[8];
    int n = s_ref_key(ref, inspection, kb, sizeof kb);
    if (n < 0)
        return RECT_E_BAD_VALUE;
    s_be64(id, vb);
    MDB_val k = {(size_t)n, kb}, v = {8, vb};
    int rc = s_put(t->txn, t->s->refs, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return RECT_E_DUPLICATE_REF;
    return s_err(rc, "ref put");
}

/* ---- events ------------------------------------------------------------- */

int store_event_append(store_txn *t, json_t *ev, uint64_t *seq_out)
{
    uint64_t next;
    unsigned char head[32] = {0}, hash[32], kb[S_KEY_U64], ikb[S_KEY_ID_SEQ];
    int found, rc;
    if ((rc = s_counter(t, "next_seq", &next)) || (rc = s_meta_get(t, "head", head, 32, &found)))
        return rc;
    if (next == 0)
        next = 1;
    if (json_object_set_new(ev, "seq", json_integer((json_int_t)next)))
        return RECT_E_NOMEM;

    /* Canonical bytes: compact, sorted keys, UTF-8 (see docs/PROTOCOL.md). */
    char *canon = fault_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    if (!canon)
        return RECT_E_NOMEM;
    size_t clen = strlen(canon);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, head, 32);
    crypto_hash_sha256_update(&st, (const unsigned char *)canon, clen);
    crypto_hash_sha256_final(&st, hash);

    s_be64(next, kb);
    MDB_val k = {S_KEY_U64, kb}, v = {64 + clen, NULL};
    rc = s_put_last(t->txn, t->s->events, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE);
    if (rc == 0) {
        memcpy(v.mv_data, head, 32);
        memcpy((char *)v.mv_data + 32, hash, 32);
        memcpy((char *)v.mv_data + 64, canon, clen);
    }
    free(canon);
    if ((rc = s_err(rc, "event put")))
        return rc;

    /* An item's history; item 0 (inspection events) is no item and has none. */
    uint64_t item = (uint64_t)json_integer_value(json_object_get(ev, "item"));
    s_be64(item, ikb);
    s_be64(next, ikb + 8);
    MDB_val ik = {S_KEY_ID_SEQ, ikb}, empty = {0, ""};
    /* the newest item's event is the last key (its id, then the newest seq) */
    if ((item && (rc = s_err(s_put_last(t->txn, t->s->item_events, &ik, &empty, 0), "item_events put"))) ||
        (rc = s_counter_set(t, "next_seq", next + 1)) || (rc = s_meta_put(t, "head", hash, 32)))
        return rc;
    if (seq_out)
        *seq_out = next;
    return 0;
}

/*
 * Decode a stored event value into a new JSON object with prev and hash:
 * NULL with *rc RECT_E_NOMEM or RECT_E_INTERNAL (corrupt).
 */
static json_t *s_event_decode(const MDB_val *v, int *rc)
{
    *rc = RECT_E_INTERNAL;
    if (v->mv_size < 64)
        return NULL;
    json_t *ev = s_load((const char *)v->mv_data + 64, v->mv_size - 64, rc, NULL);
    if (!ev)
        return NULL;
    char hex[65];
    store_hex(v->mv_data, 32, hex);
    int bad = json_object_set_new(ev, "prev", json_string(hex));
    store_hex((const unsigned char *)v->mv_data + 32, 32, hex);
    bad |= json_object_set_new(ev, "hash", json_string(hex));
    if (bad) {
        json_decref(ev);
        *rc = RECT_E_NOMEM;
        return NULL;
    }
    return ev;
}

/*
 * 1 if the stored event v is to be left out: its action is none of actions
 * (NULL: every action is wanted). Canonical bytes have their keys sorted
 * (DESIGN.md section 2), so while no key sorts before "action" an event
 * starts {"action":"NAME" and is passed over without parsing; otherwise it
 * is parsed and *parsed gets it (for the caller to own).
 */
static int s_event_unwanted(const MDB_val *v, const char *const *actions, json_t **parsed, int *rc)
{
    static const char lead[] = "{\"action\":\"";
    const size_t ll = sizeof lead - 1;
    *parsed = NULL;
    *rc = 0;
    if (!actions)
        return 0;
    const char *canon = (const char *)v->mv_data + 64, *name = NULL;
    size_t len = v->mv_size >= 64 ? v->mv_size - 64 : 0, nlen = 0;
    const char *q = len > ll && memcmp(canon, lead, ll) == 0 ? memchr(canon + ll, '"', len - ll) : NULL;
    if (q) {
        name = canon + ll;
        nlen = (size_t)(q - name);
    } else {
        if (!(*parsed = s_event_decode(v, rc)))
            return 0;
        name = json_string_value(json_object_get(*parsed, "action"));
        nlen = name ? strlen(name) : 0;
    }
    for (size_t i = 0; name && actions[i]; i++)
        if (strlen(actions[i]) == nlen && memcmp(actions[i], name, nlen) == 0)
            return 0;
    json_decref(*parsed);
    *parsed = NULL;
    return 1;
}

int store_item_events_of(store_txn *t, uint64_t id, const char *const *actions, json_t **out)
{
    unsigned char kb[S_KEY_ID_SEQ] = {0};
    s_be64(id, kb);
    MDB_cursor *cur;
    json_t *arr = json_array();
    if (!arr)
        return RECT_E_NOMEM;
    int rc = mdb_cursor_open(t->txn, t->s->item_events, &cur), r = 0;
    if (rc) {
        json_decref(arr);
        return s_err(rc, "cursor");
    }
    MDB_val k = {S_KEY_ID_SEQ, kb}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == S_KEY_ID_SEQ && memcmp(k.mv_data, kb, S_KEY_U64) == 0) {
        MDB_val ek = {S_KEY_U64, (char *)k.mv_data + S_KEY_U64}, ev;
        if ((rc = mdb_get(t->txn, t->s->events, &ek, &ev)))
            break;
        json_t *e;
        if (!s_event_unwanted(&ev, actions, &e, &r)) {
            if (!e && !r)
                e = s_event_decode(&ev, &r);
            if (!e || json_array_append_new(arr, e)) {
                r = e ? RECT_E_NOMEM : r;
                break;
            }
        } else if (r) {
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (!r && rc && rc != MDB_NOTFOUND)
        r = s_err(rc, "events scan");
    if (r) {
        json_decref(arr);
        return r;
    }
    *out = arr;
    return 0;
}

int store_item_events(store_txn *t, uint64_t id, json_t **out)
{
    return store_item_events_of(t, id, NULL, out);
}

/* ---- blobs -------------------------------------------------------------- */

int store_blob_put(store_txn *t, const void *data, size_t len, unsigned char sha256[32])
{
    crypto_hash_sha256(sha256, data, len);
    MDB_val k = {32, sha256}, v = {len, (void *)data};
    int rc = s_put(t->txn, t->s->blobs, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return 0; /* stored once: same bytes, same address */
    return s_err(rc, "blob put");
}

/* ---- scans -------------------------------------------------------------- */

static int s_index_of(const char *field)
{
    for (int i = 0; i < N_INDEX; i++)
        if (strcmp(store_index_fields[i], field) == 0)
            return i;
    return -1;
}

/*
 * Walk the keys of dbi from `start` (len bytes) on, as long as they begin
 * with its first `prefix` bytes and are exactly prefix + 8 bytes long; cb
 * gets the 8-byte big-endian number at the end (an item or notice id).
 */
static int s_scan_ids(store_txn *t, MDB_dbi dbi, const unsigned char *start, size_t len, size_t prefix,
                      store_id_cb cb, void *ctx, const char *what)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur), r = 0;
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k = {len, (void *)start}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && k.mv_size == prefix + 8 && memcmp(k.mv_data, start, prefix) == 0) {
        if ((r = cb(t, s_get64((char *)k.mv_data + prefix), ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, what) : 0;
}

int store_scan_index(store_txn *t, const char *field, const char *value, store_id_cb cb, void *ctx)
{
    return store_scan_index_at(t, field, value, 0, cb, ctx);
}

/* From value ‖ 0 ‖ from_id on: the page of a listing that goes on after id from_id - 1. */
int store_scan_index_at(store_txn *t, const char *field, const char *value, uint64_t from_id, store_id_cb cb,
                        void *ctx)
{
    int i = s_index_of(field);
    unsigned char kb[S_KEY_TEXT];
    size_t prefix = strlen(value) + 1;
    if (!store_index_present(t, i) || prefix + 8 > sizeof kb)
        return RECT_E_INTERNAL;
    memcpy(kb, value, prefix);
    s_be64(from_id, kb + prefix);
    return s_scan_ids(t, t->s->idx[i], kb, prefix + 8, prefix, cb, ctx, "index scan");
}

int store_scan_index_range(store_txn *t, const char *field, const char *from, const char *to, store_id_cb cb,
                           void *ctx)
{
    return store_scan_index_range_at(t, field, from, 0, to, cb, ctx);
}

/* Index entries from from ‖ 0 ‖ from_id (from NULL: the first) up to value to, in value then id order. */
int store_scan_index_range_at(store_txn *t, const char *field, const char *from, uint64_t from_id,
                              const char *to, store_id_cb cb, void *ctx)
{
    int i = s_index_of(field);
    unsigned char kb[S_KEY_TEXT];
    size_t flen = from ? strlen(from) + 1 : 0;
    if (!store_index_present(t, i) || flen + 8 > sizeof kb)
        return RECT_E_INTERNAL;
    if (from) {
        memcpy(kb, from, flen);
        s_be64(from_id, kb + flen);
        flen += 8;
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->idx[i], &cur);
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k = {flen, kb}, v;
    int r = 0;
    rc = mdb_cursor_get(cur, &k, &v, from ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0 && k.mv_size > 8) {
        /* value ‖ 0 ‖ id: the value is the key's text up to its NUL. */
        size_t vlen = k.mv_size - 9;
        if (to) {
            size_t tlen = strlen(to);
            int cmp = memcmp(k.mv_data, to, vlen < tlen ? vlen : tlen);
            if (cmp > 0 || (cmp == 0 && vlen > tlen))
                break;
        }
        if ((r = cb(t, s_get64((char *)k.mv_data + vlen + 1), ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "index scan") : 0;
}

int store_scan_items(store_txn *t, store_id_cb cb, void *ctx)
{
    return store_scan_items_at(t, 0, cb, ctx);
}

int store_scan_items_at(store_txn *t, uint64_t from_id, store_id_cb cb, void *ctx)
{
    unsigned char first[S_KEY_U64];
    s_be64(from_id, first);
    return s_scan_ids(t, t->s->items, first, S_KEY_U64, 0, cb, ctx, "item scan");
}

typedef struct {
    store_item_cb cb;
    void *ctx;
} s_item_walk;

static int s_walk_one(store_txn *t, uint64_t id, void *ctx)
{
    s_item_walk *w = ctx;
    json_t *item;
    int rc = store_item_get(t, id, &item);
    if (rc)
        return rc;
    rc = w->cb(t, id, item, w->ctx);
    json_decref(item);
    return rc;
}

int store_walk_index(store_txn *t, const char *field, const char *value, store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_index(t, field, value, s_walk_one, &w);
}

int store_walk_index_range(store_txn *t, const char *field, const char *from, const char *to,
                           store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_index_range(t, field, from, to, s_walk_one, &w);
}

int store_walk_children(store_txn *t, uint64_t parent, store_item_cb cb, void *ctx)
{
    char buf[STORE_INDEX_BUF];
    return store_walk_index(t, "parent", s_parent_key((json_int_t)parent, buf), cb, ctx);
}

int store_walk_items(store_txn *t, store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_items(t, s_walk_one, &w);
}

int store_walk_index_at(store_txn *t, const char *field, const char *value, uint64_t from_id,
                        store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_index_at(t, field, value, from_id, s_walk_one, &w);
}

int store_walk_index_range_at(store_txn *t, const char *field, const char *from, uint64_t from_id,
                              const char *to, store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_index_range_at(t, field, from, from_id, to, s_walk_one, &w);
}

int store_walk_items_at(store_txn *t, uint64_t from_id, store_item_cb cb, void *ctx)
{
    s_item_walk w = {cb, ctx};
    return store_scan_items_at(t, from_id, s_walk_one, &w);
}

int store_counts(store_txn *t, uint64_t *items, uint64_t *events, unsigned char head[32])
{
    MDB_stat st;
    int rc, found;
    if ((rc = mdb_stat(t->txn, t->s->items, &st)))
        return s_err(rc, "stat");
    *items = st.ms_entries;
    if ((rc = mdb_stat(t->txn, t->s->events, &st)))
        return s_err(rc, "stat");
    *events = st.ms_entries;
    memset(head, 0, 32);
    return s_meta_get(t, "head", head, 32, &found);
}

/* ---- idempotent replies ------------------------------------------------- */

int store_reply_get(store_txn *t, const char *client, uint64_t seq, unsigned char digest[32], char **buf,
                    size_t *len)
{
    unsigned char kb[S_KEY_REPLY];
    int n = s_text_id_key(client, seq, kb, sizeof kb);
    if (n < 0)
        return RECT_E_NOT_FOUND;
    MDB_val k = {(size_t)n, kb}, v;
    int rc = mdb_get(t->txn, t->s->replies, &k, &v);
    if (rc)
        return s_err(rc, "reply get");
    if (v.mv_size < 32)
        return RECT_E_INTERNAL;
    size_t rlen = v.mv_size - 32;
    if (!(*buf = fault_malloc(rlen + 1)))
        return RECT_E_NOMEM;
    memcpy(digest, v.mv_data, 32);
    memcpy(*buf, (const unsigned char *)v.mv_data + 32, rlen);
    (*buf)[rlen] = '\0';
    *len = rlen;
    return 0;
}

int store_reply_put(store_txn *t, const char *client, uint64_t seq, const unsigned char digest[32],
                    const char *buf, size_t len, uint64_t keep)
{
    unsigned char kb[S_KEY_REPLY], nb[S_KEY_U64];
    int n = s_text_id_key(client, seq, kb, sizeof kb), rc;
    uint64_t next;
    if (n < 0)
        return RECT_E_BAD_VALUE;
    MDB_val k = {(size_t)n, kb}, v = {32 + len, NULL};
    /* reserve the value and write digest ‖ reply straight into the map */
    if ((rc = s_err(s_put(t->txn, t->s->replies, &k, &v, MDB_RESERVE), "reply put")))
        return rc;
    memcpy(v.mv_data, digest, 32);
    memcpy((unsigned char *)v.mv_data + 32, buf, len);
    if ((rc = s_counter(t, "next_reply", &next)))
        return rc;
    s_be64(next, nb);
    MDB_val lk = {S_KEY_U64, nb}, lv = {(size_t)n, kb};
    if ((rc = s_err(s_put_last(t->txn, t->s->reply_log, &lk, &lv, 0), "reply_log put")) ||
        (rc = s_counter_set(t, "next_reply", next + 1)))
        return rc;

    /*
     * Prune the oldest beyond keep, in steps: deleting one old reply per
     * write rewrote the first page of reply_log and a page of replies (and
     * their branch pages) in every commit; a step of them shares those.
     */
    MDB_stat st;
    uint64_t slack = keep / 16 < STORE_REPLY_PRUNE_STEP ? keep / 16 : STORE_REPLY_PRUNE_STEP;
    if ((rc = mdb_stat(t->txn, t->s->reply_log, &st)))
        return s_err(rc, "stat");
    if (st.ms_entries <= keep + slack)
        return 0;
    size_t excess = st.ms_entries - keep;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(t->txn, t->s->reply_log, &cur)))
        return s_err(rc, "cursor");
    MDB_val ck, cv;
    while (excess-- > 0 && (rc = mdb_cursor_get(cur, &ck, &cv, MDB_FIRST)) == 0) {
        unsigned char old[S_KEY_REPLY];
        if (cv.mv_size > sizeof old) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(old, cv.mv_data, cv.mv_size); /* copy before the tree changes */
        MDB_val ok = {cv.mv_size, old};
        if ((rc = s_cursor_del(cur)))
            break;
        rc = s_del(t->txn, t->s->replies, &ok);
        if (rc && rc != MDB_NOTFOUND)
            break;
        rc = 0;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "reply prune") : 0;
}

/* ---- the outbox: notices, their recipients, pending hook deliveries ------ */

int store_meta_text(store_txn *t, const char *key, char *buf, size_t len)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->meta, &k, &v);
    buf[0] = '\0';
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return s_err(rc, "meta get");
    if (v.mv_size >= len)
        return s_err(MDB_CORRUPTED, "meta text size");
    memcpy(buf, v.mv_data, v.mv_size);
    buf[v.mv_size] = '\0';
    return 0;
}

int store_meta_text_set(store_txn *t, const char *key, const char *value)
{
    return s_meta_put(t, key, value, strlen(value));
}

/* A new notice's id (from next_notice) and its entry in user's inbox index. */
static int s_notice_new(store_txn *t, const char *user, uint64_t *id_out)
{
    uint64_t id;
    int rc;
    if ((rc = s_counter(t, "next_notice", &id)))
        return rc;
    if (id == 0)
        id = 1;
    if ((rc = s_counter_set(t, "next_notice", id + 1)))
        return rc;
    unsigned char ub[S_KEY_USER];
    int n = user ? s_text_id_key(user, id, ub, sizeof ub) : -1;
    if (n < 0)
        return RECT_E_BAD_VALUE;
    MDB_val uk = {(size_t)n, ub}, empty = {0, ""};
    if ((rc = s_err(s_put(t->txn, t->s->notice_users, &uk, &empty, 0), "notice_users put")))
        return rc;
    *id_out = id;
    return 0;
}

int store_notice_put(store_txn *t, json_t *notice)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(notice, "id"));
    int rc, fresh = id == 0; /* a new notice has the highest id yet */
    if (fresh) {
        if ((rc = s_notice_new(t, json_string_value(json_object_get(notice, "recipient")), &id)))
            return rc;
        if (json_object_set_new(notice, "id", json_integer((json_int_t)id)))
            return RECT_E_NOMEM;
    }
    unsigned char kb[S_KEY_U64];
    s_be64(id, kb);
    char *text = fault_dumps(notice, JSON_COMPACT);
    if (!text)
        return RECT_E_NOMEM;
    MDB_val k = {S_KEY_U64, kb}, v = {strlen(text), text};
    rc = s_err((fresh ? s_put_last : s_put)(t->txn, t->s->notices, &k, &v, 0), "notice put");
    free(text);
    return rc;
}

int store_notice_add_text(store_txn *t, const char *user, const char *rest, size_t len, uint64_t *id)
{
    int rc = s_notice_new(t, user, id);
    if (rc)
        return rc;
    char head[32];
    int hn = snprintf(head, sizeof head, "{\"id\":%llu", (unsigned long long)*id);
    char *text = fault_malloc((size_t)hn + len);
    if (!text)
        return RECT_E_NOMEM;
    memcpy(text, head, (size_t)hn);
    memcpy(text + hn, rest, len);
    unsigned char kb[S_KEY_U64];
    s_be64(*id, kb);
    MDB_val k = {S_KEY_U64, kb}, v = {(size_t)hn + len, text};
    rc = s_err(s_put_last(t->txn, t->s->notices, &k, &v, 0), "notice put"); /* the highest id yet */
    free(text);
    return rc;
}

int store_notice_raw(store_txn *t, uint64_t id, const char **data, size_t *len)
{
    unsigned char kb[S_KEY_U64];
    s_be64(id, kb);
    MDB_val k = {S_KEY_U64, kb}, v;
    int rc = mdb_get(t->txn, t->s->notices, &k, &v);
    if (rc)
        return s_err(rc, "notice get");
    *data = v.mv_data;
    *len = v.mv_size;
    return 0;
}

int store_notice_get_sized(store_txn *t, uint64_t id, json_t **notice, size_t *len)
{
    const char *data;
    int rc = store_notice_raw(t, id, &data, len);
    if (rc == 0)
        *notice = s_load(data, *len, &rc, NULL);
    return rc;
}

int store_notice_get(store_txn *t, uint64_t id, json_t **notice)
{
    size_t len;
    return store_notice_get_sized(t, id, notice, &len);
}

int store_notices_after(store_txn *t, const char *user, uint64_t after, store_id_cb cb, void *ctx)
{
    unsigned char kb[S_KEY_USER];
    if (!user) {
        s_be64(after + 1, kb);
        return s_scan_ids(t, t->s->notices, kb, S_KEY_U64, 0, cb, ctx, "notice scan");
    }
    int n = s_text_id_key(user, after + 1, kb, sizeof kb);
    if (n < 0)
        return 0;
    return s_scan_ids(t, t->s->notice_users, kb, (size_t)n, strlen(user) + 1, cb, ctx, "notice scan");
}

/* pending: notice id (8) ‖ hook index (4) -> "" */
static void s_pending_key(uint64_t notice, uint32_t hook, unsigned char kb[S_KEY_PENDING])
{
    s_be64(notice, kb);
    kb[8] = (unsigned char)(hook >> 24);
    kb[9] = (unsigned char)(hook >> 16);
    kb[10] = (unsigned char)(hook >> 8);
    kb[11] = (unsigned char)hook;
}

int store_pending_set(store_txn *t, uint64_t notice, uint32_t hook, int on)
{
    unsigned char kb[S_KEY_PENDING];
    s_pending_key(notice, hook, kb);
    MDB_val k = {S_KEY_PENDING, kb}, empty = {0, ""};
    int rc = on ? s_put(t->txn, t->s->pending, &k, &empty, 0) : s_del(t->txn, t->s->pending, &k);
    return rc == MDB_NOTFOUND ? 0 : s_err(rc, "pending");
}

int store_pending_scan(store_txn *t, store_pending_cb cb, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->pending, &cur), r = 0;
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && k.mv_size == S_KEY_PENDING) {
        const unsigned char *b = k.mv_data;
        uint32_t hook = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
        if ((r = cb(t, s_get64(b), hook, ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "pending scan") : 0;
}

/* ---- closeout ledgers: inspections, file uses, raw walks (issue 4) -------- */

int store_inspection_get(store_txn *t, const char *name, json_t **out)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(t->txn, t->s->inspections, &k, &v);
    if (rc)
        return s_err(rc, "inspection get");
    *out = s_load(v.mv_data, v.mv_size, &rc, NULL);
    return rc;
}

int store_inspection_put(store_txn *t, const char *name, const json_t *rec)
{
    char *text = fault_dumps(rec, JSON_COMPACT);
    if (!text)
        return RECT_E_NOMEM;
    MDB_val k = {strlen(name), (void *)name}, v = {strlen(text), text};
    int rc = k.mv_size ? s_put(t->txn, t->s->inspections, &k, &v, 0) : EINVAL;
    free(text);
    return s_err(rc, "inspection put");
}

/* Walk a whole database in key order: cb(key, val) gets bytes valid for the call. */
static int s_walk(store_txn *t, MDB_dbi dbi, int (*cb)(const MDB_val *k, const MDB_val *v, void *ctx),
                  void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur), r = 0;
    if (rc)
        return s_err(rc, "cursor");
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if ((r = cb(&k, &v, ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "walk") : 0;
}

typedef struct {
    store_inspection_cb cb;
    void *ctx;
    int names_only; /* the records are not parsed: cb gets NULL */
} s_insp_walk;

static int s_insp_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    s_insp_walk *w = ctx;
    char name[RECT_MAX_NAME + 1];
    if (k->mv_size > RECT_MAX_NAME)
        return s_err(MDB_CORRUPTED, "inspection key");
    memcpy(name, k->mv_data, k->mv_size);
    name[k->mv_size] = '\0';
    int rc;
    json_t *rec = w->names_only ? NULL : s_load(v->mv_data, v->mv_size, &rc, NULL);
    if (!rec && !w->names_only)
        return rc;
    int r = w->cb(name, rec, w->ctx);
    json_decref(rec);
    return r;
}

int store_scan_inspections(store_txn *t, store_inspection_cb cb, void *ctx)
{
    s_insp_walk w = {cb, ctx, 0};
    return s_walk(t, t->s->inspections, s_insp_one, &w);
}

int store_scan_inspection_names(store_txn *t, store_inspection_cb cb, void *ctx)
{
    s_insp_walk w = {cb, ctx, 1};
    return s_walk(t, t->s->inspections, s_insp_one, &w);
}

int store_blob_use(store_txn *t, const unsigned char sha256[32], uint64_t item, uint64_t seq)
{
    unsigned char kb[S_KEY_BLOB_USE];
    memcpy(kb, sha256, 32);
    s_be64(item, kb + 32);
    s_be64(seq, kb + 40);
    MDB_val k = {S_KEY_BLOB_USE, kb}, empty = {0, ""};
    return s_err(s_put(t->txn, t->s->blob_uses, &k, &empty, 0), "blob_uses put");
}

int store_scan_blob_uses(store_txn *t, const unsigned char *sha256, store_use_cb cb, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->blob_uses, &cur), r = 0;
    if (rc)
        return s_err(rc, "cursor");
    unsigned char kb[32] = {0};
    if (sha256)
        memcpy(kb, sha256, 32);
    MDB_val k = {32, kb}, v;
    rc = mdb_cursor_get(cur, &k, &v, sha256 ? MDB_SET_RANGE : MDB_FIRST);
    while (rc == 0 && (!sha256 || (k.mv_size >= 32 && memcmp(k.mv_data, kb, 32) == 0))) {
        if (k.mv_size != S_KEY_BLOB_USE) {
            r = s_err(MDB_CORRUPTED, "blob_uses key");
            break;
        }
        const unsigned char *p = k.mv_data;
        if ((r = cb(p, s_get64(p + 32), s_get64(p + 40), ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "blob_uses scan") : 0;
}

int store_blob_size(store_txn *t, const unsigned char sha256[32], uint64_t *size)
{
    MDB_val k = {32, (void *)sha256}, v;
    int rc = mdb_get(t->txn, t->s->blobs, &k, &v);
    if (rc)
        return s_err(rc, "blob get");
    *size = v.mv_size;
    return 0;
}

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * mark 0: 1 if blob sha256 was checked less than S_VERIFIED_SECONDS ago.
 * mark 1: record that it was checked now (in place of the oldest entry).
 * In memory only: a restart checks every blob again.
 */
static int s_blob_checked(store *s, const unsigned char sha256[32], int mark)
{
    double now = s_mono();
    int hit = 0, oldest = 0;
    pthread_mutex_lock(&s->verified_lock);
    for (int i = 0; i < S_VERIFIED_MAX; i++) {
        if (memcmp(s->verified[i].sha256, sha256, 32) == 0 && s->verified[i].at > 0) {
            hit = now - s->verified[i].at < S_VERIFIED_SECONDS;
            oldest = i;
            break;
        }
        if (s->verified[i].at < s->verified[oldest].at)
            oldest = i;
    }
    if (mark) {
        memcpy(s->verified[oldest].sha256, sha256, 32);
        s->verified[oldest].at = now;
    }
    pthread_mutex_unlock(&s->verified_lock);
    return hit;
}

int store_blob_read(store_txn *t, const unsigned char sha256[32], uint64_t offset, size_t len, char **out,
                    size_t *n, uint64_t *total)
{
    MDB_val k = {32, (void *)sha256}, v;
    unsigned char got[32];
    *out = NULL;
    *n = 0;
    int rc = mdb_get(t->txn, t->s->blobs, &k, &v);
    if (rc)
        return s_err(rc, "blob get");
    *total = v.mv_size;
    if (!s_blob_checked(t->s, sha256, 0)) {
        crypto_hash_sha256(got, v.mv_data, v.mv_size);
        if (sodium_memcmp(got, sha256, 32) != 0)
            return RECT_E_DAMAGED;
        s_blob_checked(t->s, sha256, 1);
    }
    if (offset > v.mv_size)
        return RECT_E_BAD_VALUE;
    size_t take = v.mv_size - (size_t)offset < len ? v.mv_size - (size_t)offset : len;
    if (take) {
        if (!(*out = fault_malloc(take)))
            return RECT_E_NOMEM;
        memcpy(*out, (const char *)v.mv_data + offset, take);
    }
    *n = take;
    return 0;
}

int store_scan_events(store_txn *t, uint64_t from, store_event_cb cb, void *ctx)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->events, &cur), r = 0;
    if (rc)
        return s_err(rc, "cursor");
    unsigned char kb[S_KEY_U64];
    s_be64(from, kb);
    MDB_val k = {S_KEY_U64, kb}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        store_raw_event ev = {0};
        ev.seq = k.mv_size == 8 ? s_get64(k.mv_data) : 0;
        if (v.mv_size >= 64) {
            ev.prev = v.mv_data;
            ev.hash = (const unsigned char *)v.mv_data + 32;
            ev.canon = (const char *)v.mv_data + 64;
            ev.len = v.mv_size - 64;
        }
        if ((r = cb(&ev, ctx)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (r < 0)
        return r;
    return rc && rc != MDB_NOTFOUND ? s_err(rc, "events scan") : 0;
}

int store_event_get(store_txn *t, uint64_t seq, json_t **out)
{
    unsigned char kb[S_KEY_U64];
    s_be64(seq, kb);
    MDB_val k = {S_KEY_U64, kb}, v;
    int rc = mdb_get(t->txn, t->s->events, &k, &v);
    if (rc)
        return s_err(rc, "event get");
    *out = s_event_decode(&v, &rc);
    return *out ? 0 : rc;
}

int store_head(store_txn *t, uint64_t *next_seq, unsigned char head[32])
{
    int found, rc;
    memset(head, 0, 32);
    if ((rc = s_counter(t, "next_seq", next_seq)))
        return rc;
    return s_meta_get(t, "head", head, 32, &found);
}

typedef struct {
    store_entry_cb cb;
    void *ctx;
} s_entry_walk;

static int s_entry_one(const MDB_val *k, const MDB_val *v, void *ctx)
{
    s_entry_walk *w = ctx;
    return w->cb(k->mv_data, k->mv_size, v->mv_data, v->mv_size, w->ctx);
}

int store_scan_entries(store_txn *t, const char *db, store_entry_cb cb, void *ctx)
{
    MDB_dbi dbi;
    int i = s_index_of(db);
    if (i >= 0 && !store_index_present(t, i))
        return RECT_E_INTERNAL;
    if (i >= 0)
        dbi = t->s->idx[i];
    else if (strcmp(db, "refs") == 0)
        dbi = t->s->refs;
    else if (strcmp(db, "item_events") == 0)
        dbi = t->s->item_events;
    else if (strcmp(db, "blob_uses") == 0)
        dbi = t->s->blob_uses;
    else if (strcmp(db, "inspections") == 0)
        dbi = t->s->inspections;
    else
        return RECT_E_INTERNAL;
    s_entry_walk w = {cb, ctx};
    return s_walk(t, dbi, s_entry_one, &w);
}

/* ---- backups (issue 11) ------------------------------------------------- */

/* fsync path (a file or a folder); 0 or -1 with errno. */
static int s_fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* LMDB's copy with compaction into the empty folder dir (dir/data.mdb, 0600), then the file and dir on disk. */
static int s_copy_into(MDB_env *env, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path) {
        snprintf(err, errlen, "the path %s is too long", dir);
        return RECT_E_BAD_VALUE;
    }
    /* Our own file, 0600 from the start: the copy holds everything, evidence included. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), rc = 0;
    if (fd < 0 && errno == EEXIST) { /* not ours: another copy into the same folder */
        snprintf(err, errlen, "%s already exists: the folder is not empty any more", path);
        return RECT_E_BAD_VALUE;
    }
    if (fd < 0)
        rc = errno;
    else if ((rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT)) == 0 && fsync(fd) != 0)
        rc = errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = errno;
    if (rc == 0 && s_fsync_path(dir, 1) != 0)
        rc = errno;
    if (rc == 0)
        return 0;
    if (rc == ENOSPC || rc == EDQUOT) {
        snprintf(err, errlen, "disk full writing %s: %s", path, mdb_strerror(rc));
        return RECT_E_STORAGE_FULL;
    }
    snprintf(err, errlen, "cannot write %s: %s", path, mdb_strerror(rc));
    return RECT_E_INTERNAL;
}

int store_backup(store *s, const char *dir, char *err, size_t errlen)
{
    pthread_rwlock_rdlock(&s->gate); /* the environment stays open throughout (store_shed) */
    int rc = s_copy_into(s->env, dir, err, errlen);
    pthread_rwlock_unlock(&s->gate);
    return rc;
}

int store_open_copy(const char *dir, store **out, char *err, size_t errlen)
{
    char path[4096], why[512];
    struct stat sb;
    *out = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) >= sizeof path) {
        snprintf(err, errlen, "the path %s is too long", dir);
        return -1;
    }
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s is not a file", path);
        return -1;
    }
    store *s = s_store_new();
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc;
    /* No lock file in the copy's folder: nothing else opens it while we read. */
    if ((rc = mdb_env_create(&s->env)) || (rc = mdb_env_set_maxdbs(s->env, 32)) ||
        (rc = mdb_env_open(s->env, dir, MDB_RDONLY | MDB_NOLOCK, 0600))) {
        snprintf(err, errlen, "%s is not a readable LMDB database: %s", path, mdb_strerror(rc));
        store_close(&s);
        return -1;
    }
    /* A torn copy: the map would reach past the end of the file (SIGBUS on the first read there). */
    MDB_envinfo info;
    MDB_stat ms;
    if ((rc = mdb_env_info(s->env, &info)) || (rc = mdb_env_stat(s->env, &ms))) {
        snprintf(err, errlen, "%s is not a readable LMDB database: %s", path, mdb_strerror(rc));
        store_close(&s);
        return -1;
    }
    unsigned long long need = ((unsigned long long)info.me_last_pgno + 1) * ms.ms_psize;
    if ((unsigned long long)sb.st_size < need) {
        snprintf(err, errlen,
                 "%s is torn: it is %lld bytes, but its pages reach to %llu bytes (a copy cut short)", path,
                 (long long)sb.st_size, need);
        store_close(&s);
        return -1;
    }
    if (s_open_dbs(s, 1, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        store_close(&s);
        return -1;
    }
    *out = s;
    return 0;
}

int store_install_copy(store *copy, const char *data_dir, int force, char *err, size_t errlen)
{
    char lock[4096], live[4096], tmp[4096], tmpdb[4096], kept[4200], lockmdb[4096];
    struct stat sb;
    int fd = -1, rc = -1;
    if ((size_t)snprintf(tmpdb, sizeof tmpdb, "%s/restore.tmp/data.mdb", data_dir) >= sizeof tmpdb) {
        snprintf(err, errlen, "data_dir is too long");
        return -1;
    }
    snprintf(lock, sizeof lock, "%s/rectd.lock", data_dir);
    snprintf(live, sizeof live, "%s/data.mdb", data_dir);
    snprintf(lockmdb, sizeof lockmdb, "%s/lock.mdb", data_dir);
    snprintf(tmp, sizeof tmp, "%s/restore.tmp", data_dir);
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data_dir %s: %s", data_dir, strerror(errno));
        return -1;
    }
    /* The lock a running rectd holds: restoring under it would pull the file from under its map. */
    if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "a rectd is running on data_dir %s: stop it first, then restore", data_dir);
        goto done;
    }
    if (stat(live, &sb) == 0 && !force) {
        snprintf(
            err, errlen,
            "data_dir %s already holds a database (data.mdb, %lld bytes): nothing was changed; to replace it, "
            "give --force (the old file is kept beside it as data.mdb.replaced-TIME)",
            data_dir, (long long)sb.st_size);
        goto done;
    }
    remove(tmpdb); /* what an interrupted restore left */
    rmdir(tmp);
    if (mkdir(tmp, 0700) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        goto done;
    }
    if (s_copy_into(copy->env, tmp, err, errlen) != 0) {
        remove(tmpdb);
        rmdir(tmp);
        goto done;
    }
    if (stat(live, &sb) == 0) {
        snprintf(kept, sizeof kept, "%s.replaced-%lld", live, (long long)time(NULL));
        if (link(live, kept) != 0) {
            snprintf(err, errlen, "cannot keep the old database as %s: %s; nothing was changed", kept,
                     strerror(errno));
            remove(tmpdb);
            rmdir(tmp);
            goto done;
        }
        fprintf(stderr, "rectd: the database it replaces is kept as %s\n", kept);
    }
    /* One rename: data.mdb is either the old database or the whole copy, never a mix. */
    if (rename(tmpdb, live) != 0) {
        snprintf(err, errlen, "cannot move the copy to %s: %s", live, strerror(errno));
        remove(tmpdb);
        rmdir(tmp);
        goto done;
    }
    rmdir(tmp);
    remove(lockmdb); /* reader slots of the old file: LMDB makes a new one */
    if (s_fsync_path(data_dir, 1) != 0) {
        snprintf(err, errlen, "cannot sync %s: %s", data_dir, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    close(fd);
    return rc;
}

/* ---- passwords (cmd_passwd.c): outside the hash chain ---- */

int store_password_get(store_txn *t, const char *user, char *buf, size_t len)
{
    MDB_val k = {strlen(user), (void *)user}, v;
    buf[0] = '\0';
    if (!t->s->passwords) /* a read-only copy without the database */
        return RECT_E_NOT_FOUND;
    int rc = mdb_get(t->txn, t->s->passwords, &k, &v);
    if (rc)
        return s_err(rc, "password get");
    if (v.mv_size >= len)
        return s_err(MDB_CORRUPTED, "password size");
    memcpy(buf, v.mv_data, v.mv_size);
    buf[v.mv_size] = '\0';
    return 0;
}

int store_password_put(store_txn *t, const char *user, const char *hash)
{
    MDB_val k = {strlen(user), (void *)user}, v = {strlen(hash), (void *)hash};
    if (k.mv_size == 0 || k.mv_size > RECT_MAX_NAME)
        return RECT_E_BAD_VALUE;
    return s_err(s_put(t->txn, t->s->passwords, &k, &v, 0), "password put");
}

int store_password_del(store_txn *t, const char *user)
{
    MDB_val k = {strlen(user), (void *)user};
    if (k.mv_size == 0 || k.mv_size > RECT_MAX_NAME)
        return RECT_E_BAD_VALUE;
    int rc = s_del(t->txn, t->s->passwords, &k);
    return rc == MDB_NOTFOUND ? 0 : s_err(rc, "password del");
}
