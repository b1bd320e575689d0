/*
 * test_faults.c - failure you can reach: every write command (and the reads
 * that build big answers: blob_get, dossier), run through
 * dispatch_run on a real store, with its k-th allocation (and, separately,
 * its k-th LMDB write) made to fail, for k = 1, 2, ... until the request
 * gets through without reaching the fault (daemon/fault.h).
 *
 * Each faulted run must answer with a well-formed out_of_memory,
 * storage_full or internal error and change nothing (same chain head and
 * counts; audit_verify passes), or answer exactly what the same request
 * answers without faults (a fault reached after the change was complete,
 * e.g. in the log line). The run that no longer reaches the fault is the
 * retry of all the failed ones (same client and seq: refusals are not
 * stored) and must answer exactly that too.
 *
 * Time: rectd's clock reads a clock file (fixed), so two runs of the same
 * request on the same state answer byte for byte alike. The store lives
 * in /dev/shm when there is one (commits sync). K_MAX caps k per command
 * and kind: beyond it every K_STRIDE-th k is tried, and the last k.
 * rectd's own stderr (its log lines) goes to a file beside this binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "fault.h"
#include "rect_cfg.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "store.h"

#define K_MAX 1500
#define K_STRIDE 7

static rect_cfg *s_cfg;
static store *s_st;
static char s_dir[256], s_data[300], s_log[PATH_MAX];
static int s_log_fd = -1;

/* One request: who, what, arguments (JSON object text), an attached file. */
typedef struct {
    const char *user, *cmd, *args, *file;
} s_step;

static const char s_plan[] =
    "编号,问题来源,整改类型,问题,问题描述,整改措施,责任领导,责任单位,责任人,整改时限\n"
    "P-1,国家反馈共性问题,长期坚持,问题一,描述一,措施一,张华,乡村振兴办公室,李明,2027-06-30\n"
    "P-2,自查自纠,立查立改,问题二,,,,,,\n";

/* ---- the store and the requests ------------------------------------------ */

static void s_rm_data(void)
{
    static const char *const files[] = {"data.mdb", "lock.mdb", "rectd.lock"};
    char path[400];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", s_data, files[i]);
        unlink(path);
    }
    rmdir(s_data);
}

/* A new empty store. */
static void s_fresh(void)
{
    char err[512];
    store_close(&s_st);
    s_rm_data();
    if (store_open(s_data, 64, &s_st, err, sizeof err) != 0)
        fail_msg("store_open: %s", err);
}

/* Run one request (as its user's connection), return the reply (caller frees). */
static char *s_run(const s_step *step, uint64_t seq)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"v\":1,\"cmd\":\"%s\",\"user\":\"%s\",\"args\":%s,\"client\":\"faults\",\"seq\":%llu}",
             step->cmd, step->user, step->args ? step->args : "{}", (unsigned long long)seq);
    dispatch_req r;
    memset(&r, 0, sizeof r);
    r.req = text;
    r.req_len = strlen(text);
    if (step->file) {
        r.files[0].data = step->file;
        r.files[0].len = strlen(step->file);
        r.n_files = 1;
    }
    const rect_user *u = cfg_user(s_cfg, step->user);
    assert_non_null(u);
    snprintf(r.peer.key, sizeof r.peer.key, "%s", u->public_key);
    int saved = dup(2);
    dup2(s_log_fd, 2);
    dispatch_run(s_cfg, s_st, &r, 1);
    dup2(saved, 2);
    close(saved);
    assert_non_null(r.reply);
    free(r.reply_data); /* blob_get's frame: the reply says how long it was */
    return r.reply;
}

/* The reply's error code, or NULL for ok; fails the test on a malformed reply. */
static const char *s_code(const char *reply, char *buf, size_t len)
{
    json_t *j = json_loads(reply, 0, NULL);
    if (!j || !json_is_boolean(json_object_get(j, "ok")))
        fail_msg("malformed reply: %s", reply);
    const char *code = NULL;
    if (!json_is_true(json_object_get(j, "ok"))) {
        json_t *e = json_object_get(j, "error");
        const char *c = json_string_value(json_object_get(e, "code"));
        const char *m = json_string_value(json_object_get(e, "message"));
        if (!c || !m || !*m)
            fail_msg("malformed error reply: %s", reply);
        snprintf(buf, len, "%s", c);
        code = buf;
    }
    json_decref(j);
    return code;
}

