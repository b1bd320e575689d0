/*
 * powerloss-shim.c - LD_PRELOAD library for tests/crash/powerloss.py: it
 * records every write and every sync of one file (LMDB's data.mdb) as it
 * happens, so that the test can build, after the fact, the disk images a
 * power failure at any moment could have left.
 *
 *   POWERLOSS_LOG=PATH POWERLOSS_FILE=data.mdb LD_PRELOAD=powerloss-shim.so rectd ...
 *
 * Opens of a file whose base name is POWERLOSS_FILE are tracked (with
 * whether the descriptor is O_DSYNC/O_SYNC: LMDB writes its meta pages
 * through such a descriptor and never fsyncs it). Each completed write,
 * pwrite, writev or pwritev on a tracked descriptor appends a record with
 * the file offset and the bytes written; each completed fsync/fdatasync of
 * one appends a sync record; msync and ftruncate of one append a record of
 * their own, which powerloss.py refuses (they would mean a writable map or
 * a file that shrinks: not what rectd's flags give, and not modelled).
 * Every record holds CLOCK_MONOTONIC at the call's start and end, which the
 * test compares with when each acknowledgement arrived.
 *
 * Record: struct rec (below, native byte order) then len bytes of data for
 * writes. The log is written with the real write(2) under a mutex; a
 * killed rectd loses nothing already recorded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct rec {
    char type;     /* 'W' write, 'S' fsync/fdatasync, 'M' msync, 'T' ftruncate */
    uint8_t dsync; /* the descriptor was opened O_DSYNC or O_SYNC */
    uint16_t fd;
    uint32_t len;   /* bytes of data after the record ('W') */
    uint64_t off;   /* file offset of the write; new size for 'T' */
    int64_t t0, t1; /* CLOCK_MONOTONIC ns at the call's start and end */
};

#define MAX_FD 4096
static unsigned char s_tracked[MAX_FD]; /* 0 no, 1 tracked, 2 tracked and O_DSYNC */
static int s_log = -1;
static const char *s_name;
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;

static ssize_t (*r_write)(int, const void *, size_t);
static ssize_t (*r_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*r_writev)(int, const struct iovec *, int);
static ssize_t (*r_pwritev)(int, const struct iovec *, int, off_t);
static int (*r_open)(const char *, int, ...);
static int (*r_openat)(int, const char *, int, ...);
static int (*r_close)(int);
static int (*r_fsync)(int);
static int (*r_fdatasync)(int);
static int (*r_msync)(void *, size_t, int);
static int (*r_ftruncate)(int, off_t);

static void s_init(void)
{
    if (r_write)
        return;
    r_write = dlsym(RTLD_NEXT, "write");
    r_pwrite = dlsym(RTLD_NEXT, "pwrite");
    r_writev = dlsym(RTLD_NEXT, "writev");
    r_pwritev = dlsym(RTLD_NEXT, "pwritev");
    r_open = dlsym(RTLD_NEXT, "open");
    r_openat = dlsym(RTLD_NEXT, "openat");
    r_close = dlsym(RTLD_NEXT, "close");
    r_fsync = dlsym(RTLD_NEXT, "fsync");
    r_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    r_msync = dlsym(RTLD_NEXT, "msync");
    r_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
}

