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
} rect_named;

typedef struct {
    char *name;    /* login-like identifier, e.g. "wangyan" */
    char *display; /* e.g. "王燕" */
    unsigned roles; /* mask of rect_role */
} rect_user;

typedef struct {
    char *path; /* absolute path of the config file */
    char *dir;  /* its folder: relative paths resolve against it */

    /* daemon */
    char *endpoint;           /* "ipc:///abs/path" or "tcp://127.0.0.1:5555"; ipc paths made absolute */
    char *data_dir;           /* absolute */
    uint64_t map_size_mb;     /* LMDB map size */
    uint32_t max_request_kb;  /* JSON frame limit */
    uint32_t max_attachment_mb; /* per attachment frame (evidence file, import CSV) */
    uint32_t reply_cache;     /* idempotency replies kept (count) */
    char *default_inspection; /* inspection of items added without one */

    /* calendar */
    char *timezone; /* IANA zone, e.g. "Asia/Shanghai" */

    rect_named *sources;
    size_t n_sources;
    rect_named *units;
    size_t n_units;
    rect_user *users;
    size_t n_users;

    /* client */
    char *client_user;      /* may be NULL */
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
const rect_user *cfg_user(const rect_cfg *cfg, const char *name);           /* by name only */
const rect_user *cfg_user_find(const rect_cfg *cfg, const char *name_or_display);
const rect_named *cfg_unit_find(const rect_cfg *cfg, const char *id_or_name);
const rect_named *cfg_source_find(const rect_cfg *cfg, const char *id_or_name);

/*
 * Default config path when -c is not given: $RECTD_CONFIG, else
 * <dir of the running executable>/config/rectd.conf if it exists, else
 * /etc/rectd/rectd.conf. Returns a static buffer.
 */
const char *cfg_default_path(void);

#endif
