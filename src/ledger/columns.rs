//! The ledger's layout (台账格式): its sheets, and one table of columns per sheet and per CSV —
//! header, width, what the cells hold, and whether a line's check code (校验码) covers them.
//! The workbook writer, the CSV writer, `verify` and `reconcile` all read these tables and name
//! a column by its enum, never by position: a column moved or relabelled here moves everywhere,
//! and the check codes the writer signs are the ones `verify` recomputes.

use crate::normalise::Exception;

/// The sheets of `ledger.xlsx` (工作表), in workbook order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sheet {
    /// 汇总: counts, totals by rule, region and payer, codes and file digests.
    Summary,
    /// 发放明细: reviewed lines (payouts, measures, verdicts).
    Details,
    /// 待审核: lines whose review is open, computed in full and not paid.
    Pending,
    /// 计算过程: every line's steps.
    Trace,
    /// 不予支持: refused lines and why.
    Refused,
    /// 数据错误: unreadable cells.
    Errors,
    /// 政策参数: every rule used.
    Policy,
}

impl Sheet {
    /// Every sheet, in workbook order.
    pub const ALL: [Sheet; 7] = [
        Sheet::Summary,
        Sheet::Details,
        Sheet::Pending,
        Sheet::Trace,
        Sheet::Refused,
        Sheet::Errors,
        Sheet::Policy,
    ];

    /// The sheet's name, as DESIGN.md fixes it.
    pub const fn name(self) -> &'static str {
        match self {
            Sheet::Summary => "汇总",
            Sheet::Details => "发放明细",
            Sheet::Pending => "待审核",
            Sheet::Trace => "计算过程",
            Sheet::Refused => "不予支持",
            Sheet::Errors => "数据错误",
            Sheet::Policy => "政策参数",
        }
    }
}

/// What a column's cells hold, which decides how they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// 序号: the row number, as a number.
    Serial,
    /// Text; text that starts like a formula gets Excel's quote prefix.
    Text,
    /// Text shown wrapped, one step per line (计算过程).
    Wrapped,
    /// An amount in 元, 2 decimals: a number with a `#,##0.00` format in the workbook.
    Money,
}

/// One column of a ledger sheet or CSV file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Column {
    /// The header as written (Chinese in the workbook, English in the CSV files).
    pub header: &'static str,
    /// Width in the workbook, in characters (0 for CSV columns).
    pub width: f64,
    pub kind: CellKind,
    /// Whether a line's check code (校验码) covers the cell's text.
    pub signed: bool,
}

/// A table of columns, named by an enum whose variants are its columns in order.
pub trait Columns: Copy + Sized + 'static {
    /// Every column, in order.
    const ALL: &'static [Self];
    /// The columns' descriptions, in the same order.
    const TABLE: &'static [Column];

    /// The column's 0-based position.
    fn index(self) -> usize;

    fn column(self) -> &'static Column {
        &Self::TABLE[self.index()]
    }

    fn header(self) -> &'static str {
        self.column().header
    }

    /// The column's position as the workbook writer takes it.
    fn col(self) -> u16 {
        self.index() as u16
    }

    /// Every header, in order.
    fn headers() -> Vec<&'static str> {
        Self::TABLE.iter().map(|c| c.header).collect()
    }

    /// Every width, in order.
    fn widths() -> Vec<f64> {
        Self::TABLE.iter().map(|c| c.width).collect()
    }

    /// The columns a line's check code covers, in the order it covers them.
    fn signed() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|c| c.column().signed)
    }
}

/// Declares a column enum and its table from one list, so the two cannot disagree.
macro_rules! columns {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($header:expr, $width:expr, $kind:ident, $signed:ident) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl Columns for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const TABLE: &'static [Column] = &[$(Column {
                header: $header,
                width: $width,
                kind: CellKind::$kind,
                signed: columns!(@signed $signed),
            }),+];

            fn index(self) -> usize {
                self as usize
            }
        }
    };
    (@signed signed) => { true };
    (@signed plain) => { false };
}

columns! {
    /// 发放明细: one reviewed line (payout, measure or verdict) per row.
    pub enum Detail {
        Serial = ("序号", 6.0, Serial, plain),
        ApplicationId = ("申报编号", 14.0, Text, signed),
        CreditCode = ("统一社会信用代码", 21.0, Text, signed),
        EnterpriseName = ("企业名称", 28.0, Text, plain),
        Region = ("所属旗县区", 12.0, Text, plain),
        Year = ("申报年度", 9.0, Text, plain),
        RuleId = ("申报条款编号", 36.0, Text, signed),
        Clause = ("条款", 30.0, Text, plain),
        FormulaKind = ("计算方式", 12.0, Text, plain),
        /// 结果类型: 奖补资金 for a payout, else the measure's or verdict's label.
        ResultKind = ("结果类型", 12.0, Text, signed),
        /// 金额: filled for payouts only.
        Amount = ("金额（元）", 16.0, Money, signed),
        ShareRegion = ("自治区", 14.0, Money, signed),
        ShareCity = ("盟市", 14.0, Money, signed),
        ShareCounty = ("旗县区", 14.0, Money, signed),
        ShareCentral = ("中央", 10.0, Money, signed),
        ShareOther = ("其他", 10.0, Money, signed),
        /// 测算/认定结果: a measure's figure and unit, or a verdict's words.
        Result = ("测算/认定结果", 16.0, Text, signed),
        Note = ("说明", 40.0, Text, plain),
        Source = ("数据来源", 36.0, Text, plain),
        Extras = ("其他列", 24.0, Text, plain),
        Code = ("校验码", 18.0, Text, plain),
    }
}

