/**
 * Customers end to end: ponte-sim (Master Data v1 CL/AD, VBase, License Manager, faults, its
 * ERP's customers) and two replicas of the service under the real @vtex/api runtime. Every
 * result is checked from the simulator's own Master Data store.
 *
 * Size: PONTE_E2E_CUSTOMERS (default 500, which keeps the suite within a minute);
 * PONTE_E2E_FULL=1 syncs the ERP's 5,000 customers (about 8,000 addresses) as five jobs of 1,000
 * (the runtime's 1 MB GraphQL body), about 6 minutes on a loaded machine.
 */
import { existsSync, readFileSync } from 'fs'
import { join } from 'path'

import { graphql, routeFetch, simAppKey, simJson } from './support/http'
import type { Running, Sim } from './support/processes'
import { portInUse, sleep, startService, startSim, tearDown, workDir } from './support/processes'
import { putAppSettings, simLogin } from './support/vtexid'
import type { SyncJob } from './support/jobs'
import { finished, syncJobs } from './support/jobs'

const ACCOUNT = 'ponte-customers'
const WORKSPACE = 'master'
const COUNT = Number(process.env.PONTE_E2E_CUSTOMERS ?? (process.env.PONTE_E2E_FULL ? 5000 : 500))
/** Customers per syncCustomers call (the runtime's 1 MB GraphQL body). */
const PART = 1000
const REPLICAS = [
  { port: 5650, upPort: 5600 },
  { port: 5670, upPort: 5610 },
]

const { work, dataDir } = workDir('customers')

let sim: Sim
const services: Running[] = []

const launch = (i: number) =>
  startService({ simUrl: sim.url, account: ACCOUNT, workspace: WORKSPACE, appDir: join(work, `app-${i}`), ...REPLICAS[i] })

const simCall = <T>(method: string, path: string, body?: unknown) => simJson<T>(sim.url, method, path, body)

const { ask, poll, startSync: start } = syncJobs({
  simUrl: () => sim.url,
  account: ACCOUNT,
  workspace: WORKSPACE,
  ports: REPLICAS.map((r) => r.port),
  email: 'customers-admin@example.com',
})
const startSync = (batch: unknown, options: Record<string, unknown> = {}, replica = 0) => start('syncCustomers', batch, options, replica)

interface Customer {
  email: string
  addresses: unknown[]
  [field: string]: unknown
}
interface Batch {
  customers: Customer[]
  policy?: unknown
}
type Doc = Record<string, unknown> & { id: string }

const docs = (ac: string) => simCall<Doc[]>('GET', `/_sim/masterdata/${ac}/documents?an=${ACCOUNT}`)
const normal = (email: unknown) => String(email).trim().toLowerCase()

/** CL documents per normalised email. */
function byEmail(cl: Doc[]): Map<string, Doc[]> {
  const out = new Map<string, Doc[]>()
  for (const d of cl) out.set(normal(d.email), [...(out.get(normal(d.email)) ?? []), d])
  return out
}

