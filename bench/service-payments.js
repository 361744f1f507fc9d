#!/usr/bin/env node
// Payment authorisations of one replica under the real @vtex/api runtime.
//
//   node bench/service-payments.js [payments=1000] [concurrency=16] [rounds=3]
//
// One ponte-sim (fresh data dir: VBase, app settings, the ERP's credit ledger) and one service
// on PONTE_BENCH_PORT (default 5450; +-50 for its /_up, 5400). In alternating rounds: an empty
// route of the same runtime (`health`) and `POST /payments` (the Payment Provider Protocol's
// create, sent as VTEX's router sends a public route), each a new payment of one of 100
// customers whose credit covers everything (every create reads the record, writes it, reads
// the account, places a hold and writes the outcome). Best round of each: requests/s, p50/p99,
// the share of creates answered within the protocol's 5 s, and creates/s as a fraction of the
// empty route's.
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
'use strict'
const http = require('http')
const { spawn } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')

const REPO = path.resolve(__dirname, '..')
const PAYMENTS = Number(process.argv[2] || 1000)
const CONCURRENCY = Number(process.argv[3] || 16)
const ROUNDS = Number(process.argv[4] || 3)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5450)
const UP_PORT = PORT - 50
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const APP_KEY = 'vtexappkey-bench-gateway'
const APP_TOKEN = 'bench-gateway-token-0123'
const CONNECTOR = '/_v/api/connectors/ponte.ponte/v0'

function started(cmd, args, env, log) {
  const child = spawn(cmd, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const out = fs.createWriteStream(log)
  for (const s of [child.stdout, child.stderr]) s.on('data', (c) => { text += c; out.write(c) })
  return { child, output: () => text }
}

async function ready(proc, re, what, ms) {
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

function request(port, method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      { host: '127.0.0.1', port, method, path: p, agent, headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers } },
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

const routeHeaders = (routeId) => ({
  'x-vtex-account': ACCOUNT,
  'x-vtex-workspace': WORKSPACE,
  'x-vtex-credential': 'bench',
  'x-colossus-route-id': routeId,
  'x-provider-api-appkey': APP_KEY,
  'x-provider-api-apptoken': APP_TOKEN,
})

async function load(make, label) {
  const latencies = []
  let next = 0
  let failures = 0
  const t0 = process.hrtime.bigint()
  async function worker() {
    for (;;) {
      const i = next++
      if (i >= PAYMENTS) return
      const r = make(i)
      const t = process.hrtime.bigint()
      const res = await request(PORT, r.method, r.path, r.body, r.headers)
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6)
      const ok = res.status === 200 && (!r.check || r.check(res.text))
      if (!ok && ++failures <= 3) console.error(`${label}: ${res.status} ${res.text.slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const sorted = latencies.sort((a, b) => a - b)
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  return { perSecond: sorted.length / seconds, p50: q(0.5), p99: q(0.99), within5s: sorted.filter((x) => x < 5000).length / sorted.length, failures }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-payments-'))
  const bin = path.resolve(REPO, process.env.PONTE_SIM_BIN || 'target/debug/ponte-sim')
  const sim = started(bin, ['--data-dir', path.join(work, 'sim'), '--listen', '127.0.0.1:0'], process.env, path.join(work, 'sim.log'))
  const [, simUrl, simPort] = await ready(sim, /ponte-sim listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'ponte-sim', 30000)
  const simCall = (method, p, body) => request(Number(simPort), method, p, body)
  let service
  try {
    // App settings through the simulator's Apps API (as tests/support/vtexid.ts puts them).
    const settings = { erpEndpoint: 'https://erp.ponte-sim.test/erp', paymentAppKey: APP_KEY, paymentAppToken: APP_TOKEN }
    const put = await new Promise((resolve, reject) => {
      const payload = JSON.stringify(settings)
      const target = `http://infra.io.vtex.com/apps/v0/${ACCOUNT}/${WORKSPACE}/apps/ponte.ponte/settings`
      const req = http.request({ host: '127.0.0.1', port: Number(simPort), method: 'PUT', path: target, headers: { host: 'infra.io.vtex.com', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
      req.on('error', reject)
      req.end(payload)
    })
    if (put >= 300) throw new Error(`app settings: ${put}`)
    for (let c = 0; c < 100; c++) await simCall('PUT', `/_sim/erp/credit/accounts/bench-${c}`, { limit: 1e12 })
    const launcher = path.join(REPO, 'node', '.build', 'scripts', 'launch.js')
    service = started(process.execPath, [launcher], {
      ...process.env,
      PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: ACCOUNT, VTEX_WORKSPACE: WORKSPACE,
      PONTE_APP_DIR: path.join(work, 'app'), PONTE_PORT: String(PORT), PONTE_UP_PORT: String(UP_PORT),
    }, path.join(work, 'service.log'))
    await ready(service, /ponte-service ready on/, 'the service', 60000)
    const base = `/${ACCOUNT}/${WORKSPACE}`
    const empty = () => ({ method: 'GET', path: `${base}/_v/ponte/health`, headers: routeHeaders('health') })
    let round = 0
    const create = (i) => {
      const id = `B${round}x${i}`
      return {
        method: 'POST',
        path: `${base}${CONNECTOR}/payments`,
        headers: routeHeaders('paymentCreate'),
        body: { paymentId: id, value: 10, currency: 'BRL', miniCart: { buyer: { document: `bench-${i % 100}` } }, callbackUrl: 'https://x/cb?X-VTEX-signature=bench' },
        check: (text) => JSON.parse(text).status === 'approved',
      }
    }
    const best = { empty: null, create: null }
    for (round = 0; round < ROUNDS; round++) {
      const e = await load(empty, 'empty')
      const c = await load(create, 'create')
      if (!best.empty || e.perSecond > best.empty.perSecond) best.empty = e
      if (!best.create || c.perSecond > best.create.perSecond) best.create = c
      console.log(`round ${round + 1}: empty ${e.perSecond.toFixed(0)}/s p99 ${e.p99.toFixed(1)} ms; create ${c.perSecond.toFixed(1)}/s p50 ${c.p50.toFixed(1)} ms p99 ${c.p99.toFixed(1)} ms, within 5 s ${(100 * c.within5s).toFixed(1)}%, failures ${c.failures}`)
    }
    console.log(
      `payments bench (${PAYMENTS} per round, concurrency ${CONCURRENCY}, best of ${ROUNDS}): ` +
        `empty route ${best.empty.perSecond.toFixed(0)}/s (p99 ${best.empty.p99.toFixed(1)} ms); ` +
        `POST /payments ${best.create.perSecond.toFixed(1)}/s (p50 ${best.create.p50.toFixed(1)} ms, p99 ${best.create.p99.toFixed(1)} ms), ` +
        `${(100 * best.create.within5s).toFixed(1)}% within 5 s, ratio ${(best.create.perSecond / best.empty.perSecond).toFixed(3)}`
    )
  } finally {
    for (const p of [service, sim]) {
      if (!p) continue
      try { process.kill(-p.child.pid, 'SIGINT') } catch { /* gone */ }
    }
    await new Promise((r) => setTimeout(r, 1500))
    for (const p of [service, sim]) {
      if (!p) continue
      try { process.kill(-p.child.pid, 'SIGKILL') } catch { /* gone */ }
    }
    if (!process.env.PONTE_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true })
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
