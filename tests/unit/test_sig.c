/*
 * test_sig.c - common/sig.c (canonical bytes and digests of signed ledgers,
 * key file lines) and daemon/sign.c (rectd's key file, signing, anchors).
 * Expected bytes and digests were computed with Python's json.dumps(
 * sort_keys=True, separators=(",", ":"), ensure_ascii=False) and hashlib.
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
#include <jansson.h>
#include <sodium.h>

#include "rect_proto.h"
#include "rect_sig.h"
#include "sign.h"

/* ---- canonical bytes -------------------------------------------------------- */

static void test_canon_matches_python_escapes_and_key_order(void **state)
{
    (void)state;
    json_t *v = json_loads(
        "{\"b\": \"\\u0001\\u001f\\u000b\\b\\f\\r\\n\\t/\\u2028\\u007f\\u00e9\\ud83d\\ude00\\\"\\\\\","
        " \"a\": [1, true, null, {}, -5], \"\\u00e9\": 0, \"B\": \"x\"}",
        0, NULL);
    assert_non_null(v);
    char *s = NULL;
    assert_int_equal(sig_canon(v, &s), 0);
    assert_string_equal(s,
                        "{\"B\":\"x\",\"a\":[1,true,null,{},-5],\"b\":\"\\u0001\\u001f\\u000b\\b\\f\\r\\n\\t/"
                        "\xe2\x80\xa8\x7f\xc3\xa9\xf0\x9f\x98\x80\\\"\\\\\",\"\xc3\xa9\":0}");
    char hex[65];
    assert_int_equal(sig_digest(v, hex), 0);
    assert_string_equal(hex, "2e8acfda215966691e76391f166a25713e131a45dc9b0949fdad7f3dce3ff506");
    free(s);
    json_decref(v);
}

static void test_canon_keeps_backslash_u_text_that_is_not_an_escape(void **state)
{
    (void)state;
    /* the text \u00AB (a backslash, then letters): escaped backslash, letters untouched */
    json_t *v = json_string("\\u00AB");
    char *s = NULL;
    assert_int_equal(sig_canon(v, &s), 0);
    assert_string_equal(s, "\"\\\\u00AB\"");
    free(s);
    json_decref(v);
}

static void test_canon_refuses_real_numbers(void **state)
{
    (void)state;
    json_t *v = json_pack("{s[if]}", "a", 1, 0.5);
    char *s = NULL;
    assert_int_equal(sig_canon(v, &s), RECT_E_BAD_VALUE);
    assert_null(s);
    json_decref(v);
}

/* ---- ledger digests ----------------------------------------------------------- */

static void test_ledger_digests_cover_fields_rows_and_the_whole(void **state)
{
    (void)state;
    json_t *led =
        json_loads("{\"head\":{\"seq\":2,\"hash\":\"ab\"},\"rows\":[{\"id\":1,\"ref\":\"GJ-01\",\"x\":null}],"
                   "\"summary\":{\"total\":1},\"signature\":{\"junk\":1}}",
                   0, NULL);
    json_t *d = NULL;
    assert_int_equal(sig_ledger_digests(led, &d), 0);
    assert_string_equal(json_string_value(json_object_get(d, "ledger_sha256")),
                        "79ff3003dd3a8c6f3784b74f30e2c40933e7bb7cd1c74c96ac7a25c8fc3d341b");
    json_t *fields = json_object_get(d, "fields");
    assert_int_equal(json_object_size(fields), 2); /* head, summary: not rows, not signature */
    assert_string_equal(json_string_value(json_object_get(fields, "summary")),
                        "b7e28723407b7750fb0dc3b977699a5223a3b617d41c9a4feaeccbd31feadd06");
    assert_string_equal(json_string_value(json_object_get(fields, "head")),
                        "1ad30e31f75030db7d9e39a0fc8ec92a1664dbbe17ee1a4ef7845cc3d53f962c");
    json_t *row = json_array_get(json_object_get(d, "rows"), 0);
    assert_int_equal(json_integer_value(json_object_get(row, "id")), 1);
    assert_string_equal(json_string_value(json_object_get(row, "ref")), "GJ-01");
    assert_string_equal(json_string_value(json_object_get(row, "sha256")),
                        "5719533025a8d28776fdfe892d819c0b072964c96c2d2700d2d271145fa8c3a5");
    assert_true(json_equal(json_object_get(d, "head"), json_object_get(led, "head")));
    json_decref(d);
    json_decref(led);
}

