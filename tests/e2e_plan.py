"""e2e_plan - read an import CSV the way the README's "Import format" says,
so tests derive their expectations from examples/plan.csv, not from rectd."""

import csv
import io
import re

HEADERS = {
    "ref": ("ref", "编号"),
    "source": ("source", "问题来源"),
    "kind": ("kind", "整改类型"),
    "title": ("title", "问题"),
    "description": ("description", "问题描述"),
    "measures": ("measures", "整改措施"),
    "leader": ("leader", "责任领导"),
    "unit": ("unit", "责任单位"),
    "owner": ("owner", "责任人"),
    "deadline": ("deadline", "整改时限"),
}
KINDS = {"immediate": "immediate", "long-term": "long-term",
         "立查立改": "immediate", "长期坚持": "long-term"}


def canonical_date(text):
    """2026-12-31, 2026/12/31 or 2026年12月31日 -> '2026-12-31'."""
    m = re.fullmatch(r"\s*(\d{4})(?:-|/|年)(\d{1,2})(?:-|/|月)(\d{1,2})日?\s*", text)
    if not m:
        raise ValueError("not a date: %r" % text)
    return "%04d-%02d-%02d" % tuple(int(g) for g in m.groups())


def read_rows(path):
    """Rows of the CSV as dicts keyed by the English column names."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        data = f.read()
    reader = csv.reader(io.StringIO(data))
    header = next(reader)
    cols = {}
    for i, h in enumerate(header):
        for key, names in HEADERS.items():
            if h.strip() in names:
                cols[key] = i
    rows = []
    for rec in reader:
        if not any(x.strip() for x in rec):
            continue
        rows.append({k: rec[i].strip() if i < len(rec) else "" for k, i in cols.items()})
    return rows


def expected_item(d, row, inspection):
    """The item rectd should hold for an imported row (no id/times)."""
    assigned = all(row.get(k) for k in ("owner", "unit", "leader", "deadline"))
    return {
        "ref": row["ref"],
        "inspection": inspection,
        "source": d.named_id("sources", row["source"]),
        "kind": KINDS[row["kind"]],
        "title": row["title"],
        "description": row.get("description", ""),
        "measures": row.get("measures", ""),
        "leader": d.user_name(row["leader"]) if assigned else None,
        "unit": d.named_id("units", row["unit"]) if assigned else None,
        "owner": d.user_name(row["owner"]) if assigned else None,
        "deadline": canonical_date(row["deadline"]) if assigned else None,
        "state": "assigned" if assigned else "claimed",
        "evidence_count": 0,
        "rejections": 0,
    }


def bulk_csv(d, n, prefix="BULK"):
    """A valid CSV of n assigned rows with unique refs (English headers)."""
    owners = d.users_with("owner")
    leaders = d.users_with("leader")
    units = [u["id"] for u in d.cfg["units"]]
    sources = [s["id"] for s in d.cfg["sources"]]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ref", "source", "kind", "title", "owner", "unit", "leader", "deadline"])
    for i in range(n):
        w.writerow(["%s-%06d" % (prefix, i), sources[i % len(sources)],
                    "long-term" if i % 5 else "immediate",
                    "批量问题第%d条：入户走访记录不全" % i, owners[i % len(owners)],
                    units[i % len(units)], leaders[i % len(leaders)], "2026-12-31"])
    return out.getvalue().encode("utf-8")
