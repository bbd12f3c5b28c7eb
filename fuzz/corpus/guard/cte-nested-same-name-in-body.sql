WITH salesql_meta AS (WITH salesql_meta AS (SELECT 1 AS a) SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
