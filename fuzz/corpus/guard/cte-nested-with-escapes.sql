SELECT * FROM (WITH salesql_meta AS (SELECT 1 AS region) SELECT * FROM salesql_meta) s, salesql_meta
