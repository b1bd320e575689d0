/*
 * fuzz_import.c - libFuzzer: arbitrary bytes as a CSV plan. imp_parse must
 * return a plan or a refusal with a message, never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "import.h"
#include "rect_cfg.h"
#include "rect_proto.h"

static rect_cfg *s_cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[512];
    if (cfg_load("config/rectd.conf", &s_cfg, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz setup: %s\n", err);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    imp_plan *plan = NULL;
    char err[IMP_ERRLEN];
    int rc = imp_parse((const char *)data, size, s_cfg, &plan, err, sizeof err);
    if (rc == 0 && (!plan || plan->n == 0))
        abort();
    if (rc != 0 && (plan || !err[0]))
        abort();
    imp_plan_destroy(&plan);
    return 0;
}
