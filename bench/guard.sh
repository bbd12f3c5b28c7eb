#!/bin/sh
# Guard + execute latency of a small query through `salesql sql`, whole process, and the
# guard's own time as reported in the JSON output (median of 21 runs).
. "$(dirname "$0")/lib.sh"
bench_demo guard 200000
q="SELECT region, SUM(sales) AS s FROM mart_dyn_sales WHERE order_date_year = 2023 AND order_date_quarter = 3 GROUP BY region ORDER BY s DESC LIMIT 5"
i=0
: >"$w/t"
while [ $i -lt 21 ]; do
    t0=$(date +%s%N)
    "$salesql" sql --format json --data "$w/data" --db "$w/s.duckdb" "$q" >"$w/out"
    t1=$(date +%s%N)
    g=$(sed -n 's/.*"guard":\([0-9.e-]*\).*/\1/p' "$w/out")
    e=$(sed -n 's/.*"execute":\([0-9.e-]*\).*/\1/p' "$w/out")
    echo "$(( (t1 - t0) / 1000 )) $g $e" >>"$w/t"
    i=$((i + 1))
done
sort -n "$w/t" | sed -n 11p | awk '{printf "salesql sql (200k rows, top 5 regions in a quarter): %.1f ms whole process; guard %.2f ms, execute %.2f ms (median of 21)\n", $1/1000, $2, $3}'
