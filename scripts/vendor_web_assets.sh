#!/usr/bin/env bash
# Refresh the dashboard's vendored web assets from npm (run by hand, never at run time).
#
# The dashboard works fully offline: every script and the world geometry are served from
# src/burdenshare/web/static/vendor/, recorded with version, licence and source in VENDORED.md.
# axe-core (accessibility checks) is used only by the browser tests: tests/web/vendor/.
# Change a version below, run this script, look at the dashboard, commit the result.
set -euo pipefail

VEGA=6.4.0
VEGA_LITE=6.5.0
VEGA_EMBED=7.3.0
VEGA_INTERPRETER=2.3.2
HTMX=2.0.11
WORLD_ATLAS=2.0.2
AXE=4.14.1

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/src/burdenshare/web/static/vendor"
TEST_OUT="$ROOT/tests/web/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$TEST_OUT"

# fetch NAME VERSION: unpack the npm tarball into $WORK/NAME
fetch() {
  (cd "$WORK" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$WORK/$1"
  tar xzf "$WORK/$1-$2.tgz" -C "$WORK/$1"
}

fetch vega "$VEGA"
fetch vega-lite "$VEGA_LITE"
fetch vega-embed "$VEGA_EMBED"
fetch vega-interpreter "$VEGA_INTERPRETER"
fetch htmx.org "$HTMX"
fetch world-atlas "$WORLD_ATLAS"
fetch axe-core "$AXE"

cp "$WORK/vega/package/build/vega.min.js" "$OUT/vega.min.js"
cp "$WORK/vega-lite/package/build/vega-lite.min.js" "$OUT/vega-lite.min.js"
cp "$WORK/vega-embed/package/build/vega-embed.min.js" "$OUT/vega-embed.min.js"
# vega-interpreter ships as an ES module importing vega-util; wrap it as a classic script over
# the vega global (which re-exports vega-util), so charts run without 'unsafe-eval' in the CSP
{
  echo "/* vega-interpreter $VEGA_INTERPRETER (BSD-3-Clause), wrapped by scripts/vendor_web_assets.sh */"
  echo "(function (vega) {"
  sed -e "s/^import { \(.*\) } from 'vega-util';$/const { \1 } = vega;/" \
      -e "s/^export { expression as expressionInterpreter };$/vega.expressionInterpreter = expression;/" \
      -e '/^\/\/# sourceMappingURL/d' \
      "$WORK/vega-interpreter/package/build/vega-interpreter.js"
  echo "})(window.vega);"
} > "$OUT/vega-interpreter.js"
grep -q "^import\|^export" "$OUT/vega-interpreter.js" && { echo "vega-interpreter: unexpected module syntax" >&2; exit 1; }
cp "$WORK/htmx.org/package/dist/htmx.min.js" "$OUT/htmx.min.js"
cp "$WORK/world-atlas/package/countries-110m.json" "$OUT/countries-110m.json"
cp "$WORK/axe-core/package/axe.min.js" "$TEST_OUT/axe.min.js"
for p in vega vega-lite vega-embed vega-interpreter htmx.org world-atlas; do
  cp "$WORK/$p/package/LICENSE" "$OUT/LICENSE.$p.txt"
done
cp "$WORK/axe-core/package/LICENSE" "$TEST_OUT/LICENSE.axe-core.txt"

sha() { sha256sum "$1" | cut -c1-16; }
cat > "$OUT/VENDORED.md" <<MD
# Vendored web assets

Served locally by the dashboard (nothing from a CDN). Refreshed by
\`scripts/vendor_web_assets.sh\` from the npm registry; licences copied beside the files.

| file | package | version | licence | source | sha256 (first 16) |
|---|---|---|---|---|---|
| vega.min.js | vega | $VEGA | BSD-3-Clause | https://www.npmjs.com/package/vega (build/vega.min.js) | $(sha "$OUT/vega.min.js") |
| vega-lite.min.js | vega-lite | $VEGA_LITE | BSD-3-Clause | https://www.npmjs.com/package/vega-lite (build/vega-lite.min.js) | $(sha "$OUT/vega-lite.min.js") |
| vega-embed.min.js | vega-embed | $VEGA_EMBED | BSD-3-Clause | https://www.npmjs.com/package/vega-embed (build/vega-embed.min.js) | $(sha "$OUT/vega-embed.min.js") |
| vega-interpreter.js | vega-interpreter | $VEGA_INTERPRETER | BSD-3-Clause | https://www.npmjs.com/package/vega-interpreter (build/vega-interpreter.js, ES module wrapped as a classic script over the vega global) | $(sha "$OUT/vega-interpreter.js") |
| htmx.min.js | htmx.org | $HTMX | 0BSD | https://www.npmjs.com/package/htmx.org (dist/htmx.min.js) | $(sha "$OUT/htmx.min.js") |
| countries-110m.json | world-atlas | $WORLD_ATLAS | ISC (geometry: Natural Earth, public domain) | https://www.npmjs.com/package/world-atlas (countries-110m.json) | $(sha "$OUT/countries-110m.json") |
| tests/web/vendor/axe.min.js (tests only) | axe-core | $AXE | MPL-2.0 | https://www.npmjs.com/package/axe-core (axe.min.js) | $(sha "$TEST_OUT/axe.min.js") |

Country shapes in countries-110m.json carry ISO 3166-1 numeric ids; the dashboard maps
them to ISO3 with pycountry.
MD
echo "vendored into $OUT and $TEST_OUT"
