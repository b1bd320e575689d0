/*
 * http.c - libmicrohttpd for rectweb (web.h, http.h): one polling thread
 * (so sessions, throttles and the one rectd connection need no locks),
 * forms and multipart uploads through MHD's post processor with a size
 * limit, cookies, and the headers every answer carries.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "assets.h"
#include "http.h"
#include "web.h"

#define FIELD_MAX (64 * 1024) /* a text field's bytes */

typedef struct {
    web_form form;
    struct MHD_PostProcessor *pp;
    uint64_t bytes; /* body bytes seen */
    int early;      /* answered before the body (too large, not a form) */
    int busy;       /* the uploads in flight together were over the limit */
    uint64_t held;  /* of bytes, those counted in s_inflight (kept while the request lives) */
} req_state;

static const web_cfg *s_cfg;
/*
 * Body bytes of all requests being read, together: at most WEB_INFLIGHT
 * uploads' worth, so that many slow uploads at once cannot take all memory.
 */
#define WEB_INFLIGHT 4
static uint64_t s_inflight;

const char *form_get(const web_form *f, const char *name)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i];
    return NULL;
}

static void s_form_free(web_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->name[i]);
        free(f->value[i]);
    }
    for (size_t i = 0; i < f->n_photos; i++)
        free(f->photo[i].data);
    memset(f, 0, sizeof *f);
}

static enum MHD_Result s_post_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                   const char *content_type, const char *transfer_encoding, const char *data,
                                   uint64_t off, size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    req_state *st = cls;
    web_form *f = &st->form;
    if (f->too_large || f->bad)
        return MHD_YES; /* keep reading to the end, store nothing */
    if (filename) {
        if (strcmp(key, "photo") != 0 || (!*filename && size == 0))
            return MHD_YES;
        if (off == 0) {
            if (f->n_photos == WEB_MAX_PHOTOS) {
                f->too_many = 1;
                return MHD_YES;
            }
            snprintf(f->photo[f->n_photos].name, sizeof f->photo[0].name, "%s", filename);
            f->n_photos++;
        }
        if (f->too_many)
            return MHD_YES;
        web_photo *p = &f->photo[f->n_photos - 1];
        char *grown = size ? realloc(p->data, p->len + size) : p->data;
        if (size && !grown) {
            f->bad = 1;
            return MHD_YES;
        }
        p->data = grown;
        if (size)
            memcpy(p->data + p->len, data, size);
        p->len += size;
        return MHD_YES;
    }
    size_t i = f->n;
    if (off > 0 && f->n && strcmp(f->name[f->n - 1], key) == 0)
        i = f->n - 1;
    else if (f->n == WEB_MAX_FIELDS) {
        f->bad = 1;
        return MHD_YES;
    } else {
        f->name[i] = strdup(key);
        f->value[i] = strdup("");
        f->n++;
        if (!f->name[i] || !f->value[i]) {
            f->bad = 1;
            return MHD_YES;
        }
    }
    size_t have = strlen(f->value[i]);
    if (have + size > FIELD_MAX) {
        f->bad = 1;
        return MHD_YES;
    }
    char *v = realloc(f->value[i], have + size + 1);
    if (!v) {
        f->bad = 1;
        return MHD_YES;
    }
    memcpy(v + have, data, size);
    v[have + size] = '\0';
    f->value[i] = v;
    return MHD_YES;
}

static const char *s_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result s_send(struct MHD_Connection *c, web_reply *r, int is_static)
{
    struct MHD_Response *resp;
    if (r->raw)
        resp = MHD_create_response_from_buffer(r->raw_len, r->raw, MHD_RESPMEM_MUST_FREE);
    else
        resp = MHD_create_response_from_buffer(r->body.len, r->body.data ? r->body.data : (char *)"",
                                               r->body.data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r->raw);
        wb_free(&r->body);
        return MHD_NO;
    }
    r->raw = NULL;
    r->body.data = NULL;
    MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "text/html; charset=utf-8");
    MHD_add_response_header(
        resp, "Content-Security-Policy",
        "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", is_static ? "max-age=3600" : "no-store");
    if (r->location[0])
        MHD_add_response_header(resp, "Location", r->location);
    if (r->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    for (int i = 0; i < 2; i++)
        if (r->set_cookie[i][0])
            MHD_add_response_header(resp, "Set-Cookie", r->set_cookie[i]);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)(r->status ? r->status : 500), resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result s_plain(struct MHD_Connection *c, int status, const char *text)
{
    web_reply r = {.status = status, .type = "text/plain; charset=utf-8"};
    wb_puts(&r.body, text);
    return s_send(c, &r, 0);
}

static void s_addr(struct MHD_Connection *c, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)len);
}

