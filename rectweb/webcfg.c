/*
 * webcfg.c - rectweb.conf (web.h), the only rectweb file that speaks
 * libconfig. One group, web = { ... }; relative paths are relative to the
 * config file's folder; every setting has a default except the keys. See
 * config/rectweb.conf, which explains each.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "rect_keys.h"
#include "web.h"

static char *s_resolve(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir[0])
        return strdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", dir, rel);
    return out;
}

/* A whole (small) file into a new string, or NULL with err. */
static char *s_slurp(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *data = malloc(1 << 20);
    size_t n = data ? fread(data, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!data) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    data[n] = '\0';
    return data;
}

static int s_uint(config_setting_t *g, const char *name, unsigned lo, unsigned hi, unsigned def,
                  unsigned *out, const char *path, char *err, size_t errlen)
{
    config_setting_t *s = config_setting_get_member(g, name);
    *out = def;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_INT) {
        snprintf(err, errlen, "%s:%d: web.%s must be a whole number (%u .. %u)", path,
                 config_setting_source_line(s), name, lo, hi);
        return -1;
    }
    int v = config_setting_get_int(s);
    if (v < (int)lo || (unsigned)v > hi) {
        snprintf(err, errlen, "%s:%d: web.%s = %d is out of range: give %u .. %u", path,
                 config_setting_source_line(s), name, v, lo, hi);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* web.NAME as a string in *out (NULL when not set): 0, or -1 with err when it is set to something else. */
static int s_str(config_setting_t *g, const char *name, const char **out, const char *path, char *err,
                 size_t errlen)
{
    config_setting_t *s = config_setting_get_member(g, name);
    *out = s ? config_setting_get_string(s) : NULL;
    if (s && !*out) {
        snprintf(err, errlen, "%s:%d: web.%s must be a string in double quotes (see config/rectweb.conf)",
                 path, config_setting_source_line(s), name);
        return -1;
    }
    return 0;
}

int webcfg_load(const char *path, web_cfg *c, char *err, size_t errlen)
{
    config_t lc;
    int rc = -1;
    memset(c, 0, sizeof *c);
    config_init(&lc);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
    /* Whoever may write this file chooses rectd's key and the gateway's: as rectd's own configs, none but
     * its owner may. */
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 022)) {
        snprintf(
            err, errlen,
            "%s: others may write it (mode %04o): whoever can write it chooses the key rectweb trusts and "
            "the one it acts with; run chmod go-w %s",
            path, (unsigned)(st.st_mode & 07777), path);
        goto done;
    }
    if (!config_read_file(&lc, path)) {
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            snprintf(err, errlen, "%s: cannot read the config: %s", path, strerror(errno));
        else
            snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&lc), config_error_text(&lc));
        goto done;
    }
    config_setting_t *g = config_lookup(&lc, "web");
    if (!g || !config_setting_is_group(g)) {
        snprintf(err, errlen, "%s: no group web = { ... }: see config/rectweb.conf", path);
        goto done;
    }
    static const char *const known[] = {"listen",
                                        "endpoint",
                                        "server_key",
                                        "gateway",
                                        "key_file",
                                        "tls_cert",
                                        "tls_key",
                                        "max_upload_mb",
                                        "session_idle_min",
                                        "login_tries",
                                        "login_tries_address",
                                        "login_wait_s",
                                        "timeout_ms",
                                        "max_sessions"};
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *n = config_setting_name(config_setting_get_elem(g, (unsigned)i));
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k], n) != 0)
            k++;
        if (k == sizeof known / sizeof known[0]) {
            snprintf(err, errlen, "%s:%d: web.%s is no setting of rectweb (see config/rectweb.conf)", path,
                     config_setting_source_line(config_setting_get_elem(g, (unsigned)i)), n);
            goto done;
        }
    }
    c->path = strdup(path);
    const char *listen, *ep, *sk, *gw, *kf, *cert, *key;
    if (s_str(g, "listen", &listen, path, err, errlen) || s_str(g, "endpoint", &ep, path, err, errlen) ||
        s_str(g, "server_key", &sk, path, err, errlen) || s_str(g, "gateway", &gw, path, err, errlen) ||
        s_str(g, "key_file", &kf, path, err, errlen) || s_str(g, "tls_cert", &cert, path, err, errlen) ||
        s_str(g, "tls_key", &key, path, err, errlen))
        goto done;
    if (!listen)
        listen = "127.0.0.1:8080";
    const char *colon = strrchr(listen, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == listen || !end || *end || end == colon + 1 || port < 1 || port > 65535) {
        snprintf(err, errlen, "%s: web.listen = \"%s\": write ADDRESS:PORT, e.g. \"127.0.0.1:8080\"", path,
                 listen);
        goto done;
    }
    /* An IP address of this machine; IPv6 also in brackets, as in a URL ("[::1]:8080"). */
    size_t hlen = (size_t)(colon - listen);
    const char *host = listen;
    if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
        host++;
        hlen -= 2;
    }
    c->listen_host = strndup(host, hlen);
    c->port = (unsigned)port;
    unsigned char addr[sizeof(struct in6_addr)];
    if (c->listen_host && inet_pton(AF_INET, c->listen_host, addr) != 1 &&
        inet_pton(AF_INET6, c->listen_host, addr) != 1) {
        snprintf(err, errlen,
                 "%s: web.listen = \"%s\": \"%s\" is not an IP address: give one of this machine's, e.g. "
                 "\"127.0.0.1:8080\", \"0.0.0.0:8080\" (every address) or \"[::1]:8080\"",
                 path, listen, c->listen_host);
        goto done;
    }
    if (!ep || !sk || !gw || !kf) {
        snprintf(err, errlen,
                 "%s: web.%s is not set: rectweb needs rectd's endpoint and public key, and the "
                 "gateway's user name and key file",
                 path,
                 !ep   ? "endpoint"
                 : !sk ? "server_key"
                 : !gw ? "gateway"
                       : "key_file");
        goto done;
    }
    if (strncmp(ep, "ipc://", 6) == 0 && ep[6] != '/' && ep[6] != '@') {
        char *abs = s_resolve(dir, ep + 6);
        size_t n = abs ? strlen(abs) + 7 : 0;
        c->endpoint = abs ? malloc(n) : NULL;
        if (c->endpoint)
            snprintf(c->endpoint, n, "ipc://%s", abs);
        free(abs);
    } else {
        c->endpoint = strdup(ep);
    }
    c->gateway = strdup(gw);
    if (!c->endpoint || !c->gateway || !c->path || !c->listen_host) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (!web_name_ok(gw)) {
        snprintf(err, errlen, "%s: web.gateway = \"%s\" is not a user name", path, gw);
        goto done;
    }
    if (keys_public_of(sk, dir, c->server_key, err, errlen) != 0)
        goto done;
    char *kpath = s_resolve(dir, kf);
    rect_key k;
    int krc = kpath ? keys_read(kpath, 1, &k, err, errlen) : -1;
    free(kpath);
    if (krc != 0)
        goto done;
    memcpy(c->pub, k.public_z85, sizeof c->pub);
    memcpy(c->sec, k.secret_z85, sizeof c->sec);
    memset(&k, 0, sizeof k);
    if ((cert && *cert) != (key && *key)) {
        snprintf(err, errlen,
                 "%s: give both web.tls_cert and web.tls_key, or neither (plain HTTP behind a proxy)", path);
        goto done;
    }
    if (cert && *cert) {
        char *p1 = s_resolve(dir, cert), *p2 = s_resolve(dir, key);
        c->tls_cert = p1 ? s_slurp(p1, err, errlen) : NULL;
        c->tls_key = c->tls_cert && p2 ? s_slurp(p2, err, errlen) : NULL;
        free(p1);
        free(p2);
        if (!c->tls_key)
            goto done;
    }
    if (s_uint(g, "max_upload_mb", 1, 512, 20, &c->max_upload_mb, path, err, errlen) ||
        s_uint(g, "session_idle_min", 1, 24 * 60, 30, &c->session_idle_min, path, err, errlen) ||
        s_uint(g, "login_tries", 1, 100, 5, &c->login_tries, path, err, errlen) ||
        s_uint(g, "login_tries_address", 1, 10000, 20, &c->login_tries_address, path, err, errlen) ||
        s_uint(g, "login_wait_s", 1, 86400, 300, &c->login_wait_s, path, err, errlen) ||
        s_uint(g, "timeout_ms", 100, 600000, 15000, &c->timeout_ms, path, err, errlen) ||
        s_uint(g, "max_sessions", 1, 100000, 1000, &c->max_sessions, path, err, errlen))
        goto done;
    rc = 0;
done:
    config_destroy(&lc);
    if (rc)
        webcfg_free(c);
    return rc;
}

void webcfg_free(web_cfg *c)
{
    free(c->path);
    free(c->listen_host);
    free(c->endpoint);
    free(c->gateway);
    free(c->tls_cert);
    if (c->tls_key) {
        memset(c->tls_key, 0, strlen(c->tls_key));
        free(c->tls_key);
    }
    memset(c, 0, sizeof *c);
}
