# Hostile SQL for the guard on PostgreSQL (tests/unit/test_guard_pg.c). Each case starts
# with a line "-- case: NAME expect: rejected [because: TEXT]" and runs to the next case
# (TEXT: what the refusal's message must contain). Every case must be refused by
# guard_pg_check (SQ_E_REJECTED) with a reason. The policy allows mart_dyn_sales,
# mart_dyn_orders, mart_dyn_customers and raw_sales, qualified only with the schema mart.
# No server runs: these are decided on libpg_query's parse alone. Lines starting with #
# are comments.

# ---- More than one statement, and statements that are not queries -------------------
-- case: stacked_drop expect: rejected because: 2 statements
SELECT 1; DROP TABLE mart_dyn_sales
-- case: stacked_three expect: rejected because: 3 statements
SELECT 1; SELECT 2; SELECT 3
-- case: stacked_after_line_comment expect: rejected because: statements
SELECT region FROM mart_dyn_sales -- the rest is a comment, or is it
; DELETE FROM raw_sales
-- case: stacked_after_block_comment expect: rejected because: statements
SELECT 1 /* ; */; DROP TABLE raw_sales
-- case: stacked_nested_comment expect: rejected because: statements
SELECT 1 /* outer /* inner */ still a comment */; DROP TABLE raw_sales
-- case: stacked_dollar_string expect: rejected because: statements
SELECT $$x$$; DROP TABLE raw_sales
-- case: stacked_tagged_dollar expect: rejected because: statements
SELECT $q$;$q$; DELETE FROM raw_sales
-- case: stacked_backslash_quote expect: rejected because: statements
SELECT 'a\'; DROP TABLE raw_sales; --'
-- case: stacked_escape_string expect: rejected because: statements
SELECT E'\''; DROP TABLE raw_sales
-- case: stacked_comment_first expect: rejected because: statements
/* SELECT 1 */ DELETE FROM raw_sales; SELECT 1
-- case: drop_table expect: rejected because: DROP
DROP TABLE raw_sales
-- case: drop_view expect: rejected because: DROP
DROP VIEW mart_dyn_sales CASCADE
-- case: delete expect: rejected because: DELETE
DELETE FROM raw_sales
-- case: update expect: rejected because: UPDATE
UPDATE raw_sales SET sales = 0
-- case: insert expect: rejected because: INSERT
INSERT INTO raw_sales VALUES ('x', 'y', 1, 1, DATE '2020-01-01')
-- case: insert_select expect: rejected because: INSERT
INSERT INTO raw_sales SELECT * FROM raw_sales
-- case: merge expect: rejected because: MERGE
MERGE INTO raw_sales r USING mart_dyn_sales s ON r.region = s.region WHEN MATCHED THEN DELETE
-- case: truncate expect: rejected because: TRUNCATE
TRUNCATE raw_sales
-- case: create_table expect: rejected because: CREATE TABLE
CREATE TABLE t (x int)
-- case: create_table_as expect: rejected because: CREATE TABLE AS
CREATE TABLE t AS SELECT * FROM mart_dyn_sales
-- case: create_temp_table expect: rejected because: CREATE TABLE
CREATE TEMP TABLE mart_dyn_sales (region text)
-- case: create_view expect: rejected
CREATE VIEW v AS SELECT * FROM raw_sales
-- case: create_or_replace_view expect: rejected
CREATE OR REPLACE VIEW mart_dyn_sales AS SELECT 1 AS x
-- case: create_function expect: rejected because: CREATE FUNCTION
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'
-- case: create_extension expect: rejected
CREATE EXTENSION dblink
-- case: create_rule expect: rejected
CREATE RULE r AS ON SELECT TO raw_sales DO INSTEAD SELECT 1
-- case: alter_table expect: rejected
ALTER TABLE raw_sales ADD COLUMN x int
-- case: alter_role expect: rejected
ALTER ROLE salesql SUPERUSER
-- case: alter_system expect: rejected because: ALTER SYSTEM
ALTER SYSTEM SET log_statement = 'none'
-- case: grant expect: rejected because: GRANT
GRANT ALL ON raw_sales TO PUBLIC
-- case: copy_to_file expect: rejected because: COPY
COPY raw_sales TO '/tmp/out.csv'
-- case: copy_from_file expect: rejected because: COPY
COPY raw_sales FROM '/etc/passwd'
-- case: copy_query_to_program expect: rejected because: COPY
COPY (SELECT * FROM mart_dyn_sales) TO PROGRAM 'sh -c id'
-- case: copy_from_stdin expect: rejected because: COPY
COPY raw_sales FROM STDIN
-- case: explain expect: rejected because: EXPLAIN
EXPLAIN SELECT * FROM mart_dyn_sales
-- case: explain_analyze_delete expect: rejected because: EXPLAIN
EXPLAIN ANALYZE DELETE FROM raw_sales
-- case: lock expect: rejected because: LOCK
LOCK TABLE raw_sales IN ACCESS EXCLUSIVE MODE
-- case: set expect: rejected because: SET
SET statement_timeout = 0
-- case: set_local_role expect: rejected because: SET
SET LOCAL ROLE postgres
-- case: set_session_authorization expect: rejected
SET SESSION AUTHORIZATION postgres
-- case: reset expect: rejected because: SET
RESET ALL
-- case: show expect: rejected because: SHOW
SHOW data_directory
-- case: call expect: rejected because: CALL
CALL p()
-- case: do_block expect: rejected because: DO
DO $$BEGIN PERFORM pg_sleep(10); END$$
-- case: do_language expect: rejected because: DO
DO LANGUAGE plpgsql $body$ BEGIN DELETE FROM raw_sales; END $body$
-- case: prepare expect: rejected because: PREPARE
PREPARE p AS SELECT * FROM mart_dyn_sales
-- case: execute expect: rejected because: EXECUTE
EXECUTE p
-- case: declare_cursor expect: rejected because: DECLARE CURSOR
DECLARE c CURSOR FOR SELECT * FROM mart_dyn_sales
-- case: fetch expect: rejected because: FETCH
FETCH ALL FROM c
-- case: begin expect: rejected because: transaction
BEGIN
-- case: commit expect: rejected because: transaction
COMMIT
-- case: start_read_write expect: rejected because: transaction
START TRANSACTION READ WRITE
-- case: listen expect: rejected because: LISTEN
LISTEN ch
-- case: notify expect: rejected because: NOTIFY
NOTIFY ch, 'x'
-- case: load expect: rejected because: LOAD
LOAD '/tmp/evil.so'
-- case: vacuum expect: rejected because: VACUUM
VACUUM FULL raw_sales
-- case: analyze expect: rejected because: VACUUM
ANALYZE raw_sales
-- case: checkpoint expect: rejected because: CHECKPOINT
CHECKPOINT
-- case: discard expect: rejected because: DISCARD
DISCARD ALL
-- case: security_label expect: rejected
SECURITY LABEL ON TABLE raw_sales IS 'x'
-- case: comment_on expect: rejected
COMMENT ON TABLE raw_sales IS 'x'
-- case: reindex expect: rejected
REINDEX TABLE raw_sales

