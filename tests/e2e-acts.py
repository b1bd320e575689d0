#!/usr/bin/python3
"""End-to-end tests of acts of people on the record (issue 9, items 7-9):
the 审核人's sign-off of an inspection's ledger (ledger_sign), 督办 by a
person (urge) and the owner's answer (reply), 签收 of an assignment
(acknowledge), and the notices at once when something happens to you
(assigned, sent back, to verify, to close, extension decided, urged):
once, in the right inbox and on PUB, never to the actor, and surviving a
kill -9 right after the act.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-acts.py [-k TEXT]

Every rectd runs on its own /tmp/raXXXX with a clock file (calendar.timezone
Asia/Shanghai, TZ=UTC for rectd) and is stopped by pid. Ends with
"N passed, M failed".
"""

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

# writes of other issues this suite makes too (client and seq)
rawclient.WRITE_COMMANDS = rawclient.WRITE_COMMANDS | {
    "inspection_add", "inspection_update", "notify_run", "extend", "decide_extension", "ack"}

INSP = "2025-assessment"
OTHER = "2026-self"
REVIEWER = "maqing"   # ledger.reviewer here: a verifier, not an admin
ADMIN = "wangyan"     # admin and verifier
ADMIN2 = "zhanghua"   # leader and admin
VERIFIER = "maqing"


class ADaemon(Daemon):
    """A Daemon on a clock file, ledger.reviewer = maqing, with PUB."""

    def __init__(self, overrides=None):
        tmp = tempfile.mkdtemp(prefix="ra", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        conf = {"calendar.timezone": "Asia/Shanghai", "ledger.reviewer": REVIEWER,
                "notify.pub_endpoint": "ipc://%s/pub.sock" % tmp}
        conf.update(overrides or {})
        super().__init__(conf, tmp=tmp)

    def inbox(self, user):
        return self.call("inbox", {"all": True}, user=user)["notices"]

    def notices_of(self, user, kind=None, seq=None):
        return [n for n in self.inbox(user) if (kind is None or n["kind"] == kind)
                and (seq is None or n.get("event", {}).get("seq") == seq)]

    def all_notices(self):
        """Every notice at once (with "event"; the daily digests have none), {id: notice}."""
        out = {}
        for u in self.cfg["users"]:
            for n in self.inbox(u["name"]):
                if "event" in n:
                    check(n["id"] not in out, "notice %s in two inboxes" % n["id"])
                    out[n["id"]] = n
        return out

    def events(self):
        return rawclient.all_events(self.raw())


def sub_socket(endpoint, user):
    s = zmq.Context.instance().socket(zmq.SUB)
    s.setsockopt(zmq.LINGER, 0)
    rawclient.secure(s, rawclient.keys_for(endpoint, user))
    s.setsockopt(zmq.SUBSCRIBE, user.encode())
    s.connect(endpoint)
    return s


def drain(sock, first_wait_ms=2500, quiet_ms=400):
    out = []
    wait = first_wait_ms
    while sock.poll(wait, zmq.POLLIN):
        frames = sock.recv_multipart()
        eq(len(frames), 2, "PUB frames")
        out.append((frames[0].decode(), json.loads(frames[1].decode("utf-8"))))
        wait = quiet_ms
    return out


class Base:
    """29 items of the example plan imported into INSP on 2026-12-01 (local),
    one more item in OTHER."""

    stop_label = "rectd stops on SIGTERM with status 0"
    overrides = None

    def setup(self):
        d = self.d = ADaemon(self.overrides)
        self.daemons.append(d)
        d.set_clock("2026-12-01T02:00:00Z")
        d.start()
        with open(PLAN, "rb") as f:
            eq(d.call("import", {"inspection": INSP}, files=[f.read()])["imported"], 29, "imported")
        self.other = d.call("add", {"ref": "ZC-01", "source": "self", "kind": "immediate", "title": "另一个检查的事项",
                                    "inspection": OTHER, "owner": "liming", "unit": "cun1", "leader": "lijun",
                                    "deadline": "2026-12-31"})["item"]["id"]
        it = d.call("show", {"item": 3})["item"]
        self.owner, self.leader = it["owner"], it["leader"]

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=False, only_running=False)

    def refused(self, cmd, args, code, user, what):
        before = self.d.snapshot()
        notices = len(self.d.all_notices())
        rep = self.d.request(cmd, args, user=user)
        check(not rep["ok"], "%s: want %s, got %r" % (what, code, rep.get("result")))
        eq(rep["error"]["code"], code, "%s: code (%s)" % (what, rep["error"]["message"]))
        eq(self.d.snapshot(), before, "%s: nothing changed" % what)
        eq(len(self.d.all_notices()), notices, "%s: no notice" % what)
        return rep["error"]["message"]

    def rebuilt_agrees(self):
        """audit verify passes, and the Python replay gives the items and sign-offs rectd has."""
        d = self.d
        av = d.call("audit_verify")
        check(av["ok"], "audit verify: %r" % av)
        events = d.events()
        rawclient.verify_chain(events, d.call("ping")["head"])
        listed = {it["id"]: {k: v for k, v in it.items() if k not in rawclient.ITEM_FACTS}
                  for it in d.call("list")["items"]}
        eq(rawclient.rebuild_items(events), listed, "items rebuilt from events")
        rawclient.rebuild_inspections(events)
        return events


