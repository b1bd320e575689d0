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
 *
 * Exit status: 0 done, 1 usage, 2 not found or not possible, 3 LMDB error.
 */
#include <lmdb.h>
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
                    "       rect-tamper DATA_DIR inspection NAME JSON\n");
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

int main(int argc, char **argv)
{
    if (argc < 4)
        return s_usage();
    int note = strcmp(argv[2], "note") == 0, unindex = strcmp(argv[2], "unindex") == 0;
    int insp = strcmp(argv[2], "inspection") == 0;
    if ((note && argc != 4) || (unindex && argc != 6) || (insp && argc != 5) || (!note && !unindex && !insp))
        return s_usage();

    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    int rc, status = 3;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 64)) || (rc = mdb_env_open(env, argv[1], 0, 0600)) ||
        (rc = mdb_txn_begin(env, NULL, 0, &txn)))
        goto fail;
    if (note) {
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
