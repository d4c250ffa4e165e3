#!/usr/bin/env bash
# `make bench`: `subsidy run` against its floor (DESIGN.md, Performance) on synthetic batches.
#
# For each size (BENCH_SIZES, default "10000 100000 1000000"):
#   1. `subsidy sample --rows N` writes the batch (.xlsx; above 5,000 rows a constant-memory sheet);
#   2. `subsidy run` computes it end to end (timed, peak RSS by /usr/bin/time -v);
#   3. `floor shape` records the shape of the ledger it wrote (untimed), and `floor run` reads
#      the same batch with calamine alone and writes a ledger of that shape with
#      rust_xlsxwriter alone (timed, peak RSS). If the run wrote no ledger, the shape of the
#      largest smaller size is scaled up.
# Then, if Python 3 can import pandas and openpyxl (installed into target/bench/venv if not), one
# row for a plain pandas + openpyxl script on the smallest batch.
#
# Prints the table and writes it to benches/results.md. Not part of `make test`; do not run in CI.
#
# Knobs (environment): BENCH_SIZES, BENCH_REPEAT (best of R timings, default 1),
# BENCH_MEM_LIMIT_GB (address-space cap per measured process, default 16, so a runaway run
# fails instead of taking the machine), BENCH_TIMEOUT (seconds per process, default 3600),
# BENCH_PYTHON=0 to skip the pandas row, BENCH_SEED (default 2023), BENCH_LARGE=10000000 (a
# Parquet batch run in BENCH_SHARDS parts, default 10; off by default: it takes a while).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
CARGO=${CARGO:-cargo}
SIZES=${BENCH_SIZES:-10000 100000 1000000}
REPEAT=${BENCH_REPEAT:-1}
MEM_GB=${BENCH_MEM_LIMIT_GB:-16}
TIMEOUT=${BENCH_TIMEOUT:-3600}
SEED=${BENCH_SEED:-2023}
WORK=$ROOT/target/bench
RESULTS=$ROOT/benches/results.md
mkdir -p "$WORK"

say() { printf 'bench: %s\n' "$*" >&2; }

if [ ! -x /usr/bin/time ]; then
    say "installing GNU time (/usr/bin/time) for peak RSS"
    if command -v apt-get >/dev/null; then
        { apt-get install -y time >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; }; } \
            || { [ "$(id -u)" != 0 ] && command -v sudo >/dev/null && sudo apt-get install -y time >/dev/null 2>&1; } || true
    fi
    [ -x /usr/bin/time ] || { say "error: /usr/bin/time is missing and could not be installed (apt-get install time)"; exit 2; }
fi

say "building subsidy and the floor program (release)"
$CARGO build --release --locked --bin subsidy >&2
FLOOR=$($CARGO build --release --locked --bench floor --message-format=json 2>/dev/null \
    | grep -o '"executable":"[^"]*"' | grep floor | tail -1 | sed 's/"executable":"\(.*\)"/\1/')
[ -x "$FLOOR" ] || { say "error: could not build benches/floor.rs"; exit 2; }
SUBSIDY=$ROOT/target/release/subsidy

# measure OUTFILE CMD...: runs CMD under /usr/bin/time -v with the memory cap and the timeout;
# writes "seconds max_rss_kb exit_code" to OUTFILE, the command's stdout to OUTFILE.stdout and its
# stderr and time report to OUTFILE.stderr / OUTFILE.time.
measure() {
    local out=$1; shift
    local t0 t1 rc=0
    t0=$(date +%s%N)
    ( ulimit -v $((MEM_GB * 1024 * 1024)); exec timeout "$TIMEOUT" /usr/bin/time -v -o "$out.time" "$@" ) >"$out.stdout" 2>"$out.stderr" || rc=$?
    t1=$(date +%s%N)
    local rss
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$out.time" 2>/dev/null | tail -1)
    echo "$(awk "BEGIN{printf \"%.3f\", ($t1-$t0)/1e9}") ${rss:-0} $rc" >"$out"
}

