#!/usr/bin/env node
// A whole customer sync through one replica under the real @vtex/api runtime, against ponte-sim's
// Master Data with VTEX-like round trips and a write limit (bench/README.md has the numbers).
//
//   node bench/service-customer-sync.js [customers=5000] [latencyMs=50] [jitterMs=100] [writesPerSecond=50]
//
// The ERP's customers (`GET /_sim/erp/customers?seed=1&count=N`: B2C and B2B, about 1.6
// addresses each, near-duplicates included) go to `syncCustomers` in jobs of PART customers (the
// runtime's GraphQL body limit) with the job's defaults (CUSTOMER_DEFAULTS, node/sync/deps.ts:
// 50 writes/s, burst 100) but for concurrency (16, so that round trips are not the bottleneck).
// Every Master Data call then takes latencyMs + 0..jitterMs and the simulator refuses writes past
// `writesPerSecond` with 429 + Retry-After. Master Data documents its throttling statuses but
// publishes no figure (§F.2), so the limit is the one Ponte assumes by default, stated here.
// Reported: customers/s and Master Data writes/s in the write phase, that rate as a fraction of
// the limit (goal >= 0.9), the 429s as a share of writes (goal <= 1 %), then a second run of the
// same batch (goal: no write) and its time.
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
'use strict'
const { chunks, graphqlCaller, jsonCaller, runSyncJobs, SYNC_JOB, withSimAndService } = require('./lib')

const COUNT = Number(process.argv[2] || 5000)
const LATENCY = Number(process.argv[3] ?? 50)
const JITTER = Number(process.argv[4] ?? 100)
const LIMIT = Number(process.argv[5] ?? 50)
const PART = Number(process.env.PONTE_BENCH_PART || 1000)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5094)
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'

async function main() {
  await withSimAndService({ name: 'customers', port: PORT, account: ACCOUNT, workspace: WORKSPACE, settings: {}, concurrency: 8 }, async ({ simPort, request }) => {
    const call = jsonCaller(request)
    const sim = (method, target, body) => call(simPort, method, target, body)
    const graphql = graphqlCaller(request, { port: PORT, account: ACCOUNT, workspace: WORKSPACE })
    const erp = await sim('GET', `/_sim/erp/customers?seed=1&count=${COUNT}`)
    const addresses = erp.customers.reduce((n, c) => n + (c.addresses?.length ?? 0), 0)
    await sim('PUT', '/_sim/masterdata/settings', { latencyMs: LATENCY, latencyJitterMs: JITTER, writesPerSecond: LIMIT })

    /** One sync of the whole batch: jobs of PART customers started at once, polled until done. */
    async function sync() {
      const before = await sim('GET', '/_sim/masterdata/stats')
      const { jobs, startedAt, writingAt, endedAt: end } = await runSyncJobs(graphql, {
        mutation: `mutation($b: JSON!) { syncCustomers(batch: $b, options: { concurrency: 16 }) { ${SYNC_JOB} } }`,
        field: 'syncCustomers',
        batches: chunks(erp.customers, PART, (customers) => ({ customers, policy: erp.policy })),
        pollMs: 500,
      })
      const after = await sim('GET', '/_sim/masterdata/stats')
      const total = (s) => Object.values(s.writes).reduce((a, n) => a + n, 0)
      const sum = (k) => jobs.reduce((a, j) => a + j[k], 0)
      return {
        ok: jobs.every((j) => j.status === 'SUCCEEDED'),
        errors: jobs.flatMap((j) => j.errors).slice(0, 5),
        seconds: (end - startedAt) / 1000,
        writeSeconds: (end - (writingAt ?? end)) / 1000,
        customersWritten: sum('writes'),
        mdWrites: total(after) - total(before),
        refused429: (after.refused['429'] ?? 0) - (before.refused['429'] ?? 0),
        searches: after.searches - before.searches,
      }
    }

    const first = await sync()
    const rate = first.mdWrites / Math.max(1e-9, first.writeSeconds)
    console.log(
      `customer sync of ${COUNT} customers (${addresses} addresses) in ${Math.ceil(COUNT / PART)} jobs: ${first.ok ? 'SUCCEEDED' : 'FAILED'} in ${first.seconds.toFixed(1)} s ` +
        `(Master Data ${LATENCY}+0..${JITTER} ms a call); reading and planning ${(first.seconds - first.writeSeconds).toFixed(1)} s (${first.searches} searches); ` +
        `${first.customersWritten} customers = ${first.mdWrites} Master Data writes in ${first.writeSeconds.toFixed(1)} s = ${rate.toFixed(2)} writes/s ` +
        `(${(first.customersWritten / Math.max(1e-9, first.writeSeconds)).toFixed(2)} customers/s) against a limit of ${LIMIT}/s: ${(rate / LIMIT).toFixed(3)} of the limit; ` +
        `429s ${first.refused429} of ${first.mdWrites + first.refused429} writes = ${((100 * first.refused429) / Math.max(1, first.mdWrites + first.refused429)).toFixed(2)} %`
    )
    if (!first.ok) console.log(JSON.stringify(first.errors))
    const second = await sync()
    console.log(`second run of the same batch: ${second.ok ? 'SUCCEEDED' : 'FAILED'} in ${second.seconds.toFixed(1)} s, ${second.mdWrites} Master Data writes, ${second.searches} searches`)
    if (!first.ok || !second.ok || second.mdWrites !== 0) process.exitCode = 1
  })
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
