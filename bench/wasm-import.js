#!/usr/bin/env node
// Import planning (a 100k-SKU batch) and order decisions through the shipped wasm module, on
// the requests `bench-import` wrote, compared with the native timings it measured (one run:
// bench/run.sh).
//
//   node bench/wasm-import.js [bench/out]
//
// Planning: the JS glue as the service calls it (`plan_catalog_import(object)`: JSON.stringify
// + the core + JSON.parse) against native typed `plan`, and the raw ABI (alloc/call/dealloc on
// the request bytes: the same work as native `dispatch`) against native `dispatch`.
// Decisions: `handleOrderEvent` (its decision step, on the body), `orderEventStep` (the same decision on the
// parsed event, as the service makes it) and `checkOrderAction` per second, the same two ways.
//
// PONTE_BENCH_PRODUCTS=N plans only the first N products of the batch (3 SKUs each; the whole
// batch is 33,334): a quick look at the wasm first-call cost at a smaller size. The native
// timings are for the whole batch, so the native/wasm rows are left out then.
'use strict';

const fs = require('fs');
const path = require('path');
const { root, nowMs, openWasm, perSecond: loop, printRateRows, ratio: r } = require('./wasm-lib');

const [outDir = path.join(root, 'bench/out')] = process.argv.slice(2);
const importPath = path.join(outDir, 'import.json');
const ordersPath = path.join(outDir, 'orders.json');
const { glue, abi, rawCall: call } = openWasm('wasm-import', [
  [importPath, 'run bench/run.sh'],
  [ordersPath, 'run bench/run.sh'],
]);
/** The first 32 bytes of the answer (ok or error) and its length. */
function rawCall(bytes) {
  const timing = {};
  const head = call(bytes, timing, 32);
  return { head, outLen: timing.outLen };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// ---- planning -----------------------------------------------------------------------------
// Each door gets a fresh instance, and its first call is reported apart from the warm median
// of two more: the first call grows linear memory to ~1.2 GiB, and each `memory.grow` past
// ~64 MiB costs a full V8 GC of this script's JS heap (the new ArrayBuffer counts as external
// memory). The module grows memory ~1.5x at a time (crates/wasm/src/abi.rs, `heap`), so that
// is about ten GCs; when it grew by 64 KiB at a time (and the glue's last plan was still live
// here), the first raw call took 305 s instead of ~4 s. Warm calls reuse the memory.
// `node --trace-gc bench/wasm-import.js` shows the GCs.
// PONTE_BENCH_PLAN=0 skips planning (the decisions alone, in seconds).
const planIt = process.env.PONTE_BENCH_PLAN !== '0';
function planning() {
  const T0 = nowMs();
  const bench = JSON.parse(fs.readFileSync(importPath, 'utf8'));
  const input = bench.input;
  const allProducts = input.batch.products.length;
  const keepProducts = Number(process.env.PONTE_BENCH_PRODUCTS || allProducts);
  if (!Number.isInteger(keepProducts) || keepProducts < 1) {
    console.error(`wasm-import: PONTE_BENCH_PRODUCTS must be a positive integer, not ${process.env.PONTE_BENCH_PRODUCTS}`);
    process.exit(1); // bad setting: refuse rather than bench a different batch

  }
  const partial = keepProducts < allProducts;
  if (partial) input.batch.products = input.batch.products.slice(0, keepProducts);
  const rawBytes = Buffer.from(JSON.stringify({ op: 'planCatalogImport', input }));
  const glueMs = [];
  const rawMs = [];
  let steps = 0;
  // The answer (the whole plan as JS objects) must not outlive the call: held in this script's
  // frame it stayed live through the raw door, and every GC during its first call marked it.
  function glueCall() {
    const t = nowMs();
    const answer = glue.plan_catalog_import(input);
    const ms = nowMs() - t;
    if (!answer.plan) throw new Error(`the glue refused the batch: ${JSON.stringify(answer.errors.slice(0, 2))}`);
    return { ms, steps: answer.plan.steps.length };
  }
  for (let i = 0; i < 3; i++) {
    const call = glueCall();
    glueMs.push(call.ms);
    steps = call.steps;
    console.error(`wasm-import: JS glue call ${i + 1}: ${glueMs[i].toFixed(0)} ms (${((nowMs() - T0) / 1000).toFixed(0)} s in)`);
  }
  let rawOutLen = 0;
  for (let i = 0; i < 3; i++) {
    const t = nowMs();
    const { head, outLen } = rawCall(rawBytes);
    rawOutLen = outLen;
    rawMs.push(nowMs() - t);
    if (!head.startsWith('{"ok":{"plan":{')) throw new Error(`the raw ABI answered ${head}`);
    if (!partial && outLen !== bench.answerBytes) throw new Error(`raw answer ${outLen} bytes, native ${bench.answerBytes}`);
    console.error(`wasm-import: raw ABI call ${i + 1}: ${rawMs[i].toFixed(0)} ms (${((nowMs() - T0) / 1000).toFixed(0)} s in)`);
  }
  if (!partial && steps !== bench.steps) throw new Error(`wasm planned ${steps} steps, native ${bench.steps}`);
  return {
    skus: input.batch.products.reduce((n, p) => n + p.skus.length, 0), products: input.batch.products.length, steps,
    requestMiB: (partial ? rawBytes.length : bench.requestBytes) / 1048576, answerMiB: rawOutLen / 1048576,
    // Native timings are of the whole batch only.
    nativeTypedMs: partial ? null : bench.nativeTypedMs, nativeDispatchMs: partial ? null : bench.nativeDispatchMs,
    wasmGlueFirstMs: glueMs[0], wasmGlueMs: median(glueMs.slice(1)),
    wasmRawFirstMs: rawMs[0], wasmRawMs: median(rawMs.slice(1)),
    wasmMemoryMiB: abi.memory.buffer.byteLength / 1048576,
    partial, keepProducts,
  };
}
const plan = planIt ? planning() : null;
const partial = plan ? plan.partial : false;
const keepProducts = plan ? plan.keepProducts : 0;

// ---- decisions ----------------------------------------------------------------------------
/** Short calls: 700 ms and at least 100 of them each. */
const perSecond = (f) => loop(f, 700, 100);
const orders = JSON.parse(fs.readFileSync(ordersPath, 'utf8'));
const glueOp = {
  handleOrderEvent: (x) => glue.handle_order_event(x),
  orderEventStep: (x) => glue.order_event_step(x),
  checkOrderAction: (x) => glue.check_order_action(x),
  computePrice: (x) => glue.compute_price(x),
};
const rows = orders.scenarios.map((s) => {
  const bytes = Buffer.from(JSON.stringify({ op: s.op, input: s.input }));
  const first = rawCall(bytes);
  if (!first.head.startsWith('{"ok":')) throw new Error(`${s.name}: raw ABI answered ${first.head}`);
  glueOp[s.op](s.input);
  return { ...s, input: undefined,
    wasmGluePerSec: perSecond(() => glueOp[s.op](s.input)),
    wasmRawPerSec: perSecond(() => rawCall(bytes)) };
});
fs.writeFileSync(path.join(outDir, partial ? `import-wasm-${keepProducts}-products.json` : 'import-wasm.json'), JSON.stringify({ plan, decisions: rows }, null, 2) + '\n');

const f = (x) => x.toFixed(0).padStart(8);
if (plan) {
  console.log(`\nImport planning: ${plan.skus.toLocaleString('en-US')} SKUs, ${plan.products.toLocaleString('en-US')} products, ` +
    `${plan.steps.toLocaleString('en-US')} steps; request ${plan.requestMiB.toFixed(1)} MiB, answer ${plan.answerMiB.toFixed(1)} MiB (one run, this machine)`);
  if (partial) {
    console.log(`  PONTE_BENCH_PRODUCTS=${keepProducts}: the native timings are of the whole batch, no ratios`);
    console.log(`  warm JS glue ${f(plan.wasmGlueMs)} ms, warm raw ABI ${f(plan.wasmRawMs)} ms`);
  } else {
    console.log('                      native ms     wasm ms   native/wasm');
    console.log(`  typed vs JS glue    ${f(plan.nativeTypedMs)}    ${f(plan.wasmGlueMs)}        ${r(plan.nativeTypedMs / plan.wasmGlueMs)}x   (wasm is ${r(plan.wasmGlueMs / plan.nativeTypedMs)}x slower)`);
    console.log(`  dispatch vs raw ABI ${f(plan.nativeDispatchMs)}    ${f(plan.wasmRawMs)}        ${r(plan.nativeDispatchMs / plan.wasmRawMs)}x   (wasm is ${r(plan.wasmRawMs / plan.nativeDispatchMs)}x slower)`);
  }
  console.log(`  first call on a fresh instance: JS glue ${f(plan.wasmGlueFirstMs)} ms, raw ABI ${f(plan.wasmRawFirstMs)} ms ` +
    `(growing linear memory; the warm rows are the median of the next two calls)`);
  console.log(`  wasm linear memory after planning: ${plan.wasmMemoryMiB.toFixed(0)} MiB`);
}
console.log('\nOrder decisions per second: handleOrderEvent\'s decision step (the body and the order\'s intake memory: what');
console.log('the service passed before), orderEventStep (the same decision as the service makes it now: the event parsed by');
console.log('acceptOrderEvent and the memory, nothing else). One order\'s memory slice by default; PONTE_BENCH_MEMORY_EVENTS=1000');
console.log('for a shared one. Typed decides on parsed values, so glue/typed is mostly the boundary: compare raw/dispatch)');
console.log('                       native     native       wasm       wasm   native/wasm  native/wasm');
console.log('                        typed   dispatch    raw ABI    JS glue (raw/dispatch) (glue/typed)');
printRateRows(rows, 17);
const before = rows.find((x) => x.op === 'handleOrderEvent');
const after = rows.find((x) => x.op === 'orderEventStep');
if (before && after) {
  console.log(`  the service's decision through the JS glue: orderEventStep ${r(after.wasmGluePerSec / before.wasmGluePerSec)}x the decisions/s of ` +
    `handleOrderEvent's step; against handleOrderEvent's native typed ${r(before.nativeTypedPerSec / after.wasmGluePerSec)}x (was ${r(before.nativeTypedPerSec / before.wasmGluePerSec)}x)`);
}
