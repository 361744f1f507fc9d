#!/usr/bin/env python3
"""Checks the app's packaging as VTEX IO reads it (run by scripts/check-app.sh, with the
validator venv's python: jsonschema is pinned in tests/openapi/requirements.txt).

- manifest.json against the runtime's published schema
  (node/node_modules/@vtex/api/gen/manifest.schema, JSON Schema draft-07), its settingsSchema
  as a draft-07 schema of its own, name and vendor `^[\\w_-]+$`, version semver, and the
  App Store's billingOptions (type, a support contact, availableCountries);
- the App Store listing: public/metadata/messages/{en-US,pt-BR,es-AR}.json and
  public/metadata/licenses/{same}.md;
- node/service.json: every route path starts with `/`, every event has a `sender` and
  `topics` or `keys`; an event from `vtex.orders-broadcast` has `topics` (VTEX's own example of
  that sender, vtex-apps/orders-feed-example, subscribes with `topics`: `order-status-updated`
  for every status, or status names);
- every host the service's clients call has an outbound-access policy (hosts read from the
  `super(...)` of each class extending a @vtex/api client; a client with absolute URLs from a
  setting, like the ERP's, needs a policy for a host that is not VTEX's);
- .vtexignore keeps what VTEX IO builds and drops what is for development only.

Reads nothing outside the repository. `--self-test` runs every check on broken copies and
fails unless each one reports the break.
"""

import copy
import fnmatch
import json
import re
import sys
from pathlib import Path

from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "node/node_modules/@vtex/api/gen/manifest.schema"
LOCALES = ("en-US", "pt-BR", "es-AR")
LISTING_KEYS = ("name", "headline", "overview", "features", "support")
NAME = re.compile(r"^[\w_-]+$")
# semver.org's regular expression.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
CLIENT_BASES = ("ExternalClient", "JanusClient", "InfraClient", "AppClient", "AppGraphQLClient",
                "IOClient")
VTEX_HOST = re.compile(r"(^|\.)(vtexcommercestable\.com\.br|vtex\.com|myvtex\.com|vtexcommerce\.com\.br|vtexpayments\.com\.br)$")
# What VTEX IO must get (.vtexignore must not drop them) and what it must not.
SHIPPED = ("manifest.json", "CHANGELOG.md", "docs/README.md", "graphql/schema.graphql",
           "node/index.ts", "node/service.json", "node/package.json", "node/tsconfig.json",
           "node/generated/ponte_wasm.ts", "public/metadata/messages/en-US.json")
DEV_ONLY = ("tests/openapi/run.sh", "crates/sim/Cargo.toml", "node/test-support/fakeOrders.ts",
            "node/orders/orders.test.ts", "bench/run.sh", "scripts/check-app.sh", "Makefile",
            "target/debug/ponte-sim", "node/node_modules/@vtex/api/package.json",
            "docs/erp-contract.yaml", "docs/app-store.md")


def check_manifest(manifest, schema):
    errors = []
    for e in sorted(Draft7Validator(schema).iter_errors(manifest), key=str):
        where = "/".join(str(p) for p in e.absolute_path) or "<root>"
        errors.append(f"manifest.json {where}: {e.message} (runtime schema)")
    settings = manifest.get("settingsSchema")
    if settings is not None:
        for e in Draft7Validator(Draft7Validator.META_SCHEMA).iter_errors(settings):
            where = "/".join(str(p) for p in e.absolute_path) or "<root>"
            errors.append(f"manifest.json settingsSchema/{where}: {e.message} (not a draft-07 schema)")
    for key in ("name", "vendor"):
        if not isinstance(manifest.get(key), str) or not NAME.match(manifest[key]):
            errors.append(f"manifest.json {key} {manifest.get(key)!r} does not match ^[\\w_-]+$")
    if not isinstance(manifest.get("version"), str) or not SEMVER.match(manifest["version"]):
        errors.append(f"manifest.json version {manifest.get('version')!r} is not semver")
    billing = manifest.get("billingOptions")
    if not isinstance(billing, dict):
        return errors + ["manifest.json has no billingOptions (the app would be private to its account)"]
    if billing.get("type") not in ("free", "billable", "sponsored"):
        errors.append(f"billingOptions.type {billing.get('type')!r} is not free, billable or sponsored")
    support = billing.get("support")
    if not isinstance(support, dict) or not any(
            isinstance(support.get(k), str) and support[k].strip() for k in ("email", "url", "phone")):
        errors.append("billingOptions.support needs an email, url or phone")
    elif isinstance(support.get("email"), str) and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", support["email"]):
        errors.append(f"billingOptions.support.email {support['email']!r} is not an address")
    countries = billing.get("availableCountries")
    if not isinstance(countries, list) or not countries or not all(
            c == "*" or (isinstance(c, str) and re.match(r"^[A-Z]{3}$", c)) for c in countries):
        errors.append("billingOptions.availableCountries must list ISO alpha-3 codes or \"*\"")
    if billing.get("type") == "free" and billing.get("free") is False:
        errors.append("billingOptions.free is false for a free app")
    return errors


