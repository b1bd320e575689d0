/*
 * cfg.c - load and validate the configuration (include/rect_cfg.h). The only
 * file that speaks libconfig.
 *
 * Every problem is reported as "FILE:LINE: what is wrong", naming the setting
 * by its full path (daemon.map_size_mb, users[2].roles), with the value that
 * was found. Nothing is guessed: a string where a number belongs, an unknown
 * key or a duplicate name is an error, because a silently ignored typo in a
 * config is found only when it has already done harm.
 */
#include "rect_cfg.h"

#include "rect_date.h"
#include "rect_keys.h"
#include "rect_proto.h"
#include "rect_text.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_SUN_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 on Linux */
#define CFG_DEFAULT_TIMEZONE "Asia/Shanghai"
#define CFG_SYSTEM_PATH "/etc/rectd/rectd.conf"
#define CFG_ROLE_LIST "admin, leader, owner, verifier, viewer, gateway"

/* Everything one cfg_load call works with. */
typedef struct {
    config_t lc;
    const char *path; /* the file as the caller named it: used in messages */
    char *shown_dir;  /* folder of path as the caller named it */
    rect_cfg *cfg;    /* being filled */
    char *err;
    size_t errlen;
} cfg_loader;

/* ---- error reporting ---------------------------------------------------- */

/* The file name to show for a libconfig source file name: the caller's own
 * spelling for the main file, included files relative to its folder. */
static void s_shown_file(const cfg_loader *x, const char *file, char *buf, size_t len)
{
    if (!file || strcmp(file, x->path) == 0 || file[0] == '/')
        snprintf(buf, len, "%s", file ? file : x->path);
    else
        snprintf(buf, len, "%s/%s", x->shown_dir, file);
}

/* Write "FILE:LINE: message" (or "FILE: message" when at is NULL or has no
 * line) into the caller's buffer. Always returns -1. */
__attribute__((format(printf, 3, 4))) static int s_fail(cfg_loader *x, const config_setting_t *at,
                                                        const char *fmt, ...)
{
    if (!x->err || x->errlen == 0)
        return -1;
    char file[PATH_MAX];
    s_shown_file(x, at ? config_setting_source_file(at) : NULL, file, sizeof file);
    unsigned line = at ? config_setting_source_line(at) : 0;
    int n =
        line ? snprintf(x->err, x->errlen, "%s:%u: ", file, line) : snprintf(x->err, x->errlen, "%s: ", file);
    if (n < 0 || (size_t)n >= x->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int s_nomem(cfg_loader *x)
{
    return s_fail(x, NULL, "out of memory");
}

/* Describe a value for "(got ...)": strings quoted, shortened to about 40
 * bytes at a character boundary, control bytes shown as '?'. */
static const char *s_got(const config_setting_t *s, char *buf, size_t len)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING: {
        const char *v = config_setting_get_string(s);
        size_t o = 0, i = 0, max = len > 48 ? 40 : len / 2;
        buf[o++] = '"';
        for (; v[i] && i < max; i++)
            buf[o++] = ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) ? '?' : v[i];
        int cut = v[i] != '\0';
        while (cut && o > 1 && ((unsigned char)v[i] & 0xC0) == 0x80) {
            o--; /* do not end inside a UTF-8 sequence */
            i--;
        }
        if (cut) {
            memcpy(buf + o, "\xe2\x80\xa6", 3);
            o += 3;
        }
        buf[o++] = '"';
        buf[o] = '\0';
        break;
    }
    case CONFIG_TYPE_INT:
        snprintf(buf, len, "%d", config_setting_get_int(s));
        break;
    case CONFIG_TYPE_INT64:
        snprintf(buf, len, "%lld", config_setting_get_int64(s));
        break;
    case CONFIG_TYPE_FLOAT:
        snprintf(buf, len, "%g", config_setting_get_float(s));
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
        break;
    case CONFIG_TYPE_GROUP:
        snprintf(buf, len, "a group { ... }");
        break;
    case CONFIG_TYPE_ARRAY:
        snprintf(buf, len, "an array [ ... ]");
        break;
    case CONFIG_TYPE_LIST:
        snprintf(buf, len, "a list ( ... )");
        break;
    default:
        snprintf(buf, len, "nothing");
        break;
    }
    return buf;
}

/* ---- unknown keys ------------------------------------------------------- */

/* Edit distance of two short strings; large when either is long. */
static size_t s_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/*
 * Refuse any member of group whose name is not in known (NULL-terminated).
 * prefix names the group in messages ("daemon", "users[2]"); NULL for the
 * top level. A near miss is offered as "did you mean".
 */
static int s_check_keys(cfg_loader *x, const config_setting_t *group, const char *prefix,
                        const char *const *known)
{
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(m);
        if (!name)
            continue;
        int found = 0;
        const char *near = NULL;
        size_t best = 3; /* suggest only within two edits */
        for (const char *const *k = known; *k; k++) {
            if (strcmp(*k, name) == 0) {
                found = 1;
                break;
            }
            size_t d = s_distance(*k, name);
            if (d < best) {
                best = d;
                near = *k;
            }
        }
        if (found)
            continue;
        char list[256] = "";
        size_t o = 0;
        for (const char *const *k = known; *k && o < sizeof list; k++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", k == known ? "" : ", ", *k);
        if (!prefix)
            return near ? s_fail(x, m, "unknown top-level setting \"%s\" (did you mean %s?)", name, near)
                        : s_fail(x, m, "unknown top-level setting \"%s\" (known: %s)", name, list);
        return near ? s_fail(x, m, "unknown setting %s.%s (did you mean %s.%s?)", prefix, name, prefix, near)
                    : s_fail(x, m, "unknown setting %s.%s (known in %s: %s)", prefix, name, prefix, list);
    }
    return 0;
}

/* ---- typed getters ------------------------------------------------------ */

/* The group `key` of root in *out (NULL when absent). */
static int s_group(cfg_loader *x, config_setting_t *root, const char *key, config_setting_t **out,
                   const char *const *known)
{
    *out = config_setting_get_member(root, key);
    if (!*out)
        return 0;
    if (!config_setting_is_group(*out)) {
        char got[64];
        return s_fail(x, *out, "%s must be a group: %s = { ... }; (got %s)", key, key,
                      s_got(*out, got, sizeof got));
    }
    return s_check_keys(x, *out, key, known);
}

/*
 * String setting group.key (group may be NULL when absent) into *val, which
 * points into the libconfig tree. Absent: an error if required, else def.
 * *at gets the setting (NULL when the default was used) for later messages.
 * Any string must be non-empty UTF-8 without control characters.
 */
static int s_string(cfg_loader *x, const config_setting_t *group, const char *gname, const char *key,
                    int required, const char *def, const char **val, const config_setting_t **at)
{
    const config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    *at = s;
    if (!s) {
        if (required)
            return s_fail(x, group, "%s.%s is required", gname, key);
        *val = def;
        return 0;
    }
    char got[64];
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return s_fail(x, s, "%s.%s must be a string (got %s)", gname, key, s_got(s, got, sizeof got));
    const char *v = config_setting_get_string(s);
    if (!v || !*v)
        return s_fail(x, s, "%s.%s must not be empty", gname, key);
    if (!text_valid_utf8(v, strlen(v)) || !text_clean(v, 0))
        return s_fail(x, s, "%s.%s must be UTF-8 text without control characters (got %s)", gname, key,
                      s_got(s, got, sizeof got));
    *val = v;
    return 0;
}

/* An integer setting: bounds, default and where it lands in rect_cfg. */
typedef struct {
    const char *group;
    const char *key;
    long long min, max, def;
    size_t offset;
    size_t size; /* sizeof the rect_cfg field: 4 or 8 */
} cfg_int_spec;

#define S_INT(g, k, lo, hi, d, field)                                              \
    {                                                                              \
        g, k, lo, hi, d, offsetof(rect_cfg, field), sizeof(((rect_cfg *)0)->field) \
    }

