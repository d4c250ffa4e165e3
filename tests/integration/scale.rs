//! Batches beyond a workbook: Parquet in and out, and a batch split by enterprise (--shard)
//! giving the same lines as the batch run whole.

use std::collections::BTreeSet;
use std::path::Path;

use subsidy::ingest::parquet::{visit_parquet, CellVisitor};
use subsidy::ingest::RawCell;
use subsidy::normalise::Shard;

use crate::cli::{stderr, subsidy, tmp};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The data rows of a payouts.csv.
fn payout_rows(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("payouts.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// A sample batch of the shipped profile, written in the given format.
fn sample(dir: &Path, name: &str, rows: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let o = subsidy(&["sample", "--rows", rows, "--seed", "7", "--out", s(&path)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    path
}

#[test]
fn a_parquet_batch_computes_as_the_same_batch_in_a_workbook() {
    let dir = tmp("parquet-in");
    let (xlsx, parquet) = (
        sample(&dir, "b.xlsx", "400"),
        sample(&dir, "b.parquet", "400"),
    );
    let (a, b) = (dir.join("a"), dir.join("b"));
    for (input, out) in [(&xlsx, &a), (&parquet, &b)] {
        let o = subsidy(&["run", "--quiet", "--out", s(out), s(input)]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    }
    let rows = payout_rows(&a);
    assert!(rows.len() > 300, "{}", rows.len());
    assert_eq!(rows, payout_rows(&b));
    // Exceptions name the Parquet file, its columns and rows like a sheet's.
    let exceptions = std::fs::read_to_string(b.join("exceptions.csv")).unwrap();
    assert!(
        exceptions
            .lines()
            .skip(1)
            .all(|l| l.contains("b.parquet,Parquet,")),
        "{exceptions}"
    );
}

#[test]
fn payouts_parquet_holds_the_rows_of_payouts_csv_with_exact_amounts() {
    let dir = tmp("parquet-out");
    let input = sample(&dir, "b.xlsx", "300");
    let out = dir.join("out");
    let o = subsidy(&["run", "--quiet", "--parquet", "--out", s(&out), s(&input)]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let mut table = Table::default();
    visit_parquet(&out.join("payouts.parquet"), u64::MAX, &mut table)
        .unwrap()
        .unwrap();
    let rows = table.rows;
    let mut csv = csv::Reader::from_path(out.join("payouts.csv")).unwrap();
    let expected: Vec<Vec<String>> = csv
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), expected.len());
    assert_eq!(rows, expected);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"path\": \"payouts.parquet\""),
        "{manifest}"
    );
}

#[test]
fn the_parts_of_a_sharded_batch_add_up_to_the_whole_batch() {
    let dir = tmp("shards");
    // A Parquet part skips other parts' rows before decoding them; a CSV part as they are read.
    for name in ["b.csv", "b.parquet"] {
        let input = sample(&dir, name, "600");
        // The shipped policies include programme budgets, which a part cannot settle alone; the
        // Hohhot document has none.
        let policy = crate::common::config().join("hohhot-2022.toml");
        let whole = dir.join(format!("{name}-whole"));
        let o = subsidy(&[
            "run",
            "--quiet",
            "--policy",
            s(&policy),
            "--out",
            s(&whole),
            s(&input),
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        let mut parts = Vec::new();
        let mut exceptions = 0;
        for k in 0..3 {
            let out = dir.join(format!("{name}-part-{k}"));
            let o = subsidy(&[
                "run",
                "--quiet",
                "--policy",
                s(&policy),
                "--shard",
                &format!("{k}/3"),
                "--out",
                s(&out),
                s(&input),
            ]);
            assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
            let rows = payout_rows(&out);
            assert!(!rows.is_empty(), "{name}: part {k} is empty");
            parts.extend(rows);
            exceptions += std::fs::read_to_string(out.join("exceptions.csv"))
                .unwrap()
                .lines()
                .count()
                - 1;
        }
        let all: BTreeSet<String> = payout_rows(&whole).into_iter().collect();
        assert_eq!(
            parts.len(),
            all.len(),
            "{name}: a line is in two parts or none"
        );
        assert_eq!(parts.into_iter().collect::<BTreeSet<_>>(), all);
        assert_eq!(
            exceptions,
            std::fs::read_to_string(whole.join("exceptions.csv"))
                .unwrap()
                .lines()
                .count()
                - 1,
            "{name}"
        );
    }
}

#[test]
fn a_part_is_named_k_of_n_and_an_enterprise_is_always_in_the_same_part() {
    assert_eq!(
        "3/16".parse::<Shard>(),
        Ok(Shard {
            index: 3,
            count: 16
        })
    );
    for bad in ["16/16", "1/0", "a/2", "3"] {
        let e = bad.parse::<Shard>().unwrap_err();
        assert_eq!(
            e,
            format!("“{bad}” is not a part K/N with 0 ≤ K < N (e.g. 3/16)")
        );
    }
    let code = "91350100M000100Y43";
    // Pinned, not compared with itself: FNV-1a 64 of the code's bytes, mod 16 (computed apart).
    assert_eq!(Shard::of(code, 16), 6);
    // FNV-1a 64, so that another system can split a batch the same way.
    assert_eq!(
        Shard::of("", 1_000_000_007),
        (0xcbf2_9ce4_8422_2325u64 % 1_000_000_007) as u32
    );
}

#[test]
fn a_shard_refuses_a_programme_budget_it_cannot_settle_alone() {
    let dir = tmp("shard-budget");
    let policy = dir.join("budget.toml");
    std::fs::write(
        &policy,
        "[policy]\nid = \"b\"\ntitle = \"b\"\npayer = \"盟市\"\n\n[[budget]]\nid = \"pool\"\namount = \"100.00\"\nmethod = \"pro_rata\"\n\n[[rule]]\nid = \"hohhot-2022-13-investment-award\"\nclause = \"c\"\nexcerpt = \"e\"\nbudget = \"pool\"\nformula = { kind = \"fixed\", amount = \"60.00\" }\n",
    )
    .unwrap();
    let input = dir.join("in.csv");
    std::fs::write(&input, "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号\nA1,91350100M000100Y43,某公司,新城区,2023,hohhot-2022-13-investment-award\n").unwrap();
    let out = dir.join("out");
    let o = subsidy(&[
        "run",
        "--policy",
        s(&policy),
        "--shard",
        "0/1",
        "--out",
        s(&out),
        s(&input),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "one part of one is the whole batch: {}",
        stderr(&o)
    );
    let part = if Shard::of("91350100M000100Y43", 2) == 0 {
        "0/2"
    } else {
        "1/2"
    };
    let o = subsidy(&[
        "run",
        "--policy",
        s(&policy),
        "--shard",
        part,
        "--out",
        s(&out),
        s(&input),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("rule `hohhot-2022-13-investment-award` draws on the programme budget `pool`, which every enterprise of the batch shares; part {part} alone cannot settle it")),
        "{}",
        stderr(&o)
    );
}

/// A Parquet file's data rows as texts (money with its 2 decimals), 16 columns.
#[derive(Default)]
struct Table {
    rows: Vec<Vec<String>>,
}

impl CellVisitor for Table {
    type Stop = ();

    fn cell(&mut self, row: u32, col: u32, cell: RawCell) -> Result<(), ()> {
        if row == 0 {
            return Ok(());
        }
        let r = row as usize - 1;
        if self.rows.len() <= r {
            self.rows.resize(r + 1, vec![String::new(); 16]);
        }
        self.rows[r][col as usize] = match cell {
            RawCell::Num(d) => format!("{d:.2}"),
            other => other.show(),
        };
        Ok(())
    }

    fn skip_column(&self) -> Option<u32> {
        None
    }

    fn keeps(&self, _: Option<&str>) -> bool {
        true
    }
}

/// `--part K/N` (the Spark job in cluster/): the input already is one part, so every row is kept
/// (a part's rows need not hash to K: rows sharing a 申报编号 travel with its first occurrence),
/// and a programme budget is still refused with the --shard message.
#[test]
fn a_presplit_part_keeps_every_row_and_still_refuses_a_budget() {
    let dir = tmp("presplit");
    let input = sample(&dir, "b.csv", "300");
    let policy = crate::common::config().join("hohhot-2022.toml");
    let whole = dir.join("whole");
    let o = subsidy(&[
        "run",
        "--quiet",
        "--policy",
        s(&policy),
        "--out",
        s(&whole),
        s(&input),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let part = dir.join("part");
    let o = subsidy(&[
        "run",
        "--quiet",
        "--policy",
        s(&policy),
        "--part",
        "2/3",
        "--out",
        s(&part),
        s(&input),
    ]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    assert_eq!(
        payout_rows(&part),
        payout_rows(&whole),
        "a presplit part keeps every row"
    );
    let o = subsidy(&[
        "run",
        "--quiet",
        "--shard",
        "0/3",
        "--part",
        "2/3",
        "--out",
        s(&part),
        s(&input),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--part and --shard are one or the other"
    );

    let policy = dir.join("budget.toml");
    std::fs::write(
        &policy,
        "[policy]\nid = \"b\"\ntitle = \"b\"\npayer = \"盟市\"\n\n[[budget]]\nid = \"pool\"\namount = \"100.00\"\nmethod = \"pro_rata\"\n\n[[rule]]\nid = \"hohhot-2022-13-investment-award\"\nclause = \"c\"\nexcerpt = \"e\"\nbudget = \"pool\"\nformula = { kind = \"fixed\", amount = \"60.00\" }\n",
    )
    .unwrap();
    let input = dir.join("in.csv");
    std::fs::write(&input, "申报编号,统一社会信用代码,企业名称,所属旗县区,申报年度,申报条款编号\nA1,91350100M000100Y43,某公司,新城区,2023,hohhot-2022-13-investment-award\n").unwrap();
    let o = subsidy(&[
        "run",
        "--policy",
        s(&policy),
        "--part",
        "0/2",
        "--out",
        s(&dir.join("b")),
        s(&input),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("draws on the programme budget `pool`, which every enterprise of the batch shares; part 0/2 alone cannot settle it"), "{}", stderr(&o));
}
