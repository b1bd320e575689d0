#!/usr/bin/python3
"""flood.py - a notify hook that writes 3 MiB on stderr, then sleeps up to
10 s: rectd must kill it once it has written more than 1 MiB (its stderr file
is on rectd's disk), long before its timeout_s."""
import sys
import time

sys.stdin.buffer.read()
chunk = b"x" * 65536
for _ in range(48):
    sys.stderr.buffer.write(chunk)
    sys.stderr.buffer.flush()
time.sleep(10)
