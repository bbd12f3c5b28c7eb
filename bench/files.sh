#!/bin/sh
# Issue 13, loading folders of files: `salesql ingest` against a bare DuckDB load of the
# same files in one statement (bench/bare_load.c), run alternately RUNS times (default 3)
# into fresh databases, warm page cache; medians of wall time and CPU (user + sys):
#   - the demo data in 250 MB files, for each SIZE_GB given (default 1 4);
#   - 1,000 small files of 20 rows (one folder source).
# Prints its figures; the data stays in $BENCH_DIR (default /tmp/salesql-bench-files).
# Usage: bench/files.sh [SIZE_GB...]      e.g. sh bench/files.sh 1 4
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$root/build}
sizes=${*:-1 4}
runs=${RUNS:-3}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF \
    -DSALESQL_SANITIZE=OFF >/dev/null
cmake --build "$build" -j2 --target salesql bare_load >/dev/null
salesql="$build/salesql"
bare="$build/bench/bare_load"
w=${BENCH_DIR:-/tmp/salesql-bench-files}
mkdir -p "$w"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# timed FILE COMMAND...: appends "wall cpu" (seconds) to FILE.
timed() {
    out=$1
    shift
    /usr/bin/time -f "%e %U %S" -o "$w/time" "$@" >/dev/null 2>"$w/err" || {
        echo "failed: $*" >&2
        tail -5 "$w/err" >&2
        exit 1
    }
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$w/time" >>"$out"
}
median() { sort -n -k"$2" "$1" | sed -n "$(((runs + 1) / 2))p" | cut -d' ' -f"$2"; }

# compare LABEL DATA FOLDER: alternate bare and salesql runs, print medians and ratios.
compare() {
    rm -f "$w/bare.t" "$w/sq.t"
    i=0
    while [ $i -lt "$runs" ]; do
        rm -rf "$w/db" && mkdir -p "$w/db"
        timed "$w/bare.t" "$bare" "$w/db/bare.duckdb" "$3"
        timed "$w/sq.t" "$salesql" ingest --quiet --data "$2" --db "$w/db/s.duckdb"
        i=$((i + 1))
    done
    bw=$(median "$w/bare.t" 1) bc=$(median "$w/bare.t" 2)
    sw=$(median "$w/sq.t" 1) sc=$(median "$w/sq.t" 2)
    echo "$1: bare ${bw} s (${bc} s CPU), salesql ${sw} s (${sc} s CPU): $(echo "$sw $bw $sc $bc" | awk '{printf "%.2fx wall, %.2fx CPU", $1 / $2, $3 / $4}')"
}

for gb in $sizes; do
    d="$w/csv$gb"
    [ -d "$d/sales" ] || "$salesql" demo --quiet --rows $((gb * 4600000)) --files $((gb * 4)) --out "$d"
    cat "$d"/sales/*.csv >/dev/null
    compare "$gb GB in $((gb * 4)) files" "$d" "$d/sales"
done
d="$w/small"
[ -d "$d/sales" ] || "$salesql" demo --quiet --rows 20000 --files 1000 --out "$d"
compare "1,000 files of 20 rows" "$d" "$d/sales"
"$salesql" ingest --quiet --data "$d" --db "$w/db/s.duckdb"
for i in 1 2 3 4 5; do
    "$salesql" ingest --data "$d" --db "$w/db/s.duckdb" 2>&1 | sed -n 's/.* in \([0-9.]*\) s$/\1/p'
done | sort -n | sed -n 3p | awk '{printf "no-change refresh of 1,000 files: %.0f ms (median of 5, the refresh itself)\n", $1 * 1000}'
