WITH salesql_meta AS (SELECT * FROM mart_dyn_sales) SELECT * FROM salesql_meta PIVOT (sum(sales) FOR region IN ('West', 'East'))
