/*
 * server.c - the ZeroMQ loop: receive requests, hand batches to dispatch,
 * send replies. Nothing here blocks on a client: sends never wait (a
 * vanished peer's reply is dropped), receives only wait in zmq_poll.
 *
 * Long reads (ledgers, statistics, audits: dispatch defers them) go to
 * daemon.read_threads reader threads, each in a read transaction of its
 * own. Jobs go both ways through lists under one mutex; an inproc socket
 * only rings this thread's bell when answers wait, since only this thread
 * touches the ROUTER socket. Writes and the clock's work stay here.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "auth.h"
#include "dispatch.h"
#include "gate.h"
#include "log.h"
#include "notify.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* libzmq 4.3 draft option; Debian's libzmq5 implements it */
#endif

/* Requests taken from the socket in one go and, if writes, committed together. */
#define BATCH_MAX 64
/* ...and at most about this many bytes of them held in memory at once. */
#define BATCH_BYTES (64u << 20)
/* identity + delimiter + request + attachments */
#define PARTS_MAX (3 + RECT_MAX_FILES)

typedef struct {
    zmq_msg_t parts[PARTS_MAX];
    int nparts;
    int delim;      /* 1 if the empty delimiter (as REQ sends it) follows the identity */
    int too_many;   /* frames beyond PARTS_MAX were dropped */
    auth_peer peer; /* who sent it (the connection's key, the Unix peer over ipc) */
} s_msg;

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void s_msg_close(s_msg *m)
{
    for (int i = 0; i < m->nparts; i++)
        zmq_msg_close(&m->parts[i]);
    m->nparts = 0;
}

/* Receive one whole multipart message. 0, or -1 (EAGAIN when nothing waits). */
static int s_recv(void *sock, s_msg *m, int flags, int ipc)
{
    int more = 1;
    m->nparts = m->delim = m->too_many = 0;
    memset(&m->peer, 0, sizeof m->peer);
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, m->nparts == 0 ? flags : 0) < 0) {
            zmq_msg_close(&part);
            if (m->nparts == 0)
                return -1;
            break; /* a message is atomic: cannot happen short of shutdown */
        }
        more = zmq_msg_more(&part);
        /* The routing id frame is made by the ROUTER; the peer's frames carry its metadata. */
        if (m->nparts == 1)
            auth_peer_of(&part, ipc, &m->peer);
        if (m->nparts < PARTS_MAX) {
            m->parts[m->nparts++] = part;
        } else {
            m->too_many = 1;
            zmq_msg_close(&part);
        }
    }
    return 0;
}

/* Point a dispatch request at the frames of a message. */
static void s_frame(s_msg *m, dispatch_req *r)
{
    memset(r, 0, sizeof *r);
    r->peer = m->peer;
    int i = 2;
    if (m->nparts > 1 && zmq_msg_size(&m->parts[1]) == 0) {
        m->delim = 1;
    } else {
        r->no_delimiter = 1; /* refused; the reply goes back without one */
        return;
    }
    if (i < m->nparts) {
        r->req = zmq_msg_data(&m->parts[i]);
        r->req_len = zmq_msg_size(&m->parts[i]);
        i++;
    }
    for (; i < m->nparts; i++) {
        r->files[r->n_files].data = zmq_msg_data(&m->parts[i]);
        r->files[r->n_files++].len = zmq_msg_size(&m->parts[i]);
    }
    r->too_many_files = m->too_many;
}

/* ---- reader threads --------------------------------------------------- */

#define DONE_ENDPOINT "inproc://rectd-reads-done"

/*
 * Fairness: each key (the connection's CURVE key, so one user however many
 * connections they open) has a queue of its own; behind a gateway's key,
 * each official it acts for has one (the key and the official's name), as
 * if they had connected with their own key, so that one official's
 * downloads on the web page do not hold up another's. A reader takes the
 * oldest job of the least recently served queue that has fewer than
 * daemon.max_running_per_peer jobs running, so one key's flood of long
 * reads waits behind itself, never in front of another key's.
 * Bounds: a queue's unanswered jobs (waiting, running, or answered and not
 * sent yet) at most daemon.max_inflight_per_peer, all queues' at most
 * daemon.max_inflight jobs and daemon.max_inflight_mb bytes of frames;
 * beyond them, too_busy.
 */
typedef struct s_job {
    const rect_cfg *cfg; /* the config when it came in (SIGHUP keeps old ones alive) */
    s_msg msg;
    dispatch_req req;
    size_t bytes; /* of its frames */
    struct s_peerq *q;
    struct s_job *next;
} s_job;

typedef struct s_peerq {
    char key[RECT_Z85_LEN + 1];
    s_job *head, *tail;   /* waiting, oldest first */
    size_t running;       /* on a reader now */
    size_t jobs, bytes;   /* unanswered: waiting, running, or answered and not sent yet */
    struct s_peerq *next; /* in the pool's list, least recently served first */
    char behalf[];        /* the official a gateway's key asks for; "" for a key's own user */
} s_peerq;

