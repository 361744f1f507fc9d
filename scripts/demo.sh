#!/usr/bin/env bash
# The main job (`make demo`): ponte-sim with a seeded demo account, the Ponte service under the
# real @vtex/api runtime with the sim as its proxy, sample queries through the whole chain, and
# the import of the sim ERP's sample catalog with progress (PONTE_DEMO_PRODUCTS/PONTE_DEMO_SKUS,
# default 500/2000, into account $VTEX_ACCOUNT-import; a second run finds everything there),
# then PONTE_DEMO_ORDERS (default 40) orders through the whole flow: shoppers, VTEX's hook/feed/IO
# events, Ponte, the sim's ERP acting back through Ponte's GraphQL.
# It stays up for exploring until Ctrl-C. Expects `make setup node-build sim` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."

ACCOUNT=${VTEX_ACCOUNT:-ponte}
WORKSPACE=${VTEX_WORKSPACE:-master}
DATA_DIR=${PONTE_DEMO_DATA:-.ponte/demo-data}
SIM_BIN=${PONTE_SIM_BIN:-target/debug/ponte-sim}
GRAPHQL="http://localhost:5050/$ACCOUNT/$WORKSPACE/_v/graphql"
mkdir -p "$DATA_DIR" .ponte

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# Waits until FILE has a line matching PATTERN (or the process PID died); prints the line.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 i
  for i in $(seq 1 600); do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "demo: process $pid exited:" >&2; cat "$file" >&2; return 1; fi
    sleep 0.1
  done
  echo "demo: timed out waiting for '$pattern' in $file" >&2
  return 1
}

echo "== ponte-sim (data in $DATA_DIR, demo catalog seeded once)"
"$SIM_BIN" --data-dir "$DATA_DIR" --listen 127.0.0.1:0 --seed demo --account "$ACCOUNT" \
  --app-manifest manifest.json >.ponte/demo-sim.log 2>&1 &
pids+=($!)
sim_line=$(wait_for_line .ponte/demo-sim.log 'ponte-sim listening on' "${pids[0]}")
SIM_URL=${sim_line##* }
echo "   $sim_line"

echo "== Ponte service under the @vtex/api runtime (proxy: $SIM_URL)"
(cd node && PONTE_SIM_URL=$SIM_URL VTEX_ACCOUNT=$ACCOUNT VTEX_WORKSPACE=$WORKSPACE \
  exec node .build/scripts/launch.js) >.ponte/demo-service.log 2>&1 &
pids+=($!)
wait_for_line .ponte/demo-service.log 'ponte-service ready' "${pids[1]}" >/dev/null
echo "   ready on http://localhost:5050 (logs: .ponte/demo-service.log)"

query() {
  curl -sS "$GRAPHQL" -H 'content-type: application/json' -H "x-vtex-account: $ACCOUNT" \
    -H "x-vtex-workspace: $WORKSPACE" -H 'x-vtex-credential: ponte-demo' -d "$1"
}

echo "== Sample: the category tree, through service -> wasm core -> sim"
query '{"query":"{ categoryTree { id name level isLeaf children { id name level isLeaf children { id name isLeaf } } } }"}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.errors){console.log(JSON.stringify(r.errors,null,1));process.exit(1)}
const walk=(n,d)=>{console.log("   "+"  ".repeat(d)+n.id+" "+n.name+(n.isLeaf?"":" /"));(n.children||[]).forEach(c=>walk(c,d+1))};r.data.categoryTree.forEach(n=>walk(n,0))})'

leaf=$(query '{"query":"{ categoryTree { id isLeaf children { id isLeaf children { id isLeaf } } } }"}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);const f=n=>n.isLeaf?n:(n.children||[]).map(f).find(Boolean);console.log(r.data.categoryTree.map(f).find(Boolean).id)})')

echo "== Sample: effective specifications of leaf category $leaf"
query "{\"query\":\"{ category(id: \\\"$leaf\\\") { name path { name } effectiveSpecifications { productFields { name fieldType inheritedFrom { scope categoryName } } skuFields { name fieldType inheritedFrom { scope categoryName } values { name } } } } }\"}" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);if(r.errors){console.log(JSON.stringify(r.errors,null,1));process.exit(1)}
const c=r.data.category;console.log("   "+c.path.map(p=>p.name).join(" > "));
for(const [k,fs] of [["product",c.effectiveSpecifications.productFields],["sku",c.effectiveSpecifications.skuFields]])for(const f of fs)console.log(`   ${k.padEnd(7)} ${f.name.padEnd(22)} ${f.fieldType.padEnd(10)} from ${f.inheritedFrom.scope}${f.inheritedFrom.categoryName?" "+f.inheritedFrom.categoryName:""}${f.values?" ["+f.values.map(v=>v.name).join(", ")+"]":""}`)})'

