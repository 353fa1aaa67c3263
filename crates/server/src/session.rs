//! The typed session: who is signed in, their companies and choice, and their API key sealed
//! with the server key. Handlers take a [`SignedIn`] and never touch string keys. The idle
//! timeout is the store's expiry (renewed at most once a minute); the absolute lifetime is
//! checked here on every request.

use crate::audit::Actor;
use crate::error::{AppError, ErrorReport, Result};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::HeaderValue;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use console_connect::{ApiKey, CompanyUsername};
use models::api::{CompanyView, SessionUser, SessionView};
use models::upstream::User;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;
use tower_sessions::Session;
use tower_sessions::session::Record;

const KEY: &str = "portal";

/// What the session store holds. The API key is only ever here sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionData {
    pub user: SessionUser,
    pub companies: Vec<CompanyView>,
    pub company: Option<String>,
    pub sealed_api_key: String,
    /// Unix seconds.
    pub signed_in_at: i64,
    /// Unix seconds of the last request that renewed the idle expiry.
    pub last_seen: i64,
    /// Counts the changes made on purpose (a company chosen), not renewals: of two copies of
    /// a session written back by overlapping requests, the one with the later choice is kept
    /// (see [`merged`]).
    #[serde(default)]
    pub rev: u64,
}

impl SessionData {
    /// The user's companies as their usernames say them, for messages: `acme, globex`.
    pub fn company_usernames(&self) -> String {
        let names: Vec<&str> = self.companies.iter().map(|c| c.username.as_str()).collect();
        names.join(", ")
    }

    pub fn new(user: &User, sealed_api_key: String) -> Self {
        let companies: Vec<CompanyView> = user
            .companies
            .iter()
            .map(|c| CompanyView {
                id: c.id.clone(),
                name: c.name.clone(),
                username: c.username.clone(),
            })
            .collect();
        let company = match companies.as_slice() {
            [only] => Some(only.username.clone()),
            _ => None,
        };
        let now = OffsetDateTime::now_utc().unix_timestamp();
        SessionData {
            user: SessionUser {
                id: user.id.clone(),
                name: user.name.clone(),
                email: user.email.clone(),
            },
            companies,
            company,
            sealed_api_key,
            signed_in_at: now,
            last_seen: now,
            rev: 0,
        }
    }

    pub async fn store(&self, session: &Session) -> Result<()> {
        session.insert(KEY, self).await.map_err(store_error)
    }
}

/// Of a session's record as a request writes it back and as it is stored now, what to store.
/// A request writes back the copy it read when it began, so a copy read before another request
/// chose a company must not undo the choice: the data of the later revision is kept, with the
/// later activity of the two, and the later expiry.
pub fn merged(writing: &Record, stored: &Record) -> Record {
    let data = |r: &Record| {
        r.data
            .get(KEY)
            .and_then(|v| SessionData::deserialize(v).ok())
    };
    let mut record = writing.clone();
    record.expiry_date = writing.expiry_date.max(stored.expiry_date);
    if let (Some(w), Some(s)) = (data(writing), data(stored)) {
        let last_seen = w.last_seen.max(s.last_seen);
        let mut kept = if s.rev > w.rev { s } else { w };
        kept.last_seen = last_seen;
        if let Ok(value) = serde_json::to_value(&kept) {
            record.data.insert(KEY.into(), value);
        }
    }
    record
}

/// A signed-in request: the session, its data, and the opened API key.
pub struct SignedIn {
    pub session: Session,
    pub data: SessionData,
    pub api_key: ApiKey,
}

fn unix(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn has_cookie(parts: &Parts, name: &str) -> bool {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|c| c.trim_start().starts_with(name) && c.trim_start()[name.len()..].starts_with('='))
}

/// The header of a read the browser app makes by itself while nobody has used the page for a
/// while (a page refreshing itself as what it shows moves): it is no activity, so a tab left
/// open on a connection that stays in a transitional state does not keep its session alive
/// past the idle timeout.
pub const UNATTENDED: &str = "x-portal-unattended";

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        // `1` (or `true`) says so; `0`, `false` or no header is a read someone asked for.
        let unattended = parts.headers.get(UNATTENDED).is_some_and(|v| {
            let v = v.to_str().unwrap_or_default().trim();
            v == "1" || v.eq_ignore_ascii_case("true")
        });
        signed_in(parts, state, !unattended).await
    }
}

