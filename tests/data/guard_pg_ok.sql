# SQL the guard on PostgreSQL must let run (tests/unit/test_guard_pg.c): the shapes fast
# mode's PostgreSQL emitter and a model writing PostgreSQL will produce over the mart
# views. Each case starts with a line "-- case: NAME expect: ok". The policy allows
# mart_dyn_sales, mart_dyn_orders, mart_dyn_customers and raw_sales, qualified only with
# the schema mart. Lines starting with # are comments.

-- case: select_star expect: ok
SELECT * FROM mart_dyn_sales
-- case: select_no_from expect: ok
SELECT 1
-- case: trailing_semicolon expect: ok
SELECT region FROM mart_dyn_sales;
-- case: empty_statements_around expect: ok
;SELECT region FROM mart_dyn_sales;;
-- case: total expect: ok
SELECT SUM(sales) AS sales FROM mart_dyn_sales
-- case: top_n_breakdown expect: ok
SELECT region, SUM(sales) AS sales FROM mart_dyn_sales WHERE order_date >= DATE '2017-07-01' AND order_date < DATE '2017-10-01' GROUP BY region ORDER BY sales DESC NULLS LAST LIMIT 5
-- case: group_by_ordinal expect: ok
SELECT region, category, count(*) FROM mart_dyn_sales GROUP BY 1, 2 ORDER BY 3 DESC
-- case: trend_date_trunc expect: ok
SELECT date_trunc('month', order_date)::date AS month, SUM(sales) AS sales FROM mart_dyn_sales GROUP BY 1 ORDER BY 1
-- case: extract_year_quarter expect: ok
SELECT EXTRACT(YEAR FROM order_date) AS year, EXTRACT(QUARTER FROM order_date) AS quarter, SUM(sales) FROM mart_dyn_sales GROUP BY 1, 2 ORDER BY 1, 2
-- case: date_part expect: ok
SELECT date_part('dow', order_date) AS dow, avg(quantity) FROM mart_dyn_sales GROUP BY 1
-- case: to_char_month expect: ok
SELECT to_char(order_date, 'YYYY-MM') AS month, round(SUM(sales)::numeric, 2) AS sales FROM mart_dyn_sales GROUP BY 1 ORDER BY 1
-- case: ilike expect: ok
SELECT product, SUM(sales) FROM mart_dyn_sales WHERE product ILIKE '%chair%' AND region NOT ILIKE 'west' GROUP BY product
-- case: like_escape expect: ok
SELECT product FROM mart_dyn_sales WHERE product LIKE '50!% off%' ESCAPE '!'
-- case: similar_to expect: ok
SELECT product FROM mart_dyn_sales WHERE product SIMILAR TO '(P|Q)[0-9]+'
-- case: regex_match expect: ok
SELECT product FROM mart_dyn_sales WHERE product ~* '^p[0-9]+$' AND product !~ 'x'
-- case: case_when expect: ok
SELECT CASE WHEN sales >= 1000 THEN 'large' WHEN sales >= 100 THEN 'medium' ELSE 'small' END AS size, count(*) FROM mart_dyn_sales GROUP BY 1
-- case: simple_case expect: ok
SELECT CASE region WHEN 'West' THEN 1 WHEN 'East' THEN 2 END FROM mart_dyn_sales
-- case: coalesce_nullif expect: ok
SELECT COALESCE(region, 'unknown') AS region, SUM(sales) / NULLIF(SUM(quantity), 0) AS price FROM mart_dyn_sales GROUP BY 1
-- case: greatest_least expect: ok
SELECT GREATEST(sales, 0), LEAST(quantity, 10) FROM mart_dyn_sales
-- case: casts expect: ok
SELECT CAST(sales AS DOUBLE PRECISION), quantity::int, quantity::bigint, sales::numeric(12, 2), order_date::timestamp, order_date::timestamptz, region::text, region::varchar(20), CAST(quantity AS smallint), CAST(quantity AS real), CAST(region AS char(3)), sales::decimal, (quantity > 1)::boolean FROM mart_dyn_sales
-- case: typed_literals expect: ok
SELECT DATE '2017-01-01', TIMESTAMP '2017-01-01 00:00:00', INTERVAL '3 months', INTERVAL '1' DAY, TIME '10:00', '2017-01-01'::date + 1
-- case: date_arithmetic expect: ok
SELECT SUM(sales) FROM mart_dyn_sales WHERE order_date >= CURRENT_DATE - INTERVAL '12 months' AND order_date < now()
-- case: current_timestamp expect: ok
SELECT CURRENT_TIMESTAMP, LOCALTIMESTAMP(0), CURRENT_TIME, LOCALTIME
-- case: at_time_zone expect: ok
SELECT order_date::timestamp AT TIME ZONE 'UTC' FROM mart_dyn_sales
-- case: between_in expect: ok
SELECT * FROM mart_dyn_sales WHERE sales BETWEEN 10 AND 100 AND region IN ('West', 'East') AND product NOT IN ('P1', 'P2') AND quantity NOT BETWEEN SYMMETRIC 5 AND 1
-- case: null_tests expect: ok
SELECT * FROM mart_dyn_sales WHERE region IS NOT NULL AND product IS NULL OR region IS NOT DISTINCT FROM 'West' OR (sales > 0) IS TRUE
-- case: share_of_total expect: ok
SELECT region, SUM(sales) / (SELECT SUM(sales) FROM mart_dyn_sales) AS share FROM mart_dyn_sales GROUP BY region
-- case: share_window expect: ok
SELECT region, SUM(sales) AS sales, SUM(sales) / SUM(SUM(sales)) OVER () AS share FROM mart_dyn_sales GROUP BY region
-- case: top_n_per_group expect: ok
SELECT region, product, sales FROM (SELECT region, product, SUM(sales) AS sales, ROW_NUMBER() OVER (PARTITION BY region ORDER BY SUM(sales) DESC) AS rn FROM mart_dyn_sales GROUP BY region, product) t WHERE rn <= 3 ORDER BY region, sales DESC
-- case: rank_dense_rank expect: ok
SELECT product, RANK() OVER (ORDER BY sales DESC), DENSE_RANK() OVER (PARTITION BY region ORDER BY sales DESC), percent_rank() OVER (ORDER BY sales), ntile(4) OVER (ORDER BY sales) FROM mart_dyn_sales
-- case: growth_lag expect: ok
WITH m AS (SELECT date_trunc('month', order_date) AS month, SUM(sales) AS sales FROM mart_dyn_sales GROUP BY 1) SELECT month, sales, sales - LAG(sales) OVER (ORDER BY month) AS change, sales / NULLIF(LAG(sales, 1) OVER (ORDER BY month), 0) - 1 AS growth FROM m ORDER BY month
-- case: moving_average expect: ok
SELECT order_date, AVG(sales) OVER (ORDER BY order_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) FROM mart_dyn_sales
-- case: named_window expect: ok
SELECT SUM(sales) OVER w, first_value(product) OVER w, last_value(product) OVER (w ROWS UNBOUNDED PRECEDING) FROM mart_dyn_sales WINDOW w AS (PARTITION BY region ORDER BY order_date)
-- case: cte_join expect: ok
WITH o AS (SELECT customer_id, SUM(amount) AS total FROM mart_dyn_orders GROUP BY customer_id) SELECT c.segment, SUM(o.total) AS total FROM o JOIN mart_dyn_customers c ON c.customer_id = o.customer_id GROUP BY c.segment ORDER BY total DESC
-- case: ctes_chained expect: ok
WITH a AS (SELECT region, SUM(sales) AS s FROM mart_dyn_sales GROUP BY region), b AS (SELECT AVG(s) AS avg_s FROM a) SELECT a.region FROM a, b WHERE a.s > b.avg_s
-- case: cte_materialized expect: ok
WITH a AS MATERIALIZED (SELECT * FROM mart_dyn_sales), b AS NOT MATERIALIZED (SELECT * FROM a) SELECT count(*) FROM b
-- case: cte_column_aliases expect: ok
WITH t(r, s) AS (SELECT region, sales FROM mart_dyn_sales) SELECT r, SUM(s) FROM t GROUP BY r
-- case: cte_shadows_its_mart expect: ok
WITH mart_dyn_sales AS (SELECT * FROM mart_dyn_sales WHERE region = 'West') SELECT count(*) FROM mart_dyn_sales
-- case: cte_in_subquery expect: ok
SELECT * FROM (WITH w AS (SELECT region FROM mart_dyn_sales) SELECT * FROM w) s
-- case: cte_seen_by_subquery expect: ok
WITH w AS (SELECT region FROM mart_dyn_sales) SELECT * FROM mart_dyn_sales WHERE region IN (SELECT region FROM w)
-- case: cte_seen_by_union expect: ok
WITH w AS (SELECT region FROM mart_dyn_sales) SELECT * FROM w UNION SELECT * FROM w ORDER BY 1
-- case: multi_join expect: ok
SELECT c.region, count(DISTINCT o.order_id) FROM mart_dyn_orders o LEFT JOIN mart_dyn_customers c USING (customer_id) INNER JOIN mart_dyn_sales s ON s.order_id = o.order_id GROUP BY c.region
-- case: join_using_alias expect: ok
SELECT j.customer_id FROM mart_dyn_orders JOIN mart_dyn_customers USING (customer_id) AS j
-- case: natural_cross_full expect: ok
SELECT * FROM mart_dyn_orders NATURAL JOIN mart_dyn_customers CROSS JOIN (SELECT 1 AS one) x FULL OUTER JOIN raw_sales r ON r.region = x.one::text
-- case: lateral_subquery expect: ok
SELECT c.customer_id, l.total FROM mart_dyn_customers c, LATERAL (SELECT SUM(amount) AS total FROM mart_dyn_orders o WHERE o.customer_id = c.customer_id) l
-- case: exists_not_exists expect: ok
SELECT * FROM mart_dyn_customers c WHERE EXISTS (SELECT 1 FROM mart_dyn_orders o WHERE o.customer_id = c.customer_id) AND NOT EXISTS (SELECT 1 FROM mart_dyn_sales s WHERE s.region = c.region)
-- case: any_all expect: ok
SELECT * FROM mart_dyn_sales WHERE region = ANY (ARRAY['West', 'East']) AND sales > ALL (SELECT sales FROM mart_dyn_sales WHERE region = 'South')
-- case: row_comparison expect: ok
SELECT * FROM mart_dyn_sales WHERE (region, product) IN (SELECT region, product FROM raw_sales) AND ROW(region, quantity) <> ROW('x', 0)
-- case: union_intersect_except expect: ok
SELECT region FROM mart_dyn_sales UNION ALL SELECT region FROM raw_sales INTERSECT SELECT region FROM mart_dyn_customers EXCEPT SELECT 'none'
-- case: parenthesised_set_op expect: ok
(SELECT region FROM mart_dyn_sales ORDER BY region LIMIT 2) UNION (SELECT region FROM raw_sales LIMIT 1)
-- case: values expect: ok
VALUES (1, 'a'), (2, 'b')
-- case: values_in_from expect: ok
SELECT v.a, v.b FROM (VALUES (1, 'West'), (2, 'East')) AS v(a, b) JOIN mart_dyn_sales s ON s.region = v.b
-- case: table_statement expect: ok
TABLE mart_dyn_sales
-- case: distinct expect: ok
SELECT DISTINCT region FROM mart_dyn_sales
-- case: distinct_on expect: ok
SELECT DISTINCT ON (region) region, product, sales FROM mart_dyn_sales ORDER BY region, sales DESC
-- case: count_distinct_filter expect: ok
SELECT count(DISTINCT product), count(*) FILTER (WHERE sales > 100), sum(sales) FILTER (WHERE region = 'West') FROM mart_dyn_sales
-- case: ordered_set_aggregates expect: ok
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY sales), percentile_disc(0.9) WITHIN GROUP (ORDER BY sales), mode() WITHIN GROUP (ORDER BY region) FROM mart_dyn_sales
-- case: statistics expect: ok
SELECT stddev(sales), stddev_pop(sales), variance(sales), corr(sales, quantity), regr_slope(sales, quantity), min(order_date), max(order_date), avg(sales), bool_and(sales > 0), every(quantity > 0) FROM mart_dyn_sales
-- case: string_agg expect: ok
SELECT region, string_agg(DISTINCT product, ', ' ORDER BY product) FROM mart_dyn_sales GROUP BY region
-- case: array_agg expect: ok
SELECT array_agg(product ORDER BY sales DESC) FROM mart_dyn_sales
-- case: rollup_cube_grouping expect: ok
SELECT region, category, SUM(sales), GROUPING(region, category) FROM mart_dyn_sales GROUP BY ROLLUP (region, category)
-- case: grouping_sets expect: ok
SELECT region, category, SUM(sales) FROM mart_dyn_sales GROUP BY GROUPING SETS ((region), (category), ()) HAVING SUM(sales) > 0
-- case: cube expect: ok
SELECT region, category, count(*) FROM mart_dyn_sales GROUP BY CUBE (region, category)
-- case: fetch_with_ties expect: ok
SELECT product, sales FROM mart_dyn_sales ORDER BY sales DESC FETCH FIRST 3 ROWS WITH TIES
-- case: limit_offset expect: ok
SELECT * FROM mart_dyn_sales ORDER BY order_date LIMIT 10 OFFSET 20
-- case: limit_all expect: ok
SELECT * FROM mart_dyn_sales LIMIT ALL
-- case: string_functions expect: ok
SELECT upper(region), lower(product), length(product), substring(product FROM 1 FOR 3), substr(product, 2), position('a' IN product), trim(both ' ' FROM region), ltrim(region), rtrim(region), btrim(region, 'x'), concat(region, '-', product), concat_ws('/', region, product), region || ' ' || product, replace(product, 'P', 'Q'), split_part(product, '-', 1), left(product, 2), right(product, 2), initcap(region), strpos(product, '1'), starts_with(product, 'P'), md5(product), translate(region, 'ae', 'AE'), reverse(region) FROM mart_dyn_sales
-- case: math_functions expect: ok
SELECT abs(sales), round(sales::numeric, 2), round(sales), trunc(sales), ceil(sales), floor(sales), sqrt(abs(sales)), power(sales, 2), ln(sales + 1), log(sales + 1), exp(1), mod(quantity, 3), sign(sales), div(quantity, 2), width_bucket(sales, 0, 1000, 10), |/ 4.0, @ -5, 2 ^ 3, 7 % 3 FROM mart_dyn_sales
-- case: date_functions expect: ok
SELECT age(order_date::timestamp), make_date(2017, 1, 1), date_bin('15 minutes', order_date::timestamp, TIMESTAMP '2001-01-01'), to_date('2017-01-01', 'YYYY-MM-DD'), to_timestamp(0), to_number('12.5', '99.9'), justify_days(INTERVAL '40 days'), make_interval(days => 3), isfinite(order_date) FROM mart_dyn_sales
-- case: regexp_replace expect: ok
SELECT regexp_replace(product, '[0-9]+', '#', 'g') FROM mart_dyn_sales
-- case: num_nulls expect: ok
SELECT num_nulls(region, product), num_nonnulls(region, product) FROM mart_dyn_sales
-- case: qualified_mart expect: ok
SELECT s.region FROM mart.mart_dyn_sales s JOIN mart.mart_dyn_orders o ON o.region = s.region
-- case: only_mart expect: ok
SELECT * FROM ONLY raw_sales
-- case: qualified_builtins expect: ok
SELECT pg_catalog.sum(sales), pg_catalog.upper(region), 1 OPERATOR(pg_catalog.+) 1, sales::pg_catalog.float8 FROM mart_dyn_sales GROUP BY region
-- case: quoted_identifiers expect: ok
SELECT "region" AS "Sales Region", SUM("sales") AS "Total" FROM "mart_dyn_sales" GROUP BY "region"
-- case: comments expect: ok
/* top regions */ SELECT region -- the region
, SUM(sales) /* nested /* comment */ here */ FROM mart_dyn_sales GROUP BY region
-- case: dollar_string_with_semicolon expect: ok
SELECT $$a;b$$ AS s, $tag$ DROP TABLE raw_sales; $tag$ AS t FROM mart_dyn_sales
-- case: string_with_semicolon expect: ok
SELECT * FROM mart_dyn_sales WHERE product = 'x; DROP TABLE raw_sales'
-- case: escape_and_unicode_strings expect: ok
SELECT E'West\n', U&'\0057est', 'it''s' FROM mart_dyn_sales
-- case: backslash_in_standard_string expect: ok
SELECT * FROM mart_dyn_sales WHERE product = 'a\' OR region = 'b'
-- case: collate expect: ok
SELECT region FROM mart_dyn_sales ORDER BY region COLLATE "C"
-- case: array_subscript expect: ok
SELECT (array_agg(product ORDER BY sales DESC))[1] FROM mart_dyn_sales GROUP BY region
-- case: array_subquery expect: ok
SELECT ARRAY(SELECT DISTINCT region FROM mart_dyn_sales)
-- case: non_ascii expect: ok
SELECT * FROM mart_dyn_sales WHERE region = 'Zürich — Ost' AND product ILIKE '%café%'
-- case: nested_subqueries expect: ok
SELECT * FROM (SELECT * FROM (SELECT region, SUM(sales) AS s FROM mart_dyn_sales GROUP BY region) a WHERE s > 0) b ORDER BY s DESC
-- case: group_by_distinct expect: ok
SELECT region, count(*) FROM mart_dyn_sales GROUP BY DISTINCT region, ROLLUP (region)
