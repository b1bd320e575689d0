/*
 * web.h - rectweb, the web gateway for officials' phones (issue 13): what
 * its modules share. rectweb decides nothing: every rule is rectd's; it
 * logs officials in (rectd checks the password), keeps their sessions,
 * sends each request in the official's name through the gateway's key and
 * renders what rectd answers, in Chinese.
 *
 *   webcfg.c   rectweb.conf (the only rectweb file that speaks libconfig)
 *   session.c  sessions, CSRF tokens, login throttling (memory only)
 *   parse.c    rectweb's own parsing of request bits: cookies, paths, names
 *   buf.c      a growable text buffer with HTML escaping
 *   rectd.c    calls to rectd (common/conn.c) and the refusal text
 *   pages.c    the pages; the ledger and case-file downloads through rectctl's
 *              own renderers (client/ledger*.c, dossier_*.c), linked in
 *   http.c     libmicrohttpd: routing, forms, uploads, headers
 *   main.c     start-up and signals
 */
#ifndef RECTWEB_WEB_H
#define RECTWEB_WEB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conn.h"
#include "rect_proto.h"

/* ---- configuration (webcfg.c) ---- */
typedef struct {
    char *path;               /* the config file */
    char *listen_host;        /* "127.0.0.1" */
    unsigned port;            /* 8080 */
    char *endpoint;           /* rectd's daemon.endpoint */
    char server_key[41];      /* rectd's public key, Z85 */
    char *gateway;            /* the gateway's user name in rectd.conf */
    char pub[41], sec[41];    /* the gateway's key pair, Z85 */
    char *tls_cert, *tls_key; /* file contents (PEM), or NULL: plain HTTP */
    unsigned max_upload_mb;
    unsigned session_idle_min;
    unsigned login_tries;         /* failures per user before a wait */
    unsigned login_tries_address; /* failures per address before a wait */
    unsigned login_wait_s;
    unsigned timeout_ms;
    unsigned max_sessions;
} web_cfg;

/* Load path into *c. 0, or -1 with err ("FILE:LINE: what is wrong, what to do"). */
int webcfg_load(const char *path, web_cfg *c, char *err, size_t errlen);
void webcfg_free(web_cfg *c);

/* ---- a growable buffer (buf.c) ---- */
typedef struct {
    char *data;
    size_t len, cap;
    int failed; /* an allocation failed: the contents are incomplete */
} wbuf;

