/*
 * rectd.c - make bench's rectd: a config written from config/rectd.conf for a
 * scratch folder, the process started and stopped by its PID, and a client
 * that sends one request at a time (for setting up and for single timings).
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static char *s_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* text with group.key set to value (libconfig text): the line of that key
 * in that group replaced, or a new line after the group's first. Returns a
 * new string (caller frees) or NULL. */
static char *s_set(const char *text, const char *group, const char *key, const char *value)
{
    size_t gl = strlen(group), kl = strlen(key), tl = strlen(text);
    char *out = malloc(tl + strlen(value) + kl + gl + 64);
    const char *p = text, *gstart = NULL, *hit = NULL, *hit_end = NULL;
    int in = 0;
    if (!out)
        return NULL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        const char *next = eol ? eol + 1 : p + strlen(p);
        if (!in && strncmp(p, group, gl) == 0 && strncmp(p + gl, " = ", 3) == 0) {
            in = 1;
            gstart = next;
        } else if (in && (p[0] == '}' || p[0] == ')')) {
            break;
        } else if (in) {
            const char *q = p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (strncmp(q, key, kl) == 0 && (q[kl] == ' ' || q[kl] == '=')) {
                hit = p;
                hit_end = next;
                break;
            }
        }
        p = next;
    }
    if (!gstart) {
        sprintf(out, "%s\n%s = {\n    %s = %s;\n};\n", text, group, key, value);
        return out;
    }
    if (!hit)
        hit = hit_end = gstart;
    size_t pre = (size_t)(hit - text);
    memcpy(out, text, pre);
    int n = sprintf(out + pre, "    %s = %s;\n", key, value);
    strcpy(out + pre + (size_t)n, hit_end);
    return out;
}

static int s_set_into(char **text, const char *gk, const char *value)
{
    char group[64];
    const char *dot = strchr(gk, '.');
    if (!dot || (size_t)(dot - gk) >= sizeof group)
        return -1;
    memcpy(group, gk, (size_t)(dot - gk));
    group[dot - gk] = '\0';
    char *t = s_set(*text, group, dot + 1, value);
    if (!t)
        return -1;
    free(*text);
    *text = t;
    return 0;
}

/* text with every user's public_key set to DIR/keys/NAME.pub (the demo
 * keys rectd made at its first start): rectd refuses demo keys on tcp.
 * Returns a new string (caller frees) or NULL. */
static char *s_user_keys(const char *text, const char *dir)
{
    size_t cap = strlen(text) * 2 + 4096, o = 0;
    char *out = malloc(cap);
    const char *p = text;
    if (!out)
        return NULL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p + 1) : strlen(p);
        const char *nm = memmem(p, n, "{ name = \"", 10);
        const char *close = NULL;
        for (const char *q = p; q < p + n; q++)
            if (*q == '}')
                close = q;
        if (nm && close && o + n + 300 < cap) {
            const char *name = nm + 10, *end = memchr(name, '"', n - (size_t)(name - p));
            size_t pre = (size_t)(close - p);
            memcpy(out + o, p, pre);
            o += pre;
            o += (size_t)snprintf(out + o, cap - o, "public_key = \"%s/keys/%.*s.pub\"; ", dir,
                                  end ? (int)(end - name) : 0, name);
            memcpy(out + o, close, n - pre);
            o += n - pre;
        } else if (o + n < cap) {
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    out[o] = '\0';
    return out;
}

static int s_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    size_t n = strlen(text);
    if (fd < 0)
        return -1;
    int rc = write(fd, text, n) == (ssize_t)n ? 0 : -1;
    return close(fd) || rc ? -1 : 0;
}

