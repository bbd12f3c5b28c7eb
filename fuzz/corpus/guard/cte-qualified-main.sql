WITH salesql_meta AS (SELECT 1 AS a) SELECT * FROM main.salesql_meta
