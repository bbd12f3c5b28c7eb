# Hostile SQL for the guard (tests/unit/test_guard.c). Each case starts with a line
# "-- case: NAME expect: OUTCOME [because: TEXT]" and runs to the next case (TEXT: what
# the refusal's message must contain). OUTCOME is
#   rejected      guard_check refuses it (SQ_E_REJECTED)
#   unknown       guard_check refuses it as an unknown table/column (SQ_E_UNKNOWN_NAME)
#   stopped       the guard lets it run, and the limits stop it (timeout or memory)
# The fixture has mart_dyn_sales (view) over raw_sales (table) and a file secret.csv and
# a folder "outside" next to the database. After all cases, nothing on disk or in the
# database may have changed. Lines starting with # are comments.

-- case: drop_table expect: rejected
DROP TABLE raw_sales
-- case: drop_view expect: rejected
DROP VIEW mart_dyn_sales
-- case: delete expect: rejected
DELETE FROM raw_sales
-- case: update expect: rejected
UPDATE raw_sales SET sales = 0
-- case: insert expect: rejected
INSERT INTO raw_sales VALUES ('x', 'y', 1, 1, DATE '2020-01-01')
-- case: insert_select expect: rejected
INSERT INTO raw_sales SELECT * FROM raw_sales
-- case: create_table expect: rejected
CREATE TABLE t AS SELECT 1
-- case: create_temp expect: rejected
CREATE TEMP TABLE t(x INT)
-- case: create_view expect: rejected
CREATE VIEW v AS SELECT * FROM raw_sales
-- case: create_or_replace_view expect: rejected
CREATE OR REPLACE VIEW mart_dyn_sales AS SELECT 1 AS x
-- case: create_macro expect: rejected
CREATE MACRO m(x) AS x + 1
-- case: create_sequence expect: rejected
CREATE SEQUENCE s
-- case: create_schema expect: rejected
CREATE SCHEMA evil
-- case: create_secret expect: rejected
CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')
-- case: create_type expect: rejected
CREATE TYPE mood AS ENUM ('a', 'b')
-- case: alter_table expect: rejected
ALTER TABLE raw_sales ADD COLUMN x INT
-- case: alter_rename expect: rejected
ALTER TABLE raw_sales RENAME TO gone
-- case: truncate expect: rejected
TRUNCATE raw_sales
-- case: copy_to expect: rejected
COPY raw_sales TO 'out.csv'
-- case: copy_from expect: rejected
COPY raw_sales FROM 'secret.csv'
-- case: copy_select_to expect: rejected
COPY (SELECT * FROM raw_sales) TO 'outside/dump.parquet' (FORMAT parquet)
-- case: export_database expect: rejected
EXPORT DATABASE 'outside/export'
-- case: import_database expect: rejected
IMPORT DATABASE 'outside/export'
-- case: attach expect: rejected
ATTACH 'outside/other.duckdb' AS other
-- case: attach_memory expect: rejected
ATTACH ':memory:' AS m
-- case: detach expect: rejected
DETACH other
-- case: use expect: rejected
USE other
-- case: install expect: rejected
INSTALL httpfs
-- case: load expect: rejected
LOAD httpfs
-- case: force_install expect: rejected
FORCE INSTALL spatial FROM 'http://example.com'
-- case: pragma expect: rejected
PRAGMA database_list
-- case: pragma_set expect: rejected
PRAGMA memory_limit='100GB'
-- case: set expect: rejected
SET enable_external_access = true
-- case: set_global expect: rejected
SET GLOBAL threads = 1
-- case: reset expect: rejected
RESET memory_limit
-- case: call expect: rejected
CALL pragma_version()
-- case: checkpoint expect: rejected
CHECKPOINT
-- case: vacuum expect: rejected
VACUUM
-- case: begin expect: rejected
BEGIN TRANSACTION
-- case: commit expect: rejected
COMMIT
-- case: explain expect: rejected
EXPLAIN SELECT * FROM raw_sales
-- case: explain_analyze expect: rejected
EXPLAIN ANALYZE SELECT * FROM raw_sales
-- case: describe expect: rejected
DESCRIBE raw_sales
-- case: show_tables expect: rejected
SHOW TABLES
-- case: summarize expect: rejected
SUMMARIZE raw_sales
-- case: prepare expect: rejected
PREPARE p AS SELECT 1
-- case: execute expect: rejected
EXECUTE p
-- case: deallocate expect: rejected
DEALLOCATE p
-- case: pivot_statement expect: rejected
PIVOT raw_sales ON region USING sum(sales)
-- case: select_then_drop expect: rejected
SELECT 1; DROP TABLE raw_sales
-- case: two_selects expect: rejected
SELECT 1; SELECT 2
-- case: select_then_copy expect: rejected
SELECT * FROM mart_dyn_sales; COPY raw_sales TO 'out.csv'
-- case: comment_hides_drop expect: rejected
SELECT 1 /* harmless */; DROP TABLE raw_sales -- bye
-- case: line_comment_then_statement expect: rejected
SELECT 1 -- ;
; DELETE FROM raw_sales
-- case: nested_comment expect: rejected
SELECT 1 /* /* nested */ */; DROP TABLE raw_sales
-- case: semicolon_in_string_then_drop expect: rejected
SELECT ';' AS s; DROP TABLE raw_sales
-- case: read_csv expect: rejected
SELECT * FROM read_csv('secret.csv')
-- case: read_csv_auto expect: rejected
SELECT * FROM read_csv_auto('secret.csv')
-- case: read_text expect: rejected
SELECT * FROM read_text('/etc/passwd')
-- case: read_blob expect: rejected
SELECT * FROM read_blob('/etc/passwd')
-- case: read_json expect: rejected
SELECT * FROM read_json('secret.csv')
-- case: read_parquet expect: rejected
SELECT * FROM read_parquet('outside/*.parquet')
-- case: parquet_scan expect: rejected
SELECT * FROM parquet_scan('x.parquet')
-- case: glob expect: rejected
SELECT * FROM glob('/*')
-- case: file_path_as_table expect: rejected
SELECT * FROM '/etc/passwd'
-- case: relative_file_as_table expect: rejected
SELECT * FROM 'secret.csv'
-- case: quoted_ident_file expect: rejected
SELECT * FROM "secret.csv"
-- case: url_as_table expect: rejected
SELECT * FROM 'https://example.com/data.csv'
-- case: s3_as_table expect: rejected
SELECT * FROM 's3://bucket/data.parquet'
-- case: file_in_join expect: rejected
SELECT * FROM mart_dyn_sales JOIN '/etc/passwd' ON true
-- case: file_in_subquery expect: rejected
SELECT * FROM mart_dyn_sales WHERE region IN (SELECT * FROM read_csv('secret.csv'))
-- case: file_in_cte expect: rejected
WITH x AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM x
-- case: file_in_scalar_subquery expect: rejected
SELECT (SELECT content FROM read_text('/etc/hostname')) AS h
-- case: file_in_exists expect: rejected
SELECT 1 WHERE EXISTS (SELECT 1 FROM 'secret.csv')
-- case: file_in_union expect: rejected
SELECT region FROM mart_dyn_sales UNION ALL SELECT * FROM read_csv('secret.csv')
-- case: file_in_lateral expect: rejected
SELECT * FROM mart_dyn_sales, LATERAL (SELECT * FROM read_text('/etc/hostname'))
-- case: getenv expect: rejected
SELECT getenv('HOME')
-- case: current_setting expect: rejected
SELECT current_setting('memory_limit')
-- case: getvariable expect: rejected
SELECT getvariable('x')
-- case: setseed expect: rejected
SELECT setseed(0.5)
-- case: nextval expect: rejected
SELECT nextval('s')
-- case: query_table_function expect: rejected
SELECT * FROM query('DROP TABLE raw_sales')
-- case: query_table expect: rejected
SELECT * FROM query_table('raw_sales')
-- case: sql_auto_complete expect: rejected
SELECT * FROM sql_auto_complete('SEL')
-- case: duckdb_settings expect: rejected
SELECT * FROM duckdb_settings()
-- case: duckdb_tables_view expect: rejected
SELECT * FROM duckdb_tables
-- case: duckdb_secrets expect: rejected
SELECT * FROM duckdb_secrets()
-- case: duckdb_extensions expect: rejected
SELECT * FROM duckdb_extensions()
-- case: information_schema expect: rejected
SELECT * FROM information_schema.tables
-- case: pg_catalog expect: rejected
SELECT * FROM pg_catalog.pg_class
-- case: sqlite_master expect: rejected
SELECT * FROM sqlite_master
-- case: catalog_table expect: rejected
SELECT * FROM salesql_files
-- case: qualified_other_catalog expect: rejected
SELECT * FROM other.main.raw_sales
-- case: qualified_schema expect: rejected
SELECT * FROM system.main.duckdb_settings
-- case: temp_schema expect: rejected
SELECT * FROM temp.main.t
-- case: range_table expect: rejected
SELECT * FROM range(1000000000)
-- case: generate_series expect: rejected
SELECT count(*) FROM generate_series(1, 10000000000)
-- case: unnest_range expect: rejected
SELECT unnest(range(1000000000))
-- case: recursive_cte expect: rejected
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r
-- case: recursive_cte_bomb expect: rejected
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n FROM r, r AS r2) SELECT * FROM r
-- case: parameter expect: rejected
SELECT * FROM mart_dyn_sales WHERE region = $1
-- case: question_parameter expect: rejected
SELECT * FROM mart_dyn_sales WHERE region = ?
-- case: named_parameter expect: rejected
SELECT * FROM mart_dyn_sales WHERE region = $region
-- case: time_travel expect: rejected
SELECT * FROM raw_sales AT (VERSION => 1)
-- case: list_aggregate_by_name expect: rejected
SELECT list_aggregate([1, 2], 'sum')
-- case: list_reduce_lambda_escape expect: rejected
SELECT list_transform([1], x -> getenv('HOME'))
-- case: lambda_with_file expect: rejected
SELECT list_transform(['secret.csv'], f -> (SELECT count(*) FROM read_csv(f)))
-- case: system_function expect: rejected
SELECT system.main.version()
-- case: version_function expect: rejected
SELECT version()
-- case: current_database expect: rejected
SELECT current_database()
-- case: pragma_function expect: rejected
SELECT * FROM pragma_database_size()
-- case: which_secret expect: rejected
SELECT which_secret('s3://x', 's3')
-- case: cte_named_like_file expect: rejected
WITH "secret.csv" AS (SELECT 1 AS x) SELECT * FROM "secret.csv"
-- case: cte_scope_escape expect: rejected
SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) AS a, x
-- case: unknown_table expect: rejected
SELECT * FROM customers_secret
-- case: unknown_column expect: unknown
SELECT regoin FROM mart_dyn_sales
-- case: unknown_column_in_where expect: unknown
SELECT region FROM mart_dyn_sales WHERE profitt > 0
-- case: cyrillic_lookalike_table expect: rejected
SELECT * FROM mart_dyn_ѕales
-- case: greek_lookalike_select expect: rejected
ЅELECT * FROM mart_dyn_sales
-- case: fullwidth_select expect: rejected
ＳＥＬＥＣＴ * FROM mart_dyn_sales
-- case: zero_width_space expect: rejected
DR​OP TABLE raw_sales
-- case: rtl_override expect: rejected
SELECT * FROM ‮selas_nyd_tram
-- case: tab_separated_statements expect: rejected
SELECT 1;	DROP TABLE raw_sales
-- case: empty expect: rejected

