#!/usr/bin/python3
"""End-to-end tests of issue 7 section 3: a ledger a county can check without
trusting the town's machine. rectd's signing key file (created, refused when
open to others or malformed), signed ledgers checked offline by rectctl
(ledger check --key) and by an independent Python verifier
(tests/verify_signed.py: python3-cryptography, no rectd code), signed anchors
(audit anchor) and audit verify --anchor against a history rewritten with
correct hashes, a rolled-back and a truncated database (tests/tools/rect-tamper).

    RECTD=./rectd RECTCTL=./rectctl RECT_TAMPER=build/tools/rect-tamper /usr/bin/python3 tests/e2e-sign.py [-k TEXT]

Ends with "N passed, M failed"; exit status 1 if anything failed.
"""

import json
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
import verify_signed as vs  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import PLAN, REPO, RECTCTL, Daemon  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

TAMPER = os.path.abspath(os.environ.get("RECT_TAMPER")
                         or os.path.join(REPO, "build", "tools", "rect-tamper"))
VERIFIER = "maqing"   # a verifier who owns nothing
CLOSER = "zhanghua"   # leader and admin
ADMIN = "wangyan"


def plan_bytes():
    with open(PLAN, "rb") as f:
        return f.read()


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_json(path, doc):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
    return path


def offline_ctl(*args):
    """rectctl without any config it could find: from /, $RECTD_CONFIG pointing nowhere."""
    env = dict(os.environ, RECTD_CONFIG="/nonexistent/rectd.conf")
    env.pop("RECTCTL_USER", None)
    p = subprocess.run([RECTCTL] + list(args), cwd="/", env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class Forger:
    """Another Ed25519 key: signs ledgers and anchors exactly as the format says."""

    def __init__(self):
        self.sk = Ed25519PrivateKey.generate()
        self.pub = self.sk.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw)

    def sign_ledger(self, ledger, claim_key=None):
        body = vs.ledger_digests(ledger)
        sig = self.sk.sign(vs.LEDGER_FORMAT.encode() + b"\n" + vs.canon(body))
        ledger["signature"] = {"format": vs.LEDGER_FORMAT, "public_key": (claim_key or self.pub).hex(),
                               "signed": body, "value": sig.hex()}
        return ledger

    def sign_anchor(self, anchor, claim_key=None):
        body = {"at": anchor["at"], "hash": anchor["hash"], "seq": anchor["seq"]}
        anchor["signature"] = self.sk.sign(vs.ANCHOR_FORMAT.encode() + b"\n" + vs.canon(body)).hex()
        anchor["public_key"] = (claim_key or self.pub).hex()
        return anchor


