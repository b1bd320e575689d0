/*
 * gate.c - the connection gate in accept() and accept4() (gate.h).
 */
#define _GNU_SOURCE
#include "gate.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* fds numbered at or above this are refused as connections; INT_MAX: the gate is open to all. */
static atomic_int s_gate = INT_MAX;
static atomic_ulong s_refused;
static long s_nofile = -1;
/* The spare fd (gate.h) and the lock that makes closing and retaking it one step. */
static pthread_mutex_t s_spare_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_spare = -1;

static int s_kernel_accept4(int s, struct sockaddr *addr, socklen_t *len, int flags)
{
    return (int)syscall(SYS_accept4, s, addr, len, flags);
}

/* The kernel gave no fd (EMFILE/ENFILE): take the pending connection with the spare fd's room and drop it. */
static void s_drop_pending(int s)
{
    pthread_mutex_lock(&s_spare_lock);
    if (s_spare >= 0) {
        close(s_spare);
        int fd = s_kernel_accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            close(fd);
        s_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    pthread_mutex_unlock(&s_spare_lock);
}

/*
 * What libzmq's listeners call (gate.h): the kernel's accept4, then the
 * gate. Only listening sockets are accepted on, and rectd's own code
 * accepts nothing, so every call is a peer's connection.
 */
int accept4(int s, struct sockaddr *addr, socklen_t *len, int flags)
{
    int fd = s_kernel_accept4(s, addr, len, flags);
    int gate = atomic_load(&s_gate);
    if (gate == INT_MAX)
        return fd;
    if (fd < 0 && errno != EMFILE && errno != ENFILE)
        return fd; /* EAGAIN, EINTR, ECONNABORTED...: libzmq's own business */
    if (fd < 0)
        s_drop_pending(s);
    else if (fd < gate)
        return fd;
    else
        close(fd);
    atomic_fetch_add(&s_refused, 1);
    errno = ECONNABORTED; /* libzmq: "the peer went away", nothing to do */
    return -1;
}

int accept(int s, struct sockaddr *addr, socklen_t *len)
{
    return accept4(s, addr, len, 0);
}

void gate_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t was = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = was;
        else
            log_msg(LOG_LEVEL_INFO, "open files: limit raised from %llu to %llu (the hard limit)",
                    (unsigned long long)was, (unsigned long long)rl.rlim_cur);
    }
    s_nofile = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;
}

/* How many fds this process holds now (/proc/self/fd; else the lowest free fd). */
static long s_fds_in_use(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = 0;
        while (readdir(d))
            n++;
        closedir(d);
        return n - 3; /* ".", ".." and the directory's own fd */
    }
    int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return 3;
    close(fd);
    return fd;
}

int gate_open(const rect_cfg *cfg, char *err, size_t errlen)
{
    if (s_nofile < 0)
        gate_raise_nofile();
    pthread_mutex_lock(&s_spare_lock);
    if (s_spare < 0)
        s_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pthread_mutex_unlock(&s_spare_lock);
    long base = s_fds_in_use();
    long gate = base + (long)cfg->max_peers;
    long room = s_nofile - (long)cfg->fd_reserve;
    const char *why = "daemon.max_peers";
    if (room < gate) {
        gate = room;
        why = "the open-files limit less daemon.fd_reserve";
    }
    if (gate - base < 8) {
        snprintf(
            err, errlen,
            "the open-files limit (%ld) leaves room for %ld connections beside the %ld fds rectd holds and "
            "the %u it keeps in reserve (daemon.fd_reserve): raise the limit (ulimit -n, LimitNOFILE=) "
            "or lower daemon.fd_reserve",
            s_nofile, gate - base > 0 ? gate - base : 0, base, (unsigned)cfg->fd_reserve);
        return -1;
    }
    atomic_store(&s_gate, (int)gate);
    log_msg(LOG_LEVEL_INFO,
            "connections: at most %ld at once (%s; open-files limit %ld, %ld fds in use, %u kept in reserve)",
            gate - base, why, s_nofile, base, (unsigned)cfg->fd_reserve);
    return 0;
}

void gate_close(void)
{
    atomic_store(&s_gate, INT_MAX);
    pthread_mutex_lock(&s_spare_lock);
    if (s_spare >= 0)
        close(s_spare);
    s_spare = -1;
    pthread_mutex_unlock(&s_spare_lock);
}

unsigned long gate_refused_take(void)
{
    return atomic_exchange(&s_refused, 0);
}

int gate_fd_bound(void)
{
    return atomic_load(&s_gate);
}

long gate_nofile(void)
{
    return s_nofile;
}
