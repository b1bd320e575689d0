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

#include "dispatch.h"
#include "rect_cfg.h"

static rect_cfg *s_cfg;
static store *s_st;
static char s_dir[4096];

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
    dispatch_run(s_cfg, s_st, &r, 1);
    if (!r.reply || r.reply_len == 0 || r.reply[0] != '{')
        abort(); /* every request gets a JSON reply */
    free(r.reply);
    free(r.reply_data);
    return 0;
}
