#!/usr/bin/python3
"""End-to-end tests of rectd's robustness (issue 11): one rectd per
endpoint, start-up hygiene (closed fds 0-2, root, a data dir open to others,
SIGHUP), checked arithmetic of outside counts, and failures that stop
loudly (a full disk, a failing fsync).

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-robust.py [-k TEXT]

Ends with "N passed, M failed".
"""

import os
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import LIVE, RECTD, Daemon  # noqa: E402

ADMIN = "wangyan"
TAMPER = os.environ.get("RECT_TAMPER", "build/tools/rect-tamper")


def add(d, ref):
    return d.call("add", {"ref": ref, "source": "county", "kind": "immediate", "title": "问题 " + ref},
                  user=ADMIN)["item"]


def wait_exit(proc, timeout=20):
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("rectd did not exit within %ds" % timeout)


class Base:
    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)


class Endpoint(Base):
    def setup(self):
        super().setup()
        self.others = []

    def teardown(self, keep):
        for o in self.others:
            o.stop()
            o.cleanup(keep=keep == "failed")
        return super().teardown(keep)

    def test_a_second_rectd_on_the_same_endpoint_refuses_and_the_first_keeps_serving(self):
        d = self.d
        for i in range(3):
            add(d, "E-%d" % i)
        d2 = Daemon({"daemon.endpoint": d.endpoint})  # refused: not in self.daemons (its status is 1)
        self.others.append(d2)
        check(d2.data_dir != d.data_dir, "another data dir")
        p = d2.start(wait=False)
        rc = wait_exit(p)
        eq(rc, 1, "the second rectd's exit status")
        err = d2.stderr()
        check("another rectd (pid %d, data_dir %s) is serving %s" % (d.proc.pid, d.data_dir, d.endpoint) in err,
              "the second names the first: %r" % err)
        check(os.path.exists(d.endpoint[6:]), "the first one's socket file is still there")
        eq(len(d.call("list")["items"]), 3, "the first still serves its own data after the second exited")
        eq(d.call("ping")["items"], 3, "ping")

    def test_the_notification_endpoint_is_claimed_too(self):
        d = self.d
        d2 = Daemon({"notify.pub_endpoint": d.cfg["notify"]["pub_endpoint"]})
        self.others.append(d2)
        rc = wait_exit(d2.start(wait=False))
        eq(rc, 1, "a second rectd on the first one's pub endpoint")
        check("is serving %s" % d.cfg["notify"]["pub_endpoint"] in d2.stderr(), "message: %r" % d2.stderr())
        check(not os.path.exists(d2.endpoint[6:]), "it left no socket file of its own")
        d.call("ping")

    def test_a_stale_socket_file_of_a_dead_rectd_is_replaced(self):
        d = self.d
        add(d, "S-1")
        n = d.call("ping")["items"]
        d.kill9()
        check(os.path.exists(d.endpoint[6:]), "kill -9 leaves the socket file")
        d.start()
        check("replacing the socket file %s" % d.endpoint[6:] in d.stderr(), "logged: %r" % d.stderr())
        eq(len(d.call("list")["items"]), n, "served again")

    def test_a_listener_that_is_no_rectd_is_not_bound_over(self):
        d = self.d
        d.stop()
        path = d.endpoint[6:]
        if os.path.exists(path):
            os.remove(path)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(path)
            s.listen(1)
            p = d.start(wait=False)
            eq(wait_exit(p), 1, "rectd refuses a live listener")
            check("something already accepts connections on %s" % path in d.stderr(), "message: %r" % d.stderr())
            check(os.path.exists(path), "the listener's socket file stays")
        finally:
            s.close()
        os.remove(path)
        d.start()


