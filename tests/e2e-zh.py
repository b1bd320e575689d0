#!/usr/bin/python3
"""End-to-end tests of issue 10's "every word in Chinese" and "terminal
habits": the same session run in Chinese and in English, checked word for
word for a sample of commands and refusals; refusals' structured details;
tables cut to the terminal's width; colour; help for two-word commands.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-zh.py [-k TEXT]

Chinese comes from the catalogue with LANGUAGE=zh_CN under LC_ALL=C.UTF-8
(the zh_CN.UTF-8 locale need not be generated), as the other suites do.
rectd runs on a pinned clock (2027-01-05 08:30 in Asia/Shanghai) with
config/rectd.conf's users: wangyan 王燕 (admin, verifier), lijun 李军
(leader), maqing 马青 (verifier), xiaoliu 刘晓 (viewer). Ends with
"N passed, M failed".
"""

import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import e2e_runner  # noqa: E402
import e2e_daemon  # noqa: E402
from e2e_runner import check, eq  # noqa: E402
from e2e_daemon import PLAN, Daemon  # noqa: E402

CLOCK = "2027-01-05T00:30:00Z"
ZH = {"LANGUAGE": "zh_CN"}
EN = {}
TITLE = "村道路灯损坏，夜间出行不便，需要尽快修复并建立巡查制度"
N07 = ["--unit", "xiangcun", "--leader", "lijun", "--deadline", "2027-01-31"]

