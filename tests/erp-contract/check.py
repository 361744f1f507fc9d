#!/usr/bin/env python3
"""The ERP's side of the orders contract (docs/erp-contract.yaml), checked black-box.

1. ponte-sim's ERP (crates/sim/src/erp_orders/) over HTTP: a hand-off, its repeat, a status
   notice, the delivery lookup (stored and unknown), a call without the bearer token and a body
   that is not a delivery. Every request sent is first validated against the contract (so the
   check only sends what the contract describes) and every answer is validated against the
   operation's documented response, with openapi-core.
2. Ponte's own deliveries: the requests its ERP client made in tests/erp-contract/client.test.ts
   (URL, headers, body as given to the HTTP layer), validated as requests of the contract, then
   sent to ponte-sim's ERP, which must store them (200) and count no malformed delivery id.
3. ponte-sim's acting ERP: after a hand-off it calls Ponte's GraphQL; here that endpoint is a
   recorder in this script, answering as Ponte would. Each call must be a request of the
   contract's `POST /_v/graphql` (app key headers, `{query, variables}`) and use the documented
   mutations and queries (startHandling, then order(id), then invoiceOrder, with this plan).
4. Self-test: broken deliveries (a hand-off without `order`, a status in capitals, no delivery
   id header) must be refused by the contract, and the first also by the sim (400).

Usage: check.py PONTE_SIM_BINARY CONTRACT [CAPTURED_JSON]   (starts the sim on a temporary
directory and a free port, stops it at the end)
"""

import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import requests
import yaml
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

ERP = "https://erp.example.com/vtex"  # the contract's default server; requests are validated as if sent there
TOKEN = "erp-contract-token"
ORDER_ID = "v9001pnt-01"

problems = []
rows = []


def validate_request(api, method, path, headers, body):
    """The contract's complaints about a request (empty: it is one the contract describes)."""
    req = MockRequest(ERP, method.lower(), path, headers=headers,
                      data=b"" if body is None else json.dumps(body).encode(),
                      content_type="application/json")
    try:
        api.validate_request(req)
    except Exception as e:  # noqa: BLE001 - any validator error is a complaint
        return req, detail(e)
    return req, []


def detail(exc):
    out, stack, seen = [], [exc], set()
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        for se in getattr(e, "schema_errors", None) or []:
            out.append(f"{'/'.join(str(p) for p in se.absolute_path) or '<body>'}: {se.message}")
        stack += [getattr(e, "__cause__", None), getattr(e, "__context__", None)]
    return out or [f"{type(exc).__name__}: {exc}"]


def send(base, method, path, headers, body=None):
    r = requests.request(method, base + path, headers=headers,
                         data=None if body is None else json.dumps(body), timeout=10)
    return r.status_code, r.content, r.headers.get("Content-Type", "")


def exchange(api, sim_erp, what, method, path, headers, body=None, expect=None):
    """Validates the request, sends it to the sim, validates the answer. Returns (status, json)."""
    req, complaints = validate_request(api, method, path, headers, body)
    for c in complaints:
        problems.append(f"{what}: the request is not the contract's: {c}")
    status, raw, ctype = send(sim_erp, method, path, headers, body)
    ok = not complaints
    if expect is not None and status != expect:
        problems.append(f"{what}: expected HTTP {expect}, got {status}: {raw[:200]!r}")
        ok = False
    resp = MockResponse(raw, status_code=status,
                        content_type=(ctype.split(";")[0].strip() or "application/json"))
    try:
        api.validate_response(req, resp)
    except Exception as e:  # noqa: BLE001
        ok = False
        for c in detail(e):
            problems.append(f"{what}: the answer ({status}) is not the contract's: {c}")
    rows.append((what, f"{method} {path.split('?')[0][:60]}", status, "ok" if ok else "VIOLATION"))
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, None


def headers_for(delivery_id, token=TOKEN):
    h = {"content-type": "application/json", "x-ponte-delivery-id": delivery_id}
    if token:
        h["authorization"] = f"Bearer {token}"
    return h


def delivery(kind, status, previous, changed_at, order_status):
    delivery_id = f"{ORDER_ID}:order" if kind == "order" else f"{ORDER_ID}:status:{status}:{changed_at}"
    return {
        "deliveryId": delivery_id, "kind": kind, "orderId": ORDER_ID, "status": status,
        "previousStatus": previous, "changedAt": changed_at,
        "order": {"orderId": ORDER_ID, "status": order_status, "value": 2499,
                  "items": [{"id": "12", "quantity": 1, "price": 2499}]},
    }


