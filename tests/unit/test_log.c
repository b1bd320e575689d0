/*
 * test_log.c - daemon/log.c: one line per event with its level, in the
 * journal's "<N>" form when $JOURNAL_STREAM names stderr, else with the
 * time and the level's word; cut long lines on a UTF-8 boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "rect_text.h"

/* What log_msg wrote while fd 2 was a temporary file (static buffer). */
static const char *s_capture(int journal_env, void (*emit)(void))
{
    static char buf[16384];
    char path[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    if (journal_env) {
        struct stat st;
        char v[64];
        fstat(fd, &st);
        snprintf(v, sizeof v, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", v, 1);
    } else {
        unsetenv("JOURNAL_STREAM");
    }
    log_init(-1);
    emit();
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return buf;
}

static void s_two_events(void)
{
    log_msg(LOG_LEVEL_INFO, "wangyan add item %d: %s", 7, "ok");
    log_msg(LOG_LEVEL_WARNING, "reload refused: %s", "bad\nline");
}

static void test_plain_lines_carry_the_time_and_the_level(void **state)
{
    (void)state;
    const char *out = s_capture(0, s_two_events);
    assert_int_equal(log_is_journal(), 0);
    /* 2026-12-01T01:00:00Z info: ... */
    assert_int_equal(strlen(out) > 22, 1);
    assert_int_equal(out[4], '-');
    assert_int_equal(out[10], 'T');
    assert_int_equal(out[19], 'Z');
    assert_memory_equal(out + 20, " info: wangyan add item 7: ok\n", 30);
    const char *second = strchr(out, '\n') + 1;
    assert_memory_equal(second + 20, " warning: reload refused: bad line\n", 35);
    assert_int_equal(second[20 + 35], '\0'); /* two lines: the newline inside became a space */
}

static void test_the_journal_gets_sd_daemon_priorities(void **state)
{
    (void)state;
    const char *out = s_capture(1, s_two_events);
    assert_int_equal(log_is_journal(), 1);
    assert_string_equal(out, "<6>wangyan add item 7: ok\n<4>reload refused: bad line\n");
}

static void s_other_stream(void)
{
    setenv("JOURNAL_STREAM", "1:2", 1); /* not fd 2's device and inode */
    log_init(-1);
    log_msg(LOG_LEVEL_ERROR, "x");
}

static void test_a_journal_stream_that_is_not_stderr_is_not_the_journal(void **state)
{
    (void)state;
    const char *out = s_capture(0, s_other_stream);
    assert_int_equal(log_is_journal(), 0);
    assert_memory_equal(out + 20, " error: x\n", 10);
    setenv("JOURNAL_STREAM", "garbage", 1);
    log_init(-1);
    assert_int_equal(log_is_journal(), 0);
    unsetenv("JOURNAL_STREAM");
}

static void s_levels(void)
{
    log_msg(LOG_LEVEL_ERROR, "e");
    log_msg(LOG_LEVEL_NOTICE, "n");
    log_msg(99, "out of range is info");
}

static void test_every_level_has_its_priority(void **state)
{
    (void)state;
    assert_string_equal(s_capture(1, s_levels), "<3>e\n<5>n\n<6>out of range is info\n");
    assert_string_equal(log_level_name(LOG_LEVEL_NOTICE), "notice");
}

static void s_long_chinese(void)
{
    char text[6000] = "";
    for (int i = 0; i < 1900; i++) /* 5700 bytes of 3-byte characters */
        strcat(text, "销");
    log_msg(LOG_LEVEL_INFO, "%s", text);
}

static void test_a_long_line_is_cut_on_a_character_boundary(void **state)
{
    (void)state;
    const char *out = s_capture(1, s_long_chinese);
    size_t n = strlen(out);
    assert_true(n < 4096 + 1);
    assert_memory_equal(out + n - 4, "...\n", 4);
    assert_int_equal(text_valid_utf8(out, n), 1);
    assert_int_equal(strchr(out, '\n'), out + n - 1); /* one line */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_lines_carry_the_time_and_the_level),
        cmocka_unit_test(test_the_journal_gets_sd_daemon_priorities),
        cmocka_unit_test(test_a_journal_stream_that_is_not_stderr_is_not_the_journal),
        cmocka_unit_test(test_every_level_has_its_priority),
        cmocka_unit_test(test_a_long_line_is_cut_on_a_character_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
