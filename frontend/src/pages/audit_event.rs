//! `/audit/:id`: one audit event with every recorded field, the before/after table of only the
//! fields that changed, and its intent/outcome partner.

use crate::api;
use crate::components::diff::DiffTable;
use crate::components::feedback::{LoadError, Loading, Retry};
use crate::components::names::{self, Named};
use crate::format;
use crate::pages::audit::{outcome_badge, phase_label};
use crate::route::use_params_map;
use leptos::prelude::*;
use models::api::{AuditEvent, AuditEventDetail, AuditOutcome, AuditPhase};

#[component]
pub fn AuditEventPage() -> impl IntoView {
    crate::nav::title("Audit event");
    let params = use_params_map();
    let connections = names::connections();
    let raw = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    view! {
        <div class="page-head">
            <h1>"Audit event"</h1>
            <a href=crate::pages::audit::last_history_path() class="button secondary" data-test="back-to-history">
                "Back to the history"
            </a>
        </div>
        // Each event is read by its own view: one opened from another's related events shows
        // as loading, not as the event left, until it is read.
        {move || view! { <Event raw=raw.get() connections=connections/> }}
    }
}

/// The event of id `raw` (as the address has it).
#[component]
fn Event(raw: String, connections: names::Names) -> impl IntoView {
    if let Ok(id) = raw.parse::<i64>() {
        crate::pages::audit::note_opened(id);
    }
    let detail = crate::shared::resource(move || {
        let raw = raw.clone();
        async move {
            match raw.parse::<i64>() {
                Ok(id) => api::get_audit_event(id).await,
                // Digits past what an id holds: no event has such an id.
                Err(_) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => {
                    Err(models::ApiError::new(
                        models::ErrorCode::NotFound,
                        "No audit event with this id is visible to you.",
                    ))
                }
                Err(_) => Err(models::ApiError::new(
                    models::ErrorCode::NotFound,
                    "An audit event id is a whole number.",
                )),
            }
        }
    });
    move || match detail.get() {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <LoadError error=e retry=Retry::of(detail)/> }.into_any(),
        Some(Ok(d)) => view! { <EventDetail detail=d connections=connections/> }.into_any(),
    }
}

fn opt(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_owned())
}

