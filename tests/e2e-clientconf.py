#!/usr/bin/python3
"""End-to-end tests of rectctl's own config and of what rectd tells clients
(issue 8 "a thin client config", issue 10 "a client config apart from the
daemon's"):

- rectctl.conf's lookup: -c FILE, $RECTCTL_CONFIG, ~/.config/rectd/rectctl.conf,
  /etc/rectd/rectctl.conf, config/rectctl.conf beside a development build;
  each place, and which one wins;
- a bad setting in rectctl.conf is refused with FILE:LINE and what to do;
- rectctl works with only rectctl.conf and a key, rectd.conf out of reach;
- display names come from rectd's `directory` (a SIGHUP changes them), asked
  once and only when a command shows names (a fake rectd counts requests);
- `rectd --check --json` gives the config as rectd understands it, values
  checked against the file, and never a secret key.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-clientconf.py [-k TEXT]

Ends with "N passed, M failed".
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_conf  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Skip, check, eq  # noqa: E402
from e2e_daemon import PLAN, RECTCTL, RECTD, Daemon, sanitizer_report  # noqa: E402

# inspection_add is a write: rawclient gives it client and seq
rawclient.WRITE_COMMANDS = rawclient.WRITE_COMMANDS | {"inspection_add"}

ADMIN, OWNER, VIEWER, LEADER, OTHER_LEADER = "wangyan", "liming", "xiaoliu", "lijun", "chenmei"


def client_conf(endpoint, server_key, user=None, keys_dir=None, key_file=None, extra=()):
    """rectctl.conf text, one setting a line (so tests can name lines)."""
    lines = ["# rectctl.conf written by tests/e2e-clientconf.py", "client = {",
             '    endpoint = "%s";' % endpoint, '    server_key = "%s";' % server_key]
    if user:
        lines.append('    user = "%s";' % user)
    if keys_dir:
        lines.append('    keys_dir = "%s";' % keys_dir)
    if key_file:
        lines.append('    key_file = "%s";' % key_file)
    lines += ["    " + e for e in extra]
    lines.append("};")
    return "\n".join(lines) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def run(argv, env=None, cwd=None, timeout=60, wrap=None):
    """Run argv (rectctl or rectd) with a clean environment: no RECTCTL_*,
    no RECTD_CONFIG, HOME as given in env. (rc, stdout, stderr)."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("RECTCTL_") and k != "RECTD_CONFIG"}
    e.update(env or {})
    full = (wrap or []) + [str(a) for a in argv]
    p = subprocess.run(full, env=e, cwd=cwd or "/", stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    rep = sanitizer_report(err)
    if rep:
        raise AssertionError("sanitizer report from %s: %s\n%s" % (argv[0], rep, err))
    return p.returncode, out, err


def line_of(text, needle):
    """1-based number of the first line of text containing needle."""
    return next(i + 1 for i, l in enumerate(text.split("\n")) if needle in l)


def wait_for(cond, what, timeout=10):
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out waiting for %s" % what)
        time.sleep(0.05)


class Base:
    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()
        self.tmp = tempfile.mkdtemp(prefix="rcc", dir="/tmp")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.pub = os.path.join(self.d.keys_dir, "rectd.pub")

    def teardown(self, keep):
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return e2e_runner.stop_daemons(self.daemons, keep)

    def conf_for(self, user, **kw):
        return client_conf(self.d.endpoint, self.pub, user=user, keys_dir=self.d.keys_dir, **kw)

    def ctl(self, *args, env=None, exe=RECTCTL, wrap=None):
        e = {"HOME": self.home}
        e.update(env or {})
        return run([exe] + list(args), env=e, wrap=wrap)

    def who(self, *args, env=None, exe=RECTCTL, wrap=None):
        """The user rectd says rectctl acted as (ping --json)."""
        rc, out, err = self.ctl(*(list(args) + ["--json", "ping"]), env=env, exe=exe, wrap=wrap)
        check(rc == 0, "rectctl ping: exit %d, %r" % (rc, err))
        return json.loads(out)["user"]["name"]


class Lookup(Base):
    """Where rectctl finds its config, and which place wins."""

    def setup(self):
        super().setup()
        # each place names a different user, so the user rectd sees tells the place
        self.by_c = write(os.path.join(self.tmp, "c", "rectctl.conf"), self.conf_for(LEADER))
        self.by_env = write(os.path.join(self.tmp, "env", "rectctl.conf"), self.conf_for(OTHER_LEADER))
        self.by_home = write(os.path.join(self.home, ".config", "rectd", "rectctl.conf"),
                             self.conf_for(OWNER))
        # a development build: the binary at the top of a tree with config/rectctl.conf
        self.dev = os.path.join(self.tmp, "dev")
        os.makedirs(self.dev)
        self.dev_exe = os.path.join(self.dev, "rectctl")
        shutil.copy2(RECTCTL, self.dev_exe)
        self.by_dev = write(os.path.join(self.dev, "config", "rectctl.conf"), self.conf_for(VIEWER))
        # /etc/rectd/rectctl.conf only inside a private mount namespace (an overlay on /etc)
        self.etc_up = os.path.join(self.tmp, "etc-up")
        self.etc_work = os.path.join(self.tmp, "etc-work")
        write(os.path.join(self.etc_up, "rectd", "rectctl.conf"), self.conf_for(ADMIN))
        os.makedirs(self.etc_work)

    def with_etc(self):
        """A wrapper that runs a program with /etc/rectd/rectctl.conf present for
        it alone (mount namespace); Skip where namespaces are not allowed."""
        script = ('mount -t overlay overlay -o lowerdir=/etc,upperdir=%s,workdir=%s /etc && exec "$@"'
                  % (self.etc_up, self.etc_work))
        wrap = ["unshare", "-m", "sh", "-c", script, "sh"]
        p = subprocess.run(wrap + ["cat", "/etc/rectd/rectctl.conf"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode != 0 or b"client" not in p.stdout:
            raise Skip("no private mount namespace here (unshare -m + overlay): %s"
                       % p.stderr.decode(errors="replace").strip())
        return wrap

    def test_c_file_is_used_and_beats_every_other_place(self):
        env = {"RECTCTL_CONFIG": self.by_env}
        eq(self.who("-c", self.by_c, env=env, exe=self.dev_exe), LEADER, "-c beats $RECTCTL_CONFIG, HOME, dev")
        eq(self.who("--config=%s" % self.by_c), LEADER, "--config=FILE")

    def test_rectctl_config_is_used_without_c_and_beats_home_etc_and_dev(self):
        eq(self.who(env={"RECTCTL_CONFIG": self.by_env}, exe=self.dev_exe), OTHER_LEADER,
           "$RECTCTL_CONFIG beats ~/.config and the dev tree")
        eq(self.who(env={"RECTCTL_CONFIG": self.by_env, "RECTD_CONFIG": self.d.conf}), OTHER_LEADER,
           "$RECTCTL_CONFIG beats $RECTD_CONFIG")

    def test_home_config_is_used_and_beats_etc_and_dev(self):
        eq(self.who(exe=self.dev_exe), OWNER, "~/.config/rectd/rectctl.conf beats the dev tree")
        eq(self.who(exe=self.dev_exe, wrap=self.with_etc()), OWNER, "~/.config beats /etc")

    def test_etc_config_is_used_and_beats_the_dev_tree(self):
        wrap = self.with_etc()
        empty_home = os.path.join(self.tmp, "nohome")
        os.makedirs(empty_home, exist_ok=True)
        eq(self.who(env={"HOME": empty_home}, wrap=wrap), ADMIN, "/etc/rectd/rectctl.conf")
        eq(self.who(env={"HOME": empty_home}, exe=self.dev_exe, wrap=wrap), ADMIN,
           "/etc beats config/rectctl.conf beside a dev build")

    def test_dev_tree_config_is_used_last_and_only_beside_the_binary(self):
        empty_home = os.path.join(self.tmp, "nohome")
        os.makedirs(empty_home, exist_ok=True)
        eq(self.who(env={"HOME": empty_home}, exe=self.dev_exe), VIEWER, "config/rectctl.conf beside a dev build")
        if os.path.exists("/etc/rectd/rectctl.conf"):
            raise Skip("this machine has /etc/rectd/rectctl.conf")
        # the installed-style binary (no config/ beside it) finds nothing
        other = os.path.join(self.tmp, "bin")
        os.makedirs(other, exist_ok=True)
        exe = shutil.copy2(RECTCTL, os.path.join(other, "rectctl"))
        rc, out, err = self.ctl("ping", env={"HOME": empty_home}, exe=exe)
        eq(rc, 1, "no config anywhere: usage error (%r)" % err)
        for place in ("$RECTCTL_CONFIG", "~/.config/rectd/rectctl.conf", "/etc/rectd/rectctl.conf", "-c FILE"):
            check(place in err, "the message names %s: %r" % (place, err))

    def test_a_missing_file_named_by_c_or_rectctl_config_is_an_error_not_a_fallback(self):
        missing = os.path.join(self.tmp, "missing.conf")
        for args, env in ((["-c", missing], None), ([], {"RECTCTL_CONFIG": missing})):
            rc, out, err = self.ctl(*(args + ["ping"]), env=env, exe=self.dev_exe)
            eq(rc, 1, "exit status (%r)" % err)
            check("missing.conf" in err and "No such file" in err, "names the file and why: %r" % err)

    def test_help_says_where_rectctl_looks_and_which_file_it_uses(self):
        rc, out, err = self.ctl("--help", env={"RECTCTL_CONFIG": self.by_env})
        eq(rc, 0, "exit status")
        flat = " ".join(out.split())
        for place in ("$RECTCTL_CONFIG", "~/.config/rectd/rectctl.conf", "/etc/rectd/rectctl.conf",
                      "config/rectctl.conf"):
            check(place in flat, "--help names %s" % place)
        check("Config file: %s" % self.by_env in out, "--help names the file in use: %r" % out[-400:])

    def test_a_daemon_config_still_works_with_c_for_its_endpoint_and_client_group(self):
        eq(self.who("-c", self.d.conf), self.d.cfg["client"]["user"], "rectd.conf's client.user")
        eq(self.who(env={"RECTD_CONFIG": self.d.conf}), self.d.cfg["client"]["user"], "$RECTD_CONFIG")
        rc, out, err = self.ctl("-c", self.d.conf, "--help")
        check("Config file: %s\n  (rectd's own config: rectctl reads only its daemon.endpoint" % self.d.conf in out,
              "--help notes the daemon config: %r" % out[-500:])
        rc, out, err = self.ctl("-c", self.by_c, "--help")
        check("rectd's own config" not in out, "no note for a rectctl.conf")


class BadConf(Base):
    """Each mistake in rectctl.conf: FILE:LINE, what is wrong, what to do; exit 1, nothing sent."""

    def refused(self, text, needle, words):
        path = write(os.path.join(self.tmp, "bad", "rectctl.conf"), text)
        before = self.d.snapshot()
        rc, out, err = self.ctl("-c", path, "--json", "ping")
        eq(rc, 1, "exit status for %r (%r)" % (needle, err))
        line = line_of(text, needle)
        check(re.search(r"rectctl\.conf:%d: " % line, err), "FILE:%d: in %r" % (line, err))
        for w in words:
            check(w in err, "%r in %r" % (w, err))
        eq(out, "", "nothing on stdout")
        eq(self.d.snapshot(), before, "nothing changed")
        return err

    def test_a_string_where_a_number_belongs(self):
        self.refused(self.conf_for(ADMIN, extra=['timeout_ms = "slow";']), "timeout_ms",
                     ["client.timeout_ms", "integer between 100 and 600000", '"slow"'])

    def test_a_number_out_of_range(self):
        self.refused(self.conf_for(ADMIN, extra=["retries = 0;"]), "retries",
                     ["client.retries", "between 1 and 20", "got 0"])

    def test_a_misspelt_setting_offers_the_right_one(self):
        self.refused(self.conf_for(ADMIN, extra=['keysdir = "/tmp";']), "keysdir",
                     ["client.keysdir", "did you mean client.keys_dir"])

    def test_a_bad_endpoint(self):
        text = self.conf_for(ADMIN).replace(self.d.endpoint, "http://127.0.0.1:80")
        self.refused(text, "endpoint", ["client.endpoint", "ipc://PATH or tcp://HOST:PORT"])

    def test_a_display_name_as_user(self):
        self.refused(self.conf_for("王燕"), "user =", ["client.user", "not a display name"])

    def test_daemon_settings_in_rectctl_conf_say_where_they_belong(self):
        text = self.conf_for(ADMIN) + 'users = ( { name = "x"; display = "X"; roles = ["admin"]; } );\n'
        self.refused(text, "users =", ['"users" is not a rectctl setting', "come from rectd"])

    def test_a_missing_server_key_is_required(self):
        text = "\n".join(l for l in self.conf_for(ADMIN).split("\n") if "server_key" not in l)
        self.refused(text, "client = {", ["client.server_key is required"])

    def test_a_syntax_error(self):
        text = self.conf_for(ADMIN).replace("retries", "x").replace("};", "    this is = not ; {\n};")
        self.refused(text, "this is", [])

    def test_a_wrong_type_of_group(self):
        self.refused('client = "rectd";\n', "client", ["client must be a group"])

    def test_no_client_group_says_what_to_write(self):
        path = write(os.path.join(self.tmp, "empty", "rectctl.conf"), "# nothing\n")
        rc, out, err = self.ctl("-c", path, "ping")
        eq(rc, 1, "exit status")
        check("rectctl.conf: no client group" in err and "config/rectctl.conf" in err, "what to do: %r" % err)

    def test_an_unreadable_key_file_names_the_setting(self):
        text = client_conf(self.d.endpoint, self.pub, key_file=os.path.join(self.tmp, "none.key"))
        path = write(os.path.join(self.tmp, "kf", "rectctl.conf"), text)
        rc, out, err = self.ctl("-c", path, "ping")
        eq(rc, 1, "exit status (%r)" % err)
        check("client.key_file" in err and "none.key" in err, "names the setting and file: %r" % err)

    def test_a_wrong_server_key_is_not_trusted(self):
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        subprocess.run([RECTD, "keygen", "-o", os.path.join(other, "rectd")], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        text = client_conf(self.d.endpoint, os.path.join(other, "rectd.pub"), user=ADMIN,
                           keys_dir=self.d.keys_dir, extra=["timeout_ms = 300;", "retries = 1;"])
        path = write(os.path.join(self.tmp, "wrong", "rectctl.conf"), text)
        rc, out, err = self.ctl("-c", path, "--json", "ping")
        eq(rc, 2, "another rectd's key: no answer, exit 2 (%r)" % err)


class Alone(Base):
    """rectctl with only rectctl.conf and keys, rectd.conf out of its reach."""

    def setup(self):
        super().setup()
        self.d.ctlj("import", PLAN)
        # the official's folder: rectd's public key, their own key, a colleague's
        self.mine = os.path.join(self.tmp, "official")
        os.makedirs(self.mine, mode=0o700)
        shutil.copy2(self.pub, os.path.join(self.mine, "rectd.pub"))
        for u in (ADMIN, OWNER):
            shutil.copy2(os.path.join(self.d.keys_dir, "%s.key" % u), os.path.join(self.mine, "%s.key" % u))
        self.conf = write(os.path.join(self.mine, "rectctl.conf"),
                          client_conf(self.d.endpoint, "rectd.pub", key_file="wangyan.key", keys_dir="."))
        self.hidden = self.d.conf + ".away"

    def alone(self, *args):
        """rectctl -c the official's rectctl.conf while rectd.conf is not there at all."""
        os.rename(self.d.conf, self.hidden)
        try:
            return self.ctl("-c", self.conf, *args)
        finally:
            os.rename(self.hidden, self.d.conf)

    def test_ping_acts_as_the_user_of_key_file(self):
        rc, out, err = self.alone("--json", "ping")
        eq(rc, 0, "exit status (%r)" % err)
        eq(json.loads(out)["user"]["name"], ADMIN, "the user named in key_file")

    def test_list_and_show_render_display_names_from_the_directory(self):
        items = self.d.call("list")["items"]
        item = next(i for i in items if i.get("owner") == OWNER)
        rc, out, err = self.alone("show", str(item["id"]))
        eq(rc, 0, "exit status (%r)" % err)
        check(self.d.display(OWNER) in out, "owner's display name %s in %r" % (self.d.display(OWNER), out[:600]))
        unit = next(u for u in self.d.cfg["units"] if u["id"] == item["unit"])
        check(unit["name"] in out, "unit's name %s in show" % unit["name"])
        rc, out, err = self.alone("list", "--owner", OWNER)
        eq(rc, 0, "exit status (%r)" % err)
        check(self.d.display(OWNER) in out, "display name in list: %r" % out[:400])

    def test_as_a_display_name_is_found_in_the_directory_and_uses_that_users_key(self):
        rc, out, err = self.alone("--json", "--as", self.d.display(OWNER), "ping")
        eq(rc, 0, "exit status (%r)" % err)
        eq(json.loads(out)["user"]["name"], OWNER, "--as 李明 acts as liming, with liming.key")

    def test_as_a_user_without_a_key_here_says_where_it_looked(self):
        rc, out, err = self.alone("--as", LEADER, "ping")
        eq(rc, 1, "exit status (%r)" % err)
        check("no key of lijun" in err and self.mine in err, "names the user and the folder: %r" % err)

    def test_an_unknown_display_name_is_refused_by_rectd(self):
        rc, out, err = self.alone("--as", "无此人", "--key", os.path.join(self.mine, "liming.key"), "ping")
        eq(rc, 3, "rectd's directory has no such name (%r)" % err)
        check('knows no user named "无此人"' in err and "rectctl directory" in err, "what to do: %r" % err)

    def test_evidence_too_large_is_refused_by_the_directorys_limit(self):
        limit = self.d.cfg["daemon"]["max_attachment_mb"]
        big = os.path.join(self.tmp, "big.bin")
        with open(big, "wb") as f:
            f.truncate((limit + 1) * 1024 * 1024)
        items = self.d.call("list")["items"]
        before = self.d.snapshot()
        rc, out, err = self.alone("evidence", str(items[0]["id"]), "--note", "x", "--file", big)
        eq(rc, 1, "exit status (%r)" % err)
        check("at most %d MiB" % limit in err, "names rectd's limit: %r" % err)
        eq(self.d.snapshot(), before, "nothing stored")


class DirectoryRead(Base):
    """The directory command: what it holds, who may ask, and that SIGHUP changes it."""

    def test_directory_holds_users_units_sources_and_no_key(self):
        r = self.d.call("directory", user=VIEWER)
        eq([(u["name"], u["display"], u["roles"]) for u in r["users"]],
           [(u["name"], u["display"], u["roles"]) for u in self.d.cfg["users"]], "users")
        eq(r["units"], self.d.cfg["units"], "units")
        eq(r["sources"], self.d.cfg["sources"], "sources")
        eq(r["timezone"], self.d.cfg["calendar"]["timezone"], "timezone")
        eq(r["reviewer"], self.d.cfg["ledger"]["reviewer"], "reviewer")
        eq(r["default_inspection"], self.d.cfg["daemon"]["default_inspection"], "default inspection")
        eq(r["kinds"], ["immediate", "long-term"], "kinds")
        eq(r["states"], ["claimed", "assigned", "rectifying", "verified", "closed"], "states")
        eq(r["limits"]["max_attachment_mb"], self.d.cfg["daemon"]["max_attachment_mb"], "limit")
        text = json.dumps(r)
        check("public_key" not in text and "secret" not in text, "no key in the directory")
        for u in self.d.cfg["users"]:
            check(u["public_key"] not in text, "%s's public key is not there either" % u["name"])

    def test_directory_lists_recorded_inspections(self):
        eq(self.d.call("directory")["inspections"], [], "none recorded yet")
        self.d.call("inspection_add", {"name": "2026-county", "title": "县级考核"})
        eq(self.d.call("directory")["inspections"], ["2026-county"], "after inspection_add")

    def test_directory_takes_no_arguments(self):
        try:
            self.d.call("directory", {"user": "x"})
        except rawclient.Refused as e:
            eq(e.code, "unknown_field", "code")
        else:
            raise AssertionError("an argument was accepted")

    def test_rectctl_directory_prints_names_and_json(self):
        rc, out, err = self.ctl("-c", self.d.conf, "directory")
        eq(rc, 0, "exit status (%r)" % err)
        for u in self.d.cfg["users"]:
            check(re.search(r"^  %s +%s" % (u["name"], u["display"]), out, re.M), "%s line" % u["name"])
        rc, out, err = self.ctl("-c", self.d.conf, "--json", "directory")
        eq(json.loads(out)["users"][0]["name"], self.d.cfg["users"][0]["name"], "--json")

    def test_a_new_display_name_after_sighup_is_what_rectctl_shows(self):
        self.d.ctlj("import", PLAN)
        item = next(i for i in self.d.call("list")["items"] if i.get("owner") == OWNER)
        old = self.d.display(OWNER)
        text = self.d.conf_text.replace('display = "%s";' % old, 'display = "李明明";')
        check(text != self.d.conf_text, "liming's line")
        n = self.d.stderr().count("reloaded")
        self.d.save_conf(text)
        self.d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: self.d.stderr().count("reloaded") > n, "rectd's reload")
        eq(self.d.display(OWNER), "李明明", "the harness sees the new config")
        for args in (["show", str(item["id"])], ["list", "--owner", OWNER]):
            rc, out, err = self.ctl("-c", self.d.conf, *args)
            eq(rc, 0, "exit status (%r)" % err)
            check("李明明" in out, "%s shows the new display name: %r" % (args[0], out[:500]))
        eq(self.who("-c", self.d.conf, "--as", "李明明"), OWNER, "--as the new display name")
        rc, out, err = self.ctl("-c", self.d.conf, "--as", old, "ping")
        eq(rc, 3, "the old display name is gone (%r)" % err)
        check("knows no user named \"%s\"" % old in err, "says so: %r" % err)


class FakeRectd:
    """A CURVE ROUTER with rectd's demo key that answers from canned results
    and records each request's cmd and the connection it came over (its
    routing id): to count what rectctl asks, and over how many connections."""

    def __init__(self, endpoint, secret, answers):
        import zmq
        self.zmq = zmq
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.curve_server = True
        self.sock.curve_secretkey = secret.encode()
        self.sock.linger = 0
        self.sock.bind(endpoint)
        self.answers, self.cmds, self.peers, self.args, self.stop = answers, [], [], [], False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            if not self.sock.poll(50):
                continue
            frames = self.sock.recv_multipart()
            req = json.loads(frames[2].decode())
            self.cmds.append(req["cmd"])
            self.peers.append(frames[0])
            self.args.append(req.get("args", {}))
            result = self.answers.get(req["cmd"], {})
            if callable(result):  # a result that depends on the request (pages)
                result = result(req.get("args", {}))
            reply = {"ok": False, "error": result["error"]} if "error" in result else {"ok": True, "result": result}
            self.sock.send_multipart([frames[0], b"", json.dumps(reply).encode()])

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()
        self.ctx.term()


class Lazy(Base):
    """rectctl asks the directory at most once, and only when it shows names."""

    def setup(self):
        super().setup()
        self.directory = self.d.call("directory")
        self.d.ctlj("import", PLAN)
        self.items = self.d.call("list")
        self.show = self.d.call("show", {"item": 1})
        secret = rawclient.read_key_file(os.path.join(self.d.keys_dir, "rectd.key"))["secret"]
        self.endpoint = "ipc://%s/fake.sock" % self.tmp
        self.fake = FakeRectd(self.endpoint, secret, {"directory": self.directory, "list": self.items,
                                                      "show": self.show, "ping": self.d.call("ping")})
        self.conf = write(os.path.join(self.tmp, "fake", "rectctl.conf"),
                          client_conf(self.endpoint, self.pub, user=ADMIN, keys_dir=self.d.keys_dir))

    def teardown(self, keep):
        self.fake.close()
        return super().teardown(keep)

    def asks(self, *args):
        del self.fake.cmds[:]
        del self.fake.peers[:]
        rc, out, err = self.ctl("-c", self.conf, *args)
        eq(rc, 0, "rectctl %s: exit status (%r)" % (" ".join(args), err))
        return list(self.fake.cmds), out

    def test_json_output_never_asks_the_directory(self):
        eq(self.asks("--json", "list")[0], ["list"], "list --json")
        eq(self.asks("--json", "show", "1")[0], ["show"], "show --json")

    def test_a_table_asks_it_once_after_the_command(self):
        cmds, out = self.asks("list")
        eq(cmds, ["list", "directory"], "list")
        check(self.d.display(self.items["items"][0]["owner"]) in out, "names rendered")
        eq(self.asks("show", "1")[0], ["show", "directory"], "show")

    def test_the_directory_goes_over_the_commands_own_connection(self):
        # one connection per run (one CURVE handshake): the directory is asked over the command's
        for args in (["show", "1"], ["list"]):
            cmds, out = self.asks(*args)
            eq(cmds, [args[0], "directory"], " ".join(args))
            eq(len(set(self.fake.peers)), 1, "%s: one connection for both requests" % " ".join(args))

    def test_ping_and_a_user_name_need_no_directory(self):
        eq(self.asks("--as", OWNER, "ping")[0], ["ping"], "ping --as liming")

    def test_overdue_pages_are_read_as_of_the_first_pages_day(self):
        # Without --as-of rectd answers as of its today; should the day turn between two pages,
        # the later pages must still be red as of the as_of the one --json object states.
        def overdue(args):
            if "after" not in args:
                return {"as_of": "2026-12-01", "items": [{"id": 1, "deadline": "2026-11-20"}],
                        "next": "2026-11-20/1"}
            return {"as_of": args.get("as_of", "2026-12-02"), "items": [{"id": 2, "deadline": "2026-11-21"}]}
        self.fake.answers["overdue"] = overdue
        del self.fake.args[:]
        cmds, out = self.asks("--json", "overdue")
        eq(cmds, ["overdue", "overdue"], "two pages")
        eq(json.loads(out), {"as_of": "2026-12-01", "items": [{"id": 1, "deadline": "2026-11-20"},
                                                              {"id": 2, "deadline": "2026-11-21"}]}, "one object")
        check("as_of" not in self.fake.args[0], "the first page: rectd's today (%r)" % self.fake.args[0])
        eq(self.fake.args[1].get("as_of"), "2026-12-01", "the second page asks as of the first's day")
        eq(self.fake.args[1].get("after"), "2026-11-20/1", "after the first")
        # an --as-of of the user's own is sent as given, on every page
        del self.fake.args[:]
        self.asks("--json", "overdue", "--as-of", "2026-12-01")
        eq([a.get("as_of") for a in self.fake.args], ["2026-12-01", "2026-12-01"], "--as-of on both pages")

    def test_a_page_refused_midway_exits_3_and_leaves_the_json_unclosed(self):
        # a later page that cannot be had: rectctl says why and exits non-zero, and what --json
        # printed so far is not a whole object (a script never takes a cut listing for the listing)
        def overdue(args):
            if "after" not in args:
                return {"as_of": "2026-12-01", "items": [{"id": 1}], "next": "2026-11-20/1"}
            return {"error": {"code": "too_busy", "message": "rectd is busy: try again"}}
        self.fake.answers["overdue"] = overdue
        rc, out, err = self.ctl("-c", self.conf, "--json", "overdue")
        eq(rc, 3, "exit status (%r)" % err)
        check("busy" in err, "the refusal on stderr (%r)" % err)
        check(out.startswith('{\n  "as_of": "2026-12-01",\n  "items": [\n    {'), "the first page (%r)" % out)
        try:
            json.loads(out)
            check(False, "a cut listing must not parse as JSON: %r" % out)
        except ValueError:
            pass

    def test_a_display_name_asks_it_first_and_only_once(self):
        eq(self.asks("--as", self.d.display(OWNER), "list")[0], ["directory", "list"],
           "--as 李明 list: the directory once, kept for the table")


class CheckJson(Base):
    """rectd --check --json: the config as rectd understands it, and no secret."""

    def check_json(self, path):
        rc, out, err = run([RECTD, "--check", "--json", "-c", path])
        eq(rc, 0, "exit status (%r)" % err)
        return json.loads(out), out

    def test_values_match_the_file_and_defaults_are_filled_in(self):
        text = self.d.conf_text
        # drop two settings to see their defaults
        text = "\n".join(l for l in text.split("\n")
                         if not re.match(r"\s*(reply_cache|close_within_days)\s*=", l))
        path = self.d.save_conf(text, name="check.conf")
        cfg, out = self.check_json(path)
        eq(cfg["path"], path, "path")
        eq(cfg["daemon"]["endpoint"], "ipc://%s/r.sock" % self.d.tmp, "endpoint")
        eq(cfg["daemon"]["data_dir"], "%s/data" % self.d.tmp, "data_dir")
        eq(cfg["daemon"]["reply_cache"], 100000, "reply_cache default")
        eq(cfg["calendar"]["close_within_days"], 7, "close_within_days default")
        eq(cfg["daemon"]["socket_mode"], "0600", "socket_mode default")
        eq(cfg["daemon"]["map_size_mb"], int(re.search(r"map_size_mb = (\d+);", text).group(1)), "map_size_mb")
        eq(cfg["daemon"]["default_inspection"],
           re.search(r'default_inspection = "([^"]+)";', text).group(1), "default_inspection")
        eq(cfg["calendar"]["timezone"], re.search(r'timezone = "([^"]+)";', text).group(1), "timezone")
        hol = re.search(r"holidays = \[(.*?)\];", text, re.S).group(1)
        eq(cfg["calendar"]["holidays"], sorted(re.findall(r'"(\d{4}-\d\d-\d\d)"', hol)), "holidays")
        users = re.findall(r'\{ name = "(\w+)"; +display = "([^"]+)"; roles = \[([^\]]*)\];', text)
        eq([(u["name"], u["display"], set(u["roles"])) for u in cfg["users"]],
           [(n, d, set(re.findall(r'"(\w+)"', r))) for n, d, r in users], "users")
        units = re.findall(r'\{ id = "(\w+)"; +name = "([^"]+)"; \}', text.split("units = (")[1].split(");")[0])
        eq([(u["id"], u["name"]) for u in cfg["units"]], units, "units")
        eq(cfg["notify"]["at"], "09:00", "notify.at")
        eq(cfg["notify"]["immediate"], True, "notify.immediate (default)")
        eq(cfg["workflow"], {"distinct_closer": True, "close_by": "item_leader"}, "workflow")
        eq(cfg["client"]["user"], "wangyan", "client.user")
        eq(cfg["client"]["keys_dir"], "%s/keys" % self.d.tmp, "client.keys_dir")

    def test_keys_appear_as_public_keys_and_paths_never_a_secret(self):
        cfg, out = self.check_json(self.d.conf)
        server = rawclient.read_key_file(os.path.join(self.d.keys_dir, "rectd.key"))
        eq(cfg["daemon"]["public_key"], server["public"], "rectd's public key")
        eq(cfg["daemon"]["key_file"], os.path.join(self.d.keys_dir, "rectd.key"), "key_file as a path")
        for u in cfg["users"]:
            k = rawclient.read_key_file(os.path.join(self.d.keys_dir, "%s.key" % u["name"]))
            eq(u["public_key"], k["public"], "%s's public key" % u["name"])
            check(k["secret"] not in out, "%s's secret key is not printed" % u["name"])
        check(server["secret"] not in out, "rectd's secret key is not printed")
        with open(os.path.join(self.d.keys_dir, "rectd-sign.key"), "rb") as f:
            sign = f.read()
        for token in re.findall(rb"[0-9A-Za-z+/=]{32,}", sign) + [sign.hex().encode()]:
            check(token.decode() not in out, "no part of the signing key's file")
        check("secret" not in out.lower(), "the word secret appears nowhere: %r" % out[:300])

    def test_a_bad_config_gives_file_line_on_stderr_and_no_json(self):
        text = e2e_conf.set_setting(self.d.conf_text, "daemon", "max_request_kb", 0)
        path = self.d.save_conf(text, name="bad.conf")
        rc, out, err = run([RECTD, "--check", "--json", "-c", path])
        check(rc != 0, "non-zero exit")
        eq(out, "", "nothing on stdout")
        line = e2e_conf.setting_line(text, "daemon", "max_request_kb")
        check("bad.conf:%d: daemon.max_request_kb" % line in err, "FILE:LINE: %r" % err)

    def test_json_goes_only_with_check(self):
        rc, out, err = run([RECTD, "--json", "-c", self.d.conf])
        eq(rc, 1, "exit status")
        check("--json goes with --check" in err, "says so: %r" % err)

    def test_the_harness_config_is_rectds(self):
        cfg, out = self.check_json(self.d.conf)
        eq(self.d.cfg, cfg, "Daemon.cfg is rectd --check --json of r.conf")
        eq(e2e_conf.load(self.d.conf), cfg, "e2e_conf.load")

    def test_a_refused_config_keeps_the_harness_on_the_last_good_one(self):
        good, text = self.d.cfg, self.d.conf_text
        self.d.save_conf(e2e_conf.set_setting(text, "daemon", "map_size_mb", "big"))
        eq(self.d.cfg, good, "Daemon.cfg stays")
        check("daemon.map_size_mb" in self.d.cfg_error, "cfg_error says why: %r" % self.d.cfg_error)
        self.d.save_conf(text)
        eq(self.d.cfg_error, None, "a good config clears cfg_error")


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-clientconf", [Lookup, BadConf, Alone, DirectoryRead, Lazy, CheckJson],
                             sys.argv[1:]))