def check_listing(read):
    """`read(relative path)` → text or None."""
    errors = []
    for locale in LOCALES:
        path = f"public/metadata/messages/{locale}.json"
        text = read(path)
        if text is None:
            errors.append(f"{path} is missing")
        else:
            try:
                messages = json.loads(text)
            except ValueError as e:
                errors.append(f"{path}: not JSON ({e})")
                continue
            for key in LISTING_KEYS:
                value = messages.get(key) if isinstance(messages, dict) else None
                if not value:
                    errors.append(f"{path}: {key} is missing or empty")
            if isinstance(messages, dict) and not (
                    isinstance(messages.get("features"), list)
                    and all(isinstance(f, str) and f.strip() for f in messages["features"])):
                errors.append(f"{path}: features must be a list of sentences")
        if not (read(f"public/metadata/licenses/{locale}.md") or "").strip():
            errors.append(f"public/metadata/licenses/{locale}.md is missing or empty")
    return errors


def check_service(service):
    errors = []
    for name, route in (service.get("routes") or {}).items():
        path = route.get("path") if isinstance(route, dict) else None
        if not isinstance(path, str) or not path.startswith("/"):
            errors.append(f"service.json route {name}: path {path!r} does not start with /")
    for name, event in (service.get("events") or {}).items():
        if not isinstance(event, dict) or not isinstance(event.get("sender"), str) or not event["sender"]:
            errors.append(f"service.json event {name}: no sender")
        has = [k for k in ("topics", "keys") if isinstance((event or {}).get(k), list) and event[k]]
        if not has:
            errors.append(f"service.json event {name}: neither topics nor keys")
        sender = (event or {}).get("sender") if isinstance(event, dict) else None
        if isinstance(sender, str) and sender.split("@")[0] == "vtex.orders-broadcast" \
                and "topics" not in has:
            errors.append(f"service.json event {name}: vtex.orders-broadcast delivers by topics "
                          "(vtex-apps/orders-feed-example), not keys")
    return errors


def event_kinds(service):
    return {name: [k for k in ("topics", "keys") if (event or {}).get(k)]
            for name, event in (service.get("events") or {}).items()}


def client_hosts(sources):
    """{file: [host or "<setting>"]} for every class extending a @vtex/api client.
    `sources` maps a path to its TypeScript text."""
    found = {}
    # Base URLs built by a helper (`export const accountHost = (context) => `http://...``):
    # a `super(accountHost(context), ...)` reads as that helper's URL.
    helpers = {m.group(1): m.group(2) for text in sources.values()
               for m in re.finditer(r"export\s+const\s+(\w+)\s*=\s*\([^)]*\)[^=]*=>\s*(`[^`]*`)", text)}
    for path, text in sources.items():
        for m in re.finditer(r"class\s+\w+\s+extends\s+(\w+)\b", text):
            base = m.group(1)
            if base not in CLIENT_BASES:
                continue
            body = text[m.end():]
            sup = re.search(r"super\(\s*([^,)]*)", body)
            arg = sup.group(1).strip() if sup else ""
            call = re.match(r"(\w+)\(", arg)
            if call and call.group(1) in helpers:
                arg = helpers[call.group(1)]
            if base == "JanusClient":
                host = "portal.vtexcommercestable.com.br"
            elif arg in ("''", '""', "``"):
                host = "<setting>"
            else:
                url = re.match(r"[`'\"]https?://([^/`'\"]+)", arg)
                if not url:
                    host = f"<unreadable: {arg[:60]}>"
                else:
                    host = re.sub(r"\$\{\s*(?:this\.)?(?:context|ctx|ioContext)\.account\s*\}", "{{account}}",
                                  url.group(1))
            found.setdefault(path, []).append(host)
    return found


