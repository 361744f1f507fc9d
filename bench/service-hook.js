#!/usr/bin/env node
// Hook intake of one replica under the real @vtex/api runtime (bench/README.md has the numbers).
//
//   node bench/service-hook.js [events=2000] [concurrency=32] [rounds=3]
//
// Two services in turn, each on PONTE_BENCH_PORT (default 5070; +1 for its /_up), against one
// ponte-sim (fresh data dir), both started with PONTE_BENCH_ROUTES=1 (the reference route):
//
// 1. Acceptance (what happens before the 200), with PONTE_HOLD_BACKGROUND=1 so no background work
//    runs: in alternating rounds, an empty route (`health`: the runtime's ceiling), the reference
//    route (`benchWrite`: the hook's secret check and exactly one VBase write, the floor of a
//    durable acknowledgement) and the hook (each event a distinct status change of an order that
//    exists in the simulated OMS). Best round of each: events/s, p50/p99, and the hook's
//    throughput as a fraction of the reference route's (goal >= 0.8, p99 <= 50 ms).
// 2. The whole pipeline (background work on): PIPE events (default min(events, 1000), each owing
//    the ERP one delivery: the first of an order its hand-off, later ones a status notification)
//    sent as fast as they are accepted; sustained rate = deliveries the ERP recorded / time from
//    the first request to the last delivery. Then hook events at half that rate (open loop, fixed
//    arrival times, HALF_SECONDS long, default 20 s): acceptance p50/p99 while the pipeline runs,
//    and the rate the ERP received meanwhile.
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
// PONTE_BENCH_NODE_ARGS (e.g. `--prof`) is passed to the service's node (profiling).
'use strict'
const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')

