/*
 * rect_text.h - UTF-8 text helpers on top of utf8proc (common/text.c).
 */
#ifndef RECT_TEXT_H
#define RECT_TEXT_H

#include <stddef.h>

/* 1 if s[0..len) is valid UTF-8 with no NUL, else 0. */
int text_valid_utf8(const char *s, size_t len);

/*
 * 1 if s is valid UTF-8 with no control characters (C0, DEL, C1) and no
 * U+2028/U+2029: what a text field may hold. allow_newline permits "\n"
 * and "\t" (multi-line text); "\r" is never allowed. NULL gives 0.
 */
int text_clean(const char *s, int allow_newline);

/* Terminal display width of a UTF-8 string (CJK counts 2, combining 0). */
int text_width(const char *s);

/*
 * Copy at most `width` display columns of s into out (outlen bytes, always
 * NUL-terminated), ending with "…" when it had to cut. Newlines become spaces.
 * Returns the display width of what was written.
 */
int text_fit(const char *s, int width, char *out, size_t outlen);

/*
 * s as a whole number of at least min, written in decimal digits alone (no
 * sign, no blanks, no "+"): 0 with *out, or -1 (also for NULL, "", and what
 * does not fit a long long) with *out untouched. For the numbers a user
 * types: ids, counts, page sizes.
 */
int text_whole(const char *s, long long min, long long *out);

#endif
