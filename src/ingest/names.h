/*
 * Names salesql gives to what it loads: snake_case column and source names, the common
 * stem of files that differ only in digits, and clash suffixes. Pure functions over
 * strings, used by the scanner and the loader; names must be stable across refreshes.
 *
 * Ownership: returned strings are heap-allocated; the caller frees them.
 */
#ifndef SQ_INGEST_NAMES_H
#define SQ_INGEST_NAMES_H

#include <stddef.h>

/* "Sample - Superstore" -> "sample_superstore", "OrderQuantity" -> "order_quantity",
 * "Sub-Category" -> "sub_category", "ORDERDATE" -> "orderdate". Accented Latin letters
 * lose their accents; a leading digit gets a "col_" prefix; an empty result is "col". */
char *names_snake(const char *s);
/* The file name without folders and data extensions (.csv, .tsv, .csv.gz, .parquet). */
char *names_stem(const char *path);
/* The stem with its digit runs removed and snake-cased: "AdventureWorks_Sales_2015" ->
 * "adventure_works_sales". Files whose digit-free stems are equal "differ only in digits". */
char *names_digitless(const char *stem);
/* Makes name unique among taken[0..n): returns a copy of name, or name_2, name_3, ... */
char *names_unique(const char *name, char *const *taken, size_t n);

#endif
