//! `subsidy`: enterprise subsidy payouts (奖补资金) from application workbooks to an audited
//! ledger. The modules follow the pipeline's stages: [`ingest`] reads workbooks, [`normalise`]
//! builds the typed frame, [`rules`] loads policy files, [`engine`] computes every line,
//! [`ledger`] writes the outputs; [`run`] ties them together for the command line.

pub mod audit;
pub mod cli;
pub mod compare;
pub mod config;
pub mod digest;
pub mod engine;
pub mod exit;
pub mod fields;
pub mod history;
pub mod ingest;
pub mod ledger;
pub mod money;
pub mod normalise;
pub mod rules;
pub mod run;
pub mod value;
