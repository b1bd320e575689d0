#!/usr/bin/python3
"""End-to-end tests of backups that restore (issue 11): `backup` copies the
live database while rectd serves, verifies the copy's whole chain and
records a backup event; `rectd --restore` checks a copy and puts it in
place. Over a real rectd with real ZeroMQ and CURVE keys.

    RECTD=./rectd RECTCTL=./rectctl RECT_TAMPER=build/tools/rect-tamper \\
        /usr/bin/python3 tests/e2e-backup.py [-k TEXT]

Ends with "N passed, M failed".
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import RECTD, Daemon  # noqa: E402

TAMPER = os.environ.get("RECT_TAMPER", "build/tools/rect-tamper")
ADMIN, OWNER, LEADER = "wangyan", "liming", "lijun"


def restore(conf, src, *extra):
    """rectd --restore src -c conf [extra]: (exit status, stdout, stderr)."""
    p = subprocess.run([RECTD, "--restore", src, "-c", conf] + list(extra), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def add(d, ref, user=ADMIN, client=None):
    args = {"ref": ref, "source": "county", "kind": "immediate", "title": "问题 " + ref, "note": "登记"}
    if client:
        return client.call("add", args)["item"]
    return d.call("add", args, user=user)["item"]


class Base:
    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()
        self.work = tempfile.mkdtemp(prefix="rb", dir="/tmp")  # backups live here, outside data_dir

    def teardown(self, keep):
        problems = e2e_runner.stop_daemons(self.daemons, keep, only_running=False)
        if keep != "failed":
            shutil.rmtree(self.work, ignore_errors=True)
        return problems

    def backup(self, path, user=ADMIN):
        with self.d.raw(user, timeout_ms=60000) as c:
            return c.call("backup", {"path": path})

    def refused(self, code, path, user=ADMIN, words=()):
        before = self.d.snapshot()
        with self.d.raw(user) as c:
            rep = c.request("backup", {"path": path})
        check(not rep["ok"], "backup %r by %s must be refused: %r" % (path, user, rep))
        eq(rep["error"]["code"], code, "error code of backup %r" % path)
        for w in words:
            check(w in rep["error"]["message"], "message %r lacks %r" % (rep["error"]["message"], w))
        eq(self.d.snapshot(), before, "a refused backup changes nothing")
        return rep["error"]["message"]

    def second(self):
        """Another Daemon (own folder, endpoint, keys): where a backup is restored."""
        d2 = Daemon()
        self.daemons.append(d2)
        return d2


class Backups(Base):
    def test_backup_while_another_thread_writes_covers_every_acknowledged_write_before_its_head(self):
        d = self.d
        for i in range(20):
            add(d, "B-%02d" % i)
        # some bulk, so that the copy takes a while
        it = add(d, "BIG")
        d.call("assign", {"item": it["id"], "owner": OWNER, "unit": "xiangcun", "leader": LEADER,
                          "deadline": "2099-12-31"}, user=ADMIN)
        d.call("start", {"item": it["id"]}, user=OWNER)
        for k in range(4):
            d.call("evidence", {"item": it["id"], "note": "附件 %d" % k, "files": ["f%d.bin" % k]},
                   user=OWNER, files=[os.urandom(4 << 20)])
        acked, errors, stop = [], [], threading.Event()
        pings = []  # (sent, answered): the loop keeps answering while the copy is made

        def writer():
            with d.raw(ADMIN, timeout_ms=20000) as c:
                n = 0
                while not stop.is_set():
                    try:
                        acked.append(add(d, "W-%04d" % n, client=c))
                    except Exception as e:  # noqa: BLE001
                        errors.append(repr(e))
                        return
                    n += 1

        def pinger():
            with d.raw(OWNER, timeout_ms=20000) as c:
                while not stop.is_set():
                    t0 = time.monotonic()
                    try:
                        c.call("ping")
                    except Exception as e:  # noqa: BLE001
                        errors.append("ping: %r" % e)
                        return
                    pings.append((t0, time.monotonic()))
                    time.sleep(0.01)

        t, tp = threading.Thread(target=writer), threading.Thread(target=pinger)
        t.start()
        tp.start()
        try:
            while len(acked) < 10:
                time.sleep(0.01)
            path = os.path.join(self.work, "b1")
            b0 = time.monotonic()
            res = self.backup(path)
            b1 = time.monotonic()
            time.sleep(0.2)
        finally:
            stop.set()
            t.join()
            tp.join()
        eq(errors, [], "the writer's requests during the backup")
        during = [(s, e) for s, e in pings if s >= b0 and e <= b1]
        slowest = max([e - s for s, e in pings if b0 <= e and s <= b1] or [0])
        # the copy runs on a reader thread: pings are answered while it runs
        check(b1 - b0 < 0.3 or during, "no ping answered during a %.2fs backup" % (b1 - b0))
        check(slowest < max(1.0, (b1 - b0) / 2), "a ping took %.2fs during a %.2fs backup" % (slowest, b1 - b0))
        head = res["head"]["seq"]
        eq(res["events"], head, "events = the head's seq")
        eq(res["path"], path, "path")
        eq(res["file"], path + "/data.mdb", "file")
        check(res["bytes"] > 16 << 20, "the copy holds the evidence blobs (%d bytes)" % res["bytes"])
        check(res["seq"] > head, "the backup event (seq %d) comes after the head it covers (%d)" % (res["seq"], head))
        eq(sorted(os.listdir(path)), ["data.mdb"], "the backup folder holds the copy alone (no lock file)")
        eq(os.stat(path).st_mode & 0o777, 0o700, "a folder made by backup is 0700")
        eq(os.stat(path + "/data.mdb").st_mode & 0o777, 0o600, "the copy is 0600: it holds everything")
        # which acknowledged writes the copy covers: those with their claim at or before the head
        live = {}
        with d.raw() as c:
            for item in acked:
                ev = c.call("history", {"item": item["id"]})["events"]
                live[item["ref"]] = (ev[0]["seq"], c.call("show", {"item": item["id"]})["item"])
        check(any(s <= head for s, _ in live.values()), "some writes before the head")
        # restore into another data dir and look
        d2 = self.second()
        rc, out, err = restore(d2.conf, path)
        eq(rc, 0, "restore exit status (%s)" % err)
        check("%d events verified" % head in out, "restore says what it verified: %r" % out)
        d2.start()
        p = d2.call("ping")
        eq(p["events"], head, "the restored record ends at the backup's head")
        eq(p["head"]["hash"], res["head"]["hash"], "the restored head hash is the backup's")
        got = {it["ref"]: it for it in d2.call("list")["items"]}
        for ref, (seq, item) in live.items():
            if seq <= head:
                check(ref in got, "acknowledged write %s (seq %d <= head %d) is in the copy" % (ref, seq, head))
                eq(d2.call("show", {"item": item["id"]})["item"], item, "item %s as acknowledged" % ref)
            else:
                check(ref not in got, "write %s (seq %d > head %d) is not in the copy" % (ref, seq, head))
        for i in range(20):
            check("B-%02d" % i in got, "B-%02d restored" % i)
        eq(d2.call("audit_verify")["ok"], True, "the restored database verifies")
        with d2.raw() as c:
            f = c.call("show", {"item": it["id"]})
        eq(len(f["evidence"]), 4, "the evidence is restored")
        d2.stop()

    def test_the_backup_event_is_recorded_replayed_and_audited(self):
        d = self.d
        add(d, "E-1")
        path = os.path.join(self.work, "b-event")
        res = self.backup(path)
        evs = [e for e in d.call("inspection_history")["events"] if e["action"] == "backup"]
        check(evs, "a backup event in inspection_history")
        ev = [e for e in evs if e["seq"] == res["seq"]][0]
        eq(ev["item"], 0, "a backup event is about no item")
        eq(ev["actor"], ADMIN, "actor")
        eq(ev["changes"], {"path": [None, path], "head": [None, res["head"]["hash"]],
                           "events": [None, res["events"]]}, "changes")
        a = d.call("audit_verify")
        eq(a["ok"], True, "audit_verify after a backup")
        with d.raw() as c:
            events = rawclient.all_events(c)
        rawclient.verify_chain(events, d.call("ping")["head"])
        rawclient.rebuild_inspections(events)  # accepts the backup event
        if hasattr(rawclient, "rebuild_sign_offs"):
            eq(rawclient.rebuild_sign_offs(events), {}, "a backup signs nothing and touches no inspection")
        # the ledger replays it (ledger walks the chain)
        eq(d.call("ledger", {"seq": res["seq"]})["head"]["seq"], res["seq"], "a ledger cut at the backup event")

    def test_rectctl_backup_says_where_and_what(self):
        path = os.path.join(self.work, "b-ctl")
        r = self.d.ctl("backup", path, json_out=False)
        eq(r.rc, 0, "rectctl backup exit status (%s)" % r.err)
        check("backup written to %s/data.mdb" % path in r.out and "verified" in r.out,
              "rectctl backup output: %r" % r.out)
        check("rectd --restore %s" % path in r.out, "it says how to restore: %r" % r.out)
        r = self.d.ctl("backup", os.path.join(self.work, "b-ctl2"))
        eq(r.rc, 0, "rectctl --json backup")
        eq(r.json()["path"], os.path.join(self.work, "b-ctl2"), "--json result")
        r = self.d.ctl("backup", "--help", json_out=False)
        check("PATH" in r.out and "cp" in r.out, "backup --help: %r" % r.out)

    def test_an_existing_empty_folder_is_used(self):
        path = os.path.join(self.work, "empty")
        os.mkdir(path, 0o750)
        res = self.backup(path)
        eq(sorted(os.listdir(path)), ["data.mdb"], "the copy in the empty folder")
        eq(res["path"], path, "path")

    def test_two_backups_into_one_empty_folder_one_wins_and_its_copy_stays_whole(self):
        path = os.path.join(self.work, "race")
        os.mkdir(path)
        replies = []

        def one():
            with self.d.raw(ADMIN, timeout_ms=60000) as c:
                replies.append(c.request("backup", {"path": path}))

        ts = [threading.Thread(target=one) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        ok = [r for r in replies if r["ok"]]
        eq(len(ok), 1, "one backup wins: %r" % replies)
        bad = [r for r in replies if not r["ok"]][0]["error"]
        eq(bad["code"], "bad_value", "the other is refused (%s)" % bad["message"])
        eq(os.listdir(path), ["data.mdb"], "the winner's copy is there")
        d2 = self.second()
        rc, out, err = restore(d2.conf, path)
        eq(rc, 0, "the winner's copy restores (%s)" % err)

    def test_refusals(self):
        d = self.d
        made = os.path.join(self.work, "done")
        self.backup(made)
        self.refused("permission_denied", os.path.join(self.work, "x1"), user=OWNER, words=(OWNER, "backup"))
        self.refused("permission_denied", os.path.join(self.work, "x2"), user=LEADER)
        check(not os.path.exists(os.path.join(self.work, "x1")), "a refused user made no folder")
        self.refused("bad_value", "relative/backup", words=("not absolute",))
        self.refused("bad_value", "./b", words=("not absolute",))
        # never over an existing database or file
        msg = self.refused("bad_value", made, words=("not empty", "never"))
        check(made in msg, "names the folder: %r" % msg)
        with open(os.path.join(self.work, "a-file"), "w") as f:
            f.write("keep me\n")
        self.refused("bad_value", os.path.join(self.work, "a-file"), words=("not a folder", "never overwrites"))
        with open(os.path.join(self.work, "a-file")) as f:
            eq(f.read(), "keep me\n", "the file is untouched")
        self.refused("bad_value", os.path.join(self.work, "a-file", "sub"))
        # inside data_dir, directly, through .., and through a symbolic link
        self.refused("bad_value", os.path.join(d.data_dir, "bk"), words=("inside data_dir",))
        self.refused("bad_value", d.data_dir, words=("inside data_dir",))
        self.refused("bad_value", os.path.join(self.work, "..", os.path.relpath(d.data_dir, "/tmp"), "bk2"),
                     words=("inside data_dir",))
        link = os.path.join(self.work, "link")
        os.symlink(d.data_dir, link)
        self.refused("bad_value", os.path.join(link, "bk3"), words=("inside data_dir",))
        self.refused("bad_value", "/", words=("not empty",))
        eq(sorted(os.listdir(d.data_dir)), sorted(["data.mdb", "lock.mdb", "rectd.lock"]),
           "nothing was written in data_dir")
        self.refused("bad_value", os.path.join(self.work, "no", "such", "parent"), words=("does not exist",))
        # the arguments themselves
        with d.raw() as c:
            rep = c.request("backup", {})
            eq(rep["error"]["code"], "missing_field", "no path")
            rep = c.request("backup", {"path": 7})
            eq(rep["error"]["code"], "bad_type", "path not a string")
            rep = c.request("backup", {"path": "/tmp/a\nb"})
            eq(rep["error"]["code"], "bad_value", "a path with a line break")


class Restore(Base):
    def test_restore_refuses_a_running_rectd_an_existing_database_and_takes_force(self):
        d = self.d
        add(d, "R-1")
        path = os.path.join(self.work, "r1")
        self.backup(path)
        add(d, "R-2")  # after the backup
        rc, out, err = restore(d.conf, path)
        eq(rc, 1, "restore under a running rectd")
        check("running" in err and "stop it" in err, "message: %r" % err)
        check(d.running(), "rectd keeps running")
        eq(len(d.call("list")["items"]), 2, "nothing changed")
        d.stop()
        rc, out, err = restore(d.conf, path)
        eq(rc, 1, "restore over an existing database without --force")
        check("already holds a database" in err and "--force" in err, "message: %r" % err)
        rc, out, err = restore(d.conf, path + "/data.mdb", "--force")
        eq(rc, 0, "restore --force (%s)" % err)
        kept = [n for n in os.listdir(d.data_dir) if n.startswith("data.mdb.replaced-")]
        eq(len(kept), 1, "the old database is kept beside it")
        check(not os.path.exists(os.path.join(d.data_dir, "restore.tmp")), "no temporary folder left")
        d.start()
        eq([it["ref"] for it in d.call("list")["items"]], ["R-1"], "the record as backed up")
        eq(d.call("audit_verify")["ok"], True, "the restored record verifies")

    def test_a_damaged_copy_is_refused(self):
        d = self.d
        for i in range(3):
            add(d, "D-%d" % i)
        path = os.path.join(self.work, "good")
        self.backup(path)
        bad = os.path.join(self.work, "bad")
        shutil.copytree(path, bad)
        p = subprocess.run([TAMPER, bad, "note", "2"], capture_output=True)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d2 = self.second()
        rc, out, err = restore(d2.conf, bad)
        eq(rc, 1, "a copy whose event 2 was changed")
        check("does not verify" in err and "seq 2" in err and "nothing was restored" in err, "message: %r" % err)
        check(not os.path.exists(os.path.join(d2.data_dir, "data.mdb")), "nothing was put in place")
        # not a database at all; torn; missing
        junk = os.path.join(self.work, "junk")
        os.mkdir(junk)
        with open(os.path.join(junk, "data.mdb"), "wb") as f:
            f.write(os.urandom(65536))
        rc, out, err = restore(d2.conf, junk)
        eq(rc, 1, "random bytes")
        check("not a readable LMDB database" in err, "message: %r" % err)
        torn = os.path.join(self.work, "torn")
        os.mkdir(torn)
        with open(os.path.join(path, "data.mdb"), "rb") as f:
            data = f.read()
        with open(os.path.join(torn, "data.mdb"), "wb") as f:
            f.write(data[: len(data) // 2])
        rc, out, err = restore(d2.conf, torn)
        eq(rc, 1, "half a copy (%s)" % err)
        check("torn" in err or "damaged" in err, "message: %r" % err)
        rc, out, err = restore(d2.conf, os.path.join(self.work, "missing"))
        eq(rc, 1, "a missing copy")
        check("No such file" in err, "message: %r" % err)
        check(not os.path.exists(os.path.join(d2.data_dir, "data.mdb")), "still nothing in place")
        # the good one restores
        rc, out, err = restore(d2.conf, path)
        eq(rc, 0, "the good copy (%s)" % err)

    def test_restore_help_and_usage(self):
        p = subprocess.run([RECTD, "--help"], capture_output=True, text=True)
        check("--restore FROM" in p.stdout, "rectd --help names --restore")
        p = subprocess.run([RECTD, "--restore", "/x", "--check"], capture_output=True, text=True)
        eq(p.returncode, 1, "--restore with --check")


class Forgery(Base):
    def test_a_backup_event_rewritten_with_a_correct_chain_does_not_replay(self):
        d = self.d
        add(d, "F-1")
        res = self.backup(os.path.join(self.work, "f"))
        add(d, "F-2")
        d.stop()
        # the insider's script: drop "head" from the backup event and re-chain everything
        p = subprocess.run([TAMPER, d.data_dir, "rewrite", str(res["seq"]),
                            '{"changes": {"path": [null, "/elsewhere"], "events": [null, 1]}}'],
                           capture_output=True)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        a = d.call("audit_verify")
        eq(a["ok"], False, "audit_verify of a forged backup event")
        eq(a["first_bad_seq"], res["seq"], "first bad seq")
        check("backup event" in a["problem"], "problem: %r" % a["problem"])
        # and a backup of it is refused: the copy does not verify, and is removed
        path = os.path.join(self.work, "f2")
        with d.raw() as c:
            rep = c.request("backup", {"path": path})
        eq(rep["error"]["code"], "internal", "backup of a database that does not verify")
        check("does not verify" in rep["error"]["message"], "message: %r" % rep["error"]["message"])
        check(not os.path.exists(path), "the bad copy was removed")


class ForgedHead(Base):
    def test_a_backup_event_naming_a_head_rectd_never_had_fails_audit(self):
        d = self.d
        add(d, "H-1")
        add(d, "H-2")
        res = self.backup(os.path.join(self.work, "h"))
        eq(d.call("audit_verify")["ok"], True, "the real backup event verifies")
        d.stop()
        forged = "ab" * 32
        p = subprocess.run([TAMPER, d.data_dir, "rewrite", str(res["seq"]),
                            '{"changes": {"path": [null, "%s"], "head": [null, "%s"], "events": [null, %d]}}'
                            % (res["path"], forged, res["events"])], capture_output=True)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        a = d.call("audit_verify")
        eq(a["ok"], False, "a forged head")
        eq(a["first_bad_seq"], res["seq"], "first bad seq")
        check("was not written by rectd" in a["problem"] and forged[:16] in a["problem"], "problem: %r" % a["problem"])


class NoReaders(Base):
    """daemon.read_threads = 0: the backup runs in the loop (documented), and still verifies and records."""

    def setup(self):
        self.d = Daemon({"daemon.read_threads": 0})
        self.daemons.append(self.d)
        self.d.start()
        self.work = tempfile.mkdtemp(prefix="rb", dir="/tmp")

    def test_a_backup_without_reader_threads(self):
        add(self.d, "N-1")
        res = self.backup(os.path.join(self.work, "n"))
        eq(res["events"], 1, "it covers the one event")
        eq(res["seq"], 2, "and is recorded right after it")
        eq(self.d.call("audit_verify")["ok"], True, "audit")
        add(self.d, "N-2")  # the loop goes on writing after it
        eq(self.d.call("ping")["events"], 3, "events")


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-backup", [Backups, Restore, Forgery, ForgedHead, NoReaders], sys.argv[1:]))
