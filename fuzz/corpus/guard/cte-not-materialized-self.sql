WITH salesql_files AS NOT MATERIALIZED (SELECT * FROM salesql_files) SELECT * FROM salesql_files
