//! `subsidy`: enterprise subsidy payouts (奖补资金) from application workbooks to an audited
//! ledger. The modules are layered, each importing only from those below it (bottom → top):
//! [`domain`] (money, values, field vocabulary, digests, configuration source, exit status),
//! [`rules`] loads policy files, [`ingest`] reads workbooks, [`normalise`] builds the typed
//! rows, [`engine`] computes every line, [`history`] reads earlier ledgers for it, [`ledger`]
//! writes the outputs, [`audit`] checks them, [`sample`] generates test batches, [`pipeline`]
//! ties one run together, [`compare`] runs two policy sets side by side, and [`cli`] turns the
//! command line into settings. `tests/integration/layers.rs` keeps the order true. Modules the
//! binary, the integration tests and the fuzz targets do not use are `pub(crate)`.

pub mod domain;

pub mod rules;

pub mod ingest;

pub mod normalise;

#[cfg(feature = "fuzzing")]
pub mod fuzz;

pub mod engine;

pub(crate) mod history;

pub mod ledger;

pub(crate) mod audit;

pub mod sample;

pub mod pipeline;

pub mod compare;

pub mod cli;
