#!/usr/bin/python3
# man/update-commands.py [RECTCTL]: rewrite the command list of rectctl(1),
# in man/rectctl.1 and man/zh_CN/rectctl.1, from rectctl's own --help (the
# English and the Chinese one, from its catalogue), so that the pages list
# every command with its summary as rectctl says it. Run it after adding a
# command (and its translation); tests/e2e-install.py checks that no command
# is missing. RECTCTL defaults to ./rectctl (a build in the source tree).
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RECTCTL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "rectctl")


def commands(language):
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="", LANGUAGE=language)
    out = subprocess.run([RECTCTL, "--help"], capture_output=True, text=True, env=env, check=True).stdout
    block = out.split("\n\n")[2].splitlines()[1:]  # after "Commands:"
    found = []
    for line in block:
        m = re.match(r"  (\S+(?: [a-z]+)?)\s{2,}(.*)", line)
        if not m:
            sys.exit("update-commands: cannot read the command line %r" % line)
        found.append((m.group(1), m.group(2)))
    return found


def roff(cmds):
    text = ""
    for name, summary in cmds:
        summary = summary.replace("\\", "\\\\").replace("--", "\\-\\-")
        text += '.TP\n.B "%s"\n%s\n' % (name, summary)
    return text


for page, start, end, language in (("rectctl.1", ".SH COMMANDS\n", ".SH GLOBAL OPTIONS\n", ""),
                                   ("zh_CN/rectctl.1", ".SH 命令\n", ".SH 全局选项\n", "zh_CN")):
    path = os.path.join(HERE, page)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    a, b = text.index(start) + len(start), text.index(end)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:a] + roff(commands(language)) + text[b:])
subprocess.run([sys.executable, os.path.join(HERE, "zh-breaks.py"), os.path.join(HERE, "zh_CN", "rectctl.1")],
               check=True)
