WITH salesql_meta AS (SELECT * FROM mart_dyn_sales UNION BY NAME SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
