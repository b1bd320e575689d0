"""e2e_daemon - start, drive and always stop a real rectd for the e2e tests.

A Daemon owns one temporary folder (/tmp/rtXXXX: ipc paths must stay under
107 bytes) holding its config, data_dir, ipc socket and the stderr of every
rectd it started. Every live rectd process is remembered in LIVE so the suite
can stop them all on any exit path.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import e2e_conf
import rawclient

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _binary(var, default):
    path = os.environ.get(var) or os.path.join(REPO, default)
    return os.path.abspath(path)


RECTD = _binary("RECTD", "rectd")
RECTCTL = _binary("RECTCTL", "rectctl")
BASE_CONF = os.path.join(REPO, "config", "rectd.conf")
PLAN = os.path.join(REPO, "examples", "plan.csv")

# Any of these in a program's stderr is a sanitizer report: a test failure.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer",
                   "WARNING: ThreadSanitizer")

LIVE = set()  # Popen objects of every rectd not yet reaped


def sanitizer_report(text):
    """The first sanitizer report line in text, or None."""
    for line in text.splitlines():
        if any(m in line for m in SANITIZER_MARKS):
            return line.strip()
    return None


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Signal proc, wait up to timeout s, then SIGKILL. Returns the exit status."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    LIVE.discard(proc)
    return proc.returncode


def stop_all():
    """Kill every rectd this suite started that is still running."""
    for proc in list(LIVE):
        stop_process(proc, signal.SIGKILL)


def free_tcp_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Result:
    """What one rectctl run gave."""

    def __init__(self, argv, rc, out, err, elapsed):
        self.argv, self.rc, self.out, self.err, self.elapsed = argv, rc, out, err, elapsed

    def json(self):
        if self.rc != 0:
            raise AssertionError("rectctl %s: exit %d, stderr %r"
                                 % (" ".join(self.argv[3:]), self.rc, self.err))
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError("rectctl %s: --json output does not parse (%s): %r"
                                 % (" ".join(self.argv[3:]), e, self.out[:500]))

    def __repr__(self):
        return "rectctl %s -> exit %d, stdout %r, stderr %r" % (
            " ".join(self.argv[3:]), self.rc, self.out[:300], self.err[:300])


def run_rectctl(conf, args, timeout=60, env=None):
    """Run rectctl -c conf ARGS; a sanitizer report in its stderr fails."""
    argv = [RECTCTL, "-c", conf] + [str(a) for a in args]
    e = dict(os.environ)
    e.pop("RECTCTL_USER", None)
    e.update(env or {})
    t0 = time.monotonic()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout, env=e)
    res = Result(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                 p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
    rep = sanitizer_report(res.err)
    if rep:
        raise AssertionError("sanitizer report from rectctl %s: %s\n%s"
                             % (" ".join(argv[3:]), rep, res.err))
    return res


class Daemon:
    """One rectd on a temporary folder. Not started until start()."""

    def __init__(self, overrides=None, tmp=None):
        self.tmp = tmp or tempfile.mkdtemp(prefix="rt", dir="/tmp")
        self.cfg = None  # the effective config: `rectd --check --json` of r.conf
        self.cfg_error = None  # rectd's message when the last r.conf saved was refused
        self.conf_text = None
        self.conf = None
        self.proc = None
        self.starts = 0
        self.err_files = []
        self.err_seen = {}  # err file -> bytes already scanned
        self.write_conf(overrides or {})

    # -- config -----------------------------------------------------------
    @property
    def endpoint(self):
        return self.cfg["daemon"]["endpoint"]

    @property
    def data_dir(self):
        return self.cfg["daemon"]["data_dir"]

    def write_conf(self, overrides, name="r.conf"):
        """Write a config from config/rectd.conf with this daemon's endpoint
        and data_dir, plus overrides {"group.key": value}. Returns its path."""
        with open(BASE_CONF, encoding="utf-8") as f:
            text = f.read()
        settings = self.own_settings()
        settings["notify.pub_endpoint"] = "ipc://%s/pub.sock" % self.tmp
        settings.update(overrides)
        for key, value in settings.items():
            group, name_ = key.split(".", 1)
            text = e2e_conf.set_setting(text, group, name_, value)
        return self.save_conf(text, name)

    def own_settings(self):
        """What makes a config this daemon's own: its endpoint, data and keys
        (demo keys, made by rectd at its first start), all in its folder."""
        return {"daemon.endpoint": "ipc://%s/r.sock" % self.tmp,
                "daemon.data_dir": "%s/data" % self.tmp,
                "daemon.key_file": "%s/keys/rectd.key" % self.tmp,
                "daemon.signing_key": "%s/keys/rectd-sign.key" % self.tmp,
                "client.keys_dir": "%s/keys" % self.tmp}

    def save_conf(self, text, name="r.conf"):
        """Write config text as name in the daemon's folder; r.conf becomes
        the config this daemon runs on, and self.cfg what rectd makes of it
        (`rectd --check --json`: defaults filled in, paths absolute, users'
        public keys as keys). Returns its path."""
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        if name == "r.conf":
            self.conf_text, self.conf = text, path
            self.cfg_error = None
            try:
                self.cfg = e2e_conf.effective(path, RECTD)
            except e2e_conf.ConfError as e:
                # A config rectd refuses (a test of the refusal): rectd keeps
                # running on the last good one, and so does self.cfg.
                self.cfg_error = str(e)
                if getattr(self, "cfg", None) is None:
                    raise
        return path

    # -- process ----------------------------------------------------------
    # A daemon on a pinned clock sets this (in its folder): rectd then runs
    # with --clock-file and TZ=UTC (the calendar's zone is rectd's own).
    clock_path = None
    # A callable run in the child before rectd starts (e.g. to set its
    # RLIMIT_NOFILE, tests/e2e-limits.py), or None.
    preexec = None

    def start(self, wait=True):
        """Start rectd -c conf; wait until it answers ping."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        err_path = os.path.join(self.tmp, "rectd.%d.err" % self.starts)
        self.err_files.append(err_path)
        argv, env = [RECTD, "-c", self.conf], None
        if self.clock_path:
            argv += ["--clock-file", self.clock_path]
            env = dict(os.environ, TZ="UTC")
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                         preexec_fn=self.preexec)
        LIVE.add(self.proc)
        if wait:
            self.wait_ready()
        return self.proc

    def set_clock(self, iso):
        """Move rectd's clock (clock_path) to iso; wait until rectd has it."""
        tmp = self.clock_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(iso + "\n")
        os.rename(tmp, self.clock_path)
        if self.running():
            t0 = time.monotonic()
            while self.call("ping")["time"] != iso:
                if time.monotonic() - t0 > 5:
                    raise AssertionError("rectd did not take the clock %s" % iso)
                time.sleep(0.05)

    @property
    def keys_dir(self):
        """Where this daemon's demo keys are (rectd makes them at its first start)."""
        return os.path.join(self.tmp, "keys")

    def register_keys(self):
        """Let rawclient connect to this daemon with its users' demo keys."""
        pub = os.path.join(self.keys_dir, "rectd.pub")
        if not os.path.exists(pub):
            return
        # the request socket, and the notifications' PUB socket (CURVE too)
        for ep in (self.endpoint, self.cfg.get("notify", {}).get("pub_endpoint")):
            if ep:
                rawclient.register_keys(ep, pub, self.keys_dir, fallback_user=self.admin)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while not os.path.exists(os.path.join(self.keys_dir, "rectd.pub")):
            if self.proc.poll() is not None:
                raise AssertionError("rectd exited with %s at start:\n%s"
                                     % (self.proc.returncode, self.stderr()))
            if time.monotonic() > deadline:
                raise AssertionError("rectd made no keys within %ds:\n%s" % (timeout, self.stderr()))
            time.sleep(0.02)
        self.register_keys()
        with rawclient.Client(self.endpoint, self.admin, timeout_ms=200) as c:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("rectd exited with %s at start:\n%s"
                                         % (self.proc.returncode, self.stderr()))
                try:
                    c.call("ping")
                    self._refresh_keys()
                    return
                except rawclient.NoReply:
                    time.sleep(0.05)
        raise AssertionError("rectd did not answer ping within %ds:\n%s"
                             % (timeout, self.stderr()))

    def _refresh_keys(self):
        """After the first start made the demo keys (rectd serves only once
        all are made), self.cfg learns their public keys."""
        if self.cfg and self.cfg_error is None and (
                self.cfg["daemon"].get("public_key") is None
                or any(u.get("public_key") is None for u in self.cfg["users"])):
            try:
                self.cfg = e2e_conf.effective(self.conf, RECTD)
            except e2e_conf.ConfError:
                pass  # r.conf changed under a running rectd: keep what we had

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stop rectd (SIGTERM, then SIGKILL after timeout). Exit status or None."""
        if self.proc is None:
            return None
        rc = stop_process(self.proc, sig, timeout)
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr(self, which=-1):
        if not self.err_files:
            return ""
        with open(self.err_files[which], "rb") as f:
            return f.read().decode("utf-8", "replace")

    def new_sanitizer_reports(self):
        """Sanitizer report lines that appeared in rectd's stderr since the
        last call (all of its runs)."""
        found = []
        for path in self.err_files:
            try:
                with open(path, "rb") as f:
                    f.seek(self.err_seen.get(path, 0))
                    data = f.read()
                    self.err_seen[path] = f.tell()
            except FileNotFoundError:
                continue
            rep = sanitizer_report(data.decode("utf-8", "replace"))
            if rep:
                found.append("%s: %s\n%s" % (os.path.basename(path), rep,
                                             data.decode("utf-8", "replace")[-6000:]))
        return found

    def cleanup(self, keep=False):
        self.stop()
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- users ------------------------------------------------------------
    def users_with(self, role):
        return [u["name"] for u in self.cfg["users"] if role in u["roles"]]

    def roles(self, name):
        for u in self.cfg["users"]:
            if u["name"] == name:
                return set(u["roles"])
        return set()

    @property
    def admin(self):
        return self.users_with("admin")[0]

    def user_name(self, name_or_display):
        for u in self.cfg["users"]:
            if name_or_display in (u["name"], u["display"]):
                return u["name"]
        return None

    def display(self, name):
        for u in self.cfg["users"]:
            if u["name"] == name:
                return u["display"]
        return None

    def named_id(self, table, id_or_name):
        for x in self.cfg[table]:
            if id_or_name in (x["id"], x["name"]):
                return x["id"]
        return None

    # -- clients ----------------------------------------------------------
    def raw(self, user=None, **kw):
        return rawclient.Client(self.endpoint, user or self.admin, **kw)

    def call(self, cmd, args=None, user=None, files=()):
        with self.raw(user) as c:
            return c.call(cmd, args, files)

    def request(self, cmd, args=None, user=None, files=()):
        with self.raw(user) as c:
            return c.request(cmd, args, files)

    def ctl(self, *args, user=None, json_out=True, conf=None, timeout=60, env=None):
        """rectctl [--as user] [--json] ARGS on this daemon's config."""
        pre = []
        if user:
            pre += ["--as", user]
        if json_out:
            pre += ["--json"]
        return run_rectctl(conf or self.conf, pre + list(args), timeout=timeout, env=env)

    def ctlj(self, *args, user=None):
        return self.ctl(*args, user=user).json()

    def snapshot(self):
        """What must not change when a request is refused: the counts, the
        head and every item as stored. Not list's facts (light, days
        overdue...): they are as of rectd's today, which turns at midnight
        in the calendar's zone (16:00 UTC for Asia/Shanghai) whatever the
        request did."""
        with self.raw() as c:
            p = c.call("ping")
            items = rawclient.list_all(c)
        return {"items": p["items"], "events": p["events"], "head": p["head"],
                "list": [{k: v for k, v in it.items() if k not in rawclient.ITEM_FACTS} for it in items]}
