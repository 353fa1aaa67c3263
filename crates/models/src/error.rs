//! The portal's one JSON error shape, for every failure: malformed JSON, validation, unknown
//! routes, upstream failures. The browser shows `message` and `requestId`, and puts each entry
//! of `fields` under its input.

use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What kind of failure; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request could not be read (malformed JSON, bad query).
    BadRequest,
    /// 401: not signed in, or the API key was refused.
    Unauthenticated,
    /// 401: the session ran past its idle timeout or absolute lifetime.
    SessionExpired,
    /// 401: Console Connect no longer accepts the API key the session holds (revoked or
    /// expired there), so the portal has ended the session.
    KeyRefused,
    /// 403: a cross-site request, or not allowed.
    Forbidden,
    /// 404: no such route or object.
    NotFound,
    /// 405: the route exists but does not take this method; `Allow` names those it takes.
    MethodNotAllowed,
    /// 409: the object is not in a state that allows this (e.g. peering before ACTIVE).
    Conflict,
    /// 409: the object changed after the read or preview the request was based on
    /// (`expectedBase`).
    ChangedSinceRead,
    /// 409: the request was made for a user and company (`X-Portal-User`,
    /// `X-Portal-Company`) the session no longer has: another tab of the browser chose another
    /// company or signed in as someone else. Nothing was read or done.
    SessionChanged,
    /// 413: the body is larger than allowed.
    PayloadTooLarge,
    /// 415: the body must be `application/json`.
    UnsupportedMediaType,
    /// 429: too many failed sign-ins from one address; `Retry-After` says when to try again.
    TooManyRequests,
    /// 422: the input broke a rule; see `fields`.
    ValidationFailed,
    /// 422: Console Connect refused the request (message is theirs).
    UpstreamRejected,
    /// 502: Console Connect answered with an error or an unreadable body.
    UpstreamFailed,
    /// 503: the audit history cannot be written, so no change is made.
    AuditUnavailable,
    /// 503: the session store cannot be read or written (its database is out of reach), so
    /// the portal cannot tell who is asking: nothing was read or done.
    SessionsUnavailable,
    /// 504: Console Connect did not answer in time.
    UpstreamTimeout,
    /// 500: something went wrong inside the portal; the request id finds the log line.
    Internal,
}

impl ErrorCode {
    /// Whether a request that failed so may succeed if sent again unchanged: the failure was
    /// the portal's, Console Connect's or the network's, not the request's (a missing object,
    /// bad input, a refused key or state stay as they are). Such a failure is no verdict on
    /// what was sent.
    pub fn may_pass_on_retry(self) -> bool {
        matches!(
            self,
            Self::Internal
                | Self::UpstreamFailed
                | Self::UpstreamTimeout
                | Self::AuditUnavailable
                | Self::SessionsUnavailable
        )
    }

    /// The code for an error status that came without the portal's error body (a proxy's page,
    /// axum's own 405).
    pub fn for_status(status: u16) -> Self {
        match status {
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            409 => Self::Conflict,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationFailed,
            429 => Self::TooManyRequests,
            408 | 504 => Self::UpstreamTimeout,
            400..=499 => Self::BadRequest,
            _ => Self::Internal,
        }
    }

    /// The code as the error body spells it (`not_found`), for logs that are searched for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::KeyRefused => "key_refused",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::ChangedSinceRead => "changed_since_read",
            Self::SessionChanged => "session_changed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooManyRequests => "too_many_requests",
            Self::ValidationFailed => "validation_failed",
            Self::UpstreamRejected => "upstream_rejected",
            Self::UpstreamFailed => "upstream_failed",
            Self::AuditUnavailable => "audit_unavailable",
            Self::SessionsUnavailable => "sessions_unavailable",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::Internal => "internal",
        }
    }

    /// The HTTP status this code travels with.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthenticated | Self::SessionExpired | Self::KeyRefused => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Conflict | Self::ChangedSinceRead | Self::SessionChanged => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed | Self::UpstreamRejected => 422,
            Self::TooManyRequests => 429,
            Self::Internal => 500,
            Self::UpstreamFailed => 502,
            Self::AuditUnavailable | Self::SessionsUnavailable => 503,
            Self::UpstreamTimeout => 504,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// How the message of a change Console Connect refused for the user's role (a 403) begins.
pub const ROLE_REFUSED: &str = "Console Connect refused this for your user: ";

/// How the message of a change ends when the change may have been made although its answer
/// says it failed (it timed out, or broke off after it was sent).
pub const MAY_HAVE_BEEN_MADE: &str =
    "The change may have been made all the same: check the current state before trying again.";

