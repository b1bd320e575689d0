#!/usr/bin/python3
"""End-to-end tests of the records of issue 9: problems not claimed (不认领,
inspection_decline and import's 认领 / 不认领原因 columns), 举一反三 links (add
--parent, import's 关联问题), amend, and list --grep; over a real rectd, with
rectctl and the raw client, each refusal checked to change nothing.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-records.py [-k TEXT]

rectd runs on a pinned clock (--clock-file): the plan is imported on
2026-12-01, problems are declined on 12-02, an item is amended on 12-03, so
that ledgers as of each day show the record as it stood. Tests of a fixture
run in order and build on each other. Ends with "N passed, M failed".
"""

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import PLAN, RECTD, REPO, Daemon  # noqa: E402

TAMPER = os.path.abspath(os.environ.get("RECT_TAMPER")
                         or os.path.join(REPO, "build", "tools", "rect-tamper"))

ADMIN, LEADER_ADMIN, LEADER, OWNER, VERIFIER, VIEWER = (
    "wangyan", "zhanghua", "lijun", "liming", "maqing", "xiaoliu")
INSP = "2025-assessment"
DAY1, DAY2, DAY3 = "2026-12-01", "2026-12-02", "2026-12-03"

rawclient.WRITE_COMMANDS = rawclient.WRITE_COMMANDS | {
    "inspection_add", "inspection_update", "inspection_decline", "amend"}

DECLINED = [  # (source, title, reason): the three national problems the town did not claim
    ("national", "牧区草场生态补奖发放不及时", "本镇无牧区草场补奖任务"),
    ("national", "易地搬迁安置点配套设施不完善", "本镇无易地扶贫搬迁安置点"),
    ("national", "光伏扶贫电站收益分配不规范", "本镇未建设光伏扶贫电站"),
]


def fold(s):
    """What list --grep matches on: NFC, ASCII letters lower-cased."""
    s = unicodedata.normalize("NFC", s or "")
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)


