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
// empty route's. Where the time goes, less sensitive to the machine's other load than rates:
// the CPU milliseconds per request the service's processes and the simulator spent (/proc).
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
'use strict'
const { groupCpuMs, quantiles, routeHeaders, withSimAndService } = require('./lib')

const PAYMENTS = Number(process.argv[2] || 1000)
const CONCURRENCY = Number(process.argv[3] || 16)
const ROUNDS = Number(process.argv[4] || 3)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5450)
const CALLER = { account: 'ponte', workspace: 'master', key: 'vtexappkey-bench-gateway', token: 'bench-gateway-token-0123' }
const CONNECTOR = '/_v/api/connectors/ponte.ponte/v0'

async function main() {
  const settings = { erpEndpoint: 'https://erp.ponte-sim.test/erp', paymentAppKey: CALLER.key, paymentAppToken: CALLER.token }
  await withSimAndService({ name: 'payments', port: PORT, account: CALLER.account, workspace: CALLER.workspace, settings, concurrency: CONCURRENCY }, async ({ sim, service, simPort, request }) => {
    for (let c = 0; c < 100; c++) await request(simPort, 'PUT', `/_sim/erp/credit/accounts/bench-${c}`, { limit: 1e12 })
    const cpu = () => ({ service: groupCpuMs(service.child.pid), sim: groupCpuMs(sim.child.pid) })

    async function load(make, label) {
      const latencies = []
      let next = 0
      let failures = 0
      const before = cpu()
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
      const after = cpu()
      const q = quantiles(latencies)
      return {
        perSecond: q.n / seconds,
        p50: q.p50,
        p99: q.p99,
        within5s: q.sorted.filter((x) => x < 5000).length / q.n,
        failures,
        cpuService: (after.service - before.service) / q.n,
        cpuSim: (after.sim - before.sim) / q.n,
      }
    }

    const base = `/${CALLER.account}/${CALLER.workspace}`
    const empty = () => ({ method: 'GET', path: `${base}/_v/ponte/health`, headers: routeHeaders(CALLER, 'health') })
    let round = 0
    const create = (i) => ({
      method: 'POST',
      path: `${base}${CONNECTOR}/payments`,
      headers: routeHeaders(CALLER, 'paymentCreate'),
      body: { paymentId: `B${round}x${i}`, value: 10, currency: 'BRL', miniCart: { buyer: { document: `bench-${i % 100}` } }, callbackUrl: 'https://x/cb?X-VTEX-signature=bench' },
      check: (text) => JSON.parse(text).status === 'approved',
    })
    const best = { empty: null, create: null }
    const cpuOf = (x) => `CPU per request ${x.cpuService.toFixed(1)} ms service + ${x.cpuSim.toFixed(1)} ms sim`
    for (round = 0; round < ROUNDS; round++) {
      const e = await load(empty, 'empty')
      const c = await load(create, 'create')
      if (!best.empty || e.perSecond > best.empty.perSecond) best.empty = e
      if (!best.create || c.perSecond > best.create.perSecond) best.create = c
      console.log(
        `round ${round + 1}: empty ${e.perSecond.toFixed(0)}/s p99 ${e.p99.toFixed(1)} ms (${cpuOf(e)}); ` +
          `create ${c.perSecond.toFixed(1)}/s p50 ${c.p50.toFixed(1)} ms p99 ${c.p99.toFixed(1)} ms, within 5 s ${(100 * c.within5s).toFixed(1)}%, failures ${c.failures} (${cpuOf(c)})`
      )
    }
    console.log(
      `payments bench (${PAYMENTS} per round, concurrency ${CONCURRENCY}, best of ${ROUNDS}): ` +
        `empty route ${best.empty.perSecond.toFixed(0)}/s (p99 ${best.empty.p99.toFixed(1)} ms); ` +
        `POST /payments ${best.create.perSecond.toFixed(1)}/s (p50 ${best.create.p50.toFixed(1)} ms, p99 ${best.create.p99.toFixed(1)} ms), ` +
        `${(100 * best.create.within5s).toFixed(1)}% within 5 s, ratio ${(best.create.perSecond / best.empty.perSecond).toFixed(3)}; ` +
        `create ${cpuOf(best.create)}, empty ${cpuOf(best.empty)}`
    )
  })
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
