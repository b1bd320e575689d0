#!/usr/bin/python3
"""Attacks on the rules that landed with issue 9 (and part of 11), tried by
ONE person alone (an official with one key, a gateway, an insider with the
data directory) against a real rectd: ledger sign, urge / reply /
acknowledge and the notices, decline / withdraw, amend, --parent, --grep,
blob_get / evidence get / dossier, the report, backup / restore and the
directory read.

Each test is named for the attack it tries. A refusal is checked to change
nothing (items, events, chain head, inspections); where docs/SECURITY.md
allows what the attacker does, the test documents the accepted behaviour
and what the record shows of it.

    RECTD=./rectd RECTCTL=./rectctl RECT_TAMPER=build/tools/rect-tamper \\
        /usr/bin/python3 tests/e2e-attack.py [-k TEXT]

Every rectd runs on its own /tmp/rxXXXX (clock file, calendar.timezone
Asia/Shanghai) and is stopped by pid. Ends with "N passed, M failed".
"""

import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import zmq  # noqa: E402

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import PLAN, REPO, RECTD, Daemon  # noqa: E402

TAMPER = os.path.abspath(os.environ.get("RECT_TAMPER")
                         or os.path.join(REPO, "build", "tools", "rect-tamper"))

rawclient.WRITE_COMMANDS = rawclient.WRITE_COMMANDS | {
    "inspection_add", "inspection_update", "inspection_decline", "amend", "ledger_sign",
    "urge", "reply", "acknowledge", "backup"}

INSP = "2025-assessment"
OTHER = "2026-self"
ADMIN = "wangyan"      # admin and verifier, and ledger.reviewer (the sample config's 审核人)
ADMIN2 = "zhanghua"    # leader and admin
LEADER = "lijun"
VERIFIER = "maqing"
VIEWER = "xiaoliu"
DAY1, DAY2, DAY3, DAY4 = "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"

# Text that would run or open something if a page showed it unescaped.
XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>",
       '</td></tr></table><iframe src=javascript:alert(4)>', '<!--', ']]><b>']
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload", "<iframe src=javascript", "onerror=alert(2)>"]


