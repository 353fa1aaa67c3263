//! Reading the audit history: filtered pages by id, one event with its before/after difference,
//! streamed CSV and JSON exports, and the chain verification — each over any size of table
//! without holding it in memory.

use super::chain::Verifier;
use super::row::event_from_row;
use crate::timefmt;
use bytes::Bytes;
use futures::TryStreamExt;
use models::api::{AuditEvent, AuditEventDetail, AuditPage, AuditQuery, ChainVerification};
use models::diff::diff;
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use tokio::sync::mpsc;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

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

    /// The where clause of every read: SQL text and the values bound in it, in order, so a
    /// reader other than sqlx's query builder binds exactly what [`Filter::push_where`] binds.
    pub(super) fn where_pieces(&self, scope: Option<&Scope>) -> Vec<Piece> {
        use Piece::{Bind, Sql};
        let q = &self.query;
        let mut w = vec![Sql(" where 1 = 1")];
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        if let Some(c) = text(&q.connection) {
            w.extend([Sql(" and connection_id = "), Bind(c)]);
        }
        if let Some(a) = text(&q.actor) {
            w.extend([Sql(" and (actor_id = "), Bind(a.clone())]);
            w.extend([Sql(" or actor_email = "), Bind(a), Sql(" collate nocase)")]);
        }
        if let Some(a) = q.action {
            w.extend([Sql(" and action = "), Bind(a.as_str().to_owned())]);
        }
        if let Some(p) = q.peering_type {
            w.extend([Sql(" and peering_type = "), Bind(p.as_wire().to_owned())]);
        }
        if let Some(o) = q.outcome {
            w.extend([Sql(" and outcome = "), Bind(o.as_str().to_owned())]);
        }
        // Times never go backwards along the ids (the writer sees to it), so a time range is
        // an id range: each bound becomes the first id at or after it, found with one seek in
        // the time index, and the rows are walked by id like any other page. Filtering on `at`
        // through its index instead read every row of the range and sorted them (tens of ms
        // for a month of a million-row history). The `+` keeps the time index out of the
        // outer query; the time test itself stays.
        if let Some(from) = &self.from {
            w.push(Sql(" and id >= "));
            push_first_id_at(&mut w, from);
            w.extend([Sql(" and +at >= "), Bind(from.clone())]);
        }
        if let Some(to) = &self.to {
            w.push(Sql(" and id < "));
            push_first_id_at(&mut w, to);
            w.extend([Sql(" and +at < "), Bind(to.clone())]);
        }
        if let Some(scope) = scope {
            w.extend([Sql(" and (actor_id = "), Bind(scope.actor_id.clone())]);
            if !scope.companies.is_empty() {
                w.push(Sql(" or company in ("));
                for (i, c) in scope.companies.iter().enumerate() {
                    if i > 0 {
                        w.push(Sql(", "));
                    }
                    w.push(Bind(c.clone()));
                }
                w.push(Sql(")"));
            }
            w.push(Sql(")"));
        }
        w
    }

    fn push_where(&self, qb: &mut QueryBuilder<'_, Sqlite>, scope: Option<&Scope>) {
        for piece in self.where_pieces(scope) {
            match piece {
                Piece::Sql(sql) => qb.push(sql),
                Piece::Bind(value) => qb.push_bind(value),
            };
        }
    }
}

/// A piece of a where clause: SQL text, or a text value bound where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Sql(&'static str),
    Bind(String),
}

