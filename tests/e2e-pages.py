#!/usr/bin/python3
"""End-to-end tests of paged listings (issue 12): `list`, `overdue` and
`inbox` answer at most `limit` items (default 1000, at most 10000) after the
cursor `after`, with `next` where the following page begins; rectctl prints
page after page as they come, or the one page --limit / --after ask for. A
real rectd on a temporary folder and ipc socket with 2,500 imported items
(and the notices the import sends their leader and owners at once), driven
by the raw client (tests/rawclient.py) and by rectctl. The inbox's own
cases (unread pages, since, refusals) are tests/e2e-notify.py's.

    RECTD=./rectd RECTCTL=./rectctl /usr/bin/python3 tests/e2e-pages.py [-k TEXT]

Tests run in order; the last ones change items. Ends with "N passed, M failed".
"""

import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rawclient  # noqa: E402
import e2e_runner  # noqa: E402
from e2e_runner import Failure, check, eq  # noqa: E402
from e2e_daemon import RECTCTL, Daemon  # noqa: E402

N = 2500
AS_OF = "2027-03-01"
OWNERS = ["liming", "zhaoli", "sunqiang", "zhouping", "wugang"]
WRITES = frozenset(["amend", "extend", "decide_extension"])


def plan(n):
    """n assigned items whose deadlines fall on 400 days around AS_OF (several a day)."""
    rows = ["ref,source,kind,title,description,owner,unit,leader,deadline"]
    for i in range(n):
        day = datetime.date(2026, 6, 1) + datetime.timedelta(days=(i * 37) % 400)
        rows.append("P%04d,national,%s,问题%d,描述 %d,%s,cun%d,zhanghua,%s"
                    % (i + 1, "immediate" if i % 5 == 0 else "long-term", i + 1, i + 1,
                       OWNERS[i % 5], 1 + i % 4, day.isoformat()))
    return ("\n".join(rows) + "\n").encode()


class PClient(rawclient.Client):
    """rawclient.Client that also sends client and seq with amend and extensions."""

    def envelope(self, cmd, args=None, user=None, seq=None, client=None):
        if cmd in WRITES and seq is None:
            self.seq += 1
            seq = self.seq
        return super().envelope(cmd, args, user=user, seq=seq, client=client)


class PDaemon(Daemon):
    def raw(self, user=None, **kw):
        return PClient(self.endpoint, user or self.admin, **kw)


