/*
 * page.h - pages of a listing (list, overdue, inbox): how many items a page holds
 * (args.limit), where it starts (args.after, the `next` of the page
 * before) and, for a listing whose scan order is not its reply order, the
 * bounded selection of the page's items. A page costs memory in
 * proportion to its size, never to the whole listing.
 */
#ifndef RECT_PAGE_H
#define RECT_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

#define PAGE_DEFAULT 1000 /* items per page when args.limit is absent */
#define PAGE_MAX 10000    /* the most args.limit may ask for */
/* A page of big entries (an inbox of admin summaries, each with its item
 * briefs) ends before this many bytes of them, after at least one. */
#define PAGE_MAX_BYTES (8u << 20)

/* args.limit into *limit (PAGE_DEFAULT when absent): 0, or RECT_E_BAD_VALUE with c->msg. */
int page_limit(cmd_ctx *c, size_t *limit);

/*
 * args.after of a listing in id order (an id in decimal, the `next` of the
 * page before) into *after; 0 when absent. 0, or RECT_E_BAD_VALUE with
 * c->msg, which names the id as `what` ("an item id", "a notice id").
 */
int page_after_id(cmd_ctx *c, const char *what, uint64_t *after);

/*
 * args.after of a listing in index order, "VALUE/ID" (the `next` of the
 * page before): VALUE into value (len bytes with its NUL), ID into *after;
 * *after = 0 and value "" when absent. The caller checks VALUE's form.
 * 0, or RECT_E_BAD_VALUE with c->msg (`form` names what is expected).
 */
int page_after_pos(cmd_ctx *c, const char *form, char *value, size_t len, uint64_t *after);

/* An item id as a page's `next`: a new string, or NULL (out of memory). */
json_t *page_next_id(uint64_t id);

/*
 * The page with the smallest ids of those offered (items found in another
 * order, e.g. a deadline range, for a listing in id order): a max-heap of
 * at most cap items, so it never holds more than the page and the one that
 * tells there is more.
 */
typedef struct {
    json_t **v; /* v[0] has the largest id */
    uint64_t *id;
    size_t n, cap;
} page_heap;

/* Room for cap items: 0 or RECT_E_NOMEM. */
int page_heap_init(page_heap *h, size_t cap);
/* 1 if an item with this id would not be kept (the heap is full of smaller ids). */
int page_heap_full_before(const page_heap *h, uint64_t id);
/* Keep item (a reference of its own is taken) if it is among the cap smallest so far: 0 or RECT_E_NOMEM. */
int page_heap_offer(page_heap *h, uint64_t id, json_t *item);
/* Append the kept items to arr in id order and empty the heap: 0 or RECT_E_NOMEM. */
int page_heap_take(page_heap *h, json_t *arr);
/* Release what the heap holds (accepts a zeroed heap). */
void page_heap_free(page_heap *h);

#endif
