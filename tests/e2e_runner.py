"""The runner every end-to-end suite (tests/e2e*.py) shares.

    import e2e_runner
    sys.exit(e2e_runner.main("e2e-foo", [FixtureA, FixtureB], sys.argv[1:]))

Command line: [-k TEXT] [-x] [--keep] (plus the suite's own switches, see
flags). -k runs only the tests whose "Class.test_name" contains TEXT; -x
stops after the first failing test; --keep keeps the temporary folders (a
fixture's teardown decides which).

A fixture is a class. The runner makes one instance per class, sets
fx.daemons = [] and fx.args (the parsed command line), calls fx.setup(), then
each selected test_* method in the order written (or order(names)), then
fx.teardown(keep) -> list of problems found while stopping rectd (keep:
"failed" keep the folders, "if-problems" keep them only if there are
problems, "no"). stop_daemons() is the usual teardown.

Around every test: rectd (fx.daemons[0]) must be running before it and must
not die during it unless the test set stopped_on_purpose on it, and any
sanitizer report that appeared in the stderr of any of fx.daemons fails it.
A test (or setup) that raises Skip counts neither as passed nor failed.
The stop of each fixture is one more check: "FAIL" if teardown found
problems, else "ok" (counted as a pass when count_clean_stop).

Each test prints "ok   LABEL (time)", "FAIL LABEL (time)" and the indented
reason, or "SKIP: LABEL: reason"; the last line is "N passed, M failed";
exit status 1 if anything failed.
"""

import concurrent.futures
import os
import signal
import sys
import threading
import time
import traceback
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_daemon  # noqa: E402
from e2e_daemon import stop_all  # noqa: E402

STOP_LABEL = "rectd stops on SIGTERM with status 0 and no sanitizer report"


class Failure(AssertionError):
    """A test's expectation was not met."""


def short(v, n=1500):
    """repr(v), cut at n characters: failure messages stay readable."""
    s = repr(v)
    return s if len(s) <= n else s[:n] + "…"


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def eq(got, want, what):
    if got != want:
        raise Failure("%s: got %s, want %s" % (what, short(got), short(want)))


class Skip(Exception):
    """A feature that is not built yet: the test is neither passed nor failed."""


def stop_daemons(daemons, keep, scan=True, only_running=True, say_kept=False):
    """Stop every rectd of a fixture and clean up; return the problems: an
    exit status other than 0 on SIGTERM, and (scan) sanitizer reports.
    only_running: leave a rectd that is not running (a test stopped or
    killed it) out of the status check. keep as for Fixture.teardown."""
    problems = []
    for d in daemons:
        if not only_running or d.running():
            rc = d.stop()
            if rc not in (0, None):
                problems.append("rectd (%s) exited with status %s on SIGTERM\n%s"
                                % (d.tmp, rc, d.stderr()[-3000:]))
        if scan:
            problems += d.new_sanitizer_reports()
    kept = keep == "failed" or (keep == "if-problems" and bool(problems))
    for d in daemons:
        d.cleanup(keep=kept)
        if kept and say_kept:
            print("    (kept %s)" % d.tmp)
    return problems


def _title(name):
    return name[len("test_"):].replace("_", " ")


def _indent(text):
    return "\n".join("    " + line for line in text.rstrip().split("\n"))


def _sanitizer_reports(fx):
    found = []
    for d in fx.daemons:
        found += d.new_sanitizer_reports()
    return found


def run_fixture(cls, args, stop, out, setup_failure="each", order=None, count_clean_stop=True):
    """Run one fixture class, writing its lines with out(line); return
    (passed, failed, skipped, failures). stop: a threading.Event; once set,
    no further test starts (set here on a failure when -x).
    setup_failure: "each" fails every selected test with the setup's
    traceback, "once" reports it as one failure and runs no test."""
    passed = failed = skipped = 0
    failures = []
    tests = [n for n, v in cls.__dict__.items() if n.startswith("test_") and callable(v)]
    if order:
        tests = order(tests)
    if args.k:
        tests = [n for n in tests if args.k in "%s.%s" % (cls.__name__, n)]
    if not tests:
        return 0, 0, 0, []
    fx = cls()
    fx.daemons = []
    fx.args = args
    class_failed = False
    setup_skip = None
    t0 = time.monotonic()
    try:
        setup_error = None
        try:
            fx.setup()
        except Skip as e:
            setup_skip = str(e)
        except Exception:
            setup_error = traceback.format_exc()
        if setup_error and setup_failure == "once":
            failed += 1
            class_failed = True
            failures.append("%s: setup" % cls.__name__)
            out("FAIL %s: setup (%.2fs)\n%s" % (cls.__name__, time.monotonic() - t0,
                                                _indent(setup_error)))
            tests = []
        for name in tests:
            if stop.is_set():
                break
            label = "%s: %s" % (cls.__name__, _title(name))
            if setup_skip:
                skipped += 1
                out("SKIP: %s: %s" % (label, setup_skip))
                continue
            t1 = time.monotonic()
            err = setup_error and ("setup failed:\n" + setup_error)
            skip = None
            main_d = fx.daemons[0] if fx.daemons else None
            if not err and main_d and main_d.proc and not main_d.running():
                err = "rectd is not running (exit status %s); its stderr ends:\n%s" % (
                    main_d.proc.returncode, main_d.stderr()[-3000:])
            if not err:
                try:
                    getattr(fx, name)()
                except Skip as e:
                    skip = str(e)
                except Exception:
                    err = traceback.format_exc()
                if main_d and main_d.proc and not main_d.running() \
                        and not getattr(main_d, "stopped_on_purpose", False):
                    err = (err or "") + "\nrectd died (exit status %s); stderr ends:\n%s" % (
                        main_d.proc.returncode, main_d.stderr()[-3000:])
                reports = _sanitizer_reports(fx)
                if reports:
                    err = (err or "") + "sanitizer report in rectd's stderr:\n" + \
                        "\n".join(reports)
            if err:
                failed += 1
                class_failed = True
                failures.append(label)
                out("FAIL %s (%.2fs)\n%s" % (label, time.monotonic() - t1, _indent(err)))
                if args.x:
                    stop.set()
            elif skip:
                skipped += 1
                out("SKIP: %s: %s" % (label, skip))
            else:
                passed += 1
                out("ok   %s (%.2fs)" % (label, time.monotonic() - t1))
    finally:
        problems = fx.teardown(("failed" if class_failed else "if-problems")
                               if args.keep else "no")
        label = "%s: %s" % (cls.__name__, getattr(fx, "stop_label", STOP_LABEL))
        if problems:
            failed += 1
            failures.append(label)
            out("FAIL %s\n%s" % (label, _indent("\n".join(problems))))
        elif count_clean_stop and not setup_skip:
            passed += 1
            out("ok   %s (%s took %.1fs)" % (label, cls.__name__, time.monotonic() - t0))
    return passed, failed, skipped, failures


