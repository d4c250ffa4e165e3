#!/usr/bin/env python3
"""Writes the corpus of broken, hostile and messy input files for `subsidy run`.

    python3 tests/corpus/make_corpus.py [OUT_DIR]      (default: tests/corpus/files)
    python3 tests/corpus/make_corpus.py --folder DIR   (an input folder, written at test time)

Python 3 standard library only. The output is deterministic (fixed seeds, fixed zip
timestamps), so re-running it gives the same bytes; the files are committed, each well under
200 KB, and tests/integration/hostile.rs runs the binary on every one of them.

It also writes tests/corpus/expected.toml next to this script: for each file, the exit code
`subsidy run` must give, a substring of its message, and for files that are read, how many
data rows they hold (every one must end in the ledger or in 数据错误), and where given the
payouts to the 分, the exceptions (reasons, cell=value) and what the manifest lists as skipped.
tests/corpus/classes.toml maps each class of messy input of issue 12 to its fixtures.
"""

import io
import os
import random
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "files")

RULE = "hohhot-2022-13-investment-award"
EXPECTED = []  # (name, exit, message, rows or None, what)


def expect(name, exit_code, message, what, rows=None):
    EXPECTED.append((name, exit_code, message, rows, what))


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    """A valid code, distinct for each n."""
    body = "91150100" + "".join(CODE_CHARS[(n * 7 + i * 3) % 31] for i in range(5)) + "%04d" % n
    s = sum(CODE_CHARS.index(c) * w for c, w in zip(body, CODE_WEIGHTS))
    return body + CODE_CHARS[(31 - s % 31) % 31]


# --- xlsx ------------------------------------------------------------------------------------

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def col_letters(c):
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_xml(ref, v):
    """A cell from a Python value: str → inline string, int/float → number, tuple → special."""
    if v is None:
        return ""
    if isinstance(v, tuple):
        kind = v[0]
        if kind == "formula":  # ("formula", text, cached or None)
            cached = "" if v[2] is None else "<v>%s</v>" % v[2]
            return '<c r="%s"><f>%s</f>%s</c>' % (ref, esc(v[1]), cached)
        if kind == "error":
            return '<c r="%s" t="e"><v>%s</v></c>' % (ref, v[1])
        if kind == "covered":  # a cell a merged range covers: nothing stored
            return ""
        if kind == "spanned":  # ("spanned", rows, value): the first cell of a merged range
            return cell_xml(ref, v[2])
        raise ValueError(kind)
    if isinstance(v, (int, float)):
        return '<c r="%s"><v>%s</v></c>' % (ref, v)
    return '<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>' % (ref, esc(v))


def sheet_xml(rows, merges=(), dimension=None, extra_cells=""):
    """rows: list of (row_number_1_based, [values...]) or list of lists (from row 1)."""
    if rows and not isinstance(rows[0], tuple):
        rows = list(enumerate(rows, 1))
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet %s>' % NS]
    if dimension:
        out.append('<dimension ref="%s"/>' % dimension)
    out.append("<sheetData>")
    for r, values in rows:
        cells = "".join(cell_xml("%s%d" % (col_letters(c), r), v) for c, v in enumerate(values))
        out.append('<row r="%d">%s</row>' % (r, cells))
    out.append(extra_cells)
    out.append("</sheetData>")
    if merges:
        out.append('<mergeCells count="%d">%s</mergeCells>' % (len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges)))
    out.append("</worksheet>")
    return "".join(out).encode()


