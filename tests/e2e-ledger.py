#!/usr/bin/python3
"""End-to-end tests of the closeout ledger's client side (issue 4): rectctl
inspection, ledger (md, csv, json, html, xlsx), ledger check, stats, audit and
reconcile, against a real rectd on a temporary folder with a pinned clock.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-ledger.py [-k TEXT] [--keep] [--regen]

One rectd (rectd --clock-file) is driven through a scripted history of the
town's 29-item plan: days pass by rewriting the clock file, so every time and
every hash is the same on every run and the Markdown and CSV ledgers are
compared byte for byte with tests/golden/ (--regen rewrites those files; look
at the diff before committing it). The HTML page is rendered with headless
Chromium to PDF and PNG (tests/golden is not used for those); the workbook is
read back with openpyxl. Ends with "N passed, M failed"; exit 1 on failure.
"""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import LIVE, PLAN, RECTCTL, RECTD, REPO, Daemon  # noqa: E402

GOLDEN = os.path.join(REPO, "tests", "golden")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHOTO = b"\xff\xd8\xff\xe0 photo of the visit record \xff\xd9"

# The scripted history: (local time, [rectctl argv...]). Users: wangyan admin,
# maqing verifier, zhanghua leader+admin. GJ-03 and GJ-01 share a photo.
STEPS = [
    ("2026-11-29T09:00:00+08:00", [
        ["inspection", "add", "2025-assessment", "--title", "2025年考核评估反馈问题",
         "--fed-back", "national=25,region=5,county=5"],
        ["import", PLAN],
    ]),
    ("2026-12-01T10:00:00+08:00", [
        ["start", "GJ-03", "--note", "已制定整改方案"],
        ["evidence", "GJ-03", "--note", "补齐遍访记录", "--file", "@photo"],
        ["start", "GJ-01"],
        ["evidence", "GJ-01", "--note", "入户核查 | 3户\n已签字"],
    ]),
    ("2026-12-03T10:00:00+08:00", [
        ["verify", "GJ-03", "--reject", "--opinion", "缺少签字", "--as", "maqing"],
        ["evidence", "GJ-03", "--note", "补充签字确认表"],
        ["verify", "GJ-03", "--pass", "--opinion", "整改到位", "--as", "maqing"],
        ["close", "GJ-03", "--note", "同意销号", "--as", "zhanghua"],
    ]),
    ("2026-12-05T10:00:00+08:00", [
        ["evidence", "GJ-01", "--note", "走访照片", "--file", "@photo"],
        ["verify", "GJ-01", "--pass", "--opinion", "验收通过", "--as", "maqing"],
        ["close", "GJ-01", "--note", "对账销号", "--as", "zhanghua"],
    ]),
    ("2026-12-10T10:00:00+08:00", [
        ["start", "GJ-09"],
    ]),
    ("2026-12-18T10:00:00+08:00", [
        ["start", "GJ-15"],
    ]),
    ("2026-12-23T10:00:00+08:00", [
        ["evidence", "GJ-15", "--note", "=SUM(A1) 已整改"],
        ["verify", "GJ-15", "--pass", "--opinion", "同意", "--as", "maqing"],
        ["close", "GJ-15", "--note", "逾期销号", "--as", "zhanghua"],
    ]),
    ("2027-01-05T09:30:00+08:00", []),
]


