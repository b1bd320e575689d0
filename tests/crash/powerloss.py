#!/usr/bin/python3
"""tests/crash/powerloss.py - power loss, simulated: the disk images a power
failure at any moment could leave behind open in rectd, pass audit_verify
and hold every write acknowledged before that moment.

    RECTD=./rectd POWERLOSS_SHIM=build/crash/powerloss-shim.so \\
        /usr/bin/python3 tests/crash/powerloss.py [--cuts N] [--seed S] [--drop-synced] [--keep]

rectd runs under tests/crash/powerloss-shim.c (LD_PRELOAD), which records
every write and every fsync/fdatasync of data.mdb with its offset, bytes
and times, while three writers (their own users and keys) add items,
import a plan and file evidence with files, noting when each
acknowledgement arrives (CLOCK_MONOTONIC, the shim's clock too).

Then, for N cut points (random operations of the log, half of them just
after an acknowledgement arrived, plus the very end), it builds the image
a disk could hold if the power failed just before that operation:
  - durable: every write that completed before the last fsync/fdatasync
    that completed before the cut, and every write through an O_DSYNC
    descriptor that completed before the cut (LMDB's meta page);
  - not durable: the other writes before the cut, and the one in flight at
    the cut. Each 512-byte sector they touched independently keeps its
    durable bytes (or none) or takes the bytes of any one of its later
    writes: writes torn at sector boundaries, reordered, partly lost.
A sector is assumed to be written whole (as LMDB assumes for its meta
page, which fits in one). Each image becomes rectd's data.mdb, alone (no
lock file); then `mdb_stat` must read it, rectd must start and answer,
audit_verify must pass, and every write acknowledged before the cut must
be there exactly once (an evidence file with the SHA-256 sent).

--drop-synced is the test of the test: each image also loses the last
durable write before its cut (for a cut just after an acknowledgement,
the meta page of the commit acknowledged). The checker must then report
a missing acknowledged write: this run passes only if it does, for every
cut where an acknowledged commit's meta page was dropped.
Each image is one test; ends with "N passed, M failed".
"""

import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import rawclient  # noqa: E402
import e2e_daemon  # noqa: E402
from e2e_daemon import Daemon  # noqa: E402

SHIM = os.path.abspath(os.environ.get("POWERLOSS_SHIM") or
                       os.path.join(e2e_daemon.REPO, "build/crash/powerloss-shim.so"))
SECTOR = 512
REC = struct.Struct("=cBHIQqq")  # struct rec of powerloss-shim.c
DEADLINE = "2027-06-30"


def read_log(path):
    """The shim's records: [(type, dsync, off, t0, t1, data)]."""
    out = []
    with open(path, "rb") as f:
        buf = f.read()
    pos = 0
    while pos + REC.size <= len(buf):
        typ, dsync, _fd, n, off, t0, t1 = REC.unpack_from(buf, pos)
        pos += REC.size
        data = buf[pos:pos + n]
        if len(data) != n:
            raise AssertionError("the shim's log ends inside a record")
        pos += n
        out.append((typ.decode(), dsync, off, t0, t1, data))
    return out


class Workload:
    """Three writers with their own keys; acks = [(t_ns, kind, token, sha)]."""

    def __init__(self, d, seconds, seed):
        self.d, self.seconds, self.rng = d, seconds, random.Random(seed)
        self.acks, self.errors, self.lock = [], [], threading.Lock()
        self.n = 0
        self.seed = seed

    def token(self, what):
        with self.lock:
            self.n += 1
            return "%s-%d-%d" % (what, self.seed, self.n)

    def ack(self, kind, token, sha=None):
        t = time.monotonic_ns()
        with self.lock:
            self.acks.append((t, kind, token, sha))

    def adder(self, user, imports):
        end = time.monotonic() + self.seconds
        with rawclient.Client(self.d.endpoint, user, timeout_ms=30000) as c:
            k = 0
            while time.monotonic() < end:
                k += 1
                if imports and k % 3 == 0:
                    refs = [self.token("PI") for _ in range(3)]
                    csv = "编号,问题来源,整改类型,问题\n" + "".join(
                        "%s,national,immediate,导入 %s\n" % (r, r) for r in refs)
                    c.call("import", {}, files=[csv.encode()])
                    for r in refs:
                        self.ack("claim", r)
                    continue
                ref = self.token("PA")
                c.call("add", {"ref": ref, "source": "county", "kind": "immediate", "title": "题 " + ref,
                               "owner": "liming", "unit": "cun1", "leader": "lijun", "deadline": DEADLINE})
                self.ack("claim", ref)

    def owner(self):
        end = time.monotonic() + self.seconds
        with rawclient.Client(self.d.endpoint, "liming", timeout_ms=30000) as c:
            done = set()
            while time.monotonic() < end:
                items = [i["id"] for i in c.call("list", {"state": "assigned", "owner": "liming"})["items"]
                         if i["id"] not in done][:3]
                if not items:
                    time.sleep(0.02)
                    continue
                for i in items:
                    done.add(i)
                    c.call("start", {"item": i})
                    tok = self.token("PE")
                    blob = tok.encode() + os.urandom(self.rng.randint(1, 40) * 1024)
                    c.call("evidence", {"item": i, "note": tok, "files": [tok + ".bin"]}, files=[blob])
                    self.ack("evidence", tok, hashlib.sha256(blob).hexdigest())

    def run(self):
        def guard(f, *a):
            try:
                f(*a)
            except Exception as e:
                with self.lock:
                    self.errors.append("%s: %r" % (f.__name__, e))
        ts = [threading.Thread(target=guard, args=(self.adder, "wangyan", False)),
              threading.Thread(target=guard, args=(self.adder, "zhanghua", True)),
              threading.Thread(target=guard, args=(self.owner,))]
        for t in ts:
            t.start()
        for t in ts:
            t.join()


