#!/bin/sh
# Ingest of one ~1 GB CSV from `salesql demo`: salesql vs a bare DuckDB
# CREATE TABLE AS SELECT * FROM read_csv_auto (bench/bare_load.c) vs pandas read_csv,
# wall time and peak RSS, median of RUNS runs each, warm page cache.
# Usage: bench/ingest.sh [ROWS]   (default 5000000 rows, about 1.1 GB)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rows=${1:-5000000}
runs=${RUNS:-3}
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target salesql bare_load >/dev/null
salesql="$root/build/salesql"
bare="$root/build/bench/bare_load"
w=${BENCH_DIR:-/tmp/salesql-bench-ingest}
mkdir -p "$w"
[ -f "$w/data/sales.csv" ] || "$salesql" demo --quiet --rows "$rows" --out "$w/data"
csv="$w/data/sales.csv"
mb=$(($(stat -c %s "$csv") / 1000000))
cat "$csv" >/dev/null # warm the page cache

# measure NAME COMMAND...: appends "seconds max_rss_kb" to $w/NAME.times
measure() {
    name=$1
    shift
    rm -rf "$w/db"
    mkdir -p "$w/db"
    /usr/bin/time -f "%e %M" -o "$w/t" "$@" >/dev/null 2>"$w/stderr" || {
        cat "$w/stderr"
        exit 1
    }
    cat "$w/t" >>"$w/$name.times"
}
rm -f "$w"/*.times
i=0
while [ $i -lt "$runs" ]; do
    measure bare "$bare" "$w/db/bare.duckdb" "$csv"
    measure salesql "$salesql" ingest --quiet --data "$w/data" --db "$w/db/s.duckdb"
    if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
        measure pandas /usr/bin/python3 -c "import pandas; pandas.read_csv('$csv')"
    fi
    i=$((i + 1))
done
median() { sort -n -k1 "$1" | sed -n "$(((runs + 1) / 2))p"; }
b=$(median "$w/bare.times")
s=$(median "$w/salesql.times")
echo "file: $csv ($mb MB, $rows rows); $runs runs each, median"
echo "bare DuckDB CTAS read_csv_auto: $(echo "$b" | awk '{printf "%.2f s, %.0f MB peak RSS", $1, $2/1024}')"
echo "salesql ingest:                 $(echo "$s" | awk '{printf "%.2f s, %.0f MB peak RSS", $1, $2/1024}')"
if [ -f "$w/pandas.times" ]; then
    p=$(median "$w/pandas.times")
    echo "pandas read_csv:                $(echo "$p" | awk '{printf "%.2f s, %.0f MB peak RSS", $1, $2/1024}')"
fi
echo "$b $s" | awk -v mb="$mb" -v rows="$rows" '{printf "ratio salesql/bare: %.2f; salesql: %.0f MB/s, %.2f M rows/s\n", $3/$1, mb/$3, rows/$3/1e6}'
