# Queries the guard must accept and that must run on the fixture (tests/unit/test_guard.c):
# the analytics SQL users and the question parser write. Same format as hostile.sql.

-- case: total expect: ok
SELECT SUM(sales) FROM mart_dyn_sales
-- case: group_by expect: ok
SELECT region, SUM(sales) AS s FROM mart_dyn_sales GROUP BY region ORDER BY s DESC
-- case: raw_table expect: ok
SELECT count(*) FROM raw_sales
-- case: top_n expect: ok
SELECT product, SUM(quantity) AS q FROM mart_dyn_sales GROUP BY 1 ORDER BY q DESC LIMIT 5
-- case: where_date expect: ok
SELECT SUM(sales) FROM mart_dyn_sales WHERE year(order_date) = 2020 AND quarter(order_date) = 3
-- case: between_dates expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE order_date BETWEEN DATE '2020-01-01' AND DATE '2020-03-31'
-- case: date_trunc expect: ok
SELECT date_trunc('month', order_date) AS m, SUM(sales) FROM mart_dyn_sales GROUP BY m ORDER BY m
-- case: extract expect: ok
SELECT EXTRACT(year FROM order_date) AS y, count(*) FROM mart_dyn_sales GROUP BY y
-- case: strftime expect: ok
SELECT strftime(order_date, '%Y-%m') AS ym, SUM(sales) FROM mart_dyn_sales GROUP BY ym
-- case: interval expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE order_date >= DATE '2020-06-01' - INTERVAL 3 MONTH
-- case: cte expect: ok
WITH r AS (SELECT region, SUM(sales) AS s FROM mart_dyn_sales GROUP BY region) SELECT * FROM r WHERE s > 0
-- case: two_ctes expect: ok
WITH a AS (SELECT region, sales FROM mart_dyn_sales), b AS (SELECT region, SUM(sales) AS s FROM a GROUP BY region) SELECT * FROM b
-- case: materialized_cte expect: ok
WITH a AS MATERIALIZED (SELECT * FROM mart_dyn_sales) SELECT count(*) FROM a
-- case: window expect: ok
SELECT region, sales, rank() OVER (PARTITION BY region ORDER BY sales DESC) AS r FROM mart_dyn_sales
-- case: share expect: ok
SELECT region, 100 * SUM(sales) / SUM(SUM(sales)) OVER () AS pct FROM mart_dyn_sales GROUP BY region
-- case: share_subquery expect: ok
SELECT region, 100 * SUM(sales) / (SELECT SUM(sales) FROM mart_dyn_sales) FROM mart_dyn_sales GROUP BY region
-- case: lag expect: ok
SELECT y, s, s - lag(s) OVER (ORDER BY y) AS diff FROM (SELECT year(order_date) AS y, SUM(sales) AS s FROM mart_dyn_sales GROUP BY y)
-- case: case_when expect: ok
SELECT CASE WHEN sales > 100 THEN 'big' ELSE 'small' END AS size, count(*) FROM mart_dyn_sales GROUP BY 1
-- case: filter_clause expect: ok
SELECT count(*) FILTER (WHERE region = 'West') AS west FROM mart_dyn_sales
-- case: count_distinct expect: ok
SELECT COUNT(DISTINCT product) FROM mart_dyn_sales
-- case: in_list expect: ok
SELECT SUM(sales) FROM mart_dyn_sales WHERE region IN ('West', 'East') AND region NOT IN ('South')
-- case: like expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE product LIKE 'P1%' OR product ILIKE 'p2%'
-- case: coalesce_nullif expect: ok
SELECT coalesce(NULLIF(region, ''), 'none') AS r FROM mart_dyn_sales LIMIT 3
-- case: cast expect: ok
SELECT CAST(sales AS INTEGER), sales::VARCHAR, TRY_CAST(region AS INTEGER) FROM mart_dyn_sales LIMIT 2
-- case: round_math expect: ok
SELECT round(avg(sales), 2), floor(max(sales)), ceil(min(sales)), abs(-1), sqrt(4.0), power(2, 3) FROM mart_dyn_sales
-- case: string_functions expect: ok
SELECT upper(region), lower(region), length(product), substring(product, 1, 2), concat(region, '-', product), trim('  a ') FROM mart_dyn_sales LIMIT 2
-- case: union expect: ok
SELECT 'West' AS r UNION ALL SELECT region FROM mart_dyn_sales WHERE region = 'East'
-- case: intersect expect: ok
SELECT region FROM mart_dyn_sales INTERSECT SELECT region FROM raw_sales
-- case: values expect: ok
VALUES (1, 'a'), (2, 'b')
-- case: self_join expect: ok
SELECT a.region, count(*) FROM mart_dyn_sales a JOIN mart_dyn_sales b ON a.product = b.product GROUP BY a.region
-- case: left_join_subquery expect: ok
SELECT s.region, t.total FROM mart_dyn_sales s LEFT JOIN (SELECT region, SUM(sales) AS total FROM raw_sales GROUP BY region) t USING (region) LIMIT 5
-- case: exists expect: ok
SELECT DISTINCT region FROM mart_dyn_sales s WHERE EXISTS (SELECT 1 FROM raw_sales r WHERE r.region = s.region)
-- case: having expect: ok
SELECT region FROM mart_dyn_sales GROUP BY region HAVING SUM(sales) > 10
-- case: rollup expect: ok
SELECT region, SUM(sales) FROM mart_dyn_sales GROUP BY ROLLUP (region)
-- case: qualify expect: ok
SELECT region, product, sales FROM mart_dyn_sales QUALIFY row_number() OVER (PARTITION BY region ORDER BY sales DESC) = 1
-- case: from_first expect: ok
FROM mart_dyn_sales SELECT region LIMIT 1
-- case: median_quantile expect: ok
SELECT median(sales), quantile_cont(sales, 0.9), stddev(sales) FROM mart_dyn_sales
-- case: arg_max expect: ok
SELECT arg_max(region, sales) FROM mart_dyn_sales
-- case: uppercase_names expect: ok
SELECT REGION, SUM(SALES) FROM MART_DYN_SALES GROUP BY REGION
-- case: quoted_names expect: ok
SELECT "region", SUM("sales") FROM "mart_dyn_sales" GROUP BY "region"
-- case: main_schema expect: ok
SELECT count(*) FROM main.mart_dyn_sales
-- case: trailing_semicolon expect: ok
SELECT 1;
-- case: comments expect: ok
-- a comment
SELECT /* inline */ region FROM mart_dyn_sales LIMIT 1 -- trailing
-- case: string_with_keywords expect: ok
SELECT 'DROP TABLE raw_sales; read_csv(''x'')' AS s
-- case: star_exclude expect: ok
SELECT * EXCLUDE (order_date) FROM mart_dyn_sales LIMIT 1
-- case: list_functions expect: ok
SELECT list_contains(['West'], region), list_transform([1, 2], x -> x * 2) FROM mart_dyn_sales LIMIT 1
-- case: main_qualified_function expect: ok
SELECT main.sum(sales) FROM mart_dyn_sales
# CTE scoping (issue 11): what the binder allows, the guard allows.
-- case: cte_later_sees_earlier expect: ok
WITH a AS (SELECT region, sum(sales) AS s FROM mart_dyn_sales GROUP BY region), b AS (SELECT * FROM a WHERE s > 0) SELECT * FROM b ORDER BY s DESC
-- case: cte_shadows_mart_over_itself expect: ok
WITH mart_dyn_sales AS (SELECT * FROM mart_dyn_sales WHERE sales > 100) SELECT count(*) FROM mart_dyn_sales
-- case: cte_outer_seen_in_nested expect: ok
WITH a AS (SELECT region FROM mart_dyn_sales) SELECT * FROM (WITH b AS (SELECT * FROM a) SELECT * FROM b) AS t LIMIT 3
-- case: cte_outer_seen_in_scalar_subquery expect: ok
WITH a AS (SELECT sum(sales) AS s FROM mart_dyn_sales) SELECT region, sum(sales) / (SELECT s FROM a) AS share FROM mart_dyn_sales GROUP BY region
-- case: cte_materialized expect: ok
WITH a AS MATERIALIZED (SELECT region, sales FROM mart_dyn_sales), b AS (SELECT * FROM a) SELECT count(*) FROM b
-- case: cte_used_twice expect: ok
WITH a AS (SELECT region, sum(sales) AS s FROM mart_dyn_sales GROUP BY region) SELECT x.region FROM a AS x JOIN a AS y USING (region)
-- case: natural_self_join expect: ok
SELECT count(*) FROM mart_dyn_sales NATURAL JOIN raw_sales
-- case: lateral_over_mart expect: ok
SELECT s.region, m.n FROM (SELECT DISTINCT region FROM mart_dyn_sales) AS s, LATERAL (SELECT count(*) AS n FROM mart_dyn_sales AS t WHERE t.region = s.region) AS m