# The session: (user, argv, exit status, Chinese output, English output).
# The outputs are stdout + stderr, word for word.
SESSION = [
    ("wangyan", ["add", "--ref", "2025-N07", "--source", "national", "--kind", "immediate", "--title", TITLE], 0,
     "已认领事项 1（2025-N07）\n",
     "claimed item 1 (2025-N07)\n"),
    ("wangyan", ["assign", "2025-N07", "--owner", "wangyan"] + N07, 0,
     "事项 1（2025-N07）当前状态：已交办；责任人 王燕，整改时限 2027-01-31\n",
     "item 1 (2025-N07) is now assigned: owner 王燕, deadline 2027-01-31\n"),
    # unknown user
    ("wangyan", ["assign", "2025-N07", "--owner", "nobody"] + N07, 3,
     "rectctl: “nobody”不是已配置的用户，请检查用户名或显示名。\n",
     "rectctl: a name the configuration does not have (unknown_name): owner: \"nobody\" is not a configured user\n"),
    # wrong state
    ("maqing", ["verify", "2025-N07", "--pass", "--opinion", "整改到位"], 3,
     "rectctl: 不能验收：事项 2025-N07 的状态是已交办，只有整改中的事项才能验收。\n",
     "rectctl: not possible in the item's present state (invalid_transition): item 1 (2025-N07): the item is "
     "assigned; verify needs rectifying\n"),
    ("wangyan", ["start", "2025-N07"], 0,
     "事项 1（2025-N07）当前状态：整改中\n",
     "item 1 (2025-N07) is now rectifying\n"),
    ("wangyan", ["evidence", "2025-N07", "--note", "已更换路灯"], 0,
     "佐证材料 #4 已添加到事项 1（2025-N07）\n",
     "evidence #4 added to item 1 (2025-N07)\n"),
    # the owner verifies their own item
    ("wangyan", ["verify", "2025-N07", "--pass", "--opinion", "整改到位"], 3,
     "rectctl: 不能验收：事项 2025-N07 的责任人是王燕，责任人不能验收自己的事项，请由其他验收人验收。\n",
     "rectctl: not allowed for this user (permission_denied): item 1 (2025-N07): wangyan is the item's owner in "
     "this round of work and may not verify (pass) it: a verifier who neither owned it nor filed its evidence "
     "since it was last started, sent back, reopened or relapsed must verify it\n"),
    # a missing argument (rectctl's own check)
    ("maqing", ["verify", "2025-N07", "--pass"], 1,
     "rectctl: verify：必须给出 --opinion（参见 'rectctl verify --help'）\n",
     "rectctl: verify: --opinion is required (see 'rectctl verify --help')\n"),
    ("lijun", ["close", "2025-N07", "--note", "销号"], 3,
     "rectctl: 不能销号：事项 2025-N07 的状态是整改中，只有已验收的事项才能销号。\n",
     "rectctl: not possible in the item's present state (invalid_transition): item 1 (2025-N07): the item is "
     "rectifying; close needs verified\n"),
    # permission denied for a role: by the rule book, and by the command table
    ("xiaoliu", ["import", PLAN], 3,
     "rectctl: 不能认领：需要管理员角色，刘晓没有该角色。\n",
     "rectctl: not allowed for this user (permission_denied): claim needs the role admin; xiaoliu does not have "
     "it\n"),
    ("xiaoliu", ["inspection", "add", "2026-spot", "--title", "专项检查"], 3,
     "rectctl: 刘晓不能使用 inspection add 命令：需要管理员角色。\n",
     "rectctl: not allowed for this user (permission_denied): xiaoliu may not use inspection_add\n"),
    ("maqing", ["verify", "2025-N07", "--pass", "--opinion", "整改到位"], 0,
     "事项 1（2025-N07）当前状态：已验收\n",
     "item 1 (2025-N07) is now verified\n"),
    ("xiaoliu", ["close", "2025-N07", "--note", "销号"], 3,
     "rectctl: 不能销号：需要管理员或责任领导角色，刘晓没有该角色。\n",
     "rectctl: not allowed for this user (permission_denied): item 1 (2025-N07): close needs the role admin or "
     "leader; xiaoliu does not have it\n"),
    ("lijun", ["close", "2025-N07", "--note", "对账销号"], 0,
     "事项 1（2025-N07）当前状态：已销号\n",
     "item 1 (2025-N07) is now closed\n"),
    # a ref taken, an inspection that is none, a state that is none
    ("wangyan", ["add", "--ref", "2025-N07", "--source", "national", "--kind", "immediate", "--title", "重复"], 3,
     "rectctl: 考核评估 2025-assessment 中已有编号为 2025-N07 的事项（事项 1），请换一个编号。\n",
     "rectctl: the number is already taken (duplicate_ref): inspection 2025-assessment already has an item with "
     "ref 2025-N07 (id 1)\n"),
    ("wangyan", ["ledger", "--inspection", "2026-nope"], 3,
     "rectctl: 没有考核评估“2026-nope”（rectctl inspection list 可查看；rectctl inspection add 可登记）。\n",
     "rectctl: a name the configuration does not have (unknown_name): no inspection \"2026-nope\": no item "
     "belongs to it and none was recorded (rectctl inspection list shows them)\n"),
    ("wangyan", ["list", "--state", "待办"], 3,
     "rectctl: “待办”不是状态，请用 claimed（已认领）、assigned（已交办）、rectifying（整改中）、verified（已验收）或 "
     "closed（已销号）。\n",
     "rectctl: a value that is not allowed (bad_value): state: \"待办\" is not a state (claimed/已认领, "
     "assigned/已交办, rectifying/整改中, verified/已验收 or closed/已销号)\n"),
    # a state is typed as it is shown, too
    ("wangyan", ["list", "--state", "已销号"], 0,
     "ID  编号      状态    整改类型  问题来源          责任人  整改时限    预警  标题\n"
     " 1  2025-N07  已销号  立查立改  国家反馈共性问题  王燕    2027-01-31  -     村道路灯损坏，夜间出行不便，需要尽快修复并…\n"
     "共 1 项\n",
     "ID  REF       STATE   KIND       SOURCE            OWNER  DEADLINE    LIGHT  TITLE\n"
     " 1  2025-N07  closed  immediate  国家反馈共性问题  王燕   2027-01-31  -      村道路灯损坏，夜间出行不便，需要尽快修复并…\n"
     "1 item\n"),
    ("wangyan", ["list"], 0,
     "ID  编号      状态    整改类型  问题来源          责任人  整改时限    预警  标题\n"
     " 1  2025-N07  已销号  立查立改  国家反馈共性问题  王燕    2027-01-31  -     村道路灯损坏，夜间出行不便，需要尽快修复并…\n"
     "共 1 项\n",
     "ID  REF       STATE   KIND       SOURCE            OWNER  DEADLINE    LIGHT  TITLE\n"
     " 1  2025-N07  closed  immediate  国家反馈共性问题  王燕   2027-01-31  -      村道路灯损坏，夜间出行不便，需要尽快修复并…\n"
     "1 item\n"),
    # no such item
    ("wangyan", ["show", "9"], 3,
     "rectctl: 没有事项 9：请给出事项编号（rectctl list 可查看）、问题编号或“检查/问题编号”。\n",
     "rectctl: not found (not_found): no item with id 9\n"),
]

