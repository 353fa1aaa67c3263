//! What can go wrong talking to Console Connect. Upstream error bodies are not documented, so a
//! non-2xx answer keeps its status and its raw body (size-capped) for the audit trail, and a
//! message for people is pulled out of it only if it happens to be JSON with a message field.

use serde_json::Value;
use std::time::{Duration, SystemTime};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Largest part of an upstream error body kept.
pub const ERROR_BODY_LIMIT: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Console Connect answered with a non-2xx status.
    #[error("Console Connect answered {status}")]
    Status {
        status: u16,
        body: String,
        /// The wait the answer asked for in `Retry-After`, if it named one.
        retry_after: Option<Duration>,
    },
    /// The answer was 2xx but could not be read as the expected shape.
    #[error("Console Connect sent an unreadable answer ({status}): {detail}")]
    Decode { status: u16, detail: String },
    /// The answer was larger than the configured cap.
    #[error("Console Connect sent more than {limit} bytes")]
    TooLarge { limit: usize },
    /// No answer within the total timeout.
    #[error("Console Connect did not answer in time")]
    Timeout,
    /// The connection could not be made; the detail says why (refused, name not found, TLS).
    #[error("could not reach Console Connect: {0}")]
    Connect(String),
    /// Anything else on the way (TLS, reset connection, …); the detail says what.
    #[error("the exchange with Console Connect failed: {0}")]
    Transport(String),
}

impl Error {
    /// The upstream HTTP status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The wait a non-2xx answer asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether a read may be tried again: no answer, or an answer saying "try later".
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout | Error::Connect(_) | Error::Transport(_) => true,
            Error::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            Error::Decode { .. } | Error::TooLarge { .. } => false,
        }
    }

    /// Whether a request may have been acted on even though no readable answer came back: it
    /// was sent (the connection was made) and then the answer timed out, broke off, was too
    /// large or could not be read; or a gateway in front of Console Connect answered that its
    /// own exchange failed (502) or took too long (504), which it may say after passing the
    /// request on; or the answer was an internal error (500), which says only that something
    /// went wrong, perhaps after the change was made (while answering it). So may any other
    /// server error the portal does not know (a CDN's 520 or 524, say, after it passed the
    /// request on). 501, 503 and 505 say the request was not taken in; any status below 500
    /// is an answer; and a failed connect sent nothing.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Timeout
            | Error::Transport(_)
            | Error::Decode { .. }
            | Error::TooLarge { .. } => true,
            Error::Status { status, .. } => {
                (500..=599).contains(status) && !matches!(status, 501 | 503 | 505)
            }
            Error::Connect(_) => false,
        }
    }

    /// A message from the upstream error body, when it is JSON with a `message`, `error`,
    /// `errorMessage` or `detail` string; `None` otherwise (HTML error pages, empty bodies).
    /// Whole, so that a secret in it can be taken out before it is cut to a length to show.
    pub fn upstream_message(&self) -> Option<String> {
        let Error::Status { body, .. } = self else {
            return None;
        };
        let v: Value = serde_json::from_str(body).ok()?;
        ["message", "errorMessage", "error", "detail"]
            .iter()
            .find_map(|k| v.get(k).and_then(Value::as_str))
            .map(str::to_owned)
    }

    /// The kept body of a non-2xx answer.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Status { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// Longest wait a `Retry-After` is believed for; a larger one is taken as this.
pub const RETRY_AFTER_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Reads a `Retry-After` value, delay-seconds or an HTTP date, as a wait from `now`, capped at
/// [`RETRY_AFTER_LIMIT`]. A date already past is no wait; anything else unreadable is `None`.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits beyond u64 are still "a very long time".
        Duration::from_secs(value.parse().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(RETRY_AFTER_LIMIT))
}

/// Cuts a body to [`ERROR_BODY_LIMIT`] bytes on a character boundary.
pub(crate) fn cap_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(ERROR_BODY_LIMIT)]);
    text.trim_end_matches('\u{FFFD}').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sent_request_without_a_readable_answer_has_an_unknown_outcome() {
        let unknown = [
            Error::Timeout,
            Error::Transport("connection reset by peer".into()),
            Error::TooLarge { limit: 1 },
            Error::Decode {
                status: 200,
                detail: "truncated JSON".into(),
            },
            Error::Status {
                status: 502,
                body: "Bad Gateway".into(),
                retry_after: None,
            },
            Error::Status {
                status: 504,
                body: String::new(),
                retry_after: None,
            },
            Error::Status {
                status: 500,
                body: String::new(),
                retry_after: None,
            },
            // Server errors of a gateway or CDN the portal does not know.
            Error::Status {
                status: 520,
                body: String::new(),
                retry_after: None,
            },
            Error::Status {
                status: 524,
                body: String::new(),
                retry_after: None,
            },
        ];
        assert!(unknown.iter().all(Error::outcome_unknown));
        let known = [
            Error::Connect("tcp connect error: Connection refused".into()),
            Error::Status {
                status: 501,
                body: String::new(),
                retry_after: None,
            },
            Error::Status {
                status: 503,
                body: String::new(),
                retry_after: None,
            },
            Error::Status {
                status: 505,
                body: String::new(),
                retry_after: None,
            },
            Error::Status {
                status: 400,
                body: String::new(),
                retry_after: None,
            },
        ];
        assert!(!known.iter().any(Error::outcome_unknown));
    }

    #[test]
    fn message_is_pulled_from_json_bodies_only() {
        let e = Error::Status {
            status: 400,
            body: r#"{"message":"key already used"}"#.into(),
            retry_after: None,
        };
        assert_eq!(e.upstream_message().as_deref(), Some("key already used"));
        let e = Error::Status {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
            retry_after: None,
        };
        assert_eq!(e.upstream_message(), None);
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(Error::Timeout.is_retryable());
        assert!(
            Error::Status {
                status: 503,
                body: String::new(),
                retry_after: None,
            }
            .is_retryable()
        );
        assert!(
            !Error::Status {
                status: 400,
                body: String::new(),
                retry_after: None,
            }
            .is_retryable()
        );
        assert!(
            !Error::Decode {
                status: 200,
                detail: String::new()
            }
            .is_retryable()
        );
    }

    #[test]
    fn bodies_are_capped_on_a_char_boundary() {
        let long = "é".repeat(ERROR_BODY_LIMIT);
        let capped = cap_body(long.as_bytes());
        assert!(capped.len() <= ERROR_BODY_LIMIT);
        assert!(capped.chars().all(|c| c == 'é'));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date() {
        let now = httpdate::parse_http_date("Tue, 01 Dec 2026 20:00:00 GMT").unwrap();
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(parse_retry_after("120", now), secs(120));
        assert_eq!(parse_retry_after(" 0 ", now), secs(0));
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 20:00:30 GMT", now),
            secs(30)
        );
        assert_eq!(
            parse_retry_after("Tue, 01 Dec 2026 19:59:00 GMT", now),
            secs(0),
            "a date already past asks for no wait"
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(RETRY_AFTER_LIMIT)
        );
        for unreadable in ["", "-5", "1.5", "soon", "120s"] {
            assert_eq!(parse_retry_after(unreadable, now), None, "{unreadable:?}");
        }
    }
}
