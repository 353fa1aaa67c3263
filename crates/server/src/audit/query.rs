//! Reading the audit history: filtered pages by id, one event with its before/after difference,
//! streamed CSV and JSON exports, and the chain verification — each over any size of table
//! without holding it in memory.

use super::chain::Verifier;
use super::row::event_from_row;
use crate::timefmt;
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use models::api::{AuditEvent, AuditEventDetail, AuditPage, AuditQuery, ChainVerification};
use models::diff::diff;
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use tokio::sync::mpsc;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;
/// Bytes gathered before an export chunk is sent.
const CHUNK: usize = 64 * 1024;

/// Which rows a reader may see: those of their companies, and their own.
#[derive(Debug, Clone)]
pub struct Scope {
    pub companies: Vec<String>,
    pub actor_id: String,
}

/// A filter that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{field}: {message}")]
pub struct BadFilter {
    pub field: &'static str,
    pub message: String,
}

/// Checked filters with times in stored form.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    query: AuditQuery,
    from: Option<String>,
    to: Option<String>,
}

impl Filter {
    pub fn new(query: AuditQuery) -> Result<Self, BadFilter> {
        let time = |field: &'static str, raw: &Option<String>| {
            raw.as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| {
                    timefmt::normalize(t).ok_or_else(|| BadFilter {
                        field,
                        message: "must be an RFC 3339 time such as 2026-11-25T09:00:00Z".into(),
                    })
                })
                .transpose()
        };
        let from = time("from", &query.from)?;
        let to = time("to", &query.to)?;
        if let Some(limit) = query.limit.filter(|l| !(1..=MAX_PAGE).contains(l)) {
            return Err(BadFilter {
                field: "limit",
                message: format!("must be from 1 to {MAX_PAGE}; got {limit}"),
            });
        }
        Ok(Filter { query, from, to })
    }

    fn push_where(&self, qb: &mut QueryBuilder<'_, Sqlite>, scope: Option<&Scope>) {
        let q = &self.query;
        qb.push(" where 1 = 1");
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        if let Some(c) = text(&q.connection) {
            qb.push(" and connection_id = ").push_bind(c);
        }
        if let Some(a) = text(&q.actor) {
            qb.push(" and (actor_id = ").push_bind(a.clone());
            qb.push(" or actor_email = ")
                .push_bind(a)
                .push(" collate nocase)");
        }
        if let Some(a) = q.action {
            qb.push(" and action = ").push_bind(a.as_str());
        }
        if let Some(p) = q.peering_type {
            qb.push(" and peering_type = ").push_bind(p.as_wire());
        }
        if let Some(o) = q.outcome {
            qb.push(" and outcome = ").push_bind(o.as_str());
        }
        // Times never go backwards along the ids (the writer sees to it), so a time range is
        // an id range: each bound becomes the first id at or after it, found with one seek in
        // the time index, and the rows are walked by id like any other page. Filtering on `at`
        // through its index instead read every row of the range and sorted them (tens of ms
        // for a month of a million-row history). The `+` keeps the time index out of the
        // outer query; the time test itself stays.
        if let Some(from) = &self.from {
            qb.push(" and id >= ");
            push_first_id_at(qb, from);
            qb.push(" and +at >= ").push_bind(from.clone());
        }
        if let Some(to) = &self.to {
            qb.push(" and id < ");
            push_first_id_at(qb, to);
            qb.push(" and +at < ").push_bind(to.clone());
        }
        if let Some(scope) = scope {
            qb.push(" and (actor_id = ")
                .push_bind(scope.actor_id.clone());
            if !scope.companies.is_empty() {
                qb.push(" or company in (");
                let mut sep = qb.separated(", ");
                for c in &scope.companies {
                    sep.push_bind(c.clone());
                }
                qb.push(")");
            }
            qb.push(")");
        }
    }
}

/// The id of the first row at or after `time`, or past every id when there is none.
fn push_first_id_at(qb: &mut QueryBuilder<'_, Sqlite>, time: &str) {
    qb.push("coalesce((select id from audit_events where at >= ")
        .push_bind(time.to_owned())
        .push(" order by at, id limit 1), 9223372036854775807)");
}