# Chinese text never has an ASCII colon, comma or parenthesis beside a Chinese character.
ASCII_PUNCT = re.compile(r"[\u4e00-\u9fff][:,;()]|[:,;(][\u4e00-\u9fff]")


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)


class ZDaemon(Daemon):
    """A Daemon on a pinned clock, calendar days."""

    def __init__(self):
        tmp = tempfile.mkdtemp(prefix="rz", dir="/tmp")
        self.clock_path = os.path.join(tmp, "clock")
        with open(self.clock_path, "w") as f:
            f.write(CLOCK + "\n")
        super().__init__({"calendar.working_days": False}, tmp=tmp)


class Base:
    def setup(self):
        self.d = ZDaemon()
        self.daemons.append(self.d)
        self.d.start()

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)

    def ctl(self, *args, user="wangyan", env=None):
        return self.d.ctl(*args, user=user, json_out=False, env=env)


class Session(Base):
    """The same session on two rectds (same clock, so the same ids and dates):
    one spoken to in Chinese, the other in English."""

    def setup(self):
        self.daemons = []
        super().setup()
        self.zh = self.d
        super().setup()
        self.en = self.d

    def test_the_same_session_in_chinese_and_in_english_word_for_word(self):
        for user, argv, rc, zh, en in SESSION:
            for d, env, want in ((self.zh, ZH, zh), (self.en, EN, en)):
                r = d.ctl(*argv, user=user, json_out=False, env=env)
                eq((r.rc, r.out + r.err), (rc, want), "%s %s (%s)" % (user, " ".join(argv), env or "en"))

    def test_chinese_output_uses_full_width_punctuation(self):
        outs = []
        for args in (["--help"], ["help", "assign"], ["help", "verify"], ["list"], ["show", "1"],
                     ["history", "1"], ["ping"]):
            r = self.zh.ctl(*args, user="wangyan", json_out=False, env=ZH)
            eq(r.rc, 0, "rectctl %s (%s)" % (" ".join(args), r.err))
            outs.append((args, r.out + r.err))
        for args, out in outs:
            for line in out.split("\n"):
                # the user's own data (titles, notes) is as they typed it
                if TITLE in line or "已更换路灯" in line:
                    continue
                check(not ASCII_PUNCT.search(line), "ASCII punctuation in Chinese (%s): %r" % (" ".join(args), line))

    def test_one_set_of_state_labels_in_list_show_and_ledger(self):
        show = self.zh.ctl("show", "1", user="wangyan", json_out=False, env=ZH).out
        check("状态：   已销号\n" in show or re.search(r"^状态：\s*已销号$", show, re.M),
              "show's state label: %s" % show)
        check("closed" not in show, "no English state in show: %s" % show)
        md = self.zh.ctl("ledger", "--format", "md", user="wangyan", json_out=False, env=ZH)
        eq(md.rc, 0, "ledger (%s)" % md.err)
        check("| 已销号 |" in md.out, "the ledger's state label: %s" % md.out[-600:])
        for old in ("| 交办 |", "| 认领 |", "| 验收通过 |", "closed (已销号)", "(反馈/认领)"):
            check(old not in md.out, "%r in the ledger" % old)

    def test_ledger_to_a_file_says_what_it_wrote(self):
        for d, env, want in ((self.zh, ZH, "已写入 %s（md）：2025-assessment 的台账，共 1 项\n"),
                             (self.en, EN, "wrote %s (md): the ledger of 2025-assessment, 1 item\n")):
            path = os.path.join(d.tmp, "ledger.md")
            r = d.ctl("ledger", "--inspection", "2025-assessment", "--format", "md", "-o", path, user="wangyan",
                      json_out=False, env=env)
            eq((r.rc, r.out, r.err), (0, want % path, ""), "ledger -o (%s)" % (env or "en"))
            with open(path, encoding="utf-8") as f:
                check("2025-N07" in f.read(), "the file holds the ledger")