void wb_put(wbuf *b, const char *s, size_t n);
void wb_puts(wbuf *b, const char *s);
void wb_printf(wbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s HTML-escaped (& < > " ' and control characters other than newline and tab dropped). */
void wb_esc(wbuf *b, const char *s);
void wb_free(wbuf *b);

/* ---- rectweb's own parsing (parse.c): pure functions, fuzzed ---- */

/* The value of cookie name in a Cookie header into out (cut to len-1); 1 if found. */
int web_cookie(const char *header, const char *name, char *out, size_t len);
/*
 * A path "/item/ID[/ACTION]" : 1 with *id (1..2^53) and action ("" or the
 * last part, at most len-1 of [a-z._]), else 0.
 */
int web_item_path(const char *path, uint64_t *id, char *action, size_t len);
/* "/blob/ID/SHA256HEX": 1 with *id and sha (64 lower-case hex), else 0. */
int web_blob_path(const char *path, uint64_t *id, char sha[65]);
/*
 * A file name safe in a Content-Disposition header and on any disk: the
 * last path part of name, with / \ control characters quotes and ; made
 * '_', no leading dots, at most 120 bytes (cut at a UTF-8 boundary), never
 * empty ("file"). Into out (len >= 128).
 */
void web_safe_name(const char *name, char *out, size_t len);
/* 1 if s is a user name rectd could know: 1..64 of [A-Za-z0-9_.-]. */
int web_name_ok(const char *s);

/* ---- sessions (session.c) ---- */
#define WEB_TOKEN_LEN 43 /* base64url of 32 random bytes */
typedef struct {
    char id[WEB_TOKEN_LEN + 1];
    char csrf[WEB_TOKEN_LEN + 1];
    char user[RECT_MAX_NAME + 1];
    char display[256];
    unsigned roles; /* rect_role bits, as rectd said at login */
    time_t last;
} web_session;

int sess_init(unsigned max_sessions, unsigned idle_min);
/* The live session of cookie value id (touched), or NULL. Constant time per slot. */
web_session *sess_find(const char *id, time_t now);
/* A new session for user (replacing the oldest when full). NULL when out of memory. */
web_session *sess_new(const char *user, const char *display, unsigned roles, time_t now);
void sess_end(web_session *s);
/* 1 if given equals the session's CSRF token (constant time). */
int sess_csrf_ok(const web_session *s, const char *given);
/* A fresh random token (base64url, 43 characters) into out. */
void sess_token(char out[WEB_TOKEN_LEN + 1]);

/* Login throttling: 0 if key may try now, else the seconds to wait. */
long throttle_wait(const char *kind, const char *key, time_t now);
/* Count a failure of key (limit failures before a wait of wait_s, doubling). */
void throttle_fail(const char *kind, const char *key, unsigned limit, unsigned wait_s, time_t now);
void throttle_clear(const char *kind, const char *key);

/* ---- rectd (rectd.c) ---- */
typedef struct {
    json_t *reply;              /* the whole reply, owned; NULL when rectd did not answer */
    json_t *result;             /* borrowed from reply when ok */
    const char *code, *message; /* borrowed from reply when refused; code "unreachable" etc. otherwise */
    char *data;                 /* blob_get's frame, owned */
    size_t data_len;
} web_answer;

int rectd_open(const web_cfg *cfg);
void rectd_close(void);
/*
 * One request to rectd as user (the official; the gateway's own name for
 * login) with args (stolen), write: a write with a fresh (client, seq).
 * frames: attached files. Returns 1 if ok, 0 if refused or unanswered (a->code says).
 * web_answer_free after.
 */
int rectd_call(const char *cmd, const char *user, json_t *args, int write, const conn_frame *frames,
               size_t nframes, web_answer *a);
void web_answer_free(web_answer *a);
/* The display name of a user from rectd's directory (cached a minute), or the name. */
const char *rectd_display(const char *user);
/* rectd's calendar time zone (calendar.timezone) from the directory, or "UTC". */
const char *rectd_zone(void);
/* The name of a unit id from the directory, or the id. */
const char *rectd_unit(const char *unit);
/*
 * A refusal as officials read it: the Chinese summary of the code and
 * rectd's message, HTML-escaped into b. The one place refusals are worded
 * (to become common/refusal.c's renderer).
 */
void web_refusal(wbuf *b, const web_answer *a);

/* ---- pages (pages.c) ---- */
typedef struct {
    int status;       /* HTTP status */
    const char *type; /* Content-Type */
    wbuf body;
    char location[256];    /* a redirect (303) when set */
    char disposition[300]; /* Content-Disposition when set */
    char set_cookie[2][200];
    char *raw; /* a body of bytes instead of body (owned), raw_len of them */
    size_t raw_len;
} web_reply;

/* An uploaded file. */
typedef struct {
    char name[128]; /* as the browser sent it */
    char *data;     /* owned */
    size_t len;
} web_photo;

/* A submitted form: fields and uploaded files. */
#define WEB_MAX_FIELDS 16
#define WEB_MAX_PHOTOS 9
typedef struct {
    char *name[WEB_MAX_FIELDS], *value[WEB_MAX_FIELDS];
    size_t n;
    web_photo photo[WEB_MAX_PHOTOS];
    size_t n_photos;
    int too_large, too_many, bad;
} web_form;

const char *form_get(const web_form *f, const char *name);

typedef struct {
    const web_cfg *cfg;
    const char *method, *path, *addr;
    /* A query argument (?name=value, decoded) or NULL. */
    const char *(*arg)(void *arg_ctx, const char *name);
    void *arg_ctx;
    web_session *sess; /* NULL: not logged in */
    const char *pre;   /* the login form's cookie token, or NULL */
    web_form *form;    /* POST only */
    time_t now;
    int tls;
} web_req;

/* Route and answer one request into r. */
void pages_handle(web_req *q, web_reply *r);

#endif
