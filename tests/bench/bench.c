/*
 * bench.c - make bench: rectd's figures, each next to its limit measured in
 * the same run by the same client code (docs/BENCHMARKS.md says what each
 * row means). Prints a table and writes bench-results.json.
 *
 *   build/bench/bench [--help]
 *   env: RECTD, RECTCTL, BENCH_ONE_REQUEST   the programs (default ./rectd, ./rectctl,
 *                                            build/bench/one-request)
 *        BENCH_SECONDS=3     seconds of each throughput measurement
 *        BENCH_MAX_ITEMS=1000000   largest database of the scale rows (10000, 100000 or 1000000)
 *        BENCH_PROCS=30      runs of each program in the process rows (medians)
 *        BENCH_TRANSPORTS=ipc,tcp
 *        BENCH_OUT=bench-results.json
 *
 * Not a test: it asserts no speed. It fails only when something it drives
 * fails (a refusal, no reply).
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* ---- settings and the results table ------------------------------------ */

static struct {
    const char *rectd, *rectctl, *one_request, *repo, *out;
    double seconds;
    int rounds;
    long max_items;
    int procs;
    int ipc, tcp;
} S;

typedef struct {
    char section[24], name[96], unit[12], limit_name[64], target[40], note[200];
    double value, limit, ratio; /* limit, ratio: NAN-free; 0 when there is none */
    int higher_better;          /* 1: a rate; 0: a time or a size */
} row;

static row s_rows[256];
static int s_nrows;

static row *s_row(const char *section, const char *name, double value, const char *unit)
{
    if (s_nrows == (int)(sizeof s_rows / sizeof s_rows[0]))
        return &s_rows[s_nrows - 1];
    row *r = &s_rows[s_nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->section, sizeof r->section, "%s", section);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->unit, sizeof r->unit, "%s", unit);
    r->value = value;
    r->higher_better = strcmp(unit, "/s") == 0;
    fprintf(stderr, "  %-10s %-52s %12.3f %s\n", section, name, value, unit);
    return r;
}

static void s_limit(row *r, const char *limit_name, double limit, const char *target)
{
    snprintf(r->limit_name, sizeof r->limit_name, "%s", limit_name);
    snprintf(r->target, sizeof r->target, "%s", target ? target : "");
    r->limit = limit;
    if (limit > 0)
        fprintf(stderr, "  %-10s %-52s %12.3f %s (%s)\n", "", "", limit, r->unit, limit_name);
    if (limit > 0)
        r->ratio = r->value / limit; /* rectd / limit: a rate wants it high, a time low */
}

static void s_note(row *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_note(row *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
}

static double s_env_num(const char *name, double dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtod(v, NULL) : dflt;
}

static pid_t s_redis_pid; /* a redis-server this bench started, while it runs */

static void s_stop_all(void)
{
    bench_rectd_kill_all();
    if (s_redis_pid > 0) {
        kill(s_redis_pid, SIGKILL);
        waitpid(s_redis_pid, NULL, 0);
        s_redis_pid = 0;
    }
}

/* Ctrl-C or a kill: the servers this bench started go with it. */
static void s_on_signal(int sig)
{
    s_stop_all();
    _exit(128 + sig);
}

static void s_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    s_stop_all();
    exit(1);
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double s_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp_double);
    return n ? v[n / 2] : 0;
}

/* ---- the machine -------------------------------------------------------- */

static char s_machine[512];

