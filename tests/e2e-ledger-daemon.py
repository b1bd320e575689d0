#!/usr/bin/python3
"""End-to-end tests of issue 4's daemon side (closeout ledgers), through the
raw protocol only (tests/rawclient.py): inspections, the ledger rebuilt from
the event log (as of a date, as of a seq), statistics, audit_verify against a
database changed behind rectd's back (tests/tools/rect-tamper), audit_reuse
and show's reused_by, reconcile.

    RECTD=./rectd RECT_TAMPER=build/tools/rect-tamper /usr/bin/python3 tests/e2e-ledger-daemon.py [-k TEXT]

The history is scripted with `rectd --clock-file` (calendar.timezone
Asia/Shanghai, TZ=UTC for rectd): items are closed on different local days,
one of them at 01:00 local time on a day that is still the previous day in
UTC. Every rectd runs on its own /tmp/rlXXXX and is stopped by pid. Ends with
"N passed, M failed"; exit status 1 if anything failed.
"""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import PLAN, REPO, Daemon  # noqa: E402

TAMPER = os.path.abspath(os.environ.get("RECT_TAMPER")
                         or os.path.join(REPO, "build", "tools", "rect-tamper"))
# Writes of this issue carry client and seq (rawclient knows the core's only).
rawclient.WRITE_COMMANDS = rawclient.WRITE_COMMANDS | {"inspection_add", "inspection_update"}

ROW_KEYS = {"id", "ref", "source", "title", "measures", "kind", "leader", "unit", "owner",
            "deadline", "original_deadline", "state", "evidence_count", "latest_evidence",
            "verified_by", "verified_at", "closed_by", "closed_at", "days_late", "days_overdue",
            "overdue_days_carried", "rejections", "extensions", "escalations", "reused_evidence",
            "open", "awaiting_closure",
            # 签收 of the current assignment (tests/e2e-acts.py)
            "acknowledged_by", "acknowledged_at"}
COUNT_KEYS = {"total", "states", "lights", "closed", "closed_on_time", "on_time_rate",
              "median_days_to_close", "max_days_to_close", "rejections", "relapses",
              "self_found"}
ZERO = "0" * 64
VERIFIER = "maqing"   # a verifier who owns nothing
CLOSER = "zhanghua"   # leader and admin


def refused(d, code, cmd, args=None, user=None, files=(), what=""):
    """cmd must be refused with code and change nothing; returns the message."""
    before = d.snapshot()
    rep = d.request(cmd, args, user=user, files=files)
    check(not rep["ok"], "%s %s: want %s, got ok %r" % (cmd, what, code, rep.get("result")))
    eq(rep["error"]["code"], code, "%s %s: error code (%s)" % (cmd, what, rep["error"]["message"]))
    check(rep["error"]["message"], "%s: a message" % cmd)
    eq(d.snapshot(), before, "%s %s: nothing changed" % (cmd, what))
    return rep["error"]["message"]