# ---- Queries that write, create or lock ---------------------------------------------
-- case: select_into expect: rejected because: SELECT INTO
SELECT * INTO t FROM mart_dyn_sales
-- case: select_into_temp expect: rejected because: SELECT INTO
SELECT region INTO TEMP t FROM mart_dyn_sales
-- case: select_into_union expect: rejected because: SELECT INTO
SELECT region INTO t FROM mart_dyn_sales UNION SELECT region FROM raw_sales
-- case: for_update expect: rejected because: FOR UPDATE
SELECT * FROM mart_dyn_sales FOR UPDATE
-- case: for_share expect: rejected because: FOR UPDATE / FOR SHARE
SELECT * FROM raw_sales FOR SHARE
-- case: for_no_key_update_skip expect: rejected because: FOR UPDATE
SELECT * FROM raw_sales FOR NO KEY UPDATE SKIP LOCKED
-- case: for_update_in_subquery expect: rejected because: FOR UPDATE
SELECT * FROM (SELECT * FROM raw_sales FOR UPDATE) s
-- case: for_update_in_cte expect: rejected because: FOR UPDATE
WITH s AS (SELECT * FROM raw_sales FOR KEY SHARE) SELECT * FROM s
-- case: table_for_update expect: rejected because: FOR UPDATE
TABLE raw_sales FOR UPDATE
-- case: cte_delete expect: rejected because: changes data
WITH d AS (DELETE FROM raw_sales RETURNING *) SELECT * FROM d
-- case: cte_delete_unread expect: rejected because: DELETE
WITH d AS (DELETE FROM raw_sales) SELECT 1
-- case: cte_insert expect: rejected because: INSERT
WITH i AS (INSERT INTO raw_sales SELECT * FROM raw_sales RETURNING 1) SELECT count(*) FROM i
-- case: cte_update expect: rejected because: UPDATE
WITH u AS (UPDATE raw_sales SET sales = 0 RETURNING *) SELECT * FROM mart_dyn_sales
-- case: cte_delete_second expect: rejected because: DELETE
WITH a AS (SELECT 1), d AS (DELETE FROM raw_sales RETURNING *) SELECT * FROM a
-- case: cte_delete_in_subquery expect: rejected because: DELETE
SELECT * FROM (WITH d AS (DELETE FROM raw_sales RETURNING *) SELECT * FROM d) s
-- case: cte_delete_in_scalar_subquery expect: rejected because: DELETE
SELECT (WITH d AS (DELETE FROM raw_sales RETURNING 1) SELECT count(*) FROM d)
-- case: cte_delete_in_union_branch expect: rejected because: DELETE
SELECT 1 UNION ALL (WITH d AS (DELETE FROM raw_sales RETURNING 1) SELECT * FROM d)
-- case: with_recursive expect: rejected because: WITH RECURSIVE
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r
-- case: with_recursive_search expect: rejected because: WITH RECURSIVE
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SEARCH DEPTH FIRST BY n SET o SELECT * FROM r