static void s_describe_machine(void)
{
    char cpu[200] = "?", line[512];
    long mem_kb = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            snprintf(cpu, sizeof cpu, "%s", v ? v + 2 : "?");
            cpu[strcspn(cpu, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    f = fopen("/proc/meminfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %ld kB", &mem_kb) == 1)
            break;
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    snprintf(s_machine, sizeof s_machine, "%s, %ld cores, %.1f GiB RAM, %s %s", cpu,
             sysconf(_SC_NPROCESSORS_ONLN), (double)mem_kb / (1 << 20), u.sysname, u.release);
    printf("machine: %s\n", s_machine);
    fflush(stdout);
}

/* ---- request makers for the load ---------------------------------------- */

typedef struct {
    long item; /* show */
    int run;   /* add: refs and client ids unique to this run */
    char user[32];
} s_req_arg;

static int s_make_show(char *buf, size_t cap, int t, long n, void *arg)
{
    const s_req_arg *a = arg;
    return snprintf(buf, cap, "{\"v\":1,\"cmd\":\"show\",\"user\":\"%s\",\"args\":{\"item\":%ld}}", a->user,
                    a->item);
}

/* The cheapest durable write: `add` of an item with only its required
 * fields (one claim event, the item, its index entries, the stored reply). */
static int s_make_add(char *buf, size_t cap, int t, long n, void *arg)
{
    const s_req_arg *a = arg;
    return snprintf(buf, cap,
                    "{\"v\":1,\"cmd\":\"add\",\"user\":\"%s\",\"client\":\"bench-%d-%d\",\"seq\":%ld,"
                    "\"args\":{\"ref\":\"L%d-%d-%ld\",\"source\":\"national\",\"kind\":\"long-term\","
                    "\"title\":\"基准测试问题 %d-%d-%ld\"}}",
                    a->user, a->run, t, n + 1, a->run, t, n, a->run, t, n);
}

static double s_load(const char *endpoint, const bench_keys *k, int resp_port, int threads,
                     bench_make_fn make, s_req_arg *arg, int check_ok, bench_load_result *res)
{
    static int run;
    arg->run = ++run;
    bench_load spec = {.endpoint = endpoint,
                       .keys = k,
                       .resp_port = resp_port,
                       .threads = threads,
                       .seconds = S.seconds,
                       .make = make,
                       .arg = arg,
                       .check_ok = check_ok};
    if (bench_load_run(&spec, res) != 0)
        s_die("a load client could not connect or got no reply");
    if (res->errors)
        fprintf(stderr, "bench: %ld of %ld requests refused\n", res->errors, res->n);
    return res->rate;
}

static void s_processes(bench_rectd *r, const char *label, char *const ctl_args[], const char *request,
                        row **out);

/* The limit and rectd, alternately, S.rounds times each: their median
 * rates; *rres gets rectd's run of median rate. */
static void s_pair(const char *lim_ep, const bench_keys *lk, const char *ep, const bench_keys *k, int threads,
                   bench_make_fn make, s_req_arg *arg, double *lim, double *val, bench_load_result *rres)
{
    double l[15], v[15];
    bench_load_result rr[15], tmp;
    for (int i = 0; i < S.rounds; i++) {
        l[i] = s_load(lim_ep, lk, 0, threads, make, arg, 0, &tmp);
        v[i] = s_load(ep, k, 0, threads, make, arg, 1, &rr[i]);
    }
    double vs[15];
    memcpy(vs, v, sizeof vs);
    *lim = s_median(l, S.rounds);
    *val = s_median(vs, S.rounds);
    for (int i = 0; i < S.rounds; i++)
        if (v[i] == *val)
            *rres = rr[i];
}

/* ---- throughput: show and add vs echo and echo+put ---------------------- */

static void s_throughput(bench_rectd *r, const char *tr, double *redis_rate)
{
    bench_keys k;
    char sec[41], pub[41], dir[200], name[96];
    bench_load_result res;
    s_req_arg arg = {.user = "wangyan"};
    if (bench_rectd_keys(r, "wangyan", &k))
        s_die("no keys");
    /* the item every show reads: assigned, with one evidence, as a real one */
    char cid[32];
    snprintf(cid, sizeof cid, "bench-setup-%s", tr);
    bench_client *c = bench_client_new(r->endpoint, &k, "wangyan", cid);
    json_t *a =
        json_pack("{ss ss ss ss ss ss ss ss ss}", "ref", tr, "source", "national", "kind", "long-term",
                  "title", "防止返贫监测帮扶不够精准", "description",
                  "部分脱贫户、监测户收支情况底数不清,入户核实不到位,存在以系统数据代替实地走访的情况。",
                  "owner", "liming", "unit", "cun1", "leader", "zhanghua", "deadline", "2030-06-30");
    json_t *it = bench_call(c, "add", a, NULL, 0, 10000, NULL);
    json_decref(a);
    if (!it)
        s_die("add refused");
    arg.item = (long)json_integer_value(json_object_get(json_object_get(it, "item"), "id"));
    json_decref(it);
    bench_client_free(&c);

    /* the limits speak CURVE too, with a key pair of their own */
    zmq_curve_keypair(pub, sec);
    bench_keys ek = k;
    memcpy(ek.server, pub, 41);
    char bind_ep[256];
    if (strcmp(tr, "ipc") == 0)
        snprintf(bind_ep, sizeof bind_ep, "ipc://%s/echo.sock", r->dir);
    else
        snprintf(bind_ep, sizeof bind_ep, "tcp://127.0.0.1:*");

    bench_server *echo = bench_server_start(bind_ep, sec, NULL);
    if (!echo)
        s_die("echo server");
    static const int rc_[] = {1, 8};
    for (size_t i = 0; i < 2; i++) {
        int n = rc_[i];
        double lim, v;
        s_pair(bench_server_endpoint(echo), &ek, r->endpoint, &k, n, s_make_show, &arg, &lim, &v, &res);
        snprintf(name, sizeof name, "show, %d client%s, %s", n, n > 1 ? "s" : "", tr);
        row *w = s_row("reads", name, v, "/s");
        s_limit(w, "ZeroMQ echo", lim, n == 1 ? ">= 0.8x" : ">= 0.7x");
        s_note(w, "medians of %d alternating runs of %g s; rectd p50 %.0f us, p99 %.0f us", S.rounds,
               S.seconds, res.p50_us, res.p99_us);
    }
    bench_server_stop(&echo);

    /* one rectctl process vs the one-request process, on this small database */
    if (strcmp(tr, "ipc") == 0) {
        char id[24], req[160];
        snprintf(id, sizeof id, "%ld", arg.item);
        snprintf(req, sizeof req, "{\"v\":1,\"cmd\":\"show\",\"user\":\"wangyan\",\"args\":{\"item\":%ld}}",
                 arg.item);
        char *ctl[] = {"show", id, NULL};
        s_processes(r, "show ID`", ctl, req, NULL);
    }

    snprintf(dir, sizeof dir, "%s/echoput-%s", r->dir, tr);
    mkdir(dir, 0700);
    if (strcmp(tr, "ipc") == 0)
        snprintf(bind_ep, sizeof bind_ep, "ipc://%s/echoput.sock", r->dir);
    bench_server *ep = bench_server_start(bind_ep, sec, dir);
    if (!ep)
        s_die("echo+put server");
    static const int wc[] = {1, 8, 32, 50};
    for (size_t i = 0; i < 4; i++) {
        int n = wc[i];
        long c0, p0, c1, p1;
        bench_server_counts(ep, &c0, &p0);
        double lim, v;
        s_pair(bench_server_endpoint(ep), &ek, r->endpoint, &k, n, s_make_add, &arg, &lim, &v, &res);
        bench_server_counts(ep, &c1, &p1);
        snprintf(name, sizeof name, "durable add, %d client%s, %s", n, n > 1 ? "s" : "", tr);
        row *w = s_row("writes", name, v, "/s");
        s_limit(w, "echo + LMDB put, group commit", lim, n == 1 ? ">= 0.9x" : n == 50 ? "" : ">= 0.5x");
        s_note(
            w,
            "medians of %d alternating runs of %g s; rectd p50 %.0f us, p99 %.0f us; echo+put %.1f puts per commit",
            S.rounds, S.seconds, res.p50_us, res.p99_us, c1 > c0 ? (double)(p1 - p0) / (double)(c1 - c0) : 0);
        if (n == 50 && redis_rate && *redis_rate > 0) {
            snprintf(name, sizeof name, "durable add, 50 clients, %s, vs Redis", tr);
            row *x = s_row("writes", name, v, "/s");
            s_limit(x, "Redis SET, appendfsync always", *redis_rate, ">= 0.5x");
        }
    }
    bench_server_stop(&ep);
}

/* Redis with appendfsync always, 50 lockstep RESP clients doing SET with
 * the bytes of an add request, where redis-server is installed. */
static double s_redis(void)
{
    char *which[] = {"sh", "-c", "command -v redis-server", NULL};
    if (bench_run(which, NULL, NULL) != 0) {
        printf("redis: redis-server is not installed: the Redis row is skipped (Debian: apt-get install "
               "redis-server)\n");
        return 0;
    }
    char dir[] = "/tmp/rbredisXXXXXX", port[16];
    if (!mkdtemp(dir))
        return 0;
    int p = 20000 + (int)(getpid() % 20000);
    snprintf(port, sizeof port, "%d", p);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", dir,
               "--appendonly", "yes", "--appendfsync", "always", "--save", "", (char *)NULL);
        _exit(127);
    }
    s_redis_pid = pid;
    struct timespec d = {0, 500 * 1000 * 1000};
    nanosleep(&d, NULL);
    bench_load_result res;
    s_req_arg arg = {.user = "wangyan"};
    double v = s_load(NULL, NULL, p, 50, s_make_add, &arg, 0, &res);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    s_redis_pid = 0;
    char *rm[] = {"rm", "-rf", dir, NULL};
    bench_run(rm, NULL, NULL);
    printf("redis: SET at 50 clients, appendfsync always: %.0f/s\n", v);
    return v;
}

