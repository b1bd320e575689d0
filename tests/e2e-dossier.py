#!/usr/bin/python3
"""End-to-end tests of evidence you can open and the case file (整改档案),
issue 9 items 1 and 2: the read command `blob_get` (one stored file of an
item by its SHA-256, in chunks, checked against its address and against the
item's own file uses), `rectctl evidence get`, the `dossier` read and
`rectctl dossier` as HTML (printed to PDF by headless Chromium, checked
with poppler-utils) and as a zip.

    RECTD=./rectd RECTCTL=./rectctl RECT_TAMPER=build/tools/rect-tamper \\
        /usr/bin/python3 tests/e2e-dossier.py [-k TEXT]

Every rectd runs on its own /tmp folder and is stopped by pid. Ends with
"N passed, M failed".
"""

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAMPER = (os.environ.get("RECT_TAMPER")
          or os.path.join(REPO, "build", "tools", "rect-tamper"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSP = "2025-assessment"
VERIFIER = "maqing"
ZH = {"LANGUAGE": "zh_CN"}
CHUNK = 1 << 20  # RECT_MAX_CHUNK


# ---- small valid images ---------------------------------------------------------

def png(w, h, seed):
    """An RGB PNG of w x h pixels (a gradient that depends on seed)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    rows = b"".join(b"\0" + bytes(((x * 7 + seed) & 255, (y * 5) & 255, (x + y + seed * 3) & 255)
                                  [i] for x in range(w) for i in range(3)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg(bw, bh, comment=b""):
    """A baseline greyscale JPEG of (8 bw) x (8 bh) pixels, every block DC
    difference 0 and no AC coefficient: two one-symbol Huffman tables."""
    def seg(marker, data):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data
    out = b"\xff\xd8"
    out += seg(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
    if comment:
        out += seg(0xfe, comment)
    out += seg(0xdb, b"\0" + bytes([1] * 64))
    out += seg(0xc0, struct.pack(">BHHB", 8, 8 * bh, 8 * bw, 1) + b"\x01\x11\x00")
    one = bytes([1] + [0] * 15)
    out += seg(0xc4, b"\x00" + one + b"\x00")      # DC table 0: category 0 -> code "0"
    out += seg(0xc4, b"\x10" + one + b"\x00")      # AC table 0: EOB -> code "0"
    out += seg(0xda, b"\x01\x01\x00\x00\x3f\x00")
    bits = "00" * (bw * bh)                         # DC 0, EOB, per block
    bits += "1" * (-len(bits) % 8)
    data = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
    out += data.replace(b"\xff", b"\xff\x00") + b"\xff\xd9"
    return out


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
DOCX = b"PK\x03\x04" + b"word/document.xml" + bytes(range(256)) * 4


def sha(b):
    return hashlib.sha256(b).hexdigest()


class DDaemon(Daemon):
    """On a pinned clock (2026-12-02 10:00 in Asia/Shanghai): on the real
    clock, from 2026-12-23 on, the daily job escalates the plan's items (new
    events, a new head) when 09:00 there (01:00 UTC) passes during the suite."""

    def __init__(self, **extra):
        tmp = tempfile.mkdtemp(prefix="rdo", dir="/tmp")
        conf = {"calendar.timezone": "Asia/Shanghai"}
        conf.update(extra)
        self.clock_path = os.path.join(tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write("2026-12-02T02:00:00Z\n")
        super().__init__(conf, tmp=tmp)


class Dossier:
    """GJ-03 (item 3, owner zhaoli): two evidence events (JPEG, PNG, PDF;
    then another photo.jpg and a docx-like file), accepted by maqing and
    struck off by its leader lijun. GJ-01 (item 1, long-term, owner liming):
    evidence, accepted, struck off by zhanghua, one consolidation review
    with a PNG. Item 5 holds a large file (several chunks); item 7 the file
    that is damaged at the end; item 8 hostile file names."""

    stop_label = "rectd stops on SIGTERM with status 0"

    def setup(self):
        d = self.d = DDaemon()
        self.daemons.append(d)
        d.start()
        with open(PLAN, "rb") as f:
            eq(d.call("import", {"inspection": INSP}, files=[f.read()])["imported"], 29, "imported")
        self.out = tempfile.mkdtemp(prefix="out", dir=d.tmp)
        self.j1, self.p1 = jpeg(40, 30, b"one"), png(64, 48, 1)
        self.j2, self.p2 = jpeg(16, 12, b"two"), png(32, 80, 9)
        # item 3
        d.call("start", {"item": 3}, user="zhaoli")
        self.ev3a = d.call("evidence", {"item": 3, "note": "入户核查记录 <b>第一批</b>",
                                        "files": ["photo.jpg", "台账.png", "report.pdf"]},
                           files=[self.j1, self.p1, PDF], user="zhaoli")
        self.ev3b = d.call("evidence", {"item": 3, "note": "补充材料",
                                        "files": ["photo.jpg", "签字表.docx"]},
                           files=[self.j2, DOCX], user="zhaoli")
        d.call("verify", {"item": 3, "result": "pass", "opinion": "整改到位"}, user=VERIFIER)
        d.call("close", {"item": 3, "note": "对账销号"}, user="lijun")
        # item 1 (long-term): closed, then a consolidation review with a photo
        d.call("start", {"item": 1}, user="liming")
        d.call("evidence", {"item": 1, "note": "遍访台账", "files": ["visit.jpg"]},
               files=[self.j1], user="liming")
        d.call("verify", {"item": 1, "result": "pass", "opinion": "合格"}, user=VERIFIER)
        d.call("close", {"item": 1, "note": "销号"}, user="zhanghua")
        with d.raw("liming") as c:  # review is a write rawclient does not number itself
            rep = c.request("review", {"item": 1, "note": "回访3户,未发现返贫风险", "files": ["回访.png"]},
                            files=[self.p2], seq=1)
        check(rep["ok"], "review: %r" % rep)
        # item 5: a large file
        self.big = bytes((i * 31 + (i >> 12)) & 255 for i in range(3 * CHUNK + 12345))
        it5 = d.call("show", {"item": 5})["item"]
        self.owner5 = it5["owner"]
        d.call("start", {"item": 5}, user=self.owner5)
        d.call("evidence", {"item": 5, "note": "扫描件", "files": ["scan.bin"]},
               files=[self.big], user=self.owner5)
        # item 7: the file damaged by the last tests
        it7 = d.call("show", {"item": 7})["item"]
        self.owner7 = it7["owner"]
        self.doomed = png(20, 20, 77) + b"item 7 only"
        d.call("start", {"item": 7}, user=self.owner7)
        d.call("evidence", {"item": 7, "note": "将被破坏", "files": ["damaged.png"]},
               files=[self.doomed], user=self.owner7)
        # item 8: hostile names
        it8 = d.call("show", {"item": 8})["item"]
        self.owner8 = it8["owner"]
        d.call("start", {"item": 8}, user=self.owner8)
        self.hostile = ["../escape.txt", "a/b.txt", ".hidden", "..", "ok.txt"]
        d.call("evidence", {"item": 8, "note": "名字", "files": self.hostile},
               files=[b"escape", b"ab", b"hidden", b"dotdot", b"ok"], user=self.owner8)

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, scan=True, only_running=False)

    # -- helpers --
    def ctl(self, *args, json_out=False, user="wangyan", env=None):
        return self.d.ctl(*args, user=user, json_out=json_out, env=env)

    def fresh(self, name):
        p = os.path.join(self.out, name)
        os.makedirs(p)
        return p

    def blob(self, item, h, offset=None, length=None, user=None):
        """blob_get over the raw protocol: (reply, data frame or None)."""
        args = {"item": item, "sha256": h}
        if offset is not None:
            args["offset"] = offset
        if length is not None:
            args["length"] = length
        with self.d.raw(user) as c:
            req = c.envelope("blob_get", args)
            frames = c.send_frames([json.dumps(req).encode()])
        rep = json.loads(frames[0])
        eq(len(frames), 2 if rep["ok"] else 1, "frames of the reply %r" % rep)
        return rep, (frames[1] if len(frames) > 1 else None)

    def listing(self, root):
        found = {}
        for dirpath, dirs, files in os.walk(root):
            for f in files:
                p = os.path.join(dirpath, f)
                found[os.path.relpath(p, root)] = open(p, "rb").read()
        return found

    def pdf_of(self, html, name):
        check(CHROMIUM, "chromium is not installed (make deps installs it)")
        pdf = os.path.join(self.out, name + ".pdf")
        profile = os.path.join(self.d.tmp, "chromium-" + name)
        p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync",
                            "--user-data-dir=" + profile, "--no-pdf-header-footer",
                            "--print-to-pdf=" + pdf, "file://" + html],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180,
                           start_new_session=True)
        eq(p.returncode, 0, "chromium: %s" % p.stderr[-500:])
        text = subprocess.run(["pdftotext", "-layout", pdf, "-"], stdout=subprocess.PIPE,
                              check=True).stdout.decode("utf-8")
        info = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE, check=True).stdout.decode()
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        check(abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2,
              "A4 portrait: %s" % size.group(0))
        imgs = subprocess.run(["pdfimages", "-list", pdf], stdout=subprocess.PIPE,
                              check=True).stdout.decode().splitlines()[2:]
        return text, pages, imgs

    # -- blob_get --
    def test_blob_get_returns_the_bytes_in_chunks_with_the_total(self):
        rep, data = self.blob(3, sha(self.p1))
        check(rep["ok"], "blob_get: %r" % rep)
        r = rep["result"]
        eq((r["item"], r["seq"], r["name"], r["sha256"], r["size"], r["offset"], r["length"]),
           (3, self.ev3a["item"]["id"] and r["seq"], "台账.png", sha(self.p1), len(self.p1), 0,
            len(self.p1)), "reply fields")
        eq(data, self.p1, "bytes")
        hist = self.d.call("history", {"item": 3})["events"]
        filed = [e["seq"] for e in hist if any(f["sha256"] == sha(self.p1) for f in e.get("files", []))]
        eq([r["seq"]], filed, "seq is the event that filed it")
        # pieces
        parts, off = [], 0
        while off < len(self.p1):
            rep, data = self.blob(3, sha(self.p1), off, 100)
            eq(rep["result"]["length"], len(data), "length is the frame's size")
            parts.append(data)
            off += len(data)
        eq(b"".join(parts), self.p1, "100-byte pieces")
        rep, data = self.blob(3, sha(self.p1), len(self.p1), 10)
        eq((rep["result"]["length"], data), (0, b""), "at the end: empty frame")
        # the large file: capped at one chunk
        rep, data = self.blob(5, sha(self.big), 0, CHUNK)
        eq((rep["result"]["size"], len(data)), (len(self.big), CHUNK), "a chunk of the big file")

    def test_blob_get_refuses_a_hash_of_another_item_and_bad_arguments(self):
        # item 4 filed nothing: item 3's hash is not its file
        for item, h, code, what in ((4, sha(self.p1), "not_found", "hash of item 3 via item 4"),
                                    (1, sha(self.p1), "not_found", "hash of item 3 via item 1"),
                                    (3, sha(b"never filed"), "not_found", "a guessed hash"),
                                    (3, "zz" * 32, "bad_value", "not hex"),
                                    (3, sha(self.p1)[:40], "bad_value", "short hash"),
                                    (999, sha(self.p1), "not_found", "no such item")):
            rep, _ = self.blob(item, h)
            eq((rep["ok"], rep["error"]["code"]), (False, code), what)
        rep, _ = self.blob(4, sha(self.p1))
        check("has no file with SHA-256 " + sha(self.p1) in rep["error"]["message"],
              "names the hash: %s" % rep["error"]["message"])
        # item 1 filed j1 too (same bytes, stored once): its own use lets it through
        rep, data = self.blob(1, sha(self.j1))
        eq((rep["result"]["name"], data), ("visit.jpg", self.j1), "item 1's own use of j1")
        for off, ln, what in ((-1, None, "negative offset"), (None, 0, "zero length"),
                              (None, CHUNK + 1, "over a chunk"), (len(self.p1) + 1, None, "past the end")):
            rep, _ = self.blob(3, sha(self.p1), off, ln)
            eq((rep["ok"], rep["error"]["code"]), (False, "bad_value"), what)
        with self.d.raw() as c:
            rep = c.request("blob_get", {"item": 3, "sha256": sha(self.p1), "path": "/etc/passwd"})
        eq(rep["error"]["code"], "unknown_field", "unknown argument")

    def test_blob_get_works_for_every_configured_user_and_no_one_else(self):
        # every configured user may read every item (show is ANY): a viewer-only too
        for user in ("liming", VERIFIER, "lijun"):
            rep, data = self.blob(3, sha(self.j2), user=user)
            eq(data, self.j2, "read by %s" % user)
        with self.d.raw() as c:
            rep = c.request("blob_get", {"item": 3, "sha256": sha(self.j2)}, user="nobody")
        eq(rep["error"]["code"], "unknown_user", "not a configured user")

    def test_blob_get_without_reader_threads(self):
        # the main loop answers long reads itself: the frame goes out the same way
        d = DDaemon(**{"daemon.read_threads": 0})
        self.daemons.append(d)
        d.start()
        d.call("add", {"ref": "T-1", "source": "county", "kind": "immediate", "title": "t",
                       "owner": "liming", "unit": "xiangcun", "leader": "zhanghua",
                       "deadline": "2027-12-31"})
        d.call("start", {"item": 1}, user="liming")
        d.call("evidence", {"item": 1, "note": "n", "files": ["p.png"]}, files=[self.p2], user="liming")
        with d.raw() as c:
            frames = c.send_frames([json.dumps(c.envelope("blob_get", {"item": 1, "sha256": sha(self.p2)})).encode()])
        eq((len(frames), json.loads(frames[0])["ok"], frames[-1]), (2, True, self.p2), "two frames, the bytes")
        out = os.path.join(d.tmp, "got")
        os.makedirs(out)
        eq(d.ctl("evidence", "get", "1", "-o", out, json_out=False).rc, 0, "evidence get")
        eq(open(os.path.join(out, "p.png"), "rb").read(), self.p2, "bytes")
        d.stop()

    # -- evidence get --
    def test_evidence_get_round_trips_every_file_by_name(self):
        out = self.fresh("all3")
        r = self.ctl("evidence", "get", "GJ-03", "-o", out)
        eq(r.rc, 0, "evidence get: %r" % r)
        got = self.listing(out)
        seqa = self.ev3a_seq()
        seqb = seqa + 1
        eq(got, {"seq-%d/photo.jpg" % seqa: self.j1, "台账.png": self.p1, "report.pdf": PDF,
                 "seq-%d/photo.jpg" % seqb: self.j2, "签字表.docx": DOCX},
           "files by name; the repeated name in per-event folders")
        check("wrote %s/台账.png (%d bytes" % (out, len(self.p1)) in r.out, "says what: %s" % r.out)
        check("5 files" in r.out, "count: %s" % r.out)

    def ev3a_seq(self):
        hist = self.d.call("history", {"item": 3})["events"]
        return [e["seq"] for e in hist if e["action"] == "evidence"][0]

    def test_evidence_get_seq_only_and_json(self):
        out = self.fresh("seq3")
        seqb = self.ev3a_seq() + 1
        r = self.ctl("evidence", "get", "3", str(seqb), "-o", out, json_out=True)
        eq(r.rc, 0, "evidence get SEQ: %r" % r)
        doc = r.json()
        eq(sorted((f["name"], f["size"], f["sha256"], f["seq"]) for f in doc["files"]),
           sorted([("photo.jpg", len(self.j2), sha(self.j2), seqb),
                   ("签字表.docx", len(DOCX), sha(DOCX), seqb)]), "--json lists them")
        eq(self.listing(out), {"photo.jpg": self.j2, "签字表.docx": DOCX}, "only event SEQ")
        eq(doc["item"]["ref"], "GJ-03", "the item")

    def test_evidence_get_large_file_in_several_chunks(self):
        out = self.fresh("big")
        r = self.ctl("evidence", "get", "5", "-o", out)
        eq(r.rc, 0, "big: %r" % r)
        eq(self.listing(out), {"scan.bin": self.big}, "big file round-trips (%d chunks)"
           % (len(self.big) // CHUNK + 1))

    def test_evidence_get_refusals(self):
        out = self.fresh("refusals")
        r = self.ctl("evidence", "get", "NOPE-99", "-o", out)
        eq(r.rc, 3, "unknown item: %r" % r)
        check("NOPE-99" in r.err, "names it: %s" % r.err)
        hist = self.d.call("history", {"item": 3})["events"]
        assign = [e["seq"] for e in hist if e["action"] == "verify"][0]
        r = self.ctl("evidence", "get", "3", str(assign), "-o", out)
        eq(r.rc, 3, "SEQ not an evidence event: %r" % r)
        check("#%d" % assign in r.err and "no files" in r.err, "says why: %s" % r.err)
        r = self.ctl("evidence", "get", "3", "99999", "-o", out)
        eq(r.rc, 3, "no such SEQ: %r" % r)
        other = [e["seq"] for e in self.d.call("history", {"item": 1})["events"]
                 if e["action"] == "evidence"][0]
        r = self.ctl("evidence", "get", "3", str(other), "-o", out)
        eq(r.rc, 3, "SEQ of another item: %r" % r)
        for bad in ("x", "0", "-3"):
            r = self.ctl("evidence", "get", "3", "--", bad, "-o", out) if bad.startswith("-") else \
                self.ctl("evidence", "get", "3", bad, "-o", out)
            check(r.rc in (1,), "bad SEQ %r: %r" % (bad, r))
        r = self.ctl("evidence", "get", "4", "-o", out)
        eq(r.rc, 3, "no evidence files: %r" % r)
        r = self.ctl("evidence", "get", "3", "-o", os.path.join(out, "missing-dir"))
        eq(r.rc, 1, "not a folder: %r" % r)
        eq(self.listing(out), {}, "nothing written by refusals")
        # overwrite
        with open(os.path.join(out, "report.pdf"), "wb") as f:
            f.write(b"mine")
        seqa = self.ev3a_seq()
        r = self.ctl("evidence", "get", "3", str(seqa), "-o", out)
        eq(r.rc, 3, "existing file without --force: %r" % r)
        check("report.pdf exists" in r.err and "--force" in r.err, "says so: %s" % r.err)
        eq(self.listing(out), {"report.pdf": b"mine"}, "nothing written, the file kept")
        r = self.ctl("evidence", "get", "3", str(seqa), "-o", out, "--force")
        eq(r.rc, 0, "--force: %r" % r)
        eq(self.listing(out), {"photo.jpg": self.j1, "台账.png": self.p1, "report.pdf": PDF},
           "replaced with --force")

    def test_evidence_get_makes_hostile_names_safe(self):
        parent = self.fresh("hostile")
        out = os.path.join(parent, "in")
        os.makedirs(out)
        r = self.ctl("evidence", "get", "8", "-o", out, json_out=True)
        eq(r.rc, 0, "hostile names: %r" % r)
        eq(os.listdir(parent), ["in"], "nothing outside DIR")
        got = self.listing(out)
        eq(sorted(got), sorted(["_._escape.txt", "a_b.txt", "_hidden", "_.", "ok.txt"]), "made safe")
        eq(got["ok.txt"], b"ok", "bytes")
        eq(got["_._escape.txt"], b"escape", "bytes")
        doc = r.json()
        eq(sorted(f["name"] for f in doc["files"] if f.get("renamed")),
           sorted(["../escape.txt", "a/b.txt", ".hidden", ".."]), "--json says which were renamed")
        r = self.ctl("evidence", "get", "8", "-o", self.fresh("hostile2"))
        check("made safe" in r.out and "../escape.txt" in r.out, "says so: %s" % r.out)

    # -- dossier --
    def test_dossier_read_is_one_consistent_answer(self):
        res = self.d.call("dossier", {"item": "GJ-03"})
        ping = self.d.call("ping")
        eq(res["head"], ping["head"], "head at the read")
        eq(len(res["items"]), 1, "one item")
        e = res["items"][0]
        eq(e["events"], self.d.call("history", {"item": 3})["events"], "its events")
        eq(e["item"]["ref"], "GJ-03", "item")
        check("light" in e["facts"] or "open" in e["facts"], "facts: %r" % e["facts"])
        eq(res["users"]["zhaoli"], "赵丽", "display names")
        eq(res["users"]["lijun"], "李军", "leader")
        eq(res["timezone"], "Asia/Shanghai", "timezone")
        eq(res["inspection"], None, "no inspection record was added")
        whole = self.d.call("dossier", {"inspection": INSP})
        eq([x["item"]["id"] for x in whole["items"]], list(range(1, 30)), "all 29 items")
        for args, code in (({}, "bad_value"), ({"item": 3, "inspection": INSP}, "bad_value"),
                           ({"inspection": "nope"}, "not_found"), ({"item": 999}, "not_found")):
            rep = self.d.request("dossier", args)
            eq((rep["ok"], rep["error"]["code"]), (False, code), "dossier %r" % args)

    def test_dossier_html_prints_with_every_image(self):
        html = os.path.join(self.out, "gj03.html")
        r = self.ctl("dossier", "GJ-03", "-o", html, env=ZH)
        eq(r.rc, 0, "dossier: %r" % r)
        page = open(html, encoding="utf-8").read()
        check("<b>第一批</b>" not in page and "&lt;b&gt;第一批&lt;/b&gt;" in page, "note escaped")
        eq(page.count("data:image/jpeg;base64,"), 2, "two JPEGs inline")
        eq(page.count("data:image/png;base64,"), 1, "one PNG inline")
        check("page-break-inside: avoid" in page and "max-height" in page, "print CSS")
        check(sha(PDF) in page and sha(DOCX) in page, "other files listed by hash")
        check("http://" not in page and "https://" not in page, "self-contained")
        text, pages, imgs = self.pdf_of(html, "gj03")
        check(1 <= pages <= 4, "pages: %d" % pages)
        eq(len(imgs), 3, "every image in the PDF: %r" % imgs)
        flat = re.sub(r"\s+", "", text)
        head = self.d.call("ping")["head"]
        for want in ("GJ-03", "监测户遍访记录不完整", "赵丽", "马青", "李军", "整改档案",
                     "佐证材料", "验收", "销号", "report.pdf", head["hash"][:16]):
            check(want in flat, "%r in the PDF text" % want)

    def test_dossier_long_term_item_shows_its_review(self):
        html = os.path.join(self.out, "gj01.html")
        eq(self.ctl("dossier", "1", "-o", html, env=ZH).rc, 0, "dossier 1")
        page = open(html, encoding="utf-8").read()
        check("回访3户" in page and "巩固" in page, "consolidation review shown")
        eq(page.count("data:image/png;base64,"), 1, "the review's PNG")
        eq(page.count("data:image/jpeg;base64,"), 1, "the evidence JPEG")

    def test_dossier_zip_holds_the_html_and_every_file(self):
        z = os.path.join(self.out, "gj03.zip")
        r = self.ctl("dossier", "GJ-03", "--format", "zip", "-o", z, json_out=True)
        eq(r.rc, 0, "zip: %r" % r)
        eq(r.json()["files"], 5, "--json counts the files")
        seqa = self.ev3a_seq()
        with zipfile.ZipFile(z) as zf:
            eq(zf.testzip(), None, "CRCs")
            names = set(zf.namelist())
            want = {"GJ-03/seq-%d/photo.jpg" % seqa: self.j1, "GJ-03/seq-%d/台账.png" % seqa: self.p1,
                    "GJ-03/seq-%d/report.pdf" % seqa: PDF, "GJ-03/seq-%d/photo.jpg" % (seqa + 1): self.j2,
                    "GJ-03/seq-%d/签字表.docx" % (seqa + 1): DOCX}
            for n, b in want.items():
                check(n in names, "%s in the zip: %s" % (n, sorted(names)))
                eq(sha(zf.read(n)), sha(b), "%s bytes" % n)
            htmls = [n for n in names if n.endswith(".html")]
            eq(len(htmls), 1, "one HTML")
            page = zf.read(htmls[0]).decode("utf-8")
            check("GJ-03" in page and page.count("data:image/") == 3, "the dossier HTML")
            eq(names, set(want) | set(htmls), "nothing else")
        eq([f for f in os.listdir(self.out) if ".tmp" in f], [], "no temp file left")
        z2 = os.path.join(self.out, "by-extension.zip")
        eq(self.ctl("dossier", "GJ-03", "-o", z2).rc, 0, "-o FILE.zip")
        check(zipfile.is_zipfile(z2), "the format from the extension")

    def test_dossier_of_the_inspection(self):
        html = os.path.join(self.out, "all.html")
        r = self.ctl("dossier", "--inspection", INSP, "-o", html, env=ZH)
        eq(r.rc, 0, "inspection dossier: %r" % r)
        text, pages, imgs = self.pdf_of(html, "all")
        refs = [it["ref"] for it in self.d.call("list", {"inspection": INSP})["items"]]
        flat = re.sub(r"\s+", "", text)
        eq([x for x in refs if x not in flat], [], "every ref in the PDF")
        check(29 <= pages <= 80, "a page or a few per item: %d" % pages)
        # GJ-03: 3 images; GJ-01: 2; item 7: 1 (still intact here)
        eq(len(imgs), 6, "every image: %r" % imgs)
        z = os.path.join(self.out, "all.zip")
        eq(self.ctl("dossier", "--inspection", INSP, "--format", "zip", "-o", z).rc, 0, "zip")
        with zipfile.ZipFile(z) as zf:
            names = zf.namelist()
            check(any(n.startswith("GJ-01/") and n.endswith("/回访.png") for n in names), "GJ-01 review file")
            big = [n for n in names if n.endswith("/scan.bin")]
            eq(len(big), 1, "the large file")
            eq(sha(zf.read(big[0])), sha(self.big), "its bytes")
            check(any(n.endswith("/_._escape.txt") for n in names), "hostile name made safe in the zip")
            check(not any(n.startswith("/") or "/../" in n or n.startswith("..") for n in names),
                  "no path escapes: %r" % names)

    def test_dossier_json_without_a_file_is_rectds_answer(self):
        r = self.ctl("dossier", "GJ-03", json_out=True)
        eq(r.rc, 0, "dossier --json: %r" % r)
        doc = r.json()
        eq(doc["items"][0]["item"]["ref"], "GJ-03", "the dossier result")
        eq(doc["head"], self.d.call("ping")["head"], "its head")

    def test_dossier_usage(self):
        for args in (("dossier",), ("dossier", "3", "--inspection", INSP), ("dossier", "3", "--format", "pdf"),
                     ("dossier", "3", "--format", "zip")):
            eq(self.ctl(*args).rc, 1, "usage: %r" % (args,))
        eq(self.ctl("dossier", "NOPE-9").rc, 3, "unknown item")
        eq(self.ctl("dossier", "--inspection", "nope").rc, 3, "unknown inspection")

    def test_help(self):
        for cmd in (("evidence", "get"), ("dossier",)):
            r = self.ctl(*cmd, "--help")
            eq(r.rc, 0, "%s --help" % " ".join(cmd))
            check("Example" in r.out or "例" in r.out, "help text: %s" % r.out)
        r = self.ctl("evidence", "get", "--help", env=ZH)
        check("按 SHA-256 校验" in r.out, "zh help: %s" % r.out)
        r = self.ctl("dossier", "--help", env=ZH)
        check("整改档案" in r.out and "示例" in r.out, "zh help: %s" % r.out)

    # -- damage: last, since they change the database --
    def test_later_a_damaged_blob_is_an_error_naming_it(self):
        d = self.d
        seq = [e["seq"] for e in d.call("history", {"item": 7})["events"] if e["action"] == "evidence"][0]
        d.stop()
        p = subprocess.run([TAMPER, d.data_dir, "blob", sha(self.doomed), "flip"], stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        rep, data = self.blob(7, sha(self.doomed))
        eq((rep["ok"], rep["error"]["code"], data), (False, "damaged", None), "damaged blob refused")
        msg = rep["error"]["message"]
        for want in ("item 7", "#%d" % seq, "damaged.png", sha(self.doomed)):
            check(want in msg, "%r in %s" % (want, msg))
        out = self.fresh("damaged")
        r = self.ctl("evidence", "get", "7", "-o", out)
        eq(r.rc, 3, "evidence get of a damaged file: %r" % r)
        check("damaged.png" in r.err and sha(self.doomed) in r.err, "names it: %s" % r.err)
        eq(os.listdir(out), [], "no file written, no temp file left")
        html = os.path.join(self.out, "damaged.html")
        r = self.ctl("dossier", "7", "-o", html)
        eq(r.rc, 3, "dossier with a damaged file: %r" % r)
        check(not os.path.exists(html), "no dossier written")
        # the other items are unharmed
        rep, data = self.blob(3, sha(self.p1))
        eq(data, self.p1, "other files still readable")

    def test_later_a_damaged_large_file_is_refused_at_every_chunk(self):
        """A download of many chunks hashes the file once (rectd remembers the
        check for a minute); a restart forgets it, and a file damaged while
        rectd was stopped is refused at its first chunk and at its last."""
        d = self.d
        for off in range(0, len(self.big) + 1, CHUNK):  # read whole, checked once, before the damage
            rep, data = self.blob(5, sha(self.big), off, CHUNK)
            eq(data, self.big[off:off + CHUNK], "chunk at %d" % off)
        d.stop()
        p = subprocess.run([TAMPER, d.data_dir, "blob", sha(self.big), "flip"], stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        for off in (0, CHUNK, len(self.big) // CHUNK * CHUNK):
            rep, data = self.blob(5, sha(self.big), off, CHUNK)
            eq((rep["ok"], rep.get("error", {}).get("code"), data), (False, "damaged", None),
               "chunk at %d of the damaged file" % off)
            check(sha(self.big) in rep["error"]["message"], rep["error"]["message"])
        out = self.fresh("damaged-big")
        r = self.ctl("evidence", "get", "5", "-o", out)
        eq(r.rc, 3, "evidence get of a damaged large file: %r" % r)
        eq(os.listdir(out), [], "no file written, no temp file left")

    def test_later_missing_blob_is_an_error_naming_it(self):
        d = self.d
        d.stop()
        p = subprocess.run([TAMPER, d.data_dir, "blob", sha(DOCX), "delete"], stderr=subprocess.PIPE)
        eq(p.returncode, 0, "rect-tamper: %s" % p.stderr)
        d.start()
        rep, _ = self.blob(3, sha(DOCX))
        eq(rep["error"]["code"], "damaged", "missing blob")
        check("签字表.docx" in rep["error"]["message"] and "missing" in rep["error"]["message"],
              rep["error"]["message"])
        out = self.fresh("missing")
        r = self.ctl("evidence", "get", "3", "-o", out)
        eq(r.rc, 3, "evidence get: %r" % r)
        check("签字表.docx" in r.err, "names it: %s" % r.err)
        check(not any(n.endswith("签字表.docx") for n in self.listing(out)), "not written")
        check(not any(n.startswith(".rectctl") for n in os.listdir(out)), "no temp file")


def main(argv):
    return e2e_runner.main("e2e-dossier", [Dossier], argv, needs=("RECTD", "RECTCTL"),
                           setup_failure="once", count_clean_stop=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
