//! Every error variant's message has a test (rust_xlsxwriter's habit). The messages no other
//! test asserts are asserted here: produced through the command where a user meets them, else
//! through the library call that returns them, else — an internal error, or a failure of the
//! disk, of a thread or of a library that a test cannot cause — built directly and displayed.
//! [`every_error_variant_names_a_test_of_its_message`] keeps the list whole: it reads every
//! `#[error(...)]` variant of `src/` and fails for one that [`TESTED`] does not name, or names
//! with a test function that does not exist. A `transparent` variant shows the message of the
//! error it wraps, which has its own entry.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cli::{stderr, subsidy, tmp};
use crate::common::root;

/// Each error variant (`Enum::Variant`) with the file and function of a test that produces it
/// and asserts its message text.
const TESTED: &[(&str, &str, &str)] = &[
    ("HistoryError::MissingColumn", M, "history_messages"),
    ("HistoryError::BadValue", M, "history_messages"),
    (
        "HistoryError::NoProject",
        "tests/integration/payment.rs",
        "a_history_without_project_numbers_is_refused_for_a_settling_rule",
    ),
    (
        "FieldsError::Read",
        "tests/integration/installed.rs",
        "a_config_folder_replaces_the_built_in_configuration",
    ),
    ("FieldsError::Json", M, "field_vocabulary_messages"),
    ("FieldsError::UnknownType", M, "field_vocabulary_messages"),
    ("FieldsError::DuplicateKey", M, "field_vocabulary_messages"),
    ("FieldsError::Aliases", M, "field_vocabulary_messages"),
    (
        "FieldsError::AliasUnknownField",
        "src/domain/fields/tests.rs",
        "alias_errors_name_the_file",
    ),
    (
        "FieldsError::AmbiguousAlias",
        "src/domain/fields/tests.rs",
        "alias_errors_name_the_file",
    ),
    ("CliError::Output", M, "a_full_standard_output_is_an_error"),
    (
        "CliError::UnknownRule",
        "tests/integration/template.rs",
        "an_unknown_rule_is_refused",
    ),
    ("CliError::NothingToReconcile", M, "audit_messages"),
    ("RunError::RuleVanished", M, "messages_no_test_can_cause"),
    ("CompareError::Frame", M, "messages_no_test_can_cause"),
    ("CompareError::NotCents", M, "messages_no_test_can_cause"),
    (
        "RunError::ShardedBudget",
        M,
        "a_shared_budget_refuses_a_shard",
    ),
    ("RunError::Threads", M, "messages_no_test_can_cause"),
    ("VerifyError::MissingSheet", M, "audit_messages"),
    ("ReconcileError::PaymentColumns", M, "audit_messages"),
    ("ReconcileError::PaymentAmount", M, "audit_messages"),
    ("LedgerError::CreateDir", M, "messages_no_test_can_cause"),
    ("LedgerError::Write", M, "messages_no_test_can_cause"),
    ("LedgerError::Xlsx", M, "messages_no_test_can_cause"),
    ("LedgerError::Csv", M, "messages_no_test_can_cause"),
    (
        "PackageError::Malformed",
        "src/ledger/package/tests.rs",
        "a_part_a_source_lacks_is_named",
    ),
    (
        "PackageError::MissingPart",
        "src/ledger/package/tests.rs",
        "a_part_a_source_lacks_is_named",
    ),
    (
        "PackageError::Io",
        "src/ledger/package/tests.rs",
        "a_disk_that_fails_is_named",
    ),
    (
        "LedgerError::Locked",
        "tests/integration/faults.rs",
        "two_runs_cannot_write_one_folder_at_once",
    ),
    ("SampleError::Profile", M, "sample_profile_messages"),
    ("SampleError::Write", M, "messages_no_test_can_cause"),
    ("SampleError::UnknownField", M, "sample_profile_messages"),
    ("CoverageError::Read", M, "reference_table_messages"),
    ("CoverageError::Invalid", M, "reference_table_messages"),
    ("LprError::Read", M, "reference_table_messages"),
    ("LprError::Invalid", M, "reference_table_messages"),
    ("ParamsError::Read", M, "reference_table_messages"),
    ("ParamsError::Invalid", M, "reference_table_messages"),
    (
        "PolicyError::Read",
        "tests/integration/compare.rs",
        "compare_exits_2_on_a_missing_policy_and_writes_nothing",
    ),
    ("PolicyError::NoPolicies", M, "policy_set_messages"),
    ("PolicyError::Syntax", M, "policy_set_messages"),
    (
        "PolicyError::Rule",
        "tests/integration/cli.rs",
        "a_bad_policy_exits_2_writes_nothing_and_names_the_line",
    ),
    ("PolicyError::DuplicateRule", M, "policy_set_messages"),
    ("ColumnarError::Read", M, "messages_no_test_can_cause"),
    ("ColumnarError::RowGroup", M, "messages_no_test_can_cause"),
    ("ColumnarError::Write", M, "messages_no_test_can_cause"),
    (
        "CsvError::NulBytes",
        "src/ingest/csv/tests.rs",
        "undecodable_text_says_so",
    ),
    ("CsvError::Undecodable", M, "messages_no_test_can_cause"),
    (
        "CsvError::NoSeparator",
        "src/ingest/csv/tests.rs",
        "detects_comma_tab_semicolon_and_bar",
    ),
    (
        "IngestError::Io",
        "tests/integration/cli.rs",
        "a_missing_input_exits_2_with_the_path",
    ),
    (
        "IngestError::Unsupported",
        "src/ingest/tests.rs",
        "error_messages_say_what_to_do",
    ),
    (
        "IngestError::Encrypted",
        "src/ingest/tests.rs",
        "error_messages_say_what_to_do",
    ),
    ("IngestError::Open", M, "messages_no_test_can_cause"),
    (
        "IngestError::Sheet",
        "tests/integration/hostile.rs",
        "every_corpus_file_gives_its_exit_code_and_message_in_bounded_memory_and_time",
    ),
    ("IngestError::TooManyCells", LIMITS, LIMITS_TEST),
    (
        "IngestError::NoInputs",
        "src/ingest/folder/tests.rs",
        "a_folder_without_inputs_is_an_error_and_named_files_are_kept",
    ),
    ("IngestError::TooLarge", LIMITS, LIMITS_TEST),
    ("IngestError::Damaged", LIMITS, LIMITS_TEST),
    ("IngestError::TooManyParts", LIMITS, LIMITS_TEST),
    ("IngestError::Unpacked", LIMITS, LIMITS_TEST),
    ("IngestError::Ratio", LIMITS, LIMITS_TEST),
    ("IngestError::ReadBudget", LIMITS, LIMITS_TEST),
    ("IngestError::SharedStrings", LIMITS, LIMITS_TEST),
    ("IngestError::PartTooLarge", LIMITS, LIMITS_TEST),
    ("IngestError::DenseRange", LIMITS, LIMITS_TEST),
    ("IngestError::TooMuchText", LIMITS, LIMITS_TEST),
    (
        "IngestError::DuplicatePart",
        "tests/integration/hostile.rs",
        "every_corpus_file_gives_its_exit_code_and_message_in_bounded_memory_and_time",
    ),
    (
        "IngestError::Csv",
        "src/ingest/csv/tests.rs",
        "undecodable_text_says_so",
    ),
    ("IngestError::Panicked", LIMITS, LIMITS_TEST),
];