def zip_bytes(parts, level=6):
    """A zip of (name, bytes) parts, deflated, with fixed timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, *method in parts:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method[0] if method else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data, compresslevel=level if info.compress_type == zipfile.ZIP_DEFLATED else None)
    return buf.getvalue()


def xlsx(sheets, shared_strings=None, extra_parts=()):
    """sheets: list of (name, sheet_xml bytes, kind) with kind 'sheet', 'hidden', 'very_hidden'
    or 'chart'."""
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>']
    rels = []
    entries = []
    parts = []
    n_sheet = n_chart = 0
    for i, (name, data, kind) in enumerate(sheets, 1):
        if kind == "chart":
            n_chart += 1
            target = "chartsheets/sheet%d.xml" % n_chart
            types.append('<Override PartName="/xl/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.chartsheet+xml"/>' % target)
            rels.append('<Relationship Id="rId%d" Type="%s/chartsheet" Target="%s"/>' % (i, REL, target))
        else:
            n_sheet += 1
            target = "worksheets/sheet%d.xml" % n_sheet
            types.append('<Override PartName="/xl/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % target)
            rels.append('<Relationship Id="rId%d" Type="%s/worksheet" Target="%s"/>' % (i, REL, target))
        state = {"hidden": ' state="hidden"', "very_hidden": ' state="veryHidden"'}.get(kind, "")
        entries.append('<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>' % (esc(name), i, state, i))
        parts.append(("xl/" + target, data))
    if shared_strings is not None:
        types.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append('<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % (len(sheets) + 1, REL))
        parts.append(("xl/sharedStrings.xml", shared_strings))
    head = [
        ("[Content_Types].xml", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">%s</Types>' % "".join(types)).encode()),
        ("_rels/.rels", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.xml"/></Relationships>' % REL).encode()),
        ("xl/workbook.xml", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s><sheets>%s</sheets></workbook>' % (NS, "".join(entries))).encode()),
        ("xl/_rels/workbook.xml.rels", ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s</Relationships>' % "".join(rels)).encode()),
    ]
    return zip_bytes(head + parts + list(extra_parts))


HEADER = ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报年度", "申报条款编号", "固定资产投资额（万元）"]


def good_rows(prefix, n, start=1):
    return [["%s%d" % (prefix, i), credit_code(start + i), "某某科技有限公司%d" % i, "新城区", 2023, RULE, 30000 + i] for i in range(n)]


def plain_sheet(prefix, n=3):
    return sheet_xml([HEADER] + good_rows(prefix, n))


# --- raw zip (for lying central directories) ------------------------------------------------

def raw_zip(entries):
    """entries: (name, stored_bytes, method, crc, declared_compressed, declared_uncompressed)."""
    out = bytearray()
    central = bytearray()
    for name, data, method, crc, csize, usize in entries:
        nb = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, csize, usize, len(nb), 0) + nb + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, csize, usize, len(nb), 0, 0, 0, 0, 0, offset) + nb
    cd_start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_start, 0)
    return bytes(out)


def deflate(data, level=9):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


# --- OLE compound file (for .xls and encrypted OOXML) ------------------------------------------

ENDOFCHAIN, FREESECT, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def ole(streams, loop_directory=False):
    """A version-3 compound file (512-byte sectors) holding the named streams, each padded to
    4096 bytes so none lives in the mini stream."""
    streams = [(n, d + b"\0" * max(0, 4096 - len(d))) for n, d in streams]
    n_dir_entries = 1 + len(streams)
    dir_sectors = (n_dir_entries * 128 + 511) // 512
    data_sectors = sum((len(d) + 511) // 512 for _, d in streams)
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + dir_sectors + data_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109
    fat = [FATSECT] * fat_sectors
    dir_start = len(fat)
    for i in range(dir_sectors):
        fat.append(dir_start + i + 1 if i + 1 < dir_sectors else ENDOFCHAIN)
    if loop_directory:
        fat[dir_start + dir_sectors - 1] = dir_start  # the directory chain points back to itself
    starts = []
    body = bytearray()
    for _, d in streams:
        start = len(fat)
        n = (len(d) + 511) // 512
        for i in range(n):
            fat.append(start + i + 1 if i + 1 < n else ENDOFCHAIN)
        starts.append(start)
        body += d + b"\0" * (n * 512 - len(d))
    fat += [FREESECT] * (fat_sectors * 128 - len(fat))

    def entry(name, typ, start, size, child=FREESECT, right=FREESECT):
        nm = (name + "\0").encode("utf-16-le")
        e = nm + b"\0" * (64 - len(nm))
        e += struct.pack("<HBB", len(nm), typ, 1)
        e += struct.pack("<III", FREESECT, right, child)
        e += b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
        e += struct.pack("<IIi", start, size, 0)
        assert len(e) == 128
        return e

    dirs = entry("Root Entry", 5, ENDOFCHAIN, 0, child=1 if streams else FREESECT)
    for i, ((name, d), start) in enumerate(zip(streams, starts)):
        right = i + 2 if i + 1 < len(streams) else FREESECT
        dirs += entry(name, 2, start, len(d), right=right)
    dirs += b"\0" * (dir_sectors * 512 - len(dirs))
    header = bytearray(512)
    header[0:8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, fat_sectors, dir_start, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    struct.pack_into("<109I", header, 76, *difat)
    fat_bytes = struct.pack("<%dI" % len(fat), *fat)
    return bytes(header) + fat_bytes + dirs + bytes(body)


# --- BIFF8 (.xls) ---------------------------------------------------------------------------

def rec(typ, data=b""):
    return struct.pack("<HH", typ, len(data)) + data


def bof(dt):
    return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))


def short_name(s):
    return struct.pack("<BB", len(s), 1) + s.encode("utf-16-le")


def xls_string(s):
    return struct.pack("<HB", len(s), 1) + s.encode("utf-16-le")


def xls(sheets, sst=(), globals_extra=b"", bound_override=None, sst_record=None):
    """sheets: list of (name, [cell records]) — each sheet gets BOF, DIMENSIONS from its
    cells unless a DIMENSIONS record is among them, and EOF."""
    subs = []
    for name, records in sheets:
        body = b"".join(records)
        if not any(r[:2] == struct.pack("<H", 0x0200) for r in records):
            body = rec(0x0200, struct.pack("<IIHHH", 0, 100, 0, 20, 0)) + body
        subs.append(bof(0x0010) + body + rec(0x000A))
    sst_rec = sst_record if sst_record is not None else (rec(0x00FC, struct.pack("<II", len(sst), len(sst)) + b"".join(xls_string(s) for s in sst)) if sst else b"")

    def globals_with(positions):
        out = bof(0x0005) + rec(0x0042, struct.pack("<H", 1200)) + globals_extra
        if bound_override is not None:
            out += bound_override(positions)
        else:
            for (name, _), pos in zip(sheets, positions):
                out += rec(0x0085, struct.pack("<IBB", pos, 0, 0) + short_name(name))
        return out + sst_rec + rec(0x000A)

    size = len(globals_with([0] * len(sheets)))
    positions = []
    p = size
    for s in subs:
        positions.append(p)
        p += len(s)
    return globals_with(positions) + b"".join(subs)


def label_sst(r, c, i):
    return rec(0x00FD, struct.pack("<HHHI", r, c, 0, i))


def number(r, c, v, xf=0):
    return rec(0x0203, struct.pack("<HHHd", r, c, xf, v))


def merged_cells(ranges):
    """A MERGEDCELLS record: ranges of ((first_row, first_col), (last_row, last_col)), 0-based."""
    return rec(0x00E5, struct.pack("<H", len(ranges)) + b"".join(struct.pack("<HHHH", r0, r1, c0, c1) for (r0, c0), (r1, c1) in ranges))


def xls_formats(codes):
    """FORMAT records for custom codes (ids 164 …) and XF records: XF 0 General, then one XF
    per entry of `codes` (a built-in format id, or a custom code string)."""
    out = b""
    ids = []
    custom = 164
    for code in codes:
        if isinstance(code, int):
            ids.append(code)
        else:
            out += rec(0x041E, struct.pack("<H", custom) + xls_string(code))
            ids.append(custom)
            custom += 1
    for i in [0] + ids:
        out += rec(0x00E0, struct.pack("<HH", 0, i) + b"\0" * 16)
    return out


def bool_err(r, c, code):
    return rec(0x0205, struct.pack("<HHHBB", r, c, 0, code, 1))


def formula_num(r, c, v):
    rgce = b"\x1E" + struct.pack("<H", int(v) % 65536)  # ptgInt: the formula text is not used
    return rec(0x0006, struct.pack("<HHHdHI", r, c, 0, v, 0, 0) + struct.pack("<H", len(rgce)) + rgce)


def xls_sheet_from_rows(rows, strings):
    """rows: list of lists (row 0 first) → cell records, strings into the shared table."""
    out = []
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, tuple) and v[0] == "covered":
                continue
            if isinstance(v, tuple) and v[0] == "spanned":
                v = v[2]
            if isinstance(v, tuple) and v[0] == "percent":  # ("percent", value, xf)
                out.append(number(r, c, float(v[1]), v[2]))
            elif isinstance(v, tuple) and v[0] == "error":
                out.append(bool_err(r, c, v[1]))
            elif isinstance(v, tuple) and v[0] == "formula":
                out.append(formula_num(r, c, v[1]))
            elif isinstance(v, (int, float)):
                out.append(number(r, c, float(v)))
            else:
                if v not in strings:
                    strings.append(v)
                out.append(label_sst(r, c, strings.index(v)))
    return out


# --- ods -------------------------------------------------------------------------------------

ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')


def ods_cell(v):
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, tuple) and v[0] == "covered":
        return "<table:covered-table-cell/>"
    if isinstance(v, tuple) and v[0] == "percent":  # ("percent", 0.03)
        return ('<table:table-cell office:value-type="percentage" office:value="%s">'
                '<text:p>%s%%</text:p></table:table-cell>' % (v[1], round(v[1] * 100, 10)))
    if isinstance(v, tuple) and v[0] == "spanned":  # ("spanned", rows, value)
        inner = ods_cell(v[2])
        return inner.replace("<table:table-cell", '<table:table-cell table:number-rows-spanned="%d"' % v[1], 1)
    if isinstance(v, (int, float)):
        return '<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>' % (v, v)
    return '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % esc(v)


def ods(tables_xml):
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s><office:body><office:spreadsheet>%s'
               '</office:spreadsheet></office:body></office:document-content>' % (ODS_NS, tables_xml)).encode()
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                b'<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return zip_bytes([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED),
                      ("META-INF/manifest.xml", manifest), ("content.xml", content)])


def ods_table(name, rows):
    body = "".join("<table:table-row>%s</table:table-row>" % "".join(ods_cell(v) for v in r) for r in rows)
    return '<table:table table:name="%s">%s</table:table>' % (esc(name), body)


# =============================================================================================
# The corpus
# =============================================================================================

def hostile():
    # 1. Zip bomb: a sheet of 60 MB of whitespace inside valid XML, deflated ~1000:1.
    bomb = (b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet ' + NS.encode() + b"><sheetData>"
            + b" " * (60 * 1024 * 1024) + b"</sheetData></worksheet>")
    write("zip_bomb.xlsx", xlsx([("Sheet1", bomb, "sheet")]))
    expect("zip_bomb.xlsx", 2, "part `xl/worksheets/sheet1.xml` is compressed", "zip bomb: one part inflates ~1000:1 (limit 100:1)")

    # 2. A central directory declaring 3 × 700 MB (ratio under 100:1 as declared): refused on
    #    the declared total before anything is inflated.
    small = plain_sheet("Z")
    parts = [("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]
    entries = [(n, d, 0, zlib.crc32(d), len(d), len(d)) for n, d in parts]
    packed = deflate(small)
    for i in range(3):
        entries.append(("xl/worksheets/sheet%d.xml" % (i + 1), packed, 8, zlib.crc32(small), 8 * 1024 * 1024, 700 * 1024 * 1024))
    write("declared_huge.xlsx", raw_zip(entries))
    expect("declared_huge.xlsx", 2, "would unpack to 2202009619 bytes, more than the limit of 1073741824 bytes", "central directory declares 2.1 GB in all")

    # 3. A part that inflates past its declared size (the zip crate stops it).
    real = plain_sheet("L", 40)
    wb = xlsx([("Sheet1", real, "sheet")])
    zin = zipfile.ZipFile(io.BytesIO(wb))
    entries = []
    for info in zin.infolist():
        d = zin.read(info.filename)
        comp = deflate(d)
        declared = 200 if info.filename.endswith("sheet1.xml") else len(d)
        entries.append((info.filename, comp, 8, zlib.crc32(d), len(comp), declared))
    write("lying_size.xlsx", raw_zip(entries))
    expect("lying_size.xlsx", 2, "File is larger than its declared uncompressed size", "a part inflates past the size its central directory declares")

    # 4. Shared strings claiming four billion strings (calamine reserves them up front).
    sst = b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    write("shared_strings_bomb.xlsx", xlsx([("Sheet1", plain_sheet("S"), "sheet")], shared_strings=sst))
    expect("shared_strings_bomb.xlsx", 2, "declares 4000000000 strings, more than the limit of 30000000", "sharedStrings uniqueCount bomb")

    # 5. Billion laughs in the shared strings: entities are never expanded.
    laughs = ['<!ENTITY lol "lol">'] + ['<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10) for i in range(1, 10)]
    sst = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [%s]>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>' % "".join(laughs)).encode()
    write("billion_laughs.xlsx", xlsx([("Sheet1", plain_sheet("B"), "sheet")], shared_strings=sst))
    expect("billion_laughs.xlsx", 2, "the shared-string table carries a DOCTYPE declaration", "XML entity expansion in sharedStrings.xml")

    # 6. The same entity bomb inside a sheet.
    sheet = plain_sheet("E").replace(b"<worksheet", ("<!DOCTYPE worksheet [%s]>\n<worksheet" % "".join(laughs)).encode(), 1)
    sheet = sheet.replace("某某科技有限公司0".encode(), b"&lol9;")
    write("billion_laughs_sheet.xlsx", xlsx([("Sheet1", sheet, "sheet")]))
    expect("billion_laughs_sheet.xlsx", 2, "billion_laughs_sheet.xlsx, sheet Sheet1: cannot read: Xml error: at 0..0: unrecognized entity `&lol9;`", "XML entity expansion in a sheet")

    # 6b. And in an .ods content.xml.
    table = ods_table("Sheet1", [HEADER, ["&lol9;"]]).replace("&amp;lol9;", "&lol9;")
    content_doc = ods(table)
    zin = zipfile.ZipFile(io.BytesIO(content_doc))
    parts = []
    for info in zin.infolist():
        d = zin.read(info.filename)
        if info.filename == "content.xml":
            d = d.replace(b"?>\n", ("?>\n<!DOCTYPE office:document-content [%s]>\n" % "".join(laughs)).encode(), 1)
        parts.append((info.filename, d, info.compress_type))
    write("billion_laughs.ods", zip_bytes(parts))
    expect("billion_laughs.ods", 2, "content.xml carries a DOCTYPE declaration", "XML entity expansion in an ods content.xml")

    # 7. Encrypted OOXML: an OLE container with EncryptionInfo and EncryptedPackage.
    write("encrypted.xlsx", ole([("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00"), ("EncryptedPackage", b"\x17" * 5000)]))
    expect("encrypted.xlsx", 2, "the workbook is password-protected", "password-protected xlsx (OLE EncryptedPackage)")

    # 8. Encrypted xls: a FilePass record in the workbook globals.
    stream = xls([("Sheet1", [])], globals_extra=rec(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\0" * 48))
    write("encrypted.xls", ole([("Workbook", stream)]))
    expect("encrypted.xls", 2, "the workbook is password-protected", "password-protected xls (FilePass)")

    # 9. WPS native format.
    write("申报表.et", ole([("Workbook", xls([("Sheet1", [])]))]))
    expect("申报表.et", 2, "not a workbook this tool reads (WPS .et format); save it as .xlsx", "WPS .et")

    # 10. Random bytes named .xlsx, and an empty file.
    rnd = random.Random(20240315)
    write("random.xlsx", bytes(rnd.randrange(256) for _ in range(4096)))
    expect("random.xlsx", 2, "neither a zip package (.xlsx, .ods) nor an Excel 97-2003 file", "random bytes")
    write("empty.xlsx", b"")
    expect("empty.xlsx", 2, "the file is empty", "zero bytes")

    # 11. A valid workbook cut in half (the central directory is lost).
    whole = xlsx([("Sheet1", plain_sheet("T", 30), "sheet")])
    write("truncated.xlsx", whole[: len(whole) // 2])
    expect("truncated.xlsx", 2, "not a complete zip package", "truncated download")

    # 12. Things saved under a workbook's name.
    write("html_table.xls", "<html><body><table><tr><td>申报编号</td><td>企业名称</td></tr></table></body></html>".encode())
    expect("html_table.xls", 2, "not a workbook this tool reads (an HTML page)", "HTML saved as .xls")
    write("spreadsheet2003.xls", b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>')
    expect("spreadsheet2003.xls", 2, "an XML Spreadsheet 2003 file", "XML Spreadsheet 2003 saved as .xls")
    write("csv_named.xlsx", (",".join(HEADER) + "\nA1,%s,某公司,新城区,2023,%s,1\n" % (credit_code(1), RULE)).encode())
    expect("csv_named.xlsx", 2, "a text file; if it is CSV, rename it to .csv", "CSV saved as .xlsx")

    # 13. A zip that is not a workbook.
    write("not_a_workbook.xlsx", zip_bytes([("readme.txt", b"hello")]))
    expect("not_a_workbook.xlsx", 2, "a zip archive that holds no workbook", "zip without a workbook")

    # 14. One sheet part named by 3,000 sheets: calamine would parse it 3,000 times.
    rows = [HEADER] + good_rows("D", 2) + [["备注%d" % i, "x" * 40] for i in range(4000)]
    body = sheet_xml(rows)
    names = [("S%d" % i, None) for i in range(3000)]
    wb_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook %s><sheets>%s</sheets></workbook>'
              % (NS, "".join('<sheet name="%s" sheetId="%d" r:id="rId1"/>' % (n, i + 1) for i, (n, _) in enumerate(names)))).encode()
    base = xlsx([("S0", body, "sheet")])
    zin = zipfile.ZipFile(io.BytesIO(base))
    parts = [(i.filename, wb_xml if i.filename == "xl/workbook.xml" else zin.read(i.filename)) for i in zin.infolist()]
    write("one_part_many_sheets.xlsx", zip_bytes(parts, level=9))
    expect("one_part_many_sheets.xlsx", 2, "reading it would unpack more than", "3,000 sheets naming one sheet part")

    # 15. .xls whose DIMENSIONS record declares 4 billion rows (calamine reserves them).
    dims = rec(0x0200, struct.pack("<IIHHH", 0, 0xFFFFFFF0, 0, 255, 0))
    strings = []
    cells = xls_sheet_from_rows([HEADER], strings)
    write("xls_dimensions_bomb.xls", ole([("Workbook", xls([("Sheet1", [dims] + cells)], sst=strings))]))
    expect("xls_dimensions_bomb.xls", 2, "the used range A1:IU4294967280 (declared) spans", "xls DIMENSIONS claiming 4 billion rows")

    # 16. .xls with a value at A1 and one at column 65535, row 65535: a 4-billion-cell grid.
    strings = []
    cells = xls_sheet_from_rows([HEADER] + good_rows("X", 2), strings) + [number(65535, 65535, 1.0)]
    write("xls_far_cell.xls", ole([("Workbook", xls([("Sheet1", cells)], sst=strings))]))
    expect("xls_far_cell.xls", 2, "spans 4294967296 cells, more than the limit of 8000000 for .xls/.ods sheets", "xls cell-grid bomb")

    # 17. .xls with one 60,000-character shared string referenced by 6,000 cells (the estimate
    #     counts 3 bytes a character: 1.08 GB; calamine would build 360 MB from 150 KB).
    raw = b"a" * 60000
    first = struct.pack("<II", 6000, 1) + struct.pack("<HB", 60000, 0) + raw[:8000]
    conts = [rec(0x003C, b"\x00" + raw[p:p + 8000]) for p in range(8000, len(raw), 8000)]
    sst_record = rec(0x00FC, first) + b"".join(conts)
    cells = [label_sst(r, 7, 0) for r in range(1, 6001)]
    write("xls_text_bomb.xls", ole([("Workbook", xls([("Sheet1", cells)], sst_record=sst_record))]))
    expect("xls_text_bomb.xls", 2, "the file holds more than 1073741824 bytes of text", "xls shared string cloned into 6,000 cells")

    # 18. .xls whose directory sector chain loops (calamine would follow it forever).
    write("xls_chain_loop.xls", ole([("Workbook", xls([("Sheet1", [])]))], loop_directory=True))
    expect("xls_chain_loop.xls", 2, "an OLE sector chain loops", "OLE FAT cycle")

    # 19. .xls with 1,000 sheets all starting at the same record: each re-walks a big sheet.
    strings = []
    big = xls_sheet_from_rows([HEADER] + [[float(i), float(i)] for i in range(1500)], strings)

    def same_pos(positions):
        return b"".join(rec(0x0085, struct.pack("<IBB", positions[0], 0, 0) + short_name("S%d" % i)) for i in range(1000))
    stream = xls([("S", big)], sst=strings, bound_override=same_pos)
    write("xls_overlapping_sheets.xls", ole([("Workbook", stream)]))
    expect("xls_overlapping_sheets.xls", 2, "its sheets overlap", "1,000 sheets over one substream")

    # 20. .xls with a BoundSheet record too short: calamine panics; the panic is caught.
    stream = xls([("Sheet1", [])], bound_override=lambda p: rec(0x0085, struct.pack("<IB", p[0], 0)))
    write("xls_reader_panic.xls", ole([("Workbook", stream)]))
    expect("xls_reader_panic.xls", 2, "the reader failed on this file", "input that panics calamine (caught)")

    # 21. .ods repeating one valued row a million times, 100 columns wide.
    table = ('<table:table table:name="Sheet1"><table:table-row>%s</table:table-row>'
             '<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"/></table:table-row></table:table>'
             % "".join(ods_cell(h) for h in HEADER))
    write("ods_repeat_bomb.ods", ods(table))
    expect("ods_repeat_bomb.ods", 2, "the used range A1:CV1000001 spans 100000100 cells, more than the limit of 8000000", "ods row/column repeat bomb")

    # 22. .ods with a two-billion-space run in one cell.
    table = ('<table:table table:name="Sheet1"><table:table-row>%s</table:table-row><table:table-row>'
             '<table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>b</text:p></table:table-cell></table:table-row></table:table>'
             % "".join(ods_cell(h) for h in HEADER))
    write("ods_spaces_bomb.ods", ods(table))
    expect("ods_spaces_bomb.ods", 2, "more than 1073741824 bytes of text", "ods text:s space-run bomb")


    # 23. .ods whose content ends inside a table (`</table:table>` damaged): calamine's table
    #     loop never sees the end of the file and spins for ever. Found by the byte fuzzer.
    table = ods_table("Sheet1", [HEADER] + good_rows("U", 2)).replace("</table:table>", "x/table:table>")
    write("ods_unterminated_table.ods", ods(table))
    expect("ods_unterminated_table.ods", 2, "content.xml ends inside the table `Sheet1`", "ods cut inside a table (calamine would spin)")

    # 24. .ods with a comment (office:annotation) that never ends: the same spin.
    table = ('<table:table table:name="Sheet1"><table:table-row>%s</table:table-row><table:table-row>'
             '<table:table-cell office:value-type="string"><office:annotation><text:p>备注</text:p>'
             % "".join(ods_cell(h) for h in HEADER))
    content = ods(table)
    zin = zipfile.ZipFile(io.BytesIO(content))
    parts = []
    for info in zin.infolist():
        d = zin.read(info.filename)
        if info.filename == "content.xml":
            d = d.split(b"<office:annotation>")[0] + b"<office:annotation><text:p>note</text:p>"
        parts.append((info.filename, d, info.compress_type))
    write("ods_open_annotation.ods", zip_bytes(parts))
    expect("ods_open_annotation.ods", 2, "content.xml ends inside", "ods cut inside a cell comment (calamine would spin)")


def readable():
    # A sheet whose <dimension> claims A1:XFD1048576 and holds a cell there: streamed, fine.
    rows = [HEADER] + good_rows("H", 3)
    extra = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    write("huge_dimension.xlsx", xlsx([("Sheet1", sheet_xml(rows, dimension="A1:XFD1048576", extra_cells=extra), "sheet")]))
    expect("huge_dimension.xlsx", 0, "3 rows read", "dimension A1:XFD1048576 with a cell there", rows=3)

    # A messy form as bureaus receive them.
    title = "2023年度工业经济高质量发展奖补资金申报汇总表"
    # The bureau's review answers (审核结论, 首次) in J and K, merged down over both header rows,
    # so each read row is a payout to the 分, not 待审核.
    r3 = ["申报编号", " 企业名称 ", "基本情况", None, None, "申报条款\n编号", "投资情况", "购置日期", "备注"] + AUDIT
    r4 = [None, None, "统一社会信用代码", "所属旗县区", "申报年度", None, "固定资产投资额（万元）", None, None, None, None]
    data = [
        (5, ["M1", "甲公司", credit_code(101), "新城区", 2023, RULE, 30000, "2023-03-15", None]),
        (6, ["M2", "乙公司", credit_code(102), "回民区", 2023, RULE, "12万元", "2023.3.15", "万元写在格里"]),
        (7, ["M3", "丙公司", credit_code(103), "玉泉区", 2023, RULE, "３００００", "2023年3月15日", "全角数字"]),
        (8, ["M4", "丁公司", credit_code(104), "赛罕区", 2023, RULE, "30 000", "20230315", "有空格"]),
        # row 9 blank
        (10, ["M5", "戊公司", credit_code(105), "新城区", 2023, RULE, ("formula", "300*100", 30000), "2023/3/15", "公式有缓存值"]),
        (11, ["M6", "己公司", credit_code(106), "新城区", 2023, RULE, ("formula", "H11*2", None), None, "公式无缓存值"]),
        (12, ["M7", "庚公司", credit_code(107), "新城区", 2023, RULE, ("error", "#N/A"), None, "错误值"]),
        (13, ["M8", "辛公司", credit_code(108), "新城区", 2023, RULE, ("error", "#DIV/0!"), None, "错误值"]),
        (14, ["M9", "壬公司", credit_code(109), "新城区", 2023, RULE, 500, "2023-02-30", "日期不存在"]),
        (15, ["M10", "  癸公司 ", credit_code(110) + " ", " 新城区", "2023", RULE, " 800 ", None, "多余空格"]),
        (16, [None, "合计", None, None, None, None, ("formula", "SUM(G5:G15)", 60512), None, None]),
        (18, ["填表人：张三    审核人：李四    填报日期：2024年1月5日"]),
    ]
    data = [(r, v + ["是", "是"]) if len(v) > 2 and v[0] else (r, v) for r, v in data]
    rows = [(1, [title]), (3, r3), (4, r4)] + data
    merges = ["A1:K1", "A3:A4", "B3:B4", "C3:E3", "F3:F4", "H3:H4", "I3:I4", "J3:J4", "K3:K4"]
    instructions = sheet_xml([["填表说明：请勿修改表头；金额单位为万元。"], ["统一社会信用代码为18位。"]])
    chart = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<chartsheet %s><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>' % NS).encode()
    write("messy.xlsx", xlsx([("申报汇总表", sheet_xml(rows, merges=merges), "sheet"), ("填表说明", instructions, "hidden"), ("图表", chart, "chart")]))
    # Read: M1, M2, M3, M4, M5, M10 computed; M6 (no cached result), M7, M8 (error values), M9
    # (no 2月30日) are exceptions: 10 rows in. The 合计 and 填表人 rows and the hidden 填表说明
    # sheet are not data: set aside and listed in the manifest's skipped_sheets, not read.
    expect("messy.xlsx", 1, "rows could not be read; see 数据错误", "merged two-row header, title, blank and junk rows, error cells, formulas, units, full-width", rows=10)
    # 30000 万元 pays 2%: 6,000,000.00; 12万元 in a 万元 column is 120,000 元: 2,400.00; 800 万元: 160,000.00.
    expect_lines("messy.xlsx", exceptions=4, payouts={"M1": award(0), "M2": "2400.00", "M3": award(0), "M4": award(0), "M5": award(0), "M10": "160000.00"},
                 values=["G11=", "G12=#N/A"], skipped=["申报汇总表 第16行（合计/小计行）", "申报汇总表 第18行（表尾签字或说明行）", "填表说明（隐藏工作表）"])

    # The same form as GBK CSV with the header on row 2, extra spaces and a different order.
    lines = [
        "2023年度奖补资金申报表,,,,,,,,",
        " 企业名称 ,申报编号,申报年度,统一社会信用代码, 申报条款编号 ,所属旗县区,固定资产投资额 （万元）,%s" % ",".join(AUDIT),
        "甲公司,C1,2023,%s,%s,新城区,\"30,000\",是,是" % (credit_code(201), RULE),
        ",,,,,,,,",
        "乙公司,C2,２０２３,%s,%s,新城区,12万元,是,是" % (credit_code(202), RULE),
        "丙公司,C3,2023,%s,%s,新城区,=1+1,是,是" % (credit_code(203), RULE),
        "丁公司,C4,2023,%s,%s,新城区,#N/A,是,是" % (credit_code(204), RULE),
        "合计,,,,,,\"30,012\",,",
    ]
    write("messy_gbk.csv", ("\r\n".join(lines) + "\r\n").encode("gbk"))
    # C1, C2 computed; C3 (a formula typed as text), C4 (#N/A) exceptions; the 合计 row set aside.
    expect("messy_gbk.csv", 1, "rows could not be read; see 数据错误", "GBK CSV, header on row 2, columns reordered", rows=4)
    expect_lines("messy_gbk.csv", exceptions=2, payouts={"C1": award(0), "C2": "2400.00"})

    # A long cell (over Excel's 32,767 characters) in a CSV: that cell is reported, not the file.
    lines = [",".join(HEADER), "L1,%s,%s,新城区,2023,%s,100" % (credit_code(301), "x" * 40000, RULE), "L2,%s,某公司,新城区,2023,%s,100" % (credit_code(302), RULE)]
    write("long_cell.csv", ("\n".join(lines) + "\n").encode())
    expect("long_cell.csv", 1, "rows could not be read; see 数据错误", "a 40,000-character cell", rows=2)

    # A small, clean .xls (shared strings, numbers, a formula with its cached value, an error).
    strings = []
    rows = [["2023年度申报表"], HEADER + AUDIT] + reviewed_rows("XL", 3)
    rows.append(["XL9", credit_code(409), "某公司", "新城区", 2023, RULE, ("formula", 200), "是", "是"])
    rows.append(["XL10", credit_code(410), "某公司", "新城区", 2023, RULE, ("error", 0x07), "是", "是"])
    cells = xls_sheet_from_rows(rows, strings)
    write("messy.xls", ole([("Workbook", xls([("申报汇总表", cells), ("空表", [])], sst=strings))]))
    expect("messy.xls", 1, "rows could not be read; see 数据错误", "xls: title row, formula cached value, #DIV/0!", rows=5)
    # The formula's cached 200 万元 pays 2%: 40,000.00.
    expect_lines("messy.xls", exceptions=1, payouts={"XL0": award(0), "XL1": award(1), "XL2": award(2), "XL9": "40000.00"})

    # A small .ods with the header on row 2.
    rows = [["2023年度申报表"], HEADER + AUDIT] + reviewed_rows("OD", 3)
    write("messy.ods", ods(ods_table("申报汇总表", rows)))
    expect("messy.ods", 0, "3 rows read", "ods with a title row", rows=3)
    expect_lines("messy.ods", exceptions=0, payouts={"OD0": award(0), "OD1": award(1), "OD2": award(2)})


# --- issue 12, part 2: dates, CSV, containers, injection (one fixture per case) ---------------

def expect_lines(name, exceptions=None, payouts=None, reasons=(), values=(), skipped=()):
    """Adds what the ledger must hold to the last expectation: the number of exceptions.csv
    lines, the award of each payout line (id → amount text, to the 分: exactly these lines),
    texts the exceptions' reasons must hold, `cell=value` of exceptions.csv lines (the
    value column shows what the cell holds, never the reason), and texts the manifest's
    skipped_sheets must hold (sheets and rows set aside as not data)."""
    assert EXPECTED[-1][0] == name
    EXTRA[name] = (exceptions, payouts, list(reasons), list(values), list(skipped))


EXTRA = {}


def rezip(data, change):
    """The zip `data` with each part passed through change(name, bytes) (same order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [(i.filename, change(i.filename, z.read(i.filename))) for i in z.infolist()]
    return zip_bytes(parts)


def award(i):
    """What RULE pays on good_rows' 30000 + i 万元: 2%, to the 分."""
    return "%d.00" % ((30000 + i) * 200)


def dates_and_csv():
    # Dates as people type them, in a workbook that states the 1904 date system: a serial of
    # 43585 is 2023-05-01 there (45047 in the 1900 system); two-digit years are exceptions.
    header = HEADER + ["购置日期"]
    dates = [43585, "2023年5月1日", "2023.5.1", "2023/5/1", "2023-5-1", "20230501", "23.5.1", "23/5/1"]
    rows = [header] + [r + [d] for r, d in zip(good_rows("DT", len(dates)), dates)]
    book = xlsx([("申报表", sheet_xml(rows), "sheet")])
    book = rezip(book, lambda n, b: b.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>') if n == "xl/workbook.xml" else b)
    write("dates_1904.xlsx", book)
    expect("dates_1904.xlsx", 1, "rows could not be read; see 数据错误", "dates typed every way, 1904 date system, two two-digit years", rows=8)
    expect_lines("dates_1904.xlsx", exceptions=2)

    def csv_text(rows, sep=","):
        return "\r\n".join(sep.join(str(v) for v in r) for r in rows) + "\r\n"

    # UTF-8 with one row pasted in GBK: that row is an exception, not the file.
    good = [HEADER] + good_rows("SG", 3)
    lines = csv_text(good[:2]).encode() + csv_text([good[2][:2] + ["乙公司"] + good[2][3:]]).encode("gbk") + csv_text(good[3:]).encode()
    write("csv_stray_gbk.csv", lines)
    expect("csv_stray_gbk.csv", 1, "rows could not be read; see 数据错误", "UTF-8 CSV with one row in GBK", rows=3)
    expect_lines("csv_stray_gbk.csv", exceptions=2)

    # Excel's "Unicode text": UTF-16LE with a BOM, tab-separated.
    write("csv_utf16_tab.csv", b"\xff\xfe" + csv_text([HEADER] + good_rows("UT", 2), "\t").encode("utf-16-le"))
    expect("csv_utf16_tab.csv", 0, "2 rows read", "UTF-16LE CSV with BOM, tab-separated", rows=2)
    expect_lines("csv_utf16_tab.csv", exceptions=0)

    # A semicolon-separated CSV (European Excel), with a title row first.
    write("csv_semicolon.csv", ("2023年度申报表\r\n" + csv_text([HEADER] + good_rows("SC", 2), ";")).encode())
    expect("csv_semicolon.csv", 0, "2 rows read", "semicolon-separated CSV with a title row", rows=2)
    expect_lines("csv_semicolon.csv", exceptions=0)

    # Bytes that are no text: the message says the CSV cannot be decoded, not "no header".
    write("csv_nul.csv", csv_text([HEADER]).encode("utf-16-le"))
    expect("csv_nul.csv", 2, "cannot read the CSV file: the text cannot be decoded: it holds NUL bytes", "UTF-16 without a BOM")
    write("csv_one_column.csv", "申报编号\r\nA1\r\nA2\r\n".encode())
    expect("csv_one_column.csv", 2, "cannot read the CSV file: the lines cannot be split into columns", "a CSV with no separator")

    # Infinite and NaN amounts typed as text: exceptions.
    rows = good_rows("IN", 4)
    for r, v in zip(rows[1:], ["inf", "NaN", "-inf"]):
        r[6] = v
    write("csv_inf_nan.csv", csv_text([HEADER] + rows).encode())
    expect("csv_inf_nan.csv", 1, "rows could not be read; see 数据错误", "inf, NaN, -inf amounts", rows=4)
    expect_lines("csv_inf_nan.csv", exceptions=3)

    # Formula injection in full-width forms: read as text, neutralised in every output.
    rows = good_rows("FW", 2)
    rows[0][2] = "＝HYPERLINK(\"http://x\")"
    rows[1][2] = "＠SUM(1+1)"
    write("injection_fullwidth.csv", csv_text([HEADER] + rows).encode())
    expect("injection_fullwidth.csv", 0, "2 rows read", "full-width ＝ and ＠ starting enterprise names", rows=2)
    expect_lines("injection_fullwidth.csv", exceptions=0)


# --- issue 12, part 3: merged cells, percent formats in .xls and .ods ---------------------------

AUDIT = ["是否符合申报条件（审核结论）", "是否首次/新获认定"]
RULE_RATE = "hohhot-2022-25b-major-tech-transfer-multi-year"


def spans(rows):
    """The merged ranges of a grid: ("spanned", n, v) at (r, c) covers (r, c)–(r + n - 1, c)."""
    out = []
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if isinstance(v, tuple) and v[0] == "spanned":
                out.append(((r, c), (r + v[1] - 1, c)))
    return out


def merged_grid():
    """An enterprise's name, credit code, region and review answers merged down over its
    project rows (each row gets them); another's investment merged over its two projects
    (per project or their total? each of those rows is an exception naming the range)."""
    header = ["企业名称", "统一社会信用代码", "所属旗县区", "申报编号", "申报年度", "申报条款编号", "固定资产投资额（万元）"] + AUDIT
    cov = ("covered",)

    def sp(n, v):
        return ("spanned", n, v)
    rows = [
        ["2023年度项目明细表（同一企业多个项目）"],
        header,
        [sp(3, "甲公司"), sp(3, credit_code(501)), sp(3, "新城区"), "MG1", 2023, RULE, 30001, sp(3, "是"), sp(3, "是")],
        [cov, cov, cov, "MG2", 2023, RULE, 30002, cov, cov],
        [cov, cov, cov, "MG3", 2023, RULE, 30003, cov, cov],
        [sp(2, "乙公司"), sp(2, credit_code(502)), sp(2, "回民区"), "MG4", 2023, RULE, sp(2, 60000), "是", "是"],
        [cov, cov, cov, "MG5", 2023, RULE, cov, "是", "是"],
        ["丙公司", credit_code(503), "玉泉区", "MG6", 2023, RULE, 30006, "是", "是"],
    ]
    return rows


MERGED_REASON = "合并单元格 G6:G7（跨 2 行）：金额或数量合并在几行上，是每行各自的数还是几行的合计不能确定"
PERCENT_REASON = "“50%”是百分数，本栏不是比率，含义不确定"
# The merged amount's first cell shows its value; the cell it covers holds nothing of its own.
MERGED_VALUES = ["G6=60000", "G7="]
MERGED_PAYOUTS = {"MG1": award(1), "MG2": award(2), "MG3": award(3), "MG6": award(6)}
MERGED_WHAT = "names, codes, regions and review answers merged down over project rows; an amount merged over two rows"


def ods_merged_row(values):
    return "<table:table-row>%s</table:table-row>" % "".join(ods_cell(v) for v in values)


def merged_and_percent():
    rows = merged_grid()
    ref = lambda rc: "%s%d" % (col_letters(rc[1]), rc[0] + 1)
    merges = ["%s:%s" % (ref(a), ref(b)) for a, b in spans(rows)]
    write("merged_cells.xlsx", xlsx([("项目明细", sheet_xml(rows, merges=merges), "sheet")]))
    expect("merged_cells.xlsx", 1, "rows could not be read; see 数据错误", "xlsx: " + MERGED_WHAT, rows=6)
    expect_lines("merged_cells.xlsx", exceptions=2, payouts=MERGED_PAYOUTS, reasons=[MERGED_REASON], values=MERGED_VALUES)

    strings = []
    cells = xls_sheet_from_rows(rows, strings) + [merged_cells(spans(rows))]
    write("merged_cells.xls", ole([("Workbook", xls([("项目明细", cells)], sst=strings))]))
    expect("merged_cells.xls", 1, "rows could not be read; see 数据错误", "xls (MERGEDCELLS): " + MERGED_WHAT, rows=6)
    expect_lines("merged_cells.xls", exceptions=2, payouts=MERGED_PAYOUTS, reasons=[MERGED_REASON], values=MERGED_VALUES)

    table = '<table:table table:name="项目明细">%s</table:table>' % "".join(ods_merged_row(r) for r in rows)
    write("merged_cells.ods", ods(table))
    expect("merged_cells.ods", 1, "rows could not be read; see 数据错误", "ods (number-rows-spanned): " + MERGED_WHAT, rows=6)
    expect_lines("merged_cells.ods", exceptions=2, payouts=MERGED_PAYOUTS, reasons=[MERGED_REASON], values=MERGED_VALUES)

    # Percent formats: 核定比例 shown 3% is stored 0.03 and means 3% (1亿 × 3% = 300万); a
    # rate typed as 4 means 4%; an investment shown as a percent is not an amount: exception.
    header = ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报年度", "申报条款编号", "项目总投资额（万元）", "核定比例（%）"] + AUDIT

    def grid(pct):
        return [header,
                ["PC1", credit_code(601), "甲公司", "新城区", 2023, RULE_RATE, 10000, pct(0.03, 1), "是", "是"],
                ["PC2", credit_code(602), "乙公司", "新城区", 2023, RULE_RATE, 10000, 4, "是", "是"],
                ["PC3", credit_code(603), "丙公司", "新城区", 2023, RULE_RATE, pct(0.5, 2), pct(0.0125, 2), "是", "是"]]
    payouts = {"PC1": "3000000.00", "PC2": "4000000.00"}
    what = "核定比例 shown as 3%% (stored 0.03) pays 3%%; an investment shown as 50%% is an exception"
    strings = []
    cells = xls_sheet_from_rows(grid(lambda v, xf: ("percent", v, xf)), strings)
    write("percent.xls", ole([("Workbook", xls([("申报表", cells)], sst=strings, globals_extra=xls_formats([9, "0.00%"])))]))
    expect("percent.xls", 1, "rows could not be read; see 数据错误", "xls: " + what.replace("%%", "%"), rows=3)
    expect_lines("percent.xls", exceptions=1, payouts=payouts, reasons=[PERCENT_REASON])
    write("percent.ods", ods(ods_table("申报表", grid(lambda v, xf: ("percent", v)))))
    expect("percent.ods", 1, "rows could not be read; see 数据错误", "ods: " + what.replace("%%", "%"), rows=3)
    expect_lines("percent.ods", exceptions=1, payouts=payouts, reasons=[PERCENT_REASON])


def reviewed_rows(prefix, n, start=1):
    """good_rows with the bureau's review answers (是, 是), so each line is a payout."""
    return [r + ["是", "是"] for r in good_rows(prefix, n, start)]


def csv_lines(rows):
    out = io.StringIO()
    import csv as csvmod
    w = csvmod.writer(out, lineterminator="\r\n")
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode()


def layouts():
    """Issue 12 items 1, 3, 4, 7, 8: units outside the header cell, two columns for one field,
    negative amounts, rows that are not data, annotated headers; each with its payouts."""
    plain = ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报年度", "申报条款编号"]
    # 1. A group header carrying the unit over a column that has none (merged across).
    rows = [["2023年度申报表"], plain + ["投资情况（万元）", None] + AUDIT,
            [None] * 6 + ["固定资产投资额", "设备投资额"]]
    rows += [r[:7] + [1000] + r[7:] for r in reviewed_rows("UG", 2)]
    write("units_group_header.xlsx", xlsx([("申报表", sheet_xml(rows, merges=["G2:H2"]), "sheet")]))
    expect("units_group_header.xlsx", 0, "2 rows read", "the unit in a group header 投资情况（万元） merged over the column", rows=2)
    expect_lines("units_group_header.xlsx", exceptions=0, payouts={"UG0": award(0), "UG1": award(1)})
    # A units row under the header; a note above the table.
    head = plain + ["固定资产投资额"] + AUDIT
    write("units_row.csv", csv_lines([head, [""] * 6 + ["（万元）"] + [""] * 2] + reviewed_rows("UR", 2)))
    expect("units_row.csv", 0, "2 rows read", "a units row （万元） under the header", rows=2)
    expect_lines("units_row.csv", exceptions=0, payouts={"UR0": award(0), "UR1": award(1)})
    write("units_note.csv", csv_lines([["金额单位：万元"], head] + reviewed_rows("UN", 2)))
    expect("units_note.csv", 0, "2 rows read", "a note 金额单位：万元 above the table", rows=2)
    expect_lines("units_note.csv", exceptions=0, payouts={"UN0": award(0), "UN1": award(1)})
    # Two places, two units: the column is refused, both places named; no payout.
    conflict = plain + ["固定资产投资额（元）"] + AUDIT
    write("units_conflict.csv", csv_lines([["单位：万元"], conflict] + reviewed_rows("UC", 2)))
    expect("units_conflict.csv", 1, "rows could not be read; see 数据错误", "header says 元, the note 万元: refused", rows=2)
    expect_lines("units_conflict.csv", exceptions=2, reasons=["单位冲突：G2“固定资产投资额（元）”为“元”，A1“单位：万元”为“万元”"])

    # 3. 申报数 and 核定数 of one item: the approved figure is paid.
    rows = [plain + ["固定资产投资额（万元）", None] + AUDIT, [None] * 6 + ["申报数", "核定数"]]
    rows += [r[:6] + [99999, r[6]] + r[7:] for r in reviewed_rows("TF", 2)]
    write("two_figures.xlsx", xlsx([("申报表", sheet_xml(rows, merges=["G1:H1"]), "sheet")]))
    expect("two_figures.xlsx", 0, "2 rows read", "申报数 / 核定数 under one header: the approved figure is paid", rows=2)
    expect_lines("two_figures.xlsx", exceptions=0, payouts={"TF0": award(0), "TF1": award(1)})
    # Two columns of one field and nothing telling them apart: each row an exception.
    head = plain + ["固定资产投资额（万元）", "固定资产投资额（万元）"] + AUDIT
    write("two_columns.csv", csv_lines([head] + [r[:7] + [99999] + r[7:] for r in reviewed_rows("TC", 2)]))
    expect("two_columns.csv", 1, "rows could not be read; see 数据错误", "two columns bound to one field, nothing marks the approved one", rows=2)
    expect_lines("two_columns.csv", exceptions=2, reasons=["两列都是“固定资产投资额”且数值不同（G列“固定资产投资额（万元）”、H列“固定资产投资额（万元）”），无法确定取哪一列"])

    # 4. A negative amount is an exception, never a negative payout.
    rows = reviewed_rows("NG", 3)
    rows[1][6] = -30001
    rows[2][6] = "－30002"
    write("negative_amount.csv", csv_lines([plain + ["固定资产投资额（万元）"] + AUDIT] + rows))
    expect("negative_amount.csv", 1, "rows could not be read; see 数据错误", "negative amounts (ASCII and full-width minus)", rows=3)
    expect_lines("negative_amount.csv", exceptions=2, payouts={"NG0": award(0)}, reasons=["“-30001”为负数，“固定资产投资额”不能为负", "“－30002”为负数"])

    # 7. 栏次 row, 小计 and 合计 rows, a signature footer: set aside, not data errors.
    head = plain + ["固定资产投资额（万元）"] + AUDIT
    rows = [head, [str(i) for i in range(1, 10)]] + reviewed_rows("ND", 2)
    rows += [["小计", "", "", "", "", "", "60001", "", ""], ["合计", "", "", "", "", "", "60001", "", ""],
             ["填表人：张三", "", "审核人：李四", "", "", "", "", "", ""]]
    write("not_data_rows.csv", csv_lines(rows))
    expect("not_data_rows.csv", 0, "2 rows read", "栏次, 小计, 合计 and 填表人 rows set aside", rows=2)
    expect_lines("not_data_rows.csv", exceptions=0, payouts={"ND0": award(0), "ND1": award(1)},
                 skipped=["CSV 第2行（栏次行）", "CSV 第5、6行（合计/小计行）", "CSV 第7行（表尾签字或说明行）"])

    # 8. Annotated headers: （必填）, （18位）, a trailing *, a line break, stray spaces.
    head = ["申报编号（必填）", "统一社会信用代码（18位）", "企业名称*", "所属\n旗县区", " 申报 年度 ", "申报条款编号", "固定资产投资额\n（万元）"] + AUDIT
    write("annotated_headers.csv", csv_lines([head] + reviewed_rows("AH", 2)))
    expect("annotated_headers.csv", 0, "2 rows read", "headers with （必填）, （18位）, *, line breaks, spaces", rows=2)
    expect_lines("annotated_headers.csv", exceptions=0, payouts={"AH0": award(0), "AH1": award(1)})


def containers():
    # Two parts of one name: readers disagree on which they take.
    import warnings
    base = xlsx([("Sheet1", plain_sheet("DP"), "sheet")])
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    parts.append(("xl/worksheets/sheet1.xml", sheet_xml([HEADER] + [["DP0", credit_code(1), "某公司", "新城区", 2023, RULE, 99999999]])))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write("zip_duplicate_part.xlsx", zip_bytes(parts))
    expect("zip_duplicate_part.xlsx", 2, "the package holds two parts named `xl/worksheets/sheet1.xml`", "a zip naming one part twice")

    # An 18-digit credit code stored as a number: Excel kept 15 digits.
    rows = good_rows("CN", 2)
    rows[1][1] = 911501001234567000
    write("credit_code_number.xlsx", xlsx([("申报表", sheet_xml([HEADER] + rows), "sheet")]))
    expect("credit_code_number.xlsx", 1, "rows could not be read; see 数据错误", "统一社会信用代码 stored as a number", rows=2)
    expect_lines("credit_code_number.xlsx", exceptions=1)


# --- issue 12, coverage: the classes without a fixture, and a variant of each class ------------
# (tests/corpus/classes.toml maps each class of the issue to its fixtures; the test
# tests/integration/classes.rs fails when a class has none or a named fixture is missing.)

def xlsb_record(typ, body=b""):
    """An .xlsb record: its type and length as variable-length integers (MS-XLSB 2.1.4)."""
    head = bytes([typ]) if typ < 0x80 else bytes([(typ & 0x7F) | 0x80, typ >> 7])
    n, size = len(body), bytearray()
    while True:
        n, low = n >> 7, n & 0x7F
        size.append(low | (0x80 if n else 0))
        if not n:
            break
    return head + bytes(size) + body


def xlsb_wide(s):
    u = s.encode("utf-16-le")
    return struct.pack("<I", len(u) // 2) + u


def xlsb_sheet(rows, cut=()):
    """A worksheet part from rows (row 0 first): numbers as BrtCellReal, texts as BrtCellSt;
    the cells at (row, col) in `cut` have their record cut to 8 bytes (column and style only)."""
    width = max(len(r) for r in rows)
    out = xlsb_record(0x81) + xlsb_record(0x94, struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1)) + xlsb_record(0x91)
    for r, values in enumerate(rows):
        out += xlsb_record(0x00, struct.pack("<IIHHB", r, 0, 300, 0, 0))
        for c, v in enumerate(values):
            if v is None:
                continue
            head = struct.pack("<II", c, 0)
            typ, body = (0x05, head + struct.pack("<d", float(v))) if isinstance(v, (int, float)) else (0x06, head + xlsb_wide(v))
            out += xlsb_record(typ, body[:8] if (r, c) in cut else body)
    return out + xlsb_record(0x92) + xlsb_record(0x82)


def xlsb(name, sheet):
    """A one-sheet .xlsb package."""
    bundle = struct.pack("<II", 0, 1) + xlsb_wide("rId1") + xlsb_wide(name)
    workbook = (xlsb_record(0x83) + xlsb_record(0x99, b"\0" * 12) + xlsb_record(0x8F) + xlsb_record(0x9C, bundle)
                + xlsb_record(0x90) + xlsb_record(0x9D, b"\0" * 26) + xlsb_record(0x84))
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
             '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.bin"/></Relationships>' % REL)
    wb_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.bin"/></Relationships>' % REL)
    return zip_bytes([("[Content_Types].xml", types.encode()), ("_rels/.rels", rels.encode()), ("xl/workbook.bin", workbook),
                      ("xl/_rels/workbook.bin.rels", wb_rels.encode()), ("xl/worksheets/sheet1.bin", sheet)])


TRUNCATED_REASON = "单元格记录不完整（文件已损坏），未读入"


def coverage_gaps():
    """Classes of issue 12 that had no fixture: a truncated xlsb record (item 13), a sheet name
    over 31 characters and a long cell in a workbook (item 10), a very hidden sheet holding
    what looks like data (item 7), Excel serial dates in the 1900 system (item 5)."""
    # 13. A number cell cut before its value: calamine would show the cell before it (30000).
    rows = [HEADER + AUDIT] + reviewed_rows("XB", 3)
    write("xlsb_truncated.xlsb", xlsb("申报表", xlsb_sheet(rows, cut={(2, 6)})))
    expect("xlsb_truncated.xlsb", 1, "rows could not be read; see 数据错误", "xlsb: a BrtCellReal cut before its value", rows=3)
    expect_lines("xlsb_truncated.xlsb", exceptions=1, payouts={"XB0": award(0), "XB2": award(2)}, reasons=[TRUNCATED_REASON], values=["G3="])
    # Variant: a text cell (the enterprise name) cut before its string.
    rows = [HEADER + AUDIT] + reviewed_rows("XT", 3)
    write("xlsb_truncated_text.xlsb", xlsb("申报表", xlsb_sheet(rows, cut={(3, 2)})))
    expect("xlsb_truncated_text.xlsb", 1, "rows could not be read; see 数据错误", "xlsb: a BrtCellSt cut before its text", rows=3)
    expect_lines("xlsb_truncated_text.xlsb", exceptions=1, payouts={"XT0": award(0), "XT1": award(1)}, reasons=[TRUNCATED_REASON])

    # 10. A sheet name of 38 characters (a worksheet allows 31): read, the ledger shortens it.
    name = "呼和浩特市二〇二三年度工业经济高质量发展奖补资金项目申报汇总表（第一批次）"
    assert len(name) > 31
    write("long_sheet_name.xlsx", xlsx([(name, sheet_xml([HEADER + AUDIT] + reviewed_rows("LS", 2)), "sheet")]))
    expect("long_sheet_name.xlsx", 0, "2 rows read", "a sheet name of %d characters" % len(name), rows=2)
    expect_lines("long_sheet_name.xlsx", exceptions=0, payouts={"LS0": award(0), "LS1": award(1)})
    # A 40,000-character name in an xlsx cell: that cell is an exception, the rest is read.
    rows = reviewed_rows("LX", 2)
    rows[0][2] = "某" * 40000
    write("long_cell.xlsx", xlsx([("申报表", sheet_xml([HEADER + AUDIT] + rows), "sheet")]))
    expect("long_cell.xlsx", 1, "rows could not be read; see 数据错误", "xlsx: a 40,000-character cell", rows=2)
    expect_lines("long_cell.xlsx", exceptions=1, payouts={"LX1": award(1)}, reasons=["文字过长（40000 字符"])

    # 7. A hidden 字典 sheet of dropdown lists and a very hidden sheet laid out like data: neither
    #    is read (their rows would be paid otherwise).
    dictionary = sheet_xml([["所属旗县区", "申报条款编号"], ["新城区", RULE], ["回民区", RULE_RATE]])
    shadow = sheet_xml([HEADER + AUDIT] + reviewed_rows("VH", 2))
    write("hidden_sheets.xlsx", xlsx([("申报表", sheet_xml([HEADER + AUDIT] + reviewed_rows("HS", 2)), "sheet"),
                                      ("字典", dictionary, "hidden"), ("备份", shadow, "very_hidden")]))
    expect("hidden_sheets.xlsx", 0, "2 rows read", "a hidden 字典 sheet and a very hidden sheet of rows: not read", rows=2)
    expect_lines("hidden_sheets.xlsx", exceptions=0, payouts={"HS0": award(0), "HS1": award(1)}, skipped=["字典（隐藏工作表）", "备份（隐藏工作表）"])

    # 5. Dates in the 1900 system (45047 is 2023-05-01), typed with zero padding, and a
    #    two-digit year with dashes: an exception, never year 23.
    dates = [45047, "2023年05月01日", "2023.05.01", "2023-05-01", "23-5-1"]
    rows = [HEADER + AUDIT + ["购置日期"]] + [r + [d] for r, d in zip(reviewed_rows("DN", len(dates)), dates)]
    write("dates_1900.xlsx", xlsx([("申报表", sheet_xml(rows), "sheet")]))
    expect("dates_1900.xlsx", 1, "rows could not be read; see 数据错误", "1900-system serials, padded dates, a two-digit year with dashes", rows=5)
    expect_lines("dates_1900.xlsx", exceptions=1, payouts={"DN%d" % i: award(i) for i in range(4)}, reasons=["23-5-1"])


def class_variants():
    """A second fixture for each class, worded or laid out differently from the first, so the
    readers are held to the class, not to one fixture's text."""
    plain = ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报年度", "申报条款编号"]
    # 1. The unit in the 大标题 (`（单位：万元）` at the end of the title), no unit in the header.
    rows = [["2023年度工业项目投资奖补申报汇总表（单位：万元）"], plain + ["固定资产投资额"] + AUDIT] + reviewed_rows("VN", 2)
    write("units_note_title.xlsx", xlsx([("申报表", sheet_xml(rows, merges=["A1:I1"]), "sheet")]))
    expect("units_note_title.xlsx", 0, "2 rows read", "the unit at the end of the title: （单位：万元）", rows=2)
    expect_lines("units_note_title.xlsx", exceptions=0, payouts={"VN0": award(0), "VN1": award(1)})
    # A units row with ASCII brackets, in an xlsx.
    rows = [plain + ["固定资产投资额"] + AUDIT, [None] * 6 + ["(万元)"]] + reviewed_rows("VR", 2)
    write("units_row_ascii.xlsx", xlsx([("申报表", sheet_xml(rows), "sheet")]))
    expect("units_row_ascii.xlsx", 0, "2 rows read", "a units row (万元) with ASCII brackets", rows=2)
    expect_lines("units_row_ascii.xlsx", exceptions=0, payouts={"VR0": award(0), "VR1": award(1)})
    # A group header with ASCII brackets in a CSV (no merges: the group runs to the next cell).
    rows = [plain + ["项目投资(万元)", ""] + AUDIT, [""] * 6 + ["固定资产投资额", "设备投资额"] + [""] * 2]
    rows += [r[:7] + [1000] + r[7:] for r in reviewed_rows("VG", 2)]
    write("units_group_ascii.csv", csv_lines(rows))
    expect("units_group_ascii.csv", 0, "2 rows read", "a group header 项目投资(万元) over two columns, CSV", rows=2)
    expect_lines("units_group_ascii.csv", exceptions=0, payouts={"VG0": award(0), "VG1": award(1)})
    # The header says 万元, the units row under it 元: refused, both named.
    rows = [plain + ["固定资产投资额（万元）"] + AUDIT, [""] * 6 + ["（元）", "", ""]] + reviewed_rows("VC", 2)
    write("units_conflict_row.csv", csv_lines(rows))
    expect("units_conflict_row.csv", 1, "rows could not be read; see 数据错误", "the header says 万元, the units row 元: refused", rows=2)
    expect_lines("units_conflict_row.csv", exceptions=2, reasons=["单位冲突"])

    # 3. Group headers 申报情况 / 审定情况 over one item each: the 审定 column is paid.
    rows = [plain + ["申报情况", "审定情况"] + AUDIT, [None] * 6 + ["固定资产投资额（万元）", "固定资产投资额（万元）"]]
    rows += [r[:6] + [99999, r[6]] + r[7:] for r in reviewed_rows("VS", 2)]
    write("two_figures_group.xlsx", xlsx([("申报表", sheet_xml(rows, merges=["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "F1:F2", "I1:I2", "J1:J2"]), "sheet")]))
    expect("two_figures_group.xlsx", 0, "2 rows read", "申报情况 / 审定情况 group headers: the 审定 figure is paid", rows=2)
    expect_lines("two_figures_group.xlsx", exceptions=0, payouts={"VS0": award(0), "VS1": award(1)})
    # One item in 元 and in 万元 that disagree, nothing marking either: exceptions.
    rows = [plain + ["固定资产投资额（元）", "固定资产投资额（万元）"] + AUDIT]
    rows += [r[:7] + [99999] + r[7:] for r in reviewed_rows("VT", 2)]
    write("two_columns_units.xlsx", xlsx([("申报表", sheet_xml(rows), "sheet")]))
    expect("two_columns_units.xlsx", 1, "rows could not be read; see 数据错误", "one item in 元 and 万元 columns that disagree", rows=2)
    expect_lines("two_columns_units.xlsx", exceptions=2, reasons=["无法确定取哪一列"])

    # 4. Negatives written as accountants do: (30001), the minus sign −, a trailing minus.
    rows = reviewed_rows("VM", 4)
    rows[1][6], rows[2][6], rows[3][6] = "(30001)", "−30002", "30003-"
    write("negative_accounting.csv", csv_lines([plain + ["固定资产投资额（万元）"] + AUDIT] + rows))
    expect("negative_accounting.csv", 1, "rows could not be read; see 数据错误", "negatives as (30001), −30002 and 30003-", rows=4)
    expect_lines("negative_accounting.csv", exceptions=3, payouts={"VM0": award(0)},
                 reasons=["“(30001)”像是会计写法的负数", "“30003-”像是会计写法的负数", "“−30002”为负数"])

    # 7. 小 计 with a space, 总 计, a labelled 栏次 row, 制表人： and 制表： footers, in an xlsx.
    head = plain + ["固定资产投资额（万元）"] + AUDIT
    rows = [head, ["栏次"] + list(range(1, 9))] + reviewed_rows("VD", 2)
    rows += [["小 计", None, None, None, None, None, 60001], ["总 计", None, None, None, None, None, 60001],
             ["制表人：王五", None, None, None, "制表：财政局"], ["注：本表金额单位为万元"]]
    write("not_data_rows.xlsx", xlsx([("申报表", sheet_xml(rows), "sheet")]))
    expect("not_data_rows.xlsx", 0, "2 rows read", "labelled 栏次, 小 计, 总 计, 制表人：, 注： rows set aside", rows=2)
    expect_lines("not_data_rows.xlsx", exceptions=0, payouts={"VD0": award(0), "VD1": award(1)},
                 skipped=["申报表 第2行（栏次行）", "申报表 第5、6行（合计/小计行）", "申报表 第7、8行（表尾签字或说明行）"])

    # 8. Annotations worded otherwise: ASCII brackets, 必填 and 18位 together, a leading *,
    #    a full-width star and space, an Alt+Enter break before the unit.
    head = ["申报编号(必填)", "统一社会信用代码（必填，18位）", "*企业名称", "所属旗县区＊", "申报年度\u3000", "申报条款编号（必填）", "固定资产投资额\r\n(万元)"] + AUDIT
    write("annotated_headers.xlsx", xlsx([("申报表", sheet_xml([head] + reviewed_rows("VA", 2)), "sheet")]))
    expect("annotated_headers.xlsx", 0, "2 rows read", "headers with (必填), （必填，18位）, leading *, ＊, full-width space", rows=2)
    expect_lines("annotated_headers.xlsx", exceptions=0, payouts={"VA0": award(0), "VA1": award(1)})

    # 12. UTF-8 with a BOM, tab-separated, one row pasted in GBK; UTF-16BE with a BOM.
    good = [HEADER + AUDIT] + reviewed_rows("VB", 3)
    tsv = lambda rows: "".join("\t".join(str(v) for v in r) + "\r\n" for r in rows)
    gbk_row = good[2][:2] + ["乙公司（分厂）"] + good[2][3:]
    write("csv_bom_tab_gbk.csv", b"\xef\xbb\xbf" + tsv(good[:2]).encode() + tsv([gbk_row]).encode("gbk") + tsv(good[3:]).encode())
    expect("csv_bom_tab_gbk.csv", 1, "rows could not be read; see 数据错误", "UTF-8 BOM, tabs, one row in GBK", rows=3)
    expect_lines("csv_bom_tab_gbk.csv", exceptions=4, payouts={"VB0": award(0), "VB2": award(2)}, reasons=["无法按 UTF-8 解码"])
    write("csv_utf16be.csv", b"\xfe\xff" + csv_lines([HEADER + AUDIT] + reviewed_rows("VU", 2)).decode().encode("utf-16-be"))
    expect("csv_utf16be.csv", 0, "2 rows read", "UTF-16BE with a BOM, comma-separated", rows=2)
    expect_lines("csv_utf16be.csv", exceptions=0, payouts={"VU0": award(0), "VU1": award(1)})

    # 14. Full-width ＋ and － starting names, and ＝ starting a refused amount (shown in 数据错误).
    rows = reviewed_rows("VF", 3)
    rows[0][2], rows[1][2], rows[2][6] = "＋86某某公司", "－某某公司", "＝SUM(1,2)"
    write("injection_fullwidth_plus.csv", csv_lines([HEADER + AUDIT] + rows))
    expect("injection_fullwidth_plus.csv", 1, "rows could not be read; see 数据错误", "full-width ＋ and － names, ＝ in a refused amount", rows=3)
    expect_lines("injection_fullwidth_plus.csv", exceptions=1, payouts={"VF0": award(0), "VF1": award(1)}, values=["G4='＝SUM(1,2)"])

    # 15. Two parts named [Content_Types].xml; a credit code stored as a number in an .xls and
    #     as Excel's scientific text in a CSV.
    import warnings
    base = xlsx([("Sheet1", plain_sheet("DQ"), "sheet")])
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    parts.append(("xl/workbook.xml", parts[2][1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write("zip_duplicate_workbook.xlsx", zip_bytes(parts))
    expect("zip_duplicate_workbook.xlsx", 2, "the package holds two parts named `xl/workbook.xml`", "a zip naming its workbook part twice")
    rows = [HEADER + AUDIT] + reviewed_rows("VX", 2)
    rows[2][1] = 911501001234567000
    strings = []
    write("credit_code_number.xls", ole([("Workbook", xls([("申报表", xls_sheet_from_rows(rows, strings))], sst=strings))]))
    expect("credit_code_number.xls", 1, "rows could not be read; see 数据错误", "xls: 统一社会信用代码 stored as a number", rows=2)
    expect_lines("credit_code_number.xls", exceptions=1, payouts={"VX0": award(0)}, reasons=["请把该列设为文本"])
    rows = reviewed_rows("VE", 2)
    rows[1][1] = "9.11501E+17"
    write("credit_code_scientific.csv", csv_lines([HEADER + AUDIT] + rows))
    expect("credit_code_scientific.csv", 1, "rows could not be read; see 数据错误", "统一社会信用代码 as Excel's scientific text 9.11501E+17", rows=2)
    expect_lines("credit_code_scientific.csv", exceptions=1, payouts={"VE0": award(0)}, reasons=["请把该列设为文本"])


def more_variants():
    """Variants of the classes whose first fixture is an xlsx: a hidden and a very hidden sheet
    in an .xls, the 1904 date system stated by an .xls (DATEMODE), infinite amounts typed as
    text in an xlsx."""
    def hidden_bound(positions):
        states = [0, 1, 2]  # visible, hidden, very hidden (BoundSheet8.hsState)
        return b"".join(rec(0x0085, struct.pack("<IBB", pos, state, 0) + short_name(n))
                        for pos, state, n in zip(positions, states, ["申报表", "字典", "备份"]))
    strings = []
    sheets = [("申报表", xls_sheet_from_rows([HEADER + AUDIT] + reviewed_rows("HX", 2), strings)),
              ("字典", xls_sheet_from_rows([["所属旗县区"], ["新城区"]], strings)),
              ("备份", xls_sheet_from_rows([HEADER + AUDIT] + reviewed_rows("HY", 2), strings))]
    write("hidden_sheets.xls", ole([("Workbook", xls(sheets, sst=strings, bound_override=hidden_bound))]))
    expect("hidden_sheets.xls", 0, "2 rows read", "xls: a hidden and a very hidden sheet (BoundSheet hsState 1, 2): not read", rows=2)
    expect_lines("hidden_sheets.xls", exceptions=0, payouts={"HX0": award(0), "HX1": award(1)}, skipped=["字典（隐藏工作表）", "备份（隐藏工作表）"])

    # The 1904 system stated by DATEMODE: 43585 is 2023-05-01; a two-digit year typed 23年5月1日.
    strings = []
    rows = [HEADER + AUDIT + ["购置日期"]] + [r + [d] for r, d in zip(reviewed_rows("DX", 3), [43585, "2023年5月1日", "23年5月1日"])]
    write("dates_1904.xls", ole([("Workbook", xls([("申报表", xls_sheet_from_rows(rows, strings))], sst=strings,
                                                   globals_extra=rec(0x0022, struct.pack("<H", 1))))]))
    expect("dates_1904.xls", 1, "rows could not be read; see 数据错误", "xls in the 1904 date system (DATEMODE), a two-digit year 23年5月1日", rows=3)
    expect_lines("dates_1904.xls", exceptions=1, payouts={"DX0": award(0), "DX1": award(1)}, values=["J4=23年5月1日"])

    # Infinity written out, ∞, and NaN in lower case, as text cells of an xlsx.
    rows = reviewed_rows("IX", 4)
    for r, v in zip(rows[1:], ["Infinity", "∞", "nan"]):
        r[6] = v
    write("inf_nan.xlsx", xlsx([("申报表", sheet_xml([HEADER + AUDIT] + rows), "sheet")]))
    expect("inf_nan.xlsx", 1, "rows could not be read; see 数据错误", "Infinity, ∞ and nan typed as amounts", rows=4)
    expect_lines("inf_nan.xlsx", exceptions=3, payouts={"IX0": award(0)})


def input_folder(root):
    """An input folder as clerks collect them (item 9), written at test time since git keeps
    neither links nor lock files well: a sub-folder, a file of each kind not read, a dangling
    link, a link back to the folder above and two links naming each other."""
    os.makedirs(os.path.join(root, "二季度"), exist_ok=True)
    with open(os.path.join(root, "一季度.csv"), "wb") as f:
        f.write(csv_lines([HEADER + AUDIT] + reviewed_rows("FA", 2)))
    with open(os.path.join(root, "二季度", "补报.csv"), "wb") as f:
        f.write(csv_lines([HEADER + AUDIT] + reviewed_rows("FB", 1, start=5)))
    with open(os.path.join(root, "二季度", "申报表.et"), "wb") as f:
        f.write(ole([("Workbook", xls([("Sheet1", [])]))]))
    for name in ["~$一季度.xlsx", "说明.docx"]:
        with open(os.path.join(root, name), "wb") as f:
            f.write(b"x")
    os.symlink(os.path.join(root, "已删除.xlsx"), os.path.join(root, "快捷方式.xlsx"))
    os.symlink("..", os.path.join(root, "二季度", "返回上级"))
    os.symlink("环2.csv", os.path.join(root, "环1.csv"))
    os.symlink("环1.csv", os.path.join(root, "环2.csv"))


# --- issue 12 items 2 and 6 in .xlsb and BIFF5 .xls (hand-built records) -----------------------

def brt(typ, body=b""):
    """An xlsb record: type and length as 7-bit variable-length integers, then the body."""
    head = bytes([typ]) if typ < 0x80 else bytes([(typ & 0x7F) | 0x80, typ >> 7])
    n, size = len(body), bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        size.append(b | 0x80 if n else b)
        if not n:
            break
    return head + bytes(size) + body


def wide(s):
    units = s.encode("utf-16-le")
    return struct.pack("<I", len(units) // 2) + units


def marks_xlsb_sheet(rows, xfs):
    """Sheet part of a grid: ("percent", v, code) cells in the cell format of `code`, numbers
    BrtCellReal, texts BrtCellSt; ("spanned", n, v) merged down n rows (BrtMergeCell)."""
    out = brt(0x0081) + brt(0x0094, struct.pack("<IIII", 0, len(rows) - 1, 0, 20)) + brt(0x0091)
    for r, values in enumerate(rows):
        out += brt(0x0000, struct.pack("<I", r) + b"\0" * 13)  # BrtRowHdr
        for c, v in enumerate(values):
            if v is None or (isinstance(v, tuple) and v[0] == "covered"):
                continue
            style = 0
            if isinstance(v, tuple) and v[0] == "spanned":
                v = v[2]
            if isinstance(v, tuple) and v[0] == "percent":
                style, v = xfs.index(v[2]), v[1]
            cell = struct.pack("<II", c, style)
            if isinstance(v, (int, float)):
                out += brt(0x0005, cell + struct.pack("<d", float(v)))
            else:
                out += brt(0x0006, cell + wide(v))
    merges = spans(rows)
    out += brt(0x0092) + brt(0x00B1, struct.pack("<I", len(merges)))
    for (r0, c0), (r1, c1) in merges:
        out += brt(0x00B0, struct.pack("<IIII", r0, r1, c0, c1))
    return out + brt(0x00B2) + brt(0x0082)


def marks_xlsb_styles(xfs):
    """styles.bin: custom codes (ids 164 …) for the string entries of `xfs`, one cell style
    format, and a cell format per entry (a built-in id, or a custom code)."""
    customs = [x for x in xfs if isinstance(x, str)]
    out = brt(0x0116) + brt(0x0267, struct.pack("<I", len(customs)))
    for i, code in enumerate(customs):
        out += brt(0x002C, struct.pack("<H", 164 + i) + wide(code))
    out += brt(0x0268) + brt(0x0272, struct.pack("<I", 1)) + brt(0x002F, b"\0" * 16) + brt(0x0273)
    out += brt(0x0269, struct.pack("<I", len(xfs)))
    for x in xfs:
        ifmt = x if isinstance(x, int) else 164 + customs.index(x)
        out += brt(0x002F, struct.pack("<HH", 0, ifmt) + b"\0" * 12)
    return out + brt(0x026A) + brt(0x0117)


def marks_xlsb(name, rows, xfs=(0,)):
    """An .xlsb package of one sheet, as Excel lays it out (LibreOffice cannot write xlsb)."""
    workbook = (brt(0x0083) + brt(0x0099, b"\0" * 8 + wide("")) + brt(0x008F)
                + brt(0x009C, struct.pack("<II", 0, 1) + wide("rId1") + wide(name)) + brt(0x0090) + brt(0x0084))
    ct = "application/vnd.ms-excel."
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="bin" ContentType="%ssheet.binary.macroEnabled.main"/>'
             '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="%sworksheet"/>'
             '<Override PartName="/xl/styles.bin" ContentType="%sstyles"/></Types>' % (ct, ct, ct))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.bin"/>'
            '<Relationship Id="rId2" Type="%s/styles" Target="styles.bin"/></Relationships>' % (REL, REL))
    root = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="%s/officeDocument" Target="xl/workbook.bin"/></Relationships>' % REL)
    return zip_bytes([("[Content_Types].xml", types.encode()), ("_rels/.rels", root.encode()),
                      ("xl/workbook.bin", workbook), ("xl/_rels/workbook.bin.rels", rels.encode()),
                      ("xl/styles.bin", marks_xlsb_styles(list(xfs))), ("xl/worksheets/sheet1.bin", marks_xlsb_sheet(rows, list(xfs)))])


def biff5(sheet_name, rows, xfs, code_page=936):
    """An Excel 5.0/95 workbook (BIFF5, stream `Book`): FORMAT codes and the sheet name are
    byte strings with an 8-bit length in `code_page`, XF records 16 bytes, texts LABEL records
    (16-bit length); ("percent", v, code) cells in the cell format of `code`."""
    enc = {936: "gbk", 1252: "cp1252"}[code_page]

    def bof5(dt):
        return rec(0x0809, struct.pack("<HHHH", 0x0500, dt, 0x0DBB, 0x07CC))
    customs = [x for x in xfs if isinstance(x, str)]
    head = bof5(0x0005) + rec(0x0042, struct.pack("<H", code_page))
    for i, code in enumerate(customs):
        b = code.encode(enc)
        head += rec(0x041E, struct.pack("<HB", 164 + i, len(b)) + b)
    for x in [0] + list(xfs):
        ifmt = x if isinstance(x, int) else 164 + customs.index(x)
        head += rec(0x00E0, struct.pack("<HH", 0, ifmt) + b"\0" * 12)
    sheet = bof5(0x0010) + rec(0x0200, struct.pack("<HHHHH", 0, len(rows), 0, 20, 0))
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, tuple) and v[0] == "percent":
                sheet += number(r, c, float(v[1]), 1 + list(xfs).index(v[2]))
            elif isinstance(v, (int, float)):
                sheet += number(r, c, float(v))
            else:
                b = v.encode(enc)
                sheet += rec(0x0204, struct.pack("<HHHH", r, c, 0, len(b)) + b)
    sheet += rec(0x000A)
    name = sheet_name.encode(enc)
    bound_len = 4 + 6 + 1 + len(name)
    pos = len(head) + bound_len + 4
    bound = rec(0x0085, struct.pack("<IBBB", pos, 0, 0, len(name)) + name)
    return ole([("Book", head + bound + rec(0x000A) + sheet)])


def xlsb_and_biff5():
    """Issue 12 items 2 and 6 where calamine tells neither: .xlsb (merged ranges and percent
    formats read from its parts) and Excel 5.0/95 .xls (percent formats in BIFF5)."""
    rows = merged_grid()
    write("merged_cells.xlsb", marks_xlsb("项目明细", rows))
    expect("merged_cells.xlsb", 1, "rows could not be read; see 数据错误", "xlsb (BrtMergeCell): " + MERGED_WHAT, rows=6)
    expect_lines("merged_cells.xlsb", exceptions=2, payouts=MERGED_PAYOUTS, reasons=[MERGED_REASON])
    # The same with the merged range G6:G7 cut to 12 of its 16 bytes: which rows it covers is
    # not known, so the file is refused naming the part and the record.
    whole = brt(0x00B0, struct.pack("<IIII", 5, 6, 6, 6))
    part = marks_xlsb_sheet(rows, [0])
    at = part.index(whole)
    write("xlsb_merge_cut.xlsb", rezip(marks_xlsb("项目明细", rows), lambda n, b: b.replace(whole, brt(0x00B0, whole[3:15])) if n.endswith("sheet1.bin") else b))
    expect("xlsb_merge_cut.xlsb", 2, "xlsb_merge_cut.xlsb: part `xl/worksheets/sheet1.bin` of the .xlsb workbook is damaged: "
           "record BrtMergeCell at byte %d holds 12 bytes, fewer than the 16 it needs; open it in Excel or WPS and save it again as .xlsx" % at,
           "xlsb: a BrtMergeCell record cut short")

    # A sheet part that inflates past the size its directory entry declares: refused, naming it.
    with zipfile.ZipFile(io.BytesIO(marks_xlsb("项目明细", rows))) as z:
        parts = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    entries = []
    for n, b in parts:
        d = deflate(b)
        entries.append((n, d, 8, zlib.crc32(b), len(d), len(b) - 40 if n.endswith("sheet1.bin") else len(b)))
    write("xlsb_part_oversize.xlsb", raw_zip(entries))
    expect("xlsb_part_oversize.xlsb", 2, "xlsb_part_oversize.xlsb: the file is damaged or is not a workbook (part `xl/worksheets/sheet1.bin` "
           "cannot be unpacked: File is larger than its declared uncompressed size)", "xlsb: a sheet part longer than declared")

    # 核定比例 shown 3% (built-in 0%) pays 3%; 4 shown as 4"%" (a quoted sign: not a percent
    # format) pays 4%; an investment shown as 50% (0.00%) is an exception.
    header = ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报年度", "申报条款编号", "项目总投资额（万元）", "核定比例（%）"] + AUDIT
    xfs = [9, "0.00%", '0"%"']
    grid = [header,
            ["PB1", credit_code(611), "甲公司", "新城区", 2023, RULE_RATE, 10000, ("percent", 0.03, 9), "是", "是"],
            ["PB2", credit_code(612), "乙公司", "新城区", 2023, RULE_RATE, 10000, ("percent", 4, '0"%"'), "是", "是"],
            ["PB3", credit_code(613), "丙公司", "新城区", 2023, RULE_RATE, ("percent", 0.5, "0.00%"), ("percent", 0.0125, "0.00%"), "是", "是"]]
    payouts = {"PB1": "3000000.00", "PB2": "4000000.00"}
    what = "核定比例 shown as 3% (stored 0.03) pays 3%; 4 shown with a quoted % sign (not a percent format) pays 4%; an investment shown as 50% is an exception"
    write("percent.xlsb", marks_xlsb("申报表", grid, [0] + xfs))
    expect("percent.xlsb", 1, "rows could not be read; see 数据错误", "xlsb: " + what, rows=3)
    expect_lines("percent.xlsb", exceptions=1, payouts=payouts, reasons=[PERCENT_REASON])
    write("percent_biff5.xls", biff5("申报表", grid, xfs))
    expect("percent_biff5.xls", 1, "rows could not be read; see 数据错误", "Excel 5.0/95 (BIFF5, code page 936): " + what, rows=3)
    expect_lines("percent_biff5.xls", exceptions=1, payouts=payouts, reasons=[PERCENT_REASON])


def main():
    os.makedirs(OUT, exist_ok=True)
    hostile()
    readable()
    dates_and_csv()
    containers()
    merged_and_percent()
    layouts()
    coverage_gaps()
    class_variants()
    more_variants()
    xlsb_and_biff5()
    lines = ["# Written by make_corpus.py: for each file of files/, what `subsidy run` must do.",
             "# exit: the exit code; message: a substring of its message (stderr); rows: data rows the",
             "# file holds, each of which must end in the ledger or in 数据错误.", ""]
    for name, code, message, rows, what in EXPECTED:
        lines.append("[[file]]")
        lines.append('name = "%s"' % name)
        lines.append("exit = %d" % code)
        lines.append('message = "%s"' % message.replace("\\", "\\\\").replace('"', '\\"'))
        if rows is not None:
            lines.append("rows = %d" % rows)
        exceptions, payouts, reasons, values, skipped = EXTRA.get(name, (None, None, [], [], []))
        if exceptions is not None:
            lines.append("exceptions = %d" % exceptions)
        if payouts:
            lines.append("payouts = [%s]" % ", ".join('"%s=%s"' % kv for kv in sorted(payouts.items())))
        if reasons:
            lines.append("reasons = [%s]" % ", ".join('"%s"' % r.replace('"', '\\"') for r in reasons))
        if values:
            lines.append("values = [%s]" % ", ".join('"%s"' % v.replace('"', '\\"') for v in values))
        if skipped:
            lines.append("skipped = [%s]" % ", ".join('"%s"' % v.replace('"', '\\"') for v in skipped))
        lines.append('what = "%s"' % what)
        lines.append("")
    with open(os.path.join(HERE, "expected.toml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    for name, *_ in EXPECTED:
        size = os.path.getsize(os.path.join(OUT, name))
        assert size < 200 * 1024, (name, size)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--folder"]:
        input_folder(sys.argv[2])
    else:
        main()
