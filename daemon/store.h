/*
 * store.h - rectd's persistent state in one LMDB environment. store.c is the
 * only file that speaks LMDB; LMDB errors are translated to rect_err here.
 *
 * Named databases (keys sort the way we scan: integers are 8-byte big-endian):
 *   meta        "schema" u32, "next_item" u64, "next_seq" u64, "head" 32 bytes,
 *               "next_reply" u64
 *   items       id -> item JSON (compact)
 *   events      seq -> prev hash (32) ‖ hash (32) ‖ canonical event JSON
 *   item_events id ‖ seq -> ""                      (an item's history; none for item 0)
 *   refs        ref ‖ 0 ‖ inspection -> id            (ref lookup, uniqueness)
 *   idx_state, idx_owner, idx_unit, idx_source, idx_deadline, idx_leader,
 *   idx_inspection, idx_next_review   value ‖ 0 ‖ id -> ""  (secondary indexes;
 *                deadline: open items only, next_review: closed items only)
 *   blobs       sha256 (32) -> file bytes            (evidence, stored once)
 *   replies     client ‖ 0 ‖ seq -> request digest (32) ‖ reply bytes
 *                                                    (idempotent retries)
 *   reply_log   n -> client ‖ 0 ‖ seq                (pruning, oldest first)
 *   notices     id -> notice JSON                    (the outbox of the daily job)
 *   notice_users user ‖ 0 ‖ id -> ""                 (a user's inbox)
 *   pending     notice id ‖ hook number (4) -> ""    (hook deliveries not yet done)
 *   passwords   user -> crypto_pwhash_str text       (cmd_passwd.c; never in the chain,
 *                                                    never in a reply)
 *
 * Everything a handler reads from a transaction is copied out (jansson
 * values, malloc'd buffers): no MDB_val outlives its transaction.
 */
#ifndef RECT_STORE_H
#define RECT_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The schema version this rectd writes and understands. Raise it when the
 * meaning or layout of a stored byte changes; add the migration from the
 * previous version to s_migrate() in store.c and a test that opens a
 * database written by the previous version.
 */
#define STORE_SCHEMA_VERSION 2 /* 2: index parent (举一反三 children) */

typedef struct store store;
typedef struct store_txn store_txn;

/* Index names accepted by store_scan_index: also the item field indexed. */
extern const char *const store_index_fields[];
extern const int store_index_count;

/* Room for an index value that is not borrowed from the item: "parent"'s decimal item id. */
#define STORE_INDEX_BUF 24

/*
 * The value item is indexed under in index number i, or NULL for none: the
 * field's value, except that "deadline" holds only claimed, assigned and
 * rectifying items, "next_review" only closed ones, and "parent" is the
 * parent's id in decimal (written into buf). Borrowed from item or buf.
 */
const char *store_index_value(const json_t *item, int i, char buf[STORE_INDEX_BUF]);

/*
 * 1 if the store holds index number i; 0 only in a read-only copy of an
 * older schema (a backup being restored, migrated at rectd's next start).
 */
int store_index_present(store_txn *t, int i);

/*
 * Open (creating if needed) the environment in dir, with a map of
 * map_size_mb MiB, full durability. Takes an exclusive lock on dir so a
 * second rectd refuses to start. Returns 0 and a new store (caller owns,
 * store_close) or -1 with a message in err.
 */
int store_open(const char *dir, uint64_t map_size_mb, store **out, char *err, size_t errlen);

/* Close the environment and release the lock. Accepts NULL. */
void store_close(store **s_p);

/*
 * Give back what LMDB keeps of its big write transactions: when the data
 * file has grown by 32 MiB since the environment was opened, is at most
 * 1 GiB (unmapping a bigger one stalls for seconds) and no transaction
 * runs, close the environment and open it again. 0 when done,
 * 1 when not due or busy (try again later), -1 with a message in err when
 * the environment could not be opened again (rectd cannot go on).
 */
