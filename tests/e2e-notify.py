#!/usr/bin/python3
"""End-to-end tests of issue 3's daily notification job: a real rectd moved
through time with --clock-file, fake hook programs from tests/hooks/, a raw
client (tests/rawclient.py), a ZeroMQ SUB socket and rectctl.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-notify.py [-k TEXT] [-x] [--keep]

Every rectd runs with TZ=UTC in its environment and calendar.timezone =
"Asia/Shanghai", so "today" differs from the machine's date for eight hours
a day. Time moves only when a test rewrites the clock file (atomically, by
rename); rectd re-reads it on every tick (at least once a second). A test
that checks that nothing happens waits one tick (TICK seconds) after rectd
has seen the new time; a test that waits for something polls with a deadline.

Each fixture class starts its own rectd on /tmp/rnXXXX (config, data, ipc
sockets, hook output) and always stops it, and any hook process left behind,
by pid. Tests in a class run in the order written and build on each other.
A test whose feature is not built yet prints "SKIP: <what is missing>" and
counts neither as passed nor failed. Ends with "N passed, M failed"; exit
status 1 if anything failed.
"""

import collections
import datetime
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

import rawclient  # noqa: E402
import e2e_conf  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq, short as _short  # noqa: E402
from e2e_daemon import (BASE_CONF, LIVE, RECTCTL, RECTD, Daemon,  # noqa: E402
                        sanitizer_report)

HOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks")
TICK = 1.1          # s: longer than one loop tick ("at least once a second")
WAIT = 10.0         # s: deadline of every poll for something that must happen
UTC = datetime.timezone.utc
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NOTICE_KEYS = {"id", "day", "kind", "recipient", "recipient_display", "created", "subject",
               "text", "counts", "items", "reviews", "awaiting_close", "read", "delivery"}
ADMIN_KEYS = {"lights", "by_unit"}  # admin summaries only
NOTICE_ITEM_KEYS = {"id", "ref", "title", "deadline", "light", "days_overdue", "owner",
                    "unit", "leader", "state"}
HOOK_STATE_KEYS = {"state", "attempts", "last_error", "next_attempt"}
# PROTOCOL.md's example adds delivered_at to a delivered hook's state
# Commands of issue 3 that change something: they carry client and seq.
NOTIFY_WRITES = frozenset(["notify_run", "ack"])


Skip = e2e_runner.Skip


def wait_for(pred, what, timeout=WAIT, every=0.05):
    """Poll pred() until it returns something true; return that. Fails after
    timeout seconds of real time."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise Failure("%s: not within %.0f s" % (what, timeout))
        time.sleep(every)


# ---- time -------------------------------------------------------------------

def local(day, hms="09:00:00"):
    """An instant in Asia/Shanghai as the clock file takes it."""
    return "%sT%s+08:00" % (day, hms)


def utc(iso):
    """The UTC instant ("…Z") of an ISO 8601 instant with Z or an offset."""
    dt = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plus(iso, minutes):
    dt = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return (dt + datetime.timedelta(minutes=minutes)).isoformat()


# ---- config -----------------------------------------------------------------

def strip_group(text, name):
    """text without its top-level setting `name = { ... };` (if any)."""
    depth, start = 0, None
    pos = 0
    toks = []
    while pos < len(text):
        m = e2e_conf._TOKEN.match(text, pos)
        if not m:
            return text
        if m.lastgroup != "ws":
            toks.append((m.lastgroup, m.group(m.lastgroup), m.start(), m.end()))
        pos = m.end()
    for i, (kind, tok, s, e) in enumerate(toks):
        if depth == 0 and kind == "name" and tok == name and start is None:
            start = s
        if tok in ("{", "(", "["):
            depth += 1
        elif tok in ("}", ")", "]"):
            depth -= 1
            if depth == 0 and start is not None:
                end = e
                if i + 1 < len(toks) and toks[i + 1][1] in (";", ","):
                    end = toks[i + 1][3]
                return text[:start] + text[end:]
    return text


def fmt(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    raise TypeError(v)


class NClient(rawclient.Client):
    """rawclient.Client that also sends client and seq with issue 3's writes."""

    def envelope(self, cmd, args=None, user=None, seq=None, client=None):
        if cmd in NOTIFY_WRITES and seq is None:
            self.seq += 1
            seq = self.seq
        return super().envelope(cmd, args, user=user, seq=seq, client=client)


