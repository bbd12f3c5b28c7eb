# Storage for big data, through the real binary: Parquet read in place (views) gives the
# same answers as Parquet loaded, also after the lockdown that guarded queries run under;
# hive-partitioned folders; CSV and Parquet in one folder; the memory limit reaches DuckDB;
# Ctrl-C stops an ingest (and a compact) between two files and the next run finishes;
# `compact` rewrites CSV sources as Parquet with identical answers and untouched CSVs.
. "$(dirname "$0")/lib.sh"

# answers DATA DB: a few aggregates that must not depend on how the data is stored. Money
# is summed in whole cents, which is exact: a sum of DOUBLEs depends on the order DuckDB's
# threads add them in, which differs between storage layouts (and between two runs over
# one table of many row groups) in the last of its 17 digits. For the same reason the
# answer to the question is compared to the cent, the precision of the data.
answers() {
    "$SALESQL" sql --quiet --data "$1" --db "$2" --format csv \
        "SELECT region, sum(CAST(round(sales * 100) AS BIGINT)), count(*), sum(quantity) FROM mart_dyn_sales GROUP BY 1 ORDER BY 1" &&
        "$SALESQL" sql --quiet --data "$1" --db "$2" --format csv \
            "SELECT order_date_year, order_date_month, sum(CAST(round(profit * 100) AS BIGINT)) FROM mart_dyn_sales GROUP BY ALL ORDER BY ALL" &&
        "$SALESQL" ask --quiet --data "$1" --db "$2" --format csv "top 5 regions by sales in Q3 2024" >"$WORK/ask.csv" &&
        awk -F, -v OFS=, '{ sub(/\r$/, ""); for (i = 1; i <= NF; i++) if ($i ~ /^-?[0-9]+\.[0-9]+$/) $i = sprintf("%.2f", $i); print }' "$WORK/ask.csv"
}

# --- Parquet: loaded vs read in place -------------------------------------------------
P="$WORK/pq"
"$SALESQL" demo --quiet --rows 20000 --files 4 --format parquet --out "$P" || fail "demo parquet"
expect_status "parquet load" 0 "$SALESQL" ingest --parquet load --data "$P" --db "$WORK/load.duckdb"
expect_status "parquet view" 0 "$SALESQL" ingest --parquet=view --data "$P" --db "$WORK/view.duckdb"
contains "view lists the files" "$WORK/err" "4 files, 4 changed, 4 loaded, 0 failed"
answers "$P" "$WORK/load.duckdb" >"$WORK/a.load" || fail "answers from the loaded parquet"
answers "$P" "$WORK/view.duckdb" >"$WORK/a.view" || fail "answers from the parquet view"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/a.load" "$WORK/a.view" || fail "view and load differ: $(diff "$WORK/a.load" "$WORK/a.view" | head -5)"
[ -s "$WORK/a.view" ] || fail "no answers"
# No copy: the view database holds the catalog only.
CHECKS=$((CHECKS + 1))
lsize=$(stat -c %s "$WORK/load.duckdb")
vsize=$(stat -c %s "$WORK/view.duckdb")
[ "$vsize" -lt "$lsize" ] || fail "the view database ($vsize bytes) is not smaller than the loaded one ($lsize)"
# The mode is remembered, and a changed file is one change.
expect_status "view no change" 0 "$SALESQL" ingest --data "$P" --db "$WORK/view.duckdb"
contains "view no change" "$WORK/err" "0 changed"
"$SALESQL" demo --quiet --rows 20000 --files 4 --format parquet --seed 7 --out "$WORK/pq7" || fail "demo seed 7"
cp "$WORK/pq7/sales/sales_0002.parquet" "$P/sales/sales_0002.parquet"
expect_status "view one changed" 0 "$SALESQL" ingest --data "$P" --db "$WORK/view.duckdb"
contains "view one changed" "$WORK/err" "1 changed, 1 loaded"
expect_status "load one changed" 0 "$SALESQL" ingest --data "$P" --db "$WORK/load.duckdb"
answers "$P" "$WORK/load.duckdb" >"$WORK/a.load" || fail "answers, loaded, after the change"
answers "$P" "$WORK/view.duckdb" >"$WORK/a.view" || fail "answers, view, after the change"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/a.load" "$WORK/a.view" || fail "after a change, view and load differ"
# Switching modes rebuilds the source the other way.
expect_status "view to load" 0 "$SALESQL" ingest --parquet load --data "$P" --db "$WORK/view.duckdb"
answers "$P" "$WORK/view.duckdb" >"$WORK/a.view" || fail "answers after switching to load"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/a.load" "$WORK/a.view" || fail "after switching to load, the answers differ"
expect_status "bad mode" 2 "$SALESQL" ingest --parquet copy --data "$P" --db "$WORK/view.duckdb"