echo "== Sample: SSO — an Admin token issued by the sim's VTEX ID, checked by the service"
token=$(curl -sS "$SIM_URL/api/vtexid/pub/sim/login?an=$ACCOUNT" -H 'content-type: application/json' \
  -d "{\"email\":\"demo@ponte.example\",\"account\":\"$ACCOUNT\",\"audience\":\"admin\"}" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token))')
for attempt in first second; do
  curl -sS "$GRAPHQL" -H 'content-type: application/json' -H "x-vtex-account: $ACCOUNT" \
    -H "x-vtex-workspace: $WORKSPACE" -H 'x-vtex-credential: ponte-demo' -H "cookie: VtexIdclientAutCookie=$token" \
    -d '{"query":"{ adminSession { email audience verifiedBy expiresAt } }"}' \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);const a=r.data&&r.data.adminSession;console.log("   '"$attempt"' call: "+(a?`${a.email} ${a.audience} verified by ${a.verifiedBy}, expires ${a.expiresAt}`:JSON.stringify(r.errors)))})'
done
curl -sS "$GRAPHQL" -H 'content-type: application/json' -H "x-vtex-account: $ACCOUNT" \
  -H "x-vtex-workspace: $WORKSPACE" -H 'x-vtex-credential: ponte-demo' \
  -d '{"query":"{ adminSession { email } }"}' \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log("   without a token: "+r.errors.map(e=>e.extensions.code).join(", "))})'