const M: &str = "tests/integration/messages.rs";
const LIMITS: &str = "src/ingest/tests.rs";
const LIMITS_TEST: &str = "every_limit_message_names_the_file_and_the_limit";

/// Every `#[error(...)]` variant of the enums in `src/`, as `Enum::Variant`, and whether its
/// message is `transparent` (the wrapped error's).
fn error_variants() -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for path in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let mut enum_name = None::<String>;
        let mut message = None::<bool>;
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line
                .strip_prefix("pub enum ")
                .or_else(|| line.strip_prefix("pub(crate) enum "))
                .or_else(|| line.strip_prefix("enum "))
            {
                enum_name = rest.split([' ', '{', '<']).next().map(str::to_string);
                message = None;
            } else if let Some(rest) = line.strip_prefix("#[error(") {
                message = Some(rest.starts_with("transparent"));
            } else if let (Some(transparent), Some(e)) = (message, &enum_name) {
                if line.starts_with("#[") || line.is_empty() || line.starts_with("//") {
                    continue;
                }
                let variant: String = line
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    !variant.is_empty(),
                    "{path:?}: no variant after an #[error] line: {line}"
                );
                out.push((format!("{e}::{variant}"), transparent));
                message = None;
            }
        }
    }
    out.sort();
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_error_variant_names_a_test_of_its_message() {
    let variants = error_variants();
    assert!(
        variants.len() > 50,
        "the scan of src/ found only {} error variants: {variants:?}",
        variants.len()
    );
    let named = |v: &str| TESTED.iter().any(|(t, _, _)| *t == v);
    let untested: Vec<&String> = variants
        .iter()
        .filter(|(v, transparent)| !transparent && !named(v))
        .map(|(v, _)| v)
        .collect();
    assert!(
        untested.is_empty(),
        "error variants whose message no test asserts (add a test and list it in TESTED in \
         tests/integration/messages.rs): {untested:?}"
    );
    for (variant, file, test) in TESTED {
        assert!(
            variants.iter().any(|(v, t)| v == variant && !t),
            "TESTED lists {variant}, which is not a variant with its own message in src/"
        );
        let text = std::fs::read_to_string(root().join(file))
            .unwrap_or_else(|e| panic!("{file} (listed for {variant}): {e}"));
        assert!(
            text.contains(&format!("fn {test}()")),
            "{file} has no test `{test}` (listed for {variant})"
        );
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// Messages of the auditor's commands: verify on a file that is no ledger, reconcile with
/// nothing to reconcile, payment lists without the columns or with a bad amount.
#[test]
fn audit_messages() {
    let dir = tmp("messages-audit");
    let o = subsidy(&["verify", "samples/applications-2023.xlsx"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "samples/applications-2023.xlsx: not a subsidy ledger: sheet 汇总 is missing"
        ),
        "{}",
        stderr(&o)
    );
    let o = subsidy(&["reconcile", "tests/golden/paid/input.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reconcile needs INPUT files to recompute, --payments, or both"),
        "{}",
        stderr(&o)
    );
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--policy",
        "tests/golden/policy.toml",
        "--out",
        s(&out),
        "tests/golden/paid/input.csv",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ledger = out.join("ledger.xlsx");
    let payments = dir.join("支付清单.csv");
    let reconcile = |list: &str| {
        std::fs::write(&payments, list).unwrap();
        let o = subsidy(&[
            "reconcile",
            s(&ledger),
            "--payments",
            s(&payments),
            "--out",
            s(&dir.join("reconcile")),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        stderr(&o)
    };
    let e = reconcile("户名,款项\n甲,1\n");
    assert!(
        e.contains(&format!(
            "{}: payment list needs columns 统一社会信用代码 and 金额 (户名 optional); found: 户名、款项",
            payments.display()
        )),
        "{e}"
    );
    let e = reconcile("统一社会信用代码,金额\n91150001791ATGBQML,约九十万\n");
    assert!(
        e.contains(&format!(
            "{} row 2: 金额 “约九十万” is not an amount",
            payments.display()
        )),
        "{e}"
    );
}

/// A payout history without a column the join needs, or with a value that is not one.
#[test]
fn history_messages() {
    let dir = tmp("messages-history");
    let run_with = |history: &str| {
        let path = dir.join("history.csv");
        std::fs::write(&path, history).unwrap();
        let o = subsidy(&[
            "run",
            "--policy",
            "tests/golden/policy.toml",
            "--history",
            s(&path),
            "--out",
            s(&dir.join("out")),
            "tests/golden/paid/input.csv",
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        (path, stderr(&o))
    };
    let (path, e) = run_with("统一社会信用代码,金额（元）\n91150001791ATGBQML,1\n");
    assert!(
        e.contains(&format!(
            "{}: not a payout history: no column rule_id (expected a payouts.csv or a ledger.xlsx 发放明细 sheet)",
            path.display()
        )),
        "{e}"
    );
    let (path, e) = run_with(
        "credit_code,rule_id,application_year,award\n91150001791ATGBQML,golden-investment,2022,一百万\n",
    );
    assert!(
        e.contains(&format!(
            "{} row 2: award “一百万” is not an amount",
            path.display()
        )),
        "{e}"
    );
}

/// A field vocabulary that is not JSON, names an unknown type or a key twice; aliases that
/// are not TOML.
#[test]
fn field_vocabulary_messages() {
    use subsidy::domain::fields::Vocabulary;
    let path = Path::new("cfg/fields.json");
    let field = |key: &str, ty: &str| {
        format!(
            r#"{{"key": "{key}", "header_zh": "{key}", "type": "{ty}", "unit": null, "meaning": "", "source": "form"}}"#
        )
    };
    let e = Vocabulary::from_json("[{", path).unwrap_err().to_string();
    assert!(
        e.starts_with("field vocabulary cfg/fields.json is not valid JSON: "),
        "{e}"
    );
    let e = Vocabulary::from_json(&format!("[{}]", field("a", "colour")), path)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "field vocabulary cfg/fields.json: field `a` has unknown type `colour`"
    );
    let e = Vocabulary::from_json(
        &format!("[{}, {}]", field("a", "text"), field("a", "text")),
        path,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "field vocabulary cfg/fields.json: key `a` appears twice");
    let config = tmp("messages-aliases");
    std::fs::copy(
        crate::common::config().join("fields.json"),
        config.join("fields.json"),
    )
    .unwrap();
    std::fs::write(config.join("aliases.toml"), "[aliases\n").unwrap();
    let e = Vocabulary::load(&config).unwrap_err().to_string();
    let start = format!("aliases {} line 1: ", config.join("aliases.toml").display());
    assert!(e.starts_with(&start), "{e}");
}

/// The LPR series, the reference parameters and the coverage table: a file that cannot be
/// read (here a folder in its place) and one that is not what it should be.
#[test]
fn reference_table_messages() {
    use subsidy::rules::coverage::Coverage;
    use subsidy::rules::lpr::LprTable;
    use subsidy::rules::params::Params;
    let dir = tmp("messages-tables");
    for name in ["lpr.toml", "coverage.toml"] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
    }
    let cannot = |e: String, what: &str, name: &str| {
        let start = format!("cannot read {what} {}: ", dir.join(name).display());
        assert!(e.starts_with(&start), "{e}");
    };
    cannot(
        LprTable::load(&dir).unwrap_err().to_string(),
        "LPR table",
        "lpr.toml",
    );
    // A folder that is not there: its listing fails before any params*.toml is read.
    let nowhere = dir.join("nowhere");
    let e = Params::load(&nowhere).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("cannot read parameters {}", nowhere.display())),
        "{e}"
    );
    cannot(
        Coverage::load(&dir).unwrap_err().to_string(),
        "coverage",
        "coverage.toml",
    );
    let bad = "\n\nno equals sign\n";
    let e = LprTable::parse(bad, Path::new("cfg/lpr.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cfg/lpr.toml:3: "), "{e}");
    let e = Params::parse(bad, Path::new("cfg/params.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cfg/params.toml:3: "), "{e}");
    let config = tmp("messages-coverage");
    std::fs::write(config.join("coverage.toml"), bad).unwrap();
    let e = Coverage::load(&config).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}:3: ", config.join("coverage.toml").display())),
        "{e}"
    );
}

