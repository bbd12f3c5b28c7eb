WITH salesql_meta(a, b) AS (SELECT key, value FROM salesql_meta) SELECT a FROM salesql_meta