# =============================================================================
class SignOff(Base):
    """ledger sign: who may, what it names, what ledgers made after it say."""

    def test_a_sign_off_by_someone_not_the_reviewer_nor_an_admin_is_refused(self):
        msg = self.refused("ledger_sign", {"inspection": INSP}, "permission_denied", self.leader, "a leader")
        check("reviewer" in msg and REVIEWER in msg, "names the reviewer: %r" % msg)
        self.refused("ledger_sign", {"inspection": INSP}, "permission_denied", self.owner, "an owner")
        self.refused("ledger_sign", {"inspection": INSP}, "permission_denied", "xiaoliu", "a viewer")
        # in the reviewer's name with one's own key: refused as who is connected
        before = self.d.snapshot()
        leader_keys = rawclient.keys_for(self.d.endpoint, self.leader)
        with rawclient.Client(self.d.endpoint, REVIEWER, keys=leader_keys) as c:
            rep = c.request("ledger_sign", {"inspection": INSP})
        eq((rep["ok"], rep["error"]["code"]), (False, "permission_denied"), "as the reviewer with a leader's key")
        eq(self.d.snapshot(), before, "nothing signed")

    def test_an_unknown_inspection_or_a_stale_head_is_refused(self):
        self.refused("ledger_sign", {"inspection": "nope"}, "unknown_name", REVIEWER, "unknown inspection")
        self.refused("ledger_sign", {}, "missing_field", REVIEWER, "no inspection")
        head = self.d.call("ping")["head"]
        self.d.call("acknowledge", {"item": 3}, user=self.owner)  # the record moves on
        msg = self.refused("ledger_sign", {"inspection": INSP, "head": head["hash"]}, "bad_value", REVIEWER,
                           "a stale head")
        check("changed since" in msg, "says the record changed: %r" % msg)

    def test_sign_names_the_head_before_it_and_the_ledger_shows_it_then_changed_since(self):
        d = self.d
        eq(d.call("ledger", {"inspection": INSP})["sign_off"], None, "unsigned at first")
        d.set_clock("2026-12-03T02:00:00Z")
        head = d.call("ping")["head"]
        so = d.call("ledger_sign", {"inspection": INSP, "note": "已审核", "head": head["hash"]},
                    user=REVIEWER)["sign_off"]
        eq((so["by"], so["by_display"], so["head"], so["note"], so["seq"]),
           (REVIEWER, "马青", {"seq": head["seq"], "hash": head["hash"]}, "已审核", head["seq"] + 1), "reply")
        ev = [e for e in d.call("inspection_history")["events"] if e["action"] == "sign"][-1]
        eq((ev["item"], ev["actor"], ev["changes"], ev["prev"]),
           (0, REVIEWER, {"inspection": INSP, "head": head["hash"], "note": "已审核"}, head["hash"]), "the event")
        led = d.call("ledger", {"inspection": INSP})
        s = led["sign_off"]
        eq((s["by"], s["by_display"], s["at"], s["head"], s["changed"], s["superseded"]),
           (REVIEWER, "马青", "2026-12-03T02:00:00Z", so["head"], False, 0), "ledger after")
        check("sign_off" not in d.call("ledger"), "a ledger of every inspection has none")
        eq(d.call("ledger", {"inspection": OTHER})["sign_off"], None, "another inspection is unsigned")
        md = d.ctl("ledger", "--inspection", INSP, "--format", "md", json_out=False)
        eq(md.rc, 0, "md ledger: %r" % md)
        for want in ("审核人", "马青", "2026-12-03 10:00", "#%d %s" % (head["seq"], head["hash"]), "已审核",
                     "审核后记录未变更"):
            check(want in md.out, "md ledger has %r: %s" % (want, md.out[-800:]))
        # an act on another inspection's item changes nothing of it
        d.call("acknowledge", {"item": self.other}, user="liming")
        eq(d.call("ledger", {"inspection": INSP})["sign_off"]["changed"], False, "other inspection's act")
        # an act on one of its items does
        d.set_clock("2026-12-04T02:00:00Z")
        d.call("start", {"item": 3}, user=self.owner)
        seq = d.call("ping")["head"]["seq"]
        s = d.call("ledger", {"inspection": INSP})["sign_off"]
        eq((s["changed"], s["changes"]), (True, {"events": 1, "record": False, "items": [3], "first_seq": seq,
                                                  "last_seq": seq}), "changed since")
        for fmt in ("md", "html", "csv"):
            r = d.ctl("ledger", "--inspection", INSP, "--format", fmt, json_out=False)
            check("审核后记录已变更" in r.out and "涉及事项 3" in r.out, "%s says it changed: %s" % (fmt, r.out[-600:]))
        xlsx = os.path.join(d.tmp, "l.xlsx")
        eq(d.ctl("ledger", "--inspection", INSP, "-o", xlsx, json_out=False).rc, 0, "xlsx ledger")
        import openpyxl
        cells = [str(c.value) for row in openpyxl.load_workbook(xlsx).worksheets[0].iter_rows() for c in row
                 if c.value is not None]
        check(any("审核后记录已变更" in v for v in cells) and "马青" in cells, "xlsx has the sign-off: %r" % cells[-12:])
        en = d.ctl("ledger", "--inspection", INSP, "--format", "md", "--lang", "en", json_out=False)
        check("the record changed after the sign-off" in en.out, "English: %s" % en.out[-500:])
        # as of the day before: unsigned; as of the signing day: signed and (then) unchanged
        eq(d.call("ledger", {"inspection": INSP, "as_of": "2026-12-02"})["sign_off"], None, "as of before")
        s = d.call("ledger", {"inspection": INSP, "as_of": "2026-12-03"})["sign_off"]
        eq((s["by"], s["changed"]), (REVIEWER, False), "as of the signing day")
        # an inspection_update is a change of its record
        d.call("inspection_add", {"name": OTHER, "title": "自查"})
        d.call("ledger_sign", {"inspection": OTHER}, user=ADMIN)
        d.call("inspection_update", {"name": OTHER, "title": "自查自纠"})
        s = d.call("ledger", {"inspection": OTHER})["sign_off"]
        eq((s["by"], s["changed"], s["changes"]["record"], s["note"]), (ADMIN, True, True, None), "record changed")
        # signing again supersedes, by an admin too
        so2 = d.call("ledger_sign", {"inspection": INSP, "note": "复核"}, user=ADMIN)["sign_off"]
        s = d.call("ledger", {"inspection": INSP})["sign_off"]
        eq((s["by"], s["superseded"], s["changed"], s["seq"], s["note"]), (ADMIN, 1, False, so2["seq"], "复核"),
           "re-signed")
        md = d.ctl("ledger", "--inspection", INSP, "--format", "md", json_out=False)
        check("王燕（重新审核，取代此前 1 次审核）" in md.out, "superseding shown: %s" % md.out[-600:])
        # the signed ledger covers sign_off: its signature checks offline
        path = os.path.join(d.tmp, "l.json")
        r = d.ctl("ledger", "--inspection", INSP, "--format", "json", "-o", path, json_out=False)
        eq(r.rc, 0, "json ledger: %r" % r)
        r = d.ctl("ledger", "check", path, "--key", os.path.join(d.keys_dir, "rectd-sign.pub"), json_out=False)
        eq(r.rc, 0, "signature checks: %r" % r)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        doc["sign_off"]["changed"] = True
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        r = d.ctl("ledger", "check", path, "--key", os.path.join(d.keys_dir, "rectd-sign.pub"), json_out=False)
        check(r.rc != 0, "an edited sign_off fails the signature: %r" % r)
        # the Python replay agrees
        events = self.rebuilt_agrees()
        got = rawclient.rebuild_sign_offs(events)
        for name in (INSP, OTHER):
            want = dict(d.call("ledger", {"inspection": name})["sign_off"])
            del want["by_display"]
            eq(got[name], want, "rebuilt sign-off of %s" % name)

    def test_rectctl_ledger_sign(self):
        d = self.d
        r = d.ctl("ledger", "sign", "--inspection", INSP, "--note", "审", user=REVIEWER, json_out=False)
        eq(r.rc, 0, "rectctl ledger sign: %r" % r)
        check("signed off by 马青" in r.out, "says who: %r" % r.out)
        r = d.ctl("ledger", "sign", "--inspection", INSP, user=self.owner, json_out=False)
        eq(r.rc, 3, "refused: %r" % r)
        r = d.ctl("help", "ledger sign", json_out=False)
        check("--head" in r.out and "supersedes" in r.out, "help: %r" % r.out)
        zh = d.ctl("ledger", "sign", "--inspection", INSP, user=self.owner, json_out=False,
                   env=dict(os.environ, LANGUAGE="zh_CN", LC_ALL="C.UTF-8"))
        check(any("\u4e00" <= ch <= "\u9fff" for ch in zh.err), "Chinese refusal: %r" % zh.err)

    def test_a_forged_sign_event_does_not_replay(self):
        ev = {"seq": 5, "item": 0, "action": "sign", "actor": "x", "at": "2026-12-01T00:00:00Z",
              "changes": {"inspection": INSP, "head": "ab" * 32}, "prev": "cd" * 32}
        try:
            rawclient.rebuild_inspections([ev])
        except rawclient.ChainError as e:
            check("head" in str(e), "says the head: %s" % e)
        else:
            check(False, "a sign event naming another head replays")


