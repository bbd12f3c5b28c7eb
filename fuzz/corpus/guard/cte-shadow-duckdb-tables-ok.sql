WITH duckdb_tables AS (SELECT 1 AS a) SELECT * FROM duckdb_tables