class NotifyDaemon(Daemon):
    """A Daemon with a clock file, TZ=UTC, a notify group and hook folders.

    hooks: [{"name", "command": [program, arg…], "timeout_s", "retries"}];
    "{dir}" in an argument becomes the hook's own output folder
    (self.hook_dir(name)), created here."""

    def __init__(self, notify=None, calendar=None, consolidation=None, hooks=(), pub=True, hold=False):
        tmp = tempfile.mkdtemp(prefix="rn", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        # RECTD_TEST_JOB_HOLD: the job's builder waits while this file exists
        self.hold_path = os.path.join(tmp, "job-hold") if hold else None
        self.pub_endpoint = "ipc://%s/pub.sock" % tmp if pub else None
        # the daily job's tests: the notices at once (notify.immediate) are tests/e2e-acts.py's
        self.notify = {"at": "09:00", "escalate_after_days": 30, "immediate": False}
        self.notify.update(notify or {})
        # calendar days: the working-day calendar is not what these tests are about
        self.calendar = {"timezone": "Asia/Shanghai", "due_soon_days": 3, "working_days": False}
        self.calendar.update(calendar or {})
        self.consolidation = {"interval_days": 90}
        self.consolidation.update(consolidation or {})
        self.hooks = []
        for h in hooks:
            os.makedirs(os.path.join(tmp, "hooks", h["name"]), exist_ok=True)
            h = dict(h)
            h["command"] = [a.replace("{dir}", os.path.join(tmp, "hooks", h["name"]))
                            for a in h["command"]]
            self.hooks.append(h)
        super().__init__({}, tmp=tmp)

    def hook_dir(self, name):
        return os.path.join(self.tmp, "hooks", name)

    def hook_files(self, name, prefix):
        d = self.hook_dir(name)
        return sorted(f for f in os.listdir(d) if f.startswith(prefix) and not f.endswith(".tmp"))

    def write_conf(self, overrides, name="r.conf"):
        with open(BASE_CONF, encoding="utf-8") as f:
            text = f.read()
        for g in ("notify", "consolidation"):
            text = strip_group(text, g)
        settings = self.own_settings()
        for k, v in self.calendar.items():
            settings["calendar." + k] = v
        settings.update(overrides)
        for key, value in settings.items():
            group, key_ = key.split(".", 1)
            text = e2e_conf.set_setting(text, group, key_, value)
        lines = ["", "# ---- added by tests/e2e-notify.py", "notify = {"]
        for k, v in self.notify.items():
            lines.append("    %s = %s;" % (k, fmt(v)))
        if self.pub_endpoint:
            lines.append("    pub_endpoint = %s;" % fmt(self.pub_endpoint))
        if self.hooks:
            lines.append("    hooks = (")
            lines.append(",\n".join(
                "        { %s }" % " ".join("%s = %s;" % (k, fmt(v)) for k, v in h.items())
                for h in self.hooks))
            lines.append("    );")
        lines.append("};")
        lines.append("consolidation = { %s };" % " ".join(
            "%s = %s;" % (k, fmt(v)) for k, v in self.consolidation.items()))
        text += "\n".join(lines) + "\n"
        return self.save_conf(text, name)

    def start(self, wait=True):
        """rectd -c conf --clock-file clock, with TZ=UTC; wait for ping."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        err_path = os.path.join(self.tmp, "rectd.%d.err" % self.starts)
        self.err_files.append(err_path)
        env = dict(os.environ)
        env["TZ"] = "UTC"
        if self.hold_path:
            env["RECTD_TEST_JOB_HOLD"] = self.hold_path
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            self.proc = subprocess.Popen(
                [RECTD, "-c", self.conf, "--clock-file", self.clock_path],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        LIVE.add(self.proc)
        if wait:
            self.wait_ready()
        return self.proc

    def raw(self, user=None, **kw):
        return NClient(self.endpoint, user or self.admin, **kw)

    # -- time --
    def set_clock(self, iso, wait=True):
        """Move rectd's clock; if it runs, wait until its ping shows the time."""
        tmp = self.clock_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(iso + "\n")
        os.rename(tmp, self.clock_path)
        self.now = iso
        if wait and self.running():
            want = utc(iso)
            wait_for(lambda: self.call("ping")["time"] == want, "ping shows %s" % want, 5)

    def advance(self, minutes):
        self.set_clock(plus(self.now, minutes))

    # -- notices --
    def inbox(self, user, all_=True, since=None):
        """user's notices, every page of them."""
        args = {"all": all_}
        if since is not None:
            args["since"] = since
        with self.raw() as c:
            return rawclient.inbox_all(c, args, user=user)

    def notices(self):
        """Every stored notice, {id: notice}, from every user's inbox --all."""
        out = {}
        for u in self.cfg["users"]:
            for n in self.inbox(u["name"]):
                check(n["id"] not in out, "notice %s in two inboxes" % n["id"])
                out[n["id"]] = n
        return out

    def cleanup(self, keep=False):
        self.stop()
        kill_hook_leftovers(self.tmp)
        super().cleanup(keep)


def alive(pid):
    """1 running, "zombie" exited but not reaped, 0 gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0
    return "zombie" if state == "Z" else 1


def hang_pids(path):
    """(hook pid, its child's pid, its start time) from a hang.py pid file."""
    with open(path) as f:
        pid, child, started = f.read().split()
    return int(pid), int(child), float(started)


def kill_hook_leftovers(tmp):
    """SIGKILL every hang.py (and its child sleep) this daemon's hooks left
    running, by the pids they recorded."""
    root = os.path.join(tmp, "hooks")
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not (f.startswith("hang-") and f.endswith(".pid")):
                continue
            try:
                pids = hang_pids(os.path.join(dirpath, f))[:2]
            except (ValueError, OSError):
                continue
            for pid, mark in zip(pids, (b"hang.py", b"sleep")):
                try:
                    with open("/proc/%d/cmdline" % pid, "rb") as c:
                        if mark in c.read():
                            os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def rectctl_commands():
    """Command names rectctl's help lists."""
    p = subprocess.run([RECTCTL, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return set(re.findall(r"^  ([a-z]+)\s", p.stdout.decode("utf-8", "replace"), re.M))


# ---- fixtures ---------------------------------------------------------------

DAY = "2026-12-01"
# notify_run's answer for a day already done (PROTOCOL.md: done_through)
NOOP = {"day": DAY, "ran": False, "notices": 0, "escalated": 0, "done_through": DAY}


class Fixture:
    """One NotifyDaemon per class, started in setup at self.start_clock."""
    hooks = ()
    pub = True
    notify = {}
    calendar = {}
    consolidation = {}
    hold = False
    start_clock = local(DAY, "08:00:00")

    def setup(self):
        self.d = NotifyDaemon(self.notify, self.calendar, self.consolidation, self.hooks, self.pub,
                              self.hold)
        self.daemons.append(self.d)
        self.d.set_clock(self.start_clock)
        self.d.start()
        rep = self.d.request("inbox", {})
        if not rep["ok"] and rep["error"]["code"] == "unknown_command":
            raise Skip("rectd has no inbox command (issue 3's daily job is not built yet)")
        self.ids = {}

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    # -- helpers --
    def add(self, ref, owner, leader, unit, deadline, kind="immediate", title=None):
        it = self.d.call("add", {"ref": ref, "source": "self", "kind": kind,
                                 "title": title or "整改事项" + ref, "owner": owner,
                                 "leader": leader, "unit": unit, "deadline": deadline})["item"]
        self.ids[ref] = it["id"]
        return it["id"]

    def close_item(self, i, owner):
        self.d.call("start", {"item": i}, user=owner)
        self.d.call("evidence", {"item": i, "note": "整改台账已更新"}, user=owner)
        self.d.call("verify", {"item": i, "result": "pass", "opinion": "验收通过"}, user="maqing")
        return self.d.call("close", {"item": i, "note": "销号"}, user="wangyan")["item"]

    def tick(self):
        """Let rectd run at least one tick at the current clock."""
        time.sleep(TICK)

    def of(self, notices, recipient, kind, day=None):
        """The one notice of recipient and kind (on day); fails on 0 or 2+."""
        found = [n for n in notices.values() if n["recipient"] == recipient
                 and n["kind"] == kind and (day is None or n["day"] == day)]
        eq(len(found), 1, "notices of kind %s to %s%s" % (kind, recipient,
                                                          " on %s" % day if day else ""))
        return found[0]

    def by_day(self, day):
        return {i: n for i, n in self.d.notices().items() if n["day"] == day}

    def wait_job(self, day, user="wangyan"):
        """Wait until user has a notice of day; return every notice of day."""
        wait_for(lambda: any(n["day"] == day for n in self.d.inbox(user)),
                 "the job of %s (a notice to %s)" % (day, user))
        return self.by_day(day)

    def history(self, i):
        return self.d.call("history", {"item": i})["events"]

    def escalate_events(self, i):
        return [e for e in self.history(i) if e["action"] == "escalate"]

    def state(self):
        """What a refused request must not change."""
        snap = self.d.snapshot()
        snap["notices"] = bare(self.d.notices())
        return snap

    def refused(self, cmd, args, codes, user=None):
        """cmd must be refused with one of codes and change nothing."""
        before = self.state()
        rep = self.d.request(cmd, args, user=user)
        check(not rep["ok"], "%s %s as %s: want %s, got %s" % (cmd, args, user, codes,
                                                               _short(rep, 400)))
        codes = {codes} if isinstance(codes, str) else set(codes)
        check(rep["error"]["code"] in codes, "%s %s as %s: error %s (%s), want %s" % (
            cmd, args, user, rep["error"]["code"], rep["error"]["message"], sorted(codes)))
        check(rep["error"]["message"].strip(), "%s: empty error message" % cmd)
        eq(self.state(), before, "state after refused %s %s as %s" % (cmd, args, user))

    def need_rectctl(self, *cmds):
        have = rectctl_commands()
        missing = [c for c in cmds if c not in have]
        if missing:
            raise Skip("rectctl has no %s command yet" % " / ".join(missing))


def bare(notices):
    """Notices without delivery: delivery states move on their own while
    hooks run, so comparisons of 'nothing changed' leave them out."""
    return {i: {k: v for k, v in n.items() if k != "delivery"} for i, n in notices.items()}


def sub_socket(endpoint, *topics):
    s = zmq.Context.instance().socket(zmq.SUB)
    s.setsockopt(zmq.LINGER, 0)
    rawclient.secure(s, rawclient.keys_for(endpoint, topics[0] if topics else None))
    for t in topics:
        s.setsockopt(zmq.SUBSCRIBE, t.encode())
    s.connect(endpoint)
    return s


def drain(sock, first_wait_ms=0, quiet_ms=300):
    """Every message a SUB socket has (waiting up to first_wait_ms for the
    first, then until quiet_ms pass without one) as [(topic, notice)]."""
    out = []
    wait = first_wait_ms
    while sock.poll(max(wait, quiet_ms if out else wait), zmq.POLLIN):
        frames = sock.recv_multipart()
        check(len(frames) == 2, "PUB message has %d frames, want 2: %r" % (len(frames), frames))
        out.append((frames[0].decode(), json.loads(frames[1].decode("utf-8"))))
        wait = quiet_ms
    return out


def chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# =============================================================================
class PingClock(Fixture):
    """ping tells the clock file's time, the zone's today and the PUB endpoint.
    Its own daemon: going back to 23:59:59 on 30 November is after that day's
    notify.at, so a tick there runs the job of 30 November, which DailyJob's
    tests must not see."""

    def test_ping_shows_the_clock_files_time_the_zones_today_and_the_pub_endpoint(self):
        self.d.set_clock(local(DAY, "08:30:00"))
        p = self.d.call("ping")
        eq(p["time"], "2026-12-01T00:30:00Z", "ping time")
        eq(p["today"], DAY, "ping today")
        eq(p.get("pub_endpoint"), self.d.pub_endpoint, "ping pub_endpoint")
        # Z form; the machine (TZ=UTC) is still on 30 November, Shanghai is not
        self.d.set_clock("2026-11-30T16:30:00Z")
        eq(self.d.call("ping")["today"], DAY, "today at 2026-11-30T16:30:00Z")
        self.d.set_clock("2026-11-30T15:59:59Z")
        eq(self.d.call("ping")["today"], "2026-11-30", "today at 2026-11-30T15:59:59Z")
        self.d.set_clock(local(DAY, "08:30:00"))


class DailyJob(Fixture):
    """One day of the job: not before notify.at, once at it, never again that
    day (not even after a restart); digests, hooks, PUB, inbox, ack, watch,
    notify run; then the next day."""
    hooks = [{"name": "log", "command": [os.path.join(HOOKS, "record.py"), "{dir}",
                                         "a b;$HOME", "第二个参数"],
              "timeout_s": 2, "retries": 5}]
    consolidation = {"interval_days": 1}

    def setup(self):
        super().setup()
        self.add("N-R1", "liming", "lijun", "cun1", "2026-11-28", title="遍访记录缺走访人签字")
        self.add("N-Y1", "liming", "lijun", "xiangcun", "2026-12-03")
        self.add("N-G1", "zhaoli", "chenmei", "cun2", "2027-06-30")
        self.add("N-C1", "liming", "lijun", "cun1", "2026-11-20", kind="long-term")
        self.c1 = self.close_item(self.ids["N-C1"], "liming")
        self.sub_liming = sub_socket(self.d.pub_endpoint, "liming")
        self.sub_all = sub_socket(self.d.pub_endpoint, "")

    def teardown(self, keep):
        for s in (getattr(self, "sub_liming", None), getattr(self, "sub_all", None)):
            if s is not None:
                s.close(linger=0)
        return super().teardown(keep)

    def test_nothing_is_sent_before_notify_at(self):
        self.d.set_clock(local(DAY, "08:59:59"))
        self.tick()
        eq(self.d.notices(), {}, "notices at 08:59:59")
        eq(self.d.hook_files("log", "rec-"), [], "hook calls at 08:59:59")
        eq(drain(self.sub_all), [], "PUB messages at 08:59:59")

    def test_at_notify_at_the_job_builds_one_digest_per_owner_leader_and_admin(self):
        self.d.set_clock(local(DAY, "09:00:00"))
        self.first = self.wait_job(DAY, "liming")
        ns = self.first
        kinds = collections.Counter((n["recipient"], n["kind"]) for n in ns.values())
        check(all(c == 1 for c in kinds.values()), "a recipient got two notices of a kind: %s"
              % kinds)
        for n in ns.values():
            check(n["kind"] in ("owner", "leader", "admin"), "kind %r on the first run" % n["kind"])
            check(n["kind"] in self.d.roles(n["recipient"]),
                  "%s notice to %s, who is not %s" % (n["kind"], n["recipient"], n["kind"]))
            eq(n["day"], DAY, "day of notice %s" % n["id"])
            eq(n["created"], "2026-12-01T01:00:00Z", "created of notice %s" % n["id"])
            eq(n["read"], False, "read of a new notice")
            check(isinstance(n["subject"], str) and n["subject"].strip(), "subject %r" % n)
            check(isinstance(n["text"], str) and chinese(n["text"]),
                  "text of notice %s is not rendered Chinese: %r" % (n["id"], n["text"]))
        r1, y1 = self.ids["N-R1"], self.ids["N-Y1"]
        own = self.of(ns, "liming", "owner")
        eq(own["counts"], {"red": 1, "yellow": 1, "reviews": 0}, "liming's counts")
        items = {i["id"]: i for i in own["items"]}
        eq(sorted(items), sorted([r1, y1]), "liming's items")
        eq(items[r1], {"id": r1, "ref": "N-R1", "title": "遍访记录缺走访人签字",
                       "deadline": "2026-11-28", "light": "red", "days_overdue": 3,
                       "owner": "liming", "unit": "cun1", "leader": "lijun",
                       "state": "assigned"}, "liming's red item")
        eq((items[y1]["light"], items[y1]["days_overdue"], items[y1]["deadline"]),
           ("yellow", None, "2026-12-03"), "liming's yellow item (light, days_overdue, deadline)")
        eq(own["reviews"], [], "liming's reviews (N-C1's first review is due tomorrow)")
        check("N-R1" in own["text"] or "遍访记录缺走访人签字" in own["text"],
              "liming's text does not name the red item: %r" % own["text"])
        lead = self.of(ns, "lijun", "leader")
        eq(sorted(i["id"] for i in lead["items"]), sorted([r1, y1]), "lijun's items")
        eq(lead["counts"], {"red": 1, "yellow": 1, "reviews": 0}, "lijun's counts")
        for admin in ("wangyan", "zhanghua"):
            a = self.of(ns, admin, "admin")
            eq(a["lights"], {"green": 1, "yellow": 1, "red": 1}, "%s's summary lights" % admin)
            eq(a["by_unit"], {"cun1": {"green": 0, "yellow": 0, "red": 1},
                              "xiangcun": {"green": 0, "yellow": 1, "red": 0},
                              "cun2": {"green": 1, "yellow": 0, "red": 0}},
               "%s's summary by unit (closed N-C1 not counted)" % admin)
            eq(a["counts"]["red"], 1, "%s's summary counts.red" % admin)
            eq([i["id"] for i in a["items"]], [r1], "%s's red list" % admin)
            check("N-R1" in a["text"], "%s's text lacks the red item: %r" % (admin, a["text"]))
        for n in ns.values():
            for i in n["items"]:
                check(i["id"] not in (self.ids["N-G1"], self.ids["N-C1"]),
                      "a green or closed item in notice %s to %s: %s" % (n["id"], n["recipient"], i))

    def test_a_digest_is_built_even_with_nothing_due(self):
        for who, kind in (("zhaoli", "owner"), ("chenmei", "leader")):
            n = self.of(self.first, who, kind)
            eq(n["counts"], {"red": 0, "yellow": 0, "reviews": 0}, "%s's counts" % who)
            eq((n["items"], n["reviews"]), ([], []), "%s's items and reviews" % who)
            check("0" in n["text"], "%s's text does not say 0: %r" % (who, n["text"]))

    def test_a_notice_has_exactly_the_documented_keys(self):
        for n in self.first.values():
            eq(set(n), NOTICE_KEYS | (ADMIN_KEYS if n["kind"] == "admin" else set()),
               "keys of notice %s (%s)" % (n["id"], n["kind"]))
            eq(n["recipient_display"], self.d.display(n["recipient"]), "recipient_display")
            eq(set(n["counts"]), {"red", "yellow", "reviews"}, "counts keys")
            for i in n["items"]:
                eq(set(i), NOTICE_ITEM_KEYS, "keys of an item of notice %s" % n["id"])
            eq(set(n["delivery"]), {"pub", "hooks"}, "delivery keys")
            eq(set(n["delivery"]["hooks"]), {"log"}, "hooks in delivery")
            st = n["delivery"]["hooks"]["log"]
            eq(set(st) - {"delivered_at"}, HOOK_STATE_KEYS, "hook state keys")
            # the hook may already have run when the snapshot was taken: the
            # time of delivery is there exactly when the state says delivered
            if st["state"] == "delivered":
                eq(st.get("delivered_at"), "2026-12-01T01:00:00Z", "delivered_at of a delivery")
            else:
                eq(st.get("delivered_at"), None, "delivered_at of a delivery not done yet")

    def test_each_notice_reaches_the_hook_once_with_its_json_on_stdin_and_args_unsplit(self):
        ids = sorted(self.first)

        def delivered():
            ns = self.d.notices()
            return all(ns[i]["delivery"]["hooks"]["log"]["state"] == "delivered" for i in ids) \
                and ns
        ns = wait_for(delivered, "every notice delivered to the hook")
        for i in ids:
            eq(ns[i]["delivery"]["hooks"]["log"], {"state": "delivered", "attempts": 1,
                                                   "last_error": None, "next_attempt": None,
                                                   "delivered_at": "2026-12-01T01:00:00Z"},
               "hook state of notice %d" % i)
            eq(ns[i]["delivery"]["pub"], "published", "pub state of notice %d" % i)
        recs = []
        for f in self.d.hook_files("log", "rec-"):
            with open(os.path.join(self.d.hook_dir("log"), f), encoding="utf-8") as fh:
                recs.append(json.load(fh))
        eq(sorted(r["notice"]["id"] for r in recs), ids, "notice ids the hook was given")
        for r in recs:
            eq(r["argv"], ["a b;$HOME", "第二个参数"], "the hook's arguments (no shell)")
            n, want = r["notice"], self.first[r["notice"]["id"]]
            eq(sorted(set(n) & {"delivery", "read"}), [],
               "keys on the hook's stdin PROTOCOL.md leaves out")
            for k in ("recipient", "kind", "day", "subject", "text", "counts", "items",
                      "reviews", "created"):
                eq(n.get(k), want[k], "%s of notice %s on the hook's stdin" % (k, want["id"]))
        self.hook_calls = len(recs)

    def test_a_subscriber_gets_its_users_notices_on_pub_and_nothing_else(self):
        got = drain(self.sub_liming, first_wait_ms=3000)
        mine = sorted(i for i, n in self.first.items() if n["recipient"] == "liming")
        eq(sorted(n["id"] for _, n in got), mine, "ids liming's SUB received")
        for topic, n in got:
            eq(topic, "liming", "topic")
            eq(n["recipient"], "liming", "recipient of a notice under topic liming")
            eq(n["text"], self.first[n["id"]]["text"], "text on PUB")
        every = drain(self.sub_all, first_wait_ms=1000)
        eq(sorted((t, n["id"]) for t, n in every),
           sorted((n["recipient"], i) for i, n in self.first.items()),
           "(topic, id) of everything published")

    def test_the_job_runs_once_however_long_the_day_lasts(self):
        for hms in ("13:00:00", "23:59:59"):
            self.d.set_clock(local(DAY, hms))
            self.tick()
            eq(sorted(self.d.notices()), sorted(self.first), "notices at %s" % hms)
        eq(len(self.d.hook_files("log", "rec-")), self.hook_calls, "hook calls")
        eq(drain(self.sub_all), [], "PUB messages later that day")

    def test_a_restart_the_same_day_sends_nothing_again(self):
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local(DAY, "15:00:00"))
        self.d.start()
        self.tick()
        eq(sorted(self.d.notices()), sorted(self.first), "notices after a restart")
        eq(len(self.d.hook_files("log", "rec-")), self.hook_calls, "hook calls after a restart")
        eq(drain(self.sub_all, first_wait_ms=300), [], "PUB messages after a restart")

    def test_notify_run_for_a_day_already_done_is_a_no_op(self):
        eq(self.d.call("notify_run", {}), NOOP, "notify_run today")
        eq(self.d.call("notify_run", {"as_of": DAY, "force": False}), NOOP,
           "notify_run as_of today")
        eq(sorted(self.d.notices()), sorted(self.first), "notices after notify_run")

    def test_notify_run_by_a_non_admin_or_with_bad_arguments_is_refused(self):
        for user in ("liming", "lijun", "maqing", "xiaoliu"):
            self.refused("notify_run", {}, "permission_denied", user=user)
            self.refused("notify_run", {"force": True}, "permission_denied", user=user)
        self.refused("notify_run", {"as_of": "2026-02-30"}, "bad_date")
        self.refused("notify_run", {"as_of": 20261201}, "bad_type")
        self.refused("notify_run", {"as_of": None}, "bad_type")
        self.refused("notify_run", {"as_of": ""}, "bad_date")
        self.refused("notify_run", {"force": "yes"}, "bad_type")
        self.refused("notify_run", {"when": DAY}, "unknown_field")
        # a day to come would escalate what is not late yet and mark real days done
        self.refused("notify_run", {"as_of": "2099-01-01"}, "bad_value")
        self.refused("notify_run", {"as_of": "2099-01-01", "force": True}, "bad_value")

    def test_notify_run_with_force_runs_the_day_again(self):
        before = self.d.notices()
        r = self.d.call("notify_run", {"force": True})
        eq(r, {"day": DAY, "ran": True, "notices": len(self.first), "escalated": 0},
           "notify_run force")
        new = {i: n for i, n in self.d.notices().items() if i not in before}
        eq(len(new), len(self.first), "new notices")
        check(min(new) > max(before), "new ids %s not above old %s" % (sorted(new), max(before)))
        eq(sorted((n["recipient"], n["kind"]) for n in new.values()),
           sorted((n["recipient"], n["kind"]) for n in self.first.values()), "who got them")
        self.forced = new
        wait_for(lambda: len(self.d.hook_files("log", "rec-")) == self.hook_calls + len(new),
                 "the hook called for each forced notice")
        self.hook_calls += len(new)

    def test_a_resent_notify_run_with_the_same_client_and_seq_runs_once(self):
        before = self.d.notices()
        with self.d.raw(client_id="retry-notify-run") as c:
            a = c.request_bytes("notify_run", {"force": True}, seq=7)
            b = c.request_bytes("notify_run", {"force": True}, seq=7)
        eq(b, a, "the resent request's reply (byte for byte)")
        r = rawclient.parse_reply(a)
        eq((r["ok"], r["result"]["ran"], r["result"]["notices"]), (True, True, len(self.first)),
           "notify_run force")
        eq(len(self.d.notices()), len(before) + len(self.first), "notices after the resend")
        wait_for(lambda: len(self.d.hook_files("log", "rec-")) == self.hook_calls
                 + len(self.first), "the hook called for each new notice")
        self.hook_calls += len(self.first)

    def test_notify_run_as_of_a_past_day_is_a_no_op_unless_forced(self):
        # PROTOCOL: "a day already done (the last day run is that day or later)"
        before = self.d.notices()
        eq(self.d.call("notify_run", {"as_of": "2026-11-30"}),
           dict(NOOP, day="2026-11-30"), "notify_run as_of 2026-11-30")
        eq(bare(self.d.notices()), bare(before), "notices after the no-op")
        r = self.d.call("notify_run", {"as_of": "2026-11-30", "force": True})
        eq(r, {"day": "2026-11-30", "ran": True, "notices": len(self.first), "escalated": 0},
           "notify_run as_of 2026-11-30 force")
        ns = self.by_day("2026-11-30")
        eq(len(ns), len(self.first), "notices of 2026-11-30")
        own = self.of(ns, "liming", "owner")
        red = [i for i in own["items"] if i["id"] == self.ids["N-R1"]]
        eq([(i["light"], i["days_overdue"]) for i in red], [("red", 2)],
           "N-R1 as of 2026-11-30")
        eq(self.d.call("notify_run", {"as_of": "2026-11-30"})["ran"], False, "second run")
        eq(len(self.by_day("2026-11-30")), len(self.first), "notices of 2026-11-30 after it")
        eq(self.d.call("notify_run", {})["ran"], False, "today after a forced past day")
        wait_for(lambda: len(self.d.hook_files("log", "rec-")) == self.hook_calls + len(ns),
                 "the hook called for each notice of 2026-11-30")
        self.hook_calls += len(ns)

    def test_inbox_shows_the_acting_users_unread_notices_and_since_filters_by_id(self):
        ns = self.d.notices()
        mine = sorted(i for i, n in ns.items() if n["recipient"] == "liming")
        unread = self.d.inbox("liming", all_=False)
        eq([n["id"] for n in unread], mine, "liming's unread inbox (id order)")
        since = mine[1]
        eq([n["id"] for n in self.d.inbox("liming", since=since)], [i for i in mine if i > since],
           "liming's inbox since %d" % since)
        eq(self.d.inbox("liming", since=max(ns)), [], "inbox since the last id")
        eq(self.d.inbox("maqing"), [], "a verifier's inbox")

    def test_ack_marks_ones_own_notice_read(self):
        mine = [n["id"] for n in self.d.inbox("liming", all_=False)]
        n = self.d.call("ack", {"id": mine[0]}, user="liming")["notice"]
        eq((n["id"], n["recipient"], n["read"]), (mine[0], "liming", True), "ack result")
        eq([x["id"] for x in self.d.inbox("liming", all_=False)], mine[1:], "unread after ack")
        alln = {x["id"]: x for x in self.d.inbox("liming")}
        eq(alln[mine[0]]["read"], True, "read in inbox --all")
        eq([alln[i]["read"] for i in mine[1:]], [False] * (len(mine) - 1), "the others")
        self.acked = mine[0]
        # since replays read notices too (PROTOCOL.md, inbox)
        eq([x["id"] for x in self.d.inbox("liming", all_=False, since=mine[0] - 1)], mine,
           "liming's inbox since %d without all" % (mine[0] - 1))

    def test_ack_of_someone_elses_or_an_unknown_notice_is_refused(self):
        theirs = self.d.inbox("wangyan", all_=False)[0]["id"]
        self.refused("ack", {"id": theirs}, ("not_found", "permission_denied"), user="liming")
        eq(self.d.inbox("wangyan", all_=False)[0]["id"], theirs, "wangyan's notice still unread")
        self.refused("ack", {"id": 999999}, "not_found", user="liming")
        self.refused("ack", {"id": 0}, ("not_found", "bad_value"), user="liming")
        self.refused("ack", {"id": "1"}, "bad_type", user="liming")
        self.refused("ack", {"id": 1.5}, "bad_type", user="liming")
        self.refused("ack", {"id": -5}, ("not_found", "bad_value"), user="liming")
        self.refused("inbox", {"since": -1}, "bad_value", user="liming")
        self.refused("ack", {}, "missing_field", user="liming")
        self.refused("ack", {"id": theirs, "all": True}, "unknown_field", user="liming")
        self.refused("inbox", {"since": "5"}, "bad_type", user="liming")
        self.refused("inbox", {"all": "yes"}, "bad_type", user="liming")
        self.refused("inbox", {"user": "wangyan"}, "unknown_field", user="liming")

    def test_rectctl_inbox_and_ack(self):
        self.need_rectctl("inbox", "ack")
        unread = [n["id"] for n in self.d.inbox("zhaoli", all_=False)]
        res = self.d.ctlj("inbox", user="zhaoli")
        eq([n["id"] for n in res["notices"]], unread, "rectctl inbox --json")
        plain = self.d.ctl("inbox", user="zhaoli", json_out=False)
        eq(plain.rc, 0, "rectctl inbox: %r" % plain)
        subj = self.d.inbox("zhaoli")[0]["subject"]
        check(subj in plain.out, "rectctl inbox does not show the subject %r: %r"
              % (subj, plain.out))
        n = self.d.ctlj("ack", unread[0], user="zhaoli")["notice"]
        eq((n["id"], n["read"]), (unread[0], True), "rectctl ack")
        eq([x["id"] for x in self.d.ctlj("inbox", user="zhaoli")["notices"]], unread[1:],
           "rectctl inbox after ack")
        eq(unread[0] in [x["id"] for x in self.d.ctlj("inbox", "--all", user="zhaoli")["notices"]],
           True, "rectctl inbox --all shows the read notice")
        theirs = self.d.inbox("wangyan", all_=False)[0]["id"]
        r = self.d.ctl("ack", theirs, user="zhaoli")
        eq(r.rc, 3, "rectctl ack of wangyan's notice as zhaoli: %r" % r)
        check(r.err.strip(), "no message: %r" % r)
        eq(self.d.inbox("wangyan", all_=False)[0]["id"], theirs, "wangyan's still unread")

    def test_rectctl_notify_run(self):
        self.need_rectctl("notify")
        eq(self.d.ctlj("notify", "run", user="wangyan"), NOOP, "rectctl notify run")
        r = self.d.ctl("notify", "run", "--force", user="liming")
        eq(r.rc, 3, "rectctl notify run --force as an owner: %r" % r)
        before = len(self.d.notices())
        eq(self.d.ctlj("notify", "run", "--as-of", "2026-11-29", user="wangyan"),
           dict(NOOP, day="2026-11-29"), "rectctl notify run --as-of 2026-11-29")
        res = self.d.ctlj("notify", "run", "--as-of", "2026-11-29", "--force", user="wangyan")
        eq(res, {"day": "2026-11-29", "ran": True, "notices": len(self.first), "escalated": 0},
           "rectctl notify run --as-of --force")
        eq(len(self.d.notices()), before + len(self.first), "notices stored")
        wait_for(lambda: len(self.d.hook_files("log", "rec-")) == self.hook_calls
                 + len(self.first), "hook calls for them")
        self.hook_calls += len(self.first)

    def test_inbox_pages_hold_each_notice_once_in_id_order_and_only_the_users_own(self):
        def pages(args, limit):
            """Every page of liming's inbox with args, limit a page: the pages, each [(id, read)]."""
            out, a = [], dict(args, limit=limit)
            while True:
                res = self.d.call("inbox", a, user="liming")
                page = res["notices"]
                check(1 <= len(page) <= limit or (not page and not out),
                      "a page of %d notices with limit %d" % (len(page), limit))
                check(all(n["recipient"] == "liming" for n in page), "another user's notice: %r" % page)
                out.append([(n["id"], n["read"]) for n in page])
                if "next" not in res:
                    return out
                eq(res["next"], str(page[-1]["id"]), "next is the page's last id")
                a["after"] = res["next"]

        whole = self.d.call("inbox", {"all": True}, user="liming")
        check("next" not in whole, "one page of 1000 holds them all: no next")
        every = [(n["id"], n["read"]) for n in whole["notices"]]
        check(len(every) >= 3 and (self.acked, True) in every, "liming's notices, one read: %r" % every)
        eq(every, sorted(every), "in id order")
        for limit in (1, 2):
            got = pages({"all": True}, limit)
            eq([n for p in got for n in p], every, "inbox --all in pages of %d" % limit)
            eq([len(p) for p in got[:-1]], [limit] * (len(got) - 1), "full pages before the last")
        # a page that ends at the last notice says no next
        res = self.d.call("inbox", {"all": True, "limit": len(every)}, user="liming")
        eq(([n["id"] for n in res["notices"]], "next" in res), ([i for i, _ in every], False),
           "a page of exactly all")
        # unread only: limit counts the notices answered, the read one is passed over
        unread = [n for n in every if not n[1]]
        got = pages({}, 1)
        eq(got, [[n] for n in unread], "unread inbox in pages of 1")
        # since and after both mean "ids greater than": the larger wins (since: read or not)
        ids = [i for i, _ in every]
        for since, after in ((ids[0], ids[1]), (ids[1], ids[0]), (0, ids[-1])):
            res = self.d.call("inbox", {"since": since, "after": str(after)}, user="liming")
            eq([n["id"] for n in res["notices"]], [i for i in ids if i > max(since, after)],
               "since %d after %d" % (since, after))
        # after another user's notice: liming's own after it, never the other's
        theirs = [n["id"] for n in self.d.inbox("wangyan")]
        res = self.d.call("inbox", {"all": True, "after": str(theirs[0])}, user="liming")
        eq([n["id"] for n in res["notices"]], [i for i in ids if i > theirs[0]], "after wangyan's notice")
        for limit in (0, -1, 10001):
            rep = self.d.request("inbox", {"limit": limit}, user="liming")
            eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), "limit %d" % limit)
            check(rep["error"]["message"].startswith("limit: %d is not a page size: ask for 1 to 10000" % limit),
                  "list's wording: %r" % rep["error"]["message"])
            self.refused("inbox", {"limit": limit}, "bad_value", user="liming")
        self.refused("inbox", {"limit": "x"}, "bad_type", user="liming")
        for after in ("abc", "0", "-1", "12x", "18446744073709551615"):
            rep = self.d.request("inbox", {"after": after}, user="liming")
            eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), "after %r" % after)
            check("a notice id" in rep["error"]["message"] and after in rep["error"]["message"],
                  "names what after takes: %r" % rep["error"]["message"])
        self.refused("inbox", {"after": 5}, "bad_type", user="liming")

    def test_rectctl_inbox_pages_print_as_one_page_does(self):
        self.need_rectctl("inbox")
        every = [n["id"] for n in self.d.inbox("liming")]
        # every page asked in one run (stdout), against one page read at the same moment
        streamed = self.d.ctl("inbox", "--all", user="liming")
        whole = self.d.ctl("inbox", "--all", "--limit", "10000", user="liming")
        eq((streamed.rc, whole.rc, streamed.err, whole.err), (0, 0, "", ""), "rectctl inbox --json")
        eq([n["id"] for n in streamed.json()["notices"]], every, "rectctl inbox --all --json")
        check("next" not in streamed.json(), "no next in the streamed object")
        # one page at a time: the page, and where the next begins on stderr
        r = self.d.ctl("inbox", "--all", "--limit", "1", user="liming")
        eq((r.rc, [n["id"] for n in r.json()["notices"]], r.json()["next"]), (0, every[:1], str(every[0])),
           "--limit 1: the page and its next")
        r = self.d.ctl("inbox", "--all", "--limit", "1", "--after", str(every[0]), json_out=False, user="liming")
        eq((r.rc, r.err), (0, "more: the next page is --after %d\n" % every[1]), "a page of 1 as text")
        check(("#%d " % every[1]) in r.out and ("#%d " % every[0]) not in r.out, "its notice: %r" % r.out)
        r = self.d.ctl("inbox", "--all", "--after", str(every[-1]), json_out=False, user="liming")
        eq((r.rc, r.out, r.err), (0, "no notices\n", ""), "after the last")
        r = self.d.ctl("inbox", "--limit", "0", user="liming")
        eq(r.rc, 1, "--limit 0 is a usage error: %r" % r)

    def test_rectctl_watch_since_0_replays_missed_notices_then_prints_new_ones(self):
        self.need_rectctl("watch")
        mine = sorted(i for i, n in self.d.notices().items() if n["recipient"] == "liming")
        argv = [RECTCTL, "-c", self.d.conf, "--as", "liming", "--json", "watch", "--since", "0"]
        err_path = os.path.join(self.d.tmp, "watch.err")
        with open(err_path, "wb") as err:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=err)
        seen, buf = [], b""

        def read_more():
            nonlocal buf
            if select.select([p.stdout], [], [], 0.05)[0]:
                chunk = os.read(p.stdout.fileno(), 65536)
                if not chunk:
                    try:
                        p.wait(2)
                    except subprocess.TimeoutExpired:
                        pass
                    with open(err_path, "rb") as f:
                        raise Failure("watch closed its output (exit %s): %r"
                                      % (p.poll(), f.read()[-500:]))
                buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    try:
                        obj = json.loads(line.decode("utf-8"))
                    except ValueError:
                        raise Failure("watch --json printed a line that is not JSON: %r" % line)
                    seen.append(obj.get("notice", obj))
            return False
        try:
            def has(ids):
                read_more()
                return set(ids) <= {n.get("id") for n in seen}
            wait_for(lambda: has(mine), "watch --since 0 replays liming's %d notices" % len(mine))
            eq(sorted(n["id"] for n in seen), mine, "replayed ids (each once)")
            eq({n["recipient"] for n in seen}, {"liming"}, "recipients watch printed")
            time.sleep(0.3)  # watch's SUB is connected by now (ipc)
            self.d.call("notify_run", {"force": True})
            new = sorted(i for i, n in self.d.notices().items()
                         if n["recipient"] == "liming" and i > max(mine))
            eq(len(new), 1, "liming's new notice")
            wait_for(lambda: has(new), "watch prints the new notice %s" % new)
            read_more()
            eq(sorted(n["id"] for n in seen), mine + new, "ids watch printed (each once)")
        finally:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            p.stdout.close()
            with open(err_path, "rb") as f:
                rep = sanitizer_report(f.read().decode("utf-8", "replace"))
            check(rep is None, "sanitizer report from rectctl watch: %s" % rep)
        self.hook_calls = None  # the forced run's hook calls are not counted any more

    def test_the_next_day_the_job_runs_again_at_notify_at(self):
        day2 = "2026-12-02"
        self.d.set_clock(local(day2, "08:59:59"))
        self.tick()
        eq(self.by_day(day2), {}, "notices of %s at 08:59:59" % day2)
        self.d.set_clock(local(day2, "09:00:00"))
        ns = self.wait_job(day2, "liming")
        own = self.of(ns, "liming", "owner")
        red = {i["id"]: i for i in own["items"]}
        eq((red[self.ids["N-R1"]]["light"], red[self.ids["N-R1"]]["days_overdue"]), ("red", 4),
           "N-R1 on %s" % day2)
        eq(sorted((n["recipient"], n["kind"]) for n in ns.values()),
           sorted((n["recipient"], n["kind"]) for n in self.first.values()),
           "who got notices on %s" % day2)
        self.day2 = ns

    def test_a_consolidation_review_due_is_in_the_owners_digest(self):
        c1 = self.d.call("show", {"item": self.ids["N-C1"]})["item"]
        if c1.get("next_review") is None:
            raise Skip("closing a long-term item sets no next_review (consolidation not built)")
        eq(c1["next_review"], "2026-12-02", "N-C1's next review (closed 2026-12-01, 1 day)")
        own = self.of(self.day2, "liming", "owner")
        eq(own["counts"]["reviews"], 1, "liming's reviews count on 2026-12-02")
        eq(own["reviews"], [{"id": c1["id"], "ref": "N-C1", "title": c1["title"],
                             "next_review": "2026-12-02"}], "liming's reviews")
        eq(self.of(self.day2, "zhaoli", "owner")["reviews"], [], "zhaoli's reviews")


