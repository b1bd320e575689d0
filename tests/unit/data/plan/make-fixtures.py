#!/usr/bin/python3
"""Writes the plan reader's fixtures (tests/unit/test_plan.c) beside this file:
    /usr/bin/python3 tests/unit/data/plan/make-fixtures.py
The workbooks are written by tests/xlsx_plan.py (zipfile and XML text), so
each says which way of storing a cell it uses. Names are those of
tests/unit/data/import/test.conf."""
import datetime
import io
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", ".."))
import xlsx_plan  # noqa: E402

D = datetime.date
HEAD = ["编号", "问题来源", "整改类型", "问题", "责任领导", "责任单位", "责任人", "整改时限"]


def w(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# A title merged across row 1, the header on row 2; 问题来源 merged down B3:B5 and
# 责任领导 down E3:E4 (the value only in the top cell); a date cell, a date with
# the custom 年月日 format, and a bare serial number (no date format) in 整改时限.
w("merged.xlsx", xlsx_plan.make_xlsx(
    [["某镇巩固拓展脱贫攻坚成果整改方案"], HEAD,
     ["GJ-01", "国家反馈共性问题", "长期坚持", "问题一", "张华", "乡村振兴办公室", "李明", D(2027, 6, 30)],
     ["GJ-02", None, "立查立改", "问题二", None, "托托村", "赵丽", D(2026, 12, 15)],
     ["GJ-03", None, "immediate", "问题三", "lijun", "cun1", "zhaoli", xlsx_plan.serial(D(2026, 12, 31))]],
    merges=["A1:H1", "B3:B5", "E3:E4"], date_cols=()))

# Inline strings (no sharedStrings.xml), booleans in 认领, numbers in text columns.
w("inline.xlsx", xlsx_plan.make_xlsx(
    [HEAD + ["认领", "问题描述"],
     ["GJ-01", "national", "长期坚持", "问题一", "张华", "xiangcun", "李明", D(2027, 6, 30), True, 1.5],
     ["GJ-02", "national", "立查立改", "问题二", "张华", "cun1", "赵丽", D(2026, 12, 15), True, 3.0]],
    strings="inline"))

# Shared strings with runs and a phonetic guide (rPh) that is not the text;
# the 1904 date system.
w("phonetic.xlsx", xlsx_plan.make_xlsx(
    [HEAD, ["GJ-01", "国家反馈共性问题", "长期坚持", "问题一", "张华", "乡村振兴办公室", "李明", D(2027, 6, 30)]],
    phonetic=True, date1904=True))

# Several problems at once: row 2 an unknown owner (G), row 3 a date that is
# none (H), row 4 an unknown leader (E) and unit (F), row 5 no title (D).
w("problems.xlsx", xlsx_plan.make_xlsx(
    [HEAD,
     ["GJ-01", "国家反馈共性问题", "长期坚持", "问题一", "张华", "乡村振兴办公室", "王五", D(2027, 6, 30)],
     ["GJ-02", "国家反馈共性问题", "长期坚持", "问题二", "张华", "乡村振兴办公室", "李明", "2027-02-30"],
     ["GJ-03", "国家反馈共性问题", "长期坚持", "问题三", "李四", "水利站", "李明", D(2027, 6, 30)],
     ["GJ-04", "国家反馈共性问题", "长期坚持", None, "张华", "乡村振兴办公室", "李明", D(2027, 6, 30)]]))

# A shared string index past the table's end.
x = xlsx_plan.make_xlsx([HEAD, ["GJ-01", "国家反馈共性问题", "长期坚持", "问题一", "张华", "乡村振兴办公室", "李明",
                                 "2027-06-30"]])
zin = zipfile.ZipFile(io.BytesIO(x))
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for n in zin.namelist():
        data = zin.read(n)
        if n == "xl/worksheets/sheet1.xml":
            data = data.replace(b'<c r="A2" t="s"><v>', b'<c r="A2" t="s"><v>99')
        z.writestr(n, data)
w("badsst.xlsx", buf.getvalue())

# A zip bomb: 129 MiB of zeros in one entry (declared honestly), ~130 KB packed.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("xl/workbook.xml", "<workbook/>")
    with z.open("xl/media/zeros.bin", "w") as f:
        chunk = b"\0" * (1 << 20)
        for _ in range(129):
            f.write(chunk)
w("bomb.xlsx", buf.getvalue())

# More entries than a workbook has (1001).
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    for i in range(1001):
        z.writestr("xl/e%d.xml" % i, "")
w("many.xlsx", buf.getvalue())

# A zip that is no workbook, and bytes that only start like a zip.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("readme.txt", "hello")
w("notbook.xlsx", buf.getvalue())
w("notzip.xlsx", b"PK\3\4" + b"\x14\0garbage" * 20)

# The small plan in GB18030 (as Chinese Excel and WPS save "CSV"), and with a
# character outside GBK (𠀀, four bytes in GB18030).
csv = ("编号,问题来源,整改类型,问题,责任领导,责任单位,责任人,整改时限\r\n"
       "GJ-01,国家反馈共性问题,长期坚持,防止返贫监测帮扶不够精准,张华,乡村振兴办公室,李明,2027年6月30日\r\n"
       "GJ-02,自治区“两办”反馈问题,立查立改,一次性交通补助兑付不及时𠀀,李军,托托社区,赵丽,2026-12-31\r\n")
w("gbk.csv", csv.encode("gb18030"))