def build_image(ops, cut, rng, drop_synced):
    """The bytes of data.mdb after a power failure just before ops[cut]; and
    whether a durable write was dropped (drop_synced)."""
    last_sync = max((i for i in range(cut) if ops[i][0] == "S"), default=-1)
    durable = [i for i in range(cut) if ops[i][0] == "W" and (i < last_sync or ops[i][1])]
    dropped = None
    if drop_synced and durable:
        dropped = durable.pop()  # the last durable write: a meta page, mostly
    durable_set = set(durable)
    later = [i for i in range(min(cut + 1, len(ops))) if ops[i][0] == "W" and i not in durable_set
             and i != dropped]
    sectors = {}  # sector number -> bytes (durable)
    last_durable = {}  # sector -> index of its last durable write

    def pieces(i):
        _, _, off, _, _, data = ops[i]
        if cut < len(ops) and i == cut:  # in flight: any prefix of it reached the disk
            data = data[:rng.randint(0, len(data))]
        # Writes are page-aligned in LMDB, but cut at sectors in any case.
        pos = 0
        while pos < len(data):
            s = (off + pos) // SECTOR
            start = (off + pos) % SECTOR
            n = min(SECTOR - start, len(data) - pos)
            yield s, start, data[pos:pos + n]
            pos += n

    def put(store, s, start, chunk):
        old = store.get(s, bytes(SECTOR))
        store[s] = old[:start] + chunk + old[start + len(chunk):]

    for i in durable:
        for s, start, chunk in pieces(i):
            put(sectors, s, start, chunk)
            last_durable[s] = i
    # Candidate later versions of each sector: after its last durable write.
    cands = {}
    for i in later:
        for s, start, chunk in pieces(i):
            if i > last_durable.get(s, -1):
                cands.setdefault(s, []).append((start, chunk))
    for s, versions in cands.items():
        if rng.random() < 0.5:
            continue  # the sector keeps its durable bytes
        start, chunk = rng.choice(versions)
        put(sectors, s, start, chunk)
    if not sectors:
        return b"", dropped
    size = (max(sectors) + 1) * SECTOR
    img = bytearray(size)
    for s, b in sectors.items():
        img[s * SECTOR:(s + 1) * SECTOR] = b
    return bytes(img), dropped


