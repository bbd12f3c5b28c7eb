SELECT (WITH x AS (SELECT 1 AS k) SELECT count(*) FROM salesql_meta) AS k FROM mart_dyn_sales
