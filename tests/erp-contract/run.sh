#!/usr/bin/env bash
# The ERP contract (docs/erp-contract.yaml) against ponte-sim's ERP and Ponte's own deliveries.
#   1. tests/erp-contract/client.test.ts (jest, node/node_modules): the orders flow over its fakes
#      and the real ERP client produce a hand-off, a status notice and lookups; their URL,
#      headers and body are captured to a file;
#   2. check.py (openapi-core from target/openapi-venv) starts target/debug/ponte-sim on a
#      temporary directory and checks the sim's ERP answers, Ponte's captured requests, the sim's
#      acting ERP's GraphQL calls, and a self-test on broken deliveries.
#   PONTE_SIM_BIN=path bash tests/erp-contract/run.sh   uses that binary (default: builds it)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/openapi-venv.sh
source scripts/openapi-venv.sh

data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT

(cd node && PONTE_ERP_CAPTURE="$data/ponte-requests.json" ./node_modules/.bin/jest -c ../tests/erp-contract/jest.config.js --silent)

sim="${PONTE_SIM_BIN:-}"
if [[ -z $sim || ! -x $sim ]]; then
  cargo build -q -p ponte-sim --bin ponte-sim
  sim="$root/target/debug/ponte-sim"
fi
"$venv_python" -B tests/erp-contract/check.py "$sim" docs/erp-contract.yaml "$data/ponte-requests.json"