# ---- Functions that reach files, settings, the session, other servers, or state -----
-- case: pg_read_file expect: rejected because: pg_read_file
SELECT pg_read_file('/etc/passwd')
-- case: pg_read_binary_file expect: rejected because: pg_read_binary_file
SELECT pg_read_binary_file('/etc/passwd')
-- case: pg_read_file_qualified expect: rejected because: pg_read_file
SELECT pg_catalog.pg_read_file('/etc/passwd', 0, 100)
-- case: pg_read_file_quoted expect: rejected because: pg_read_file
SELECT "pg_read_file"('/etc/passwd')
-- case: pg_read_file_upper expect: rejected because: pg_read_file
SELECT PG_READ_FILE('/etc/passwd')
-- case: pg_ls_dir expect: rejected because: pg_ls_dir
SELECT pg_ls_dir('.')
-- case: pg_ls_waldir expect: rejected because: pg_ls_waldir
SELECT count(*) FROM mart_dyn_sales WHERE pg_ls_waldir() IS NOT NULL
-- case: pg_stat_file expect: rejected because: pg_stat_file
SELECT pg_stat_file('postgresql.conf')
-- case: lo_import expect: rejected because: lo_import
SELECT lo_import('/etc/passwd')
-- case: lo_export expect: rejected because: lo_export
SELECT lo_export(16385, '/tmp/x')
-- case: lo_get expect: rejected because: lo_get
SELECT lo_get(16385)
-- case: lo_from_bytea expect: rejected because: lo_from_bytea
SELECT lo_from_bytea(0, 'x')
-- case: set_config expect: rejected because: set_config
SELECT set_config('statement_timeout', '0', false)
-- case: set_config_in_where expect: rejected because: set_config
SELECT region FROM mart_dyn_sales WHERE set_config('role', 'postgres', true) IS NOT NULL
-- case: current_setting expect: rejected because: current_setting
SELECT current_setting('data_directory')
-- case: current_setting_qualified expect: rejected because: current_setting
SELECT pg_catalog.current_setting('is_superuser')
-- case: pg_sleep expect: rejected because: pg_sleep
SELECT pg_sleep(60)
-- case: pg_sleep_for expect: rejected because: pg_sleep_for
SELECT pg_sleep_for('1 hour')
-- case: dblink expect: rejected because: dblink
SELECT dblink('host=10.0.0.1', 'SELECT 1')
-- case: dblink_exec expect: rejected because: dblink_exec
SELECT dblink_exec('dbname=postgres', 'DROP TABLE raw_sales')
-- case: dblink_schema expect: rejected because: public.dblink_exec
SELECT public.dblink_exec('dbname=postgres', 'DROP TABLE raw_sales')
-- case: nextval expect: rejected because: nextval
SELECT nextval('s')
-- case: setval expect: rejected because: setval
SELECT setval('s', 1)
-- case: currval expect: rejected because: currval
SELECT currval('s')
-- case: txid_current expect: rejected because: txid_current
SELECT txid_current()
-- case: pg_current_xact_id expect: rejected because: pg_current_xact_id
SELECT pg_current_xact_id()
-- case: pg_terminate_backend expect: rejected because: pg_terminate_backend
SELECT pg_terminate_backend(1)
-- case: pg_cancel_backend expect: rejected because: pg_cancel_backend
SELECT pg_cancel_backend(1)
-- case: pg_reload_conf expect: rejected because: pg_reload_conf
SELECT pg_reload_conf()
-- case: pg_advisory_lock expect: rejected because: pg_advisory_lock
SELECT pg_advisory_lock(1)
-- case: pg_notify expect: rejected because: pg_notify
SELECT pg_notify('ch', 'x')
-- case: pg_switch_wal expect: rejected because: pg_switch_wal
SELECT pg_switch_wal()
-- case: pg_logical_emit_message expect: rejected because: pg_logical_emit_message
SELECT pg_logical_emit_message(true, 'x', 'y')
-- case: query_to_xml expect: rejected because: query_to_xml
SELECT query_to_xml('DELETE FROM raw_sales RETURNING 1', true, true, '')
-- case: version expect: rejected because: version
SELECT version()
-- case: current_database_fn expect: rejected because: current_database
SELECT current_database()
-- case: inet_server_addr expect: rejected because: inet_server_addr
SELECT inet_server_addr()
-- case: pg_backend_pid expect: rejected because: pg_backend_pid
SELECT pg_backend_pid()
-- case: has_table_privilege expect: rejected because: has_table_privilege
SELECT has_table_privilege('pg_authid', 'SELECT')
-- case: to_regclass expect: rejected because: to_regclass
SELECT to_regclass('pg_shadow')
-- case: pg_get_functiondef expect: rejected because: pg_get_functiondef
SELECT pg_get_functiondef(1)
-- case: repeat_bomb expect: rejected because: repeat
SELECT repeat('x', 1000000000)
-- case: lpad_bomb expect: rejected because: lpad
SELECT lpad(region, 1000000000) FROM mart_dyn_sales
-- case: format_width_bomb expect: rejected because: format
SELECT format('%1000000000s', 'x')
-- case: generate_series_select_list expect: rejected because: generate_series
SELECT generate_series(1, 1000000000000)
-- case: unnest_select_list expect: rejected because: unnest
SELECT unnest(ARRAY[1, 2])
-- case: regexp_matches_srf expect: rejected because: regexp_matches
SELECT regexp_matches(region, '.') FROM mart_dyn_sales
-- case: schema_qualified_builtin_elsewhere expect: rejected because: public.sum
SELECT public.sum(sales) FROM mart_dyn_sales
-- case: three_part_function expect: rejected because: not allowed
SELECT db.pg_catalog.sum(sales) FROM mart_dyn_sales
-- case: current_user expect: rejected because: CURRENT_USER
SELECT current_user
-- case: session_user expect: rejected because: SESSION_USER
SELECT session_user
-- case: user_keyword expect: rejected because: USER
SELECT user
-- case: current_role expect: rejected because: CURRENT_ROLE
SELECT current_role
-- case: current_catalog expect: rejected because: CURRENT_CATALOG
SELECT current_catalog
-- case: current_schema expect: rejected because: CURRENT_SCHEMA
SELECT current_schema

