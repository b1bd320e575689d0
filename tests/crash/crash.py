#!/usr/bin/python3
"""tests/crash/crash.py - kill -9 rectd at random moments under concurrent
writers; after every restart, every acknowledged write is there exactly once.

    RECTD=./rectd RECTCTL=./rectctl RECT_TAMPER=build/tools/rect-tamper \\
        /usr/bin/python3 tests/crash/crash.py [--rounds N] [--seed S] [--keep]

Five writers, each a user with its own CURVE key and its own idempotency
`client` id (tests/rawclient.py), work items through the whole lifecycle at
once: wangyan adds items and imports CSV plans (admin), lijun assigns them
(leader), liming starts them and files evidence with a file (owner), maqing
verifies them (verifier), zhanghua closes them (admin). Every write carries a
unique token (the item's ref, or its note / opinion). A write is acknowledged
when its ok reply arrives; a write whose reply did not come (rectd killed) is
resent with the same client and seq until a reply comes (the Lazy Pirate of
PROTOCOL.md): it must then be applied once, whether or not the first send
was committed (DESIGN.md, "Idempotency").

Each round: the writers run for a random 0.3-1.5 s, rectd gets SIGKILL, then
with rectd dead `mdb_stat -efa` and `mdb_dump -a` must read the environment
without error; rectd restarts, the writers resolve their writes in doubt and
pause, and the checker asks rectd:
  - audit_verify passes, given the signed anchor of the previous round (so
    a rollback or a truncation of what was acknowledged fails it too);
  - the events form the documented hash chain (rawclient.verify_chain) and
    rebuild the items `list` returns (rawclient.rebuild_items);
  - every acknowledged write's event is there exactly once (a claim by ref,
    the others by action and token), an evidence file with the SHA-256 of
    the bytes sent, and no token is there twice;
  - a resend of acknowledged writes (the last of each writer and every one
    resolved after the kill) gets the stored reply byte for byte and
    changes nothing.
Then the checker is shown to fail when it should, on a copy of the data: an
acknowledged event deleted (rect-tamper truncate) and an event applied twice
(rect-tamper rewrite: another event's token) must each be reported.
Each round and each self-check is one test; ends with "N passed, M failed".
"""

import hashlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import rawclient  # noqa: E402
import e2e_daemon  # noqa: E402
from e2e_daemon import Daemon  # noqa: E402

DEADLINE = "2027-06-30"
RECT_TAMPER = os.path.abspath(os.environ.get("RECT_TAMPER") or
                              os.path.join(e2e_daemon.REPO, "build/tools/rect-tamper"))
# Seconds each writer waits between two steps.
PAUSE = 0.01
# Writers stop adding when this many items wait for the next step.
BACKLOG = 12


class Ack:
    """One write and what became of it."""

    def __init__(self, writer, seq, cmd, token, frame, files, action, sha=None):
        self.writer, self.seq, self.cmd, self.token = writer, seq, cmd, token
        self.frame, self.files, self.action, self.sha = frame, files, action, sha
        self.reply = None  # the reply bytes, once it came
        self.in_doubt = False  # a send got no reply (rectd was killed)
        self.round = None


class Writer(threading.Thread):
    """One user's client: takes work from its queue, writes, passes it on."""

    def __init__(self, run, name, user, step):
        super().__init__(daemon=True, name=name)
        self.run_, self.user, self.step = run, user, step
        self.client_id = "crash-%s-%d" % (name, run.seed)
        self.seq = 0
        self.busy = False
        self.client = None
        self.error = None

    def run(self):
        try:
            self.client = rawclient.Client(self.run_.d.endpoint, self.user, timeout_ms=1500,
                                           client_id=self.client_id)
            while not self.run_.stop.is_set():
                if not self.run_.go.wait(0.1):
                    continue
                self.busy = True
                try:
                    if self.run_.go.is_set():
                        self.step(self)
                finally:
                    self.busy = False
                # A pause between writes keeps the record growing slowly, so
                # that 200 rounds of full checks stay affordable.
                time.sleep(PAUSE)
        except Exception as e:  # a refusal or a broken reply: the round fails
            import traceback
            self.error = "%s: %s\n%s" % (self.name, e, traceback.format_exc())
            self.busy = False
        finally:
            if self.client:
                self.client.close()

    def write(self, cmd, args, token, action, files=()):
        """Send cmd until a reply comes; the Ack (raises on a refusal)."""
        self.seq += 1
        req = {"v": 1, "cmd": cmd, "user": self.user, "client": self.client_id,
               "seq": self.seq, "args": args}
        frame = json.dumps(req, ensure_ascii=False).encode("utf-8")
        sha = hashlib.sha256(files[0]).hexdigest() if cmd == "evidence" else None
        ack = Ack(self.name, self.seq, cmd, token, frame, list(files), action, sha)
        with self.run_.lock:
            self.run_.sent.append(ack)
        while True:
            try:
                raw = self.client.send_raw(frame, *ack.files)
                break
            except rawclient.NoReply:
                ack.in_doubt = True
                if self.run_.stop.is_set():
                    raise
        reply = rawclient.parse_reply(raw)
        if not reply["ok"]:
            raise AssertionError("%s seq %d (%s) refused: %s" % (cmd, self.seq, token, reply["error"]))
        ack.reply = raw
        ack.round = self.run_.round
        return reply["result"]


