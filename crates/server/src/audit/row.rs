//! The mapping between audit events and table rows, and how intent and outcome rows are built.

use super::{Intent, Outcome};
use anyhow::{Context, anyhow};
use models::PeeringType;
use models::api::{AuditAction, AuditEvent, AuditOutcome, AuditPhase};
use serde_json::Value;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Sqlite, Transaction, Type};
use std::time::Duration;

/// An event with nothing filled in but what it is.
pub(super) fn blank(action: AuditAction, phase: AuditPhase) -> AuditEvent {
    AuditEvent {
        id: 0,
        at: String::new(),
        request_id: String::new(),
        phase,
        intent_id: None,
        action,
        actor_id: None,
        actor_name: None,
        actor_email: None,
        company: None,
        connection_id: None,
        peering_type: None,
        reason: None,
        ticket: None,
        request: None,
        before: None,
        after: None,
        outcome: None,
        upstream_status: None,
        error: None,
        duration_ms: None,
        client_addr: None,
        user_agent: None,
        prev_hash: String::new(),
        hash: String::new(),
    }
}

pub fn intent_event(i: &Intent) -> AuditEvent {
    let mut e = blank(i.action, AuditPhase::Intent);
    e.request_id = i.meta.request_id.clone();
    if let Some(a) = &i.actor {
        e.actor_id = Some(a.id.clone());
        e.actor_name = Some(a.name.clone());
        e.actor_email = Some(a.email.clone());
    }
    e.company = i.company.clone();
    e.connection_id = i.connection_id.clone();
    e.peering_type = i.peering_type;
    e.reason = i.reason.clone();
    e.ticket = i.ticket.clone();
    e.request = given(i.request.clone());
    e.before = given(i.before.clone());
    e.client_addr = i.meta.client_addr();
    e.user_agent = i.meta.user_agent.clone();
    e
}

pub fn outcome_event(intent_id: i64, i: &Intent, o: Outcome, d: Option<Duration>) -> AuditEvent {
    let mut intent = intent_event(i);
    intent.id = intent_id;
    outcome_of_event(&intent, o, d)
}

/// The outcome row of an intent row: who, where and why are copied so filters find both.
pub fn outcome_of_event(intent: &AuditEvent, o: Outcome, d: Option<Duration>) -> AuditEvent {
    let mut e = blank(intent.action, AuditPhase::Outcome);
    e.intent_id = Some(intent.id);
    e.request_id = intent.request_id.clone();
    match o.actor {
        Some(a) => {
            e.actor_id = Some(a.id);
            e.actor_name = Some(a.name);
            e.actor_email = Some(a.email);
        }
        None => {
            e.actor_id = intent.actor_id.clone();
            e.actor_name = intent.actor_name.clone();
            e.actor_email = intent.actor_email.clone();
        }
    }
    e.company = o.company.or_else(|| intent.company.clone());
    e.connection_id = o.connection_id.or_else(|| intent.connection_id.clone());
    e.peering_type = intent.peering_type;
    e.reason = intent.reason.clone();
    e.ticket = intent.ticket.clone();
    e.after = given(o.after);
    e.outcome = Some(o.outcome);
    e.upstream_status = o.upstream_status;
    e.error = o.error;
    e.duration_ms = d.map(|d| d.as_millis() as u64);
    e.client_addr = intent.client_addr.clone();
    e.user_agent = intent.user_agent.clone();
    e
}

/// A snapshot of nothing (no peering before its first configure) is kept as no snapshot, so an
/// absent state reads and exports the same way everywhere.
fn given(v: Option<Value>) -> Option<Value> {
    v.filter(|v| !v.is_null())
}

fn json_text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

/// The table's columns in the order [`insert_sql`] names them.
const INSERT_COLUMNS: &str = "id, at, request_id, phase, intent_id, action, actor_id, \
     actor_name, actor_email, company, connection_id, peering_type, reason, ticket, request, \
     before, after, outcome, upstream_status, error, duration_ms, client_addr, user_agent, \
     prev_hash, hash";

/// The insert of one row, with the placeholders of the database at hand (`?` or `$1`…).
pub fn insert_sql(placeholder: impl Fn(usize) -> String) -> String {
    insert_rows_sql(1, placeholder)
}

/// The insert of `rows` rows in one statement, each bound by [`bind_event`] in turn.
pub fn insert_rows_sql(rows: usize, placeholder: impl Fn(usize) -> String) -> String {
    let count = INSERT_COLUMNS.split(',').count();
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let row: Vec<String> = (1..=count).map(|i| placeholder(row * count + i)).collect();
            format!("({})", row.join(", "))
        })
        .collect();
    format!(
        "insert into audit_events ({INSERT_COLUMNS}) values {}",
        values.join(", ")
    )
}