/* ---- processes: rectctl vs the one-request client ------------------------ */

/* Runs a and b alternately S.procs times each; their medians (seconds). */
static void s_alternate(char *const a[], char *const b[], double *ma, double *mb)
{
    double *ta = calloc((size_t)S.procs, sizeof *ta), *tb = calloc((size_t)S.procs, sizeof *tb);
    if (!ta || !tb)
        s_die("out of memory");
    for (int i = 0; i < S.procs; i++) {
        if (bench_run(a, NULL, &ta[i]) != 0 || bench_run(b, NULL, &tb[i]) != 0) {
            fprintf(stderr, "bench: %s or %s failed\n", a[0], b[0]);
            s_die("a process run failed");
        }
    }
    *ma = s_median(ta, S.procs);
    *mb = s_median(tb, S.procs);
    free(ta);
    free(tb);
}

static void s_processes(bench_rectd *r, const char *label, char *const ctl_args[], const char *request,
                        row **out)
{
    char server[300], key[300];
    snprintf(server, sizeof server, "%s/keys/rectd.pub", r->dir);
    snprintf(key, sizeof key, "%s/keys/wangyan.key", r->dir);
    char *ctl[16] = {(char *)S.rectctl, "-c", r->ctlconf};
    int n = 3;
    for (int i = 0; ctl_args[i] && n < 15; i++)
        ctl[n++] = ctl_args[i];
    ctl[n] = NULL;
    char *one[] = {(char *)S.one_request, r->endpoint, server, key, (char *)request, NULL};
    double mc, mo;
    s_alternate(ctl, one, &mc, &mo);
    char name[96];
    snprintf(name, sizeof name, "one `rectctl %s process", label);
    row *w = s_row("process", name, mc * 1000, "ms");
    s_limit(w, "one-request client process", mo * 1000, "<= 1.5x");
    s_note(w, "medians of %d runs each, alternating", S.procs);
    if (out)
        *out = w;
}

/* ---- the scale: items through import, overdue, the daily job ------------- */

static const char *const s_owners[] = {"liming", "zhaoli", "sunqiang", "zhouping", "wugang"};
static const char *const s_leaders[] = {"zhanghua", "lijun", "chenmei"};

