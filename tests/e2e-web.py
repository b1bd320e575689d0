#!/usr/bin/python3
"""End-to-end tests of rectweb, the officials' web page (issue 13), and of
rectd's passwords (passwd, login).

A real rectd (the sample config: its gateway user "rectweb" with a demo
key) and a real rectweb on 127.0.0.1, driven over plain HTTP with the
attacker's requests (no session, a guessed session, no CSRF token, a script
in a note, an oversized upload, a path traversal in a download name, 20
wrong passwords), each refused with nothing changed; and by a real browser
(headless Chromium through Debian's chromium-driver and python3-selenium)
doing an item's whole round from a phone, with screenshots at phone and
desktop size in the test's output folder (E2E_WEB_OUT, default a temporary
folder named at the end).

    RECTD=./rectd RECTCTL=./rectctl RECTWEB=build/rectweb/rectweb /usr/bin/python3 tests/e2e-web.py [-k TEXT]

Ends with "N passed, M failed".
"""

import base64
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
import rawclient  # noqa: E402
from e2e_daemon import LIVE, PLAN, RECTCTL, Daemon, free_tcp_port, sanitizer_report, stop_process  # noqa: E402
from e2e_runner import Failure, Skip, check, eq  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RECTWEB = os.environ.get("RECTWEB", os.path.join(HERE, "..", "build", "rectweb", "rectweb"))
ADMIN, OWNER, OTHER_OWNER, LEADER, VERIFIER = "wangyan", "liming", "zhaoli", "zhanghua", "maqing"
GATEWAY = "rectweb"
PASSWORDS = {OWNER: "liming-pass-1", OTHER_OWNER: "zhaoli-pass-2", VERIFIER: "maqing-pass-3",
             LEADER: "zhanghua-pass-4", ADMIN: "wangyan-pass-5"}
OUT = os.environ.get("E2E_WEB_OUT") or tempfile.mkdtemp(prefix="e2e-web-out-", dir="/tmp")


class Web:
    """One rectweb in front of one rectd, both in the daemon's folder."""

    def __init__(self, d, overrides=None):
        self.d = d
        self.port = free_tcp_port()
        settings = {"listen": "127.0.0.1:%d" % self.port, "endpoint": d.endpoint,
                    "server_key": os.path.join(d.keys_dir, "rectd.pub"), "gateway": GATEWAY,
                    "key_file": os.path.join(d.keys_dir, "rectweb.key"), "login_tries_address": 200,
                    "max_upload_mb": 1}
        settings.update(overrides or {})
        lines = []
        for k, v in settings.items():
            lines.append("    %s = %s;" % (k, json.dumps(v, ensure_ascii=False)))
        self.conf = os.path.join(d.tmp, "rectweb.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("web = {\n%s\n};\n" % "\n".join(lines))
        self.err = os.path.join(d.tmp, "rectweb.err")
        self.proc = None

    def start(self):
        with open(self.err, "ab") as err:
            self.proc = subprocess.Popen([RECTWEB, "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        LIVE.add(self.proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("rectweb exited at start: %s" % self.stderr())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("rectweb did not listen within 20 s: %s" % self.stderr())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            rc = stop_process(self.proc)
            self.proc = None
            return rc
        return 0

    def stderr(self):
        try:
            with open(self.err, encoding="utf-8", errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def client(self):
        return Http(self.port)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        return self.headers.get(name.lower())

    def cookies(self):
        return [v for k, v in self.raw_headers if k.lower() == "set-cookie"]


class Http:
    """A minimal browser: keeps cookies, follows nothing."""

    def __init__(self, port):
        self.port = port
        self.jar = {}

    def request(self, method, path, body=None, ctype=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        if ctype:
            h["Content-Type"] = ctype
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            rep = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
            rep.raw_headers = r.getheaders()
        finally:
            c.close()
        for sc in rep.cookies():
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in sc or not value:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return rep

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, files=()):
        if not files:
            return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                                "application/x-www-form-urlencoded")
        boundary = "----rectweb" + secrets.token_hex(8)
        parts = []
        for k, v in fields.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, k)).encode()
                         + v.encode() + b"\r\n")
        for name, data in files:
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"%s\"\r\n"
                          "Content-Type: image/jpeg\r\n\r\n" % (boundary, name)).encode() + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        return self.request("POST", path, body, "multipart/form-data; boundary=%s" % boundary)

    def csrf(self, page):
        m = re.search(r'name="csrf" value="([^"]+)"', page.text)
        check(m, "a CSRF token in the page: %r" % page.text[:400])
        return m.group(1)

    def login(self, user, password=None):
        form = self.get("/login")
        eq(form.status, 200, "the login form")
        pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
        return self.post("/login", {"pre": pre, "name": user, "password": password or PASSWORDS[user]})


def free_port_web(d, **kw):
    return Web(d, kw)


# A tiny valid JPEG (1x1, white) for uploads outside the browser.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwS"
    "ExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=")


class Base:
    web_overrides = {}

    def setup(self):
        self.d = Daemon()
        # A pinned clock (2026-12-02 10:00 in Asia/Shanghai). On the real
        # clock the web's ledger and rectctl's, made one after the other, may
        # straddle midnight there (16:00 UTC: days overdue, lights, the "as
        # of" line differ), and from 2026-12-23 on the daily job escalates
        # the plan's items (new events) when 09:00 there (01:00 UTC) passes.
        self.d.clock_path = os.path.join(self.d.tmp, "clock")
        with open(self.d.clock_path, "w") as f:
            f.write("2026-12-02T02:00:00Z\n")
        self.daemons.append(self.d)
        self.d.start()
        self.d.ctlj("import", PLAN)
        for user, pw in PASSWORDS.items():
            self.d.call("passwd", {"password": pw}, user=user)
        self.mine = [it["id"] for it in self.d.call("list", {"owner": OWNER})["items"]]
        self.web = Web(self.d, self.web_overrides)
        self.web.start()

    def started(self, k):
        """liming's k-th item, started (by liming himself, not through the web)."""
        iid = self.mine[k]
        if self.item(iid)["state"] == "assigned":
            self.d.call("start", {"item": iid}, user=OWNER)
        return iid

    def teardown(self, keep):
        problems = []
        rc = self.web.stop()
        if rc not in (0, None):
            problems.append("rectweb stopped with %s: %s" % (rc, self.web.stderr()))
        rep = sanitizer_report(self.web.stderr())
        if rep:
            problems.append("sanitizer report from rectweb: %s\n%s" % (rep, self.web.stderr()))
        return problems + e2e_runner.stop_daemons(self.daemons, keep)

    def item(self, ref):
        return self.d.call("show", {"item": ref})["item"]

    def events(self):
        return self.d.call("audit_verify") and self.all_events()

    def all_events(self):
        evs = []
        for it in self.d.call("list")["items"]:
            evs += self.d.call("history", {"item": it["id"]})["events"]
        return evs

    def logged_in(self, user):
        h = self.web.client()
        r = h.login(user)
        eq(r.status, 303, "login of %s: %s" % (user, r.text[:300]))
        return h