# ---- Forbidden calls smuggled into every place an expression can stand --------------
-- case: in_order_by expect: rejected because: pg_sleep
SELECT region FROM mart_dyn_sales ORDER BY pg_sleep(10)
-- case: in_group_by expect: rejected because: current_setting
SELECT count(*) FROM mart_dyn_sales GROUP BY current_setting('data_directory')
-- case: in_rollup expect: rejected because: current_setting
SELECT count(*) FROM mart_dyn_sales GROUP BY ROLLUP (region, current_setting('x'))
-- case: in_having expect: rejected because: pg_sleep
SELECT region FROM mart_dyn_sales GROUP BY region HAVING pg_sleep(1) IS NULL
-- case: in_window_partition expect: rejected because: pg_backend_pid
SELECT sum(sales) OVER (PARTITION BY pg_backend_pid()) FROM mart_dyn_sales
-- case: in_window_order expect: rejected because: pg_sleep
SELECT rank() OVER (ORDER BY pg_sleep(1)) FROM mart_dyn_sales
-- case: in_window_frame expect: rejected because: pg_sleep
SELECT sum(sales) OVER (ORDER BY order_date ROWS BETWEEN pg_sleep(1)::int PRECEDING AND CURRENT ROW) FROM mart_dyn_sales
-- case: in_named_window expect: rejected because: current_setting
SELECT sum(sales) OVER w FROM mart_dyn_sales WINDOW w AS (PARTITION BY current_setting('x'))
-- case: in_lateral expect: rejected because: pg_read_file
SELECT * FROM mart_dyn_sales s, LATERAL (SELECT pg_read_file('/etc/passwd')) f
-- case: in_join_lateral expect: rejected because: pg_sleep
SELECT * FROM mart_dyn_sales s JOIN LATERAL (SELECT pg_sleep(1) AS z) f ON true
-- case: in_join_on expect: rejected because: pg_sleep
SELECT * FROM mart_dyn_sales a JOIN mart_dyn_orders b ON pg_sleep(1) IS NULL
-- case: in_scalar_subquery expect: rejected because: current_setting
SELECT (SELECT current_setting('is_superuser'))
-- case: in_exists expect: rejected because: pg_sleep
SELECT 1 WHERE EXISTS (SELECT pg_sleep(1))
-- case: in_in_subquery expect: rejected because: pg_read_file
SELECT * FROM mart_dyn_sales WHERE region IN (SELECT pg_read_file('/etc/hostname'))
-- case: in_any_array expect: rejected because: current_setting
SELECT * FROM mart_dyn_sales WHERE region = ANY (ARRAY[current_setting('x')])
-- case: in_in_list expect: rejected because: current_setting
SELECT * FROM mart_dyn_sales WHERE region IN ('West', current_setting('x'))
-- case: in_case expect: rejected because: pg_sleep
SELECT CASE WHEN sales > 0 THEN pg_sleep(1)::text ELSE 'x' END FROM mart_dyn_sales
-- case: in_coalesce expect: rejected because: current_setting
SELECT coalesce(NULL, current_setting('x'))
-- case: in_greatest expect: rejected because: pg_backend_pid
SELECT greatest(1, pg_backend_pid())
-- case: in_nullif expect: rejected because: pg_sleep
SELECT nullif(pg_sleep(1)::text, '')
-- case: in_cast_arg expect: rejected because: current_setting
SELECT CAST(current_setting('x') AS int)
-- case: in_allowed_fn_arg expect: rejected because: current_setting
SELECT upper(current_setting('data_directory'))
-- case: in_aggregate_order expect: rejected because: pg_sleep
SELECT string_agg(region, ',' ORDER BY pg_sleep(1)) FROM mart_dyn_sales
-- case: in_aggregate_filter expect: rejected because: pg_sleep
SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM mart_dyn_sales
-- case: in_within_group expect: rejected because: pg_backend_pid
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY pg_backend_pid()) FROM mart_dyn_sales
-- case: in_limit expect: rejected because: pg_sleep
SELECT * FROM mart_dyn_sales LIMIT (SELECT 1 WHERE pg_sleep(1) IS NULL)
-- case: in_offset expect: rejected because: pg_backend_pid
SELECT * FROM mart_dyn_sales OFFSET pg_backend_pid()
-- case: in_distinct_on expect: rejected because: pg_sleep
SELECT DISTINCT ON (pg_sleep(1)) region FROM mart_dyn_sales
-- case: in_values expect: rejected because: pg_read_file
VALUES (1, pg_read_file('/etc/passwd'))
-- case: in_union_branch expect: rejected because: pg_sleep
SELECT 1 UNION ALL SELECT pg_sleep(1)::int
-- case: in_cte_body expect: rejected because: set_config
WITH c AS (SELECT set_config('role', 'postgres', false)) SELECT * FROM c
-- case: in_array_subscript expect: rejected because: pg_backend_pid
SELECT (ARRAY[1, 2])[pg_backend_pid()]
-- case: in_typmod expect: rejected because: pg_backend_pid
SELECT 1::numeric(pg_backend_pid())
-- case: in_row expect: rejected because: pg_sleep
SELECT ROW(1, pg_sleep(1))
-- case: in_is_distinct expect: rejected because: pg_sleep
SELECT 1 WHERE 1 IS DISTINCT FROM pg_sleep(1)::int
-- case: in_between expect: rejected because: pg_backend_pid
SELECT * FROM mart_dyn_sales WHERE sales BETWEEN 0 AND pg_backend_pid()
-- case: in_like_escape expect: rejected because: current_setting
SELECT * FROM mart_dyn_sales WHERE region LIKE current_setting('x')
-- case: in_collate_arg expect: rejected because: current_setting
SELECT current_setting('x') COLLATE "C"
-- case: in_array_sublink expect: rejected because: pg_ls_dir
SELECT ARRAY(SELECT pg_ls_dir('.'))