/* Run a request that must succeed; return its reply (caller frees). */
static char *s_ok(const s_step *step, uint64_t seq)
{
    char code[64];
    char *reply = s_run(step, seq);
    if (s_code(reply, code, sizeof code))
        fail_msg("%s as %s (%s): %s", step->cmd, step->user, step->args ? step->args : "{}", reply);
    return reply;
}

/* audit_verify through dispatch must find the record whole. */
static void s_audit_ok(const char *when)
{
    s_step a = {"wangyan", "audit_verify", NULL, NULL};
    char *reply = s_ok(&a, 1);
    json_t *j = json_loads(reply, 0, NULL);
    if (!json_is_true(json_object_get(json_object_get(j, "result"), "ok")))
        fail_msg("audit_verify after %s: %s", when, reply);
    json_decref(j);
    free(reply);
}

/* Chain head and counts: a failed request must leave them as they were. */
typedef struct {
    uint64_t items, events, next_seq;
    unsigned char head[32];
} s_mark;

static s_mark s_mark_now(void)
{
    s_mark m;
    store_txn *t;
    unsigned char h[32];
    assert_int_equal(store_begin(s_st, 0, NULL, &t), 0);
    assert_int_equal(store_counts(t, &m.items, &m.events, m.head), 0);
    assert_int_equal(store_head(t, &m.next_seq, h), 0);
    store_abort(&t);
    return m;
}

/* ---- the commands and what each needs first ------------------------------- */

#define ADD_ASSIGNED(kind, deadline)                                                                      \
    {                                                                                                     \
        "wangyan", "add",                                                                                 \
            "{\"ref\":\"F-1\",\"source\":\"national\",\"kind\":\"" kind                                   \
            "\",\"title\":\"标题\",\"description\":\"描述\","                                         \
            "\"owner\":\"liming\",\"unit\":\"xiangcun\",\"leader\":\"zhanghua\",\"deadline\":\"" deadline \
            "\"}",                                                                                        \
            NULL                                                                                          \
    }
#define ADD ADD_ASSIGNED("immediate", "2026-12-20")
#define START                                                     \
    {                                                             \
        "liming", "start", "{\"item\":1,\"note\":\"开始\"}", NULL \
    }
#define EVIDENCE                                                                                   \
    {                                                                                              \
        "liming", "evidence", "{\"item\":1,\"note\":\"照片\",\"files\":[\"a.jpg\"]}", "JPEG bytes" \
    }
#define PASS                                                                              \
    {                                                                                     \
        "maqing", "verify", "{\"item\":1,\"result\":\"pass\",\"opinion\":\"合格\"}", NULL \
    }
#define CLOSE                                                       \
    {                                                               \
        "zhanghua", "close", "{\"item\":1,\"note\":\"销号\"}", NULL \
    }
#define EXTEND                                                                                 \
    {                                                                                          \
        "liming", "extend", "{\"item\":1,\"deadline\":\"2027-01-20\",\"reason\":\"雪\"}", NULL \
    }
#define NOTIFY                              \
    {                                       \
        "wangyan", "notify_run", NULL, NULL \
    }
#define INSPECTION                                                                              \
    {                                                                                           \
        "wangyan", "inspection_add",                                                            \
            "{\"name\":\"2026-Q4\",\"title\":\"第四季度\",\"fed_back\":{\"national\":3}}", NULL \
    }
#define END                    \
    {                          \
        NULL, NULL, NULL, NULL \
    }

typedef struct {
    const char *name;
    s_step before[8]; /* run first, each must succeed; ends with END */
    s_step step;      /* the request under test */
} s_case;

