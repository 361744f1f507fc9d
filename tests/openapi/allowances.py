"""Every finding the contract check forgives, and why: the one table.

An entry is (spec, operation, kind, substring, reason):
- spec: "catalog" (catalog-api.json), "orders" (orders-api.json), "payments"
  (payment-provider-protocol.json, the connector's answers, payments.py) or "*";
- spec: "catalog" (catalog-api.json), "orders" (orders-api.json), "md"
  (masterdata-api-v1.json) or "*";
- operation: "METHOD /spec/path" (or a pseudo-operation the check names, see orders.py), or "*";
- kind: "request", "response", "status", "unknown-operation" or "undocumented" (contract.py);
- substring: a substring of the validator's message ("path/in/body: message"), "" for any.

Reasons start with what the finding is: "spec defect" (the spec contradicts VTEX's documented
or observed behaviour), "[emulator default]" (a choice docs/vtex documents where VTEX is silent),
"check limit" (what this check cannot decide), or "sim bug, reported" (a real defect of the
simulator, reported to the lead; the entry goes when the simulator is fixed).
"""

GET_ORDER = "GET /api/oms/pvt/orders/{orderId}"

ALLOWANCES = [
    # ----- both specs -----
    ("*", "*", "unknown-operation", "",
     "check limit: endpoints the simulator serves that this spec revision does not document "
     "(Catalog: the public `groupget`/`fieldget` reads; OMS: deny-cancellation-request, which "
     "orders-api.json does not list): nothing to validate against"),

    # ----- catalog-api.json -----
    ("catalog", "*", "status", "",
     "error answers (4xx/5xx): VTEX documents few error statuses and no error bodies; the "
     "simulator answers VTEX's observed ones (a `Message`, plus Ponte's `code`), which the "
     "spec does not list, so only their status is recorded"),
    ("catalog", "*", "response", "None for not nullable",
     "nulls: VTEX's spec types fields as plain string/integer/number that VTEX itself returns "
     "as null (LinkId, Title, DescriptionShort, ... on a fresh entity; never-set codes such as "
     "TaxCode, ManufacturerCode and the campaign codes read as \"\" and RewardValue as 0, as "
     "VTEX's examples show them); the spec has no `nullable`, so a null is not held against "
     "the simulator"),
    ("catalog", "*", "response", "None is not of type",
     "nulls (the same finding as the validator words it for the type)"),
    ("catalog", "*", "request", "'Id' is a required property",
     "create/update bodies: the spec marks `Id` required in bodies of endpoints that assign "
     "it (brand create) or take it from the path; the checks do not send an id VTEX ignores"),
    ("catalog", "GET /api/catalog_system/pub/category/tree/{categoryLevels}", "response",
     "is not of type 'string'",
     "spec defect: below the second level the spec types `children` items as strings, while "
     "VTEX (and the simulator) return the same category objects at every level"),

    # ----- orders-api.json -----
    ("orders", "*", "status", "",
     "[emulator default] (§A.10, §B): error statuses the operation does not list "
     "(404 unknown order on Get order, 400 OMS005 cancel of an invoiced order, 404 OMS006 "
     "unknown invoice, 400 FEED_MAXLOT_INVALID, 400 JSONATA_INVALID ...): VTEX documents no "
     "body for them; the simulator answers the OMS envelope {error:{code,message,exception}}, "
     "so only their status is recorded. Documented error statuses (start-handling 409) are "
     "validated like a success"),
    # Nulls in Get order where orders-api.json types the field as a plain (not `nullable`)
    # string/integer. Each entry is one field; the needle matches both wordings of the finding
    # ("None for not nullable", "None is not of type").
    ("orders", GET_ORDER, "response", "/costPrice: None",
     "spec defect: VTEX returns `items[].costPrice: null` for an item without a cost price; "
     "the spec's own order-group example has `\"costPrice\": null`"),
    ("orders", GET_ORDER, "response", "marketplaceServicesEndpoint: None",
     "spec defect: VTEX returns `marketplaceServicesEndpoint: null` on orders no marketplace "
     "takes post-purchase calls for (the spec's order-group example has it null)"),
    ("orders", GET_ORDER, "response", "shippingData/address/complement: None",
     "spec defect: an address field the shopper left blank is null in VTEX's orders (the spec "
     "itself marks the pickup point address `complement` nullable); the simulator's shoppers "
     "have no complement"),
    ("orders", GET_ORDER, "response", "/embeddedInvoice: None",
     "spec defect: the invoice request schema marks `embeddedInvoice` nullable and VTEX keeps "
     "it as sent; the check invoices with `embeddedInvoice: null` (§A.7's example), "
     "so the package echoes null"),
    ("orders", GET_ORDER, "response", "/volumes: None",
     "spec defect: the invoice request has no `volumes`, so a package created through the API "
     "has `volumes: null` in VTEX's Get order, as the simulator answers"),
    ("orders", GET_ORDER, "response", "/shippingEstimateDate: None",
     "emulator default: `shippingData.logisticsInfo[].shippingEstimateDate` is 'defined after "
     "the confirmation of the order' (the spec), so it is null until payment approval; the check "
     "reads one order before that (the simulator sets it to authorization + 3 days after)"),
    ("orders", GET_ORDER, "response", "'Change' is not one of",
     "spec defect: the spec enumerates `totals[].id` as Items/Discounts/Shipping/Tax, while its "
     "own order example has `{\"id\": \"Change\", \"name\": \"Total das mudanças\"}` on a "
     "changed order, as the simulator answers once a change moved the value"),
    # Order modifications (change v2): the 202, preview and details type `add`/`remove` as
    # arrays of strings, the history as objects ("the same schema of `request.replace.to`");
    # the simulator answers `{items: [...], ...}` objects (or null) everywhere. No entry is
    # needed: openapi-core casts an object to an array of its keys, so it finds nothing there.
    ("orders", "POST /api/orders/hook/config", "response", "is a required property",
     "spec defect: the spec gives the `200` of the hook configuration POST the hook "
     "*notification* schema (`HookConfiguration`: Domain, OrderId, State, ... required); the "
     "call answers the configuration (§B.2). The notifications themselves are "
     "validated against that schema (orders.py, HOOK_NOTIFICATION)"),

    # ----- pricing-api.json, logistics-api.json -----
    ("pricing", "*", "status", "",
     "error answers: the Pricing spec documents only `200`s; the simulator answers VTEX's "
     "observed errors (404 for an SKU without a price, §D.1) with its `{Message, code}` body, so "
     "only their status is recorded"),
    ("logistics", "*", "status", "",
     "error answers the Logistics spec does not list: only their status is recorded"),
    # ----- payment-provider-protocol.json (the connector's answers, payments.py) -----
    ("payments", "POST /payments", "undocumented", "authorizationId: None",
     "spec defect: `authorizationId` is a required non-nullable string in the schema, yet the "
     "protocol sends it only when approved (§G.1) and the spec's own \"Success - PIX\" example "
     "answers `authorizationId: null` for an undefined payment; the connector answers null "
     "when denied or undefined"),
    ("payments", "POST /payments/{paymentId}/inbound/{action}", "status", "status 501",
     "the spec lists only 200 for the beta inbound pass-through; the connector does not take "
     "inbound requests and answers 501, as the protocol documents for an unsupported "
     "cancellation or refund (§G.1) and as vtex-apps/payment-provider-example answers a "
     "connector without an inbound handler"),
    # ----- masterdata-api-v1.json -----
    ("md", "*", "status", "",
     "[emulator default] (crates/sim/src/vtex/masterdata): a missing document answers 404 "
     "{Message, code}; VTEX documents no error status for it, so only the status is recorded"),
    ("md", "POST /api/dataentities/CL/documents", "response", "Unknown response http status: 201",
     "spec defect: the file documents POST /api/dataentities/CL/documents twice, as the generic "
     "`{acronym}` operation (201 {id, href, documentId}) and as the CL alias (200 {Id, Href}); "
     "openapi-core matches the alias, the simulator answers the generic operation (§F.2)"),
    ("md", "POST /api/dataentities/AD/documents", "response", "Unknown response http status: 201",
     "spec defect: the AD alias of the same URL, as for CL (§F.2)"),
    ("md", "PATCH /api/dataentities/CL/documents/{id}", "response",
     "Unknown response http status: 204",
     "spec defect: the generic partial update answers 204, the CL alias page 200 for the same "
     "URL; the simulator answers the generic operation (§F.2)"),
    ("md", "PATCH /api/dataentities/AD/documents/{addressId}", "response",
     "Unknown response http status: 204",
     "spec defect: the AD alias of the same URL, as for CL (§F.2)"),
]