# =============================================================================
class HookRetries(Fixture):
    """A hook that fails twice then succeeds is delivered exactly once after
    three attempts, retried after 1 then 2 minutes on rectd's clock, across a
    restart; one that always fails ends as failed after its retries; a
    program that exits 1 or does not exist fails at once with retries 0;
    none holds back a good hook. No PUB socket configured."""
    pub = False
    hooks = [{"name": "flaky", "command": [os.path.join(HOOKS, "flaky.py"), "{dir}", "2"],
              "timeout_s": 2, "retries": 5},
             {"name": "bad", "command": [os.path.join(HOOKS, "flaky.py"), "{dir}", "1000"],
              "timeout_s": 2, "retries": 1},
             {"name": "log", "command": [os.path.join(HOOKS, "record.py"), "{dir}"],
              "timeout_s": 2, "retries": 0},
             {"name": "false", "command": ["/bin/false"], "timeout_s": 2, "retries": 0},
             {"name": "gone", "command": ["/nonexistent/notify-hook"], "timeout_s": 2,
              "retries": 0}]
    T0 = "2026-12-01T01:00:00Z"  # the job: 09:00 in Shanghai

    def setup(self):
        super().setup()
        self.add("H-R1", "liming", "lijun", "cun1", "2026-11-28")
        self.d.set_clock(local(DAY, "09:00:00"))
        self.ns = self.wait_job(DAY)
        self.ids_ = sorted(self.ns)

    def hook(self, ns, name):
        return {i: ns[i]["delivery"]["hooks"][name] for i in self.ids_}

    def attempts_file(self, name, i):
        try:
            with open(os.path.join(self.d.hook_dir(name), "attempts-%d" % i)) as f:
                return len(f.read().splitlines())
        except FileNotFoundError:
            return 0

    def wait_hooks(self, what, pred):
        """Poll the notices until pred(ns) holds for them; return them."""
        return wait_for(lambda: (lambda ns: pred(ns) and ns)(self.d.notices()), what)

    def test_ping_has_no_pub_endpoint_and_notices_are_not_published(self):
        eq(self.d.call("ping").get("pub_endpoint", "absent"), None, "ping pub_endpoint")
        for n in self.ns.values():
            eq(n["delivery"]["pub"], "none", "pub state of notice %d" % n["id"])

    def test_a_failed_hook_is_pending_with_its_error_and_a_retry_a_minute_later(self):
        def first_done(ns):
            hs = [ns[i]["delivery"]["hooks"] for i in self.ids_]
            return all(h["flaky"]["attempts"] >= 1 and h["bad"]["attempts"] >= 1 and
                       all(h[k]["state"] != "pending" for k in ("log", "false", "gone"))
                       for h in hs)
        self.wait_hooks("the first attempt of every hook", first_done)
        self.tick()  # rectd's clock stands still: no retry may come
        ns = self.d.notices()
        for name in ("flaky", "bad"):
            for i, st in self.hook(ns, name).items():
                eq((st["state"], st["attempts"], st["next_attempt"]),
                   ("pending", 1, "2026-12-01T01:01:00Z"), "%s hook of notice %d" % (name, i))
                check(isinstance(st["last_error"], str) and "exit status 1" in st["last_error"]
                      and "fails on purpose" in st["last_error"],
                      "last_error wants the exit status and the hook's stderr line: %r" % st)
                eq(self.attempts_file(name, i), 1, "calls of the %s hook for notice %d"
                   % (name, i))
        for i, st in self.hook(ns, "log").items():
            eq(st, {"state": "delivered", "attempts": 1, "last_error": None, "next_attempt": None,
                    "delivered_at": self.T0}, "the good hook of notice %d" % i)
        for i, st in self.hook(ns, "false").items():
            eq((st["state"], st["attempts"], st["next_attempt"]), ("failed", 1, None),
               "/bin/false (retries 0) for notice %d" % i)
            check("exit status 1" in (st["last_error"] or ""), "last_error %r" % st)
        for i, st in self.hook(ns, "gone").items():
            eq((st["state"], st["attempts"], st["next_attempt"]), ("failed", 1, None),
               "a hook program that does not exist, for notice %d" % i)
            check("/nonexistent/notify-hook" in (st["last_error"] or ""), "last_error %r" % st)

    def test_pending_retries_survive_a_restart(self):
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.start()
        self.tick()
        for i, st in self.hook(self.d.notices(), "flaky").items():
            eq((st["state"], st["attempts"]), ("pending", 1), "flaky hook after restart")

    def test_the_retry_waits_for_next_attempt_on_rectds_clock_then_backs_off_2_minutes(self):
        self.d.set_clock(local(DAY, "09:00:59"))
        self.tick()
        for name in ("flaky", "bad"):
            eq({i: self.attempts_file(name, i) for i in self.ids_}, {i: 1 for i in self.ids_},
               "calls of the %s hook at 09:00:59" % name)
        self.d.set_clock(local(DAY, "09:01:00"))
        ns = self.wait_hooks("the second attempts at 09:01", lambda ns: all(
            ns[i]["delivery"]["hooks"]["flaky"]["attempts"] == 2 and
            ns[i]["delivery"]["hooks"]["bad"]["state"] == "failed" for i in self.ids_))
        for i, st in self.hook(ns, "flaky").items():
            eq((st["state"], st["attempts"], st["next_attempt"]),
               ("pending", 2, "2026-12-01T01:03:00Z"), "flaky hook of notice %d after 2 tries" % i)
            eq(self.attempts_file("flaky", i), 2, "calls of the flaky hook for notice %d" % i)

    def test_a_hook_that_fails_twice_then_succeeds_is_delivered_once_after_three_attempts(self):
        self.d.set_clock(local(DAY, "09:03:00"))
        ns = self.wait_hooks("the flaky hook delivered", lambda ns: all(
            ns[i]["delivery"]["hooks"]["flaky"]["state"] != "pending" for i in self.ids_))
        for i, st in self.hook(ns, "flaky").items():
            eq(st, {"state": "delivered", "attempts": 3, "last_error": st["last_error"],
                    "next_attempt": None, "delivered_at": "2026-12-01T01:03:00Z"},
               "flaky hook of notice %d" % i)
            eq(self.attempts_file("flaky", i), 3, "calls of the flaky hook for notice %d" % i)
            with open(os.path.join(self.d.hook_dir("flaky"), "ok-%d" % i), encoding="utf-8") as f:
                lines = f.read().splitlines()
            eq(len(lines), 1, "successful deliveries of notice %d" % i)
            eq(json.loads(lines[0])["id"], i, "id of the delivered notice")
        self.final = ns

    def test_a_hook_that_keeps_failing_is_failed_after_its_retries(self):
        for i, st in self.hook(self.final, "bad").items():
            eq((st["state"], st["attempts"], st["next_attempt"]), ("failed", 2, None),
               "always-failing hook (retries 1) of notice %d" % i)
            check("fails on purpose" in (st["last_error"] or ""),
                  "last_error of a failed hook: %r" % st)
            eq(self.attempts_file("bad", i), 2, "calls of the failing hook")

    def test_nothing_is_delivered_again_later_or_after_a_restart(self):
        calls = {h: {i: self.attempts_file(h, i) for i in self.ids_} for h in ("flaky", "bad")}
        self.d.advance(120)
        self.tick()
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.start()
        self.d.advance(120)
        self.tick()
        eq({h: {i: self.attempts_file(h, i) for i in self.ids_} for h in ("flaky", "bad")},
           calls, "hook calls")
        eq(len(self.d.hook_files("log", "rec-")), len(self.ids_), "calls of the good hook")
        ns = self.d.notices()
        eq(sorted(ns), self.ids_, "notices")
        for h in ("flaky", "bad", "log", "false", "gone"):
            eq(self.hook(ns, h), self.hook(self.final, h), "%s states" % h)


