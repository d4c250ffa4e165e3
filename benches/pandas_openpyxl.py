"""What a bureau scripts today: pandas + openpyxl, read → one award formula → write.

Usage: pandas_openpyxl.py BATCH.xlsx OUT.xlsx

Reads the 申报汇总表 sheet of a `subsidy sample` batch with openpyxl, computes 2% of
固定资产投资额 (the column is in 万元) capped at 1000万元 for every row that has it, and writes one
line per such row with openpyxl. No trace, no exceptions, no policy data: a lower bound on what
the same job costs in pandas. Prints `lines=N`.
"""
import sys

import pandas as pd

src, dst = sys.argv[1], sys.argv[2]
df = pd.read_excel(src, sheet_name="申报汇总表", engine="openpyxl", dtype=object)
investment = pd.to_numeric(df["固定资产投资额（万元）"], errors="coerce") * 10_000
award = (investment * 0.02).clip(upper=10_000_000).round(2)
keep = award.notna()
out = df.loc[keep, ["申报编号", "统一社会信用代码", "企业名称", "所属旗县区", "申报条款编号"]].copy()
out["金额（元）"] = award[keep]
with pd.ExcelWriter(dst, engine="openpyxl") as w:
    out.to_excel(w, sheet_name="发放明细", index=False)
print(f"lines={len(out)}")
