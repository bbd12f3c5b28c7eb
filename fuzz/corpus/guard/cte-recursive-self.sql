WITH RECURSIVE salesql_meta AS (SELECT key, value FROM salesql_meta UNION ALL SELECT key, value FROM salesql_meta) SELECT * FROM salesql_meta LIMIT 1