# =============================================================================
class HangingHook(Fixture):
    """A hook that hangs is killed at timeout_s and recorded; rectd keeps
    answering meanwhile."""
    timeout_s = 5
    hooks = [{"name": "slow", "command": [os.path.join(HOOKS, "hang.py"), "{dir}", "lijun", "20"],
              "timeout_s": timeout_s, "retries": 0}]

    def setup(self):
        super().setup()
        self.add("S-R1", "liming", "lijun", "cun1", "2026-11-28")
        self.d.set_clock(local(DAY, "09:00:00"))
        self.ns = self.wait_job(DAY)
        self.hung = self.of(self.ns, "lijun", "leader")["id"]

    def test_rectd_answers_while_a_hook_hangs(self):
        # No stopwatch: a loop that waited for the hook would answer only
        # after killing it at timeout_s, so each reply must come while the
        # hook still runs.
        pid_file = os.path.join(self.d.hook_dir("slow"), "hang-%d.pid" % self.hung)
        wait_for(lambda: os.path.exists(pid_file), "the hook started for lijun's notice")
        self.pid, self.child, self.t_start = hang_pids(pid_file)
        eq((alive(self.pid), alive(self.child)), (1, 1), "the hanging hook and its child run")
        with NClient(self.d.endpoint, "wangyan", timeout_ms=self.timeout_s * 2000, tries=1) as c:
            for k in range(3):
                eq(c.call("ping")["user"]["name"], "wangyan", "ping %d" % k)
                eq(alive(self.pid), 1, "the hook still hangs when ping %d is answered" % k)
            c.call("add", {"ref": "S-X", "source": "self", "kind": "immediate", "title": "写入"})
            eq(alive(self.pid), 1, "the hook still hangs when the add is answered")
            c.call("inbox", {}, user="lijun")
            eq(alive(self.pid), 1, "the hook still hangs when the inbox is answered")

    def test_a_hanging_hook_is_killed_at_its_timeout_and_recorded_as_failed(self):
        wait_for(lambda: alive(self.pid) != 1, "the hanging hook killed",
                 timeout=self.timeout_s + 10)
        # t_start is taken once Python runs the hook, a moment after rectd
        # spawned it: so only "not killed long before timeout_s" is exact
        took = time.time() - self.t_start
        check(took >= self.timeout_s / 2, "killed %.1f s after it started, long before its "
              "timeout_s %d" % (took, self.timeout_s))
        wait_for(lambda: alive(self.pid) == 0, "the killed hook reaped (not a zombie)", timeout=3)
        wait_for(lambda: alive(self.child) != 1, "the hook's child killed with it (its process "
                 "group)", timeout=3)
        check(not os.path.exists(os.path.join(self.d.hook_dir("slow"), "survived-%d" % self.hung)),
              "the hook ran to its end")

        def recorded():
            st = self.d.notices()[self.hung]["delivery"]["hooks"]["slow"]
            return st["state"] != "pending" and st
        st = wait_for(recorded, "the timeout recorded")
        eq((st["state"], st["attempts"], st["next_attempt"]), ("failed", 1, None),
           "hook state (retries 0)")
        check(isinstance(st["last_error"], str) and re.search(r"time", st["last_error"], re.I),
              "last_error does not mention the timeout: %r" % st["last_error"])
        for i, n in self.d.notices().items():
            if i != self.hung and n["day"] == DAY:
                eq(n["delivery"]["hooks"]["slow"]["state"], "delivered",
                   "notice %d to %s" % (i, n["recipient"]))

    def test_rectd_stops_promptly_on_sigterm_while_a_hook_hangs(self):
        self.d.call("notify_run", {"force": True})
        new = max(self.d.notices())
        lijun = [n["id"] for n in self.d.inbox("lijun") if n["id"] > self.hung]
        check(lijun, "no new notice to lijun (latest %d)" % new)
        pid_file = os.path.join(self.d.hook_dir("slow"), "hang-%d.pid" % lijun[-1])
        wait_for(lambda: os.path.exists(pid_file), "the hook hangs again")
        pids = hang_pids(pid_file)[:2]
        self.d.stopped_on_purpose = True
        # the hook would sleep 20 s: stopping within 10 s means rectd did not
        # wait for it
        eq(self.d.stop(timeout=10), 0, "exit status on SIGTERM while a hook hangs")
        wait_for(lambda: all(alive(p) != 1 for p in pids),
                 "the running hook (and its child) stopped with rectd", timeout=3)


