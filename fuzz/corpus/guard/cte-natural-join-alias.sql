SELECT * FROM mart_dyn_sales AS salesql_meta NATURAL JOIN salesql_meta
