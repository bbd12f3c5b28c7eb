WITH a AS (SELECT * FROM salesql_meta) SELECT 1
