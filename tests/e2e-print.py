#!/usr/bin/python3
"""End-to-end tests of the printed ledger (issue 10, "a printed ledger people
can read"): the HTML page as headless Chromium prints it, measured in the PDF
(pdftotext -bbox-layout, pdfinfo, pdffonts), `ledger --columns`, and the
workbook's table set-up read back with openpyxl.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-print.py [-k TEXT] [--keep]

One rectd with the example plan, one problem given a very long title and one
a middling one, a little work done (so that some columns hold something and
others nothing). What is measured in the PDF: every word of the table is at
least 9pt (a word's size is its height over the height a CJK word of known
size has, calibrated on the page itself: a CJK character is 1 em wide), the
page is A4 landscape, the long title takes at most three lines and ends with
"…" while the middling one is whole, the plan's titles take at most two
lines, the columns left out are absent from the text, the seal, reviewer
and date are on one line, and the chain head is printed short with its
note. Ends with "N passed, M failed"; exit 1 on failure.
"""

import collections
import html as htmlmod
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
from e2e_runner import Failure, Skip, check, eq  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSP = "2025-assessment"
# Characters no other text of the plan holds: the long title is found by them.
LONG = "甲乙丙丁戊己庚辛壬癸" * 9 + "子丑寅卯"
MIDDLE = "村级光伏电站收益分配公示不及时且分配方案未经村民代表大会审议通过"
COLUMNS = ["编号", "问题来源", "问题", "整改措施", "整改类型", "责任领导", "责任单位", "责任人",
           "整改时限", "状态", "佐证", "最新佐证", "验收人及时间", "销号人及时间", "销号时逾期天数",
           "当前逾期天数", "退回次数", "延期次数", "督办次数"]
# What no row holds after the setup's work (nothing verified, closed, late,
# rejected, extended or escalated): left out of the printed page by default.
EMPTY = ["验收人及时间", "销号人及时间", "销号时逾期天数", "当前逾期天数", "退回次数", "延期次数", "督办次数"]
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
CJK = re.compile(r"^[\u4e00-\u9fff]+$")


