#!/usr/bin/python3
"""End-to-end tests of what rectctl loads at start (issue 12, "rectctl starts
fast: libraries only one command needs load only for it"):

- the rectctl binary does not NEED libxlsxwriter, libzip, libexpat or libcsv
  (readelf), nor do any of the libraries it needs (ldd), and it exports none
  of the stubs that stand in for their functions;
- at run time a command that needs none of them loads none of them
  (LD_DEBUG=libs), and one that needs one loads it and works: ledger
  --format xlsx, dossier --format zip, init --from a CSV and an .xlsx plan;
- with a library really gone (a mount namespace whose library folder hides
  it: an overlay whiteout, as when its package is not installed), the
  command that needs it fails with exit 1 and a message naming the library
  and its Debian package, writes nothing, and every other command still
  works; a control shows the library is really gone for the dynamic loader.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-lazylib.py [-k TEXT]

Ends with "N passed, M failed".
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
import xlsx_plan  # noqa: E402
from e2e_runner import Skip, check, eq  # noqa: E402
from e2e_daemon import PLAN, RECTCTL, Daemon, sanitizer_report  # noqa: E402

# The libraries rectctl loads only for the commands that need them, and the
# commands (client/lazylib.h).
LAZY = ("xlsxwriter", "zip", "expat", "csv")
# A few of the functions rectctl's stubs stand in for (client/lazylib.c).
STUBBED = ("workbook_new_opt", "zip_open", "XML_ParserCreate_MM", "csv_init")


def soname(lib):
    """The soname of libLIB.so as the linker would link it (the Makefile's way)."""
    path = subprocess.run(["cc", "-print-file-name=lib%s.so" % lib], stdout=subprocess.PIPE,
                          check=True).stdout.decode().strip()
    out = subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE, check=True).stdout.decode()
    for line in out.splitlines():
        if "(SONAME)" in line:
            return line.split("[", 1)[1].rstrip("]")
    raise AssertionError("no SONAME in %s" % path)


def library_file(name):
    """Where the dynamic loader finds the library called name (ldconfig's cache)."""
    out = subprocess.run(["/sbin/ldconfig", "-p"], stdout=subprocess.PIPE, check=True).stdout.decode()
    for line in out.splitlines():
        parts = line.split(" => ")
        if len(parts) == 2 and parts[0].strip().split(" ")[0] == name and "x86-64" in parts[0]:
            return parts[1].strip()
    for line in out.splitlines():
        parts = line.split(" => ")
        if len(parts) == 2 and parts[0].strip().split(" ")[0] == name:
            return parts[1].strip()
    raise AssertionError("ldconfig -p does not list %s" % name)


def interpreter(exe):
    """The dynamic loader exe asks for (its PT_INTERP)."""
    out = subprocess.run(["readelf", "-l", exe], stdout=subprocess.PIPE, check=True).stdout.decode()
    for line in out.splitlines():
        if "Requesting program interpreter:" in line:
            return line.split(":", 1)[1].strip().rstrip("]")
    raise AssertionError("%s names no program interpreter" % exe)


