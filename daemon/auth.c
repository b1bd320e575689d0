/*
 * auth.c - rectd's key, demo keys, the ZAP handler and principals (auth.h).
 */
#include "auth.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "rect_date.h"
#include "log.h"

/* The folder of path into out. */
static void s_folder(const char *path, char *out, size_t len)
{
    snprintf(out, len, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash && slash != out)
        *slash = '\0';
}

/* With demo_keys: a key pair at base (.key/.pub) for user unless one exists. 1 if made, 0 if there, -1. */
static int s_demo_key(const char *base, const char *user, char *err, size_t errlen)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s.key", base) >= sizeof path) {
        snprintf(err, errlen, "the key folder's path is too long");
        return -1;
    }
    if (access(path, F_OK) == 0)
        return 0;
    rect_key k;
    if (keys_generate(user, &k) != 0)
        return snprintf(err, errlen, "cannot make a CURVE key pair (libzmq without CURVE?)"), -1;
    int rc = keys_write(base, &k, 0, err, errlen);
    memset(&k, 0, sizeof k);
    return rc == 0 ? 1 : -1;
}

/*
 * With demo_keys: every user without a public_key gets one from
 * FOLDER/USER.key, made if missing when make (else such a user stays
 * without a key: rectd --check writes nothing).
 */
static int s_demo_users(rect_cfg *cfg, const char *folder, int make, int *made, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_users; i++) {
        rect_user *u = &cfg->users[i];
        if (u->public_key)
            continue;
        char base[4400], path[4500];
        snprintf(base, sizeof base, "%s/%s", folder, u->name);
        snprintf(path, sizeof path, "%s.pub", base);
        int rc = make ? s_demo_key(base, u->name, err, errlen) : 0;
        if (rc < 0)
            return -1;
        *made += rc;
        if (!make && access(path, F_OK) != 0)
            continue;
        rect_key k;
        if (keys_read(path, 0, &k, err, errlen) != 0)
            return -1;
        if (cfg_user_by_key(cfg, k.public_z85))
            return snprintf(err, errlen, "%s: the same key as user %s's: remove one of them", path,
                            cfg_user_by_key(cfg, k.public_z85)->name),
                   -1;
        if (!(u->public_key = strdup(k.public_z85)))
            return snprintf(err, errlen, "out of memory"), -1;
    }
    return 0;
}

/*
 * The demo keys' folder: made (0700) when make; it must be rectd's own and
 * closed to everyone else, or anyone could read or plant a key there. No
 * user may be named like rectd's own key files in it.
 */
static int s_demo_folder(const rect_cfg *cfg, const char *folder, int make, char *err, size_t errlen)
{
    struct stat st;
    if (make)
        mkdir(folder, 0700);
    if (stat(folder, &st) != 0)
        return make ? (snprintf(err, errlen, "%s: cannot make the demo keys' folder: %s", folder,
                                strerror(errno)),
                       -1)
                    : 0;
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
        return snprintf(err, errlen,
                        "%s: the demo keys' folder must be a folder of rectd's own user that no one "
                        "else may open (mode %04o): run chmod 700 %s (and remove keys others may "
                        "have put there)",
                        folder, (unsigned)(st.st_mode & 07777), folder),
               -1;
    char own[2][4096];
    keys_base(cfg->key_file, own[0], sizeof own[0]);
    keys_base(cfg->signing_key ? cfg->signing_key : "", own[1], sizeof own[1]);
    for (size_t i = 0; i < cfg->n_users; i++)
        for (int k = 0; k < 2; k++) {
            const char *slash = strrchr(own[k], '/');
            if (slash && strncmp(own[k], folder, (size_t)(slash - own[k])) == 0 &&
                strlen(folder) == (size_t)(slash - own[k]) && strcmp(slash + 1, cfg->users[i].name) == 0)
                return snprintf(err, errlen,
                                "users[%zu].name \"%s\" is the name of rectd's own key file in %s: "
                                "choose another user name",
                                i, cfg->users[i].name, folder),
                       -1;
        }
    return 0;
}

