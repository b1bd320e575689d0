/*
 * rect_sig.h - signed ledgers and signed anchors (docs/PROTOCOL.md "Signed
 * ledgers and anchors"): their canonical bytes, the digests a ledger's
 * signature covers, the key file lines, and checking an Ed25519 signature.
 *
 * Shared by rectd (daemon/sign.c, the only code that holds the secret key
 * and signs) and rectctl (ledger check --key, which verifies offline).
 * common/sig.c. Functions return 0 or a negative rect_err unless they say
 * otherwise; libsodium must be initialised (sodium_init) by the caller.
 */
#ifndef RECT_SIG_H
#define RECT_SIG_H

#include <jansson.h>
#include <stddef.h>

/* Domain separation: the signed bytes are FORMAT "\n" canonical-JSON. */
#define SIG_LEDGER_FORMAT "rectd-ledger-v1"
#define SIG_ANCHOR_FORMAT "rectd-anchor-v1"

/* Key file lines: "TAG: HEX". */
#define SIG_SECRET_TAG "ed25519-secret" /* 32 bytes: the RFC 8032 private key (libsodium's seed) */
#define SIG_PUBLIC_TAG "ed25519-public" /* 32 bytes */

/*
 * Canonical bytes of v: compact JSON, keys sorted by their UTF-8 bytes,
 * strings escaped exactly as Python's json.dumps(ensure_ascii=False) does
 * (\" \\ \b \f \n \r \t, other U+0000..U+001F as \u00xx in lower-case hex,
 * nothing else), integers in decimal. A real number anywhere in v is
 * RECT_E_BAD_VALUE (its text could drift). On success *out is a new
 * NUL-terminated string (caller frees); RECT_E_NOMEM otherwise.
 */
int sig_canon(const json_t *v, char **out);

/*
 * v as JSON text (json_dump_callback with flags), whole or not at all: a
 * new string (caller frees), or NULL when any write failed. Not
 * json_dumps: jansson 2.14 drops an object key whose write fails and
 * returns the rest. grow is the realloc to use for the text (NULL:
 * realloc; rectd passes fault_realloc so tests can fail it).
 */
char *sig_json_text(const json_t *v, size_t flags, void *(*grow)(void *, size_t));

/* Lower-case hex of SHA-256(canonical bytes of v) into hex (65 bytes). */
int sig_digest(const json_t *v, char hex[65]);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void sig_hex(const unsigned char *in, size_t n, char *out);

/* Exactly 2n hex digits (either case) into n bytes: 0, or -1 if hex is not that. */
int sig_unhex(const char *hex, unsigned char *out, size_t n);

/*
 * What a ledger's signature covers: a new object in *out (caller decrefs)
 *   {"head": ledger.head,
 *    "ledger_sha256": digest of the ledger without its "signature",
 *    "fields": {KEY: digest of ledger[KEY]} for every key but rows and signature,
 *    "rows": [{"id": row.id, "ref": row.ref, "sha256": digest of row}, ...]}
 * (absent id/ref/head become null). RECT_E_BAD_VALUE when ledger is not an
 * object with a rows array, or holds a real number.
 */
int sig_ledger_digests(const json_t *ledger, json_t **out);

/*
 * The bytes a signature is made over: format, "\n", the canonical bytes of
 * body. *out (caller frees) and *len.
 */
int sig_message(const char *format, const json_t *body, unsigned char **out, size_t *len);

/* The part of an anchor that is signed: a new {"at", "hash", "seq"} (NULL: out of memory). */
json_t *sig_anchor_body(const json_t *anchor);

/*
 * 0 if sig_hexstr (128 hex digits) is a valid Ed25519 signature by pub over
 * sig_message(format, body); RECT_E_BAD_VALUE if not (or not hex),
 * RECT_E_NOMEM.
 */
int sig_verify(const char *format, const json_t *body, const char *sig_hexstr, const unsigned char pub[32]);

/*
 * Find the line "TAG: HEX" (tag e.g. SIG_PUBLIC_TAG) in a key file's text
 * (blank lines and lines starting with '#' are comments) and decode its n
 * bytes into out. Returns 0; -1 if there is no such line, -2 if there are
 * several, -3 if its value is not 2n hex digits, -4 if a line is neither a
 * comment nor "NAME: VALUE" (*line gets the line number where that applies).
 */
int sig_key_find(const char *text, const char *tag, unsigned char *out, size_t n, int *line);

#endif