columns! {
    /// 待审核: one line awaiting review per row, with what it would get.
    pub enum Pending {
        Serial = ("序号", 6.0, Serial, plain),
        ApplicationId = ("申报编号", 14.0, Text, signed),
        CreditCode = ("统一社会信用代码", 21.0, Text, signed),
        EnterpriseName = ("企业名称", 28.0, Text, plain),
        Region = ("所属旗县区", 12.0, Text, plain),
        Year = ("申报年度", 9.0, Text, plain),
        RuleId = ("申报条款编号", 36.0, Text, signed),
        Clause = ("条款", 30.0, Text, plain),
        FormulaKind = ("计算方式", 12.0, Text, plain),
        Amount = ("待审核预计（元）", 16.0, Money, signed),
        ShareRegion = ("自治区", 14.0, Money, signed),
        ShareCity = ("盟市", 14.0, Money, signed),
        ShareCounty = ("旗县区", 14.0, Money, signed),
        ShareCentral = ("中央", 10.0, Money, signed),
        ShareOther = ("其他", 10.0, Money, signed),
        /// 待审核事项: what awaits review.
        Awaiting = ("待审核事项", 58.0, Text, signed),
        Note = ("说明", 40.0, Text, plain),
        Source = ("数据来源", 36.0, Text, plain),
        Code = ("校验码", 18.0, Text, plain),
    }
}

columns! {
    /// 不予支持: one refused line per row.
    pub enum Refused {
        ApplicationId = ("申报编号", 14.0, Text, signed),
        CreditCode = ("统一社会信用代码", 21.0, Text, signed),
        EnterpriseName = ("企业名称", 28.0, Text, plain),
        RuleId = ("申报条款编号", 36.0, Text, signed),
        Clause = ("条款", 30.0, Text, plain),
        Reason = ("原因", 60.0, Text, signed),
        Source = ("数据来源", 36.0, Text, plain),
        Code = ("校验码", 18.0, Text, plain),
    }
}

columns! {
    /// 计算过程: one line per row, its final result and every step.
    pub enum Trace {
        ApplicationId = ("申报编号", 14.0, Text, plain),
        RuleId = ("申报条款编号", 36.0, Text, plain),
        /// 结果: the amount as 发放明细 shows it, 待审核预计 and the amount, or the verdict.
        Result = ("结果", 16.0, Text, plain),
        Steps = ("计算过程", 120.0, Wrapped, plain),
    }
}

columns! {
    /// 数据错误 (and `exceptions.csv`, under [`ErrorColumn::csv_header`]): one unreadable cell
    /// or refused row per row.
    pub enum ErrorColumn {
        File = ("文件", 36.0, Text, plain),
        Sheet = ("工作表", 14.0, Text, plain),
        Cell = ("单元格", 9.0, Text, plain),
        ApplicationId = ("申报编号", 14.0, Text, plain),
        Value = ("原值", 24.0, Text, plain),
        Reason = ("原因", 60.0, Text, plain),
    }
}

impl ErrorColumn {
    /// The column's header in `exceptions.csv`.
    pub const fn csv_header(self) -> &'static str {
        match self {
            ErrorColumn::File => "file",
            ErrorColumn::Sheet => "sheet",
            ErrorColumn::Cell => "cell",
            ErrorColumn::ApplicationId => "application_id",
            ErrorColumn::Value => "value",
            ErrorColumn::Reason => "reason",
        }
    }

    /// The exception's text in this column.
    pub fn of(self, e: &Exception) -> &str {
        match self {
            ErrorColumn::File => &e.file,
            ErrorColumn::Sheet => &e.sheet,
            ErrorColumn::Cell => &e.cell,
            ErrorColumn::ApplicationId => &e.application_id,
            ErrorColumn::Value => &e.value,
            ErrorColumn::Reason => &e.reason,
        }
    }
}

columns! {
    /// 政策参数: one rule per row.
    pub enum PolicyColumn {
        Policy = ("政策文件", 30.0, Text, plain),
        RuleId = ("申报条款编号", 36.0, Text, plain),
        Clause = ("条款", 30.0, Text, plain),
        Excerpt = ("原文摘录", 60.0, Text, plain),
        Outcome = ("结果类型", 12.0, Text, plain),
        FormulaKind = ("计算方式", 12.0, Text, plain),
        Parameters = ("参数", 60.0, Text, plain),
        Conditions = ("申报条件", 40.0, Text, plain),
        Caps = ("上限", 24.0, Text, plain),
        Split = ("分担", 24.0, Text, plain),
        Readings = ("解读", 40.0, Text, plain),
        Location = ("位置", 30.0, Text, plain),
    }
}