class XDaemon(Daemon):
    """A Daemon on a clock file (local day DAY1), a gateway user "web", PUB."""

    def __init__(self, overrides=None):
        tmp = tempfile.mkdtemp(prefix="rx", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write(DAY1 + "T02:00:00Z\n")
        conf = {"calendar.timezone": "Asia/Shanghai"}
        conf.update(overrides or {})
        super().__init__(conf, tmp=tmp)
        text = self.conf_text.replace(
            '{ name = "xiaoliu";  display = "刘晓"; roles = ["viewer"]; }',
            '{ name = "xiaoliu";  display = "刘晓"; roles = ["viewer"]; },\n'
            '    { name = "web"; display = "网关"; roles = ["gateway"]; }')
        check(text != self.conf_text, "the sample config has xiaoliu's line")
        self.save_conf(text)

    def events(self):
        return rawclient.all_events(self.raw())


class Base:
    stop_label = "rectd stops on SIGTERM with status 0"
    overrides = None

    def setup(self):
        d = self.d = XDaemon(self.overrides)
        self.daemons.append(d)
        d.start()
        d.call("inspection_add", {"name": INSP, "title": "2025年考核评估反馈问题",
                                  "fed_back": {"national": 25, "region": 5, "county": 5}})
        with open(PLAN, "rb") as f:
            eq(d.call("import", {"inspection": INSP}, files=[f.read()])["imported"], 29, "imported")
        self.other = d.call("add", {"ref": "ZC-01", "source": "self", "kind": "immediate",
                                    "title": "另一个检查的事项", "inspection": OTHER, "owner": "liming",
                                    "unit": "cun1", "leader": LEADER, "deadline": "2026-12-31"})["item"]["id"]
        it = d.call("show", {"item": 3})["item"]
        self.owner3, self.leader3 = it["owner"], it["leader"]

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=True, only_running=False)

    # -- helpers --
    def call(self, cmd, args=None, user=ADMIN, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def state(self):
        """What a refusal must leave as it was."""
        return (self.d.snapshot(), self.call("inspection_list"))

    def refused(self, code, cmd, args, user=ADMIN, words=(), files=(), keys=None):
        before = self.state()
        if keys:
            with rawclient.Client(self.d.endpoint, user, keys=keys) as c:
                rep = c.request(cmd, args, files)
        else:
            rep = self.d.request(cmd, args, user=user, files=files)
        if rep["ok"]:
            raise Failure("%s %r as %s succeeded; want %s" % (cmd, args, user, code))
        eq(rep["error"]["code"], code, "%s %r as %s: error code (%s)" % (cmd, args, user, rep["error"]["message"]))
        for w in words:
            check(w in rep["error"]["message"], "%s: message %r should mention %r" % (cmd, rep["error"]["message"], w))
        eq(self.state(), before, "%s refused: nothing changed" % cmd)
        return rep["error"]["message"]

    def people(self, item):
        it = self.call("show", {"item": item})["item"]
        return it["owner"], it["leader"]

    def close_item(self, item, owner, leader, files=(b"photo",), names=("photo.jpg",), note="入户核查"):
        self.call("start", {"item": item}, user=owner)
        self.call("evidence", {"item": item, "note": note, "files": list(names)}, user=owner, files=list(files))
        self.call("verify", {"item": item, "result": "pass", "opinion": "整改到位"}, user=VERIFIER)
        self.call("close", {"item": item, "note": "销号"}, user=leader)

    def head(self):
        return self.call("ping")["head"]

    def audit_ok(self):
        av = self.call("audit_verify")
        check(av["ok"], "audit verify: %r" % av)
        events = self.d.events()
        rawclient.verify_chain(events, self.head())
        listed = {it["id"]: {k: v for k, v in it.items() if k not in rawclient.ITEM_FACTS}
                  for it in self.call("list")["items"]}
        eq(rawclient.rebuild_items(events), listed, "items rebuilt from events")
        rawclient.rebuild_inspections(events)
        return events


# =============================================================================
class SignAttacks(Base):
    """ledger sign: who signs, what head, and a request sent twice."""

    def test_the_reviewer_who_verified_the_items_may_sign_and_the_sign_off_says_who(self):
        # SECURITY.md: ledger_sign is the user named by ledger.reviewer "whatever their roles", or an
        # admin. The sample's reviewer wangyan is also a verifier: she passes item 3 and then signs.
        self.close_item(3, self.owner3, self.leader3)
        ev_pass = [e for e in self.d.events() if e["item"] == 3 and e["action"] == "verify"][-1]
        eq(ev_pass["actor"], VERIFIER, "maqing passed it")
        self.call("start", {"item": 4}, user=self.call("show", {"item": 4})["item"]["owner"])
        owner4 = self.call("show", {"item": 4})["item"]["owner"]
        self.call("evidence", {"item": 4, "note": "材料", "files": ["a.txt"]}, user=owner4, files=[b"a"])
        self.call("verify", {"item": 4, "result": "pass", "opinion": "可以"}, user=ADMIN)
        s = self.call("ledger_sign", {"inspection": INSP, "note": "已审核"}, user=ADMIN)["sign_off"]
        eq(s["by"], ADMIN, "the sign-off names its signer")
        led = self.call("ledger", {"inspection": INSP})
        check(json.dumps(led, ensure_ascii=False).count(ADMIN) >= 1, "the ledger names the signer")
        # the accepted overlap is visible: the signer is also item 4's verifier in the record
        ev4 = [e for e in self.d.events() if e["item"] == 4 and e["action"] == "verify"][-1]
        eq(ev4["actor"], ADMIN, "the record shows who passed item 4")
        self.audit_ok()

    def test_a_leader_or_verifier_or_viewer_who_is_not_the_reviewer_cannot_sign(self):
        for u in (LEADER, VERIFIER, VIEWER, "liming"):
            self.refused("permission_denied", "ledger_sign", {"inspection": INSP}, user=u)

    def test_signing_in_the_reviewers_name_with_another_key_is_refused(self):
        keys = rawclient.keys_for(self.d.endpoint, LEADER)
        msg = self.refused("permission_denied", "ledger_sign", {"inspection": INSP}, user=ADMIN, keys=keys)
        check("connected as lijun" in msg, "names the key's user: %r" % msg)

    def test_a_head_from_the_future_or_the_past_or_garbage_is_refused(self):
        past = self.head()["hash"]
        self.call("start", {"item": 6}, user=self.people(6)[0])
        future = hashlib.sha256(b"a head rectd never had").hexdigest()
        for h in (past, future, past[:32], "zz" * 32, past.upper()[:63] + "g", "0" * 64):
            self.refused("bad_value", "ledger_sign", {"inspection": INSP, "head": h})
        # the current head, in capitals, is the same head
        now = self.head()["hash"]
        s = self.call("ledger_sign", {"inspection": INSP, "head": now.upper()})["sign_off"]
        eq(s["head"]["hash"], now, "signed the head it was shown")

    def test_a_sign_without_head_covers_what_changed_since_the_reviewer_looked(self):
        # Documented (SECURITY.md): head is optional, and without it the sign-off covers the record as
        # it is when rectd receives it. A change slipped in between the reviewer's look and the sign is
        # then inside the sign-off; with --head (what rectctl ledger sign --head passes) it is refused.
        seen_hash = self.head()["hash"]  # the head of the ledger the reviewer checked
        self.call("amend", {"item": 7, "title": "悄悄改过", "reason": "插在审核和签字之间"})
        self.refused("bad_value", "ledger_sign", {"inspection": INSP, "head": seen_hash}, words=["has changed"])
        now = self.head()["hash"]
        s = self.call("ledger_sign", {"inspection": INSP})["sign_off"]
        eq(s["head"]["hash"], now, "without head: signed the head as it was at the sign, amend included")
        so = self.call("ledger", {"inspection": INSP})["sign_off"]
        eq(so["changed"], False, "the amend is inside this sign-off: nothing shows as changed since")

    def test_a_sign_request_sent_twice_is_applied_once(self):
        with self.d.raw(ADMIN) as c:
            req = c.envelope("ledger_sign", {"inspection": INSP, "note": "一次"})
            frame = json.dumps(req, ensure_ascii=False).encode()
            r1 = rawclient.parse_reply(c.send_raw(frame))
            n = self.call("ping")["events"]
            r2 = rawclient.parse_reply(c.send_raw(frame))
        check(r1["ok"], "first: %r" % r1)
        eq(r2, r1, "the second answer is the first one, replayed")
        eq(self.call("ping")["events"], n, "no second sign event")

    def test_a_sign_off_for_another_inspection_does_not_cover_this_one(self):
        mine = self.call("ledger_sign", {"inspection": INSP})["sign_off"]
        s = self.call("ledger_sign", {"inspection": OTHER})["sign_off"]
        eq(s["inspection"], OTHER, "signed OTHER")
        so = self.call("ledger", {"inspection": INSP}).get("sign_off")
        eq((so["seq"], so["changed"]), (mine["seq"], False),
           "INSP's ledger keeps its own sign-off, unchanged by OTHER's sign and sign-off")

    def test_amend_after_the_sign_off_shows_as_changed_since(self):
        self.call("ledger_sign", {"inspection": INSP})
        self.call("amend", {"item": 3, "title": "改过的标题", "reason": "措辞"}, user=ADMIN)
        led = self.call("ledger", {"inspection": INSP})
        text = json.dumps(led.get("sign_off"), ensure_ascii=False)
        so = led["sign_off"]
        check(so["changed"] and 3 in so["changes"]["items"], "the sign-off says item 3 changed since: %s" % text)


# =============================================================================
class ActAttacks(Base):
    """urge, reply, acknowledge: looking diligent, answering for another."""

    def test_the_owner_cannot_urge_their_own_item_to_look_diligent_even_as_admin(self):
        # zhanghua (leader and admin) takes an item as its owner, then urges it
        it = self.call("show", {"item": 5})["item"]
        self.call("assign", {"item": 5, "owner": ADMIN2, "unit": it["unit"], "leader": it["leader"],
                             "deadline": it["deadline"]}, user=ADMIN)
        it = self.call("show", {"item": 5})["item"]
        eq(it["owner"], ADMIN2, "owner now")
        self.refused("permission_denied", "urge", {"item": 5, "note": "自己督办自己"}, user=ADMIN2)

    def test_another_leader_cannot_urge_an_item_not_theirs(self):
        other_leader = "chenmei" if self.leader3 != "chenmei" else LEADER
        self.refused("permission_denied", "urge", {"item": 3, "note": "多督办几次"}, user=other_leader)

    def test_an_admin_cannot_reply_in_the_owners_name_nor_acknowledge_for_them(self):
        self.call("urge", {"item": 3, "note": "请加快"}, user=self.leader3)
        self.refused("permission_denied", "reply", {"item": 3, "note": "已办"}, user=ADMIN)
        self.refused("permission_denied", "acknowledge", {"item": 3}, user=ADMIN)
        self.refused("permission_denied", "reply", {"item": 3, "note": "已办"}, user=self.leader3)

    def test_a_gateway_acknowledges_only_as_the_owner_and_the_event_records_it(self):
        web = rawclient.keys_for(self.d.endpoint, "web")
        self.refused("permission_denied", "acknowledge", {"item": 3}, user="liming" if self.owner3 != "liming"
                     else "zhaoli", keys=web)
        self.refused("permission_denied", "acknowledge", {"item": 3}, user="web", keys=web)
        with rawclient.Client(self.d.endpoint, self.owner3, keys=web) as c:
            c.call("acknowledge", {"item": 3, "note": "网关代签"})
        ev = self.d.events()[-1]
        eq((ev["action"], ev["actor"], ev.get("via")), ("acknowledge", self.owner3, "web"),
           "SECURITY.md: a gateway may act for any official; the event says so")
        # the second 签收 of the same assignment is refused, through the gateway or not
        self.refused("invalid_transition", "acknowledge", {"item": 3}, user=self.owner3)

    def test_urges_change_no_ones_duties(self):
        # an owner urged many times still cannot pass their own work, a leader who urged cannot verify
        was = self.call("show", {"item": 3})["item"]["escalations"]
        for i in range(3):
            self.call("urge", {"item": 3, "note": "第%d次" % (i + 1)}, user=self.leader3)
        self.call("start", {"item": 3}, user=self.owner3)
        self.call("evidence", {"item": 3, "note": "x", "files": ["x.txt"]}, user=self.owner3, files=[b"x"])
        self.refused("permission_denied", "verify", {"item": 3, "result": "pass", "opinion": "好"},
                     user=self.leader3)
        eq(self.call("show", {"item": 3})["item"]["escalations"], was + 3, "督办次数 counts every urge")

    def test_notices_on_pub_are_one_broadcast_every_user_may_subscribe_to(self):
        # Documented (SECURITY.md "Notices"): PUB topics are user names and ZeroMQ filters by
        # prefix, so any configured key can read every notice; a notice carries only what that
        # user could read with show and history anyway. A key that is no user's gets nothing.
        ep = self.d.cfg["notify"]["pub_endpoint"]
        ctx = zmq.Context.instance()
        spy = ctx.socket(zmq.SUB)
        spy.setsockopt(zmq.LINGER, 0)
        rawclient.secure(spy, rawclient.keys_for(ep, VIEWER))
        spy.setsockopt(zmq.SUBSCRIBE, b"")
        spy.connect(ep)
        stranger = ctx.socket(zmq.SUB)
        stranger.setsockopt(zmq.LINGER, 0)
        pub, sec = zmq.curve_keypair()
        rawclient.secure(stranger, (rawclient.keys_for(ep, VIEWER)[0], pub.decode(), sec.decode()))
        stranger.setsockopt(zmq.SUBSCRIBE, b"")
        stranger.connect(ep)
        try:
            import time
            time.sleep(1.0)  # the subscriptions reach rectd
            self.call("urge", {"item": 3, "note": "督办内容"}, user=self.leader3)
            got = []
            while spy.poll(3000, zmq.POLLIN):
                got.append(spy.recv_multipart())
                if any(f[0] == self.owner3.encode() for f in got):
                    break
            check(any(f[0] == self.owner3.encode() for f in got),
                  "the viewer's key sees the owner's notice (documented): %r" % got)
            eq(stranger.poll(1500, zmq.POLLIN), 0, "a key that is no user's gets nothing")
        finally:
            spy.close(0)
            stranger.close(0)


# =============================================================================
class RecordAttacks(Base):
    """amend, decline / withdraw, parent, grep."""

    def test_amend_after_close_keeps_the_old_text_in_history_and_in_ledgers_as_of_before(self):
        self.close_item(3, self.owner3, self.leader3)
        old = self.call("show", {"item": 3})["item"]["title"]
        self.d.set_clock(DAY2 + "T02:00:00Z")
        self.call("amend", {"item": 3, "title": "一个无关紧要的问题", "description": "",
                            "reason": "规范表述"}, user=ADMIN)
        eq(self.call("show", {"item": 3})["item"]["title"], "一个无关紧要的问题", "amended")
        ev = self.d.events()[-1]
        eq(ev["action"], "amend", "an amend event")
        check(old in json.dumps(ev["changes"], ensure_ascii=False), "the event keeps the old title: %r" % ev)
        before = self.call("ledger", {"inspection": INSP, "as_of": DAY1})
        row = [r for r in before["rows"] if r["id"] == 3 or r.get("item") == 3 or r.get("ref") == "GJ-03"][0]
        check(old in json.dumps(row, ensure_ascii=False), "the ledger as of DAY1 shows the old title")
        self.audit_ok()

    def test_the_owner_or_a_leader_cannot_amend_what_the_problem_says(self):
        for u in (self.owner3, self.leader3, VERIFIER, VIEWER):
            self.refused("permission_denied", "amend", {"item": 3, "title": "没问题", "reason": "r"}, user=u)

    def test_amend_cannot_move_an_item_to_another_parent_owner_or_state(self):
        for k, v in (("parent", 1), ("owner", "liming"), ("state", "closed"), ("inspection", OTHER),
                     ("ref", "GJ-99"), ("deadline", "2030-01-01")):
            self.refused("unknown_field", "amend", {"item": 3, k: v, "reason": "r"})

    def test_amend_with_a_blank_reason_or_control_characters_is_refused(self):
        self.refused("missing_field", "amend", {"item": 3, "title": "新", "reason": " \t\n"})
        self.refused("bad_value", "amend", {"item": 3, "title": "新\u0007", "reason": "r"})
        self.refused("bad_value", "amend", {"item": 3, "title": "一\n二", "reason": "r"})
        self.refused("missing_field", "amend", {"item": 3, "title": "  ", "reason": "r"})

    def test_decline_then_withdraw_every_as_of_ledger_and_report_keeps_its_day(self):
        base = self.call("ledger", {"inspection": INSP})
        self.d.set_clock(DAY2 + "T02:00:00Z")
        self.call("inspection_decline", {"name": INSP, "source": "national", "title": "不存在的问题",
                                         "reason": "本镇无此任务"})
        self.d.set_clock(DAY3 + "T02:00:00Z")
        self.call("inspection_decline", {"name": INSP, "withdraw": 1, "reason": "核实后应认领"})
        l1 = self.call("ledger", {"inspection": INSP, "as_of": DAY1})
        l2 = self.call("ledger", {"inspection": INSP, "as_of": DAY2})
        l3 = self.call("ledger", {"inspection": INSP, "as_of": DAY3})
        eq(len(l1.get("declined") or []), 0, "as of DAY1: none declined")
        eq(len(l2.get("declined") or []), 1, "as of DAY2: the decline")
        eq(len(l3.get("declined") or []), 0, "as of DAY3: withdrawn")
        eq(l3.get("summary"), base.get("summary"), "withdrawn: the summary is as before the decline")
        r2 = self.call("report", {"inspection": INSP, "as_of": DAY2})
        r3 = self.call("report", {"inspection": INSP, "as_of": DAY3})
        check(json.dumps(r2, ensure_ascii=False) != json.dumps(r3, ensure_ascii=False),
              "the report as of DAY2 differs from DAY3")
        acts = [e["action"] for e in self.d.events() if e["item"] == 0]
        check("inspection_decline" in acts and "withdraw_decline" in acts or len(acts) >= 3,
              "both acts are in the record: %r" % acts)
        self.audit_ok()

    def test_declining_a_problem_that_is_claimed_as_an_item_is_refused(self):
        # the record would say the problem was claimed and not claimed, and fed back would count it twice
        it = self.call("show", {"item": 3})["item"]
        self.refused("bad_value", "inspection_decline", {"name": INSP, "source": it["source"], "title": it["title"],
                                                         "reason": "不认领"}, words=["claimed as", it["ref"]])
        # the same problem through an import's 认领 = 否 row: the whole import is refused
        csv = "编号,问题来源,整改类型,问题,关联问题,认领,不认领原因\n,%s,,%s,,否,不认领\n" % (it["source"], it["title"])
        self.refused("bad_import", "import", {"inspection": INSP}, files=[csv.encode("utf-8")], words=["claimed as"])
        # a claimed problem of another inspection does not stand in the way
        o = self.call("show", {"item": self.other})["item"]
        self.call("inspection_decline", {"name": INSP, "source": o["source"], "title": o["title"], "reason": "本检查无此项"})

    def test_claiming_a_problem_recorded_as_not_claimed_is_refused_until_it_is_withdrawn(self):
        title = "曾经不认领的问题"
        self.call("inspection_decline", {"name": INSP, "source": "county", "title": title, "reason": "无此任务"})
        n = len([i for i in self.call("inspection_list")["inspections"] if i["name"] == INSP][0]["declined"])
        new = {"ref": "XJ-99", "source": "county", "kind": "immediate", "title": title, "inspection": INSP}
        self.refused("bad_value", "add", new, words=["as not claimed", "--withdraw %d" % n])
        csv = "编号,问题来源,整改类型,问题,关联问题,认领,不认领原因\nXJ-98,county,immediate,%s,,是,\n" % title
        self.refused("bad_value", "import", {"inspection": INSP}, files=[csv.encode("utf-8")], words=["line 2", "as not claimed"])
        # another source's problem of the same title, or another inspection, is another problem
        self.call("add", dict(new, source="region"))
        self.call("add", dict(new, inspection=OTHER))
        # nor by amending a claimed item of that source to the declined title
        county = [it for it in self.call("list")["items"] if it["source"] == "county" and it["inspection"] == INSP][0]
        self.refused("bad_value", "amend", {"item": county["id"], "title": title, "reason": "改名"},
                     words=["as not claimed"])
        self.call("inspection_decline", {"name": INSP, "withdraw": n, "reason": "核实后认领"})
        eq(self.call("add", dict(new, ref="XJ-97"))["item"]["title"], title, "claimed once withdrawn")

    def test_a_parent_on_any_source_counts_as_self_found_and_the_claim_records_who_linked_it(self):
        # Accepted (PROTOCOL.md add, import's 关联问题): any claimed item may name the problem it was found
        # from, and every item with a parent counts as 举一反三 (summary.self_found). Linking is an admin's
        # claim; the claim event names who and when, and ledger rows show parent_ref.
        was = self.call("ledger", {"inspection": INSP})["summary"].get("self_found", 0)
        x = self.call("add", {"ref": "GJ-90", "source": "national", "kind": "immediate", "title": "由GJ-03延伸",
                              "inspection": INSP, "parent": 3})["item"]
        ev = [e for e in self.d.events() if e["item"] == x["id"] and e["action"] == "claim"][0]
        eq((ev["actor"], ev["changes"]["parent"]), (ADMIN, [None, 3]), "the claim records who linked it")
        led = self.call("ledger", {"inspection": INSP})
        eq(led["summary"].get("self_found"), was + 1, "counted as self-found")
        row = [r for r in led["rows"] if r["ref"] == "GJ-90"][0]
        eq(row.get("parent_ref"), "GJ-03", "the row names its parent")

    def test_a_leader_or_viewer_cannot_decline_or_withdraw(self):
        for u in (LEADER, VIEWER, self.owner3, VERIFIER):
            self.refused("permission_denied", "inspection_decline",
                         {"name": INSP, "source": "national", "title": "t", "reason": "r"}, user=u)

    def test_withdraw_numbers_out_of_range_are_refused(self):
        self.call("inspection_decline", {"name": INSP, "source": "national", "title": "t", "reason": "r"})
        have = len([i for i in self.call("inspection_list")["inspections"] if i["name"] == INSP][0]["declined"])
        for n in (0, -1, have + 1, 2 ** 31, 2 ** 63 - 1, -2 ** 63):
            self.refused("bad_value", "inspection_decline", {"name": INSP, "withdraw": n, "reason": "r"})

    def test_a_parent_in_another_inspection_or_missing_or_itself_is_refused(self):
        base = {"ref": "ZC-09", "source": "self", "kind": "immediate", "title": "举一反三", "inspection": INSP,
                "owner": "liming", "unit": "cun1", "leader": LEADER, "deadline": "2026-12-31"}
        # a parent in another inspection is allowed by design (PROTOCOL.md add: INSPECTION/REF):
        # a problem found again from an earlier inspection's one; show names it
        x = self.call("add", dict(base, ref="ZC-08", parent=self.other))["item"]
        eq(x["parent"], self.other, "cross-inspection parent recorded")
        eq(self.call("show", {"item": x["id"]})["parent"]["id"] if "parent" in self.call("show", {"item": x["id"]})
           else self.call("show", {"item": x["id"]})["item"]["parent"], self.other, "show names it")
        for p in (999999, 0, -1, 2 ** 63 - 1):
            try:
                self.refused("not_found", "add", dict(base, parent=p))
            except Failure:
                self.refused("bad_value", "add", dict(base, parent=p))
        self.refused("bad_value", "add", dict(base, parent="ZC-09"), words=["its own parent"])
        self.refused("bad_value", "add", dict(base, parent=INSP + "/ZC-09"), words=["its own parent"])

    def test_a_parent_cycle_cannot_be_made(self):
        # parent is given only at add (to an existing item), and amend takes no parent: no cycle
        base = {"source": "self", "kind": "immediate", "inspection": INSP, "owner": "liming", "unit": "cun1",
                "leader": LEADER, "deadline": "2026-12-31"}
        a = self.call("add", dict(base, ref="ZC-10", title="子", parent=3))["item"]
        b = self.call("add", dict(base, ref="ZC-11", title="孙", parent=a["id"]))["item"]
        self.refused("unknown_field", "amend", {"item": 3, "parent": b["id"], "reason": "环"})
        eq(self.call("show", {"item": 3})["item"].get("parent"), None, "item 3 has no parent")

    def test_grep_with_pathological_patterns_is_answered_or_refused_cleanly(self):
        n = len(self.call("list")["items"])
        eq(self.call("list", {"grep": "档" * 20000})["items"], [], "a 60 KB pattern: no match")
        eq(self.call("list", {"grep": "%s%n%x"})["items"], [], "format directives: no match")
        eq(len(self.call("list", {"grep": "GJ"})["items"]) <= n, True, "a plain pattern")
        self.refused("bad_request", "list", {"grep": "a\u0000b"})
        self.refused("bad_value", "list", {"grep": "x" * 70000})
        # invalid UTF-8 in the request bytes: a clear error, rectd still serves
        with self.d.raw(ADMIN) as c:
            raw = b'{"v":1,"cmd":"list","user":"wangyan","args":{"grep":"\xff\xfe"}}'
            rep = rawclient.parse_reply(c.send_raw(raw))
        check(not rep["ok"], "invalid UTF-8 refused: %r" % rep)
        eq(len(self.call("list")["items"]), n, "still serving")


# =============================================================================
class EvidenceAttacks(Base):
    """blob_get, evidence get, dossier: reading what is not yours, offsets, hostile names, HTML."""

    def setup(self):
        super().setup()
        d = self.d
        self.owner8 = d.call("show", {"item": 8})["item"]["owner"]
        d.call("start", {"item": 8}, user=self.owner8)
        self.names = ["../../escape.txt", "..\\..\\win.txt", "/etc/passwd", "a/../../b.txt", ".bashrc",
                      XSS[1] + ".png", "ok.txt"]
        self.data = [b"escape", b"win", b"passwd", b"ab", b"rc", b"xss", b"ok"]
        d.call("evidence", {"item": 8, "note": XSS[0], "files": self.names}, files=self.data, user=self.owner8)
        self.sha = [hashlib.sha256(b).hexdigest() for b in self.data]
        self.close_item(3, self.owner3, self.leader3, files=[b"three"], names=["three.txt"], note=XSS[2])
        self.out = tempfile.mkdtemp(prefix="out", dir=d.tmp)

    def blob(self, item, h, user=ADMIN, **extra):
        args = dict({"item": item, "sha256": h}, **extra)
        with self.d.raw(user) as c:
            frames = c.send_frames([json.dumps(c.envelope("blob_get", args)).encode()])
        return json.loads(frames[0]), frames[1:]

    def test_blob_get_of_another_items_file_by_its_hash_is_not_found(self):
        rep, _ = self.blob(3, self.sha[0])
        eq(rep["error"]["code"], "not_found", "item 8's file through item 3")
        rep, _ = self.blob(self.other, self.sha[0])
        eq(rep["error"]["code"], "not_found", "through another inspection's item")

    def test_blob_get_offsets_past_the_end_negative_and_huge_lengths(self):
        h, size = self.sha[6], len(self.data[6])
        rep, frames = self.blob(8, h, offset=size)
        check(rep["ok"] and frames == [b""], "offset at the end: an empty chunk: %r" % rep)
        for extra, code in (({"offset": size + 1}, "bad_value"), ({"offset": -1}, "bad_value"),
                            ({"offset": 2 ** 63 - 1}, "bad_value"), ({"offset": -2 ** 63}, "bad_value"),
                            ({"length": 0}, "bad_value"), ({"length": -1}, "bad_value"),
                            ({"length": 2 ** 63 - 1}, "bad_value"), ({"length": (1 << 20) + 1}, "bad_value"),
                            ({"offset": 1.5}, "bad_type"), ({"offset": "1"}, "bad_type"),
                            ({"offset": 2 ** 64}, None)):
            rep, frames = self.blob(8, h, **extra)
            check(not rep["ok"], "%r refused: %r" % (extra, rep))
            if code:
                eq(rep["error"]["code"], code, "%r: %s" % (extra, rep["error"]["message"]))
            eq(frames, [], "%r: no data frame" % (extra,))
        rep, frames = self.blob(8, h, offset=size - 1, length=1 << 20)
        eq((rep["ok"], frames), (True, [self.data[6][-1:]]), "the last byte, a long length clipped")

    def test_blob_get_by_a_key_that_is_no_users_gets_no_reply(self):
        pub, sec = zmq.curve_keypair()
        keys = (rawclient.keys_for(self.d.endpoint, ADMIN)[0], pub.decode(), sec.decode())
        with rawclient.Client(self.d.endpoint, ADMIN, keys=keys, timeout_ms=1500) as c:
            try:
                c.call("blob_get", {"item": 8, "sha256": self.sha[6]})
            except rawclient.NoReply:
                return
        raise Failure("a stranger's key got an answer")

    def test_every_configured_user_may_read_every_items_files_as_show(self):
        # SECURITY.md: every configured user may read every item (as show), so every one may open its files
        for u in (VIEWER, "liming", VERIFIER):
            rep, frames = self.blob(8, self.sha[6], user=u)
            eq((rep["ok"], frames), (True, [b"ok"]), "%s reads item 8's file" % u)
            eq(self.call("dossier", {"item": 8}, user=u)["items"][0]["item"]["id"], 8, "%s's dossier" % u)

    def test_evidence_get_never_writes_outside_the_folder(self):
        dest = os.path.join(self.out, "get")
        os.makedirs(dest)
        r = self.d.ctl("evidence", "get", "8", "-o", dest, user=ADMIN, json_out=False)
        eq(r.rc, 0, "evidence get: %s" % r.err)
        for root, dirs, files in os.walk(self.out):
            for f in files:
                p = os.path.realpath(os.path.join(root, f))
                check(p.startswith(os.path.realpath(dest) + os.sep), "written inside the folder: %s" % p)
        made = sorted(os.listdir(dest))
        eq(len(made), len(self.names), "one file per name: %r" % made)
        for m in made:
            check(not m.startswith(".") and "/" not in m and "\\" not in m, "a safe name: %r" % m)
        check(not os.path.exists(os.path.join(os.path.dirname(self.out), "escape.txt")), "no escape")

    def test_the_dossier_zip_has_no_name_that_climbs_out(self):
        z = os.path.join(self.out, "d.zip")
        r = self.d.ctl("dossier", "8", "-o", z, user=ADMIN, json_out=False)
        eq(r.rc, 0, "dossier zip: %s" % r.err)
        with zipfile.ZipFile(z) as zf:
            names = zf.namelist()
            for n in names:
                parts = n.split("/")
                check(not n.startswith("/") and ".." not in parts and "\\" not in n and
                      not any(p.startswith(".") for p in parts), "a safe name in the zip: %r" % n)
            eq(len([n for n in names if "/seq-" in n]), len(self.names), "every file in the zip: %r" % names)
            dest = os.path.join(self.out, "unz")
            zf.extractall(dest)
        for root, dirs, files in os.walk(self.out):
            for f in files:
                p = os.path.realpath(os.path.join(root, f))
                check(p.startswith(os.path.realpath(self.out) + os.sep), "extracted inside: %s" % p)

    def test_file_names_that_collide_once_made_safe_never_hide_a_file_in_the_zip(self):
        # "a/b" and "a_b" are both a_b once made safe; the second becomes 2-a_b, so a third file named
        # "2-a_b" must not take (and silently replace) that place in the zip
        owner = self.people(10)[0]
        self.call("start", {"item": 10}, user=owner)
        names, data = ["a/b", "a_b", "2-a_b", "a\\b"], [b"first", b"second", b"third", b"fourth"]
        self.call("evidence", {"item": 10, "note": "同名", "files": names}, user=owner, files=data)
        z = os.path.join(self.out, "collide.zip")
        r = self.d.ctl("dossier", "10", "-o", z, user=ADMIN, json_out=False)
        eq(r.rc, 0, "dossier zip: %s" % r.err)
        with zipfile.ZipFile(z) as zf:
            got = sorted(zf.read(n) for n in zf.namelist() if "/seq-" in n)
        eq(got, sorted(data), "every file in the zip, each once")

    def test_html_in_every_text_field_is_shown_as_text_in_dossier_report_and_ledger(self):
        d = self.d
        self.call("inspection_add", {"name": "x-insp", "title": XSS[3]})
        self.call("inspection_decline", {"name": INSP, "source": "national", "title": XSS[0], "reason": XSS[1]})
        self.call("amend", {"item": 8, "title": XSS[1], "description": XSS[3], "measures": XSS[2],
                            "reason": XSS[4]})
        self.call("urge", {"item": 8, "note": XSS[5]}, user=self.call("show", {"item": 8})["item"]["leader"])
        self.call("reply", {"item": 8, "note": XSS[0]}, user=self.owner8)
        self.call("ledger_sign", {"inspection": INSP, "note": XSS[1]})
        pages = {}
        for what, args in (("dossier8", ["dossier", "8", "--format", "html"]),
                           ("dossier-insp", ["dossier", "--inspection", INSP, "--format", "html"]),
                           ("report", ["report", "--inspection", INSP, "--format", "html"]),
                           ("ledger", ["ledger", "--inspection", INSP, "--format", "html"])):
            path = os.path.join(self.out, what + ".html")
            r = d.ctl(*(args + ["-o", path]), user=ADMIN, json_out=False)
            if r.rc != 0:
                r = d.ctl(*(args[:-2] + ["-o", path]), user=ADMIN, json_out=False)
            eq(r.rc, 0, "%s: %s" % (what, r.err))
            with open(path, encoding="utf-8") as f:
                pages[what] = f.read()
        for what, html in pages.items():
            for m in RAW_MARKERS:
                check(m not in html, "%s shows %r unescaped" % (what, m))
            check("&lt;" in html, "%s holds escaped text" % what)
        check("&lt;script&gt;" in pages["dossier8"], "the dossier shows the note as text")


    def test_links_planted_under_guessed_temporary_names_never_redirect_an_output(self):
        # rectctl writes -o FILE through a temporary file beside it. With a name an attacker can guess
        # (FILE.tmpPID) and fopen, links planted for the next pids in a shared folder made rectctl
        # overwrite the link's target (any file of the user who ran it) and leave FILE a link to it.
        shared = os.path.join(self.out, "shared")
        os.makedirs(shared)
        victim = os.path.join(self.out, "victim.txt")
        with open(victim, "w") as f:
            f.write("the user's own file\n")
        try:
            with open("/proc/sys/kernel/ns_last_pid") as f:
                last = int(f.read())
        except OSError:
            last = os.getpid()
        runs = (("ledger.html", ["ledger", "--inspection", INSP, "--format", "html"]),
                ("report.md", ["report", "--inspection", INSP]),
                ("dossier.html", ["dossier", "8", "--format", "html"]),
                ("ledger.xlsx", ["ledger", "--inspection", INSP]),
                ("d.zip", ["dossier", "8"]))
        for name, _ in runs:
            for pid in range(last + 1, last + 3000):
                os.symlink(victim, os.path.join(shared, "%s.tmp%d" % (name, pid)))
        for name, args in runs:
            out = os.path.join(shared, name)
            r = self.d.ctl(*(args + ["-o", out]), user=ADMIN, json_out=False)
            eq(r.rc, 0, "%s: %s" % (name, r.err))
            check(not os.path.islink(out) and os.path.getsize(out) > 0, "%s is a file of its own" % name)
            with open(victim) as f:
                eq(f.read(), "the user's own file\n", "%s: the link's target untouched" % name)


# =============================================================================
class BackupAttacks(Base):
    """backup PATH tricks; restore of a foreign or forged copy."""

    def backup_refused(self, path, words=()):
        return self.refused("bad_value", "backup", {"path": path}, words=words)

    def test_backup_to_a_fifo_a_symlink_proc_or_dev_is_refused(self):
        t = self.d.tmp
        fifo = os.path.join(t, "fifo")
        os.mkfifo(fifo)
        self.backup_refused(fifo, ["not a folder"])
        empty = os.path.join(t, "empty")
        os.mkdir(empty)
        link = os.path.join(t, "link")
        os.symlink(empty, link)
        self.backup_refused(link, ["not a folder"])
        os.symlink(self.d.data_dir, os.path.join(t, "tod"))
        self.backup_refused(os.path.join(t, "tod", "new"), ["inside data_dir"])
        # Through rectd's own cwd: as many ".." as its cwd is deep reach "/"
        # (the test must not assume where the checkout lives).
        cwd = os.readlink("/proc/%d/cwd" % self.d.proc.pid)
        up = "../" * len([c for c in cwd.split("/") if c])
        self.backup_refused("/proc/self/cwd/" + up + self.d.data_dir.lstrip("/") + "/x", ["inside data_dir"])
        self.backup_refused("/proc/self/root" + self.d.data_dir + "/x", ["inside data_dir"])
        self.backup_refused("/dev/null")
        self.backup_refused("/proc/self/fd/0")
        self.backup_refused(self.d.data_dir + "/../data/.", ["inside data_dir"])
        eq(os.listdir(empty), [], "nothing written through the link")

    def test_a_backup_folder_swapped_for_a_link_after_the_check_never_writes_elsewhere(self):
        # Someone who may write in PATH's parent renames the folder rectd just checked (or made) and puts
        # a symbolic link to another folder in its place while the copy is written: rectd must write,
        # verify and remove only in the folder it checked (docs/SECURITY.md "Backups"), never in the
        # link's target. The target holds a data.mdb that is not a database (a stand-in for data_dir's):
        # verifying that one fails, and a backup that then removed "PATH/data.mdb" removed it. A large
        # file makes the copy last long enough for the swap to land during it. Bounded: 20 tries.
        import threading
        import time
        parent = os.path.join(self.d.tmp, "race")
        elsewhere = os.path.join(self.d.tmp, "elsewhere")
        os.makedirs(parent)
        os.makedirs(elsewhere)
        victim = os.path.join(elsewhere, "data.mdb")
        with open(victim, "wb") as f:
            f.write(b"the other folder's own file")
        owner9 = self.people(9)[0]
        self.call("start", {"item": 9}, user=owner9)
        big = os.urandom(12 << 20)
        self.call("evidence", {"item": 9, "note": "大文件", "files": ["big.bin"]}, user=owner9, files=[big])
        results = []
        for i in range(20):
            path = os.path.join(parent, "b%d" % i)
            done = threading.Event()

            def swap():
                t0 = time.monotonic()
                while not done.is_set() and time.monotonic() - t0 < 5:
                    try:
                        if stat.S_ISDIR(os.lstat(path).st_mode):
                            os.rename(path, path + ".moved")
                            os.symlink(elsewhere, path)
                            return
                    except OSError:
                        pass
            th = threading.Thread(target=swap)
            th.start()
            rep = self.d.request("backup", {"path": path}, user=ADMIN)
            done.set()
            th.join()
            results.append(rep["ok"] or rep["error"]["code"])
            eq(os.listdir(elsewhere), ["data.mdb"], "try %d: nothing written through the link (%r)" % (i, rep))
            with open(victim, "rb") as f:
                eq(f.read(), b"the other folder's own file", "try %d: the file there untouched (%r)" % (i, rep))
            if os.path.islink(path):
                os.unlink(path)
        check(os.path.exists(os.path.join(self.d.data_dir, "data.mdb")), "the live database is in place")
        check(all(r is True or r in ("bad_value", "internal") for r in results), "answers: %r" % results)
        self.audit_ok()

    def test_a_non_admin_cannot_back_up(self):
        for u in (ADMIN2 and LEADER, VIEWER, VERIFIER):
            self.refused("permission_denied", "backup", {"path": os.path.join(self.d.tmp, "b-" + u)}, user=u)
            check(not os.path.exists(os.path.join(self.d.tmp, "b-" + u)), "no folder made")

    def test_the_backup_file_is_rectds_own_and_closed_to_others(self):
        dest = os.path.join(self.d.tmp, "bk")
        r = self.call("backup", {"path": dest})
        st = os.stat(r["file"])
        eq(stat.S_IMODE(st.st_mode), 0o600, "the copy is 0600")
        eq(stat.S_IMODE(os.stat(dest).st_mode), 0o700, "its folder 0700")

    def test_restoring_a_copy_made_by_another_rectd_is_caught_by_the_anchor(self):
        # An insider restores a copy from another rectd (its own key, its own history): rectd --restore
        # takes any copy whose chain verifies (SECURITY.md "Backups"); the county's anchor catches it.
        anchor = self.call("audit_anchor")
        other = XDaemon()
        self.daemons.append(other)
        other.start()
        other.call("add", {"ref": "FAKE-1", "source": "self", "kind": "immediate", "title": "另一台的记录",
                           "inspection": INSP, "owner": "liming", "unit": "cun1", "leader": LEADER,
                           "deadline": "2026-12-31"})
        dest = os.path.join(other.tmp, "copy")
        other.call("backup", {"path": dest})
        other.stop()
        self.d.stop()
        p = subprocess.run([RECTD, "--restore", dest, "--force", "-c", self.d.conf],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        eq(p.returncode, 0, "restore of a verifying copy: %s" % p.stderr.decode())
        self.d.start()
        v = self.call("audit_verify")
        check(v["ok"], "the foreign copy verifies on its own: %r" % v)
        v = self.call("audit_verify", {"anchor": anchor["anchor"] if "anchor" in anchor else anchor})
        check(not v["ok"] and "anchor" in json.dumps(v), "the anchor kept before catches the foreign record: %r" % v)


# =============================================================================
class ForgedRestore(Base):
    """An insider forges a copy: every hash re-chained."""

    def test_restoring_a_copy_with_a_forged_consistent_chain_is_caught_by_the_anchor(self):
        self.close_item(3, self.owner3, self.leader3)
        anchor = self.call("audit_anchor")
        close = [e for e in self.d.events() if e["item"] == 3 and e["action"] == "close"][-1]
        dest = os.path.join(self.d.tmp, "good")
        self.call("backup", {"path": dest})
        self.d.stop()
        # the insider rewrites who struck it off in the copy, with every later hash re-chained
        # (the comment only: the stored item agrees with the replay, so the copy verifies as a whole)
        p = subprocess.run([TAMPER, dest, "rewrite", str(close["seq"]), json.dumps({"comment": "另写的销号意见"},
                                                                                     ensure_ascii=False)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            self.d.start()
            raise e2e_runner.Skip("rect-tamper cannot rewrite a copy: %s" % p.stderr.decode()[-300:])
        r = subprocess.run([RECTD, "--restore", dest, "--force", "-c", self.d.conf],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        self.d.start()
        eq(r.returncode, 0, "a re-chained copy verifies and is restored (SECURITY.md): %s" % r.stderr.decode())
        ev = [e for e in self.d.events() if e["seq"] == close["seq"]][0]
        eq(ev["comment"], "另写的销号意见", "the forged copy is what rectd now serves")
        check(self.call("audit_verify")["ok"], "the chain alone cannot tell")
        v = self.call("audit_verify", {"anchor": anchor["anchor"] if "anchor" in anchor else anchor})
        check(not v["ok"] and "rewritten" in json.dumps(v, ensure_ascii=False), "the anchor catches the forged copy: %r" % v)


# =============================================================================
class ConfigAttacks:
    """A config others may write decides whose keys are trusted: refused, for rectd and rectctl."""

    def setup(self):
        self.d = XDaemon()
        self.daemons.append(self.d)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=True, only_running=False)

    def test_rectd_refuses_a_config_others_may_write(self):
        import grp
        # group-writable is fine for the owner's private group (a umask 002 checkout), not for a group
        # others are in
        os.chmod(self.d.conf, 0o664)
        p = subprocess.run([RECTD, "--check", "-c", self.d.conf], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        st = os.stat(self.d.conf)
        import pwd
        private = (pwd.getpwuid(st.st_uid).pw_gid == st.st_gid
                   and grp.getgrgid(st.st_gid).gr_name == pwd.getpwuid(st.st_uid).pw_name
                   and not grp.getgrgid(st.st_gid).gr_mem)
        eq(p.returncode == 0, private, "0664 in the owner's private group only: %s" % p.stderr.decode())
        modes = [0o646, 0o666]
        try:
            os.chown(self.d.conf, -1, grp.getgrnam("nogroup").gr_gid)
            modes.append(0o664)
        except (KeyError, PermissionError):
            pass
        for mode in modes:
            os.chmod(self.d.conf, mode)
            p = subprocess.run([RECTD, "--check", "-c", self.d.conf], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            check(p.returncode != 0, "mode %o refused" % mode)
            check("chmod go-w" in p.stderr.decode(), "says what to do: %r" % p.stderr.decode())
        os.chmod(self.d.conf, 0o644)
        p = subprocess.run([RECTD, "--check", "-c", self.d.conf], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        eq(p.returncode, 0, "0644 is fine: %s" % p.stderr.decode())

    def test_rectctl_refuses_a_client_config_others_may_write(self):
        self.d.start()
        conf = os.path.join(self.d.tmp, "rectctl.conf")
        with open(conf, "w") as f:
            f.write('client = { endpoint = "%s"; server_key = "%s/keys/rectd.pub"; keys_dir = "%s/keys"; };\n'
                    % (self.d.endpoint, self.d.tmp, self.d.tmp))
        os.chmod(conf, 0o644)
        r = self.d.ctl("ping", conf=conf, user=ADMIN)
        eq(r.rc, 0, "a 0644 rectctl.conf: %s" % r.err)
        os.chmod(conf, 0o666)
        r = self.d.ctl("ping", conf=conf, user=ADMIN)
        check(r.rc != 0 and "chmod go-w" in r.err, "a world-writable rectctl.conf is refused: %r" % r.err)


# =============================================================================
class DirectoryAttacks(Base):
    def test_the_directory_holds_no_key_nor_secret_nor_path(self):
        text = json.dumps(self.call("directory", user=VIEWER), ensure_ascii=False)
        for u in self.d.cfg["users"]:
            if u.get("public_key"):
                check(u["public_key"] not in text, "no public key of %s" % u["name"])
        for k in ("secret", "key_file", "keys_dir", ".key", self.d.tmp, "data_dir", "hooks", "command"):
            check(k not in text, "the directory says nothing of %r" % k)

    def test_the_directory_takes_no_argument_to_widen_it(self):
        self.refused("unknown_field", "directory", {"users": "all"}, user=VIEWER)


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-attack", [SignAttacks, ActAttacks, RecordAttacks, EvidenceAttacks,
                                            BackupAttacks, ForgedRestore, ConfigAttacks,
                                            DirectoryAttacks], sys.argv[1:]))
