WITH raw_sales AS (SELECT * FROM secret_orders) SELECT * FROM raw_sales
