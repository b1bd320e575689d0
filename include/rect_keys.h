/*
 * rect_keys.h - CURVE key pairs (ZeroMQ's Curve25519) and the files that
 * hold them, shared by rectd and rectctl (common/keys.c).
 *
 * A key is kept in Z85 text (40 characters for 32 bytes), the form libzmq's
 * ZMQ_CURVE_* options and rectd.conf's users[].public_key take. Two files
 * per key pair (docs/SECURITY.md, "Key files"):
 *
 *   NAME.key   the secret file, mode 0600:   user: NAME / public: Z85 / secret: Z85
 *   NAME.pub   the public half, mode 0644:   user: NAME / public: Z85
 *
 * Lines starting with "#" are comments. A secret file that the group or
 * others may read is refused: whoever can read it can act as NAME.
 */
#ifndef RECT_KEYS_H
#define RECT_KEYS_H

#include <stddef.h>

#define RECT_Z85_LEN 40 /* characters of a Z85 key, without the NUL */

typedef struct {
    char user[129]; /* the "user:" line ("" when absent) */
    char public_z85[RECT_Z85_LEN + 1];
    char secret_z85[RECT_Z85_LEN + 1]; /* "" when read from a .pub file */
} rect_key;

/* 1 if s is a 40-character Z85 text that decodes to 32 bytes, else 0. */
int keys_valid_z85(const char *s);

/* A new random key pair for user (may be "") into *k. 0, or -1 if libzmq has no CURVE. */
int keys_generate(const char *user, rect_key *k);

/*
 * Write k as PATH.key (secret, mode 0600) and PATH.pub (mode 0644), where
 * base is PATH (without the suffix). Refuses to replace an existing file
 * unless force. The folder is created (mode 0700) if missing. 0, or -1
 * with err set ("FILE: what is wrong").
 */
int keys_write(const char *base, const rect_key *k, int force, char *err, size_t errlen);

/*
 * Read a key file. With need_secret, the file must hold a secret key whose
 * public half matches its "public:" line, and must not be readable by the
 * group or others. 0 and *k filled, or -1 with err set ("FILE: what is
 * wrong, and what to do").
 */
int keys_read(const char *path, int need_secret, rect_key *k, char *err, size_t errlen);

/*
 * A public key given in the config: either 40 characters of Z85, or the
 * path of a .pub (or .key) file (relative paths against dir). The Z85 into
 * out. 0, or -1 with err set.
 */
int keys_public_of(const char *value, const char *dir, char out[RECT_Z85_LEN + 1], char *err, size_t errlen);

/* The base of a key file (PATH.key -> PATH; other names unchanged) into out. */
void keys_base(const char *key_file, char *out, size_t len);

/* A short fingerprint of a Z85 public key for people: the first 8 characters, into out. */
const char *keys_short(const char *z85, char out[9]);

#endif
