//! The audit history for the team: filtered pages, one event with its difference, exports,
//! and the chain check. A reader sees the events of their companies and their own.

use crate::audit::query::{Filter, Format, Scope};
use crate::error::{AppError, Result};
use crate::extract::{AppQuery, NoQuery, readable_part, with_route_refusals};
use crate::session::SignedIn;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use models::FieldError;
use models::api::{AuditEventDetail, AuditPage, AuditQuery, ChainHead, ChainVerification};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list_events))
        .route("/audit/verify", get(verify_chain))
        .route("/audit/export.csv", get(export_csv))
        .route("/audit/export.json", get(export_json))
        .route("/audit/{id}", get(read_event))
}

fn scope(signed_in: &SignedIn) -> Scope {
    Scope {
        companies: signed_in
            .data
            .companies
            .iter()
            .map(|c| c.username.clone())
            .collect(),
        actor_id: signed_in.data.user.id.clone(),
    }
}

/// A query refused for some of its values also names the filters refused among the rest, so
/// that everything wrong is said at once. Those of `skipped` are not checked (an export's
/// paging, which it refuses on its own).
fn all_refused(
    q: Result<AppQuery<AuditQuery>, AppError>,
    raw: Option<&str>,
    skipped: &[&str],
) -> Result<AuditQuery> {
    q.map(|AppQuery(q)| q).map_err(|refused| {
        with_route_refusals(refused, raw, skipped, |rest| match filter(rest) {
            Err(AppError::Validation(more)) => more,
            _ => Vec::new(),
        })
    })
}

fn filter(q: AuditQuery) -> Result<Filter> {
    Filter::new(q).map_err(|bad| {
        AppError::Validation(
            bad.0
                .into_iter()
                .map(|e| FieldError {
                    field: e.field.into(),
                    message: e.message,
                })
                .collect(),
        )
    })
}

