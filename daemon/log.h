/*
 * log.h - rectd's log: one line per event on stderr, each with a level.
 *
 * Two forms, chosen once at start (log_init):
 *   - stderr is the systemd journal ($JOURNAL_STREAM names stderr's device
 *     and inode, systemd.exec(5)): "<6>MESSAGE", the sd-daemon(3) priority
 *     prefix (SD_INFO and its kin) that journald turns into the entry's
 *     PRIORITY; journald adds the time itself.
 *   - anything else (a terminal, a file, a test's pipe):
 *     "2026-12-01T01:00:00Z info: MESSAGE", the time from rect_now() (so
 *     --clock-file moves it too) and the level as a word.
 * Messages are English, one line (a newline inside is written as a space).
 * Safe to call from any thread: each line is written with one write(2).
 */
#ifndef RECTD_LOG_H
#define RECTD_LOG_H

/* Levels: syslog(3) priorities, as sd-daemon(3) SD_ERR .. SD_DEBUG. */
enum {
    LOG_LEVEL_ERROR = 3,   /* rectd cannot do what it should: a stop, a failed job */
    LOG_LEVEL_WARNING = 4, /* refused or wrong, rectd goes on: a reload refused, a refused peer */
    LOG_LEVEL_NOTICE = 5,  /* worth a look, nothing wrong: demo keys, a key created */
    LOG_LEVEL_INFO = 6,    /* the ordinary: a request served, the daily job, start and stop */
};

/*
 * Decide the form from $JOURNAL_STREAM and fd 2 (call once at start, before
 * any thread; log_msg calls it itself when it was not). force: 1 journal
 * form, 0 plain form, -1 decide.
 */
void log_init(int force);

/* 1 if lines go out in the journal form. */
int log_is_journal(void);

/* One line at level (LOG_LEVEL_*). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The word for a level: "error", "warning", "notice", "info". */
const char *log_level_name(int level);

#endif