# =============================================================================
class Urges(Base):
    """urge (督办) by the leader or an admin; reply by the owner; counted with escalations."""

    def test_urge_by_the_owner_or_another_leader_is_refused(self):
        self.refused("urge", {"item": 3, "note": "x"}, "permission_denied", self.owner, "the owner")
        other = "chenmei" if self.leader != "chenmei" else "lijun"
        self.refused("urge", {"item": 3, "note": "x"}, "permission_denied", other, "another leader")
        self.refused("urge", {"item": 3, "note": "x"}, "permission_denied", VERIFIER, "a verifier")
        self.refused("urge", {"item": 3}, "missing_field", self.leader, "no note")
        self.refused("urge", {"item": 3, "note": "x", "reply_by": "2026-11-30"}, "bad_value", self.leader,
                     "reply-by in the past")
        self.refused("urge", {"item": 3, "note": "x", "reply_by": "soon"}, "bad_date", self.leader, "not a date")

    def test_urge_reply_and_the_count_of_escalations(self):
        d = self.d
        it = d.call("urge", {"item": 3, "note": "请加快", "reply_by": "2026-12-05"}, user=self.leader)["item"]
        eq(it["escalations"], 1, "督办 1")
        it = d.call("urge", {"item": 3, "note": "再次督办"}, user=ADMIN)["item"]
        eq(it["escalations"], 2, "督办 2")
        urges = d.call("show", {"item": 3})["urges"]
        eq([(u["by"], u["reply_by"], u["answered"], u["overdue"]) for u in urges],
           [(self.leader, "2026-12-05", False, False), (ADMIN, None, False, False)], "two open urges")
        self.refused("reply", {"item": 3, "note": "x"}, "permission_denied", self.leader, "the leader replies")
        self.refused("reply", {"item": 3, "note": "x"}, "permission_denied", ADMIN, "an admin replies")
        self.refused("reply", {"item": 4, "note": "x"}, "invalid_transition",
                     d.call("show", {"item": 4})["item"]["owner"], "no urge to answer")
        d.set_clock("2026-12-06T02:00:00Z")
        urges = d.call("show", {"item": 3})["urges"]
        eq([u["overdue"] for u in urges], [True, False], "reply-by passed")
        r = d.ctl("show", "3", json_out=False)
        check("Urges (2, 2 open)" in r.out and "reply-by date passed" in r.out, "show: %s" % r.out)
        d.call("reply", {"item": 3, "note": "已完成一半"}, user=self.owner)
        urges = d.call("show", {"item": 3})["urges"]
        eq([(u["answered"], u["answer"]["by"], u["answer"]["action"], u["answered_late"]) for u in urges],
           [(True, self.owner, "reply", True), (True, self.owner, "reply", False)], "answered")
        self.refused("reply", {"item": 3, "note": "x"}, "invalid_transition", self.owner, "nothing left to answer")
        # evidence answers an urge too
        d.call("urge", {"item": 3, "note": "第三次"}, user=self.leader)
        d.call("start", {"item": 3}, user=self.owner)
        d.call("evidence", {"item": 3, "note": "佐证"}, user=self.owner)
        u = d.call("show", {"item": 3})["urges"][-1]
        eq((u["answered"], u["answer"]["action"]), (True, "evidence"), "answered by evidence")
        # rectd's own escalations count in the same 督办次数
        d.set_clock("2026-12-26T02:00:00Z")
        d.call("notify_run", {})
        for i in (3, 5):
            hist = d.call("history", {"item": i})["events"]
            n = sum(e["action"] in ("escalate", "urge") for e in hist)
            it = d.call("show", {"item": i})["item"]
            eq(it["escalations"], n, "item %d: escalations = escalate + urge events" % i)
        check(any(e["action"] == "escalate" for e in d.call("history", {"item": 3})["events"]), "3 escalated too")
        row = [r for r in d.call("ledger", {"inspection": INSP})["rows"] if r["id"] == 3][0]
        eq(row["escalations"], 4, "ledger's 督办次数: 3 urges and 1 escalation")
        self.rebuilt_agrees()

    def test_rectctl_urge_and_reply(self):
        d = self.d
        r = d.ctl("urge", "7", "--note", "督办", "--reply-by", "2027-01-10", user=ADMIN, json_out=False)
        eq(r.rc, 0, "urge: %r" % r)
        check("urged" in r.out, "urge says: %r" % r.out)
        owner = d.call("show", {"item": 7})["item"]["owner"]
        r = d.ctl("reply", "7", "--note", "在办", user=owner, json_out=False)
        eq(r.rc, 0, "reply: %r" % r)
        r = d.ctl("reply", "7", "--note", "在办", user=ADMIN, json_out=False)
        eq(r.rc, 3, "reply by an admin refused: %r" % r)


