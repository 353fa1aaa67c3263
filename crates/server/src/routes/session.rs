//! Signing in and out, the current session, and choosing the company.

use super::{Step, audited};
use crate::audit::{Actor, Intent};
use crate::error::{AppError, Result};
use crate::extract::{AppJson, NoQuery, RequestMeta};
use crate::session::{self, Peeked, SessionData, SignedIn};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use console_connect::ApiKey;
use models::api::{AuditAction, PortalInfo, SelectCompanyRequest, SessionView, SignInRequest};
use models::{FieldError, validate};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/info", get(info))
        .route("/session", get(current).post(sign_in).delete(sign_out))
        .route("/session/company", put(select_company))
        .route("/session/status", get(status))
}

async fn info(_: NoQuery, State(state): State<AppState>) -> Json<PortalInfo> {
    Json(state.info.clone())
}

async fn current(
    _: NoQuery,
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Json<SessionView> {
    Json(signed_in.view(&state))
}

/// The session as it stands, without counting as activity.
async fn status(
    _: NoQuery,
    State(state): State<AppState>,
    Peeked(signed_in): Peeked,
) -> Json<SessionView> {
    Json(signed_in.view(&state))
}

async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    meta: RequestMeta,
    AppJson(req): AppJson<SignInRequest>,
) -> Result<Json<SessionView>> {
    let key = req.api_key.trim().to_owned();
    validate::api_key(&key).map_err(AppError::validation)?;
    // Before anything is written or sent: an address that has failed too often waits.
    let attempt = state
        .sign_in_guard
        .attempt(meta.client_ip)
        .await
        .map_err(|e| AppError::AuditUnavailable {
            message: "Sign-in attempts cannot be counted right now, so none was made. Try again \
                      shortly."
                .into(),
            cause: format!("counting a sign-in attempt: {e}"),
        })?
        .map_err(|refused| {
            if refused.first {
                tracing::warn!(
                    client = meta.client_addr().as_deref().unwrap_or("unknown"),
                    unanswered = refused.unanswered,
                    "sign-ins refused from this address until its window ends: too many failed \
                     (or, when unanswered, tried while Console Connect did not answer)"
                );
            }
            AppError::TooManyRequests {
                retry_after: refused.retry_after,
                unanswered: refused.unanswered,
            }
        })?;
    let mut intent = Intent::new(AuditAction::SignIn, &meta);
    intent.request = Some(json!({ "apiKey": state.crypto.fingerprint(&key) }));
    let upstream = state.upstream.clone();
    let crypto = state.crypto.clone();
    let api_key = ApiKey::new(key.clone());
    // Whether the signed-in session was stored: a sign-in whose outcome then cannot be
    // recorded must not stand.
    let kept = Arc::new(AtomicBool::new(false));
    let (kept_in_step, stored) = (kept.clone(), session.clone());
    let signed_in = audited(&state, intent, move || async move {
        match upstream.who_am_i(&api_key).await {
            Ok(user) => {
                // The session is written before the outcome, so that a sign-in whose session
                // could not be kept is recorded as the failure it is to its user.
                let data = SessionData::new(&user, crypto.seal(&key, &user.id));
                let mut step = match keep(&session, &data).await {
                    Ok(()) => {
                        kept_in_step.store(true, Ordering::Relaxed);
                        Step::succeeded(data, None)
                    }
                    Err(e) => {
                        let mut step = Step::broken(e);
                        step.outcome.upstream_status = Some(super::UPSTREAM_OK);
                        step
                    }
                };
                step.outcome.actor =
                    Some(Actor { id: user.id.clone(), name: user.name.clone(), email: user.email.clone() });
                // A user of one company is signed in to it: the sign-in is that company's.
                if let [only] = user.companies.as_slice() {
                    step.outcome.company = Some(only.username.clone());
                }
                step
            }
            Err(e) if e.status() == Some(401) => {
                let mut step = Step::failed(&e, &[api_key.expose()]);
                step.result = Err(AppError::Unauthenticated(
                    "Console Connect did not accept this API key. Check that it is complete and still valid.".into(),
                ));
                step
            }
            Err(e) => Step::failed(&e, &[api_key.expose()]),
        }
    })
    .await;
    let data = match signed_in {
        Ok(data) => data,
        Err(e) if kept.load(Ordering::Relaxed) => {
            // Console Connect accepted the key and the session was stored, but the sign-in's
            // outcome could not be written: the session is removed again, so nobody is signed
            // in without the history saying so.
            if let Err(removal) = stored.flush().await {
                tracing::error!(error = %removal, "a sign-in left unrecorded kept its session");
            }
            attempt.succeeded().await;
            let cause = match e {
                AppError::AuditUnavailable { cause, .. } => cause,
                other => format!("{other:?}"),
            };
            return Err(AppError::AuditUnavailable {
                message: "Console Connect accepted the key, but the sign-in could not be \
                          recorded in the audit history, so you are not signed in. Try again \
                          shortly."
                    .into(),
                cause,
            });
        }
        Err(e) => {
            if e.code() == models::ErrorCode::SessionsUnavailable {
                // Console Connect accepted the key; only its session could not be kept.
                attempt.succeeded().await;
            } else if e.code().may_pass_on_retry() {
                // Console Connect failed, was busy or too slow, or the portal failed or could
                // not write the history first: no verdict on the key.
                attempt.unanswered().await;
            }
            return Err(e);
        }
    };
    attempt.succeeded().await;
    Ok(Json(session::view(&data, &state)))
}

