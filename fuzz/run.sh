#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS (default 60) on
# its corpus (fuzz/corpus/<name>/); new interesting inputs are added to the corpus.
# Usage: fuzz/run.sh [target ...]     e.g. fuzz/run.sh guard
# FUZZ_ARGS adds libFuzzer options, e.g. FUZZ_ARGS=-detect_leaks=0 (leak checks
# while fuzzing cost the guard target two thirds of its speed; the replay in make test
# still checks the corpus for leaks).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DSALESQL_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=${*:-$(cd fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')}
for t in $targets; do
    cmake --build build-fuzz -j"$(nproc)" --target "fuzz_$t" >/dev/null
    mkdir -p "fuzz/corpus/$t" "build-fuzz/crashes/$t"
    echo "fuzzing $t for $secs s"
    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=tests/lsan.supp "build-fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=4096 -artifact_prefix="build-fuzz/crashes/$t/" ${FUZZ_ARGS:-} "fuzz/corpus/$t"
done
