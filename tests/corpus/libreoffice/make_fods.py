#!/usr/bin/env python3
"""Writes the flat-ODS (.fods) sources of the hand-laid-out workbooks in this folder; each is
then opened and saved by LibreOffice Calc, which writes the .xlsx a bureau would send:

    python3 tests/corpus/libreoffice/make_fods.py
    cd tests/corpus/libreoffice && soffice --headless --convert-to xlsx lo_*.fods

The .xlsx files are committed (LibreOffice's own merges, styles, hidden sheets and date cells,
not this script's); expected.toml says what `subsidy run` must give on each.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_corpus import credit_code, esc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RULE = "hohhot-2022-13-investment-award"

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
        'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
        'office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        '<office:automatic-styles>'
        '<style:style style:name="shown" style:family="table"><style:table-properties table:display="true"/></style:style>'
        '<style:style style:name="hidden" style:family="table"><style:table-properties table:display="false"/></style:style>'
        '<number:date-style style:name="ymd"><number:year number:style="long"/><number:text>年</number:text>'
        '<number:month/><number:text>月</number:text><number:day/><number:text>日</number:text></number:date-style>'
        '<style:style style:name="date" style:family="table-cell" style:data-style-name="ymd"/>'
        '</office:automatic-styles><office:body><office:spreadsheet>')
TAIL = "</office:spreadsheet></office:body></office:document>"


def cell(v):
    """None: empty; ("span", cols, rows, v): a merged cell; "cov": a covered cell;
    ("date", "2023-05-01"): a date cell; numbers; text."""
    if v is None:
        return "<table:table-cell/>"
    if v == "cov":
        return "<table:covered-table-cell/>"
    if isinstance(v, tuple) and v[0] == "span":
        inner = cell(v[3])
        return inner.replace("<table:table-cell", '<table:table-cell table:number-columns-spanned="%d" table:number-rows-spanned="%d"' % (v[1], v[2]), 1)
    if isinstance(v, tuple) and v[0] == "date":
        return ('<table:table-cell table:style-name="date" office:value-type="date" office:date-value="%s">'
                '<text:p>%s</text:p></table:table-cell>' % (v[1], v[1]))
    if isinstance(v, (int, float)):
        return '<table:table-cell office:value-type="float" office:value="%s"><text:p>%s</text:p></table:table-cell>' % (v, v)
    return '<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % esc(v)


def table(name, rows, hidden=False):
    body = "".join("<table:table-row>%s</table:table-row>" % "".join(cell(v) for v in r) for r in rows)
    return '<table:table table:name="%s" table:style-name="%s">%s</table:table>' % (esc(name), "hidden" if hidden else "shown", body)


def write(name, tables):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(HEAD + "".join(tables) + TAIL)


def span(cols, rows, v):
    return ("span", cols, rows, v)


def main():
    # 1. A county form: 大标题 merged across, a note 金额单位：万元 on its own row, a two-level
    #    header (基本情况 / 投资情况 merged across, the others merged down), the review answers
    #    in 审核意见 merged across 审核结论 / 是否首次, a 合计 row and a signature footer.
    rows = [
        [span(10, 1, "赛罕区2023年度工业项目投资奖补申报汇总表")] + ["cov"] * 9,
        [None] * 8 + [span(2, 1, "金额单位：万元"), "cov"],
        [span(1, 2, "序号"), span(1, 2, "申报编号"), span(1, 2, "企业名称"), span(3, 1, "基本情况"), "cov", "cov",
         span(1, 2, "申报条款编号"), span(1, 2, "固定资产投资额"), span(2, 1, "审核意见"), "cov"],
        ["cov", "cov", "cov", "统一社会信用代码", "所属旗县区", "申报年度", "cov", "cov", "是否符合申报条件（审核结论）", "是否首次/新获认定"],
        [1, "LA1", "内蒙古甲科技有限公司", credit_code(901), "赛罕区", 2023, RULE, 30000, "是", "是"],
        [2, "LA2", "内蒙古乙材料有限公司", credit_code(902), "赛罕区", 2023, RULE, 1250.5, "是", "是"],
        [3, "LA3", "内蒙古丙能源有限公司", credit_code(903), "赛罕区", 2023, RULE, 800, "否", "是"],
        [span(7, 1, "合  计"), "cov", "cov", "cov", "cov", "cov", "cov", 32050.5, None, None],
        ["填表人：张三", None, None, "审核人：李四", None, None, "填报日期：2024年1月5日"],
    ]
    write("lo_county_form.fods", [table("汇总表", rows)])

    # 2. 申报数 / 审定数 under one header merged across, units in a units row under them, and a
    #    hidden 字典 sheet of dropdown lists.
    rows = [
        [span(1, 3, "申报编号"), span(1, 3, "统一社会信用代码"), span(1, 3, "企业名称"), span(1, 3, "所属旗县区"),
         span(1, 3, "申报年度"), span(1, 3, "申报条款编号"), span(2, 1, "固定资产投资额"), "cov",
         span(1, 3, "是否符合申报条件（审核结论）"), span(1, 3, "是否首次/新获认定")],
        ["cov"] * 6 + ["申报数", "审定数", "cov", "cov"],
        ["cov"] * 6 + ["（万元）", "（万元）", "cov", "cov"],
        ["LB1", credit_code(911), "甲公司", "新城区", 2023, RULE, 35000, 30000, "是", "是"],
        ["LB2", credit_code(912), "乙公司", "回民区", 2023, RULE, 500, 420.25, "是", "是"],
    ]
    lists = [["所属旗县区", "是否"], ["新城区", "是"], ["回民区", "否"], ["玉泉区", None]]
    write("lo_two_figures.fods", [table("申报表", rows), table("字典", lists, hidden=True)])

    # 3. A 栏次 row under the header (甲 乙 1 2 3 …), annotated headers, dates as date cells and
    #    typed (2023年5月1日 style), an amount merged over one enterprise's two project rows,
    #    小 计 rows, and a 注： note at the foot.
    rows = [
        ["申报编号（必填）", "统一社会信用代码（18位）", "企业名称*", "所属\n旗县区", "申报年度", "申报条款编号",
         "固定资产投资额\n（万元）", "购置日期", "是否符合申报条件（审核结论）", "是否首次/新获认定"],
        ["甲", "乙", 1, 2, 3, 4, 5, 6, 7, 8],
        ["LC1", span(1, 2, credit_code(921)), span(1, 2, "甲公司"), span(1, 2, "玉泉区"), 2023, RULE, 30000, ("date", "2023-05-01"), "是", "是"],
        ["LC2", "cov", "cov", "cov", 2023, RULE, 100, "2023年5月1日", "是", "是"],
        ["LC3", credit_code(922), "乙公司", "玉泉区", 2023, RULE, span(1, 2, 600), "2023.5.1", "是", "是"],
        ["LC4", credit_code(923), "丙公司", "玉泉区", 2023, RULE, "cov", "23.5.1", "是", "是"],
        ["小 计", None, None, None, None, None, 30700],
        ["注：本表由旗县区工信局汇总，金额单位为万元。"],
    ]
    write("lo_projects.fods", [table("项目表", rows)])


if __name__ == "__main__":
    main()
