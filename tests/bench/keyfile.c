/*
 * keyfile.c - rectd's key files (docs/PROTOCOL.md, "Key files"), for make
 * bench and its one-request client (which links nothing else but libzmq).
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

int bench_key_field(const char *path, const char *name, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t nl = strlen(name);
    int rc = -1;
    if (!f)
        return -1;
    while (rc && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || strncmp(line, name, nl) != 0 || line[nl] != ':')
            continue;
        char *v = line + nl + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        if (strlen(v) < cap) {
            strcpy(out, v);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}