/* clang-format off */
static const cfg_int_spec s_ints[] = {
    S_INT("daemon", "map_size_mb", 1, 1048576, 1024, map_size_mb),
    S_INT("daemon", "max_request_kb", 1, 65536, 256, max_request_kb),
    S_INT("daemon", "max_attachment_mb", 1, 1024, 20, max_attachment_mb),
    S_INT("daemon", "reply_cache", 100, 10000000, 100000, reply_cache),
    S_INT("daemon", "read_threads", 0, RECT_MAX_READ_THREADS, 2, read_threads),
    S_INT("daemon", "max_peers", 1, 1000000, 512, max_peers),
    S_INT("daemon", "fd_reserve", 16, 65536, 64, fd_reserve),
    S_INT("daemon", "peer_queue", 1, 1000, 4, peer_queue),
    S_INT("daemon", "max_inflight_per_peer", 1, 65536, 16, max_inflight_per_peer),
    S_INT("daemon", "max_running_per_peer", 1, RECT_MAX_READ_THREADS, 1, max_running_per_peer),
    S_INT("daemon", "max_inflight", 1, 65536, 256, max_inflight),
    S_INT("daemon", "max_inflight_mb", 1, 65536, 256, max_inflight_mb),
    S_INT("client", "timeout_ms", 100, 600000, 5000, client_timeout_ms),
    S_INT("client", "retries", 1, 20, 3, client_retries),
    S_INT("calendar", "due_soon_days", 0, 365, 3, due_soon_days),
    S_INT("calendar", "close_within_days", 0, 365, 7, close_within_days),
    S_INT("notify", "escalate_after_days", 1, 365, 7, escalate_after_days),
    S_INT("consolidation", "interval_days", 1, 3650, 90, review_interval_days),
};
/* clang-format on */

/*
 * Integer setting group.key (group may be NULL: the default) in [min, max]
 * into *out; gname names the group in messages.
 */
static int s_int(cfg_loader *x, const config_setting_t *group, const char *gname, const char *key,
                 long long min, long long max, long long def, long long *out)
{
    long long v = def;
    const config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    char got[64];
    if (s && !config_setting_lookup_int64(group, key, &v))
        return s_fail(x, s, "%s.%s must be an integer between %lld and %lld (got %s)", gname, key, min, max,
                      s_got(s, got, sizeof got));
    if (v < min || v > max)
        return s_fail(x, s, "%s.%s must be an integer between %lld and %lld (got %lld)", gname, key, min, max,
                      v);
    *out = v;
    return 0;
}

/* Boolean setting group.key (group may be NULL) into *out; def when absent. */
static int s_bool(cfg_loader *x, const config_setting_t *group, const char *gname, const char *key, int def,
                  int *out)
{
    const config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
    *out = def;
    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        char got[64];
        return s_fail(x, s, "%s.%s must be true or false (got %s)", gname, key, s_got(s, got, sizeof got));
    }
    *out = config_setting_get_bool(s);
    return 0;
}

/* Read every integer of group gname (group NULL: all defaults). */
static int s_ints_of(cfg_loader *x, const config_setting_t *group, const char *gname)
{
    for (size_t i = 0; i < sizeof s_ints / sizeof s_ints[0]; i++) {
        const cfg_int_spec *spec = &s_ints[i];
        if (strcmp(spec->group, gname) != 0)
            continue;
        long long v = 0;
        if (s_int(x, group, gname, spec->key, spec->min, spec->max, spec->def, &v) < 0)
            return -1;
        char *field = (char *)x->cfg + spec->offset;
        if (spec->size == sizeof(uint64_t)) {
            uint64_t u = (uint64_t)v;
            memcpy(field, &u, sizeof u);
        } else {
            uint32_t u = (uint32_t)v;
            memcpy(field, &u, sizeof u);
        }
    }
    return 0;
}

static int s_dup(cfg_loader *x, const char *s, char **out)
{
    *out = strdup(s);
    return *out ? 0 : s_nomem(x);
}

/* ---- paths -------------------------------------------------------------- */

/*
 * rel made absolute against dir (absolute itself) and normalised textually:
 * "." and empty components dropped, ".." removes the component before it
 * (never above "/"). An absolute rel is returned unchanged. Caller frees;
 * NULL when out of memory.
 */
static char *s_resolve(const char *dir, const char *rel)
{
    if (rel[0] == '/')
        return strdup(rel);
    size_t n = strlen(dir) + 1 + strlen(rel) + 1;
    char *in = malloc(n);
    char *out = malloc(n + 1);
    if (!in || !out) {
        free(in);
        free(out);
        return NULL;
    }
    snprintf(in, n, "%s/%s", dir, rel);
    size_t o = 0;
    const char *p = in;
    for (;;) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - seg);
        if (len == 0)
            break;
        if (len == 1 && seg[0] == '.')
            continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, seg, len);
        o += len;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    free(in);
    return out;
}

/* An endpoint setting (daemon.endpoint, notify.pub_endpoint; `what` names it)
 * into *out: ipc paths made absolute and checked against sun_path; tcp
 * endpoints kept as written. */
static int s_endpoint(cfg_loader *x, const config_setting_t *at, const char *what, const char *ep, char **out)
{
    char got[64];
    if (strncmp(ep, "tcp://", 6) == 0) {
        const char *colon = strrchr(ep + 6, ':');
        if (!colon || colon == ep + 6 || colon[1] == '\0')
            return s_fail(x, at,
                          "%s: a tcp endpoint needs a host and a port, e.g. "
                          "tcp://127.0.0.1:5555 (got %s)",
                          what, s_got(at, got, sizeof got));
        return s_dup(x, ep, out);
    }
    if (strncmp(ep, "ipc://", 6) != 0)
        return s_fail(x, at, "%s must be ipc://PATH or tcp://HOST:PORT (got %s)", what,
                      s_got(at, got, sizeof got));
    const char *rel = ep + 6;
    if (!*rel)
        return s_fail(x, at, "%s: ipc:// needs a socket path", what);
    char *abs = rel[0] == '@' ? strdup(rel) : s_resolve(x->cfg->dir, rel);
    if (!abs)
        return s_nomem(x);
    size_t len = strlen(abs);
    if (len > CFG_SUN_PATH_MAX) {
        s_fail(x, at,
               "%s: the socket path %s is %zu bytes long; a Unix socket path "
               "holds at most %d (choose a shorter path)",
               what, abs, len, CFG_SUN_PATH_MAX);
        free(abs);
        return -1;
    }
    size_t n = len + 7;
    *out = malloc(n);
    if (!*out) {
        free(abs);
        return s_nomem(x);
    }
    snprintf(*out, n, "ipc://%s", abs);
    free(abs);
    return 0;
}

/* ---- identifiers and names --------------------------------------------- */

/* 1 if s is an identifier: 1..RECT_MAX_NAME bytes of [A-Za-z0-9_.-]. */
static int s_valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > RECT_MAX_NAME)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int cfg_valid_id(const char *s)
{
    return s && s_valid_id(s);
}

/* 1 if s ends with (or, when at_start, begins with) a blank: ASCII space,
 * tab or the ideographic space U+3000. */
static int s_blank_edge(const char *s, int at_start)
{
    static const char ideo[] = "\xe3\x80\x80";
    size_t n = strlen(s);
    if (n == 0)
        return 0;
    if (at_start)
        return s[0] == ' ' || s[0] == '\t' || strncmp(s, ideo, 3) == 0;
    return s[n - 1] == ' ' || s[n - 1] == '\t' || (n >= 3 && strcmp(s + n - 3, ideo) == 0);
}

/* 1 if s is a display name: 1..RECT_MAX_NAME bytes of UTF-8 text, no
 * control characters, no blanks at either end. */
static int s_valid_name(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= RECT_MAX_NAME && text_valid_utf8(s, n) && text_clean(s, 0) && !s_blank_edge(s, 1) &&
           !s_blank_edge(s, 0);
}

/* ---- sources, units, users --------------------------------------------- */

/* How one list of entries is spelled. */
typedef struct {
    const char *list;     /* "units" */
    const char *id_key;   /* "id" (users: "name") */
    const char *name_key; /* "name" (users: "display") */
    const char *const *keys;
    const char *example; /* for "must be a group" */
} cfg_list_spec;

static const char *const s_named_keys[] = {"id", "name", NULL};
static const char *const s_source_keys[] = {"id", "name", "level", NULL};
static const char *const s_user_keys[] = {"name", "display", "roles", "public_key", NULL};