def configure(base, token):
    """The sim's ERP: receive only (no actor), no injected faults, this bearer token."""
    status = send(base, "PUT", "/_sim/erp/orders/config", {"content-type": "application/json"},
                  {"token": token, "enabled": False, "failRate": 0.0, "latencyMs": 0})[0]
    if status != 200:
        problems.append(f"could not configure the sim's ERP (HTTP {status})")


def sim_scenario(api, base):
    sim_erp = base + "/erp"  # the ERP on the sim's own host (origin form), as the erpEndpoint
    configure(base, TOKEN)
    handoff = delivery("order", "ready-for-handling", "window-to-cancel",
                       "2026-11-28T16:46:31.801000000Z", "ready-for-handling")
    notice = delivery("status", "handling", "start-handling", "2026-11-28T17:02:10.000000000Z", "handling")
    enc = urllib.parse.quote(handoff["deliveryId"], safe="")
    exchange(api, sim_erp, "lookup before the hand-off", "GET", f"/orders/deliveries/{enc}",
             headers_for(handoff["deliveryId"]), expect=404)
    _, first = exchange(api, sim_erp, "hand-off", "POST", "/orders",
                        headers_for(handoff["deliveryId"]), handoff, expect=200)
    _, again = exchange(api, sim_erp, "hand-off again", "POST", "/orders",
                        headers_for(handoff["deliveryId"]), handoff, expect=200)
    if (first or {}).get("duplicate") is not False or (again or {}).get("duplicate") is not True:
        problems.append(f"hand-off: the repeat is not answered as a duplicate ({first}, {again})")
    exchange(api, sim_erp, "status notice", "POST", "/orders", headers_for(notice["deliveryId"]),
             notice, expect=200)
    _, found = exchange(api, sim_erp, "lookup after the hand-off", "GET",
                        f"/orders/deliveries/{enc}", headers_for(handoff["deliveryId"]), expect=200)
    if (found or {}).get("count") != 2:
        problems.append(f"lookup: expected the hand-off stored once and received twice, got {found}")
    exchange(api, sim_erp, "hand-off without the token", "POST", "/orders",
             headers_for(handoff["deliveryId"], token=None), handoff, expect=401)
    # The contract's own 400: a body that is not a delivery (sent as is; the request is expected
    # to break the contract, so it is validated separately in the self-test).
    status, raw, _ = send(sim_erp, "POST", "/orders", headers_for("x"), {"kind": "order"})
    rows.append(("not a delivery", "POST /orders", status, "ok" if status == 400 else "VIOLATION"))
    if status != 400:
        problems.append(f"not a delivery: expected 400, got {status}: {raw[:200]!r}")
    check_record(base, ORDER_ID, expected_handoffs=2)  # the hand-off and its repeat


def check_record(base, order_id, expected_handoffs):
    status, raw, _ = send(base, "GET", f"/_sim/erp/orders/{order_id}", {})
    record = json.loads(raw or b"{}") if status == 200 else {}
    if len(record.get("handoffs", [])) != expected_handoffs or record.get("deliveryIdMismatches") != 0:
        problems.append(f"the sim's record of {order_id}: expected {expected_handoffs} hand-off(s) and no "
                        f"malformed delivery id, got HTTP {status} {raw[:300]!r}")


