/*
 * ledger_verify.c - `rectctl ledger check FILE.json --key rectd.pub`: check a
 * saved ledger's signature and every digest it signs, offline (no config,
 * no rectd), and name every row and field that was changed since rectd
 * signed it. The format is docs/PROTOCOL.md "A signed ledger"; the digests
 * come from common/sig.c, the same code rectd signs with.
 */
#include "ledger_verify.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"
#include "rect_sig.h"

int cli_read_public_key(const char *path, unsigned char pub[32])
{
    FILE *in = fopen(path, "rb");
    char text[8192];
    if (!in) {
        cli_error(_("cannot read %s: %s"), path, strerror(errno));
        return RECT_EXIT_USAGE;
    }
    size_t n = fread(text, 1, sizeof text - 1, in);
    int bad = ferror(in) || n == sizeof text - 1 || memchr(text, '\0', n);
    fclose(in);
    text[n] = '\0';
    int line = 0;
    if (bad || sig_key_find(text, SIG_PUBLIC_TAG, pub, 32, &line) != 0) {
        cli_error(_("%s: not a rectd public key file (one line \"%s: <64 hex digits>\", as rectd "
                    "writes beside its signing key)"),
                  path, SIG_PUBLIC_TAG);
        return RECT_EXIT_USAGE;
    }
    return RECT_EXIT_OK;
}

/* Print one difference; returns 1 (one more difference). */
static int s_differs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_differs(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    return 1;
}

/* "id REF" of a row digest entry (or of a row), for messages. */
static void s_row_name(const json_t *r, char *buf, size_t len)
{
    const char *ref = json_string_value(json_object_get(r, "ref"));
    snprintf(buf, len, "%lld (%s)", (long long)json_integer_value(json_object_get(r, "id")), ref ? ref : "-");
}

/* Compare the signed field digests with the file's; print each that differs. */
static int s_fields(const char *path, const json_t *want, const json_t *have)
{
    int bad = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v) {
        json_t *h = json_object_get(have, k);
        if (!h)
            bad += s_differs(_("%s: %s was removed since rectd signed the ledger\n"), path, k);
        else if (!json_equal(v, h))
            bad += s_differs(_("%s: %s was changed since rectd signed the ledger\n"), path, k);
    }
    json_object_foreach((json_t *)have, k, v)
        if (!json_object_get(want, k))
            bad += s_differs(_("%s: %s was added since rectd signed the ledger\n"), path, k);
    return bad;
}

/* Compare the rows by id: changed, removed, added. */
static int s_rows(const char *path, const json_t *want, const json_t *have)
{
    json_t *by_id = json_object();
    char key[32], name[256];
    size_t i;
    json_t *r;
    int bad = 0;
    if (!by_id) {
        cli_error(_("out of memory"));
        return 1;
    }
    json_array_foreach((json_t *)want, i, r) {
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        json_object_set(by_id, key, r);
    }
    json_array_foreach((json_t *)have, i, r) {
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
        json_t *w = json_object_get(by_id, key);
        if (!w) {
            s_row_name(r, name, sizeof name);
            bad += s_differs(_("%s: row %s was added since rectd signed the ledger\n"), path, name);
            continue;
        }
        s_row_name(w, name, sizeof name);
        if (!json_equal(json_object_get(w, "sha256"), json_object_get(r, "sha256")))
            bad += s_differs(_("%s: row %s was changed since rectd signed the ledger\n"), path, name);
        json_object_del(by_id, key);
    }
    const char *k;
    json_object_foreach(by_id, k, r) {
        s_row_name(r, name, sizeof name);
        bad += s_differs(_("%s: row %s was removed since rectd signed the ledger\n"), path, name);
    }
    json_decref(by_id);
    return bad;
}

