WITH salesql_meta AS (SELECT region FROM mart_dyn_sales) SELECT * FROM mart_dyn_sales JOIN salesql_meta USING (region)
