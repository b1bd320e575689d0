/*
 * server.h - rectd's ZeroMQ side: one ROUTER socket, a poll loop, framing.
 */
#ifndef RECT_SERVER_H
#define RECT_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "rect_cfg.h"
#include "store.h"

/*
 * Bind cfg->endpoint and serve until *stop becomes non-zero (a signal
 * handler sets it). Returns 0 after a clean stop, -1 with a message in err
 * if the endpoint cannot be bound.
 */
int server_run(const rect_cfg *cfg, store *st, volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
