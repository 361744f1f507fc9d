"""The Master Data v1 part of the contract check, against spec/masterdata-api-v1.json.

Scenario (the customers' entities, CL and AD, and a generic acronym):
1. The entity list and CL's structure.
2. A CL created with `POST .../{acronym}/documents` (the generic operation's `201`), read with
   `_fields`, updated with `PATCH .../{id}` (`204`) and replaced with `PUT .../{id}` (`204`);
   the partial upsert `PATCH .../documents` with an `id` (created `201`, then unchanged `304`);
   a second CL with the same email (Master Data enforces no uniqueness, §F.1).
3. An AD linked by the bare CL id, read through the AD alias `GET`.
4. Search by email with `_fields`, `_sort` and `REST-Range`; scroll with `_size`, then the
   token until the empty page.
5. Versions: list, read one, restore it.
6. Refusals: a private field read without credentials (`403`, the one documented error body),
   an unknown document (`404`).
7. Deletes (generic, and through the CL and AD aliases).

The CL and AD alias pages of the OpenAPI file document other answers for the same URLs than
the generic operations (`POST` `200 {Id, Href}`, `PATCH` `200`); openapi-core matches those
URLs to the alias operations, so their findings are listed in allowances.py (§F.2 documents
the generic answers, which the simulator gives).
"""

from contract import HEADERS, call, scenario

ENTITY = "/api/dataentities"


def exercise(rec, base):
    call(rec, base, "GET", ENTITY, expect=200)
    call(rec, base, "GET", f"{ENTITY}/CL", expect=200)

    s, created = call(rec, base, "POST", f"{ENTITY}/CL/documents", {
        "email": "contract@example.com", "firstName": "Ana", "lastName": "Souza",
        "documentType": "CPF", "document": "52998224725", "isCorporate": False,
    }, expect=201)
    cl = (created or {}).get("documentId") or "missing"
    scenario(rec, "POST /api/dataentities/{acronym}/documents",
             isinstance(created, dict) and created.get("id") == f"CL-{cl}",
             f"the created id is not CL-<documentId>: {created}")
    call(rec, base, "GET", f"{ENTITY}/CL/documents/{cl}?_fields=email,firstName",
         spec_path="/api/dataentities/{acronym}/documents/{id}", expect=200)
    call(rec, base, "PATCH", f"{ENTITY}/CL/documents/{cl}", {"phone": "+5511999990000"},
         expect=204)
    call(rec, base, "PUT", f"{ENTITY}/CL/documents/{cl}", {
        "email": "contract@example.com", "firstName": "Ana", "lastName": "Souza Lima",
    }, expect=204)
    call(rec, base, "PATCH", f"{ENTITY}/CL/documents", {
        "id": "contract-fixed-1", "email": "fixed@example.com", "firstName": "Bia",
    }, expect=201)
    call(rec, base, "PATCH", f"{ENTITY}/CL/documents", {
        "id": "contract-fixed-1", "email": "fixed@example.com",
    }, expect=304)
    call(rec, base, "POST", f"{ENTITY}/CL/documents", {"email": "contract@example.com"},
         expect=201)

    s, ad = call(rec, base, "POST", f"{ENTITY}/AD/documents", {
        "userId": cl, "addressName": "casa", "addressType": "commercial",
        "receiverName": "Ana Souza", "street": "Av. São João", "number": "100",
        "city": "São Paulo", "state": "SP", "country": "BRA", "postalCode": "01035-000",
    }, expect=201)
    address = (ad or {}).get("documentId") or "missing"
    call(rec, base, "GET", f"{ENTITY}/AD/documents/{address}?_fields=_all", expect=200)

    s, found = call(rec, base, "GET",
                    f"{ENTITY}/CL/search?_where=email=contract@example.com"
                    "&_fields=email,firstName&_sort=firstName%20ASC",
                    headers={**HEADERS, "REST-Range": "resources=0-10"}, expect=200)
    scenario(rec, "GET /api/dataentities/{acronym}/search",
             rec.last_headers.get("rest-content-range") == "resources 0-2/2",
             f"REST-Content-Range: {rec.last_headers.get('rest-content-range')}")
    scenario(rec, "GET /api/dataentities/{acronym}/search",
             isinstance(found, list) and len(found) == 2,
             f"two profiles with one email expected (no uniqueness), got {found}")
    s, page = call(rec, base, "GET", f"{ENTITY}/CL/scroll?_size=2&_fields=email", expect=200)
    token = rec.last_headers.get("x-vtex-md-token")
    for _ in range(5):
        if not token:
            break
        s, page = call(rec, base, "GET", f"{ENTITY}/CL/scroll?_token={token}", expect=200)
        if page == []:
            break
    scenario(rec, "GET /api/dataentities/{acronym}/scroll", page == [],
             f"the scroll did not end with an empty page: {page}")

    s, versions = call(rec, base, "GET", f"{ENTITY}/CL/documents/{cl}/versions", expect=200)
    first = versions[0]["id"] if isinstance(versions, list) and versions else "missing"
    call(rec, base, "GET", f"{ENTITY}/CL/documents/{cl}/versions/{first}", expect=200)
    call(rec, base, "PUT", f"{ENTITY}/CL/documents/{cl}/versions/{first}", expect=200)

    call(rec, base, "GET", f"{ENTITY}/CL/documents/{cl}?_fields=email",
         spec_path="/api/dataentities/{acronym}/documents/{id}",
         headers={"Accept": "application/json", "Content-Type": "application/json"},
         expect=403)
    call(rec, base, "GET", f"{ENTITY}/CL/documents/no-such-document",
         spec_path="/api/dataentities/{acronym}/documents/{id}", expect=404)

    call(rec, base, "DELETE", f"{ENTITY}/AD/documents/{address}", expect=204)
    call(rec, base, "DELETE", f"{ENTITY}/CL/documents/{cl}", expect=204)
    s, z = call(rec, base, "POST", f"{ENTITY}/ZZ/documents", {"note": "generic"}, expect=201)
    call(rec, base, "DELETE", f"{ENTITY}/ZZ/documents/{(z or {}).get('documentId')}",
         expect=204)