class SDaemon(Daemon):
    """A Daemon with helpers for keys and tampering, on a pinned clock
    (2026-12-02 10:00 in Asia/Shanghai): on the real clock, from 2026-12-23
    on, the daily job escalates the plan's items (new events) when 09:00
    there (01:00 UTC) passes between a start and a restart."""

    def __init__(self, overrides=None):
        super().__init__(overrides)
        self.clock_path = os.path.join(self.tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write("2026-12-02T02:00:00Z\n")

    @property
    def key_path(self):
        return os.path.join(self.tmp, "keys", "rectd-sign.key")

    @property
    def pub_path(self):
        return os.path.join(self.tmp, "keys", "rectd-sign.pub")

    def pub(self):
        return vs.load_public(self.pub_path)

    def tamper(self, *args):
        check(not self.running(), "tamper needs rectd stopped")
        p = subprocess.run([TAMPER, self.data_dir] + [str(a) for a in args],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper %s (%s)" % (args, p.stderr.decode()))

    def restart(self):
        self.stop()
        self.start()

    def start_fails(self):
        """Start rectd and expect it to refuse: returns its stderr."""
        proc = self.start(wait=False)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            self.stop()
            raise e2e_runner.Failure("rectd started although it should refuse")
        eq(proc.returncode, 1, "rectd refuses to start (stderr %r)" % self.stderr())
        return self.stderr()

    def close_item(self, item, note="已整改"):
        it = self.call("show", {"item": item})["item"]
        owner = it["owner"]
        if it["state"] == "assigned":
            self.call("start", {"item": item}, user=owner)
        self.call("evidence", {"item": item, "note": note}, user=owner)
        self.call("verify", {"item": item, "result": "pass", "opinion": "验收合格"}, user=VERIFIER)
        return self.call("close", {"item": item, "note": "销号"}, user=CLOSER)["item"]

    def anchor(self, name):
        path = os.path.join(self.tmp, name)
        r = self.ctl("audit", "anchor", "-o", path, json_out=False, user=ADMIN)
        eq(r.rc, 0, "audit anchor: %r" % r)
        return path

    def verify_anchor(self, path):
        return self.ctl("audit", "verify", "--anchor", path, json_out=False, user=ADMIN)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# ---- fixture: the key file ------------------------------------------------------

class KeyFile:
    """rectd's key: made at the first start, kept, refused when unsafe."""

    def setup(self):
        self.d = SDaemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def other(self, overrides=None):
        d = SDaemon(overrides)
        self.daemons.append(d)
        return d

    def test_first_start_creates_the_key_and_its_public_half(self):
        d = self.d
        check("created the signing key %s" % d.key_path in d.stderr(), "logged: %r" % d.stderr())
        eq(mode(d.key_path), 0o600, "secret file mode")
        eq(mode(os.path.dirname(d.key_path)), 0o700, "key folder mode")
        eq(mode(d.pub_path), 0o644, ".pub mode")
        with open(d.key_path) as f:
            text = f.read()
        secret = vs.key_line(text, "ed25519-secret")
        eq(len(secret), 32, "the secret is the 32-byte RFC 8032 private key")
        derived = Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        eq(vs.key_line(text, "ed25519-public"), derived, "secret file's public line")
        eq(d.pub(), derived, ".pub holds the public half")
        with open(d.pub_path) as f:
            check("ed25519-secret" not in f.read(), ".pub holds no secret")
        eq(d.call("ledger")["signature"]["public_key"], derived.hex(), "ledgers are signed by it")

    def test_restart_keeps_the_key(self):
        d = self.d
        before = d.pub()
        d.restart()
        check("created the signing key" not in d.stderr(), "not created again: %r" % d.stderr())
        eq(d.pub(), before, "same key after a restart")
        os.unlink(d.pub_path)
        d.restart()
        eq(d.pub(), before, "a missing .pub is written again with the same key")
        check("wrote the missing public half" in d.stderr(), "logged: %r" % d.stderr())

    def test_signing_key_setting_is_relative_to_the_config_folder(self):
        d = self.other({"daemon.signing_key": "sub/town.key"})
        d.start()
        key = os.path.join(d.tmp, "sub", "town.key")
        eq(mode(key), 0o600, "secret created beside the config")
        pub = vs.load_public(os.path.join(d.tmp, "sub", "town.pub"))
        eq(d.call("ledger")["signature"]["public_key"], pub.hex(), "town.pub beside it")
        check(not os.path.exists(os.path.join(d.tmp, "keys", "rectd-sign.key")), "the default is not used")
        d.stop()

    def test_refuses_a_key_open_to_others(self):
        d = self.other()
        d.start()
        d.stop()
        os.chmod(d.key_path, 0o640)
        err = d.start_fails()
        check("chmod 600 %s" % d.key_path in err, "says chmod 600 FILE: %r" % err)

    def test_refuses_a_malformed_key(self):
        d = self.other()
        d.start()
        d.stop()
        pub_line = "ed25519-public: %s\n" % d.pub().hex()
        for text, want in [
                ("ed25519-secret: 1234\n" + pub_line, ":1: malformed: ed25519-secret must be 64 hex digits"),
                ("# only a comment\n" + pub_line, "malformed: no line \"ed25519-secret"),
                ("garbage\n", ":1: malformed: expected"),
                ("ed25519-secret: %s\n%s" % ("ab" * 32, pub_line), "is not the public half"),
        ]:
            with open(d.key_path, "w") as f:
                f.write(text)
            err = d.start_fails()
            check(d.key_path in err and want in err, "names the file and %r: %r" % (want, err))

    def test_refuses_a_pub_of_another_key(self):
        d = self.other()
        d.start()
        d.stop()
        with open(d.pub_path, "w") as f:
            f.write("ed25519-public: %s\n" % Forger().pub.hex())
        err = d.start_fails()
        check(d.pub_path in err and "not the public half" in err, "names the .pub: %r" % err)

    def test_a_new_key_refuses_anchors_of_the_old_one(self):
        d = self.other()
        d.start()
        d.call("import", {}, files=[plan_bytes()])
        old = d.anchor("old-anchor.json")
        eq(d.verify_anchor(old).rc, 0, "the anchor verifies with its key")
        d.stop()
        os.rename(d.key_path, d.key_path + ".retired")
        os.rename(d.pub_path, d.pub_path + ".retired")
        d.start()
        check("created the signing key" in d.stderr(), "a new key: %r" % d.stderr())
        r = d.verify_anchor(old)
        eq(r.rc, 3, "an anchor of the retired key: %r" % r)
        check("signed by another key" in r.out, "says another key: %r" % r.out)
        # the retired .pub still proves the old anchor offline
        eq(vs.check_anchor(read_json(old), vs.load_public(d.pub_path + ".retired")), [],
           "old anchor with the retired key")
        d.stop()


# ---- fixture: signed ledgers ------------------------------------------------------

class Signed:
    """A town's record with one item closed; ledgers saved and checked offline."""

    def setup(self):
        d = self.d = SDaemon()
        self.daemons.append(d)
        d.start()
        d.call("import", {}, files=[plan_bytes()])
        # text that tests the canonical escapes: / " \\ tab, newline, CJK, astral
        d.call("add", {"ref": "T-1", "source": "county", "kind": "immediate",
                       "title": "路径 a/b \"引号\" \\ 反斜杠 😀",
                       "measures": "第一步\n\t第二步 </script>"})
        d.close_item(3)
        self.path = os.path.join(d.tmp, "ledger.json")
        eq(d.ctl("ledger", "-o", self.path, json_out=False, user=ADMIN).rc, 0, "save the ledger")
        self.doc = read_json(self.path)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def edited(self, mutate, name="edited.json"):
        doc = json.loads(json.dumps(self.doc))
        mutate(doc)
        return write_json(os.path.join(self.d.tmp, name), doc)

    def check_key(self, path, key=None):
        return offline_ctl("ledger", "check", path, "--key", key or self.d.pub_path)

    def test_every_ledger_is_signed_and_verifies_independently(self):
        d = self.d
        pub = d.pub()
        eq(vs.check_ledger(self.doc, pub), [], "the saved ledger, by the Python verifier")
        sig = self.doc["signature"]
        eq(sorted(sig), ["format", "public_key", "signed", "value"], "signature keys")
        eq(sig["signed"], vs.ledger_digests(self.doc), "signed digests = recomputed in Python")
        eq(sig["signed"]["head"], self.doc["head"], "signs the chain head")
        eq([r["ref"] for r in sig["signed"]["rows"]], [r["ref"] for r in self.doc["rows"]], "a digest per row")
        check("T-1" in [r["ref"] for r in self.doc["rows"]], "the escaped row is in the ledger")
        for args in ({"seq": 5}, {"inspection": "2025-assessment"}, {"as_of": d.call("ping")["today"]}):
            led = d.call("ledger", args)
            eq(vs.check_ledger(led, pub), [], "ledger %r verifies" % args)

    def test_ledger_check_key_needs_no_config_and_no_rectd(self):
        rc, out, err = self.check_key(self.path)
        eq(rc, 0, "untouched file: %r %r" % (out, err))
        check(out.startswith("ok: ") and "%d rows" % len(self.doc["rows"]) in out
              and "#%d" % self.doc["head"]["seq"] in out, "ok line: %r" % out)

    def test_a_ledger_cut_at_an_older_seq_says_what_came_after(self):
        head = self.d.call("ping")["head"]["seq"]
        cut = self.d.call("ledger", {"seq": head - 1})
        eq((cut["head"]["seq"], cut["record_head"]["seq"]), (head - 1, head), "cut and whole head")
        eq(self.doc["record_head"], self.doc["head"], "a full ledger: the same heads")
        path = write_json(os.path.join(self.d.tmp, "cut.json"), cut)
        rc, out, err = self.check_key(path)
        eq(rc, 0, "the cut ledger is genuine: %r %r" % (out, err))
        check(("as of event #%d" % (head - 1)) in out and ("had %d events" % head) in out,
              "it says more came after: %r" % out)
        # the whole head is signed: claiming the cut was the whole record fails
        forged = dict(cut, record_head=cut["head"])
        rc, out, _ = self.check_key(write_json(os.path.join(self.d.tmp, "cut2.json"), forged))
        eq(rc, 3, "a forged record_head: %r" % out)
        check("record_head was changed" in out, "names it: %r" % out)

    def test_ledger_check_key_names_an_edited_cell(self):
        def close_row(doc):
            doc["rows"][1]["closed_by"] = "wangyan"
        rc, out, _ = self.check_key(self.edited(close_row))
        eq(rc, 3, "an edited cell: %r" % out)
        row = self.doc["rows"][1]
        check("row %d (%s) was changed" % (row["id"], row["ref"]) in out, "names the row: %r" % out)
        check("1 difference" in out, "only that row: %r" % out)
        eq(vs.check_ledger(read_json(os.path.join(self.d.tmp, "edited.json")), self.d.pub()),
           ["row %d" % row["id"]], "the Python verifier agrees")

    def test_ledger_check_key_names_the_summary_heading_and_head(self):
        for mutate, want in [
                (lambda doc: doc["summary"].__setitem__("closed", 9), "summary was changed"),
                (lambda doc: doc.__setitem__("title", "另一份台账"), "title was changed"),
                (lambda doc: doc.__setitem__("reviewer", "李四"), "reviewer was changed"),
                (lambda doc: doc["head"].__setitem__("hash", "0" * 64), "head was changed"),
                (lambda doc: doc.__setitem__("note", "x"), "note was added"),
                (lambda doc: doc.pop("generated_by"), "generated_by was removed")]:
            rc, out, _ = self.check_key(self.edited(mutate))
            eq(rc, 3, "%s: exit (%r)" % (want, out))
            check(want in out, "names it: %s in %r" % (want, out))

    def test_ledger_check_key_names_removed_added_and_reordered_rows(self):
        first, last = self.doc["rows"][0], self.doc["rows"][-1]
        rc, out, _ = self.check_key(self.edited(lambda doc: doc["rows"].pop()))
        eq(rc, 3, "a row removed")
        check("row %d (%s) was removed" % (last["id"], last["ref"]) in out, "names it: %r" % out)
        fake = dict(first, id=999, ref="FAKE-1")
        rc, out, _ = self.check_key(self.edited(lambda doc: doc["rows"].append(fake)))
        eq(rc, 3, "a row added")
        check("row 999 (FAKE-1) was added" in out, "names it: %r" % out)
        rc, out, _ = self.check_key(self.edited(lambda doc: doc["rows"].reverse()))
        eq(rc, 3, "rows reordered")
        check("reordered" in out, "says so: %r" % out)

    def test_ledger_check_key_refuses_edited_digests_and_other_keys(self):
        # the forger edits a row and writes its digest into the signed object
        def fix_digest(doc):
            doc["rows"][0]["state"] = "closed"
            doc["signature"]["signed"] = vs.ledger_digests(doc)
        rc, out, _ = self.check_key(self.edited(fix_digest))
        eq(rc, 3, "re-digested: %r" % out)
        check("the signature does not verify" in out, "says so: %r" % out)
        # a file signed, correctly, by another key
        forger = Forger()
        forged = self.edited(lambda doc: forger.sign_ledger(doc))
        eq(vs.check_ledger(read_json(forged), forger.pub), [], "the forgery is well made")
        rc, out, _ = self.check_key(forged)
        eq(rc, 3, "another key: %r" % out)
        check("signed by another key" in out, "says so: %r" % out)
        # ... that claims to be rectd's key
        liar = self.edited(lambda doc: forger.sign_ledger(doc, claim_key=self.d.pub()))
        rc, out, _ = self.check_key(liar)
        eq(rc, 3, "claims rectd's key: %r" % out)
        check("the signature does not verify" in out, "says so: %r" % out)
        eq(vs.check_ledger(read_json(liar), self.d.pub()), ["bad signature"], "Python agrees")
        # public_key is not signed: the kept key decides, the field only explains a failure
        relabelled = self.edited(lambda doc: doc["signature"].__setitem__("public_key", forger.pub.hex()))
        rc, out, _ = self.check_key(relabelled)
        eq(rc, 0, "rectd's signature with another key named: %r" % out)
        eq(vs.check_ledger(read_json(relabelled), self.d.pub()), [], "Python agrees")

    def test_ledger_check_key_usage_errors(self):
        bad_key = write_json(os.path.join(self.d.tmp, "bad.pub"), {"not": "a key"})
        rc, _, err = self.check_key(self.path, bad_key)
        eq(rc, 1, "a file that is no key")
        check("not a rectd public key file" in err, "says so: %r" % err)
        rc, out, _ = self.check_key(self.edited(lambda doc: doc.pop("signature")))
        eq(rc, 3, "an unsigned file")
        check("not a signed ledger" in out, "says so: %r" % out)
        rc, _, err = offline_ctl("ledger", "check", "/nonexistent.json", "--key", self.d.pub_path)
        eq(rc, 1, "a missing file: %r" % err)

    def test_online_ledger_check_still_works(self):
        r = self.d.ctl("ledger", "check", self.path, json_out=False, user=ADMIN)
        eq(r.rc, 0, "online check: %r" % r)
        check("chain ok" in r.out, "ok line: %r" % r.out)
        r = self.d.ctl("ledger", "check", self.edited(lambda doc: doc["rows"][2].__setitem__("state", "claimed")),
                       json_out=False, user=ADMIN)
        eq(r.rc, 3, "online check of an edited file: %r" % r)

    def test_anchor_is_signed_and_verifies(self):
        d = self.d
        before = d.snapshot()
        path = d.anchor("anchor.json")
        eq(d.snapshot(), before, "taking an anchor changes nothing")
        a = read_json(path)
        eq(sorted(a), ["at", "format", "hash", "public_key", "seq", "signature"], "anchor keys")
        eq({"seq": a["seq"], "hash": a["hash"]}, d.call("ping")["head"], "the head")
        eq(vs.check_anchor(a, d.pub()), [], "the Python verifier")
        r = d.verify_anchor(path)
        eq(r.rc, 0, "verify --anchor: %r" % r)
        check("still extends the anchor #%d" % a["seq"] in r.out, "says so: %r" % r.out)
        res = d.call("audit_verify", {"anchor": a})
        eq(res["anchor"], {"seq": a["seq"], "hash": a["hash"], "at": a["at"], "ok": True}, "result.anchor")
        eq(d.call("audit_verify")["anchor"], None, "no anchor given")

    def test_an_edited_or_foreign_anchor_fails(self):
        d = self.d
        a = read_json(d.anchor("anchor.json"))
        for what, doc, want in [
                ("seq edited", dict(a, seq=a["seq"] - 1), "was altered"),
                ("another key", Forger().sign_anchor(dict(a)), "signed by another key"),
                ("another key claiming ours", Forger().sign_anchor(dict(a), claim_key=d.pub()), "was altered")]:
            r = d.verify_anchor(write_json(os.path.join(d.tmp, "bad-anchor.json"), doc))
            eq(r.rc, 3, "%s: %r" % (what, r))
            check(want in r.out, "%s: says %r: %r" % (what, want, r.out))
        before = d.snapshot()
        rep = d.request("audit_verify", {"anchor": {"seq": 1}})
        eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), "not an anchor: %r" % rep)
        check("rectctl audit anchor" in rep["error"]["message"], "says how to get one: %r" % rep)
        rep = d.request("audit_verify", {"anchor": "x"})
        eq((rep["ok"], rep["error"]["code"]), (False, "bad_type"), "not an object: %r" % rep)
        eq(d.snapshot(), before, "refused checks change nothing")
        r = d.verify_anchor(write_json(os.path.join(d.tmp, "list.json"), [1]))
        eq(r.rc, 1, "a file that is no anchor: %r" % r)


