#!/bin/sh
# Fetches the page's chart libraries (Vega 5.33.1, Vega-Lite 5.23.0, vega-embed 6.29.0)
# from the npm registry into third_party/web/, once; later builds reuse them. Only their
# minified UMD builds are kept: the server embeds them and serves them at /vendor/, so the
# page never reaches a CDN. WEB_DEPS_DIR=/path skips the fetch and uses a user's own copy
# (a folder holding vega.min.js, vega-lite.min.js and vega-embed.min.js).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/web"
files="vega.min.js vega-lite.min.js vega-embed.min.js"
if [ -n "${WEB_DEPS_DIR:-}" ]; then
    for f in $files; do
        [ -f "$WEB_DEPS_DIR/$f" ] || { echo "salesql: WEB_DEPS_DIR=$WEB_DEPS_DIR has no $f" >&2; exit 1; }
    done
    mkdir -p "$dest"
    for f in $files; do cmp -s "$WEB_DEPS_DIR/$f" "$dest/$f" || cp "$WEB_DEPS_DIR/$f" "$dest/$f"; done
    exit 0
fi
# The versions are the cache key (kept beside the folder, which is embedded whole): a bump
# here fetches again.
stamp="vega-5.33.1 vega-lite-5.23.0 vega-embed-6.29.0"
stampfile="$root/third_party/.web-deps"
have=1
for f in $files; do [ -f "$dest/$f" ] || have=0; done
[ "$have" = 1 ] && [ "$(cat "$stampfile" 2>/dev/null)" = "$stamp" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "salesql: npm is needed to fetch Vega (apt-get install npm)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "salesql: fetching Vega 5.33.1, Vega-Lite 5.23.0 and vega-embed 6.29.0 from the npm registry" >&2
(cd "$tmp" && npm pack --silent vega@5.33.1 vega-lite@5.23.0 vega-embed@6.29.0 >/dev/null)
mkdir -p "$tmp/x"
for p in vega-5.33.1 vega-lite-5.23.0 vega-embed-6.29.0; do
    name=${p%-*}
    mkdir -p "$tmp/x/$name"
    tar -xzf "$tmp/$p.tgz" -C "$tmp/x/$name" "package/build/$name.min.js"
done
mkdir -p "$dest"
for p in vega vega-lite vega-embed; do
    mv "$tmp/x/$p/package/build/$p.min.js" "$dest/"
done
# npm packs files with a 1985 mtime; touch them so a version bump rebuilds what embeds them.
(cd "$dest" && touch $files)
echo "$stamp" >"$stampfile"
echo "salesql: Vega is in $dest" >&2
