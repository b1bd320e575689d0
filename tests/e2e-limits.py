#!/usr/bin/python3
"""End-to-end tests of issue 11's "bounded by design": no peer can crash,
bloat or starve rectd (docs/SECURITY.md, "Bounded by design").

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-limits.py [-k TEXT]

- Fds: rectd started with RLIMIT_NOFILE 256 (soft and hard) takes idle
  connections up to its gate, refuses the rest cleanly (closed at once,
  logged), stays alive, and serves a canary again once the peers leave.
- Memory: several peers flood 20 MiB frames, a message of 100,000 empty
  frames, a frame over the limit: rectd's RSS (VmRSS/VmHWM of
  /proc/PID/status) stays under RSS_BOUND_MB and every request is answered
  or its peer dropped.
- Fair: one user floods `ledger` reads over 2,000 items from several
  connections: beyond daemon.max_inflight_per_peer they get too_busy; a
  canary `ping` and a canary `ledger` of another user are answered within
  CANARY_S.

Bounds are generous (the machine may be loaded); against a rectd without
the limits the fd test kills rectd and the canaries wait far longer.
Every rectd runs on its own /tmp/rtXXXX and is stopped by pid.
Ends with "N passed, M failed".
"""

import csv
import io
import json
import os
import resource
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
import e2e_daemon  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

NOFILE = 256


def _rss_bound_mb():
    """300 MB; more for an AddressSanitizer build, whose allocator keeps
    freed memory in a quarantine (256 MB by default) and adds redzones, and
    ignores mallopt."""
    with open(e2e_daemon.RECTD, "rb") as f:
        asan = b"AddressSanitizer" in f.read()
    return 300 + (512 if asan else 0)


RSS_BOUND_MB = _rss_bound_mb()
with open(e2e_daemon.RECTD, "rb") as _f:
    _bin = _f.read()
SANITIZED = b"AddressSanitizer" in _bin or b"ThreadSanitizer" in _bin
del _bin

CANARY_S = 2.0
INSP = "2025-assessment"
FLOODER = "liming"   # the user who floods
OTHER_FLOODER = "zhaoli"  # who floods through the gateway's key
CANARY = "maqing"    # another user, whose requests must still be served
PEERS = ["wangyan", "zhanghua", "lijun", "chenmei", "liming", "zhaoli", "sunqiang", "zhouping"]