const { REPO, spawnLogged, waitFor } = require('./lib')
const EVENTS = Number(process.argv[2] || 2000)
const CONCURRENCY = Number(process.argv[3] || 32)
const ROUNDS = Number(process.argv[4] || 3)
const PIPE = Number(process.env.PIPE || Math.min(EVENTS, 1000))
const HALF_SECONDS = Number(process.env.HALF_SECONDS || 20)
// PONTE_BENCH_PHASES=acceptance (or pipeline) runs one phase alone; PONTE_BENCH_TUNING (JSON) is
// the `ordersTuning` setting, e.g. '{"backgroundYieldMs":0}' to see the pipeline without yielding.
const PHASES = (process.env.PONTE_BENCH_PHASES || 'acceptance,pipeline').split(',')
const TUNING = JSON.parse(process.env.PONTE_BENCH_TUNING || '{}')
const PORT = Number(process.env.PONTE_BENCH_PORT || 5070)
const UP_PORT = PORT + 1
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const SECRET = 'bench-hook-secret-0123456789'

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function call({ host = '127.0.0.1', port, method, path: p, headers = {}, body, proxyTarget, agent: via = agent }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    const req = http.request(
      {
        host, port, method, agent: via,
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
  return stats(latencies, seconds, failures)
}

function stats(latencies, seconds, failures) {
  const sorted = latencies.filter((x) => x !== undefined).sort((a, b) => a - b)
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  return { perSecond: sorted.length / seconds, p50: q(0.5), p99: q(0.99), failures }
}

/** Open loop: request i leaves at start + i / rate, whether or not earlier ones were answered. */
async function openLoop(requests, rate, label) {
  const openAgent = new http.Agent({ keepAlive: true, maxSockets: 512 })
  const latencies = new Array(requests.length)
  let failures = 0
  const started = Date.now()
  const pending = []
  for (let i = 0; i < requests.length; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const t0 = process.hrtime.bigint()
    pending.push(
      call({ ...requests[i], agent: openAgent }).then((res) => {
        latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6
        if (res.status !== 200 && ++failures <= 3) console.error(`${label}: ${res.status} ${res.text.slice(0, 200)}`)
      })
    )
  }
  await Promise.all(pending)
  openAgent.destroy()
  return stats(latencies, (Date.now() - started) / 1000, failures)
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
  const startService = async (name, env) => {
    const nodeArgs = (process.env.PONTE_BENCH_NODE_ARGS || '').split(' ').filter(Boolean)
    const proc = spawnLogged(process.execPath, [...nodeArgs, launcher], {
      ...process.env,
      PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: ACCOUNT, VTEX_WORKSPACE: WORKSPACE,
      PONTE_APP_DIR: path.join(work, `app-${name}`), PONTE_PORT: String(PORT), PONTE_UP_PORT: String(UP_PORT),
      PONTE_BENCH_ROUTES: '1', ...env,
    }, path.join(work, `service-${name}.log`))
    await waitFor(proc, /ponte-service ready on/, 'the service', 60000)
    return proc
  }
  const stop = async (p) => {
    if (!p) return
    try { process.kill(-p.child.pid, 'SIGINT') } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 1500))
    try { process.kill(-p.child.pid, 'SIGKILL') } catch { /* gone */ }
  }
  try {
    const settings = { hookSecret: SECRET, erpEndpoint: 'https://erp.ponte-sim.test/erp', ordersTuning: TUNING }
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

    const empty = () => ({ port: PORT, method: 'GET', path: `/${ACCOUNT}/${WORKSPACE}/_v/ponte/health`, headers: serviceHeaders('health') })
    // Each hook event a distinct change, dated after everything the simulated OMS did to the
    // order (so once an order is handed off, each later event owes the ERP a notification).
    const base = Date.now() + 60000
    let serial = 0
    const hookBody = () => {
      const n = serial++
      const orderId = orderIds[n % orderIds.length]
      const at = new Date(base + n).toISOString()
      return { Domain: 'Fulfillment', OrderId: orderId, State: 'ready-for-handling', LastState: 'window-to-cancel', LastChange: at, CurrentChange: at, Origin: { Account: ACCOUNT, Key: 'vtexappkey-appvtex' } }
    }
    const hookHeaders = { ...serviceHeaders('orderHook'), 'x-ponte-hook-secret': SECRET }
    const hook = () => ({ port: PORT, method: 'POST', path: `/${ACCOUNT}/${WORKSPACE}/_v/ponte/orders/hook`, headers: hookHeaders, body: hookBody() })
    const reference = () => ({
      port: PORT, method: 'POST', path: `/${ACCOUNT}/${WORKSPACE}/_v/ponte/bench/write`,
      headers: { ...serviceHeaders('benchWrite'), 'x-ponte-hook-secret': SECRET }, body: hookBody(),
    })

    const out = { events: EVENTS, concurrency: CONCURRENCY }
    fs.mkdirSync(path.join(REPO, 'bench', 'out'), { recursive: true })
    const save = () => fs.writeFileSync(path.join(REPO, 'bench', 'out', 'service-hook.json'), JSON.stringify(out, null, 2))
    const fmt = (x) => `${x.perSecond.toFixed(0)}/s p50 ${x.p50.toFixed(1)} ms p99 ${x.p99.toFixed(1)} ms failures ${x.failures}`
    if (PHASES.includes('acceptance')) {
      // ---- 1. acceptance, background held back ---------------------------------------------
      service = await startService('acceptance', { PONTE_HOLD_BACKGROUND: '1' })
      // Warm-up: JIT, the wasm instance, settings and VBase paths.
      await load(Array.from({ length: 200 }, empty), 'warm-up empty')
      await load(Array.from({ length: 200 }, reference), 'warm-up reference')
      await load(Array.from({ length: 200 }, hook), 'warm-up hook')
      const results = { empty: [], reference: [], hook: [] }
      for (let r = 0; r < ROUNDS; r++) {
        results.empty.push(await load(Array.from({ length: EVENTS }, empty), 'empty'))
        results.reference.push(await load(Array.from({ length: EVENTS }, reference), 'reference'))
        results.hook.push(await load(Array.from({ length: EVENTS }, hook), 'hook'))
      }
      await stop(service)
      service = null
      const best = (xs) => xs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))
      const e = best(results.empty)
      const ref = best(results.reference)
      const h = best(results.hook)
      console.log(`service hook bench: one replica, ${EVENTS} requests per round, ${CONCURRENCY} in flight, best of ${ROUNDS} rounds`)
      console.log('1. acceptance (background held back: PONTE_HOLD_BACKGROUND=1)')
      console.log(`  empty route (ceiling):           ${fmt(e)}`)
      console.log(`  reference route (1 VBase write): ${fmt(ref)}`)
      console.log(`  hook (accept durably):           ${fmt(h)}`)
      console.log(`  hook / reference throughput: ${(h.perSecond / ref.perSecond).toFixed(3)} (goal >= 0.8); hook / empty ${(h.perSecond / e.perSecond).toFixed(3)}; reference / empty ${(ref.perSecond / e.perSecond).toFixed(3)}`)
      for (let r = 0; r < ROUNDS; r++) {
        console.log(`  round ${r + 1}: empty ${results.empty[r].perSecond.toFixed(0)}/s, reference ${results.reference[r].perSecond.toFixed(0)}/s, hook ${results.hook[r].perSecond.toFixed(0)}/s (p99 ${results.hook[r].p99.toFixed(1)} ms)`)
      }
      out.rounds = results
      save()
      if ([...results.hook, ...results.empty, ...results.reference].some((x) => x.failures > 0)) process.exitCode = 1
    }
    if (!PHASES.includes('pipeline')) return

    // ---- 2. the whole pipeline -----------------------------------------------------------
    const erpStats = async () => JSON.parse((await call({ port: simPort, method: 'GET', path: '/_sim/erp/orders/stats' })).text)
    const deliveredNow = async () => (await erpStats()).deliveries
    service = await startService('pipeline', {})
    // The acceptance phase's events were never worked on: no order has a record yet.
    const before = await deliveredNow()
    const t0 = Date.now()
    const sent = await load(Array.from({ length: PIPE }, hook), 'pipeline')
    let delivered = 0
    let lastChangeAt = Date.now()
    let lastDelivered = before
    for (;;) {
      const now = await deliveredNow()
      if (now !== lastDelivered) { lastDelivered = now; lastChangeAt = Date.now() }
      delivered = now - before
      if (delivered >= PIPE || Date.now() - lastChangeAt > 5000) break
      await new Promise((r) => setTimeout(r, 200))
    }
    const pipeSeconds = (lastChangeAt - t0) / 1000
    const sustained = delivered / pipeSeconds
    // Half that rate, open loop, while the pipeline keeps working on what it is given.
    const half = Math.max(1, sustained / 2)
    const halfCount = Math.max(50, Math.round(half * HALF_SECONDS))
    const beforeHalf = await deliveredNow()
    const tHalf = Date.now()
    const atHalf = await openLoop(Array.from({ length: halfCount }, hook), half, 'half rate')
    const halfSeconds = (Date.now() - tHalf) / 1000
    const deliveredHalf = (await deliveredNow()) - beforeHalf

    console.log('2. the whole pipeline (accepted and handed off to the ERP)')
    console.log(`  ${PIPE} events accepted at ${sent.perSecond.toFixed(0)}/s (p99 ${sent.p99.toFixed(1)} ms, failures ${sent.failures}); ` +
      `the ERP received ${delivered} deliveries in ${pipeSeconds.toFixed(1)} s: sustained ${sustained.toFixed(1)} events/s`)
    console.log(`  at half that rate (${half.toFixed(1)}/s open loop, ${halfCount} events, ${halfSeconds.toFixed(1)} s): acceptance ${fmt(atHalf)}; ` +
      `the ERP received ${(deliveredHalf / halfSeconds).toFixed(1)}/s meanwhile`)
    out.pipeline = { events: PIPE, sent, delivered, seconds: pipeSeconds, sustained, half: { rate: half, events: halfCount, seconds: halfSeconds, acceptance: atHalf, delivered: deliveredHalf } }
    save()
    if ([sent, atHalf].some((x) => x.failures > 0)) process.exitCode = 1
  } finally {
    agent.destroy()
    await stop(service)
    await stop(sim)
  }
}

main().catch((e) => {
  console.error(e)
  // A failed bench must fail bench/run.sh (set -e), not print half a table.
  process.exit(1)
})
