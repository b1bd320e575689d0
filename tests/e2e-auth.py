#!/usr/bin/python3
"""End-to-end tests of who may connect and act (issue 7, section 1;
docs/SECURITY.md): CURVE on every endpoint, a request acts only as the user
whose key made the connection (or a gateway's), every event records the
principal, keys and their files, the socket file's group and mode, and
SIGHUP reloading users, roles and keys.

Real rectd processes over ipc and tcp on 127.0.0.1, driven by rectctl and by
raw ZeroMQ clients with real CURVE keys (made by rectd and rectctl keygen).

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-auth.py [-k TEXT]

Ends with "N passed, M failed".
"""

import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

import e2e_runner  # noqa: E402
import rawclient  # noqa: E402
from e2e_daemon import PLAN, RECTD, Daemon, free_tcp_port, run_rectctl  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402

ADMIN, OWNER, OTHER_OWNER, LEADER, VERIFIER = "wangyan", "liming", "zhaoli", "zhanghua", "maqing"


def no_reply(endpoint, keys, req, timeout_ms=1500):
    """True if a request from a socket with keys (None: no CURVE) gets no reply."""
    s = zmq.Context.instance().socket(zmq.REQ)
    s.setsockopt(zmq.LINGER, 0)
    if keys:
        rawclient.secure(s, keys)
    s.connect(endpoint)
    try:
        s.send(json.dumps(req).encode())
        return not s.poll(timeout_ms)
    finally:
        s.close(linger=0)


