#!/usr/bin/python3
"""End-to-end tests of make install / make uninstall and of what they put
in place (issue 10, "Install and run as a Debian service"):

- make install DESTDIR=TMP puts rectd, rectctl, rectweb, the man pages
  (English and Chinese), the zh_CN catalogue, the bash completion,
  rectd.service and rectweb.service, their sysusers.d files and the sample
  configs where they belong; a second install keeps a config that is there;
- the installed rectd and rectctl, run from TMP with the installed configs
  pointed at temporary paths, go through a short session; rectctl finds
  its installed catalogue; rectd logs one line per event with a level, in
  the journal's <N> form when stderr is the journal;
- the installed config's paths are the unit's (/run/rectd, /var/lib/rectd);
- every man page renders with man -l and groff with warnings as errors,
  and says every command, option and setting the programs have (rectweb's
  settings: config/rectweb.conf's, which the installed rectweb accepts and
  rectweb/webcfg.c lists);
- the bash completion, run the way bash runs it (COMP_WORDS, COMP_CWORD),
  offers commands, options, item refs, users and units, and nothing when
  rectd is down;
- systemd-analyze verify passes on the units (test copies naming the
  installed rectd and rectweb, their man pages found) and fails on a broken
  one;
- make uninstall leaves nothing behind but the configs.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-install.py [-k TEXT]

RECTCTL's folder says which build is installed (the repo root: BUILD=build;
build/asan: BUILD=build/asan); a RECTD from elsewhere (make tsan) replaces
the installed rectd. Ends with "N passed, M failed".
"""

import grp
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_daemon  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Skip, check, eq  # noqa: E402
from e2e_daemon import RECTCTL, RECTD, REPO, sanitizer_report  # noqa: E402

PREFIX = "/usr/local"
MAN_PAGES = ["man8/rectd.8", "man1/rectctl.1", "man5/rectd.conf.5", "man5/rectctl.conf.5", "man8/rectweb.8",
             "man5/rectweb.conf.5"]


def rectweb_sample_settings():
    """The settings of config/rectweb.conf's web group, commented-out ones (# tls_cert = ...) too."""
    with open(os.path.join(REPO, "config", "rectweb.conf"), encoding="utf-8") as f:
        text = f.read()
    names = re.findall(r"^\s*(?:#\s*)?([a-z_]+) = [^{\n]*;$", text, re.M)
    check(len(names) > 10, "settings found in config/rectweb.conf: %r" % names)
    eq(len(names), len(set(names)), "each setting once in config/rectweb.conf")
    return names


def build_dir():
    """The BUILD rectctl under test (and its catalogue) comes from."""
    rel = os.path.relpath(os.path.dirname(RECTCTL), REPO)
    return "build" if rel == "." else rel


def build_rectd():
    """The rectd make install takes from build_dir()."""
    b = build_dir()
    return os.path.join(REPO, "rectd" if b == "build" else os.path.join(b, "rectd"))


def make(*args, env=None):
    """make -C REPO ARGS with the build under test; (rc, stdout+stderr)."""
    p = subprocess.run(["make", "--no-print-directory", "-C", REPO, "BUILD=" + build_dir()] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, env=env)
    return p.returncode, p.stdout


def run(argv, env=None, timeout=60, input=None):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout,
                       env=env, input=input, stdin=None if input is not None else subprocess.DEVNULL)
    rep = sanitizer_report(p.stderr)
    if rep:
        raise AssertionError("%s: sanitizer report: %s\n%s" % (argv[0], rep, p.stderr[-3000:]))
    return p


def files_under(root):
    """Every file (not folder) under root, as paths relative to it."""
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in fs]
    return sorted(out)


