//! Fuzzes date text: never a panic, and a date is only ever read with a four-digit year.
#![no_main]

use chrono::Datelike;
use libfuzzer_sys::fuzz_target;
use subsidy::fuzz::fuzz_date;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(d) = fuzz_date(text) {
            assert!((1000..=9999).contains(&d.year()), "{text:?} read as {d}");
        }
    }
});
