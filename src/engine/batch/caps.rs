//! Caps shared by several rules (D4): per enterprise per year, over the enterprise's life or
//! per project, each group served in (year, application id, rule id) order.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Pending, ProjectKey, Stage};
use crate::domain::money::{grouped2, round_yuan};
use crate::engine::payment::Netting;
use crate::engine::{StepKind, Trace};
use crate::rules::{CapScope, Outcome};

/// Whose room a shared cap is: an enterprise's in a year or over its life, or a project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Room<'a> {
    Year(&'a str),
    Life,
    Project(ProjectKey<'a>),
}

/// D4: a cap per enterprise per year (or over the enterprise's life) shared by every rule
/// naming the same group. Each line brings its own ceiling (a cap may be an expression of the
/// row); the group holds the lowest. Lines are served in (year, application id, rule id) order
/// so the cut falls the same way on every run.
pub(super) fn apply_shared_caps(
    pending: &[Pending<'_>],
    amounts: &mut [Option<Decimal>],
    extra: &mut [Trace],
    stage: Stage,
    netting: &Netting,
) {
    type Group<'g> = (Decimal, Option<&'g str>, Vec<usize>, Decimal);
    // Keyed by enterprise, whose room (a year, the enterprise's life, a project) and group.
    let mut groups: HashMap<(&str, Room<'_>, &str), Group<'_>> = HashMap::new();
    for (i, p) in pending.iter().enumerate() {
        if amounts[i].is_none() || !matches!(p.rule.outcome, Outcome::Payout) {
            continue;
        }
        let shared = p
            .rule
            .caps
            .iter()
            .filter(|c| c.scope != CapScope::Application);
        for (k, cap) in shared.enumerate() {
            // The row's ceiling as the engine made it; a fixed one is known without it, and an
            // expression never evaluated pays nothing rather than too much.
            let ceiling = p
                .evaluation
                .shared_caps
                .get(k)
                .copied()
                .unwrap_or(match cap.amount {
                    crate::rules::Expr::Const(c) => c,
                    _ => Decimal::ZERO,
                });
            let (room, group) = match &cap.scope {
                CapScope::Application => continue,
                CapScope::EnterpriseYear { group } => (Room::Year(p.year), group.as_str()),
                CapScope::Enterprise { group } => (Room::Life, group.as_str()),
                CapScope::Project { group } => (Room::Project(p.project_key()), group.as_str()),
            };
            if matches!(room, Room::Project(_)) != (stage == Stage::Project) {
                continue;
            }
            // The history knows a project by its 项目编号; a row without one is new.
            let prior = match room {
                Room::Project(ProjectKey::Numbered(n)) => p.prior_shared.in_project(group, n),
                Room::Project(ProjectKey::Row(..)) => Decimal::ZERO,
                Room::Year(_) | Room::Life => p.prior_shared.in_group(group),
            };
            let entry = groups.entry((p.credit_code, room, group)).or_insert((
                ceiling,
                cap.words.as_deref(),
                Vec::new(),
                Decimal::ZERO,
            ));
            entry.0 = entry.0.min(ceiling);
            entry.2.push(i);
            entry.3 = entry.3.max(prior);
        }
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let (cap, words, mut members, prior) = groups.remove(&key).unwrap_or_default();
        // (year, application id), a settlement after the advance it deducts.
        members.sort_by_key(|&i| netting.serve_key(pending, i));
        let mut used = prior;
        let (words, span, who) = match key.1 {
            Room::Life => (
                words.unwrap_or("单个企业累计上限"),
                "历年".to_string(),
                "同企业",
            ),
            Room::Year(year) => (
                words.unwrap_or("单个企业年度上限"),
                format!("{year} 年度"),
                "同企业",
            ),
            Room::Project(ProjectKey::Numbered(n)) => (
                words.unwrap_or("单个项目上限"),
                format!("项目 {n} 历年"),
                "同项目",
            ),
            Room::Project(ProjectKey::Row(..)) => (
                words.unwrap_or("单个项目上限"),
                "本行".to_string(),
                "同项目",
            ),
        };
        for i in members {
            // Shared caps work on rounded amounts so that rounding afterwards cannot push an
            // enterprise a cent past its cap (D4, D7).
            let Some(a) = amounts[i].map(round_yuan) else {
                continue;
            };
            if a < Decimal::ZERO {
                // A refund is money coming back for its own project: it neither uses the room
                // nor gives any back, so the other lines' cut cannot depend on where it sorts.
                extra[i].push(
                    StepKind::Cap,
                    &format!(
                        "封顶 {words}：退回 {} 不占用也不增加共享上限的额度（{who} {span}已计 {}）",
                        grouped2(a),
                        grouped2(used)
                    ),
                );
                continue;
            }
            let left = (cap - used).max(Decimal::ZERO);
            if a > left {
                extra[i].push_cut(
                    StepKind::Cap,
                    &format!(
                        "封顶 {words}（{span}共享上限 {}，{who}已计 {}，剩余 {}）：{} → {}",
                        grouped2(cap),
                        grouped2(used),
                        grouped2(left),
                        grouped2(a),
                        grouped2(left)
                    ),
                );
                amounts[i] = Some(left);
                used += left;
            } else {
                extra[i].push(
                    StepKind::Cap,
                    &format!(
                        "封顶 {words}：{who} {span}累计 {} ≤ {}，不调整",
                        grouped2(used + a),
                        grouped2(cap)
                    ),
                );
                used += a;
            }
        }
    }
}
