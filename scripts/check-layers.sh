#!/bin/sh
# Fails when a module includes a header of a module above it. The order, bottom to top,
# is STYLE.md's: base < store < schema < llm, lexicon < model < guard, nlsql < agents < demo,
# ingest, jobs, answer < server < cli. A module may include its own headers and any lower
# module's; modules of one rank may not include each other. lexicon/ (a schema's words, and
# the tokenizer that makes them) reads schema/ and the playbook, and sits below both modes:
# nlsql/ parses with it and agents/ chunks the schema with it, so deep mode does not depend
# on the fast-mode parser. model/ (the semantic model) reads schema/ and lexicon's word rules
# and sits below both modes too. agents/ sits above guard/ (DESIGN.md: deep agents ─► guard).
set -eu
cd "$(dirname "$0")/.."
rank() {
    case $1 in
    base) echo 0 ;; store) echo 1 ;; schema) echo 2 ;; llm | lexicon) echo 3 ;; model) echo 4 ;;
    guard | nlsql) echo 5 ;; agents) echo 6 ;; demo | ingest | jobs | answer) echo 7 ;;
    server) echo 8 ;; cli) echo 9 ;; *) echo 99 ;;
    esac
}
bad=0
for f in src/*/*.c src/*/*.h; do
    mod=$(echo "$f" | cut -d/ -f2)
    r=$(rank "$mod")
    for inc in $(sed -n 's|^#include "\([a-z]*\)/.*"|\1|p' "$f"); do
        [ "$inc" = "$mod" ] && continue
        if [ "$(rank "$inc")" -ge "$r" ]; then
            echo "layering: $f ($mod) includes $inc/, which is not below it" >&2
            bad=1
        fi
    done
done
# Only store/ may include duckdb.h (and, for the PostgreSQL engine, libpq-fe.h), only llm/
# curl.h, only server/ microhttpd.h, only guard/ pg_query.h (PostgreSQL's parser).
for pair in "duckdb.h store" "libpq-fe.h store" "curl/curl.h llm" "microhttpd.h server" \
    "pg_query.h guard"; do
    set -- $pair
    for f in $(grep -l "#include <$1>" src/*/*.c src/*/*.h 2>/dev/null || true); do
        case $f in src/$2/*) ;; *) echo "layering: $f includes <$1>; only src/$2/ may" >&2; bad=1 ;; esac
    done
done
# Only guard/ makes a struct guarded_query and only store/ runs one: no other file (tests,
# fuzz targets and benchmarks included) may include its definition, store/guarded.h.
for f in $(grep -rl '#include "store/guarded.h"' src tests fuzz bench 2>/dev/null || true); do
    case $f in src/guard/* | src/store/*) ;; *) echo "layering: $f includes store/guarded.h; only src/guard/ and src/store/ may" >&2; bad=1 ;; esac
done
exit $bad
