#!/usr/bin/python3
"""record.py DIR [ARG...] - a notify hook that always succeeds.

Keeps each delivery as DIR/rec-<notice id>-<pid>.json holding
{"argv": [ARG...], "notice": <the JSON read from stdin>}, written under a
temporary name and renamed, so a reader never sees half a file. Exit 0.
Used by tests/e2e-notify.py.
"""
import json
import os
import sys

out = sys.argv[1]
raw = sys.stdin.buffer.read()
notice = json.loads(raw.decode("utf-8"))
rec = {"argv": sys.argv[2:], "notice": notice}
path = os.path.join(out, "rec-%s-%d.json" % (notice["id"], os.getpid()))
with open(path + ".tmp", "w", encoding="utf-8") as f:
    json.dump(rec, f, ensure_ascii=False)
os.rename(path + ".tmp", path)
sys.exit(0)