# best OUTFILE CMD...: measure REPEAT times, keep the fastest time and the largest RSS.
best() {
    local out=$1; shift
    local i s r c bs="" br=0 bc=0
    for i in $(seq "$REPEAT"); do
        measure "$out.$i" "$@"
        read -r s r c <"$out.$i"
        if [ -z "$bs" ] || awk "BEGIN{exit !($s < $bs)}"; then
            bs=$s; bc=$c
            cp "$out.$i.stdout" "$out.stdout"; cp "$out.$i.stderr" "$out.stderr"
        fi
        [ "$r" -gt "$br" ] && br=$r
    done
    echo "$bs $br $bc" >"$out"
}

mb() { awk "BEGIN{printf \"%.0f\", $1/1024}"; }
fmt_int() { printf "%'d" "$1" 2>/dev/null || printf "%d" "$1"; }
json_num() { sed -n "s/.*\"$2\":\([0-9.eE+-]*\).*/\1/p" "$1" | head -1; }

ROWS_TABLE=()
NOTES=()
last_shape="" last_shape_rows=0
for n in $SIZES; do
    batch=$WORK/apps-$n.xlsx
    say "$n rows: generating $batch"
    "$SUBSIDY" sample --rows "$n" --seed "$SEED" --year 2023 --out "$batch" 2>/dev/null

    say "$n rows: subsidy run"
    rm -rf "$WORK/out-$n"
    SUBSIDY_TIMINGS=1 best "$WORK/run-$n" "$SUBSIDY" run --quiet --out "$WORK/out-$n" "$batch"
    read -r run_s run_rss run_rc <"$WORK/run-$n"
    if [ "$run_rc" -gt 1 ]; then
        say "$n rows: subsidy run failed (exit $run_rc): $(tail -c 400 "$WORK/run-$n.stderr" | tr '\n' ' ')"
    fi

    shape=$WORK/shape-$n.json scale=1 shape_note=""
    if [ "$run_rc" -le 1 ] && [ -f "$WORK/out-$n/ledger.xlsx" ]; then
        "$FLOOR" shape "$WORK/out-$n/ledger.xlsx" >"$shape"
        last_shape=$shape last_shape_rows=$n
    elif [ -n "$last_shape" ]; then
        shape=$last_shape
        scale=$(awk "BEGIN{print $n / $last_shape_rows}")
        shape_note="ledger shape of ${last_shape_rows} rows × ${scale}"
    else
        say "$n rows: no ledger to take the floor's shape from; skipping the floor"
        shape=""
    fi

    floor_s="" floor_rss=0 read_s="" write_s=""
    if [ -n "$shape" ]; then
        say "$n rows: floor (calamine read + rust_xlsxwriter constant-memory write)"
        # --plain: text cells in the workbook's default format, as ledger.xlsx writes them.
        best "$WORK/floor-$n" "$FLOOR" run --plain --shape "$shape" --scale "$scale" --out "$WORK/floor-$n.xlsx" "$batch"
        read -r floor_s floor_rss floor_rc <"$WORK/floor-$n"
        rm -f "$WORK/floor-$n.xlsx" # up to ~0.5 GB at 1M rows; only its timing matters
        if [ "$floor_rc" -ne 0 ]; then
            say "$n rows: floor failed (exit $floor_rc): $(cat "$WORK/floor-$n.stderr")"
            floor_s=""
        else
            read_s=$(json_num "$WORK/floor-$n.stdout" read_s)
            write_s=$(json_num "$WORK/floor-$n.stdout" write_s)
        fi
    fi

    if [ "$run_rc" -le 1 ]; then
        rate=$(awk "BEGIN{printf \"%.0f\", $n / $run_s}")
        run_cell=$run_s
    else
        rate="—"; run_cell="failed (exit $run_rc after ${run_s} s)"
    fi
    if [ -n "$floor_s" ] && [ "$run_rc" -le 1 ]; then
        ratio=$(awk "BEGIN{printf \"%.2f\", $run_s / $floor_s}")
    else
        ratio="—"
    fi
    floor_cell="—"
    [ -n "$floor_s" ] && floor_cell=$(awk "BEGIN{printf \"%.3f (%.2f + %.2f)\", $floor_s, $read_s, $write_s}")
    [ -n "$shape_note" ] && floor_cell="$floor_cell ¹"
    lines=$(json_num "$WORK/floor-$n.stdout" lines_written 2>/dev/null || true)
    # The engine's own rate (evaluation and batch pass), from the run's stage timings.
    engine=$(sed -n 's/.* \([0-9][0-9]*\) lines\/s$/\1/p' "$WORK/run-$n.stderr" | head -1)
    ROWS_TABLE+=("| $(fmt_int "$n") | $floor_cell | $run_cell | $rate | $ratio | $(mb "$run_rss") | $(mb "$floor_rss") | ${lines:+$(fmt_int "$lines")} | ${engine:+$(fmt_int "$engine")} | $run_rc |")
    [ -n "$shape_note" ] && NOTES+=("¹ $(fmt_int "$n") rows: subsidy wrote no ledger, so the floor wrote the $shape_note.")
    say "$n rows: run ${run_s}s (exit $run_rc, $(mb "$run_rss") MB), floor ${floor_s:-—}s ($(mb "$floor_rss") MB), ratio $ratio"
