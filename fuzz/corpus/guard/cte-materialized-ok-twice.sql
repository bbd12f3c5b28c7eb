WITH salesql_meta AS MATERIALIZED (SELECT * FROM mart_dyn_sales) SELECT * FROM salesql_meta a JOIN salesql_meta b USING (region)
