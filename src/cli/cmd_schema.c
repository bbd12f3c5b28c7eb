/*
 * `salesql schema`: the marts, their columns with types, roles, statistics and sample
 * values, the joins found between marts, the files and their load status, and the
 * playbook — as text or JSON.
 */
#include "cli/cli.h"
#include "cli/session.h"

#include "base/buf.h"
#include "base/error.h"
#include "base/json.h"
#include "model/model.h"
#include "schema/playbook.h"
#include "schema/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: salesql schema [--data DIR] [--db FILE] [--format text|json]\n"
               "\n"
               "Shows what salesql knows about the loaded data: every mart_dyn_* view with\n"
               "its columns (type, role, share of empty values, distinct values, range, the\n"
               "most frequent values), the joins found between marts, the files behind it\n"
               "and their load status, and the playbook. Refreshes the database first when files "
               "changed.\n"
               "\n"
               "  --format text|json   text for people (default), json for programs\n"
               "  --no-refresh         show the database as it is, without loading changes\n"
               "  --follow-symlinks    refresh following symbolic links out of DIR (see\n"
               "                       `salesql ingest --help`); skipped links are listed\n");
}

static void print_values(FILE *f, const struct schema_column *col)
{
    if (col->nvalues) {
        fputs("  values: ", f);
        size_t shown = col->nvalues < 6 ? col->nvalues : 6;
        for (size_t v = 0; v < shown; v++) {
            const char *val = col->values[v].value;
            /* Long values (descriptions) are cut at a character boundary. */
            size_t n = strlen(val), cut = n;
            if (n > 40) {
                cut = 37;
                while (cut > 0 && ((unsigned char)val[cut] & 0xC0) == 0x80)
                    cut--;
            }
            fprintf(f, "%s%.*s%s", v ? ", " : "", (int)cut, val, cut < n ? "…" : "");
        }
        if (col->nvalues > shown)
            fprintf(f, ", … (%zu in all)", col->nvalues);
    } else if (col->min && col->max) {
        fprintf(f, "  %s … %s", col->min, col->max);
    }
}

/* The semantic model in a few lines a person checks: what each table's rows are and are
 * called by, how they link, what each number is and what is computed. */
static void print_model(FILE *f, const struct schema *s)
{
    if (!s->nmarts)
        return;
    struct sm_model *m = sm_model_build(s);
    fprintf(f, "\nModel:\n");
    for (size_t i = 0; i < m->nentities; i++) {
        const struct sm_entity *e = &m->entities[i];
        fprintf(f, "  %-18s %s", e->noun, e->mart->name);
        if (e->key)
            fprintf(f, ", key %s", e->key->name);
        else
            fprintf(f, ", no key (rows are lines)");
        for (size_t k = 0; k < e->nlabel; k++)
            fprintf(f, "%s%s", k ? " + " : ", named by ", e->label[k]->name);
        fputc('\n', f);
    }
    for (size_t i = 0; i < m->nlinks; i++) {
        const struct sm_link *l = &m->links[i];
        fprintf(f, "  link: %s.%s -> %s", l->from->noun, l->from_col, l->to->noun);
        if (l->role[0])
            fprintf(f, " (its %s)", l->role);
        fputc('\n', f);
    }
    for (size_t i = 0; i < m->nmeasures; i++) {
        const struct sm_measure *x = &m->measures[i];
        const struct sm_entity *e = sm_entity_of(m, x->mart);
        fprintf(f, "  measure: %s of %s, %s", x->name, e ? e->noun : x->mart->name,
                sm_kind_name(x->kind));
        if (x->agg[0])
            fprintf(f, ", %s", x->agg);
        if (x->formula)
            fprintf(f, " = %s", x->formula);
        fputc('\n', f);
    }
    for (size_t i = 0; i < m->ndates; i++) {
        const struct sm_date *d = &m->dates[i];
        const struct schema_column *shipped, *required;
        fprintf(f, "  date: %s.%s (%s", sm_entity_of(m, d->mart)->noun, d->col->name,
                sm_date_role_name(d->role));
        if (d->role == SM_DATE_SHIPPED && sm_late_rule(m, d->mart, &shipped, &required))
            fprintf(f, "; late = %s > %s", shipped->name, required->name);
        fprintf(f, ")\n");
    }
    sm_model_free(m);
}