# =============================================================================
class CatchUp(Fixture):
    """A rectd that was down at notify.at runs that day's job when it starts,
    and only once."""
    pub = False
    hooks = [{"name": "log", "command": [os.path.join(HOOKS, "record.py"), "{dir}"],
              "timeout_s": 2, "retries": 0}]

    def setup(self):
        super().setup()
        self.add("K-R1", "liming", "lijun", "cun1", "2026-11-28")

    def test_a_rectd_down_over_notify_at_runs_that_days_job_at_start(self):
        self.tick()
        eq(self.d.notices(), {}, "notices at 08:00")
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local(DAY, "10:00:00"))
        self.d.start()
        ns = self.wait_job(DAY)
        for n in ns.values():
            eq(n["created"], "2026-12-01T02:00:00Z", "created of a caught-up notice")
        self.of(ns, "liming", "owner")
        self.of(ns, "wangyan", "admin")
        wait_for(lambda: all(n["delivery"]["hooks"]["log"]["state"] == "delivered"
                             for n in self.d.notices().values()), "every notice delivered")
        eq(len(self.d.hook_files("log", "rec-")), len(ns), "hook calls")
        self.first = ns

    def test_another_restart_that_day_sends_nothing(self):
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local(DAY, "11:00:00"))
        self.d.start()
        self.tick()
        eq(sorted(self.d.notices()), sorted(self.first), "notices")
        eq(len(self.d.hook_files("log", "rec-")), len(self.first), "hook calls")

    def test_started_before_notify_at_the_next_day_it_waits_for_notify_at(self):
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local("2026-12-02", "08:00:00"))
        self.d.start()
        self.tick()
        eq(sorted(self.d.notices()), sorted(self.first), "notices at 08:00 the next day")
        self.d.set_clock(local("2026-12-02", "09:00:00"))
        ns = self.wait_job("2026-12-02")
        eq(len(ns), len(self.first), "notices of 2026-12-02")

    def test_killed_right_at_notify_at_it_ends_with_exactly_one_set_of_notices(self):
        self.d.set_clock(local("2026-12-03", "08:59:59"))
        self.tick()
        self.d.set_clock(local("2026-12-03", "09:00:00"), wait=False)
        time.sleep(0.3)  # around the first tick at 09:00: the job may or may not be in
        self.d.kill9()
        self.d.start()
        ns = self.wait_job("2026-12-03")
        self.tick()
        ns = self.by_day("2026-12-03")
        eq(sorted((n["recipient"], n["kind"]) for n in ns.values()),
           sorted((n["recipient"], n["kind"]) for n in self.first.values()),
           "notices of 2026-12-03 after kill -9 at 09:00")
        wait_for(lambda: all(n["delivery"]["hooks"]["log"]["state"] == "delivered"
                             for n in self.by_day("2026-12-03").values()),
                 "every notice of 2026-12-03 delivered")

    def test_down_for_days_it_runs_the_job_of_the_day_it_starts(self):
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local("2026-12-05", "12:00:00"))
        self.d.start()
        ns = self.wait_job("2026-12-05")
        own = self.of(ns, "liming", "owner")
        eq([(i["light"], i["days_overdue"]) for i in own["items"]], [("red", 7)],
           "K-R1 on 2026-12-05")
        self.tick()
        eq(self.by_day("2026-12-04"), {}, "notices of 2026-12-04 (only the start day is caught up)")

    def test_a_clock_moved_back_to_a_day_already_done_sends_nothing(self):
        before = sorted(self.d.notices())
        self.d.set_clock(local("2026-12-04", "10:00:00"))
        self.tick()
        eq(sorted(self.d.notices()), before, "notices after the clock went back a day")

    def test_down_over_notify_at_and_midnight_it_runs_the_missed_day_before_notify_at(self):
        # done through 12-05; down from 12-05 until 12-07 08:30: the job of 12-06
        # (whose 09:00 passed while rectd was down) runs at start, not 12-07's
        eq(self.d.stop(), 0, "exit status on SIGTERM")
        self.d.set_clock(local("2026-12-07", "08:30:00"))
        self.d.start()
        ns = self.wait_job("2026-12-06")
        own = self.of(ns, "liming", "owner")
        eq([(i["light"], i["days_overdue"]) for i in own["items"]], [("red", 8)],
           "K-R1 as of 2026-12-06")
        self.tick()
        eq(self.by_day("2026-12-07"), {}, "no job of 2026-12-07 before its notify.at")
        self.d.set_clock(local("2026-12-07", "09:00:00"))
        self.wait_job("2026-12-07")


