#!/usr/bin/env bash
# The shipped module's size (raw and gzip -9) for each cargo opt-level of the wasm-release
# profile, with and without wasm-opt (npm's binaryen, which works on wasm-bindgen modules;
# Debian's breaks them). Builds in its own target dir and a scratch worktree, so node/generated
# is untouched. A few minutes per opt-level on 2 cores; wasm-opt takes 1-3 min per run.
#   bash bench/wasm-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/wasm-size
mkdir -p "$out"
tools=$out/binaryen
if [[ ! -x $tools/node_modules/.bin/wasm-opt ]]; then
  mkdir -p "$tools"
  (cd "$tools" && npm init -y >/dev/null && npm install --no-audit --no-fund binaryen@132.0.0 >/dev/null)
fi
scratch=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$scratch" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add -q --detach "$scratch" HEAD
export CARGO_TARGET_DIR=$out/target
for level in 3 s z; do
  (cd "$scratch" && CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=$level cargo run -q -p xtask -- wasm >/dev/null)
  cp "$CARGO_TARGET_DIR/ponte-wasm/ponte_wasm_bg.wasm" "$out/opt-level-$level.wasm"
  for pass in O3 Oz; do
    "$tools/node_modules/.bin/wasm-opt" --enable-reference-types --enable-bulk-memory \
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      --enable-multivalue "-$pass" "$out/opt-level-$level.wasm" -o "$out/opt-level-$level-wasm-opt-$pass.wasm"
  done
done
printf '%-32s %10s %10s\n' module raw gzip
for f in "$out"/opt-level-*.wasm; do
  printf '%-32s %10d %10d\n' "$(basename "$f" .wasm)" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
