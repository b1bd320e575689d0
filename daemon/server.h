/*
 * server.h - rectd's ZeroMQ side: one ROUTER socket, a poll loop, framing.
 */
#ifndef RECT_SERVER_H
#define RECT_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "rect_cfg.h"
#include "rect_keys.h"
#include "store.h"

/*
 * Bind (*cfg_p)->endpoint as a CURVE server with rectd's key and serve
 * until *stop becomes non-zero (a signal handler sets it). When *reload
 * becomes non-zero (SIGHUP), the config file is read again: a valid one
 * whose restart-only settings are unchanged replaces *cfg_p for new
 * requests (the old one is freed on return, since work in progress may
 * still use it); otherwise the old one stays and the reason is logged.
 * The caller frees *cfg_p. Returns 0 after a clean stop, -1 with a message
 * in err if the endpoint cannot be bound or secured.
 */
int server_run(rect_cfg **cfg_p, const rect_key *key, store *st, volatile sig_atomic_t *stop,
               volatile sig_atomic_t *reload, char *err, size_t errlen);

/*
 * Give the heap's free pages back to the kernel (malloc_trim), after work
 * that built and freed much: a long read, a big batch, the daily job.
 */
void server_give_back(void);

/*
 * Block SIGINT, SIGTERM and SIGHUP in the calling thread, the old mask in
 * *old (pthread_sigmask(SIG_SETMASK, old, NULL) restores it). Threads made
 * meanwhile inherit the mask, so stop signals stay the loop's and interrupt
 * its zmq_poll at once.
 */
void server_block_stop_signals(sigset_t *old);

#endif
