#!/usr/bin/python3
"""End-to-end tests of issue 3's deadline commands (everything but the daily
job, which tests/e2e-notify.py covers): lights in list, overdue, extension
requests and decisions, consolidation reviews and relapses, and every
refusal. A real rectd on a temporary folder and ipc socket, driven by the
raw client (tests/rawclient.py) and by rectctl; stopped by pid at the end.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-deadlines.py [-k TEXT]

Dates are judged with `as_of` arguments, not a clock: the config counts
working days (calendar.working_days = true) with the 2026 holidays of
config/rectd.conf, due_soon_days = 3, close_within_days = 7. rectd runs on
a pinned clock (NOW, 10:00 in Asia/Shanghai) all the same: on the real
clock the daily job (notify.at 09:00) would escalate the items more than
7 days overdue whenever 09:00 there (01:00 UTC) passes during the suite,
and a refusal's "nothing changed" would fail. Tests run in order and build
on each other. Ends with "N passed, M failed".
"""

import datetime
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import Daemon  # noqa: E402

NOW = "2026-12-02T02:00:00Z"
ADMIN, OWNER, OTHER_OWNER = "wangyan", "liming", "zhaoli"
LEADER, LEADER_ADMIN, VERIFIER, VIEWER = "lijun", "zhanghua", "maqing", "xiaoliu"


# Commands of this suite that change something: they carry client and seq.
DEADLINE_WRITES = frozenset(["extend", "decide_extension", "review"])


class DClient(rawclient.Client):
    """rawclient.Client that also sends client and seq with the deadline writes."""

    def envelope(self, cmd, args=None, user=None, seq=None, client=None):
        if cmd in DEADLINE_WRITES and seq is None:
            self.seq += 1
            seq = self.seq
        return super().envelope(cmd, args, user=user, seq=seq, client=client)


class DDaemon(Daemon):
    def raw(self, user=None, **kw):
        return DClient(self.endpoint, user or self.admin, **kw)


