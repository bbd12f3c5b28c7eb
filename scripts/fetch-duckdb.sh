#!/bin/sh
# Fetches DuckDB 1.4.4's C API (duckdb.h + libduckdb.so) from the npm registry into
# third_party/duckdb/, once; later builds reuse it. DUCKDB_DIR=/path skips the fetch and
# points the build at a user's own copy (a folder holding duckdb.h and libduckdb.so).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/duckdb"
if [ -n "${DUCKDB_DIR:-}" ]; then
    for f in duckdb.h libduckdb.so; do
        [ -f "$DUCKDB_DIR/$f" ] || { echo "salesql: DUCKDB_DIR=$DUCKDB_DIR has no $f" >&2; exit 1; }
    done
    exit 0
fi
[ -f "$dest/duckdb.h" ] && [ -f "$dest/libduckdb.so" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "salesql: npm is needed to fetch DuckDB (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "salesql: fetching DuckDB 1.4.4 from the npm registry" >&2
(cd "$tmp" && npm pack --silent @duckdb/node-bindings-linux-x64@1.4.4-r.4 duckdb@1.4.4 >/dev/null)
mkdir -p "$tmp/x"
tar -xzf "$tmp"/duckdb-node-bindings-linux-x64-1.4.4-r.4.tgz -C "$tmp/x" package/libduckdb.so
tar -xzf "$tmp"/duckdb-1.4.4.tgz -C "$tmp/x" package/src/duckdb/src/include/duckdb.h
mkdir -p "$dest"
mv "$tmp/x/package/libduckdb.so" "$tmp/x/package/src/duckdb/src/include/duckdb.h" "$dest/"
echo "salesql: DuckDB is in $dest" >&2
