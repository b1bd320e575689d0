"""Small .xlsx workbooks for the plan reader's tests, written with zipfile and
XML text (no spreadsheet library), so each test says exactly which of the
format's ways of storing a cell it uses.

    make_xlsx(rows, strings="shared"|"inline", date_cols={9}, date_style=True,
              merges=["A2:A4"], date1904=False) -> bytes

rows: a list of rows, each a list of cells (None: no cell; str: text; int or
float: a number; datetime.date: a date, stored as Excel's serial number).
Row i of the list is sheet row i + 1 unless row_numbers gives them.
"""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def col_letters(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def serial(d, date1904=False):
    """Excel's serial number of a date."""
    if date1904:
        return (d - datetime.date(1904, 1, 1)).days
    return (d - datetime.date(1899, 12, 30)).days


def _content_types():
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '</Types>')


def make_xlsx(rows, strings="shared", date_cols=(), date_style=True, merges=(), date1904=False,
              row_numbers=None, sheet_target="worksheets/sheet1.xml", extra_entries=(), phonetic=False):
    sst, sst_index = [], {}
    out_rows = []
    for ri, row in enumerate(rows):
        rn = row_numbers[ri] if row_numbers else ri + 1
        cells = []
        for ci, v in enumerate(row):
            if v is None:
                continue
            ref = "%s%d" % (col_letters(ci), rn)
            if isinstance(v, datetime.date):
                s = ' s="1"' if date_style else ""
                cells.append('<c r="%s"%s><v>%d</v></c>' % (ref, s, serial(v, date1904)))
            elif isinstance(v, bool):
                cells.append('<c r="%s" t="b"><v>%d</v></c>' % (ref, int(v)))
            elif isinstance(v, (int, float)):
                s = ' s="1"' if (ci in date_cols and date_style) else ""
                cells.append('<c r="%s"%s><v>%r</v></c>' % (ref, s, v))
            elif strings == "inline":
                cells.append('<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>'
                             % (ref, escape(v)))
            else:
                if v not in sst_index:
                    sst_index[v] = len(sst)
                    sst.append(v)
                cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst_index[v]))
        out_rows.append('<row r="%d">%s</row>' % (rn, "".join(cells)))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s %s><sheetData>%s</sheetData>'
             % (NS, NS_R, "".join(out_rows)))
    if merges:
        sheet += '<mergeCells count="%d">%s</mergeCells>' % (
            len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges))
    sheet += "</worksheet>"
    sis = []
    for s in sst:
        if phonetic:  # a run and a phonetic guide (rPh), which is not the text
            sis.append('<si><r><t>%s</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>' % escape(s))
        else:
            sis.append('<si><t xml:space="preserve">%s</t></si>' % escape(s))
    shared = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst %s count="%d" uniqueCount="%d">%s</sst>'
              % (NS, len(sst), len(sst), "".join(sis)))
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet %s>'
              '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
              '</numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="176" applyNumberFormat="1"/></cellXfs>'
              '</styleSheet>' % NS)
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s %s>%s<sheets>'
                '<sheet name="整改方案" sheetId="1" r:id="rId1"/><sheet name="说明" sheetId="2" r:id="rId9"/>'
                '</sheets></workbook>' % (NS, NS_R, '<workbookPr date1904="1"/>' if date1904 else ""))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet2.xml"/>'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="%s"/></Relationships>' % sheet_target)
    other = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>not the plan</t></is></c></row></sheetData></worksheet>' % NS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _content_types())
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/" + sheet_target, sheet)
        z.writestr("xl/worksheets/sheet2.xml", other)
        if strings != "inline":
            z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/styles.xml", styles)
        for name, data in extra_entries:
            z.writestr(name, data)
    return buf.getvalue()


def plan_rows(csv_path):
    """The rows of a CSV plan (header first) as lists of strings."""
    import csv
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.reader(f)]


def parse_date(text):
    """2027-06-30 or 2027年6月30日 as a date (what the plan's 整改时限 holds)."""
    t = text.strip()
    if "年" in t:
        y, rest = t.split("年")
        m, rest = rest.split("月")
        return datetime.date(int(y), int(m), int(rest.rstrip("日")))
    y, m, d = t.replace("/", "-").split("-")
    return datetime.date(int(y), int(m), int(d))


if __name__ == "__main__":
    # python3 tests/xlsx_plan.py IN.csv OUT.xlsx: the plan as a workbook
    import sys
    rows = plan_rows(sys.argv[1])
    head = rows[0]
    dl = head.index("整改时限") if "整改时限" in head else -1
    body = [[parse_date(c) if i == dl and c else c for i, c in enumerate(r)] for r in rows[1:]]
    with open(sys.argv[2], "wb") as f:
        f.write(make_xlsx([head] + body))
