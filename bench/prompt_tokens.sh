#!/bin/sh
# Prompt tokens per question with and without schema chunking, on the widest shared data
# set (Northwind, 14 tables). Every Northwind question of ../shared/eval and tests/eval is
# asked in deep mode twice — SALESQL_LLM_SCHEMA=chunk (the default) and =full (the whole
# schema) — against the local test server (tests/llm_server/server.js on 127.0.0.1, no
# network), whose recorded requests give the drafting prompt's size.
#
# Tokens are counted as the test server bills them: ceil(bytes of the request body / 4),
# the usual rule of thumb for English and SQL with OpenAI's tokenizers (real counts for
# this kind of text run 3.5-4.5 bytes a token). Only the drafting request is counted: the
# insight call that follows does not depend on the schema.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SALESQL_SHARED:-$root/../shared}
# SALESQL=path uses that binary (token counts do not depend on the build); else build.
if [ -z "${SALESQL:-}" ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESQL_TESTS=OFF >/dev/null
    cmake --build "$root/build" -j"$(nproc)" --target salesql >/dev/null
    SALESQL="$root/build/salesql"
fi
w=${BENCH_DIR:-/tmp/salesql-bench-prompt}
rm -rf "$w"
mkdir -p "$w"
data="$shared/datasets/northwind"
db="$w/northwind.duckdb"
"$SALESQL" ingest --quiet --data "$data" --db "$db"
: >"$w/requests.jsonl"

node "$root/tests/llm_server/server.js" 0 --log "$w/requests.jsonl" >"$w/server.out" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
until grep -q '^PORT ' "$w/server.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "the test server did not start" >&2; exit 1; }
    sleep 0.1
done
port=$(sed -n 's/^PORT //p' "$w/server.out")
export SALESQL_LLM_URL="http://127.0.0.1:$port/v1"
unset OPENAI_API_KEY SALESQL_LLM_MODEL SALESQL_LLM_DEEP_MODEL

cat "$shared/eval/northwind.jsonl" "$root/tests/eval/northwind.jsonl" |
    node -e "require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean).forEach((l) => console.log(JSON.parse(l).question))" \
        >"$w/questions.txt"
: >"$w/runs.tsv"
while IFS= read -r q; do
    for mode in chunk full; do
        since=$(wc -l <"$w/requests.jsonl")
        SALESQL_LLM_SCHEMA=$mode "$SALESQL" ask --quiet --no-refresh --mode deep --explain \
            --data "$data" --db "$db" "$q" >/dev/null 2>"$w/explain.txt" || true
        marts=$(sed -n 's/^1\. schema chunk: \([0-9]*\) of.*/\1/p' "$w/explain.txt")
        tail -n +"$((since + 1))" "$w/requests.jsonl" | head -n 1 >"$w/one.json"
        tokens=$(node -e "const r = JSON.parse(require('fs').readFileSync('$w/one.json', 'utf8')); console.log(r.kind === 'sql_draft' ? r.prompt_tokens + '\t' + r.system_bytes : 'x\tx')")
        printf '%s\t%s\t%s\t%s\n' "$mode" "$marts" "$tokens" "$q" >>"$w/runs.tsv"
    done
done <"$w/questions.txt"

node -e "
const rows = require('fs').readFileSync('$w/runs.tsv', 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
const by = (m) => rows.filter((r) => r[0] === m && r[2] !== 'x').map((r) => ({marts: +r[1], tokens: +r[2], sys: +r[3], q: r[4]}));
const c = by('chunk'), f = by('full');
const med = (a) => { const s = [...a].sort((x, y) => x - y); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const mean = (a) => a.reduce((s, x) => s + x, 0) / a.length;
const stat = (name, a, k) => { const v = a.map((x) => x[k]); return name + ': median ' + med(v) + ', mean ' + mean(v).toFixed(0) + ', min ' + Math.min(...v) + ', max ' + Math.max(...v); };
console.log('questions: ' + c.length + ' (Northwind, 14 marts)');
console.log(stat('chunked: prompt tokens of the draft request', c, 'tokens'));
console.log(stat('whole schema: prompt tokens of the draft request', f, 'tokens'));
console.log(stat('chunked: marts sent', c, 'marts'));
console.log(stat('chunked: system prompt bytes', c, 'sys'));
console.log(stat('whole schema: system prompt bytes', f, 'sys'));
console.log('saving: median ' + (100 * (1 - med(c.map((x) => x.tokens)) / med(f.map((x) => x.tokens)))).toFixed(0) + '%, total ' +
    (100 * (1 - c.reduce((s, x) => s + x.tokens, 0) / f.reduce((s, x) => s + x.tokens, 0))).toFixed(0) + '%');
console.log('');
console.log('| question | marts sent | chunked | whole schema |');
console.log('|---|---|---|---|');
c.forEach((x, i) => console.log('| ' + x.q + ' | ' + x.marts + ' | ' + x.tokens + ' | ' + f[i].tokens + ' |'));
"
