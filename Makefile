# Ponte's task runner. CI runs `make test` (through .ci/run); a newcomer needs two commands:
#   make demo   the main job: ponte-sim with a demo account + the service under the real
#               @vtex/api runtime + a sample query; prints the GraphQL URL to explore
#   make test   every check and test, installing what it needs first
# Needs only what this machine has: cargo/rustup, node/npm, make, bash.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
NPM ?= npm
# Where cargo puts binaries (it honours CARGO_TARGET_DIR; so do the tests and the demo).
TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
export PONTE_SIM_BIN ?= $(TARGET_DIR)/debug/ponte-sim
# A CI run builds once from cold: incremental caches would only take disk (several GiB).
ifneq ($(CI),)
export CARGO_INCREMENTAL ?= 0
endif

.PHONY: all setup npm wasm node-build sim lint fmt-check clippy tsc test test-rust test-node test-e2e test-openapi check-docs check-app demo bench fuzz soak clean

all: test

## setup: the wasm32 target (rustup) and the Node packages (npm ci), when missing
setup: npm
	$(CARGO) run -q -p xtask -- ensure-target

npm: node/node_modules/.package-lock.json

node/node_modules/.package-lock.json: node/package.json node/package-lock.json
	cd node && $(NPM) ci --no-audit --no-fund
	touch $@

## wasm: build ponte-wasm and generate node/generated/*.ts (wasm bytes embedded)
wasm:
	$(CARGO) run -q -p xtask -- wasm

## node-build: compile the service (and the generated glue) to node/.build
node-build: npm wasm
	cd node && $(NPM) run -s build

## sim: the ponte-sim binary used by the end-to-end tests and the demo
sim:
	$(CARGO) build -q -p ponte-sim

lint: fmt-check clippy tsc

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy -q --workspace --all-targets -- -D warnings

tsc: npm wasm
	cd node && $(NPM) run -s lint

test-rust: node-build
	$(CARGO) test -q --workspace

test-node: npm wasm
	cd node && $(NPM) test -s

test-e2e: node-build sim
	cd node && $(NPM) run -s test:e2e

## test-openapi: the live sim's Catalog, OMS, Feed v3 and Hook against VTEX's OpenAPI files
## (openapi-core from PyPI, installed into target/openapi-venv on first use)
test-openapi: sim
	bash tests/openapi/run.sh

## check-docs: every `§X.Y` citation in the tracked files names a section of docs/vtex/
check-docs:
	bash tests/docs/check-citations.sh

## check-app: the app as VTEX IO packages it (manifest schema, listing, service.json, outbound
## policies, node/ compiling alone) and the ERP contract (docs/erp-contract.yaml) against ponte-sim
check-app: npm wasm sim
	bash scripts/check-app.sh

## test: everything CI checks, in the order that fails fastest
test: check-docs setup wasm lint check-app test-rust test-node test-openapi test-e2e

## demo: the main job (Ctrl-C stops it)
demo: setup node-build sim
	bash scripts/demo.sh

## bench: criterion natively, then the same work through wasm in Node, with the ratio
bench: node-build
	bash bench/run.sh

## soak: the orders end to end at 10,000 orders (PONTE_E2E_ORDERS), three replicas, one SIGKILLed
## from outside every PONTE_E2E_KILL_EVERY_S seconds (default 60); not in `make test`. The simulator
## is built optimized: a debug one becomes the run's bottleneck (VTEX is not Ponte's, in production)
soak: node-build
	$(CARGO) build -q --release -p ponte-sim
	cd node && PONTE_SIM_BIN=$(TARGET_DIR)/release/ponte-sim PONTE_E2E_SOAK=1 npx jest -i --config ../tests/jest.config.js tests/orders.e2e.test.ts -t 'reach the ERP exactly once'

## fuzz: the JWS parser under cargo-fuzz on stable (RUSTC_BOOTSTRAP), FUZZ_SECONDS (default 300);
## findings land in fuzz/artifacts/; keep the ones worth keeping in crates/harness/tests/fuzz-crashers/
FUZZ_SECONDS ?= 300
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	$(CARGO) run -q -p ponte-harness --no-default-features --bin sso-corpus -- seeds fuzz/corpus/jws_parse
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run jws_parse -- -max_total_time=$(FUZZ_SECONDS) -max_len=9000

clean:
	rm -rf target node/.build node/generated .ponte
