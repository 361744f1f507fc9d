#!/usr/bin/env node
// Answers JSONL requests {"op", "input"} from stdin through the service's compiled wasm glue,
// one JSONL line per request: {"ok": result} or {"error": {"code", "message"}}, the envelope of
// the raw ABI (ponte_wasm::abi::dispatch), so the harness compares the two as JSON values.
//
// The glue is node/.build/generated/ponte_wasm.js (after `make node-build`), or $PONTE_WASM_JS.
'use strict';

const path = require('path');
const readline = require('readline');

const gluePath = process.env.PONTE_WASM_JS
  || path.join(__dirname, '..', '..', '..', 'node', '.build', 'generated', 'ponte_wasm.js');

let glue;
try {
  glue = require(gluePath);
} catch (err) {
  process.stderr.write(`batch.js: cannot load ${gluePath} (${err.message}); run \`make node-build\`\n`);
  process.exit(2);
}

// An ABI name (`effectiveSpecifications`) is the export's name in camelCase
// (`effective_specifications`): the core's operation table gives both.
function exportOf(op) {
  if (typeof op !== 'string' || !/^[a-z][A-Za-z]*$/.test(op)) return undefined;
  const f = glue[op.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
  return typeof f === 'function' ? f : undefined;
}

function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return { error: { code: 'BATCH_BAD_LINE', message: `not JSON: ${err.message}` } };
  }
  const op = exportOf(request.op);
  if (!op) {
    return { error: { code: 'UNKNOWN_OPERATION', message: `unknown operation ${JSON.stringify(request.op)}` } };
  }
  try {
    return { ok: op(request.input) };
  } catch (err) {
    // The glue throws an Error with a string `code`; anything else is reported as such.
    const code = err && typeof err.code === 'string' ? err.code : 'BATCH_UNCODED_THROW';
    return { error: { code, message: err && err.message !== undefined ? err.message : String(err) } };
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() !== '') {
    process.stdout.write(JSON.stringify(answer(line)) + '\n');
  }
});