typedef struct s_pool_ {
    store *st;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    s_peerq *peers, *peers_tail; /* every key with unanswered jobs */
    size_t jobs, bytes;          /* all unanswered jobs, and their frames' bytes */
    size_t running_cap;          /* daemon.max_running_per_peer of the latest push */
    s_job *answered;             /* answered jobs for the loop to send, newest first */
    int stop;
    struct s_reader_arg {
        struct s_pool_ *pool;
        pthread_t thread;
        void *bell; /* its PUSH socket to DONE_ENDPOINT, used by that thread alone */
    } readers[RECT_MAX_READ_THREADS];
    size_t n_threads;
} s_pool;

static void s_job_free(s_job *j)
{
    s_msg_close(&j->msg);
    free(j->req.reply);
    free(j->req.reply_data);
    free(j);
}

/* Take q out of the pool's list (prev: the one before it, NULL if first). Under the lock. */
static void s_peerq_unlink(s_pool *p, s_peerq *q, s_peerq *prev)
{
    if (prev)
        prev->next = q->next;
    else
        p->peers = q->next;
    if (p->peers_tail == q)
        p->peers_tail = prev;
    q->next = NULL;
}

static void s_peerq_append(s_pool *p, s_peerq *q)
{
    q->next = NULL;
    if (p->peers_tail)
        p->peers_tail->next = q;
    else
        p->peers = q;
    p->peers_tail = q;
}

/* The next job to run, fairly (see above), or NULL. Under the lock. */
static s_job *s_pool_take(s_pool *p)
{
    s_peerq *q = p->peers, *prev = NULL;
    while (q && (!q->head || q->running >= p->running_cap)) {
        prev = q;
        q = q->next;
    }
    if (!q)
        return NULL;
    s_job *j = q->head;
    q->head = j->next;
    if (!q->head)
        q->tail = NULL;
    j->next = NULL;
    q->running++;
    s_peerq_unlink(p, q, prev); /* served: to the back of the line */
    s_peerq_append(p, q);
    return j;
}

/*
 * Give the heap's free pages back to the kernel, in every arena. A long
 * read (an audit, a ledger of 10,000 items) or an import frees what it
 * built, but glibc keeps the pages in the arena of the thread that used
 * them (each reader has its own): without this, rectd's memory would stay
 * at the peak of the biggest answer each thread ever built. Called by a
 * reader after each long read, by the loop after a batch of a megabyte or
 * more, and once the daily job is written (notify.c) — never at every tick:
 * it walks every arena, and its cost would stall the loop.
 */
#define BIG_BATCH_BYTES \
    (1u << 20) /* a batch this big (an import, an upload) is followed by server_give_back */

void server_give_back(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

void server_block_stop_signals(sigset_t *old)
{
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stops, old);
}

static void *s_reader(void *arg)
{
    struct s_reader_arg *me = arg;
    s_pool *p = me->pool;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        s_job *j = NULL;
        while (!p->stop && !(j = s_pool_take(p)))
            pthread_cond_wait(&p->ready, &p->lock);
        pthread_mutex_unlock(&p->lock);
        if (!j)
            break;
        dispatch_run_read(j->cfg, p->st, &j->req);
        pthread_mutex_lock(&p->lock);
        j->q->running--;
        j->next = p->answered;
        p->answered = j;
        pthread_cond_broadcast(&p->ready); /* its key may run another */
        pthread_mutex_unlock(&p->lock);
        /* the bell; a full pipe already holds one */
        zmq_send(me->bell, "", 0, ZMQ_DONTWAIT);
        server_give_back();
    }
    zmq_close(me->bell);
    return NULL;
}

/* Start n readers (0: none, *out NULL); -1 unless all started. The caller has bound DONE_ENDPOINT. */
static int s_pool_start(store *st, void *ctx, size_t n, s_pool **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    s_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    *p = (s_pool){.st = st, .running_cap = 1};
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    if (n > RECT_MAX_READ_THREADS) /* cfg.c's bound: cannot happen */
        n = RECT_MAX_READ_THREADS;
    /*
     * Each reader's bell is made and connected here, so that no reader runs
     * without one (its answers would wait unsent); the socket then belongs
     * to its thread (pthread_create is the memory barrier ZeroMQ asks for).
     */
    int linger = 0;
    for (; p->n_threads < n; p->n_threads++) {
        struct s_reader_arg *r = &p->readers[p->n_threads];
        r->pool = p;
        if (!(r->bell = zmq_socket(ctx, ZMQ_PUSH)))
            break;
        zmq_setsockopt(r->bell, ZMQ_LINGER, &linger, sizeof linger);
        if (zmq_connect(r->bell, DONE_ENDPOINT) != 0 || pthread_create(&r->thread, NULL, s_reader, r) != 0) {
            zmq_close(r->bell);
            break;
        }
    }
    *out = p;
    return p->n_threads == n ? 0 : -1; /* all or none: rectd then refuses to start */
}

