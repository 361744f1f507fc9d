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
const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')

const { REPO, spawnLogged, waitFor } = require('./lib')
const SKUS = Number(process.argv[2] || 100000)
const LATENCY = Number(process.argv[3] ?? 50)
const JITTER = Number(process.argv[4] ?? 100)
const CHUNK = Number(process.env.PONTE_BENCH_CHUNK || 10000)
const PORT = Number(process.env.PONTE_BENCH_PORT || 5090)
const ACCOUNT = 'ponte'
const WORKSPACE = 'master'
const APP_KEY = { 'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`, 'X-VTEX-API-AppToken': 'ponte-sim-apptoken' }
// The OpenAPI file's write limit, which the simulator enforces by default (§H.9).
const LIMIT = { perSecond: 33, burst: 500 }

function call({ port, method, target, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request(
      {
        host: '127.0.0.1', port, method, path: target,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => {
          if (res.statusCode < 200 || res.statusCode >= 300) return reject(new Error(`${method} ${target}: ${res.statusCode} ${text.slice(0, 300)}`))
          resolve(text ? JSON.parse(text) : null)
        })
      }
    )
    req.on('error', reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ponte-bench-prices-'))
  const bin = path.resolve(REPO, process.env.PONTE_SIM_BIN || 'target/debug/ponte-sim')
  const launcher = path.join(REPO, 'node', '.build', 'scripts', 'launch.js')
  for (const f of [bin, launcher]) if (!fs.existsSync(f)) throw new Error(`${f} is missing (make node-build; cargo build -p ponte-sim)`)
  const sim = spawnLogged(bin, ['--data-dir', path.join(work, 'sim'), '--listen', '127.0.0.1:0', '--app-manifest', path.join(REPO, 'manifest.json')], process.env, path.join(work, 'sim.log'))
  const simPort = Number((await waitFor(sim, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 'ponte-sim', 30000))[1])
  const simUrl = `http://127.0.0.1:${simPort}`
  let service
  const kill = (p) => { try { process.kill(-p.child.pid, 'SIGKILL') } catch { /* gone */ } }
  try {
    const t0 = Date.now()
    await call({ port: simPort, method: 'POST', target: `/_sim/accounts/${ACCOUNT}/catalog/sample-skus?seed=1&skus=${SKUS}` })
    for (const table of ['b2b', 'outlet']) {
      const url = `http://api.vtex.com/${ACCOUNT}/pricing/tables/${table}`
      await call({ port: simPort, method: 'PUT', target: url, headers: { host: 'api.vtex.com', ...APP_KEY } })
    }
    const list = await call({ port: simPort, method: 'GET', target: `/_sim/erp/price-batch?seed=1&skus=${SKUS}` })
    await call({ port: simPort, method: 'PUT', target: '/_sim/pricing/settings', body: { latencyMs: LATENCY, latencyJitterMs: JITTER } })
    await call({ port: simPort, method: 'DELETE', target: '/_sim/pricing/stats' })
    console.log(`set-up: ${SKUS} SKUs and their price list in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

    service = spawnLogged(process.execPath, [launcher], {
      ...process.env,
      PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: ACCOUNT, VTEX_WORKSPACE: WORKSPACE,
      PONTE_APP_DIR: path.join(work, 'app'), PONTE_PORT: String(PORT), PONTE_UP_PORT: String(PORT + 1),
    }, path.join(work, 'service.log'))
    await waitFor(service, /ponte-service ready on/, 'the service', 60000)
    const graphql = (query, variables) => call({
      port: PORT, method: 'POST', target: `/${ACCOUNT}/${WORKSPACE}/_v/graphql`, body: { query, variables },
      headers: { 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, 'x-vtex-credential': 'bench', ...APP_KEY },
    })
    const JOB = 'id status stage writes done failed unchanged errorCount errors { path code message } counters'
    // The runtime takes GraphQL bodies up to 3 MB: the list goes as jobs of CHUNK items, which
    // share the replica's pacer (one budget per account).
    const ids = []
    const tSubmit = Date.now()
    for (let i = 0; i < list.items.length; i += CHUNK) {
      const started = await graphql(`mutation($b: JSON!) { syncPrices(batch: $b, options: { concurrency: 32 }) { ${JOB} } }`, { b: { items: list.items.slice(i, i + CHUNK) } })
      if (started.errors) throw new Error(JSON.stringify(started.errors))
      ids.push(started.data.syncPrices.id)
    }
    let writingAt = null
    let doneAtWriting = 0
    let jobs
    for (;;) {
      jobs = []
      for (const id of ids) jobs.push((await graphql(`query($id: ID!) { syncJob(id: $id) { ${JOB} } }`, { id })).data.syncJob)
      if (writingAt === null && jobs.some((j) => j.stage === 'WRITING' || j.stage === 'DONE')) {
        writingAt = Date.now()
        doneAtWriting = jobs.reduce((a, j) => a + j.done, 0)
      }
      if (jobs.every((j) => j.status === 'SUCCEEDED' || j.status === 'FAILED')) break
      await new Promise((res) => setTimeout(res, 1000))
    }
    const end = Date.now()
    const sum = (k) => jobs.reduce((a, j) => a + j[k], 0)
    const counters = {}
    for (const j of jobs) for (const [k, v] of Object.entries(j.counters)) counters[k] = (counters[k] ?? 0) + v
    const job = { status: jobs.every((j) => j.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED', errorCount: sum('errorCount'), done: sum('done'), counters, errors: jobs.flatMap((j) => j.errors) }
    const stats = await call({ port: simPort, method: 'GET', target: '/_sim/pricing/stats' })
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
  } finally {
    if (service) kill(service)
    kill(sim)
    if (!process.env.PONTE_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
