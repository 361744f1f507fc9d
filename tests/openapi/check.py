#!/usr/bin/env python3
"""Validates the live ponte-sim's Catalog API against VTEX's own contract.

Exercises the category, specification group, field and value endpoints (and the brand,
product and SKU ones when the simulator has them) on a simulator seeded with `--seed demo`,
and validates every request it sends and every response it gets against
shared/openapi/catalog-api.json with openapi-core: the path and method must be an operation of
the spec, the request body must match the operation's request schema, the status must be a
documented response and the body must match that response's schema.

What this check cannot decide is listed in ALLOWANCES below, in one place: each entry names
the operation (or `*`), what kind of finding it forgives, a substring of the validator's
message, and why. Anything not forgiven there is a violation and the script exits 1.

Usage: check.py BASE_URL [SPEC]   (run.sh starts the simulator and calls this)
"""

import json
import sys
import time
import urllib.error
import urllib.request

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

ACCOUNT = "ponte"
HOST = f"https://{ACCOUNT}.vtexcommercestable.com.br"
HEADERS = {
    "X-VTEX-API-AppKey": f"vtexappkey-{ACCOUNT}-PONTE",
    "X-VTEX-API-AppToken": "ponte-sim-apptoken",
    "Accept": "application/json",
    "Content-Type": "application/json",
}

# What the contract check cannot hold the simulator to, and why. (operation, kind, substring,
# reason); operation is "METHOD /spec/path" or "*"; kind is "request", "response", "status" or
# "unknown-operation".
ALLOWANCES = [
    ("*", "status", "",
     "error answers (4xx/5xx): VTEX documents few error statuses and no error bodies; the "
     "simulator answers VTEX's observed ones (a `Message`, plus Ponte's `code`), which the "
     "spec does not list, so only their status is recorded"),
    ("*", "response", "None for not nullable",
     "nulls: VTEX's spec types fields as plain string/integer/number that VTEX itself returns "
     "as null (LinkId, Title, DescriptionShort, CreationDate, ManufacturerCode, ... on a fresh "
     "entity); the spec has no `nullable`, so a null is not held against the simulator"),
    ("*", "response", "None is not of type",
     "nulls (the same finding as the validator words it for the type)"),
    ("*", "request", "'Id' is a required property",
     "create/update bodies: the spec marks `Id` required in bodies of endpoints that assign "
     "it (brand create) or take it from the path; the checks do not send an id VTEX ignores"),
    ("GET /api/catalog_system/pub/category/tree/{categoryLevels}", "response",
     "is not of type 'string'",
     "spec defect: below the second level the spec types `children` items as strings, while "
     "VTEX (and the simulator) return the same category objects at every level"),
    ("*", "unknown-operation", "",
     "endpoints the simulator serves that this spec revision does not document (the public "
     "`groupget`/`fieldget` reads): nothing to validate against"),
]


class Recorder:
    def __init__(self, api):
        self.api = api
        self.rows = {}  # operation -> [calls, violations, allowed]
        self.violations = []
        self.allowed = {}

    def row(self, op):
        return self.rows.setdefault(op, [0, 0, 0])

    def allowance(self, op, kind, message):
        for a_op, a_kind, needle, reason in ALLOWANCES:
            if a_kind == kind and (a_op == "*" or a_op == op) and needle in message:
                return reason
        return None

    def finding(self, op, kind, message):
        reason = self.allowance(op, kind, message)
        if reason is None:
            self.row(op)[1] += 1
            self.violations.append((op, kind, message))
        else:
            self.row(op)[2] += 1
            key = (kind, reason)
            self.allowed.setdefault(key, set()).add(f"{op}: {message[:140]}")


def messages(exc):
    """Human messages from an openapi-core validation error (schema errors flattened)."""
    out = []
    seen = set()
    stack = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen or e is None:
            continue
        seen.add(id(e))
        for se in getattr(e, "schema_errors", None) or []:
            path = "/".join(str(p) for p in se.absolute_path)
            out.append(f"{path or '<body>'}: {se.message}")
        stack.append(getattr(e, "__cause__", None))
        stack.append(getattr(e, "__context__", None))
    return out or [f"{type(exc).__name__}: {exc}"]


def operation_of(api, method, path):
    """The spec path template an actual path matches, or None."""
    from openapi_core.templating.paths.finders import APICallPathFinder

    finder = APICallPathFinder(api.spec)
    try:
        found = finder.find(method.lower(), HOST + path)
        return f"{method.upper()} {found.path.parts[-1] if hasattr(found.path, 'parts') else found.path}"
    except Exception:
        return None