/// A signed-in request that does not count as activity: the session's idle end stays where it
/// was. For the browser to ask how long a session has left without lengthening it (another tab
/// may have), which would otherwise keep an unattended tab signed in for ever.
pub struct Peeked(pub SignedIn);

impl FromRequestParts<AppState> for Peeked {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        signed_in(parts, state, false).await.map(Peeked)
    }
}

/// A session that could not be read or written: its store out of reach (503, said so), or a
/// record the portal could not turn into JSON and back (a fault of its own).
pub fn store_error(e: tower_sessions::session::Error) -> AppError {
    match e {
        tower_sessions::session::Error::Store(e) => AppError::SessionsUnavailable(e.to_string()),
        other => AppError::Internal(other.into()),
    }
}

/// The session of a request, checked against both of its ends; with `renew`, the idle end is
/// moved on when it is due.
async fn signed_in(parts: &mut Parts, state: &AppState, renew: bool) -> Result<SignedIn> {
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!(msg)))?;
    let data: Option<SessionData> = session.get(KEY).await.map_err(store_error)?;
    let Some(mut data) = data else {
        return Err(if has_cookie(parts, &state.cookie_name) {
            AppError::SessionExpired
        } else {
            AppError::Unauthenticated("Sign in with your Console Connect API key first.".into())
        });
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let lifetime = state.config.session_lifetime.as_secs() as i64;
    if now >= data.signed_in_at + lifetime {
        let _ = session.flush().await;
        return Err(AppError::SessionExpired);
    }
    let Ok(key) = state.crypto.open(&data.sealed_api_key, &data.user.id) else {
        // Sealed with another server key (rotated) or tampered: start again, saying why, as
        // nothing else would tell an operator of portals that share a database but not a key.
        tracing::warn!(
            "a session's API key could not be opened with this portal's server key, so the \
             session was ended: the key was rotated, or another portal on this database runs \
             with another --secret-key (portals sharing a database need the same one)"
        );
        let _ = session.flush().await;
        return Err(AppError::SessionExpired);
    };
    if !seen_as_is(parts, &data) {
        return Err(AppError::SessionChanged);
    }
    if renew && now - data.last_seen >= renew_after(state.config.session_idle) {
        data.last_seen = now;
        data.store(&session).await?;
    }
    Ok(SignedIn {
        session,
        data,
        api_key: ApiKey::new(key),
    })
}

/// The user id and the company (its username, empty for none) a page was shown for, which the
/// browser app sends with each call, percent-encoded.
pub const SEEN_USER: &str = "x-portal-user";
pub const SEEN_COMPANY: &str = "x-portal-company";

/// Whether a request was made for the session as it is: the user and company the page that
/// sent it was shown for (when it says) are the session's. The session is the browser's, so a
/// company chosen in another tab would otherwise have a page still showing the last one read,
/// or change, the new company's. The session's own routes are exempt: they are how a tab
/// learns the session as it is, chooses a company, and signs out.
fn seen_as_is(parts: &Parts, data: &SessionData) -> bool {
    // The path as it came, before the API's router took `/api` off it.
    let path = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |original| original.path());
    if path.starts_with("/api/session") {
        return true;
    }
    // Every value of a header sent more than once must say it, whichever comes first.
    let seen_is =
        |name: &str, expected: &str| {
            parts.headers.get_all(name).iter().all(|v| {
                percent_encoding::percent_decode(v.as_bytes()).decode_utf8_lossy() == expected
            })
        };
    seen_is(SEEN_USER, &data.user.id)
        && seen_is(SEEN_COMPANY, data.company.as_deref().unwrap_or_default())
}