/* A plan of n rows: the first red of them assigned to liming under zhanghua
 * with deadline red_deadline, the others due 2030-06-30. Caller frees. */
static char *s_plan(long n, long red, const char *prefix, const char *red_deadline, size_t *len)
{
    size_t cap = (size_t)n * 420 + 256, o = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    o += (size_t)snprintf(b, cap, "ref,source,kind,title,description,measures,owner,unit,leader,deadline\n");
    for (long i = 0; i < n; i++) {
        int r = i < red;
        o += (size_t)snprintf(
            b + o, cap - o,
            "%s%ld,national,%s,防止返贫监测帮扶不够精准 %ld,"
            "\"部分脱贫户、监测户收支情况底数不清,入户核实不到位,存在以系统数据代替实地走访的情况。\","
            "\"坚持每月一研判、每季度一摸排,逐户核实收支情况并更新监测台账。\",%s,cun%ld,%s,%s\n",
            prefix, i, i % 5 == 0 ? "immediate" : "long-term", i, r ? "liming" : s_owners[i % 5], 1 + i % 4,
            r ? "zhanghua" : s_leaders[i % 3], r ? red_deadline : "2030-06-30");
    }
    *len = o;
    return b;
}

static size_t s_plan_bytes; /* the size of the last plan imported */

/* Imports n rows; the ids of the first 100 into red_ids (if not NULL).
 * Returns the seconds the request took. */
static double s_import(bench_client *c, long n, long red, const char *prefix, const char *red_deadline,
                       long *red_ids)
{
    size_t len = 0;
    double secs = 0;
    char *plan = s_plan(n, red, prefix, red_deadline, &len);
    s_plan_bytes = len;
    if (!plan)
        s_die("out of memory");
    json_t *res = bench_call(c, "import", NULL, plan, len, 600000, &secs);
    free(plan);
    if (!res)
        s_die("import refused");
    json_t *ids = json_object_get(res, "ids");
    for (long i = 0; red_ids && i < red; i++)
        red_ids[i] = (long)json_integer_value(json_array_get(ids, (size_t)i));
    json_decref(res);
    return secs;
}

static void s_call_ok(bench_client *c, const char *cmd, json_t *args)
{
    json_t *r = bench_call(c, cmd, args, NULL, 0, 60000, NULL);
    json_decref(args);
    if (!r)
        s_die("a setup request was refused");
    json_decref(r);
}

/* The last stage's red items through the workflow to closed, so that each
 * stage has 100 red items of its own. */
static void s_close_red(bench_rectd *r, const long *ids, int n)
{
    bench_keys ko, kv, kl;
    if (bench_rectd_keys(r, "liming", &ko) || bench_rectd_keys(r, "maqing", &kv) ||
        bench_rectd_keys(r, "zhanghua", &kl))
        s_die("no keys");
    /* client ids of this call's own (each counts its seq from 1): one per stage */
    char oid[40], vid[40], lid[40];
    snprintf(oid, sizeof oid, "bench-owner-%ld", ids[0]);
    snprintf(vid, sizeof vid, "bench-verifier-%ld", ids[0]);
    snprintf(lid, sizeof lid, "bench-leader-%ld", ids[0]);
    bench_client *o = bench_client_new(r->endpoint, &ko, "liming", oid);
    bench_client *v = bench_client_new(r->endpoint, &kv, "maqing", vid);
    bench_client *l = bench_client_new(r->endpoint, &kl, "zhanghua", lid);
    for (int i = 0; i < n; i++) {
        s_call_ok(o, "start", json_pack("{sI}", "item", (json_int_t)ids[i]));
        s_call_ok(o, "evidence", json_pack("{sIss}", "item", (json_int_t)ids[i], "note", "整改完成"));
        s_call_ok(v, "verify",
                  json_pack("{sIssss}", "item", (json_int_t)ids[i], "result", "pass", "opinion", "合格"));
        s_call_ok(l, "close", json_pack("{sIss}", "item", (json_int_t)ids[i], "note", "销号"));
    }
    bench_client_free(&o);
    bench_client_free(&v);
    bench_client_free(&l);
}

/* Median seconds of reps calls of cmd; *count: the items of the last answer. */
static double s_time_call(bench_client *c, const char *cmd, json_t *args, int reps, long *count)
{
    double t[64];
    reps = reps > 64 ? 64 : reps;
    for (int i = 0; i < reps; i++) {
        json_t *res = bench_call(c, cmd, args, NULL, 0, 600000, &t[i]);
        if (!res)
            s_die("a timed request was refused");
        *count = (long)json_array_size(json_object_get(res, "items"));
        json_decref(res);
    }
    json_decref(args);
    return s_median(t, reps);
}

/* Pings in lockstep on a connection of its own while the main thread runs
 * something: how long the request loop is held up. */
typedef struct {
    bench_rectd *r;
    _Atomic int stop;
    double max, sum;
    long n;
    double lat[100000];
} s_pinger;

