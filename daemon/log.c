/*
 * log.c - rectd's log lines on stderr (see log.h for the two forms).
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rect_date.h"

#define S_LINE_MAX 4096

static int s_form = -1; /* -1 undecided, 0 plain, 1 journal */

/* 1 if $JOURNAL_STREAM is "DEV:INODE" of fd 2 (systemd.exec(5), "JOURNAL_STREAM"). */
static int s_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(STDERR_FILENO, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int force)
{
    s_form = force >= 0 ? !!force : s_stderr_is_journal();
}

int log_is_journal(void)
{
    if (s_form < 0)
        log_init(-1);
    return s_form;
}

const char *log_level_name(int level)
{
    switch (level) {
    case LOG_LEVEL_ERROR:
        return "error";
    case LOG_LEVEL_WARNING:
        return "warning";
    case LOG_LEVEL_NOTICE:
        return "notice";
    default:
        return "info";
    }
}

void log_msg(int level, const char *fmt, ...)
{
    char line[S_LINE_MAX];
    size_t n;
    if (level < LOG_LEVEL_ERROR || level > LOG_LEVEL_INFO)
        level = LOG_LEVEL_INFO;
    if (log_is_journal()) {
        n = (size_t)snprintf(line, sizeof line, "<%d>", level);
    } else {
        char when[RECT_INSTANT_LEN];
        instant_format(rect_now(), when);
        n = (size_t)snprintf(line, sizeof line, "%s %s: ", when, log_level_name(level));
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    size_t end = n + (w > 0 ? (size_t)w : 0);
    if (end > sizeof line - 1) { /* cut on a UTF-8 boundary, and say so */
        end = sizeof line - 4;
        while (end > n && ((unsigned char)line[end] & 0xC0) == 0x80)
            end--;
        memcpy(line + end, "...", 3);
        end += 3;
    }
    for (size_t i = n; i < end; i++) /* one event, one line */
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[end++] = '\n';
    for (size_t off = 0; off < end;) {
        ssize_t k = write(STDERR_FILENO, line + off, end - off);
        if (k <= 0)
            break;
        off += (size_t)k;
    }
}
