#!/usr/bin/python3
"""hang.py DIR RECIPIENT [SECONDS] - a notify hook that hangs for one recipient.

For a notice to RECIPIENT: starts a child `sleep SECONDS` (the same process
group: a timeout must kill it too), writes "PID CHILDPID STARTTIME" to
DIR/hang-<notice id>.pid, then sleeps SECONDS (default 20; bounded, so a
hook rectd failed to kill still ends) and, if it was not killed, writes
DIR/survived-<notice id> and exits 0. Any other notice is appended to
DIR/ok-<notice id> and the hook exits 0 at once. Used by
tests/e2e-notify.py, which kills leftover pids at the end.
"""
import json
import os
import subprocess
import sys
import time

out, who = sys.argv[1], sys.argv[2]
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
started = time.time()
notice = json.loads(sys.stdin.buffer.read().decode("utf-8"))
nid = notice["id"]
if notice.get("recipient") != who:
    with open(os.path.join(out, "ok-%s" % nid), "a", encoding="utf-8") as f:
        f.write(json.dumps(notice, ensure_ascii=False) + "\n")
    sys.exit(0)
child = subprocess.Popen(["/bin/sleep", "%g" % seconds], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
pid_path = os.path.join(out, "hang-%s.pid" % nid)
with open(pid_path + ".tmp", "w") as f:
    f.write("%d %d %.3f\n" % (os.getpid(), child.pid, started))
os.rename(pid_path + ".tmp", pid_path)
time.sleep(seconds)
with open(os.path.join(out, "survived-%s" % nid), "w") as f:
    f.write("not killed\n")
sys.exit(0)