class LDaemon(Daemon):
    """A Daemon whose rectd reads the time from a clock file (TZ=UTC)."""

    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="rl", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        super().__init__({"calendar.timezone": "Asia/Shanghai", "calendar.due_soon_days": 3,
                          "ledger.reviewer": "wangyan",
                          "notify.pub_endpoint": "ipc://%s/pub.sock" % tmp}, tmp=tmp)

    def head(self):
        return self.call("ping")["head"]

    def tamper(self, *args):
        """Run rect-tamper on the data dir; rectd must be stopped."""
        check(not self.running(), "tamper needs rectd stopped")
        p = subprocess.run([TAMPER, self.data_dir] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper %s (%s)" % (args, p.stderr.decode()))


def plan_bytes():
    with open(PLAN, "rb") as f:
        return f.read()


def close_item(d, item, note, files=()):
    """start, evidence (with files), verify pass, close: one item through to 销号."""
    it = d.call("show", {"item": item})["item"]
    owner = it["owner"]
    if it["state"] == "assigned":
        d.call("start", {"item": item}, user=owner)
    args = {"item": item, "note": note}
    if files:
        args["files"] = [n for n, _ in files]
    d.call("evidence", args, user=owner, files=[b for _, b in files])
    d.call("verify", {"item": item, "result": "pass", "opinion": "验收合格"}, user=VERIFIER)
    return d.call("close", {"item": item, "note": "对账销号"}, user=CLOSER)["item"]


# ---- fixture: the town's plan with a scripted history ------------------------

class History:
    """29 items imported on 2026-12-01 (local); item 4 closed on 12-02 (on
    time), item 5 at 01:00 local on 12-06 (still 12-05 in UTC), item 3 on
    12-18, three days after its deadline 2026-12-15. Items 4 and 5 share one
    photo (reuse); item 3 files its own photo twice (not reuse)."""

    PHOTO = b"\xff\xd8same photo bytes" * 40
    OWN = b"\x89PNG item 3 only" * 30

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        d = self.d = LDaemon()
        self.daemons.append(d)
        d.set_clock("2026-12-01T02:00:00Z")
        d.start()
        imp = d.call("import", {"inspection": "2025-assessment"}, files=[plan_bytes()])
        eq(imp["imported"], 29, "imported")
        self.seq_import = d.head()["seq"]
        self.items = {it["id"]: it for it in d.call("list")["items"]}
        self.ref = {i: it["ref"] for i, it in self.items.items()}
        d.set_clock("2026-12-02T03:00:00Z")
        # recorded the day after the import: an event (item 0) in the chain
        d.call("inspection_add", {"name": "2025-assessment", "title": "2025年度考核评估",
                                  "fed_back": {"national": 25, "自治区“两办”反馈问题": 5, "county": 5}})
        self.seq_inspection = d.head()["seq"]
        close_item(d, 4, "photo of the visit records", files=[("走访.jpg", self.PHOTO)])
        self.seq_12_02 = d.head()["seq"]
        d.set_clock("2026-12-05T17:00:00Z")  # 2026-12-06 01:00 in Asia/Shanghai
        close_item(d, 5, "公示照片", files=[("公示.jpg", self.PHOTO)])
        self.seq_12_06 = d.head()["seq"]
        d.set_clock("2026-12-18T04:00:00Z")
        d.call("start", {"item": 3}, user=self.items[3]["owner"])
        d.call("evidence", {"item": 3, "note": "第一次", "files": ["a.png"]},
               user=self.items[3]["owner"], files=[self.OWN])
        close_item(d, 3, "补齐遍访记录", files=[("b.png", self.OWN)])

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=False, only_running=False)

    def ledger(self, **args):
        return self.d.call("ledger", args)

    # -- inspections --
    def test_inspection_add_returns_the_record_with_source_ids(self):
        lst = self.d.call("inspection_list")["inspections"]
        eq([i["name"] for i in lst], ["2025-assessment"], "names")
        rec = lst[0]
        eq(rec["title"], "2025年度考核评估", "title")
        eq(rec["fed_back"], {"national": 25, "region": 5, "county": 5}, "fed_back by source id")
        eq(rec["claimed"], {"national": 22, "region": 3, "county": 4}, "claimed from the items")
        eq(rec["items"], 29, "items")
        eq(rec["by"], self.d.admin, "by")
        eq(rec["created"], "2026-12-02T03:00:00Z", "created")

    def test_inspection_add_is_an_event_in_the_chain_and_items_still_rebuild(self):
        d = self.d
        ins = d.call("inspection_history")["events"]
        eq(len(ins), 1, "one inspection event")
        ev = ins[0]
        eq((ev["seq"], ev["item"], ev["action"], ev["actor"], ev["at"], ev["comment"]),
           (self.seq_inspection, 0, "inspection", d.admin, "2026-12-02T03:00:00Z", ""), "the event")
        eq(ev["changes"], {"name": [None, "2025-assessment"], "title": [None, "2025年度考核评估"],
                           "fed_back": [None, {"national": 25, "region": 5, "county": 5}]}, "changes")
        ping = d.call("ping")
        events = rawclient.all_events(d.raw())
        eq(rawclient.verify_chain(events, ping["head"]), ping["events"], "chain verified in Python")
        eq(ping["events"], ping["head"]["seq"], "ping counts the inspection event")
        eq(ping["items"], 29, "and no item for it")
        # without list's read-time keys (its facts): what events rebuild
        listed = {it["id"]: {k: v for k, v in it.items() if k not in rawclient.ITEM_FACTS}
                  for it in d.call("list")["items"]}
        eq(rawclient.rebuild_items(events), listed, "items rebuilt from events")
        recs = {i["name"]: {k: i[k] for k in ("name", "title", "fed_back", "created", "by")}
                for i in d.call("inspection_list")["inspections"]}
        eq(rawclient.rebuild_inspections(events), recs, "inspections rebuilt from events")
        for i in listed:
            hist = d.call("history", {"item": i})["events"]
            check(all(e["item"] == i for e in hist), "history of item %d holds only its events" % i)
        refused(d, "bad_value", "history", {"item": 0}, what="item 0 is no item")

    def test_inspection_add_refusals_change_nothing(self):
        d = self.d
        msg = refused(d, "bad_value", "inspection_add", {"name": "2025-assessment", "title": "again"},
                      what="duplicate")
        check("already" in msg, "duplicate message names the problem: %r" % msg)
        refused(d, "permission_denied", "inspection_add", {"name": "x", "title": "t"}, user="liming")
        refused(d, "unknown_name", "inspection_add", {"name": "x", "title": "t", "fed_back": {"mars": 1}})
        refused(d, "bad_value", "inspection_add", {"name": "x", "title": "t", "fed_back": {"national": -1}})
        refused(d, "bad_type", "inspection_add", {"name": "x", "title": "t", "fed_back": {"national": "3"}})
        refused(d, "bad_type", "inspection_add", {"name": "x", "title": "t", "fed_back": [1]})
        refused(d, "missing_field", "inspection_add", {"name": "x"})
        eq(len(d.call("inspection_list")["inspections"]), 1, "still one inspection")

    def test_inspection_list_shows_inspections_known_only_from_items(self):
        d = self.d
        d.call("add", {"ref": "ZC-01", "source": "self", "kind": "immediate", "title": "自查问题",
                       "inspection": "2026-selfcheck"})
        lst = {i["name"]: i for i in d.call("inspection_list")["inspections"]}
        eq(sorted(lst), ["2025-assessment", "2026-selfcheck"], "names in order")
        s = lst["2026-selfcheck"]
        eq((s["title"], s["fed_back"], s["claimed"], s["items"], s["created"], s["by"]),
           (None, {}, {"self": 1}, 1, None, None), "items-only inspection")
        led = self.ledger(inspection="2026-selfcheck")
        eq((led["title"], led["summary"]["sources"]),
           (None, [{"id": "self", "name": "自查自纠", "fed_back": None, "claimed": 1}]),
           "ledger of an unrecorded inspection")

    # -- the ledger --
    def test_ledger_summary_of_the_towns_29_items(self):
        led = self.ledger(inspection="2025-assessment")
        s = led["summary"]
        eq([(x["id"], x["fed_back"], x["claimed"]) for x in s["sources"]],
           [("national", 25, 22), ("region", 5, 3), ("county", 5, 4)], "fed back / claimed")
        eq(s["kinds"], {"immediate": 5, "long-term": 24}, "kinds")
        eq((s["total"], s["closed"], s["open"], s["closed_on_time"]), (29, 3, 26, 2), "counts")
        eq(len(led["rows"]), 29, "rows")
        eq([r["id"] for r in led["rows"]], list(range(1, 30)), "id order")
        eq(set(led["rows"][0]), ROW_KEYS, "row keys")
        eq((led["inspection"], led["title"], led["as_of"]),
           ("2025-assessment", "2025年度考核评估", None), "heading")
        eq((led["reviewer"], led["timezone"], led["generated_by"]), ("王燕", "Asia/Shanghai", self.d.admin),
           "footer")
        eq(led["generated_at"], "2026-12-18T04:00:00Z", "generated_at from the clock")
        eq(led["head"], self.d.head(), "head is ping's head")
        eq(led["seq"], led["head"]["seq"], "seq")
        # overdue: open (not verified/closed) items past their deadline on 2026-12-18
        lst = self.d.call("list", {"inspection": "2025-assessment"})["items"]
        want = sum(1 for it in lst if it["state"] in ("claimed", "assigned", "rectifying")
                   and it["deadline"] < "2026-12-18")
        eq(s["overdue"], want, "overdue today")

    def test_ledger_rows_equal_the_current_items(self):
        led = self.ledger(inspection="2025-assessment")
        items = {it["id"]: it for it in self.d.call("list", {"inspection": "2025-assessment"})["items"]}
        for r in led["rows"]:
            it = items[r["id"]]
            for k in ROW_KEYS - {"latest_evidence", "days_late", "reused_evidence"}:
                eq(r[k], it.get(k), "row %d %s" % (r["id"], k))  # null until first set
        rows = {r["id"]: r for r in led["rows"]}
        eq((rows[3]["days_late"], rows[4]["days_late"], rows[5]["days_late"], rows[1]["days_late"]),
           (3, 0, 0, None), "days late")
        eq(rows[3]["latest_evidence"], "补齐遍访记录", "latest evidence note")
        eq(rows[1]["latest_evidence"], None, "no evidence")
        eq(rows[5]["closed_by"], CLOSER, "closed_by")
        eq(rows[5]["verified_by"], VERIFIER, "verified_by")
        eq([r["id"] for r in led["rows"] if r["reused_evidence"]], [4, 5], "reused evidence rows")

    def test_ledger_as_of_rebuilds_each_day_from_the_events(self):
        empty = self.ledger(as_of="2026-11-30")
        eq((empty["rows"], empty["seq"], empty["head"]), ([], 0, {"seq": 0, "hash": ZERO}), "before any event")
        d1 = self.ledger(inspection="2025-assessment", as_of="2026-12-01")
        eq(d1["seq"], self.seq_import, "as of 12-01: the import (the inspection is recorded on 12-02)")
        eq(d1["as_of"], "2026-12-01", "as_of echoed")
        eq({r["state"] for r in d1["rows"]}, {"assigned"}, "all assigned on 12-01")
        d5 = self.ledger(as_of="2026-12-05", inspection="2025-assessment")
        eq(d5["seq"], self.seq_12_02, "12-05 ends before item 5's events (12-06 01:00 local)")
        eq([r["id"] for r in d5["rows"] if r["state"] == "closed"], [4], "closed by 12-05")
        eq([r["id"] for r in d5["rows"] if r["reused_evidence"]], [], "no reuse yet on 12-05")
        d6 = self.ledger(as_of="2026-12-06", inspection="2025-assessment")
        eq(d6["seq"], self.seq_12_06, "12-06 includes item 5")
        eq([r["id"] for r in d6["rows"] if r["state"] == "closed"], [4, 5], "closed by 12-06")
        eq(d6["summary"]["closed"], 2, "summary closed on 12-06")
        # overdue as of 12-16: item 3 (deadline 12-15) was still open then
        d16 = self.ledger(as_of="2026-12-16", inspection="2025-assessment")
        want = sum(1 for r in d16["rows"] if r["state"] in ("claimed", "assigned", "rectifying")
                   and r["deadline"] < "2026-12-16")
        check(want >= 1, "the plan has an item past its deadline on 12-16")
        eq(d16["summary"]["overdue"], want, "overdue as of 12-16")
        check(3 in [r["id"] for r in d16["rows"] if r["deadline"] < "2026-12-16"
                    and r["state"] == "assigned"], "item 3 counted overdue on 12-16")
        # the head of a past ledger is the chain hash of its last event
        ev = {e["seq"]: e for e in self.d.call("history", {"item": 4})["events"]}
        eq(d5["head"]["hash"], ev[self.seq_12_02]["hash"], "head hash of the 12-05 ledger")

    def test_ledger_as_of_shows_the_inspection_only_once_recorded(self):
        fed = lambda led: [(x["id"], x["fed_back"], x["claimed"]) for x in led["summary"]["sources"]]
        before = [("national", None, 22), ("region", None, 3), ("county", None, 4)]
        after = [("national", 25, 22), ("region", 5, 3), ("county", 5, 4)]
        d1 = self.ledger(inspection="2025-assessment", as_of="2026-12-01")
        eq((d1["title"], fed(d1)), (None, before), "a day before inspection_add: not recorded yet")
        eq(fed(self.ledger(as_of="2026-12-01")), before, "all inspections, a day before")
        eq(fed(self.ledger(inspection="2025-assessment", seq=self.seq_inspection - 1)), before,
           "the seq before it")
        d2 = self.ledger(inspection="2025-assessment", as_of="2026-12-02")
        eq((d2["title"], fed(d2)), ("2025年度考核评估", after), "the day of inspection_add")
        eq(fed(self.ledger(inspection="2025-assessment", seq=self.seq_inspection)), after, "its seq")
        eq(fed(self.ledger(as_of="2026-12-05")), after, "all inspections, after")

    def test_ledger_by_seq_equals_ledger_by_date(self):
        a = self.ledger(as_of="2026-12-05")
        b = self.ledger(seq=self.seq_12_02)
        eq(b["rows"], a["rows"], "rows")
        eq(b["head"], a["head"], "head")
        full = self.ledger(seq=self.d.head()["seq"])
        eq(full["rows"], self.ledger()["rows"], "seq = head is the current record")

    def test_ledger_refusals(self):
        d = self.d
        head = d.head()["seq"]
        refused(d, "bad_value", "ledger", {"as_of": "2026-12-05", "seq": 3}, what="both")
        refused(d, "bad_value", "ledger", {"seq": 0}, what="seq 0")
        refused(d, "bad_value", "ledger", {"seq": head + 1}, what="beyond head")
        refused(d, "bad_type", "ledger", {"seq": "5"}, what="seq string")
        refused(d, "bad_date", "ledger", {"as_of": "2026-02-30"}, what="no such date")
        refused(d, "unknown_field", "ledger", {"format": "xlsx"}, what="unknown arg")

    # -- statistics --
    def test_stats_by_unit_and_total(self):
        st = self.d.call("stats", {"inspection": "2025-assessment", "by": "unit"})
        eq(st["by"], "unit", "by")
        t = st["total"]
        eq(set(t), COUNT_KEYS, "count keys")
        eq((t["total"], t["closed"], t["closed_on_time"]), (29, 3, 2), "closed")
        eq(t["states"]["closed"], 3, "states.closed")
        eq(sum(t["states"].values()), 29, "states add up")
        check(abs(t["on_time_rate"] - 2 / 3) < 1e-9, "on time rate %r" % t["on_time_rate"])
        # days from claim (12-01) to close: item 4 1, item 5 5, item 3 17
        eq((t["median_days_to_close"], t["max_days_to_close"]), (5, 17), "median / max")
        lst = self.d.call("list", {"inspection": "2025-assessment"})["items"]
        opn = [it for it in lst if it["state"] in ("claimed", "assigned", "rectifying")]
        red = sum(1 for it in opn if it["deadline"] < "2026-12-18")
        yellow = sum(1 for it in opn if "2026-12-18" <= it["deadline"] <= "2026-12-21")
        eq(t["lights"], {"red": red, "yellow": yellow, "green": len(opn) - red - yellow}, "lights")
        units = {}
        for it in lst:
            units[it["unit"]] = units.get(it["unit"], 0) + 1
        eq([g["key"] for g in st["groups"]], sorted(units), "one group per unit, sorted")
        eq({g["key"]: g["total"] for g in st["groups"]}, units, "group totals")
        eq(sum(g["closed"] for g in st["groups"]), 3, "groups add up")
        none = [g for g in st["groups"] if g["closed"] == 0]
        check(all(g["on_time_rate"] is None and g["median_days_to_close"] is None for g in none),
              "no closures: null rates")

    def test_stats_without_by_and_refusals(self):
        st = self.d.call("stats", {"inspection": "2025-assessment"})
        eq((st["by"], st["groups"], st["total"]["total"]), (None, [], 29), "no grouping")
        by_kind = self.d.call("stats", {"inspection": "2025-assessment", "by": "kind"})
        eq({g["key"]: g["total"] for g in by_kind["groups"]}, {"immediate": 5, "long-term": 24}, "by kind")
        refused(self.d, "bad_value", "stats", {"by": "colour"})

    # -- reuse --
    def test_audit_reuse_flags_one_file_on_two_items(self):
        r = self.d.call("audit_reuse")["reused"]
        eq(len(r), 1, "one reused file (item 3's own file twice is not reuse)")
        eq(r[0]["sha256"], hashlib.sha256(self.PHOTO).hexdigest(), "sha256")
        eq(r[0]["size"], len(self.PHOTO), "size")
        eq([(u["item"], u["ref"], u["name"]) for u in r[0]["uses"]],
           [(4, self.ref[4], "走访.jpg"), (5, self.ref[5], "公示.jpg")], "uses in seq order")
        check(r[0]["uses"][0]["seq"] < r[0]["uses"][1]["seq"], "seq order")

    def test_show_marks_reused_files(self):
        ev4 = self.d.call("show", {"item": 4})["evidence"]
        eq(ev4[0]["files"][0]["reused_by"], [5], "item 4's photo is also item 5's")
        ev5 = self.d.call("show", {"item": 5})["evidence"]
        eq(ev5[0]["files"][0]["reused_by"], [4], "and the other way round")
        ev3 = self.d.call("show", {"item": 3})["evidence"]
        check(all("reused_by" not in f for e in ev3 for f in e["files"]), "own files are not reuse")

    # -- reconcile --
    def test_reconcile_one_missing_one_extra_one_changed(self):
        lst = self.d.call("list", {"inspection": "2025-assessment"})["items"]
        # the ledger's labels, and (for id 3) the one a ledger printed before used
        zh = {"claimed": "已认领", "assigned": "已交办", "rectifying": "整改中", "verified": "已验收",
              "closed": "已销号"}
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["序号", "编号", "问题", "状态"])
        for n, it in enumerate(lst, 1):
            if it["id"] == 7:
                continue                       # missing there
            state = zh[it["state"]]
            if it["id"] == 3:
                state = {"已认领": "认领", "已交办": "交办", "已验收": "验收通过"}.get(state, state)
            if it["id"] == 4:
                state = "整改中"               # changed: closed here
            if it["id"] == 9:
                state = ""                     # no state given: not compared
            w.writerow([n, it["ref"], it["title"], state])
        w.writerow([99, "XJ-99", "县里多列的一项", "交办"])  # missing here
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        before = self.d.snapshot()
        res = self.d.call("reconcile", {"inspection": "2025-assessment"}, files=[data])
        eq(res["missing_here"], ["XJ-99"], "missing here")
        eq(res["missing_there"], [self.ref[7]], "missing there")
        eq(res["state_differs"], [{"ref": self.ref[4], "here": "closed", "there": "rectifying"}], "differs")
        eq(res["matched"], 27, "matched")
        eq(res["inspection"], "2025-assessment", "inspection")
        eq(self.d.snapshot(), before, "reconcile changes nothing")
        # English header, identifiers, default inspection from the config
        en = "Ref,State\n%s,closed\n" % self.ref[3]
        res = self.d.call("reconcile", {}, files=[en.encode()])
        eq((res["matched"], res["missing_here"], len(res["missing_there"])), (1, [], 28), "english header")

    def test_reconcile_refusals(self):
        d = self.d
        msg = refused(d, "bad_import", "reconcile", {}, files=["问题,状态\nx,交办\n".encode()], what="no ref")
        check("编号" in msg, "names the ref column: %r" % msg)
        msg = refused(d, "bad_import", "reconcile", {}, files=["编号,状态\nGJ-01,完成\n".encode()],
                      what="bad state")
        check("row 2" in msg and "完成" in msg, "names the row and value: %r" % msg)
        refused(d, "bad_import", "reconcile", {}, files=["编号\nGJ-01\nGJ-01\n".encode()], what="dup ref")
        refused(d, "bad_import", "reconcile", {}, files=[b""], what="empty")
        refused(d, "bad_import", "reconcile", {}, files=[b"\xff\xfe\x00"], what="not utf-8")
        refused(d, "bad_value", "reconcile", {}, what="no file")
        msg = refused(d, "unknown_name", "reconcile", {"inspection": "no-such"},
                      files=["编号\nGJ-01\n".encode()], what="unknown inspection")
        check("no-such" in msg, "names the inspection: %r" % msg)

    # -- audit of a clean record --
    def test_audit_verify_ok_on_a_clean_record(self):
        a = self.d.call("audit_verify")
        head = self.d.head()
        eq((a["ok"], a["events"], a["head"], a["first_bad_seq"], a["problem"]),
           (True, head["seq"], head, None, None), "clean")