const ERP_KEY = simAppKey(ACCOUNT)
const replicaAt = (i: number) => ({ port: REPLICAS[i].port, account: ACCOUNT, workspace: WORKSPACE })
async function delta(body: unknown, i: number, headers: Record<string, string> = ERP_KEY) {
  const res = await routeFetch(replicaAt(i), 'erpCustomerDelta', '/_v/ponte/erp/customers', { body, headers })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

let erpBatch: Batch

const TICK_SECRET = 'customers-e2e-tick-secret'
interface PullResult {
  skipped: string | null
  delivered: number
  echoes: number
  failed: number
  watermark: string | null
}
/** vtex.scheduler's call of the customer changes tick (the route configureOrderIntake schedules). */
async function changesTick(i: number, secret = TICK_SECRET): Promise<{ status: number; body: PullResult & { code?: string } }> {
  const res = await routeFetch(replicaAt(i), 'customerChangesTick', '/_v/ponte/customers/changes-tick', { body: '{}', headers: { 'x-ponte-tick-secret': secret } })
  return { status: res.status, body: (await res.json()) as PullResult & { code?: string } }
}
interface ErpChanges {
  changes: Array<{ change: { deliveryId: string; id: string; email: string | null; updatedIn: string; profile: Record<string, unknown> }; times: number }>
  received: number
  duplicates: number
}

beforeAll(async () => {
  sim = await startSim(dataDir)
  // Before any replica reads (and caches) the settings: the ERP erasures go there.
  await putAppSettings(sim.url, ACCOUNT, WORKSPACE, 'ponte.ponte', { erpEndpoint: 'https://erp.ponte-sim.test/erp', tickSecret: TICK_SECRET })
  services.push(await launch(0), await launch(1))
  erpBatch = await simCall<Batch>('GET', `/_sim/erp/customers?seed=1&count=${COUNT}`)
  expect(erpBatch.customers).toHaveLength(COUNT)
}, 120000)

// A failed test must not leave its faults to the next one.
afterEach(async () => {
  await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
})

afterAll(async () => {
  await tearDown(work, services, sim)
})

describe('syncCustomers', () => {
  it(`lands the ERP's ${COUNT} customers through 429s, 5xx and a SIGKILLed replica: one CL per email, addresses linked; a second sync writes nothing`, async () => {
    await simCall('PUT', '/_sim/faults', { rate429: 0.02, rate5xx: 0.03, retryAfterSeconds: 1, seed: 11, masterdata: true })
    const t0 = Date.now()
    // The runtime takes GraphQL bodies of at most 1 MB (about 2,000 customers): a bigger ERP
    // export goes as several jobs, all started at once.
    const parts = Array.from({ length: Math.ceil(COUNT / PART) }, (_, i) => ({ customers: erpBatch.customers.slice(i * PART, (i + 1) * PART), policy: erpBatch.policy }))
    const started: SyncJob[] = []
    for (const part of parts) started.push(await startSync(part, { perSecond: 400, burst: 200, concurrency: 16 }))
    const mid = await poll(started[0].id, (j) => finished(j) || (j.stage === 'WRITING' && j.done > j.writes * 0.2), 120000)
    if (mid.status !== 'RUNNING') console.log(`first job: ${mid.status} ${JSON.stringify(mid.errors.slice(0, 3))}`)
    expect(mid.status).toBe('RUNNING')
    // Replica 0 dies mid-sync; replica 1 takes the jobs over once their leases have expired.
    process.kill(-(services[0].child.pid as number), 'SIGKILL')
    await new Promise<void>((done) => (services[0].child.exitCode !== null || services[0].child.signalCode !== null ? done() : services[0].child.once('exit', () => done())))
    const relaunched = (async () => {
      while ((await portInUse(REPLICAS[0].port)) || (await portInUse(REPLICAS[0].upPort))) await sleep(100)
      services[0] = await launch(0)
    })()
    const jobs = await Promise.all(started.map((j) => poll(j.id, finished, 600000, 1)))
    const wallMs = Date.now() - t0
    await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
    const sum = (f: (j: SyncJob) => number) => jobs.reduce((n, j) => n + f(j), 0)
    console.log(
      `customer sync: ${jobs.map((j) => j.status).join(',')} in ${(wallMs / 1000).toFixed(1)} s, ${sum((j) => j.writes)} customers written (${JSON.stringify(jobs[0].summary)}), killed at ${mid.done}, runs ${jobs.map((j) => j.runs).join(',')}, counters ${JSON.stringify(jobs[0].counters)}`
    )
    for (const [i, done] of jobs.entries()) {
      expect(done).toMatchObject({ status: 'SUCCEEDED', errorCount: 0, failed: 0, items: parts[i].customers.length })
      expect(done.done).toBe(done.writes)
    }
    expect(jobs[0].runs).toBe(2)
    expect(sum((j) => j.counters.rateLimited + j.counters.serverErrors)).toBeGreaterThan(0)

    // From the simulator's store: exactly one CL per email, every AD linked to its CL.
    const cl = await docs('CL')
    const ad = await docs('AD')
    const emails = byEmail(cl)
    for (const c of erpBatch.customers) expect(emails.get(normal(c.email))?.length ?? 0).toBe(1)
    expect(cl).toHaveLength(COUNT)
    const clIds = new Set(cl.map((d) => d.id))
    for (const a of ad) expect(clIds.has(String(a.userId))).toBe(true)
    const addresses = erpBatch.customers.reduce((n, c) => n + c.addresses.length, 0)
    expect(ad).toHaveLength(addresses)

    // customer(email) answers the profile and its addresses, from any replica, by any spelling.
    const first = erpBatch.customers[1]
    const shown = await ask(
      'query($e: String!) { customer(email: $e) { id email duplicates addresses { id addressName postalCode } } }',
      { e: `  ${first.email.toUpperCase()} ` },
      1
    )
    expect(shown.errors).toBeUndefined()
    expect(shown.data?.customer).toMatchObject({ email: normal(first.email), duplicates: [] })
    expect(shown.data?.customer.addresses).toHaveLength(first.addresses.length)
    expect((await ask('query { customer(email: "nobody.here@example.com") { id } }', undefined, 1)).data?.customer).toBeNull()

    await relaunched
    // The same batch again, on the other replica: nothing changes, nothing is written.
    for (const part of parts) {
      const again = await startSync(part, {}, 1)
      const second = await poll(again.id, finished, 120000, 1)
      expect(second).toMatchObject({ status: 'SUCCEEDED', writes: 0, unchanged: part.customers.length, errorCount: 0 })
    }
    expect(await docs('CL')).toHaveLength(COUNT)
  }, 900000)

  it('refuses a batch with errors, every one with its path, before writing anything', async () => {
    const before = (await docs('CL')).length
    const bad: Batch = {
      customers: [
        { email: 'not-an-email', addresses: [] },
        { ...erpBatch.customers[0], document: '123.456.789-00' },
      ],
    }
    const started = await startSync(bad)
    const done = await poll(started.id, finished, 30000)
    expect(done.status).toBe('FAILED')
    expect(done.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['customers[0].email', 'customers[1].document']))
    expect((await docs('CL')).length).toBe(before)
  }, 60000)
})

