#!/usr/bin/env python3
"""Validates the payment connector's answers (the service, not the simulator) against VTEX's
Payment Provider Protocol OpenAPI (spec/payment-provider-protocol.json, vendored like the others).

Input: a JSON file of exchanges `[{"method", "path" (the spec's template), "status", "body"}]`
that tests/payments.e2e.test.ts writes from what ponte-sim's gateway received (every create,
settlement, refund and cancellation of the suite, the manifest and an inbound call). Each
answer's status must be documented for its operation and its body must match that response's
schema; findings the spec cannot hold the connector to are in allowances.py (spec "payments").
Prints a table of operations and exits 1 on a violation.

Usage: payments.py EXCHANGES.json [SPEC]   (payments.sh installs the validators first)
"""

import json
import os
import sys

from contract import Recorder, validate_schema

NAME = "payments"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    spec_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "spec", "payment-provider-protocol.json")
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    with open(sys.argv[1], encoding="utf-8") as f:
        exchanges = json.load(f)
    rec = Recorder()
    c = rec.contract(NAME, None, spec)
    for ex in exchanges:
        method, path, status = ex["method"].upper(), ex["path"], int(ex["status"])
        op = f"{method} {path}"
        if path not in spec.get("paths", {}) or method.lower() not in spec["paths"][path]:
            c.row(op)[0] += 1
            c.finding(op, "unknown-operation", f"{op} is not an operation of the spec")
            continue
        if not c.documents_status(op, status):
            c.row(op)[0] += 1
            c.finding(op, "status", f"status {status} is not documented")
            continue
        content = spec["paths"][path][method.lower()]["responses"][str(status)].get("content", {})
        if "application/json" not in content or "schema" not in content["application/json"]:
            c.row(op)[0] += 1
            continue
        schema = ["paths", path, method.lower(), "responses", str(status), "content",
                  "application/json", "schema"]
        validate_schema(c, op, schema, ex["body"])
    print(f"{'operation':<48} {'calls':>6} {'violations':>10} {'allowed':>8}")
    for (_, op), (calls, bad, allowed) in sorted(rec.rows.items()):
        print(f"{op:<48} {calls:>6} {bad:>10} {allowed:>8}")
    for (_, kind, reason), msgs in sorted(rec.allowed.items()):
        print(f"allowed ({kind}): {reason[:100]}... e.g. {sorted(msgs)[0]}")
    for spec_name, op, kind, message in rec.violations:
        print(f"VIOLATION {op} [{kind}] {message}")
    print(f"payments: {sum(r[0] for r in rec.rows.values())} answers checked, "
          f"{len(rec.violations)} violations")
    sys.exit(1 if rec.violations else 0)


if __name__ == "__main__":
    main()