int store_shed(store *s, char *err, size_t errlen);

/*
 * Begin a transaction: read-only if !write. A write transaction may be
 * nested in a parent write transaction (parent may be NULL; when given, s
 * may be NULL). 0 or rect_err.
 */
int store_begin(store *s, int write, store_txn *parent, store_txn **out);
/*
 * Commit and free *t (set to NULL). Returns 0 or rect_err (the txn is gone
 * either way): RECT_E_STORAGE_FULL for a full map or a full disk
 * (store_full_is_disk tells which). A commit that fails at the disk for
 * another reason (EIO from fsync) does not return: rectd logs it and exits
 * with status 3, answering nothing (see store.c, s_commit_failed).
 */
int store_commit(store_txn **t);

/* 1 if this thread's last RECT_E_STORAGE_FULL was the disk (ENOSPC), not the map. */
int store_full_is_disk(void);
/* Abort and free *t (set to NULL). Accepts NULL. */
void store_abort(store_txn **t);

/* Items. store_item_get: 0 and a new reference in *item, RECT_E_NOT_FOUND, or rect_err. */
int store_item_get(store_txn *t, uint64_t id, json_t **item);
/*
 * Write item (its "id" names the key) and update every secondary index from
 * old (the item as stored before, NULL for a new item) to item.
 */
int store_item_put(store_txn *t, const json_t *old, const json_t *item);
/* Reserve the next item id. */
int store_next_item_id(store_txn *t, uint64_t *id);

/*
 * Find an item by ref. inspection NULL: any inspection, RECT_E_AMBIGUOUS_REF
 * if several. 0 and *id, or RECT_E_NOT_FOUND.
 */
int store_ref_find(store_txn *t, const char *ref, const char *inspection, uint64_t *id);
/* Record ref in inspection for id; RECT_E_DUPLICATE_REF if taken. */
int store_ref_put(store_txn *t, const char *ref, const char *inspection, uint64_t id);

/*
 * Append an event. ev must hold item, action, actor, at, changes, comment
 * (and files for evidence); this sets "seq", computes the chain hash and
 * stores it, and indexes it in item_events unless item is 0 (an inspection
 * event, about no item). *seq_out (may be NULL) gets the new sequence number.
 */
int store_event_append(store_txn *t, json_t *ev, uint64_t *seq_out);
/* An item's events in seq order, each with "prev" and "hash": new array in *out. */
int store_item_events(store_txn *t, uint64_t id, json_t **out);
/*
 * The same, only the events whose action is one of actions (a NULL-ended
 * list; NULL: all): the others are passed over without being parsed.
 */
int store_item_events_of(store_txn *t, uint64_t id, const char *const *actions, json_t **out);

/* Store a blob by content; sha256 gets its 32-byte address. */
int store_blob_put(store_txn *t, const void *data, size_t len, unsigned char sha256[32]);

/* Scan the items of an index value in id order: cb returns 0 to go on, 1 to stop, <0 error. */
typedef int (*store_id_cb)(store_txn *t, uint64_t id, void *ctx);
int store_scan_index(store_txn *t, const char *field, const char *value, store_id_cb cb, void *ctx);
/*
 * Scan the items whose indexed value lies in [from, to] (byte order; from
 * or to NULL: unbounded), in value then id order: for "deadline", dates
 * sort as they fall, so "due by D" is one cursor range. Same cb as above.
 */
int store_scan_index_range(store_txn *t, const char *field, const char *from, const char *to, store_id_cb cb,
                           void *ctx);
/* Scan every item in id order. */
int store_scan_items(store_txn *t, store_id_cb cb, void *ctx);

/*
 * The same three walks with each item loaded: cb gets the id (the key) and
 * the item, borrowed for the call (json_incref to keep it). cb returns 0 to
 * go on, 1 to stop, <0 error; an item that cannot be read ends the walk
 * with its rect_err.
 */
