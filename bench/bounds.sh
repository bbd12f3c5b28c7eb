#!/bin/sh
# How queries that only the limits can stop end (issue 11): for the heaviest SQL the guard
# allows, wall time against --timeout and peak RSS against --memory-limit, whole process;
# for the single-call bombs it refuses, how long the refusal takes. Release build, the
# 200,000-row demo data. Each figure is one run (the limits, not the machine, set them).
. "$(dirname "$0")/lib.sh"
bench_demo bounds 200000
T=2000
M=300MB

# run NAME SQL: one `salesql sql` under the limits; prints seconds, peak RSS and the outcome.
run() {
    /usr/bin/time -f "%e %M" -o "$w/time" "$salesql" sql --quiet --data "$w/data" --db "$w/s.duckdb" \
        --no-refresh --timeout $T --memory-limit $M "$2" >/dev/null 2>"$w/err" && st=0 || st=$?
    read -r secs kb <<EOT
$(tail -n 1 "$w/time")
EOT
    printf '%-28s %6.2f s %6d MB  exit %d  %.90s\n' "$1" "$secs" $((kb / 1024)) "$st" "$(tr '\n' ' ' <"$w/err")"
}

echo "limits: --timeout $T ms, --memory-limit $M; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "-- a plain query, for the process's own size"
run baseline "SELECT region, SUM(sales) AS s FROM mart_dyn_sales GROUP BY region"
echo "-- allowed, stopped by the limits"
run join_64x_growth "SELECT count(*) FROM mart_dyn_sales a, mart_dyn_sales b WHERE contains(replace(replace(a.product_name, 'e', 'eeeeeeee'), 'a', 'aaaaaaaa'), b.customer_name)"
run sort_64x_growth "SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY x, order_id) AS r FROM (SELECT replace(replace(a.product_name, 'e', 'eeeeeeee'), 'a', 'aaaaaaaa') AS x, b.order_id FROM mart_dyn_sales a, (SELECT order_id FROM mart_dyn_sales LIMIT 3) b))"
run string_agg_of_a_join "SELECT string_agg(a.product_name || b.customer_name, ',') FROM mart_dyn_sales a, (SELECT customer_name FROM mart_dyn_sales LIMIT 50) b"
run like_over_a_join "SELECT count(*) FROM mart_dyn_sales a, mart_dyn_sales b WHERE a.product_name || b.customer_name LIKE '%a%e%o%i%u%'"
echo "-- refused before they run"
run levenshtein_bomb "SELECT levenshtein(replace(replace(replace(string_agg(product_name, ''), 'a', 'aaaaaaaaaa'), 'e', 'eeeeeeeeee'), 'o', 'oooooooooo'), string_agg(customer_name, '')) FROM mart_dyn_sales"
run nested_replace_bomb "SELECT max(length(replace(replace(replace(product_name, 'e', 'eeeeeeeeee'), 'e', 'eeeeeeeeee'), 'e', 'eeeeeeeeee'))) FROM mart_dyn_sales"
run like_backtracking "SELECT count(*) FROM mart_dyn_sales WHERE product_name LIKE '%a%e%_x'"
