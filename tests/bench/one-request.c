/*
 * one-request.c - the smallest client process of rectd: make bench's limit
 * for one rectctl process end to end. It loads the same key files rectctl
 * does, connects with CURVE, sends one request, prints the reply, exits.
 *
 *   one-request ENDPOINT SERVER_PUB_FILE USER_KEY_FILE REQUEST_JSON
 *
 * Exit 0 when the reply says "ok": true, 3 when it is a refusal, 2 when no
 * reply came within 20 s, 1 on bad usage or keys.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

int main(int argc, char **argv)
{
    char server[41], pub[41], sec[41];
    if (argc != 5) {
        fprintf(stderr, "usage: %s ENDPOINT SERVER_PUB_FILE USER_KEY_FILE REQUEST_JSON\n", argv[0]);
        return 1;
    }
    if (bench_key_field(argv[2], "public", server, sizeof server) ||
        bench_key_field(argv[3], "public", pub, sizeof pub) ||
        bench_key_field(argv[3], "secret", sec, sizeof sec)) {
        fprintf(stderr, "%s: cannot read the keys\n", argv[0]);
        return 1;
    }
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_REQ);
    int linger = 0, timeout = 20000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server, 40);
    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub, 40);
    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec, 40);
    if (zmq_connect(s, argv[1]) != 0 || zmq_send(s, argv[4], strlen(argv[4]), 0) < 0)
        return 2;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, 0) < 0)
        return 2;
    fwrite(zmq_msg_data(&m), 1, zmq_msg_size(&m), stdout);
    putchar('\n');
    int ok = memmem(zmq_msg_data(&m), zmq_msg_size(&m), "\"ok\":true", 9) != NULL ||
             memmem(zmq_msg_data(&m), zmq_msg_size(&m), "\"ok\": true", 10) != NULL;
    zmq_msg_close(&m);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return ok ? 0 : 3;
}