/* clang-format off */
static const s_case s_cases[] = {
    {"add", {END}, ADD},
    {"import", {END}, {"wangyan", "import", "{\"inspection\":\"2026-Q4\"}", s_plan}},
    {"assign",
     {{"wangyan", "add", "{\"ref\":\"F-1\",\"source\":\"county\",\"kind\":\"immediate\",\"title\":\"标题\"}", NULL}, END},
     {"zhanghua", "assign",
      "{\"item\":\"F-1\",\"owner\":\"liming\",\"unit\":\"xiangcun\",\"leader\":\"zhanghua\",\"deadline\":\"2026-12-20\"}", NULL}},
    {"start", {ADD, END}, START},
    {"evidence", {ADD, START, END}, EVIDENCE},
    {"verify pass", {ADD, START, EVIDENCE, END}, PASS},
    {"verify reject", {ADD, START, EVIDENCE, END},
     {"maqing", "verify", "{\"item\":1,\"result\":\"reject\",\"opinion\":\"不合格\"}", NULL}},
    {"close", {ADD, START, EVIDENCE, PASS, END}, CLOSE},
    {"reopen", {ADD, START, EVIDENCE, PASS, CLOSE, END}, {"wangyan", "reopen", "{\"item\":1,\"reason\":\"复发\"}", NULL}},
    {"extend", {ADD, END}, EXTEND},
    {"decide_extension", {ADD, EXTEND, END},
     {"zhanghua", "decide_extension", "{\"item\":1,\"decision\":\"approve\",\"note\":\"同意\"}", NULL}},
    {"review",
     {ADD_ASSIGNED("long-term", "2026-12-20"), START, EVIDENCE, PASS, CLOSE, END},
     {"liming", "review", "{\"item\":1,\"note\":\"巩固\",\"files\":[\"r.pdf\"]}", "PDF bytes"}},
    /* overdue: the daily job escalates it and tells its people */
    {"notify_run", {ADD_ASSIGNED("immediate", "2026-11-02"), END}, NOTIFY},
    /* "%llu": the id of the first notice in the user's inbox */
    {"ack", {ADD_ASSIGNED("immediate", "2026-11-02"), NOTIFY, END}, {"liming", "ack", "{\"id\":%llu}", NULL}},
    {"inspection_add", {END}, INSPECTION},
    {"inspection_update", {INSPECTION, END},
     {"wangyan", "inspection_update", "{\"name\":\"2026-Q4\",\"title\":\"四季度\",\"fed_back\":{\"national\":4},\"note\":\"更正\"}", NULL}},
    /* Reads that build big answers (issue 9): a fault is an error reply, never a crash or a leak. */
    {"blob_get", {ADD, START, EVIDENCE, END},
     {"maqing", "blob_get", "{\"item\":1,\"sha256\":\"36c30dec48cedf24f592919b9f832b5d9dd1109a6b5193058fc0c6ce782b4b6c\"}", NULL}},
    {"dossier", {ADD, START, EVIDENCE, PASS, END}, {"maqing", "dossier", "{\"item\":1}", NULL}},
    /* a page of the inbox that stops before the last notice (the assigned one, the digest): next */
    {"inbox page", {ADD_ASSIGNED("immediate", "2026-11-02"), NOTIFY, END}, {"liming", "inbox", "{\"limit\":1}", NULL}},
};
/* clang-format on */

static char s_args[512]; /* the arguments of the step under test */

/* What the answers without faults must hold: the paths that matter were taken. */
static const struct {
    const char *name, *shows;
} s_shows[] = {
    {"import", "\"imported\":2,\"assigned\":1"}, {"notify_run", "\"escalated\":1"},
    {"evidence", "\"evidence_count\":1"},        {"blob_get", "\"length\":10"},
    {"dossier", "\"verified_by\":\"maqing\""},
};

static const char *s_shows_of(const s_case *c)
{
    for (size_t i = 0; i < sizeof s_shows / sizeof s_shows[0]; i++)
        if (strcmp(s_shows[i].name, c->name) == 0)
            return s_shows[i].shows;
    return "\"ok\":true";
}

