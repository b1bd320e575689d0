/*
 * main.c - rectweb: the web gateway for officials' phones (see web.h).
 *
 *   rectweb -c rectweb.conf     serve until SIGTERM or SIGINT
 *   rectweb -c FILE --check     check the config and exit
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libintl.h>
#include <locale.h>
#include <sys/stat.h>

#include <sodium.h>

#include "rect_cfg.h"

#include "http.h"
#include "web.h"

static void s_usage(FILE *f)
{
    fprintf(f, "usage: rectweb -c rectweb.conf [--check]\n"
               "  Serves the officials' web page (Chinese) and speaks to rectd with the gateway's key.\n"
               "  -c FILE    the config (see config/rectweb.conf)\n"
               "  --check    check the config and the keys, then exit\n");
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    int check = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--check"))
            check = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            s_usage(stdout);
            return 0;
        } else {
            s_usage(stderr);
            return 1;
        }
    }
    if (!path) {
        s_usage(stderr);
        return 1;
    }
    /* rectctl's catalogue (po/zh_CN.po) words rectd's refusals: rectweb's pages are Chinese whatever
     * the service's locale. The catalogues of a build tree (build/locale beside build/rectweb/), else
     * those installed beside PREFIX/sbin, else LOCALEDIR. */
    setlocale(LC_CTYPE, "C.UTF-8");
    if (!setlocale(LC_MESSAGES, "zh_CN.UTF-8"))
        setlocale(LC_MESSAGES, "C.UTF-8");
    setenv("LANGUAGE", "zh_CN", 1);
    char locale_dir[4096];
    struct stat lst;
    if ((cfg_beside_exe("../locale", locale_dir, sizeof locale_dir) != 0 || stat(locale_dir, &lst) != 0) &&
        (cfg_beside_exe("../share/locale", locale_dir, sizeof locale_dir) != 0 ||
         stat(locale_dir, &lst) != 0))
        snprintf(locale_dir, sizeof locale_dir, "%s", LOCALEDIR);
    bindtextdomain("rectctl", locale_dir);
    bind_textdomain_codeset("rectctl", "UTF-8");
    /* rectctl's case-file page (client/dossier_html.c), linked in, words its labels with gettext(). */
    textdomain("rectctl");
    if (sodium_init() < 0) {
        fprintf(stderr, "rectweb: libsodium cannot start\n");
        return 1;
    }
    web_cfg cfg;
    char err[1024];
    if (webcfg_load(path, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "rectweb: %s\n", err);
        return 1;
    }
    if (check) {
        printf("rectweb: %s is good: listen %s:%u, rectd %s, gateway %s%s\n", path, cfg.listen_host, cfg.port,
               cfg.endpoint, cfg.gateway, cfg.tls_cert ? ", TLS" : "");
        webcfg_free(&cfg);
        return 0;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts: only sigwait takes them */
    signal(SIGPIPE, SIG_IGN);
    if (sess_init(cfg.max_sessions, cfg.session_idle_min) != 0 || rectd_open(&cfg) != 0) {
        fprintf(stderr, "rectweb: out of memory, or libzmq cannot start\n");
        webcfg_free(&cfg);
        return 1;
    }
    void *d = http_start(&cfg, err, sizeof err);
    if (!d) {
        fprintf(stderr, "rectweb: %s\n", err);
        rectd_close();
        webcfg_free(&cfg);
        return 1;
    }
    fprintf(stderr, "rectweb: serving http%s://%s:%u/ for rectd at %s (gateway %s)\n",
            cfg.tls_cert ? "s" : "", cfg.listen_host, cfg.port, cfg.endpoint, cfg.gateway);
    int sig = 0;
    do
        sigwait(&set, &sig);
    while (sig == SIGHUP); /* nothing to reload yet: the config is read at start */
    http_stop(&d);
    rectd_close();
    webcfg_free(&cfg);
    fprintf(stderr, "rectweb: stopped\n");
    return 0;
}
