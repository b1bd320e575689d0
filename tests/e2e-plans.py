#!/usr/bin/python3
"""End-to-end tests of plans as people have them (issue 10): import of the
example plan as .xlsx (our own writer's and openpyxl's) and as GB18030 CSV
gives the same items as the UTF-8 CSV; import --dry-run lists every problem
with its position (CSV line, sheet row and column letter) and stores
nothing; the real import stays all-or-nothing; zip bombs and bad encodings
are refused with rectd still answering; rectctl init --from writes a config
that rectd accepts once the keys are made, and the plan then imports into a
rectd running that config with no unknown names.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-plans.py [-k TEXT]

Ends with "N passed, M failed".
"""

import csv
import datetime
import io
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
import xlsx_plan  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import PLAN, RECTCTL, RECTD, REPO, Daemon  # noqa: E402

ADMIN = "wangyan"
FIX = os.path.join(REPO, "tests", "unit", "data", "plan")


def plan_text():
    with open(PLAN, encoding="utf-8-sig") as f:
        return f.read()


def plan_xlsx(title=True):
    """The example plan as a workbook: shared strings, 整改时限 as dates
    (serial numbers with a date format), a merged title row above the header."""
    rows = xlsx_plan.plan_rows(PLAN)
    head = rows[0]
    dl = head.index("整改时限")
    body = [[xlsx_plan.parse_date(c) if i == dl else c for i, c in enumerate(r)] for r in rows[1:]]
    if title:
        return xlsx_plan.make_xlsx([["某镇巩固拓展脱贫攻坚成果整改方案"], head] + body, merges=["A1:J1"])
    return xlsx_plan.make_xlsx([head] + body)