static const cfg_list_spec s_sources_spec = {"sources", "id", "name", s_source_keys,
                                             "{ id = \"national\"; name = \"...\"; level = \"national\"; }"};
static const cfg_list_spec s_units_spec = {"units", "id", "name", s_named_keys,
                                           "{ id = \"cun1\"; name = \"...\"; }"};
static const cfg_list_spec s_users_spec = {"users", "name", "display", s_user_keys,
                                           "{ name = \"wangyan\"; display = \"...\"; roles = [\"owner\"]; }"};

/* The list setting of a spec in *out (NULL when absent) and its length. */
static int s_list(cfg_loader *x, config_setting_t *root, const cfg_list_spec *spec, config_setting_t **out,
                  size_t *n)
{
    *n = 0;
    *out = config_setting_get_member(root, spec->list);
    if (!*out)
        return 0;
    int type = config_setting_type(*out);
    int len = config_setting_length(*out);
    if (type != CONFIG_TYPE_LIST && !(type == CONFIG_TYPE_ARRAY && len == 0)) {
        char got[64];
        return s_fail(x, *out, "%s must be a list of groups: %s = ( %s, ... ); (got %s)", spec->list,
                      spec->list, spec->example, s_got(*out, got, sizeof got));
    }
    *n = (size_t)len;
    return 0;
}

/* Member key of entry i of list as a validated string (already checked). */
static const config_setting_t *s_member(const config_setting_t *list, size_t i, const char *key)
{
    return config_setting_get_member(config_setting_get_elem(list, (unsigned)i), key);
}

/*
 * Validate entry i of a list: a group with exactly the known keys, a valid
 * id and name, neither of which repeats an id or name of entries 0..i-1.
 * *id and *name point into the libconfig tree.
 */
static int s_entry(cfg_loader *x, const config_setting_t *list, size_t i, const cfg_list_spec *spec,
                   const char **id, const char **name)
{
    const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
    char where[64], got[64];
    snprintf(where, sizeof where, "%s[%zu]", spec->list, i);
    if (!config_setting_is_group(e))
        return s_fail(x, e, "%s must be a group %s (got %s)", where, spec->example,
                      s_got(e, got, sizeof got));
    if (s_check_keys(x, e, where, spec->keys) < 0)
        return -1;

    const config_setting_t *ids, *names;
    if (s_string(x, e, where, spec->id_key, 1, NULL, id, &ids) < 0 ||
        s_string(x, e, where, spec->name_key, 1, NULL, name, &names) < 0)
        return -1;
    if (!s_valid_id(*id))
        return s_fail(x, ids, "%s.%s must be 1-%d characters from A-Z a-z 0-9 _ . - (got %s)", where,
                      spec->id_key, RECT_MAX_NAME, s_got(ids, got, sizeof got));
    if (!s_valid_name(*name))
        return s_fail(x, names,
                      "%s.%s must be at most %d bytes of text without blanks at either end "
                      "(got %s)",
                      where, spec->name_key, RECT_MAX_NAME, s_got(names, got, sizeof got));

    for (size_t j = 0; j < i; j++) {
        const config_setting_t *idj = s_member(list, j, spec->id_key);
        const config_setting_t *namej = s_member(list, j, spec->name_key);
        const char *sid = config_setting_get_string(idj);
        const char *sname = config_setting_get_string(namej);
        if (strcmp(*id, sid) == 0)
            return s_fail(x, ids, "%s.%s: duplicate %s \"%s\" (%s[%zu] at line %u has it too)", where,
                          spec->id_key, spec->id_key, *id, spec->list, j, config_setting_source_line(idj));
        if (strcmp(*name, sname) == 0)
            return s_fail(x, names, "%s.%s: duplicate %s \"%s\" (%s[%zu] at line %u has it too)", where,
                          spec->name_key, spec->name_key, *name, spec->list, j,
                          config_setting_source_line(namej));
        if (strcmp(*id, sname) == 0)
            return s_fail(x, ids,
                          "%s.%s: \"%s\" is already the %s of %s[%zu] (line %u); %ss and %ss "
                          "must all differ so that lookups by either are unambiguous",
                          where, spec->id_key, *id, spec->name_key, spec->list, j,
                          config_setting_source_line(namej), spec->id_key, spec->name_key);
        if (strcmp(*name, sid) == 0)
            return s_fail(x, names,
                          "%s.%s: \"%s\" is already the %s of %s[%zu] (line %u); %ss and %ss "
                          "must all differ so that lookups by either are unambiguous",
                          where, spec->name_key, *name, spec->id_key, spec->list, j,
                          config_setting_source_line(idj), spec->id_key, spec->name_key);
    }
    return 0;
}

/*
 * sources[i].level: one of rect_level_names, default "other" (a config
 * written before levels existed still loads; its sources are reported
 * under 其他 until a level is given).
 */
static int s_source_level(cfg_loader *x, const config_setting_t *list, size_t i, int *level)
{
    const config_setting_t *e = config_setting_get_elem(list, (unsigned)i), *at;
    const char *v;
    char where[64], got[64];
    snprintf(where, sizeof where, "sources[%zu]", i);
    if (s_string(x, e, where, "level", 0, rect_level_names[RECT_LEVEL_OTHER], &v, &at) < 0)
        return -1;
    *level = rect_lookup(rect_level_names, RECT_LEVEL_COUNT, v);
    if (*level < 0)
        return s_fail(x, at, "%s.level must be one of national, regional, county, town, other (got %s)",
                      where, s_got(at, got, sizeof got));
    return 0;
}

/* Read sources or units into a rect_named array. */
static int s_named_list(cfg_loader *x, config_setting_t *root, const cfg_list_spec *spec, rect_named **out,
                        size_t *count)
{
    config_setting_t *list;
    size_t n;
    if (s_list(x, root, spec, &list, &n) < 0)
        return -1;
    if (n == 0)
        return 0;
    *out = calloc(n, sizeof **out);
    if (!*out)
        return s_nomem(x);
    for (size_t i = 0; i < n; i++) {
        const char *id, *name;
        if (s_entry(x, list, i, spec, &id, &name) < 0)
            return -1;
        *count = i + 1;
        if (s_dup(x, id, &(*out)[i].id) < 0 || s_dup(x, name, &(*out)[i].name) < 0)
            return -1;
        if (spec == &s_sources_spec && s_source_level(x, list, i, &(*out)[i].level) < 0)
            return -1;
    }
    return 0;
}

/* users[i].roles as a mask of rect_role. */
static int s_roles(cfg_loader *x, const config_setting_t *user, size_t i, const char *uname, unsigned *mask)
{
    const config_setting_t *r = config_setting_get_member(user, "roles");
    char got[64];
    *mask = 0;
    if (!r)
        return s_fail(x, user,
                      "users[%zu] (\"%s\") has no roles: add e.g. roles = [\"owner\"]; "
                      "(roles: " CFG_ROLE_LIST ")",
                      i, uname);
    if (!config_setting_is_array(r) && !config_setting_is_list(r))
        return s_fail(x, r, "users[%zu].roles must be a list of role names like [\"owner\"] (got %s)", i,
                      s_got(r, got, sizeof got));
    int n = config_setting_length(r);
    if (n == 0)
        return s_fail(x, r, "users[%zu] (\"%s\") has no roles: give at least one of " CFG_ROLE_LIST, i,
                      uname);
    for (int k = 0; k < n; k++) {
        const config_setting_t *e = config_setting_get_elem(r, (unsigned)k);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return s_fail(x, e, "users[%zu].roles[%d] must be a role name (got %s)", i, k,
                          s_got(e, got, sizeof got));
        const char *name = config_setting_get_string(e);
        int role = rect_lookup(rect_role_names, RECT_ROLE_COUNT, name);
        if (role < 0)
            return s_fail(x, e, "users[%zu].roles: unknown role %s (roles: " CFG_ROLE_LIST ")", i,
                          s_got(e, got, sizeof got));
        if (*mask & (1u << role))
            return s_fail(x, e, "users[%zu].roles: role \"%s\" is listed twice", i, name);
        *mask |= 1u << role;
    }
    /* A gateway's key already acts for every user: it may hold nothing else. */
    if ((*mask & RECT_ROLE_GATEWAY) && *mask != RECT_ROLE_GATEWAY)
        return s_fail(x, r,
                      "users[%zu] (\"%s\"): the role gateway goes alone (a gateway acts for "
                      "others; give a person's roles to that person's own user)",
                      i, uname);
    return 0;
}

