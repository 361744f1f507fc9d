//! Master Data v1: documents of any data entity (`{acronym}`), with CL (shopper profiles) and
//! AD (addresses) as VTEX ships them (`docs/vtex/F-customers.md` §F.1, §F.2).
//!
//! VTEX serves it on the account host, `{account}.vtexcommercestable.com.br/api/dataentities/...`
//! (§0). The paths are not `/pvt/`: an anonymous request reaches the handlers, which refuse
//! the fields that are not public (below).
//!
//! | Endpoint | Source |
//! |---|---|
//! | `POST /api/dataentities/{ac}/documents` → `201 {id: "{ac}-{uuid}", href, documentId}` | OpenAPI MasterData v10.2 `Createnewdocument`; §F.2 |
//! | `PATCH /api/dataentities/{ac}/documents` (body `id` optional) → `201` as `POST`, `304` when nothing changed | OpenAPI `Createorupdatepartialdocument`; §F.2 |
//! | `PUT /api/dataentities/{ac}/documents` (body with `id`) → `200` (replaced) or `201` (created), the `POST` body | node-vtex-api `Masterdata.ts` (full upsert); §F.2 [inferred] |
//! | `GET /api/dataentities/{ac}/documents/{id}?_fields=` → `200`; `403 {"Message": "Cannot read private fields"}` | OpenAPI `Getdocument`; §F.2 |
//! | `PUT /api/dataentities/{ac}/documents/{id}` → `204` (creates, or replaces: fields left out are cleared) | OpenAPI `Updateentiredocument`; §F.2 |
//! | `PATCH /api/dataentities/{ac}/documents/{id}` → `204` (the fields sent only) | OpenAPI `Updatepartialdocument`; §F.2 |
//! | `DELETE /api/dataentities/{ac}/documents/{id}` → `204` | OpenAPI `Deletedocument`; §F.2 |
//! | `GET /api/dataentities/{ac}/search?_where=&_fields=&_sort=` with `REST-Range: resources=x-y` → `200 [...]`, `REST-Content-Range`; `503` when wildcard queries are throttled | OpenAPI `Searchdocuments`; §F.2 |
//! | `GET /api/dataentities/{ac}/scroll?_size=&_where=&_fields=&_sort=`, then `?_token=` → `200 [...]`, `X-VTEX-MD-TOKEN`, `REST-Content-Total`; `400` for an expired token; `429` when throttled | OpenAPI `Scrolldocuments`; §F.2 |
//! | `GET .../documents/{id}/versions` → `[{id, date}]`; `GET .../versions/{v}` → `{id, author, document}`; `PUT .../versions/{v}` → `200 {Id, Href}` (restored) or `304` (already the current content) | OpenAPI `Listversions`, `Getversion`, `Putversion`; §F.2 |
//! | `GET /api/dataentities` → `[{acronym, name, primaryKeyType, allowGetAll}]`; `GET /api/dataentities/{ac}` → the structure with `fields[{name, type, displayName, isNullable, isSearchable, isFilter, isInternal}]` | OpenAPI `Listdataentities`, `Getdataentitystructure`; §F.2 |
//!
//! VTEX's rules played:
//! - a document read answers its system fields (`id`, `accountId`, `accountName`,
//!   `dataEntityId`) and the fields `_fields` names; `_all` names every field (the OpenAPI's
//!   `fields` parameter and `Getdocument` example);
//! - `REST-Range: resources=x-y` returns the documents `x` to `y - 1`, at most 100 (the OpenAPI
//!   text of `REST-Range`); `REST-Content-Range: resources x-y/total`, as §F.2 writes it (the
//!   OpenAPI's example writes `resources=0-10/98`);
//! - a scroll token expires 20 minutes after its last use, on the simulated clock; `_size` is at
//!   most 1000 and fixed by the first call; an empty page ends the scroll (OpenAPI
//!   `Scrolldocuments`);
//! - every write keeps a version (§F.2);
//! - **uniqueness is not enforced**: two documents may hold one email (§F.1: the API does not
//!   document server-side uniqueness; `docs/vtex/H-gaps.md` §H.7). The emulator default of
//!   §F.1 (refusing a second CL email) is available as `uniqueClEmail` and off by default, so
//!   tests can see the duplicates VTEX lets through;
//! - fields are private unless their entity says otherwise: a field readable, editable or
//!   filterable without credentials is so only when the entity marks it (VTEX Help Center,
//!   "Restrict public access to Master Data fields", slug
//!   `restrict-public-access-to-master-data-fields`); a request without credentials (app key
//!   and token, or `VtexIdclientAutCookie`) that reads, writes or filters a private field gets
//!   `403 {"Message": "Cannot read private fields"}` (or `write`, `filter`).
//!
//! Where VTEX is silent, **[sim's choices]**, configurable in [`MasterDataSettings`]
//! (`SimConfig::masterdata`, `GET|PUT /_sim/masterdata/settings`):
//! - CL and AD are defined with the fields of §F.1, every one private, filterable and searchable;
//!   any other acronym is created by its first write with every field public (`unknownEntities:
//!   "create"`; `"refuse"` answers `404`). Fields outside an entity's list are stored as sent;
//! - a `POST` or `PATCH .../documents` body `id` names the document (created when new, updated
//!   when it exists); `PATCH .../documents/{id}` on a missing document is `404` (`patchCreates`
//!   makes it create), as is `GET` and `DELETE`;
//! - `REST-Range` missing reads `resources=0-15`; a range over 100 or reversed is `400`;
//! - throttling: at most `wildcardSearchesPerSecond` searches with a `*` (or `keyword`) per
//!   second and account (default 20; then `503`), `scrollsPerSecond` scroll calls (default 20;
//!   then `429`), and `writesPerSecond` writes (default none; then `429` with `Retry-After: 1`),
//!   on the real clock; VTEX documents the statuses, not the figures;
//! - equality in `_where` is exact (`caseInsensitiveEquality` makes it ignore case); a search
//!   without `_sort` answers in creation order; at most 20 versions are kept per document;
//! - the version `author` and `createdBy`/`updatedBy` are the app key, `vtexid-user` for a
//!   VTEX ID token, or `anonymous` (never a token).
//!
//! Triggers that call HTTP endpoints (`v-triggers` of a schema, `PUT .../schemas/{name}`) are
//! played as [`triggers`] describes. **[sim's limit]**: attachments, clusters and scores are
//! not served.
//! Documents persist in the store (table `masterdata_documents`); scroll tokens and the
//! throttling counters are in memory.