def check_hosts(manifest, hosts):
    policies = [p.get("attrs", {}).get("host") for p in manifest.get("policies", [])
                if isinstance(p, dict) and p.get("name") == "outbound-access"]
    errors = []
    if not hosts:
        errors.append("no client classes found under node/ (the host check would prove nothing)")
    for path, found in sorted(hosts.items()):
        for host in found:
            if host.startswith("<unreadable"):
                errors.append(f"{path}: cannot read the host the client calls ({host})")
            elif host == "<setting>":
                if not any(h and not VTEX_HOST.search(h.replace("{{account}}", "a")) for h in policies):
                    errors.append(f"{path}: calls a host from a setting, and no outbound-access "
                                  "policy names a host outside VTEX")
            elif not any(h and fnmatch.fnmatchcase(host, h.replace("{{account}}", "*")) or h == host
                         for h in policies):
                errors.append(f"{path}: no outbound-access policy for {host}")
    return errors


def vtexignore_patterns(text):
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def ignored(patterns, path):
    """Whether gitignore-style `patterns` (as .vtexignore uses them) drop the file `path`."""
    parts = path.split("/")
    dirs = ["/".join(parts[:i]) for i in range(1, len(parts))]  # proper prefixes: directories
    out = False
    for raw in patterns:
        neg = raw.startswith("!")
        pat = raw[1:] if neg else raw
        dir_only = pat.endswith("/")
        pat = pat.strip("/") if pat.startswith("/") else pat.rstrip("/")
        if "/" in pat:  # anchored at the root; `*` may cross `/` as in `**/*.test.ts`
            targets = dirs if dir_only else dirs + [path]
            hit = any(fnmatch.fnmatchcase(t, pat) for t in targets) or (
                pat.startswith("**/") and fnmatch.fnmatchcase(parts[-1], pat[3:]))
        else:  # any one name along the path
            names = parts[:-1] if dir_only else parts
            hit = any(fnmatch.fnmatchcase(n, pat) for n in names)
        if hit:
            out = not neg
    return out


def check_vtexignore(text):
    patterns = vtexignore_patterns(text)
    errors = [f".vtexignore drops {p}, which VTEX IO needs" for p in SHIPPED if ignored(patterns, p)]
    errors += [f".vtexignore ships {p}, which is for development only" for p in DEV_ONLY
               if not ignored(patterns, p)]
    return errors


def load_inputs():
    def read(rel):
        p = ROOT / rel
        return p.read_text(encoding="utf-8") if p.is_file() else None

    sources = {}
    for p in sorted((ROOT / "node").rglob("*.ts")):
        rel = p.relative_to(ROOT).as_posix()
        if "/node_modules/" in rel or "/.build/" in rel or rel.endswith(".test.ts") \
                or "/test-support/" in rel or "/generated/" in rel:
            continue
        sources[rel] = p.read_text(encoding="utf-8")
    return {
        "manifest": json.loads(read("manifest.json")),
        "schema": json.loads(read(SCHEMA.relative_to(ROOT).as_posix())),
        "service": json.loads(read("node/service.json")),
        "sources": sources,
        "vtexignore": read(".vtexignore") or "",
        "read": read,
    }


def run(inputs):
    """Every check: (name, errors)."""
    return [
        ("manifest", check_manifest(inputs["manifest"], inputs["schema"])),
        ("listing", check_listing(inputs["read"])),
        ("service.json", check_service(inputs["service"])),
        ("hosts", check_hosts(inputs["manifest"], client_hosts(inputs["sources"]))),
        (".vtexignore", check_vtexignore(inputs["vtexignore"])),
    ]


