"""Writes a two-row Parquet batch whose rule draws on a programme budget (D11).

    python cluster/budget_batch.py OUT.parquet

No part of a batch can settle such a budget alone, so the Spark job must refuse it.
"""

import sys

import pyarrow as pa
import pyarrow.parquet as pq

# Two valid 统一社会信用代码 (GB 32100 check characters) of the shipped sample.
CODES = ["911502360E0UU424QQ", "91150354J73K28G6CK"]

table = pa.table({
    "申报编号": ["CF2025-00001", "CF2025-00002"],
    "统一社会信用代码": CODES,
    "企业名称": ["赤峰市甲养殖合作社", "赤峰市乙养殖合作社"],
    "所属旗县区": ["红山区", "松山区"],
    "申报年度": ["2025", "2025"],
    "申报条款编号": ["chifeng-2025-livestock-breeding-subsidy"] * 2,
})
pq.write_table(table, sys.argv[1])
