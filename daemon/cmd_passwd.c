/*
 * cmd_passwd.c - passwords (issue 13): a user sets their own, an admin
 * resets another's (passwd), and a gateway checks one (login).
 *
 * A password is stored only as libsodium's crypto_pwhash_str (argon2id,
 * the interactive limits: 64 MiB and about a tenth of a second per call)
 * in the passwords database, outside the hash chain: the chain is the
 * public history and a hash of a password must never be in it. An
 * admin's reset clears the password and never sets one: an admin who
 * chose another's password could log in on the web as them and do their
 * part of an item's round, so only the user, with their own key, sets one.
 * The reset is an event about no item ("password_reset") that names the
 * user and nothing else; a user setting their own writes no event.
 *
 * Both run on rectd's main thread (passwd a write, login a short read),
 * one at a time: at most one hash's memory is in use, and the failure
 * counts below need no lock. Neither the password nor its hash is ever
 * logged or put in a reply.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"
#include "item.h"
#include "rect_proto.h"

/* Shortest password passwd accepts, in bytes (a Chinese character is 3). */
#define PW_MIN_BYTES 8

/*
 * Failed logins per user, in memory (a restart forgets them): after
 * PW_FREE_TRIES failures in a row the user's logins are refused, without
 * checking the password, for PW_FIRST_WAIT seconds, doubling with each
 * further failure, up to PW_MAX_WAIT seconds. A success clears the count.
 */
#define PW_FREE_TRIES 5
#define PW_FIRST_WAIT 30
#define PW_MAX_WAIT 900
#define PW_SLOTS 256

typedef struct {
    char user[RECT_MAX_NAME + 1];
    unsigned failures;
    time_t until; /* refused before this */
    time_t last;  /* the last failure */
} pw_slot;

static pw_slot s_slots[PW_SLOTS];

/*
 * The slot of user, made if make in an empty slot or one whose count is
 * long over. Only configured users and "*" get slots, so the table fills
 * only with more than PW_SLOTS users; then a random one is replaced.
 */
static pw_slot *s_slot(const char *user, time_t now, int make)
{
    pw_slot *free_slot = NULL;
    for (int i = 0; i < PW_SLOTS; i++) {
        if (strcmp(s_slots[i].user, user) == 0)
            return &s_slots[i];
        /* a count may go only when it is long over: another name must not wipe it */
        if (!free_slot &&
            (!s_slots[i].user[0] || (s_slots[i].until <= now && now - s_slots[i].last > PW_MAX_WAIT)))
            free_slot = &s_slots[i];
    }
    if (!make)
        return NULL;
    if (!free_slot)
        free_slot = &s_slots[randombytes_uniform(PW_SLOTS)];
    memset(free_slot, 0, sizeof *free_slot);
    snprintf(free_slot->user, sizeof free_slot->user, "%s", user);
    return free_slot;
}

static int s_nomem(cmd_ctx *c)
{
    return cmd_fail(c, RECT_E_NOMEM, "out of memory");
}

