#!/usr/bin/env node
// The provider protocols' answers under load, against their time limits (§G: a provider answers
// within 5 s in homologation and 20 s in production), on one replica under the real @vtex/api
// runtime.
//
//   node bench/service-providers.js [purchases=300] [concurrency=16] [rounds=2]
//
// One ponte-sim (fresh data dir: VBase, app settings, the ERP's 500 gift cards and customer risk
// facts) and one service on PONTE_BENCH_PORT (default 5550; its /_up on the port − 50, 5500: the
// providers e2e suite's first replica, so do not run both at once). Each purchase sends what
// VTEX sends a provider for an order paid partly by gift card, as VTEX's router delivers a public
// route: `POST /giftcards/_search` (the shopper's cards; the first round takes the ERP's cards
// over), a Debit, a settlement (posted to the ERP's books), `POST /transactions` to the
// anti-fraud provider and its `GET`. Each round: answers per second, p50/p99/max per route and
// over all, and the share of answers within 5 s and within 20 s (failures count as late).
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
'use strict'
const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')
const { REPO, spawnLogged, waitFor } = require('./lib')

const PURCHASES = Number(process.argv[2] || 300)
const CONCURRENCY = Number(process.argv[3] || 16)
const ROUNDS = Number(process.argv[4] || 2)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5550)
const UP_PORT = PORT - 50
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const KEY = 'vtexappkey-bench-providers'
const TOKEN = 'bench-providers-token-0123'
const LIMITS = { homologation: 5000, production: 20000 }

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function request(port, method, p, body, headers = {}) {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      { host: '127.0.0.1', port, method, path: p, agent, headers: { ...(payload ? { 'content-type': headers['content-type'] || 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers } },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode, text }))
      }
    )
    req.setTimeout(60000, () => req.destroy(new Error('timeout')))
    req.on('error', (e) => resolve({ status: 0, text: String(e) }))
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

const json = (text) => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const routeHeaders = (routeId, params = {}, media = 'application/json') => ({
  'x-vtex-account': ACCOUNT,
  'x-vtex-workspace': WORKSPACE,
  'x-vtex-credential': 'bench',
  'x-colossus-route-id': routeId,
  'x-colossus-params': new URLSearchParams(params).toString(),
  'x-provider-api-appkey': KEY,
  'x-provider-api-apptoken': TOKEN,
  'content-type': media,
})

const GC = 'application/vnd.vtex.giftcards.v1+json'
const base = `/${ACCOUNT}/${WORKSPACE}`

/** One purchase's calls, in order; each answer timed. */
async function purchase(round, i, timed) {
  const card = (i * 7) % 500
  if (card % 50 === 49) return // expired cards
  const id = `erp-gc-${String(card).padStart(3, '0')}`
  const shopper = `shopper-${card % 100}`
  const code = `ERPGC${String(card).padStart(5, '0')}`
  await timed('_search', () => request(PORT, 'POST', `${base}/_v/ponte/giftcards/_search`, { client: { id: shopper }, cart: {} }, { ...routeHeaders('giftcardSearch', {}, GC), 'rest-range': 'resources=0-49' }))
  const rid = `b${round}-${i}`
  const debit = await timed('debit', () =>
    request(PORT, 'POST', `${base}/_v/ponte/giftcards/${id}/transactions`, { operation: 'Debit', value: 1, requestId: rid, redemptionCode: code, orderInfo: { orderId: rid, clientProfile: { id: shopper } } }, routeHeaders('giftcardTransactions', { id }, GC))
  )
  const tid = json(debit.text)?.id
  if (tid) {
    await timed('settlement', () =>
      request(PORT, 'POST', `${base}/_v/ponte/giftcards/${id}/transactions/${tid}/settlements`, { value: 1, requestId: `${rid}-s` }, routeHeaders('giftcardSettlements', { id, tid }, GC))
    )
  }
  const af = `BENCH${round}X${i}0`
  const doc = `4445556660${i % 10 === 5 ? 5 : 0}`
  await timed('antifraud POST', () =>
    request(PORT, 'POST', `${base}/_v/ponte/antifraud/transactions`, { id: af, reference: rid, value: 50, hook: 'https://hook.vtex.com/x', miniCart: { buyer: { document: doc, email: 'b@example.com' }, shipping: { address: { postalCode: '01310-100' } } }, payments: [] }, routeHeaders('antifraudTransactions'))
  )
  await timed('antifraud GET', () => request(PORT, 'GET', `${base}/_v/ponte/antifraud/transactions/${af}`, undefined, routeHeaders('antifraudTransaction', { id: af })))
}

