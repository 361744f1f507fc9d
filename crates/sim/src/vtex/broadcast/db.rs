//! Persistence of the broadcaster in its own redb file, `{data_dir}/broadcast.redb` (kept apart
//! from `sim.redb` so the broadcaster owns its schema): feed and hook configurations, queued
//! feed messages, pending hook and IO-event deliveries, and the `FromOrders` single-fire
//! marks. Values are JSON.
//!
//! Every write goes through one writer task ([`Writer`]) that commits whatever is queued in a
//! single transaction (group commit), so a burst of order changes costs one fsync, and callers
//! await their batch's commit before they act on it.

use crate::platform::error::StoreError;
use crate::platform::store::open_database;
use redb::{Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::Path;
use tokio::sync::{mpsc, oneshot};

/// `(account, key)` → feed configuration JSON.
const FEEDS: TableDefinition<(&str, &str), &str> = TableDefinition::new("feeds");
/// `(account, key)` → hook configuration JSON.
const HOOKS: TableDefinition<(&str, &str), &str> = TableDefinition::new("hooks");
/// `(account, key, seq)` → feed message JSON.
const MESSAGES: TableDefinition<(&str, &str, u64), &str> = TableDefinition::new("feed_messages");
/// `seq` → pending delivery JSON (hook notification or IO event).
const PENDING: TableDefinition<u64, &str> = TableDefinition::new("pending_deliveries");
/// `(target, account, key, orderId)` → configuration generation in which the order fired.
const FIRED: TableDefinition<(&str, &str, &str, &str), u64> = TableDefinition::new("fired");

/// One write.
#[derive(Debug, Clone)]
pub enum Op {
    PutFeed {
        account: String,
        key: String,
        json: String,
    },
    /// Deletes the feed and every message queued in it.
    DelFeed {
        account: String,
        key: String,
    },
    PutHook {
        account: String,
        key: String,
        json: String,
    },
    DelHook {
        account: String,
        key: String,
    },
    PutMessage {
        account: String,
        key: String,
        seq: u64,
        json: String,
    },
    DelMessage {
        account: String,
        key: String,
        seq: u64,
    },
    PutPending {
        seq: u64,
        json: String,
    },
    DelPending {
        seq: u64,
    },
    PutFired {
        target: &'static str,
        account: String,
        key: String,
        order_id: String,
        generation: u64,
    },
}

/// Everything stored, read once at start.
#[derive(Debug, Default)]
pub struct Loaded {
    pub feeds: Vec<(String, String, String)>,
    pub hooks: Vec<(String, String, String)>,
    pub messages: Vec<(String, String, u64, String)>,
    pub pending: Vec<(u64, String)>,
    pub fired: Vec<(String, String, String, String, u64)>,
}

/// Opens (or creates) the file and reads everything.
pub fn open(dir: &Path) -> Result<(Database, Loaded), StoreError> {
    let db = open_database(dir, "broadcast.redb", |txn| {
        txn.open_table(FEEDS)?;
        txn.open_table(HOOKS)?;
        txn.open_table(MESSAGES)?;
        txn.open_table(PENDING)?;
        txn.open_table(FIRED)?;
        Ok(())
    })?;
    let mut loaded = Loaded::default();
    let txn = db.begin_read().map_err(redb::Error::from)?;
    loaded.feeds = configurations(&txn, FEEDS)?;
    loaded.hooks = configurations(&txn, HOOKS)?;
    for entry in txn.open_table(MESSAGES)?.iter()? {
        let (k, v) = entry?;
        let (a, key, seq) = k.value();
        loaded
            .messages
            .push((a.to_owned(), key.to_owned(), seq, v.value().to_owned()));
    }
    for entry in txn.open_table(PENDING)?.iter()? {
        let (k, v) = entry?;
        loaded.pending.push((k.value(), v.value().to_owned()));
    }
    for entry in txn.open_table(FIRED)?.iter()? {
        let (k, v) = entry?;
        let (t, a, key, o) = k.value();
        loaded.fired.push((
            t.to_owned(),
            a.to_owned(),
            key.to_owned(),
            o.to_owned(),
            v.value(),
        ));
    }
    drop(txn);
    Ok((db, loaded))
}

/// Every (account, key, JSON) row of the feed or hook configuration table.
fn configurations(
    txn: &ReadTransaction,
    table: TableDefinition<(&str, &str), &str>,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let mut rows = Vec::new();
    for entry in txn.open_table(table)?.iter()? {
        let (k, v) = entry?;
        let (account, key) = k.value();
        rows.push((account.to_owned(), key.to_owned(), v.value().to_owned()));
    }
    Ok(rows)
}

fn apply(db: &Database, ops: &[Op]) -> Result<(), StoreError> {
    let txn = db.begin_write()?;
    {
        let mut feeds = txn.open_table(FEEDS)?;
        let mut hooks = txn.open_table(HOOKS)?;
        let mut messages = txn.open_table(MESSAGES)?;
        let mut pending = txn.open_table(PENDING)?;
        let mut fired = txn.open_table(FIRED)?;
        for op in ops {
            match op {
                Op::PutFeed { account, key, json } => {
                    feeds.insert((account.as_str(), key.as_str()), json.as_str())?;
                }
                Op::DelFeed { account, key } => {
                    feeds.remove((account.as_str(), key.as_str()))?;
                    let (a, k) = (account.as_str(), key.as_str());
                    messages.retain_in((a, k, 0u64)..=(a, k, u64::MAX), |_, _| false)?;
                }
                Op::PutHook { account, key, json } => {
                    hooks.insert((account.as_str(), key.as_str()), json.as_str())?;
                }
                Op::DelHook { account, key } => {
                    hooks.remove((account.as_str(), key.as_str()))?;
                }
                Op::PutMessage {
                    account,
                    key,
                    seq,
                    json,
                } => {
                    messages.insert((account.as_str(), key.as_str(), *seq), json.as_str())?;
                }
                Op::DelMessage { account, key, seq } => {
                    messages.remove((account.as_str(), key.as_str(), *seq))?;
                }
                Op::PutPending { seq, json } => {
                    pending.insert(*seq, json.as_str())?;
                }
                Op::DelPending { seq } => {
                    pending.remove(*seq)?;
                }
                Op::PutFired {
                    target,
                    account,
                    key,
                    order_id,
                    generation,
                } => {
                    fired.insert(
                        (*target, account.as_str(), key.as_str(), order_id.as_str()),
                        *generation,
                    )?;
                }
            }
        }
    }
    txn.commit()?;
    Ok(())
}

type Batch = (Vec<Op>, oneshot::Sender<Result<(), String>>);

/// The handle to the writer task. Cloning shares the task.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Batch>,
}

