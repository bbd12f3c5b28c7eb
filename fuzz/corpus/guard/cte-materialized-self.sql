WITH salesql_meta AS MATERIALIZED (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta, salesql_meta s2