static int s_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static int s_write_confs(bench_rectd *r, const char *repo, int tcp, const char *const *extra)
{
    char path[4096], v[400];
    snprintf(path, sizeof path, "%s/config/rectd.conf", repo);
    char *text = s_slurp(path, NULL);
    int rc = text ? 0 : -1;
    if (tcp)
        snprintf(r->endpoint, sizeof r->endpoint, "tcp://127.0.0.1:%d", s_free_port());
    else
        snprintf(r->endpoint, sizeof r->endpoint, "ipc://%s/r.sock", r->dir);
#define SET(k, ...) (snprintf(v, sizeof v, __VA_ARGS__), rc = rc ? rc : s_set_into(&text, k, v))
    SET("daemon.endpoint", "\"%s\"", r->endpoint);
    SET("daemon.data_dir", "\"%s/data\"", r->dir);
    SET("daemon.key_file", "\"%s/keys/rectd.key\"", r->dir);
    SET("daemon.signing_key", "\"%s/keys/rectd-sign.key\"", r->dir);
    SET("client.keys_dir", "\"%s/keys\"", r->dir);
    SET("notify.pub_endpoint", "\"ipc://%s/pub.sock\"", r->dir);
    if (tcp) {
        SET("daemon.demo_keys", "false");
        char *t = rc ? NULL : s_user_keys(text, r->dir);
        free(text);
        text = t;
        rc = t ? 0 : -1;
    }
    for (int i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        SET(extra[i], "%s", extra[i + 1]);
#undef SET
    snprintf(r->conf, sizeof r->conf, "%s/r.conf", r->dir);
    if (rc || s_write(r->conf, text, 0644)) {
        free(text);
        return -1;
    }
    free(text);
    /* rectctl's own config: what a user's rectctl.conf holds (config/rectctl.conf) */
    char ctl[1024];
    snprintf(
        ctl, sizeof ctl,
        "client = {\n    endpoint = \"%s\";\n    server_key = \"%s/keys/rectd.pub\";\n"
        "    user = \"wangyan\";\n    keys_dir = \"%s/keys\";\n    timeout_ms = 20000;\n    retries = 1;\n};\n",
        r->endpoint, r->dir, r->dir);
    snprintf(r->ctlconf, sizeof r->ctlconf, "%s/ctl.conf", r->dir);
    return s_write(r->ctlconf, ctl, 0644);
}

/* The rectd processes running now, so that a bench that gives up stops them. */
static pid_t s_live[8];

static void s_live_set(pid_t old, pid_t pid)
{
    for (size_t i = 0; i < sizeof s_live / sizeof s_live[0]; i++)
        if (s_live[i] == old) {
            s_live[i] = pid;
            return;
        }
}

void bench_rectd_kill_all(void)
{
    for (size_t i = 0; i < sizeof s_live / sizeof s_live[0]; i++)
        if (s_live[i] > 0) {
            kill(s_live[i], SIGKILL);
            waitpid(s_live[i], NULL, 0);
            s_live[i] = 0;
        }
}

static int s_spawn(bench_rectd *r, const char *rectd_bin)
{
    snprintf(r->log, sizeof r->log, "%s/rectd.log", r->dir);
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        int fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        if (r->clock[0]) {
            setenv("TZ", "UTC", 1); /* as the tests run a rectd on a pinned clock */
            execl(rectd_bin, "rectd", "-c", r->conf, "--clock-file", r->clock, (char *)NULL);
        } else {
            execl(rectd_bin, "rectd", "-c", r->conf, (char *)NULL);
        }
        _exit(127);
    }
    s_live_set(0, r->pid);
    /* until its keys exist and it answers ping */
    for (int i = 0; i < 400; i++) {
        bench_keys k;
        int st;
        struct timespec d = {0, 50 * 1000 * 1000};
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            fprintf(stderr, "bench: rectd exited at start (see %s)\n", r->log);
            s_live_set(r->pid, 0);
            r->pid = 0;
            return -1;
        }
        nanosleep(&d, NULL);
        if (bench_rectd_keys(r, "wangyan", &k) != 0)
            continue;
        bench_client *c = bench_client_new(r->endpoint, &k, "wangyan", "bench-start");
        json_t *res = c ? bench_call(c, "ping", NULL, NULL, 0, 500, NULL) : NULL;
        bench_client_free(&c);
        if (res) {
            json_decref(res);
            return 0;
        }
    }
    fprintf(stderr, "bench: rectd does not answer (see %s)\n", r->log);
    return -1;
}

int bench_rectd_start(bench_rectd *r, const char *rectd_bin, const char *repo, int tcp, const char *clock,
                      const char *const *extra)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/rbXXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    if (clock) {
        snprintf(r->clock, sizeof r->clock, "%s/clock", r->dir);
        if (bench_rectd_set_clock(r, clock))
            return -1;
    }
    if (s_write_confs(r, repo, tcp, extra))
        return -1;
    return s_spawn(r, rectd_bin);
}

int bench_rectd_restart(bench_rectd *r, const char *rectd_bin, const char *repo, int tcp,
                        const char *const *extra)
{
    bench_rectd_stop(r, 0);
    if (s_write_confs(r, repo, tcp, extra))
        return -1;
    return s_spawn(r, rectd_bin);
}

int bench_rectd_set_clock(const bench_rectd *r, const char *iso)
{
    char tmp[200], line[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->clock);
    snprintf(line, sizeof line, "%s\n", iso);
    if (s_write(tmp, line, 0644))
        return -1;
    return rename(tmp, r->clock);
}

