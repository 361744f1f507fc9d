"""The OMS and Feed v3/Hook part of the contract check, against spec/orders-api.json.

Scenario (simulated time moved with `POST /_sim/clock/advance`, so nothing waits 30 minutes):
1. Feed configuration `POST` (a `FromOrders` one, then the `FromWorkflow` one kept) and `GET`
   (app key, and once with `VtexIdclientAutCookie`); hook configuration `POST` to a receiver
   this check runs on 127.0.0.1 (the hook URL is `https://127.0.0.1:{port}/hook`: a host that is
   not `*.myvtex.com` gets a plain HTTP `POST`, the simulator's documented [emulator choice],
   so no IO router setup is needed; the receiver answers `200` to the ping and to every
   notification) and `GET`; `POST /api/orders/expressions/jsonata` (true, false, invalid).
2. Three orders from `POST /_sim/oms/orders`. Order B is canceled at once (`cancel` before
   handling); start-handling on order A while it is not ready is refused (`409 OMS003`, the
   one documented error body, validated).
3. The clock passes the cancellation window: A and C are `ready-for-handling`. A:
   start-handling, changes v1 (one item removed; the same `requestId` again), Output invoice
   of the whole rest, tracking `PATCH`, tracking events `PUT`, return (Input) invoice; Get
   order in every state reached (ready, handling, changed, invoiced). D: order modifications
   (change v2, see changes_v2 below: settings, preview, PATCH, history, details, retry,
   cancel, processing on the clock, refusals). C: cancel in
   `ready-for-handling` (two-step: `cancellation-requested`), Get order, deny (not in the
   spec), Get order. Refusals: cancel of the invoiced A, tracking on an unknown invoice, Get
   order of an unknown id.
4. Feed `GET ?maxlot=10` and commit (`POST /api/orders/feed`) until empty, `?maxlot=11`
   refused; the hook notifications received so far are validated against the schema the spec
   gives them (see HOOK_NOTIFICATION) and must carry the configured headers; hook and feed
   configurations deleted.

Every call states the status it expects and the Get orders the order status they expect: a
simulator that goes off the script is a `scenario` violation (never allowed), so a refusal
cannot quietly stand in for the success the later calls depend on. Not in orders-api.json and
so only recorded: deny-cancellation-request. The spec has no Feed v3 `origin`, and documents
error bodies only for start-handling (see allowances.py for what is forgiven).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from contract import COOKIE_HEADERS, call, scenario, sim, validate_schema

ORDER = "/api/oms/pvt/orders"
GET_ORDER = "GET /api/oms/pvt/orders/{orderId}"
# The hook notification body (PascalCase `Domain, OrderId, State, ...`, §B.5). The spec
# has no operation for it: it attaches this schema (titled `HookConfiguration`) to the `200` of
# `POST /api/orders/hook/config` instead, so notifications are validated against it here.
HOOK_NOTIFICATION = ["paths", "/api/orders/hook/config", "post", "responses", "200", "content",
                     "application/json", "schema"]
HOOK_NOTIFICATION_OP = "(hook notification POST {hook.url}, HookConfiguration schema)"
FEED_STATUSES = ["ready-for-handling", "handling", "invoiced", "cancellation-requested",
                 "canceled"]
HOOK_STATUSES = ["ready-for-handling", "handling", "invoiced", "canceled"]


class HookReceiver:
    """A tiny HTTP server the simulator's hook posts to; answers 200 and keeps the bodies."""

    def __init__(self):
        self.pings = []
        self.notifications = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                with receiver.lock:
                    entry = (dict(self.headers), body)
                    if body == {"hookConfig": "ping"}:
                        receiver.pings.append(entry)
                    else:
                        receiver.notifications.append(entry)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def advance(base, ms):
    status, body = sim(base, "POST", "/_sim/clock/advance", {"ms": ms})
    if status != 200:
        raise RuntimeError(f"clock advance answered {status}: {body}")


def create_order(base, items, shipping=0):
    status, body = sim(base, "POST", "/_sim/oms/orders",
                       {"items": items, "shippingValue": shipping})
    if status != 201 or not isinstance(body, dict):
        raise RuntimeError(f"POST /_sim/oms/orders answered {status}: {body}")
    return body["orderId"]


