//! Application forms (申报表模板): the columns the chosen rules read, with Chinese headers and
//! units, dropdowns and number/date checks, an input message on each header, a frozen header
//! row, and an instructions sheet quoting each rule's clause and excerpt. A filled form goes
//! back into `subsidy run` unchanged.

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Formula, Workbook, XlsxError,
};

use crate::domain::fields::{split_header_unit, FieldId, FieldType, Vocabulary};
use crate::normalise::IDENTITY;
use crate::rules::payment::PAYEE_FIELDS;
use crate::rules::{describe, CapScope, Formula as RuleFormula, Policy, Rule};

use super::LedgerError;

/// Rows of the form that carry checks.
const FORM_ROWS: u32 = 1000;

/// Sheet names of the form.
pub const FORM_SHEET: &str = "申报表";
pub const NOTES_SHEET: &str = "填报说明";

/// Titles a rule pays for, from its by-title tables (nested formulas included).
fn titles(f: &RuleFormula, out: &mut Vec<String>) {
    match f {
        RuleFormula::ByTitle { entries, .. } => {
            out.extend(entries.iter().flat_map(|e| e.titles.iter().cloned()))
        }
        RuleFormula::TopUp { standard, .. } => titles(standard, out),
        RuleFormula::Least(v) | RuleFormula::Greatest(v) | RuleFormula::Sum(v) => {
            v.iter().for_each(|x| titles(x, out))
        }
        RuleFormula::Cases(c) => c.iter().for_each(|(_, x)| titles(x, out)),
        _ => {}
    }
}

/// What to enter in a column, in the clerk's words (at most 255 characters, Excel's limit).
fn hint(vocab: &Vocabulary, f: FieldId) -> String {
    let field = vocab.get(f);
    let unit = field.unit.as_deref().unwrap_or("");
    let text = match field.ty {
        FieldType::Money => "金额，单位元，填数字（如 3000000）；按万元填报时把表头改为“（万元）”或在数字后写“万元”。".to_string(),
        FieldType::Quantity => format!("数量，单位 {unit}，填数字。"),
        FieldType::Percent => "百分数，填数字：4.35 表示 4.35%。".to_string(),
        FieldType::Integer => "整数。".to_string(),
        FieldType::Year => "年份，如 2024。".to_string(),
        FieldType::Date => "日期，如 2024-03-15。".to_string(),
        FieldType::Bool => "从下拉框选择 是 或 否。".to_string(),
        FieldType::Enum => format!("从下拉框选择：{}。", field.values.join("、")),
        FieldType::Text => match field.key.as_str() {
            "application_id" => "申报编号，每行唯一。".to_string(),
            "credit_code" => "18位统一社会信用代码（校验位按 GB 32100-2015 核对）。".to_string(),
            "rule_id" => "申报的政策条款编号，从下拉框选择。".to_string(),
            _ => "文字。多个称号用“；”分隔。".to_string(),
        },
    };
    text.chars().take(250).collect()
}

/// Keys of the row facts a rule's sharing and payment constructs read besides its inputs:
/// 项目编号 for a project cap, a count limit or an advance, 拨付阶段 for an advance, the second
/// payee's credit code and name for `payees`. Without 项目编号 every row of a filled form is a
/// project of its own, each with a whole project cap.
fn construct_keys(rule: &Rule) -> Vec<&'static str> {
    let mut keys = Vec::new();
    let project_cap = rule
        .caps
        .iter()
        .any(|c| matches!(c.scope, CapScope::Project { .. }));
    if project_cap || !rule.limits.is_empty() || rule.advance.is_some() {
        keys.push("project_id");
    }
    if rule.advance.is_some() {
        keys.push("payment_stage");
    }
    if rule.payees.is_some() {
        keys.extend(PAYEE_FIELDS);
    }
    keys
}

/// The columns a clerk fills for a rule: its inputs, then the row facts its project caps,
/// count limits, advance or second payee read (项目编号 …); never a history field.
fn form_fields(vocab: &Vocabulary, rule: &Rule) -> Vec<FieldId> {
    let mut fields = rule.inputs();
    for f in construct_keys(rule).into_iter().filter_map(|k| vocab.id(k)) {
        if !fields.contains(&f) {
            fields.push(f);
        }
    }
    fields.retain(|f| vocab.get(*f).source != "history");
    fields
}

/// Writes the form for the given rules.
pub fn write_template(
    vocab: &Vocabulary,
    rules: &[(&Policy, &Rule)],
    out: &Path,
) -> Result<(), LedgerError> {
    let bytes = build(vocab, rules)?;
    super::write_atomic(out, &bytes)
}

