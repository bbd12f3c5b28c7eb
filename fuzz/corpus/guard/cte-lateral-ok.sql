WITH x AS (SELECT * FROM mart_dyn_sales) SELECT * FROM x, LATERAL (SELECT x.sales * 2 AS s) AS l
