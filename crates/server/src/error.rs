//! One error type for every handler. Each variant documents its status; the response body is
//! always `models::ApiError`. 5xx bodies say nothing internal: the cause travels in a response
//! extension to the `finish_errors` middleware, which logs it once with the request id.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use models::error::{MAY_HAVE_BEEN_MADE, ROLE_REFUSED};
use models::{ApiError, ErrorCode, FieldError};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read.
    #[error("{0}")]
    BadRequest(String),
    /// 422: the input broke one or more rules.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 401: not signed in, or the API key is not accepted.
    #[error("{0}")]
    Unauthenticated(String),
    /// 401: the session ran out.
    #[error("session expired")]
    SessionExpired,
    /// 401: Console Connect refused the API key the session holds; the response carries
    /// [`KeyRefused`], for which `session::end_when_key_refused` ends the session.
    #[error(
        "Console Connect no longer accepts the API key this session was signed in with (it was \
         revoked or has expired there), so the portal has ended the session. Sign in again with \
         a key it accepts."
    )]
    KeyRefused,
    /// 403: cross-site request, or Console Connect refused the user.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 413: the body is larger than the 64 KiB allowed.
    #[error("The request body is larger than 64 KiB.")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("The request body must be JSON (Content-Type: application/json).")]
    UnsupportedMediaType,
    /// 429: this address has used its failed sign-ins (or, when `unanswered`, its sign-ins
    /// Console Connect did not answer); it may try again after `retry_after`.
    #[error("{} Try again in {}.", too_many_text(*.unanswered), wait_text(*.retry_after))]
    TooManyRequests {
        retry_after: std::time::Duration,
        unanswered: bool,
    },
    /// 409: not allowed in the object's current state.
    #[error("{0}")]
    Conflict(String),
    /// 409: the object changed after the read or preview the request was based on.
    #[error("{0}")]
    ChangedSinceRead(String),
    /// 409: the request was made for a user or company the session no longer has.
    #[error(
        "Another tab of this browser chose another company or signed in as someone else since \
         this page was shown, so nothing was read or done here. The page now shows the session \
         as it is."
    )]
    SessionChanged,
    /// 503: the audit history could not be written, so nothing was changed.
    #[error("audit unavailable")]
    AuditUnavailable { message: String, cause: String },
    /// 503: the session store could not be read or written, so nobody is known; the cause
    /// is logged.
    #[error("{SESSIONS_UNAVAILABLE}")]
    SessionsUnavailable(String),
    /// 422: Console Connect refused the request; the message is theirs, secrets removed.
    #[error("{0}")]
    UpstreamRejected(String),
    /// 502: Console Connect failed or sent something unreadable.
    #[error("{message}")]
    UpstreamFailed { message: String, cause: String },
    /// 502: Console Connect turned the request away (429 or 503) and said in `Retry-After` how
    /// long to wait; the wait is passed on in the portal's own `Retry-After`. A `change` turned
    /// away is said not to have been made.
    #[error("{} Try again in {}.", busy_text(*.status, *.change), wait_text(*.retry_after))]
    UpstreamBusy {
        status: u16,
        retry_after: std::time::Duration,
        change: bool,
    },
    /// 504: Console Connect did not answer in time; for a `change`, it may have been made.
    #[error("upstream timeout")]
    UpstreamTimeout { change: bool },
    /// 500: a fault inside the portal.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Marks the response of a request whose session's API key Console Connect refused.
#[derive(Debug, Clone, Copy)]
pub struct KeyRefused;

/// What the `finish_errors` middleware needs: the body to send and the cause to log.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub body: ApiError,
    pub cause: Option<String>,
}

/// What a request is told when the session store is out of reach.
const SESSIONS_UNAVAILABLE: &str = "The portal cannot reach its session store right now, so it \
     cannot tell who is signed in: nothing was read or changed. Try again shortly.";

/// How an upstream failure of a read ends its message.
const TRY_AGAIN: &str = "Try again shortly.";

/// A 404 without Console Connect's words: a gateway's page, perhaps for an address the API
/// does not have.
const NOT_FOUND_BARE: &str = "Console Connect answered that it has no such object (404) \
without saying which. If it keeps answering so, whoever runs the portal should check its \
upstream address.";

/// `message`, of a failure to read what a change is checked against, saying that nothing was
/// changed before what it says to do next.
fn nothing_changed(message: &str) -> String {
    const SAID: &str = "Nothing was changed.";
    if message.contains(SAID) {
        return message.to_owned();
    }
    match ["Try again", "Wait a minute"]
        .iter()
        .filter_map(|next| message.find(next))
        .min()
    {
        Some(at) => format!("{}{SAID} {}", &message[..at], &message[at..]),
        None => format!("{message} {SAID}"),
    }
}