#[component]
fn EventDetail(detail: AuditEventDetail, connections: names::Names) -> impl IntoView {
    let e = detail.event;
    let request = e
        .request
        .as_ref()
        .and_then(|r| serde_json::to_string_pretty(r).ok());
    // The connection pages are the chosen company's: a connection of another company's event
    // is not opened from here (as in the history's table); its history is.
    let chosen = untrack(|| crate::session::Auth::get().session()).and_then(|s| s.company);
    let ours = e.company.is_none() || e.company == chosen;
    let connection = e.connection_id.clone().map(|c| {
        let open = ours.then(|| {
            let href = format!("/connections/{c}");
            view! {
                " "
                <a href=href data-test="open-connection" aria-label="Open the connection">
                    "open"
                </a>
            }
        });
        let history = format!("/audit?connection={c}");
        view! {
            <Named id=c names=connections/>
            {open}
            " · "
            <a href=history aria-label="its history (the connection's audit history)">
                "its history"
            </a>
        }
    });
    let problems = (!detail.chain_problems.is_empty()).then(|| {
        view! {
            <div class="notice bad" data-test="chain-problems">
                <p>
                    <strong>
                        "This event does not fit the history's hash chain: what it shows may not be what was written."
                    </strong>
                </p>
                <ul>
                    {detail
                        .chain_problems
                        .into_iter()
                        .map(|p| view! { <li>{p}</li> })
                        .collect_view()}
                </ul>
            </div>
        }
    });
    view! {
        {problems}
        <section class="panel" data-test="audit-event" data-id=e.id.to_string()>
            <h2>{format!("#{} · {} · {}", e.id, e.action.label(), phase_label(e.phase))}</h2>
            <dl class="details columns-2">
                <dt>"Time"</dt>
                <dd>{format::time(&e.at)}</dd>
                <dt>"Outcome"</dt>
                <dd>{outcome_badge(e.outcome)}</dd>
                <dt>"Actor"</dt>
                <dd>{break_before_at(actor(&e))}</dd>
                <dt>"Company"</dt>
                <dd>{crate::session::company_label(e.company.clone())}</dd>
                <dt>"Connection"</dt>
                <dd>{connection.map(IntoAny::into_any).unwrap_or_else(|| "—".into_any())}</dd>
                <dt>"Peering type"</dt>
                <dd>{e.peering_type.map(|t| t.label()).unwrap_or("—")}</dd>
                <dt>"Reason"</dt>
                <dd>{opt(e.reason.clone())}</dd>
                <dt>"Ticket"</dt>
                <dd>{opt(e.ticket.clone())}</dd>
                <dt>"Upstream status"</dt>
                <dd>{e.upstream_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Duration"</dt>
                <dd>{e.duration_ms.map(|d| format!("{d} ms")).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Error"</dt>
                <dd>{opt(e.error.clone())}</dd>
                <dt>"Request id"</dt>
                <dd>
                    <code>{e.request_id.clone()}</code>
                </dd>
                <dt>"Client"</dt>
                <dd>{format!("{} · {}", opt(e.client_addr.clone()), opt(e.user_agent.clone()))}</dd>
                <dt>"Hash"</dt>
                <dd>
                    <code class="hash">{e.hash.clone()}</code>
                </dd>
                <dt>"Previous hash"</dt>
                <dd>
                    <code class="hash">{e.prev_hash.clone()}</code>
                </dd>
            </dl>
        </section>
        <section class="panel">
            <h2>"What changed"</h2>
            <p class="help">"Only the fields whose value differs between before and after. Secrets show as fingerprints."</p>
            {match unchanged_note(&e, &detail.related, !detail.changes.is_empty()) {
                Some(note) => view! { <p class="muted" data-test="diff-none">{note}</p> }.into_any(),
                None => view! { <DiffTable changes=detail.changes/> }.into_any(),
            }}
        </section>
        {request
            .map(|r| {
                view! {
                    <section class="panel">
                        <h2>"Request (redacted)"</h2>
                        <pre class="json">{r}</pre>
                    </section>
                }
            })}
        {(!detail.related.is_empty())
            .then(|| {
                view! {
                    <section class="panel">
                        <h2>"Related events"</h2>
                        <ul class="related">
                            {detail.related.into_iter().map(related).collect_view()}
                        </ul>
                    </section>
                }
            })}
    }
}

/// Why a change lists no field, when it was not made or may not have been: the outcome of the
/// pair, the event's own or its partner's.
fn unchanged_note(e: &AuditEvent, related: &[AuditEvent], changed: bool) -> Option<&'static str> {
    if changed {
        return None;
    }
    let outcome = match e.phase {
        AuditPhase::Outcome => e.outcome,
        AuditPhase::Intent => related.first().and_then(|r| r.outcome),
    };
    match outcome {
        Some(AuditOutcome::Succeeded) => None,
        Some(AuditOutcome::Refused | AuditOutcome::Failed) => {
            Some("Nothing was changed: this call did not succeed.")
        }
        Some(AuditOutcome::Unknown) => Some(
            "Whether anything changed is not known: no answer said whether it was made. The connection's page shows its state now.",
        ),
        Some(AuditOutcome::Interrupted) => Some(
            "Whether anything changed is not known: the portal stopped before an answer came back. The connection's page shows its state now.",
        ),
        None => Some("No outcome has been recorded for this call yet."),
    }
}

fn related(r: AuditEvent) -> impl IntoView {
    let href = format!("/audit/{}", r.id);
    view! {
        <li>
            <a href=href>
                {format!("#{} · {} · {} · {}", r.id, phase_label(r.phase), r.action.label(), format::time(&r.at))}
            </a>
            // An intent has no outcome: nothing is said beside it.
            {r.outcome.map(|o| view! { " " {outcome_badge(Some(o))} })}
        </li>
    }
}

/// `text` with a place to break the line before an email address's `@`, as the history's list
/// gives one: a narrow screen breaks it there rather than within a word.
fn break_before_at(text: String) -> impl IntoView {
    match text.find('@') {
        Some(at) => {
            let (before, after) = text.split_at(at);
            let (before, after) = (before.to_owned(), after.to_owned());
            view! { {before}<wbr/>{after} }.into_any()
        }
        None => text.into_any(),
    }
}

/// Who made the call, as name and email; before a sign-in's key was checked nobody is known.
fn actor(e: &AuditEvent) -> String {
    match (e.actor_name.as_deref(), e.actor_email.as_deref()) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => e
            .actor_id
            .clone()
            .unwrap_or_else(|| "— (not known: the API key had not been checked yet)".to_owned()),
    }
}