columns! {
    /// `payouts.csv` (and `payouts.parquet`): one line per row; amounts are 0.00 on every line
    /// but a reviewed payout, so that no sum of a money column takes in anything not due.
    pub enum Payout {
        ApplicationId = ("application_id", 0.0, Text, plain),
        CreditCode = ("credit_code", 0.0, Text, plain),
        EnterpriseName = ("enterprise_name", 0.0, Text, plain),
        RuleId = ("rule_id", 0.0, Text, plain),
        Award = ("award", 0.0, Money, plain),
        ShareRegion = ("share_region", 0.0, Money, plain),
        ShareCity = ("share_city", 0.0, Money, plain),
        ShareCounty = ("share_county", 0.0, Money, plain),
        ShareCentral = ("share_central", 0.0, Money, plain),
        ShareOther = ("share_other", 0.0, Money, plain),
        LineType = ("line_type", 0.0, Text, plain),
        Result = ("result", 0.0, Text, plain),
        Unit = ("unit", 0.0, Text, plain),
        Region = ("region", 0.0, Text, plain),
        Year = ("application_year", 0.0, Text, plain),
        Reason = ("reason", 0.0, Text, plain),
    }
}

/// A sheet of ledger lines that `verify` reads back: where a line's identity, amount and
/// check code are.
pub trait LineSheet: Columns {
    const SHEET: Sheet;
    const APPLICATION_ID: Self;
    const CREDIT_CODE: Self;
    const RULE_ID: Self;
    /// The amount, on sheets that show one.
    const AMOUNT: Option<Self>;
    const CODE: Self;
}

impl LineSheet for Detail {
    const SHEET: Sheet = Sheet::Details;
    const APPLICATION_ID: Self = Detail::ApplicationId;
    const CREDIT_CODE: Self = Detail::CreditCode;
    const RULE_ID: Self = Detail::RuleId;
    const AMOUNT: Option<Self> = Some(Detail::Amount);
    const CODE: Self = Detail::Code;
}

impl LineSheet for Pending {
    const SHEET: Sheet = Sheet::Pending;
    const APPLICATION_ID: Self = Pending::ApplicationId;
    const CREDIT_CODE: Self = Pending::CreditCode;
    const RULE_ID: Self = Pending::RuleId;
    const AMOUNT: Option<Self> = Some(Pending::Amount);
    const CODE: Self = Pending::Code;
}

impl LineSheet for Refused {
    const SHEET: Sheet = Sheet::Refused;
    const APPLICATION_ID: Self = Refused::ApplicationId;
    const CREDIT_CODE: Self = Refused::CreditCode;
    const RULE_ID: Self = Refused::RuleId;
    const AMOUNT: Option<Self> = None;
    const CODE: Self = Refused::Code;
}

/// The kind of a file 汇总 records with its SHA-256 (输入与政策文件), so that `reconcile` can
/// tell which changed since the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    /// 输入: an application file.
    Input,
    /// 历史: a payout history (`--history`).
    History,
    /// 政策: a policy file.
    Policy,
}

impl FileKind {
    pub const ALL: [FileKind; 3] = [FileKind::Input, FileKind::History, FileKind::Policy];

    pub const fn label(self) -> &'static str {
        match self {
            FileKind::Input => "输入",
            FileKind::History => "历史",
            FileKind::Policy => "政策",
        }
    }

    /// The name 汇总 records a file under: its kind's label, a space, its path.
    pub fn recorded(self, path: &std::path::Path) -> String {
        format!("{} {}", self.label(), path.display())
    }

    /// The kind of a name as 汇总 records it, if it starts with one.
    pub fn of_recorded(name: &str) -> Option<FileKind> {
        let (label, _) = name.split_once(' ')?;
        FileKind::ALL.into_iter().find(|k| k.label() == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check codes of ledgers already written cover these columns, in this order: a change
    /// here would make every earlier ledger fail `verify`.
    #[test]
    fn signed_columns_are_those_earlier_ledgers_were_signed_over() {
        fn signed<C: Columns>() -> Vec<usize> {
            C::signed().map(Columns::index).collect()
        }
        assert_eq!(signed::<Detail>(), [1, 2, 6, 9, 10, 11, 12, 13, 14, 15, 16]);
        assert_eq!(signed::<Pending>(), [1, 2, 6, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(signed::<Refused>(), [0, 1, 3, 5]);
    }

    #[test]
    fn sheet_names_are_distinct_and_in_workbook_order() {
        let names: Vec<&str> = Sheet::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "汇总",
                "发放明细",
                "待审核",
                "计算过程",
                "不予支持",
                "数据错误",
                "政策参数"
            ]
        );
    }

    #[test]
    fn a_recorded_file_name_gives_back_its_kind() {
        for kind in FileKind::ALL {
            let name = kind.recorded(std::path::Path::new("批次/申报 表.xlsx"));
            assert_eq!(FileKind::of_recorded(&name), Some(kind), "{name}");
        }
        assert_eq!(FileKind::of_recorded("政策批次.toml"), None);
        assert_eq!(FileKind::of_recorded("其他 a.toml"), None);
    }
}
