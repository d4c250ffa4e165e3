//! The auditor's tools on real ledgers: verify survives a re-save and names every edit;
//! reconcile classifies differences against a recomputation and a payment list; explain shows
//! a capped application's cap and clause.

use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_xlsxwriter::Workbook;

use crate::cli::{run_into, stderr, subsidy, tmp};

const HEADER: &str = "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号,固定资产投资额（元）,项目实际完成投资额（元）,是否符合申报条件（审核结论）,是否首次/新获认定\n";
const A: &str = "91350100M000100Y43";
const B: &str = "911501000000000004";

fn code_b() -> String {
    let first = &B[..17];
    format!(
        "{first}{}",
        subsidy::domain::identity::credit_code_check_char(first).unwrap()
    )
}

/// A small batch: one capped investment award, one under the cap, one ineligible.
fn batch(dir: &Path) -> (PathBuf, PathBuf) {
    let input = dir.join("in.csv");
    let b = code_b();
    std::fs::write(
        &input,
        format!(
            "{HEADER}A1,{A},甲公司,新城区,2023,hohhot-2022-13-investment-award,800000000,,是,是\nA2,{b},乙公司,回民区,2023,hohhot-2022-13-investment-award,100000000,,是,是\nA3,{b},乙公司,回民区,2023,hohhot-2022-16-dairy-zone-referral-award,10000000,,是,是\n"
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (input, out.join("ledger.xlsx"))
}

/// Re-saves a workbook through another writer, as Excel/WPS/LibreOffice would: values kept,
/// formats and codes not recomputed. `edit` may change a cell's value or drop a row.
pub fn resave(
    from: &Path,
    to: &Path,
    edit: impl Fn(&str, usize, usize, &Data) -> Option<Option<Data>>,
) {
    let mut wb: Xlsx<_> = open_workbook(from).unwrap();
    let mut out = Workbook::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let ws = out.add_worksheet().set_name(&name).unwrap();
        let mut r_out = 0u32;
        for (r, row) in range.rows().enumerate() {
            if matches!(edit(&name, r, usize::MAX, &Data::Empty), Some(None)) {
                continue;
            }
            for (c, cell) in row.iter().enumerate() {
                let cell = match edit(&name, r, c, cell) {
                    Some(Some(new)) => new,
                    _ => cell.clone(),
                };
                match cell {
                    Data::Float(f) => {
                        ws.write_number(r_out, c as u16, f).unwrap();
                    }
                    Data::Int(i) => {
                        ws.write_number(r_out, c as u16, i as f64).unwrap();
                    }
                    Data::String(s) => {
                        ws.write_string(r_out, c as u16, &s).unwrap();
                    }
                    Data::Empty => {}
                    other => {
                        ws.write_string(r_out, c as u16, other.to_string()).unwrap();
                    }
                }
            }
            r_out += 1;
        }
    }
    out.save(to).unwrap();
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn an_untouched_ledger_resaved_elsewhere_verifies_intact() {
    let dir = tmp("audit-intact");
    let (_, ledger) = batch(&dir);
    let o = subsidy(&["verify", ledger.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let copy = dir.join("resaved.xlsx");
    resave(&ledger, &copy, |_, _, _, _| None);
    let o = subsidy(&["verify", copy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("台账完好"));
}

#[test]
fn an_edited_amount_is_named_by_verify_and_classified_by_reconcile() {
    let dir = tmp("audit-edit");
    let (input, ledger) = batch(&dir);
    let edited = dir.join("edited.xlsx");
    // A2's award is 2% × 100,000,000 = 2,000,000.00, in 发放明细 row 3, column K.
    resave(&ledger, &edited, |sheet, r, c, cell| {
        (sheet == "发放明细" && r == 2 && c == 10).then(|| {
            assert_eq!(cell, &Data::Float(2_000_000.0));
            Some(Data::Float(2_500_000.0))
        })
    });
    let o = subsidy(&["verify", edited.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("发放明细!K3 申报编号 A2 条款 hohhot-2022-13-investment-award: 金额被改动：原为 2,000,000.00，现为 2,500,000.00"), "{text}");
    assert!(text.contains("汇总合计被改动"), "{text}");
    let rec = dir.join("rec");
    let o = subsidy(&[
        "reconcile",
        edited.to_str().unwrap(),
        "--out",
        rec.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("人工改动 A2 hohhot-2022-13-investment-award"),
        "{text}"
    );
    assert!(rec.join("reconciliation.xlsx").is_file() && rec.join("reconciliation.csv").is_file());
    // The untouched ledger reconciles clean against the same inputs.
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--out",
        rec.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn removed_lines_and_changed_inputs_are_classified() {
    let dir = tmp("audit-removed");
    let (input, ledger) = batch(&dir);
    let cut = dir.join("cut.xlsx");
    resave(&ledger, &cut, |sheet, r, c, _| {
        (sheet == "发放明细" && r == 1 && c == usize::MAX).then_some(None)
    });
    let o = subsidy(&["verify", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("申报编号 A1 条款 hohhot-2022-13-investment-award: 行被删除：计算过程中此行结果为 10,000,000.00"), "{}", stdout(&o));
    // An input changed after the run explains the difference on its line.
    let text = std::fs::read_to_string(&input)
        .unwrap()
        .replace("100000000,,是,是\nA3", "150000000,,是,是\nA3");
    std::fs::write(&input, text).unwrap();
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--out",
        dir.join("rec").to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("输入已变更 A2 hohhot-2022-13-investment-award"),
        "{text}"
    );
}

#[test]
fn a_payment_list_is_reconciled_payee_by_payee() {
    let dir = tmp("audit-pay");
    let (_, ledger) = batch(&dir);
    let b = code_b();
    // A is due 10,000,000.00 and B 2,000,000.00 (B's referral award was refused).
    let payments = dir.join("bank.csv");
    std::fs::write(
        &payments,
        format!("统一社会信用代码,户名,金额\n{A},甲公司,\"9,000,000.00\"\n{b},乙公司,2000000\n{b},乙公司,400000\n91350100M000100Y43X,丙,5\n"),
    )
    .unwrap();
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--payments",
        payments.to_str().unwrap(),
        "--out",
        dir.join("rec").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains(&format!("重复支付   {b}")), "{text}");
    assert!(
        text.contains(&format!(
            "多付   {b} 台账 2000000.00 / 2400000.00 多付 400,000.00"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "少付   {A} 台账 10000000.00 / 9000000.00 少付 1,000,000.00"
        )),
        "{text}"
    );
    assert!(text.contains("未知收款人   91350100M000100Y43X"), "{text}");
    let unpaid = dir.join("none.csv");
    std::fs::write(&unpaid, "统一社会信用代码,户名,金额\n").unwrap();
    let o = subsidy(&[
        "reconcile",
        ledger.to_str().unwrap(),
        "--payments",
        unpaid.to_str().unwrap(),
        "--out",
        dir.join("rec2").to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains(&format!("未支付   {A} 台账 10000000.00")),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_shows_the_row_the_cap_and_its_clause() {
    let dir = tmp("audit-explain");
    let (input, _) = batch(&dir);
    let o = subsidy(&["explain", "--application", "A1", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("申报编号 A1 · 甲公司 · hohhot-2022-13-investment-award（二、关于促进企业投资政策 第13条）"), "{text}");
    assert!(
        text.contains("读入 固定资产投资额 = 800,000,000.00（CSV!G2）"),
        "{text}"
    );
    assert!(
        text.contains("计算 2% × 固定资产投资额 800,000,000.00 = 16,000,000.00"),
        "{text}"
    );
    assert!(
        text.contains(
            "封顶 单个项目奖补资金不超过1000万元：16,000,000.00 > 10,000,000.00 → 10,000,000.00"
        ),
        "{text}"
    );
    let o = subsidy(&["explain", "--application", "NOPE", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}
