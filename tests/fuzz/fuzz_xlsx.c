/*
 * fuzz_xlsx.c - libFuzzer: the plan reader's .xlsx side (common/plan.c) and
 * import on top of it. plan_read and imp_parse_ex must return rows or a
 * refusal with a message, never crash, hang or leak.
 *
 * Random bytes seldom get past the zip layer, so the first byte picks:
 *   even: the rest is the file itself (zip parsing, seeds: real .xlsx files);
 *   odd:  the rest is the XML of a workbook's parts, separated by NUL bytes
 *         (sheet1.xml, sharedStrings.xml, styles.xml, workbook.xml), packed
 *         here into a valid zip (stored, with its relationships), so that
 *         mutations reach expat and the sheet's cells, strings, styles,
 *         merges and dates.
 *
 *   clang -fsanitize=fuzzer,address,undefined ... tests/fuzz/fuzz_xlsx.c
 *   (as the Makefile's fuzz target builds fuzz_import; seeds in
 *   tests/fuzz/corpus-xlsx)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "import.h"
#include "rect_cfg.h"
#include "rect_plan.h"
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

static const char s_rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/></Relationships>";
static const char s_book[] =
    "<workbook xmlns:r=\"r\"><sheets><sheet name=\"s\" r:id=\"rId1\"/></sheets></workbook>";

/* A stored zip of the parts in data (NUL-separated); malloc'd, or NULL. */
static char *s_pack(const uint8_t *data, size_t size, size_t *out_len)
{
    static const char *const names[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                                        "xl/workbook.xml"};
    const char *part[4] = {NULL, NULL, NULL, s_book};
    size_t plen[4] = {0, 0, 0, sizeof s_book - 1};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 4 && p <= end; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        const char *stop = nul ? nul : end;
        part[i] = p;
        plen[i] = (size_t)(stop - p);
        p = stop + 1;
        if (!nul)
            break;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src)
        return NULL;
    zip_source_keep(src);
    zip_t *za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    char *buf = NULL;
    if (!za)
        goto done;
    for (int i = 0; i < 4; i++) {
        if (!part[i])
            continue;
        zip_source_t *e = zip_source_buffer(za, part[i], plen[i], 0);
        zip_int64_t idx = e ? zip_file_add(za, names[i], e, ZIP_FL_OVERWRITE) : -1;
        if (idx < 0) {
            zip_source_free(e);
            zip_discard(za);
            goto done;
        }
        zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    zip_source_t *r = zip_source_buffer(za, s_rels, sizeof s_rels - 1, 0);
    if (!r || zip_file_add(za, "xl/_rels/workbook.xml.rels", r, 0) < 0) {
        zip_source_free(r);
        zip_discard(za);
        goto done;
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        goto done;
    }
    if (zip_source_open(src) != 0)
        goto done;
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t n = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    if (n > 0 && (buf = malloc((size_t)n)) && zip_source_read(src, buf, (zip_uint64_t)n) != n) {
        free(buf);
        buf = NULL;
    }
    *out_len = n > 0 ? (size_t)n : 0;
    zip_source_close(src);
done:
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *file = NULL;
    const char *bytes = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 1) {
        if (!(file = s_pack(data + 1, size - 1, &len)))
            return 0;
        bytes = file;
    }
    plan_sheet *sh = NULL;
    char err[PLAN_ERRLEN];
    int rc = plan_read(bytes, len, PLAN_ENC_AUTO, &sh, err, sizeof err);
    if ((rc == 0) != (sh != NULL) || (rc != 0 && !err[0]))
        abort();
    for (size_t i = 0; sh && i < sh->n; i++)
        for (size_t c = 0; c < sh->rows[i].n; c++)
            if (!sh->rows[i].cell[c])
                abort();
    plan_sheet_destroy(&sh);

    imp_plan *plan = NULL;
    imp_problems probs;
    char ierr[IMP_ERRLEN];
    rc = imp_parse_ex(bytes, len, PLAN_ENC_AUTO, s_cfg, &plan, &probs, ierr, sizeof ierr);
    if (rc == 0 && (!plan || plan->n == 0 || probs.total))
        abort();
    if (rc == RECT_E_BAD_IMPORT && (plan || !ierr[0] || !probs.total || probs.n > IMP_MAX_PROBLEMS))
        abort();
    imp_problems_free(&probs);
    imp_plan_destroy(&plan);
    free(file);
    return 0;
}