async function round(r) {
  const byRoute = new Map()
  let failures = 0
  const timed = async (name, call) => {
    const t = process.hrtime.bigint()
    const res = await call()
    const ms = Number(process.hrtime.bigint() - t) / 1e6
    const ok = res.status === 200
    if (!ok && ++failures <= 3) console.error(`${name}: ${res.status} ${res.text.slice(0, 200)}`)
    if (!byRoute.has(name)) byRoute.set(name, [])
    byRoute.get(name).push(ok ? ms : Infinity)
    return res
  }
  let next = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++
        if (i >= PURCHASES) return
        await purchase(r, i, timed)
      }
    })
  )
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b)
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
    return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1], within5: s.filter((x) => x <= LIMITS.homologation).length, within20: s.filter((x) => x <= LIMITS.production).length }
  }
  const all = stats([...byRoute.values()].flat())
  const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : 'failed')
  console.log(`round ${r + 1}: ${all.n} answers in ${seconds.toFixed(1)} s (${(all.n / seconds).toFixed(1)}/s), p50 ${fmt(all.p50)}, p99 ${fmt(all.p99)}, max ${fmt(all.max)}; within 5 s ${all.within5}/${all.n} (${((100 * all.within5) / all.n).toFixed(2)}%), within 20 s ${all.within20}/${all.n} (${((100 * all.within20) / all.n).toFixed(2)}%), failures ${failures}`)
  for (const [name, xs] of byRoute) {
    const s = stats(xs)
    console.log(`  ${name.padEnd(15)} ${String(s.n).padStart(5)}  p50 ${fmt(s.p50).padStart(8)}  p99 ${fmt(s.p99).padStart(8)}  max ${fmt(s.max).padStart(8)}  within 5 s ${s.within5}/${s.n}`)
  }
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-providers-'))
  const bin = path.resolve(REPO, process.env.PONTE_SIM_BIN || 'target/debug/ponte-sim')
  const sim = spawnLogged(bin, ['--data-dir', path.join(work, 'sim'), '--listen', '127.0.0.1:0'], process.env, path.join(work, 'sim.log'))
  const [, simUrl, simPort] = await waitFor(sim, /ponte-sim listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'ponte-sim', 30000)
  let service
  try {
    // App settings through the simulator's Apps API (as tests/support/vtexid.ts puts them).
    const settings = { erpEndpoint: 'https://erp.ponte-sim.test/erp', providerAppKey: KEY, providerAppToken: TOKEN }
    const put = await request(Number(simPort), 'PUT', `http://infra.io.vtex.com/apps/v0/${ACCOUNT}/${WORKSPACE}/apps/ponte.ponte/settings`, settings, { host: 'infra.io.vtex.com' })
    if (put.status >= 300) throw new Error(`app settings: ${put.status} ${put.text}`)
    const launcher = path.join(REPO, 'node', '.build', 'scripts', 'launch.js')
    service = spawnLogged(
      process.execPath,
      [launcher],
      { ...process.env, PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: ACCOUNT, VTEX_WORKSPACE: WORKSPACE, PONTE_APP_DIR: path.join(work, 'app'), PONTE_PORT: String(PORT), PONTE_UP_PORT: String(UP_PORT) },
      path.join(work, 'service.log')
    )
    await waitFor(service, /ponte-service ready on/, 'the service', 60000)
    console.log(`providers bench: ${PURCHASES} purchases per round (5 calls each), concurrency ${CONCURRENCY}, ${ROUNDS} rounds; limits 5 s (homologation) and 20 s (production), §G`)
    for (let r = 0; r < ROUNDS; r++) await round(r)
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
