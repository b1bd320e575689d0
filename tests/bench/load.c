/*
 * load.c - the client code every figure of make bench is measured with
 * (lockstep DEALER clients, or RESP clients for Redis), and the limits
 * rectd is compared with: a ZeroMQ ROUTER echo, and the echo with one
 * durable LMDB put per request and group commit.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *s_ctx;
static pthread_once_t s_ctx_once = PTHREAD_ONCE_INIT;

static void s_ctx_make(void)
{
    s_ctx = zmq_ctx_new();
}

void *bench_zctx(void)
{
    pthread_once(&s_ctx_once, s_ctx_make);
    return s_ctx;
}

/* ---- one connection: ZeroMQ DEALER (with REQ's empty delimiter) or RESP */

typedef struct {
    void *zs;
    int fd;
} s_conn;

static int s_conn_open(s_conn *c, const bench_load *spec)
{
    c->zs = NULL;
    c->fd = -1;
    if (spec->resp_port > 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)spec->resp_port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
            return -1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return 0;
    }
    int linger = 0;
    c->zs = zmq_socket(bench_zctx(), ZMQ_DEALER);
    if (!c->zs)
        return -1;
    zmq_setsockopt(c->zs, ZMQ_LINGER, &linger, sizeof linger);
    if (spec->keys && (zmq_setsockopt(c->zs, ZMQ_CURVE_SERVERKEY, spec->keys->server, 40) != 0 ||
                       zmq_setsockopt(c->zs, ZMQ_CURVE_PUBLICKEY, spec->keys->pub, 40) != 0 ||
                       zmq_setsockopt(c->zs, ZMQ_CURVE_SECRETKEY, spec->keys->sec, 40) != 0))
        return -1;
    return zmq_connect(c->zs, spec->endpoint);
}

static void s_conn_close(s_conn *c)
{
    if (c->zs)
        zmq_close(c->zs);
    if (c->fd >= 0)
        close(c->fd);
}

/* One request, one reply. Returns 1 when the reply says ok (or when ok is
 * not checked), 0 when refused, -1 on a transport error. */
static int s_conn_exchange(s_conn *c, const char *req, size_t len, int check_ok, char *rbuf, size_t rcap)
{
    if (c->fd >= 0) {
        /* SET key value in RESP; the reply is +OK */
        char head[128];
        const char *key = req; /* the key: the request's first 24 bytes */
        size_t klen = len < 24 ? len : 24;
        int h = snprintf(head, sizeof head, "*3\r\n$3\r\nSET\r\n$%zu\r\n", klen);
        char mid[32];
        int m = snprintf(mid, sizeof mid, "\r\n$%zu\r\n", len);
        struct s_part {
            const void *b;
            size_t n;
        } parts[] = {{head, (size_t)h}, {key, klen}, {mid, (size_t)m}, {req, len}, {"\r\n", 2}};
        char out[8192];
        size_t o = 0;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            if (o + parts[i].n > sizeof out)
                return -1;
            memcpy(out + o, parts[i].b, parts[i].n);
            o += parts[i].n;
        }
        if (write(c->fd, out, o) != (ssize_t)o)
            return -1;
        size_t got = 0;
        while (got < 2 || rbuf[got - 1] != '\n') {
            ssize_t r = read(c->fd, rbuf + got, rcap - got);
            if (r <= 0)
                return -1;
            got += (size_t)r;
        }
        return rbuf[0] == '+';
    }
    if (zmq_send(c->zs, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(c->zs, req, len, 0) < 0)
        return -1;
    int more = 0, frame = 0, ok = !check_ok;
    size_t ms = sizeof more;
    do {
        int n = zmq_recv(c->zs, rbuf, rcap, 0);
        if (n < 0)
            return -1;
        if (frame == 1 && check_ok) {
            size_t k = (size_t)n < rcap ? (size_t)n : rcap;
            ok = memmem(rbuf, k, "\"ok\":true", 9) != NULL || memmem(rbuf, k, "\"ok\": true", 10) != NULL;
        }
        frame++;
        zmq_getsockopt(c->zs, ZMQ_RCVMORE, &more, &ms);
    } while (more);
    return ok;
}

/* ---- the load ---------------------------------------------------------- */

typedef struct {
    const bench_load *spec;
    int t;
    pthread_barrier_t *start;
    _Atomic int *stop;
    long n, errors;
    float *lat; /* microseconds */
    size_t nlat, cap;
    int failed;
} s_worker;