# ---- fixture: tampering -------------------------------------------------------

class Corrections:
    """An inspection recorded with a wrong count and title on 12-01, corrected
    on 12-03: the correction is an event, ledgers before it keep the old
    values."""

    stop_label = "rectd stops on SIGTERM with status 0"
    NAME = "2025-assessment"
    OLD_FB = {"national": 25, "region": 5, "county": 5}
    NEW_FB = {"national": 25, "region": 5, "county": 4}

    def setup(self):
        d = self.d = LDaemon()
        self.daemons.append(d)
        d.set_clock("2026-12-01T02:00:00Z")
        d.start()
        d.call("import", {"inspection": self.NAME}, files=[plan_bytes()])
        d.call("inspection_add", {"name": self.NAME, "title": "2025年考核评估(初稿)",
                                  "fed_back": self.OLD_FB})
        d.set_clock("2026-12-03T02:00:00Z")

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=False, only_running=False)

    def test_refusals_change_nothing(self):
        d = self.d
        refused(d, "unknown_name", "inspection_update", {"name": "2024-assessment", "title": "t"},
                what="an inspection not recorded")
        refused(d, "missing_field", "inspection_update", {"name": self.NAME}, what="nothing given")
        refused(d, "missing_field", "inspection_update", {"name": self.NAME, "title": "  "},
                what="a blank title")
        refused(d, "bad_value", "inspection_update",
                {"name": self.NAME, "title": "2025年考核评估(初稿)", "fed_back": self.OLD_FB},
                what="the values it has")
        refused(d, "permission_denied", "inspection_update", {"name": self.NAME, "title": "t"},
                user="liming", what="not an admin")
        refused(d, "unknown_name", "inspection_update", {"name": self.NAME, "fed_back": {"mars": 1}},
                what="an unknown source")
        refused(d, "bad_value", "inspection_update", {"name": self.NAME, "fed_back": {"county": -4}},
                what="a negative count")

    def test_a_correction_changes_the_record_and_keeps_who_recorded_it(self):
        rec = self.d.call("inspection_update", {"name": self.NAME, "title": "2025年考核评估",
                                                "fed_back": {"national": 25, "自治区“两办”反馈问题": 5,
                                                             "county": 4},
                                                "note": "县级反馈数核对更正"})["inspection"]
        eq(rec, {"name": self.NAME, "title": "2025年考核评估", "fed_back": self.NEW_FB,
                 "created": "2026-12-01T02:00:00Z", "by": self.d.admin}, "the corrected record")
        lst = self.d.call("inspection_list")["inspections"]
        eq({k: lst[0][k] for k in rec}, rec, "inspection_list")

    def test_the_correction_is_an_event_with_what_differs(self):
        evs = self.d.call("inspection_history")["events"]
        eq(len(evs), 2, "inspection events")
        ev = evs[1]
        eq((ev["action"], ev["actor"], ev["at"], ev["comment"]),
           ("inspection", self.d.admin, "2026-12-03T02:00:00Z", "县级反馈数核对更正"), "the event")
        eq(ev["changes"], {"name": [self.NAME, self.NAME],
                           "title": ["2025年考核评估(初稿)", "2025年考核评估"],
                           "fed_back": [self.OLD_FB, self.NEW_FB]}, "its changes")
        events = rawclient.all_events(self.d.raw())
        recs = {i["name"]: {k: i[k] for k in ("name", "title", "fed_back", "created", "by")}
                for i in self.d.call("inspection_list")["inspections"]}
        eq(rawclient.rebuild_inspections(events), recs, "inspections rebuilt from events")
        a = self.d.call("audit_verify")
        eq((a["ok"], a["problem"]), (True, None), "audit after the correction")

    def test_a_ledger_before_the_correction_keeps_the_old_values(self):
        def fed(led):
            return (led["title"], {x["id"]: x["fed_back"] for x in led["summary"]["sources"]})
        eq(fed(self.d.call("ledger", {"inspection": self.NAME})),
           ("2025年考核评估", self.NEW_FB), "ledger now")
        eq(fed(self.d.call("ledger", {"inspection": self.NAME, "as_of": "2026-12-02"})),
           ("2025年考核评估(初稿)", self.OLD_FB), "ledger as of 2026-12-02")

    def test_a_title_alone_changes_only_the_title(self):
        self.d.call("inspection_update", {"name": self.NAME, "title": "2025年度考核评估"})
        ev = self.d.call("inspection_history")["events"][-1]
        eq((ev["changes"], ev["comment"]),
           ({"name": [self.NAME, self.NAME], "title": ["2025年考核评估", "2025年度考核评估"]}, ""),
           "changes and comment of a title correction")

    def test_rectctl_inspection_edit(self):
        r = self.d.ctl("inspection", "edit", self.NAME, "--fed-back", "national=26,region=5,county=4",
                       "--note", "国家反馈数更正", json_out=False)
        eq(r.rc, 0, "exit status (%s)" % r.err)
        check(r.out.startswith("corrected inspection %s: 2025年度考核评估\n" % self.NAME),
              "output: %r" % r.out)
        eq(self.d.call("inspection_list")["inspections"][0]["fed_back"]["national"], 26,
           "national after the edit")
        r = self.d.ctl("inspection", "edit", self.NAME, json_out=False)
        eq(r.rc, 3, "exit status without --title or --fed-back: rectd refuses it")
        check("missing_field" in r.err and "give title, fed_back or both" in r.err,
              "rectd's refusal says what to give: %r" % r.err)