def check_image(d, acks_due):
    """Problems of the image now in d's data dir."""
    problems = []
    p = subprocess.run(["mdb_stat", "-efa", d.data_dir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0 or p.stderr.strip():
        problems.append("mdb_stat: exit %d: %s" % (p.returncode, p.stderr.decode()[-300:]))
    try:
        d.start()
    except AssertionError as e:
        return problems + ["rectd does not start on it: %s" % str(e)[-600:]]
    try:
        with rawclient.Client(d.endpoint, "wangyan", timeout_ms=60000) as c:
            av = c.call("audit_verify")
            if not av["ok"]:
                problems.append("audit_verify: %s (first bad seq %s)" % (av["problem"], av["first_bad_seq"]))
            events = rawclient.all_events(c)
            rawclient.verify_chain(events, c.call("ping")["head"])
        seen = {}
        for ev in events:
            key = ("claim", ev["changes"]["ref"][1]) if ev["action"] == "claim" else (ev["action"], ev.get("comment"))
            seen.setdefault(key, []).append(ev)
        for key, evs in seen.items():
            if len(evs) > 1 and key[1]:
                problems.append("%s %s is there %d times" % (key[0], key[1], len(evs)))
        for _t, kind, tok, sha in acks_due:
            evs = seen.get((kind, tok), [])
            if len(evs) != 1:
                problems.append("acknowledged %s %s is there %d times" % (kind, tok, len(evs)))
            elif sha and [f["sha256"] for f in evs[0].get("files", [])] != [sha]:
                problems.append("evidence %s: files %r, sent %s" % (tok, evs[0].get("files"), sha))
    except (rawclient.Refused, rawclient.NoReply, rawclient.ChainError) as e:
        problems.append("reading it back: %s" % e)
    rc = d.stop()
    if rc != 0:
        problems.append("rectd exited with %s on SIGTERM: %s" % (rc, d.stderr()[-500:]))
    problems += d.new_sanitizer_reports()
    return problems


def main(argv):
    n_cuts, seed, drop, keep, seconds = 8, None, False, False, 1.5
    it = iter(argv)
    for a in it:
        if a == "--cuts":
            n_cuts = int(next(it))
        elif a == "--seed":
            seed = int(next(it))
        elif a == "--drop-synced":
            drop = True
        elif a == "--keep":
            keep = True
        elif a == "--seconds":
            seconds = float(next(it))
        else:
            print("usage: powerloss.py [--cuts N] [--seed S] [--seconds S] [--drop-synced] [--keep]",
                  file=sys.stderr)
            return 1
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)
    passed = failed = 0
    t_start = time.monotonic()
    print("powerloss: rectd=%s shim=%s seed %d%s" % (e2e_daemon.RECTD, SHIM, seed,
                                                   " (--drop-synced: the checker must fail)" if drop else ""))

    def report(ok, label, problems=()):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok   " + label)
        else:
            failed += 1
            print("FAIL " + label)
            for p in list(problems)[:12]:
                print("    " + p.replace("\n", "\n    "))
        sys.stdout.flush()

    d = Daemon()
    log = os.path.join(d.tmp, "powerloss.log")
    try:
        # The run under the shim: from the first byte of a new data.mdb.
        env_keep = {k: os.environ.get(k) for k in ("LD_PRELOAD", "POWERLOSS_LOG", "ASAN_OPTIONS")}
        os.environ.update(LD_PRELOAD=SHIM, POWERLOSS_LOG=log,
                          ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":"))
        try:
            d.start()
        finally:
            for k, v in env_keep.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        w = Workload(d, seconds, seed)
        w.run()
        d.kill9()
        ops = read_log(log)
        kinds = {o[0] for o in ops}
        n_w = sum(1 for o in ops if o[0] == "W")
        n_s = sum(1 for o in ops if o[0] == "S")
        n_d = sum(1 for o in ops if o[0] == "W" and o[1])
        report(not w.errors and n_w and n_s and n_d and not kinds - {"W", "S"} and len(w.acks) > 10,
               "the shim saw %d writes (%d through O_DSYNC), %d fdatasync/fsync, no msync or ftruncate; "
               "%d writes acknowledged" % (n_w, n_d, n_s, len(w.acks)),
               w.errors + (["records of kinds %s: a writable map or a truncation, not modelled"
                            % sorted(kinds - {"W", "S"})] if kinds - {"W", "S"} else []))
        if not ops or failed:
            raise SystemExit
        # Cut points: random, half just after an acknowledgement, and the end.
        acks = sorted(w.acks)
        after_ack = []
        for t, *_ in acks:
            i = next((k for k, o in enumerate(ops) if o[3] > t), len(ops))
            after_ack.append(i)
        cuts = sorted(set(rng.sample(range(1, len(ops)), min(n_cuts // 2, len(ops) - 1)) +
                          rng.sample(after_ack, min(n_cuts - n_cuts // 2, len(after_ack))) + [len(ops)]))
        data = os.path.join(d.data_dir, "data.mdb")
        for cut in cuts:
            t0 = time.monotonic()
            t_cut = ops[cut][3] if cut < len(ops) else 1 << 62
            due = [a for a in acks if a[0] < t_cut]
            img, dropped = build_image(ops, cut, rng, drop)
            shutil.rmtree(d.data_dir)
            os.makedirs(d.data_dir, mode=0o700)
            with open(data, "wb") as f:
                f.write(img)
            problems = check_image(d, due)
            label = "power lost before operation %d of %d (%s): %d acknowledged writes due, image %d KiB" % (
                cut, len(ops), "the end" if cut == len(ops) else ops[cut][0], len(due), len(img) // 1024)
            if drop:
                # The test of the test: when the write dropped was the meta page
                # of a commit whose acknowledgement came before the cut, the
                # checker must say an acknowledged write is missing.
                meta = dropped is not None and ops[dropped][1]
                ack_after = meta and any(ops[dropped][4] < a[0] < t_cut for a in acks)
                missing = [p for p in problems if "is there 0 times" in p or "does not start" in p]
                if ack_after:
                    report(bool(missing), label + ", its last durable write (a meta page) dropped: the checker "
                           "reports %s" % ((missing or ["nothing"])[0][:120]), problems or ["no problem found"])
                else:
                    print("     %s: the write dropped was no acknowledged commit's meta page (%.1fs)"
                          % (label, time.monotonic() - t0))
            else:
                report(not problems, label + " (%.1fs)" % (time.monotonic() - t0), problems)
    except SystemExit:
        pass
    except Exception:
        import traceback
        report(False, "powerloss", [traceback.format_exc()])
    finally:
        e2e_daemon.stop_all()
        d.cleanup(keep=keep and failed)
        if keep and failed:
            print("    (kept %s)" % d.tmp)
    if drop and passed < 2:
        report(False, "--drop-synced: fewer than one cut dropped an acknowledged commit's meta page "
                      "(use more --cuts)")
    print("powerloss took %.1fs" % (time.monotonic() - t_start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    sys.exit(main(sys.argv[1:]))
