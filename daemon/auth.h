/*
 * auth.h - who is connecting: rectd's CURVE key, demo keys, the ZAP handler
 * that admits only configured users' keys, and the principal a request
 * carries into its events (docs/SECURITY.md).
 *
 * Every endpoint (ipc and tcp) is a CURVE server. The ZAP handler answers
 * libzmq's handshake requests on inproc://zeromq.zap.01: a client key that
 * is some user's users[].public_key gets in, with that key as its ZeroMQ
 * User-Id; anything else is refused and logged. Each request then carries
 * the key (User-Id) and, over ipc, the peer's Unix uid and pid (libzmq puts
 * SO_PEERCRED into the peer address as "HOST:UID:GID:PID").
 */
#ifndef RECT_AUTH_H
#define RECT_AUTH_H

#include <stddef.h>

#include "rect_cfg.h"
#include "rect_keys.h"

/* The ZAP domain rectd's sockets use. */
#define AUTH_ZAP_DOMAIN "rectd"
#define AUTH_ZAP_ENDPOINT "inproc://zeromq.zap.01"

/* What a request knows about its connection (copied from the message). */
typedef struct {
    char key[RECT_Z85_LEN + 1]; /* the client's CURVE public key (Z85); "" if none */
    long uid, pid;              /* the Unix peer over ipc; -1 if unknown (tcp) */
} auth_peer;

/*
 * Make rectd ready to authenticate: check that libzmq has CURVE, read
 * rectd's secret key from daemon.key_file (refusing a file others can
 * read), and with daemon.demo_keys make what is missing first when make
 * (rectd's key and one key file per user without a public_key, in
 * key_file's folder, which must be rectd's alone) and fill those users'
 * public_key from their files. Without make (rectd --check) nothing is
 * written and what is missing is left out (*server zeroed if rectd's own
 * demo key is not made yet). Says on stderr what it
 * made and that demo keys are not for production. 0 and *server filled, or
 * -1 with err set.
 */
int auth_prepare(rect_cfg *cfg, rect_key *server, int make, char *err, size_t errlen);

/*
 * Answer one ZAP request waiting on zap (a REP socket bound to
 * AUTH_ZAP_ENDPOINT) under cfg: 200 with the key as User-Id for a
 * configured user's key, 400 (logged on stderr) otherwise.
 */
void auth_zap_handle(void *zap, const rect_cfg *cfg);

/*
 * Log (at most once a second) a handshake that failed before the ZAP
 * handler saw it (a NULL client, a peer that is not ZeroMQ): one event
 * waiting on mon, a PAIR socket connected to the ROUTER's monitor.
 */
void auth_monitor_handle(void *mon);

/*
 * The peer of a message received on an ipc (ipc != 0) or tcp endpoint, from
 * its User-Id and Peer-Address properties, into *p. Only over ipc does the
 * address end in ":UID:GID:PID" (a tcp IPv6 address has colons too).
 */
void auth_peer_of(void *zmq_msg, int ipc, auth_peer *p);

/*
 * The principal of a peer as events record it, into out: "curve:KEY" and,
 * over ipc, " unix:ACCOUNT(UID) pid:PID" (the account name when the system
 * knows it).
 */
const char *auth_principal(const auth_peer *p, char *out, size_t len);

#endif