static void print_text(FILE *f, const struct schema *s, const char *data_dir)
{
    if (s->nmarts == 0)
        fprintf(f,
                "No data loaded from %s yet: put CSV or Parquet files there and run "
                "`salesql ingest`.\n",
                data_dir);
    for (size_t i = 0; i < s->nmarts; i++) {
        const struct schema_mart *m = &s->marts[i];
        fprintf(f, "%s%s  (%lld rows, from", i ? "\n" : "", m->name, m->rows);
        int nf = 0;
        for (size_t j = 0; j < s->nfiles; j++)
            if (s->files[j].source && strcmp(s->files[j].source, m->source) == 0)
                nf++;
        if (nf == 1) {
            for (size_t j = 0; j < s->nfiles; j++)
                if (s->files[j].source && strcmp(s->files[j].source, m->source) == 0)
                    fprintf(f, " %s", s->files[j].path);
        } else {
            fprintf(f, " %d files", nf);
        }
        fprintf(f, ")\n");
        for (size_t j = 0; j < m->ncols; j++) {
            const struct schema_column *col = &m->cols[j];
            fprintf(f, "  %-28s %-10s %-10s", col->name, col->type, col->role);
            if (col->agg && *col->agg)
                fprintf(f, " %-4s", col->agg);
            else
                fprintf(f, "     ");
            fprintf(f, " %6lld distinct", col->distinct);
            if (col->null_share > 0)
                fprintf(f, ", %.1f%% empty", col->null_share * 100);
            print_values(f, col);
            if (col->derived_from)
                fprintf(f, "  (from %s)", col->derived_from);
            fputc('\n', f);
            if (col->note)
                fprintf(f, "  %-28s note: %s\n", "", col->note);
        }
    }
    if (s->njoins)
        fprintf(f, "\nJoins:\n");
    for (size_t j = 0; j < s->njoins; j++) {
        const struct schema_join *jn = &s->joins[j];
        fprintf(f, "  %s.%s -> %s.%s  (%s, %.0f%% of values found)\n", jn->from->name, jn->from_col,
                jn->to->name, jn->to_col, jn->rule, jn->coverage * 100);
    }
    print_model(f, s);
    int header = 0;
    for (size_t j = 0; j < s->nfiles; j++) {
        const struct schema_file *fl = &s->files[j];
        if (!fl->status || strcmp(fl->status, "ok") == 0 || strcmp(fl->status, "skipped") == 0)
            continue;
        if (!header++)
            fprintf(f, "\nFiles that failed to load (the last good version stays loaded):\n");
        fprintf(f, "  %s: %s\n", fl->path, fl->error ? fl->error : "unknown error");
    }
    /* Symbolic links the refresh left out (ingest.h, enum ingest_symlinks). */
    header = 0;
    for (size_t j = 0; j < s->nfiles; j++) {
        const struct schema_file *fl = &s->files[j];
        if (!fl->status || strcmp(fl->status, "skipped") != 0)
            continue;
        if (!header++)
            fprintf(f, "\nWarnings:\n");
        fprintf(f, "  skipped %s: %s\n", fl->path, fl->error ? fl->error : "a symlink");
    }
}

static int own_option(void *ud, const char *name, const char *arg)
{
    (void)arg;
    if (strcmp(name, "no-refresh") == 0) {
        *(enum cli_refresh *)ud = CLI_REFRESH_NONE;
        return 0;
    }
    return -1;
}

int cmd_schema(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 0}, {"no-refresh", no_argument, 0, 0}, CLI_COMMON_OPTIONS};
    struct cli_common c;
    cli_common_init(&c);
    c.format = CLI_FORMAT_TEXT;
    enum cli_refresh refresh = CLI_REFRESH_AUTO;
    int first, status;
    if (cli_parse("schema", argc, argv, opts, &c, own_option, &refresh, usage, &first, &status))
        return status;
    if (first < argc)
        return cli_usage_error("schema", "unexpected argument '%s'", argv[first]);
    if (c.format != CLI_FORMAT_TEXT && c.format != CLI_FORMAT_JSON && c.format != CLI_FORMAT_TABLE)
        return cli_usage_error("schema", "--format must be text or json");
    struct cli_session s;
    struct sq_error err;
    sq_error_clear(&err);
    if (cli_session_open(&c, refresh, &s, &err) != 0)
        return cli_fail(&err);
    if (s.refreshed && s.report.changed)
        cli_print_report(&c, &s.report);
    if (c.format == CLI_FORMAT_JSON) {
        struct sq_buf b;
        struct sq_jw w;
        sq_buf_init(&b, SQ_BUF_UNLIMITED);
        sq_jw_init(&w, &b, 1);
        struct sm_model *model = sm_model_build(s.schema);
        sq_jw_obj_begin(&w);
        schema_write_json_members(s.schema, s.playbook, &w);
        sq_jw_key(&w, "model");
        sm_model_write_json(model, &w);
        sq_jw_obj_end(&w);
        sm_model_free(model);
        fputs(b.data, stdout);
        fputc('\n', stdout);
        sq_buf_fini(&b);
    } else {
        print_text(stdout, s.schema, c.data_dir);
    }
    cli_session_close(&s);
    return 0;
}
