//! The audit history: an append-only, hash-chained SQLite table written by one writer task.
//!
//! A change appends an **intent** row and waits for its commit before anything goes upstream,
//! then an **outcome** row. The writer groups rows that arrive together into one `BEGIN
//! IMMEDIATE` transaction (group commit): each caller still gets its answer only after its row
//! is durable (`synchronous=FULL`), but concurrent changes share one sync of the disk.

pub mod chain;
pub mod query;
mod reader;
mod row;

use crate::db;
use crate::extract::RequestMeta;
use anyhow::Context;
use models::PeeringType;
use models::api::{AuditAction, AuditEvent, AuditOutcome, ChainHead};
use serde_json::Value;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

pub use row::event_from_row;

/// Most rows committed in one transaction.
const MAX_BATCH: usize = 512;
/// How often, at most, the writer logs the chain's head (`ID:HASH` of the last row). Logs kept
/// elsewhere then witness the history: `portal audit verify --expect-head` proves that it
/// still holds a logged head, so rows cannot be rewritten or cut off after it unnoticed.
const HEAD_LOG_EVERY: Duration = Duration::from_secs(60);

/// Who acted, as Console Connect's who-am-I reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// What is about to be done, written before it is done.
#[derive(Debug, Clone)]
pub struct Intent {
    pub action: AuditAction,
    pub actor: Option<Actor>,
    pub company: Option<String>,
    pub connection_id: Option<String>,
    pub peering_type: Option<PeeringType>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
    /// The request, secrets already redacted.
    pub request: Option<Value>,
    /// The state before the change, secrets already redacted.
    pub before: Option<Value>,
    pub meta: RequestMeta,
}

impl Intent {
    pub fn new(action: AuditAction, meta: &RequestMeta) -> Self {
        Intent {
            action,
            actor: None,
            company: None,
            connection_id: None,
            peering_type: None,
            reason: None,
            ticket: None,
            request: None,
            before: None,
            meta: meta.clone(),
        }
    }
}

/// How it ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub outcome: AuditOutcome,
    /// Set when the intent did not know the actor yet (sign-in).
    pub actor: Option<Actor>,
    /// Set when the intent did not know the connection yet (create).
    pub connection_id: Option<String>,
    pub after: Option<Value>,
    pub upstream_status: Option<u16>,
    pub error: Option<String>,
}

impl Outcome {
    pub fn new(outcome: AuditOutcome) -> Self {
        Outcome {
            outcome,
            actor: None,
            connection_id: None,
            after: None,
            upstream_status: None,
            error: None,
        }
    }
}

/// A committed intent, to be closed by an outcome.
#[derive(Debug)]
pub struct PendingIntent {
    pub id: i64,
    intent: Intent,
    started: Instant,
}

/// The row could not be committed.
#[derive(Debug, thiserror::Error)]
#[error("audit write failed: {0}")]
pub struct AuditError(pub String);

/// A row for the writer, which fills in id, time and hashes, and where to send its id.
type WriteRequest = (AuditEvent, oneshot::Sender<Result<i64, AuditError>>);

/// The audit history: a writer for appends, a pool for reads.
#[derive(Debug, Clone)]
pub struct AuditLog {
    writer: mpsc::Sender<WriteRequest>,
    pool: SqlitePool,
    pages: query::Pages,
}

impl AuditLog {
    /// Opens the database, runs the migrations, starts the writer and reconciles intents left
    /// without an outcome by an earlier stop.
    pub async fn open(url: &str, busy_timeout: Duration) -> anyhow::Result<Self> {
        let pool = db::pool(url, busy_timeout, 8)
            .await
            .context("opening the audit database")?;
        db::MIGRATOR
            .run(&pool)
            .await
            .context("running the audit database migrations")?;
        let conn = db::writer(url, busy_timeout)
            .await
            .context("opening the audit writer")?;
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(write_loop(conn, rx));
        let pages = query::Pages::new(pool.clone())
            .await
            .context("opening the audit reader")?;
        let log = AuditLog {
            writer: tx,
            pool,
            pages,
        };
        let reconciled = log
            .reconcile()
            .await
            .context("reconciling interrupted changes")?;
        if reconciled > 0 {
            tracing::warn!(reconciled, "recorded interrupted changes found at start-up");
        }
        Ok(log)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where the history's pages are read (see [`query::page`]).
    pub fn pages(&self) -> &query::Pages {
        &self.pages
    }

    /// Appends an intent row and returns once it is committed.
    pub async fn intent(&self, intent: Intent) -> Result<PendingIntent, AuditError> {
        let id = self.append(row::intent_event(&intent)).await?;
        Ok(PendingIntent {
            id,
            intent,
            started: Instant::now(),
        })
    }

    /// Appends the outcome row of an intent and returns once it is committed.
    pub async fn outcome(
        &self,
        pending: &PendingIntent,
        outcome: Outcome,
    ) -> Result<i64, AuditError> {
        let duration = pending.started.elapsed();
        self.append(row::outcome_event(
            pending.id,
            &pending.intent,
            outcome,
            Some(duration),
        ))
        .await
    }

    async fn append(&self, row: AuditEvent) -> Result<i64, AuditError> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send((row, tx))
            .await
            .map_err(|_| AuditError("the audit writer has stopped".into()))?;
        rx.await
            .map_err(|_| AuditError("the audit writer has stopped".into()))?
    }