/// Binds every column of `e` to an [`insert_sql`] statement, in order.
pub fn bind_event<'q, DB: Database>(
    q: Query<'q, DB, <DB as Database>::Arguments<'q>>,
    e: &'q AuditEvent,
) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    i64: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    &'q str: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
{
    q.bind(e.id)
        .bind(e.at.as_str())
        .bind(e.request_id.as_str())
        .bind(e.phase.as_str())
        .bind(e.intent_id)
        .bind(e.action.as_str())
        .bind(e.actor_id.as_deref())
        .bind(e.actor_name.as_deref())
        .bind(e.actor_email.as_deref())
        .bind(e.company.as_deref())
        .bind(e.connection_id.as_deref())
        .bind(e.peering_type.map(|p| p.as_wire()))
        .bind(e.reason.as_deref())
        .bind(e.ticket.as_deref())
        .bind(json_text(&e.request))
        .bind(json_text(&e.before))
        .bind(json_text(&e.after))
        .bind(e.outcome.map(AuditOutcome::as_str))
        .bind(e.upstream_status.map(i64::from))
        .bind(e.error.as_deref())
        .bind(e.duration_ms.map(|d| d as i64))
        .bind(e.client_addr.as_deref())
        .bind(e.user_agent.as_deref())
        .bind(e.prev_hash.as_str())
        .bind(e.hash.as_str())
}

pub async fn insert(tx: &mut Transaction<'_, Sqlite>, e: &AuditEvent) -> sqlx::Result<()> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| insert_sql(|_| "?".into()));
    bind_event(sqlx::query(SQL.as_str()), e)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn json_col<R: Row>(r: &R, col: &str) -> anyhow::Result<Option<Value>>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'a> String: Decode<'a, R::Database> + Type<R::Database>,
{
    let text: Option<String> = r.try_get(col)?;
    text.map(|t| serde_json::from_str(&t).with_context(|| format!("column {col} is not JSON")))
        .transpose()
}

/// Whether the row's values are stored as the portal writes them: the hash covers the values
/// read, so text that reads as the same value but is not what the portal wrote (a snapshot
/// with a key given twice, or spaced; a peering type in lower case) would pass the hash and
/// yet show otherwise wherever the stored text is shown, exported or filtered on. The chain's
/// verification and an event's own check take such a row as changed.
pub fn stored_as_written<R: Row>(r: &R) -> anyhow::Result<()>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'a> String: Decode<'a, R::Database> + Type<R::Database>,
{
    for col in ["request", "before", "after"] {
        let text: Option<String> = r.try_get(col)?;
        if let Some(text) = text {
            let v: Value =
                serde_json::from_str(&text).with_context(|| format!("column {col} is not JSON"))?;
            anyhow::ensure!(
                as_written(&v, &text),
                "column {col} is not JSON as the portal writes it"
            );
        }
    }
    let peering: Option<String> = r.try_get("peering_type")?;
    if let Some(p) = peering {
        anyhow::ensure!(
            peering_type_as_written(&p).is_some(),
            "column peering_type is not as the portal writes it"
        );
    }
    Ok(())
}

/// [`event_from_row`] of a row [`stored_as_written`]: how the chain's verification reads.
pub fn written_event_from_row<R: Row>(r: &R) -> anyhow::Result<AuditEvent>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'a> String: Decode<'a, R::Database> + Type<R::Database>,
    for<'a> i64: Decode<'a, R::Database> + Type<R::Database>,
{
    stored_as_written(r)?;
    event_from_row(r)
}

/// Whether `text` is `v` as the portal writes it (minified, keys sorted, each once).
pub(super) fn as_written(v: &Value, text: &str) -> bool {
    // Not `*v == text`: a JSON value equals a `str` only when it is that string.
    let written = v.to_string();
    written == text
}

/// A peering type as the portal writes it: its upper-case wire spelling, no other.
pub(super) fn peering_type_as_written(text: &str) -> Option<PeeringType> {
    text.parse::<PeeringType>()
        .ok()
        .filter(|p| p.as_wire() == text)
}

/// Reads a row (of either database) back into an event; fails on anything the writer could
/// not have written.
pub fn event_from_row<R: Row>(r: &R) -> anyhow::Result<AuditEvent>
where
    for<'a> &'a str: ColumnIndex<R>,
    for<'a> String: Decode<'a, R::Database> + Type<R::Database>,
    for<'a> i64: Decode<'a, R::Database> + Type<R::Database>,
{
    let phase: String = r.try_get("phase")?;
    let action: String = r.try_get("action")?;
    let outcome: Option<String> = r.try_get("outcome")?;
    let peering: Option<String> = r.try_get("peering_type")?;
    let status: Option<i64> = r.try_get("upstream_status")?;
    let duration: Option<i64> = r.try_get("duration_ms")?;
    Ok(AuditEvent {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        request_id: r.try_get("request_id")?,
        phase: AuditPhase::parse(&phase).ok_or_else(|| anyhow!("unknown phase"))?,
        intent_id: r.try_get("intent_id")?,
        action: AuditAction::parse(&action).ok_or_else(|| anyhow!("unknown action"))?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        actor_email: r.try_get("actor_email")?,
        company: r.try_get("company")?,
        connection_id: r.try_get("connection_id")?,
        peering_type: peering
            .map(|p| p.parse().map_err(|_| anyhow!("unknown peering type")))
            .transpose()?,
        reason: r.try_get("reason")?,
        ticket: r.try_get("ticket")?,
        request: json_col(r, "request")?,
        before: json_col(r, "before")?,
        after: json_col(r, "after")?,
        outcome: outcome
            .map(|o| AuditOutcome::parse(&o).ok_or_else(|| anyhow!("unknown outcome")))
            .transpose()?,
        upstream_status: status.map(u16::try_from).transpose()?,
        error: r.try_get("error")?,
        duration_ms: duration.map(u64::try_from).transpose()?,
        client_addr: r.try_get("client_addr")?,
        user_agent: r.try_get("user_agent")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}
