//! The audit history on PostgreSQL, shared by several portal instances.
//!
//! Each instance has its own writer task, so appends from different processes meet in the
//! database: every batch takes one transaction-scoped advisory lock ([`CHAIN_LOCK`]) before it
//! reads the chain's head, so rows are chained and numbered one batch after another, whichever
//! instance writes them, and ids and times still only grow. Intents a stopped instance left
//! without an outcome are closed by whichever instance runs [`reconcile`] next, once they are
//! older than any change can take, under the same lock, so no two instances close the same one.

use super::chain::{self, Verifier};
use super::query::{
    COLUMNS, Dialect, EXPORT_BATCH, Filter, Format, Kind, Scope, check_row, detail_of, expecting,
    head_and_tail, not_as_written, verification, with_changes,
};
use super::reader::{Cell, csv_line, is_minified_json, json_line};
use super::row::{
    bind_event, event_from_row, insert_rows_sql, insert_sql, outcome_of_event,
    written_event_from_row,
};
use super::{Head, Outcome, chain_rows};
use anyhow::Context;
use bytes::Bytes;
use futures::TryStreamExt;
use models::api::{
    AuditEvent, AuditEventDetail, AuditOutcome, AuditPage, ChainHead, ChainVerification,
};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row, Transaction};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::mpsc;

/// The advisory lock every append holds until it commits: "audit" in ASCII, and 1.
pub const CHAIN_LOCK: i64 = 0x6175_6469_7400_0001;

static INSERT: LazyLock<String> = LazyLock::new(|| insert_sql(|i| format!("${i}")));

/// Begins a transaction holding [`CHAIN_LOCK`] (waiting at most the pool's `lock_timeout`) and
/// reads the chain's head under it.
async fn lock_chain(pool: &PgPool) -> sqlx::Result<(Transaction<'static, Postgres>, Head)> {
    let mut tx = pool.begin().await?;
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut *tx)
        .await?;
    let head: Option<Head> =
        sqlx::query_as("select id, hash, at from audit_events order by id desc limit 1")
            .fetch_optional(&mut *tx)
            .await?;
    Ok((tx, head.unwrap_or_else(super::genesis)))
}

/// Appends `rows` after the chain's head in one transaction; their ids and the new head.
pub(super) async fn write_batch<'a>(
    pool: &PgPool,
    rows: impl Iterator<Item = &'a AuditEvent>,
) -> sqlx::Result<(Vec<i64>, ChainHead)> {
    let (mut tx, head) = lock_chain(pool).await?;
    let (events, head) = chain_rows(head, rows);
    insert(&mut tx, &events).await?;
    tx.commit().await?;
    Ok((events.iter().map(|e| e.id).collect(), head))
}