/// What the browser app says of a change whose answer never reached it (the portal could not be
/// reached, or answered with a bare 5xx).
pub const NOT_KNOWN_IF_MADE: &str = "whether this change was made is not known: look at the \
     connection, or at its audit history, before trying again";

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            request_id: None,
            fields: Vec::new(),
        }
    }

    /// A validation failure listing each field's message.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let mut names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let message = match (fields.as_slice(), names.len()) {
            ([one], _) => one.message.clone(),
            // Two ports refused, say: one field, each of its problems in `fields`.
            (all, 1) => all
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            (_, n) => format!("{n} fields need attention"),
        };
        ApiError {
            code: ErrorCode::ValidationFailed,
            message,
            request_id: None,
            fields,
        }
    }

    /// Whether Console Connect refused the change for the user's role in the company (its
    /// who-am-I does not say the role, so this is how the portal learns it).
    pub fn is_role_refused(&self) -> bool {
        self.code == ErrorCode::Forbidden && self.message.starts_with(ROLE_REFUSED)
    }

    /// Whether the error says there is no session (any more): not signed in, or ended.
    pub fn is_signed_out(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::Unauthenticated | ErrorCode::SessionExpired | ErrorCode::KeyRefused
        )
    }

    /// Whether the same request may succeed if sent again unchanged: see
    /// [`ErrorCode::may_pass_on_retry`].
    pub fn may_pass_on_retry(&self) -> bool {
        self.code.may_pass_on_retry()
    }

    /// Whether the failed change may have been made all the same (see [`MAY_HAVE_BEEN_MADE`]
    /// and [`NOT_KNOWN_IF_MADE`]): its state is to be looked at before it is sent again.
    pub fn may_have_been_made(&self) -> bool {
        self.message.contains(MAY_HAVE_BEEN_MADE) || self.message.contains(NOT_KNOWN_IF_MADE)
    }

    /// The message for a given field, if any.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.as_str())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_logged_as_its_body_spells_it() {
        use ErrorCode::*;
        let every = [
            BadRequest,
            Unauthenticated,
            SessionExpired,
            KeyRefused,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            Conflict,
            ChangedSinceRead,
            SessionChanged,
            PayloadTooLarge,
            UnsupportedMediaType,
            TooManyRequests,
            ValidationFailed,
            UpstreamRejected,
            UpstreamFailed,
            AuditUnavailable,
            SessionsUnavailable,
            UpstreamTimeout,
            Internal,
        ];
        for code in every {
            let body = serde_json::to_string(&code).unwrap();
            assert_eq!(body, format!("\"{}\"", code.as_str()), "{code:?}");
        }
    }

    #[test]
    fn only_a_missing_or_ended_session_is_signed_out() {
        for code in [
            ErrorCode::Unauthenticated,
            ErrorCode::SessionExpired,
            ErrorCode::KeyRefused,
        ] {
            assert!(ApiError::new(code, "x").is_signed_out(), "{code:?}");
        }
        for code in [
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Internal,
        ] {
            assert!(!ApiError::new(code, "x").is_signed_out(), "{code:?}");
        }
    }

    #[test]
    fn only_failures_outside_the_request_may_pass_on_retry() {
        let transient = [
            ErrorCode::Internal,
            ErrorCode::UpstreamFailed,
            ErrorCode::UpstreamTimeout,
            ErrorCode::AuditUnavailable,
            ErrorCode::SessionsUnavailable,
        ];
        for code in transient {
            assert!(ApiError::new(code, "x").may_pass_on_retry(), "{code:?}");
        }
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Unauthenticated,
            ErrorCode::SessionExpired,
            ErrorCode::KeyRefused,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Conflict,
            ErrorCode::ChangedSinceRead,
            ErrorCode::SessionChanged,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::ValidationFailed,
            ErrorCode::UpstreamRejected,
            ErrorCode::TooManyRequests,
        ] {
            assert!(!ApiError::new(code, "x").may_pass_on_retry(), "{code:?}");
        }
        // Every status the portal's proxy or the network can answer with that it did not
        // explain itself: a 5xx may pass, a 4xx will not.
        for status in [500, 502, 503] {
            let e = ApiError::new(ErrorCode::for_status(status), "x");
            assert!(e.may_pass_on_retry(), "{status}");
        }
        assert!(!ApiError::new(ErrorCode::for_status(404), "x").may_pass_on_retry());
    }

    #[test]
    fn a_bare_error_status_gets_a_code_that_travels_with_that_status() {
        for status in [400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 504] {
            assert_eq!(ErrorCode::for_status(status).status(), status, "{status}");
        }
    }

    #[test]
    fn error_json_shape() {
        let e = ApiError::validation(vec![FieldError {
            field: "vlanId".into(),
            message: "bad".into(),
        }]);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "validation_failed");
        assert_eq!(v["message"], "bad");
        assert_eq!(v["fields"][0]["field"], "vlanId");
        assert!(v.get("requestId").is_none());
        assert_eq!(e.field("vlanId"), Some("bad"));
        assert_eq!(ErrorCode::ValidationFailed.status(), 422);
        assert_eq!(ErrorCode::for_status(405), ErrorCode::MethodNotAllowed);
        assert_eq!(ErrorCode::for_status(418), ErrorCode::BadRequest);
        assert_eq!(ErrorCode::for_status(503), ErrorCode::Internal);
    }

    #[test]
    fn several_fields_are_summarised() {
        let f = |n: &str| FieldError {
            field: n.into(),
            message: "x".into(),
        };
        let e = ApiError::validation(vec![f("a"), f("b")]);
        assert_eq!(e.message, "2 fields need attention");
        let e = ApiError::validation(vec![f("a"), f("b"), f("a")]);
        assert_eq!(e.message, "2 fields need attention", "fields, not messages");
        let twice = ApiError::validation(vec![
            FieldError {
                field: "portIds".into(),
                message: "portIds: A cannot be used".into(),
            },
            FieldError {
                field: "portIds".into(),
                message: "portIds: B cannot be used".into(),
            },
        ]);
        assert_eq!(
            twice.message,
            "portIds: A cannot be used; portIds: B cannot be used"
        );
    }
}
