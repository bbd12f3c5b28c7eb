WITH salesql_meta(key) AS (VALUES ('a'), ('b')) SELECT * FROM salesql_meta
