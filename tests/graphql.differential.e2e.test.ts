/**
 * The GraphQL differential: one query corpus (tests/graphql-corpus/corpus.json) through the Node
 * service under the real @vtex/api runtime and through ponte-graphql natively
 * (`ponte-graphql-run`), both reading one ponte-sim seeded with the demo catalog over HTTP with
 * VTEX's paths. The answers must be equal as JSON: `data`, and each error's path and
 * `extensions.code` (messages are not compared: they are the same words, but not a contract).
 */
import { execFileSync } from 'child_process'
import { mkdtempSync, mkdirSync, readFileSync } from 'fs'
import { tmpdir } from 'os'
import { join } from 'path'

import { createServer } from 'net'

import type { GraphQLReply } from './support/http'
import type { Running, Sim } from './support/processes'
import { REPO, startSeededSim, startService, tearDown } from './support/processes'
import { logout, simLogin, viaProxy } from './support/vtexid'

const ACCOUNT = 'ponte-diff'
const WORKSPACE = 'master'
const APP_TOKEN = 'e2e-app-token'
/** The manifest's vendor.name: the VBase buckets are the app's. */
const APP = 'ponte.ponte'

/**
 * Ponte's record of an order that went through the flow, as the service stores it in VBase
 * (node/orders/store.ts, the state in ponte-core's OrderState shape), planted before the corpus
 * runs so that order(id) has something to show: timeline lines out of time order, an event not
 * applied, Output and Input invoices.
 */
/** A finished import job as node/import/job.ts stores it (VBase catalog-import), and another account's. */
const PLANTED_JOB = {
  id: 'imp-diff0001',
  account: ACCOUNT,
  workspace: WORKSPACE,
  status: 'FAILED',
  stage: 'DONE',
  options: {},
  createdAt: '2026-01-10T09:00:00.000Z',
  updatedAt: '2026-01-10T09:01:00.000Z',
  startedAt: '2026-01-10T09:00:01.000Z',
  finishedAt: '2026-01-10T09:01:00.000Z',
  lease: null,
  runs: 2,
  summary: { creates: 5, updates: 1, activations: 1, unchanged: 2 },
  steps: 7,
  planChunks: 1,
  phases: [
    { phase: 'CATEGORIES', total: 2, done: 2, failed: 0, skipped: 0 },
    { phase: 'BRANDS', total: 1, done: 1, failed: 0, skipped: 0 },
    { phase: 'PRODUCTS', total: 3, done: 1, failed: 1, skipped: 0 },
    { phase: 'ACTIVATION', total: 1, done: 0, failed: 0, skipped: 1 },
  ],
  errors: [{ path: 'products[1]', code: 'VTEX_REJECTED', message: 'VTEX answered 400', key: 'product:P-2' }],
  errorCount: 1,
  counters: { calls: 11, attempts: 12, retries: 1, rateLimited: 1, serverErrors: 0, transportErrors: 0, reused: 1 },
  timings: { readMs: 12.5, planMs: 3.4, executeMs: 2047.6 },
}
const OTHER_ACCOUNT_JOB = { ...PLANTED_JOB, id: 'imp-other0001', account: 'someone-else' }

const PLANTED_ORDER = {
  orderId: 'v70530116pnt-01',
  createdAt: '2026-01-10T09:00:00.000Z',
  state: {
    orderId: 'v70530116pnt-01',
    flow: 'complete',
    status: 'invoiced',
    statusSource: 'platform',
    total: 12000,
    items: [{ id: '1', quantity: 2, price: 6000 }],
    invoices: [
      { type: 'Output', invoiceNumber: 'NF-1', value: 7000 },
      { type: 'Output', invoiceNumber: 'NF-2', value: 5000 },
      { type: 'Input', invoiceNumber: 'RT-1', value: 1000 },
    ],
    changes: [],
    timeline: [
      { at: '2026-01-10T10:00:00.500Z', cause: { kind: 'action', action: 'invoice', detail: 'NF-1' }, status: 'invoiced' },
      { at: '2026-01-10T09:00:00.000Z', cause: { kind: 'event', source: 'hook', state: 'ready-for-handling', lastState: null, applied: true }, status: 'ready-for-handling' },
      { at: '2026-01-10T09:30:00.000Z', cause: { kind: 'event', source: 'feed', state: 'handling', lastState: 'ready-for-handling', applied: true }, status: 'handling' },
      { at: '2026-01-10T09:10:00.000Z', cause: { kind: 'event', source: 'ioEvent', state: 'payment-approved', lastState: 'order-created', applied: false }, status: 'handling' },
      { at: '2026-01-10T10:00:00.100Z', cause: { kind: 'action', action: 'startHandling', detail: '' }, status: 'handling' },
    ],
  },
  handoff: { deliveredAt: '2026-01-10T09:05:00.000Z' },
  done: [],
  pending: null,
  log: [
    { at: '2026-01-10T09:05:00.000Z', status: 'ready-for-handling', cause: 'handoff', detail: 'delivery 1' },
    { at: 'not a date', status: null, cause: 'notified', detail: null },
  ],
}