/// Inserts `events` in one statement: one round trip while the chain's lock is held, however
/// many rows the batch has.
async fn insert(
    tx: &mut Transaction<'static, Postgres>,
    events: &[AuditEvent],
) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let sql = match events.len() {
        1 => INSERT.clone(),
        n => insert_rows_sql(n, |i| format!("${i}")),
    };
    events
        .iter()
        .fold(sqlx::query(&sql), bind_event)
        // A statement for each batch size would crowd out the cached ones that repeat.
        .persistent(events.len() == 1)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Closes every intent without an outcome that is older than `in_flight` (the longest a change
/// can take): an `interrupted` outcome row for each, appended under the chain's lock. Rows up
/// to the oldest intent that may still be in flight are not read again (`audit_checkpoint`).
/// Returns how many were closed.
pub(super) async fn reconcile(pool: &PgPool, in_flight: Duration) -> anyhow::Result<usize> {
    let (mut tx, head) = lock_chain(pool).await?;
    let upto: i64 =
        sqlx::query_scalar("select reconciled_upto from audit_checkpoint where id = 1 for update")
            .fetch_one(&mut *tx)
            .await?;
    let rows = sqlx::query(
        r#"
        select i.* from audit_events i
        where i.id > $1 and i.phase = 'intent'
          and not exists (select 1 from audit_events o where o.intent_id = i.id)
        order by i.id
        "#,
    )
    .bind(upto)
    .fetch_all(&mut *tx)
    .await?;
    let cutoff = crate::timefmt::format(
        time::OffsetDateTime::now_utc() - time::Duration::try_from(in_flight)?,
    );
    let mut closing = Vec::new();
    // Everything up to the first intent that may still be answered is settled.
    let mut settled = head.0;
    for r in &rows {
        let intent = event_from_row(r)?;
        if intent.at >= cutoff {
            settled = settled.min(intent.id - 1);
            break;
        }
        let mut outcome = Outcome::new(AuditOutcome::Interrupted);
        outcome.error = Some(super::INTERRUPTED.into());
        closing.push(outcome_of_event(&intent, outcome, None));
    }
    let (events, _) = chain_rows(head, closing.iter());
    insert(&mut tx, &events).await?;
    sqlx::query("update audit_checkpoint set reconciled_upto = $1 where id = 1")
        .bind(settled.max(upto))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    for intent in rows.iter().take(events.len()) {
        super::say_interrupted(&event_from_row(intent)?);
    }
    Ok(events.len())
}

/// The longest a change may be in flight among the portals sharing the database, this one's
/// `in_flight` counted in: the bound the intents of any of them are closed by.
pub(super) async fn shared_in_flight(pool: &PgPool, in_flight: Duration) -> sqlx::Result<Duration> {
    let ms = i64::try_from(in_flight.as_millis()).unwrap_or(i64::MAX);
    let longest: i64 = sqlx::query_scalar(
        "update audit_checkpoint set in_flight_ms = greatest(in_flight_ms, $1) where id = 1 \
         returning in_flight_ms",
    )
    .bind(ms)
    .fetch_one(pool)
    .await?;
    Ok(Duration::from_millis(u64::try_from(longest).unwrap_or(0)))
}

/// Whether an append could be made now: the server takes writes and the chain's lock is free
/// within the lock timeout. Takes the lock and gives it back; writes nothing.
pub(super) async fn ready(pool: &PgPool) -> sqlx::Result<()> {
    let (mut tx, _) = lock_chain(pool).await?;
    let writable: bool = sqlx::query_scalar(
        "select not pg_is_in_recovery() and current_setting('transaction_read_only') = 'off'",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.rollback().await?;
    if writable {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(
            "the database takes no writes (a standby, or read-only)".into(),
        ))
    }
}

fn events(rows: &[PgRow]) -> anyhow::Result<Vec<AuditEvent>> {
    rows.iter().map(event_from_row).collect()
}

/// One page, newest first, as the list route sends it.
pub(super) async fn page(
    pool: &PgPool,
    filter: &Filter,
    scope: Option<&Scope>,
) -> anyhow::Result<AuditPage> {
    let limit = filter.limit();
    let mut qb = QueryBuilder::<Postgres>::new("select *");
    filter.push_source(&mut qb, Dialect::Postgres, scope);
    if let Some(before) = filter.before() {
        qb.push(" and id < ").push_bind(before);
    }
    qb.push(" order by id desc limit ")
        .push_bind(i64::from(limit) + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let mut events = events(&rows)?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_before = if more {
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage {
        events,
        next_before,
    })
}

/// One event with its partner and difference, if `scope` may see it.
pub(super) async fn detail(
    pool: &PgPool,
    id: i64,
    scope: Option<&Scope>,
) -> anyhow::Result<Option<AuditEventDetail>> {
    let fetch = |sql: &'static str, id: i64| async move {
        let rows = sqlx::query(sql).bind(id).fetch_all(pool).await?;
        rows.iter()
            .map(|r| Ok((event_from_row(r)?, not_as_written(r))))
            .collect::<anyhow::Result<Vec<_>>>()
    };
    let Some((event, changed)) = fetch("select * from audit_events where id = $1", id)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let related = match event.intent_id {
        Some(intent) => fetch("select * from audit_events where id = $1", intent).await?,
        None => fetch("select * from audit_events where intent_id = $1", event.id).await?,
    };
    let (related, changed) = with_changes(changed, related);
    let Some(mut detail) = detail_of(event, related, scope) else {
        return Ok(None);
    };
    let neighbour = |sql: &'static str| async move {
        sqlx::query_as::<_, (i64, String)>(sql)
            .bind(id)
            .fetch_optional(pool)
            .await
    };
    let before =
        neighbour("select id, hash from audit_events where id < $1 order by id desc limit 1");
    let after =
        neighbour("select id, prev_hash from audit_events where id > $1 order by id limit 1");
    detail.chain_problems = chain::problems(&detail, before.await?, after.await?);
    detail.chain_problems.extend(changed);
    Ok(Some(detail))
}

