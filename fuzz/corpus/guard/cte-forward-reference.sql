WITH a AS (SELECT * FROM salesql_meta), salesql_meta AS (SELECT * FROM mart_dyn_sales) SELECT * FROM a
