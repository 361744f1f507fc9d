"""The Pricing v2 part of the contract check, against spec/pricing-api.json (vendored).

Pricing is served on `api.vtex.com/{accountName}/pricing/...` (the spec's server); straight to
the simulator the same handlers answer `/pricing/...` for its default account, so the calls are
validated as the spec's server `https://api.vtex.com/ponte` would take them.

Scenario: a price table created and listed; the account's configuration; an SKU's price `PUT`
with cost and markup, a list price and a fixed price; read back; fixed prices upserted with
`PATCH` (a quantity tier with a date range), read, one table's set with `POST`, read, deleted;
computed prices (one table, every table); a table's price rules replaced, read, listed with
every table's, and the computed price through them; an SKU without a price (404); the price
deleted.
"""

from contract import ACCOUNT, call

# Spec defect: four operations declare their own server `https://api.vtex.com/{account}/pricing`
# on paths that start with `/pricing` again (`/pricing/config`), so no URL matches both. VTEX
# serves them at `api.vtex.com/{account}/pricing/config` (the other operations' form, §D.1): the
# call goes there, and is validated as if sent to the declared server.
OWN_SERVER = f"https://api.vtex.com/{ACCOUNT}/pricing"

SKU = 901
FROM, TO = "2026-11-27T00:00:00Z", "2026-12-01T00:00:00Z"


def exercise(rec, base):
    call(rec, base, "PUT", "/pricing/tables/b2b", expect=200)
    call(rec, base, "GET", "/pricing/tables", expect=200, spec_host=OWN_SERVER)
    call(rec, base, "GET", "/pricing/config", expect=200, spec_host=OWN_SERVER)
    call(rec, base, "PUT", f"/pricing/prices/{SKU}", {
        "costPrice": 10.5, "markup": 40, "listPrice": 19.9,
        "fixedPrices": [{"tradePolicyId": "1", "value": 13.9, "listPrice": 19.9, "minQuantity": 1}],
    }, expect=200)
    call(rec, base, "GET", f"/pricing/prices/{SKU}", expect=200)
    call(rec, base, "PATCH", f"/pricing/prices/{SKU}/fixed", [
        {"tradePolicyId": "b2b", "value": 9.9, "listPrice": 14.7, "minQuantity": 10,
         "dateRange": {"from": FROM, "to": TO}},
    ], expect=200)
    call(rec, base, "GET", f"/pricing/prices/{SKU}/fixed", expect=200)
    call(rec, base, "POST", f"/pricing/prices/{SKU}/fixed/b2b",
         [{"value": 11.9, "listPrice": 14.7, "minQuantity": 5}], expect=200)
    call(rec, base, "GET", f"/pricing/prices/{SKU}/fixed/b2b", expect=200)
    call(rec, base, "GET", f"/pricing/prices/{SKU}/computed/1?categoryIds=1&brandId=2000000&quantity=1",
         expect=200, spec_host=OWN_SERVER)
    call(rec, base, "GET", f"/pricing/prices/{SKU}/computed", expect=200, spec_host=OWN_SERVER)
    call(rec, base, "PUT", "/pricing/pipeline/catalog/b2b", {"rules": [{
        "id": 1,
        "context": {"categories": {"1": "Food"}, "brands": {"2000000": "Acme"},
                    "markupRange": {"from": 0, "to": 200},
                    "dateRange": {"from": "2019-10-23T19:00:00.000Z", "to": "2999-10-26T00:00:00.000Z"}},
        "percentualModifier": 15,
    }]}, expect=201)
    call(rec, base, "GET", "/pricing/pipeline/catalog/b2b", expect=200, spec_host=OWN_SERVER)
    call(rec, base, "GET", "/pricing/pipeline/catalog", expect=200, spec_host=OWN_SERVER)
    call(rec, base, "GET", f"/pricing/prices/{SKU}/computed/b2b?categoryIds=1&brandId=2000000&quantity=1",
         expect=200, spec_host=OWN_SERVER)
    call(rec, base, "DELETE", f"/pricing/prices/{SKU}/fixed/b2b", expect=200)
    call(rec, base, "GET", f"/pricing/prices/{SKU + 1}", expect=404)
    call(rec, base, "DELETE", f"/pricing/prices/{SKU}", expect=200)
