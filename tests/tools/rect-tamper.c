/*
 * rect-tamper - change rectd's database behind its back, as an insider with
 * file access could, so tests can show that `audit_verify` notices.
 * Run it only while rectd is STOPPED: it opens the LMDB environment
 * read-write and ignores rectd's lock file.
 *
 *   rect-tamper DATA_DIR note SEQ
 *       change one character of the "comment" of event SEQ in its stored
 *       canonical JSON, keeping the JSON valid and the stored hash as it was
 *   rect-tamper DATA_DIR unindex FIELD VALUE ID
 *       delete the entry VALUE ‖ 0 ‖ ID from the index idx_FIELD
 *   rect-tamper DATA_DIR inspection NAME JSON
 *       replace the stored record of inspection NAME (database inspections)
 *       with the bytes JSON, leaving its event as it was (e.g. a changed
 *       fed_back count)
 *   rect-tamper DATA_DIR rewrite SEQ JSON
 *       what the insider's script did: set the keys of the object JSON in
 *       event SEQ (e.g. {"actor": "x"}), store it in canonical form with a
 *       correct hash, and re-chain every later event (prev, hash) and the
 *       head, so that the chain alone verifies
 *   rect-tamper DATA_DIR item ID JSON
 *       replace the stored item ID with the bytes JSON (no index is touched)
 *   rect-tamper DATA_DIR truncate N
 *       delete the events after seq N and set the counter and the head to
 *       match, as if the log had ended there
 *   rect-tamper DATA_DIR blob SHA256 flip|delete
 *       flip one bit in the middle of the stored file SHA256 (database
 *       blobs), or delete it, leaving its events and blob_uses as they were
 *
 * Exit status: 0 done, 1 usage, 2 not found or not possible, 3 LMDB error.
 */
#include <errno.h>
#include <jansson.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_be64(unsigned long long v, unsigned char out[8])
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)(v & 0xff);
}

static int s_usage(void)
{
    fprintf(stderr, "usage: rect-tamper DATA_DIR note SEQ\n"
                    "       rect-tamper DATA_DIR unindex FIELD VALUE ID\n"
                    "       rect-tamper DATA_DIR inspection NAME JSON\n"
                    "       rect-tamper DATA_DIR rewrite SEQ JSON\n"
                    "       rect-tamper DATA_DIR item ID JSON\n"
                    "       rect-tamper DATA_DIR truncate N\n"
                    "       rect-tamper DATA_DIR blob SHA256 flip|delete\n");
    return 1;
}

/* Change one character of the comment in buf[0..len): 0, or -1 if there is none to change. */
static int s_change_note(unsigned char *buf, size_t len)
{
    static const char key[] = "\"comment\":\"";
    unsigned char *p = NULL;
    for (size_t i = 0; i + sizeof key - 1 <= len; i++)
        if (memcmp(buf + i, key, sizeof key - 1) == 0) {
            p = buf + i + sizeof key - 1;
            break;
        }
    if (!p || p >= buf + len || *p == '"' || *p == '\\')
        return -1;
    if (*p < 0x80) { /* ASCII: another letter or digit, never a quote or backslash */
        *p = (unsigned char)(*p == 'x' ? 'y' : 'x');
        return 0;
    }
    /* UTF-8: flip the lowest bit of the character's last byte (stays 0x80..0xBF). */
    unsigned char *q = p + 1;
    while (q < buf + len && (*q & 0xC0) == 0x80)
        q++;
    if (q == p + 1)
        return -1;
    q[-1] ^= 1;
    return 0;
}

/* Store event seq as prev ‖ hash ‖ canon with hash = SHA-256(prev ‖ canon); hash_out gets it. */
static int s_put_event(MDB_txn *txn, MDB_dbi dbi, unsigned long long seq, const unsigned char prev[32],
                       const char *canon, size_t len, unsigned char hash_out[32])
{
    unsigned char kb[8], *buf = malloc(64 + len);
    if (!buf)
        return ENOMEM;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, 32);
    crypto_hash_sha256_update(&st, (const unsigned char *)canon, len);
    crypto_hash_sha256_final(&st, hash_out);
    memcpy(buf, prev, 32);
    memcpy(buf + 32, hash_out, 32);
    memcpy(buf + 64, canon, len);
    s_be64(seq, kb);
    MDB_val k = {8, kb}, v = {64 + len, buf};
    int rc = mdb_put(txn, dbi, &k, &v, 0);
    free(buf);
    return rc;
}