def wait_for(pred, what, timeout=10, detail=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise Failure("timed out waiting for %s%s" % (what, (": " + detail()) if detail else ""))


def logged_after_refusal(send, pred, what, tries=5):
    """send() a refused request until the log shows pred(): rectd logs at most
    one refusal a second and only counts the rest, so a refusal that falls in
    the same second as an earlier one (a loaded machine) is sent again."""
    for _ in range(tries):
        check(send(), "%s: answered" % what)
        try:
            return wait_for(pred, what, timeout=2.5)
        except Failure:
            continue
    raise Failure("timed out waiting for %s after %d refused requests" % (what, tries))


def keygen(folder, user):
    """rectctl keygen USER -o folder; returns the public key it printed."""
    r = run_rectctl("/nonexistent.conf", ["keygen", user, "-o", folder])
    eq(r.rc, 0, "rectctl keygen %s (%r)" % (user, r))
    m = re.search(r"public_key = \"(.{40})\";", r.out)
    check(m, "keygen prints the public_key line: %r" % r.out)
    return m.group(1)


def with_user_keys(text, keys):
    """Config text whose users get public_key = keys[name] (value as written)."""
    def add(m):
        name = m.group(2)
        if name not in keys:
            return m.group(0)
        return '%s public_key = "%s"; }' % (m.group(1), keys[name])
    return re.sub(r'(\{ name = "([a-z]+)";[^}\n]*?)\s*\}', add, text)


def refused(d, code, cmd, args, user, keys, what):
    """A request as user over a connection with keys is refused with code and
    changes nothing; returns the message."""
    before = d.snapshot()
    with rawclient.Client(d.endpoint, user, keys=keys) as c:
        rep = c.request(cmd, args)
    check(not rep["ok"], "%s: want %s, got ok" % (what, code))
    eq(rep["error"]["code"], code, "%s: code (%s)" % (what, rep["error"]["message"]))
    eq(d.snapshot(), before, "%s: nothing changed" % what)
    return rep["error"]["message"]


# =============================================================================
class Ipc:
    """The demo set-up: ipc, keys made by rectd, rectctl --as finds them."""

    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()
        self.d.ctlj("import", PLAN)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def key(self, user):
        return rawclient.keys_for(self.d.endpoint, user)

    def test_rectd_makes_demo_keys_with_safe_modes_and_says_they_are_not_for_production(self):
        for name in ("rectd", OWNER, ADMIN):
            st = os.stat(os.path.join(self.d.keys_dir, name + ".key"))
            eq(stat.S_IMODE(st.st_mode), 0o600, "%s.key mode" % name)
            eq(stat.S_IMODE(os.stat(os.path.join(self.d.keys_dir, name + ".pub")).st_mode), 0o644,
               "%s.pub mode" % name)
        eq(stat.S_IMODE(os.stat(self.d.keys_dir).st_mode), 0o700, "keys folder mode")
        err = self.d.stderr(0)
        check("DEMO KEYS" in err and "never for production" in err, "start message: %r" % err[:600])
        p = self.d.ctlj("ping")
        eq(p["demo_keys"], True, "ping says demo keys")
        out = self.d.ctl("ping", json_out=False).out
        check("demo keys" in out and "not for production" in out, "rectctl ping warns: %r" % out)

    def test_a_request_in_another_users_name_is_refused_and_names_who_is_connected(self):
        msg = refused(self.d, "permission_denied", "close", {"item": 1, "note": "x"}, LEADER,
                      self.key(OWNER), "liming's key acting as zhanghua")
        check("connected as liming" in msg and "zhanghua" in msg, "message: %r" % msg)
        refused(self.d, "permission_denied", "ping", None, ADMIN, self.key(OWNER), "a read too")
        refused(self.d, "unknown_user", "start", {"item": 1}, "rectd", self.key(ADMIN),
                "as rectd itself (no user may be)")

    def test_rectctl_as_another_user_works_only_where_that_users_key_is(self):
        mine = os.path.join(self.d.tmp, "mykeys")
        os.makedirs(mine, mode=0o700, exist_ok=True)
        shutil.copy2(os.path.join(self.d.keys_dir, OWNER + ".key"), mine)
        conf = self.d.write_conf({"client.keys_dir": mine}, name="mine.conf")
        before = self.d.snapshot()
        r = self.d.ctl("start", "1", user=LEADER, conf=conf)
        eq(r.rc, 1, "exit status (%r)" % r)
        check("no key of zhanghua" in r.err and "rectctl keygen zhanghua" in r.err, "message: %r" % r.err)
        r = self.d.ctl("start", "1", user=OWNER, conf=conf)
        eq((r.rc, r.json()["item"]["state"]), (0, "rectifying"), "liming with his own key")
        # --key with another --as: the key decides who is connected
        r = self.d.ctl("--key", os.path.join(mine, OWNER + ".key"), "close", "1", "--note", "x", user=LEADER)
        eq(r.rc, 3, "exit status (%r)" % r)
        check("connected as liming" in r.err, "message: %r" % r.err)
        # $RECTCTL_KEY names the user when nothing else does
        r = self.d.ctl("ping", conf=conf, env={"RECTCTL_KEY": os.path.join(mine, OWNER + ".key")})
        eq(r.json()["user"]["name"], OWNER, "user from the key file")
        eq(self.d.snapshot()["events"], before["events"] + 1, "only liming's start was made")

    def test_every_event_records_the_principal_with_the_unix_account_over_ipc(self):
        me = pwd.getpwuid(os.getuid()).pw_name
        self.d.ctlj("start", "2", user=OWNER)
        ev = self.d.ctlj("history", "2")["events"][-1]
        pub = rawclient.read_key_file(os.path.join(self.d.keys_dir, OWNER + ".pub"))["public"]
        m = re.fullmatch(r"curve:(.{40}) unix:(\S+)\((\d+)\) pid:(\d+)", ev["principal"])
        check(m, "principal: %r" % ev["principal"])
        eq((m.group(1), m.group(2), int(m.group(3))), (pub, me, os.getuid()), "key and account")
        eq((ev["actor"], "via" in ev), (OWNER, False), "actor, no gateway")
        out = self.d.ctl("history", "2", json_out=False).out
        check(("connected: curve:%s unix:%s(" % (pub, me)) in out, "history shows it: %r" % out[-400:])
        # the principal is inside the hashed bytes: the independent check agrees
        events = rawclient.all_events(self.d.raw())
        rawclient.verify_chain(events, self.d.call("ping")["head"])

    def test_unknown_keys_and_clients_without_curve_get_no_reply_and_are_logged(self):
        before = self.d.snapshot()
        pub, sec = zmq.curve_keypair()
        server = rawclient.read_key_file(os.path.join(self.d.keys_dir, "rectd.pub"))["public"]
        req = {"v": 1, "cmd": "close", "user": ADMIN, "args": {"item": 1, "note": "x"},
               "client": "x", "seq": 1}
        logged_after_refusal(lambda: no_reply(self.d.endpoint, (server, pub.decode(), sec.decode()), req),
                             lambda: "refused key %s" % pub.decode() in self.d.stderr(), "the log line")
        logged_after_refusal(lambda: no_reply(self.d.endpoint, None, req),
                             lambda: "refused a connection" in self.d.stderr(), "the NULL client's log line")
        # a client that takes another server key for rectd's does not talk to rectd
        spub, _ = zmq.curve_keypair()
        k = self.key(ADMIN)
        check(no_reply(self.d.endpoint, (spub.decode(), k[1], k[2]), req), "wrong server key answered")
        eq(self.d.snapshot(), before, "nothing changed")

    def test_check_on_a_demo_config_writes_no_keys(self):
        fresh = os.path.join(self.d.tmp, "fresh")
        os.makedirs(fresh)
        conf = self.d.write_conf({"daemon.key_file": "%s/keys/rectd.key" % fresh,
                                  "daemon.data_dir": "%s/data" % fresh}, name="fresh.conf")
        r = subprocess.run([RECTD, "-c", conf, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(r.returncode, 0, "--check (%s)" % r.stderr)
        check("demo keys" in r.stdout, "says the demo keys come at start: %r" % r.stdout)
        eq(os.listdir(fresh), [], "nothing written")

    def check_conf(self, overrides, name, text_edit=None):
        """rectd --check on a config of this daemon's with overrides: (rc, stderr+stdout)."""
        conf = self.d.write_conf(overrides, name=name)
        if text_edit:
            with open(conf, encoding="utf-8") as f:
                text = text_edit(f.read())
            with open(conf, "w", encoding="utf-8") as f:
                f.write(text)
        r = subprocess.run([RECTD, "-c", conf, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return r.returncode, r.stderr + r.stdout

    def test_a_demo_keys_folder_others_may_open_is_refused(self):
        loose = os.path.join(self.d.tmp, "loose-keys")
        os.makedirs(loose)
        os.chmod(loose, 0o777)
        rc, out = self.check_conf({"daemon.key_file": loose + "/rectd.key"}, "loose.conf")
        eq(rc, 1, "exit status (%s)" % out)
        check("chmod 700 %s" % loose in out, "message says what to do: %r" % out)

    def test_check_on_a_demo_config_still_checks_the_keys_there_are(self):
        pub = os.path.join(self.d.keys_dir, OWNER + ".pub")
        rc, out = self.check_conf({}, "dup.conf", lambda t: t.replace(
            '{ name = "zhaoli";   display = "赵丽"; roles = ["owner"];',
            '{ name = "zhaoli";   display = "赵丽"; roles = ["owner"]; public_key = "%s";' % pub))
        eq(rc, 1, "liming's demo key given to zhaoli (%s)" % out)
        check("same key" in out, "message: %r" % out)

    def test_a_user_named_like_rectds_own_key_files_is_refused(self):
        rc, out = self.check_conf({}, "named.conf", lambda t: t.replace(
            '{ name = "xiaoliu";', '{ name = "rectd-sign"; display = "签名"; roles = ["viewer"]; },\n    { name = "xiaoliu";'))
        eq(rc, 1, "a user named rectd-sign (%s)" % out)
        check("rectd-sign" in out and "choose another user name" in out, "message: %r" % out)

    def test_demo_keys_on_a_tcp_pub_endpoint_are_refused(self):
        rc, out = self.check_conf({"notify.pub_endpoint": "tcp://127.0.0.1:%d" % free_tcp_port()}, "pubtcp.conf")
        eq(rc, 1, "demo keys with a tcp PUB socket (%s)" % out)
        check("demo_keys with a tcp endpoint" in out, "message: %r" % out)

    def test_a_sighup_during_start_up_does_not_stop_rectd(self):
        d = Daemon()
        self.daemons.append(d)
        d.start(wait=False)
        # once rectd has said its first word (keys ready, before it serves):
        # earlier than main() no program can catch a signal
        wait_for(lambda: d.stderr() or d.proc.poll() is not None, "rectd's first line")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_ready()
        eq(d.call("ping")["user"]["name"], ADMIN, "serving after an early SIGHUP")
        d.stop()

    def test_keygen_and_key_lookup_refusals_say_what_to_do(self):
        r = run_rectctl("/nonexistent.conf", ["keygen", "li ming", "-o", self.d.tmp])
        eq(r.rc, 1, "a user name with a blank (%r)" % r)
        check("not a user name" in r.err, "message: %r" % r.err)
        # no client.server_key and no daemon.key_file to find rectd's public key beside
        conf = self.d.write_conf({}, name="noserver.conf")
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r'\n\s*key_file = "[^"]*";', "\n", text)
        text = text.replace("demo_keys = true;", "demo_keys = false;")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)
        r = self.d.ctl("ping", conf=conf)
        eq(r.rc, 1, "no server key (%r)" % r)
        check("client.server_key is not set" in r.err, "message: %r" % r.err)
        p = subprocess.run([RECTD, "keygen", "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(p.returncode, 1, "rectd keygen with no key_file and no -o")
        check("give -o BASE" in p.stderr, "message: %r" % p.stderr)

    def test_the_socket_file_is_rectds_alone_by_default(self):
        st = os.stat(self.d.endpoint[len("ipc://"):])
        eq(stat.S_IMODE(st.st_mode), 0o600, "socket mode")

    def test_a_secret_key_others_can_read_stops_rectctl(self):
        mine = os.path.join(self.d.tmp, "loose")
        os.makedirs(mine, exist_ok=True)
        path = os.path.join(mine, OWNER + ".key")
        shutil.copy2(os.path.join(self.d.keys_dir, OWNER + ".key"), path)
        os.chmod(path, 0o644)
        r = self.d.ctl("--key", path, "ping")
        eq(r.rc, 1, "exit status (%r)" % r)
        check("chmod 600" in r.err, "message says what to do: %r" % r.err)


# =============================================================================
class Gateway:
    """An explicit gateway role: acts for officials, every event records both."""

    def setup(self):
        self.d = Daemon()
        text = self.d.conf_text.replace(
            '{ name = "xiaoliu";  display = "刘晓"; roles = ["viewer"]; }',
            '{ name = "xiaoliu";  display = "刘晓"; roles = ["viewer"]; },\n'
            '    { name = "web"; display = "网关"; roles = ["gateway"]; },\n'
            '    { name = "web2"; display = "网关2"; roles = ["gateway"]; }')
        check(text != self.d.conf_text, "the sample config has xiaoliu's line")
        self.d.save_conf(text)
        self.daemons.append(self.d)
        self.d.start()
        self.d.ctlj("import", PLAN)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_the_sample_config_gives_the_gateway_role_to_rectweb_alone(self):
        with open(os.path.join(os.path.dirname(PLAN), "..", "config", "rectd.conf"), encoding="utf-8") as f:
            text = f.read()
        gateways = re.findall(r'name = "([^"]+)";[^\n]*roles = \[[^\]]*"gateway"', text)
        eq(gateways, ["rectweb"], "the sample config's gateways")
        check(not re.search(r'roles = \[[^\]]*"gateway"[^\]]*,|roles = \[[^\]]*,[^\]]*"gateway"', text),
              "a gateway with another role in the sample config")

    def test_a_gateway_acts_for_an_official_and_the_event_records_both(self):
        web = rawclient.keys_for(self.d.endpoint, "web")
        with rawclient.Client(self.d.endpoint, OWNER, keys=web) as c:
            item = c.call("start", {"item": 1, "note": "现场开始整改"})["item"]
            eq(item["state"], "rectifying", "started for liming")
            p = c.call("ping")
        eq((p["user"]["name"], p["via"]), (OWNER, "web"), "ping: acting user and gateway")
        ev = self.d.ctlj("history", "1")["events"][-1]
        webpub = rawclient.read_key_file(os.path.join(self.d.keys_dir, "web.pub"))["public"]
        eq((ev["actor"], ev["via"]), (OWNER, "web"), "actor and via")
        check(ev["principal"].startswith("curve:%s " % webpub), "principal is the gateway's key: %r" % ev["principal"])
        out = self.d.ctl("history", "1", json_out=False).out
        check("(via web)" in out, "history shows the gateway: %r" % out[-300:])

    def test_a_gateway_gets_no_rights_of_its_own_and_cannot_act_as_another_gateway(self):
        web = rawclient.keys_for(self.d.endpoint, "web")
        msg = refused(self.d, "permission_denied", "start", {"item": 2}, "web2", web, "web as web2")
        check("connected as web" in msg, "message: %r" % msg)
        refused(self.d, "permission_denied", "start", {"item": 2}, "web", web, "web as itself")
        # the official's own rules still hold when the gateway acts for them
        refused(self.d, "permission_denied", "notify_run", {}, OWNER, web,
                "liming (owner) running the admins' daily job via the gateway")


# =============================================================================
class Tcp:
    """Production-like: tcp on 127.0.0.1, every user's own key, no demo keys."""

    USERS = (ADMIN, LEADER, OWNER, VERIFIER, "lijun")

    def setup(self):
        self.d = Daemon()
        self.port = free_tcp_port()
        keys = os.path.join(self.d.tmp, "keys")
        os.makedirs(keys, mode=0o700)
        r = subprocess.run([RECTD, "keygen", "-o", os.path.join(keys, "rectd")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(r.returncode, 0, "rectd keygen (%s)" % r.stderr)
        self.server_pub = re.search(r"rectd's public key: (.{40})", r.stdout).group(1)
        self.pubs = {u: keygen(keys, u) for u in self.USERS}
        # one user by the 40 characters, the others by their .pub file
        given = {u: "keys/%s.pub" % u for u in self.USERS}
        given[ADMIN] = self.pubs[ADMIN]
        self.d.write_conf({"daemon.endpoint": "tcp://127.0.0.1:%d" % self.port, "daemon.demo_keys": False,
                           "daemon.key_file": "keys/rectd.key", "client.server_key": "keys/rectd.pub",
                           "notify.pub_endpoint": "tcp://127.0.0.1:%d" % free_tcp_port()})
        self.d.save_conf(with_user_keys(self.d.conf_text, given))
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_rectd_keygen_writes_safe_files_and_keeps_an_existing_key(self):
        keys = os.path.join(self.d.tmp, "keys")
        eq(stat.S_IMODE(os.stat(os.path.join(keys, "rectd.key")).st_mode), 0o600, "secret mode")
        eq(rawclient.read_key_file(os.path.join(keys, "rectd.pub"))["public"], self.server_pub, ".pub")
        r = subprocess.run([RECTD, "keygen", "-o", os.path.join(keys, "rectd")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(r.returncode, 1, "a second keygen without --force")
        check("already exists" in r.stderr, "message: %r" % r.stderr)
        eq(rawclient.read_key_file(os.path.join(keys, "rectd.pub"))["public"], self.server_pub, "key kept")

    def test_the_work_goes_end_to_end_over_tcp_with_every_users_own_key(self):
        check("CURVE" in self.d.stderr(0) and "DEMO" not in self.d.stderr(0), "start line: %r" % self.d.stderr(0))
        eq(self.d.ctlj("ping")["demo_keys"], False, "no demo keys")
        eq(self.d.ctlj("import", PLAN)["imported"], 29, "import")
        self.d.ctlj("start", "GJ-01", user=OWNER)
        self.d.ctlj("evidence", "GJ-01", "--note", "入户核查", user=OWNER)
        self.d.ctlj("verify", "GJ-01", "--pass", "--opinion", "合格", user=VERIFIER)
        self.d.ctlj("close", "GJ-01", "--note", "同意销号", user=LEADER)
        events = self.d.ctlj("history", "GJ-01")["events"]
        for ev in events[-4:]:
            eq(ev["principal"], "curve:" + self.pubs[ev["actor"]], "tcp principal of %s" % ev["action"])
        r = self.d.ctl("ping", user="zhaoli")
        eq(r.rc, 1, "a user without a key cannot even try (%r)" % r)

    def test_plain_tcp_gets_nothing_and_null_clients_are_refused_and_logged(self):
        before = self.d.snapshot()
        req = {"v": 1, "cmd": "ping", "user": ADMIN}
        check(no_reply(self.d.endpoint, None, req), "a NULL client answered over tcp")
        # which side sees the mechanism mismatch first varies: "no CURVE" or "the peer went away"
        wait_for(lambda: "refused a connection" in self.d.stderr(), "the NULL client's log line",
                 detail=lambda: self.d.stderr()[-1500:])
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            s.settimeout(3)
            try:
                data = s.recv(100)
            except (socket.timeout, ConnectionResetError):
                data = b""
        # libzmq takes such a peer for ZMTP 1.0 and drops it without a monitor
        # event, so this one is not logged (docs/SECURITY.md says so)
        check(b"HTTP" not in data and b"ok" not in data, "no answer to plain tcp: %r" % data)
        eq(self.d.snapshot(), before, "nothing changed, still serving")

    def test_demo_keys_on_tcp_and_a_readable_secret_key_stop_rectd_from_starting(self):
        conf = self.d.write_conf({"daemon.demo_keys": True, "daemon.endpoint": "tcp://127.0.0.1:%d" % self.port},
                                 name="demo.conf")
        r = subprocess.run([RECTD, "-c", conf, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(r.returncode, 1, "demo keys on tcp")
        check("demo_keys with a tcp endpoint" in r.stderr, "message: %r" % r.stderr)
        key = os.path.join(self.d.tmp, "keys", "rectd.key")
        os.chmod(key, 0o640)
        try:
            r = subprocess.run([RECTD, "-c", self.d.conf, "--check"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        finally:
            os.chmod(key, 0o600)
        eq(r.returncode, 1, "a group-readable secret key")
        check("chmod 600 %s" % key in r.stderr, "message says what to do: %r" % r.stderr)
        conf = self.d.write_conf({"daemon.key_file": "keys/none.key", "daemon.demo_keys": False}, name="nokey.conf")
        r = subprocess.run([RECTD, "-c", conf, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(r.returncode, 1, "a missing key file")
        check("none.key" in r.stderr, "message names the file: %r" % r.stderr)


# =============================================================================
class Reload:
    """SIGHUP: users, roles and keys change without a restart; a bad config is refused."""

    def setup(self):
        self.d = Daemon()
        self.keys = os.path.join(self.d.tmp, "keys")
        os.makedirs(self.keys, mode=0o700)
        subprocess.run([RECTD, "keygen", "-o", os.path.join(self.keys, "rectd")], check=True,
                       stdout=subprocess.DEVNULL)
        self.given = {}
        for u in (ADMIN, LEADER, OWNER, OTHER_OWNER, VERIFIER):
            keygen(self.keys, u)
            self.given[u] = "keys/%s.pub" % u
        self.d.write_conf({"daemon.demo_keys": False})
        self.base = self.d.conf_text
        self.d.save_conf(with_user_keys(self.base, self.given))
        self.daemons.append(self.d)
        self.d.start()
        self.d.ctlj("import", PLAN)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def hup(self, marker):
        n = self.d.stderr().count(marker)
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.stderr().count(marker) > n, "'%s' in rectd's log" % marker)

    def test_a_new_users_key_works_after_sighup(self):
        keygen(self.keys, "sunqiang")
        req = {"v": 1, "cmd": "ping", "user": "sunqiang"}
        check(no_reply(self.d.endpoint, rawclient.keys_for(self.d.endpoint, "sunqiang"), req),
              "sunqiang's key is not in the config yet: no answer")
        self.given["sunqiang"] = "keys/sunqiang.pub"
        self.d.save_conf(with_user_keys(self.base, self.given))
        self.hup("reloaded")
        eq(self.d.ctlj("ping", user="sunqiang")["user"]["name"], "sunqiang", "sunqiang connects")

    def test_a_role_given_by_sighup_applies_to_new_actions_and_history_keeps_the_past(self):
        self.d.ctlj("start", "GJ-03", user=OTHER_OWNER)
        self.d.ctlj("evidence", "GJ-03", "--note", "补充材料", user=OTHER_OWNER)
        before = self.d.ctlj("history", "GJ-03")["events"]
        r = self.d.ctl("verify", "GJ-02", "--pass", "--opinion", "x", user=OTHER_OWNER)
        eq(r.rc, 3, "zhaoli is no verifier yet (%r)" % r)
        text = self.d.conf_text.replace('{ name = "zhaoli";   display = "赵丽"; roles = ["owner"];',
                                        '{ name = "zhaoli";   display = "赵丽"; roles = ["owner", "viewer"];')
        check(text != self.d.conf_text, "zhaoli's line")
        self.d.save_conf(text)
        self.hup("reloaded")
        eq(self.d.ctlj("ping", user=OTHER_OWNER)["user"]["roles"], ["owner", "viewer"], "roles after reload")
        eq(self.d.ctlj("history", "GJ-03")["events"], before, "history unchanged by the reload")

    def test_a_revoked_key_stops_working_at_once_also_on_an_open_connection(self):
        k = rawclient.keys_for(self.d.endpoint, VERIFIER)
        pub = k[1]
        with rawclient.Client(self.d.endpoint, VERIFIER, keys=k) as c:
            eq(c.call("ping")["user"]["name"], VERIFIER, "before")
            del self.given[VERIFIER]
            self.d.save_conf(with_user_keys(self.base, self.given))
            self.hup("reloaded")
            rep = c.request("ping")
            eq((rep["ok"], rep.get("error", {}).get("code")), (False, "permission_denied"), "same connection")
            check("revoked" in rep["error"]["message"], "message: %r" % rep["error"]["message"])
        check(no_reply(self.d.endpoint, k, {"v": 1, "cmd": "ping", "user": VERIFIER}),
              "a new connection gets no answer")
        wait_for(lambda: "refused key %s" % pub in self.d.stderr(), "the refusal in the log")

    def sub(self, user):
        s = zmq.Context.instance().socket(zmq.SUB)
        s.setsockopt(zmq.LINGER, 0)
        rawclient.secure(s, rawclient.keys_for(self.d.endpoint, user))
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(self.d.cfg["notify"]["pub_endpoint"])
        return s

    def published(self, socks):
        """Run the daily job again; how many frames each socket got within 3 s."""
        with rawclient.Client(self.d.endpoint, ADMIN) as c:
            c.request("notify_run", {"force": True}, seq=int(time.time() * 1000) % 1000000000)
        got = [0] * len(socks)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for i, s in enumerate(socks):
                while s.poll(50):
                    s.recv_multipart()
                    got[i] += 1
        return got

    def test_a_revoked_subscriber_gets_no_more_notices(self):
        mine, admins = self.sub(OTHER_OWNER), self.sub(ADMIN)
        try:
            time.sleep(0.5)  # the subscriptions reach the PUB socket
            got = self.published([mine, admins])
            check(got[0] > 0 and got[1] > 0, "both subscribers get the job's notices: %r" % got)
            del self.given[OTHER_OWNER]
            self.d.save_conf(with_user_keys(self.base, self.given))
            self.hup("must connect again")
            # the admin's SUB reconnects through ZAP on its own, in its own time (slow under
            # sanitizers); zhaoli's is refused: she gets nothing in any round
            total, deadline = [0, 0], time.monotonic() + 30
            while total[1] == 0 and time.monotonic() < deadline:
                got = self.published([mine, admins])
                total = [total[0] + got[0], total[1] + got[1]]
            eq(total[0], 0, "the revoked subscriber's notices after the reload")
            check(total[1] > 0, "the admin's SUB came back: %r" % total)
        finally:
            mine.close(linger=0)
            admins.close(linger=0)
            self.given[OTHER_OWNER] = "keys/%s.pub" % OTHER_OWNER
            self.d.save_conf(with_user_keys(self.base, self.given))
            self.hup("reloaded")

    def test_a_bad_config_or_a_restart_only_change_is_refused_and_the_old_one_stays(self):
        good = self.d.conf_text
        lines = good.split("\n")
        bad = good.replace("map_size_mb = 1024;", "map_size_mb = \"big\";")
        check(bad != good, "map_size_mb line")
        line = next(i for i, l in enumerate(lines) if "map_size_mb = 1024;" in l) + 1
        self.d.save_conf(bad)
        self.hup("reload refused")
        check("%s:%d:" % (self.d.conf, line) in self.d.stderr(), "FILE:LINE in the log: %r" % self.d.stderr()[-500:])
        eq(self.d.call("ping")["user"]["name"], ADMIN, "still serving")
        moved = good.replace("map_size_mb = 1024;", "map_size_mb = 2048;")
        self.d.save_conf(moved)
        self.hup("only a restart")
        check("daemon.map_size_mb changed" in self.d.stderr(), "names the setting")
        self.d.save_conf(good)
        eq(self.d.ctlj("ping")["user"]["name"], ADMIN, "still serving on the old config")


# =============================================================================
class SocketGroup:
    """daemon.socket_group: the ipc socket's group and mode decide who may connect."""

    def setup(self):
        self.group = grp.getgrgid(os.getgid()).gr_name if os.getgid() else "daemon"
        try:
            self.gid = grp.getgrnam(self.group).gr_gid
        except KeyError:
            raise e2e_runner.Skip("no group %s" % self.group)
        self.d = Daemon({"daemon.socket_group": self.group})
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_the_socket_gets_the_group_and_mode_0660(self):
        st = os.stat(self.d.endpoint[len("ipc://"):])
        eq((stat.S_IMODE(st.st_mode), st.st_gid), (0o660, self.gid), "mode and group")
        eq(self.d.ctlj("ping")["user"]["name"], ADMIN, "serving")

    def test_an_unknown_group_or_an_open_mode_is_refused(self):
        # its own endpoints: the running rectd's are claimed (one rectd per endpoint)
        conf = self.d.write_conf({"daemon.socket_group": "no-such-group-xyz", "daemon.endpoint":
                                  "ipc://%s/g.sock" % self.d.tmp, "daemon.data_dir": "%s/g" % self.d.tmp,
                                  "notify.pub_endpoint": "ipc://%s/g-pub.sock" % self.d.tmp},
                                 name="g.conf")
        p = subprocess.run([RECTD, "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=20)
        eq(p.returncode, 1, "exit status")
        check("no group \"no-such-group-xyz\"" in p.stderr, "message: %r" % p.stderr)
        conf = self.d.write_conf({"daemon.socket_mode": "0666"}, name="m.conf")
        p = subprocess.run([RECTD, "-c", conf, "--check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        eq(p.returncode, 1, "mode 0666")
        check("socket_mode" in p.stderr, "message: %r" % p.stderr)


def main(argv):
    return e2e_runner.main("e2e-auth", [Ipc, Gateway, Tcp, Reload, SocketGroup], argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