class StartUp(Base):
    def _fds(self, pid):
        return {fd: os.readlink("/proc/%d/fd/%d" % (pid, fd)) for fd in (0, 1, 2)}

    def _start_closed(self, d, extra=()):
        argv = [RECTD, "-c", d.conf] + list(extra)

        def close_std():
            for fd in (0, 1, 2):
                os.close(fd)

        p = subprocess.Popen(argv, preexec_fn=close_std, close_fds=True)
        LIVE.add(p)
        d.proc = p
        return p

    def test_started_with_fds_0_to_2_closed_it_logs_to_data_dir_rectd_log(self):
        d = self.d
        d.stop()
        p = self._start_closed(d)
        d.wait_ready()
        fds = self._fds(p.pid)
        eq(fds[0], "/dev/null", "fd 0")
        eq(fds[1], "/dev/null", "fd 1")
        log = os.path.join(d.data_dir, "rectd.log")
        eq(fds[2], log, "fd 2")
        add(d, "L-1")
        eq(d.stop(), 0, "a clean stop")
        with open(log, encoding="utf-8") as f:
            text = f.read()
        check("serving %s" % d.endpoint in text, "the start line is logged: %r" % text)
        check(" add item 1: ok" in text, "the write is logged: %r" % text)
        check("stopped" in text, "the stop is logged")
        eq(stat.S_IMODE(os.stat(log).st_mode), 0o600, "the log file's mode")
        d.start()

    def test_log_file_option(self):
        d = self.d
        d.stop()
        log = os.path.join(d.tmp, "other.log")
        p = self._start_closed(d, ["--log-file", log])
        d.wait_ready()
        eq(self._fds(p.pid)[2], log, "fd 2 is the --log-file")
        d.stop()
        with open(log, encoding="utf-8") as f:
            check("serving" in f.read(), "logged there")
        d.start()
        r = subprocess.run([RECTD, "-c", d.conf, "--check", "--log-file", "/nonexistent/dir/x.log"],
                           capture_output=True, text=True)
        eq(r.returncode, 0, "--check ignores --log-file")

    def test_root_is_warned_about(self):
        if os.geteuid() != 0:
            raise e2e_runner.Skip("not root")
        check("warning: running as root" in self.d.stderr(), "warned: %r" % self.d.stderr()[:500])

    def test_a_data_dir_open_to_others_is_tightened_and_a_shared_one_refused(self):
        d = self.d
        d.stop()
        os.chmod(d.data_dir, 0o777)
        d.start()
        eq(stat.S_IMODE(os.stat(d.data_dir).st_mode), 0o755, "tightened")
        check("data_dir %s was writable by group or others (mode 0777): tightened to 0755" % d.data_dir
              in d.stderr(), "logged: %r" % d.stderr())
        d.stop()
        os.chmod(d.data_dir, 0o1777)
        p = d.start(wait=False)
        eq(wait_exit(p), 1, "a sticky, world-writable data_dir")
        check("is writable by others (mode 1777" in d.stderr(), "message: %r" % d.stderr())
        eq(stat.S_IMODE(os.stat(d.data_dir).st_mode), 0o1777, "a shared folder is not changed")
        os.chmod(d.data_dir, 0o700)
        d.start()

    def test_sighup_never_kills_rectd(self):
        d = self.d
        d.stop()
        # as soon as rectd's code runs (SIGHUP caught: /proc's SigCgt), during start-up, and while serving
        p = d.start(wait=False)
        t0 = time.monotonic()
        caught = 0
        while not caught and time.monotonic() - t0 < 10:
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    for line in f:
                        if line.startswith("SigCgt:"):
                            caught = int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1))
            except FileNotFoundError:
                break
        check(caught, "rectd catches SIGHUP")
        for _ in range(30):
            if p.poll() is not None:
                break
            p.send_signal(signal.SIGHUP)
            time.sleep(0.005)
        d.wait_ready()
        check(p.poll() is None, "alive after SIGHUPs during start-up")
        for _ in range(5):
            p.send_signal(signal.SIGHUP)
            time.sleep(0.05)
        d.call("ping")
        check(p.poll() is None, "alive after SIGHUPs while serving")
        check("reloaded" in d.stderr(), "SIGHUP reloads")


