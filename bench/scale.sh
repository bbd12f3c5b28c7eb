#!/bin/sh
# Issue 6, cost against data size: for each size (GB of demo CSV, default 1 4 16), and one
# file per ~250 MB:
#   - ingest: a bare DuckDB load of the same files in one statement (bench/bare_load.c) vs
#     `salesql ingest` (DuckDB's default memory limit / salesql's default), then salesql
#     again with --memory-limit 1GB; wall time, MB/s, rows/s and peak RSS (/usr/bin/time);
#     pandas read_csv of every file (Debian's python3-pandas) up to PANDAS_MAX_GB (1);
#   - refresh: nothing changed, then one file touched (cost of one changed file);
#   - the three fast-mode questions, median of 5 `salesql ask` runs each (DuckDB's execute
#     time from the answer, and the whole process), on the loaded table, on the same rows
#     as zstd Parquet read in place (--parquet=view), and after `salesql compact`.
# Prints its figures; the generated data stays in $BENCH_DIR (default
# /tmp/salesql-bench-scale) for the next run: delete it when done (16 GB needs ~45 GB).
# Usage: bench/scale.sh [SIZE_GB...]      e.g. sh bench/scale.sh 1 4 16
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build}
sizes=${*:-1 4 16}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF \
    -DSALESQL_SANITIZE=OFF >/dev/null
cmake --build "$build" -j2 --target salesql bare_load >/dev/null
salesql="$build/salesql"
bare="$build/bench/bare_load"
w=${BENCH_DIR:-/tmp/salesql-bench-scale}
mkdir -p "$w"
rows_per_gb=${ROWS_PER_GB:-4600000} # demo rows are ~217 bytes of CSV (smaller: a quick smoke run)
q1="top 5 regions by sales in Q3 2024"
q2="monthly sales trend"
q3="top 10 products by sales in the West region for Technology"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"

# timed NAME COMMAND...: runs it under /usr/bin/time; sets $secs and $rss_mb.
timed() {
    name=$1
    shift
    /usr/bin/time -f "%e %M" -o "$w/time" "$@" >"$w/out" 2>"$w/err" || {
        echo "$name failed:" >&2
        tail -5 "$w/err" >&2
        exit 1
    }
    secs=$(awk '{print $1}' "$w/time")
    rss_mb=$(awk '{printf "%.0f", $2 / 1024}' "$w/time")
}

# questions LABEL DATA DB: median execute and whole-process times of the three questions.
questions() {
    for q in "$q1" "$q2" "$q3"; do
        rm -f "$w/exec" "$w/wall"
        i=0
        while [ $i -lt 5 ]; do
            t0=$(date +%s%N)
            "$salesql" ask --quiet --format json --data "$2" --db "$3" "$q" >"$w/answer"
            t1=$(date +%s%N)
            /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] == "ok", d; print(d["timings_ms"]["execute"])' "$w/answer" >>"$w/exec"
            echo $(((t1 - t0) / 1000000)) >>"$w/wall"
            i=$((i + 1))
        done
        e=$(sort -n "$w/exec" | sed -n 3p)
        p=$(sort -n "$w/wall" | sed -n 3p)
        printf "  %-8s %-60s execute %8.1f ms, whole process %6d ms\n" "$1" "\"$q\"" "$e" "$p"
    done
}

