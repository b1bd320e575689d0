/*
 * fault.c - allocations and LMDB writes a test can make fail (see fault.h).
 */
#include "fault.h"

#include "rect_sig.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static struct {
    unsigned long left;  /* calls until the failing one; 0: disarmed */
    unsigned long calls; /* counted since armed */
    int fired;
    int err;
} s_fault[FAULT_KINDS];

void fault_arm(fault_kind kind, unsigned long k, int err)
{
    s_fault[kind].left = k;
    s_fault[kind].calls = 0;
    s_fault[kind].fired = 0;
    s_fault[kind].err = err;
}

void fault_reset(void)
{
    memset(s_fault, 0, sizeof s_fault);
}

int fault_fired(fault_kind kind)
{
    return s_fault[kind].fired;
}

unsigned long fault_calls(fault_kind kind)
{
    return s_fault[kind].calls;
}

/* Allocations that failed in this thread, armed or real (fault_loadb's check). */
static _Thread_local unsigned long s_failed;

/*
 * Inside fault_loadb: jansson 2.14 aborts (assert in lex_scan_string,
 * load.c:442) when an allocation fails while it lexes a string with an
 * escape, so the allocations of a parse are neither counted nor failed.
 */
static _Thread_local int s_in_load;

/* 1 if this call is the one to fail. Unarmed: one load, no write. */
static int s_hit(fault_kind kind)
{
    if (!s_fault[kind].left || (kind == FAULT_ALLOC && s_in_load))
        return 0;
    s_fault[kind].calls++;
    if (--s_fault[kind].left)
        return 0;
    s_fault[kind].fired = 1;
    return 1;
}

/* What an allocation returned: a NULL is counted. */
static void *s_count(void *p)
{
    if (!p)
        s_failed++;
    return p;
}

void *fault_malloc(size_t n)
{
    return s_count(s_hit(FAULT_ALLOC) ? NULL : malloc(n));
}

void *fault_calloc(size_t n, size_t size)
{
    return s_count(s_hit(FAULT_ALLOC) ? NULL : calloc(n, size));
}

void *fault_realloc(void *p, size_t n)
{
    return s_count(s_hit(FAULT_ALLOC) ? NULL : realloc(p, n));
}

char *fault_strdup(const char *s)
{
    return s_count(s_hit(FAULT_ALLOC) ? NULL : strdup(s));
}

void fault_install(void)
{
    json_set_alloc_funcs(fault_malloc, free);
}

int fault_lmdb(void)
{
    return s_hit(FAULT_LMDB) ? s_fault[FAULT_LMDB].err : 0;
}

char *fault_dumps(const json_t *json, size_t flags)
{
    return sig_json_text(json, flags, fault_realloc);
}

json_t *fault_loadb(const char *buf, size_t len, size_t flags, json_error_t *err, int *nomem)
{
    unsigned long before = s_failed;
    s_in_load++;
    json_t *j = json_loadb(buf, len, flags, err);
    s_in_load--;
    int oom = s_failed != before;
    if (oom) {
        json_decref(j);
        j = NULL;
    }
    if (nomem)
        *nomem = oom;
    return j;
}