# --- Hive partitions --------------------------------------------------------------------
H="$WORK/hive"
mkdir -p "$H/sales/year=2021/month=07" "$H/sales/year=2021/month=08" "$H/sales/year=2022/month=01"
cp "$WORK/pq7/sales/sales_0001.parquet" "$H/sales/year=2021/month=07/part-0.parquet"
cp "$WORK/pq7/sales/sales_0002.parquet" "$H/sales/year=2021/month=08/part-0.parquet"
cp "$WORK/pq7/sales/sales_0003.parquet" "$H/sales/year=2022/month=01/part-0.parquet"
for mode in load view; do
    expect_status "hive $mode" 0 "$SALESQL" ingest --parquet $mode --data "$H" --db "$WORK/hive_$mode.duckdb"
    check "hive $mode: one source" 1 "$H" "$WORK/hive_$mode.duckdb" "SELECT count(*) FROM (SELECT DISTINCT month FROM mart_dyn_sales WHERE month = 7)"
    check "hive $mode: month is a number" "INTEGER INTEGER" "$H" "$WORK/hive_$mode.duckdb" "SELECT DISTINCT typeof(year) || ' ' || typeof(month) FROM mart_dyn_sales"
    check "hive $mode: partitions" "2021-7 2021-8 2022-1" "$H" "$WORK/hive_$mode.duckdb" "SELECT string_agg(DISTINCT year || '-' || month, ' ' ORDER BY year || '-' || month) FROM mart_dyn_sales"
done
# CSV partitions of a top-level hive folder: one source named after the data folder.
HC="$WORK/shop"
"$SALESQL" demo --quiet --rows 3000 --files 2 --out "$WORK/csv2" || fail "demo csv 2"
mkdir -p "$HC/region_code=W" "$HC/region_code=E"
cp "$WORK/csv2/sales/sales_0001.csv" "$HC/region_code=W/data.csv"
cp "$WORK/csv2/sales/sales_0002.csv" "$HC/region_code=E/data.csv"
expect_status "csv hive" 0 "$SALESQL" ingest --data "$HC" --db "$WORK/shop.duckdb"
check "csv hive source" "3000 2" "$HC" "$WORK/shop.duckdb" "SELECT count(*) || ' ' || count(DISTINCT region_code) FROM mart_dyn_shop"

