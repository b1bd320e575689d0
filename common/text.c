/*
 * text.c - UTF-8 validation, control-character policy and display width,
 * on top of utf8proc. See include/rect_text.h.
 */
#include "rect_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define S_ELLIPSIS "\xe2\x80\xa6" /* U+2026 "…", one column wide */
#define S_ELLIPSIS_LEN 3

/* Decode one code point from s (at most len bytes). Returns the number of
 * bytes it takes, or -1 if s does not start with valid UTF-8. */
static int s_next(const char *s, size_t len, utf8proc_int32_t *cp)
{
    if (len == 0)
        return -1;
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)s, len > 4 ? 4 : (utf8proc_ssize_t)len, cp);
    return n > 0 ? (int)n : -1;
}

/*
 * 1 if s[0..len) is valid UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) and holds no NUL byte, else 0. s may be NULL only when
 * len is 0.
 */
int text_valid_utf8(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        int n = s_next(s + i, len - i, &cp);
        if (n < 0 || cp == 0)
            return 0;
        i += (size_t)n;
    }
    return 1;
}

/* 1 if cp is a character a text field may not hold (see text_clean). */
static int s_forbidden(utf8proc_int32_t cp, int allow_newline)
{
    if (cp == '\n' || cp == '\t')
        return !allow_newline;
    /* Line and paragraph separators break lines like a newline would, but
     * invisibly to everything that looks for '\n': never allowed. */
    if (cp == 0x2028 || cp == 0x2029)
        return 1;
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_CC;
}

/*
 * 1 if s is valid UTF-8 and holds no control character (C0, DEL, C1) and no
 * U+2028/U+2029. With allow_newline, "\n" and "\t" are allowed (multi-line
 * text such as notes); "\r" never is, so "\r\n" must be normalised first.
 * NULL gives 0.
 */
int text_clean(const char *s, int allow_newline)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    size_t i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        int n = s_next(s + i, len - i, &cp);
        if (n < 0 || s_forbidden(cp, allow_newline))
            return 0;
        i += (size_t)n;
    }
    return 1;
}

/* Columns one code point takes on a terminal: "\n" and "\t" count 1 because
 * text_fit shows them as a space; other controls count 0. */
static int s_width(utf8proc_int32_t cp)
{
    if (cp == '\n' || cp == '\t' || cp == '\r')
        return 1;
    return utf8proc_charwidth(cp);
}

/*
 * Terminal display width of s: CJK and other wide characters count 2,
 * combining marks 0, newline and tab 1 (as text_fit prints them). An invalid
 * byte counts 1 (it is shown as one replacement character). NULL gives 0.
 */
int text_width(const char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    size_t i = 0;
    int w = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        int n = s_next(s + i, len - i, &cp);
        if (n < 0) {
            w += 1;
            i += 1;
            continue;
        }
        w += s_width(cp);
        i += (size_t)n;
    }
    return w;
}

/*
 * Copy at most `width` display columns of s into out (outlen bytes, always
 * NUL-terminated when outlen > 0). When s does not fit (in columns or in
 * bytes) it is cut at a character boundary and "…" (one column, 3 bytes)
 * ends it; if not even "…" fits, out is empty. Newlines, tabs and carriage
 * returns become spaces, other control characters are dropped and invalid
 * bytes become "?". Returns the display width of what was written.
 */
int text_fit(const char *s, int width, char *out, size_t outlen)
{
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    if (!s || width <= 0)
        return 0;

    size_t room = outlen - 1; /* bytes for text, NUL excluded */
    size_t len = strlen(s);
    size_t i = 0, o = 0;
    int w = 0;
    /* The longest prefix written so far that leaves room for "…". */
    size_t o_cut = 0;
    int w_cut = 0;
    int truncated = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        int n = s_next(s + i, len - i, &cp);
        const char *src = s + i;
        size_t srclen = (size_t)n;
        int cw;
        if (n < 0) {
            src = "?";
            srclen = 1;
            n = 1;
            cw = 1;
        } else if (cp == '\n' || cp == '\t' || cp == '\r') {
            src = " ";
            srclen = 1;
            cw = 1;
        } else if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CC) {
            i += (size_t)n;
            continue;
        } else {
            cw = utf8proc_charwidth(cp);
        }
        if (w + cw > width || o + srclen > room) {
            truncated = 1;
            break;
        }
        memcpy(out + o, src, srclen);
        o += srclen;
        w += cw;
        i += (size_t)n;
        if (w <= width - 1 && o + S_ELLIPSIS_LEN <= room) {
            o_cut = o;
            w_cut = w;
        }
    }
    if (!truncated) {
        out[o] = '\0';
        return w;
    }
    if (room < S_ELLIPSIS_LEN) {
        out[0] = '\0';
        return 0;
    }
    memcpy(out + o_cut, S_ELLIPSIS, S_ELLIPSIS_LEN);
    out[o_cut + S_ELLIPSIS_LEN] = '\0';
    return w_cut + 1;
}

int text_whole(const char *s, long long min, long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min)
        return -1;
    *out = v;
    return 0;
}