async fn list_events(
    State(state): State<AppState>,
    signed_in: SignedIn,
    q: Result<AppQuery<AuditQuery>, AppError>,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse> {
    let filter = filter(all_refused(q, raw.as_deref(), &[])?)?;
    // An `AuditPage`, written by the reader without decoding and encoding every event again.
    let body = state
        .audit
        .store()
        .page_body(&filter, Some(&scope(&signed_in)))
        .await
        .map_err(AppError::history_read)?;
    if filter.is_first_page() && is_empty_page(&body) {
        not_a_leg(&state, &signed_in, &filter).await?;
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

/// Whether an `AuditPage`'s body holds no event (one that does is never this short).
fn is_empty_page(body: &[u8]) -> bool {
    body.len() < 100
        && serde_json::from_slice::<AuditPage>(body).is_ok_and(|page| page.events.is_empty())
}

/// Refuses a history of one connection that is empty because the connection is a leg of
/// another (Console Connect's own portal lists legs as connections): its events are kept under
/// the id of the connection it belongs to, which the refusal names.
async fn not_a_leg(state: &AppState, signed_in: &SignedIn, filter: &Filter) -> Result<()> {
    let Some(id) = filter.connection() else {
        return Ok(());
    };
    match super::connections::parent_of_leg(state, signed_in, id).await {
        Some(parent) => Err(AppError::Validation(vec![FieldError {
            field: "connection".into(),
            message: format!(
                "connection {id} is a leg of connection {parent}: the history keeps the events \
                 of both legs under the id of their connection, {parent}"
            ),
        }])),
        None => Ok(()),
    }
}

async fn read_event(
    query: std::result::Result<NoQuery, AppError>,
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<AuditEventDetail>> {
    let hidden = || AppError::NotFound("No audit event with this id is visible to you.".into());
    let id: i64 = match id.parse() {
        Ok(id) => id,
        // More digits than any id has: there is no such event.
        Err(_) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => return Err(hidden()),
        // Said first, since `export?format=csv` is the likeliest way here.
        Err(_) if id.starts_with("export") => {
            return Err(AppError::BadRequest(
                "The audit history is exported from /api/audit/export.csv or \
                 /api/audit/export.json."
                    .into(),
            ));
        }
        Err(_) => {
            return Err(AppError::BadRequest(
                "An audit event id is a whole number.".into(),
            ));
        }
    };
    query?;
    state
        .audit
        .store()
        .detail(id, Some(&scope(&signed_in)))
        .await
        .map_err(AppError::history_read)?
        .map(Json)
        .ok_or_else(hidden)
}

/// `GET /api/audit/verify` takes an optional head recorded earlier.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct VerifyQuery {
    /// `ID:HASH`, as a verification or the portal's log reported it.
    expect_head: Option<String>,
}

async fn verify_chain(
    State(state): State<AppState>,
    _: SignedIn,
    AppQuery(q): AppQuery<VerifyQuery>,
) -> Result<Json<ChainVerification>> {
    let expected = q
        .expect_head
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .map(|h| {
            h.parse::<ChainHead>().map_err(|message| {
                AppError::Validation(vec![FieldError {
                    field: "expectHead".into(),
                    message: format!("expectHead: {message}"),
                }])
            })
        })
        .transpose()?;
    Ok(Json(
        state
            .audit
            .store()
            .verify(expected.as_ref())
            .await
            .map_err(AppError::history_read)?,
    ))
}

async fn export_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    q: Result<AppQuery<AuditQuery>, AppError>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    export(state, signed_in, export_query(q, raw)?, Format::Csv).await
}

async fn export_json(
    State(state): State<AppState>,
    signed_in: SignedIn,
    q: Result<AppQuery<AuditQuery>, AppError>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    export(state, signed_in, export_query(q, raw)?, Format::Json).await
}

/// An export's filters: those of the history without its paging, which a refused parameter's
/// list of the allowed ones leaves out too.
fn export_query(
    q: Result<AppQuery<AuditQuery>, AppError>,
    raw: Option<String>,
) -> Result<AuditQuery> {
    all_refused(q, raw.as_deref(), &["before", "limit"]).map_err(|e| match e {
        // Neither offered as what was meant, nor told how to mend a value it does not take.
        AppError::BadRequest(message) => {
            let message = message
                .replace(", `before`, `limit`", "")
                .replace(" (did you mean `before`?)", "")
                .replace(" (did you mean `limit`?)", "");
            let parts: Vec<String> = message
                .split("; ")
                .map(|part| {
                    match ["before", "limit"]
                        .into_iter()
                        .find(|name| part.starts_with(&format!("{name} ")))
                    {
                        Some(name) => not_taken(name),
                        None => part.to_owned(),
                    }
                })
                .collect();
            AppError::BadRequest(parts.join("; "))
        }
        // The paging an export does not take is named beside the rest, in the same answer,
        // and said not to be taken whatever its value (a bad one is not to be mended).
        AppError::Validation(mut fields) => {
            let rest = readable_part::<AuditQuery>(raw.as_deref().unwrap_or_default());
            for (name, given) in [
                ("before", rest.as_ref().is_some_and(|r| r.before.is_some())),
                ("limit", rest.as_ref().is_some_and(|r| r.limit.is_some())),
            ] {
                let not_taken = FieldError {
                    field: name.into(),
                    message: not_taken(name),
                };
                match fields.iter_mut().find(|f| f.field == name) {
                    Some(refused) => *refused = not_taken,
                    None if given => fields.push(not_taken),
                    None => {}
                }
            }
            AppError::Validation(fields)
        }
        other => other,
    })
}

/// Why a parameter of the history's paging is refused by an export.
fn not_taken(name: &str) -> String {
    format!(
        "{name} is not taken by an export, which holds every event its filters select: it pages \
         through GET /api/audit"
    )
}

/// Streams the export: rows are read and sent chunk by chunk, never all held at once.
async fn export(
    state: AppState,
    signed_in: SignedIn,
    q: AuditQuery,
    format: Format,
) -> Result<Response> {
    if q.before.is_some() || q.limit.is_some() {
        return Err(AppError::BadRequest(
            "An export holds every event its filters select, so it takes connection, actor, \
             action, peeringType, outcome, phase, from and to, but not before or limit: those \
             page through GET /api/audit."
                .into(),
        ));
    }
    // Named by when it was made, to the second, and whether filters chose its events, so that
    // two exports of a day neither take each other's place nor pass for each other.
    let filtered = q != AuditQuery::default();
    let filter = filter(q)?;
    if filter.connection().is_some()
        && state
            .audit
            .store()
            .selects_none(&filter, Some(&scope(&signed_in)))
            .await
            .map_err(AppError::history_read)?
    {
        not_a_leg(&state, &signed_in, &filter).await?;
    }
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(
        state
            .audit
            .store()
            .clone()
            .export(filter, Some(scope(&signed_in)), format, tx),
    );
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let (content_type, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
    };
    let now = crate::timefmt::now();
    let filename = format!(
        "audit-{}T{}Z{}.{ext}",
        &now[..10],
        now[11..19].replace(':', ""),
        if filtered { "-filtered" } else { "" }
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