pub mod query;
mod routes;
pub mod triggers;

pub use routes::{routes, sim_routes};

use crate::platform::clock::SimClock;
use crate::platform::error::{ApiError, StoreError};
use crate::platform::store::{Store, decode, encode};
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use triggers::{Attempt, Outbound, TriggerSchemas};

/// `(account, acronym, id)` → JSON [`Doc`].
const DOCUMENTS: TableDefinition<(&str, &str, &str), &str> =
    TableDefinition::new("masterdata_documents");

/// An entity the sim does not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnknownEntities {
    /// Created by the first write, every field public.
    #[default]
    Create,
    /// `404`.
    Refuse,
}

/// The simulator's choices where VTEX is silent (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MasterDataSettings {
    pub unknown_entities: UnknownEntities,
    pub unique_cl_email: bool,
    pub patch_creates: bool,
    pub case_insensitive_equality: bool,
    pub wildcard_searches_per_second: Option<u32>,
    pub scrolls_per_second: Option<u32>,
    pub writes_per_second: Option<u32>,
    /// Idle time before a scroll token expires (20 minutes, §F.2).
    pub scroll_token_ttl_ms: i64,
    pub max_versions: usize,
    /// Which schemas' triggers a write runs ([`triggers`]).
    pub trigger_schemas: TriggerSchemas,
    /// Replaces every trigger's delay between attempts (ms); none: the trigger's own.
    pub trigger_delay_ms: Option<u64>,
    /// Added to every `/api/dataentities` call: `latencyMs` plus a deterministic pseudo-random
    /// `0..=latencyJitterMs` (VTEX-like round trips for benchmarks; 0 by default).
    pub latency_ms: u64,
    pub latency_jitter_ms: u64,
}