/* users[i].public_key (optional): a Z85 key or the path of a .pub file; no two users share one. */
static int s_user_key(cfg_loader *x, const config_setting_t *list, size_t i, rect_user *u)
{
    const config_setting_t *at;
    const char *v;
    char where[64], z85[RECT_Z85_LEN + 1], why[512];
    snprintf(where, sizeof where, "users[%zu]", i);
    if (s_string(x, config_setting_get_elem(list, (unsigned)i), where, "public_key", 0, NULL, &v, &at) < 0)
        return -1;
    if (!v)
        return 0;
    if (keys_public_of(v, x->cfg->dir, z85, why, sizeof why) != 0)
        return s_fail(x, at,
                      "%s.public_key must be a CURVE public key (40 characters of Z85, as "
                      "rectctl keygen prints it) or the path of its .pub file: %s",
                      where, why);
    for (size_t j = 0; j < i; j++)
        if (x->cfg->users[j].public_key && strcmp(x->cfg->users[j].public_key, z85) == 0)
            return s_fail(x, at,
                          "%s.public_key: users[%zu] (\"%s\") has the same key; every "
                          "user needs a key of their own (rectctl keygen %s)",
                          where, j, x->cfg->users[j].name, u->name);
    return s_dup(x, z85, &u->public_key);
}

static int s_users(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *list;
    size_t n;
    rect_cfg *cfg = x->cfg;
    if (s_list(x, root, &s_users_spec, &list, &n) < 0)
        return -1;
    if (n == 0)
        return 0;
    cfg->users = calloc(n, sizeof *cfg->users);
    if (!cfg->users)
        return s_nomem(x);
    for (size_t i = 0; i < n; i++) {
        const char *name, *display;
        unsigned roles;
        if (s_entry(x, list, i, &s_users_spec, &name, &display) < 0 ||
            s_roles(x, config_setting_get_elem(list, (unsigned)i), i, name, &roles) < 0)
            return -1;
        if (strcmp(name, RECT_SYSTEM_ACTOR) == 0)
            return s_fail(x, s_member(list, i, "name"),
                          "users[%zu].name: \"%s\" is reserved for the events rectd records "
                          "itself (escalations): choose another name",
                          i, name);
        rect_user *u = &cfg->users[i];
        u->roles = roles;
        cfg->n_users = i + 1;
        if (s_dup(x, name, &u->name) < 0 || s_dup(x, display, &u->display) < 0 ||
            s_user_key(x, list, i, u) < 0)
            return -1;
    }
    return 0;
}

/* ---- the groups --------------------------------------------------------- */

static const char *const s_top_keys[] = {
    "daemon",  "calendar", "notify", "consolidation", "workflow", "ledger",
    "sources", "units",    "users",  "client",        NULL,
};
static const char *const s_daemon_keys[] = {
    "endpoint",
    "data_dir",
    "map_size_mb",
    "max_request_kb",
    "max_attachment_mb",
    "reply_cache",
    "read_threads",
    "default_inspection",
    "key_file",
    "demo_keys",
    "socket_group",
    "socket_mode",
    "signing_key",
    "max_peers",
    "fd_reserve",
    "peer_queue",
    "max_inflight_per_peer",
    "max_running_per_peer",
    "max_inflight",
    "max_inflight_mb",
    NULL,
};
static const char *const s_calendar_keys[] = {
    "timezone", "due_soon_days", "close_within_days", "working_days", "holidays", "workdays", NULL,
};
static const char *const s_notify_keys[] = {"at",        "pub_endpoint", "escalate_after_days",
                                            "immediate", "hooks",        NULL};
static const char *const s_hook_keys[] = {"name", "command", "timeout_s", "retries", NULL};
static const char *const s_consolidation_keys[] = {"interval_days", NULL};
static const char *const s_ledger_keys[] = {"reviewer", NULL};
static const char *const s_workflow_keys[] = {"distinct_closer", "close_by", NULL};
static const char *const s_client_keys[] = {"user", "timeout_ms", "retries", "keys_dir", "server_key", NULL};