describe('VTEX to ERP (the customer changes tick)', () => {
  it("20 storefront sign-ups reach the ERP once each, through ticks on both replicas; none of the customers Ponte synced is echoed", async () => {
    const t0 = Date.now()
    expect((await changesTick(1, 'not-the-tick-secret')).body).toMatchObject({ code: 'TICK_SECRET_INVALID' })
    // The first ticks go through what Master Data holds: every CL so far is Ponte's own write.
    // A change is delivered once it has settled (ordersTuning.customerChangesSettleMs, 3 s).
    await sleep(3500)
    let echoes = 0
    for (;;) {
      const tick = await changesTick(1)
      expect(tick.status).toBe(200)
      expect(tick.body).toMatchObject({ skipped: null, delivered: 0, failed: 0 })
      echoes += tick.body.echoes
      if (tick.body.echoes === 0) break
    }
    expect(echoes).toBe(COUNT)
    expect((await simCall<ErpChanges>('GET', '/_sim/erp/customers/changes')).received).toBe(0)

    const { created } = await simCall<{ created: string[] }>('POST', `/_sim/masterdata/signups?an=${ACCOUNT}`, { count: 20, seed: 5 })
    expect(created).toHaveLength(20)
    // Too recent for a tick yet: nothing is delivered before they have settled.
    expect((await changesTick(0)).body).toMatchObject({ delivered: 0, echoes: 0 })
    await sleep(3500)
    // Both replicas tick at once (one holds the lease), then each once more: nothing new.
    const ticks = await Promise.all([changesTick(0), changesTick(1)])
    ticks.push(await changesTick(0), await changesTick(1))
    const delivered = ticks.reduce((n, t) => n + t.body.delivered, 0)
    expect(delivered).toBe(20)
    expect(ticks.reduce((n, t) => n + t.body.echoes + t.body.failed, 0)).toBe(0)

    const erp = await simCall<ErpChanges>('GET', '/_sim/erp/customers/changes')
    expect(erp).toMatchObject({ received: 20, duplicates: 0 })
    expect(erp.changes.map((c) => c.change.id).sort()).toEqual([...created].map((id) => id.replace(/^CL-/, '')).sort())
    for (const { change, times } of erp.changes) {
      expect(times).toBe(1)
      expect(change.deliveryId).toBe(`${change.id}:${change.updatedIn}`)
      expect(change.email).toMatch(/^signup-5-\d+@example\.com$/)
      expect(change.profile).toMatchObject({ email: change.email, documentType: 'CPF' })
    }
    const synced = new Set(erpBatch.customers.map((c) => normal(c.email)))
    expect(erp.changes.filter((c) => synced.has(normal(c.change.email)))).toHaveLength(0)
    const wallMs = Date.now() - t0
    console.log(`customer changes: ${echoes} echoes skipped, 20 sign-ups delivered in ${(wallMs / 1000).toFixed(1)} s`)
    expect(wallMs).toBeLessThan(20000)

    // Ponte PATCHes a profile it created (a new last name and a new address) and a sign-up's
    // (someone else's profile): neither comes back to the ERP as a VTEX change.
    const policy = { ...(erpBatch.policy as Record<string, unknown>), erpWins: ['lastName'] }
    const mine = { ...erpBatch.customers[5], lastName: 'Ponte-Patched', addresses: [...erpBatch.customers[5].addresses, { addressName: 'e2e-new', street: 'Rua Nova', number: '1', city: 'São Paulo', state: 'SP', country: 'BRA', postalCode: '01035-000' }] }
    const signup = erp.changes[0].change
    const theirs = { email: String(signup.email), lastName: 'Ponte-Patched', addresses: [] }
    const patched = await delta({ customers: [mine, theirs], policy }, 0)
    expect(patched.status).toBe(202)
    expect(await poll(patched.body.jobId, finished, 60000)).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 })
    const after = byEmail(await docs('CL'))
    for (const email of [mine.email, theirs.email]) expect(after.get(normal(email))?.map((d) => d.lastName)).toEqual(['Ponte-Patched'])
    await sleep(3500)
    let late = { delivered: 0, echoes: 0 }
    for (;;) {
      const tick = (await changesTick(0)).body
      late = { delivered: late.delivered + tick.delivered, echoes: late.echoes + tick.echoes }
      if (tick.echoes + tick.delivered === 0) break
    }
    expect(late).toEqual({ delivered: 0, echoes: 2 })
    expect((await simCall<ErpChanges>('GET', '/_sim/erp/customers/changes')).received).toBe(20)
  }, 60000)
})

