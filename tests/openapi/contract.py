"""The contract check's machinery: sends requests to the live simulator, validates each request
and response against one OpenAPI document with openapi-core, and records findings, forgiving
only those listed in allowances.ALLOWANCES.

Findings have a kind:
- `request`: the request the check sent does not match the operation's request (a check bug or
  a spec demand the check deliberately does not meet);
- `response`: the answer does not match the documented response schema;
- `status`: an error answer (>= 400) with a status the operation does not document (its body
  cannot be validated); an error status the operation documents is validated like a success;
- `unknown-operation`: the path/method is not an operation of the spec;
- `undocumented`: a body the spec does not attach to an operation but the check validates
  against a named schema of it (hook notifications);
- `scenario`: the simulator did not do what the check's scenario needs (a call answered
  another status than expected, an order not in the expected status, no feed item, no hook
  notification); never allowed.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

from openapi_core.testing import MockRequest, MockResponse

from allowances import ALLOWANCES

ACCOUNT = "ponte"
HOST = f"https://{ACCOUNT}.vtexcommercestable.com.br"
HEADERS = {
    "X-VTEX-API-AppKey": f"vtexappkey-{ACCOUNT}-PONTE",
    "X-VTEX-API-AppToken": "ponte-sim-apptoken",
    "Accept": "application/json",
    "Content-Type": "application/json",
}
# The other credential the specs accept (a VTEX ID user token; the simulator takes any value).
COOKIE_HEADERS = {
    "VtexIdclientAutCookie": "x",
    "Accept": "application/json",
    "Content-Type": "application/json",
}


class Recorder:
    """Rows and findings of every spec checked in one run."""

    def __init__(self):
        self.rows = {}  # (spec, operation) -> [calls, violations, allowed]
        self.violations = []  # (spec, operation, kind, message)
        self.allowed = {}  # (spec, kind, reason) -> {"op: message"}

    def contract(self, name, api, spec, host=HOST):
        return Contract(self, name, api, spec, host)


class Contract:
    """One spec's view of the recorder: what `call` validates against."""

    def __init__(self, recorder, name, api, spec, host=HOST):
        self.recorder = recorder
        self.name = name
        self.api = api
        self.spec = spec
        # The spec's server the calls stand for (Pricing: `https://api.vtex.com/{accountName}`).
        self.host = host

    def row(self, op):
        return self.recorder.rows.setdefault((self.name, op), [0, 0, 0])

    def allowance(self, op, kind, message):
        for a_spec, a_op, a_kind, needle, reason in ALLOWANCES:
            if (a_spec in ("*", self.name) and a_kind == kind
                    and (a_op == "*" or a_op == op) and needle in message):
                return reason
        return None

    def finding(self, op, kind, message):
        reason = self.allowance(op, kind, message)
        if reason is None:
            self.row(op)[1] += 1
            self.recorder.violations.append((self.name, op, kind, message))
        else:
            self.row(op)[2] += 1
            key = (self.name, kind, reason)
            self.recorder.allowed.setdefault(key, set()).add(f"{op}: {message[:140]}")

    def documents_status(self, op, status):
        """Whether the operation lists `status` (exactly, as `4XX`, or `default`)."""
        method, path = op.split(" ", 1)
        responses = (self.spec.get("paths", {}).get(path, {}).get(method.lower(), {})
                     .get("responses", {}))
        return any(k in responses for k in (str(status), f"{status // 100}XX", "default"))


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


def operation_of(api, method, path, host=HOST):
    """The spec path template an actual path matches, or None."""
    from openapi_core.templating.paths.finders import APICallPathFinder

    finder = APICallPathFinder(api.spec)
    try:
        found = finder.find(method.lower(), host + path)
        return f"{method.upper()} {found.path.parts[-1] if hasattr(found.path, 'parts') else found.path}"
    except Exception:
        return None


