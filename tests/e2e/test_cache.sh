# The answer cache as a user sees it (docs/internals/answer.md, "Cache"): a deep question
# asked again by a second `salesql ask` makes no model call; a restarted server answers
# from what the last one kept in the database (`cached: true`); a hit keeps a session's
# follow-ups working; a hit is answered on the connection's thread while the only worker
# is busy with a slow question and an uncached one waits in the queue behind it; a
# changed data file (a new mart version) misses, in fast and deep mode; the guard does not
# let a query read the cache's table. The model is the local test server
# (tests/llm_server/server.js on 127.0.0.1), which logs every request.
. "$(dirname "$0")/lib.sh"

SRC=${SALESQL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
D="$WORK/data"
DB="$WORK/s.duckdb"
LOG="$WORK/requests.jsonl"
mkdir -p "$D"
cp "$DATASETS/superstore/Sample - Superstore.csv" "$D/"
: >"$LOG"

node "$SRC/tests/llm_server/server.js" 0 --log "$LOG" >"$WORK/llm.out" 2>"$WORK/llm.err" &
LLM=$!
trap 'kill $LLM 2>/dev/null; wait $LLM 2>/dev/null; rm -rf "$WORK"' EXIT
i=0
while ! grep -q '^PORT ' "$WORK/llm.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "FAIL: the test server did not start: $(cat "$WORK/llm.err")" >&2; exit 1; }
    sleep 0.1
done
export SALESQL_LLM_URL="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/llm.out")/v1"
unset OPENAI_API_KEY SALESQL_LLM_MODEL SALESQL_LLM_DEEP_MODEL SALESQL_LLM_TIMEOUT_MS \
    SALESQL_LLM_DEADLINE_MS SALESQL_LLM_RETRIES SALESQL_LLM_MAX_ROUNDS SALESQL_LLM_TOKEN_BUDGET

expect_status "ingest" 0 "$SALESQL" ingest --quiet --data "$D" --db "$DB"

calls() { wc -l <"$LOG" | tr -d ' '; }

# ask NAME ARGS...: `salesql ask --format json` (a read-only run: nothing to refresh); the
# answer is in $WORK/a.json, the model requests it made in $MADE.
ask() {
    n=$1
    shift
    before=$(calls)
    expect_status "$n" 0 "$SALESQL" ask --quiet --data "$D" --db "$DB" --format json "$@"
    cp "$WORK/out" "$WORK/a.json"
    MADE=$(($(calls) - before))
}

# api NAME BODY: POST /api/ask; the answer is in $WORK/body, the model requests in $MADE.
api() {
    before=$(calls)
    http "$1" 200 POST /api/ask -H 'Content-Type: application/json' --data-binary "$2"
    MADE=$(($(calls) - before))
}

made() { # NAME N: the last question made N model requests
    CHECKS=$((CHECKS + 1))
    [ "$MADE" = "$2" ] || fail "$1: $MADE model requests, expected $2"
}

job_state() { # ID: the state of a job
    curl -s "$BASE/api/jobs/$1" | node -e "process.stdout.write(JSON.parse(require('fs').readFileSync(0, 'utf8')).state)"
}

# A deep question, twice, in two processes: the second pays nothing.
Q1="Which sub-categories lost money in the West even though their sales grew year over year?"
ask "deep, first run" --mode deep "$Q1"
json "deep: answered by the model" "$WORK/a.json" "a.status === 'ok' && a.mode === 'deep' && a.cached === false && a.llm.calls === 2 && a.row_count === 2"
made "deep: two requests" 2
cp "$WORK/a.json" "$WORK/deep1.json"
ask "deep, second run" --mode deep "which sub-categories lost money in the West even though their sales grew year over year"
json "deep again: from the cache" "$WORK/a.json" "a.status === 'ok' && a.mode === 'deep' && a.cached === true && a.llm.calls === 0 && a.llm.prompt_tokens === 0"
made "deep again: no model request" 0
json "deep again: the same answer, the new wording" "$WORK/a.json" "((b) => a.sql === b.sql && JSON.stringify(a.rows) === JSON.stringify(b.rows) && JSON.stringify(a.insights) === JSON.stringify(b.insights) && JSON.stringify(a.chart) === JSON.stringify(b.chart) && a.interpretation === b.interpretation && a.question.startsWith('which'))(JSON.parse(require('fs').readFileSync('$WORK/deep1.json', 'utf8')))"
ask "deep, another model" --mode deep --model other-model "$Q1"
json "another model: not the cached answer" "$WORK/a.json" "a.cached === false && a.llm.calls === 2"