/* A fresh store with the case's requests before it run; the step's arguments in s_args. */
static void s_prepare(const s_case *c)
{
    s_fresh();
    uint64_t seq = 100;
    for (const s_step *b = c->before; b->cmd; b++)
        free(s_ok(b, seq++));
    const char *args = c->step.args ? c->step.args : "{}", *hole = strstr(args, "%llu");
    snprintf(s_args, sizeof s_args, "%s", args);
    if (hole) {
        unsigned long long id;
        s_step inbox = {c->step.user, "inbox", NULL, NULL};
        char *reply = s_ok(&inbox, 1);
        json_t *j = json_loads(reply, 0, NULL);
        id = (unsigned long long)json_integer_value(json_object_get(
            json_array_get(json_object_get(json_object_get(j, "result"), "notices"), 0), "id"));
        json_decref(j);
        free(reply);
        assert_true(id > 0);
        snprintf(s_args, sizeof s_args, "%.*s%llu%s", (int)(hole - args), args, id, hole + 4);
    }
}

/* The step under test, with its arguments as prepared. */
static s_step s_step_of(const s_case *c)
{
    s_step st = c->step;
    st.args = s_args;
    return st;
}

/* The next k to try after k (every one up to K_MAX, then every K_STRIDE-th, then the last). */
static unsigned long s_next_k(unsigned long k, unsigned long last)
{
    if (k < K_MAX || k >= last)
        return k + 1;
    return k + K_STRIDE < last ? k + K_STRIDE : last;
}

/*
 * Fail the k-th call of kind for k = 1, 2, ... until the request runs
 * without reaching it. Returns how many faulted runs there were.
 */
static unsigned long s_faults(const s_case *c, fault_kind kind, int err, const char *reference,
                              unsigned long calls)
{
    static const char *const allowed[] = {"out_of_memory", "storage_full", "internal"};
    const char *what = kind == FAULT_ALLOC ? "allocation" : "LMDB write";
    unsigned long runs = 0;
    s_prepare(c);
    for (unsigned long k = 1;; k = s_next_k(k, calls)) {
        if (k > calls + 50)
            fail_msg("%s: the %s fault still fires at k = %lu (%lu calls without faults)", c->name, what, k,
                     calls);
        char label[128], code[64];
        snprintf(label, sizeof label, "%s with %s %lu failing", c->name, what, k);
        s_mark before = s_mark_now();
        fault_arm(kind, k, err);
        s_step st = s_step_of(c);
        char *reply = s_run(&st, 1);
        int fired = fault_fired(kind);
        fault_reset();
        const char *got = s_code(reply, code, sizeof code);
        if (!fired) {
            /* the retry of every failed run: it must do what a run without faults does */
            if (strcmp(reply, reference) != 0)
                fail_msg("%s: got %s, not %s", label, reply, reference);
            free(reply);
            s_audit_ok(label);
            return runs;
        }
        runs++;
        if (got) {
            size_t i = 0;
            while (i < sizeof allowed / sizeof allowed[0] && strcmp(allowed[i], got) != 0)
                i++;
            if (i == sizeof allowed / sizeof allowed[0])
                fail_msg("%s: answered %s", label, reply);
            /* the dispatcher's one wording, whichever handler met the full map */
            if (strcmp(got, "storage_full") == 0 && !strstr(reply, "raise it in the config"))
                fail_msg("%s: storage_full without the dispatcher's advice: %s", label, reply);
            s_mark after = s_mark_now();
            if (memcmp(&before, &after, sizeof before) != 0)
                fail_msg("%s: answered %s but changed the store (%llu -> %llu events)", label, reply,
                         (unsigned long long)before.events, (unsigned long long)after.events);
            s_audit_ok(label);
        } else {
            /* ok although it failed: the fault came after the change; it must be the whole change */
            if (strcmp(reply, reference) != 0)
                fail_msg("%s: answered ok with %s, not %s", label, reply, reference);
            s_audit_ok(label);
            s_prepare(c);
        }
        free(reply);
    }
}