/// A folder without policies; a policy that is not TOML; two policies defining one rule.
#[test]
fn policy_set_messages() {
    let dir = tmp("messages-policies");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run_with = |policy: &Path| {
        let o = subsidy(&[
            "run",
            "--policy",
            s(policy),
            "--out",
            s(&dir.join("out")),
            "tests/golden/paid/input.csv",
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        stderr(&o)
    };
    let e = run_with(&empty);
    assert!(
        e.contains(&format!("no policy files (*.toml) in {}", empty.display())),
        "{e}"
    );
    let broken = dir.join("broken.toml");
    std::fs::write(&broken, "[policy]\nid = \"x\"\n\ntitle = \n").unwrap();
    let e = run_with(&broken);
    assert!(e.contains(&format!("{}:4: ", broken.display())), "{e}");
    let twice = dir.join("twice");
    std::fs::create_dir_all(&twice).unwrap();
    let golden = std::fs::read_to_string(root().join("tests/golden/policy.toml")).unwrap();
    std::fs::write(twice.join("a.toml"), &golden).unwrap();
    std::fs::write(
        twice.join("b.toml"),
        golden.replace("id = \"golden\"", "id = \"golden-b\""),
    )
    .unwrap();
    let e = run_with(&twice);
    assert!(
        e.contains(&format!(
            "{}:10: rule `golden-investment` is already defined in {}",
            twice.join("b.toml").display(),
            twice.join("a.toml").display()
        )),
        "{e}"
    );
}

/// A sample profile that is not JSON, and one naming a field the vocabulary lacks.
#[test]
fn sample_profile_messages() {
    let dir = tmp("messages-sample");
    let sample = |profile: &str| {
        let path = dir.join("profile.json");
        std::fs::write(&path, profile).unwrap();
        let o = subsidy(&[
            "sample",
            "--rows",
            "3",
            "--profile",
            s(&path),
            "--out",
            s(&dir.join("batch.csv")),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        (path, stderr(&o))
    };
    let (path, e) = sample("{");
    assert!(
        e.contains(&format!("cannot read sample profile {}: ", path.display())),
        "{e}"
    );
    let (_, e) = sample(r#"{"rules": {"golden-investment": [{"no_such_field": 1}]}}"#);
    assert!(
        e.contains("sample profile names unknown field `no_such_field`"),
        "{e}"
    );
}

/// A run under `--shard` of a rule that draws on a programme budget every enterprise shares.
#[test]
fn a_shared_budget_refuses_a_shard() {
    let dir = tmp("messages-shard");
    let policy = dir.join("budget.toml");
    let golden = std::fs::read_to_string(root().join("tests/golden/policy.toml")).unwrap();
    std::fs::write(
        &policy,
        golden.replace(
            "[[rule]]\n",
            "[[budget]]\nid = \"fund\"\namount = \"100万\"\nmethod = \"pro_rata\"\n\n[[rule]]\nbudget = \"fund\"\n",
        ),
    )
    .unwrap();
    let o = subsidy(&[
        "run",
        "--policy",
        s(&policy),
        "--shard",
        "0/2",
        "--out",
        s(&dir.join("out")),
        "tests/golden/paid/input.csv",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "rule `golden-investment` draws on the programme budget `fund`, which every \
             enterprise of the batch shares; part 0/2 alone cannot settle it: run the batch \
             whole (without --shard)"
        ),
        "{}",
        stderr(&o)
    );
}

/// Standard output that cannot be written (a full disk) is an error, not a panic.
#[test]
fn a_full_standard_output_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not Linux: no device that is always full
    };
    let o = Command::new(env!("CARGO_BIN_EXE_subsidy"))
        .arg("rules")
        .current_dir(root())
        .stdout(Stdio::from(full))
        .output()
        .expect("subsidy runs");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write to standard output: "),
        "{}",
        stderr(&o)
    );
}

/// Messages of failures a test cannot cause (an internal error, the disk, a thread, a
/// library refusing what it was given), built directly.
#[test]
fn messages_no_test_can_cause() {
    use subsidy::ingest::parquet::ColumnarError;
    use subsidy::ingest::{CsvError, IngestError};
    use subsidy::ledger::LedgerError;
    use subsidy::pipeline::RunError;
    use subsidy::sample::SampleError;
    let p = || PathBuf::from("out/ledger.xlsx");
    let io = || std::io::Error::other("disk full");
    let cases: Vec<(Box<dyn std::error::Error>, &str)> = vec![
        (
            Box::new(RunError::RuleVanished { rule: "r-1".into() }),
            "internal error: rule `r-1` of a normalised row is not loaded; please report this",
        ),
        (
            Box::new(subsidy::compare::CompareError::Frame {
                stage: "join",
                message: "lengths differ".into(),
            }),
            "internal error in the compare frames (join): lengths differ; please report this",
        ),
        (
            Box::new(subsidy::compare::CompareError::NotCents {
                column: "award".into(),
                value: "1.005".into(),
                application_id: "HH-1".into(),
            }),
            "internal error: award of application HH-1 is 1.005, not whole 分; please report this",
        ),
        (
            Box::new(RunError::Threads {
                threads: 4,
                message: "no memory".into(),
            }),
            "cannot start 4 worker threads: no memory",
        ),
        (
            Box::new(LedgerError::CreateDir {
                path: "out".into(),
                source: io(),
            }),
            "cannot create output folder out: disk full",
        ),
        (
            Box::new(LedgerError::Write {
                path: p(),
                source: io(),
            }),
            "cannot write out/ledger.xlsx: disk full",
        ),
        (
            Box::new(LedgerError::Xlsx(
                rust_xlsxwriter::XlsxError::RowColumnLimitError,
            )),
            "cannot build ledger.xlsx: Row or column exceeds Excel's allowed limits (1,048,576 x 16,384).",
        ),
        (
            Box::new(LedgerError::Csv {
                file: "payouts.csv",
                message: "disk full".into(),
            }),
            "cannot build payouts.csv: disk full",
        ),
        (
            Box::new(SampleError::Write {
                path: "batch.xlsx".into(),
                message: "disk full".into(),
            }),
            "cannot write batch.xlsx: disk full",
        ),
        (
            Box::new(ColumnarError::Read {
                path: "a.parquet".into(),
                message: "bad magic".into(),
            }),
            "a.parquet: cannot read as Parquet: bad magic",
        ),
        (
            Box::new(ColumnarError::RowGroup {
                path: "a.parquet".into(),
                group: 3,
                bytes: 300,
                limit: 200,
            }),
            "a.parquet: row group 3 unpacks to 300 bytes, more than the limit of 200; write the file with smaller row groups",
        ),
        (
            Box::new(ColumnarError::Write {
                path: "payouts.parquet".into(),
                message: "disk full".into(),
            }),
            "payouts.parquet: cannot write Parquet: disk full",
        ),
        (
            Box::new(CsvError::Undecodable { bad: 40, lines: 41 }),
            "the text cannot be decoded as UTF-8, UTF-16 or GBK (40 of 41 lines hold undecodable bytes); save it from Excel/WPS as “CSV UTF-8（逗号分隔）”",
        ),
        (
            Box::new(IngestError::Open {
                path: "a.xlsx".into(),
                message: "invalid zip".into(),
            }),
            "a.xlsx: cannot open workbook: invalid zip",
        ),
    ];
    for (e, text) in cases {
        assert_eq!(e.to_string(), text);
    }
}