class RecDaemon(Daemon):
    def __init__(self, when=DAY1 + "T02:00:00Z"):
        tmp = tempfile.mkdtemp(prefix="rr", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write(when + "\n")
        super().__init__({}, tmp=tmp)


class Base:
    def setup(self):
        self.d = RecDaemon()
        self.daemons.append(self.d)
        self.d.start()
        self.call("inspection_add", {"name": INSP, "title": "2025年考核评估反馈问题",
                                     "fed_back": {"national": 25, "region": 5, "county": 5}})
        with open(PLAN, "rb") as f:
            eq(self.call("import", {"inspection": INSP}, files=[f.read()])["imported"], 29, "imported")

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)

    def call(self, cmd, args=None, user=ADMIN, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def refused(self, code, cmd, args, user=ADMIN, words=(), files=()):
        """cmd must be refused with code, change nothing (items, events, head and
        the inspection records), and its message must hold every one of words."""
        before = (self.d.snapshot(), self.call("inspection_list"))
        try:
            self.d.call(cmd, args, user=user, files=files)
        except rawclient.Refused as e:
            eq(e.code, code, "%s %r as %s: error code (%s)" % (cmd, args, user, e.message))
            for w in words:
                check(w in e.message, "%s: message %r should mention %r" % (cmd, e.message, w))
            eq((self.d.snapshot(), self.call("inspection_list")), before, "%s refused: nothing changed" % cmd)
            return e.message
        raise Failure("%s %r as %s succeeded; want %s" % (cmd, args, user, code))

    def insp(self, name=INSP):
        return {i["name"]: i for i in self.call("inspection_list")["inspections"]}[name]

    def sources(self, rec):
        return {s["id"]: s for s in rec["sources"]}

    def decline(self, source, title, reason, name=INSP, user=ADMIN):
        return self.call("inspection_decline", {"name": name, "source": source, "title": title,
                                                "reason": reason}, user=user)

    def ledger(self, **args):
        args.setdefault("inspection", INSP)
        return self.call("ledger", args)

    def row(self, led, ref):
        rows = [r for r in led["rows"] if r["ref"] == ref]
        eq(len(rows), 1, "ledger rows of %s" % ref)
        return rows[0]

    def ctl_ok(self, *args, user=ADMIN, json_out=False, env=None):
        r = self.d.ctl(*args, user=user, json_out=json_out, env=env)
        eq(r.rc, 0, "rectctl %s: exit status (stderr %r)" % (" ".join(args), r.err))
        return r


class Declined(Base):
    def test_a_decline_is_an_event_on_the_inspection_and_fed_back_becomes_claimed_plus_declined(self):
        d = self.d
        before = self.insp()
        check("declined" not in before, "no problems not claimed recorded yet: %r" % before)
        eq(self.sources(before)["national"].get("fed_back_derived"), None, "no derived count before")
        d.set_clock(DAY2 + "T02:00:00Z")
        for i, (src, title, reason) in enumerate(DECLINED[:2]):
            r = self.decline(src, title, reason)
            eq(r["number"], i + 1, "number of the new problem not claimed")
            eq(r["declined"], {"source": src, "title": title, "reason": reason}, "the entry")
        # through rectctl too (a source by its name), as the admin
        src, title, reason = DECLINED[2]
        out = self.ctl_ok("inspection", "decline", INSP, "--source", "国家反馈共性问题", "--title", title,
                          "--reason", reason).out
        check("number 3" in out and title in out, "rectctl says what it recorded: %r" % out)
        rec = self.insp()
        eq(rec["declined"], [{"source": s, "title": t, "reason": r} for s, t, r in DECLINED], "declined list")
        nat = self.sources(rec)["national"]
        eq((nat["fed_back"], nat["claimed"], nat["declined"], nat["fed_back_derived"], nat["fed_back_mismatch"]),
           (25, 22, 3, 25, False), "national: stated 25 = 22 claimed + 3 not claimed")
        reg = self.sources(rec)["region"]
        eq(reg, {"id": "region", "name": "自治区“两办”反馈问题", "fed_back": 5, "claimed": 3},
           "region: none not claimed recorded: its stated count stands, nothing derived")
        evs = [e for e in self.call("inspection_history")["events"] if e["action"] == "decline"]
        eq(len(evs), 3, "three decline events")
        eq((evs[0]["item"], evs[0]["actor"], evs[0]["changes"]["name"], evs[0]["changes"]["declined"][0]),
           (0, ADMIN, [INSP, INSP], None), "the first: item 0, the admin, [N, N], no list before")
        eq(evs[2]["changes"]["declined"], [rec["declined"][:2], rec["declined"]], "the third: old → new list")

    def test_inspection_list_shows_the_counts_the_mismatch_and_the_reasons(self):
        out = self.ctl_ok("inspection", "list").out
        for want in ("国家反馈共性问题: 25 fed back, 22 claimed, 3 not claimed", "自治区“两办”反馈问题 5/3",
                     DECLINED[1][1], DECLINED[1][2], "2. "):
            check(want in out, "inspection list should show %r:\n%s" % (want, out))
        zh = self.ctl_ok("inspection", "list", env=dict(os.environ, LANGUAGE="zh_CN", LC_ALL="C.UTF-8")).out
        check("反馈问题25个，认领22个，不认领3个" in zh, "Chinese counts:\n%s" % zh)
        check("does not match" not in out, "25 = 22 + 3: no mismatch")

    def test_refusals_change_nothing_and_say_what_to_do(self):
        t = "另一个问题"
        self.refused("permission_denied", "inspection_decline",
                     {"name": INSP, "source": "national", "title": t, "reason": "x"}, user=LEADER)
        self.refused("permission_denied", "inspection_decline",
                     {"name": INSP, "source": "national", "title": t, "reason": "x"}, user=OWNER)
        self.refused("unknown_name", "inspection_decline",
                     {"name": INSP, "source": "province", "title": t, "reason": "x"},
                     words=("province", "national", "county"))
        self.refused("missing_field", "inspection_decline",
                     {"name": INSP, "source": "national", "title": t, "reason": "  "})
        self.refused("missing_field", "inspection_decline", {"name": INSP, "source": "national", "reason": "x"},
                     words=("title",))
        self.refused("missing_field", "inspection_decline", {"name": INSP, "title": t, "reason": "x"},
                     words=("source",))
        self.refused("unknown_name", "inspection_decline",
                     {"name": "2099-none", "source": "national", "title": t, "reason": "x"},
                     words=("2099-none", "inspection add"))
        self.refused("bad_value", "inspection_decline",
                     {"name": INSP, "source": "national", "title": DECLINED[0][1], "reason": "again"},
                     words=("already", "number 1"))
        self.refused("bad_value", "inspection_decline", {"name": INSP, "withdraw": 4, "reason": "x"},
                     words=("1 to 3",))
        self.refused("bad_value", "inspection_decline", {"name": INSP, "withdraw": 0, "reason": "x"})
        self.refused("bad_value", "inspection_decline",
                     {"name": INSP, "withdraw": 1, "source": "national", "reason": "x"}, words=("withdraw",))
        self.refused("missing_field", "inspection_decline", {"name": INSP, "withdraw": 1})
        self.refused("permission_denied", "inspection_decline", {"name": INSP, "withdraw": 1, "reason": "x"},
                     user=LEADER)
        self.refused("permission_denied", "inspection_decline", {"name": INSP, "withdraw": 1, "reason": "x"},
                     user=VIEWER)
        self.refused("unknown_field", "inspection_decline",
                     {"name": INSP, "source": "national", "title": t, "reason": "x", "fed_back": 3})
        r = self.d.ctl("inspection", "decline", INSP, "--withdraw", "two", "--reason", "x", json_out=False)
        eq(r.rc, 1, "rectctl: --withdraw needs a number (usage)")
        r = self.d.ctl("inspection", "decline", INSP, "--source", "national", "--title", t, "--reason", "x",
                       user=LEADER, json_out=False)
        eq(r.rc, 3, "rectctl: a leader's decline is refused")

    def test_a_withdrawal_is_an_event_and_the_withdrawn_one_stays_in_history(self):
        self.decline("county", "录错的问题", "误录")
        eq(len(self.insp()["declined"]), 4, "four, for a moment")
        r = self.call("inspection_decline", {"name": INSP, "withdraw": 4, "reason": "录入有误，撤回"})
        eq(r["withdrawn"]["title"], "录错的问题", "the withdrawn entry")
        rec = self.insp()
        eq([x["title"] for x in rec["declined"]], [t for _, t, _ in DECLINED], "the three remain")
        eq(set(self.sources(rec)["county"]), {"id", "name", "fed_back", "claimed"}, "county: none not claimed again")
        evs = self.call("inspection_history")["events"]
        w = [e for e in evs if e["action"] == "withdraw_decline"]
        eq(len(w), 1, "one withdrawal event")
        eq(w[0]["comment"], "录入有误，撤回", "its reason is the event's comment")
        check(any(e["action"] == "decline" and e["changes"]["declined"][1][-1]["title"] == "录错的问题"
                  for e in evs), "the mistaken one stays in the history")

    def test_the_ledger_states_the_counts_and_lists_the_problems_not_claimed(self):
        led = self.ledger()
        eq(led["declined"], self.insp()["declined"], "ledger.declined")
        nat = {s["id"]: s for s in led["summary"]["sources"]}["national"]
        eq((nat["fed_back"], nat["claimed"], nat["declined"], nat["fed_back_derived"]), (25, 22, 3, 25),
           "ledger summary, national")
        md = self.ctl_ok("ledger", "--inspection", INSP, "--format", "md").out
        for want in ("- 国家反馈共性问题: 反馈问题25个，认领22个，不认领3个",
                     "- 自治区“两办”反馈问题（反馈/认领）: 5/3", "- 合计: 反馈问题35个，认领29个，不认领3个\n",
                     "## 不认领问题", "| 1 | 国家反馈共性问题 | %s | %s |" % DECLINED[0][1:]):
            check(want in md, "markdown ledger should hold %r:\n%s" % (want, md[:3000]))
        en = self.ctl_ok("ledger", "--inspection", INSP, "--format", "md", "--lang", "en").out
        check("25 fed back, 22 claimed, 3 not claimed" in en and "## Problems not claimed" in en,
              "English ledger:\n%s" % en[:2000])
        csv_ = self.ctl_ok("ledger", "--inspection", INSP, "--format", "csv").out
        check("不认领问题" in csv_ and DECLINED[2][2] in csv_, "CSV ledger has the section")
        html = self.ctl_ok("ledger", "--inspection", INSP, "--format", "html").out
        check("<h2>不认领问题</h2>" in html and DECLINED[1][2] in html, "HTML ledger has the section")
        path = os.path.join(self.d.tmp, "l.xlsx")
        self.ctl_ok("ledger", "--inspection", INSP, "-o", path)
        import openpyxl
        ws = openpyxl.load_workbook(path).worksheets[0]
        cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
        check("不认领问题" in cells and DECLINED[0][2] in cells and DECLINED[0][1] in cells,
              "the workbook lists them")
        check("反馈问题25个，认领22个，不认领3个" in cells, "the workbook's heading")

    def test_the_report_counts_the_same_problems_not_claimed(self):
        rep = self.call("report", {"inspection": INSP})
        eq([(d["source"], d["title"], d["reason"]) for d in rep["declined"]], DECLINED, "report.declined")
        nat = {x["id"]: x for x in rep["sources"]}["national"]
        led = {x["id"]: x for x in self.ledger()["summary"]["sources"]}["national"]
        eq((nat["fed_back"], nat["declined"]), (led["fed_back_derived"], led["declined"]),
           "report and ledger agree: fed back 25, not claimed 3")

    def test_a_ledger_as_of_before_the_declines_does_not_show_them(self):
        led = self.ledger(as_of=DAY1)
        check("declined" not in led, "no declined list as of %s" % DAY1)
        nat = {s["id"]: s for s in led["summary"]["sources"]}["national"]
        eq(set(nat), {"id", "name", "fed_back", "claimed"}, "no derived counts as of %s" % DAY1)
        md = self.ctl_ok("ledger", "--inspection", INSP, "--as-of", DAY1, "--format", "md").out
        check("不认领" not in md and "国家反馈共性问题（反馈/认领）: 25/22" in md, "the day-1 ledger:\n%s" % md[:800])
        eq([x["title"] for x in self.ledger(as_of=DAY2)["declined"]], [t for _, t, _ in DECLINED],
           "as of %s: the three (the withdrawn one is gone)" % DAY2)


class Amend(Base):
    def test_amend_records_old_and_new_and_the_ledger_as_of_keeps_the_old_text(self):
        old = self.call("show", {"item": "GJ-03"})["item"]
        self.d.set_clock(DAY2 + "T02:00:00Z")
        r = self.call("amend", {"item": "GJ-03", "title": "监测户遍访记录不完整、不规范",
                                "measures": old["measures"], "reason": "按县级反馈原文更正"})
        eq(r["item"]["title"], "监测户遍访记录不完整、不规范", "new title")
        eq(r["item"]["state"], old["state"], "state kept")
        ev = self.call("history", {"item": "GJ-03"})["events"][-1]
        eq((ev["action"], ev["actor"], ev["comment"], ev["seq"]), ("amend", ADMIN, "按县级反馈原文更正", r["seq"]),
           "the amend event")
        eq(ev["changes"], {"title": [old["title"], "监测户遍访记录不完整、不规范"]},
           "only what differs is a change (measures were the same)")
        out = self.ctl_ok("history", "GJ-03").out
        check("%s → 监测户遍访记录不完整、不规范" % old["title"] in out, "history shows old → new:\n%s" % out)
        self.ctl_ok("amend", "GJ-03", "--description", "更正后的描述", "--reason", "补充")
        eq(self.call("show", {"item": "GJ-03"})["item"]["description"], "更正后的描述", "rectctl amend")
        eq(self.row(self.ledger(as_of=DAY1), "GJ-03")["title"], old["title"], "as of the day before: old title")
        eq(self.row(self.ledger(as_of=DAY2), "GJ-03")["title"], "监测户遍访记录不完整、不规范", "as of that day: new")

    def test_amend_refusals(self):
        it = self.call("show", {"item": "GJ-04"})["item"]
        self.refused("permission_denied", "amend", {"item": "GJ-04", "title": "x", "reason": "r"}, user=LEADER,
                     words=("admin",))
        # its own owner may not rewrite what the problem says
        self.refused("permission_denied", "amend", {"item": "GJ-04", "title": "x", "reason": "r"},
                     user=it["owner"])
        self.refused("permission_denied", "amend", {"item": "GJ-04", "title": "x", "reason": "r"}, user=VIEWER)
        self.refused("bad_value", "amend", {"item": "GJ-04", "title": it["title"], "reason": "r"},
                     words=("GJ-04", "nothing to amend"))
        self.refused("missing_field", "amend", {"item": "GJ-04", "reason": "r"}, words=("title", "measures"))
        self.refused("missing_field", "amend", {"item": "GJ-04", "title": "  ", "reason": "r"})
        self.refused("missing_field", "amend", {"item": "GJ-04", "title": "新"})
        self.refused("unknown_field", "amend", {"item": "GJ-04", "owner": OWNER, "reason": "r"})
        self.refused("unknown_field", "amend", {"item": "GJ-04", "deadline": "2027-01-01", "reason": "r"})
        self.refused("not_found", "amend", {"item": "NOPE-1", "title": "x", "reason": "r"})
        eq(self.call("show", {"item": "GJ-04"})["item"], it, "GJ-04 untouched")

    def test_amend_works_on_a_closed_item_too(self):
        self.call("start", {"item": "GJ-15"}, user=self.call("show", {"item": "GJ-15"})["item"]["owner"])
        self.call("evidence", {"item": "GJ-15", "note": "整改"}, user=self.call("show", {"item": "GJ-15"})["item"]["owner"])
        self.call("verify", {"item": "GJ-15", "result": "pass", "opinion": "合格"}, user=VERIFIER)
        self.call("close", {"item": "GJ-15", "note": "销号"}, user=LEADER_ADMIN)
        r = self.call("amend", {"item": "GJ-15", "measures": "补充后的措施", "reason": "补录"})
        eq((r["item"]["state"], r["item"]["measures"]), ("closed", "补充后的措施"), "closed, measures amended")


class Links(Base):
    def test_add_parent_records_the_parent_id_and_show_lists_children(self):
        gj3 = self.call("show", {"item": "GJ-03"})["item"]
        a = self.call("add", {"ref": "ZC-01", "source": "self", "kind": "immediate", "title": "自查：遍访表缺页",
                              "inspection": INSP, "parent": "GJ-03"})["item"]
        eq(a["parent"], gj3["id"], "parent is the parent's item id")
        b = self.call("add", {"ref": "ZC-02", "source": "self", "kind": "immediate", "title": "自查：签字不全",
                              "inspection": INSP, "parent": "%s/GJ-03" % INSP})["item"]
        eq(b["parent"], gj3["id"], "INSPECTION/REF")
        c = self.call("add", {"ref": "ZC-03", "source": "self", "kind": "immediate", "title": "由 ZC-01 再查",
                              "inspection": INSP, "parent": a["id"]})["item"]
        eq(c["parent"], a["id"], "by id")
        ev = self.call("history", {"item": "ZC-01"})["events"][0]
        eq((ev["action"], ev["changes"]["parent"]), ("claim", [None, gj3["id"]]), "recorded at the claim")
        s = self.call("show", {"item": "GJ-03"})
        eq([x["ref"] for x in s["children"]], ["ZC-01", "ZC-02"], "GJ-03's children")
        check("parent" not in s, "GJ-03 has no parent: no key")
        s = self.call("show", {"item": "ZC-01"})
        eq((s["parent"]["id"], s["parent"]["ref"]), (gj3["id"], "GJ-03"), "ZC-01's parent")
        eq([x["ref"] for x in s["children"]], ["ZC-03"], "ZC-01's child")
        s4 = self.call("show", {"item": "GJ-04"})
        check("parent" not in s4["item"] and "parent" not in s4 and "children" not in s4,
              "an item without parent or children has no such keys: %r" % sorted(s4))
        out = self.ctl_ok("show", "GJ-03").out
        check("ZC-01" in out and "ZC-02" in out and "举一反三" in out, "rectctl show lists children:\n%s" % out)
        out = self.ctl_ok("show", "ZC-01").out
        check("found from" in out and "GJ-03" in out, "rectctl show names the parent:\n%s" % out)
        r = self.d.ctl("add", "--ref", "ZC-04", "--source", "self", "--kind", "immediate", "--title", "命令行",
                       "--inspection", INSP, "--parent", "GJ-05", user=ADMIN)
        eq((r.rc, r.json()["item"]["parent"]), (0, self.call("show", {"item": "GJ-05"})["item"]["id"]),
           "rectctl add --parent")

    def test_parent_refusals(self):
        base = {"source": "self", "kind": "immediate", "title": "x", "inspection": INSP}
        self.refused("not_found", "add", dict(base, ref="ZC-09", parent="NOPE-9"), words=("parent", "NOPE-9"))
        self.refused("not_found", "add", dict(base, ref="ZC-09", parent=99999), words=("parent", "99999"))
        self.refused("not_found", "add", dict(base, ref="ZC-09", parent="99999"), words=("parent",))
        self.refused("bad_value", "add", dict(base, ref="ZC-09", parent="ZC-09"), words=("own parent",))
        self.refused("bad_value", "add", dict(base, ref="ZC-09", parent="%s/ZC-09" % INSP), words=("own parent",))
        self.refused("permission_denied", "add", dict(base, ref="ZC-09", parent="GJ-03"), user=LEADER)

    def test_ledger_marks_children_and_stats_count_them(self):
        led = self.ledger()
        r = self.row(led, "ZC-01")
        eq((r["parent"], r["parent_ref"]), (self.call("show", {"item": "GJ-03"})["item"]["id"], "GJ-03"), "row")
        check("parent" not in self.row(led, "GJ-03"), "a row without a parent has no parent key")
        eq(led["summary"]["self_found"], 4, "summary.self_found")
        md = self.ctl_ok("ledger", "--inspection", INSP, "--format", "md").out
        check("自查：遍访表缺页（举一反三 ← GJ-03）" in md, "the ledger marks the child:\n%s" % md[-3000:])
        check("- 举一反三（自查）问题: 4" in md, "heading counts them")
        eq(self.call("stats", {"inspection": INSP})["total"]["self_found"], 4, "stats total.self_found")
        out = self.ctl_ok("stats", "--inspection", INSP).out
        check("self-found (举一反三) items: 4" in out, "rectctl stats says so:\n%s" % out)
        g = {x["key"]: x for x in self.call("stats", {"by": "source"})["groups"]}
        eq((g["self"]["self_found"], g["national"]["self_found"]), (4, 0), "stats by source")
        check("parent" not in self.ledger(as_of=DAY1).get("rows", [{}])[0], "ledger as of day 1")


class Grep(Base):
    def test_grep_matches_chinese_substrings_in_ref_title_description_and_measures(self):
        items = self.call("list")["items"]
        for pat in ("遍访", "签字", "GJ-0", "gj-0", "监测", "75元"):
            want = sorted(i["ref"] for i in items
                          if any(fold(pat) in fold(i.get(f)) for f in ("ref", "title", "description", "measures")))
            got = sorted(i["ref"] for i in self.call("list", {"grep": pat})["items"])
            eq(got, want, "grep %r" % pat)
            check(want, "the pattern %r finds something" % pat)
        eq(len(self.call("list", {"grep": "gj-0"})["items"]), 9, "ASCII case-insensitive: GJ-01..GJ-09")
        eq(self.call("list", {"grep": "没有这样的文字"})["items"], [], "no match: empty")

    def test_grep_matches_on_nfc(self):
        self.call("add", {"ref": "NFC-1", "source": "self", "kind": "immediate", "inspection": INSP,
                          "title": "Caf\u00e9 检查"})
        eq([i["ref"] for i in self.call("list", {"grep": "cafe\u0301"})["items"]], ["NFC-1"],
           "a decomposed pattern finds the composed title")
        eq([i["ref"] for i in self.call("list", {"grep": "CAF\u00c9"})["items"]], [],
           "only ASCII letters fold: É is not é")

    def test_grep_combines_with_every_other_filter(self):
        owner = self.call("show", {"item": "GJ-03"})["item"]["owner"]
        for extra in ({"owner": owner}, {"state": "assigned"}, {"kind": "immediate"}, {"source": "national"},
                      {"inspection": INSP}, {"unit": "cun1"}, {"leader": LEADER}):
            k, v = next(iter(extra.items()))
            want = sorted(i["ref"] for i in self.call("list", extra)["items"]
                          if any("遍访" in (i.get(f) or "") for f in ("ref", "title", "description", "measures")))
            got = sorted(i["ref"] for i in self.call("list", dict(extra, grep="遍访"))["items"])
            eq(got, want, "grep 遍访 with %s=%s" % (k, v))
        got = self.call("list", {"grep": "遍访", "overdue": True, "as_of": DAY1})["items"]
        check(all(i["light"] == "red" for i in got), "with overdue")
        r = self.ctl_ok("list", "--grep", "遍访", "--state", "assigned", json_out=True)
        eq(sorted(i["ref"] for i in r.json()["items"]),
           sorted(i["ref"] for i in self.call("list", {"grep": "遍访", "state": "assigned"})["items"]), "rectctl")

    def test_an_empty_pattern_is_refused(self):
        self.refused("bad_value", "list", {"grep": ""}, words=("grep",))
        self.refused("bad_value", "list", {"grep": "   "}, words=("grep",))
        r = self.d.ctl("list", "--grep", "", json_out=False)
        eq(r.rc, 3, "rectctl list --grep '' (%r)" % r.err)


CSV_HEAD = "编号,问题来源,整改类型,问题,关联问题,认领,不认领原因\n"


class Import(Base):
    def setup(self):
        super().setup()
        self.call("inspection_add", {"name": "2026-review", "title": "2026年复查", "fed_back": {"county": 4}})

    def imp(self, text, name="2026-review", **kw):
        return self.call("import", dict({"inspection": name}, **kw), files=[text.encode("utf-8")])

    def test_declined_rows_and_parents_in_one_import(self):
        gj3 = self.call("show", {"item": "GJ-03"})["item"]["id"]
        text = CSV_HEAD + (
            "FC-01,county,immediate,复查问题一,,是,\n"
            "FC-02,county,long-term,复查问题二,FC-01,,\n"
            ",county,,不适用的问题,,否,本镇无此项任务\n"
            "FC-03,county,immediate,由国家问题延伸,GJ-03,,\n"
            "FC-X,精河县反馈问题,,另一不适用问题,,否,已由县级统一整改\n")
        dry = self.imp(text, dry_run=True)
        eq((dry["imported"], dry["declined"], dry["dry_run"]), (3, 2, True), "dry run counts")
        check("declined" not in self.insp("2026-review"), "the dry run recorded nothing")
        r = self.imp(text)
        eq((r["imported"], r["declined"]), (3, 2), "imported 3 items, 2 not claimed")
        rec = self.insp("2026-review")
        eq(rec["declined"], [{"source": "county", "title": "不适用的问题", "reason": "本镇无此项任务"},
                             {"source": "county", "title": "另一不适用问题", "reason": "已由县级统一整改",
                              "ref": "FC-X"}], "the declined entries (ref kept when given)")
        cty = self.sources(rec)["county"]
        eq((cty["fed_back"], cty["claimed"], cty["declined"], cty["fed_back_derived"], cty["fed_back_mismatch"]),
           (4, 3, 2, 5, True), "county: 3 + 2 = 5, stated 4: flagged")
        out = self.ctl_ok("inspection", "list").out
        check("精河县反馈问题: 5 fed back, 3 claimed, 2 not claimed\n"
              "      (inspection add stated 4 fed back: it does not match claimed + not claimed)" in out,
              "inspection list states both and flags the mismatch:\n%s" % out)
        md = self.ctl_ok("ledger", "--inspection", "2026-review", "--format", "md").out
        check("- 精河县反馈问题: 反馈问题5个，认领3个，不认领2个（录入的反馈数为4个，与认领加不认领之和不符）" in md,
              "the ledger states both:\n%s" % md[:600])
        fc1 = self.call("show", {"item": "2026-review/FC-01"})["item"]
        eq(self.call("show", {"item": "2026-review/FC-02"})["item"]["parent"], fc1["id"], "parent in the file")
        eq(self.call("show", {"item": "2026-review/FC-03"})["item"]["parent"], gj3, "parent already recorded")
        check("parent" not in fc1, "FC-01 has no parent")
        path = os.path.join(self.d.tmp, "p.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(CSV_HEAD + ",county,,命令行不认领,,否,不适用\n")
        out = self.ctl_ok("import", path, "--inspection", "2026-review").out
        check("1 problem not claimed" in out, "rectctl import says so: %r" % out)

    def test_a_missing_reason_or_a_bad_row_rolls_the_whole_import_back(self):
        ok_rows = "FD-01,county,immediate,回滚测试一,,,\n,county,,回滚的不认领,,否,理由\n"
        msg = self.refused("bad_import", "import", {"inspection": "2026-review"},
                           files=[(CSV_HEAD + ok_rows + ",county,,缺少原因的问题,,否,\n").encode()],
                           words=("line 4", "不认领原因", "reason"))
        check("认领 = 否" in msg, msg)
        # rows that parse, and a later row rectd refuses (a ref the inspection has): nothing stays,
        # neither the items nor the declines before it
        msg = self.refused("bad_import", "import", {"inspection": "2026-review"},
                           files=[(CSV_HEAD + ok_rows + "FC-01,county,immediate,重复,,,\n").encode()],
                           words=("FC-01", "already"))
        msg = self.refused("bad_import", "import", {"inspection": "2026-review"},
                           files=[(CSV_HEAD + ok_rows + "FD-02,county,immediate,父不存在,NOPE-7,,\n").encode()],
                           words=("line 4", "关联问题", "NOPE-7"))
        self.refused("bad_import", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + "FD-03,county,immediate,自己,FD-03,,\n").encode()], words=("own parent",))
        self.refused("bad_import", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + "FD-03,county,immediate,先子,FD-04,,\nFD-04,county,immediate,后父,,,\n")
                            .encode()], words=("comes later",))
        self.refused("bad_import", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + "FD-05,county,immediate,认领值错,,也许,\n").encode()], words=("是", "否"))
        self.refused("bad_import", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + "FD-06,county,immediate,已认领却有原因,,是,理由\n").encode()],
                     words=("不认领原因",))
        self.refused("bad_import", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + "FD-07,county,immediate,不认领却有类型,,否,理由\n").encode()],
                     words=("kind",))
        # a leader cannot record problems not claimed through an import either
        self.refused("permission_denied", "import", {"inspection": "2026-review"},
                     files=[(CSV_HEAD + ",county,,借导入不认领,,否,理由\n").encode()], user=LEADER)
        # 否 rows need a recorded inspection to be recorded on
        self.refused("bad_import", "import", {"inspection": "never-recorded"},
                     files=[(CSV_HEAD + ok_rows).encode()], words=("never-recorded", "inspection add"))

    def test_audit_verify_and_the_python_rebuild_agree_with_rectd(self):
        # the other fixtures' kinds of events, here too: an amend and a withdrawal
        self.call("amend", {"item": "GJ-01", "title": "改过的标题", "reason": "r"})
        self.decline("national", "临时", "临时")
        self.call("inspection_decline", {"name": INSP, "withdraw": 1, "reason": "撤回"})
        a = self.call("audit_verify")
        eq((a["ok"], a.get("first_bad_seq")), (True, None), "audit verify: %r" % a)
        with self.d.raw() as c:
            events = rawclient.all_events(c)
            rawclient.verify_chain(events, c.call("ping")["head"])
            got = {i["id"]: i for i in c.call("list")["items"]}
            want = rawclient.rebuild_items(events)
            eq(sorted(got), sorted(want), "item ids")
            for i in got:
                eq({k: v for k, v in got[i].items() if k in want[i]}, want[i], "item %d rebuilt" % i)
                eq(set(want[i]) - set(got[i]), set(), "item %d: no extra field" % i)
            recs = rawclient.rebuild_inspections(events)
            keys = ("name", "title", "fed_back", "created", "by", "declined")
            lst = {i["name"]: {k: i[k] for k in keys if k in i} for i in c.call("inspection_list")["inspections"]}
            eq(lst, recs, "inspection records rebuilt")

    def test_saved_ledgers_with_declines_and_parents_check_against_the_record_and_offline(self):
        for args in ((), ("--inspection", "2026-review"), ("--inspection", INSP)):
            path = os.path.join(self.d.tmp, "saved.json")
            self.ctl_ok("ledger", *args, "--format", "json", "-o", path)
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            check("declined" in doc, "the saved ledger %r has its declined list" % (args,))
            if not args:
                check(all("inspection" in x for x in doc["declined"]), "whole record: each names its inspection")
                check(any("parent_ref" in r for r in doc["rows"]), "and rows with a parent")
            r = self.d.ctl("ledger", "check", path, json_out=False)
            eq(r.rc, 0, "ledger check %r against the record: %s %s" % (args, r.out, r.err))
            r = self.d.ctl("ledger", "check", path, "--key", os.path.join(self.d.keys_dir, "rectd-sign.pub"),
                           json_out=False, user=None)
            eq(r.rc, 0, "ledger check --key %r offline: %s %s" % (args, r.out, r.err))
            if not doc["declined"]:  # 2025-assessment: its one decline was withdrawn
                eq(args, ("--inspection", INSP), "only this ledger's list is empty")
                continue
            doc["declined"][0]["reason"] = "改过的原因"
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            r = self.d.ctl("ledger", "check", path, json_out=False)
            eq(r.rc, 3, "an edited reason is caught against the record")
            r = self.d.ctl("ledger", "check", path, "--key", os.path.join(self.d.keys_dir, "rectd-sign.pub"),
                           json_out=False, user=None)
            eq(r.rc, 3, "and offline (the signature covers it)")


