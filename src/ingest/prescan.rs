//! Pre-scans (预检): per format, what calamine would reserve or build when it opens a file,
//! predicted from the bytes and refused past the [`super::Limits`] before calamine runs.

pub(super) mod biff;
pub(super) mod ods;
pub(super) mod xlsb;
pub(super) mod xlsb_records;
pub(super) mod xml;