static void test_every_write_fails_cleanly_at_every_allocation_and_lmdb_write(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const s_case *c = &s_cases[i];
        /* Without faults: the answer to compare with, and how many calls of each kind it makes. */
        s_prepare(c);
        fault_arm(FAULT_ALLOC, ULONG_MAX, 0);
        fault_arm(FAULT_LMDB, ULONG_MAX, 0);
        s_step st = s_step_of(c);
        char *reference = s_run(&st, 1), code[64];
        unsigned long allocs = fault_calls(FAULT_ALLOC), writes = fault_calls(FAULT_LMDB);
        fault_reset();
        if (s_code(reference, code, sizeof code) || !strstr(reference, s_shows_of(c)))
            fail_msg("%s without faults: %s", c->name, reference);
        s_audit_ok(c->name);
        unsigned long a = s_faults(c, FAULT_ALLOC, 0, reference, allocs);
        /* a full map (storage_full), then a failing disk (EIO: internal) */
        unsigned long w = s_faults(c, FAULT_LMDB, MDB_MAP_FULL, reference, writes);
        w += s_faults(c, FAULT_LMDB, EIO, reference, writes);
        printf("  %-18s %5lu allocations, %3lu LMDB writes: %lu faulted runs\n", c->name, allocs, writes,
               a + w);
        assert_true(a == allocs && w == 2 * writes);
        free(reference);
    }
}

/* The fault fires once, at the armed call, and reports how far a run got. */
static void test_an_armed_fault_fails_the_kth_call_once(void **state)
{
    (void)state;
    fault_arm(FAULT_ALLOC, 3, 0);
    void *p[5];
    for (int i = 0; i < 5; i++)
        p[i] = fault_malloc(8);
    assert_non_null(p[0]);
    assert_non_null(p[1]);
    assert_null(p[2]);
    assert_non_null(p[3]);
    assert_true(fault_fired(FAULT_ALLOC));
    assert_int_equal(fault_calls(FAULT_ALLOC), 3);
    for (int i = 0; i < 5; i++)
        free(p[i]);
    fault_reset();
    assert_false(fault_fired(FAULT_ALLOC));
    assert_int_equal(fault_lmdb(), 0);
    assert_non_null(p[0] = fault_malloc(8)); /* disarmed: nothing counts, nothing fails */
    free(p[0]);
    assert_int_equal(fault_calls(FAULT_ALLOC), 0);
    fault_arm(FAULT_LMDB, 1, MDB_MAP_FULL);
    assert_int_equal(fault_lmdb(), MDB_MAP_FULL);
    assert_int_equal(fault_lmdb(), 0);
    fault_reset();
}

static int s_setup(void **state)
{
    (void)state;
    char err[512];
    if (cfg_load("config/rectd.conf", &s_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    for (size_t i = 0; i < s_cfg->n_users; i++) {
        rect_key k;
        if (keys_generate(s_cfg->users[i].name, &k) != 0 ||
            !(s_cfg->users[i].public_key = strdup(k.public_z85)))
            return -1;
    }
    /* every write then prunes the oldest stored replies: that path is in the request path too */
    s_cfg->reply_cache = 2;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(s_dir, sizeof s_dir, "%s/test_faults.XXXXXX", base);
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_data, sizeof s_data, "%s/data", s_dir);
    /* a fixed clock: 09:00 in Urumqi's day of 2026-12-01 */
    char clock[300];
    snprintf(clock, sizeof clock, "%s/clock", s_dir);
    FILE *f = fopen(clock, "w");
    if (!f || fputs("2026-12-01T09:00:00+08:00\n", f) < 0 || fclose(f) != 0 || rect_clock_file(clock) != 0)
        return -1;
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    char path[300];
    store_close(&s_st);
    if (getenv("RECT_FAULTS_KEEP")) { /* debugging: leave the store of a failure */
        printf("store kept in %s\n", s_data);
        cfg_destroy(&s_cfg);
        return 0;
    }
    s_rm_data();
    snprintf(path, sizeof path, "%s/clock", s_dir);
    unlink(path);
    rmdir(s_dir);
    rect_clock_file(NULL);
    cfg_destroy(&s_cfg);
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    /* before any JSON value exists: jansson's allocations count too */
    fault_install();
    snprintf(s_log, sizeof s_log, "%s.stderr", argv[0]);
    if ((s_log_fd = open(s_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        perror(s_log);
        return 1;
    }
    printf("rectd's own stderr goes to %s\n", s_log);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_armed_fault_fails_the_kth_call_once),
        cmocka_unit_test(test_every_write_fails_cleanly_at_every_allocation_and_lmdb_write),
    };
    int rc = cmocka_run_group_tests_name("fault injection", tests, s_setup, s_teardown);
    close(s_log_fd);
    return rc;
}
