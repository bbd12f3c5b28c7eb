WITH salesql_meta AS (FROM salesql_meta) FROM salesql_meta
