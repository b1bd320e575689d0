/*
 * conn.h - the client side of the wire (rectctl and rectweb) (docs/PROTOCOL.md): request envelopes,
 * one ZeroMQ REQ exchange with Lazy Pirate retries, and reply checking.
 *
 * conn.c is the only client file that speaks ZeroMQ (common/: rectctl and rectweb share it). It prints nothing: it
 * returns a CONN_E_* code and the caller tells the user.
 */
#ifndef RECT_CONN_H
#define RECT_CONN_H

#include <stddef.h>
#include <jansson.h>

/* Result codes of conn_* functions: 0 is success, errors are negative. */
enum {
    CONN_OK = 0,
    CONN_E_UNREACHABLE = -1, /* every try timed out (or could not be sent) */
    CONN_E_NOSOCKET = -2,    /* ipc:// endpoint whose socket file does not exist */
    CONN_E_MALFORMED = -3,   /* a reply came but is not a valid reply object */
    CONN_E_NOMEM = -4,       /* allocation failed */
    CONN_E_ZMQ = -5,         /* ZeroMQ refused to set up (bad endpoint, ...) */
};

/* Length of a client id in hex characters (16 random bytes). */
#define CONN_CLIENT_ID_LEN 32

/* One attached binary frame: borrowed bytes, sent after the request. */
typedef struct {
    const void *data;
    size_t size;
} conn_frame;

typedef struct conn conn_t;

/*
 * A new connection to endpoint (copied), authenticated with keys (copied;
 * rectd admits CURVE clients only). Nothing is sent or connected yet.
 * timeout_ms is how long each try waits for the reply; tries is how many
 * times the request is sent in all (at least 1 is used).
 * Returns NULL when out of memory or when ZeroMQ cannot make a context.
 * Caller owns the result; free it with conn_destroy.
 */
/* CURVE keys of a connection (Z85 text, 40 characters each). */
typedef struct {
    const char *server_public;           /* rectd's public key */
    const char *public_key, *secret_key; /* the user's key pair */
} conn_keys;

conn_t *conn_new(const char *endpoint, unsigned timeout_ms, unsigned tries, const conn_keys *keys);

/*
 * Close the socket (linger 0), terminate the ZeroMQ context, free the
 * connection and set *self_p to NULL. Accepts NULL and *self_p == NULL.
 */
void conn_destroy(conn_t **self_p);

/*
 * Send request (serialised compactly, the first frame) followed by nframes
 * borrowed frames, and wait for the one-frame reply. On timeout the socket
 * is closed and reopened and the same bytes are sent again, up to the
 * configured number of tries (Lazy Pirate).
 *
 * On success returns CONN_OK and stores in *reply_p the decoded reply,
 * already checked to be either {"ok": true, "result": {...}} or
 * {"ok": false, "error": {"code": "...", "message": "..."}}.
 * The caller owns *reply_p (json_decref). On failure returns a CONN_E_*
 * code and leaves *reply_p NULL.
 */
int conn_call(conn_t *self, const json_t *request, const conn_frame *frames, size_t nframes,
              json_t **reply_p);

/*
 * conn_call for a reply that may carry one binary frame after it (blob_get):
 * when it does, *has_data is 1 and *data (malloc'd, NULL for an empty frame;
 * caller frees) and *data_len hold its bytes. data, data_len and has_data
 * may all be NULL: then it is conn_call. A reply of more frames is malformed.
 */
int conn_call_data(conn_t *self, const json_t *request, const conn_frame *frames, size_t nframes,
                   json_t **reply_p, char **data, size_t *data_len, int *has_data);

/*
 * A new request envelope {"v", "cmd", "user", ["client", "seq"], "args"}.
 * args is stolen (the envelope takes the reference, also on failure);
 * NULL means {}. client is the invocation's client id and is only put in
 * (with "seq": 1) when write is non-zero.
 * Returns NULL when out of memory. Caller owns the result (json_decref).
 */
json_t *conn_request_new(const char *cmd, const char *user, json_t *args, int write, const char *client);

/*
 * Write a fresh random client id (CONN_CLIENT_ID_LEN hex characters and a
 * NUL) into out. Returns 0, or -1 if libsodium cannot be initialised.
 */
int conn_client_id(char out[CONN_CLIENT_ID_LEN + 1]);

/* How long each try waits for a reply from now on, in milliseconds (conn_new's timeout_ms). */
void conn_set_timeout(conn_t *self, unsigned timeout_ms);

/* The endpoint this connection talks to; lives as long as the connection. */
const char *conn_endpoint(const conn_t *self);

#endif