static void *s_ping_loop(void *arg)
{
    s_pinger *p = arg;
    bench_keys k;
    if (bench_rectd_keys(p->r, "xiaoliu", &k))
        return NULL;
    bench_client *c = bench_client_new(p->r->endpoint, &k, "xiaoliu", "bench-ping");
    json_t *w = bench_call(c, "ping", NULL, NULL, 0, 60000, NULL); /* connected before the clock runs */
    json_decref(w);
    while (!atomic_load(&p->stop)) {
        double s = 0;
        json_t *res = bench_call(c, "ping", NULL, NULL, 0, 600000, &s);
        if (!res)
            break;
        json_decref(res);
        if (p->n < 100000)
            p->lat[p->n] = s;
        p->n++;
        p->sum += s;
        p->max = s > p->max ? s : p->max;
        struct timespec d = {0, 2 * 1000 * 1000};
        nanosleep(&d, NULL); /* a person's pace, not a flood */
    }
    bench_client_free(&c);
    return NULL;
}

static s_pinger *s_ping_start(bench_rectd *r, pthread_t *th)
{
    s_pinger *p = calloc(1, sizeof *p);
    if (!p)
        s_die("out of memory");
    p->r = r;
    pthread_create(th, NULL, s_ping_loop, p);
    struct timespec d = {0, 200 * 1000 * 1000};
    nanosleep(&d, NULL);
    return p;
}

static void s_ping_stop(s_pinger *p, pthread_t th)
{
    atomic_store(&p->stop, 1);
    pthread_join(th, NULL);
}

static double s_ping_median(s_pinger *p)
{
    return s_median(p->lat, (int)(p->n < 100000 ? p->n : 100000));
}

typedef struct {
    long vm_rss, vm_hwm, rss_anon, rss_file, data_rss; /* kB */
} s_mem;

static void s_memory(pid_t pid, s_mem *m)
{
    char path[64], line[512];
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &m->vm_rss);
        sscanf(line, "VmHWM: %ld", &m->vm_hwm);
        sscanf(line, "RssAnon: %ld", &m->rss_anon);
        sscanf(line, "RssFile: %ld", &m->rss_file);
    }
    if (f)
        fclose(f);
    /* the Rss of the data file's mappings (smaps: a header line per mapping) */
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    f = fopen(path, "r");
    int in_data = 0;
    while (f && fgets(line, sizeof line, f)) {
        long kb;
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) /* a mapping's header line */
            in_data = strstr(line, "/data.mdb") != NULL;
        if (in_data && sscanf(line, "Rss: %ld kB", &kb) == 1)
            m->data_rss += kb;
    }
    if (f)
        fclose(f);
}

/* The size of rectd's log now: where to look for a line written from now on. */
static long s_log_size(const bench_rectd *r)
{
    struct stat sb;
    return stat(r->log, &sb) == 0 ? (long)sb.st_size : 0;
}

/*
 * Wait up to `secs` for rectd's log line of the daily job of `day` after
 * byte `from`: "daily job DAY (at ...): N notices, M escalated; built in X s
 * off the loop, written in Y s". 0 and its figures, or -1.
 */
static int s_wait_job(const bench_rectd *r, long from, const char *day, int secs, int *notices,
                      long long *escalated, double *built, double *written)
{
    char want[64], line[1024];
    snprintf(want, sizeof want, "daily job %s (at ", day);
    for (int i = 0; i < secs * 20; i++) {
        FILE *f = fopen(r->log, "r");
        if (f && fseek(f, from, SEEK_SET) == 0)
            while (fgets(line, sizeof line, f)) {
                const char *p = strstr(line, want);
                if (p && (p = strstr(p, "): ")) &&
                    sscanf(p, "): %d notices, %lld escalated; built in %lf s off the loop, written in %lf s",
                           notices, escalated, built, written) == 4) {
                    fclose(f);
                    return 0;
                }
            }
        if (f)
            fclose(f);
        struct timespec d = {0, 50 * 1000 * 1000};
        nanosleep(&d, NULL);
    }
    return -1;
}

typedef struct {
    long size;
    const char *day;       /* the stage's day: its red items are due 8 days before */
    const char *import_at; /* the clock while the stage's rows are imported */
    const char *job_at;    /* the clock for the listing and the job (08:30 local: before notify.at) */
    const char *eve;       /* the day before: its job is run first (untimed) */
} s_stage;

static void s_taskwarrior(double rectctl_ms);