impl AppError {
    pub fn validation(e: impl Into<FieldError>) -> Self {
        AppError::Validation(vec![e.into()])
    }

    pub fn audit_unavailable(cause: impl std::fmt::Display) -> Self {
        AppError::AuditUnavailable {
            message: "The audit history cannot be written right now, so no change was made. Try again shortly.".into(),
            cause: cause.to_string(),
        }
    }

    /// A read of the audit history that failed: 503 when the history was only busy (a lock
    /// held past the wait, as maintenance such as `VACUUM FULL` takes on PostgreSQL, or the
    /// statement cancelled), else an internal error.
    pub fn history_read(e: anyhow::Error) -> Self {
        let busy = e.chain().any(|cause| {
            cause
                .downcast_ref::<sqlx::Error>()
                .and_then(sqlx::Error::as_database_error)
                .and_then(|d| d.code())
                .is_some_and(|code| code == "55P03" || code == "57014")
        });
        if busy {
            AppError::AuditUnavailable {
                message: "The audit history cannot be read right now: other work on the \
                          database holds it. Try again shortly."
                    .into(),
                cause: e.to_string(),
            }
        } else {
            AppError::Internal(e)
        }
    }

    /// Maps an upstream failure to what the user sees, removing the given secrets from any
    /// message Console Connect sent back.
    pub fn from_upstream(e: &console_connect::Error, secrets: &[&str]) -> Self {
        Self::upstream(e, secrets, false)
    }

    /// [`from_upstream`](Self::from_upstream), for a `change` or a read.
    fn upstream(e: &console_connect::Error, secrets: &[&str], change: bool) -> Self {
        use console_connect::Error as E;
        // Cut to a length to show only once the secrets are out, so none is left in part.
        let theirs = e
            .upstream_message()
            .map(|m| redact(&m, secrets).chars().take(500).collect::<String>());
        match e {
            E::Status { status: 401, .. } => AppError::KeyRefused,
            // Console Connect's own words when it gave any (they say which role), else ours.
            E::Status { status: 403, .. } => AppError::Forbidden(format!(
                "{ROLE_REFUSED}{}",
                theirs.unwrap_or_else(|| "it needs the Network Admin role in this company.".into())
            )),
            // Console Connect's words say what it did not find; a bare 404 (a gateway's page)
            // may as well mean the portal asks at the wrong address.
            E::Status { status: 404, .. } => AppError::NotFound(match theirs {
                Some(theirs) => format!("Console Connect found no such object: {theirs}"),
                None => NOT_FOUND_BARE.into(),
            }),
            E::Status {
                status: status @ (400 | 409 | 422),
                ..
            } => AppError::UpstreamRejected(theirs.unwrap_or_else(|| {
                format!("Console Connect refused the request ({status}) without saying why.")
            })),
            E::Status {
                status: status @ (429 | 503),
                retry_after: Some(wait),
                ..
            } if !wait.is_zero() => AppError::UpstreamBusy {
                status: *status,
                retry_after: *wait,
                change,
            },
            E::Status {
                status: status @ (502 | 504),
                ..
            } => AppError::UpstreamFailed {
                message: format!(
                    "A gateway in front of Console Connect answered {status} ({}). {TRY_AGAIN}",
                    if *status == 502 {
                        "its exchange with Console Connect failed"
                    } else {
                        "Console Connect took too long"
                    }
                ),
                cause: e.to_string(),
            },
            E::Status { status: 429, .. } => AppError::UpstreamFailed {
                message: format!("{} Wait a minute and try again.", busy_text(429, change)),
                cause: e.to_string(),
            },
            E::Status { status: 503, .. } => AppError::UpstreamFailed {
                message: format!("{} {TRY_AGAIN}", busy_text(503, change)),
                cause: e.to_string(),
            },
            E::Status { status, .. } => AppError::UpstreamFailed {
                message: format!("Console Connect answered with an error ({status}). {TRY_AGAIN}"),
                cause: e.to_string(),
            },
            E::Decode { .. } | E::TooLarge { .. } => AppError::UpstreamFailed {
                message: format!(
                    "Console Connect sent an answer the portal could not read. {TRY_AGAIN}"
                ),
                cause: e.to_string(),
            },
            E::Timeout => AppError::UpstreamTimeout { change: false },
            E::Connect(_) => AppError::UpstreamFailed {
                message: "The portal could not reach Console Connect. Try again later.".into(),
                cause: e.to_string(),
            },
            E::Transport(_) => AppError::UpstreamFailed {
                message: format!("The exchange with Console Connect broke off. {TRY_AGAIN}"),
                cause: e.to_string(),
            },
        }
    }

