/*
 * main.c - rectd: start-up, signals, shutdown.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "cmd_backup.h"
#include "cfg_json.h"
#include "fault.h"
#include "log.h"
#include "rect_cfg.h"
#include "rect_date.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "server.h"
#include "sign.h"
#include "store.h"

static volatile sig_atomic_t s_stop, s_reload;

static void s_on_signal(int sig)
{
    if (sig == SIGHUP)
        s_reload = 1;
    else
        s_stop = 1;
}

/* --restore: a read of the copy faulted (a page number past its end). Nothing was put in place yet. */
static void s_on_bad_copy(int sig)
{
    static const char msg[] =
        "rectd --restore: the copy is damaged (reading it faulted: its pages point past "
        "its end); nothing was restored\n";
    (void)sig;
    ssize_t n = write(2, msg, sizeof msg - 1);
    (void)n;
    _exit(1);
}

/*
 * First thing, before main: a SIGHUP (or SIGTERM) during start-up must not
 * kill rectd with its default action; the loop acts on the flags once it
 * runs. tests/e2e-robust.py StartUp checks /proc's SigCgt at once.
 */
__attribute__((constructor)) static void s_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: rectd [-c CONFIG] [--check [--json]] [--log-file PATH] [--clock-file PATH]\n"
            "       rectd keygen [-c CONFIG] [-o BASE] [--force]\n"
            "       rectd --restore FROM [-c CONFIG] [--force]\n"
            "\n"
            "rectd keeps every inspection feedback problem as a state machine in LMDB and\n"
            "serves rectctl over ZeroMQ. It runs in the foreground; stop it with Ctrl-C or\n"
            "SIGTERM; SIGHUP reloads users, roles and keys (a bad config is refused and the\n"
            "old one stays). Every connection is authenticated with CURVE: only keys in\n"
            "users[].public_key get in (docs/SECURITY.md).\n"
            "\n"
            "  keygen             write rectd's CURVE key pair: BASE.key (secret, mode 0600)\n"
            "                     and BASE.pub; BASE defaults to daemon.key_file without\n"
            "                     .key. An existing key is kept unless --force.\n"
            "  -c, --config FILE  configuration (default: %s)\n"
            "      --log-file PATH  append every log line to PATH (made 0600) instead of\n"
            "                     stderr; started with fd 2 closed, rectd logs to\n"
            "                     data_dir/rectd.log unless this names another file\n"
            "      --restore FROM put the backup in FROM (a folder made by rectctl backup, or\n"
            "                     its data.mdb) in place as data_dir's database, after checking\n"
            "                     its whole chain; rectd must be stopped. A data_dir that holds a\n"
            "                     database is refused unless --force (the old file is then kept\n"
            "                     as data.mdb.replaced-TIME). Never cp a live data.mdb: use\n"
            "                     rectctl backup (docs/SECURITY.md)\n"
            "      --check        check the configuration, print the effective settings (every\n"
            "                     default filled in, paths absolute, keys as public keys or\n"
            "                     paths, never a secret) one \"group.setting = value\" a line\n"
            "                     on stdout, and exit\n"
            "      --json         with --check: the effective settings as JSON instead\n"
            "      --clock-file PATH  test facility: read \"now\" from PATH (ISO 8601 with Z or\n"
            "                     an offset, e.g. 2026-12-01T09:00:00+08:00), re-read on every\n"
            "                     tick, so a test can move time; the system clock while unreadable\n"
            "  -h, --help         this help\n"
            "  -V, --version      print the version\n"
            "\n"
            "Log: one line per event on stderr with its level. Under systemd (stderr is the\n"
            "journal, $JOURNAL_STREAM) as \"<6>MESSAGE\", the sd-daemon(3) priority prefix\n"
            "(<3> error, <4> warning, <5> notice, <6> info); else as\n"
            "\"2026-12-01T01:00:00Z info: MESSAGE\".\n"
            "\n"
            "Exit status: 0 after a clean stop, 1 on a bad command line, configuration,\n"
            "data directory or signing key (the message says FILE:LINE: what is wrong),\n"
            "3 when a commit failed at the disk (logged FATAL; the batch was not answered).\n",
            cfg_default_path());
}

/*
 * fds 0-2 must be open: else LMDB's data file could become fd 2 and be
 * overwritten by stderr. A closed one gets /dev/null; returns the mask of
 * those that were closed (bit fd), so that a closed stderr can be pointed
 * at a log file once the config says where (s_open_log).
 */