class Tamper:
    """A small record changed behind rectd's back while it is stopped."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        d = self.d = LDaemon()
        self.daemons.append(d)
        d.set_clock("2026-12-01T02:00:00Z")
        d.start()
        d.call("import", {"inspection": "2025-assessment"}, files=[plan_bytes()])
        d.call("inspection_add", {"name": "2025-assessment", "title": "2025年度考核评估",
                                  "fed_back": {"national": 25, "region": 5, "county": 5}})
        close_item(d, 2, "visit records ok", files=[("r.jpg", b"r" * 100)])
        ev = d.call("history", {"item": 2})["events"]
        self.note_seq = next(e["seq"] for e in ev if e["action"] == "evidence")
        self.head = d.head()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=False, only_running=False)

    # first: the later tests leave the record broken
    def test_a_changed_fed_back_count_is_caught_and_the_inspection_named(self):
        d = self.d
        eq(d.call("audit_verify")["ok"], True, "clean before")
        rec = {k: v for k, v in d.call("inspection_list")["inspections"][0].items()
               if k in ("name", "title", "fed_back", "created", "by")}
        forged = dict(rec, fed_back=dict(rec["fed_back"], national=22))  # "fed back 22 / claimed 22"
        d.stop()
        d.tamper("inspection", "2025-assessment", json.dumps(forged, ensure_ascii=False))
        d.start()
        eq(d.call("inspection_list")["inspections"][0]["fed_back"]["national"], 22,
           "the stored view really changed")
        a = d.call("audit_verify")
        eq((a["ok"], a["first_bad_seq"], a["head"]), (False, None, self.head), "caught, not a chain break")
        check("inspection 2025-assessment" in a["problem"] and "fed_back" in a["problem"],
              "names the inspection and the field: %r" % a["problem"])
        # the ledger is rebuilt from the events: it still says 25
        src = self.d.call("ledger", {"inspection": "2025-assessment"})["summary"]["sources"]
        eq(src[0]["fed_back"], 25, "ledger from the events")
        # the same record restored: nothing to report
        d.stop()
        d.tamper("inspection", "2025-assessment", json.dumps(rec, ensure_ascii=False))
        d.start()
        eq(d.call("audit_verify")["ok"], True, "clean again once restored")

    def test_a_deleted_index_entry_is_caught_and_named(self):
        d = self.d
        eq(d.call("audit_verify")["ok"], True, "clean before")
        owner = d.call("show", {"item": 6})["item"]["owner"]
        d.stop()
        d.tamper("unindex", "owner", owner, 6)
        d.start()
        a = d.call("audit_verify")
        eq((a["ok"], a["first_bad_seq"]), (False, None), "index problem: no chain seq")
        check("item 6" in a["problem"] and "owner" in a["problem"], "names item and index: %r" % a["problem"])
        eq(a["head"], self.head, "head still reported")
        # the list by owner misses it: that is what the audit is for
        ids = [it["id"] for it in d.call("list", {"owner": owner})["items"]]
        check(6 not in ids, "the index really lost item 6")

    def test_a_rewritten_event_is_caught_at_its_seq(self):
        d = self.d
        d.stop()
        d.tamper("note", self.note_seq)
        d.start()
        # the JSON still parses: history shows the changed note
        ev = {e["seq"]: e for e in d.call("history", {"item": 2})["events"]}
        check(ev[self.note_seq]["comment"] != "visit records ok", "the note was changed")
        a = d.call("audit_verify")
        eq((a["ok"], a["first_bad_seq"]), (False, self.note_seq), "first bad seq")
        check(("seq %d" % self.note_seq) in a["problem"], "problem names the seq: %r" % a["problem"])
        eq(a["events"], self.note_seq - 1, "events verified before the break")
        with self.assertRaisesChain():
            rawclient.verify_chain(rawclient.all_events(d.raw()), d.head())

    class assertRaisesChain:
        def __enter__(self):
            return self

        def __exit__(self, typ, val, tb):
            if typ is None:
                raise Failure("the independent chain check did not fail")
            return issubclass(typ, rawclient.ChainError)


# ---- runner ---------------------------------------------------------------

def main(argv):
    return e2e_runner.main("e2e-ledger-daemon", [History, Corrections, Tamper], argv,
                           needs=("RECTD", "RECTCTL"),
                           setup_failure="once", count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