describe('ERP deltas (POST /_v/ponte/erp/customers)', () => {
  it('200 concurrent duplicate upserts of 100 new emails, on both replicas, end with one profile each', async () => {
    const fresh = await simCall<Batch>('GET', `/_sim/erp/customers/delta?seed=1&count=${COUNT}&step=1`)
    const known = byEmail(await docs('CL'))
    const news = fresh.customers.filter((c) => !known.has(normal(c.email)))
    // The ERP's new customers of one round, topped up with others the store has never seen.
    const extra = Array.from({ length: Math.max(0, 100 - news.length) }, (_, i) => ({
      ...erpBatch.customers[i % erpBatch.customers.length],
      email: `new.customer.${i}@example.com`,
      document: undefined,
      documentType: undefined,
    }))
    const hundred = [...news, ...extra].slice(0, 100)
    expect(hundred).toHaveLength(100)
    const answers = await Promise.all(hundred.flatMap((c) => [0, 1].map((replica) => delta({ customers: [c], policy: erpBatch.policy }, replica))))
    for (const a of answers) expect(a).toMatchObject({ status: 202, body: { jobId: expect.stringMatching(/^syn-/) } })
    // Every job finished (asked 25 at a time, alternating replicas).
    for (let i = 0; i < answers.length; i += 25) {
      const jobs = await Promise.all(answers.slice(i, i + 25).map((a, k) => poll(a.body.jobId, finished, 60000, k % 2)))
      for (const j of jobs) expect(j).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 })
    }
    const emails = byEmail(await docs('CL'))
    for (const c of hundred) expect(emails.get(normal(c.email))?.length ?? 0).toBe(1)
  }, 180000)

  it('finds a profile another writer stored with a mixed-case email and a punctuated document: no second CL', async () => {
    const md = (method: string, path: string, body: unknown) =>
      fetch(`${sim.url}/api/dataentities${path}?an=${ACCOUNT}`, {
        method,
        headers: { 'content-type': 'application/json', ...ERP_KEY },
        body: JSON.stringify(body),
      })
    // CPF 529.982.247-25 and 111.444.777-35 (valid check digits), as an older import wrote them.
    for (const [email, document] of [['Mixed.Case@Example.com', '529.982.247-25'], ['Other.Case@Example.com', '111.444.777-35']]) {
      expect((await md('POST', '/CL/documents', { email, documentType: 'CPF', document, firstName: 'Held' })).status).toBe(201)
    }
    const run = async (customers: unknown[]) => {
      const a = await delta({ customers, policy: erpBatch.policy }, 1)
      expect(a.status).toBe(202)
      return poll(a.body.jobId, finished, 60000, 1)
    }
    // The ERP spells the email as stored and sends the document bare: found by both keys.
    expect(await run([{ email: 'Mixed.Case@Example.com', documentType: 'CPF', document: '52998224725', lastName: 'Found', addresses: [] }])).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 })
    // Another spelling of the email altogether, the document punctuated differently: found by the document.
    expect(await run([{ email: 'OTHER.case@example.COM', documentType: 'CPF', document: '111 444 777 35', lastName: 'Found', addresses: [] }])).toMatchObject({ status: 'SUCCEEDED', errorCount: 0 })
    const cl = byEmail(await docs('CL'))
    for (const email of ['mixed.case@example.com', 'other.case@example.com']) {
      expect(cl.get(email)?.length).toBe(1)
      expect(cl.get(email)?.[0]).toMatchObject({ firstName: 'Held', lastName: 'Found' })
    }
  }, 60000)

  it('refuses without credentials, a malformed body and an oversized delta, with stable codes', async () => {
    expect((await delta({ customers: [] }, 1, {})).status).toBe(401)
    expect(await delta('{"customers": ', 1)).toMatchObject({ status: 400, body: { code: 'DELTA_MALFORMED' } })
    const big = await delta({ customers: Array.from({ length: 201 }, (_, i) => ({ email: `x${i}@example.com`, addresses: [] })) }, 1)
    expect(big).toMatchObject({ status: 413, body: { code: 'DELTA_TOO_LARGE' } })
  }, 60000)
})