/// The id of the first row at or after `time`, or past every id when there is none.
fn push_first_id_at(w: &mut Vec<Piece>, time: &str) {
    w.extend([
        Piece::Sql("coalesce((select id from audit_events where at >= "),
        Piece::Bind(time.to_owned()),
        Piece::Sql(" order by at, id limit 1), 9223372036854775807)"),
    ]);
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

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// How a column is written: a number, or text the portal itself writes in a fixed form (times,
/// ids, hashes, names from a fixed list), as they are; other text quoted (and defused, in CSV).
#[derive(Clone, Copy)]
enum Kind {
    Number,
    Fixed,
    Text,
    Json,
}

/// The exported columns: CSV header (the column's name) and JSON key, in order.
const COLUMNS: [(&str, &str, Kind); 25] = [
    ("id", "id", Kind::Number),
    ("at", "at", Kind::Fixed),
    ("request_id", "requestId", Kind::Fixed),
    ("phase", "phase", Kind::Fixed),
    ("intent_id", "intentId", Kind::Number),
    ("action", "action", Kind::Fixed),
    ("actor_id", "actorId", Kind::Text),
    ("actor_name", "actorName", Kind::Text),
    ("actor_email", "actorEmail", Kind::Text),
    ("company", "company", Kind::Text),
    ("connection_id", "connectionId", Kind::Text),
    ("peering_type", "peeringType", Kind::Fixed),
    ("reason", "reason", Kind::Text),
    ("ticket", "ticket", Kind::Text),
    ("outcome", "outcome", Kind::Fixed),
    ("upstream_status", "upstreamStatus", Kind::Number),
    ("error", "error", Kind::Text),
    ("duration_ms", "durationMs", Kind::Number),
    ("client_addr", "clientAddr", Kind::Text),
    ("user_agent", "userAgent", Kind::Text),
    ("request", "request", Kind::Json),
    ("before", "before", Kind::Json),
    ("after", "after", Kind::Json),
    ("prev_hash", "prevHash", Kind::Fixed),
    ("hash", "hash", Kind::Fixed),
];

/// Rows put together into one text value by SQLite per round trip.
const EXPORT_BATCH: i64 = 2000;

/// The SQL expression of one exported row. SQLite assembles the text itself because the
/// driver hands rows over one at a time through a channel, and that per-row cost, not the
/// formatting, was most of an export's time (15 s for a million rows; see bench/REPORT.md).
///
/// CSV (RFC 4180): numbers and fixed-form text as they are; other text and JSON always quoted
/// with inner quotes doubled, and a cell a spreadsheet would run as a formula (starting `=`,
/// `+`, `-`, `@`, tab or CR) gets a leading apostrophe. JSON: the shape of `AuditEvent`,
/// snapshots as JSON.
fn row_sql(format: Format) -> String {
    match format {
        Format::Csv => {
            let cells: Vec<String> = COLUMNS
                .iter()
                .map(|(column, _, kind)| match kind {
                    Kind::Number | Kind::Fixed => format!("ifnull({column}, '')"),
                    Kind::Text | Kind::Json => format!(
                        r#"ifnull('"' || replace(case when substr({column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13)) then '''' || {column} else {column} end, '"', '""') || '"', '')"#
                    ),
                })
                .collect();
            format!("{} || char(13, 10)", cells.join(" || ',' || "))
        }
        Format::Json => {
            let fields: Vec<String> = COLUMNS
                .iter()
                .map(|(column, key, kind)| match kind {
                    Kind::Json => format!("'{key}', json({column})"),
                    Kind::Number | Kind::Fixed | Kind::Text => format!("'{key}', {column}"),
                })
                .collect();
            format!("json_object({})", fields.join(", "))
        }
    }
}

/// Writes the export into `sink` chunk by chunk, oldest first; stops early if the sink is gone.
pub async fn export(
    pool: SqlitePool,
    filter: Filter,
    scope: Option<Scope>,
    format: Format,
    sink: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let (head, separator, tail) = match format {
        Format::Csv => {
            let names: Vec<&str> = COLUMNS.iter().map(|(name, _, _)| *name).collect();
            (format!("{}\r\n", names.join(",")), "''", "")
        }
        Format::Json => ("[\n".to_owned(), "',' || char(10)", "\n]\n"),
    };
    if sink.send(Ok(Bytes::from(head))).await.is_err() {
        return;
    }
    let row = row_sql(format);
    let mut last = 0i64;
    loop {
        let mut qb = QueryBuilder::new(format!(
            "select max(id), group_concat(line, {separator} order by id) \
             from (select id, {row} as line from audit_events"
        ));
        filter.push_where(&mut qb, scope.as_ref());
        qb.push(" and id > ")
            .push_bind(last)
            .push(" order by id limit ")
            .push_bind(EXPORT_BATCH)
            .push(")");
        let batch: Result<(Option<i64>, Option<String>), _> =
            qb.build_query_as().fetch_one(&pool).await;
        let (max, text) = match batch {
            Ok((Some(max), Some(text))) => (max, text),
            Ok(_) => break,
            Err(e) => {
                tracing::error!(error = %e, "audit export stopped");
                let _ = sink
                    .send(Err(std::io::Error::other("audit export failed")))
                    .await;
                return;
            }
        };
        let chunk = match format {
            Format::Json if last > 0 => format!(",\n{text}"),
            _ => text,
        };
        last = max;
        if sink.send(Ok(Bytes::from(chunk))).await.is_err() {
            return;
        }
    }
    let _ = sink.send(Ok(Bytes::from_static(tail.as_bytes()))).await;
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

    async fn one_row() -> SqlitePool {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        crate::db::MIGRATOR.run(&pool).await.unwrap();
        sqlx::query(
            r#"insert into audit_events (id, at, request_id, phase, action, reason, ticket,
               request, upstream_status, prev_hash, hash)
               values (7, '2026-11-25T10:00:00.000Z', 'r1', 'outcome', 'update_peering',
               '=SUM(A1)', 'a "b", c', '{"vlanId":200}', 200, 'p', 'h')"#,
        )
        .execute(&pool)
        .await
        .unwrap();
        pool
    }

    async fn exported(pool: &SqlitePool, format: Format) -> String {
        let sql = format!("select {} from audit_events", row_sql(format));
        sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap()
    }

    #[tokio::test]
    async fn csv_rows_are_quoted_and_formulas_defused() {
        let pool = one_row().await;
        let line = exported(&pool, Format::Csv).await;
        assert!(
            line.starts_with("7,2026-11-25T10:00:00.000Z,r1,outcome,,update_peering,"),
            "portal-written text as it is: {line}"
        );
        assert!(
            line.contains(",\"'=SUM(A1)\",\"a \"\"b\"\", c\","),
            "{line}"
        );
        assert!(line.contains(",\"{\"\"vlanId\"\":200}\","), "{line}");
        assert!(line.contains(",200,"), "numbers as they are: {line}");
        assert!(line.ends_with(",p,h\r\n"), "{line}");
        assert_eq!(
            line.matches(',').count(),
            24 + 1,
            "25 cells, one comma inside quotes"
        );
    }

    #[tokio::test]
    async fn json_rows_have_the_shape_of_an_event() {
        let pool = one_row().await;
        let event: AuditEvent = serde_json::from_str(&exported(&pool, Format::Json).await).unwrap();
        assert_eq!(event.id, 7);
        assert_eq!(
            event.reason.as_deref(),
            Some("=SUM(A1)"),
            "JSON keeps text as written"
        );
        assert_eq!(event.request, Some(serde_json::json!({"vlanId": 200})));
        assert_eq!(event.upstream_status, Some(200));
        assert_eq!(event.error, None);
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
