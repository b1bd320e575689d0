/*
 * fuzz_config.c - libFuzzer: arbitrary bytes as a config file, through
 * both loaders of common/cfg.c (rectd's cfg_load and rectctl's
 * cfg_load_client). Each must give a config or a refusal with a message,
 * never crash, hang or leak. libconfig reads files, so each input is
 * written to one file in a private folder ($TMPDIR, removed at exit).
 * Inputs with "@include" are skipped: an include names any file of the
 * machine (/dev/zero, a fifo), which is the operator's choice, not input.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rect_cfg.h"

static char s_dir[4096], s_path[4200];

static void s_cleanup(void)
{
    unlink(s_path);
    rmdir(s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/rectd-fuzz-cfg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s_dir)) {
        perror("fuzz setup: mkdtemp");
        abort();
    }
    snprintf(s_path, sizeof s_path, "%s/f.conf", s_dir);
    atexit(s_cleanup);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, "@include", 8))
        return 0;
    FILE *f = fopen(s_path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        abort();
    char err[1024];
    rect_cfg *cfg = (rect_cfg *)1;
    int rc = cfg_load(s_path, &cfg, err, sizeof err);
    if (rc == 0 ? !cfg : (cfg || !err[0]))
        abort(); /* a config, or NULL and a message */
    cfg_destroy(&cfg);
    rect_client_cfg *cc = (rect_client_cfg *)1;
    rc = cfg_load_client(s_path, &cc, err, sizeof err);
    if (rc == 0 ? !cc : (cc || !err[0]))
        abort();
    cfg_client_destroy(&cc);
    return 0;
}
