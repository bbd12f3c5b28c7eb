WITH salesql_meta AS (WITH x AS (SELECT * FROM salesql_meta) SELECT * FROM x) SELECT * FROM salesql_meta