class Arithmetic(Base):
    BIG = 2 ** 63 - 1

    def refused(self, cmd, args, words=()):
        before = self.d.snapshot()
        self.n = getattr(self, "n", 0) + 1
        with self.d.raw(ADMIN) as c:
            rep = c.request(cmd, args, seq=self.n)
        check(not rep["ok"], "%s %r must be refused" % (cmd, args))
        eq(rep["error"]["code"], "bad_value", "error code")
        for w in words:
            check(w in rep["error"]["message"], "message %r lacks %r" % (rep["error"]["message"], w))
        eq(self.d.snapshot(), before, "nothing changed")

    def test_counts_from_outside_are_bounded_and_their_sums_checked(self):
        d = self.d
        for n in (self.BIG, 1000001, 2 ** 31):
            self.refused("inspection_add", {"name": "I0", "title": "题", "fed_back": {"national": n}},
                         words=("fed_back.national is %d" % n, "at most 1000000"))
        self.refused("inspection_add", {"name": "I0", "title": "题", "fed_back": {"national": -1}},
                     words=("0 or more",))
        with d.raw(ADMIN) as c:
            for i, fb in enumerate(({"national": 1000000}, {"national": 1000000, "region": 3})):
                rep = c.request("inspection_add", {"name": "I%d" % (i + 1), "title": "题", "fed_back": fb},
                                seq=100 + i)
                check(rep["ok"], "inspection_add I%d: %r" % (i + 1, rep))
        self.refused("inspection_update", {"name": "I2", "fed_back": {"national": self.BIG}}, words=("at most",))
        fed = {s["id"]: s["fed_back"] for s in d.call("ledger", {})["summary"]["sources"]}
        eq(fed["national"], 2000000, "the sum of the largest counts")
        eq(fed["region"], 3, "region")
        # counts recorded behind rectd's back (or before the bound): the sum is refused, never wrapped to -2
        seqs = {e["changes"]["name"][1]: e["seq"] for e in d.call("inspection_history")["events"]
                if e["action"] == "inspection"}
        d.stop()
        for name in ("I1", "I2"):
            p = subprocess.run([TAMPER, d.data_dir, "rewrite", str(seqs[name]),
                                '{"changes": {"name": [null, "%s"], "title": [null, "x"], '
                                '"fed_back": [null, {"national": %d}]}}' % (name, self.BIG)],
                               capture_output=True)
            eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        with d.raw() as c:
            rep = c.request("ledger", {})
        check(not rep["ok"], "a ledger whose sums overflow is refused: %r" % str(rep)[:300])
        eq(rep["error"]["code"], "internal", "code")
        check("do not add up" in rep["error"]["message"], "message: %r" % rep["error"]["message"])
        one = d.call("ledger", {"inspection": "I1"})["summary"]["sources"]
        eq([s["fed_back"] for s in one if s["id"] == "national"], [self.BIG], "one record is shown as stored")


SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Fail fsync, fdatasync and msync with EIO while the file $RECT_SYNC_FAIL_FILE
 * exists, or on the k-th call of them all ($RECT_SYNC_FAIL_AT). */
static int s_fail(void)
{
    static long calls;
    const char *f = getenv("RECT_SYNC_FAIL_FILE"), *k = getenv("RECT_SYNC_FAIL_AT");
    long n = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
    if ((f && access(f, F_OK) == 0) || (k && n == atol(k))) {
        errno = EIO;
        return 1;
    }
    return 0;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (s_fail())
        return -1;
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (s_fail())
        return -1;
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return real(fd);
}

