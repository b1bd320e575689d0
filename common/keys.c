/*
 * keys.c - CURVE key pairs and their files (include/rect_keys.h).
 */
#include "rect_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

int keys_valid_z85(const char *s)
{
    uint8_t bin[32];
    return s && strlen(s) == RECT_Z85_LEN && zmq_z85_decode(bin, s) != NULL;
}

int keys_generate(const char *user, rect_key *k)
{
    memset(k, 0, sizeof *k);
    snprintf(k->user, sizeof k->user, "%s", user ? user : "");
    return zmq_curve_keypair(k->public_z85, k->secret_z85) == 0 ? 0 : -1;
}

void keys_base(const char *key_file, char *out, size_t len)
{
    snprintf(out, len, "%s", key_file);
    size_t n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, ".key") == 0)
        out[n - 4] = '\0';
}

const char *keys_short(const char *z85, char out[9])
{
    snprintf(out, 9, "%.8s", z85 ? z85 : "");
    return out;
}

static int s_fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int s_fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && len)
        vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* mkdir -p of the folder of path; new folders get mode 0700. */
static void s_make_parent(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(buf, 0700);
        *p = '/';
    }
}

/*
 * Write text to path with mode; an existing file is an error unless force.
 * The file appears under its name whole or not at all (a temporary file in
 * the same folder, synced, then linked or renamed into place), so a reader
 * that sees the name never reads half a key.
 */