class ClockDaemon(Daemon):
    """A rectd started with --clock-file (the test moves time)."""

    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")
        self.clock = os.path.join(tmp, "clock")
        super().__init__({"notify.pub_endpoint": "ipc://%s/pub.sock" % tmp}, tmp=tmp)

    def set_clock(self, when):
        with open(self.clock + ".new", "w") as f:
            f.write(when + "\n")
        os.replace(self.clock + ".new", self.clock)

    def start(self, wait=True):
        self.starts += 1
        err_path = os.path.join(self.tmp, "rectd.%d.err" % self.starts)
        self.err_files.append(err_path)
        with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
            self.proc = subprocess.Popen([RECTD, "-c", self.conf, "--clock-file", self.clock],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        LIVE.add(self.proc)
        if wait:
            self.wait_ready()
        return self.proc


class Suite:
    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = ClockDaemon()
        self.daemons.append(self.d)
        self.out = os.path.join(self.d.tmp, "out")
        os.makedirs(self.out)
        photo = os.path.join(self.d.tmp, "入户照片.jpg")
        with open(photo, "wb") as f:
            f.write(PHOTO)
        self.d.set_clock(STEPS[0][0])
        self.d.start()
        for when, cmds in STEPS:
            self.d.set_clock(when)
            for argv in cmds:
                argv = [photo if a == "@photo" else a for a in argv]
                user = None
                if "--as" in argv:
                    i = argv.index("--as")
                    user = argv[i + 1]
                    argv = argv[:i] + argv[i + 2:]
                r = self.d.ctl(*argv, user=user or "wangyan", json_out=False)
                if r.rc != 0:
                    raise Failure("scripted step %s at %s failed: %r" % (argv, when, r))

    def teardown(self, keep):
        # --keep keeps the folder (and what the tests wrote in it) in any case
        return e2e_runner.stop_daemons(self.daemons, "failed" if self.args.keep else "no",
                                       scan=False, only_running=False, say_kept=True)

    def ctl(self, *args, json_out=False, user="wangyan"):
        return self.d.ctl(*args, user=user, json_out=json_out)

    def ledger_json(self, *args):
        r = self.ctl("ledger", "--format", "json", *args)
        eq(r.rc, 0, "ledger --format json exit (%s)" % r.err)
        return json.loads(r.out)

    def golden(self, name, text):
        """Compare text with tests/golden/name. The chain head's hash depends on
        who connected (every event records the client's key, made anew for
        each run), so it must be the real head and is compared as <HEAD>."""
        head = self.d.call("ping")["head"]["hash"]
        check(head in text, "%s shows the chain head %s" % (name, head))
        text = text.replace(head, "<HEAD>")
        path = os.path.join(GOLDEN, name)
        if self.args.regen:
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            return
        check(os.path.exists(path), "%s is missing: run with --regen and review it" % path)
        with open(path, encoding="utf-8", newline="") as f:
            want = f.read()
        if text != want:
            for i, (a, b) in enumerate(zip(text.splitlines(), want.splitlines())):
                if a != b:
                    raise Failure("%s differs at line %d:\n got  %r\n want %r" % (name, i + 1, a, b))
            raise Failure("%s differs in length: got %d lines, want %d"
                          % (name, len(text.splitlines()), len(want.splitlines())))

    # ---- the formats ----------------------------------------------------------

    def test_markdown_golden(self):
        r = self.ctl("ledger", "--inspection", "2025-assessment")
        eq(r.rc, 0, "ledger exit (%s)" % r.err)
        self.golden("ledger.zh.md", r.out)
        lines = r.out.splitlines()
        eq(lines[0], "# 2025年考核评估反馈问题 整改销号台账", "title line")
        check("- 国家反馈共性问题（反馈/认领）: 25/22" in lines, "national 25/22 in heading")
        check("- 自治区“两办”反馈问题（反馈/认领）: 5/3" in lines, "region 5/3")
        check("- 精河县反馈问题（反馈/认领）: 5/4" in lines, "county 5/4")
        check("- 立查立改/长期坚持: 5/24" in lines, "kinds 5/24")
        check("- 已销号/总数: 3/29" in lines, "closed 3/29")
        check("- 当前逾期: 3" in lines, "overdue now 3 (GJ-09, ZZQ-02, XJ-03)")
        check("- 按期销号: 2" in lines, "closed on time 2")
        rows = [l for l in lines if re.match(r"^\| (GJ|ZZQ|XJ)-", l)]
        eq(len(rows), 29, "table rows")
        gj01 = next(l for l in rows if l.startswith("| GJ-01 "))
        check("入户核查 \\| 3户<br>已签字" not in gj01, "GJ-01's latest evidence is the later one")
        check("| 2 ※ |" in gj01, "GJ-01: 2 evidence entries, marked reused: %s" % gj01)
        check("审核人: 王燕 ______" in r.out, "sign-off line")
        head = next(l for l in lines if l.startswith("| 编号 "))
        check("| 销号人及时间 | 销号时逾期天数 | 当前逾期天数 | 退回次数 |" in head, "days columns: %s" % head)
        cells = {l.split(" | ")[0][2:]: [c.strip() for c in re.split(r"(?<!\\)\|", l)[1:-1]]
                 for l in rows}
        # as of 2027-01-05: GJ-09 (deadline 2026-12-31, rectifying) is 5 days
        # overdue now; GJ-15 was closed 3 days late; open and on time: empty
        eq((cells["GJ-09"][14], cells["GJ-09"][15]), ("", "5"), "GJ-09 late at closure / now")
        eq((cells["GJ-15"][14], cells["GJ-15"][15]), ("3", ""), "GJ-15 late at closure / now")
        eq((cells["GJ-02"][14], cells["GJ-02"][15]), ("", ""), "GJ-02 not overdue")

    def test_markdown_escapes(self):
        # The first evidence note of GJ-01 holds "|" and a newline: as of the
        # day it was filed it is the latest one.
        r = self.ctl("ledger", "--as-of", "2026-12-02")
        eq(r.rc, 0, "exit")
        gj01 = next(l for l in r.out.splitlines() if l.startswith("| GJ-01 "))
        check("入户核查 \\| 3户<br>已签字" in gj01, "| and newline escaped: %s" % gj01)
        eq(len(re.split(r"(?<!\\)\|", gj01)) - 2, 19, "GJ-01 has 19 cells")

    def test_csv_golden(self):
        r = self.ctl("ledger", "--format", "csv", "--inspection", "2025-assessment")
        eq(r.rc, 0, "exit")
        self.golden("ledger.zh.csv", r.out)
        raw = subprocess.run([RECTCTL, "-c", self.d.conf, "--as", "wangyan", "ledger",
                              "--format", "csv"], stdout=subprocess.PIPE, check=True).stdout
        check(raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM")
        check(b"\r\n" in raw and re.search(rb"[^\r]\n", raw) is None, "CRLF line ends only")
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
        head = rows.index(next(r_ for r_ in rows if r_ and r_[0] == "编号"))
        eq(rows[head][:4], ["编号", "问题来源", "问题", "整改措施"], "header")
        data = rows[head + 1:head + 30]
        eq([x[0] for x in data][:3], ["GJ-01", "GJ-02", "GJ-03"], "first refs")
        by = {x[0]: x for x in data}
        eq(len(by), 29, "29 data rows")
        eq(by["GJ-03"][9], "已销号", "GJ-03 state")
        eq(by["GJ-03"][16], "1", "GJ-03 rejections")
        check(by["GJ-03"][12].startswith("马青 2026-12-03 10:00"), "verifier and local time")
        eq(rows[head][14:16], ["销号时逾期天数", "当前逾期天数"], "days columns")
        eq((by["GJ-15"][14], by["GJ-15"][15]), ("3", ""), "GJ-15 closed 3 days late")
        eq((by["GJ-09"][14], by["GJ-09"][15]), ("", "5"), "GJ-09 5 days overdue now")
        eq(by["GJ-15"][11], "'=SUM(A1) 已整改", "formula-looking text is guarded")
        eq(by["GJ-09"][8], "2026-12-31", "deadline")
        eq(by["GJ-09"][9], "整改中", "GJ-09 rectifying")
        eq(by["GJ-05"][3].count("\r\n"), 1, "multi-line measures kept, CRLF inside the cell")
        check(rows[-1][0].startswith("※"), "reuse legend last: %r" % rows[-1])

    def test_lang_en(self):
        r = self.ctl("ledger", "--lang", "en", "--inspection", "2025-assessment")
        eq(r.rc, 0, "exit")
        self.golden("ledger.en.md", r.out)
        check(r.out.startswith("# 2025年考核评估反馈问题: closeout ledger\n"), "English title")
        check("| Ref | Source | Problem | Measures | Kind |" in r.out, "English header")
        check("- Closed/total: 3/29" in r.out, "English summary")
        check("| Closed |" in r.out and "已销号" not in r.out, "English state labels")
        check("Reviewer: 王燕 ______" in r.out, "reviewer line")

    def test_json_is_protocol_result(self):
        got = self.ledger_json()
        with self.d.raw("wangyan") as c:
            want = c.call("ledger", {})
        eq(got, want, "--format json = the protocol's result")
        eq(got["summary"]["closed"], 3, "closed")

    def test_as_of(self):
        a = self.ledger_json("--as-of", "2026-12-02")
        eq(a["as_of"], "2026-12-02", "as_of")
        rows = {r["ref"]: r for r in a["rows"]}
        eq(rows["GJ-03"]["state"], "rectifying", "GJ-03 on 12-02")
        eq(rows["GJ-03"]["evidence_count"], 1, "GJ-03 evidence on 12-02")
        eq(a["summary"]["closed"], 0, "nothing closed by 12-02")
        b = self.ledger_json("--as-of", "2026-12-04")
        rows = {r["ref"]: r for r in b["rows"]}
        eq((rows["GJ-03"]["state"], rows["GJ-01"]["state"]), ("closed", "rectifying"), "12-04")
        r = self.ctl("ledger", "--as-of", "2026-12-04", "--format", "csv")
        check(",截至,2026-12-04" in "," + r.out.replace("\r\n", ","), "as of in the CSV heading")
        # days overdue now is counted at as_of: XJ-03 (deadline 2026-12-31) is
        # not overdue on 2026-12-04 and is 5 days overdue on 2027-01-05
        rows = list(csv.reader(io.StringIO(r.out.lstrip("\ufeff"), newline="")))
        xj03 = next(x for x in rows if x and x[0] == "XJ-03")
        eq(xj03[15], "", "XJ-03 not overdue on 2026-12-04")
        r = self.ctl("ledger", "--as-of", "2027-01-05", "--format", "csv")
        rows = list(csv.reader(io.StringIO(r.out.lstrip("\ufeff"), newline="")))
        xj03 = next(x for x in rows if x and x[0] == "XJ-03")
        eq(xj03[15], "5", "XJ-03 5 days overdue on 2027-01-05 (today)")
        # the record has no future: a date after today is refused
        r = self.ctl("ledger", "--as-of", "2027-01-06", "--format", "csv")
        eq(r.rc, 3, "as of tomorrow: exit")
        check("bad_value" in r.err and "after today" in r.err, "as of tomorrow: %r" % r.err)

    def test_output_file_and_extension(self):
        path = os.path.join(self.out, "台账.csv")
        r = self.ctl("ledger", "-o", path)
        # the ledger goes to the file; stdout says what was written (issue 10)
        eq((r.rc, r.out), (0, "wrote %s (csv): the ledger of all inspections, 29 items\n" % path),
           "-o names the file, its format and the rows")
        with open(path, "rb") as f:
            check(f.read(3) == b"\xef\xbb\xbf", "format from the .csv extension")
        check(not [n for n in os.listdir(self.out) if ".tmp" in n], "no temporary left")

    def test_usage_errors(self):
        for args, what in [(["--format", "xlsx"], "xlsx needs -o"),
                           (["--format", "pdf"], "unknown format"),
                           (["--lang", "fr"], "unknown language"),
                           (["--as-of", "2026-02-30"], "bad date")]:
            r = self.ctl("ledger", *args)
            eq(r.rc, 1, "%s: exit" % what)
            check(r.err.startswith("rectctl: ledger:"), "%s: message %r" % (what, r.err))
        r = self.ctl("ledger", "-o", "/nonexistent-dir/x.md")
        eq(r.rc, 1, "unwritable -o")
        for cmd in (["ledger"], ["stats"]):
            r = self.ctl(*cmd, "--inspection", "no-such")
            eq(r.rc, 3, "%s of an unknown inspection: exit" % cmd[0])
            check("unknown_name" in r.err and "no-such" in r.err, "%s: %r" % (cmd[0], r.err))

    def test_html_page(self):
        path = os.path.join(self.out, "ledger.html")
        r = self.ctl("ledger", "-o", path)
        eq(r.rc, 0, "exit (%s)" % r.err)
        with open(path, encoding="utf-8") as f:
            html = f.read()
        check('<html lang="zh-CN">' in html, "lang zh-CN")
        check("size: A4 landscape" in html, "@page A4 landscape")
        check("display: table-header-group" in html, "header repeated")
        check("counter(pages)" in html, "page numbers")
        eq(html.count("<svg "), 3, "three charts")
        check(not re.search(r"<script|<link|<img|@import|url\(", html), "self-contained")
        check(not re.search(r'(src|href)=', html), "no external references")
        for ref in ("GJ-01", "ZZQ-03", "XJ-04"):
            check(">%s</td>" % ref in html, "row %s" % ref)
        # the open-items chart: 29 open at the start, 26 at the end
        pts = re.findall(r"<title>(\d{4}-\d\d-\d\d): (\d+)</title>", html)
        check(len(pts) >= 10, "series points: %d" % len(pts))
        eq((pts[0], pts[-1]), (("2026-11-29", "29"), ("2027-01-05", "26")), "series ends")
        check(re.search(r"各责任单位红灯问题", html), "red chart caption")

    def test_html_chromium(self):
        check(CHROMIUM, "chromium is not installed (make deps installs it)")
        html = os.path.join(self.out, "print.html")
        eq(self.ctl("ledger", "-o", html, "--inspection", "2025-assessment").rc, 0, "ledger html")
        pdf = os.path.join(self.out, "ledger.pdf")
        png = os.path.join(self.out, "ledger.png")
        profile = os.path.join(self.d.tmp, "chromium")
        base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile]
        for extra in (["--no-pdf-header-footer", "--print-to-pdf=" + pdf],
                      ["--screenshot=" + png, "--window-size=1600,1000"]):
            p = subprocess.run(base + extra + ["file://" + html], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120, start_new_session=True)
            eq(p.returncode, 0, "chromium %s: %s" % (extra[-1], p.stderr[-500:]))
        check(os.path.getsize(png) > 20000, "a PNG was drawn")
        if self.args.keep:
            shutil.copy(png, "/tmp/ledger-e2e.png")
            shutil.copy(pdf, "/tmp/ledger-e2e.pdf")
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], stdout=subprocess.PIPE,
                              check=True).stdout.decode("utf-8")
        refs = [r["ref"] for r in self.ledger_json()["rows"]]
        missing = [r for r in refs if r not in text]
        eq(missing, [], "refs missing from the PDF text")
        info = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE, check=True).stdout.decode()
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        check(pages >= 2, "the ledger spans pages: %d" % pages)
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        check(float(size.group(1)) > float(size.group(2)), "landscape: %s" % size.group(0))
        check(abs(float(size.group(1)) - 841.9) < 2, "A4 width: %s" % size.group(0))
        check("第 1 页，共 %d 页" % pages in text, "page numbers in the PDF")
        check("审核人" in text, "sign-off in the PDF")
        # the table header is printed on every page the table reaches
        for page in range(1, pages + 1):
            one = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", pdf, "-"],
                                 stdout=subprocess.PIPE, check=True).stdout.decode("utf-8")
            if any(r in one for r in refs):
                check("编号" in one and "整改" in one, "the header on page %d" % page)

    def test_xlsx(self):
        path = os.path.join(self.out, "台账.xlsx")
        r = self.ctl("ledger", "-o", path, "--inspection", "2025-assessment")
        eq(r.rc, 0, "exit (%s)" % r.err)
        code = r'''
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["台账"]
rows = [[c.value for c in row] for row in ws.iter_rows()]
head = next(i for i, r in enumerate(rows) if r[0] == "编号")
title = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).endswith("整改销号台账"))
st = wb["统计"]
out = {
  "sheets": wb.sheetnames, "title": rows[title][0], "head": head + 1, "header": rows[head],
  "title_row": title + 1, "autofilter": ws.auto_filter.ref, "font": ws.cell(head + 2, 3).font.name,
  "print_header": ws.oddHeader.center.text,
  "data": rows[head + 1:head + 30], "freeze": ws.freeze_panes,
  "orientation": ws.page_setup.orientation, "paper": ws.page_setup.paperSize,
  "titles": ws.print_title_rows, "fit": ws.sheet_properties.pageSetUpPr.fitToPage,
  "width_title": ws.column_dimensions["C"].width, "width_ref": ws.column_dimensions["A"].width,
  "wrap": ws.cell(head + 2, 4).alignment.wrap_text,
  "summary": rows[title + 1:title + 12],
  "stats": [[c.value for c in row] for row in st.iter_rows()],
  "stats_widths": [st.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
                   for i in range(st.max_column)],
  "footer": [r for r in rows[head + 30:] if r[0]],
}
print(json.dumps(out, ensure_ascii=False, default=str))
'''
        p = subprocess.run(["/usr/bin/python3", "-c", code, path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        eq(p.returncode, 0, "openpyxl: %s" % p.stderr.decode()[-800:])
        x = json.loads(p.stdout)
        eq(x["sheets"], ["台账", "统计"], "sheet names")
        eq(x["title"], "2025年考核评估反馈问题 整改销号台账", "title row")
        eq(x["head"], 1, "the table's header is the first row")
        eq(x["freeze"], "B2", "only the header row and the ref column are frozen")
        eq(x["autofilter"], "A1:T30", "an autofilter over the header and the 29 rows")
        eq(x["font"], "Noto Sans CJK SC", "cells in a CJK font")
        check(x["title_row"] > 31, "the title and summary below the table: row %d" % x["title_row"])
        check("2025年考核评估反馈问题 整改销号台账" in (x["print_header"] or ""),
              "the title in the printed page's header: %r" % x["print_header"])
        eq((x["orientation"], str(x["paper"])), ("landscape", "9"), "A4 landscape")
        eq(x["titles"], "$%d:$%d" % (x["head"], x["head"]), "header row repeated on print")
        check(x["fit"], "fit to page width")
        check(x["width_title"] > x["width_ref"] >= 6, "widths from text: %r" % x)
        check(x["wrap"], "wrapped cells")
        eq(len(x["data"]), 29, "29 rows")
        by = {r[0]: r for r in x["data"]}
        eq(by["GJ-03"][9], "已销号", "GJ-03 state")
        eq(x["header"][10:12], ["佐证", "佐证复用"], "the reuse mark has its own column")
        eq(x["header"][15:17], ["销号时逾期天数", "当前逾期天数"], "days columns")
        eq((by["GJ-15"][15], by["GJ-15"][16]), (3, None), "GJ-15 days late is a number")
        eq((by["GJ-09"][15], by["GJ-09"][16]), (None, 5), "GJ-09 days overdue now is a number")
        eq((by["GJ-01"][10], by["GJ-01"][11]), (2, "※"), "evidence count a number, reuse marked")
        eq((by["GJ-02"][10], by["GJ-02"][11]), (0, None), "not reused: no mark")
        check(all(isinstance(r[10], int) for r in x["data"]), "every evidence count is a number")
        eq(by["GJ-05"][7], "周萍", "owner display name")
        check(["国家反馈共性问题（反馈/认领）", None, None, "25/22"] == x["summary"][1][:4],
              "summary row: %r" % x["summary"][1][:4])
        check(any(r[0] == "审核人" for r in x["footer"]), "sign-off row")
        st = x["stats"]
        blocks = [r[0] for r in st if r[0] and r[0].startswith("按")]
        eq(blocks, ["按问题来源", "按整改类型", "按责任单位", "按责任领导", "按责任人"], "stat blocks")
        total = next(r for r in st if r[0] == "合计")
        eq((total[1], total[6]), (29, 3), "stats total: items and closed")
        # every column at least as wide as its header (CJK counts 2)
        header = next(r for r in st if r[0] == "分组")
        for i, h in enumerate(header):
            w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in h)
            check(x["stats_widths"][i] >= w, "统计 column %d (%s): width %s < %d"
                  % (i, h, x["stats_widths"][i], w))
        # groups in the config's order of units and users, not by key
        def block(title):
            i = next(k for k, r in enumerate(st) if r[0] == title)
            names = []
            for r in st[i + 2:]:
                if r[0] == "合计":
                    return names
                names.append(r[0])
        with open(self.d.conf, encoding="utf-8") as f:
            conf = f.read()
        def configured(section, key):
            body = re.search(r"^%s = \((.*?)^\);" % section, conf, re.S | re.M).group(1)
            return re.findall(r'%s = "([^"]+)"' % key, body)
        units = block("按责任单位")
        eq(units, [u for u in configured("units", "name") if u in units], "units in config order")
        check(units[0] == "党政综合办公室" and len(units) > 5, "units: %r" % units)
        owners = block("按责任人")
        eq(owners, [u for u in configured("users", "display") if u in owners], "owners in config order")
        eq(block("按问题来源"), ["国家反馈共性问题", "自治区“两办”反馈问题", "精河县反馈问题"],
           "sources in config order")

    # ---- ledger check, audit, stats, reconcile ---------------------------------

    def test_ledger_check(self):
        path = os.path.join(self.out, "ledger.json")
        eq(self.ctl("ledger", "-o", path, "--inspection", "2025-assessment").rc, 0, "save json")
        r = self.ctl("ledger", "check", path)
        eq(r.rc, 0, "untouched file: %r" % r)
        check(r.out.startswith("ok: ") and "chain ok" in r.out, "ok line: %r" % r.out)
        # a day later (more events), the saved file still matches its seq
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for mutate, where in [
                (lambda d: d["rows"][2].__setitem__("state", "rectifying"), "rows[2](GJ-03).state"),
                (lambda d: d["rows"][0].__setitem__("verified_by", "wangyan"), "rows[0](GJ-01).verified_by"),
                (lambda d: d["summary"].__setitem__("closed", 4), "summary.closed"),
                (lambda d: d["rows"].pop(), "rows[28](XJ-04)"),
                (lambda d: d["summary"].__setitem__("overdue", 0), "summary.overdue"),
                (lambda d: d["head"].__setitem__("seq", d["head"]["seq"] + 5),
                 "the record is shorter than the ledger")]:
            bad = json.loads(json.dumps(doc))
            mutate(bad)
            p2 = os.path.join(self.out, "edited.json")
            with open(p2, "w", encoding="utf-8") as f:
                json.dump(bad, f, ensure_ascii=False)
            r = self.ctl("ledger", "check", p2)
            eq(r.rc, 3, "edited (%s): exit" % where)
            check(where in r.out, "names %s: %r" % (where, r.out))
        # as_of ledgers are checked at their seq, and their date must reach it
        p3 = os.path.join(self.out, "asof.json")
        eq(self.ctl("ledger", "--as-of", "2026-12-04", "-o", p3).rc, 0, "save as_of json")
        r = self.ctl("ledger", "check", p3)
        eq(r.rc, 0, "as_of file checks: %r" % r)
        with open(p3, encoding="utf-8") as f:
            bad = json.load(f)
        bad["as_of"] = "2026-12-02"  # before events the file holds
        with open(p3, "w", encoding="utf-8") as f:
            json.dump(bad, f, ensure_ascii=False)
        r = self.ctl("ledger", "check", p3)
        eq(r.rc, 3, "an as_of before the file's events: %r" % r)
        check("the end of 2026-12-02 ends at #" in r.out, "names the date: %r" % r.out)
        with open(os.path.join(self.out, "junk.json"), "w") as f:
            f.write("{}")
        eq(self.ctl("ledger", "check", os.path.join(self.out, "junk.json")).rc, 1, "not a ledger")

    # ---- tests that add events: run after every other test -------------------

    def test_later_ledger_check_as_of_today(self):
        # A ledger saved --as-of today still checks after a later action that
        # same day: it is rebuilt at its seq, not by its date.
        today = self.ledger_json()["generated_at"]
        eq(today[:10], "2027-01-05", "the pinned day (UTC)")
        path = os.path.join(self.out, "today.json")
        eq(self.ctl("ledger", "--as-of", "2027-01-05", "-o", path).rc, 0, "save --as-of today")
        r = self.ctl("start", "XJ-02")
        eq(r.rc, 0, "one more action: %r" % r)
        r = self.ctl("ledger", "check", path)
        eq(r.rc, 0, "still matches: %r" % r)
        check(r.out.startswith("ok: "), "ok line: %r" % r.out)

    def test_later_show_marks_reused_evidence(self):
        other = os.path.join(self.d.tmp, "清理前后对比.jpg")
        with open(other, "wb") as f:
            f.write(b"\xff\xd8 a photo filed once \xff\xd9")
        eq(self.ctl("start", "XJ-01").rc, 0, "start XJ-01")
        eq(self.ctl("evidence", "XJ-01", "--note", "回头看记录", "--file", other).rc, 0,
           "file a photo no other item has")
        # GJ-03 (item 3) and GJ-01 (item 1) filed the same photo
        r = self.ctl("show", "GJ-03")
        eq(r.rc, 0, "show exit")
        lines = r.out.splitlines()
        i = next(k for k, l in enumerate(lines) if "入户照片.jpg" in l)
        eq(lines[i + 1], "        ※ also evidence of item 1", "mark under the reused file")
        eq(sum("※" in l for l in lines), 1, "one mark in GJ-03's show")
        r = self.ctl("show", "GJ-01")
        lines = r.out.splitlines()
        i = next(k for k, l in enumerate(lines) if "入户照片.jpg" in l)
        eq(lines[i + 1], "        ※ also evidence of item 3", "and the other way round")
        r = self.ctl("show", "XJ-01")
        eq(r.rc, 0, "show exit")
        check("清理前后对比.jpg" in r.out, "the file is listed: %r" % r.out)
        check("※" not in r.out, "no mark for a file no other item filed: %r" % r.out)

    def test_audit(self):
        r = self.ctl("audit", "verify")
        eq(r.rc, 0, "exit")
        head = self.ledger_json()["head"]
        eq(r.out, "ok, %d events, head #%d %s\n" % (head["seq"], head["seq"], head["hash"]),
           "verify line")
        r = self.ctl("audit", "reuse")
        eq(r.rc, 0, "exit")
        lines = r.out.splitlines()
        check(lines[0].startswith("sha256 ") and "filed 2 times" in lines[0], "reuse: %r" % r.out)
        check(lines[1].startswith("  GJ-03 (item 3)") and "入户照片.jpg" in lines[1], "first use")
        check(lines[2].startswith("  GJ-01 (item 1)"), "second use")

    def test_stats(self):
        r = self.ctl("stats", "--by", "source", json_out=True)
        st = json.loads(r.out)
        eq(st["total"]["closed"], 3, "closed")
        r = self.ctl("stats", "--by", "source")
        eq(r.rc, 0, "exit")
        line = next(l for l in r.out.splitlines() if l.startswith("国家反馈共性问题"))
        eq(line.split()[1:3], ["22", "0"], "national: 22 items, 0 claimed")
        check(r.out.splitlines()[-1].split()[:2] == ["total", "29"], "total line")
        r = self.ctl("stats", "--by", "colour")
        eq(r.rc, 3, "bad --by: rectd refuses it")
        check("bad_value" in r.err and "by must be unit, owner, leader, source or kind, not \"colour\""
              in r.err, "rectd's refusal says what --by may be: %r" % r.err)

    def test_reconcile(self):
        path = os.path.join(self.out, "county.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("编号,状态\n")
            for r in self.ledger_json()["rows"]:
                if r["ref"] == "XJ-04":
                    continue  # missing there
                state = "认领" if r["ref"] == "GJ-03" else ""
                f.write("%s,%s\n" % (r["ref"], state))
            f.write("XJ-09,\n")  # missing here
        r = self.ctl("reconcile", path)
        eq(r.rc, 0, "exit (%s)" % r.err)
        lines = r.out.splitlines()
        eq(lines[0], "inspection 2025-assessment: 27 matched", "matched")
        eq(lines[1], "in the file, not in rectd (1): XJ-09", "missing here")
        eq(lines[2], "in rectd, not in the file (1): XJ-04", "missing there")
        eq(lines[3], "state differs (1):", "differs")
        check(lines[4].startswith("  GJ-03: here closed"), "GJ-03 here/there: %r" % lines[4])

    def test_inspections(self):
        r = self.ctl("inspection", "list")
        eq(r.rc, 0, "exit")
        check("    国家反馈共性问题 25/22" in r.out.splitlines(), "fed back/claimed: %r" % r.out)
        r = self.ctl("inspection", "add", "x", "--title", "t", "--fed-back", "national=-1")
        eq(r.rc, 1, "negative count refused locally")
        r = self.ctl("inspection", "add", "x", "--title", "t", "--fed-back", "nowhere=1")
        eq(r.rc, 3, "unknown source refused by rectd")

    def test_help(self):
        for cmd in (["ledger"], ["ledger", "check"], ["stats"], ["audit", "verify"],
                    ["audit", "reuse"], ["reconcile"], ["inspection", "add"],
                    ["inspection", "list"]):
            r = self.ctl(*(cmd + ["--help"]))
            eq(r.rc, 0, "%s --help" % cmd)
            check(r.out.startswith("usage: rectctl %s" % " ".join(cmd)), "%s usage" % cmd)


def later_last(names):
    """test_later_* add events (the golden files pin the record): last."""
    names = sorted(names)
    return ([n for n in names if not n.startswith("test_later_")]
            + [n for n in names if n.startswith("test_later_")])


def main(argv):
    return e2e_runner.main("e2e-ledger", [Suite], argv, flags=("--regen",),
                           setup_failure="once", order=later_last, count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
