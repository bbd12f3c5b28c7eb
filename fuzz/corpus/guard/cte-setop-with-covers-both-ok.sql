WITH salesql_meta AS (SELECT region FROM mart_dyn_sales) SELECT * FROM salesql_meta UNION ALL SELECT * FROM salesql_meta