typedef int (*store_item_cb)(store_txn *t, uint64_t id, json_t *item, void *ctx);
int store_walk_index(store_txn *t, const char *field, const char *value, store_item_cb cb, void *ctx);
int store_walk_index_range(store_txn *t, const char *field, const char *from, const char *to,
                           store_item_cb cb, void *ctx);
int store_walk_items(store_txn *t, store_item_cb cb, void *ctx);
/* The items whose parent is item parent (the parent index), in id order. */
int store_walk_children(store_txn *t, uint64_t parent, store_item_cb cb, void *ctx);

/*
 * Pages of a listing: the same scans and walks starting at a position
 * instead of the beginning, so that a page costs what it holds. The scan
 * starts at the first entry at or after value ‖ from_id (an index), the
 * entry from ‖ from_id (a range; from NULL: the first entry, from_id
 * ignored) or item from_id; to go on after (value, id), pass id + 1.
 */
int store_scan_index_at(store_txn *t, const char *field, const char *value, uint64_t from_id, store_id_cb cb,
                        void *ctx);
int store_scan_index_range_at(store_txn *t, const char *field, const char *from, uint64_t from_id,
                              const char *to, store_id_cb cb, void *ctx);
int store_scan_items_at(store_txn *t, uint64_t from_id, store_id_cb cb, void *ctx);
int store_walk_index_at(store_txn *t, const char *field, const char *value, uint64_t from_id,
                        store_item_cb cb, void *ctx);
int store_walk_index_range_at(store_txn *t, const char *field, const char *from, uint64_t from_id,
                              const char *to, store_item_cb cb, void *ctx);
int store_walk_items_at(store_txn *t, uint64_t from_id, store_item_cb cb, void *ctx);

/* Counts: items, events; head seq and hash (32 zero bytes when empty). */
int store_counts(store_txn *t, uint64_t *items, uint64_t *events, unsigned char head[32]);

/*
 * Stored reply of (client, seq): 0, the digest of the request it answered in
 * digest, and a malloc'd copy of the reply in *buf and *len (caller frees);
 * RECT_E_NOT_FOUND, or rect_err.
 */
int store_reply_get(store_txn *t, const char *client, uint64_t seq, unsigned char digest[32], char **buf,
                    size_t *len);
/*
 * Store the reply to the request with this digest; keep at least the
 * newest keep. The oldest are pruned in steps (STORE_REPLY_PRUNE_STEP):
 * once more than keep + keep/16 (at most + that step) are stored, down to
 * keep, so that most writes touch no page of the pruning.
 */
#define STORE_REPLY_PRUNE_STEP 256
int store_reply_put(store_txn *t, const char *client, uint64_t seq, const unsigned char digest[32],
                    const char *buf, size_t len, uint64_t keep);

/* ---- the outbox (notify.c): notices, recipients, pending hook deliveries ---- */

/* A text value in meta (e.g. "job_day"): "" if absent. 0 or rect_err. */
int store_meta_text(store_txn *t, const char *key, char *buf, size_t len);
int store_meta_text_set(store_txn *t, const char *key, const char *value);

/*
 * Store a notice. With "id" 0 or absent it is new: an id is assigned (set in
 * the object) and it is indexed under its "recipient". Otherwise it replaces
 * the stored notice of that id (delivery state, read flag).
 */
int store_notice_put(store_txn *t, json_t *notice);
/*
 * Store a new notice serialised beforehand (off the loop): rest is its
 * compact JSON after a leading {"id":0 (so it starts with ',' or '}'), len
 * bytes, copied; the id assigned goes into the stored text and *id, and the
 * notice is indexed under user. 0 or rect_err.
 */
