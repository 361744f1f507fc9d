#!/usr/bin/env bash
# make check-app: the app as VTEX IO packages it.
#   1. tests/app/check_app.py: manifest.json against @vtex/api's published manifest schema
#      (draft-07, with jsonschema), name/vendor/version, billingOptions, the App Store listing,
#      node/service.json, an outbound-access policy for every host the clients call,
#      .vtexignore; then the same checks on broken copies (--self-test), each of which must fail;
#   2. node/ compiles on its own, as the IO builder gets it: node/ without .build and without
#      what .vtexignore drops, copied to a temporary directory with node_modules linked, then
#      `tsc --noEmit -p tsconfig.json` there (so nothing outside node/ may be imported). A
#      sentinel file importing ../tests/ is added to the copy: tsc must report it, and only it;
#   3. tests/erp-contract/run.sh: ponte-sim's ERP and Ponte's own deliveries against
#      docs/erp-contract.yaml.
# Needs `make setup` (node/node_modules) and `make wasm` (node/generated); reads nothing
# outside the repository besides the temporary directory it makes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/openapi-venv.sh
source scripts/openapi-venv.sh

echo "== check-app: manifest, listing, service.json, hosts, .vtexignore"
"$venv_python" -B tests/app/check_app.py
"$venv_python" -B tests/app/check_app.py --self-test

echo "== check-app: node/ compiles on its own"
[[ -d node/node_modules ]] || { echo "check-app: node/node_modules is missing: make setup" >&2; exit 1; }
[[ -d node/generated ]] || { echo "check-app: node/generated is missing: make wasm" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/node"
# The files VTEX IO would upload from node/ (check_app.py's reading of .vtexignore).
"$venv_python" -B -c '
import sys
sys.path.insert(0, "tests/app")
from pathlib import Path
from check_app import ignored, vtexignore_patterns
patterns = vtexignore_patterns(Path(".vtexignore").read_text())
for p in sorted(Path("node").rglob("*")):
    rel = p.as_posix()
    if p.is_file() and not rel.startswith(("node/node_modules/", "node/.build/")) and not ignored(patterns, rel):
        print(rel[len("node/"):])
' > "$tmp/files"
(cd node && tar -cf - -T "$tmp/files") | (cd "$tmp/node" && tar -xf -)
ln -s "$root/node/node_modules" "$tmp/node/node_modules"
sentinel="check_app_sentinel.ts"
# (A named import: TypeScript 5.5 does not resolve side-effect-only imports.)
printf "// Imports from outside node/: the standalone compile must refuse it.\nimport { graphql } from '../tests/support/http'\nexport const outside = graphql\n" > "$tmp/node/$sentinel"
set +e
(cd "$tmp/node" && ./node_modules/.bin/tsc --noEmit -p tsconfig.json) > "$tmp/tsc.out" 2>&1
rc=$?
set -e
others="$(grep -E '^[^ ].*error TS' "$tmp/tsc.out" | grep -v "^$sentinel" || true)"
if [[ -n $others ]]; then
  echo "check-app: node/ does not compile on its own:" >&2
  echo "$others" >&2
  exit 1
fi
if [[ $rc -eq 0 ]] || ! grep -q "^$sentinel.*error TS2307" "$tmp/tsc.out"; then
  echo "check-app: tsc accepted an import from outside node/ (self-test); the check proves nothing" >&2
  cat "$tmp/tsc.out" >&2
  exit 1
fi
echo "check-app: node/ compiles on its own ($(wc -l < "$tmp/files") files; the outside import was refused: self-test ok)"

echo "== check-app: the ERP contract"
bash tests/erp-contract/run.sh
