#!/usr/bin/python3
"""End-to-end tests of the 整改报告 (issue 9, item 10): rectd's `report`
command (daemon/cmd_report.c) and `rectctl report` (client/report.c).

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-report.py [-k TEXT] [--keep] [--regen]

One rectd on a pinned clock (rectd --clock-file, calendar Asia/Shanghai) is
driven through a scripted history of the example plan (29 items): closures
on time and late, extensions asked, approved, denied and pending, a
consolidation review and a relapse, and the daily job's escalations. The
Markdown report is compared byte for byte with tests/golden/report.md
(--regen rewrites it; review the diff), the HTML one is printed to PDF by
headless Chromium, and every number of the JSON result, now and as of
earlier dates, is checked against an independent count from the Python
replay of all events (rawclient.rebuild_items). Ends with "N passed, M
failed"; exit 1 on failure.
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
import rawclient  # noqa: E402
from e2e_runner import Failure, Skip, check, eq  # noqa: E402
from e2e_daemon import PLAN, REPO, Daemon  # noqa: E402

GOLDEN = os.path.join(REPO, "tests", "golden")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSP = "2025-assessment"
ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")

# The scripted history: (UTC instant, [rectctl argv...]); --as USER picks
# the user (default wangyan, admin). Local time is UTC+8.
STEPS = [
    ("2026-11-29T01:00:00Z", [
        ["inspection", "add", INSP, "--title", "2025年考核评估反馈问题",
         "--fed-back", "national=25,region=5,county=5"],
        ["import", PLAN, "--inspection", INSP],
    ]),
    ("2026-12-01T02:00:00Z", [
        ["start", "GJ-03"], ["evidence", "GJ-03", "--note", "补齐遍访记录"],
        ["start", "GJ-01"], ["evidence", "GJ-01", "--note", "入户核查3户"],
    ]),
    ("2026-12-03T02:00:00Z", [
        ["verify", "GJ-03", "--pass", "--opinion", "整改到位", "--as", "maqing"],
        ["close", "GJ-03", "--note", "同意销号", "--as", "zhanghua"],
    ]),
    ("2026-12-05T02:00:00Z", [
        ["verify", "GJ-01", "--pass", "--opinion", "验收通过", "--as", "maqing"],
        ["close", "GJ-01", "--note", "对账销号", "--as", "zhanghua"],
    ]),
    ("2026-12-10T02:00:00Z", [
        ["start", "GJ-09"],
        ["extend", "GJ-09", "--deadline", "2027-01-02", "--reason", "等待考勤系统上线"],
        ["extend", "GJ-09", "--approve", "--note", "同意延期", "--as", "zhanghua"],
    ]),
    ("2026-12-12T02:00:00Z", [
        ["extend", "ZZQ-01", "--deadline", "2027-06-30", "--reason", "人手不足"],
        ["extend", "ZZQ-01", "--deny", "--note", "按原时限完成", "--as", "zhanghua"],
    ]),
    ("2026-12-18T02:00:00Z", [
        ["start", "GJ-15"],
        ["extend", "GJ-04", "--deadline", "2027-06-30", "--reason", "资金未到位"],
    ]),
    ("2026-12-23T02:00:00Z", [
        ["evidence", "GJ-15", "--note", "已整改"],
        ["verify", "GJ-15", "--pass", "--opinion", "同意", "--as", "maqing"],
        ["close", "GJ-15", "--note", "逾期销号", "--as", "zhanghua"],
    ]),
    ("2026-12-28T02:00:00Z", [
        ["review", "GJ-01", "--note", "回访3户，未发现返贫风险"],
    ]),
    ("2027-01-03T02:00:00Z", [
        ["review", "GJ-01", "--note", "2户收入再次低于监测线", "--relapse", "--deadline", "2027-03-31"],
    ]),
    ("2027-01-12T02:00:00Z", [
        ["notify", "run"],
    ]),
]


class RDaemon(Daemon):
    """A Daemon whose rectd reads the time from a clock file (TZ=UTC)."""

    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="rr", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        super().__init__({"calendar.timezone": "Asia/Shanghai",
                          "notify.pub_endpoint": "ipc://%s/pub.sock" % tmp}, tmp=tmp)


def run_steps(d, steps):
    for when, cmds in steps:
        d.set_clock(when)
        for argv in cmds:
            user = "wangyan"
            if "--as" in argv:
                i = argv.index("--as")
                user = argv[i + 1]
                argv = argv[:i] + argv[i + 2:]
            r = d.ctl(*argv, user=user, json_out=False)
            if r.rc != 0:
                raise Failure("scripted step %s at %s failed: %r" % (argv, when, r))


def local_day(instant):
    t = datetime.datetime.strptime(instant, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(ZONE).strftime("%Y-%m-%d")


def days_between(a, b):
    return (datetime.date.fromisoformat(b) - datetime.date.fromisoformat(a)).days


def independent_count(events, cfg, insp, day):
    """The report's numbers from the events alone (the record at the end of
    local day `day`): the Python replay, not rectd's."""
    evs = [e for e in events if local_day(e["at"]) <= day]
    items = rawclient.rebuild_items(evs)
    item0 = [e for e in evs if e["item"] == 0]
    try:
        recs = rawclient.rebuild_inspections(item0)
    except rawclient.ChainError:  # item-0 actions this replay does not know
        recs = rawclient.rebuild_inspections([e for e in item0 if e["action"] == "inspection"])
    rec = recs.get(insp, {})
    mine = {i: it for i, it in items.items() if it.get("inspection") == insp}
    claimed = {i: it for i, it in mine.items() if not isinstance(it.get("parent"), int) or it["parent"] <= 0}
    selff = {i: it for i, it in mine.items() if i not in claimed}
    n = {}
    n["claimed"] = len(claimed)
    n["immediate"] = sum(it["kind"] == "immediate" for it in claimed.values())
    n["long_term"] = sum(it["kind"] == "long-term" for it in claimed.values())
    n["rectified"] = sum(it["state"] in ("verified", "closed") for it in claimed.values())
    n["closed"] = sum(it["state"] == "closed" for it in claimed.values())
    n["verified"] = sum(it["state"] == "verified" for it in claimed.values())
    n["open"] = sum(it["state"] in ("claimed", "assigned", "rectifying") for it in claimed.values())
    late = {}
    for i, it in claimed.items():
        if it["state"] == "closed" and it.get("deadline"):
            late[i] = it.get("overdue_days_carried", 0) + max(0, days_between(it["deadline"], local_day(it["closed_at"])))
    n["closed_on_time"] = sum(v == 0 for v in late.values())
    n["closed_late"] = sum(v > 0 for v in late.values())
    overdue = sorted(i for i, it in mine.items()
                     if it["state"] in ("claimed", "assigned", "rectifying") and it.get("deadline")
                     and it["deadline"] < day)
    n["overdue"] = len(overdue)
    acts = [e["action"] for e in evs if e["item"] in mine]
    n["extensions_asked"] = acts.count("extend")
    n["extensions_approved"] = acts.count("approve_extension")
    n["extensions_denied"] = acts.count("deny_extension")
    n["extensions_pending"] = sum(isinstance(it.get("extension"), dict) for it in mine.values())
    n["escalations"] = acts.count("escalate")
    n["urges"] = acts.count("urge")
    n["supervisions"] = n["escalations"] + n["urges"]
    n["reviews"] = acts.count("review") + acts.count("relapse")
    n["relapses"] = acts.count("relapse")
    n["reviews_due"] = sum(it["state"] == "closed" and bool(it.get("next_review")) and it["next_review"] <= day
                           for it in mine.values())
    n["self_found"] = len(selff)
    n["self_found_rectified"] = sum(it["state"] in ("verified", "closed") for it in selff.values())
    n["self_found_closed"] = sum(it["state"] == "closed" for it in selff.values())
    declined = [d for d in rec.get("declined", []) if isinstance(d, dict)]
    n["declined"] = len(declined)
    fed = rec.get("fed_back") or {}
    per_source = {}
    for s in cfg["sources"]:
        sid = s["id"]
        c = sum(it["source"] == sid for it in claimed.values())
        dcl = sum(d.get("source") == sid for d in declined)
        fb = c + dcl if dcl else fed.get(sid)
        if fb is None and not c and not dcl:
            continue
        per_source[sid] = {"fed_back": fb, "claimed": c, "declined": dcl}
    n["fed_back"] = (None if any(v["fed_back"] is None for v in per_source.values())
                     else sum(v["fed_back"] for v in per_source.values()))
    n["not_claimed"] = (None if n["fed_back"] is None or n["fed_back"] < n["claimed"]
                        else n["fed_back"] - n["claimed"])
    return n, per_source, overdue, sorted(i for i, v in late.items() if v > 0)