static void s_scale(void)
{
    static const s_stage st[] = {
        {10000, "2026-12-20", "2026-12-10T12:00:00Z", "2026-12-20T00:30:00Z", "2026-12-19"},
        {100000, "2027-01-20", "2027-01-10T12:00:00Z", "2027-01-20T00:30:00Z", "2027-01-19"},
        {1000000, "2027-03-20", "2027-03-10T12:00:00Z", "2027-03-20T00:30:00Z", "2027-03-19"},
    };
    static const char *const extra[] = {"daemon.map_size_mb", "32768", "daemon.max_attachment_mb", "64",
                                        NULL};
    bench_rectd r;
    bench_keys k;
    long red_ids[100], have = 0, prev_red[100];
    int nprev = 0;
    if (bench_rectd_start(&r, S.rectd, S.repo, 0, st[0].import_at, extra) ||
        bench_rectd_keys(&r, "wangyan", &k))
        s_die("rectd (scale) did not start");
    bench_client *c = bench_client_new(r.endpoint, &k, "wangyan", "bench-scale");
    char name[96];
    for (size_t s = 0; s < sizeof st / sizeof st[0] && st[s].size <= S.max_items; s++) {
        char red_deadline[16], prefix[16];
        /* red: 8 days overdue on the stage's day, so escalated that day (escalate_after_days 7) */
        struct tm tm = {0};
        strptime(st[s].day, "%Y-%m-%d", &tm);
        tm.tm_mday -= 8;
        tm.tm_hour = 12;
        time_t t = timegm(&tm);
        strftime(red_deadline, sizeof red_deadline, "%Y-%m-%d", gmtime(&t));
        bench_rectd_set_clock(&r, st[s].import_at);
        if (nprev)
            s_close_red(&r, prev_red, nprev);
        /* rows up to the stage's size; imports of at most 100,000 rows */
        long todo = st[s].size - have, first = 1;
        double secs_sum = 0, secs_first = 0;
        int imports = 0;
        while (todo > 0) {
            long n = todo > 100000 ? 100000 : todo;
            snprintf(prefix, sizeof prefix, "S%zu-%d-", s, imports);
            double secs = s_import(c, n, first ? 100 : 0, prefix, red_deadline, first ? red_ids : NULL);
            if (first)
                secs_first = secs;
            secs_sum += secs;
            first = 0;
            imports++;
            todo -= n;
            have += n;
        }
        long before = s ? st[s - 1].size : 0, rows = st[s].size - before;
        if (imports == 1) {
            snprintf(name, sizeof name, "import %ld rows (into %ld items)", rows, before);
            row *w = s_row("import", name, secs_first, "s");
            s_note(w, "%.0f rows/s, one request (%.1f MiB plan), one transaction", (double)rows / secs_first,
                   (double)s_plan_bytes / (1 << 20));
        } else {
            snprintf(name, sizeof name, "import 100000 rows, mean of %d (into %ld..%ld items)", imports,
                     s ? st[s - 1].size : 0L, st[s].size - 100000);
            row *w = s_row("import", name, secs_sum / imports, "s");
            s_note(w, "%.0f rows/s; first of them %.2f s", 100000.0 * imports / secs_sum, secs_first);
        }
        memcpy(prev_red, red_ids, sizeof red_ids);
        nprev = 100;

        /* the day: 08:30 local, before notify.at; the eve's job done first */
        bench_rectd_set_clock(&r, st[s].job_at);
        s_call_ok(c, "notify_run", json_pack("{ss}", "as_of", st[s].eve));
        long count = 0;
        int reps = st[s].size >= 1000000 ? 5 : 15;
        double lo = s_time_call(c, "list", json_pack("{sb}", "overdue", 1), reps, &count);
        snprintf(name, sizeof name, "list --overdue, %ldk items, 100 red", st[s].size / 1000);
        row *w = s_row("overdue", name, lo * 1000, "ms");
        s_note(w, "%ld items answered; median of %d", count, reps);
        static double lo_10k;
        if (s == 0)
            lo_10k = lo;
        else
            s_limit(w, "the same at 10k items", lo_10k * 1000, "<= 2x");
        static double show_10k;
        int sreps = st[s].size >= 100000 ? 5 : reps; /* show walks every item: seconds at 100k */
        double sh = s_time_call(c, "show", json_pack("{sI}", "item", (json_int_t)red_ids[0]), sreps, &count);
        snprintf(name, sizeof name, "show, %ldk items (one client, one at a time)", st[s].size / 1000);
        w = s_row("reads", name, sh * 1000, "ms");
        s_note(w, "median of %d", sreps);
        if (s == 0)
            show_10k = sh;
        else
            s_limit(w, "the same at 10k items", show_10k * 1000, "");
        double ov = s_time_call(c, "overdue", NULL, reps, &count);
        snprintf(name, sizeof name, "overdue, %ldk items, 100 red", st[s].size / 1000);
        w = s_row("overdue", name, ov * 1000, "ms");
        s_note(w, "%ld items answered; median of %d", count, reps);

        if (s == 0) {
            row *p = NULL;
            char *ctl[] = {"--json", "list", "--overdue", NULL};
            s_processes(&r, "--json list --overdue` at 10k", ctl,
                        "{\"v\":1,\"cmd\":\"list\",\"user\":\"wangyan\",\"args\":{\"overdue\":true}}", &p);
            s_taskwarrior(p ? p->value : 0);

            /* a ping behind long reads: audit_verify over 10k items on another connection */
            pthread_t th;
            s_pinger *pg = s_ping_start(&r, &th);
            double ta = 0;
            for (int i = 0; i < 3; i++) {
                double one;
                json_t *a = bench_call(c, "audit_verify", NULL, NULL, 0, 600000, &one);
                json_decref(a);
                ta += one;
            }
            s_ping_stop(pg, th);
            w = s_row("latency", "ping during audit_verify, 10k items (max)", pg->max * 1000, "ms");
            s_note(w, "median %.2f ms over %ld pings; audit_verify %.0f ms each, read_threads 2",
                   s_ping_median(pg) * 1000, pg->n, ta / 3 * 1000);
            free(pg);
        }

        /*
         * The daily job of the day as it runs every morning: the clock moved
         * past notify.at, the job built off the loop and committed at a tick;
         * its own log line says how long it was built and written. Pings
         * meanwhile: how long the request loop is held up.
         */
        pthread_t th;
        s_pinger *pg = s_ping_start(&r, &th);
        double built = 0, written = 0;
        int notices = 0;
        long long escalated = 0;
        char at[32];
        snprintf(at, sizeof at, "%sT01:30:00Z", st[s].day); /* 09:30 in Asia/Shanghai */
        long from = s_log_size(&r);
        bench_rectd_set_clock(&r, at);
        if (s_wait_job(&r, from, st[s].day, 600, &notices, &escalated, &built, &written))
            s_die("the daily job did not run (see rectd.log)");
        s_ping_stop(pg, th);
        snprintf(name, sizeof name, "daily job at notify.at, %ldk items, 100 red", st[s].size / 1000);
        w = s_row("daily job", name, (built + written) * 1000, "ms");
        s_note(w,
               "%lld escalated, %d notices; built %.0f ms off the loop, written %.0f ms; a ping meanwhile "
               "waited up to %.1f ms (median %.2f)",
               escalated, notices, built * 1000, written * 1000, pg->max * 1000, s_ping_median(pg) * 1000);
        free(pg);

        s_mem m;
        s_memory(r.pid, &m);
        snprintf(name, sizeof name, "rectd memory, %ldk items (RSS - data file)", st[s].size / 1000);
        w = s_row("memory", name, (double)(m.vm_rss - m.data_rss) / 1024, "MiB");
        if (st[s].size == 1000000)
            s_limit(w, "", 0, "< 64 MiB");
        s_note(w, "VmRSS %.1f MiB, data.mdb mapped %.1f MiB, RssAnon %.1f MiB, VmHWM %.1f MiB",
               (double)m.vm_rss / 1024, (double)m.data_rss / 1024, (double)m.rss_anon / 1024,
               (double)m.vm_hwm / 1024);
        char path[300];
        struct stat sb;
        snprintf(path, sizeof path, "%s/data/data.mdb", r.dir);
        if (stat(path, &sb) == 0) {
            snprintf(name, sizeof name, "data file per item, %ldk items", st[s].size / 1000);
            w = s_row("memory", name, (double)sb.st_size / (double)st[s].size, "B");
            s_note(w, "data.mdb %.1f MiB (%.1f MiB on disk)", (double)sb.st_size / (1 << 20),
                   (double)sb.st_blocks * 512 / (1 << 20));
        }
    }
    bench_client_free(&c);
    bench_rectd_stop(&r, 1);
}

