/*
 * parse.c - rectweb's own parsing of request bits (web.h): cookies, item
 * and blob paths, safe file names. Pure functions with bounded output, so
 * that tests/fuzz/fuzz_web.c can drive them with anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int web_cookie(const char *header, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    if (!header || !len)
        return 0;
    out[0] = '\0';
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *eq = p;
        while (*eq && *eq != '=' && *eq != ';')
            eq++;
        const char *end = eq;
        while (*end && *end != ';')
            end++;
        if (*eq == '=' && (size_t)(eq - p) == nl && strncmp(p, name, nl) == 0) {
            size_t vl = (size_t)(end - eq - 1);
            if (vl >= len)
                vl = len - 1;
            memcpy(out, eq + 1, vl);
            out[vl] = '\0';
            return 1;
        }
        p = end;
    }
    return 0;
}

/* A decimal id 1..2^53 at *s (advanced past it); 0 if none. */
static uint64_t s_id(const char **s)
{
    uint64_t v = 0;
    const char *p = *s;
    if (*p < '1' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_C(1) << 53) / 10)
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (UINT64_C(1) << 53))
        return 0;
    *s = p;
    return v;
}

int web_item_path(const char *path, uint64_t *id, char *action, size_t len)
{
    static const char pre[] = "/item/";
    if (!path || strncmp(path, pre, sizeof pre - 1) != 0 || len < 2)
        return 0;
    const char *p = path + sizeof pre - 1;
    if (!(*id = s_id(&p)))
        return 0;
    action[0] = '\0';
    if (*p == '\0')
        return 1;
    if (*p != '/')
        return 0;
    p++;
    size_t n = strlen(p);
    if (n == 0 || n >= len)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_' || p[i] == '.'))
            return 0;
    memcpy(action, p, n + 1);
    return 1;
}

int web_blob_path(const char *path, uint64_t *id, char sha[65])
{
    static const char pre[] = "/blob/";
    if (!path || strncmp(path, pre, sizeof pre - 1) != 0)
        return 0;
    const char *p = path + sizeof pre - 1;
    if (!(*id = s_id(&p)) || *p++ != '/')
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    if (p[64] != '\0')
        return 0;
    memcpy(sha, p, 64);
    sha[64] = '\0';
    return 1;
}

void web_safe_name(const char *name, char *out, size_t len)
{
    const char *base = name ? name : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    while (*base == '.' || *base == ' ')
        base++;
    size_t max = len - 1 < 120 ? len - 1 : 120, n = 0;
    for (const char *p = base; *p && n < max; p++) {
        unsigned char ch = (unsigned char)*p;
        out[n++] = ch < 0x20 || ch == 0x7f || ch == '"' || ch == ';' || ch == '\\' || ch == '/' || ch == '%'
                       ? '_'
                       : (char)ch;
    }
    /* never cut a UTF-8 sequence in two */
    while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80) {
        size_t start = n - 1;
        while (start > 0 && ((unsigned char)out[start] & 0xC0) == 0x80)
            start--;
        unsigned char lead = (unsigned char)out[start];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (n - start == need)
            break;
        n = start;
    }
    if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
        n--;
    out[n] = '\0';
    if (n == 0)
        snprintf(out, len, "file");
}

int web_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}