/* Stop the readers (each finishes the job in hand) and drop the jobs still waiting. */
static void s_pool_stop(s_pool **pp)
{
    s_pool *p = *pp;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->n_threads; i++)
        pthread_join(p->readers[i].thread, NULL);
    for (s_peerq *q = p->peers, *qnext; q; q = qnext) {
        qnext = q->next;
        for (s_job *j = q->head, *next; j; j = next) {
            next = j->next;
            s_job_free(j);
        }
        free(q);
    }
    for (s_job *j = p->answered, *next; j; j = next) {
        next = j->next;
        s_job_free(j);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->ready);
    free(p);
    *pp = NULL;
}

/*
 * Hand a deferred request to the readers, taking its frames: 0; or
 * RECT_E_TOO_BUSY with why set (the frames stay in m) when its queue (its
 * key, and behalf: the official a gateway asks for, or NULL) or all queues
 * are at their bounds (*all set for the latter); or -1 if out of memory.
 */
static int s_pool_push(s_pool *p, const rect_cfg *cfg, s_msg *m, const char *behalf, char *why, size_t whylen,
                       int *all)
{
    size_t bytes = 0;
    for (int i = 0; i < m->nparts; i++)
        bytes += zmq_msg_size(&m->parts[i]);
    behalf = behalf ? behalf : "";
    pthread_mutex_lock(&p->lock);
    p->running_cap = cfg->max_running_per_peer;
    s_peerq *q = p->peers;
    while (q && (strcmp(q->key, m->peer.key) != 0 || strcmp(q->behalf, behalf) != 0))
        q = q->next;
    int busy = 0, gw = behalf[0] != '\0';
    *all = 0;
    if (q && q->jobs >= cfg->max_inflight_per_peer) {
        busy =
            snprintf(why, whylen,
                     "rectd is busy with %zu long reads (ledgers, lists, statistics, audits) of %s%s already "
                     "waiting or running, the most one %s may have (daemon.max_inflight_per_peer = %u): wait "
                     "for their answers, then retry; nothing was changed",
                     q->jobs, gw ? behalf : "this key", gw ? " through this gateway" : "",
                     gw ? "user" : "key", (unsigned)cfg->max_inflight_per_peer);
    } else if (p->jobs >= cfg->max_inflight ||
               (p->jobs && p->bytes + bytes > (size_t)cfg->max_inflight_mb << 20)) {
        *all = 1;
        busy = snprintf(why, whylen,
                        "rectd is busy: %zu long reads (ledgers, lists, statistics, audits) of all users are "
                        "waiting or running (daemon.max_inflight = %u, max_inflight_mb = %u): retry in a few "
                        "seconds; nothing was changed",
                        p->jobs, (unsigned)cfg->max_inflight, (unsigned)cfg->max_inflight_mb);
    }
    s_job *j = busy ? NULL : malloc(sizeof *j);
    size_t blen = strlen(behalf) + 1;
    if (!busy && j && !q && (q = calloc(1, sizeof *q + blen)) != NULL) {
        memcpy(q->key, m->peer.key, sizeof q->key);
        memcpy(q->behalf, behalf, blen);
        s_peerq_append(p, q);
    }
    if (busy || !j || !q) {
        pthread_mutex_unlock(&p->lock);
        free(j);
        return busy ? RECT_E_TOO_BUSY : -1;
    }
    j->cfg = cfg;
    j->msg = (s_msg){.nparts = m->nparts, .too_many = m->too_many, .peer = m->peer};
    j->bytes = bytes;
    j->q = q;
    for (int i = 0; i < m->nparts; i++) {
        zmq_msg_init(&j->msg.parts[i]);
        zmq_msg_move(&j->msg.parts[i], &m->parts[i]);
    }
    s_frame(&j->msg, &j->req); /* the frames' data now live in the job */
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    q->jobs++;
    q->bytes += bytes;
    p->jobs++;
    p->bytes += bytes;
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

static void s_send(void *sock, s_msg *m, dispatch_req *r);

/* A job's answer went out: it no longer counts against its key and the pool. */
static void s_pool_done(s_pool *p, s_job *j)
{
    pthread_mutex_lock(&p->lock);
    s_peerq *q = j->q, *prev = NULL;
    q->jobs--;
    q->bytes -= j->bytes;
    p->jobs--;
    p->bytes -= j->bytes;
    if (q->jobs == 0) {
        for (s_peerq *it = p->peers; it != q; it = it->next)
            prev = it;
        s_peerq_unlink(p, q, prev);
        free(q);
    }
    pthread_mutex_unlock(&p->lock);
}

/* Quiet the bell and send the answers the readers handed back. */
static void s_pool_answers(s_pool *p, void *done, void *sock)
{
    char bell;
    while (zmq_recv(done, &bell, sizeof bell, ZMQ_DONTWAIT) >= 0)
        ;
    pthread_mutex_lock(&p->lock);
    s_job *j = p->answered;
    p->answered = NULL;
    pthread_mutex_unlock(&p->lock);
    while (j) {
        s_job *next = j->next;
        s_send(sock, &j->msg, &j->req);
        s_pool_done(p, j);
        s_job_free(j);
        j = next;
    }
}

static void s_send(void *sock, s_msg *m, dispatch_req *r)
{
    /* ROUTER drops what it cannot route; DONTWAIT keeps a full pipe from blocking us. */
    if (zmq_send(sock, zmq_msg_data(&m->parts[0]), zmq_msg_size(&m->parts[0]), ZMQ_SNDMORE | ZMQ_DONTWAIT) <
        0)
        return;
    if (m->delim && zmq_send(sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return;
    if (zmq_send(sock, r->reply ? r->reply : "", r->reply_len,
                 r->has_data ? ZMQ_SNDMORE | ZMQ_DONTWAIT : ZMQ_DONTWAIT) < 0 ||
        !r->has_data)
        return;
    zmq_send(sock, r->reply_data ? r->reply_data : "", r->reply_data_len, ZMQ_DONTWAIT);
}

/* ---- security: CURVE on every endpoint, the socket file's owner and mode -- */

#define MONITOR_ENDPOINT "inproc://rectd-monitor"

/* Make sock a CURVE server whose every handshake asks the ZAP handler. */
static int s_secure(void *sock, const rect_key *key, char *err, size_t errlen)
{
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, key->secret_z85, RECT_Z85_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, AUTH_ZAP_DOMAIN, strlen(AUTH_ZAP_DOMAIN)) != 0) {
        snprintf(err, errlen, "cannot make the socket a CURVE server: %s", zmq_strerror(errno));
        return -1;
    }
    /* Without it libzmq admits everyone when no ZAP handler answers. */
    if (zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0) {
        snprintf(err, errlen, "this libzmq cannot enforce ZAP (ZMQ_ZAP_ENFORCE_DOMAIN): %s",
                 zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* An ipc socket file: the configured group and mode; a tcp endpoint: nothing to do. */
static int s_socket_file(const rect_cfg *cfg, const char *endpoint, char *err, size_t errlen)
{
    if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
        return 0;
    const char *path = endpoint + 6;
    if (cfg->socket_group) {
        struct group gr, *found = NULL;
        char buf[4096];
        getgrnam_r(cfg->socket_group, &gr, buf, sizeof buf, &found);
        if (!found) {
            snprintf(err, errlen,
                     "daemon.socket_group: there is no group \"%s\" on this system (groupadd %s)",
                     cfg->socket_group, cfg->socket_group);
            return -1;
        }
        if (chown(path, (uid_t)-1, found->gr_gid) != 0) {
            snprintf(err, errlen, "daemon.socket_group: cannot give %s to group %s: %s", path,
                     cfg->socket_group, strerror(errno));
            return -1;
        }
    }
    if (chmod(path, (mode_t)cfg->socket_mode) != 0) {
        snprintf(err, errlen, "cannot set the mode of %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- one rectd per endpoint ------------------------------------------------ */

/*
 * Claim an ipc endpoint before binding it: an flock on PATH.lock beside the
 * socket file, held for as long as rectd runs (O_CLOEXEC: hooks do not
 * inherit it). Held by another process: a live rectd serves there, and this
 * one refuses to start, naming it (the lock file says its pid and data_dir).
 * Not held, but something accepts connections on PATH: a listener that is no
 * rectd of this kind; refused too. Otherwise a socket file left there is a
 * dead rectd's: it is replaced (zmq_bind unlinks it). tcp and abstract
 * endpoints: nothing to do (the kernel refuses a second bind of those).
 * 0 and *fd (-1 when nothing was locked), or -1 with err.
 */
static int s_claim_endpoint(const rect_cfg *cfg, const char *endpoint, int *fd, char *err, size_t errlen)
{
    *fd = -1;
    if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
        return 0;
    const char *path = endpoint + 6;
    char lock[4200], who[512] = "";
    snprintf(lock, sizeof lock, "%s.lock", path);
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) {
        snprintf(err, errlen, "cannot open %s (the endpoint's lock): %s", lock, strerror(errno));
        return -1;
    }
    if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
        ssize_t n = pread(lfd, who, sizeof who - 1, 0);
        who[n > 0 ? n : 0] = '\0';
        who[strcspn(who, "\n")] = '\0';
        snprintf(err, errlen,
                 "another rectd (%s) is serving %s: stop it first, or give this rectd another "
                 "daemon.endpoint",
                 who[0] ? who : "pid unknown", endpoint);
        close(lfd);
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct stat sb;
    if (strlen(path) < sizeof sa.sun_path && lstat(path, &sb) == 0) {
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int live = s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
        if (s >= 0)
            close(s);
        if (live) {
            snprintf(err, errlen,
                     "something already accepts connections on %s, and it is no rectd holding %s: "
                     "stop it, or give this rectd another daemon.endpoint",
                     path, lock);
            close(lfd);
            return -1;
        }
        log_msg(LOG_LEVEL_NOTICE, "replacing the socket file %s that a stopped rectd left behind", path);
    }
    int n = snprintf(who, sizeof who, "pid %ld, data_dir %s\n", (long)getpid(), cfg->data_dir);
    if (n > 0 && (ftruncate(lfd, 0) != 0 ||
                  pwrite(lfd, who, (size_t)n < sizeof who ? (size_t)n : sizeof who - 1, 0) < 0))
        log_msg(LOG_LEVEL_WARNING, "cannot write %s: %s (the endpoint is claimed all the same)", lock,
                strerror(errno));
    *fd = lfd;
    return 0;
}

/* ---- SIGHUP: users, roles and keys without a restart --------------------- */

typedef struct {
    rect_cfg **cfg_p;   /* the config in force */
    rect_cfg **retired; /* earlier ones: reader jobs and hooks may still use them */
    size_t n_retired;
} s_cfgs;

/* 1 if some key that let a user in under old lets nobody in, or someone else, under fresh. */
static int s_keys_revoked(const rect_cfg *old, const rect_cfg *fresh)
{
    for (size_t i = 0; i < old->n_users; i++) {
        const rect_user *u = &old->users[i];
        const rect_user *now = u->public_key ? cfg_user_by_key(fresh, u->public_key) : NULL;
        if (u->public_key && (!now || strcmp(now->name, u->name) != 0))
            return 1;
    }
    return 0;
}

/*
 * After a key was revoked: the PUB socket's subscribers were admitted once,
 * at their handshake, and are never asked again. Unbinding drops every one
 * of them; they reconnect on their own and pass through ZAP again, where a
 * revoked key is refused. The endpoint is free again once libzmq's I/O
 * thread has closed the listener: bind is retried for up to a second.
 */
static void s_rebind_pub(void *pub, const char *endpoint)
{
    int rc = zmq_unbind(pub, endpoint);
    for (int i = 0; rc == 0 && i < 100; i++) {
        mode_t old = umask(0077);
        rc = zmq_bind(pub, endpoint);
        umask(old);
        if (rc == 0) {
            log_msg(LOG_LEVEL_NOTICE, "reload: a key was revoked: the subscribers of %s must connect again",
                    endpoint);
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        rc = 0;
    }
    log_msg(LOG_LEVEL_ERROR,
            "reload: cannot bind %s again after revoking a key: %s (notices are still in inbox)", endpoint,
            zmq_strerror(errno));
}

static void s_reload(s_cfgs *cs, notifier *nt, void *pub)
{
    rect_cfg *old = *cs->cfg_p, *fresh = NULL;
    rect_key key;
    char err[1024];
    const char *why = NULL;
    if (cfg_load(old->path, &fresh, err, sizeof err) != 0) {
        log_msg(LOG_LEVEL_WARNING, "reload refused, the old configuration stays: %s", err);
        return;
    }
    if ((why = cfg_restart_only_change(old, fresh)) != NULL) {
        log_msg(LOG_LEVEL_WARNING,
                "reload refused, the old configuration stays: %s changed, and only a restart can change it",
                why);
        cfg_destroy(&fresh);
        return;
    }
    if (auth_prepare(fresh, &key, 1, err, sizeof err) != 0) {
        log_msg(LOG_LEVEL_WARNING, "reload refused, the old configuration stays: %s", err);
        cfg_destroy(&fresh);
        return;
    }
    memset(&key, 0, sizeof key);
    rect_cfg **r = realloc(cs->retired, (cs->n_retired + 1) * sizeof *r);
    if (!r) {
        log_msg(LOG_LEVEL_WARNING, "reload refused, the old configuration stays: out of memory");
        cfg_destroy(&fresh);
        return;
    }
    cs->retired = r;
    cs->retired[cs->n_retired++] = old;
    *cs->cfg_p = fresh;
    notifier_set_cfg(nt, fresh);
    if (pub && s_keys_revoked(old, fresh)) {
        s_rebind_pub(pub, fresh->pub_endpoint);
        s_socket_file(fresh, fresh->pub_endpoint, err, sizeof err);
    }
    log_msg(LOG_LEVEL_INFO, "reloaded %s: %zu users; new requests use their roles and keys", fresh->path,
            fresh->n_users);
}

/* ---- the loop -------------------------------------------------------------- */

/* Answer request i of a batch (or hand it to the readers), then let go of it. */
static void s_answer(const rect_cfg *cfg, store *st, void *sock, s_pool *pool, s_msg *m, dispatch_req *r)
{
    if (r->deferred) {
        char why[512];
        int all;
        int rc = s_pool_push(pool, cfg, m, r->behalf, why, sizeof why, &all);
        if (rc == 0) {
            s_msg_close(m);
            return;
        }
        if (rc == RECT_E_TOO_BUSY)
            dispatch_refuse(r, rc, all ? "too_busy_all" : "too_busy_key", why);
        else /* no memory to queue it: answer it here */
            dispatch_run_read(cfg, st, r);
    }
    s_send(sock, m, r);
    free(r->reply);
    r->reply = NULL;
    free(r->reply_data);
    r->reply_data = NULL;
    s_msg_close(m);
}

/*
 * Take every waiting request in one batch. Refusals and reads are answered
 * (or handed on) at once; the writes then share one transaction and one
 * commit, and are answered after it. A read never waits for the fsync of
 * the writes beside it.
 */
static void s_batch(const rect_cfg *cfg, store *st, void *sock, s_pool *pool, s_msg *msgs, dispatch_req *reqs)
{
    int ipc = strncmp(cfg->endpoint, "ipc://", 6) == 0;
    size_t batch = 0, bytes = 0;
    int may_defer = pool != NULL; /* every long read goes to the readers, or is too_busy */
    while (batch < BATCH_MAX && bytes < BATCH_BYTES && s_recv(sock, &msgs[batch], ZMQ_DONTWAIT, ipc) == 0) {
        for (int i = 0; i < msgs[batch].nparts; i++)
            bytes += zmq_msg_size(&msgs[batch].parts[i]);
        s_frame(&msgs[batch], &reqs[batch]);
        reqs[batch].may_defer = may_defer;
        batch++;
    }
    dispatch_run_reads(cfg, st, reqs, batch);
    int writes = 0;
    for (size_t i = 0; i < batch; i++) {
        if (reqs[i].write)
            writes = 1;
        else
            s_answer(cfg, st, sock, pool, &msgs[i], &reqs[i]);
    }
    if (!writes)
        return;
    dispatch_run_writes(cfg, st, reqs, batch);
    for (size_t i = 0; i < batch; i++)
        if (msgs[i].nparts)
            s_answer(cfg, st, sock, pool, &msgs[i], &reqs[i]);
    if (bytes >= BIG_BATCH_BYTES)
        server_give_back(); /* an import or upload: what it built is freed now */
}

/* Bind an endpoint with umask 0077 (the file is then given its configured mode). */
static int s_bind(void *sock, const char *endpoint, const char *what, char *err, size_t errlen)
{
    mode_t old = umask(0077);
    int brc = zmq_bind(sock, endpoint);
    umask(old);
    if (brc != 0)
        snprintf(err, errlen, "cannot bind %s%s: %s", what, endpoint, zmq_strerror(errno));
    return brc;
}

/* What the loop holds: the sockets, the readers, the notifier. */
typedef struct {
    void *ctx;
    void *sock; /* ROUTER: requests */
    void *pub;  /* PUB: doorbells (notify.pub_endpoint), or NULL */
    void *zap;  /* REP: the ZAP handler's */
    void *mon;  /* PAIR: the ROUTER's handshake failures */
    void *done; /* PULL: the readers' bell, or NULL without readers */
    s_pool *pool;
    notifier *nt;
    s_msg *msgs;
    dispatch_req *reqs;
    int lock_fd[2];          /* the endpoints' locks (s_claim_endpoint), -1 for none */
    unsigned long refused;   /* connections refused at the gate, not logged yet */
    double next_refused_log; /* s_mono() */
} s_server;

/*
 * The readers' way back, bound before they start, and the readers
 * (daemon.read_threads; none: nothing to do). All or none.
 */
static int s_readers(s_server *sv, const rect_cfg *cfg, store *st, char *err, size_t errlen)
{
    if (cfg->read_threads == 0)
        return 0;
    if (!(sv->done = zmq_socket(sv->ctx, ZMQ_PULL)) || zmq_bind(sv->done, DONE_ENDPOINT) != 0 ||
        s_pool_start(st, sv->ctx, cfg->read_threads, &sv->pool) != 0 || !sv->pool) {
        snprintf(err, errlen, "cannot start the reader threads (daemon.read_threads = %u)",
                 (unsigned)cfg->read_threads);
        return -1;
    }
    return 0;
}

/*
 * Make the sockets and start the readers. ZeroMQ starts its I/O threads
 * with the first socket and the readers inherit the mask: SIGINT, SIGTERM
 * and SIGHUP stay blocked in all of them, so a signal reaches the loop's
 * thread and interrupts zmq_poll at once.
 */
static int s_open(s_server *sv, const rect_cfg *cfg, store *st, char *err, size_t errlen)
{
    sigset_t oldmask;
    server_block_stop_signals(&oldmask);
    /* The ZAP handler is bound (s_bind_all) before any socket that needs it. */
    sv->zap = zmq_socket(sv->ctx, ZMQ_REP);
    sv->sock = zmq_socket(sv->ctx, ZMQ_ROUTER);
    sv->mon = sv->sock && zmq_socket_monitor(sv->sock, MONITOR_ENDPOINT,
                                             ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) == 0
                  ? zmq_socket(sv->ctx, ZMQ_PAIR)
                  : NULL;
    if (cfg->pub_endpoint)
        sv->pub = zmq_socket(sv->ctx, ZMQ_PUB);
    int rc = s_readers(sv, cfg, st, err, errlen);
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (rc == 0 && (!sv->zap || !sv->sock || !sv->mon || (cfg->pub_endpoint && !sv->pub))) {
        snprintf(err, errlen, "cannot make the sockets: %s", zmq_strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Authentication first (ZAP, the monitor), then the endpoints: CURVE, bound, the socket files. */
static int s_bind_all(s_server *sv, const rect_cfg *cfg, const rect_key *key, char *err, size_t errlen)
{
    if (zmq_bind(sv->zap, AUTH_ZAP_ENDPOINT) != 0 || zmq_connect(sv->mon, MONITOR_ENDPOINT) != 0) {
        snprintf(err, errlen, "cannot set up authentication (ZAP): %s", zmq_strerror(errno));
        return -1;
    }
    int linger = 0;
    /*
     * libzmq 4.3.4 checks ZMQ_MAXMSGSIZE against each frame (v2_decoder's
     * size_ready), not a whole message: a frame beyond the largest legal
     * one (an attachment, or the request) makes ZeroMQ itself drop the
     * peer. ZMQ_RCVHWM (daemon.peer_queue) is how many whole requests
     * ZeroMQ holds per connection before it stops reading from that peer;
     * ZMQ_SNDHWM how many answers it holds for a peer that does not read
     * them (a ROUTER drops the rest): more than one batch and a key's long
     * reads answer at once, so a client that reads as it goes loses none.
     * What rectd itself holds is bounded
     * in s_batch and s_pool_push.
     */
    int64_t maxmsg = ((int64_t)cfg->max_attachment_mb + 1) << 20;
    if ((int64_t)cfg->max_request_kb * 1024 + (1 << 20) > maxmsg)
        maxmsg = (int64_t)cfg->max_request_kb * 1024 + (1 << 20);
    int rcvhwm = (int)cfg->peer_queue,
        sndhwm = (int)(BATCH_MAX + cfg->peer_queue + cfg->max_inflight_per_peer);
    zmq_setsockopt(sv->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_setsockopt(sv->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(sv->sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) != 0 ||
        zmq_setsockopt(sv->sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) != 0) {
        snprintf(err, errlen, "cannot set the request socket's limits: %s", zmq_strerror(errno));
        return -1;
    }
    zmq_setsockopt(sv->zap, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sv->mon, ZMQ_LINGER, &linger, sizeof linger);
    /* Both endpoints are claimed before either is bound: a refusal leaves no socket file behind. */
    if (s_claim_endpoint(cfg, cfg->endpoint, &sv->lock_fd[0], err, errlen) != 0 ||
        (cfg->pub_endpoint && s_claim_endpoint(cfg, cfg->pub_endpoint, &sv->lock_fd[1], err, errlen) != 0))
        return -1;
    if (s_secure(sv->sock, key, err, errlen) != 0 || s_bind(sv->sock, cfg->endpoint, "", err, errlen) != 0 ||
        s_socket_file(cfg, cfg->endpoint, err, errlen) != 0)
        return -1;
    if (!sv->pub)
        return 0;
    zmq_setsockopt(sv->pub, ZMQ_LINGER, &linger, sizeof linger);
    if (s_secure(sv->pub, key, err, errlen) != 0 ||
        s_bind(sv->pub, cfg->pub_endpoint, "notify.pub_endpoint ", err, errlen) != 0 ||
        s_socket_file(cfg, cfg->pub_endpoint, err, errlen) != 0)
        return -1;
    return 0;
}

/*
 * Connections refused at the gate (gate.c), on stderr at most every ten
 * seconds, counted: a peer that reconnects every 100 ms cannot flood the log.
 */
static void s_log_refused(s_server *sv)
{
    sv->refused += gate_refused_take();
    if (!sv->refused || s_mono() < sv->next_refused_log)
        return;
    log_msg(LOG_LEVEL_WARNING,
            "limits: refused %lu connection(s): rectd holds as many as it takes (fd numbers below %d; "
            "open-files limit %ld; daemon.max_peers, daemon.fd_reserve); they may connect again once others "
            "leave",
            sv->refused, gate_fd_bound(), gate_nofile());
    sv->refused = 0;
    sv->next_refused_log = s_mono() + 10;
}

/* Wait for the next thing to do (until *next_tick at most) and do it: 0, or -1 with err. */
static int s_turn(s_server *sv, const rect_cfg *cfg, store *st, double *next_tick, char *err, size_t errlen)
{
    /* The clock's work (daily job, doorbells, hooks) runs between batches, at least once a second. */
    if (s_mono() >= *next_tick) {
        notifier_tick(sv->nt);
        s_log_refused(sv);
        int shed = store_shed(st, err, errlen); /* LMDB's pages of a big import given back */
        if (shed < 0)
            return -1;
        if (shed == 0) {
            server_give_back(); /* LMDB freed its pages to the heap: back to the kernel now */
            log_msg(LOG_LEVEL_INFO, "the data file grew by 32 MiB or more: LMDB's environment opened "
                                    "again, to give back the pages it kept of the big transactions");
        }
        *next_tick = s_mono() + notifier_wait_ms(sv->nt) / 1000.0;
    }
    int wait = (int)((*next_tick - s_mono()) * 1000) + 1;
    zmq_pollitem_t items[4] = {{sv->sock, 0, ZMQ_POLLIN, 0},
                               {sv->zap, 0, ZMQ_POLLIN, 0},
                               {sv->mon, 0, ZMQ_POLLIN, 0},
                               {sv->done, 0, ZMQ_POLLIN, 0}};
    int n = zmq_poll(items, sv->done ? 4 : 3, wait > 0 ? wait : 0);
    if (n < 0) {
        if (errno == EINTR)
            return 0;
        snprintf(err, errlen, "zmq_poll: %s", zmq_strerror(errno));
        return -1;
    }
    if (items[1].revents & ZMQ_POLLIN)
        auth_zap_handle(sv->zap, cfg);
    if (items[2].revents & ZMQ_POLLIN)
        auth_monitor_handle(sv->mon);
    if (sv->done && (items[3].revents & ZMQ_POLLIN))
        s_pool_answers(sv->pool, sv->done, sv->sock);
    if (items[0].revents & ZMQ_POLLIN)
        s_batch(cfg, st, sv->sock, sv->pool, sv->msgs, sv->reqs);
    return 0;
}

/* Answer what the readers finished, stop them, close everything (in reverse order of opening). */
static void s_close(s_server *sv)
{
    if (sv->pool && sv->sock)
        s_pool_answers(sv->pool, sv->done, sv->sock); /* what the readers finished meanwhile */
    s_pool_stop(&sv->pool);
    void **socks[] = {&sv->done, &sv->pub, &sv->mon, &sv->sock, &sv->zap};
    notifier_destroy(&sv->nt);
    for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++)
        if (*socks[i]) {
            zmq_close(*socks[i]);
            *socks[i] = NULL;
        }
    if (sv->ctx)
        zmq_ctx_term(sv->ctx);
    free(sv->msgs);
    free(sv->reqs);
}

int server_run(rect_cfg **cfg_p, const rect_key *key, store *st, volatile sig_atomic_t *stop,
               volatile sig_atomic_t *reload, char *err, size_t errlen)
{
    int rc = -1;
    gate_raise_nofile();
#ifdef __GLIBC__
    /*
     * Frames of up to daemon.max_attachment_mb come and go: a fixed mmap
     * threshold gives each big one back to the kernel when it is freed,
     * instead of glibc's sliding threshold keeping them in the heap (RSS
     * would stay at the peak of every flood).
     */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    const rect_cfg *cfg = *cfg_p;
    s_cfgs cs = {.cfg_p = cfg_p};
    s_server sv = {.ctx = zmq_ctx_new(),
                   .msgs = calloc(BATCH_MAX, sizeof *sv.msgs),
                   .reqs = calloc(BATCH_MAX, sizeof *sv.reqs),
                   .lock_fd = {-1, -1}};
    if (!sv.ctx || !sv.msgs || !sv.reqs) {
        snprintf(err, errlen, "cannot set up ZeroMQ: out of memory");
        goto done;
    }
    if (s_open(&sv, cfg, st, err, errlen) != 0 || s_bind_all(&sv, cfg, key, err, errlen) != 0)
        goto done;
    if (!(sv.nt = notifier_new(cfg, st, sv.pub))) {
        snprintf(err, errlen, "cannot set up notifications: out of memory");
        goto done;
    }
    /* Every socket and thread is there: what is left of the fds is for peers and the reserve. */
    if (gate_open(cfg, err, errlen) != 0)
        goto done;
    double next_tick = 0;
    while (!*stop) {
        if (*reload) {
            *reload = 0;
            s_reload(&cs, sv.nt, sv.pub);
            cfg = *cfg_p;
        }
        if (s_turn(&sv, cfg, st, &next_tick, err, errlen) != 0)
            goto done;
    }
    rc = 0;
done:
    s_close(&sv);
    gate_close();
    /*
     * The socket files this rectd claimed are its own to remove, however it
     * ends; the locks go only after that, so that a rectd that takes one next
     * does not see its new socket file removed by us.
     */
    const char *eps[2] = {cfg->endpoint, cfg->pub_endpoint};
    for (int i = 0; i < 2; i++)
        if (sv.lock_fd[i] >= 0) {
            remove(eps[i] + 6);
            close(sv.lock_fd[i]);
        }
    for (size_t i = 0; i < cs.n_retired; i++)
        cfg_destroy(&cs.retired[i]);
    free(cs.retired);
    return rc;
}