static void test_ledger_digests_refuse_what_is_no_ledger(void **state)
{
    (void)state;
    json_t *d = NULL, *v = json_pack("{si}", "rows", 1);
    assert_int_equal(sig_ledger_digests(v, &d), RECT_E_BAD_VALUE);
    assert_int_equal(sig_ledger_digests(NULL, &d), RECT_E_BAD_VALUE);
    assert_null(d);
    json_decref(v);
}

/* ---- key file lines ------------------------------------------------------------- */

static void test_key_find_reads_one_line_among_comments(void **state)
{
    (void)state;
    unsigned char k[2];
    int line = 0;
    assert_int_equal(sig_key_find("# c\n\ned25519-public: aBcd \r\nother: x\n", SIG_PUBLIC_TAG, k, 2, &line),
                     0);
    assert_int_equal(k[0], 0xab);
    assert_int_equal(k[1], 0xcd);
    assert_int_equal(line, 3);
}

static void test_key_find_names_what_is_wrong(void **state)
{
    (void)state;
    unsigned char k[2];
    int line = 0;
    assert_int_equal(sig_key_find("other: x\n", SIG_PUBLIC_TAG, k, 2, &line), -1);
    assert_int_equal(
        sig_key_find("ed25519-public: abcd\ned25519-public: abcd\n", SIG_PUBLIC_TAG, k, 2, &line), -2);
    assert_int_equal(line, 2);
    assert_int_equal(sig_key_find("ed25519-public: abc\n", SIG_PUBLIC_TAG, k, 2, &line), -3);
    assert_int_equal(sig_key_find("ed25519-public: abzz\n", SIG_PUBLIC_TAG, k, 2, &line), -3);
    assert_int_equal(sig_key_find("x\nno colon here\n", SIG_PUBLIC_TAG, k, 2, &line), -4);
    assert_int_equal(line, 1);
}

/* ---- rectd's key (sign.c) ------------------------------------------------------- */

typedef struct {
    char dir[64], key[128], pub[128];
} s_keydir;

static int s_setup_key(void **state)
{
    s_keydir *k = calloc(1, sizeof *k);
    if (!k)
        return -1;
    snprintf(k->dir, sizeof k->dir, "/tmp/test_sig_XXXXXX");
    if (!mkdtemp(k->dir)) {
        free(k);
        return -1;
    }
    snprintf(k->key, sizeof k->key, "%s/keys/s.key", k->dir);
    snprintf(k->pub, sizeof k->pub, "%s/keys/s.pub", k->dir);
    *state = k;
    return 0;
}

static int s_teardown_key(void **state)
{
    s_keydir *k = *state;
    char cmd[160];
    sign_close();
    snprintf(cmd, sizeof cmd, "rm -rf %s", k->dir);
    int rc = system(cmd);
    free(k);
    return rc == 0 ? 0 : -1;
}