# Text functions within the cost rules (cost.c): what analysts and the model write.
-- case: cost_concat_columns expect: ok
SELECT concat(region, ' - ', product) AS label, upper(trim(region)) FROM mart_dyn_sales LIMIT 5
-- case: cost_replace_and_regexp_replace expect: ok
SELECT replace(product, 'P', 'Product ') AS p, regexp_replace(product, '[^0-9]', '', 'g') AS digits FROM mart_dyn_sales LIMIT 5
-- case: cost_like_forms expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE product LIKE '%1%' OR product ILIKE 'p%2%3' OR product LIKE 'P_5%' OR product NOT LIKE '%9' OR product GLOB '*7*'
-- case: cost_like_one_percent_with_underscore expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE product LIKE '%1_' OR product LIKE 'P__%'
-- case: cost_contains_literal_and_column expect: ok
SELECT count(*) FROM mart_dyn_sales WHERE contains(lower(product), 'p1') OR strpos(product, region) > 0 OR starts_with(product, 'P')
-- case: cost_string_agg_top expect: ok
SELECT region, string_agg(product, ', ' ORDER BY product) AS products, list(quantity) AS qs FROM mart_dyn_sales GROUP BY region ORDER BY region
-- case: cost_cte_concat_then_search expect: ok
WITH a AS (SELECT concat(region, ' ', product) AS rp FROM mart_dyn_sales) SELECT rp || '!' FROM a WHERE contains(rp, 'West') LIMIT 3
-- case: cost_lambda_own_params expect: ok
SELECT list_transform(string_split(product, 'P'), w -> upper(w)) AS parts, list_filter([quantity, 2, 3], x -> x > 1) AS big FROM mart_dyn_sales LIMIT 3
-- case: cost_quantiles expect: ok
SELECT quantile_cont(sales, [0.25, 0.5, 0.75]) AS q, median(sales) FROM mart_dyn_sales
-- case: cost_split_and_trim expect: ok
SELECT split_part(product, 'P', 2) AS n, trim(region, 'W') FROM mart_dyn_sales LIMIT 3
-- case: cost_lag_with_default expect: ok
SELECT product, lag(product, 1, 'none') OVER (ORDER BY sales) AS prev FROM mart_dyn_sales LIMIT 3
-- case: cost_alias_chain_small expect: ok
SELECT upper(region) AS r, r || ':' || product AS label FROM mart_dyn_sales LIMIT 3
-- case: cost_cast_to_text expect: ok
SELECT CAST(sales AS VARCHAR) || ' USD' AS s, CAST(order_date AS VARCHAR) FROM mart_dyn_sales LIMIT 3
-- case: cost_formatted_dates_through_ctes expect: ok
WITH m AS (SELECT strftime(order_date, '%Y-%m') AS ym, region FROM mart_dyn_sales), l AS (SELECT ym || ' ' || upper(region) AS label FROM m), w AS (SELECT label || ' / ' || label AS twice FROM l) SELECT concat(twice, ' ', twice, ' ', twice) AS t FROM w LIMIT 3
