#!/usr/bin/env node
// Hook intake of one replica under the real @vtex/api runtime, against the ceiling of that same
// runtime: an empty route (`health`, which answers a constant) measured in the same run, in
// alternating rounds so both see the same machine. Reports events per second, p50/p99 latency,
// and the hook's throughput as a fraction of the empty route's.
//
//   node bench/service-hook.js [events=4000] [concurrency=32] [rounds=3]
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
// Starts its own ponte-sim (fresh data dir) and one service replica on PONTE_BENCH_PORT
// (default 5070). Each hook event is a distinct order status change of an order that exists
// in the simulated OMS, so every one is accepted (written to the VBase inbox) and then worked on
// in the background (Get order, ERP hand-off): the background work shares the CPU, as it does
// in production.
'use strict'
const http = require('http')
const { spawn } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const REPO = path.resolve(__dirname, '..')
const EVENTS = Number(process.argv[2] || 4000)
const CONCURRENCY = Number(process.argv[3] || 32)
const ROUNDS = Number(process.argv[4] || 3)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5070)
const UP_PORT = PORT + 1
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const SECRET = 'bench-hook-secret-0123456789'

function spawnLogged(cmd, args, env, log) {
  const child = spawn(cmd, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const out = fs.createWriteStream(log)
  for (const s of [child.stdout, child.stderr]) s.on('data', (c) => { text += c; out.write(c) })
  return { child, output: () => text }
}

async function waitFor(proc, re, what, ms) {
  const end = Date.now() + ms
  for (;;) {
    const m = proc.output().match(re)
    if (m) return m
    if (proc.child.exitCode !== null) throw new Error(`${what} exited:\n${proc.output()}`)
    if (Date.now() > end) throw new Error(`${what} not ready:\n${proc.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function call({ host = '127.0.0.1', port, method, path: p, headers = {}, body, proxyTarget }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    const req = http.request(
      {
        host, port, method, agent,
        path: proxyTarget || p,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode, text }))
      }
    )
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

function viaSim(simPort, method, url, body, headers = {}) {
  const u = new URL(url)
  return call({ port: simPort, method, proxyTarget: url, body, headers: { host: u.host, VtexIdclientAutCookie: 'bench', ...headers } })
}

function serviceHeaders(routeId) {
  return {
    'x-vtex-account': ACCOUNT,
    'x-vtex-workspace': WORKSPACE,
    'x-vtex-credential': 'bench-credential',
    'x-colossus-route-id': routeId,
  }
}

async function load(requests, label) {
  const latencies = new Array(requests.length)
  let next = 0
  let failures = 0
  const started = process.hrtime.bigint()
  async function worker() {
    for (;;) {
      const i = next++
      if (i >= requests.length) return
      const t0 = process.hrtime.bigint()
      const res = await call(requests[i])
      latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6
      if (res.status !== 200) {
        failures++
        if (failures <= 3) console.error(`${label}: ${res.status} ${res.text.slice(0, 200)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort((a, b) => a - b)
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { perSecond: requests.length / seconds, p50: q(0.5), p99: q(0.99), failures }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-hook-'))
  const bin = path.resolve(REPO, process.env.PONTE_SIM_BIN || 'target/debug/ponte-sim')
  const launcher = path.join(REPO, 'node', '.build', 'scripts', 'launch.js')
  for (const f of [bin, launcher]) if (!fs.existsSync(f)) throw new Error(`${f} is missing (make node-build; cargo build -p ponte-sim)`)
  const sim = spawnLogged(bin, ['--data-dir', path.join(work, 'sim'), '--listen', '127.0.0.1:0'], process.env, path.join(work, 'sim.log'))
  const simPort = Number((await waitFor(sim, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 'ponte-sim', 30000))[1])
  const simUrl = `http://127.0.0.1:${simPort}`
  let service
  try {
    const settings = { hookSecret: SECRET, erpEndpoint: 'http://erp.ponte-sim.test/erp' }
    const put = await viaSim(simPort, 'PUT', `http://infra.io.vtex.com/apps/v0/${ACCOUNT}/${WORKSPACE}/apps/ponte.ponte/settings`, settings)
    if (put.status >= 300) throw new Error(`settings: ${put.status} ${put.text}`)
    // Orders that exist: one shopper run, as fast as the OMS takes them.
    const orderCount = Math.max(1, Math.ceil(EVENTS / 20))
    const run = await call({ port: simPort, method: 'POST', path: '/_sim/oms/shoppers', body: { account: ACCOUNT, orders: orderCount, perSecond: 1000, seed: 3, customerCancelRate: 0 } })
    if (run.status >= 300) throw new Error(`shoppers: ${run.status} ${run.text}`)
    const runId = JSON.parse(run.text).runId
    for (;;) {
      const p = JSON.parse((await call({ port: simPort, method: 'GET', path: `/_sim/oms/shoppers/${runId}` })).text)
      if (p.created >= orderCount || p.done === true || p.finished === true) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const ids = JSON.parse((await call({ port: simPort, method: 'GET', path: `/_sim/oms/orders?account=${ACCOUNT}` })).text)
    const orderIds = (Array.isArray(ids) ? ids : ids.orders || ids.orderIds || []).map((o) => (typeof o === 'string' ? o : o.orderId))
    if (orderIds.length === 0) throw new Error('no orders in the simulator')

    service = spawnLogged(process.execPath, [launcher], {
      ...process.env,
      PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: ACCOUNT, VTEX_WORKSPACE: WORKSPACE,
      PONTE_APP_DIR: path.join(work, 'app'), PONTE_PORT: String(PORT), PONTE_UP_PORT: String(UP_PORT),
    }, path.join(work, 'service.log'))
    await waitFor(service, /ponte-service ready on/, 'the service', 60000)

    const empty = () => ({ port: PORT, method: 'GET', path: `/${ACCOUNT}/${WORKSPACE}/_v/ponte/health`, headers: serviceHeaders('health') })
    let serial = 0
    const hook = () => {
      const n = serial++
      const orderId = orderIds[n % orderIds.length]
      const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString()
      return {
        port: PORT, method: 'POST', path: `/${ACCOUNT}/${WORKSPACE}/_v/ponte/orders/hook`,
        headers: { ...serviceHeaders('orderHook'), 'x-ponte-hook-secret': SECRET },
        body: { Domain: 'Fulfillment', OrderId: orderId, State: 'ready-for-handling', LastState: 'window-to-cancel', LastChange: at, CurrentChange: at, Origin: { Account: ACCOUNT, Key: 'vtexappkey-appvtex' } },
      }
    }
    // Warm-up: JIT, the wasm instance, settings and VBase paths.
    await load(Array.from({ length: 200 }, empty), 'warm-up empty')
    await load(Array.from({ length: 200 }, hook), 'warm-up hook')

    const results = { empty: [], hook: [] }
    for (let r = 0; r < ROUNDS; r++) {
      results.empty.push(await load(Array.from({ length: EVENTS }, empty), 'empty'))
      results.hook.push(await load(Array.from({ length: EVENTS }, hook), 'hook'))
    }
    const best = (xs) => xs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
    const e = best(results.empty)
    const h = best(results.hook)
    const fmt = (x) => `${x.perSecond.toFixed(0)}/s p50 ${x.p50.toFixed(1)} ms p99 ${x.p99.toFixed(1)} ms failures ${x.failures}`
    console.log(`service hook bench: ${EVENTS} requests per round, ${CONCURRENCY} in flight, best of ${ROUNDS} rounds, one replica`)
    console.log(`  empty route (ceiling): ${fmt(e)}`)
    console.log(`  hook (accept durably): ${fmt(h)}`)
    console.log(`  hook / empty throughput: ${(h.perSecond / e.perSecond).toFixed(3)}; p99 ratio ${(h.p99 / e.p99).toFixed(2)}`)
    for (let r = 0; r < ROUNDS; r++) console.log(`  round ${r + 1}: empty ${results.empty[r].perSecond.toFixed(0)}/s, hook ${results.hook[r].perSecond.toFixed(0)}/s`)
    fs.mkdirSync(path.join(REPO, 'bench', 'out'), { recursive: true })
    fs.writeFileSync(path.join(REPO, 'bench', 'out', 'service-hook.json'), JSON.stringify({ events: EVENTS, concurrency: CONCURRENCY, rounds: results }, null, 2))
    const failed = results.hook.some((x) => x.failures > 0) || results.empty.some((x) => x.failures > 0)
    if (failed) process.exitCode = 1
  } finally {
    agent.destroy()
    for (const p of [service, sim]) {
      if (!p) continue
      try { process.kill(-p.child.pid, 'SIGINT') } catch { /* gone */ }
    }
    await new Promise((r) => setTimeout(r, 1500))
    for (const p of [service, sim]) {
      if (!p) continue
      try { process.kill(-p.child.pid, 'SIGKILL') } catch { /* gone */ }
    }
  }
}

main().catch((e) => {
  console.error(e)
  // A failed bench must fail bench/run.sh (set -e), not print half a table.
  process.exit(1)
})
