//! An installed `subsidy` carries its configuration: copied into an empty folder it writes a
//! sample batch and computes it; `--config` / `SUBSIDY_CONFIG` still replace the built-in
//! configuration, and the manifest records the same policy digests either way.

use std::path::Path;
use std::process::{Command, Output};

use crate::cli::{stderr, tmp};
use crate::common::{config, read_json};

/// The binary, copied alone into `dir` and run there, with no configuration in the environment.
fn installed(dir: &Path, args: &[&str]) -> Output {
    let bin = dir.join("subsidy");
    if !bin.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_subsidy"), &bin).unwrap();
    }
    Command::new(&bin)
        .args(args)
        .current_dir(dir)
        .env_remove("SUBSIDY_CONFIG")
        .output()
        .unwrap()
}

/// Policy path → SHA-256, as a manifest records them.
fn policy_digests(manifest: &Path) -> Vec<(String, String)> {
    let m = read_json(manifest);
    m["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_copied_binary_in_an_empty_folder_writes_a_sample_and_runs_it() {
    let dir = tmp("installed");
    let o = installed(&dir, &["sample", "--rows", "40", "--out", "batch.xlsx"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = installed(&dir, &["run", "--quiet", "--out", "out", "batch.xlsx"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    for f in [
        "ledger.xlsx",
        "payouts.csv",
        "exceptions.csv",
        "manifest.json",
    ] {
        assert!(dir.join("out").join(f).exists(), "{f} missing");
    }
    // The built-in policies are the project's config/ byte for byte: same paths, same digests.
    let recorded = policy_digests(&dir.join("out/manifest.json"));
    assert!(!recorded.is_empty());
    for (path, sha) in &recorded {
        let name = path
            .strip_prefix("config/")
            .unwrap_or_else(|| panic!("{path} is not named as config/ names it"));
        assert_eq!(
            sha,
            &subsidy::domain::digest::sha256_hex(&std::fs::read(config().join(name)).unwrap()),
            "{path}"
        );
    }
    let o = installed(&dir, &["rules"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("policies from built into subsidy "),
        "{text}"
    );
}

#[test]
fn a_config_folder_replaces_the_built_in_configuration() {
    let dir = tmp("installed-config");
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    for name in ["fields.json", "lpr.toml", "params.toml"] {
        std::fs::copy(config().join(name), mine.join(name)).unwrap();
    }
    std::fs::write(
        mine.join("only.toml"),
        "[policy]\nid = \"only\"\ntitle = \"仅此一份\"\npayer = \"盟市\"\n\n[[rule]]\nid = \"only-1\"\nclause = \"第1条\"\nexcerpt = \"定额1万元\"\nformula = { kind = \"fixed\", amount = \"1万\" }\n",
    )
    .unwrap();
    let o = installed(&dir, &["rules", "--config", "mine"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("policies from the folder mine\nonly 仅此一份"),
        "{text}"
    );
    assert!(
        !text.contains("hohhot-2022"),
        "the folder replaces the built-in policies: {text}"
    );
    let o = Command::new(dir.join("subsidy"))
        .args(["rules"])
        .current_dir(&dir)
        .env("SUBSIDY_CONFIG", "mine")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("policies from the folder mine\n"));
    // A folder without the vocabulary is refused, naming the file.
    let o = installed(&dir, &["rules", "--config", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .starts_with("subsidy: error: cannot read field vocabulary nowhere/fields.json: "),
        "{}",
        stderr(&o)
    );
}
