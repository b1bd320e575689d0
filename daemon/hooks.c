/*
 * hooks.c - run notification hooks without ever blocking rectd.
 *
 * A hook is a program from the config, started with posix_spawn (no shell)
 * with the notice JSON on stdin (an unlinked temporary file, so a hook that
 * never reads cannot block us on a full pipe) and stderr captured in another
 * unlinked file for the error message. hooks_poll reaps finished children
 * with waitpid(WNOHANG) and kills those past their timeout. Timeouts use the
 * monotonic clock (a hung hook dies after timeout_s real seconds whatever a
 * test clock says); retry back-off is the caller's business.
 */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A hook that writes more than this on stderr is killed: its file is on rectd's disk. */
#define HOOKS_MAX_STDERR (1 << 20)

typedef struct {
    pid_t pid; /* 0 = free slot */
    uint64_t notice;
    uint32_t hook;
    double deadline; /* monotonic seconds */
    int err_fd;      /* the child's stderr, unlinked */
    int killed;      /* 1 once killed for the timeout, 2 for flooding stderr */
} hook_run;

struct hooks {
    const rect_cfg *cfg;
    char *tmpdir;
    hook_run runs[HOOKS_MAX_RUNNING];
};

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

hooks *hooks_new(const rect_cfg *cfg, const char *tmpdir)
{
    hooks *h = calloc(1, sizeof *h);
    if (!h || !(h->tmpdir = strdup(tmpdir))) {
        free(h);
        return NULL;
    }
    h->cfg = cfg;
    return h;
}

/* An unlinked temporary file in tmpdir holding data (may be empty), at offset 0. */
static int s_tmpfile(const char *dir, const char *data, size_t len)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/hook-XXXXXX", dir) >= sizeof path)
        return -1; /* a cut template would not be one */
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    unlink(path);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int hooks_running(const hooks *h, uint64_t notice, uint32_t hook)
{
    for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
        if (h->runs[i].pid && h->runs[i].notice == notice && h->runs[i].hook == hook)
            return 1;
    return 0;
}

int hooks_busy(const hooks *h)
{
    int n = 0;
    for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
        n += h->runs[i].pid != 0;
    return n;
}

int hooks_start(hooks *h, uint64_t notice, uint32_t hook, const char *json, char *err, size_t errlen)
{
    hook_run *slot = NULL;
    for (int i = 0; i < HOOKS_MAX_RUNNING && !slot; i++)
        if (!h->runs[i].pid)
            slot = &h->runs[i];
    if (!slot || hook >= h->cfg->n_hooks) {
        snprintf(err, errlen, slot ? "no such hook" : "too many hooks running");
        return -1;
    }
    const rect_hook *hk = &h->cfg->hooks[hook];
    int in = s_tmpfile(h->tmpdir, json, strlen(json)), errfd = s_tmpfile(h->tmpdir, "", 0);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    int rc = -1;
    if (in < 0 || errfd < 0 || devnull < 0) {
        snprintf(err, errlen, "cannot prepare the hook's input: %s", strerror(errno));
        goto done;
    }
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, devnull, 1);
    posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    /* The child must not inherit rectd's blocked signals (SIGINT/SIGTERM are blocked around ZeroMQ). */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0); /* its own group: a timeout kills its children too */
    pid_t pid;
    int e = posix_spawn(&pid, hk->argv[0], &fa, &attr, hk->argv, environ);
    posix_spawnattr_destroy(&attr);
    if (e != 0) {
        snprintf(err, errlen, "cannot run %s: %s", hk->argv[0], strerror(e));
        goto done;
    }
    slot->pid = pid;
    slot->notice = notice;
    slot->hook = hook;
    slot->deadline = s_mono() + hk->timeout_s;
    slot->err_fd = errfd;
    slot->killed = 0;
    errfd = -1;
    rc = 0;
done:
    posix_spawn_file_actions_destroy(&fa);
    if (in >= 0)
        close(in);
    if (errfd >= 0)
        close(errfd);
    if (devnull >= 0)
        close(devnull);
    return rc;
}

/* The last line of what the child wrote on stderr, into buf. */
static void s_stderr_tail(int fd, char *buf, size_t len)
{
    buf[0] = '\0';
    off_t end = lseek(fd, 0, SEEK_END);
    if (end <= 0)
        return;
    off_t from = end > (off_t)len - 1 ? end - (off_t)len + 1 : 0;
    ssize_t n = pread(fd, buf, len - 1, from);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *nl = strrchr(buf, '\n');
    if (nl)
        memmove(buf, nl + 1, strlen(nl + 1) + 1);
    for (char *p = buf; *p; p++) /* keep the message one clean line */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

void hooks_poll(hooks *h, hooks_done_cb cb, void *ctx)
{
    double now = s_mono();
    for (int i = 0; i < HOOKS_MAX_RUNNING; i++) {
        hook_run *r = &h->runs[i];
        if (!r->pid)
            continue;
        int status;
        pid_t p = waitpid(r->pid, &status, WNOHANG);
        if (p == 0) {
            struct stat st;
            int flood = fstat(r->err_fd, &st) == 0 && st.st_size > HOOKS_MAX_STDERR;
            if (!r->killed && (now >= r->deadline || flood)) {
                kill(-r->pid, SIGKILL); /* the whole group */
                kill(r->pid, SIGKILL);
                r->killed = flood ? 2 : 1;
            }
            continue;
        }
        char msg[256], tail[160];
        int ok = 0;
        s_stderr_tail(r->err_fd, tail, sizeof tail);
        if (p < 0)
            snprintf(msg, sizeof msg, "lost the hook process: %s", strerror(errno));
        else if (r->killed == 2)
            snprintf(msg, sizeof msg, "wrote more than %d bytes on stderr and was killed", HOOKS_MAX_STDERR);
        else if (r->killed)
            snprintf(msg, sizeof msg, "timed out after %u s and was killed",
                     h->cfg->hooks[r->hook].timeout_s);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            ok = 1, msg[0] = '\0';
        else if (WIFEXITED(status))
            snprintf(msg, sizeof msg, "exit status %d%s%s", WEXITSTATUS(status), tail[0] ? ": " : "", tail);
        else
            snprintf(msg, sizeof msg, "killed by signal %d", WTERMSIG(status));
        close(r->err_fd);
        uint64_t notice = r->notice;
        uint32_t hook = r->hook;
        memset(r, 0, sizeof *r);
        cb(notice, hook, ok, ok ? NULL : msg, ctx);
    }
}

void hooks_destroy(hooks **h_p)
{
    if (!h_p || !*h_p)
        return;
    hooks *h = *h_p;
    /* Do not leave hook processes behind: they are retried at the next start. */
    for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
        if (h->runs[i].pid) {
            kill(-h->runs[i].pid, SIGKILL);
            kill(h->runs[i].pid, SIGKILL);
            waitpid(h->runs[i].pid, NULL, 0);
            close(h->runs[i].err_fd);
        }
    free(h->tmpdir);
    free(h);
    *h_p = NULL;
}