# --- CSV and Parquet in one folder --------------------------------------------------------
M="$WORK/mixed"
"$SALESQL" demo --quiet --rows 20000 --files 4 --out "$WORK/csv4" || fail "demo csv 4"
"$SALESQL" demo --quiet --rows 20000 --files 4 --format parquet --out "$WORK/pq4" || fail "demo pq 4"
mkdir -p "$M/sales"
cp "$WORK/csv4/sales/sales_0001.csv" "$WORK/csv4/sales/sales_0002.csv" "$M/sales/"
cp "$WORK/pq4/sales/sales_0003.parquet" "$WORK/pq4/sales/sales_0004.parquet" "$M/sales/"
expect_status "mixed folder" 0 "$SALESQL" ingest --parquet view --data "$M" --db "$WORK/mixed.duckdb"
contains "mixed: all four" "$WORK/err" "4 files, 4 changed, 4 loaded, 0 failed"
expect_status "all csv" 0 "$SALESQL" ingest --data "$WORK/csv4" --db "$WORK/csv4.duckdb"
answers "$WORK/csv4" "$WORK/csv4.duckdb" >"$WORK/a.csv" || fail "answers from csv"
answers "$M" "$WORK/mixed.duckdb" >"$WORK/a.mixed" || fail "answers from the mixed folder"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/a.csv" "$WORK/a.mixed" || fail "mixed folder differs from CSV: $(diff "$WORK/a.csv" "$WORK/a.mixed" | head -5)"

# --- Memory limit ------------------------------------------------------------------------
expect_status "memory flag" 0 "$SALESQL" ingest --verbose --memory-limit 300MB --temp-dir "$WORK/spill" --data "$M" --db "$WORK/mixed.duckdb"
contains "the flag reaches DuckDB" "$WORK/err" "memory_limit 286.1 MiB"
contains "the spill folder reaches DuckDB" "$WORK/err" "temp_directory $WORK/spill"
expect_status "memory env" 0 env SALESQL_MEMORY_LIMIT=1GB "$SALESQL" sql --verbose --data "$M" --db "$WORK/mixed.duckdb" "SELECT 1"
contains "the variable reaches DuckDB" "$WORK/err" "memory_limit 953.6 MiB"
expect_status "memory default" 0 "$SALESQL" sql --verbose --data "$M" --db "$WORK/mixed.duckdb" "SELECT 1"
contains "a default is set" "$WORK/err" "memory_limit "
expect_status "bad memory limit" 2 "$SALESQL" ingest --memory-limit lots --data "$M" --db "$WORK/mixed.duckdb"
contains "bad limit named" "$WORK/err" "lots"

# --- Ctrl-C stops between files (one at a time here); the next run finishes ---------------
# interrupt NAME LOG MARK COMMAND...: runs the command in the background, sends SIGINT once
# MARK shows in its log, and checks that it stopped with status 130 and said so, or
# finished first; its exit status is left in $ist.
interrupt() {
    name=$1 log=$2 mark=$3
    shift 3
    "$@" >/dev/null 2>"$log" &
    pid=$!
    i=0
    while ! grep -q "$mark" "$log" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then break; fi
        sleep 0.05
    done
    kill -INT $pid 2>/dev/null
    wait $pid
    ist=$?
    CHECKS=$((CHECKS + 1))
    if [ "$ist" = 130 ]; then
        contains "$name says so" "$log" "interrupted"
    elif [ "$ist" != 0 ]; then
        fail "$name: exit status $ist after SIGINT: $(tail -3 "$log")"
    fi
}
C="$WORK/big"
"$SALESQL" demo --quiet --rows 240000 --files 8 --out "$C" || fail "demo 8 files"
interrupt "ingest Ctrl-C" "$WORK/int.log" '^\[2/8\]' "$SALESQL" ingest --verbose --batch-mb 0 --data "$C" --db "$WORK/big.duckdb"
[ "$ist" = 130 ] || fail "the ingest was not interrupted (status $ist): $(tail -3 "$WORK/int.log")"
"$SALESQL" sql --quiet --no-refresh --data "$C" --db "$WORK/big.duckdb" --format csv \
    "SELECT _salesql_file, count(*) FROM raw_sales GROUP BY 1 ORDER BY 1" | tail -n +2 | tr -d '\r' >"$WORK/loaded"
