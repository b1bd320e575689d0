/*
 * rect_cfg.h - the configuration both rectd and rectctl read (libconfig).
 *
 * common/cfg.c is the only file that speaks libconfig. A loaded config is
 * immutable; every string in it is owned by the rect_cfg and lives until
 * cfg_destroy().
 */
#ifndef RECT_CFG_H
#define RECT_CFG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *id;   /* e.g. "national" */
    char *name; /* e.g. "国家反馈共性问题" */
    int level;  /* sources only: rect_level (sources[].level, default RECT_LEVEL_OTHER); units: 0 */
} rect_named;

typedef struct {
    char *name;       /* login-like identifier, e.g. "wangyan" */
    char *display;    /* e.g. "王燕" */
    unsigned roles;   /* mask of rect_role */
    char *public_key; /* users[].public_key: Z85 CURVE key, NULL if none (demo keys fill it at start) */
} rect_user;

/* A notification hook: a program run without a shell, the notice JSON on stdin. */
typedef struct {
    char *name;  /* e.g. "sms" */
    char **argv; /* NULL-terminated; argv[0] is an absolute path or resolved against the config folder */
    size_t argc;
    uint32_t timeout_s; /* killed after this long (default 10) */
    uint32_t retries;   /* attempts after the first before giving up (default 5) */
} rect_hook;

/* Most reader threads daemon.read_threads may ask for (cfg.c's bound, server.c's array). */
#define RECT_MAX_READ_THREADS 16

typedef struct {
    char *path; /* absolute path of the config file */
    char *dir;  /* its folder: relative paths resolve against it */

    /* daemon */
    char *endpoint;             /* "ipc:///abs/path" or "tcp://127.0.0.1:5555"; ipc paths made absolute */
    char *data_dir;             /* absolute */
    char *signing_key;          /* absolute path of rectd's Ed25519 secret key file (daemon/sign.c) */
    uint64_t map_size_mb;       /* LMDB map size */
    uint32_t max_request_kb;    /* JSON frame limit */
    uint32_t max_attachment_mb; /* per attachment frame (evidence file, import CSV) */
    uint32_t reply_cache;       /* idempotency replies kept (count) */
    uint32_t read_threads;      /* threads for long reads (ledger, stats, audit); 0: none */
    /* limits (docs/SECURITY.md, "Bounded by design") */
    uint32_t max_peers;             /* connections at once */
    uint32_t fd_reserve;            /* fds kept free of connections (LMDB, files, hooks) */
    uint32_t peer_queue;            /* requests ZeroMQ holds per connection (ZMQ_RCVHWM) */
    uint32_t max_inflight_per_peer; /* one key's long reads waiting or running */
    uint32_t max_running_per_peer;  /* one key's long reads running at once */
    uint32_t max_inflight;          /* all long reads waiting or running */
    uint32_t max_inflight_mb;       /* their frames' bytes, MiB */
    char *default_inspection;       /* inspection of items added without one */
    char *key_file;       /* daemon.key_file: rectd's CURVE secret key file, absolute; NULL if unset */
    int demo_keys;        /* daemon.demo_keys: rectd makes missing keys beside key_file (demo only) */
    char *socket_group;   /* daemon.socket_group: group of the ipc socket file, NULL = rectd's own */
    uint32_t socket_mode; /* daemon.socket_mode: mode of the ipc socket file (0600, or 0660 with a group) */

    /* calendar */
    char *timezone;             /* IANA zone, e.g. "Asia/Shanghai" */
    uint32_t due_soon_days;     /* yellow when the deadline is this close (default 3) */
    uint32_t close_within_days; /* verified items not closed within this turn yellow (default 7) */
    int working_days;           /* 1: count working days (weekends, holidays, workdays below) */
    char **holidays;            /* "YYYY-MM-DD", sorted; days off on weekdays */
    size_t n_holidays;
    char **workdays; /* "YYYY-MM-DD", sorted; working weekends (调休) */
    size_t n_workdays;

    /* notify: the daily job (issue 3) */
    int notify_hour, notify_minute; /* notify.at "HH:MM" in the calendar zone (default 09:00) */
    char *pub_endpoint;             /* notify.pub_endpoint, NULL = no PUB socket; ipc made absolute */
    uint32_t escalate_after_days;   /* red for more than this many days: escalate (default 7) */
    int notify_immediate; /* notify.immediate (default 1): notices at once when something happens to you */
    rect_hook *hooks;
    size_t n_hooks;

    /* consolidation (巩固) of closed long-term items */
    uint32_t review_interval_days; /* consolidation.interval_days (default 90) */

    /* workflow: separation of duties (workflow.c) */
    int distinct_closer;     /* workflow.distinct_closer (default 1): the closer is none of the round's
                            evidence filers or owners (never its verifier or the current owner) */
    int close_by_any_leader; /* workflow.close_by: 0 "item_leader" (the item's leader or an
                                admin, default), 1 "any_leader" (any leader or admin) */

    /* ledger (issue 4) */
    char *ledger_reviewer; /* ledger.reviewer (审核人), NULL if unset */

    rect_named *sources;
    size_t n_sources;
    rect_named *units;
    size_t n_units;
    rect_user *users;
    size_t n_users;

    /* client */
    char *client_user;     /* may be NULL */
    char *client_keys_dir; /* client.keys_dir, absolute; NULL = ~/.config/rectd */
    char *
        client_server_key; /* client.server_key as written (Z85 or a .pub path), NULL = beside daemon.key_file */
    uint32_t client_timeout_ms;
    uint32_t client_retries;
} rect_cfg;

