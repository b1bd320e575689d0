/*
 * records.c - fed-back counts where problems not claimed are recorded, and
 * the text search of `list --grep` (see records.h).
 */
#include "records.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "rect_proto.h"

long records_declined_of(const json_t *declined, const char *source)
{
    size_t i;
    json_t *d;
    long n = 0;
    json_array_foreach((json_t *)declined, i, d) {
        const char *s = json_string_value(json_object_get(d, "source"));
        n += s && source && strcmp(s, source) == 0;
    }
    return n;
}

int records_fed_back(json_t *obj, const json_t *stated, long claimed, long declined)
{
    if (declined <= 0)
        return 0;
    long derived = records_fed_back_count(stated, claimed, declined);
    int mismatch = json_is_integer(stated) && json_integer_value(stated) != derived;
    if (json_object_set_new(obj, "declined", json_integer(declined)) ||
        json_object_set_new(obj, "fed_back_derived", json_integer(derived)) ||
        json_object_set_new(obj, "fed_back_mismatch", json_boolean(mismatch)))
        return RECT_E_NOMEM;
    return 0;
}

long records_fed_back_count(const json_t *stated, long claimed, long declined)
{
    if (declined > 0)
        return claimed + declined;
    return json_is_integer(stated) ? (long)json_integer_value(stated) : -1;
}

int records_fold(const char *text, char **out)
{
    *out = NULL;
    if (!text)
        return 0;
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, 0, &nfc,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return n == UTF8PROC_ERROR_NOMEM ? RECT_E_NOMEM : RECT_E_BAD_UTF8;
    for (utf8proc_ssize_t i = 0; i < n; i++)
        if (nfc[i] >= 'A' && nfc[i] <= 'Z')
            nfc[i] = (utf8proc_uint8_t)(nfc[i] - 'A' + 'a');
    *out = (char *)nfc;
    return 0;
}

int records_grep_match(const json_t *item, const char *folded_pattern)
{
    static const char *const fields[] = {"ref", "title", "description", "measures"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *f;
        int rc = records_fold(json_string_value(json_object_get(item, fields[i])), &f);
        if (rc == RECT_E_NOMEM)
            return rc;
        int hit = f && strstr(f, folded_pattern) != NULL;
        free(f);
        if (hit)
            return 1;
    }
    return 0;
}
