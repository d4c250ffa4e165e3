# The two commands of the README: `make run` and `make test`. Everything else is optional.
CARGO ?= cargo
BIN := target/release/subsidy

.PHONY: run test build sample check clean bench cluster

build:
	$(CARGO) build --release --locked

# The main job: compute the shipped sample batch under the shipped policies into out/.
# Exit status 1 means the ledger was written and some rows were unreadable (the sample
# holds a few bad cells on purpose); only 2 (nothing written) fails the target.
run: build
	$(BIN) run --config config --out out samples/ || [ $$? -eq 1 ]
	@ls -l out/

# Every test: unit tests, catalogue examples as data, CLI and golden-ledger tests.
test:
	$(CARGO) test --release --locked

# Regenerate the shipped sample workbook (deterministic).
sample: build
	$(BIN) sample --rows 300 --seed 2023 --year 2023 --out samples/applications-2023.xlsx

check: build
	$(BIN) check samples/ || [ $$? -eq 1 ]

clean:
	rm -rf out

# Benchmark, not part of `make test` (and not for CI): subsidy run against its floor (calamine
# read + rust_xlsxwriter write alone) at 10k, 100k and 1M rows; prints the table and writes
# benches/results.md. Sizes: make bench BENCH_SIZES="10000 100000".
BENCH_SIZES ?= 10000 100000 1000000
bench:
	BENCH_SIZES="$(BENCH_SIZES)" CARGO="$(CARGO)" benches/bench.sh

# The Spark job of cluster/ in local[2] mode on a generated Parquet batch of CLUSTER_ROWS rows,
# checked against a single-machine run to the 分 (installs pyspark, pyarrow and pandas into
# target/cluster-venv from PyPI; needs Java 17). CI runs it after the tests.
CLUSTER_ROWS ?= 200000
CLUSTER_PARTS ?= 4
cluster: build
	BIN=$(BIN) CLUSTER_ROWS=$(CLUSTER_ROWS) CLUSTER_PARTS=$(CLUSTER_PARTS) cluster/run.sh