# =============================================================================
class Escalation(Fixture):
    """An open item red for more than notify.escalate_after_days is escalated
    once (an escalate event by rectd, notices to its leader and the admins),
    again only after its deadline changes; green and closed items never."""
    notify = {"escalate_after_days": 2}

    def setup(self):
        super().setup()
        self.e = self.add("E-1", "liming", "lijun", "cun1", DAY)
        # zhanghua is leader and admin: one escalation notice, not two
        self.e2 = self.add("E-2", "zhaoli", "zhanghua", "cun2", DAY)
        self.g = self.add("E-G", "zhaoli", "chenmei", "cun2", "2027-06-30")
        self.x = self.add("E-X", "liming", "lijun", "cun1", "2026-11-01")
        self.close_item(self.x, "liming")

    def run_day(self, day):
        self.d.set_clock(local(day, "09:00:00"))
        return self.wait_job(day)

    def escalations(self, ns):
        return {i: n for i, n in ns.items() if n["kind"] == "escalation"}

    def test_not_escalated_while_red_for_at_most_escalate_after_days(self):
        for day, overdue in (("2026-12-01", None), ("2026-12-02", 1), ("2026-12-03", 2)):
            ns = self.run_day(day)
            own = self.of(ns, "liming", "owner")
            eq([i["days_overdue"] for i in own["items"] if i["id"] == self.e], [overdue],
               "E-1's days overdue on %s" % day)
            eq(self.escalations(ns), {}, "escalation notices on %s" % day)
            for i in (self.e, self.e2):
                eq(self.escalate_events(i), [], "escalate events of %d by %s" % (i, day))

    def test_red_for_more_than_escalate_after_days_it_is_escalated_once(self):
        ns = self.run_day("2026-12-04")
        evs = self.escalate_events(self.e)
        eq(len(evs), 1, "escalate events of E-1")
        ev = evs[0]
        eq((ev["actor"], ev["at"], ev["changes"].get("escalations")),
           ("rectd", "2026-12-04T01:00:00Z", [0, 1]), "the escalate event (actor, at, change)")
        eq(ev["comment"], "逾期 3 天，超过 2 天，督办", "the escalate event's comment")
        eq(self.d.call("show", {"item": self.e})["item"]["escalations"], 1, "E-1's escalations")
        eq(len(self.escalate_events(self.e2)), 1, "escalate events of E-2")
        esc = self.escalations(ns)
        eq(sorted(n["recipient"] for n in esc.values()), ["lijun", "wangyan", "zhanghua"],
           "escalation notices go to the leaders and the admins, one each")
        want = {"lijun": [self.e], "wangyan": [self.e, self.e2], "zhanghua": [self.e, self.e2]}
        for n in esc.values():
            eq(sorted(i["id"] for i in n["items"]), want[n["recipient"]],
               "items of the escalation notice to %s" % n["recipient"])
            eq({i["days_overdue"] for i in n["items"]}, {3}, "days overdue in it")
            eq(n["day"], "2026-12-04", "day of the escalation notice")
            check(chinese(n["text"]) and "E-1" in n["text"], "text %r" % n["text"])
        r = self.d.call("notify_run", {"force": True})
        eq((r["ran"], r["escalated"]), (True, 0), "notify_run force the same day")

    def test_an_escalated_item_is_not_escalated_again(self):
        for day in ("2026-12-05", "2026-12-06"):
            ns = self.run_day(day)
            eq(self.escalations(ns), {}, "escalation notices on %s" % day)
        r = self.d.call("notify_run", {"force": True})
        eq((r["ran"], r["escalated"]), (True, 0), "notify_run force on 2026-12-06")
        eq(len(self.escalate_events(self.e)), 1, "escalate events of E-1")
        eq(self.d.call("show", {"item": self.e})["item"]["escalations"], 1, "E-1's escalations")

    def test_green_and_closed_items_are_never_escalated(self):
        for i in (self.g, self.x):
            eq(self.escalate_events(i), [], "escalate events of item %d" % i)
            eq(self.d.call("show", {"item": i})["item"]["escalations"], 0, "escalations of %d" % i)

    def test_a_new_deadline_rearms_the_escalation(self):
        # an admin's re-plan (with its reason) is how a deadline moves besides an extension
        before = self.d.call("show", {"item": self.e})["item"]["extensions"]
        it = self.d.call("assign", {"item": self.e, "owner": "liming", "unit": "cun1",
                                    "leader": "lijun", "deadline": "2026-12-02",
                                    "note": "重新计划"})["item"]
        eq(it["extensions"], before + 1, "the re-plan counts as an extension")
        ns = self.run_day("2026-12-07")
        eq(len(self.escalate_events(self.e)), 2, "escalate events of E-1 after a new deadline")
        eq(self.d.call("show", {"item": self.e})["item"]["escalations"], 2, "E-1's escalations")
        eq(len(self.escalate_events(self.e2)), 1, "escalate events of E-2 (deadline unchanged)")
        esc = self.escalations(ns)
        eq(sorted(n["recipient"] for n in esc.values()),
           ["lijun", "wangyan", "zhanghua"], "escalation notices on 2026-12-07")
        for n in esc.values():
            eq([i["id"] for i in n["items"]], [self.e], "items escalated on 2026-12-07")

    def test_the_chain_with_rectds_events_verifies_and_items_rebuild(self):
        with self.d.raw() as c:
            events = rawclient.all_events(c)
            rawclient.verify_chain(events, c.call("ping")["head"])
            got = {i["id"]: i for i in c.call("list")["items"]}
        want = rawclient.rebuild_items(events)
        for i in got:
            item = {k: v for k, v in got[i].items() if k not in rawclient.ITEM_FACTS}
            eq(item, want[i], "item %d rebuilt from its events" % i)


