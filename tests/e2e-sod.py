#!/usr/bin/python3
"""End-to-end tests of separation of duties (issue 7 section 2): the attacks
on the rule book tried over a real rectd, each refusal checked to change
nothing (Daemon.snapshot) and to say what is wrong and what to do.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-sod.py [-k TEXT]

rectd runs with a pinned clock (--clock-file, 2027-01-05 08:30 in
Asia/Shanghai, before the daily job's 09:00) on config/rectd.conf's users:
wangyan (admin, verifier), zhanghua (leader, admin), lijun and chenmei
(leaders), liming and zhaoli (owners), maqing (verifier). Tests run in order
within a fixture; each uses its own items. Ends with "N passed, M failed".
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import Daemon  # noqa: E402

ADMIN_VERIFIER, LEADER_ADMIN = "wangyan", "zhanghua"
LEADER, OTHER_LEADER = "lijun", "chenmei"
OWNER, OTHER_OWNER, VERIFIER = "liming", "zhaoli", "maqing"
TODAY = "2027-01-05"
CLOCK = "2027-01-05T00:30:00Z"  # 08:30 in Asia/Shanghai

# Writes outside rawclient's core set: they carry client and seq too.
MORE_WRITES = frozenset(["extend", "decide_extension", "review", "notify_run"])


class SClient(rawclient.Client):
    def envelope(self, cmd, args=None, user=None, seq=None, client=None):
        if cmd in MORE_WRITES and seq is None:
            self.seq += 1
            seq = self.seq
        return super().envelope(cmd, args, user=user, seq=seq, client=client)


class SodDaemon(Daemon):
    """A Daemon on a pinned clock (calendar days, escalation after 7 days)."""

    def __init__(self, overrides=None):
        tmp = tempfile.mkdtemp(prefix="rs", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write(CLOCK + "\n")
        settings = {"calendar.working_days": False, "notify.escalate_after_days": 7}
        settings.update(overrides or {})
        super().__init__(settings, tmp=tmp)

    def raw(self, user=None, **kw):
        return SClient(self.endpoint, user or self.admin, **kw)


class Base:
    overrides = {}

    def setup(self):
        self.d = SodDaemon(self.overrides)
        self.daemons.append(self.d)
        self.d.start()
        eq(self.d.call("ping")["today"], TODAY, "rectd's today")

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)

    # -- helpers ----------------------------------------------------------
    def call(self, cmd, args=None, user=ADMIN_VERIFIER, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def refused(self, code, cmd, args, user, words=()):
        """cmd must be refused with code, change nothing, and its message
        must name the item and contain every one of words."""
        before = self.d.snapshot()
        try:
            self.d.call(cmd, args, user=user)
        except rawclient.Refused as e:
            eq(e.code, code, "%s %r as %s: error code (%s)" % (cmd, args, user, e.message))
            item = args.get("item")
            if item is not None:
                check("item %s (" % self.ids.get(item, item) in e.message,
                      "%s: message %r should name the item" % (cmd, e.message))
            for w in words:
                check(w in e.message, "%s: message %r should mention %r" % (cmd, e.message, w))
            eq(self.d.snapshot(), before, "%s refused: the database" % cmd)
            return e.message
        raise Failure("%s %r as %s succeeded; want %s" % (cmd, args, user, code))

    def add(self, ref, owner=OWNER, leader=LEADER, deadline="2027-06-30", kind="immediate"):
        if not hasattr(self, "ids"):
            self.ids = {}
        it = self.call("add", {"ref": ref, "source": "county", "kind": kind, "title": "题 " + ref,
                               "owner": owner, "unit": "cun1", "leader": leader, "deadline": deadline})["item"]
        self.ids[ref] = it["id"]
        return it

    def item(self, ref):
        return self.call("show", {"item": ref})["item"]

    def assign(self, ref, user, note=None, **kw):
        it = self.item(ref)
        args = {"item": ref, "owner": it["owner"], "unit": it["unit"], "leader": it["leader"],
                "deadline": it["deadline"]}
        args.update(kw)
        if note:
            args["note"] = note
        return self.call("assign", args, user=user)["item"]

    def evidence(self, ref, user=OWNER, note="整改材料"):
        return self.call("evidence", {"item": ref, "note": note}, user=user)["item"]

    def verify(self, ref, user=VERIFIER, result="pass"):
        return self.call("verify", {"item": ref, "result": result, "opinion": "验收意见"}, user=user)["item"]

    def close(self, ref, user):
        return self.call("close", {"item": ref, "note": "同意销号"}, user=user)["item"]

    def row(self, ref):
        led = self.call("ledger")
        rows = [r for r in led["rows"] if r["ref"] == ref]
        eq(len(rows), 1, "ledger rows of %s" % ref)
        return rows[0], led


class Attacks(Base):
    def test_admin_and_verifier_alone_cannot_take_an_item_from_start_to_close(self):
        self.add("S-1")
        me = ADMIN_VERIFIER
        eq(self.call("start", {"item": "S-1"}, user=me)["item"]["state"], "rectifying", "admin starts")
        self.evidence("S-1", user=me, note="管理员代为上传")
        for result in ("pass", "reject"):
            self.refused("permission_denied", "verify",
                               {"item": "S-1", "result": result, "opinion": "自己验收"}, me,
                               words=(me, "filed evidence", "a verifier who neither owned it nor filed"))
        # making herself the owner does not help either
        self.assign("S-1", me, owner=me)
        self.refused("permission_denied", "verify", {"item": "S-1", "result": "pass", "opinion": "自己验收"},
                           me, words=(me, "owner"))
        self.refused("invalid_transition", "close", {"item": "S-1", "note": "直接销号"}, me,
                     words=("rectifying", "verified"))
        # someone else passes it; she still may not strike it off (she filed and owned it in this round)
        self.assign("S-1", LEADER, owner=OWNER)
        self.verify("S-1")
        self.refused("permission_denied", "close", {"item": "S-1", "note": "销号"}, me,
                           words=(me, "may not also close it", "leader (%s) or an admin" % LEADER))
        eq(self.close("S-1", LEADER)["state"], "closed", "the item's leader closes it")
        acts = [(e["action"], e["actor"]) for e in self.call("history", {"item": "S-1"})["events"]]
        eq({a for a, who in acts if who == me} & {"verify", "close"}, set(),
           "wangyan neither accepted nor closed it: %r" % acts)

    def test_a_verifier_who_filed_evidence_as_owner_and_was_reassigned_off_may_not_verify_it(self):
        self.add("S-2", owner=VERIFIER)
        self.call("start", {"item": "S-2"}, user=VERIFIER)
        self.evidence("S-2", user=VERIFIER, note="本人整改")
        self.assign("S-2", LEADER, owner=OWNER)  # a leader reassigns, same deadline
        eq(self.item("S-2")["owner"], OWNER, "owner after reassignment")
        self.refused("permission_denied", "verify", {"item": "S-2", "result": "pass", "opinion": "合格"}, VERIFIER,
                     words=(VERIFIER, "in this round", "a verifier who neither owned it nor filed"))
        self.refused("permission_denied", "verify", {"item": "S-2", "result": "reject", "opinion": "退回"}, VERIFIER,
                     words=(VERIFIER,))
        # once sent back by someone else, a new round begins: the new owner's evidence, maqing may pass
        self.verify("S-2", user=ADMIN_VERIFIER, result="reject")
        self.evidence("S-2", user=OWNER, note="新责任人补充材料")
        eq(self.verify("S-2")["state"], "verified", "maqing verifies a round she had no part in")

    def test_a_pass_after_a_rejection_needs_evidence_filed_since(self):
        self.add("S-3")
        self.call("start", {"item": "S-3"}, user=OWNER)
        self.evidence("S-3")
        eq(self.verify("S-3", result="reject")["rejections"], 1, "rejections")
        self.refused("missing_evidence", "verify", {"item": "S-3", "result": "pass", "opinion": "合格"}, VERIFIER,
                     words=("sent back", "since the rejection", "log new evidence"))
        r = self.d.ctl("verify", "S-3", "--pass", "--opinion", "合格", user=VERIFIER)
        eq(r.rc, 3, "rectctl exit status of a refusal")
        check("since the rejection" in r.err and "S-3" in r.err, "rectctl says why: %r" % r.err)
        self.evidence("S-3", note="补充签字表")
        eq(self.verify("S-3")["state"], "verified", "pass with evidence filed after the rejection")

    def test_a_leader_may_not_move_an_overdue_escalated_items_deadline_with_assign(self):
        self.add("S-4", deadline="2026-12-15")  # 21 days overdue today
        self.call("notify_run", {})
        it = self.item("S-4")
        eq(it["escalations"], 1, "escalated (red for more than 7 days)")
        self.refused("permission_denied", "assign",
                     {"item": "S-4", "owner": OWNER, "unit": "cun1", "leader": LEADER, "deadline": "2027-02-28",
                      "note": "延后"}, LEADER,
                     words=("2026-12-15", "2027-02-28", "extension", "rectctl extend", "admin"))
        # nor the item's other leader-admin without saying why
        self.refused("missing_field", "assign",
                     {"item": "S-4", "owner": OWNER, "unit": "cun1", "leader": LEADER, "deadline": "2027-02-28"},
                     LEADER_ADMIN, words=("needs a note", "reason", "--note"))
        # a leader may still reassign with the same deadline
        eq(self.assign("S-4", LEADER, owner=OTHER_OWNER)["owner"], OTHER_OWNER, "reassigned, same deadline")
        eq(self.item("S-4")["deadline"], "2026-12-15", "deadline unchanged")
        # an admin's re-plan, with its reason: an extension, the overdue days stay counted
        it = self.assign("S-4", LEADER_ADMIN, note="县里调整整改计划", deadline="2027-02-28")
        eq((it["deadline"], it["original_deadline"], it["extensions"], it["overdue_days_carried"]),
           ("2027-02-28", "2026-12-15", 1, 21), "after the re-plan")
        ev = self.call("history", {"item": "S-4"})["events"][-1]
        eq((ev["action"], ev["comment"]), ("assign", "县里调整整改计划"), "the re-plan's event and reason")
        eq(ev["changes"].get("overdue_days_carried"), [0, 21], "carried days recorded in the event")
        row, led = self.row("S-4")
        eq((row["days_overdue"], row["overdue_days_carried"], row["extensions"]), (21, 21, 1),
           "ledger row: 当前逾期天数 keeps the 21 days although the new deadline is ahead")
        md = self.d.ctl("ledger", "--format", "md", json_out=False)
        eq(md.rc, 0, "ledger md")
        check("2026-12-15 → 2027-02-28" in md.out, "ledger shows the move")
        # closed well before the new deadline, it is still not closed on time
        self.call("start", {"item": "S-4"}, user=OTHER_OWNER)
        self.evidence("S-4", user=OTHER_OWNER)
        self.verify("S-4")
        self.close("S-4", LEADER)
        row, led = self.row("S-4")
        eq((row["days_late"], row["days_overdue"]), (21, None), "销号时逾期天数 after the move")
        eq(led["summary"]["closed_on_time"], self.closed_on_time_without("S-4", led), "summary.closed_on_time")
        stats = self.call("stats", {"by": "owner"})
        g = [x for x in stats["groups"] if x["key"] == OTHER_OWNER][0]
        eq((g["closed"], g["closed_on_time"], g["on_time_rate"]), (1, 0, 0.0), "stats of zhaoli's one closed item")
        # the ledger saved now checks against the record
        path = os.path.join(self.d.tmp, "ledger.json")
        eq(self.d.ctl("ledger", "--format", "json", "-o", path, json_out=False).rc, 0, "save json ledger")
        r = self.d.ctl("ledger", "check", path, json_out=False)
        eq(r.rc, 0, "ledger check: %s %s" % (r.out, r.err))

    def closed_on_time_without(self, ref, led):
        """closed_on_time as the rows say: closed rows with days_late 0 (S-4 is not one)."""
        return sum(1 for r in led["rows"] if r["state"] == "closed" and r["days_late"] == 0 and r["ref"] != ref)

    def test_an_approved_extension_of_a_red_item_carries_its_overdue_days(self):
        self.add("S-5", deadline="2027-01-01")  # 4 days overdue
        self.call("extend", {"item": "S-5", "deadline": "2027-01-20", "reason": "等待县级审批"}, user=OWNER)
        self.refused("permission_denied", "decide_extension", {"item": "S-5", "decision": "approve"}, OWNER,
                     words=(OWNER, "admin or leader"))
        it = self.call("decide_extension", {"item": "S-5", "decision": "approve"}, user=LEADER)["item"]
        eq((it["deadline"], it["original_deadline"], it["extensions"], it["overdue_days_carried"]),
           ("2027-01-20", "2027-01-01", 1, 4), "after the approval")
        # an admin asking on the owner's behalf may not approve her own request
        self.call("extend", {"item": "S-5", "deadline": "2027-02-20", "reason": "代为申请"}, user=ADMIN_VERIFIER)
        self.refused("permission_denied", "decide_extension", {"item": "S-5", "decision": "approve"},
                     ADMIN_VERIFIER, words=(ADMIN_VERIFIER, "asked for this extension"))
        self.refused("invalid_transition", "extend", {"item": "S-5", "deadline": "2027-03-01", "reason": "再延"},
                     OWNER, words=("pending extension", "2027-02-20", ADMIN_VERIFIER))
        self.call("decide_extension", {"item": "S-5", "decision": "deny"}, user=LEADER_ADMIN)
        self.refused("invalid_transition", "decide_extension", {"item": "S-5", "decision": "approve"}, LEADER,
                     words=("no pending extension", "rectctl extend"))

    def test_a_leader_may_not_close_another_leaders_item(self):
        self.add("S-6", leader=OTHER_LEADER)
        self.call("start", {"item": "S-6"}, user=OWNER)
        self.evidence("S-6")
        self.verify("S-6")
        self.refused("permission_denied", "close", {"item": "S-6", "note": "销号"}, LEADER,
                     words=(LEADER, OTHER_LEADER, "not the item's leader", "or an admin"))
        r = self.d.ctl("close", "S-6", "--note", "销号", user=LEADER)
        eq(r.rc, 3, "rectctl exit status")
        check(OTHER_LEADER in r.err, "rectctl names the item's leader: %r" % r.err)
        eq(self.close("S-6", OTHER_LEADER)["closed_by"], OTHER_LEADER, "the item's own leader closes it")

    def test_a_closed_immediate_item_has_no_review_and_a_relapse_carries_the_days_late_at_closure(self):
        self.add("S-7", kind="immediate")
        self.call("start", {"item": "S-7"}, user=OWNER)
        self.evidence("S-7")
        self.verify("S-7")
        self.close("S-7", LEADER)
        self.refused("invalid_transition", "review", {"item": "S-7", "note": "回访"}, OWNER,
                     words=("immediate", "long-term"))
        self.add("S-8", kind="long-term", deadline="2027-01-02")  # closed 3 days late
        self.call("start", {"item": "S-8"}, user=OWNER)
        self.evidence("S-8")
        self.verify("S-8")
        self.close("S-8", LEADER)
        eq(self.row("S-8")[0]["days_late"], 3, "closed 3 days late")
        # the owner alone may not give the renewed work a new deadline: that is a re-plan
        self.refused("permission_denied", "review",
                     {"item": "S-8", "note": "问题反弹", "relapse": True, "deadline": "2027-03-31"}, OWNER,
                     words=("re-plan", "rectctl extend"))
        it = self.call("review", {"item": "S-8", "note": "问题反弹", "relapse": True, "deadline": "2027-03-31"},
                       user=ADMIN_VERIFIER)["item"]
        eq((it["state"], it["deadline"], it["original_deadline"], it["overdue_days_carried"], it["extensions"]),
           ("rectifying", "2027-03-31", "2027-01-02", 3, 1), "after the admin's relapse with a new deadline")
        eq(self.row("S-8")[0]["days_overdue"], 3, "当前逾期天数 keeps the 3 days")

    def test_a_verifier_may_not_pass_on_her_own_note_after_a_reopen(self):
        # the reviewer's path: a post-verification note by an admin+verifier, a reopen, a pass on it
        self.add("S-9")
        self.call("start", {"item": "S-9"}, user=OWNER)
        self.evidence("S-9")
        self.verify("S-9")
        self.call("evidence", {"item": "S-9", "note": "验收后补充说明"}, user=ADMIN_VERIFIER)
        self.call("reopen", {"item": "S-9", "reason": "复核"}, user=ADMIN_VERIFIER)
        self.refused("missing_evidence", "verify", {"item": "S-9", "result": "pass", "opinion": "通过"},
                     VERIFIER, words=("since it was last started, reopened or relapsed",))
        self.call("evidence", {"item": "S-9", "note": "重新整改材料"}, user=ADMIN_VERIFIER)
        self.refused("permission_denied", "verify", {"item": "S-9", "result": "pass", "opinion": "通过"},
                     ADMIN_VERIFIER, words=("filed evidence in this round",))

    def test_a_leader_may_not_take_another_leaders_item_over_and_close_it(self):
        self.add("S-10")  # led by LEADER
        self.call("start", {"item": "S-10"}, user=OWNER)
        it = self.call("show", {"item": "S-10"})["item"]
        self.refused("permission_denied", "assign",
                     {"item": "S-10", "owner": it["owner"], "unit": it["unit"], "leader": OTHER_LEADER,
                      "deadline": it["deadline"]}, OTHER_LEADER, words=("only %s or an admin" % LEADER,))
        # with the same leader any leader may still reassign
        self.call("assign", {"item": "S-10", "owner": OTHER_OWNER, "unit": it["unit"], "leader": LEADER,
                             "deadline": it["deadline"]}, user=OTHER_LEADER)

    def test_the_log_rebuilds_every_item_with_the_carried_days(self):
        with self.d.raw() as c:
            events = rawclient.all_events(c)
            rebuilt = rawclient.rebuild_items(events)
            items = {it["id"]: it for it in c.call("list")["items"]}
        for i, it in items.items():
            want = {k: v for k, v in it.items() if k in rawclient.ITEM_KEYS}
            eq(rebuilt[i], want, "item %d rebuilt from the log" % i)
        check(any(it["overdue_days_carried"] for it in items.values()), "some item carries days")


class RoleChange(Base):
    """Roles are the config's when each action is taken; past events stand."""

    def test_a_role_removed_applies_to_new_actions_and_history_keeps_what_was_true(self):
        for ref in ("R-1", "R-2"):
            self.add(ref)
            self.call("start", {"item": ref}, user=OWNER)
            self.evidence(ref)
        self.verify("R-1")
        head = self.call("ping")["head"]
        self.d.stop()
        text = self.d.conf_text.replace('{ name = "maqing";   display = "马青"; roles = ["verifier"]; }',
                                        '{ name = "maqing";   display = "马青"; roles = ["viewer"]; }')
        check(text != self.d.conf_text, "the config names maqing as verifier")
        self.d.save_conf(text)
        self.d.start()
        self.refused("permission_denied", "verify", {"item": "R-2", "result": "pass", "opinion": "合格"}, VERIFIER,
                     words=("verifier", VERIFIER))
        eq(self.item("R-1")["verified_by"], VERIFIER, "R-1 stays verified by maqing")
        eq(self.call("ping")["head"], head, "nothing rewritten")
        eq(self.call("audit_verify")["ok"], True, "the chain still verifies")
        eq(self.verify("R-2", user=ADMIN_VERIFIER)["verified_by"], ADMIN_VERIFIER, "another verifier passes R-2")


