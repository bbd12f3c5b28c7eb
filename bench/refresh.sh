#!/bin/sh
# A refresh with nothing changed over 1,000 small files: the whole `salesql ingest`
# process (open, scan, stat, catalog check) and the in-process refresh time it reports.
# Usage: bench/refresh.sh [FILES]   (default 1000)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
files=${1:-1000}
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target salesql >/dev/null
salesql="$root/build/salesql"
w=${BENCH_DIR:-/tmp/salesql-bench-refresh}
rm -rf "$w"
mkdir -p "$w"
# Loose files with distinct names: 1,000 sources, the worst case for the catalog.
"$salesql" demo --quiet --rows $((files * 20)) --files "$files" --out "$w/gen"
mkdir -p "$w/data"
# Names without digits, so that they do not form one digit series: store_aaa.csv, ...
n=0
for f in "$w"/gen/sales/*.csv; do
    name=$(echo $n | awk '{ s = ""; for (i = 0; i < 3; i++) { s = sprintf("%c", 97 + $1 % 26) s; $1 = int($1 / 26) } print s }')
    cp "$f" "$w/data/store_$name.csv"
    n=$((n + 1))
done
# ...and the same files as one folder source (one mart of 1,000 files).
mkdir -p "$w/folder"
cp -r "$w/gen/sales" "$w/folder/"
for layout in data folder; do
    "$salesql" ingest --quiet --data "$w/$layout" --db "$w/$layout.duckdb"
    times=""
    i=0
    while [ $i -lt 11 ]; do
        t0=$(date +%s%N)
        "$salesql" ingest --data "$w/$layout" --db "$w/$layout.duckdb" 2>"$w/out"
        t1=$(date +%s%N)
        grep -q ' 0 changed' "$w/out" || { cat "$w/out"; exit 1; }
        inproc=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' "$w/out")
        times="$times$(( (t1 - t0) / 1000 )) $inproc\n"
        i=$((i + 1))
    done
    printf "$times" | sort -n | sed -n 6p | awk -v f="$files" -v l="$layout" \
        '{printf "no-change refresh, %d files (%s): %.1f ms whole process, %.1f ms in the refresh (median of 11)\n", f, l == "data" ? "1,000 sources" : "one folder source", $1/1000, $2*1000}'
done
