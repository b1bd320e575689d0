/*
 * cfg_json.c - the config in force as JSON (cfg_json.h).
 */
#include "cfg_json.h"

#include <stdio.h>
#include <string.h>

#include "rect_proto.h"

/* An array of the strings v[0..n), NULL when out of memory. */
static json_t *s_strings(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* The names of a table of n names. */
static json_t *s_names(const char *const *names, size_t n)
{
    return s_strings((char *const *)names, n);
}

static json_t *s_roles(unsigned mask)
{
    json_t *a = json_array();
    for (int i = 0; a && i < RECT_ROLE_COUNT; i++)
        if ((mask & (1u << i)) && json_array_append_new(a, json_string(rect_role_names[i]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* units (with_level 0) or sources (with their level) as {"id", "name"[, "level"]}. */
static json_t *s_named(const rect_named *v, size_t n, int with_level)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, with_level
                                         ? json_pack("{ssssss}", "id", v[i].id, "name", v[i].name, "level",
                                                     v[i].level >= 0 && v[i].level < RECT_LEVEL_COUNT
                                                         ? rect_level_names[v[i].level]
                                                         : "other")
                                         : json_pack("{ssss}", "id", v[i].id, "name", v[i].name))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* users: name, display, roles, and with_keys their public_key (or null). */
static json_t *s_users(const rect_cfg *cfg, int with_keys)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < cfg->n_users; i++) {
        const rect_user *u = &cfg->users[i];
        json_t *o =
            json_pack("{sssssoso?}", "name", u->name, "display", u->display, "roles", s_roles(u->roles),
                      "public_key", with_keys && u->public_key ? json_string(u->public_key) : NULL);
        if (o && !with_keys)
            json_object_del(o, "public_key");
        if (json_array_append_new(a, o)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *s_hooks(const rect_cfg *cfg)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < cfg->n_hooks; i++) {
        const rect_hook *h = &cfg->hooks[i];
        if (json_array_append_new(
                a, json_pack("{ssso sIsI}", "name", h->name, "command", s_strings(h->argv, h->argc),
                             "timeout_s", (json_int_t)h->timeout_s, "retries", (json_int_t)h->retries))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *cfg_json_effective(const rect_cfg *cfg, const char *server_public_key)
{
    char mode[8], at[8];
    snprintf(mode, sizeof mode, "0%o", (unsigned)cfg->socket_mode);
    snprintf(at, sizeof at, "%02d:%02d", cfg->notify_hour, cfg->notify_minute);
    json_t *daemon = json_pack(
        "{ss ss ss? ss? sb ss? ss ss sI sI sI sI sI ss sI sI sI sI sI sI sI}", "endpoint", cfg->endpoint,
        "data_dir", cfg->data_dir, "key_file", cfg->key_file, "public_key",
        server_public_key && *server_public_key ? server_public_key : NULL, "demo_keys", cfg->demo_keys,
        "socket_group", cfg->socket_group, "socket_mode", mode, "signing_key", cfg->signing_key,
        "map_size_mb", (json_int_t)cfg->map_size_mb, "max_request_kb", (json_int_t)cfg->max_request_kb,
        "max_attachment_mb", (json_int_t)cfg->max_attachment_mb, "reply_cache", (json_int_t)cfg->reply_cache,
        "read_threads", (json_int_t)cfg->read_threads, "default_inspection", cfg->default_inspection,
        "max_peers", (json_int_t)cfg->max_peers, "fd_reserve", (json_int_t)cfg->fd_reserve, "peer_queue",
        (json_int_t)cfg->peer_queue, "max_inflight_per_peer", (json_int_t)cfg->max_inflight_per_peer,
        "max_running_per_peer", (json_int_t)cfg->max_running_per_peer, "max_inflight",
        (json_int_t)cfg->max_inflight, "max_inflight_mb", (json_int_t)cfg->max_inflight_mb);
    json_t *calendar =
        json_pack("{ss sI sI sb so so}", "timezone", cfg->timezone, "due_soon_days",
                  (json_int_t)cfg->due_soon_days, "close_within_days", (json_int_t)cfg->close_within_days,
                  "working_days", cfg->working_days, "holidays", s_strings(cfg->holidays, cfg->n_holidays),
                  "workdays", s_strings(cfg->workdays, cfg->n_workdays));
    json_t *notify = json_pack("{ss ss? sI sb so}", "at", at, "pub_endpoint", cfg->pub_endpoint,
                               "escalate_after_days", (json_int_t)cfg->escalate_after_days, "immediate",
                               cfg->notify_immediate, "hooks", s_hooks(cfg));
    json_t *client =
        json_pack("{ss? ss? ss? sI sI}", "user", cfg->client_user, "keys_dir", cfg->client_keys_dir,
                  "server_key", cfg->client_server_key, "timeout_ms", (json_int_t)cfg->client_timeout_ms,
                  "retries", (json_int_t)cfg->client_retries);
    return json_pack("{ss ss so so so s{sI} s{sbss} s{ss?} so so so so}", "path", cfg->path, "dir", cfg->dir,
                     "daemon", daemon, "calendar", calendar, "notify", notify, "consolidation",
                     "interval_days", (json_int_t)cfg->review_interval_days, "workflow", "distinct_closer",
                     cfg->distinct_closer, "close_by",
                     cfg->close_by_any_leader ? "any_leader" : "item_leader", "ledger", "reviewer",
                     cfg->ledger_reviewer, "sources", s_named(cfg->sources, cfg->n_sources, 1), "units",
                     s_named(cfg->units, cfg->n_units, 0), "users", s_users(cfg, 1), "client", client);
}

json_t *cfg_json_directory(const rect_cfg *cfg)
{
    return json_pack(
        "{so so so so so so ss ss? ss s{sIsI}}", "users", s_users(cfg, 0), "units",
        s_named(cfg->units, cfg->n_units, 0), "sources", s_named(cfg->sources, cfg->n_sources, 1), "roles",
        s_names(rect_role_names, RECT_ROLE_COUNT), "kinds", s_names(rect_kind_names, RECT_KIND_COUNT),
        "states", s_names(rect_state_names, RECT_ST_COUNT), "timezone", cfg->timezone, "reviewer",
        cfg->ledger_reviewer, "default_inspection", cfg->default_inspection, "limits", "max_request_kb",
        (json_int_t)cfg->max_request_kb, "max_attachment_mb", (json_int_t)cfg->max_attachment_mb);
}

/* One value under the dotted name key (key is NUL-terminated in a buffer of len bytes). */
static int s_print_flat(FILE *out, char *key, size_t len, const json_t *v)
{
    size_t n = strlen(key);
    if (json_is_object(v)) {
        const char *k;
        const json_t *sub;
        json_object_foreach((json_t *)v, k, sub) {
            if (snprintf(key + n, len - n, "%s%s", n ? "." : "", k) >= (int)(len - n))
                return -1;
            if (s_print_flat(out, key, len, sub) != 0)
                return -1;
            key[n] = '\0';
        }
        return 0;
    }
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        int scalars = 1;
        json_array_foreach(v, i, e)
            scalars &= !json_is_object(e) && !json_is_array(e);
        if (scalars) {
            fprintf(out, "%s = [", key);
            json_array_foreach(v, i, e) {
                fputs(i ? ", " : "", out);
                if (json_is_string(e))
                    fprintf(out, "\"%s\"", json_string_value(e));
                else
                    s_print_flat(out, NULL, 0, e);
            }
            fputs("]\n", out);
            return 0;
        }
        json_array_foreach(v, i, e) {
            if (snprintf(key + n, len - n, "[%zu]", i) >= (int)(len - n))
                return -1;
            if (s_print_flat(out, key, len, e) != 0)
                return -1;
            key[n] = '\0';
        }
        return 0;
    }
    if (key)
        fprintf(out, "%s = ", key);
    if (json_is_string(v))
        fprintf(out, "\"%s\"", json_string_value(v));
    else if (json_is_integer(v))
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        fprintf(out, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "true" : "false", out);
    else
        fputs("(not set)", out);
    if (key)
        fputc('\n', out);
    return 0;
}

int cfg_json_print_text(FILE *out, const json_t *effective)
{
    char key[512] = "";
    return effective ? s_print_flat(out, key, sizeof key, effective) : -1;
}
