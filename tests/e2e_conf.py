"""e2e_conf - read rectd.conf (libconfig syntax) and derive test configs.

A small libconfig reader, enough for rectd.conf: groups, lists, arrays,
strings (adjacent ones concatenated), integers (decimal, hex, L suffix),
floats, booleans, and # // /* */ comments. @include is not supported.
"""

import re

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

_ESC = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "\\": "\\", '"': '"'}


class ConfError(Exception):
    pass


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise ConfError("line %d: cannot read %r" % (line, text[pos:pos + 20]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        out.append((kind, m.group(kind)))
    return out


def _unquote(s):
    body, out, i = s[1:-1], [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n == "x":
                out.append(chr(int(body[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append(_ESC.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class _Parser:
    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, want=None):
        tok = self.peek()
        if tok[0] is None or (want is not None and tok[1] != want):
            raise ConfError("expected %r, found %r" % (want, tok[1]))
        self.i += 1
        return tok

    def settings(self, end):
        group = {}
        while self.peek()[1] != end:
            kind, name = self.take()
            if kind != "name":
                raise ConfError("expected a setting name, found %r" % name)
            if self.peek()[1] in ("=", ":"):
                self.take()
            group[name] = self.value()
            if self.peek()[1] in (";", ","):
                self.take()
        return group

    def value(self):
        kind, tok = self.peek()
        if tok == "{":
            self.take()
            g = self.settings("}")
            self.take("}")
            return g
        if tok in ("[", "("):
            close = "]" if tok == "[" else ")"
            self.take()
            items = []
            while self.peek()[1] != close:
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take()
            self.take(close)
            return items
        self.take()
        if kind == "str":
            s = _unquote(tok)
            while self.peek()[0] == "str":
                s += _unquote(self.take()[1])
            return s
        if kind == "int":
            return int(tok.rstrip("L"))
        if kind == "hex":
            return int(tok.rstrip("L"), 16)
        if kind == "float":
            return float(tok)
        if kind == "bool":
            return tok.lower() == "true"
        raise ConfError("unexpected %r" % tok)


def parse(text):
    """Parse libconfig text into nested dicts and lists."""
    p = _Parser(_tokens(text))
    root = p.settings(None)
    return root


def load(path):
    with open(path, encoding="utf-8") as f:
        return parse(f.read())


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
