#!/usr/bin/env bash
# The main job (`make demo`): ponte-sim with a seeded demo account, the Ponte service under the
# real @vtex/api runtime with the sim as its proxy, and a sample query through the whole chain.
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
"$SIM_BIN" --data-dir "$DATA_DIR" --listen 127.0.0.1:0 --seed demo --account "$ACCOUNT" >.ponte/demo-sim.log 2>&1 &
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

cat <<MSG

GraphQL:   $GRAPHQL
           (POST JSON; headers x-vtex-account: $ACCOUNT, x-vtex-workspace: $WORKSPACE, x-vtex-credential: any)
ponte-sim: $SIM_URL  (VTEX Catalog API; e.g. curl "$SIM_URL/api/catalog_system/pub/category/tree/3?an=$ACCOUNT")
Ctrl-C stops both.
MSG
wait