/// Ends the session of a request that found its API key refused by Console Connect
/// ([`KeyRefused`](crate::error::KeyRefused) on the response): every later call would be refused
/// the same, and the browser, sent to sign in again, would otherwise find the session standing.
pub async fn end_when_key_refused(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let session = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    if let Some(session) = session
        && response
            .extensions()
            .get::<crate::error::KeyRefused>()
            .is_some()
    {
        match session.flush().await {
            Ok(()) => tracing::info!("session ended: Console Connect refused its API key"),
            Err(e) => tracing::warn!(
                "Console Connect refused the session's API key, and the session could not be \
                 ended: {e}"
            ),
        }
    }
    response
}

/// What a read is told when its session could not be written back after it was answered.
const NOT_KEPT_READ: &str = "The portal could not write your session back to its session store, \
     so its answer to this request was not sent. Try again shortly.";
/// What any other request is told then: it was handled, and a change may have been made.
const NOT_KEPT_CHANGE: &str = "The portal handled this request but could not write your session \
     back to its session store, so its answer was lost. If it was a change, it may have been \
     made all the same: check the current state before trying again.";

/// tower-sessions answers a bare 500 when it cannot write a request's session back once the
/// request was handled (the store failed between reading the session and writing it, say a
/// renewal of its idle end): the request's own answer is dropped by then. Said as the session
/// store's failure, a 503, and for anything but a read, that a change may have been made.
/// Everything inside the session layer answers with the portal's own error shape, so a bare
/// 500 here is the layer's.
pub async fn not_kept_said(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{Method, StatusCode, header::CONTENT_TYPE};
    use axum::response::IntoResponse;
    let read = matches!(*request.method(), Method::GET | Method::HEAD);
    let response = next.run(request).await;
    let bare = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.extensions().get::<ErrorReport>().is_none()
        && !response.headers().contains_key(CONTENT_TYPE);
    if !bare {
        return response;
    }
    let message = if read { NOT_KEPT_READ } else { NOT_KEPT_CHANGE };
    let mut said = StatusCode::SERVICE_UNAVAILABLE.into_response();
    said.extensions_mut().insert(ErrorReport {
        body: models::ApiError::new(models::ErrorCode::SessionsUnavailable, message),
        cause: Some(
            "the session could not be written back to the session store after the request \
             (tower-sessions logged the store's error)"
                .to_owned(),
        ),
    });
    said
}

/// tower-sessions removes a session's cookie with one of its name and path alone, which a
/// browser ignores in place of a `Secure` one (as the `__Host-` cookie behind HTTPS is): the
/// browser would keep sending the ended session's cookie. The removal is given the attributes
/// the cookie was set with.
pub async fn removal_like_the_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let removal = format!("{}=;", state.cookie_name);
    let attributes = if state.config.is_https() {
        "; Secure; HttpOnly; SameSite=Strict"
    } else {
        "; HttpOnly; SameSite=Strict"
    };
    let headers = response.headers_mut();
    let set: Vec<HeaderValue> = headers.get_all(SET_COOKIE).iter().cloned().collect();
    if set
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.starts_with(&removal)))
    {
        headers.remove(SET_COOKIE);
        for value in set {
            let value = match value.to_str() {
                Ok(s) if s.starts_with(&removal) => {
                    HeaderValue::from_str(&format!("{s}{attributes}")).unwrap_or(value)
                }
                _ => value,
            };
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

/// Renewing the idle expiry is a database write; do it at most once a minute (sooner for
/// short idle timeouts) rather than on every request.
fn renew_after(idle: Duration) -> i64 {
    (idle.as_secs() / 4).clamp(1, 60) as i64
}

impl SignedIn {
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.data.user.id.clone(),
            name: self.data.user.name.clone(),
            email: self.data.user.email.clone(),
        }
    }

    /// Whether the session still stands as stored, past every cache: a change may have waited
    /// its turn behind others (see `under_way`) while its session was signed out, and is then
    /// not sent with the ended session's key; nor once its lifetime ended while it waited.
    pub async fn still_stands(&self, state: &AppState) -> Result<()> {
        use tower_sessions::SessionStore;
        let Some(id) = self.session.id() else {
            return Err(AppError::SessionExpired);
        };
        let lifetime = state.config.session_lifetime.as_secs() as i64;
        if OffsetDateTime::now_utc().unix_timestamp() >= self.data.signed_in_at + lifetime {
            return Err(AppError::SessionExpired);
        }
        match state.sessions.load(&id).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(AppError::SessionExpired),
            Err(e) => Err(AppError::SessionsUnavailable(e.to_string())),
        }
    }

    /// The chosen company as a path segment; a 409 when none is chosen yet.
    pub fn company(&self) -> Result<CompanyUsername> {
        let Some(username) = self.data.company.as_deref() else {
            return Err(AppError::Conflict(format!(
                "Choose the company to work in first (PUT /api/session/company with \"company\" \
                 one of yours: {}).",
                self.data.company_usernames()
            )));
        };
        CompanyUsername::parse(username).map_err(|_| {
            AppError::Conflict("The chosen company's name cannot be used in a request.".into())
        })
    }

    pub fn view(&self, state: &AppState) -> SessionView {
        view(&self.data, state)
    }
}