    /// [`from_upstream`](Self::from_upstream) for the call that makes a change: where the
    /// failure leaves unknown whether Console Connect made it, the message says so instead of
    /// offering to try again.
    pub fn from_upstream_change(e: &console_connect::Error, secrets: &[&str]) -> Self {
        match Self::upstream(e, secrets, true) {
            AppError::UpstreamTimeout { .. } => AppError::UpstreamTimeout { change: true },
            AppError::UpstreamFailed { message, cause } if e.outcome_unknown() => {
                AppError::UpstreamFailed {
                    message: message.replace(TRY_AGAIN, MAY_HAVE_BEEN_MADE),
                    cause,
                }
            }
            other => other,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Validation(_) => ErrorCode::ValidationFailed,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::SessionExpired => ErrorCode::SessionExpired,
            AppError::KeyRefused => ErrorCode::KeyRefused,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::ChangedSinceRead(_) => ErrorCode::ChangedSinceRead,
            AppError::SessionChanged => ErrorCode::SessionChanged,
            AppError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            AppError::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            AppError::AuditUnavailable { .. } => ErrorCode::AuditUnavailable,
            AppError::SessionsUnavailable(_) => ErrorCode::SessionsUnavailable,
            AppError::UpstreamRejected(_) => ErrorCode::UpstreamRejected,
            AppError::UpstreamFailed { .. } | AppError::UpstreamBusy { .. } => {
                ErrorCode::UpstreamFailed
            }
            AppError::UpstreamTimeout { .. } => ErrorCode::UpstreamTimeout,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn report(self) -> ErrorReport {
        let code = self.code();
        let (body, cause) = match self {
            AppError::Validation(fields) => (ApiError::validation(fields), None),
            AppError::SessionExpired => (
                ApiError::new(code, "Your session has ended. Sign in again to continue."),
                None,
            ),
            AppError::AuditUnavailable { message, cause } => {
                (ApiError::new(code, message), Some(cause))
            }
            AppError::SessionsUnavailable(cause) => {
                (ApiError::new(code, SESSIONS_UNAVAILABLE), Some(cause))
            }
            AppError::UpstreamFailed { message, cause } => {
                (ApiError::new(code, message), Some(cause))
            }
            busy @ AppError::UpstreamBusy { status, .. } => (
                ApiError::new(code, busy.to_string()),
                Some(format!(
                    "Console Connect answered {status} with Retry-After"
                )),
            ),
            AppError::UpstreamTimeout { change } => (
                ApiError::new(
                    code,
                    format!(
                        "Console Connect did not answer in time. {}",
                        if change {
                            MAY_HAVE_BEEN_MADE
                        } else {
                            TRY_AGAIN
                        }
                    ),
                ),
                Some("upstream timeout".into()),
            ),
            AppError::Internal(cause) => (
                ApiError::new(
                    code,
                    "Something went wrong inside the portal. The request id identifies it in the logs.",
                ),
                Some(format!("{cause:#}")),
            ),
            other => {
                let message = other.to_string();
                (ApiError::new(code, message), None)
            }
        };
        let mut body = body;
        // A change whose checks failed to read from Console Connect (or were refused there)
        // sent nothing: said, since after a failure to reach it a change may otherwise have
        // been made.
        if matches!(
            code,
            ErrorCode::UpstreamFailed | ErrorCode::UpstreamTimeout | ErrorCode::UpstreamRejected
        ) && crate::security::change_not_sent()
        {
            body.message = nothing_changed(&body.message);
        }
        ErrorReport { body, cause }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let retry_after = match &self {
            AppError::TooManyRequests { retry_after, .. }
            | AppError::UpstreamBusy { retry_after, .. } => Some(whole_seconds(*retry_after)),
            _ => None,
        };
        let key_refused = matches!(self, AppError::KeyRefused);
        let mut response = report_response(self.report());
        if key_refused {
            response.extensions_mut().insert(KeyRefused);
        }
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// A wait in whole seconds, rounded up: never 0 while there is something left to wait.
fn whole_seconds(d: std::time::Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// A wait as people say it: seconds under two minutes, else minutes (rounded up).
fn wait_text(d: std::time::Duration) -> String {
    match whole_seconds(d) {
        1 => "1 second".into(),
        s @ 0..120 => format!("{s} seconds"),
        s @ 0..7200 => format!("{} minutes", s.div_ceil(60)),
        s => format!("{} hours", s.div_ceil(3600)),
    }
}

/// Which of the sign-in bounds an address reached.
fn too_many_text(unanswered: bool) -> &'static str {
    if unanswered {
        "Too many sign-ins from your address were tried while Console Connect was not answering."
    } else {
        "Too many failed sign-ins from your address."
    }
}

/// What a 429 or 503 from Console Connect means for the request.
fn busy_text(status: u16, change: bool) -> String {
    let busy = if status == 429 {
        "Console Connect is turning requests away because too many came from your API key \
         (429)"
            .to_owned()
    } else {
        format!("Console Connect is unavailable for now ({status})")
    };
    if change {
        format!("{busy}, so nothing was changed.")
    } else {
        format!("{busy}.")
    }
}

/// A response carrying an [`ErrorReport`]; the body is written by the middleware.
pub fn report_response(report: ErrorReport) -> Response {
    let status = StatusCode::from_u16(report.body.code.status())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(&report.body)).into_response();
    response.extensions_mut().insert(report);
    response
}

/// What an upstream text is replaced with when it holds a secret too short to take out of it.
pub const WITHHELD: &str = "(Console Connect's words are not shown: they may quote a key.)";

/// Replaces each secret in `text` with `********`, in whatever case it is quoted (a service
/// key is one in any case). A secret of fewer than 4 characters (a shared key may be one)
/// cannot be taken out without garbling everything else, so a text that holds it anywhere is
/// withheld whole.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if secret.chars().count() < 4 {
            if out
                .to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase())
            {
                return WITHHELD.to_owned();
            }
        } else {
            out = replace_any_case(&out, secret, "********");
        }
    }
    out
}