-- case: only_comment expect: rejected
-- nothing here
-- case: only_semicolons expect: rejected
;;;
-- case: garbage expect: rejected
)(*&^%$#@!
-- case: unterminated_string expect: rejected
SELECT 'abc FROM mart_dyn_sales
-- case: select_into_file expect: rejected
SELECT * INTO 'out.csv' FROM mart_dyn_sales
-- case: from_first_file expect: rejected
FROM 'secret.csv'
-- case: values_then_drop expect: rejected
VALUES (1); DROP TABLE raw_sales
-- case: with_insert expect: rejected
WITH x AS (SELECT 1) INSERT INTO raw_sales SELECT * FROM x
-- case: update_from_select expect: rejected
UPDATE raw_sales SET sales = s.sales FROM (SELECT * FROM raw_sales) s
-- case: merge expect: rejected
MERGE INTO raw_sales USING raw_sales AS s ON true WHEN MATCHED THEN DELETE
-- case: cross_join_bomb expect: stopped
SELECT count(*) FROM raw_sales a, raw_sales b, raw_sales c, raw_sales d, raw_sales e, raw_sales f
-- case: cross_join_sum_bomb expect: stopped
SELECT sum(a.sales * b.sales * c.sales * d.sales * e.sales) FROM mart_dyn_sales a CROSS JOIN mart_dyn_sales b CROSS JOIN mart_dyn_sales c CROSS JOIN mart_dyn_sales d CROSS JOIN mart_dyn_sales e
-- case: string_memory_bomb expect: rejected
SELECT max(length(lpad(a.region, 400000000, b.product))) FROM raw_sales a, raw_sales b, raw_sales c
-- case: sort_bomb expect: stopped
SELECT a.region FROM raw_sales a, raw_sales b, raw_sales c, raw_sales d, raw_sales e ORDER BY md5(a.region || b.region || c.region || d.region || e.region) LIMIT 1
-- case: string_agg_bomb expect: rejected because: may not compute on the result of string_agg
SELECT length(string_agg(a.product || b.product || c.product, ',')) FROM raw_sales a, raw_sales b, raw_sales c, raw_sales d
-- case: printf_width_bomb expect: rejected
SELECT printf('%1000000000d', 1)
-- case: format_width_bomb expect: rejected
SELECT format('{:>1000000000}', region) FROM mart_dyn_sales
# CTE scoping (issue 11). A non-recursive CTE's own name is not in scope in its own body:
# there the name binds to the real table, so each of these would read a table outside the
# policy if the guard treated the body as seeing the CTE.
-- case: cte_self_meta expect: rejected
WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
-- case: cte_self_files expect: rejected
WITH salesql_files AS (SELECT * FROM salesql_files) SELECT * FROM salesql_files
-- case: cte_self_columns expect: rejected
WITH salesql_columns AS (SELECT * FROM salesql_columns) SELECT * FROM salesql_columns
-- case: cte_self_values expect: rejected
WITH salesql_values AS (SELECT * FROM salesql_values) SELECT * FROM salesql_values
-- case: cte_self_duckdb_tables expect: rejected
WITH duckdb_tables AS (SELECT * FROM duckdb_tables) SELECT * FROM duckdb_tables
-- case: cte_self_duckdb_databases expect: rejected
WITH duckdb_databases AS (SELECT * FROM duckdb_databases) SELECT * FROM duckdb_databases
-- case: cte_self_duckdb_columns expect: rejected
WITH duckdb_columns AS (SELECT * FROM duckdb_columns) SELECT * FROM duckdb_columns
-- case: cte_self_sqlite_master expect: rejected
WITH sqlite_master AS (SELECT * FROM sqlite_master) SELECT * FROM sqlite_master
-- case: cte_self_with_column_aliases expect: rejected
WITH salesql_meta(k, v) AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
-- case: cte_self_materialized expect: rejected
WITH salesql_meta AS MATERIALIZED (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
-- case: cte_self_not_materialized expect: rejected
WITH salesql_meta AS NOT MATERIALIZED (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
-- case: cte_self_second_of_two expect: rejected
WITH a AS (SELECT 1 AS k), salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta, a
-- case: cte_self_in_subquery_of_body expect: rejected
WITH salesql_meta AS (SELECT * FROM (SELECT * FROM salesql_meta) AS t) SELECT * FROM salesql_meta
-- case: cte_self_in_where_of_body expect: rejected
WITH salesql_meta AS (SELECT 1 AS k WHERE EXISTS (SELECT * FROM salesql_meta WHERE value LIKE '/%')) SELECT * FROM salesql_meta
-- case: cte_self_nested_with expect: rejected
SELECT * FROM (WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta) AS t
-- case: cte_self_in_scalar_subquery expect: rejected
SELECT (WITH salesql_values AS (SELECT * FROM salesql_values) SELECT max(value) FROM salesql_values)
-- case: cte_self_in_union_branch expect: rejected
SELECT region FROM mart_dyn_sales UNION ALL (WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT value FROM salesql_meta)
-- case: cte_self_in_lambda expect: rejected
SELECT list_transform([1], x -> (WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT max(value) FROM salesql_meta))
# An earlier CTE may not see a later one; whatever DuckDB binds there, the guard refuses it.
-- case: cte_forward_reference expect: rejected
WITH a AS (SELECT * FROM salesql_meta), salesql_meta AS (SELECT 1 AS k) SELECT * FROM a
# A schema-qualified name never means a CTE: main.x is the table x.
-- case: cte_schema_qualified expect: rejected
WITH salesql_meta AS (SELECT 1 AS k) SELECT * FROM main.salesql_meta
-- case: cte_schema_qualified_quoted expect: rejected
WITH salesql_meta AS (SELECT 1 AS k) SELECT * FROM "main"."salesql_meta"
-- case: cte_schema_qualified_system expect: rejected
WITH duckdb_tables AS (SELECT 1 AS k) SELECT * FROM main.duckdb_tables
# Aliases name a relation inside one FROM clause; they never make a base table readable.
-- case: table_alias_shadow expect: rejected
SELECT * FROM mart_dyn_sales AS salesql_meta, salesql_meta
-- case: subquery_alias_shadow expect: rejected
SELECT * FROM (SELECT 'data_dir' AS key) AS salesql_meta JOIN salesql_meta USING (key)
-- case: lateral_reference expect: rejected
SELECT * FROM mart_dyn_sales AS s, LATERAL (SELECT * FROM salesql_meta WHERE s.region IS NOT NULL) AS m
-- case: natural_join expect: rejected
SELECT * FROM mart_dyn_sales NATURAL JOIN salesql_files
-- case: using_join expect: rejected
SELECT * FROM mart_dyn_sales AS s JOIN salesql_columns USING (source)
-- case: join_alias_is_cte_name expect: rejected
WITH m AS (SELECT 1 AS k) SELECT * FROM mart_dyn_sales AS m, main.m
# Other schemas and catalogs, however spelled.
-- case: schema_system_main expect: rejected
SELECT * FROM system.main.duckdb_tables
-- case: schema_pg_catalog expect: rejected
SELECT * FROM pg_catalog.pg_tables
-- case: schema_information_schema expect: rejected
SELECT * FROM information_schema.tables
-- case: schema_temp expect: rejected
SELECT * FROM temp.salesql_meta
-- case: schema_catalog_main expect: rejected
SELECT * FROM memory.main.salesql_meta
-- case: bare_system_view expect: rejected
SELECT * FROM duckdb_settings

# Work that one call could make unbounded (issue 11): DuckDB interrupts between vectors
# and counts only its buffer manager's memory, so each is refused before it runs (cost.c).
-- case: cost_levenshtein_nested_replace expect: rejected because: the function levenshtein is not allowed
SELECT levenshtein(replace(replace(replace(product, 'P', 'PPPPPPPPPPPPPPPPPPPP'), 'P', 'PPPPPPPPPPPPPPPPPPPP'), 'P', 'PPPPPPPPPPPPPPPPPPPP'), replace(replace(replace(region, 'e', 'eeeeeeeeeeeeeeeeeeee'), 'e', 'eeeeeeeeeeeeeeeeeeee'), 'e', 'eeeeeeeeeeeeeeeeeeee')) FROM raw_sales
-- case: cost_levenshtein_plain expect: rejected because: the function levenshtein is not allowed
SELECT levenshtein(region, product) FROM raw_sales
-- case: cost_damerau_levenshtein expect: rejected because: is not allowed
SELECT damerau_levenshtein(region, product) FROM raw_sales
-- case: cost_jaro_winkler expect: rejected because: is not allowed
SELECT jaro_winkler_similarity(region, product) FROM raw_sales
-- case: cost_editdist3 expect: rejected because: is not allowed
SELECT editdist3(region, product) FROM raw_sales
-- case: cost_hamming expect: rejected because: is not allowed
SELECT hamming(region, region) FROM raw_sales
-- case: cost_nested_replace_growth expect: rejected because: times as large
SELECT max(length(replace(replace(replace(product, 'P', 'PPPPPPPPPP'), 'P', 'PPPPPPPPPP'), 'P', 'PPPPPPPPPP'))) FROM raw_sales
-- case: cost_replace_growth_through_ctes expect: rejected because: times as large
WITH a AS (SELECT replace(product, 'a', 'aaaaaaaa') AS p FROM raw_sales), b AS (SELECT replace(p, 'a', 'aaaaaaaa') AS p FROM a) SELECT length(replace(p, 'a', 'aaaaaaaa')) FROM b
-- case: cost_replace_growth_through_subqueries expect: rejected because: times as large
SELECT length(replace(p, 'a', 'aaaaaaaa')) FROM (SELECT replace(p, 'a', 'aaaaaaaa') AS p FROM (SELECT replace(product, 'a', 'aaaaaaaa') AS p FROM raw_sales) x) y
-- case: cost_replace_growth_through_aliases expect: rejected because: times as large
SELECT replace(product, 'a', 'aaaaaaaa') AS x, replace(x, 'a', 'aaaaaaaa') AS y, length(replace(y, 'a', 'aaaaaaaa')) AS z FROM raw_sales
-- case: cost_replace_growth_alias_in_where expect: rejected because: times as large
SELECT replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') AS x FROM raw_sales WHERE length(replace(x, 'a', 'aaaaaaaa')) > 0
-- case: cost_replace_growth_through_scalar_subquery expect: rejected because: times as large
SELECT length(replace((SELECT replace(replace(max(product), 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') FROM raw_sales), 'a', 'aaaaaaaa'))
-- case: cost_replace_growth_through_lateral expect: rejected because: times as large
SELECT length(replace(y, 'a', 'aaaaaaaa')) FROM raw_sales, LATERAL (SELECT replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') AS y)
-- case: cost_replace_growth_through_star_replace expect: rejected because: times as large
SELECT length(replace(product, 'a', 'aaaaaaaa')) FROM (SELECT * REPLACE (replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') AS product) FROM raw_sales)
-- case: cost_replace_growth_through_materialized_cte expect: rejected because: times as large
WITH a AS MATERIALIZED (SELECT replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') AS p FROM raw_sales) SELECT length(replace(p, 'a', 'aaaaaaaa')) FROM a
-- case: cost_replace_growth_through_union expect: rejected because: times as large
SELECT length(replace(p, 'a', 'aaaaaaaa')) FROM (SELECT product AS p FROM raw_sales UNION ALL SELECT replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa') FROM raw_sales)
-- case: cost_replace_growth_through_case expect: rejected because: times as large
SELECT length(replace(replace(CASE WHEN quantity > 1 THEN replace(product, 'a', 'aaaaaaaa') ELSE region END, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa')) FROM raw_sales
-- case: cost_replace_growth_through_lag_default expect: rejected because: times as large
SELECT length(replace(v, 'a', 'aaaaaaaa')) FROM (SELECT lag(product, 1, replace(replace(product, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa')) OVER (ORDER BY sales) AS v FROM raw_sales)
-- case: cost_replace_growth_through_values expect: rejected because: times as large
SELECT length(replace(replace(replace(x, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa')) FROM raw_sales, (VALUES (product)) v(x)
-- case: cost_replace_computed_arguments expect: rejected because: must be string literals
SELECT replace(product, region, product || product) FROM raw_sales
-- case: cost_concat_doubling_chain expect: rejected because: times as large
WITH a AS (SELECT product || product || product || product AS p FROM raw_sales), b AS (SELECT p || p || p || p AS p FROM a), c AS (SELECT p || p || p || p AS p FROM b) SELECT length(p || p || p || p) FROM c
-- case: cost_concat_many_columns expect: rejected because: times as large
SELECT length(concat(product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product, product)) FROM raw_sales
-- case: cost_list_value_growth expect: rejected because: times as large
WITH a AS (SELECT [product, product, product, product, product, product, product, product] AS l FROM raw_sales) SELECT len([l, l, l, l, l, l, l, l, l]) FROM a
-- case: cost_regexp_replace_growth expect: rejected because: times as large
SELECT length(regexp_replace(regexp_replace(product, '.', '\0\0\0\0', 'g'), '.', '\0\0\0\0', 'g')) FROM raw_sales
-- case: cost_regexp_replace_empty_match_growth expect: rejected because: times as large
SELECT length(regexp_replace(product, '', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'g')) FROM raw_sales
-- case: cost_regexp_replace_computed_replacement expect: rejected because: replacement must be a string literal
SELECT regexp_replace(product, 'P', region, 'g') FROM raw_sales
-- case: cost_literal_too_long expect: rejected because: at most 2048 are allowed
SELECT length('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')
-- case: cost_constant_folding_growth expect: rejected because: bytes longer
SELECT length(replace(replace('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa'))
-- case: cost_strftime_format_growth expect: rejected because: bytes longer
SELECT strftime(order_date, '%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c%c') FROM raw_sales
-- case: cost_like_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product LIKE '%a%a%_b'
-- case: cost_ilike_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product ILIKE '%A%_%B%'
-- case: cost_not_like_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product NOT LIKE '_%x%y%'
-- case: cost_like_escape_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product LIKE '%a%b!%' ESCAPE '!'
-- case: cost_glob_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product GLOB '*a*?b'
-- case: cost_glob_class_backtracking expect: rejected because: takes time exponential
SELECT count(*) FROM raw_sales WHERE product GLOB '*a*[bc]'
-- case: cost_like_column_pattern expect: rejected because: the pattern must be a string literal
SELECT count(*) FROM raw_sales a, raw_sales b WHERE a.product LIKE b.product
-- case: cost_like_computed_pattern expect: rejected because: the pattern must be a string literal
SELECT count(*) FROM raw_sales WHERE product LIKE '%' || region || '%'
-- case: cost_similar_to_column_pattern expect: rejected because: the pattern must be a string literal
SELECT count(*) FROM raw_sales WHERE product SIMILAR TO region
-- case: cost_regexp_column_pattern expect: rejected because: the pattern must be a string literal
SELECT count(*) FROM raw_sales WHERE regexp_matches(product, region)
-- case: cost_regexp_pattern_too_long expect: rejected because: the pattern must be a string literal of at most 256
SELECT count(*) FROM raw_sales WHERE regexp_matches(product, '(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)')
-- case: cost_regexp_extract_column_pattern expect: rejected because: the pattern must be a string literal
SELECT regexp_extract(product, region) FROM raw_sales
-- case: cost_contains_computed_needle expect: rejected because: what it searches for must be
SELECT count(*) FROM raw_sales WHERE contains(product, region || region)
-- case: cost_strpos_amplified_needle expect: rejected because: what it searches for must be
SELECT strpos(product, replace(region, 'e', 'aaaaaaaa')) FROM raw_sales
-- case: cost_position_long_needle expect: rejected because: what it searches for must be
SELECT position('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' IN product) FROM raw_sales
-- case: cost_string_split_computed_separator expect: rejected because: what it searches for must be
SELECT string_split(product, region || region) FROM raw_sales
-- case: cost_split_part_computed_separator expect: rejected because: what it searches for must be
SELECT split_part(product, lower(region) || upper(region), 1) FROM raw_sales
-- case: cost_trim_computed_characters expect: rejected because: what it searches for must be
SELECT trim(product, region || product) FROM raw_sales
-- case: cost_string_agg_needle expect: rejected because: may not compute on the result of string_agg
SELECT contains(string_agg(a.product, ','), max(b.product)) FROM raw_sales a, raw_sales b
-- case: cost_string_agg_in_cte expect: rejected because: may not compute on the result of string_agg
WITH s AS (SELECT string_agg(product, ',') AS p FROM raw_sales) SELECT p FROM s
-- case: cost_string_agg_in_subquery expect: rejected because: may not compute on the result of string_agg
SELECT (SELECT string_agg(product, ',') FROM raw_sales) AS p
-- case: cost_string_agg_window expect: rejected because: as a window function builds
SELECT string_agg(product, ',') OVER (ORDER BY sales) FROM raw_sales
-- case: cost_list_window expect: rejected because: as a window function builds
SELECT list(product) OVER (ORDER BY sales) FROM raw_sales
-- case: cost_list_sorted expect: rejected because: may not compute on the result of string_agg
SELECT list_sort(list(product)) FROM raw_sales
-- case: cost_array_agg_in_order_by expect: rejected because: may not compute on the result of string_agg
SELECT region FROM raw_sales GROUP BY region ORDER BY array_agg(product)
-- case: cost_group_concat_in_having expect: rejected because: may not compute on the result of string_agg
SELECT region FROM raw_sales GROUP BY region HAVING group_concat(product) <> ''
-- case: cost_string_agg_in_union expect: rejected because: may not compute on the result of string_agg
SELECT string_agg(product, ',') FROM raw_sales UNION ALL SELECT 'x'
-- case: cost_lambda_outer_column expect: rejected because: a lambda may use only its own parameters
SELECT list_transform(string_split(product, ''), x -> product) FROM raw_sales
-- case: cost_lambda_quadratic_search expect: rejected because: a lambda may use only its own parameters
SELECT list_filter(string_split(product, ''), x -> contains(product, x)) FROM raw_sales
-- case: cost_lambda_subquery expect: rejected because: a lambda may use only its own parameters
SELECT list_transform([1, 2], x -> (SELECT max(product) FROM raw_sales)) 
-- case: cost_lambda_nested expect: rejected because: lambdas inside lambdas are not allowed
SELECT list_transform([[1, 2]], x -> list_transform(x, y -> y + 1))
-- case: cost_lambda_growth expect: rejected because: times as large
SELECT list_transform(string_split(product, ''), x -> replace(replace(x, 'a', 'aaaaaaaa'), 'a', 'aaaaaaaa')) FROM raw_sales
-- case: cost_cast_growth expect: rejected because: times as large
WITH a AS (SELECT [product, product, product, product] AS l FROM raw_sales), b AS (SELECT CAST([l, l, l, l] AS VARCHAR) AS s FROM a) SELECT length(s || s) FROM b
-- case: cost_case_mapping_chain expect: rejected because: times as large
SELECT upper(lower(upper(lower(upper(lower(upper(lower(upper(lower(upper(lower(product)))))))))))) FROM raw_sales
# The most growth the cost rules allow (64 times a value), over a join of four copies:
# each vector's work stays bounded, so the time limit stops it.
-- case: cost_largest_allowed_growth expect: stopped
SELECT count(*) FROM raw_sales a, raw_sales b, raw_sales c, raw_sales d WHERE contains(replace(replace(a.product, 'P', 'PPPPPPPP'), 'P', 'PPPPPPPP'), b.product) <> (c.quantity = d.quantity)
