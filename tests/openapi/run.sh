#!/usr/bin/env bash
# OpenAPI contract check: the live ponte-sim's requests and responses against VTEX's own
# contracts, with openapi-core (pinned in requirements.txt, installed into target/openapi-venv on
# first use): the Catalog against spec/catalog-api.json, the OMS and Feed v3/Hook against
# spec/orders-api.json, Master Data v1 against spec/masterdata-api-v1.json, Pricing and Logistics
# against spec/pricing-api.json and spec/logistics-api.json (cut-down copies of VTEX's OpenAPI
# files, see spec/README.md). Starts
# target/debug/ponte-sim on a temporary directory with `--seed demo`, runs check.py, prints a
# table of covered operations and failures, exits non-zero on a violation. Allowances: tests/openapi/allowances.py.
#   bash tests/openapi/run.sh              builds ponte-sim first (cargo build -p ponte-sim)
#   PONTE_SIM_BIN=path bash tests/openapi/run.sh   uses that binary, no build
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

spec="tests/openapi/spec/catalog-api.json"
orders_spec="tests/openapi/spec/orders-api.json"
md_spec="tests/openapi/spec/masterdata-api-v1.json"

# shellcheck source=scripts/openapi-venv.sh
source scripts/openapi-venv.sh

sim="${PONTE_SIM_BIN:-}"
if [[ -z $sim ]]; then
  cargo build -q -p ponte-sim --bin ponte-sim
  sim="$root/target/debug/ponte-sim"
fi

data="$(mktemp -d)"
out="$data/stdout"
"$sim" --data-dir "$data" --listen 127.0.0.1:0 --seed demo --app-manifest "$root/manifest.json" > "$out" 2> "$data/stderr" &
pid=$!
cleanup() {
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^ponte-sim listening on //p' "$out")"
  [[ -n $url ]] && break
  if ! kill -0 "$pid" 2> /dev/null; then
    echo "openapi: ponte-sim exited:" >&2
    cat "$data/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "openapi: ponte-sim did not start listening" >&2
  exit 1
fi
"$venv_python" -B tests/openapi/check.py "$url" "$spec" "$orders_spec" "$md_spec"