def _nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def status_kb(pid, field):
    """A field of /proc/PID/status in kB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """The largest VmRSS of pid seen every 20 ms while running."""

    def __init__(self, pid):
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            try:
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, "VmRSS"))
            except OSError:
                return
            time.sleep(0.02)

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join()


def dealer(d, user, ctx):
    """A DEALER socket of user's connected to d (CURVE with user's demo key)."""
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    rawclient.secure(sock, rawclient.keys_for(d.endpoint, user))
    sock.connect(d.endpoint)
    return sock


def req(cmd, user, args=None):
    r = {"v": 1, "cmd": cmd, "user": user}
    if args is not None:
        r["args"] = args
    return json.dumps(r).encode()


def recv_replies(socks, n, timeout_s):
    """Up to n replies (parsed) from DEALER socks (one or a list), read as
    they come, within timeout_s."""
    socks = socks if isinstance(socks, list) else [socks]
    poller = zmq.Poller()
    for s in socks:
        poller.register(s, zmq.POLLIN)
    out, deadline = [], time.monotonic() + timeout_s
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for s, _ in poller.poll(int(left * 1000) + 1):
            while len(out) < n:
                try:
                    frames = s.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                out.append(json.loads(frames[1]))
    return out


def timed_call(d, user, cmd, args=None, timeout_ms=20000):
    t0 = time.monotonic()
    with rawclient.Client(d.endpoint, user, timeout_ms=timeout_ms) as c:
        res = c.call(cmd, args)
    return res, time.monotonic() - t0


class LDaemon(Daemon):
    """On a pinned clock (2026-12-02 10:00 in Asia/Shanghai): on the real
    clock, from 2026-12-23 on, the daily job escalates the imported plan's
    items (new events) if 09:00 there (01:00 UTC) passes during a test."""

    def __init__(self, overrides=None, nofile=False):
        super().__init__(overrides or {})
        self.clock_path = os.path.join(self.tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write("2026-12-02T02:00:00Z\n")
        if nofile:
            self.preexec = _nofile


# ---- connections ------------------------------------------------------------

class Fds:
    """rectd under RLIMIT_NOFILE 256/256: idle connections past its gate."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = LDaemon(nofile=True)
        self.daemons.append(self.d)
        self.d.start()
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def gate(self, default=None):
        for line in self.d.stderr().splitlines():
            if "connections: at most" in line:
                return int(line.split("at most")[1].split()[0])
        if default is not None:
            return default
        raise AssertionError("rectd did not log its connection limit:\n" + self.d.stderr())

    def test_limit_raised_and_gate_logged(self):
        eq(status_kb(self.d.proc.pid, "VmRSS") > 0, True, "rectd runs")
        with open("/proc/%d/limits" % self.d.proc.pid) as f:
            line = [x for x in f if x.startswith("Max open files")][0]
        eq(line.split()[3:5], [str(NOFILE), str(NOFILE)], "rectd's open-files limit (soft, hard)")
        n = self.gate()
        check(100 <= n <= NOFILE - 64, "gate of %d connections: want 100..%d (fd_reserve 64)" % (n, NOFILE - 64))

    def open_idle(self, n, path, deadline_s=30):
        """n idle Unix connections to path (never a ZMTP greeting); a full
        backlog is waited out, a refused or missing socket ends it."""
        socks, end = [], time.monotonic() + deadline_s
        while len(socks) < n and time.monotonic() < end:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
                socks.append(s)
                continue
            except (BlockingIOError, InterruptedError):
                s.close()
                time.sleep(0.005)  # the backlog is full: rectd is behind
            except (ConnectionRefusedError, FileNotFoundError):
                s.close()
                break  # no one listens any more
        return socks

    @staticmethod
    def closed_by_peer(s):
        try:
            while True:
                data = s.recv(4096)
                if not data:
                    return True
        except BlockingIOError:
            return False
        except OSError:
            return True

    def test_past_the_limit_alive_refused_then_served(self):
        d = self.d
        n = self.gate(NOFILE)
        path = d.endpoint[len("ipc://"):]
        socks = self.open_idle(NOFILE + 200, path)
        try:
            time.sleep(1.5)
            check(d.running(), "rectd died with %d idle connections:\n%s" % (len(socks), d.stderr()[-2000:]))
            closed = [s for s in socks if self.closed_by_peer(s)]
            kept = len(socks) - len(closed)
            check(kept <= n, "rectd kept %d connections, its gate is %d" % (kept, n))
            check(len(closed) >= len(socks) - n, "only %d of %d connections refused (gate %d)"
                  % (len(closed), len(socks), n))
            # a canary is refused cleanly too while every place is taken
            try:
                timed_call(d, CANARY, "ping", timeout_ms=1000)
                refused = False
            except rawclient.NoReply:
                refused = True
            check(refused, "a canary got in with every place taken (gate %d, kept %d)" % (n, kept))
        finally:
            for s in socks:
                s.close()
        _, took = timed_call(d, CANARY, "ping", timeout_ms=15000)
        check(took < 15, "canary after the peers left: %.1fs" % took)
        t0 = time.monotonic()
        while "limits: refused" not in d.stderr() and time.monotonic() - t0 < 15:
            time.sleep(0.2)
        check("limits: refused" in d.stderr(), "the refusals are not logged:\n" + d.stderr()[-2000:])
        check(d.running(), "rectd is not running")

    def test_again_after_the_first_wave(self):
        """The gate works every time, not once (the counts go back down)."""
        d = self.d
        path = d.endpoint[len("ipc://"):]
        for _ in range(2):
            socks = self.open_idle(NOFILE + 50, path)
            time.sleep(0.5)
            for s in socks:
                s.close()
            check(d.running(), "rectd died")
            _, took = timed_call(d, CANARY, "ping", timeout_ms=15000)