static void test_sign_open_creates_key_files_with_their_modes(void **state)
{
    s_keydir *k = *state;
    char err[512], pub1[65];
    struct stat st;
    assert_int_equal(sign_open(k->key, err, sizeof err), 0);
    assert_int_equal(stat(k->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(k->pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    char dir[160];
    snprintf(dir, sizeof dir, "%s/keys", k->dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(pub1, sizeof pub1, "%s", sign_public_hex());
    assert_int_equal(strlen(pub1), 64);
    /* opened again: the same key */
    assert_int_equal(sign_open(k->key, err, sizeof err), 0);
    assert_string_equal(sign_public_hex(), pub1);
}

static void test_sign_open_refuses_a_key_open_to_others(void **state)
{
    s_keydir *k = *state;
    char err[512], want[256];
    assert_int_equal(sign_open(k->key, err, sizeof err), 0);
    assert_int_equal(chmod(k->key, 0604), 0);
    assert_int_equal(sign_open(k->key, err, sizeof err), -1);
    snprintf(want, sizeof want, "chmod 600 %s", k->key);
    assert_non_null(strstr(err, want));
    assert_string_equal(sign_public_hex(), ""); /* nothing loaded */
    json_t *led = json_pack("{s[]}", "rows");
    assert_int_equal(sign_ledger(led), RECT_E_INTERNAL);
    json_decref(led);
}

static void test_signed_ledger_verifies_and_a_change_does_not(void **state)
{
    s_keydir *k = *state;
    char err[512];
    unsigned char pub[32];
    assert_int_equal(sign_open(k->key, err, sizeof err), 0);
    assert_int_equal(sig_unhex(sign_public_hex(), pub, 32), 0);
    json_t *led =
        json_loads("{\"head\":{\"seq\":1,\"hash\":\"00\"},\"rows\":[{\"id\":1,\"ref\":\"A\"}]}", 0, NULL);
    assert_int_equal(sign_ledger(led), 0);
    json_t *sig = json_object_get(led, "signature");
    assert_string_equal(json_string_value(json_object_get(sig, "format")), SIG_LEDGER_FORMAT);
    assert_string_equal(json_string_value(json_object_get(sig, "public_key")), sign_public_hex());
    const char *value = json_string_value(json_object_get(sig, "value"));
    json_t *signed_ = json_object_get(sig, "signed");
    assert_int_equal(sig_verify(SIG_LEDGER_FORMAT, signed_, value, pub), 0);
    /* the same bytes under the anchor's prefix: not valid (domain separation) */
    assert_int_equal(sig_verify(SIG_ANCHOR_FORMAT, signed_, value, pub), RECT_E_BAD_VALUE);
    json_object_set_new(json_object_get(signed_, "head"), "seq", json_integer(2));
    assert_int_equal(sig_verify(SIG_LEDGER_FORMAT, signed_, value, pub), RECT_E_BAD_VALUE);
    json_decref(led);
}

static void test_anchor_checks_its_signature_and_shape(void **state)
{
    s_keydir *k = *state;
    char err[512], msg[512], hash[65];
    memset(hash, 'a', 64);
    hash[64] = '\0';
    assert_int_equal(sign_open(k->key, err, sizeof err), 0);
    json_t *a = NULL;
    assert_int_equal(sign_anchor(7, hash, "2026-12-01T09:00:00Z", &a), 0);
    assert_int_equal(sign_anchor_check(a, msg, sizeof msg), 0);
    json_t *b = json_deep_copy(a);
    json_object_set_new(b, "seq", json_integer(6));
    assert_int_equal(sign_anchor_check(b, msg, sizeof msg), RECT_E_PERMISSION_DENIED);
    assert_non_null(strstr(msg, "altered"));
    json_object_set_new(b, "seq", json_integer(0));
    assert_int_equal(sign_anchor_check(b, msg, sizeof msg), RECT_E_BAD_VALUE);
    json_decref(b);
    b = json_deep_copy(a);
    json_object_set_new(b, "public_key", json_string("00"));
    assert_int_equal(sign_anchor_check(b, msg, sizeof msg), 0); /* the key checked is rectd's own */
    json_decref(b);
    json_decref(a);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canon_matches_python_escapes_and_key_order),
        cmocka_unit_test(test_canon_keeps_backslash_u_text_that_is_not_an_escape),
        cmocka_unit_test(test_canon_refuses_real_numbers),
        cmocka_unit_test(test_ledger_digests_cover_fields_rows_and_the_whole),
        cmocka_unit_test(test_ledger_digests_refuse_what_is_no_ledger),
        cmocka_unit_test(test_key_find_reads_one_line_among_comments),
        cmocka_unit_test(test_key_find_names_what_is_wrong),
        cmocka_unit_test_setup_teardown(test_sign_open_creates_key_files_with_their_modes, s_setup_key,
                                        s_teardown_key),
        cmocka_unit_test_setup_teardown(test_sign_open_refuses_a_key_open_to_others, s_setup_key,
                                        s_teardown_key),
        cmocka_unit_test_setup_teardown(test_signed_ledger_verifies_and_a_change_does_not, s_setup_key,
                                        s_teardown_key),
        cmocka_unit_test_setup_teardown(test_anchor_checks_its_signature_and_shape, s_setup_key,
                                        s_teardown_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