impl Default for MasterDataSettings {
    fn default() -> Self {
        MasterDataSettings {
            unknown_entities: UnknownEntities::Create,
            unique_cl_email: false,
            patch_creates: false,
            case_insensitive_equality: false,
            wildcard_searches_per_second: Some(20),
            scrolls_per_second: Some(20),
            writes_per_second: None,
            scroll_token_ttl_ms: 20 * 60 * 1000,
            max_versions: 20,
            trigger_schemas: TriggerSchemas::Any,
            trigger_delay_ms: None,
            latency_ms: 0,
            latency_jitter_ms: 0,
        }
    }
}

/// A field of an entity, as the structure endpoint answers it, with the access flags of the
/// Help Center's "Restrict public access" page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub display_name: String,
    pub is_nullable: bool,
    pub is_searchable: bool,
    pub is_filter: bool,
    pub is_internal: bool,
    /// Readable without credentials.
    #[serde(default)]
    pub public_read: bool,
    /// Editable without credentials.
    #[serde(default)]
    pub public_write: bool,
    /// Filterable without credentials.
    #[serde(default)]
    pub public_filter: bool,
}

/// A data entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    pub acronym: String,
    pub name: String,
    pub allow_get_all: bool,
    pub fields: Vec<Field>,
    /// Fields outside `fields` are public (an entity created by a write).
    #[serde(default)]
    pub open: bool,
}

impl Entity {
    fn field(&self, name: &str) -> Option<&Field> {
        let top = name.split_once('.').map_or(name, |(a, _)| a);
        self.fields.iter().find(|f| f.name == top)
    }

    /// Whether `name` may be read (`Read`), written or filtered without credentials.
    pub fn public(&self, name: &str, access: Access) -> bool {
        if SYSTEM_FIELDS.contains(&name) {
            return access != Access::Write;
        }
        match self.field(name) {
            Some(f) => match access {
                Access::Read => f.public_read,
                Access::Write => f.public_write,
                Access::Filter => f.public_filter,
            },
            None => self.open,
        }
    }
}

/// What a request does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Filter,
}

/// Fields the platform sets; a write cannot set them.
pub const SYSTEM_FIELDS: [&str; 8] = [
    "id",
    "accountId",
    "accountName",
    "dataEntityId",
    "createdIn",
    "createdBy",
    "updatedIn",
    "updatedBy",
];

/// The fields every read answers (`Getdocument`'s example).
pub const ID_FIELDS: [&str; 4] = ["id", "accountId", "accountName", "dataEntityId"];

fn private_field(name: &str, kind: &str) -> Field {
    Field {
        name: name.to_owned(),
        kind: kind.to_owned(),
        display_name: name.to_owned(),
        is_nullable: true,
        is_searchable: true,
        is_filter: true,
        is_internal: false,
        public_read: false,
        public_write: false,
        public_filter: false,
    }
}