# =============================================================================
class Lights(Fixture):
    """Lights per item around midnight in Asia/Shanghai while the machine's
    TZ is UTC (the clock file in Z form)."""
    start_clock = "2026-12-01T04:00:00Z"

    def setup(self):
        super().setup()
        self.a = self.add("L-A", "liming", "lijun", "cun1", DAY)
        self.b = self.add("L-B", "liming", "lijun", "cun1", "2026-12-05")
        self.c = self.add("L-C", "zhaoli", "chenmei", "cun2", "2026-12-10")
        self.x = self.add("L-X", "liming", "lijun", "cun1", "2026-11-01")
        self.close_item(self.x, "liming")

    def lights(self):
        items = {i["id"]: i for i in self.d.ctlj("list")["items"]}
        if "light" not in items[self.a]:
            raise Skip("list --json has no light per item (lights not built yet)")
        return {i: (items[i]["light"], items[i].get("days_overdue"))
                for i in (self.a, self.b, self.c, self.x)}

    def test_one_second_before_midnight_in_shanghai_an_item_due_today_is_yellow(self):
        self.d.set_clock("2026-12-01T15:59:59Z")
        eq(self.d.call("ping")["today"], DAY, "today")
        eq(self.lights(), {self.a: ("yellow", None), self.b: ("green", None),
                           self.c: ("green", None), self.x: (None, None)}, "lights at 23:59:59")

    def test_at_midnight_in_shanghai_it_is_red_though_utc_is_still_the_day_before(self):
        self.d.set_clock("2026-12-01T16:00:00Z")
        eq(self.d.call("ping")["today"], "2026-12-02", "today")
        eq(self.lights(), {self.a: ("red", 1), self.b: ("yellow", None),
                           self.c: ("green", None), self.x: (None, None)}, "lights at 00:00:00")


# =============================================================================
class ZoneDay(Fixture):
    """notify.at 07:30 in Shanghai is 23:30 UTC the day before: the job runs
    at the zone's 07:30 and is that zone day's job."""
    notify = {"at": "07:30"}
    pub = False
    start_clock = "2026-11-30T20:00:00Z"  # 04:00 on 1 December in Shanghai

    def setup(self):
        super().setup()
        self.r = self.add("Z-R1", "liming", "lijun", "cun1", "2026-11-28")

    def test_not_at_0729_59_in_the_zone(self):
        self.d.set_clock("2026-11-30T23:29:59Z")
        self.tick()
        eq(self.d.notices(), {}, "notices at 07:29:59 Shanghai")

    def test_at_0730_in_the_zone_the_job_of_that_zone_day_runs(self):
        self.d.set_clock("2026-11-30T23:30:00Z")
        ns = self.wait_job(DAY)
        eq({n["day"] for n in self.d.notices().values()}, {DAY}, "days of the notices")
        own = self.of(ns, "liming", "owner")
        eq(own["created"], "2026-11-30T23:30:00Z", "created")
        eq([(i["light"], i["days_overdue"]) for i in own["items"]], [("red", 3)],
           "Z-R1 on %s" % DAY)
        eq(self.d.call("notify_run", {}), NOOP, "notify_run later that zone day")


# ---- the runner -------------------------------------------------------------

class Recipients(Fixture):
    """Who hears about what: an owner without the owner role still gets a
    digest of their items; an item accepted long ago and still waiting for
    销号 goes to the closers (its leader, the admins), not to its owner."""
    pub = False

    def setup(self):
        super().setup()
        # wangyan (admin, verifier: not the owner role) owns a red item
        self.add("R-W", "wangyan", "lijun", "cun1", "2026-11-28")
        v = self.add("R-V", "liming", "lijun", "cun1", "2027-06-30")
        self.d.call("start", {"item": v}, user="liming")
        self.d.call("evidence", {"item": v, "note": "台账已更新"}, user="liming")
        self.d.call("verify", {"item": v, "result": "pass", "opinion": "验收通过"}, user="maqing")

    def test_an_owner_without_the_owner_role_gets_a_digest_of_their_items(self):
        self.d.set_clock(local("2026-12-15", "09:00:00"))
        self.ns = self.wait_job("2026-12-15")
        own = self.of(self.ns, "wangyan", "owner")
        eq([i["ref"] for i in own["items"]], ["R-W"], "wangyan's owner digest")

    def test_an_item_waiting_for_closure_goes_to_its_leader_and_the_admins_not_its_owner(self):
        own = self.of(self.ns, "liming", "owner")
        eq([i["ref"] for i in own["items"]], [], "liming's items (R-V waits for 销号, not for him)")
        eq(own["awaiting_close"], [], "liming's awaiting_close")
        lead = self.of(self.ns, "lijun", "leader")
        eq([(i["ref"], i["state"], i["verified_by"]) for i in lead["awaiting_close"]],
           [("R-V", "verified", "maqing")], "lijun's awaiting_close")
        if "待销号" not in lead["text"] or "R-V" not in lead["text"]:
            raise Failure("lijun's text lacks the 待销号 list: %r" % lead["text"])
        adm = self.of(self.ns, "wangyan", "admin")
        eq([i["ref"] for i in adm["awaiting_close"]], ["R-V"], "the admin summary's awaiting_close")

