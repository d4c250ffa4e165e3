//! Unit tests of the sample generator.
//! The streaming generator against the table-building generator it replaced.
use super::*;

/// The earlier generator: the whole table in memory, then faults, then CSV text.
fn reference_csv(profile: &Path, vocab: &Vocabulary, rows: usize, seed: u64, year: u32) -> Vec<u8> {
    let profile: Profile =
        serde_json::from_str(&std::fs::read_to_string(profile).unwrap()).unwrap();
    let shapes: Vec<(&String, &BTreeMap<String, serde_json::Value>)> = profile
        .rules
        .iter()
        .flat_map(|(id, list)| list.iter().map(move |s| (id, s)))
        .collect();
    let fields: BTreeSet<&str> = shapes
        .iter()
        .flat_map(|(_, s)| s.keys().map(|k| k.as_str()))
        .collect();
    let identity = crate::normalise::IDENTITY;
    let mut columns: Vec<&str> = identity.to_vec();
    columns.extend(fields.iter().copied().filter(|f| !identity.contains(f)));
    let mut rng = Rng(seed);
    let mut enterprises: Vec<(String, String, &str)> = Vec::new();
    for _ in 0..(rows / 3).max(1) {
        let name = format!(
            "呼和浩特市{}{}有限公司",
            NAMES[rng.below(NAMES.len())],
            TRADES[rng.below(TRADES.len())]
        );
        enterprises.push((
            credit_code(&mut rng),
            name,
            REGIONS[rng.below(REGIONS.len())],
        ));
    }
    let mut table: Vec<Vec<String>> = Vec::new();
    for i in 0..rows {
        let (rule, shape) = shapes[rng.below(shapes.len())];
        let (code, name, region) = enterprises[rng.below(enterprises.len())].clone();
        let mut row = vec![
            format!("HH{year}-{:05}", i + 1),
            code,
            name,
            region.to_string(),
            year.to_string(),
            rule.clone(),
        ];
        for k in &columns[identity.len()..] {
            let cell = match shape.get(*k) {
                None => String::new(),
                Some(serde_json::Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
                Some(serde_json::Value::String(s)) => {
                    let ty = vocab.get(vocab.id(k).unwrap_or(0)).ty;
                    let v = match varies(s) {
                        Some(d) if matches!(ty, FieldType::Money | FieldType::Quantity) => {
                            vary(&mut rng, d)
                        }
                        _ => s.clone(),
                    };
                    if WAN_FIELDS.contains(k) {
                        to_wan(v)
                    } else {
                        v
                    }
                }
                Some(other) => other.to_string(),
            };
            row.push(cell);
        }
        table.push(row);
    }
    let n = table.len();
    if n >= 20 {
        for _ in 0..(n / 100).max(2) {
            let r = rng.below(n);
            if let Some(c) = (identity.len()..table[r].len())
                .find(|&c| !table[r][c].is_empty() && table[r][c].parse::<f64>().is_ok())
            {
                table[r][c] = if rng.below(2) == 0 {
                    "待核定".into()
                } else {
                    "#N/A".into()
                };
            }
        }
        let r = rng.below(n);
        let code = &mut table[r][1];
        let last = code.pop().unwrap_or('0');
        code.push(if last == '1' { '2' } else { '1' });
        let (a, b) = (rng.below(n), rng.below(n));
        if a != b {
            table[b][0] = table[a][0].clone();
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &table {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

#[test]
fn streaming_rows_equal_the_table_built_in_memory() {
    let vocab = Vocabulary::load(Path::new("config")).unwrap();
    let profile = Path::new("samples/profile.json");
    let dir = tempfile::tempdir().unwrap();
    for (rows, seed) in [
        (0, 1),
        (1, 2),
        (19, 3),
        (20, 3),
        (120, 7),
        (300, 2023),
        (2_500, 11),
        (7_000, 5),
    ] {
        let out = dir.path().join(format!("s{rows}.csv"));
        write_sample(profile, &vocab, rows, seed, 2023, &out).unwrap();
        let text = std::fs::read(&out).unwrap();
        let body = &text[text.iter().position(|b| *b == b'\n').unwrap() + 1..];
        assert!(
            body == reference_csv(profile, &vocab, rows, seed, 2023).as_slice(),
            "{rows} rows, seed {seed}: streaming output differs"
        );
    }
}

#[test]
fn a_large_xlsx_batch_reads_back_with_its_faults() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let vocab = Vocabulary::load(Path::new("config")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (xlsx_path, csv_path) = (dir.path().join("big.xlsx"), dir.path().join("big.csv"));
    let rows = CONSTANT_MEMORY_ABOVE + 1_000;
    for p in [&xlsx_path, &csv_path] {
        write_sample(Path::new("samples/profile.json"), &vocab, rows, 9, 2024, p).unwrap();
    }
    let mut wb: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
    let range = wb.worksheet_range("申报汇总表").unwrap();
    assert_eq!(range.height(), rows + 1);
    let mut csv = csv::Reader::from_path(&csv_path).unwrap();
    let mut ids = BTreeSet::new();
    let (mut bad_cells, mut bad_codes) = (0, 0);
    for (i, rec) in csv.records().enumerate() {
        let rec = rec.unwrap();
        // The .xlsx holds the same text as the .csv, numbers as numbers.
        for (c, v) in rec.iter().enumerate() {
            match range.get((i + 1, c)) {
                Some(Data::String(s)) => assert_eq!(s, v),
                Some(Data::Float(f)) => assert_eq!(*f, v.parse::<f64>().unwrap()),
                Some(Data::Empty) | None => assert!(v.is_empty()),
                other => panic!("unexpected cell {other:?}"),
            }
        }
        ids.insert(rec[0].to_string());
        bad_cells += rec
            .iter()
            .filter(|v| *v == "待核定" || *v == "#N/A")
            .count();
        bad_codes += usize::from(credit_code_check_char(&rec[1][..17]) != rec[1].chars().nth(17));
    }
    assert_eq!(ids.len(), rows - 1, "one duplicated 申报编号");
    assert_eq!(bad_codes, 1, "one wrong check character");
    assert!(
        bad_cells > rows / 200,
        "about 1% bad cells, got {bad_cells}"
    );
}