def run(argv, env=None, cwd=None):
    """Run argv; (rc, stdout, stderr); a sanitizer report fails."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("RECTCTL_") and k != "LD_DEBUG"}
    e["LC_ALL"] = "C.UTF-8"  # the messages checked are the English ones, the loader's too
    e.update(env or {})
    p = subprocess.run([str(a) for a in argv], env=e, cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    rep = sanitizer_report(err)
    if rep:
        raise AssertionError("sanitizer report from %s: %s\n%s" % (argv, rep, err))
    return p.returncode, out, err


def loaded(err):
    """The libraries LD_DEBUG=libs says the loader opened ("calling init: PATH")."""
    return [line.split("calling init:", 1)[1].strip() for line in err.splitlines() if "calling init:" in line]


class Base:
    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()
        self.d.ctlj("import", PLAN)
        self.tmp = tempfile.mkdtemp(prefix="rll", dir="/tmp")
        self.sonames = {lib: soname(lib) for lib in LAZY}

    def teardown(self, keep):
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return e2e_runner.stop_daemons(self.daemons, keep)

    def ctl(self, *args, env=None, wrap=()):
        return run(list(wrap) + [RECTCTL, "-c", self.d.conf] + list(args), env=env, cwd=self.tmp)

    def ok(self, *args, env=None, wrap=()):
        rc, out, err = self.ctl(*args, env=env, wrap=wrap)
        eq(rc, 0, "rectctl %s: exit status (stderr %r)" % (" ".join(args), err[-2000:]))
        return out, err

    def xlsx_plan(self):
        """examples/plan.csv as an .xlsx workbook (the plan reader's other format)."""
        import csv
        with open(PLAN, encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        path = os.path.join(self.tmp, "plan.xlsx")
        with open(path, "wb") as f:
            f.write(xlsx_plan.make_xlsx(rows))
        return path


class Binary(Base):
    """What the rectctl file itself asks the dynamic loader for."""

    def test_rectctl_needs_none_of_the_lazy_libraries(self):
        rc, out, err = run(["readelf", "-d", RECTCTL])
        eq(rc, 0, "readelf -d rectctl")
        needed = [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]
        check("libzmq.so.5" in needed and "libc.so.6" in needed, "readelf reads NEEDED: %r" % needed)
        for lib in LAZY:
            check(self.sonames[lib] not in needed, "%s is not NEEDED: %r" % (self.sonames[lib], needed))

    def test_no_library_rectctl_needs_pulls_them_in(self):
        rc, out, err = run(["ldd", RECTCTL])
        eq(rc, 0, "ldd rectctl")
        check("libzmq.so.5" in out, "ldd lists what rectctl needs: %r" % out)
        for name in [self.sonames[lib] for lib in LAZY] + ["libcrypto.so", "libminizip.so", "libbz2.so"]:
            check(name not in out, "%s is not loaded at start: %r" % (name, out))

    def test_the_stubs_are_not_exported(self):
        # an exported zip_open would be what libzip's own calls bind to once it is loaded
        rc, out, err = run(["nm", "-D", "--defined-only", RECTCTL])
        eq(rc, 0, "nm -D rectctl")
        for f in STUBBED:
            check((" " + f + "\n") not in out + "\n", "%s is not in rectctl's dynamic symbols" % f)


class AtRunTime(Base):
    """Which libraries each command really loads, and that those that load them work."""

    def libs_of(self, *args):
        out, err = self.ok(*args, env={"LD_DEBUG": "libs"})
        return out, " ".join(loaded(err))

    def test_show_list_and_ping_load_none_of_them(self):
        for args in (["show", "1"], ["list"], ["ping"], ["--json", "show", "1"], ["ledger", "-o", "l.csv"]):
            out, libs = self.libs_of(*args)
            check("libzmq.so.5" in libs, "LD_DEBUG=libs names what is loaded: %r" % libs)
            for lib in LAZY:
                check(self.sonames[lib] not in libs, "%s: %s is not loaded: %r" % (args, self.sonames[lib], libs))

    def test_ledger_xlsx_loads_libxlsxwriter_and_writes_a_workbook(self):
        out, libs = self.libs_of("ledger", "-o", "l.xlsx")
        check(self.sonames["xlsxwriter"] in libs, "libxlsxwriter loaded: %r" % libs)
        check(self.sonames["zip"] not in libs, "libzip is not: %r" % libs)
        with zipfile.ZipFile(os.path.join(self.tmp, "l.xlsx")) as z:
            sheet = z.read("xl/worksheets/sheet1.xml").decode()
            strings = z.read("xl/sharedStrings.xml").decode()
        check("<row" in sheet, "the workbook has rows")
        check("GJ-01" in strings, "the plan's first item is in it")

    def test_dossier_zip_loads_libzip_and_writes_the_case_file(self):
        out, libs = self.libs_of("dossier", "1", "-o", "case.zip")
        check(self.sonames["zip"] in libs, "libzip loaded: %r" % libs)
        check(self.sonames["xlsxwriter"] not in libs, "libxlsxwriter is not: %r" % libs)
        with zipfile.ZipFile(os.path.join(self.tmp, "case.zip")) as z:
            names = z.namelist()
            page = [n for n in names if n.endswith(".html")]
            check(page, "the page is in the zip: %r" % names)
            check("GJ-01" in z.read(page[0]).decode(), "the item is on the page")

    def test_init_reads_a_csv_and_an_xlsx_plan(self):
        for plan in (PLAN, self.xlsx_plan()):
            out_conf = os.path.join(self.tmp, "init-%s.conf" % os.path.basename(plan))
            out, err = self.ok("init", "--from", plan, "-o", out_conf, env={"LD_DEBUG": "libs"})
            libs = " ".join(loaded(err))
            for lib in ("csv", "zip", "expat"):
                check(self.sonames[lib] in libs, "%s: %s loaded: %r" % (plan, self.sonames[lib], libs))
            with open(out_conf, encoding="utf-8") as f:
                text = f.read()
            check("乡村振兴办公室" in text, "%s: the plan's unit is in the config" % plan)


class Missing(Base):
    """A library really not there: a clear refusal by the command that needs it, nothing else broken."""

    def hide(self, *libs):
        """A wrapper that runs a program where the sonames of libs are gone
        from their library folder (overlay whiteouts in a private mount
        namespace), after a control: the dynamic loader itself finds none."""
        names = [self.sonames[lib] for lib in libs]
        folders = {os.path.dirname(os.path.realpath(library_file(n))) for n in names}
        if len(folders) != 1:
            raise Skip("the libraries are in several folders here: %r" % sorted(folders))
        folder = folders.pop()
        up, work = tempfile.mkdtemp(dir=self.tmp), tempfile.mkdtemp(dir=self.tmp)
        try:
            for n in names:
                os.mknod(os.path.join(up, n), stat.S_IFCHR | 0o600, os.makedev(0, 0))  # a whiteout
        except PermissionError as e:
            raise Skip("cannot make an overlay whiteout here: %s" % e)
        script = 'mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s %s && exec "$@"' % (
            folder, up, work, folder)
        wrap = ["unshare", "-m", "sh", "-c", script, "sh"]
        # the control: the dynamic loader, asked to preload each, finds none
        probe = [interpreter(RECTCTL), "--preload", ":".join(names), "/bin/true"]
        p = subprocess.run(wrap + probe, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        said = p.stderr.decode(errors="replace")
        if p.returncode != 0:
            raise Skip("no private mount namespace with an overlay here: %s" % said.strip())
        for n in names:
            check("object '%s' from --preload cannot be preloaded" % n in said,
                  "%s is gone for the dynamic loader: %r" % (n, said))
        return wrap

    def refused(self, lib, package, what, *args):
        wrap = self.hide(lib)
        before = sorted(os.listdir(self.tmp))
        rc, out, err = self.ctl(*args, wrap=wrap)
        eq(rc, 1, "rectctl %s without %s: exit status (stderr %r)" % (" ".join(args), lib, err))
        name = self.sonames[lib]
        for part in (what, name, "No such file", "Debian package %s" % package, "apt-get install %s" % package):
            check(part in err, "the message names %r: %r" % (part, err))
        eq(out, "", "nothing on stdout")
        eq(sorted(os.listdir(self.tmp)), before, "no file written")
        return wrap

    def test_ledger_xlsx_without_libxlsxwriter(self):
        wrap = self.refused("xlsxwriter", "libxlsxwriter4", "ledger --format xlsx", "ledger", "-o", "l.xlsx")
        # everything else works without it
        out, err = self.ok("show", "1", wrap=wrap)
        check("GJ-01" in out, "show: %r" % out)
        out, err = self.ok("ledger", "-o", "l.csv", wrap=wrap)
        check(os.path.exists(os.path.join(self.tmp, "l.csv")), "ledger csv written")
        out, err = self.ok("dossier", "1", "-o", "case.zip", wrap=wrap)

    def test_dossier_zip_without_libzip(self):
        wrap = self.refused("zip", "libzip4", "dossier --format zip", "dossier", "1", "-o", "case.zip")
        out, err = self.ok("dossier", "1", "-o", "case.html", wrap=wrap)
        check("GJ-01" in open(os.path.join(self.tmp, "case.html"), encoding="utf-8").read(), "html case file")
        self.ok("ledger", "-o", "l.xlsx", wrap=wrap)

    def test_init_without_libcsv_or_libexpat(self):
        self.refused("csv", "libcsv3", "init --from", "init", "--from", PLAN, "-o", "x.conf")
        self.refused("expat", "libexpat1", "init --from", "init", "--from", PLAN, "-o", "x.conf")

    def test_every_other_command_works_with_all_four_gone(self):
        wrap = self.hide(*LAZY)
        for args in (["show", "1"], ["list"], ["ping"], ["history", "1"], ["directory"], ["ledger", "-o", "all.md"],
                     ["ledger", "-o", "all.csv"], ["ledger", "-o", "all.html"], ["dossier", "1", "-o", "all.html"]):
            self.ok(*args, wrap=wrap)
        rc, out, err = self.ctl("ledger", "-o", "all.xlsx", wrap=wrap)
        eq(rc, 1, "and one that needs one of them is refused (%r)" % err)


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-lazylib", [Binary, AtRunTime, Missing], sys.argv[1:]))
