//! 限项 (count limits): "an enterprise may receive this subsidy for at most two projects a
//! year". Counted over the payout history and the batch: what the history already supported
//! keeps its place, the batch's projects are ranked by the rule the policy states (highest
//! award, or earliest 申报编号) and those past the limit are 不予支持 with the reason. The
//! ranking is a total order on the lines' own data, so no row order, file order or thread
//! count changes which projects are kept.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Pending, ProjectKey, Stage};
use crate::domain::money::grouped2;
// A count limit is a ceiling on how many: its steps are 封顶-kind (the ledger's filter).
use crate::engine::{StepKind, Trace};
use crate::rules::{CountLimit, Keep, LimitScope, Outcome};

/// What a count limit counts: a project, or (per project) a rule's award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Counted<'a> {
    Project(ProjectKey<'a>),
    Rule(&'a str),
}

impl Counted<'_> {
    /// The name the history knows it by (a row without 项目编号 has none).
    fn history_name(&self) -> Option<&str> {
        match self {
            Counted::Project(ProjectKey::Numbered(n)) => Some(n),
            Counted::Project(ProjectKey::Row(..)) => None,
            Counted::Rule(r) => Some(r),
        }
    }

    fn label(&self) -> String {
        match self {
            Counted::Project(ProjectKey::Numbered(n)) => format!("项目 {n}"),
            Counted::Project(ProjectKey::Row(app, _)) => format!("申报 {app}"),
            Counted::Rule(r) => format!("条款 {r}"),
        }
    }
}

/// Where a limit counts: an enterprise's year, its life, or one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Within<'a> {
    Year(&'a str),
    Life,
    Project(ProjectKey<'a>),
}

/// One counted thing with its lines.
struct Item<'a> {
    lines: Vec<usize>,
    /// The award it brings (its lines' positive amounts, before shared caps).
    award: Decimal,
    /// Its earliest (year, 申报编号).
    first: (&'a str, &'a str),
}

type Scope<'a> = (&'a str, &'a str, Within<'a>);

/// Refuses the lines of the projects past each count limit of `stage` (per project, or per
/// enterprise), recording why in `refused`. A refused line leaves `amounts`: it takes nothing
/// in the passes after.
pub(super) fn apply_count_limits(
    pending: &[Pending<'_>],
    amounts: &mut [Option<Decimal>],
    extra: &mut [Trace],
    refused: &mut [Option<String>],
    stage: Stage,
) {
    for ((_, _, within), (limit, members)) in scopes(pending, amounts, stage) {
        let items = items_of(pending, amounts, &members, limit.per);
        let prior: BTreeSet<&str> = members
            .iter()
            .flat_map(|&i| {
                let within_name = match within {
                    Within::Project(ProjectKey::Numbered(n)) => n,
                    _ => "",
                };
                pending[i].prior_shared.counted(&limit.group, within_name)
            })
            .collect();
        let (old, mut new): (Vec<_>, Vec<_>) = items
            .into_iter()
            .filter(|(_, item)| item.award > Decimal::ZERO)
            .partition(|(k, _)| k.history_name().is_some_and(|n| prior.contains(n)));
        rank(&mut new, limit.keep);
        let room = (limit.most as usize).saturating_sub(prior.len());
        let words = words_of(limit);
        let span = match within {
            Within::Year(y) => format!("{y} 年度"),
            Within::Life => "历年".to_string(),
            Within::Project(p) => format!("{} ", Counted::Project(p).label()),
        };
        for (key, item) in &old {
            for &i in &item.lines {
                extra[i].push(
                    StepKind::Cap,
                    &format!(
                        "限项 {words}：{} 已在历史发放中计入（{}），不另占名额",
                        key.label(),
                        span.trim_end()
                    ),
                );
            }
        }
        let kept: Vec<String> = new.iter().take(room).map(|(k, _)| k.label()).collect();
        for (n, (key, item)) in new.iter().enumerate() {
            if n < room {
                let step = format!(
                    "限项 {words}：{} 计入 {span}第 {} 个（最多 {} 个，{}），保留",
                    key.label(),
                    prior.len() + n + 1,
                    limit.most,
                    limit.keep.label()
                );
                item.lines
                    .iter()
                    .for_each(|&i| extra[i].push(StepKind::Cap, &step));
                continue;
            }
            let reason = format!(
                "限项 {words}：{span}已支持 {} 个（历史 {} 个{}{}；{}），{} 不予支持",
                limit.most,
                prior.len(),
                if kept.is_empty() { "" } else { "，本批 " },
                kept.join("、"),
                limit.keep.label(),
                key.label()
            );
            for &i in &item.lines {
                extra[i].push_cut(
                    StepKind::Cap,
                    &format!("{reason}（本条 {}）", grouped2(item.award)),
                );
                refused[i] = Some(reason.clone());
                amounts[i] = None;
            }
        }
    }
}

/// The payout lines under each count limit, by (enterprise, limit group, where it counts), in
/// key order; each with its limit.
fn scopes<'p>(
    pending: &'p [Pending<'_>],
    amounts: &[Option<Decimal>],
    stage: Stage,
) -> BTreeMap<Scope<'p>, (&'p CountLimit, Vec<usize>)> {
    let mut scopes: BTreeMap<Scope<'p>, (&'p CountLimit, Vec<usize>)> = BTreeMap::new();
    for (i, p) in pending.iter().enumerate() {
        if amounts[i].is_none() || !matches!(p.rule.outcome, Outcome::Payout) {
            continue;
        }
        for limit in &p.rule.limits {
            if (limit.per == LimitScope::Project) != (stage == Stage::Project) {
                continue;
            }
            let within = match limit.per {
                LimitScope::EnterpriseYear => Within::Year(p.year),
                LimitScope::Enterprise => Within::Life,
                LimitScope::Project => Within::Project(p.project_key()),
            };
            scopes
                .entry((p.credit_code, limit.group.as_str(), within))
                .or_insert((limit, Vec::new()))
                .1
                .push(i);
        }
    }
    scopes
}

