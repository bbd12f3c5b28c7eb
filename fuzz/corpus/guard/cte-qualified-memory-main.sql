WITH salesql_meta AS (SELECT 1 AS a) SELECT * FROM memory.main.salesql_meta
