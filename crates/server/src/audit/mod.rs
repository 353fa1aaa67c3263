//! The audit history: an append-only, hash-chained table written by one writer task per
//! portal, in SQLite (the default) or in PostgreSQL shared by several portals ([`postgres`]).
//!
//! A change appends an **intent** row and waits for its commit before anything goes upstream,
//! then an **outcome** row. The writer groups rows that arrive together into one transaction
//! (group commit; `BEGIN IMMEDIATE` on SQLite, the chain's advisory lock on PostgreSQL): each
//! caller still gets its answer only after its row is durable (`synchronous=FULL`, or
//! PostgreSQL's synchronous commit), but concurrent changes share one sync of the disk.

pub mod chain;
mod postgres;
pub mod query;
mod reader;
pub mod row;

use crate::db::{self, Backend};
use crate::extract::RequestMeta;
use anyhow::Context;
use bytes::Bytes;
use models::PeeringType;
use models::api::{
    AuditAction, AuditEvent, AuditEventDetail, AuditOutcome, AuditPage, ChainHead,
    ChainVerification,
};
use query::{Filter, Format, Scope};
use serde_json::Value;
use sqlx::{Connection, PgPool, SqliteConnection, SqlitePool};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

pub use postgres::CHAIN_LOCK;
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
    /// Set when the intent did not know the company yet (a sign-in of a user of one company,
    /// which the session chooses for them), so that the company's members see it.
    pub company: Option<String>,
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
            company: None,
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

/// What the outcome row of an intent closed by reconciliation says.
const INTERRUPTED: &str = "No outcome of this change was recorded: the portal stopped, or could not write it to the history, before it did. Check its state in Console Connect.";

/// How often a portal on PostgreSQL looks for intents another instance left open.
const RECONCILE_EVERY: Duration = Duration::from_secs(60);

/// Where the history is kept, for reading: pages, details, exports, the chain check.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite {
        pool: SqlitePool,
        pages: query::Pages,
    },
    Postgres(PgPool),
}

impl Store {
    /// The history at `url`, opened only to read (`portal audit …`): never created or migrated.
    pub async fn open_read_only(url: &str) -> anyhow::Result<Self> {
        // A missing SQLite file is said in full; a PostgreSQL failure names the URL.
        let named = || format!("--database-url {}", db::without_password(url));
        // A database that is not the portal's (another file, the server's default database)
        // is said to hold no history, rather than what a query of a missing table says.
        let no_history = || {
            anyhow::anyhow!(
                "{}: this database holds no audit history (it has no audit_events table); give \
                 the --data-dir or --database-url the portal runs with",
                named()
            )
        };
        match Backend::of(url) {
            Backend::Sqlite => {
                let pool = db::read_only_pool(url).await?;
                let has: bool = sqlx::query_scalar(
                    "select exists (select 1 from sqlite_master \
                     where type = 'table' and name = 'audit_events')",
                )
                .fetch_one(&pool)
                .await
                .with_context(named)?;
                if !has {
                    return Err(no_history());
                }
                Store::sqlite(pool).await
            }
            Backend::Postgres => {
                let pool = db::pg_pool(url, Duration::from_secs(5), 2, true)
                    .await
                    .with_context(named)?;
                let has: bool =
                    sqlx::query_scalar("select to_regclass('audit_events') is not null")
                        .fetch_one(&pool)
                        .await
                        .with_context(named)?;
                if !has {
                    return Err(no_history());
                }
                Ok(Store::Postgres(pool))
            }
        }
    }

    async fn sqlite(pool: SqlitePool) -> anyhow::Result<Self> {
        let pages = query::Pages::new(pool.clone())
            .await
            .context("opening the audit reader")?;
        Ok(Store::Sqlite { pool, pages })
    }

    /// A page as the JSON body of an `AuditPage`, newest first.
    pub async fn page_body(
        &self,
        filter: &Filter,
        scope: Option<&Scope>,
    ) -> anyhow::Result<Vec<u8>> {
        match self {
            Store::Sqlite { pages, .. } => query::page_body(pages, filter, scope).await,
            Store::Postgres(pool) => Ok(serde_json::to_vec(
                &postgres::page(pool, filter, scope).await?,
            )?),
        }
    }

    /// Whether `filter` selects no event `scope` may see, whatever page it asks for.
    pub async fn selects_none(
        &self,
        filter: &Filter,
        scope: Option<&Scope>,
    ) -> anyhow::Result<bool> {
        let body = self.page_body(&filter.newest_only(), scope).await?;
        Ok(serde_json::from_slice::<AuditPage>(&body)?
            .events
            .is_empty())
    }

