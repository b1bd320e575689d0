#!/usr/bin/python3
"""flaky.py DIR N - a notify hook that fails the first N times per notice.

Every call appends one line to DIR/attempts-<notice id> (the counter file).
Calls 1..N print an error on stderr and exit 1; later calls append the
notice's JSON as one line to DIR/ok-<notice id> and exit 0, so that file
holds one line per successful delivery. Used by tests/e2e-notify.py.
"""
import json
import os
import sys

out, fail_first = sys.argv[1], int(sys.argv[2])
notice = json.loads(sys.stdin.buffer.read().decode("utf-8"))
nid = notice["id"]
with open(os.path.join(out, "attempts-%s" % nid), "a") as f:
    f.write("%d\n" % os.getpid())
with open(os.path.join(out, "attempts-%s" % nid)) as f:
    attempt = len(f.read().splitlines())
if attempt <= fail_first:
    sys.stderr.write("flaky hook: attempt %d of notice %s fails on purpose\n" % (attempt, nid))
    sys.exit(1)
with open(os.path.join(out, "ok-%s" % nid), "a", encoding="utf-8") as f:
    f.write(json.dumps(notice, ensure_ascii=False) + "\n")
sys.exit(0)