int cmd_passwd(cmd_ctx *c)
{
    const char *pw = cmd_str(c, "password"), *name = cmd_str(c, "name");
    const rect_user *target = name ? cfg_user(c->cfg, name) : c->actor;
    if (c->via)
        return cmd_fail(c, RECT_E_PERMISSION_DENIED,
                        "passwd: a password is set with the user's own key (rectctl passwd), never through a "
                        "gateway (%s)",
                        c->via->name);
    if (!target)
        return cmd_fail(c, RECT_E_UNKNOWN_USER, "passwd: \"%.64s\" is not a configured user", name);
    if (target->roles & RECT_ROLE_GATEWAY)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "passwd: %s is a gateway: a gateway logs in with its key, not a password",
                        target->name);
    int reset = target != c->actor;
    if (reset && pw)
        return cmd_fail(c, RECT_E_BAD_VALUE,
                        "passwd: an admin does not choose another user's password: a reset (--name %s) "
                        "clears it, and %s sets a new one with their own key (rectctl passwd)",
                        target->name, target->name);
    if (!reset && !pw)
        return cmd_fail(c, RECT_E_MISSING_FIELD, "passwd: give the new password");
    if (!reset && strlen(pw) < PW_MIN_BYTES)
        return cmd_fail(c, RECT_E_BAD_VALUE, "passwd: the password is too short (at least %d bytes)",
                        PW_MIN_BYTES);
    rect_state to;
    int rc;
    if (reset && !(c->actor->roles & RECT_ROLE_ADMIN))
        return cmd_fail(c, RECT_E_PERMISSION_DENIED,
                        "passwd: only an admin may reset another user's password; %s may set their own "
                        "(rectctl passwd without --name)",
                        c->actor->name);
    if (reset && (rc = item_guard(c, NULL, RECT_ACT_PASSWORD_RESET, &to)))
        return rc;
    if (reset) {
        if ((rc = store_password_del(c->txn, target->name)))
            return cmd_fail(c, rc, "passwd: cannot clear the password; nothing was changed");
    } else {
        char hash[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            return cmd_fail(c, RECT_E_NOMEM,
                            "passwd: not enough memory to hash the password; nothing was changed");
        rc = store_password_put(c->txn, target->name, hash);
        sodium_memzero(hash, sizeof hash);
        if (rc)
            return cmd_fail(c, rc, "passwd: cannot store the password; nothing was changed");
    }
    if (reset) {
        json_t *changes = json_pack("{ss}", "user", target->name);
        json_t *ev = changes ? item_event_new(c, 0, RECT_ACT_PASSWORD_RESET, changes, "") : NULL;
        json_decref(changes);
        if (!ev)
            return s_nomem(c);
        rc = store_event_append(c->txn, ev, &c->seq);
        json_decref(ev);
        if (rc)
            return cmd_fail(c, rc, "passwd: cannot record the reset; nothing was changed");
    }
    /* A new password ends any throttling of the old one. */
    pw_slot *sl = s_slot(target->name, c->now, 0);
    if (sl)
        memset(sl, 0, sizeof *sl);
    c->result = reset ? json_pack("{sssbsI}", "user", target->name, "reset", 1, "seq", (json_int_t)c->seq)
                      : json_pack("{sssb}", "user", target->name, "reset", 0);
    return c->result ? 0 : s_nomem(c);
}

/*
 * A hash to check against when the user has no password (or is unknown),
 * so that the answer takes as long either way; made once.
 */
static const char *s_dummy_hash(void)
{
    static char dummy[crypto_pwhash_STRBYTES];
    if (!dummy[0]) {
        unsigned char junk[16];
        randombytes_buf(junk, sizeof junk);
        if (crypto_pwhash_str(dummy, (const char *)junk, sizeof junk, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            dummy[0] = '\0';
    }
    return dummy;
}

int cmd_login(cmd_ctx *c)
{
    const char *name = cmd_str(c, "name"), *pw = cmd_str(c, "password");
    const rect_user *u = cfg_user(c->cfg, name);
    /* Who is a gateway or has no password cannot log in; the answer does not say which. */
    int can = u && !(u->roles & RECT_ROLE_GATEWAY);
    /* Names that cannot log in share one count ("*" is no user name), so trying them costs as much. */
    pw_slot *sl = s_slot(can ? u->name : "*", c->now, 1);
    if (sl->until > c->now)
        return cmd_fail(c, RECT_E_THROTTLED,
                        "login: too many failed logins for %s: try again in %lld seconds",
                        can ? u->name : "names that are no user's", (long long)(sl->until - c->now));
    char hash[crypto_pwhash_STRBYTES];
    int rc = can ? store_password_get(c->txn, u->name, hash, sizeof hash) : RECT_E_NOT_FOUND;
    if (rc && rc != RECT_E_NOT_FOUND)
        return cmd_fail(c, rc, "login: cannot read the password store");
    int ok = crypto_pwhash_str_verify(rc == 0 ? hash : s_dummy_hash(), pw, strlen(pw)) == 0 && rc == 0;
    sodium_memzero(hash, sizeof hash);
    if (!ok) {
        sl->last = c->now;
        if (++sl->failures >= PW_FREE_TRIES) {
            unsigned extra = sl->failures - PW_FREE_TRIES;
            long wait = extra >= 5 ? PW_MAX_WAIT : (long)PW_FIRST_WAIT << extra;
            sl->until = c->now + (wait > PW_MAX_WAIT ? PW_MAX_WAIT : wait);
        }
        return cmd_fail(c, RECT_E_PERMISSION_DENIED, "login: wrong name or password");
    }
    memset(sl, 0, sizeof *sl);
    snprintf(sl->user, sizeof sl->user, "%s", u->name);
    json_t *roles = json_array();
    for (int i = 0; roles && i < RECT_ROLE_COUNT; i++)
        if ((u->roles & (1u << i)) && json_array_append_new(roles, json_string(rect_role_names[i])))
            break;
    c->result = roles ? json_pack("{sssssO}", "user", u->name, "display", u->display, "roles", roles) : NULL;
    json_decref(roles);
    return c->result ? 0 : s_nomem(c);
}