/*
 * rewrite: event seq gets the keys of patch, then every event from seq on
 * is chained again from the stored prev of seq; the head follows.
 */
static int s_rewrite(MDB_txn *txn, unsigned long long seq, const char *patch_text)
{
    MDB_dbi events, meta;
    unsigned char kb[8], prev[32], hash[32];
    json_t *patch = json_loads(patch_text, 0, NULL);
    int rc;
    if (!json_is_object(patch)) {
        fprintf(stderr, "rect-tamper: rewrite needs a JSON object\n");
        json_decref(patch);
        return EINVAL;
    }
    if ((rc = mdb_dbi_open(txn, "events", 0, &events)) || (rc = mdb_dbi_open(txn, "meta", 0, &meta)))
        goto done;
    for (unsigned long long s = seq;; s++) {
        s_be64(s, kb);
        MDB_val k = {8, kb}, v;
        if ((rc = mdb_get(txn, events, &k, &v))) {
            if (rc == MDB_NOTFOUND && s > seq)
                rc = 0;
            break;
        }
        if (s == seq)
            memcpy(prev, v.mv_data, 32);
        json_t *ev = json_loadb((const char *)v.mv_data + 64, v.mv_size - 64, 0, NULL);
        if (!ev) {
            rc = MDB_CORRUPTED;
            break;
        }
        if (s == seq)
            json_object_update(ev, patch);
        char *canon = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(ev);
        if (!canon) {
            rc = ENOMEM;
            break;
        }
        rc = s_put_event(txn, events, s, prev, canon, strlen(canon), hash);
        free(canon);
        if (rc)
            break;
        memcpy(prev, hash, 32);
    }
    MDB_val hk = {4, "head"}, hv = {32, prev};
    if (!rc)
        rc = mdb_put(txn, meta, &hk, &hv, 0);
done:
    json_decref(patch);
    return rc;
}

