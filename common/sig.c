/*
 * sig.c - canonical bytes, digests and Ed25519 checks of signed ledgers and
 * anchors (rect_sig.h; the format is docs/PROTOCOL.md "Signed ledgers and
 * anchors"). Nothing here holds a secret key: daemon/sign.c signs.
 */
#include "rect_sig.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "rect_proto.h"

void sig_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int s_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sig_unhex(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = s_nibble(hex[2 * i]), lo = s_nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

/* 1 if v holds a real number anywhere. */
static int s_has_real(const json_t *v)
{
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_real(v))
        return 1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
            if (s_has_real(x))
                return 1;
    } else if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, x)
            if (s_has_real(x))
                return 1;
    }
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
    void *(*grow)(void *, size_t);
} s_text;

static int s_text_cb(const char *chunk, size_t n, void *data)
{
    s_text *t = data;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *b = t->grow(t->buf, cap);
        if (!b) {
            t->failed = 1; /* remembered: jansson may not pass the -1 on */
            return -1;
        }
        t->buf = b;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, chunk, n);
    t->len += n;
    t->buf[t->len] = '\0';
    return 0;
}

char *sig_json_text(const json_t *v, size_t flags, void *(*grow)(void *, size_t))
{
    s_text t = {.grow = grow ? grow : realloc};
    if (json_dump_callback(v, s_text_cb, &t, flags) != 0 || t.failed || !t.buf) {
        free(t.buf);
        return NULL;
    }
    return t.buf;
}

int sig_canon(const json_t *v, char **out)
{
    if (!v || s_has_real(v))
        return RECT_E_BAD_VALUE;
    /*
     * Not json_dumps: jansson 2.14 ignores a failed write of an object key
     * there and returns the text without it (daemon/fault.h); signed bytes
     * with a key missing would fail every check.
     */
    char *s = sig_json_text(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY, NULL);
    if (!s)
        return RECT_E_NOMEM;
    /*
     * jansson writes \u001F where Python writes \u001f: lower-case the hex
     * of every \u escape. In jansson's output a backslash always starts an
     * escape, so walking escape by escape finds them all.
     */
    for (char *p = s; *p; p++) {
        if (*p != '\\')
            continue;
        if (p[1] == 'u') {
            for (int i = 2; i < 6 && p[i]; i++)
                if (p[i] >= 'A' && p[i] <= 'F')
                    p[i] = (char)(p[i] - 'A' + 'a');
            p += 5;
        } else {
            p++;
        }
    }
    *out = s;
    return 0;
}

int sig_digest(const json_t *v, char hex[65])
{
    char *text;
    int rc = sig_canon(v, &text);
    if (rc)
        return rc;
    unsigned char h[32];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    free(text);
    sig_hex(h, 32, hex);
    return 0;
}

/* obj[key] = digest of v; 0 or rect_err. */
static int s_set_digest(json_t *obj, const char *key, const json_t *v)
{
    char hex[65];
    int rc = sig_digest(v, hex);
    if (rc)
        return rc;
    return json_object_set_new(obj, key, json_string(hex)) ? RECT_E_NOMEM : 0;
}

static json_t *s_or_null(json_t *v)
{
    return v ? v : json_null();
}

int sig_ledger_digests(const json_t *ledger, json_t **out)
{
    json_t *rows = json_object_get(ledger, "rows");
    if (!json_is_object(ledger) || !json_is_array(rows))
        return RECT_E_BAD_VALUE;
    json_t *whole = json_copy((json_t *)ledger), *fields = json_object(), *list = json_array();
    json_t *body = NULL;
    int rc = whole && fields && list ? 0 : RECT_E_NOMEM;
    if (!rc)
        json_object_del(whole, "signature");
    const char *k;
    json_t *v;
    json_object_foreach(whole, k, v) {
        if (rc)
            break;
        if (strcmp(k, "rows") != 0)
            rc = s_set_digest(fields, k, v);
    }
    size_t i;
    json_array_foreach(rows, i, v) {
        if (rc)
            break;
        json_t *r = json_pack("{sOsO}", "id", s_or_null(json_object_get(v, "id")), "ref",
                              s_or_null(json_object_get(v, "ref")));
        rc = r ? s_set_digest(r, "sha256", v) : RECT_E_NOMEM;
        if (!rc && json_array_append(list, r))
            rc = RECT_E_NOMEM;
        json_decref(r);
    }
    if (!rc && !(body = json_pack("{sOsOsO}", "head", s_or_null(json_object_get(ledger, "head")), "fields",
                                  fields, "rows", list)))
        rc = RECT_E_NOMEM;
    if (!rc)
        rc = s_set_digest(body, "ledger_sha256", whole);
    json_decref(whole);
    json_decref(fields);
    json_decref(list);
    if (rc)
        json_decref(body);
    else
        *out = body;
    return rc;
}

int sig_message(const char *format, const json_t *body, unsigned char **out, size_t *len)
{
    char *text;
    int rc = sig_canon(body, &text);
    if (rc)
        return rc;
    size_t fl = strlen(format), tl = strlen(text);
    unsigned char *m = malloc(fl + 1 + tl);
    if (!m) {
        free(text);
        return RECT_E_NOMEM;
    }
    memcpy(m, format, fl);
    m[fl] = '\n';
    memcpy(m + fl + 1, text, tl);
    free(text);
    *out = m;
    *len = fl + 1 + tl;
    return 0;
}

json_t *sig_anchor_body(const json_t *anchor)
{
    return json_pack("{sOsOsO}", "at", s_or_null(json_object_get(anchor, "at")), "hash",
                     s_or_null(json_object_get(anchor, "hash")), "seq",
                     s_or_null(json_object_get(anchor, "seq")));
}

int sig_verify(const char *format, const json_t *body, const char *sig_hexstr, const unsigned char pub[32])
{
    unsigned char sig[crypto_sign_BYTES], *m;
    size_t len;
    if (sig_unhex(sig_hexstr, sig, sizeof sig) != 0)
        return RECT_E_BAD_VALUE;
    int rc = sig_message(format, body, &m, &len);
    if (rc)
        return rc;
    rc = crypto_sign_verify_detached(sig, m, len, pub) == 0 ? 0 : RECT_E_BAD_VALUE;
    free(m);
    return rc;
}

int sig_key_find(const char *text, const char *tag, unsigned char *out, size_t n, int *line)
{
    size_t tl = strlen(tag);
    int found = 0, no = 0;
    for (const char *p = text; *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        no++;
        while (len && (p[len - 1] == '\r' || p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        const char *colon = memchr(p, ':', len);
        if (len == 0 || p[0] == '#') {
            /* a comment */
        } else if (!colon) {
            *line = no;
            return -4;
        } else if ((size_t)(colon - p) == tl && memcmp(p, tag, tl) == 0) {
            char hex[256];
            const char *v = colon + 1;
            while (v < p + len && (*v == ' ' || *v == '\t'))
                v++;
            size_t vl = (size_t)(p + len - v);
            *line = no;
            if (found)
                return -2;
            if (vl >= sizeof hex)
                return -3;
            memcpy(hex, v, vl);
            hex[vl] = '\0';
            if (sig_unhex(hex, out, n) != 0)
                return -3;
            found = 1;
        }
        p += end ? (size_t)(end - p) + 1 : strlen(p);
    }
    return found ? 0 : -1;
}
