WITH salesql_meta AS (SELECT 'West' AS region) SELECT * FROM (WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta) AS s