/// `text` with every match of `needle`, ASCII case ignored, replaced by `with`.
fn replace_any_case(text: &str, needle: &str, with: &str) -> String {
    // Lower-casing ASCII keeps every byte where it was, so the matches' offsets in the
    // lower-cased copy are theirs in `text` too.
    let (hay, needle) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in hay.match_indices(&needle) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_taken_out_in_any_case_and_short_ones_withhold_the_text() {
        let key = "ABCDEF12-3456-7890-ABCD-EF1234567890";
        assert_eq!(
            redact(
                "key abcdef12-3456-7890-abcd-ef1234567890 and ABCDEF12-3456-7890-ABCD-EF1234567890 é",
                &[key]
            ),
            "key ******** and ******** é"
        );
        assert_eq!(redact("sharedKey abc refused", &["abc"]), WITHHELD);
        assert_eq!(redact("sharedKey ABC refused", &["abc"]), WITHHELD);
        assert_eq!(redact("nothing secret", &["xyz", ""]), "nothing secret");
        // Cut to be shown after the secret is out: none of it is left at the edge.
        let message = format!("{}{key} more", "x".repeat(490));
        let e = console_connect::Error::Status {
            status: 400,
            body: serde_json::json!({ "message": message }).to_string(),
            retry_after: None,
        };
        let AppError::UpstreamRejected(shown) = AppError::from_upstream(&e, &[key]) else {
            panic!("a refusal");
        };
        assert_eq!(shown, format!("{}******** m", "x".repeat(490)));
    }

    #[test]
    fn a_change_not_sent_says_so_before_what_to_do_next() {
        assert_eq!(
            nothing_changed("Console Connect answered with an error (500). Try again shortly."),
            "Console Connect answered with an error (500). Nothing was changed. Try again shortly."
        );
        assert_eq!(
            nothing_changed("Console Connect is busy. Wait a minute and try again."),
            "Console Connect is busy. Nothing was changed. Wait a minute and try again."
        );
        assert_eq!(
            nothing_changed("The portal could not reach Console Connect."),
            "The portal could not reach Console Connect. Nothing was changed."
        );
        let once = "Console Connect did not answer in time. Nothing was changed. Try again.";
        assert_eq!(nothing_changed(once), once);
    }

    #[test]
    fn upstream_messages_lose_their_secrets() {
        let e = console_connect::Error::Status {
            status: 400,
            body: r#"{"message":"key 1234abcd-0000 already used"}"#.into(),
            retry_after: None,
        };
        let AppError::UpstreamRejected(m) = AppError::from_upstream(&e, &["1234abcd-0000"]) else {
            panic!("rejected expected")
        };
        assert_eq!(m, "key ******** already used");
    }

    #[test]
    fn a_wait_is_said_in_seconds_or_minutes_and_sent_in_whole_seconds() {
        use std::time::Duration;
        assert_eq!(wait_text(Duration::from_millis(200)), "1 second");
        assert_eq!(wait_text(Duration::from_secs(90)), "90 seconds");
        assert_eq!(wait_text(Duration::from_secs(14 * 60 + 1)), "15 minutes");
        let response = AppError::TooManyRequests {
            retry_after: Duration::from_millis(59_200),
            unanswered: false,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()["retry-after"], "60");
    }

    #[test]
    fn an_upstream_asking_for_a_wait_passes_it_on() {
        use std::time::Duration;
        let busy = |status, secs| console_connect::Error::Status {
            status,
            body: "<html>busy</html>".into(),
            retry_after: Some(Duration::from_secs(secs)),
        };
        let response = AppError::from_upstream(&busy(503, 30), &[]).into_response();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(response.headers()["retry-after"], "30");
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert_eq!(report.body.code, ErrorCode::UpstreamFailed);
        assert_eq!(
            report.body.message,
            "Console Connect is unavailable for now (503). Try again in 30 seconds."
        );
        // A change turned away says it was not made.
        let response = AppError::from_upstream_change(&busy(503, 30), &[]).into_response();
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert_eq!(
            report.body.message,
            "Console Connect is unavailable for now (503), so nothing was changed. \
             Try again in 30 seconds."
        );
        let unavailable = console_connect::Error::Status {
            status: 503,
            body: "<html>down</html>".into(),
            retry_after: None,
        };
        let report = AppError::from_upstream_change(&unavailable, &[]).report();
        assert_eq!(
            report.body.message,
            "Console Connect is unavailable for now (503), so nothing was changed. \
             Try again shortly."
        );
        let report = AppError::from_upstream(&unavailable, &[]).report();
        assert_eq!(
            report.body.message,
            "Console Connect is unavailable for now (503). Try again shortly."
        );
        let response = AppError::from_upstream(&busy(429, 600), &[]).into_response();
        assert_eq!(response.headers()["retry-after"], "600");
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert!(report.body.message.contains("(429)"));
        assert!(report.body.message.ends_with("Try again in 10 minutes."));
        let response = AppError::from_upstream(&busy(429, 86_400), &[]).into_response();
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert!(report.body.message.ends_with("Try again in 24 hours."));
        let response = AppError::from_upstream(&busy(429, 0), &[]).into_response();
        assert!(
            !response.headers().contains_key("retry-after"),
            "no wait to pass on"
        );
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert!(
            report
                .body
                .message
                .ends_with("Wait a minute and try again.")
        );
        let not_busy = busy(500, 30);
        let response = AppError::from_upstream(&not_busy, &[]).into_response();
        assert!(
            !response.headers().contains_key("retry-after"),
            "only a 429 or 503 is a request to wait"
        );
    }

    #[test]
    fn server_errors_hide_their_cause() {
        let report = AppError::Internal(anyhow::anyhow!("disk on fire at /var/x")).report();
        assert!(!report.body.message.contains("disk"));
        assert!(report.cause.unwrap().contains("disk on fire"));
    }

    #[test]
    fn a_not_found_gives_console_connects_words_or_says_it_gave_none() {
        let e = console_connect::Error::Status {
            status: 404,
            body: r#"{"message":"Service key 1234abcd-0000 not found"}"#.into(),
            retry_after: None,
        };
        let AppError::NotFound(m) = AppError::from_upstream(&e, &["1234abcd-0000"]) else {
            panic!("not found expected")
        };
        assert_eq!(
            m,
            "Console Connect found no such object: Service key ******** not found"
        );
        let page = console_connect::Error::Status {
            status: 404,
            body: "<html><body>Not Found</body></html>".into(),
            retry_after: None,
        };
        let AppError::NotFound(m) = AppError::from_upstream(&page, &[]) else {
            panic!("not found expected")
        };
        assert_eq!(m, NOT_FOUND_BARE);
    }

    #[test]
    fn upstream_status_maps_to_portal_codes() {
        let status = |s| console_connect::Error::Status {
            status: s,
            body: String::new(),
            retry_after: None,
        };
        assert_eq!(
            AppError::from_upstream(&status(401), &[]).code(),
            ErrorCode::KeyRefused
        );
        assert_eq!(
            AppError::from_upstream(&status(403), &[]).code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            AppError::from_upstream(&status(400), &[]).code(),
            ErrorCode::UpstreamRejected
        );
        assert_eq!(
            AppError::from_upstream(&status(503), &[]).code(),
            ErrorCode::UpstreamFailed
        );
        assert_eq!(
            AppError::from_upstream(&console_connect::Error::Timeout, &[]).code(),
            ErrorCode::UpstreamTimeout
        );
    }
}