def ponte_deliveries(api, base, captured_path):
    with open(captured_path, encoding="utf-8") as f:
        captured = json.load(f)
    endpoint = captured["endpoint"]
    auth = {r["headers"].get("authorization", "") for r in captured["requests"]}
    tokens = {a.removeprefix("Bearer ") for a in auth if a.startswith("Bearer ")}
    if len(tokens) != 1:
        problems.append(f"Ponte's requests should all carry one bearer token, got {len(tokens)}")
    configure(base, next(iter(tokens), None))
    sent = 0
    order_ids = set()
    # Ponte calls the ERP through VTEX IO's outbound proxy: plain HTTP with X-Vtex-Use-Https,
    # which the proxy sends on over HTTPS (node/clients/erp.ts). The endpoint is https only.
    via_proxy = endpoint.replace("https://", "http://", 1)
    if not endpoint.startswith("https://"):
        problems.append(f"the ERP endpoint must be https: {endpoint}")
    for i, r in enumerate(captured["requests"]):
        upgraded = {k.lower(): v for k, v in r["headers"].items()}.get("x-vtex-use-https") == "true"
        if not (upgraded and r["url"].startswith(via_proxy + "/")):
            problems.append(
                f"Ponte's request {i} is not to the ERP endpoint through the proxy over HTTPS: {r['url']}"
            )
            continue
        path = r["url"][len(via_proxy):]
        what = f"Ponte's {r['method']} {r.get('body', {}).get('kind', 'lookup') if r.get('body') else 'lookup'}"
        if r["method"] == "POST":
            sent += 1
            order_ids.add(r["body"].get("orderId"))
            exchange(api, base + "/erp", what, "POST", path, r["headers"], r["body"], expect=200)
        else:
            _, complaints = validate_request(api, "GET", path, r["headers"], None)
            for c in complaints:
                problems.append(f"{what}: the request is not the contract's: {c}")
            rows.append((what, f"GET {path[:60]}", "-", "ok" if not complaints else "VIOLATION"))
    if sent < 2:
        problems.append(f"expected Ponte's hand-off and status notice, captured {sent} deliveries")
    for order_id in order_ids:
        check_record(base, order_id, expected_handoffs=1)


PONTE_HOST = "https://app.io.vtex.com"
PONTE_GRAPHQL_PATH = "/ponte.ponte/v0/ponte/master/_v/graphql"  # the contract's server, defaults
DOCUMENTED_FIELDS = {"startHandling", "invoiceOrder", "cancelOrder", "updateTracking", "changeOrder",
                     "order", "orderChange"}


class FakePonte(BaseHTTPRequestHandler):
    """Ponte's GraphQL as the ERP sees it: records each call, answers success."""
    calls = []

    def do_POST(self):  # noqa: N802 - http.server's name
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        FakePonte.calls.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        query = (body or {}).get("query", "") if isinstance(body, dict) else ""
        variables = (body or {}).get("variables") or {} if isinstance(body, dict) else {}
        field = (re.search(r"\{\s*(\w+)\s*\(", query) or [None, None])[1]
        order_id = variables.get("orderId") or variables.get("id")
        if field == "order":
            data = {"order": {"orderId": order_id, "status": "handling", "value": 2499, "invoicedValue": 0}}
        else:
            expected = {"startHandling": "handling", "invoiceOrder": "invoiced"}.get(field)
            data = {field: {"orderId": order_id, "action": field, "expectedStatus": expected,
                            "receipt": "r-1", "date": None}}
        out = json.dumps({"data": data}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


def acting_erp(api, base):
    send(base, "DELETE", "/_sim/erp/orders", {})  # no earlier hand-off for the actor to resume
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePonte)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ponte/master/_v/graphql"
        status = send(base, "PUT", "/_sim/erp/orders/config", {"content-type": "application/json"}, {
            "token": None, "enabled": True, "graphqlUrls": [url], "startHandlingDelayMs": 0,
            "invoiceDelayMs": 0, "pollIntervalMs": 50, "handlingWaitMs": 3000, "cancelRate": 0.0,
            "partialInvoiceRate": 0.0, "trackingRate": 0.0, "changeRate": 0.0})[0]
        if status != 200:
            problems.append(f"could not point the sim's acting ERP at the recorder (HTTP {status})")
            return
        order_id = "v9002pnt-01"
        handoff = dict(delivery("order", "ready-for-handling", "window-to-cancel", "2026-11-28T16:46:31Z",
                                "ready-for-handling"), deliveryId=f"{order_id}:order", orderId=order_id)
        handoff["order"] = dict(handoff["order"], orderId=order_id)
        exchange(api, base + "/erp", "hand-off to the acting ERP", "POST", "/orders",
                 headers_for(handoff["deliveryId"], token=None), handoff, expect=200)
        deadline = time.time() + 10
        while time.time() < deadline and not any(
                "invoiceOrder" in ((c["body"] or {}).get("query") or "") for c in FakePonte.calls):
            time.sleep(0.1)
    finally:
        send(base, "PUT", "/_sim/erp/orders/config", {"content-type": "application/json"}, {"enabled": False})
        server.shutdown()
    fields = []
    for i, call in enumerate(FakePonte.calls):
        body = call["body"]
        query = body.get("query", "") if isinstance(body, dict) else ""
        field = (re.search(r"\{\s*(\w+)\s*\(", query) or [None, None])[1]
        fields.append(field)
        req = MockRequest(PONTE_HOST, "post", PONTE_GRAPHQL_PATH, headers=call["headers"],
                          data=json.dumps(body).encode(), content_type="application/json")
        complaints = []
        try:
            api.validate_request(req)
        except Exception as e:  # noqa: BLE001
            complaints = detail(e)
        if field not in DOCUMENTED_FIELDS:
            complaints.append(f"{field!r} is not an operation the contract documents")
        names = {k.lower() for k in call["headers"]}
        if not {"x-vtex-api-appkey", "x-vtex-api-apptoken"} <= names:
            complaints.append("no app key headers")
        for c in complaints:
            problems.append(f"the acting ERP's call {i} ({field}): {c}")
        rows.append((f"acting ERP: {field}", "POST /_v/graphql", 200, "ok" if not complaints else "VIOLATION"))
    seen = [f for f in fields if f != "order"]
    if seen[:2] != ["startHandling", "invoiceOrder"]:
        problems.append(f"the acting ERP should start handling, then invoice; it called {fields}")