/*
 * Load and validate a config file. On success returns 0 and stores a new
 * config in *out (caller owns it; free with cfg_destroy). On failure returns
 * -1 and writes "FILE:LINE: what is wrong" (or "FILE: what is wrong" when no
 * line applies) into err.
 */
int cfg_load(const char *path, rect_cfg **out, char *err, size_t errlen);

/* Free a config and set *cfg_p to NULL. Accepts NULL and *cfg_p == NULL. */
void cfg_destroy(rect_cfg **cfg_p);

/* Lookups. The returned pointers live as long as the config. NULL if absent. */
const rect_user *cfg_user(const rect_cfg *cfg, const char *name); /* by name only */
const rect_user *cfg_user_find(const rect_cfg *cfg, const char *name_or_display);
/* 1 if s is an identifier (a user name, unit or source id): 1-128 of A-Z a-z 0-9 _ . - */
int cfg_valid_id(const char *s);
const rect_user *cfg_user_by_key(const rect_cfg *cfg, const char *public_z85);

/*
 * The first setting that differs between two configs and that only a
 * restart can change (endpoints, data_dir, map size, threads, time zone,
 * keys of rectd itself, hooks), as its name ("daemon.endpoint"); NULL if
 * none does. For SIGHUP: such a change is refused, the old config stays.
 */
const char *cfg_restart_only_change(const rect_cfg *old, const rect_cfg *fresh);
const rect_named *cfg_unit_find(const rect_cfg *cfg, const char *id_or_name);
const rect_named *cfg_source_find(const rect_cfg *cfg, const char *id_or_name);

/*
 * Default config path when -c is not given: $RECTD_CONFIG, else
 * <dir of the running executable>/config/rectd.conf if it exists, else
 * /etc/rectd/rectd.conf. Returns a static buffer.
 */
const char *cfg_default_path(void);
/* <folder of the running executable>/rel into buf: 0 if it exists, else -1. */
int cfg_beside_exe(const char *rel, char *buf, size_t len);

/* ---- rectctl's own config (rectctl.conf) ------------------------------- */

/*
 * What rectctl needs to reach rectd and act: nothing about users, units or
 * sources (those come from rectd's `directory`). Read from a rectctl.conf
 * (top-level settings endpoint, server_key, user, key_file, keys_dir,
 * timeout_ms, retries) or, for compatibility, from a rectd.conf (its
 * daemon.endpoint and client group; daemon_config is then 1). Every string
 * is owned by the struct until cfg_client_destroy().
 */
typedef struct {
    char *path;          /* absolute path of the file read */
    char *dir;           /* its folder: relative paths resolve against it */
    int daemon_config;   /* 1: path is a rectd.conf, read for its endpoint and client group */
    char *endpoint;      /* ipc paths made absolute */
    char *server_key;    /* rectd's public key as written (Z85 or a .pub path, relative to dir);
                         from a rectd.conf without client.server_key: the .pub beside
                         daemon.key_file (absolute); NULL if none */
    char *key_file;      /* key_file: the official's own secret key file, absolute; NULL if unset */
    char *keys_dir;      /* keys_dir, absolute; NULL = ~/.config/rectd */
    char *user;          /* user: who rectctl acts as by default; NULL if unset */
    uint32_t timeout_ms; /* one reply's wait (default 5000) */
    uint32_t retries;    /* tries per request (default 3) */
} rect_client_cfg;

/*
 * Load rectctl's config from path: a rectctl.conf, or a rectd.conf (one
 * with a daemon group), which is validated whole as rectd would and read
 * for its endpoint and client settings. 0 and *out (caller frees with
 * cfg_client_destroy), or -1 with "FILE:LINE: what is wrong" in err.
 */
int cfg_load_client(const char *path, rect_client_cfg **out, char *err, size_t errlen);

/* Free a client config and set *p to NULL. Accepts NULL and *p == NULL. */
void cfg_client_destroy(rect_client_cfg **p);

/*
 * rectctl's config path when -c is not given, into buf: $RECTCTL_CONFIG,
 * else $RECTD_CONFIG (a daemon config, kept for compatibility), else the
 * first that exists of ~/.config/rectd/rectctl.conf, /etc/rectd/rectctl.conf
 * and, for a development build, config/rectctl.conf beside the executable.
 * Returns 0, or -1 when none is set or exists (buf then lists where it looked).
 */
int cfg_client_default_path(char *buf, size_t len);

#endif
