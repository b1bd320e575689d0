/*
 * session.c - sessions, CSRF tokens and login throttling (web.h), in
 * memory: a restart of rectweb logs everyone out. Only the HTTP thread
 * calls these (libmicrohttpd runs one polling thread), so no locks.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "web.h"

static web_session *s_sess;
static unsigned s_max, s_idle_s;

int sess_init(unsigned max_sessions, unsigned idle_min)
{
    s_max = max_sessions ? max_sessions : 1;
    s_idle_s = idle_min * 60;
    s_sess = calloc(s_max, sizeof *s_sess);
    return s_sess ? 0 : -1;
}

void sess_token(char out[WEB_TOKEN_LEN + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, WEB_TOKEN_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

web_session *sess_find(const char *id, time_t now)
{
    if (!id || strlen(id) != WEB_TOKEN_LEN)
        return NULL;
    web_session *found = NULL;
    for (unsigned i = 0; i < s_max; i++) {
        web_session *s = &s_sess[i];
        if (!s->id[0])
            continue;
        if (now - s->last > (time_t)s_idle_s) {
            sodium_memzero(s, sizeof *s); /* idle too long: gone */
            continue;
        }
        if (sodium_memcmp(s->id, id, WEB_TOKEN_LEN) == 0)
            found = s;
    }
    if (found)
        found->last = now;
    return found;
}

web_session *sess_new(const char *user, const char *display, unsigned roles, time_t now)
{
    web_session *slot = NULL;
    for (unsigned i = 0; i < s_max; i++) {
        web_session *s = &s_sess[i];
        if (!s->id[0] || now - s->last > (time_t)s_idle_s) {
            slot = s;
            break;
        }
        if (!slot || s->last < slot->last)
            slot = s;
    }
    sodium_memzero(slot, sizeof *slot);
    sess_token(slot->id);
    sess_token(slot->csrf);
    snprintf(slot->user, sizeof slot->user, "%s", user);
    snprintf(slot->display, sizeof slot->display, "%s", display ? display : user);
    slot->roles = roles;
    slot->last = now;
    return slot;
}

void sess_end(web_session *s)
{
    if (s)
        sodium_memzero(s, sizeof *s);
}

int sess_csrf_ok(const web_session *s, const char *given)
{
    return s && given && strlen(given) == WEB_TOKEN_LEN && sodium_memcmp(s->csrf, given, WEB_TOKEN_LEN) == 0;
}

/* ---- throttling: a small table of (kind, key) -> failures, until ---- */
#define TH_SLOTS 512
typedef struct {
    char key[80];
    unsigned failures;
    time_t until, last;
} th_slot;
static th_slot s_th[TH_SLOTS];

static th_slot *s_th_slot(const char *kind, const char *key, time_t now, int make)
{
    char k[80];
    snprintf(k, sizeof k, "%s:%s", kind, key);
    th_slot *oldest = &s_th[0];
    for (int i = 0; i < TH_SLOTS; i++) {
        if (strcmp(s_th[i].key, k) == 0)
            return &s_th[i];
        if (s_th[i].last < oldest->last)
            oldest = &s_th[i];
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->key, sizeof oldest->key, "%s", k);
    oldest->last = now;
    return oldest;
}

long throttle_wait(const char *kind, const char *key, time_t now)
{
    th_slot *t = s_th_slot(kind, key, now, 0);
    return t && t->until > now ? (long)(t->until - now) : 0;
}

void throttle_fail(const char *kind, const char *key, unsigned limit, unsigned wait_s, time_t now)
{
    th_slot *t = s_th_slot(kind, key, now, 1);
    t->last = now;
    if (++t->failures >= limit) {
        unsigned extra = t->failures - limit;
        long wait = (long)wait_s << (extra > 4 ? 4 : extra);
        t->until = now + wait;
    }
}

void throttle_clear(const char *kind, const char *key)
{
    th_slot *t = s_th_slot(kind, key, 0, 0);
    if (t)
        memset(t, 0, sizeof *t);
}