IMPORT_ACCOUNT=${PONTE_DEMO_IMPORT_ACCOUNT:-$ACCOUNT-import}
PRODUCTS=${PONTE_DEMO_PRODUCTS:-500}
SKUS=${PONTE_DEMO_SKUS:-2000}
echo "== Sample: import the sim ERP's catalog ($PRODUCTS products, $SKUS SKUs) into account $IMPORT_ACCOUNT"
SIM_URL=$SIM_URL IMPORT_ACCOUNT=$IMPORT_ACCOUNT WORKSPACE=$WORKSPACE PRODUCTS=$PRODUCTS SKUS=$SKUS node - <<'JS'
const { SIM_URL, IMPORT_ACCOUNT: account, WORKSPACE: workspace, PRODUCTS, SKUS } = process.env
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const json = async (res) => { const t = await res.text(); if (!res.ok) throw new Error(`${res.status} ${t}`); return JSON.parse(t) }
;(async () => {
  const batch = await json(await fetch(`${SIM_URL}/_sim/erp/catalog-batch?seed=1&departments=3&categories=40&products=${PRODUCTS}&skus=${SKUS}`))
  const login = await json(await fetch(`${SIM_URL}/api/vtexid/pub/sim/login?an=${account}`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'demo@ponte.example', account, audience: 'admin' }) }))
  const gql = async (query, variables) => {
    const r = await json(await fetch(`http://localhost:5050/${account}/${workspace}/_v/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-vtex-account': account, 'x-vtex-workspace': workspace,
        'x-vtex-credential': 'ponte-demo', authorization: `Bearer ${login.token}` },
      body: JSON.stringify({ query, variables }) }))
    if (r.errors) throw new Error(JSON.stringify(r.errors))
    return r.data
  }
  const count = (k) => batch[k].length
  const skus = batch.products.reduce((n, p) => n + p.skus.length, 0)
  console.log(`   batch: ${count('categories')} categories, ${count('brands')} brands, ${count('specificationGroups')} specification groups, ${count('products')} products, ${skus} SKUs`)
  const options = { activateSkus: true, concurrency: 16 }
  const dry = (await gql('query($b: JSON!, $o: ImportOptionsInput) { validateCatalogBatch(batch: $b, options: $o) { valid errors { path code } summary { creates updates activations unchanged } } }', { b: batch, o: options })).validateCatalogBatch
  console.log(`   dry run: ${dry.valid ? `valid; would create ${dry.summary.creates}, update ${dry.summary.updates}, activate ${dry.summary.activations}, leave ${dry.summary.unchanged} unchanged` : `${dry.errors.length} errors`}`)
  const FIELDS = 'id status stage runs errorCount errors { path code message } summary { creates updates activations unchanged } progress { steps done failed skipped calls retries rateLimited serverErrors reused readMs planMs executeMs stepsPerSecond } phases { phase total done }'
  let job = (await gql(`mutation($b: JSON!, $o: ImportOptionsInput) { importCatalogBatch(batch: $b, options: $o) { ${FIELDS} } }`, { b: batch, o: options })).importCatalogBatch
  console.log(`   job ${job.id}: ${job.status}`)
  const t0 = Date.now()
  let last = ''
  while (job.status === 'QUEUED' || job.status === 'RUNNING') {
    await sleep(1000)
    job = (await gql(`query($id: ID!) { importJob(id: $id) { ${FIELDS} } }`, { id: job.id })).importJob
    const p = job.progress
    const phase = job.phases.find((x) => x.done < x.total)
    const line = `   ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${job.stage.padEnd(9)} ${String(p.done).padStart(6)}/${p.steps} steps` +
      (phase ? `  ${phase.phase} ${phase.done}/${phase.total}` : '') + (p.retries ? `  retries ${p.retries}` : '')
    if (line !== last) console.log(line)
    last = line
  }
  const p = job.progress
  console.log(`   ${job.status}: ${p.done} steps (${job.summary ? `${job.summary.creates} creates, ${job.summary.updates} updates, ${job.summary.activations} activations, ${job.summary.unchanged} unchanged` : 'no plan'})` +
    ` in ${((Date.now() - t0) / 1000).toFixed(1)} s; read ${p.readMs} ms, plan ${p.planMs} ms, execute ${p.executeMs} ms (${p.stepsPerSecond ?? 0} steps/s);` +
    ` ${p.calls} Catalog calls, ${p.retries} retries, ${p.reused} found already there`)
  for (const e of job.errors.slice(0, 10)) console.log(`   ${e.code} at ${e.path}: ${e.message}`)
  const exported = await json(await fetch(`${SIM_URL}/_sim/accounts/${account}/catalog`))
  const active = exported.skus.filter((s) => s.isActive).length
  console.log(`   the sim now holds ${exported.categories.length} categories, ${exported.brands.length} brands, ${exported.products.length} products, ${exported.skus.length} SKUs (${active} active), ${exported.skuImages.length} images`)
})().catch((e) => { console.error(`   import failed: ${e.message}`); process.exit(1) })
JS

ORDERS=${PONTE_DEMO_ORDERS:-40}
echo "== Sample: $ORDERS orders, VTEX -> Ponte -> the sim's ERP -> Ponte -> VTEX (hook, feed and IO events)"
SIM_URL=$SIM_URL ACCOUNT=$ACCOUNT WORKSPACE=$WORKSPACE ORDERS=$ORDERS node - <<'JS'
const { SIM_URL, ACCOUNT, WORKSPACE, ORDERS } = process.env
const fs = require('fs')
const http = require('http')
const SECRET = 'ponte-demo-hook-secret'
const TICK_SECRET = 'ponte-demo-tick-secret'
const sim = async (method, path, body) => {
  const res = await fetch(`${SIM_URL}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}
// A call to VTEX at its real host, through the sim as proxy (as the service's clients do).
const vtex = (method, url, body, headers = {}) => new Promise((done, fail) => {
  const proxy = new URL(SIM_URL)
  const payload = body === undefined ? undefined : JSON.stringify(body)
  const req = http.request({ host: proxy.hostname, port: proxy.port, method, path: url,
    headers: { host: new URL(url).host, 'content-type': 'application/json', ...headers } }, (res) => {
    let text = ''
    res.on('data', (c) => (text += c))
    res.on('end', () => (res.statusCode < 300 ? done(text) : fail(new Error(`${method} ${url}: ${res.statusCode} ${text}`))))
  })
  req.on('error', fail)
  if (payload) req.write(payload)
  req.end()
})
const admin = { 'X-VTEX-API-AppKey': `vtexappkey-${ACCOUNT}-PONTE`, 'X-VTEX-API-AppToken': 'ponte-sim-apptoken' }
const graphql = async (query, variables = {}) => {
  const res = await fetch(`http://localhost:5050/${ACCOUNT}/${WORKSPACE}/_v/graphql`, { method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vtex-account': ACCOUNT, 'x-vtex-workspace': WORKSPACE, 'x-vtex-credential': 'ponte-demo', ...admin },
    body: JSON.stringify({ query, variables }) })
  const json = await res.json()
  if (json.errors) throw new Error(`GraphQL: ${JSON.stringify(json.errors)}`)
  return json.data
}
;(async () => {
  const statuses = ['ready-for-handling', 'handling', 'cancellation-requested', 'invoice', 'invoiced', 'cancel', 'canceled']
  await vtex('PUT', `http://infra.io.vtex.com/apps/v0/${ACCOUNT}/${WORKSPACE}/apps/ponte.ponte/settings`,
    { hookSecret: SECRET, tickSecret: TICK_SECRET, erpEndpoint: 'https://erp.ponte-sim.test/erp', intakeStatuses: statuses })
  await sim('PUT', '/_sim/oms/config', { autoStepMs: 50, cancellationWindowSeconds: 2 })
  await sim('PUT', '/_sim/io', { replicas: ['http://127.0.0.1:5050'], account: ACCOUNT, workspace: WORKSPACE,
    serviceJson: JSON.parse(fs.readFileSync('node/service.json', 'utf8')), events: true })
  // Ponte sets up its own intake: Hook, Feed v3 and the feed tick's vtex.scheduler schedule.
  const { configureOrderIntake: intake } = await graphql(
    'mutation { configureOrderIntake(tickExpression: "0/5 * * ? * *") { hookUrl ok tickExpression tickNextExecution } }')
  console.log(`   intake: hook ${intake.hookUrl}, feed tick "${intake.tickExpression}" (next ${intake.tickNextExecution}), ok: ${intake.ok}`)
  await sim('PUT', '/_sim/erp/orders/config', { graphqlUrls: [`http://127.0.0.1:5050/${ACCOUNT}/${WORKSPACE}/_v/graphql`],
    seed: 1, partialInvoiceRate: 0.3, cancelRate: 0.1, trackingRate: 0.5, actorConcurrency: 64, enabled: true })
  const before = await sim('GET', `/_sim/oms/stats?account=${ACCOUNT}`)
  const t0 = Date.now()
  await sim('POST', '/_sim/oms/shoppers', { account: ACCOUNT, orders: Number(ORDERS), perSecond: 20, seed: Date.now() % 100000, customerCancelRate: 0.05 })
  const target = before.orders + Number(ORDERS)
  for (;;) {
    const oms = await sim('GET', `/_sim/oms/stats?account=${ACCOUNT}`)
    const done = (oms.byStatus.invoiced ?? 0) + (oms.byStatus.canceled ?? 0)
    process.stdout.write(`\r   ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${JSON.stringify(oms.byStatus)}`.padEnd(160))
    if (oms.orders >= target && done >= target) break
    if (Date.now() - t0 > 180000) { console.log('\n   (still going; see the stats below)'); break }
    await new Promise((r) => setTimeout(r, 1000))
  }
  const oms = await sim('GET', `/_sim/oms/stats?account=${ACCOUNT}`)
  const erp = await sim('GET', '/_sim/erp/orders/stats')
  console.log(`\n   OMS: ${oms.orders} orders ${JSON.stringify(oms.byStatus)}; ${oms.accepted} calls accepted, ${oms.refused} refused`)
  console.log(`   ERP: ${erp.handoffs.orders} orders received (${erp.handoffs.duplicates} twice), ${erp.statusNotifications.distinct} status notifications (${erp.statusNotifications.duplicates} twice),` +
    ` ${erp.actions.succeeded}/${erp.actions.attempted} actions through Ponte, refused by Ponte: ${JSON.stringify(erp.actions.refusedByPonte)}`)
  const ids = (await sim('GET', `/_sim/oms/orders?account=${ACCOUNT}&status=invoiced`)).orderIds
  if (ids.length > 0) {
    const q = `{ order(id: "${ids[ids.length - 1]}") { orderId status value invoicedValue handedOffAt timeline { at status cause detail } } }`
    const o = (await graphql(q)).order
    if (o) {
      console.log(`   one order as Ponte saw it: ${o.orderId} ${o.status}, value ${o.value}, invoiced ${o.invoicedValue}, handed off ${o.handedOffAt}`)
      for (const t of o.timeline) console.log(`     ${t.at}  ${(t.status ?? '').padEnd(22)} ${t.cause.padEnd(16)} ${t.detail ?? ''}`)
    }
  }
// A failed sample fails `make demo` (set -e) with its reason, rather than a silent half demo.
})().catch((e) => { console.error(`   orders failed: ${e.message}`); process.exit(1) })
JS

cat <<MSG

GraphQL:   $GRAPHQL
           (POST JSON; headers x-vtex-account: $ACCOUNT, x-vtex-workspace: $WORKSPACE, x-vtex-credential: any)
ponte-sim: $SIM_URL  (VTEX Catalog API; e.g. curl "$SIM_URL/api/catalog_system/pub/category/tree/3?an=$ACCOUNT")
Ctrl-C stops both.
MSG
wait
