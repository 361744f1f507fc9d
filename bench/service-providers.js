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
const { quantiles, requester, routeHeaders: headersFor, withSimAndService } = require('./lib')

const PURCHASES = Number(process.argv[2] || 300)
const CONCURRENCY = Number(process.argv[3] || 16)
const ROUNDS = Number(process.argv[4] || 2)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5550)
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const KEY = 'vtexappkey-bench-providers'
const TOKEN = 'bench-providers-token-0123'
const LIMITS = { homologation: 5000, production: 20000 }

const request = requester(CONCURRENCY)

const json = (text) => {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

const routeHeaders = (routeId, params = {}, media = 'application/json') => headersFor({ account: ACCOUNT, workspace: WORKSPACE, key: KEY, token: TOKEN }, routeId, params, media)

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
    const q = quantiles(xs)
    return { ...q, within5: q.sorted.filter((x) => x <= LIMITS.homologation).length, within20: q.sorted.filter((x) => x <= LIMITS.production).length }
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
  const settings = { erpEndpoint: 'https://erp.ponte-sim.test/erp', providerAppKey: KEY, providerAppToken: TOKEN }
  await withSimAndService({ name: 'providers', port: PORT, account: ACCOUNT, workspace: WORKSPACE, settings, concurrency: CONCURRENCY }, async () => {
    console.log(`providers bench: ${PURCHASES} purchases per round (5 calls each), concurrency ${CONCURRENCY}, ${ROUNDS} rounds; limits 5 s (homologation) and 20 s (production), §G`)
    for (let r = 0; r < ROUNDS; r++) await round(r)
  })
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