def get_order(rec, base, order_id, status=None):
    """Get order (validated); with `status`, the order must be in it (a `scenario` finding
    otherwise)."""
    code, body = call(rec, base, "GET", f"{ORDER}/{order_id}", expect=200)
    order = body if code == 200 and isinstance(body, dict) else {}
    if status is not None:
        scenario(rec, GET_ORDER, order.get("status") == status,
                 f"order {order_id}: expected status {status}, got {order.get('status')!r}")
    return order


def wait_for(predicate, seconds=5.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def feed_queued(base):
    _, stats = sim(base, "GET", "/_sim/broadcast/stats")
    feed = (stats or {}).get("feed") or {}
    return feed.get("queued", 0) + feed.get("inflight", 0)


CHANGES_V2 = "/api/order-system/orders"
V2_CREATE = "PATCH /api/order-system/orders/{changeOrderId}/changes"
V2_HISTORY = "GET /api/order-system/orders/{changeOrderId}/changes"
V2_DETAILS = "GET /api/order-system/orders/{changeOrderId}/changes/{changeRequestId}"


def changes_v2(rec, base, d, a):
    """Order modifications (change v2) on order D in `handling`: settings, preview, a change
    applied at once, the history (the reason exactly as sent), details, retry and cancel
    refused on a done request; with `changeProcessingMs` > 0 a change in progress canceled and
    another retried; refusals: a second change while one is in progress, an order that has a
    change v1 (A), an unknown order and request."""
    settings = f"{CHANGES_V2}/changes/settings?an=ponte"
    call(rec, base, "GET", settings, expect=200)
    call(rec, base, "PUT", settings, {
        "paymentConfiguration": {"customPaymentSystemsAllowed": ["201"]},
        "rolloutConfiguration": {"enableApi": True,
                                 "enableAdminOrders": {"enabledWorkspaces": ["*"]},
                                 "enableMyOrders": {"enabledWorkspaces": ["master"]}},
        "pipelineConfiguration": {"enableTaxHubRecalculation": False,
                                  "compensateShippingChanges": True,
                                  "enablePromotionRecalculation": False,
                                  "enableNativeTaxRecalculation": False},
    }, expect=200)
    reason = "[ponte:contract-v2-1] Item 2 out of stock"
    change = {"reason": reason,
              "remove": {"items": [{"id": "2", "quantity": 1, "price": 500}]},
              "add": {"items": [{"id": "5", "quantity": 1, "price": 250}]},
              "manualDiscountValue": 50, "manualIncrementValue": 0}
    _, preview = call(rec, base, "POST", f"{CHANGES_V2}/{d}/changes/preview?an=ponte",
                      dict(change, replace=[]), expect=200)
    scenario(rec, "POST /api/order-system/orders/{changeOrderId}/changes/preview",
             isinstance(preview, dict) and preview.get("totalChangeValue") == -300,
             f"preview: expected totalChangeValue -300, got {preview}")
    _, accepted = call(rec, base, "PATCH", f"{CHANGES_V2}/{d}/changes?accountName=ponte",
                       change, expect=202)
    rid = (accepted or {}).get("requestId") if isinstance(accepted, dict) else None
    value = get_order(rec, base, d, "handling").get("value")
    scenario(rec, GET_ORDER, value == 3200 + 250 - 50,
             f"order {d}: value after the change v2 {value}, expected 3400")
    _, history = call(rec, base, "GET", f"{CHANGES_V2}/{d}/changes?an=ponte", expect=200)
    requests = (history or {}).get("requests") or [] if isinstance(history, dict) else []
    scenario(rec, V2_HISTORY, [r.get("reason") for r in requests] == [reason]
             and requests[0].get("requestId") == rid,
             f"history: expected the one request with the reason as sent, got {history}")
    _, details = call(rec, base, "GET", f"{CHANGES_V2}/{d}/changes/{rid}?an=ponte", expect=200)
    scenario(rec, V2_DETAILS, isinstance(details, dict) and details.get("status") == "done"
             and details.get("inProgress") is False, f"details: expected done, got {details}")
    call(rec, base, "POST", f"{CHANGES_V2}/{d}/changes/{rid}/retry?an=ponte",
         {"reason": "again"}, expect=409)  # done: SalesOrderSystem016
    call(rec, base, "POST", f"{CHANGES_V2}/{d}/changes/{rid}/cancel?an=ponte",
         {"reason": "too late"}, expect=409)  # done: OMS012
    call(rec, base, "GET", f"{CHANGES_V2}/{d}/changes/00000000-0000-4000-8000-000000000000"
         "?an=ponte", expect=404)  # CHK0289
    # Processing on the clock: in progress until the simulated clock passes it.
    sim(base, "PUT", "/_sim/oms/config", {"changeProcessingMs": 60000})
    _, pending = call(rec, base, "PATCH", f"{CHANGES_V2}/{d}/changes?accountName=ponte",
                      {"reason": "[ponte:contract-v2-2] goodwill", "manualDiscountValue": 100},
                      expect=202)
    pending_id = (pending or {}).get("requestId") if isinstance(pending, dict) else None
    _, details = call(rec, base, "GET", f"{CHANGES_V2}/{d}/changes/{pending_id}?an=ponte",
                      expect=200)
    scenario(rec, V2_DETAILS, isinstance(details, dict) and details.get("inProgress") is True,
             f"details: expected inProgress, got {details}")
    call(rec, base, "PATCH", f"{CHANGES_V2}/{d}/changes?accountName=ponte",
         {"reason": "second", "manualDiscountValue": 1}, expect=409)  # SalesOrderSystem014
    call(rec, base, "POST", f"{CHANGES_V2}/{d}/changes/{pending_id}/cancel?an=ponte",
         {"reason": "The customer changed their mind"}, expect=200)
    _, pending = call(rec, base, "PATCH", f"{CHANGES_V2}/{d}/changes?accountName=ponte",
                      {"reason": "[ponte:contract-v2-3] goodwill", "manualIncrementValue": 100},
                      expect=202)
    pending_id = (pending or {}).get("requestId") if isinstance(pending, dict) else None
    call(rec, base, "POST", f"{CHANGES_V2}/{d}/changes/{pending_id}/retry?an=ponte",
         {"reason": "[ponte:contract-v2-3] goodwill"}, expect=204)
    sim(base, "PUT", "/_sim/oms/config", {"changeProcessingMs": 0})
    value = get_order(rec, base, d, "handling").get("value")
    scenario(rec, GET_ORDER, value == 3400 + 100,
             f"order {d}: value after the retried change {value}, expected 3500")
    # Refusals.
    call(rec, base, "PATCH", f"{CHANGES_V2}/{a}/changes?accountName=ponte",
         {"reason": "v2 after v1", "manualDiscountValue": 1}, expect=409)  # SalesOrderSystem015
    call(rec, base, "PATCH", f"{CHANGES_V2}/0000000000000-01/changes?accountName=ponte",
         {"reason": "unknown", "manualDiscountValue": 1}, expect=404)  # CHK0201
    call(rec, base, "PATCH", f"{CHANGES_V2}/{d}/changes?accountName=ponte",
         {"reason": "too much", "manualDiscountValue": 999999}, expect=400)  # CHK0034


def exercise(rec, base):
    receiver = HookReceiver()
    try:
        _exercise(rec, base, receiver)
    finally:
        receiver.close()


def _exercise(rec, base, receiver):
    # Steady timings: platform steps every 100 ms of simulated time, the 30 min window.
    sim(base, "PUT", "/_sim/oms/config", {"autoStepMs": 100, "cancellationWindowSeconds": 1800,
                                           "startHandlingConfirmMs": 100, "cancelConfirmMs": 100,
                                           "settlementMs": 100, "twoStepCancel": True,
                                           "invoiceNumberReuse": "newReceipt"})
    # 1. Feed, hook, JSONata.
    call(rec, base, "POST", "/api/orders/feed/config", {
        "filter": {"type": "FromOrders", "expression": "status = \"ready-for-handling\"",
                   "disableSingleFire": False},
        "queue": {"visibilityTimeoutInSeconds": 250, "MessageRetentionPeriodInSeconds": 345600},
    }, expect=200)
    call(rec, base, "POST", "/api/orders/feed/config", {
        "filter": {"type": "FromWorkflow", "status": FEED_STATUSES},
        "queue": {"visibilityTimeoutInSeconds": 240, "MessageRetentionPeriodInSeconds": 345600},
    }, expect=200)
    call(rec, base, "GET", "/api/orders/feed/config", expect=200)
    call(rec, base, "GET", "/api/orders/feed/config", headers=COOKIE_HEADERS, expect=200)
    call(rec, base, "POST", "/api/orders/hook/config", {
        "filter": {"type": "FromWorkflow", "status": HOOK_STATUSES},
        "hook": {"url": f"https://127.0.0.1:{receiver.port}/hook",
                 "headers": {"key": "ponte-contract-check"}},
    }, expect=200)
    scenario(rec, HOOK_NOTIFICATION_OP, bool(receiver.pings), "the hook ping never arrived")
    call(rec, base, "GET", "/api/orders/hook/config", expect=200)
    jsonata = "POST /api/orders/expressions/jsonata"
    _, yes = call(rec, base, "POST", "/api/orders/expressions/jsonata", {
        "Expression": "status = \"canceled\"", "Document": json.dumps({"status": "canceled"}),
    }, expect=200)
    _, no = call(rec, base, "POST", "/api/orders/expressions/jsonata", {
        "Expression": "value > 1000", "Document": json.dumps({"value": 10}),
    }, expect=200)
    scenario(rec, jsonata, yes is True and no is False, f"expected true, false; got {yes}, {no}")
    call(rec, base, "POST", "/api/orders/expressions/jsonata", {
        "Expression": "status = ", "Document": json.dumps({"status": "canceled"}),
    }, expect=400)

    # 2. Orders.
    a = create_order(base, [{"id": "1", "quantity": 2, "price": 1000, "name": "Shirt"},
                            {"id": "2", "quantity": 1, "price": 500, "listPrice": 700}], 300)
    b = create_order(base, [{"id": "3", "quantity": 1, "price": 2500}])
    c = create_order(base, [{"id": "1", "quantity": 1, "price": 1000}], 150)
    d = create_order(base, [{"id": "1", "quantity": 3, "price": 1000},
                            {"id": "2", "quantity": 1, "price": 500}], 200)
    get_order(rec, base, b)
    call(rec, base, "POST", f"{ORDER}/{b}/cancel", {"reason": "Customer gave up"}, expect=200)
    call(rec, base, "POST", f"{ORDER}/{a}/start-handling", expect=409)  # not ready: OMS003

    # 3. Past the cancellation window.
    advance(base, 1801 * 1000)
    get_order(rec, base, a, "ready-for-handling")
    call(rec, base, "POST", f"{ORDER}/{a}/start-handling", expect=204)
    call(rec, base, "POST", f"{ORDER}/{d}/start-handling", expect=204)
    advance(base, 1000)
    get_order(rec, base, a, "handling")
    get_order(rec, base, d, "handling")
    change = {"requestId": "contract-change-1", "reason": "Item out of stock",
              "discountValue": 0, "incrementValue": 0,
              "itemsRemoved": [{"id": "2", "price": 500, "quantity": 1}], "itemsAdded": []}
    _, first = call(rec, base, "POST", f"{ORDER}/{a}/changes", change, expect=200)
    _, again = call(rec, base, "POST", f"{ORDER}/{a}/changes", change, expect=200)
    scenario(rec, "POST /api/oms/pvt/orders/{orderId}/changes",
             isinstance(first, dict) and isinstance(again, dict)
             and first.get("receipt") == again.get("receipt"),
             f"a repeated requestId must answer the first receipt: {first} then {again}")
    changes_v2(rec, base, d, a)
    _, listed = call(rec, base, "GET", f"{ORDER}?f_status=handling&per_page=100", expect=200)
    ids = [o.get("orderId") for o in (listed or {}).get("list", [])] if isinstance(listed, dict) else []
    scenario(rec, "GET /api/oms/pvt/orders", a in ids and d in ids,
             f"List orders f_status=handling: expected {a} and {d} among {ids}")
    value = get_order(rec, base, a, "handling").get("value")
    scenario(rec, GET_ORDER, value == 2300, f"order {a}: value after the change {value}, "
             "expected 2300 (2 x 1000 + 300 shipping)")
    call(rec, base, "POST", f"{ORDER}/{a}/invoice", {
        "type": "Output", "issuanceDate": "2026-11-28T12:00:00-03:00",
        "invoiceNumber": "NF-CONTRACT-1", "invoiceValue": str(value or 2300),
        "invoiceKey": None, "invoiceUrl": None, "embeddedInvoice": None,
        "courier": "", "trackingNumber": "", "trackingUrl": "", "dispatchedDate": None,
        "items": [{"id": "1", "price": 1000, "quantity": 2}],
    }, expect=200)
    call(rec, base, "PATCH", f"{ORDER}/{a}/invoice/NF-CONTRACT-1", {
        "trackingNumber": "TRK-1", "trackingUrl": "https://track.example/TRK-1",
        "courier": "Correios", "dispatchedDate": "2026-11-28T15:00:00-03:00",
    }, expect=200)
    call(rec, base, "PUT", f"{ORDER}/{a}/invoice/NF-CONTRACT-1/tracking", {
        "isDelivered": True, "deliveredDate": "2026-11-30 10:00",
        "events": [{"city": "Rio de Janeiro", "state": "RJ", "description": "Delivered",
                    "date": "2026-11-30"}],
    }, expect=200)
    advance(base, 1000)
    get_order(rec, base, a, "invoiced")
    call(rec, base, "POST", f"{ORDER}/{a}/invoice", {
        "type": "Input", "issuanceDate": "2026-12-02T12:00:00-03:00",
        "invoiceNumber": "RET-CONTRACT-1", "invoiceValue": "1000",
        "items": [{"id": "1", "price": 1000, "quantity": 1, "description": "Too small"}],
    }, expect=200)
    packages = (get_order(rec, base, a, "invoiced").get("packageAttachment") or {})
    scenario(rec, GET_ORDER, len(packages.get("packages") or []) == 2,
             f"order {a}: expected the sales and the return invoice packages")
    # C: two-step cancel in ready-for-handling, then deny.
    call(rec, base, "POST", f"{ORDER}/{c}/cancel", {"reason": "Customer asked"}, expect=200)
    requests = get_order(rec, base, c, "cancellation-requested").get("cancellationRequests") or []
    if requests:
        call(rec, base, "POST", f"/api/orders/pvt/document/{c}/deny-cancellation-request",
             {"cancellationRequestId": requests[-1].get("id"), "denyReason": "Already packed"},
             expect=200)
        get_order(rec, base, c, "ready-for-handling")
    get_order(rec, base, b, "canceled")
    # Refusals whose statuses the spec does not list.
    call(rec, base, "POST", f"{ORDER}/{a}/cancel", {"reason": "Too late"}, expect=400)
    call(rec, base, "PATCH", f"{ORDER}/{a}/invoice/NF-UNKNOWN", {
        "trackingNumber": "X", "trackingUrl": None, "courier": None, "dispatchedDate": None,
    }, expect=404)
    call(rec, base, "GET", f"{ORDER}/0000000000000-01", expect=404)

    # 4. Feed receive and commit, hook notifications.
    feed = "GET /api/orders/feed"
    scenario(rec, feed, wait_for(lambda: feed_queued(base) > 0), "no feed item was queued")
    taken = set()
    for _ in range(6):
        status, items = call(rec, base, "GET", "/api/orders/feed?maxlot=10", expect=200)
        items = [i for i in items or [] if isinstance(i, dict)]
        if status != 200 or not items:
            break
        taken.update((i.get("orderId"), i.get("state")) for i in items)
        call(rec, base, "POST", "/api/orders/feed", {"handles": [i.get("handle") for i in items]},
             expect=200)
    scenario(rec, feed, (a, "invoiced") in taken and (b, "canceled") in taken,
             f"the feed should have carried {a} invoiced and {b} canceled; took {sorted(taken)}")
    call(rec, base, "GET", "/api/orders/feed?maxlot=11", expect=400)
    wait_for(lambda: any(isinstance(n, dict) and n.get("OrderId") == a
                         and n.get("State") == "invoiced" for _, n in receiver.notifications))
    with receiver.lock:
        notifications = list(receiver.notifications)
    scenario(rec, HOOK_NOTIFICATION_OP, bool(notifications), "no hook notification arrived")
    for headers, body in notifications:
        validate_schema(rec, HOOK_NOTIFICATION_OP, HOOK_NOTIFICATION, body)
        sent = {k.lower(): v for k, v in headers.items()}
        scenario(rec, HOOK_NOTIFICATION_OP, sent.get("key") == "ponte-contract-check",
                 "a notification without the configured headers")
    call(rec, base, "DELETE", "/api/orders/hook/config", expect=200)
    call(rec, base, "DELETE", "/api/orders/feed/config", expect=200)