    /// One event with its partner and difference, if `scope` may see it.
    pub async fn detail(
        &self,
        id: i64,
        scope: Option<&Scope>,
    ) -> anyhow::Result<Option<AuditEventDetail>> {
        match self {
            Store::Sqlite { pool, .. } => Ok(query::detail(pool, id, scope).await?),
            Store::Postgres(pool) => postgres::detail(pool, id, scope).await,
        }
    }

    /// Walks the chain; with `expected`, also checks that it still holds that head.
    pub async fn verify(&self, expected: Option<&ChainHead>) -> anyhow::Result<ChainVerification> {
        match (self, expected) {
            (Store::Sqlite { pool, .. }, Some(head)) => query::verify_expecting(pool, head).await,
            (Store::Sqlite { pool, .. }, None) => query::verify(pool).await,
            (Store::Postgres(pool), expected) => postgres::verify(pool, expected).await,
        }
    }

    /// Writes the export into `sink` chunk by chunk, oldest first.
    pub async fn export(
        self,
        filter: Filter,
        scope: Option<Scope>,
        format: Format,
        sink: mpsc::Sender<Result<Bytes, std::io::Error>>,
    ) {
        match self {
            Store::Sqlite { pool, .. } => query::export(pool, filter, scope, format, sink).await,
            Store::Postgres(pool) => postgres::export(pool, filter, scope, format, sink).await,
        }
    }

    /// Whether the history holds any row at all.
    pub async fn holds_events(&self) -> sqlx::Result<bool> {
        let sql = "select exists (select 1 from audit_events)";
        match self {
            Store::Sqlite { pool, .. } => sqlx::query_scalar(sql).fetch_one(pool).await,
            Store::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        }
    }

    /// Whether a change could be recorded now: the write lock can be taken within the busy
    /// timeout (and PostgreSQL takes writes). Takes the lock and gives it back; writes nothing.
    pub async fn ready(&self) -> sqlx::Result<()> {
        match self {
            Store::Sqlite { pool, .. } => {
                let mut conn = pool.acquire().await?;
                conn.begin_with("begin immediate").await?.rollback().await
            }
            Store::Postgres(pool) => postgres::ready(pool).await,
        }
    }
}

/// Where the writer task appends.
enum Writer {
    Sqlite(SqliteWriter),
    Postgres(PgPool),
}

/// The one connection SQLite appends go through, opened anew after a write that failed: what a
/// failure leaves of a connection may not take another transaction (after a full disk, SQLite
/// has rolled back what sqlx still counts as open, and every later `begin` is refused), and a
/// history that stops taking changes until a restart would refuse every change after one bad
/// moment.
struct SqliteWriter {
    conn: Option<SqliteConnection>,
    url: String,
    busy_timeout: Duration,
}

impl SqliteWriter {
    async fn open(url: &str, busy_timeout: Duration) -> sqlx::Result<Self> {
        Ok(SqliteWriter {
            conn: Some(db::writer(url, busy_timeout).await?),
            url: url.to_owned(),
            busy_timeout,
        })
    }

    async fn write<'a>(
        &mut self,
        rows: impl Iterator<Item = &'a AuditEvent>,
    ) -> sqlx::Result<(Vec<i64>, ChainHead)> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => db::writer(&self.url, self.busy_timeout).await?,
        };
        let written = write_batch(&mut conn, rows).await;
        if written.is_ok() {
            self.conn = Some(conn);
        }
        written
    }
}

/// The audit history: a writer for appends, a store for reads.
#[derive(Debug, Clone)]
pub struct AuditLog {
    writer: mpsc::Sender<WriteRequest>,
    store: Store,
    /// When the writer logs the chain's head; shared so that the portal, as it stops, says the
    /// last head itself (see [`AuditLog::say_last_head`]).
    heads: std::sync::Arc<std::sync::Mutex<HeadLog>>,
}

impl AuditLog {
    /// Logs the chain's head written last, if it has not been logged yet: for the portal to
    /// call as it stops, once the changes under way have recorded their outcome, so that the
    /// rows of its last minute are witnessed before it says it stopped.
    pub fn say_last_head(&self) {
        say(&self.heads, |heads| {
            heads.flush(tokio::time::Instant::now())
        });
    }

