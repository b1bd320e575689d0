"""verify_signed - check rectd's signed ledgers and anchors without rectd's code.

An independent reading of docs/PROTOCOL.md "Signed ledgers and anchors":
canonical JSON from Python's json module, SHA-256 from hashlib, Ed25519
from python3-cryptography (OpenSSL underneath; rectd uses libsodium). It
shares nothing with rectd or rectctl, so a test that uses it proves the
format, not just that rectd agrees with itself.

    import verify_signed as vs
    pub = vs.load_public("keys/rectd-sign.pub")
    problems = vs.check_ledger(vs.load_file("ledger.json"), pub)   # [] = all match
    problems = vs.check_anchor(vs.load_file("anchor.json"), pub)

Command line: verify_signed.py KEY.pub FILE.json  (a ledger or an anchor;
prints the problems, exit 3 if any, 0 if none).
"""

import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

LEDGER_FORMAT = "rectd-ledger-v1"
ANCHOR_FORMAT = "rectd-anchor-v1"


def canon(v):
    """The canonical bytes (the same rule as the event chain's)."""
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(v):
    return hashlib.sha256(canon(v)).hexdigest()


def key_line(text, tag):
    """The bytes of the one line "TAG: HEX" of a key file's text."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition(":")
        if name == tag:
            found.append(bytes.fromhex(value.strip()))
    if len(found) != 1:
        raise ValueError("%d lines %s" % (len(found), tag))
    return found[0]


def load_public(path):
    with open(path, encoding="utf-8") as f:
        return key_line(f.read(), "ed25519-public")


def signature_ok(pub, fmt, body, sig_hex):
    """Ed25519 over FORMAT "\\n" canonical(body)."""
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(
            bytes.fromhex(sig_hex), fmt.encode() + b"\n" + canon(body))
        return True
    except (InvalidSignature, ValueError):
        return False


def ledger_digests(ledger):
    """What a ledger's signature covers (signature.signed), recomputed."""
    whole = {k: v for k, v in ledger.items() if k != "signature"}
    return {"head": ledger.get("head"),
            "ledger_sha256": digest(whole),
            "fields": {k: digest(v) for k, v in whole.items() if k != "rows"},
            "rows": [{"id": r.get("id"), "ref": r.get("ref"), "sha256": digest(r)}
                     for r in ledger["rows"]]}


def check_ledger(ledger, pub):
    """Problems of a saved ledger against the public key: [] when all match."""
    sig = ledger.get("signature")
    if not isinstance(sig, dict) or sig.get("format") != LEDGER_FORMAT:
        return ["not signed"]
    signed = sig.get("signed")
    if not signature_ok(pub, LEDGER_FORMAT, signed, sig.get("value", "")):
        # public_key is not signed: it only says why
        if str(sig.get("public_key")).lower() != pub.hex():
            return ["signed by another key %s" % sig.get("public_key")]
        return ["bad signature"]
    have = ledger_digests(ledger)
    problems = []
    if have["head"] != signed["head"]:
        problems.append("head")
    for k in sorted(set(signed["fields"]) | set(have["fields"])):
        if signed["fields"].get(k) != have["fields"].get(k):
            problems.append(k)
    want_rows = {r["id"]: r for r in signed["rows"]}
    have_rows = {r["id"]: r for r in have["rows"]}
    for rid in sorted(set(want_rows) | set(have_rows), key=str):
        if want_rows.get(rid) != have_rows.get(rid):
            problems.append("row %s" % rid)
    if not problems and have["ledger_sha256"] != signed["ledger_sha256"]:
        problems.append("ledger_sha256")
    return problems


def check_anchor(anchor, pub):
    if anchor.get("format") != ANCHOR_FORMAT:
        return ["not an anchor"]
    body = {"at": anchor.get("at"), "hash": anchor.get("hash"), "seq": anchor.get("seq")}
    if not signature_ok(pub, ANCHOR_FORMAT, body, anchor.get("signature", "")):
        return ["bad signature"]
    return []


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError("duplicate keys %s: a reader keeping the first would see another file" % dup)
    return dict(pairs)


def _no_constant(name):
    raise ValueError("%s is not JSON a signature can cover" % name)


def load_file(path):
    """A saved ledger or anchor, refusing duplicate keys and NaN/Infinity
    (json.load would silently keep the last duplicate)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def main(argv):
    if len(argv) != 2:
        print("usage: verify_signed.py KEY.pub FILE.json", file=sys.stderr)
        return 1
    pub = load_public(argv[0])
    try:
        doc = load_file(argv[1])
    except ValueError as e:
        print("%s: %s" % (argv[1], e))
        return 3
    problems = check_anchor(doc, pub) if "rows" not in doc else check_ledger(doc, pub)
    for p in problems:
        print(p)
    print("ok" if not problems else "%d problems" % len(problems))
    return 3 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
