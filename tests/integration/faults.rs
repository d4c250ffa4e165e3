//! Faults: a run killed at any moment leaves the previous complete outputs or the new ones;
//! two runs cannot write the same output folder at once; a re-run gives the same bytes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::cli::{run_into, stderr, subsidy, tmp};
use crate::common::root;

/// The outputs in `out` are one complete set: every file the manifest names has its digest.
fn complete(out: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(out.join("manifest.json")) else {
        return false;
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).expect("a manifest in place is whole");
    manifest["outputs"].as_array().unwrap().iter().all(|o| {
        let bytes = std::fs::read(out.join(o["path"].as_str().unwrap())).unwrap_or_default();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        hex == o["sha256"].as_str().unwrap()
    })
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_or_the_new_ones() {
    let dir = tmp("kill");
    let input = dir.join("big.csv");
    let o = subsidy(&[
        "sample",
        "--rows",
        "3000",
        "--seed",
        "5",
        "--out",
        input.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.join("out");
    let o = run_into(&out, &input);
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let baseline = std::fs::read(out.join("ledger.xlsx")).unwrap();
    for delay_ms in [0u64, 5, 15, 30, 60, 100, 150] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_subsidy"))
            .args([
                "run",
                "--quiet",
                "--out",
                out.to_str().unwrap(),
                input.to_str().unwrap(),
            ])
            .current_dir(root())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            complete(&out),
            "after a kill at {delay_ms} ms the outputs are not one complete set"
        );
    }
    let o = run_into(&out, &input);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(
        std::fs::read(out.join("ledger.xlsx")).unwrap() == baseline,
        "a re-run after kills gives other bytes"
    );
}

#[test]
fn two_runs_cannot_write_one_folder_at_once() {
    let dir = tmp("lock");
    let out = dir.join("out");
    let _held = subsidy::ledger::OutputLock::take(&out).unwrap();
    let o = subsidy(&["run", "--out", out.to_str().unwrap(), "samples/"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("another run is writing to"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_folder_with_other_files_is_never_replaced_wholesale() {
    let dir = tmp("foreign");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("说明.txt"), "keep me").unwrap();
    let o = subsidy(&["run", "--out", out.to_str().unwrap(), "samples/"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("说明.txt")).unwrap(),
        "keep me"
    );
    assert!(complete(&out));
}

/// Inputs the fuzzers found (fuzz/README.md): each ends as an error naming the file, the xlsb
/// one as a damaged part (it panicked inside calamine before the pre-read ran first: a part
/// whose CRC fails was skipped by the pre-check and read by calamine record by record); the
/// xls one — a BoundSheet8 record shorter than calamine indexes — by the per-file net.
#[test]
fn inputs_the_fuzzers_found_end_as_errors_naming_the_file() {
    let dir = tmp("fuzz-found");
    let found = crate::common::root().join("tests/fuzz-found");
    for (file, says) in [
        (
            "xlsb_workbook_bad_crc.xlsb",
            "part `xl/workbook.bin` cannot be unpacked",
        ),
        ("xls_short_boundsheet.xls", "the reader failed on this file"),
    ] {
        let o = run_into(&dir.join(file), &found.join(file));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(file) && err.contains(says), "{file}: {err}");
    }
}