class Report:
    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        self.d = RDaemon()
        self.daemons.append(self.d)
        self.out = os.path.join(self.d.tmp, "out")
        os.makedirs(self.out)
        self.d.set_clock(STEPS[0][0])
        self.d.start()
        run_steps(self.d, STEPS)
        self.today = "2027-01-12"

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, "failed" if self.args.keep else "no",
                                       scan=False, only_running=False, say_kept=True)

    def ctl(self, *args, json_out=False, user="wangyan"):
        return self.d.ctl(*args, user=user, json_out=json_out)

    def report(self, *args, user="wangyan"):
        r = self.ctl("report", "--inspection", INSP, *args, json_out=True, user=user)
        eq(r.rc, 0, "report --json exit (%s)" % r.err)
        return json.loads(r.out)

    def events(self):
        with self.d.raw("wangyan") as c:
            return rawclient.all_events(c)

    def check_against_replay(self, rep, day):
        want, per_source, overdue, late = independent_count(self.events(), self.d.cfg, INSP, day)
        tot = rep["totals"]
        for k, v in want.items():
            eq(tot[k], v, "totals.%s as of %s" % (k, day))
        got_src = {s["id"]: {k: s[k] for k in ("fed_back", "claimed", "declined")} for s in rep["sources"]}
        eq(got_src, per_source, "sources as of %s" % day)
        eq([o["id"] for o in rep["overdue"]], overdue, "overdue items as of %s" % day)
        eq([o["id"] for o in rep["closed_late"]], late, "closed late as of %s" % day)
        eq(rep["date"], day, "the report's date")
        return want

    def golden(self, name, text):
        head = self.d.call("ping")["head"]["hash"]
        check(head in text, "%s shows the chain head %s" % (name, head))
        text = text.replace(head, "<HEAD>")
        path = os.path.join(GOLDEN, name)
        if self.args.regen:
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

    # ---- the numbers -------------------------------------------------------------

    def test_numbers_now_agree_with_the_python_replay(self):
        rep = self.report()
        n = self.check_against_replay(rep, self.today)
        # and what the history says, spelled out
        eq((n["claimed"], n["immediate"], n["long_term"]), (29, 5, 24), "claimed and kinds")
        eq((n["fed_back"], n["not_claimed"]), (35, 6), "fed back 25+5+5, not claimed 6")
        eq((n["rectified"], n["closed"], n["closed_on_time"], n["closed_late"]), (2, 2, 1, 1),
           "GJ-03 on time, GJ-15 late; GJ-01 reopened by its relapse")
        eq((n["extensions_asked"], n["extensions_approved"], n["extensions_denied"], n["extensions_pending"]),
           (3, 1, 1, 1), "extensions")
        eq((n["reviews"], n["relapses"]), (2, 1), "reviews and relapses")
        check(n["escalations"] >= 3, "the daily job escalated the items red for over 7 days: %d" % n["escalations"])
        refs = {o["ref"]: o for o in rep["overdue"]}
        eq(sorted(refs), ["GJ-09", "XJ-03", "ZZQ-02"], "overdue now")
        eq((refs["GJ-09"]["owner"], refs["GJ-09"]["unit"], refs["GJ-09"]["days_overdue"]),
           ("zhaoli", "shebao", 10), "GJ-09: owner, unit, days past the extended deadline")
        eq([x["ref"] for x in rep["closed_late"]], ["GJ-15"], "closed late")
        eq(rep["closed_late"][0]["days_late"], 3, "GJ-15 3 days late")
        lv = {x["level"]: (x["fed_back"], x["claimed"], x["not_claimed"]) for x in rep["levels"]}
        eq(lv, {"national": (25, 22, 3), "regional": (5, 3, 2), "county": (5, 4, 1)}, "per level")
        eq(rep["reviewer"], {"signed": False, "user": "wangyan", "name": "王燕"}, "the configured reviewer, not signed")
        eq(rep["head"], self.d.call("ping")["head"], "the report names the chain head it counted")

    def test_as_of_gives_the_earlier_numbers(self):
        for day, closed, on_time, late in [("2026-12-02", 0, 0, 0), ("2026-12-04", 1, 1, 0),
                                           ("2026-12-31", 3, 2, 1)]:
            rep = self.report("--as-of", day)
            eq(rep["as_of"], day, "as_of")
            n = self.check_against_replay(rep, day)
            eq((n["closed"], n["closed_on_time"], n["closed_late"]), (closed, on_time, late), "closed as of %s" % day)
        rep = self.report("--as-of", "2026-11-28")  # the day before the inspection was recorded
        self.check_against_replay(rep, "2026-11-28")
        eq((rep["title"], rep["sources"], rep["totals"]["claimed"]), (None, [], 0), "nothing recorded yet")
        r = self.ctl("report", "--inspection", INSP, "--as-of", "2026-11-28")
        check("# 2025-assessment整改落实情况报告" in r.out and "尚未记录反馈问题" in r.out, "empty report: %r" % r.out[:300])
        rep = self.report("--as-of", "2026-12-31")
        eq((rep["totals"]["reviews"], rep["totals"]["relapses"], rep["totals"]["overdue"]), (1, 0, 0),
           "12-31: one review, no relapse yet, nothing overdue (GJ-09's deadline moved to 01-02)")
        # the same cut as the ledger's
        with self.d.raw("wangyan") as c:
            led = c.call("ledger", {"inspection": INSP, "as_of": "2026-12-31"})
        eq(rep["head"], led["head"], "the same chain head as ledger --as-of")
        eq(rep["totals"]["closed"], led["summary"]["closed"], "closed = the ledger's")
        eq(rep["totals"]["overdue"], led["summary"]["overdue"], "overdue = the ledger's")

    def test_markdown_golden(self):
        r = self.ctl("report", "--inspection", INSP)
        eq(r.rc, 0, "report exit (%s)" % r.err)
        for phrase in ["针对国家反馈共性问题25条、自治区“两办”反馈问题5条及精河县反馈问题5条，共35个问题",
                       "分别认领22条、3条、4条，共认领29条，其中立查立改5条，长期坚持24条。",
                       "不认领6条，尚未记录不认领原因。",
                       "目前已整改完成2个，已销号2个（按期销号1个，逾期销号1个）",
                       "申请延期3次，批准1次，未批准1次，待审批1个",
                       "发现反弹1次", "审核人：王燕"]:
            check(phrase in r.out, "the report says %r" % phrase)
        check("| GJ-09 | 公益性岗位考勤与补贴发放不对应 | 社会保障服务中心 | 赵丽 | 陈梅 | 2027-01-02 | 10 |" in r.out,
              "overdue GJ-09 with its unit, owner and leader")
        self.golden("report.md", r.out)

    def test_json_carries_the_numbers(self):
        r = self.ctl("report", "--inspection", INSP, json_out=True)
        eq(r.rc, 0, "exit")
        got = json.loads(r.out)
        with self.d.raw("wangyan") as c:
            want = c.call("report", {"inspection": INSP})
        eq(got, want, "--json = the protocol's result")
        for k in ("sources", "levels", "totals", "declined", "overdue", "closed_late", "self_found", "reviewer"):
            check(k in got, "result has %s" % k)

    def test_html_page_prints_to_a_sane_pdf(self):
        path = os.path.join(self.out, "整改报告.html")
        r = self.ctl("report", "--inspection", INSP, "-o", path)
        # the report goes to the file; stdout says what was written (issue 10)
        eq((r.rc, r.out), (0, "wrote %s (html): the rectification report of %s\n" % (path, INSP)),
           "-o names the file (%s)" % r.err)
        with open(path, encoding="utf-8") as f:
            html = f.read()
        check(html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html, "an HTML page")
        check("size: A4 portrait" in html and "counter(pages)" in html, "A4 with page numbers")
        check(not re.search(r"<script|<link|<img|@import|url\(|(src|href)=", html), "self-contained")
        check("<h1>2025年考核评估反馈问题整改落实情况报告</h1>" in html, "title")
        check(not [n for n in os.listdir(self.out) if ".tmp" in n], "no temporary left")
        if not CHROMIUM:
            raise Skip("chromium is not installed (make deps installs it)")
        pdf = os.path.join(self.out, "report.pdf")
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--user-data-dir=" + os.path.join(self.d.tmp, "chromium"),
                            "--no-pdf-header-footer", "--print-to-pdf=" + pdf, "file://" + path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, start_new_session=True)
        eq(p.returncode, 0, "chromium: %s" % p.stderr[-500:])
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], stdout=subprocess.PIPE,
                              check=True).stdout.decode("utf-8")
        info = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE, check=True).stdout.decode()
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        check(1 <= pages <= 4, "a report of a few pages: %d" % pages)
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        check(abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2,
              "A4 portrait: %s" % size.group(0))
        flat = re.sub(r"\s+", "", text)
        for phrase in ("整改落实情况报告", "认领22条", "审核人：王燕", "GJ-09", "ZZQ-02", "第1页，共%d页" % pages):
            check(phrase in flat, "%r in the PDF" % phrase)

    def test_refusals(self):
        r = self.ctl("report", "--inspection", "no-such")
        eq(r.rc, 3, "unknown inspection: exit")
        check("unknown_name" in r.err and "no-such" in r.err and "inspection list" in r.err,
              "unknown inspection: %r" % r.err)
        r = self.ctl("report")
        eq(r.rc, 1, "no --inspection: exit")
        check("--inspection" in r.err and "required" in r.err, "no --inspection: %r" % r.err)
        for args, what in [(["--format", "pdf"], "md or html"), (["--as-of", "2026-02-30"], "not a date")]:
            r = self.ctl("report", "--inspection", INSP, *args)
            eq(r.rc, 1, "%s: exit" % args)
            check(r.err.startswith("rectctl: report:") and what in r.err, "%s: %r" % (args, r.err))
        r = self.ctl("report", "--inspection", INSP, "--as-of", "2027-01-13")
        eq(r.rc, 3, "as of tomorrow: exit")
        check("bad_value" in r.err and "after today" in r.err, "as of tomorrow: %r" % r.err)
        r = self.ctl("report", "--inspection", INSP, "-o", "/nonexistent-dir/r.md")
        eq(r.rc, 1, "unwritable -o")
        # on the wire: inspection is required, unknown arguments are refused
        with self.d.raw("wangyan") as c:
            for args, code in [({}, "missing_field"), ({"inspection": INSP, "seq": 3}, "unknown_field"),
                               ({"inspection": INSP, "as_of": "yesterday"}, "bad_date")]:
                rep = c.request("report", args)
                check(not rep["ok"] and rep["error"]["code"] == code, "%s: %r" % (args, rep))

    def test_a_viewer_may_read_it(self):
        got = self.report(user="xiaoliu")
        eq(got["totals"], self.report()["totals"], "a viewer gets the same numbers")

    def test_help(self):
        r = self.ctl("report", "--help")
        eq(r.rc, 0, "--help")
        check(r.out.startswith("usage: rectctl report --inspection NAME"), "usage: %r" % r.out[:80])

    # ---- tests that add events (the golden file pins the record): last -----------

    def test_later_other_inspections_do_not_count(self):
        before = self.report()
        self.d.set_clock("2027-01-12T03:00:00Z")
        for argv in (["inspection", "add", "2026-self", "--title", "自查"],
                     ["add", "--ref", "OT-01", "--source", "county", "--kind", "immediate", "--title", "另一批次问题",
                      "--inspection", "2026-self", "--owner", "zhaoli", "--unit", "shebao", "--leader", "chenmei",
                      "--deadline", "2027-01-05"]):
            r = self.ctl(*argv)
            eq(r.rc, 0, "%s: %s" % (argv[:2], r.err))
        r = self.ctl("extend", "2026-self/OT-01", "--deadline", "2027-02-28", "--reason", "另一批次")
        eq(r.rc, 0, "extend OT-01: %s" % r.err)
        after = self.report()
        eq(after["totals"], before["totals"], "an item and an extension of another inspection change nothing")
        eq(after["overdue"], before["overdue"], "nor the overdue list")
        other = self.ctl("report", "--inspection", "2026-self", json_out=True).json()
        eq((other["totals"]["claimed"], other["totals"]["overdue"], other["totals"]["extensions_asked"]), (1, 1, 1),
           "the other inspection's report")
        want, _, _, _ = independent_count(self.events(), self.d.cfg, "2026-self", self.today)
        for k, v in want.items():
            eq(other["totals"][k], v, "other inspection totals.%s" % k)

    def test_later_urge_parent_and_sign_when_present(self):
        """A 督办 by a person, a 举一反三 item and the 审核人's sign-off
        appear in the report's numbers and its 审核人 line."""
        have = {"urge": True, "parent": True, "ledger sign": True}
        self.d.set_clock("2027-01-12T04:00:00Z")
        if have["urge"]:
            r = self.ctl("urge", "GJ-09", "--note", "请于本周内完成", user="zhanghua")
            eq(r.rc, 0, "urge: %s" % r.err)
        if have["parent"]:
            r = self.ctl("add", "--ref", "JYFS-01", "--source", "self", "--kind", "immediate", "--title", "举一反三：遍访记录",
                         "--inspection", INSP, "--parent", "GJ-03")
            eq(r.rc, 0, "add --parent: %s" % r.err)
        if have["ledger sign"]:
            r = self.ctl("ledger", "sign", "--inspection", INSP, "--note", "审核通过")
            eq(r.rc, 0, "ledger sign: %s" % r.err)
        rep = self.report()
        self.check_against_replay(rep, self.today)
        if have["urge"]:
            check(rep["totals"]["urges"] >= 1, "the urge counts as 督办")
        if have["parent"]:
            eq([x["parent_ref"] for x in rep["self_found"]], ["GJ-03"], "the self-found item and its parent")
            eq(rep["totals"]["claimed"], 29, "a self-found item is not a claimed fed-back problem")
        if have["ledger sign"]:
            rv = rep["reviewer"]
            eq((rv["signed"], rv["user"], rv["name"], rv["date"]), (True, "wangyan", "王燕", self.today), "signed")
            md = self.ctl("report", "--inspection", INSP).out
            check("审核人：王燕　　2027年1月12日" in md, "the 审核人 line with the date")


def later_last(names):
    names = sorted(names)
    return ([n for n in names if not n.startswith("test_later_")]
            + [n for n in names if n.startswith("test_later_")])


def main(argv):
    return e2e_runner.main("e2e-report", [Report], argv, flags=("--regen",),
                           setup_failure="once", order=later_last, count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