# ---- fixture: a history rewritten with correct hashes -------------------------

class Rewrite:
    """The insider's script: who closed item 3 is changed in its close event
    and the item, every later event is chained again, so audit_verify alone
    passes. An anchor taken before catches it."""

    def setup(self):
        d = self.d = SDaemon()
        self.daemons.append(d)
        d.start()
        d.call("import", {}, files=[plan_bytes()])
        it = d.close_item(3)
        eq(it["closed_by"], CLOSER, "closed by")
        self.close = [e for e in d.call("history", {"item": 3})["events"] if e["action"] == "close"][0]
        self.anchor = d.anchor("anchor.json")
        self.ledger = os.path.join(d.tmp, "before.json")
        eq(d.ctl("ledger", "-o", self.ledger, json_out=False, user=ADMIN).rc, 0, "save the ledger")
        d.close_item(4)  # later events, re-chained by the tamper
        d.stop()
        changes = dict(self.close["changes"], closed_by=[None, ADMIN])
        d.tamper("rewrite", self.close["seq"], json.dumps({"actor": ADMIN, "changes": changes}))
        item = dict(it, closed_by=ADMIN)
        d.tamper("item", 3, json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_the_rewrite_passes_the_chain_alone(self):
        d = self.d
        eq(d.call("show", {"item": 3})["item"]["closed_by"], ADMIN, "the record now lies")
        res = d.call("audit_verify")
        eq((res["ok"], res["problem"]), (True, None), "audit_verify alone is fooled")
        with d.raw() as c:
            rawclient.verify_chain(rawclient.all_events(c), d.call("ping")["head"])
        eq(d.ctl("audit", "verify", json_out=False, user=ADMIN).rc, 0, "rectctl audit verify too")

    def test_the_anchor_names_the_seq(self):
        d = self.d
        a = read_json(self.anchor)
        check(a["seq"] >= self.close["seq"], "the anchor is after the rewritten event")
        r = d.verify_anchor(self.anchor)
        eq(r.rc, 3, "verify --anchor: %r" % r)
        check(r.out.startswith("BROKEN at seq %d:" % a["seq"]) and "rewritten" in r.out,
              "names the anchor's seq: %r" % r.out)
        res = d.call("audit_verify", {"anchor": a})
        eq((res["ok"], res["first_bad_seq"], res["anchor"]["ok"]), (False, a["seq"], False), "result")

    def test_the_saved_ledger_still_verifies_but_no_longer_matches(self):
        d = self.d
        rc, out, _ = offline_ctl("ledger", "check", self.ledger, "--key", d.pub_path)
        eq(rc, 0, "the saved file is unchanged, so it verifies offline: %r" % out)
        r = d.ctl("ledger", "check", self.ledger, json_out=False, user=ADMIN)
        eq(r.rc, 3, "online, against the rewritten record: %r" % r)
        check("does not match the record" in r.out and "head.hash" in r.out, "the head differs: %r" % r.out)

    def test_a_key_on_the_same_machine_signs_the_lie(self):
        # why anchors must be kept off the machine: rectd signs what it holds
        d = self.d
        led = d.call("ledger")
        eq(vs.check_ledger(led, d.pub()), [], "a new ledger of the rewritten record verifies")
        eq([r["closed_by"] for r in led["rows"] if r["id"] == 3], [ADMIN], "and shows the lie")


# ---- fixture: rolled back and truncated ----------------------------------------

class Rollback:
    """An older copy of data_dir restored (cp while stopped), then one cut
    short: both pass audit_verify's chain; the anchor catches them."""

    def setup(self):
        d = self.d = SDaemon()
        self.daemons.append(d)
        d.start()
        d.call("import", {}, files=[plan_bytes()])
        self.early = d.anchor("early.json")
        d.stop()
        self.copy = os.path.join(d.tmp, "data.old")
        shutil.copytree(d.data_dir, self.copy)
        d.start()
        d.close_item(3)
        d.close_item(4)
        self.late = d.anchor("late.json")
        d.stop()
        shutil.rmtree(d.data_dir)
        shutil.copytree(self.copy, d.data_dir)
        d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_rolled_back_passes_the_chain_but_not_the_anchor(self):
        d = self.d
        early, late = read_json(self.early), read_json(self.late)
        eq(d.call("ping")["head"]["seq"], early["seq"], "rolled back to the copy")
        eq(d.call("audit_verify")["ok"], True, "audit_verify alone is fooled")
        eq(d.verify_anchor(self.early).rc, 0, "the early anchor still holds")
        r = d.verify_anchor(self.late)
        eq(r.rc, 3, "the late anchor: %r" % r)
        check(("BROKEN at seq %d:" % (early["seq"] + 1)) in r.out and "events were removed" in r.out
              and ("seq %d of the anchor" % late["seq"]) in r.out, "names both seqs: %r" % r.out)

    def test_rolled_back_then_written_again_is_another_history(self):
        d = self.d
        late = read_json(self.late)
        for item in (5, 6, 7):  # as many events again, and more
            d.close_item(item)
        check(d.call("ping")["head"]["seq"] >= late["seq"], "the head is past the anchor again")
        r = d.verify_anchor(self.late)
        eq(r.rc, 3, "a new history over the old seqs: %r" % r)
        check(r.out.startswith("BROKEN at seq %d:" % late["seq"]) and "rewritten" in r.out,
              "names the seq: %r" % r.out)

    def test_truncated_fails_the_anchor(self):
        d = self.d
        early = read_json(self.early)
        d.stop()
        d.tamper("truncate", early["seq"] - 3)
        d.start()
        r = d.verify_anchor(self.early)
        eq(r.rc, 3, "truncated: %r" % r)
        check(("BROKEN at seq %d:" % (early["seq"] - 2)) in r.out and "events were removed" in r.out,
              "names the seq: %r" % r.out)


class Empty:
    """No events yet: nothing to anchor."""

    def setup(self):
        self.d = SDaemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep)

    def test_anchor_of_an_empty_record_is_refused(self):
        rep = self.d.request("audit_anchor")
        eq((rep["ok"], rep["error"]["code"]), (False, "not_found"), "empty record: %r" % rep)
        led = self.d.call("ledger")
        eq(vs.check_ledger(led, self.d.pub()), [], "an empty ledger is signed too")


def main(argv):
    return e2e_runner.main("e2e-sign", [KeyFile, Signed, Rewrite, Rollback, Empty], argv,
                           needs=("RECTD", "RECTCTL"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