int bench_rectd_keys(const bench_rectd *r, const char *user, bench_keys *k)
{
    char path[300];
    snprintf(path, sizeof path, "%s/keys/rectd.pub", r->dir);
    if (bench_key_field(path, "public", k->server, sizeof k->server))
        return -1;
    snprintf(path, sizeof path, "%s/keys/%s.key", r->dir, user);
    if (bench_key_field(path, "public", k->pub, sizeof k->pub) ||
        bench_key_field(path, "secret", k->sec, sizeof k->sec))
        return -1;
    return 0;
}

void bench_rectd_stop(bench_rectd *r, int remove_dir)
{
    if (r->pid > 0) {
        int st;
        kill(r->pid, SIGTERM);
        for (int i = 0; i < 300 && waitpid(r->pid, &st, WNOHANG) != r->pid; i++) {
            struct timespec d = {0, 50 * 1000 * 1000};
            nanosleep(&d, NULL);
            if (i == 299) {
                kill(r->pid, SIGKILL);
                waitpid(r->pid, &st, 0);
            }
        }
        s_live_set(r->pid, 0);
        r->pid = 0;
    }
    if (remove_dir && r->dir[0]) {
        char *argv[] = {"rm", "-rf", r->dir, NULL};
        bench_run(argv, NULL, NULL);
    }
}

/* ---- one client ---------------------------------------------------------- */

struct bench_client {
    void *sock;
    char user[64];
    char id[64];
    long seq;
};

bench_client *bench_client_new(const char *endpoint, const bench_keys *k, const char *user, const char *id)
{
    bench_client *c = calloc(1, sizeof *c);
    int linger = 0;
    if (!c)
        return NULL;
    c->sock = zmq_socket(bench_zctx(), ZMQ_DEALER);
    if (!c->sock) {
        free(c);
        return NULL;
    }
    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, k->server, 40);
    zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, k->pub, 40);
    zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, k->sec, 40);
    zmq_connect(c->sock, endpoint);
    snprintf(c->user, sizeof c->user, "%s", user);
    snprintf(c->id, sizeof c->id, "%s", id);
    return c;
}

void bench_client_free(bench_client **cp)
{
    if (*cp) {
        zmq_close((*cp)->sock);
        free(*cp);
        *cp = NULL;
    }
}

json_t *bench_call(bench_client *c, const char *cmd, json_t *args, const void *file, size_t file_len,
                   int timeout_ms, double *secs)
{
    json_t *req = json_pack("{sisssssO*}", "v", 1, "cmd", cmd, "user", c->user, "args", args);
    json_t *res = NULL;
    char *text;
    zmq_msg_t msg;
    if (!req)
        return NULL;
    json_object_set_new(req, "client", json_string(c->id));
    json_object_set_new(req, "seq", json_integer(++c->seq));
    text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text)
        return NULL;
    zmq_pollitem_t pi = {.socket = c->sock, .events = ZMQ_POLLIN};
    double t0 = bench_now();
    int rc = zmq_send(c->sock, "", 0, ZMQ_SNDMORE) < 0 ||
             zmq_send(c->sock, text, strlen(text), file ? ZMQ_SNDMORE : 0) < 0 ||
             (file && zmq_send(c->sock, file, file_len, 0) < 0);
    free(text);
    if (rc || zmq_poll(&pi, 1, timeout_ms) != 1) {
        if (timeout_ms > 1000)
            fprintf(stderr, "bench: %s: no reply\n", cmd);
        return NULL;
    }
    /* the empty delimiter, then the reply */
    zmq_msg_init(&msg);
    int more = 0;
    size_t ms = sizeof more;
    if (zmq_msg_recv(&msg, c->sock, 0) < 0 || zmq_msg_size(&msg) != 0 || zmq_msg_recv(&msg, c->sock, 0) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    if (secs)
        *secs = bench_now() - t0;
    json_t *rep = json_loadb(zmq_msg_data(&msg), zmq_msg_size(&msg), 0, NULL);
    while (zmq_getsockopt(c->sock, ZMQ_RCVMORE, &more, &ms) == 0 && more) {
        zmq_msg_close(&msg);
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, c->sock, 0);
    }
    zmq_msg_close(&msg);
    if (rep && json_is_true(json_object_get(rep, "ok"))) {
        res = json_incref(json_object_get(rep, "result"));
    } else {
        json_t *e = json_object_get(rep, "error");
        fprintf(stderr, "bench: %s refused: %s: %s\n", cmd, json_string_value(json_object_get(e, "code")),
                json_string_value(json_object_get(e, "message")));
    }
    json_decref(rep);
    return res;
}

int bench_run(char *const argv[], const char *out_path, double *secs)
{
    double t0 = bench_now();
    pid_t pid = fork();
    int st;
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_RDWR);
        if (fd >= 0)
            dup2(fd, 1);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (secs)
        *secs = bench_now() - t0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