def self_test(inputs):
    """Each check must report a break: (check, what is broken, mutate(inputs))."""
    def manifest(f):
        def mutate(i):
            f(i["manifest"])
        return mutate

    def drop_listing(i):
        base = i["read"]
        i["read"] = lambda rel: None if rel == "public/metadata/messages/pt-BR.json" else base(rel)

    def no_setting_policy(i):
        i["manifest"]["policies"] = [p for p in i["manifest"]["policies"]
                                     if not (p.get("attrs", {}).get("host") or "").startswith("erp.")]

    def client_elsewhere(i):
        i["sources"]["node/clients/extra.ts"] = (
            "class Extra extends ExternalClient {\n  constructor(c: IOContext) {\n"
            "    super('https://api.elsewhere.example.com', c)\n  }\n}\n")

    cases = [
        ("manifest", "version 1.0", manifest(lambda m: m.update(version="1.0"))),
        ("manifest", "vendor a.b", manifest(lambda m: m.update(vendor="a.b"))),
        ("manifest", "name as a number (schema type)", manifest(lambda m: m.update(name=5))),
        ("manifest", "billingOptions.type paid (schema enum)",
         manifest(lambda m: m["billingOptions"].update(type="paid"))),
        ("manifest", "policies not a list (schema)", manifest(lambda m: m.update(policies={}))),
        ("manifest", "settingsSchema with type 12 (draft-07)",
         manifest(lambda m: m["settingsSchema"].update(type=12))),
        ("manifest", "no support contact", manifest(lambda m: m["billingOptions"].update(support={}))),
        ("manifest", "no billingOptions", manifest(lambda m: m.pop("billingOptions"))),
        ("listing", "pt-BR messages missing", drop_listing),
        ("service.json", "route path without /",
         lambda i: i["service"]["routes"].update(broken={"path": "_v/x", "public": True})),
        ("service.json", "event without sender",
         lambda i: i["service"].setdefault("events", {}).update(broken={"keys": ["k"]})),
        ("service.json", "orders-broadcast event by keys instead of topics",
         lambda i: i["service"].setdefault("events", {}).update(
             broken={"sender": "vtex.orders-broadcast", "keys": ["order-status-updated"]})),
        ("service.json", "event without topics or keys",
         lambda i: i["service"].setdefault("events", {}).update(broken={"sender": "vtex.x"})),
        ("hosts", "a client calling a host with no policy", client_elsewhere),
        ("hosts", "no policy for the ERP's (setting) host", no_setting_policy),
        (".vtexignore", "tests/ shipped",
         lambda i: i.update(vtexignore=i["vtexignore"].replace("tests/\n", ""))),
        (".vtexignore", "docs/ dropped", lambda i: i.update(vtexignore=i["vtexignore"] + "\ndocs/\n")),
    ]
    failed = 0
    for check, what, mutate in cases:
        broken = {k: (v if k == "read" else copy.deepcopy(v)) for k, v in inputs.items()}
        mutate(broken)
        errors = dict(run(broken))[check]
        if errors:
            print(f"  self-test ok: {check} reports {what}: {errors[0]}")
        else:
            failed += 1
            print(f"  SELF-TEST FAILED: {check} did not report {what}")
    return failed


def main():
    inputs = load_inputs()
    if "--self-test" in sys.argv:
        failed = self_test(inputs)
        print(f"check-app self-test: {failed} of the broken inputs went unreported")
        return 1 if failed else 0
    results = run(inputs)
    total = 0
    for name, errors in results:
        print(f"check-app {name}: {'ok' if not errors else f'{len(errors)} problem(s)'}")
        for e in errors:
            print(f"  {e}")
        total += len(errors)
    for name, kinds in sorted(event_kinds(inputs["service"]).items()):
        print(f"  event {name}: sender {inputs['service']['events'][name].get('sender')}, by {', '.join(kinds)}")
    for path, hosts in sorted(client_hosts(inputs["sources"]).items()):
        print(f"  {path}: calls {', '.join(hosts)}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