done

# Where the largest run's time went (SUBSIDY_TIMINGS: stage ends, peak RSS so far).
PROFILE=""
largest=$(echo "$SIZES" | tr ' ' '\n' | grep . | sort -n | tail -1)
[ -f "$WORK/run-$largest.stderr" ] && PROFILE=$(grep '^timing' "$WORK/run-$largest.stderr" | sed 's/^timing */    /')

# A batch beyond a workbook (BENCH_LARGE rows, default off): a Parquet file split by
# enterprise into BENCH_SHARDS parts, each computed by its own `subsidy run --shard K/N`, one
# after another as a cluster's map step would run them side by side. Policies with programme
# budgets (which span enterprises) are left out; their rows become exceptions.
LARGE_ROW=""
LARGE=${BENCH_LARGE:-0}
SHARDS=${BENCH_SHARDS:-10}
if [ "$LARGE" -gt 0 ]; then
    big=$WORK/apps-$LARGE.parquet
    say "$LARGE rows: generating $big"
    "$SUBSIDY" sample --rows "$LARGE" --seed "$SEED" --year 2023 --out "$big" 2>/dev/null
    policy_args=()
    for f in "$ROOT"/config/*.toml; do
        grep -q '^\[policy\]' "$f" && ! grep -q '^\[\[budget\]\]' "$f" && policy_args+=(--policy "$f")
    done
    total=0 max_rss=0 worst=0
    for k in $(seq 0 $((SHARDS - 1))); do
        say "$LARGE rows: part $k/$SHARDS"
        rm -rf "$WORK/out-large-$k"
        measure "$WORK/large-$k" "$SUBSIDY" run --quiet --parquet --shard "$k/$SHARDS" "${policy_args[@]}" --out "$WORK/out-large-$k" "$big"
        read -r s r c <"$WORK/large-$k"
        total=$(awk "BEGIN{print $total + $s}")
        [ "$r" -gt "$max_rss" ] && max_rss=$r
        [ "$c" -gt "$worst" ] && worst=$c
        rm -f "$WORK/out-large-$k/ledger.xlsx"
    done
    LARGE_ROW="| $(fmt_int "$LARGE") Parquet, $SHARDS parts ³ | — | $total | $(awk "BEGIN{printf \"%.0f\", $LARGE / $total}") | — | $(mb "$max_rss") (largest part) | — | — | — | $worst |"
fi

# pandas + openpyxl on the smallest batch.
PY_ROW=""
if [ "${BENCH_PYTHON:-1}" != 0 ] && command -v python3 >/dev/null; then
    PY=python3
    if ! python3 -c 'import pandas, openpyxl' 2>/dev/null; then
        if [ ! -x "$WORK/venv/bin/python" ]; then
            say "installing pandas and openpyxl into $WORK/venv"
            python3 -m venv "$WORK/venv" >&2 && "$WORK/venv/bin/pip" install -q pandas openpyxl >&2 || say "could not install pandas/openpyxl; skipping that row"
        fi
        PY=$WORK/venv/bin/python
    fi
    if "$PY" -c 'import pandas, openpyxl' 2>/dev/null; then
        small=$(echo "$SIZES" | tr ' ' '\n' | grep . | sort -n | head -1)
        say "$small rows: pandas + openpyxl (read → 2% × investment, capped at 1000万 → write)"
        best "$WORK/pandas-$small" "$PY" "$ROOT/benches/pandas_openpyxl.py" "$WORK/apps-$small.xlsx" "$WORK/pandas-$small.xlsx"
        read -r py_s py_rss py_rc <"$WORK/pandas-$small"
        if [ "$py_rc" -eq 0 ]; then
            read -r fs _ _ <"$WORK/floor-$small" || fs=""
            py_ratio="—"; [ -n "${fs:-}" ] && py_ratio=$(awk "BEGIN{printf \"%.2f\", $py_s / $fs}")
            py_lines=$(sed -n 's/.*lines=\([0-9]*\).*/\1/p' "$WORK/pandas-$small.stdout")
            PY_ROW="| $(fmt_int "$small") pandas $("$PY" -c 'import pandas; print(pandas.__version__)') + openpyxl $("$PY" -c 'import openpyxl; print(openpyxl.__version__)') ² | — | $py_s | $(awk "BEGIN{printf \"%.0f\", $small / $py_s}") | $py_ratio | $(mb "$py_rss") | — | ${py_lines:+$(fmt_int "$py_lines")} | — | $py_rc |"
        else
            say "pandas script failed: $(tail -5 "$WORK/pandas-$small.stderr")"
        fi
    fi
