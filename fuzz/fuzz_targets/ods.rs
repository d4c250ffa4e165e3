//! Fuzzes reading bytes as a .ods input: every refusal is an error with a message, never a
//! panic, a hang or unbounded memory.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use subsidy::domain::fields::Vocabulary;
use subsidy::fuzz::{fuzz_read, FuzzFormat};

fn vocab() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| Vocabulary::from_json(include_str!("../../config/fields.json"), "fields.json".as_ref()).expect("config/fields.json"))
}

fuzz_target!(|data: &[u8]| {
    let _ = fuzz_read(FuzzFormat::Ods, data, vocab());
});
