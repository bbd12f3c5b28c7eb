WITH a AS (WITH b AS (WITH c AS (WITH salesql_meta AS (SELECT 1 AS k) SELECT * FROM salesql_meta) SELECT * FROM c) SELECT * FROM b) SELECT * FROM a, salesql_meta
