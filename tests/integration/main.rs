//! The one integration-test binary: catalogue examples as data, policy loading, the CLI and
//! golden ledgers.

mod audit;
mod batch;
mod catalogue;
mod cli;
mod common;
mod compare;
mod faults;
mod history;
mod hostile;
mod ledger;
mod policy_errors;
mod properties;
mod scale;
mod template;
