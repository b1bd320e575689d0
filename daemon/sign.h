/*
 * sign.h - rectd's own Ed25519 key and what it signs: ledgers and anchors
 * (docs/PROTOCOL.md "Signed ledgers and anchors"; docs/SECURITY.md). sign.c
 * is the only file that holds the secret key or signs.
 *
 * The key is process-wide: sign_open() loads it once at start, before any
 * reader thread runs; afterwards it is only read, so every function here
 * may be called from several threads at once. Functions return 0 or a
 * negative rect_err.
 */
#ifndef RECT_SIGN_H
#define RECT_SIGN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Load the secret key file at path (absolute), or create it when it does
 * not exist: a new key pair, the secret file mode 0600 (its folder created
 * 0700), and beside it the public half, path minus ".key" plus ".pub"
 * (mode 0644), which is written again if missing. Refuses a secret file
 * readable or writable by group or others, one that is malformed, and a
 * .pub that does not match it. Logs on stderr what it created and which
 * key it signs with. Returns 0, or -1 with "FILE: what is wrong" in err.
 */
int sign_open(const char *path, char *err, size_t errlen);

/* Forget the key (wiped from memory). Safe to call when none is loaded. */
void sign_close(void);

/* rectd's public key as 64 hex digits (static; "" when no key is loaded). */
const char *sign_public_hex(void);

/*
 * Add "signature" (replacing one already there) to a ledger result,
 * modified in place: {"format", "public_key", "signed", "value"}.
 * RECT_E_INTERNAL when no key is loaded; RECT_E_NOMEM.
 */
int sign_ledger(json_t *ledger);

/*
 * A new signed anchor of the chain head (seq, 64 hex digits of its hash,
 * at: the UTC instant now) in *out (caller decrefs):
 * {"format", "seq", "hash", "at", "public_key", "signature"}.
 */
int sign_anchor(uint64_t seq, const char *hash_hex, const char *at, json_t **out);

/*
 * Check that anchor is well formed and signed by rectd's key. 0 if so;
 * RECT_E_BAD_VALUE for a malformed anchor and RECT_E_PERMISSION_DENIED for
 * a signature that does not verify with rectd's key, both with a message
 * in msg; RECT_E_NOMEM.
 */
int sign_anchor_check(const json_t *anchor, char *msg, size_t len);

#endif
