//! The two sets of ledger lines as polars DataFrames (账表): one row per line, amounts as
//! `Decimal(38,2)` (分 as i128, so a sum is exact), joined on (申报编号, rule) and grouped by
//! rule (its clause, 条款), region (旗县区) and payer (出资方).
//!
//! Only sums of exact 2-decimal amounts are done in polars; nothing is rounded here (amounts
//! arrive rounded to 分 once, D7) and a difference is a `rust_decimal` subtraction. The eager
//! `GroupBy::sum` is used because the lazy engine is not compiled (build time); on a decimal
//! column it adds the i128 mantissas, exactly.

use polars::prelude::*;
use rust_decimal::Decimal;

use super::CompareError;
use crate::ledger::LedgerLine;
use crate::rules::Payer;

/// What a side's line counts toward the totals: payouts and 待审核 lines as if approved (a
/// what-if projects the budget, as `run`'s 待审核预计 does); other lines count 0.
pub fn counts(l: &LedgerLine) -> bool {
    l.is_payout() || l.line.is_pending()
}

/// A line's award as counted.
fn award(l: &LedgerLine) -> Decimal {
    if counts(l) {
        l.line.amount
    } else {
        Decimal::ZERO
    }
}

/// The lines of one side: `application_id`, `rule_id`, `line` (index into `lines`), `region`,
/// `award`.
pub fn lines_frame(lines: &[LedgerLine]) -> Result<DataFrame, CompareError> {
    let text = |name: &str, f: &dyn Fn(&LedgerLine) -> String| {
        Column::new(name.into(), lines.iter().map(f).collect::<Vec<String>>())
    };
    let columns = vec![
        text("application_id", &|l| l.application_id.clone()),
        text("rule_id", &|l| l.rule_id.clone()),
        Column::new("line".into(), (0..lines.len() as u32).collect::<Vec<u32>>()),
        text("region", &|l| l.region.clone()),
        money("award", lines.iter().map(award), lines)?,
    ];
    DataFrame::new(lines.len(), columns).map_err(frame_error("lines"))
}

/// The payer shares of one side's counted lines, long: `payer` (its place in [`Payer::ALL`]),
/// `share`.
pub fn shares_frame(lines: &[LedgerLine]) -> Result<DataFrame, CompareError> {
    let mut payers = Vec::new();
    let mut shares = Vec::new();
    for l in lines.iter().filter(|l| counts(l)) {
        for (k, p) in Payer::ALL.iter().enumerate() {
            let v = l.share(*p);
            if !v.is_zero() {
                payers.push(k as u32);
                shares.push(v);
            }
        }
    }
    let columns = vec![
        Column::new("payer".into(), payers),
        money("share", shares.iter().copied(), lines)?,
    ];
    DataFrame::new(shares.len(), columns).map_err(frame_error("shares"))
}

/// Amounts as a `Decimal(38,2)` column. An amount with more than 2 decimals would be a bug
/// upstream (lines are rounded to 分 once): it is an error, never rounded here.
fn money(
    name: &str,
    values: impl Iterator<Item = Decimal>,
    lines: &[LedgerLine],
) -> Result<Column, CompareError> {
    let mut cents = Vec::new();
    for (k, v) in values.enumerate() {
        if v.normalize().scale() > 2 {
            let id = lines.get(k).map(|l| l.application_id.clone());
            return Err(CompareError::NotCents {
                column: name.to_string(),
                value: v.to_string(),
                application_id: id.unwrap_or_default(),
            });
        }
        let mut d = v;
        d.rescale(2);
        cents.push(d.mantissa());
    }
    Ok(Int128Chunked::from_vec(name.into(), cents)
        .into_decimal(38, 2)
        .map_err(frame_error("money"))?
        .into_column())
}

/// One joined pair: the base line's and the proposed line's index, `None` where that side has
/// no line for the (申报编号, rule).
pub type JoinedPair = (Option<u32>, Option<u32>);