def self_test(api, base):
    """Broken deliveries must be refused: the check can fail."""
    handoff = delivery("order", "ready-for-handling", "window-to-cancel", "2026-11-28T16:46:31Z",
                       "ready-for-handling")
    no_order = {k: v for k, v in handoff.items() if k != "order"}
    capitals = dict(handoff, status="Ready For Handling")
    cases = [
        ("a hand-off without order", headers_for(handoff["deliveryId"]), no_order),
        ("a status not in VTEX's API form", headers_for(handoff["deliveryId"]), capitals),
        ("no x-ponte-delivery-id header", {"content-type": "application/json"}, handoff),
    ]
    configure(base, TOKEN)
    for what, headers, body in cases:
        _, complaints = validate_request(api, "POST", "/orders", headers, body)
        if complaints:
            print(f"  self-test ok: the contract refuses {what}: {complaints[0][:110]}")
        else:
            problems.append(f"self-test: the contract accepted {what}")
    req = MockRequest(PONTE_HOST, "post", PONTE_GRAPHQL_PATH, headers={},
                      data=json.dumps({"variables": {}}).encode(), content_type="application/json")
    try:
        api.validate_request(req)
        problems.append("self-test: the contract accepted a GraphQL call without a query")
    except Exception as e:  # noqa: BLE001
        print(f"  self-test ok: the contract refuses a GraphQL call without a query: {detail(e)[0][:80]}")
    status, _, _ = send(base + "/erp", "POST", "/orders", headers_for(handoff["deliveryId"]), no_order)
    if status == 400:
        print("  self-test ok: the sim's ERP refuses a hand-off without order (400)")
    else:
        problems.append(f"self-test: the sim's ERP answered {status} to a hand-off without order")


def start_sim(binary, data_dir):
    """ponte-sim on a free port; returns (process, base URL)."""
    proc = subprocess.Popen([binary, "--data-dir", data_dir, "--listen", "127.0.0.1:0",
                             "--app-manifest", str(Path(__file__).resolve().parents[2] / "manifest.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("ponte-sim listening on "):
            # Keep reading what it prints so a full pipe never blocks it.
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, line.split(" on ", 1)[1].strip().rstrip("/")
    proc.wait()
    raise SystemExit(f"erp-contract: ponte-sim exited ({proc.returncode}) before listening")


def main():
    with open(sys.argv[2], encoding="utf-8") as f:
        api = OpenAPI.from_dict(yaml.safe_load(f))
    with tempfile.TemporaryDirectory() as data_dir:
        proc, base = start_sim(sys.argv[1], data_dir)
        try:
            return check(api, base)
        finally:
            proc.terminate()
            proc.wait()


def check(api, base):
    sim_scenario(api, base)
    if len(sys.argv) > 3:
        send(base, "DELETE", "/_sim/erp/orders", {})
        ponte_deliveries(api, base, sys.argv[3])
    acting_erp(api, base)
    self_test(api, base)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'exchange':<{width}}  {'request':<62} status  contract")
    for what, req, status, verdict in rows:
        print(f"{what:<{width}}  {req:<62} {status!s:>6}  {verdict}")
    if problems:
        print(f"\n{len(problems)} contract problem(s):")
        for p in problems:
            print(f"  {p}")
        return 1
    print(f"\nerp-contract: {len(rows)} exchanges match docs/erp-contract.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