def call(rec, base, method, path, body=None, spec_path=None):
    """Sends one request, validates request and response; returns (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    for k, v in HEADERS.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            status, raw, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        status, raw, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
    op = spec_path and f"{method.upper()} {spec_path}"
    if op is None:
        op = operation_of(rec.api, method, path)
    if op is None:
        op = f"{method.upper()} {path} (not in the spec)"
        rec.row(op)[0] += 1
        rec.finding(op, "unknown-operation", "")
        return status, parse(raw)
    rec.row(op)[0] += 1
    mreq = MockRequest(HOST, method.lower(), path, headers=HEADERS, data=data or b"",
                       content_type="application/json")
    try:
        rec.api.validate_request(mreq)
    except Exception as e:  # noqa: BLE001 - every validator error is a finding
        for m in messages(e):
            if "Security" in m or "security" in m:
                continue
            rec.finding(op, "request", m)
    if status >= 400:
        rec.finding(op, "status", f"{status}: {raw[:120]!r}")
        return status, parse(raw)
    mresp = MockResponse(raw or b"", status_code=status,
                         content_type=(ctype.split(";")[0] or "application/json"))
    try:
        rec.api.validate_response(mreq, mresp)
    except Exception as e:  # noqa: BLE001
        for m in messages(e):
            rec.finding(op, "response", m)
    return status, parse(raw)


def parse(raw):
    try:
        return json.loads(raw)
    except Exception:  # noqa: BLE001
        return None


def has_route(base, method, path):
    req = urllib.request.Request(base + path, data=b"{}" if method != "GET" else None, method=method)
    for k, v in HEADERS.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10):
            return True
    except urllib.error.HTTPError as e:
        body = e.read()
        return not (e.code == 404 and b"route" in body.lower())


# Fields the spec marks required on category writes (VTEX itself defaults them).
CATEGORY_EXTRA = {
    "AdWordsRemarketingCode": "", "LomadeeCampaignCode": "", "GlobalCategoryId": 0,
    "ShowInStoreFront": True, "ActiveStoreFrontLink": True, "ShowBrandFilter": True,
    "Score": 0, "StockKeepingUnitSelectionMode": "SPECIFICATION",
}


def exercise(rec, base):
    ok = lambda s: 200 <= s < 300  # noqa: E731
    # Categories.
    s, tree = call(rec, base, "GET", "/api/catalog_system/pub/category/tree/3")
    s, cat = call(rec, base, "GET", "/api/catalog/pvt/category/1")
    s, dept = call(rec, base, "POST", "/api/catalog/pvt/category", {
        "Name": "Contract Dept", "Keywords": "contract", "Title": "Contract Dept",
        "Description": "Checked against the spec", "IsActive": True,
        "FatherCategoryId": None, **CATEGORY_EXTRA,
    })
    dept_id = dept.get("Id") if isinstance(dept, dict) else None
    child_id = None
    if dept_id:
        s, child = call(rec, base, "POST", "/api/catalog/pvt/category", {
            "Name": "Contract Leaf", "Keywords": "leaf", "Title": "Contract Leaf",
            "Description": "A leaf", "IsActive": True, "FatherCategoryId": dept_id,
            **CATEGORY_EXTRA,
        })
        child_id = child.get("Id") if isinstance(child, dict) else None
        call(rec, base, "PUT", f"/api/catalog/pvt/category/{dept_id}", {
            "Name": "Contract Dept", "Keywords": "contract", "Title": "Contract Dept (edited)",
            "Description": "Edited", "IsActive": True, "FatherCategoryId": None,
            **CATEGORY_EXTRA,
        })
        call(rec, base, "GET", f"/api/catalog/pvt/category/{dept_id}")
    call(rec, base, "GET", "/api/catalog/pvt/category/999999")
    leaf = child_id or 1
    # Specification groups.
    s, group = call(rec, base, "POST", "/api/catalog/pvt/specificationgroup",
                    {"CategoryId": leaf, "Name": "Contract Group", "Position": 1})
    group_id = group.get("Id") if isinstance(group, dict) else None
    if group_id:
        call(rec, base, "PUT", f"/api/catalog/pvt/specificationgroup/{group_id}",
             {"Id": group_id, "CategoryId": leaf, "Name": "Contract Group 2", "Position": 2})
    call(rec, base, "GET", f"/api/catalog_system/pvt/specification/groupbycategory/{leaf}")
    if group_id:
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/groupget/{group_id}")
    # Fields.
    field_id = sku_field_id = None
    if group_id:
        s, field = call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 5, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Material",
            "Description": "What it is made of", "Position": 1, "IsFilter": True,
            "IsRequired": False, "IsOnProductDetails": True, "IsStockKeepingUnit": False,
            "IsActive": True, "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": True,
        })
        field_id = field.get("Id") if isinstance(field, dict) else None
        s, sku_field = call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 6, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Size",
            "Position": 2, "IsFilter": True, "IsRequired": False, "IsOnProductDetails": True,
            "IsStockKeepingUnit": True, "IsActive": True, "IsTopMenuLinkActive": False,
            "IsSideMenuLinkActive": False,
        })
        sku_field_id = sku_field.get("Id") if isinstance(sku_field, dict) else None
        # Refused: an SKU field that is not Combo/Radio (VTEX's rule).
        call(rec, base, "POST", "/api/catalog/pvt/specification", {
            "FieldTypeId": 1, "CategoryId": leaf, "FieldGroupId": group_id, "Name": "Bad",
            "IsStockKeepingUnit": True, "IsActive": True,
        })
    if field_id:
        call(rec, base, "GET", f"/api/catalog/pvt/specification/{field_id}")
        call(rec, base, "PUT", f"/api/catalog/pvt/specification/{field_id}", {
            "FieldTypeId": 5, "CategoryId": leaf, "FieldGroupId": group_id,
            "Name": "Material", "Description": "What it is made of", "Position": 3,
            "IsFilter": False, "IsRequired": False,
            "IsOnProductDetails": True, "IsStockKeepingUnit": False, "IsActive": True,
            "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": True, "IsWizard": False,
            "DefaultValue": "",
        })
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/fieldget/{field_id}")
        s, legacy = call(rec, base, "POST", "/api/catalog_system/pvt/specification/field", {
            "Name": "Care", "CategoryId": leaf, "FieldId": 0, "IsActive": True,
            "IsRequired": False, "FieldTypeId": 1, "FieldValueId": None,
            "Description": "How to wash", "IsStockKeepingUnit": False, "IsFilter": False,
            "IsOnProductDetails": True, "Position": 4, "IsWizard": False,
            "IsTopMenuLinkActive": False, "IsSideMenuLinkActive": False,
            "DefaultValue": None, "FieldGroupId": group_id, "FieldGroupName": "Contract Group 2",
        })
    call(rec, base, "GET", f"/api/catalog_system/pub/specification/field/listByCategoryId/{leaf}")
    call(rec, base, "GET", f"/api/catalog_system/pub/specification/field/listTreeByCategoryId/{leaf}")
    # Values.
    value_ids = []
    for fid, names in ((field_id, ["Cotton", "Wool"]), (sku_field_id, ["S", "M", "L"])):
        for i, name in enumerate(names if fid else []):
            s, v = call(rec, base, "POST", "/api/catalog/pvt/specificationvalue",
                        {"FieldId": fid, "Name": name, "Text": name, "IsActive": True,
                         "Position": i + 1})
            if isinstance(v, dict) and v.get("FieldValueId"):
                value_ids.append(v["FieldValueId"])
    if value_ids:
        vid = value_ids[0]
        call(rec, base, "GET", f"/api/catalog/pvt/specificationvalue/{vid}")
        call(rec, base, "PUT", f"/api/catalog/pvt/specificationvalue/{vid}",
             {"FieldId": field_id, "Name": "Cotton", "Text": "100% cotton", "IsActive": True,
              "Position": 1})
        call(rec, base, "GET", f"/api/catalog_system/pvt/specification/fieldValue/{vid}")
    if field_id:
        call(rec, base, "POST", "/api/catalog_system/pvt/specification/fieldValue",
             {"FieldId": field_id, "Name": "Linen", "Text": "Linen", "IsActive": True,
              "Position": 3})
        call(rec, base, "GET", f"/api/catalog_system/pub/specification/fieldvalue/{field_id}")
    # Brands, products, SKUs: only when the simulator serves them.
    if has_route(base, "GET", "/api/catalog_system/pvt/brand/list"):
        s, brand = call(rec, base, "POST", "/api/catalog/pvt/brand", {
            "Name": "Contract Brand", "Text": "Contract Brand", "Keywords": "contract",
            "SiteTitle": "Contract Brand", "Active": True, "MenuHome": True,
            "LinkId": "contract-brand",
        })
        brand_id = brand.get("Id") if isinstance(brand, dict) else None
        call(rec, base, "GET", "/api/catalog_system/pvt/brand/list")
        if brand_id:
            call(rec, base, "GET", f"/api/catalog/pvt/brand/{brand_id}")
            call(rec, base, "PUT", f"/api/catalog/pvt/brand/{brand_id}", {
                "Name": "Contract Brand", "Text": "Edited", "Keywords": "contract",
                "SiteTitle": "Contract Brand", "Active": True, "MenuHome": False,
                "LinkId": "contract-brand",
            })
        product_id = None
        if brand_id and child_id:
            s, product = call(rec, base, "POST", "/api/catalog/pvt/product", {
                "Name": "Contract Shirt", "CategoryId": child_id, "BrandId": brand_id,
                "RefId": "CONTRACT-1", "Title": "Contract Shirt", "LinkId": "contract-shirt",
                "Description": "A shirt", "IsVisible": True, "IsActive": True,
                "ShowWithoutStock": True, "TaxCode": "", "Score": 1,
            })
            product_id = product.get("Id") if isinstance(product, dict) else None
        if product_id:
            call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}")
            call(rec, base, "PUT", f"/api/catalog/pvt/product/{product_id}", {
                "Name": "Contract Shirt", "CategoryId": child_id, "BrandId": brand_id,
                "RefId": "CONTRACT-1", "Title": "Contract Shirt (edited)",
                "LinkId": "contract-shirt", "Description": "A shirt", "IsVisible": True,
                "IsActive": True, "ShowWithoutStock": True,
            })
            call(rec, base, "GET", "/api/catalog_system/pvt/products/productgetbyrefid/CONTRACT-1")
            if field_id and value_ids:
                call(rec, base, "POST", f"/api/catalog/pvt/product/{product_id}/specification",
                     {"FieldId": field_id, "FieldValueId": value_ids[0]})
                call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}/specification")
            call(rec, base, "POST", f"/api/catalog/pvt/product/{product_id}/salespolicy/1")
            call(rec, base, "GET", f"/api/catalog/pvt/product/{product_id}/salespolicy")
            s, sku = call(rec, base, "POST", "/api/catalog/pvt/stockkeepingunit", {
                "ProductId": product_id, "IsActive": False, "Name": "Contract Shirt M",
                "RefId": "CONTRACT-1-M", "PackagedHeight": 10, "PackagedLength": 20,
                "PackagedWidth": 15, "PackagedWeightKg": 300, "MeasurementUnit": "un",
                "UnitMultiplier": 1, "IsKit": False,
            })
            # Refused: an SKU created active.
            call(rec, base, "POST", "/api/catalog/pvt/stockkeepingunit", {
                "ProductId": product_id, "IsActive": True, "Name": "Active", "RefId": "X",
                "PackagedHeight": 1, "PackagedLength": 1, "PackagedWidth": 1,
                "PackagedWeightKg": 1,
            })
            sku_id = sku.get("Id") if isinstance(sku, dict) else None
            if sku_id:
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}")
                call(rec, base, "GET", "/api/catalog_system/pvt/sku/stockkeepingunitidbyrefid/CONTRACT-1-M")
                call(rec, base, "GET", f"/api/catalog_system/pvt/sku/stockkeepingunitByProductId/{product_id}")
                call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean/7891234567895")
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/ean")
                if sku_field_id and len(value_ids) > 2:
                    call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification",
                         {"FieldId": sku_field_id, "FieldValueId": value_ids[3] if len(value_ids) > 3 else value_ids[-1]})
                    call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/specification")
                call(rec, base, "POST", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file", {
                    "IsMain": True, "Label": "front", "Name": "front",
                    "Text": "Front", "Url": "https://cdn.example.com/shirt-front.jpg",
                })
                call(rec, base, "GET", f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file")
                call(rec, base, "PUT", f"/api/catalog/pvt/stockkeepingunit/{sku_id}", {
                    "ProductId": product_id, "IsActive": True, "Name": "Contract Shirt M",
                    "RefId": "CONTRACT-1-M", "PackagedHeight": 10, "PackagedLength": 20,
                    "PackagedWidth": 15, "PackagedWeightKg": 300,
                })


def main():
    base = sys.argv[1].rstrip("/")
    spec_path = sys.argv[2] if len(sys.argv) > 2 else "shared/openapi/catalog-api.json"
    started = time.time()
    with open(spec_path, encoding="utf-8") as f:
        api = OpenAPI.from_dict(json.load(f))
    rec = Recorder(api)
    exercise(rec, base)
    width = max(len(op) for op in rec.rows) if rec.rows else 20
    print(f"\n{'operation':<{width}}  calls  violations  allowed")
    for op in sorted(rec.rows):
        calls, bad, allowed = rec.rows[op]
        print(f"{op:<{width}}  {calls:>5}  {bad:>10}  {allowed:>7}")
    covered = sum(1 for op in rec.rows if "not in the spec" not in op)
    print(f"\n{covered} spec operations covered, {len(rec.rows) - covered} simulator endpoints outside the spec, "
          f"{sum(r[0] for r in rec.rows.values())} calls in {time.time() - started:.1f}s")
    if rec.allowed:
        print("\nAllowed (see ALLOWANCES in tests/openapi/check.py):")
        for (kind, reason), items in sorted(rec.allowed.items()):
            print(f"  [{kind}] {reason}")
            for item in sorted(items)[:12]:
                print(f"      {item}")
            if len(items) > 12:
                print(f"      ... and {len(items) - 12} more")
    if rec.violations:
        print(f"\n{len(rec.violations)} contract violations:")
        for op, kind, message in rec.violations:
            print(f"  {op} [{kind}] {message}")
        return 1
    print("\nno contract violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