fi

{
    echo "# make bench: subsidy run against its floor"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1) · $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) · git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty') · best of $REPEAT · seed $SEED"
    echo
    echo "Reproduce: \`make bench\` (sizes: \`make bench BENCH_SIZES=\"10000 100000\"\`)."
    echo
    echo "| rows | floor s (read + write) | run s | rows/s (run) | run / floor | peak RSS run MB | peak RSS floor MB | ledger lines | engine lines/s ⁴ | run exit |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in "${ROWS_TABLE[@]}"; do echo "$r"; done
    [ -n "$PY_ROW" ] && echo "$PY_ROW"
    [ -n "$LARGE_ROW" ] && echo "$LARGE_ROW"
    echo
    echo "- floor = \`benches/floor.rs\`: calamine \`worksheet_cells_reader\` over every cell of the batch, then a workbook"
    echo "  with the ledger's sheets and line counts (rows sampled from the ledger \`subsidy run\` wrote) through"
    echo "  rust_xlsxwriter constant-memory worksheets (text cells in the workbook's default format, amounts with a number"
    echo "  format, as ledger.xlsx has them). Ledger lines = data rows over all sheets of that workbook."
    echo "- run = \`subsidy run --quiet --out DIR BATCH\` end to end (ledger.xlsx, payouts.csv, exceptions.csv, manifest.json);"
    echo "  exit 1 is expected (the batch holds bad cells on purpose)."
    echo "- Batches: \`subsidy sample --rows N --seed $SEED\`; above 5,000 rows the sheet is written in constant-memory mode"
    echo "  (inline strings, no shared-string table)."
    for note in "${NOTES[@]:-}"; do [ -n "$note" ] && echo "- $note"; done
    [ -n "$LARGE_ROW" ] && echo "- ³ \`subsidy sample --rows $LARGE --out apps.parquet\`, then \`subsidy run --parquet --shard K/$SHARDS\` for each part, one after another (run s is their sum); policies with programme budgets left out. Each part reads the file a slice at a time; rows of other parts are skipped by their credit-code column before the rest of them is decoded."
    echo "- ⁴ engine = lines through evaluation (formulas, per-application caps) and the batch pass (shared caps, 就高, rounding, budgets, splits) per second, from the run's \`SUBSIDY_TIMINGS=1\` stage times (2 cores)."
    [ -n "$PY_ROW" ] && echo "- ² \`benches/pandas_openpyxl.py\`: \`read_excel(engine=\"openpyxl\")\`, one rule (2% × 固定资产投资额, capped at 1000万), \`to_excel\` of one line per paid row; run / floor compares with the Rust floor of the same batch."
    if [ -n "$PROFILE" ]; then
        echo
        echo "Where the $(fmt_int "$largest")-row run's time went (\`SUBSIDY_TIMINGS=1\`; seconds since start, peak RSS so far):"
        echo
        echo '```'
        echo "$PROFILE"
        echo '```'
    fi
    true
} >"$RESULTS"

echo
cat "$RESULTS"