static int s_write_file(const char *path, const char *text, mode_t mode, int force, char *err, size_t len)
{
    char tmp[4096 + 16];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return s_fail(err, len, "%s: the path is too long", path);
    if (!force && access(path, F_OK) == 0)
        return s_fail(err, len, "%s: already exists; remove it first (or give --force) to replace the key",
                      path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return s_fail(err, len, "%s: cannot create: %s", path, strerror(errno));
    size_t n = strlen(text);
    int ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (ok && (force ? rename(tmp, path) : link(tmp, path)) != 0) {
        saved = errno;
        ok = 0;
    }
    unlink(tmp); /* after rename: nothing there any more; after link: the spare name */
    if (!ok && saved == EEXIST)
        return s_fail(err, len, "%s: already exists; remove it first (or give --force) to replace the key",
                      path);
    if (!ok)
        return s_fail(err, len, "%s: cannot write: %s", path, strerror(saved));
    return 0;
}

int keys_write(const char *base, const rect_key *k, int force, char *err, size_t errlen)
{
    char path[4096], text[1024];
    const char *who = k->user[0] ? k->user : "this key's owner";
    s_make_parent(base);
    snprintf(path, sizeof path, "%s.key", base);
    snprintf(text, sizeof text,
             "# rectd CURVE key pair of %s. SECRET: whoever can read this file can act\n"
             "# as %s. Keep it mode 0600 in its owner's account; never copy or mail it.\n"
             "user: %s\npublic: %s\nsecret: %s\n",
             who, who, k->user, k->public_z85, k->secret_z85);
    int rc = s_write_file(path, text, 0600, force, err, errlen);
    sodium_memzero(text, sizeof text);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s.pub", base);
    snprintf(text, sizeof text,
             "# rectd CURVE public key of %s: not secret. rectd.conf takes it as\n"
             "# users[].public_key (a user's key) or client.server_key (rectd's own key).\n"
             "user: %s\npublic: %s\n",
             who, k->user, k->public_z85);
    return s_write_file(path, text, 0644, force, err, errlen);
}

/* Strip blanks and the newline at both ends of s, in place. */
static char *s_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

int keys_read(const char *path, int need_secret, rect_key *k, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return s_fail(err, errlen, "%s: cannot open the key file: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return s_fail(err, errlen, "%s: not a regular file", path);
    }
    /* a public key decides who gets in: nobody but its owner may change it */
    if (st.st_mode & 022) {
        close(fd);
        return s_fail(err, errlen,
                      "%s: the key file may be changed by others (mode %04o): whoever can write it can "
                      "replace the key; run chmod go-w %s",
                      path, (unsigned)(st.st_mode & 07777), path);
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return s_fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    }
    char line[512];
    int rc = 0, lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *s = s_trim(line);
        if (!*s || *s == '#')
            continue;
        char *colon = strchr(s, ':');
        if (!colon) {
            rc =
                s_fail(err, errlen, "%s:%d: expected \"name: value\" (user, public or secret)", path, lineno);
            break;
        }
        *colon = '\0';
        char *key = s_trim(s), *val = s_trim(colon + 1);
        /* one line each: with two, which one counts would depend on the reader */
        char *seen = strcmp(key, "user") == 0     ? k->user
                     : strcmp(key, "public") == 0 ? k->public_z85
                     : strcmp(key, "secret") == 0 ? k->secret_z85
                                                  : NULL;
        if (seen && seen[0]) {
            rc = s_fail(err, errlen, "%s:%d: a second \"%s:\" line: a key file has one of each", path, lineno,
                        key);
            break;
        }
        if (strcmp(key, "user") == 0 && strlen(val) >= sizeof k->user)
            rc = s_fail(err, errlen, "%s:%d: the user name is too long (at most %zu bytes)", path, lineno,
                        sizeof k->user - 1);
        else if (strcmp(key, "user") == 0 && strlen(val) < sizeof k->user)
            memcpy(k->user, val, strlen(val) + 1);
        else if ((strcmp(key, "public") == 0 || strcmp(key, "secret") == 0) && keys_valid_z85(val))
            memcpy(key[0] == 'p' ? k->public_z85 : k->secret_z85, val, RECT_Z85_LEN + 1);
        else if (strcmp(key, "public") == 0 || strcmp(key, "secret") == 0)
            rc = s_fail(err, errlen, "%s:%d: %s is not a key (40 characters of Z85 expected)", path, lineno,
                        key);
        else
            rc = s_fail(err, errlen, "%s:%d: unknown line \"%s\" (user, public or secret expected)", path,
                        lineno, key);
    }
    sodium_memzero(line, sizeof line);
    fclose(f);
    if (rc)
        return rc;
    if (!k->public_z85[0])
        return s_fail(err, errlen, "%s: no \"public:\" line: not a rectd key file", path);
    if (need_secret) {
        char derived[RECT_Z85_LEN + 1];
        if (!k->secret_z85[0])
            return s_fail(err, errlen,
                          "%s: no \"secret:\" line: this is a public key file; give the .key file", path);
        if (st.st_mode & 077) {
            sodium_memzero(k, sizeof *k);
            return s_fail(err, errlen,
                          "%s: the secret key file may be read by others (mode %04o): anyone who "
                          "reads it can act as its owner; run chmod 600 %s (and make a new key if "
                          "others may have read it)",
                          path, (unsigned)(st.st_mode & 07777), path);
        }
        if (zmq_curve_public(derived, k->secret_z85) != 0 || strcmp(derived, k->public_z85) != 0)
            return s_fail(err, errlen,
                          "%s: the public key does not belong to the secret key: the file is damaged", path);
    }
    return 0;
}

int keys_public_of(const char *value, const char *dir, char out[RECT_Z85_LEN + 1], char *err, size_t errlen)
{
    if (keys_valid_z85(value)) {
        memcpy(out, value, RECT_Z85_LEN + 1);
        return 0;
    }
    char path[4096];
    if (value[0] == '/' || !dir)
        snprintf(path, sizeof path, "%s", value);
    else
        snprintf(path, sizeof path, "%s/%s", dir, value);
    rect_key k;
    if (keys_read(path, 0, &k, err, errlen) != 0)
        return -1;
    memcpy(out, k.public_z85, RECT_Z85_LEN + 1);
    sodium_memzero(&k, sizeof k);
    return 0;
}