impl Writer {
    /// Starts the writer task, which owns the database: the file is closed when the task ends,
    /// i.e. once every [`Writer`] is dropped or `stop` fires.
    pub fn start(
        db: Database,
        stop: oneshot::Receiver<()>,
    ) -> (Writer, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel::<Batch>();
        let task = tokio::spawn(run(db, rx, stop));
        (Writer { tx }, task)
    }

    /// Commits `ops` (with whatever else is queued) and returns once they are durable.
    pub async fn apply(&self, ops: Vec<Op>) -> Result<(), String> {
        if ops.is_empty() {
            return Ok(());
        }
        let (done, wait) = oneshot::channel();
        self.tx
            .send((ops, done))
            .map_err(|_| "the broadcast store is closed".to_owned())?;
        wait.await
            .map_err(|_| "the broadcast store is closed".to_owned())?
    }
}

async fn run(
    db: Database,
    mut rx: mpsc::UnboundedReceiver<Batch>,
    mut stop: oneshot::Receiver<()>,
) {
    let db = std::sync::Arc::new(db);
    loop {
        let first = tokio::select! {
            batch = rx.recv() => batch,
            _ = &mut stop => None,
        };
        let Some(first) = first else { break };
        let mut batches = vec![first];
        while batches.len() < 1024 {
            match rx.try_recv() {
                Ok(b) => batches.push(b),
                Err(_) => break,
            }
        }
        let ops: Vec<Op> = batches
            .iter()
            .flat_map(|(ops, _)| ops.iter().cloned())
            .collect();
        let handle = db.clone();
        let result = tokio::task::spawn_blocking(move || apply(&handle, &ops))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
        if let Err(e) = &result {
            eprintln!("ponte-sim: broadcast store: {e}");
        }
        for (_, done) in batches {
            let _ = done.send(result.clone());
        }
    }
    // Whatever is still queued is answered as failed; the database closes when `db` drops.
    rx.close();
    while let Ok((_, done)) = rx.try_recv() {
        let _ = done.send(Err("the broadcast store is closed".to_owned()));
    }
}
