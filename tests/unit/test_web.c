/*
 * test_web.c - rectweb's own parsing and session bits (rectweb/parse.c,
 * buf.c, session.c): cookies, paths, safe file names, HTML escaping,
 * sessions, CSRF tokens and login throttling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "web.h"

static void test_a_cookie_is_found_by_its_whole_name_only(void **state)
{
    (void)state;
    char v[64];
    assert_int_equal(web_cookie("a=1; rw_s=abc; rw_pre=def", "rw_s", v, sizeof v), 1);
    assert_string_equal(v, "abc");
    assert_int_equal(web_cookie("xrw_s=evil; rw_s_=evil2", "rw_s", v, sizeof v), 0);
    assert_int_equal(web_cookie("rw_s", "rw_s", v, sizeof v), 0);
    assert_int_equal(web_cookie(NULL, "rw_s", v, sizeof v), 0);
    /* cut to the buffer, never past it */
    assert_int_equal(web_cookie("rw_s=0123456789", "rw_s", v, 5), 1);
    assert_string_equal(v, "0123");
}

static void test_item_and_blob_paths_take_only_their_shapes(void **state)
{
    (void)state;
    uint64_t id;
    char act[16], sha[65];
    assert_int_equal(web_item_path("/item/12", &id, act, sizeof act), 1);
    assert_true(id == 12 && act[0] == '\0');
    assert_int_equal(web_item_path("/item/3/evidence", &id, act, sizeof act), 1);
    assert_string_equal(act, "evidence");
    assert_int_equal(web_item_path("/item/0", &id, act, sizeof act), 0);
    assert_int_equal(web_item_path("/item/012", &id, act, sizeof act), 0);
    assert_int_equal(web_item_path("/item/3/../x", &id, act, sizeof act), 0);
    assert_int_equal(web_item_path("/item/3/", &id, act, sizeof act), 0);
    assert_int_equal(web_item_path("/item/99999999999999999999", &id, act, sizeof act), 0);
    assert_int_equal(web_item_path("/item/1/averyveryverylongaction", &id, act, sizeof act), 0);
    const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char path[128];
    snprintf(path, sizeof path, "/blob/7/%s", hex);
    assert_int_equal(web_blob_path(path, &id, sha), 1);
    assert_true(id == 7 && strcmp(sha, hex) == 0);
    snprintf(path, sizeof path, "/blob/7/%s/x", hex);
    assert_int_equal(web_blob_path(path, &id, sha), 0);
    assert_int_equal(web_blob_path("/blob/7/../../etc/passwd", &id, sha), 0);
}

static void test_a_safe_name_has_no_path_quotes_or_controls(void **state)
{
    (void)state;
    char out[128];
    web_safe_name("../../etc/passwd", out, sizeof out);
    assert_string_equal(out, "passwd");
    web_safe_name("C:\\Users\\a\\照片.jpg", out, sizeof out);
    assert_string_equal(out, "照片.jpg");
    web_safe_name("a\"b;c\r\nd%2F.jpg", out, sizeof out);
    assert_string_equal(out, "a_b_c__d_2F.jpg");
    web_safe_name("...", out, sizeof out);
    assert_string_equal(out, "file");
    web_safe_name(NULL, out, sizeof out);
    assert_string_equal(out, "file");
    /* 50 three-byte characters: cut to 120 bytes, at a character's end */
    char long_name[256] = "";
    for (int i = 0; i < 50; i++)
        strcat(long_name, "照");
    web_safe_name(long_name, out, sizeof out);
    assert_int_equal(strlen(out), 120);
    strcpy(long_name, "x");
    for (int i = 0; i < 50; i++)
        strcat(long_name, "照");
    web_safe_name(long_name, out, sizeof out);
    assert_int_equal(strlen(out), 118); /* "x" + 39 whole characters */
}

static void test_html_is_escaped(void **state)
{
    (void)state;
    wbuf b = {0};
    wb_esc(&b, "<script>alert('x') & \"y\"</script>\x01\n");
    assert_string_equal(b.data, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;\n");
    wb_free(&b);
}

static void test_sessions_tokens_and_throttling(void **state)
{
    (void)state;
    assert_int_equal(sess_init(2, 1), 0);
    web_session *a = sess_new("liming", "李明", RECT_ROLE_OWNER, 1000);
    char id[WEB_TOKEN_LEN + 1], csrf[WEB_TOKEN_LEN + 1];
    memcpy(id, a->id, sizeof id);
    memcpy(csrf, a->csrf, sizeof csrf);
    assert_int_equal(strlen(id), WEB_TOKEN_LEN);
    assert_ptr_equal(sess_find(id, 1030), a);
    assert_true(sess_csrf_ok(a, csrf));
    assert_false(sess_csrf_ok(a, ""));
    assert_false(sess_csrf_ok(a, NULL));
    char wrong[WEB_TOKEN_LEN + 1];
    memcpy(wrong, csrf, sizeof wrong);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    assert_false(sess_csrf_ok(a, wrong));
    memcpy(wrong, id, sizeof wrong);
    wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
    assert_null(sess_find(wrong, 1030));
    /* idle for more than a minute: gone */
    assert_null(sess_find(id, 1030 + 61));
    web_session *b = sess_new("maqing", NULL, RECT_ROLE_VERIFIER, 2000);
    memcpy(id, b->id, sizeof id);
    sess_end(b);
    assert_null(sess_find(id, 2001));
    /* throttling: the third failure starts a wait that doubles */
    assert_int_equal(throttle_wait("user", "u1", 100), 0);
    throttle_fail("user", "u1", 3, 10, 100);
    throttle_fail("user", "u1", 3, 10, 100);
    assert_int_equal(throttle_wait("user", "u1", 100), 0);
    throttle_fail("user", "u1", 3, 10, 100);
    assert_int_equal(throttle_wait("user", "u1", 100), 10);
    throttle_fail("user", "u1", 3, 10, 100);
    assert_int_equal(throttle_wait("user", "u1", 100), 20);
    assert_int_equal(throttle_wait("addr", "u1", 100), 0); /* kinds apart */
    throttle_clear("user", "u1");
    assert_int_equal(throttle_wait("user", "u1", 100), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_cookie_is_found_by_its_whole_name_only),
        cmocka_unit_test(test_item_and_blob_paths_take_only_their_shapes),
        cmocka_unit_test(test_a_safe_name_has_no_path_quotes_or_controls),
        cmocka_unit_test(test_html_is_escaped),
        cmocka_unit_test(test_sessions_tokens_and_throttling),
    };
    return cmocka_run_group_tests_name("rectweb parsing and sessions", tests, NULL, NULL);
}
