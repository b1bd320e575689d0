/*
 * conn.c - request envelopes and the Lazy Pirate exchange with rectd over a
 * ZeroMQ REQ socket (docs/PROTOCOL.md, "Transport" and "Retries").
 *
 * A REQ socket that lost its reply is stuck (it may not send again), so on
 * every timeout the socket is closed with linger 0 and a new one is opened;
 * the retry carries the same bytes, hence the same client and seq, and rectd
 * answers it from its reply cache if the first try was already applied.
 */
#include "conn.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "rect_proto.h"

struct conn {
    void *ctx;      /* ZeroMQ context, owned */
    void *sock;     /* current REQ socket or NULL, owned */
    char *endpoint; /* owned copy */
    int timeout_ms;
    unsigned tries;
    char server[41], pub[41], sec[41]; /* CURVE keys, Z85 */
};

/* timeout_ms as an int for ZMQ_SNDTIMEO and zmq_poll. */
static int s_timeout(unsigned timeout_ms)
{
    return timeout_ms > (unsigned)INT32_MAX ? INT32_MAX : (int)timeout_ms;
}

conn_t *conn_new(const char *endpoint, unsigned timeout_ms, unsigned tries, const conn_keys *keys)
{
    conn_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    snprintf(self->server, sizeof self->server, "%s", keys->server_public);
    snprintf(self->pub, sizeof self->pub, "%s", keys->public_key);
    snprintf(self->sec, sizeof self->sec, "%s", keys->secret_key);
    self->endpoint = strdup(endpoint);
    if (!self->endpoint)
        goto fail;
    self->ctx = zmq_ctx_new();
    if (!self->ctx)
        goto fail;
    self->timeout_ms = s_timeout(timeout_ms);
    self->tries = tries ? tries : 1;
    return self;
fail:
    free(self->endpoint);
    free(self);
    return NULL;
}

/* Close the current socket, dropping anything unsent (linger 0). */
static void s_close_socket(conn_t *self)
{
    if (!self->sock)
        return;
    int linger = 0;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(self->sock);
    self->sock = NULL;
}

void conn_destroy(conn_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    conn_t *self = *self_p;
    s_close_socket(self);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    sodium_memzero(self->sec, sizeof self->sec);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

void conn_set_timeout(conn_t *self, unsigned timeout_ms)
{
    self->timeout_ms = s_timeout(timeout_ms);
    /* an open socket's send timeout too (a new one takes it when opened) */
    if (self->sock)
        zmq_setsockopt(self->sock, ZMQ_SNDTIMEO, &self->timeout_ms, sizeof self->timeout_ms);
}

const char *conn_endpoint(const conn_t *self)
{
    return self->endpoint;
}

/* Open a new REQ socket connected to the endpoint. 0 or CONN_E_ZMQ. */
static int s_open_socket(conn_t *self)
{
    int linger = 0;
    self->sock = zmq_socket(self->ctx, ZMQ_REQ);
    if (!self->sock)
        return CONN_E_ZMQ;
    if (zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_SNDTIMEO, &self->timeout_ms, sizeof self->timeout_ms) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_CURVE_SERVERKEY, self->server, 40) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_CURVE_PUBLICKEY, self->pub, 40) != 0 ||
        zmq_setsockopt(self->sock, ZMQ_CURVE_SECRETKEY, self->sec, 40) != 0 ||
        zmq_connect(self->sock, self->endpoint) != 0) {
        s_close_socket(self);
        return CONN_E_ZMQ;
    }
    return CONN_OK;
}

/*
 * For an ipc:// endpoint with a path (not an abstract "@name"), 0 if the
 * socket file exists or cannot be checked, CONN_E_NOSOCKET if it is absent.
 * ZeroMQ would otherwise keep reconnecting silently until the timeout.
 */
static int s_check_ipc(const char *endpoint)
{
    static const char prefix[] = "ipc://";
    if (strncmp(endpoint, prefix, sizeof prefix - 1) != 0)
        return CONN_OK;
    const char *path = endpoint + sizeof prefix - 1;
    if (path[0] == '@' || path[0] == '\0')
        return CONN_OK;
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return CONN_E_NOSOCKET;
    return CONN_OK;
}

/* Milliseconds on a monotonic clock. */
static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait up to timeout_ms for the socket to become readable, surviving
 * signals. 1 if readable, 0 on timeout, CONN_E_ZMQ on error.
 */
static int s_wait(void *sock, int timeout_ms)
{
    long long deadline = s_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - s_now_ms();
        if (left < 0)
            left = 0;
        zmq_pollitem_t item = {.socket = sock, .events = ZMQ_POLLIN};
        int rc = zmq_poll(&item, 1, (long)left);
        if (rc > 0)
            return (item.revents & ZMQ_POLLIN) ? 1 : 0;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return CONN_E_ZMQ;
    }
}

