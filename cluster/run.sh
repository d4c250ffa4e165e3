#!/usr/bin/env bash
# `make cluster`: the Spark job in local mode on a generated Parquet batch, checked against a
# single-machine `subsidy run` of the same batch to the 分; then a batch drawing on a programme
# budget must be refused with the binary's --shard message.
#
# Needs python3 with venv, Java 17 (apt-get install openjdk-17-jre-headless where it is missing)
# and PyPI for pyspark, pyarrow and pandas (mapInArrow needs it) (installed once into target/cluster-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-target/release/subsidy}
ROWS=${CLUSTER_ROWS:-200000}
PARTS=${CLUSTER_PARTS:-4}
WORK=target/cluster
VENV=${CLUSTER_VENV:-target/cluster-venv}
PYSPARK_VERSION=3.5.3

command -v java >/dev/null || { echo "make cluster: Java 17 is needed (apt-get install openjdk-17-jre-headless)" >&2; exit 2; }
if ! "$VENV/bin/python" -c "import pyspark, pyarrow, pandas" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "pyspark==$PYSPARK_VERSION" "pyarrow>=14" "pandas>=1.5"
fi
PY="$VENV/bin/python"
export PYSPARK_PYTHON="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"

rm -rf "$WORK" && mkdir -p "$WORK"
"$BIN" sample --rows "$ROWS" --seed 2024 --year 2023 --out "$WORK/batch.parquet"

echo "== single machine"
start=$(date +%s%N)
"$BIN" run --quiet --parquet --out "$WORK/single" "$WORK/batch.parquet" || [ $? -eq 1 ]
echo "single run: $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== Spark local[2], $PARTS parts"
start=$(date +%s%N)
"$PY" cluster/subsidy_spark.py --master "local[2]" --binary "$BIN" --parts "$PARTS" --out "$WORK/spark" "$WORK/batch.parquet"
echo "spark job: $(( ($(date +%s%N) - start) / 1000000 )) ms"
"$PY" cluster/check.py "$WORK/single" "$WORK/spark"

echo "== a programme budget is refused"
"$PY" cluster/budget_batch.py "$WORK/budget.parquet"
set +e
"$PY" cluster/subsidy_spark.py --master "local[2]" --binary "$BIN" --parts 2 --out "$WORK/budget" "$WORK/budget.parquet" 2>"$WORK/budget.err"
code=$?
set -e
if [ "$code" -ne 2 ] || ! grep -q "draws on the programme budget" "$WORK/budget.err"; then
  echo "cluster check FAILED: a batch drawing on a programme budget was not refused (exit $code)" >&2
  cat "$WORK/budget.err" >&2
  exit 1
fi
echo "refused as --shard refuses it: $(grep 'draws on the programme budget' "$WORK/budget.err")"
