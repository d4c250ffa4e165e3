"""Checks a Spark run of `subsidy` against a single-machine run of the same batch, to the 分.

    python cluster/check.py SINGLE_OUT SPARK_OUT

SINGLE_OUT is the folder of `subsidy run --parquet` on the whole batch; SPARK_OUT the folder the
Spark job wrote (`payouts/` and `parts/part-K/`). The payout lines must be the same multiset of
rows (every column, amounts as exact decimals), the totals by payer equal, and the parts' rows
read, computed and unreadable must add up to the single run's. Exit 0 when all holds, 1 otherwise.
"""

from __future__ import annotations

import collections
import decimal
import glob
import json
import os
import sys

import pyarrow.parquet as pq

AMOUNTS = ["award", "share_region", "share_city", "share_county", "share_central", "share_other"]
PAYERS = {"share_region": "自治区", "share_city": "盟市", "share_county": "旗县区", "share_central": "中央", "share_other": "其他"}
COUNTS = ["rows_in", "rows_computed", "rows_exception", "payout_lines", "paid_lines", "ineligible_lines", "exception_cells"]


def lines(table) -> collections.Counter:
    """The payout lines as a multiset of tuples (decimals compared exactly, as text)."""
    cols = table.column_names
    rows = table.to_pylist()
    return collections.Counter(tuple(str(r[c]) if r[c] is not None else "" for c in cols) for r in rows)


def by_payer(table) -> dict[str, decimal.Decimal]:
    """Σ shares by payer over paid lines (line_type payout), exact."""
    totals = {p: decimal.Decimal("0.00") for p in PAYERS.values()}
    for r in table.to_pylist():
        if r["line_type"] != "payout":
            continue
        for col, payer in PAYERS.items():
            totals[payer] += r[col] or decimal.Decimal(0)
    return totals


def main(single: str, spark: str) -> int:
    problems = []
    whole = pq.read_table(os.path.join(single, "payouts.parquet"))
    parts = pq.read_table(os.path.join(spark, "payouts"))
    parts = parts.select(whole.column_names).cast(whole.schema)
    a, b = lines(whole), lines(parts)
    if a != b:
        only_single = a - b
        only_spark = b - a
        problems.append(f"payout lines differ: {sum(only_single.values())} only in the single run, {sum(only_spark.values())} only in Spark")
        for row in list(only_single)[:5]:
            problems.append(f"  single only: {row}")
        for row in list(only_spark)[:5]:
            problems.append(f"  spark only:  {row}")
    pa_, pb = by_payer(whole), by_payer(parts)
    if pa_ != pb:
        problems.append(f"totals by payer differ: single {pa_} spark {pb}")
    manifest = json.load(open(os.path.join(single, "manifest.json"), encoding="utf-8"))["totals"]
    summed = collections.Counter()
    award = decimal.Decimal("0.00")
    part_dirs = sorted(glob.glob(os.path.join(spark, "parts", "part-*")))
    for d in part_dirs:
        t = json.load(open(os.path.join(d, "manifest.json"), encoding="utf-8"))["totals"]
        summed.update({k: t[k] for k in COUNTS})
        award += decimal.Decimal(t["award_total"])
    for k in COUNTS:
        if summed[k] != manifest[k]:
            problems.append(f"{k}: parts sum to {summed[k]}, the single run has {manifest[k]}")
    if award != decimal.Decimal(manifest["award_total"]):
        problems.append(f"award_total: parts sum to {award}, the single run has {manifest['award_total']}")
    if problems:
        print("cluster check FAILED:\n" + "\n".join(problems))
        return 1
    total = sum(pb.values())
    print(f"cluster check passed: {whole.num_rows} lines in {len(part_dirs)} parts equal the single run; "
          f"paid {total} = " + " + ".join(f"{p} {v}" for p, v in pb.items() if v))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