__attribute__((constructor)) static void s_start(void)
{
    s_init();
    const char *log = getenv("POWERLOSS_LOG");
    s_name = getenv("POWERLOSS_FILE");
    if (!s_name)
        s_name = "data.mdb";
    if (log)
        s_log = r_open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static int64_t s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int s_is_tracked(int fd)
{
    return fd >= 0 && fd < MAX_FD && s_tracked[fd] && s_log >= 0;
}

static void s_all(const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = r_write(s_log, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            abort(); /* a log with a hole would prove nothing */
        c += w;
        n -= (size_t)w;
    }
}

/* Append one record and its data (iov, n, at most len bytes). Caller holds nothing. */
static void s_record(char type, int fd, uint64_t off, int64_t t0, const struct iovec *iov, int n, size_t len)
{
    int saved = errno;
    struct rec r = {type, s_tracked[fd] == 2, (uint16_t)fd, (uint32_t)len, off, t0, s_now()};
    pthread_mutex_lock(&s_mu);
    s_all(&r, sizeof r);
    for (int i = 0; i < n && len; i++) {
        size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;
        s_all(iov[i].iov_base, k);
        len -= k;
    }
    pthread_mutex_unlock(&s_mu);
    errno = saved;
}

static void s_track(int fd, const char *path, int flags)
{
    if (fd < 0 || fd >= MAX_FD)
        return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    s_tracked[fd] = strcmp(base, s_name) == 0 ? ((flags & O_DSYNC) ? 2 : 1) : 0;
}

int open(const char *path, int flags, ...)
{
    s_init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int fd = r_open(path, flags, mode);
    s_track(fd, path, flags);
    return fd;
}
int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int openat(int dir, const char *path, int flags, ...)
{
    s_init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    int fd = r_openat(dir, path, flags, mode);
    s_track(fd, path, flags);
    return fd;
}
int openat64(int dir, const char *path, int flags, ...) __attribute__((alias("openat")));

int close(int fd)
{
    s_init();
    if (fd >= 0 && fd < MAX_FD)
        s_tracked[fd] = 0;
    return r_close(fd);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    s_init();
    int64_t t0 = s_now();
    ssize_t w = r_pwrite(fd, buf, n, off);
    if (w > 0 && s_is_tracked(fd)) {
        struct iovec v = {(void *)buf, (size_t)w};
        s_record('W', fd, (uint64_t)off, t0, &v, 1, (size_t)w);
    }
    return w;
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) __attribute__((alias("pwrite")));

ssize_t write(int fd, const void *buf, size_t n)
{
    s_init();
    if (!s_is_tracked(fd))
        return r_write(fd, buf, n);
    int64_t t0 = s_now();
    off_t off = lseek(fd, 0, SEEK_CUR);
    ssize_t w = r_write(fd, buf, n);
    if (w > 0) {
        struct iovec v = {(void *)buf, (size_t)w};
        s_record('W', fd, (uint64_t)off, t0, &v, 1, (size_t)w);
    }
    return w;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    s_init();
    if (!s_is_tracked(fd))
        return r_writev(fd, iov, n);
    int64_t t0 = s_now();
    off_t off = lseek(fd, 0, SEEK_CUR);
    ssize_t w = r_writev(fd, iov, n);
    if (w > 0)
        s_record('W', fd, (uint64_t)off, t0, iov, n, (size_t)w);
    return w;
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    s_init();
    int64_t t0 = s_now();
    ssize_t w = r_pwritev(fd, iov, n, off);
    if (w > 0 && s_is_tracked(fd))
        s_record('W', fd, (uint64_t)off, t0, iov, n, (size_t)w);
    return w;
}
ssize_t pwritev64(int fd, const struct iovec *iov, int n, off_t off) __attribute__((alias("pwritev")));

int fsync(int fd)
{
    s_init();
    int64_t t0 = s_now();
    int rc = r_fsync(fd);
    if (rc == 0 && s_is_tracked(fd))
        s_record('S', fd, 0, t0, NULL, 0, 0);
    return rc;
}

int fdatasync(int fd)
{
    s_init();
    int64_t t0 = s_now();
    int rc = r_fdatasync(fd);
    if (rc == 0 && s_is_tracked(fd))
        s_record('S', fd, 0, t0, NULL, 0, 0);
    return rc;
}

int msync(void *addr, size_t len, int flags)
{
    s_init();
    int64_t t0 = s_now();
    int rc = r_msync(addr, len, flags);
    if (s_log >= 0)
        s_record('M', 0, (uint64_t)len, t0, NULL, 0, 0);
    return rc;
}

int ftruncate(int fd, off_t len)
{
    s_init();
    int64_t t0 = s_now();
    int rc = r_ftruncate(fd, len);
    if (rc == 0 && s_is_tracked(fd))
        s_record('T', fd, (uint64_t)len, t0, NULL, 0, 0);
    return rc;
}