/// CL and AD with the fields of §F.1.
pub fn builtin_entities() -> Vec<Entity> {
    let cl_text = [
        "email",
        "firstName",
        "lastName",
        "phone",
        "documentType",
        "document",
        "corporateName",
        "tradeName",
        "corporateDocument",
        "stateRegistration",
        "homePhone",
        "cellPhone",
        "localeDefault",
        "priceTables",
        "userId",
        "lastInteractionIn",
        "lastInteractionBy",
    ];
    let cl_flags = [
        "isCorporate",
        "isFreeStateRegistration",
        "isNewsletterOptIn",
    ];
    let ad_text = [
        "addressName",
        "addressLabel",
        "addressType",
        "receiverName",
        "street",
        "number",
        "complement",
        "neighborhood",
        "city",
        "state",
        "country",
        "postalCode",
        "reference",
        "userId",
    ];
    let mut cl: Vec<Field> = cl_text
        .iter()
        .map(|n| private_field(n, "Varchar300"))
        .collect();
    cl.extend(cl_flags.iter().map(|n| private_field(n, "Boolean")));
    cl.push(private_field("restrictions", "Json"));
    let mut ad: Vec<Field> = ad_text
        .iter()
        .map(|n| private_field(n, "Varchar300"))
        .collect();
    ad.push(private_field("geoCoordinate", "Json"));
    vec![
        Entity {
            acronym: "CL".into(),
            name: "client".into(),
            allow_get_all: false,
            fields: cl,
            open: false,
        },
        Entity {
            acronym: "AD".into(),
            name: "address".into(),
            allow_get_all: false,
            fields: ad,
            open: false,
        },
    ]
}

/// One saved version of a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    pub id: String,
    pub date: String,
    pub author: String,
    pub document: Map<String, Value>,
}

/// A stored document: its fields (system fields included) and its versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Creation order, for reads without `_sort`.
    #[serde(default)]
    pub seq: u64,
}

/// An open scroll: the matching ids when it began, how far it got, its page size and fields.
#[derive(Debug, Clone)]
pub struct Scroll {
    pub account: String,
    pub acronym: String,
    pub ids: Vec<String>,
    pub next: usize,
    pub size: usize,
    pub fields: Vec<String>,
    pub last_used_ms: i64,
}

/// Counters for tests (`GET /_sim/masterdata/stats`).
#[derive(Debug, Default, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterDataStats {
    /// Accepted writes per `METHOD acronym` (`PATCH CL`, `DELETE AD`).
    pub writes: BTreeMap<String, u64>,
    pub searches: u64,
    pub scrolls: u64,
    /// Answers `304 Not Modified`.
    pub not_modified: u64,
    /// Refusals by status (`403`, `429`, `503`).
    pub refused: BTreeMap<u16, u64>,
}

type DocKey = (String, String, String);

#[derive(Debug, Default)]
struct State {
    docs: BTreeMap<DocKey, Doc>,
    entities: BTreeMap<(String, String), Entity>,
    scrolls: BTreeMap<String, Scroll>,
    seq: u64,
    /// `(account, class)` → (second, count).
    windows: BTreeMap<(String, &'static str), (u64, u32)>,
    stats: MasterDataStats,
    /// `(account, entity, schema name)` → the JSON schema ([`triggers`]).
    schemas: BTreeMap<(String, String, String), Value>,
}

/// Master Data's state, written through to the store.
#[derive(Debug)]
pub struct MasterData {
    store: Store,
    clock: Arc<SimClock>,
    settings: Mutex<MasterDataSettings>,
    state: Mutex<State>,
    /// Where triggers send their requests (set once the IO router exists).
    outbound: OnceLock<Outbound>,
    /// The last trigger attempts.
    attempts: Arc<Mutex<VecDeque<Attempt>>>,
    /// The latency's jitter.
    jitter: crate::platform::rng::Jitter,
}

/// One document write (see [`MasterData::write`]).
#[derive(Debug, Clone)]
pub struct WriteRequest<'a> {
    pub account: &'a str,
    pub acronym: &'a str,
    /// None: a new GUID.
    pub id: Option<String>,
    pub body: Map<String, Value>,
    pub mode: WriteMode,
    /// A missing document is `404`.
    pub must_exist: bool,
    pub author: &'a str,
    /// The stats' label (`PATCH CL`).
    pub label: &'a str,
    /// The schema the write names (`?_schema=`).
    pub schema: Option<&'a str>,
}

pub type SharedMasterData = Arc<MasterData>;

/// A write's effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    Created(String),
    Updated(String),
    Unchanged(String),
}

