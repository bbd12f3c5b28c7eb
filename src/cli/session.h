/*
 * Internal to cli/: an open data folder (database, playbook, schema snapshot) as the
 * commands use it, opened with an automatic refresh when files changed.
 *
 * Ownership: struct cli_session is caller-owned; cli_session_close frees what it holds.
 */
#ifndef SQ_CLI_SESSION_H
#define SQ_CLI_SESSION_H

#include "ingest/ingest.h"

struct cli_common;
struct playbook;
struct schema;
struct sq_error;
struct store;

enum cli_refresh {
    CLI_REFRESH_NONE, /* open as is */
    CLI_REFRESH_AUTO, /* refresh when files changed; fall back to read-only when locked */
    CLI_REFRESH_FORCE,
    CLI_REFRESH_FULL, /* reload every file */
};

struct cli_session {
    struct store *store;
    struct playbook *playbook;
    struct schema *schema;
    struct ingest_report report;
    int refreshed;
    char *staging_dir;
    char *data_dir_abs;
};

int cli_session_open(struct cli_common *c, enum cli_refresh refresh, struct cli_session *s,
                     struct sq_error *err);
/* Queries from here on may read no files outside the data folder, and settings freeze. */
int cli_session_lockdown(struct cli_session *s, struct sq_error *err);
void cli_session_close(struct cli_session *s);
void cli_print_report(const struct cli_common *c, const struct ingest_report *rep);
/* Parses --batch-mb (SALESQL_BATCH_MB), a whole number of MB from 0 (one file at a
 * time) up: 0 and *mb set, or -1. */
int cli_parse_batch_mb(const char *s, long long *mb);
int cli_load_playbook(const char *data_dir, struct playbook **out, struct sq_error *err);

#endif
