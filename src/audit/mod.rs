//! The auditor's tools (审计): `verify` (find every edit to a ledger's figures, by the check
//! codes of [`crate::ledger::check_code`]), `reconcile` (recompute and classify every
//! difference) and payment-list reconciliation, and writing a reconciliation out.

pub mod reconcile;
pub mod verify;