/// Stores a signed-in session under a new id, so that an id planted before sign-in is
/// worthless.
async fn keep(session: &Session, data: &SessionData) -> Result<()> {
    session.cycle_id().await.map_err(session::store_error)?;
    data.store(session).await?;
    session.save().await.map_err(session::store_error)
}

async fn sign_out(
    State(state): State<AppState>,
    signed_in: SignedIn,
    meta: RequestMeta,
) -> Result<StatusCode> {
    let mut intent = Intent::new(AuditAction::SignOut, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = signed_in.data.company.clone();
    let session = signed_in.session.clone();
    audited(&state, intent, move || async move {
        match session.flush().await {
            Ok(()) => Step::local((), None),
            Err(e) => Step::broken(session::store_error(e)),
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn select_company(
    State(state): State<AppState>,
    mut signed_in: SignedIn,
    meta: RequestMeta,
    AppJson(req): AppJson<SelectCompanyRequest>,
) -> Result<Json<SessionView>> {
    let wanted = req.company.trim().to_owned();
    if wanted.is_empty() {
        return Err(AppError::Validation(vec![FieldError {
            field: "company".into(),
            message: format!(
                "{}; yours are {}",
                models::validate::required("company"),
                signed_in.data.company_usernames()
            ),
        }]));
    }
    // A company is given by its username (whatever the case typed), its id, or its name when
    // no other of the user's companies has that name.
    let companies = &signed_in.data.companies;
    let by_name: Vec<_> = companies
        .iter()
        .filter(|c| models::validate::is_same_name(&c.name, &wanted))
        .collect();
    let Some(wanted) = companies
        .iter()
        .find(|c| c.username.eq_ignore_ascii_case(&wanted) || c.id == wanted)
        .or(match by_name[..] {
            [one] => Some(one),
            _ => None,
        })
        .map(|c| c.username.clone())
    else {
        return Err(AppError::Validation(vec![FieldError {
            field: "company".into(),
            message: format!(
                "company must be one of yours (by username, id or name): {}",
                signed_in.data.company_usernames()
            ),
        }]));
    };
    let mut intent = Intent::new(AuditAction::SelectCompany, &meta);
    intent.actor = Some(signed_in.actor());
    intent.company = Some(wanted.clone());
    intent.request = Some(json!({ "company": wanted }));
    // The event is in the chosen company's history, which its members read: a company the user
    // worked in before is not named there (the user's other companies are not theirs to see).
    intent.before = match &signed_in.data.company {
        Some(before) if *before != wanted => None,
        before => Some(json!({ "company": before })),
    };
    let mut data = signed_in.data.clone();
    data.company = Some(wanted.clone());
    data.rev += 1;
    let session = signed_in.session.clone();
    let stored = data.clone();
    // Whether the choice was stored: one whose outcome then cannot be recorded is undone.
    let kept = Arc::new(AtomicBool::new(false));
    let kept_in_step = kept.clone();
    // Written now rather than as the answer leaves, so the history's outcome is the write's.
    let chosen = audited(&state, intent, move || async move {
        let written = match stored.store(&session).await {
            Ok(()) => session.save().await.map_err(session::store_error),
            Err(e) => Err(e),
        };
        match written {
            Ok(()) => {
                kept_in_step.store(true, Ordering::Relaxed);
                Step::local((), Some(json!({ "company": wanted })))
            }
            Err(e) => Step::broken(e),
        }
    })
    .await;
    if let Err(e) = chosen {
        if kept.load(Ordering::Relaxed) {
            // The company as it was, under a newer revision than the choice's, so that no
            // request of the session still carrying the choice puts it back.
            let mut before = signed_in.data.clone();
            before.rev = data.rev + 1;
            let restored = match before.store(&signed_in.session).await {
                Ok(()) => signed_in.session.save().await.map_err(session::store_error),
                Err(e) => Err(e),
            };
            if let Err(left) = restored {
                tracing::error!(error = ?left, "an unrecorded company choice was left in place");
            }
            let cause = match e {
                AppError::AuditUnavailable { cause, .. } => cause,
                other => format!("{other:?}"),
            };
            return Err(AppError::AuditUnavailable {
                message: "The company choice could not be recorded in the audit history, so it \
                          was not made. Try again shortly."
                    .into(),
                cause,
            });
        }
        return Err(e);
    }
    signed_in.data = data;
    Ok(Json(signed_in.view(&state)))
}
