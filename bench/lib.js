// What the service benches share: starting a process in its own group with its output kept,
// waiting for a line of it, one simulator and one service replica with the app's settings, HTTP
// calls as VTEX's router sends a public route, quantiles, and the CPU a process group spent.
'use strict'
const { spawn } = require('child_process')
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')

const REPO = path.resolve(__dirname, '..')

/** Starts `cmd` in its own process group (kill `-pid` to stop it all); its output is kept and logged. */
function spawnLogged(cmd, args, env, log) {
  const child = spawn(cmd, args, { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const out = fs.createWriteStream(log)
  for (const s of [child.stdout, child.stderr]) s.on('data', (c) => { text += c; out.write(c) })
  return { child, output: () => text }
}

/** The first match of `re` in the process's output, within `ms`. */
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

/** `request(port, method, path, body?, headers?)` → `{status, text}` (status 0: no answer), over `concurrency` kept-alive sockets. */
function requester(concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })
  return function request(port, method, p, body, headers = {}) {
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
}

/** The headers VTEX's router adds to a public route's call, with a provider's credentials. */
function routeHeaders({ account, workspace, key, token }, routeId, params = {}, media = 'application/json') {
  return {
    'x-vtex-account': account,
    'x-vtex-workspace': workspace,
    'x-vtex-credential': 'bench',
    'x-colossus-route-id': routeId,
    'x-colossus-params': new URLSearchParams(params).toString(),
    'x-provider-api-appkey': key,
    'x-provider-api-apptoken': token,
    'content-type': media,
  }
}

/** p50, p99 and max of `xs` (Infinity counts as a failure, sorted last). */
function quantiles(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { n: s.length, p50: q(0.5), p99: q(0.99), max: s[s.length - 1], sorted: s }
}

/** CPU milliseconds (user + system) spent so far by the live processes of group `pgid` (Linux /proc; 0 elsewhere). */
function groupCpuMs(pgid) {
  let ticks = 0
  let dirs = []
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))
  } catch {
    return 0
  }
  for (const d of dirs) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // After the name: state(0) ppid(1) pgrp(2) ... utime(11) stime(12).
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12])
    } catch {
      // gone meanwhile
    }
  }
  return (ticks * 1000) / 100 // USER_HZ is 100 on Linux
}

/**
 * One ponte-sim (fresh data dir, `simArgs` added to its command line) and one service replica on
 * `port` (its /_up on port − 50), the app's `settings` (when given) put through the simulator's
 * Apps API (as tests/support/vtexid.ts does), then `run({sim, service, simPort, simUrl, request})`;
 * both stopped (SIGINT, then SIGKILL) after.
 */
