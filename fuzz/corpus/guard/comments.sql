-- a comment
SELECT /* inline */ region FROM mart_dyn_sales LIMIT 1 -- trailing