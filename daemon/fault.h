/*
 * fault.h - failure a test can reach: allocations and LMDB writes that fail
 * on the k-th call when armed.
 *
 * Compiled into rectd always and inert until armed: an unarmed hook is one
 * load and a branch. rectd never arms it; a test binary that links the
 * daemon objects does (tests/unit/test_faults.c): it installs the
 * allocator into jansson (fault_install), arms one kind for the k-th call
 * from now, runs a request through dispatch_run, and asks fault_fired()
 * whether the request got that far. The counters are plain globals: arm
 * them only while one thread runs requests.
 *
 * Which calls count: FAULT_ALLOC every allocation jansson makes (once
 * fault_install ran) and every fault_malloc / fault_calloc / fault_realloc
 * / fault_strdup in the request path; FAULT_LMDB every write store.c makes
 * (mdb_put, mdb_del, mdb_cursor_del, mdb_txn_commit of a write txn).
 */
#ifndef RECT_FAULT_H
#define RECT_FAULT_H

#include <jansson.h>
#include <stddef.h>

typedef enum { FAULT_ALLOC, FAULT_LMDB, FAULT_KINDS } fault_kind;

/*
 * Make the k-th call of kind from now fail (k >= 1), once; k 0 disarms.
 * For FAULT_LMDB, err is the LMDB or errno code the failed write returns
 * (e.g. MDB_MAP_FULL); it is ignored for FAULT_ALLOC.
 */
void fault_arm(fault_kind kind, unsigned long k, int err);
/* Disarm every kind and forget what fired. */
void fault_reset(void);
/* 1 if the armed call of kind was reached (and failed) since it was armed. */
int fault_fired(fault_kind kind);
/* Calls of kind counted since it was armed (how far a request got). */
unsigned long fault_calls(fault_kind kind);

/*
 * Route jansson's allocations through the hook (json_set_alloc_funcs), so
 * that they can be made to fail and fault_loadb sees those that did. Call
 * before any JSON value exists (values are freed with free()): rectd's
 * main does, and test_faults.c.
 */
void fault_install(void);

/*
 * Counted allocation: NULL when the armed call is reached, else what the
 * libc function returns. Free with free().
 */
void *fault_malloc(size_t n);
void *fault_calloc(size_t n, size_t size);
void *fault_realloc(void *p, size_t n);
char *fault_strdup(const char *s);

/*
 * json_dumps that fails whole: a new string (caller frees) or NULL. jansson
 * 2.14's json_dumps ignores a failed write of an object's key and goes on,
 * so under memory pressure it can return text with a key missing (found by
 * tests/unit/test_faults.c): an event chained with such bytes would be
 * corrupt for good. Use this for every text rectd stores or sends.
 */
char *fault_dumps(const json_t *json, size_t flags);

/*
 * json_loadb that fails whole: a new value, or NULL; *nomem (may be NULL)
 * is set to 1 when the cause was memory. jansson 2.14's lexer ignores a
 * failed allocation while it saves a token and goes on, so under memory
 * pressure json_loadb can return a string with its tail cut off. Use this
 * for every text rectd reads (requests, stored items, events, records).
 * Needs fault_install (rectd calls it first thing). An armed FAULT_ALLOC
 * neither counts nor fails the allocations of a parse: jansson 2.14 aborts
 * on some of them (an assert in lex_scan_string), a crash no caller could
 * answer. A real failure there is still seen and refused.
 */
json_t *fault_loadb(const char *buf, size_t len, size_t flags, json_error_t *err, int *nomem);

/* For store.c: 0 to go on, or the code the armed LMDB write must return. */
int fault_lmdb(void);

#endif
