SELECT (WITH salesql_meta AS (SELECT 1 AS k) SELECT k FROM salesql_meta) AS k, region FROM mart_dyn_sales