def openpyxl_xlsx():
    """The plan as openpyxl writes it (real dates as datetime cells), or None."""
    try:
        import openpyxl
    except ImportError:
        return None
    rows = xlsx_plan.plan_rows(PLAN)
    dl = rows[0].index("整改时限")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(rows[0])
    for r in rows[1:]:
        ws.append([datetime.datetime.combine(xlsx_plan.parse_date(c), datetime.time()) if i == dl else c
                   for i, c in enumerate(r)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def fields(item):
    return tuple(item.get(k) for k in ("ref", "title", "deadline", "owner", "unit", "leader", "source", "kind"))


class Base:
    def setup(self):
        self.d = Daemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def call(self, cmd, args=None, user=ADMIN, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def items(self, inspection):
        return sorted(fields(i) for i in self.call("list", {"inspection": inspection})["items"])

    def refused(self, code, cmd, args, files=(), words=()):
        before = self.d.snapshot()
        try:
            self.call(cmd, args, files=files)
        except rawclient.Refused as e:
            eq(e.code, code, "%s: error code (%s)" % (cmd, e.message))
            for w in words:
                check(w in e.message, "message %r should mention %r" % (e.message, w))
            eq(self.d.snapshot(), before, "refused: nothing changed")
            return e.message
        raise Failure("%s succeeded; want %s" % (cmd, code))

    def dry_problems(self, data, **args):
        """An import dry run that must be refused: its error object (problems, problems_total)."""
        before = self.d.snapshot()
        try:
            self.call("import", dict(args, dry_run=True), files=[data])
        except rawclient.Refused as e:
            eq(e.code, "bad_import", "dry run refused (%s)" % e.message)
            eq(self.d.snapshot(), before, "a dry run stores nothing")
            err = e.reply["error"]
            check(err["message"].startswith(err["problems"][0]["message"]), "the message is the first problem")
            return err
        raise Failure("the dry run passed")

    def write(self, name, data):
        path = os.path.join(self.d.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path


class Formats(Base):
    def test_xlsx_and_gbk_csv_import_the_same_items_as_the_utf8_csv(self):
        with open(PLAN, "rb") as f:
            utf8 = f.read()
        r = self.call("import", {"inspection": "utf8"}, files=[utf8])
        eq((r["imported"], "format" in r, "encoding" in r), (29, False, False), "the UTF-8 CSV answers as before")
        want = self.items("utf8")
        eq(len(want), 29, "items of the UTF-8 import")
        check(all(w[2] and re.match(r"^\d{4}-\d\d-\d\d$", w[2]) for w in want), "deadlines are dates: %r" % want[:2])
        gbk = plan_text().encode("gb18030")
        check(gbk != utf8 and b"\xef\xbb\xbf" not in gbk, "really another encoding")
        r = self.call("import", {"inspection": "gbk"}, files=[gbk])
        eq((r["imported"], "format" in r, r["encoding"]), (29, False, "gb18030"), "the GB18030 CSV, detected")
        eq(self.items("gbk"), [(w[0],) + w[1:] for w in want], "GB18030: same refs, titles, deadlines, names")
        r = self.call("import", {"inspection": "xlsx"}, files=[plan_xlsx()])
        eq((r["imported"], r["format"], "encoding" in r), (29, "xlsx", False), "the workbook")
        eq(self.items("xlsx"), want, "xlsx: same items (dates from serial numbers, title row skipped)")
        book = openpyxl_xlsx()
        if book is not None:
            r = self.call("import", {"inspection": "openpyxl"}, files=[book])
            eq(r["imported"], 29, "openpyxl's workbook")
            eq(self.items("openpyxl"), want, "openpyxl's workbook: same items")
        # multi-line measures come through every format alike
        for insp in ("gbk", "xlsx"):
            a = [i for i in self.call("list", {"inspection": "utf8"})["items"] if i["ref"] == "GJ-05"][0]
            b = [i for i in self.call("list", {"inspection": insp})["items"] if i["ref"] == "GJ-05"][0]
            sa = self.call("show", {"item": a["id"]})["item"]
            sb = self.call("show", {"item": b["id"]})["item"]
            eq((sb.get("description"), sb.get("measures")), (sa.get("description"), sa.get("measures")),
               "%s: GJ-05's description and two-line measures" % insp)

    def test_rectctl_imports_a_workbook_and_a_gbk_file_by_their_bytes_not_their_names(self):
        x = self.write("plan.csv", plan_xlsx())  # a workbook named .csv
        r = self.d.ctl("import", x, "--inspection", "a", user=ADMIN, json_out=False)
        eq(r.rc, 0, "import of a workbook named plan.csv (%s)" % r.err)
        check("imported 29 items" in r.out, "says what it did: %r" % r.out)
        g = self.write("plan-gbk.xlsx", plan_text().encode("gb18030"))
        r = self.d.ctl("import", g, "--inspection", "b", user=ADMIN, json_out=False)
        eq(r.rc, 0, "GBK CSV named .xlsx (%s)" % r.err)
        check("GB18030" in r.out and "imported 29 items" in r.out, "names the encoding it read: %r" % r.out)

    def test_encoding_can_be_given_and_a_wrong_one_is_refused_naming_the_line(self):
        gbk = plan_text().encode("gb18030")
        r = self.call("import", {"inspection": "g", "encoding": "gb18030", "dry_run": True}, files=[gbk])
        eq((r["imported"], r["encoding"]), (29, "gb18030"), "--encoding gb18030")
        self.refused("bad_import", "import", {"encoding": "utf-8"}, files=[gbk], words=["line 1: not UTF-8 text"])
        self.refused("bad_value", "import", {"encoding": "latin1"}, files=[gbk], words=["utf-8 or gb18030"])
        p = self.write("g.csv", gbk)
        r = self.d.ctl("import", p, "--encoding", "utf-8", "--dry-run", user=ADMIN, json_out=False)
        check(r.rc != 0, "rectctl: refused")
        check("line 1: not UTF-8 text" in r.err, "the dry run's problem: %r" % r.err)

    def test_reconcile_reads_workbooks_and_gbk_like_utf8(self):
        with open(PLAN, "rb") as f:
            eq(self.call("import", {"inspection": "rec"}, files=[f.read()])["imported"], 29, "import")
        rows = [["编号", "状态"]] + [[r[0], "交办"] for r in xlsx_plan.plan_rows(PLAN)[1:-1]] + [["XJ-99", "交办"]]
        want = self.call("reconcile", {"inspection": "rec"}, files=[csv_bytes(rows)])
        eq((want["matched"], want["missing_here"], want["missing_there"]), (28, ["XJ-99"], ["XJ-04"]), "UTF-8")
        for what, data in (("gb18030", csv_bytes(rows, "gb18030")), ("xlsx", xlsx_plan.make_xlsx(rows))):
            eq(self.call("reconcile", {"inspection": "rec"}, files=[data]), want, "reconcile of %s" % what)
        rows[5][1] = "完成"
        msg = self.refused("bad_import", "reconcile", {"inspection": "rec"}, files=[xlsx_plan.make_xlsx(rows)])
        check("row 6" in msg and "完成" in msg, "a workbook's row: %r" % msg)

    def test_zip_bombs_and_damaged_workbooks_are_refused_and_rectd_goes_on(self):
        for name, words in (("bomb.xlsx", ["unpacks to more than 128 MiB"]),
                            ("many.xlsx", ["more than 1000"]),
                            ("notzip.xlsx", ["cannot be opened"]),
                            ("notbook.xlsx", ["not an .xlsx workbook"]),
                            ("badsst.xlsx", ["row 2, column A", "shared string"])):
            with open(os.path.join(FIX, name), "rb") as f:
                self.refused("bad_import", "import", {}, files=[f.read()], words=words)
        check("items" in self.call("ping"), "rectd still answers")


class DryRun(Base):
    def bad_plan(self):
        """The example plan with five problems in four rows."""
        rows = xlsx_plan.plan_rows(PLAN)
        rows[2][8] = "王五"          # GJ-02: unknown owner
        rows[5][9] = "2027-02-30"    # GJ-05: no such date
        rows[8][6] = "某某"          # GJ-08: unknown leader ...
        rows[8][7] = "水利站"        # ... and unit
        rows[11][3] = ""             # GJ-11: no title
        return rows

    def test_dry_run_lists_every_problem_with_its_line_and_column_and_stores_nothing(self):
        # GJ-05 (line 6) has two-line measures: the rows after it start a line further down
        data = csv_bytes(self.bad_plan())
        r = self.dry_problems(data)
        eq(r["problems_total"], 5, "five problems: %r" % r["problems"])
        got = [(p["line"], p.get("column")) for p in r["problems"]]
        eq(got, [(3, "责任人 (owner)"), (6, "整改时限 (deadline)"), (10, "责任领导 (leader)"),
                 (10, "责任单位 (unit)"), (13, "问题 (title)")], "physical lines and columns, in file order")
        check(r["problems"][0]["message"].startswith('line 3, column 责任人 (owner): unknown user "王五"'),
              "the message names its place: %r" % r["problems"][0])
        check("and 4 more problems" in r["message"], "the message counts the rest: %r" % r["message"])
        # rectctl: the count, then one problem a line, on stderr; exit 3
        p = self.write("bad.csv", data)
        c = self.d.ctl("import", p, "--dry-run", user=ADMIN, json_out=False)
        eq(c.rc, 3, "rectctl exits 3 when the check finds problems")
        lines = c.err.rstrip("\n").split("\n")
        check("5 problems; nothing was stored" in lines[0], "the count first: %r" % c.err)
        eq(len(lines), 6, "then one line per problem: %r" % c.err)
        check(all(re.match(r"^  line \d+, column ", ln) for ln in lines[1:]), "each names line and column: %r" % lines)
        eq(c.out, "", "nothing on stdout")

    def test_an_unknown_unit_lists_whole_configured_units_never_half_of_one(self):
        rows = xlsx_plan.plan_rows(PLAN)
        rows[1][7] = "不存在的单位"
        msg = [p["message"] for p in self.dry_problems(csv_bytes(rows))["problems"]][0]
        listed = msg.split("configured units: ", 1)[1]
        entries = [e for e in listed.split(", ") if e != "…"]
        units = {(u["id"], u["name"]) for u in self.d.cfg["units"]}
        check(entries, "some units listed: %r" % msg)
        for e in entries:
            m = re.match(r"^(\S+) \((.+)\)$", e)
            check(m and (m.group(1), m.group(2)) in units, "a whole configured unit: %r in %r" % (e, msg))
        check(len(entries) == len(units) or listed.endswith(", …"),
              "all units, or the rest said with …: %r" % msg)

    def test_the_real_import_is_refused_whole_naming_the_first_problem_and_the_count(self):
        msg = self.refused("bad_import", "import", {}, files=[csv_bytes(self.bad_plan())],
                           words=["line 3, column 责任人 (owner)", "and 4 more problems", "--dry-run"])
        check("王五" in msg, "first problem: %r" % msg)

    def test_workbook_problems_name_the_sheet_row_and_column_letter(self):
        rows = self.bad_plan()
        head, body = rows[0], rows[1:]
        x = xlsx_plan.make_xlsx([["标题"], head] + body, merges=["A1:J1"])
        r = self.dry_problems(x)
        # sheet rows: title 1, header 2, GJ-01 on 3: the CSV's line 3 is row 4
        eq([(p["line"], p.get("column")) for p in r["problems"]],
           [(4, "I (责任人, owner)"), (7, "J (整改时限, deadline)"), (10, "G (责任领导, leader)"),
            (10, "H (责任单位, unit)"), (13, "D (问题, title)")], "rows and column letters")
        check(r["problems"][0]["message"].startswith("row 4, column I (责任人, owner): unknown user"),
              "message: %r" % r["problems"][0]["message"])
        p = self.write("bad.xlsx", x)
        c = self.d.ctl("import", p, "--dry-run", user=ADMIN, json_out=False)
        eq(c.rc, 3, "rectctl exit")
        check("\n  row 4, column I" in c.err, "rectctl prints rows and letters: %r" % c.err)

    def test_more_than_200_problems_are_counted_and_the_rest_announced(self):
        rows = [["编号", "问题来源", "整改类型", "问题", "责任领导", "责任单位", "责任人", "整改时限"]]
        rows += [["R-%d" % i, "national", "immediate", "t", "张华", "xiangcun", "nobody", "2027-01-01"]
                 for i in range(230)]
        r = self.dry_problems(csv_bytes(rows))
        eq((len(r["problems"]), r["problems_total"]), (200, 230), "200 kept, 230 counted")
        p = self.write("many.csv", csv_bytes(rows))
        c = self.d.ctl("import", p, "--dry-run", user=ADMIN, json_out=False)
        check("230 problems" in c.err and "  ... and 30 more problems" in c.err, "announces the rest: %r" % c.err[-200:])

    def test_dry_run_also_lists_what_the_store_refuses(self):
        with open(PLAN, "rb") as f:
            data = f.read()
        eq(self.call("import", {}, files=[data])["imported"], 29, "first import")
        r = self.dry_problems(data)
        eq(r["problems_total"], 29, "every ref is taken now")
        check(all("already has an item with ref" in p["message"] for p in r["problems"]), "why: %r" % r["problems"][0])
        eq(r["problems"][1]["line"], 3, "with its line")


class Init(Base):
    def init(self, *args, cwd=None):
        p = subprocess.run([RECTCTL, "init"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, cwd=cwd)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def users(self, text):
        return re.findall(r'\{ name = "([^"]+)"; display = "([^"]+)"; roles = \[([^\]]*)\]', text)

    def make_keys(self, text):
        keys = os.path.join(self.d.tmp, "keys")
        for name, _, _ in self.users(text):
            p = subprocess.run([RECTCTL, "keygen", name, "-o", keys, "--force"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            eq(p.returncode, 0, "keygen %s: %s" % (name, p.stderr))
        p = subprocess.run([RECTD, "keygen", "-o", os.path.join(keys, "rectd"), "--force"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rectd keygen: %s" % p.stderr)

    def run_on(self, text):
        """Restart this fixture's rectd on the config text (keys made first)."""
        self.d.stop()
        self.make_keys(text)
        conf = self.d.save_conf(text)
        p = subprocess.run([RECTD, "--check", "-c", conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rectd --check accepts the config: %s" % p.stderr.decode())
        self.d.start()
        self.d.register_keys()

    def test_init_writes_a_config_rectd_accepts_and_the_plan_imports_into_it(self):
        out = os.path.join(self.d.tmp, "new.conf")
        rc, o, e = self.init("--from", PLAN, "-o", out)
        eq(rc, 0, "init (%s)" % e)
        check("wrote " + out in o, "says what it wrote: %r" % o)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        for w in ("# 问题来源 / sources", "请先逐项核对", "Check every entry", "rectd --check"):
            check(w in text, "commented in Chinese and English: %r" % w)
        users = self.users(text)
        displays = {d: (n, r) for n, d, r in users}
        for leader in ("张华", "李军", "陈梅"):
            check('"leader"' in displays[leader][1], "%s leads (责任领导): %r" % (leader, displays[leader]))
        for owner in ("李明", "赵丽", "孙强", "周萍", "吴刚"):
            check('"owner"' in displays[owner][1], "%s owns (责任人): %r" % (owner, displays[owner]))
        check(any('"admin"' in r for _, _, r in users) and any('"verifier"' in r for _, _, r in users),
              "an admin and a verifier to fill in")
        eq(len(users), 10, "8 people of the plan + admin + verifier")
        for unit in ("乡村振兴办公室", "托托村", "乌兰托布村", "托托社区"):
            check('name = "%s"' % unit, "unit %s" % unit)
        eq(text.count("{ id = "), 11 + 4, "11 units, 3 sources + 自查自纠")
        check('level = "national"' in text and 'level = "county"' in text, "levels guessed from the names")
        # refuses to overwrite, keeps the file
        rc, o, e = self.init("--from", PLAN, "-o", out)
        eq(rc, 1, "init over an existing file")
        check("exists" in e and "--force" in e, "says why: %r" % e)
        with open(out, encoding="utf-8") as f:
            eq(f.read(), text, "the file is untouched")
        rc, o, e = self.init("--from", PLAN, "-o", out, "--force")
        eq(rc, 0, "--force replaces it (%s)" % e)
        # rectd runs on it; the plan imports with every name known
        self.run_on(text)
        admin = [n for n, _, r in users if '"admin"' in r][0]
        r = self.d.call("import", {"dry_run": True}, user=admin, files=[open(PLAN, "rb").read()])
        eq((r["imported"], r["assigned"]), (29, 29), "dry run passes: no unknown names")
        r = self.d.call("import", {}, user=admin, files=[open(PLAN, "rb").read()])
        eq(r["imported"], 29, "imported into the new town's rectd")
        items = self.d.call("list", {}, user=admin)["items"]
        gj = [i for i in items if i["ref"] == "GJ-01"][0]
        eq((gj["owner"], gj["leader"]), (displays["李明"][0], displays["张华"][0]), "names became the new ids")

    def test_init_from_a_workbook_and_a_gbk_csv_writes_the_same_config(self):
        paths = {"csv": PLAN, "xlsx": self.write("plan.xlsx", plan_xlsx()),
                 "gbk": self.write("plan-gbk.csv", plan_text().encode("gb18030"))}
        texts = {}
        for k, p in paths.items():
            out = os.path.join(self.d.tmp, "%s.conf" % k)
            rc, o, e = self.init("--from", p, "-o", out)
            eq(rc, 0, "init from %s (%s)" % (k, e))
            with open(out, encoding="utf-8") as f:
                # the header names the file; an xlsx counts rows where CSV counts lines
                texts[k] = re.sub(r"第\d+行起|from (line|row) \d+", "", f.read())
                texts[k] = re.sub(r"(from|根据) \S+", "", texts[k])
        eq(texts["gbk"], texts["csv"], "GB18030 CSV: the same config")
        eq(texts["xlsx"], texts["csv"], "workbook: the same config")

    def test_init_pairs_an_id_and_a_name_the_rows_agree_on_and_lists_the_unsure(self):
        rows = xlsx_plan.plan_rows(PLAN)
        # 李明 written "liming" on half his rows (same units, same leaders): paired.
        # 托托社区 written "tuotuo" once, 乌兰托布村 never: weak, only a note.
        n = 0
        for r in rows[1:]:
            if r[8] == "李明":
                n += 1
                if n % 2 == 0:
                    r[8] = "liming"
        for r in rows[1:]:
            if r[7] == "托托社区":
                r[7] = "tuotuo"
                break
        p = self.write("mixed.csv", csv_bytes(rows))
        out = os.path.join(self.d.tmp, "mixed.conf")
        rc, o, e = self.init("--from", p, "-o", out)
        eq(rc, 0, "init (%s)" % e)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        users = self.users(text)
        check(("liming", "李明", '"owner"') in users, "liming = 李明 paired into one entry: %r" % users)
        check(not any(d == "李明" and n != "liming" for n, d, _ in users), "李明 not twice")
        check("已合并" in text and "paired" in text, "the comment says it paired them")
        check("# 待确认 / to confirm:" in text and '"tuotuo"' in text, "an unsure pairing listed: %s" % text[-900:])
        self.run_on(text)
        admin = [n for n, _, r in users if '"admin"' in r][0]
        r = self.d.call("import", {"dry_run": True, "inspection": "mixed"}, user=admin, files=[csv_bytes(rows)])
        eq(r["imported"], 29, "both spellings resolve")

    def test_init_refuses_a_missing_plan_a_bad_encoding_and_a_plan_without_columns(self):
        out = os.path.join(self.d.tmp, "x.conf")
        rc, o, e = self.init("--from", os.path.join(self.d.tmp, "nope.csv"), "-o", out)
        check(rc == 1 and "cannot read" in e, "missing file: %r" % e)
        rc, o, e = self.init("-o", out)
        check(rc == 1 and "--from" in e, "no --from: %r" % e)
        rc, o, e = self.init("--from", PLAN, "-o", out, "--encoding", "latin1")
        check(rc == 1 and "utf-8 or gb18030" in e, "bad encoding: %r" % e)
        p = self.write("cols.csv", "a,b,c\n1,2,3\n".encode())
        rc, o, e = self.init("--from", p, "-o", out)
        check(rc == 1 and "责任单位" in e, "no known column: %r" % e)
        with open(os.path.join(FIX, "bomb.xlsx"), "rb") as f:
            p = self.write("bomb.xlsx", f.read())
        rc, o, e = self.init("--from", p, "-o", out)
        check(rc == 1 and "128 MiB" in e, "a zip bomb: %r" % e)
        check(not os.path.exists(out), "nothing written")


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-plans", [Formats, DryRun, Init], sys.argv[1:]))
