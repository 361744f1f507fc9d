#!/usr/bin/env bash
# The ERP contract (docs/erp-contract.yaml) against ponte-sim's ERP and Ponte's own deliveries.
#   1. tests/erp-contract/client.test.ts (jest, node/node_modules): the orders flow over its fakes
#      and the real ERP client produce a hand-off, a status notice and lookups; their URL,
#      headers and body are captured to a file;
#   2. starts target/debug/ponte-sim on a temporary directory (as tests/openapi/run.sh does) and
#      runs check.py with openapi-core from target/openapi-venv: the sim's ERP answers, Ponte's
#      captured requests, and a self-test on broken deliveries.
#   PONTE_SIM_BIN=path bash tests/erp-contract/run.sh   uses that binary (default: builds it)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# shellcheck source=scripts/openapi-venv.sh
source scripts/openapi-venv.sh

data="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n $pid ]]; then
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

(cd node && PONTE_ERP_CAPTURE="$data/ponte-requests.json" ./node_modules/.bin/jest -c ../tests/erp-contract/jest.config.js --silent)

sim="${PONTE_SIM_BIN:-}"
if [[ -z $sim || ! -x $sim ]]; then
  cargo build -q -p ponte-sim --bin ponte-sim
  sim="$root/target/debug/ponte-sim"
fi
"$sim" --data-dir "$data" --listen 127.0.0.1:0 > "$data/stdout" 2> "$data/stderr" &
pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(sed -n 's/^ponte-sim listening on //p' "$data/stdout")"
  [[ -n $url ]] && break
  if ! kill -0 "$pid" 2> /dev/null; then
    echo "erp-contract: ponte-sim exited:" >&2
    cat "$data/stderr" >&2
    exit 1
  fi
  sleep 0.1
done
[[ -n $url ]] || { echo "erp-contract: ponte-sim did not start listening" >&2; exit 1; }
"$venv_python" -B tests/erp-contract/check.py "$url" docs/erp-contract.yaml "$data/ponte-requests.json"