# =============================================================================
class Acknowledge(Base):
    """签收: the owner of the current assignment, once per assignment."""

    def test_acknowledge_by_another_or_twice_is_refused_and_shown_when_done(self):
        d = self.d
        self.refused("acknowledge", {"item": 3}, "permission_denied", ADMIN, "an admin")
        self.refused("acknowledge", {"item": 3}, "permission_denied", self.leader, "the leader")
        d.set_clock("2026-12-02T01:30:00Z")
        it = d.call("acknowledge", {"item": 3}, user=self.owner)["item"]
        eq((it["acknowledged_by"], it["acknowledged_at"], it["state"]),
           (self.owner, "2026-12-02T01:30:00Z", "assigned"), "acknowledged")
        self.refused("acknowledge", {"item": 3}, "invalid_transition", self.owner, "twice")
        r = d.ctl("show", "3", json_out=False)
        check("acknowledged:" in r.out and "2026-12-02 09:30" in r.out, "show: %s" % r.out)
        row = [r for r in d.call("ledger", {"inspection": INSP})["rows"] if r["id"] == 3][0]
        eq((row["acknowledged_by"], row["acknowledged_at"]), (self.owner, "2026-12-02T01:30:00Z"), "ledger row")
        md = d.ctl("ledger", "--inspection", INSP, "--format", "md", json_out=False)
        check("（2026-12-02 09:30 签收）" in md.out, "签收 mark in the ledger: %s" % md.out[:1500])
        # a new assignment waits for its own 签收; the old owner may not give it
        it = d.call("show", {"item": 3})["item"]
        new_owner = "sunqiang" if self.owner != "sunqiang" else "zhouping"
        it = d.call("assign", {"item": 3, "owner": new_owner, "unit": it["unit"], "leader": it["leader"],
                               "deadline": it["deadline"]})["item"]
        eq((it["acknowledged_by"], it["acknowledged_at"]), (None, None), "reassigned: not acknowledged")
        self.refused("acknowledge", {"item": 3}, "permission_denied", self.owner, "the old owner")
        d.call("acknowledge", {"item": 3}, user=new_owner)
        self.refused("acknowledge", {"item": 8}, "invalid_transition", ADMIN, "a claimed item") \
            if d.call("show", {"item": 8})["item"]["state"] == "claimed" else None
        r = d.ctl("acknowledge", "5", user=d.call("show", {"item": 5})["item"]["owner"], json_out=False)
        eq(r.rc, 0, "rectctl acknowledge: %r" % r)
        check("acknowledged" in r.out, "says so: %r" % r.out)
        self.rebuilt_agrees()