# ---- Casts that look names up in the catalogs, and unknown types ---------------------
-- case: cast_regclass expect: rejected because: regclass
SELECT 'pg_shadow'::regclass
-- case: cast_regclass_oid expect: rejected because: regclass
SELECT 'pg_authid'::regclass::oid
-- case: cast_regclass_function expect: rejected because: regclass
SELECT CAST('pg_shadow' AS regclass)
-- case: cast_regproc expect: rejected because: regproc
SELECT 'pg_read_file'::regproc
-- case: cast_regprocedure expect: rejected because: regprocedure
SELECT 'pg_sleep(float8)'::regprocedure
-- case: cast_regtype expect: rejected because: regtype
SELECT 'int4'::regtype
-- case: cast_regnamespace expect: rejected because: regnamespace
SELECT 'pg_catalog'::regnamespace
-- case: cast_regrole expect: rejected because: regrole
SELECT 'postgres'::regrole
-- case: cast_regclass_array expect: rejected because: regclass
SELECT '{pg_shadow}'::regclass[]
-- case: cast_regclass_qualified expect: rejected because: regclass
SELECT 'pg_shadow'::pg_catalog.regclass
-- case: cast_oid expect: rejected because: oid
SELECT 1::oid
-- case: cast_xml expect: rejected because: xml
SELECT '<a/>'::xml
-- case: cast_user_type expect: rejected because: public.mood
SELECT 'happy'::public.mood
-- case: cast_unknown_type expect: rejected because: mood
SELECT 'happy'::mood
-- case: cast_percent_type expect: rejected
SELECT CAST(1 AS raw_sales.sales%TYPE)
-- case: typed_literal_regclass expect: rejected because: regclass
SELECT regclass 'pg_shadow'
-- case: cast_in_where expect: rejected because: regclass
SELECT * FROM mart_dyn_sales WHERE 'pg_shadow'::regclass IS NOT NULL