/// The two sides joined on (申报编号, rule), full: each pair as (base line, proposed line),
/// indexes into the sides' lines, `None` where the side has no such line.
pub fn join_lines(base: &DataFrame, proposed: &DataFrame) -> Result<Vec<JoinedPair>, CompareError> {
    let keys = ["application_id", "rule_id"];
    let args = JoinArgs::new(JoinType::Full)
        .with_coalesce(JoinCoalesce::CoalesceColumns)
        .with_suffix(Some("_proposed".into()));
    let joined = base
        .select(["application_id", "rule_id", "line"])
        .and_then(|b| {
            let p = proposed.select(["application_id", "rule_id", "line"])?;
            b.join(&p, keys, keys, args, None)
        })
        .map_err(frame_error("join"))?;
    let index = |name: &str| -> Result<Vec<Option<u32>>, CompareError> {
        let c = joined.column(name).map_err(frame_error("join"))?;
        Ok(c.u32().map_err(frame_error("join"))?.iter().collect())
    };
    Ok(index("line")?
        .into_iter()
        .zip(index("line_proposed")?)
        .collect())
}

/// Sums `value` by `key` on each side and joins the two sums on the key: (key, base, proposed),
/// 0 where a side has no line of the key. In no particular order.
pub fn totals_by<K: KeyColumn>(
    base: &DataFrame,
    proposed: &DataFrame,
    key: &str,
    value: &str,
) -> Result<Vec<(K, Decimal, Decimal)>, CompareError> {
    let summed = |df: &DataFrame| -> PolarsResult<DataFrame> {
        #[allow(deprecated)]
        df.group_by([key])?.select([value]).sum()
    };
    let sum = format!("{value}_sum");
    let joined = summed(base)
        .and_then(|b| {
            let args = JoinArgs::new(JoinType::Full)
                .with_coalesce(JoinCoalesce::CoalesceColumns)
                .with_suffix(Some("_proposed".into()));
            b.join(&summed(proposed)?, [key], [key], args, None)
        })
        .map_err(frame_error("group_by"))?;
    let keys = K::read(&joined, key)?;
    let b = decimals(&joined, &sum)?;
    let p = decimals(&joined, &format!("{sum}_proposed"))?;
    Ok(keys
        .into_iter()
        .zip(b.into_iter().zip(p))
        .map(|(k, (b, p))| (k, b, p))
        .collect())
}

/// A decimal column as exact decimals, null as 0 (no line of the key on that side).
fn decimals(df: &DataFrame, name: &str) -> Result<Vec<Decimal>, CompareError> {
    let c = df.column(name).map_err(frame_error("group_by"))?;
    let d = c
        .as_materialized_series()
        .decimal()
        .map_err(frame_error("group_by"))?;
    let scale = d.scale() as u32;
    d.physical()
        .iter()
        .map(|m| {
            let m = m.unwrap_or(0);
            Decimal::try_from_i128_with_scale(m, scale).map_err(|_| CompareError::NotCents {
                column: name.to_string(),
                value: format!("{m}e-{scale}"),
                application_id: String::new(),
            })
        })
        .collect()
}

/// A group key read back from a frame column.
pub trait KeyColumn: Sized {
    fn read(df: &DataFrame, name: &str) -> Result<Vec<Self>, CompareError>;
}

impl KeyColumn for String {
    fn read(df: &DataFrame, name: &str) -> Result<Vec<String>, CompareError> {
        let c = df.column(name).map_err(frame_error("group_by"))?;
        Ok(c.str()
            .map_err(frame_error("group_by"))?
            .iter()
            .map(|s| s.unwrap_or_default().to_string())
            .collect())
    }
}

impl KeyColumn for Payer {
    fn read(df: &DataFrame, name: &str) -> Result<Vec<Payer>, CompareError> {
        let c = df.column(name).map_err(frame_error("group_by"))?;
        c.u32()
            .map_err(frame_error("group_by"))?
            .iter()
            .map(|k| {
                k.and_then(|k| Payer::ALL.get(k as usize).copied())
                    .ok_or_else(|| CompareError::Frame {
                        stage: "group_by",
                        message: format!("payer index {k:?} out of range"),
                    })
            })
            .collect()
    }
}

fn frame_error(stage: &'static str) -> impl Fn(PolarsError) -> CompareError {
    move |e| CompareError::Frame {
        stage,
        message: e.to_string(),
    }
}
