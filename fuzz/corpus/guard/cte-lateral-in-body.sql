WITH salesql_meta AS (SELECT * FROM mart_dyn_sales m, LATERAL (SELECT * FROM salesql_meta WHERE key = m.region) l) SELECT * FROM salesql_meta