# =============================================================================
class Passwords:
    """rectd's side: passwd, login, and the password outside the chain."""

    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def gw(self, args):
        keys = rawclient.keys_for(self.d.endpoint, GATEWAY)
        with rawclient.Client(self.d.endpoint, GATEWAY, keys=keys) as c:
            return c.request("login", args)

    def test_a_user_sets_their_own_password_and_the_gateway_checks_it(self):
        res = self.d.call("passwd", {"password": "geheim-123"}, user=OWNER)
        eq((res["user"], res["reset"]), (OWNER, False), "own password set")
        ok = self.gw({"name": OWNER, "password": "geheim-123"})
        eq(ok.get("ok"), True, "login with the right password: %r" % ok)
        eq((ok["result"]["user"], ok["result"]["roles"]), (OWNER, ["owner"]), "who logged in")
        bad = self.gw({"name": OWNER, "password": "geheim-124"})
        eq(bad["error"]["code"], "permission_denied", "a wrong password")
        nobody = self.gw({"name": "nosuchuser", "password": "geheim-123"})
        eq(nobody["error"]["code"], "permission_denied", "an unknown user: the same refusal")
        eq(bad["error"]["message"], nobody["error"]["message"], "the answer does not tell which")

    def test_rectctl_passwd_reads_the_password_from_a_pipe(self):
        argv = [RECTCTL, "-c", self.d.conf, "--as", OTHER_OWNER, "passwd"]
        p = subprocess.run(argv, input=b"zhaoli-from-pipe\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        eq(p.returncode, 0, "rectctl passwd: %s" % p.stderr.decode())
        eq(self.gw({"name": OTHER_OWNER, "password": "zhaoli-from-pipe"}).get("ok"), True, "it works")
        short = subprocess.run(argv, input=b"short\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        check(short.returncode != 0, "a short password is refused")

    def test_only_a_gateway_may_check_a_password(self):
        with rawclient.Client(self.d.endpoint, OWNER) as c:
            r = c.request("login", {"name": OWNER, "password": "whatever-1"})
        eq(r["error"]["code"], "permission_denied", "an official calling login")

    def test_an_admin_reset_is_an_event_without_the_hash_and_others_may_not(self):
        # the verifier's own password, which the admin does not know
        self.d.call("passwd", {"password": "verifier-own-1"}, user=VERIFIER)
        eq(self.gw({"name": VERIFIER, "password": "verifier-own-1"}).get("ok"), True, "her own password")
        before = self.d.call("ping")["head"]
        # an admin choosing her password could log in on the web as her: refused, nothing changed
        rr = self.d.request("passwd", {"password": "reset-by-admin", "name": VERIFIER}, user=ADMIN)
        eq(rr["error"]["code"], "bad_value", "an admin choosing another's password: %r" % rr)
        check("clears it" in rr["error"]["message"], "says what a reset does: %r" % rr["error"])
        eq(self.d.call("ping")["head"], before, "the refused reset recorded nothing")
        eq(self.gw({"name": VERIFIER, "password": "reset-by-admin"}).get("ok"), False,
           "the admin's choice did not land")
        eq(self.gw({"name": VERIFIER, "password": "verifier-own-1"}).get("ok"), True, "her password still works")
        # setting one's own needs a password
        rr = self.d.request("passwd", {}, user=VERIFIER)
        eq(rr["error"]["code"], "missing_field", "passwd without a password for oneself: %r" % rr)
        # the reset clears it
        r = self.d.call("passwd", {"name": VERIFIER}, user=ADMIN)
        eq((r["user"], r["reset"]), (VERIFIER, True), "reset")
        ins = self.d.call("inspection_history")
        evs = [e for e in ins.get("events", []) if e.get("action") == "password_reset"]
        eq(len(evs), 1, "one password_reset event in the item-0 history: %r" % ins)
        eq(evs[0]["changes"], {"user": VERIFIER}, "it names the user only")
        check("argon2" not in json.dumps(ins), "no hash in the history")
        eq(self.d.call("audit_verify")["ok"], True, "the chain verifies with the reset in it")
        check(self.d.call("ping")["head"] != before, "the head moved")
        eq(self.gw({"name": VERIFIER, "password": "verifier-own-1"}).get("ok"), False,
           "after the reset her old password no longer logs in")
        # an owner may not reset another's password
        ref = rawclient.Client(self.d.endpoint, OWNER)
        with ref as c:
            rr = c.request("passwd", {"name": VERIFIER})
        eq(rr["error"]["code"], "permission_denied", "an owner resetting a verifier")
        # she sets a new one with her own key
        self.d.call("passwd", {"password": "verifier-new-2"}, user=VERIFIER)
        eq(self.gw({"name": VERIFIER, "password": "verifier-new-2"}).get("ok"), True, "her new password")
        # rectctl passwd --name: no prompt, the password cleared
        r = self.d.ctl("passwd", "--name", VERIFIER, user=ADMIN, json_out=False)
        eq(r.rc, 0, "rectctl passwd --name: %r" % r)
        check("cleared" in r.out, "says it cleared it: %r" % r.out)
        eq(self.gw({"name": VERIFIER, "password": "verifier-new-2"}).get("ok"), False, "cleared by rectctl")

    def test_no_password_hash_anywhere_in_the_history_or_the_reply_cache(self):
        self.d.call("passwd", {"password": "find-me-if-you-can"}, user=LEADER)
        dump = subprocess.run(["mdb_dump", "-a", "-p", self.d.data_dir], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60).stdout.decode("latin-1")
        check("find-me-if-you-can" not in dump, "the password itself is nowhere in the database")
        # the hash is in the passwords database and nowhere else
        per_db = subprocess.run(["mdb_dump", "-p", "-s", "events", self.d.data_dir], stdout=subprocess.PIPE,
                                timeout=60).stdout.decode("latin-1")
        check("argon2id" not in per_db, "no hash in the events")
        pw = subprocess.run(["mdb_dump", "-p", "-s", "passwords", self.d.data_dir], stdout=subprocess.PIPE,
                            timeout=60).stdout.decode("latin-1")
        check("argon2id" in pw and LEADER in pw, "the hash is in the passwords database")

    def test_a_password_cannot_be_set_through_a_gateway(self):
        keys = rawclient.keys_for(self.d.endpoint, GATEWAY)
        with rawclient.Client(self.d.endpoint, OWNER, keys=keys) as c:
            r = c.request("passwd", {"password": "via-gateway-1"})
        eq(r["error"]["code"], "permission_denied", "passwd through the gateway: %r" % r)

    def test_rectd_throttles_a_users_password_checks(self):
        self.d.call("passwd", {"password": "right-password"}, user="sunqiang")
        codes = [self.gw({"name": "sunqiang", "password": "wrong-%d" % i})["error"]["code"] for i in range(7)]
        eq(codes[:5], ["permission_denied"] * 5, "the first five are checked")
        eq(codes[5:], ["throttled"] * 2, "then refused unchecked")
        r = self.gw({"name": "sunqiang", "password": "right-password"})
        eq(r["error"]["code"], "throttled", "even the right password waits: %r" % r)
        # names that are no user's share one count: guessing names is throttled too
        codes = [self.gw({"name": "ghost%d" % i, "password": "x-password"})["error"]["code"] for i in range(6)]
        # test 1 tried one unknown name already: the fifth failure of the shared count is ghost3
        eq(codes, ["permission_denied"] * 4 + ["throttled"] * 2, "unknown names")

    def test_another_name_does_not_wipe_a_users_count(self):
        self.d.call("passwd", {"password": "wugang-pass-1"}, user="wugang")
        for i in range(4):
            eq(self.gw({"name": "wugang", "password": "bad-%d" % i})["error"]["code"], "permission_denied", "try %d" % i)
        # other users' failures and successes in between
        for u in ("zhaoli", "lijun", "chenmei"):
            self.d.call("passwd", {"password": "%s-pass-9" % u}, user=u)
            self.gw({"name": u, "password": "wrong-one"})
            self.gw({"name": u, "password": "%s-pass-9" % u})
        eq(self.gw({"name": "wugang", "password": "bad-4"})["error"]["code"], "permission_denied", "the fifth")
        eq(self.gw({"name": "wugang", "password": "wugang-pass-1"})["error"]["code"], "throttled",
           "wugang's count survived the others")
        # another user is not held up
        self.d.call("passwd", {"password": "zhouping-pass"}, user="zhouping")
        eq(self.gw({"name": "zhouping", "password": "zhouping-pass"}).get("ok"), True, "another user logs in")


# =============================================================================
class Security(Base):
    """The attacker's requests over plain HTTP: each refused, nothing changed."""

    def test_a_config_others_may_write_is_refused(self):
        bad = os.path.join(self.d.tmp, "rectweb-open.conf")
        shutil.copy(self.web.conf, bad)
        os.chmod(bad, 0o666)
        p = subprocess.run([RECTWEB, "-c", bad, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        check(p.returncode != 0 and b"chmod go-w" in p.stderr, "refused: %r" % p.stderr)
        os.chmod(bad, 0o600)
        p = subprocess.run([RECTWEB, "-c", bad, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        eq(p.returncode, 0, "the same file, 0600: %r" % p.stderr)

    def test_a_setting_of_the_wrong_kind_or_a_host_name_to_listen_on_is_refused(self):
        with open(self.web.conf, encoding="utf-8") as f:
            text = f.read()
        check(re.search(r'^\s*listen = "[^"]*";', text, re.M), "the config has a listen line")

        def check_conf(name, new_text):
            path = os.path.join(self.d.tmp, "rectweb-%s.conf" % name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(new_text)
            os.chmod(path, 0o600)
            return subprocess.run([RECTWEB, "-c", path, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=60)

        def listen(value):
            return re.sub(r'^(\s*)listen = "[^"]*";', lambda m: m.group(1) + "listen = %s;" % value, text,
                          count=1, flags=re.M)

        for name, conf, want in (
                ("number", listen("8080"), b"web.listen must be a string in double quotes"),
                ("hostname", listen('"localhost:8080"'), b'"localhost" is not an IP address'),
                ("noport", listen('"127.0.0.1:"'), b"write ADDRESS:PORT"),
                ("tls", text.replace("web = {", "web = {\n    tls_cert = 5;", 1),
                 b"web.tls_cert must be a string")):
            p = check_conf(name, conf)
            check(p.returncode != 0 and want in p.stderr, "%s: refused with %r: %r" % (name, want, p.stderr))
        for ok in ('"[::1]:8080"', '"::1:8080"', '"0.0.0.0:8080"'):
            p = check_conf("ok", listen(ok))
            eq(p.returncode, 0, "listen = %s: %r" % (ok, p.stderr))

    def test_the_session_cookie_is_httponly_and_samesite_strict(self):
        h = self.web.client()
        r = h.login(OWNER)
        eq(r.status, 303, "logged in")
        sc = [c for c in r.cookies() if c.startswith("rw_s=")]
        eq(len(sc), 1, "one session cookie")
        check("HttpOnly" in sc[0] and "SameSite=Strict" in sc[0] and "Secure" not in sc[0],
              "flags (no Secure over plain HTTP): %r" % sc[0])
        page = h.get("/")
        eq(page.status, 200, "my items")
        check("default-src 'none'" in (page.header("content-security-policy") or ""), "a strict CSP")
        eq(page.header("x-content-type-options"), "nosniff", "nosniff")

    def test_without_a_session_nothing_is_shown_or_changed(self):
        h = self.web.client()
        r = h.get("/")
        eq((r.status, r.header("location")), (303, "/login"), "my items → the login page")
        for path in ("/item/1", "/board", "/ledger.csv", "/inbox"):
            eq(h.get(path).status, 303, "GET %s without a session" % path)
        state = self.item(1)["state"]
        r = h.post("/item/1/start", {"csrf": "x" * 43})
        eq(r.status, 403, "POST without a session")
        eq(self.item(1)["state"], state, "nothing changed")

    def test_a_guessed_session_id_is_no_session(self):
        victim = self.logged_in(OWNER)
        page = victim.get("/item/1")
        csrf = victim.csrf(page)
        h = self.web.client()
        for guess in (secrets.token_urlsafe(32), victim.jar["rw_s"][:-1] + ("A" if victim.jar["rw_s"][-1] != "A" else "B"),
                      "", "../" * 10, "x" * 400):
            h.jar = {"rw_s": guess}
            eq(h.get("/").status, 303, "a guessed session %r" % guess[:20])
            eq(h.post("/item/1/start", {"csrf": csrf}).status, 403, "a write with a guessed session")
        eq(self.item(1)["state"], "assigned", "nothing changed")

    def test_a_write_without_or_with_a_wrong_csrf_token_is_refused(self):
        h = self.logged_in(OWNER)
        other = self.logged_in(OTHER_OWNER)
        other_csrf = other.csrf(other.get("/"))
        eq(h.post("/item/1/start", {}).status, 403, "no CSRF token")
        eq(h.post("/item/1/start", {"csrf": ""}).status, 403, "an empty token")
        eq(h.post("/item/1/start", {"csrf": other_csrf}).status, 403, "another session's token")
        eq(self.item(1)["state"], "assigned", "nothing changed")
        # and with the right one it works, in liming's name through the gateway
        r = h.post("/item/1/start", {"csrf": h.csrf(h.get("/item/1"))})
        eq(r.status, 303, "start with the token: %s" % r.text[:300])
        eq(self.item(1)["state"], "rectifying", "started")

    def test_a_script_in_a_note_is_shown_escaped(self):
        h = self.logged_in(OWNER)
        iid = self.started(1)
        csrf = h.csrf(h.get("/item/%d" % iid))
        note = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        r = h.post("/item/%d/evidence" % iid, {"csrf": csrf, "note": note}, files=[("现场.jpg", JPEG)])
        eq(r.status, 303, "evidence filed: %s" % r.text[:400])
        page = h.get("/item/%d" % iid).text
        check("<script>alert" not in page and "<img src=x" not in page, "no live script in the page")
        check("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page, "the note shown escaped")
        ev = self.d.call("show", {"item": iid})["evidence"][-1]
        eq(ev["note"], note, "rectd keeps the note as written")

    def test_an_oversized_upload_is_refused_and_nothing_changes(self):
        h = self.logged_in(OWNER)
        iid = self.started(2)
        before = self.item(iid)["evidence_count"]
        csrf = h.csrf(h.get("/item/%d" % iid))
        # declared too large: refused before the body is read
        s = socket.create_connection(("127.0.0.1", self.web.port), timeout=30)
        s.sendall(("POST /item/%d/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: rw_s=%s\r\n"
                   "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n"
                   % (iid, h.jar["rw_s"], 2 << 20)).encode())
        head = s.recv(4096).decode("utf-8", "replace")
        s.close()
        check(head.startswith("HTTP/1.1 413"), "2 MiB declared over a 1 MiB limit: %r" % head[:200])
        check("上限" in head, "says the limit: %r" % head[:400])
        # not declared (chunked): counted while read, refused at the end
        boundary = "rectwebbig"
        def body():
            yield ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n" % (boundary, csrf)).encode()
            yield ("--%s\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n太大\r\n" % boundary).encode()
            yield ("--%s\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"big.jpg\"\r\n\r\n" % boundary).encode()
            for _ in range(32):
                yield b"\xff" * (1 << 16)
            yield ("\r\n--%s--\r\n" % boundary).encode()
        c = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=60)
        c.request("POST", "/item/%d/evidence" % iid, body=body(), encode_chunked=True,
                  headers={"Cookie": "rw_s=%s" % h.jar["rw_s"],
                           "Content-Type": "multipart/form-data; boundary=%s" % boundary})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        eq(r.status, 413, "a chunked 2 MiB upload: %s" % text[:300])
        eq(self.item(iid)["evidence_count"], before, "nothing filed")
        eq(self.web.proc.poll(), None, "rectweb still runs")

    def test_many_uploads_at_once_are_held_to_four_limits_worth(self):
        h = self.logged_in(OWNER)
        iid = self.started(2)
        csrf = h.csrf(h.get("/item/%d" % iid))
        before = self.item(iid)["evidence_count"]
        part = 900 * 1024  # each under the 1 MiB limit; five of them over four limits' worth
        head = ("--rwbnd\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n"
                "--rwbnd\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nx\r\n"
                "--rwbnd\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n" % csrf).encode()
        tail = b"\r\n--rwbnd--\r\n"
        socks = []
        for i in range(5):
            s = socket.create_connection(("127.0.0.1", self.web.port), timeout=30)
            try:
                s.sendall(("POST /item/%d/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: rw_s=%s\r\n"
                           "Content-Type: multipart/form-data; boundary=rwbnd\r\nContent-Length: %d\r\n\r\n"
                           % (iid, h.jar["rw_s"], len(head) + part + len(tail))).encode() + head + b"\xff" * (part - 10))
            except OSError as e:
                raise Failure("upload %d at once: %s: %r" % (i + 1, e, s.recv(4096)[:300]))
            socks.append(s)
            time.sleep(0.3)  # let rectweb read it
        last = socks[-1]
        try:
            last.sendall(b"\xff" * 10 + tail)
        except OSError:
            pass  # rectweb may answer and close before the last bytes
        answer = last.recv(4096).decode("utf-8", "replace")
        check(answer.startswith("HTTP/1.1 503"), "the fifth at once is refused: %r" % answer[:200])
        for s in socks:
            s.close()
        time.sleep(0.5)
        eq(self.item(iid)["evidence_count"], before, "nothing filed")
        r = h.post("/item/%d/evidence" % iid, {"csrf": csrf, "note": "之后"}, files=[("b.jpg", JPEG)])
        eq(r.status, 303, "once they are gone an upload goes through: %s" % r.text[:200])

    def test_a_path_traversal_in_a_file_name_goes_nowhere(self):
        h = self.logged_in(OWNER)
        iid = self.started(1)
        csrf = h.csrf(h.get("/item/%d" % iid))
        r = h.post("/item/%d/evidence" % iid, {"csrf": csrf, "note": "照片"}, files=[("../../../etc/passwd.jpg", JPEG)])
        eq(r.status, 303, "filed: %s" % r.text[:300])
        f = self.d.call("show", {"item": iid})["evidence"][-1]["files"][0]
        check("/" not in f["name"] and not f["name"].startswith("."), "the stored name is safe: %r" % f["name"])
        for n in ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "a\r\nSet-Cookie: x=1", '";x=.jpg'):
            d = h.get("/blob/%d/%s?n=%s&dl=1" % (iid, f["sha256"], urllib.parse.quote(n)))
            eq(d.status, 200, "the download with name %r" % n)
            eq(d.body, JPEG, "the stored bytes")
            cd = d.header("content-disposition")
            check(cd.startswith("attachment;") and "\n" not in cd and "\r" not in cd, "disposition %r" % cd)
            check("%2F" not in cd.upper() and "%5C" not in cd.upper(), "no slash in the encoded name %r" % cd)
            fname = re.search(r'filename="([^"]*)"', cd).group(1)
            check("/" not in fname and not fname.startswith(".") and "\\" not in fname, "a safe name %r" % fname)
            check("x=1" not in (d.header("set-cookie") or ""), "no header injection")
        for path in ("/blob/%d/../../etc/passwd" % iid, "/blob/%d/%s/../x" % (iid, f["sha256"]), "/item/1/../../etc",
                     "/static/../rectweb.conf"):
            r = h.get(path)
            check(r.status in (400, 404), "%s: %s" % (path, r.status))
        # another item's file is not reached through this item (rectd's rule)
        r = h.get("/blob/%d/%s?n=x.jpg" % (self.mine[0], f["sha256"]))
        eq(r.status, 409, "a file of one item through another: %s" % r.text[:200])

    def test_twenty_wrong_passwords_are_throttled(self):
        h = self.web.client()
        statuses = [h.login(VERIFIER, "wrong-%d" % i).status for i in range(20)]
        eq(statuses[:5], [403] * 5, "the first five are checked")
        eq(set(statuses[5:]), {429}, "then throttled")
        r = h.login(VERIFIER)
        eq(r.status, 429, "the right password waits too")
        check("秒后再试" in r.text, "says how long: %r" % r.text[:300])
        # another official is not held up
        eq(self.web.client().login(LEADER).status, 303, "another user logs in")

    def test_logout_ends_the_session(self):
        h = self.logged_in(OTHER_OWNER)
        sid = h.jar["rw_s"]
        r = h.post("/logout", {"csrf": h.csrf(h.get("/"))})
        eq((r.status, r.header("location")), (303, "/login"), "logged out")
        h.jar = {"rw_s": sid}
        eq(h.get("/").status, 303, "the old session id is no session")

    def test_an_owner_sees_only_their_items_and_rectds_refusals_in_chinese(self):
        h = self.logged_in(OTHER_OWNER)
        page = h.get("/").text
        mine = [it["ref"] for it in self.d.call("list", {"owner": OTHER_OWNER})["items"]]
        others = [it["ref"] for it in self.d.call("list")["items"] if it["owner"] != OTHER_OWNER]
        check(mine and all(ref in page for ref in mine), "every one of zhaoli's items")
        check(not any('class="ref">%s<' % ref in page for ref in others), "no one else's")
        # zhaoli may not start liming's item: rectd refuses, the page says so in Chinese
        item = [it for it in self.d.call("list", {"owner": OWNER})["items"] if it["state"] == "assigned"][0]
        r = h.post("/item/%d/start" % item["id"], {"csrf": h.csrf(h.get("/"))})
        eq(r.status, 403, "refused")
        check("该用户无权这样做" in r.text, "the Chinese summary: %r" % r.text[:600])
        detail = re.search(r'<p class="detail">([^<]*)</p>', r.text).group(1)
        check("李明" in detail and not re.search(r"[a-z]{4,} [a-z]{4,}", detail),
              "the sentence rectctl prints, in Chinese with display names: %r" % detail)
        eq(self.item(item["id"])["state"], "assigned", "nothing changed")

    def test_an_extension_is_asked_and_decided_through_the_web(self):
        iid = self.mine[3]
        it = self.item(iid)
        h = self.logged_in(OWNER)
        page = h.get("/item/%d" % iid)
        check('action="/item/%d/extend"' % iid in page.text, "the owner is offered 申请延期")
        r = h.post("/item/%d/extend" % iid, {"csrf": h.csrf(page), "deadline": "2028-01-31", "reason": "雨季施工受阻"})
        eq(r.status, 303, "asked: %s" % r.text[:300])
        eq(self.item(iid)["extension"]["deadline"], "2028-01-31", "pending")
        # the owner cannot decide his own request: rectd says so
        r = h.post("/item/%d/decide" % iid, {"csrf": h.csrf(h.get("/item/%d" % iid)), "decision": "approve"})
        eq(r.status, 403, "the owner deciding: %s" % r.text[:300])
        eq(self.item(iid)["deadline"], it["deadline"], "the deadline did not move")
        boss = self.logged_in(it["leader"])
        page = boss.get("/item/%d" % iid)
        check("雨季施工受阻" in page.text, "the leader sees the request")
        r = boss.post("/item/%d/decide" % iid, {"csrf": boss.csrf(page), "decision": "approve", "note": "同意"})
        eq(r.status, 303, "approved: %s" % r.text[:300])
        eq((self.item(iid)["deadline"], self.item(iid)["extension"]), ("2028-01-31", None), "the deadline moved")

    def test_a_notice_is_marked_read_from_the_inbox(self):
        h = self.logged_in(OWNER)
        page = h.get("/inbox")
        eq(page.status, 200, "the inbox")
        mine = self.d.call("inbox", {"all": True}, user=OWNER)["notices"]
        unread = [n for n in mine if not n["read"]]
        check(unread and unread[0]["subject"] in page.text, "liming's notices are shown")
        r = h.post("/ack", {"csrf": h.csrf(page), "id": str(unread[0]["id"])})
        eq(r.status, 303, "marked read: %s" % r.text[:300])
        now = {n["id"]: n["read"] for n in self.d.call("inbox", {"all": True}, user=OWNER)["notices"]}
        eq(now[unread[0]["id"]], True, "rectd has it read")
        others = [n for n in self.d.call("inbox", {"all": True}, user=OTHER_OWNER)["notices"] if not n["read"]]
        r = h.post("/ack", {"csrf": h.csrf(h.get("/inbox")), "id": str(others[0]["id"])})
        eq(r.status, 409, "another official's notice: %s" % r.text[:300])
        check("未找到" in r.text, "rectd's not_found in Chinese")
        eq(h.post("/ack", {"csrf": h.csrf(h.get("/inbox")), "id": "1 OR 1=1"}).status, 400, "a bad id")

    def test_the_inbox_page_shows_at_most_50_unread_notices_and_says_when_more_wait(self):
        def shown(h):
            page = h.get("/inbox")
            eq(page.status, 200, "the inbox")
            return page, [int(i) for i in re.findall(r'name="id" value="(\d+)"', page.text)]

        more = "只列出了最早的 50 条未读通知"
        h = self.logged_in(OTHER_OWNER)
        with self.d.raw(OTHER_OWNER) as c:
            unread = [n["id"] for n in rawclient.inbox_all(c)]
        check(0 < len(unread) < 50, "zhaoli has a few unread notices: %d" % len(unread))
        page, ids = shown(h)
        eq(ids, unread, "every unread notice, oldest first")
        check(more not in page.text, "no line about more")
        # urges tell the owner at once: 50 of them and zhaoli's unread are more than a page
        item = [it for it in self.d.call("list", {"owner": OTHER_OWNER})["items"] if it["state"] != "closed"][0]
        with self.d.raw(ADMIN) as c:
            for k in range(50):
                c.call("urge", {"item": item["id"], "note": "督办第 %d 次" % (k + 1)})
            unread = [n["id"] for n in rawclient.inbox_all(c, user=OTHER_OWNER)]
        check(len(unread) > 50, "more than a page unread: %d" % len(unread))
        page, ids = shown(h)
        eq(ids, unread[:50], "the oldest 50 unread")
        check(more in page.text, "the page says more wait: %r" % page.text[-600:])
        # marking one read makes room for the next
        eq(h.post("/ack", {"csrf": h.csrf(page), "id": str(ids[0])}).status, 303, "one marked read")
        page, ids = shown(h)
        eq(ids, unread[1:51], "the next one moved up")
        with self.d.raw(OTHER_OWNER) as c:
            for i in unread[1:]:
                c.seq += 1
                eq(c.request("ack", {"id": i}, seq=c.seq)["ok"], True, "ack %d" % i)
        page, ids = shown(h)
        eq(ids, [], "none unread")
        check("没有未读通知" in page.text and more not in page.text, "the page says none: %r" % page.text[-600:])

    def test_zz_every_change_made_through_the_web_names_the_official_and_the_gateway(self):
        evs = [e for e in self.all_events() if e.get("via")]
        check(len(evs) >= 3, "changes were made through the web: %d" % len(evs))
        for e in evs:
            eq(e["via"], GATEWAY, "via of seq %d" % e["seq"])
            check(e["actor"] in PASSWORDS, "the official of seq %d: %s" % (e["seq"], e["actor"]))
        out = self.d.ctl("history", str(self.mine[1]), json_out=False).out
        check("(via rectweb)" in out, "rectctl history shows the gateway: %r" % out[-400:])
        eq(self.d.call("audit_verify")["ok"], True, "the chain verifies")

    def test_zz_no_password_in_any_log(self):
        logs = self.web.stderr() + "".join(self.d.stderr(i) for i in range(len(self.d.err_files)))
        check("rectweb: login %s from 127.0.0.1: ok" % OWNER in logs, "logins are logged: %r" % logs[-500:])
        for pw in list(PASSWORDS.values()) + ["wrong-0", "wrong-19", "wrong-password"]:
            check(pw not in logs, "a password in a log: %r" % pw)


# =============================================================================
class AddressThrottle(Base):
    """Failed logins from one address wait, whichever names they try."""
    web_overrides = {"login_tries_address": 3, "login_wait_s": 120}

    def setup(self):
        Base.setup(self)
        self.sessions = {OTHER_OWNER: self.logged_in(OTHER_OWNER)}  # before the address is held up

    def web_session(self, user):
        return self.sessions[user]

    def test_three_failures_from_one_address_hold_up_every_name(self):
        h = self.web.client()
        eq([h.login(u, "wrong-password").status for u in (OWNER, OTHER_OWNER, VERIFIER)], [403] * 3,
           "three names, one wrong password each")
        eq(h.login(LEADER).status, 429, "a fourth name, right password, same address")
        eq(self.d.call("ping")["user"]["name"], ADMIN, "rectd itself is not held up")

    def test_while_rectd_is_down_the_page_says_so_and_then_works_again(self):
        # a session made before this address was held up (setup)
        s = self.web_session(OTHER_OWNER)
        self.d.stopped_on_purpose = True
        self.d.stop()
        r = s.get("/")
        eq(r.status, 502, "rectd down: %s" % r.text[:300])
        check("无法连接 rectd" in r.text, "says so in Chinese: %r" % r.text[:400])
        eq(self.web.proc.poll(), None, "rectweb still runs")
        self.d.start()
        self.d.stopped_on_purpose = False
        r = s.get("/")
        eq(r.status, 200, "rectd back: the same session works: %s" % r.text[:200])


# =============================================================================
class Tls(Base):
    """With web.tls_cert and web.tls_key: HTTPS, and the cookie is Secure."""

    def setup(self):
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import NameOID
        except ImportError:
            raise Skip("python3-cryptography is not installed (make deps)")
        import datetime
        self.tmpd = tempfile.mkdtemp(prefix="rw-tls-", dir="/tmp")
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
        self.cert = os.path.join(self.tmpd, "cert.pem")
        with open(self.cert, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        kpath = os.path.join(self.tmpd, "key.pem")
        with open(kpath, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()))
        os.chmod(kpath, 0o600)
        self.web_overrides = {"tls_cert": self.cert, "tls_key": kpath}
        Base.setup(self)

    def teardown(self, keep):
        shutil.rmtree(self.tmpd, ignore_errors=True)
        return Base.teardown(self, keep)

    def test_https_serves_the_login_and_the_session_cookie_is_secure(self):
        import ssl
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        def get(path, body=None, cookie=""):
            c = http.client.HTTPSConnection("127.0.0.1", self.web.port, timeout=60, context=ctx)
            hdr = {"Cookie": cookie}
            if body is not None:
                hdr["Content-Type"] = "application/x-www-form-urlencoded"
            c.request("POST" if body is not None else "GET", path, body=body, headers=hdr)
            r = c.getresponse()
            out = (r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
            c.close()
            return out
        st, hdrs, text = get("/login")
        eq(st, 200, "the login form over TLS")
        pre_cookie = [v for k, v in hdrs if k.lower() == "set-cookie"][0]
        check("Secure" in pre_cookie, "the form's cookie is Secure: %r" % pre_cookie)
        pre = re.search(r'name="pre" value="([^"]+)"', text).group(1)
        st, hdrs, text = get("/login", urllib.parse.urlencode({"pre": pre, "name": OWNER, "password": PASSWORDS[OWNER]}),
                             cookie="rw_pre=%s" % pre)
        eq(st, 303, "logged in over TLS: %s" % text[:200])
        sc = [v for k, v in hdrs if k.lower() == "set-cookie" and v.startswith("rw_s=")][0]
        check("Secure" in sc and "HttpOnly" in sc, "the session cookie: %r" % sc)
        # plain HTTP on the TLS port gets nothing useful
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.web.port, timeout=10)
            c.request("GET", "/login")
            status = c.getresponse().status
        except (http.client.HTTPException, OSError):
            status = None
        check(status != 200, "plain HTTP is not served: %r" % status)


# =============================================================================
def tiny_png(w, h):
    """An RGB PNG of w x h pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    rows = b"".join(b"\0" + bytes((x * 9) & 255 for x in range(3 * w)) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


LEDGER_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
                "html": "text/html; charset=utf-8", "json": "application/json; charset=utf-8"}


class Downloads(Base):
    """The 台账 page's downloads: the ledger in every format rectctl writes and the
    printable case file, made by rectctl's own renderers as the official may read."""

    def setup(self):
        Base.setup(self)
        self.iid = self.started(0)
        it = self.item(self.iid)
        self.ref, self.insp = it["ref"], it["inspection"]
        self.png = tiny_png(12, 8)
        self.d.call("evidence", {"item": self.iid, "note": "现场照片与报告", "files": ["现场.jpg", "平面图.png", "报告.pdf"]},
                    files=[JPEG, self.png, b"%PDF-1.4\n%%EOF\n"], user=OWNER)
        self.h = self.logged_in(OWNER)

    def get(self, path, status=200):
        r = self.h.get(path)
        eq(r.status, status, "GET %s: %s" % (path, r.text[:300]))
        return r

    def ledger(self, fmt):
        r = self.get("/ledger.%s?inspection=%s" % (fmt, urllib.parse.quote(self.insp)))
        eq(r.header("content-type"), LEDGER_TYPES[fmt], "the %s's type" % fmt)
        cd = r.header("content-disposition")
        want = "filename*=UTF-8''%s" % urllib.parse.quote("销号台账-%s.%s" % (self.insp, fmt))
        check(cd.startswith("attachment; filename=\"") and cd.endswith(want), "the %s's name: %r" % (fmt, cd))
        check(all(ord(c) < 128 for c in cd), "the header is ASCII: %r" % cd)
        return r

    def refs(self):
        return [row["ref"] for row in self.d.ctlj("ledger", "--inspection", self.insp, user=OWNER)["rows"]]

    def test_the_ledger_page_links_every_format_and_the_case_file(self):
        page = self.get("/ledger")
        for fmt in LEDGER_TYPES:
            check('class="ledger-%s" href="/ledger.%s?inspection=' % (fmt, fmt) in page.text, "a %s link" % fmt)
        check('class="dossier-html" href="/dossier.html?inspection=' in page.text, "the case file's link")
        check('href="/item/%d/dossier.html"' % self.iid in self.get("/item/%d" % self.iid).text,
              "the item's case file")

    def test_the_json_ledger_is_rectctls_as_the_same_official(self):
        got = json.loads(self.ledger("json").body)
        want = self.d.ctlj("ledger", "--inspection", self.insp, user=OWNER)
        # When each was made (to the second) may differ, and with it the digest
        # of the whole ledger and the signature's value; the digests of every
        # other field and row may not.
        for d in (got, want):
            signed = d["signature"]["signed"]
            for fields in (d, signed["fields"]):
                for k in [k for k in fields if k.startswith("generated")]:
                    fields.pop(k)
            check(len(signed.pop("ledger_sha256")) == 64, "a digest of the whole ledger")
            check(len(d["signature"].pop("value")) > 0, "a signature")
        eq(got, want, "the same ledger")
        check(self.ref in [r["ref"] for r in got["rows"]], "the item is in it")

    def test_the_csv_and_markdown_ledgers_are_rectctls_apart_from_when(self):
        for fmt in ("csv", "md"):
            web = self.ledger(fmt).body.decode("utf-8")
            cli = self.d.ctl("ledger", "--inspection", self.insp, "--format", fmt, user=OWNER, json_out=False).out
            for ref in self.refs():
                check(ref in web, "%s has %s" % (fmt, ref))
            # the lines saying when it was made are the only ones that may differ
            dw = [ln for ln in web.splitlines() if ln not in cli.splitlines()]
            check(len(dw) <= 2, "%s: the web's own lines: %r" % (fmt, dw))
        check(self.ledger("csv").body.startswith(b"\xef\xbb\xbf"), "the CSV has rectctl's BOM")

    def test_the_html_ledger_is_the_printed_page(self):
        web = self.ledger("html").text
        check("<table" in web and "<svg" in web, "a table and the charts")
        for ref in self.refs():
            check(ref in web, "html has %s" % ref)

    def test_the_xlsx_ledger_opens_and_holds_the_rows(self):
        try:
            import openpyxl
        except ImportError:
            raise Skip("python3-openpyxl is not installed (make deps)")
        body = self.ledger("xlsx").body
        check(body[:2] == b"PK", "a zip")
        path = os.path.join(self.d.tmp, "web-ledger.xlsx")
        with open(path, "wb") as f:
            f.write(body)
        wb = openpyxl.load_workbook(path)
        check(len(wb.worksheets) >= 2, "the ledger and the statistics sheets: %r" % wb.sheetnames)
        cells = {str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None}
        for ref in self.refs():
            check(ref in cells, "the workbook has %s" % ref)

    def test_the_case_file_page_has_every_photo_inline(self):
        r = self.get("/item/%d/dossier.html" % self.iid)
        eq(r.header("content-type"), "text/html; charset=utf-8", "HTML")
        cd = r.header("content-disposition")
        check(cd.startswith("attachment;") and cd.endswith(urllib.parse.quote("整改档案-%s.html" % self.ref)), cd)
        page = r.text
        filed = [f for e in self.d.call("show", {"item": self.iid})["evidence"] for f in e["files"]]
        images = [f for f in filed if f["name"].endswith((".jpg", ".png"))]
        eq(page.count("data:image/"), len(images), "every image inline")
        eq((page.count("data:image/jpeg;base64,"), page.count("data:image/png;base64,")), (1, 1), "by kind")
        check(base64.b64encode(self.png).decode() in page, "the very PNG")
        check(self.ref in page and "报告.pdf" in page, "the ref and the other file listed")
        check("办理过程" in page, "in Chinese, rectctl's catalogue")
        cli = self.d.ctl("dossier", str(self.iid), user=OWNER, json_out=False).out
        eq(page.count("data:image/"), cli.count("data:image/"), "as rectctl's page")
        r = self.get("/dossier.html?inspection=%s" % urllib.parse.quote(self.insp))
        check(self.ref in r.text and r.text.count("data:image/") == 2, "the inspection's case file")
        cd = r.header("content-disposition")
        check(cd.endswith("filename*=UTF-8''%s" % urllib.parse.quote("整改档案-%s.html" % self.insp)), cd)

    def test_the_case_file_zip_holds_the_page_and_every_file_as_rectctls(self):
        import zipfile
        import io
        r = self.get("/item/%d/dossier.zip" % self.iid)
        eq(r.header("content-type"), "application/zip", "a zip")
        cd = r.header("content-disposition")
        check(cd.endswith("filename*=UTF-8''%s" % urllib.parse.quote("整改档案-%s.zip" % self.ref)), cd)
        web = zipfile.ZipFile(io.BytesIO(r.body))
        out = os.path.join(self.d.tmp, "cli-dossier.zip")
        self.d.ctl("dossier", str(self.iid), "-o", out, user=OWNER, json_out=False)
        cli = zipfile.ZipFile(out)
        eq(web.namelist()[0], "整改档案-%s.html" % self.ref, "the page at the top")
        eq(web.namelist()[1:], cli.namelist()[1:], "the files where rectctl puts them")
        for n in web.namelist()[1:]:
            eq(web.read(n), cli.read(n), "the very bytes of %s" % n)
        check(any(n.endswith("/现场.jpg") for n in web.namelist()), "the photo: %r" % web.namelist())
        eq(web.read(web.namelist()[0]).count(b"data:image/"), 2, "the page's images inline")
        check('class="dossier-zip"' in self.get("/ledger").text, "the 台账 page links it")

    def test_without_a_session_or_the_right_no_download(self):
        anon = self.web.client()
        for path in ["/ledger.%s?inspection=%s" % (f, self.insp) for f in LEDGER_TYPES] + [
                "/item/%d/dossier.html" % self.iid, "/dossier.html?inspection=%s" % self.insp,
                "/item/%d/dossier.zip" % self.iid]:
            r = anon.get(path)
            eq((r.status, r.header("location")), (303, "/login"), "GET %s without a session" % path)
            r = anon.post(path, {"csrf": "x" * 43})
            eq(r.status, 403, "POST %s without a session" % path)
            r = self.h.post(path, {"csrf": ""})
            eq(r.status, 403, "POST %s without the CSRF token" % path)
        # another official: what rectd lets her read, no more
        other = self.logged_in(OTHER_OWNER)
        try:
            self.d.call("dossier", {"item": self.iid}, user=OTHER_OWNER)
            allowed = True
        except rawclient.Refused:
            allowed = False
        r = other.get("/item/%d/dossier.html" % self.iid)
        if allowed:
            eq(r.status, 200, "rectd lets her read it")
        else:
            check(r.status != 200 and "data:image/" not in r.text, "refused: %d" % r.status)
        got = json.loads(other.get("/ledger.json?inspection=%s" % self.insp).body)
        want = self.d.ctlj("ledger", "--inspection", self.insp, user=OTHER_OWNER)
        eq([x["ref"] for x in got["rows"]], [x["ref"] for x in want["rows"]], "her ledger is rectd's for her")



# =============================================================================
class Browser(Base):
    """A real browser: headless Chromium, one item's round from a phone."""
    web_overrides = {"max_upload_mb": 20}

    def setup(self):
        if not shutil.which("chromedriver") or not shutil.which("chromium"):
            raise Skip("chromium and chromium-driver are not installed (make deps)")
        try:
            import selenium  # noqa: F401
        except ImportError:
            raise Skip("python3-selenium is not installed (make deps)")
        Base.setup(self)
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=360,800", "--lang=zh-CN"):
            opts.add_argument(a)
        opts.binary_location = shutil.which("chromium")
        self.drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
        self.drv.set_page_load_timeout(60)
        self.base = "http://127.0.0.1:%d" % self.web.port
        self.jpeg = os.path.join(self.d.tmp, "现场照片.jpg")
        self.shots = os.path.join(OUT, "screenshots")
        os.makedirs(self.shots, exist_ok=True)

    def teardown(self, keep):
        if getattr(self, "drv", None):
            self.drv.quit()
        return Base.teardown(self, keep)

    def by(self, css):
        from selenium.webdriver.common.by import By
        return self.drv.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        from selenium.webdriver.common.by import By
        return self.drv.find_elements(By.CSS_SELECTOR, css)

    def shot(self, name):
        for w, hgt, tag in ((360, 800, "phone"), (1280, 900, "desktop")):
            self.drv.set_window_size(w, hgt)
            self.drv.save_screenshot(os.path.join(self.shots, "%s-%s.png" % (name, tag)))
        self.drv.set_window_size(360, 800)

    def login(self, user):
        self.drv.delete_all_cookies()
        self.drv.get(self.base + "/login")
        self.by("input[name=name]").send_keys(user)
        self.by("input[name=password]").send_keys(PASSWORDS[user])
        self.by("form button[type=submit]").click()
        self.wait(lambda: self.drv.current_url.rstrip("/") == self.base, "logged in as %s" % user)

    def wait(self, pred, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if pred():
                    return
            except Exception:  # noqa: BLE001 - the page may be changing under us
                pass
            time.sleep(0.1)
        raise Failure("timed out waiting: %s (at %s): %s" % (what, self.drv.current_url,
                                                            re.sub(r"\s+", " ", self.by("main").text)[:300]))

    def make_jpeg(self):
        data = self.drv.execute_script(
            "var c = document.createElement('canvas'); c.width = 64; c.height = 48;"
            "var g = c.getContext('2d'); g.fillStyle = '#2e7d32'; g.fillRect(0, 0, 64, 48);"
            "g.fillStyle = '#fff'; g.fillRect(8, 8, 20, 20); return c.toDataURL('image/jpeg', 0.9);")
        raw = base64.b64decode(data.split(",", 1)[1])
        check(raw[:3] == b"\xff\xd8\xff", "a JPEG from the canvas")
        with open(self.jpeg, "wb") as f:
            f.write(raw)
        return raw

    def test_an_items_round_from_the_phone(self):
        item = [it for it in self.d.call("list", {"owner": OWNER})["items"]][0]
        iid, ref = item["id"], item["ref"]
        # the owner: only their items
        self.login(OWNER)
        refs = [e.text for e in self.all(".item .ref")]
        eq(sorted(refs), sorted(it["ref"] for it in self.d.call("list", {"owner": OWNER})["items"]),
           "liming sees exactly his items")
        self.shot("01-my-items")
        self.drv.get(self.base + "/item/%d" % iid)
        self.by("form[action$='/start'] button").click()
        self.wait(lambda: "done=1" in self.drv.current_url, "started")
        raw = self.make_jpeg()
        self.by("#upload").click()
        self.wait(lambda: self.drv.current_url.endswith("/upload"), "the upload form")
        eq(self.by("input[type=file]").get_attribute("accept"), "image/*", "photos from the camera")
        self.by("textarea[name=note]").send_keys("已完成入户核实,附现场照片")
        self.by("input[type=file]").send_keys(self.jpeg)
        self.shot("02-upload")
        self.by("form[data-progress] button[type=submit]").click()
        self.wait(lambda: "done=1" in self.drv.current_url, "evidence filed")
        self.wait(lambda: self.all("img.thumb"), "a thumbnail")
        self.wait(lambda: self.drv.execute_script("var i = document.querySelector('img.thumb');"
                                                  "return i.complete && i.naturalWidth;") == 64,
                  "the thumbnail shows the photo")
        self.shot("03-item-with-evidence")
        ev = self.d.call("show", {"item": iid})["evidence"][-1]
        eq(len(ev["files"]), 1, "one photo filed")
        sha = ev["files"][0]["sha256"]
        blob = rawclient.Client(self.d.endpoint, OWNER)
        with blob as c:
            frames = c.send_frames([json.dumps({"v": 1, "cmd": "blob_get", "user": OWNER,
                                                "args": {"item": iid, "sha256": sha}}).encode()])
        eq(frames[1], raw, "rectd holds the very bytes the browser sent")
        # the verifier sends it back, then accepts
        self.login(VERIFIER)
        self.drv.get(self.base + "/verify")
        check(ref in self.by("main").text, "the item waits for verification")
        self.drv.get(self.base + "/item/%d" % iid)
        self.by("form.verify textarea").send_keys("照片不清楚,请补充")
        self.by("form.verify button[value=reject]").click()
        self.wait(lambda: "done=1" in self.drv.current_url, "sent back")
        eq(self.item(iid)["rejections"], 1, "one rejection")
        self.d.call("evidence", {"item": iid, "note": "补充照片"}, user=OWNER)
        self.drv.get(self.base + "/item/%d" % iid)
        self.by("form.verify textarea").send_keys("合格")
        self.by("form.verify button[value=pass]").click()
        self.wait(lambda: "done=1" in self.drv.current_url, "accepted")
        eq(self.item(iid)["state"], "verified", "verified")
        # the item's leader strikes it off
        leader = self.item(iid)["leader"]
        check(leader in PASSWORDS, "the leader %s has a password" % leader)
        self.login(leader)
        self.drv.get(self.base + "/close")
        check(ref in self.by("main").text, "the item waits to be struck off")
        self.drv.get(self.base + "/item/%d" % iid)
        self.by("form.close textarea").send_keys("整改到位,同意销号")
        self.by("form.close button").click()
        self.wait(lambda: "done=1" in self.drv.current_url, "struck off")
        eq(self.item(iid)["state"], "closed", "closed")
        self.shot("04-closed")
        # the board's counts are rectd's
        self.drv.get(self.base + "/board")
        self.shot("05-board")
        stats = self.d.call("stats", {"by": "unit"}, user=leader)
        for g in stats["groups"]:
            row = self.by("#by-unit tr[data-key='%s']" % g["key"])
            cells = [td.text for td in row.find_elements("css selector", "td")]
            eq(cells, [str(g["lights"]["red"]), str(g["lights"]["yellow"]), str(g["lights"]["green"]),
                       str(g["total"])], "board row %s" % g["key"])
        # a count links to its items
        unit = self.item(iid)["unit"]
        link = self.by("#by-unit tr[data-key='%s'] td:last-child a" % unit)
        n = int(link.text)
        link.click()
        self.wait(lambda: "/items?" in self.drv.current_url, "the unit's items")
        eq(len(self.all(".item")), n, "the count's items")
        # the ledger download
        self.drv.get(self.base + "/ledger")
        self.shot("06-ledger")
        href = self.by("a.ledger-csv").get_attribute("href")
        h = self.web.client()
        eq(h.login(leader).status, 303, "logged in over HTTP")
        csv = h.get(urllib.parse.urlparse(href).path + "?" + urllib.parse.urlparse(href).query)
        eq(csv.status, 200, "ledger.csv")
        check("attachment" in csv.header("content-disposition"), "a download")
        text = csv.body.decode("utf-8-sig")
        check(ref in text and "已销号" in text, "the ledger lists the item as struck off")
        ledger = self.d.call("ledger", {"inspection": item["inspection"]}, user=leader)
        for row in ledger["rows"]:
            check(row["ref"] in text, "the ledger has %s" % row["ref"])
        # and in rectd's record: every change in the official's name via the gateway
        web_events = [e for e in self.d.call("history", {"item": iid})["events"] if e.get("via")]
        eq([(e["action"], e["actor"]) for e in web_events],
           [("start", OWNER), ("evidence", OWNER), ("reject", VERIFIER), ("verify", VERIFIER), ("close", leader)],
           "the web's changes, each by its official")
        check(all(e["via"] == GATEWAY for e in web_events), "via the gateway")

    def test_a_photo_larger_than_one_chunk_comes_back_whole(self):
        iid = self.mine[1]
        if self.item(iid)["state"] == "assigned":
            self.d.call("start", {"item": iid}, user=OWNER)
        h = self.web.client()
        eq(h.login(OWNER).status, 303, "logged in")
        big = JPEG[:-2] + os.urandom(int(2.5 * (1 << 20))) + b"\xff\xd9"  # beyond blob_get's 1 MiB chunks
        r = h.post("/item/%d/evidence" % iid, {"csrf": h.csrf(h.get("/item/%d" % iid)), "note": "大照片"},
                   files=[("大照片.jpg", big)])
        eq(r.status, 303, "filed: %s" % r.text[:300])
        f = self.d.call("show", {"item": iid})["evidence"][-1]["files"][0]
        eq(f["size"], len(big), "rectd holds all of it")
        d = h.get("/blob/%d/%s?n=%s" % (iid, f["sha256"], urllib.parse.quote(f["name"])))
        eq((d.status, d.header("content-type")), (200, "image/jpeg"), "the download")
        check(d.body == big, "the very bytes, %d of %d" % (len(d.body), len(big)))
        check(d.header("content-disposition").startswith("inline;"), "a photo opens in the page")


if __name__ == "__main__":
    rc = e2e_runner.main("e2e-web", [Passwords, Security, AddressThrottle, Tls, Downloads, Browser], sys.argv[1:])
    print("e2e-web: screenshots in %s" % os.path.join(OUT, "screenshots"))
    sys.exit(rc)