/* A stored notice's compact JSON as stored: *data valid until t ends. 0 or rect_err. */
int store_notice_raw(store_txn *t, uint64_t id, const char **data, size_t *len);
int store_notice_add_text(store_txn *t, const char *user, const char *rest, size_t len, uint64_t *id);
/* Load notice id: 0 and a new reference, RECT_E_NOT_FOUND, or rect_err; _sized also gives its size as stored. */
int store_notice_get(store_txn *t, uint64_t id, json_t **notice);
int store_notice_get_sized(store_txn *t, uint64_t id, json_t **notice, size_t *len);
/*
 * Ids of notices after `after`, in id order: of user, or of everyone when
 * user is NULL. cb returns 0 to go on, 1 to stop (a page is full: 0 is
 * returned), <0 error (returned).
 */
int store_notices_after(store_txn *t, const char *user, uint64_t after, store_id_cb cb, void *ctx);

/* Mark (on) or clear (!on) a pending delivery of notice to hook number `hook`. */
int store_pending_set(store_txn *t, uint64_t notice, uint32_t hook, int on);
typedef int (*store_pending_cb)(store_txn *t, uint64_t notice, uint32_t hook, void *ctx);
/* Every pending delivery, in notice order. cb: 0 go on, 1 stop, <0 error. */
int store_pending_scan(store_txn *t, store_pending_cb cb, void *ctx);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void store_hex(const unsigned char *in, size_t n, char *out);

/* ---- closeout ledgers (issue 4) -----------------------------------------
 *   inspections  name -> {"name","title","fed_back":{source: n},"created","by"} JSON
 *                a view of the inspection events (item 0, action "inspection"),
 *                written in the same transaction as the event (cmd_inspection_add)
 *   blob_uses    sha256 (32) ‖ item (8) ‖ seq (8) -> ""   (who filed which file)
 */

/* An inspection record: 0 and a new reference in *out (caller decrefs), RECT_E_NOT_FOUND, or rect_err. */
int store_inspection_get(store_txn *t, const char *name, json_t **out);
/* Store an inspection record, new or corrected (the caller checks which it means). */
int store_inspection_put(store_txn *t, const char *name, const json_t *rec);
/* Every inspection record in name order; rec is borrowed for the call only. cb: 0 go on, 1 stop, <0 error. */
typedef int (*store_inspection_cb)(const char *name, json_t *rec, void *ctx);
int store_scan_inspections(store_txn *t, store_inspection_cb cb, void *ctx);
/* The same names in the same order, the records not read (cb gets NULL for rec). */
int store_scan_inspection_names(store_txn *t, store_inspection_cb cb, void *ctx);

/* Record that event seq of item filed the blob sha256 (evidence, review files). */
int store_blob_use(store_txn *t, const unsigned char sha256[32], uint64_t item, uint64_t seq);
/* The uses of one blob (sha256), or of all blobs (NULL), in key order (sha, item, seq). */
typedef int (*store_use_cb)(const unsigned char sha256[32], uint64_t item, uint64_t seq, void *ctx);
int store_scan_blob_uses(store_txn *t, const unsigned char *sha256, store_use_cb cb, void *ctx);
/* Size in bytes of a stored blob: 0, RECT_E_NOT_FOUND or rect_err. */
int store_blob_size(store_txn *t, const unsigned char sha256[32], uint64_t *size);
/*
 * Read up to len bytes of the stored blob sha256 from offset, after checking
 * that the whole stored value still hashes to sha256 (so a damaged blob is
 * never returned in parts). The check is remembered in memory for 60
 * seconds (16 blobs at most), so the chunks of one download cost one hash
 * pass; a restart forgets it. 0 with a malloc'd copy in *out (caller frees;
 * NULL when no bytes), their number in *n and the blob's size in *total;
 * RECT_E_NOT_FOUND (no such blob), RECT_E_DAMAGED (*total set: the bytes no
 * longer match their address), RECT_E_BAD_VALUE (offset beyond the end,
 * *total set), RECT_E_NOMEM, or rect_err.
 */