async function withSimAndService({ name, port, account, workspace, settings, concurrency, simArgs = [] }, run) {
  const request = requester(concurrency)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `ponte-bench-${name}-`))
  const bin = path.resolve(REPO, process.env.PONTE_SIM_BIN || 'target/debug/ponte-sim')
  const sim = spawnLogged(bin, ['--data-dir', path.join(work, 'sim'), '--listen', '127.0.0.1:0', ...simArgs], process.env, path.join(work, 'sim.log'))
  const [, simUrl, simPort] = await waitFor(sim, /ponte-sim listening on (http:\/\/127\.0\.0\.1:(\d+))/, 'ponte-sim', 30000)
  let service
  try {
    if (settings !== undefined) {
      const put = await request(Number(simPort), 'PUT', `http://infra.io.vtex.com/apps/v0/${account}/${workspace}/apps/ponte.ponte/settings`, settings, { host: 'infra.io.vtex.com' })
      if (put.status >= 300) throw new Error(`app settings: ${put.status} ${put.text}`)
    }
    const launcher = path.join(REPO, 'node', '.build', 'scripts', 'launch.js')
    const env = { ...process.env, PONTE_SIM_URL: simUrl, VTEX_ACCOUNT: account, VTEX_WORKSPACE: workspace, PONTE_APP_DIR: path.join(work, 'app'), PONTE_PORT: String(port), PONTE_UP_PORT: String(port - 50) }
    service = spawnLogged(process.execPath, [launcher], env, path.join(work, 'service.log'))
    await waitFor(service, /ponte-service ready on/, 'the service', 60000)
    return await run({ sim, service, simPort: Number(simPort), simUrl, request })
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

/** The app key and token ponte-sim accepts for `account`'s calls (the headers VTEX's APIs read). */
function simAppKey(account) {
  return { 'X-VTEX-API-AppKey': `vtexappkey-${account}-PONTE`, 'X-VTEX-API-AppToken': 'ponte-sim-apptoken' }
}

/** `call(port, method, target, body?, headers?)` → the reply's JSON (null when empty), over `request`; throws on a status outside 2xx. */
function jsonCaller(request) {
  return async function call(port, method, target, body, headers) {
    const r = await request(port, method, target, body, headers)
    if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${target}: ${r.status} ${r.text.slice(0, 300)}`)
    return r.text ? JSON.parse(r.text) : null
  }
}

/** `graphql(query, variables)` → `data` of the service's GraphQL on `port`, called with `account`'s app key; throws on `errors`. */
function graphqlCaller(request, { port, account, workspace }) {
  const call = jsonCaller(request)
  const headers = { 'x-vtex-account': account, 'x-vtex-workspace': workspace, 'x-vtex-credential': 'bench', ...simAppKey(account) }
  return async function graphql(query, variables) {
    const reply = await call(port, 'POST', `/${account}/${workspace}/_v/graphql`, { query, variables }, headers)
    if (reply.errors) throw new Error(JSON.stringify(reply.errors))
    return reply.data
  }
}

/** The sync job's fields the benches read. */
const SYNC_JOB = 'id status stage items writes done failed unchanged errorCount errors { path code message } counters'

/**
 * One sync run as jobs: `mutation` (a sync mutation taking `$b: JSON!` and selecting SYNC_JOB,
 * its result under `field`) started once a batch of `batches`, then every job polled every
 * `pollMs` until all have ended. → `{ids, jobs, startedAt, writingAt, doneAtWriting, endedAt, pollRetries}`:
 * the jobs' last state, when the first job reached WRITING (or DONE; null if none did) and how
 * many items were done by then.
 */
async function runSyncJobs(graphql, { mutation, field, batches, pollMs }) {
  // A poll that fails (on a loaded machine the service's own calls to the simulator can time
  // out) is asked again, up to ten times a second apart; how many is returned (pollRetries).
  let pollRetries = 0
  const pollOnce = async (id) => {
    for (let tries = 1; ; tries++) {
      try {
        return (await graphql(`query($id: ID!) { syncJob(id: $id) { ${SYNC_JOB} } }`, { id })).syncJob
      } catch (e) {
        if (tries >= 10) throw e
        pollRetries += 1
        await new Promise((res) => setTimeout(res, 1000))
      }
    }
  }
  const startedAt = Date.now()
  const ids = []
  for (const b of batches) ids.push((await graphql(mutation, { b }))[field].id)
  let writingAt = null
  let doneAtWriting = 0
  let jobs
  for (;;) {
    jobs = []
    for (const id of ids) jobs.push(await pollOnce(id))
    if (writingAt === null && jobs.some((j) => j.stage === 'WRITING' || j.stage === 'DONE')) {
      writingAt = Date.now()
      doneAtWriting = jobs.reduce((a, j) => a + j.done, 0)
    }
    if (jobs.every((j) => j.status === 'SUCCEEDED' || j.status === 'FAILED')) break
    await new Promise((res) => setTimeout(res, pollMs))
  }
  return { ids, jobs, startedAt, writingAt, doneAtWriting, endedAt: Date.now(), pollRetries }
}

/** The batches of at most `size` items of `items`, each as `wrap(slice)`. */
function chunks(items, size, wrap) {
  const out = []
  for (let i = 0; i < items.length; i += size) out.push(wrap(items.slice(i, i + size)))
  return out
}

module.exports = { REPO, spawnLogged, waitFor, requester, routeHeaders, quantiles, groupCpuMs, withSimAndService, simAppKey, jsonCaller, graphqlCaller, SYNC_JOB, runSyncJobs, chunks }