int auth_prepare(rect_cfg *cfg, rect_key *server, int make, char *err, size_t errlen)
{
    if (!zmq_has("curve"))
        return snprintf(err, errlen,
                        "this libzmq has no CURVE security: rectd cannot authenticate "
                        "anyone and will not start (install Debian's libzmq5)"),
               -1;
    if (!cfg->key_file)
        return snprintf(err, errlen,
                        "%s: daemon.key_file is not set: rectd needs its own CURVE key to prove "
                        "who connects (make one with: rectd keygen -o /etc/rectd/rectd; then set "
                        "daemon.key_file = \"/etc/rectd/rectd.key\")",
                        cfg->path),
               -1;
    char base[4096], folder[4096];
    keys_base(cfg->key_file, base, sizeof base);
    s_folder(cfg->key_file, folder, sizeof folder);
    int made = 0;
    if (cfg->demo_keys) {
        int rc = s_demo_folder(cfg, folder, make, err, errlen);
        if (rc == 0 && make)
            rc = s_demo_key(base, "rectd", err, errlen);
        if (rc < 0 || s_demo_users(cfg, folder, make, &made, err, errlen) < 0)
            return -1;
        made += rc;
        if (!make && access(cfg->key_file, F_OK) != 0) {
            memset(server, 0, sizeof *server); /* made at the first start */
            return 0;
        }
    }
    if (keys_read(cfg->key_file, 1, server, err, errlen) != 0)
        return -1;
    if (cfg->demo_keys && make)
        log_msg(LOG_LEVEL_WARNING,
                "DEMO KEYS (daemon.demo_keys = true): %s every user's secret key in %s, "
                "readable by this Unix account. Anyone who can read that folder can act as any "
                "user: this is for trying rectd out, never for production (give each user a "
                "public_key of their own and set demo_keys = false)",
                made ? "made" : "using", folder);
    return 0;
}

/* One frame of a ZAP request into buf (NUL-terminated, cut to len-1); its size, or -1. */
static int s_frame(void *zap, char *buf, size_t len, int *more)
{
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, zap, 0) < 0) {
        zmq_msg_close(&m);
        *more = 0;
        return -1;
    }
    size_t n = zmq_msg_size(&m);
    memcpy(buf, zmq_msg_data(&m), n < len ? n : len);
    int size = (int)n;
    buf[n < len ? n : len - 1] = '\0';
    *more = zmq_msg_more(&m);
    zmq_msg_close(&m);
    return size;
}

