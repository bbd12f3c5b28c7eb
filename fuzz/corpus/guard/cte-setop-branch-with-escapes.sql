(WITH salesql_meta AS (SELECT 'x' AS key) SELECT * FROM salesql_meta) UNION ALL SELECT key FROM salesql_meta
