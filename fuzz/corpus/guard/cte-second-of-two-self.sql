WITH x AS (SELECT 1 AS a), salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
