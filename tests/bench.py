#!/usr/bin/python3
"""make bench: rectd's throughput, measured side by side in one run.

Not a test: numbers vary with the machine and its load. Compare the ratios
printed at the end (all measured in the same run on the same machine), not
absolute values across machines.

  1. durable writes: one client doing `add` after `add` (one fsync'd
     transaction each) vs 8 clients at once (requests that arrive together
     share one transaction: group commit);
  2. import of a 10,000-row plan in one request (one transaction);
  3. reads over 10,000+ items: `list --owner X` (index range) vs `list`
     (full scan) vs `list --kind immediate` (no index: full scan + filter);
  4. how long a ping waits while another client runs audits over 10,000
     items: daemon.read_threads = 0 (everything in the one loop) vs 2;
  5. the requests of an HTML ledger over 10,000 items with 60 days of
     history: its open-items chart as 30 `ledger` requests, each replaying
     the whole log (before), vs one `ledger` with `series` (one replay).
"""
import statistics
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECTD = os.environ.get("RECTD", os.path.join(ROOT, "rectd"))


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


class Rectd:
    def __init__(self, read_threads=None, clock=None):
        self.dir = tempfile.mkdtemp(prefix="rb-", dir="/tmp")
        self.clock = os.path.join(self.dir, "clock") if clock else None
        if clock:
            self.set_clock(clock)
        self.endpoint = f"ipc://{self.dir}/r.sock"
        conf = open(os.path.join(ROOT, "config", "rectd.conf"), encoding="utf-8").read()
        lines = []
        for line in conf.splitlines():
            s = line.strip()
            if s.startswith("endpoint") and "=" in s:
                line = f'    endpoint = "{self.endpoint}";'
            elif s.startswith("pub_endpoint") and "=" in s:
                line = f'    pub_endpoint = "ipc://{self.dir}/pub.sock";'
            elif s.startswith("data_dir") and "=" in s:
                line = f'    data_dir = "{self.dir}/data";'
            elif s.startswith("key_file") and "=" in s:
                line = f'    key_file = "{self.dir}/keys/rectd.key";'
            elif s.startswith("map_size_mb") and "=" in s:
                line = "    map_size_mb = 4096;"
            elif s.startswith("read_threads") and "=" in s and read_threads is not None:
                line = f"    read_threads = {read_threads};"
            lines.append(line)
        self.conf = os.path.join(self.dir, "rectd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(os.path.join(self.dir, "rectd.log"), "w")
        argv = [RECTD, "-c", self.conf] + (["--clock-file", self.clock] if self.clock else [])
        self.proc = subprocess.Popen(argv, stderr=self.log)
        self.ctx = zmq.Context()
        for _ in range(100):
            if os.path.exists(self.endpoint[6:]):
                break
            time.sleep(0.05)
        # the demo keys rectd made at start: every client is a CURVE client
        self.keys = {}
        kd = os.path.join(self.dir, "keys")
        server = read_key(os.path.join(kd, "rectd.pub"))["public"]
        for name in os.listdir(kd):
            if name.endswith(".key") and name != "rectd.key":
                k = read_key(os.path.join(kd, name))
                self.keys[k["user"]] = (server, k["public"], k["secret"])

    def set_clock(self, iso):
        """rectd's "now" (with clock=...): rectd reads the file on each request."""
        with open(self.clock + ".tmp", "w") as f:
            f.write(iso + "\n")
        os.rename(self.clock + ".tmp", self.clock)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        self.ctx.term()
        shutil.rmtree(self.dir, ignore_errors=True)


def read_key(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        if ":" in line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
    return out


class Client:
    def __init__(self, r, name, user="wangyan"):
        self.s = r.ctx.socket(zmq.REQ)
        self.s.setsockopt(zmq.LINGER, 0)
        server, public, secret = r.keys[user]
        self.s.curve_serverkey, self.s.curve_publickey, self.s.curve_secretkey = (
            server.encode(), public.encode(), secret.encode())
        self.s.connect(r.endpoint)
        self.name, self.seq = name, 0

    def call(self, cmd, args=None, files=(), user="wangyan"):
        self.seq += 1
        req = {"v": 1, "cmd": cmd, "user": user, "args": args or {}, "client": self.name, "seq": self.seq}
        self.s.send_multipart([json.dumps(req).encode()] + list(files))
        rep = json.loads(self.s.recv())
        if not rep["ok"]:
            raise RuntimeError(rep["error"])
        return rep["result"]

    def close(self):
        self.s.close()


def add_args(ref):
    return {"ref": ref, "source": "national", "kind": "long-term", "title": f"基准测试问题 {ref}",
            "owner": "liming", "unit": "cun1", "leader": "zhanghua", "deadline": "2027-06-30"}


def bench_writes(r, clients, per_client):
    def worker(i, out):
        c = Client(r, f"w{clients}-{i}")
        for n in range(per_client):
            c.call("add", add_args(f"W{clients}-{i}-{n}"))
        c.close()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i, None)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    return clients * per_client / dt


def plan_csv(n, prefix):
    rows = ["ref,source,kind,title,description,owner,unit,leader,deadline"]
    owners = ["liming", "zhaoli", "sunqiang", "zhouping", "wugang"]
    for i in range(n):
        rows.append(f'{prefix}{i},national,{"immediate" if i % 5 == 0 else "long-term"},'
                    f'问题{i},"描述,含逗号 {i}",{owners[i % 5]},cun{1 + i % 4},zhanghua,2027-06-30')
    return ("\n".join(rows) + "\n").encode()


def timed(fn, repeat=5):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best, res


def ping_during_audits(read_threads, audits=4):
    """Ping latencies (s) while another client runs audit_verify back to back."""
    r = Rectd(read_threads)
    try:
        c = Client(r, "imp")
        c.call("import", {"inspection": "bench"}, files=[plan_csv(10000, "P")])
        busy = threading.Event()

        def auditor():
            a = Client(r, "aud")
            busy.set()
            for _ in range(audits):
                a.call("audit_verify")
            a.close()
            busy.clear()
        t = threading.Thread(target=auditor)
        t.start()
        busy.wait()
        waits = []
        while busy.is_set():
            t0 = time.perf_counter()
            c.call("ping")
            waits.append(time.perf_counter() - t0)
            time.sleep(0.01)
        t.join()
        c.close()
        return waits
    finally:
        r.stop()


def html_ledger_requests(days=60, per_day=5, points=30):
    """The requests of `rectctl ledger --format html` over 10,000 items closed
    a few a day for `days` days: (seconds before, seconds after, points)."""
    r = Rectd(clock="2026-10-01T02:00:00Z")
    c = None
    try:
        c = Client(r, "html")
        c.call("import", {"inspection": "bench"}, files=[plan_csv(10000, "H")])
        items = c.call("list", {"inspection": "bench"})["items"]
        n, by = 0, {}

        def as_user(user):  # each user connects with their own key
            if user not in by:
                by[user] = Client(r, "html-" + user, user=user)
            return by[user]
        for day in range(1, days):
            r.set_clock(time.strftime("%Y-%m-%dT03:00:00Z", time.gmtime(time.mktime((2026, 10, 1 + day, 12, 0, 0, 0, 0, 0)))))
            for _ in range(per_day):
                it = items[n]
                n += 1
                as_user(it["owner"]).call("start", {"item": it["id"]}, user=it["owner"])
                as_user(it["owner"]).call("evidence", {"item": it["id"], "note": "整改完成"}, user=it["owner"])
                as_user("maqing").call("verify", {"item": it["id"], "result": "pass", "opinion": "合格"},
                                       user="maqing")
                as_user("zhanghua").call("close", {"item": it["id"], "note": "销号"}, user="zhanghua")
        for x in by.values():
            x.close()
        today = c.call("ping")["time"][:10]

        def before():  # the client of issue 7: list, then one dated ledger per point
            c.call("ledger", {"inspection": "bench"})
            c.call("stats", {"inspection": "bench", "by": "unit"})
            created = min(it["created"] for it in c.call("list", {"inspection": "bench"})["items"])[:10]
            d0 = time.mktime(time.strptime(created, "%Y-%m-%d")) // 86400
            d1 = time.mktime(time.strptime(today, "%Y-%m-%d")) // 86400
            span = int(d1 - d0)
            step = max(1, span // (points - 1) + (1 if span % (points - 1) else 0))
            out, d = [], int(d0)
            while True:
                d = min(d, int(d1))
                date = time.strftime("%Y-%m-%d", time.gmtime(d * 86400 + 43200))
                s = c.call("ledger", {"inspection": "bench", "as_of": date})["summary"]
                out.append({"date": date, "open": s["open"], "total": s["total"]})
                if d == d1:
                    return out
                d += step

        def after():  # one ledger whose replay also counts the series
            led = c.call("ledger", {"inspection": "bench", "series": points})
            c.call("stats", {"inspection": "bench", "by": "unit"})
            return led["series"]
        t_before, old = timed(before, repeat=1)
        t_after, new = timed(after, repeat=3)
        if old != new:
            raise RuntimeError("the series differ: %r vs %r" % (old[:3], new[:3]))
        return t_before, t_after, len(new)
    finally:
        if c:
            c.close()
        r.stop()


def curve_cost(n=300, size=1024):
    """What CURVE costs a client of rectd, measured on a scratch ROUTER (an
    echo, not rectd, so that only the security mechanism differs): a new
    connection plus one request (what each rectctl run does), and requests
    on one connection. Returns {(mechanism, what): seconds per operation}."""
    ctx = zmq.Context()
    spub, ssec = zmq.curve_keypair()
    cpub, csec = zmq.curve_keypair()
    out = {}
    for mech in ("NULL", "CURVE"):
        d = tempfile.mkdtemp(prefix="rc-", dir="/tmp")
        ep = f"ipc://{d}/echo.sock"
        srv = ctx.socket(zmq.ROUTER)
        srv.setsockopt(zmq.LINGER, 0)
        if mech == "CURVE":
            srv.curve_server, srv.curve_secretkey = True, ssec
        srv.bind(ep)
        stop = threading.Event()

        def echo():
            while not stop.is_set():
                if srv.poll(50):
                    srv.send_multipart(srv.recv_multipart())

        t = threading.Thread(target=echo)
        t.start()

        def client():
            c = ctx.socket(zmq.REQ)
            c.setsockopt(zmq.LINGER, 0)
            if mech == "CURVE":
                c.curve_serverkey, c.curve_publickey, c.curve_secretkey = spub, cpub, csec
            c.connect(ep)
            return c

        body = b"x" * size
        t0 = time.perf_counter()
        for _ in range(n):
            c = client()
            c.send(body)
            c.recv()
            c.close()
        out[(mech, "connect")] = (time.perf_counter() - t0) / n
        c = client()
        t0 = time.perf_counter()
        for _ in range(n * 10):
            c.send(body)
            c.recv()
        out[(mech, "request")] = (time.perf_counter() - t0) / (n * 10)
        c.close()
        stop.set()
        t.join()
        srv.close()
        shutil.rmtree(d, ignore_errors=True)
    ctx.term()
    return out


def main():
    print("machine:", machine())
    cc = curve_cost()
    for what, label in (("connect", "new connection + 1 request"), ("request", "1 request, open connection")):
        null, curve = cc[("NULL", what)], cc[("CURVE", what)]
        print(f"{label:27s}: NULL {null * 1e6:7.0f} us, CURVE {curve * 1e6:7.0f} us "
              f"({curve / null:.1f}x; 1 KiB request)")
    r = Rectd()
    try:
        w1 = bench_writes(r, 1, 200)
        w8 = bench_writes(r, 8, 100)
        print(f"durable adds, 1 client : {w1:8.0f} items/s")
        print(f"durable adds, 8 clients: {w8:8.0f} items/s  (group commit: {w8 / w1:.1f}x)")

        c = Client(r, "imp")
        data = plan_csv(10000, "B")
        t0 = time.perf_counter()
        res = c.call("import", {"inspection": "bench"}, files=[data])
        dt = time.perf_counter() - t0
        print(f"import 10,000 rows     : {dt:8.2f} s ({res['imported'] / dt:.0f} rows/s, one transaction)")

        # one page of at most 10000 (the largest): the 10,000 items whole, as before pages
        t_idx, a = timed(lambda: c.call("list", {"owner": "zhaoli", "limit": 10000}))
        t_all, b = timed(lambda: c.call("list", {"limit": 10000}))
        t_kind, k = timed(lambda: c.call("list", {"kind": "immediate", "limit": 10000}))
        print(f"list --owner (index)   : {t_idx * 1000:8.1f} ms for {len(a['items'])} items")
        print(f"list (all)             : {t_all * 1000:8.1f} ms for {len(b['items'])} items")
        print(f"list --kind (scan)     : {t_kind * 1000:8.1f} ms for {len(k['items'])} items")
        print(f"ratio all/owner        : {t_all / t_idx:.1f}x for {len(b['items']) / max(1, len(a['items'])):.1f}x the items")

        # closeout ledgers: the ledger replays the whole event log; audit_verify
        # re-hashes the chain, checks every index entry and replays again
        t_led, led = timed(lambda: c.call("ledger", {"inspection": "bench"}), repeat=3)
        t_aud, aud = timed(lambda: c.call("audit_verify"), repeat=3)
        t_st, _ = timed(lambda: c.call("stats", {"by": "owner"}), repeat=3)
        print(f"ledger (replay)        : {t_led * 1000:8.1f} ms for {len(led['rows'])} rows, {led['seq']} events")
        print(f"audit_verify           : {t_aud * 1000:8.1f} ms for {aud['events']} events (ok: {aud['ok']})")
        print(f"stats --by owner       : {t_st * 1000:8.1f} ms")
        c.close()
    finally:
        r.stop()

    t_before, t_after, points = html_ledger_requests()
    print(f"html ledger, {points} points, before: {t_before:8.2f} s (1 + {points} ledger replays)")
    print(f"html ledger, {points} points, after : {t_after:8.2f} s (1 ledger replay with series)  "
          f"({t_before / t_after:.1f}x faster)")

    for n in (0, 2):
        w = ping_during_audits(n)
        print(f"ping during audits, read_threads={n}: median {statistics.median(w) * 1000:7.1f} ms, "
              f"max {max(w) * 1000:7.1f} ms ({len(w)} pings)")


if __name__ == "__main__":
    sys.exit(main())