static enum MHD_Result s_static(struct MHD_Connection *c, const char *url)
{
    web_reply r = {.status = 200};
    if (!strcmp(url, "/static/app.css")) {
        r.type = "text/css; charset=utf-8";
        wb_put(&r.body, (const char *)app_css, app_css_len);
    } else if (!strcmp(url, "/static/app.js")) {
        r.type = "text/javascript; charset=utf-8";
        wb_put(&r.body, (const char *)app_js, app_js_len);
    } else {
        return s_plain(c, 404, "not found");
    }
    return s_send(c, &r, 1);
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                const char *version, const char *upload_data, size_t *upload_size,
                                void **con_cls)
{
    (void)cls;
    (void)version;
    int post = strcmp(method, "POST") == 0;
    if (!post && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_plain(c, 405, "only GET and POST");
    req_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        *con_cls = st;
        if (post) {
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
            unsigned long long limit = (unsigned long long)s_cfg->max_upload_mb << 20;
            if (cl && strtoull(cl, NULL, 10) > limit) {
                st->early = 1;
                char msg[160];
                snprintf(msg, sizeof msg, "上传内容超过 %u MB 的上限，未做任何更改。\n",
                         s_cfg->max_upload_mb);
                return s_plain(c, 413, msg);
            }
            st->pp = MHD_create_post_processor(c, 32 * 1024, s_post_iter, st);
            if (!st->pp) {
                st->early = 1;
                return s_plain(
                    c, 415,
                    "表单格式不对（需要 application/x-www-form-urlencoded 或 multipart/form-data）。\n");
            }
        }
        return MHD_YES;
    }
    if (st->early) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (post && *upload_size) {
        st->bytes += *upload_size;
        if (st->bytes > (uint64_t)s_cfg->max_upload_mb << 20)
            st->form.too_large = 1; /* read on to the end, keep nothing */
        else if (!st->busy &&
                 s_inflight + *upload_size > (uint64_t)WEB_INFLIGHT * ((uint64_t)s_cfg->max_upload_mb << 20))
            st->busy = 1; /* the same */
        if (!st->form.too_large && !st->busy) {
            s_inflight += *upload_size;
            st->held += *upload_size;
            if (MHD_post_process(st->pp, upload_data, *upload_size) != MHD_YES)
                st->form.bad = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/static/", 8))
        return s_static(c, url);
    if (!strcmp(url, "/favicon.ico"))
        return s_plain(c, 404, "no icon");
    if (post && st->form.too_large) {
        for (size_t i = 0; i < st->form.n_photos; i++) {
            free(st->form.photo[i].data);
            st->form.photo[i].data = NULL;
        }
    }
    char addr[64], sid[128] = "", pre[128] = "";
    s_addr(c, addr, sizeof addr);
    const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    web_cookie(cookie, "rw_s", sid, sizeof sid);
    int has_pre = web_cookie(cookie, "rw_pre", pre, sizeof pre);
    web_req q = {.cfg = s_cfg,
                 .method = post ? "POST" : "GET",
                 .path = url,
                 .addr = addr,
                 .arg = s_arg,
                 .arg_ctx = c,
                 .sess = sess_find(sid, time(NULL)),
                 .pre = has_pre && pre[0] ? pre : NULL,
                 .form = post ? &st->form : NULL,
                 .now = time(NULL),
                 .tls = s_cfg->tls_cert != NULL};
    web_form empty = {0};
    if (!q.form)
        q.form = &empty;
    if (post && st->busy)
        return s_plain(c, 503, "服务器正忙（同时上传的内容太多），未做任何更改，请稍后再试。\n");
    if (post && st->form.bad && !st->form.too_large)
        return s_plain(c, 400, "表单无法读取（字段太多或太长）。\n");
    web_reply r = {0};
    pages_handle(&q, &r);
    if (r.body.failed) {
        wb_free(&r.body);
        free(r.raw);
        return s_plain(c, 500, "rectweb 内存不足\n");
    }
    return s_send(c, &r, 0);
}

static void s_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_state *st = *con_cls;
    if (!st)
        return;
    s_inflight -= st->held;
    if (st->pp)
        MHD_destroy_post_processor(st->pp);
    s_form_free(&st->form);
    free(st);
    *con_cls = NULL;
}

void *http_start(const web_cfg *cfg, char *err, size_t errlen)
{
    s_cfg = cfg;
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, cfg->listen_host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, cfg->listen_host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "%s: web.listen: \"%s\" is not an IP address (e.g. 127.0.0.1 or ::1)",
                 cfg->path, cfg->listen_host);
        return NULL;
    }
    if (cfg->tls_cert) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            snprintf(err, errlen,
                     "this libmicrohttpd has no TLS: remove web.tls_cert and put a proxy with TLS in front");
            return NULL;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_Daemon *d =
        cfg->tls_cert
            ? MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, s_handle, NULL, MHD_OPTION_SOCK_ADDR,
                               sa, MHD_OPTION_NOTIFY_COMPLETED, s_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
                               256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT,
                               60u, MHD_OPTION_HTTPS_MEM_CERT, cfg->tls_cert, MHD_OPTION_HTTPS_MEM_KEY,
                               cfg->tls_key, MHD_OPTION_END)
            : MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, s_handle, NULL, MHD_OPTION_SOCK_ADDR,
                               sa, MHD_OPTION_NOTIFY_COMPLETED, s_done, NULL, MHD_OPTION_CONNECTION_LIMIT,
                               256u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT,
                               60u, MHD_OPTION_END);
    if (!d)
        snprintf(err, errlen, "cannot listen on %s:%u (in use, or not an address of this machine?)",
                 cfg->listen_host, cfg->port);
    return d;
}

void http_stop(void **d)
{
    if (d && *d)
        MHD_stop_daemon(*d);
    if (d)
        *d = NULL;
}