class AnyLeader(Base):
    """workflow.close_by = "any_leader", workflow.distinct_closer = false."""
    overrides = {"workflow.close_by": "any_leader", "workflow.distinct_closer": False}

    def test_any_leader_may_close_but_never_the_verifier_or_the_owner(self):
        self.add("A-1", leader=OTHER_LEADER)
        self.call("start", {"item": "A-1"}, user=OWNER)
        self.evidence("A-1", user=LEADER_ADMIN, note="管理员补充")  # an admin filer
        self.verify("A-1", user=ADMIN_VERIFIER)
        self.refused("permission_denied", "close", {"item": "A-1", "note": "销号"}, ADMIN_VERIFIER,
                     words=(ADMIN_VERIFIER, "verified"))
        # distinct_closer off: the admin who filed evidence may close
        eq(self.close("A-1", LEADER_ADMIN)["state"], "closed", "a filer closes when distinct_closer = false")
        self.add("A-2", leader=OTHER_LEADER)
        self.call("start", {"item": "A-2"}, user=OWNER)
        self.evidence("A-2")
        self.verify("A-2")
        eq(self.close("A-2", LEADER)["closed_by"], LEADER, "any leader closes another leader's item")


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-sod", [Attacks, RoleChange, AnyLeader], sys.argv[1:]))
