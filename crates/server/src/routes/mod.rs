//! The portal's JSON API under `/api`: each feature module owns its routes, merged here; and the
//! one way a change is made — intent committed, then the upstream call, then the outcome.

mod audit;
mod connections;
mod health;
mod peering;
mod ports;
mod service_keys;
mod session;

pub use health::{healthz, readyz};

use crate::audit::{Intent, Outcome};
use crate::error::{AppError, Result, redact};
use crate::state::AppState;
use axum::Router;
use models::api::AuditOutcome;
use serde_json::Value;
use std::future::Future;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(ports::router())
        .merge(service_keys::router())
        .merge(connections::router())
        .merge(peering::router())
        .merge(audit::router())
        .fallback(api_not_found)
}

pub async fn api_not_found() -> AppError {
    AppError::NotFound("There is no such API route.".into())
}

/// Console Connect documents 200 as the answer of every call; the client reports no other
/// success status, so a success is recorded as this.
const UPSTREAM_OK: u16 = 200;
/// Longest error text kept in an outcome row.
const MAX_ERROR_TEXT: usize = 1000;

/// What an audited action produced: the answer for the caller and the outcome row.
pub struct Step<T> {
    pub result: Result<T>,
    pub outcome: Outcome,
}

impl<T> Step<T> {
    pub fn succeeded(value: T, after: Option<Value>) -> Self {
        let mut outcome = Outcome::new(AuditOutcome::Succeeded);
        outcome.after = after;
        outcome.upstream_status = Some(UPSTREAM_OK);
        Step {
            result: Ok(value),
            outcome,
        }
    }

    /// Upstream failed; `secrets` are removed from everything kept or shown.
    pub fn failed(e: &console_connect::Error, secrets: &[&str]) -> Self {
        let mut outcome = Outcome::new(AuditOutcome::Failed);
        outcome.upstream_status = e.status();
        // Only Console Connect's words can quote a secret: the portal's own stay whole.
        let text = match e.body() {
            Some(body) if !body.is_empty() => {
                format!("{e}: {}", redact(&recorded_body(body), secrets))
            }
            _ => e.to_string(),
        };
        outcome.error = Some(text.chars().take(MAX_ERROR_TEXT).collect());
        Step {
            result: Err(AppError::from_upstream(e, secrets)),
            outcome,
        }
    }

    /// A change failed upstream; when it was sent but no readable answer came back, its
    /// outcome is recorded as unknown rather than failed, since it may have been made. Its
    /// message is a change's (see [`AppError::from_upstream_change`]).
    pub fn change_failed(e: &console_connect::Error, secrets: &[&str]) -> Self {
        let mut step = Self::failed(e, secrets);
        if e.outcome_unknown() {
            step.outcome.outcome = AuditOutcome::Unknown;
        }
        step.result = Err(AppError::from_upstream_change(e, secrets));
        step
    }

    /// Succeeded without going upstream.
    pub fn local(value: T, after: Option<Value>) -> Self {
        let mut outcome = Outcome::new(AuditOutcome::Succeeded);
        outcome.after = after;
        Step {
            result: Ok(value),
            outcome,
        }
    }

    /// Failed inside the portal.
    pub fn broken(error: AppError) -> Self {
        let mut outcome = Outcome::new(AuditOutcome::Failed);
        outcome.error = Some(error.code().status().to_string() + " " + &error.to_string());
        Step {
            result: Err(error),
            outcome,
        }
    }

    /// The portal refused before going upstream; a refusal of fields keeps what each said.
    pub fn refused(error: AppError) -> Self {
        let mut outcome = Outcome::new(AuditOutcome::Refused);
        outcome.error = Some(match &error {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            // Its message says what could not be done (its cause is in the log): the history
            // itself is being written.
            AppError::AuditUnavailable { message, .. } => message.clone(),
            other => other.to_string(),
        });
        Step {
            result: Err(error),
            outcome,
        }
    }
}

/// Commits `intent`, runs `act`, commits its outcome, and answers. If the intent cannot be
/// committed nothing is done (503). `act` and the outcome run in a task of their own, so a
/// client that hangs up (or a request timeout that answers first) cannot leave an intent
/// without its outcome; the portal waits for such tasks before it stops.
pub async fn audited<T, F, Fut>(state: &AppState, intent: Intent, act: F) -> Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Step<T>> + Send + 'static,
    T: Send + 'static,
{
    let pending = state.audit.intent(intent).await.map_err(|e| {
        state.metrics.audit_intent_failed();
        AppError::audit_unavailable(e)
    })?;
    crate::security::change_under_way();
    let audit = state.audit.clone();
    let metrics = state.metrics.clone();
    let task = state.changes_running.spawn(async move {
        let step = act().await;
        // What the history should have said, for the operator who reads the log instead.
        let (outcome, upstream_status) = (step.outcome.outcome, step.outcome.upstream_status);
        match audit.outcome(&pending, step.outcome).await {
            Ok(_) => step.result,
            Err(e) => {
                metrics.audit_outcome_failed();
                tracing::error!(
                    intent = pending.id,
                    outcome = ?outcome,
                    upstream_status = ?upstream_status,
                    error = %e,
                    "outcome not recorded"
                );
                Err(AppError::AuditUnavailable {
                    message: "The change may have been made, but its outcome could not be recorded in the audit history. Check the current state before trying again.".into(),
                    cause: e.to_string(),
                })
            }
        }
    });
    task.await.map_err(|e| AppError::Internal(e.into()))?
}

