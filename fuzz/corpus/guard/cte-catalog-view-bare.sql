WITH x AS (SELECT 1 AS a) SELECT * FROM duckdb_columns
