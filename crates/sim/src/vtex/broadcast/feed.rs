//! The feed queue of one (account, app key): messages, visibility, handles, retention.
//!
//! Per message (§B.4): `Visible --receive--> InFlight(until now + visibility)
//! --commit--> Deleted`, `InFlight --timeout--> Visible` (the next receive issues a **new**
//! handle), any state `--age > retention--> Deleted`. Messages are persisted; the in-flight state
//! is not, so after a restart every message is visible again (as if its visibility timed out).
//!
//! The handle is an HS256 JWT (signed with a per-run secret) whose payload carries VTEX's claims
//! (`AppKey`, `Account`, `Handle`, `OrderId`, `MessageId`, `Domain`, `State`, `LastState`,
//! `LastChange`, `CurrentChange`, `CreatedAt`, `iss`, `aud`); `Handle` is the receipt of that
//! one receive. A commit deletes a message only with the handle of its latest receive; any
//! other handle (older receive, unknown, bad signature, other run) is a `200` no-op, as SQS does
//! with stale receipt handles **[emulator default]**.

use super::config::FeedConfig;
use super::{Rng, Stats, iso, random_hex};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// `(account, key)`: one feed or hook (key = the app key when feeds are per app key, else `""`).
pub type Target = (String, String);

/// A queued event, as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    pub event_id: String,
    pub message_id: String,
    pub domain: String,
    pub state: String,
    pub last_state: String,
    pub order_id: String,
    pub last_change: String,
    pub current_change: String,
    pub origin_account: String,
    pub origin_key: String,
    /// Simulated ms since the epoch.
    pub enqueued_at: i64,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub stored: StoredMessage,
    pub visible_at: i64,
    pub receipt: Option<String>,
    pub receives: u32,
}

#[derive(Debug, Clone)]
pub struct Feed {
    pub config: FeedConfig,
    pub messages: BTreeMap<u64, Message>,
}

impl Feed {
    pub fn new(config: FeedConfig) -> Self {
        Feed {
            config,
            messages: BTreeMap::new(),
        }
    }

    /// Removes messages past retention; returns their seqs.
    pub fn expire(&mut self, now: i64, receipts: &mut HashMap<String, (Target, u64)>) -> Vec<u64> {
        let retention_ms = i64::try_from(self.config.retention_s)
            .unwrap_or(i64::MAX / 1000)
            .saturating_mul(1000);
        let old: Vec<u64> = self
            .messages
            .iter()
            .filter(|(_, m)| m.stored.enqueued_at.saturating_add(retention_ms) <= now)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in &old {
            if let Some(m) = self.messages.remove(seq)
                && let Some(r) = m.receipt
            {
                receipts.remove(&r);
            }
        }
        old
    }

    /// `(queued, inflight)` at `now`.
    pub fn counts(&self, now: i64) -> (u64, u64) {
        let inflight = self
            .messages
            .values()
            .filter(|m| m.receipt.is_some() && m.visible_at > now)
            .count();
        (self.messages.len() as u64, inflight as u64)
    }

    pub fn oldest_age_s(&self, now: i64) -> f64 {
        self.messages
            .values()
            .map(|m| m.stored.enqueued_at)
            .min()
            .map(|t| (now.saturating_sub(t)).max(0) as f64 / 1000.0)
            .unwrap_or(0.0)
    }
}

/// One receive on `feed`: up to `maxlot` visible messages, each made invisible with a new
/// handle. With `reorder`, the visible messages are shuffled and a random number of them
/// (at least one when any is visible) is returned.
#[allow(clippy::too_many_arguments)]
pub fn receive(
    target: &Target,
    feed: &mut Feed,
    maxlot: usize,
    now: i64,
    reorder: Option<&mut Rng>,
    receipts: &mut HashMap<String, (Target, u64)>,
    stats: &mut Stats,
    secret: &[u8],
) -> Vec<Value> {
    let mut visible: Vec<u64> = feed
        .messages
        .iter()
        .filter(|(_, m)| m.visible_at <= now)
        .map(|(seq, _)| *seq)
        .collect();
    let take = match reorder {
        Some(rng) => {
            for i in (1..visible.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                visible.swap(i, j);
            }
            let most = visible.len().min(maxlot);
            if most == 0 {
                0
            } else {
                1 + (rng.next_u64() % most as u64) as usize
            }
        }
        None => visible.len().min(maxlot),
    };
    let visibility_ms = i64::try_from(feed.config.visibility_timeout_s)
        .unwrap_or(0)
        .saturating_mul(1000);
    let mut items = Vec::with_capacity(take);
    for seq in visible.into_iter().take(take) {
        let Some(m) = feed.messages.get_mut(&seq) else {
            continue;
        };
        m.receives += 1;
        if m.receives > 1 {
            stats.feed_redelivered += 1;
        }
        if let Some(old) = m.receipt.take() {
            receipts.remove(&old);
        }
        let receipt = random_hex(24);
        receipts.insert(receipt.clone(), (target.clone(), seq));
        m.receipt = Some(receipt.clone());
        m.visible_at = now.saturating_add(visibility_ms);
        let handle = make_handle(secret, target, &receipt, &m.stored, now);
        items.push(item_json(&m.stored, &handle));
        stats.feed_received += 1;
    }
    items
}

