#!/usr/bin/env node
// Effective specifications through the shipped wasm module, on the catalog `bench-native`
// wrote, compared with the native timings it printed (one run: bench/run.sh).
//
//   node bench/wasm-effective.js [bench/out/catalog.json] [bench/out/native.json]
//
// Per request, as the service works: every call carries the whole catalog (JS object in,
// JS object out through the wasm-bindgen glue), timed for the same sampled leaves as native.
// Also the raw JSON ABI (alloc/call/dealloc) on the same bytes with WebAssembly.instantiate:
// bytes in, bytes out, the same work as native `dispatch`, so its ratio is wasm vs native code.
'use strict';

const fs = require('fs');
const path = require('path');
const { root, nowMs, openWasm } = require('./wasm-lib');

const [catalogPath = path.join(root, 'bench/out/catalog.json'), nativePath = path.join(root, 'bench/out/native.json')] =
  process.argv.slice(2);
const { glue, rawCall } = openWasm('wasm-effective', [
  [catalogPath, 'run bench/run.sh'],
  [nativePath, 'run bench/run.sh'],
]);
const bench = JSON.parse(fs.readFileSync(catalogPath, 'utf8'));
const native = JSON.parse(fs.readFileSync(nativePath, 'utf8'));
const leaves = bench.sampleLeafIds;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
const encoder = new TextEncoder();

const catalogJson = JSON.stringify(bench.catalog);
const requestBytes = (leaf) =>
  encoder.encode(`{"op":"effectiveSpecifications","input":{"catalog":${catalogJson},"categoryId":${leaf}}}`);

// Warm up both paths once, and check they agree.
const first = glue.effective_specifications({ catalog: bench.catalog, categoryId: leaves[0] });
const firstRaw = JSON.parse(rawCall(requestBytes(leaves[0]), {}));
if (JSON.stringify(firstRaw.ok) !== JSON.stringify(first)) {
  throw new Error('the raw ABI and the glue disagree on the first leaf');
}

const glueMs = [];
for (const leaf of leaves) {
  const input = { catalog: bench.catalog, categoryId: leaf };
  const t = nowMs();
  glue.effective_specifications(input);
  glueMs.push(nowMs() - t);
}
const rawMs = [];
const rawCallMs = [];
for (const leaf of leaves) {
  const bytes = requestBytes(leaf);
  const timing = {};
  const t = nowMs();
  const answer = rawCall(bytes, timing);
  rawMs.push(nowMs() - t);
  rawCallMs.push(timing.call);
  if (!answer.startsWith('{"ok":')) throw new Error(`leaf ${leaf}: ${answer.slice(0, 200)}`);
}

const n = native.perRequest;
const once = native.builtOnce;
const c = native.catalog;
const result = {
  sampleLeaves: leaves.length,
  nativeDispatchMs: n.dispatchMs,
  nativeTypedMs: n.typedMs,
  wasmRawCallMs: mean(rawCallMs),
  wasmRawWithCopiesMs: mean(rawMs),
  wasmGlueMs: mean(glueMs),
  ratioRawCallOverNativeDispatch: mean(rawCallMs) / n.dispatchMs,
  ratioGlueOverNativeDispatch: mean(glueMs) / n.dispatchMs,
  nativeBuiltOnceAllLeavesMs: once.buildMs + once.allLeavesMs,
};
fs.writeFileSync(path.join(path.dirname(nativePath), 'wasm.json'), JSON.stringify(result, null, 2) + '\n');

const f = (x) => x.toFixed(1).padStart(8);
const r = (x) => x.toFixed(2);
const total = (perCall) => ((perCall * c.leaves) / 1000).toFixed(0).padStart(5);
console.log(`catalog: ${c.categories} categories, ${c.groups} groups, ${c.fields} fields, ${c.values} values; ` +
  `${c.leaves} leaves; ${(c.requestJsonBytes / 1e6).toFixed(1)} MB of JSON per request`);
console.log(`\nper request: the whole catalog crosses the boundary and is validated on every call, as in the service`);
console.log(`(mean over ${leaves.length} sampled leaves; "all leaves" extrapolates to ${c.leaves})`);
console.log(`                                          ms/call   all leaves (s)   vs native dispatch`);
console.log(`  native dispatch (JSON in, JSON out)  ${f(n.dispatchMs)}   ${total(n.dispatchMs)}`);
console.log(`  native typed (no JSON)               ${f(n.typedMs)}   ${total(n.typedMs)}            ${r(n.typedMs / n.dispatchMs)}x`);
console.log(`  wasm raw ABI call (JSON in/out)      ${f(mean(rawCallMs))}   ${total(mean(rawCallMs))}            ${r(result.ratioRawCallOverNativeDispatch)}x`);
console.log(`  wasm raw ABI incl. copies/decoding   ${f(mean(rawMs))}   ${total(mean(rawMs))}            ${r(mean(rawMs) / n.dispatchMs)}x`);
console.log(`  wasm through the JS glue (objects)   ${f(mean(glueMs))}   ${total(mean(glueMs))}            ${r(result.ratioGlueOverNativeDispatch)}x`);
console.log(`\nbuilt once (native only: the wasm exports take the whole catalog each call):`);
console.log(`  Catalog::from_snapshot ${once.buildMs.toFixed(1)} ms, then all ${c.leaves} leaves in ${once.allLeavesMs.toFixed(1)} ms ` +
  `(${once.usPerLeaf.toFixed(1)} µs/leaf): ${((n.dispatchMs * c.leaves) / (once.buildMs + once.allLeavesMs)).toFixed(0)}x ` +
  `less than one native dispatch per leaf`);
console.log(`\nwasm/native ratio (raw ABI call vs native dispatch, same work): ${r(result.ratioRawCallOverNativeDispatch)}`);