static void *s_work(void *arg)
{
    s_worker *w = arg;
    const bench_load *spec = w->spec;
    s_conn c;
    char req[16384], *rbuf = malloc(1 << 20);
    long k = 0;
    int len;
    if (!rbuf || s_conn_open(&c, spec) != 0) {
        w->failed = 1;
        pthread_barrier_wait(w->start);
        free(rbuf);
        return NULL;
    }
    /* warm-up: the connection (and CURVE handshake) is made before the clock runs */
    len = spec->make(req, sizeof req, w->t, k++, spec->arg);
    if (len < 0 || s_conn_exchange(&c, req, (size_t)len, spec->check_ok, rbuf, 1 << 20) < 0)
        w->failed = 1;
    pthread_barrier_wait(w->start);
    while (!w->failed && !atomic_load(w->stop)) {
        len = spec->make(req, sizeof req, w->t, k++, spec->arg);
        double t0 = bench_now();
        int r = len < 0 ? -1 : s_conn_exchange(&c, req, (size_t)len, spec->check_ok, rbuf, 1 << 20);
        double dt = bench_now() - t0;
        if (atomic_load(w->stop))
            break; /* answered after the clock stopped: not counted */
        if (r < 0) {
            w->errors++;
            break;
        }
        w->n++;
        w->errors += r == 0;
        if (w->nlat == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 65536;
            float *p = realloc(w->lat, cap * sizeof *p);
            if (!p)
                continue;
            w->lat = p;
            w->cap = cap;
        }
        w->lat[w->nlat++] = (float)(dt * 1e6);
    }
    s_conn_close(&c);
    free(rbuf);
    return NULL;
}

static int s_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

int bench_load_run(const bench_load *spec, bench_load_result *out)
{
    int n = spec->threads, rc = 0;
    s_worker *w = calloc((size_t)n, sizeof *w);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    pthread_barrier_t start;
    _Atomic int stop = 0;
    memset(out, 0, sizeof *out);
    if (!w || !th) {
        free(w);
        free(th);
        return -1;
    }
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        w[i] = (s_worker){.spec = spec, .t = i, .start = &start, .stop = &stop};
        pthread_create(&th[i], NULL, s_work, &w[i]);
    }
    pthread_barrier_wait(&start);
    double t0 = bench_now();
    struct timespec d = {(time_t)spec->seconds,
                         (long)((spec->seconds - (double)(time_t)spec->seconds) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(&stop, 1);
    double dt = bench_now() - t0;
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        rc |= w[i].failed ? -1 : 0;
        out->n += w[i].n;
        out->errors += w[i].errors;
        total += w[i].nlat;
    }
    float *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (all && w[i].nlat)
            memcpy(all + k, w[i].lat, w[i].nlat * sizeof *all);
        k += w[i].nlat;
        free(w[i].lat);
    }
    if (all && total) {
        qsort(all, total, sizeof *all, s_cmp_float);
        out->p50_us = all[total / 2];
        out->p99_us = all[(size_t)((double)total * 0.99)];
    }
    out->rate = (double)out->n / dt;
    free(all);
    pthread_barrier_destroy(&start);
    free(w);
    free(th);
    return rc;
}

/* ---- the limits: echo and echo + durable put --------------------------- */

struct bench_server {
    void *sock;
    char endpoint[256];
    MDB_env *env;
    MDB_dbi dbi;
    pthread_t th;
    _Atomic int stop;
    _Atomic long commits, puts; /* read by the bench thread while it serves */
    uint64_t key;
};

/* One message of the batch: its frames, kept until it is answered. */
typedef struct {
    zmq_msg_t f[20];
    int n;
} s_msg;

/* Receives one whole message (without waiting for its first frame when
 * flags is ZMQ_DONTWAIT). Returns 1, 0 when none is waiting, -1 on error. */
static int s_recv_msg(void *sock, s_msg *m, int flags)
{
    int more = 1;
    size_t ms = sizeof more;
    m->n = 0;
    while (more) {
        zmq_msg_t *f = &m->f[m->n < 19 ? m->n : 19];
        if (m->n >= 19)
            zmq_msg_close(f);
        zmq_msg_init(f);
        if (zmq_msg_recv(f, sock, m->n == 0 ? flags : 0) < 0) {
            zmq_msg_close(f);
            return m->n == 0 && errno == EAGAIN ? 0 : -1;
        }
        if (m->n < 19)
            m->n++;
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ms);
    }
    return 1;
}

