/*
 * page.c - pages of a listing (see page.h).
 */
#include "page.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "rect_proto.h"

int page_limit(cmd_ctx *c, size_t *limit)
{
    json_t *v = json_object_get(c->args, "limit");
    *limit = PAGE_DEFAULT;
    if (!v)
        return 0;
    json_int_t n = json_integer_value(v);
    if (n < 1 || n > PAGE_MAX)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "limit: %lld is not a page size: ask for 1 to %d items (default %d), and for the "
                        "rest with after set to the reply's next",
                        (long long)n, PAGE_MAX, PAGE_DEFAULT);
    *limit = (size_t)n;
    return 0;
}

/* A decimal id of 1 or more that leaves room for id + 1: 0, or -1. */
static int s_id(const char *s, uint64_t *id)
{
    char *end;
    if (!*s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0 || v >= UINT64_MAX)
        return -1;
    *id = v;
    return 0;
}

int page_after_id(cmd_ctx *c, const char *what, uint64_t *after)
{
    const char *s = cmd_str(c, "after");
    *after = 0;
    if (s && s_id(s, after) != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "after: \"%s\" is not where a page ends: give the next of the page before (%s, "
                        "e.g. \"1000\"), or leave after out for the first page",
                        s, what);
    return 0;
}

int page_after_pos(cmd_ctx *c, const char *form, char *value, size_t len, uint64_t *after)
{
    const char *s = cmd_str(c, "after");
    const char *slash = s ? strrchr(s, '/') : NULL;
    *after = 0;
    value[0] = '\0';
    if (!s)
        return 0;
    if (!slash || slash == s || (size_t)(slash - s) >= len || s_id(slash + 1, after) != 0)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "after: \"%s\" is not where a page ends: give the next of the page before (%s), "
                        "or leave after out for the first page",
                        s, form);
    memcpy(value, s, (size_t)(slash - s));
    value[slash - s] = '\0';
    return 0;
}

json_t *page_next_id(uint64_t id)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)id);
    return json_string(buf);
}

/* ---- the heap ----------------------------------------------------------- */

int page_heap_init(page_heap *h, size_t cap)
{
    memset(h, 0, sizeof *h);
    h->v = fault_malloc(cap * sizeof *h->v);
    h->id = fault_malloc(cap * sizeof *h->id);
    if (!h->v || !h->id) {
        page_heap_free(h);
        return RECT_E_NOMEM;
    }
    h->cap = cap;
    return 0;
}

int page_heap_full_before(const page_heap *h, uint64_t id)
{
    return h->n == h->cap && id > h->id[0];
}

static void s_swap(page_heap *h, size_t a, size_t b)
{
    json_t *v = h->v[a];
    uint64_t id = h->id[a];
    h->v[a] = h->v[b];
    h->id[a] = h->id[b];
    h->v[b] = v;
    h->id[b] = id;
}

/* Restore the heap below i after h->id[i] became smaller. */
static void s_down(page_heap *h, size_t i, size_t n)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, big = i;
        if (l < n && h->id[l] > h->id[big])
            big = l;
        if (r < n && h->id[r] > h->id[big])
            big = r;
        if (big == i)
            return;
        s_swap(h, i, big);
        i = big;
    }
}

int page_heap_offer(page_heap *h, uint64_t id, json_t *item)
{
    if (page_heap_full_before(h, id) || h->cap == 0)
        return 0;
    if (h->n == h->cap) { /* replace the largest */
        json_decref(h->v[0]);
        h->v[0] = json_incref(item);
        h->id[0] = id;
        s_down(h, 0, h->n);
        return 0;
    }
    size_t i = h->n++;
    h->v[i] = json_incref(item);
    h->id[i] = id;
    while (i > 0 && h->id[(i - 1) / 2] < h->id[i]) {
        s_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    return 0;
}

int page_heap_take(page_heap *h, json_t *arr)
{
    /* Heap sort in place: the largest goes last. */
    for (size_t n = h->n; n > 1; n--) {
        s_swap(h, 0, n - 1);
        s_down(h, 0, n - 1);
    }
    int rc = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!rc && json_array_append(arr, h->v[i]))
            rc = RECT_E_NOMEM;
    for (size_t i = 0; i < h->n; i++)
        json_decref(h->v[i]);
    h->n = 0;
    return rc;
}

void page_heap_free(page_heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        json_decref(h->v[i]);
    free(h->v);
    free(h->id);
    memset(h, 0, sizeof *h);
}
