# Killing an ingest with SIGKILL in the middle loses nothing that was committed and
# leaves no half-loaded file or batch (files load two at a time here, each pair in one
# transaction); the next run completes the load. A second process on the
# same database gets a clear error naming the file and the process holding it.
. "$(dirname "$0")/lib.sh"

D="$WORK/data"; DB="$WORK/db/sales.duckdb"
"$SALESQL" demo --quiet --rows 600000 --files 6 --out "$D" || fail "demo"
total=0
for f in "$D"/sales/*.csv; do
    total=$((total + $(wc -l <"$f") - 1))
done

# Batches of two files: the two biggest fit, three do not.
big=$(stat -c %s "$D"/sales/*.csv | sort -n | tail -1)
small=$(stat -c %s "$D"/sales/*.csv | sort -n | head -1)
batch_mb=$(((2 * big + small / 2) / 1000000))
"$SALESQL" ingest --verbose --batch-mb "$batch_mb" --data "$D" --db "$DB" 2>"$WORK/ingest.log" &
pid=$!
# Wait until two files are in, then take a second process at the same database.
i=0
while ! grep -q '^\[2/6\]' "$WORK/ingest.log" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then break; fi
    sleep 0.05
done
expect_status "second writer" 1 "$SALESQL" ingest --data "$D" --db "$DB"
contains "lock names the file" "$WORK/err" "sales.duckdb"
contains "lock names the holder" "$WORK/err" "PID"
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
grep -q '^\[2/6\]' "$WORK/ingest.log" || fail "the ingest never reported its second file: $(cat "$WORK/ingest.log")"

# Every file that made it in is complete; no file is in part.
"$SALESQL" sql --quiet --no-refresh --data "$D" --db "$DB" --format csv \
    "SELECT _salesql_file, count(*) FROM raw_sales GROUP BY 1 ORDER BY 1" | tail -n +2 | tr -d '\r' >"$WORK/loaded"
loaded_files=$(wc -l <"$WORK/loaded")
[ "$loaded_files" -ge 2 ] || fail "expected at least 2 files loaded before the kill, got $loaded_files"
[ "$loaded_files" -lt 6 ] || fail "the kill came too late to test anything ($loaded_files files in)"
[ $((loaded_files % 2)) = 0 ] || fail "a batch of two files was loaded in part: $loaded_files files in"
while IFS=, read -r file rows; do
    CHECKS=$((CHECKS + 1))
    want=$(($(wc -l <"$D/$file") - 1))
    [ "$rows" = "$want" ] || fail "$file: $rows rows in the database, $want in the file"
done <"$WORK/loaded"

# The next run loads exactly what is missing.
expect_status "resume" 0 "$SALESQL" ingest --data "$D" --db "$DB"
contains "resume loads the rest" "$WORK/err" "$((6 - loaded_files)) loaded, 0 failed"
check "all rows" "$total" "$D" "$DB" "SELECT count(*) FROM mart_dyn_sales"
check "no duplicate lines" "$total" "$D" "$DB" "SELECT count(*) FROM (SELECT DISTINCT * FROM mart_dyn_sales)"
finish