int msync(void *addr, size_t len, int flags)
{
    static int (*real)(void *, size_t, int);
    if (s_fail())
        return -1;
    if (!real)
        real = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "msync");
    return real(addr, len, flags);
}
"""


def start_with_env(d, extra):
    """d.start() with extra environment variables for rectd alone."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        return d.start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Failures(Base):
    def setup(self):
        super().setup()
        self.mounts = []

    def teardown(self, keep):
        problems = e2e_runner.stop_daemons(self.daemons, keep, only_running=False)
        for m in self.mounts:
            subprocess.run(["umount", "-l", m], capture_output=True)
            try:
                os.rmdir(m)
            except OSError:
                pass
        return problems

    def test_a_full_disk_is_storage_full_saying_disk_full_and_loses_nothing(self):
        mnt = os.path.join(self.d.tmp, "small")
        os.mkdir(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", mnt], capture_output=True)
        if r.returncode != 0:
            raise e2e_runner.Skip("cannot mount a tmpfs: %s" % r.stderr.decode())
        self.mounts.append(mnt)
        self.d.stopped_on_purpose = True
        self.d.stop()
        d = Daemon({"daemon.data_dir": os.path.join(mnt, "data")})
        self.daemons.append(d)
        d.start()
        acked, full = [], None
        with d.raw(ADMIN) as c:
            for i in range(200):
                args = {"ref": "F-%03d" % i, "source": "county", "kind": "immediate", "title": "满",
                        "description": ("%03d" % i) * 20000}
                rep = c.request("add", args)
                if not rep["ok"]:
                    full = rep["error"]
                    break
                acked.append(args["ref"])
        check(full is not None, "the 3 MiB disk filled up")
        eq(full["code"], "storage_full", "a full disk is storage_full (%s)" % full)
        check("disk full" in full["message"] and "nothing was changed" in full["message"],
              "message: %r" % full["message"])
        check("disk full" in d.stderr(), "logged: %r" % d.stderr()[-600:])
        check(len(acked) >= 5, "some writes fitted")
        eq([it["ref"] for it in d.call("list")["items"]], acked, "reads go on; exactly the acknowledged writes")
        eq(d.stop(), 0, "a clean stop")
        d.start()
        eq([it["ref"] for it in d.call("list")["items"]], acked, "after a restart: exactly the acknowledged writes")
        eq(d.call("audit_verify")["ok"], True, "the record verifies")
        # a backup to the full disk says disk full too, and leaves nothing behind
        with d.raw(ADMIN) as c:
            rep = c.request("backup", {"path": os.path.join(mnt, "bk")})
        eq(rep["error"]["code"], "storage_full", "a backup onto a full disk")
        check("disk full" in rep["error"]["message"], "message: %r" % rep["error"]["message"])
        check(not os.path.exists(os.path.join(mnt, "bk")), "the partial copy was removed")
        d.stop()
        self.d.start()

    def test_a_failing_fsync_stops_rectd_loudly_without_acknowledging(self):
        d = self.d
        d.stopped_on_purpose = True
        d.stop()
        src, lib = os.path.join(d.tmp, "shim.c"), os.path.join(d.tmp, "shim.so")
        with open(src, "w") as f:
            f.write(SHIM)
        r = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", lib, src, "-ldl"], capture_output=True)
        eq(r.returncode, 0, "building the shim: %s" % r.stderr)
        trigger = os.path.join(d.tmp, "fail-now")
        env = {"LD_PRELOAD": lib, "RECT_SYNC_FAIL_FILE": trigger,
               "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")}
        start_with_env(d, env)
        n0 = d.call("ping")["items"]
        c = d.raw(ADMIN, timeout_ms=3000, client_id="shim-client")
        acked = []
        for i in range(1, 6):
            rep = c.request("add", {"ref": "S-%d" % i, "source": "county", "kind": "immediate", "title": "同步"},
                            seq=i)
            check(rep["ok"], "write %d: %r" % (i, rep))
            acked.append("S-%d" % i)
        with open(trigger, "w"):
            pass
        lost = {"ref": "S-6", "source": "county", "kind": "immediate", "title": "未确认"}
        try:
            rep = c.request("add", lost, seq=6)
            raise AssertionError("a write whose fsync failed was answered: %r" % rep)
        except Exception as e:  # noqa: BLE001
            check(type(e).__name__ == "NoReply", "no reply, got %r" % e)
        c.close()
        rc = wait_exit(d.proc)
        eq(rc, 3, "rectd's exit status after a failed fsync")
        err = d.stderr()
        check("FATAL: a commit to %s failed (Input/output error)" % d.data_dir in err, "logged: %r" % err[-800:])
        check(" add " not in err.split("FATAL")[-1], "the failed write was not logged as done")
        os.remove(trigger)
        d.start()
        refs = [it["ref"] for it in d.call("list")["items"]]
        eq(refs[n0:], acked, "after the restart: exactly the acknowledged writes")
        eq(d.call("audit_verify")["ok"], True, "the record verifies")
        # the client's retry of the unanswered write is applied once
        with d.raw(ADMIN, client_id="shim-client") as c2:
            first = c2.request("add", lost, seq=6)
            again = c2.request("add", lost, seq=6)
        check(first["ok"], "the retry is applied: %r" % first)
        eq(again, first, "a second retry gets the same answer")
        eq([it["ref"] for it in d.call("list")["items"]][n0:], acked + ["S-6"], "applied once")

    def test_the_kth_sync_failing_at_start_up_stops_rectd_too(self):
        d = self.d
        d.stopped_on_purpose = True
        d.stop()
        lib = os.path.join(d.tmp, "shim.so")
        if not os.path.exists(lib):
            raise e2e_runner.Skip("needs the shim of the test before")
        d2 = Daemon()
        self.daemons.append(d2)
        saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "RECT_SYNC_FAIL_AT")}
        os.environ.update({"LD_PRELOAD": lib, "RECT_SYNC_FAIL_AT": "1"})
        try:
            p = d2.start(wait=False)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        rc = wait_exit(p)
        check(rc != 0, "a failed first sync (creating the database) stops rectd: %s" % rc)
        self.daemons.remove(d2)
        d2.cleanup()
        d.start()


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-robust", [Endpoint, StartUp, Arithmetic, Failures], sys.argv[1:]))
