//! The trace of a line (计算过程): its steps in order, each with its kind and its text. The
//! ledger, `compare` and `explain` choose steps by kind, never by the words a step opens with.

/// What a step of the trace does (步骤类别). The ledger's 计算过程 note shows the arithmetic, the
/// caps and every step that changed the amount; the other kinds are kept for the full trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// 申报 / 读入: where the line's figures came from.
    Input,
    /// 条件 / 情形 / 年限: a condition tested.
    Condition,
    /// 标准 / 利率: a rate or standard chosen for the row.
    Standard,
    /// 计算 / 分档 / 定额 / 称号 / 超额累进: the amount made from the row's figures.
    Arithmetic,
    /// 合计 / 取低 / 取高 / 补足 / 配套 / 取值 / 阶段 / 期限: figures already made, combined or
    /// restated. Not in the ledger's note (which has never shown them).
    Combination,
    /// 补差 / 就高 (D9): what the same achievement already gets.
    Stacking,
    /// 封顶: a ceiling, on the line or shared.
    Cap,
    /// 起付 (D12): an award under the floor is not paid.
    Floor,
    /// 预算 / 均分 (D11): the programme budget shared out.
    Budget,
    /// 取整 (D7): rounding to 分.
    Rounding,
    /// 分担 (D14): the funding split between payers.
    Split,
    /// 收款: the award split between payees.
    Payee,
    /// 待审核: a review not yet made, and what it would change.
    Review,
    /// 结果 / 不予支持 / 认定: the line's outcome.
    Result,
}

impl StepKind {
    const ALL: [StepKind; 14] = [
        StepKind::Input,
        StepKind::Condition,
        StepKind::Standard,
        StepKind::Arithmetic,
        StepKind::Combination,
        StepKind::Stacking,
        StepKind::Cap,
        StepKind::Floor,
        StepKind::Budget,
        StepKind::Rounding,
        StepKind::Split,
        StepKind::Payee,
        StepKind::Review,
        StepKind::Result,
    ];

    /// The one-byte code a step is stored with.
    fn code(self) -> char {
        let index = match self {
            StepKind::Input => 0,
            StepKind::Condition => 1,
            StepKind::Standard => 2,
            StepKind::Arithmetic => 3,
            StepKind::Combination => 4,
            StepKind::Stacking => 5,
            StepKind::Cap => 6,
            StepKind::Floor => 7,
            StepKind::Budget => 8,
            StepKind::Rounding => 9,
            StepKind::Split => 10,
            StepKind::Payee => 11,
            StepKind::Review => 12,
            StepKind::Result => 13,
        };
        char::from(b'a' + index)
    }

    fn of_code(c: char) -> Option<StepKind> {
        let index = u32::from(c).checked_sub(u32::from(b'a'))?;
        Self::ALL.get(usize::try_from(index).ok()?).copied()
    }

    /// Whether the ledger's 计算过程 note shows steps of this kind (besides every cut).
    pub fn explains_amount(self) -> bool {
        matches!(self, StepKind::Arithmetic | StepKind::Cap)
    }
}

/// One step as read back from a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub kind: StepKind,
    pub text: &'a str,
    /// Whether the step changed the amount (a cap that bit, 补差, 就高, 起付, a budget).
    pub cut: bool,
}

/// The steps of a line's computation (计算过程), kept as one string: a batch holds one per
/// line, and one allocation per line instead of one per step keeps memory flat. A step is
/// stored as an optional [`CUT`], its kind's one-byte code, then its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace(String);

/// Separates steps; the record separator never occurs in a step's own text.
const STEP_END: char = '\u{1e}';
/// Opens a step that changed the amount (a cap, 补差, 就高, 起付, a budget): the line's reason
/// is the last such step, known without reading the step's words. Never in a step's own text.
const CUT: char = '\u{1f}';

impl Trace {
    /// Appends a step that did not change the amount.
    pub fn push(&mut self, kind: StepKind, step: &str) {
        self.push_marked(kind, step, false);
    }

