//! Lowering cap groups declared once (`[[cap_group]]`, 共享上限组), a rule naming one, and
//! count limits (限项). Resolving membership across policies is [`super::super::groups`]'s.

use super::super::groups::{CapGroup, CountLimit, GroupRef};
use super::super::syntax::{CapGroupSyntax, CapSyntax, LimitSyntax, ScopeSyntax, S};
use super::super::Cap;
use super::{at, cap_scope, off, Lower, R};
use crate::domain::fields::line_of;

impl Lower<'_> {
    /// `{ group = "…" }` alone: the rule joins a declared `[[cap_group]]`.
    pub(super) fn group_ref(&self, c: &S<CapSyntax>) -> R<GroupRef> {
        let cap = c.get_ref();
        match (&cap.group, cap.scope, &cap.words) {
            (Some(id), ScopeSyntax::Application, None) => Ok(GroupRef {
                id: id.clone(),
                line: line_of(self.text, off(c)),
            }),
            _ => Err(at(off(c), "a cap needs an `amount`; `{ group = \"…\" }` alone (no `scope`, no `words`) names a [[cap_group]]")),
        }
    }

    /// A `[[cap_group]]` declaration: its cap lowered as a rule's cap is; every refusal names
    /// the group, at the declaration's line (or the line of the amount it is about).
    pub fn cap_group(&self, g: &S<CapGroupSyntax>) -> R<CapGroup> {
        let (raw, o) = (g.get_ref(), off(g));
        let id = &raw.id;
        let named = |e: super::At| at(e.offset, format!("cap group `{id}`: {}", e.message));
        let cap = match (&raw.amount, raw.scope) {
            (Some(_), Some(ScopeSyntax::Application)) => {
                return Err(at(o, format!("cap group `{id}`: a group is shared, its `scope` is project, enterprise_year or enterprise")));
            }
            (Some(amount), Some(scope)) => Some(Cap {
                amount: self.cap_amount(amount).map_err(named)?,
                scope: cap_scope(scope, &Some(id.clone()), o, id).map_err(named)?,
                words: raw.words.clone(),
            }),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                return Err(at(o, format!("cap group `{id}`: `amount` and `scope` (project, enterprise_year or enterprise) go together")));
            }
        };
        if cap.is_none() && raw.limit.is_none() {
            return Err(at(
                o,
                format!(
                    "cap group `{id}` has neither `amount` nor `limit`: it would limit nothing"
                ),
            ));
        }
        if !raw.exclude.is_empty() && raw.policies.is_empty() {
            return Err(at(o, format!("cap group `{id}`: `exclude` leaves rules out of `policies`, and there are no `policies`")));
        }
        let limit = raw
            .limit
            .as_ref()
            .map(|l| limit(l, id, raw.words.as_ref()))
            .transpose()
            .map_err(|m| at(o, format!("cap group `{id}`: {m}")))?;
        Ok(CapGroup {
            id: id.clone(),
            cap,
            limit,
            policies: raw.policies.clone(),
            exclude: raw.exclude.clone(),
            line: line_of(self.text, o),
        })
    }
}

/// The checked limit over the lines of `group` (a rule's id or a cap group's), its words the
/// limit's own or else `words`.
pub(super) fn limit(
    l: &LimitSyntax,
    group: &str,
    words: Option<&String>,
) -> Result<CountLimit, String> {
    if l.most == 0 {
        return Err("a count limit of `most = 0` refuses every line; leave the rule out".into());
    }
    Ok(CountLimit {
        group: group.to_string(),
        most: l.most,
        per: l.per,
        keep: l.keep,
        words: l.words.clone().or_else(|| words.cloned()),
    })
}
