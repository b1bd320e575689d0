"""e2e_conf - derive test configs from rectd.conf's text, and ask rectd
what a config means.

The effective config comes from rectd itself (`rectd --check --json`,
effective()): the tests never parse libconfig. What is here edits config
text for the tests (set_setting, setting_line) and tokenises it
(_TOKEN, for helpers that cut groups out of the text).
"""

import json
import os
import re
import subprocess
import tempfile

_TOKEN = re.compile(r'''
    (?P<ws>\s+|\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<float>[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+)
  | (?P<hex>0[xX][0-9a-fA-F]+L{0,2})
  | (?P<int>[-+]?\d+L{0,2})
  | (?P<bool>(?i:true|false)\b)
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[=:;,{}\[\]()])
''', re.S | re.X)


class ConfError(Exception):
    pass


def effective(path, rectd=None):
    """The config at path as rectd understands it: `rectd --check --json`
    (every default filled in, paths absolute, keys as public keys or paths).
    Grouped as rectd.conf is: cfg["daemon"]["endpoint"], cfg["users"][i]
    {"name", "display", "roles", "public_key"}, cfg["units"] [{"id", "name"}].
    Raises ConfError with rectd's FILE:LINE message when rectd refuses it."""
    if rectd is None:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        rectd = os.path.abspath(os.environ.get("RECTD") or os.path.join(repo, "rectd"))
    p = subprocess.run([rectd, "--check", "--json", "-c", path], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        raise ConfError(err.strip() or "rectd --check --json exited %d" % p.returncode)
    for mark in ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"):
        if mark in err:
            raise AssertionError("sanitizer report from rectd --check --json:\n" + err)
    return json.loads(p.stdout.decode("utf-8"))


def load(path):
    """The effective config of the file at path (effective())."""
    return effective(path)


def parse(text, folder=None):
    """The effective config of config text, written to a file in folder
    (default: a fresh temporary folder, against which relative paths then
    resolve) and given to effective(). Kept for older suites; prefer
    effective() on the file rectd itself reads."""
    tmp = folder or tempfile.mkdtemp(prefix="rc", dir="/tmp")
    fd, path = tempfile.mkstemp(suffix=".conf", dir=tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return effective(path)
    finally:
        os.unlink(path)
        if folder is None:
            os.rmdir(tmp)


def _fmt(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) + ("L" if abs(value) > 2**31 - 1 else "")
    if isinstance(value, str):
        return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    raise TypeError(value)


def set_setting(text, group, key, value):
    """Return text with group.key set to value (a Python scalar).

    Replaces an existing uncommented `key = ...;` line inside `group`, or
    inserts one right after the line that opens the group. The file's
    own layout (one setting per line) is assumed, as in config/rectd.conf.
    """
    lines = text.split("\n")
    open_re = re.compile(r'^\s*%s\s*[=:]?\s*\{' % re.escape(group))
    key_re = re.compile(r'^(\s*)%s\s*[=:]\s*[^;]*;?\s*(#.*|//.*)?$' % re.escape(key))
    start = next((i for i, l in enumerate(lines) if open_re.match(l)), None)
    if start is None:
        raise ConfError("group %s not found" % group)
    depth, i = 0, start
    while i < len(lines):
        depth += lines[i].count("{") - lines[i].count("}")
        m = key_re.match(lines[i]) if i > start else None
        if m and depth == 1:
            lines[i] = "%s%s = %s;" % (m.group(1), key, _fmt(value))
            return "\n".join(lines)
        if depth <= 0 and i > start:
            break
        i += 1
    lines.insert(start + 1, "    %s = %s;" % (key, _fmt(value)))
    return "\n".join(lines)


def setting_line(text, group, key):
    """1-based line number of group.key's line, or None."""
    lines = text.split("\n")
    open_re = re.compile(r'^\s*%s\s*[=:]?\s*\{' % re.escape(group))
    key_re = re.compile(r'^\s*%s\s*[=:]' % re.escape(key))
    start = next((i for i, l in enumerate(lines) if open_re.match(l)), None)
    if start is None:
        return None
    depth = 0
    for i in range(start, len(lines)):
        depth += lines[i].count("{") - lines[i].count("}")
        if i > start and depth == 1 and key_re.match(lines[i]):
            return i + 1
        if depth <= 0 and i > start:
            return None
    return None
