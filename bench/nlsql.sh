#!/bin/sh
# Fast-mode latency: time to understand a question and a cached answer, in process,
# median over every test question of each shared data set (and the record questions of
# tests/corpus/classicmodels and tests/eval/crm), 200 repetitions each; and the
# whole `salesql ask` process for one question (median of 21).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SALESQL_SHARED:-$root/../shared}
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target salesql nlsql_bench >/dev/null
w=${BENCH_DIR:-/tmp/salesql-bench-nlsql}
mkdir -p "$w"
for ds in superstore auto_sales northwind adventureworks; do
    "$root/build/salesql" ingest --quiet --data "$shared/datasets/$ds" --db "$w/$ds.duckdb"
    echo "== $ds"
    "$root/build/bench/nlsql_bench" "$w/$ds.duckdb" 200 "$shared/eval/$ds.jsonl" "$root/tests/eval/$ds.jsonl"
done
# Record questions (lookups, lists, links, self references): the corpus over classicmodels
# and our own accounts data.
"$root/build/salesql" ingest --quiet --data "$shared/datasets/classicmodels" --db "$w/classicmodels.duckdb"
echo "== classicmodels (tests/corpus)"
"$root/build/bench/nlsql_bench" "$w/classicmodels.duckdb" 200 "$root/tests/corpus/classicmodels.jsonl"
"$root/build/salesql" ingest --quiet --data "$root/tests/data/crm" --db "$w/crm.duckdb"
echo "== crm (tests/eval)"
"$root/build/bench/nlsql_bench" "$w/crm.duckdb" 200 "$root/tests/eval/crm.jsonl"
: >"$w/t"
i=0
while [ $i -lt 21 ]; do
    t0=$(date +%s%N)
    "$root/build/salesql" ask --quiet --data "$shared/datasets/superstore" --db "$w/superstore.duckdb" "top 5 regions by sales in Q3 2016" >/dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >>"$w/t"
    i=$((i + 1))
done
sort -n "$w/t" | sed -n 11p | awk '{printf "salesql ask, whole process (superstore, top 5 regions in Q3 2016): %.1f ms median of 21\n", $1/1000}'