class Details(Base):
    """Refusals carry structured details beside the English message."""

    def setup(self):
        self.daemons = []
        super().setup()
        d = self.d
        d.call("add", {"ref": "2025-N07", "source": "national", "kind": "immediate", "title": TITLE})
        d.call("assign", {"item": 1, "owner": "wangyan", "unit": "xiangcun", "leader": "lijun",
                          "deadline": "2027-01-31"})

    def refusal(self, cmd, args, user="wangyan"):
        before = self.d.snapshot()
        rep = self.d.request(cmd, args, user=user)
        check(rep.get("ok") is False, "%s must be refused: %s" % (cmd, rep))
        eq(self.d.snapshot(), before, "a refusal changes nothing")
        return rep["error"]

    def test_wrong_state_names_the_state_and_what_the_action_needs(self):
        e = self.refusal("verify", {"item": 1, "result": "pass", "opinion": "好"}, user="maqing")
        eq(e["code"], "invalid_transition", "code")
        eq(e["details"], {"item": 1, "ref": "2025-N07", "rule": "wrong_state", "action": "verify",
                          "state": "assigned", "needs": ["rectifying"], "roles": ["verifier"], "role": "verifier",
                          "user": "maqing", "owner": "wangyan", "leader": "lijun", "cmd": "verify"}, "details")
        check("the item is assigned; verify needs rectifying" in e["message"], "the English message stays")

    def test_the_owner_verifying_names_the_rule_and_the_people(self):
        self.d.call("start", {"item": 1}, user="wangyan")
        self.d.call("evidence", {"item": 1, "note": "已更换"}, user="wangyan")
        e = self.refusal("verify", {"item": 1, "result": "pass", "opinion": "好"})
        eq(e["code"], "permission_denied", "code")
        eq(e["details"], {"item": 1, "ref": "2025-N07", "rule": "owner_may_not_verify", "action": "verify",
                          "state": "rectifying", "needs": ["rectifying"], "roles": ["verifier"],
                          "role": "verifier", "user": "wangyan", "owner": "wangyan", "leader": "lijun",
                          "cmd": "verify"}, "details")
        # sending it back is refused by the same rule, named as the other action
        e = self.refusal("verify", {"item": 1, "result": "reject", "opinion": "不行"})
        eq((e["details"]["rule"], e["details"]["action"]), ("owner_may_not_verify", "reject"), "reject")
        r = self.ctl("verify", "1", "--reject", "--opinion", "不行", env=ZH)
        eq((r.rc, r.err), (3, "rectctl: 不能退回整改：事项 2025-N07 的责任人是王燕，责任人不能验收自己的事项，"
                              "请由其他验收人验收。\n"), "rectctl in Chinese")

    def test_an_unknown_user_names_the_value(self):
        e = self.refusal("assign", {"item": 1, "owner": "nobody", "unit": "xiangcun", "leader": "lijun",
                                    "deadline": "2027-01-31"})
        eq((e["code"], e["details"]), ("unknown_name", {"rule": "unknown_user", "arg": "owner", "value": "nobody",
                                                         "cmd": "assign", "user": "wangyan"}), "assign --owner")
        e = self.refusal("list", {}, user="nobody")
        eq((e["code"], e["details"]), ("unknown_user", {"rule": "unknown_user", "user": "nobody", "value": "nobody",
                                                         "cmd": "list"}), "an unknown acting user")

    def test_a_missing_argument_names_it(self):
        e = self.refusal("verify", {"item": 1, "result": "pass"}, user="maqing")
        eq((e["code"], e["details"]), ("missing_field", {"rule": "missing_argument", "arg": "opinion",
                                                          "cmd": "verify", "user": "maqing"}), "verify")
        e = self.refusal("verify", {"item": 1, "result": "pass", "opinion": "x", "frob": 1}, user="maqing")
        eq(e["details"], {"rule": "unknown_argument", "arg": "frob", "cmd": "verify", "user": "maqing"},
           "an unknown argument")
        e = self.refusal("verify", {"item": 1, "result": 5, "opinion": "x"}, user="maqing")
        eq(e["details"], {"rule": "bad_type", "arg": "result", "type": "string", "cmd": "verify",
                          "user": "maqing"}, "a mistyped argument")

    def test_permission_denied_for_a_role_names_the_roles(self):
        e = self.refusal("inspection_add", {"name": "2026-spot", "title": "专项检查"}, user="xiaoliu")
        eq((e["code"], e["details"]), ("permission_denied", {"rule": "role_may_not_use", "roles": ["admin"],
                                                              "cmd": "inspection_add", "user": "xiaoliu"}),
           "the command table")
        e = self.refusal("assign", {"item": 1, "owner": "liming", "unit": "xiangcun", "leader": "lijun",
                                    "deadline": "2027-01-31"}, user="xiaoliu")
        eq((e["details"]["rule"], e["details"]["roles"]), ("role_needed", ["admin", "leader"]), "the rule book")

    def test_acting_with_another_users_key_names_who_connected(self):
        # a key that is another user's: the refusal names who connected (never who they claim)
        import rawclient
        keys = rawclient.keys_for(self.d.endpoint, "maqing")
        with self.d.raw("wangyan", keys=keys) as c:
            rep = c.request("list", {})
        eq(rep["error"]["code"], "permission_denied", "acting with another's key")
        eq(rep["error"]["details"], {"rule": "wrong_key", "connected_as": "maqing", "cmd": "list",
                                     "user": "wangyan"}, "details")

    def test_details_are_an_object_on_every_refusal_and_absent_on_success(self):
        ok = self.d.request("show", {"item": 1})
        check(ok["ok"] and "details" not in ok and "error" not in ok, "a success has no details: %s" % ok)
        for cmd, args in (("show", {"item": 99}), ("show", {"item": "NOPE"}), ("nocmd", {}),
                          ("list", {"state": "gone"})):
            e = self.refusal(cmd, args)
            check(isinstance(e.get("details"), dict) and e["details"].get("cmd") == cmd,
                  "%s: details %s" % (cmd, e))
        eq(self.refusal("show", {"item": "NOPE"})["details"]["rule"], "no_item", "an unknown ref")

    def test_rectds_log_stays_english_and_shows_no_details(self):
        self.refusal("assign", {"item": 1, "owner": "nobody", "unit": "xiangcun", "leader": "lijun",
                                "deadline": "2027-01-31"})
        log = self.d.stderr()
        check("wangyan assign item 1: unknown_name\n" in log, "the log line: %s" % log[-500:])
        check(not re.search(r"[\u4e00-\u9fff]", log) and "details" not in log and "nobody" not in log,
              "no Chinese or details in the log: %s" % log[-500:])


