//! Proptest strategies for SSO tokens (`tests/sso.rs`): valid tokens (random claims within
//! the rules, a random key among the three algorithms, with or without the key set), single
//! byte edits of valid tokens, and arbitrary strings.

use crate::sso_corpus::{EC_KID, Obj, Signer, b64, header, jwks, signed};
use ponte_core::sso::{Audience, Expected, ValidateRequest};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// The largest time a claim may carry (end of year 9999).
pub const MAX_TIME: i64 = 253_402_300_799;
/// The largest integer JavaScript keeps exactly: requests for Node stay within it.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// A valid token and what it was made of.
#[derive(Debug, Clone)]
pub struct ValidCase {
    pub signer: Signer,
    pub request: ValidateRequest,
    /// The claims as written (in the token's order).
    pub claims: Obj,
}

impl ValidCase {
    /// The string claim `name` as written, if it is a string.
    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims
            .0
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
    }
}

fn audience() -> impl Strategy<Value = Audience> {
    prop_oneof![Just(Audience::Admin), Just(Audience::Webstore)]
}

/// `absent`, `null` or a value.
fn optional(value: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        3 => value.prop_map(Some),
    ]
    .boxed()
}

fn small_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Valid tokens: every rule of §I holds, whatever else varies.
pub fn valid_case() -> impl Strategy<Value = ValidCase> {
    let who = (
        "[a-z][a-z0-9]{0,15}",
        audience(),
        prop_oneof![
            "[a-z]{1,8}@[a-z]{1,8}\\.com",
            "vtexappkey-[a-z]{1,8}-[A-Z]{6}"
        ],
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]{0,20}",
        optional("[0-9a-f]{8}-[0-9a-f]{4}".prop_map(Value::from).boxed()),
        optional("[0-9a-f]{8}-[0-9a-f]{4}".prop_map(Value::from).boxed()),
    );
    let when = (
        0..=4_000_000_000i64,
        0..=600u32,
        0..=2_592_000i64,
        0..=600i64,
        0..=2_592_000i64,
        prop::option::of(0..=1_000_000i64),
    );
    let extra = (
        optional(Just(json!("user")).boxed()),
        optional(any::<bool>().prop_map(Value::from).boxed()),
        // Integers beyond ±2^53 stay out: the core keeps any i64 `idletimeout`, which the JS
        // glue's JSON.parse cannot carry exactly (see `tests/sso.rs`,
        // `idletimeout_beyond_2_pow_53_is_exact_through_node`).
        prop::option::of(
            prop_oneof![
                (0..=100_000i64).prop_map(Value::from),
                "[0-9]{1,6}".prop_map(Value::from),
                small_json(),
            ]
            .prop_map(|v| match v.as_i64() {
                Some(n) if n.abs() > MAX_SAFE_INTEGER => Value::from(n % MAX_SAFE_INTEGER),
                _ => v,
            }),
        ),
        prop::collection::btree_map("x[a-z]{0,5}", small_json(), 0..3),
    );
    let head = (
        prop::sample::select(Signer::GENUINE.to_vec()),
        any::<bool>(),
        prop_oneof![Just(None), Just(Some("jwt")), Just(Some("JWT"))],
        prop::option::of("[ -~]{0,20}"),
    );
    (who, when, extra, head, any::<u64>()).prop_map(
        |(
            (account, audience, sub, jti, sess, user_id),
            (now, leeway, iat_back, iat_fwd, exp_ahead, nbf_back),
            (token_type, is_representative, idletimeout, unknown),
            (signer, with_keys, typ, bare_kid),
            order_seed,
        )| {
            let leeway_i = i64::from(leeway);
            let iat = (now - iat_back + iat_fwd.min(leeway_i)).clamp(0, MAX_TIME);
            let exp = (now - leeway_i + 1 + exp_ahead).clamp(0, MAX_TIME);
            let mut members: Vec<(String, Value)> = vec![
                ("sub".into(), json!(sub)),
                ("account".into(), json!(account)),
                ("audience".into(), json!(audience.as_str())),
                ("exp".into(), json!(exp)),
                ("iat".into(), json!(iat)),
                ("iss".into(), json!("token-emitter")),
                ("jti".into(), json!(jti)),
            ];
            for (name, value) in [
                ("sess", sess),
                ("userId", user_id),
                ("type", token_type),
                ("isRepresentative", is_representative),
                ("idletimeout", idletimeout),
            ] {
                if let Some(value) = value {
                    members.push((name.into(), value));
                }
            }
            if let Some(back) = nbf_back {
                members.push((
                    "nbf".into(),
                    json!((now + leeway_i - back).clamp(0, MAX_TIME)),
                ));
            }
            members.extend(unknown);
            shuffle(&mut members, order_seed);
            let claims = Obj(members);
            let mut h = header(signer.alg(), signer.kid());
            if !with_keys {
                h = match bare_kid {
                    Some(kid) => h.set("kid", json!(kid)),
                    None => h.without("kid"),
                };
            }
            h = match typ {
                Some(typ) => h.set("typ", json!(typ)),
                None => h.without("typ"),
            };
            let token = signed(&h.text(), &claims.text(), signer);
            ValidCase {
                signer,
                request: ValidateRequest {
                    token,
                    expected: Expected {
                        audience,
                        account,
                        now,
                        leeway_seconds: leeway,
                    },
                    jwks: with_keys.then(jwks),
                },
                claims,
            }
        },
    )
}

