WITH salesql_meta AS (FROM mart_dyn_sales) FROM salesql_meta SELECT region