class Terminal(Base):
    """Width, colour and help."""

    def setup(self):
        self.daemons = []
        super().setup()
        d = self.d
        d.call("add", {"ref": "2025-N07", "source": "national", "kind": "immediate", "title": TITLE})
        d.call("add", {"ref": "R-1", "source": "region", "kind": "long-term", "title": "Road lights broken",
                       "owner": "liming", "unit": "xiangcun", "leader": "lijun", "deadline": "2027-01-04"})

    def test_list_fits_40_and_80_columns_cutting_chinese_at_a_character(self):
        want = {
            "40": "ID  编号      状态    标题\n"
                  " 1  2025-N07  已认领  村道路灯损坏，夜…\n"
                  " 2  R-1       已交办  Road lights broken\n"
                  "共 2 项\n",
            "80": "ID  编号      状态    整改…   责任人  整改时限    预警  标题\n"
                  " 1  2025-N07  已认领  立查…   -       -           绿灯  村道路灯损坏，夜间出行…\n"
                  " 2  R-1       已交办  长期…   李明    2027-01-04  红灯  Road lights broken\n"
                  "共 2 项\n",
        }
        for cols, text in want.items():
            r = self.ctl("list", env=dict(ZH, COLUMNS=cols))
            eq((r.rc, r.out), (0, text), "list at %s columns" % cols)
            for line in r.out.split("\n"):
                check(width(line) <= int(cols), "%r is %d columns wide" % (line, width(line)))
        # English too, and a wide terminal shows the whole title
        r = self.ctl("list", env=dict(EN, COLUMNS="40"))
        check(all(width(l) <= 40 for l in r.out.split("\n")), "English at 40: %s" % r.out)
        r = self.ctl("list", env=dict(ZH, COLUMNS="200"))
        check(TITLE in r.out, "200 columns: the whole title: %s" % r.out)
        # overdue's table too (R-1's deadline was yesterday)
        for cols in ("40", "80"):
            r = self.ctl("overdue", env=dict(ZH, COLUMNS=cols))
            eq(r.rc, 0, "overdue at %s (%s)" % (cols, r.err))
            check("R-1" in r.out and all(width(l) <= int(cols) for l in r.out.split("\n")),
                  "overdue at %s columns: %s" % (cols, r.out))
        # nonsense in COLUMNS is ignored (the default width)
        r = self.ctl("list", env=dict(ZH, COLUMNS="abc"))
        eq(r.rc, 0, "COLUMNS=abc")
        check("问题来源" in r.out, "the default width has every column: %s" % r.out)

    def test_colour_only_when_asked_or_on_a_terminal_without_no_color(self):
        esc = "\033["
        r = self.ctl("list")
        check(esc not in r.out, "no colour into a pipe: %r" % r.out)
        r = self.ctl("--color=always", "list")
        check("\033[32m" in r.out and "\033[31m" in r.out and "\033[0m" in r.out, "--color=always: %r" % r.out)
        r = self.ctl("--color", "list", env={"NO_COLOR": "1"})
        check(esc in r.out, "--color (always) wins over NO_COLOR: %r" % r.out)
        r = self.ctl("--color=never", "list")
        check(esc not in r.out, "--color=never: %r" % r.out)
        r = self.ctl("list", "--color=auto")
        check(esc not in r.out, "--color=auto after the command, into a pipe: %r" % r.out)
        r = self.ctl("--color=sometimes", "list")
        eq((r.rc, r.err), (1, "rectctl: --color: \"sometimes\" is none of auto, always, never\n"), "a bad WHEN")
        # on a terminal: colour by default, none with NO_COLOR or --color=never
        eq(esc in self.on_tty("list"), True, "colour on a terminal")
        eq(esc in self.on_tty("list", env={"NO_COLOR": "1"}), False, "NO_COLOR on a terminal")
        eq(esc in self.on_tty("--color=never", "list"), False, "--color=never on a terminal")

    def on_tty(self, *args, env=None):
        """rectctl ARGS with stdout and stderr on a pseudo-terminal; its output."""
        master, slave = pty.openpty()
        e = dict(os.environ)
        e.pop("NO_COLOR", None)
        e.update(env or {})
        argv = [e2e_daemon.RECTCTL, "-c", self.d.conf, "--as", "wangyan"] + list(args)
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=e)
        os.close(slave)
        out = b""
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        p.wait(timeout=30)
        os.close(master)
        eq(p.returncode, 0, "rectctl %s on a terminal: %r" % (" ".join(args), out))
        return out.decode("utf-8", "replace")

    def test_help_for_two_word_commands(self):
        for words in (["inspection", "add"], ["ledger", "sign"], ["evidence", "get"]):
            r = self.ctl("help", *words)
            eq(r.rc, 0, "help %s (%s)" % (" ".join(words), r.err))
            same = self.ctl(*(words + ["--help"]))
            eq(r.out, same.out, "help %s is %s --help" % (" ".join(words), " ".join(words)))
            check(r.out.startswith("usage: rectctl %s " % " ".join(words)), "usage line: %s" % r.out[:200])
        r = self.ctl("help", "inspection")
        eq(r.rc, 0, "help inspection")
        check(r.out.startswith("Commands beginning with \"inspection\"") and "rectctl inspection add" in r.out
              and "rectctl inspection decline" in r.out, "the list: %s" % r.out)
        r = self.ctl("help", "ledger")
        check("See also:\n  rectctl ledger check " in r.out and "  rectctl ledger sign " in r.out,
              "help ledger names ledger check and ledger sign: %s" % r.out[-600:])
        eq(r.out, self.ctl("ledger", "--help").out, "help ledger is ledger --help")
        r = self.ctl("help", "ledger", "sign", env=ZH)
        eq(r.rc, 0, "help ledger sign in Chinese")
        check(r.out.startswith("用法：rectctl ledger sign") or "ledger sign" in r.out.split("\n")[0],
              "usage line in Chinese: %s" % r.out[:200])
        r = self.ctl("help", "inspection", env=ZH)
        check(r.out.startswith("以“inspection”开头的命令"), "the list in Chinese: %s" % r.out[:200])
        for bad in (["nope"], ["inspection", "nope"], ["assign", "extra"]):
            r = self.ctl("help", *bad)
            eq(r.rc, 1, "help %s" % " ".join(bad))
            eq(r.err, "rectctl: unknown command \"%s\" (see 'rectctl --help')\n" % " ".join(bad), "its message")

    def test_a_progress_bar_for_a_big_case_file_only_on_a_terminal(self):
        with self.d.raw("wangyan") as c:
            with open(PLAN, "rb") as f:
                c.call("import", {"inspection": "2025-assessment"}, files=[f.read()])
        path = os.path.join(self.d.tmp, "big.html")
        out = self.on_tty("dossier", "--inspection", "2025-assessment", "-o", path)
        check("\rcase file: items 0/31 [" in out and "\rcase file: items 30/31 [" in out,
              "the bar on a terminal: %r" % out[:300])
        tail = out[out.rindex("\r\033[K"):] if "\r\033[K" in out else ""
        check(tail.startswith("\r\033[Kwrote %s (31 items, " % path), "the bar is cleared before the success line: %r"
              % out[-300:])
        r = self.ctl("dossier", "--inspection", "2025-assessment", "-o", path)
        eq(r.rc, 0, "dossier into pipes (%s)" % r.err)
        check("\r" not in r.out + r.err and "[" not in r.err, "no bar into pipes: %r %r" % (r.out, r.err))

    def test_no_progress_bar_when_stderr_is_not_a_terminal(self):
        path = os.path.join(self.d.tmp, "case.html")
        r = self.ctl("dossier", "--inspection", "2025-assessment", "-o", path)
        eq(r.rc, 0, "dossier (%s)" % r.err)
        eq(r.err, "", "nothing on stderr")
        check("\r" not in r.out, "no carriage returns on stdout: %r" % r.out)


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-zh", [Session, Details, Terminal], sys.argv[1:]))