pub fn view(data: &SessionData, state: &AppState) -> SessionView {
    let lifetime = state.config.session_lifetime;
    let idle = state.config.session_idle;
    let expires = unix(data.signed_in_at) + lifetime;
    let idle_expires = std::cmp::min(unix(data.last_seen) + idle, expires);
    let now = OffsetDateTime::now_utc();
    let left = |end: OffsetDateTime| (end - now).as_seconds_f64().ceil().max(0.0) as u64;
    SessionView {
        user: data.user.clone(),
        companies: data.companies.clone(),
        company: data.company.clone(),
        sandbox: state.config.is_sandbox(),
        expires_at: crate::timefmt::format(expires),
        idle_expires_at: crate::timefmt::format(idle_expires),
        idle_seconds_left: left(idle_expires),
        idle_timeout_seconds: idle.as_secs(),
        seconds_left: left(expires),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(data: &SessionData, expires_in: i64) -> Record {
        Record {
            id: tower_sessions::session::Id(7),
            data: [(KEY.to_owned(), serde_json::to_value(data).unwrap())].into(),
            expiry_date: OffsetDateTime::now_utc() + time::Duration::seconds(expires_in),
        }
    }

    fn kept(record: &Record) -> SessionData {
        SessionData::deserialize(&record.data[KEY]).unwrap()
    }

    fn ada() -> SessionData {
        let user: User = serde_json::from_value(serde_json::json!({
            "id": "u1", "name": "Ada", "email": "ada@example.com"
        }))
        .unwrap();
        let mut data = SessionData::new(&user, "sealed".into());
        data.company = Some("acme".into());
        data.last_seen = 1_000;
        data
    }

    #[test]
    fn a_renewal_read_before_a_company_was_chosen_keeps_the_choice() {
        let read = ada();
        let mut chosen = read.clone();
        chosen.company = Some("globex".into());
        chosen.rev += 1;
        let mut renewed = read;
        renewed.last_seen = 1_060;

        let stored = merged(&record(&renewed, 1_800), &record(&chosen, 1_700));

        assert_eq!(kept(&stored).company.as_deref(), Some("globex"));
        assert_eq!(kept(&stored).rev, 1);
        assert_eq!(kept(&stored).last_seen, 1_060, "the later activity");
        assert!(stored.expiry_date > OffsetDateTime::now_utc() + time::Duration::seconds(1_750));
    }

    #[test]
    fn a_choice_written_after_a_renewal_is_kept_with_the_renewal() {
        let read = ada();
        let mut renewed = read.clone();
        renewed.last_seen = 1_060;
        let mut chosen = read;
        chosen.company = Some("globex".into());
        chosen.rev += 1;

        let stored = merged(&record(&chosen, 1_700), &record(&renewed, 1_800));

        assert_eq!(kept(&stored).company.as_deref(), Some("globex"));
        assert_eq!(kept(&stored).last_seen, 1_060);
        assert!(stored.expiry_date > OffsetDateTime::now_utc() + time::Duration::seconds(1_750));
    }

    #[test]
    fn renewal_is_rate_limited() {
        assert_eq!(renew_after(Duration::from_secs(30 * 60)), 60);
        assert_eq!(renew_after(Duration::from_secs(8)), 2);
        assert_eq!(renew_after(Duration::from_secs(1)), 1);
    }
}