    /// Opens the database at `url` (SQLite or PostgreSQL), runs the migrations, starts the
    /// writer and reconciles intents left without an outcome. On SQLite, which one portal
    /// writes, every open intent is from an earlier stop and is closed at once; on PostgreSQL,
    /// shared by instances that come and go, an intent is closed once it is older than
    /// `in_flight` (the longest a change can take), or the longest any portal sharing the
    /// database has given, at start-up and every minute after.
    pub async fn open(
        url: &str,
        busy_timeout: Duration,
        in_flight: Duration,
    ) -> anyhow::Result<Self> {
        let named = || format!("--database-url {}", db::without_password(url));
        let (store, writer) = match Backend::of(url) {
            Backend::Sqlite => {
                let pool = db::pool(url, busy_timeout, 8).await.with_context(named)?;
                db::MIGRATOR
                    .run(&pool)
                    .await
                    .context("running the audit database migrations")?;
                let writer = SqliteWriter::open(url, busy_timeout)
                    .await
                    .context("opening the audit writer")?;
                (Store::sqlite(pool).await?, Writer::Sqlite(writer))
            }
            Backend::Postgres => {
                let pool = db::pg_pool(url, busy_timeout, 8, false)
                    .await
                    .with_context(named)?;
                db::PG_MIGRATOR
                    .run(&pool)
                    .await
                    .context("running the audit database migrations")?;
                (Store::Postgres(pool.clone()), Writer::Postgres(pool))
            }
        };
        let (tx, rx) = mpsc::channel(4096);
        let heads = std::sync::Arc::new(std::sync::Mutex::new(HeadLog::default()));
        tokio::spawn(write_loop(writer, rx, heads.clone()));
        let log = AuditLog {
            writer: tx,
            store,
            heads,
        };
        let bound = match &log.store {
            Store::Postgres(pool) => postgres::shared_in_flight(pool, in_flight)
                .await
                .context("recording how long this portal's changes may take")?,
            Store::Sqlite { .. } => in_flight,
        };
        let reconciled = log
            .reconcile(bound)
            .await
            .context("reconciling interrupted changes")?;
        if reconciled > 0 {
            tracing::warn!(reconciled, "recorded interrupted changes found at start-up");
        }
        if let Store::Postgres(pool) = &log.store {
            tokio::spawn(reconcile_loop(pool.clone(), in_flight));
        }
        Ok(log)
    }

