WITH mart_dyn_sales AS (SELECT * FROM salesql_meta) SELECT * FROM mart_dyn_sales
