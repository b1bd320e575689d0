/*
 * hooks.h - running notification hooks (notify.hooks in the config) as
 * child processes, without blocking rectd's loop.
 */
#ifndef RECT_HOOKS_H
#define RECT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "rect_cfg.h"

/* Hook processes running at once; more deliveries wait for a free slot. */
#define HOOKS_MAX_RUNNING 8

typedef struct hooks hooks;

/* New runner; tmpdir holds the (unlinked) stdin/stderr files. NULL on ENOMEM. cfg must outlive it. */
hooks *hooks_new(const rect_cfg *cfg, const char *tmpdir);

/* Kill any hook still running, reap it, free the runner, set *h_p to NULL. Accepts NULL. */
void hooks_destroy(hooks **h_p);

/*
 * Start hook number `hook` for a notice, with json on its stdin. 0, or -1
 * with a message in err (no free slot, cannot spawn).
 */
int hooks_start(hooks *h, uint64_t notice, uint32_t hook, const char *json, char *err, size_t errlen);

/* 1 if that delivery is running now. */
int hooks_running(const hooks *h, uint64_t notice, uint32_t hook);

/* Number of hooks running. */
int hooks_busy(const hooks *h);

/* Called for each finished run: ok 1 = exit status 0; else error says why (valid during the call). */
typedef void (*hooks_done_cb)(uint64_t notice, uint32_t hook, int ok, const char *error, void *ctx);

/* Reap finished hooks (calling cb) and kill those past their timeout. Never blocks. */
void hooks_poll(hooks *h, hooks_done_cb cb, void *ctx);

#endif
