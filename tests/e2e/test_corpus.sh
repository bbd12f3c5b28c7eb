# Fast mode over the question corpus (tests/corpus/<data set>.jsonl): the everyday questions
# of a sales team — record lookups, filtered lists, computed measures (quantity × price),
# top-N then another field, conditions on per-entity aggregates, yes/no, time windows — and
# ~10% that must be declined. Most are declined today; the test pins today's figures so that
# any regression fails: no fewer correct answers and no more wrong ones than listed below.
# When the parser improves, raise CORRECT (and lower WRONG) to the new figures.
. "$(dirname "$0")/lib.sh"

# data set, correct answers today, wrong answers today (each wrong one documents a bug)
while read -r ds correct wrong; do
    set="$SALESQL_SRC/tests/corpus/$ds.jsonl"
    db="$WORK/$ds.duckdb"
    expect_status "ingest $ds" 0 "$SALESQL" ingest --quiet --data "$DATASETS/$ds" --db "$db"
    n=$(grep -c . "$set")
    # eval takes shares of all questions; half a question of slack keeps float rounding out
    # of the comparison, so this means exactly: correct >= $correct and wrong <= $wrong.
    min=$(awk -v c="$correct" -v n="$n" 'BEGIN { printf "%.6f", (c - 0.5) / n }')
    max=$(awk -v w="$wrong" -v n="$n" 'BEGIN { printf "%.6f", (w + 0.5) / n }')
    CHECKS=$((CHECKS + 1))
    if ! "$SALESQL" eval --quiet --data "$DATASETS/$ds" --db "$db" --min-correct "$min" \
        --max-wrong "$max" "$set" >"$WORK/eval.out" 2>&1; then
        fail "eval $set (want at least $correct correct, at most $wrong wrong): $(cat "$WORK/eval.out")"
    fi
done <<EOF
classicmodels 74 0
northwind 55 0
superstore 55 0
auto_sales 55 0
adventureworks 41 0
EOF
finish
