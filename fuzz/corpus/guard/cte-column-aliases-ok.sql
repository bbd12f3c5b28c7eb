WITH salesql_meta(key, value) AS (SELECT region, sales FROM mart_dyn_sales) SELECT key FROM salesql_meta
