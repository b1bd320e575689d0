/*
 * fuzz_web.c - libFuzzer: arbitrary bytes through rectweb's own request
 * parsing (rectweb/parse.c) and HTML escaping (rectweb/buf.c), with the
 * promises web.h makes checked on every input:
 *   - web_cookie never writes past its buffer and finds only whole names;
 *   - web_item_path / web_blob_path accept only /item/ID[/a-z._] and
 *     /blob/ID/64-hex, with IDs 1 .. 2^53;
 *   - web_safe_name gives a non-empty name without / \ " ; % or control
 *     characters, not starting with a dot, at most 120 bytes;
 *   - wb_esc leaves no < > " ' and no bare & in what it writes.
 * Input: the bytes as a C string (cut at the first 0x00); the part after a
 * 0x00, if any, is the cookie name. Run with `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t first = strlen(s);
    const char *name = first < size ? s + first + 1 : "rw_s";

    char out[64];
    memset(out, 'Z', sizeof out);
    if (web_cookie(s, name, out, 48)) {
        if (strlen(out) >= 48)
            abort();
    }
    if (out[48] != 'Z' && out[48] != '\0')
        abort();

    uint64_t id = 0;
    char action[32];
    if (web_item_path(s, &id, action, sizeof action)) {
        if (id < 1 || id > (UINT64_C(1) << 53) || strncmp(s, "/item/", 6) != 0)
            abort();
        for (const char *p = action; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == '.'))
                abort();
    }
    char sha[65];
    if (web_blob_path(s, &id, sha)) {
        if (id < 1 || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
            abort();
    }

    char safe[128];
    web_safe_name(s, safe, sizeof safe);
    size_t n = strlen(safe);
    if (n == 0 || n > 120 || safe[0] == '.' || strpbrk(safe, "/\\\";%"))
        abort();
    for (const char *p = safe; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    (void)web_name_ok(s);

    wbuf b = {0};
    wb_esc(&b, s);
    if (b.data) {
        if (strpbrk(b.data, "<>\"'"))
            abort();
        for (const char *p = b.data; (p = strchr(p, '&')); p++)
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
                strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5))
                abort();
    }
    wb_free(&b);
    free(s);
    return 0;
}