# ---- Relations outside the policy ---------------------------------------------------
-- case: pg_catalog_pg_user expect: rejected because: system catalogs
SELECT * FROM pg_catalog.pg_user
-- case: pg_user_bare expect: rejected because: system catalogs
SELECT usename FROM pg_user
-- case: pg_shadow expect: rejected because: pg_shadow
SELECT passwd FROM pg_shadow
-- case: pg_authid expect: rejected because: pg_authid
SELECT rolpassword FROM pg_authid
-- case: pg_settings expect: rejected because: pg_settings
SELECT * FROM pg_settings
-- case: pg_stat_activity expect: rejected because: pg_stat_activity
SELECT query FROM pg_stat_activity
-- case: pg_class_join expect: rejected because: pg_class
SELECT * FROM mart_dyn_sales, pg_class
-- case: information_schema_tables expect: rejected because: system catalogs
SELECT * FROM information_schema.tables
-- case: information_schema_columns_cross expect: rejected because: information_schema
SELECT * FROM (VALUES (1)) v(x) CROSS JOIN information_schema.columns
-- case: quoted_upper_pg_catalog expect: rejected because: PG_CATALOG
SELECT * FROM "PG_CATALOG"."pg_shadow"
-- case: quoted_pg_catalog expect: rejected because: system catalogs
SELECT * FROM "pg_catalog"."pg_shadow"
-- case: unicode_escape_relation expect: rejected because: pg_shadow
SELECT * FROM U&"\0070g_shadow"
-- case: unicode_escape_schema expect: rejected because: system catalogs
SELECT * FROM U&"\0070g_catalog".pg_user
-- case: unicode_escape_uescape expect: rejected because: pg_user
SELECT * FROM U&"!0070g_user" UESCAPE '!'
-- case: pg_toast expect: rejected because: system catalogs
SELECT * FROM pg_toast.pg_toast_2618
-- case: pg_temp expect: rejected because: system catalogs
SELECT * FROM pg_temp.mart_dyn_sales
-- case: public_schema expect: rejected because: not other schemas
SELECT * FROM public.mart_dyn_sales
-- case: allowed_schema_other_table expect: rejected because: secret_orders
SELECT * FROM mart.secret_orders
-- case: database_qualified expect: rejected because: database-qualified
SELECT * FROM postgres.mart.mart_dyn_sales
-- case: catalog_table expect: rejected because: salesql_meta
SELECT * FROM salesql_meta
-- case: secret_table expect: rejected because: secret_orders
SELECT * FROM secret_orders
-- case: quoted_upper_mart expect: rejected because: MART_DYN_SALES
SELECT * FROM "MART_DYN_SALES"
-- case: table_pg_shadow expect: rejected because: pg_shadow
TABLE pg_shadow
-- case: table_catalog expect: rejected because: salesql_meta
TABLE salesql_meta
-- case: only_pg_class expect: rejected because: pg_class
SELECT * FROM ONLY pg_class
-- case: in_subquery_relation expect: rejected because: pg_user
SELECT * FROM mart_dyn_sales WHERE region IN (SELECT usename FROM pg_user)
-- case: any_subquery_relation expect: rejected because: pg_roles
SELECT * FROM mart_dyn_sales WHERE region = ANY (SELECT rolname FROM pg_roles)
-- case: values_subquery_relation expect: rejected because: pg_shadow
VALUES ((SELECT passwd FROM pg_shadow LIMIT 1))
-- case: array_subquery_relation expect: rejected because: pg_database
SELECT ARRAY(SELECT datname FROM pg_database)
-- case: lateral_relation expect: rejected because: pg_settings
SELECT * FROM mart_dyn_sales s, LATERAL (SELECT setting FROM pg_settings LIMIT 1) x
-- case: join_relation expect: rejected because: pg_roles
SELECT * FROM mart_dyn_sales s LEFT JOIN pg_roles r ON true
-- case: row_to_json_relation expect: rejected because: not allowed
SELECT row_to_json(a) FROM pg_stat_activity a
-- case: cte_self_reference expect: rejected because: salesql_meta
WITH salesql_meta AS (SELECT * FROM salesql_meta) SELECT * FROM salesql_meta
-- case: cte_later_sibling expect: rejected because: relation later 
WITH a AS (SELECT * FROM later), later AS (SELECT 1) SELECT * FROM a
-- case: cte_out_of_subquery expect: rejected because: relation x 
SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) s, x
-- case: cte_out_of_union_branch expect: rejected because: relation x 
(WITH x AS (SELECT 1 AS a) SELECT * FROM x) UNION SELECT * FROM x
-- case: cte_qualified_is_relation expect: rejected because: system catalogs
WITH pg_shadow AS (SELECT 1) SELECT * FROM pg_catalog.pg_shadow
-- case: cte_qualified_other_schema expect: rejected because: not other schemas
WITH secret_orders AS (SELECT 1) SELECT * FROM public.secret_orders
-- case: cte_from_inner_scope expect: rejected because: pg_user
SELECT (WITH pg_user AS (SELECT 1) SELECT 1), (SELECT count(*) FROM pg_user)