/* daemon.key_file, demo_keys, socket_group and socket_mode: who may reach rectd. */
static int s_daemon_access(cfg_loader *x, const config_setting_t *g)
{
    rect_cfg *cfg = x->cfg;
    const config_setting_t *at;
    const char *v;
    char got[64];
    if (s_string(x, g, "daemon", "key_file", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !(cfg->key_file = s_resolve(cfg->dir, v)))
        return s_nomem(x);
    if (s_bool(x, g, "daemon", "demo_keys", 0, &cfg->demo_keys) < 0)
        return -1;
    if (cfg->demo_keys && !cfg->key_file)
        return s_fail(x, config_setting_get_member(g, "demo_keys"),
                      "daemon.demo_keys needs daemon.key_file: the demo keys are made in its folder");
    if (s_string(x, g, "daemon", "socket_group", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !s_valid_id(v))
        return s_fail(x, at, "daemon.socket_group must be a group name (got %s)", s_got(at, got, sizeof got));
    if (v && s_dup(x, v, &cfg->socket_group) < 0)
        return -1;
    if (s_string(x, g, "daemon", "socket_mode", 0, cfg->socket_group ? "0660" : "0600", &v, &at) < 0)
        return -1;
    char *end;
    unsigned long mode = strtoul(v, &end, 8);
    if (*end || v[0] != '0' || mode > 0777 || (mode & 0007) || (mode & 0600) != 0600)
        return s_fail(x, at,
                      "daemon.socket_mode must be an octal mode like \"0660\" or \"0600\" that "
                      "lets rectd's user in and not everyone (got %s)",
                      at ? s_got(at, got, sizeof got) : v);
    cfg->socket_mode = (uint32_t)mode;
    return 0;
}

static int s_daemon(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *v;
    rect_cfg *cfg = x->cfg;
    if (s_group(x, root, "daemon", &g, s_daemon_keys) < 0)
        return -1;

    if (s_string(x, g, "daemon", "endpoint", 1, NULL, &v, &at) < 0 ||
        s_endpoint(x, at, "daemon.endpoint", v, &cfg->endpoint) < 0)
        return -1;

    if (s_string(x, g, "daemon", "data_dir", 1, NULL, &v, &at) < 0)
        return -1;
    if (!(cfg->data_dir = s_resolve(cfg->dir, v)))
        return s_nomem(x);

    /* Beside the config, not in data_dir: a backup of the data must not carry the secret. */
    if (s_string(x, g, "daemon", "signing_key", 0, "keys/rectd-sign.key", &v, &at) < 0)
        return -1;
    if (!(cfg->signing_key = s_resolve(cfg->dir, v)))
        return s_nomem(x);

    if (s_string(x, g, "daemon", "default_inspection", 0, "default", &v, &at) < 0)
        return -1;
    if (strlen(v) > RECT_MAX_NAME)
        return s_fail(x, at, "daemon.default_inspection must be at most %d bytes", RECT_MAX_NAME);
    if (s_dup(x, v, &cfg->default_inspection) < 0)
        return -1;
    if (s_daemon_access(x, g) < 0)
        return -1;
    return s_ints_of(x, g, "daemon");
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The element of calendar.<key> whose canonical date is ymd (for messages). */
static const config_setting_t *s_date_setting(const config_setting_t *g, const char *key, const char *ymd)
{
    const config_setting_t *list = config_setting_get_member(g, key);
    int n = list ? config_setting_length(list) : 0;
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        char d[RECT_DATE_LEN];
        if (date_parse(config_setting_get_string(e), d) == 0 && strcmp(d, ymd) == 0)
            return e;
    }
    return list;
}

/*
 * calendar.<key>: an array of date strings into a new sorted array of
 * canonical "YYYY-MM-DD" (owned by the config). A date that does not parse
 * or repeats is an error on its line.
 */
static int s_dates(cfg_loader *x, const config_setting_t *g, const char *key, char ***out, size_t *count)
{
    const config_setting_t *list = g ? config_setting_get_member(g, key) : NULL;
    char got[64];
    if (!list)
        return 0;
    if (!config_setting_is_array(list) && !config_setting_is_list(list))
        return s_fail(x, list, "calendar.%s must be an array of dates [\"2026-10-01\", ...] (got %s)", key,
                      s_got(list, got, sizeof got));
    int n = config_setting_length(list);
    if (n == 0)
        return 0;
    if (!(*out = calloc((size_t)n, sizeof **out)))
        return s_nomem(x);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
        char d[RECT_DATE_LEN];
        if (config_setting_type(e) != CONFIG_TYPE_STRING || date_parse(config_setting_get_string(e), d) != 0)
            return s_fail(x, e, "calendar.%s[%d] must be a date \"YYYY-MM-DD\" that exists (got %s)", key, i,
                          s_got(e, got, sizeof got));
        for (int j = 0; j < i; j++)
            if (strcmp((*out)[j], d) == 0)
                return s_fail(x, e, "calendar.%s: %s is listed twice", key, d);
        if (s_dup(x, d, &(*out)[i]) < 0)
            return -1;
        *count = (size_t)i + 1;
    }
    qsort(*out, *count, sizeof **out, s_cmp_str);
    return 0;
}

static int s_calendar(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *zone;
    if (s_group(x, root, "calendar", &g, s_calendar_keys) < 0 ||
        s_string(x, g, "calendar", "timezone", 0, CFG_DEFAULT_TIMEZONE, &zone, &at) < 0)
        return -1;
    if (!zone_exists(zone))
        return s_fail(x, at,
                      "calendar.timezone: unknown time zone \"%s\"%s (no such zone file under "
                      "/usr/share/zoneinfo; is tzdata installed?)",
                      zone, at ? "" : " (the default)");
    if (s_dup(x, zone, &x->cfg->timezone) < 0 || s_ints_of(x, g, "calendar") < 0 ||
        s_bool(x, g, "calendar", "working_days", 0, &x->cfg->working_days) < 0 ||
        s_dates(x, g, "holidays", &x->cfg->holidays, &x->cfg->n_holidays) < 0 ||
        s_dates(x, g, "workdays", &x->cfg->workdays, &x->cfg->n_workdays) < 0)
        return -1;
    /* A day cannot be both off and worked. */
    for (size_t i = 0; i < x->cfg->n_workdays; i++) {
        const char *d = x->cfg->workdays[i];
        if (bsearch(&d, x->cfg->holidays, x->cfg->n_holidays, sizeof(char *), s_cmp_str))
            return s_fail(x, s_date_setting(g, "workdays", d),
                          "calendar.workdays: %s is also in calendar.holidays; a day is either "
                          "a holiday or a working day",
                          d);
    }
    return 0;
}

/* notify.at "HH:MM" (hour 0-23, minute 00-59) into the config. */
static int s_notify_at(cfg_loader *x, const config_setting_t *g)
{
    const config_setting_t *at;
    const char *v;
    if (s_string(x, g, "notify", "at", 0, "09:00", &v, &at) < 0)
        return -1;
    int h = -1, m = -1;
    size_t n = strlen(v);
    const char *colon = strchr(v, ':');
    int ok = colon && (colon - v == 1 || colon - v == 2) && strlen(colon + 1) == 2 && n <= 5;
    for (size_t i = 0; ok && i < n; i++)
        ok = v + i == colon || (v[i] >= '0' && v[i] <= '9');
    if (ok) {
        h = atoi(v);
        m = atoi(colon + 1);
    }
    if (!ok || h > 23 || m > 59) {
        char got[64];
        return s_fail(x, at, "notify.at must be a time of day \"HH:MM\" like \"09:00\" (got %s)",
                      s_got(at, got, sizeof got));
    }
    x->cfg->notify_hour = h;
    x->cfg->notify_minute = m;
    return 0;
}

/* notify.hooks[i]: name, command (argv[0] resolved), timeout_s, retries. */
static int s_hook(cfg_loader *x, const config_setting_t *list, size_t i, rect_hook *h)
{
    const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
    const config_setting_t *at;
    const char *name;
    char where[64], got[64];
    snprintf(where, sizeof where, "notify.hooks[%zu]", i);
    if (!config_setting_is_group(e))
        return s_fail(x, e,
                      "%s must be a group { name = \"sms\"; command = [\"/usr/local/bin/send-sms\"]; "
                      "} (got %s)",
                      where, s_got(e, got, sizeof got));
    if (s_check_keys(x, e, where, s_hook_keys) < 0 || s_string(x, e, where, "name", 1, NULL, &name, &at) < 0)
        return -1;
    if (!s_valid_id(name))
        return s_fail(x, at, "%s.name must be 1-%d characters from A-Z a-z 0-9 _ . - (got %s)", where,
                      RECT_MAX_NAME, s_got(at, got, sizeof got));
    for (size_t j = 0; j < i; j++) {
        const config_setting_t *nj = s_member(list, j, "name");
        if (strcmp(config_setting_get_string(nj), name) == 0)
            return s_fail(x, at,
                          "%s.name: duplicate hook name \"%s\" (notify.hooks[%zu] at line %u has it too)",
                          where, name, j, config_setting_source_line(nj));
    }
    if (s_dup(x, name, &h->name) < 0)
        return -1;

    const config_setting_t *cmd = config_setting_get_member(e, "command");
    if (!cmd)
        return s_fail(x, e,
                      "%s.command is required: the program and its arguments, e.g. "
                      "[\"/usr/local/bin/send-sms\", \"--town\", \"tuotuo\"]",
                      where);
    if (!config_setting_is_array(cmd) && !config_setting_is_list(cmd))
        return s_fail(x, cmd,
                      "%s.command must be an array of strings [\"/path/to/program\", \"arg\", ...] (got %s)",
                      where, s_got(cmd, got, sizeof got));
    int n = config_setting_length(cmd);
    if (n < 1)
        return s_fail(x, cmd, "%s.command must name at least the program to run", where);
    if (!(h->argv = calloc((size_t)n + 1, sizeof *h->argv)))
        return s_nomem(x);
    for (int k = 0; k < n; k++) {
        const config_setting_t *a = config_setting_get_elem(cmd, (unsigned)k);
        const char *v = config_setting_type(a) == CONFIG_TYPE_STRING ? config_setting_get_string(a) : NULL;
        if (!v)
            return s_fail(x, a, "%s.command[%d] must be a string (got %s)", where, k,
                          s_got(a, got, sizeof got));
        if (!text_valid_utf8(v, strlen(v)) || !text_clean(v, 0))
            return s_fail(x, a, "%s.command[%d] must be UTF-8 text without control characters", where, k);
        if (k == 0 && !*v)
            return s_fail(x, a, "%s.command[0] must name the program to run", where);
        /* The program is run without a shell and without PATH: resolve it now. */
        h->argv[k] = k == 0 ? s_resolve(x->cfg->dir, v) : strdup(v);
        if (!h->argv[k])
            return s_nomem(x);
        h->argc = (size_t)k + 1;
    }
    long long t, r;
    if (s_int(x, e, where, "timeout_s", 1, 3600, 10, &t) < 0 ||
        s_int(x, e, where, "retries", 0, 100, 5, &r) < 0)
        return -1;
    h->timeout_s = (uint32_t)t;
    h->retries = (uint32_t)r;
    return 0;
}

static int s_notify(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *v;
    rect_cfg *cfg = x->cfg;
    if (s_group(x, root, "notify", &g, s_notify_keys) < 0 || s_notify_at(x, g) < 0 ||
        s_ints_of(x, g, "notify") < 0 || s_bool(x, g, "notify", "immediate", 1, &cfg->notify_immediate) < 0 ||
        s_string(x, g, "notify", "pub_endpoint", 0, NULL, &v, &at) < 0)
        return -1;
    if (v) {
        if (s_endpoint(x, at, "notify.pub_endpoint", v, &cfg->pub_endpoint) < 0)
            return -1;
        if (strcmp(cfg->pub_endpoint, cfg->endpoint) == 0)
            return s_fail(x, at, "notify.pub_endpoint must differ from daemon.endpoint (both are %s)",
                          cfg->endpoint);
    }
    config_setting_t *hooks = g ? config_setting_get_member(g, "hooks") : NULL;
    if (!hooks)
        return 0;
    int type = config_setting_type(hooks);
    int n = config_setting_length(hooks);
    if (type != CONFIG_TYPE_LIST && !(type == CONFIG_TYPE_ARRAY && n == 0)) {
        char got[64];
        return s_fail(x, hooks,
                      "notify.hooks must be a list of groups: hooks = ( { name = \"sms\"; command = "
                      "[\"/usr/local/bin/send-sms\"]; } ); (got %s)",
                      s_got(hooks, got, sizeof got));
    }
    if (n == 0)
        return 0;
    if (!(cfg->hooks = calloc((size_t)n, sizeof *cfg->hooks)))
        return s_nomem(x);
    for (int i = 0; i < n; i++) {
        cfg->n_hooks = (size_t)i + 1;
        if (s_hook(x, hooks, (size_t)i, &cfg->hooks[i]) < 0)
            return -1;
    }
    return 0;
}

static int s_consolidation(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    if (s_group(x, root, "consolidation", &g, s_consolidation_keys) < 0)
        return -1;
    return s_ints_of(x, g, "consolidation");
}

/* Who may close (销号): workflow.c reads these through wf_policy. */
static int s_workflow(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *by;
    if (s_group(x, root, "workflow", &g, s_workflow_keys) < 0 ||
        s_bool(x, g, "workflow", "distinct_closer", 1, &x->cfg->distinct_closer) < 0 ||
        s_string(x, g, "workflow", "close_by", 0, "item_leader", &by, &at) < 0)
        return -1;
    if (strcmp(by, "item_leader") != 0 && strcmp(by, "any_leader") != 0) {
        char got[64];
        return s_fail(x, at,
                      "workflow.close_by must be \"item_leader\" (the item's own leader or an admin) "
                      "or \"any_leader\" (any leader or an admin) (got %s)",
                      s_got(at, got, sizeof got));
    }
    x->cfg->close_by_any_leader = strcmp(by, "any_leader") == 0;
    return 0;
}

static int s_ledger(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *v;
    if (s_group(x, root, "ledger", &g, s_ledger_keys) < 0 ||
        s_string(x, g, "ledger", "reviewer", 0, NULL, &v, &at) < 0)
        return -1;
    if (!v)
        return 0;
    if (!s_valid_name(v)) {
        char got[64];
        return s_fail(
            x, at, "ledger.reviewer must be a name of at most %d bytes without blanks at either end (got %s)",
            RECT_MAX_NAME, s_got(at, got, sizeof got));
    }
    return s_dup(x, v, &x->cfg->ledger_reviewer);
}

/* ledger.reviewer signs ledgers (ledger sign): a configured user, checked once the users are read. */
static int s_ledger_reviewer(cfg_loader *x, config_setting_t *root)
{
    const char *v = x->cfg->ledger_reviewer;
    if (!v || cfg_user(x->cfg, v))
        return 0;
    const config_setting_t *at = config_setting_lookup(root, "ledger.reviewer");
    const rect_user *u = cfg_user_find(x->cfg, v);
    if (u)
        return s_fail(x, at,
                      "ledger.reviewer: no user named \"%s\" (did you mean \"%s\"? ledger.reviewer takes "
                      "the user's name, not the display name: that user signs ledgers)",
                      v, u->name);
    return s_fail(x, at,
                  "ledger.reviewer: no user named \"%s\" in users: the reviewer (审核人) signs ledgers "
                  "(rectctl ledger sign) and must be a configured user",
                  v);
}

static int s_client(cfg_loader *x, config_setting_t *root)
{
    config_setting_t *g;
    const config_setting_t *at;
    const char *user;
    if (s_group(x, root, "client", &g, s_client_keys) < 0 ||
        s_string(x, g, "client", "user", 0, NULL, &user, &at) < 0)
        return -1;
    if (user) {
        if (!cfg_user(x->cfg, user)) {
            const rect_user *u = cfg_user_find(x->cfg, user);
            if (u)
                return s_fail(x, at,
                              "client.user: no user named \"%s\" (did you mean \"%s\"? "
                              "client.user takes a user's name, not the display name)",
                              user, u->name);
            return s_fail(x, at, "client.user: no user named \"%s\" in users", user);
        }
        if (s_dup(x, user, &x->cfg->client_user) < 0)
            return -1;
    }
    const char *v;
    if (s_string(x, g, "client", "keys_dir", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !(x->cfg->client_keys_dir = s_resolve(x->cfg->dir, v)))
        return s_nomem(x);
    if (s_string(x, g, "client", "server_key", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && s_dup(x, v, &x->cfg->client_server_key) < 0)
        return -1;
    return s_ints_of(x, g, "client");
}

/* 1 if st's group is its owner's private group (same name, the owner's primary group, no other member). */
static int s_private_group(const struct stat *st)
{
    const struct passwd *pw = getpwuid(st->st_uid);
    if (!pw || pw->pw_gid != st->st_gid)
        return 0;
    char owner[256];
    snprintf(owner, sizeof owner, "%s", pw->pw_name);
    const struct group *gr = getgrgid(st->st_gid);
    return gr && strcmp(gr->gr_name, owner) == 0 && (!gr->gr_mem || !gr->gr_mem[0]);
}

/* Fail early, with the system's reason, if the file cannot be opened:
 * libconfig would only say "file I/O error". */
static int s_readable(cfg_loader *x)
{
    struct stat st;
    if (stat(x->path, &st) == 0 && S_ISDIR(st.st_mode))
        return s_fail(x, NULL, "cannot read: it is a folder, not a config file");
    /* Who may write a config decides whom it trusts (users' public keys in rectd.conf, the server's
     * key in rectctl.conf), as who may write a key file does (keys.c). A group write bit is fine
     * for the owner's own private group (umask 002 on Debian gives a checkout mode 0664). */
    if (stat(x->path, &st) == 0 && ((st.st_mode & 002) || ((st.st_mode & 020) && !s_private_group(&st))))
        return s_fail(
            x, NULL,
            "others may change this config (mode %04o): whoever can write it decides whose keys are "
            "trusted; run chmod go-w %s",
            (unsigned)(st.st_mode & 07777), x->path);
    FILE *f = fopen(x->path, "r");
    if (!f)
        return s_fail(x, NULL, "cannot read: %s", strerror(errno));
    fclose(f);
    return 0;
}

/* Where the config lives: cfg->dir = realpath of its folder, cfg->path =
 * that folder + its base name; x->shown_dir = its folder as spelled. */
static int s_locate(cfg_loader *x)
{
    const char *slash = strrchr(x->path, '/');
    const char *base = slash ? slash + 1 : x->path;
    if (!*base)
        return s_fail(x, NULL, "not a file name");
    if (!slash)
        x->shown_dir = strdup(".");
    else if (slash == x->path)
        x->shown_dir = strdup("/");
    else
        x->shown_dir = strndup(x->path, (size_t)(slash - x->path));
    if (!x->shown_dir)
        return s_nomem(x);
    char *dir = realpath(x->shown_dir, NULL);
    if (!dir)
        return s_fail(x, NULL, "cannot resolve its folder: %s", strerror(errno));
    x->cfg->dir = dir;
    size_t n = strlen(dir) + 1 + strlen(base) + 1;
    if (!(x->cfg->path = malloc(n)))
        return s_nomem(x);
    snprintf(x->cfg->path, n, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", base);
    return 0;
}

/* Read and parse the file; libconfig's own errors become FILE:LINE: text. */
static int s_read(cfg_loader *x)
{
    /* @include "x.conf" means beside this file, not in the working folder. */
    config_set_include_dir(&x->lc, x->cfg->dir);
    /* A string or float where an integer belongs is an error, not a guess. */
    config_set_auto_convert(&x->lc, 0);
    if (config_read_file(&x->lc, x->path))
        return 0;
    if (config_error_type(&x->lc) == CONFIG_ERR_FILE_IO)
        return s_fail(x, NULL, "cannot read: %s", config_error_text(&x->lc));
    char file[PATH_MAX];
    s_shown_file(x, config_error_file(&x->lc), file, sizeof file);
    if (x->err && x->errlen)
        snprintf(x->err, x->errlen, "%s:%d: %s", file, config_error_line(&x->lc), config_error_text(&x->lc));
    return -1;
}

/*
 * Load and validate the config file at path (see rect_cfg.h). On success
 * returns 0 and *out owns a new config (free with cfg_destroy); on failure
 * returns -1, *out is NULL and err holds "FILE:LINE: what is wrong" or
 * "FILE: what is wrong", FILE spelled as the caller spelled path.
 */
int cfg_load(const char *path, rect_cfg **out, char *err, size_t errlen)
{
    cfg_loader x = {.path = path ? path : "(null)", .err = err, .errlen = errlen};
    if (out)
        *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!path || !out)
        return s_fail(&x, NULL, "no config file given");

    if (!(x.cfg = calloc(1, sizeof *x.cfg)))
        return s_nomem(&x);
    config_init(&x.lc);
    int rc = -1;
    config_setting_t *root;
    if (s_readable(&x) < 0 || s_locate(&x) < 0 || s_read(&x) < 0)
        goto done;
    root = config_root_setting(&x.lc);
    if (s_check_keys(&x, root, NULL, s_top_keys) < 0 || s_daemon(&x, root) < 0 || s_calendar(&x, root) < 0 ||
        s_notify(&x, root) < 0 || s_consolidation(&x, root) < 0 || s_workflow(&x, root) < 0 ||
        s_ledger(&x, root) < 0 ||
        s_named_list(&x, root, &s_sources_spec, &x.cfg->sources, &x.cfg->n_sources) < 0 ||
        s_named_list(&x, root, &s_units_spec, &x.cfg->units, &x.cfg->n_units) < 0 || s_users(&x, root) < 0 ||
        s_ledger_reviewer(&x, root) < 0 || s_client(&x, root) < 0)
        goto done;
    *out = x.cfg;
    x.cfg = NULL;
    rc = 0;
done:
    config_destroy(&x.lc);
    free(x.shown_dir);
    cfg_destroy(&x.cfg);
    return rc;
}

static void s_free_named(rect_named *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].id);
        free(v[i].name);
    }
    free(v);
}