class MaxPeers:
    """daemon.max_peers = 20 under a large fd limit: the 21st connection on is refused."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = LDaemon({"daemon.max_peers": 20})
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_max_peers(self):
        d = self.d
        check("connections: at most 20 at once (daemon.max_peers" in d.stderr(), d.stderr())
        path = d.endpoint[len("ipc://"):]
        socks = Fds.open_idle(None, 60, path)
        try:
            time.sleep(1.0)
            kept = sum(1 for s in socks if not Fds.closed_by_peer(s))
            check(kept <= 20, "kept %d connections with max_peers 20" % kept)
            check(kept >= 10, "kept only %d connections with max_peers 20" % kept)
        finally:
            for s in socks:
                s.close()
        timed_call(d, CANARY, "ping", timeout_ms=15000)

    def test_checked_at_load(self):
        for key, bad in (("daemon.max_peers", 0), ("daemon.fd_reserve", 3), ("daemon.peer_queue", 0),
                         ("daemon.max_inflight_per_peer", 0), ("daemon.max_running_per_peer", 17),
                         ("daemon.max_inflight", 0), ("daemon.max_inflight_mb", 0)):
            probe = LDaemon.__new__(LDaemon)
            Daemon.__init__(probe, {})
            try:
                probe.write_conf({key: bad})
                check(probe.cfg_error and key.split(".")[1] in probe.cfg_error,
                      "%s = %s accepted: %r" % (key, bad, probe.cfg_error))
            finally:
                probe.cleanup()
        eff = self.d.cfg["daemon"]
        eq([eff[k] for k in ("fd_reserve", "peer_queue", "max_inflight_per_peer", "max_running_per_peer",
                             "max_inflight", "max_inflight_mb")], [64, 4, 16, 1, 256, 256], "defaults")


# ---- memory -----------------------------------------------------------------

class Memory:
    """Several peers flood big frames; rectd's RSS stays bounded."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = LDaemon()
        self.daemons.append(self.d)
        self.d.start()
        self.ctx = zmq.Context()

    def teardown(self, keep):
        self.ctx.destroy(linger=0)
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_big_frames_from_eight_peers(self):
        d, per_peer = self.d, 16
        big = b"\x5a" * (20 << 20)
        replies, errors = {}, []

        def flood(user):
            try:
                s = dealer(d, user, self.ctx)
                for _ in range(per_peer):
                    s.send_multipart([b"", req("ping", user), big], copy=False)
                replies[user] = recv_replies(s, per_peer, 120)
                s.close()
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("%s: %r" % (user, e))

        with RssSampler(d.proc.pid) as rss:
            threads = [threading.Thread(target=flood, args=(u,)) for u in PEERS]
            for t in threads:
                t.start()
            time.sleep(0.5)
            _, took = timed_call(d, CANARY, "ping", timeout_ms=30000)
            for t in threads:
                t.join(180)
        eq(errors, [], "flooders' errors")
        codes = sorted({r["error"]["code"] for rs in replies.values() for r in rs})
        eq(codes, ["bad_value"], "a ping with an attached frame is refused")
        eq(sum(len(rs) for rs in replies.values()), per_peer * len(PEERS), "replies")
        peak = max(rss.peak_kb, 0) // 1024
        check(peak < RSS_BOUND_MB, "rectd's RSS reached %d MB (bound %d)" % (peak, RSS_BOUND_MB))
        check(took < 10, "canary ping during the flood: %.1fs" % took)
        print("      (RSS peak %d MB over %d x %d x 20 MiB; canary %.2fs)" % (peak, len(PEERS), per_peer, took))

    def test_many_empty_frames(self):
        d = self.d
        s = dealer(d, CANARY, self.ctx)
        try:
            with RssSampler(d.proc.pid) as rss:
                s.send_multipart([b"", req("ping", CANARY)] + [b""] * 100000)
                rs = recv_replies(s, 1, 60)
        finally:
            s.close()
        eq(len(rs), 1, "one reply")
        eq(rs[0]["error"]["code"], "too_large", "code")
        check("more than 16 attached frames" in rs[0]["error"]["message"], rs[0]["error"]["message"])
        check(rss.peak_kb // 1024 < RSS_BOUND_MB, "RSS %d MB" % (rss.peak_kb // 1024))
        timed_call(d, CANARY, "ping")

    def test_a_big_import_gives_lmdbs_pages_back_and_loses_nothing(self):
        """LMDB keeps the pages of a big write transaction until its
        environment is closed: after a 10,000-row import (the data file
        grows by more than 32 MiB) rectd opens it again at a tick (logged),
        and everything is still there."""
        d = self.d
        with rawclient.Client(d.endpoint, "zhanghua", timeout_ms=120000) as c:
            before = c.call("ping")
            eq(c.call("import", {"inspection": INSP}, files=[big_plan(10000)])["imported"], 10000, "imported")
        line = "LMDB's environment opened again"
        for _ in range(200):
            if line in d.stderr():
                break
            time.sleep(0.1)
        check(line in d.stderr(), "no %r in rectd's log after the import" % line)
        with open("/proc/%d/status" % d.proc.pid) as f:
            anon = [int(x.split()[1]) for x in f if x.startswith("RssAnon:")][0] // 1024
        print("      (RssAnon %d MiB after the import and the reopening)" % anon)
        if not SANITIZED:  # their allocators keep freed memory (quarantine, shadow)
            check(anon < 24, "rectd keeps %d MiB after a 10,000-row import (LMDB's pages not given back?)" % anon)
        with rawclient.Client(d.endpoint, "zhanghua", timeout_ms=120000) as c:
            after = c.call("ping")
            eq(after["items"], before["items"] + 10000, "items after the reopening")
            eq(after["events"], before["events"] + 20000, "events (a claim and an assign each)")
            eq(c.call("audit_verify")["ok"], True, "audit_verify after the reopening")
            eq(c.call("show", {"item": after["items"]})["item"]["ref"], "L10000", "the last item")
        timed_call(d, CANARY, "ping")

    def test_frame_over_the_limit_drops_the_peer(self):
        d = self.d
        s = dealer(d, CANARY, self.ctx)
        try:
            s.send_multipart([b"", req("ping", CANARY), b"x" * ((21 << 20) + 1)])
            eq(recv_replies(s, 1, 5), [], "no reply to a frame over ZMQ_MAXMSGSIZE")
        finally:
            s.close()
        check(d.running(), "rectd died")
        timed_call(d, CANARY, "ping")


# ---- fairness ---------------------------------------------------------------

def big_plan(rows):
    """examples/plan.csv's items repeated into rows items (编号 L0001...)."""
    with open(PLAN, encoding="utf-8-sig") as f:
        table = list(csv.reader(f))
    head, body = table[0], table[1:]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(head)
    for i in range(rows):
        row = list(body[i % len(body)])
        row[0] = "L%04d" % (i + 1)
        w.writerow(row)
    return out.getvalue().encode("utf-8")


class Fair:
    """One user floods ledger reads over 2,000 items; others are served."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = LDaemon({"daemon.max_attachment_mb": 20})
        self.daemons.append(self.d)
        self.d.start()
        with rawclient.Client(self.d.endpoint, "zhanghua", timeout_ms=120000) as c:
            eq(c.call("import", {"inspection": INSP}, files=[big_plan(2000)])["imported"], 2000, "imported")
        _, self.one = timed_call(self.d, CANARY, "ledger", {"inspection": INSP})
        self.ctx = zmq.Context()

    def teardown(self, keep):
        self.ctx.destroy(linger=0)
        return e2e_runner.stop_daemons(self.daemons, keep)

    def flood(self, conns=4, each=150):
        """Start conns DEALERs of FLOODER sending `each` ledgers at once; returns (sockets, n)."""
        socks = [dealer(self.d, FLOODER, self.ctx) for _ in range(conns)]
        r = req("ledger", FLOODER, {"inspection": INSP})
        for s in socks:
            for _ in range(each):
                s.send_multipart([b"", r])
        return socks, conns * each

    def test_canaries_answered_during_a_ledger_flood(self):
        d = self.d
        socks, n = self.flood()
        try:
            time.sleep(0.5)  # the flood is in
            _, ping = timed_call(d, CANARY, "ping", timeout_ms=30000)
            _, ledger = timed_call(d, CANARY, "ledger", {"inspection": INSP}, timeout_ms=30000)
            got = recv_replies(socks, n, 120)
        finally:
            for s in socks:
                s.close()
        print("      (one ledger %.3fs; during a flood of %d: canary ping %.2fs, canary ledger %.2fs)"
              % (self.one, n, ping, ledger))
        check(ping < CANARY_S, "canary ping took %.2fs (bound %.1fs)" % (ping, CANARY_S))
        check(ledger < CANARY_S + 4 * self.one,
              "canary ledger took %.2fs (one ledger %.3fs)" % (ledger, self.one))
        eq(len(got), n, "every flood request answered")

    def test_too_busy_beyond_max_inflight_per_peer_per_key_and_behind_a_gateway_per_official(self):
        """FLOODER floods ledgers with their own key, and OTHER_FLOODER through
        the gateway's key: each is refused beyond its own 16; meanwhile
        CANARY's ledger through the same gateway is served, and served in
        turn, not after OTHER_FLOODER's flood (behind a gateway each official
        has a queue and bounds of their own). Both floods run at once, so this
        costs one flood's time."""
        d = self.d
        own, n = self.flood(conns=2, each=100)
        gw = [dealer(d, "rectweb", self.ctx) for _ in range(2)]
        socks = own + gw
        poller = zmq.Poller()
        for s in socks:
            poller.register(s, zmq.POLLIN)
        got = []  # (whose, reply), in the order they came
        whose = {id(s): "own" for s in own}
        whose.update({id(gw[0]): "gateway", id(gw[1]): "canary"})

        def take(until, timeout_s):
            deadline = time.monotonic() + timeout_s
            while not until() and time.monotonic() < deadline:
                for s, _ in poller.poll(200):
                    got.append((whose[id(s)], json.loads(s.recv_multipart()[1])))

        try:
            r = req("ledger", OTHER_FLOODER, {"inspection": INSP})
            for _ in range(100):
                gw[0].send_multipart([b"", r])
            # the gateway flood's first refusal: OTHER_FLOODER's queue is full
            take(lambda: any(w == "gateway" and not rep["ok"] for w, rep in got), 60)
            gw[1].send_multipart([b"", req("ledger", CANARY, {"inspection": INSP})])
            take(lambda: len(got) == n + 101, 180)
        finally:
            for s in socks:
                s.close()
        eq(len(got), n + 101, "every request answered")
        for w, user, of in (("own", FLOODER, "of this key"),
                            ("gateway", OTHER_FLOODER, "of %s through this gateway" % OTHER_FLOODER)):
            ok = [rep for x, rep in got if x == w and rep["ok"]]
            busy = [rep for x, rep in got if x == w and not rep["ok"]]
            eq(sorted({b["error"]["code"] for b in busy}), ["too_busy"], "%s's refusals" % user)
            check(len(ok) >= 16, "only %d of %s's ledgers served" % (len(ok), user))
            check(len(busy) >= (n if w == "own" else 100) // 2, "only %d of %s's refused" % (len(busy), user))
            msg = busy[0]["error"]["message"]
            check(of in msg and "daemon.max_inflight_per_peer = 16" in msg and "retry" in msg, msg)
            eq(sorted({b["error"].get("details", {}).get("rule") for b in busy}), ["too_busy_key"],
               "%s's details.rule" % user)
        canary = [i for i, (x, _) in enumerate(got) if x == "canary"]
        eq(len(canary), 1, "the canary's answers")
        rep = got[canary[0]][1]
        check(rep["ok"], "the canary's ledger through the gateway was refused: %r" % rep.get("error"))
        served = [i for i, (x, rep) in enumerate(got) if x == "gateway" and rep["ok"]]
        check(canary[0] < served[-1], "the canary's ledger waited for the whole flood through the gateway")
        # and the flooder is served again once its reads are answered
        res, _ = timed_call(d, FLOODER, "ledger", {"inspection": INSP})
        check("items" in json.dumps(res)[:100000] or res, "ledger result")

    def test_too_busy_in_total(self):
        """daemon.max_inflight bounds all keys together (reloaded by SIGHUP)."""
        d = self.d
        d.write_conf({"daemon.max_inflight": 4})
        check(d.cfg_error is None and d.cfg["daemon"]["max_inflight"] == 4, "config: %r" % d.cfg_error)
        d.proc.send_signal(1)
        t0 = time.monotonic()
        while "reloaded" not in d.stderr() and time.monotonic() - t0 < 10:
            time.sleep(0.1)
        socks = [dealer(d, u, self.ctx) for u in ("liming", "zhaoli", "sunqiang")]
        try:
            for s, u in zip(socks, ("liming", "zhaoli", "sunqiang")):
                for _ in range(10):
                    s.send_multipart([b"", req("ledger", u, {"inspection": INSP})])
            got = recv_replies(socks, 30, 120)
        finally:
            for s in socks:
                s.close()
        busy = [r for r in got if not r["ok"]]
        eq(len(got), 30, "answered")
        check(busy and all(r["error"]["code"] == "too_busy" for r in busy), "too_busy: %r" % busy[:2])
        check(any("daemon.max_inflight = 4" in r["error"]["message"] for r in busy), busy[0]["error"]["message"])
        check("too_busy_all" in {r["error"].get("details", {}).get("rule") for r in busy}, "details.rule too_busy_all")


FIXTURES = [Fds, MaxPeers, Memory, Fair]

if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-limits", FIXTURES, sys.argv[1:]))
