WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