    /// Where the history is read.
    pub fn store(&self) -> &Store {
        &self.store
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

    /// Closes the intents without an outcome that can no longer get one (see [`AuditLog::open`]);
    /// returns how many.
    pub async fn reconcile(&self, in_flight: Duration) -> anyhow::Result<usize> {
        let pool = match &self.store {
            Store::Sqlite { pool, .. } => pool,
            Store::Postgres(pool) => return postgres::reconcile(pool, in_flight).await,
        };
        let upto: i64 =
            sqlx::query_scalar("select reconciled_upto from audit_checkpoint where id = 1")
                .fetch_one(pool)
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
        .fetch_all(pool)
        .await?;
        let count = rows.len();
        for r in rows {
            let intent_event = event_from_row(&r)?;
            let mut outcome = Outcome::new(AuditOutcome::Interrupted);
            outcome.error = Some(INTERRUPTED.into());
            let event = row::outcome_of_event(&intent_event, outcome, None);
            self.append(event).await.map_err(anyhow::Error::new)?;
            say_interrupted(&intent_event);
        }
        let max: Option<i64> = sqlx::query_scalar("select max(id) from audit_events")
            .fetch_one(pool)
            .await?;
        sqlx::query("update audit_checkpoint set reconciled_upto = ? where id = 1")
            .bind(max.unwrap_or(0))
            .execute(pool)
            .await?;
        Ok(count)
    }
}

/// Says in the log which change was closed as interrupted, for whoever looks it up by its
/// request id or its row.
fn say_interrupted(intent: &AuditEvent) {
    tracing::warn!(
        intent = intent.id,
        request_id = %intent.request_id,
        action = intent.action.as_str(),
        started = %intent.at,
        "a change left without an outcome is recorded as interrupted"
    );
}

/// On PostgreSQL, closes what other instances left open, every [`RECONCILE_EVERY`], by the
/// longest time in flight of those sharing the database (read anew: one may have started since).
async fn reconcile_loop(pool: PgPool, in_flight: Duration) {
    loop {
        tokio::time::sleep(RECONCILE_EVERY).await;
        let closed = match postgres::shared_in_flight(&pool, in_flight).await {
            Ok(bound) => postgres::reconcile(&pool, bound).await,
            Err(e) => Err(e.into()),
        };
        match closed {
            Ok(0) => {}
            Ok(reconciled) => tracing::warn!(reconciled, "recorded interrupted changes"),
            Err(e) => tracing::error!(error = %e, "reconciling interrupted changes failed"),
        }
    }
}

/// Owns the writer connection: takes whatever rows are waiting (up to [`MAX_BATCH`]) and
/// commits them together, then answers each caller.
async fn write_loop(
    mut writer: Writer,
    mut rx: mpsc::Receiver<WriteRequest>,
    heads: std::sync::Arc<std::sync::Mutex<HeadLog>>,
) {
    let mut batch: Vec<WriteRequest> = Vec::with_capacity(MAX_BATCH);
    loop {
        let due_at = heads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .due_at();
        let received = match due_at {
            // A head not logged yet is logged once it is due, writes or none.
            Some(due) => tokio::select! {
                n = rx.recv_many(&mut batch, MAX_BATCH) => n,
                () = tokio::time::sleep_until(due) => {
                    say(&heads, |heads| heads.due(tokio::time::Instant::now()));
                    continue;
                }
            },
            None => rx.recv_many(&mut batch, MAX_BATCH).await,
        };
        if received == 0 {
            break;
        }
        let rows = batch.iter().map(|(r, _)| r);
        let result = match &mut writer {
            Writer::Sqlite(writer) => writer.write(rows).await,
            Writer::Postgres(pool) => postgres::write_batch(pool, rows).await,
        };
        match result {
            Ok((ids, head)) => {
                // Noted before anyone hears their rows are written: a change answered has its
                // head known to [`AuditLog::say_last_head`].
                say(&heads, |heads| {
                    heads.written(head.to_string(), tokio::time::Instant::now())
                });
                for ((_, reply), id) in batch.drain(..).zip(ids) {
                    let _ = reply.send(Ok(id));
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
    // The writers are gone: the last head is said, if the portal has not said it as it stopped.
    say(&heads, |heads| heads.flush(tokio::time::Instant::now()));
}

/// Logs the head `choose` picks from the head log, if any, while holding it: the writer and
/// the portal stopping log heads in the order they were written. (Whatever a thread that
/// panicked holding it left is used as it is: the log holds no invariant a panic could break.)
fn say(heads: &std::sync::Mutex<HeadLog>, choose: impl FnOnce(&mut HeadLog) -> Option<String>) {
    let mut heads = heads
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(head) = choose(&mut heads) {
        tracing::info!(head = %head, "audit history written");
    }
}

/// When the chain's head is logged: at the first write, then at most once every
/// [`HEAD_LOG_EVERY`], and a head written in between once that time is up, whether or not more
/// is written, so the last rows before a quiet spell are witnessed too.
/// On tokio's clock, which its timers (and a test's paused time) keep.
#[derive(Debug, Default)]
struct HeadLog {
    logged_at: Option<tokio::time::Instant>,
    pending: Option<String>,
}

impl HeadLog {
    /// A write made `head` the chain's head: what to log now, if anything.
    fn written(&mut self, head: String, now: tokio::time::Instant) -> Option<String> {
        if self
            .logged_at
            .is_none_or(|at| now.duration_since(at) >= HEAD_LOG_EVERY)
        {
            self.logged_at = Some(now);
            self.pending = None;
            Some(head)
        } else {
            self.pending = Some(head);
            None
        }
    }

    /// When a head not logged yet is due.
    fn due_at(&self) -> Option<tokio::time::Instant> {
        self.pending.as_ref()?;
        Some(self.logged_at? + HEAD_LOG_EVERY)
    }

    /// The head not logged yet, to log at `now` whether or not it is due (the portal stops).
    fn flush(&mut self, now: tokio::time::Instant) -> Option<String> {
        let head = self.pending.take()?;
        self.logged_at = Some(now);
        Some(head)
    }

    /// The head to log at `now`, when one is due.
    fn due(&mut self, now: tokio::time::Instant) -> Option<String> {
        if self.due_at().is_some_and(|due| now >= due) {
            self.logged_at = Some(now);
            self.pending.take()
        } else {
            None
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
    let head: Option<Head> =
        sqlx::query_as("select id, hash, at from audit_events order by id desc limit 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (events, head) = chain_rows(head.unwrap_or_else(genesis), rows);
    for event in &events {
        row::insert(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok((events.iter().map(|e| e.id).collect(), head))
}

/// The last row's id, hash and time.
type Head = (i64, String, String);

/// The head of an empty history.
fn genesis() -> Head {
    (0, chain::GENESIS.to_owned(), String::new())
}

/// `rows` numbered, timed and hashed one after another from `head`, and the chain's new head.
fn chain_rows<'a>(
    head: Head,
    rows: impl Iterator<Item = &'a AuditEvent>,
) -> (Vec<AuditEvent>, ChainHead) {
    let (mut last_id, mut prev_hash, mut last_at) = head;
    let mut events = Vec::new();
    for new in rows {
        let mut event = new.clone();
        event.id = last_id + 1;
        // Times never go backwards along the ids, so a time range is an id range.
        event.at = std::cmp::max(crate::timefmt::now(), last_at.clone());
        event.prev_hash = prev_hash.clone();
        event.hash = chain::hash(&prev_hash, &event);
        last_id = event.id;
        prev_hash = event.hash.clone();
        last_at = event.at.clone();
        events.push(event);
    }
    (
        events,
        ChainHead {
            id: last_id,
            hash: prev_hash,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::api::{AuditAction, AuditPhase};

    #[test]
    fn a_head_not_logged_yet_is_logged_as_the_portal_stops_and_counts_as_logged() {
        let start = tokio::time::Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut heads = HeadLog::default();
        assert_eq!(heads.flush(at(0)), None, "nothing written");
        assert_eq!(heads.written("1:a".into(), at(0)).as_deref(), Some("1:a"));
        assert_eq!(heads.written("2:b".into(), at(10)), None);
        assert_eq!(heads.flush(at(20)).as_deref(), Some("2:b"));
        assert_eq!(
            (heads.flush(at(21)), heads.due_at()),
            (None, None),
            "said once"
        );
        // A write after it waits its minute from then.
        assert_eq!(heads.written("3:c".into(), at(30)), None);
        assert_eq!(heads.due_at(), Some(at(80)));
    }

    #[test]
    fn every_head_written_is_logged_within_a_minute_even_when_nothing_follows() {
        let start = tokio::time::Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut heads = HeadLog::default();
        assert_eq!(heads.written("1:a".into(), at(0)).as_deref(), Some("1:a"));
        assert_eq!(heads.due_at(), None, "nothing left to say");
        // Within the minute: kept for later, the latest only.
        assert_eq!(heads.written("2:b".into(), at(10)), None);
        assert_eq!(heads.written("3:c".into(), at(20)), None);
        assert_eq!(heads.due_at(), Some(at(60)));
        assert_eq!(heads.due(at(59)), None);
        // Nothing more is written: it is said when due.
        assert_eq!(heads.due(at(60)).as_deref(), Some("3:c"));
        assert_eq!(heads.due_at(), None);
        // A write a minute after that is said at once; one soon after waits its turn.
        assert_eq!(heads.written("4:d".into(), at(125)).as_deref(), Some("4:d"));
        assert_eq!(heads.written("5:e".into(), at(130)), None);
        assert_eq!(heads.written("6:f".into(), at(185)).as_deref(), Some("6:f"));
        assert_eq!(
            heads.due_at(),
            None,
            "the head said replaces the one waiting"
        );
    }

    fn event(reason: String) -> AuditEvent {
        let mut e = row::blank(AuditAction::UpdatePeering, AuditPhase::Intent);
        e.request_id = "r".into();
        e.reason = Some(reason);
        e
    }

    #[tokio::test]
    async fn a_write_the_disk_refused_leaves_the_writer_able_to_write_once_there_is_room() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("portal.db").display());
        let busy = Duration::from_secs(5);
        let pool = db::pool(&url, busy, 2).await.unwrap();
        db::MIGRATOR.run(&pool).await.unwrap();
        let mut writer = SqliteWriter::open(&url, busy).await.unwrap();
        let (ids, _) = writer.write([event("first".into())].iter()).await.unwrap();
        assert_eq!(ids, [1]);

        // The disk is full, as this connection sees it: no page can be added.
        let conn = writer.conn.as_mut().unwrap();
        let pages: i64 = sqlx::query_scalar("pragma page_count")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        sqlx::query(&format!("pragma max_page_count = {pages}"))
            .execute(&mut *conn)
            .await
            .unwrap();
        let refused = writer
            .write([event("x".repeat(200_000))].iter())
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("full"), "{refused}");

        // Room again (a connection without that limit, as the next write opens): the next
        // change, as large, is written after the first, and nothing of the refused one is.
        let (ids, head) = writer
            .write([event("y".repeat(200_000))].iter())
            .await
            .unwrap();
        assert_eq!(ids, [2]);
        let store = Store::sqlite(pool).await.unwrap();
        let verified = store.verify(None).await.unwrap();
        assert!(verified.ok, "{verified:?}");
        assert_eq!(verified.head, Some(head));
    }
}
