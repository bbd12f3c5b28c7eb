WITH salesql_files AS (SELECT region, sales FROM mart_dyn_sales) SELECT region FROM salesql_files
