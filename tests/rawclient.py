#!/usr/bin/python3
"""rawclient - an independent rectd client, written from docs/PROTOCOL.md only.

It shares no code with rectctl: raw ZeroMQ (REQ, or DEALER for malformed
envelopes) and JSON from the standard library. Also here: the hash-chain check
("Canonical bytes", "Chain") and the rebuild of items from events ("Items are a
view of the events"), so tests can hold rectd to the published formats.

As a module:
    c = Client("ipc:///tmp/x/r.sock", "wangyan")
    c.call("ping")                        -> result dict, or raises Refused
    c.request("show", {"item": 1})        -> the whole reply dict
    c.call("evidence", {"item": 1, "note": "…", "files": ["a.jpg"]},
           files=[b"..."])
    events = all_events(c); verify_chain(events); rebuild_items(events)

Every connection is CURVE (PROTOCOL.md, "Transport"): a Client takes its
user's key pair from the folder registered for its endpoint
(register_keys(endpoint, server_pub_file, keys_dir): KEYS_DIR/USER.key), or
keys=(server_public, public, secret) given outright. A user with no key file
connects with the registered fallback user's key (so that a test can send a
request naming an unknown user and see rectd refuse it).

As a command (exit 0 ok, 3 refused, 2 no reply, 1 usage):
    rawclient.py ENDPOINT USER CMD [JSON-ARGS] [--file PATH]... [--timeout MS] [--keys DIR --server-key FILE]
    rawclient.py ENDPOINT USER @chain      # fetch every event, verify the chain
    rawclient.py ENDPOINT USER @rebuild    # ... and compare rebuilt items
"""

import hashlib
import json
import os
import sys
import uuid

import zmq

WRITE_COMMANDS = frozenset(
    ["add", "import", "assign", "start", "evidence", "verify", "close", "reopen",
     # acts of people (tests/e2e-acts.py)
     "ledger_sign", "urge", "reply", "acknowledge",
     # passwords (tests/e2e-web.py)
     "passwd"])
READ_COMMANDS = frozenset(["ping", "list", "show", "history"])
ITEM_KEYS = frozenset([
    "id", "ref", "inspection", "source", "kind", "title", "description",
    "measures", "leader", "unit", "owner", "deadline", "state", "created",
    "updated", "evidence_count", "rejections",
    # deadlines, acceptance and consolidation (PROTOCOL.md, "Item object")
    "original_deadline", "extensions", "extension", "escalations", "verified_by",
    "verified_at", "closed_by", "closed_at", "next_review", "relapses",
    # days overdue before a deadline moved, kept counted (separation of duties)
    "overdue_days_carried"])
ITEM_COUNTERS = frozenset(["evidence_count", "rejections", "extensions", "escalations", "relapses",
                           "overdue_days_carried"])
# null until the step that sets them happens
ITEM_LATER = frozenset(["extension", "verified_by", "verified_at", "closed_by", "closed_at",
                        "next_review"])
# What an item is at a date (daemon/facts.c): added to list and overdue items
# (and beside show's item, as "facts") at read time, never stored.
ITEM_FACTS = frozenset(["light", "days_overdue", "open", "awaiting_closure", "days_late",
                        "review_due"])
ZERO_HASH = "0" * 64


# endpoint -> (rectd's public key (Z85 text), keys folder, fallback user)
_KEYRING = {}