class Pages:
    def setup(self):
        self.d = PDaemon(tmp=tempfile.mkdtemp(prefix="rp", dir="/tmp"))
        # A pinned clock (2026-12-02 10:00 in Asia/Shanghai). On the real
        # clock two runs of rectctl list without --as-of may straddle
        # midnight there (16:00 UTC: the lights differ), and the daily job
        # escalates the items overdue more than 7 days (new events, updated)
        # when 09:00 there (01:00 UTC) passes during the suite.
        self.d.clock_path = os.path.join(self.d.tmp, "clock")
        with open(self.d.clock_path, "w") as f:
            f.write("2026-12-02T02:00:00Z\n")
        self.daemons.append(self.d)
        self.d.start()
        eq(self.call("import", {"inspection": "pages"}, files=[plan(N)])["imported"], N, "import")

    def teardown(self, keep):
        return e2e_runner.stop_daemons(self.daemons, keep, only_running=False)

    # -- helpers ----------------------------------------------------------
    def call(self, cmd, args=None, user=None, files=()):
        return self.d.call(cmd, args or {}, user=user, files=files)

    def pages(self, cmd, args, limit):
        """Every page of cmd with args, limit a page: (the pages' items, their nexts)."""
        items, nexts, after = [], [], None
        while True:
            a = dict(args, limit=limit)
            if after is not None:
                a["after"] = after
            res = self.call(cmd, a)
            check(len(res["items"]) <= limit, "%s %r: %d items on a page of %d"
                  % (cmd, a, len(res["items"]), limit))
            items.append(res["items"])
            after = res.get("next")
            nexts.append(after)
            if after is None:
                return items, nexts
            check(len(nexts) < 100, "%s %r: no end after 100 pages" % (cmd, args))

    def everything(self, as_of=AS_OF):
        """Every item with its facts as of as_of, in id order (pages of the biggest size)."""
        pages, _ = self.pages("list", {"as_of": as_of}, 10000)
        return [i for p in pages for i in p]

    def refused(self, cmd, args, words):
        try:
            self.call(cmd, args)
        except rawclient.Refused as e:
            eq(e.code, "bad_value", "%s %r: code" % (cmd, args))
            for w in words:
                check(w in e.message, "%s %r: %r should say %r" % (cmd, args, e.message, w))
            return
        raise Failure("%s %r was answered; want bad_value" % (cmd, args))

    # -- tests -------------------------------------------------------------
    def test_list_pages_of_1000_hold_every_item_once_in_id_order(self):
        pages, nexts = self.pages("list", {}, 1000)
        eq([len(p) for p in pages], [1000, 1000, 500], "page sizes")
        eq(nexts, ["1000", "2000", None], "each page's next: its last id; none after the last")
        eq([i["id"] for p in pages for i in p], list(range(1, N + 1)), "every item once, in id order")
        check(all("light" in i and "days_overdue" in i for p in pages for i in p), "facts on every row")

    def test_a_request_without_limit_gets_a_page_of_1000(self):
        res = self.call("list")
        eq((len(res["items"]), res.get("next")), (1000, "1000"), "default page")
        res = self.call("overdue", {"as_of": AS_OF})
        eq(len(res["items"]), 1000, "overdue's default page")
        check(isinstance(res.get("next"), str), "overdue has a next: %r" % res.get("next"))

    def test_filtered_pages_hold_what_the_filters_keep(self):
        full = self.everything()
        keep = {
            "owner": lambda i: i["owner"] == "liming",
            "kind (no index)": lambda i: i["kind"] == "immediate",
            "overdue": lambda i: i["light"] == "red",
            "due_soon": lambda i: i["light"] == "yellow",
            "overdue and due_soon": lambda i: i["light"] in ("red", "yellow"),
            "unit, overdue": lambda i: i["unit"] == "cun2" and i["light"] == "red",
            "grep": lambda i: "问题12" in i["title"],
        }
        args = {
            "owner": {"owner": "liming"},
            "kind (no index)": {"kind": "immediate"},
            "overdue": {"overdue": True},
            "due_soon": {"due_soon": True},
            "overdue and due_soon": {"overdue": True, "due_soon": True},
            "unit, overdue": {"unit": "cun2", "overdue": True},
            "grep": {"grep": "问题12"},
        }
        for name, a in args.items():
            want = [i["id"] for i in full if keep[name](i)]
            check(len(want) > 0, "%s keeps some items" % name)
            for limit in (1, 97, 1000):
                if limit == 1 and len(want) > 60:
                    continue
                pages, nexts = self.pages("list", dict(a, as_of=AS_OF), limit)
                got = [i["id"] for p in pages for i in p]
                eq(got, want, "list %s in pages of %d" % (name, limit))
                eq(nexts[:-1], [str(p[-1]["id"]) for p in pages[:-1]], "%s: nexts" % name)

    def test_overdue_pages_go_most_overdue_first_each_item_once(self):
        full = self.everything()
        red = sorted((i for i in full if i["light"] == "red"), key=lambda i: (-i["days_overdue"], i["id"]))
        check(len(red) > 1000, "more than a page of red items: %d" % len(red))
        for limit in (1000, 333):
            pages, nexts = self.pages("overdue", {"as_of": AS_OF}, limit)
            got = [i for p in pages for i in p]
            eq([i["id"] for i in got], [i["id"] for i in red], "overdue in pages of %d" % limit)
            eq(nexts[:-1], ["%s/%d" % (p[-1]["deadline"], p[-1]["id"]) for p in pages[:-1]],
               "overdue's nexts: DEADLINE/ID of each page's last item")
        # a filter too: every red item of one owner, once
        pages, _ = self.pages("overdue", {"as_of": AS_OF, "owner": "zhaoli"}, 100)
        eq([i["id"] for p in pages for i in p], [i["id"] for i in red if i["owner"] == "zhaoli"],
           "overdue --owner in pages of 100")

    def test_after_the_end_is_an_empty_last_page(self):
        for after in (str(N), "99999"):
            res = self.call("list", {"after": after})
            eq((res["items"], "next" in res), ([], False), "list after %s" % after)
        pages, nexts = self.pages("overdue", {"as_of": AS_OF}, 10000)
        last = pages[0][-1]
        res = self.call("overdue", {"as_of": AS_OF, "after": "%s/%d" % (last["deadline"], last["id"])})
        eq((res["items"], "next" in res), ([], False), "overdue after its last item")
        # a page that ends exactly at the end has no next
        res = self.call("list", {"limit": 500, "after": "2000"})
        eq((len(res["items"]), "next" in res), (500, False), "the last 500 in a page of 500")

    def test_bad_limit_and_after_are_refused_saying_what_to_give(self):
        for cmd in ("list", "overdue"):
            for limit in (0, -1, 10001):
                self.refused(cmd, {"limit": limit}, ("limit", "1 to 10000", "next"))
        for after in ("abc", "0", "-5", "12x", "1/2", "18446744073709551615"):
            self.refused("list", {"after": after}, ("after", after, "next"))
        for after in ("abc", "2027-01-01", "2027-13-45/5", "2027-01-01/x", "/5", "2027-01-01/0"):
            self.refused("overdue", {"after": after}, ("after", "DEADLINE/ID", "next"))
        try:
            self.call("list", {"limit": "ten"})
            raise Failure("a limit that is not a number was answered")
        except rawclient.Refused as e:
            eq(e.code, "bad_type", "limit \"ten\"")

    def test_rectctl_prints_every_page_the_same_as_one_page(self):
        streamed = self.d.ctl("list", "--as-of", AS_OF)
        whole = self.d.ctl("list", "--as-of", AS_OF, "--limit", "10000")
        eq((streamed.rc, whole.rc, streamed.err), (0, 0, ""), "rectctl --json list")
        eq(streamed.out, whole.out, "--json over three pages is the one-page object, byte for byte")
        eq([i["id"] for i in streamed.json()["items"]], list(range(1, N + 1)), "its items")
        check("next" not in streamed.json(), "no next in the streamed object")
        streamed = self.d.ctl("overdue", "--as-of", AS_OF)
        whole = self.d.ctl("overdue", "--as-of", AS_OF, "--limit", "10000")
        eq(streamed.out, whole.out, "overdue --json over pages is the one-page object")
        # the table: one header, every row once in order, the count of all
        env = {"COLUMNS": "200"}
        t = self.d.ctl("list", json_out=False, env=env)
        one = self.d.ctl("list", "--limit", "10000", json_out=False, env=env)
        lines, one_lines = t.out.rstrip("\n").split("\n"), one.out.rstrip("\n").split("\n")
        eq((lines[0].split(), lines[-1]), (one_lines[0].split(), "%d items" % N), "header and count")
        eq([l.split() for l in lines[1:]], [l.split() for l in one_lines[1:]],
           "every row, cell for cell, as one page prints it")
        eq(t.err, "", "no cursor on stderr when every page was printed")
        for cols in ("40", "80"):
            for cmd in (("list",), ("overdue", "--as-of", AS_OF)):
                r = self.d.ctl(*cmd, json_out=False, env={"COLUMNS": cols})
                widest = max(e2e_runner_width(l) for l in r.out.split("\n"))
                check(r.rc == 0 and widest <= int(cols), "%s at %s columns: %d wide" % (cmd, cols, widest))

    def test_rectctl_limit_and_after_print_one_page_and_where_the_next_begins(self):
        r = self.d.ctl("list", "--limit", "1000")
        eq((len(r.json()["items"]), r.json()["next"]), (1000, "1000"), "--json --limit: the page and its next")
        r = self.d.ctl("list", "--limit", "1000", "--after", "1000")
        eq([i["id"] for i in r.json()["items"]], list(range(1001, 2001)), "--after 1000")
        r = self.d.ctl("list", "--limit", "10", "--after", "20", json_out=False)
        eq((r.rc, r.out.count("\n"), r.err), (0, 12, "more: the next page is --after 30\n"),
           "a table of 10, its count, and the next page on stderr")
        r = self.d.ctl("overdue", "--as-of", AS_OF, "--limit", "5", json_out=False)
        check(r.rc == 0 and r.err.startswith("more: the next page is --after ") and "5 overdue items" in r.out,
              "overdue --limit 5: %r %r" % (r.out[-80:], r.err))
        cursor = r.err.split()[-1]
        r2 = self.d.ctl("overdue", "--as-of", AS_OF, "--after", cursor, "--limit", "5")
        full = self.d.ctl("overdue", "--as-of", AS_OF, "--limit", "10").json()["items"]
        eq([i["id"] for i in r2.json()["items"]], [i["id"] for i in full[5:]], "overdue --after the cursor")
        r = self.d.ctl("list", "--limit", "0")
        eq((r.rc, r.out), (1, ""), "--limit 0 is a usage error")
        check("--limit" in r.err, "it names --limit: %s" % r.err)
        r = self.d.ctl("list", "--limit", "20000")
        eq(r.rc, 3, "--limit 20000 is rectd's refusal")
        check("10000" in r.err, "it says the most: %s" % r.err)

    def test_an_inbox_of_thousands_comes_in_pages_and_rectctl_prints_them_as_one_page(self):
        # the import told each item's leader (zhanghua: all N) and owner at once
        pages, a = [], {"all": True, "limit": 1000}
        while True:
            res = self.call("inbox", a, user="zhanghua")
            pages.append(res["notices"])
            if "next" not in res:
                break
            eq(res["next"], str(res["notices"][-1]["id"]), "next is the page's last id")
            a["after"] = res["next"]
        ids = [n["id"] for p in pages for n in p]
        eq([len(p) for p in pages[:-1]], [1000] * (len(pages) - 1), "full pages before the last")
        check(len(pages) >= 3 and len(ids) >= N, "zhanghua's %d notices in %d pages" % (len(ids), len(pages)))
        eq(ids, sorted(set(ids)), "each once, in id order")
        check(all(n["recipient"] == "zhanghua" for p in pages for n in p), "only zhanghua's")
        eq(self.call("inbox", {"limit": 10000}, user="zhanghua")["notices"], [n for p in pages for n in p],
           "the pages are the one page of 10000 (all unread)")
        theirs = [n["id"] for n in self.call("inbox", {"all": True, "limit": 10000}, user="liming")["notices"]]
        check(theirs and not set(theirs) & set(ids), "liming's are liming's alone")
        # rectctl: every page as it comes, byte for byte what one page prints
        streamed = self.d.ctl("inbox", "--all", user="zhanghua")
        whole = self.d.ctl("inbox", "--all", "--limit", "10000", user="zhanghua")
        eq((streamed.rc, whole.rc, streamed.err), (0, 0, ""), "rectctl --json inbox")
        eq(streamed.out, whole.out, "--json over pages is the one-page object, byte for byte")
        eq([n["id"] for n in streamed.json()["notices"]], ids, "its notices")
        streamed = self.d.ctl("inbox", user="zhanghua", json_out=False)
        whole = self.d.ctl("inbox", "--limit", "10000", user="zhanghua", json_out=False)
        eq((streamed.rc, streamed.err), (0, ""), "rectctl inbox")
        eq(streamed.out, whole.out, "the text over pages is the one page's")
        eq(streamed.out.count("\n#"), len(ids) - 1, "every notice, a blank line between")
        # watch replays every page from the outbox before it waits for new ones
        p = subprocess.Popen([RECTCTL, "-c", self.d.conf,
                              "--as", "zhanghua", "--json", "watch", "--since", "0"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            seen = []
            for line in p.stdout:
                seen.append(json.loads(line)["id"])
                if len(seen) == len(ids):
                    break
            eq(seen, ids, "watch --since 0 printed every notice once, in order")
        finally:
            p.terminate()
            p.wait(60)
            p.stdout.close()
            p.stderr.close()

    def test_changes_between_pages_show_on_the_pages_not_yet_read(self):
        first = self.call("list", {"limit": 1000})
        # item 10 (read) and 1500 (not yet) change between the pages
        self.call("amend", {"item": 10, "title": "改过的 10", "reason": "r"})
        self.call("amend", {"item": 1500, "title": "改过的 1500", "reason": "r"})
        rest, _ = self.pages("list", {"after": first["next"]}, 1000)
        got = first["items"] + [i for p in rest for i in p]
        eq([i["id"] for i in got], list(range(1, N + 1)), "every item once")
        eq(got[1499]["title"], "改过的 1500", "the later page has the new title")
        eq(got[9]["title"], "问题10", "the page read before keeps what it said")
        # overdue: an item of a later page gets a deadline past as_of between the pages
        page = self.call("overdue", {"as_of": AS_OF, "limit": 1000})
        before = [i["id"] for i in self.pages("overdue", {"as_of": AS_OF}, 10000)[0][0]]
        moved = before[1200]
        owner = self.call("show", {"item": moved})["item"]["owner"]
        self.call("extend", {"item": moved, "deadline": "2027-12-31", "reason": "等待资金"}, user=owner)
        self.call("decide_extension", {"item": moved, "decision": "approve"}, user="zhanghua")
        rest, _ = self.pages("overdue", {"as_of": AS_OF, "after": page["next"]}, 1000)
        got = [i["id"] for i in page["items"]] + [i["id"] for p in rest for i in p]
        eq(got, [i for i in before if i != moved], "every red item once; the one no longer red is not listed")


def e2e_runner_width(line):
    """Display columns of a line (wide CJK characters count 2)."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


if __name__ == "__main__":
    sys.exit(e2e_runner.main("e2e-pages", [Pages], sys.argv[1:]))