n=$(wc -l <"$WORK/loaded")
CHECKS=$((CHECKS + 1))
[ "$n" -ge 2 ] && [ "$n" -lt 8 ] || fail "expected 2 to 7 files kept after Ctrl-C, got $n"
while IFS=, read -r file rows; do
    CHECKS=$((CHECKS + 1))
    want=$(($(wc -l <"$C/$file") - 1))
    [ "$rows" = "$want" ] || fail "$file: $rows rows in the database, $want in the file"
done <"$WORK/loaded"
expect_status "resume after Ctrl-C" 0 "$SALESQL" ingest --data "$C" --db "$WORK/big.duckdb"
contains "resume loads the rest" "$WORK/err" "$((8 - n)) loaded, 0 failed"
check "all rows after resume" 240000 "$C" "$WORK/big.duckdb" "SELECT count(*) FROM mart_dyn_sales"

# A source read in place, interrupted wherever it is (listing files, or their statistics):
# the next run completes it.
"$SALESQL" demo --quiet --rows 240000 --files 8 --format parquet --out "$WORK/bigpq" || fail "demo 8 parquet"
interrupt "view Ctrl-C" "$WORK/vint.log" 'changed' "$SALESQL" ingest --verbose --parquet view --data "$WORK/bigpq" --db "$WORK/bigpq.duckdb"
expect_status "view resume" 0 "$SALESQL" ingest --data "$WORK/bigpq" --db "$WORK/bigpq.duckdb"
check "view rows after resume" 240000 "$WORK/bigpq" "$WORK/bigpq.duckdb" "SELECT count(*) FROM mart_dyn_sales"

# --- compact --------------------------------------------------------------------------------
answers "$C" "$WORK/big.duckdb" >"$WORK/a.before" || fail "answers before compact"
md5sum "$C"/sales/*.csv >"$WORK/csv.md5"
interrupt "compact Ctrl-C" "$WORK/cint.log" 'compacted' "$SALESQL" compact --verbose --data "$C" --db "$WORK/big.duckdb"
expect_status "compact" 0 "$SALESQL" compact --data "$C" --db "$WORK/big.duckdb"
contains "compact reports" "$WORK/err" "1 sources served from Parquet"
CHECKS=$((CHECKS + 1))
[ "$(ls "$WORK/compact/sales" | grep -c '^part-[0-9]*\.parquet$')" = 8 ] || fail "expected 8 parts: $(ls "$WORK/compact/sales")"
answers "$C" "$WORK/big.duckdb" >"$WORK/a.after" || fail "answers after compact"
CHECKS=$((CHECKS + 1))
cmp -s "$WORK/a.before" "$WORK/a.after" || fail "compact changed the answers: $(diff "$WORK/a.before" "$WORK/a.after" | head -5)"
CHECKS=$((CHECKS + 1))
md5sum -c --quiet "$WORK/csv.md5" || fail "compact touched the CSV files"
CHECKS=$((CHECKS + 1))
[ "$(stat -c %s "$WORK/big.duckdb")" -lt 8000000 ] || fail "the database still holds the rows: $(stat -c %s "$WORK/big.duckdb") bytes"
# A compacted source stays compact through changes: a new version of one file, one gone.
sed -i '2d' "$C/sales/sales_0003.csv"
rm "$C/sales/sales_0008.csv"
expect_status "refresh compacted" 0 "$SALESQL" ingest --data "$C" --db "$WORK/big.duckdb"
contains "one changed, one gone" "$WORK/err" "2 changed, 1 loaded"
want=$(($(cat "$C"/sales/*.csv | wc -l) - 7))
check "compacted rows follow the files" "$want" "$C" "$WORK/big.duckdb" "SELECT count(*) FROM mart_dyn_sales"
CHECKS=$((CHECKS + 1))
[ "$(ls "$WORK/compact/sales" | grep -c 'parquet$')" = 7 ] || fail "expected 7 parts: $(ls "$WORK/compact/sales")"
expect_status "compact again" 0 "$SALESQL" compact --data "$C" --db "$WORK/big.duckdb"
finish
