#!/usr/bin/env python3
"""Validates the live ponte-sim against VTEX's own contracts.

- Catalog (catalog.py): the category, specification group, field and value endpoints (and
  brand, product and SKU ones when the simulator has them) on a simulator seeded with
  `--seed demo`, against spec/catalog-api.json.
- Pricing v2 (pricing.py) and Logistics' warehouses, docks and inventory (logistics.py),
  against spec/pricing-api.json and spec/logistics-api.json.
- OMS and Feed v3/Hook (orders.py): Get order, start-handling, cancel, changes v1, invoice,
  tracking (PATCH and PUT), feed and hook configuration, feed receive and commit, the JSONata
  test endpoint, on orders the check creates and moves with the simulated clock, against
  spec/orders-api.json; the hook notifications the simulator sends to the check's
  receiver are validated against the spec's notification schema.
- Master Data v1 (masterdata.py): CL, AD and a generic acronym's documents, the upserts,
  search, scroll, versions, entities and the private-field refusal, against
  spec/masterdata-api-v1.json; Master Data v2's schemas (where triggers live: save, list, read,
  delete), against spec/masterdata-api-v2.json.

Every request the check sends and every response it gets is validated with openapi-core: the
path and method must be an operation of the spec, the request must match the operation's
parameters and request schema, the status must be a documented response and the body must
match that response's schema (contract.py). The specs are cut-down copies of VTEX's official
OpenAPI files, vendored in spec/ (spec/README.md says where from and how to refresh them).

What this check cannot hold the simulator to is listed in allowances.py, in one table: each
entry names the spec, the operation (or `*`), what kind of finding it forgives, a substring of
the validator's message, and why. Anything not forgiven there is a violation and the script
exits 1.

Usage: check.py BASE_URL [CATALOG_SPEC [ORDERS_SPEC [MASTERDATA_SPEC]]]   (run.sh starts the
  simulator; the specs default to the vendored spec/catalog-api.json, spec/orders-api.json and
  spec/masterdata-api-v1.json)
  A spec given as `-` is skipped.
"""

import json
import os
import sys
import time

from openapi_core import OpenAPI

import catalog
import logistics
import masterdata
import orders
import pricing
from contract import ACCOUNT, HOST, Recorder


def load(path):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    return OpenAPI.from_dict(spec), spec


def main():
    base = sys.argv[1].rstrip("/")
    vendored = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spec")
    catalog_spec = sys.argv[2] if len(sys.argv) > 2 else os.path.join(vendored, "catalog-api.json")
    orders_spec = sys.argv[3] if len(sys.argv) > 3 else os.path.join(vendored, "orders-api.json")
    md_spec = (sys.argv[4] if len(sys.argv) > 4
               else os.path.join(vendored, "masterdata-api-v1.json"))
    started = time.time()
    rec = Recorder()
    parts = [
        ("catalog", catalog_spec, catalog.exercise, HOST),
        ("orders", orders_spec, orders.exercise, HOST),
        ("md", md_spec, masterdata.exercise, HOST),
        ("md2", os.path.join(vendored, "masterdata-api-v2.json"), masterdata.exercise_schemas,
         HOST),
        # Pricing's server is `https://api.vtex.com/{accountName}` (its spec's `servers`).
        ("pricing", os.path.join(vendored, "pricing-api.json"), pricing.exercise,
         f"https://api.vtex.com/{ACCOUNT}"),
        ("logistics", os.path.join(vendored, "logistics-api.json"), logistics.exercise, HOST),
    ]
    for name, path, exercise, host in parts:
        if path == "-":
            continue
        t = time.time()
        api, spec = load(path)
        exercise(rec.contract(name, api, spec, host), base)
        print(f"openapi: {name} part in {time.time() - t:.1f}s", file=sys.stderr)
    width = max(len(op) for _, op in rec.rows) if rec.rows else 20
    print(f"\n{'spec':<8} {'operation':<{width}}  calls  violations  allowed")
    for (spec, op) in sorted(rec.rows):
        calls, bad, allowed = rec.rows[(spec, op)]
        print(f"{spec:<8} {op:<{width}}  {calls:>5}  {bad:>10}  {allowed:>7}")
    outside = {k for k in rec.rows if "not in the spec" in k[1] or k[1].startswith("(")}
    covered = len(rec.rows) - len(outside)
    print(f"\n{covered} spec operations covered, {len(outside)} simulator endpoints or bodies "
          f"outside the specs' operations, {sum(r[0] for r in rec.rows.values())} calls in "
          f"{time.time() - started:.1f}s")
    if rec.allowed:
        print("\nAllowed (see ALLOWANCES in tests/openapi/allowances.py):")
        for (spec, kind, reason), items in sorted(rec.allowed.items()):
            print(f"  {spec} [{kind}] {reason}")
            for item in sorted(items)[:12]:
                print(f"      {item}")
            if len(items) > 12:
                print(f"      ... and {len(items) - 12} more")
    if rec.violations:
        print(f"\n{len(rec.violations)} contract violations:")
        for spec, op, kind, message in rec.violations:
            print(f"  {spec} {op} [{kind}] {message}")
        return 1
    print("\nno contract violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