class Installed:
    """One make install into a temporary DESTDIR; the installed programs run from there."""

    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="rti", dir="/tmp")
        self.root = os.path.join(self.tmp, "root")
        rc, self.install_out = make("install", "DESTDIR=" + self.root, "PREFIX=" + PREFIX)
        if rc != 0:
            raise AssertionError("make install failed:\n" + self.install_out[-3000:])
        self.rectd = self.root + PREFIX + "/sbin/rectd"
        self.rectctl = self.root + PREFIX + "/bin/rectctl"
        self.rectweb = self.root + PREFIX + "/sbin/rectweb"
        if os.path.realpath(build_rectd()) != os.path.realpath(RECTD):
            # rectd and rectctl from different builds (make tsan): the rectd under test
            shutil.copy2(RECTD, self.rectd)
        self.etc = os.path.join(self.root, "etc", "rectd")
        self.proc = None
        self.err_path = None
        self.daemons = []  # e2e_runner's: none of them (this rectd is this fixture's own)

    def teardown(self, keep):
        problems = []
        if self.proc and self.proc.poll() is None:
            rc = e2e_daemon.stop_process(self.proc)
            if rc != 0:
                problems.append("the installed rectd exited with %s on SIGTERM:\n%s" % (rc, self.log()[-3000:]))
        if self.err_path:
            rep = sanitizer_report(self.log())
            if rep:
                problems.append("sanitizer report in rectd's stderr: " + rep)
        if not keep or keep == "no" or (keep == "if-problems" and not problems):
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print("    (kept %s)" % self.tmp)
        return problems

    # -- a session on temporary paths -----------------------------------
    def town(self):
        """The installed configs with /run/rectd and /var/lib/rectd moved into tmp,
        three users with keys of their own; rectd's key made by the installed
        rectd keygen. Sets self.conf, self.cconf, self.env."""
        if getattr(self, "conf", None):
            return
        run_dir, lib = os.path.join(self.tmp, "run"), os.path.join(self.tmp, "lib")
        os.makedirs(run_dir, mode=0o750)
        os.makedirs(lib, mode=0o750)
        home = os.path.join(self.tmp, "home")
        os.makedirs(home)
        self.env = dict(os.environ, HOME=home, LANG="C.UTF-8", LANGUAGE="", LC_ALL="")
        for k in ("RECTD_CONFIG", "RECTCTL_CONFIG", "RECTCTL_USER", "RECTCTL_KEY", "JOURNAL_STREAM"):
            self.env.pop(k, None)
        keys = {}
        for user in ("wangyan", "liming", "zhanghua"):
            p = run([self.rectctl, "keygen", user], env=self.env)
            eq(p.returncode, 0, "rectctl keygen %s (%s)" % (user, p.stderr))
            m = re.search(r'public_key = "([^"]{40})"', p.stdout)
            check(m, "keygen prints the public_key line: %r" % p.stdout)
            keys[user] = m.group(1)
        with open(os.path.join(self.etc, "rectd.conf"), encoding="utf-8") as f:
            text = f.read()
        text = text.replace("/run/rectd", run_dir).replace("/var/lib/rectd", lib)
        group = grp.getgrgid(os.getgid()).gr_name  # there is no group rectd on a test machine
        text = text.replace('socket_group = "rectd";', 'socket_group = "%s";' % group)
        users = ('users = (\n'
                 '    { name = "wangyan"; display = "王燕"; roles = ["admin", "verifier"]; public_key = "%s"; },\n'
                 '    { name = "liming"; display = "李明"; roles = ["owner"]; public_key = "%s"; },\n'
                 '    { name = "zhanghua"; display = "张华"; roles = ["leader"]; public_key = "%s"; }\n'
                 ');\n') % (keys["wangyan"], keys["liming"], keys["zhanghua"])
        text = text[:text.index("users = (")] + users
        text = text.replace('units = (\n    { id = "dangzhengban"; name = "党政综合办公室"; }\n);',
                            'units = (\n    { id = "dangzhengban"; name = "党政综合办公室"; },\n'
                            '    { id = "cun1"; name = "托托村"; }\n);')
        self.conf = os.path.join(self.tmp, "rectd.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text)
        p = run([self.rectd, "keygen", "-c", self.conf], env=self.env)
        eq(p.returncode, 0, "rectd keygen (%s)" % p.stderr)
        check(os.path.join(lib, "keys", "rectd.key") in p.stdout, "keygen writes key_file: %r" % p.stdout)
        with open(os.path.join(self.etc, "rectctl.conf"), encoding="utf-8") as f:
            ctext = f.read()
        ctext = ctext.replace("/run/rectd", run_dir).replace("/etc/rectd/rectd.pub",
                                                             os.path.join(lib, "keys", "rectd.pub"))
        self.cconf = os.path.join(self.tmp, "rectctl.conf")
        with open(self.cconf, "w", encoding="utf-8") as f:
            f.write(ctext)
        self.env["RECTCTL_CONFIG"] = self.cconf
        self.sock = os.path.join(run_dir, "rectd.sock")

    def log(self):
        if not self.err_path or not os.path.exists(self.err_path):
            return ""
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def start(self, journal=False):
        """Start the installed rectd on self.conf; journal: stderr is "the journal"
        ($JOURNAL_STREAM names the file rectd's stderr is)."""
        self.town()
        if self.proc and self.proc.poll() is None:
            e2e_daemon.stop_process(self.proc)
        self.starts = getattr(self, "starts", 0) + 1
        self.err_path = os.path.join(self.tmp, "rectd.%d.err" % self.starts)
        env = dict(self.env)
        with open(self.err_path, "wb") as err:
            if journal:
                st = os.fstat(err.fileno())
                env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
            self.proc = subprocess.Popen([self.rectd, "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, env=env)
        e2e_daemon.LIVE.add(self.proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("the installed rectd exited with %s:\n%s" % (self.proc.returncode, self.log()))
            if os.path.exists(self.sock) and self.ctl("ping", "--as", "wangyan").returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("the installed rectd did not answer:\n" + self.log())

    def stop(self):
        rc = e2e_daemon.stop_process(self.proc)
        eq(rc, 0, "rectd's exit status on SIGTERM")

    def ctl(self, *args, env=None):
        return run([self.rectctl] + list(args), env=env or self.env)

    def complete(self, words, cword=None, env=None):
        """What the installed completion offers for words (the last being completed)."""
        script = self.root + PREFIX + "/share/bash-completion/completions/rectctl"
        arr = " ".join("'%s'" % w.replace("'", "'\\''") for w in [self.rectctl] + words)
        cmd = ('source %s && COMP_WORDS=(%s) && COMP_CWORD=%d && _rectctl && printf "%%s\\n" "${COMPREPLY[@]}"'
               % (script, arr, len(words) if cword is None else cword))
        p = run(["bash", "--norc", "--noprofile", "-c", cmd], env=env or self.env, timeout=30)
        eq(p.returncode, 0, "the completion function (%s)" % p.stderr)
        eq(p.stderr, "", "the completion says nothing on stderr")
        return [l for l in p.stdout.split("\n") if l]

    # -- the tests ----------------------------------------------------------
    def test_install_puts_each_file_where_it_belongs(self):
        want = ["etc/rectd/rectctl.conf", "etc/rectd/rectd.conf", "etc/rectd/rectweb.conf",
                "usr/local/bin/rectctl", "usr/local/sbin/rectd", "usr/local/sbin/rectweb",
                "usr/local/lib/systemd/system/rectd.service", "usr/local/lib/sysusers.d/rectd.conf",
                "usr/local/lib/systemd/system/rectweb.service", "usr/local/lib/sysusers.d/rectweb.conf",
                "usr/local/share/bash-completion/completions/rectctl",
                "usr/local/share/locale/zh_CN/LC_MESSAGES/rectctl.mo"]
        want += ["usr/local/share/man/" + m for m in MAN_PAGES]
        want += ["usr/local/share/man/zh_CN/" + m for m in MAN_PAGES]
        eq(files_under(self.root), sorted(want), "the installed files")
        for exe in (self.rectd, self.rectctl):
            eq(os.stat(exe).st_mode & 0o7777, 0o755, "mode of %s" % exe)
        for f in want:
            if "/bin/" not in f and "/sbin/" not in f:
                eq(os.stat(os.path.join(self.root, f)).st_mode & 0o7777, 0o644, "mode of %s" % f)
        p = run([self.rectd, "--version"])
        check(p.returncode == 0 and p.stdout.startswith("rectd "), "the installed rectd runs: %r" % p.stdout)

    def test_the_unit_runs_the_installed_rectd_on_the_installed_config(self):
        with open(self.root + PREFIX + "/lib/systemd/system/rectd.service", encoding="utf-8") as f:
            unit = f.read()
        lines = dict(l.split("=", 1) for l in unit.splitlines() if "=" in l and not l.startswith("#"))
        eq(lines["ExecStart"], PREFIX + "/sbin/rectd -c /etc/rectd/rectd.conf", "ExecStart (no @SBINDIR@ left)")
        eq(lines["User"], "rectd", "User")
        eq(lines["Group"], "rectd", "Group")
        for k, v in (("StateDirectory", "rectd"), ("RuntimeDirectory", "rectd"), ("NoNewPrivileges", "yes"),
                     ("ProtectSystem", "strict"), ("PrivateTmp", "yes"), ("Restart", "on-failure"),
                     ("ExecReload", "/bin/kill -HUP $MAINPID")):
            eq(lines.get(k), v, k)
        rw = lines["ReadWritePaths"].split()
        check("/var/lib/rectd" in rw and "/run/rectd" in rw, "ReadWritePaths: %r" % rw)
        with open(self.root + PREFIX + "/lib/sysusers.d/rectd.conf", encoding="utf-8") as f:
            sysusers = [l.split() for l in f if l.strip() and not l.startswith("#")]
        eq([l[:2] for l in sysusers], [["u", "rectd"]], "sysusers.d makes the unit's user")
        # The installed config's paths are the unit's directories.
        with open(os.path.join(self.etc, "rectd.conf"), encoding="utf-8") as f:
            conf = f.read()
        setting = lambda k: re.search(r'^\s*%s = "([^"]*)";' % k, conf, re.M).group(1)  # noqa: E731
        eq(setting("endpoint"), "ipc:///run/rectd/rectd.sock", "daemon.endpoint in RuntimeDirectory")
        eq(setting("pub_endpoint"), "ipc:///run/rectd/rectd-pub.sock", "notify.pub_endpoint")
        eq(setting("socket_group"), "rectd", "socket_group: the unit's group")
        eq(setting("data_dir"), "/var/lib/rectd/data", "data_dir in StateDirectory")
        eq(setting("key_file"), "/var/lib/rectd/keys/rectd.key", "key_file")
        eq(setting("signing_key"), "/var/lib/rectd/keys/rectd-sign.key", "signing_key")
        check(re.search(r"^\s*demo_keys = false;", conf, re.M), "demo_keys off on a server")
        with open(os.path.join(self.etc, "rectctl.conf"), encoding="utf-8") as f:
            cconf = f.read()
        check('endpoint = "ipc:///run/rectd/rectd.sock";' in cconf, "rectctl.conf: the same endpoint")
        # rectd reads the installed config as it is: what is missing is the key rectd keygen makes
        p = run([self.rectd, "--check", "-c", os.path.join(self.etc, "rectd.conf")])
        eq(p.returncode, 1, "--check before keygen")
        check("/var/lib/rectd/keys/rectd.key" in p.stderr, "names the key to make: %r" % p.stderr)
        # and rectd keygen's default is that file (with -c and no -o: BASE from key_file)
        p = run([self.rectd, "--help"])
        check("BASE defaults to daemon.key_file" in p.stdout, "keygen's default documented")

    def test_a_session_with_the_installed_programs(self):
        self.start()
        r = self.ctl("--as", "wangyan", "add", "--ref", "ZC-01", "--source", "county", "--kind", "immediate",
                     "--title", "监测户收入核查不及时")
        eq(r.returncode, 0, "add (%s)" % r.stderr)
        r = self.ctl("--as", "wangyan", "assign", "ZC-01", "--owner", "李明", "--unit", "托托村",
                     "--leader", "zhanghua", "--deadline", "2099-12-31")
        eq(r.returncode, 0, "assign (%s)" % r.stderr)
        r = self.ctl("--as", "liming", "start", "ZC-01", "--note", "已制定方案")
        eq(r.returncode, 0, "start (%s)" % r.stderr)
        r = self.ctl("--as", "liming", "--json", "show", "ZC-01")
        eq(r.returncode, 0, "show (%s)" % r.stderr)
        item = json.loads(r.stdout)["item"]
        eq((item["state"], item["owner"], item["unit"]), ("rectifying", "liming", "cun1"), "the item")
        # a refusal: the owner may not verify
        r = self.ctl("--as", "liming", "verify", "ZC-01", "--pass", "--opinion", "x")
        eq(r.returncode, 3, "the owner verifying is refused (%s)" % r.stderr)
        # rectctl finds its installed catalogue (PREFIX/share/locale beside PREFIX/bin), not the tree's
        zh = dict(self.env, LANGUAGE="zh_CN")
        r = self.ctl("--as", "wangyan", "list", env=zh)
        eq(r.returncode, 0, "list in Chinese (%s)" % r.stderr)
        check("ZC-01" in r.stdout and "整改中" in r.stdout, "Chinese labels from the installed catalogue: %r"
              % r.stdout)
        r = self.ctl("--help", env=zh)
        check("命令" in r.stdout, "rectctl --help in Chinese: %r" % r.stdout[:200])
        mo = self.root + PREFIX + "/share/locale/zh_CN/LC_MESSAGES/rectctl.mo"
        os.rename(mo, mo + ".away")
        try:
            r = self.ctl("--help", env=zh)
            if not os.path.exists(PREFIX + "/share/locale/zh_CN/LC_MESSAGES/rectctl.mo"):
                check("Commands:" in r.stdout, "without the installed catalogue: English (so it was that one)")
        finally:
            os.rename(mo + ".away", mo)
        self.stop()
        log = self.log().splitlines()
        plain = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (error|warning|notice|info): \S")
        bad = [l for l in log if not plain.match(l)]
        eq(bad, [], "every log line has the time and a level")
        check(any(re.search(r" info: wangyan add item \d+: ok$", l) for l in log), "the add logged: %r" % log)
        check(any(re.search(r" notice: liming verify item ZC-01: [a-z_]+$", l) for l in log),
              "the refusal logged as a notice: %r" % log)
        check(any(l.endswith(" info: stopped") for l in log), "the stop logged")

    def test_rectd_speaks_the_journal_s_priorities_when_stderr_is_the_journal(self):
        self.start(journal=True)
        r = self.ctl("--as", "liming", "close", "ZC-404", "--note", "x")
        check(r.returncode != 0, "a refused close")
        self.stop()
        log = self.log().splitlines()
        bad = [l for l in log if not re.match(r"^<[3-6]>\S", l)]
        eq(bad, [], "every line starts with its sd-daemon priority")
        check(any(l.startswith("<6>rectd ") and "serving ipc://" in l for l in log), "start at <6>: %r" % log)
        check(any(l.startswith("<5>liming close item ZC-404: ") for l in log), "a refusal at <5>: %r" % log)
        check(not any(re.match(r"^<\d>\d{4}-", l) for l in log), "no time of its own (journald adds it)")
        # a JOURNAL_STREAM naming another file is not the journal
        self.start()
        self.stop()
        check(all(not l.startswith("<") for l in self.log().splitlines()), "another stream: the plain form")

    def test_rectd_check_prints_the_effective_settings(self):
        self.town()
        p = run([self.rectd, "--check", "-c", self.conf])
        eq(p.returncode, 0, "rectd --check (%s)" % p.stderr)
        j = json.loads(run([self.rectd, "--check", "--json", "-c", self.conf]).stdout)
        lines = p.stdout.splitlines()
        check(lines[0].startswith("rectd: %s is valid" % self.conf), "first line: %r" % lines[0])
        text = dict(l.split(" = ", 1) for l in lines[1:])
        eq(text["daemon.endpoint"], '"%s"' % j["daemon"]["endpoint"], "daemon.endpoint as JSON has it")
        eq(text["daemon.map_size_mb"], "1024", "a default filled in")
        eq(text["daemon.demo_keys"], "false", "a boolean")
        eq(text["ledger.reviewer"], "(not set)", "an unset setting")
        eq(text["users[1].name"], '"liming"', "a list's entry")
        eq(text["users[0].roles"], '["admin", "verifier"]', "an array of strings")
        eq(text["daemon.public_key"], '"%s"' % j["daemon"]["public_key"], "rectd's public key")
        check(not any("secret" in l.lower() for l in lines), "never a secret")

    def test_man_pages_render_without_warnings(self):
        man = self.root + PREFIX + "/share/man"
        for lang in ("", "zh_CN/"):
            for page in MAN_PAGES:
                path = os.path.join(man, lang + page)
                p = run(["groff", "-k", "-man", "-Tutf8", "-ww", "-z", path])
                eq((p.returncode, p.stderr), (0, ""), "groff -ww on %s" % path)
                p = run(["man", "-l", path], env=dict(os.environ, MANWIDTH="80", MAN_KEEP_STDERR="1",
                                                     LANG="C.UTF-8"))
                eq((p.returncode, p.stderr), (0, ""), "man -l %s" % path)
                check(len(p.stdout.splitlines()) > 20, "%s renders: %r" % (path, p.stdout[:200]))
        # man finds them by name with the DESTDIR's man path
        p = run(["man", "-w", "rectd.conf"], env=dict(os.environ, MANPATH=man))
        eq(p.stdout.strip(), os.path.join(man, "man5/rectd.conf.5"), "man -w rectd.conf")

    def test_man_pages_say_every_command_option_and_setting(self):
        man = self.root + PREFIX + "/share/man/"
        def page(p):
            with open(man + p, encoding="utf-8") as f:
                return re.sub(r"\\f[BIRP]|\\%", "", f.read().replace("\\-", "-").replace("\\:", ""))
        helps = run([self.rectctl, "--help"], env=dict(os.environ, LANG="C.UTF-8", LANGUAGE="")).stdout
        cmds = re.findall(r"^  (\S+(?: [a-z]+)?)\s{2,}", helps.split("Commands:")[1].split("\n\n")[0], re.M)
        check(len(cmds) > 30, "commands found in --help: %r" % cmds)
        for p in ("man1/rectctl.1", "zh_CN/man1/rectctl.1"):
            text = page(p)
            missing = [c for c in cmds if '.B "%s"' % c not in text]
            eq(missing, [], "commands of rectctl --help missing from %s (man/update-commands.py writes them)" % p)
        opts = set(re.findall(r"--[a-z][a-z-]+", run([self.rectd, "--help"]).stdout))
        for p in ("man8/rectd.8", "zh_CN/man8/rectd.8"):
            text = page(p)
            eq(sorted(o for o in opts if o not in text), [], "options of rectd --help missing from %s" % p)
        self.town()
        j = json.loads(run([self.rectd, "--check", "--json", "-c", self.conf]).stdout)
        settings = ["%s.%s" % (g, k) for g in ("daemon", "calendar", "notify", "consolidation", "workflow", "ledger")
                    for k in j[g] if k != "public_key"]
        for p in ("man5/rectd.conf.5", "zh_CN/man5/rectd.conf.5"):
            text = page(p)
            eq([s for s in settings if s not in text], [], "settings missing from %s" % p)
            for g in ("sources", "units", "users", "client"):
                check(".B %s\n" % g in text, "%s: the %s list" % (p, g))
        for p in ("man5/rectctl.conf.5", "zh_CN/man5/rectctl.conf.5"):
            text = page(p)
            for k in ("endpoint", "server_key", "user", "key_file", "keys_dir", "timeout_ms", "retries"):
                check(".B %s\n" % k in text, "%s: client.%s" % (p, k))
        # rectweb: every option its --help lists, short and long, in rectweb(8) ...
        webhelp = run([self.rectweb, "--help"]).stdout
        opts = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", webhelp))
        check({"-c", "--check"} <= opts, "options found in rectweb --help: %r" % sorted(opts))
        for p in ("man8/rectweb.8", "zh_CN/man8/rectweb.8"):
            text = page(p)
            eq(sorted(o for o in opts if not re.search(r"(?<![\w-])%s(?![\w-])" % o, text)), [],
               "options of rectweb --help missing from %s" % p)
        # ... and every setting rectweb accepts, each an entry (.TP) of rectweb.conf(5) and named in
        # rectweb(8): the sample's settings (commented ones too), which are the installed rectweb's
        # (test_rectweb_accepts_every_setting_of_its_sample) and its table of known settings
        settings = sorted("web." + k for k in rectweb_sample_settings())
        for p in ("man5/rectweb.conf.5", "zh_CN/man5/rectweb.conf.5"):
            text = page(p)
            entries = set(re.findall(r"\bweb\.[a-z_]+\b", "\n".join(re.findall(r"^\.TP\n(.*)$", text, re.M))))
            eq([s for s in settings if s not in entries], [], "settings without an entry in %s" % p)
            eq(sorted(entries - set(settings)), [], "entries of %s that rectweb does not have" % p)
        for p in ("man8/rectweb.8", "zh_CN/man8/rectweb.8"):
            text = page(p)
            eq([s for s in settings if not re.search(r"\b%s\b" % re.escape(s), text)], [],
               "settings missing from %s" % p)

    def test_rectweb_accepts_every_setting_of_its_sample(self):
        # The settings the man pages are checked for: config/rectweb.conf's, every one given at
        # once (the TLS pair empty: not set), and the installed rectweb --check takes them all
        # and refuses one it does not have, so that list is the program's.
        names = rectweb_sample_settings()
        with open(os.path.join(REPO, "rectweb", "webcfg.c"), encoding="utf-8") as f:
            src = f.read()
        m = re.search(r"known\[\] = \{([^}]*)\}", src)
        check(m, "rectweb/webcfg.c's table of known settings (known[]) not found")
        eq(sorted(names), sorted(re.findall(r'"([a-z_]+)"', m.group(1))),
           "config/rectweb.conf's settings are webcfg.c's known[]")
        self.town()
        p = run([self.rectctl, "keygen", "rectweb", "-o", os.path.join(self.tmp, "web")], env=self.env)
        eq(p.returncode, 0, "rectctl keygen rectweb (%s)" % p.stderr)
        with open(os.path.join(REPO, "config", "rectweb.conf"), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"^(\s*)# (tls_(?:cert|key)) = .*$", r'\1\2 = "";', text, flags=re.M)
        text = re.sub(r'^(\s*endpoint = )".*";', r'\1"ipc://%s";' % self.sock, text, flags=re.M)
        text = re.sub(r'^(\s*server_key = )".*";',
                      r'\1"%s";' % os.path.join(self.tmp, "lib", "keys", "rectd.pub"), text, flags=re.M)
        text = re.sub(r'^(\s*key_file = )".*";', r'\1"%s";' % os.path.join(self.tmp, "web", "rectweb.key"),
                      text, flags=re.M)
        given = re.findall(r"^\s*([a-z_]+) = [^{\n]*;$", text, re.M)
        eq(sorted(given), sorted(names), "every setting given")
        conf = os.path.join(self.tmp, "rectweb.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)
        p = run([self.rectweb, "-c", conf, "--check"])
        eq((p.returncode, p.stderr), (0, ""), "rectweb --check on every setting")
        check(p.stdout.startswith("rectweb: %s is good: listen 127.0.0.1:8080" % conf), "says so: %r" % p.stdout)
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text.replace("web = {", "web = {\n    max_photos = 9;", 1))
        p = run([self.rectweb, "-c", conf, "--check"])
        eq(p.returncode, 1, "rectweb --check on a setting it does not have")
        check("web.max_photos is no setting of rectweb" in p.stderr, "names it: %r" % p.stderr)

    def test_completion_offers_commands_options_and_what_rectd_knows(self):
        self.start()
        r = self.ctl("--as", "wangyan", "add", "--ref", "GJ-07", "--source", "national", "--kind", "long-term",
                     "--title", "t")
        eq(r.returncode, 0, "add (%s)" % r.stderr)
        env = dict(self.env, RECTCTL_USER="wangyan")
        first = self.complete([""])
        for c in ("assign", "ledger", "inspection", "notify", "help"):
            check(c in first, "%s among the commands: %r" % (c, first))
        eq(len(first), len(set(first)), "each first word once")
        check("notify run" not in first and "run" not in first, "second words only after the first")
        eq(self.complete(["ledger", ""]), ["check", "sign"], "ledger's second words")
        eq(self.complete(["as"]), ["assign"], "a prefix")
        eq(self.complete(["assign", "GJ-07", "--o"]), ["--owner"], "a command's option")
        check("--deadline" in self.complete(["assign", "GJ-07", "--"]), "all of assign's options")
        check("--config" in self.complete(["--"]), "global options before the command")
        check("--json" in self.complete(["list", "--j"]), "global options after it")
        listed = json.loads(self.ctl("--as", "wangyan", "--json", "list").stdout)["items"]
        refs = self.complete(["show", ""], env=env)
        eq(sorted(refs), sorted(set(i["ref"] for i in listed)), "item refs from rectd's list")
        check("GJ-07" in refs, "the new one too")
        eq(self.complete(["assign", "G"], env=env), ["GJ-07"], "a ref's prefix")
        eq(self.complete(["assign", "GJ-07", "--owner", ""], env=env), ["wangyan", "liming", "zhanghua"],
           "users from rectd's directory")
        eq(self.complete(["assign", "GJ-07", "--leader", "zh"], env=env), ["zhanghua"], "a user's prefix")
        eq(self.complete(["assign", "GJ-07", "--owner", "李"], env=env), ["李明"], "display names for Chinese")
        eq(self.complete(["list", "--unit", ""], env=env), ["dangzhengban", "cun1"], "units")
        eq(self.complete(["list", "--state", "ver"], env=env), ["verified"], "states")
        eq(self.complete(["--as", "li"], env=env), ["liming"], "--as USER")
        eq(self.complete(["-c", self.cconf, "--as", "wangyan", "show", "GJ"]), ["GJ-07"],
           "as the -c and --as of the line")
        # rectctl --complete itself (its stderr is /dev/null by design: a sanitizer's
        # report would go there, its exit status does not)
        for words in (["show", ""], ["assign", "GJ-07", "--owner", ""], ["list", "--unit", ""], ["le"]):
            p = run([self.rectctl, "--complete"] + words, env=env)
            eq((p.returncode, p.stderr), (0, ""), "rectctl --complete %r" % words)
        eq(run([self.rectctl, "--complete", "show", "G"], env=env).stdout, "GJ-07\n", "one a line")
        # a file where a file goes, completed by bash
        os.makedirs(os.path.join(self.tmp, "plans"))
        open(os.path.join(self.tmp, "plans", "plan-2026.csv"), "w").close()
        eq(self.complete(["import", os.path.join(self.tmp, "plans", "pl")]),
           [os.path.join(self.tmp, "plans", "plan-2026.csv")], "import FILE: file names")
        # rectd down: commands still, rectd's names silently nothing, and soon
        self.stop()
        t0 = time.monotonic()
        eq(self.complete(["show", ""], env=env), [], "no refs when rectd is down")
        check(time.monotonic() - t0 < 20, "and no long wait")
        check("assign" in self.complete([""]), "commands without rectd")
        eq(self.complete(["show", ""], env=dict(env, RECTCTL_CONFIG=os.path.join(self.tmp, "none.conf"))), [],
           "no config: nothing, silently")

    def test_systemd_analyze_verify_passes_on_the_unit(self):
        if not shutil.which("systemd-analyze"):
            raise Skip("no systemd-analyze (Debian package systemd, in DEB_TEST)")
        with open(self.root + PREFIX + "/lib/systemd/system/rectd.service", encoding="utf-8") as f:
            unit = f.read()
        # A test copy: the same unit naming the DESTDIR's rectd and config (verify checks that
        # ExecStart's program exists), its man pages found through MANPATH (Documentation=).
        unit = unit.replace(PREFIX + "/sbin/rectd", self.rectd).replace("/etc/rectd/", self.etc + "/")
        vdir = os.path.join(self.tmp, "verify")
        os.makedirs(vdir)
        good = os.path.join(vdir, "rectd.service")
        with open(good, "w", encoding="utf-8") as f:
            f.write(unit)
        env = dict(os.environ, MANPATH=self.root + PREFIX + "/share/man", SYSTEMD_LOG_LEVEL="notice")
        p = run(["systemd-analyze", "verify", good], env=env, timeout=120)
        eq((p.returncode, p.stdout + p.stderr), (0, ""), "systemd-analyze verify")
        # rectweb.service the same way: its programs, and its man pages (Documentation=) in the DESTDIR
        with open(self.root + PREFIX + "/lib/systemd/system/rectweb.service", encoding="utf-8") as f:
            web = f.read()
        check("Documentation=man:rectweb(8) " in web, "rectweb.service names rectweb(8): %r" % web[:1200])
        web_good = os.path.join(vdir, "rectweb.service")
        with open(web_good, "w", encoding="utf-8") as f:
            f.write(web.replace(PREFIX + "/sbin/rectweb", self.rectweb).replace("/etc/rectd/", self.etc + "/"))
        p = run(["systemd-analyze", "verify", web_good], env=env, timeout=120)
        eq((p.returncode, p.stdout + p.stderr), (0, ""), "systemd-analyze verify rectweb.service")
        # and the check can fail: a setting systemd does not have, a program that is not there
        for what, broken in (("Restart=sometimes", unit.replace("Restart=on-failure", "Restart=sometimes")),
                             ("a missing program", unit.replace(self.rectd, self.rectd + "-gone"))):
            bad = os.path.join(vdir, "broken", "rectd.service")
            os.makedirs(os.path.dirname(bad), exist_ok=True)
            with open(bad, "w", encoding="utf-8") as f:
                f.write(broken)
            p = run(["systemd-analyze", "verify", bad], env=env, timeout=120)
            check(p.returncode != 0 or p.stderr.strip(), "verify finds %s: %r" % (what, p.stderr))

    def test_install_again_keeps_the_town_s_config(self):
        path = os.path.join(self.etc, "rectd.conf")
        with open(path, "a", encoding="utf-8") as f:
            f.write("# the town's own line\n")
        with open(path, encoding="utf-8") as f:
            mine = f.read()
        rc, out = make("install", "DESTDIR=" + self.root, "PREFIX=" + PREFIX)
        eq(rc, 0, "make install again (%s)" % out[-2000:])
        with open(path, encoding="utf-8") as f:
            eq(f.read(), mine, "the edited rectd.conf is kept")
        check("kept %s" % path in out, "and make says so: %r" % out[-1500:])

    def test_uninstall_leaves_nothing_but_the_configs(self):
        if self.proc and self.proc.poll() is None:
            self.stop()
        rc, out = make("uninstall", "DESTDIR=" + self.root, "PREFIX=" + PREFIX)
        eq(rc, 0, "make uninstall (%s)" % out[-2000:])
        eq(files_under(self.root), ["etc/rectd/rectctl.conf", "etc/rectd/rectd.conf", "etc/rectd/rectweb.conf"],
           "what is left")
        check("kept %s/etc/rectd" % self.root in out, "make says the configs stay: %r" % out[-500:])


def main(argv):
    return e2e_runner.main("e2e-install", [Installed], argv, setup_failure="once")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    finally:
        e2e_daemon.stop_all()
