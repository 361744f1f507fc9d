#!/usr/bin/env node
// Customer validation and sync planning (5,000 customers, half already in Master Data) through
// the shipped wasm module, on the requests `bench-customers` wrote, compared with the native
// timings it measured through the raw JSON ABI (one run: bench/run.sh).
//
//   node bench/wasm-customers.js [bench/out]
//
// Two wasm doors: the JS glue as the service calls it (`plan_customer_sync(object)`:
// JSON.stringify + the core + JSON.parse) and the raw ABI (alloc/call/dealloc on the request
// bytes: the same work as native `ops::call`).
'use strict';

const fs = require('fs');
const path = require('path');
const { root, openWasm, perSecond } = require('./wasm-lib');

const [outDir = path.join(root, 'bench/out')] = process.argv.slice(2);
const benchPath = path.join(outDir, 'customers.json');
const { glue, rawCall: call } = openWasm('wasm-customers', [[benchPath, 'run bench/run.sh']]);
const rawCall = (bytes) => call(bytes, {}, 16);

const bench = JSON.parse(fs.readFileSync(benchPath, 'utf8'));
const n = bench.customers;
let writes = 0;
const glueValidate = perSecond(() => {
  const v = glue.validate_customer_batch(bench.validate);
  if (v.errors.length) throw new Error(`refused: ${v.errors[0].code}`);
});
const gluePlan = perSecond(() => {
  const p = glue.plan_customer_sync(bench.sync);
  if (!p.plan) throw new Error(`refused: ${p.errors[0].code}`);
  writes = p.plan.writes.length;
});
if (writes !== bench.writes) throw new Error(`wasm planned ${writes} writes, native ${bench.writes}`);
const rawV = Buffer.from(JSON.stringify({ op: 'validateCustomerBatch', input: bench.validate }));
const rawP = Buffer.from(JSON.stringify({ op: 'planCustomerSync', input: bench.sync }));
const rawValidate = perSecond(() => {
  if (!rawCall(rawV).startsWith('{"ok":')) throw new Error('raw validate failed');
});
const rawPlan = perSecond(() => {
  if (!rawCall(rawP).startsWith('{"ok":')) throw new Error('raw plan failed');
});
const nat = bench.native;
const row = (name, native, raw, g) =>
  `${name.padEnd(34)} native ${native.toFixed(1).padStart(6)}/s (${(native * n).toFixed(0).padStart(7)} customers/s)  ` +
  `wasm raw ${raw.toFixed(1).padStart(6)}/s (${(native / raw).toFixed(2)}x slower)  glue ${g.toFixed(1).padStart(6)}/s (${(native / g).toFixed(2)}x)`;
console.log(`customers: ${n} customers, ${bench.held} profiles held, ${writes} writes planned`);
console.log(row('validateCustomerBatch (batches)', nat.validatePerSecond, rawValidate, glueValidate));
console.log(row('planCustomerSync (batches)', nat.planPerSecond, rawPlan, gluePlan));
