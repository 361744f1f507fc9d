// What the wasm benches share: the shipped module's two doors (the wasm-bindgen glue the service
// calls, and the raw JSON ABI: alloc/call/dealloc on request bytes, the same work as native
// `dispatch`), and a per-second loop.
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const gluePath = process.env.PONTE_WASM_JS || path.join(root, 'node', '.build', 'generated', 'ponte_wasm.js');
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Checks that the module and the bench's inputs (`[file, hint]`) exist, then loads both doors.
 * A missing file ends the process with the hint: there is nothing to measure.
 */
function openWasm(name, inputs) {
  for (const [file, hint] of [[gluePath, 'run `make node-build`'], ...inputs]) {
    if (!fs.existsSync(file)) {
      console.error(`${name}: ${file} is missing: ${hint}`);
      process.exit(1); // stop bench/run.sh with the hint above
    }
  }
  const glue = require(gluePath);
  const { WASM_BASE64 } = require(path.join(path.dirname(gluePath), 'ponte_wasm_bytes.js'));
  // The raw ABI: JS imports stubbed as traps (the ABI never calls them), exactly as under wasmtime.
  const wasmModule = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  const imports = {};
  for (const imp of WebAssembly.Module.imports(wasmModule)) {
    if (imp.kind !== 'function') throw new Error(`unexpected ${imp.kind} import ${imp.module}.${imp.name}`);
    imports[imp.module] = imports[imp.module] || {};
    imports[imp.module][imp.name] = () => {
      throw new Error(`import ${imp.module}.${imp.name} called through the raw ABI`);
    };
  }
  const abi = new WebAssembly.Instance(wasmModule, imports).exports;
  const decoder = new TextDecoder();

  /**
   * One call through the raw ABI: the answer's text (its first `headBytes` bytes only, when
   * given: enough to see ok or error without decoding megabytes); `timing.call` gets the time
   * inside `call` alone, and `timing.outLen` the answer's length in bytes.
   */
  function rawCall(bytes, timing = {}, headBytes = Infinity) {
    const ptr = abi.alloc(bytes.length);
    new Uint8Array(abi.memory.buffer, ptr, bytes.length).set(bytes);
    const t = nowMs();
    const packed = BigInt.asUintN(64, abi.call(ptr, bytes.length));
    timing.call = nowMs() - t;
    const outPtr = Number(packed >> 32n);
    const outLen = Number(packed & 0xffffffffn);
    timing.outLen = outLen;
    const text = decoder.decode(new Uint8Array(abi.memory.buffer, outPtr, Math.min(outLen, headBytes)));
    abi.dealloc(outPtr, outLen);
    abi.dealloc(ptr, bytes.length);
    return text;
  }
  return { glue, abi, rawCall };
}

/** Calls per second of `f`: one warm-up call, then at least `minIters` calls and `budgetMs`. */
function perSecond(f, budgetMs = 2000, minIters = 3) {
  f();
  const start = nowMs();
  let n = 0;
  while (n < minIters || nowMs() - start < budgetMs) {
    f();
    n++;
  }
  return (n * 1000) / (nowMs() - start);
}

/** A ratio as the tables print it: two decimals, six columns. */
const ratio = (x) => x.toFixed(2).padStart(6);

/**
 * Prints one table line a row of `rows` (`name` padded to `nameWidth`): the rates per second
 * natively (typed, dispatch) and in wasm (raw ABI, JS glue), then native/wasm as raw/dispatch and
 * glue/typed. The caller prints the title and the column headers.
 */
function printRateRows(rows, nameWidth) {
  const n = (x) => Math.round(x).toLocaleString('en-US').padStart(10);
  for (const x of rows) {
    console.log(`  ${x.name.padEnd(nameWidth)} ${n(x.nativeTypedPerSec)} ${n(x.nativeDispatchPerSec)} ${n(x.wasmRawPerSec)} ${n(x.wasmGluePerSec)}` +
      `        ${ratio(x.nativeDispatchPerSec / x.wasmRawPerSec)}x       ${ratio(x.nativeTypedPerSec / x.wasmGluePerSec)}x`);
  }
}

module.exports = { root, nowMs, openWasm, perSecond, ratio, printRateRows };