/* Free a config and set *cfg_p to NULL. Accepts NULL and *cfg_p == NULL. */
void cfg_destroy(rect_cfg **cfg_p)
{
    if (!cfg_p || !*cfg_p)
        return;
    rect_cfg *c = *cfg_p;
    free(c->path);
    free(c->dir);
    free(c->endpoint);
    free(c->data_dir);
    free(c->signing_key);
    free(c->default_inspection);
    free(c->key_file);
    free(c->socket_group);
    free(c->client_keys_dir);
    free(c->client_server_key);
    free(c->timezone);
    s_free_named(c->sources, c->n_sources);
    s_free_named(c->units, c->n_units);
    for (size_t i = 0; c->users && i < c->n_users; i++) {
        free(c->users[i].name);
        free(c->users[i].display);
        free(c->users[i].public_key);
    }
    free(c->users);
    free(c->client_user);
    for (size_t i = 0; c->holidays && i < c->n_holidays; i++)
        free(c->holidays[i]);
    free(c->holidays);
    for (size_t i = 0; c->workdays && i < c->n_workdays; i++)
        free(c->workdays[i]);
    free(c->workdays);
    free(c->pub_endpoint);
    for (size_t i = 0; c->hooks && i < c->n_hooks; i++) {
        free(c->hooks[i].name);
        for (size_t k = 0; c->hooks[i].argv && k < c->hooks[i].argc; k++)
            free(c->hooks[i].argv[k]);
        free(c->hooks[i].argv);
    }
    free(c->hooks);
    free(c->ledger_reviewer);
    free(c);
    *cfg_p = NULL;
}