class Tamper(Base):
    """Someone with the database file but not the chain: rewriting a reason, or
    hiding a problem not claimed, in the stored record is caught."""

    def tamper(self, *args):
        if not os.access(TAMPER, os.X_OK):
            raise e2e_runner.Skip("no rect-tamper (make build/tools/rect-tamper)")
        self.d.stop()
        p = subprocess.run([TAMPER, self.d.data_dir] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper %s (%s)" % (args, p.stderr.decode()))
        self.d.start()

    def test_a_rewritten_reason_in_the_stored_record_is_caught(self):
        for src, title, reason in DECLINED:
            self.decline(src, title, reason)
        eq(self.call("audit_verify")["ok"], True, "clean before")
        rec = {k: v for k, v in self.insp().items() if k in ("name", "title", "fed_back", "created", "by", "declined")}
        forged = json.loads(json.dumps(rec))
        forged["declined"][0]["reason"] = "另写的理由"
        self.tamper("inspection", INSP, json.dumps(forged, ensure_ascii=False))
        eq(self.insp()["declined"][0]["reason"], "另写的理由", "the stored view really changed")
        a = self.call("audit_verify")
        eq((a["ok"], a["first_bad_seq"]), (False, None), "caught, not a chain break")
        check(INSP in a["problem"] and "declined" in a["problem"], "names the inspection and the field: %r" % a)
        # hiding them all: the record without its list
        del forged["declined"]
        self.tamper("inspection", INSP, json.dumps(forged, ensure_ascii=False))
        check("declined" not in self.insp(), "hidden from the stored view")
        a = self.call("audit_verify")
        check(not a["ok"] and INSP in a["problem"], "hiding them is caught too: %r" % a)
        # the ledger is rebuilt from the events: it still shows them
        eq(len(self.ledger()["declined"]), 3, "the ledger replays the events, not the stored view")


SCHEMA1 = os.path.join(REPO, "tests", "data", "schema1.mdb.gz")
SCHEMA1_DAY = DAY2 + "T03:00:00Z"  # an hour after schema1.mdb.gz's events


def unpack_schema1(folder):
    """tests/data/schema1.mdb.gz (written by the rectd of schema version 1:
    the plan's 29 items imported, then ZC-01 and ZC-02 added with parent
    GJ-03 and ZC-03 with parent ZC-01) as folder/data.mdb."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    with gzip.open(SCHEMA1, "rb") as src, open(os.path.join(folder, "data.mdb"), "wb") as dst:
        shutil.copyfileobj(src, dst)


class ParentIndex:
    """show's children are a range of the parent index (schema version 2):
    built from the items when a version-1 database is opened, kept by every
    write, checked by audit_verify, carried by backups and restores.
    On a pinned clock, the day schema1.mdb.gz was written (its events are of
    2026-12-02T02:39:22Z): on the real clock, from 2026-12-23 on, the daily
    job run at start escalates the plan's items (due 2026-12-15, escalated
    after 7 days) and adds events to the 62 counted here."""

    def setup(self):
        self.d = RecDaemon(SCHEMA1_DAY)
        self.daemons.append(self.d)
        unpack_schema1(self.d.data_dir)
        self.d.start()
        self.work = tempfile.mkdtemp(prefix="rp", dir="/tmp")

    def teardown(self, keep):
        problems = e2e_runner.stop_daemons(self.daemons, keep, only_running=False)
        if keep != "failed":
            shutil.rmtree(self.work, ignore_errors=True)
        return problems

    def call(self, cmd, args=None, user=ADMIN, d=None):
        return (d or self.d).call(cmd, args or {}, user=user)

    def family(self, ref, d=None):
        s = self.call("show", {"item": ref}, d=d)
        return (s.get("parent", {}).get("ref"), [x["ref"] for x in s.get("children", [])])

    def check_family(self, d=None, extra=()):
        eq(self.family("GJ-03", d), (None, ["ZC-01", "ZC-02"] + list(extra)), "GJ-03's children")
        eq(self.family("ZC-01", d), ("GJ-03", ["ZC-03"]), "ZC-01's parent and child")
        eq(self.family("ZC-03", d), ("ZC-01", []), "ZC-03: a parent, no children")
        eq(self.family("GJ-04", d), (None, []), "GJ-04: neither")

    def test_a_version_1_database_is_migrated_at_open_and_verifies(self):
        check("schema 1 -> 2: index parent built (3 items with a parent)" in self.d.stderr(),
              "the migration is logged:\n%s" % self.d.stderr())
        self.check_family()
        a = self.call("audit_verify")
        eq((a["ok"], a["events"]), (True, 62), "the migrated database verifies: %r" % a)
        # opened again: already version 2, nothing more to migrate
        self.d.stop()
        self.d.start()
        check("schema 1 -> 2" not in self.d.stderr(), "migrated once: %s" % self.d.stderr())
        self.check_family()

    def test_writes_keep_the_index_and_amend_leaves_the_children(self):
        self.call("add", {"ref": "ZC-04", "source": "self", "kind": "immediate", "title": "又查出一项",
                          "inspection": INSP, "parent": "GJ-03"})
        self.call("amend", {"item": "ZC-01", "title": "自查：遍访表缺页（改）", "reason": "笔误"})
        self.call("amend", {"item": "GJ-03", "description": "改后的描述", "reason": "补录"})
        self.check_family(extra=["ZC-04"])
        kids = self.call("show", {"item": "GJ-03"})["children"]
        eq(kids[0]["title"], "自查：遍访表缺页（改）", "a child's brief is the item as it is now")
        eq(self.call("audit_verify")["ok"], True, "verifies after the writes")

    def restore(self, src):
        d2 = RecDaemon(SCHEMA1_DAY)
        self.daemons.append(d2)
        p = subprocess.run([RECTD, "--restore", src, "-c", d2.conf], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        eq(p.returncode, 0, "rectd --restore %s: %s" % (src, p.stderr.decode()))
        d2.start()
        return d2, p.stdout.decode()

    def test_a_backup_restores_with_its_children(self):
        path = os.path.join(self.work, "b")
        with self.d.raw(ADMIN, timeout_ms=60000) as c:
            c.call("backup", {"path": path})
        d2, _ = self.restore(path)
        self.check_family(d2, extra=["ZC-04"])
        eq(self.call("audit_verify", d=d2)["ok"], True, "the restored database verifies")

    def test_a_version_1_backup_restores_and_is_migrated_at_start(self):
        path = os.path.join(self.work, "v1")
        unpack_schema1(path)
        d2, out = self.restore(path)
        check("62 events verified" in out, "the version-1 copy is verified before it is installed: %r" % out)
        check("schema 1 -> 2" in d2.stderr(), "migrated at the first start:\n%s" % d2.stderr())
        self.check_family(d2)
        eq(self.call("audit_verify", d=d2)["ok"], True, "the restored, migrated database verifies")


    def test_audit_verify_checks_the_parent_index(self):
        """Last: it leaves the index damaged."""
        if not os.access(TAMPER, os.X_OK):
            raise e2e_runner.Skip("no rect-tamper (make build/tools/rect-tamper)")
        gj3 = self.call("show", {"item": "GJ-03"})["item"]["id"]
        zc2 = self.call("show", {"item": "ZC-02"})["item"]["id"]
        self.d.stop()
        p = subprocess.run([TAMPER, self.d.data_dir, "unindex", "parent", str(gj3), str(zc2)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper unindex (%s)" % p.stderr.decode())
        self.d.start()
        eq(self.family("GJ-03"), (None, ["ZC-01", "ZC-04"]), "the index is what show reads")
        a = self.call("audit_verify")
        check(not a["ok"] and "index parent" in a["problem"] and "ZC-02" in a["problem"],
              "audit_verify names the missing entry: %r" % a)

if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-records", [Declined, Amend, Links, Grep, Import, Tamper, ParentIndex],
                             sys.argv[1:]))
