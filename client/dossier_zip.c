/*
 * dossier_zip.c - the case file as a zip (dossier.h): the page and every
 * file filed, a folder per item; what rectctl dossier --format zip and
 * rectweb's download both write (libzip).
 */
#include "dossier.h"

#include <stdio.h>
#include <string.h>
#include <zip.h>

#include "rect_proto.h"

static const char *s_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int dossier_safe_name(const char *name, char *out, size_t len)
{
    size_t n = 0;
    const char *p = name ? name : "";
    for (; *p && n + 1 < len; p++) {
        unsigned char ch = (unsigned char)*p;
        int bad = ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || (n == 0 && ch == '.');
        out[n++] = bad ? '_' : (char)ch;
    }
    out[n] = '\0';
    if (!n)
        snprintf(out, len, "file");
    return strcmp(out, name ? name : "") != 0;
}

int dossier_write_zip(const char *tmp, const dossier_doc *doc, const char *html_name, const char *html,
                      size_t html_len, char *errbuf, size_t errlen)
{
    int err = 0;
    zip_t *z = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        snprintf(errbuf, errlen, "%s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return -1;
    }
    zip_source_t *src = zip_source_buffer(z, html, html_len, 0);
    if (!src || zip_file_add(z, html_name, src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        goto fail;
    }
    size_t i, j, k, l;
    json_t *entry, *ev, *f, *g;
    json_array_foreach(json_object_get(doc->result, "items"), i, entry) {
        char ref[RECT_MAX_NAME + 16];
        dossier_safe_name(s_str(json_object_get(entry, "item"), "ref"), ref, sizeof ref);
        json_array_foreach(json_object_get(entry, "events"), j, ev) {
            json_t *files = json_object_get(ev, "files");
            json_array_foreach(files, k, f) {
                const dossier_blob *b = dossier_blob_of(doc, s_str(f, "sha256"));
                char safe[RECT_MAX_NAME + 16], other[RECT_MAX_NAME + 16], path[512];
                dossier_safe_name(s_str(f, "name"), safe, sizeof safe);
                int dup = 0;
                json_array_foreach(files, l, g) {
                    if (l >= k)
                        break;
                    dossier_safe_name(s_str(g, "name"), other, sizeof other);
                    dup += strcmp(other, safe) == 0;
                }
                long long seq = (long long)json_integer_value(json_object_get(ev, "seq"));
                if (dup)
                    snprintf(path, sizeof path, "%s/seq-%lld/%d-%s", ref, seq, dup + 1, safe);
                else
                    snprintf(path, sizeof path, "%s/seq-%lld/%s", ref, seq, safe);
                /* A name taken already (a file literally called "2-x" beside two made "x"): the next free
                 * number, so that no file ever replaces another in the zip. */
                for (int n = dup + 2; n < 1000000 && zip_name_locate(z, path, ZIP_FL_ENC_UTF_8) >= 0; n++)
                    snprintf(path, sizeof path, "%s/seq-%lld/%d-%s", ref, seq, n, safe);
                src = zip_source_buffer(z, b && b->data ? b->data : "", b && b->data ? b->len : 0, 0);
                if (!src || zip_file_add(z, path, src, ZIP_FL_ENC_UTF_8) < 0) {
                    zip_source_free(src);
                    goto fail;
                }
            }
        }
    }
    if (zip_close(z) != 0) {
        snprintf(errbuf, errlen, "%s", zip_strerror(z));
        zip_discard(z);
        return -1;
    }
    return 0;
fail:
    snprintf(errbuf, errlen, "%s", zip_strerror(z));
    zip_discard(z);
    return -1;
}