def pdf_words(pdf):
    """[(page, x0, y0, x1, y1, text)] of every word, and the pages' sizes."""
    p = subprocess.run(["pdftotext", "-bbox-layout", pdf, "-"], stdout=subprocess.PIPE, check=True)
    doc = p.stdout.decode("utf-8")
    words, sizes = [], []
    for n, page in enumerate(re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', doc, re.S)):
        sizes.append((float(page[0]), float(page[1])))
        for m in WORD.finditer(page[2]):
            x0, y0, x1, y1 = map(float, m.groups()[:4])
            words.append((n + 1, x0, y0, x1, y1, htmlmod.unescape(m.group(5))))
    return words, sizes


class Print:
    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = Daemon()
        # A pinned clock, before every deadline of the plan (the first is
        # 2026-12-15): on the real clock, from 2026-12-16 in Asia/Shanghai on,
        # items are overdue and the ledger has the 当前逾期天数 column that
        # EMPTY says no row fills.
        self.d.clock_path = os.path.join(self.d.tmp, "clock")
        with open(self.d.clock_path, "w") as f:
            f.write("2026-12-01T02:00:00Z\n")
        self.daemons.append(self.d)
        self.out = os.path.join(self.d.tmp, "out")
        os.makedirs(self.out)
        with open(PLAN, encoding="utf-8-sig") as f:
            plan = f.read()
        # GJ-04 gets the long title, GJ-06 the middling one (the 4th field).
        lines = plan.split("\n")
        for i, line in enumerate(lines):
            for ref, title in (("GJ-04,", LONG), ("GJ-06,", MIDDLE)):
                if line.startswith(ref):
                    f = line.split(",", 4)
                    f[3] = title
                    lines[i] = ",".join(f)
        self.plan = os.path.join(self.d.tmp, "plan.csv")
        with open(self.plan, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        self.d.start()
        for argv in (["inspection", "add", INSP, "--title", "2025年考核评估反馈问题",
                      "--fed-back", "national=25,region=5,county=5"],
                     ["import", self.plan, "--inspection", INSP],
                     ["start", "GJ-03"], ["evidence", "GJ-03", "--note", "补齐遍访记录"],
                     ["inspection", "decline", INSP, "--source", "national", "--title", "光伏扶贫电站收益分配不规范",
                      "--reason", "本镇未建设光伏扶贫电站"]):
            r = self.d.ctl(*argv, user="wangyan", json_out=False)
            if r.rc != 0:
                raise Failure("setup step %s failed: %r" % (argv, r))
        self.rendered = {}

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, "failed" if self.args.keep else "no",
                                       scan=False, only_running=False, say_kept=True)

    def ctl(self, *args, json_out=False):
        return self.d.ctl(*args, user="wangyan", json_out=json_out)

    def html(self, *columns, extra=()):
        """The HTML ledger (with --columns LIST when given) as a file and text."""
        path = os.path.join(self.out, "ledger%d.html" % len(os.listdir(self.out)))
        args = ["ledger", "--inspection", INSP, "-o", path] + (["--columns", columns[0]] if columns else [])
        args += list(extra)
        r = self.ctl(*args)
        eq(r.rc, 0, "ledger html exit (%s)" % r.err)
        with open(path, encoding="utf-8") as f:
            return path, f.read()

    def pdf(self, *columns, extra=()):
        """Print the HTML ledger with headless Chromium; the PDF's path."""
        if (columns, extra) in self.rendered:
            return self.rendered[(columns, extra)]
        if not CHROMIUM:
            raise Failure("chromium is not installed (make deps installs it)")
        path, _ = self.html(*columns, extra=extra)
        pdf = path[:-5] + ".pdf"
        profile = os.path.join(self.d.tmp, "chromium")
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                            "--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180, start_new_session=True)
        eq(p.returncode, 0, "chromium: %s" % p.stderr[-500:])
        if self.args.keep:
            shutil.copy(pdf, "/tmp/print-e2e%s%s.pdf" % ("-cols" if columns else "", "-".join(("",) + extra)))
        self.rendered[(columns, extra)] = pdf
        return pdf

    def table_words(self, pdf, first="编号", after=("生成时间", "不认领问题")):
        """The words of the ledger's table: from its header row on page 1 to
        the footer (生成时间), without the page's margin boxes."""
        words, sizes = pdf_words(pdf)
        head = next(w for w in words if w[0] == 1 and w[5] == first)
        footer = next(w for w in words if w[5].startswith(after))
        out = []
        for w in words:
            page, y0 = w[0], w[2]
            height = sizes[page - 1][1]
            if y0 < 34 or y0 > height - 40:  # @page margin boxes: title, page numbers
                continue
            if page == 1 and y0 < head[2] - 1:  # the summary and the charts
                continue
            if (page, y0) >= (footer[0], footer[2] - 1):
                continue
            out.append(w)
        return out, words, sizes, head

    # ---- the PDF ------------------------------------------------------------

    def test_pdf_a4_landscape(self):
        pdf = self.pdf()
        info = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE, check=True).stdout.decode()
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        w, h = float(size.group(1)), float(size.group(2))
        check(abs(w - 841.9) < 2 and abs(h - 595.3) < 2, "A4 landscape: %s" % size.group(0))
        fonts = subprocess.run(["pdffonts", pdf], stdout=subprocess.PIPE, check=True).stdout.decode()
        rows = [l for l in fonts.splitlines()[2:] if l.strip()]
        check(rows, "pdffonts lists the fonts: %r" % fonts[:300])
        check(all(re.search(r"\byes\s+(yes|no)\s+(yes|no)\s+\d+", l) for l in rows),
              "every font is embedded: %r" % [l for l in rows if " no " in l[50:60]][:3])

    def test_pdf_table_text_at_least_9pt(self):
        self.check_9pt(self.table_words(self.pdf())[0])

    def test_pdf_english(self):
        pdf = self.pdf(extra=("--lang", "en"))
        table, words, _, head = self.table_words(pdf, "Ref", ("Generated",))
        self.check_9pt(table)
        heads = " ".join(w[5] for w in table if w[0] == 1 and abs(w[2] - head[2]) < 30)
        for h in ("Ref", "Source", "Problem", "Measures", "Deadline", "State", "Latest"):
            check(h in heads, "English header %s: %r" % (h, heads))
        check("Verified" not in heads, "the empty columns left out in English too: %r" % heads)
        by_line = collections.defaultdict(list)
        for w in words:
            by_line[(w[0], round(w[2]))].append(w[5])
        line = next((" ".join(v) for v in by_line.values() if "(seal):" in v), "")
        check("Reviewer:" in line and "Date:" in line and "Reporting" in line, "sign line: %r" % line)
        text = "".join(w[5] for w in words)
        check("first12hexdigits" in text, "the head's note in English")

    def check_9pt(self, table):
        check(len(table) > 300, "the table's words were found: %d" % len(table))
        # A CJK character is 1 em wide: a word of n of them is n × its size.
        cjk = [(w[3] - w[1]) / len(w[5]) for w in table if CJK.match(w[5]) and len(w[5]) >= 2]
        check(len(cjk) > 50, "CJK words to size: %d" % len(cjk))
        check(min(cjk) >= 8.9, "every CJK word of the table at least 9pt: smallest %.2fpt" % min(cjk))
        # Each word's height over the height per point of those words: its size.
        ratio = statistics.median((w[4] - w[2]) / ((w[3] - w[1]) / len(w[5]))
                                  for w in table if CJK.match(w[5]) and len(w[5]) >= 2)
        small = [(w[5], round((w[4] - w[2]) / ratio, 2)) for w in table if (w[4] - w[2]) / ratio < 8.9]
        eq(small, [], "table words smaller than 9pt")
        # and the old page's 7pt would have been caught: the sizes are real
        check(8.9 <= statistics.median((w[4] - w[2]) / ratio for w in table) <= 10.5, "median size")

    def test_pdf_long_title_three_lines_at_most(self):
        table, _, _, _ = self.table_words(self.pdf())
        mine = [w for w in table if any(ch in w[5] for ch in "甲乙丙丁戊己庚辛壬癸")]
        lines = sorted({(w[0], round(w[2], 1)) for w in mine})
        check(1 <= len(lines) <= 3, "the long title takes at most three lines: %d" % len(lines))
        eq(len({w[0] for w in mine}), 1, "on one page")
        last = [w for w in mine if (w[0], round(w[2], 1)) == lines[-1]]
        check(last[-1][5].endswith("…"), "cut with …: %r" % last[-1][5])
        text = "".join(w[5] for w in mine)
        check(LONG not in text and "子丑寅卯" not in text, "the rest of it is not printed")
        check(len(text) > 30, "but most of three lines are: %r" % text)
        # the full title is kept: on screen (tooltip) and in the other formats
        _, page = self.html()
        check('title="%s"' % LONG in page, "full title in the cell's tooltip")
        r = self.ctl("ledger", "--inspection", INSP, "--format", "csv")
        check(LONG in r.out, "full title in the CSV")

    def test_pdf_titles_not_past_two_lines(self):
        # The plan's own titles (up to 18 characters) take one or two lines;
        # the middling one (32) at most three, and it is whole.
        table, _, _, head = self.table_words(self.pdf())
        ths = {w[5]: w for w in table if w[0] == 1 and abs(w[2] - head[2]) < 1}

        def edge(left, right):
            """A column's left edge: where its cells' lines start, between the
            (centred) headers of the columns left and right of it."""
            xs = [w[1] for w in table if ths[left][3] < w[1] < ths[right][1]]
            check(xs, "words between %s and %s" % (left, right))
            return min(xs)
        x0, x1 = edge("问题来源", "问题") - 1, edge("问题", "整改措施") - 1
        x2 = edge("整改措施", "整改类型") - 1
        refs = sorted((w for w in table if re.match(r"^(GJ|ZZQ|XJ)-\d\d$", w[5])), key=lambda w: (w[0], w[2]))
        check(len(refs) == 29, "29 refs: %d" % len(refs))
        counts = {}
        for k, ref in enumerate(refs):
            nxt = refs[k + 1] if k + 1 < len(refs) and refs[k + 1][0] == ref[0] else None
            cell = [w for w in table if w[0] == ref[0] and x0 <= w[1] < x1 and ref[2] - 1 <= w[2]
                    and (nxt is None or w[2] < nxt[2] - 1)]
            counts[ref[5]] = (len({round(w[2], 1) for w in cell}), "".join(w[5] for w in cell))
        over = {k: v for k, v in counts.items() if k not in ("GJ-04", "GJ-06") and v[0] > 2}
        eq(over, {}, "plan titles past two lines")
        check(counts["GJ-06"][0] <= 3 and counts["GJ-06"][1] == MIDDLE,
              "the middling title whole in at most three lines: %r" % (counts["GJ-06"],))
        # the measures column is the wider one (it holds more) but not all of it
        width_title, width_measures = x1 - x0, x2 - x1
        check(width_measures > width_title > 50, "问题 %.0fpt, 整改措施 %.0fpt" % (width_title, width_measures))

    def test_pdf_empty_columns_left_out(self):
        _, words, _, head = self.table_words(self.pdf())
        text = "".join(w[5] for w in words)
        for label in EMPTY:
            check(label not in text, "the empty column %s is left out" % label)
        for label in ("编号", "问题来源", "最新佐证", "整改时限"):
            check(label in text, "%s is printed" % label)

    def test_pdf_columns_chosen(self):
        pdf = self.pdf("ref,问题,deadline,state")
        table, words, _, head = self.table_words(pdf)
        heads = [w[5] for w in table if w[0] == 1 and abs(w[2] - head[2]) < 1]
        eq(heads, ["编号", "问题", "整改时限", "状态"], "the header row")
        text = "".join(w[5] for w in table)
        for gone in ("整改措施", "镇级两个月遍访一次", "乡村振兴办公室", "问题来源", "国家反馈共性问题", "长期坚持",
                     "责任单位"):
            check(gone not in text, "%s absent from the PDF's table" % gone)
        everything = "".join(w[5] for w in words)
        check("整改措施" not in everything and "镇级两个月遍访一次" not in everything, "nor anywhere else")
        # four columns: the long title has room and is printed whole
        check("子丑寅卯" in text, "the long title whole in a wide column")

    def test_pdf_declined_section(self):
        # the problems not claimed: a narrow number column, the texts whole on one line each
        words, _ = pdf_words(self.pdf())
        head = next(w for w in words if w[5] == "不认领原因")
        no = next(w for w in words if w[5] == "序号" and abs(w[2] - head[2]) < 1)
        reason = next(w for w in words if w[5] == "本镇未建设光伏扶贫电站")
        title = next(w for w in words if w[5] == "光伏扶贫电站收益分配不规范")
        check(reason[2] > head[2] and abs(reason[2] - title[2]) < 1, "reason and title on the row's line")
        check(title[1] - no[1] < 200, "the number column is narrow: %.0fpt" % (title[1] - no[1]))

    def test_pdf_sign_line_and_short_head(self):
        pdf = self.pdf()
        words, _ = pdf_words(pdf)
        by_line = collections.defaultdict(list)
        for w in words:
            by_line[(w[0], round(w[2]))].append(w[5])
        line = next((" ".join(v) for v in by_line.values() if any("填报单位（盖章）" in t for t in v)), "")
        check("审核人" in line and "日期" in line and "王燕" in line,
              "seal, reviewer and date on one line: %r" % line)
        text = subprocess.run(["pdftotext", pdf, "-"], stdout=subprocess.PIPE, check=True).stdout.decode()
        head = self.ctl("ledger", "--inspection", INSP, "--format", "json", json_out=True).json()["head"]
        check(head["hash"] not in text, "the full head is not printed")
        check("#%d %s…" % (head["seq"], head["hash"][:12]) in text, "the head's first 12 digits printed")
        check("前 12 位" in text.replace("\n", ""), "with a note of what it is")

    # ---- the HTML page and --columns ------------------------------------------

    def test_html_column_widths(self):
        _, page = self.html()
        check("table-layout: fixed" in page and "font-size: 9pt" in page, "fixed layout, 9pt")
        widths = [float(x) for x in re.findall(r'<col style="width: ([\d.]+)%">', page.split("</colgroup>")[0])]
        heads = re.findall(r"<th>(.*?)</th>", page.split('<table class="ledger">')[1].split("</table>")[0])
        eq(len(widths), len(heads), "a width per column")
        eq([h.replace("<wbr>", "") for h in heads], [c for c in COLUMNS if c not in EMPTY], "columns")
        check(99 <= sum(widths) <= 101, "the widths fill the page: %.1f" % sum(widths))
        w = dict(zip([h.replace("<wbr>", "") for h in heads], widths))
        check(w["整改措施"] > w["问题"] > w["编号"], "widths by content: %r" % w)

    def test_columns_md_csv(self):
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "ref,问题,整改措施,state")
        eq(r.rc, 0, "exit (%s)" % r.err)
        lines = r.out.splitlines()
        eq(next(l for l in lines if l.startswith("| 编号")), "| 编号 | 问题 | 整改措施 | 状态 |", "md header")
        row = next(l for l in lines if l.startswith("| GJ-03 "))
        eq(len(re.split(r"(?<!\\)\|", row)) - 2, 4, "four cells: %r" % row)
        # the order is the ledger's, whatever the list's; full-width separators
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "状态，problem、REF", "--format", "csv")
        eq(r.rc, 0, "exit (%s)" % r.err)
        head = next(l for l in r.out.splitlines() if l.startswith("编号"))
        eq(head, "编号,问题,状态", "csv header")
        # -name: the default (every column for csv) without them
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "-measures, -latest", "--format", "csv")
        head = next(l for l in r.out.splitlines() if l.startswith("编号")).split(",")
        eq(head, [c for c in COLUMNS if c not in ("整改措施", "最新佐证")], "csv without two")
        # the default of md and csv is every column (the goldens of e2e-ledger)
        r = self.ctl("ledger", "--inspection", INSP, "--format", "csv")
        eq(next(l for l in r.out.splitlines() if l.startswith("编号")).split(","), COLUMNS, "csv default")
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "auto", "--format", "csv")
        eq(next(l for l in r.out.splitlines() if l.startswith("编号")).split(","),
           [c for c in COLUMNS if c not in EMPTY], "csv auto")
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "all", "-o",
                     os.path.join(self.out, "all.html"))
        with open(os.path.join(self.out, "all.html"), encoding="utf-8") as f:
            heads = re.findall(r"<th>(.*?)</th>", f.read().split('<table class="ledger">')[1].split("</table>")[0])
        eq([h.replace("<wbr>", "") for h in heads], COLUMNS, "html --columns all")
        r = self.ctl("ledger", "--inspection", INSP, "--lang", "en", "--columns", "ref,days-overdue")
        check("| Ref | Days overdue now |" in r.out, "English: %r" % r.out[:400])

    def test_columns_refused(self):
        for value, want in [("ref,colour", 'there is no column "colour"'),
                            ("ref,Latest evidence", 'there is no column "Latest evidence"'),
                            ("%s%n%x", 'there is no column "%s%n%x"'),
                            ("x" * 5000, 'there is no column "xxxx'),
                            ("ref,-title", "mixes names with -names"),
                            ("-all", "leaves no column"),
                            ("", "leaves no column"),
                            (" , ,", "leaves no column")]:
            r = self.ctl("ledger", "--inspection", INSP, "--columns", value)
            eq(r.rc, 1, "--columns %r: exit" % value[:40])
            check(r.err.startswith("rectctl: ledger: --columns:") and want in r.err,
                  "--columns %r: %r" % (value[:40], r.err[:300]))
            check("days-overdue (当前逾期天数)" in r.err and "ref (编号)" in r.err,
                  "the valid names are listed: %r" % r.err[-300:])
            eq(r.out, "", "nothing written")
        r = self.ctl("ledger", "--inspection", INSP, "--columns", "ref", "--format", "json")
        eq(r.rc, 1, "--columns with json: exit")
        check("--columns" in r.err and "JSON" in r.err, "json: %r" % r.err)
        # a file is not left behind by a refused list
        path = os.path.join(self.out, "refused.csv")
        self.ctl("ledger", "--columns", "nope", "-o", path)
        check(not os.path.exists(path), "no file for a refused list")
        r = self.ctl("ledger", "--help")
        check("--columns" in r.out and "auto" in r.out, "--help names --columns: %r" % r.out[-600:])

    # ---- the workbook ----------------------------------------------------------

    def xlsx(self, *columns):
        path = os.path.join(self.out, "台账%d.xlsx" % len(os.listdir(self.out)))
        r = self.ctl("ledger", "--inspection", INSP, "-o", path, *(["--columns", columns[0]] if columns else []))
        eq(r.rc, 0, "xlsx exit (%s)" % r.err)
        code = r'''
import json, sys, openpyxl
from openpyxl.utils import get_column_letter as L
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["台账"]
rows = [[c.value for c in row] for row in ws.iter_rows()]
header = rows[0]
while header and header[-1] is None:
    header = header[:-1]
out = {"header": header, "rows": rows[1:30], "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
       "fonts": sorted({ws.cell(r, c).font.name for r in range(1, 31) for c in range(1, ws.max_column + 1)}),
       "orientation": ws.page_setup.orientation, "paper": str(ws.page_setup.paperSize),
       "fit": ws.sheet_properties.pageSetUpPr.fitToPage, "fit_w": ws.page_setup.fitToWidth,
       "fit_h": ws.page_setup.fitToHeight, "titles": ws.print_title_rows,
       "header_text": ws.oddHeader.center.text,
       "widths": [ws.column_dimensions[L(i + 1)].width for i in range(len(header))],
       "wrap": [ws.cell(2, c).alignment.wrap_text for c in range(1, len(header) + 1)],
       "below": [r for r in rows[30:] if any(v is not None for v in r)],
       "stats_font": wb["统计"].cell(4, 1).font.name}
print(json.dumps(out, ensure_ascii=False, default=str))
'''
        p = subprocess.run(["/usr/bin/python3", "-c", code, path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        eq(p.returncode, 0, "openpyxl: %s" % p.stderr.decode()[-800:])
        return json.loads(p.stdout)

    def test_xlsx_table(self):
        x = self.xlsx()
        eq(x["header"][:4], ["编号", "问题来源", "问题", "整改措施"], "header row first")
        eq(len(x["header"]), 20, "every column and the reuse mark")
        eq(x["filter"], "A1:T30", "autofilter over header and rows")
        eq(x["freeze"], "B2", "header row and ref column frozen, nothing else")
        eq(x["fonts"], ["Noto Sans CJK SC"], "one CJK font in the table")
        eq(x["stats_font"], "Noto Sans CJK SC", "and on the statistics sheet")
        eq((x["orientation"], x["paper"]), ("landscape", "9"), "A4 landscape")
        check(x["fit"] and x["fit_w"] in (None, 1) and x["fit_h"] == 0,
              "one page wide: %r" % [x["fit"], x["fit_w"], x["fit_h"]])
        eq(x["titles"], "$1:$1", "the header row repeated on each printed page")
        check("2025年考核评估反馈问题 整改销号台账" in x["header_text"], "title in the page header")
        w = dict(zip(x["header"], x["widths"]))
        check(w["整改措施"] > w["问题"] > w["编号"] >= 6, "widths: %r" % w)
        # (openpyxl reads the width with the 0.71 of padding Excel adds)
        check(w["问题"] <= 33 and w["整改措施"] <= 51, "capped: %r" % w)
        check(all(x["wrap"][i] for i in (1, 2, 3)), "text wrapped")
        by = {r[0]: r for r in x["rows"]}
        eq(by["GJ-04"][2], LONG, "the full long title kept in the workbook")
        below = [r[0] for r in x["below"]]
        check("2025年考核评估反馈问题 整改销号台账" in below, "title below the table: %r" % below[:3])
        i = below.index("审核人")
        eq(below[i + 1:i + 3], ["填报单位（盖章）", "日期"], "seal and date rows by the reviewer's")

    def test_xlsx_columns(self):
        x = self.xlsx("ref,problem,evidence,state")
        eq(x["header"], ["编号", "问题", "状态", "佐证", "佐证复用"], "chosen columns in the ledger's order, the mark after 佐证")
        eq(x["filter"], "A1:E30", "autofilter over them")
        eq(x["freeze"], "B2", "frozen")
        by = {r[0]: r for r in x["rows"]}
        eq((by["GJ-03"][3], by["GJ-03"][2]), (1, "整改中"), "GJ-03: evidence count a number, state")
        x = self.xlsx("problem,measures")
        eq(x["header"], ["问题", "整改措施"], "without the ref")
        eq(x["filter"], "A1:B30", "autofilter")


def main(argv):
    return e2e_runner.main("e2e-print", [Print], argv, setup_failure="once", count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
