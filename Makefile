# The README's two commands: `make run` (build, write the demo data, load it, serve it)
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

.PHONY: all deps build run test tsan bench fuzz format install clean

all: build

deps:
	@sh scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target salesql

# `make run` serves the web page on the demo data (written once) until Ctrl-C.
PORT ?= 8080
run: build
	@test -f $(DEMO_DIR)/sales.csv || $(SALESQL) demo --rows $(DEMO_ROWS) --out $(DEMO_DIR)
	$(SALESQL) ingest $(DEMO_ARGS)
	exec $(SALESQL) serve $(DEMO_ARGS) --port $(PORT)

test:
	@sh scripts/deps.sh test
	@cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSALESQL_SANITIZE=ON >/dev/null
	@cmake --build $(TEST_BUILD) -j$(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j$(JOBS)

# ThreadSanitizer over jobs/ and server/: the jobs unit test and a short API run. Not part
# of `make test` (a second full build); see docs/internals/jobs.md.
TSAN_BUILD ?= build-tsan
tsan:
	@sh scripts/deps.sh test
	@cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSALESQL_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j$(JOBS) --target salesql test_jobs
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" ./$(TSAN_BUILD)/tests/test_jobs
	cd tests && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp" SALESQL=$(CURDIR)/$(TSAN_BUILD)/salesql SALESQL_SRC=$(CURDIR) SALESQL_API_QUICK=1 sh e2e/test_api.sh

bench: build
	@sh bench/run.sh

fuzz:
	@sh fuzz/run.sh

format:
	clang-format -i src/*/*.c src/*/*.h tests/unit/*.c fuzz/*.c bench/*.c

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(TSAN_BUILD)
