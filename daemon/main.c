/*
 * main.c - rectd: start-up, signals, shutdown.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rect_cfg.h"
#include "rect_date.h"
#include "rect_proto.h"
#include "server.h"
#include "sign.h"
#include "store.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: rectd [-c CONFIG] [--check] [--clock-file PATH]\n"
            "\n"
            "rectd keeps every inspection feedback problem as a state machine in LMDB and\n"
            "serves rectctl over ZeroMQ. It runs in the foreground; stop it with Ctrl-C or\n"
            "SIGTERM.\n"
            "\n"
            "  -c, --config FILE  configuration (default: %s)\n"
            "      --check        check the configuration and exit\n"
            "      --clock-file PATH  test facility: read \"now\" from PATH (ISO 8601 with Z or\n"
            "                     an offset, e.g. 2026-12-01T09:00:00+08:00), re-read on every\n"
            "                     tick, so a test can move time; the system clock while unreadable\n"
            "  -h, --help         this help\n"
            "  -V, --version      print the version\n"
            "\n"
            "Exit status: 0 after a clean stop, 1 on a bad command line, configuration,\n"
            "data directory or signing key (the message says FILE:LINE: what is wrong).\n",
            cfg_default_path());
}

/* fds 0-2 must be open: else LMDB's data file could become fd 2 and be overwritten by stderr. */
static void s_fill_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0) {
            int n = open("/dev/null", O_RDWR);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"clock-file", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *clock = NULL;
    int check = 0, c;
    s_fill_std_fds();
    while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'k': check = 1; break;
        case 't': clock = optarg; break;
        case 'h': s_usage(stdout); return 0;
        case 'V': printf("rectd %s (protocol %d)\n", RECT_VERSION, RECT_PROTOCOL_VERSION); return 0;
        default: s_usage(stderr); return 1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "rectd: unexpected argument \"%s\"\n", argv[optind]);
        s_usage(stderr);
        return 1;
    }
    if (!path)
        path = cfg_default_path();

    char err[1024];
    rect_cfg *cfg = NULL;
    store *st = NULL;
    if (cfg_load(path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "rectd: %s\n", err);
        return 1;
    }
    /* Local time in the calendar's zone without switching TZ: the reader threads convert too. */
    if (date_pin_zone(cfg->timezone) != 0) {
        fprintf(stderr, "rectd: cannot use time zone %s\n", cfg->timezone);
        cfg_destroy(&cfg);
        return 1;
    }
    if (clock && rect_clock_file(clock) != 0)
        fprintf(stderr, "rectd: clock file %s is not readable yet (ISO 8601 expected); using the system clock until it is\n", clock);
    if (check) {
        printf("rectd: %s is valid\n", cfg->path);
        cfg_destroy(&cfg);
        return 0;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: zmq_poll returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    if (store_open(cfg->data_dir, cfg->map_size_mb, &st, err, sizeof err) != 0 ||
        sign_open(cfg->signing_key, err, sizeof err) != 0) {
        fprintf(stderr, "rectd: %s\n", err);
        goto done;
    }
    fprintf(stderr, "rectd %s: serving %s, data in %s (pid %ld)\n", RECT_VERSION, cfg->endpoint,
            cfg->data_dir, (long)getpid());
    if (server_run(cfg, st, &s_stop, err, sizeof err) != 0) {
        fprintf(stderr, "rectd: %s\n", err);
        goto done;
    }
    fprintf(stderr, "rectd: stopped\n");
    rc = 0;
done:
    sign_close();
    store_close(&st);
    cfg_destroy(&cfg);
    return rc;
}