/* Taskwarrior's overdue report over 10,000 tasks, 100 of them overdue,
 * where `task` is installed. */
static void s_taskwarrior(double rectctl_ms)
{
    char *which[] = {"sh", "-c", "command -v task", NULL};
    if (bench_run(which, NULL, NULL) != 0) {
        printf(
            "taskwarrior: `task` is not installed: its row is skipped (Debian: apt-get install taskwarrior)\n");
        return;
    }
    char dir[] = "/tmp/rbtaskXXXXXX", rc[128], json[128], rcarg[160];
    if (!mkdtemp(dir))
        return;
    snprintf(rc, sizeof rc, "%s/taskrc", dir);
    snprintf(json, sizeof json, "%s/tasks.json", dir);
    FILE *f = fopen(rc, "w");
    if (!f)
        return;
    fprintf(f, "data.location=%s\nconfirmation=off\nverbose=nothing\nnews.version=9.9.9\n", dir);
    fclose(f);
    f = fopen(json, "w");
    if (!f)
        return;
    time_t now = time(NULL);
    for (int i = 0; i < 10000; i++) {
        char due[32];
        time_t d = i < 100 ? now - 10 * 86400 : now + 1000L * 86400;
        strftime(due, sizeof due, "%Y%m%dT%H%M%SZ", gmtime(&d));
        fprintf(f,
                "{\"description\":\"防止返贫监测帮扶不够精准 %d\",\"status\":\"pending\",\"due\":\"%s\"}\n",
                i, due);
    }
    fclose(f);
    snprintf(rcarg, sizeof rcarg, "rc:%s", rc);
    char *imp[] = {"task", rcarg, "import", json, NULL};
    if (bench_run(imp, NULL, NULL) != 0) {
        printf("taskwarrior: task import failed: its row is skipped\n");
        return;
    }
    double t[64];
    int n = S.procs > 64 ? 64 : S.procs;
    char *rep[] = {"task", rcarg, "overdue", NULL};
    for (int i = 0; i < n; i++)
        bench_run(rep, NULL, &t[i]);
    double m = s_median(t, n);
    row *w = s_row("process", "`rectctl --json list --overdue`, 10k items, vs Taskwarrior", rectctl_ms, "ms");
    s_limit(w, "Taskwarrior 'task overdue', 10k tasks", m * 1000, "<= 0.033x");
    s_note(w, "rectctl %.1fx faster (target: 30x); medians of %d runs; 100 overdue in each",
           m * 1000 / rectctl_ms, n);
    char *rm[] = {"rm", "-rf", dir, NULL};
    bench_run(rm, NULL, NULL);
}

/* ---- the report --------------------------------------------------------- */

