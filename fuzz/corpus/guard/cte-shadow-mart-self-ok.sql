WITH mart_dyn_sales AS (SELECT * FROM mart_dyn_sales WHERE region = 'West') SELECT count(*) FROM mart_dyn_sales
