WITH salesql_files AS (SELECT * FROM mart_dyn_sales WHERE region IN (SELECT region FROM salesql_files)) SELECT * FROM salesql_files
