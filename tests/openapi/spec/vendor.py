#!/usr/bin/env python3
"""Rebuilds the vendored OpenAPI files in this folder from VTEX's full ones.

The contract check (tests/openapi/check.py) reads only the files named in operations.txt
(catalog-api.json, orders-api.json, pricing-api.json, logistics-api.json) in this folder. They are cut-down copies of VTEX's official OpenAPI files (see README.md): only
the operations listed in operations.txt (the ones the check's scenarios call, catalog.py and
orders.py), every `$ref` they reach (transitively), the servers and security schemes, and none
of the documentation fields (`description`, `summary`, `title`, `example`, `examples`,
`externalDocs`, `tags`, `contact`, `x-*`; `info` keeps its title and version, a response its
required but now empty `description`). Validation does not read those fields, so the check
validates exactly as it would against the full files.

Run by hand, never by the tests:
    python3 tests/openapi/spec/vendor.py DIR_WITH_FULL_SPECS
DIR_WITH_FULL_SPECS holds `catalog-api.json` and `orders-api.json` as published by VTEX
(vtex/openapi-schemas: `VTEX - Catalog API.json`, `VTEX - Orders API.json`). Python 3 stdlib.
When a scenario starts calling another operation, add it to operations.txt and run this again:
a call the vendored file does not have is reported as `(not in the spec)`.
"""

import json
import os
import sys

# Fields only documentation reads (OpenAPI 3.0 keywords; `x-*` extensions are dropped too).
DOC_FIELDS = {"description", "summary", "title", "example", "examples", "externalDocs", "tags",
              "contact"}
# Maps whose keys are names (a property called `description` must stay).
NAME_MAPS = {"properties", "paths", "responses", "content", "schemas", "parameters", "headers",
             "securitySchemes", "variables", "requestBodies", "callbacks", "links", "encoding",
             "patternProperties"}
# Values copied as they are (data, not OpenAPI objects).
LITERALS = {"default", "enum", "const"}


def strip(node, names=None):
    """`node` without documentation fields; `names`: node is a map of user-chosen names (the
    key it sits under)."""
    if isinstance(node, list):
        return [strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if names:
            out[k] = strip(v)
            # A Response object must have a description (OpenAPI 3.0): keep it, emptied.
            if names == "responses" and isinstance(v, dict) and "$ref" not in v:
                out[k] = {"description": "", **out[k]}
        elif k in DOC_FIELDS or k.startswith("x-"):
            continue
        elif k in LITERALS:
            out[k] = v
        else:
            out[k] = strip(v, names=k if k in NAME_MAPS and isinstance(v, dict) else None)
    return out


def refs(node):
    """Every local `$ref` target in node, as a path of keys."""
    if isinstance(node, list):
        for v in node:
            yield from refs(v)
    elif isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/"):
                yield tuple(p.replace("~1", "/").replace("~0", "~") for p in v[2:].split("/"))
            else:
                yield from refs(v)


def operations(path):
    """{file name: {path: [method]}} from operations.txt (`[file]` sections of `METHOD /path`
    lines, `#` comments)."""
    out = {}
    section = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line.startswith("[") and line.endswith("]"):
                section = out.setdefault(line[1:-1], {})
            elif line:
                method, op_path = line.split()
                section.setdefault(op_path, []).append(method.lower())
    return out


def cut(full, keep):
    paths = {}
    for path, methods in keep.items():
        item = full["paths"].get(path)
        if item is None:
            sys.exit(f"vendor: {path} is not in the source spec")
        missing = [m for m in methods if m not in item]
        if missing:
            sys.exit(f"vendor: {path} has no {missing}")
        # Path-level parameters/servers apply to every operation: keep them.
        paths[path] = {k: v for k, v in item.items()
                       if k in methods or k in ("parameters", "servers")}
    doc = {"servers": full.get("servers", []),
           "security": full.get("security", []),
           "paths": paths,
           "components": {"securitySchemes": full["components"].get("securitySchemes", {})}}
    # The components the kept operations reach, transitively.
    seen = set()
    todo = list(refs(doc))
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if ref[0] != "components" or len(ref) != 3:
            continue  # a ref into paths (e.g. a response reused): already kept if its op is
        target = full["components"][ref[1]][ref[2]]
        doc["components"].setdefault(ref[1], {})[ref[2]] = target
        todo.extend(refs(target))
    doc["components"] = {k: dict(sorted(v.items())) for k, v in doc["components"].items()}
    info = {k: full["info"][k] for k in ("title", "version", "license") if k in full["info"]}
    return {"openapi": full["openapi"], "info": info, **strip(doc)}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    for name, keep in operations(os.path.join(here, "operations.txt")).items():
        with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
            full = json.load(f)
        out = cut(full, keep)
        dest = os.path.join(here, name)
        with open(dest, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=False)
            f.write("\n")
        kept = sum(len(m) for m in keep.values())
        print(f"{name}: {kept} operations, {sum(len(v) for v in out['components'].values())} "
              f"components, {os.path.getsize(dest)} bytes")


if __name__ == "__main__":
    main()
