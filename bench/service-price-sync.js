#!/usr/bin/env node
// A whole price sync through one replica under the real @vtex/api runtime, against ponte-sim's
// Pricing with VTEX-like round trips and VTEX's published write limit (bench/README.md has the
// numbers).
//
//   node bench/service-price-sync.js [skus=100000] [latencyMs=50] [jitterMs=100]
//
// The simulator gets `skus` SKUs at once (`POST /_sim/accounts/{account}/catalog/sample-skus`,
// named as its ERP's price list names them) and the price tables the list uses; every Pricing
// call then takes latencyMs + 0..jitterMs. The ERP's price list (`/_sim/erp/price-batch`) goes to
// `syncPrices` with the job's defaults (the OpenAPI file's 33 writes/s with 500 burst credits,
// the limit the simulator enforces) but for concurrency (32, so that reads are not the bottleneck).
// Reported: the write phase's rate as a fraction of the limit (the burst credits counted:
// the best a client can do is spend them at once, then `perSecond`; goal >= 0.9), and the 429s as
// a share of Pricing calls (goal <= 1 %).
//
// Needs `make node-build` and the simulator (`cargo build -p ponte-sim`, or PONTE_SIM_BIN).
'use strict'
const { chunks, graphqlCaller, jsonCaller, runSyncJobs, simAppKey, SYNC_JOB, REPO, withSimAndService } = require('./lib')
const path = require('path')

const SKUS = Number(process.argv[2] || 100000)
const LATENCY = Number(process.argv[3] ?? 50)
const JITTER = Number(process.argv[4] ?? 100)
const CHUNK = Number(process.env.PONTE_BENCH_CHUNK || 10000)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5090)
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
// The OpenAPI file's write limit, which the simulator enforces by default (§H.9).
const LIMIT = { perSecond: 33, burst: 500 }

async function main() {
  // The app's manifest loaded, so that its policies are enforced on its Pricing calls.
  const simArgs = ['--app-manifest', path.join(REPO, 'manifest.json')]
  await withSimAndService({ name: 'prices', port: PORT, account: ACCOUNT, workspace: WORKSPACE, concurrency: 8, simArgs }, async ({ simPort, request }) => {
    const call = jsonCaller(request)
    const sim = (method, target, body, headers) => call(simPort, method, target, body, headers)
    const t0 = Date.now()
    await sim('POST', `/_sim/accounts/${ACCOUNT}/catalog/sample-skus?seed=1&skus=${SKUS}`)
    for (const table of ['b2b', 'outlet']) {
      const url = `http://api.vtex.com/${ACCOUNT}/pricing/tables/${table}`
      await sim('PUT', url, undefined, { host: 'api.vtex.com', ...simAppKey(ACCOUNT) })
    }
    const list = await sim('GET', `/_sim/erp/price-batch?seed=1&skus=${SKUS}`)
    await sim('PUT', '/_sim/pricing/settings', { latencyMs: LATENCY, latencyJitterMs: JITTER })
    await sim('DELETE', '/_sim/pricing/stats')
    console.log(`set-up: ${SKUS} SKUs and their price list in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    const graphql = graphqlCaller(request, { port: PORT, account: ACCOUNT, workspace: WORKSPACE })
    // The runtime takes GraphQL bodies up to 3 MB: the list goes as jobs of CHUNK items, which
    // share the replica's pacer (one budget per account).
    const { ids, jobs, startedAt: tSubmit, writingAt, doneAtWriting, endedAt: end } = await runSyncJobs(graphql, {
      mutation: `mutation($b: JSON!) { syncPrices(batch: $b, options: { concurrency: 32 }) { ${SYNC_JOB} } }`,
      field: 'syncPrices',
      batches: chunks(list.items, CHUNK, (items) => ({ items })),
      pollMs: 1000,
    })
    const sum = (k) => jobs.reduce((a, j) => a + j[k], 0)
    const counters = {}
    for (const j of jobs) for (const [k, v] of Object.entries(j.counters)) counters[k] = (counters[k] ?? 0) + v
    const job = { status: jobs.every((j) => j.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED', errorCount: sum('errorCount'), done: sum('done'), counters, errors: jobs.flatMap((j) => j.errors) }
    const stats = await sim('GET', '/_sim/pricing/stats')
    const accepted = Object.entries(stats.writes).filter(([k]) => !k.startsWith('GET')).reduce((a, [, n]) => a + n, 0)
    const writeSeconds = (end - (writingAt ?? tSubmit)) / 1000
    const writes = job.done - doneAtWriting
    const rate = writes / writeSeconds
    // The best a client can do: spend the burst credits at once, then perSecond.
    const best = writes / Math.max(1e-9, Math.max(0, writes - LIMIT.burst) / LIMIT.perSecond)
    const calls = accepted + stats.rateLimited
    console.log(
      `price sync of ${SKUS} SKUs in ${ids.length} jobs: ${job.status} (${job.errorCount} errors) in ${((end - tSubmit) / 1000).toFixed(1)} s; ` +
        `reading and planning ${(((writingAt ?? end) - tSubmit) / 1000).toFixed(1)} s; ` +
        `${writes} writes in ${writeSeconds.toFixed(1)} s = ${rate.toFixed(2)}/s against a limit of ${LIMIT.perSecond}/s with ${LIMIT.burst} burst ` +
        `(best possible ${best.toFixed(2)}/s): ${(rate / best).toFixed(3)} of the limit; ` +
        `429s ${stats.rateLimited} of ${calls} Pricing writes = ${((100 * stats.rateLimited) / Math.max(1, calls)).toFixed(2)} %; ` +
        `job counters ${JSON.stringify(job.counters)}`
    )
    if (job.status !== 'SUCCEEDED') console.log(JSON.stringify(job.errors.slice(0, 5)))
  })
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
