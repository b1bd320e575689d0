/*
 * http.h - rectweb's HTTP server (http.c, libmicrohttpd).
 */
#ifndef RECTWEB_HTTP_H
#define RECTWEB_HTTP_H

#include <stddef.h>

#include "web.h"

/* Start serving cfg's listen address on a thread of its own: the daemon, or NULL with err. */
void *http_start(const web_cfg *cfg, char *err, size_t errlen);
/* Stop it (waits for the thread). Accepts NULL. */
void http_stop(void **d);

#endif
