/*
 * fuzz_request.c - libFuzzer: arbitrary bytes as a request frame, through
 * validation and, when valid, the handlers, against a real LMDB store.
 * Input: the request frame; bytes after a 0x00 byte become one attachment.
 * The store lives in a folder under $TMPDIR (tests/fuzz/run gives each
 * harness one in the build folder), removed at exit. Run with `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "dispatch.h"
#include "rect_cfg.h"

static rect_cfg *s_cfg;
static store *s_st;
static char s_dir[4096];

/*
 * Every user a CURVE key of their own (the sample config's demo keys are
 * made only by a running rectd), so that requests pass the key check and
 * reach the handlers: the fuzzer acts as the request's "user".
 */
static void s_give_keys(void)
{
    for (size_t i = 0; i < s_cfg->n_users; i++) {
        if (s_cfg->users[i].public_key)
            continue;
        char key[64];
        snprintf(key, sizeof key, "fuzzkey%033zu", i); /* 40 characters, like a Z85 key */
        s_cfg->users[i].public_key = strdup(key);
    }
}

/*
 * The connection of the request's user (its "user" when it names one), else
 * the first user's. Returns 0, or -1 for a backup: it writes folders where
 * its path says, so the fuzzer does not send it.
 */
static int s_peer_of(const char *req, size_t len, auth_peer *peer)
{
    json_t *j = json_loadb(req, len, 0, NULL);
    const char *cmd = json_string_value(json_object_get(j, "cmd"));
    if (cmd && strcmp(cmd, "backup") == 0) {
        json_decref(j);
        return -1;
    }
    const rect_user *u = cfg_user(s_cfg, json_string_value(json_object_get(j, "user")));
    const char *key = u && u->public_key ? u->public_key : s_cfg->users[0].public_key;
    snprintf(peer->key, sizeof peer->key, "%s", key ? key : "");
    peer->uid = peer->pid = -1;
    json_decref(j);
    return 0;
}

/* The store's files go with the run (LMDB's map is sparse, but it adds up). */
static void s_cleanup(void)
{
    char path[4200];
    store_close(&s_st);
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", s_dir, i ? "lock.mdb" : "data.mdb");
        unlink(path);
    }
    rmdir(s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512] = "";
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/rectd-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (cfg_load("config/rectd.conf", &s_cfg, err, sizeof err) != 0 || !mkdtemp(s_dir) ||
        store_open(s_dir, 256, &s_st, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        abort();
    }
    atexit(s_cleanup);
    s_give_keys();
    /* A few items for the handlers to find. */
    static const char *seed[] = {
        "{\"v\":1,\"cmd\":\"add\",\"user\":\"wangyan\",\"client\":\"f\",\"seq\":1,\"args\":{\"ref\":\"GJ-01\",\"source\":\"national\",\"kind\":\"immediate\",\"title\":\"t\",\"owner\":\"liming\",\"unit\":\"cun1\",\"leader\":\"zhanghua\",\"deadline\":\"2026-12-31\"}}",
        "{\"v\":1,\"cmd\":\"start\",\"user\":\"liming\",\"client\":\"f\",\"seq\":2,\"args\":{\"item\":1}}",
    };
    for (size_t i = 0; i < 2; i++) {
        dispatch_req r;
        memset(&r, 0, sizeof r);
        r.req = seed[i];
        r.req_len = strlen(seed[i]);
        s_peer_of(r.req, r.req_len, &r.peer);
        dispatch_run(s_cfg, s_st, &r, 1);
        free(r.reply);
        free(r.reply_data);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dispatch_req r;
    memset(&r, 0, sizeof r);
    const uint8_t *nul = memchr(data, 0, size);
    r.req = (const char *)data;
    r.req_len = nul ? (size_t)(nul - data) : size;
    if (nul) {
        r.files[0].data = nul + 1;
        r.files[0].len = size - r.req_len - 1;
        r.n_files = 1;
    }
    if (s_peer_of(r.req, r.req_len, &r.peer) != 0)
        return 0;
    dispatch_run(s_cfg, s_st, &r, 1);
    if (!r.reply || r.reply_len == 0 || r.reply[0] != '{')
        abort(); /* every request gets a JSON reply */
    free(r.reply);
    free(r.reply_data);
    return 0;
}
