//! The simulator's error answers: one small JSON shape, `{"error", "message"}`, for every refusal,
//! malformed input included.

use axum::Json;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use models::FieldError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a request was refused; each variant documents its status code.
#[derive(Debug)]
pub(crate) enum SimError {
    /// 400: the request cannot be carried out as sent.
    BadRequest(String),
    /// 400: the body broke validation rules, one message per field.
    Invalid(Vec<FieldError>),
    /// 401: no API key, or one the simulator does not know.
    Unauthorized,
    /// 403: a known caller without the right to do this.
    Forbidden(String),
    /// 404: nothing there for this caller.
    NotFound(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        let (status, error, message, errors) = match self {
            SimError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "bad_request", message, vec![])
            }
            SimError::Invalid(errors) => {
                let message = errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                (
                    StatusCode::BAD_REQUEST,
                    "validation_failed",
                    message,
                    errors,
                )
            }
            SimError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or unknown API key: send Authorization: Bearer <key>".to_owned(),
                vec![],
            ),
            SimError::Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message, vec![]),
            SimError::NotFound(message) => (StatusCode::NOT_FOUND, "not_found", message, vec![]),
        };
        let body = Json(ErrorBody {
            error,
            message,
            errors: &errors,
        });
        if status == StatusCode::UNAUTHORIZED {
            (status, [(header::WWW_AUTHENTICATE, "Bearer")], body).into_response()
        } else {
            (status, body).into_response()
        }
    }
}

pub(crate) type Result<T, E = SimError> = std::result::Result<T, E>;

/// Reads a JSON body. Handlers call it after the access checks, so a caller without the right
/// to write hears 403 whatever the body holds; every malformed or mistyped body is a 400.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|e| SimError::BadRequest(format!("request body is not the expected JSON: {e}")))
}

/// Path parameters whose rejection (such as a segment that is not UTF-8 once decoded) is the
/// simulator's JSON 400 rather than axum's plain-text answer.
pub(crate) struct Segments<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Segments<T> {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Segments(value)),
            Err(rejection) => Err(SimError::BadRequest(rejection.body_text())),
        }
    }
}