/// How a write treats the fields it does not send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Every field not sent is cleared (`PUT`).
    Replace,
    /// Only the fields sent change (`PATCH`, `POST`).
    Merge,
}

impl MasterData {
    /// Creates the table and loads what it holds.
    pub fn load(
        store: Store,
        clock: Arc<SimClock>,
        settings: MasterDataSettings,
    ) -> Result<MasterData, StoreError> {
        store.create_tables(|txn| {
            txn.open_table(DOCUMENTS)?;
            Ok(())
        })?;
        let mut state = State::default();
        let txn = store.read()?;
        for entry in txn.open_table(DOCUMENTS)?.iter()? {
            let (key, value) = entry?;
            let (account, acronym, id) = key.value();
            let doc: Doc = decode(value.value(), "Master Data document", || {
                format!("{account}/{acronym}/{id}")
            })?;
            state.seq = state.seq.max(doc.seq);
            state
                .docs
                .insert((account.to_owned(), acronym.to_owned(), id.to_owned()), doc);
        }
        drop(txn);
        Ok(MasterData {
            store,
            clock,
            settings: Mutex::new(settings),
            state: Mutex::new(state),
            outbound: OnceLock::new(),
            attempts: Arc::new(Mutex::new(VecDeque::new())),
            jitter: crate::platform::rng::Jitter::new(0x6d61_7374_6572),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn settings(&self) -> MasterDataSettings {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_settings(&self, settings: MasterDataSettings) {
        *self.settings.lock().unwrap_or_else(PoisonError::into_inner) = settings;
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Now as VTEX writes it.
    pub fn now_iso(&self) -> String {
        crate::platform::clock::iso(self.clock.now_ms() * crate::platform::clock::TICKS_PER_MS)
    }

    /// The entity of an acronym: a defined one, a built-in one, or (`create`) an open one when
    /// `creating`.
    pub fn entity(&self, account: &str, acronym: &str, creating: bool) -> Result<Entity, ApiError> {
        let state = self.state();
        if let Some(e) = state
            .entities
            .get(&(account.to_owned(), acronym.to_owned()))
        {
            return Ok(e.clone());
        }
        if let Some(e) = builtin_entities()
            .into_iter()
            .find(|e| e.acronym == acronym)
        {
            return Ok(e);
        }
        let known = state
            .docs
            .range((account.to_owned(), acronym.to_owned(), String::new())..)
            .next()
            .is_some_and(|((a, ac, _), _)| a == account && ac == acronym);
        if known || (creating && self.settings().unknown_entities == UnknownEntities::Create) {
            return Ok(Entity {
                acronym: acronym.to_owned(),
                name: acronym.to_owned(),
                allow_get_all: true,
                fields: Vec::new(),
                open: true,
            });
        }
        Err(ApiError::not_found(
            "DATA_ENTITY_NOT_FOUND",
            format!("data entity {acronym} does not exist"),
        ))
    }

    /// The entities of an account (built-in, defined, and those holding documents).
    pub fn entities(&self, account: &str) -> Vec<Entity> {
        let mut out: BTreeMap<String, Entity> = builtin_entities()
            .into_iter()
            .map(|e| (e.acronym.clone(), e))
            .collect();
        let state = self.state();
        for ((a, ac), e) in &state.entities {
            if a == account {
                out.insert(ac.clone(), e.clone());
            }
        }
        for (a, ac, _) in state.docs.keys() {
            if a == account && !out.contains_key(ac) {
                out.insert(
                    ac.clone(),
                    Entity {
                        acronym: ac.clone(),
                        name: ac.clone(),
                        allow_get_all: true,
                        fields: Vec::new(),
                        open: true,
                    },
                );
            }
        }
        out.into_values().collect()
    }

    /// Defines (or redefines) an entity (`PUT /_sim/masterdata/entities/{ac}`).
    pub fn define(&self, account: &str, entity: Entity) {
        self.state()
            .entities
            .insert((account.to_owned(), entity.acronym.clone()), entity);
    }

    /// One document's fields.
    pub fn get(&self, account: &str, acronym: &str, id: &str) -> Option<Doc> {
        self.state()
            .docs
            .get(&(account.to_owned(), acronym.to_owned(), id.to_owned()))
            .cloned()
    }

    /// Every document of an entity, in creation order.
    pub fn all(&self, account: &str, acronym: &str) -> Vec<Map<String, Value>> {
        let state = self.state();
        let mut docs: Vec<&Doc> = state
            .docs
            .iter()
            .filter(|((a, ac, _), _)| a == account && ac == acronym)
            .map(|(_, d)| d)
            .collect();
        docs.sort_by_key(|d| d.seq);
        docs.into_iter().map(|d| d.fields.clone()).collect()
    }

    /// Counts a call against a per-second window; `false` when over `limit`.
    pub fn admit(&self, account: &str, class: &'static str, limit: Option<u32>) -> bool {
        let Some(limit) = limit else { return true };
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut state = self.state();
        let w = state
            .windows
            .entry((account.to_owned(), class))
            .or_insert((second, 0));
        if w.0 != second {
            *w = (second, 0);
        }
        w.1 += 1;
        w.1 <= limit
    }

    pub fn count_refusal(&self, status: u16) {
        *self.state().stats.refused.entry(status).or_default() += 1;
    }

    pub fn count_read(&self, scroll: bool) {
        let mut state = self.state();
        if scroll {
            state.stats.scrolls += 1;
        } else {
            state.stats.searches += 1;
        }
    }

    /// Writes a document: creates it (a new GUID when `id` is `None`) or updates it, keeping a
    /// version, then runs the entity's triggers when it changed.
    pub fn write(&self, w: WriteRequest<'_>) -> Result<WriteOutcome, ApiError> {
        let WriteRequest {
            account,
            acronym,
            id,
            body,
            mode,
            must_exist,
            author,
            label,
            schema,
        } = w;
        let settings = self.settings();
        let now = self.now_iso();
        let mut state = self.state();
        let id = id.unwrap_or_else(crate::platform::rng::uuid_v4);
        let key = (account.to_owned(), acronym.to_owned(), id.clone());
        let held = state.docs.get(&key).cloned();
        if held.is_none() && must_exist {
            return Err(ApiError::not_found(
                "DOCUMENT_NOT_FOUND",
                format!("document {id} does not exist in {acronym}"),
            ));
        }
        let sent: Map<String, Value> = body
            .into_iter()
            .filter(|(k, _)| !SYSTEM_FIELDS.contains(&k.as_str()))
            .collect();
        let mut fields = match (&held, mode) {
            (Some(h), WriteMode::Merge) => h.fields.clone(),
            (Some(h), WriteMode::Replace) => h
                .fields
                .iter()
                .filter(|(k, _)| SYSTEM_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            (None, _) => Map::new(),
        };
        for (k, v) in sent {
            fields.insert(k, v);
        }
        if let Some(h) = &held
            && h.fields == fields
        {
            state.stats.not_modified += 1;
            return Ok(WriteOutcome::Unchanged(id));
        }
        if settings.unique_cl_email
            && acronym == "CL"
            && let Some(email) = fields.get("email").and_then(Value::as_str)
        {
            let taken = state.docs.iter().any(|((a, ac, other), d)| {
                a == account
                    && ac == "CL"
                    && *other != id
                    && d.fields.get("email").and_then(Value::as_str) == Some(email)
            });
            if taken {
                return Err(ApiError::bad(
                    "DUPLICATED_EMAIL",
                    "a profile with this email already exists",
                ));
            }
        }
        fields.insert("id".into(), Value::String(id.clone()));
        fields.insert("accountId".into(), Value::String(account_id(account)));
        fields.insert("accountName".into(), Value::String(account.to_owned()));
        fields.insert("dataEntityId".into(), Value::String(acronym.to_owned()));
        fields.insert("updatedIn".into(), Value::String(now.clone()));
        fields.insert("updatedBy".into(), Value::String(author.to_owned()));
        if held.is_none() {
            fields.insert("createdIn".into(), Value::String(now.clone()));
            fields.insert("createdBy".into(), Value::String(author.to_owned()));
        }
        state.seq += 1;
        let seq = held.as_ref().map_or(state.seq, |h| h.seq);
        let mut versions = held
            .as_ref()
            .map(|h| h.versions.clone())
            .unwrap_or_default();
        versions.push(Version {
            id: crate::platform::rng::uuid_v4(),
            date: now,
            author: author.to_owned(),
            document: fields.clone(),
        });
        let excess = versions.len().saturating_sub(settings.max_versions.max(1));
        versions.drain(..excess);
        let doc = Doc {
            fields,
            versions,
            seq,
        };
        self.persist(&key, Some(&doc))?;
        let written = doc.fields.clone();
        state.docs.insert(key, doc);
        *state.stats.writes.entry(label.to_owned()).or_default() += 1;
        drop(state);
        self.fire(account, acronym, schema, &written);
        Ok(if held.is_some() {
            WriteOutcome::Updated(id)
        } else {
            WriteOutcome::Created(id)
        })
    }

    /// Restores a version (a new version is kept); `None` when the document or the version does
    /// not exist.
    pub fn restore(
        &self,
        account: &str,
        acronym: &str,
        id: &str,
        version: &str,
        author: &str,
    ) -> Result<Option<WriteOutcome>, ApiError> {
        let Some(doc) = self.get(account, acronym, id) else {
            return Ok(None);
        };
        let Some(v) = doc.versions.iter().find(|v| v.id == version) else {
            return Ok(None);
        };
        self.write(WriteRequest {
            account,
            acronym,
            id: Some(id.to_owned()),
            body: v.document.clone(),
            mode: WriteMode::Replace,
            must_exist: true,
            author,
            label: &format!("PUT {acronym} version"),
            schema: None,
        })
        .map(Some)
    }

    /// Deletes a document; `false` when there was none.
    pub fn delete(&self, account: &str, acronym: &str, id: &str) -> Result<bool, ApiError> {
        let mut state = self.state();
        let key = (account.to_owned(), acronym.to_owned(), id.to_owned());
        if !state.docs.contains_key(&key) {
            return Ok(false);
        }
        self.persist(&key, None)?;
        state.docs.remove(&key);
        *state
            .stats
            .writes
            .entry(format!("DELETE {acronym}"))
            .or_default() += 1;
        Ok(true)
    }

    fn persist(&self, key: &DocKey, doc: Option<&Doc>) -> Result<(), ApiError> {
        let txn = self.store.write()?;
        {
            let mut table = txn.open_table(DOCUMENTS).map_err(StoreError::from)?;
            let k = (key.0.as_str(), key.1.as_str(), key.2.as_str());
            match doc {
                Some(d) => {
                    table
                        .insert(k, encode(d, "Master Data document")?.as_str())
                        .map_err(StoreError::from)?;
                }
                None => {
                    table.remove(k).map_err(StoreError::from)?;
                }
            }
        }
        txn.commit().map_err(StoreError::from)?;
        Ok(())
    }

    /// Opens a scroll over `ids` and returns its token.
    pub fn open_scroll(&self, scroll: Scroll) -> String {
        let token = crate::platform::rng::random_hex(16).to_ascii_lowercase();
        self.state().scrolls.insert(token.clone(), scroll);
        token
    }

    /// The next page of ids of a scroll, touching its expiry; `None` for an unknown or expired
    /// token.
    pub fn scroll_page(&self, token: &str) -> Option<(Scroll, Vec<String>)> {
        let ttl = self.settings().scroll_token_ttl_ms;
        let now = self.clock.now_ms();
        let mut state = self.state();
        state
            .scrolls
            .retain(|_, s| now.saturating_sub(s.last_used_ms) < ttl);
        let s = state.scrolls.get_mut(token)?;
        let end = (s.next + s.size).min(s.ids.len());
        let page = s.ids[s.next..end].to_vec();
        s.next = end;
        s.last_used_ms = now;
        Some((s.clone(), page))
    }

    pub fn stats(&self) -> MasterDataStats {
        self.state().stats.clone()
    }

    /// This call's added latency ([`MasterDataSettings::latency_ms`]).
    pub fn latency(&self) -> std::time::Duration {
        let s = self.settings();
        self.jitter.delay(s.latency_ms, s.latency_jitter_ms)
    }

    /// Lets triggers send their requests (the simulator calls it once the IO router exists).
    pub fn set_outbound(&self, outbound: Outbound) {
        let _ = self.outbound.set(outbound);
    }

    /// Saves a JSON schema on an entity (its triggers checked first).
    pub fn save_schema(
        &self,
        account: &str,
        entity: &str,
        name: &str,
        schema: Value,
    ) -> Result<(), ApiError> {
        triggers::triggers_of(&schema)?;
        self.state().schemas.insert(
            (account.to_owned(), entity.to_owned(), name.to_owned()),
            schema,
        );
        Ok(())
    }

    /// Removes a schema (and so its triggers); false when there was none.
    pub fn delete_schema(&self, account: &str, entity: &str, name: &str) -> bool {
        self.state()
            .schemas
            .remove(&(account.to_owned(), entity.to_owned(), name.to_owned()))
            .is_some()
    }

    /// An entity's schemas by name.
    pub fn schemas(&self, account: &str, entity: &str) -> Vec<(String, Value)> {
        self.state()
            .schemas
            .iter()
            .filter(|((a, e, _), _)| a == account && e == entity)
            .map(|((_, _, n), v)| (n.clone(), v.clone()))
            .collect()
    }

    /// The trigger attempts made so far (the last [`triggers::LOG_SIZE`]).
    pub fn trigger_attempts(&self) -> Vec<Attempt> {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Sends the requests of the entity's triggers whose condition the document meets, each
    /// retried in the background as its `retry` says.
    fn fire(&self, account: &str, acronym: &str, schema: Option<&str>, doc: &Map<String, Value>) {
        let (Some(out), Ok(rt)) = (
            self.outbound.get().cloned(),
            tokio::runtime::Handle::try_current(),
        ) else {
            return;
        };
        let settings = self.settings();
        let saved: Vec<Value> = self
            .schemas(account, acronym)
            .into_iter()
            .filter(|(n, _)| {
                settings.trigger_schemas == TriggerSchemas::Any || Some(n.as_str()) == schema
            })
            .map(|(_, v)| v)
            .collect();
        let refs: Vec<&Value> = saved.iter().collect();
        let calls = triggers::calls(
            &refs,
            acronym,
            doc,
            settings.case_insensitive_equality,
            settings.trigger_delay_ms,
        );
        for call in calls {
            let (out, log) = (out.clone(), self.attempts.clone());
            rt.spawn(async move {
                for attempt in 1..=call.times {
                    let status = out.send(&call).await;
                    let ok = status.is_some_and(|s| (200..300).contains(&s));
                    {
                        let mut l = log.lock().unwrap_or_else(PoisonError::into_inner);
                        if l.len() >= triggers::LOG_SIZE {
                            l.pop_front();
                        }
                        l.push_back(Attempt {
                            trigger: call.trigger.clone(),
                            entity: call.entity.clone(),
                            document_id: call.document_id.clone(),
                            attempt,
                            status,
                            ok,
                        });
                    }
                    if ok {
                        break;
                    }
                    if attempt < call.times {
                        tokio::time::sleep(call.delay).await;
                    }
                }
            });
        }
    }
}

/// A stable account id (VTEX's is a GUID).
pub fn account_id(account: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("ponte-sim account {account}").as_bytes());
    let hex: String = h[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