static void s_reply(void *zap, const char *id, const char *status, const char *text, const char *user)
{
    zmq_send(zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(zap, id, strlen(id), ZMQ_SNDMORE);
    zmq_send(zap, status, strlen(status), ZMQ_SNDMORE);
    zmq_send(zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(zap, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(zap, "", 0, 0);
}

/*
 * A refusal on stderr, with the time: at most one line a second, so that a
 * peer that keeps reconnecting cannot flood the log; the lines left out
 * are counted in the next one.
 */
static void s_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void s_log(const char *fmt, ...)
{
    static time_t last;
    static unsigned long dropped;
    time_t now = rect_now();
    if (now == last) {
        dropped++;
        return;
    }
    last = now;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (dropped)
        log_msg(LOG_LEVEL_WARNING, "auth: %s (and %lu more refusals in the second before)", text, dropped);
    else
        log_msg(LOG_LEVEL_WARNING, "auth: %s", text);
    dropped = 0;
}

void auth_monitor_handle(void *mon)
{
    zmq_msg_t head, addr;
    zmq_msg_init(&head);
    zmq_msg_init(&addr);
    if (zmq_msg_recv(&head, mon, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&head) &&
        zmq_msg_recv(&addr, mon, 0) >= 0 && zmq_msg_size(&head) == 6) {
        const uint8_t *d = zmq_msg_data(&head);
        uint16_t ev = (uint16_t)(d[0] | d[1] << 8);
        uint32_t val = (uint32_t)d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[5] << 24;
        s_log("refused a connection on %.*s: handshake failed (%s, code 0x%x); rectd admits CURVE "
              "clients with a configured key only",
              (int)zmq_msg_size(&addr), (const char *)zmq_msg_data(&addr),
              ev == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "no CURVE, or not ZeroMQ" : "the peer went away",
              (unsigned)val);
    }
    zmq_msg_close(&head);
    zmq_msg_close(&addr);
}

void auth_zap_handle(void *zap, const rect_cfg *cfg)
{
    /* version, request id, domain, address, routing id, mechanism, credentials... */
    char f[7][256];
    int sizes[7] = {0}, more = 1, n = 0;
    unsigned char key[32];
    while (more && n < 7) {
        sizes[n] = s_frame(zap, f[n], sizeof f[n], &more);
        if (sizes[n] < 0)
            return;
        if (n == 6 && sizes[n] == 32)
            memcpy(key, f[n], 32);
        n++;
    }
    while (more) { /* drain anything beyond what CURVE sends */
        char junk[16];
        s_frame(zap, junk, sizeof junk, &more);
    }
    if (n < 6) {
        s_reply(zap, n > 1 ? f[1] : "", "500", "malformed ZAP request", "");
        return;
    }
    const char *addr = f[3];
    if (strcmp(f[2], AUTH_ZAP_DOMAIN) != 0 || strcmp(f[5], "CURVE") != 0 || n < 7 || sizes[6] != 32) {
        s_log(
            "refused a %s connection from %s (domain \"%s\"): rectd admits CURVE clients only (rectctl with a key)",
            f[5], addr[0] ? addr : "?", f[2]);
        s_reply(zap, f[1], "400", "CURVE required", "");
        return;
    }
    char z85[RECT_Z85_LEN + 1];
    zmq_z85_encode(z85, key, 32);
    const rect_user *u = cfg_user_by_key(cfg, z85);
    if (!u) {
        s_log("refused key %s from %s: it is no configured user's public_key", z85, addr[0] ? addr : "?");
        s_reply(zap, f[1], "400", "unknown key", "");
        return;
    }
    s_reply(zap, f[1], "200", "OK", z85);
}

void auth_peer_of(void *zmq_msg, int ipc, auth_peer *p)
{
    zmq_msg_t *m = zmq_msg;
    memset(p, 0, sizeof *p);
    p->uid = p->pid = -1;
    const char *key = zmq_msg_gets(m, "User-Id");
    if (key && keys_valid_z85(key))
        memcpy(p->key, key, RECT_Z85_LEN + 1);
    /* ipc: "HOST:UID:GID:PID" (libzmq appends SO_PEERCRED); tcp: an address only */
    const char *addr = zmq_msg_gets(m, "Peer-Address");
    long uid, gid, pid;
    const char *colon = ipc && addr ? strchr(addr, ':') : NULL;
    if (colon && sscanf(colon, ":%ld:%ld:%ld", &uid, &gid, &pid) == 3) {
        p->uid = uid;
        p->pid = pid;
    }
}

/*
 * The login name of uid ("?" for none), looked up at most once a second per
 * thread: the lookup reads /etc/passwd, and every write and ping asks.
 */
static const char *s_user_name(long uid)
{
    static _Thread_local struct {
        long uid;
        time_t at;
        char name[64];
    } last = {-1, 0, ""};
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (last.uid != uid || now.tv_sec != last.at) {
        struct passwd pw, *found = NULL;
        char buf[1024];
        getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &found);
        snprintf(last.name, sizeof last.name, "%s", found ? found->pw_name : "?");
        last.uid = uid;
        last.at = now.tv_sec;
    }
    return last.name;
}

const char *auth_principal(const auth_peer *p, char *out, size_t len)
{
    int n = snprintf(out, len, "curve:%s", p->key[0] ? p->key : "?");
    if (p->uid >= 0 && n > 0 && (size_t)n < len)
        snprintf(out + n, len - (size_t)n, " unix:%s(%ld) pid:%ld", s_user_name(p->uid), p->uid, p->pid);
    return out;
}