/// A deterministic Fisher–Yates shuffle (SplitMix64 from `seed`).
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut rng = crate::bench::SplitMix::new(seed);
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// One single-byte edit of a token.
#[derive(Debug, Clone, Copy)]
pub enum Edit {
    /// The byte at the index becomes this ASCII byte.
    Replace(Index, u8),
    /// The byte at the index is removed.
    Delete(Index),
    /// This ASCII byte is inserted before the index (or at the end).
    Insert(Index, u8),
}

impl Edit {
    /// The edited token, and the byte offset where it differs from `token` (`None` if the
    /// edit changed nothing). `token` is ASCII, and so is the result.
    pub fn apply(self, token: &str) -> (String, Option<usize>) {
        let mut bytes = token.as_bytes().to_vec();
        let at = match self {
            Edit::Replace(i, b) => {
                let at = i.index(bytes.len());
                if bytes[at] == b {
                    return (token.to_owned(), None);
                }
                bytes[at] = b;
                at
            }
            Edit::Delete(i) => {
                let at = i.index(bytes.len());
                bytes.remove(at);
                at
            }
            Edit::Insert(i, b) => {
                let at = i.index(bytes.len() + 1);
                bytes.insert(at, b);
                at
            }
        };
        let edited = String::from_utf8(bytes).unwrap_or_else(|e| panic!("ASCII edit: {e}"));
        (edited, Some(at))
    }
}

/// Single-byte edits with ASCII bytes (a token is a string: other bytes would not be UTF-8).
pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), 0u8..0x80).prop_map(|(i, b)| Edit::Replace(i, b)),
        1 => any::<Index>().prop_map(Edit::Delete),
        1 => (any::<Index>(), 0u8..0x80).prop_map(|(i, b)| Edit::Insert(i, b)),
    ]
}

/// Arbitrary token strings: any Unicode, the base64url alphabet with dots, and three parts
/// of base64url over JSON-ish text and random signature bytes.
pub fn arbitrary_token() -> BoxedStrategy<String> {
    let json_ish = prop_oneof![
        "[{}\\[\\]\":,a-zA-Z0-9 .\\-]{0,60}",
        Just(header("ES256", EC_KID).text()),
        Just(crate::sso_corpus::vtex_claims().text()),
        small_json().prop_map(|v| v.to_string()),
    ];
    let structured = (
        json_ish.clone(),
        json_ish,
        prop_oneof![Just(64usize), Just(256usize), 0..300usize]
            .prop_flat_map(|len| prop::collection::vec(any::<u8>(), len)),
    )
        .prop_map(|(h, p, s)| format!("{}.{}.{}", b64(h.as_bytes()), b64(p.as_bytes()), b64(&s)));
    prop_oneof![any::<String>(), "[A-Za-z0-9_.=+/ -]{0,300}", structured,].boxed()
}

/// Arbitrary expectations; `now` within ±`now_bound`.
pub fn arbitrary_expected(now_bound: i64) -> impl Strategy<Value = Expected> {
    (
        audience(),
        "[a-z]{0,6}",
        -now_bound..=now_bound,
        any::<u32>(),
    )
        .prop_map(|(audience, account, now, leeway_seconds)| Expected {
            audience,
            account,
            now,
            leeway_seconds,
        })
}

/// Arbitrary requests: an arbitrary token and expectations, with or without the key set.
pub fn arbitrary_request(now_bound: i64) -> impl Strategy<Value = ValidateRequest> {
    (
        arbitrary_token(),
        arbitrary_expected(now_bound),
        any::<bool>(),
    )
        .prop_map(|(token, expected, with_keys)| ValidateRequest {
            token,
            expected,
            jwks: with_keys.then(jwks),
        })
}