/// One page, newest first.
pub async fn page(
    pool: &SqlitePool,
    filter: &Filter,
    scope: Option<&Scope>,
) -> sqlx::Result<AuditPage> {
    let limit = filter.query.limit.unwrap_or(DEFAULT_PAGE);
    let mut qb = QueryBuilder::new("select * from audit_events");
    filter.push_where(&mut qb, scope);
    if let Some(before) = filter.query.before {
        qb.push(" and id < ").push_bind(before);
    }
    qb.push(" order by id desc limit ")
        .push_bind(i64::from(limit) + 1);
    let rows = qb.build().fetch_all(pool).await?;
    let mut events = rows
        .iter()
        .map(event_from_row)
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(|e| sqlx::Error::Decode(e.into()))?;
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

/// One event, its intent/outcome partner, and the before/after difference of the pair.
pub async fn detail(
    pool: &SqlitePool,
    id: i64,
    scope: Option<&Scope>,
) -> sqlx::Result<Option<AuditEventDetail>> {
    let fetch = |sql: &'static str, id: i64| async move {
        let rows = sqlx::query(sql).bind(id).fetch_all(pool).await?;
        rows.iter()
            .map(event_from_row)
            .collect::<anyhow::Result<Vec<AuditEvent>>>()
            .map_err(|e| sqlx::Error::Decode(e.into()))
    };
    let Some(event) = fetch("select * from audit_events where id = ?", id)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    if let Some(scope) = scope {
        let visible = event.actor_id.as_deref() == Some(scope.actor_id.as_str())
            || event
                .company
                .as_ref()
                .is_some_and(|c| scope.companies.contains(c));
        if !visible {
            return Ok(None);
        }
    }
    let related = match event.intent_id {
        Some(intent) => fetch("select * from audit_events where id = ?", intent).await?,
        None => fetch("select * from audit_events where intent_id = ?", event.id).await?,
    };
    let (intent, outcome) = match event.intent_id {
        Some(_) => (related.first(), Some(&event)),
        None => (Some(&event), related.first()),
    };
    let before = intent.and_then(|i| i.before.clone()).unwrap_or(Value::Null);
    let after = match outcome {
        Some(o) => o.after.clone().unwrap_or(Value::Null),
        None => Value::Null,
    };
    let changes = if outcome.is_some() {
        diff(&before, &after)
    } else {
        Vec::new()
    };
    Ok(Some(AuditEventDetail {
        event,
        changes,
        related,
    }))
}

/// The stream of events matching a filter, oldest first.
fn events<'a>(
    pool: &'a SqlitePool,
    filter: &'a Filter,
    scope: Option<&'a Scope>,
    qb: &'a mut QueryBuilder<'a, Sqlite>,
) -> impl Stream<Item = anyhow::Result<AuditEvent>> + 'a {
    filter.push_where(qb, scope);
    qb.push(" order by id asc");
    qb.build().fetch(pool).map(|r| {
        r.map_err(anyhow::Error::from)
            .and_then(|row| event_from_row(&row))
    })
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

pub const CSV_COLUMNS: [&str; 25] = [
    "id",
    "at",
    "request_id",
    "phase",
    "intent_id",
    "action",
    "actor_id",
    "actor_name",
    "actor_email",
    "company",
    "connection_id",
    "peering_type",
    "reason",
    "ticket",
    "outcome",
    "upstream_status",
    "error",
    "duration_ms",
    "client_addr",
    "user_agent",
    "request",
    "before",
    "after",
    "prev_hash",
    "hash",
];

