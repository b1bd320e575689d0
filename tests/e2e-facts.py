#!/usr/bin/python3
"""End-to-end tests of issue 8's daemon side: derived facts in one place
(daemon/facts.c) on every reply that shows items, the audit rule
`ledger_check` on rectd (a saved JSON ledger attached, the differences
answered, structured), and the ledger's open-items series from one replay.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-facts.py [-k TEXT]

The history is scripted with `rectd --clock-file` (calendar.timezone
Asia/Shanghai, TZ=UTC for rectd). Every rectd runs on its own /tmp/rfXXXX
and is stopped by pid. Ends with "N passed, M failed".
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

VERIFIER = "maqing"   # a verifier who owns nothing
CLOSER = "zhanghua"   # leader and admin
INSP = "2025-assessment"


class FDaemon(Daemon):
    """A Daemon whose rectd reads the time from a clock file (TZ=UTC), with
    attachments limited to 1 MiB (so "too large" is cheap to reach)."""

    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="rf", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        super().__init__({"calendar.timezone": "Asia/Shanghai", "calendar.due_soon_days": 3,
                          "daemon.max_attachment_mb": 1,
                          "notify.pub_endpoint": "ipc://%s/pub.sock" % tmp}, tmp=tmp)


def close_item(d, item, note):
    it = d.call("show", {"item": item})["item"]
    if it["state"] == "assigned":
        d.call("start", {"item": item}, user=it["owner"])
    d.call("evidence", {"item": item, "note": note}, user=it["owner"])
    d.call("verify", {"item": item, "result": "pass", "opinion": "验收合格"}, user=VERIFIER)
    return d.call("close", {"item": item, "note": "销号"}, user=CLOSER)["item"]


def dumps(doc):
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


class Facts:
    """29 items imported on 2026-12-01 (local); item 4 closed on 12-02 (on
    time); item 3 (GJ-03, deadline 12-15) closed on 12-18, 3 days late;
    item 6 verified on 12-18 and waiting for 销号; today is 12-18."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        d = self.d = FDaemon()
        self.daemons.append(d)
        d.set_clock("2026-12-01T02:00:00Z")
        d.start()
        with open(PLAN, "rb") as f:
            eq(d.call("import", {"inspection": INSP}, files=[f.read()])["imported"], 29, "imported")
        d.set_clock("2026-12-02T03:00:00Z")
        close_item(d, 4, "on time")
        d.set_clock("2026-12-18T04:00:00Z")
        close_item(d, 3, "three days late")
        it = d.call("show", {"item": 6})["item"]
        d.call("start", {"item": 6}, user=it["owner"])
        d.call("evidence", {"item": 6, "note": "done"}, user=it["owner"])
        d.call("verify", {"item": 6, "result": "pass", "opinion": "合格"}, user=VERIFIER)
        self.saved = d.call("ledger", {"inspection": INSP})

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=False, only_running=False)

    def check_file(self, doc):
        return self.d.call("ledger_check", None, files=[dumps(doc)])

    def edited(self, mutate):
        doc = json.loads(json.dumps(self.saved))
        mutate(doc)
        return doc

    def refused(self, code, data, what):
        before = self.d.snapshot()
        rep = self.d.request("ledger_check", None, files=[data])
        check(not rep["ok"], "%s: want %s, got %r" % (what, code, rep.get("result")))
        eq(rep["error"]["code"], code, "%s: code (%s)" % (what, rep["error"]["message"]))
        eq(self.d.snapshot(), before, "%s: nothing changed" % what)
        return rep["error"]["message"]

    # -- facts --
    def test_list_show_overdue_and_ledger_rows_carry_the_same_facts(self):
        d = self.d
        items = {it["id"]: it for it in d.call("list")["items"]}
        rows = {r["id"]: r for r in self.saved["rows"]}
        eq({k: items[3][k] for k in ("open", "awaiting_closure", "days_late", "light", "days_overdue")},
           {"open": False, "awaiting_closure": False, "days_late": 3, "light": None, "days_overdue": None},
           "item 3 closed 3 days late")
        eq((items[4]["days_late"], rows[4]["days_late"]), (0, 0), "item 4 on time")
        eq((items[6]["open"], items[6]["awaiting_closure"]), (False, True), "item 6 awaits 销号")
        eq((rows[6]["open"], rows[6]["awaiting_closure"]), (False, True), "its row too")
        eq((rows[3]["open"], rows[3]["days_late"]), (False, 3), "row 3")
        for i, it in items.items():
            eq(rows[i]["open"], it["open"], "row %d open" % i)
            eq(it["open"], it["state"] in ("claimed", "assigned", "rectifying"), "item %d open" % i)
        show = d.call("show", {"item": 3})
        eq(show["facts"]["as_of"], "2026-12-18", "show's facts are as of today")
        eq({k: show["facts"][k] for k in rawclient.ITEM_FACTS},
           {k: items[3][k] for k in rawclient.ITEM_FACTS}, "show's facts are list's")
        check(not set(show["item"]) & (rawclient.ITEM_FACTS - {"days_overdue"}) and "light" not in show["item"],
              "show's item stays the stored view: %r" % sorted(show["item"]))
        first = min(it["deadline"] for it in items.values() if it["open"] and it["deadline"])
        day = "%s-%02d" % (first[:7], int(first[8:]) + 1) if first[8:] < "28" else first
        red = d.call("overdue", {"as_of": day})["items"]
        check(red and all(r["open"] and r["light"] == "red" for r in red), "overdue items are open and red")

    def test_facts_are_not_stored_in_events(self):
        events = rawclient.all_events(self.d.raw())
        for e in events:
            for k in ("open", "awaiting_closure", "days_late", "review_due", "light"):
                check(k not in e["changes"], "event %d records the derived %s" % (e["seq"], k))

    # -- ledger_check: matches --
    def test_an_untouched_ledger_matches(self):
        res = self.check_file(self.saved)
        eq((res["matches"], res["differences"], res["chain"]["ok"], res["rows"]),
           (True, [], True, 29), "matches")
        eq(res["head"], self.saved["head"], "the file's head")
        eq(res["seq"], self.saved["head"]["seq"], "its seq")

    def test_generated_at_by_and_the_signature_are_not_covered(self):
        doc = self.edited(lambda d: d.update(generated_at="2020-01-01T00:00:00Z", generated_by="nobody"))
        del doc["signature"]
        res = self.check_file(doc)
        eq((res["matches"], res["differences"]), (True, []), "run fields and signature skipped")

    def test_a_later_record_still_matches_a_file_at_its_seq(self):
        d = self.d
        before = d.snapshot()
        eq(self.check_file(self.saved)["matches"], True, "matches")
        eq(d.snapshot(), before, "ledger_check changes nothing")

    # -- ledger_check: each kind of difference --
    def test_a_changed_cell_is_named_with_row_ref_field_found_and_expected(self):
        res = self.check_file(self.edited(lambda d: d["rows"][2].__setitem__("state", "verified")))
        eq(res["matches"], False, "differs")
        eq(res["differences"], [{"kind": "differs", "path": "rows[2](GJ-03).state", "section": "rows",
                                 "row": 2, "ref": "GJ-03", "field": "state", "found": "verified",
                                 "expected": "closed"}], "the difference")
        # an open state makes the file's own dated numbers wrong too: named as well
        res = self.check_file(self.edited(lambda d: d["rows"][2].__setitem__("state", "rectifying")))
        eq([x["kind"] for x in res["differences"]], ["differs", "summary_overdue", "days_overdue"],
           "state, summary.overdue and days_overdue")
        eq(res["differences"][2]["found"], None, "a null the file holds is a value")

    def test_every_difference_is_listed_not_only_the_first(self):
        def two(d):
            d["rows"][0]["verified_by"] = "wangyan"
            d["summary"]["closed"] = 7
        res = self.check_file(self.edited(two))
        eq([(x["kind"], x["path"], x["found"], x["expected"]) for x in res["differences"]],
           [("differs", "summary.closed", 7, 2), ("differs", "rows[0](GJ-01).verified_by", "wangyan", None)],
           "both, in the file's order")

    def test_a_removed_row_is_missing_in_the_file(self):
        res = self.check_file(self.edited(lambda d: d["rows"].pop()))
        eq(len(res["differences"]), 1, "one difference")
        x = res["differences"][0]
        eq((x["kind"], x["path"], x["row"], x["ref"], "found" in x),
           ("missing_in_file", "rows[28](XJ-04)", 28, "XJ-04", False), "named, nothing found")
        want = {k: v for k, v in self.saved["rows"][28].items() if k != "days_overdue"}
        eq(x["expected"], want, "the record's row (as compared: without days_overdue)")

    def test_a_key_the_record_lacks_is_not_in_the_record(self):
        res = self.check_file(self.edited(lambda d: d["rows"][0].__setitem__("note", "added")))
        eq([(x["kind"], x["path"], x["field"], x["found"], x.get("expected")) for x in res["differences"]],
           [("not_in_record", "rows[0](GJ-01).note", "note", "added", None)], "named")
        check("expected" not in res["differences"][0], "nothing expected")

    def test_summary_overdue_is_checked_against_the_files_own_rows(self):
        want = self.saved["summary"]["overdue"]
        res = self.check_file(self.edited(lambda d: d["summary"].__setitem__("overdue", want + 5)))
        eq([(x["kind"], x["path"], x["found"], x["expected"]) for x in res["differences"]],
           [("summary_overdue", "summary.overdue", want + 5, want)], "named")

    def test_days_overdue_is_checked_against_the_files_own_rows(self):
        res = self.check_file(self.edited(lambda d: d["rows"][1].__setitem__("days_overdue", 99)))
        want = self.saved["rows"][1]["days_overdue"]
        eq([(x["kind"], x["path"], x["row"], x["found"], x["expected"]) for x in res["differences"]],
           [("days_overdue", "rows[1](GJ-02).days_overdue", 1, 99, want)], "named")

    def test_a_file_beyond_the_head_means_events_missing(self):
        head = self.d.call("ping")["head"]["seq"]
        seq = self.saved["head"]["seq"] + 5
        res = self.check_file(self.edited(lambda d: d["head"].__setitem__("seq", seq)))
        eq([(x["kind"], x["path"], x["found"], x["expected"]) for x in res["differences"]],
           [("events_missing", "head.seq", seq, head)], "named")
        eq(res["record_seq"], head, "the record's head")

    def test_a_dated_file_must_be_reached_by_the_end_of_its_day(self):
        doc = self.d.call("ledger", {"as_of": "2026-12-18"})
        eq(self.check_file(doc)["matches"], True, "a dated ledger matches")
        doc["as_of"] = "2026-12-01"  # before the closures the file holds
        res = self.check_file(doc)
        x = res["differences"]
        eq([(i["kind"], i["path"], i["found"]) for i in x], [("as_of_before_seq", "as_of", doc["head"]["seq"])],
           "named")
        check(x[0]["expected"] < doc["head"]["seq"], "the seq the day reaches: %r" % x[0])
        eq(res["as_of"], "2026-12-01", "the file's as_of")

    # -- ledger_check: refusals --
    def test_not_json_not_a_ledger_and_too_large_are_refused(self):
        msg = self.refused("bad_value", b"{not json", "not JSON")
        check("not JSON" in msg and "line 1" in msg, "says so: %r" % msg)
        for data in (b"{}", b"[1, 2]", dumps({"rows": [], "head": {"seq": "7"}})):
            msg = self.refused("bad_value", data, "not a ledger %r" % data)
            check("not a JSON ledger" in msg, "says so: %r" % msg)
        self.refused("too_large", b" " * (1024 * 1024 + 1), "over daemon.max_attachment_mb")
        rep = self.d.request("ledger_check")
        eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), "no file attached")
        msg = self.refused("unknown_name", dumps(dict(self.saved, inspection="no-such")), "unknown inspection")
        check("no-such" in msg, "names it: %r" % msg)

    # -- rectctl --
    def test_rectctl_renders_the_answer_and_exits_3_on_differences(self):
        path = os.path.join(self.d.tmp, "ledger.json")
        with open(path, "wb") as f:
            f.write(dumps(self.saved))
        r = self.d.ctl("ledger", "check", path, json_out=False)
        eq(r.rc, 0, "matches: %r" % r)
        check(r.out.startswith("ok: %s matches the record at #%d" % (path, self.saved["head"]["seq"])),
              "ok line: %r" % r.out)

        def two(d):
            d["rows"][2]["state"] = "verified"
            d["summary"]["overdue"] = 5
        with open(path, "wb") as f:
            f.write(dumps(self.edited(two)))
        r = self.d.ctl("ledger", "check", path, json_out=False)
        eq(r.rc, 3, "differs: %r" % r)
        lines = r.out.splitlines()
        eq(len(lines), 2, "one line per difference: %r" % r.out)
        check("rows[2](GJ-03).state is \"verified\" in the file, \"closed\" in the record" in lines[0],
              "first: %r" % lines[0])
        check("summary.overdue is 5, but its rows make %d" % self.saved["summary"]["overdue"] in lines[1],
              "second: %r" % lines[1])

    # -- the series --
    def test_the_series_comes_from_one_replay_and_equals_dated_ledgers(self):
        d = self.d
        led = d.call("ledger", {"inspection": INSP, "series": 10})
        pts = led["series"]
        check(2 <= len(pts) <= 10, "points: %d" % len(pts))
        eq((pts[0]["date"], pts[-1]["date"]), ("2026-12-01", "2026-12-18"), "first claim to today")
        dates = [p["date"] for p in pts]
        eq(dates, sorted(set(dates)), "ascending, no repeats")
        for p in pts:
            s = d.call("ledger", {"inspection": INSP, "as_of": p["date"]})["summary"]
            eq((p["open"], p["total"]), (s["open"], s["total"]), "point %s" % p["date"])
        check("series" not in d.call("ledger"), "no series unless asked")
        eq(d.call("ledger", {"as_of": "2026-11-30", "series": 5})["series"], [], "before any claim: empty")
        for bad in (1, 101):
            rep = d.request("ledger", {"series": bad})
            eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), "series %d" % bad)


def main(argv):
    return e2e_runner.main("e2e-facts", [Facts], argv, needs=("RECTD", "RECTCTL"),
                           setup_failure="once", count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