def take(q):
    try:
        return q.get(timeout=0.05)
    except queue.Empty:
        return None


class Run:
    def __init__(self, rounds, seed, keep):
        self.rounds, self.seed, self.keep = rounds, seed, keep
        self.rng = random.Random(seed)
        self.d = Daemon({"daemon.reply_cache": 10000000})
        self.go, self.stop, self.lock = threading.Event(), threading.Event(), threading.Lock()
        self.sent = []
        self.round = 0
        self.anchor = None
        self.n = 0  # tokens made
        self.q = {k: queue.Queue() for k in ("claimed", "assigned", "evidenced", "verified")}
        self.passed = self.failed = 0

    def token(self, what):
        with self.lock:
            self.n += 1
            return "%s-%d-%d" % (what, self.seed, self.n)

    # -- the writers' steps ---------------------------------------------------
    def step_admin(self, w):
        if self.q["claimed"].qsize() >= BACKLOG:
            time.sleep(0.05)
            return
        if w.seq % 4 == 3:  # an import of a plan of three claimed rows
            refs = [self.token("IM") for _ in range(3)]
            csv = "编号,问题来源,整改类型,问题\n" + "".join(
                "%s,national,immediate,导入问题 %s\n" % (r, r) for r in refs)
            res = w.write("import", {}, refs, "claim", files=[csv.encode("utf-8")])
            if res["imported"] != 3 or len(res["ids"]) != 3:
                raise AssertionError("import of %s: %r" % (refs, res))
            for i in res["ids"]:
                self.q["claimed"].put(i)
        else:
            ref = self.token("CR")
            res = w.write("add", {"ref": ref, "source": "county", "kind": "immediate",
                                  "title": "问题 " + ref, "note": ref}, [ref], "claim")
            self.q["claimed"].put(res["item"]["id"])

    def step_leader(self, w):
        item = take(self.q["claimed"])
        if item is None:
            return
        tok = self.token("AS")
        w.write("assign", {"item": item, "owner": "liming", "unit": "cun1", "leader": "lijun",
                           "deadline": DEADLINE, "note": tok}, [tok], "assign")
        self.q["assigned"].put(item)

    def step_owner(self, w):
        item = take(self.q["assigned"])
        if item is None:
            return
        tok = self.token("ST")
        w.write("start", {"item": item, "note": tok}, [tok], "start")
        tok = self.token("EV")
        blob = tok.encode() + b"\n" + os.urandom(self.rng.randint(1, 48) * 1024)
        w.write("evidence", {"item": item, "note": tok, "files": ["%s.bin" % tok]}, [tok],
                "evidence", files=[blob])
        self.q["evidenced"].put(item)

    def step_verifier(self, w):
        item = take(self.q["evidenced"])
        if item is None:
            return
        tok = self.token("VE")
        w.write("verify", {"item": item, "result": "pass", "opinion": tok}, [tok], "verify")
        self.q["verified"].put(item)

    def step_closer(self, w):
        item = take(self.q["verified"])
        if item is None:
            return
        tok = self.token("CL")
        w.write("close", {"item": item, "note": tok}, [tok], "close")

    # -- checks ---------------------------------------------------------------
    def tools_read(self):
        """mdb_stat and mdb_dump read the environment rectd left (rectd dead)."""
        problems = []
        for argv in (["mdb_stat", "-efa", self.d.data_dir], ["mdb_dump", "-a", self.d.data_dir]):
            p = subprocess.run(argv, stdout=subprocess.PIPE if argv[0] == "mdb_stat" else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=120)
            if p.returncode != 0 or p.stderr.strip():
                problems.append("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                     p.stderr.decode("utf-8", "replace")[-500:]))
        return problems

    def check(self, acks, resend=()):
        """What rectd holds against what was acknowledged: a list of problems."""
        problems = []
        with rawclient.Client(self.d.endpoint, "wangyan", timeout_ms=60000) as c:
            av = c.call("audit_verify", {"anchor": self.anchor} if self.anchor else {})
            if not av["ok"] or (self.anchor and not av["anchor"]["ok"]):
                problems.append("audit_verify: %s (first bad seq %s, anchor %s)"
                                % (av["problem"], av["first_bad_seq"], av["anchor"]))
            head = c.call("ping")["head"]
            events = rawclient.all_events(c)
            try:
                rawclient.verify_chain(events, head)
            except rawclient.ChainError as e:
                problems.append("chain: %s" % e)
            got = {i["id"]: {k: v for k, v in i.items() if k not in rawclient.ITEM_FACTS}
                   for i in rawclient.list_all(c)}
            want = rawclient.rebuild_items(events)
            bad = [i for i in sorted(set(got) | set(want)) if got.get(i) != want.get(i)]
            if bad:
                problems.append("items %s differ from the replay of their events" % bad[:10])
            # Every token an event holds, and where.
            seen = {}
            for ev in events:
                if ev["action"] == "claim":
                    key = ("claim", ev["changes"]["ref"][1])
                else:
                    key = (ev["action"], ev.get("comment"))
                seen.setdefault(key, []).append(ev)
            tokens = {t for a in self.sent for t in a.token}
            for key, evs in seen.items():
                if len(evs) > 1 and key[1] in tokens:
                    problems.append("%s %s applied %d times (seq %s)"
                                    % (key[0], key[1], len(evs), [e["seq"] for e in evs]))
            for a in acks:
                for tok in a.token:
                    evs = seen.get((a.action, tok), [])
                    if len(evs) != 1:
                        problems.append("acknowledged %s %s (%s seq %d, round %s%s) is there %d times"
                                        % (a.cmd, tok, a.writer, a.seq, a.round,
                                           ", in doubt" if a.in_doubt else "", len(evs)))
                    elif a.sha and [f.get("sha256") for f in evs[0].get("files", [])] != [a.sha]:
                        problems.append("evidence %s: files %r, sent sha256 %s"
                                        % (tok, evs[0].get("files"), a.sha))
            before = c.call("ping")["head"]
            for a in resend:
                raw = c.send_raw(a.frame, *a.files)
                if raw != a.reply:
                    problems.append("resent %s seq %d (%s): reply %r, first %r"
                                    % (a.cmd, a.seq, a.token, raw[:200], a.reply[:200]))
            if c.call("ping")["head"] != before:
                problems.append("resending %d acknowledged writes changed the head" % len(resend))
            if not problems:
                self.anchor = c.call("audit_anchor")
        return problems, len(events)

    # -- rounds ---------------------------------------------------------------
    def wait_idle(self, timeout=120):
        t0 = time.monotonic()
        while any(w.busy for w in self.writers):
            if time.monotonic() - t0 > timeout:
                return False
            time.sleep(0.02)
        return True

    def report(self, ok, label, problems=(), t0=None):
        took = " (%.1fs)" % (time.monotonic() - t0) if t0 is not None else ""
        if ok:
            self.passed += 1
            print("ok   %s%s" % (label, took))
        else:
            self.failed += 1
            print("FAIL %s%s" % (label, took))
            for p in list(problems)[:20]:
                print("    " + p.replace("\n", "\n    "))
        sys.stdout.flush()

    def one_round(self):
        self.round += 1
        t0 = time.monotonic()
        n_before = len(self.sent)
        self.go.set()
        run_for = self.rng.uniform(0.3, 1.5)
        time.sleep(run_for)
        self.d.kill9()
        self.go.clear()
        problems = self.tools_read()
        self.d.start()
        if not self.wait_idle():
            problems.append("the writers did not get their replies within 120 s of the restart")
        problems += [w.error for w in self.writers if w.error]
        with self.lock:
            acks = [a for a in self.sent if a.reply is not None]
            fresh = self.sent[n_before:]
        doubt = [a for a in fresh if a.in_doubt]
        last = {}
        for a in acks:
            last[a.writer] = a
        more, n_events = self.check(acks, resend=doubt + list(last.values()))
        problems += more
        label = ("round %d: SIGKILL after %.2fs, %d writes acknowledged (%d resent after the kill), "
                 "%d events in all, audit_verify, mdb_stat and mdb_dump clean"
                 % (self.round, run_for, len(fresh), len(doubt), n_events))
        self.report(not problems, label, problems, t0)
        return not problems

    def self_check(self):
        """The checker must fail on a lost write and on a write applied twice."""
        with self.lock:
            acks = [a for a in self.sent if a.reply is not None]
        anchor = self.anchor
        self.d.stop()
        saved = self.d.data_dir + ".saved"
        shutil.copytree(self.d.data_dir, saved)
        cases = []
        # 1. the last acknowledged event deleted, the head set back to match
        self.d.start()
        with rawclient.Client(self.d.endpoint, "wangyan") as c:
            head = c.call("ping")["head"]["seq"]
            evs = rawclient.all_events(c)
        self.d.stop()
        cases.append(("an acknowledged write deleted (rect-tamper truncate %d)" % (head - 1),
                      ["truncate", str(head - 1)], "there 0 times"))
        # 2. one event rewritten to carry another acknowledged event's token
        notes = [e for e in evs if e["action"] == "start" and e.get("comment")]
        if len(notes) >= 2:
            cases.append(("a write applied twice (rect-tamper rewrite of seq %d with the token of seq %d)"
                          % (notes[-1]["seq"], notes[0]["seq"]),
                          ["rewrite", str(notes[-1]["seq"]), json.dumps({"comment": notes[0]["comment"]})],
                          "applied 2 times"))
        for label, argv, want in cases:
            t0 = time.monotonic()
            shutil.rmtree(self.d.data_dir)
            shutil.copytree(saved, self.d.data_dir)
            p = subprocess.run([RECT_TAMPER, self.d.data_dir] + argv, stderr=subprocess.PIPE)
            if p.returncode != 0:
                self.report(False, "the checker finds %s" % label, [p.stderr.decode()], t0)
                continue
            self.d.start()
            self.anchor = None  # the chain alone (the anchor would catch a truncation first)
            problems, _ = self.check(acks)
            self.d.stop()
            found = [p for p in problems if want in p]
            self.report(bool(found), "the checker finds %s: %s" % (label, (found or ["nothing"])[0][:160]),
                        ["the checker said: %r" % problems[:5]], t0)
        shutil.rmtree(self.d.data_dir)
        shutil.move(saved, self.d.data_dir)
        self.anchor = anchor
        t0 = time.monotonic()
        self.d.start()
        problems, _ = self.check(acks)
        self.report(not problems, "and passes again on the data as it was", problems, t0)

    def main(self):
        print("crash: rectd=%s, %d rounds, seed %d" % (e2e_daemon.RECTD, self.rounds, self.seed))
        t_start = time.monotonic()
        try:
            self.d.start()
            self.writers = [Writer(self, "admin", "wangyan", self.step_admin),
                            Writer(self, "leader", "lijun", self.step_leader),
                            Writer(self, "owner", "liming", self.step_owner),
                            Writer(self, "verifier", "maqing", self.step_verifier),
                            Writer(self, "closer", "zhanghua", self.step_closer)]
            for w in self.writers:
                w.start()
            for _ in range(self.rounds):
                if not self.one_round():
                    break  # the data is suspect from here on
            self.stop.set()
            for w in self.writers:
                w.join(5)
            self.self_check()
            rc = self.d.stop()
            reports = self.d.new_sanitizer_reports()
            self.report(rc == 0 and not reports, "rectd stops on SIGTERM with status 0 and no sanitizer report",
                        ["exit status %s" % rc] + reports)
        except Exception:
            import traceback
            self.report(False, "crash test", [traceback.format_exc()])
        finally:
            self.stop.set()
            e2e_daemon.stop_all()
            keep = self.keep and self.failed
            self.d.cleanup(keep=keep)
            if keep:
                print("    (kept %s)" % self.d.tmp)
        with self.lock:
            n = sum(1 for a in self.sent if a.reply is not None)
        print("crash took %.1fs: %d acknowledged writes, %d resent after a kill"
              % (time.monotonic() - t_start, n, sum(1 for a in self.sent if a.in_doubt)))
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def main(argv):
    rounds, seed, keep = 20, None, False
    it = iter(argv)
    for a in it:
        if a == "--rounds":
            rounds = int(next(it))
        elif a == "--seed":
            seed = int(next(it))
        elif a == "--keep":
            keep = True
        else:
            print("usage: crash.py [--rounds N] [--seed S] [--keep]", file=sys.stderr)
            return 1
    if seed is None:
        seed = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1 << 30))
    for k in ("LANGUAGE", "LC_MESSAGES", "LANG"):
        os.environ.pop(k, None)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    return Run(rounds, seed, keep).main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