int store_blob_read(store_txn *t, const unsigned char sha256[32], uint64_t offset, size_t len, char **out,
                    size_t *n, uint64_t *total);

/*
 * One stored event as bytes, for audits and replays. Every pointer is valid
 * only during the callback. prev/hash/canon are NULL when the stored value is
 * shorter than 64 bytes (corrupt); seq is 0 when the key is not 8 bytes.
 */
typedef struct {
    uint64_t seq;
    const unsigned char *prev, *hash; /* 32 bytes each, as stored */
    const char *canon;                /* canonical JSON, NOT NUL-terminated */
    size_t len;
} store_raw_event;
typedef int (*store_event_cb)(const store_raw_event *ev, void *ctx);
/* Walk the stored events in seq order from seq `from` (1 = all). cb: 0 go on, 1 stop, <0 error. */
int store_scan_events(store_txn *t, uint64_t from, store_event_cb cb, void *ctx);
/* One event decoded, with "prev" and "hash": 0 and a new reference, RECT_E_NOT_FOUND, or rect_err. */
int store_event_get(store_txn *t, uint64_t seq, json_t **out);
/* The stored chain counters: next_seq (0 or 1 when empty) and the head hash (zeros when empty). */
int store_head(store_txn *t, uint64_t *next_seq, unsigned char head[32]);

/*
 * Walk every raw entry of an index database in key order: db is an index
 * field of store_index_fields (key value ‖ 0 ‖ id), "refs" (ref ‖ 0 ‖
 * inspection -> id), "item_events" (id ‖ seq), "blob_uses" or "inspections"
 * (name -> record JSON, unparsed). key/val valid
 * during the callback only. RECT_E_INTERNAL for an unknown db.
 */
typedef int (*store_entry_cb)(const void *key, size_t klen, const void *val, size_t vlen, void *ctx);
int store_scan_entries(store_txn *t, const char *db, store_entry_cb cb, void *ctx);

/* ---- passwords (cmd_passwd.c) ---- */

/*
 * The stored password hash of user (crypto_pwhash_str text) into buf:
 * 0, RECT_E_NOT_FOUND when the user has none, or rect_err.
 */
int store_password_get(store_txn *t, const char *user, char *buf, size_t len);
/* Set user's password hash (replacing any). 0 or rect_err. */
int store_password_put(store_txn *t, const char *user, const char *hash);
/* Remove user's password hash (none is no error). 0 or rect_err. */
int store_password_del(store_txn *t, const char *user);

#endif

/* ---- backups (issue 11; cmd_backup.c) ------------------------------------ */

/*
 * Copy the live environment, compacted, into dir/data.mdb (dir must exist
 * and be empty) from a read transaction of its own, so writers go on
 * meanwhile; the file (mode 0600) and dir are fsync'd. Call it from a thread that
 * holds no transaction of s. 0, RECT_E_STORAGE_FULL ("disk full" in err),
 * RECT_E_BAD_VALUE when dir/data.mdb already exists (it is not this call's:
 * leave it), or RECT_E_INTERNAL, with a message in err.
 */
int store_backup(store *s, const char *dir, char *err, size_t errlen);

/*
 * Open the copy in dir (dir/data.mdb) read-only, without a lock file, and
 * check that it is a rectd database of this schema. 0 and a new store in
 * *out (store_close), or -1 with a message in err.
 */
int store_open_copy(const char *dir, store **out, char *err, size_t errlen);

/*
 * Put the database of copy in place as data_dir/data.mdb: refused while a
 * rectd holds data_dir's lock, and when data_dir already holds a data.mdb
 * unless force (then the old file is kept as data.mdb.replaced-TIME). The
 * copy is written into data_dir/restore.tmp and renamed in one step.
 * 0, or -1 with a message in err (nothing changed).
 */
int store_install_copy(store *copy, const char *data_dir, int force, char *err, size_t errlen);