/// The members grouped into what the limit counts.
fn items_of<'p>(
    pending: &'p [Pending<'_>],
    amounts: &[Option<Decimal>],
    members: &[usize],
    per: LimitScope,
) -> BTreeMap<Counted<'p>, Item<'p>> {
    let mut items: BTreeMap<Counted<'p>, Item<'p>> = BTreeMap::new();
    for &i in members {
        // A refund is money back for a project already supported: never counted, never refused.
        if amounts[i].is_some_and(|a| a < Decimal::ZERO) {
            continue;
        }
        let p = &pending[i];
        let key = match per {
            LimitScope::EnterpriseYear | LimitScope::Enterprise => {
                Counted::Project(p.project_key())
            }
            LimitScope::Project => Counted::Rule(p.rule.id.as_str()),
        };
        let first = (p.year, p.order.0);
        let item = items.entry(key).or_insert(Item {
            lines: Vec::new(),
            award: Decimal::ZERO,
            first,
        });
        item.lines.push(i);
        item.award += amounts[i].unwrap_or_default().max(Decimal::ZERO);
        item.first = item.first.min(first);
    }
    items
}

/// Orders the candidates as the policy keeps them: earlier years first (a lifetime limit is
/// filled in time order), then the highest award or the earliest 申报编号; ties fall to the
/// earliest 申报编号, then the project itself, so the order is total.
fn rank(items: &mut [(Counted<'_>, Item<'_>)], keep: Keep) {
    match keep {
        Keep::HighestAward => {
            items.sort_by_key(|(k, it)| (it.first.0, Reverse(it.award), it.first.1, *k))
        }
        Keep::EarliestApplication => items.sort_by_key(|(k, it)| (it.first, *k)),
    }
}

/// The clause's words, or the limit said plainly.
fn words_of(limit: &CountLimit) -> String {
    match (&limit.words, limit.per) {
        (Some(w), _) => w.clone(),
        (None, LimitScope::EnterpriseYear) => format!("每个企业每年最多支持{}个项目", limit.most),
        (None, LimitScope::Enterprise) => format!("每个企业累计最多支持{}个项目", limit.most),
        (None, LimitScope::Project) => format!("同一项目最多享受{}项支持", limit.most),
    }
}