    /// Closes every intent written since the last start-up that has no outcome.
    async fn reconcile(&self) -> anyhow::Result<usize> {
        let upto: i64 =
            sqlx::query_scalar("select reconciled_upto from audit_checkpoint where id = 1")
                .fetch_one(&self.pool)
                .await?;
        let rows = sqlx::query(
            r#"
            select i.* from audit_events i
            where i.id > ? and i.phase = 'intent'
              and not exists (select 1 from audit_events o where o.intent_id = i.id)
            order by i.id
            "#,
        )
        .bind(upto)
        .fetch_all(&self.pool)
        .await?;
        let count = rows.len();
        for r in rows {
            let intent_event = event_from_row(&r)?;
            let mut outcome = Outcome::new(AuditOutcome::Interrupted);
            outcome.error = Some(
                "The portal stopped before this change's outcome was recorded. Check its state in Console Connect."
                    .into(),
            );
            let event = row::outcome_of_event(&intent_event, outcome, None);
            self.append(event).await.map_err(anyhow::Error::new)?;
        }
        let max: Option<i64> = sqlx::query_scalar("select max(id) from audit_events")
            .fetch_one(&self.pool)
            .await?;
        sqlx::query("update audit_checkpoint set reconciled_upto = ? where id = 1")
            .bind(max.unwrap_or(0))
            .execute(&self.pool)
            .await?;
        Ok(count)
    }
}

/// Owns the writer connection: takes whatever rows are waiting (up to [`MAX_BATCH`]) and
/// commits them together, then answers each caller.
async fn write_loop(mut conn: SqliteConnection, mut rx: mpsc::Receiver<WriteRequest>) {
    let mut batch: Vec<WriteRequest> = Vec::with_capacity(MAX_BATCH);
    let mut head_logged: Option<Instant> = None;
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let result = write_batch(&mut conn, batch.iter().map(|(r, _)| r)).await;
        match result {
            Ok((ids, head)) => {
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
                }
                if head_logged.is_none_or(|at| at.elapsed() >= HEAD_LOG_EVERY) {
                    tracing::info!(head = %head, "audit history written");
                    head_logged = Some(Instant::now());
                }
            }
            Err(e) => {
                tracing::error!(error = %e, rows = batch.len(), "audit write failed");
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(AuditError(e.to_string())));
                }
            }
        }
    }
}

/// Commits `rows` in one transaction; returns their ids and the chain's new head.
async fn write_batch<'a>(
    conn: &mut SqliteConnection,
    rows: impl Iterator<Item = &'a AuditEvent>,
) -> sqlx::Result<(Vec<i64>, ChainHead)> {
    let mut tx = conn.begin_with("begin immediate").await?;
    // Read the head inside the write lock, so the chain holds even if another process appends.
    let head: Option<(i64, String, String)> =
        sqlx::query_as("select id, hash, at from audit_events order by id desc limit 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (mut last_id, mut prev_hash, mut last_at) =
        head.unwrap_or_else(|| (0, chain::GENESIS.to_owned(), String::new()));
    let mut ids = Vec::new();
    for new in rows {
        let mut event = new.clone();
        event.id = last_id + 1;
        // Times never go backwards along the ids, so a time range is an id range.
        event.at = std::cmp::max(crate::timefmt::now(), last_at.clone());
        event.prev_hash = prev_hash.clone();
        event.hash = chain::hash(&prev_hash, &event);
        row::insert(&mut tx, &event).await?;
        last_id = event.id;
        prev_hash = event.hash;
        last_at = event.at;
        ids.push(last_id);
    }
    tx.commit().await?;
    Ok((
        ids,
        ChainHead {
            id: last_id,
            hash: prev_hash,
        },
    ))
}