/* ---- lookups ------------------------------------------------------------ */

/* The user whose name is exactly name; NULL if none (or name is NULL). */
const rect_user *cfg_user(const rect_cfg *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->n_users; i++)
        if (strcmp(cfg->users[i].name, name) == 0)
            return &cfg->users[i];
    return NULL;
}

/* The user named name_or_display, by name first, then by display name.
 * cfg_load guarantees at most one user matches either way. */
const rect_user *cfg_user_find(const rect_cfg *cfg, const char *name_or_display)
{
    const rect_user *u = cfg_user(cfg, name_or_display);
    for (size_t i = 0; !u && cfg && name_or_display && i < cfg->n_users; i++)
        if (strcmp(cfg->users[i].display, name_or_display) == 0)
            u = &cfg->users[i];
    return u;
}

/* The user whose public_key is public_z85; NULL if none. */
const rect_user *cfg_user_by_key(const rect_cfg *cfg, const char *public_z85)
{
    for (size_t i = 0; cfg && public_z85 && i < cfg->n_users; i++)
        if (cfg->users[i].public_key && strcmp(cfg->users[i].public_key, public_z85) == 0)
            return &cfg->users[i];
    return NULL;
}

static int s_same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int s_same_hooks(const rect_cfg *a, const rect_cfg *b)
{
    if (a->n_hooks != b->n_hooks)
        return 0;
    for (size_t i = 0; i < a->n_hooks; i++) {
        const rect_hook *x = &a->hooks[i], *y = &b->hooks[i];
        if (!s_same(x->name, y->name) || x->argc != y->argc || x->timeout_s != y->timeout_s ||
            x->retries != y->retries)
            return 0;
        for (size_t k = 0; k < x->argc; k++)
            if (!s_same(x->argv[k], y->argv[k]))
                return 0;
    }
    return 1;
}

const char *cfg_restart_only_change(const rect_cfg *old, const rect_cfg *fresh)
{
    if (!s_same(old->endpoint, fresh->endpoint))
        return "daemon.endpoint";
    if (!s_same(old->data_dir, fresh->data_dir))
        return "daemon.data_dir";
    if (old->map_size_mb != fresh->map_size_mb)
        return "daemon.map_size_mb";
    if (old->max_request_kb != fresh->max_request_kb || old->max_attachment_mb != fresh->max_attachment_mb)
        return "daemon.max_request_kb / max_attachment_mb";
    if (old->read_threads != fresh->read_threads)
        return "daemon.read_threads";
    if (old->max_peers != fresh->max_peers || old->fd_reserve != fresh->fd_reserve ||
        old->peer_queue != fresh->peer_queue)
        return "daemon.max_peers / fd_reserve / peer_queue";
    if (!s_same(old->key_file, fresh->key_file) || old->demo_keys != fresh->demo_keys)
        return "daemon.key_file / demo_keys";
    if (!s_same(old->signing_key, fresh->signing_key))
        return "daemon.signing_key";
    if (!s_same(old->socket_group, fresh->socket_group) || old->socket_mode != fresh->socket_mode)
        return "daemon.socket_group / socket_mode";
    if (!s_same(old->timezone, fresh->timezone))
        return "calendar.timezone";
    if (!s_same(old->pub_endpoint, fresh->pub_endpoint))
        return "notify.pub_endpoint";
    if (!s_same_hooks(old, fresh))
        return "notify.hooks";
    return NULL;
}

static const rect_named *s_named_find(const rect_named *v, size_t n, const char *key)
{
    if (!key)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, key) == 0)
            return &v[i];
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, key) == 0)
            return &v[i];
    return NULL;
}

/* The unit whose id, else whose name, is id_or_name; NULL if none. */
const rect_named *cfg_unit_find(const rect_cfg *cfg, const char *id_or_name)
{
    return cfg ? s_named_find(cfg->units, cfg->n_units, id_or_name) : NULL;
}

/* The source whose id, else whose name, is id_or_name; NULL if none. */
const rect_named *cfg_source_find(const rect_cfg *cfg, const char *id_or_name)
{
    return cfg ? s_named_find(cfg->sources, cfg->n_sources, id_or_name) : NULL;
}

/*
 * <folder of the running executable>/rel into buf: 0 if that path exists,
 * -1 if it does not or cannot be made.
 */
int cfg_beside_exe(const char *rel, char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    int w = snprintf(buf, len, "%s/%s", exe, rel);
    return w > 0 && (size_t)w < len && access(buf, F_OK) == 0 ? 0 : -1;
}

/*
 * Default config path when -c is not given: $RECTD_CONFIG if set and
 * non-empty, else <folder of the running executable>/config/rectd.conf if
 * that file exists, else /etc/rectd/rectd.conf. Returns a static buffer that
 * the next call overwrites.
 */