/// A reason and ticket, trimmed, with an empty ticket as none.
pub fn note(reason: &str, ticket: Option<&str>) -> (Option<String>, Option<String>) {
    let reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
    let ticket = ticket
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    (reason, ticket)
}

/// Checks whose refusals are per field, all run, so that every field refused is said at once:
/// their field errors together, or the first refusal of another kind.
pub fn all_of(checks: impl IntoIterator<Item = Result<()>>) -> Result<()> {
    let mut fields = Vec::new();
    for check in checks {
        match check {
            Ok(()) => {}
            Err(AppError::Validation(more)) => fields.extend(more),
            Err(other) => return Err(other),
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(fields))
    }
}

/// The rules of a delete's body that need nothing from Console Connect: its reason and ticket,
/// a typed confirmation given, and `base`, the check of its `expectedBase`.
pub fn delete_body(req: &models::api::DeleteRequest, base: Result<()>) -> Result<()> {
    all_of([
        models::validate::change_note(&req.reason, req.ticket.as_deref())
            .map_err(AppError::Validation),
        models::validate::confirmation_given(&req.confirm_name).map_err(AppError::validation),
        base,
    ])
}

/// A change's `expectedBase`: left out, or of the shape the portal hands out with a read of
/// `what` (`example`). A base of another shape was never handed out, so it cannot stand for a
/// read that has gone stale; it is refused on its field instead of as a conflict.
pub fn expected_base_shape(
    base: Option<&str>,
    shaped: fn(&str) -> bool,
    what: &str,
    example: &str,
) -> Result<()> {
    match base {
        Some(base) if !shaped(base) => Err(AppError::Validation(vec![models::FieldError {
            field: "expectedBase".into(),
            message: format!(
                "expectedBase must be the base a read of the {what} gave, such as {example}, or \
                 left out"
            ),
        }])),
        _ => Ok(()),
    }
}

/// What the history keeps of an error answer's body: its text, or of an HTML page (a
/// gateway's in front of Console Connect, rather than its own JSON) only the title, which says
/// what the page is, rather than its markup.
fn recorded_body(body: &str) -> String {
    // ASCII lowercase keeps every byte where it is, so its positions are the body's.
    let lower = body.to_ascii_lowercase();
    let html = lower.trim_start().starts_with('<')
        && ["<html", "<title", "<body", "<!doctype html"]
            .iter()
            .any(|tag| lower.contains(tag));
    if !html {
        return body.to_owned();
    }
    let title = lower
        .find("<title")
        .and_then(|start| {
            let open = start + lower[start..].find('>')? + 1;
            let close = open + lower[open..].find("</title")?;
            Some(
                body[open..close]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .filter(|t| !t.is_empty());
    match title {
        Some(title) => format!("an HTML page titled \"{title}\""),
        None => "an HTML page".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Step, recorded_body};

    #[test]
    fn a_short_secret_withholds_console_connects_words_only() {
        let refused = console_connect::Error::Status {
            status: 400,
            body: r#"{"message":"sharedKey ab refused"}"#.into(),
            retry_after: None,
        };
        let step: Step<()> = Step::failed(&refused, &["ab"]);
        assert_eq!(
            step.outcome.error.as_deref(),
            Some(
                "Console Connect answered 400: (Console Connect's words are not shown: they may \
                 quote a key.)"
            )
        );
        // Nothing of Console Connect's: the portal's own words are kept whole.
        let step: Step<()> = Step::failed(&console_connect::Error::Timeout, &["in"]);
        assert_eq!(
            step.outcome.error.as_deref(),
            Some("Console Connect did not answer in time")
        );
    }

    #[test]
    fn a_gateways_page_is_recorded_by_its_title() {
        assert_eq!(
            recorded_body(
                "<html><head><title>503 Service\n Unavailable</title></head><body>…</body></html>"
            ),
            "an HTML page titled \"503 Service Unavailable\""
        );
        assert_eq!(
            recorded_body("  <!DOCTYPE html><body><h1>Bad gateway</h1></body>"),
            "an HTML page"
        );
        assert_eq!(
            recorded_body("<HTML><TITLE></TITLE></HTML>"),
            "an HTML page"
        );
        let json = r#"{"message":"<b>VLAN</b> in use"}"#;
        assert_eq!(recorded_body(json), json);
        assert_eq!(recorded_body("plain words"), "plain words");
    }
}
