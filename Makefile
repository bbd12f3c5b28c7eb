# The README's two commands: `make run` (build, write the demo data, load and query it)
# and `make test` (build with sanitizers, run every test). Both install what they need:
# Debian packages through scripts/deps.sh, DuckDB through scripts/fetch-duckdb.sh.

BUILD      ?= build
TEST_BUILD ?= build-test
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DIR   ?= .cache/demo
DEMO_DB    ?= .cache/demo.duckdb
DEMO_ROWS  ?= 200000
SALESQL     = ./$(BUILD)/salesql
DEMO_ARGS   = --data $(DEMO_DIR) --db $(DEMO_DB)

.PHONY: all deps build run test bench fuzz format install clean

all: build

deps:
	@sh scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target salesql

# Until the web page arrives, `make run` shows the pipeline on the command line.
run: build
	@test -f $(DEMO_DIR)/sales.csv || $(SALESQL) demo --rows $(DEMO_ROWS) --out $(DEMO_DIR)
	$(SALESQL) ingest $(DEMO_ARGS)
	$(SALESQL) schema $(DEMO_ARGS)
	$(SALESQL) sql $(DEMO_ARGS) "SELECT region, round(SUM(sales), 2) AS sales, round(SUM(profit), 2) AS profit FROM mart_dyn_sales WHERE order_date_year = 2023 GROUP BY region ORDER BY sales DESC"
	$(SALESQL) ask $(DEMO_ARGS) "top 5 states by sales in Q3 2024"
	$(SALESQL) ask $(DEMO_ARGS) "monthly profit in 2023 for the West region"

test:
	@sh scripts/deps.sh test
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSALESQL_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	@sh bench/run.sh

fuzz:
	@sh fuzz/run.sh

format:
	clang-format -i src/*/*.c src/*/*.h tests/unit/*.c fuzz/*.c bench/*.c

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD)