static void s_print_table(void)
{
    printf("\n%-10s %-52s %12s %-5s %-32s %12s %8s %-9s %s\n", "section", "what", "rectd", "", "limit", "",
           "ratio", "target", "note");
    for (int i = 0; i < s_nrows; i++) {
        const row *r = &s_rows[i];
        char lim[24] = "", ratio[16] = "";
        if (r->limit > 0)
            snprintf(lim, sizeof lim, "%.3f", r->limit);
        if (r->ratio > 0)
            snprintf(ratio, sizeof ratio, "%.2fx", r->ratio);
        printf("%-10s %-52s %12.3f %-5s %-32s %12s %8s %-9s %s\n", r->section, r->name, r->value, r->unit,
               r->limit_name, lim, ratio, r->target, r->note);
    }
}

static void s_write_json(void)
{
    json_t *rows = json_array(), *doc;
    for (int i = 0; i < s_nrows; i++) {
        const row *r = &s_rows[i];
        json_array_append_new(rows, json_pack("{ss ss sf ss ss sf sf ss ss}", "section", r->section, "what",
                                              r->name, "value", r->value, "unit", r->unit, "limit_name",
                                              r->limit_name, "limit", r->limit, "ratio", r->ratio, "target",
                                              r->target, "note", r->note));
    }
    time_t now = time(NULL);
    char at[32];
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    doc = json_pack("{ss ss s{sf sI si} so}", "machine", s_machine, "at", at, "settings", "seconds",
                    S.seconds, "max_items", (json_int_t)S.max_items, "procs", S.procs, "rows", rows);
    if (!doc || json_dump_file(doc, S.out, JSON_INDENT(1)) != 0)
        fprintf(stderr, "bench: could not write %s\n", S.out);
    else
        printf("\nwrote %s\n", S.out);
    json_decref(doc);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("usage: %s   (settings in the environment: see docs/BENCHMARKS.md)\n", argv[0]);
        return strcmp(argv[1], "--help") == 0 ? 0 : 1;
    }
    static char repo[4096];
    if (!getcwd(repo, sizeof repo))
        s_die("getcwd");
    S.repo = repo;
    S.rectd = getenv("RECTD") ? getenv("RECTD") : "./rectd";
    S.rectctl = getenv("RECTCTL") ? getenv("RECTCTL") : "./rectctl";
    S.one_request = getenv("BENCH_ONE_REQUEST") ? getenv("BENCH_ONE_REQUEST") : "build/bench/one-request";
    S.out = getenv("BENCH_OUT") ? getenv("BENCH_OUT") : "bench-results.json";
    S.seconds = s_env_num("BENCH_SECONDS", 2);
    S.rounds = (int)s_env_num("BENCH_ROUNDS", 3);
    S.rounds = S.rounds < 1 ? 1 : S.rounds > 15 ? 15 : S.rounds;
    S.max_items = (long)s_env_num("BENCH_MAX_ITEMS", 1000000);
    S.procs = (int)s_env_num("BENCH_PROCS", 30);
    const char *tr = getenv("BENCH_TRANSPORTS") ? getenv("BENCH_TRANSPORTS") : "ipc,tcp";
    S.ipc = strstr(tr, "ipc") != NULL;
    S.tcp = strstr(tr, "tcp") != NULL;
    double t0 = bench_now();
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    signal(SIGHUP, s_on_signal);
    s_describe_machine();
    printf(
        "settings: BENCH_SECONDS=%g BENCH_ROUNDS=%d BENCH_MAX_ITEMS=%ld BENCH_PROCS=%d BENCH_TRANSPORTS=%s\n",
        S.seconds, S.rounds, S.max_items, S.procs, tr);
    fflush(stdout);

    double redis = s_redis();
    bench_rectd r;
    /* each transport on a fresh rectd (show walks every item: a database grown by
     * the other's writes would change its figures); on ipc first, always: its
     * first start makes the demo keys the tcp config names */
    for (int tcp = 0; tcp < 2; tcp++) {
        if (!(tcp ? S.tcp : S.ipc))
            continue;
        if (bench_rectd_start(&r, S.rectd, S.repo, 0, NULL, NULL))
            s_die("rectd did not start");
        if (tcp && bench_rectd_restart(&r, S.rectd, S.repo, 1, NULL))
            s_die("rectd did not restart on tcp");
        s_throughput(&r, tcp ? "tcp" : "ipc", tcp || !S.tcp ? &redis : NULL);
        bench_rectd_stop(&r, 1);
    }
    {
        /* import of 100,000 rows into an empty database (the scale rows import 10k and 90k);
         * 100,000 rows of the generated plan are more than the default attachment limit */
        static const char *const extra[] = {"daemon.max_attachment_mb", "64", "daemon.map_size_mb", "8192",
                                            NULL};
        bench_keys k;
        if (bench_rectd_start(&r, S.rectd, S.repo, 0, NULL, extra) || bench_rectd_keys(&r, "wangyan", &k))
            s_die("rectd did not start");
        bench_client *c = bench_client_new(r.endpoint, &k, "wangyan", "bench-import");
        double secs = s_import(c, 100000, 0, "I-", "2030-06-30", NULL);
        row *w = s_row("import", "import 100000 rows (into 0 items)", secs, "s");
        s_note(w, "%.0f rows/s, one request (%.1f MiB plan), one transaction", 100000 / secs,
               (double)s_plan_bytes / (1 << 20));
        bench_client_free(&c);
        bench_rectd_stop(&r, 1);
    }

    s_scale();

    s_print_table();
    s_write_json();
    printf("total %.0f s\n", bench_now() - t0);
    return 0;
}