static unsigned s_fill_std_fds(void)
{
    unsigned closed = 0;
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0) {
            closed |= 1u << fd;
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
    return closed;
}

/*
 * stderr to a log file (appended, mode 0600): path, or data_dir/rectd.log
 * when rectd was started with fd 2 closed and no --log-file (its lines
 * would otherwise all go to /dev/null). 0, or -1 with a message on the
 * stderr rectd has.
 */
static int s_open_log(const char *path, unsigned closed, const char *data_dir)
{
    char buf[4200];
    if (!path && !(closed & 4u))
        return 0;
    if (!path) {
        if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
            return 0; /* store_open says why */
        snprintf(buf, sizeof buf, "%s/rectd.log", data_dir);
        path = buf;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_msg(LOG_LEVEL_ERROR, "cannot open the log file %s: %s", path, strerror(errno));
        return -1;
    }
    if (dup2(fd, 2) < 0) {
        log_msg(LOG_LEVEL_ERROR, "cannot log to %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    setvbuf(stderr, NULL, _IOLBF, 0);
    log_init(-1); /* a file now, not the journal stderr may have been */
    return 0;
}

/*
 * A start-up failure: on a real start a log line at level error (the
 * journal sees why the service failed), with --check the plain message.
 */
static void s_fail(int check, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_fail(int check, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (check)
        fprintf(stderr, "rectd: %s\n", text);
    else
        log_msg(LOG_LEVEL_ERROR, "%s", text);
}

/* rectd keygen: rectd's own CURVE key pair. */
static int s_keygen(const char *path, const char *base, int force)
{
    char err[1024], buf[4096];
    if (!base) {
        rect_cfg *cfg = NULL;
        if (cfg_load(path, &cfg, err, sizeof err) != 0) {
            fprintf(stderr, "rectd keygen: %s (or give -o BASE)\n", err);
            return 1;
        }
        if (!cfg->key_file) {
            fprintf(stderr, "rectd keygen: %s has no daemon.key_file: give -o BASE\n", cfg->path);
            cfg_destroy(&cfg);
            return 1;
        }
        keys_base(cfg->key_file, buf, sizeof buf);
        cfg_destroy(&cfg);
        base = buf;
    }
    rect_key k;
    if (keys_generate("rectd", &k) != 0 || keys_write(base, &k, force, err, sizeof err) != 0) {
        fprintf(stderr, "rectd keygen: %s\n", err[0] ? err : "libzmq has no CURVE");
        return 1;
    }
    printf("wrote %s.key (secret, mode 0600) and %s.pub\n"
           "rectd's public key: %s\n"
           "Give %s.pub to every rectctl (client.server_key); keep %s.key to rectd's account.\n",
           base, base, k.public_z85, base, base);
    memset(&k, 0, sizeof k);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"clock-file", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"out", required_argument, NULL, 'o'},
        {"force", no_argument, NULL, 'f'},
        {"restore", required_argument, NULL, 'r'},
        {"log-file", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *clock = NULL, *out = NULL, *restore = NULL, *log_file = NULL;
    int check = 0, json = 0, force = 0, keygen = 0, c;
    unsigned closed_fds = s_fill_std_fds(); /* signals: caught before main (s_catch_signals) */
    /* before any JSON value: fault_loadb then sees every allocation jansson failed */
    fault_install();
    if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
        keygen = 1;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    while ((c = getopt_long(argc, argv, "c:o:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'r':
            restore = optarg;
            break;
        case 'l':
            log_file = optarg;
            break;
        case 'k':
            check = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 't':
            clock = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("rectd %s (protocol %d)\n", RECT_VERSION, RECT_PROTOCOL_VERSION);
            return 0;
        default:
            s_usage(stderr);
            return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rectd: unexpected argument \"%s\"\n", argv[optind]);
        s_usage(stderr);
        return 1;
    }
    if (json && !check) {
        fprintf(stderr, "rectd: --json goes with --check\n");
        s_usage(stderr);
        return 1;
    }
    if ((out && !keygen) || (force && !keygen && !restore) || (restore && (keygen || check))) {
        fprintf(stderr,
                "rectd: -o goes with keygen, --force with keygen or --restore, and --restore alone\n");
        s_usage(stderr);
        return 1;
    }
    if (!path)
        path = cfg_default_path();
    if (keygen)
        return s_keygen(path, out, force);

    char err[1024];
    int rc;
    rect_cfg *cfg = NULL;
    store *st = NULL;
    if (cfg_load(path, &cfg, err, sizeof err) != 0) {
        s_fail(check, "%s", err);
        return 1;
    }
    if (!check && !restore && s_open_log(log_file, closed_fds, cfg->data_dir) != 0) {
        cfg_destroy(&cfg);
        return 1;
    }
    if (!check && !restore && geteuid() == 0)
        log_msg(LOG_LEVEL_WARNING,
                "running as root: a fault in rectd, a hook or a library would have the "
                "whole machine; run it as a user of its own (e.g. useradd --system rectd, or "
                "the rectd.service that make install puts in place) that owns data_dir and its "
                "keys");
    if (restore) {
        /* A damaged copy can point LMDB past its end: say so instead of dying of SIGBUS. */
        struct sigaction bus;
        memset(&bus, 0, sizeof bus);
        bus.sa_handler = s_on_bad_copy;
        sigaction(SIGBUS, &bus, NULL);
        sigaction(SIGSEGV, &bus, NULL);
        rc = backup_restore(restore, cfg->data_dir, force, err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "rectd --restore: %s\n", err);
        cfg_destroy(&cfg);
        return rc ? 1 : 0;
    }
    /* Local time in the calendar's zone without switching TZ: the reader threads convert too. */
    if (date_pin_zone(cfg->timezone) != 0) {
        s_fail(check, "cannot use time zone %s", cfg->timezone);
        cfg_destroy(&cfg);
        return 1;
    }
    if (clock && rect_clock_file(clock) != 0)
        log_msg(LOG_LEVEL_WARNING,
                "clock file %s is not readable yet (ISO 8601 expected); using the system clock until it is",
                clock);
    rect_key key;
    if (cfg->demo_keys && (strncmp(cfg->endpoint, "tcp://", 6) == 0 ||
                           (cfg->pub_endpoint && strncmp(cfg->pub_endpoint, "tcp://", 6) == 0))) {
        s_fail(check,
               "%s: daemon.demo_keys with a tcp endpoint: demo keys are for trying rectd "
               "on one machine over ipc; for tcp give every user a key of their own "
               "(rectctl keygen USER) and set demo_keys = false",
               cfg->path);
        cfg_destroy(&cfg);
        return 1;
    }
    /* --check writes nothing: demo keys are made by a real start only */
    if (auth_prepare(cfg, &key, !check, err, sizeof err) != 0) {
        s_fail(check, "%s", err);
        cfg_destroy(&cfg);
        return 1;
    }
    if (check && json) {
        json_t *eff = cfg_json_effective(cfg, key.public_z85);
        memset(&key, 0, sizeof key);
        char *text = eff ? json_dumps(eff, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        json_decref(eff);
        cfg_destroy(&cfg);
        if (!text) {
            fprintf(stderr, "rectd: out of memory\n");
            return 1;
        }
        puts(text);
        free(text);
        return 0;
    }
    if (check) {
        printf("rectd: %s is valid%s\n", cfg->path,
               cfg->demo_keys && !key.public_z85[0] ? " (its demo keys are made at the first start)" : "");
        json_t *eff = cfg_json_effective(cfg, key.public_z85[0] ? key.public_z85 : NULL);
        memset(&key, 0, sizeof key);
        cfg_destroy(&cfg);
        int bad = cfg_json_print_text(stdout, eff);
        json_decref(eff);
        if (bad) {
            fprintf(stderr, "rectd: out of memory\n");
            return 1;
        }
        return 0;
    }

    rc = 1;
    if (store_open(cfg->data_dir, cfg->map_size_mb, &st, err, sizeof err) != 0 ||
        sign_open(cfg->signing_key, err, sizeof err) != 0) {
        log_msg(LOG_LEVEL_ERROR, "%s", err);
        goto done;
    }
    log_msg(LOG_LEVEL_INFO, "rectd %s: serving %s (CURVE, rectd's key %s), data in %s (pid %ld)",
            RECT_VERSION, cfg->endpoint, key.public_z85, cfg->data_dir, (long)getpid());
    rc = server_run(&cfg, &key, st, &s_stop, &s_reload, err, sizeof err);
    memset(&key, 0, sizeof key);
    if (rc != 0) {
        rc = 1;
        log_msg(LOG_LEVEL_ERROR, "%s", err);
        goto done;
    }
    log_msg(LOG_LEVEL_INFO, "stopped");
    rc = 0;
done:
    sign_close();
    store_close(&st);
    cfg_destroy(&cfg);
    return rc;
}