/// Commits handles; returns the `(target, seq)` of the messages deleted.
pub fn commit(
    handles: &[String],
    feeds: &mut HashMap<Target, Feed>,
    receipts: &mut HashMap<String, (Target, u64)>,
    secret: &[u8],
) -> Vec<(Target, u64)> {
    let mut deleted = Vec::new();
    for handle in handles {
        let Some(receipt) = parse_handle(secret, handle) else {
            continue;
        };
        let Some((target, seq)) = receipts.remove(&receipt) else {
            continue;
        };
        if let Some(feed) = feeds.get_mut(&target)
            && feed
                .messages
                .get(&seq)
                .is_some_and(|m| m.receipt.as_deref() == Some(receipt.as_str()))
        {
            feed.messages.remove(&seq);
            deleted.push((target, seq));
        }
    }
    deleted
}

/// A feed item (§B.3), with the optional `origin` **[emulator default]**.
pub fn item_json(m: &StoredMessage, handle: &str) -> Value {
    json!({
        "eventId": m.event_id,
        "handle": handle,
        "domain": m.domain,
        "state": m.state,
        "lastState": m.last_state,
        "orderId": m.order_id,
        "lastChange": m.last_change,
        "currentChange": m.current_change,
        "origin": { "account": m.origin_account, "key": m.origin_key }
    })
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        let d = Sha256::digest(key);
        k[..d.len()].copy_from_slice(&d);
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().to_vec()
}

fn make_handle(
    secret: &[u8],
    target: &Target,
    receipt: &str,
    m: &StoredMessage,
    now: i64,
) -> String {
    let (account, key) = target;
    let app_key = if key.is_empty() {
        format!("vtexappkey-{account}-PONTE")
    } else {
        key.clone()
    };
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = json!({
        "AppKey": app_key,
        "Account": account,
        "Handle": receipt,
        "OrderId": m.order_id,
        "MessageId": m.message_id,
        "Domain": m.domain,
        "State": m.state,
        "LastState": m.last_state,
        "LastChange": m.last_change,
        "CurrentChange": m.current_change,
        "CreatedAt": iso(now),
        "iss": "broadcast-api.vtexcommerce.com.br",
        "aud": format!("{account}_{app_key}"),
    });
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    let signing = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, signing.as_bytes()));
    format!("{signing}.{signature}")
}

/// The receipt of a handle signed by this run, if it is one.
fn parse_handle(secret: &[u8], handle: &str) -> Option<String> {
    let mut parts = handle.trim().split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let expected = URL_SAFE_NO_PAD.encode(hmac_sha256(secret, format!("{h}.{p}").as_bytes()));
    if expected != s {
        return None;
    }
    let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    payload.get("Handle")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn handles_round_trip_and_reject_tampering() {
        let m = StoredMessage {
            event_id: "E".into(),
            message_id: "M".into(),
            domain: "Fulfillment".into(),
            state: "a".into(),
            last_state: "b".into(),
            order_id: "o".into(),
            last_change: "x".into(),
            current_change: "y".into(),
            origin_account: "ponte".into(),
            origin_key: "k".into(),
            enqueued_at: 0,
        };
        let target = ("ponte".to_owned(), String::new());
        let h = make_handle(b"secret", &target, "R1", &m, 0);
        assert_eq!(parse_handle(b"secret", &h).as_deref(), Some("R1"));
        assert_eq!(parse_handle(b"other", &h), None);
        assert_eq!(parse_handle(b"secret", "garbage"), None);
    }
}
