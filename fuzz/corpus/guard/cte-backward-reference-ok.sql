WITH salesql_meta AS (SELECT * FROM mart_dyn_sales), a AS (SELECT * FROM salesql_meta) SELECT * FROM a
