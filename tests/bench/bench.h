/*
 * bench.h - make bench's parts (tests/bench/): the lockstep load every
 * figure is measured with, the limits it is measured against (a ZeroMQ echo,
 * an echo that makes one durable LMDB put per request with group commit),
 * and a rectd started on a scratch folder.
 *
 * Not a test: nothing here asserts a speed. The numbers are compared with
 * their limit measured in the same run by the same client code.
 */
#ifndef RECT_BENCH_H
#define RECT_BENCH_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

/* Seconds on the monotonic clock. */
double bench_now(void);

/* Keys in Z85 (40 characters + NUL). */
typedef struct {
    char server[41]; /* the server's public key */
    char pub[41];    /* the client's key pair */
    char sec[41];
} bench_keys;

/* Reads "name: value" lines of a key file (docs/PROTOCOL.md, "Key files"):
 * the value of name into out (cap bytes). Returns 0, or -1 when absent. */
int bench_key_field(const char *path, const char *name, char *out, size_t cap);

/* ---- the load: lockstep DEALER clients, threads of this process ------- */

/* Writes request number n of client thread t into buf (at most cap bytes);
 * returns its length, or -1. */
typedef int (*bench_make_fn)(char *buf, size_t cap, int thread, long n, void *arg);

typedef struct {
    const char *endpoint; /* ZeroMQ endpoint, or NULL with resp_port */
    const bench_keys *keys;
    int resp_port; /* > 0: talk Redis RESP over TCP 127.0.0.1:port instead */
    int threads;
    double seconds;
    bench_make_fn make;
    void *arg;
    int check_ok; /* 1: a reply without "ok":true counts as an error */
} bench_load;

typedef struct {
    double rate; /* requests answered per second, all clients */
    long n;      /* requests answered */
    long errors; /* answered with a refusal (check_ok), or not answered */
    double p50_us, p99_us;
} bench_load_result;

/* Runs spec: each thread connects, sends one request, waits for it (a
 * warm-up), then all send request after request for spec->seconds.
 * Returns 0, or -1 when a thread could not connect. */
int bench_load_run(const bench_load *spec, bench_load_result *out);

/* ---- the limits -------------------------------------------------------- */

typedef struct bench_server bench_server;

/* A ROUTER on bind_ep ("ipc://..." or "tcp://127.0.0.1:*") with CURVE (its
 * secret key server_sec) answering every request with its own frames, in
 * one thread. lmdb_dir NULL: a bare echo; otherwise every request is put
 * into an LMDB environment there (opened as rectd opens its own: flags 0,
 * full durability), all requests waiting at once in one write transaction
 * and one commit (group commit), before any of them is answered.
 * Returns NULL on failure (message on stderr). */
bench_server *bench_server_start(const char *bind_ep, const char *server_sec, const char *lmdb_dir);
/* The endpoint clients connect to (a tcp port chosen by the system). */
const char *bench_server_endpoint(const bench_server *s);
/* Commits made and requests put (0 for a bare echo). */
void bench_server_counts(const bench_server *s, long *commits, long *puts);
void bench_server_stop(bench_server **sp);

/* ---- rectd on a scratch folder ----------------------------------------- */

typedef struct {
    char dir[128];      /* the scratch folder */
    char conf[160];     /* DIR/r.conf (rectd's) */
    char ctlconf[160];  /* DIR/ctl.conf (rectctl's: client group only) */
    char endpoint[200]; /* ipc://DIR/r.sock or tcp://127.0.0.1:PORT */
    char clock[160];    /* DIR/clock, or "" */
    char log[160];
    pid_t pid;
} bench_rectd;

/* Writes DIR/r.conf from config/rectd.conf with DIR's endpoint (tcp: on a
 * free port of 127.0.0.1), data, keys, notify socket and the settings in
 * extra (NULL-terminated "group.key", "value" pairs, value as libconfig
 * text), and DIR/ctl.conf for rectctl. Starts rectd (with --clock-file
 * DIR/clock if clock is not NULL: its first "now"), waits until it answers
 * ping. Returns 0 or -1. */
int bench_rectd_start(bench_rectd *r, const char *rectd_bin, const char *repo, int tcp, const char *clock,
                      const char *const *extra);
/* Restarts the same folder's rectd on the other transport. */
int bench_rectd_restart(bench_rectd *r, const char *rectd_bin, const char *repo, int tcp,
                        const char *const *extra);
int bench_rectd_set_clock(const bench_rectd *r, const char *iso);
/* The keys user connects with (DIR/keys/USER.key, rectd's rectd.pub). */
int bench_rectd_keys(const bench_rectd *r, const char *user, bench_keys *k);
void bench_rectd_stop(bench_rectd *r, int remove_dir);
/* SIGKILL every rectd still running (a bench giving up); folders stay. */
void bench_rectd_kill_all(void);

/* ---- one client, one request at a time (setup and single timings) ------ */

typedef struct bench_client bench_client;

bench_client *bench_client_new(const char *endpoint, const bench_keys *k, const char *user, const char *id);
void bench_client_free(bench_client **cp);
/* Sends cmd with args (borrowed; NULL: {}) and an optional attached frame;
 * waits up to timeout_ms. Returns the reply's "result" (caller owns it), or
 * NULL with the error written to stderr. *secs (if not NULL) gets the time
 * from send to the reply's arrival (before it is parsed). */
json_t *bench_call(bench_client *c, const char *cmd, json_t *args, const void *file, size_t file_len,
                   int timeout_ms, double *secs);

/* The ZeroMQ context of this process (one for all). */
void *bench_zctx(void);

/* Runs argv (stdout, stderr to /dev/null unless out_path) and waits.
 * Returns its exit status, or -1. */
int bench_run(char *const argv[], const char *out_path, double *secs);

#endif