def read_key_file(path):
    """{"user", "public", "secret"?} from a rectd key file (PROTOCOL.md, "Key files")."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
    return out


def register_keys(endpoint, server_pub_file, keys_dir, fallback_user=None):
    """Clients of endpoint take their keys from keys_dir (USER.key)."""
    _KEYRING[endpoint] = (read_key_file(server_pub_file)["public"], keys_dir, fallback_user)


def keys_for(endpoint, user):
    """(server_public, public, secret) of user at endpoint, or None."""
    ring = _KEYRING.get(endpoint)
    if not ring:
        return None
    server, folder, fallback = ring
    for who in (user, fallback):
        path = os.path.join(folder, "%s.key" % who) if who else None
        if path and os.path.exists(path):
            k = read_key_file(path)
            return server, k["public"], k["secret"]
    return None


def user_of_frames(frames):
    """The "user" of the request among raw frames, or None."""
    for f in frames:
        try:
            req = json.loads(bytes(f).decode("utf-8"))
        except ValueError:
            continue
        if isinstance(req, dict) and isinstance(req.get("user"), str):
            return req["user"]
    return None


def secure(sock, keys):
    """Make sock a CURVE client with keys = (server_public, public, secret)."""
    server, public, secret = keys
    sock.curve_serverkey = server.encode()
    sock.curve_publickey = public.encode()
    sock.curve_secretkey = secret.encode()


class NoReply(Exception):
    """No reply within the timeout (after every try)."""


class Refused(Exception):
    """rectd answered {"ok": false, "error": {...}}."""

    def __init__(self, code, message, reply=None):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.reply = reply


class ChainError(Exception):
    """The events do not form the documented hash chain."""


class Client:
    """A REQ client with the protocol's Lazy Pirate retry.

    client_id is sent with write commands; seq counts up from 1. tries is the
    number of sends (same client and seq) before giving up with NoReply.
    """

    def __init__(self, endpoint, user, timeout_ms=10000, tries=1, client_id=None,
                 ctx=None, keys=None):
        self.endpoint = endpoint
        self.user = user
        # Given keys are pinned; else each message goes with the key of the
        # user it names (the test client holds every demo key).
        self.pinned = keys is not None
        self.keys = keys or keys_for(endpoint, user)
        self.timeout_ms = timeout_ms
        self.tries = tries
        self.client_id = client_id or ("raw-" + uuid.uuid4().hex)
        self.seq = 0
        self.ctx = ctx or zmq.Context.instance()
        self.sock = None

    # -- sockets ----------------------------------------------------------
    def _open(self):
        self.sock = self.socket(zmq.REQ)
        self.sock.connect(self.endpoint)

    def socket(self, kind):
        """A new socket of kind with linger 0 and this client's CURVE keys."""
        sock = self.ctx.socket(kind)
        sock.setsockopt(zmq.LINGER, 0)
        if self.keys:
            secure(sock, self.keys)
        return sock

    def _reset(self):
        if self.sock is not None:
            self.sock.close(linger=0)
            self.sock = None

    def close(self):
        self._reset()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- frames -----------------------------------------------------------
    def send_frames(self, frames, timeout_ms=None, tries=None):
        """Send frames (bytes) as one REQ message; return the reply frames.

        REQ adds the empty delimiter itself. Raises NoReply after `tries`
        sends without an answer; the socket is reopened between tries.
        """
        timeout_ms = self.timeout_ms if timeout_ms is None else timeout_ms
        tries = self.tries if tries is None else tries
        if not self.pinned:
            keys = keys_for(self.endpoint, user_of_frames(frames) or self.user)
            if keys != self.keys:
                self._reset()
                self.keys = keys
        for _ in range(tries):
            if self.sock is None:
                self._open()
            self.sock.send_multipart(frames)
            if self.sock.poll(timeout_ms, zmq.POLLIN):
                return self.sock.recv_multipart()
            self._reset()
        raise NoReply("no reply from %s after %d tries of %d ms"
                      % (self.endpoint, tries, timeout_ms))

    def send_raw(self, frame, *attachments, timeout_ms=None):
        """Send one raw request frame (+ attachments); return the reply bytes."""
        reply = self.send_frames([frame] + list(attachments), timeout_ms=timeout_ms)
        if len(reply) != 1:
            raise AssertionError("reply has %d frames, want 1" % len(reply))
        return reply[0]

    # -- requests ---------------------------------------------------------
    def envelope(self, cmd, args=None, user=None, seq=None, client=None):
        """The request object for cmd; write commands get client and seq."""
        req = {"v": 1, "cmd": cmd, "user": self.user if user is None else user}
        if args is not None:
            req["args"] = args
        if cmd in WRITE_COMMANDS or seq is not None:
            if seq is None:
                self.seq += 1
                seq = self.seq
            req["client"] = self.client_id if client is None else client
            req["seq"] = seq
        return req

    def request_bytes(self, cmd, args=None, files=(), user=None, seq=None):
        """Send a request; return the raw reply frame (bytes)."""
        req = self.envelope(cmd, args, user=user, seq=seq)
        frame = json.dumps(req, ensure_ascii=False).encode("utf-8")
        return self.send_raw(frame, *[bytes(f) for f in files])

    def request(self, cmd, args=None, files=(), user=None, seq=None):
        """Send a request; return the reply object (ok or not)."""
        raw = self.request_bytes(cmd, args, files, user=user, seq=seq)
        return parse_reply(raw)

    def call(self, cmd, args=None, files=(), user=None):
        """Send a request; return its result, or raise Refused."""
        reply = self.request(cmd, args, files, user=user)
        if reply["ok"]:
            return reply["result"]
        raise Refused(reply["error"]["code"], reply["error"]["message"], reply)