# ---- Function calls in FROM, and other forbidden constructs --------------------------
-- case: generate_series_from expect: rejected because: generate_series in FROM
SELECT * FROM generate_series(1, 3)
-- case: generate_series_lateral expect: rejected because: generate_series
SELECT * FROM mart_dyn_sales s, LATERAL generate_series(1, 1000000000) g
-- case: rows_from expect: rejected because: in FROM
SELECT * FROM ROWS FROM (generate_series(1, 3), unnest(ARRAY[1]))
-- case: pg_read_file_from expect: rejected because: pg_read_file
SELECT * FROM pg_read_file('/etc/passwd') AS f
-- case: dblink_from expect: rejected because: dblink
SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(a int)
-- case: unnest_from expect: rejected because: unnest
SELECT * FROM unnest(ARRAY[1, 2]) WITH ORDINALITY
-- case: json_to_recordset_from expect: rejected because: json_to_recordset
SELECT * FROM json_to_recordset('[{"a":1}]') AS t(a int)
-- case: xmltable expect: rejected because: XML
SELECT * FROM XMLTABLE('/a' PASSING '<a/>' COLUMNS x int PATH '.')
-- case: xmlelement expect: rejected because: XML
SELECT xmlelement(name x, 'y')
-- case: xmlparse expect: rejected because: XML
SELECT xmlparse(document '<a/>')
-- case: tablesample expect: rejected because: TABLESAMPLE
SELECT * FROM raw_sales TABLESAMPLE SYSTEM (10)
-- case: parameter expect: rejected because: parameters
SELECT * FROM mart_dyn_sales WHERE region = $1
-- case: operator_qualified_elsewhere expect: rejected because: public
SELECT 1 OPERATOR(public.+) 1
-- case: operator_geometric expect: rejected because: <->
SELECT point '(0,0)' <-> point '(1,1)'
-- case: operator_json expect: rejected because: ->>
SELECT '{"a":1}'::text ->> 'a'
-- case: operator_custom expect: rejected because: ===
SELECT 1 === 1
-- case: operator_in_order_by_using expect: rejected because: ORDER BY ... USING
SELECT region FROM mart_dyn_sales ORDER BY region USING ~<~
-- case: collate_qualified expect: rejected because: collation public.evil
SELECT region COLLATE public.evil FROM mart_dyn_sales
-- case: column_of_catalog expect: rejected because: pg_shadow
SELECT pg_shadow.passwd FROM pg_shadow

# ---- Text that does not parse, or holds no query ------------------------------------
-- case: typo expect: rejected because: does not parse
SELEC region FROM mart_dyn_sales
-- case: unterminated_string expect: rejected because: does not parse
SELECT 'abc FROM mart_dyn_sales
-- case: unterminated_comment expect: rejected because: does not parse
SELECT 1 /* never closed
-- case: unterminated_dollar expect: rejected because: does not parse
SELECT $$abc
-- case: open_paren expect: rejected because: does not parse
SELECT (1
-- case: only_comment expect: rejected because: no query
-- nothing here
-- case: only_semicolons expect: rejected because: no query
;;;
-- case: empty expect: rejected because: empty
-- case: duckdb_table_function expect: rejected because: read_csv in FROM
SELECT * FROM read_csv('/etc/passwd')
