#!/usr/bin/env node
// VTEX ID token validation through the shipped wasm module, on the requests `bench-sso` wrote,
// compared with the native rates it measured (one run: bench/run.sh).
//
//   node bench/wasm-sso.js [bench/out/sso.json]
//
// For each scenario (ES256 / RS256 / EdDSA, with the key set or claims only): the JS glue as
// the service calls it (`validate_token(object)`: JSON.stringify + the core + JSON.parse), and
// the raw ABI (alloc/call/dealloc on the request bytes: the same work as native `dispatch`).
'use strict';

const fs = require('fs');
const path = require('path');
const { root, openWasm, perSecond: loop, printRateRows, ratio: r } = require('./wasm-lib');

const [benchPath = path.join(root, 'bench/out/sso.json')] = process.argv.slice(2);
const { glue, rawCall } = openWasm('wasm-sso', [[benchPath, 'run bench/run.sh']]);
const bench = JSON.parse(fs.readFileSync(benchPath, 'utf8'));

// Short calls: 700 ms and at least 50 of them each.
const perSecond = (f) => loop(f, 700, 50);

const rows = [];
for (const s of bench.scenarios) {
  const first = glue.validate_token(s.input);
  if (first.signatureVerified !== s.withKeys) throw new Error(`${s.name}: signatureVerified ${first.signatureVerified}`);
  const bytes = Buffer.from(JSON.stringify({ op: 'validateToken', input: s.input }));
  const raw = JSON.parse(rawCall(bytes));
  if (JSON.stringify(raw.ok) !== JSON.stringify(first)) throw new Error(`${s.name}: the raw ABI and the glue disagree`);
  const gluePerSec = perSecond(() => glue.validate_token(s.input));
  const rawPerSec = perSecond(() => rawCall(bytes));
  rows.push({ ...s, input: undefined, wasmGluePerSec: gluePerSec, wasmRawPerSec: rawPerSec });
}
fs.writeFileSync(path.join(path.dirname(benchPath), 'sso-wasm.json'), JSON.stringify(rows, null, 2) + '\n');

console.log('\nVTEX ID token validation, validations per second (one run, this machine)');
console.log('                         native     native       wasm       wasm   native/wasm  native/wasm');
console.log('                          typed   dispatch    raw ABI    JS glue  (raw/dispatch)  (glue/typed)');
printRateRows(rows, 19);
const byName = Object.fromEntries(rows.map((x) => [x.name, x]));
for (const alg of ['ES256', 'RS256', 'EdDSA']) {
  const k = byName[`${alg} with keys`];
  const c = byName[`${alg} claims only`];
  if (k && c) {
    console.log(`  ${alg}: verifying the signature costs ${r(c.nativeTypedPerSec / k.nativeTypedPerSec)}x natively, ` +
      `${r(c.wasmGluePerSec / k.wasmGluePerSec)}x in wasm (claims-only rate / with-keys rate)`);
  }
}