def parse_reply(raw):
    """Decode a reply frame and check its documented shape."""
    reply = json.loads(raw.decode("utf-8"))
    if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
        raise AssertionError("malformed reply: %r" % raw[:200])
    if reply["ok"]:
        if set(reply) != {"ok", "result"}:
            raise AssertionError("ok reply keys %s" % sorted(reply))
    else:
        err = reply.get("error")
        if (set(reply) != {"ok", "error"} or not isinstance(err, dict)
                or not isinstance(err.get("code"), str)
                or not isinstance(err.get("message"), str)):
            raise AssertionError("malformed error reply: %r" % raw[:300])
    return reply


# ---- hash chain --------------------------------------------------------

def canonical_bytes(event):
    """The documented canonical bytes: the event without prev and hash,
    sorted keys, no whitespace, UTF-8, only mandatory escapes."""
    body = {k: v for k, v in event.items() if k not in ("prev", "hash")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def event_hash(prev_hex, event):
    """hex SHA-256(prev_raw || canonical_bytes(event))."""
    return hashlib.sha256(bytes.fromhex(prev_hex) + canonical_bytes(event)).hexdigest()


def verify_chain(events, head=None):
    """Check a complete event list (seq 1..N, any order given).

    seq must run 1, 2, … with no gaps or duplicates, each prev must be the
    previous hash (64 zeros for seq 1) and each hash must be recomputed
    exactly. head, if given, is ping's {"seq", "hash"} and must match the last
    event. Returns the number of events; raises ChainError on the first
    problem.
    """
    evs = sorted(events, key=lambda e: e["seq"])
    prev = ZERO_HASH
    for i, ev in enumerate(evs, start=1):
        if ev.get("seq") != i:
            raise ChainError("expected seq %d, found %r" % (i, ev.get("seq")))
        if ev.get("prev") != prev:
            raise ChainError("seq %d: prev %r, want %s" % (i, ev.get("prev"), prev))
        want = event_hash(prev, ev)
        if ev.get("hash") != want:
            raise ChainError("seq %d: hash %r, recomputed %s (canonical %r)"
                             % (i, ev.get("hash"), want, canonical_bytes(ev)[:300]))
        prev = want
    if head is not None:
        if head.get("seq") != len(evs):
            raise ChainError("head seq %r, but %d events" % (head.get("seq"), len(evs)))
        if len(evs) and head.get("hash") != prev:
            raise ChainError("head hash %r, last event hash %s" % (head.get("hash"), prev))
    return len(evs)


def rebuild_items(events):
    """Items as a view of the events: apply each event's changes in seq order,
    starting from {"id": item}; created = at of the claim, updated = at of the
    item's last event. Inspection events (item 0) are no item's: skipped
    (rebuild_inspections). Returns {id: item}."""
    items = {}
    for ev in sorted(events, key=lambda e: e["seq"]):
        if ev["item"] == 0:
            continue
        it = items.setdefault(ev["item"], {"id": ev["item"]})
        for field, change in ev.get("changes", {}).items():
            if not isinstance(change, list) or len(change) != 2:
                raise ChainError("seq %d: change of %s is %r, want [old, new]"
                                 % (ev["seq"], field, change))
            it[field] = change[1]
        if ev["action"] == "claim":
            it["created"] = ev["at"]
        it["updated"] = ev["at"]
    return items


# Actions about no item (item 0) that change inspection records (PROTOCOL.md, "Inspection events");
# "sign" is about no item too, and changes no record (rebuild_sign_offs).
INSPECTION_ACTIONS = frozenset(["inspection", "decline", "withdraw_decline"])


def rebuild_inspections(events):
    """Inspection records as a view of the inspection events (item 0, action
    "inspection", "decline" or "withdraw_decline"): apply each one's changes
    in seq order to the record of the inspection named by the new value of
    "name"; created = at and by = actor of its first event. A decline or a
    withdrawal names a recorded inspection ([N, N]) and changes only its
    "declined" list. Returns {name: record}."""
    recs = {}
    for ev in sorted(events, key=lambda e: e["seq"]):
        if ev["item"] != 0 or ev["action"] == "backup":  # a backup changes no record
            continue
        if ev["action"] == "sign":
            _check_sign(ev, recs, events)
            continue
        if ev["action"] == "password_reset":
            # names the user only: a password hash never enters the chain
            if set(ev["changes"]) != {"user"} or not isinstance(ev["changes"]["user"], str):
                raise ChainError("seq %d: a password_reset event names the user only: %r"
                                 % (ev["seq"], ev["changes"]))
            continue
        if ev["action"] not in INSPECTION_ACTIONS:
            raise ChainError("seq %d: item 0 with action %r" % (ev["seq"], ev["action"]))
        if ev["action"] != "inspection":
            ch = ev["changes"]
            if set(ch) != {"name", "declined"} or ch["name"][0] != ch["name"][1] \
                    or ch["name"][0] not in recs or not isinstance(ch["declined"][1], list):
                raise ChainError("seq %d: a %s event must name a recorded inspection and change "
                                 "only its declined list: %r" % (ev["seq"], ev["action"], ch))
        name = ev["changes"]["name"][1]
        rec = recs.setdefault(name, {"created": ev["at"], "by": ev["actor"]})
        for field, change in ev["changes"].items():
            if rec.get(field) != change[0]:
                raise ChainError("seq %d: inspection %s %s is %r, the event says %r"
                                 % (ev["seq"], name, field, rec.get(field), change[0]))
            rec[field] = change[1]
    return recs


def _check_sign(ev, recs, events):
    """A sign event (item 0): changes {"inspection", "head", "note"?} name an
    inspection recorded or claimed before it, and the chain head just before
    it (its prev)."""
    ch, seq = ev["changes"], ev["seq"]
    name, head = ch.get("inspection"), ch.get("head")
    if set(ch) - {"inspection", "head", "note"} or not isinstance(name, str) or not name:
        raise ChainError("seq %d: a sign event with changes %r" % (seq, ch))
    if not isinstance(head, str) or len(head) != 64 or head.strip("0123456789abcdef"):
        raise ChainError("seq %d: a sign event's head %r is not 64 hex digits" % (seq, head))
    if "prev" in ev and ev["prev"] != head:
        raise ChainError("seq %d: signs head %s but the head before it was %s" % (seq, head, ev["prev"]))
    known = name in recs or any(
        e["seq"] < seq and e["item"] != 0 and e["action"] == "claim"
        and e["changes"].get("inspection", [None, None])[1] == name for e in events)
    if not known:
        raise ChainError("seq %d: signs inspection %s, which no earlier event records" % (seq, name))


def rebuild_sign_offs(events):
    """The latest sign-off of each inspection, as daemon/replay.c makes it
    (the ledger's "sign_off" without by_display): who, when, the sign event's
    seq, the head it signs (the one before it), the note, how many earlier
    sign-offs it supersedes, and the events after it that touched the
    inspection's items (by the items' inspection then) or its record."""
    out, item_insp = {}, {}
    for ev in sorted(events, key=lambda e: e["seq"]):
        seq, ch = ev["seq"], ev["changes"]
        touched = []
        if ev["item"] == 0 and ev["action"] == "sign":
            was = out.get(ch["inspection"])
            out[ch["inspection"]] = {
                "by": ev["actor"], "at": ev["at"], "seq": seq,
                "head": {"seq": seq - 1, "hash": ch["head"]}, "note": ch.get("note"),
                "superseded": was["superseded"] + 1 if was else 0, "changed": False,
                "changes": {"events": 0, "record": False, "items": [], "first_seq": None,
                            "last_seq": None}}
            continue
        if ev["item"] == 0 and ev["action"] == "backup":  # about no inspection
            continue
        if ev["item"] == 0 and ev["action"] == "password_reset":
            continue  # about a user, not an inspection
        if ev["item"] == 0:
            touched.append((ch["name"][1], 0))
        else:
            left = item_insp.get(ev["item"])
            if "inspection" in ch:
                item_insp[ev["item"]] = ch["inspection"][1]
            now = item_insp.get(ev["item"])
            touched.append((now, ev["item"]))
            if left and left != now:
                touched.append((left, ev["item"]))
        for name, item in touched:
            so = out.get(name)
            if not so or so["seq"] >= seq:
                continue
            c = so["changes"]
            so["changed"] = True
            c["events"] += 1
            c["first_seq"] = c["first_seq"] or seq
            c["last_seq"] = seq
            if item == 0:
                c["record"] = True
            elif item not in c["items"]:
                c["items"].append(item)
    return out


def pages_all(client, cmd, key, args=None, user=None):
    """Every entry (result[key]) of a listing rectd answers in pages: page
    after page, with `after` set to each page's `next` while there is one."""
    args = dict(args or {})
    out = []
    while True:
        res = client.call(cmd, args, user=user)
        out.extend(res[key])
        if res.get("next") is None:
            return out
        args["after"] = res["next"]


def list_all(client, args=None, user=None):
    """Every item `list` matches (rectd answers at most `limit` a page)."""
    return pages_all(client, "list", "items", args, user)


def inbox_all(client, args=None, user=None):
    """Every notice `inbox` with args answers the acting user."""
    return pages_all(client, "inbox", "notices", args, user)


def all_events(client, ids=None):
    """Every event, in seq order: `history` of every item (or of ids) and
    `inspection_history` (the inspection events, item 0)."""
    if ids is None:
        ids = [it["id"] for it in list_all(client)]
    events = {ev["seq"]: ev for ev in client.call("inspection_history")["events"]}
    for i in ids:
        for ev in client.call("history", {"item": i})["events"]:
            events[ev["seq"]] = ev
    return [events[s] for s in sorted(events)]


# ---- command line --------------------------------------------------------

def _usage():
    sys.stderr.write(
        "usage: rawclient.py ENDPOINT USER CMD [JSON-ARGS] [--file PATH]... [--timeout MS]\n"
        "       rawclient.py ENDPOINT USER @chain|@rebuild [--timeout MS]\n")
    return 1


def main(argv):
    files, timeout, pos, keys_dir, server_key = [], 10000, [], None, None
    it = iter(argv)
    for a in it:
        if a == "--file":
            files.append(next(it, None))
        elif a == "--keys":
            keys_dir = next(it, None)
        elif a == "--server-key":
            server_key = next(it, None)
        elif a == "--timeout":
            timeout = int(next(it, "0") or 0)
        elif a in ("-h", "--help"):
            return _usage()
        else:
            pos.append(a)
    if len(pos) not in (3, 4) or None in files or timeout <= 0:
        return _usage()
    endpoint, user, cmd = pos[:3]
    if keys_dir and server_key:
        register_keys(endpoint, server_key, keys_dir)
    try:
        args = json.loads(pos[3]) if len(pos) == 4 else None
    except ValueError as e:
        sys.stderr.write("rawclient: JSON-ARGS: %s\n" % e)
        return 1
    blobs = []
    for path in files:
        with open(path, "rb") as f:
            blobs.append(f.read())
    if files and args is not None and "files" not in args and cmd == "evidence":
        args["files"] = [os.path.basename(p) for p in files]
    with Client(endpoint, user, timeout_ms=timeout, tries=3) as c:
        try:
            if cmd in ("@chain", "@rebuild"):
                events = all_events(c)
                n = verify_chain(events, c.call("ping")["head"])
                print("chain ok: %d events" % n)
                if cmd == "@rebuild":
                    got = {i["id"]: i for i in list_all(c)}
                    want = rebuild_items(events)
                    bad = [i for i in sorted(set(got) | set(want))
                           if got.get(i) != want.get(i)]
                    if bad:
                        print("rebuilt items differ: ids %s" % bad[:20])
                        return 3
                    print("rebuild ok: %d items" % len(got))
                    keys = ("name", "title", "fed_back", "created", "by", "declined")
                    got = {i["name"]: {k: i[k] for k in keys if k in i}
                           for i in c.call("inspection_list")["inspections"] if i["created"]}
                    if got != rebuild_inspections(events):
                        print("rebuilt inspections differ")
                        return 3
                    print("rebuild ok: %d inspections" % len(got))
                return 0
            raw = c.request_bytes(cmd, args, blobs)
        except NoReply as e:
            sys.stderr.write("rawclient: %s\n" % e)
            return 2
        except (Refused, ChainError) as e:
            sys.stderr.write("rawclient: %s\n" % e)
            return 3
    sys.stdout.write(raw.decode("utf-8", "replace") + "\n")
    return 0 if parse_reply(raw)["ok"] else 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
