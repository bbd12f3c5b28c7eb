# The web page in headless Chromium: starts the real `salesql serve` over the Superstore
# data set on a free loopback port and runs tests/browser/run.mjs (playwright-core driving
# Debian's /usr/bin/chromium) against it. Screenshots land in $SALESQL_TESTS_OUT/browser/.
. "$(dirname "$0")/lib.sh"

SRC=${SALESQL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BROWSER_DIR="$SRC/tests/browser"
OUT=${SALESQL_TESTS_OUT:-$SRC/tests/out}
S="$DATASETS/superstore"

for tool in node npm curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is needed (scripts/deps.sh test)" >&2; exit 1; }
done
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "FAIL: no Chromium at $CHROMIUM (scripts/deps.sh test installs Debian's)" >&2; exit 1; }
[ -d "$S" ] || { echo "FAIL: no Superstore data set at $S (set SALESQL_SHARED)" >&2; exit 1; }

# playwright-core only: the `playwright` package would try to download browsers.
if [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ]; then
    echo "installing playwright-core into tests/browser/node_modules" >&2
    (cd "$BROWSER_DIR" && npm ci --silent --no-audit --no-fund) || { echo "FAIL: npm ci in tests/browser failed" >&2; exit 1; }
fi

# A free port: bind to 0 and let the kernel choose.
# No language model: deep mode must say what it needs, whatever this machine has set.
unset SALESQL_LLM_URL OPENAI_API_KEY 2>/dev/null || true
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
"$SALESQL" serve --data "$S" --db "$WORK/s.duckdb" --host 127.0.0.1 --port "$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

up=0
i=0
while [ $i -lt 240 ]; do
    if curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1; then up=1; break; fi
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.25
    i=$((i + 1))
done
if [ "$up" != 1 ]; then
    echo "FAIL: salesql serve did not come up on port $PORT; its log:" >&2
    tail -n 40 "$WORK/serve.log" >&2
    exit 1
fi

SALESQL_TESTS_OUT="$OUT" CHROMIUM="$CHROMIUM" node "$BROWSER_DIR/run.mjs" "http://127.0.0.1:$PORT"
st=$?

# Stop the server and make sure it went cleanly (a sanitizer report fails the test too).
kill -TERM "$SERVER" 2>/dev/null
wait "$SERVER"
sst=$?
trap 'rm -rf "$WORK"' EXIT
if [ "$sst" -ne 0 ] && [ "$sst" -ne 143 ]; then
    echo "FAIL: salesql serve exited with status $sst; the end of its log:" >&2
    tail -n 40 "$WORK/serve.log" >&2
    st=1
fi
if [ "$st" -ne 0 ]; then
    echo "the end of the server log:" >&2
    tail -n 20 "$WORK/serve.log" >&2
fi
exit "$st"
