/*
 * The baseline for bench/ingest.sh and bench/scale.sh: a bare DuckDB load of one CSV file,
 * or of every CSV under a folder in one statement, into a fresh database:
 * CREATE TABLE t AS SELECT * FROM read_csv_auto(FILE, or every .csv under FOLDER), with DuckDB's
 * defaults (only extension auto-loading off, as salesql does). Prints rows and seconds.
 * Usage: bare_load DB_FILE CSV_FILE|FOLDER
 */
#include <duckdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bare_load DB_FILE CSV_FILE|FOLDER\n");
        return 2;
    }
    duckdb_config cfg;
    duckdb_database db;
    duckdb_connection con;
    duckdb_result r;
    char *err = NULL;
    duckdb_create_config(&cfg);
    duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
    duckdb_set_config(cfg, "autoload_known_extensions", "false");
    if (duckdb_open_ext(argv[1], &db, cfg, &err) != DuckDBSuccess) {
        fprintf(stderr, "open: %s\n", err);
        return 1;
    }
    duckdb_destroy_config(&cfg);
    duckdb_connect(db, &con);
    char sql[4096];
    struct stat st;
    int folder = stat(argv[2], &st) == 0 && S_ISDIR(st.st_mode);
    snprintf(sql, sizeof sql, "CREATE TABLE t AS SELECT * FROM read_csv_auto('%s%s')", argv[2],
             folder ? "/**/*.csv" : "");
    double t0 = now();
    if (duckdb_query(con, sql, &r) != DuckDBSuccess) {
        fprintf(stderr, "load: %s\n", duckdb_result_error(&r));
        return 1;
    }
    duckdb_destroy_result(&r);
    double t1 = now();
    duckdb_query(con, "SELECT count(*) FROM t", &r);
    printf("rows %lld seconds %.3f\n", (long long)duckdb_value_int64(&r, 0, 0), t1 - t0);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return 0;
}
