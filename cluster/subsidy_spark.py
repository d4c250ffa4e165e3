"""Apache Spark job: a Parquet batch of applications through `subsidy`, one enterprise part at a time.

Spark reads the batch (a Parquet file or a folder of them) and gives every row its part — the
part `subsidy run --shard K/N` assigns (FNV-1a 64 of the 统一社会信用代码's UTF-8 bytes, modulo N;
rows without a code go to part 0) — and repartitions by it, so each enterprise's rows land in
one partition (rows sharing a 申报编号 go with its first occurrence: see `with_keys`). Each task
writes every part it holds, in the batch's row order, to a Parquet file of its own and runs

    subsidy run --quiet --parquet --part K/N --out OUT/parts/part-K part-K.parquet

(`--part`: the input already is part K of N; every row is kept and a programme budget, which no
part can settle alone, is refused with the same message as `--shard`). The parts' payout lines
come back to Spark as a DataFrame, amounts as Decimal(38,2), and are written as the batch's
payouts table `OUT/payouts` (Parquet); each part's ledger, exceptions and manifest stay in
`OUT/parts/part-K/` (OUT must be a folder every executor can write: a shared mount on a real
cluster). A refused part stops the job with exit 2 and the binary's message.

Run it with `spark-submit` (YARN, Kubernetes, standalone) or in local mode:

    spark-submit --master local[2] cluster/subsidy_spark.py \
        --binary target/release/subsidy --parts 16 --out out-cluster batch/

The binary must be reachable at the same path on every executor (install it on the nodes, or
ship it with `--files target/release/subsidy` and pass `--binary ./subsidy`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, StringType, StructField, StructType

# The columns of payouts.parquet (payouts.csv's, in order); amounts are Decimal(38,2).
AMOUNTS = ["award", "share_region", "share_city", "share_county", "share_central", "share_other"]
PAYOUT_COLUMNS = [
    "application_id", "credit_code", "enterprise_name", "rule_id", *AMOUNTS,
    "line_type", "result", "unit", "region", "application_year", "reason", "project_id",
]
PAYOUT_SCHEMA = StructType([
    StructField(c, DecimalType(38, 2) if c in AMOUNTS else StringType(), True) for c in PAYOUT_COLUMNS
])
ARROW_SCHEMA = pa.schema([
    pa.field(c, pa.decimal128(38, 2) if c in AMOUNTS else pa.string()) for c in PAYOUT_COLUMNS
])

# The credit-code and application-id columns, as the vocabulary's Chinese header or its key.
CODE_COLUMNS = ["统一社会信用代码", "credit_code"]
ID_COLUMNS = ["申报编号", "application_id"]
PART = "__subsidy_part"
CODE = "__subsidy_code"
KEY = "__subsidy_key"
FILE = "__subsidy_file"
ROW = "__subsidy_row"
HELPERS = [PART, FILE, ROW]

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
TWO_64 = 1 << 64


class PartRefused(Exception):
    """The binary refused a part (exit 2): its message says why."""


def fnv_part(code: str | None, parts: int) -> int:
    """The part of a credit code, exactly as `subsidy` computes it (for tests and the driver)."""
    code = (code or "").strip()
    if not code:
        return 0
    h = FNV_OFFSET
    for b in code.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) % TWO_64
    return h % parts


def with_keys(df: DataFrame, code_col: str, id_col: str | None) -> DataFrame:
    """Adds each row's place in the batch (file, row) and the code it is parted by.

    The key is the row's own 统一社会信用代码, except for a row whose 申报编号 occurs more than once
    in the batch: all rows of such an id go with the enterprise of its first occurrence (in file
    and row order, the order `subsidy` reads a batch in), so the part that holds them finds the
    duplicates and reports the later ones exactly as a single-machine run does, instead of two
    parts each paying "their" copy. A duplicate is never computed, so moving it costs no
    enterprise any of its caps.
    """
    df = df.withColumn(FILE, F.col("_metadata.file_path")).withColumn(ROW, F.col("_metadata.row_index"))
    if id_col is None:
        return df.withColumn(KEY, F.col(f"`{code_col}`"))
    ident = F.col(f"`{id_col}`")
    firsts = (
        df.where(ident.isNotNull() & (F.trim(ident) != ""))
        .groupBy(ident.alias("__id"))
        .agg(F.count(F.lit(1)).alias("__n"), F.min_by(F.col(f"`{code_col}`"), F.struct(FILE, ROW)).alias("__first"))
        .where(F.col("__n") > 1)
    )
    joined = df.join(firsts, ident == F.col("__id"), "left")
    return joined.withColumn(KEY, F.coalesce(F.col("__first"), F.col(f"`{code_col}`"))).drop("__id", "__n", "__first")


def with_parts(df: DataFrame, parts: int) -> DataFrame:
    """Adds the part column: FNV-1a 64 of the trimmed key code modulo `parts`; no code → part 0.

    Trimmed as `subsidy` trims (Unicode white space, Java's `(?U)\\s`), then hashed inside the
    JVM: the bytes come from `encode`, the 64-bit product wraps as Spark's long multiplication does
    outside ANSI mode (the job turns ANSI off), and the unsigned remainder is taken through a
    decimal, so a hash with its top bit set is read as the unsigned number it is. Each part's run
    checks that the binary kept every row it was given, so a difference here could never drop
    rows silently.
    """
    df = df.withColumn(CODE, F.regexp_replace(F.col(KEY), r"(?U)^\s+|\s+$", ""))
    raw = f"encode({CODE}, 'UTF-8')"
    fnv = (
        f"aggregate(transform(sequence(1, octet_length({raw})),"
        f" i -> cast(conv(hex(substring({raw}, i, 1)), 16, 10) as bigint)),"
        " cast(-3750763034362895579 as bigint),"  # 0xcbf29ce484222325 as a signed long
        " (h, b) -> (h ^ b) * cast(1099511628211 as bigint))"  # 0x100000001b3
    )
    unsigned = f"(case when {fnv} < 0 then cast({fnv} as decimal(21,0)) + 18446744073709551616 else cast({fnv} as decimal(21,0)) end)"
    part = f"case when {CODE} is null or {CODE} = '' then 0 else cast(pmod({unsigned}, {parts}) as int) end"
    return df.withColumn(PART, F.expr(part)).drop(CODE, KEY)


def run_parts(binary: str, parts: int, out: str, extra: list[str]):
    """The function each task runs on its partition (Arrow batches in, payout batches out)."""

    def run(batches):
        batches = list(batches)
        if not batches:
            return
        table = pa.Table.from_batches(batches)
        if table.num_rows == 0:
            return
        work = tempfile.mkdtemp(prefix="subsidy-part-")
        try:
            column = table.column(PART).to_pylist()
            for k in sorted(set(column)):
                mask = pa.array([p == k for p in column])
                # A part's rows in the batch's own order (the shuffle's order is not), so the
                # first of two rows with one 申报编号 is the one a single run computes.
                rows = table.filter(mask).sort_by([(FILE, "ascending"), (ROW, "ascending")]).drop_columns(HELPERS)
                source = os.path.join(work, f"part-{k}.parquet")
                pq.write_table(rows, source)
                dest = os.path.join(out, "parts", f"part-{k}")
                cmd = [binary, "run", "--quiet", "--parquet", "--part", f"{k}/{parts}", "--out", dest, *extra, source]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode not in (0, 1):
                    raise PartRefused(done.stderr.strip() or f"subsidy exited {done.returncode}")
                kept = json.load(open(os.path.join(dest, "manifest.json"), encoding="utf-8"))["totals"]["rows_in"]
                if kept != rows.num_rows:
                    raise PartRefused(f"part {k}/{parts}: subsidy kept {kept} of the {rows.num_rows} rows given to it; the job's part assignment differs from the binary's")
                payouts = pq.read_table(os.path.join(dest, "payouts.parquet"))
                payouts = payouts.select(PAYOUT_COLUMNS).cast(ARROW_SCHEMA)
                for batch in payouts.to_batches():
                    yield batch
        finally:
            shutil.rmtree(work, ignore_errors=True)

    return run


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True, help="path of the subsidy binary on every executor")
    ap.add_argument("--parts", type=int, required=True, help="number of parts N (enterprise shards)")
    ap.add_argument("--out", required=True, help="output folder: payouts/ and parts/part-K/")
    ap.add_argument("--config", help="policy configuration folder passed to subsidy (--config)")
    ap.add_argument("--master", help="Spark master when not run by spark-submit (e.g. local[2])")
    ap.add_argument("inputs", nargs="+", help="Parquet files or folders")
    args = ap.parse_args(argv)
    if args.parts < 1:
        ap.error("--parts must be at least 1")

    builder = SparkSession.builder.appName("subsidy")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.config("spark.sql.ansi.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")

    df = spark.read.parquet(*args.inputs)
    code_col = next((c for c in CODE_COLUMNS if c in df.columns), None)
    if code_col is None:
        print(f"subsidy-spark: error: the batch has no credit-code column ({' / '.join(CODE_COLUMNS)})", file=sys.stderr)
        return 2
    extra = ["--config", os.path.abspath(args.config)] if args.config else []
    out = os.path.abspath(args.out)
    binary = os.path.abspath(args.binary) if os.path.exists(args.binary) else args.binary

    id_col = next((c for c in ID_COLUMNS if c in df.columns), None)
    parted = with_parts(with_keys(df, code_col, id_col), args.parts).repartition(args.parts, F.col(PART))
    payouts = parted.mapInArrow(run_parts(binary, args.parts, out, extra), PAYOUT_SCHEMA)
    try:
        payouts.write.mode("overwrite").parquet(os.path.join(out, "payouts"))
    except Exception as e:  # the task's PartRefused arrives wrapped by Py4J
        text = str(e)
        marker = "PartRefused: "
        if marker in text:
            message = text.split(marker, 1)[1].splitlines()[0]
            print(message, file=sys.stderr)
            return 2
        raise
    totals = spark.read.parquet(os.path.join(out, "payouts")).where(F.col("line_type") == "payout")
    sums = totals.agg(*[F.sum(c).alias(c) for c in AMOUNTS]).collect()[0]
    lines = totals.count()
    print(f"subsidy-spark: {lines} payout lines in {args.parts} parts; " + ", ".join(f"{c} {sums[c]}" for c in AMOUNTS))
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
