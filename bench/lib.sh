# Shared by the benchmarks that run on the demo data: `. "$(dirname "$0")/lib.sh"`, then
# `bench_demo NAME ROWS` builds the release binary ($salesql), writes ROWS demo rows once
# into $w/data (w: $BENCH_DIR or /tmp/salesql-bench-NAME) and loads them into $w/s.duckdb.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
salesql="$root/build/salesql"

bench_demo() {
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
    cmake --build "$root/build" -j"$(nproc)" --target salesql >/dev/null
    w=${BENCH_DIR:-/tmp/salesql-bench-$1}
    mkdir -p "$w"
    [ -f "$w/data/sales.csv" ] || "$salesql" demo --quiet --rows "$2" --out "$w/data"
    "$salesql" ingest --quiet --data "$w/data" --db "$w/s.duckdb"
}