/* truncate: events after n are gone; next_seq and head as if the log ended at n. */
static int s_truncate(MDB_txn *txn, unsigned long long n)
{
    MDB_dbi events, meta;
    unsigned char kb[8], head[32] = {0}, next[8];
    int rc;
    if ((rc = mdb_dbi_open(txn, "events", 0, &events)) || (rc = mdb_dbi_open(txn, "meta", 0, &meta)))
        return rc;
    s_be64(n, kb);
    MDB_val k = {8, kb}, v;
    if (n > 0) {
        if ((rc = mdb_get(txn, events, &k, &v)))
            return rc;
        memcpy(head, (const char *)v.mv_data + 32, 32);
    }
    for (unsigned long long s = n + 1;; s++) {
        s_be64(s, kb);
        if ((rc = mdb_del(txn, events, &k, NULL)))
            break;
    }
    if (rc != MDB_NOTFOUND)
        return rc;
    s_be64(n + 1, next);
    MDB_val hk = {4, "head"}, hv = {32, head}, nk = {8, "next_seq"}, nv = {8, next};
    if ((rc = mdb_put(txn, meta, &hk, &hv, 0)))
        return rc;
    return mdb_put(txn, meta, &nk, &nv, 0);
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return s_usage();
    int note = strcmp(argv[2], "note") == 0, unindex = strcmp(argv[2], "unindex") == 0;
    int insp = strcmp(argv[2], "inspection") == 0, rewrite = strcmp(argv[2], "rewrite") == 0;
    int item = strcmp(argv[2], "item") == 0, truncate = strcmp(argv[2], "truncate") == 0;
    int blob = strcmp(argv[2], "blob") == 0;
    unsigned char sha[32];
    if (blob && (argc != 5 || (strcmp(argv[4], "flip") != 0 && strcmp(argv[4], "delete") != 0) ||
                 sodium_hex2bin(sha, 32, argv[3], strlen(argv[3]), NULL, NULL, NULL) != 0))
        return s_usage();
    if (!blob && ((note && argc != 4) || (unindex && argc != 6) || (insp && argc != 5) ||
                  (rewrite && argc != 5) || (item && argc != 5) || (truncate && argc != 4) ||
                  (!note && !unindex && !insp && !rewrite && !item && !truncate)))
        return s_usage();

    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    int rc, status = 3;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 64)) ||
        (rc = mdb_env_open(env, argv[1], 0, 0600)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)))
        goto fail;
    if (rewrite || truncate) {
        if ((rc = rewrite ? s_rewrite(txn, strtoull(argv[3], NULL, 10), argv[4])
                          : s_truncate(txn, strtoull(argv[3], NULL, 10))))
            goto fail;
    } else if (blob) {
        MDB_val k = {32, sha}, v;
        if ((rc = mdb_dbi_open(txn, "blobs", 0, &dbi)) || (rc = mdb_get(txn, dbi, &k, &v)))
            goto fail;
        if (strcmp(argv[4], "delete") == 0) {
            if ((rc = mdb_del(txn, dbi, &k, NULL)))
                goto fail;
        } else {
            unsigned char *copy = malloc(v.mv_size ? v.mv_size : 1);
            if (!copy || !v.mv_size) {
                free(copy);
                fprintf(stderr, "rect-tamper: blob %s is empty\n", argv[3]);
                status = 2;
                goto out;
            }
            memcpy(copy, v.mv_data, v.mv_size);
            copy[v.mv_size / 2] ^= 0x01;
            MDB_val nv = {v.mv_size, copy};
            rc = mdb_put(txn, dbi, &k, &nv, 0);
            free(copy);
            if (rc)
                goto fail;
        }
    } else if (item) {
        unsigned char kb[8];
        s_be64(strtoull(argv[3], NULL, 10), kb);
        MDB_val k = {8, kb}, v, nv = {strlen(argv[4]), argv[4]};
        if ((rc = mdb_dbi_open(txn, "items", 0, &dbi)) || (rc = mdb_get(txn, dbi, &k, &v)) ||
            (rc = mdb_put(txn, dbi, &k, &nv, 0)))
            goto fail;
    } else if (note) {
        unsigned char kb[8];
        s_be64(strtoull(argv[3], NULL, 10), kb);
        MDB_val k = {8, kb}, v;
        if ((rc = mdb_dbi_open(txn, "events", 0, &dbi)) || (rc = mdb_get(txn, dbi, &k, &v)))
            goto fail;
        unsigned char *copy = malloc(v.mv_size);
        if (!copy)
            goto fail;
        memcpy(copy, v.mv_data, v.mv_size);
        if (v.mv_size < 64 || s_change_note(copy + 64, v.mv_size - 64) != 0) {
            fprintf(stderr, "rect-tamper: event %s has no comment to change\n", argv[3]);
            free(copy);
            status = 2;
            goto out;
        }
        MDB_val nv = {v.mv_size, copy};
        rc = mdb_put(txn, dbi, &k, &nv, 0);
        free(copy);
        if (rc)
            goto fail;
    } else if (insp) {
        /* Only an existing record is rewritten: the tamper changes, it does not add. */
        MDB_val k = {strlen(argv[3]), argv[3]}, v, nv = {strlen(argv[4]), argv[4]};
        if ((rc = mdb_dbi_open(txn, "inspections", 0, &dbi)) || (rc = mdb_get(txn, dbi, &k, &v)) ||
            (rc = mdb_put(txn, dbi, &k, &nv, 0)))
            goto fail;
    } else {
        char name[160];
        unsigned char kb[600];
        size_t n = strlen(argv[4]);
        snprintf(name, sizeof name, "idx_%s", argv[3]);
        if (n + 9 > sizeof kb)
            return s_usage();
        memcpy(kb, argv[4], n);
        kb[n] = 0;
        s_be64(strtoull(argv[5], NULL, 10), kb + n + 1);
        MDB_val k = {n + 9, kb};
        if ((rc = mdb_dbi_open(txn, name, 0, &dbi)) || (rc = mdb_del(txn, dbi, &k, NULL)))
            goto fail;
    }
    if ((rc = mdb_txn_commit(txn))) {
        txn = NULL;
        goto fail;
    }
    txn = NULL;
    status = 0;
    goto out;
fail:
    fprintf(stderr, "rect-tamper: %s\n", mdb_strerror(rc));
    if (rc == MDB_NOTFOUND)
        status = 2;
out:
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    return status;
}