# =============================================================================
class OffTheLoop(Fixture):
    """The daily job is built in a read snapshot by a thread of its own and
    committed by the loop in one write transaction (DESIGN.md section 9).
    RECTD_TEST_JOB_HOLD holds the builder between its snapshot and the commit
    while a file exists, so these tests act in between by causality, not by
    timing: whatever is answered while the file exists was answered before
    the job committed."""
    notify = {"escalate_after_days": 2}
    hold = True
    N = 1000

    def setup(self):
        super().setup()
        rows = ["ref,source,kind,title,description,owner,unit,leader,deadline"]
        for i in range(self.N):
            rows.append("B%d,self,immediate,问题%d,描述%d,liming,cun1,lijun,2026-11-20" % (i, i, i))
        rep = self.d.call("import", {"inspection": "2025-assessment"},
                          files=[("\n".join(rows) + "\n").encode()])
        eq(rep["imported"], self.N, "items imported")
        self.bulk = {i["id"] for i in self.d.call("list", {"limit": 10000})["items"]}
        eq(len(self.bulk), self.N, "items listed")
        # red since 2026-11-20, rectifying: due for escalation until it is closed
        self.c = self.add("B-CLOSE", "zhaoli", "lijun", "cun2", "2026-11-20")
        self.d.call("start", {"item": self.c}, user="zhaoli")
        # re-planned between the snapshot and the commit: still due, later deadline
        self.m = self.add("B-MOVE", "zhaoli", "chenmei", "cun2", "2026-11-20")
        # due for escalation on 2026-12-03 (3 days late), re-planned while that job is built
        self.m2 = self.add("B-MOVE2", "sunqiang", "chenmei", "cun2", "2026-11-30")

    def built(self):
        """The day the held builder has built, or None while it has not."""
        try:
            with open(self.d.hold_path + ".built") as f:
                return f.read().strip()
        except FileNotFoundError:
            return None

    def hold_job(self, day):
        """Hold the builder, move the clock to day's notify.at, wait until it is built."""
        if os.path.exists(self.d.hold_path + ".built"):
            os.remove(self.d.hold_path + ".built")
        open(self.d.hold_path, "w").close()
        self.d.set_clock(local(day, "09:00:00"))
        wait_for(lambda: self.built() == day, "the job of %s built and held" % day, timeout=60)

    def test_requests_are_answered_while_the_job_is_built_and_it_commits_once_after(self):
        self.hold_job(DAY)
        # the builder holds: everything answered now was answered before the job committed
        ping = self.d.call("ping")
        eq(ping["time"], "2026-12-01T01:00:00Z", "ping while the job is built")
        self.late = self.add("B-NEW", "liming", "lijun", "cun1", "2027-06-30")
        check(self.late > 0, "an add while the job is built")
        eq(self.d.call("show", {"item": self.late})["item"]["ref"], "B-NEW", "show of it")
        eq(self.d.notices(), {}, "notices while the job is built")
        eq(self.escalate_events(self.c), [], "escalate events while the job is built")
        eq(self.d.call("show", {"item": min(self.bulk)})["item"]["escalations"], 0,
           "escalations of a bulk item while the job is built")
        # an item closed between the snapshot and the commit (next test checks it)
        self.d.call("evidence", {"item": self.c, "note": "整改台账已更新"}, user="zhaoli")
        self.d.call("verify", {"item": self.c, "result": "pass", "opinion": "验收通过"}, user="maqing")
        eq(self.d.call("close", {"item": self.c, "note": "销号"}, user="wangyan")["item"]["state"],
           "closed", "B-CLOSE closed while the job is built")
        self.d.call("assign", {"item": self.m, "owner": "zhaoli", "unit": "cun2", "leader": "chenmei",
                               "deadline": "2026-11-25", "note": "重新计划"})
        os.remove(self.d.hold_path)
        ns = self.wait_job(DAY)
        self.tick()
        ns = self.by_day(DAY)
        kinds = collections.Counter((n["recipient"], n["kind"]) for n in ns.values())
        eq({k: v for k, v in kinds.items() if v != 1}, {}, "notices of one recipient and kind twice")
        check(("liming", "owner") in kinds and ("wangyan", "admin") in kinds, "kinds %s" % kinds)
        own = self.of(ns, "liming", "owner")
        eq(len(own["items"]), self.N, "liming's red items in his digest (the snapshot's)")
        self.ns = ns

    def test_an_item_closed_between_snapshot_and_commit_gets_no_escalation(self):
        eq(self.escalate_events(self.c), [], "escalate events of B-CLOSE (closed before the commit)")
        eq(self.d.call("show", {"item": self.c})["item"]["escalations"], 0, "escalations of B-CLOSE")
        esc = {n["recipient"]: n for n in self.ns.values() if n["kind"] == "escalation"}
        eq(sorted(esc), ["chenmei", "lijun", "wangyan", "zhanghua"], "escalation notices")
        want = {"chenmei": {self.m}, "lijun": self.bulk}
        for who, n in esc.items():
            eq({i["id"] for i in n["items"]}, want.get(who, self.bulk | {self.m}),
               "items of the escalation notice to %s" % who)
            eq({i["escalations"] for i in n["items"]}, {1}, "escalations in it")
            # B-MOVE as it is at the commit: 6 days past its new deadline, not 11
            eq({(i["deadline"], i["days_overdue"]) for i in n["items"] if i["id"] == self.m},
               {("2026-11-25", 6)} if who != "lijun" else set(), "B-MOVE in the notice to %s" % who)
        ev = self.escalate_events(self.m)
        eq([e["comment"] for e in ev], ["逾期 6 天，超过 2 天，督办"], "B-MOVE's escalate event")
        for i in (min(self.bulk), max(self.bulk)):
            eq(len(self.escalate_events(i)), 1, "escalate events of bulk item %d" % i)
        r = self.d.call("notify_run", {})
        eq((r["ran"], r["done_through"]), (False, DAY), "notify_run after the job")

    def test_killed_while_the_job_is_built_nothing_is_written_and_the_next_start_runs_it_once(self):
        day = "2026-12-02"
        before = self.d.call("ping")["head"]
        self.hold_job(day)
        eq(self.by_day(day), {}, "notices of %s while it is built" % day)
        self.d.kill9()
        os.remove(self.d.hold_path)
        self.d.start()
        eq(self.d.call("ping")["head"], before, "the chain head after kill -9 while building")
        ns = self.wait_job(day)
        self.tick()
        ns = self.by_day(day)
        eq(sorted((n["recipient"], n["kind"]) for n in ns.values()),
           sorted((n["recipient"], n["kind"]) for n in self.ns.values() if n["kind"] != "escalation"),
           "notices of %s after kill -9 while it was built (nothing escalated again)" % day)
        eq(self.d.call("notify_run", {})["done_through"], day, "job_day after the restart")
        for i in (min(self.bulk), max(self.bulk)):
            eq(len(self.escalate_events(i)), 1, "escalate events of bulk item %d" % i)

    def test_an_item_re_planned_between_snapshot_and_commit_is_escalated_as_it_is_at_the_commit(self):
        day = "2026-12-03"
        self.hold_job(day)
        self.d.call("assign", {"item": self.m2, "owner": "sunqiang", "unit": "cun2", "leader": "chenmei",
                               "deadline": "2026-11-29", "note": "重新计划"})
        os.remove(self.d.hold_path)
        ns = self.wait_job(day)
        esc = {n["recipient"]: n for n in ns.values() if n["kind"] == "escalation"}
        eq(sorted(esc), ["chenmei", "wangyan", "zhanghua"], "escalation notices of %s" % day)
        for who, n in esc.items():
            eq([(i["id"], i["deadline"], i["days_overdue"]) for i in n["items"]],
               [(self.m2, "2026-11-29", 4)], "the escalation notice to %s" % who)
        eq([e["comment"] for e in self.escalate_events(self.m2)], ["逾期 4 天，超过 2 天，督办"],
           "B-MOVE2's escalate event")

    def test_a_day_done_by_hand_while_its_job_is_built_is_not_written_again(self):
        day = "2026-12-04"
        self.hold_job(day)
        r = self.d.call("notify_run", {})
        eq((r["day"], r["ran"]), (day, True), "notify_run while the job is built")
        by_hand = sorted((n["recipient"], n["kind"]) for n in self.by_day(day).values())
        check(by_hand, "notices of notify_run")
        os.remove(self.d.hold_path)
        wait_for(lambda: "daily job %s: already done" % day in self.d.stderr(),
                 "the built job finding its day done")
        eq(sorted((n["recipient"], n["kind"]) for n in self.by_day(day).values()), by_hand,
           "notices of %s (the built job wrote none)" % day)

    def test_sigterm_while_the_job_is_built_stops_rectd_and_the_next_start_runs_the_day(self):
        day = "2026-12-05"
        self.hold_job(day)
        eq(self.by_day(day), {}, "notices of %s while it is built" % day)
        # the hold file stays: only the builder's cancel lets rectd stop
        eq(self.d.stop(), 0, "exit status on SIGTERM while the job is built")
        check("daily job %s (at" not in self.d.stderr(), "the job of %s was not written" % day)
        os.remove(self.d.hold_path)
        self.d.start()
        ns = self.wait_job(day)
        self.tick()
        kinds = collections.Counter((n["recipient"], n["kind"]) for n in self.by_day(day).values())
        eq({k: v for k, v in kinds.items() if v != 1}, {}, "notices of %s twice" % day)
        eq(len(kinds), len(ns), "notices of %s" % day)

    def test_sighup_while_the_job_is_built_writes_it_with_the_config_it_was_built_with(self):
        # the builder reads the config of its plan: a reload meanwhile retires it, never frees it
        day = "2026-12-06"
        old = self.d.display("liming")
        self.hold_job(day)
        text = self.d.conf_text
        check('display = "%s"' % old in text, "liming's display in the config")
        for k, new in enumerate((old + "甲", old + "乙")):
            n = self.d.stderr().count("reloaded")
            self.d.save_conf(text.replace('display = "%s"' % old, 'display = "%s"' % new))
            self.d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: self.d.stderr().count("reloaded") > n, "reload %d while the job is built" % k)
            eq(self.d.call("ping", user="liming")["user"]["display"], new, "liming's display after reload %d" % k)
        eq(self.by_day(day), {}, "notices of %s while it is built" % day)
        os.remove(self.d.hold_path)
        self.wait_job(day)
        own = self.of(self.by_day(day), "liming", "owner")
        eq(own["recipient_display"], old, "the digest as built: the snapshot's config")
        eq(len(own["items"]), self.N, "liming's red items")
        eq(self.d.call("ping")["user"]["name"], "wangyan", "rectd answers after the job")

    def test_the_hold_files_never_write_through_a_symlink(self):
        # RECTD_TEST_JOB_HOLD is a test facility; set where others can write (/tmp), its
        # PATH.built.tmp must not be a way to make rectd overwrite a file of its own
        day = "2026-12-07"
        victim = os.path.join(self.d.tmp, "victim")
        with open(victim, "w") as f:
            f.write("precious\n")
        os.symlink(victim, self.d.hold_path + ".built.tmp")
        self.hold_job(day)
        with open(victim) as f:
            eq(f.read(), "precious\n", "the file the planted symlink points to")
        check(not os.path.islink(self.d.hold_path + ".built"), "PATH.built is a file of its own")
        os.remove(self.d.hold_path)
        self.wait_job(day)


class FloodingHook(Fixture):
    """A hook that floods stderr is killed before its timeout and recorded."""
    pub = False
    hooks = [{"name": "noisy", "command": [os.path.join(HOOKS, "flood.py")],
              "timeout_s": 30, "retries": 0}]

    def test_a_hook_writing_more_than_1_mib_on_stderr_is_killed_and_recorded(self):
        self.d.set_clock(local(DAY, "09:00:00"))
        ns = self.wait_job(DAY)
        t0 = time.monotonic()

        def settled():
            sts = [n["delivery"]["hooks"]["noisy"] for n in self.d.notices().values()]
            return all(st["state"] != "pending" for st in sts) and sts
        sts = wait_for(settled, "every flooding hook recorded", timeout=25)
        check(time.monotonic() - t0 < 20, "killed long before timeout_s (30 s)")
        eq(len(sts), len(ns), "deliveries")
        for st in sts:
            eq((st["state"], st["attempts"]), ("failed", 1), "hook state (retries 0)")
            check("more than 1048576 bytes on stderr" in (st["last_error"] or ""),
                  "last_error: %r" % st["last_error"])


FIXTURES = [PingClock, DailyJob, HookRetries, HangingHook, CatchUp, Escalation, ZoneDay, Lights, Recipients,
            FloodingHook, OffTheLoop]


def main(argv):
    # Fixtures are independent (own folder, sockets, clock): they run side by
    # side, since most of their time is spent waiting for rectd's next tick.
    jobs = max(1, int(os.environ.get("E2E_NOTIFY_JOBS", "4")))
    return e2e_runner.main("e2e-notify", FIXTURES, argv, jobs=jobs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
