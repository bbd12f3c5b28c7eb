WITH salesql_meta AS (SELECT * FROM mart_dyn_sales WHERE EXISTS (SELECT 1 FROM salesql_meta)) SELECT * FROM salesql_meta