const char *cfg_default_path(void)
{
    static char buf[PATH_MAX];
    const char *env = getenv("RECTD_CONFIG");
    if (env && *env && strlen(env) < sizeof buf) {
        memcpy(buf, env, strlen(env) + 1);
        return buf;
    }
    if (cfg_beside_exe("config/rectd.conf", buf, sizeof buf) == 0)
        return buf;
    memcpy(buf, CFG_SYSTEM_PATH, sizeof CFG_SYSTEM_PATH);
    return buf;
}

/* ---- rectctl's own config ------------------------------------------------ */

#define CFG_CLIENT_SYSTEM_PATH "/etc/rectd/rectctl.conf"

static const char *const s_client_conf_keys[] = {"endpoint", "server_key", "user",    "key_file",
                                                 "keys_dir", "timeout_ms", "retries", NULL};

/* A copy of s, or NULL for NULL; -1 when out of memory. */
static int s_dup_opt(const char *s, char **out)
{
    *out = s ? strdup(s) : NULL;
    return s && !*out ? -1 : 0;
}

/* A rectd.conf named as rectctl's config: validated whole, as rectd would,
 * and read for daemon.endpoint, the client group, and rectd's public key
 * beside daemon.key_file when client.server_key is unset. */
static int s_client_from_daemon(cfg_loader *x, rect_client_cfg *cc)
{
    rect_cfg *full = NULL;
    if (cfg_load(x->path, &full, x->err, x->errlen) != 0)
        return -1;
    char pub[PATH_MAX];
    const char *server = full->client_server_key;
    if (!server && full->key_file) {
        keys_base(full->key_file, pub, sizeof pub - 4);
        strcat(pub, ".pub");
        server = pub;
    }
    cc->daemon_config = 1;
    cc->timeout_ms = full->client_timeout_ms;
    cc->retries = full->client_retries;
    int rc = s_dup_opt(full->endpoint, &cc->endpoint) | s_dup_opt(server, &cc->server_key) |
             s_dup_opt(full->client_keys_dir, &cc->keys_dir) | s_dup_opt(full->client_user, &cc->user);
    cfg_destroy(&full);
    return rc ? s_nomem(x) : 0;
}

/* The client group of a rectctl.conf into cc (x->cfg holds its path and dir). */
static int s_client_conf(cfg_loader *x, config_setting_t *root, rect_client_cfg *cc)
{
    int n = config_setting_length(root);
    for (int i = 0; i < n; i++) {
        const config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(m);
        if (name && strcmp(name, "client") != 0)
            return s_fail(x, m,
                          "\"%s\" is not a rectctl setting: rectctl.conf holds one group, "
                          "client = { endpoint = ...; server_key = ...; ... }; users, units "
                          "and sources come from rectd itself",
                          name);
    }
    config_setting_t *g;
    const config_setting_t *at;
    const char *v;
    char got[64];
    if (s_group(x, root, "client", &g, s_client_conf_keys) < 0)
        return -1;
    if (!g)
        return s_fail(x, NULL,
                      "no client group: rectctl.conf needs client = { endpoint = \"...\"; "
                      "server_key = \"...\"; }; (see config/rectctl.conf)");
    if (!config_setting_get_member(g, "endpoint"))
        return s_fail(x, g,
                      "client.endpoint is required: where rectd listens, its daemon.endpoint "
                      "(e.g. endpoint = \"ipc:///run/rectd/rectd.sock\";)");
    if (!config_setting_get_member(g, "server_key"))
        return s_fail(x, g,
                      "client.server_key is required: rectd's public key, the path of its "
                      "rectd.pub or the 40 characters \"rectd keygen\" printed");
    if (s_string(x, g, "client", "endpoint", 1, NULL, &v, &at) < 0 ||
        s_endpoint(x, at, "client.endpoint", v, &cc->endpoint) < 0)
        return -1;
    if (s_string(x, g, "client", "server_key", 1, NULL, &v, &at) < 0 || s_dup(x, v, &cc->server_key) < 0)
        return -1;
    if (s_string(x, g, "client", "user", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !s_valid_id(v))
        return s_fail(x, at,
                      "client.user must be a user name (A-Z a-z 0-9 _ . -, as in rectd's users), "
                      "not a display name (got %s)",
                      s_got(at, got, sizeof got));
    if (v && s_dup(x, v, &cc->user) < 0)
        return -1;
    if (s_string(x, g, "client", "keys_dir", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !(cc->keys_dir = s_resolve(x->cfg->dir, v)))
        return s_nomem(x);
    if (s_string(x, g, "client", "key_file", 0, NULL, &v, &at) < 0)
        return -1;
    if (v && !(cc->key_file = s_resolve(x->cfg->dir, v)))
        return s_nomem(x);
    long long t = 0, r = 0;
    for (size_t i = 0; i < sizeof s_ints / sizeof s_ints[0]; i++) {
        const cfg_int_spec *spec = &s_ints[i];
        if (strcmp(spec->group, "client") != 0)
            continue;
        long long *dst = strcmp(spec->key, "timeout_ms") == 0 ? &t : &r;
        if (s_int(x, g, "client", spec->key, spec->min, spec->max, spec->def, dst) < 0)
            return -1;
    }
    cc->timeout_ms = (uint32_t)t;
    cc->retries = (uint32_t)r;
    return 0;
}

int cfg_load_client(const char *path, rect_client_cfg **out, char *err, size_t errlen)
{
    cfg_loader x = {.path = path ? path : "(null)", .err = err, .errlen = errlen};
    rect_client_cfg *cc = NULL;
    if (out)
        *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (!path || !out)
        return s_fail(&x, NULL, "no config file given");
    if (!(x.cfg = calloc(1, sizeof *x.cfg)) || !(cc = calloc(1, sizeof *cc))) {
        free(x.cfg);
        return s_nomem(&x);
    }
    config_init(&x.lc);
    int rc = -1;
    if (s_readable(&x) < 0 || s_locate(&x) < 0 || s_read(&x) < 0)
        goto done;
    cc->path = x.cfg->path, x.cfg->path = NULL;
    cc->dir = x.cfg->dir, x.cfg->dir = NULL;
    /* the daemon's config stays readable for what endpoint and cc->dir need */
    x.cfg->dir = strdup(cc->dir);
    if (!x.cfg->dir) {
        s_nomem(&x);
        goto done;
    }
    config_setting_t *root = config_root_setting(&x.lc);
    if (config_setting_get_member(root, "daemon") ? s_client_from_daemon(&x, cc) < 0
                                                  : s_client_conf(&x, root, cc) < 0)
        goto done;
    *out = cc;
    cc = NULL;
    rc = 0;
done:
    config_destroy(&x.lc);
    free(x.shown_dir);
    cfg_destroy(&x.cfg);
    cfg_client_destroy(&cc);
    return rc;
}

void cfg_client_destroy(rect_client_cfg **p)
{
    if (!p || !*p)
        return;
    rect_client_cfg *c = *p;
    free(c->path);
    free(c->dir);
    free(c->endpoint);
    free(c->server_key);
    free(c->key_file);
    free(c->keys_dir);
    free(c->user);
    free(c);
    *p = NULL;
}

/* 1 if path names an existing file (not a folder). */
static int s_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

int cfg_client_default_path(char *buf, size_t len)
{
    const char *envs[] = {"RECTCTL_CONFIG", "RECTD_CONFIG"};
    for (size_t i = 0; i < 2; i++) {
        const char *env = getenv(envs[i]);
        if (env && *env) {
            int n = snprintf(buf, len, "%s", env);
            return n > 0 && (size_t)n < len ? 0 : -1;
        }
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        int n = snprintf(buf, len, "%s/.config/rectd/rectctl.conf", home);
        if (n > 0 && (size_t)n < len && s_is_file(buf))
            return 0;
    }
    if (s_is_file(CFG_CLIENT_SYSTEM_PATH)) {
        snprintf(buf, len, "%s", CFG_CLIENT_SYSTEM_PATH);
        return 0;
    }
    if (cfg_beside_exe("config/rectctl.conf", buf, len) == 0 && s_is_file(buf))
        return 0;
    snprintf(buf, len, "$RECTCTL_CONFIG, ~/.config/rectd/rectctl.conf, %s", CFG_CLIENT_SYSTEM_PATH);
    return -1;
}