for gb in $sizes; do
    rows=$((gb * rows_per_gb))
    files=$((gb * 4))
    csv="$w/csv$gb"
    pq="$w/pq$gb"
    if [ ! -f "$csv/.done" ]; then
        rm -rf "$csv"
        timed demo "$salesql" demo --quiet --rows "$rows" --files "$files" --out "$csv"
        echo "demo csv: $rows rows, $files files in $secs s"
        touch "$csv/.done"
    fi
    bytes=$(du -sb "$csv" | awk '{print $1}')
    mb=$((bytes / 1000000))
    echo "== $gb GB: $mb MB of CSV, $rows rows, $files files"
    cat "$csv"/sales/*.csv >/dev/null # warm the page cache where it fits

    rm -rf "$w/db" && mkdir -p "$w/db"
    timed bare "$bare" "$w/db/bare.duckdb" "$csv/sales"
    bs=$secs
    printf "  bare DuckDB CTAS read_csv_auto(folder): %7.1f s  %5.0f MB/s  %5.2f M rows/s  peak RSS %5d MB\n" \
        "$secs" "$(echo "$mb $secs" | awk '{print $1 / $2}')" "$(echo "$rows $secs" | awk '{print $1 / $2 / 1e6}')" "$rss_mb"
    rm -rf "$w/db/bare.duckdb"*
    timed salesql "$salesql" ingest --quiet --data "$csv" --db "$w/db/s.duckdb"
    ss=$secs
    printf "  salesql ingest:                         %7.1f s  %5.0f MB/s  %5.2f M rows/s  peak RSS %5d MB  (ratio to bare %.2f)\n" \
        "$secs" "$(echo "$mb $secs" | awk '{print $1 / $2}')" "$(echo "$rows $secs" | awk '{print $1 / $2 / 1e6}')" "$rss_mb" \
        "$(echo "$ss $bs" | awk '{print $1 / $2}')"
    timed limited "$salesql" ingest --quiet --memory-limit 1GB --data "$csv" --db "$w/db/limited.duckdb"
    printf "  salesql ingest --memory-limit 1GB:      %7.1f s  %5.0f MB/s  %5.2f M rows/s  peak RSS %5d MB\n" \
        "$secs" "$(echo "$mb $secs" | awk '{print $1 / $2}')" "$(echo "$rows $secs" | awk '{print $1 / $2 / 1e6}')" "$rss_mb"
    rm -rf "$w/db/limited.duckdb"*
    echo "  database file: $(($(stat -c %s "$w/db/s.duckdb") / 1000000)) MB"
    if [ "$gb" -le "${PANDAS_MAX_GB:-1}" ] && /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
        timed pandas /usr/bin/python3 -c "import glob, pandas; pandas.concat([pandas.read_csv(f) for f in sorted(glob.glob('$csv/sales/*.csv'))])"
        printf "  pandas read_csv + concat:               %7.1f s  %5.0f MB/s  %5.2f M rows/s  peak RSS %5d MB\n" \
            "$secs" "$(echo "$mb $secs" | awk '{print $1 / $2}')" "$(echo "$rows $secs" | awk '{print $1 / $2 / 1e6}')" "$rss_mb"
    fi

    timed nochange "$salesql" ingest --data "$csv" --db "$w/db/s.duckdb"
    printf "  refresh, nothing changed:   %6.2f s (%s)\n" "$secs" "$(tail -1 "$w/err")"
    touch "$csv/sales/sales_0002.csv"
    timed onefile "$salesql" ingest --data "$csv" --db "$w/db/s.duckdb"
    printf "  refresh, one file changed:  %6.2f s, peak RSS %d MB (%s)\n" "$secs" "$rss_mb" "$(tail -1 "$w/err")"
    timed ask "$salesql" ask --quiet --data "$csv" --db "$w/db/s.duckdb" "$q2"
    echo "  peak RSS of one question (trend over all rows): $rss_mb MB"

    echo "  questions (median of 5):"
    questions loaded "$csv" "$w/db/s.duckdb"
    if [ ! -f "$pq/.done" ]; then
        rm -rf "$pq"
        timed demo "$salesql" demo --quiet --rows "$rows" --files "$files" --format parquet --out "$pq"
        echo "  demo parquet: $rows rows in $secs s"
        touch "$pq/.done"
    fi
    timed view "$salesql" ingest --quiet --parquet view --data "$pq" --db "$w/db/view.duckdb"
    echo "  Parquet ($(($(du -sb "$pq" | awk '{print $1}') / 1000000)) MB) read in place: ingest --parquet view $secs s, peak RSS $rss_mb MB"
    questions view "$pq" "$w/db/view.duckdb"
    timed compact "$salesql" compact --quiet --data "$csv" --db "$w/db/s.duckdb"
    echo "  salesql compact: $secs s, peak RSS $rss_mb MB, parts $(($(du -sb "$w/db/compact" | awk '{print $1}') / 1000000)) MB, database file now $(($(stat -c %s "$w/db/s.duckdb") / 1000000)) MB"
    questions compact "$csv" "$w/db/s.duckdb"
    rm -rf "$w/db"
done
