//! The one integration-test binary: catalogue examples as data, policy loading, the CLI and
//! golden ledgers.

mod audit;
mod batch;
mod catalogue;
mod classes;
mod cli;
mod common;
mod compare;
mod dates;
mod faults;
mod golden;
mod history;
mod hostile;
mod installed;
mod instalments;
mod layers;
mod ledger;
mod long_text;
mod messages;
mod model;
mod no_negative;
mod parameters;
mod payment;
mod percent;
mod policy_errors;
mod projects;
mod properties;
mod province;
mod readers;
mod reasons;
mod review;
mod reviewed;
mod rules_shown;
mod scale;
mod template;
mod years;