type Credential =
  | 'none'
  | 'admin'
  | 'adminBearer'
  | 'store'
  | 'storeAsAdmin'
  | 'revokedAdmin'
  | 'expiredAdmin'
  | 'otherAccountAdmin'
  | 'garbageAdmin'

interface Entry {
  name: string
  query: string
  variables?: Record<string, unknown>
  credential?: Credential
}

interface Corpus {
  fragments: Record<string, string>
  queries: Entry[]
}

const corpus = JSON.parse(readFileSync(join(REPO, 'tests', 'graphql-corpus', 'corpus.json'), 'utf8')) as Corpus

/** The query with the corpus fragments it spreads. */
function withFragments(query: string): string {
  const used = Object.entries(corpus.fragments).filter(([name]) => new RegExp(`\\.\\.\\.${name}\\b`).test(query))
  return [query, ...used.map(([, text]) => text)].join('\n')
}

interface Normalised {
  data: unknown
  errors: Array<{ path: unknown; code: unknown }>
}

function normalise(reply: { data?: unknown; errors?: GraphQLReply['errors'] }): Normalised {
  const errors = (reply.errors ?? []).map((e) => ({ path: e.path ?? null, code: e.extensions?.code ?? null }))
  errors.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
  return { data: reply.data ?? null, errors }
}

const work = mkdtempSync(join(tmpdir(), 'ponte-diff-e2e-'))
const dataDir = join(work, 'sim-data')
mkdirSync(dataDir)

let sim: Sim
let service: Running
/** The service's port: a free one, so this suite runs beside another using 5050. */
let servicePort = 5050

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer()
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (address && typeof address === 'object' ? done(address.port) : fail(new Error('no port'))))
    })
  })
}