def call(rec, base, method, path, body=None, spec_path=None, headers=None, expect=None,
         spec_host=None):
    """Sends one request, validates request and response; returns (status, parsed body).

    `path` may carry a query string; `body` is sent as JSON (a `bytes` body as is). With
    `expect`, a different status is a `scenario` finding (the check's scenario went off its
    script, so later calls would not test what they claim to). `spec_host`: the server the
    operation declares when it is not the spec's (an operation-level `servers`)."""
    host = spec_host or rec.host
    headers = headers or HEADERS
    if isinstance(body, bytes):
        data = body
    else:
        data = None if body is None else json.dumps(body).encode()
    status, raw, answered = send(base, method, path, data, headers)
    ctype = answered.get("Content-Type", "")
    rec.last_headers = {k.lower(): v for k, v in answered.items()}
    bare, _, query = path.partition("?")
    op = spec_path and f"{method.upper()} {spec_path}"
    if op is None:
        op = operation_of(rec.api, method, bare, host)
    if op is None:
        op = f"{method.upper()} {bare} (not in the spec)"
        rec.row(op)[0] += 1
        rec.finding(op, "unknown-operation", "")
        if expect is not None and status != expect:
            rec.finding(op, "scenario", f"expected {expect}, got {status}: {raw[:160]!r}")
        return status, parse(raw)
    rec.row(op)[0] += 1
    if expect is not None and status != expect:
        rec.finding(op, "scenario", f"expected {expect}, got {status}: {raw[:160]!r}")
    args = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    # openapi-core joins host and path with urljoin: a server with a path of its own
    # (`https://api.vtex.com/ponte`) keeps it only when the path is relative to it.
    base_url, rel = host, bare
    if urllib.parse.urlsplit(host).path.strip("/"):
        base_url, rel = host.rstrip("/") + "/", bare.lstrip("/")
    mreq = MockRequest(base_url, method.lower(), rel, headers=headers, args=args,
                       data=data or b"", content_type="application/json")
    try:
        rec.api.validate_request(mreq)
    except Exception as e:  # noqa: BLE001 - every validator error is a finding
        for m in messages(e):
            if "Security" in m or "security" in m:
                continue
            rec.finding(op, "request", m)
    if status >= 400 and not rec.documents_status(op, status):
        rec.finding(op, "status", f"{status}: {raw[:120]!r}")
        return status, parse(raw)
    mresp = MockResponse(raw or b"", status_code=status,
                         content_type=documented_media_type(rec, op, status, ctype))
    try:
        rec.api.validate_response(mreq, mresp)
    except Exception as e:  # noqa: BLE001
        for m in messages(e):
            rec.finding(op, "response", m)
    return status, parse(raw)


def documented_media_type(rec, op, status, ctype):
    """The answer's media type, spelled as the operation's response keys it when only the
    parameters differ (the orders spec keys one body `application/json; charset=utf-8`; a
    charset does not change what the body must be)."""
    base_type = (ctype.split(";")[0].strip() or "application/json").lower()
    method, path = op.split(" ", 1)
    responses = (rec.spec.get("paths", {}).get(path, {}).get(method.lower(), {})
                 .get("responses", {}))
    response = responses.get(str(status)) or responses.get("default") or {}
    for key in (response.get("content") or {}):
        if key.split(";")[0].strip().lower() == base_type:
            return key
    return base_type


def scenario(rec, op, ok, message):
    """Records a `scenario` finding under `op` unless `ok`."""
    if not ok:
        rec.finding(op, "scenario", message)


def validate_schema(rec, op, schema, value):
    """Validates `value` against an OpenAPI 3.0 schema of the spec (`$ref`s resolved against
    the spec), recording `undocumented` findings under the pseudo-operation `op`."""
    from jsonschema_path import SchemaPath
    from openapi_core.validation.schemas import oas30_read_schema_validators_factory

    rec.row(op)[0] += 1
    path = SchemaPath.from_dict(rec.spec)
    for part in schema:
        path = path / part
    validator = oas30_read_schema_validators_factory.create(path)
    try:
        validator.validate(value)
    except Exception as e:  # noqa: BLE001
        for m in messages(e):
            rec.finding(op, "undocumented", m)


def parse(raw):
    try:
        return json.loads(raw)
    except Exception:  # noqa: BLE001
        return None


def sim(base, method, path, body=None):
    """A call to the simulator's own `/_sim` endpoints (not validated); returns (status, body)."""
    data = None if body is None else json.dumps(body).encode()
    status, raw, _ = send(base, method, path, data, HEADERS)
    return status, parse(raw)


def send(base, method, path, data, headers):
    """One HTTP request (`data`: the body's bytes or None); returns (status, raw body, the
    answer's headers), an error status included."""
    req = urllib.request.Request(base + path, data=data, method=method)
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


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