fn build(vocab: &Vocabulary, chosen: &[(&Policy, &Rule)]) -> Result<Vec<u8>, XlsxError> {
    let rules: Vec<&Rule> = chosen.iter().map(|(_, r)| *r).collect();
    let rules = rules.as_slice();
    let mut columns: Vec<FieldId> = IDENTITY.iter().filter_map(|k| vocab.id(k)).collect();
    for r in rules {
        for f in form_fields(vocab, r) {
            if !columns.contains(&f) {
                columns.push(f);
            }
        }
    }
    let lists = dropdowns(vocab, rules, &columns);
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&fixed)
            .set_title("奖补资金申报表"),
    );
    let header = Format::new()
        .set_bold()
        .set_font_name("等线")
        .set_background_color(0xFFF2CC)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let wrap = Format::new().set_text_wrap().set_font_name("等线");

    let flags: Vec<FieldId> = rules.iter().flat_map(|r| r.flags.iter().copied()).collect();
    let ws = wb.add_worksheet().set_name(FORM_SHEET)?;
    for (c, &f) in columns.iter().enumerate() {
        let field = vocab.get(f);
        let col = c as u16;
        ws.write_string_with_format(0, col, &field.header_zh, &header)?;
        ws.set_column_width(
            col,
            (field.header_zh.chars().count() as f64 * 2.2).clamp(12.0, 40.0),
        )?;
        let title: String = split_header_unit(&field.header_zh)
            .0
            .chars()
            .take(30)
            .collect();
        let message = if flags.contains(&f) {
            REVIEW_HINT.to_string()
        } else {
            hint(vocab, f)
        };
        let dv = DataValidation::new()
            .set_input_title(title)?
            .set_input_message(message)?;
        let dv = match (field.ty, lists.iter().position(|(g, _)| *g == f)) {
            (_, Some(i)) => {
                // Lists live on the instructions sheet: no 255-character limit, and visible.
                let letter = crate::ingest::column_letters(LIST_COLUMN + i as u32);
                dv.allow_list_formula(Formula::new(format!(
                    "={NOTES_SHEET}!${letter}$2:${letter}${}",
                    lists[i].1.len() + 1
                )))
            }
            (FieldType::Money | FieldType::Quantity | FieldType::Percent, None) => {
                dv.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            }
            (FieldType::Integer | FieldType::Year, None) => {
                dv.allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            }
            (FieldType::Date, None) => dv.allow_date(DataValidationRule::GreaterThanOrEqualTo(
                ExcelDateTime::from_ymd(1990, 1, 1)?,
            )),
            _ => dv.allow_any_value(),
        };
        ws.add_data_validation(1, col, FORM_ROWS, col, &dv)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_row_height(0, 36)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;

    let notes = wb.add_worksheet().set_name(NOTES_SHEET)?;
    for (c, h) in ["申报条款编号", "条款", "原文摘录", "计算方式", "需填写的列"]
        .iter()
        .enumerate()
    {
        notes.write_string_with_format(0, c as u16, *h, &header)?;
    }
    for (c, w) in [40.0, 30.0, 70.0, 50.0, 40.0].iter().enumerate() {
        notes.set_column_width(c as u16, *w)?;
    }
    for (i, (p, r)) in chosen.iter().enumerate() {
        let needed = form_fields(vocab, r)
            .iter()
            .map(|f| split_header_unit(&vocab.get(*f).header_zh).0)
            .collect::<Vec<_>>()
            .join("、");
        let cells = [
            r.id.clone(),
            r.clause.clone(),
            r.excerpt.clone(),
            describe::terms(vocab, p, r).join("\n"),
            needed,
        ];
        for (c, s) in cells.iter().enumerate() {
            notes.write_string_with_format(i as u32 + 1, c as u16, s, &wrap)?;
        }
    }
    if !flags.is_empty() {
        let r = rules.len() as u32 + 2;
        notes.write_string_with_format(r, 0, "审核结论列", &header)?;
        notes.write_string_with_format(r, 2, REVIEW_NOTE, &wrap)?;
    }
    for (i, (f, values)) in lists.iter().enumerate() {
        let col = (LIST_COLUMN + i as u32) as u16;
        notes.write_string_with_format(
            0,
            col,
            format!("可选值：{}", split_header_unit(&vocab.get(*f).header_zh).0),
            &header,
        )?;
        notes.set_column_width(col, 24.0)?;
        for (r, v) in values.iter().enumerate() {
            notes.write_string(r as u32 + 1, col, v)?;
        }
    }
    wb.save_to_buffer()
}

/// The input message of a review column (a flag the rules honour), under Excel's 255 characters.
const REVIEW_HINT: &str = "审核人员填写：是 = 符合，按条款计算并发放；否 = 不予支持；留空 = 待审核（只计算预计金额，不发放，不计入合计）。";

/// How the review columns are used, on the instructions sheet.
const REVIEW_NOTE: &str = "“是否符合申报条件（审核结论）”等是/否列由审核人员填写。填“是”：按条款计算，列入发放明细；填“否”：不予支持，注明条款；\
留空为待审核：照常计算并列出预计金额，但列入台账的“待审核”表，不发放，不计入奖补资金合计，审核填“是”后重新运行即列入发放明细。\
申报表中没有这一列时，按政策文件的 review 设置处理（默认 required：视为待审核）。其他填法（如“待定”）作为数据错误退回。";

/// First column of the dropdown lists on the instructions sheet (H).
const LIST_COLUMN: u32 = 7;

/// The dropdown values of the form's columns: 是/否, enumerations, the chosen rule ids and
/// the titles the rules pay for.
fn dropdowns(
    vocab: &Vocabulary,
    rules: &[&Rule],
    columns: &[FieldId],
) -> Vec<(FieldId, Vec<String>)> {
    let mut lists = Vec::new();
    for &f in columns {
        let field = vocab.get(f);
        let values: Vec<String> = match (field.ty, field.key.as_str()) {
            (FieldType::Bool, _) => vec!["是".into(), "否".into()],
            (FieldType::Enum, _) => field.values.clone(),
            (_, "rule_id") => rules.iter().map(|r| r.id.clone()).collect(),
            (_, "title") => {
                let mut t = Vec::new();
                rules.iter().for_each(|r| titles(&r.formula, &mut t));
                let mut seen = std::collections::HashSet::new();
                t.retain(|x| seen.insert(x.clone()));
                t
            }
            _ => Vec::new(),
        };
        if !values.is_empty() {
            lists.push((f, values));
        }
    }
    lists
}
