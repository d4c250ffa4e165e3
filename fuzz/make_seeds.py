#!/usr/bin/env python3
"""Writes the seeds the corpus script does not: an .xlsb package (hand-built records: no
tool on this machine writes .xlsb), an .xlsx with percent styles and merged cells, and the
seeds of the `parts` target (one selector byte, then one part's bytes; see
fuzz_targets/parts.rs). Run from fuzz/: python3 make_seeds.py. Deterministic output."""

import io
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "tests", "corpus", "files")
STAMP = (2024, 1, 1, 0, 0, 0)


def package(parts, compress=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = compress
            z.writestr(info, data)
    return out.getvalue()


def write(sub, name, data):
    os.makedirs(os.path.join(HERE, "seeds", sub), exist_ok=True)
    with open(os.path.join(HERE, "seeds", sub, name), "wb") as f:
        f.write(data)


# --- .xlsb (MS-XLSB records: type and length as 7-bit varints) -------------------------------

def rec(typ, data=b""):
    head = bytes([typ]) if typ < 0x80 else bytes([(typ & 0x7F) | 0x80, typ >> 7])
    n, size = len(data), b""
    while True:
        b = n & 0x7F
        n >>= 7
        size += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return head + size + data


def wide(s):
    units = s.encode("utf-16-le")
    return struct.pack("<I", len(units) // 2) + units


def cell(col, style=0):
    return struct.pack("<II", col, style)


HEADERS = ["申报编号", "统一社会信用代码", "企业名称", "申报年度", "营业收入（元）", "从业人员（人）"]


def xlsb():
    strings = HEADERS + ["XLSB-001"]
    sst = rec(0x9F, struct.pack("<II", len(strings), len(strings)))
    sst += b"".join(rec(0x13, b"\x00" + wide(s)) for s in strings) + rec(0xA0)
    styles = rec(0x267, struct.pack("<I", 1)) + rec(0x2C, struct.pack("<H", 164) + wide("0.00%"))
    styles += rec(0x268) + rec(0x269, struct.pack("<I", 2))
    for fmt in (0, 164):
        styles += rec(0x2F, struct.pack("<HHHHHBBHBB", 0, fmt, 0, 0, 0, 0, 0, 0, 0, 0) + b"\0" * 2)
    styles += rec(0x26A)
    workbook = rec(0x83) + rec(0x99, struct.pack("<II", 0, 0) + wide("")) + rec(0x8F)
    workbook += rec(0x9C, struct.pack("<II", 0, 1) + wide("rId1") + wide("申报表")) + rec(0x90)
    workbook += rec(0x9D, b"\0" * 24) + rec(0x84)
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.bin"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.bin"/>'
        "</Relationships>"
    )
    row = lambda r: rec(0x00, struct.pack("<I", r) + b"\0" * 13)
    sheet = rec(0x81) + rec(0x93, b"\0" * 19) + rec(0x94, struct.pack("<IIII", 0, 1, 0, 5)) + rec(0x91)
    sheet += row(0) + b"".join(rec(0x07, cell(c) + struct.pack("<I", c)) for c in range(len(HEADERS)))
    sheet += row(1) + rec(0x07, cell(0) + struct.pack("<I", len(HEADERS)))
    sheet += rec(0x06, cell(1) + wide("91150100MA0N000001"))
    sheet += rec(0x06, cell(2) + wide("某某科技有限公司"))
    sheet += rec(0x02, cell(3) + struct.pack("<I", (2023 << 2) | 2))
    sheet += rec(0x05, cell(4) + struct.pack("<d", 1234567.89))
    sheet += rec(0x02, cell(5, 1) + struct.pack("<I", (12 << 2) | 2))
    sheet += rec(0x92) + rec(0x82)
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>'
    )
    root = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    return [
        ("[Content_Types].xml", types),
        ("_rels/.rels", root),
        ("xl/workbook.bin", workbook),
        ("xl/_rels/workbook.bin.rels", rels),
        ("xl/sharedStrings.bin", sst),
        ("xl/styles.bin", styles),
        ("xl/worksheets/sheet1.bin", sheet),
    ]


# --- .xlsx with percent styles and merged cells ---------------------------------------------

def xlsx():
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    strings = HEADERS + ["第二收款单位分配比例（%）", "X-1", "X-2", "91150100MA0N000001", "甲公司"]
    sst = f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
    sst += "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="10" applyNumberFormat="1"/>'
        '<xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>'
    )

    def s(ref, i):
        return f'<c r="{ref}" t="s"><v>{i}</v></c>'

    cols = "ABCDEFG"
    head = "".join(s(f"{cols[i]}1", i) for i in range(7))
    r2 = s("A2", 7) + s("B2", 9) + s("C2", 10) + '<c r="D2"><v>2023</v></c><c r="E2"><v>500000</v></c><c r="F2"><v>30</v></c><c r="G2" s="1"><v>0.3</v></c>'
    r3 = s("A3", 8) + '<c r="E3"><v>250000</v></c><c r="G3" s="2"><v>0.25</v></c>'
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1:G3"/><sheetData>'
        f'<row r="1">{head}</row><row r="2">{r2}</row><row r="3">{r3}</row></sheetData>'
        '<mergeCells count="3"><mergeCell ref="B2:B3"/><mergeCell ref="C2:C3"/><mergeCell ref="F2:F3"/></mergeCells></worksheet>'
    )
    workbook = f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel}><sheets><sheet name="申报表" sheetId="1" r:id="rId1"/></sheets></workbook>'
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
    )
    root = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    return [
        ("[Content_Types].xml", types),
        ("_rels/.rels", root),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/sharedStrings.xml", sst),
        ("xl/styles.xml", styles),
        ("xl/worksheets/sheet1.xml", sheet),
    ]


# --- the `parts` target: selector byte + one part (the order of PARTS in parts.rs) ----------

def part_of(parts, name):
    return dict(parts)[name].encode() if isinstance(dict(parts)[name], str) else dict(parts)[name]


def corpus_part(file, name):
    with zipfile.ZipFile(os.path.join(CORPUS, file)) as z:
        return z.read(name)


def main():
    xb, xx = xlsb(), xlsx()
    write("xlsb", "basic.xlsb", package(xb))
    write("xlsx", "percent_merged.xlsx", package(xx))
    parts = [
        ("ods_merged", 0, corpus_part("merged_cells.ods", "content.xml")),
        ("ods_percent", 0, corpus_part("percent.ods", "content.xml")),
        ("ods_messy", 0, corpus_part("messy.ods", "content.xml")),
        ("xlsx_sheet", 1, part_of(xx, "xl/worksheets/sheet1.xml")),
        ("xlsx_sheet_messy", 1, corpus_part("messy.xlsx", "xl/worksheets/sheet1.xml")),
        ("xlsx_styles", 2, part_of(xx, "xl/styles.xml")),
        ("xlsx_strings", 3, part_of(xx, "xl/sharedStrings.xml")),
        ("xlsx_workbook", 4, part_of(xx, "xl/workbook.xml")),
        ("xlsb_workbook", 5, part_of(xb, "xl/workbook.bin")),
        ("xlsb_sheet", 6, part_of(xb, "xl/worksheets/sheet1.bin")),
        ("xlsb_strings", 7, part_of(xb, "xl/sharedStrings.bin")),
        ("xlsb_styles", 8, part_of(xb, "xl/styles.bin")),
    ]
    for name, selector, data in parts:
        write("parts", name, bytes([selector]) + data)


if __name__ == "__main__":
    main()
