/*
 * gate.h - how many connections rectd takes, decided where libzmq
 * accepts them (docs/SECURITY.md, "Bounded by design").
 *
 * libzmq 4.3.4's listeners accept in their I/O thread, and the ipc one
 * aborts the whole process when accept() fails with EMFILE ("Too many open
 * files (src/ipc_listener.cpp:325)", an errno_assert; zeromq/libzmq#1306).
 * Neither ZMQ_MAX_SOCKETS (sockets of a
 * context, not connections) nor ZAP (asked only after the fd was accepted)
 * can prevent that, and unbinding the listener when near the limit would
 * drop every connected peer (the listener owns its sessions) and acts
 * late (the monitor's events arrive after the accepts). So rectd supplies
 * accept() and accept4() itself: the dynamic linker binds libzmq's calls
 * to these (an executable's definitions come first), which call the kernel
 * and then decide, in the accepting thread and before libzmq sees the fd:
 *
 *   - a connection whose fd number is at or above the gate (the fds rectd
 *     holds at start + daemon.max_peers, and never within daemon.fd_reserve
 *     of RLIMIT_NOFILE) is closed at once and reported to libzmq as
 *     ECONNABORTED, which libzmq ignores ("the peer went away"): the peer
 *     sees its connection closed and retries later (ZeroMQ reconnects);
 *   - when the kernel says EMFILE or ENFILE anyway (the reserve used up by
 *     files), a spare fd held for the purpose is closed, the connection
 *     accepted and closed, and the spare taken again (the classic reserve
 *     fd), so that the pending connection does not keep the listener busy.
 *
 * fd numbers are handed out lowest first, so a connection accepted with fd
 * N means fds 0..N-1 are all in use: every connection rectd keeps has a
 * number below the gate, and at least fd_reserve fds stay free for LMDB,
 * evidence files and hooks.
 */
#ifndef RECT_GATE_H
#define RECT_GATE_H

#include <stddef.h>

#include "rect_cfg.h"

/*
 * Raise RLIMIT_NOFILE's soft limit to its hard limit (logged on stderr when
 * it changed). Call once at start, before any thread. The limit in force
 * is stored for gate_open.
 */
void gate_raise_nofile(void);

/*
 * Open the gate for connections under cfg: daemon.max_peers beyond the fds
 * rectd holds now (call it once the sockets are bound and the readers run),
 * within daemon.fd_reserve of the open-files limit. Logs the number of
 * connections rectd will take. Takes the spare fd. 0, or -1 with err when
 * not even a few connections would fit (raise the limit, lower the reserve).
 */
int gate_open(const rect_cfg *cfg, char *err, size_t errlen);

/* Close the gate again (every accept passes) and give back the spare fd. */
void gate_close(void);

/* Connections refused since the last call (and resets the count). */
unsigned long gate_refused_take(void);

/* The highest fd number a kept connection may have + 1 (the gate), and the open-files limit. */
int gate_fd_bound(void);
long gate_nofile(void);

#endif
