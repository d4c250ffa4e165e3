#!/usr/bin/env python3
"""Writes the Parquet files of tests/corpus/parquet: columns typed the ways data teams write
them (issue 12 item 11). Needs pyarrow (pip install pyarrow); the files are committed, so the
tests do not. Deterministic: no statistics timestamps, fixed row order.

    python3 tests/corpus/make_parquet.py
"""

import decimal
import os

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "parquet")
RULE = "hohhot-2022-13-investment-award"
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    body = "91150100" + "".join(CODE_CHARS[(n * 7 + i * 3) % 31] for i in range(5)) + "%04d" % n
    s = sum(CODE_CHARS.index(c) * w for c, w in zip(body, CODE_WEIGHTS))
    return body + CODE_CHARS[(31 - s % 31) % 31]


def identity(prefix, n, string_type=pa.string(), dictionary=False):
    ids = ["%s%d" % (prefix, i) for i in range(n)]
    cols = {
        "申报编号": pa.array(ids, string_type),
        "统一社会信用代码": pa.array([credit_code(700 + i) for i in range(n)], string_type),
        "企业名称": pa.array(["某公司%d" % i for i in range(n)], string_type),
        "所属旗县区": pa.array(["新城区"] * n, string_type),
        "申报条款编号": pa.array([RULE] * n, string_type),
    }
    # The policy reads the bureau's review: both audit columns say 是.
    extra = {"是否符合申报条件（审核结论）": pa.array([True] * n, pa.bool_())}
    if dictionary:
        cols = {k: v.dictionary_encode() for k, v in cols.items()}
    cols.update(extra)
    cols["是否首次/新获认定"] = pa.array([True] * n, pa.bool_())
    return cols


def write(name, cols):
    pq.write_table(pa.table(cols), os.path.join(OUT, name), write_statistics=False, compression="snappy")


def main():
    os.makedirs(OUT, exist_ok=True)
    # Amounts (万元) in every numeric type; year in every integer width. 4.9f32 must be 4.9.
    for t, values in [
        (pa.int8(), [3, 100]), (pa.int16(), [3, 30000]), (pa.int32(), [3, 30000]), (pa.int64(), [3, 30000]),
        (pa.uint8(), [3, 200]), (pa.uint16(), [3, 30000]), (pa.uint32(), [3, 30000]), (pa.uint64(), [3, 30000]),
        (pa.float32(), [4.9, 30000.5]), (pa.float64(), [4.9, 30000.5]),
    ]:
        cols = identity("N", 2)
        cols["申报年度"] = pa.array([2023, 2023], pa.int32())
        cols["固定资产投资额（万元）"] = pa.array(values, t)
        write("amount_%s.parquet" % t, cols)
    # Decimals of several precisions, one past what is exact here (38 digits).
    for p, s, values in [(9, 2, ["4.90", "30000.50"]), (18, 4, ["4.9000", "30000.5000"]), (38, 10, ["4.9", "30000.5"]), (38, 0, ["4", "12345678901234567890123456789012345678"])]:
        cols = identity("D", 2)
        cols["申报年度"] = pa.array([2023, 2023], pa.int32())
        cols["固定资产投资额（万元）"] = pa.array([decimal.Decimal(v) for v in values], pa.decimal128(p, s))
        write("amount_decimal%d_%d.parquet" % (p, s), cols)
    # Strings dictionary-encoded (pandas categoricals) and as large strings; booleans.
    for label, kwargs in [("dictionary", {"dictionary": True}), ("large_string", {"string_type": pa.large_string()})]:
        cols = identity("S", 2, **kwargs)
        cols["申报年度"] = pa.array([2023, 2023], pa.int64())
        cols["固定资产投资额（万元）"] = pa.array([3, 30000], pa.int64())
        write("strings_%s.parquet" % label, cols)
    # Dates: date32, date64, timestamps without and with a zone (2023-04-30T16:30Z is
    # 2023-05-01 in China), and a zone that cannot be placed.
    import datetime
    day = datetime.date(2023, 5, 1)
    instant = datetime.datetime(2023, 4, 30, 16, 30, tzinfo=datetime.timezone.utc)
    for label, arr in [
        ("date32", pa.array([day, day], pa.date32())),
        ("date64", pa.array([day, day], pa.date64())),
        ("timestamp", pa.array([datetime.datetime(2023, 5, 1, 9, 0)] * 2, pa.timestamp("ms"))),
        ("timestamp_shanghai", pa.array([instant] * 2, pa.timestamp("us", tz="Asia/Shanghai"))),
        ("timestamp_utc", pa.array([instant] * 2, pa.timestamp("ns", tz="UTC"))),
        ("timestamp_new_york", pa.array([instant] * 2, pa.timestamp("ms", tz="America/New_York"))),
    ]:
        cols = identity("T", 2)
        cols["申报年度"] = pa.array([2023, 2023], pa.int64())
        cols["固定资产投资额（万元）"] = pa.array([3, 30000], pa.int64())
        cols["购置日期"] = arr
        cols["是否首次/新获认定"] = pa.array([True, False], pa.bool_())
        write("dates_%s.parquet" % label, cols)


if __name__ == "__main__":
    main()