def parse(name, argv, flags=()):
    """The command line as a namespace (k, x, keep, and each of flags with
    its dashes dropped), or None after printing the usage."""
    args = types.SimpleNamespace(k=None, x=False, keep=False)
    for f in flags:
        setattr(args, f.lstrip("-").replace("-", "_"), False)
    rest = list(argv)
    while rest:
        a = rest.pop(0)
        if a == "-k" and rest:
            args.k = rest.pop(0)
        elif a == "-x":
            args.x = True
        elif a == "--keep":
            args.keep = True
        elif a in flags:
            setattr(args, a.lstrip("-").replace("-", "_"), True)
        else:
            print("usage: %s.py [-k TEXT] [-x] [--keep]%s"
                  % (name, "".join(" [%s]" % f for f in flags)), file=sys.stderr)
            return None
    return args


def main(name, fixtures, argv, needs=("RECTD", "RECTCTL"), flags=(), jobs=None,
         setup_failure="each", order=None, count_clean_stop=True):
    """Run fixtures (classes) and print the counts; return the exit status.
    name: the suite's name in messages ("e2e-notify"); needs: the programs
    (e2e_daemon's RECTD, RECTCTL) that must be executable; flags: the
    suite's own switches ("--regen"); jobs: run that many fixtures side by
    side (their lines printed when each is done), None: one after the other.
    setup_failure, order, count_clean_stop: see run_fixture."""
    args = parse(name, argv, flags)
    if args is None:
        return 1
    for what in needs:
        path = getattr(e2e_daemon, what)
        if not os.access(path, os.X_OK):
            print("%s: %s: %s is not an executable (build first)" % (name, what, path))
            print("0 passed, 1 failed")
            return 1

    # rectctl in English whatever the machine's locale (a test that wants
    # the Chinese catalogue sets LANGUAGE=zh_CN for its rectctl)
    for k in ("LANGUAGE", "LC_MESSAGES", "LANG"):
        os.environ.pop(k, None)
    os.environ["LC_ALL"] = "C.UTF-8"

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    passed = failed = skipped = 0
    failures = []
    t_start = time.monotonic()
    stop = threading.Event()
    opts = dict(setup_failure=setup_failure, order=order, count_clean_stop=count_clean_stop)
    banner = "%s: rectd=%s rectctl=%s" % (name, e2e_daemon.RECTD, e2e_daemon.RECTCTL)
    try:
        if jobs is None:
            print(banner)
            sys.stdout.flush()

            def out(line):
                print(line)
                sys.stdout.flush()

            for cls in fixtures:
                p_, f_, s_, fl = run_fixture(cls, args, stop, out, **opts)
                passed, failed, skipped = passed + p_, failed + f_, skipped + s_
                failures += fl
                if stop.is_set():
                    raise KeyboardInterrupt
        else:
            # Fixtures are independent (own folder, sockets, clock): they run
            # side by side when most of their time is spent waiting.
            print("%s (%d fixtures at a time)" % (banner, jobs))
            sys.stdout.flush()

            def one(cls):
                lines = []
                return (lines,) + run_fixture(cls, args, stop, lines.append, **opts)

            with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(one, cls) for cls in fixtures]
                try:
                    for fut in concurrent.futures.as_completed(futures):
                        lines, p_, f_, s_, fl = fut.result()
                        passed, failed, skipped = passed + p_, failed + f_, skipped + s_
                        failures += fl
                        for line in lines:
                            print(line)
                        sys.stdout.flush()
                        if f_ and args.x:
                            stop.set()
                except KeyboardInterrupt:
                    stop.set()
                    stop_all()
                    raise
    except KeyboardInterrupt:
        failed += 1
        failures.append("interrupted")
        print("FAIL interrupted")
    finally:
        stop_all()
    print("%s took %.1fs" % (name, time.monotonic() - t_start))
    if failures:
        print("failed:")
        for f in failures:
            print("  " + f)
    if skipped:
        print("skipped %d (features not built yet)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0