# The server: the CLI's deep answer; a fast one computed, then kept across a restart.
start first --workers 1
api "server: the CLI's deep answer" "{\"question\": \"$Q1\", \"mode\": \"deep\"}"
json "server: deep from the database" "$WORK/body" "a.status === 'ok' && a.mode === 'deep' && a.cached === true"
made "server: no model request" 0
api "server: a fast question" '{"question": "sales by category in 2016"}'
json "server: computed" "$WORK/body" "a.status === 'ok' && a.cached === false && a.row_count === 3"
api "server: total by region" '{"question": "total sales by region"}'
cp "$WORK/body" "$WORK/region1.json"
api "server: the fast question again" '{"question": "Sales by category in 2016?"}'
json "server: cached, in the asker's words" "$WORK/body" "a.cached === true && a.question === 'Sales by category in 2016?' && a.timings_ms.execute === 0"
stop first

start second --workers 1 --timeout 8000
api "restarted: the fast question" '{"question": "sales by category in 2016"}'
json "restarted: from the last server's cache" "$WORK/body" "a.status === 'ok' && a.cached === true && a.row_count === 3 && a.rows[0][0] === 'Technology'"

# A hit in a session keeps its frame: the follow-up edits it.
api "session: a cached question" '{"question": "sales by category in 2016", "session": "f1"}'
json "session: cached" "$WORK/body" "a.cached === true"
api "session: the follow-up" '{"question": "now by quarter", "session": "f1"}'
json "session: the follow-up edits the cached answer's frame" "$WORK/body" "a.status === 'ok' && a.interpretation.includes('by quarter') && a.interpretation.includes('2016')"
http "session: its history" 200 GET /api/sessions/f1
json "session: both questions, follow-up on" "$WORK/body" "a.history.length === 2 && a.follow_up === true && a.history[0].answer.cached === true"

# The one worker is busy with a slow model (the test server waits 30 s; the question's
# deadline is 8 s): an uncached question waits in the queue, a cached one is answered
# at once, before either.
http "slow question" 202 POST /api/ask -H 'Content-Type: application/json' \
    --data-binary '{"question": "how slow can you be", "mode": "deep", "async": true}'
SLOW=$(node -e "process.stdout.write(JSON.parse(require('fs').readFileSync('$WORK/body', 'utf8')).job)")
i=0
while [ "$(job_state "$SLOW")" != running ] && [ $i -lt 100 ]; do
    sleep 0.05
    i=$((i + 1))
done
http "uncached question" 202 POST /api/ask -H 'Content-Type: application/json' \
    --data-binary '{"question": "profit by segment in 2015", "async": true}'
WAITING=$(node -e "process.stdout.write(JSON.parse(require('fs').readFileSync('$WORK/body', 'utf8')).job)")
api "cached while the worker is busy" '{"question": "sales by category in 2016"}'
json "busy: the cached answer" "$WORK/body" "a.status === 'ok' && a.cached === true"
CHECKS=$((CHECKS + 1))
st=$(job_state "$SLOW")
[ "$st" = running ] || fail "busy: the slow question is $st, expected still running"
CHECKS=$((CHECKS + 1))
st=$(job_state "$WAITING")
[ "$st" = queued ] || fail "busy: the uncached question is $st, expected still queued behind it"
http "cancel the slow question" 200 DELETE "/api/jobs/$SLOW"
http "metrics" 200 GET /metrics
CHECKS=$((CHECKS + 1))
hits=$(awk '$1 == "salesql_cache_hits_total" { print $2 }' "$WORK/body")
[ "${hits:-0}" -ge 3 ] || fail "metrics: salesql_cache_hits_total $hits, expected at least 3 (a restart, a session, a busy worker)"
stop second

# A changed data file: a new version of the mart, so its answers miss.
CHECKS=$((CHECKS + 1))
tail -n 1 "$D/Sample - Superstore.csv" | sed 's/^[0-9]*,/9995,/' >>"$D/Sample - Superstore.csv" ||
    fail "cannot change the data file"
expect_status "refresh" 0 "$SALESQL" ingest --quiet --data "$D" --db "$DB"
start third --workers 1
api "changed data: total by region" '{"question": "total sales by region"}'
json "changed data: computed again, new totals" "$WORK/body" "((b) => a.cached === false && a.status === 'ok' && b.cached === false && JSON.stringify(a.rows) !== JSON.stringify(b.rows))(JSON.parse(require('fs').readFileSync('$WORK/region1.json', 'utf8')))"
api "changed data: deep" "{\"question\": \"$Q1\", \"mode\": \"deep\"}"
json "changed data: deep asks the model again" "$WORK/body" "a.status === 'ok' && a.cached === false && a.llm.calls === 2"
made "changed data: two requests" 2
stop third

# The table is salesql's: no query may read it.
expect_status "the guard refuses the cache's table" 4 "$SALESQL" sql --quiet --data "$D" --db "$DB" \
    "SELECT answer FROM salesql_answer_cache"
finish