/// Walks the whole chain in id order; stops at the first row that does not fit. With
/// `expected`, also checks the chain still holds that head.
pub(super) async fn verify(
    pool: &PgPool,
    expected: Option<&ChainHead>,
) -> anyhow::Result<ChainVerification> {
    let mut verifier = Verifier::default();
    let mut first_bad = None;
    {
        let mut rows = sqlx::query("select * from audit_events order by id").fetch(pool);
        while let Some(row) = rows.try_next().await? {
            let id: i64 = row.try_get("id")?;
            if let Err(bad) = check_row(&mut verifier, id, written_event_from_row(&row)) {
                first_bad = Some(bad);
                break;
            }
        }
    }
    let result = verification(&verifier, first_bad);
    match expected {
        Some(expected) if result.ok => {
            let hash: Option<String> =
                sqlx::query_scalar("select hash from audit_events where id = $1")
                    .bind(expected.id)
                    .fetch_optional(pool)
                    .await?;
            Ok(expecting(result, expected, hash))
        }
        _ => Ok(result),
    }
}

/// The export, oldest first, in batches of [`EXPORT_BATCH`] rows read by id, each formatted
/// as the SQLite export formats its rows (the same bytes for the same rows).
pub(super) async fn export(
    pool: PgPool,
    filter: Filter,
    scope: Option<Scope>,
    format: Format,
    sink: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    if let Err(e) = write_export(&pool, &filter, scope.as_ref(), format, &sink).await {
        tracing::error!(error = %e, "audit export stopped");
        let _ = sink
            .send(Err(std::io::Error::other("audit export failed")))
            .await;
    }
}

async fn write_export(
    pool: &PgPool,
    filter: &Filter,
    scope: Option<&Scope>,
    format: Format,
    sink: &mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> anyhow::Result<()> {
    let (head, tail) = head_and_tail(format);
    if sink.send(Ok(Bytes::from(head))).await.is_err() {
        return Ok(());
    }
    let columns: Vec<&str> = COLUMNS.iter().map(|(name, _, _)| *name).collect();
    let select = format!("select {}", columns.join(", "));
    let mut last = 0i64;
    loop {
        let mut qb = QueryBuilder::<Postgres>::new(&select);
        filter.push_source(&mut qb, Dialect::Postgres, scope);
        qb.push(" and id > ")
            .push_bind(last)
            .push(" order by id limit ")
            .push_bind(EXPORT_BATCH);
        let rows = qb.build().fetch_all(pool).await?;
        if rows.is_empty() {
            break;
        }
        let mut text = Vec::with_capacity(rows.len() * 512);
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            if format == Format::Json && last > 0 {
                text.extend_from_slice(b",\n");
            }
            export_row(&mut text, row, format)
                .with_context(|| format!("audit row {id} cannot be exported"))?;
            last = id;
        }
        if sink.send(Ok(Bytes::from(text))).await.is_err() {
            return Ok(());
        }
    }
    let _ = sink.send(Ok(Bytes::from_static(tail.as_bytes()))).await;
    Ok(())
}

/// One row in `format`. A snapshot that is JSON but not minified (only a row written behind
/// the portal's back) is minified first, as SQLite's `json()` would; one that is not JSON
/// fails the export, as it does on SQLite.
fn export_row(buf: &mut Vec<u8>, row: &PgRow, format: Format) -> anyhow::Result<()> {
    let mut numbers = [None; COLUMNS.len()];
    let mut texts: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
    let mut minified: [Option<String>; COLUMNS.len()] = std::array::from_fn(|_| None);
    for (i, (_, _, kind)) in COLUMNS.iter().enumerate() {
        match kind {
            Kind::Number => numbers[i] = row.try_get::<Option<i64>, _>(i)?,
            Kind::Fixed | Kind::Text => texts[i] = row.try_get(i)?,
            Kind::Json => {
                texts[i] = row.try_get(i)?;
                if format == Format::Json
                    && let Some(text) = texts[i]
                    && !is_minified_json(text.as_bytes())
                {
                    let value: Value =
                        serde_json::from_str(text).context("a snapshot is not JSON")?;
                    minified[i] = Some(value.to_string());
                }
            }
        }
    }
    let cells: Vec<Option<Cell<'_>>> = (0..COLUMNS.len())
        .map(|i| {
            Some(match (numbers[i], minified[i].as_deref().or(texts[i])) {
                (Some(n), _) => Cell::Integer(n),
                (None, Some(text)) => Cell::Text(text.as_bytes()),
                (None, None) => Cell::Null,
            })
        })
        .collect();
    let written = match format {
        Format::Csv => csv_line(buf, &cells),
        Format::Json => json_line(buf, &cells),
    };
    anyhow::ensure!(written, "a value the export cannot write");
    Ok(())
}