/* Send the request and its frames. 0 if all were queued, else -1. */
static int s_send(void *sock, const char *req, size_t len, const conn_frame *frames, size_t n)
{
    if (zmq_send(sock, req, len, n ? ZMQ_SNDMORE : 0) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (zmq_send(sock, frames[i].data, frames[i].size, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            return -1;
    return 0;
}

/* 1 if v is an object holding a string at key, else 0. */
static int s_has_string(const json_t *v, const char *key)
{
    return json_is_string(json_object_get(v, key));
}

/*
 * Decode one reply frame and check its shape. Returns the reply (caller
 * owns) or NULL if it is not a valid reply object.
 */
static json_t *s_decode_reply(const void *data, size_t size)
{
    json_error_t jerr;
    json_t *reply = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(reply))
        goto bad;
    json_t *ok = json_object_get(reply, "ok");
    if (json_is_true(ok)) {
        if (!json_is_object(json_object_get(reply, "result")))
            goto bad;
    } else if (json_is_false(ok)) {
        json_t *err = json_object_get(reply, "error");
        if (!s_has_string(err, "code") || !s_has_string(err, "message"))
            goto bad;
    } else {
        goto bad;
    }
    return reply;
bad:
    json_decref(reply);
    return NULL;
}

/*
 * Receive the reply on a readable socket: CONN_OK and *reply_p, or an error.
 * With data non-NULL a second frame is accepted and copied into *data
 * (malloc'd, NULL when empty) and *data_len, *has_data set; a third frame,
 * or a second one without data, makes the reply malformed.
 */
static int s_receive(void *sock, json_t **reply_p, char **data, size_t *data_len, int *has_data)
{
    zmq_msg_t msg;
    int rc = CONN_E_MALFORMED, frames = 0, bad = 0;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, 0) < 0) {
        rc = CONN_E_ZMQ;
        goto done;
    }
    int more = zmq_msg_more(&msg);
    *reply_p = s_decode_reply(zmq_msg_data(&msg), zmq_msg_size(&msg));
    /* A reply is one frame, or two when the caller takes data: drain any extra ones and refuse it. */
    while (more) {
        if (zmq_msg_recv(&msg, sock, 0) < 0)
            break;
        more = zmq_msg_more(&msg);
        if (++frames > 1 || !data) {
            bad = 1;
            continue;
        }
        size_t n = zmq_msg_size(&msg);
        *data = n ? malloc(n) : NULL;
        if (n && !*data) {
            bad = 1;
            rc = CONN_E_NOMEM;
            continue;
        }
        if (n)
            memcpy(*data, zmq_msg_data(&msg), n);
        *data_len = n;
        *has_data = 1;
    }
    if (bad) {
        json_decref(*reply_p);
        *reply_p = NULL;
        if (data) {
            free(*data);
            *data = NULL;
            *has_data = 0;
        }
    }
    if (*reply_p)
        rc = CONN_OK;
done:
    zmq_msg_close(&msg);
    return rc;
}

int conn_call(conn_t *self, const json_t *request, const conn_frame *frames, size_t nframes, json_t **reply_p)
{
    return conn_call_data(self, request, frames, nframes, reply_p, NULL, NULL, NULL);
}

int conn_call_data(conn_t *self, const json_t *request, const conn_frame *frames, size_t nframes,
                   json_t **reply_p, char **data, size_t *data_len, int *has_data)
{
    if (data) {
        *data = NULL;
        *data_len = 0;
        *has_data = 0;
    }
    int rc = s_check_ipc(self->endpoint);
    char *req = NULL;
    *reply_p = NULL;
    if (rc != CONN_OK)
        return rc;
    /* Serialised once: every try sends exactly the same bytes. */
    req = json_dumps(request, JSON_COMPACT);
    if (!req)
        return CONN_E_NOMEM;
    size_t len = strlen(req);

    rc = CONN_E_UNREACHABLE;
    for (unsigned attempt = 0; attempt < self->tries; attempt++) {
        if (!self->sock) {
            int orc = s_open_socket(self);
            if (orc != CONN_OK) {
                rc = orc;
                break;
            }
        }
        if (s_send(self->sock, req, len, frames, nframes) == 0) {
            int w = s_wait(self->sock, self->timeout_ms);
            if (w == 1) {
                rc = s_receive(self->sock, reply_p, data, data_len, has_data);
                break;
            }
            if (w < 0) {
                rc = w;
                break;
            }
        }
        /* No reply in time (or the send could not be queued): start over. */
        s_close_socket(self);
    }
    free(req);
    return rc;
}

json_t *conn_request_new(const char *cmd, const char *user, json_t *args, int write, const char *client)
{
    json_t *req = json_object();
    if (!args)
        args = json_object();
    if (!req || !args)
        goto fail;
    if (json_object_set_new(req, "v", json_integer(RECT_PROTOCOL_VERSION)) != 0 ||
        json_object_set_new(req, "cmd", json_string(cmd)) != 0 ||
        json_object_set_new(req, "user", json_string(user)) != 0)
        goto fail;
    if (write) {
        if (json_object_set_new(req, "client", json_string(client)) != 0 ||
            json_object_set_new(req, "seq", json_integer(1)) != 0)
            goto fail;
    }
    if (json_object_set_new(req, "args", args) != 0) {
        args = NULL; /* json_object_set_new released it */
        goto fail;
    }
    return req;
fail:
    json_decref(args);
    json_decref(req);
    return NULL;
}

int conn_client_id(char out[CONN_CLIENT_ID_LEN + 1])
{
    unsigned char raw[CONN_CLIENT_ID_LEN / 2];
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, CONN_CLIENT_ID_LEN + 1, raw, sizeof raw);
    return 0;
}