static void s_send_msg(void *sock, s_msg *m)
{
    for (int i = 0; i < m->n; i++)
        zmq_msg_send(&m->f[i], sock, i + 1 < m->n ? ZMQ_SNDMORE : 0);
}

enum { S_BATCH = 1024 };

static void *s_serve(void *arg)
{
    bench_server *s = arg;
    s_msg *batch = calloc(S_BATCH, sizeof *batch);
    zmq_pollitem_t pi = {.socket = s->sock, .events = ZMQ_POLLIN};
    while (batch && !atomic_load(&s->stop)) {
        if (zmq_poll(&pi, 1, 100) <= 0)
            continue;
        int n = 0;
        while (n < S_BATCH && s_recv_msg(s->sock, &batch[n], n == 0 ? 0 : ZMQ_DONTWAIT) == 1) {
            n++;
            if (!s->env)
                break; /* a bare echo answers each at once */
        }
        if (s->env && n) {
            MDB_txn *txn;
            int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
            for (int i = 0; i < n && rc == 0; i++) {
                zmq_msg_t *body = &batch[i].f[batch[i].n - 1];
                uint64_t k = ++s->key;
                unsigned char kb[8];
                for (int b = 0; b < 8; b++)
                    kb[b] = (unsigned char)(k >> (56 - 8 * b));
                MDB_val key = {8, kb}, val = {zmq_msg_size(body), zmq_msg_data(body)};
                rc = mdb_put(txn, s->dbi, &key, &val, MDB_APPEND);
            }
            if (rc == 0)
                rc = mdb_txn_commit(txn);
            else
                mdb_txn_abort(txn);
            if (rc != 0) {
                fprintf(stderr, "bench: echo+put: %s\n", mdb_strerror(rc));
                break;
            }
            s->commits++;
            s->puts += n;
        }
        for (int i = 0; i < n; i++)
            s_send_msg(s->sock, &batch[i]);
    }
    free(batch);
    return NULL;
}

bench_server *bench_server_start(const char *bind_ep, const char *server_sec, const char *lmdb_dir)
{
    bench_server *s = calloc(1, sizeof *s);
    int one = 1, linger = 0, hwm = 100000;
    size_t len;
    if (!s)
        return NULL;
    s->sock = zmq_socket(bench_zctx(), ZMQ_ROUTER);
    if (!s->sock)
        goto fail;
    zmq_setsockopt(s->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (server_sec && (zmq_setsockopt(s->sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
                       zmq_setsockopt(s->sock, ZMQ_CURVE_SECRETKEY, server_sec, 40) != 0))
        goto fail;
    if (zmq_bind(s->sock, bind_ep) != 0) {
        fprintf(stderr, "bench: bind %s: %s\n", bind_ep, zmq_strerror(errno));
        goto fail;
    }
    len = sizeof s->endpoint;
    zmq_getsockopt(s->sock, ZMQ_LAST_ENDPOINT, s->endpoint, &len);
    if (lmdb_dir) {
        MDB_txn *txn;
        int rc = mdb_env_create(&s->env);
        if (!rc)
            rc = mdb_env_set_mapsize(s->env, (size_t)4096 << 20);
        if (!rc)
            rc = mdb_env_open(s->env, lmdb_dir, 0, 0600); /* as daemon/store.c: flags 0, full durability */
        if (!rc)
            rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (!rc && (rc = mdb_dbi_open(txn, NULL, 0, &s->dbi)) == 0)
            rc = mdb_txn_commit(txn);
        if (rc) {
            fprintf(stderr, "bench: lmdb %s: %s\n", lmdb_dir, mdb_strerror(rc));
            goto fail;
        }
    }
    if (pthread_create(&s->th, NULL, s_serve, s) != 0)
        goto fail;
    return s;
fail:
    if (s->env)
        mdb_env_close(s->env);
    if (s->sock)
        zmq_close(s->sock);
    free(s);
    return NULL;
}

const char *bench_server_endpoint(const bench_server *s)
{
    return s->endpoint;
}

void bench_server_counts(const bench_server *s, long *commits, long *puts)
{
    *commits = s->commits;
    *puts = s->puts;
}

void bench_server_stop(bench_server **sp)
{
    bench_server *s = *sp;
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    zmq_close(s->sock);
    if (s->env)
        mdb_env_close(s->env);
    free(s);
    *sp = NULL;
}
