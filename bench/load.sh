#!/bin/sh
# The server under load, over loopback with wrk: (1) cached answers — the same few
# questions, warmed into the answer cache — requests/s and p50/p99 latency; (2) an
# overload of uncached questions against --workers 2 --queue 8 — the full queue answers
# 429 at once instead of growing, so latency stays bounded and the queue depth never
# passes 8 (sampled from /metrics during the run); (3) a mixed load — the cached questions
# of (1) while a second wrk keeps both workers busy with uncached ones — the cached
# answers' latency (issue 13: they are answered on the connection's thread, not queued
# behind the slow ones). Release build, 200,000 demo rows. Each server starts from a copy
# of the freshly loaded database, so that no answer is cached from an earlier run.
# SALESQL=/path/to/salesql uses that binary instead of building ../build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command -v wrk >/dev/null || { echo "load.sh: wrk is needed (apt-get install wrk)" >&2; exit 1; }
if [ -z "${SALESQL:-}" ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
    cmake --build "$root/build" -j"$(nproc)" --target salesql >/dev/null
    SALESQL="$root/build/salesql"
fi
w=${BENCH_DIR:-/tmp/salesql-bench-load}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
MIXED_CONNS=${MIXED_CONNS:-8}   # cached questions in the mixed load
MIXED_BUSY=${MIXED_BUSY:-4}     # uncached ones beside them
mkdir -p "$w"
[ -f "$w/demo/sales.csv" ] || "$SALESQL" demo --rows 200000 --out "$w/demo" >/dev/null
"$SALESQL" ingest --quiet --data "$w/demo" --db "$w/demo.duckdb"

PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

start() { # ARGS...: serve a fresh copy of the database on a free port; sets PID and BASE
    rm -f "$w/serve.out" "$w/serve.duckdb" "$w/serve.duckdb.wal"
    cp "$w/demo.duckdb" "$w/serve.duckdb"
    [ ! -f "$w/demo.duckdb.wal" ] || cp "$w/demo.duckdb.wal" "$w/serve.duckdb.wal"
    "$SALESQL" serve --quiet --no-refresh --data "$w/demo" --db "$w/serve.duckdb" --port 0 "$@" >"$w/serve.out" 2>"$w/serve.err" &
    PID=$!
    BASE=""
    while [ -z "$BASE" ]; do
        kill -0 "$PID" 2>/dev/null || { cat "$w/serve.err" >&2; exit 1; }
        BASE=$(sed -n 's|.*on \(http://[^ ]*\)/ .*|\1|p' "$w/serve.out" 2>/dev/null || true)
        [ -n "$BASE" ] || sleep 0.1
    done
}
stop() {
    kill -TERM "$PID"
    wait "$PID" || true
    PID=""
}
ask() { curl -s --max-time 60 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "{\"question\": \"$1\"}" "$BASE/api/ask"; }

warm() { # the cached questions, each asked 6 times (once per worker was needed before issue 13)
    for i in 1 2 3 4 5 6; do
        for q in "top 5 states by sales in Q3 2024" "monthly profit in 2023 for the West region" \
            "sales by category in 2022" "top 10 customers by profit in 2024"; do
            ask "$q" >/dev/null
        done
    done
}

echo "== cached answers: wrk -t2 -c$CONNS -d$DURATION, 4 questions, --workers 2"
start --workers 2
warm
LOAD_MODE=cached wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$here/load.lua" "$BASE/api/ask" |
    grep -E 'Requests/sec|Transfer/sec|status|p50|Socket errors|requests in'
curl -s --max-time 10 "$BASE/metrics" | grep -E '^salesql_(cache_hits_total|answers_total\{status="ok"\})'
stop

echo "== overload: uncached questions, wrk -t2 -c64 -d$DURATION, --workers 2 --queue 8"
start --workers 2 --queue 8
: >"$w/depth"
(
    while kill -0 "$PID" 2>/dev/null; do
        curl -s --max-time 10 "$BASE/metrics" | awk '$1 == "salesql_queue_depth" { print $2 }' >>"$w/depth"
        sleep 0.2
    done
) &
sampler=$!
LOAD_MODE=uncached wrk -t2 -c64 -d"$DURATION" --latency -s "$here/load.lua" "$BASE/api/ask" |
    grep -E 'Requests/sec|status|p50|Socket errors|requests in'
kill "$sampler" 2>/dev/null || true
sort -n "$w/depth" | awk 'NF { n++; v[n] = $1 } END { if (n) printf "queue depth sampled %d times: median %d, max %d (capacity 8)\n", n, v[int((n + 1) / 2)], v[n] }'
curl -s --max-time 10 "$BASE/metrics" | grep -E '^salesql_(jobs_rejected_total|jobs_total)'
stop

secs=${DURATION%s}
echo "== mixed: cached answers (wrk -t1 -c$MIXED_CONNS -d$DURATION) while uncached questions keep the workers busy (wrk -t1 -c$MIXED_BUSY), --workers 2"
start --workers 2
warm
LOAD_MODE=uncached wrk -t1 -c"$MIXED_BUSY" -d"$((secs + 2))s" --latency -s "$here/load.lua" "$BASE/api/ask" >"$w/busy.txt" &
busy=$!
sleep 1
LOAD_MODE=cached wrk -t1 -c"$MIXED_CONNS" -d"$DURATION" --latency -s "$here/load.lua" "$BASE/api/ask" |
    grep -E 'Requests/sec|status|p50|Socket errors|requests in' | sed 's/^/cached: /'
wait "$busy" || true
grep -E 'Requests/sec|status|p50|requests in' "$w/busy.txt" | sed 's/^/uncached: /'
curl -s --max-time 10 "$BASE/metrics" | grep -E '^salesql_(cache_hits_total|answers_total\{status="ok"\}|jobs_total)'
stop