class Suite:
    def setup(self):
        tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")
        self.d = DDaemon({"notify.pub_endpoint": "ipc://%s/pub.sock" % tmp,
                         "calendar.working_days": True, "calendar.due_soon_days": 3,
                         "calendar.close_within_days": 7, "consolidation.interval_days": 90},
                        tmp=tmp)
        self.d.clock_path = os.path.join(tmp, "clock")
        with open(self.d.clock_path, "w") as f:
            f.write(NOW + "\n")
        self.daemons.append(self.d)
        self.d.start()
        self.ids = {}

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)

    # -- helpers ----------------------------------------------------------
    def call(self, cmd, args=None, user=ADMIN, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def refused(self, code, cmd, args, user=ADMIN, files=(), words=()):
        """cmd must be refused with code, change nothing, and name what it should."""
        before = self.d.snapshot()
        try:
            self.d.call(cmd, args, user=user, files=files)
        except rawclient.Refused as e:
            eq(e.code, code, "%s %r as %s: error code" % (cmd, args, user))
            for w in words:
                check(w in e.message, "%s: message %r should mention %r" % (cmd, e.message, w))
            eq(self.d.snapshot(), before, "%s refused: the database" % cmd)
            return e.message
        raise Failure("%s %r as %s succeeded; want %s" % (cmd, args, user, code))

    def add(self, ref, deadline, kind="immediate", owner=OWNER, leader=LEADER_ADMIN):
        item = self.call("add", {"ref": ref, "source": "county", "kind": kind, "title": "题 " + ref,
                                 "owner": owner, "unit": "cun1", "leader": leader,
                                 "deadline": deadline})["item"]
        self.ids[ref] = item["id"]
        return item

    def item(self, ref):
        return self.call("show", {"item": ref})["item"]

    def listed(self, **args):
        return {i["ref"]: i for i in self.call("list", args)["items"]}

    def actions(self, ref):
        return [e["action"] for e in self.call("history", {"item": ref})["events"]]

    def today(self):
        return self.call("ping")["today"]

    def day_of(self, instant):
        """The date of an instant ("...Z") in rectd's zone (Asia/Shanghai): the
        day an event happened, whenever the test asks (midnight there is
        16:00 UTC, and may fall between the request and the test's ping)."""
        at = datetime.datetime.strptime(instant, "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=8)
        return at.date()

    # -- tests -------------------------------------------------------------
    def test_every_listed_item_has_light_and_days_overdue(self):
        self.add("D-RED", "2026-12-01")
        self.add("D-HOLI", "2026-10-08")
        self.add("D-FAR", "2027-06-30")
        self.call("add", {"ref": "D-CLAIMED", "source": "county", "kind": "immediate", "title": "未交办"})
        items = self.listed(as_of="2026-12-05")
        for ref, it in items.items():
            check("light" in it and "days_overdue" in it, "%s lacks light/days_overdue: %r" % (ref, it))
        eq(items["D-RED"]["light"], "red", "D-RED light on 12-05")
        eq(items["D-RED"]["days_overdue"], 4, "D-RED days overdue on 12-05")
        eq(items["D-FAR"]["light"], "green", "D-FAR light")
        eq(items["D-FAR"]["days_overdue"], None, "D-FAR days overdue")
        eq(items["D-CLAIMED"]["light"], "green", "claimed item without deadline")
        eq(items["D-RED"]["state"], "assigned", "state is untouched")
        # Not stored: show has no light.
        check("light" not in self.item("D-RED"), "light must not be stored on the item")

    def test_lights_on_the_deadline_day_and_the_day_after(self):
        eq(self.listed(as_of="2026-12-01")["D-RED"]["light"], "yellow", "on the deadline day")
        eq(self.listed(as_of="2026-12-01")["D-RED"]["days_overdue"], None, "not yet overdue")
        it = self.listed(as_of="2026-12-02")["D-RED"]
        eq((it["light"], it["days_overdue"]), ("red", 1), "the day after the deadline")

    def test_due_soon_across_a_holiday_counts_working_days(self):
        # 10-08 is the first working day after 国庆: 1 working day from 09-30 (8 calendar days).
        eq(self.listed(as_of="2026-09-30")["D-HOLI"]["light"], "yellow", "D-HOLI on 09-30")
        eq(self.listed(as_of="2026-09-28")["D-HOLI"]["light"], "yellow", "D-HOLI on 09-28 (3 working days)")
        eq(self.listed(as_of="2026-09-27")["D-HOLI"]["light"], "green", "D-HOLI on 09-27 (4 working days)")
        soon = self.listed(as_of="2026-09-30", due_soon=True)
        eq(sorted(soon), ["D-HOLI"], "list --due-soon on 09-30")
        eq(sorted(self.listed(as_of="2026-09-27", due_soon=True)), [], "list --due-soon on 09-27")

    def test_overdue_lists_red_items_most_overdue_first(self):
        self.add("D-RED2", "2026-11-20", owner=OTHER_OWNER, leader=LEADER)
        r = self.call("overdue", {"as_of": "2026-12-05"})
        eq(r["as_of"], "2026-12-05", "overdue as_of")
        eq([(i["ref"], i["days_overdue"], i["light"]) for i in r["items"]],
           [("D-HOLI", 58, "red"), ("D-RED2", 15, "red"), ("D-RED", 4, "red")], "overdue on 12-05")
        eq([i["ref"] for i in self.call("overdue", {"as_of": "2026-12-05", "owner": "赵丽"})["items"]],
           ["D-RED2"], "overdue --owner 赵丽")
        eq([i["ref"] for i in self.call("overdue", {"as_of": "2026-12-05", "leader": LEADER})["items"]],
           ["D-RED2"], "overdue --leader lijun")
        eq([i["ref"] for i in self.call("overdue", {"as_of": "2026-12-05", "unit": "托托村"})["items"]],
           ["D-HOLI", "D-RED2", "D-RED"], "overdue --unit 托托村")
        eq(self.call("overdue", {"as_of": "2026-10-08"})["items"], [], "nothing red on 10-08")
        # list --overdue agrees, in id order.
        lst = self.call("list", {"as_of": "2026-12-05", "overdue": True})["items"]
        eq([i["ref"] for i in lst], ["D-RED", "D-HOLI", "D-RED2"], "list --overdue in id order")

    def test_extension_request_is_recorded_pending(self):
        self.call("start", {"item": "D-RED"}, user=OWNER)
        it = self.call("extend", {"item": "D-RED", "deadline": "2026/12/31", "reason": "等待资金"},
                       user=OWNER)["item"]
        ext = it["extension"]
        eq((ext["deadline"], ext["reason"], ext["by"]), ("2026-12-31", "等待资金", OWNER), "pending request")
        eq((it["deadline"], it["extensions"]), ("2026-12-01", 0), "deadline before a decision")
        eq(self.listed(as_of="2026-12-05")["D-RED"]["light"], "red", "still red while pending")

    def test_extension_refusals(self):
        self.refused("invalid_transition", "extend",
                     {"item": "D-RED", "deadline": "2027-01-31", "reason": "再延"}, user=OWNER,
                     words=("D-RED", "pending"))
        self.refused("permission_denied", "decide_extension", {"item": "D-RED", "decision": "approve"},
                     user=OWNER, words=("D-RED",))
        self.refused("permission_denied", "decide_extension", {"item": "D-RED", "decision": "approve"},
                     user=VIEWER)
        self.refused("permission_denied", "decide_extension", {"item": "D-RED", "decision": "deny"},
                     user=VERIFIER)
        self.refused("bad_value", "decide_extension", {"item": "D-RED", "decision": "maybe"})
        self.refused("missing_field", "decide_extension", {"item": "D-RED"})
        self.refused("invalid_transition", "decide_extension", {"item": "D-FAR", "decision": "approve"},
                     words=("D-FAR", "no pending"))
        self.refused("bad_value", "extend", {"item": "D-FAR", "deadline": "2027-06-30", "reason": "r"},
                     words=("D-FAR", "later"))
        self.refused("bad_value", "extend", {"item": "D-FAR", "deadline": "2027-01-01", "reason": "r"})
        self.refused("permission_denied", "extend", {"item": "D-FAR", "deadline": "2027-12-31", "reason": "r"},
                     user=OTHER_OWNER, words=("D-FAR",))
        self.refused("invalid_transition", "extend",
                     {"item": "D-CLAIMED", "deadline": "2027-12-31", "reason": "r"}, words=("D-CLAIMED",))
        self.refused("bad_date", "extend", {"item": "D-FAR", "deadline": "2027-02-30", "reason": "r"})
        self.refused("missing_field", "extend", {"item": "D-FAR", "deadline": "2027-12-31"})
        self.refused("missing_field", "extend", {"item": "D-FAR", "deadline": "2027-12-31", "reason": " "})
        self.refused("not_found", "extend", {"item": "NOPE", "deadline": "2027-12-31", "reason": "r"})
        self.refused("unknown_field", "extend", {"item": "D-FAR", "deadline": "2027-12-31", "reason": "r",
                                                 "approve": True})

    def test_approved_extension_moves_the_deadline_and_turns_red_green(self):
        it = self.call("decide_extension", {"item": "D-RED", "decision": "approve", "note": "同意"},
                       user=LEADER)["item"]
        eq((it["deadline"], it["original_deadline"], it["extensions"], it["extension"]),
           ("2026-12-31", "2026-12-01", 1, None), "after approval")
        eq(it["state"], "rectifying", "state kept")
        got = self.listed(as_of="2026-12-05")["D-RED"]
        eq((got["light"], got["days_overdue"]), ("green", None), "approved extension on 12-05")
        check("D-RED" not in [i["ref"] for i in self.call("overdue", {"as_of": "2026-12-05"})["items"]],
              "D-RED must leave the overdue list")
        ev = self.call("history", {"item": "D-RED"})["events"]
        eq([e["action"] for e in ev][-2:], ["extend", "approve_extension"], "history")
        eq(ev[-1]["changes"]["deadline"], ["2026-12-01", "2026-12-31"], "approve changes deadline")
        eq(ev[-1]["comment"], "同意", "decision note")
        check("original_deadline" not in ev[-1]["changes"], "original deadline must not change")

    def test_denied_extension_keeps_the_deadline(self):
        self.call("extend", {"item": "D-RED2", "deadline": "2027-01-31", "reason": "人手不足"},
                  user=OTHER_OWNER)
        it = self.call("decide_extension", {"item": "D-RED2", "decision": "deny", "note": "不同意"},
                       user=LEADER_ADMIN)["item"]
        eq((it["deadline"], it["original_deadline"], it["extensions"], it["extension"]),
           ("2026-11-20", "2026-11-20", 0, None), "after denial")
        eq(self.actions("D-RED2")[-2:], ["extend", "deny_extension"], "history")
        eq(self.listed(as_of="2026-12-05")["D-RED2"]["light"], "red", "still red after a denial")
        self.refused("invalid_transition", "decide_extension", {"item": "D-RED2", "decision": "deny"},
                     words=("no pending",))

    def test_verified_item_waiting_for_closure_turns_yellow(self):
        self.add("D-VER", "2027-06-30")
        self.call("start", {"item": "D-VER"}, user=OWNER)
        self.call("evidence", {"item": "D-VER", "note": "整改完成"}, user=OWNER)
        it = self.call("verify", {"item": "D-VER", "result": "pass", "opinion": "合格"}, user=VERIFIER)["item"]
        at = datetime.datetime.strptime(it["verified_at"], "%Y-%m-%dT%H:%M:%SZ") + datetime.timedelta(hours=8)
        day = at.date()
        eq(self.listed(as_of=day.isoformat())["D-VER"]["light"], "green", "verified today")
        later = day + datetime.timedelta(days=30)
        eq(self.listed(as_of=later.isoformat())["D-VER"]["light"], "yellow", "verified 30 days ago")
        eq(self.listed(as_of=later.isoformat())["D-VER"]["days_overdue"], None, "not overdue")
        check("D-VER" not in self.listed(as_of=later.isoformat(), due_soon=True),
              "due_soon lists open items only")
        self.call("close", {"item": "D-VER", "note": "销号"}, user=LEADER_ADMIN)
        got = self.listed(as_of=later.isoformat())["D-VER"]
        eq((got["light"], got["days_overdue"]), (None, None), "closed: no light")

    def test_review_refusals(self):
        self.refused("invalid_transition", "review", {"item": "D-FAR", "note": "n"}, words=("D-FAR",))
        self.refused("invalid_transition", "review", {"item": "D-VER", "note": "n"},
                     words=("D-VER", "immediate"))
        self.refused("invalid_transition", "review", {"item": "D-VER", "note": "n", "relapse": True},
                     words=("immediate",))
        self.refused("missing_field", "review", {"item": "D-VER"})
        self.refused("bad_type", "review", {"item": "D-VER", "note": "n", "relapse": "yes"})
        self.refused("bad_value", "review", {"item": "D-VER", "note": "n", "files": ["a.jpg"]})
        yesterday = (datetime.date.fromisoformat(self.today()) - datetime.timedelta(days=1)).isoformat()
        self.refused("bad_value", "review", {"item": "D-VER", "note": "n", "deadline": "2027-12-31"},
                     words=("relapse",))
        self.refused("bad_value", "review", {"item": "D-VER", "note": "n", "relapse": True,
                                             "deadline": yesterday}, words=(yesterday, "today"))
        self.refused("bad_date", "review", {"item": "D-VER", "note": "n", "relapse": True,
                                            "deadline": "2027-02-30"}, words=("2027-02-30",))

    def test_closing_a_long_term_item_sets_its_next_review(self):
        self.add("D-LONG", "2027-06-30", kind="long-term")
        self.call("start", {"item": "D-LONG"}, user=OWNER)
        self.call("evidence", {"item": "D-LONG", "note": "已建立台账"}, user=OWNER)
        self.call("verify", {"item": "D-LONG", "result": "pass", "opinion": "合格"}, user=VERIFIER)
        it = self.call("close", {"item": "D-LONG", "note": "销号"}, user=LEADER_ADMIN)["item"]
        due = (self.day_of(it["closed_at"]) + datetime.timedelta(days=90)).isoformat()
        eq(it["next_review"], due, "next review 90 days after closing")
        self.refused("permission_denied", "review", {"item": "D-LONG", "note": "n"}, user=OTHER_OWNER,
                     words=("D-LONG",))
        self.refused("permission_denied", "review", {"item": "D-LONG", "note": "n"}, user=VERIFIER)

    def test_review_records_files_and_keeps_the_item_closed(self):
        r = self.call("review", {"item": "D-LONG", "note": "回访3户,未反弹", "files": ["回访.txt"]},
                      user=OWNER, files=[b"visit notes"])
        it = r["item"]
        eq(it["state"], "closed", "a review keeps the item closed")
        ev = self.call("history", {"item": "D-LONG"})["events"][-1]
        eq(ev["action"], "review", "event action")
        due = (self.day_of(ev["at"]) + datetime.timedelta(days=90)).isoformat()
        eq(it["next_review"], due, "next review 90 days after the review")
        eq(len(r["review"]["files"]), 1, "review files in the result")
        eq([(f["name"], f["size"]) for f in ev["files"]], [("回访.txt", 11)], "event files")
        eq(ev["comment"], "回访3户,未反弹", "event comment")
        # the file's use is indexed like evidence's, so the record still audits clean
        audit = self.call("audit_verify", {})
        eq((audit["ok"], audit["problem"]), (True, None), "audit after a review with a file")

    def test_relapse_reopens_the_item(self):
        new = (datetime.date.fromisoformat(self.today()) + datetime.timedelta(days=60)).isoformat()
        it = self.call("review", {"item": "D-LONG", "note": "2户收入再次低于监测线", "relapse": True,
                                  "deadline": new}, user=ADMIN)["item"]
        eq(it["state"], "rectifying", "state after a relapse")
        eq(it["relapses"], 1, "relapses")
        eq((it["deadline"], it["original_deadline"]), (new, "2027-06-30"),
           "deadline and original_deadline after a relapse with a new deadline")
        for f in ("closed_by", "closed_at", "verified_by", "verified_at", "next_review"):
            eq(it[f], None, f + " after a relapse")
        ev = self.call("history", {"item": "D-LONG"})["events"][-1]
        eq(ev["action"], "relapse", "event action")
        eq(ev["changes"]["state"], ["closed", "rectifying"], "state change")
        eq(ev["changes"]["relapses"], [0, 1], "relapses change")
        eq(ev["changes"]["deadline"], ["2027-06-30", new], "deadline change")
        self.refused("invalid_transition", "review", {"item": "D-LONG", "note": "n"}, words=("rectifying",))
        # accepted and struck off again; a second relapse without a deadline keeps it
        self.call("evidence", {"item": "D-LONG", "note": "再次整改"}, user=OWNER)
        self.call("verify", {"item": "D-LONG", "result": "pass", "opinion": "合格"}, user=VERIFIER)
        self.call("close", {"item": "D-LONG", "note": "再次销号"}, user=LEADER_ADMIN)
        it = self.call("review", {"item": "D-LONG", "note": "又反弹", "relapse": True},
                       user=OWNER)["item"]
        eq((it["state"], it["relapses"], it["deadline"]), ("rectifying", 2, new),
           "state, relapses and deadline after a relapse without a deadline")
        check("deadline" not in self.call("history", {"item": "D-LONG"})["events"][-1]["changes"],
              "a relapse without a deadline changed the deadline")

    def test_query_refusals(self):
        self.refused("bad_date", "overdue", {"as_of": "2026-13-01"})
        self.refused("unknown_name", "overdue", {"owner": "王五"})
        self.refused("unknown_name", "overdue", {"leader": OWNER})
        self.refused("unknown_field", "overdue", {"state": "closed"})
        self.refused("bad_date", "list", {"as_of": "tomorrow"})
        self.refused("bad_type", "list", {"overdue": "yes"})
        self.refused("bad_type", "list", {"due_soon": 1})

    def test_rectctl_extend_overdue_review_and_show(self):
        self.add("D-CTL", "2026-11-01")
        r = self.d.ctl("extend", "D-CTL", "--deadline", "2027-01-15", "--reason", "天气原因", user=OWNER)
        eq(r.rc, 0, "rectctl extend: %s" % r.err)
        eq(r.json()["item"]["extension"]["deadline"], "2027-01-15", "rectctl extend request")
        r = self.d.ctl("extend", "D-CTL", "--approve", "--deny", user=LEADER)
        eq(r.rc, 1, "--approve with --deny is a usage error")
        r = self.d.ctl("extend", "D-CTL", "--deadline", "2027-01-15", user=OWNER)
        eq(r.rc, 1, "a request without --reason is a usage error")
        r = self.d.ctl("extend", "D-CTL", "--approve", user=OWNER)
        eq(r.rc, 3, "the owner may not approve")
        check("permission_denied" in r.err, "refusal printed: %r" % r.err)
        r = self.d.ctl("extend", "D-CTL", "--approve", "--note", "同意", user=LEADER, json_out=False)
        eq(r.rc, 0, "rectctl extend --approve: %s" % r.err)
        check("2027-01-15" in r.out and "2026-11-01" in r.out, "approve output: %r" % r.out)
        # a denial says so, and that the deadline stays
        r = self.d.ctl("extend", "D-CTL", "--deadline", "2027-02-15", "--reason", "再延", user=OWNER)
        eq(r.rc, 0, "second request: %s" % r.err)
        r = self.d.ctl("extend", "D-CTL", "--deny", user=LEADER, json_out=False)
        eq(r.rc, 0, "rectctl extend --deny: %s" % r.err)
        check("denied" in r.out and "2027-01-15" in r.out and "approved" not in r.out,
              "deny output: %r" % r.out)
        r = self.d.ctl("show", "D-CTL", json_out=False)
        check("original deadline:" in r.out and "2026-11-01" in r.out, "show: %r" % r.out)
        check("extensions:" in r.out, "show lists extensions: %r" % r.out)
        r = self.d.ctl("overdue", "--as-of", "2026-12-05", json_out=False)
        eq(r.rc, 0, "rectctl overdue: %s" % r.err)
        check("D-RED2" in r.out and "D-CTL" not in r.out and "2026-12-05" in r.out,
              "overdue output: %r" % r.out)
        r = self.d.ctl("list", "--as-of", "2026-09-30", "--due-soon", json_out=False)
        eq(r.rc, 0, "rectctl list --due-soon: %s" % r.err)
        line = [l for l in r.out.splitlines() if "D-HOLI" in l]
        check(line and "yellow" in line[0] and "\033[" not in r.out, "LIGHT column: %r" % r.out)
        r = self.d.ctl("history", "D-CTL", json_out=False)
        eq(r.rc, 0, "rectctl history with extension events: %s" % r.err)
        for cmd in ("extend", "review", "overdue"):
            r = self.d.ctl(cmd, "--help", json_out=False)
            eq(r.rc, 0, "rectctl %s --help" % cmd)
            check("rectctl %s" % cmd in r.out, "%s --help has an example: %r" % (cmd, r.out))


def main(argv):
    return e2e_runner.main("e2e-deadlines", [Suite], argv, setup_failure="once")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