    /// Appends a step that changed the amount: capped, cut or zeroed (not rounding to 分, which
    /// every line has, D7).
    pub fn push_cut(&mut self, kind: StepKind, step: &str) {
        self.push_marked(kind, step, true);
    }

    fn push_marked(&mut self, kind: StepKind, step: &str, cut: bool) {
        if !self.0.is_empty() {
            self.0.push(STEP_END);
        }
        if cut {
            self.0.push(CUT);
        }
        self.0.push(kind.code());
        if step.contains([STEP_END, CUT]) {
            self.0
                .extend(step.chars().filter(|c| *c != STEP_END && *c != CUT));
        } else {
            self.0.push_str(step);
        }
    }

    /// The steps in order, with their kinds.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = Step<'_>> {
        self.0.split(STEP_END).filter(|s| !s.is_empty()).map(|s| {
            let (cut, rest) = match s.strip_prefix(CUT) {
                Some(rest) => (true, rest),
                None => (false, s),
            };
            let mut chars = rest.chars();
            // Every stored step opens with a kind's code (see `push_marked`).
            let kind = chars
                .next()
                .and_then(StepKind::of_code)
                .unwrap_or(StepKind::Result);
            Step {
                kind,
                text: chars.as_str(),
                cut,
            }
        })
    }

    /// The last step that changed the amount: the reason a line was capped, cut or zeroed.
    pub fn last_cut_step(&self) -> Option<Step<'_>> {
        self.entries().rev().find(|s| s.cut)
    }

    /// The text of the last step that changed the amount.
    pub fn last_cut(&self) -> Option<&str> {
        self.last_cut_step().map(|s| s.text)
    }

    /// Length of the stored text, in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps' texts in order.
    pub fn steps(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.entries().map(|s| s.text)
    }

    pub fn append(&mut self, other: &Trace) {
        // Both are well formed: steps joined by the separator, none empty.
        if other.0.is_empty() {
            return;
        }
        if !self.0.is_empty() {
            self.0.push(STEP_END);
        }
        self.0.push_str(&other.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_keep_their_kind_cut_and_text() {
        let mut t = Trace::default();
        t.push(StepKind::Condition, "条件 甲：满足");
        t.push_cut(StepKind::Cap, "封顶 上限：2 > 1 → 1");
        t.push(StepKind::Result, "");
        let got: Vec<_> = t.entries().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[1],
            Step {
                kind: StepKind::Cap,
                text: "封顶 上限：2 > 1 → 1",
                cut: true
            }
        );
        assert_eq!((got[0].kind, got[0].cut), (StepKind::Condition, false));
        assert_eq!((got[2].kind, got[2].text), (StepKind::Result, ""));
        assert_eq!(t.last_cut(), Some("封顶 上限：2 > 1 → 1"));
    }

    #[test]
    fn a_step_text_cannot_forge_a_step_or_a_cut() {
        let mut t = Trace::default();
        t.push(StepKind::Arithmetic, "计算\u{1e}\u{1f}b伪造");
        let got: Vec<_> = t.entries().collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, "计算b伪造");
        assert!(!got[0].cut);
        assert_eq!(t.last_cut(), None);
    }

    #[test]
    fn every_kind_round_trips_through_its_code() {
        for kind in StepKind::ALL {
            assert_eq!(StepKind::of_code(kind.code()), Some(kind));
        }
        assert_eq!(StepKind::of_code('z'), None);
    }

    #[test]
    fn appended_traces_keep_kinds() {
        let mut a = Trace::default();
        a.push(StepKind::Input, "读入");
        let mut b = Trace::default();
        b.push_cut(StepKind::Floor, "起付");
        a.append(&b);
        let kinds: Vec<_> = a.entries().map(|s| (s.kind, s.cut)).collect();
        assert_eq!(kinds, [(StepKind::Input, false), (StepKind::Floor, true)]);
    }
}
