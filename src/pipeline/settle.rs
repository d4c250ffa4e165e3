//! The engine's part of a run (计算): every row evaluated in parallel straight into the line the
//! batch pass takes ([`Pending`]), then the batch settled. No list of bare evaluations is held
//! beside the pending lines, and what every line of a kind shares (its year's text, a 待审核
//! reason) is made once, not per line.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::{IdentityFields, Loaded, RuleView};
use crate::domain::fields::FieldId;
use crate::domain::value::{Row, Value};
use crate::engine::batch::{settle_open, Line, Pending, SharedPaid, NOTHING_SHARED};
use crate::engine::review::{self, Awaiting};
use crate::engine::{evaluate_untraced, Context};
use crate::history::SharedHistory;
use crate::normalise::{Applications, Rows};

/// The application years of a batch: each distinct one once, with its text and its number.
struct Years {
    /// (value, text, year as a number when it reads as one).
    distinct: Vec<(Option<Value>, String, Option<i64>)>,
    /// Per row, its year (an index into `distinct`).
    of_row: Vec<u32>,
}

impl Years {
    fn of(rows: &Rows, field: FieldId) -> Years {
        let mut distinct: Vec<(Option<Value>, String, Option<i64>)> = Vec::new();
        let of_row = (0..rows.len())
            .map(|i| {
                let row = rows.row(i);
                let v = row.get(field);
                let k = match distinct.iter().position(|(y, ..)| y.as_ref() == v) {
                    Some(k) => k,
                    None => {
                        let text = rows.text(i, field);
                        let number = text.parse::<i64>().ok();
                        distinct.push((v.cloned(), text, number));
                        distinct.len() - 1
                    }
                };
                k as u32
            })
            .collect();
        Years { distinct, of_row }
    }

    fn text(&self, i: usize) -> &str {
        &self.distinct[self.of_row[i] as usize].1
    }

    fn number(&self, i: usize) -> Option<i64> {
        self.distinct[self.of_row[i] as usize].2
    }
}

/// Evaluates every row (without its trace: it is made again when the line is written) and
/// settles the batch. `projects`: every row's 项目编号 when some rule reads it.
pub(super) fn evaluate_and_settle(
    loaded: &Loaded,
    apps: &Applications,
    (rules, of_row): (&[RuleView<'_>], &[u32]),
    ident: IdentityFields,
    (shared, projects): (&SharedHistory, &[String]),
    evaluated: impl FnOnce(),
) -> Vec<Line> {
    let rows = &apps.rows;
    let IdentityFields {
        application_id: app_f,
        credit_code: code_f,
        year: year_f,
        rule_id: rule_f,
        ..
    } = ident;
    let years = Years::of(rows, year_f);
    // What the history paid inside shared caps, once per enterprise-year that has any.
    let mut prior: HashMap<(&str, i64), SharedPaid> = HashMap::new();
    for i in 0..rows.len() {
        let code = rows.str(i, code_f);
        if let (true, Some(year)) = (shared.has(code), years.number(i)) {
            prior
                .entry((code, year))
                .or_insert_with(|| shared.paid(code, year));
        }
    }
    let cx = Context {
        vocab: &loaded.vocab,
        lpr: &loaded.lpr,
        params: &loaded.params,
    };
    let pending: Vec<Pending<'_>> = (0..rows.len())
        .into_par_iter()
        // Each worker keeps the 待审核 reasons it has made: a handful per batch.
        .map_init(HashMap::<Vec<Awaiting>, Arc<str>>::new, |reasons, i| {
            let RuleView { policy, rule, .. } = rules[of_row[i] as usize];
            let row = rows.row(i);
            let mut evaluation = evaluate_untraced(policy, rule, &row, cx);
            // 待审核: a review the row leaves open holds its amount back (engine::review).
            let (sheet, _) = apps.origin(i);
            let open = review::awaiting(policy, rule, &row, |f| sheet.has(f));
            if !open.is_empty() {
                review::hold(&mut evaluation, rule, || {
                    reasons
                        .entry(open)
                        .or_insert_with_key(|open| review::reason(&loaded.vocab, open))
                        .clone()
                });
            }
            let credit_code = rows.str(i, code_f);
            Pending {
                rule,
                payer: policy.payer,
                evaluation,
                credit_code,
                year: years.text(i),
                project: projects.get(i).map_or("", String::as_str),
                order: (rows.str(i, app_f), rows.str(i, rule_f)),
                prior_shared: match (prior.is_empty(), years.number(i)) {
                    (false, Some(y)) => prior.get(&(credit_code, y)).unwrap_or(&NOTHING_SHARED),
                    _ => &NOTHING_SHARED,
                },
                budget: rule
                    .budget
                    .as_ref()
                    .and_then(|b| policy.budgets.iter().find(|x| &x.id == b)),
            }
        })
        .collect();
    evaluated();
    settle_open(pending)
}

/// Every row's 项目编号, trimmed ("" when it has none), when some rule caps or counts by
/// project; none otherwise (no rule would read them).
pub(super) fn project_numbers(
    rows: &Rows,
    rules: &[RuleView<'_>],
    field: Option<FieldId>,
) -> Vec<String> {
    let by_project = rules.iter().any(|v| {
        !v.rule.limits.is_empty()
            || v.rule
                .caps
                .iter()
                .any(|c| matches!(c.scope, crate::rules::CapScope::Project { .. }))
    });
    match (by_project, field) {
        (true, Some(f)) => (0..rows.len())
            .map(|i| rows.text(i, f).trim().to_string())
            .collect(),
        _ => Vec::new(),
    }
}