/// A text cell that a spreadsheet would run as a formula gets a leading apostrophe.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn csv_record(e: &AuditEvent) -> Vec<String> {
    let opt = |v: &Option<String>| v.as_deref().map(cell).unwrap_or_default();
    let json = |v: &Option<Value>| v.as_ref().map(|v| cell(&v.to_string())).unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    vec![
        e.id.to_string(),
        e.at.clone(),
        cell(&e.request_id),
        e.phase.as_str().to_owned(),
        num(e.intent_id),
        e.action.as_str().to_owned(),
        opt(&e.actor_id),
        opt(&e.actor_name),
        opt(&e.actor_email),
        opt(&e.company),
        opt(&e.connection_id),
        e.peering_type
            .map(|p| p.as_wire().to_owned())
            .unwrap_or_default(),
        opt(&e.reason),
        opt(&e.ticket),
        e.outcome.map(|o| o.as_str().to_owned()).unwrap_or_default(),
        num(e.upstream_status.map(i64::from)),
        opt(&e.error),
        num(e.duration_ms.map(|d| d as i64)),
        opt(&e.client_addr),
        opt(&e.user_agent),
        json(&e.request),
        json(&e.before),
        json(&e.after),
        e.prev_hash.clone(),
        e.hash.clone(),
    ]
}

/// Appends one CSV record (RFC 4180: fields with commas, quotes or line breaks are quoted).
fn push_csv_record<S: AsRef<str>>(buf: &mut Vec<u8>, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            buf.push(b',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            buf.push(b'"');
            buf.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            buf.push(b'"');
        } else {
            buf.extend_from_slice(field.as_bytes());
        }
    }
    buf.extend_from_slice(b"\r\n");
}

/// Writes the export into `sink` chunk by chunk; stops early if the sink is gone.
pub async fn export(
    pool: SqlitePool,
    filter: Filter,
    scope: Option<Scope>,
    format: Format,
    sink: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let mut qb = QueryBuilder::new("select * from audit_events");
    let mut stream = std::pin::pin!(events(&pool, &filter, scope.as_ref(), &mut qb));
    let mut buf = Vec::with_capacity(CHUNK * 2);
    match format {
        Format::Csv => push_csv_record(&mut buf, &CSV_COLUMNS),
        Format::Json => buf.extend_from_slice(b"["),
    }
    let mut first = true;
    loop {
        let event = match stream.try_next().await {
            Ok(Some(e)) => e,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "audit export stopped");
                let _ = sink
                    .send(Err(std::io::Error::other("audit export failed")))
                    .await;
                return;
            }
        };
        match format {
            Format::Csv => push_csv_record(&mut buf, &csv_record(&event)),
            Format::Json => {
                buf.extend_from_slice(if first { b"\n" } else { b",\n" });
                let _ = serde_json::to_writer(&mut buf, &event);
            }
        }
        first = false;
        if buf.len() >= CHUNK {
            let chunk = Bytes::from(std::mem::replace(&mut buf, Vec::with_capacity(CHUNK * 2)));
            if sink.send(Ok(chunk)).await.is_err() {
                return;
            }
        }
    }
    if format == Format::Json {
        buf.extend_from_slice(b"\n]\n");
    }
    let _ = sink.send(Ok(Bytes::from(buf))).await;
}

/// Walks the whole chain in id order; stops at the first row that does not fit.
pub async fn verify(pool: &SqlitePool) -> anyhow::Result<ChainVerification> {
    let mut rows = sqlx::query("select * from audit_events order by id asc").fetch(pool);
    let mut verifier = Verifier::default();
    while let Some(row) = rows.try_next().await? {
        let id: i64 = sqlx::Row::try_get(&row, "id")?;
        let checked = event_from_row(&row)
            .map_err(|e| models::api::ChainBreak {
                id,
                reason: format!("the row cannot be read: {e}"),
            })
            .and_then(|event| verifier.check(&event));
        if let Err(first_bad) = checked {
            return Ok(ChainVerification {
                ok: false,
                rows_checked: verifier.rows_checked,
                first_bad: Some(first_bad),
            });
        }
    }
    Ok(ChainVerification {
        ok: true,
        rows_checked: verifier.rows_checked,
        first_bad: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_in_csv() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("plain"), "plain");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut buf = Vec::new();
        push_csv_record(&mut buf, &["a", "b,c", "say \"hi\"", "two\nlines"]);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn bad_filters_are_named() {
        let q = AuditQuery {
            from: Some("last tuesday".into()),
            ..Default::default()
        };
        assert_eq!(Filter::new(q).unwrap_err().field, "from");
        let q = AuditQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert_eq!(Filter::new(q).unwrap_err().field, "limit");
        assert!(Filter::new(AuditQuery::default()).is_ok());
    }
}