def exercise_schemas(rec, base):
    """Master Data v2's schemas (spec/masterdata-api-v2.json), where `v-triggers` live: two
    schemas saved on a generic entity (one with a trigger whose condition matches nothing, so
    it calls nowhere), listed (two schemas: the array; one is answered as the object alone, as
    the operation's description says, which the array schema cannot express: the simulator's
    own test covers it), read by name, and deleted."""
    call(rec, base, "PUT", f"{ENTITY}/ZZ/schemas/contract-a", {
        "properties": {"note": {"type": "string"}}, "v-indexed": ["note"],
    }, expect=200)
    call(rec, base, "PUT", f"{ENTITY}/ZZ/schemas/contract-b", {
        "properties": {"note": {"type": "string"}},
        "v-triggers": [{
            "name": "never", "active": True, "condition": "note=never-written",
            "action": {"type": "http", "uri": "https://erp.example.com/hook", "method": "POST",
                       "headers": {"content-type": "application/json"}, "body": {"id": "{!id}"}},
        }],
    }, expect=200)
    s, listed = call(rec, base, "GET", f"{ENTITY}/ZZ/schemas", expect=200)
    scenario(rec, "GET /api/dataentities/{dataEntityName}/schemas",
             isinstance(listed, list) and sorted(x.get("name") for x in listed)
             == ["contract-a", "contract-b"],
             f"the two schemas expected, got {listed}")
    call(rec, base, "GET", f"{ENTITY}/ZZ/schemas/contract-a", expect=200)
    call(rec, base, "DELETE", f"{ENTITY}/ZZ/schemas/contract-b", expect=204)
    call(rec, base, "DELETE", f"{ENTITY}/ZZ/schemas/contract-a", expect=204)