int cli_ledger_verify_offline(const char *path, const char *key_path)
{
    unsigned char pub[32];
    char pub_hex[65];
    json_error_t jerr;
    json_t *have = NULL;
    int rc = cli_read_public_key(key_path, pub);
    if (rc != RECT_EXIT_OK)
        return rc;
    if (sodium_init() < 0) {
        cli_error(_("cannot initialise libsodium"));
        return RECT_EXIT_USAGE;
    }
    sig_hex(pub, 32, pub_hex);
    json_t *saved = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!saved) {
        cli_error(_("%s: not a JSON ledger: %s (line %d)"), path, jerr.text, jerr.line);
        return RECT_EXIT_USAGE;
    }
    const json_t *sig = json_object_get(saved, "signature");
    const json_t *want = json_object_get(sig, "signed");
    const char *format = json_string_value(json_object_get(sig, "format"));
    const char *signer = json_string_value(json_object_get(sig, "public_key"));
    rc = RECT_EXIT_REFUSED;
    if (!json_is_array(json_object_get(saved, "rows")) || !format || strcmp(format, SIG_LEDGER_FORMAT) != 0 ||
        !json_is_object(want)) {
        printf(_("%s is not a signed ledger (no signature %s): save one with "
                 "'rectctl ledger --format json -o FILE'\n"),
               path, SIG_LEDGER_FORMAT);
        goto done;
    }
    /* The kept key decides; public_key (not signed) only explains a failure. */
    int vrc = sig_verify(SIG_LEDGER_FORMAT, want, json_string_value(json_object_get(sig, "value")), pub);
    if (vrc == RECT_E_BAD_VALUE && (!signer || strcasecmp(signer, pub_hex) != 0)) {
        printf(_("%s was signed by another key (%.16s…), not by the key in %s (%.16s…)\n"), path,
               signer ? signer : "?", key_path, pub_hex);
        goto done;
    }
    if (vrc == RECT_E_BAD_VALUE) {
        printf(_("%s: the signature does not verify with %s: the signature or the digests it signs "
                 "were altered\n"),
               path, key_path);
        goto done;
    }
    if (vrc != 0 || sig_ledger_digests(saved, &have) != 0) {
        printf(_("%s: cannot recompute its digests (a number that is not an integer, or out of "
                 "memory)\n"),
               path);
        goto done;
    }
    /* The signature is rectd's: now every digest it signs names what changed since
     * (the head is one of the fields). */
    int bad = 0;
    bad += s_fields(path, json_object_get(want, "fields"), json_object_get(have, "fields"));
    bad += s_rows(path, json_object_get(want, "rows"), json_object_get(have, "rows"));
    if (!bad && !json_equal(json_object_get(want, "ledger_sha256"), json_object_get(have, "ledger_sha256")))
        bad += s_differs(_("%s: the rows were reordered or repeated since rectd signed the ledger\n"), path);
    if (bad) {
        printf(ngettext("%s does not match its signature: %d difference\n",
                        "%s does not match its signature: %d differences\n", bad),
               path, bad);
        goto done;
    }
    const json_t *head = json_object_get(want, "head");
    const char *hash = json_string_value(json_object_get(head, "hash"));
    printf(_("ok: %s is signed by the key in %s (%.16s…): head #%lld %s, %zu rows, every row and "
             "field as signed\n"),
           path, key_path, pub_hex, (long long)json_integer_value(json_object_get(head, "seq")),
           hash ? hash : "-", json_array_size(json_object_get(saved, "rows")));
    /* a ledger of the record as it was at an older seq: say that more came after */
    const json_t *whole = json_object_get(saved, "record_head"); /* signed: the fields are checked above */
    long long cut = json_integer_value(json_object_get(head, "seq")),
              all = json_integer_value(json_object_get(whole, "seq"));
    const char *whole_hash = json_string_value(json_object_get(whole, "hash"));
    if (whole && all > cut)
        printf(_("note: this ledger is the record as of event #%lld; when it was made the record already "
                 "had %lld events (#%lld %s): what came after #%lld is not in it\n"),
               cut, all, all, whole_hash ? whole_hash : "-", cut);
    rc = RECT_EXIT_OK;
done:
    json_decref(have);
    json_decref(saved);
    return rc;
}
