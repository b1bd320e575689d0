/*
 * sign.c - rectd's Ed25519 key file and the signatures on ledgers and
 * anchors (sign.h). The signed bytes are built by common/sig.c, which
 * rectctl shares to verify them.
 */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rect_proto.h"
#include "log.h"
#include "rect_sig.h"

#define S_KEY_FILE_MAX 4096

static struct {
    int loaded;
    unsigned char sk[crypto_sign_SECRETKEYBYTES]; /* libsodium's: seed ‖ public */
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char pk_hex[2 * crypto_sign_PUBLICKEYBYTES + 1];
} s_key;

static int s_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* The public file beside the secret one: path minus ".key", plus ".pub". Caller frees. */
static char *s_pub_path(const char *path)
{
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".key") == 0)
        n -= 4;
    char *p = malloc(n + 5);
    if (p) {
        memcpy(p, path, n);
        memcpy(p + n, ".pub", 5);
    }
    return p;
}

/* Create the folders above path that are missing, mode 0700. */
static int s_mkdirs(const char *path, char *err, size_t len)
{
    char *dir = strdup(path);
    if (!dir)
        return s_err(err, len, "out of memory");
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; rc == 0; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char c = *p;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = s_err(err, len, "%s: cannot create the folder: %s", dir, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    free(dir);
    return rc;
}

/*
 * Write text to path with mode, durably: a temporary file beside it, then
 * link() (exclusive: returns 1 and writes nothing if path exists) or
 * rename() over it. 0, 1, or -1 with a message.
 */
static int s_write_file(const char *path, const char *text, mode_t mode, int exclusive, char *err, size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return s_err(err, len, "out of memory");
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    int rc = -1, fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t tl = strlen(text);
    if (fd < 0) {
        s_err(err, len, "%s: cannot create: %s", tmp, strerror(errno));
        goto done;
    }
    if (fchmod(fd, mode) != 0 || write(fd, text, tl) != (ssize_t)tl || fsync(fd) != 0) {
        s_err(err, len, "%s: cannot write: %s", tmp, strerror(errno));
        close(fd);
        goto done;
    }
    close(fd);
    if ((exclusive ? link(tmp, path) : rename(tmp, path)) != 0) {
        /* Another rectd made the key first: use that one. */
        rc = exclusive && errno == EEXIST ? 1
                                          : s_err(err, len, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    unlink(tmp);
    free(tmp);
    return rc;
}

/* A key file's text into buf (NUL-terminated). 0, or -1 with a message. */
static int s_read_file(const char *path, char *buf, size_t cap, char *err, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s_err(err, len, "%s: cannot read: %s", path, strerror(errno));
    ssize_t got = read(fd, buf, cap);
    int e = errno;
    close(fd);
    if (got < 0)
        return s_err(err, len, "%s: cannot read: %s", path, strerror(e));
    if ((size_t)got >= cap)
        return s_err(err, len, "%s: malformed: too large to be a key file", path);
    buf[got] = '\0';
    if (memchr(buf, '\0', (size_t)got))
        return s_err(err, len, "%s: malformed: not a text file", path);
    return 0;
}

/* One "TAG: HEX" line of a key file, decoded; -1 with "FILE: malformed: why". */
static int s_key_line(const char *path, const char *text, const char *tag, unsigned char *out, size_t n,
                      char *err, size_t len)
{
    int line = 0;
    switch (sig_key_find(text, tag, out, n, &line)) {
    case 0:
        return 0;
    case -1:
        return s_err(err, len, "%s: malformed: no line \"%s: <%zu hex digits>\"", path, tag, 2 * n);
    case -2:
        return s_err(err, len, "%s:%d: malformed: a second %s line", path, line, tag);
    case -3:
        return s_err(err, len, "%s:%d: malformed: %s must be %zu hex digits", path, line, tag, 2 * n);
    default:
        return s_err(err, len, "%s:%d: malformed: expected \"NAME: VALUE\" or a # comment", path, line);
    }
}

/* The .pub file's text for public key hex. */
static void s_pub_text(const char *hex, char *buf, size_t len)
{
    snprintf(buf, len,
             "# rectd's public signing key (Ed25519): it checks signed ledgers and anchors.\n"
             "# Give it to the county; it is not secret.\n"
             "%s: %s\n",
             SIG_PUBLIC_TAG, hex);
}

/* A new key pair written to path (0600) and pub (0644). */
static int s_create(const char *path, const char *pub, char *err, size_t len)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char seed_hex[65], pk_hex[65], text[1024];
    if (s_mkdirs(path, err, len) != 0)
        return -1;
    crypto_sign_keypair(pk, sk);
    sig_hex(sk, 32, seed_hex);
    sig_hex(pk, 32, pk_hex);
    snprintf(text, sizeof text,
             "# rectd's secret signing key (Ed25519; docs/PROTOCOL.md \"Key files\").\n"
             "# Keep it secret and mode 0600; never copy it off this machine.\n"
             "%s: %s\n%s: %s\n",
             SIG_SECRET_TAG, seed_hex, SIG_PUBLIC_TAG, pk_hex);
    int rc = s_write_file(path, text, 0600, 1, err, len);
    sodium_memzero(text, sizeof text);
    sodium_memzero(seed_hex, sizeof seed_hex);
    sodium_memzero(sk, sizeof sk);
    if (rc == 1)
        return 0; /* made meanwhile by another rectd: s_load reads it */
    if (rc == 0) {
        s_pub_text(pk_hex, text, sizeof text);
        rc = s_write_file(pub, text, 0644, 0, err, len);
    }
    if (rc == 0)
        log_msg(LOG_LEVEL_NOTICE,
                "created the signing key %s and its public half %s (give that to the county)", path, pub);
    return rc;
}

/* Load and check the secret file at path into s_key. */
static int s_load(const char *path, char *err, size_t len)
{
    struct stat st;
    char text[S_KEY_FILE_MAX];
    unsigned char seed[32], pk[32];
    if (stat(path, &st) != 0)
        return s_err(err, len, "%s: cannot read: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return s_err(err, len, "%s: malformed: not a regular file", path);
    if (st.st_mode & 077)
        return s_err(err, len, "%s: the signing key is open to group or others (mode %03o): chmod 600 %s",
                     path, (unsigned)(st.st_mode & 0777), path);
    int rc = s_read_file(path, text, sizeof text, err, len);
    if (rc == 0)
        rc = s_key_line(path, text, SIG_SECRET_TAG, seed, 32, err, len);
    if (rc == 0)
        rc = s_key_line(path, text, SIG_PUBLIC_TAG, pk, 32, err, len);
    if (rc == 0 && crypto_sign_seed_keypair(s_key.pk, s_key.sk, seed) != 0)
        rc = s_err(err, len, "%s: cannot derive the key pair", path);
    if (rc == 0 && sodium_memcmp(pk, s_key.pk, 32) != 0)
        rc = s_err(err, len, "%s: malformed: its %s line is not the public half of its %s line", path,
                   SIG_PUBLIC_TAG, SIG_SECRET_TAG);
    sodium_memzero(text, sizeof text);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

/* The .pub file holds our public key; written when missing. */
static int s_check_pub(const char *pub, char *err, size_t len)
{
    char text[S_KEY_FILE_MAX];
    unsigned char pk[32];
    if (access(pub, F_OK) != 0 && errno == ENOENT) {
        s_pub_text(s_key.pk_hex, text, sizeof text);
        if (s_write_file(pub, text, 0644, 0, err, len) != 0)
            return -1;
        log_msg(LOG_LEVEL_NOTICE, "wrote the missing public half of the signing key, %s", pub);
        return 0;
    }
    if (s_read_file(pub, text, sizeof text, err, len) != 0 ||
        s_key_line(pub, text, SIG_PUBLIC_TAG, pk, 32, err, len) != 0)
        return -1;
    if (memcmp(pk, s_key.pk, 32) != 0)
        return s_err(err, len,
                     "%s: not the public half of the signing key beside it: move it away and rectd "
                     "writes the right one",
                     pub);
    return 0;
}

int sign_open(const char *path, char *err, size_t errlen)
{
    char *pub = s_pub_path(path);
    int rc = -1;
    if (!pub)
        return s_err(err, errlen, "out of memory");
    if (sodium_init() < 0) {
        s_err(err, errlen, "cannot initialise libsodium");
        goto done;
    }
    sign_close();
    if (access(path, F_OK) != 0 && errno == ENOENT && s_create(path, pub, err, errlen) != 0)
        goto done;
    if (s_load(path, err, errlen) != 0)
        goto done;
    sig_hex(s_key.pk, sizeof s_key.pk, s_key.pk_hex);
    s_key.loaded = 1;
    if (s_check_pub(pub, err, errlen) != 0) {
        sign_close();
        goto done;
    }
    log_msg(LOG_LEVEL_INFO, "signing ledgers and anchors with key %.16s… (%s)", s_key.pk_hex, pub);
    rc = 0;
done:
    free(pub);
    return rc;
}

void sign_close(void)
{
    sodium_memzero(&s_key, sizeof s_key);
}

const char *sign_public_hex(void)
{
    return s_key.pk_hex;
}

/* Sign format "\n" canon(body): 128 hex digits into hex. */
static int s_sign(const char *format, const json_t *body, char hex[2 * crypto_sign_BYTES + 1])
{
    unsigned char sig[crypto_sign_BYTES], *m;
    size_t len;
    if (!s_key.loaded)
        return RECT_E_INTERNAL;
    int rc = sig_message(format, body, &m, &len);
    if (rc)
        return rc;
    crypto_sign_detached(sig, NULL, m, len, s_key.sk);
    free(m);
    sig_hex(sig, sizeof sig, hex);
    return 0;
}

int sign_ledger(json_t *ledger)
{
    char hex[2 * crypto_sign_BYTES + 1];
    json_t *body = NULL;
    if (!s_key.loaded)
        return RECT_E_INTERNAL;
    int rc = sig_ledger_digests(ledger, &body);
    if (!rc)
        rc = s_sign(SIG_LEDGER_FORMAT, body, hex);
    if (!rc && json_object_set_new(ledger, "signature",
                                   json_pack("{sssssOss}", "format", SIG_LEDGER_FORMAT, "public_key",
                                             s_key.pk_hex, "signed", body, "value", hex)))
        rc = RECT_E_NOMEM;
    json_decref(body);
    return rc;
}

int sign_anchor(uint64_t seq, const char *hash_hex, const char *at, json_t **out)
{
    char hex[2 * crypto_sign_BYTES + 1];
    json_t *a = json_pack("{sssIssss}", "format", SIG_ANCHOR_FORMAT, "seq", (json_int_t)seq, "hash", hash_hex,
                          "at", at);
    json_t *body = a ? sig_anchor_body(a) : NULL;
    int rc = body ? s_sign(SIG_ANCHOR_FORMAT, body, hex) : RECT_E_NOMEM;
    if (!rc && (json_object_set_new(a, "public_key", json_string(s_key.pk_hex)) ||
                json_object_set_new(a, "signature", json_string(hex))))
        rc = RECT_E_NOMEM;
    json_decref(body);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

int sign_anchor_check(const json_t *anchor, char *msg, size_t len)
{
    const char *format = json_string_value(json_object_get(anchor, "format"));
    const char *hash = json_string_value(json_object_get(anchor, "hash"));
    const char *key = json_string_value(json_object_get(anchor, "public_key"));
    json_t *seq = json_object_get(anchor, "seq");
    unsigned char h[32];
    if (!format || strcmp(format, SIG_ANCHOR_FORMAT) != 0 || !json_is_integer(seq) ||
        json_integer_value(seq) < 1 || sig_unhex(hash, h, 32) != 0 ||
        !json_is_string(json_object_get(anchor, "at")) || !key ||
        !json_is_string(json_object_get(anchor, "signature"))) {
        snprintf(msg, len,
                 "the anchor is not an anchor (%s with format, seq >= 1, hash, at, public_key, "
                 "signature): save one with rectctl audit anchor",
                 SIG_ANCHOR_FORMAT);
        return RECT_E_BAD_VALUE;
    }
    if (!s_key.loaded)
        return RECT_E_INTERNAL;
    json_t *body = sig_anchor_body(anchor);
    if (!body)
        return RECT_E_NOMEM;
    int rc = sig_verify(SIG_ANCHOR_FORMAT, body, json_string_value(json_object_get(anchor, "signature")),
                        s_key.pk);
    json_decref(body);
    if (rc == RECT_E_BAD_VALUE) {
        if (strcmp(key, s_key.pk_hex) != 0)
            snprintf(msg, len, "the anchor was signed by another key (%.16s…), not by this rectd's (%.16s…)",
                     key, s_key.pk_hex);
        else
            snprintf(msg, len,
                     "the anchor's signature does not verify with this rectd's key (%.16s…): the anchor "
                     "was altered after it was signed",
                     s_key.pk_hex);
        return RECT_E_PERMISSION_DENIED;
    }
    return rc;
}
