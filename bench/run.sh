#!/usr/bin/env bash
# Effective specifications natively and through the shipped wasm module, on one generated
# catalog (~10k categories, ~50k fields), so the ratio comes from one run; then VTEX ID token
# validation (ES256, RS256, EdDSA; with the key set and claims only) the same way; then import
# planning of a 100k-SKU batch and order decisions per second (bench-import + wasm-import.js;
# about a minute; the first call on a fresh instance, which grows linear memory, is reported
# apart: PONTE_BENCH_PRODUCTS=N plans fewer products);
# then the hook intake of one service replica: acceptance (background held back) against an empty
# route and a one-VBase-write reference route, then the whole pipeline's sustained rate and
# acceptance at half of it (bench/service-hook.js).
#   bash bench/run.sh                 native timing + wasm timing + ratio
#   BENCH_CRITERION=1 bash bench/run.sh   also the criterion benchmark (a few minutes)
# Needs the compiled glue: `make node-build`.
set -euo pipefail
cd "$(dirname "$0")/.."

glue=node/.build/generated/ponte_wasm.js
if [[ ! -f $glue ]]; then
  echo "bench: $glue is missing: run \`make node-build\` first" >&2
  exit 1
fi
mkdir -p bench/out
# --no-default-features: no optimised wasmtime build, which the timing does not use.
cargo run -q --release -p ponte-harness --no-default-features --bin bench-native -- bench/out/catalog.json \
  > bench/out/native.json
node bench/wasm-effective.js bench/out/catalog.json bench/out/native.json
# SSO: validations per second natively (bench-sso) and in wasm (glue and raw ABI), with ratios.
cargo run -q --release -p ponte-harness --no-default-features --bin bench-sso -- bench/out/sso.json \
  > /dev/null
node bench/wasm-sso.js bench/out/sso.json
# Import planning (100k SKUs) and order decisions natively (bench-import) and in wasm.
cargo run -q --release -p ponte-harness --no-default-features --bin bench-import -- bench/out
node bench/wasm-import.js bench/out
# Customer validation and sync planning (5,000 customers) natively (bench-customers) and in wasm.
cargo run -q --release -p ponte-harness --no-default-features --bin bench-customers -- bench/out
node bench/wasm-customers.js bench/out
# Hook intake of one service replica under the real runtime vs an empty and a reference route of
# the same runtime, in the same run (needs the simulator: cargo build -p ponte-sim, or PONTE_SIM_BIN).
if [[ -x ${PONTE_SIM_BIN:-target/debug/ponte-sim} ]]; then
  node bench/service-hook.js "${BENCH_HOOK_EVENTS:-2000}" 32 3
else
  echo "bench: skipping the service hook bench (no ponte-sim binary; cargo build -p ponte-sim)" >&2
fi
if [[ ${BENCH_CRITERION:-0} == 1 ]]; then
  cargo bench -p ponte-harness --no-default-features --bench effective
fi