/** A GraphQL POST routed as VTEX IO routes it (what support/http.ts graphql does on 5050). */
async function ask(body: { query: string; variables?: unknown }, headers: Record<string, string>): Promise<GraphQLReply> {
  const res = await fetch(`http://localhost:${servicePort}/${ACCOUNT}/${WORKSPACE}/_v/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, ...headers },
    body: JSON.stringify(body),
  })
  return { ...((await res.json()) as GraphQLReply), status: res.status }
}
const node = new Map<string, Normalised>()
const native = new Map<string, Normalised>()
const timings = { nodeMs: 0, nativeMs: 0 }

async function token(audience: 'admin' | 'webstore', extra: { account?: string; ttlSeconds?: number; issuedAt?: number } = {}) {
  const account = extra.account ?? ACCOUNT
  return (await simLogin(sim.url, account, { email: 'diff@example.com', audience, account, ...extra })).token
}

/** Fresh headers per entry: every session is new to both sides (no cached confirmation). */
async function headersFor(credential: Credential): Promise<Record<string, string>> {
  const adminCookie = (t: string) => ({ cookie: `VtexIdclientAutCookie=${t}` })
  switch (credential) {
    case 'none':
      return {}
    case 'admin':
      return adminCookie(await token('admin'))
    case 'adminBearer':
      return { authorization: `Bearer ${await token('admin')}` }
    case 'store':
      return { cookie: `VtexIdclientAutCookie_${ACCOUNT}=${await token('webstore')}` }
    case 'storeAsAdmin':
      return adminCookie(await token('webstore'))
    case 'revokedAdmin': {
      const t = await token('admin')
      await logout(sim.url, ACCOUNT, t)
      return adminCookie(t)
    }
    case 'expiredAdmin':
      return adminCookie(await token('admin', { issuedAt: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 600 }))
    case 'otherAccountAdmin':
      return adminCookie(await token('admin', { account: 'someone-else' }))
    case 'garbageAdmin':
      return adminCookie('not-a-token')
  }
}

/** ponte-graphql-run (built by cargo if needed), one process for the whole corpus. */
function runNative(requests: Array<{ query: string; variables?: unknown; headers: Record<string, string> }>): unknown[] {
  const input = JSON.stringify({ proxy: sim.url, account: ACCOUNT, appToken: APP_TOKEN, workspace: WORKSPACE, app: APP, requests })
  const bin = process.env.PONTE_GRAPHQL_RUN_BIN
  const [command, args] = bin
    ? [bin, []]
    : [process.env.CARGO ?? 'cargo', ['run', '-q', '-p', 'ponte-graphql', '--bin', 'ponte-graphql-run']]
  const out = execFileSync(command, args, { cwd: REPO, input, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })
  return JSON.parse(out) as unknown[]
}

beforeAll(async () => {
  sim = await startSeededSim(dataDir, ['--seed', 'demo', '--account', ACCOUNT])
  servicePort = await freePort()
  const upPort = await freePort()
  service = await startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, 'app'), port: servicePort, upPort })
  const vbase = `http://infra.io.vtex.com/vbase/v2/${ACCOUNT}/${WORKSPACE}/buckets/${APP}/ponte-orders/files`
  const planted = await viaProxy(sim.url, 'PUT', `${vbase}/orders/${PLANTED_ORDER.orderId}.json`, PLANTED_ORDER)
  if (planted.status >= 300) throw new Error(`planting the order record answered ${planted.status}`)
  const jobs = `http://infra.io.vtex.com/vbase/v2/${ACCOUNT}/${WORKSPACE}/buckets/${APP}/catalog-import/files/jobs`
  for (const job of [PLANTED_JOB, OTHER_ACCOUNT_JOB]) {
    const put = await viaProxy(sim.url, 'PUT', `${jobs}/${job.id}/job.json`, job)
    if (put.status >= 300) throw new Error(`planting import job ${job.id} answered ${put.status}`)
  }

  const requests = []
  for (const entry of corpus.queries) {
    const headers = await headersFor(entry.credential ?? 'none')
    const query = withFragments(entry.query)
    const started = Date.now()
    const reply = await ask({ query, variables: entry.variables }, { 'x-vtex-credential': APP_TOKEN, ...headers })
    timings.nodeMs += Date.now() - started
    node.set(entry.name, normalise(reply))
    requests.push({ query, variables: entry.variables, headers })
  }
  const started = Date.now()
  const answers = runNative(requests) as Array<{ data?: unknown; errors?: GraphQLReply['errors'] }>
  timings.nativeMs = Date.now() - started
  corpus.queries.forEach((entry, i) => native.set(entry.name, normalise(answers[i])))
}, 600000)

afterAll(async () => {
  console.log(
    `graphql differential: ${corpus.queries.length} queries; Node ${timings.nodeMs} ms, native ${timings.nativeMs} ms (one process, cargo run included)`
  )
  await tearDown(work, [service], sim)
})

describe('the corpus', () => {
  it('is big enough and reaches both answers and refusals', () => {
    expect(new Set(corpus.queries.map((q) => q.name)).size).toBe(corpus.queries.length)
    expect(corpus.queries.length).toBeGreaterThanOrEqual(20)
    const answers = [...node.values()]
    // Answers with data and no error, and refusals each with a code: a query broken by a typo
    // (a validation error on both sides) would count as neither.
    expect(answers.filter((a) => a.data !== null && a.errors.length === 0).length).toBeGreaterThanOrEqual(10)
    expect(answers.filter((a) => a.errors.length > 0 && a.errors.every((e) => typeof e.code === 'string')).length).toBeGreaterThanOrEqual(15)
    expect(answers.flatMap((a) => a.errors).filter((e) => e.code === 'GRAPHQL_VALIDATION_FAILED' || e.code === null)).toEqual([])
  })

  it('shows the planted import job, so importJob(id) is compared on data', () => {
    const answer = node.get('a finished import job (planted in VBase)')
    expect(answer?.errors).toEqual([])
    expect((answer?.data as { importJob: { progress: { done: number } } }).importJob.progress.done).toBe(4)
  })

  it('shows the planted order record, so order(id) is compared on data', () => {
    const answer = node.get('an order Ponte recorded (planted in VBase)')
    expect(answer?.errors).toEqual([])
    const order = (answer?.data as { order: { invoicedValue: string; timeline: unknown[] } }).order
    expect(order.invoicedValue).toBe('12000')
    expect(order.timeline).toHaveLength(PLANTED_ORDER.state.timeline.length + PLANTED_ORDER.log.length)
  })
})

describe('ponte-graphql answers as the Node service does', () => {
  it.each(corpus.queries.map((q) => [q.name]))('%s', (name) => {
    expect(native.get(name)).toEqual(node.get(name))
  })
})
