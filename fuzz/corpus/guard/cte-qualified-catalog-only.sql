WITH salesql_meta AS (SELECT 1 AS a) SELECT * FROM memory.salesql_meta