describe("the shopper's rights (exportCustomer, eraseCustomer)", () => {
  it('exports everything held on one email, then erases it from Master Data and Ponte and tells the ERP once per requestId', async () => {
    const who = erpBatch.customers[3]
    const email = normal(who.email)
    // Synced (again: a no-op after the suite's first test), so that this test stands alone.
    const synced = await startSync({ customers: [who], policy: erpBatch.policy })
    expect(await poll(synced.id, finished, 30000)).toMatchObject({ status: 'SUCCEEDED' })
    const exported = await ask('mutation($e: String!) { exportCustomer(email: $e) }', { e: String(who.email) })
    expect(exported.errors).toBeUndefined()
    const data = exported.data?.exportCustomer
    expect(data.email).toBe(email)
    expect(data.masterData.CL).toHaveLength(1)
    expect(data.masterData.AD).toHaveLength(who.addresses.length)
    expect(data.ponte.written).toHaveLength(1)
    const clId = data.masterData.CL[0].id

    const erase = (replica: number) =>
      ask('mutation($e: String!, $r: ID!) { eraseCustomer(email: $e, requestId: $r) { requestId profilesRemoved addressesRemoved recordsRemoved erpNotified } }', { e: email, r: 'erase-0003' }, replica)
    const erased = await erase(0)
    expect(erased.errors).toBeUndefined()
    expect(erased.data?.eraseCustomer).toEqual({ requestId: 'erase-0003', profilesRemoved: 1, addressesRemoved: who.addresses.length, recordsRemoved: 1, erpNotified: true })
    // Gone from the simulator's own store.
    expect((await docs('CL')).some((d) => d.id === clId || normal(d.email) === email)).toBe(false)
    expect((await docs('AD')).some((d) => d.userId === clId)).toBe(false)
    expect((await ask('query($e: String!) { customer(email: $e) { id } }', { e: email }, 1)).data?.customer).toBeNull()
    // The same request again: nothing left to remove; the ERP keeps it once.
    const again = await erase(1)
    expect(again.data?.eraseCustomer).toMatchObject({ profilesRemoved: 0, addressesRemoved: 0, recordsRemoved: 0, erpNotified: true })
    const received = await simCall<Array<{ request: { requestId: string; email: string }; times: number }>>('GET', '/_sim/erp/customers/erasures')
    expect(received.filter((r) => r.request.requestId === 'erase-0003')).toEqual([{ request: { requestId: 'erase-0003', email }, times: 2 }])
    // Both audited.
    const audit = await ask('query($f: String!, $t: String!) { auditLog(from: $f, to: $t, first: 500) { operation outcome } }', {
      f: new Date(Date.now() - 3600_000).toISOString(),
      t: new Date(Date.now() + 60_000).toISOString(),
    })
    const ops = (audit.data?.auditLog ?? []).map((r: { operation: string; outcome: string }) => `${r.operation}:${r.outcome}`)
    expect(ops).toEqual(expect.arrayContaining(['exportCustomer:OK', 'eraseCustomer:OK']))
  }, 60000)
})