# =============================================================================
class Notices(Base):
    """Each kind of notice at once: once, to the right people, on PUB, not to the actor."""

    def test_each_kind_arrives_once_in_the_right_inbox_and_on_pub_not_to_the_actor(self):
        d = self.d
        pub = d.cfg["notify"]["pub_endpoint"]
        people = [u["name"] for u in d.cfg["users"]]
        subs = {u: sub_socket(pub, u) for u in people}
        time.sleep(0.5)  # let the subscriptions reach rectd
        before = set(d.all_notices())
        owner, leader = self.owner, self.leader

        def new_of(seq):
            return {n["id"]: n for n in d.all_notices().values() if n["id"] not in before
                    and n.get("event", {}).get("seq") == seq}

        def expect(seq, kind, who, actor, what):
            got = new_of(seq)
            eq(sorted(n["recipient"] for n in got.values()), sorted(who), "%s: recipients" % what)
            check(actor not in who, "%s: not to the actor" % what)
            for n in got.values():
                eq((n["kind"], n["event"]["actor"], n["items"][0]["id"]), (kind, actor, 3), "%s: notice" % what)
                check("\u4e00" <= n["text"][1] <= "\u9fff", "%s: Chinese text %r" % (what, n["text"]))
            return got

        sent = {}
        # assigned: a re-assignment by an admin to the same owner and leader
        it = d.call("show", {"item": 3})["item"]
        d.call("assign", {"item": 3, "owner": owner, "unit": it["unit"], "leader": leader,
                          "deadline": it["deadline"]}, user=ADMIN2)
        sent.update(expect(d.call("ping")["head"]["seq"], "assigned", [owner, leader], ADMIN2, "assigned"))
        # urged by the leader: the owner only (the leader did it)
        d.call("urge", {"item": 3, "note": "请加快"}, user=leader)
        sent.update(expect(d.call("ping")["head"]["seq"], "urged", [owner], leader, "urged by the leader"))
        d.call("urge", {"item": 3, "note": "请加快", "reply_by": "2026-12-09"}, user=ADMIN)
        got = expect(d.call("ping")["head"]["seq"], "urged", [owner, leader], ADMIN, "urged by an admin")
        check(all("2026-12-09" in n["text"] or n["recipient"] != owner for n in got.values()), "reply-by in text")
        sent.update(got)
        # to verify: the round's first evidence; verifiers by the rule book (not the owner)
        d.call("start", {"item": 3}, user=owner)
        d.call("evidence", {"item": 3, "note": "佐证一"}, user=owner)
        verifiers = [u["name"] for u in d.cfg["users"] if "verifier" in u["roles"] and u["name"] != owner]
        sent.update(expect(d.call("ping")["head"]["seq"], "to_verify", verifiers, owner, "to verify"))
        d.call("evidence", {"item": 3, "note": "佐证二"}, user=owner)
        eq(new_of(d.call("ping")["head"]["seq"]), {}, "a second evidence entry tells nobody again")
        # sent back: the owner
        d.call("verify", {"item": 3, "result": "reject", "opinion": "不到位"}, user=VERIFIER)
        sent.update(expect(d.call("ping")["head"]["seq"], "sent_back", [owner], VERIFIER, "sent back"))
        d.call("evidence", {"item": 3, "note": "佐证三"}, user=owner)
        sent.update(expect(d.call("ping")["head"]["seq"], "to_verify", verifiers, owner, "to verify again"))
        # extension decided: the requester
        d.call("extend", {"item": 3, "deadline": "2027-01-31", "reason": "资金"}, user=owner)
        eq(new_of(d.call("ping")["head"]["seq"]), {}, "a request tells nobody at once")
        d.call("decide_extension", {"item": 3, "decision": "approve", "note": "同意"}, user=leader)
        sent.update(expect(d.call("ping")["head"]["seq"], "extension_decided", [owner], leader, "extension"))
        # to close: those who may close after the pass (the item's leader and admins, not the verifier)
        d.call("verify", {"item": 3, "result": "pass", "opinion": "合格"}, user=VERIFIER)
        closers = [u["name"] for u in d.cfg["users"] if (u["name"] == leader or "admin" in u["roles"])
                   and u["name"] not in (VERIFIER, owner)]
        sent.update(expect(d.call("ping")["head"]["seq"], "to_close", closers, VERIFIER, "to close"))
        # every notice once on PUB to its recipient
        time.sleep(1.5)
        for u, s in subs.items():
            got = [n["id"] for topic, n in drain(s, first_wait_ms=300) if n["id"] in sent]
            eq(sorted(got), sorted(i for i, n in sent.items() if n["recipient"] == u), "%s's PUB" % u)
            s.close()
        kinds = {n["kind"] for n in sent.values()}
        eq(kinds, {"assigned", "urged", "to_verify", "sent_back", "extension_decided", "to_close"}, "every kind")
        self.rebuilt_agrees()

    def test_the_notice_survives_a_kill_9_right_after_the_act_exactly_once(self):
        d = self.d
        for round_ in range(2):
            d.call("urge", {"item": 5, "note": "督办 %d" % round_}, user=ADMIN)
            seq = d.call("ping")["head"]["seq"]
            owner = d.call("show", {"item": 5})["item"]["owner"]
            d.kill9()
            d.start()
            got = d.notices_of(owner, "urged", seq)
            eq(len(got), 1, "round %d: the owner's notice once after kill -9" % round_)
            eq(d.call("show", {"item": 5})["item"]["escalations"], round_ + 1, "the urge is recorded once")
        # a resent request (same client and seq) is answered from the cache: no second notice
        c = d.raw(ADMIN, client_id="resend")
        r1 = c.request("urge", {"item": 6, "note": "一次"}, seq=1)
        r2 = c.request("urge", {"item": 6, "note": "一次"}, seq=1)
        c.close()
        eq(r1, r2, "the same reply")
        owner = d.call("show", {"item": 6})["item"]["owner"]
        eq(len([n for n in d.notices_of(owner, "urged") if n["event"]["item"] == 6]), 1,
           "one notice for a resent request")

    def test_notify_immediate_false_sends_none(self):
        d2 = ADaemon({"notify.immediate": False})
        self.daemons.append(d2)
        d2.set_clock("2026-12-01T02:00:00Z")
        d2.start()
        with open(PLAN, "rb") as f:
            d2.call("import", {"inspection": INSP}, files=[f.read()])
        d2.call("urge", {"item": 3, "note": "x"}, user=ADMIN)
        eq(d2.all_notices(), {}, "no notices at once")


def main(argv):
    return e2e_runner.main("e2e-acts", [SignOff, Urges, Acknowledge, Notices], argv,
                           needs=("RECTD", "RECTCTL"), setup_failure="once", count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
