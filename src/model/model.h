/*
 * The semantic model of the loaded data: what its tables and columns mean, worked out from
 * the schema snapshot (catalog and profile) alone, so that both modes can reason about
 * entities rather than column names.
 *
 *   - entities: a mart whose rows are things with a key (customer, order, product, employee),
 *     with the label people name them by (customer_name; first_name + last_name);
 *   - links: many-to-one paths between entities, with the role the link gives the entity it
 *     points at ("sales rep" for customers.sales_rep_employee_number), self references
 *     (an employee's manager) included;
 *   - measures: each numeric column's kind (money, a count, a per-unit price, a rate, an
 *     entity's own figure, a reference to another entity) and grain, from its values and
 *     the other columns, not from its name alone; and computed measures where no column
 *     holds them (revenue = quantity × unit price × (1 − discount), cost across a link,
 *     profit = revenue − cost);
 *   - date roles: ordered, shipped, required, paid, ...; "late" where shipped and required
 *     sit side by side.
 *
 * Ownership: sm_model_build returns a model freed with sm_model_free (NULL-safe); it
 * borrows the schema, which must outlive it. Every string belongs to the model.
 */
#ifndef SQ_MODEL_MODEL_H
#define SQ_MODEL_MODEL_H

#include "base/arena.h"

#include <stddef.h>

struct schema;
struct schema_mart;
struct schema_column;
struct sq_jw;

struct sm_entity {
    const struct schema_mart *mart;
    const struct schema_column *key;      /* unique, never NULL; NULL for a mart of lines */
    const struct schema_column *label[2]; /* the name: one column, or first and last */
    size_t nlabel;
    const char *noun; /* singular, in words: "customer", "order detail" */
};

/* A many-to-one link: each row of from has at most one row of to, found by
 * from.from_col = to.to_col. */
struct sm_link {
    const struct sm_entity *from;
    const struct sm_entity *to;
    const char *from_col;
    const char *to_col;
    const char *role; /* what to is to from, in words: "sales rep", "manager"; "" if plain */
    int self;         /* from and to are the same entity: an employee's manager */
};

enum sm_kind {
    SM_MONEY,     /* an amount that adds up: sales, amount, freight */
    SM_COUNT,     /* a number of things that adds up: quantity ordered, units */
    SM_PRICE,     /* money per unit, used per line or averaged: price_each, unit_price */
    SM_RATE,      /* a share in [0, 1] or a percentage: discount; recomputed, never summed */
    SM_LEVEL,     /* an entity's own figure: credit limit, quantity in stock */
    SM_REFERENCE, /* a number naming a row of an entity: reports_to */
};

struct sm_measure {
    const char *name;                /* "revenue", or the column's name */
    const struct schema_mart *mart;  /* where it is taken (its grain) */
    const struct schema_column *col; /* NULL for a computed measure */
    enum sm_kind kind;
    const char *agg; /* "sum" or "avg"; "" for a reference */
    /* A computed measure: its SQL over the mart (alias m) and, across a link, the linked
     * mart (alias j, joined by link); and its formula in words. */
    const char *sql;
    const char *formula;
    const struct sm_link *link;
};

enum sm_date_role {
    SM_DATE_ORDERED,
    SM_DATE_SHIPPED,
    SM_DATE_REQUIRED,
    SM_DATE_PAID,
    SM_DATE_OTHER,
};

struct sm_date {
    const struct schema_mart *mart;
    const struct schema_column *col;
    enum sm_date_role role;
};

struct sm_model {
    struct sm_entity *entities;
    size_t nentities;
    struct sm_link *links;
    size_t nlinks;
    struct sm_measure *measures;
    size_t nmeasures;
    struct sm_date *dates;
    size_t ndates;
    struct sq_arena arena;
};

struct sm_model *sm_model_build(const struct schema *s);
void sm_model_free(struct sm_model *m);

/* The entity of a mart, or NULL. */
const struct sm_entity *sm_entity_of(const struct sm_model *m, const struct schema_mart *mart);
/* The measure of a column, or NULL (a text or date column). */
const struct sm_measure *sm_measure_of(const struct sm_model *m, const struct schema_column *col);
/* A date column's role, or SM_DATE_OTHER. */
enum sm_date_role sm_date_role_of(const struct sm_model *m, const struct schema_column *col);

/* The date role a verb names: "shipped", "sent" -> shipped; "paid" -> paid; "placed",
 * "ordered" -> ordered; "due", "required" -> required; SM_DATE_OTHER for any other word. */
enum sm_date_role sm_verb_date_role(const char *word);

/* 1 if the rows of e carry a date of role r, or each points by a link at an entity's row
 * that does (an order line is on its order's date), else 0. */
int sm_dated_by(const struct sm_model *m, const struct sm_entity *e, enum sm_date_role r);

/* "Late" in a mart: 1 with its shipped and required date columns when it has both (late =
 * shipped after required), else 0. */
int sm_late_rule(const struct sm_model *m, const struct schema_mart *mart,
                 const struct schema_column **shipped, const struct schema_column **required);

const char *sm_kind_name(enum sm_kind k);
const char *sm_date_role_name(enum sm_date_role r);

/* Writes {"entities": [...], "links": [...], "measures": [...], "dates": [...]}. */
void sm_model_write_json(const struct sm_model *m, struct sq_jw *w);

#endif