describe('personal data in the output channels', () => {
  /** Every email, document and phone the runs above and below carried (as sent and canonical). */
  function planted(): string[] {
    const out = new Set<string>()
    for (const c of erpBatch.customers) {
      out.add(String(c.email).trim())
      out.add(normal(c.email))
      for (const f of ['document', 'corporateDocument', 'phone', 'homePhone', 'cellPhone', 'stateRegistration']) {
        const v = c[f]
        if (typeof v !== 'string' || v.trim().length < 8) continue
        out.add(v.trim())
        const digits = v.replace(/\D/g, '')
        if (f.endsWith('ocument') && digits.length >= 11) out.add(digits)
      }
    }
    return [...out]
  }

  it('plants emails, documents and phones on success and every error path; none reaches the service logs, the sim log or the audit trail', async () => {
    const victim = erpBatch.customers[2]
    const email = String(victim.email)
    const document = String(victim.document)
    // A batch that is not one (BATCH_MALFORMED), with the shopper's data in the variables.
    const malformed = await ask('mutation($b: JSON!) { syncCustomers(batch: $b) { id } }', { b: { customers: 'x', email, document, phone: victim.phone } })
    expect(malformed.errors?.[0].extensions?.code).toBe('BATCH_MALFORMED')
    expect(JSON.stringify(malformed)).not.toContain(email)
    // Refused by authorization (a shopper's token, not an admin's).
    const shopper = (await simLogin(sim.url, ACCOUNT, { email: 'shopper@example.com', audience: 'webstore' })).token
    const refused = await graphql(
      ACCOUNT,
      WORKSPACE,
      { query: 'mutation($b: JSON!) { syncCustomers(batch: $b) { id } }', variables: { b: { customers: [victim] } } },
      { 'x-vtex-credential': 'e2e-app-token', authorization: `Bearer ${shopper}` },
      REPLICAS[1].port
    )
    expect(refused.errors?.length).toBeGreaterThan(0)
    // options out of range, with the batch in the variables.
    const badOptions = await ask('mutation($b: JSON!) { syncCustomers(batch: $b, options: { concurrency: 99 }) { id } }', { b: { customers: [victim] } })
    expect(badOptions.errors?.[0].extensions?.code).toBe('SYNC_OPTIONS_INVALID')
    // customer(email): not an email (carrying a document), and Master Data failing.
    const invalid = await ask('query($e: String!) { customer(email: $e) { id } }', { e: `${document} ${email}` })
    expect(invalid.errors?.[0].extensions?.code).toBe('CUSTOMER_EMAIL_INVALID')
    expect(JSON.stringify(invalid)).not.toContain(document)
    await simCall('PUT', '/_sim/faults', { rate5xx: 1, seed: 3, masterdata: true })
    const down = await ask('query($e: String!) { customer(email: $e) { id } }', { e: email }, 1)
    expect(down.errors?.[0].extensions?.code).toBe('VTEX_REQUEST_FAILED')
    // A sync whose every write fails (Master Data down), and one refused by validation.
    const failing = await startSync({ customers: [{ ...victim, lastName: 'Changed' }], policy: erpBatch.policy }, { maxAttempts: 2 }, 1)
    expect(await poll(failing.id, finished, 60000, 1)).toMatchObject({ status: 'FAILED' })
    await simCall('PUT', '/_sim/faults', { rate429: 0, rate5xx: 0 })
    const invalidBatch = await startSync({ customers: [victim, { ...victim, firstName: 'x'.repeat(400) }] }, {}, 1)
    expect(await poll(invalidBatch.id, finished, 30000, 1)).toMatchObject({ status: 'FAILED' })
    const badErase = await ask('mutation($e: String!) { eraseCustomer(email: $e, requestId: "bad id!") { requestId } }', { e: email })
    expect(badErase.errors?.[0].extensions?.code).toBe('INVALID_ID')
    // The delta route: malformed JSON and a refused caller, both with the shopper's data.
    expect((await delta(`{"customers": [{"email": "${email}", "document": "${document}"`, 1)).status).toBe(400)
    expect((await delta({ customers: [victim] }, 1, {})).status).toBe(401)
    await sleep(1000) // the logs flushed

    const audit = await ask('query($f: String!, $t: String!) { auditLog(from: $f, to: $t, first: 500) { actor operation outcome jobId } }', {
      f: new Date(Date.now() - 3600_000).toISOString(),
      t: new Date(Date.now() + 60_000).toISOString(),
    })
    expect(audit.errors).toBeUndefined()
    expect(audit.data?.auditLog.some((r: { operation: string }) => r.operation === 'syncCustomers')).toBe(true)
    const channels: Record<string, string> = {
      'service output': services.map((s) => s.output()).join('\n'),
      'service.log (both replicas, the killed one included)': existsSync(join(work, 'service.log')) ? readFileSync(join(work, 'service.log'), 'utf8') : '',
      'sim.log': existsSync(join(work, 'sim.log')) ? readFileSync(join(work, 'sim.log'), 'utf8') : sim.output(),
      'audit trail': JSON.stringify(audit.data?.auditLog),
    }
    expect(channels['service.log (both replicas, the killed one included)'].length).toBeGreaterThan(0)
    const values = planted()
    expect(values.length).toBeGreaterThan(COUNT)
    const leaks: string[] = []
    for (const [name, text] of Object.entries(channels)) {
      const lower = text.toLowerCase()
      for (const v of values) if (lower.includes(v.toLowerCase())) leaks.push(`${name}: ${v.length} chars (${v.includes('@') ? 'email' : 'number'})`)
    }
    expect(leaks).toEqual([])
  }, 180000)
})
