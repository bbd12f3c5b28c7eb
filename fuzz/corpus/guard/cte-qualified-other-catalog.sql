WITH raw_sales AS (SELECT * FROM mart_dyn_sales) SELECT * FROM other.raw_sales
