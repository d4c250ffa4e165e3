//! The read phase of a run (读入): the inputs read on one thread while this one types and
//! checks the rows a chunk at a time, each row evaluated as soon as it is typed when nothing
//! changes the rows after reading.

use super::*;

/// Rows handed from the reading thread to the normalising one per message.
const READ_CHUNK: usize = 8192;

/// A chunk of rows read, with the sheets and files first seen since the last chunk.
struct ReadChunk {
    files: Vec<crate::ingest::InputFile>,
    sheets: Vec<crate::ingest::Sheet>,
    rows: Vec<crate::ingest::RawRow>,
}

/// What [`read_and_normalise`] hands on.
pub(super) struct Read {
    pub(super) batch: crate::ingest::Batch,
    pub(super) applications: Applications,
    /// Every kept row's evaluation, in row order, when they were made while reading.
    pub(super) evaluations: Option<Vec<Evaluation>>,
    /// Rows evaluated while reading and the time their evaluation took, summed over threads.
    pub(super) early: (usize, std::time::Duration),
}

/// A row evaluated as soon as it is typed, under the rule its 申报条款编号 names (as
/// [`resolve`] finds it once the row is kept); none when it names no loaded rule (the row will
/// not be kept).
fn evaluate_typed(
    loaded: &Loaded,
    batch: &crate::ingest::Batch,
    t: &TypedRow,
) -> Option<Evaluation> {
    let Some(Value::Text(id)) = t.get(loaded.vocab.id("rule_id")?) else {
        return None;
    };
    let rule = loaded.policies.rule(id)?;
    let sheet = batch.sheets.get(t.sheet())?;
    Some(evaluate_row(loaded, rule, t, |f| sheet_has(sheet, f)))
}

/// Reads the inputs on one thread while this one types and checks the rows it hands over, a
/// chunk at a time (typing in parallel), so raw cells never pile up. With `early`, each row is
/// also evaluated under its rules as it is typed; the evaluations are kept only if every kept
/// row has one (`early`'s flag: time the evaluations, for `SUBSIDY_TIMINGS`).
pub(super) fn read_and_normalise(
    vocab: &Vocabulary,
    known_rule: &dyn Fn(&str) -> bool,
    inputs: &[PathBuf],
    shard: Option<Shard>,
    early: Option<(&Loaded, bool)>,
) -> Result<Read, RunError> {
    let mut normaliser = Normaliser::new(vocab, known_rule).with_shard(shard);
    let mut evaluations = early.map(|_| Vec::new());
    let took = std::sync::atomic::AtomicU64::new(0);
    let mut seen = crate::ingest::Batch::default();
    let (tx, rx) = std::sync::mpsc::sync_channel::<ReadChunk>(4);
    let batch = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let (mut files, mut sheets) = (0, 0);
            let mut rows = Vec::with_capacity(READ_CHUNK);
            let mut send = |batch: &crate::ingest::Batch, rows: Vec<crate::ingest::RawRow>| {
                let chunk = ReadChunk {
                    files: batch.files[files..].to_vec(),
                    sheets: batch.sheets[sheets..].to_vec(),
                    rows,
                };
                (files, sheets) = (batch.files.len(), batch.sheets.len());
                // The receiver only goes away on a panic; the reader then just finishes.
                let _ = tx.send(chunk);
            };
            // Rows of other parts are dropped as they are read (Parquet: before they are decoded).
            let keep = |code: &str| shard.is_none_or(|s| s.keeps(code));
            let filter = shard
                .and(vocab.id("credit_code"))
                .map(|field| crate::ingest::RowFilter { field, keep: &keep });
            let mut batch = crate::ingest::stream_inputs(
                inputs,
                vocab,
                &crate::ingest::Limits::default(),
                filter.as_ref(),
                &mut |batch, row| {
                    rows.push(row);
                    if rows.len() == READ_CHUNK {
                        send(
                            batch,
                            std::mem::replace(&mut rows, Vec::with_capacity(READ_CHUNK)),
                        );
                    }
                },
            )?;
            send(&batch, rows);
            batch.rows = Vec::new();
            Ok::<_, crate::ingest::IngestError>(batch)
        });
        for chunk in rx {
            seen.files.extend(chunk.files);
            seen.sheets.extend(chunk.sheets);
            let typed: Vec<(TypedRow, Option<Evaluation>)> = chunk
                .rows
                .par_iter()
                .map(|r| {
                    let t = type_row(&seen, vocab, r);
                    let Some((loaded, timed)) = early else {
                        return (t, None);
                    };
                    let start = timed.then(std::time::Instant::now);
                    let e = evaluate_typed(loaded, &seen, &t);
                    if let Some(start) = start {
                        let nanos = start.elapsed().as_nanos() as u64;
                        took.fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
                    }
                    (t, e)
                })
                .collect();
            drop(chunk.rows);
            for (t, e) in typed {
                if !normaliser.accept(&seen, t) {
                    continue;
                }
                match (&mut evaluations, e) {
                    (Some(kept), Some(e)) => kept.push(e),
                    // A kept row without its evaluation: every row is evaluated after reading.
                    (lost, _) => *lost = None,
                }
            }
        }
        reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })?;
    let applications = normaliser.finish(&batch);
    let early = evaluations.as_ref().map_or(0, Vec::len);
    let took = std::time::Duration::from_nanos(took.into_inner());
    Ok(Read {
        batch,
        applications,
        evaluations,
        early: (early, took),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows evaluated as they are read get exactly the evaluations the pass after reading
    /// gives them — the sample holds open reviews (its sheet lacks some flag columns), bad
    /// cells and a duplicate 申报编号 — and every kept row has one.
    #[test]
    fn rows_evaluated_while_reading_match_the_pass_after_reading() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = load(&Config::Folder(root.join("config")), &[]).unwrap();
        let known = |id: &str| loaded.policies.rule(id).is_some();
        let inputs = [root.join("samples/applications-2023.xlsx")];
        let early = Some((&loaded, false));
        let read = read_and_normalise(&loaded.vocab, &known, &inputs, None, early).unwrap();
        let evaluations = read
            .evaluations
            .expect("every kept row evaluated while reading");
        let apps = &read.applications;
        assert_eq!(evaluations.len(), apps.rows.len());
        assert!(apps.rows.len() > 250, "{} rows", apps.rows.len());
        let (of_row, rules) = resolve(&loaded, &apps.rows).unwrap();
        for (i, e) in evaluations.iter().enumerate() {
            let r = &rules[of_row[i] as usize];
            let (sheet, _) = apps.origin(i);
            let after = evaluate_row(&loaded, (r.policy, r.rule), &apps.rows.row(i), |f| {
                sheet.has(f)
            });
            assert_eq!(*e, after, "row {i}");
        }
        let held =
            |e: &&Evaluation| matches!(e.result, crate::engine::Result::AwaitingReview { .. });
        assert!(evaluations.iter().any(|e| held(&e)));
    }
}
